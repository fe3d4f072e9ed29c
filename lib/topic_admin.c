/*
 * topic_admin.c - creating, changing, deleting and describing topics
 * (kafka-topics.sh's operations), and the purge that follows a delete.
 *
 * Each change is one write transaction that checks its arguments first,
 * then changes the catalogue (topic.c) and the partitions it owns (log.c)
 * together, so no failure leaves a topic half made.
 *
 * A delete only takes the topic out of the catalogue and marks its id: that
 * is quick, and the name is free again at once. Its records, committed
 * offsets and producer states are then purged in bounded steps, each its own
 * transaction, so that deleting a large topic never holds the writer for
 * long; a purge cut short (a crash, a full disk) is finished when the store
 * is next opened (topic_purge_deleted).
 */
#include "topic.h"

#include "commit.h"
#include "db.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "seq.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

#define PURGE_STEP 10000   /* entries removed per transaction when deleting */
#define PURGE_BATCH 64     /* deleted topics found per read of the catalogue */

/* ---- arguments ---------------------------------------------------------- */

/* in, or the defaults when NULL, into out, in the current config version. */
static int copy_config(offlog_topic_config *out, const offlog_topic_config *in)
{
	offlog_topic_config_init(out);
	if (!in)
		return 0;
	if (in->version < 1 || in->version > OFFLOG_TOPIC_CONFIG_VERSION)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_config.version %u is not supported", in->version);
	/* A version 1 caller's struct ends at max_message_bytes. */
	if (in->version == 1)
		memcpy(out, in, offsetof(offlog_topic_config, protected_groups));
	else
		*out = *in;
	out->version = OFFLOG_TOPIC_CONFIG_VERSION;
	return 0;
}

static int check_protected(offlog_topic_config *cfg)
{
	if (cfg->protected_group_count > OFFLOG_PROTECTED_GROUPS_MAX)
		return ol_err(OFFLOG_EINVAL, "%zu protected groups: at most %d", cfg->protected_group_count,
		              OFFLOG_PROTECTED_GROUPS_MAX);
	if (cfg->protected_group_count && !cfg->protected_groups)
		return ol_err(OFFLOG_EINVAL, "protected_groups is NULL with a count of %zu",
		              cfg->protected_group_count);
	for (size_t i = 0; i < cfg->protected_group_count; i++) {
		int rc = ol_check_group(cfg->protected_groups[i]);
		if (rc)
			return rc;
	}
	if (!cfg->protected_group_count)
		cfg->protected_groups = NULL;
	return 0;
}

static int check_limits(const offlog_topic_config *cfg)
{
	if (cfg->retention_ms < -1)
		return ol_err(OFFLOG_EINVAL, "retention_ms %lld: must be -1 or >= 0",
		              (long long)cfg->retention_ms);
	if (cfg->retention_bytes < -1)
		return ol_err(OFFLOG_EINVAL, "retention_bytes %lld: must be -1 or >= 0",
		              (long long)cfg->retention_bytes);
	if (cfg->cleanup_policy < 1 || cfg->cleanup_policy > 3)
		return ol_err(OFFLOG_EINVAL, "cleanup_policy %d: use OFFLOG_CLEANUP_DELETE and/or _COMPACT",
		              cfg->cleanup_policy);
	if (cfg->delete_retention_ms < 0)
		return ol_err(OFFLOG_EINVAL, "delete_retention_ms %lld: must be >= 0",
		              (long long)cfg->delete_retention_ms);
	if (cfg->max_message_bytes < 1 || cfg->max_message_bytes > OFFLOG_MESSAGE_MAX_LIMIT)
		return ol_err(OFFLOG_EINVAL, "max_message_bytes %d: must be in [1, %d]",
		              cfg->max_message_bytes, OFFLOG_MESSAGE_MAX_LIMIT);
	return 0;
}

/* The caller's config (NULL: the defaults), checked, into out. The group
 * names stay the caller's: the write copies them into the store. */
static int check_config(offlog_topic_config *out, const offlog_topic_config *in)
{
	int rc = copy_config(out, in);
	if (rc == 0 && in && (rc = check_protected(out)) == 0)
		rc = check_limits(out);
	return rc;
}

static int check_count(int32_t n)
{
	if (n < 1 || n > OFFLOG_PARTITIONS_MAX)
		return ol_err(OFFLOG_EINVAL, "partition count %d: must be in [1, %d]", n,
		              OFFLOG_PARTITIONS_MAX);
	return 0;
}

/* ---- create / alter ----------------------------------------------------- */

struct create_args {
	const char *name;
	int32_t partitions;
	offlog_topic_config cfg;
};

static int create_fn(ol_txn *t, void *arg)
{
	struct create_args *a = arg;
	uint32_t id;
	int rc = topic_add(t, a->name, a->partitions, &a->cfg, &id);
	return rc ? rc : log_init_partitions(t, id, 0, a->partitions);
}

OFFLOG_API int offlog_topic_create(offlog_env *env, const char *topic, int32_t partitions,
                                   const offlog_topic_config *cfg)
{
	struct create_args a = {topic, partitions, {0}};
	int rc;
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_create: env is NULL");
	OL_ENV_CHECK(env);
	if ((rc = ol_check_topic_name(topic)) || (rc = check_count(partitions)) ||
	    (rc = check_config(&a.cfg, cfg)))
		return rc;
	return ol_write(env, create_fn, &a);
}

struct alter_args {
	const char *name;
	offlog_topic_config cfg;
};

static int alter_fn(ol_txn *t, void *arg)
{
	struct alter_args *a = arg;
	return topic_set_config(t, a->name, &a->cfg);
}

OFFLOG_API int offlog_topic_alter_config(offlog_env *env, const char *topic,
                                         const offlog_topic_config *cfg)
{
	struct alter_args a = {topic, {0}};
	int rc;
	if (!env || !cfg)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_alter_config: NULL argument");
	OL_ENV_CHECK(env);
	if ((rc = ol_check_topic_name(topic)) || (rc = check_config(&a.cfg, cfg)))
		return rc;
	return ol_write(env, alter_fn, &a);
}

/* ---- add partitions ----------------------------------------------------- */

struct grow_args {
	const char *name;
	int32_t total;
};

static int grow_fn(ol_txn *t, void *arg)
{
	struct grow_args *a = arg;
	ol_topic tp;
	int rc = topic_get(t, a->name, &tp);
	if (rc)
		return rc;
	if (a->total <= tp.partitions)
		return ol_err(OFFLOG_EINVAL, "topic \"%s\" has %d partitions; the new total %d must be larger",
		              a->name, tp.partitions, a->total);
	if ((rc = log_init_partitions(t, tp.id, tp.partitions, a->total)) != 0)
		return rc;
	tp.partitions = a->total;
	return topic_put(t, a->name, &tp);
}

OFFLOG_API int offlog_topic_add_partitions(offlog_env *env, const char *topic, int32_t total)
{
	struct grow_args a = {topic, total};
	int rc;
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_add_partitions: env is NULL");
	OL_ENV_CHECK(env);
	if ((rc = ol_check_topic_name(topic)) || (rc = check_count(total)))
		return rc;
	return ol_write(env, grow_fn, &a);
}

/* ---- delete and purge --------------------------------------------------- */

struct delete_args {
	const char *name;
	uint32_t id;
};

static int delete_fn(ol_txn *t, void *arg)
{
	struct delete_args *a = arg;
	ol_topic tp;
	int rc = topic_get(t, a->name, &tp);
	if (rc)
		return rc;
	a->id = tp.id;
	/* Its records no longer count towards the store's size. */
	for (int32_t i = 0; i < tp.partitions; i++) {
		ol_part p;
		if ((rc = part_get(t, tp.id, i, &p)) != 0)
			return rc;
		t->bytes_delta -= p.bytes;
	}
	return topic_remove(t, a->name, tp.id);
}

struct purge_args {
	uint32_t id;
	bool done;
};

/* Records, index and partition states first, then committed offsets and
 * producer sequence states, then the id itself; each step bounded, so no
 * transaction grows without limit. */
static int purge_fn(ol_txn *t, void *arg)
{
	struct purge_args *a = arg;
	size_t budget = PURGE_STEP;
	bool log_done;
	bool commits_done = false;
	int rc = log_purge_topic(t, a->id, &budget, &log_done);
	if (rc == 0 && log_done)
		rc = commit_purge_topic(t, a->id, &budget, &commits_done);
	if (rc == 0 && commits_done)
		rc = seq_purge_topic(t, a->id, &budget, &a->done);
	else
		a->done = false;
	if (rc == 0 && a->done)
		rc = topic_forget(t, a->id);
	return rc;
}

static int purge_topic(offlog_env *env, uint32_t id)
{
	struct purge_args a = {id, false};
	while (!a.done) {
		int rc = ol_write(env, purge_fn, &a);
		if (rc)
			return rc;
	}
	return 0;
}

OFFLOG_API int offlog_topic_delete(offlog_env *env, const char *topic)
{
	struct delete_args a = {topic, 0};
	int rc;
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_delete: env is NULL");
	OL_ENV_CHECK(env);
	if ((rc = ol_check_topic_name(topic)) || (rc = ol_write(env, delete_fn, &a)))
		return rc;
	/* The topic is deleted: what follows only frees space. If it fails (a
	 * full disk), the next open of the store finishes it; the delete itself
	 * has succeeded. */
	purge_topic(env, a.id);
	return 0;
}

static int deleted_ids(offlog_env *env, uint32_t ids[PURGE_BATCH], size_t *n)
{
	ol_txn t;
	*n = 0;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = topic_deleted_ids(&t, ids, PURGE_BATCH, n);
	db_abort(&t);
	return rc;
}

/* A purged id leaves the catalogue, so each batch is read from the start. */
int topic_purge_deleted(offlog_env *env)
{
	uint32_t ids[PURGE_BATCH];
	size_t n;
	do {
		int rc = deleted_ids(env, ids, &n);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = purge_topic(env, ids[i]);
		if (rc)
			return rc;
	} while (n == PURGE_BATCH);
	return 0;
}

/* ---- list / describe ---------------------------------------------------- */

struct list_args {
	char **list;
	size_t n, cap;
};

static int list_fn(void *ctx, const char *name, size_t len)
{
	struct list_args *a = ctx;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		char **nl = realloc(a->list, cap * sizeof *nl);
		if (!nl)
			return ol_err(OFFLOG_ENOMEM, "offlog_topic_list: out of memory");
		a->list = nl;
		a->cap = cap;
	}
	if (!(a->list[a->n] = strndup(name, len)))
		return ol_err(OFFLOG_ENOMEM, "offlog_topic_list: out of memory");
	a->n++;
	return 0;
}

OFFLOG_API int offlog_topic_list(char ***names, size_t *count, offlog_env *env)
{
	if (!names || !count || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_list: NULL argument");
	OL_ENV_CHECK(env);
	*names = NULL;
	*count = 0;
	ol_txn t;
	struct list_args a = {NULL, 0, 0};
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = topic_each_name(&t, list_fn, &a);
	db_abort(&t);
	if (rc) {
		offlog_names_free(a.list, a.n);
		return rc;
	}
	*names = a.list;
	*count = a.n;
	return 0;
}

OFFLOG_API void offlog_topic_info_free(offlog_topic_info *info)
{
	if (info) {
		free(info->partitions);
		offlog_names_free((char **)info->config.protected_groups,
		                  info->config.protected_group_count);
	}
	free(info);
}

static void fill_part_info(offlog_partition_info *pi, int32_t partition, const ol_part *p)
{
	pi->partition = partition;
	pi->log_start = p->log_start;
	pi->high_watermark = p->hw;
	pi->log_end = p->leo;
	pi->records = p->records;
	pi->bytes = p->bytes;
}

/* info (its partitions allocated) from tp, read in t. */
static int fill_info(offlog_topic_info *info, ol_txn *t, const char *topic, const ol_topic *tp)
{
	char **groups;
	size_t ngroups;
	info->version = OFFLOG_TOPIC_INFO_VERSION;
	snprintf(info->name, sizeof info->name, "%s", topic);
	info->partition_count = tp->partitions;
	info->created_ms = tp->created_ms;
	info->config = tp->cfg;
	info->config.protected_group_count = 0;
	int rc = topic_protected(t, tp->id, &groups, &ngroups);
	if (rc)
		return rc;
	info->config.protected_groups = (const char *const *)groups;
	info->config.protected_group_count = ngroups;
	for (int32_t i = 0; i < tp->partitions && rc == 0; i++) {
		ol_part p;
		if ((rc = part_get(t, tp->id, i, &p)) == 0)
			fill_part_info(&info->partitions[i], i, &p);
	}
	return rc;
}

OFFLOG_API int offlog_topic_describe(offlog_topic_info **out, offlog_env *env, const char *topic)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_describe: NULL argument");
	OL_ENV_CHECK(env);
	*out = NULL;
	ol_txn t;
	ol_topic tp;
	offlog_topic_info *info = NULL;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	if ((rc = topic_get(&t, topic, &tp)) != 0)
		goto done;
	info = calloc(1, sizeof *info);
	if (!info || !(info->partitions = calloc((size_t)tp.partitions, sizeof *info->partitions)))
		rc = ol_err(OFFLOG_ENOMEM, "offlog_topic_describe: out of memory");
	else
		rc = fill_info(info, &t, topic, &tp);
done:
	db_abort(&t);
	if (rc) {
		offlog_topic_info_free(info);
		return rc;
	}
	*out = info;
	return 0;
}

/* ---- watermarks --------------------------------------------------------- */

OFFLOG_API int offlog_watermarks_get(int64_t *log_start, int64_t *high_watermark, int64_t *log_end,
                                     offlog_env *env, const char *topic, int32_t partition)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_watermarks_get: env is NULL");
	OL_ENV_CHECK(env);
	ol_txn t;
	ol_topic tp;
	ol_part p;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	if ((rc = topic_get_part(&t, topic, partition, &tp)) == 0)
		rc = part_get(&t, tp.id, partition, &p);
	db_abort(&t);
	if (rc)
		return rc;
	if (log_start)
		*log_start = p.log_start;
	if (high_watermark)
		*high_watermark = p.hw;
	if (log_end)
		*log_end = p.leo;
	return 0;
}

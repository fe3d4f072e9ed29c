/*
 * topic.c - the topic catalogue: names, configuration, partitions.
 *
 * A topic has a name (its key) and a numeric id that is never reused. Log
 * keys carry the id, not the name, so a topic deleted and created again under
 * the same name can never see the old records or committed offsets.
 */
#include "topic.h"

#include "clock.h"
#include "codec.h"
#include "commit.h"
#include "db.h"
#include "log.h"
#include "names.h"
#include "seq.h"
#include "store.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

#define TOPIC_REC_FMT 1u
#define TOPIC_REC_SIZE 52
#define TOPIC_REC_SIZE2 56   /* with the count of protected groups */
#define PURGE_STEP 10000   /* entries removed per transaction when deleting */

enum { ID_LIVE = 0, ID_DELETING = 1 };

/* ---- configuration ------------------------------------------------------ */

OFFLOG_API int offlog_topic_config_init(offlog_topic_config *cfg)
{
	if (!cfg)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_config_init: cfg is NULL");
	const offlog_topic_config d = OFFLOG_TOPIC_CONFIG_INIT;
	*cfg = d;
	return 0;
}

static int check_config(offlog_topic_config *out, const offlog_topic_config *in)
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
	if (out->protected_group_count > OFFLOG_PROTECTED_GROUPS_MAX)
		return ol_err(OFFLOG_EINVAL, "%zu protected groups: at most %d", out->protected_group_count,
		              OFFLOG_PROTECTED_GROUPS_MAX);
	if (out->protected_group_count && !out->protected_groups)
		return ol_err(OFFLOG_EINVAL, "protected_groups is NULL with a count of %zu",
		              out->protected_group_count);
	for (size_t i = 0; i < out->protected_group_count; i++) {
		int rc = ol_check_group(out->protected_groups[i]);
		if (rc)
			return rc;
	}
	if (!out->protected_group_count)
		out->protected_groups = NULL;
	if (out->retention_ms < -1)
		return ol_err(OFFLOG_EINVAL, "retention_ms %lld: must be -1 or >= 0",
		              (long long)out->retention_ms);
	if (out->retention_bytes < -1)
		return ol_err(OFFLOG_EINVAL, "retention_bytes %lld: must be -1 or >= 0",
		              (long long)out->retention_bytes);
	if (out->cleanup_policy < 1 || out->cleanup_policy > 3)
		return ol_err(OFFLOG_EINVAL, "cleanup_policy %d: use OFFLOG_CLEANUP_DELETE and/or _COMPACT",
		              out->cleanup_policy);
	if (out->delete_retention_ms < 0)
		return ol_err(OFFLOG_EINVAL, "delete_retention_ms %lld: must be >= 0",
		              (long long)out->delete_retention_ms);
	if (out->max_message_bytes < 1 || out->max_message_bytes > OFFLOG_MESSAGE_MAX_LIMIT)
		return ol_err(OFFLOG_EINVAL, "max_message_bytes %d: must be in [1, %d]",
		              out->max_message_bytes, OFFLOG_MESSAGE_MAX_LIMIT);
	return 0;
}

/* ---- topic records ------------------------------------------------------ */

static void put32(uint8_t **p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*(*p)++ = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t **p, uint64_t v)
{
	ol_le64(*p, v);
	*p += 8;
}
static uint32_t get32(const uint8_t **p)
{
	uint32_t v = (uint32_t)(*p)[0] | (uint32_t)(*p)[1] << 8 | (uint32_t)(*p)[2] << 16 |
	             (uint32_t)(*p)[3] << 24;
	*p += 4;
	return v;
}
static uint64_t get64(const uint8_t **p)
{
	uint64_t v = ol_get_le64(*p);
	*p += 8;
	return v;
}

static void topic_encode(uint8_t b[TOPIC_REC_SIZE2], const ol_topic *tp)
{
	uint8_t *p = b;
	put32(&p, TOPIC_REC_FMT);
	put32(&p, tp->id);
	put32(&p, (uint32_t)tp->partitions);
	put64(&p, (uint64_t)tp->created_ms);
	put64(&p, (uint64_t)tp->cfg.retention_ms);
	put64(&p, (uint64_t)tp->cfg.retention_bytes);
	put32(&p, (uint32_t)tp->cfg.cleanup_policy);
	put64(&p, (uint64_t)tp->cfg.delete_retention_ms);
	put32(&p, (uint32_t)tp->cfg.max_message_bytes);
	put32(&p, (uint32_t)tp->cfg.protected_group_count);
}

static int topic_decode(ol_topic *tp, const ol_val *v, const char *name)
{
	const uint8_t *p = v->p;
	if (v->n < TOPIC_REC_SIZE || get32(&p) != TOPIC_REC_FMT)
		goto damaged;
	offlog_topic_config_init(&tp->cfg);
	tp->id = get32(&p);
	tp->partitions = (int32_t)get32(&p);
	tp->created_ms = (int64_t)get64(&p);
	tp->cfg.retention_ms = (int64_t)get64(&p);
	tp->cfg.retention_bytes = (int64_t)get64(&p);
	tp->cfg.cleanup_policy = (int)get32(&p);
	tp->cfg.delete_retention_ms = (int64_t)get64(&p);
	tp->cfg.max_message_bytes = (int32_t)get32(&p);
	/* The names are read where needed (topic_protected); the count says
	 * whether there are any. Records written before version 2 lack it. */
	tp->cfg.protected_group_count = v->n >= TOPIC_REC_SIZE2 ? get32(&p) : 0;
	tp->cfg.protected_groups = NULL;
	if (tp->cfg.protected_group_count > OFFLOG_PROTECTED_GROUPS_MAX)
		goto damaged;
	if (tp->partitions < 1 || tp->partitions > OFFLOG_PARTITIONS_MAX ||
	    tp->cfg.max_message_bytes < 1 || tp->cfg.max_message_bytes > OFFLOG_MESSAGE_MAX_LIMIT ||
	    tp->cfg.cleanup_policy < 1 || tp->cfg.cleanup_policy > 3)
		goto damaged;
	return 0;
damaged:
	return ol_err(OFFLOG_ECORRUPT, "topic record of %s is damaged", name);
}

int topic_get(ol_txn *t, const char *name, ol_topic *out)
{
	int rc = ol_check_topic_name(name);
	if (rc)
		return rc;
	ol_val v;
	rc = db_get(t, T_TOPICS, name, strlen(name), &v);
	if (rc == 1)
		return ol_err(OFFLOG_ENOTOPIC, "unknown topic \"%s\"", name);
	if (rc)
		return rc;
	return topic_decode(out, &v, name);
}

int topic_each(ol_txn *t, topic_fn fn, void *ctx)
{
	ol_cursor c;
	ol_val k, v;
	int rc = db_cursor_open(&c, t, T_TOPICS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v)) {
		char name[OFFLOG_NAME_MAX + 1];
		ol_topic tp;
		if (k.n == 0 || k.n > OFFLOG_NAME_MAX)
			continue;
		memcpy(name, k.p, k.n);
		name[k.n] = 0;
		if ((rc = topic_decode(&tp, &v, name)) != 0 || (rc = fn(ctx, t, name, &tp)) != 0)
			break;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

int topic_get_part(ol_txn *t, const char *name, int32_t partition, ol_topic *out)
{
	int rc = topic_get(t, name, out);
	if (rc)
		return rc;
	if (partition < 0 || partition >= out->partitions)
		return ol_err(OFFLOG_ENOPART, "topic \"%s\" has no partition %d (it has %d)", name,
		              partition, out->partitions);
	return 0;
}

int topic_name_of(ol_txn *t, uint32_t id, char *buf, size_t cap)
{
	uint8_t k[4];
	ol_val v;
	ol_be32(k, id);
	int rc = db_get(t, T_TOPIC_IDS, k, 4, &v);
	if (rc < 0)
		return rc;
	const uint8_t *p = v.p;
	if (rc == 1 || v.n < 1 || p[0] != ID_LIVE)
		return ol_err(OFFLOG_ENOTOPIC, "topic id %u was deleted", id);
	if (v.n - 1 >= cap)
		return ol_err(OFFLOG_ECORRUPT, "topic id %u has an overlong name", id);
	memcpy(buf, p + 1, v.n - 1);
	buf[v.n - 1] = 0;
	return 0;
}

/* The protected groups of topic id live in T_META under "protect" + id:
 * a count byte, then each name as a length byte and its bytes. */
static size_t protect_key(uint8_t k[11], uint32_t id)
{
	memcpy(k, "protect", 7);
	ol_be32(k + 7, id);
	return 11;
}

static int put_protected(ol_txn *t, uint32_t id, const offlog_topic_config *cfg)
{
	uint8_t k[11], v[1 + OFFLOG_PROTECTED_GROUPS_MAX * (1 + OFFLOG_GROUP_MAX)];
	size_t n = 1;
	if (!cfg->protected_group_count) {
		int rc = db_del(t, T_META, k, protect_key(k, id));
		return rc < 0 ? rc : 0;
	}
	v[0] = (uint8_t)cfg->protected_group_count;
	for (size_t i = 0; i < cfg->protected_group_count; i++) {
		size_t len = strlen(cfg->protected_groups[i]);
		v[n++] = (uint8_t)len;
		memcpy(v + n, cfg->protected_groups[i], len);
		n += len;
	}
	return db_put(t, T_META, k, protect_key(k, id), v, n);
}

int topic_protected(ol_txn *t, uint32_t id, char ***groups, size_t *count)
{
	uint8_t k[11];
	ol_val v;
	*groups = NULL;
	*count = 0;
	int rc = db_get(t, T_META, k, protect_key(k, id), &v);
	if (rc)
		return rc == 1 ? 0 : rc;
	const uint8_t *p = v.p, *end = p + v.n;
	size_t n = v.n ? *p++ : 0;
	char **list = calloc(n + 1, sizeof *list);
	if (!list)
		return ol_err(OFFLOG_ENOMEM, "protected groups: out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t len = p < end ? *p++ : 0;
		if (len == 0 || len > (size_t)(end - p))
			rc = ol_err(OFFLOG_ECORRUPT, "the protected groups of topic id %u are damaged", id);
		else if (!(list[i] = malloc(len + 1)))
			rc = ol_err(OFFLOG_ENOMEM, "protected groups: out of memory");
		else {
			memcpy(list[i], p, len);
			list[i][len] = 0;
			p += len;
		}
	}
	if (rc) {
		offlog_names_free(list, n);
		return rc;
	}
	*groups = list;
	*count = n;
	return 0;
}

static int put_topic(ol_txn *t, const char *name, const ol_topic *tp)
{
	uint8_t b[TOPIC_REC_SIZE2];
	topic_encode(b, tp);
	return db_put(t, T_TOPICS, name, strlen(name), b, sizeof b);
}

static int put_topic_id(ol_txn *t, uint32_t id, int state, const char *name)
{
	uint8_t k[4], v[1 + OFFLOG_NAME_MAX];
	size_t n = strlen(name);
	ol_be32(k, id);
	v[0] = (uint8_t)state;
	memcpy(v + 1, name, n);
	return db_put(t, T_TOPIC_IDS, k, 4, v, n + 1);
}

/* New partitions [from, to) of topic id, each with a fresh partition id. */
/* ---- create ------------------------------------------------------------- */

struct create_args {
	const char *name;
	int32_t partitions;
	offlog_topic_config cfg;
};

static int create_fn(ol_txn *t, void *arg)
{
	struct create_args *a = arg;
	ol_val v;
	int rc = db_get(t, T_TOPICS, a->name, strlen(a->name), &v);
	if (rc == 0)
		return ol_err(OFFLOG_EEXIST, "topic \"%s\" already exists", a->name);
	if (rc < 0)
		return rc;
	uint32_t id = 1;
	if ((rc = db_get(t, T_META, "next_topic_id", 13, &v)) < 0)
		return rc;
	if (rc == 0 && v.n == 4)
		id = ol_get_be32(v.p);
	if (id == UINT32_MAX)
		return ol_err(OFFLOG_EINVAL, "topic ids exhausted");
	uint8_t next[4];
	ol_be32(next, id + 1);
	ol_topic tp = {id, a->partitions, ol_now_ms(), a->cfg};
	if ((rc = db_put(t, T_META, "next_topic_id", 13, next, 4)) == 0 &&
	    (rc = put_topic(t, a->name, &tp)) == 0 && (rc = put_topic_id(t, id, ID_LIVE, a->name)) == 0 &&
	    (rc = put_protected(t, id, &a->cfg)) == 0)
		rc = log_init_partitions(t, id, 0, a->partitions);
	return rc;
}

struct alter_args {
	const char *name;
	offlog_topic_config cfg;
};

static int alter_fn(ol_txn *t, void *arg)
{
	struct alter_args *a = arg;
	ol_topic tp;
	int rc = topic_get(t, a->name, &tp);
	if (rc)
		return rc;
	tp.cfg = a->cfg;
	if ((rc = put_topic(t, a->name, &tp)) == 0)
		rc = put_protected(t, tp.id, &a->cfg);
	return rc;
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

static int check_count(int32_t n)
{
	if (n < 1 || n > OFFLOG_PARTITIONS_MAX)
		return ol_err(OFFLOG_EINVAL, "partition count %d: must be in [1, %d]", n,
		              OFFLOG_PARTITIONS_MAX);
	return 0;
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
	return put_topic(t, a->name, &tp);
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

/* ---- delete ------------------------------------------------------------- */

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
	offlog_topic_config none = {.protected_group_count = 0};
	if ((rc = db_del(t, T_TOPICS, a->name, strlen(a->name))) < 0 ||
	    (rc = put_protected(t, tp.id, &none)) != 0)
		return rc;
	return put_topic_id(t, tp.id, ID_DELETING, a->name);
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
	if (rc == 0 && a->done) {
		uint8_t k[4];
		ol_be32(k, a->id);
		rc = db_del(t, T_TOPIC_IDS, k, 4);
		rc = rc < 0 ? rc : 0;
	}
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

int topic_purge_deleted(offlog_env *env)
{
	uint32_t ids[64];
	size_t n;
	do {
		ol_txn t;
		ol_cursor c;
		ol_val k, v;
		n = 0;
		int rc = db_read_begin(&t, env);
		if (rc)
			return rc;
		if ((rc = db_cursor_open(&c, &t, T_TOPIC_IDS)) != 0) {
			db_abort(&t);
			return rc;
		}
		for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0 && n < 64;
		     rc = db_cursor_next(&c, &k, &v))
			if (k.n == 4 && v.n >= 1 && ((const uint8_t *)v.p)[0] == ID_DELETING)
				ids[n++] = ol_get_be32(k.p);
		db_cursor_close(&c);
		db_abort(&t);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < n; i++)
			if ((rc = purge_topic(env, ids[i])) != 0)
				return rc;
	} while (n == 64);
	return 0;
}

/* ---- list / describe ---------------------------------------------------- */

OFFLOG_API void offlog_names_free(char **names, size_t count)
{
	if (!names)
		return;
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

OFFLOG_API int offlog_topic_list(char ***names, size_t *count, offlog_env *env)
{
	if (!names || !count || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_list: NULL argument");
	OL_ENV_CHECK(env);
	*names = NULL;
	*count = 0;
	ol_txn t;
	ol_cursor c;
	ol_val k, v;
	char **list = NULL;
	size_t n = 0, cap = 0;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	if ((rc = db_cursor_open(&c, &t, T_TOPICS)) != 0) {
		db_abort(&t);
		return rc;
	}
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v)) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			char **nl = realloc(list, cap * sizeof *nl);
			if (!nl) {
				rc = ol_err(OFFLOG_ENOMEM, "offlog_topic_list: out of memory");
				break;
			}
			list = nl;
		}
		if (!(list[n] = strndup(k.p, k.n))) {
			rc = ol_err(OFFLOG_ENOMEM, "offlog_topic_list: out of memory");
			break;
		}
		n++;
	}
	db_cursor_close(&c);
	db_abort(&t);
	if (rc < 0) {
		offlog_names_free(list, n);
		return rc;
	}
	*names = list;
	*count = n;
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

OFFLOG_API int offlog_topic_describe(offlog_topic_info **out, offlog_env *env, const char *topic)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_describe: NULL argument");
	OL_ENV_CHECK(env);
	*out = NULL;
	ol_txn t;
	ol_topic tp;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	offlog_topic_info *info = NULL;
	if ((rc = topic_get(&t, topic, &tp)) != 0)
		goto done;
	info = calloc(1, sizeof *info);
	if (!info || !(info->partitions = calloc((size_t)tp.partitions, sizeof *info->partitions))) {
		rc = ol_err(OFFLOG_ENOMEM, "offlog_topic_describe: out of memory");
		goto done;
	}
	snprintf(info->name, sizeof info->name, "%s", topic);
	info->partition_count = tp.partitions;
	info->created_ms = tp.created_ms;
	info->config = tp.cfg;
	info->config.protected_group_count = 0;
	char **groups;
	size_t ngroups;
	if ((rc = topic_protected(&t, tp.id, &groups, &ngroups)) != 0)
		goto done;
	info->config.protected_groups = (const char *const *)groups;
	info->config.protected_group_count = ngroups;
	for (int32_t i = 0; i < tp.partitions && rc == 0; i++) {
		ol_part p;
		if ((rc = part_get(&t, tp.id, i, &p)) == 0)
			fill_part_info(&info->partitions[i], i, &p);
	}
done:
	db_abort(&t);
	if (rc) {
		offlog_topic_info_free(info);
		return rc;
	}
	*out = info;
	return 0;
}

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

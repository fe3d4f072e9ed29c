/*
 * topic.c - the topic catalogue: names, ids, configuration, partition counts.
 *
 * A topic has a name (its key) and a numeric id that is never reused. Log
 * keys carry the id, not the name, so a topic deleted and created again under
 * the same name can never see the old records or committed offsets.
 *
 * The catalogue's entries, laid out below, are written only here; the public
 * calls that change them (create, alter, grow, delete and the purge that
 * follows) are in topic_admin.c and come through the topic_* functions of
 * topic.h. check.c (OFFLOG_OPEN_VERIFY) also walks them, through the
 * decoders below, to name the damage that this file only refuses.
 *
 *  - T_TOPICS: name -> topic record, little-endian: format (u32), id (u32),
 *    partitions (u32), created_ms, retention_ms, retention_bytes (i64),
 *    cleanup_policy (u32), delete_retention_ms (i64), max_message_bytes
 *    (u32), then, from version 2 of the config, the count of protected
 *    groups (u32); their names are stored apart, under "protect".
 *  - T_TOPIC_IDS: id (be32) -> a state byte (live, or deleted with its
 *    records still being purged) and the name: how the id in a log key is
 *    named, and how a purge cut short is found again.
 *  - T_META "next_topic_id" (be32): the id the next topic gets.
 *  - T_META "protect" + id (be32): the protected groups of a live topic, a
 *    count byte, then each name after a length byte.
 */
#include "topic.h"

#include "clock.h"
#include "codec.h"
#include "db.h"
#include "names.h"

#include <stdlib.h>

#define TOPIC_REC_FMT 1u
#define TOPIC_REC_SIZE 56   /* as written; version 1 records lack the last field */

enum { ID_LIVE = 0, ID_DELETING = 1 };

OFFLOG_API int offlog_topic_config_init(offlog_topic_config *cfg)
{
	if (!cfg)
		return ol_err(OFFLOG_EINVAL, "offlog_topic_config_init: cfg is NULL");
	const offlog_topic_config d = OFFLOG_TOPIC_CONFIG_INIT;
	*cfg = d;
	return 0;
}

/* ---- topic records ------------------------------------------------------ */

static void topic_encode(uint8_t b[TOPIC_REC_SIZE], const ol_topic *tp)
{
	ol_wr w = {b};
	wr_u32(&w, TOPIC_REC_FMT);
	wr_u32(&w, tp->id);
	wr_u32(&w, (uint32_t)tp->partitions);
	wr_i64(&w, tp->created_ms);
	wr_i64(&w, tp->cfg.retention_ms);
	wr_i64(&w, tp->cfg.retention_bytes);
	wr_u32(&w, (uint32_t)tp->cfg.cleanup_policy);
	wr_i64(&w, tp->cfg.delete_retention_ms);
	wr_u32(&w, (uint32_t)tp->cfg.max_message_bytes);
	wr_u32(&w, (uint32_t)tp->cfg.protected_group_count);
}

static bool topic_valid(const ol_topic *tp)
{
	return tp->partitions >= 1 && tp->partitions <= OFFLOG_PARTITIONS_MAX &&
	       tp->cfg.max_message_bytes >= 1 && tp->cfg.max_message_bytes <= OFFLOG_MESSAGE_MAX_LIMIT &&
	       tp->cfg.cleanup_policy >= 1 && tp->cfg.cleanup_policy <= 3 &&
	       tp->cfg.protected_group_count <= OFFLOG_PROTECTED_GROUPS_MAX;
}

static int topic_decode(ol_topic *tp, const ol_val *v, const char *name)
{
	ol_rd r = rd_of(v->p, v->n);
	uint32_t fmt = rd_u32(&r);
	offlog_topic_config_init(&tp->cfg);
	tp->id = rd_u32(&r);
	tp->partitions = (int32_t)rd_u32(&r);
	tp->created_ms = rd_i64(&r);
	tp->cfg.retention_ms = rd_i64(&r);
	tp->cfg.retention_bytes = rd_i64(&r);
	tp->cfg.cleanup_policy = (int)rd_u32(&r);
	tp->cfg.delete_retention_ms = rd_i64(&r);
	tp->cfg.max_message_bytes = (int32_t)rd_u32(&r);
	/* The names are read where needed (topic_protected); the count says
	 * whether there are any. Records written before version 2 lack it. */
	tp->cfg.protected_group_count = rd_left(&r) >= 4 ? rd_u32(&r) : 0;
	tp->cfg.protected_groups = NULL;
	if (r.bad || fmt != TOPIC_REC_FMT || !topic_valid(tp))
		return ol_err(OFFLOG_ECORRUPT, "topic record of %s is damaged", name);
	return 0;
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

int topic_put(ol_txn *t, const char *name, const ol_topic *tp)
{
	uint8_t b[TOPIC_REC_SIZE];
	topic_encode(b, tp);
	return db_put(t, T_TOPICS, name, strlen(name), b, sizeof b);
}

/* Every entry of T_TOPICS in name order, undecoded; fn as topic_each's. */
typedef int (*entry_fn)(void *ctx, ol_txn *t, const ol_val *k, const ol_val *v);

static int walk(ol_txn *t, entry_fn fn, void *ctx)
{
	ol_cursor c;
	ol_val k, v;
	int rc = db_cursor_open(&c, t, T_TOPICS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v))
		if ((rc = fn(ctx, t, &k, &v)) != 0)
			break;
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

struct each_args {
	topic_fn fn;
	topic_name_fn name_fn;
	void *ctx;
};

static int each_fn(void *ctx, ol_txn *t, const ol_val *k, const ol_val *v)
{
	struct each_args *a = ctx;
	char name[OFFLOG_NAME_MAX + 1];
	ol_topic tp;
	if (k->n == 0 || k->n > OFFLOG_NAME_MAX)
		return 0;
	memcpy(name, k->p, k->n);
	name[k->n] = 0;
	int rc = topic_decode(&tp, v, name);
	return rc ? rc : a->fn(a->ctx, t, name, &tp);
}

int topic_each(ol_txn *t, topic_fn fn, void *ctx)
{
	struct each_args a = {fn, NULL, ctx};
	return walk(t, each_fn, &a);
}

static int each_name_fn(void *ctx, ol_txn *t, const ol_val *k, const ol_val *v)
{
	struct each_args *a = ctx;
	OL_UNUSED(t);
	OL_UNUSED(v);
	return a->name_fn(a->ctx, k->p, k->n);
}

int topic_each_name(ol_txn *t, topic_name_fn fn, void *ctx)
{
	struct each_args a = {NULL, fn, ctx};
	return walk(t, each_name_fn, &a);
}

/* ---- protected groups --------------------------------------------------- */

#define PROTECT "protect"
enum { PROTECT_KEY = sizeof PROTECT - 1 + 4 };

static size_t protect_key(uint8_t k[PROTECT_KEY], uint32_t id)
{
	ol_wr w = {k};
	wr_bytes(&w, PROTECT, sizeof PROTECT - 1);
	wr_be32(&w, id);
	return wr_len(&w, k);
}

int topic_protect_key_decode(const ol_val *k, uint32_t *id)
{
	if (k->n < sizeof PROTECT - 1 || memcmp(k->p, PROTECT, sizeof PROTECT - 1) != 0)
		return 0;
	ol_rd r = rd_of(k->p, k->n);
	rd_skip(&r, sizeof PROTECT - 1);
	*id = rd_be32(&r);
	return rd_done(&r) ? 1 : -1;
}

static int put_protected(ol_txn *t, uint32_t id, const offlog_topic_config *cfg)
{
	uint8_t k[PROTECT_KEY], v[1 + OFFLOG_PROTECTED_GROUPS_MAX * (1 + OFFLOG_GROUP_MAX)];
	ol_wr w = {v};
	if (!cfg->protected_group_count) {
		int rc = db_del(t, T_META, k, protect_key(k, id));
		return rc < 0 ? rc : 0;
	}
	wr_u8(&w, (uint8_t)cfg->protected_group_count);
	for (size_t i = 0; i < cfg->protected_group_count; i++)
		wr_str(&w, cfg->protected_groups[i]);
	return db_put(t, T_META, k, protect_key(k, id), v, wr_len(&w, v));
}

/* The n names of a protected groups entry into list. Each is
 * checked for length only: a name that is not a valid group id is for
 * check.c to report. */
static int protected_decode(ol_rd *r, char **list, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++) {
		char buf[UINT8_MAX + 1];
		size_t len = rd_str(r, buf, UINT8_MAX);
		if (r->bad || len == 0)
			return ol_err(OFFLOG_ECORRUPT, "the protected groups of topic id %u are damaged", id);
		if (!(list[i] = malloc(len + 1)))
			return ol_err(OFFLOG_ENOMEM, "protected groups: out of memory");
		memcpy(list[i], buf, len + 1);
	}
	return 0;
}

int topic_protected(ol_txn *t, uint32_t id, char ***groups, size_t *count)
{
	uint8_t k[PROTECT_KEY];
	ol_val v;
	*groups = NULL;
	*count = 0;
	int rc = db_get(t, T_META, k, protect_key(k, id), &v);
	if (rc)
		return rc == 1 ? 0 : rc;
	ol_rd r = rd_of(v.p, v.n);
	size_t n = rd_u8(&r);   /* an empty entry: none */
	char **list = calloc(n + 1, sizeof *list);
	if (!list)
		return ol_err(OFFLOG_ENOMEM, "protected groups: out of memory");
	if ((rc = protected_decode(&r, list, n, id)) != 0) {
		offlog_names_free(list, n);
		return rc;
	}
	*groups = list;
	*count = n;
	return 0;
}

int topic_set_config(ol_txn *t, const char *name, const offlog_topic_config *cfg)
{
	ol_topic tp;
	int rc = topic_get(t, name, &tp);
	if (rc)
		return rc;
	tp.cfg = *cfg;
	if ((rc = topic_put(t, name, &tp)) == 0)
		rc = put_protected(t, tp.id, cfg);
	return rc;
}

/* ---- ids ---------------------------------------------------------------- */

static int put_id(ol_txn *t, uint32_t id, uint8_t state, const char *name)
{
	uint8_t k[4], v[1 + OFFLOG_NAME_MAX];
	ol_wr w = {v};
	ol_be32(k, id);
	wr_u8(&w, state);
	wr_bytes(&w, name, strlen(name));
	return db_put(t, T_TOPIC_IDS, k, 4, v, wr_len(&w, v));
}

/* The state of an id entry, and where its name is; false if it is empty. */
static bool id_decode(const ol_val *v, uint8_t *state, const uint8_t **name, size_t *len)
{
	ol_rd r = rd_of(v->p, v->n);
	*state = rd_u8(&r);
	*len = rd_left(&r);
	*name = rd_bytes(&r, *len);
	return !r.bad;
}

bool topic_id_key_decode(const ol_val *k, uint32_t *id)
{
	ol_rd r = rd_of(k->p, k->n);
	*id = rd_be32(&r);
	return rd_done(&r);
}

bool topic_id_value_decode(const ol_val *v, bool *live, const uint8_t **name, size_t *len)
{
	uint8_t state;
	if (!id_decode(v, &state, name, len) || state > ID_DELETING)
		return false;
	*live = state == ID_LIVE;
	return true;
}

int topic_id_entry(ol_txn *t, uint32_t id, bool *live, const uint8_t **name, size_t *len)
{
	uint8_t k[4];
	ol_val v;
	ol_be32(k, id);
	int rc = db_get(t, T_TOPIC_IDS, k, 4, &v);
	if (rc)
		return rc;
	if (!topic_id_value_decode(&v, live, name, len))
		return ol_err(OFFLOG_ECORRUPT, "the entry of topic id %u is damaged", id);
	return 0;
}

int topic_name_of(ol_txn *t, uint32_t id, char *buf, size_t cap)
{
	uint8_t k[4], state;
	const uint8_t *name;
	size_t n;
	ol_val v;
	ol_be32(k, id);
	int rc = db_get(t, T_TOPIC_IDS, k, 4, &v);
	if (rc < 0)
		return rc;
	if (rc == 1 || !id_decode(&v, &state, &name, &n) || state != ID_LIVE)
		return ol_err(OFFLOG_ENOTOPIC, "topic id %u was deleted", id);
	if (n >= cap)
		return ol_err(OFFLOG_ECORRUPT, "topic id %u has an overlong name", id);
	memcpy(buf, name, n);
	buf[n] = 0;
	return 0;
}

/* The next topic id, which the counter then passes. */
static int new_id(ol_txn *t, uint32_t *id)
{
	ol_val v;
	uint8_t next[4];
	int rc = db_get(t, T_META, "next_topic_id", 13, &v);
	if (rc < 0)
		return rc;
	*id = rc == 0 && v.n == 4 ? ol_get_be32(v.p) : 1;
	if (*id == UINT32_MAX)
		return ol_err(OFFLOG_EINVAL, "topic ids exhausted");
	ol_be32(next, *id + 1);
	return db_put(t, T_META, "next_topic_id", 13, next, 4);
}

int topic_add(ol_txn *t, const char *name, int32_t partitions, const offlog_topic_config *cfg,
              uint32_t *id)
{
	ol_val v;
	int rc = db_get(t, T_TOPICS, name, strlen(name), &v);
	if (rc == 0)
		return ol_err(OFFLOG_EEXIST, "topic \"%s\" already exists", name);
	if (rc < 0 || (rc = new_id(t, id)) != 0)
		return rc;
	ol_topic tp = {*id, partitions, ol_now_ms(), *cfg};
	if ((rc = topic_put(t, name, &tp)) == 0 && (rc = put_id(t, *id, ID_LIVE, name)) == 0)
		rc = put_protected(t, *id, cfg);
	return rc;
}

int topic_remove(ol_txn *t, const char *name, uint32_t id)
{
	offlog_topic_config none = {.protected_group_count = 0};
	int rc = db_del(t, T_TOPICS, name, strlen(name));
	if (rc < 0 || (rc = put_protected(t, id, &none)) != 0)
		return rc;
	return put_id(t, id, ID_DELETING, name);
}

int topic_deleted_ids(ol_txn *t, uint32_t *ids, size_t max, size_t *n)
{
	ol_cursor c;
	ol_val k, v;
	*n = 0;
	int rc = db_cursor_open(&c, t, T_TOPIC_IDS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0 && *n < max;
	     rc = db_cursor_next(&c, &k, &v)) {
		uint8_t state;
		const uint8_t *name;
		size_t len;
		if (k.n == 4 && id_decode(&v, &state, &name, &len) && state == ID_DELETING)
			ids[(*n)++] = ol_get_be32(k.p);
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

int topic_forget(ol_txn *t, uint32_t id)
{
	uint8_t k[4];
	ol_be32(k, id);
	int rc = db_del(t, T_TOPIC_IDS, k, 4);
	return rc < 0 ? rc : 0;
}

/*
 * commit.c - committed offsets, per (group, topic, partition), and the
 * rules of committing them.
 *
 * Key: group id, a NUL byte, topic id (be32), partition (be32); the group
 * comes first so one group's offsets are one key range. Value: format byte,
 * offset, commit time (both little-endian int64), metadata length (u32),
 * metadata bytes. Other files walk the keys with commit_each and
 * commit_each_group rather than decode them.
 *
 * A commit is checked whole before anything is written, so a list with one
 * bad entry commits none of it. A commit in a group member's name is also
 * fenced (Kafka's generation and ownership checks): the partitions it names
 * are collected as topic ids while its entries are looked up, then checked
 * against the member's record at once (group_fence).
 */
#include "commit.h"

#include "clock.h"
#include "codec.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "topic.h"

#include <stdlib.h>

#define COMMIT_FMT 1
#define COMMIT_HDR (1 + 8 + 8 + 4)
#define COMMIT_KEY_MAX (OFFLOG_GROUP_MAX + 9)

/* ---- keys and values ------------------------------------------------------- */

/* The group's key prefix: its name and a NUL. */
static size_t group_prefix(uint8_t *k, const char *group)
{
	size_t g = strlen(group);
	memcpy(k, group, g);
	k[g] = 0;
	return g + 1;
}

static size_t commit_key(uint8_t *k, const char *group, uint32_t tid, int32_t part)
{
	size_t n = group_prefix(k, group);
	ol_part_key(k + n, tid, part);
	return n + 8;
}

/* A key's group (NUL-terminated into group), topic id and partition. */
static int key_parse(const ol_val *key, char *group, uint32_t *tid, int32_t *part)
{
	const uint8_t *k = key->p;
	if (key->n < 10 || key->n > COMMIT_KEY_MAX || k[key->n - 9] != 0)
		return ol_err(OFFLOG_ECORRUPT, "a committed offset key of %zu bytes", key->n);
	size_t g = key->n - 9;
	memcpy(group, k, g);
	group[g] = 0;
	*tid = ol_get_be32(k + g + 1);
	*part = (int32_t)ol_get_be32(k + g + 5);
	return 0;
}

static int commit_decode(const ol_val *v, const char *group, offlog_committed *out)
{
	ol_rd r = rd_of(v->p, v->n);
	uint8_t fmt = rd_u8(&r);
	int64_t offset = rd_i64(&r), time_ms = rd_i64(&r);
	uint32_t mlen = rd_u32(&r);
	const uint8_t *meta = mlen <= OFFLOG_METADATA_MAX ? rd_bytes(&r, mlen) : NULL;
	/* Commits are checked to be >= 0. */
	if (fmt != COMMIT_FMT || !meta || !rd_done(&r) || offset < 0)
		return ol_err(OFFLOG_ECORRUPT, "committed offset of group %s is damaged", group);
	out->version = OFFLOG_COMMITTED_VERSION;
	out->offset = offset;
	out->commit_time_ms = time_ms;
	out->metadata_len = mlen;
	memcpy(out->metadata, meta, mlen);
	out->metadata[mlen] = 0;
	return 0;
}

int commit_get(ol_txn *t, const char *group, uint32_t tid, int32_t part, offlog_committed *out)
{
	uint8_t k[COMMIT_KEY_MAX];
	ol_val v;
	out->version = OFFLOG_COMMITTED_VERSION;
	out->offset = OFFLOG_OFFSET_INVALID;
	out->commit_time_ms = 0;
	out->metadata_len = 0;
	out->metadata[0] = 0;
	int rc = db_get(t, T_COMMITS, k, commit_key(k, group, tid, part), &v);
	if (rc == 1)
		return 0;
	return rc ? rc : commit_decode(&v, group, out);
}

int commit_store(ol_txn *t, const char *group, uint32_t tid, int32_t part, int64_t offset,
                 const char *metadata, int64_t now)
{
	uint8_t k[COMMIT_KEY_MAX], v[COMMIT_HDR + OFFLOG_METADATA_MAX];
	size_t mlen = metadata ? strlen(metadata) : 0;
	ol_wr w = {v};
	wr_u8(&w, COMMIT_FMT);
	wr_i64(&w, offset);
	wr_i64(&w, now);
	wr_u32(&w, (uint32_t)mlen);
	wr_bytes(&w, metadata, mlen);
	return db_put(t, T_COMMITS, k, commit_key(k, group, tid, part), v, COMMIT_HDR + mlen);
}

/* ---- walks ------------------------------------------------------------------ */

/* The keys of one group end at the first key that is not its prefix plus
 * a topic id and partition; every group's keys must each be well formed. */
int commit_each(ol_txn *t, const char *group, commit_each_fn fn, void *arg)
{
	uint8_t k[COMMIT_KEY_MAX];
	char name[OFFLOG_GROUP_MAX + 1];
	size_t klen = group ? group_prefix(k, group) : 0;
	ol_cursor c;
	ol_val key, val;
	int rc = db_cursor_open(&c, t, T_COMMITS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, group ? k : NULL, klen, &key, &val); rc == 0;
	     rc = db_cursor_next(&c, &key, &val)) {
		uint32_t tid = 0;
		int32_t part = 0;
		offlog_committed cm;
		if (group && (key.n != klen + 8 || memcmp(key.p, k, klen) != 0))
			break;
		if ((rc = key_parse(&key, name, &tid, &part)) != 0)
			break;
		if (!group && ol_check_group(name) != 0) {
			rc = ol_err(OFFLOG_ECORRUPT, "a committed offset's group id is not valid");
			break;
		}
		if ((rc = commit_decode(&val, name, &cm)) != 0 || (rc = fn(arg, name, tid, part, &cm)) != 0)
			break;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

int commit_each_group(ol_txn *t, commit_group_fn fn, void *arg)
{
	uint8_t k[COMMIT_KEY_MAX];
	char name[OFFLOG_GROUP_MAX + 1];
	ol_cursor c;
	ol_val key;
	int rc = db_cursor_open(&c, t, T_COMMITS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &key, NULL); rc == 0;) {
		if (!ol_key_group(key.p, key.n, name)) {
			rc = ol_err(OFFLOG_ECORRUPT, "a committed offset key of %zu bytes", key.n);
			break;
		}
		if ((rc = fn(arg, name)) != 0)
			break;
		size_t n = group_prefix(k, name);
		k[n - 1] = 1;   /* the first key after every key of this group */
		rc = db_cursor_seek(&c, k, n, &key, NULL);
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

int commit_drop_group(ol_txn *t, const char *group, size_t *deleted)
{
	uint8_t k[COMMIT_KEY_MAX];
	return db_del_prefix(t, T_COMMITS, k, group_prefix(k, group), NULL, deleted);
}

int commit_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done)
{
	ol_cursor c;
	ol_val k;
	uint8_t gone[COMMIT_KEY_MAX];
	*done = false;
	int rc = db_cursor_open(&c, t, T_COMMITS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, NULL); rc == 0 && *budget > 0;) {
		if (k.n < 9 || k.n > sizeof gone || ol_get_be32((const uint8_t *)k.p + k.n - 8) != tid) {
			rc = db_cursor_next(&c, &k, NULL);
			continue;
		}
		size_t n = k.n;
		memcpy(gone, k.p, n);
		if ((rc = db_cursor_del(&c)) != 0)
			break;
		--*budget;
		rc = db_cursor_seek(&c, gone, n, &k, NULL);
	}
	db_cursor_close(&c);
	*done = rc == 1;
	return rc < 0 ? rc : 0;
}

/* ---- fencing ---------------------------------------------------------------- */

/* The partitions a commit names, collected as topic ids while its entries
 * are looked up, then checked against the member's record at once. */
typedef struct fence {
	ol_tp *tps;
	size_t n;
} fence;

static int fence_open(fence *f, size_t count)
{
	f->n = 0;
	f->tps = malloc((count ? count : 1) * sizeof *f->tps);
	return f->tps ? 0 : ol_err(OFFLOG_ENOMEM, "commit: out of memory");
}

static void fence_add(fence *f, uint32_t tid, int32_t part)
{
	f->tps[f->n++] = (ol_tp){tid, part};
}

/* Fence in member's name (NULL: unfenced), and free f. */
static int fence_check(fence *f, ol_txn *t, const char *group, const char *member,
                       int64_t generation)
{
	int rc = member ? group_fence(t, group, member, generation, f->tps, f->n) : 0;
	free(f->tps);
	return rc;
}

/* ---- a list of offsets ------------------------------------------------------ */

/* Check one entry; on success *tid is its topic id. */
static int check_entry(ol_txn *t, const offlog_partition_offset *e, uint32_t *tid)
{
	ol_topic tp;
	ol_part p;
	int rc = topic_get_part(t, e->topic, e->partition, &tp);
	if (rc)
		return rc;
	if (e->offset < 0)
		return ol_err(OFFLOG_EOFFSET, "cannot commit offset %lld for %s/%d: must be >= 0",
		              (long long)e->offset, e->topic, e->partition);
	if (e->metadata && strnlen(e->metadata, OFFLOG_METADATA_MAX + 1) > OFFLOG_METADATA_MAX)
		return ol_err(OFFLOG_ETOOBIG, "commit metadata for %s/%d is longer than %d bytes", e->topic,
		              e->partition, OFFLOG_METADATA_MAX);
	if ((rc = part_get(t, tp.id, e->partition, &p)) != 0)
		return rc;
	/* The next offset to read can be at most the log end offset. */
	if (e->offset > p.leo)
		return ol_range_error(e->topic, e->partition, e->offset, &p);
	*tid = tp.id;
	return 0;
}

static int check_list(ol_txn *t, offlog_partition_offset *list, size_t count)
{
	int first = 0;
	if (!list && count)
		return ol_err(OFFLOG_EINVAL, "offset list is NULL");
	for (size_t i = 0; i < count; i++) {
		uint32_t tid = 0;
		list[i].err = check_entry(t, &list[i], &tid);
		if (list[i].err && !first)
			first = list[i].err;
	}
	return first;
}

/* An entry whose topic or partition does not exist fails on its own; once
 * every one is found, the member's record decides for all of them. */
static int fence_list(ol_txn *t, const char *group, const char *member, int64_t generation,
                      offlog_partition_offset *list, size_t count)
{
	fence f;
	int rc = fence_open(&f, count);
	if (rc)
		return rc;
	for (size_t i = 0; i < count; i++)
		list[i].err = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		ol_topic tp;
		if ((rc = topic_get_part(t, list[i].topic, list[i].partition, &tp)) != 0)
			list[i].err = rc;
		else
			fence_add(&f, tp.id, list[i].partition);
	}
	if (rc) {
		free(f.tps);
		return rc;
	}
	rc = fence_check(&f, t, group, member, generation);
	for (size_t i = 0; rc && i < count; i++)
		list[i].err = rc;
	return rc;
}

static int put_entry(ol_txn *t, const char *group, const offlog_partition_offset *e, int64_t now)
{
	uint32_t tid = 0;
	int rc = check_entry(t, e, &tid);
	if (rc)
		return rc;
	return commit_store(t, group, tid, e->partition, e->offset, e->metadata, now);
}

int commit_write_list(ol_txn *t, const char *group, const char *member, int64_t generation,
                      offlog_partition_offset *list, size_t count)
{
	int rc = ol_check_group(group);
	if (rc == 0 && member)
		rc = fence_list(t, group, member, generation, list, count);
	if (rc == 0)
		rc = check_list(t, list, count);
	if (rc)
		return rc;
	int64_t now = ol_now_ms();
	for (size_t i = 0; i < count; i++)
		if ((rc = put_entry(t, group, &list[i], now)) != 0)
			return list[i].err = rc;
	return 0;
}

/* ---- a consumer's positions ------------------------------------------------- */

/* Every known position is committed, except where committing would be
 * wrong: a partition whose topic was deleted (and perhaps created again: an
 * old position means nothing in the new log), and a position beyond the log
 * end offset (after a seek there), which the next poll will reset. */
static int position_check(ol_txn *t, ol_position *e, fence *f)
{
	ol_topic tp;
	ol_part p;
	e->skipped = true;
	if (e->offset == OFFLOG_OFFSET_INVALID)
		return 0;
	int rc = topic_get_part(t, e->topic, e->partition, &tp);
	if (rc == OFFLOG_ENOTOPIC || rc == OFFLOG_ENOPART || (rc == 0 && e->tid && e->tid != tp.id))
		return 0;
	if (rc || (rc = part_get(t, tp.id, e->partition, &p)) != 0)
		return rc;
	if (e->offset > p.leo)
		return 0;
	e->tid = tp.id;
	e->skipped = false;
	fence_add(f, tp.id, e->partition);
	return 0;
}

/* With `member`, fenced by that member's ownership alone. */
int commit_positions_check(ol_txn *t, const char *group, const char *member, ol_position *list,
                           size_t n)
{
	fence f;
	int rc = fence_open(&f, n);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = position_check(t, &list[i], &f);
	if (rc) {
		free(f.tps);
		return rc;
	}
	return fence_check(&f, t, group, member, OL_GENERATION_ANY);
}

int commit_positions_store(ol_txn *t, const char *group, const ol_position *list, size_t n)
{
	int64_t now = ol_now_ms();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!list[i].skipped)
			rc = commit_store(t, group, list[i].tid, list[i].partition, list[i].offset, NULL, now);
	return rc;
}

int commit_positions(ol_txn *t, const char *group, const char *member, ol_position *list,
                     size_t n)
{
	int rc = commit_positions_check(t, group, member, list, n);
	return rc ? rc : commit_positions_store(t, group, list, n);
}

/* ---- the public read -------------------------------------------------------- */

OFFLOG_API int offlog_group_committed(offlog_committed *out, offlog_env *env, const char *group,
                                      const char *topic, int32_t partition)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_group_committed: NULL argument");
	OL_ENV_CHECK(env);
	int rc = ol_check_version(out->version, OFFLOG_COMMITTED_VERSION, "offlog_committed");
	if (rc == 0)
		rc = ol_check_group(group);
	if (rc)
		return rc;
	ol_txn t;
	ol_topic tp;
	/* Read aside and copied whole: on an error *out is as it was. */
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	if ((rc = db_read_begin(&t, env)) != 0)
		return rc;
	if ((rc = topic_get_part(&t, topic, partition, &tp)) == 0)
		rc = commit_get(&t, group, tp.id, partition, &cm);
	db_abort(&t);
	if (rc == 0)
		*out = cm;
	return rc;
}

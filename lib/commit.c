/*
 * commit.c - committed offsets, per (group, topic, partition).
 *
 * Key: group id, a NUL byte, topic id (be32), partition (be32); the group
 * comes first so one group's offsets are one key range. Value: format byte,
 * offset, commit time (both little-endian int64), metadata length (u32),
 * metadata bytes.
 */
#include "commit.h"

#include "append.h"
#include "clock.h"
#include "codec.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "topic.h"

#include <stdlib.h>

#define COMMIT_FMT 1
#define COMMIT_HDR (1 + 8 + 8 + 4)

static size_t commit_key(uint8_t *k, const char *group, uint32_t tid, int32_t part)
{
	size_t g = strlen(group);
	memcpy(k, group, g);
	k[g] = 0;
	ol_part_key(k + g + 1, tid, part);
	return g + 9;
}

int commit_get(ol_txn *t, const char *group, uint32_t tid, int32_t part, offlog_committed *out)
{
	uint8_t k[OFFLOG_GROUP_MAX + 9];
	ol_val v;
	out->offset = OFFLOG_OFFSET_INVALID;
	out->commit_time_ms = 0;
	out->metadata_len = 0;
	out->metadata[0] = 0;
	int rc = db_get(t, T_COMMITS, k, commit_key(k, group, tid, part), &v);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	const uint8_t *p = v.p;
	if (v.n < COMMIT_HDR || p[0] != COMMIT_FMT)
		return ol_err(OFFLOG_ECORRUPT, "committed offset of group %s is damaged", group);
	uint32_t mlen = (uint32_t)p[17] | (uint32_t)p[18] << 8 | (uint32_t)p[19] << 16 |
	                (uint32_t)p[20] << 24;
	if (mlen > OFFLOG_METADATA_MAX || v.n != COMMIT_HDR + mlen)
		return ol_err(OFFLOG_ECORRUPT, "committed offset of group %s is damaged", group);
	out->offset = (int64_t)ol_get_le64(p + 1);
	if (out->offset < 0)   /* commits are checked to be >= 0 */
		return ol_err(OFFLOG_ECORRUPT, "committed offset of group %s is damaged", group);
	out->commit_time_ms = (int64_t)ol_get_le64(p + 9);
	out->metadata_len = mlen;
	memcpy(out->metadata, p + COMMIT_HDR, mlen);
	out->metadata[mlen] = 0;
	return 0;
}

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

int commit_check_list(ol_txn *t, offlog_partition_offset *list, size_t count)
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

int commit_store(ol_txn *t, const char *group, uint32_t tid, int32_t part, int64_t offset,
                 const char *metadata, int64_t now)
{
	uint8_t k[OFFLOG_GROUP_MAX + 9], v[COMMIT_HDR + OFFLOG_METADATA_MAX];
	size_t mlen = metadata ? strlen(metadata) : 0;
	v[0] = COMMIT_FMT;
	ol_le64(v + 1, (uint64_t)offset);
	ol_le64(v + 9, (uint64_t)now);
	for (int i = 0; i < 4; i++)
		v[17 + i] = (uint8_t)(mlen >> (8 * i));
	if (mlen)
		memcpy(v + COMMIT_HDR, metadata, mlen);
	return db_put(t, T_COMMITS, k, commit_key(k, group, tid, part), v, COMMIT_HDR + mlen);
}

static int put_entry(ol_txn *t, const char *group, const offlog_partition_offset *e, int64_t now)
{
	uint32_t tid = 0;
	int rc = check_entry(t, e, &tid);
	if (rc)
		return rc;
	return commit_store(t, group, tid, e->partition, e->offset, e->metadata, now);
}

int commit_write_list(ol_txn *t, const char *group, offlog_partition_offset *list, size_t count)
{
	int rc = ol_check_group(group);
	if (rc == 0)
		rc = commit_check_list(t, list, count);
	if (rc)
		return rc;
	int64_t now = ol_now_ms();
	for (size_t i = 0; i < count; i++)
		if ((rc = put_entry(t, group, &list[i], now)) != 0)
			return list[i].err = rc;
	return 0;
}

/* Kafka's ILLEGAL_GENERATION: the member caught up with a rebalance since
 * the identity was taken, or is gone (UNKNOWN_MEMBER_ID). */
static int fence_generation(ol_txn *t, const char *group, const char *member, int64_t generation)
{
	ol_member me;
	int rc = member_get(t, group, member, &me);
	if (rc == 1)
		return ol_err(OFFLOG_EFENCED, "member %s is no longer in group %s", member, group);
	if (rc)
		return rc;
	if (me.generation != generation)
		rc = ol_err(OFFLOG_EFENCED, "member %s of group %s holds generation %lld, not %lld", member,
		            group, (long long)me.generation, (long long)generation);
	member_free(&me);
	return rc;
}

int commit_fence(ol_txn *t, const char *group, const char *member, int64_t generation,
                 offlog_partition_offset *list, size_t count)
{
	ol_tp *tps = malloc((count ? count : 1) * sizeof *tps);
	if (!tps)
		return ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	int rc = 0;
	for (size_t i = 0; i < count; i++)
		list[i].err = 0;
	for (size_t i = 0; i < count && rc == 0; i++) {
		ol_topic tp;
		if ((rc = topic_get_part(t, list[i].topic, list[i].partition, &tp)) != 0)
			list[i].err = rc;
		else
			tps[i] = (ol_tp){tp.id, list[i].partition};
	}
	if (rc) {   /* an entry's own error */
		free(tps);
		return rc;
	}
	if (generation != OL_GENERATION_ANY)
		rc = fence_generation(t, group, member, generation);
	if (rc == 0)
		rc = group_fence(t, group, member, tps, count);
	for (size_t i = 0; rc && i < count; i++)   /* the member is fenced: every entry */
		list[i].err = rc;
	free(tps);
	return rc;
}

int commit_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done)
{
	ol_cursor c;
	ol_val k;
	uint8_t gone[OFFLOG_GROUP_MAX + 9];
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

OFFLOG_API int offlog_group_committed(offlog_committed *out, offlog_env *env, const char *group,
                                      const char *topic, int32_t partition)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_group_committed: NULL argument");
	OL_ENV_CHECK(env);
	int rc = ol_check_group(group);
	if (rc)
		return rc;
	ol_txn t;
	ol_topic tp;
	if ((rc = db_read_begin(&t, env)) != 0)
		return rc;
	if ((rc = topic_get_part(&t, topic, partition, &tp)) == 0)
		rc = commit_get(&t, group, tp.id, partition, out);
	db_abort(&t);
	return rc;
}

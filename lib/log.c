/*
 * log.c - partitions: their state, appends, reads, the time index and the
 * high watermark.
 *
 * Layout: every record of every partition lives in one table keyed by
 * (partition id, offset), both big-endian: 12 bytes. A partition is one
 * contiguous key range in offset order and a read is a cursor walk. The
 * partition id is a number given to each partition when it is created and
 * never reused, so a topic deleted and created again starts with empty
 * ranges. When the partition appended to holds the largest keys of the
 * table, appends use MDB_APPEND, which fills pages completely instead of
 * splitting them.
 *
 * High watermark: in SYNC mode an append sets hw = log end offset in the same
 * transaction, which is durable when it commits. In the deferred modes the
 * high watermark is published only by a write transaction that runs after
 * the data it covers is on disk: in NOMETASYNC the next commit (its data sync
 * also syncs the previous commit) publishes the partitions the process
 * appended to; a flush syncs and then publishes every partition. Readers
 * therefore never see a record a power loss could remove.
 *
 * Time index: as Kafka's, sparse: an entry (largest timestamp so far, offset)
 * when the largest timestamp grows and at least OL_INDEX_INTERVAL records
 * passed since the last entry. A lookup scans at most about that many
 * records past the entry it finds.
 */
#include "log.h"

#include "clock.h"
#include "codec.h"
#include "db.h"
#include "env.h"
#include "record.h"
#include "retention.h"
#include "topic.h"

#include <stdlib.h>

#define PART_FMT 1u
#define PART_FIELDS 7
#define PART_SIZE (8 + PART_FIELDS * 8)   /* format, 3 spare, pid, fields */
#define OL_INDEX_INTERVAL 32

/* ---- partition state ---------------------------------------------------- */

/* part_get, but a missing partition is 1, with no error recorded. */
static int part_find(ol_txn *t, uint32_t tid, int32_t part, ol_part *out)
{
	uint8_t k[8];
	ol_val v;
	ol_part_key(k, tid, part);
	int rc = db_get(t, T_PARTS, k, 8, &v);
	if (rc)
		return rc;
	const uint8_t *p = v.p;
	if (v.n < PART_SIZE || p[0] != PART_FMT)
		return ol_err(OFFLOG_ECORRUPT, "state of partition %d of topic id %u is damaged", part, tid);
	out->pid = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
	p += 8;
	int64_t *f[PART_FIELDS] = {&out->log_start, &out->leo,    &out->hw,       &out->records,
	                           &out->bytes,     &out->max_ts, &out->index_off};
	for (int i = 0; i < PART_FIELDS; i++, p += 8)
		*f[i] = (int64_t)ol_get_le64(p);
	/* What every write keeps true; the offsets' arithmetic relies on it. */
	if (out->log_start < 0 || out->log_start > out->leo || out->hw < 0 || out->hw > out->leo ||
	    out->leo == INT64_MAX || out->records < 0 || out->bytes < 0)
		return ol_err(OFFLOG_ECORRUPT, "state of partition %d of topic id %u is damaged", part, tid);
	return 0;
}

int part_get(ol_txn *t, uint32_t tid, int32_t part, ol_part *out)
{
	int rc = part_find(t, tid, part, out);
	if (rc == 1)
		return ol_err(OFFLOG_ENOPART, "partition %d of topic id %u has no state", part, tid);
	return rc;
}

int part_put(ol_txn *t, uint32_t tid, int32_t part, const ol_part *s)
{
	uint8_t k[8], v[PART_SIZE] = {PART_FMT, 0, 0, 0};
	ol_part_key(k, tid, part);
	for (int i = 0; i < 4; i++)
		v[4 + i] = (uint8_t)(s->pid >> (8 * i));
	const int64_t f[PART_FIELDS] = {s->log_start, s->leo,    s->hw,       s->records,
	                                s->bytes,     s->max_ts, s->index_off};
	for (int i = 0; i < PART_FIELDS; i++)
		ol_le64(v + 8 + 8 * i, (uint64_t)f[i]);
	return db_put(t, T_PARTS, k, 8, v, sizeof v);
}

int log_init_partitions(ol_txn *t, uint32_t id, int32_t from, int32_t to)
{
	ol_val v;
	uint32_t pid = 1;
	int rc = db_get(t, T_META, "next_partition_id", 17, &v);
	if (rc < 0)
		return rc;
	if (rc == 0 && v.n == 4)
		pid = ol_get_be32(v.p);
	if ((uint64_t)pid + (uint64_t)(to - from) >= UINT32_MAX)
		return ol_err(OFFLOG_EINVAL, "partition ids exhausted");
	for (int32_t p = from; p < to; p++) {
		const ol_part empty = {pid++, 0, 0, 0, 0, 0, -1, -1};
		if ((rc = part_put(t, id, p, &empty)) != 0)
			return rc;
	}
	uint8_t next[4];
	ol_be32(next, pid);
	return db_put(t, T_META, "next_partition_id", 17, next, 4);
}

/* ---- the store's byte count ---------------------------------------------
 * The sum of every live partition's bytes, kept in the partition table
 * under a 9-byte key that sorts before every partition's (and that
 * partition scans skip: their keys are 8 bytes): when the store has few
 * partitions it shares their page, which an append writes anyway. Each
 * write transaction adds its change (t->bytes_delta) once, at commit. */

static const char BYTES_KEY[9] = {0};
#define BYTES_KEY_LEN sizeof BYTES_KEY

int log_bytes_get(ol_txn *t, int64_t *out, bool *found)
{
	ol_val v;
	int rc = db_get(t, T_PARTS, BYTES_KEY, BYTES_KEY_LEN, &v);
	*out = 0;
	*found = rc == 0;
	if (rc)
		return rc == 1 ? 0 : rc;
	if (v.n != 8)
		return ol_err(OFFLOG_ECORRUPT, "the store's byte count is damaged");
	*out = (int64_t)ol_get_le64(v.p);
	return 0;
}

int log_bytes_put(ol_txn *t, int64_t n)
{
	uint8_t v[8];
	ol_le64(v, (uint64_t)(n < 0 ? 0 : n));
	return db_put(t, T_PARTS, BYTES_KEY, BYTES_KEY_LEN, v, 8);
}

bool log_is_bytes_key(const ol_val *k)
{
	return k->n == BYTES_KEY_LEN && !memcmp(k->p, BYTES_KEY, BYTES_KEY_LEN);
}

int log_bytes_settle(ol_txn *t)
{
	if (t->bytes_delta == 0)
		return 0;
	int64_t n;
	bool found;
	int rc = log_bytes_get(t, &n, &found);
	if (rc == 0)
		rc = log_bytes_put(t, n + t->bytes_delta);
	if (rc == 0)
		t->bytes_delta = 0;
	return rc;
}

/* ---- high watermark ----------------------------------------------------- */

static void part_decode_key(const ol_val *k, uint32_t *tid, int32_t *part)
{
	*tid = ol_get_be32(k->p);
	*part = (int32_t)ol_get_be32((const uint8_t *)k->p + 4);
}

int log_each_part(ol_txn *t, part_fn fn, void *ctx)
{
	ol_cursor c;
	ol_val k;
	int rc = db_cursor_open(&c, t, T_PARTS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, NULL); rc == 0; rc = db_cursor_next(&c, &k, NULL)) {
		uint32_t tid;
		int32_t part;
		ol_part p;
		if (k.n != 8)
			continue;   /* the store's byte count */
		part_decode_key(&k, &tid, &part);
		if ((rc = part_get(t, tid, part, &p)) != 0 || (rc = fn(ctx, t, tid, part, &p)) != 0)
			break;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

static int publish_one(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p)
{
	OL_UNUSED(ctx);
	if (p->hw >= p->leo)
		return 0;
	p->hw = p->leo;
	/* Same key, same size: LMDB overwrites in place, the cursor stays. */
	return part_put(t, tid, part, p);
}

int log_publish(ol_txn *t, const ol_pend *list, unsigned n, bool all)
{
	if (all)
		return log_each_part(t, publish_one, NULL);
	for (unsigned i = 0; i < n; i++) {
		ol_part p;
		int rc = part_find(t, list[i].tid, list[i].part, &p);
		/* Deleted meanwhile, or damaged (which its readers will report):
		 * neither may stop every later commit. */
		if (rc == 1 || rc == OFFLOG_ECORRUPT)
			continue;
		if (rc)
			return rc;
		int64_t hw = list[i].leo < p.leo ? list[i].leo : p.leo;
		if (hw > p.hw) {
			p.hw = hw;
			if ((rc = part_put(t, list[i].tid, list[i].part, &p)) != 0)
				return rc;
		}
	}
	return 0;
}

static int is_behind(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p)
{
	OL_UNUSED(t);
	OL_UNUSED(tid);
	OL_UNUSED(part);
	*(bool *)ctx = p->hw < p->leo;
	return *(bool *)ctx;   /* 1 stops the walk */
}

int log_behind(offlog_env *env, bool *behind)
{
	ol_txn t;
	*behind = false;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = log_each_part(&t, is_behind, behind);
	db_abort(&t);
	return rc;
}

/* Remember, for after the commit, that a partition awaits publishing. */
static void touch(ol_txn *t, uint32_t tid, int32_t part, int64_t leo)
{
	for (unsigned i = 0; i < t->ntouched; i++)
		if (t->touched[i].tid == tid && t->touched[i].part == part) {
			t->touched[i].leo = leo;
			return;
		}
	if (t->ntouched < OL_TOUCHED_MAX)
		t->touched[t->ntouched++] = (ol_pend){tid, part, leo};
	else
		t->touched_all = true;
}

/* ---- appending ---------------------------------------------------------- */

int log_choose_partition(offlog_env *env, const ol_topic *tp, const offlog_message *msgs,
                         size_t count, int32_t *out)
{
	int32_t chosen = -1;
	for (size_t i = 0; i < count; i++) {
		if (!msgs[i].key)
			continue;
		int32_t p;
		int rc = offlog_partition_for_key(&p, msgs[i].key, msgs[i].key_len, tp->partitions);
		if (rc)
			return rc;
		if (chosen >= 0 && p != chosen)
			return ol_err(OFFLOG_EINVAL,
			              "records of one batch map to different partitions (%d and %d); "
			              "give the partition or split the batch",
			              chosen, p);
		chosen = p;
	}
	if (chosen < 0)
		chosen = (int32_t)(atomic_fetch_add(&env->rr, 1u) % (unsigned)tp->partitions);
	*out = chosen;
	return 0;
}

/* Can records of (tid, part) from offset `first` go at the table's end?
 * Leaves the cursor on the last key, where MDB_APPEND puts continue. */
static int can_append_at_end(ol_cursor *c, uint32_t pid, int64_t first, bool *yes)
{
	ol_val last;
	uint8_t k[OL_LOG_KEY];
	int rc = db_cursor_last(c, &last, NULL);
	if (rc < 0)
		return rc;
	ol_log_key(k, pid, first);
	*yes = rc == 1 || (last.n == OL_LOG_KEY && memcmp(last.p, k, OL_LOG_KEY) < 0);
	return 0;
}

static int index_time(ol_txn *t, uint32_t pid, int64_t ts, int64_t offset)
{
	uint8_t k[OL_LOG_KEY], v[8];
	ol_log_key(k, pid, ts);
	ol_be64(v, (uint64_t)offset);
	return db_put(t, T_TINDEX, k, OL_LOG_KEY, v, 8);
}

static int append_records(ol_txn *t, ol_cursor *c, const ol_topic *tp,
                          const offlog_message *msgs, size_t count, ol_part *p)
{
	bool append;
	int64_t now = -1;
	int rc = can_append_at_end(c, p->pid, p->leo, &append);
	if (rc)
		return rc;
	for (size_t i = 0; i < count; i++) {
		size_t size, payload;
		int64_t ts = msgs[i].timestamp;
		if (ts == OFFLOG_TIMESTAMP_NOW)
			ts = now >= 0 ? now : (now = ol_now_ms());
		if ((rc = rec_check(&msgs[i], ts, tp->cfg.max_message_bytes, &size, &payload)) != 0)
			return rc;
		if (!msgs[i].key && (tp->cfg.cleanup_policy & OFFLOG_CLEANUP_COMPACT))
			return ol_err(OFFLOG_EINVAL, "the topic is compacted: every record needs a key");
		uint8_t k[OL_LOG_KEY];
		void *dst;
		ol_log_key(k, p->pid, p->leo);
		if ((rc = db_cursor_reserve(c, k, OL_LOG_KEY, size, append, &dst)) != 0)
			return rc;
		rec_encode(dst, &msgs[i], ts);
		/* Indexing the largest timestamp so far, not each timestamp, keeps
		 * lookups right when producers' timestamps are out of order. */
		if (ts > p->max_ts) {
			if (p->index_off < 0 || p->leo - p->index_off >= OL_INDEX_INTERVAL) {
				if ((rc = index_time(t, p->pid, ts, p->leo)) != 0)
					return rc;
				p->index_off = p->leo;
			}
			p->max_ts = ts;
		}
		p->leo++;
		p->records++;
		p->bytes += (int64_t)payload;
		t->bytes_delta += (int64_t)payload;
	}
	return 0;
}

int log_append(ol_txn *t, const ol_topic *tp, int32_t partition, const offlog_message *msgs,
               size_t count, int64_t *base_offset)
{
	ol_part p;
	ol_cursor c;
	int rc = part_get(t, tp->id, partition, &p);
	if (rc || (rc = db_cursor_open(&c, t, T_LOG)) != 0)
		return rc;
	*base_offset = p.leo;
	rc = append_records(t, &c, tp, msgs, count, &p);
	db_cursor_close(&c);
	if (rc)
		return rc;
	if (t->env->opts.durability == OFFLOG_DURABILITY_SYNC)
		p.hw = p.leo;
	else if (t->env->opts.durability == OFFLOG_DURABILITY_NOMETASYNC)
		touch(t, tp->id, partition, p.leo);
	if ((rc = retention_on_append(t, tp, partition, &p, count)) != 0 ||
	    (rc = part_put(t, tp->id, partition, &p)) != 0)
		return rc;
	return retention_store_cap(t, tp->id, partition, *base_offset);
}

/* ---- reading ------------------------------------------------------------ */

int snap_open(ol_snapshot *s, offlog_env *env)
{
	if (s->have)
		return db_read_renew(&s->t);
	int rc = db_read_begin(&s->t, env);
	s->have = rc == 0;
	return rc;
}

void snap_release(ol_snapshot *s)
{
	if (s->have)
		db_read_reset(&s->t);
}

void snap_free(ol_snapshot *s)
{
	if (s->rd.open)
		db_cursor_close(&s->rd.cur);
	s->rd.open = false;
	if (s->have)
		db_abort(&s->t);
	s->have = false;
}

/* Is k a key of partition pid's range (log or time index)? */
static bool in_partition(const ol_val *k, uint32_t pid)
{
	return k->n == OL_LOG_KEY && ol_get_be32(k->p) == pid;
}

static int reader_ready(ol_txn *t, ol_reader *rd)
{
	if (rd->open)
		return db_cursor_renew(&rd->cur, t);
	int rc = db_cursor_open(&rd->cur, t, T_LOG);
	rd->open = rc == 0;
	return rc;
}

/* The hot loop of every consumer. */
int log_read(ol_txn *t, ol_reader *rd, uint32_t pid, int32_t part, const char *topic,
             int64_t from, int64_t end, size_t max, uint64_t max_bytes, offlog_record *out,
             size_t *n, int64_t *next)
{
	*n = 0;
	*next = from;
	if (from >= end || max == 0)
		return 0;
	int rc = reader_ready(t, rd);
	if (rc)
		return rc;
	uint8_t k[OL_LOG_KEY];
	ol_val key, val;
	uint64_t bytes = 0;
	size_t got = 0;
	bool exhausted = false;   /* no record of the partition left before `end` */
	ol_log_key(k, pid, from);
	for (rc = db_cursor_seek(&rd->cur, k, OL_LOG_KEY, &key, &val);;
	     rc = db_cursor_next(&rd->cur, &key, &val)) {
		if (rc) {
			exhausted = rc == 1;
			break;
		}
		int64_t off;
		if (!in_partition(&key, pid) ||
		    (off = (int64_t)ol_get_be64((const uint8_t *)key.p + 4)) >= end) {
			exhausted = true;
			break;
		}
		offlog_record *r = &out[got];
		if ((rc = rec_decode(r, val.p, val.n)) != 0)
			return ol_err(rc, "record %s/%d@%lld is damaged", topic, part, (long long)off);
		size_t pay = rec_payload(r);
		if (got > 0 && bytes + pay > max_bytes)
			break;
		r->topic = topic;
		r->partition = part;
		r->offset = off;
		bytes += pay;
		*next = off + 1;
		if (++got == max)
			break;
	}
	*n = got;
	if (rc < 0)
		return rc;
	/* The rest of the range up to `end` is a gap: skip it. */
	if (exhausted)
		*next = end;
	return 0;
}

/* The index entries around ts: the offset of the last entry whose
 * timestamp is <= ts (*floor) and of the first one above it (*ceil), -1
 * where there is none. */
static int index_bounds(ol_txn *t, uint32_t pid, int64_t ts, int64_t *floor, int64_t *ceil)
{
	ol_cursor c;
	ol_val k, v;
	uint8_t key[OL_LOG_KEY];
	*floor = *ceil = -1;
	int rc = db_cursor_open(&c, t, T_TINDEX);
	if (rc)
		return rc;
	ol_log_key(key, pid, ts);
	rc = db_cursor_seek(&c, key, OL_LOG_KEY, &k, &v);
	if (rc == 0 && in_partition(&k, pid) && v.n == 8) {
		if ((int64_t)ol_get_be64((const uint8_t *)k.p + 4) == ts) {
			*floor = (int64_t)ol_get_be64(v.p);
			rc = db_cursor_next(&c, &k, &v);
			if (rc == 0 && in_partition(&k, pid) && v.n == 8)
				*ceil = (int64_t)ol_get_be64(v.p);
			goto done;
		}
		*ceil = (int64_t)ol_get_be64(v.p);
	}
	if (rc < 0)
		goto done;
	rc = rc == 0 ? db_cursor_prev(&c, &k, &v) : db_cursor_last(&c, &k, &v);
	if (rc == 0 && in_partition(&k, pid) && v.n == 8)
		*floor = (int64_t)ol_get_be64(v.p);
done:
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

/* Entries mark each record that raised the largest timestamp, once
 * OL_INDEX_INTERVAL offsets passed since the previous entry. So after the
 * floor entry the largest timestamp can rise without an entry only for
 * OL_INDEX_INTERVAL offsets; the first record at or above ts lies there or
 * at the ceiling entry. The scan jumps from one to the other. */
int log_offset_for_time(ol_txn *t, const ol_part *p, int64_t ts, int64_t end, int64_t *out)
{
	ol_cursor c;
	ol_val k, v;
	uint8_t key[OL_LOG_KEY];
	int64_t floor, ceil;
	if (ts < 0)
		ts = 0;
	*out = end;
	/* Nothing reaches ts: the answer is the end, without a scan. */
	if (ts > p->max_ts)
		return 0;
	int rc = index_bounds(t, p->pid, ts, &floor, &ceil);
	if (rc)
		return rc;
	int64_t start = floor >= 0 && floor > p->log_start ? floor : p->log_start;
	/* The jump to `ceil` is safe only after the records just past the floor
	 * entry were looked at: not when retention removed them. */
	int64_t jump_at = floor >= p->log_start && ceil > start ? floor + OL_INDEX_INTERVAL
	                                                        : INT64_MAX;
	if (start >= end)
		return 0;
	if ((rc = db_cursor_open(&c, t, T_LOG)) != 0)
		return rc;
	ol_log_key(key, p->pid, start);
	for (rc = db_cursor_seek(&c, key, OL_LOG_KEY, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v)) {
		if (!in_partition(&k, p->pid))
			break;
		int64_t off = (int64_t)ol_get_be64((const uint8_t *)k.p + 4);
		if (off >= end)
			break;
		if (off >= jump_at && ceil > off) {
			jump_at = INT64_MAX;
			ol_log_key(key, p->pid, ceil);
			if ((rc = db_cursor_seek(&c, key, OL_LOG_KEY, &k, &v)) != 0 || !in_partition(&k, p->pid))
				break;
			if ((off = (int64_t)ol_get_be64((const uint8_t *)k.p + 4)) >= end)
				break;
		}
		offlog_record r;
		if ((rc = rec_decode(&r, v.p, v.n)) != 0)
			break;
		if (r.timestamp >= ts) {
			*out = off;
			break;
		}
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

/* ---- removing a deleted topic ------------------------------------------- */

/* Delete up to *budget keys of `table` that start with the 4-byte prefix. */
static int purge_prefix(ol_txn *t, int table, uint32_t prefix_id, size_t *budget)
{
	uint8_t prefix[4];
	ol_be32(prefix, prefix_id);
	return db_del_prefix(t, table, prefix, sizeof prefix, budget, NULL);
}

/* Partition by partition: its records, its index, then its state. */
int log_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done)
{
	ol_cursor c;
	ol_val k;
	uint8_t prefix[4];
	ol_be32(prefix, tid);
	*done = false;
	int rc = db_cursor_open(&c, t, T_PARTS);
	if (rc)
		return rc;
	while (*budget > 0) {
		rc = db_cursor_seek(&c, prefix, 4, &k, NULL);
		if (rc == 1 || (rc == 0 && (k.n != 8 || memcmp(k.p, prefix, 4) != 0))) {
			*done = true;
			rc = 0;
			break;
		}
		uint32_t ktid;
		int32_t part;
		ol_part p;
		if (rc || (part_decode_key(&k, &ktid, &part), rc = part_get(t, tid, part, &p)) != 0 ||
		    (rc = purge_prefix(t, T_LOG, p.pid, budget)) != 0 ||
		    (rc = purge_prefix(t, T_TINDEX, p.pid, budget)) != 0)
			break;
		if (*budget == 0)
			break;
		uint8_t pk[8];
		ol_part_key(pk, tid, part);
		if ((rc = db_del(t, T_PARTS, pk, 8)) < 0)
			break;
		rc = 0;
		--*budget;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

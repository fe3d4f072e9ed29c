/*
 * log.c - partitions: their state, the writing and reading of their
 * records, the time index and the high watermark. This file alone builds
 * and decodes the keys of T_PARTS, T_LOG and T_TINDEX; retention walks them
 * through its iterators. An append is append.c's: it chooses the partition,
 * has log_append write the records, runs retention, then writes the state.
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
#include "topic.h"


#define PART_FMT 1u
#define PART_SIZE (8 + 7 * 8)   /* format, 3 spare, pid, 7 fields */
#define OL_INDEX_INTERVAL 32

/* ---- partition state ---------------------------------------------------- */

/* The format, 3 spare bytes, the partition id, then 7 fields, all
 * little-endian. Bytes past them, fields a later version adds, are left
 * unread. */
static void part_encode(uint8_t v[PART_SIZE], const ol_part *s)
{
	ol_wr w = {v};
	wr_u8(&w, PART_FMT);
	wr_bytes(&w, (const uint8_t[3]){0}, 3);
	wr_u32(&w, s->pid);
	wr_i64(&w, s->log_start);
	wr_i64(&w, s->leo);
	wr_i64(&w, s->hw);
	wr_i64(&w, s->records);
	wr_i64(&w, s->bytes);
	wr_i64(&w, s->max_ts);
	wr_i64(&w, s->index_off);
}

static bool part_decode(const ol_val *v, ol_part *out)
{
	ol_rd r = rd_of(v->p, v->n);
	if (rd_u8(&r) != PART_FMT || !rd_bytes(&r, 3))
		return false;
	out->pid = rd_u32(&r);
	out->log_start = rd_i64(&r);
	out->leo = rd_i64(&r);
	out->hw = rd_i64(&r);
	out->records = rd_i64(&r);
	out->bytes = rd_i64(&r);
	out->max_ts = rd_i64(&r);
	out->index_off = rd_i64(&r);
	return !r.bad;
}

/* What every write keeps true; the offsets' arithmetic relies on it. */
static bool part_sane(const ol_part *p)
{
	return p->log_start >= 0 && p->log_start <= p->leo && p->hw >= 0 && p->hw <= p->leo &&
	       p->leo != INT64_MAX && p->records >= 0 && p->bytes >= 0;
}

/* part_get, but a missing partition is 1, with no error recorded. */
static int part_find(ol_txn *t, uint32_t tid, int32_t part, ol_part *out)
{
	uint8_t k[8];
	ol_val v;
	ol_part_key(k, tid, part);
	int rc = db_get(t, T_PARTS, k, 8, &v);
	if (rc)
		return rc;
	if (!part_decode(&v, out) || !part_sane(out))
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
	uint8_t k[8], v[PART_SIZE];
	ol_part_key(k, tid, part);
	part_encode(v, s);
	return db_put(t, T_PARTS, k, 8, v, sizeof v);
}

int ol_range_error(const char *topic, int32_t partition, int64_t offset, const ol_part *p)
{
	return ol_err(OFFLOG_ERANGE, "offset %lld out of range for %s/%d: valid range is [%lld, %lld]",
	              (long long)offset, topic, partition, (long long)p->log_start, (long long)p->leo);
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

/* ---- walks over the partitions ------------------------------------------ */

static void part_decode_key(const ol_val *k, uint32_t *tid, int32_t *part)
{
	*tid = ol_get_be32(k->p);
	*part = (int32_t)ol_get_be32((const uint8_t *)k->p + 4);
}

bool log_part_key_decode(const ol_val *k, uint32_t *tid, int32_t *part)
{
	if (k->n != 8)
		return false;
	part_decode_key(k, tid, part);
	return true;
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

/* The smallest partition key (8 bytes: topic id, partition, big-endian)
 * after k, whatever k is (the byte count, or a damaged key): false when
 * there is none, so a walk always moves forward and ends. */
static bool part_key_after(const ol_val *k, uint8_t key[8])
{
	if (k->n < 8) {   /* k padded with zeros is longer, so after it */
		memset(key, 0, 8);
		memcpy(key, k->p, k->n);
		return true;
	}
	uint64_t x = ol_get_be64(k->p);   /* a longer key sorts after its first 8 bytes */
	if (x == UINT64_MAX)
		return false;
	ol_be64(key, x + 1);
	return true;
}

int log_each_part_from(ol_txn *t, uint32_t tid, int32_t part, part_key_fn fn, void *ctx)
{
	ol_cursor c;
	ol_val k;
	uint8_t key[8];
	int rc = db_cursor_open(&c, t, T_PARTS);
	if (rc)
		return rc;
	ol_part_key(key, tid, part);
	for (rc = db_cursor_seek(&c, key, 8, &k, NULL); rc == 0;
	     rc = db_cursor_seek(&c, key, 8, &k, NULL)) {
		bool more = part_key_after(&k, key);
		if (k.n == 8) {   /* else the store's byte count */
			part_decode_key(&k, &tid, &part);
			if ((rc = fn(ctx, t, tid, part)) != 0)
				break;
		}
		if (!more)
			break;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

/* ---- high watermark ----------------------------------------------------- */

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

int log_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, const offlog_message *msgs,
               size_t count)
{
	ol_cursor c;
	int rc = db_cursor_open(&c, t, T_LOG);
	if (rc)
		return rc;
	rc = append_records(t, &c, tp, msgs, count, p);
	db_cursor_close(&c);
	if (rc)
		return rc;
	if (t->env->opts.durability == OFFLOG_DURABILITY_SYNC)
		p->hw = p->leo;
	else if (t->env->opts.durability == OFFLOG_DURABILITY_NOMETASYNC)
		touch(t, tp->id, part, p->leo);
	return 0;
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

/* The number after the partition id in a key of T_LOG (an offset) or
 * T_TINDEX (a timestamp); false when k is not a key of partition pid. */
static inline bool log_key_in(const ol_val *k, uint32_t pid, int64_t *at)
{
	if (k->n != OL_LOG_KEY || ol_get_be32(k->p) != pid)
		return false;
	*at = (int64_t)ol_get_be64((const uint8_t *)k->p + 4);
	return true;
}

/* Is the cursor's entry (rc, k, v) a time index entry of partition pid?
 * Then *ts gets its timestamp and *off the offset it marks. An entry of the
 * wrong size counts as none. */
static bool index_entry(int rc, const ol_val *k, const ol_val *v, uint32_t pid, int64_t *ts,
                        int64_t *off)
{
	if (rc != 0 || v->n != 8 || !log_key_in(k, pid, ts))
		return false;
	*off = (int64_t)ol_get_be64(v->p);
	return true;
}

bool log_key_decode(const ol_val *k, uint32_t *pid, int64_t *at)
{
	if (k->n != OL_LOG_KEY)
		return false;
	*pid = ol_get_be32(k->p);
	*at = (int64_t)ol_get_be64((const uint8_t *)k->p + 4);
	return true;
}

bool log_index_decode(const ol_val *k, const ol_val *v, uint32_t *pid, int64_t *ts, int64_t *off)
{
	if (v->n != 8 || !log_key_decode(k, pid, ts))
		return false;
	*off = (int64_t)ol_get_be64(v->p);
	return true;
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
		if (!log_key_in(&key, pid, &off) || off >= end) {
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
	int64_t at, off;
	*floor = *ceil = -1;
	int rc = db_cursor_open(&c, t, T_TINDEX);
	if (rc)
		return rc;
	ol_log_key(key, pid, ts);
	rc = db_cursor_seek(&c, key, OL_LOG_KEY, &k, &v);
	if (index_entry(rc, &k, &v, pid, &at, &off)) {
		if (at == ts) {
			*floor = off;
			rc = db_cursor_next(&c, &k, &v);
			if (index_entry(rc, &k, &v, pid, &at, &off))
				*ceil = off;
			goto done;
		}
		*ceil = off;
	}
	if (rc < 0)
		goto done;
	rc = rc == 0 ? db_cursor_prev(&c, &k, &v) : db_cursor_last(&c, &k, &v);
	if (index_entry(rc, &k, &v, pid, &at, &off))
		*floor = off;
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
	ol_log_iter it;
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
	if ((rc = log_iter_open(&it, t, p->pid)) != 0)
		return rc;
	for (rc = log_iter_seek(&it, start); rc == 0 && it.off < end; rc = log_iter_next(&it)) {
		if (it.off >= jump_at && ceil > it.off) {
			jump_at = INT64_MAX;
			if ((rc = log_iter_seek(&it, ceil)) != 0 || it.off >= end)
				break;
		}
		offlog_record r;
		if ((rc = log_iter_record(&it, &r)) != 0)
			break;
		if (r.timestamp >= ts) {
			*out = it.off;
			break;
		}
	}
	log_iter_close(&it);
	return rc < 0 ? rc : 0;
}

/* ---- iterators over a partition's records and time index ---------------- */

static int iter_open(ol_log_iter *it, ol_txn *t, uint32_t pid, bool index)
{
	it->pid = pid;
	it->index = index;
	return db_cursor_open(&it->cur, t, index ? T_TINDEX : T_LOG);
}

int log_iter_open(ol_log_iter *it, ol_txn *t, uint32_t pid)
{
	return iter_open(it, t, pid, false);
}

int log_iter_open_index(ol_log_iter *it, ol_txn *t, uint32_t pid)
{
	return iter_open(it, t, pid, true);
}

/* Stand on the cursor's entry (rc, k, v): 0, 1 when it is none of the
 * partition's, or rc's error. */
static int iter_at(ol_log_iter *it, int rc, const ol_val *k, const ol_val *v)
{
	if (rc)
		return rc;
	if (it->index)
		return index_entry(rc, k, v, it->pid, &it->ts, &it->off) ? 0 : 1;
	if (!log_key_in(k, it->pid, &it->off))
		return 1;
	it->val = *v;
	return 0;
}

int log_iter_seek(ol_log_iter *it, int64_t at)
{
	uint8_t key[OL_LOG_KEY];
	ol_val k, v;
	ol_log_key(key, it->pid, at);
	return iter_at(it, db_cursor_seek(&it->cur, key, OL_LOG_KEY, &k, &v), &k, &v);
}

/* After a delete, LMDB's cursor stands on the next entry: MDB_NEXT
 * returns it without moving. */
int log_iter_next(ol_log_iter *it)
{
	ol_val k = {0}, v = {0};
	return iter_at(it, db_cursor_next(&it->cur, &k, &v), &k, &v);
}

int log_iter_del(ol_log_iter *it)
{
	return db_cursor_del(&it->cur);
}

int log_iter_record(const ol_log_iter *it, offlog_record *r)
{
	return rec_decode(r, it->val.p, it->val.n);
}

void log_iter_close(ol_log_iter *it)
{
	db_cursor_close(&it->cur);
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

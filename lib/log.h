/* log.h - partitions (log.c): their state in T_PARTS, their records in
 * T_LOG, the time index in T_TINDEX, the high watermark and the store's
 * byte count. The three tables' keys are built and decoded in log.c only:
 * other files walk them through the iterators below. */
#ifndef OFFLOG_LOG_H
#define OFFLOG_LOG_H

#include "codec.h"
#include "db.h"
#include "topic.h"

typedef struct ol_part {
	uint32_t pid;      /* names the partition in T_LOG and T_TINDEX; never reused */
	int64_t log_start;
	int64_t leo;
	int64_t hw;
	int64_t records;
	int64_t bytes;
	int64_t max_ts;    /* largest timestamp appended so far, -1 if none */
	int64_t index_off; /* offset of the last time index entry, -1 if none */
} ol_part;

static inline void ol_part_key(uint8_t k[8], uint32_t tid, int32_t part)
{
	ol_be32(k, tid);
	ol_be32(k + 4, (uint32_t)part);
}
#define OL_LOG_KEY 12
static inline void ol_log_key(uint8_t k[OL_LOG_KEY], uint32_t pid, int64_t off)
{
	ol_be32(k, pid);
	ol_be64(k + 4, (uint64_t)off);
}

int part_get(ol_txn *t, uint32_t tid, int32_t part, ol_part *out);
int part_put(ol_txn *t, uint32_t tid, int32_t part, const ol_part *p);
/* Create the empty partitions [from, to) of topic id, each with a new
 * partition id (never reused). */
int log_init_partitions(ol_txn *t, uint32_t id, int32_t from, int32_t to);
/* The readable end for a reader: high watermark or log end offset. */
static inline int64_t part_read_end(const ol_part *p, int isolation)
{
	return isolation == OFFLOG_ISOLATION_COMMITTED ? p->leo : p->hw;
}
/* OFFLOG_ERANGE with the partition's valid range in the detail. */
int ol_range_error(const char *topic, int32_t partition, int64_t offset, const ol_part *p);

/* Write msgs (count >= 1) at the end of partition `part` of topic tp,
 * whose state p the caller read with part_get and writes back with
 * part_put: the append's other steps (retention) change p too, and one
 * state write per append is what keeps appends fast. */
int log_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, const offlog_message *msgs,
               size_t count);
/* Publish high watermarks, in a write transaction that runs after the data
 * they cover was synced: the partitions in list (n entries), or with `all`
 * every partition whose high watermark is behind its log end offset. */
int log_publish(ol_txn *t, const ol_pend *list, unsigned n, bool all);
/* Call fn for every partition state, in key order; fn returns 0 to go on,
 * 1 to stop, or an error. fn may write the state back (same size). */
typedef int (*part_fn)(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p);
int log_each_part(ol_txn *t, part_fn fn, void *ctx);
/* Call fn for every partition from (tid, part) on, in key order, without
 * reading its state; fn returns as part_fn's. Each step seeks past the key
 * before, so fn may write to T_PARTS, and a walk stopped at (tid, part) can
 * resume there in a later transaction. */
typedef int (*part_key_fn)(void *ctx, ol_txn *t, uint32_t tid, int32_t part);
int log_each_part_from(ol_txn *t, uint32_t tid, int32_t part, part_key_fn fn, void *ctx);
/* The keys of T_PARTS, T_LOG and T_TINDEX, for check.c, which reads the
 * tables raw: false when k (and v) is not of that layout. A record's key
 * holds its partition id and offset, a time index entry's its partition id
 * and timestamp, and its value the offset. */
bool log_part_key_decode(const ol_val *k, uint32_t *tid, int32_t *part);
bool log_key_decode(const ol_val *k, uint32_t *pid, int64_t *off);
bool log_index_decode(const ol_val *k, const ol_val *v, uint32_t *pid, int64_t *ts, int64_t *off);
/* The store's byte count: the sum of the bytes of every partition of a
 * live topic (*found false: none stored, a store of an earlier version). */
int log_bytes_get(ol_txn *t, int64_t *out, bool *found);
int log_bytes_put(ol_txn *t, int64_t n);
/* Is k the byte count's key in T_PARTS (which partition scans skip)? */
bool log_is_bytes_key(const ol_val *k);
/* The epilogue of every write transaction: apply t->bytes_delta. */
int log_bytes_settle(ol_txn *t);
/* Is any partition's high watermark behind its log end offset? */
int log_behind(offlog_env *env, bool *behind);

/* A reusable reader of one partition's records in a snapshot. */
typedef struct ol_reader {
	ol_cursor cur;
	bool open;
} ol_reader;

/* A read snapshot kept by a handle between uses: its transaction and log
 * cursor are reset and renewed rather than freed, so reads allocate nothing. */
typedef struct ol_snapshot {
	ol_txn t;
	bool have;
	ol_reader rd;
} ol_snapshot;

int snap_open(ol_snapshot *s, offlog_env *env);
void snap_release(ol_snapshot *s);
void snap_free(ol_snapshot *s);

/* Read records [from, end) of a partition into out (at most max records,
 * about max_bytes of payload, at least one). *n gets the count; *next the
 * offset to read next. Records' topic field is set to `topic`. */
int log_read(ol_txn *t, ol_reader *rd, uint32_t pid, int32_t part, const char *topic,
             int64_t from, int64_t end, size_t max, uint64_t max_bytes, offlog_record *out,
             size_t *n, int64_t *next);
/* Earliest offset >= from with timestamp >= ts, or end if none. */
int log_offset_for_time(ol_txn *t, const ol_part *p, int64_t ts, int64_t end, int64_t *out);
/* Remove the records, index entries and partition states of a deleted
 * topic, at most `budget` entries; *done when nothing is left. */
int log_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

/* An iterator over one partition's records (log_iter_open) or its time
 * index entries (log_iter_open_index) in t, so that what removes them
 * (retention.c) needs no key layout: it lives on the caller's stack,
 * allocates nothing, may delete the entry it stands on, and is closed
 * before t ends. seek and next return 0 on an entry, 1 when the partition
 * has no more (the next key is another's, or damaged), or an error; the
 * fields describe the entry until the iterator moves. */
typedef struct ol_log_iter {
	ol_cursor cur;
	uint32_t pid;
	bool index;
	int64_t off;   /* the record's offset; an index entry: the offset it marks */
	int64_t ts;    /* an index entry: the largest timestamp up to `off` */
	ol_val val;    /* a record: its stored form (log_iter_record decodes it) */
} ol_log_iter;

int log_iter_open(ol_log_iter *it, ol_txn *t, uint32_t pid);
int log_iter_open_index(ol_log_iter *it, ol_txn *t, uint32_t pid);
/* The first entry at or after `at`: an offset, or for the index a timestamp. */
int log_iter_seek(ol_log_iter *it, int64_t at);
/* The next entry; after log_iter_del, the one that followed the deleted. */
int log_iter_next(ol_log_iter *it);
int log_iter_del(ol_log_iter *it);
/* Decode the record the iterator stands on; pointers point into the store. */
int log_iter_record(const ol_log_iter *it, offlog_record *r);
void log_iter_close(ol_log_iter *it);

#endif

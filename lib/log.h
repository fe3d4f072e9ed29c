/* log.h - partitions (log.c): their state in T_PARTS, their records in
 * T_LOG, the time index in T_TINDEX, the high watermark and the store's
 * byte count. */
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

/* Append msgs (count >= 1) to one partition of topic tp inside t. */
int log_append(ol_txn *t, const ol_topic *tp, int32_t partition, const offlog_message *msgs,
               size_t count, int64_t *base_offset);
/* Choose the partition for OFFLOG_PARTITION_ANY. */
int log_choose_partition(offlog_env *env, const ol_topic *tp, const offlog_message *msgs,
                         size_t count, int32_t *out);
/* Publish high watermarks, in a write transaction that runs after the data
 * they cover was synced: the partitions in list (n entries), or with `all`
 * every partition whose high watermark is behind its log end offset. */
int log_publish(ol_txn *t, const ol_pend *list, unsigned n, bool all);
/* Call fn for every partition state, in key order; fn returns 0 to go on,
 * 1 to stop, or an error. fn may write the state back (same size). */
typedef int (*part_fn)(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p);
int log_each_part(ol_txn *t, part_fn fn, void *ctx);
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

#endif

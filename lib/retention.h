/* retention.h - removing records: retention by time and size,
 * delete-records and the store's size cap (retention.c), compaction
 * (compact.c), and offlog_maintain() running both (maintain.c). */
#ifndef OFFLOG_RETENTION_H
#define OFFLOG_RETENTION_H

#include "log.h"



/* The maintenance part of the store handle (maintain.c). */
void maintain_init(offlog_env *env);
void maintain_destroy(offlog_env *env);

/* After appending `appended` records to a partition: a bounded retention
 * step on it (p is written back by the caller). */
int retention_on_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, size_t appended);
/* After an append to (tid, part) from offset base: enforce max_store_bytes
 * (drop the oldest, never that append's records, or fail with
 * OFFLOG_ESTOREFULL). */
int retention_store_cap(ol_txn *t, uint32_t tid, int32_t part, int64_t base);

/* Between retention.c and compact.c: the removals one maintenance
 * transaction may make when `removed` of at most `max` (0: no limit) are
 * done; the first offset a protected group of the topic still needs
 * (INT64_MAX: none). */
size_t retention_budget(uint64_t max, uint64_t removed);
int retention_protect_limit(ol_txn *t, const ol_topic *tp, int32_t part, const ol_part *p,
                            int64_t *limit);
/* The retention sweep over every partition, adding what it removes to
 * *removed, until it reaches max (0: no limit). */
int retention_sweep(offlog_env *env, uint64_t max, uint64_t *removed);
/* Compact every partition of a compacted topic that needs a pass, adding
 * what it removes to *removed, until it reaches max (0: no limit). */
int compact_all(offlog_env *env, uint64_t max, uint64_t *removed);
/* Free what the handle remembers of past passes. */
void compact_forget(offlog_env *env);

#endif

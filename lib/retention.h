/* retention.h - removing records (retention.c): retention by time and
 * size, delete-records, compaction and the store's size cap. */
#ifndef OFFLOG_RETENTION_H
#define OFFLOG_RETENTION_H

#include "log.h"

#include <pthread.h>

/* The store handle's part (env->maint): one maintenance run at a time per
 * handle, and what the compaction passes reached. */
typedef struct ol_maint {
	pthread_mutex_t mu;
	void *compacted;
	size_t ncompacted;
} ol_maint;

void retention_init(offlog_env *env);
void retention_destroy(offlog_env *env);

/* After appending `appended` records to a partition: a bounded retention
 * step on it (p is written back by the caller). */
int retention_on_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, size_t appended);
/* After an append to (tid, part) from offset base: enforce max_store_bytes
 * (drop the oldest, never that append's records, or fail with
 * OFFLOG_ESTOREFULL). */
int retention_store_cap(ol_txn *t, uint32_t tid, int32_t part, int64_t base);

#endif

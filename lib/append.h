/* append.h - appending records (append.c), for the calls that append. */
#ifndef OFFLOG_APPEND_H
#define OFFLOG_APPEND_H

#include "log.h"

int ol_check_append_args(offlog_env *env, const char *topic, int32_t partition,
                         const offlog_message *msgs, size_t count);
/* Append in an open write transaction: look up the topic, choose the
 * partition, append. *used gets the partition, *base the first offset. */
int ol_append_in(ol_txn *t, const char *topic, int32_t partition, const offlog_message *msgs,
                 size_t count, int32_t *used, int64_t *base);
/* Append msgs (count >= 1) to partition `part` of topic tp, in an open write
 * transaction: the records, a retention step on the partition, its state,
 * then the store's size cap. *base gets the first offset. */
int ol_append_part(ol_txn *t, const ol_topic *tp, int32_t part, const offlog_message *msgs,
                   size_t count, int64_t *base);
/* Kafka's default partitioner, for one record: its key's murmur2 hash, or
 * without a key the sticky partition *sticky, taken round-robin when there
 * is none yet (-1) or it is out of range, so that the keyless records of a
 * batch go to one partition and the next batch to the next. */
int ol_partition_pick(offlog_env *env, const ol_topic *tp, const offlog_message *m,
                      int32_t *sticky, int32_t *out);

#endif

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

/* OFFLOG_ERANGE with the partition's valid range in the detail. */
int ol_range_error(const char *topic, int32_t partition, int64_t offset, const ol_part *p);

#endif

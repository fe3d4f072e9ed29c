/* record.h - the stored form of a record (record.c). */
#ifndef OFFLOG_RECORD_H
#define OFFLOG_RECORD_H

#include "internal.h"

/* Validate a message against the topic limit; with ts, its timestamp once
 * OFFLOG_TIMESTAMP_NOW is resolved, its encoded size in *size and its
 * payload size (key + value + headers) in *payload. */
int rec_check(const offlog_message *m, int64_t ts, int32_t max_message_bytes, size_t *size,
              size_t *payload);
/* Encode into dst, which has exactly the size rec_check gave. */
void rec_encode(uint8_t *dst, const offlog_message *m, int64_t timestamp);
/* Decode a stored value; pointers point into it. */
int rec_decode(offlog_record *r, const void *p, size_t n);
/* Bytes of keys, values and headers a stored record accounts for. */
size_t rec_payload(const offlog_record *r);

#endif

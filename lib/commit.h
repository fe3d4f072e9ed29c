/* commit.h - committed offsets (commit.c): T_COMMITS. */
#ifndef OFFLOG_COMMIT_H
#define OFFLOG_COMMIT_H

#include "db.h"

int commit_get(ol_txn *t, const char *group, uint32_t tid, int32_t part, offlog_committed *out);
/* Validate (offset within [0, log end]) and store; sets e->err. */
int commit_put(ol_txn *t, const char *group, offlog_partition_offset *e, int64_t now_ms);
/* Check a whole list before writing any of it. */
int commit_check_list(ol_txn *t, offlog_partition_offset *list, size_t count);
int commit_write_list(ol_txn *t, const char *group, offlog_partition_offset *list, size_t count);
/* A commit in the name of member `member` of `group` is fenced (writes
 * nothing) unless the member exists, holds `generation` (OL_GENERATION_ANY:
 * any), and owns every partition of list; on failure the entries' err say
 * why. Checks only: write with commit_write_list. */
#define OL_GENERATION_ANY INT64_MIN
int commit_fence(ol_txn *t, const char *group, const char *member, int64_t generation,
                 offlog_partition_offset *list, size_t count);
/* Store one committed offset; the caller has validated it. */
int commit_store(ol_txn *t, const char *group, uint32_t tid, int32_t part, int64_t offset,
                 const char *metadata, int64_t now);
/* Remove every group's offsets for topic id, at most *budget of them;
 * *done when none is left. */
int commit_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

#endif

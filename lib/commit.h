/*
 * commit.h - committed offsets (commit.c, the only reader and writer of
 * T_COMMITS) and the rules of committing them: a list of offsets, or a
 * consumer's positions, fenced by a group member's ownership.
 */
#ifndef OFFLOG_COMMIT_H
#define OFFLOG_COMMIT_H

#include "db.h"
#include "group.h"

/* Fills every field of *out, version included (the library's own), so an
 * internal offlog_committed needs no initialiser; out->offset is
 * OFFLOG_OFFSET_INVALID when the group has none. */
int commit_get(ol_txn *t, const char *group, uint32_t tid, int32_t part, offlog_committed *out);
/* Store one committed offset; the caller has validated it. */
int commit_store(ol_txn *t, const char *group, uint32_t tid, int32_t part, int64_t offset,
                 const char *metadata, int64_t now);

/* Commit a list: every entry is checked (offset within [0, log end],
 * metadata size; e->err says why one fails) before any is written. With
 * `member`, the commit is first fenced by group_fence (generation
 * OL_GENERATION_ANY: any) and a fenced commit sets every entry's err;
 * member NULL: unfenced. Writes all or nothing. */
int commit_write_list(ol_txn *t, const char *group, const char *member, int64_t generation,
                      offlog_partition_offset *list, size_t count);

/* A consumer's position to commit. */
typedef struct ol_position {
	const char *topic;
	uint32_t tid;      /* the topic id the position belongs to; 0: unknown */
	int32_t partition;
	int64_t offset;    /* OFFLOG_OFFSET_INVALID: nothing to commit */
	bool skipped;      /* out: not committed (see commit.c) */
} ol_position;
/* Committing positions takes two steps, so that a transaction can check
 * one commit before writing others: the check writes nothing, marks the
 * entries skipped and, with `member`, fences (NULL: unfenced); the store
 * writes the entries not skipped. commit_positions does both. */
int commit_positions_check(ol_txn *t, const char *group, const char *member, ol_position *list,
                           size_t n);
int commit_positions_store(ol_txn *t, const char *group, const ol_position *list, size_t n);
int commit_positions(ol_txn *t, const char *group, const char *member, ol_position *list,
                     size_t n);

/* Walks. fn returns 0 to go on, or a negative code, which ends the walk and
 * is returned. commit_each: the committed offsets of `group`, by topic id
 * then partition, or (group NULL) of every group, group by group; a damaged
 * value is OFFLOG_ECORRUPT, and so is a damaged key in the walk of every
 * group. commit_each_group: every group with a committed offset, once, in
 * name order. */
typedef int (*commit_each_fn)(void *arg, const char *group, uint32_t tid, int32_t part,
                              const offlog_committed *cm);
int commit_each(ol_txn *t, const char *group, commit_each_fn fn, void *arg);
typedef int (*commit_group_fn)(void *arg, const char *group);
int commit_each_group(ol_txn *t, commit_group_fn fn, void *arg);

/* Delete every committed offset of the group; *deleted (may be NULL) gets
 * how many. */
int commit_drop_group(ol_txn *t, const char *group, size_t *deleted);
/* Remove every group's offsets for topic id, at most *budget of them;
 * *done when none is left. */
int commit_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

#endif

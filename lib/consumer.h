/*
 * consumer.h - the consumer handle, one object in six files, each calling
 * only those below it (but consumer.c and member.c, which call each other):
 *
 *   consumer_commit.c  the public commit calls (sync, async, in a transaction)
 *   consumer_seek.c    position, seek, lag
 *   consumer.c         open, close, assignment, poll; committing positions
 *   member.c           group membership: subscribe, rebalances, heartbeats
 *   consumer_reset.c   where to read when the position is not known
 *   commit_async.c     the asynchronous commits' worker
 */
#ifndef OFFLOG_CONSUMER_H
#define OFFLOG_CONSUMER_H

#include "commit.h"
#include "log.h"
#include "notify.h"
#include "write.h"

#include <stdatomic.h>

struct cpart {
	char *topic;
	uint32_t tid;        /* 0 until looked up; changes if the topic is recreated */
	int32_t partition;
	int64_t position;    /* OFFLOG_OFFSET_INVALID until known */
	int64_t next;        /* scratch of one poll: the position after it */
	int64_t end;         /* scratch of one poll: readable end */
	uint32_t pid;        /* scratch of one poll: partition id */
	int64_t lost_from;   /* scratch of one poll: records lost to retention, */
	int64_t lost_to;     /* or lost_from OFFLOG_OFFSET_INVALID */
	bool paused;
};

struct cmember;   /* member.c: the consumer's group membership */
struct casync;    /* commit_async.c: its asynchronous commits */

struct offlog_consumer {
	offlog_env *env;
	char *group;
	offlog_consumer_options opts;
	char *instance;                       /* opts.group_instance_id, copied */
	struct cpart *parts;
	offlog_topic_partition *view;        /* the assignment as given to users */
	size_t nparts;
	size_t turn;                          /* partition served first by the next poll */
	ol_snapshot snap;
	offlog_record *recs;
	int64_t last_auto_commit;
	bool manual;                          /* assign() gave partitions */
	struct cmember *gm;                   /* NULL unless subscribed */
	struct casync *ac;                    /* NULL until the first commit_async */
	unsigned fork_gen;                    /* ol_fork_generation() at open */
	atomic_uintptr_t owner;               /* the thread inside a call on it, or 0 */
	unsigned depth;                       /* the owner's calls under way: callbacks nest */
	atomic_bool wakeup;                   /* offlog_consumer_wakeup() not yet answered */
	ol_notify note;                       /* offlog_consumer_fd(), or not open */
	char lasterr[512];                    /* offlog_consumer_errmsg() */
};

/* ---- consumer.c ------------------------------------------------------------ */

const char *consumer_group(const offlog_consumer *c);
/* Every public call on a consumer runs between these two. consumer_enter
 * fails with OFFLOG_ESTATE for a consumer inherited across fork() and while
 * another thread is inside a call on it; the thread inside may enter again,
 * from a callback. */
int consumer_enter(offlog_consumer *c, const char *fn);
/* Returns rc; a failure's detail is kept for offlog_consumer_errmsg(). */
int consumer_leave(offlog_consumer *c, int rc);
/* The same, after a call that may have made records readable without a
 * commit (assign, resume, seek, subscribe): on success the descriptor
 * (offlog_consumer_fd) is made readable. */
int consumer_leave_changed(offlog_consumer *c, int rc);
/* Called from a callback that another call on the consumer is running. */
bool consumer_nested(const offlog_consumer *c);
/* Add partitions (positions unknown; none of them already assigned) /
 * remove them, keeping the others' positions; the view is rebuilt. */
int consumer_parts_add(offlog_consumer *c, const offlog_topic_partition *tps, size_t n);
void consumer_parts_remove(offlog_consumer *c, const offlog_topic_partition *tps, size_t n);
/* The assigned partition, or NULL / OFFLOG_ESTATE when not assigned. */
struct cpart *consumer_find(offlog_consumer *c, const char *topic, int32_t partition);
int consumer_find_assigned(struct cpart **cp, offlog_consumer *c, const char *topic,
                           int32_t partition);
bool consumer_auto_commit_on(const offlog_consumer *c);
/* The positions as a list to commit, all marked skipped (NULL: out of
 * memory); after a commit of it, note the topic ids they were committed
 * under. */
ol_position *consumer_positions(const offlog_consumer *c);
void consumer_note_tids(offlog_consumer *c, const ol_position *list);
/* Commit every known position (offlog_consumer_commit without checks),
 * after the asynchronous commits made before. */
int consumer_commit_positions(offlog_consumer *c);

/* ---- member.c -------------------------------------------------------------- */

/* The member id while subscribed, else NULL. */
const char *member_id_of(const offlog_consumer *c);
/* In poll, before reading: catch up with the group (revoke, claim, rejoin
 * after a loss), running the callbacks. */
int member_poll(offlog_consumer *c);
void member_note_poll(offlog_consumer *c);
/* Close: leave (dynamic) or stay (static), stop the heartbeat thread. */
int member_close(offlog_consumer *c);
/* In a forked child: free the membership's memory; the heartbeat thread
 * and the group's records are the parent's. */
void member_forget(offlog_consumer *c);

/* ---- consumer_reset.c ------------------------------------------------------ */

/* Look up an assigned partition's topic and state in t; the position of a
 * topic since created again is forgotten. */
int consumer_load(ol_txn *t, struct cpart *cp, ol_part *p);
/* The offset to read next: the position if known and in range, else the
 * committed offset if present and in range, else the reset policy. With
 * `lost` (may be NULL): the offset the reset replaced when it lay below the
 * log start (records removed before they were read), else
 * OFFLOG_OFFSET_INVALID. */
int consumer_resolve(const offlog_consumer *c, ol_txn *t, const struct cpart *cp, const ol_part *p,
                     int64_t *pos, int64_t *lost);
/* consumer_load, then consumer_resolve an unknown position, in a snapshot
 * of its own; *p_out (may be NULL) gets the partition's state. */
int consumer_resolve_now(const offlog_consumer *c, struct cpart *cp, ol_part *p_out);

/* ---- commit_async.c -------------------------------------------------------- */

/* Queue a commit of the current positions, fenced by member (NULL:
 * unfenced), for the worker (started on first use); cb runs in a later
 * call (async_deliver). OFFLOG_ESTATE once async_stop has begun. */
int async_submit(offlog_consumer *c, const char *member, offlog_commit_cb cb, void *opaque);
/* Wait until every asynchronous commit made so far is written. OFFLOG_ETXN
 * when some are not and this thread has a transaction open on the store:
 * they wait for it. */
int async_wait(offlog_consumer *c);
/* Run the callbacks of finished asynchronous commits, in the order the
 * commits were made. Returns rc, the caller's result, with its detail
 * message kept. */
int async_deliver(offlog_consumer *c, int rc);
/* In a user transaction t, which holds the write lock the worker needs:
 * write the asynchronous commits not yet written, in order, then
 * then(t, arg); they count as written once that succeeds. */
int async_carry(ol_txn *t, offlog_consumer *c, ol_write_fn then, void *arg);
/* At close, after the last commit: wait for the worker, run the last
 * callbacks, free; returns rc as async_deliver. async_submit is refused
 * from then on. */
int async_stop(offlog_consumer *c, int rc);
/* In a forked child: free the asynchronous commits' memory; false when a
 * thread of the parent held their lock at the fork (nothing is freed). */
bool async_forget(offlog_consumer *c);

/* ---- consumer_commit.c ----------------------------------------------------- */

/* offlog_txn_commit_consumer(): commit the consumer's positions in t (which:
 * as consumer_commit_positions), after its asynchronous commits not yet
 * written, which are written in t first. Checks the consumer's thread and
 * fork generation itself (OFFLOG_ESTATE); writes nothing when it fails
 * before writing the positions (fenced, say). */
int consumer_commit_in(ol_txn *t, offlog_consumer *c);

#endif

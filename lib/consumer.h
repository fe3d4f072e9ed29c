/*
 * consumer.h - the consumer handle, shared by consumer.c (assignment,
 * positions, poll, commit) and member.c (group membership, asynchronous
 * commits).
 */
#ifndef OFFLOG_CONSUMER_H
#define OFFLOG_CONSUMER_H

#include "internal.h"

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
struct casync;    /* member.c: its asynchronous commits */

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
	bool in_callback;                     /* a rebalance callback is running */
	struct cmember *gm;                   /* NULL unless subscribed */
	struct casync *ac;                    /* NULL until the first commit_async */
};

/* consumer.c */
bool consumer_auto_commit_on(const offlog_consumer *c);
/* Commit every known position (offlog_consumer_commit without checks). */
int consumer_commit_positions(offlog_consumer *c);
/* Add partitions (positions unknown; none of them already assigned) /
 * remove them, keeping the others' positions; the view is rebuilt. */
int consumer_parts_add(offlog_consumer *c, const offlog_topic_partition *tps, size_t n);
void consumer_parts_remove(offlog_consumer *c, const offlog_topic_partition *tps, size_t n);
void consumer_parts_clear(offlog_consumer *c);

/* A position to commit. */
typedef struct cpos {
	const char *topic;
	uint32_t tid;      /* the topic id the position belongs to; 0: unknown */
	int32_t partition;
	int64_t offset;    /* OFFLOG_OFFSET_INVALID: nothing to commit */
	bool skipped;      /* out: not committed (see consumer_commit_in) */
} cpos;
/* Commit positions in t by the rules of offlog_consumer_commit(); with
 * `member`, fenced by that member's ownership. */
int positions_commit_in(ol_txn *t, const char *group, const char *member, cpos *list, size_t n);

/* member.c */
/* The member id while subscribed, else NULL. */
const char *member_id_of(const offlog_consumer *c);
/* In poll, before reading: catch up with the group (revoke, claim, rejoin
 * after a loss), running the callbacks. */
int member_poll(offlog_consumer *c);
void member_note_poll(offlog_consumer *c);
/* Fencing for a commit of (tid, part) entries by this consumer in t: 0 when
 * not a member. */
int member_fence(ol_txn *t, offlog_consumer *c, const ol_tp *tps, size_t n);
/* Close: leave (dynamic) or stay (static), stop the heartbeat thread. */
int member_close(offlog_consumer *c);
/* Deliver finished asynchronous commits' callbacks; with `all`, first wait
 * for every outstanding one. Stop the worker when closing. */
void async_deliver(offlog_consumer *c, bool all);
void async_stop(offlog_consumer *c);

#endif

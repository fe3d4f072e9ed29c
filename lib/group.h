/* group.h - consumer group membership, stored (group.c): T_GROUPS. */
#ifndef OFFLOG_GROUP_H
#define OFFLOG_GROUP_H

#include "db.h"

#define OL_MEMBER_ID_MAX 40

typedef struct ol_tp {
	uint32_t tid;
	int32_t part;
} ol_tp;

/* A member of a group, as stored. */
typedef struct ol_member {
	char id[OL_MEMBER_ID_MAX + 1];
	char instance[OFFLOG_GROUP_MAX + 1]; /* "" for a dynamic member */
	uint32_t pid;
	int64_t heartbeat_ms;   /* wall clock of its last heartbeat */
	int64_t poll_ms;        /* wall clock of its last poll */
	uint32_t session_ms;
	uint32_t max_poll_ms;
	int64_t generation;     /* the generation whose revocations it last made */
	char **topics;          /* its subscription */
	uint32_t ntopics;
	ol_tp *target;          /* what the current generation gives it */
	uint32_t ntarget;
	ol_tp *owned;           /* what it owns now */
	uint32_t nowned;
} ol_member;

typedef struct ol_group {
	int64_t generation;
	int assignor;
	uint64_t shape;         /* hash of the subscribed topics and their partitions */
} ol_group;

/* 1 when the group has no state record (g zeroed). */
int group_get(ol_txn *t, const char *group, ol_group *g);
/* Every member record of the group, live or not, sorted by member id. */
int group_members(ol_txn *t, const char *group, ol_member **out, size_t *n);
void members_free(ol_member *m, size_t n);
void member_free(ol_member *m);
int member_put(ol_txn *t, const char *group, const ol_member *m);
/* 1 when absent. */
int member_get(ol_txn *t, const char *group, const char *id, ol_member *m);
bool member_live(const ol_member *m, int64_t now);
bool member_owns(const ol_member *m, uint32_t tid, int32_t part);
/* Lists of (topic id, partition) are kept sorted by tp_cmp: tp_in is a
 * binary search. */
int tp_cmp(const void *a, const void *b);
void tp_sort(ol_tp *list, uint32_t n);
bool tp_in(const ol_tp *list, uint32_t n, uint32_t tid, int32_t part);
/* Remove expired members; rebalance (next generation) when `force`, when
 * one was removed, or when the subscribed topics changed shape. assignor
 * < 0 keeps the group's. */
int group_tend(ol_txn *t, const char *group, bool force, int assignor);
/* Delete every record of the group's membership. */
int group_drop(ol_txn *t, const char *group);
/* The eager assignors' barrier: every member of all[] but `id` has made
 * its revocations for `generation`, or owns nothing. */
bool group_barrier(const ol_member *all, size_t n, const char *id, int64_t generation);
/* The commit fencing rule: member `id` exists and owns every partition. */
int group_fence(ol_txn *t, const char *group, const char *id, const ol_tp *tps, size_t n);

/* The member side, each one write transaction (see group.c). */
typedef struct ol_join {
	const char *group;
	ol_member *me;          /* in: id, instance, pid, timeouts, topics */
	int assignor;
	bool took_over;         /* out: a static member's earlier record was taken over */
} ol_join;
int group_join_fn(ol_txn *t, void *arg);
typedef struct ol_leave {
	const char *group;
	const char *id;
} ol_leave;
int group_leave_fn(ol_txn *t, void *arg);
typedef struct ol_beat {
	const char *group;
	const char *id;
	int64_t poll_ms;
	bool lost;              /* out: the member record is gone */
} ol_beat;
int group_heartbeat_fn(ol_txn *t, void *arg);
typedef struct ol_sync {
	const char *group;
	const char *id;
	int64_t generation;     /* the generation whose revocations were made */
	const ol_tp *revoked;   /* given up now */
	size_t nrevoked;
	bool lost;              /* out */
	ol_tp *owned;           /* out (malloc): what the member owns after */
	uint32_t nowned;
	bool complete;          /* out: it owns its whole target */
	bool stale;             /* out: a newer generation started: nothing was claimed */
} ol_sync;
int group_sync_fn(ol_txn *t, void *arg);

#endif

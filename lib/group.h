/*
 * group.h - consumer group membership: stored and ruled (group.c, the only
 * reader and writer of T_GROUPS), and assigned (group_assign.c, which
 * computes and stores nothing but targets handed to group.c).
 */
#ifndef OFFLOG_GROUP_H
#define OFFLOG_GROUP_H

#include "db.h"

#include <stdlib.h>

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

/* Lists of (topic id, partition) are kept sorted by tp_cmp: tp_in is a
 * binary search. Inline, so that the assignors need nothing of group.c. */
static inline int tp_cmp(const void *a, const void *b)
{
	const ol_tp *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->part > y->part) - (x->part < y->part);
}
static inline void tp_sort(ol_tp *list, uint32_t n)
{
	if (n > 1)
		qsort(list, n, sizeof *list, tp_cmp);
}
static inline bool tp_in(const ol_tp *list, uint32_t n, uint32_t tid, int32_t part)
{
	ol_tp k = {tid, part};
	return n > 0 && bsearch(&k, list, n, sizeof k, tp_cmp) != NULL;
}
static inline bool group_member_subscribes(const ol_member *m, const char *topic)
{
	for (uint32_t i = 0; i < m->ntopics; i++)
		if (!strcmp(m->topics[i], topic))
			return true;
	return false;
}

/* ---- group.c: the records -------------------------------------------------- */

/* 1 when the group has no state record (g zeroed). */
int group_get(ol_txn *t, const char *group, ol_group *g);
/* Every member record of the group, live or not, sorted by member id. */
int group_members(ol_txn *t, const char *group, ol_member **out, size_t *n);
/* 1 when absent. */
int group_member_get(ol_txn *t, const char *group, const char *id, ol_member *m);
int group_member_put(ol_txn *t, const char *group, const ol_member *m);
void group_member_free(ol_member *m);
void group_members_free(ol_member *m, size_t n);
/* Delete every record of the group's membership. */
int group_drop(ol_txn *t, const char *group);
/* Every group with a member record, in name order. fn returns 0 to go on,
 * or a negative code, which ends the walk and is returned. */
typedef int (*group_name_fn)(void *arg, const char *group);
int group_each(ol_txn *t, group_name_fn fn, void *arg);

/* ---- group.c: the rules ---------------------------------------------------- */

bool group_member_live(const ol_member *m, int64_t now);
bool group_member_owns(const ol_member *m, uint32_t tid, int32_t part);
/* Remove expired members; rebalance (next generation) when `force`, when
 * one was removed, or when the subscribed topics changed shape. assignor
 * < 0 keeps the group's. */
int group_tend(ol_txn *t, const char *group, bool force, int assignor);
/* Eager assignors: is a sync worth writing for member `id`, which made its
 * revocations for `generation` and waits for its target? */
bool group_barrier_moved(const ol_member *all, size_t n, const char *id, int64_t generation,
                         int64_t now);
/* Cooperative: does me's target hold a partition that neither me nor
 * another live member owns? */
bool group_member_claimable(const ol_member *all, size_t n, const ol_member *me, int64_t now);
/* The commit fencing rule: member `id` exists, holds `generation` (Kafka's
 * ILLEGAL_GENERATION; OL_GENERATION_ANY: any) and owns every partition of
 * tps. OFFLOG_EFENCED says which part failed. */
#define OL_GENERATION_ANY INT64_MIN
int group_fence(ol_txn *t, const char *group, const char *id, int64_t generation, const ol_tp *tps,
                size_t n);

/* ---- group.c: the member side, each one write transaction ------------------ */

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

/* ---- group_assign.c: the assignors ------------------------------------------ */

/* A partition to give out: the topic's name, for sorting and subscriptions. */
typedef struct ol_upart {
	const char *topic;
	uint32_t tid;
	int32_t part;
	int owner;      /* index into the members, -1 for none */
} ol_upart;

/* Sort live members in the order the assignors give partitions out. */
void group_assign_order(ol_member **m, size_t nm);
/* The subscribed topics of m[] that exist and their partitions, sorted by
 * topic name (*u, malloc, owners -1), and the shape hash of all subscribed
 * topics, existing or not. */
int group_universe(ol_txn *t, ol_member *const *m, size_t nm, ol_upart **u, size_t *nu,
                   uint64_t *shape);
/* Give every partition of u[] an owner among m[] (in group_assign_order;
 * none when nm is 0) with the assignor; count[i] (zeroed by the caller)
 * gets how many went to m[i]. */
void group_assign(int assignor, ol_member *const *m, size_t nm, ol_upart *u, size_t nu,
                  size_t *count);

#endif

/*
 * group_assign.c - the assignors: who of a group's live members gets which
 * partition of the topics they subscribe to.
 *
 * Kafka runs its assignors in the group leader's client; here a rebalance
 * (group.c) runs them inside the write transaction that starts the next
 * generation, so every member sees the same targets. They only compute:
 * group.c reads the members and stores the targets. The universe (what
 * there is to give out) is read from the topic catalogue, with a hash of
 * its shape, so that a topic created or grown later is noticed as a change.
 *
 * The members are sorted by instance id (else member id), so that a static
 * member that comes back keeps its place and so its partitions; the
 * partitions by topic name, then partition.
 */
#include "group.h"

#include "codec.h"
#include "db.h"
#include "topic.h"

#include <stdlib.h>

typedef struct plan {
	ol_member *const *m;  /* live members, in group_assign_order */
	size_t nm;
	ol_upart *u;          /* every partition of every subscribed topic, sorted */
	size_t nu;
	size_t *count;        /* partitions per member */
} plan;

static const char *sort_key(const ol_member *m)
{
	return m->instance[0] ? m->instance : m->id;
}

static int cmp_member(const void *a, const void *b)
{
	const ol_member *x = *(ol_member *const *)a, *y = *(ol_member *const *)b;
	return strcmp(sort_key(x), sort_key(y));
}

void group_assign_order(ol_member **m, size_t nm)
{
	if (nm > 1)
		qsort(m, nm, sizeof *m, cmp_member);
}

static void give(plan *pl, size_t u, int member)
{
	if (pl->u[u].owner >= 0)
		pl->count[pl->u[u].owner]--;
	pl->u[u].owner = member;
	if (member >= 0)
		pl->count[member]++;
}

/* Range: per topic, its subscribers in order take contiguous runs, the
 * first ones one more when the partitions do not divide evenly. */
static void assign_range(plan *pl)
{
	for (size_t s = 0, e; s < pl->nu; s = e) {
		const char *topic = pl->u[s].topic;
		for (e = s; e < pl->nu && !strcmp(pl->u[e].topic, topic); e++)
			;
		size_t subs = 0;
		for (size_t i = 0; i < pl->nm; i++)
			subs += group_member_subscribes(pl->m[i], topic);
		if (!subs)
			continue;
		size_t n = e - s, per = n / subs, extra = n % subs, next = s, k = 0;
		for (size_t i = 0; i < pl->nm; i++) {
			if (!group_member_subscribes(pl->m[i], topic))
				continue;
			size_t take = per + (k++ < extra);
			for (size_t j = 0; j < take; j++)
				give(pl, next++, (int)i);
		}
	}
}

/* Round robin: every partition in order to the next member, in a circle,
 * that subscribes to its topic. */
static void assign_roundrobin(plan *pl)
{
	size_t next = 0;
	for (size_t u = 0; u < pl->nu; u++) {
		for (size_t tries = 0; tries < pl->nm; tries++, next = (next + 1) % pl->nm) {
			if (group_member_subscribes(pl->m[next], pl->u[u].topic)) {
				give(pl, u, (int)next);
				next = (next + 1) % pl->nm;
				break;
			}
		}
	}
}

/* The member with the fewest partitions that subscribes to the topic. */
static int fewest(const plan *pl, const char *topic)
{
	int best = -1;
	for (size_t i = 0; i < pl->nm; i++)
		if (group_member_subscribes(pl->m[i], topic) && (best < 0 || pl->count[i] < pl->count[best]))
			best = (int)i;
	return best;
}

/* Each partition back to the member whose target it was, if it still
 * subscribes. */
static void keep_targets(plan *pl)
{
	for (size_t u = 0; u < pl->nu; u++)
		for (size_t i = 0; i < pl->nm; i++)
			if (group_member_subscribes(pl->m[i], pl->u[u].topic) &&
			    tp_in(pl->m[i]->target, pl->m[i]->ntarget, pl->u[u].tid, pl->u[u].part)) {
				give(pl, u, (int)i);
				break;
			}
}

/* Shares: the members holding the most get the rounded-up ones. */
static void set_quotas(const plan *pl, size_t *order, size_t *quota)
{
	size_t base = pl->nu / pl->nm, extra = pl->nu % pl->nm;
	for (size_t i = 0; i < pl->nm; i++)
		order[i] = i;
	for (size_t i = 1; i < pl->nm; i++)   /* stable insertion sort by count, descending */
		for (size_t j = i; j > 0 && pl->count[order[j]] > pl->count[order[j - 1]]; j--) {
			size_t x = order[j];
			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (size_t k = 0; k < pl->nm; k++)
		quota[order[k]] = base + (k < extra);
}

/* Cooperative sticky: each partition stays with the member whose target it
 * was, as far as balance allows; members above their share give up their
 * highest partitions; what is free goes to the members with the fewest. */
static void assign_sticky(plan *pl)
{
	keep_targets(pl);
	size_t *order = malloc(pl->nm * sizeof *order), *quota = calloc(pl->nm, sizeof *quota);
	if (!order || !quota) {
		free(order);
		free(quota);
		return;   /* the kept targets stand, unbalanced; the caller notices nothing worse */
	}
	set_quotas(pl, order, quota);
	for (size_t u = pl->nu; u-- > 0;) {
		int o = pl->u[u].owner;
		if (o >= 0 && pl->count[o] > quota[o])
			give(pl, u, -1);
	}
	for (size_t u = 0; u < pl->nu; u++)
		if (pl->u[u].owner < 0)
			give(pl, u, fewest(pl, pl->u[u].topic));
	free(order);
	free(quota);
}

void group_assign(int assignor, ol_member *const *m, size_t nm, ol_upart *u, size_t nu,
                  size_t *count)
{
	plan pl = {m, nm, u, nu, count};
	if (nm == 0)
		return;
	if (assignor == OFFLOG_ASSIGNOR_ROUNDROBIN)
		assign_roundrobin(&pl);
	else if (assignor == OFFLOG_ASSIGNOR_COOPERATIVE_STICKY)
		assign_sticky(&pl);
	else
		assign_range(&pl);
}

/* ---- the universe ---------------------------------------------------------- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211u;
	return h;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every subscribed topic name of m[], sorted, with repeats (*names NULL
 * when nobody subscribes). */
static int subscribed(ol_member *const *m, size_t nm, const char ***names, size_t *nt)
{
	size_t cap = 0;
	*names = NULL;
	*nt = 0;
	for (size_t i = 0; i < nm; i++)
		cap += m[i]->ntopics;
	if (cap && !(*names = malloc(cap * sizeof **names)))
		return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	for (size_t i = 0; i < nm; i++)
		for (uint32_t j = 0; j < m[i]->ntopics; j++)
			(*names)[(*nt)++] = m[i]->topics[j];
	if (*nt > 1)
		qsort(*names, *nt, sizeof **names, cmp_str);
	return 0;
}

/* Add topic `name`'s partitions to u (total of them so far, room for
 * *cap) and its shape to the hash; a topic that does not exist adds none. */
static int add_topic(ol_txn *t, const char *name, ol_upart **u, size_t *total, size_t *cap,
                     uint64_t *shape)
{
	ol_topic tp;
	int rc = topic_get(t, name, &tp);
	if (rc == OFFLOG_ENOTOPIC) {
		rc = 0;
		tp.id = 0;
		tp.partitions = 0;
	}
	if (rc)
		return rc;
	uint8_t b[8];
	ol_be32(b, tp.id);
	ol_be32(b + 4, (uint32_t)tp.partitions);
	*shape = fnv(fnv(*shape, name, strlen(name) + 1), b, sizeof b);
	if (*total + (size_t)tp.partitions > *cap) {
		*cap = 2 * (*total + (size_t)tp.partitions);
		ol_upart *grown = realloc(*u, *cap * sizeof *grown);
		if (!grown)
			return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
		*u = grown;
	}
	for (int32_t p = 0; p < tp.partitions; p++)
		(*u)[(*total)++] = (ol_upart){name, tp.id, p, -1};
	return 0;
}

int group_universe(ol_txn *t, ol_member *const *m, size_t nm, ol_upart **u, size_t *nu,
                   uint64_t *shape)
{
	const char **names;
	size_t nt, total = 0, cap = 0;
	*u = NULL;
	*nu = 0;
	*shape = 14695981039346656037u;
	int rc = subscribed(m, nm, &names, &nt);
	for (size_t i = 0; i < nt && rc == 0; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]) != 0)
			rc = add_topic(t, names[i], u, &total, &cap, shape);
	free(names);
	if (rc) {
		free(*u);
		*u = NULL;
		return rc;
	}
	*nu = total;
	return 0;
}

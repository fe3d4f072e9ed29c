/*
 * group.c - consumer group membership, stored in the store itself.
 *
 * There is no coordinator process: the members of a group (threads or
 * processes with the same store open) keep the group's state in table
 * T_GROUPS and change it only in write transactions, which LMDB runs one at
 * a time. A group has a state record (generation, assignor, shape) and one
 * record per member: its subscription, its heartbeat and poll times, its
 * target (what the current generation gives it) and what it owns.
 *
 * A rebalance is one transaction: whoever notices a change (a join, a leave,
 * a member whose session expired, a subscribed topic created or given
 * partitions) removes the expired members, computes every live member's
 * target with the group's assignor, and bumps the generation. Members then
 * catch up on their own, in their poll: they give up (revoke) what they own
 * outside their target (everything, with the eager assignors), record that
 * they did (member.generation), and take (claim) their target. With
 * cooperative-sticky a member claims each target partition once no other
 * member owns it; with the eager assignors, as in Kafka's eager protocol,
 * it claims its whole target at once, and only after every member that
 * owns anything has made its revocations for the generation (the barrier).
 * A claim made for a generation older than the group's is refused: the
 * target is then a newer generation's, whose revocations the member has not
 * made. Since a claim checks the owners in the same transaction that
 * records it, a partition never has two owners; a member that expired is
 * removed before its partitions are claimed.
 *
 * Keys: group, NUL, 'g' for the state; group, NUL, 'm', member id for a
 * member. Records are little-endian with a format byte first.
 */
#include "group.h"

#include "clock.h"
#include "codec.h"
#include "db.h"
#include "topic.h"

#include <stdio.h>
#include <stdlib.h>

#define GROUP_FMT 1
#define MEMBER_FMT 1
#define GROUP_REC 18            /* fmt, generation, assignor, shape */
#define MEMBERS_MAX 100000      /* members of one group */

/* ---- keys and records --------------------------------------------------- */

static size_t group_key(uint8_t *k, const char *group, char kind, const char *id)
{
	size_t g = strlen(group), n = id ? strlen(id) : 0;
	memcpy(k, group, g);
	k[g] = 0;
	k[g + 1] = (uint8_t)kind;
	if (n)
		memcpy(k + g + 2, id, n);
	return g + 2 + n;
}

#define GROUP_KEY_MAX (OFFLOG_GROUP_MAX + 2 + OL_MEMBER_ID_MAX)

static void put_u32(uint8_t **p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*(*p)++ = (uint8_t)(v >> (8 * i));
}

static void put_i64(uint8_t **p, int64_t v)
{
	ol_le64(*p, (uint64_t)v);
	*p += 8;
}

/* A bounds-checked reader: every get fails once the record is short. */
typedef struct rd {
	const uint8_t *p, *end;
	bool bad;
} rd;

static bool take(rd *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n)
		return !(r->bad = true);
	return true;
}

static uint32_t get_u32(rd *r)
{
	if (!take(r, 4))
		return 0;
	uint32_t v = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 |
	             (uint32_t)r->p[3] << 24;
	r->p += 4;
	return v;
}

static int64_t get_i64(rd *r)
{
	if (!take(r, 8))
		return 0;
	int64_t v = (int64_t)ol_get_le64(r->p);
	r->p += 8;
	return v;
}

static uint8_t get_u8(rd *r)
{
	return take(r, 1) ? *r->p++ : 0;
}

/* A string of at most max bytes into buf (max + 1 bytes). */
static void get_str(rd *r, char *buf, size_t max)
{
	size_t n = get_u8(r);
	if (n > max || !take(r, n)) {
		r->bad = true;
		buf[0] = 0;
		return;
	}
	memcpy(buf, r->p, n);
	buf[n] = 0;
	r->p += n;
}

int group_get(ol_txn *t, const char *group, ol_group *g)
{
	uint8_t k[GROUP_KEY_MAX];
	ol_val v;
	memset(g, 0, sizeof *g);
	int rc = db_get(t, T_GROUPS, k, group_key(k, group, 'g', NULL), &v);
	if (rc)
		return rc;
	const uint8_t *p = v.p;
	if (v.n != GROUP_REC || p[0] != GROUP_FMT || p[9] > OFFLOG_ASSIGNOR_COOPERATIVE_STICKY)
		return ol_err(OFFLOG_ECORRUPT, "state of group %s is damaged", group);
	g->generation = (int64_t)ol_get_le64(p + 1);
	g->assignor = p[9];
	g->shape = ol_get_le64(p + 10);
	return 0;
}

static int group_put(ol_txn *t, const char *group, const ol_group *g)
{
	uint8_t k[GROUP_KEY_MAX], v[GROUP_REC];
	v[0] = GROUP_FMT;
	ol_le64(v + 1, (uint64_t)g->generation);
	v[9] = (uint8_t)g->assignor;
	ol_le64(v + 10, g->shape);
	return db_put(t, T_GROUPS, k, group_key(k, group, 'g', NULL), v, sizeof v);
}

void member_free(ol_member *m)
{
	for (uint32_t i = 0; i < m->ntopics; i++)
		free(m->topics[i]);
	free(m->topics);
	free(m->target);
	free(m->owned);
	m->topics = NULL;
	m->target = m->owned = NULL;
	m->ntopics = m->ntarget = m->nowned = 0;
}

void members_free(ol_member *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		member_free(&m[i]);
	free(m);
}

static bool get_tps(rd *r, ol_tp **out, uint32_t *n)
{
	*n = get_u32(r);
	*out = NULL;
	if (r->bad || *n > OFFLOG_PARTITIONS_MAX * 16u || !take(r, (size_t)*n * 8))
		return !(r->bad = true);
	if (*n == 0)
		return true;
	if (!(*out = malloc(*n * sizeof **out)))
		return false;
	for (uint32_t i = 0; i < *n; i++) {
		(*out)[i].tid = get_u32(r);
		(*out)[i].part = (int32_t)get_u32(r);
	}
	return true;
}

static int member_decode(ol_member *m, const char *group, const void *data, size_t len)
{
	rd r = {data, (const uint8_t *)data + len, false};
	bool ok = true;
	memset(m, 0, sizeof *m);
	if (get_u8(&r) != MEMBER_FMT)
		r.bad = true;
	m->pid = get_u32(&r);
	m->heartbeat_ms = get_i64(&r);
	m->poll_ms = get_i64(&r);
	m->session_ms = get_u32(&r);
	m->max_poll_ms = get_u32(&r);
	m->generation = get_i64(&r);
	get_str(&r, m->id, OL_MEMBER_ID_MAX);
	get_str(&r, m->instance, OFFLOG_GROUP_MAX);
	uint32_t nt = get_u32(&r);
	if (!r.bad && nt > 0 && nt <= (uint32_t)(r.end - r.p)) {
		ok = (m->topics = calloc(nt, sizeof *m->topics)) != NULL;
		for (; ok && !r.bad && m->ntopics < nt; m->ntopics++) {
			char name[OFFLOG_NAME_MAX + 1];
			get_str(&r, name, OFFLOG_NAME_MAX);
			ok = (m->topics[m->ntopics] = strdup(name)) != NULL;
		}
	} else if (nt > 0) {
		r.bad = true;
	}
	ok = ok && get_tps(&r, &m->target, &m->ntarget) && get_tps(&r, &m->owned, &m->nowned);
	if (!ok || r.bad || r.p != r.end) {
		member_free(m);
		if (!ok)
			return ol_err(OFFLOG_ENOMEM, "out of memory reading group %s", group);
		return ol_err(OFFLOG_ECORRUPT, "a member record of group %s is damaged", group);
	}
	return 0;
}

int member_put(ol_txn *t, const char *group, const ol_member *m)
{
	uint8_t k[GROUP_KEY_MAX];
	size_t len = 1 + 4 + 8 + 8 + 4 + 4 + 8 + 1 + strlen(m->id) + 1 + strlen(m->instance) + 4 +
	             4 + (size_t)m->ntarget * 8 + 4 + (size_t)m->nowned * 8;
	for (uint32_t i = 0; i < m->ntopics; i++)
		len += 1 + strlen(m->topics[i]);
	void *out;
	int rc = db_reserve(t, T_GROUPS, k, group_key(k, group, 'm', m->id), len, false, &out);
	if (rc)
		return rc;
	uint8_t *p = out;
	*p++ = MEMBER_FMT;
	put_u32(&p, m->pid);
	put_i64(&p, m->heartbeat_ms);
	put_i64(&p, m->poll_ms);
	put_u32(&p, m->session_ms);
	put_u32(&p, m->max_poll_ms);
	put_i64(&p, m->generation);
	const char *strs[2] = {m->id, m->instance};
	for (int i = 0; i < 2; i++) {
		size_t n = strlen(strs[i]);
		*p++ = (uint8_t)n;
		memcpy(p, strs[i], n);
		p += n;
	}
	put_u32(&p, m->ntopics);
	for (uint32_t i = 0; i < m->ntopics; i++) {
		size_t n = strlen(m->topics[i]);
		*p++ = (uint8_t)n;
		memcpy(p, m->topics[i], n);
		p += n;
	}
	const ol_tp *lists[2] = {m->target, m->owned};
	uint32_t counts[2] = {m->ntarget, m->nowned};
	for (int l = 0; l < 2; l++) {
		put_u32(&p, counts[l]);
		for (uint32_t i = 0; i < counts[l]; i++) {
			put_u32(&p, lists[l][i].tid);
			put_u32(&p, (uint32_t)lists[l][i].part);
		}
	}
	return 0;
}

static int member_del(ol_txn *t, const char *group, const char *id)
{
	uint8_t k[GROUP_KEY_MAX];
	int rc = db_del(t, T_GROUPS, k, group_key(k, group, 'm', id));
	return rc == 1 ? 0 : rc;
}

int member_get(ol_txn *t, const char *group, const char *id, ol_member *m)
{
	uint8_t k[GROUP_KEY_MAX];
	ol_val v;
	memset(m, 0, sizeof *m);
	int rc = db_get(t, T_GROUPS, k, group_key(k, group, 'm', id), &v);
	if (rc)
		return rc;
	return member_decode(m, group, v.p, v.n);
}

int group_members(ol_txn *t, const char *group, ol_member **out, size_t *n)
{
	uint8_t k[GROUP_KEY_MAX];
	size_t klen = group_key(k, group, 'm', NULL), cap = 0;
	ol_cursor c;
	ol_val key, val;
	*out = NULL;
	*n = 0;
	int rc = db_cursor_open(&c, t, T_GROUPS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, k, klen, &key, &val); rc == 0;
	     rc = db_cursor_next(&c, &key, &val)) {
		if (key.n < klen || memcmp(key.p, k, klen) != 0)
			break;
		if (*n == cap) {
			ol_member *m = cap < MEMBERS_MAX ? realloc(*out, (cap = cap ? 2 * cap : 8) * sizeof *m)
			                                  : NULL;
			if (!m) {
				rc = ol_err(OFFLOG_ENOMEM, "group %s: out of memory or too many members", group);
				break;
			}
			*out = m;
		}
		if ((rc = member_decode(&(*out)[*n], group, val.p, val.n)) != 0)
			break;
		++*n;
	}
	db_cursor_close(&c);
	if (rc < 0) {
		members_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

/* ---- membership rules --------------------------------------------------- */

bool member_live(const ol_member *m, int64_t now)
{
	return now - m->heartbeat_ms <= (int64_t)m->session_ms &&
	       now - m->poll_ms <= (int64_t)m->max_poll_ms;
}

int tp_cmp(const void *a, const void *b)
{
	const ol_tp *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->part > y->part) - (x->part < y->part);
}

void tp_sort(ol_tp *list, uint32_t n)
{
	if (n > 1)
		qsort(list, n, sizeof *list, tp_cmp);
}

bool tp_in(const ol_tp *list, uint32_t n, uint32_t tid, int32_t part)
{
	ol_tp k = {tid, part};
	return n > 0 && bsearch(&k, list, n, sizeof k, tp_cmp) != NULL;
}

bool member_owns(const ol_member *m, uint32_t tid, int32_t part)
{
	return tp_in(m->owned, m->nowned, tid, part);
}

static bool subscribes(const ol_member *m, const char *topic)
{
	for (uint32_t i = 0; i < m->ntopics; i++)
		if (!strcmp(m->topics[i], topic))
			return true;
	return false;
}

/* ---- assignment --------------------------------------------------------- */

/* A partition to give out: the topic's name, for sorting and subscriptions. */
typedef struct upart {
	const char *topic;
	uint32_t tid;
	int32_t part;
	int owner;      /* index into the sorted members, -1 for none */
} upart;

typedef struct plan {
	ol_member **m;  /* live members, sorted by instance id (else member id) */
	size_t nm;
	upart *u;       /* every partition of every subscribed topic, sorted */
	size_t nu;
	size_t *count;  /* partitions per member */
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
		for (e = s; e < pl->nu && !strcmp(pl->u[e].topic, pl->u[s].topic); e++)
			;
		size_t subs = 0;
		for (size_t i = 0; i < pl->nm; i++)
			subs += subscribes(pl->m[i], pl->u[s].topic);
		if (!subs)
			continue;
		size_t n = e - s, per = n / subs, extra = n % subs, next = s, k = 0;
		for (size_t i = 0; i < pl->nm; i++) {
			if (!subscribes(pl->m[i], pl->u[s].topic))
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
			if (subscribes(pl->m[next], pl->u[u].topic)) {
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
		if (subscribes(pl->m[i], topic) && (best < 0 || pl->count[i] < pl->count[best]))
			best = (int)i;
	return best;
}

/* Cooperative sticky: each partition stays with the member whose target it
 * was, as far as balance allows; members above their share give up their
 * highest partitions; what is free goes to the members with the fewest. */
static void assign_sticky(plan *pl)
{
	for (size_t u = 0; u < pl->nu; u++)
		for (size_t i = 0; i < pl->nm; i++)
			if (subscribes(pl->m[i], pl->u[u].topic) &&
			    tp_in(pl->m[i]->target, pl->m[i]->ntarget, pl->u[u].tid, pl->u[u].part)) {
				give(pl, u, (int)i);
				break;
			}
	/* Shares: the members holding the most get the rounded-up ones. */
	size_t base = pl->nu / pl->nm, extra = pl->nu % pl->nm;
	size_t *order = malloc(pl->nm * sizeof *order), *quota = calloc(pl->nm, sizeof *quota);
	if (!order || !quota) {
		free(order);
		free(quota);
		return;   /* the kept targets stand, unbalanced; the caller notices nothing worse */
	}
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

/* The subscribed topics that exist and their partitions, sorted, and the
 * shape hash of all subscribed topics. */
static int universe(ol_txn *t, ol_member **m, size_t nm, upart **out, size_t *nu, uint64_t *shape)
{
	size_t nt = 0, cap = 0;
	const char **names = NULL;
	int rc = 0;
	*out = NULL;
	*nu = 0;
	*shape = 14695981039346656037u;
	for (size_t i = 0; i < nm; i++)
		cap += m[i]->ntopics;
	if (cap && !(names = malloc(cap * sizeof *names)))
		return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	for (size_t i = 0; i < nm; i++)
		for (uint32_t j = 0; j < m[i]->ntopics; j++)
			names[nt++] = m[i]->topics[j];
	if (nt > 1)   /* names is NULL when nobody subscribes */
		qsort(names, nt, sizeof *names, cmp_str);
	size_t total = 0, ucap = 0;
	for (size_t i = 0; i < nt && rc == 0; i++) {
		if (i > 0 && !strcmp(names[i], names[i - 1]))
			continue;
		ol_topic tp;
		rc = topic_get(t, names[i], &tp);
		if (rc == OFFLOG_ENOTOPIC) {
			rc = 0;
			tp.id = 0;
			tp.partitions = 0;
		}
		if (rc)
			break;
		uint8_t b[8];
		ol_be32(b, tp.id);
		ol_be32(b + 4, (uint32_t)tp.partitions);
		*shape = fnv(fnv(*shape, names[i], strlen(names[i]) + 1), b, sizeof b);
		if (total + (size_t)tp.partitions > ucap) {
			ucap = 2 * (total + (size_t)tp.partitions);
			upart *u = realloc(*out, ucap * sizeof *u);
			if (!u) {
				rc = ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
				break;
			}
			*out = u;
		}
		for (int32_t p = 0; p < tp.partitions; p++)
			(*out)[total++] = (upart){names[i], tp.id, p, -1};
	}
	free(names);
	if (rc) {
		free(*out);
		*out = NULL;
		return rc;
	}
	*nu = total;
	return 0;
}

/* The live members, sorted for the assignors. */
static ol_member **live_sorted(ol_member *all, size_t n, int64_t now, size_t *nm)
{
	ol_member **m = malloc((n ? n : 1) * sizeof *m);
	*nm = 0;
	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (member_live(&all[i], now))
			m[(*nm)++] = &all[i];
	if (*nm > 1)
		qsort(m, *nm, sizeof *m, cmp_member);
	return m;
}

/* Compute every live member's new target and write the records. */
static int rebalance(ol_txn *t, const char *group, ol_group *g, ol_member **m, size_t nm,
                     upart *u, size_t nu)
{
	plan pl = {m, nm, u, nu, calloc(nm ? nm : 1, sizeof(size_t))};
	if (!pl.count)
		return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	if (nm > 0) {
		if (g->assignor == OFFLOG_ASSIGNOR_ROUNDROBIN)
			assign_roundrobin(&pl);
		else if (g->assignor == OFFLOG_ASSIGNOR_COOPERATIVE_STICKY)
			assign_sticky(&pl);
		else
			assign_range(&pl);
	}
	int rc = 0;
	for (size_t i = 0; i < nm && rc == 0; i++) {
		ol_tp *target = pl.count[i] ? malloc(pl.count[i] * sizeof *target) : NULL;
		if (pl.count[i] && !target) {
			rc = ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
			break;
		}
		uint32_t k = 0;
		for (size_t j = 0; j < nu; j++)
			if (u[j].owner == (int)i)
				target[k++] = (ol_tp){u[j].tid, u[j].part};
		tp_sort(target, k);   /* stored lists are sorted: lookups are binary searches */
		free(m[i]->target);
		m[i]->target = target;
		m[i]->ntarget = k;
		rc = member_put(t, group, m[i]);
	}
	free(pl.count);
	g->generation++;
	return rc ? rc : group_put(t, group, g);
}

int group_tend(ol_txn *t, const char *group, bool force, int assignor)
{
	ol_group g;
	ol_member *all;
	size_t n, nm, nu;
	upart *u = NULL;
	uint64_t shape;
	int64_t now = ol_now_ms();
	int rc = group_get(t, group, &g);
	if (rc < 0 || (rc = group_members(t, group, &all, &n)) != 0)
		return rc;
	if (assignor >= 0)
		g.assignor = assignor;
	bool removed = false;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!member_live(&all[i], now)) {
			rc = member_del(t, group, all[i].id);
			removed = true;
		}
	ol_member **m = rc ? NULL : live_sorted(all, n, now, &nm);
	if (rc == 0 && !m)
		rc = ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	if (rc == 0)
		rc = universe(t, m, nm, &u, &nu, &shape);
	if (rc == 0 && (force || removed || shape != g.shape)) {
		g.shape = shape;
		rc = rebalance(t, group, &g, m, nm, u, nu);
	}
	free(u);
	free(m);
	members_free(all, n);
	return rc;
}

int group_drop(ol_txn *t, const char *group)
{
	uint8_t k[GROUP_KEY_MAX];
	size_t klen = group_key(k, group, 'g', NULL) - 1;   /* group, NUL: every kind */
	return db_del_prefix(t, T_GROUPS, k, klen, NULL, NULL);
}

int group_fence(ol_txn *t, const char *group, const char *id, const ol_tp *tps, size_t n)
{
	ol_member me;
	int rc = member_get(t, group, id, &me);
	if (rc == 1)
		return ol_err(OFFLOG_EFENCED, "member %s is no longer in group %s", id, group);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!member_owns(&me, tps[i].tid, tps[i].part)) {
			char name[OFFLOG_NAME_MAX + 1];
			if (topic_name_of(t, tps[i].tid, name, sizeof name) != 0)
				snprintf(name, sizeof name, "topic id %u", tps[i].tid);
			rc = ol_err(OFFLOG_EFENCED, "member %s of group %s does not own %s/%d", id, group, name,
			            tps[i].part);
		}
	member_free(&me);
	return rc;
}

/* ---- the member side ---------------------------------------------------- */

static bool same_topics(const ol_member *a, const ol_member *b)
{
	if (a->ntopics != b->ntopics)
		return false;
	for (uint32_t i = 0; i < a->ntopics; i++)
		if (!subscribes(b, a->topics[i]))
			return false;
	return true;
}

int group_join_fn(ol_txn *t, void *arg)
{
	ol_join *j = arg;
	ol_member *me = j->me, *all = NULL;
	size_t n = 0;
	int64_t now = ol_now_ms();
	int rc = group_members(t, j->group, &all, &n);
	bool force = true;
	j->took_over = false;
	me->heartbeat_ms = me->poll_ms = now;
	me->generation = -1;
	/* A static member coming back within its session takes over its earlier
	 * record, with what it owned: no rebalance unless its topics changed. */
	for (size_t i = 0; rc == 0 && me->instance[0] && i < n; i++) {
		ol_member *old = &all[i];
		if (strcmp(old->instance, me->instance) != 0 || !member_live(old, now))
			continue;
		if ((rc = member_del(t, j->group, old->id)) != 0)
			break;
		force = !same_topics(old, me);
		me->generation = old->generation;
		ol_tp *target = me->target, *owned = me->owned;
		me->target = old->target;
		me->ntarget = old->ntarget;
		me->owned = old->owned;
		me->nowned = old->nowned;
		old->target = target;
		old->owned = owned;
		old->ntarget = old->nowned = 0;
		j->took_over = true;
	}
	members_free(all, n);
	if (rc == 0)
		rc = member_put(t, j->group, me);
	if (rc == 0)
		rc = group_tend(t, j->group, force, j->assignor);
	return rc;
}

int group_leave_fn(ol_txn *t, void *arg)
{
	ol_leave *l = arg;
	int rc = member_del(t, l->group, l->id);
	return rc ? rc : group_tend(t, l->group, true, -1);
}

int group_heartbeat_fn(ol_txn *t, void *arg)
{
	ol_beat *b = arg;
	ol_member me;
	b->lost = false;
	int rc = member_get(t, b->group, b->id, &me);
	if (rc == 1) {
		b->lost = true;
		return 0;
	}
	if (rc)
		return rc;
	me.heartbeat_ms = ol_now_ms();
	if (b->poll_ms > me.poll_ms)
		me.poll_ms = b->poll_ms;
	rc = member_put(t, b->group, &me);
	member_free(&me);
	return rc ? rc : group_tend(t, b->group, false, -1);
}

/* A member that owns nothing has nothing to revoke: it does not hold the
 * others up (one that joined and has not polled yet, say), and the claims
 * it may still try for an older generation are refused as stale. */
bool group_barrier(const ol_member *all, size_t n, const char *id, int64_t generation)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].id, id) != 0 && all[i].generation < generation && all[i].nowned > 0)
			return false;
	return true;
}

/* May me take target partition p now? Not while another member owns it. */
static bool free_for(const ol_member *all, size_t n, const ol_member *me, ol_tp p)
{
	for (size_t o = 0; o < n; o++)
		if (&all[o] != me && member_owns(&all[o], p.tid, p.part))
			return false;
	return true;
}

/* What me owns after giving up s->revoked and taking what it may of its
 * target (see group_sync_fn); *complete when that is the whole target. */
static uint32_t sync_claim(const ol_sync *s, const ol_member *all, size_t n, const ol_member *me,
                           bool may_claim, bool all_or_none, ol_tp *owned, bool *complete)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < me->nowned; i++)
		if (!tp_in(s->revoked, (uint32_t)s->nrevoked, me->owned[i].tid, me->owned[i].part))
			owned[k++] = me->owned[i];
	uint32_t kept = k;
	*complete = true;
	for (uint32_t i = 0; i < me->ntarget; i++) {
		ol_tp p = me->target[i];
		if (tp_in(owned, kept, p.tid, p.part))
			continue;
		if (may_claim && free_for(all, n, me, p)) {
			owned[k++] = p;
			continue;
		}
		*complete = false;
		if (all_or_none) {   /* drop what was taken so far, take nothing more */
			k = kept;
			may_claim = false;
		}
	}
	return k;
}

int group_sync_fn(ol_txn *t, void *arg)
{
	ol_sync *s = arg;
	ol_member *all = NULL, *me = NULL;
	ol_group g;
	size_t n = 0;
	int64_t now = ol_now_ms();
	s->lost = false;
	s->complete = false;
	s->stale = false;
	free(s->owned);
	s->owned = NULL;
	s->nowned = 0;
	/* Expired owners go first, so their partitions can be claimed now. */
	int rc = group_tend(t, s->group, false, -1);
	if (rc == 0 && (rc = group_get(t, s->group, &g)) > 0)
		rc = 0;
	if (rc == 0)
		rc = group_members(t, s->group, &all, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (!strcmp(all[i].id, s->id))
			me = &all[i];
	if (rc == 0 && !me)
		s->lost = true;
	if (rc || !me) {
		members_free(all, n);
		return rc;
	}
	ol_tp *owned = malloc(((size_t)me->nowned + me->ntarget + 1) * sizeof *owned);
	if (!owned) {
		members_free(all, n);
		return ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
	}
	/* The revocations were made for s->generation. When the tend above (or
	 * another member before it) started a newer one, the target is that
	 * generation's, whose revocations the member has not made yet: it
	 * records those it made and claims nothing; it catches up next. */
	s->stale = g.generation != s->generation;
	bool eager = g.assignor != OFFLOG_ASSIGNOR_COOPERATIVE_STICKY;
	/* Kafka's eager barrier: no member takes partitions of a generation
	 * until every member has given up what it owned before it; then each
	 * takes its whole target at once. (The tend above removed the members
	 * whose session expired: the barrier never waits for a dead one.) */
	bool may_claim = !s->stale && (!eager || group_barrier(all, n, s->id, s->generation));
	bool complete;
	uint32_t k = sync_claim(s, all, n, me, may_claim, eager, owned, &complete);
	tp_sort(owned, k);
	free(me->owned);
	me->owned = owned;
	me->nowned = k;
	if (s->generation > me->generation)
		me->generation = s->generation;
	me->poll_ms = now;
	rc = member_put(t, s->group, me);
	if (rc == 0 && k > 0) {
		s->owned = malloc(k * sizeof *s->owned);
		if (!s->owned)
			rc = ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
		else
			memcpy(s->owned, owned, k * sizeof *owned);
	}
	s->nowned = rc == 0 ? k : 0;
	s->complete = complete && !s->stale;
	members_free(all, n);
	return rc;
}

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
 * target with the group's assignor (group_assign.c), and bumps the
 * generation. Members then catch up on their own, in their poll: they give
 * up (revoke) what they own outside their target (everything, with the
 * eager assignors), record that they did (member.generation), and take
 * (claim) their target. With cooperative-sticky a member claims each target
 * partition once no other member owns it; with the eager assignors, as in
 * Kafka's eager protocol, it claims its whole target at once, and only
 * after every member that owns anything has made its revocations for the
 * generation (the barrier). A claim made for a generation older than the
 * group's is refused: the target is then a newer generation's, whose
 * revocations the member has not made. Since a claim checks the owners in
 * the same transaction that records it, a partition never has two owners;
 * a member that expired is removed before its partitions are claimed.
 *
 * Keys: group, NUL, 'g' for the state; group, NUL, 'm', member id for a
 * member. Records are little-endian with a format byte first.
 */
#include "group.h"

#include "clock.h"
#include "codec.h"
#include "db.h"
#include "names.h"
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

/* Strings are stored as a length byte, then the bytes. */
static void write_str(ol_wr *w, const char *s)
{
	size_t n = strlen(s);
	wr_u8(w, (uint8_t)n);
	wr_bytes(w, s, n);
}

/* A string of at most max bytes into buf (max + 1 bytes). */
static void read_str(ol_rd *r, char *buf, size_t max)
{
	size_t n = rd_u8(r);
	const uint8_t *b = n <= max ? rd_bytes(r, n) : NULL;
	if (!b) {
		r->bad = true;
		buf[0] = 0;
		return;
	}
	memcpy(buf, b, n);
	buf[n] = 0;
}

int group_get(ol_txn *t, const char *group, ol_group *g)
{
	uint8_t k[GROUP_KEY_MAX];
	ol_val v;
	memset(g, 0, sizeof *g);
	int rc = db_get(t, T_GROUPS, k, group_key(k, group, 'g', NULL), &v);
	if (rc)
		return rc;
	ol_rd r = rd_of(v.p, v.n);
	uint8_t fmt = rd_u8(&r);
	int64_t generation = rd_i64(&r);
	uint8_t assignor = rd_u8(&r);
	uint64_t shape = rd_u64(&r);
	if (!rd_done(&r) || fmt != GROUP_FMT || assignor > OFFLOG_ASSIGNOR_COOPERATIVE_STICKY)
		return ol_err(OFFLOG_ECORRUPT, "state of group %s is damaged", group);
	g->generation = generation;
	g->assignor = assignor;
	g->shape = shape;
	return 0;
}

static int group_put(ol_txn *t, const char *group, const ol_group *g)
{
	uint8_t k[GROUP_KEY_MAX], v[GROUP_REC];
	ol_wr w = {v};
	wr_u8(&w, GROUP_FMT);
	wr_i64(&w, g->generation);
	wr_u8(&w, (uint8_t)g->assignor);
	wr_u64(&w, g->shape);
	return db_put(t, T_GROUPS, k, group_key(k, group, 'g', NULL), v, sizeof v);
}

void group_member_free(ol_member *m)
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

void group_members_free(ol_member *m, size_t n)
{
	for (size_t i = 0; m && i < n; i++)
		group_member_free(&m[i]);
	free(m);
}

/* The subscription: a count, then the names. false when out of memory. */
static bool read_topics(ol_rd *r, ol_member *m)
{
	uint32_t nt = rd_u32(r);
	if (nt == 0 || !rd_take(r, nt))   /* a name takes one byte at least */
		return true;
	if (!(m->topics = calloc(nt, sizeof *m->topics)))
		return false;
	for (; !r->bad && m->ntopics < nt; m->ntopics++) {
		char name[OFFLOG_NAME_MAX + 1];
		read_str(r, name, OFFLOG_NAME_MAX);
		if (!(m->topics[m->ntopics] = strdup(name))) {
			m->ntopics++;
			return false;
		}
	}
	return true;
}

/* A list of (topic id, partition): a count, then the pairs. false when
 * out of memory. */
static bool read_tps(ol_rd *r, ol_tp **out, uint32_t *n)
{
	*n = rd_u32(r);
	*out = NULL;
	if (r->bad || *n > OFFLOG_PARTITIONS_MAX * 16u || !rd_take(r, (size_t)*n * 8)) {
		r->bad = true;   /* damaged, which the caller reads in r: not out of memory */
		*n = 0;
		return true;
	}
	if (*n == 0)
		return true;
	if (!(*out = malloc(*n * sizeof **out)))
		return false;
	for (uint32_t i = 0; i < *n; i++) {
		(*out)[i].tid = rd_u32(r);
		(*out)[i].part = (int32_t)rd_u32(r);
	}
	return true;
}

static void write_tps(ol_wr *w, const ol_tp *list, uint32_t n)
{
	wr_u32(w, n);
	for (uint32_t i = 0; i < n; i++) {
		wr_u32(w, list[i].tid);
		wr_u32(w, (uint32_t)list[i].part);
	}
}

static int member_decode(ol_member *m, const char *group, const void *data, size_t len)
{
	ol_rd r = rd_of(data, len);
	memset(m, 0, sizeof *m);
	if (rd_u8(&r) != MEMBER_FMT)
		r.bad = true;
	m->pid = rd_u32(&r);
	m->heartbeat_ms = rd_i64(&r);
	m->poll_ms = rd_i64(&r);
	m->session_ms = rd_u32(&r);
	m->max_poll_ms = rd_u32(&r);
	m->generation = rd_i64(&r);
	read_str(&r, m->id, OL_MEMBER_ID_MAX);
	read_str(&r, m->instance, OFFLOG_GROUP_MAX);
	bool ok = read_topics(&r, m) && read_tps(&r, &m->target, &m->ntarget) &&
	          read_tps(&r, &m->owned, &m->nowned);
	if (!ok || !rd_done(&r)) {
		group_member_free(m);
		if (!ok)
			return ol_err(OFFLOG_ENOMEM, "out of memory reading group %s", group);
		return ol_err(OFFLOG_ECORRUPT, "a member record of group %s is damaged", group);
	}
	return 0;
}

static size_t member_size(const ol_member *m)
{
	size_t len = 1 + 4 + 8 + 8 + 4 + 4 + 8 + 1 + strlen(m->id) + 1 + strlen(m->instance) + 4 +
	             4 + (size_t)m->ntarget * 8 + 4 + (size_t)m->nowned * 8;
	for (uint32_t i = 0; i < m->ntopics; i++)
		len += 1 + strlen(m->topics[i]);
	return len;
}

int group_member_put(ol_txn *t, const char *group, const ol_member *m)
{
	uint8_t k[GROUP_KEY_MAX];
	void *out;
	int rc = db_reserve(t, T_GROUPS, k, group_key(k, group, 'm', m->id), member_size(m), false, &out);
	if (rc)
		return rc;
	ol_wr w = {out};
	wr_u8(&w, MEMBER_FMT);
	wr_u32(&w, m->pid);
	wr_i64(&w, m->heartbeat_ms);
	wr_i64(&w, m->poll_ms);
	wr_u32(&w, m->session_ms);
	wr_u32(&w, m->max_poll_ms);
	wr_i64(&w, m->generation);
	write_str(&w, m->id);
	write_str(&w, m->instance);
	wr_u32(&w, m->ntopics);
	for (uint32_t i = 0; i < m->ntopics; i++)
		write_str(&w, m->topics[i]);
	write_tps(&w, m->target, m->ntarget);
	write_tps(&w, m->owned, m->nowned);
	return 0;
}

static int member_del(ol_txn *t, const char *group, const char *id)
{
	uint8_t k[GROUP_KEY_MAX];
	int rc = db_del(t, T_GROUPS, k, group_key(k, group, 'm', id));
	return rc == 1 ? 0 : rc;
}

int group_member_get(ol_txn *t, const char *group, const char *id, ol_member *m)
{
	uint8_t k[GROUP_KEY_MAX];
	ol_val v;
	memset(m, 0, sizeof *m);
	int rc = db_get(t, T_GROUPS, k, group_key(k, group, 'm', id), &v);
	if (rc)
		return rc;
	return member_decode(m, group, v.p, v.n);
}

/* Room for one more member in *out (cap of them). */
static int members_grow(ol_member **out, size_t n, size_t *cap, const char *group)
{
	if (n < *cap)
		return 0;
	ol_member *m = *cap < MEMBERS_MAX ? realloc(*out, (*cap = *cap ? 2 * *cap : 8) * sizeof *m) : NULL;
	if (!m)
		return ol_err(OFFLOG_ENOMEM, "group %s: out of memory or too many members", group);
	*out = m;
	return 0;
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
		if ((rc = members_grow(out, *n, &cap, group)) != 0 ||
		    (rc = member_decode(&(*out)[*n], group, val.p, val.n)) != 0)
			break;
		++*n;
	}
	db_cursor_close(&c);
	if (rc < 0) {
		group_members_free(*out, *n);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

int group_drop(ol_txn *t, const char *group)
{
	uint8_t k[GROUP_KEY_MAX];
	size_t klen = group_key(k, group, 'g', NULL) - 1;   /* group, NUL: every kind */
	return db_del_prefix(t, T_GROUPS, k, klen, NULL, NULL);
}

/* A group whose members all left keeps its state record, so that the
 * generation goes on when one joins again, but is listed only while it has
 * members (or committed offsets, which commit.c lists). */
int group_each(ol_txn *t, group_name_fn fn, void *arg)
{
	ol_cursor c;
	ol_val key;
	uint8_t k[GROUP_KEY_MAX];
	char name[OFFLOG_GROUP_MAX + 1];
	int rc = db_cursor_open(&c, t, T_GROUPS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &key, NULL); rc == 0;) {
		if (!ol_key_group(key.p, key.n, name)) {
			rc = ol_err(OFFLOG_ECORRUPT, "a key of group state is damaged");
			break;
		}
		size_t g = strlen(name);
		size_t klen = group_key(k, name, 'm', NULL);
		rc = db_cursor_seek(&c, k, klen, &key, NULL);   /* is there a member record? */
		bool listed = rc == 0 && key.n > klen && memcmp(key.p, k, klen) == 0;
		if (rc < 0 || (listed && (rc = fn(arg, name)) != 0))
			break;
		k[g] = 1;   /* the first key after every key of this group */
		rc = db_cursor_seek(&c, k, g + 1, &key, NULL);
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

/* ---- membership rules --------------------------------------------------- */

bool group_member_live(const ol_member *m, int64_t now)
{
	return now - m->heartbeat_ms <= (int64_t)m->session_ms &&
	       now - m->poll_ms <= (int64_t)m->max_poll_ms;
}

bool group_member_owns(const ol_member *m, uint32_t tid, int32_t part)
{
	return tp_in(m->owned, m->nowned, tid, part);
}

/* The live members, in the assignors' order. */
static ol_member **live_sorted(ol_member *all, size_t n, int64_t now, size_t *nm)
{
	ol_member **m = malloc((n ? n : 1) * sizeof *m);
	*nm = 0;
	if (!m)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (group_member_live(&all[i], now))
			m[(*nm)++] = &all[i];
	group_assign_order(m, *nm);
	return m;
}

/* Member i's new target: the partitions of u given to it (count of them),
 * sorted, so that lookups in stored lists are binary searches. */
static int put_target(ol_txn *t, const char *group, ol_member *m, int i, size_t count,
                      const ol_upart *u, size_t nu)
{
	ol_tp *target = count ? malloc(count * sizeof *target) : NULL;
	if (count && !target)
		return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	uint32_t k = 0;
	for (size_t j = 0; j < nu; j++)
		if (u[j].owner == i)
			target[k++] = (ol_tp){u[j].tid, u[j].part};
	tp_sort(target, k);
	free(m->target);
	m->target = target;
	m->ntarget = k;
	return group_member_put(t, group, m);
}

/* Compute every live member's new target and write the records. */
static int rebalance(ol_txn *t, const char *group, ol_group *g, ol_member **m, size_t nm,
                     ol_upart *u, size_t nu)
{
	size_t *count = calloc(nm ? nm : 1, sizeof *count);
	if (!count)
		return ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	group_assign(g->assignor, m, nm, u, nu, count);
	int rc = 0;
	for (size_t i = 0; i < nm && rc == 0; i++)
		rc = put_target(t, group, m[i], (int)i, count[i], u, nu);
	free(count);
	g->generation++;
	return rc ? rc : group_put(t, group, g);
}

int group_tend(ol_txn *t, const char *group, bool force, int assignor)
{
	ol_group g;
	ol_member *all;
	size_t n, nm, nu;
	ol_upart *u = NULL;
	uint64_t shape;
	int64_t now = ol_now_ms();
	int rc = group_get(t, group, &g);
	if (rc < 0 || (rc = group_members(t, group, &all, &n)) != 0)
		return rc;
	if (assignor >= 0)
		g.assignor = assignor;
	bool removed = false;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!group_member_live(&all[i], now)) {
			rc = member_del(t, group, all[i].id);
			removed = true;
		}
	ol_member **m = rc ? NULL : live_sorted(all, n, now, &nm);
	if (rc == 0 && !m)
		rc = ol_err(OFFLOG_ENOMEM, "rebalance: out of memory");
	if (rc == 0)
		rc = group_universe(t, m, nm, &u, &nu, &shape);
	if (rc == 0 && (force || removed || shape != g.shape)) {
		g.shape = shape;
		rc = rebalance(t, group, &g, m, nm, u, nu);
	}
	free(u);
	free(m);
	group_members_free(all, n);
	return rc;
}

int group_fence(ol_txn *t, const char *group, const char *id, int64_t generation, const ol_tp *tps,
                size_t n)
{
	ol_member me;
	int rc = group_member_get(t, group, id, &me);
	if (rc == 1)
		return ol_err(OFFLOG_EFENCED, "member %s is no longer in group %s", id, group);
	if (rc)
		return rc;
	/* Kafka's ILLEGAL_GENERATION: the member caught up with a rebalance
	 * since the generation was taken (gone: UNKNOWN_MEMBER_ID, above). */
	if (generation != OL_GENERATION_ANY && me.generation != generation)
		rc = ol_err(OFFLOG_EFENCED, "member %s of group %s holds generation %lld, not %lld", id,
		            group, (long long)me.generation, (long long)generation);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!group_member_owns(&me, tps[i].tid, tps[i].part)) {
			char name[OFFLOG_NAME_MAX + 1];
			if (topic_name_of(t, tps[i].tid, name, sizeof name) != 0)
				snprintf(name, sizeof name, "topic id %u", tps[i].tid);
			rc = ol_err(OFFLOG_EFENCED, "member %s of group %s does not own %s/%d", id, group, name,
			            tps[i].part);
		}
	group_member_free(&me);
	return rc;
}

/* ---- the member side ---------------------------------------------------- */

static bool same_topics(const ol_member *a, const ol_member *b)
{
	if (a->ntopics != b->ntopics)
		return false;
	for (uint32_t i = 0; i < a->ntopics; i++)
		if (!group_member_subscribes(b, a->topics[i]))
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
		if (strcmp(old->instance, me->instance) != 0 || !group_member_live(old, now))
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
	group_members_free(all, n);
	if (rc == 0)
		rc = group_member_put(t, j->group, me);
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
	int rc = group_member_get(t, b->group, b->id, &me);
	if (rc == 1) {
		b->lost = true;
		return 0;
	}
	if (rc)
		return rc;
	me.heartbeat_ms = ol_now_ms();
	if (b->poll_ms > me.poll_ms)
		me.poll_ms = b->poll_ms;
	rc = group_member_put(t, b->group, &me);
	group_member_free(&me);
	return rc ? rc : group_tend(t, b->group, false, -1);
}

/* The eager assignors' barrier: every member of all[] but `id` has made
 * its revocations for `generation`, or owns nothing. A member that owns
 * nothing has nothing to revoke: it does not hold the others up (one that
 * joined and has not polled yet, say), and the claims it may still try for
 * an older generation are refused as stale. */
static bool group_barrier(const ol_member *all, size_t n, const char *id, int64_t generation)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(all[i].id, id) != 0 && all[i].generation < generation && all[i].nowned > 0)
			return false;
	return true;
}

/* A member that waits (see member.c) syncs again once the barrier is
 * passed, or when a member's session expired: the sync removes it (a new
 * generation starts), so that the group does not wait for a dead member. */
bool group_barrier_moved(const ol_member *all, size_t n, const char *id, int64_t generation,
                         int64_t now)
{
	for (size_t o = 0; o < n; o++)
		if (strcmp(all[o].id, id) != 0 && !group_member_live(&all[o], now))
			return true;
	return group_barrier(all, n, id, generation);
}

bool group_member_claimable(const ol_member *all, size_t n, const ol_member *me, int64_t now)
{
	for (uint32_t i = 0; i < me->ntarget; i++) {
		ol_tp p = me->target[i];
		if (group_member_owns(me, p.tid, p.part))
			continue;
		bool taken = false;
		for (size_t o = 0; o < n && !taken; o++)
			taken = strcmp(all[o].id, me->id) != 0 && group_member_owns(&all[o], p.tid, p.part) &&
			        group_member_live(&all[o], now);
		if (!taken)
			return true;
	}
	return false;
}

/* May me take target partition p now? Not while another member owns it. */
static bool free_for(const ol_member *all, size_t n, const ol_member *me, ol_tp p)
{
	for (size_t o = 0; o < n; o++)
		if (&all[o] != me && group_member_owns(&all[o], p.tid, p.part))
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

/* Record that member me made its revocations for s->generation, and what
 * it owns after giving up s->revoked and claiming what it may now. */
static int sync_record(ol_txn *t, ol_sync *s, const ol_group *g, const ol_member *all, size_t n,
                       ol_member *me, int64_t now)
{
	ol_tp *owned = malloc(((size_t)me->nowned + me->ntarget + 1) * sizeof *owned);
	if (!owned)
		return ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
	/* The revocations were made for s->generation. When the tend before (or
	 * another member before it) started a newer one, the target is that
	 * generation's, whose revocations the member has not made yet: it
	 * records those it made and claims nothing; it catches up next. */
	s->stale = g->generation != s->generation;
	bool eager = g->assignor != OFFLOG_ASSIGNOR_COOPERATIVE_STICKY;
	/* Kafka's eager barrier: no member takes partitions of a generation
	 * until every member has given up what it owned before it; then each
	 * takes its whole target at once. (The tend before removed the members
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
	int rc = group_member_put(t, s->group, me);
	if (rc == 0 && k > 0) {
		s->owned = malloc(k * sizeof *s->owned);
		if (!s->owned)
			rc = ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
		else
			memcpy(s->owned, owned, k * sizeof *owned);
	}
	s->nowned = rc == 0 ? k : 0;
	s->complete = complete && !s->stale;
	return rc;
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
	if (rc == 0 && me)
		rc = sync_record(t, s, &g, all, n, me, now);
	group_members_free(all, n);
	return rc;
}

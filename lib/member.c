/*
 * member.c - a consumer as a member of its group: subscribe, the heartbeat
 * thread, catching up with rebalances in poll, leaving.
 *
 * The group's state and its rules live in group.c. Here the consumer keeps
 * what it believes it owns (`own`, with topic names) in step with its
 * member record: in poll it reads the group, and when the generation moved
 * or a target partition became free it gives up what it must (once its
 * asynchronous commits are written, after the auto-commit, with
 * on_revoked), records that and claims what it may in one
 * write transaction, then starts reading the claimed partitions (with
 * on_assigned). A member of an eager group that made its revocations waits,
 * polling without records, until the others made theirs. When a newer
 * generation started meanwhile, the claim is refused and the member catches
 * up with that one in the same poll. A member whose record vanished was
 * removed by the others: on_lost, then it joins again as a new member.
 *
 * The heartbeat thread only refreshes the member's heartbeat and last poll
 * time and, through group_tend, removes members that expired. It never runs
 * callbacks: those run on the consumer's thread, in poll.
 */
#include "clock.h"
#include "consumer.h"
#include "db.h"
#include "group.h"
#include "names.h"
#include "topic.h"
#include "wake.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define TOPICS_MAX 65535

typedef struct owned_tp {
	ol_tp tp;
	char *topic;
} owned_tp;

struct cmember {
	char id[OL_MEMBER_ID_MAX + 1];   /* written by the consumer's thread under mu */
	char **topics;
	size_t ntopics;
	int64_t generation;              /* last synchronised with, -1 before */
	owned_tp *own;
	size_t nown;
	bool stable;                     /* nothing to do until the next commit */
	bool fenced;                     /* a static member replaced by a newer one */
	uint64_t checked_seq;            /* the wake counter when found stable */
	atomic_bool lost;                /* set by the heartbeat thread */
	_Atomic int64_t last_poll_ms;    /* wall clock */
	pthread_t hb;
	bool hb_started;
	bool hb_stop;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void new_member_id(char *id)
{
	static atomic_uint counter;
	uint64_t r = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, &r, sizeof r) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^ (uint64_t)ts.tv_sec ^
		    (uint64_t)atomic_fetch_add(&counter, 1) << 48;
	}
	if (fd >= 0)
		close(fd);
	snprintf(id, OL_MEMBER_ID_MAX + 1, "m-%u-%016llx", (unsigned)getpid(), (unsigned long long)r);
}

const char *member_id_of(const offlog_consumer *c)
{
	return c->gm ? c->gm->id : NULL;
}

void member_note_poll(offlog_consumer *c)
{
	if (c->gm)
		atomic_store(&c->gm->last_poll_ms, ol_now_ms());
}

/* ---- callbacks ---------------------------------------------------------- */

static void call(offlog_consumer *c, offlog_rebalance_cb cb, const offlog_topic_partition *tps,
                 size_t n)
{
	if (cb && n > 0)
		cb(c->opts.rebalance_opaque, c, tps, n);
}

/* The own entries selected by keep[i], as topic-partitions. */
static offlog_topic_partition *as_tps(const struct cmember *gm, const bool *keep, size_t *n)
{
	offlog_topic_partition *tps = malloc((gm->nown ? gm->nown : 1) * sizeof *tps);
	*n = 0;
	for (size_t i = 0; tps && i < gm->nown; i++)
		if (!keep || keep[i])
			tps[(*n)++] = (offlog_topic_partition){gm->own[i].topic, gm->own[i].tp.part};
	return tps;
}

/* Drop the own entries selected by drop[i] (all with NULL) from the member
 * and from the consumer's partitions. Allocates nothing. */
static void own_drop(offlog_consumer *c, const bool *drop)
{
	struct cmember *gm = c->gm;
	size_t n;
	offlog_topic_partition *tps = as_tps(gm, drop, &n);
	if (tps)   /* all at once; without memory, one at a time */
		consumer_parts_remove(c, tps, n);
	free(tps);
	size_t k = 0;
	for (size_t i = 0; i < gm->nown; i++) {
		if (!drop || drop[i]) {
			if (!tps) {
				offlog_topic_partition tp = {gm->own[i].topic, gm->own[i].tp.part};
				consumer_parts_remove(c, &tp, 1);
			}
			free(gm->own[i].topic);
		} else {
			gm->own[k++] = gm->own[i];
		}
	}
	gm->nown = k;
}

/* Give up partitions: commit first (auto-commit), then on_revoked. The
 * asynchronous commits made while the member owned them land first: after
 * the partitions are given up they would be fenced, or, were the member
 * given them back, land after it resumed below them. */
static void revoke(offlog_consumer *c, const bool *which)
{
	size_t n;
	offlog_topic_partition *tps = as_tps(c->gm, which, &n);
	if (n > 0)
		async_wait(c);   /* OFFLOG_ETXN: the sync below fails the same way */
	if (n > 0 && consumer_auto_commit_on(c))
		consumer_commit_positions(c);   /* a failure must not stop the rebalance */
	if (tps)
		call(c, c->opts.on_revoked, tps, n);
	free(tps);
	own_drop(c, which);
}

/* ---- joining and leaving ------------------------------------------------ */

static void member_fill(ol_member *m, const offlog_consumer *c)
{
	memset(m, 0, sizeof *m);
	snprintf(m->id, sizeof m->id, "%s", c->gm->id);
	snprintf(m->instance, sizeof m->instance, "%s", c->instance ? c->instance : "");
	m->pid = (uint32_t)getpid();
	m->session_ms = c->opts.session_timeout_ms;
	m->max_poll_ms = c->opts.max_poll_interval_ms;
	m->topics = c->gm->topics;
	m->ntopics = (uint32_t)c->gm->ntopics;
}

static int join(offlog_consumer *c)
{
	struct cmember *gm = c->gm;
	ol_member me;
	pthread_mutex_lock(&gm->mu);
	new_member_id(gm->id);
	pthread_mutex_unlock(&gm->mu);
	member_fill(&me, c);
	ol_join j = {c->group, &me, c->opts.assignor, false};
	int rc = ol_write(c->env, group_join_fn, &j);
	/* The topics belong to gm; target and owned, if taken over, to me. */
	free(me.target);
	free(me.owned);
	gm->generation = -1;
	gm->stable = false;
	atomic_store(&gm->lost, false);
	atomic_store(&gm->last_poll_ms, ol_now_ms());
	return rc;
}

/* Removed by the others: the partitions are lost, not revoked; join again. */
static int rejoin_after_loss(offlog_consumer *c)
{
	own_drop(c, NULL);
	return join(c);
}

static void *heartbeat_main(void *arg)
{
	offlog_consumer *c = arg;
	struct cmember *gm = c->gm;
	pthread_mutex_lock(&gm->mu);
	while (!gm->hb_stop) {
		struct timespec ts =
		    ol_deadline(CLOCK_MONOTONIC, (int64_t)c->opts.heartbeat_interval_ms * 1000);
		while (!gm->hb_stop && pthread_cond_timedwait(&gm->cv, &gm->mu, &ts) == 0)
			;
		if (gm->hb_stop)
			break;
		char id[OL_MEMBER_ID_MAX + 1];
		memcpy(id, gm->id, sizeof id);
		pthread_mutex_unlock(&gm->mu);
		ol_beat b = {c->group, id, atomic_load(&gm->last_poll_ms), false};
		int rc = ol_write(c->env, group_heartbeat_fn, &b);
		pthread_mutex_lock(&gm->mu);
		/* Lost only if the consumer has not joined again meanwhile. */
		if (rc == 0 && b.lost && !strcmp(id, gm->id))
			atomic_store(&gm->lost, true);
	}
	pthread_mutex_unlock(&gm->mu);
	return NULL;
}

static void topics_free(char **topics, size_t n)
{
	for (size_t i = 0; topics && i < n; i++)
		free(topics[i]);
	free(topics);
}

static void stop_heartbeat(struct cmember *gm)
{
	if (!gm->hb_started)
		return;
	pthread_mutex_lock(&gm->mu);
	gm->hb_stop = true;
	pthread_cond_signal(&gm->cv);
	pthread_mutex_unlock(&gm->mu);
	pthread_join(gm->hb, NULL);
	gm->hb_started = false;
}

/* The membership's memory; its lock and condition are the caller's. */
static void cmember_free(offlog_consumer *c)
{
	struct cmember *gm = c->gm;
	for (size_t i = 0; i < gm->nown; i++)
		free(gm->own[i].topic);
	free(gm->own);
	topics_free(gm->topics, gm->ntopics);
	free(gm);
	c->gm = NULL;
}

static void member_free_all(offlog_consumer *c)
{
	stop_heartbeat(c->gm);
	pthread_mutex_destroy(&c->gm->mu);
	pthread_cond_destroy(&c->gm->cv);
	cmember_free(c);
}

static int check_topics(const char *const *topics, size_t n, char ***out)
{
	int rc = 0;
	if (n > TOPICS_MAX)
		return ol_err(OFFLOG_EINVAL, "%zu topics: at most %d", n, TOPICS_MAX);
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = ol_check_topic_name(topics[i]);
		for (size_t j = 0; j < i && rc == 0; j++)
			if (!strcmp(topics[i], topics[j]))
				rc = ol_err(OFFLOG_EINVAL, "topic %s appears twice in the subscription", topics[i]);
	}
	if (rc)
		return rc;
	char **copy = calloc(n, sizeof *copy);
	for (size_t i = 0; copy && i < n; i++)
		if (!(copy[i] = strdup(topics[i]))) {
			topics_free(copy, n);
			copy = NULL;
		}
	if (!copy)
		return ol_err(OFFLOG_ENOMEM, "subscribe: out of memory");
	*out = copy;
	return 0;
}

typedef struct resub {
	const char *group;
	const char *id;
	char **topics;
	uint32_t ntopics;
	bool lost;
} resub;

static int resubscribe_fn(ol_txn *t, void *arg)
{
	resub *r = arg;
	ol_member me;
	int rc = group_member_get(t, r->group, r->id, &me);
	r->lost = rc == 1;
	if (rc)
		return rc == 1 ? 0 : rc;
	topics_free(me.topics, me.ntopics);
	me.topics = r->topics;
	me.ntopics = r->ntopics;
	rc = group_member_put(t, r->group, &me);
	me.topics = NULL;
	me.ntopics = 0;
	group_member_free(&me);
	return rc ? rc : group_tend(t, r->group, true, -1);
}

static int unsubscribe(offlog_consumer *c);

/* A new subscription of a member: the group rebalances. Takes topics. */
static int resubscribe(offlog_consumer *c, char **topics, size_t count)
{
	struct cmember *gm = c->gm;
	resub r = {c->group, gm->id, topics, (uint32_t)count, false};
	int rc = ol_write(c->env, resubscribe_fn, &r);
	if (rc) {
		topics_free(topics, count);
		return rc;
	}
	topics_free(gm->topics, gm->ntopics);
	gm->topics = topics;
	gm->ntopics = count;
	gm->stable = false;
	if (r.lost)
		atomic_store(&gm->lost, true);
	return 0;
}

/* Join the group and start the heartbeat thread. Takes topics. */
static int member_start(offlog_consumer *c, char **topics, size_t count)
{
	struct cmember *gm = calloc(1, sizeof *gm);
	if (!gm) {
		topics_free(topics, count);
		return ol_err(OFFLOG_ENOMEM, "subscribe: out of memory");
	}
	pthread_mutex_init(&gm->mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gm->cv, &ca);
	pthread_condattr_destroy(&ca);
	gm->topics = topics;
	gm->ntopics = count;
	atomic_init(&gm->lost, false);
	atomic_init(&gm->last_poll_ms, ol_now_ms());
	c->gm = gm;
	int rc = join(c);
	if (rc) {
		member_free_all(c);
		return rc;
	}
	if (pthread_create(&gm->hb, NULL, heartbeat_main, c) != 0) {
		ol_leave l = {c->group, gm->id};
		ol_write(c->env, group_leave_fn, &l);
		member_free_all(c);
		return ol_err(OFFLOG_ENOMEM, "subscribe: cannot start the heartbeat thread");
	}
	gm->hb_started = true;
	return 0;
}

static int subscribe(offlog_consumer *c, const char *const *topics, size_t count)
{
	if (consumer_nested(c))
		return ol_err(OFFLOG_ESTATE, "offlog_consumer_subscribe: called from a callback of the consumer");
	if (!c->group)
		return ol_err(OFFLOG_ESTATE, "the consumer has no group: open it with one to subscribe");
	if (c->manual)
		return ol_err(OFFLOG_ESTATE, "partitions are assigned manually: assign none first");
	if (count == 0)
		return unsubscribe(c);
	char **copy = NULL;
	int rc = check_topics(topics, count, &copy);
	if (rc)
		return rc;
	return c->gm ? resubscribe(c, copy, count) : member_start(c, copy, count);
}

OFFLOG_API int offlog_consumer_subscribe(offlog_consumer *c, const char *const *topics,
                                         size_t count)
{
	if (!c || (!topics && count))
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_subscribe: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_subscribe");
	if (rc)
		return rc;
	rc = subscribe(c, topics, count);
	return consumer_leave_changed(c, rc);
}

/* Revoke everything and leave. When the leave cannot be written, an
 * unsubscribe fails and stays a member (it may be retried); a close gives
 * up, and the others remove the member when its session expires. */
static int leave(offlog_consumer *c, bool closing)
{
	struct cmember *gm = c->gm;
	revoke(c, NULL);
	ol_leave l = {c->group, gm->id};
	int rc = ol_write(c->env, group_leave_fn, &l);
	if (rc && !closing) {
		gm->stable = false;
		return rc;
	}
	member_free_all(c);
	return rc;
}

static int unsubscribe(offlog_consumer *c)
{
	if (consumer_nested(c))
		return ol_err(OFFLOG_ESTATE,
		              "offlog_consumer_unsubscribe: called from a callback of the consumer");
	return c->gm ? leave(c, false) : 0;
}

OFFLOG_API int offlog_consumer_unsubscribe(offlog_consumer *c)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_unsubscribe: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_unsubscribe");
	if (rc)
		return rc;
	rc = unsubscribe(c);
	return consumer_leave(c, rc);
}

int member_close(offlog_consumer *c)
{
	if (!c->gm)
		return 0;
	if (!c->instance)
		return leave(c, true);
	/* A static member stays in the group until its session expires. */
	own_drop(c, NULL);
	member_free_all(c);
	return 0;
}

/* The lock and condition may be held or waited on by the parent's threads:
 * they are not destroyed. */
void member_forget(offlog_consumer *c)
{
	if (c->gm)
		cmember_free(c);
}

OFFLOG_API int offlog_consumer_member(const char **member_id, int64_t *generation,
                                      offlog_consumer *c)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_member: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_member");
	if (rc)
		return rc;
	if (member_id)
		*member_id = c->gm ? c->gm->id : "";
	if (generation)
		*generation = c->gm ? c->gm->generation : -1;
	return consumer_leave(c, 0);
}

/* ---- catching up in poll ------------------------------------------------ */

/* gm->own is kept sorted by partition (tp_cmp): lookups are binary
 * searches, so a member of many partitions does not take quadratic time. */
static int own_cmp(const void *a, const void *b)
{
	return tp_cmp(&((const owned_tp *)a)->tp, &((const owned_tp *)b)->tp);
}

/* The index of tp among the first n entries of gm->own, or (size_t)-1. */
static size_t own_find_n(const struct cmember *gm, size_t n, ol_tp tp)
{
	owned_tp k = {tp, NULL};
	const owned_tp *e = n ? bsearch(&k, gm->own, n, sizeof k, own_cmp) : NULL;
	return e ? (size_t)(e - gm->own) : (size_t)-1;
}

static size_t own_find(const struct cmember *gm, ol_tp tp)
{
	return own_find_n(gm, gm->nown, tp);
}

static bool same_set(const ol_tp *a, uint32_t na, const ol_tp *b, uint32_t nb)
{
	if (na != nb)
		return false;
	for (uint32_t i = 0; i < na; i++)
		if (!tp_in(b, nb, a[i].tid, a[i].part))
			return false;
	return true;
}

/* What the group says, read in one snapshot: its state and this member's
 * record, and the other members only when needed (`all`). */
typedef struct view {
	ol_group g;
	ol_member mine;
	bool found;
	ol_member *all;
	size_t n;
} view;

static int read_view(offlog_consumer *c, view *v, bool all)
{
	ol_txn t;
	memset(v, 0, sizeof *v);
	int rc = db_read_begin(&t, c->env);
	if (rc)
		return rc;
	rc = group_get(&t, c->group, &v->g);
	if (rc >= 0)
		rc = group_member_get(&t, c->group, c->gm->id, &v->mine);
	v->found = rc == 0;
	if (rc == 1)
		rc = 0;
	if (rc == 0 && all && v->found)
		rc = group_members(&t, c->group, &v->all, &v->n);
	db_abort(&t);
	return rc;
}

static void view_free(view *v)
{
	group_member_free(&v->mine);
	group_members_free(v->all, v->n);
	v->all = NULL;
	v->n = 0;
}

/* Take the partitions the sync gave: names looked up, positions unknown. */
static int take_owned(offlog_consumer *c, const ol_sync *s)
{
	struct cmember *gm = c->gm;
	bool *gone = calloc(gm->nown + s->nowned + 1, sizeof *gone);
	owned_tp *grown = realloc(gm->own, (gm->nown + s->nowned + 1) * sizeof *grown);
	offlog_topic_partition *added = malloc((s->nowned + 1) * sizeof *added);
	ol_txn t;
	int rc = gone && grown && added ? 0 : ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
	if (grown)
		gm->own = grown;
	if (rc == 0 && (rc = db_read_begin(&t, c->env)) == 0) {
		for (size_t i = 0; i < gm->nown; i++)
			gone[i] = !tp_in(s->owned, s->nowned, gm->own[i].tp.tid, gm->own[i].tp.part);
		size_t before = gm->nown, nadded = 0;
		for (uint32_t i = 0; i < s->nowned && rc == 0; i++) {
			char name[OFFLOG_NAME_MAX + 1];
			if (own_find_n(gm, before, s->owned[i]) != (size_t)-1)
				continue;
			int e = topic_name_of(&t, s->owned[i].tid, name, sizeof name);
			if (e == OFFLOG_ENOTOPIC)
				continue;   /* deleted meanwhile: the next rebalance drops it */
			if (e || !(gm->own[gm->nown].topic = strdup(name))) {
				rc = e ? e : ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
				break;
			}
			gm->own[gm->nown].tp = s->owned[i];
			added[nadded++] = (offlog_topic_partition){gm->own[gm->nown].topic, s->owned[i].part};
			gm->nown++;
		}
		db_abort(&t);
		if (rc == 0)
			rc = consumer_parts_add(c, added, nadded);
		if (rc == 0) {
			own_drop(c, gone);   /* the added entries' flags are false */
			if (gm->nown > 1)
				qsort(gm->own, gm->nown, sizeof *gm->own, own_cmp);
			call(c, c->opts.on_assigned, added, nadded);
		}
	}
	free(gone);
	free(added);
	return rc;
}

/* Has another live member taken this static member's instance id? */
static int replaced(offlog_consumer *c, bool *yes)
{
	ol_txn t;
	ol_member *all;
	size_t n;
	int64_t now = ol_now_ms();
	*yes = false;
	int rc = db_read_begin(&t, c->env);
	if (rc)
		return rc;
	rc = group_members(&t, c->group, &all, &n);
	db_abort(&t);
	for (size_t i = 0; rc == 0 && i < n; i++)
		*yes |= !strcmp(all[i].instance, c->instance) && strcmp(all[i].id, c->gm->id) != 0 &&
		        group_member_live(&all[i], now);
	if (rc == 0)
		group_members_free(all, n);
	return rc;
}

static int fenced_error(const offlog_consumer *c)
{
	return ol_err(OFFLOG_EFENCED,
	              "another member of group %s joined with group_instance_id %s: this one is fenced",
	              c->group, c->instance);
}

/* Removed by the others: on_lost; a static member whose instance id
 * another member took is fenced for good, any other joins again. */
static int member_lost(offlog_consumer *c)
{
	struct cmember *gm = c->gm;
	offlog_topic_partition *tps;
	size_t n;
	bool taken = false;
	int rc = c->instance ? replaced(c, &taken) : 0;
	if (rc)
		return rc;
	if ((tps = as_tps(gm, NULL, &n)) != NULL)
		call(c, c->opts.on_lost, tps, n);
	free(tps);
	if (taken) {   /* as Kafka's fenced instance id: fatal for this consumer */
		own_drop(c, NULL);
		gm->fenced = true;
		return fenced_error(c);
	}
	return rejoin_after_loss(c);
}

/* One look at the group, and what it calls for. */
typedef struct step {
	bool sync;            /* write a sync: give up `give`, claim what may be */
	bool eager;
	int64_t generation;   /* the group's, as read */
	ol_tp *give;          /* what to give up now */
	size_t ngive;
	bool *cb;             /* the own entries given up, for on_revoked */
} step;

static void step_free(step *st)
{
	free(st->give);
	free(st->cb);
	st->give = NULL;
	st->cb = NULL;
}

/* What to give up: everything at a new generation with an eager assignor
 * (`all`), else what is outside the target. */
static int step_give(const struct cmember *gm, const ol_member *me, bool all, step *st)
{
	st->give = malloc(((size_t)me->nowned + 1) * sizeof *st->give);
	st->cb = calloc(gm->nown + 1, sizeof *st->cb);
	if (!st->give || !st->cb) {
		step_free(st);
		return ol_err(OFFLOG_ENOMEM, "group sync: out of memory");
	}
	for (uint32_t i = 0; i < me->nowned; i++) {
		ol_tp p = me->owned[i];
		if (all || !tp_in(me->target, me->ntarget, p.tid, p.part)) {
			st->give[st->ngive++] = p;
			size_t k = own_find(gm, p);
			if (k != (size_t)-1)
				st->cb[k] = true;
		}
	}
	return 0;
}

/* Does the consumer read exactly what the record says it owns? */
static bool own_in_step(const struct cmember *gm, const ol_member *me)
{
	bool in_step = gm->nown == me->nowned;
	for (size_t i = 0; in_step && i < gm->nown; i++)
		in_step = group_member_owns(me, gm->own[i].tp.tid, gm->own[i].tp.part);
	return in_step;
}

/* Decide from the view whether to sync; when not, note how far the member
 * is in step. A member with nothing to write that does not own its whole
 * target waits (for others to give up partitions, or for the barrier): the
 * view is read again with every member, to see whether that changed. */
static int step_decide(offlog_consumer *c, view *v, int64_t now, uint64_t seq, step *st)
{
	struct cmember *gm = c->gm;
	const ol_member *me = &v->mine;
	bool new_gen = me->generation < v->g.generation;
	st->eager = v->g.assignor != OFFLOG_ASSIGNOR_COOPERATIVE_STICKY;
	int rc = step_give(gm, me, st->eager && new_gen, st);
	if (rc)
		return rc;
	bool complete = same_set(me->owned, me->nowned, me->target, me->ntarget);
	st->sync = st->ngive > 0 || new_gen || !own_in_step(gm, me);
	if (!st->sync && !complete) {
		view_free(v);
		if ((rc = read_view(c, v, true)) != 0 || !v->found)
			return rc;   /* gone meanwhile: the next poll finds out */
		me = &v->mine;
		st->sync = st->eager ? group_barrier_moved(v->all, v->n, me->id, v->g.generation, now)
		                     : group_member_claimable(v->all, v->n, me, now);
	}
	st->generation = v->g.generation;
	if (st->sync)
		return 0;
	/* With an eager assignor, a member waiting at the barrier still holds
	 * (nothing of) the previous generation's assignment. */
	if (complete || !st->eager)
		gm->generation = me->generation;
	gm->stable = complete;
	gm->checked_seq = seq;
	return 0;
}

/* Give up what the generation takes away (on_revoked), record that and
 * take what it gives (one write), then on_assigned. *again when a newer
 * generation started meanwhile. */
static int step_sync(offlog_consumer *c, const step *st, bool *again)
{
	struct cmember *gm = c->gm;
	if (st->ngive > 0)
		revoke(c, st->cb);
	ol_sync s = {c->group, gm->id, st->generation, st->give, st->ngive, false, NULL, 0, false, false};
	int rc = ol_write(c->env, group_sync_fn, &s);
	gm->stable = false;   /* the next poll confirms it */
	if (rc == 0 && s.lost) {
		atomic_store(&gm->lost, true);
		*again = true;
	} else if (rc == 0) {
		/* on_assigned sees the generation whose assignment it gives. */
		if (!s.stale && (s.complete || !st->eager))
			gm->generation = st->generation;
		rc = take_owned(c, &s);
		*again = s.stale;
	}
	free(s.owned);
	return rc;
}

/* One round of catching up with the group. *again when it must go on: a
 * newer generation started meanwhile, or the member was found lost. */
static int catch_up(offlog_consumer *c, bool *again)
{
	struct cmember *gm = c->gm;
	int64_t now = ol_now_ms();
	*again = false;
	uint64_t seq = ol_wake_seq(c->env);
	/* Other processes' commits move the counter only with the shared page. */
	if (gm->stable && seq == gm->checked_seq && ol_wake_shared(c->env))
		return 0;
	view v;
	step st = {0};
	int rc = read_view(c, &v, false);
	if (rc == 0 && !v.found) {
		atomic_store(&gm->lost, true);
		*again = true;
	} else if (rc == 0) {
		rc = step_decide(c, &v, now, seq, &st);
	}
	view_free(&v);
	if (rc == 0 && st.sync)
		rc = step_sync(c, &st, again);
	step_free(&st);
	return rc;
}

/* A newer generation found while catching up is caught up with in the same
 * poll: a member taking over from a removed one gets its partitions once,
 * at the generation that gives them. Bounded: generations may keep coming. */
#define CATCH_UP_ROUNDS 4

int member_poll(offlog_consumer *c)
{
	struct cmember *gm = c->gm;
	int rc = 0;
	for (int round = 0; round < CATCH_UP_ROUNDS && rc == 0; round++) {
		if (gm->fenced)
			return fenced_error(c);
		if (atomic_load(&gm->lost))
			return member_lost(c);
		bool again;
		rc = catch_up(c, &again);
		if (!again)
			break;
	}
	return rc;
}

/*
 * write.c - the write transaction: the one way a change reaches the store.
 *
 * Every change runs as a function on an open write transaction (ol_write_fn)
 * and becomes durable the same way, whoever asked for it:
 *
 *   write_begin    LMDB's write transaction, then the prologue: in
 *                  NOMETASYNC the partitions the last commits appended to
 *                  are published (this commit's data sync makes them
 *                  durable); a full map is grown and the begin retried.
 *   (the changes)  appends, commits, group records, retention...
 *   write_finish   the epilogue (the store's byte count), LMDB's commit,
 *                  then what follows a commit: note unsynced data for the
 *                  flusher, hand the partitions appended to over to the
 *                  pending list, wake waiting consumers. Or, on an error,
 *                  abort: the store is as before.
 *
 * Three callers: ol_write (group commit, below), ol_write_solo (a change
 * alone in its transaction: flush, recount) and user transactions (txn.c,
 * which holds one open between offlog_txn_begin and offlog_txn_commit).
 *
 * Group commit. LMDB has one writer at a time and a durable commit costs a
 * sync, so threads that each commit alone wait for each other's syncs. Here
 * every write request is queued; the first thread to find no commit running
 * becomes the leader, takes the queue, runs all the requests in one write
 * transaction, commits once, and wakes their threads. Requests queued
 * meanwhile form the next group. A caller returns only when the transaction
 * holding its request has committed (and is durable per the mode).
 *
 * In SYNC mode a commit costs two syncs: the data pages', inside LMDB's
 * commit, and the meta page's (see db_commit). The leader hands the writer
 * role to the next group before the second one, so one group's meta sync
 * overlaps the next group's transaction and data sync; the group's threads
 * are released when their meta sync is done.
 *
 * Right after a big group commits, its threads are released together and
 * come back a moment later; a leader that started at once would take a
 * group of one. So a leader that finds far fewer requests queued than the
 * last group had waits, for at most half the last transaction's time, for
 * them to arrive. A lone writer never waits.
 *
 * Requests are isolated from each other: one that fails before writing
 * anything leaves the transaction to the others; one that fails after
 * writing (part of a batch) is dropped and the others are run again in a
 * fresh transaction; an LMDB failure fails the whole group, except a full
 * map, which grows the map and runs the group again. Each request function
 * therefore derives everything from the transaction it is given.
 */
#include "write.h"

#include "clock.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "wake.h"

#include <stdio.h>

#define GROUP_MAX 256   /* requests per transaction */

struct ol_req {
	ol_write_fn fn;
	void *arg;
	pthread_cond_t cv;  /* its thread waits here: woken when done, or to lead */
	int rc;
	bool done;
	bool taken;         /* in a group being run: its thread only waits for it */
	bool failed;
	char err[256];      /* the detail message, handed to the caller's thread */
	struct ol_req *next;
};

/* ---- the state this file keeps in the store handle ------------------------ */

void write_init(offlog_env *env)
{
	ol_group_commit *gc = &env->gc;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&gc->more, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&gc->mu, NULL);
	gc->tail = &gc->head;
	pthread_mutex_init(&env->pend.mu, NULL);
	atomic_init(&env->dirty, false);
}

void write_destroy(offlog_env *env)
{
	pthread_mutex_destroy(&env->gc.mu);
	pthread_cond_destroy(&env->gc.more);
	pthread_mutex_destroy(&env->pend.mu);
}

/* ---- the thread's open user transaction ---------------------------------- */

static _Thread_local offlog_env *thread_txn;

offlog_env *ol_thread_txn(void)
{
	return thread_txn;
}

void ol_thread_set_txn(offlog_env *env)
{
	thread_txn = env;
}

/* ---- begin and finish ----------------------------------------------------- */

/* NOMETASYNC: this commit's data sync makes the earlier commits durable, so
 * the partitions they appended to may publish their log end offsets,
 * visible once this commit is. */
static int prologue(ol_txn *t)
{
	ol_pending *pd = &t->env->pend;
	if (t->env->opts.durability != OFFLOG_DURABILITY_NOMETASYNC)
		return 0;
	pthread_mutex_lock(&pd->mu);
	memcpy(t->published, pd->list, pd->n * sizeof pd->list[0]);
	t->npublished = pd->n;
	t->published_all = pd->all;
	pthread_mutex_unlock(&pd->mu);
	if (t->npublished == 0 && !t->published_all)
		return 0;
	return log_publish(t, t->published, t->npublished, t->published_all);
}

int write_begin(ol_txn *t, offlog_env *env)
{
	for (;;) {
		int rc = db_write_begin(t, env);
		if (rc == 0 && (rc = prologue(t)) != 0)
			db_abort(t);
		/* Nothing of the caller's is in it yet: a full map can be grown
		 * and the transaction begun again. */
		if (rc != OFFLOG_EMAPFULL || (rc = db_map_grow(env)) != 0)
			return rc;
	}
}

static void pending_add(ol_pending *pd, const ol_pend *e)
{
	for (unsigned i = 0; i < pd->n; i++)
		if (pd->list[i].tid == e->tid && pd->list[i].part == e->part) {
			if (e->leo > pd->list[i].leo)
				pd->list[i].leo = e->leo;
			return;
		}
	if (pd->n < OL_PENDING_MAX)
		pd->list[pd->n++] = *e;
	else
		pd->all = true;
}

/* Drop what t published unless a later commit moved it on meanwhile. */
static void pending_drop(ol_pending *pd, const ol_pend *e)
{
	for (unsigned i = 0; i < pd->n; i++)
		if (pd->list[i].tid == e->tid && pd->list[i].part == e->part) {
			if (pd->list[i].leo <= e->leo)
				pd->list[i] = pd->list[--pd->n];
			return;
		}
}

/* After a commit of t: note unsynced data and what awaits publishing, wake
 * waiting consumers. */
static void committed(ol_txn *t)
{
	offlog_env *env = t->env;
	ol_pending *pd = &env->pend;
	if (ol_deferred(env) && !t->quiet)
		atomic_store(&env->dirty, true);
	if (env->opts.durability == OFFLOG_DURABILITY_NOMETASYNC &&
	    (t->npublished || t->published_all || t->ntouched || t->touched_all)) {
		pthread_mutex_lock(&pd->mu);
		for (unsigned i = 0; i < t->npublished; i++)
			pending_drop(pd, &t->published[i]);
		if (t->published_all)
			pd->all = false;
		for (unsigned i = 0; i < t->ntouched; i++)
			pending_add(pd, &t->touched[i]);
		if (t->touched_all)
			pd->all = true;
		pthread_mutex_unlock(&pd->mu);
	}
	ol_wake_consumers(env);
}

int write_finish(ol_txn *t, int rc)
{
	if (rc == 0)
		rc = log_bytes_settle(t);
	if (rc) {
		db_abort(t);
		return rc;
	}
	if ((rc = db_commit(t)) == 0)
		committed(t);
	return rc;
}

/* The refusals every write makes before it queues. */
static int may_write(offlog_env *env)
{
	if (ol_thread_txn() == env)
		return ol_err(OFFLOG_ETXN, "this thread has an open transaction; use the offlog_txn_* calls");
	if (env->rdonly)
		return ol_err(OFFLOG_EREADONLY, "store %s was opened read-only", env->path);
	/* In a forked child, the group commit's lock may be held for ever by a
	 * thread that only the parent has. */
	if (ol_env_forked(env))
		return ol_forked_error("write");
	return 0;
}

int ol_write_solo(offlog_env *env, ol_write_fn fn, void *arg)
{
	int rc = may_write(env);
	while (rc == 0) {
		ol_txn t;
		if ((rc = write_begin(&t, env)) != 0)
			return rc;
		rc = write_finish(&t, fn(&t, arg));
		if (rc != OFFLOG_EMAPFULL)
			return rc;
		rc = db_map_grow(env);
	}
	return rc;
}

/* ---- group commit ---------------------------------------------------------- */

static void fail(struct ol_req *r, int rc)
{
	r->rc = rc;
	r->failed = true;
	snprintf(r->err, sizeof r->err, "%s", offlog_errmsg());
}

/* Run one attempt; 1 to run the group again, 0 when every request is decided.
 * *unsynced is set when the transaction committed with its meta sync left to
 * the caller (SYNC mode). */
static int attempt(offlog_env *env, struct ol_req *group, bool *unsynced)
{
	ol_txn t;
	int rc = write_begin(&t, env);
	if (rc)
		goto fail_all;   /* write_begin grew a full map already */
	t.defer_sync = true;
	for (struct ol_req *r = group; r; r = r->next) {
		if (r->failed)
			continue;
		t.wrote = false;
		int e = r->fn(&t, r->arg);
		if (e == 0)
			continue;
		if (t.broken || e == OFFLOG_EMAPFULL) {
			rc = write_finish(&t, e);
			goto whole_group;
		}
		fail(r, e);
		if (t.wrote) {   /* it wrote part of its work: the others go again */
			db_abort(&t);
			return 1;
		}
	}
	if ((rc = write_finish(&t, 0)) != 0)
		goto whole_group;
	for (struct ol_req *r = group; r; r = r->next)
		if (!r->failed)
			r->rc = 0;
	*unsynced = env->opts.durability == OFFLOG_DURABILITY_SYNC;
	return 0;
whole_group:
	if (rc == OFFLOG_EMAPFULL && db_map_grow(env) == 0)
		return 1;
fail_all:
	for (struct ol_req *r = group; r; r = r->next)
		if (!r->failed)
			fail(r, rc);
	return 0;
}

/* Detach up to GROUP_MAX queued requests, in queue order. */
static struct ol_req *take_group(offlog_env *env, unsigned *size)
{
	struct ol_req *head = env->gc.head, *r = head;
	unsigned n = 1;
	head->taken = true;
	for (; n < GROUP_MAX && r->next; n++) {
		r = r->next;
		r->taken = true;
	}
	env->gc.head = r->next;
	if (!env->gc.head)
		env->gc.tail = &env->gc.head;
	r->next = NULL;
	env->gc.queued -= n;
	*size = n;
	return head;
}

/* Called by the leader with gc.mu held. gc.last_size counts the writers
 * seen around the last group: the ones in it and the ones queued behind. */
static void gather(offlog_env *env)
{
	unsigned want = env->gc.last_size * 3 / 4;
	if (env->gc.queued >= want)
		return;
	int64_t wait_us = env->gc.last_us / 2;
	if (wait_us > 1000)
		wait_us = 1000;
	struct timespec ts = ol_deadline(CLOCK_MONOTONIC, wait_us);
	env->gc.want = want;
	while (env->gc.queued < want &&
	       pthread_cond_timedwait(&env->gc.more, &env->gc.mu, &ts) == 0)
		;
	env->gc.want = 0;
}

/* Called with gc.mu held: end this thread's leadership and wake the first
 * waiting request's thread (only it) to lead the next group. */
static void hand_over(offlog_env *env)
{
	env->gc.leader = false;
	if (env->gc.head)
		pthread_cond_signal(&env->gc.head->cv);
}

/* Called with gc.mu held: the group's requests are decided. */
static void release(struct ol_req *group, struct ol_req *mine)
{
	for (struct ol_req *r = group, *next; r; r = next) {
		next = r->next;   /* r belongs to a thread that may return at once */
		r->done = true;
		if (r != mine)
			pthread_cond_signal(&r->cv);
	}
}

/* SYNC mode, without gc.mu: the sync that makes the group's commit durable,
 * run while the next group writes. A failure fails the group's requests. */
static void sync_group(offlog_env *env, struct ol_req *group)
{
	int rc = db_env_sync(env);
	if (rc == 0)
		return;
	for (struct ol_req *r = group; r; r = r->next)
		if (!r->failed)
			fail(r, rc);
}

int ol_write(offlog_env *env, ol_write_fn fn, void *arg)
{
	int rc = may_write(env);
	if (rc)
		return rc;
	struct ol_req req = {.fn = fn, .arg = arg};
	pthread_cond_init(&req.cv, NULL);
	pthread_mutex_lock(&env->gc.mu);
	*env->gc.tail = &req;
	env->gc.tail = &req.next;
	if (++env->gc.queued == env->gc.want)
		pthread_cond_signal(&env->gc.more);
	while (!req.done) {
		/* A request another leader took is finished by that leader; with
		 * the meta sync run outside the lock, the writer role may be free
		 * meanwhile, and this thread must not lead an empty queue. */
		if (env->gc.leader || req.taken) {
			pthread_cond_wait(&req.cv, &env->gc.mu);
			continue;
		}
		env->gc.leader = true;
		gather(env);
		unsigned size;
		struct ol_req *group = take_group(env, &size);
		pthread_mutex_unlock(&env->gc.mu);
		int64_t start = ol_mono_us();
		bool unsynced = false;
		while (attempt(env, group, &unsynced))
			;
		int64_t took = ol_mono_us() - start;
		pthread_mutex_lock(&env->gc.mu);
		env->gc.last_us = took;
		if (unsynced) {
			/* The group's threads cannot come back before its sync: the
			 * next group is the writers queued now, led at once. */
			env->gc.last_size = size;
			hand_over(env);
			pthread_mutex_unlock(&env->gc.mu);
			sync_group(env, group);
			pthread_mutex_lock(&env->gc.mu);
			release(group, &req);
		} else {
			env->gc.last_size = size + env->gc.queued;
			release(group, &req);
			hand_over(env);
		}
	}
	pthread_mutex_unlock(&env->gc.mu);
	pthread_cond_destroy(&req.cv);
	if (req.rc)
		ol_err(req.rc, "%s", req.err);
	return req.rc;
}

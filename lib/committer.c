/*
 * committer.c - group commit.
 *
 * LMDB has one writer at a time and a durable commit costs a sync, so
 * threads that each commit alone wait for each other's syncs. Here every
 * write request is queued; the first thread to find no commit running
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
#include "internal.h"

#include <stdio.h>
#include <time.h>

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
	int rc = db_write_begin(&t, env);
	t.defer_sync = true;
	if (rc == 0 && (rc = ol_write_prologue(&t)) != 0)
		db_abort(&t);
	if (rc)
		goto whole_group;
	for (struct ol_req *r = group; r; r = r->next) {
		if (r->failed)
			continue;
		t.wrote = false;
		int e = r->fn(&t, r->arg);
		if (e == 0)
			continue;
		if (t.broken || e == OFFLOG_EMAPFULL) {
			db_abort(&t);
			rc = e;
			goto whole_group;
		}
		fail(r, e);
		if (t.wrote) {   /* it wrote part of its work: the others go again */
			db_abort(&t);
			return 1;
		}
	}
	if ((rc = ol_write_epilogue(&t)) != 0) {
		db_abort(&t);
		goto whole_group;
	}
	if ((rc = db_commit(&t)) != 0)
		goto whole_group;
	for (struct ol_req *r = group; r; r = r->next)
		if (!r->failed)
			r->rc = 0;
	*unsynced = env->opts.durability == OFFLOG_DURABILITY_SYNC;
	ol_committed(&t);
	return 0;
whole_group:
	if (rc == OFFLOG_EMAPFULL && db_map_grow(env) == 0)
		return 1;
	for (struct ol_req *r = group; r; r = r->next)
		if (!r->failed)
			fail(r, rc);
	return 0;
}

/* Detach up to GROUP_MAX queued requests, in queue order. */
static struct ol_req *take_group(offlog_env *env, unsigned *size)
{
	struct ol_req *head = env->gc_head, *r = head;
	unsigned n = 1;
	head->taken = true;
	for (; n < GROUP_MAX && r->next; n++) {
		r = r->next;
		r->taken = true;
	}
	env->gc_head = r->next;
	if (!env->gc_head)
		env->gc_tail = &env->gc_head;
	r->next = NULL;
	env->gc_queued -= n;
	*size = n;
	return head;
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Called by the leader with gc_mu held. gc_last_size counts the writers
 * seen around the last group: the ones in it and the ones queued behind. */
static void gather(offlog_env *env)
{
	unsigned want = env->gc_last_size * 3 / 4;
	if (env->gc_queued >= want)
		return;
	int64_t wait_us = env->gc_last_us / 2;
	if (wait_us > 1000)
		wait_us = 1000;
	struct timespec ts = ol_deadline(CLOCK_MONOTONIC, wait_us);
	env->gc_want = want;
	while (env->gc_queued < want &&
	       pthread_cond_timedwait(&env->gc_more, &env->gc_mu, &ts) == 0)
		;
	env->gc_want = 0;
}

/* Called with gc_mu held: end this thread's leadership and wake the first
 * waiting request's thread (only it) to lead the next group. */
static void hand_over(offlog_env *env)
{
	env->gc_leader = false;
	if (env->gc_head)
		pthread_cond_signal(&env->gc_head->cv);
}

/* Called with gc_mu held: the group's requests are decided. */
static void release(struct ol_req *group, struct ol_req *mine)
{
	for (struct ol_req *r = group, *next; r; r = next) {
		next = r->next;   /* r belongs to a thread that may return at once */
		r->done = true;
		if (r != mine)
			pthread_cond_signal(&r->cv);
	}
}

/* SYNC mode, without gc_mu: the sync that makes the group's commit durable,
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
	if (ol_thread_txn() == env)
		return ol_err(OFFLOG_ETXN, "this thread has an open transaction; use the offlog_txn_* calls");
	if (env->rdonly)
		return ol_err(OFFLOG_EREADONLY, "store %s was opened read-only", env->path);
	/* In a forked child, gc_mu may be held for ever by a thread that only
	 * the parent has. */
	if (ol_env_forked(env))
		return ol_env_usable(env, "write");
	struct ol_req req = {.fn = fn, .arg = arg};
	pthread_cond_init(&req.cv, NULL);
	pthread_mutex_lock(&env->gc_mu);
	*env->gc_tail = &req;
	env->gc_tail = &req.next;
	if (++env->gc_queued == env->gc_want)
		pthread_cond_signal(&env->gc_more);
	while (!req.done) {
		/* A request another leader took is finished by that leader; with
		 * the meta sync run outside the lock, the writer role may be free
		 * meanwhile, and this thread must not lead an empty queue. */
		if (env->gc_leader || req.taken) {
			pthread_cond_wait(&req.cv, &env->gc_mu);
			continue;
		}
		env->gc_leader = true;
		gather(env);
		unsigned size;
		struct ol_req *group = take_group(env, &size);
		pthread_mutex_unlock(&env->gc_mu);
		int64_t start = now_us();
		bool unsynced = false;
		while (attempt(env, group, &unsynced))
			;
		int64_t took = now_us() - start;
		pthread_mutex_lock(&env->gc_mu);
		env->gc_last_us = took;
		if (unsynced) {
			/* The group's threads cannot come back before its sync: the
			 * next group is the writers queued now, led at once. */
			env->gc_last_size = size;
			hand_over(env);
			pthread_mutex_unlock(&env->gc_mu);
			sync_group(env, group);
			pthread_mutex_lock(&env->gc_mu);
			release(group, &req);
		} else {
			env->gc_last_size = size + env->gc_queued;
			release(group, &req);
			hand_over(env);
		}
	}
	pthread_mutex_unlock(&env->gc_mu);
	pthread_cond_destroy(&req.cv);
	if (req.rc)
		ol_err(req.rc, "%s", req.err);
	return req.rc;
}

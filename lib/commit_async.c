/*
 * commit_async.c - a consumer's asynchronous commits: a queue of commits of
 * positions, written one after the other by a worker thread of the
 * consumer, and their callbacks.
 *
 * Kafka's rule, kept with consumer_commit.c: one consumer's commits take
 * effect in the order they were made, so an older commit never overwrites
 * a newer one. The worker writes the queue in order; every other commit of
 * the consumer first waits for the ones made before it (async_wait), as
 * Kafka's commitSync() and close() do. A user transaction cannot wait: it
 * holds the store's write lock, which the worker needs, so it writes the
 * waiting commits itself, first (async_carry), and the worker skips them.
 * The callbacks run on the consumer's thread, in the order the commits were
 * made, inside its later calls (async_deliver), so that a callback may use
 * the consumer, which only one thread at a time may.
 *
 * A job copies the positions and the member id when it is made: the commit
 * is of that moment, fenced by that membership, whatever the consumer does
 * meanwhile.
 */
#include "consumer.h"

#include "commit.h"
#include "db.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct ajob {
	ol_position *list;
	offlog_partition_offset *out;   /* what the callback gets: allocated up front */
	size_t n;
	char *member;       /* fencing: the member id when made, or NULL */
	offlog_commit_cb cb;
	void *opaque;
	int rc;
	char err[256];
	bool carried;       /* written in a user transaction: the worker writes nothing */
	struct ajob *next;
} ajob;

struct casync {
	offlog_consumer *c;
	pthread_t th;
	pthread_mutex_t mu;      /* the queues, `running`, and each job's fields */
	pthread_cond_t cv;       /* work queued, or stop */
	pthread_cond_t idle;     /* a job finished */
	ajob *todo, **todo_tail;
	ajob *running;           /* taken by the worker, not finished */
	ajob *done, **done_tail;
	size_t outstanding;      /* made, not finished */
	bool stop;
};

typedef struct ajob_run {
	struct casync *ac;
	ajob *job;
} ajob_run;

/* Under the lock: a job carried into a user transaction meanwhile (the
 * worker's write may run, or run again, after that one) is skipped. */
static int async_fn(ol_txn *t, void *arg)
{
	ajob_run *r = arg;
	ajob *j = r->job;
	int rc = 0;
	pthread_mutex_lock(&r->ac->mu);
	if (!j->carried)
		rc = commit_positions(t, r->ac->c->group, j->member, j->list, j->n);
	pthread_mutex_unlock(&r->ac->mu);
	return rc;
}

static void *async_main(void *arg)
{
	struct casync *ac = arg;
	pthread_mutex_lock(&ac->mu);
	for (;;) {
		while (!ac->todo && !ac->stop)
			pthread_cond_wait(&ac->cv, &ac->mu);
		if (!ac->todo)
			break;
		ajob *j = ac->todo;
		if (!(ac->todo = j->next))
			ac->todo_tail = &ac->todo;
		ac->running = j;
		bool skip = j->carried;
		pthread_mutex_unlock(&ac->mu);
		ajob_run r = {ac, j};
		int rc = skip ? 0 : ol_write(ac->c->env, async_fn, &r);
		char err[sizeof j->err] = "";
		if (rc)
			snprintf(err, sizeof err, "%s", offlog_errmsg());
		pthread_mutex_lock(&ac->mu);
		if (!j->carried) {   /* else the transaction's outcome was noted */
			j->rc = rc;
			memcpy(j->err, err, sizeof err);
		}
		ac->running = NULL;
		j->next = NULL;
		*ac->done_tail = j;
		ac->done_tail = &j->next;
		ac->outstanding--;
		pthread_cond_broadcast(&ac->idle);
	}
	pthread_mutex_unlock(&ac->mu);
	return NULL;
}

static void job_free(ajob *j)
{
	for (size_t i = 0; i < j->n; i++)
		free((char *)j->list[i].topic);
	free(j->list);
	free(j->out);
	free(j->member);
	free(j);
}

static int async_start(offlog_consumer *c)
{
	struct casync *ac = calloc(1, sizeof *ac);
	if (!ac)
		return ol_err(OFFLOG_ENOMEM, "commit_async: out of memory");
	ac->c = c;
	ac->todo_tail = &ac->todo;
	ac->done_tail = &ac->done;
	pthread_mutex_init(&ac->mu, NULL);
	pthread_cond_init(&ac->cv, NULL);
	pthread_cond_init(&ac->idle, NULL);
	if (pthread_create(&ac->th, NULL, async_main, ac) != 0) {
		pthread_mutex_destroy(&ac->mu);
		pthread_cond_destroy(&ac->cv);
		pthread_cond_destroy(&ac->idle);
		free(ac);
		return ol_err(OFFLOG_ENOMEM, "commit_async: cannot start the commit thread");
	}
	c->ac = ac;
	return 0;
}

/* A job for the current positions, or NULL when out of memory. */
static ajob *job_new(const offlog_consumer *c, const char *member, offlog_commit_cb cb,
                     void *opaque)
{
	ajob *j = calloc(1, sizeof *j);
	if (j && (j->list = calloc(c->nparts + 1, sizeof *j->list)) != NULL &&
	    (j->out = calloc(c->nparts + 1, sizeof *j->out)) != NULL) {
		j->cb = cb;
		j->opaque = opaque;
		bool ok = !member || (j->member = strdup(member)) != NULL;
		for (size_t i = 0; ok && i < c->nparts; i++) {
			const struct cpart *cp = &c->parts[i];
			if (cp->position == OFFLOG_OFFSET_INVALID)
				continue;
			char *topic = strdup(cp->topic);
			ok = topic != NULL;
			j->list[j->n++] = (ol_position){topic, cp->tid, cp->partition, cp->position, true};
		}
		if (ok)
			return j;
		job_free(j);
	} else if (j) {
		free(j->list);
		free(j);
	}
	return NULL;
}

int async_submit(offlog_consumer *c, const char *member, offlog_commit_cb cb, void *opaque)
{
	if (c->ac && c->ac->stop)   /* a callback run by close */
		return ol_err(OFFLOG_ESTATE, "offlog_consumer_commit_async: the consumer is closing");
	int rc = c->ac ? 0 : async_start(c);
	if (rc)
		return rc;
	ajob *j = job_new(c, member, cb, opaque);
	if (!j)
		return ol_err(OFFLOG_ENOMEM, "commit_async: out of memory");
	struct casync *ac = c->ac;
	pthread_mutex_lock(&ac->mu);
	*ac->todo_tail = j;
	ac->todo_tail = &j->next;
	ac->outstanding++;
	pthread_cond_signal(&ac->cv);
	pthread_mutex_unlock(&ac->mu);
	return 0;
}

int async_wait(offlog_consumer *c)
{
	struct casync *ac = c->ac;
	if (!ac)
		return 0;
	int rc = 0;
	pthread_mutex_lock(&ac->mu);
	if (ac->outstanding > 0 && ol_thread_txn() == c->env)
		rc = ol_err(OFFLOG_ETXN, "this thread has a transaction open: the consumer's "
		                         "asynchronous commits, made before, wait for it");
	while (rc == 0 && ac->outstanding > 0)
		pthread_cond_wait(&ac->idle, &ac->mu);
	pthread_mutex_unlock(&ac->mu);
	return rc;
}

/* One job at a time off the queue: a callback that commits (and so
 * delivers) takes the next ones, in order, before this loop goes on. */
static void deliver(offlog_consumer *c)
{
	for (;;) {
		struct casync *ac = c->ac;
		if (!ac)
			return;
		pthread_mutex_lock(&ac->mu);
		ajob *j = ac->done;
		if (j && !(ac->done = j->next))
			ac->done_tail = &ac->done;
		pthread_mutex_unlock(&ac->mu);
		if (!j)
			return;
		size_t k = 0;
		for (size_t i = 0; i < j->n; i++)
			if (j->rc || !j->list[i].skipped)
				j->out[k++] = (offlog_partition_offset){j->list[i].topic, j->list[i].partition,
				                                        j->list[i].offset, NULL, j->rc};
		if (j->cb)
			j->cb(j->opaque, j->rc, j->rc ? j->err : "", j->out, k);
		job_free(j);
	}
}

int async_deliver(offlog_consumer *c, int rc)
{
	char msg[512];
	snprintf(msg, sizeof msg, "%s", rc ? offlog_errmsg() : "");
	deliver(c);
	return rc ? ol_err(rc, "%s", msg) : 0;
}

int async_stop(offlog_consumer *c, int rc)
{
	struct casync *ac = c->ac;
	if (!ac)
		return rc;
	pthread_mutex_lock(&ac->mu);
	ac->stop = true;
	pthread_cond_signal(&ac->cv);
	pthread_mutex_unlock(&ac->mu);
	pthread_join(ac->th, NULL);
	rc = async_deliver(c, rc);
	pthread_mutex_destroy(&ac->mu);
	pthread_cond_destroy(&ac->cv);
	pthread_cond_destroy(&ac->idle);
	free(ac);
	c->ac = NULL;
	return rc;
}

/* Write job j in t. A job whose check fails (fenced, say) writes nothing and
 * keeps that code, as it would have from the worker. */
static int carry_one(ol_txn *t, const char *group, ajob *j)
{
	int rc = commit_positions_check(t, group, j->member, j->list, j->n);
	j->rc = rc;
	if (rc) {
		snprintf(j->err, sizeof j->err, "%s", offlog_errmsg());
		return 0;
	}
	return commit_positions_store(t, group, j->list, j->n);
}

int async_carry(ol_txn *t, offlog_consumer *c, ol_write_fn then, void *arg)
{
	struct casync *ac = c->ac;
	if (!ac)
		return then(t, arg);
	/* The worker's write is not in a transaction now (t holds the write
	 * lock); it may have committed already, and then writing it again, in
	 * order, before the newer positions, changes nothing. */
	pthread_mutex_lock(&ac->mu);
	int rc = ac->running ? carry_one(t, c->group, ac->running) : 0;
	for (ajob *j = ac->todo; j && rc == 0; j = j->next)
		rc = carry_one(t, c->group, j);
	if (rc == 0)
		rc = then(t, arg);
	if (rc == 0) {
		if (ac->running)
			ac->running->carried = true;
		for (ajob *j = ac->todo; j; j = j->next)
			j->carried = true;
	}
	pthread_mutex_unlock(&ac->mu);
	return rc;
}

bool async_forget(offlog_consumer *c)
{
	struct casync *ac = c->ac;
	if (!ac)
		return true;
	if (pthread_mutex_trylock(&ac->mu) != 0)
		return false;
	ajob *lists[3] = {ac->running, ac->todo, ac->done};
	for (int i = 0; i < 3; i++)
		for (ajob *j = lists[i], *next; j; j = next) {
			next = i == 0 ? NULL : j->next;
			job_free(j);
		}
	pthread_mutex_unlock(&ac->mu);
	free(ac);   /* its conditions may have waiters of the parent: not destroyed */
	c->ac = NULL;
	return true;
}

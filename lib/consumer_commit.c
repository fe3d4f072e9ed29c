/*
 * consumer_commit.c - a consumer's commits: synchronous (commit,
 * commit_offsets, the auto-commits of poll, close and revocation),
 * asynchronous (written by a worker thread), and inside a user transaction;
 * and the order among them.
 *
 * Kafka's rule, kept here: one consumer's commits take effect in the order
 * they were made, so an older commit never overwrites a newer one. The
 * worker writes the asynchronous commits one after the other; every other
 * commit of the consumer first waits for the ones made before it
 * (async_wait), as Kafka's commitSync() and close() do. A user transaction
 * cannot wait: it holds the store's write lock, which the worker needs, so
 * it writes the waiting commits itself, first (async_carry). The callbacks
 * of asynchronous commits run on the consumer's thread, in the order the
 * commits were made, inside its later calls.
 */
#include "clock.h"
#include "commit.h"
#include "consumer.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "topic.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

/* A position to commit. */
typedef struct cpos {
	const char *topic;
	uint32_t tid;      /* the topic id the position belongs to; 0: unknown */
	int32_t partition;
	int64_t offset;    /* OFFLOG_OFFSET_INVALID: nothing to commit */
	bool skipped;      /* out: not committed (see positions_check) */
} cpos;

/* ---- positions ----------------------------------------------------------- */

/* A commit of positions is made in two steps, so that a transaction can
 * check one before writing others: the check writes nothing; the store
 * writes the entries not skipped. */

/* Every known position is committed, except where committing would be
 * wrong: a partition whose topic was deleted (and perhaps created again: an
 * old position means nothing in the new log), and a position beyond the log
 * end offset (after a seek there), which the next poll will reset. With
 * `member`, fenced by that member's ownership. */
static int positions_check(ol_txn *t, const char *group, const char *member, cpos *list, size_t n)
{
	ol_tp *tps = malloc((n ? n : 1) * sizeof *tps);
	size_t k = 0;
	int rc = 0;
	if (!tps)
		return ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	for (size_t i = 0; i < n && rc == 0; i++) {
		cpos *e = &list[i];
		ol_topic tp;
		ol_part p;
		e->skipped = true;
		if (e->offset == OFFLOG_OFFSET_INVALID)
			continue;
		rc = topic_get_part(t, e->topic, e->partition, &tp);
		if (rc == OFFLOG_ENOTOPIC || rc == OFFLOG_ENOPART || (rc == 0 && e->tid && e->tid != tp.id)) {
			rc = 0;
			continue;
		}
		if (rc || (rc = part_get(t, tp.id, e->partition, &p)) != 0)
			break;
		if (e->offset > p.leo)
			continue;
		e->tid = tp.id;
		e->skipped = false;
		tps[k++] = (ol_tp){tp.id, e->partition};
	}
	if (rc == 0 && member)
		rc = group_fence(t, group, member, tps, k);
	free(tps);
	return rc;
}

static int positions_store(ol_txn *t, const char *group, const cpos *list, size_t n)
{
	int64_t now = ol_now_ms();
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		if (!list[i].skipped)
			rc = commit_store(t, group, list[i].tid, list[i].partition, list[i].offset, NULL, now);
	return rc;
}

static int positions_commit_in(ol_txn *t, const char *group, const char *member, cpos *list,
                               size_t n)
{
	int rc = positions_check(t, group, member, list, n);
	return rc ? rc : positions_store(t, group, list, n);
}

/* ---- asynchronous commits ----------------------------------------------- */

typedef struct ajob {
	cpos *list;
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
		rc = positions_commit_in(t, r->ac->c->group, j->member, j->list, j->n);
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
static ajob *job_new(offlog_consumer *c, offlog_commit_cb cb, void *opaque)
{
	ajob *j = calloc(1, sizeof *j);
	if (j && (j->list = calloc(c->nparts + 1, sizeof *j->list)) != NULL &&
	    (j->out = calloc(c->nparts + 1, sizeof *j->out)) != NULL) {
		j->cb = cb;
		j->opaque = opaque;
		const char *member = member_id_of(c);
		bool ok = !member || (j->member = strdup(member)) != NULL;
		for (size_t i = 0; ok && i < c->nparts; i++) {
			const struct cpart *cp = &c->parts[i];
			if (cp->position == OFFLOG_OFFSET_INVALID)
				continue;
			char *topic = strdup(cp->topic);
			ok = topic != NULL;
			j->list[j->n++] = (cpos){topic, cp->tid, cp->partition, cp->position, true};
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

static int commit_async(offlog_consumer *c, offlog_commit_cb cb, void *opaque)
{
	if (!c->group)
		return ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	if (c->ac && c->ac->stop)   /* a callback run by close */
		return ol_err(OFFLOG_ESTATE, "offlog_consumer_commit_async: the consumer is closing");
	int rc = c->ac ? 0 : async_start(c);
	if (rc)
		return rc;
	ajob *j = job_new(c, cb, opaque);
	if (!j)
		return ol_err(OFFLOG_ENOMEM, "commit_async: out of memory");
	struct casync *ac = c->ac;
	pthread_mutex_lock(&ac->mu);
	*ac->todo_tail = j;
	ac->todo_tail = &j->next;
	ac->outstanding++;
	pthread_cond_signal(&ac->cv);
	pthread_mutex_unlock(&ac->mu);
	return async_deliver(c, 0);
}

OFFLOG_API int offlog_consumer_commit_async(offlog_consumer *c, offlog_commit_cb cb, void *opaque)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit_async: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_commit_async");
	if (rc)
		return rc;
	rc = commit_async(c, cb, opaque);
	consumer_leave(c);
	return rc;
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
		if (j->cb) {
			if (j->rc)
				ol_err(j->rc, "%s", j->err);
			j->cb(j->opaque, j->rc, j->out, k);
		}
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
	int rc = positions_check(t, group, j->member, j->list, j->n);
	j->rc = rc;
	if (rc) {
		snprintf(j->err, sizeof j->err, "%s", offlog_errmsg());
		return 0;
	}
	return positions_store(t, group, j->list, j->n);
}

static int async_carry(ol_txn *t, offlog_consumer *c, ol_write_fn then, void *arg)
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

/* ---- synchronous commits and commits in a transaction -------------------- */

/* The consumer's positions as a list to commit (NULL: out of memory). */
static cpos *positions_of(const offlog_consumer *c)
{
	cpos *list = malloc((c->nparts ? c->nparts : 1) * sizeof *list);
	for (size_t i = 0; list && i < c->nparts; i++) {
		const struct cpart *cp = &c->parts[i];
		list[i] = (cpos){cp->topic, cp->tid, cp->partition, cp->position, true};
	}
	return list;
}

/* After a commit: the topic ids the positions were committed under. */
static void note_tids(offlog_consumer *c, const cpos *list)
{
	for (size_t i = 0; i < c->nparts; i++)
		if (!list[i].skipped)
			c->parts[i].tid = list[i].tid;
}

/* Commit every known position (which: see positions_check). A group member
 * commits only what it owns. */
static int commit_positions_in(ol_txn *t, offlog_consumer *c)
{
	cpos *list = positions_of(c);
	if (!list)
		return ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	int rc = positions_commit_in(t, c->group, member_id_of(c), list, c->nparts);
	if (rc == 0)
		note_tids(c, list);
	free(list);
	return rc;
}

typedef struct txn_commit {
	const char *group;
	cpos *list;
	size_t n;
} txn_commit;

static int txn_store_fn(ol_txn *t, void *arg)
{
	txn_commit *a = arg;
	return positions_store(t, a->group, a->list, a->n);
}

/* offlog_txn_commit_consumer(). The transaction holds the store's write
 * lock: the asynchronous commits made before cannot be waited for, so they
 * are written first, in it. Fencing is checked before anything is written,
 * so a fenced member's call leaves the transaction usable. */
int consumer_commit_in(ol_txn *t, offlog_consumer *c)
{
	int rc = consumer_enter(c, "offlog_txn_commit_consumer");
	if (rc)
		return rc;
	cpos *list = positions_of(c);
	rc = list ? positions_check(t, c->group, member_id_of(c), list, c->nparts)
	          : ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	if (rc == 0) {
		txn_commit a = {c->group, list, c->nparts};
		rc = async_carry(t, c, txn_store_fn, &a);
	}
	if (rc == 0)
		note_tids(c, list);
	free(list);
	consumer_leave(c);
	return rc;
}

struct commit_args {
	const char *group;
	const char *member;   /* fenced by this member's ownership, or NULL */
	offlog_partition_offset *list;
	size_t count;
};

static int commit_fn(ol_txn *t, void *arg)
{
	struct commit_args *a = arg;
	int rc = a->member ? commit_fence(t, a->group, a->member, OL_GENERATION_ANY, a->list, a->count)
	                   : 0;
	return rc ? rc : commit_write_list(t, a->group, a->list, a->count);
}

static int positions_fn(ol_txn *t, void *arg)
{
	return commit_positions_in(t, arg);
}

int consumer_commit_positions(offlog_consumer *c)
{
	int rc = async_wait(c);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].position != OFFLOG_OFFSET_INVALID)
			return ol_write(c->env, positions_fn, c);
	return 0;
}

bool consumer_auto_commit_on(const offlog_consumer *c)
{
	return c->opts.enable_auto_commit && c->group;
}

/* Synchronous commits wait for the asynchronous ones made before them
 * (Kafka's commitSync does too), then run their callbacks. */
OFFLOG_API int offlog_consumer_commit(offlog_consumer *c)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_commit");
	if (rc)
		return rc;
	if (!c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	else
		rc = consumer_commit_positions(c);
	rc = async_deliver(c, rc);
	consumer_leave(c);
	return rc;
}

OFFLOG_API int offlog_consumer_commit_offsets(offlog_consumer *c, offlog_partition_offset *offsets,
                                              size_t count)
{
	if (!c || (!offsets && count))
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit_offsets: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_commit_offsets");
	if (rc)
		return rc;
	struct commit_args a = {c->group, member_id_of(c), offsets, count};
	if (!c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	else if ((rc = async_wait(c)) == 0)
		rc = ol_write(c->env, commit_fn, &a);
	rc = async_deliver(c, rc);
	consumer_leave(c);
	return rc;
}

OFFLOG_API int offlog_consumer_committed(offlog_committed *out, offlog_consumer *c,
                                         const char *topic, int32_t partition)
{
	if (!c || !out)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_committed: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_committed");
	if (rc)
		return rc;
	if (!c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group");
	else
		rc = offlog_group_committed(out, c->env, c->group, topic, partition);
	consumer_leave(c);
	return rc;
}

/*
 * producer.c - the batching, asynchronous, optionally idempotent producer.
 *
 * send copies the record into a queue and returns. The producer's thread
 * takes batches off the queue (when linger_ms has passed since the oldest
 * record, a batch is full, or someone flushes) and writes each batch through
 * the group committer: one request, one transaction, shared with whatever
 * else the process is writing. Then it reports every record to the delivery
 * callback, in queue order.
 *
 * Records are checked one by one before anything of theirs is written, so a
 * bad record (unknown topic, too large for its topic) fails alone and the
 * batch goes on. The checked records are then grouped by partition, keeping
 * their order within each, so every partition is appended in one run. An
 * LMDB failure fails the whole batch; no part of a batch is ever committed
 * without the rest.
 *
 * Idempotence: the store keeps, per (producer id, topic, partition), the
 * next sequence number and where the last runs of sequence numbers went,
 * in the same transaction as the records. Sequence numbers are given in the
 * transaction, so a record that fails never leaves a gap. Opening takes the
 * id's next epoch (sequence.c); every batch checks, in its transaction, that
 * the epoch is still this producer's, so once a newer producer opened with
 * the id nothing more of this one is written (Kafka's fencing).
 *
 * Delivery reports: with OFFLOG_DELIVERY_THREAD the producer's thread
 * calls the callback after each batch. With OFFLOG_DELIVERY_POLL it moves
 * the batch to the `done` list instead, signals the descriptor, and the
 * application's thread runs the callbacks in offlog_producer_poll() (or
 * flush, or close); a record's memory and its bytes in the queue are
 * given back when its report has been served.
 *
 * After fork() the child has the producer's memory but not its thread: a
 * queued record would never be written. So every call there fails with
 * OFFLOG_ESTATE, and close only frees the memory.
 */
#include "append.h"
#include "clock.h"
#include "db.h"
#include "env.h"
#include "notify.h"
#include "record.h"
#include "registry.h"
#include "seq.h"
#include "topic.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct pmsg {
	struct pmsg *next;
	const char *topic;        /* interned in the producer */
	int32_t partition;        /* as sent: a number or OFFLOG_PARTITION_ANY */
	int64_t sequence;         /* explicit sequence, or -1 */
	void *opaque;
	size_t bytes;             /* counted against queue_bytes */
	int64_t queued_ms;
	size_t idx;               /* place in its batch */
	offlog_message m;         /* its pointers point into data */
	offlog_delivery report;   /* filled when written */
	char *errmsg;             /* report.errmsg when the record failed, or NULL */
	max_align_t data[];
};

struct offlog_producer {
	offlog_env *env;
	offlog_producer_options opts;
	uint64_t pid;
	uint64_t epoch;           /* idempotent: the id's epoch this producer holds */
	atomic_bool fenced;       /* a newer producer with the id exists: write nothing */
	unsigned fork_gen;        /* ol_fork_generation() at open */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;      /* the thread waits for records */
	pthread_cond_t space;     /* senders wait for queue room */
	pthread_cond_t idle;      /* flushers and pollers wait for a batch to be done */
	struct pmsg *head, **tail;
	struct pmsg *done, **done_tail;  /* DELIVERY_POLL: reports not yet served */
	pthread_mutex_t serve_mu; /* one thread serves reports at a time, in order */
	size_t serving;           /* reports taken off `done`, their callbacks not yet run */
	atomic_uintptr_t server;  /* the thread running this producer's callbacks, or 0 */
	ol_notify note;           /* DELIVERY_POLL: readable while `done` is not empty */
	pthread_mutex_t err_mu;
	char lasterr[512];        /* offlog_producer_errmsg() */
	size_t queued;
	uint64_t queued_bytes;    /* queued, being written, or (held reports) not yet served */
	uint64_t pending_bytes;   /* queued only: what batches are made of */
	unsigned flushers;
	bool busy;                /* a batch is being written */
	bool closing, purge;
	char **topics;            /* interned topic names */
	size_t ntopics;
	offlog_message *scratch;  /* the run being appended, batch_records entries */
	struct pmsg **order;      /* a batch grouped by partition, batch_records entries */
};

/* ---- options ------------------------------------------------------------ */

OFFLOG_API int offlog_producer_options_init(offlog_producer_options *opts)
{
	if (!opts)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_options_init: opts is NULL");
	const offlog_producer_options d = OFFLOG_PRODUCER_OPTIONS_INIT;
	*opts = d;
	return 0;
}

static int check_options(offlog_producer_options *o, const offlog_producer_options *in)
{
	offlog_producer_options_init(o);
	if (!in)
		return 0;
	if (in->version < 1 || in->version > OFFLOG_PRODUCER_OPTIONS_VERSION)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_options.version %u is not supported",
		              in->version);
	/* A version 1 caller's struct ends at `opaque`. */
	if (in->version == 1)
		memcpy(o, in, offsetof(offlog_producer_options, delivery_mode));
	else
		*o = *in;
	o->version = OFFLOG_PRODUCER_OPTIONS_VERSION;
	if (o->batch_records < 1 || o->batch_records > 1000000)
		return ol_err(OFFLOG_EINVAL, "batch_records %u: must be in [1, 1000000]", o->batch_records);
	if (o->batch_bytes < 1 || o->queue_bytes < 1)
		return ol_err(OFFLOG_EINVAL, "batch_bytes and queue_bytes must be >= 1");
	if (o->queue_full != OFFLOG_QUEUE_BLOCK && o->queue_full != OFFLOG_QUEUE_FAIL)
		return ol_err(OFFLOG_EINVAL, "unknown queue_full %d", o->queue_full);
	if (o->idempotent != 0 && o->idempotent != 1)
		return ol_err(OFFLOG_EINVAL, "idempotent must be 0 or 1");
	if (o->producer_id && !o->idempotent)
		return ol_err(OFFLOG_EINVAL, "producer_id is for idempotent producers");
	if (o->delivery_mode != OFFLOG_DELIVERY_THREAD && o->delivery_mode != OFFLOG_DELIVERY_POLL)
		return ol_err(OFFLOG_EINVAL, "unknown delivery_mode %d", o->delivery_mode);
	return 0;
}

static struct timespec deadline_in(int64_t ms)
{
	return ol_deadline(CLOCK_MONOTONIC, ms * 1000);
}

/* ---- writing a batch ---------------------------------------------------- */

struct batch {
	offlog_producer *p;
	struct pmsg *first;
	size_t count;
};

/* A child process after fork() has no producer thread, nor its own store. */
static bool forked(const offlog_producer *p)
{
	return p->fork_gen != ol_fork_generation();
}

static int refuse_forked(const char *call)
{
	return ol_err(OFFLOG_ESTATE,
	              "%s: the producer was opened before fork(); open the store and a producer in "
	              "this process",
	              call);
}

static int refuse_fenced(const offlog_producer *p)
{
	return ol_err(OFFLOG_EFENCED,
	              "producer id %llu is fenced: a newer producer opened with this id; close this one",
	              (unsigned long long)p->pid);
}

/* A record's report before its outcome is known (a batch's function may
 * run twice: an earlier attempt's message goes). */
static void report_init(struct pmsg *m, int err)
{
	if (m->errmsg) {   /* rare: not a call per record */
		free(m->errmsg);
		m->errmsg = NULL;
	}
	m->report = (offlog_delivery){.version = OFFLOG_DELIVERY_VERSION,
	                              .topic = m->topic,
	                              .partition = m->partition,
	                              .offset = OFFLOG_OFFSET_INVALID,
	                              .sequence = -1,
	                              .err = err,
	                              .msg_opaque = m->opaque,
	                              .errmsg = ""};
}

/* The record failed with err, whose detail this thread has just recorded. */
static void report_error(struct pmsg *m, int err)
{
	m->report.err = err;
	m->report.offset = OFFLOG_OFFSET_INVALID;
	free(m->errmsg);
	m->errmsg = strdup(offlog_errmsg());
	m->report.errmsg = m->errmsg ? m->errmsg : offlog_strerror(err);
}

/* Check a record against its topic and settle its partition; 0 or its error. */
static int place(ol_txn *t, struct pmsg *m, ol_topic *tp, int32_t *sticky)
{
	size_t size, payload;
	int rc = topic_get(t, m->topic, tp);
	if (rc)
		return rc;
	int32_t part = m->partition;
	if (part == OFFLOG_PARTITION_ANY) {
		if ((rc = ol_partition_pick(t->env, tp, &m->m, sticky, &part)) != 0)
			return rc;
	} else if (part >= tp->partitions) {
		return ol_err(OFFLOG_ENOPART, "topic \"%s\" has no partition %d (it has %d)", m->topic,
		              part, tp->partitions);
	}
	m->report.partition = part;
	int64_t ts = m->m.timestamp == OFFLOG_TIMESTAMP_NOW ? 0 : m->m.timestamp;
	return rec_check(&m->m, ts, tp->cfg.max_message_bytes, &size, &payload);
}

/* Append the run ms[0..n) of records that all go to one partition. */
static int append_run(ol_txn *t, offlog_producer *p, const ol_topic *tp, struct pmsg **ms,
                      size_t n)
{
	int32_t part = ms[0]->report.partition;
	ol_seqstate st;
	int64_t base;
	int rc;
	for (size_t i = 0; i < n; i++)
		p->scratch[i] = ms[i]->m;
	if (p->pid && (rc = seq_get(t, p->pid, tp->id, part, &st)) != 0)
		return rc;
	if ((rc = ol_append_part(t, tp, part, p->scratch, n, &base)) != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		ms[i]->report.offset = base + (int64_t)i;
		ms[i]->report.sequence = p->pid ? st.next + (int64_t)i : -1;
	}
	if (!p->pid)
		return 0;
	seq_record(&st, st.next, base, (int64_t)n);
	return seq_put(t, p->pid, tp->id, part, &st);
}

/* A resend with an explicit sequence number: stored already, next, or wrong. */
static int append_sequenced(ol_txn *t, offlog_producer *p, const ol_topic *tp, struct pmsg *m)
{
	int32_t part = m->report.partition;
	ol_seqstate st;
	int rc = seq_get(t, p->pid, tp->id, part, &st);
	if (rc)
		return rc;
	m->report.sequence = m->sequence;
	if (m->sequence < st.next) {
		if (seq_lookup(&st, m->sequence, &m->report.offset) == 0) {
			m->report.duplicate = 1;
			return 0;
		}
		report_error(m, ol_err(OFFLOG_ESEQUENCE,
		                       "sequence %lld of %s/%d is older than the %d runs remembered",
		                       (long long)m->sequence, m->topic, part, OL_SEQ_RUNS));
		return 0;
	}
	if (m->sequence > st.next) {
		report_error(m, ol_err(OFFLOG_ESEQUENCE, "sequence %lld of %s/%d: expected %lld",
		                       (long long)m->sequence, m->topic, part, (long long)st.next));
		return 0;
	}
	return append_run(t, p, tp, &m, 1);
}

static bool same_partition(const struct pmsg *a, const struct pmsg *b)
{
	return a->topic == b->topic && a->report.partition == b->report.partition;
}

/* By topic, partition, then place in the batch: a stable grouping. */
static int by_partition(const void *x, const void *y)
{
	const struct pmsg *a = *(struct pmsg *const *)x, *b = *(struct pmsg *const *)y;
	if (a->topic != b->topic)
		return (uintptr_t)a->topic < (uintptr_t)b->topic ? -1 : 1;
	if (a->report.partition != b->report.partition)
		return a->report.partition < b->report.partition ? -1 : 1;
	return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Append one partition's records ms[0..n), in their order: runs of plain
 * records, sequenced ones one by one. */
static int append_partition(ol_txn *t, offlog_producer *p, struct pmsg **ms, size_t n)
{
	ol_topic tp;
	int rc = topic_get(t, ms[0]->topic, &tp);
	if (rc)
		return rc;
	for (size_t i = 0; i < n;) {
		if (ms[i]->sequence >= 0) {
			if ((rc = append_sequenced(t, p, &tp, ms[i])) != 0)
				return rc;
			i++;
			continue;
		}
		size_t run = 1;
		while (i + run < n && ms[i + run]->sequence < 0)
			run++;
		if ((rc = append_run(t, p, &tp, ms + i, run)) != 0)
			return rc;
		i += run;
	}
	return 0;
}

/* The batch's request to the group committer; may run more than once. */
static int batch_fn(ol_txn *t, void *arg)
{
	struct batch *b = arg;
	offlog_producer *p = b->p;
	int32_t sticky = -1;
	size_t n = 0;
	struct pmsg *m = b->first;
	/* Checked in the transaction that writes: an open of the id in another
	 * thread or process is either before it (fenced) or after. */
	int rc = p->pid ? seq_check_epoch(t, p->pid, p->epoch) : 0;
	if (rc)
		return rc;
	for (size_t i = 0; i < b->count; i++, m = m->next) {
		ol_topic tp;
		report_init(m, 0);
		m->idx = i;
		rc = place(t, m, &tp, &sticky);
		if (rc)
			report_error(m, rc);
		else
			p->order[n++] = m;
	}
	qsort(p->order, n, sizeof p->order[0], by_partition);
	for (size_t i = 0; i < n;) {
		size_t k = 1;
		while (i + k < n && same_partition(p->order[i], p->order[i + k]))
			k++;
		if ((rc = append_partition(t, p, p->order + i, k)) != 0)
			return rc;
		i += k;
	}
	return 0;
}

static void write_batch(offlog_producer *p, struct pmsg *first, size_t count)
{
	struct batch b = {p, first, count};
	/* batch_fn fills the reports; when the write fails before it runs (a
	 * read-only store), these are what the failure is reported on. */
	struct pmsg *m = first;
	for (size_t i = 0; i < count; i++, m = m->next)
		report_init(m, 0);
	/* Once fenced, always fenced: epochs only grow. */
	int rc = atomic_load(&p->fenced) ? refuse_fenced(p) : ol_write(p->env, batch_fn, &b);
	if (rc == OFFLOG_EFENCED)
		atomic_store(&p->fenced, true);
	m = first;
	for (size_t i = 0; i < count; i++, m = m->next)
		if (rc && !m->report.err)
			report_error(m, rc);
}


static _Thread_local char thread_mark;

/* Is this thread running p's callbacks? Its flush, poll and close of p
 * would wait for themselves. */
static bool in_callback(offlog_producer *p)
{
	return atomic_load(&p->server) == (uintptr_t)&thread_mark;
}

static void deliver(offlog_producer *p, struct pmsg *m, size_t count)
{
	if (!p->opts.on_delivery)
		return;
	atomic_store(&p->server, (uintptr_t)&thread_mark);
	for (size_t i = 0; i < count; i++, m = m->next)
		p->opts.on_delivery(p->opts.opaque, &m->report);
	atomic_store(&p->server, 0);
}

/* ---- the producer's thread ---------------------------------------------- */

static bool batch_ready(offlog_producer *p)
{
	return p->closing || p->flushers || p->queued >= p->opts.batch_records ||
	       p->pending_bytes >= p->opts.batch_bytes ||
	       ol_mono_ms() - p->head->queued_ms >= (int64_t)p->opts.linger_ms;
}

/* Detach the oldest records, up to one batch. */
static struct pmsg *take_batch(offlog_producer *p, size_t *count, uint64_t *bytes)
{
	struct pmsg *first = p->head, *last = first;
	size_t n = 1;
	uint64_t sum = first->bytes;
	while (last->next && n < p->opts.batch_records && sum + last->next->bytes <= p->opts.batch_bytes) {
		last = last->next;
		sum += last->bytes;
		n++;
	}
	p->head = last->next;
	if (!p->head)
		p->tail = &p->head;
	last->next = NULL;
	p->queued -= n;
	p->pending_bytes -= sum;
	*count = n;
	*bytes = sum;
	return first;
}

static void free_batch(struct pmsg *m, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		struct pmsg *next = m->next;
		if (m->errmsg)
			free(m->errmsg);
		free(m);
		m = next;
	}
}

static bool poll_mode(const offlog_producer *p)
{
	return p->opts.delivery_mode == OFFLOG_DELIVERY_POLL;
}

/* Are reports kept for offlog_producer_poll()? Without a callback there
 * is nothing to serve. */
static bool holds_reports(const offlog_producer *p)
{
	return poll_mode(p) && p->opts.on_delivery;
}

static void *producer_main(void *arg)
{
	offlog_producer *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->head && !p->closing)
			pthread_cond_wait(&p->work, &p->mu);
		if (!p->head)
			break;
		while (!batch_ready(p)) {
			struct timespec ts = deadline_in(p->head->queued_ms + p->opts.linger_ms - ol_mono_ms());
			pthread_cond_timedwait(&p->work, &p->mu, &ts);
		}
		size_t count;
		uint64_t bytes;
		struct pmsg *batch = take_batch(p, &count, &bytes);
		bool purge = p->purge;
		p->busy = true;
		pthread_mutex_unlock(&p->mu);
		if (purge) {
			struct pmsg *m = batch;
			for (size_t i = 0; i < count; i++, m = m->next) {
				report_init(m, OFFLOG_EPURGED);
				m->report.errmsg = "the producer was closed with OFFLOG_PRODUCER_PURGE";
			}
		} else {
			write_batch(p, batch, count);
		}
		if (!holds_reports(p)) {
			deliver(p, batch, count);
			free_batch(batch, count);
		}
		pthread_mutex_lock(&p->mu);
		p->busy = false;
		if (holds_reports(p)) {
			/* Served later: the bytes stay counted until then. */
			if (!p->done)
				ol_notify_signal(&p->note);
			*p->done_tail = batch;
			while (*p->done_tail)
				p->done_tail = &(*p->done_tail)->next;
			pthread_cond_broadcast(&p->idle);
		} else {
			p->queued_bytes -= bytes;
			pthread_cond_broadcast(&p->space);
		}
		if (!p->head)
			pthread_cond_broadcast(&p->idle);
	}
	pthread_cond_broadcast(&p->idle);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- open / close ------------------------------------------------------- */

struct open_req {
	uint64_t want;   /* the caller's id, 0 for a new one */
	uint64_t pid, epoch;
};

static int open_fn(ol_txn *t, void *arg)
{
	struct open_req *r = arg;
	return seq_open_producer(t, r->want, &r->pid, &r->epoch);
}

static void producer_free(offlog_producer *p)
{
	for (size_t i = 0; i < p->ntopics; i++)
		free(p->topics[i]);
	free(p->topics);
	free(p->scratch);
	free(p->order);
	ol_notify_close(&p->note);
	pthread_mutex_destroy(&p->mu);
	pthread_mutex_destroy(&p->serve_mu);
	pthread_mutex_destroy(&p->err_mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->space);
	pthread_cond_destroy(&p->idle);
	free(p);
}

OFFLOG_API int offlog_producer_open(offlog_producer **out, offlog_env *env,
                                    const offlog_producer_options *opts)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_open: NULL argument");
	*out = NULL;
	OL_ENV_CHECK(env);
	offlog_producer *p = calloc(1, sizeof *p);
	if (!p)
		return ol_err(OFFLOG_ENOMEM, "offlog_producer_open: out of memory");
	int rc = check_options(&p->opts, opts);
	if (rc) {
		free(p);
		return rc;
	}
	p->env = env;
	p->fork_gen = env->fork_gen;
	atomic_init(&p->fenced, false);
	atomic_init(&p->server, 0);
	p->tail = &p->head;
	p->done_tail = &p->done;
	ol_notify_init(&p->note);
	pthread_mutex_init(&p->mu, NULL);
	pthread_mutex_init(&p->serve_mu, NULL);
	pthread_mutex_init(&p->err_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->work, &ca);
	pthread_cond_init(&p->space, &ca);
	pthread_cond_init(&p->idle, &ca);
	pthread_condattr_destroy(&ca);
	p->scratch = calloc(p->opts.batch_records, sizeof *p->scratch);
	p->order = calloc(p->opts.batch_records, sizeof *p->order);
	if (!p->scratch || !p->order)
		rc = ol_err(OFFLOG_ENOMEM, "offlog_producer_open: out of memory");
	else if (p->opts.idempotent) {
		struct open_req r = {p->opts.producer_id, 0, 0};
		if ((rc = ol_write(env, open_fn, &r)) == 0) {
			p->pid = r.pid;
			p->epoch = r.epoch;
		}
	}
	if (rc == 0 && pthread_create(&p->thread, NULL, producer_main, p) != 0)
		rc = ol_err(OFFLOG_ENOMEM, "cannot start the producer thread");
	if (rc) {
		producer_free(p);
		return rc;
	}
	atomic_fetch_add(&env->handles, 1);
	*out = p;
	return 0;
}

/* In a child process: the thread, and any lock it held, stayed in the
 * parent, and the store handle may be freed already. Free what is reachable. */
static void forked_free(offlog_producer *p)
{
	for (struct pmsg *m = p->head, *next; m; m = next) {
		next = m->next;
		free(m);
	}
	for (struct pmsg *m = p->done, *next; m; m = next) {
		next = m->next;
		free(m->errmsg);
		free(m);
	}
	for (size_t i = 0; i < p->ntopics; i++)
		free(p->topics[i]);
	free(p->topics);
	free(p->scratch);
	free(p->order);
	ol_notify_close(&p->note);
	free(p);
}

/* ---- serving reports ---------------------------------------------------- */

/* DELIVERY_POLL: run the callbacks of the reports done so far, in order,
 * and give their bytes back to the queue; how many. */
static size_t serve(offlog_producer *p)
{
	pthread_mutex_lock(&p->serve_mu);
	/* Drained before the list is taken: a report done after this makes the
	 * descriptor readable again. */
	ol_notify_drain(&p->note);
	size_t n = 0;
	uint64_t bytes = 0;
	pthread_mutex_lock(&p->mu);
	struct pmsg *list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	for (struct pmsg *m = list; m; m = m->next, n++)
		bytes += m->bytes;
	/* Room for sends at once, also for a callback that sends again. */
	p->queued_bytes -= bytes;
	p->serving += n;
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->mu);
	deliver(p, list, n);
	free_batch(list, n);
	pthread_mutex_unlock(&p->serve_mu);
	if (n) {
		pthread_mutex_lock(&p->mu);
		p->serving -= n;
		pthread_cond_broadcast(&p->idle);
		pthread_mutex_unlock(&p->mu);
	}
	return n;
}

static int refuse_serving(const char *call)
{
	return ol_err(OFFLOG_ESTATE, "%s: called from the producer's delivery callback", call);
}

/* Keep the detail of a failed call for offlog_producer_errmsg(), which
 * copies it out under the same lock: any thread may be failing a send. */
static int failed(offlog_producer *p, int rc)
{
	if (rc) {
		pthread_mutex_lock(&p->err_mu);
		snprintf(p->lasterr, sizeof p->lasterr, "%s", offlog_errmsg());
		pthread_mutex_unlock(&p->err_mu);
	}
	return rc;
}

OFFLOG_API int offlog_producer_close(offlog_producer *p, unsigned flags)
{
	if (!p)
		return 0;
	if (forked(p)) {
		forked_free(p);
		return 0;
	}
	if (flags & ~OFFLOG_PRODUCER_PURGE)
		return ol_err(OFFLOG_EINVAL, "unknown close flags 0x%x", flags);
	if (in_callback(p))
		return refuse_serving("offlog_producer_close");
	pthread_mutex_lock(&p->mu);
	p->closing = true;
	p->purge = (flags & OFFLOG_PRODUCER_PURGE) != 0;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->space);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->thread, NULL);
	if (poll_mode(p))
		serve(p);
	atomic_fetch_sub(&p->env->handles, 1);
	producer_free(p);
	return 0;
}

/* Has everything sent been written and (DELIVERY_POLL) served? */
static bool flushed(const offlog_producer *p)
{
	return !p->head && !p->busy && !p->done && !p->serving;
}

/* Wait (p->mu held) for the producer's thread to finish a batch, or for
 * ts when timeout_ms is not -1: false once that deadline passed. */
static bool wait_idle(offlog_producer *p, int timeout_ms, const struct timespec *ts)
{
	if (timeout_ms >= 0)
		return pthread_cond_timedwait(&p->idle, &p->mu, ts) == 0;
	pthread_cond_wait(&p->idle, &p->mu);
	return true;
}

static int flush(offlog_producer *p, int timeout_ms)
{
	if (timeout_ms < -1)
		return ol_err(OFFLOG_EINVAL, "timeout_ms %d: must be >= -1", timeout_ms);
	if (in_callback(p))
		return refuse_serving("offlog_producer_flush");
	struct timespec ts = deadline_in(timeout_ms < 0 ? 0 : timeout_ms);
	int rc = 0;
	pthread_mutex_lock(&p->mu);
	p->flushers++;
	pthread_cond_signal(&p->work);
	while (!flushed(p) && rc == 0) {
		if (p->done) {
			pthread_mutex_unlock(&p->mu);
			serve(p);
			pthread_mutex_lock(&p->mu);
		} else if (!wait_idle(p, timeout_ms, &ts) && !flushed(p) && !p->done) {
			rc = ol_err(OFFLOG_ETIMEDOUT, "flush: %zu records still queued after %d ms",
			            p->queued, timeout_ms);
		}
	}
	p->flushers--;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

OFFLOG_API int offlog_producer_flush(offlog_producer *p, int timeout_ms)
{
	if (!p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_flush: producer is NULL");
	if (forked(p))
		return refuse_forked("offlog_producer_flush");
	return failed(p, flush(p, timeout_ms));
}

static int poll_reports(size_t *served, offlog_producer *p, int timeout_ms)
{
	if (!poll_mode(p))
		return ol_err(OFFLOG_ESTATE, "offlog_producer_poll: the reports are delivered on the "
		                             "producer's thread (delivery_mode OFFLOG_DELIVERY_THREAD)");
	if (timeout_ms < -1)
		return ol_err(OFFLOG_EINVAL, "timeout_ms %d: must be >= -1", timeout_ms);
	if (in_callback(p))
		return refuse_serving("offlog_producer_poll");
	size_t n = serve(p);
	if (n == 0 && timeout_ms != 0) {
		struct timespec ts = deadline_in(timeout_ms < 0 ? 0 : timeout_ms);
		pthread_mutex_lock(&p->mu);
		while (!p->done && wait_idle(p, timeout_ms, &ts))
			;
		pthread_mutex_unlock(&p->mu);
		n = serve(p);
	}
	if (served)
		*served = n;
	return 0;
}

OFFLOG_API int offlog_producer_poll(size_t *served, offlog_producer *p, int timeout_ms)
{
	if (served)
		*served = 0;
	if (!p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_poll: producer is NULL");
	if (forked(p))
		return refuse_forked("offlog_producer_poll");
	return failed(p, poll_reports(served, p, timeout_ms));
}

OFFLOG_API int offlog_producer_fd(int *fd, offlog_producer *p)
{
	if (!fd || !p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_fd: NULL argument");
	*fd = -1;
	if (forked(p))
		return refuse_forked("offlog_producer_fd");
	if (!poll_mode(p))
		return failed(p, ol_err(OFFLOG_ESTATE, "offlog_producer_fd: the reports are delivered "
		                                       "on the producer's thread (delivery_mode "
		                                       "OFFLOG_DELIVERY_THREAD)"));
	pthread_mutex_lock(&p->mu);
	int rc = ol_notify_open(&p->note);
	if (rc == 0 && p->done)
		ol_notify_signal(&p->note);
	pthread_mutex_unlock(&p->mu);
	if (rc == 0)
		*fd = atomic_load(&p->note.rfd);
	return failed(p, rc);
}

OFFLOG_API const char *offlog_producer_errmsg(offlog_producer *p)
{
	static _Thread_local char copy[sizeof p->lasterr];
	if (!p)
		return "";
	pthread_mutex_lock(&p->err_mu);
	memcpy(copy, p->lasterr, sizeof copy);
	pthread_mutex_unlock(&p->err_mu);
	return copy;
}

/* ---- send --------------------------------------------------------------- */

/* The producer's copy of a topic name, shared by its records. */
static const char *intern(offlog_producer *p, const char *topic)
{
	for (size_t i = 0; i < p->ntopics; i++)
		if (!strcmp(p->topics[i], topic))
			return p->topics[i];
	char **t = realloc(p->topics, (p->ntopics + 1) * sizeof *t);
	if (!t)
		return NULL;
	p->topics = t;
	if (!(t[p->ntopics] = strdup(topic)))
		return NULL;
	return t[p->ntopics++];
}

/* Copy the record: headers array first (aligned), then key, value and
 * header names and values. */
static struct pmsg *copy_message(const offlog_message *msg, size_t payload)
{
	size_t harr = msg->header_count * sizeof(offlog_header);
	struct pmsg *m = malloc(sizeof *m + harr + payload);
	if (!m)
		return NULL;
	offlog_header *h = (offlog_header *)(void *)m->data;
	char *d = (char *)m->data + harr;
	m->m = *msg;
	if (msg->key) {
		memcpy(d, msg->key, msg->key_len);
		m->m.key = d;
		d += msg->key_len;
	}
	if (msg->value) {
		memcpy(d, msg->value, msg->value_len);
		m->m.value = d;
		d += msg->value_len;
	}
	for (size_t i = 0; i < msg->header_count; i++) {
		h[i] = msg->headers[i];
		memcpy(d, msg->headers[i].name, h[i].name_len);
		h[i].name = d;
		d += h[i].name_len;
		if (msg->headers[i].value) {
			memcpy(d, msg->headers[i].value, h[i].value_len);
			h[i].value = d;
			d += h[i].value_len;
		}
	}
	m->m.headers = msg->header_count ? h : NULL;
	return m;
}

static int enqueue(offlog_producer *p, const char *topic, int32_t partition, int64_t sequence,
                   const offlog_message *msg, void *opaque)
{
	size_t size, payload;
	int rc;
	if (atomic_load(&p->fenced))
		return refuse_fenced(p);
	if ((rc = ol_check_append_args(p->env, topic, partition, msg, 1)) != 0 ||
	    (rc = rec_check(msg, 0, OFFLOG_MESSAGE_MAX_LIMIT, &size, &payload)) != 0)
		return rc;
	uint64_t bytes = sizeof(struct pmsg) + payload;
	if (bytes > p->opts.queue_bytes)
		return ol_err(OFFLOG_ETOOBIG, "record of %zu bytes is larger than queue_bytes %llu", payload,
		              (unsigned long long)p->opts.queue_bytes);
	struct pmsg *m = copy_message(msg, payload);
	if (!m)
		return ol_err(OFFLOG_ENOMEM, "send: out of memory");
	m->partition = partition;
	m->sequence = sequence;
	m->opaque = opaque;
	m->bytes = (size_t)bytes;   /* a struct and a payload, both in memory */
	m->next = NULL;
	m->errmsg = NULL;
	pthread_mutex_lock(&p->mu);
	struct timespec ts = deadline_in(p->opts.block_ms);
	while (!p->closing && p->queued_bytes + bytes > p->opts.queue_bytes && rc == 0) {
		if (p->opts.queue_full == OFFLOG_QUEUE_FAIL ||
		    pthread_cond_timedwait(&p->space, &p->mu, &ts) != 0)
			rc = ol_err(OFFLOG_EQUEUEFULL, "producer queue full (%llu of %llu bytes)",
			            (unsigned long long)p->queued_bytes,
			            (unsigned long long)p->opts.queue_bytes);
	}
	if (rc == 0 && p->closing)
		rc = ol_err(OFFLOG_ESTATE, "the producer is closing");
	if (rc == 0 && !(m->topic = intern(p, topic)))
		rc = ol_err(OFFLOG_ENOMEM, "send: out of memory");
	if (rc) {
		pthread_mutex_unlock(&p->mu);
		free(m);
		return rc;
	}
	m->queued_ms = ol_mono_ms();
	*p->tail = m;
	p->tail = &m->next;
	p->queued++;
	p->queued_bytes += bytes;
	p->pending_bytes += bytes;
	if (p->queued == 1 || p->queued >= p->opts.batch_records ||
	    p->pending_bytes >= p->opts.batch_bytes)
		pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

OFFLOG_API int offlog_producer_send(offlog_producer *p, const char *topic, int32_t partition,
                                   const offlog_message *msg, void *msg_opaque)
{
	if (!p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_send: producer is NULL");
	if (forked(p))
		return refuse_forked("offlog_producer_send");
	return failed(p, enqueue(p, topic, partition, -1, msg, msg_opaque));
}

static int send_sequenced(offlog_producer *p, const char *topic, int32_t partition,
                          int64_t sequence, const offlog_message *msg, void *msg_opaque)
{
	if (!p->pid)
		return ol_err(OFFLOG_ESTATE, "sequence numbers need an idempotent producer");
	if (sequence < 0)
		return ol_err(OFFLOG_EINVAL, "sequence %lld: must be >= 0", (long long)sequence);
	if (msg && partition == OFFLOG_PARTITION_ANY && !msg->key)
		return ol_err(OFFLOG_EINVAL,
		              "a sequenced record needs its partition: give it, or a key to derive it");
	return enqueue(p, topic, partition, sequence, msg, msg_opaque);
}

OFFLOG_API int offlog_producer_send_sequenced(offlog_producer *p, const char *topic,
                                             int32_t partition, int64_t sequence,
                                             const offlog_message *msg, void *msg_opaque)
{
	if (!p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_send_sequenced: producer is NULL");
	if (forked(p))
		return refuse_forked("offlog_producer_send_sequenced");
	return failed(p, send_sequenced(p, topic, partition, sequence, msg, msg_opaque));
}

/* ---- inspection --------------------------------------------------------- */

OFFLOG_API int offlog_producer_id(uint64_t *producer_id, offlog_producer *p)
{
	if (!producer_id || !p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_id: NULL argument");
	if (forked(p))
		return refuse_forked("offlog_producer_id");
	*producer_id = p->pid;
	return 0;
}

OFFLOG_API int offlog_producer_next_sequence(int64_t *sequence, offlog_producer *p,
                                            const char *topic, int32_t partition)
{
	if (!sequence || !p)
		return ol_err(OFFLOG_EINVAL, "offlog_producer_next_sequence: NULL argument");
	if (forked(p))
		return refuse_forked("offlog_producer_next_sequence");
	if (!p->pid)
		return ol_err(OFFLOG_ESTATE, "sequence numbers need an idempotent producer");
	ol_txn t;
	ol_topic tp;
	ol_seqstate st;
	int rc = db_read_begin(&t, p->env);
	if (rc)
		return rc;
	if ((rc = topic_get_part(&t, topic, partition, &tp)) == 0 &&
	    (rc = seq_get(&t, p->pid, tp.id, partition, &st)) == 0)
		*sequence = st.next;
	db_abort(&t);
	return rc;
}

/*
 * producer.c - W2 with the asynchronous producer: threads call
 * offlog_producer_send (128 B, one partition) as fast as it accepts, the
 * delivery callback counts the reports, and offlog_producer_flush waits for
 * the last one. The rate is every record sent, written and reported over the
 * time from the first send to the end of the flush, against the raw LMDB
 * loop at batch 1000 (one thread, same records, same mode), in turns.
 *
 * The producer functions are referenced weakly: with a library that does not
 * have them yet the suite still builds, and this workload says it is skipped.
 */
#include "bench.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define WEAK __attribute__((weak))
#else
#define WEAK
#endif

WEAK int offlog_producer_open(offlog_producer **producer, offlog_env *env,
                              const offlog_producer_options *opts);
WEAK int offlog_producer_send(offlog_producer *producer, const char *topic, int32_t partition,
                              const offlog_message *msg, void *msg_opaque);
WEAK int offlog_producer_flush(offlog_producer *producer, int timeout_ms);
WEAK int offlog_producer_close(offlog_producer *producer, unsigned flags);

#define VALUE_SIZE 128
#define RAW_BATCH 1000
#define MAX_SENDERS 4
#define QUICK_RECORDS ((size_t)60000)
#define FULL_RECORDS ((size_t)400000)

static const size_t senders[] = {1, 4};
static const int modes[] = {MODE_D2, MODE_D0};

typedef struct prod_cell prod_cell;

typedef struct sender {
	prod_cell *cell;
	size_t first, count;
	pthread_t tid;
} sender;

struct prod_cell {
	const bench_ctx *b;
	int mode;
	size_t nsend;
	size_t records;
	offlog_producer *producer;
	pthread_barrier_t start;
	sender s[MAX_SENDERS];
	atomic_uint_fast64_t delivered;
	atomic_int first_err;
	char errmsg[256]; /* offlog_errmsg() on the producer's thread at the first error */
};

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %s", strerror(rc));
}

static void on_delivery(void *opaque, const offlog_delivery *report)
{
	prod_cell *c = opaque;
	if (report->err) {
		int none = 0;
		if (atomic_compare_exchange_strong(&c->first_err, &none, report->err))
			snprintf(c->errmsg, sizeof c->errmsg, "%s", offlog_errmsg());
	}
	atomic_fetch_add_explicit(&c->delivered, 1, memory_order_relaxed);
}

static void *sender_main(void *arg)
{
	sender *s = arg;
	prod_cell *c = s->cell;
	offlog_message msg = {NULL, 0, NULL, VALUE_SIZE, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	barrier_wait(&c->start);
	for (size_t i = s->first; i < s->first + s->count; i++) {
		msg.value = payload_value(c->b->p, i, VALUE_SIZE);
		ol_check(offlog_producer_send(c->producer, BENCH_TOPIC, 0, &msg, NULL),
		         "offlog_producer_send");
	}
	return NULL;
}

static double offlog_run(prod_cell *c, const char *dir)
{
	offlog_env *env = ol_env_create(dir, c->mode, 1);
	offlog_producer_options o = OFFLOG_PRODUCER_OPTIONS_INIT;
	o.on_delivery = on_delivery;
	o.opaque = c;
	atomic_store(&c->delivered, 0);
	atomic_store(&c->first_err, 0);
	ol_check(offlog_producer_open(&c->producer, env, &o), "offlog_producer_open");
	int rc = pthread_barrier_init(&c->start, NULL, (unsigned)c->nsend + 1);
	if (rc != 0)
		die("pthread_barrier_init: %s", strerror(rc));
	for (size_t t = 0; t < c->nsend; t++) {
		sender *s = &c->s[t];
		s->cell = c;
		s->first = c->records / c->nsend * t;
		s->count = t + 1 == c->nsend ? c->records - s->first : c->records / c->nsend;
		thread_start(&s->tid, sender_main, s);
	}
	barrier_wait(&c->start);
	double t0 = now_sec();
	for (size_t t = 0; t < c->nsend; t++)
		thread_join(c->s[t].tid);
	ol_check(offlog_producer_flush(c->producer, -1), "offlog_producer_flush");
	/* D0: as in W1, the run ends with everything durable. */
	if (c->mode == MODE_D0)
		ol_check(offlog_flush(env), "offlog_flush");
	double secs = now_sec() - t0;
	if ((rc = pthread_barrier_destroy(&c->start)) != 0)
		die("pthread_barrier_destroy: %s", strerror(rc));
	ol_check(offlog_producer_close(c->producer, 0), "offlog_producer_close");
	c->producer = NULL;
	int err = atomic_load(&c->first_err);
	if (err)
		die("offlog producer: a delivery report failed: %s (%s): %s", offlog_errname(err),
		    offlog_strerror(err), c->errmsg);
	uint64_t got = atomic_load(&c->delivered);
	if (got != c->records)
		die("offlog producer: %llu delivery reports for %zu records", (unsigned long long)got,
		    c->records);
	int64_t leo = ol_log_end(env, 0);
	if (leo != (int64_t)c->records)
		die("offlog producer: log end offset %lld after %zu records", (long long)leo, c->records);
	ol_check(offlog_close(env), "offlog_close");
	return secs;
}

static double prod_run(size_t k, size_t round, void *arg)
{
	prod_cell *c = arg;
	double secs;
	(void)round;
	char *dir = tmpdir_create(k == 0 ? "producer" : "producer-lmdb");
	if (k == 0) {
		secs = offlog_run(c, dir);
	} else {
		append_spec w = {VALUE_SIZE, RAW_BATCH, c->mode, c->records};
		raw_lmdb *r = raw_lmdb_open(dir, c->mode);
		secs = raw_lmdb_append(r, &w, c->b->p);
		raw_lmdb_close(r);
	}
	tmpdir_remove(dir);
	if (!(secs > 0))
		die("W2 producer: run took no measurable time");
	return (double)c->records / secs;
}

void run_producer(const bench_ctx *b)
{
	printf("\nW2 asynchronous producer: offlog_producer_send 128B from 1 or 4 threads, "
	       "defaults (linger 5 ms),\n   delivery callback counting, flush at the end "
	       "(ratio: offlog / raw LMDB loop at batch %d, one thread)\n",
	       RAW_BATCH);
	if (!offlog_producer_open || !offlog_producer_send || !offlog_producer_flush ||
	    !offlog_producer_close) {
		printf("skipped: this library has no offlog_producer_* functions yet\n");
		target_add("W2 asynchronous producer", "this library has no producer yet",
		           TARGET_NOT_MEASURED);
		return;
	}
	prod_cell *c = xcalloc(1, sizeof *c);
	c->b = b;
	c->records = b->quick ? QUICK_RECORDS : FULL_RECORDS;
	c->records -= c->records % RAW_BATCH;
	for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++)
		for (size_t si = 0; si < sizeof senders / sizeof senders[0]; si++) {
			double rate[TURNS_MAX][BENCH_MAX_RUNS];
			char variant[64], r0[32], r1[32];
			c->mode = modes[mi];
			c->nsend = senders[si];
			take_turns(rate, 2, b->runs, prod_run, c);
			double ol = median(rate[0], b->runs), raw = median(rate[1], b->runs);
			double ratio = median_ratio(rate[0], rate[1], b->runs);
			snprintf(variant, sizeof variant, "producer/128B/senders%zu/%s", c->nsend,
			         mode_name(c->mode));
			fmt_rate(r0, sizeof r0, ol);
			fmt_rate(r1, sizeof r1, raw);
			printf("%-30s offlog %s rec/s  raw-lmdb-batch%d %s rec/s  ratio %.2f\n", variant, r0,
			       RAW_BATCH, r1, ratio);
			fflush(stdout);
			csv_add("W2", variant, "offlog-producer", ol, "rec/s", NAN);
			csv_add("W2", variant, "raw-lmdb-batch1000", raw, "rec/s", ratio);
		}
	free(c);
}

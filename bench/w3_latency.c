/*
 * w3_latency.c - W3 produce -> consume latency at a fixed rate.
 *
 * One thread appends (offlog_append, batch 1, 128 B) on a fixed schedule,
 * writing the send time (CLOCK_MONOTONIC, just before the call) into the
 * first 8 bytes of the value; another polls with a timeout, woken by the
 * appends of this process, and takes receive - send for every record, the
 * receive time being when its poll returned. D0 is read with
 * OFFLOG_ISOLATION_COMMITTED (up to the log end offset: no wait for a
 * flush), D2 with the default isolation (up to the high watermark, which a
 * SYNC append moves at once). A producer that cannot keep the rate (D2, one
 * sync per append) sends as fast as it can; the line says the rate reached.
 *
 * The baseline is the wake floor: the same schedule handing the send times
 * to the consumer thread through memory, a mutex and a condition variable,
 * no store. No in-process consumer that sleeps between records can beat it.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define VALUE_SIZE 128
#define QUICK_RATE 20000.0
#define FULL_RATE 100000.0
#define QUICK_SECS 0.15
#define FULL_SECS 1.0
#define POLL_TIMEOUT_MS 100
/* A consumer still missing records this long after the producer ended is
 * a failure, not a slow run. */
#define DRAIN_TIMEOUT_SEC 10.0

enum { L_OFFLOG, L_FLOOR, L__COUNT };

typedef struct lat_cell {
	const bench_ctx *b;
	int mode;
	double rate, secs;
	size_t cap;     /* most records one run can send */
	float *lat;     /* cap: microseconds, by offset */
	uint64_t *sent_at; /* cap: the floor's send times */
	uint8_t value[VALUE_SIZE];
	/* the run in progress */
	offlog_env *env;
	offlog_consumer *consumer;
	pthread_barrier_t start;
	atomic_bool done;
	atomic_uint_fast64_t sent;
	uint64_t received;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t head; /* floor: records handed over, under mu */
	double achieved[L__COUNT][BENCH_MAX_RUNS];
	double p50[L__COUNT][BENCH_MAX_RUNS], p99[L__COUNT][BENCH_MAX_RUNS],
		p999[L__COUNT][BENCH_MAX_RUNS];
} lat_cell;

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %s", strerror(rc));
}

static void lock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_lock(m);
	if (rc != 0)
		die("pthread_mutex_lock: %s", strerror(rc));
}

static void unlock(pthread_mutex_t *m)
{
	int rc = pthread_mutex_unlock(m);
	if (rc != 0)
		die("pthread_mutex_unlock: %s", strerror(rc));
}

static void record(lat_cell *c, uint64_t recv, uint64_t sent)
{
	if (c->received >= c->cap)
		die("W3 latency: more records received than sent");
	c->lat[c->received++] = (float)((double)(recv - sent) / 1e3);
}

/* ---- consumers ---------------------------------------------------------- */

static bool drained(lat_cell *c, double *deadline)
{
	if (!atomic_load(&c->done))
		return false;
	if (c->received == atomic_load(&c->sent))
		return true;
	if (*deadline == 0)
		*deadline = now_sec() + DRAIN_TIMEOUT_SEC;
	else if (now_sec() > *deadline)
		die("W3 latency: %llu of %llu records received %.0f s after the last was sent",
		    (unsigned long long)c->received, (unsigned long long)atomic_load(&c->sent),
		    DRAIN_TIMEOUT_SEC);
	return false;
}

static void *offlog_consumer_main(void *arg)
{
	lat_cell *c = arg;
	const offlog_record *recs;
	size_t n;
	double deadline = 0;
	/* The first poll resolves the position; nothing is there yet. */
	ol_check(offlog_consumer_poll(&recs, &n, c->consumer, 0), "offlog_consumer_poll");
	barrier_wait(&c->start);
	while (!drained(c, &deadline)) {
		ol_check(offlog_consumer_poll(&recs, &n, c->consumer, POLL_TIMEOUT_MS),
		         "offlog_consumer_poll");
		uint64_t now = now_ns();
		for (size_t j = 0; j < n; j++) {
			uint64_t sent;
			if (recs[j].offset != (int64_t)c->received || recs[j].value_len != VALUE_SIZE)
				die("W3 latency: got offset %lld (%zu bytes), expected %llu",
				    (long long)recs[j].offset, recs[j].value_len,
				    (unsigned long long)c->received);
			memcpy(&sent, recs[j].value, sizeof sent);
			record(c, now, sent);
		}
	}
	ol_check(offlog_consumer_release(c->consumer), "offlog_consumer_release");
	return NULL;
}

static void *floor_consumer_main(void *arg)
{
	lat_cell *c = arg;
	double deadline = 0;
	barrier_wait(&c->start);
	while (!drained(c, &deadline)) {
		lock(&c->mu);
		while (c->head == c->received && !atomic_load(&c->done)) {
			struct timespec ts;
			uint64_t t = now_ns() + (uint64_t)POLL_TIMEOUT_MS * 1000000u;
			ts.tv_sec = (time_t)(t / 1000000000u);
			ts.tv_nsec = (long)(t % 1000000000u);
			int rc = pthread_cond_timedwait(&c->cv, &c->mu, &ts);
			if (rc != 0 && rc != ETIMEDOUT)
				die("pthread_cond_timedwait: %s", strerror(rc));
		}
		uint64_t head = c->head;
		unlock(&c->mu);
		uint64_t now = now_ns();
		while (c->received < head)
			record(c, now, c->sent_at[c->received]);
	}
	return NULL;
}

/* ---- the producer ------------------------------------------------------- */

/* Sends on schedule until the run's time is up; returns the records sent. */
static uint64_t produce(lat_cell *c, int sys)
{
	offlog_message msg = {NULL, 0, c->value, VALUE_SIZE, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	uint64_t interval = (uint64_t)(1e9 / c->rate);
	uint64_t start = now_ns(), end = start + (uint64_t)(c->secs * 1e9);
	uint64_t i;
	for (i = 0; i < c->cap; i++) {
		uint64_t due = start + i * interval;
		if (due >= end)
			break;
		wait_until_ns(due);
		memcpy(c->value + 8, payload_value(c->b->p, (size_t)i, VALUE_SIZE - 8), VALUE_SIZE - 8);
		uint64_t t = now_ns();
		if (t >= end)
			break;
		if (sys == L_OFFLOG) {
			memcpy(c->value, &t, sizeof t);
			ol_check(offlog_append(NULL, NULL, c->env, BENCH_TOPIC, 0, &msg), "offlog_append");
		} else {
			c->sent_at[i] = t;
			lock(&c->mu);
			c->head = i + 1;
			int rc = pthread_cond_signal(&c->cv);
			if (rc != 0)
				die("pthread_cond_signal: %s", strerror(rc));
			unlock(&c->mu);
		}
	}
	return i;
}

/* ---- one run ------------------------------------------------------------ */

static void open_offlog(lat_cell *c, const char *dir)
{
	offlog_consumer_options co = OFFLOG_CONSUMER_OPTIONS_INIT;
	offlog_topic_partition tp = {BENCH_TOPIC, 0};
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	co.enable_auto_commit = 0;
	co.isolation = c->mode == MODE_D0 ? OFFLOG_ISOLATION_COMMITTED : OFFLOG_ISOLATION_DURABLE;
	c->env = ol_env_create(dir, c->mode, 1);
	ol_check(offlog_consumer_open(&c->consumer, c->env, NULL, &co), "offlog_consumer_open");
	ol_check(offlog_consumer_assign(c->consumer, &tp, 1), "offlog_consumer_assign");
}

static void close_offlog(lat_cell *c, uint64_t sent)
{
	ol_check(offlog_consumer_close(c->consumer), "offlog_consumer_close");
	c->consumer = NULL;
	if (c->mode == MODE_D0)
		ol_check(offlog_flush(c->env), "offlog_flush");
	if (ol_log_end(c->env, 0) != (int64_t)sent)
		die("W3 latency: log end offset %lld after %llu appends",
		    (long long)ol_log_end(c->env, 0), (unsigned long long)sent);
	ol_check(offlog_close(c->env), "offlog_close");
	c->env = NULL;
}

static double lat_run(size_t k, size_t round, void *arg)
{
	lat_cell *c = arg;
	pthread_t consumer;
	char *dir = NULL;
	int rc;
	if (k == L_OFFLOG) {
		dir = tmpdir_create("w3lat");
		open_offlog(c, dir);
	} else {
		c->head = 0;
	}
	c->received = 0;
	atomic_store(&c->done, false);
	atomic_store(&c->sent, 0);
	if ((rc = pthread_barrier_init(&c->start, NULL, 2)) != 0)
		die("pthread_barrier_init: %s", strerror(rc));
	thread_start(&consumer, k == L_OFFLOG ? offlog_consumer_main : floor_consumer_main, c);
	barrier_wait(&c->start);
	uint64_t sent = produce(c, (int)k);
	atomic_store(&c->sent, sent);
	atomic_store(&c->done, true);
	if (k == L_FLOOR) {
		/* Wake a consumer waiting for a record that will not come. */
		lock(&c->mu);
		if ((rc = pthread_cond_signal(&c->cv)) != 0)
			die("pthread_cond_signal: %s", strerror(rc));
		unlock(&c->mu);
	}
	thread_join(consumer);
	if ((rc = pthread_barrier_destroy(&c->start)) != 0)
		die("pthread_barrier_destroy: %s", strerror(rc));
	if (k == L_OFFLOG) {
		close_offlog(c, sent);
		tmpdir_remove(dir);
	}
	if (sent == 0 || c->received != sent)
		die("W3 latency: %llu records sent, %llu received", (unsigned long long)sent,
		    (unsigned long long)c->received);
	sort_floats(c->lat, (size_t)sent);
	c->p50[k][round] = quantile_sorted(c->lat, (size_t)sent, 0.50);
	c->p99[k][round] = quantile_sorted(c->lat, (size_t)sent, 0.99);
	c->p999[k][round] = quantile_sorted(c->lat, (size_t)sent, 0.999);
	c->achieved[k][round] = (double)sent / c->secs;
	return c->p99[k][round];
}

/* ---- the workload ------------------------------------------------------- */

static void lat_report(lat_cell *c, const char *variant)
{
	size_t runs = c->b->runs;
	double p50[L__COUNT], p99[L__COUNT], p999[L__COUNT], rate[L__COUNT];
	char a[32], b1[32], d[32], r[32];
	for (size_t k = 0; k < L__COUNT; k++) {
		p50[k] = median(c->p50[k], runs);
		p99[k] = median(c->p99[k], runs);
		p999[k] = median(c->p999[k], runs);
		rate[k] = median(c->achieved[k], runs);
	}
	double ratio = median_ratio(c->p99[L_OFFLOG], c->p99[L_FLOOR], runs);
	fmt_us(a, sizeof a, p50[L_OFFLOG]);
	fmt_us(b1, sizeof b1, p99[L_OFFLOG]);
	fmt_us(d, sizeof d, p999[L_OFFLOG]);
	fmt_rate(r, sizeof r, rate[L_OFFLOG]);
	printf("%-30s offlog p50 %s p99 %s p99.9 %s at %s rec/s", variant, a, b1, d, r);
	fmt_us(a, sizeof a, p50[L_FLOOR]);
	fmt_us(b1, sizeof b1, p99[L_FLOOR]);
	fmt_us(d, sizeof d, p999[L_FLOOR]);
	printf("  wake-floor p50 %s p99 %s p99.9 %s  ratio-p99 %.1f\n", a, b1, d, ratio);
	fflush(stdout);
	static const char *const names[L__COUNT] = {"offlog", "wake-floor"};
	for (size_t k = 0; k < L__COUNT; k++) {
		double rt = median_ratio(c->p50[L_OFFLOG], c->p50[k], runs);
		double r99 = median_ratio(c->p99[L_OFFLOG], c->p99[k], runs);
		double r999 = median_ratio(c->p999[L_OFFLOG], c->p999[k], runs);
		bool ol = k == L_OFFLOG;
		csv_add("W3", variant, names[k], rate[k], "rec/s", NAN);
		csv_add("W3", variant, names[k], p50[k], "p50_us", ol ? NAN : rt);
		csv_add("W3", variant, names[k], p99[k], "p99_us", ol ? NAN : r99);
		csv_add("W3", variant, names[k], p999[k], "p99.9_us", ol ? NAN : r999);
	}
	if (c->mode == MODE_D0) {
		char fig[160], rr[32], ra[32];
		/* A producer that fell behind its schedule did not run at the
		 * target's rate: the target is then not met either. */
		bool kept = rate[L_OFFLOG] >= 0.95 * c->rate;
		fmt_us(b1, sizeof b1, p99[L_OFFLOG]);
		fmt_rate(rr, sizeof rr, c->rate);
		fmt_rate(ra, sizeof ra, rate[L_OFFLOG]);
		snprintf(fig, sizeof fig, "%s  (target <= 50us at 100k rec/s; scheduled %s, reached %s%s)",
		         b1, rr, ra, c->b->quick ? ", quick run" : "");
		target_add("W3 latency D0 committed: p99 produce -> consume", fig,
		           c->rate < FULL_RATE                ? TARGET_NOT_MEASURED
		           : kept && p99[L_OFFLOG] <= 50      ? TARGET_MET
		                                              : TARGET_NOT_MET);
	}
}

/* Writeback left by the workloads before this one would take CPU time
 * from the two threads measured here, on a machine with few CPUs: push it
 * out first (untimed). */
static void settle(void)
{
	sync();
	sleep_sec(0.2);
}

void run_w3_latency(const bench_ctx *b)
{
	static const int modes[] = {MODE_D0, MODE_D2};
	double results[TURNS_MAX][BENCH_MAX_RUNS];
	lat_cell *c = xcalloc(1, sizeof *c);
	int rc;
	c->b = b;
	c->rate = b->quick ? QUICK_RATE : FULL_RATE;
	c->secs = b->quick ? QUICK_SECS : FULL_SECS;
	c->cap = (size_t)(c->rate * c->secs) + 1;
	c->lat = xcalloc(c->cap, sizeof *c->lat);
	c->sent_at = xcalloc(c->cap, sizeof *c->sent_at);
	pthread_condattr_t ca;
	/* The consumer's deadlines come from the monotonic clock. */
	if ((rc = pthread_mutex_init(&c->mu, NULL)) != 0 || (rc = pthread_condattr_init(&ca)) != 0 ||
	    (rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC)) != 0 ||
	    (rc = pthread_cond_init(&c->cv, &ca)) != 0 || (rc = pthread_condattr_destroy(&ca)) != 0)
		die("pthread init: %s", strerror(rc));
	printf("\nW3 produce -> consume latency: one producer at %.0fk rec/s (128B, batch 1, send "
	       "time in the value),\n   one consumer polling with a %d ms timeout; %.2g s per run "
	       "(wake-floor: the same hand-over through a condition variable, no store)\n",
	       c->rate / 1e3, POLL_TIMEOUT_MS, c->secs);
	for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
		char variant[64];
		c->mode = modes[mi];
		settle();
		snprintf(variant, sizeof variant, "w3lat/128B/%.0fk/%s", c->rate / 1e3,
		         c->mode == MODE_D0 ? "D0-committed" : "D2-durable");
		take_turns(results, L__COUNT, b->runs, lat_run, c);
		lat_report(c, variant);
	}
	if ((rc = pthread_mutex_destroy(&c->mu)) != 0 || (rc = pthread_cond_destroy(&c->cv)) != 0)
		die("pthread destroy: %s", strerror(rc));
	free(c->lat);
	free(c->sent_at);
	free(c);
}

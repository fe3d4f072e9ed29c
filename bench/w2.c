/*
 * w2.c - W2: many producers, each waiting for its own durable ack.
 *
 * N threads each append one 128-byte record at a time in a loop, calling
 * offlog_append (batch 1) and waiting for it, either all to one partition or
 * each to its own. What this measures is group commit: the rate all threads
 * reach together, and what each of them waits (the latency of every call,
 * kept in a per-thread array sized before the run).
 *
 * The same threads, in turn with offlog in each round: the raw LMDB loop
 * (each thread its own write transaction per record, in one database or one
 * per partition), the SQLite queue (each thread its own connection, one
 * insert per transaction, a busy timeout), and Redis Streams (each thread
 * its own connection, one XADD at a time). D2 compares SQLite FULL and Redis
 * appendfsync always; D0 SQLite NORMAL and Redis everysec; D1 has only
 * LMDB's equivalent.
 *
 * A run lasts a fixed time: the threads start together, the main thread
 * raises a stop flag after the run's time, and each thread finishes the call
 * it is in. The rate is the records completed over the time until the last
 * thread finished, plus, in D0, one flush at the end as in W1.
 */
#include "bench.h"

#include <lmdb.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_SIZE 128
#define MAX_THREADS 64
/* Latencies kept per thread per run; a thread that makes more calls
 * overwrites its oldest ones. */
#define LAT_CAP ((size_t)1 << 15)
#define QUICK_SECS 0.03
#define FULL_SECS 0.12
#define FLOOR_SYNCS_QUICK 200
#define FLOOR_SYNCS_FULL 1000
/* The longest the group commit waits for more writers before it commits. */
#define WINDOW_MAX_US 1000.0

static const size_t quick_threads[] = {1, 4, 32};
static const size_t full_threads[] = {1, 4, 16, 32, 64};

enum contestant { C_OFFLOG, C_LMDB, C_SQLITE, C_REDIS, C__COUNT };

typedef struct w2_cell w2_cell;

typedef struct worker {
	w2_cell *cell;
	size_t idx;
	int32_t part;
	pthread_t tid;
	uint64_t count;
	uint64_t end_ns;
	float *lat; /* LAT_CAP microseconds */
	sqlite_queue *q;
	redis_conn *rc;
	char key[32];
} worker;

struct w2_cell {
	const bench_ctx *b;
	int mode;
	size_t threads;
	bool perpart;
	double secs;
	int systems[C__COUNT];
	size_t nsys;
	/* the run in progress */
	int sys;
	offlog_env *env;
	raw_lmdb *raw;
	const char *dir;
	redis_server *srv;
	pthread_barrier_t start;
	atomic_bool stop;
	worker *w;  /* MAX_THREADS */
	float *all; /* MAX_THREADS * LAT_CAP, the samples of one run */
	double p50[C__COUNT][BENCH_MAX_RUNS], p99[C__COUNT][BENCH_MAX_RUNS];
};

static const char *const tags[C__COUNT] = {"w2-offlog", "w2-lmdb", "w2-sqlite", "w2-redis"};

static void barrier_wait(pthread_barrier_t *b)
{
	int rc = pthread_barrier_wait(b);
	if (rc != 0 && rc != PTHREAD_BARRIER_SERIAL_THREAD)
		die("pthread_barrier_wait: %s", strerror(rc));
}

/* ---- one producer thread ------------------------------------------------ */

static void *producer_main(void *arg)
{
	worker *w = arg;
	w2_cell *c = w->cell;
	const payload *p = c->b->p;
	offlog_message msg = {NULL, 0, NULL, VALUE_SIZE, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	if (c->sys == C_SQLITE) {
		w->q = sqlite_queue_connect(c->dir, c->mode);
		sqlite_queue_stop_on(w->q, &c->stop);
	}
	else if (c->sys == C_REDIS)
		w->rc = redis_connect(c->srv, 4096);
	barrier_wait(&c->start);
	uint64_t i = 0;
	while (!atomic_load_explicit(&c->stop, memory_order_relaxed)) {
		size_t vi = w->idx * 100003u + (size_t)i;
		const void *v = payload_value(p, vi, VALUE_SIZE);
		uint64_t t0 = now_ns();
		switch (c->sys) {
		case C_OFFLOG:
			msg.value = v;
			ol_check(offlog_append(NULL, NULL, c->env, BENCH_TOPIC, w->part, &msg),
			         "offlog_append");
			break;
		case C_LMDB:
			raw_lmdb_batch(c->raw, (unsigned)w->part, p, vi, 1, VALUE_SIZE, -1);
			break;
		case C_SQLITE:
			/* Given up at the end of the run: not a record. */
			if (!sqlite_queue_append_one(w->q, w->part, v, VALUE_SIZE))
				goto stopped;
			break;
		default:
			redis_xadd_one(w->rc, w->key, v, VALUE_SIZE);
			break;
		}
		w->lat[i % LAT_CAP] = (float)((double)(now_ns() - t0) / 1e3);
		i++;
	}
stopped:
	w->end_ns = now_ns();
	w->count = i;
	sqlite_queue_close(w->q);
	w->q = NULL;
	redis_close(w->rc);
	w->rc = NULL;
	return NULL;
}

/* ---- one run ------------------------------------------------------------ */

static int32_t partitions(const w2_cell *c)
{
	return c->perpart ? (int32_t)c->threads : 1;
}

/* Every system must hold exactly what its threads say they appended. */
static void verify(w2_cell *c, sqlite_queue *main_q, redis_conn *main_rc)
{
	for (int32_t part = 0; part < partitions(c); part++) {
		uint64_t want = 0;
		int64_t got;
		for (size_t t = 0; t < c->threads; t++)
			if (c->w[t].part == part)
				want += c->w[t].count;
		switch (c->sys) {
		case C_OFFLOG:
			got = ol_log_end(c->env, part);
			break;
		case C_LMDB:
			got = (int64_t)raw_lmdb_count(c->raw, (unsigned)part);
			break;
		case C_SQLITE:
			got = sqlite_queue_log_end(main_q, part);
			break;
		default:
			got = redis_xlen(main_rc, c->w[part].key);
			break;
		}
		if (got != (int64_t)want)
			die("W2 %s: partition %d holds %lld records, its threads appended %llu",
			    tags[c->sys], part, (long long)got, (unsigned long long)want);
	}
}

static void latencies(w2_cell *c, size_t sys, size_t round)
{
	size_t n = 0;
	for (size_t t = 0; t < c->threads; t++) {
		size_t k = c->w[t].count < LAT_CAP ? (size_t)c->w[t].count : LAT_CAP;
		memcpy(c->all + n, c->w[t].lat, k * sizeof *c->all);
		n += k;
	}
	if (n == 0)
		die("W2 %s: no call completed in the run", tags[c->sys]);
	sort_floats(c->all, n);
	c->p50[sys][round] = quantile_sorted(c->all, n, 0.50);
	c->p99[sys][round] = quantile_sorted(c->all, n, 0.99);
}

static double cell_run(size_t k, size_t round, void *arg)
{
	w2_cell *c = arg;
	sqlite_queue *main_q = NULL;
	redis_conn *main_rc = NULL;
	c->sys = c->systems[k];
	char *dir = tmpdir_create(tags[c->sys]);
	c->dir = dir;
	switch (c->sys) {
	case C_OFFLOG:
		c->env = ol_env_create(dir, c->mode, partitions(c));
		break;
	case C_LMDB:
		c->raw = raw_lmdb_open_logs(dir, c->mode, (unsigned)partitions(c), false, 0);
		break;
	case C_SQLITE:
		/* Held open through the run: no thread's close is the last one,
		 * which would checkpoint; D0's flush is this connection's. */
		main_q = sqlite_queue_open(dir, c->mode);
		sqlite_queue_add_partitions(main_q, partitions(c));
		break;
	default:
		c->srv = c->mode == MODE_D2 ? c->b->redis_always : c->b->redis_everysec;
		main_rc = redis_connect(c->srv, 4096);
		break;
	}
	for (size_t t = 0; t < c->threads; t++) {
		worker *w = &c->w[t];
		w->cell = c;
		w->idx = t;
		w->part = c->perpart ? (int32_t)t : 0;
		w->count = 0;
		snprintf(w->key, sizeof w->key, "w2:%d", (int)w->part);
	}
	int rc = pthread_barrier_init(&c->start, NULL, (unsigned)c->threads + 1);
	if (rc != 0)
		die("pthread_barrier_init: %s", strerror(rc));
	atomic_store(&c->stop, false);
	for (size_t t = 0; t < c->threads; t++)
		thread_start(&c->w[t].tid, producer_main, &c->w[t]);
	barrier_wait(&c->start);
	uint64_t t0 = now_ns();
	sleep_sec(c->secs);
	atomic_store(&c->stop, true);
	uint64_t total = 0, end = t0;
	for (size_t t = 0; t < c->threads; t++) {
		thread_join(c->w[t].tid);
		total += c->w[t].count;
		if (c->w[t].end_ns > end)
			end = c->w[t].end_ns;
	}
	if ((rc = pthread_barrier_destroy(&c->start)) != 0)
		die("pthread_barrier_destroy: %s", strerror(rc));
	double flush_secs = 0;
	if (c->mode == MODE_D0) {
		double f0 = now_sec();
		if (c->sys == C_OFFLOG)
			ol_check(offlog_flush(c->env), "offlog_flush");
		else if (c->sys == C_LMDB)
			raw_lmdb_flush(c->raw);
		else if (c->sys == C_SQLITE)
			sqlite_queue_flush(main_q);
		flush_secs = now_sec() - f0;
	}
	verify(c, main_q, main_rc);
	latencies(c, (size_t)c->sys, round);
	switch (c->sys) {
	case C_OFFLOG:
		ol_check(offlog_close(c->env), "offlog_close");
		c->env = NULL;
		break;
	case C_LMDB:
		raw_lmdb_close(c->raw);
		c->raw = NULL;
		break;
	case C_SQLITE:
		sqlite_queue_close(main_q);
		break;
	default:
		redis_close(main_rc);
		redis_flushall(c->srv);
		break;
	}
	tmpdir_remove(dir);
	double secs = (double)(end - t0) / 1e9 + flush_secs;
	if (!(secs > 0))
		die("W2 %s: run took no measurable time", tags[c->sys]);
	return (double)total / secs;
}

/* ---- the table ---------------------------------------------------------- */

static const char *sys_name(const w2_cell *c, int sys)
{
	switch (sys) {
	case C_OFFLOG:
		return "offlog";
	case C_LMDB:
		return "raw-lmdb";
	case C_SQLITE:
		return "sqlite";
	default:
		return c->mode == MODE_D2 ? "redis-always" : "redis-everysec";
	}
}

/* Medians of one cell, by contestant. */
typedef struct cell_out {
	bool have[C__COUNT];
	double rate[C__COUNT], ratio[C__COUNT], p50[C__COUNT], p99[C__COUNT];
} cell_out;

static void cell_measure(w2_cell *c, cell_out *o)
{
	double rate[TURNS_MAX][BENCH_MAX_RUNS];
	size_t runs = c->b->runs;
	take_turns(rate, c->nsys, runs, cell_run, c);
	memset(o, 0, sizeof *o);
	for (size_t k = 0; k < c->nsys; k++) {
		int sys = c->systems[k];
		o->have[sys] = true;
		o->rate[sys] = median(rate[k], runs);
		o->ratio[sys] = median_ratio(rate[0], rate[k], runs);
		o->p50[sys] = median(c->p50[sys], runs);
		o->p99[sys] = median(c->p99[sys], runs);
	}
}

static void cell_report(const w2_cell *c, const char *variant, const cell_out *o,
                        double one_thread)
{
	char r[32], a[32], b[32];
	fmt_rate(r, sizeof r, o->rate[C_OFFLOG]);
	fmt_us(a, sizeof a, o->p50[C_OFFLOG]);
	fmt_us(b, sizeof b, o->p99[C_OFFLOG]);
	printf("%-30s offlog %s rec/s p50 %s p99 %s", variant, r, a, b);
	for (size_t k = 1; k < c->nsys; k++) {
		int sys = c->systems[k];
		fmt_rate(r, sizeof r, o->rate[sys]);
		printf("  %s %s", sys_name(c, sys), r);
	}
	printf("  ratio-vs-1thread %.1f\n", o->rate[C_OFFLOG] / one_thread);
	fflush(stdout);
	for (size_t k = 0; k < c->nsys; k++) {
		int sys = c->systems[k];
		double ratio = sys == C_OFFLOG ? NAN : o->ratio[sys];
		csv_add("W2", variant, sys_name(c, sys), o->rate[sys], "rec/s", ratio);
		csv_add("W2", variant, sys_name(c, sys), o->p50[sys], "p50_us", NAN);
		csv_add("W2", variant, sys_name(c, sys), o->p99[sys], "p99_us", NAN);
	}
	csv_add("W2", variant, "offlog-1thread", one_thread, "rec/s", o->rate[C_OFFLOG] / one_thread);
}

/* ---- targets ------------------------------------------------------------ */

static void w2_targets(const char *layout, size_t threads, const cell_out *o, double one_thread,
                       double sync_us)
{
	char what[96], fig[160], r1[32], r2[32], l1[32], l2[32];
	double x = o->rate[C_OFFLOG] / one_thread;
	fmt_rate(r1, sizeof r1, o->rate[C_OFFLOG]);
	fmt_rate(r2, sizeof r2, one_thread);
	snprintf(what, sizeof what, "W2 %zu producers D2 %s: aggregate / 1 producer", threads, layout);
	snprintf(fig, sizeof fig, "%5.1f  (%s vs %s rec/s; target >= 10)", x, r1, r2);
	target_add(what, fig, x >= 10 ? TARGET_MET : TARGET_NOT_MET);
	for (int sys = C_SQLITE; sys <= C_REDIS; sys++) {
		snprintf(what, sizeof what, "W2 %zu producers D2 %s: offlog / %s", threads, layout,
		         sys == C_SQLITE ? "SQLite FULL" : "Redis always");
		if (!o->have[sys]) {
			target_add(what, "", TARGET_NOT_MEASURED);
			continue;
		}
		fmt_rate(r2, sizeof r2, o->rate[sys]);
		snprintf(fig, sizeof fig, "%5.2f  (%s vs %s rec/s; target > 1)", o->ratio[sys], r1, r2);
		target_add(what, fig, o->ratio[sys] > 1 ? TARGET_MET : TARGET_NOT_MET);
	}
	/* One sync is one fdatasync, the fsync floor's (a D2 commit makes two:
	 * data, then meta page). The batching window is the group commit's
	 * wait for more writers: at most half the last transaction's time and
	 * never more than 1 ms, so the bound is taken at its most lenient,
	 * 1 ms + 2 syncs. */
	snprintf(what, sizeof what, "W2 %zu producers D2 %s: p99 ack latency", threads, layout);
	fmt_us(l1, sizeof l1, o->p99[C_OFFLOG]);
	fmt_us(l2, sizeof l2, 2 * sync_us);
	fmt_us(r2, sizeof r2, WINDOW_MAX_US + 2 * sync_us);
	snprintf(fig, sizeof fig, "%s  (target <= window + 2 syncs <= 1ms + %s = %s)", l1, l2, r2);
	target_add(what, fig,
	           o->p99[C_OFFLOG] <= WINDOW_MAX_US + 2 * sync_us ? TARGET_MET : TARGET_NOT_MET);
}

/* The duration of one sync on this file system: the fsync floor, median of
 * the runs, measured here so that the latency bound comes from this run. */
static double floor_sync_us(const bench_ctx *b)
{
	double rate[BENCH_MAX_RUNS];
	size_t syncs = b->quick ? FLOOR_SYNCS_QUICK : FLOOR_SYNCS_FULL;
	for (size_t r = 0; r < b->runs; r++) {
		char *dir = tmpdir_create("w2-floor");
		rate[r] = (double)syncs / fsync_floor_run(dir, syncs);
		tmpdir_remove(dir);
	}
	return 1e6 / median(rate, b->runs);
}

/* ---- the workload ------------------------------------------------------- */

enum series { S_D2_SHARED, S_D2_PERPART, S_D1_SHARED, S_LMDB, S_SQLITE, S_REDIS_A, S_REDIS_E,
              S__COUNT };

static void plot_init(plot_data *d, const size_t *threads, size_t n)
{
	static const char *const titles[S__COUNT] = {
		"offlog D2, one partition",   "offlog D2, a partition per thread",
		"offlog D1, one partition",   "raw LMDB D2 (txn per record)",
		"SQLite WAL FULL",            "Redis appendfsync always",
		"Redis everysec (no sync per write)"};
	memset(d, 0, sizeof *d);
	d->npoints = n;
	d->nseries = S__COUNT;
	for (size_t i = 0; i < n; i++)
		d->x[i] = (double)threads[i];
	for (size_t s = 0; s < S__COUNT; s++) {
		d->title[s] = titles[s];
		for (size_t i = 0; i < n; i++)
			d->y[s][i] = NAN;
	}
}

static void plot_add(plot_data *d, size_t point, int mode, bool perpart, const cell_out *o)
{
	if (mode == MODE_D2 && perpart) {
		d->y[S_D2_PERPART][point] = o->rate[C_OFFLOG];
		return;
	}
	if (perpart)
		return;
	if (mode == MODE_D2) {
		d->y[S_D2_SHARED][point] = o->rate[C_OFFLOG];
		d->y[S_LMDB][point] = o->rate[C_LMDB];
		if (o->have[C_SQLITE])
			d->y[S_SQLITE][point] = o->rate[C_SQLITE];
		if (o->have[C_REDIS])
			d->y[S_REDIS_A][point] = o->rate[C_REDIS];
	} else if (mode == MODE_D1) {
		d->y[S_D1_SHARED][point] = o->rate[C_OFFLOG];
	} else if (o->have[C_REDIS]) {
		d->y[S_REDIS_E][point] = o->rate[C_REDIS];
	}
	/* A single thread has one layout: both D2 lines start from it. */
	if (mode == MODE_D2 && d->x[point] == 1)
		d->y[S_D2_PERPART][point] = o->rate[C_OFFLOG];
}

void run_w2(const bench_ctx *b)
{
	static const int modes[] = {MODE_D2, MODE_D1, MODE_D0};
	const size_t *threads = b->quick ? quick_threads : full_threads;
	size_t nthreads = b->quick ? sizeof quick_threads / sizeof quick_threads[0]
	                           : sizeof full_threads / sizeof full_threads[0];
	w2_cell *c = xcalloc(1, sizeof *c);
	plot_data plot;
	c->b = b;
	c->secs = b->quick ? QUICK_SECS : FULL_SECS;
	c->w = xcalloc(MAX_THREADS, sizeof *c->w);
	c->all = xcalloc(MAX_THREADS * LAT_CAP, sizeof *c->all);
	for (size_t t = 0; t < MAX_THREADS; t++)
		c->w[t].lat = xcalloc(LAT_CAP, sizeof *c->w[t].lat);
	plot_init(&plot, threads, nthreads);

	double sync_us = floor_sync_us(b);
	char s1[32];
	fmt_us(s1, sizeof s1, sync_us);
	printf("\nW2 many producers, each waiting for its own ack: offlog_append batch 1, 128B, "
	       "%.0f ms per run\n"
	       "   threads share one partition (shared) or have one each (perpart); baselines "
	       "with the same threads;\n   latency: per call, all threads; fsync floor here: one "
	       "sync = %s\n",
	       c->secs * 1e3, s1);
	for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
		c->mode = modes[mi];
		if (b->quick && c->mode == MODE_D1)
			continue;   /* the quick run: D2 and D0, where the peers are */
		c->nsys = 0;
		c->systems[c->nsys++] = C_OFFLOG;
		c->systems[c->nsys++] = C_LMDB;
		if (c->mode != MODE_D1) {
			c->systems[c->nsys++] = C_SQLITE;
			if (b->redis_always)
				c->systems[c->nsys++] = C_REDIS;
		}
		double one_thread = 0;
		for (size_t ti = 0; ti < nthreads; ti++)
			for (int layout = 0; layout < 2; layout++) {
				char variant[64];
				cell_out o;
				c->threads = threads[ti];
				c->perpart = layout == 1;
				if (c->threads == 1 && c->perpart)
					continue;
				snprintf(variant, sizeof variant, "w2/128B/threads%zu%s/%s", c->threads,
				         c->threads == 1 ? "" : c->perpart ? "/perpart" : "/shared",
				         mode_name(c->mode));
				cell_measure(c, &o);
				if (c->threads == 1)
					one_thread = o.rate[C_OFFLOG];
				cell_report(c, variant, &o, one_thread);
				plot_add(&plot, ti, c->mode, c->perpart, &o);
				if (c->mode == MODE_D2 && c->threads == 32)
					w2_targets(c->perpart ? "perpart" : "shared", 32, &o, one_thread, sync_us);
			}
	}
	plot_w2(b->out_dir, &plot);
	for (size_t t = 0; t < MAX_THREADS; t++)
		free(c->w[t].lat);
	free(c->w);
	free(c->all);
	free(c);
}

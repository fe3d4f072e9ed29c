/*
 * wake.c - W3 cross-process wake-up: how soon a consumer blocked in
 * offlog_consumer_poll() returns a record appended by another process.
 *
 * A child process (forked, opening the store itself) appends one 16-byte
 * record every 2 ms, the send time (CLOCK_MONOTONIC, just before the call)
 * in its first 8 bytes; the parent's consumer waits in poll with a 1 s
 * timeout and takes receive - send for every record, the receive time being
 * when its poll returned. The store is in D0 and the consumer reads with
 * OFFLOG_ISOLATION_COMMITTED, so no sync is in the figure: it is the
 * append, the wake-up across processes and the read.
 *
 * The baseline is the pipe floor: the same schedule handing the send times
 * from a child process to the parent through a pipe, the parent blocked in
 * read(). No consumer that sleeps between records in another process than
 * the producer can expect much better.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define VALUE_SIZE 16
#define INTERVAL_NS 2000000u  /* one record every 2 ms */
#define QUICK_RECORDS 100
#define FULL_RECORDS 1000
#define POLL_TIMEOUT_MS 1000
/* Between the child's "ready" and its first record: the parent is then
 * waiting in poll or read. */
#define START_DELAY_NS 5000000u
/* A run still missing records this long after it should have ended is a
 * failure, not a slow run. */
#define DRAIN_TIMEOUT_SEC 10.0
/* No BENCH.md target; what is asked is a wake-up "within a millisecond or
 * two". */
#define TARGET_P99_US 2000.0

enum { K_OFFLOG, K_PIPE, K__COUNT };

typedef struct wake_cell {
	const bench_ctx *b;
	size_t records;
	float *lat; /* records: microseconds, by arrival */
	double p50[K__COUNT][BENCH_MAX_RUNS], p99[K__COUNT][BENCH_MAX_RUNS],
		p999[K__COUNT][BENCH_MAX_RUNS];
} wake_cell;

/* ---- the child ----------------------------------------------------------
 * It must never call die() or exit(): those run the parent's atexit
 * handlers, which remove the temporary directories of the whole run. */

_Noreturn static void child_fail(const char *what, const char *detail)
{
	fprintf(stderr, "offlog-bench: wake: child: %s: %s\n", what, detail);
	_exit(1);
}

static void child_check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "offlog-bench: wake: child: %s: %s (%s): %s\n", what,
		        offlog_errname(rc), offlog_strerror(rc), offlog_errmsg());
		_exit(1);
	}
}

static uint64_t child_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		child_fail("clock_gettime", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void child_sleep_until(uint64_t t)
{
	struct timespec ts = {(time_t)(t / 1000000000u), (long)(t % 1000000000u)};
	int rc;
	while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) != 0)
		if (rc != EINTR)
			child_fail("clock_nanosleep", strerror(rc));
}

static void child_write(int fd, const void *buf, size_t len)
{
	ssize_t w;
	while ((w = write(fd, buf, len)) < 0 && errno == EINTR)
		;
	if (w != (ssize_t)len)
		child_fail("write to the pipe", w < 0 ? strerror(errno) : "short write");
}

/* Sends `records` send times on schedule: appended to the store in dir, or
 * (dir NULL) written to fd. Says "ready" on fd first. */
_Noreturn static void child_main(const char *dir, int fd, size_t records)
{
	offlog_env *env = NULL;
	uint8_t value[VALUE_SIZE] = {0};
	offlog_message msg = {NULL, 0, value, VALUE_SIZE, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	if (dir) {
		offlog_options o = OFFLOG_OPTIONS_INIT;
		o.durability = OFFLOG_DURABILITY_ASYNC;
		o.flush_interval_ms = 0;
		child_check(offlog_open(&env, dir, &o), "offlog_open");
	}
	child_write(fd, "r", 1);
	uint64_t start = child_now() + START_DELAY_NS;
	for (size_t i = 0; i < records; i++) {
		child_sleep_until(start + (uint64_t)i * INTERVAL_NS);
		uint64_t t = child_now();
		if (env) {
			uint64_t seq = i;
			memcpy(value, &t, sizeof t);
			memcpy(value + 8, &seq, sizeof seq);
			child_check(offlog_append(NULL, NULL, env, BENCH_TOPIC, 0, &msg), "offlog_append");
		} else {
			child_write(fd, &t, sizeof t);
		}
	}
	if (env)
		child_check(offlog_close(env), "offlog_close");
	close(fd);
	_exit(0);
}

/* ---- the parent --------------------------------------------------------- */

static pid_t child_pid; /* the live child, killed if the run fails */

_Noreturn __attribute__((format(printf, 1, 2))) static void fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (child_pid > 0) {
		kill(child_pid, SIGKILL);
		waitpid(child_pid, NULL, 0);
		child_pid = 0;
	}
	die("wake: %s", msg);
}

static void start_child(const char *dir, int fds[2], size_t records)
{
	if (pipe(fds) != 0)
		die("wake: pipe: %s", strerror(errno));
	fflush(NULL);
	child_pid = fork();
	if (child_pid < 0)
		die("wake: fork: %s", strerror(errno));
	if (child_pid == 0) {
		close(fds[0]);
		child_main(dir, fds[1], records);
	}
	close(fds[1]);
}

/* Read exactly len bytes; false at end of file before the first byte. */
static bool read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t r = read(fd, (char *)buf + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			fail("read from the pipe: %s", strerror(errno));
		if (r == 0) {
			if (got == 0)
				return false;
			fail("read from the pipe: %zu of %zu bytes", got, len);
		}
		got += (size_t)r;
	}
	return true;
}

static void wait_ready(int fd)
{
	char c;
	if (!read_full(fd, &c, 1))
		fail("the child exited before it was ready");
}

static void reap_child(void)
{
	int st;
	pid_t w;
	while ((w = waitpid(child_pid, &st, 0)) < 0 && errno == EINTR)
		;
	if (w < 0)
		die("wake: waitpid: %s", strerror(errno));
	child_pid = 0;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		die("wake: the child failed (status %d)", st);
}

static void offlog_receive(wake_cell *c, offlog_consumer *consumer)
{
	double deadline = now_sec() + (double)c->records * INTERVAL_NS / 1e9 + DRAIN_TIMEOUT_SEC;
	size_t received = 0;
	while (received < c->records) {
		const offlog_record *recs;
		size_t n;
		int rc = offlog_consumer_poll(&recs, &n, consumer, POLL_TIMEOUT_MS);
		uint64_t now = now_ns();
		if (rc != 0)
			fail("offlog_consumer_poll: %s: %s", offlog_errname(rc), offlog_errmsg());
		for (size_t j = 0; j < n; j++) {
			uint64_t sent, seq;
			if (recs[j].offset != (int64_t)received || recs[j].value_len != VALUE_SIZE)
				fail("got offset %lld (%zu bytes), expected %zu", (long long)recs[j].offset,
				     recs[j].value_len, received);
			memcpy(&sent, recs[j].value, sizeof sent);
			memcpy(&seq, (const uint8_t *)recs[j].value + 8, sizeof seq);
			if (seq != received)
				fail("record %zu carries sequence %llu", received, (unsigned long long)seq);
			c->lat[received++] = (float)((double)(now - sent) / 1e3);
		}
		if (n == 0 && now_sec() > deadline)
			fail("%zu of %zu records received %.0f s after the last was due", received,
			     c->records, DRAIN_TIMEOUT_SEC);
	}
	ol_check(offlog_consumer_release(consumer), "offlog_consumer_release");
}

static void run_offlog(wake_cell *c)
{
	char *dir = tmpdir_create("wake");
	offlog_env *env = ol_env_create(dir, MODE_D0, 1);
	offlog_consumer *consumer;
	offlog_consumer_options co = OFFLOG_CONSUMER_OPTIONS_INIT;
	offlog_topic_partition tp = {BENCH_TOPIC, 0};
	const offlog_record *recs;
	size_t n;
	int fds[2];
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	co.enable_auto_commit = 0;
	co.isolation = OFFLOG_ISOLATION_COMMITTED;
	ol_check(offlog_consumer_open(&consumer, env, NULL, &co), "offlog_consumer_open");
	ol_check(offlog_consumer_assign(consumer, &tp, 1), "offlog_consumer_assign");
	/* The first poll resolves the position; nothing is there yet. */
	ol_check(offlog_consumer_poll(&recs, &n, consumer, 0), "offlog_consumer_poll");
	start_child(dir, fds, c->records);
	wait_ready(fds[0]);
	offlog_receive(c, consumer);
	char end;
	if (read_full(fds[0], &end, 1))
		fail("the child wrote more than it should");
	close(fds[0]);
	reap_child();
	ol_check(offlog_consumer_close(consumer), "offlog_consumer_close");
	if (ol_log_end(env, 0) != (int64_t)c->records)
		die("wake: log end offset %lld after %zu appends", (long long)ol_log_end(env, 0),
		    c->records);
	ol_check(offlog_close(env), "offlog_close");
	tmpdir_remove(dir);
}

static void run_pipe(wake_cell *c)
{
	int fds[2];
	uint64_t sent;
	start_child(NULL, fds, c->records);
	wait_ready(fds[0]);
	for (size_t i = 0; i < c->records; i++) {
		if (!read_full(fds[0], &sent, sizeof sent))
			fail("%zu of %zu send times received", i, c->records);
		c->lat[i] = (float)((double)(now_ns() - sent) / 1e3);
	}
	if (read_full(fds[0], &sent, sizeof sent))
		fail("the child wrote more than it should");
	close(fds[0]);
	reap_child();
}

static double wake_run(size_t k, size_t round, void *arg)
{
	wake_cell *c = arg;
	if (k == K_OFFLOG)
		run_offlog(c);
	else
		run_pipe(c);
	sort_floats(c->lat, c->records);
	c->p50[k][round] = quantile_sorted(c->lat, c->records, 0.50);
	c->p99[k][round] = quantile_sorted(c->lat, c->records, 0.99);
	c->p999[k][round] = quantile_sorted(c->lat, c->records, 0.999);
	return c->p99[k][round];
}

/* ---- the workload ------------------------------------------------------- */

static void wake_report(const wake_cell *c, const char *variant)
{
	size_t runs = c->b->runs;
	double p50[K__COUNT], p99[K__COUNT], p999[K__COUNT];
	char a[32], b1[32], d[32];
	for (size_t k = 0; k < K__COUNT; k++) {
		p50[k] = median(c->p50[k], runs);
		p99[k] = median(c->p99[k], runs);
		p999[k] = median(c->p999[k], runs);
	}
	double ratio = median_ratio(c->p99[K_OFFLOG], c->p99[K_PIPE], runs);
	fmt_us(a, sizeof a, p50[K_OFFLOG]);
	fmt_us(b1, sizeof b1, p99[K_OFFLOG]);
	fmt_us(d, sizeof d, p999[K_OFFLOG]);
	printf("%-30s offlog p50 %s p99 %s p99.9 %s", variant, a, b1, d);
	fmt_us(a, sizeof a, p50[K_PIPE]);
	fmt_us(b1, sizeof b1, p99[K_PIPE]);
	fmt_us(d, sizeof d, p999[K_PIPE]);
	printf("  pipe-floor p50 %s p99 %s p99.9 %s  ratio-p99 %.1f\n", a, b1, d, ratio);
	fflush(stdout);
	static const char *const names[K__COUNT] = {"offlog", "pipe-floor"};
	for (size_t k = 0; k < K__COUNT; k++) {
		bool ol = k == K_OFFLOG;
		csv_add("W3", variant, names[k], p50[k], "p50_us",
		        ol ? NAN : median_ratio(c->p50[K_OFFLOG], c->p50[k], runs));
		csv_add("W3", variant, names[k], p99[k], "p99_us",
		        ol ? NAN : median_ratio(c->p99[K_OFFLOG], c->p99[k], runs));
		csv_add("W3", variant, names[k], p999[k], "p99.9_us",
		        ol ? NAN : median_ratio(c->p999[K_OFFLOG], c->p999[k], runs));
	}
	char fig[160];
	fmt_us(b1, sizeof b1, p99[K_OFFLOG]);
	fmt_us(d, sizeof d, p99[K_PIPE]);
	snprintf(fig, sizeof fig, "%s  (asked: <= 2ms; pipe floor %s; %zu records per run%s)", b1,
	         d, c->records, c->b->quick ? ", quick run" : "");
	target_add("W3 cross-process wake: p99", fig,
	           p99[K_OFFLOG] <= TARGET_P99_US ? TARGET_MET : TARGET_NOT_MET);
}

void run_wake(const bench_ctx *b)
{
	double results[TURNS_MAX][BENCH_MAX_RUNS];
	wake_cell *c = xcalloc(1, sizeof *c);
	char variant[64];
	c->b = b;
	c->records = b->quick ? QUICK_RECORDS : FULL_RECORDS;
	c->lat = xcalloc(c->records, sizeof *c->lat);
	printf("\nW3 cross-process wake: a child process appends one record every %.0f ms (16B, D0, "
	       "send time in the value);\n   the parent's consumer waits in poll (%d ms timeout, "
	       "isolation committed); %zu records per run\n   (pipe-floor: the same hand-over "
	       "through a pipe, the parent blocked in read())\n",
	       INTERVAL_NS / 1e6, POLL_TIMEOUT_MS, c->records);
	/* Writeback left by earlier workloads would take CPU time from the two
	 * processes measured here (untimed). */
	sync();
	sleep_sec(b->quick ? 0.05 : 0.2);
	snprintf(variant, sizeof variant, "wake/16B/%.0fms/D0-committed", INTERVAL_NS / 1e6);
	take_turns(results, K__COUNT, b->runs, wake_run, c);
	wake_report(c, variant);
	free(c->lat);
	free(c);
}

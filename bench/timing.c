/* timing.c - the clock, medians, percentiles, taking turns and the
 * formatting of rates and latencies. */
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double now_sec(void)
{
	struct timespec ts;
	/* Monotonic: a wall-clock step during a run must not change a rate. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double median(const double *v, size_t n)
{
	double s[BENCH_MAX_RUNS];
	if (n == 0 || n > BENCH_MAX_RUNS)
		die("median of %zu values (1..%d supported)", n, BENCH_MAX_RUNS);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

void fmt_rate(char *buf, size_t cap, double per_sec)
{
	static const char suffix[] = {'\0', 'k', 'M', 'G'};
	size_t i = 0;
	while (per_sec >= 999.5 && i + 1 < sizeof suffix) {
		per_sec /= 1000;
		i++;
	}
	if (suffix[i])
		snprintf(buf, cap, "%.3g%c", per_sec, suffix[i]);
	else
		snprintf(buf, cap, "%.3g", per_sec);
}

uint64_t now_ns(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		die("clock_gettime: %s", strerror(errno));
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sleep_sec(double secs)
{
	struct timespec ts;
	ts.tv_sec = (time_t)secs;
	ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) != 0)
		if (errno != EINTR)
			die("nanosleep: %s", strerror(errno));
}

/* A sleep overshoots by tens of microseconds: sleep only until this much
 * before the deadline, and spin the rest. */
#define SPIN_NS 80000u

void wait_until_ns(uint64_t deadline)
{
	uint64_t now = now_ns();
	if (deadline > now + 2 * SPIN_NS) {
		uint64_t wake = deadline - SPIN_NS;
		struct timespec ts = {(time_t)(wake / 1000000000u), (long)(wake % 1000000000u)};
		int rc;
		while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL)) != 0)
			if (rc != EINTR)
				die("clock_nanosleep: %s", strerror(rc));
	}
	/* Yielding while spinning lets a kernel thread that wants this CPU run
	 * here, late on this thread's schedule, rather than preempt the thread
	 * that is being measured on the other CPU for a whole tick. */
	while (now_ns() < deadline)
		sched_yield();
}

void fmt_us(char *buf, size_t cap, double us)
{
	if (us < 999.5)
		snprintf(buf, cap, "%.3gus", us);
	else if (us < 999500)
		snprintf(buf, cap, "%.3gms", us / 1e3);
	else
		snprintf(buf, cap, "%.3gs", us / 1e6);
}

double median_ratio(const double *a, const double *b, size_t runs)
{
	double r[BENCH_MAX_RUNS];
	if (runs == 0 || runs > BENCH_MAX_RUNS)
		die("median of %zu ratios (1..%d supported)", runs, BENCH_MAX_RUNS);
	for (size_t i = 0; i < runs; i++)
		r[i] = a[i] / b[i];
	return median(r, runs);
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

void sort_floats(float *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_float);
}

double quantile_sorted(const float *v, size_t n, double q)
{
	if (n == 0)
		die("quantile of no values");
	/* Nearest rank: the smallest value with at least q of all at or below it. */
	double rank = q * (double)n;
	size_t i = rank < 1 ? 1 : (size_t)rank;
	if ((double)i < rank)
		i++;
	return v[i <= n ? i - 1 : n - 1];
}

void take_turns(double out[][BENCH_MAX_RUNS], size_t n, size_t runs, turn_fn *fn, void *ctx)
{
	if (n == 0 || n > TURNS_MAX || runs == 0 || runs > BENCH_MAX_RUNS)
		die("take_turns: %zu contestants, %zu runs", n, runs);
	for (size_t r = 0; r < runs; r++)
		for (size_t j = 0; j < n; j++) {
			size_t k = (j + r) % n;
			out[k][r] = fn(k, r, ctx);
		}
}

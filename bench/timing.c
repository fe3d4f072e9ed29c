/* timing.c - the clock, medians and the formatting of rates. */
#include "bench.h"

#include <errno.h>
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

/*
 * report.c - one printed line per comparison, one CSV row per system per
 * comparison, and the summary of the BENCH.md targets.
 *
 * CSV columns: workload, variant, system, value, unit, ratio. ratio is
 * offlog's figure divided by this system's (median over the runs of the
 * per-round ratio), empty on offlog's own rows.
 */
#include "bench.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_TARGETS 48

static FILE *csv;
static const char *csv_name;

static void csv_check(int ok)
{
	if (!ok)
		die("cannot write %s: %s", csv_name, strerror(errno));
}

void report_open(const char *csv_path)
{
	csv_name = csv_path;
	csv = fopen(csv_path, "w");
	if (!csv)
		die("cannot create %s: %s", csv_path, strerror(errno));
	csv_check(fputs("workload,variant,system,value,unit,ratio\n", csv) >= 0);
}

void report_close(void)
{
	if (csv)
		csv_check(fclose(csv) == 0);
	csv = NULL;
}

/* ---- printed lines ------------------------------------------------------ */

/* "  sqlite 402k rec/s  vs-sqlite 4.3" */
static void print_versus(const result *r, int sys, const char *name, const char *unit,
                         const char *ratio_name, int decimals)
{
	char rate[32];
	if (!r->have[sys])
		return;
	fmt_rate(rate, sizeof rate, r->rate[sys]);
	printf("  %s %s %s  %s %.*f", name, rate, unit, ratio_name, decimals, r->ratio[sys]);
}

static void print_line(const result *r)
{
	char rate[32];
	fmt_rate(rate, sizeof rate, r->rate[SYS_OFFLOG]);
	printf("%-26s offlog %s rec/s", r->name, rate);
	print_versus(r, SYS_LMDB, r->scan ? "raw-lmdb-cursor" : "raw-lmdb", "rec/s", "ratio", 2);
	print_versus(r, SYS_SQLITE, "sqlite", "rec/s", "vs-sqlite", 1);
	print_versus(r, SYS_REDIS, r->mode == MODE_D2 ? "redis-always" : "redis-everysec", "rec/s",
	             "vs-redis", 1);
	print_versus(r, SYS_FLOOR, "fsync-floor", "syncs/s", "vs-floor", 2);
	printf("\n");
	fflush(stdout);
}

/* ---- CSV ---------------------------------------------------------------- */

void csv_add(const char *workload, const char *variant, const char *system, double value,
             const char *unit, double ratio)
{
	csv_check(fprintf(csv, "%s,%s,%s,%.2f,%s,", workload, variant, system, value, unit) >= 0);
	if (!isnan(ratio))
		csv_check(fprintf(csv, "%.4f", ratio) >= 0);
	csv_check(fputs("\n", csv) >= 0);
}

static void csv_row(const result *r)
{
	static const char *const names[SYS__COUNT] = {"offlog", "raw-lmdb", "sqlite", "fsync-floor",
	                                              "redis"};
	const char *workload = r->scan ? "W3" : "W1";
	for (int sys = SYS_OFFLOG; sys < SYS__COUNT; sys++) {
		const char *name = names[sys];
		if (!r->have[sys])
			continue;
		if (sys == SYS_LMDB && r->scan)
			name = "raw-lmdb-cursor";
		if (sys == SYS_REDIS)
			name = r->mode == MODE_D2 ? "redis-always" : "redis-everysec";
		csv_add(workload, r->name, name, r->rate[sys], sys == SYS_FLOOR ? "syncs/s" : "rec/s",
		        sys == SYS_OFFLOG ? NAN : r->ratio[sys]);
	}
}

void report_result(const result *r)
{
	print_line(r);
	csv_row(r);
}

/* ---- summary ------------------------------------------------------------ */

typedef struct target_line {
	char what[96];
	char figure[160];
	int status;
} target_line;

static target_line targets[MAX_TARGETS];
static size_t ntargets;

void target_add(const char *what, const char *figure, int status)
{
	if (ntargets == MAX_TARGETS)
		die("more than %d targets", MAX_TARGETS);
	target_line *t = &targets[ntargets++];
	snprintf(t->what, sizeof t->what, "%s", what);
	snprintf(t->figure, sizeof t->figure, "%s", figure);
	t->status = status;
}

static void print_targets(void)
{
	static const char *const words[] = {"met", "NOT MET", "not measured"};
	for (size_t i = 0; i < ntargets; i++) {
		const target_line *t = &targets[i];
		if (t->status == TARGET_NOT_MEASURED)
			printf("  %-52s  not measured%s%s\n", t->what, t->figure[0] ? ": " : "",
			       t->figure);
		else
			printf("  %-52s  %s  %s\n", t->what, t->figure, words[t->status]);
	}
}

static const result *find(const result *results, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(results[i].name, name) == 0)
			return &results[i];
	return NULL;
}

static void target(const result *r, int sys, double want, const char *what)
{
	if (!r || !r->have[sys]) {
		printf("  %-52s  not measured\n", what);
		return;
	}
	printf("  %-52s  %5.2f  (target >= %.2f)  %s\n", what, r->ratio[sys], want,
	       r->ratio[sys] >= want ? "met" : "NOT MET");
}

/* The batch-1 D1 target holds for every value size: report the worst. */
static const result *worst_d1_batch1(const result *results, size_t n)
{
	const result *worst = NULL;
	for (size_t i = 0; i < n; i++) {
		const result *r = &results[i];
		if (!r->scan && r->mode == MODE_D1 && r->batch == 1 && r->have[SYS_FLOOR] &&
		    (!worst || r->ratio[SYS_FLOOR] < worst->ratio[SYS_FLOOR]))
			worst = r;
	}
	return worst;
}

void report_summary(const result *results, size_t n)
{
	char what[64];
	const result *d1 = worst_d1_batch1(results, n);
	printf("\ntargets (BENCH.md), medians of this run:\n");
	target(find(results, n, "append/128B/batch1000/D2"), SYS_LMDB, 0.90,
	       "W1 128B batch1000 D2  offlog / raw LMDB loop");
	target(find(results, n, "append/128B/batch1000/D0"), SYS_LMDB, 0.90,
	       "W1 128B batch1000 D0  offlog / raw LMDB loop");
	target(find(results, n, "append/128B/batch1000/D2"), SYS_SQLITE, 2.0,
	       "W1 128B batch1000 D2  offlog / SQLite queue");
	target(find(results, n, "append/128B/batch1000/D0"), SYS_SQLITE, 2.0,
	       "W1 128B batch1000 D0  offlog / SQLite queue");
	snprintf(what, sizeof what, "W1 batch1 D1 (worst: %s)  offlog / fsync floor",
	         d1 ? d1->name + strlen("append/") : "-");
	target(d1, SYS_FLOOR, 0.90, what);
	target(find(results, n, "scan/128B"), SYS_LMDB, 0.80, "W3 scan 128B  offlog / raw cursor scan");
	print_targets();
}

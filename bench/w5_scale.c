/*
 * w5_scale.c - W5: does the append rate hold up with many partitions and a
 * large store, and does memory stay flat as the log grows.
 *
 * Partitions: batches of 100 records of 128 B in D0 (one flush at the end,
 * as W1), round-robin over the topic's 1, 1,000 or 10,000 partitions, one
 * batch per partition per call. Every partition holds one record before the
 * run (written untimed, in one transaction): otherwise a first pass over
 * empty partitions would write the table in key order, a plain append, and
 * 10,000 partitions would cost nothing. The raw LMDB loop does the same in
 * one table keyed by (partition, offset), offlog's own layout, so its
 * ratios show what LMDB itself loses to appends spread over the table.
 *
 * Store size: the same appends to one partition of a store already holding
 * 1M records, and of one holding 20M (2M in the quick run, without the raw
 * LMDB stores); all stores are filled before the runs, untimed, and each
 * run adds its records to them. The process's resident set is printed
 * before and after the large store is filled and after the runs: the pages
 * of the memory map that were touched count in it (file-backed), heap
 * growth per record would too (anonymous).
 *
 * Retention trimming the head of the log is soak.c's.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_SIZE 128
#define BATCH 100
#define FILL_BATCH 5000
#define MIB (1024.0 * 1024.0)

static const uint32_t part_counts[] = {1, 1000, 10000};
#define NPARTS (sizeof part_counts / sizeof part_counts[0])

/* Records per partitions run: in the full run every one of 10,000
 * partitions gets a batch; the quick run reaches a tenth of them, each
 * batch then going to a partition not yet written. */
#define QUICK_PART_RECORDS ((size_t)50000)
#define FULL_PART_RECORDS ((size_t)1000000)

#define SMALL_STORE ((size_t)1000000)
#define QUICK_BIG_STORE ((size_t)2000000)
#define FULL_BIG_STORE ((size_t)20000000)
#define QUICK_SIZE_RECORDS ((size_t)50000)
#define FULL_SIZE_RECORDS ((size_t)300000)
/* Address space for the raw LMDB stores; the files grow with their data. */
#define RAW_BIG_MAP ((uint64_t)64 << 30)

typedef struct w5_ctx {
	const bench_ctx *b;
	offlog_message msgs[FILL_BATCH];
	size_t records;
	/* store size: the stores stay open across the runs */
	offlog_env *env[2];
	raw_lmdb *raw[2]; /* NULL until the offlog stores are filled */
} w5_ctx;

static void set_values(w5_ctx *c, size_t first, size_t count)
{
	for (size_t j = 0; j < count; j++)
		c->msgs[j].value = payload_value(c->b->p, first + j, VALUE_SIZE);
}

/* ---- partitions --------------------------------------------------------- */

static void seed(w5_ctx *c, offlog_env *env, uint32_t parts)
{
	offlog_txn *txn;
	ol_check(offlog_txn_begin(&txn, env), "offlog_txn_begin");
	for (uint32_t part = 0; part < parts; part++) {
		c->msgs[0].value = payload_value(c->b->p, part, VALUE_SIZE);
		ol_check(offlog_txn_append(NULL, NULL, txn, BENCH_TOPIC, (int32_t)part, &c->msgs[0]),
		         "offlog_txn_append");
	}
	ol_check(offlog_txn_commit(txn), "offlog_txn_commit");
	ol_check(offlog_flush(env), "offlog_flush");
}

static double parts_run(size_t k, size_t round, void *arg)
{
	w5_ctx *c = arg;
	bool raw = k >= NPARTS;
	uint32_t parts = part_counts[k % NPARTS];
	(void)round;
	char *dir = tmpdir_create(raw ? "w5-lmdb" : "w5-offlog");
	offlog_env *env = NULL;
	raw_lmdb *r = NULL;
	if (raw) {
		r = raw_lmdb_open_flat(dir, MODE_D0, parts);
		raw_lmdb_flat_seed(r, c->b->p, VALUE_SIZE);
	} else {
		env = ol_env_create(dir, MODE_D0, (int32_t)parts);
		seed(c, env, parts);
	}
	double t0 = now_sec();
	for (size_t i = 0, call = 0; i < c->records; i += BATCH, call++) {
		uint32_t part = (uint32_t)(call % parts);
		if (raw) {
			raw_lmdb_flat_batch(r, part, c->b->p, i, BATCH, VALUE_SIZE);
			continue;
		}
		set_values(c, i, BATCH);
		ol_check(offlog_append_batch(NULL, NULL, env, BENCH_TOPIC, (int32_t)part, c->msgs, BATCH),
		         "offlog_append_batch");
	}
	if (raw)
		raw_lmdb_flush(r);
	else
		ol_check(offlog_flush(env), "offlog_flush");
	double secs = now_sec() - t0;
	/* The last partition written holds what round-robin gave it. */
	size_t calls = c->records / BATCH;
	uint32_t last = (uint32_t)((calls - 1) % parts);
	size_t want = (calls / parts + (last < calls % parts ? 1 : 0)) * BATCH + 1;
	int64_t got = raw ? (int64_t)raw_lmdb_count(r, last) : ol_log_end(env, (int32_t)last);
	if (got != (int64_t)want)
		die("W5 %s %u partitions: partition %u holds %lld records, expected %zu",
		    raw ? "raw LMDB" : "offlog", parts, last, (long long)got, want);
	if (raw)
		raw_lmdb_close(r);
	else
		ol_check(offlog_close(env), "offlog_close");
	tmpdir_remove(dir);
	return (double)c->records / secs;
}

static void run_partitions(w5_ctx *c)
{
	double rate[TURNS_MAX][BENCH_MAX_RUNS];
	size_t runs = c->b->runs;
	c->records = c->b->quick ? QUICK_PART_RECORDS : FULL_PART_RECORDS;
	take_turns(rate, 2 * NPARTS, runs, parts_run, c);
	for (size_t i = 0; i < NPARTS; i++) {
		char variant[64], r0[32], r1[32];
		double ol = median(rate[i], runs), rl = median(rate[NPARTS + i], runs);
		double ratio = median_ratio(rate[i], rate[NPARTS + i], runs);
		snprintf(variant, sizeof variant, "w5/128B/batch100/D0/partitions%u", part_counts[i]);
		fmt_rate(r0, sizeof r0, ol);
		fmt_rate(r1, sizeof r1, rl);
		printf("%-38s offlog %s rec/s  raw-lmdb %s rec/s  ratio %.2f", variant, r0, r1, ratio);
		csv_add("W5", variant, "offlog", ol, "rec/s", NAN);
		csv_add("W5", variant, "raw-lmdb", rl, "rec/s", ratio);
		if (i > 0) {
			double v1 = median_ratio(rate[i], rate[0], runs);
			double raw1 = median_ratio(rate[NPARTS + i], rate[NPARTS], runs);
			printf("  vs-1-partition %.2f (raw %.2f)", v1, raw1);
			csv_add("W5", variant, "offlog-1-partition", median(rate[0], runs), "rec/s", v1);
			if (part_counts[i] == 10000) {
				char fig[128];
				snprintf(fig, sizeof fig, "%5.2f  (raw LMDB %.2f; target >= 0.80)", v1, raw1);
				target_add("W5 10,000 vs 1 partition: append rate", fig,
				           v1 >= 0.80 ? TARGET_MET : TARGET_NOT_MET);
			}
		}
		printf("\n");
		fflush(stdout);
	}
}

/* ---- store size --------------------------------------------------------- */

static void fill(w5_ctx *c, size_t k, size_t records)
{
	for (size_t i = 0; i < records; i += FILL_BATCH) {
		size_t n = records - i < FILL_BATCH ? records - i : FILL_BATCH;
		if (c->raw[k]) {
			raw_lmdb_batch(c->raw[k], 0, c->b->p, i, n, VALUE_SIZE, -1);
			continue;
		}
		set_values(c, i, n);
		ol_check(offlog_append_batch(NULL, NULL, c->env[k], BENCH_TOPIC, 0, c->msgs, n),
		         "offlog_append_batch");
	}
	if (c->raw[k])
		raw_lmdb_flush(c->raw[k]);
	else
		ol_check(offlog_flush(c->env[k]), "offlog_flush");
}

/* Contestants: offlog small, offlog big, raw small, raw big. */
static double size_run(size_t k, size_t round, void *arg)
{
	w5_ctx *c = arg;
	size_t s = k % 2;
	bool raw = k >= 2;
	(void)round;
	double t0 = now_sec();
	for (size_t i = 0; i < c->records; i += BATCH) {
		if (raw) {
			raw_lmdb_batch(c->raw[s], 0, c->b->p, i, BATCH, VALUE_SIZE, -1);
			continue;
		}
		set_values(c, i, BATCH);
		ol_check(offlog_append_batch(NULL, NULL, c->env[s], BENCH_TOPIC, 0, c->msgs, BATCH),
		         "offlog_append_batch");
	}
	if (raw)
		raw_lmdb_flush(c->raw[s]);
	else
		ol_check(offlog_flush(c->env[s]), "offlog_flush");
	double secs = now_sec() - t0;
	return (double)c->records / secs;
}

static void print_rss(const char *when)
{
	uint64_t res, file;
	rss_get(&res, &file);
	printf("  RSS %s: %.1f MiB (of which file-backed %.1f MiB)\n", when, (double)res / MIB,
	       (double)file / MIB);
	fflush(stdout);
}

static void run_sizes(w5_ctx *c)
{
	const bench_ctx *b = c->b;
	size_t big = b->quick ? QUICK_BIG_STORE : FULL_BIG_STORE, runs = b->runs;
	size_t sizes[2] = {SMALL_STORE, big};
	/* The quick run has no time to fill raw LMDB stores too: there the
	 * comparison is offlog's large store against its small one only. */
	size_t contestants = b->quick ? 2 : 4;
	char *dirs[4] = {NULL, NULL, NULL, NULL};
	uint64_t res[3], file[3];
	double rate[TURNS_MAX][BENCH_MAX_RUNS];
	c->records = b->quick ? QUICK_SIZE_RECORDS : FULL_SIZE_RECORDS;
	for (size_t s = 0; s < 2; s++) {
		dirs[s] = tmpdir_create("w5-size-offlog");
		c->env[s] = ol_env_create(dirs[s], MODE_D0, 1);
		c->raw[s] = NULL;
	}
	fill(c, 0, SMALL_STORE);
	rss_get(&res[0], &file[0]);
	print_rss("before filling the large store");
	double t0 = now_sec();
	fill(c, 1, big);
	printf("  filled %zuM records into the offlog store in %.1f s\n", big / 1000000,
	       now_sec() - t0);
	rss_get(&res[1], &file[1]);
	print_rss("after filling it");
	if (contestants == 4)
		for (size_t s = 0; s < 2; s++) {
			dirs[2 + s] = tmpdir_create("w5-size-lmdb");
			c->raw[s] = raw_lmdb_open_logs(dirs[2 + s], MODE_D0, 1, false, RAW_BIG_MAP);
			fill(c, s, sizes[s]);
		}
	take_turns(rate, contestants, runs, size_run, c);
	rss_get(&res[2], &file[2]);
	print_rss(contestants == 4 ? "after the runs (the raw LMDB stores' map pages included)"
	                           : "after the runs");
	for (size_t s = 0; s < 2; s++) {
		char variant[64], r0[32], r1[32];
		double ol = median(rate[s], runs);
		snprintf(variant, sizeof variant, "w5/128B/batch100/D0/store%zuM", sizes[s] / 1000000);
		fmt_rate(r0, sizeof r0, ol);
		printf("%-38s offlog %s rec/s", variant, r0);
		csv_add("W5", variant, "offlog", ol, "rec/s", NAN);
		if (contestants == 4) {
			double rl = median(rate[2 + s], runs), ratio = median_ratio(rate[s], rate[2 + s], runs);
			fmt_rate(r1, sizeof r1, rl);
			printf("  raw-lmdb %s rec/s  ratio %.2f", r1, ratio);
			csv_add("W5", variant, "raw-lmdb", rl, "rec/s", ratio);
		}
		if (s == 1) {
			double v = median_ratio(rate[1], rate[0], runs);
			char what[96], fig[128], raw[32] = "";
			printf("  vs-%zuM-store %.2f", SMALL_STORE / 1000000, v);
			if (contestants == 4) {
				double rv = median_ratio(rate[3], rate[2], runs);
				printf(" (raw %.2f)", rv);
				snprintf(raw, sizeof raw, "raw LMDB %.2f; ", rv);
			}
			csv_add("W5", variant, "offlog-1M-store", median(rate[0], runs), "rec/s", v);
			snprintf(what, sizeof what, "W5 %zuM vs 1M records in the store: append rate",
			         big / 1000000);
			snprintf(fig, sizeof fig, "%5.2f  (%starget >= 0.80%s)", v, raw,
			         b->quick ? "; the target is at 20M" : "");
			target_add(what, fig, v >= 0.80 ? TARGET_MET : TARGET_NOT_MET);
		}
		printf("\n");
		fflush(stdout);
	}
	static const char *const when[3] = {"rss/before-fill", "rss/after-fill", "rss/after-runs"};
	for (size_t i = 0; i < 3; i++) {
		csv_add("W5", when[i], "offlog", (double)res[i] / MIB, "MiB", NAN);
		csv_add("W5", when[i], "offlog-anonymous", (double)(res[i] - file[i]) / MIB, "MiB", NAN);
	}
	/* BENCH.md sets the memory map's pages aside: the pages of the store
	 * that were touched count in the RSS as file-backed. What must not grow
	 * with the log is the rest, the heap and stacks. */
	double anon0 = (double)(res[0] - file[0]) / MIB, anon1 = (double)(res[1] - file[1]) / MIB;
	char fig[160];
	snprintf(fig, sizeof fig, "anonymous %.1f -> %.1f MiB (RSS %.0f -> %.0f MiB) over %zuM records",
	         anon0, anon1, (double)res[0] / MIB, (double)res[1] / MIB, big / 1000000);
	target_add("memory: RSS less the map independent of log size", fig,
	           anon1 - anon0 < 16 ? TARGET_MET : TARGET_NOT_MET);
	for (size_t s = 0; s < 2; s++) {
		ol_check(offlog_close(c->env[s]), "offlog_close");
		raw_lmdb_close(c->raw[s]);
	}
	for (size_t i = 0; i < 4; i++)
		tmpdir_remove(dirs[i]);
}

void run_w5(const bench_ctx *b)
{
	w5_ctx *c = xcalloc(1, sizeof *c);
	c->b = b;
	for (size_t j = 0; j < FILL_BATCH; j++) {
		c->msgs[j].value_len = VALUE_SIZE;
		c->msgs[j].timestamp = OFFLOG_TIMESTAMP_NOW;
	}
	printf("\nW5 scale: 128B, batch 100, D0 (ratio: offlog / raw LMDB in the same layout);\n"
	       "   partitions: round-robin, every partition holding a record before the run\n");
	run_partitions(c);
	run_sizes(c);
	free(c);
}

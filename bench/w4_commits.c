/*
 * w4_commits.c - W4 offset commits: what committing a consumer's offset
 * adds to appending.
 *
 * Batches of 100 records of 128 B, appended
 *   no-commit          with offlog_append_batch, nothing committed;
 *   commit-per-record  then offlog_consumer_commit_offsets once per record
 *                      (separate calls, each its own commit);
 *   commit-per-batch   then one offlog_consumer_commit_offsets per batch;
 *   txn+commit         in one transaction with the commit: offlog_txn_begin,
 *                      100 offlog_txn_append, offlog_txn_commit_offsets,
 *                      offlog_txn_commit;
 *   txn-no-commit      the same transaction without the commit.
 * The raw LMDB loop does the same with a database of offsets next to the
 * log: the batch's transaction, then one transaction per offset put, or the
 * offset put in the batch's transaction (txn-no-commit has no raw twin: it
 * is the raw no-commit loop). All nine contestants take turns in each
 * round, so the cost of a commit is a ratio between runs moments apart.
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALUE_SIZE 128
#define BATCH 100
#define GROUP "bench-group"

enum variant { V_NONE, V_PER_RECORD, V_PER_BATCH, V_TXN_COMMIT, V_TXN, V__COUNT };
#define RAW_VARIANTS 4 /* V_NONE .. V_TXN_COMMIT */
#define CONTESTANTS (V__COUNT + RAW_VARIANTS)

static const char *const vnames[V__COUNT] = {"no-commit", "commit-per-record",
                                             "commit-per-batch", "txn+commit", "txn-no-commit"};

/* Batches per run, by mode: commits of their own are slow in D2. */
static const size_t quick_batches[MODE__COUNT][2] = {
	/*            other  per-record */
	[MODE_D2] = {40, 2},
	[MODE_D0] = {250, 25},
};
static const size_t full_batches[MODE__COUNT][2] = {
	[MODE_D2] = {400, 10},
	[MODE_D0] = {5000, 400},
};

typedef struct w4_cell {
	const bench_ctx *b;
	int mode;
	offlog_message msgs[BATCH];
} w4_cell;

static size_t batches_of(const w4_cell *c, int v)
{
	const size_t(*t)[2] = c->b->quick ? quick_batches : full_batches;
	return t[c->mode][v == V_PER_RECORD ? 1 : 0];
}

static void commit_one(offlog_consumer *cons, int64_t offset)
{
	offlog_partition_offset po = {BENCH_TOPIC, 0, offset, NULL, 0};
	ol_check(offlog_consumer_commit_offsets(cons, &po, 1), "offlog_consumer_commit_offsets");
}

static void txn_batch(w4_cell *c, offlog_env *env, bool commit)
{
	offlog_txn *txn;
	int64_t base = -1, off;
	ol_check(offlog_txn_begin(&txn, env), "offlog_txn_begin");
	for (size_t j = 0; j < BATCH; j++) {
		ol_check(offlog_txn_append(&off, NULL, txn, BENCH_TOPIC, 0, &c->msgs[j]),
		         "offlog_txn_append");
		if (j == 0)
			base = off;
	}
	if (commit) {
		offlog_partition_offset po = {BENCH_TOPIC, 0, base + BATCH, NULL, 0};
		ol_check(offlog_txn_commit_offsets(txn, GROUP, &po, 1), "offlog_txn_commit_offsets");
	}
	ol_check(offlog_txn_commit(txn), "offlog_txn_commit");
}

static double offlog_run(w4_cell *c, int v, const char *dir)
{
	offlog_env *env = ol_env_create(dir, c->mode, 1);
	offlog_consumer *cons = NULL;
	size_t nb = batches_of(c, v);
	if (v == V_PER_RECORD || v == V_PER_BATCH) {
		offlog_consumer_options co = OFFLOG_CONSUMER_OPTIONS_INIT;
		co.enable_auto_commit = 0;
		ol_check(offlog_consumer_open(&cons, env, GROUP, &co), "offlog_consumer_open");
	}
	double t0 = now_sec();
	for (size_t bi = 0; bi < nb; bi++) {
		int64_t base;
		for (size_t j = 0; j < BATCH; j++)
			c->msgs[j].value = payload_value(c->b->p, bi * BATCH + j, VALUE_SIZE);
		switch (v) {
		case V_TXN_COMMIT:
		case V_TXN:
			txn_batch(c, env, v == V_TXN_COMMIT);
			continue;
		default:
			break;
		}
		ol_check(offlog_append_batch(&base, NULL, env, BENCH_TOPIC, 0, c->msgs, BATCH),
		         "offlog_append_batch");
		if (v == V_PER_RECORD)
			for (int64_t j = 1; j <= BATCH; j++)
				commit_one(cons, base + j);
		else if (v == V_PER_BATCH)
			commit_one(cons, base + BATCH);
	}
	if (c->mode == MODE_D0)
		ol_check(offlog_flush(env), "offlog_flush");
	double secs = now_sec() - t0;
	int64_t records = (int64_t)(nb * BATCH);
	if (ol_log_end(env, 0) != records)
		die("W4 %s: log end offset %lld after %lld records", vnames[v],
		    (long long)ol_log_end(env, 0), (long long)records);
	if (v == V_PER_RECORD || v == V_PER_BATCH || v == V_TXN_COMMIT) {
		offlog_committed got = OFFLOG_COMMITTED_INIT;
		ol_check(offlog_group_committed(&got, env, GROUP, BENCH_TOPIC, 0),
		         "offlog_group_committed");
		if (got.offset != records)
			die("W4 %s: committed offset %lld, expected %lld", vnames[v],
			    (long long)got.offset, (long long)records);
	}
	ol_check(offlog_consumer_close(cons), "offlog_consumer_close");
	ol_check(offlog_close(env), "offlog_close");
	return (double)records / secs;
}

static double raw_run(w4_cell *c, int v, const char *dir)
{
	raw_lmdb *r = raw_lmdb_open_logs(dir, c->mode, 1, true, 0);
	size_t nb = batches_of(c, v);
	double t0 = now_sec();
	for (size_t bi = 0; bi < nb; bi++) {
		size_t first = bi * BATCH;
		int64_t end = (int64_t)(first + BATCH);
		raw_lmdb_batch(r, 0, c->b->p, first, BATCH, VALUE_SIZE, v == V_TXN_COMMIT ? end : -1);
		if (v == V_PER_RECORD)
			for (int64_t j = 1; j <= BATCH; j++)
				raw_lmdb_commit_offset(r, 0, (int64_t)first + j);
		else if (v == V_PER_BATCH)
			raw_lmdb_commit_offset(r, 0, end);
	}
	raw_lmdb_flush(r);
	double secs = now_sec() - t0;
	if (raw_lmdb_count(r, 0) != nb * BATCH)
		die("W4 raw LMDB: %llu records after %zu batches",
		    (unsigned long long)raw_lmdb_count(r, 0), nb);
	raw_lmdb_close(r);
	return (double)(nb * BATCH) / secs;
}

static double w4_run(size_t k, size_t round, void *arg)
{
	w4_cell *c = arg;
	(void)round;
	char *dir = tmpdir_create(k < V__COUNT ? "w4-offlog" : "w4-lmdb");
	double rate = k < V__COUNT ? offlog_run(c, (int)k, dir) : raw_run(c, (int)(k - V__COUNT), dir);
	tmpdir_remove(dir);
	return rate;
}

/* Median over rounds of base / with - 1: what the commit adds to the cost
 * of a record. */
static double added_cost(const double *base, const double *with, size_t runs)
{
	return median_ratio(base, with, runs) - 1;
}

static void cost_target(const char *what, double cost)
{
	char fig[128];
	snprintf(fig, sizeof fig, "%+5.1f%%  (target <= +5%%)", cost * 100);
	target_add(what, fig, cost <= 0.05 ? TARGET_MET : TARGET_NOT_MET);
}

void run_w4(const bench_ctx *b)
{
	static const int modes[] = {MODE_D2, MODE_D0};
	w4_cell *c = xcalloc(1, sizeof *c);
	size_t runs = b->runs;
	c->b = b;
	for (size_t j = 0; j < BATCH; j++) {
		c->msgs[j].value_len = VALUE_SIZE;
		c->msgs[j].timestamp = OFFLOG_TIMESTAMP_NOW;
	}
	printf("\nW4 offset commits with batches of 100 x 128B (ratio: offlog / raw LMDB doing the "
	       "same;\n   cost: what the commit adds to a record's cost, vs no-commit or, for "
	       "txn+commit, vs txn-no-commit)\n");
	for (size_t mi = 0; mi < sizeof modes / sizeof modes[0]; mi++) {
		double rate[TURNS_MAX][BENCH_MAX_RUNS];
		c->mode = modes[mi];
		take_turns(rate, CONTESTANTS, runs, w4_run, c);
		for (int v = 0; v < V__COUNT; v++) {
			char variant[64], r0[32], r1[32];
			size_t raw = V__COUNT + (size_t)(v == V_TXN ? V_NONE : v);
			double ol = median(rate[v], runs), rl = median(rate[raw], runs);
			double ratio = median_ratio(rate[v], rate[raw], runs);
			snprintf(variant, sizeof variant, "w4/128B/batch100/%s/%s", mode_name(c->mode),
			         vnames[v]);
			fmt_rate(r0, sizeof r0, ol);
			fmt_rate(r1, sizeof r1, rl);
			printf("%-38s offlog %s rec/s  raw-lmdb %s rec/s  ratio %.2f", variant, r0, r1,
			       ratio);
			csv_add("W4", variant, "offlog", ol, "rec/s", NAN);
			csv_add("W4", variant, "raw-lmdb", rl, "rec/s", ratio);
			if (v == V_PER_RECORD || v == V_PER_BATCH || v == V_TXN_COMMIT) {
				int base = v == V_TXN_COMMIT ? V_TXN : V_NONE;
				double cost = added_cost(rate[base], rate[v], runs);
				double raw_cost = added_cost(rate[V__COUNT + V_NONE], rate[raw], runs);
				printf("  cost %+.1f%% vs %s (raw %+.1f%%)", cost * 100, vnames[base],
				       raw_cost * 100);
				csv_add("W4", variant, "offlog-added-cost", cost * 100, "percent", NAN);
				csv_add("W4", variant, "raw-lmdb-added-cost", raw_cost * 100, "percent", NAN);
				if (v != V_PER_RECORD) {
					char what[96];
					snprintf(what, sizeof what, "W4 %s %s: added cost vs %s", mode_name(c->mode),
					         vnames[v], vnames[base]);
					cost_target(what, cost);
				}
			}
			printf("\n");
			fflush(stdout);
		}
	}
	free(c);
}

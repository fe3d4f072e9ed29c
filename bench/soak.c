/*
 * soak.c - W5 retention: a long run of appends to a topic whose retention
 * trims the head of the log, to see whether the store file stops growing,
 * and what the trimming adds to the latency of an append.
 *
 * File size: records appended in batches of 100 in D0 to a topic of one
 * partition with retention_bytes set, flushed whenever half that many bytes
 * were appended (retention only removes records below the high watermark,
 * which a D0 flush advances), and
 * offlog_maintain() called every MAINTAIN_EVERY batches, as an application
 * would. The size of data.mdb is taken at ten points of the run; once
 * retention keeps the partition at its limit, the file must stop growing:
 * the growth over the second half of the run (from its first sample to its
 * last) is the figure. 128 B values fill a leaf page with many records;
 * 4 KiB values (full run only) each take two contiguous overflow pages,
 * which LMDB can only reuse when its free list holds such a run, and so
 * show whether deleting from the head fragments that list.
 *
 * Latency: two stores in the same run, one with the retention topic (filled
 * past its limit first, so each append also removes about as many records
 * as it adds) and one without retention (filled as much), appended to
 * batch by batch in turns, each batch of 100 timed on its own. In D0 both
 * are flushed every FLUSH_BATCHES batches, untimed. D0 shows the cost of the
 * removals themselves (no sync hides it); D1, one sync per commit, shows
 * what a durable writer sees (full run only).
 */
#include "bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TOPIC "soak"
#define BATCH 100
#define FILL_BATCH 2000           /* untimed fills */
#define SAMPLES 10
#define MAINTAIN_EVERY 100        /* batches between offlog_maintain() calls */
#define MIB (1024.0 * 1024.0)

/* The file-size soak: records appended and the retention limit. */
#define QUICK_SOAK_RECORDS ((size_t)300000)
#define FULL_SOAK_RECORDS ((size_t)5000000)
#define QUICK_RETENTION ((int64_t)4 << 20)
#define FULL_RETENTION ((int64_t)32 << 20)
/* 4 KiB values, full run only: 800 MiB written through a 32 MiB log. */
#define LARGE_VALUE 4096
#define LARGE_SOAK_RECORDS ((size_t)200000)
#define GROWTH_TARGET 0.05

/* The latency comparison: batches per store per round, by mode. */
#define LAT_RETENTION ((int64_t)8 << 20)
#define QUICK_LAT_BATCHES_D0 300
#define FULL_LAT_BATCHES_D0 2000
#define FULL_LAT_BATCHES_D1 200    /* full run only: each batch syncs */
#define FLUSH_BATCHES 50          /* D0; D1's high watermark follows its commits */
#define P99_TARGET 1.20

typedef struct soak_ctx {
	const bench_ctx *b;
	offlog_message msgs[FILL_BATCH];
	size_t value_size;
	size_t next; /* the next record's number: picks its value */
} soak_ctx;

static void set_values(soak_ctx *c, size_t count)
{
	for (size_t j = 0; j < count; j++) {
		c->msgs[j].value = payload_value(c->b->p, c->next + j, c->value_size);
		c->msgs[j].value_len = c->value_size;
	}
	c->next += count;
}

/* A store in dir with topic TOPIC of one partition; retention_bytes < 0:
 * none. No background threads: the run flushes and maintains itself. */
static offlog_env *soak_open(const char *dir, int mode, int64_t retention_bytes)
{
	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	o.durability = ol_durability(mode);
	o.flush_interval_ms = 0;
	ol_check(offlog_open(&env, dir, &o), "offlog_open");
	cfg.retention_bytes = retention_bytes;
	ol_check(offlog_topic_create(env, TOPIC, 1, &cfg), "offlog_topic_create");
	return env;
}

static double file_mib(const char *dir)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	if (stat(path, &st) != 0)
		die("stat %s failed", path);
	return (double)st.st_size / MIB;
}

static void append(soak_ctx *c, offlog_env *env, size_t count)
{
	set_values(c, count);
	ol_check(offlog_append_batch(NULL, NULL, env, TOPIC, 0, c->msgs, count),
	         "offlog_append_batch");
}

/* The partition's log start offset and stored bytes. */
static void part_state(offlog_env *env, int64_t *log_start, int64_t *bytes)
{
	offlog_topic_info *info;
	ol_check(offlog_topic_describe(&info, env, TOPIC), "offlog_topic_describe");
	*log_start = info->partitions[0].log_start;
	*bytes = info->partitions[0].bytes;
	offlog_topic_info_free(info);
}

/* ---- file size over time ------------------------------------------------ */

/* Appends `records` values of value_size bytes; returns the growth of the
 * file over the second half of the run, as a fraction. */
static double soak_file(soak_ctx *c, size_t value_size, size_t records, int64_t retention)
{
	char variant[64], size[16];
	double mib[SAMPLES];
	size_t at[SAMPLES];
	size_t batches = records / BATCH;
	size_t flush_every = (size_t)retention / 2 / (value_size * BATCH);
	char *dir = tmpdir_create("soak");
	offlog_env *env = soak_open(dir, MODE_D0, retention);
	uint64_t removed = 0, by_maintain = 0;
	size_name(size, sizeof size, value_size);
	snprintf(variant, sizeof variant, "soak/%s/batch%d/D0/retention%lldMiB", size, BATCH,
	         (long long)(retention >> 20));
	printf("%s: %zu records, size of data.mdb:\n", variant, records);
	c->value_size = value_size;
	c->next = 0;
	double t0 = now_sec();
	size_t s = 0;
	for (size_t i = 1; i <= batches; i++) {
		append(c, env, BATCH);
		if (i % (flush_every ? flush_every : 1) == 0)
			ol_check(offlog_flush(env), "offlog_flush");
		if (i % MAINTAIN_EVERY == 0) {
			ol_check(offlog_maintain(env, 0, &removed), "offlog_maintain");
			by_maintain += removed;
		}
		if (s < SAMPLES && i == batches * (s + 1) / SAMPLES) {
			ol_check(offlog_flush(env), "offlog_flush");
			at[s] = i * BATCH;
			mib[s] = file_mib(dir);
			s++;
		}
	}
	double secs = now_sec() - t0;
	int64_t log_start, bytes;
	part_state(env, &log_start, &bytes);
	if (log_start <= 0 || bytes > 2 * retention)
		die("soak %s: retention did not trim: log start %lld, %lld bytes stored", variant,
		    (long long)log_start, (long long)bytes);
	for (size_t i = 0; i < SAMPLES; i++) {
		char row[32];
		printf("  %8zu records -> %7.1f MiB\n", at[i], mib[i]);
		snprintf(row, sizeof row, "file@%zu", at[i]);
		csv_add("W5", variant, row, mib[i], "MiB", NAN);
	}
	double growth = (mib[SAMPLES - 1] - mib[SAMPLES / 2]) / mib[SAMPLES / 2];
	char rate[32];
	fmt_rate(rate, sizeof rate, (double)records / secs);
	printf("  %.1f s, %s rec/s with trimming; %.1f MiB of records kept (log start %lld; offlog_maintain "
	       "removed %llu, appends the rest); second-half growth %+.1f%%\n",
	       secs, rate, (double)bytes / MIB, (long long)log_start, (unsigned long long)by_maintain,
	       100 * growth);
	csv_add("W5", variant, "offlog", (double)records / secs, "rec/s", NAN);
	csv_add("W5", variant, "second-half-growth", 100 * growth, "%", NAN);
	fflush(stdout);
	ol_check(offlog_close(env), "offlog_close");
	tmpdir_remove(dir);
	return growth;
}

/* ---- latency with and without trimming ---------------------------------- */

/* One round: `batches` timed batches into each store, in turns (the first
 * to go alternates by round); lat[k] gets store k's latencies in us. */
static void lat_round(soak_ctx *c, offlog_env *env[2], int mode, size_t batches, size_t round,
                      float *lat[2])
{
	for (size_t i = 0; i < batches; i++) {
		for (size_t j = 0; j < 2; j++) {
			size_t k = (j + round + i) % 2;
			set_values(c, BATCH);
			uint64_t t0 = now_ns();
			ol_check(offlog_append_batch(NULL, NULL, env[k], TOPIC, 0, c->msgs, BATCH),
			         "offlog_append_batch");
			lat[k][i] = (float)((double)(now_ns() - t0) / 1000.0);
		}
		if (mode == MODE_D0 && (i + 1) % FLUSH_BATCHES == 0)
			for (size_t k = 0; k < 2; k++)
				ol_check(offlog_flush(env[k]), "offlog_flush");
	}
}

/* Returns the median over rounds of p99 with trimming / p99 without. */
static double soak_latency(soak_ctx *c, int mode, size_t batches)
{
	char *dir[2] = {tmpdir_create("soak-ret"), tmpdir_create("soak-noret")};
	offlog_env *env[2] = {soak_open(dir[0], mode, LAT_RETENTION), soak_open(dir[1], mode, -1)};
	size_t runs = c->b->runs;
	double p50[2][BENCH_MAX_RUNS], p99[2][BENCH_MAX_RUNS];
	float *lat[2] = {xcalloc(batches, sizeof(float)), xcalloc(batches, sizeof(float))};
	char variant[64];
	c->value_size = 128;
	/* Untimed: both stores get twice the retention limit, so the
	 * retention store starts in its steady state. */
	size_t fill = (size_t)(2 * LAT_RETENTION / (128 * FILL_BATCH));
	for (size_t k = 0; k < 2; k++) {
		c->next = 0;
		for (size_t i = 0; i < fill; i++)
			append(c, env[k], FILL_BATCH);
		ol_check(offlog_flush(env[k]), "offlog_flush");
	}
	ol_check(offlog_maintain(env[0], 0, NULL), "offlog_maintain");
	for (size_t r = 0; r < runs; r++) {
		lat_round(c, env, mode, batches, r, lat);
		for (size_t k = 0; k < 2; k++) {
			sort_floats(lat[k], batches);
			p50[k][r] = quantile_sorted(lat[k], batches, 0.50);
			p99[k][r] = quantile_sorted(lat[k], batches, 0.99);
		}
	}
	int64_t log_start[2], bytes[2];
	for (size_t k = 0; k < 2; k++)
		part_state(env[k], &log_start[k], &bytes[k]);
	if (log_start[0] <= 0 || log_start[1] != 0)
		die("soak latency: log start %lld with retention, %lld without", (long long)log_start[0],
		    (long long)log_start[1]);
	double ratio = median_ratio(p99[0], p99[1], runs);
	double ratio50 = median_ratio(p50[0], p50[1], runs);
	char a50[32], a99[32], b50[32], b99[32];
	fmt_us(a50, sizeof a50, median(p50[0], runs));
	fmt_us(a99, sizeof a99, median(p99[0], runs));
	fmt_us(b50, sizeof b50, median(p50[1], runs));
	fmt_us(b99, sizeof b99, median(p99[1], runs));
	snprintf(variant, sizeof variant, "soak/128B/batch%d/%s/append-latency", BATCH,
	         mode_name(mode));
	printf("%-38s trimming p50 %s p99 %s  no retention p50 %s p99 %s  p99 ratio %.2f "
	       "(p50 %.2f)\n",
	       variant, a50, a99, b50, b99, ratio, ratio50);
	csv_add("W5", variant, "offlog-retention-p50", median(p50[0], runs), "us", NAN);
	csv_add("W5", variant, "offlog-retention-p99", median(p99[0], runs), "us", ratio);
	csv_add("W5", variant, "offlog-no-retention-p50", median(p50[1], runs), "us", NAN);
	csv_add("W5", variant, "offlog-no-retention-p99", median(p99[1], runs), "us", NAN);
	fflush(stdout);
	for (size_t k = 0; k < 2; k++) {
		ol_check(offlog_close(env[k]), "offlog_close");
		tmpdir_remove(dir[k]);
		free(lat[k]);
	}
	return ratio;
}

void run_soak(const bench_ctx *b)
{
	soak_ctx *c = xcalloc(1, sizeof *c);
	char fig[160];
	c->b = b;
	for (size_t j = 0; j < FILL_BATCH; j++)
		c->msgs[j].timestamp = OFFLOG_TIMESTAMP_NOW;
	printf("\nW5 soak: appends in batches of %d to one partition with retention_bytes, D0 "
	       "flushed at every\n   half of it appended, offlog_maintain() every %d batches\n",
	       BATCH, MAINTAIN_EVERY);
	double growth = soak_file(c, 128, b->quick ? QUICK_SOAK_RECORDS : FULL_SOAK_RECORDS,
	                          b->quick ? QUICK_RETENTION : FULL_RETENTION);
	snprintf(fig, sizeof fig, "%+.1f%% over the second half, 128B (target <= %+.0f%%)",
	         100 * growth, 100 * GROWTH_TARGET);
	target_add("W5 soak: file size plateaus", fig,
	           growth <= GROWTH_TARGET ? TARGET_MET : TARGET_NOT_MET);
	if (!b->quick) {
		double large = soak_file(c, LARGE_VALUE, LARGE_SOAK_RECORDS, FULL_RETENTION);
		snprintf(fig, sizeof fig, "%+.1f%% over the second half, 4KiB: overflow pages "
		         "(target <= %+.0f%%)", 100 * large, 100 * GROWTH_TARGET);
		target_add("W5 soak, 4KiB values: file size plateaus", fig,
		           large <= GROWTH_TARGET ? TARGET_MET : TARGET_NOT_MET);
	}
	printf("append latency per batch of %d, 128B: a topic trimmed by retention_bytes %lld MiB "
	       "vs one without retention,\n   batch by batch in turns, D0 flushed every %d batches "
	       "(untimed); ratio: median over runs of p99 / p99\n",
	       BATCH, (long long)(LAT_RETENTION >> 20), FLUSH_BATCHES);
	double d0 = soak_latency(c, MODE_D0, b->quick ? QUICK_LAT_BATCHES_D0 : FULL_LAT_BATCHES_D0);
	char d1[32] = "full run only";
	if (!b->quick)
		snprintf(d1, sizeof d1, "%.2f", soak_latency(c, MODE_D1, FULL_LAT_BATCHES_D1));
	snprintf(fig, sizeof fig, "%5.2f in D0 (D1: %s; target <= %.2f)", d0, d1, P99_TARGET);
	target_add("W5 retention: trimming adds <= 20% to append p99", fig,
	           d0 <= P99_TARGET ? TARGET_MET : TARGET_NOT_MET);
	free(c);
}

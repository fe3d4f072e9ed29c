/*
 * run_offlog.c - the system under test: one topic of one partition, keyless
 * records stamped with the append time, as a plain producer writes them.
 */
#include "bench.h"

#include <offlog.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC BENCH_TOPIC
/* W3 reads in large fetches so the per-fetch work (snapshot, topic and
 * partition lookup, cursor seek) is spread over many records, as a catch-up
 * reader would; the byte limit is set high enough not to cut a fetch short. */
#define SCAN_MAX_RECORDS 8192
#define SCAN_MAX_BYTES ((size_t)256 << 20)

struct bench_offlog {
	offlog_env *env;
	offlog_batch *batch; /* kept across scans: a reader reuses its batch */
	int mode;
};

void ol_check(int rc, const char *what)
{
	if (rc)
		die("offlog: %s failed: %s (%s): %s", what, offlog_errname(rc), offlog_strerror(rc),
		    offlog_errmsg());
}

static void check(int rc, const char *what)
{
	ol_check(rc, what);
}

int ol_durability(int mode)
{
	switch (mode) {
	case MODE_D2:
		return OFFLOG_DURABILITY_SYNC;
	case MODE_D1:
		return OFFLOG_DURABILITY_NOMETASYNC;
	default:
		return OFFLOG_DURABILITY_ASYNC;
	}
}

offlog_env *ol_env_create(const char *dir, int mode, int32_t partitions)
{
	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.durability = ol_durability(mode);
	/* No background flusher: D0 flushes once at the end of the run, as the
	 * raw LMDB loop syncs once, and D1 does what MDB_NOMETASYNC does. A
	 * flusher firing in some runs and not others would only add noise. */
	o.flush_interval_ms = 0;
	check(offlog_open(&env, dir, &o), "offlog_open");
	check(offlog_topic_create(env, TOPIC, partitions, NULL), "offlog_topic_create");
	return env;
}

int64_t ol_log_end(offlog_env *env, int32_t partition)
{
	int64_t leo;
	check(offlog_watermarks_get(NULL, NULL, &leo, env, TOPIC, partition),
	      "offlog_watermarks_get");
	return leo;
}

bench_offlog *offlog_store_open(const char *dir, int mode)
{
	bench_offlog *s = xcalloc(1, sizeof *s);
	s->mode = mode;
	s->env = ol_env_create(dir, mode, 1);
	return s;
}

/* The log end offset must be exactly the number of records appended. */
static void check_log_end(bench_offlog *s, size_t records)
{
	int64_t leo;
	check(offlog_watermarks_get(NULL, NULL, &leo, s->env, TOPIC, 0), "offlog_watermarks_get");
	if (leo != (int64_t)records)
		die("offlog: log end offset %lld after appending %zu records", (long long)leo, records);
}

double offlog_store_append(bench_offlog *s, const append_spec *w, const payload *p)
{
	/* The messages of one batch are set up once; the timed loop only points
	 * them at the next values. */
	offlog_message *msgs = xcalloc(w->batch, sizeof *msgs);
	for (size_t j = 0; j < w->batch; j++) {
		msgs[j].value_len = w->value_size;
		msgs[j].timestamp = OFFLOG_TIMESTAMP_NOW;
	}
	double t0 = now_sec();
	for (size_t i = 0; i < w->records; i += w->batch) {
		int64_t base;
		for (size_t j = 0; j < w->batch; j++)
			msgs[j].value = payload_value(p, i + j, w->value_size);
		if (w->batch == 1)
			check(offlog_append(&base, NULL, s->env, TOPIC, 0, msgs), "offlog_append");
		else
			check(offlog_append_batch(&base, NULL, s->env, TOPIC, 0, msgs, w->batch),
			      "offlog_append_batch");
		if (base != (int64_t)i)
			die("offlog: batch appended at offset %lld, expected %zu", (long long)base, i);
	}
	if (s->mode == MODE_D0)
		check(offlog_flush(s->env), "offlog_flush");
	double secs = now_sec() - t0;
	free(msgs);
	check_log_end(s, w->records);
	return secs;
}

static void fetch(bench_offlog *s, int64_t offset)
{
	check(offlog_fetch(&s->batch, s->env, TOPIC, 0, offset, SCAN_MAX_RECORDS, SCAN_MAX_BYTES),
	      "offlog_fetch");
}

double offlog_store_scan(bench_offlog *s, size_t records, scan_sum *sum)
{
	/* The batch and its record array are allocated by a first fetch before
	 * the clock starts, so the timed scan allocates nothing. */
	if (!s->batch)
		fetch(s, 0);
	memset(sum, 0, sizeof *sum);
	double t0 = now_sec();
	for (int64_t offset = 0, next; offset < (int64_t)records; offset = next) {
		const offlog_record *recs;
		size_t n;
		fetch(s, offset);
		check(offlog_batch_records(&recs, &n, &next, s->batch), "offlog_batch_records");
		if (n == 0)
			die("offlog: fetch at offset %lld of %zu returned no record", (long long)offset,
			    records);
		for (size_t j = 0; j < n; j++)
			scan_add(sum, recs[j].value, recs[j].value_len);
	}
	return now_sec() - t0;
}

void offlog_store_close(bench_offlog *s)
{
	if (!s)
		return;
	offlog_batch_free(s->batch);
	check(offlog_close(s->env), "offlog_close");
	free(s);
}

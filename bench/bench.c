/*
 * bench.c - offlog's benchmark suite, run by `make bench`.
 *
 *   W1  one producer appends: values of 16 B, 128 B, 1 KiB and 4 KiB, 1, 100
 *       or 1000 records per commit, in each durability mode; against the raw
 *       LMDB loop, the SQLite queue (D2, D0), Redis Streams (128 B; D2:
 *       appendfsync always, D0: everysec) and, for batch 1 in D1, the fsync
 *       floor.
 *   W2  many producers each waiting for its own ack (w2.c), and the
 *       asynchronous producer (producer.c).
 *   W3  catch-up scan of a whole partition from offset 0 with offlog_fetch,
 *       against a raw LMDB cursor scan of the same records; produce ->
 *       consume latency at a fixed rate (w3_latency.c); the wake-up of a
 *       consumer waiting in poll by another process's append (wake.c).
 *   open: what OFFLOG_OPEN_VERIFY costs, against one read of the file
 *       (open_check.c).
 *   W4  offset commits (w4_commits.c).
 *   W5  many partitions, large stores, memory (w5_scale.c); retention
 *       trimming the head of the log: file size and append latency (soak.c).
 *
 * Usage: offlog-bench [--quick] [--runs N] [--csv FILE] [--only LIST]
 * BENCH_QUICK=1 in the environment also selects the quick run. --only runs
 * some workloads: a comma-separated list of w1, w2, producer, scan, latency,
 * wake, open, w4, w5, soak.
 */
#include "bench.h"

#include <offlog.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RUNS 5
#define MAX_RESULTS 64
/* Large enough that values of successive records are spread over memory. */
#define PAYLOAD_SIZE (((size_t)1 << 20) + 4096)

typedef struct config {
	bool quick;
	size_t runs;
	const char *csv_path;
	const char *only; /* NULL: every workload */
	redis_server *redis_always, *redis_everysec;
} config;

static bool selected(const config *c, const char *name)
{
	size_t n = strlen(name);
	if (!c->only)
		return true;
	for (const char *s = c->only; *s; s += strcspn(s, ","), s += *s == ',') {
		if (strncmp(s, name, n) == 0 && (s[n] == ',' || s[n] == '\0'))
			return true;
	}
	return false;
}

static const size_t value_sizes[] = {16, 128, 1024, 4096};
static const size_t batches[] = {1, 100, 1000};
#define N_SIZES (sizeof value_sizes / sizeof value_sizes[0])
#define N_BATCHES (sizeof batches / sizeof batches[0])

/* Records per W1 run, by mode and batch. A D2 commit costs two syncs (data,
 * then meta page) of ~0.1-1 ms each here, so batch-1 runs in the synced
 * modes get few records to stay short; D0 and large batches get more so
 * that a run lasts long enough to time. */
static const size_t quick_records[MODE__COUNT][N_BATCHES] = {
	/* batch:   1      100    1000 */
	[MODE_D2] = {100, 3000, 20000},
	[MODE_D1] = {150, 3000, 20000},
	[MODE_D0] = {1500, 20000, 50000},
};
static const size_t full_records[MODE__COUNT][N_BATCHES] = {
	[MODE_D2] = {600, 20000, 100000},
	[MODE_D1] = {1000, 20000, 100000},
	[MODE_D0] = {20000, 100000, 300000},
};
/* Large values are capped by bytes per run rather than by count. */
#define QUICK_APPEND_BYTES ((size_t)2 << 20)
#define FULL_APPEND_BYTES ((size_t)64 << 20)

/* W3: records in the scanned partition, capped by bytes likewise. */
#define QUICK_SCAN_RECORDS ((size_t)200000)
#define FULL_SCAN_RECORDS ((size_t)1000000)
#define QUICK_SCAN_BYTES ((size_t)32 << 20)
#define FULL_SCAN_BYTES ((size_t)256 << 20)
#define SCAN_FILL_BATCH 1000
/* A scan of a warm partition takes milliseconds, too short to time well: a
 * run reads it in whole passes until it has read at least this many records. */
#define QUICK_SCAN_READS ((size_t)1000000)
#define FULL_SCAN_READS ((size_t)10000000)

/* At most `count`, at most `bytes` of values, a whole number of batches;
 * but at least two commits, so that no run is one commit's fixed costs. */
static size_t records_for(size_t count, size_t bytes, size_t value_size, size_t batch)
{
	size_t n = bytes / value_size < count ? bytes / value_size : count;
	n -= n % batch;
	return n < 2 * batch ? 2 * batch : n;
}

/* ---- running the systems in turn ---------------------------------------- */

/* One run of one system; returns its rate (records/s, or syncs/s). */
typedef double run_fn(int sys, void *ctx);

/* runs rounds; in each, every system runs once. systems[0] is offlog. */
static void measure(result *res, const int *systems, size_t nsys, size_t runs, run_fn *fn,
                    void *ctx)
{
	double rate[SYS__COUNT][BENCH_MAX_RUNS], ratio[SYS__COUNT][BENCH_MAX_RUNS];
	for (size_t r = 0; r < runs; r++) {
		/* The order rotates each round, so no system always runs first,
		 * or always right after another system's writeback. */
		for (size_t k = 0; k < nsys; k++) {
			int sys = systems[(k + r) % nsys];
			rate[sys][r] = fn(sys, ctx);
		}
		/* Ratios are taken within a round, between runs made moments
		 * apart, so a slow phase of the machine slows both sides. */
		for (size_t k = 0; k < nsys; k++)
			ratio[systems[k]][r] = rate[SYS_OFFLOG][r] / rate[systems[k]][r];
	}
	res->runs = runs;
	for (size_t k = 0; k < nsys; k++) {
		int sys = systems[k];
		res->have[sys] = true;
		res->rate[sys] = median(rate[sys], runs);
		res->ratio[sys] = median(ratio[sys], runs);
	}
}

static double checked_rate(size_t count, double secs, const char *what)
{
	if (!(secs > 0))
		die("%s: run took no measurable time", what);
	return (double)count / secs;
}

/* ---- W1: appends -------------------------------------------------------- */

typedef struct append_ctx {
	const append_spec *w;
	const payload *p;
	redis_server *redis;
} append_ctx;

static const char *const sys_tag[SYS__COUNT] = {"offlog", "lmdb", "sqlite", "floor", "redis"};

/* Setup and teardown stay outside the timed part of each system's run. */
static double append_once(int sys, const append_ctx *ctx, const char *dir)
{
	const append_spec *w = ctx->w;
	const payload *p = ctx->p;
	switch (sys) {
	case SYS_OFFLOG: {
		bench_offlog *s = offlog_store_open(dir, w->mode);
		double secs = offlog_store_append(s, w, p);
		offlog_store_close(s);
		return secs;
	}
	case SYS_LMDB: {
		raw_lmdb *r = raw_lmdb_open(dir, w->mode);
		double secs = raw_lmdb_append(r, w, p);
		raw_lmdb_close(r);
		return secs;
	}
	case SYS_SQLITE: {
		sqlite_queue *q = sqlite_queue_open(dir, w->mode);
		double secs = sqlite_queue_append(q, w, p);
		sqlite_queue_close(q);
		return secs;
	}
	case SYS_REDIS:
		return redis_append(ctx->redis, w, p);
	default:
		return fsync_floor_run(dir, w->records);
	}
}

/* Every run gets a fresh directory: no system reuses another's files. */
static double append_run(int sys, void *arg)
{
	const append_ctx *ctx = arg;
	char *dir = tmpdir_create(sys_tag[sys]);
	double secs = append_once(sys, ctx, dir);
	tmpdir_remove(dir);
	return checked_rate(ctx->w->records, secs, sys_tag[sys]);
}

static void append_cell(const config *c, const payload *p, append_spec *w, result *res)
{
	int systems[SYS__COUNT] = {SYS_OFFLOG, SYS_LMDB};
	size_t nsys = 2;
	char size[16];
	if (w->mode != MODE_D1)
		systems[nsys++] = SYS_SQLITE;
	if (w->mode == MODE_D1 && w->batch == 1)
		systems[nsys++] = SYS_FLOOR;
	/* A server round trip per batch: compared where the targets are, 128 B. */
	redis_server *redis = w->mode == MODE_D2 ? c->redis_always : c->redis_everysec;
	if (w->mode != MODE_D1 && w->value_size == 128 && redis)
		systems[nsys++] = SYS_REDIS;
	size_name(size, sizeof size, w->value_size);
	snprintf(res->name, sizeof res->name, "append/%s/batch%zu/%s", size, w->batch,
	         mode_name(w->mode));
	res->value_size = w->value_size;
	res->batch = w->batch;
	res->mode = w->mode;
	res->records = w->records;
	append_ctx ctx = {w, p, redis};
	measure(res, systems, nsys, c->runs, append_run, &ctx);
}

static void run_w1(const config *c, const payload *p, result *results, size_t *n)
{
	printf("\nW1 single producer append (ratio: offlog / raw LMDB loop; vs-sqlite: offlog / "
	       "SQLite queue;\n   vs-redis: offlog / Redis Streams, XADDs of a batch pipelined; "
	       "vs-floor: offlog / fsync floor)\n");
	for (int mode = 0; mode < MODE__COUNT; mode++)
		for (size_t si = 0; si < N_SIZES; si++)
			for (size_t bi = 0; bi < N_BATCHES; bi++) {
				/* The quick run keeps the sizes the targets name and the
				 * largest: 128 B and 4 KiB. */
				if (c->quick && value_sizes[si] != 128 && value_sizes[si] != 4096)
					continue;
				size_t count = c->quick ? quick_records[mode][bi] : full_records[mode][bi];
				size_t cap = c->quick ? QUICK_APPEND_BYTES : FULL_APPEND_BYTES;
				append_spec w = {value_sizes[si], batches[bi], mode, 0};
				w.records = records_for(count, cap, w.value_size, w.batch);
				if (*n == MAX_RESULTS)
					die("more than %d comparisons", MAX_RESULTS);
				append_cell(c, p, &w, &results[*n]);
				report_result(&results[(*n)++]);
			}
}

/* ---- W3: catch-up scan -------------------------------------------------- */

typedef struct scan_ctx {
	bench_offlog *ol;
	raw_lmdb *raw;
	size_t records;
	size_t passes;
	scan_sum expect;
} scan_ctx;

static scan_sum expected_sum(const payload *p, const append_spec *w)
{
	scan_sum s = {0, 0};
	for (size_t i = 0; i < w->records; i++)
		scan_add(&s, payload_value(p, i, w->value_size), w->value_size);
	return s;
}

/* Every pass must read exactly the records that were appended. */
static double scan_pass(int sys, const scan_ctx *ctx)
{
	scan_sum got;
	double secs = sys == SYS_OFFLOG ? offlog_store_scan(ctx->ol, ctx->records, &got)
	                                : raw_lmdb_scan(ctx->raw, &got);
	if (got.records != ctx->expect.records || got.checksum != ctx->expect.checksum)
		die("%s scan read %llu records (checksum %llu), expected %llu (checksum %llu)",
		    sys_tag[sys], (unsigned long long)got.records, (unsigned long long)got.checksum,
		    (unsigned long long)ctx->expect.records, (unsigned long long)ctx->expect.checksum);
	return secs;
}

static double scan_run(int sys, void *arg)
{
	const scan_ctx *ctx = arg;
	double secs = 0;
	for (size_t i = 0; i < ctx->passes; i++)
		secs += scan_pass(sys, ctx);
	return checked_rate(ctx->records * ctx->passes, secs, sys_tag[sys]);
}

/* Both stores are filled (untimed) in D0 with large batches, then scanned in
 * turns; the page cache is warm for both after the first round. */
static void scan_cell(const config *c, const payload *p, size_t value_size, result *res)
{
	static const int systems[] = {SYS_OFFLOG, SYS_LMDB};
	char size[16];
	size_t count = c->quick ? QUICK_SCAN_RECORDS : FULL_SCAN_RECORDS;
	size_t cap = c->quick ? QUICK_SCAN_BYTES : FULL_SCAN_BYTES;
	append_spec w = {value_size, SCAN_FILL_BATCH, MODE_D0, 0};
	w.records = records_for(count, cap, value_size, SCAN_FILL_BATCH);
	char *ol_dir = tmpdir_create("scan-offlog"), *raw_dir = tmpdir_create("scan-lmdb");
	size_t reads = c->quick ? QUICK_SCAN_READS : FULL_SCAN_READS;
	scan_ctx ctx = {offlog_store_open(ol_dir, MODE_D0), raw_lmdb_open(raw_dir, MODE_D0),
	                w.records, (reads + w.records - 1) / w.records, expected_sum(p, &w)};
	offlog_store_append(ctx.ol, &w, p);
	raw_lmdb_append(ctx.raw, &w, p);

	size_name(size, sizeof size, value_size);
	snprintf(res->name, sizeof res->name, "scan/%s", size);
	res->scan = true;
	res->value_size = value_size;
	res->records = w.records;
	measure(res, systems, 2, c->runs, scan_run, &ctx);

	offlog_store_close(ctx.ol);
	raw_lmdb_close(ctx.raw);
	tmpdir_remove(ol_dir);
	tmpdir_remove(raw_dir);
}

static void run_w3(const config *c, const payload *p, result *results, size_t *n)
{
	printf("\nW3 catch-up scan from offset 0 (ratio: offlog_fetch / raw LMDB cursor scan)\n");
	for (size_t si = 0; si < N_SIZES; si++) {
		if (*n == MAX_RESULTS)
			die("more than %d comparisons", MAX_RESULTS);
		scan_cell(c, p, value_sizes[si], &results[*n]);
		report_result(&results[(*n)++]);
	}
}

/* ---- main --------------------------------------------------------------- */

static void usage(void)
{
	fprintf(stderr, "usage: offlog-bench [--quick] [--runs N] [--csv FILE] [--only LIST]\n"
	                "  LIST: comma-separated, of w1 w2 producer scan latency wake open w4 w5 soak\n");
	exit(2);
}

static void parse_args(config *c, int argc, char **argv)
{
	const char *q = getenv("BENCH_QUICK");
	c->redis_always = c->redis_everysec = NULL;
	c->only = NULL;
	c->quick = q && *q && strcmp(q, "0") != 0;
	c->runs = DEFAULT_RUNS;
	c->csv_path = "results.csv";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			c->quick = true;
		} else if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc) {
			c->csv_path = argv[++i];
		} else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc) {
			c->only = argv[++i];
		} else if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v < 5 || v > BENCH_MAX_RUNS)
				die("--runs: between 5 and %d (medians of fewer runs are not reported)",
				    BENCH_MAX_RUNS);
			c->runs = v;
		} else {
			usage();
		}
	}
}

static void print_header(const config *c)
{
	printf("offlog-bench: %s run, median of %zu runs per figure, stores under %s\n",
	       c->quick ? "quick" : "full", c->runs, tmp_base());
	printf("versions: offlog %s, %s, SQLite %s, %s\n", offlog_version_string(),
	       raw_lmdb_version(), sqlite_queue_version(),
	       redis_installed() ? redis_installed() : "no Redis");
	printf("modes: D2 durable at commit; D1 one sync per commit; D0 no sync at commit, one "
	       "flush at the end\n");
	printf("ratios: median over runs of offlog's rate / the other's in the same run "
	       "(systems take turns)\n");
	if (c->redis_always)
		printf("redis: private redis-server on 127.0.0.1, AOF only: appendfsync always (D2) "
		       "and everysec (D0)\n");
	else
		printf("redis: skipped, redis-server is not installed (apt-get install redis-server)\n");
}

/* The CSV's directory, where the chart goes. */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 1;
	char *d = xcalloc(n + 1, 1);
	memcpy(d, slash ? path : ".", slash == path ? 1 : n);
	return d;
}

int main(int argc, char **argv)
{
	config c;
	payload p;
	size_t n = 0;
	parse_args(&c, argc, argv);
	if (atexit(tmpdir_remove_all) != 0)
		die("atexit failed");
	double t0 = now_sec();
	payload_init(&p, PAYLOAD_SIZE);
	result *results = xcalloc(MAX_RESULTS, sizeof *results);
	char *out_dir = dir_of(c.csv_path);
	report_open(c.csv_path);
	if (redis_installed()) {
		c.redis_always = redis_start(true);
		c.redis_everysec = redis_start(false);
	}
	bench_ctx b = {c.quick, c.runs, &p, c.redis_always, c.redis_everysec, out_dir};
	print_header(&c);
	if (selected(&c, "w1"))
		run_w1(&c, &p, results, &n);
	if (selected(&c, "w2"))
		run_w2(&b);
	if (selected(&c, "producer"))
		run_producer(&b);
	if (selected(&c, "scan"))
		run_w3(&c, &p, results, &n);
	if (selected(&c, "latency"))
		run_w3_latency(&b);
	if (selected(&c, "wake"))
		run_wake(&b);
	if (selected(&c, "open"))
		run_open_check(&b);
	if (selected(&c, "w4"))
		run_w4(&b);
	if (selected(&c, "w5"))
		run_w5(&b);
	if (selected(&c, "soak"))
		run_soak(&b);
	redis_stop(c.redis_always);
	redis_stop(c.redis_everysec);
	report_summary(results, n);
	report_close();
	printf("\ndone in %.0f s; CSV: %s\n", now_sec() - t0, c.csv_path);
	free(results);
	free(out_dir);
	payload_free(&p);
	return 0;
}

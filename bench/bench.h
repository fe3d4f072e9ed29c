/*
 * bench.h - declarations shared by the files of the benchmark suite.
 *
 * Machines are shared and noisy, so the suite never reports a speed alone:
 * every offlog figure comes with baselines measured in the same run from the
 * same records (raw LMDB loop, fsync floor, SQLite queue), and each figure is
 * the median of several runs in which the systems take turns.
 *
 *   bench.c        W1 and the W3 scan, record counts, the run loop, main
 *   w2.c           W2 many producers each waiting for its own ack
 *   producer.c     W2 with the asynchronous batching producer
 *   w3_latency.c   W3 produce -> consume latency at a fixed rate
 *   wake.c         W3 cross-process wake-up of a consumer waiting in poll
 *   open_check.c   the cost of OFFLOG_OPEN_VERIFY against one read of the file
 *   w4_commits.c   W4 offset commits
 *   w5_scale.c     W5 many partitions, large stores, memory
 *   soak.c         W5 retention: file size under steady trimming, append latency
 *   plot.c         the W2 chart, drawn by gnuplot when it is installed
 *   report.c       printed lines, the CSV file and the summary of targets
 *   run_offlog.c   offlog itself
 *   base_lmdb.c    the raw LMDB loop (W1, W2, W4, W5) and cursor scan (W3)
 *   base_sqlite.c  the SQLite queue
 *   base_redis.c   Redis Streams: a private redis-server and a RESP client
 *   base_fsync.c   the fsync floor
 *   timing.c       the clock, medians, percentiles, taking turns, formatting
 *   support.c      errors, temporary directories, record values, RSS
 */
#ifndef OFFLOG_BENCH_H
#define OFFLOG_BENCH_H

#include <offlog.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_MAX_RUNS 15

/* Durability modes, with the names of BENCH.md. */
enum bench_mode {
	MODE_D2, /* durable at commit */
	MODE_D1, /* one sync per commit, meta page synced by the next one */
	MODE_D0, /* no sync at commit; one explicit flush at the end of the run */
	MODE__COUNT
};

/* The systems compared. */
enum bench_sys {
	SYS_OFFLOG,
	SYS_LMDB,   /* raw LMDB loop, or raw cursor scan in W3 */
	SYS_SQLITE,
	SYS_FLOOR,  /* fsync floor: syncs/s instead of records/s */
	SYS_REDIS,  /* Redis Streams: appendfsync always for D2, everysec for D0 */
	SYS__COUNT
};

/* One W1 append measurement: `records` values of value_size bytes, written
 * `batch` records per commit. records is a multiple of batch. */
typedef struct append_spec {
	size_t value_size;
	size_t batch;
	int mode;
	size_t records;
} append_spec;

/* Random bytes that every system's records are cut from, so all systems
 * store exactly the same values. */
typedef struct payload {
	uint8_t *pool;
	size_t size;
} payload;

/* The value of record i: a window into the pool that moves with i, so
 * consecutive records differ but no record costs an allocation. */
static inline const void *payload_value(const payload *p, size_t i, size_t value_size)
{
	return p->pool + (i * 4099u) % (p->size - value_size);
}

/* What a scan read, to check that both scans saw the same records. Reading
 * the first byte of each value keeps the scan from only walking keys. */
typedef struct scan_sum {
	uint64_t records;
	uint64_t checksum;
} scan_sum;

static inline void scan_add(scan_sum *s, const void *value, size_t len)
{
	s->records++;
	s->checksum += len + (len ? ((const uint8_t *)value)[0] : 0u);
}

typedef struct redis_server redis_server;

/* What every workload needs: the run's settings and the shared baselines. */
typedef struct bench_ctx {
	bool quick;
	size_t runs;
	const payload *p;
	/* Private servers for the whole invocation (each run uses fresh
	 * streams and empties the server afterwards); NULL when redis-server
	 * is not installed. */
	redis_server *redis_always;
	redis_server *redis_everysec;
	const char *out_dir; /* the CSV's directory: the chart goes there */
} bench_ctx;

/* ---- support.c ---------------------------------------------------------- */

/* Print "offlog-bench: <message>" and exit(1); temporary directories are
 * removed on the way out. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xcalloc(size_t n, size_t size);
/* The directory temporary stores go under: $TMPDIR, else /tmp. */
const char *tmp_base(void);
/* A new empty directory under tmp_base(); remove with tmpdir_remove(). */
char *tmpdir_create(const char *tag);
void tmpdir_remove(char *dir);
/* Remove every directory still created; registered with atexit(). */
void tmpdir_remove_all(void);
void payload_init(payload *p, size_t size);
void payload_free(payload *p);
const char *mode_name(int mode);
/* "16B", "128B", "1KiB", "4KiB" */
void size_name(char *buf, size_t cap, size_t bytes);
/* The process's resident set and its file-backed part, in bytes, from
 * /proc/self/statm. */
void rss_get(uint64_t *resident, uint64_t *file_backed);
/* Start a thread; die on failure. */
void thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);
void thread_join(pthread_t thread);

/* ---- timing.c ----------------------------------------------------------- */

double now_sec(void);
uint64_t now_ns(void);
/* Sleep (not busy) for about secs. */
void sleep_sec(double secs);
/* Wait until now_ns() >= deadline: sleep while far from it, then spin, so
 * that a paced producer keeps to its schedule within a microsecond or so. */
void wait_until_ns(uint64_t deadline);
/* Median of n values (n >= 1); v is left unchanged. */
double median(const double *v, size_t n);
/* A rate with three significant digits and a k/M/G suffix: "1.71M". */
void fmt_rate(char *buf, size_t cap, double per_sec);
/* A latency in microseconds: "850us", "2.1ms", "1.20s". */
void fmt_us(char *buf, size_t cap, double us);
/* Median over runs of a[r] / b[r]. */
double median_ratio(const double *a, const double *b, size_t runs);
/* Sort v and give its q-quantile (0 < q <= 1, nearest rank); n >= 1. */
void sort_floats(float *v, size_t n);
double quantile_sorted(const float *v, size_t n, double q);

/* One run of contestant k in round r: returns its figure. */
typedef double turn_fn(size_t k, size_t round, void *ctx);
#define TURNS_MAX 12
/* runs rounds; in each, every one of the n contestants runs once, in an
 * order that rotates each round, so no contestant always runs first or
 * always right after another one's writeback. out[k][r] is contestant k's
 * figure of round r. */
void take_turns(double out[][BENCH_MAX_RUNS], size_t n, size_t runs, turn_fn *fn, void *ctx);

/* ---- run_offlog.c ------------------------------------------------------- */

typedef struct bench_offlog bench_offlog;

#define BENCH_TOPIC "bench"
/* Die with the error's name, text and offlog_errmsg() unless rc is 0. */
void ol_check(int rc, const char *what);
int ol_durability(int mode);
/* A new store in dir, opened in the durability mode with no background
 * flusher, with topic BENCH_TOPIC of `partitions` partitions. */
offlog_env *ol_env_create(const char *dir, int mode, int32_t partitions);
int64_t ol_log_end(offlog_env *env, int32_t partition);

/* A new store in the empty directory dir, with topic "bench" of one
 * partition, opened in the durability mode. */
bench_offlog *offlog_store_open(const char *dir, int mode);
/* Append the records of w; returns the seconds taken, the final flush of
 * D0 included. */
double offlog_store_append(bench_offlog *s, const append_spec *w, const payload *p);
/* Read the partition from offset 0 to its end with offlog_fetch. */
double offlog_store_scan(bench_offlog *s, size_t records, scan_sum *sum);
void offlog_store_close(bench_offlog *s);

/* ---- base_lmdb.c -------------------------------------------------------- */

typedef struct raw_lmdb raw_lmdb;

raw_lmdb *raw_lmdb_open(const char *dir, int mode);
double raw_lmdb_append(raw_lmdb *r, const append_spec *w, const payload *p);
/* `logs` integer-keyed databases (log i is partition i) and, with
 * offsets, a database of committed offsets; map_size 0 = the default. */
raw_lmdb *raw_lmdb_open_logs(const char *dir, int mode, unsigned logs, bool offsets,
                             uint64_t map_size);
/* One write transaction: `count` values put with MDB_APPEND at the next
 * keys of log `part` (values first .. first+count-1 of the payload) and, when
 * commit_offset >= 0, the committed offset of the partition put too. */
void raw_lmdb_batch(raw_lmdb *r, unsigned part, const payload *p, size_t first, size_t count,
                    size_t value_size, int64_t commit_offset);
/* One write transaction that only puts the committed offset of `part`. */
void raw_lmdb_commit_offset(raw_lmdb *r, unsigned part, int64_t offset);
/* Records put into log `part` so far (its next key). */
uint64_t raw_lmdb_count(const raw_lmdb *r, unsigned part);
/* D0: make everything durable (mdb_env_sync); nothing otherwise. */
void raw_lmdb_flush(raw_lmdb *r);
/* W5: one database of `partitions` partitions keyed by (partition, offset)
 * big-endian, offlog's layout, with MDB_APPEND only when the key is the
 * largest of the table. */
raw_lmdb *raw_lmdb_open_flat(const char *dir, int mode, uint32_t partitions);
/* One record in every partition, in one transaction, then a sync. */
void raw_lmdb_flat_seed(raw_lmdb *r, const payload *p, size_t value_size);
void raw_lmdb_flat_batch(raw_lmdb *r, uint32_t part, const payload *p, size_t first,
                         size_t count, size_t value_size);
double raw_lmdb_scan(raw_lmdb *r, scan_sum *sum);
void raw_lmdb_close(raw_lmdb *r);
const char *raw_lmdb_version(void);

/* ---- base_sqlite.c ------------------------------------------------------ */

typedef struct sqlite_queue sqlite_queue;

/* The queue in dir/queue.db. Only D2 and D0 have a SQLite equivalent. */
sqlite_queue *sqlite_queue_open(const char *dir, int mode);
double sqlite_queue_append(sqlite_queue *q, const append_spec *w, const payload *p);
/* Partitions 1 .. partitions-1 added to a queue made by sqlite_queue_open. */
void sqlite_queue_add_partitions(sqlite_queue *q, int32_t partitions);
/* Another connection to an existing queue, as each producer thread has. */
sqlite_queue *sqlite_queue_connect(const char *dir, int mode);
/* From now on, waiting for the write lock ends as soon as *stop is true. */
void sqlite_queue_stop_on(sqlite_queue *q, const atomic_bool *stop);
/* One record in its own transaction, at the partition's log end offset;
 * false, with nothing written, if the wait for the lock ended by *stop. */
bool sqlite_queue_append_one(sqlite_queue *q, int32_t partition, const void *value, size_t len);
int64_t sqlite_queue_log_end(sqlite_queue *q, int32_t partition);
/* D0's flush: a full checkpoint, which syncs the WAL and the database. */
void sqlite_queue_flush(sqlite_queue *q);
void sqlite_queue_close(sqlite_queue *q);
const char *sqlite_queue_version(void);

/* ---- base_fsync.c ------------------------------------------------------- */

/* `syncs` times: overwrite 100 bytes of a preallocated file in dir, then
 * fdatasync. Returns the seconds taken. */
double fsync_floor_run(const char *dir, size_t syncs);

/* ---- base_redis.c ------------------------------------------------------- */

typedef struct redis_conn redis_conn;

/* "Redis 7.0.15", or NULL when redis-server is not on the PATH. */
const char *redis_installed(void);
/* A private redis-server on 127.0.0.1 with AOF on (appendfsync always or
 * everysec) and no snapshots, in a new temporary directory; returns once it
 * answers PING. Killed and its directory removed at exit if still running. */
redis_server *redis_start(bool fsync_always);
/* SHUTDOWN NOSAVE, wait for the process, remove the directory. */
void redis_stop(redis_server *s);
const char *redis_name(const redis_server *s); /* "redis-always", "redis-everysec" */
/* A connection whose command buffer holds at least out_cap bytes. */
redis_conn *redis_connect(const redis_server *s, size_t out_cap);
void redis_close(redis_conn *c);
/* XADD key * v <value>, waiting for the reply. */
void redis_xadd_one(redis_conn *c, const char *key, const void *value, size_t len);
/* W1: `records` values, `batch` XADDs pipelined per round trip, to a
 * fresh stream; returns the seconds taken. */
double redis_append(redis_server *s, const append_spec *w, const payload *p);
int64_t redis_xlen(redis_conn *c, const char *key);
/* Empty the server between runs (untimed). */
void redis_flushall(redis_server *s);

/* ---- report.c ----------------------------------------------------------- */

/* The outcome of one comparison: medians over the runs. */
typedef struct result {
	char name[64];          /* "append/128B/batch1000/D2", "scan/128B" */
	bool scan;              /* W3 rather than W1 */
	size_t value_size;
	size_t batch;
	int mode;
	size_t records;
	size_t runs;
	bool have[SYS__COUNT];
	double rate[SYS__COUNT];  /* median records/s (syncs/s for the floor) */
	double ratio[SYS__COUNT]; /* median of the per-run offlog rate / this system's */
} result;

/* Open the CSV file (header line written); die on failure. */
void report_open(const char *csv_path);
/* Print the result's line and add its CSV row. */
void report_result(const result *r);
/* The BENCH.md targets covered by W1 and W3, met or not. */
void report_summary(const result *results, size_t n);
void report_close(void);
/* One CSV row: ratio is offlog's figure / this system's, NAN for none. */
void csv_add(const char *workload, const char *variant, const char *system, double value,
             const char *unit, double ratio);

enum target_status { TARGET_MET, TARGET_NOT_MET, TARGET_NOT_MEASURED };
/* A BENCH.md target measured by W2-W5, printed with the summary. */
void target_add(const char *what, const char *figure, int status);

/* ---- the workloads ------------------------------------------------------ */

void run_w2(const bench_ctx *b);
void run_producer(const bench_ctx *b);
void run_w3_latency(const bench_ctx *b);
void run_wake(const bench_ctx *b);
void run_open_check(const bench_ctx *b);
void run_w4(const bench_ctx *b);
void run_w5(const bench_ctx *b);
void run_soak(const bench_ctx *b);

/* ---- plot.c ------------------------------------------------------------- */

#define PLOT_MAX_SERIES 8
#define PLOT_MAX_POINTS 8
typedef struct plot_data {
	size_t npoints;
	size_t nseries;
	double x[PLOT_MAX_POINTS];
	const char *title[PLOT_MAX_SERIES];
	double y[PLOT_MAX_SERIES][PLOT_MAX_POINTS]; /* NAN = not measured */
} plot_data;

/* Write dir/w2-threads.png with gnuplot, or say why not. */
void plot_w2(const char *dir, const plot_data *d);

#endif /* OFFLOG_BENCH_H */

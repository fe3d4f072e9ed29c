/*
 * bench.h - declarations shared by the files of the benchmark suite.
 *
 * Machines are shared and noisy, so the suite never reports a speed alone:
 * every offlog figure comes with baselines measured in the same run from the
 * same records (raw LMDB loop, fsync floor, SQLite queue), and each figure is
 * the median of several runs in which the systems take turns.
 *
 *   bench.c        the workloads, record counts, the run loop
 *   report.c       printed lines, the CSV file and the summary of targets
 *   run_offlog.c   offlog itself
 *   base_lmdb.c    the raw LMDB loop (W1) and cursor scan (W3)
 *   base_sqlite.c  the SQLite queue
 *   base_fsync.c   the fsync floor
 *   timing.c       the clock, medians, number formatting
 *   support.c      errors, temporary directories, record values
 */
#ifndef OFFLOG_BENCH_H
#define OFFLOG_BENCH_H

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

/* ---- timing.c ----------------------------------------------------------- */

double now_sec(void);
/* Median of n values (n >= 1); v is left unchanged. */
double median(const double *v, size_t n);
/* A rate with three significant digits and a k/M/G suffix: "1.71M". */
void fmt_rate(char *buf, size_t cap, double per_sec);

/* ---- run_offlog.c ------------------------------------------------------- */

typedef struct bench_offlog bench_offlog;

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
double raw_lmdb_scan(raw_lmdb *r, scan_sum *sum);
void raw_lmdb_close(raw_lmdb *r);
const char *raw_lmdb_version(void);

/* ---- base_sqlite.c ------------------------------------------------------ */

typedef struct sqlite_queue sqlite_queue;

/* The queue in dir/queue.db. Only D2 and D0 have a SQLite equivalent. */
sqlite_queue *sqlite_queue_open(const char *dir, int mode);
double sqlite_queue_append(sqlite_queue *q, const append_spec *w, const payload *p);
void sqlite_queue_close(sqlite_queue *q);
const char *sqlite_queue_version(void);

/* ---- base_fsync.c ------------------------------------------------------- */

/* `syncs` times: overwrite 100 bytes of a preallocated file in dir, then
 * fdatasync. Returns the seconds taken. */
double fsync_floor_run(const char *dir, size_t syncs);

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

#endif /* OFFLOG_BENCH_H */

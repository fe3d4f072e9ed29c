/*
 * base_sqlite.c - the SQLite queue: what a user would build instead of
 * offlog.
 *
 * Records go into a WITHOUT ROWID table keyed by (partition, offset); the
 * offsets table keeps each partition's log end offset (the next offset to
 * give out), which each producing transaction reads and advances, as
 * offlog's partition state is. Every statement is prepared once. D2 is WAL
 * with synchronous=FULL (the WAL is synced at each commit); D0 is WAL with
 * synchronous=NORMAL and a checkpoint at the end, which syncs the WAL and
 * the database as offlog_flush() makes everything durable. SQLite has no D1.
 *
 * Many producers (W2): each thread has its own connection and writes one
 * record per transaction; the connections wait for the write lock with a
 * busy timeout, as a user's threads would. The busy handler is SQLite's
 * default one of sqlite3_busy_timeout (the same sleeps: 1, 2, 5, ... 100 ms),
 * except that it gives up once the run is over, so that a run ends when its
 * time is up rather than when the last of 64 sleeping threads gets the lock.
 */
#include "bench.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PARTITION 0
/* Long enough that a thread never gives up waiting for the write lock
 * while 63 others take turns with it. */
#define BUSY_TIMEOUT_MS 60000

static const char *const schema =
	"CREATE TABLE log(partition INTEGER, offset INTEGER, value BLOB,"
	"                 PRIMARY KEY(partition, offset)) WITHOUT ROWID;"
	"CREATE TABLE offsets(partition INTEGER PRIMARY KEY, log_end INTEGER NOT NULL);"
	"INSERT INTO offsets(partition, log_end) VALUES(0, 0);";

struct sqlite_queue {
	sqlite3 *db;
	sqlite3_stmt *begin;
	sqlite3_stmt *commit;
	sqlite3_stmt *get_end;
	sqlite3_stmt *insert;
	sqlite3_stmt *set_end;
	int mode;
	const atomic_bool *stop; /* NULL: wait for the lock up to BUSY_TIMEOUT_MS */
};

static void check(sqlite3 *db, int rc, int want, const char *what)
{
	if (rc != want)
		die("SQLite: %s: %s: %s", what, sqlite3_errstr(rc), db ? sqlite3_errmsg(db) : "");
}

static void exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK)
		die("SQLite: %s: %s", sql, err ? err : sqlite3_errstr(rc));
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	check(db, sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK, sql);
	return st;
}

/* Run a statement that returns no row and make it ready for the next use. */
static void step_done(sqlite3 *db, sqlite3_stmt *st, const char *what)
{
	check(db, sqlite3_step(st), SQLITE_DONE, what);
	check(db, sqlite3_reset(st), SQLITE_OK, what);
}

/* journal_mode answers with the mode it ended up in, which is not WAL on
 * a file system that cannot share memory for the WAL index. */
static void set_wal(sqlite3 *db)
{
	sqlite3_stmt *st = prepare(db, "PRAGMA journal_mode=WAL");
	check(db, sqlite3_step(st), SQLITE_ROW, "PRAGMA journal_mode");
	const unsigned char *mode = sqlite3_column_text(st, 0);
	if (!mode || strcmp((const char *)mode, "wal") != 0)
		die("SQLite: journal_mode is %s, not wal", mode ? (const char *)mode : "NULL");
	check(db, sqlite3_finalize(st), SQLITE_OK, "PRAGMA journal_mode");
}

/* sqlite3_busy_timeout's handler, with one exit more. */
static int busy_wait(void *arg, int count)
{
	static const int delays[] = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
	const int n = (int)(sizeof delays / sizeof delays[0]);
	const sqlite_queue *q = arg;
	int waited = 0, delay;
	if (q->stop && atomic_load(q->stop))
		return 0;
	for (int i = 0; i < count && i < n; i++)
		waited += delays[i];
	if (count >= n)
		waited += delays[n - 1] * (count - n);
	delay = delays[count < n ? count : n - 1];
	if (waited >= BUSY_TIMEOUT_MS)
		return 0;
	if (waited + delay > BUSY_TIMEOUT_MS)
		delay = BUSY_TIMEOUT_MS - waited;
	sleep_sec(delay / 1e3);
	return 1;
}

static sqlite_queue *queue_open(const char *dir, int mode, bool create)
{
	char path[4096];
	int n = snprintf(path, sizeof path, "%s/queue.db", dir);
	if (n < 0 || (size_t)n >= sizeof path)
		die("SQLite: path too long: %s", dir);
	if (mode == MODE_D1)
		die("SQLite: no equivalent of D1");
	sqlite_queue *q = xcalloc(1, sizeof *q);
	q->mode = mode;
	int rc = sqlite3_open_v2(path, &q->db,
	                         SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0), NULL);
	check(q->db, rc, SQLITE_OK, path);
	check(q->db, sqlite3_busy_handler(q->db, busy_wait, q), SQLITE_OK, "busy_handler");
	set_wal(q->db);
	exec(q->db, mode == MODE_D2 ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
	if (create)
		exec(q->db, schema);
	q->begin = prepare(q->db, "BEGIN IMMEDIATE");
	q->commit = prepare(q->db, "COMMIT");
	q->get_end = prepare(q->db, "SELECT log_end FROM offsets WHERE partition = ?1");
	q->insert = prepare(q->db, "INSERT INTO log(partition, offset, value) VALUES(?1, ?2, ?3)");
	q->set_end = prepare(q->db, "UPDATE offsets SET log_end = ?2 WHERE partition = ?1");
	return q;
}

sqlite_queue *sqlite_queue_open(const char *dir, int mode)
{
	return queue_open(dir, mode, true);
}

sqlite_queue *sqlite_queue_connect(const char *dir, int mode)
{
	return queue_open(dir, mode, false);
}

void sqlite_queue_add_partitions(sqlite_queue *q, int32_t partitions)
{
	sqlite3_stmt *st = prepare(q->db, "INSERT INTO offsets(partition, log_end) VALUES(?1, 0)");
	for (int32_t i = 1; i < partitions; i++) {
		check(q->db, sqlite3_bind_int(st, 1, i), SQLITE_OK, "bind partition");
		step_done(q->db, st, "INSERT INTO offsets");
	}
	check(q->db, sqlite3_finalize(st), SQLITE_OK, "finalize");
}

static int64_t log_end(sqlite_queue *q, int32_t partition)
{
	check(q->db, sqlite3_bind_int(q->get_end, 1, partition), SQLITE_OK, "bind partition");
	check(q->db, sqlite3_step(q->get_end), SQLITE_ROW, "read log end offset");
	int64_t end = sqlite3_column_int64(q->get_end, 0);
	check(q->db, sqlite3_reset(q->get_end), SQLITE_OK, "read log end offset");
	return end;
}

static void insert(sqlite_queue *q, int32_t partition, int64_t offset, const void *value,
                   size_t len)
{
	sqlite3_stmt *st = q->insert;
	/* SQLITE_STATIC: the value outlives the statement's step, so SQLite
	 * need not copy it, as offlog and LMDB do not. */
	check(q->db, sqlite3_bind_int(st, 1, partition), SQLITE_OK, "bind partition");
	check(q->db, sqlite3_bind_int64(st, 2, offset), SQLITE_OK, "bind offset");
	check(q->db, sqlite3_bind_blob(st, 3, value, (int)len, SQLITE_STATIC), SQLITE_OK, "bind value");
	step_done(q->db, st, "INSERT INTO log");
}

static void set_log_end(sqlite_queue *q, int32_t partition, int64_t end)
{
	check(q->db, sqlite3_bind_int(q->set_end, 1, partition), SQLITE_OK, "bind partition");
	check(q->db, sqlite3_bind_int64(q->set_end, 2, end), SQLITE_OK, "bind log end");
	step_done(q->db, q->set_end, "UPDATE offsets");
}

static void append_batch(sqlite_queue *q, const append_spec *w, const payload *p, size_t first)
{
	step_done(q->db, q->begin, "BEGIN IMMEDIATE");
	int64_t base = log_end(q, PARTITION);
	if (base != (int64_t)first)
		die("SQLite: log end offset %lld, expected %zu", (long long)base, first);
	for (size_t i = 0; i < w->batch; i++)
		insert(q, PARTITION, base + (int64_t)i, payload_value(p, first + i, w->value_size),
		       w->value_size);
	set_log_end(q, PARTITION, base + (int64_t)w->batch);
	step_done(q->db, q->commit, "COMMIT");
}

void sqlite_queue_stop_on(sqlite_queue *q, const atomic_bool *stop)
{
	q->stop = stop;
}

bool sqlite_queue_append_one(sqlite_queue *q, int32_t partition, const void *value, size_t len)
{
	if (len > INT_MAX)
		die("SQLite: value of %zu bytes is too large", len);
	int rc = sqlite3_step(q->begin);
	if (rc == SQLITE_BUSY && q->stop && atomic_load(q->stop)) {
		check(q->db, sqlite3_reset(q->begin), SQLITE_BUSY, "BEGIN IMMEDIATE");
		return false;
	}
	check(q->db, rc, SQLITE_DONE, "BEGIN IMMEDIATE");
	check(q->db, sqlite3_reset(q->begin), SQLITE_OK, "BEGIN IMMEDIATE");
	int64_t end = log_end(q, partition);
	insert(q, partition, end, value, len);
	set_log_end(q, partition, end + 1);
	step_done(q->db, q->commit, "COMMIT");
	return true;
}

int64_t sqlite_queue_log_end(sqlite_queue *q, int32_t partition)
{
	return log_end(q, partition);
}

void sqlite_queue_flush(sqlite_queue *q)
{
	check(q->db, sqlite3_wal_checkpoint_v2(q->db, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL),
	      SQLITE_OK, "checkpoint");
}

double sqlite_queue_append(sqlite_queue *q, const append_spec *w, const payload *p)
{
	if (w->value_size > INT_MAX)
		die("SQLite: value of %zu bytes is too large", w->value_size);
	double t0 = now_sec();
	for (size_t i = 0; i < w->records; i += w->batch)
		append_batch(q, w, p, i);
	if (q->mode == MODE_D0)
		sqlite_queue_flush(q);
	return now_sec() - t0;
}

void sqlite_queue_close(sqlite_queue *q)
{
	if (!q)
		return;
	sqlite3_stmt *stmts[] = {q->begin, q->commit, q->get_end, q->insert, q->set_end};
	for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++)
		check(q->db, sqlite3_finalize(stmts[i]), SQLITE_OK, "finalize");
	check(NULL, sqlite3_close(q->db), SQLITE_OK, "close");
	free(q);
}

const char *sqlite_queue_version(void)
{
	return sqlite3_libversion();
}

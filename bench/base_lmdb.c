/*
 * base_lmdb.c - the raw LMDB loop, the ceiling for offlog's design.
 *
 * The same values go with MDB_APPEND into one MDB_INTEGERKEY database keyed
 * by the offset, the same number per write transaction, with the LMDB flags
 * that promise what offlog's mode promises. Nothing else is written: no
 * partition state, no time index, no record header. The scan walks that
 * database with MDB_NEXT.
 */
#include "bench.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>

/* MDB_INTEGERKEY keys are native unsigned ints or size_t; the 8-byte keys of
 * this baseline need a 64-bit size_t. */
_Static_assert(sizeof(size_t) == 8, "the raw LMDB baseline needs a 64-bit size_t");

/* Address space only: the file grows with its contents. */
#define RAW_MAP_SIZE ((size_t)4 << 30)

struct raw_lmdb {
	MDB_env *env;
	MDB_dbi dbi;
	int mode;
};

static void check(int rc, const char *what)
{
	if (rc)
		die("raw LMDB: %s: %s", what, mdb_strerror(rc));
}

static unsigned int env_flags(int mode)
{
	switch (mode) {
	case MODE_D2:
		return 0;
	case MODE_D1:
		return MDB_NOMETASYNC;
	default:
		return MDB_NOSYNC;
	}
}

/* A named database, as offlog's records live in one: each commit then
 * updates the main database's entry for it in both systems. */
raw_lmdb *raw_lmdb_open(const char *dir, int mode)
{
	raw_lmdb *r = xcalloc(1, sizeof *r);
	MDB_txn *txn;
	r->mode = mode;
	check(mdb_env_create(&r->env), "mdb_env_create");
	check(mdb_env_set_maxdbs(r->env, 1), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(r->env, RAW_MAP_SIZE), "mdb_env_set_mapsize");
	check(mdb_env_open(r->env, dir, env_flags(mode), 0600), "mdb_env_open");
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, "log", MDB_CREATE | MDB_INTEGERKEY, &r->dbi), "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	return r;
}

static void put_batch(raw_lmdb *r, const append_spec *w, const payload *p, size_t first)
{
	MDB_txn *txn;
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	for (size_t i = first; i < first + w->batch; i++) {
		size_t key = i;
		MDB_val k = {sizeof key, &key};
		MDB_val v = {w->value_size, (void *)(uintptr_t)payload_value(p, i, w->value_size)};
		check(mdb_put(txn, r->dbi, &k, &v, MDB_APPEND), "mdb_put");
	}
	check(mdb_txn_commit(txn), "mdb_txn_commit");
}

double raw_lmdb_append(raw_lmdb *r, const append_spec *w, const payload *p)
{
	double t0 = now_sec();
	for (size_t i = 0; i < w->records; i += w->batch)
		put_batch(r, w, p, i);
	if (r->mode == MODE_D0)
		check(mdb_env_sync(r->env, 1), "mdb_env_sync");
	return now_sec() - t0;
}

double raw_lmdb_scan(raw_lmdb *r, scan_sum *sum)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_val k, v;
	scan_sum s = {0, 0};
	double t0 = now_sec();
	check(mdb_txn_begin(r->env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin (read)");
	check(mdb_cursor_open(txn, r->dbi, &cur), "mdb_cursor_open");
	int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	for (; rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		scan_add(&s, v.mv_data, v.mv_size);
	if (rc != MDB_NOTFOUND)
		check(rc, "mdb_cursor_get");
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	double secs = now_sec() - t0;
	*sum = s;
	return secs;
}

void raw_lmdb_close(raw_lmdb *r)
{
	if (!r)
		return;
	mdb_env_close(r->env);
	free(r);
}

const char *raw_lmdb_version(void)
{
	static char buf[32];
	int major, minor, patch;
	mdb_version(&major, &minor, &patch);
	snprintf(buf, sizeof buf, "LMDB %d.%d.%d", major, minor, patch);
	return buf;
}

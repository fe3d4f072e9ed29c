/*
 * base_lmdb.c - the raw LMDB loop, the ceiling for offlog's design.
 *
 * The same values go with MDB_APPEND into one MDB_INTEGERKEY database keyed
 * by the offset, the same number per write transaction, with the LMDB flags
 * that promise what offlog's mode promises. Nothing else is written: no
 * partition state, no time index, no record header. The scan walks that
 * database with MDB_NEXT.
 *
 * Variants for the other workloads: one such database per partition, each
 * writer thread with its own write transaction per record (W2); a database
 * of committed offsets written in the batch's transaction or in its own
 * (W4); one table keyed by (partition, offset), offlog's layout, for many
 * partitions (W5).
 */
#include "bench.h"

#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MDB_INTEGERKEY keys are native unsigned ints or size_t; the 8-byte keys of
 * this baseline need a 64-bit size_t. */
_Static_assert(sizeof(size_t) == 8, "the raw LMDB baseline needs a 64-bit size_t");

/* Address space only: the file grows with its contents. */
#define RAW_MAP_SIZE ((size_t)4 << 30)

#define FLAT_KEY 12 /* partition (4 bytes) and offset (8), big-endian */

struct raw_lmdb {
	MDB_env *env;
	MDB_dbi dbi;
	int mode;
	unsigned nlogs;
	MDB_dbi *logs;   /* nlogs databases; logs[0] is dbi */
	uint64_t *next;  /* the next key of each log, or of each flat partition */
	bool has_offsets;
	MDB_dbi offsets;
	uint32_t flat_parts; /* > 0: the flat layout */
	bool flat_any;
	unsigned char flat_max[FLAT_KEY]; /* the largest key of the table */
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
	free(r->logs);
	free(r->next);
	free(r);
}

/* ---- W2 and W4: several logs, committed offsets ------------------------- */

raw_lmdb *raw_lmdb_open_logs(const char *dir, int mode, unsigned logs, bool offsets,
                             uint64_t map_size)
{
	raw_lmdb *r = xcalloc(1, sizeof *r);
	MDB_txn *txn;
	char name[32];
	if (logs == 0)
		die("raw LMDB: no log");
	r->mode = mode;
	r->nlogs = logs;
	r->has_offsets = offsets;
	r->logs = xcalloc(logs, sizeof *r->logs);
	r->next = xcalloc(logs, sizeof *r->next);
	check(mdb_env_create(&r->env), "mdb_env_create");
	check(mdb_env_set_maxdbs(r->env, logs + (offsets ? 1u : 0u)), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(r->env, map_size ? (size_t)map_size : RAW_MAP_SIZE),
	      "mdb_env_set_mapsize");
	check(mdb_env_open(r->env, dir, env_flags(mode), 0600), "mdb_env_open");
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	for (unsigned i = 0; i < logs; i++) {
		if (i == 0)
			snprintf(name, sizeof name, "log");
		else
			snprintf(name, sizeof name, "log%u", i);
		check(mdb_dbi_open(txn, name, MDB_CREATE | MDB_INTEGERKEY, &r->logs[i]), "mdb_dbi_open");
	}
	if (offsets)
		check(mdb_dbi_open(txn, "offsets", MDB_CREATE | MDB_INTEGERKEY, &r->offsets),
		      "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	r->dbi = r->logs[0];
	return r;
}

static void put_offset(raw_lmdb *r, MDB_txn *txn, unsigned part, int64_t offset)
{
	size_t key = part;
	MDB_val k = {sizeof key, &key}, v = {sizeof offset, &offset};
	if (!r->has_offsets)
		die("raw LMDB: no offsets database");
	check(mdb_put(txn, r->offsets, &k, &v, 0), "mdb_put (offset)");
}

/* The next key is read and advanced inside the write transaction, which
 * LMDB runs one at a time: threads sharing a log need no lock of their own. */
void raw_lmdb_batch(raw_lmdb *r, unsigned part, const payload *p, size_t first, size_t count,
                    size_t value_size, int64_t commit_offset)
{
	MDB_txn *txn;
	if (part >= r->nlogs)
		die("raw LMDB: no log %u", part);
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	for (size_t i = 0; i < count; i++) {
		size_t key = (size_t)r->next[part] + i;
		MDB_val k = {sizeof key, &key};
		MDB_val v = {value_size, (void *)(uintptr_t)payload_value(p, first + i, value_size)};
		check(mdb_put(txn, r->logs[part], &k, &v, MDB_APPEND), "mdb_put");
	}
	if (commit_offset >= 0)
		put_offset(r, txn, part, commit_offset);
	/* Still inside the transaction: the next writer must see it. A failed
	 * commit ends the run anyway. */
	r->next[part] += count;
	check(mdb_txn_commit(txn), "mdb_txn_commit");
}

void raw_lmdb_commit_offset(raw_lmdb *r, unsigned part, int64_t offset)
{
	MDB_txn *txn;
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	put_offset(r, txn, part, offset);
	check(mdb_txn_commit(txn), "mdb_txn_commit");
}

uint64_t raw_lmdb_count(const raw_lmdb *r, unsigned part)
{
	return part < r->nlogs || (r->flat_parts && part < r->flat_parts) ? r->next[part] : 0;
}

void raw_lmdb_flush(raw_lmdb *r)
{
	if (r->mode == MODE_D0)
		check(mdb_env_sync(r->env, 1), "mdb_env_sync");
}

/* ---- W5: one table of many partitions ----------------------------------- */

raw_lmdb *raw_lmdb_open_flat(const char *dir, int mode, uint32_t partitions)
{
	raw_lmdb *r = xcalloc(1, sizeof *r);
	MDB_txn *txn;
	if (partitions == 0)
		die("raw LMDB: no partition");
	r->mode = mode;
	r->flat_parts = partitions;
	r->next = xcalloc(partitions, sizeof *r->next);
	check(mdb_env_create(&r->env), "mdb_env_create");
	check(mdb_env_set_maxdbs(r->env, 1), "mdb_env_set_maxdbs");
	check(mdb_env_set_mapsize(r->env, RAW_MAP_SIZE), "mdb_env_set_mapsize");
	check(mdb_env_open(r->env, dir, env_flags(mode), 0600), "mdb_env_open");
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_dbi_open(txn, "log", MDB_CREATE, &r->dbi), "mdb_dbi_open");
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	return r;
}

static void flat_key(unsigned char *k, uint32_t part, uint64_t offset)
{
	for (int i = 0; i < 4; i++)
		k[i] = (unsigned char)(part >> (24 - 8 * i));
	for (int i = 0; i < 8; i++)
		k[4 + i] = (unsigned char)(offset >> (56 - 8 * i));
}

void raw_lmdb_flat_seed(raw_lmdb *r, const payload *p, size_t value_size)
{
	MDB_txn *txn;
	unsigned char key[FLAT_KEY];
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	for (uint32_t part = 0; part < r->flat_parts; part++) {
		flat_key(key, part, r->next[part]);
		MDB_val k = {sizeof key, key};
		MDB_val v = {value_size, (void *)(uintptr_t)payload_value(p, part, value_size)};
		check(mdb_put(txn, r->dbi, &k, &v, 0), "mdb_put");
		if (!r->flat_any || memcmp(key, r->flat_max, sizeof key) > 0)
			memcpy(r->flat_max, key, sizeof key);
		r->flat_any = true;
		r->next[part]++;
	}
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	check(mdb_env_sync(r->env, 1), "mdb_env_sync");
}

void raw_lmdb_flat_batch(raw_lmdb *r, uint32_t part, const payload *p, size_t first,
                         size_t count, size_t value_size)
{
	MDB_txn *txn;
	MDB_cursor *cur;
	unsigned char key[FLAT_KEY];
	if (part >= r->flat_parts)
		die("raw LMDB: no partition %u", part);
	check(mdb_txn_begin(r->env, NULL, 0, &txn), "mdb_txn_begin");
	check(mdb_cursor_open(txn, r->dbi, &cur), "mdb_cursor_open");
	for (size_t i = 0; i < count; i++) {
		flat_key(key, part, r->next[part] + i);
		bool last = !r->flat_any || memcmp(key, r->flat_max, sizeof key) > 0;
		MDB_val k = {sizeof key, key};
		MDB_val v = {value_size, (void *)(uintptr_t)payload_value(p, first + i, value_size)};
		check(mdb_cursor_put(cur, &k, &v, last ? MDB_APPEND : 0), "mdb_cursor_put");
		if (last) {
			memcpy(r->flat_max, key, sizeof key);
			r->flat_any = true;
		}
	}
	mdb_cursor_close(cur);
	check(mdb_txn_commit(txn), "mdb_txn_commit");
	r->next[part] += count;
}

const char *raw_lmdb_version(void)
{
	static char buf[32];
	int major, minor, patch;
	mdb_version(&major, &minor, &patch);
	snprintf(buf, sizeof buf, "LMDB %d.%d.%d", major, minor, patch);
	return buf;
}

/*
 * db.h - the LMDB layer (db.c): the store's tables, transactions and
 * cursors, in offlog's terms and codes. The only file that calls LMDB is
 * db.c; no other file includes <lmdb.h> but through this header.
 */
#ifndef OFFLOG_DB_H
#define OFFLOG_DB_H

#include "internal.h"

#include <lmdb.h>
#include <pthread.h>

/* The tables of a store, one LMDB named database each. */
enum ol_table {
	T_META,      /* "format", "next_topic_id", ... -> values */
	T_TOPICS,    /* topic name -> topic record */
	T_TOPIC_IDS, /* topic id (be32) -> topic name, or a deletion marker */
	T_PARTS,     /* (topic id, partition) -> partition state, with its partition id */
	T_LOG,       /* (partition id, offset) -> encoded record */
	T_TINDEX,    /* (partition id, max timestamp so far) -> offset */
	T_COMMITS,   /* (group, 0, topic id, partition) -> committed offset */
	T_PRODUCERS, /* (producer id, topic id, partition) -> sequence state */
	T_GROUPS,    /* (group, 0, 'g') -> group state; (group, 0, 'm', member id) -> member */
	T__COUNT
};

/* The LMDB name of a table (its named database). */
const char *db_table_name(int table);

typedef struct ol_val {
	const void *p;
	size_t n;
} ol_val;

/* A partition whose log end offset waits to be published as its high
 * watermark once the data is durable (the deferred modes). */
typedef struct ol_pend {
	uint32_t tid;
	int32_t part;
	int64_t leo;
} ol_pend;

#define OL_TOUCHED_MAX 8
#define OL_PENDING_MAX 64

/* An LMDB transaction of this process. Every one holds env->map_lock shared,
 * because LMDB can only resize the map with no transaction open. */
typedef struct ol_txn {
	offlog_env *env;
	MDB_txn *mt;
	bool write;
	bool locked;   /* holds map_lock shared */
	bool broken;   /* a write failed inside LMDB: only abort is possible */
	bool quiet;    /* its commit leaves nothing that needs a flush */
	bool wrote;    /* a write was attempted since the flag was cleared */
	bool defer_sync; /* SYNC mode: db_commit leaves the meta sync to the caller */
	int64_t bytes_delta; /* change of the store's record bytes, applied at commit */
	/* Deferred modes: partitions appended to in this transaction, handed to
	 * env->pend when it commits (write.c); `touched_all` when there were more. */
	ol_pend touched[OL_TOUCHED_MAX];
	unsigned ntouched;
	bool touched_all;
	/* High watermarks this transaction publishes (copied from env->pend). */
	ol_pend published[OL_PENDING_MAX];
	unsigned npublished;
	bool published_all;
} ol_txn;

typedef struct ol_cursor {
	MDB_cursor *mc;
	ol_txn *t;
} ol_cursor;

/* An offlog code for an LMDB or errno value, with `what` in the detail. */
int ol_mdb_err(int rc, const char *what);

int db_env_open(offlog_env *env, const char *dir, bool create_ok);
void db_env_close(offlog_env *env);
int db_env_sync(offlog_env *env);
/* A compacted copy of the environment into directory dir (data.mdb). */
int db_env_copy(offlog_env *env, const char *dir);
int db_env_stat(offlog_env *env, offlog_store_info *info);
/* Free the reader slots of processes that ended without closing the store;
 * how many. Done at open, when the reader table is full, and by
 * offlog_maintain(). */
unsigned db_reclaim_readers(offlog_env *env);

int db_read_begin(ol_txn *t, offlog_env *env);
int db_write_begin(ol_txn *t, offlog_env *env);
int db_commit(ol_txn *t);
void db_abort(ol_txn *t);
/* A read transaction kept between uses (consumers, batches): reset keeps
 * the handle and reader slot but releases the snapshot and map_lock. */
int db_read_renew(ol_txn *t);
void db_read_reset(ol_txn *t);
/* Grow the map after OFFLOG_EMAPFULL; called with no transaction open in
 * this thread. Returns 0 when the map grew (retry), else OFFLOG_EMAPFULL. */
int db_map_grow(offlog_env *env);
/* Grow the map when more than half of it is used and nothing in this
 * process is reading at this moment; never waits. Called before write
 * transactions and whenever a handle releases its snapshot, so that the
 * map rarely fills while snapshots are held. */
void db_grow_early(offlog_env *env);

int db_get(ol_txn *t, int table, const void *key, size_t klen, ol_val *out);
int db_put(ol_txn *t, int table, const void *key, size_t klen, const void *val, size_t vlen);
/* Reserve vlen bytes for key and return where to write them. `append`
 * promises the key sorts after every key in the table (faster, fuller pages). */
int db_reserve(ol_txn *t, int table, const void *key, size_t klen, size_t vlen, bool append,
               void **out);
int db_del(ol_txn *t, int table, const void *key, size_t klen);

int db_cursor_open(ol_cursor *c, ol_txn *t, int table);
void db_cursor_close(ol_cursor *c);
int db_cursor_renew(ol_cursor *c, ol_txn *t);
/* Position at the first key >= key (key NULL: the first key). Returns 0,
 * or 1 when there is no such key; negative on error. */
int db_cursor_seek(ol_cursor *c, const void *key, size_t klen, ol_val *k, ol_val *v);
int db_cursor_error(int rc);
/* Inline: it is the step of every scan. */
static inline int db_cursor_next(ol_cursor *c, ol_val *k, ol_val *v)
{
	MDB_val mk, mv;
	int rc = mdb_cursor_get(c->mc, &mk, &mv, MDB_NEXT);
	if (__builtin_expect(rc != 0, 0))
		return db_cursor_error(rc);
	if (k) {
		k->p = mk.mv_data;
		k->n = mk.mv_size;
	}
	if (v) {
		v->p = mv.mv_data;
		v->n = mv.mv_size;
	}
	return 0;
}
int db_cursor_prev(ol_cursor *c, ol_val *k, ol_val *v);
int db_cursor_last(ol_cursor *c, ol_val *k, ol_val *v);
int db_cursor_del(ol_cursor *c);
/* Delete every key of the table that starts with prefix (n bytes), at most
 * *budget of them (budget NULL: all); *deleted (may be NULL) gets how many. */
int db_del_prefix(ol_txn *t, int table, const void *prefix, size_t n, size_t *budget,
                  size_t *deleted);
/* As db_reserve, through a cursor: appends through a cursor left on the
 * last key skip LMDB's descent from the root. */
int db_cursor_reserve(ol_cursor *c, const void *key, size_t klen, size_t vlen, bool append,
                      void **out);


/* Incremented in a child process at each fork(). */
unsigned ol_fork_generation(void);
/* The same, first making sure fork() is watched: called once per store
 * handle, when it is made, so that every call after reads a plain counter. */
unsigned ol_fork_watch(void);
/* Was env opened in another process (this one is a fork of it)? */
bool ol_env_forked(const offlog_env *env);
/* The id of the last write transaction committed to the store, by any
 * process: it moves at every commit. */
uint64_t db_last_txn(offlog_env *env);
/* OFFLOG_ESTATE for a handle opened before fork(); fn (may be NULL) names
 * the call in the detail. */
int ol_forked_error(const char *fn);

#endif

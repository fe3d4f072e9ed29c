/*
 * internal.h - private declarations shared by the files of lib/.
 *
 * Layering: db.c is the only file that calls LMDB. Everything above it speaks
 * in tables, keys and offlog codes. store.c owns the env lifecycle, topic.c
 * the catalogue, record.c the record encoding, log.c appends/reads and the
 * watermarks, commit.c committed offsets, consumer.c and txn.c the public
 * handles, error.c codes and detail messages. files.c opens the store
 * directory's files (never through a link) and makes their names durable;
 * verify.c checks the data file's pages, check.c that its tables agree.
 */
#ifndef OFFLOG_INTERNAL_H
#define OFFLOG_INTERNAL_H

#define OFFLOG_BUILDING 1
#include "offlog.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#define OL_HIDDEN __attribute__((visibility("hidden")))
#define OL_UNUSED(x) ((void)(x))

/* ---- error.c ------------------------------------------------------------ */

/* Record a detail message for this thread and return code. */
int ol_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Map an LMDB or errno value to an offlog code, with `what` in the detail. */
int ol_mdb_err(int rc, const char *what);

/* ---- util --------------------------------------------------------------- */

static inline void ol_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static inline void ol_be64(uint8_t *p, uint64_t v)
{
	ol_be32(p, (uint32_t)(v >> 32));
	ol_be32(p + 4, (uint32_t)v);
}
static inline uint32_t ol_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t ol_get_be64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}
static inline uint32_t ol_get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline void ol_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint64_t ol_get_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

int64_t ol_now_ms(void);
int64_t ol_mono_ms(void);
/* The time `us` microseconds from now on `clock`, for timed waits. */
struct timespec ol_deadline(clockid_t clock, int64_t us);

/* ---- db.c: the LMDB layer ----------------------------------------------- */

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
	 * env->pending when it commits; `touched_all` when there were more. */
	ol_pend touched[OL_TOUCHED_MAX];
	unsigned ntouched;
	bool touched_all;
	/* High watermarks this transaction publishes (copied from env->pending). */
	ol_pend published[OL_PENDING_MAX];
	unsigned npublished;
	bool published_all;
} ol_txn;

typedef struct ol_cursor {
	MDB_cursor *mc;
	ol_txn *t;
} ol_cursor;

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
/* The last key of a table (NOTFOUND-free: *found says whether any). */
int db_last_key(ol_txn *t, int table, ol_val *key, bool *found);

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

/* ---- files.c: the store directory's files -------------------------------- */

/* The store directory, open for the life of the handle: its files are opened
 * through it. */
typedef struct ol_dir {
	int fd;
	uid_t uid;          /* its owner */
	gid_t gid;
	const char *path;
} ol_dir;

/* OFFLOG_E* for an errno value, with `what` and `path` in the detail. */
int ol_errno_code(int e, const char *what, const char *path);
int files_dir_open(ol_dir *d, const char *path);
void files_dir_close(ol_dir *d);
/* Open `name` of the directory with `flags` (O_RDONLY or O_RDWR), never
 * through a link: it must be a regular file with one link, owned by the
 * directory's owner or this process's user. With `create` a missing file is
 * made (O_EXCL) with `mode` exactly, and given to the directory's owner when
 * root makes it; *created says so. *fd gets the descriptor. */
int files_open(const ol_dir *d, const char *name, int flags, bool create, mode_t mode,
               bool *created, int *fd);
/* Does `name` still lead, without a link, to the file open as fd? */
int files_same(const ol_dir *d, const char *name, int fd);
/* Make a file's contents, or a directory's entries, durable. */
int files_sync_fd(int fd, const char *what);
int files_sync_path(const char *path, bool dir);
/* Sync the directory holding path (its entry for path). */
int files_sync_parent(const char *path);

/* ---- store.c ------------------------------------------------------------ */

struct offlog_env {
	MDB_env *mdb;
	MDB_dbi dbi[T__COUNT];
	offlog_options opts;
	bool rdonly;
	uint32_t page_size;
	uint32_t format;                /* on-disk format of the store */
	unsigned fork_gen;              /* ol_fork_generation() when opened */
	char *path;
	ol_dir dir;                     /* the store directory, open */
	int lock_fd;                    /* lock.mdb, open until LMDB closed it */
	atomic_uint_fast64_t readers_reclaimed; /* dead readers' slots freed */
	dev_t dev;
	ino_t ino;
	pid_t pid;
	struct offlog_env *next_open;   /* registry of stores open in this process */

	pthread_rwlock_t map_lock;      /* shared: any txn open; exclusive: resize */
	atomic_long handles;            /* consumers, transactions and batches open */
	atomic_uint rr;                 /* round-robin counter for keyless appends */
	atomic_bool dirty;              /* commits not yet synced (deferred modes) */

	/* Group commit (committer.c): the queue of write requests. */
	pthread_mutex_t gc_mu;
	struct ol_req *gc_head;
	struct ol_req **gc_tail;
	unsigned gc_queued;
	bool gc_leader;
	pthread_cond_t gc_more;         /* a leader gathering a group waits on it */
	unsigned gc_want;               /* queued requests the gathering leader waits for */
	unsigned gc_last_size;          /* requests in and behind the last group */
	int64_t gc_last_us;             /* how long the last group's transaction took */

	/* Wakes consumers waiting in poll (wake.c): the shared page, or NULL
	 * and then the condition variable, for this process's appends only. */
	struct ol_wake_page *wake;
	pthread_mutex_t wake_mu;
	pthread_cond_t wake_cv;
	atomic_uint_fast64_t wake_seq;
	atomic_int waiters;

	/* NOMETASYNC: partitions whose last append commit is not yet known to be
	 * durable; the next commit makes it so and publishes them. */
	pthread_mutex_t pend_mu;
	ol_pend pending[OL_PENDING_MAX];
	unsigned npending;
	bool pending_all;   /* more than fit: publish every partition */

	/* Maintenance (retention.c): one run at a time per handle; what the
	 * compaction passes reached; the background thread. */
	pthread_mutex_t maint_mu;
	void *compacted;
	size_t ncompacted;
	pthread_t maintainer;
	bool maintainer_started;

	/* Background flusher of the deferred durability modes. */
	pthread_t flusher;
	bool flusher_started;
	bool flusher_stop;
	pthread_mutex_t flush_mu;
	pthread_cond_t flush_cv;
};

static inline bool ol_deferred(const offlog_env *env)
{
	return env->opts.durability != OFFLOG_DURABILITY_SYNC;
}

/* Run fn in a write transaction and commit it (committer.c): with group
 * commit, fn may run in another thread's transaction, together with other
 * requests, and it may be run more than once (after a full map, or when
 * another request of the group failed half way), so it must derive
 * everything from the transaction it is given. Returns fn's result, or the
 * commit's. */
typedef int (*ol_write_fn)(ol_txn *t, void *arg);
int ol_write(offlog_env *env, ol_write_fn fn, void *arg);
/* The same, alone in its own transaction (flush). */
int ol_write_solo(offlog_env *env, ol_write_fn fn, void *arg);
/* Called by every write transaction before commit or at its start. */
int ol_write_prologue(ol_txn *t);
/* After a commit of t: note unsynced data and what awaits publishing, wake
 * waiting consumers. */
void ol_committed(ol_txn *t);

/* Called by every write transaction just before commit: applies
 * t->bytes_delta to the store's byte count. */
int ol_write_epilogue(ol_txn *t);

/* ---- wake.c ------------------------------------------------------------- */

/* Map the store's shared wake page (none: env->wake stays NULL). */
void wake_open(offlog_env *env);
void wake_close(offlog_env *env);
void ol_wake_consumers(offlog_env *env);
/* Read the wake counter before looking for records; wait (at most ms) only
 * if no commit happened since. */
uint64_t ol_wake_seq(offlog_env *env);
void ol_wait_append(offlog_env *env, uint64_t seen, int64_t ms);
/* How long one wait may last when `ms` are left: all of it with the shared
 * page, else a short slice so other processes' appends are noticed. */
int64_t ol_wait_slice_ms(const offlog_env *env, int64_t ms);
/* The store on which this thread has a user transaction open, or NULL. */
offlog_env *ol_thread_txn(void);
void ol_thread_set_txn(offlog_env *env);
/* Incremented in a child process at each fork(). */
unsigned ol_fork_generation(void);
/* Was env opened in another process (this one is a fork of it)? */
bool ol_env_forked(const offlog_env *env);
/* The check every public call on a store handle makes first, before it
 * touches the handle: OFFLOG_EINVAL for NULL, OFFLOG_ESTATE for a handle
 * that is not open (closed) or was opened before fork(). fn names the call
 * in the detail. */
int ol_env_usable(const offlog_env *env, const char *fn);
#define OL_ENV_CHECK(env)                                            \
	do {                                                         \
		int ol_usable_rc_ = ol_env_usable((env), __func__); \
		if (ol_usable_rc_)                                   \
			return ol_usable_rc_;                        \
	} while (0)

/* ---- names -------------------------------------------------------------- */

int ol_check_topic_name(const char *name);
int ol_check_group(const char *group);

/* ---- topic.c ------------------------------------------------------------ */

typedef struct ol_topic {
	uint32_t id;
	int32_t partitions;
	int64_t created_ms;
	offlog_topic_config cfg;
} ol_topic;

/* Look up a topic; OFFLOG_ENOTOPIC (with the name in the detail) if absent. */
int topic_get(ol_txn *t, const char *name, ol_topic *out);
/* Look up a topic and check that partition exists (OFFLOG_ENOPART). */
int topic_get_part(ol_txn *t, const char *name, int32_t partition, ol_topic *out);
/* The name of topic id into buf; OFFLOG_ENOTOPIC if deleted. */
int topic_name_of(ol_txn *t, uint32_t id, char *buf, size_t cap);
/* The protected groups of topic id (a list to free with
 * offlog_names_free; none: NULL, 0). */
int topic_protected(ol_txn *t, uint32_t id, char ***groups, size_t *count);
/* Finish removing the records of topics deleted earlier. */
int topic_purge_deleted(offlog_env *env);

/* ---- record.c ----------------------------------------------------------- */

/* Validate a message against the topic limit; with ts, its timestamp once
 * OFFLOG_TIMESTAMP_NOW is resolved, its encoded size in *size and its
 * payload size (key + value + headers) in *payload. */
int rec_check(const offlog_message *m, int64_t ts, int32_t max_message_bytes, size_t *size,
              size_t *payload);
/* Encode into dst, which has exactly the size rec_check gave. */
void rec_encode(uint8_t *dst, const offlog_message *m, int64_t timestamp);
/* Decode a stored value; pointers point into it. */
int rec_decode(offlog_record *r, const void *p, size_t n);
/* Bytes of keys, values and headers a stored record accounts for. */
size_t rec_payload(const offlog_record *r);

/* ---- log.c -------------------------------------------------------------- */

typedef struct ol_part {
	uint32_t pid;      /* names the partition in T_LOG and T_TINDEX; never reused */
	int64_t log_start;
	int64_t leo;
	int64_t hw;
	int64_t records;
	int64_t bytes;
	int64_t max_ts;    /* largest timestamp appended so far, -1 if none */
	int64_t index_off; /* offset of the last time index entry, -1 if none */
} ol_part;

static inline void ol_part_key(uint8_t k[8], uint32_t tid, int32_t part)
{
	ol_be32(k, tid);
	ol_be32(k + 4, (uint32_t)part);
}
#define OL_LOG_KEY 12
static inline void ol_log_key(uint8_t k[OL_LOG_KEY], uint32_t pid, int64_t off)
{
	ol_be32(k, pid);
	ol_be64(k + 4, (uint64_t)off);
}

int part_get(ol_txn *t, uint32_t tid, int32_t part, ol_part *out);
int part_put(ol_txn *t, uint32_t tid, int32_t part, const ol_part *p);
/* The readable end for a reader: high watermark or log end offset. */
static inline int64_t part_read_end(const ol_part *p, int isolation)
{
	return isolation == OFFLOG_ISOLATION_COMMITTED ? p->leo : p->hw;
}

/* Append msgs (count >= 1) to one partition of topic tp inside t. */
int log_append(ol_txn *t, const ol_topic *tp, int32_t partition, const offlog_message *msgs,
               size_t count, int64_t *base_offset);
/* Choose the partition for OFFLOG_PARTITION_ANY. */
int log_choose_partition(offlog_env *env, const ol_topic *tp, const offlog_message *msgs,
                         size_t count, int32_t *out);
/* Publish high watermarks, in a write transaction that runs after the data
 * they cover was synced: the partitions in list (n entries), or with `all`
 * every partition whose high watermark is behind its log end offset. */
int log_publish(ol_txn *t, const ol_pend *list, unsigned n, bool all);
/* Call fn for every partition state, in key order; fn returns 0 to go on,
 * 1 to stop, or an error. fn may write the state back (same size). */
typedef int (*part_fn)(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p);
int log_each_part(ol_txn *t, part_fn fn, void *ctx);
/* The sum of the bytes of every partition of a live topic. */
int log_sum_bytes(ol_txn *t, int64_t *sum);
/* Is any partition's high watermark behind its log end offset? */
int log_behind(offlog_env *env, bool *behind);

/* A reusable reader of one partition's records in a snapshot. */
typedef struct ol_reader {
	ol_cursor cur;
	bool open;
} ol_reader;

/* A read snapshot kept by a handle between uses: its transaction and log
 * cursor are reset and renewed rather than freed, so reads allocate nothing. */
typedef struct ol_snapshot {
	ol_txn t;
	bool have;
	ol_reader rd;
} ol_snapshot;

int snap_open(ol_snapshot *s, offlog_env *env);
void snap_release(ol_snapshot *s);
void snap_free(ol_snapshot *s);

/* Read records [from, end) of a partition into out (at most max records,
 * about max_bytes of payload, at least one). *n gets the count; *next the
 * offset to read next. Records' topic field is set to `topic`. */
int log_read(ol_txn *t, ol_reader *rd, uint32_t pid, int32_t part, const char *topic,
             int64_t from, int64_t end, size_t max, uint64_t max_bytes, offlog_record *out,
             size_t *n, int64_t *next);
/* Earliest offset >= from with timestamp >= ts, or end if none. */
int log_offset_for_time(ol_txn *t, const ol_part *p, int64_t ts, int64_t end, int64_t *out);
/* Remove the records, index entries and partition states of a deleted
 * topic, at most `budget` entries; *done when nothing is left. */
int log_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

/* ---- verify.c: LMDB's meta pages, and the check of OFFLOG_OPEN_VERIFY ----- */

/* LMDB 0.9's file layout, which is the host's: its byte order, and page
 * numbers, counts and transaction ids the size of a size_t. LMDB reads only
 * files of its own layout, so a store is not portable between word sizes
 * or byte orders. A page: its number, 2 bytes of pad, 2 of flags, then
 * the node table's bounds (or an overflow run's page count). A table
 * record: 4 bytes of pad, flags and depth (2 each), then 5 words, the root
 * last. A meta page: magic, version, address, map size, the two table
 * records, the last page, the transaction id. */
#define LMDB_META_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1
#if SIZE_MAX > 0xffffffffu
#define LMDB_WORD 8
#else
#define LMDB_WORD 4
#endif
#define LMDB_PAGEHDR (LMDB_WORD + 8)
#define LMDB_PAGE_FLAGS (LMDB_WORD + 2)
#define LMDB_DB_SIZE (8 + 5 * LMDB_WORD)
#define LMDB_DB_ROOT (8 + 4 * LMDB_WORD)
#define LMDB_META_MAPSIZE (LMDB_PAGEHDR + 8 + LMDB_WORD)
#define LMDB_META_DBS (LMDB_PAGEHDR + 8 + 2 * LMDB_WORD)
#define LMDB_META_LAST (LMDB_META_DBS + 2 * LMDB_DB_SIZE)
#define LMDB_META_TXNID (LMDB_META_LAST + LMDB_WORD)
#define LMDB_META_END (LMDB_META_TXNID + LMDB_WORD)

/* A word of LMDB's file at p, in the host's byte order. */
static inline uint64_t ol_get_word(const uint8_t *p)
{
	size_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* The first page of a data file, open as fd: 0 when it is an LMDB meta
 * page of this build's layout (*mapsize: the map size it records),
 * OFFLOG_EPLATFORM when it is one of another word size or byte order (a
 * store made on another kind of machine), OFFLOG_ENOTSTORE otherwise. */
int meta_probe(int fd, const char *file, uint64_t *mapsize);

/* The newer of a data file's two meta pages; tables: 0 free list, 1 main. */

typedef struct ol_meta {
	uint32_t psize;
	uint64_t last;       /* last page in use */
	uint64_t txnid;
	uint64_t root[2];    /* UINT64_MAX: empty */
	uint16_t flags[2];
	uint16_t depth[2];
} ol_meta;

/* Read and check both meta pages of the data file open as fd, `size` bytes
 * long: magic, one page size, the pages in use inside the file. Refuses
 * with OFFLOG_ECORRUPT what would send LMDB past the end of its map. *m is
 * the newest meta page, or with want != OL_META_NEWEST the one of that
 * transaction: 1 when neither page holds it (the file has moved on). */
#define OL_META_NEWEST UINT64_MAX
int meta_read(int fd, off_t size, const char *file, uint64_t want, ol_meta *m);
/* Check the snapshot of transaction txnid, which the caller keeps from
 * being reused (a read transaction): with `full` (OFFLOG_OPEN_VERIFY) the
 * structure of every tree; always, that the pages past the end of the file,
 * if it ends before the meta page's last page (LMDB leaves pages it
 * allocated and freed in one transaction unwritten), are all on the free
 * list, as a truncated file's are not. 0, an OFFLOG_E* code, or 1 when the
 * file no longer holds that snapshot. */
int verify_data_file(const char *file, uint64_t txnid, bool full);
/* check.c, the rest of OFFLOG_OPEN_VERIFY: do the tables agree (topics and
 * their ids, partition states and their invariants, every record, index
 * entry, committed offset and producer state within a partition that
 * exists)? One read transaction, one scan of each table. 0, or
 * OFFLOG_ECORRUPT naming the first disagreement, or another OFFLOG_E* code. */
int verify_tables(offlog_env *env);

/* ---- retention.c -------------------------------------------------------- */

/* Create the store's byte count if missing (a store of an earlier version). */
int retention_recount(offlog_env *env);
/* The store's byte count as committed. */
int store_bytes(offlog_env *env, int64_t *out);
/* After appending `appended` records to a partition: a bounded retention
 * step on it (p is written back by the caller). */
int retention_on_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, size_t appended);
/* After an append to (tid, part) from offset base: enforce max_store_bytes
 * (drop the oldest, never that append's records, or fail with
 * OFFLOG_ESTOREFULL). */
int retention_store_cap(ol_txn *t, uint32_t tid, int32_t part, int64_t base);

/* ---- append.c ----------------------------------------------------------- */

int ol_check_append_args(offlog_env *env, const char *topic, int32_t partition,
                         const offlog_message *msgs, size_t count);
/* Append in an open write transaction: look up the topic, choose the
 * partition, append. *used gets the partition, *base the first offset. */
int ol_append_in(ol_txn *t, const char *topic, int32_t partition, const offlog_message *msgs,
                 size_t count, int32_t *used, int64_t *base);

/* OFFLOG_ERANGE with the partition's valid range in the detail. */
int ol_range_error(const char *topic, int32_t partition, int64_t offset, const ol_part *p);

/* ---- commit.c ----------------------------------------------------------- */

int commit_get(ol_txn *t, const char *group, uint32_t tid, int32_t part, offlog_committed *out);
/* Validate (offset within [0, log end]) and store; sets e->err. */
int commit_put(ol_txn *t, const char *group, offlog_partition_offset *e, int64_t now_ms);
/* Check a whole list before writing any of it. */
int commit_check_list(ol_txn *t, offlog_partition_offset *list, size_t count);
int commit_write_list(ol_txn *t, const char *group, offlog_partition_offset *list, size_t count);
/* A commit in the name of member `member` of `group` is fenced (writes
 * nothing) unless the member exists, holds `generation` (OL_GENERATION_ANY:
 * any), and owns every partition of list; on failure the entries' err say
 * why. Checks only: write with commit_write_list. */
#define OL_GENERATION_ANY INT64_MIN
int commit_fence(ol_txn *t, const char *group, const char *member, int64_t generation,
                 offlog_partition_offset *list, size_t count);
/* Store one committed offset; the caller has validated it. */
int commit_store(ol_txn *t, const char *group, uint32_t tid, int32_t part, int64_t offset,
                 const char *metadata, int64_t now);
/* Remove every group's offsets for topic id, at most *budget of them;
 * *done when none is left. */
int commit_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

/* ---- sequence.c: idempotent producer state ------------------------------- */

#define OL_SEQ_RUNS 32

typedef struct ol_seqrun {
	int64_t seq;
	int64_t offset;
	int64_t count;
} ol_seqrun;

typedef struct ol_seqstate {
	int64_t next;        /* the sequence number the next record must have */
	unsigned nruns;
	ol_seqrun runs[OL_SEQ_RUNS];
} ol_seqstate;

int seq_get(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, ol_seqstate *s);
int seq_put(ol_txn *t, uint64_t pid, uint32_t tid, int32_t part, const ol_seqstate *s);
/* Note that count records from sequence seq were appended at offset. */
void seq_record(ol_seqstate *s, int64_t seq, int64_t offset, int64_t count);
/* The offset of a stored sequence number; 1 if it is not remembered. */
int seq_lookup(const ol_seqstate *s, int64_t seq, int64_t *offset);
/* A new id from the store's range (OFFLOG_PRODUCER_ID_STORE_MIN up), never
 * handed out before. */
int seq_new_producer_id(ol_txn *t, uint64_t *pid);
/* The open of an idempotent producer: with want 0 a new id, else the
 * caller's (OFFLOG_EINVAL for an id of the store's range it has not handed
 * out), whose stored epoch is bumped, fencing every earlier producer with it.
 * *pid and *epoch get the producer's id and epoch. */
int seq_open_producer(ol_txn *t, uint64_t want, uint64_t *pid, uint64_t *epoch);
/* OFFLOG_EFENCED unless the stored epoch of pid is still epoch. */
int seq_check_epoch(ol_txn *t, uint64_t pid, uint64_t epoch);
int seq_purge_topic(ol_txn *t, uint32_t tid, size_t *budget, bool *done);

/* ---- group.c: consumer group membership --------------------------------- */

#define OL_MEMBER_ID_MAX 40

typedef struct ol_tp {
	uint32_t tid;
	int32_t part;
} ol_tp;

/* A member of a group, as stored. */
typedef struct ol_member {
	char id[OL_MEMBER_ID_MAX + 1];
	char instance[OFFLOG_GROUP_MAX + 1]; /* "" for a dynamic member */
	uint32_t pid;
	int64_t heartbeat_ms;   /* wall clock of its last heartbeat */
	int64_t poll_ms;        /* wall clock of its last poll */
	uint32_t session_ms;
	uint32_t max_poll_ms;
	int64_t generation;     /* the generation whose revocations it last made */
	char **topics;          /* its subscription */
	uint32_t ntopics;
	ol_tp *target;          /* what the current generation gives it */
	uint32_t ntarget;
	ol_tp *owned;           /* what it owns now */
	uint32_t nowned;
} ol_member;

typedef struct ol_group {
	int64_t generation;
	int assignor;
	uint64_t shape;         /* hash of the subscribed topics and their partitions */
} ol_group;

/* 1 when the group has no state record (g zeroed). */
int group_get(ol_txn *t, const char *group, ol_group *g);
/* Every member record of the group, live or not, sorted by member id. */
int group_members(ol_txn *t, const char *group, ol_member **out, size_t *n);
void members_free(ol_member *m, size_t n);
void member_free(ol_member *m);
int member_put(ol_txn *t, const char *group, const ol_member *m);
/* 1 when absent. */
int member_get(ol_txn *t, const char *group, const char *id, ol_member *m);
bool member_live(const ol_member *m, int64_t now);
bool member_owns(const ol_member *m, uint32_t tid, int32_t part);
/* Lists of (topic id, partition) are kept sorted by tp_cmp: tp_in is a
 * binary search. */
int tp_cmp(const void *a, const void *b);
void tp_sort(ol_tp *list, uint32_t n);
bool tp_in(const ol_tp *list, uint32_t n, uint32_t tid, int32_t part);
/* Remove expired members; rebalance (next generation) when `force`, when
 * one was removed, or when the subscribed topics changed shape. assignor
 * < 0 keeps the group's. */
int group_tend(ol_txn *t, const char *group, bool force, int assignor);
/* Delete every record of the group's membership. */
int group_drop(ol_txn *t, const char *group);
/* The eager assignors' barrier: every member of all[] but `id` has made
 * its revocations for `generation`, or owns nothing. */
bool group_barrier(const ol_member *all, size_t n, const char *id, int64_t generation);
/* The commit fencing rule: member `id` exists and owns every partition. */
int group_fence(ol_txn *t, const char *group, const char *id, const ol_tp *tps, size_t n);

/* The member side, each one write transaction (see group.c). */
typedef struct ol_join {
	const char *group;
	ol_member *me;          /* in: id, instance, pid, timeouts, topics */
	int assignor;
	bool took_over;         /* out: a static member's earlier record was taken over */
} ol_join;
int group_join_fn(ol_txn *t, void *arg);
typedef struct ol_leave {
	const char *group;
	const char *id;
} ol_leave;
int group_leave_fn(ol_txn *t, void *arg);
typedef struct ol_beat {
	const char *group;
	const char *id;
	int64_t poll_ms;
	bool lost;              /* out: the member record is gone */
} ol_beat;
int group_heartbeat_fn(ol_txn *t, void *arg);
typedef struct ol_sync {
	const char *group;
	const char *id;
	int64_t generation;     /* the generation whose revocations were made */
	const ol_tp *revoked;   /* given up now */
	size_t nrevoked;
	bool lost;              /* out */
	ol_tp *owned;           /* out (malloc): what the member owns after */
	uint32_t nowned;
	bool complete;          /* out: it owns its whole target */
	bool stale;             /* out: a newer generation started: nothing was claimed */
} ol_sync;
int group_sync_fn(ol_txn *t, void *arg);

/* ---- consumer.c / txn.c ------------------------------------------------- */

/* offlog_txn_commit_consumer(): commit the consumer's positions in t (see
 * consumer.c for which), after its asynchronous commits not yet written,
 * which are written in t first. Checks the consumer's thread and fork
 * generation itself (OFFLOG_ESTATE); writes nothing when it fails before
 * writing the positions (fenced, say). */
int consumer_commit_in(ol_txn *t, offlog_consumer *c);
const char *consumer_group(const offlog_consumer *c);

#endif /* OFFLOG_INTERNAL_H */

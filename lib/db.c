/*
 * db.c - the one place that talks to LMDB (with db_env.c, which opens its
 * environment): transactions, reads and writes, cursors, map growth, the
 * fork generation and LMDB's error codes.
 *
 * Map growth: LMDB can resize its map only while the process has no
 * transaction open, so every transaction of this process holds
 * env->map_lock shared and a resize takes it exclusive. The wait for the
 * exclusive lock is bounded: a thread that holds consumer records (a read
 * snapshot) and then fills the map must not wait for itself forever.
 */
#include "db.h"

#include "clock.h"
#include "env.h"

#include <errno.h>
#include <sys/statvfs.h>

#define OL_GROW_WAIT_MS 1000

static const char *const table_names[T__COUNT] = {
	"meta", "topics", "topic_ids", "parts", "log", "tindex", "commits", "producers", "groups",
};

const char *db_table_name(int table)
{
	return table_names[table];
}

static void lock_shared(offlog_env *env, ol_txn *t)
{
	pthread_rwlock_rdlock(&env->map_lock);
	t->locked = true;
}

static void unlock_shared(ol_txn *t)
{
	if (t->locked) {
		pthread_rwlock_unlock(&t->env->map_lock);
		t->locked = false;
	}
}

static int lock_exclusive(offlog_env *env, int wait_ms)
{
	struct timespec ts = ol_deadline(CLOCK_REALTIME, (int64_t)wait_ms * 1000);
	return pthread_rwlock_timedwrlock(&env->map_lock, &ts);
}

/* An offlog code for an LMDB or errno value, with `what` in the detail. */
int ol_mdb_err(int rc, const char *what)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		return ol_err(OFFLOG_EMAPFULL, "%s: map full", what);
	case MDB_TXN_FULL:
		return ol_err(OFFLOG_ETOOBIG, "%s: transaction too large (too many dirty pages)", what);
	case MDB_READERS_FULL:
		return ol_err(OFFLOG_EREADERS,
		              "%s: every reader slot is held by a live reader; raise max_readers "
		              "or release snapshots",
		              what);
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_BAD_VALSIZE:
		return ol_err(OFFLOG_ECORRUPT, "%s: %s", what, mdb_strerror(rc));
	case MDB_PANIC:
		return ol_err(OFFLOG_EFATAL,
		              "%s: an earlier write failed where this handle cannot recover; close it and "
		              "open the store again (what was committed is intact)",
		              what);
	case MDB_VERSION_MISMATCH:
		return ol_err(OFFLOG_EVERSION, "%s: %s", what, mdb_strerror(rc));
	case MDB_BAD_TXN:
	case MDB_BAD_RSLOT:
		return ol_err(OFFLOG_ETXN, "%s: %s", what, mdb_strerror(rc));
	case ENOSPC:
	case EDQUOT:
		return ol_err(OFFLOG_ENOSPC, "%s: %s", what, strerror(rc));
	case ENOMEM:
		return ol_err(OFFLOG_ENOMEM, "%s: out of memory", what);
	case EACCES:
	case EPERM:
		return ol_err(OFFLOG_EPERM, "%s: %s", what, strerror(rc));
	case EROFS:
		return ol_err(OFFLOG_EREADONLY, "%s: %s", what, strerror(rc));
	default:
		return ol_err(OFFLOG_EIO, "%s: %s", what, mdb_strerror(rc));
	}
}

/* ---- fork ----------------------------------------------------------------
 * A process that forked after opening must not touch the parent's
 * environment: LMDB's reader slots and locks would be shared with it. Each
 * handle notes the fork generation it was opened in; a child's is higher. */

static atomic_uint fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void in_child(void)
{
	atomic_fetch_add(&fork_generation, 1);
}

static void watch_forks(void)
{
	pthread_atfork(NULL, NULL, in_child);
}

unsigned ol_fork_watch(void)
{
	pthread_once(&fork_once, watch_forks);
	return ol_fork_generation();
}

unsigned ol_fork_generation(void)
{
	return atomic_load(&fork_generation);
}

bool ol_env_forked(const offlog_env *env)
{
	return env->fork_gen != ol_fork_generation();
}

int ol_forked_error(const char *fn)
{
	return ol_err(OFFLOG_ESTATE, "%s%sthe store was opened before fork(); open it again in this process",
	              fn ? fn : "", fn ? ": " : "");
}

/* Another process grew the map beyond ours: adopt its size. */
static int adopt_map_size(offlog_env *env)
{
	if (lock_exclusive(env, OL_GROW_WAIT_MS) != 0)
		return ol_err(OFFLOG_EMAPFULL,
		              "the store grew in another process and this process holds read "
		              "snapshots (consumer records or fetch batches); release them and retry");
	int rc = mdb_env_set_mapsize(env->mdb, 0);
	pthread_rwlock_unlock(&env->map_lock);
	return ol_mdb_err(rc, "adopt map size");
}

/* Map size and bytes in use. LMDB's meta pages live in the map, so the
 * caller holds map_lock (either way) while they are read. */
static void map_usage(offlog_env *env, uint64_t *size, uint64_t *used)
{
	MDB_envinfo info;
	mdb_env_info(env->mdb, &info);
	*size = info.me_mapsize;
	*used = ((uint64_t)info.me_last_pgno + 1) * env->page_size;
}

uint64_t db_last_txn(offlog_env *env)
{
	MDB_envinfo info;
	pthread_rwlock_rdlock(&env->map_lock);
	mdb_env_info(env->mdb, &info);
	pthread_rwlock_unlock(&env->map_lock);
	return (uint64_t)info.me_last_txnid;
}

static void map_usage_shared(offlog_env *env, uint64_t *size, uint64_t *used)
{
	pthread_rwlock_rdlock(&env->map_lock);
	map_usage(env, size, used);
	pthread_rwlock_unlock(&env->map_lock);
}

/* Double the map, up to max_map_size, unless it already grew past `seen`.
 * The caller holds map_lock exclusive. 0, EFBIG at the maximum, or an
 * LMDB / errno code. */
static int grow_locked(offlog_env *env, uint64_t seen, uint64_t *want)
{
	uint64_t size, used, max = env->opts.max_map_size;
	map_usage(env, &size, &used);
	*want = size;
	if (size > seen)
		return 0;
	if (max && size >= max)
		return EFBIG;
	*want = size * 2;
	if (max && *want > max)
		*want = max;
	if (*want > SIZE_MAX || *want < size)
		return ENOMEM;
	return mdb_env_set_mapsize(env->mdb, (size_t)*want);
}

int db_map_grow(offlog_env *env)
{
	uint64_t seen, used, want;
	map_usage_shared(env, &seen, &used);
	if (lock_exclusive(env, OL_GROW_WAIT_MS) != 0)
		return ol_err(OFFLOG_EMAPFULL,
		              "map full and it cannot grow while this process holds read snapshots "
		              "(consumer records or fetch batches); release them and retry");
	int rc = grow_locked(env, seen, &want);
	pthread_rwlock_unlock(&env->map_lock);
	if (rc == EFBIG)
		return ol_err(OFFLOG_EMAPFULL, "map full: reached max_map_size %llu bytes",
		              (unsigned long long)env->opts.max_map_size);
	if (rc == ENOMEM)
		return ol_err(OFFLOG_EMAPFULL, "map full: no address space for %llu bytes",
		              (unsigned long long)want);
	return ol_mdb_err(rc, "grow map");
}

void db_grow_early(offlog_env *env)
{
	uint64_t size, used, want;
	if (env->rdonly || ol_env_forked(env))
		return;
	map_usage_shared(env, &size, &used);
	if (used <= size / 2 || (env->opts.max_map_size && size >= env->opts.max_map_size))
		return;
	if (pthread_rwlock_trywrlock(&env->map_lock) != 0)
		return;
	grow_locked(env, size, &want);   /* a failure here is met again at MAP_FULL */
	pthread_rwlock_unlock(&env->map_lock);
}

static int txn_begin(ol_txn *t, offlog_env *env, bool write)
{
	if (ol_env_forked(env))
		return ol_forked_error(NULL);
	t->env = env;
	t->mt = NULL;
	t->write = write;
	t->locked = false;
	t->broken = false;
	t->ntouched = 0;
	t->touched_all = false;
	t->npublished = 0;
	t->published_all = false;
	t->quiet = false;
	t->wrote = false;
	t->defer_sync = false;
	t->bytes_delta = 0;
	for (bool reclaimed = false;;) {
		lock_shared(env, t);
		int rc = mdb_txn_begin(env->mdb, NULL, write ? 0 : MDB_RDONLY, &t->mt);
		if (rc == 0)
			return 0;
		unlock_shared(t);
		t->mt = NULL;
		/* A full reader table may be full of dead processes' slots. */
		if (rc == MDB_READERS_FULL && !reclaimed) {
			reclaimed = true;
			if (db_reclaim_readers(env) > 0)
				continue;
		}
		if (rc != MDB_MAP_RESIZED)
			return ol_mdb_err(rc, write ? "begin write transaction" : "begin read transaction");
		if ((rc = adopt_map_size(env)) != 0)
			return rc;
	}
}

int db_read_begin(ol_txn *t, offlog_env *env)
{
	return txn_begin(t, env, false);
}

int db_write_begin(ol_txn *t, offlog_env *env)
{
	if (env->rdonly)
		return ol_err(OFFLOG_EREADONLY, "store %s was opened read-only", env->path);
	db_grow_early(env);
	return txn_begin(t, env, true);
}

/* SYNC mode: the environment is opened with MDB_NOMETASYNC, so a commit
 * syncs the data pages and writes the meta page, and the sync that makes the
 * meta page durable follows here, after LMDB's writer lock is released. The
 * group committer defers that sync (t->defer_sync) until the next group has
 * been handed the lock, so one group's meta sync overlaps the next group's
 * work. Readers see a commit from the moment its meta page is written, as
 * with LMDB's default flags, where the meta page is visible while its
 * synchronous write is under way. */
/* A nearly full file system makes short writes, which LMDB reports as EIO:
 * say ENOSPC when the file system is (almost) out of space. */
static int db_write_error(offlog_env *env, int rc, const char *what)
{
	struct statvfs vs;
	if (rc == EIO && statvfs(env->path, &vs) == 0 &&
	    (uint64_t)vs.f_bavail * vs.f_frsize < ((uint64_t)4 << 20))
		return ol_err(OFFLOG_ENOSPC, "%s: no space left on the device (%llu bytes free)", what,
		              (unsigned long long)vs.f_bavail * vs.f_frsize);
	return ol_mdb_err(rc, what);
}

int db_env_sync(offlog_env *env)
{
	int rc = mdb_env_sync(env->mdb, 1);
	return rc ? db_write_error(env, rc, "sync") : 0;
}

/* Free the reader slots of processes that ended without closing the store
 * (killed while holding a snapshot): they keep pages from being reused and
 * would fill the reader table. */
unsigned db_reclaim_readers(offlog_env *env)
{
	int dead = 0;
	if (env->mdb && !ol_env_forked(env) && mdb_reader_check(env->mdb, &dead) == 0 && dead > 0) {
		atomic_fetch_add(&env->readers_reclaimed, (uint_fast64_t)dead);
		return (unsigned)dead;
	}
	return 0;
}

int db_commit(ol_txn *t)
{
	int rc = mdb_txn_commit(t->mt);
	t->mt = NULL;
	unlock_shared(t);
	if (rc)
		return db_write_error(t->env, rc, "commit");
	if (t->write && !t->defer_sync && t->env->opts.durability == OFFLOG_DURABILITY_SYNC)
		return db_env_sync(t->env);
	return 0;
}

void db_abort(ol_txn *t)
{
	if (t->mt && !ol_env_forked(t->env))
		mdb_txn_abort(t->mt);
	t->mt = NULL;
	unlock_shared(t);
}

int db_read_renew(ol_txn *t)
{
	if (ol_env_forked(t->env))
		return ol_forked_error(NULL);
	for (;;) {
		lock_shared(t->env, t);
		int rc = mdb_txn_renew(t->mt);
		if (rc == 0)
			return 0;
		unlock_shared(t);
		if (rc != MDB_MAP_RESIZED)
			return ol_mdb_err(rc, "renew read transaction");
		if ((rc = adopt_map_size(t->env)) != 0)
			return rc;
	}
}

void db_read_reset(ol_txn *t)
{
	if (t->locked) {
		if (!ol_env_forked(t->env))
			mdb_txn_reset(t->mt);
		unlock_shared(t);
	}
}

static MDB_val mval(const void *p, size_t n)
{
	MDB_val v = {n, (void *)(uintptr_t)p};
	return v;
}

int db_get(ol_txn *t, int table, const void *key, size_t klen, ol_val *out)
{
	MDB_val k = mval(key, klen), v;
	int rc = mdb_get(t->mt, t->env->dbi[table], &k, &v);
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc)
		return ol_mdb_err(rc, table_names[table]);
	out->p = v.mv_data;
	out->n = v.mv_size;
	return 0;
}

int db_put(ol_txn *t, int table, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = mval(key, klen), v = mval(val, vlen);
	t->wrote = true;
	int rc = mdb_put(t->mt, t->env->dbi[table], &k, &v, 0);
	t->broken |= rc != 0;
	return ol_mdb_err(rc, table_names[table]);
}

int db_reserve(ol_txn *t, int table, const void *key, size_t klen, size_t vlen, bool append,
               void **out)
{
	MDB_val k = mval(key, klen), v = {vlen, NULL};
	unsigned flags = MDB_RESERVE | (append ? MDB_APPEND : 0u);
	t->wrote = true;
	int rc = mdb_put(t->mt, t->env->dbi[table], &k, &v, flags);
	t->broken |= rc != 0;
	if (rc == MDB_KEYEXIST)
		return ol_err(OFFLOG_ECORRUPT, "%s: key already present", table_names[table]);
	if (rc)
		return ol_mdb_err(rc, table_names[table]);
	*out = v.mv_data;
	return 0;
}

int db_cursor_reserve(ol_cursor *c, const void *key, size_t klen, size_t vlen, bool append,
                      void **out)
{
	MDB_val k = mval(key, klen), v = {vlen, NULL};
	unsigned flags = MDB_RESERVE | (append ? MDB_APPEND : 0u);
	c->t->wrote = true;
	int rc = mdb_cursor_put(c->mc, &k, &v, flags);
	c->t->broken |= rc != 0;
	if (rc == MDB_KEYEXIST)
		return ol_err(OFFLOG_ECORRUPT, "key already present");
	if (rc)
		return ol_mdb_err(rc, "cursor put");
	*out = v.mv_data;
	return 0;
}

int db_del(ol_txn *t, int table, const void *key, size_t klen)
{
	MDB_val k = mval(key, klen);
	t->wrote = true;
	int rc = mdb_del(t->mt, t->env->dbi[table], &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 1;
	t->broken |= rc != 0;
	return ol_mdb_err(rc, table_names[table]);
}

int db_cursor_open(ol_cursor *c, ol_txn *t, int table)
{
	c->t = t;
	return ol_mdb_err(mdb_cursor_open(t->mt, t->env->dbi[table], &c->mc), table_names[table]);
}

void db_cursor_close(ol_cursor *c)
{
	if (c->mc)
		mdb_cursor_close(c->mc);
	c->mc = NULL;
}

int db_cursor_renew(ol_cursor *c, ol_txn *t)
{
	c->t = t;
	return ol_mdb_err(mdb_cursor_renew(t->mt, c->mc), "renew cursor");
}

static int cursor_result(int rc, MDB_val *k, MDB_val *v, ol_val *ko, ol_val *vo)
{
	if (rc == MDB_NOTFOUND)
		return 1;
	if (rc)
		return ol_mdb_err(rc, "cursor");
	if (ko) {
		ko->p = k->mv_data;
		ko->n = k->mv_size;
	}
	if (vo) {
		vo->p = v->mv_data;
		vo->n = v->mv_size;
	}
	return 0;
}

int db_cursor_seek(ol_cursor *c, const void *key, size_t klen, ol_val *k, ol_val *v)
{
	MDB_val mk = mval(key, klen), mv;
	int rc = key ? mdb_cursor_get(c->mc, &mk, &mv, MDB_SET_RANGE)
	             : mdb_cursor_get(c->mc, &mk, &mv, MDB_FIRST);
	/* A key below the one asked for means the tree's order is damaged; the
	 * loops that seek forward must not go round for ever. */
	if (rc == 0 && key) {
		size_t n = mk.mv_size < klen ? mk.mv_size : klen;
		int cmp = memcmp(mk.mv_data, key, n);
		if (cmp < 0 || (cmp == 0 && mk.mv_size < klen))
			return ol_err(OFFLOG_ECORRUPT, "a table's keys are out of order: the store is damaged");
	}
	return cursor_result(rc, &mk, &mv, k, v);
}

int db_cursor_error(int rc)
{
	return rc == MDB_NOTFOUND ? 1 : ol_mdb_err(rc, "cursor");
}

int db_cursor_prev(ol_cursor *c, ol_val *k, ol_val *v)
{
	MDB_val mk, mv;
	return cursor_result(mdb_cursor_get(c->mc, &mk, &mv, MDB_PREV), &mk, &mv, k, v);
}

int db_cursor_last(ol_cursor *c, ol_val *k, ol_val *v)
{
	MDB_val mk, mv;
	return cursor_result(mdb_cursor_get(c->mc, &mk, &mv, MDB_LAST), &mk, &mv, k, v);
}

int db_del_prefix(ol_txn *t, int table, const void *prefix, size_t n, size_t *budget,
                  size_t *deleted)
{
	ol_cursor c;
	ol_val k;
	size_t gone = 0;
	int rc = db_cursor_open(&c, t, table);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, prefix, n, &k, NULL); rc == 0 && (!budget || *budget > 0);
	     rc = db_cursor_seek(&c, prefix, n, &k, NULL)) {
		if (k.n < n || memcmp(k.p, prefix, n) != 0)
			break;
		if ((rc = db_cursor_del(&c)) != 0)
			break;
		gone++;
		if (budget)
			--*budget;
	}
	db_cursor_close(&c);
	if (deleted)
		*deleted = gone;
	return rc < 0 ? rc : 0;
}

int db_cursor_del(ol_cursor *c)
{
	c->t->wrote = true;
	int rc = mdb_cursor_del(c->mc, 0);
	c->t->broken |= rc != 0;
	return ol_mdb_err(rc, "cursor delete");
}

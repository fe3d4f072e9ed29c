/*
 * db_env.c - LMDB's environment of a store: opening it on files checked
 * first (files.c) and its tables, the check of the pinned snapshot against
 * a data file another process may be writing (verify.c), closing, copying
 * and statistics. Syncing and the reclaim of dead readers' slots, which
 * transactions need, are db.c's.
 */
#include "db.h"

#include "clock.h"
#include "codec.h"
#include "env.h"
#include "files.h"
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OL_MAXDBS 16

/* The format key that marks a store as offlog's, written once at creation. */
static int write_format(MDB_txn *mt, MDB_dbi meta)
{
	uint8_t v[4];
	ol_be32(v, OFFLOG_FORMAT_VERSION);
	MDB_val k = {6, (void *)(uintptr_t)"format"}, d = {sizeof v, v};
	return mdb_put(mt, meta, &k, &d, 0);
}

/* Open every table in one transaction; `create` creates the missing ones
 * (and marks a new store with its format). 1 when a table other than
 * "meta" is missing and create is false. */
static int open_tables_in(offlog_env *env, bool create, bool fresh)
{
	MDB_txn *mt;
	int rc = mdb_txn_begin(env->mdb, NULL, create ? 0 : MDB_RDONLY, &mt);
	if (rc)
		return ol_mdb_err(rc, "open tables");
	for (int i = 0; i < T__COUNT; i++) {
		/* "meta" is never created in an existing store: without it, the
		 * store is not ours. */
		unsigned flags = create && (fresh || i != T_META) ? MDB_CREATE : 0;
		rc = mdb_dbi_open(mt, db_table_name(i), flags, &env->dbi[i]);
		if (rc == MDB_NOTFOUND || rc == MDB_INCOMPATIBLE) {
			mdb_txn_abort(mt);
			if (i == T_META)
				return ol_err(OFFLOG_ENOTSTORE, "%s is an LMDB environment but not an offlog store",
				              env->path);
			if (rc == MDB_NOTFOUND && !create)
				return 1;
			return ol_err(OFFLOG_ECORRUPT, "%s: table %s is damaged", env->path, db_table_name(i));
		}
		if (rc) {
			mdb_txn_abort(mt);
			return ol_mdb_err(rc, "open tables");
		}
	}
	if (fresh && (rc = write_format(mt, env->dbi[T_META])) != 0) {
		mdb_txn_abort(mt);
		return ol_mdb_err(rc, "create store");
	}
	/* A new store is made durable in every mode: its directory entry is
	 * synced next (make_durable in store.c), and must lead to a whole file. */
	if ((rc = mdb_txn_commit(mt)) == 0 &&
	    (fresh || (create && env->opts.durability == OFFLOG_DURABILITY_SYNC)))
		rc = mdb_env_sync(env->mdb, 1);
	return ol_mdb_err(rc, "open tables");
}

/* A store written by an earlier version of this format may lack a table
 * added since: it is created (unless the store is opened read-only). */
static int open_tables(offlog_env *env, bool fresh)
{
	int rc = open_tables_in(env, fresh, fresh);
	if (rc == 1 && env->rdonly)
		return ol_err(OFFLOG_ECORRUPT, "%s lacks a table and is opened read-only", env->path);
	if (rc == 1)
		rc = open_tables_in(env, true, false);
	return rc;
}

/* lock.mdb is a shared map of a sparse file: a reader slot on a page never
 * touched before would need a disk block, and on a full file system the
 * process would die of SIGBUS when it touched it. So its blocks are
 * allocated before LMDB opens it, for the reader table LMDB will want. */
static int back_lock_file(offlog_env *env)
{
	/* LMDB's size for max_readers slots: a 192-byte header holding the
	 * first slot, then 64 bytes a slot. A larger file would give more slots. */
	off_t size = (off_t)128 + (off_t)64 * (off_t)env->opts.max_readers;
	struct stat st;
	int rc = fstat(env->lock_fd, &st) == 0
	             ? posix_fallocate(env->lock_fd, 0, st.st_size > size ? st.st_size : size)
	             : 0;
	if (rc == ENOSPC || rc == EDQUOT)
		return ol_err(OFFLOG_ENOSPC, "%s/lock.mdb: no space for the reader table (%lld bytes)",
		              env->path, (long long)size);
	return 0;   /* EOPNOTSUPP and the like: the file system does not need it */
}

/* Open lock.mdb and data.mdb before LMDB does, without following links
 * (files.c). lock.mdb's descriptor stays open until LMDB has closed the
 * environment: closing any descriptor of the file would drop this
 * process's fcntl locks on it, by which LMDB tells live readers from dead
 * ones. */
static int open_files(offlog_env *env, bool fresh, int *data_fd)
{
	mode_t mode = (mode_t)env->opts.file_mode;
	bool created;
	int rc = files_open(&env->dir, "lock.mdb", O_RDWR, true, mode, &created, &env->lock_fd);
	if (rc == OFFLOG_EPERM && env->rdonly && access(env->path, W_OK) == 0) {
		char why[512];
		snprintf(why, sizeof why, "%s", offlog_errmsg());
		return ol_err(OFFLOG_EPERM,
		              "%s; readers register in lock.mdb, so even a read-only open needs it "
		              "writable",
		              why);
	}
	if (rc == 0 && !env->rdonly)
		rc = back_lock_file(env);
	if (rc == 0)
		rc = files_open(&env->dir, "data.mdb", env->rdonly ? O_RDONLY : O_RDWR, fresh, mode,
		                &created, data_fd);
	return rc;
}

/* After LMDB opened the files by name: are they the ones checked? */
static int same_files(offlog_env *env, int data_fd)
{
	struct stat a, b;
	mdb_filehandle_t fd;
	if (mdb_env_get_fd(env->mdb, &fd) != 0 || fstat(fd, &a) != 0 || fstat(data_fd, &b) != 0 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return ol_err(OFFLOG_EPERM,
		              "%s/data.mdb was replaced while the store was being opened: someone "
		              "else writes in the store directory",
		              env->path);
	return files_same(&env->dir, "lock.mdb", env->lock_fd);
}

/* The checks of verify.c (the file's end; with OFFLOG_OPEN_VERIFY every
 * tree), run when LMDB has read only the meta pages: the snapshot checked
 * is the one a read transaction pins, so that another process writing
 * meanwhile cannot reuse its pages under the check. A writer that commits
 * twice between the transaction's start and the meta page's read moves the
 * file on: the check starts again. */
static int verify_pinned(offlog_env *env, const char *dir)
{
	/* At least ten attempts, and for two seconds: a slow machine beside
	 * busy writers (an emulated or small ARM board) needs more than ten. */
	enum { ATTEMPTS = 10, PERSIST_MS = 2000 };
	char file[4200];
	if ((size_t)snprintf(file, sizeof file, "%s/data.mdb", dir) >= sizeof file)
		return ol_err(OFFLOG_EINVAL, "store path too long");
	int64_t start = ol_mono_ms();
	int i;
	for (i = 0; i < ATTEMPTS || ol_mono_ms() - start < PERSIST_MS; i++) {
		MDB_txn *rt;
		int rc = mdb_txn_begin(env->mdb, NULL, MDB_RDONLY, &rt);
		if (rc)
			return ol_mdb_err(rc, "verify");
		rc = verify_data_file(file, mdb_txn_id(rt), env->opts.flags & OFFLOG_OPEN_VERIFY);
		mdb_txn_abort(rt);
		if (rc != 1)
			return rc;
	}
	return ol_err(OFFLOG_EBUSY, "%s: the store moved on during each of %d structural checks",
	              dir, i);
}

/* A map that does not fit the address space is a bad map_size, not a
 * shortage of memory. */
static int map_error(offlog_env *env, int rc)
{
	if (rc == ENOMEM)
		return ol_err(OFFLOG_EINVAL,
		              "map_size %llu bytes does not fit in this process's address space",
		              (unsigned long long)env->opts.map_size);
	return ol_mdb_err(rc, env->path);
}

int db_env_open(offlog_env *env, const char *dir, bool fresh)
{
	int rc = mdb_env_create(&env->mdb);
	if (rc)
		return ol_mdb_err(rc, "create environment");
	unsigned flags = MDB_NOTLS;
	/* SYNC adds the meta page's sync itself: see db_commit. */
	if (env->opts.durability == OFFLOG_DURABILITY_NOMETASYNC ||
	    env->opts.durability == OFFLOG_DURABILITY_SYNC)
		flags |= MDB_NOMETASYNC;
	else if (env->opts.durability == OFFLOG_DURABILITY_ASYNC)
		flags |= MDB_NOSYNC;
	if (env->rdonly)
		flags |= MDB_RDONLY;
	if ((rc = mdb_env_set_maxdbs(env->mdb, OL_MAXDBS)) == 0 &&
	    (rc = mdb_env_set_maxreaders(env->mdb, env->opts.max_readers)) == 0)
		rc = mdb_env_set_mapsize(env->mdb, (size_t)env->opts.map_size);
	int data_fd = -1;
	if (rc) {
		rc = map_error(env, rc);
		goto fail;
	}
	if ((rc = open_files(env, fresh, &data_fd)) != 0)
		goto fail;
	if ((rc = mdb_env_open(env->mdb, dir, flags, (mdb_mode_t)env->opts.file_mode)) != 0) {
		if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
			rc = ol_err(OFFLOG_ENOTSTORE, "%s: not an offlog store (%s)", dir, mdb_strerror(rc));
		else
			rc = map_error(env, rc);
		goto fail;
	}
	if ((rc = same_files(env, data_fd)) != 0)
		goto fail;
	close(data_fd);
	data_fd = -1;
	db_reclaim_readers(env);
	if ((!fresh && (rc = verify_pinned(env, dir)) != 0) ||
	    (rc = open_tables(env, fresh)) != 0)
		goto fail;
	MDB_stat st;
	mdb_env_stat(env->mdb, &st);
	env->page_size = st.ms_psize;
	return 0;
fail:
	if (data_fd >= 0)
		close(data_fd);
	db_env_close(env);
	return rc;
}

/* LMDB handles a forked child inherited and must not close: closing would
 * clear the parent's reader slots. They stay allocated (and reachable) for
 * the child's life. */
static struct inherited {
	MDB_env *mdb;
	struct inherited *next;
} *inherited;
static pthread_mutex_t inherited_mu = PTHREAD_MUTEX_INITIALIZER;

void db_env_close(offlog_env *env)
{
	if (env->mdb && ol_env_forked(env)) {
		struct inherited *i = malloc(sizeof *i);
		if (i) {
			pthread_mutex_lock(&inherited_mu);
			*i = (struct inherited){env->mdb, inherited};
			inherited = i;
			pthread_mutex_unlock(&inherited_mu);
		}
	} else if (env->mdb) {
		mdb_env_close(env->mdb);
	}
	env->mdb = NULL;
	if (env->lock_fd >= 0)
		close(env->lock_fd);
	env->lock_fd = -1;
}

int db_env_copy(offlog_env *env, const char *dir)
{
	if (ol_env_forked(env))
		return ol_forked_error(NULL);
	/* A resize waits until the copy's read transaction is over. */
	pthread_rwlock_rdlock(&env->map_lock);
	int rc = mdb_env_copy2(env->mdb, dir, MDB_CP_COMPACT);
	pthread_rwlock_unlock(&env->map_lock);
	return rc ? ol_mdb_err(rc, "backup") : 0;
}

static int count_reader(const char *msg, void *ctx)
{
	/* mdb_reader_list prints a header line, then one line per slot in use,
	 * or "(no active readers)". */
	if (strncmp(msg, "    pid", 7) != 0 && msg[0] != '(')
		++*(unsigned *)ctx;
	return 0;
}

int db_env_stat(offlog_env *env, offlog_store_info *info)
{
	MDB_envinfo ei;
	unsigned readers = 0;
	if (ol_env_forked(env))
		return ol_forked_error(NULL);
	pthread_rwlock_rdlock(&env->map_lock);
	int rc = mdb_env_info(env->mdb, &ei);
	pthread_rwlock_unlock(&env->map_lock);
	if (rc)
		return ol_mdb_err(rc, "stat");
	mdb_reader_list(env->mdb, count_reader, &readers);
	info->map_size = ei.me_mapsize;
	info->map_used = ((uint64_t)ei.me_last_pgno + 1) * env->page_size;
	info->page_size = env->page_size;
	info->max_readers = ei.me_maxreaders;
	info->readers_used = readers;
	return 0;
}

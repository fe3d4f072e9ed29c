/*
 * store.c - opening and closing a store: its options, what is at the path,
 * recovery of work an earlier process left, backup, flushing (the deferred
 * durability modes) and the background threads (flusher, maintainer). The
 * stores open in this process are registry.c's, how a change is written
 * write.c's, how consumers are woken wake.c's.
 */
#include "check.h"
#include "clock.h"
#include "codec.h"
#include "db.h"
#include "env.h"
#include "files.h"
#include "log.h"
#include "registry.h"
#include "retention.h"
#include "topic.h"
#include "verify.h"
#include "wake.h"
#include "write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_MAP_SIZE (sizeof(size_t) >= 8 ? (uint64_t)1 << 30 : (uint64_t)256 << 20)
#define MIN_MAP_SIZE ((uint64_t)64 << 10)
#define MAX_MAP_SIZE ((uint64_t)1 << 47)

OFFLOG_API int offlog_version(void)
{
	return OFFLOG_VERSION_NUMBER;
}

OFFLOG_API const char *offlog_version_string(void)
{
	return OFFLOG_VERSION_STRING;
}

/* ---- options ------------------------------------------------------------ */

OFFLOG_API int offlog_options_init(offlog_options *opts)
{
	if (!opts)
		return ol_err(OFFLOG_EINVAL, "offlog_options_init: opts is NULL");
	const offlog_options d = OFFLOG_OPTIONS_INIT;
	*opts = d;
	return 0;
}

static int check_options(offlog_options *o, const offlog_options *in)
{
	offlog_options_init(o);
	if (!in)
		goto defaults;
	if (in->version < 1 || in->version > OFFLOG_OPTIONS_VERSION)
		return ol_err(OFFLOG_EINVAL, "offlog_options.version %u is not supported (this library: %u)",
		              in->version, OFFLOG_OPTIONS_VERSION);
	/* A version 1 caller's struct ends at `flags`. */
	if (in->version == 1)
		memcpy(o, in, offsetof(offlog_options, maintenance_interval_ms));
	else
		*o = *in;
	o->version = OFFLOG_OPTIONS_VERSION;
	if (o->store_full_policy != OFFLOG_STORE_FULL_REJECT &&
	    o->store_full_policy != OFFLOG_STORE_FULL_DROP_OLDEST)
		return ol_err(OFFLOG_EINVAL, "unknown store_full_policy %d", o->store_full_policy);
	if (o->max_store_bytes > INT64_MAX)
		return ol_err(OFFLOG_EINVAL, "max_store_bytes above INT64_MAX");
	if (o->durability < OFFLOG_DURABILITY_SYNC || o->durability > OFFLOG_DURABILITY_ASYNC)
		return ol_err(OFFLOG_EINVAL, "unknown durability mode %d", o->durability);
	if (o->flags & ~(OFFLOG_OPEN_READONLY | OFFLOG_OPEN_NOCREATE | OFFLOG_OPEN_INSECURE |
	                 OFFLOG_OPEN_VERIFY))
		return ol_err(OFFLOG_EINVAL, "unknown open flags 0x%x", o->flags);
	if (o->file_mode & ~0777u)
		return ol_err(OFFLOG_EINVAL, "file_mode 0%o has bits outside 0777", o->file_mode);
	if (o->map_size && o->map_size < MIN_MAP_SIZE)
		return ol_err(OFFLOG_EINVAL, "map_size %llu is below the minimum of %llu bytes",
		              (unsigned long long)o->map_size, (unsigned long long)MIN_MAP_SIZE);
	if (o->max_map_size && o->max_map_size < MIN_MAP_SIZE)
		return ol_err(OFFLOG_EINVAL, "max_map_size %llu is below the minimum of %llu bytes",
		              (unsigned long long)o->max_map_size, (unsigned long long)MIN_MAP_SIZE);
	if (o->map_size > SIZE_MAX || o->max_map_size > SIZE_MAX)
		return ol_err(OFFLOG_EINVAL, "map size larger than the address space");
	/* No process gets more than 2^47 bytes of address space without asking
	 * for addresses above it, which LMDB does not. */
	if (o->map_size > MAX_MAP_SIZE)
		return ol_err(OFFLOG_EINVAL,
		              "map_size %llu is larger than a process's address space (%llu bytes)",
		              (unsigned long long)o->map_size, (unsigned long long)MAX_MAP_SIZE);
	if (o->max_readers > 100000)
		return ol_err(OFFLOG_EINVAL, "max_readers %u is above 100000", o->max_readers);
defaults:
	if (!o->map_size)
		o->map_size = DEFAULT_MAP_SIZE;
	if (o->max_map_size && o->map_size > o->max_map_size)
		o->map_size = o->max_map_size;
	if (!o->max_readers)
		o->max_readers = 256;
	if (!o->file_mode)
		o->file_mode = 0600;
	return 0;
}

/* ---- what is at the path ------------------------------------------------ */

static bool dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	bool empty = true;
	errno = 0;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			empty = false;
			break;
		}
	/* A directory that cannot be read to its end is not known to be empty. */
	if (empty && errno != 0)
		empty = false;
	closedir(d);
	return empty;
}

/* LMDB maps the file and trusts its newest meta page (meta_read). */
static int check_meta_pages(const char *file, off_t size)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ol_errno_code(errno, "open", file);
	ol_meta m;
	int rc = meta_read(fd, size, file, OL_META_NEWEST, &m);
	close(fd);
	return rc;
}

/* Check, without changing anything, that `file` starts with an LMDB meta
 * page of this build's layout (meta_probe); an empty file or random bytes
 * would otherwise be overwritten by LMDB as a new environment. *mapsize
 * gets the map size recorded there. */
static int check_data_file(const char *file, off_t size, uint64_t *mapsize)
{
	if (size == 0)
		return ol_err(OFFLOG_ENOTSTORE, "%s is empty: not an offlog store", file);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ol_errno_code(errno, "open", file);
	int rc = meta_probe(fd, file, mapsize);
	close(fd);
	return rc ? rc : check_meta_pages(file, size);
}

struct probe {
	uint64_t mapsize;   /* map size recorded in an existing store */
	bool made_dir;      /* we created the directory */
	bool fresh;         /* no data file existed */
	bool had_lock;      /* lock.mdb existed before we opened */
	char data[4096];
	char lock[4096];
};

static int probe_path(struct probe *pr, offlog_env *env, const char *path)
{
	struct stat st;
	bool create = !(env->opts.flags & (OFFLOG_OPEN_NOCREATE | OFFLOG_OPEN_READONLY));
	memset(pr, 0, sizeof *pr);
	if ((size_t)snprintf(pr->data, sizeof pr->data, "%s/data.mdb", path) >= sizeof pr->data ||
	    (size_t)snprintf(pr->lock, sizeof pr->lock, "%s/lock.mdb", path) >= sizeof pr->lock)
		return ol_err(OFFLOG_EINVAL, "path too long");
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return ol_errno_code(errno, "stat", path);
		if (!create)
			return ol_err(OFFLOG_ENOENT, "no store at %s", path);
		mode_t dmode = (mode_t)(env->opts.file_mode | (env->opts.file_mode & 0444) >> 2);
		if (mkdir(path, dmode) != 0)
			return ol_errno_code(errno, "create directory", path);
		pr->made_dir = pr->fresh = true;
		/* The mode exactly, as the files' (not filtered by the umask). */
		if (chmod(path, dmode) != 0)
			return ol_errno_code(errno, "chmod", path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode))
		return ol_err(OFFLOG_ENOTSTORE, "%s is not a directory: not an offlog store", path);
	if (!(env->opts.flags & OFFLOG_OPEN_INSECURE)) {
		uid_t me = geteuid();
		if (st.st_mode & S_IWOTH)
			return ol_err(OFFLOG_EPERM,
			              "store directory %s is writable by every user, who could replace its "
			              "files: chmod o-w it, or open with OFFLOG_OPEN_INSECURE",
			              path);
		if (me != 0 && st.st_uid != me)
			return ol_err(OFFLOG_EPERM,
			              "store directory %s belongs to another user (uid %u): open it as that "
			              "user, or with OFFLOG_OPEN_INSECURE",
			              path, (unsigned)st.st_uid);
	}
	pr->had_lock = access(pr->lock, F_OK) == 0;
	if (stat(pr->data, &st) != 0) {
		if (errno != ENOENT)
			return ol_errno_code(errno, "stat", pr->data);
		if (!dir_is_empty(path))
			return ol_err(OFFLOG_ENOTSTORE,
			              "%s is a non-empty directory without a store%s", path,
			              create ? "; refusing to create one there" : "");
		if (!create)
			return ol_err(OFFLOG_ENOENT, "no store at %s", path);
		pr->fresh = true;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return ol_err(OFFLOG_ENOTSTORE, "%s is not a regular file", pr->data);
	/* The checks that read more than the meta pages (the file's end; with
	 * OFFLOG_OPEN_VERIFY, every tree) come later, in db_env_open: LMDB has
	 * then read the meta pages only, and a read transaction pins the
	 * snapshot checked against another process writing meanwhile. */
	return check_data_file(pr->data, st.st_size, &pr->mapsize);
}

/* Undo what opening created, so a failed open leaves the disk as it was. */
static void unprobe(const struct probe *pr, const char *path)
{
	if (pr->fresh) {
		unlink(pr->data);
		unlink(pr->lock);
	} else if (!pr->had_lock) {
		unlink(pr->lock);
	}
	if (pr->made_dir)
		rmdir(path);
}

/* ---- open / close ------------------------------------------------------- */

/* A new store's names: its data file was synced when it was made; now the
 * directory entries that lead to it. */
static int make_durable(offlog_env *env, const struct probe *pr)
{
	int rc = files_sync_fd(env->dir.fd, env->path);
	if (rc == 0 && pr->made_dir)
		rc = files_sync_parent(env->path);
	return rc;
}

static int check_format(offlog_env *env)
{
	ol_txn t;
	ol_val v;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = db_get(&t, T_META, "format", 6, &v);
	uint32_t fmt = rc == 0 && v.n == 4 ? ol_get_be32(v.p) : 0;
	db_abort(&t);
	if (rc < 0)
		return rc;
	if (rc == 1 || v.n != 4)
		return ol_err(OFFLOG_ENOTSTORE, "%s: no offlog format marker", env->path);
	if (fmt > OFFLOG_FORMAT_VERSION)
		return ol_err(OFFLOG_EVERSION, "%s has format %u; this library reads up to format %u",
		              env->path, fmt, OFFLOG_FORMAT_VERSION);
	if (fmt == 0)
		return ol_err(OFFLOG_ECORRUPT, "%s: format marker 0", env->path);
	env->format = fmt;
	return 0;
}

static void *flusher_main(void *arg);
static void *maintainer_main(void *arg);
static void stop_threads(offlog_env *env);

static void env_free(offlog_env *env)
{
	wake_close(env);
	write_destroy(env);
	maintain_destroy(env);
	pthread_rwlock_destroy(&env->map_lock);
	if (!ol_env_forked(env)) {   /* the parent's threads may wait on them */
		pthread_mutex_destroy(&env->threads.mu);
		pthread_cond_destroy(&env->threads.cv);
	}
	files_dir_close(&env->dir);
	free(env->path);
	free(env);
}

static offlog_env *env_alloc(const char *path)
{
	offlog_env *env = calloc(1, sizeof *env);
	if (!env)
		return NULL;
	env->path = strdup(path);
	if (!env->path) {
		free(env);
		return NULL;
	}
	/* map_lock must prefer readers: a thread may take it shared again while
	 * it holds it, and must not queue behind a waiting map growth (db.c). */
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
#ifdef __GLIBC__
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_READER_NP);
#endif
	pthread_rwlock_init(&env->map_lock, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&env->threads.mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&env->threads.cv, &ca);
	pthread_condattr_destroy(&ca);
	write_init(env);
	wake_init(env);
	maintain_init(env);
	atomic_init(&env->handles, 0);
	atomic_init(&env->rr, 0);
	env->pid = getpid();
	env->format = OFFLOG_FORMAT_VERSION;
	env->dir.fd = -1;
	env->lock_fd = -1;
	atomic_init(&env->readers_reclaimed, 0);
	env->fork_gen = ol_fork_watch();
	return env;
}

/* ---- the store's byte count, for stores of an earlier version ------------ */

static int add_bytes(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p)
{
	char name[OFFLOG_NAME_MAX + 1];
	OL_UNUSED(part);
	int rc = topic_name_of(t, tid, name, sizeof name);
	if (rc == OFFLOG_ENOTOPIC)
		return 0;   /* deleted, not yet purged: no longer counted */
	if (rc == 0)
		*(int64_t *)ctx += p->bytes;
	return rc;
}

static int recount_fn(ol_txn *t, void *arg)
{
	OL_UNUSED(arg);
	int64_t n, sum = 0;
	bool found;
	int rc = log_bytes_get(t, &n, &found);
	if (rc || found)
		return rc;
	if ((rc = log_each_part(t, add_bytes, &sum)) == 0)
		rc = log_bytes_put(t, sum);
	t->quiet = true;
	return rc;
}

/* Work left by an earlier process: records of deleted topics, and in the
 * deferred modes high watermarks behind what is now on disk. */
static int recover(offlog_env *env)
{
	bool behind;
	int rc = topic_purge_deleted(env);
	if (rc == 0)
		rc = ol_write_solo(env, recount_fn, NULL);
	if (rc == 0)
		rc = log_behind(env, &behind);
	if (rc == 0 && behind)
		rc = offlog_flush(env);
	return rc;
}

OFFLOG_API int offlog_open(offlog_env **out, const char *path, const offlog_options *opts)
{
	if (!out || !path)
		return ol_err(OFFLOG_EINVAL, "offlog_open: %s is NULL", out ? "path" : "env");
	*out = NULL;
	if (!*path)
		return ol_err(OFFLOG_EINVAL, "offlog_open: empty path");
	offlog_env *env = env_alloc(path);
	if (!env)
		return ol_err(OFFLOG_ENOMEM, "offlog_open: out of memory");
	int rc = check_options(&env->opts, opts);
	if (rc) {
		env_free(env);
		return rc;
	}
	env->rdonly = (env->opts.flags & OFFLOG_OPEN_READONLY) != 0;

	struct probe pr;
	if ((rc = probe_path(&pr, env, path)) != 0) {
		env_free(env);
		return rc;
	}
	if ((rc = files_dir_open(&env->dir, env->path)) != 0)
		goto fail;
	struct stat st;
	if (fstat(env->dir.fd, &st) != 0) {
		rc = ol_errno_code(errno, "stat", path);
		goto fail;
	}
	env->dev = st.st_dev;
	env->ino = st.st_ino;
	/* A store that grew past the configured size keeps its size: otherwise
	 * the first write after each open would fill the map and grow it again. */
	if (pr.mapsize > env->opts.map_size && pr.mapsize <= SIZE_MAX)
		env->opts.map_size = pr.mapsize;
	if (!registry_add(env)) {
		/* Another handle owns these files: leave them alone. */
		env_free(env);
		return ol_err(OFFLOG_EBUSY, "%s is already open in this process; share that handle",
		              path);
	}
	if ((rc = db_env_open(env, path, pr.fresh)) != 0)
		goto fail_registered;
	if (!pr.fresh && (rc = check_format(env)) != 0)
		goto fail_opened;
	/* Before recovery writes anything: a refused store stays as it was. */
	if (!pr.fresh && (env->opts.flags & OFFLOG_OPEN_VERIFY) && (rc = verify_tables(env)) != 0)
		goto fail_opened;
	if (pr.fresh && (rc = make_durable(env, &pr)) != 0)
		goto fail_opened;
	if (!env->rdonly && (rc = recover(env)) != 0)
		goto fail_opened;
	wake_open(env);
	if (ol_deferred(env) && !env->rdonly && env->opts.flush_interval_ms > 0) {
		if (pthread_create(&env->threads.flusher, NULL, flusher_main, env) != 0) {
			rc = ol_err(OFFLOG_ENOMEM, "cannot start the flush thread");
			goto fail_opened;
		}
		env->threads.flusher_started = true;
	}
	if (!env->rdonly && env->opts.maintenance_interval_ms > 0) {
		if (pthread_create(&env->threads.maintainer, NULL, maintainer_main, env) != 0) {
			rc = ol_err(OFFLOG_ENOMEM, "cannot start the maintenance thread");
			goto fail_threads;
		}
		env->threads.maintainer_started = true;
	}
	*out = env;
	return 0;

fail_threads:
	stop_threads(env);

fail_opened:
	db_env_close(env);
fail_registered:
	registry_remove(env);
fail:
	unprobe(&pr, path);
	env_free(env);
	return rc;
}

OFFLOG_API int offlog_close(offlog_env *env)
{
	if (!env)
		return 0;
	if (!registry_has(env))
		return ol_err(OFFLOG_ESTATE, "offlog_close: not an open store handle (closed already?)");
	if (ol_env_forked(env)) {
		/* A forked child's copy: the flusher thread and the environment
		 * belong to the parent. Free only this process's memory. */
		db_env_close(env);
		registry_remove(env);
		env_free(env);
		return 0;
	}
	long open = atomic_load(&env->handles);
	if (open > 0)
		return ol_err(OFFLOG_EBUSY, "offlog_close: %ld consumers, producers, transactions or batches still open",
		              open);
	stop_threads(env);
	wake_stop_watcher(env);
	int rc = 0;
	if (ol_deferred(env) && !env->rdonly)
		rc = offlog_flush(env);
	/* Close before leaving the registry: until LMDB has let go of its files,
	 * another open of this store in the process must still be refused. */
	db_env_close(env);
	registry_remove(env);
	env_free(env);
	return rc;
}

OFFLOG_API int offlog_store_stat(offlog_store_info *info, offlog_env *env)
{
	if (!info || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_store_stat: NULL argument");
	OL_ENV_CHECK(env);
	int rc = ol_check_version(info->version, OFFLOG_STORE_INFO_VERSION, "offlog_store_info");
	if (rc)
		return rc;
	/* Filled aside and copied whole: on an error *info is as it was. */
	offlog_store_info s = OFFLOG_STORE_INFO_INIT;
	if ((rc = db_env_stat(env, &s)) != 0)
		return rc;
	s.format_version = env->format;
	s.durability = env->opts.durability;
	s.read_only = env->rdonly;
	*info = s;
	return 0;
}

OFFLOG_API int offlog_store_reclaim_readers(offlog_env *env, uint32_t *reclaimed,
                                            uint64_t *total)
{
	OL_ENV_CHECK(env);
	unsigned n = db_reclaim_readers(env);
	if (reclaimed)
		*reclaimed = n;
	if (total)
		*total = (uint64_t)atomic_load(&env->readers_reclaimed);
	return 0;
}

/* ---- backup ------------------------------------------------------------- */

OFFLOG_API int offlog_backup(offlog_env *env, const char *dir)
{
	char data[4096];
	struct stat st;
	if (!env || !dir)
		return ol_err(OFFLOG_EINVAL, "offlog_backup: NULL argument");
	OL_ENV_CHECK(env);
	if (!*dir || (size_t)snprintf(data, sizeof data, "%s/data.mdb", dir) >= sizeof data)
		return ol_err(OFFLOG_EINVAL, "offlog_backup: empty or overlong directory name");
	bool made_dir = false;
	if (stat(dir, &st) != 0) {
		mode_t dmode = (mode_t)(env->opts.file_mode | (env->opts.file_mode & 0444) >> 2);
		if (errno != ENOENT || mkdir(dir, dmode) != 0)
			return ol_errno_code(errno, "create directory", dir);
		made_dir = true;
	} else if (!S_ISDIR(st.st_mode)) {
		return ol_err(OFFLOG_EEXIST, "%s exists and is not a directory", dir);
	}
	if (access(data, F_OK) == 0)
		return ol_err(OFFLOG_EEXIST, "%s already holds a store", dir);
	int rc = db_env_copy(env, dir);
	if (rc == 0 && chmod(data, (mode_t)env->opts.file_mode) != 0)
		rc = ol_errno_code(errno, "chmod", data);
	/* The copy, then the names leading to it, durable before it is
	 * reported done. */
	if (rc == 0)
		rc = files_sync_path(data, false);
	if (rc == 0)
		rc = files_sync_path(dir, true);
	if (rc == 0 && made_dir)
		rc = files_sync_parent(dir);
	if (rc)
		unlink(data);   /* a partial copy is no store */
	return rc;
}

/* ---- flushing ----------------------------------------------------------- */

static int flush_fn(ol_txn *t, void *arg)
{
	OL_UNUSED(arg);
	/* Sync while holding the write lock: everything committed before this
	 * transaction is then durable, so every log end offset may be published
	 * as the high watermark. */
	int rc = db_env_sync(t->env);
	if (rc == 0)
		rc = log_publish(t, NULL, 0, true);
	if (rc == 0) {
		t->published_all = true;   /* clears what was pending */
		t->quiet = true;           /* it wrote only watermarks, re-derived at open */
	}
	return rc;
}

OFFLOG_API int offlog_flush(offlog_env *env)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_flush: env is NULL");
	OL_ENV_CHECK(env);
	if (env->rdonly)
		return 0;
	atomic_store(&env->dirty, false);
	int rc = ol_write_solo(env, flush_fn, NULL);
	if (rc)
		atomic_store(&env->dirty, true);
	return rc;
}

/* The flusher and the maintainer wait on threads.cv and stop on threads.stop. */
static void stop_threads(offlog_env *env)
{
	pthread_mutex_lock(&env->threads.mu);
	env->threads.stop = true;
	pthread_cond_broadcast(&env->threads.cv);
	pthread_mutex_unlock(&env->threads.mu);
	if (env->threads.flusher_started)
		pthread_join(env->threads.flusher, NULL);
	if (env->threads.maintainer_started)
		pthread_join(env->threads.maintainer, NULL);
	env->threads.flusher_started = env->threads.maintainer_started = false;
}

static void *maintainer_main(void *arg)
{
	offlog_env *env = arg;
	pthread_mutex_lock(&env->threads.mu);
	while (!env->threads.stop) {
		struct timespec ts = ol_deadline(CLOCK_MONOTONIC, (int64_t)env->opts.maintenance_interval_ms * 1000);
		pthread_cond_timedwait(&env->threads.cv, &env->threads.mu, &ts);
		if (env->threads.stop)
			break;
		pthread_mutex_unlock(&env->threads.mu);
		/* A failed run (a full disk) is retried at the next interval. */
		offlog_maintain(env, 0, NULL);
		pthread_mutex_lock(&env->threads.mu);
	}
	pthread_mutex_unlock(&env->threads.mu);
	return NULL;
}

static void *flusher_main(void *arg)
{
	offlog_env *env = arg;
	pthread_mutex_lock(&env->threads.mu);
	while (!env->threads.stop) {
		struct timespec ts = ol_deadline(CLOCK_MONOTONIC, (int64_t)env->opts.flush_interval_ms * 1000);
		pthread_cond_timedwait(&env->threads.cv, &env->threads.mu, &ts);
		if (env->threads.stop || !atomic_load(&env->dirty))
			continue;
		pthread_mutex_unlock(&env->threads.mu);
		/* A failed background flush leaves the data committed but not yet
		 * durable; the next interval, an explicit flush or close retries. */
		offlog_flush(env);
		pthread_mutex_lock(&env->threads.mu);
	}
	pthread_mutex_unlock(&env->threads.mu);
	return NULL;
}

/*
 * wake.c - waking consumers that wait in poll when records arrive, also
 * across processes.
 *
 * Every commit bumps a counter; a consumer that found nothing to read waits
 * until the counter moves away from the value it read before looking. The
 * counter lives in a small shared file of the store directory ("offlog.wake",
 * mapped by every process that opens the store), and on Linux the wait is a
 * futex on it, so an append in one process wakes a poll in another within
 * microseconds, with no busy loop. A waiter registers in the same page
 * before it checks the counter, and a committer bumps the counter before it
 * checks for waiters, so a wake-up is never lost; commits make the wake-up
 * system call only while someone waits.
 *
 * Where the file cannot be mapped (a read-only directory) or futexes do not
 * exist, the wait falls back to a condition variable, woken by commits of
 * this process, in slices short enough that other processes' appends are
 * seen soon after (ol_wait_slice_ms).
 *
 * Descriptors (offlog_consumer_fd) cannot wait on a futex, so a watcher
 * thread, one per store handle, started by the first, waits on the counter
 * as a poll would and signals every descriptor when it moves.
 */
/* syscall() is declared only with _DEFAULT_SOURCE. */
#define _DEFAULT_SOURCE 1
#include "wake.h"

#include "clock.h"
#include "db.h"
#include "env.h"
#include "files.h"
#include "notify.h"

#include <stdlib.h>

#include <fcntl.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

#define WAKE_FILE "offlog.wake"
#define WAKE_SIZE 4096
#define FALLBACK_SLICE_MS 10

struct ol_wake_page {
	_Atomic uint32_t seq;
	_Atomic uint32_t waiters;
};

#ifdef __linux__
static bool have_futex = true;

static void futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void futex_wake(_Atomic uint32_t *addr)
{
	syscall(SYS_futex, (uint32_t *)addr, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}
#else
static bool have_futex = false;
static void futex_wait(_Atomic uint32_t *addr, uint32_t val, int64_t ms)
{
	OL_UNUSED(addr);
	OL_UNUSED(val);
	OL_UNUSED(ms);
}
static void futex_wake(_Atomic uint32_t *addr)
{
	OL_UNUSED(addr);
}
#endif

void wake_init(offlog_env *env)
{
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&env->wake.cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&env->wake.mu, NULL);
	atomic_init(&env->wake.seq, 0);
	atomic_init(&env->wake.waiters, 0);
	pthread_mutex_init(&env->wake.wmu, NULL);
	pthread_cond_init(&env->wake.wcv, NULL);
	env->wake.watching = env->wake.wstop = false;
	env->wake.watch = NULL;
	env->wake.nwatch = 0;
}

void wake_open(offlog_env *env)
{
	env->wake.page = NULL;
	if (!have_futex)
		return;
	/* Opened as the store's other files (files.c); a file that fails those
	 * checks is not mapped, and waits fall back to the condition variable. */
	int fd;
	bool created;
	if (files_open(&env->dir, WAKE_FILE, O_RDWR, !env->rdonly, (mode_t)env->opts.file_mode,
	               &created, &fd) != 0)
		return;
	struct stat st;
	void *p = MAP_FAILED;
	/* The page's block is allocated before it is mapped: touching a hole on
	 * a full file system would kill the process with SIGBUS. */
	if (fstat(fd, &st) == 0 && (st.st_size >= WAKE_SIZE || ftruncate(fd, WAKE_SIZE) == 0) &&
	    posix_fallocate(fd, 0, WAKE_SIZE) == 0)
		p = mmap(NULL, WAKE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (created)
		files_sync_fd(env->dir.fd, env->path);
	close(fd);
	if (p != MAP_FAILED)
		env->wake.page = p;
}

void wake_close(offlog_env *env)
{
	if (env->wake.page)
		munmap(env->wake.page, WAKE_SIZE);
	env->wake.page = NULL;
	free(env->wake.watch);
	/* A forked child's copies may still count the parent's waiters (the
	 * watcher): destroying them would wait for ever. */
	if (ol_env_forked(env))
		return;
	pthread_mutex_destroy(&env->wake.mu);
	pthread_cond_destroy(&env->wake.cv);
	pthread_mutex_destroy(&env->wake.wmu);
	pthread_cond_destroy(&env->wake.wcv);
}

bool ol_wake_shared(const offlog_env *env)
{
	return env->wake.page != NULL;
}

int64_t ol_wait_slice_ms(const offlog_env *env, int64_t ms)
{
	if (env->wake.page || ms < FALLBACK_SLICE_MS)
		return ms;
	return FALLBACK_SLICE_MS;
}

void ol_wake_consumers(offlog_env *env)
{
	struct ol_wake_page *w = env->wake.page;
	if (w) {
		atomic_fetch_add(&w->seq, 1);
		if (atomic_load(&w->waiters) > 0)
			futex_wake(&w->seq);
		return;
	}
	atomic_fetch_add(&env->wake.seq, 1);
	if (atomic_load(&env->wake.waiters) > 0) {
		pthread_mutex_lock(&env->wake.mu);
		pthread_cond_broadcast(&env->wake.cv);
		pthread_mutex_unlock(&env->wake.mu);
	}
}

void ol_wake_interrupt(offlog_env *env)
{
	struct ol_wake_page *w = env->wake.page;
	if (w) {
		atomic_fetch_add(&w->seq, 1);
		futex_wake(&w->seq);
		return;
	}
	atomic_fetch_add(&env->wake.seq, 1);
}

uint64_t ol_wake_seq(offlog_env *env)
{
	if (env->wake.page)
		return atomic_load(&env->wake.page->seq);
	return atomic_load(&env->wake.seq);
}

void ol_wait_append(offlog_env *env, uint64_t seen, int64_t ms)
{
	struct ol_wake_page *w = env->wake.page;
	if (ms <= 0)
		return;
	if (w) {
		/* A process killed while waiting leaves its count behind: the only
		 * cost is that commits keep making the wake-up call. */
		atomic_fetch_add(&w->waiters, 1);
		if (atomic_load(&w->seq) == (uint32_t)seen)
			futex_wait(&w->seq, (uint32_t)seen, ms);
		atomic_fetch_sub(&w->waiters, 1);
		return;
	}
	struct timespec ts = ol_deadline(CLOCK_MONOTONIC, ms * 1000);
	pthread_mutex_lock(&env->wake.mu);
	atomic_fetch_add(&env->wake.waiters, 1);
	if (atomic_load(&env->wake.seq) == seen)
		pthread_cond_timedwait(&env->wake.cv, &env->wake.mu, &ts);
	atomic_fetch_sub(&env->wake.waiters, 1);
	pthread_mutex_unlock(&env->wake.mu);
}

/* ---- the watcher -------------------------------------------------------- */

/* What moves at every commit: the counter, or without the shared page
 * (which this process's commits alone move) LMDB's transaction id. */
static uint64_t commits_seen(offlog_env *env)
{
	return env->wake.page ? ol_wake_seq(env) : db_last_txn(env);
}

static void signal_all(ol_wakeup *w)
{
	for (size_t i = 0; i < w->nwatch; i++)
		ol_notify_signal(w->watch[i]);
}

static void *watcher_main(void *arg)
{
	offlog_env *env = arg;
	ol_wakeup *w = &env->wake;
	uint64_t seen = 0;
	bool rebase = true;
	pthread_mutex_lock(&w->wmu);
	while (!w->wstop) {
		if (w->nwatch == 0) {
			pthread_cond_wait(&w->wcv, &w->wmu);
			rebase = true;
			continue;
		}
		if (rebase) {
			/* A commit before this read may have come after a poll
			 * drained a descriptor: tell them all. */
			seen = commits_seen(env);
			signal_all(w);
			rebase = false;
		}
		pthread_mutex_unlock(&w->wmu);
		/* Without the page, a slice or a commit of this process. */
		ol_wait_append(env, w->page ? seen : ol_wake_seq(env), ol_wait_slice_ms(env, 1000));
		uint64_t now = commits_seen(env);
		bool moved = now != seen;
		seen = now;
		pthread_mutex_lock(&w->wmu);
		if (moved)
			signal_all(w);
	}
	pthread_mutex_unlock(&w->wmu);
	return NULL;
}

int wake_watch(offlog_env *env, struct ol_notify *n)
{
	ol_wakeup *w = &env->wake;
	int rc = 0;
	pthread_mutex_lock(&w->wmu);
	struct ol_notify **grown = realloc(w->watch, (w->nwatch + 1) * sizeof *grown);
	if (!grown) {
		rc = ol_err(OFFLOG_ENOMEM, "offlog_consumer_fd: out of memory");
	} else {
		w->watch = grown;
		w->watch[w->nwatch++] = n;
		if (!w->watching && pthread_create(&w->watcher, NULL, watcher_main, env) != 0) {
			w->nwatch--;
			rc = ol_err(OFFLOG_ENOMEM, "cannot start the thread that watches for commits");
		} else {
			w->watching = true;
			pthread_cond_signal(&w->wcv);
		}
	}
	pthread_mutex_unlock(&w->wmu);
	return rc;
}

void wake_unwatch(offlog_env *env, struct ol_notify *n)
{
	ol_wakeup *w = &env->wake;
	pthread_mutex_lock(&w->wmu);
	for (size_t i = 0; i < w->nwatch; i++)
		if (w->watch[i] == n) {
			w->watch[i] = w->watch[--w->nwatch];
			break;
		}
	pthread_mutex_unlock(&w->wmu);
}

void wake_stop_watcher(offlog_env *env)
{
	ol_wakeup *w = &env->wake;
	pthread_mutex_lock(&w->wmu);
	bool running = w->watching;
	w->wstop = true;
	pthread_cond_signal(&w->wcv);
	pthread_mutex_unlock(&w->wmu);
	if (!running)
		return;
	/* After wstop is set: a wait that began before ends now. */
	ol_wake_interrupt(env);
	pthread_join(w->watcher, NULL);
	w->watching = false;
}

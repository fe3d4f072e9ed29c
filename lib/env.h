/*
 * env.h - the store handle, struct offlog_env: what store.c opens and
 * closes, and one part for each file that keeps state in it (group commit
 * and pending high watermarks: write.c; wake-ups: wake.c; maintenance:
 * maintain.c and compact.c; background threads: store.c). A file touches only its own
 * part, and initialises and frees it (write_init, wake_init,
 * maintain_init...); the fields at the top are the open store, read by
 * every layer. The parts are declared here, not in their owners' headers,
 * so that this header stands just above db.h and any file may include it.
 */
#ifndef OFFLOG_ENV_H
#define OFFLOG_ENV_H

#include "db.h"
#include "files.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

/* Group commit's queue (env->gc). */
typedef struct ol_group_commit {
	pthread_mutex_t mu;
	struct ol_req *head;
	struct ol_req **tail;
	unsigned queued;
	bool leader;
	pthread_cond_t more;    /* a leader gathering a group waits on it */
	unsigned want;          /* queued requests the gathering leader waits for */
	unsigned last_size;     /* requests in and behind the last group */
	int64_t last_us;        /* how long the last group's transaction took */
} ol_group_commit;

/* NOMETASYNC (env->pend): partitions whose last append commit is not yet
 * known to be durable; the next commit makes it so and publishes them. */
typedef struct ol_pending {
	pthread_mutex_t mu;
	ol_pend list[OL_PENDING_MAX];
	unsigned n;
	bool all;               /* more than fit: publish every partition */
} ol_pending;

/* The store handle's part (env->wake): the shared page, or NULL and then
 * the condition variable, for this process's appends only. */
typedef struct ol_wakeup {
	struct ol_wake_page *page;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint_fast64_t seq;
	atomic_int waiters;
	/* The watcher thread, which signals consumers' descriptors on commits. */
	pthread_mutex_t wmu;
	pthread_cond_t wcv;           /* a descriptor added, or stop */
	pthread_t watcher;
	bool watching;                /* the thread runs */
	bool wstop;
	struct ol_notify **watch;     /* the descriptors, nwatch of them */
	size_t nwatch;
} ol_wakeup;

/* The store handle's part (env->maint): one maintenance run at a time per
 * handle, and what the compaction passes reached. */
typedef struct ol_maint {
	pthread_mutex_t mu;
	void *compacted;
	size_t ncompacted;
} ol_maint;

/* store.c's background threads: the flusher of the deferred durability
 * modes and the maintainer; both wait on cv and stop on `stop`. */
typedef struct ol_threads {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	pthread_t flusher;
	bool flusher_started;
	pthread_t maintainer;
	bool maintainer_started;
} ol_threads;

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

	ol_group_commit gc;             /* write.c */
	ol_pending pend;                /* write.c */
	ol_wakeup wake;                 /* wake.c */
	ol_maint maint;                 /* maintain.c, compact.c */
	ol_threads threads;             /* store.c */
};

static inline bool ol_deferred(const offlog_env *env)
{
	return env->opts.durability != OFFLOG_DURABILITY_SYNC;
}

#endif

/*
 * env.h - the store handle, struct offlog_env: what store.c opens and
 * closes, and one part for each file that keeps state in it (group commit
 * and pending high watermarks: write.c; wake-ups: wake.c; maintenance:
 * retention.c; background threads: store.c). A file touches only its own
 * part; the fields at the top are the open store, read by every layer.
 */
#ifndef OFFLOG_ENV_H
#define OFFLOG_ENV_H

#include "db.h"
#include "files.h"
#include "retention.h"
#include "wake.h"
#include "write.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/types.h>

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
	ol_maint maint;                 /* retention.c */
	ol_threads threads;             /* store.c */
};

static inline bool ol_deferred(const offlog_env *env)
{
	return env->opts.durability != OFFLOG_DURABILITY_SYNC;
}

#endif

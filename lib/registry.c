/*
 * registry.c - the stores open in this process.
 *
 * LMDB forbids opening one environment twice in a process (closing either
 * would drop the other's file locks), so a second open is refused. Entries
 * carry the pid so a forked child does not see its parent's stores.
 *
 * The registry also answers, before a handle's memory is touched, whether a
 * handle passed to a public call is open: a closed handle (a second close,
 * an append after close) gets OFFLOG_ESTATE instead of a use of freed
 * memory. It cannot tell a closed handle from a new one that malloc placed
 * at the same address. It sits low, beside db.c, so that every public entry
 * can check its handle without calling up into store.c.
 */
#include "registry.h"

#include "db.h"
#include "env.h"

static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static offlog_env *registry;

/* ---- fork ---------------------------------------------------------------
 * A child gets copies of the parent's handles, with the locks other threads
 * held at the fork held for ever and none of the parent's threads. Every
 * public call checks ol_env_usable first, so those copies fail at once (the
 * fork generation is db.c's); registry_mu is taken around fork() so the
 * child's copy is usable. */

static pthread_once_t registry_once = PTHREAD_ONCE_INIT;

static void registry_lock(void)
{
	pthread_mutex_lock(&registry_mu);
}

static void registry_unlock(void)
{
	pthread_mutex_unlock(&registry_mu);
}

static void registry_watch_forks(void)
{
	pthread_atfork(registry_lock, registry_unlock, registry_unlock);
}

bool registry_add(offlog_env *env)
{
	bool ok = true;
	pthread_once(&registry_once, registry_watch_forks);
	pthread_mutex_lock(&registry_mu);
	for (offlog_env *e = registry; e; e = e->next_open)
		if (e->dev == env->dev && e->ino == env->ino && e->pid == env->pid)
			ok = false;
	if (ok) {
		env->next_open = registry;
		registry = env;
	}
	pthread_mutex_unlock(&registry_mu);
	return ok;
}

void registry_remove(offlog_env *env)
{
	pthread_mutex_lock(&registry_mu);
	for (offlog_env **p = &registry; *p; p = &(*p)->next_open)
		if (*p == env) {
			*p = env->next_open;
			break;
		}
	pthread_mutex_unlock(&registry_mu);
}

bool registry_has(const offlog_env *env)
{
	bool found = false;
	pthread_mutex_lock(&registry_mu);
	for (offlog_env *e = registry; e && !found; e = e->next_open)
		found = e == env;
	pthread_mutex_unlock(&registry_mu);
	return found;
}

int ol_env_usable(const offlog_env *env, const char *fn)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "%s: env is NULL", fn);
	if (!registry_has(env))
		return ol_err(OFFLOG_ESTATE, "%s: not an open store handle (closed already?)", fn);
	if (ol_env_forked(env))
		return ol_forked_error(fn);
	return 0;
}

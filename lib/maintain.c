/*
 * maintain.c - offlog_maintain(): the retention sweep over every partition
 * (retention.c), then compaction (compact.c), under one budget of removals,
 * one run at a time per handle. The maintenance thread (store.c) calls it
 * every maintenance_interval_ms.
 */
#include "retention.h"

#include "db.h"
#include "env.h"
#include "registry.h"


void maintain_init(offlog_env *env)
{
	pthread_mutex_init(&env->maint.mu, NULL);
}

void maintain_destroy(offlog_env *env)
{
	pthread_mutex_destroy(&env->maint.mu);
	compact_forget(env);
}

OFFLOG_API int offlog_maintain(offlog_env *env, uint64_t max_records, uint64_t *removed)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_maintain: env is NULL");
	OL_ENV_CHECK(env);
	if (removed)
		*removed = 0;
	if (env->rdonly)
		return ol_err(OFFLOG_EREADONLY, "store %s was opened read-only", env->path);
	uint64_t done = 0;
	/* A dead reader's slot keeps the pages it saw from being reused: free
	 * those first, so that what this run removes can be reused. */
	db_reclaim_readers(env);
	pthread_mutex_lock(&env->maint.mu);
	int rc = retention_sweep(env, max_records, &done);
	if (rc == 0)
		rc = compact_all(env, max_records, &done);
	pthread_mutex_unlock(&env->maint.mu);
	if (removed)
		*removed = done;
	return rc;
}

/*
 * txn.c - user transactions: appends to any partitions and offset commits
 * of any groups, visible together at commit or not at all.
 *
 * A transaction is one LMDB write transaction held open until commit or
 * abort. It cannot be replayed after a full map the way single calls are
 * (its offsets were already handed out), so a full map fails it; the map is
 * grown when the failed transaction ends, ready for the caller's retry.
 */
#include "append.h"
#include "commit.h"
#include "consumer.h"
#include "db.h"
#include "env.h"
#include "group.h"
#include "names.h"
#include "registry.h"
#include "write.h"

#include <stdlib.h>

struct offlog_txn {
	offlog_env *env;
	ol_txn t;
	pthread_t owner;
	int failed;       /* the code that failed the transaction, or 0 */
};

OFFLOG_API int offlog_txn_begin(offlog_txn **out, offlog_env *env)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_txn_begin: NULL argument");
	OL_ENV_CHECK(env);
	*out = NULL;
	if (ol_thread_txn())
		return ol_err(OFFLOG_ETXN, "this thread already has an open transaction");
	offlog_txn *x = calloc(1, sizeof *x);
	if (!x)
		return ol_err(OFFLOG_ENOMEM, "offlog_txn_begin: out of memory");
	int rc = write_begin(&x->t, env);
	if (rc) {
		free(x);
		return rc;
	}
	x->env = env;
	x->owner = pthread_self();
	atomic_fetch_add(&env->handles, 1);
	ol_thread_set_txn(env);
	*out = x;
	return 0;
}

static int usable(offlog_txn *x)
{
	if (!x)
		return ol_err(OFFLOG_EINVAL, "transaction is NULL");
	if (!pthread_equal(x->owner, pthread_self()))
		return ol_err(OFFLOG_ETXN, "a transaction is used only by the thread that began it");
	/* A child's copy of its parent's transaction: committing it would
	 * commit the parent's writes, and the child's, behind its back. */
	if (ol_env_forked(x->env))
		return ol_err(OFFLOG_ESTATE,
		              "the transaction was begun before fork(); only offlog_txn_abort() frees it");
	if (x->failed)
		return ol_err(OFFLOG_ETXN, "the transaction failed earlier (%s); abort it and retry",
		              offlog_errname(x->failed));
	x->t.wrote = false;   /* so a call that fails after writing is noticed */
	return 0;
}

/* After an error: if LMDB's transaction took damage, or the call had
 * written part of its work, the whole transaction is lost; a rejected
 * argument leaves it intact. */
static int note(offlog_txn *x, int rc)
{
	if (rc && (x->t.broken || x->t.wrote))
		x->failed = rc;
	return rc;
}

static void finish(offlog_txn *x)
{
	int failed = x->failed;
	offlog_env *env = x->env;
	atomic_fetch_sub(&env->handles, 1);
	ol_thread_set_txn(NULL);
	free(x);
	if (failed == OFFLOG_EMAPFULL)
		db_map_grow(env);
}

OFFLOG_API int offlog_txn_append(int64_t *offset, int32_t *partition_out, offlog_txn *x,
                                 const char *topic, int32_t partition, const offlog_message *msg)
{
	int rc = usable(x);
	if (rc || (rc = ol_check_append_args(x->env, topic, partition, msg, 1)) != 0)
		return rc;
	int32_t used;
	int64_t base;
	if ((rc = note(x, ol_append_in(&x->t, topic, partition, msg, 1, &used, &base))) != 0)
		return rc;
	if (offset)
		*offset = base;
	if (partition_out)
		*partition_out = used;
	return 0;
}

OFFLOG_API int offlog_txn_commit_offsets(offlog_txn *x, const char *group,
                                         offlog_partition_offset *offsets, size_t count)
{
	int rc = usable(x);
	if (rc)
		return rc;
	return note(x, commit_write_list(&x->t, group, NULL, OL_GENERATION_ANY, offsets, count));
}

OFFLOG_API int offlog_txn_commit_offsets_member(offlog_txn *x, const char *group,
                                                const char *member_id, int64_t generation,
                                                offlog_partition_offset *offsets, size_t count)
{
	int rc = usable(x);
	if (rc)
		return rc;
	if ((rc = ol_check_group(group)) != 0)
		return rc;
	size_t n = member_id ? strnlen(member_id, OL_MEMBER_ID_MAX + 1) : 0;
	if (n == 0 || n > OL_MEMBER_ID_MAX)
		return ol_err(OFFLOG_EINVAL, "offlog_txn_commit_offsets_member: member_id must be a "
		                             "member id (1 to %d bytes)", OL_MEMBER_ID_MAX);
	if (generation < -1)   /* -1: a member that has not synchronised yet */
		return ol_err(OFFLOG_EINVAL, "generation %lld: a member's generation is >= -1",
		              (long long)generation);
	if (!offsets && count)
		return ol_err(OFFLOG_EINVAL, "offset list is NULL");
	/* The fencing reads only: a fenced call leaves the transaction usable. */
	return note(x, commit_write_list(&x->t, group, member_id, generation, offsets, count));
}

OFFLOG_API int offlog_txn_commit_consumer(offlog_txn *x, offlog_consumer *c)
{
	int rc = usable(x);
	if (rc)
		return rc;
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_txn_commit_consumer: consumer is NULL");
	if (!consumer_group(c))
		return ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	return note(x, consumer_commit_in(&x->t, c));
}

OFFLOG_API int offlog_txn_commit(offlog_txn *x)
{
	int rc = usable(x);
	if (rc) {
		if (x && pthread_equal(x->owner, pthread_self()))
			offlog_txn_abort(x);
		return rc;
	}
	if ((rc = write_finish(&x->t, 0)) != 0)
		x->failed = rc;
	finish(x);
	return rc;
}

OFFLOG_API void offlog_txn_abort(offlog_txn *x)
{
	/* From another thread, LMDB would unlock a mutex that thread does not
	 * hold: refuse, as documented, by doing nothing. */
	if (!x || !pthread_equal(x->owner, pthread_self()))
		return;
	db_abort(&x->t);
	finish(x);
}

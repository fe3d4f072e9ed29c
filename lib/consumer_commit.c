/*
 * consumer_commit.c - a consumer's public commit calls: commit,
 * commit_offsets, commit_async, committed, and its commit inside a user
 * transaction (offlog_txn_commit_consumer).
 *
 * Kafka's rule, kept here with commit_async.c: one consumer's commits take
 * effect in the order they were made. A synchronous commit first waits for
 * the asynchronous ones made before it (Kafka's commitSync() does too),
 * then runs their callbacks; a commit in a user transaction cannot wait
 * (the transaction holds the write lock the worker needs), so it writes
 * them first, in the transaction. What is committed, and how a member is
 * fenced, is commit.c's.
 */
#include "commit.h"
#include "consumer.h"
#include "db.h"
#include "group.h"
#include "write.h"

#include <stdlib.h>

typedef struct txn_commit {
	const char *group;
	ol_position *list;
	size_t n;
} txn_commit;

static int txn_store_fn(ol_txn *t, void *arg)
{
	txn_commit *a = arg;
	return commit_positions_store(t, a->group, a->list, a->n);
}

/* Fencing is checked before anything is written, so a fenced member's call
 * leaves the transaction usable. */
int consumer_commit_in(ol_txn *t, offlog_consumer *c)
{
	int rc = consumer_enter(c, "offlog_txn_commit_consumer");
	if (rc)
		return rc;
	ol_position *list = consumer_positions(c);
	rc = list ? commit_positions_check(t, c->group, member_id_of(c), list, c->nparts)
	          : ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	if (rc == 0) {
		txn_commit a = {c->group, list, c->nparts};
		rc = async_carry(t, c, txn_store_fn, &a);
	}
	if (rc == 0)
		consumer_note_tids(c, list);
	free(list);
	return consumer_leave(c, rc);
}

OFFLOG_API int offlog_consumer_commit(offlog_consumer *c)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_commit");
	if (rc)
		return rc;
	if (!c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	else
		rc = consumer_commit_positions(c);
	rc = async_deliver(c, rc);
	return consumer_leave(c, rc);
}

struct commit_args {
	const char *group;
	const char *member;   /* fenced by this member's ownership, or NULL */
	offlog_partition_offset *list;
	size_t count;
};

static int commit_fn(ol_txn *t, void *arg)
{
	struct commit_args *a = arg;
	return commit_write_list(t, a->group, a->member, OL_GENERATION_ANY, a->list, a->count);
}

OFFLOG_API int offlog_consumer_commit_offsets(offlog_consumer *c, offlog_partition_offset *offsets,
                                              size_t count)
{
	if (!c || (!offsets && count))
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit_offsets: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_commit_offsets");
	if (rc)
		return rc;
	struct commit_args a = {c->group, member_id_of(c), offsets, count};
	if (!c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	else if ((rc = async_wait(c)) == 0)
		rc = ol_write(c->env, commit_fn, &a);
	rc = async_deliver(c, rc);
	return consumer_leave(c, rc);
}

static int commit_async(offlog_consumer *c, offlog_commit_cb cb, void *opaque)
{
	if (!c->group)
		return ol_err(OFFLOG_ESTATE, "the consumer has no group: nothing to commit to");
	int rc = async_submit(c, member_id_of(c), cb, opaque);
	return rc ? rc : async_deliver(c, 0);
}

OFFLOG_API int offlog_consumer_commit_async(offlog_consumer *c, offlog_commit_cb cb, void *opaque)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_commit_async: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_commit_async");
	if (rc)
		return rc;
	rc = commit_async(c, cb, opaque);
	return consumer_leave(c, rc);
}

OFFLOG_API int offlog_consumer_committed(offlog_committed *out, offlog_consumer *c,
                                         const char *topic, int32_t partition)
{
	if (!c || !out)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_committed: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_committed");
	if (rc)
		return rc;
	/* The struct is judged before the consumer's state, as by
	 * offlog_group_committed(), which checks it again. */
	rc = ol_check_version(out->version, OFFLOG_COMMITTED_VERSION, "offlog_committed");
	if (rc == 0 && !c->group)
		rc = ol_err(OFFLOG_ESTATE, "the consumer has no group");
	if (rc == 0)
		rc = offlog_group_committed(out, c->env, c->group, topic, partition);
	return consumer_leave(c, rc);
}

/*
 * consumer.c - consumers: open and close, one thread at a time, assignment,
 * poll, and committing the positions (see consumer.h for the other files
 * of the consumer).
 *
 * Kafka rules mirrored here: the position is the next offset to return and
 * moves only with poll and seek; the committed offset moves only with a
 * commit. A poll first resolves every position (consumer_reset.c), so a
 * poll that fails changes no position.
 */
#include "consumer.h"

#include "clock.h"
#include "commit.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "names.h"
#include "record.h"
#include "registry.h"
#include "topic.h"
#include "wake.h"
#include "write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- one thread at a time, in one process ------------------------------- */

/* Its address tells the live threads apart. */
static _Thread_local char thread_mark;

static bool inherited(const offlog_consumer *c)
{
	return c->fork_gen != ol_fork_generation();
}

/* A second thread is turned away rather than let in to corrupt the
 * snapshot and positions the first is using: a cheap check of a documented
 * rule (one thread at a time), not a lock to wait on. */
int consumer_enter(offlog_consumer *c, const char *fn)
{
	if (inherited(c))
		return ol_err(OFFLOG_ESTATE,
		              "%s: the consumer was opened before fork(); open it again in this process", fn);
	uintptr_t me = (uintptr_t)&thread_mark, owner = 0;
	if (atomic_compare_exchange_strong_explicit(&c->owner, &owner, me, memory_order_acquire,
	                                            memory_order_relaxed)) {
		c->depth = 1;
		return 0;
	}
	if (owner != me)
		return ol_err(OFFLOG_ESTATE,
		              "%s: consumer used from two threads at once (another thread is inside a call on it)",
		              fn);
	c->depth++;
	return 0;
}

int consumer_leave(offlog_consumer *c, int rc)
{
	if (rc)
		snprintf(c->lasterr, sizeof c->lasterr, "%s", offlog_errmsg());
	if (--c->depth == 0)
		atomic_store_explicit(&c->owner, 0, memory_order_release);
	return rc;
}

int consumer_leave_changed(offlog_consumer *c, int rc)
{
	if (rc == 0)
		ol_notify_signal(&c->note);
	return consumer_leave(c, rc);
}

bool consumer_nested(const offlog_consumer *c)
{
	return c->depth > 1;
}

static int nested_error(const char *fn)
{
	return ol_err(OFFLOG_ESTATE, "%s: called from a callback of the consumer", fn);
}

OFFLOG_API int offlog_consumer_options_init(offlog_consumer_options *opts)
{
	if (!opts)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_options_init: opts is NULL");
	const offlog_consumer_options d = OFFLOG_CONSUMER_OPTIONS_INIT;
	*opts = d;
	return 0;
}

static int check_options(offlog_consumer_options *o, const offlog_consumer_options *in)
{
	offlog_consumer_options_init(o);
	if (!in)
		return 0;
	if (in->version < 1 || in->version > OFFLOG_CONSUMER_OPTIONS_VERSION)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_options.version %u is not supported",
		              in->version);
	/* A version 1 caller's struct ends at `isolation`. */
	if (in->version == 1)
		memcpy(o, in, offsetof(offlog_consumer_options, session_timeout_ms));
	else
		*o = *in;
	o->version = OFFLOG_CONSUMER_OPTIONS_VERSION;
	if (o->session_timeout_ms < 1 || o->heartbeat_interval_ms < 1 ||
	    o->heartbeat_interval_ms >= o->session_timeout_ms)
		return ol_err(OFFLOG_EINVAL,
		              "heartbeat_interval_ms %u and session_timeout_ms %u: need 0 < heartbeat < session",
		              o->heartbeat_interval_ms, o->session_timeout_ms);
	if (o->max_poll_interval_ms < 1)
		return ol_err(OFFLOG_EINVAL, "max_poll_interval_ms must be >= 1");
	if (o->assignor < OFFLOG_ASSIGNOR_RANGE || o->assignor > OFFLOG_ASSIGNOR_COOPERATIVE_STICKY)
		return ol_err(OFFLOG_EINVAL, "unknown assignor %d", o->assignor);
	if (o->group_instance_id) {
		size_t n = strnlen(o->group_instance_id, OFFLOG_GROUP_MAX + 1);
		if (n == 0 || n > OFFLOG_GROUP_MAX)
			return ol_err(OFFLOG_EINVAL, "group_instance_id: 1 to %d bytes", OFFLOG_GROUP_MAX);
		int rc = ol_check_group(o->group_instance_id);
		if (rc)
			return ol_err(OFFLOG_EINVAL, "group_instance_id: %s", offlog_errmsg());
	}
	if (o->auto_offset_reset < OFFLOG_RESET_LATEST || o->auto_offset_reset > OFFLOG_RESET_BY_DURATION)
		return ol_err(OFFLOG_EINVAL, "unknown auto_offset_reset %d", o->auto_offset_reset);
	if (o->reset_duration_ms < 0)
		return ol_err(OFFLOG_EINVAL, "reset_duration_ms %lld: must be >= 0",
		              (long long)o->reset_duration_ms);
	if (o->max_poll_records < 1 || o->max_poll_records > 1000000)
		return ol_err(OFFLOG_EINVAL, "max_poll_records %u: must be in [1, 1000000]",
		              o->max_poll_records);
	if (o->max_poll_bytes < 1)
		return ol_err(OFFLOG_EINVAL, "max_poll_bytes must be >= 1");
	if (o->isolation != OFFLOG_ISOLATION_DURABLE && o->isolation != OFFLOG_ISOLATION_COMMITTED)
		return ol_err(OFFLOG_EINVAL, "unknown isolation %d", o->isolation);
	return 0;
}

OFFLOG_API int offlog_consumer_open(offlog_consumer **out, offlog_env *env, const char *group,
                                    const offlog_consumer_options *opts)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_open: NULL argument");
	*out = NULL;
	OL_ENV_CHECK(env);
	int rc;
	if (group && (rc = ol_check_group(group)) != 0)
		return rc;
	offlog_consumer *c = calloc(1, sizeof *c);
	if (!c)
		return ol_err(OFFLOG_ENOMEM, "offlog_consumer_open: out of memory");
	if ((rc = check_options(&c->opts, opts)) != 0) {
		free(c);
		return rc;
	}
	c->recs = calloc(c->opts.max_poll_records, sizeof *c->recs);
	c->group = group ? strdup(group) : NULL;
	c->instance = c->opts.group_instance_id ? strdup(c->opts.group_instance_id) : NULL;
	bool instance_lost = c->opts.group_instance_id && !c->instance;
	c->opts.group_instance_id = c->instance;
	if (!c->recs || (group && !c->group) || instance_lost) {
		free(c->recs);
		free(c->group);
		free(c->instance);
		free(c);
		return ol_err(OFFLOG_ENOMEM, "offlog_consumer_open: out of memory");
	}
	c->env = env;
	c->fork_gen = env->fork_gen;
	atomic_init(&c->owner, 0);
	atomic_init(&c->wakeup, false);
	ol_notify_init(&c->note);
	c->last_auto_commit = ol_mono_ms();
	atomic_fetch_add(&env->handles, 1);
	*out = c;
	return 0;
}

static void free_parts(offlog_consumer *c)
{
	for (size_t i = 0; i < c->nparts; i++)
		free(c->parts[i].topic);
	free(c->parts);
	free(c->view);
	c->parts = NULL;
	c->view = NULL;
	c->nparts = 0;
}

struct cpart *consumer_find(offlog_consumer *c, const char *topic, int32_t partition)
{
	if (!topic)
		return NULL;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].partition == partition && !strcmp(c->parts[i].topic, topic))
			return &c->parts[i];
	return NULL;
}

int consumer_find_assigned(struct cpart **cp, offlog_consumer *c, const char *topic,
                           int32_t partition)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "consumer is NULL");
	int rc = ol_check_topic_name(topic);
	if (rc)
		return rc;
	if (!(*cp = consumer_find(c, topic, partition)))
		return ol_err(OFFLOG_ESTATE, "%s/%d is not assigned to this consumer", topic, partition);
	return 0;
}

const char *consumer_group(const offlog_consumer *c)
{
	return c->group;
}

/* ---- assignment --------------------------------------------------------- */

static int cmp_tp(const void *a, const void *b)
{
	const offlog_topic_partition *x = *(const offlog_topic_partition *const *)a;
	const offlog_topic_partition *y = *(const offlog_topic_partition *const *)b;
	int r = strcmp(x->topic, y->topic);
	return r ? r : (x->partition > y->partition) - (x->partition < y->partition);
}

static int check_assignment(offlog_consumer *c, const offlog_topic_partition *tps, size_t n)
{
	ol_txn t;
	ol_topic tp;
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = ol_check_topic_name(tps[i].topic);
	if (rc || n == 0)
		return rc;
	const offlog_topic_partition **sorted = malloc(n * sizeof *sorted);
	if (!sorted)
		return ol_err(OFFLOG_ENOMEM, "offlog_consumer_assign: out of memory");
	for (size_t i = 0; i < n; i++)
		sorted[i] = &tps[i];
	qsort(sorted, n, sizeof *sorted, cmp_tp);
	for (size_t i = 1; i < n && rc == 0; i++)
		if (cmp_tp(&sorted[i - 1], &sorted[i]) == 0)
			rc = ol_err(OFFLOG_EINVAL, "%s/%d appears twice in the assignment", sorted[i]->topic,
			            sorted[i]->partition);
	free(sorted);
	if (rc || (rc = db_read_begin(&t, c->env)) != 0)
		return rc;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = topic_get_part(&t, tps[i].topic, tps[i].partition, &tp);
	db_abort(&t);
	return rc;
}

static int cmp_cpart(const void *a, const void *b)
{
	const struct cpart *x = *(const struct cpart *const *)a;
	const struct cpart *y = *(const struct cpart *const *)b;
	int r = strcmp(x->topic, y->topic);
	return r ? r : (x->partition > y->partition) - (x->partition < y->partition);
}

/* As Kafka's assign(): a partition that stays assigned keeps its position
 * (with the topic id it belongs to) and its paused state, so progress not
 * yet committed is not read again. */
static void keep_positions(offlog_consumer *c, struct cpart *parts, size_t n)
{
	struct cpart **old = c->nparts ? malloc(c->nparts * sizeof *old) : NULL;
	for (size_t i = 0; old && i < c->nparts; i++)
		old[i] = &c->parts[i];
	if (old)
		qsort(old, c->nparts, sizeof *old, cmp_cpart);
	for (size_t i = 0; i < n && c->nparts; i++) {
		const struct cpart *was;
		if (old) {
			struct cpart *key = &parts[i], **hit;
			hit = bsearch(&key, old, c->nparts, sizeof *old, cmp_cpart);
			was = hit ? *hit : NULL;
		} else {   /* no memory for the sort: one at a time */
			was = consumer_find(c, parts[i].topic, parts[i].partition);
		}
		if (!was)
			continue;
		parts[i].tid = was->tid;
		parts[i].position = was->position;
		parts[i].paused = was->paused;
	}
	free(old);
}

static int assign(offlog_consumer *c, const offlog_topic_partition *tps, size_t count)
{
	if (c->gm)
		return ol_err(OFFLOG_ESTATE, "the consumer is subscribed: unsubscribe before assigning");
	int rc = check_assignment(c, tps, count);
	if (rc)
		return rc;
	struct cpart *parts = calloc(count ? count : 1, sizeof *parts);
	offlog_topic_partition *view = calloc(count ? count : 1, sizeof *view);
	bool ok = parts && view;
	for (size_t i = 0; ok && i < count; i++) {
		ok = (parts[i].topic = strdup(tps[i].topic)) != NULL;
		parts[i].partition = tps[i].partition;
		parts[i].position = OFFLOG_OFFSET_INVALID;
		view[i].topic = parts[i].topic;
		view[i].partition = parts[i].partition;
	}
	if (!ok) {
		for (size_t i = 0; parts && i < count; i++)
			free(parts[i].topic);
		free(parts);
		free(view);
		return ol_err(OFFLOG_ENOMEM, "offlog_consumer_assign: out of memory");
	}
	snap_release(&c->snap);   /* returned records point at the old names */
	/* As Kafka's assign(): commit the old assignment's positions first. A
	 * failure there must not block the new assignment. */
	if (consumer_auto_commit_on(c))
		consumer_commit_positions(c);
	keep_positions(c, parts, count);
	free_parts(c);
	c->parts = parts;
	c->view = view;
	c->nparts = count;
	c->turn = 0;
	c->manual = count > 0;
	return 0;
}

OFFLOG_API int offlog_consumer_assign(offlog_consumer *c, const offlog_topic_partition *tps,
                                      size_t count)
{
	if (!c || (!tps && count))
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_assign: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_assign");
	if (rc)
		return rc;
	/* From a callback inside poll, the partitions poll is reading would go. */
	rc = consumer_nested(c) ? nested_error("offlog_consumer_assign") : assign(c, tps, count);
	return consumer_leave_changed(c, rc);
}

/* ---- assignment changes of a group member -------------------------------- */

static int rebuild_view(offlog_consumer *c)
{
	offlog_topic_partition *view = calloc(c->nparts ? c->nparts : 1, sizeof *view);
	if (!view)
		return ol_err(OFFLOG_ENOMEM, "consumer: out of memory");
	for (size_t i = 0; i < c->nparts; i++)
		view[i] = (offlog_topic_partition){c->parts[i].topic, c->parts[i].partition};
	free(c->view);
	c->view = view;
	return 0;
}

int consumer_parts_add(offlog_consumer *c, const offlog_topic_partition *tps, size_t n)
{
	struct cpart *parts = realloc(c->parts, (c->nparts + n + 1) * sizeof *parts);
	if (!parts)
		return ol_err(OFFLOG_ENOMEM, "consumer: out of memory");
	c->parts = parts;
	for (size_t i = 0; i < n; i++) {   /* the caller adds only partitions not yet here */
		struct cpart *cp = &c->parts[c->nparts];
		memset(cp, 0, sizeof *cp);
		if (!(cp->topic = strdup(tps[i].topic)))
			return ol_err(OFFLOG_ENOMEM, "consumer: out of memory");
		cp->partition = tps[i].partition;
		cp->position = OFFLOG_OFFSET_INVALID;
		c->nparts++;
	}
	return rebuild_view(c);
}

static int cmp_tpart(const void *a, const void *b)
{
	const offlog_topic_partition *x = a, *y = b;
	int r = strcmp(x->topic, y->topic);
	return r ? r : (x->partition > y->partition) - (x->partition < y->partition);
}

void consumer_parts_remove(offlog_consumer *c, const offlog_topic_partition *tps, size_t n)
{
	offlog_topic_partition *sorted = n > 1 ? malloc(n * sizeof *sorted) : NULL;
	if (sorted) {   /* one pass, each partition looked up by binary search */
		memcpy(sorted, tps, n * sizeof *sorted);
		qsort(sorted, n, sizeof *sorted, cmp_tpart);
		size_t k = 0;
		for (size_t i = 0; i < c->nparts; i++) {
			offlog_topic_partition key = {c->parts[i].topic, c->parts[i].partition};
			if (bsearch(&key, sorted, n, sizeof key, cmp_tpart))
				free(c->parts[i].topic);
			else
				c->parts[k++] = c->parts[i];
		}
		c->nparts = k;
		free(sorted);
	} else {   /* one, or no memory for the sort: one at a time */
		for (size_t i = 0; i < n; i++) {
			struct cpart *cp = consumer_find(c, tps[i].topic, tps[i].partition);
			if (!cp)
				continue;
			free(cp->topic);
			*cp = c->parts[--c->nparts];
		}
	}
	c->turn = 0;
	/* Fewer entries than before: the view is rebuilt in place. */
	for (size_t i = 0; c->view && i < c->nparts; i++)
		c->view[i] = (offlog_topic_partition){c->parts[i].topic, c->parts[i].partition};
}

OFFLOG_API int offlog_consumer_assignment(const offlog_topic_partition **partitions,
                                          size_t *count, offlog_consumer *c)
{
	if (!partitions || !count || !c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_assignment: NULL argument");
	int rc = consumer_enter(c, "offlog_consumer_assignment");
	if (rc)
		return rc;
	*partitions = c->view;
	*count = c->nparts;
	return consumer_leave(c, 0);
}

static int set_paused(offlog_consumer *c, const offlog_topic_partition *tps, size_t n, bool on,
                      const char *fn)
{
	if (!c || (!tps && n))
		return ol_err(OFFLOG_EINVAL, "%s: NULL argument", fn);
	int rc = consumer_enter(c, fn);
	if (rc)
		return rc;
	struct cpart *cp;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = consumer_find_assigned(&cp, c, tps[i].topic, tps[i].partition);
	for (size_t i = 0; i < n && rc == 0; i++)
		consumer_find(c, tps[i].topic, tps[i].partition)->paused = on;
	return consumer_leave_changed(c, rc);
}

OFFLOG_API int offlog_consumer_pause(offlog_consumer *c, const offlog_topic_partition *tps,
                                     size_t count)
{
	return set_paused(c, tps, count, true, "offlog_consumer_pause");
}

OFFLOG_API int offlog_consumer_resume(offlog_consumer *c, const offlog_topic_partition *tps,
                                      size_t count)
{
	return set_paused(c, tps, count, false, "offlog_consumer_resume");
}

/* ---- committing positions ------------------------------------------------ */

bool consumer_auto_commit_on(const offlog_consumer *c)
{
	return c->opts.enable_auto_commit && c->group;
}

ol_position *consumer_positions(const offlog_consumer *c)
{
	ol_position *list = malloc((c->nparts ? c->nparts : 1) * sizeof *list);
	for (size_t i = 0; list && i < c->nparts; i++) {
		const struct cpart *cp = &c->parts[i];
		list[i] = (ol_position){cp->topic, cp->tid, cp->partition, cp->position, true};
	}
	return list;
}

void consumer_note_tids(offlog_consumer *c, const ol_position *list)
{
	for (size_t i = 0; i < c->nparts; i++)
		if (!list[i].skipped)
			c->parts[i].tid = list[i].tid;
}

/* Which positions are committed: see commit.c. A group member commits only
 * what it owns. */
static int positions_fn(ol_txn *t, void *arg)
{
	offlog_consumer *c = arg;
	ol_position *list = consumer_positions(c);
	if (!list)
		return ol_err(OFFLOG_ENOMEM, "commit: out of memory");
	int rc = commit_positions(t, c->group, member_id_of(c), list, c->nparts);
	if (rc == 0)
		consumer_note_tids(c, list);
	free(list);
	return rc;
}

int consumer_commit_positions(offlog_consumer *c)
{
	int rc = async_wait(c);
	if (rc)
		return rc;
	for (size_t i = 0; i < c->nparts; i++)
		if (c->parts[i].position != OFFLOG_OFFSET_INVALID)
			return ol_write(c->env, positions_fn, c);
	return 0;
}

/* ---- poll --------------------------------------------------------------- */

static int poll_once(offlog_consumer *c, size_t *count)
{
	ol_txn *t = &c->snap.t;
	size_t n = 0, budget = c->opts.max_poll_records;
	uint64_t bytes = 0;
	int rc;
	/* First every position, so a failure leaves all of them untouched. */
	for (size_t i = 0; i < c->nparts; i++) {
		struct cpart *cp = &c->parts[i];
		ol_part p;
		if (cp->paused)
			continue;
		rc = consumer_load(t, cp, &p);
		if (c->gm && (rc == OFFLOG_ENOTOPIC || rc == OFFLOG_ENOPART)) {
			/* A group member's partition whose topic was deleted: nothing
			 * to read until the rebalance that follows revokes it. */
			cp->next = cp->end = cp->position;
			cp->lost_from = OFFLOG_OFFSET_INVALID;
			continue;
		}
		if (rc || (rc = consumer_resolve(c, t, cp, &p, &cp->next, &cp->lost_from)) != 0)
			return rc;
		cp->lost_to = p.log_start - 1;
		cp->end = part_read_end(&p, c->opts.isolation);
		cp->pid = p.pid;
	}
	for (size_t k = 0; k < c->nparts && budget > 0 && bytes < c->opts.max_poll_bytes; k++) {
		struct cpart *cp = &c->parts[(c->turn + k) % c->nparts];
		size_t got;
		if (cp->paused)
			continue;
		rc = log_read(t, &c->snap.rd, cp->pid, cp->partition, cp->topic, cp->next, cp->end, budget,
		              c->opts.max_poll_bytes - bytes, c->recs + n, &got, &cp->next);
		if (rc)
			return rc;
		for (size_t j = n; j < n + got; j++)
			bytes += rec_payload(&c->recs[j]);
		n += got;
		budget -= got;
	}
	for (size_t i = 0; i < c->nparts; i++)
		if (!c->parts[i].paused)
			c->parts[i].position = c->parts[i].next;
	for (size_t i = 0; c->opts.on_records_lost && i < c->nparts; i++) {
		struct cpart *cp = &c->parts[i];
		if (!cp->paused && cp->lost_from != OFFLOG_OFFSET_INVALID)
			c->opts.on_records_lost(c->opts.records_lost_opaque, c, cp->topic, cp->partition,
			                        cp->lost_from, cp->lost_to);
	}
	if (c->nparts)
		c->turn = (c->turn + 1) % c->nparts;
	*count = n;
	return 0;
}

static void maybe_auto_commit(offlog_consumer *c)
{
	if (!consumer_auto_commit_on(c))
		return;
	int64_t now = ol_mono_ms();
	if (now - c->last_auto_commit < (int64_t)c->opts.auto_commit_interval_ms)
		return;
	c->last_auto_commit = now;
	/* Commits what the previous poll returned (positions have not moved
	 * since). A failure is retried at the next interval. */
	consumer_commit_positions(c);
}

static int woken(offlog_consumer *c)
{
	if (!atomic_exchange(&c->wakeup, false))
		return 0;
	return ol_err(OFFLOG_EWAKEUP, "offlog_consumer_poll: woken by offlog_consumer_wakeup()");
}

static int poll_wait(size_t *count, offlog_consumer *c, int timeout_ms)
{
	/* Before anything is read: a commit from now on makes it readable. */
	ol_notify_drain(&c->note);
	int wrc = woken(c);
	if (wrc)
		return wrc;
	snap_release(&c->snap);
	db_grow_early(c->env);
	async_deliver(c, 0);
	member_note_poll(c);
	maybe_auto_commit(c);
	int64_t deadline = ol_mono_ms() + timeout_ms;
	for (;;) {
		uint64_t seen = ol_wake_seq(c->env);
		size_t n = 0;
		int rc = c->gm ? member_poll(c) : 0;
		if (rc == 0)
			rc = snap_open(&c->snap, c->env);
		if (rc == 0)
			rc = poll_once(c, &n);
		if (rc == 0 && n > 0) {
			*count = n;
			return 0;
		}
		snap_release(&c->snap);
		db_grow_early(c->env);
		if (rc || timeout_ms == 0)
			return rc;
		if ((rc = woken(c)) != 0)
			return rc;
		int64_t wait = 1000;
		if (timeout_ms > 0) {
			int64_t left = deadline - ol_mono_ms();
			if (left <= 0)
				return 0;
			if (left < wait)
				wait = left;
		}
		ol_wait_append(c->env, seen, ol_wait_slice_ms(c->env, wait));
	}
}

OFFLOG_API int offlog_consumer_poll(const offlog_record **records, size_t *count,
                                    offlog_consumer *c, int timeout_ms)
{
	if (!records || !count || !c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_poll: NULL argument");
	*records = c->recs;
	*count = 0;
	int rc = consumer_enter(c, "offlog_consumer_poll");
	if (rc)
		return rc;
	if (timeout_ms < -1)
		rc = ol_err(OFFLOG_EINVAL, "timeout_ms %d: must be >= -1", timeout_ms);
	else if (consumer_nested(c))
		rc = nested_error("offlog_consumer_poll");
	else
		rc = poll_wait(count, c, timeout_ms);
	return consumer_leave(c, rc);
}

OFFLOG_API int offlog_consumer_release(offlog_consumer *c)
{
	if (!c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_release: consumer is NULL");
	int rc = consumer_enter(c, "offlog_consumer_release");
	if (rc)
		return rc;
	snap_release(&c->snap);
	db_grow_early(c->env);
	return consumer_leave(c, 0);
}

/* No consumer_enter: another thread may be inside poll, and a signal
 * handler may be the caller. Only atomics and system calls. */
OFFLOG_API int offlog_consumer_wakeup(offlog_consumer *c)
{
	if (!c)
		return OFFLOG_EINVAL;   /* no detail: ol_err is not async-signal-safe */
	int saved = errno;   /* a signal handler's caller keeps its errno */
	atomic_store(&c->wakeup, true);
	ol_notify_signal(&c->note);
	ol_wake_interrupt(c->env);
	errno = saved;
	return 0;
}

OFFLOG_API int offlog_consumer_fd(int *fd, offlog_consumer *c)
{
	if (!fd || !c)
		return ol_err(OFFLOG_EINVAL, "offlog_consumer_fd: NULL argument");
	*fd = -1;
	int rc = consumer_enter(c, "offlog_consumer_fd");
	if (rc)
		return rc;
	if (atomic_load(&c->note.rfd) < 0) {
		if ((rc = ol_notify_open(&c->note)) == 0 && (rc = wake_watch(c->env, &c->note)) != 0)
			ol_notify_close(&c->note);
		/* Readable at first: what is there already is found by a poll. */
		if (rc == 0)
			ol_notify_signal(&c->note);
	}
	if (rc == 0)
		*fd = atomic_load(&c->note.rfd);
	return consumer_leave(c, rc);
}

OFFLOG_API const char *offlog_consumer_errmsg(offlog_consumer *c)
{
	return c ? c->lasterr : "";
}

/* LMDB objects of consumers inherited across fork(): freeing them would
 * give up the parent's reader slot, so they stay allocated (and reachable)
 * for the child's life, as the environment's do. */
typedef struct kept {
	struct kept *next;
	size_t n;
	unsigned char bytes[];
} kept;
static _Atomic(kept *) kept_list;

static void keep_reachable(const void *p, size_t n)
{
	kept *k = malloc(sizeof *k + n);
	if (!k)
		return;
	k->n = n;
	memcpy(k->bytes, p, n);
	k->next = atomic_load(&kept_list);
	while (!atomic_compare_exchange_weak(&kept_list, &k->next, k))
		;
}

/* Close in a forked child: free this process's memory, nothing else. The
 * heartbeat and commit threads are the parent's; the group, the commits
 * and the reader slot too. */
static int close_inherited(offlog_consumer *c)
{
	if (atomic_load(&c->owner) != 0)   /* its state may be half changed */
		return ol_err(OFFLOG_ESTATE, "offlog_consumer_close: the consumer was opened before "
		                             "fork() and was in use at the fork: it is not freed");
	member_forget(c);
	if (!async_forget(c))
		keep_reachable(&c->ac, sizeof c->ac);
	if (c->snap.have || c->snap.rd.open)
		keep_reachable(&c->snap, sizeof c->snap);
	free_parts(c);
	free(c->instance);
	free(c->recs);
	free(c->group);
	ol_notify_close(&c->note);
	free(c);
	return 0;
}

/* Would closing write, or wait for writes? */
static bool close_writes(const offlog_consumer *c)
{
	return c->ac || c->gm || consumer_auto_commit_on(c);
}

static int close_entered(offlog_consumer *c)
{
	snap_release(&c->snap);
	int rc = consumer_auto_commit_on(c) ? consumer_commit_positions(c) : async_wait(c);
	rc = async_deliver(c, rc);
	int mrc = member_close(c);   /* on_revoked may commit, asynchronously too */
	rc = async_stop(c, rc ? rc : mrc);
	snap_free(&c->snap);
	free_parts(c);
	free(c->instance);
	if (atomic_load(&c->note.rfd) >= 0) {
		wake_unwatch(c->env, &c->note);
		ol_notify_close(&c->note);
	}
	atomic_fetch_sub(&c->env->handles, 1);
	free(c->recs);
	free(c->group);
	free(c);
	return rc;
}

OFFLOG_API int offlog_consumer_close(offlog_consumer *c)
{
	if (!c)
		return 0;
	if (inherited(c))
		return close_inherited(c);
	int rc = consumer_enter(c, "offlog_consumer_close");
	if (rc)
		return rc;
	if (consumer_nested(c))
		rc = nested_error("offlog_consumer_close");
	else if (ol_thread_txn() == c->env && close_writes(c))
		rc = ol_err(OFFLOG_ETXN, "offlog_consumer_close: this thread has a transaction open, which "
		                         "the consumer's commits would wait for: close it after the transaction");
	else
		return close_entered(c);
	return consumer_leave(c, rc);
}

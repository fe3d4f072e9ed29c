/*
 * group_admin.c - looking at and changing a group from outside: describe,
 * list, delete, reset offsets (kafka-consumer-groups.sh's operations).
 *
 * It sees a group's membership through group.c and its offsets through
 * commit.c, the owners of T_GROUPS and T_COMMITS: it decodes no key.
 */
#include "clock.h"
#include "commit.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "topic.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- the group's committed offsets ---------------------------------------- */

typedef struct gcommit {
	ol_tp tp;
	int64_t offset;
} gcommit;

/* In key order: by topic id, then partition. */
static int cmp_gcommit(const void *a, const void *b)
{
	return tp_cmp(&((const gcommit *)a)->tp, &((const gcommit *)b)->tp);
}

typedef struct gcommits {
	gcommit *list;
	size_t n, cap;
} gcommits;

static int add_commit(void *arg, const char *group, uint32_t tid, int32_t part,
                      const offlog_committed *cm)
{
	gcommits *g = arg;
	if (g->n == g->cap) {
		gcommit *m = realloc(g->list, (g->cap = g->cap ? 2 * g->cap : 16) * sizeof *m);
		if (!m)
			return ol_err(OFFLOG_ENOMEM, "group %s: out of memory", group);
		g->list = m;
	}
	g->list[g->n++] = (gcommit){{tid, part}, cm->offset};
	return 0;
}

/* Every committed offset of the group, in key order. */
static int commits_of(ol_txn *t, const char *group, gcommit **out, size_t *n)
{
	gcommits g = {NULL, 0, 0};
	int rc = commit_each(t, group, add_commit, &g);
	if (rc) {
		free(g.list);
		g.list = NULL;
		g.n = 0;
	}
	*out = g.list;
	*n = g.n;
	return rc;
}

static int live_members(ol_txn *t, const char *group, ol_member **all, size_t *n, size_t *live)
{
	int rc = group_members(t, group, all, n);
	int64_t now = ol_now_ms();
	*live = 0;
	for (size_t i = 0; rc == 0 && i < *n; i++)
		*live += group_member_live(&(*all)[i], now);
	return rc;
}

/* ---- describe ------------------------------------------------------------- */

static void free_tps(const offlog_topic_partition *tps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)tps[i].topic);
	free((void *)tps);
}

OFFLOG_API void offlog_group_description_free(offlog_group_description *d)
{
	if (!d)
		return;
	for (size_t i = 0; d->members && i < d->member_count; i++) {
		const offlog_group_member *m = &d->members[i];
		free((char *)m->member_id);
		free((char *)m->instance_id);
		free_tps(m->owned, m->owned_count);
		free_tps(m->target, m->target_count);
		for (size_t j = 0; j < m->subscription_count; j++)
			free((char *)m->subscription[j]);
		free((void *)m->subscription);
	}
	for (size_t i = 0; d->partitions && i < d->partition_count; i++) {
		free((char *)d->partitions[i].topic);
		free((char *)d->partitions[i].member_id);
	}
	free((void *)d->members);
	free((void *)d->partitions);
	free((char *)d->group);
	free(d);
}

/* (tid, part) list as named topic-partitions; deleted topics left out. */
static int named(ol_txn *t, const ol_tp *tps, uint32_t n, const offlog_topic_partition **out,
                 size_t *count)
{
	offlog_topic_partition *v = calloc(n + 1, sizeof *v);
	*out = v;
	*count = 0;
	if (!v)
		return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	for (uint32_t i = 0; i < n; i++) {
		char name[OFFLOG_NAME_MAX + 1];
		int rc = topic_name_of(t, tps[i].tid, name, sizeof name);
		if (rc == OFFLOG_ENOTOPIC)
			continue;
		if (rc)
			return rc;
		if (!(v[*count].topic = strdup(name)))
			return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
		v[(*count)++].partition = tps[i].part;
	}
	return 0;
}

/* Collected in any order, with repeats; sorted and made unique after. */
static int add_tp(ol_tp **list, size_t *n, size_t *cap, uint32_t tid, int32_t part)
{
	if (*n == *cap) {
		ol_tp *m = realloc(*list, (*cap = *cap ? 2 * *cap : 32) * sizeof *m);
		if (!m)
			return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
		*list = m;
	}
	(*list)[(*n)++] = (ol_tp){tid, part};
	return 0;
}

static int cmp_gpart(const void *a, const void *b)
{
	const offlog_group_partition *x = a, *y = b;
	int r = strcmp(x->topic, y->topic);
	return r ? r : (x->partition > y->partition) - (x->partition < y->partition);
}

/* What describe reads once, and the partitions its table lists. */
typedef struct desc {
	ol_txn *t;
	int64_t now;
	ol_group g;
	ol_member *all;   /* every member record */
	size_t n, live;
	gcommit *cm;      /* the committed offsets, in key order */
	size_t ncm;
	ol_tp *parts;     /* collected in any order, with repeats */
	size_t np, cap;
} desc;

static int describe_member(ol_txn *t, const ol_member *m, offlog_group_member *o)
{
	const char **subs = calloc(m->ntopics + 1, sizeof *subs);
	o->subscription = subs;
	o->pid = (int32_t)m->pid;
	o->last_heartbeat_ms = m->heartbeat_ms;
	if (!(o->member_id = strdup(m->id)) || (m->instance[0] && !(o->instance_id = strdup(m->instance))) ||
	    !subs)
		return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	for (uint32_t j = 0; j < m->ntopics; j++) {
		if (!(subs[o->subscription_count] = strdup(m->topics[j])))
			return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
		o->subscription_count++;
	}
	int rc = named(t, m->owned, m->nowned, &o->owned, &o->owned_count);
	return rc ? rc : named(t, m->target, m->ntarget, &o->target, &o->target_count);
}

/* Kafka's Stable: the member caught up with the generation and owns
 * exactly its target. */
static bool member_stable(const ol_member *m, int64_t generation)
{
	bool stable = m->generation == generation && m->nowned == m->ntarget;
	for (uint32_t j = 0; stable && j < m->nowned; j++)
		stable = tp_in(m->target, m->ntarget, m->owned[j].tid, m->owned[j].part);
	return stable;
}

/* Every partition of the member's subscribed topics belongs in the table. */
static int add_subscribed(desc *x, const ol_member *m)
{
	int rc = 0;
	for (uint32_t j = 0; j < m->ntopics && rc == 0; j++) {
		ol_topic tp;
		int e = topic_get(x->t, m->topics[j], &tp);
		if (e == OFFLOG_ENOTOPIC)
			continue;
		rc = e;
		for (int32_t p = 0; p < tp.partitions && rc == 0; p++)
			rc = add_tp(&x->parts, &x->np, &x->cap, tp.id, p);
	}
	return rc;
}

static int describe_members(desc *x, offlog_group_description *d)
{
	offlog_group_member *members = calloc(x->live + 1, sizeof *members);
	d->members = members;
	if (!members)
		return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	bool stable = true;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < x->n; i++) {
		const ol_member *m = &x->all[i];
		if (!group_member_live(m, x->now))
			continue;
		rc = describe_member(x->t, m, &members[d->member_count++]);
		stable &= member_stable(m, x->g.generation);
		if (rc == 0)
			rc = add_subscribed(x, m);
	}
	d->state = x->live == 0 ? "Empty" : stable ? "Stable" : "Rebalancing";
	return rc;
}

static int64_t committed_of(const desc *x, ol_tp tp)
{
	gcommit want = {tp, 0};
	const gcommit *found = x->ncm ? bsearch(&want, x->cm, x->ncm, sizeof *x->cm, cmp_gcommit) : NULL;
	return found ? found->offset : OFFLOG_OFFSET_INVALID;
}

/* The next row of the table, o; a partition of a deleted topic (its
 * offsets not purged yet) has none. */
static int describe_partition(desc *x, ol_tp tp, offlog_group_partition *o, size_t *count)
{
	char name[OFFLOG_NAME_MAX + 1];
	ol_part p;
	int rc = topic_name_of(x->t, tp.tid, name, sizeof name);
	if (rc == OFFLOG_ENOTOPIC)
		return 0;
	if (rc || (rc = part_get(x->t, tp.tid, tp.part, &p)) != 0)
		return rc;
	if (!(o->topic = strdup(name)))
		return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	++*count;
	o->partition = tp.part;
	o->committed = committed_of(x, tp);
	o->log_start_offset = p.log_start;
	o->log_end_offset = p.leo;
	o->high_watermark = p.hw;
	o->lag = o->committed == OFFLOG_OFFSET_INVALID ? OFFLOG_LAG_UNKNOWN
	         : p.hw > o->committed                ? p.hw - o->committed
	                                              : 0;
	for (size_t j = 0; j < x->n; j++)
		if (group_member_live(&x->all[j], x->now) &&
		    group_member_owns(&x->all[j], tp.tid, tp.part) && !(o->member_id = strdup(x->all[j].id)))
			rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	return rc;
}

/* The members' partitions and those with a committed offset, each once. */
static int describe_partitions(desc *x, offlog_group_description *d)
{
	int rc = 0;
	for (size_t i = 0; i < x->ncm && rc == 0; i++)
		rc = add_tp(&x->parts, &x->np, &x->cap, x->cm[i].tp.tid, x->cm[i].tp.part);
	if (rc)
		return rc;
	if (x->np > 1) {
		tp_sort(x->parts, (uint32_t)x->np);
		size_t k = 1;
		for (size_t i = 1; i < x->np; i++)
			if (tp_cmp(&x->parts[i], &x->parts[k - 1]) != 0)
				x->parts[k++] = x->parts[i];
		x->np = k;
	}
	offlog_group_partition *gp = calloc(x->np + 1, sizeof *gp);
	d->partitions = gp;
	if (!gp)
		return ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	for (size_t i = 0; i < x->np && rc == 0; i++)
		rc = describe_partition(x, x->parts[i], &gp[d->partition_count], &d->partition_count);
	if (rc == 0)
		qsort(gp, d->partition_count, sizeof *gp, cmp_gpart);
	return rc;
}

static int describe_in(ol_txn *t, const char *group, offlog_group_description *d)
{
	desc x = {.t = t, .now = ol_now_ms()};
	int rc = group_get(t, group, &x.g);
	if (rc >= 0)
		rc = live_members(t, group, &x.all, &x.n, &x.live);
	if (rc == 0)
		rc = commits_of(t, group, &x.cm, &x.ncm);
	if (rc == 0 && x.live == 0 && x.ncm == 0)
		rc = ol_err(OFFLOG_ENOENT, "group %s has no members and no committed offsets", group);
	d->generation = x.g.generation;
	d->assignor = x.g.assignor;
	if (rc == 0)
		rc = describe_members(&x, d);
	if (rc == 0)
		rc = describe_partitions(&x, d);
	group_members_free(x.all, x.n);
	free(x.cm);
	free(x.parts);
	return rc;
}

OFFLOG_API int offlog_group_describe(offlog_group_description **out, offlog_env *env,
                                     const char *group)
{
	if (!out || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_group_describe: NULL argument");
	OL_ENV_CHECK(env);
	*out = NULL;
	int rc = ol_check_group(group);
	if (rc)
		return rc;
	offlog_group_description *d = calloc(1, sizeof *d);
	if (!d || !(d->group = strdup(group))) {
		free(d);
		return ol_err(OFFLOG_ENOMEM, "offlog_group_describe: out of memory");
	}
	d->version = OFFLOG_GROUP_DESCRIPTION_VERSION;
	ol_txn t;
	if ((rc = db_read_begin(&t, env)) == 0) {
		rc = describe_in(&t, group, d);
		db_abort(&t);
	}
	if (rc) {
		offlog_group_description_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* ---- list ------------------------------------------------------------------ */

typedef struct name_list {
	char **list;
	size_t n, cap;
} name_list;

static int name_add(void *arg, const char *group)
{
	name_list *v = arg;
	if (v->n == v->cap) {
		char **m = realloc(v->list, (v->cap = v->cap ? 2 * v->cap : 16) * sizeof *m);
		if (!m)
			return ol_err(OFFLOG_ENOMEM, "offlog_group_list: out of memory");
		v->list = m;
	}
	if (!(v->list[v->n] = strdup(group)))
		return ol_err(OFFLOG_ENOMEM, "offlog_group_list: out of memory");
	v->n++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

OFFLOG_API int offlog_group_list(char ***groups, size_t *count, offlog_env *env)
{
	if (!groups || !count || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_group_list: NULL argument");
	OL_ENV_CHECK(env);
	name_list v = {NULL, 0, 0};
	ol_txn t;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = commit_each_group(&t, name_add, &v);
	if (rc == 0)
		rc = group_each(&t, name_add, &v);
	db_abort(&t);
	char **names = v.list;
	size_t n = v.n;
	if (rc) {
		offlog_names_free(names, n);
		return rc;
	}
	if (n > 1)   /* names is NULL when there is no group */
		qsort(names, n, sizeof *names, cmp_name);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (k > 0 && !strcmp(names[k - 1], names[i]))
			free(names[i]);
		else
			names[k++] = names[i];
	}
	*groups = names;
	*count = k;
	return 0;
}

/* ---- delete ---------------------------------------------------------------- */

static int delete_fn(ol_txn *t, void *arg)
{
	const char *group = arg;
	ol_member *all;
	ol_group g;
	size_t n, live, deleted;
	int rc = live_members(t, group, &all, &n, &live);
	if (rc)
		return rc;
	group_members_free(all, n);
	if (live > 0)
		return ol_err(OFFLOG_EGROUPLIVE, "group %s has %zu live members", group, live);
	bool had_state = group_get(t, group, &g) == 0;
	if ((rc = commit_drop_group(t, group, &deleted)) != 0)
		return rc;
	if (deleted == 0 && n == 0 && !had_state)
		return ol_err(OFFLOG_ENOENT, "no group %s", group);
	return group_drop(t, group);
}

OFFLOG_API int offlog_group_delete(offlog_env *env, const char *group)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_group_delete: env is NULL");
	OL_ENV_CHECK(env);
	int rc = ol_check_group(group);
	if (rc)
		return rc;
	return ol_write(env, delete_fn, (void *)group);
}

/* ---- reset offsets --------------------------------------------------------- */

typedef struct reset_args {
	const char *group;
	offlog_partition_offset *list;
	size_t count;
	int to;
	int64_t value;
	unsigned flags;
} reset_args;

/* Saturating: a huge shift clamps like any other. */
static int64_t shift_by(int64_t base, int64_t delta)
{
	if (delta > 0 && base > INT64_MAX - delta)
		return INT64_MAX;
	if (delta < 0 && base < INT64_MIN - delta)
		return INT64_MIN;
	return base + delta;
}

/* Where the reset moves entry e, before it is clamped to the partition. */
static int reset_target(ol_txn *t, const reset_args *a, const offlog_partition_offset *e,
                        const ol_part *p, const offlog_committed *cm, int64_t *to)
{
	*to = p->hw;
	switch (a->to) {
	case OFFLOG_RESET_TO_EARLIEST:
		*to = p->log_start;
		return 0;
	case OFFLOG_RESET_TO_OFFSET:
		*to = a->value;
		return 0;
	case OFFLOG_RESET_TO_LISTED:
		*to = e->offset;
		return 0;
	case OFFLOG_RESET_TO_TIMESTAMP:
		return log_offset_for_time(t, p, a->value, p->hw, to);
	case OFFLOG_RESET_SHIFT_BY:
		*to = shift_by(cm->offset != OFFLOG_OFFSET_INVALID ? cm->offset : p->hw, a->value);
		return 0;
	case OFFLOG_RESET_TO_CURRENT:
		if (cm->offset != OFFLOG_OFFSET_INVALID)
			*to = cm->offset;
		return 0;
	default:   /* OFFLOG_RESET_TO_LATEST */
		return 0;
	}
}

static int reset_one(ol_txn *t, const reset_args *a, offlog_partition_offset *e, uint32_t *tid)
{
	ol_topic tp;
	ol_part p;
	offlog_committed cm;
	int rc = ol_check_topic_name(e->topic);
	if (rc == 0)
		rc = topic_get_part(t, e->topic, e->partition, &tp);
	if (rc == 0)
		rc = part_get(t, tp.id, e->partition, &p);
	if (rc == 0)
		rc = commit_get(t, a->group, tp.id, e->partition, &cm);
	if (rc == 0 && a->to == OFFLOG_RESET_TO_LISTED && e->offset < 0)
		rc = ol_err(OFFLOG_EINVAL, "%s/%d: offset %lld: must be >= 0", e->topic, e->partition,
		            (long long)e->offset);
	if (rc)
		return rc;
	*tid = tp.id;
	int64_t to;
	rc = reset_target(t, a, e, &p, &cm, &to);
	if (to < p.log_start)
		to = p.log_start;
	if (to > p.hw)
		to = p.hw;
	e->offset = to;
	return rc;
}

static int reset_in(ol_txn *t, reset_args *a, bool write)
{
	ol_member *all;
	size_t n, live;
	int rc = live_members(t, a->group, &all, &n, &live);
	if (rc)
		return rc;
	group_members_free(all, n);
	if (live > 0 && !(a->flags & OFFLOG_RESET_FORCE))
		return ol_err(OFFLOG_EGROUPLIVE,
		              "group %s has %zu live members: stop them first, or force", a->group, live);
	uint32_t *tids = malloc((a->count + 1) * sizeof *tids);
	if (!tids)
		return ol_err(OFFLOG_ENOMEM, "reset offsets: out of memory");
	int first = 0;
	char detail[512] = "";
	for (size_t i = 0; i < a->count; i++) {
		a->list[i].err = reset_one(t, a, &a->list[i], &tids[i]);
		if (a->list[i].err && !first) {
			first = a->list[i].err;
			snprintf(detail, sizeof detail, "%s", offlog_errmsg());
		}
	}
	if (first)
		rc = ol_err(first, "%s", detail);   /* the first failing entry's own message */
	int64_t now = ol_now_ms();
	for (size_t i = 0; write && rc == 0 && i < a->count; i++)
		rc = commit_store(t, a->group, tids[i], a->list[i].partition, a->list[i].offset, NULL, now);
	free(tids);
	return rc;
}

static int reset_fn(ol_txn *t, void *arg)
{
	return reset_in(t, arg, true);
}

OFFLOG_API int offlog_group_reset_offsets(offlog_env *env, const char *group,
                                          offlog_partition_offset *list, size_t count, int to,
                                          int64_t value, unsigned flags)
{
	if (!env || (!list && count))
		return ol_err(OFFLOG_EINVAL, "offlog_group_reset_offsets: NULL argument");
	OL_ENV_CHECK(env);
	int rc = ol_check_group(group);
	if (rc)
		return rc;
	if (to < OFFLOG_RESET_TO_EARLIEST || to > OFFLOG_RESET_TO_LISTED)
		return ol_err(OFFLOG_EINVAL, "unknown reset target %d", to);
	if (flags & ~(OFFLOG_RESET_DRY_RUN | OFFLOG_RESET_FORCE))
		return ol_err(OFFLOG_EINVAL, "unknown flags 0x%x", flags);
	if ((to == OFFLOG_RESET_TO_OFFSET || to == OFFLOG_RESET_TO_TIMESTAMP) && value < 0)
		return ol_err(OFFLOG_EINVAL, "%s %lld: must be >= 0",
		              to == OFFLOG_RESET_TO_OFFSET ? "offset" : "timestamp", (long long)value);
	reset_args a = {group, list, count, to, value, flags};
	if (!(flags & OFFLOG_RESET_DRY_RUN))
		return ol_write(env, reset_fn, &a);
	ol_txn t;
	if ((rc = db_read_begin(&t, env)) != 0)
		return rc;
	rc = reset_in(&t, &a, false);
	db_abort(&t);
	return rc;
}

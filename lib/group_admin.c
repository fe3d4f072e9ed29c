/*
 * group_admin.c - looking at and changing a group from outside: describe,
 * list, delete, reset offsets (kafka-consumer-groups.sh's operations).
 */
#include "clock.h"
#include "codec.h"
#include "commit.h"
#include "db.h"
#include "group.h"
#include "log.h"
#include "names.h"
#include "store.h"
#include "topic.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>

/* ---- the group's committed offsets ---------------------------------------- */

typedef struct gcommit {
	uint32_t tid;
	int32_t part;
	int64_t offset;
} gcommit;

/* In key order: by topic id, then partition (big-endian in the key). */
static int cmp_gcommit(const void *a, const void *b)
{
	const gcommit *x = a, *y = b;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return (x->part > y->part) - (x->part < y->part);
}

/* Every committed offset of the group, in key order. */
static int commits_of(ol_txn *t, const char *group, gcommit **out, size_t *n)
{
	size_t g = strlen(group), cap = 0;
	uint8_t k[OFFLOG_GROUP_MAX + 1];
	ol_cursor c;
	ol_val key, val;
	*out = NULL;
	*n = 0;
	memcpy(k, group, g);
	k[g] = 0;
	int rc = db_cursor_open(&c, t, T_COMMITS);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, k, g + 1, &key, &val); rc == 0; rc = db_cursor_next(&c, &key, &val)) {
		if (key.n != g + 9 || memcmp(key.p, k, g + 1) != 0)
			break;
		if (*n == cap) {
			gcommit *m = realloc(*out, (cap = cap ? 2 * cap : 16) * sizeof *m);
			if (!m) {
				rc = ol_err(OFFLOG_ENOMEM, "group %s: out of memory", group);
				break;
			}
			*out = m;
		}
		const uint8_t *kp = (const uint8_t *)key.p + g + 1;
		offlog_committed cm;
		uint32_t tid = ol_get_be32(kp);
		int32_t part = (int32_t)ol_get_be32(kp + 4);
		if ((rc = commit_get(t, group, tid, part, &cm)) != 0)
			break;
		(*out)[(*n)++] = (gcommit){tid, part, cm.offset};
	}
	db_cursor_close(&c);
	if (rc < 0) {
		free(*out);
		*out = NULL;
		*n = 0;
		return rc;
	}
	return 0;
}

static int live_members(ol_txn *t, const char *group, ol_member **all, size_t *n, size_t *live)
{
	int rc = group_members(t, group, all, n);
	int64_t now = ol_now_ms();
	*live = 0;
	for (size_t i = 0; rc == 0 && i < *n; i++)
		*live += member_live(&(*all)[i], now);
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

static int describe_in(ol_txn *t, const char *group, offlog_group_description *d)
{
	ol_group g;
	ol_member *all = NULL;
	gcommit *cm = NULL;
	ol_tp *parts = NULL;
	size_t n = 0, live = 0, ncm = 0, np = 0, cap = 0;
	int64_t now = ol_now_ms();
	int rc = group_get(t, group, &g);
	if (rc >= 0)
		rc = live_members(t, group, &all, &n, &live);
	if (rc == 0)
		rc = commits_of(t, group, &cm, &ncm);
	if (rc == 0 && live == 0 && ncm == 0)
		rc = ol_err(OFFLOG_ENOENT, "group %s has no members and no committed offsets", group);
	d->generation = g.generation;
	d->assignor = g.assignor;
	offlog_group_member *members = rc ? NULL : calloc(live + 1, sizeof *members);
	if (rc == 0 && !members)
		rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	d->members = members;
	bool stable = true;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const ol_member *m = &all[i];
		if (!member_live(m, now))
			continue;
		offlog_group_member *o = &members[d->member_count++];
		const char **subs = calloc(m->ntopics + 1, sizeof *subs);
		o->subscription = subs;
		o->pid = (int32_t)m->pid;
		o->last_heartbeat_ms = m->heartbeat_ms;
		if (!(o->member_id = strdup(m->id)) || (m->instance[0] && !(o->instance_id = strdup(m->instance))) ||
		    !subs) {
			rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
			break;
		}
		for (uint32_t j = 0; j < m->ntopics && rc == 0; j++)
			if ((subs[o->subscription_count] = strdup(m->topics[j])) != NULL)
				o->subscription_count++;
			else
				rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
		if (rc == 0)
			rc = named(t, m->owned, m->nowned, &o->owned, &o->owned_count);
		if (rc == 0)
			rc = named(t, m->target, m->ntarget, &o->target, &o->target_count);
		stable &= m->generation == g.generation &&
		          m->nowned == m->ntarget;
		for (uint32_t j = 0; j < m->nowned; j++)
			stable &= tp_in(m->target, m->ntarget, m->owned[j].tid, m->owned[j].part);
		/* Every partition of its subscribed topics belongs in the table. */
		for (uint32_t j = 0; j < m->ntopics && rc == 0; j++) {
			ol_topic tp;
			int e = topic_get(t, m->topics[j], &tp);
			if (e == OFFLOG_ENOTOPIC)
				continue;
			rc = e;
			for (int32_t p = 0; p < tp.partitions && rc == 0; p++)
				rc = add_tp(&parts, &np, &cap, tp.id, p);
		}
	}
	d->state = live == 0 ? "Empty" : stable ? "Stable" : "Rebalancing";
	for (size_t i = 0; i < ncm && rc == 0; i++)
		rc = add_tp(&parts, &np, &cap, cm[i].tid, cm[i].part);
	if (rc == 0 && np > 1) {
		tp_sort(parts, (uint32_t)np);
		size_t k = 1;
		for (size_t i = 1; i < np; i++)
			if (tp_cmp(&parts[i], &parts[k - 1]) != 0)
				parts[k++] = parts[i];
		np = k;
	}
	offlog_group_partition *gp = rc ? NULL : calloc(np + 1, sizeof *gp);
	if (rc == 0 && !gp)
		rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	d->partitions = gp;
	for (size_t i = 0; i < np && rc == 0; i++) {
		char name[OFFLOG_NAME_MAX + 1];
		ol_part p;
		int e = topic_name_of(t, parts[i].tid, name, sizeof name);
		if (e == OFFLOG_ENOTOPIC)
			continue;   /* offsets of a deleted topic, not yet purged */
		if (e || (e = part_get(t, parts[i].tid, parts[i].part, &p)) != 0) {
			rc = e;
			break;
		}
		offlog_group_partition *o = &gp[d->partition_count];
		if (!(o->topic = strdup(name))) {
			rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
			break;
		}
		d->partition_count++;
		o->partition = parts[i].part;
		o->committed = OFFLOG_OFFSET_INVALID;
		gcommit want = {parts[i].tid, parts[i].part, 0};
		const gcommit *found = ncm ? bsearch(&want, cm, ncm, sizeof *cm, cmp_gcommit) : NULL;
		if (found)
			o->committed = found->offset;
		o->log_start_offset = p.log_start;
		o->log_end_offset = p.leo;
		o->high_watermark = p.hw;
		o->lag = o->committed == OFFLOG_OFFSET_INVALID ? OFFLOG_LAG_UNKNOWN
		         : p.hw > o->committed                ? p.hw - o->committed
		                                              : 0;
		for (size_t j = 0; j < n; j++)
			if (member_live(&all[j], now) && member_owns(&all[j], parts[i].tid, parts[i].part) &&
			    !(o->member_id = strdup(all[j].id)))
				rc = ol_err(OFFLOG_ENOMEM, "describe: out of memory");
	}
	if (rc == 0 && gp)
		qsort(gp, d->partition_count, sizeof *gp, cmp_gpart);
	members_free(all, n);
	free(cm);
	free(parts);
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

static int name_add(char ***names, size_t *n, size_t *cap, const char *k, size_t g)
{
	if (*n == *cap) {
		char **m = realloc(*names, (*cap = *cap ? 2 * *cap : 16) * sizeof *m);
		if (!m)
			return ol_err(OFFLOG_ENOMEM, "offlog_group_list: out of memory");
		*names = m;
	}
	char *s = malloc(g + 1);
	if (!s)
		return ol_err(OFFLOG_ENOMEM, "offlog_group_list: out of memory");
	memcpy(s, k, g);
	s[g] = 0;
	(*names)[(*n)++] = s;
	return 0;
}

/* The groups a table's keys start with (up to the NUL), each once; in
 * T_GROUPS only those with a member record. */
static int names_in(ol_txn *t, int table, char ***names, size_t *n, size_t *cap)
{
	ol_cursor c;
	ol_val key;
	uint8_t k[OFFLOG_GROUP_MAX + 2];
	int rc = db_cursor_open(&c, t, table);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &key, NULL); rc == 0;) {
		size_t g = strnlen(key.p, key.n);
		if (g == 0 || g > OFFLOG_GROUP_MAX || g + 1 >= key.n) {
			rc = ol_err(OFFLOG_ECORRUPT, "a key of group state is damaged");
			break;
		}
		memcpy(k, key.p, g);
		k[g] = 0;
		k[g + 1] = 'm';
		bool listed = table != T_GROUPS;
		if (!listed) {   /* is there a member record? */
			rc = db_cursor_seek(&c, k, g + 2, &key, NULL);
			listed = rc == 0 && key.n > g + 2 && memcmp(key.p, k, g + 2) == 0;
		}
		if (rc < 0 || (listed && (rc = name_add(names, n, cap, (const char *)k, g)) != 0))
			break;
		k[g] = 1;   /* the first key after every key of this group */
		rc = db_cursor_seek(&c, k, g + 1, &key, NULL);
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
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
	char **names = NULL;
	size_t n = 0, cap = 0;
	ol_txn t;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = names_in(&t, T_COMMITS, &names, &n, &cap);
	if (rc == 0)
		rc = names_in(&t, T_GROUPS, &names, &n, &cap);
	db_abort(&t);
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

static int delete_commits(ol_txn *t, const char *group, size_t *deleted)
{
	size_t g = strlen(group);
	uint8_t k[OFFLOG_GROUP_MAX + 1];
	memcpy(k, group, g);
	k[g] = 0;   /* the group's keys: its name, then a NUL */
	return db_del_prefix(t, T_COMMITS, k, g + 1, NULL, deleted);
}

static int delete_fn(ol_txn *t, void *arg)
{
	const char *group = arg;
	ol_member *all;
	ol_group g;
	size_t n, live, deleted;
	int rc = live_members(t, group, &all, &n, &live);
	if (rc)
		return rc;
	members_free(all, n);
	if (live > 0)
		return ol_err(OFFLOG_EGROUPLIVE, "group %s has %zu live members", group, live);
	bool had_state = group_get(t, group, &g) == 0;
	if ((rc = delete_commits(t, group, &deleted)) != 0)
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
	int64_t to = p.hw;
	switch (a->to) {
	case OFFLOG_RESET_TO_EARLIEST:
		to = p.log_start;
		break;
	case OFFLOG_RESET_TO_OFFSET:
		to = a->value;
		break;
	case OFFLOG_RESET_TO_LISTED:
		to = e->offset;
		break;
	case OFFLOG_RESET_TO_TIMESTAMP:
		rc = log_offset_for_time(t, &p, a->value, p.hw, &to);
		break;
	case OFFLOG_RESET_SHIFT_BY: {
		int64_t base = cm.offset != OFFLOG_OFFSET_INVALID ? cm.offset : p.hw;
		/* Saturating: a huge shift clamps like any other. */
		if (a->value > 0 && base > INT64_MAX - a->value)
			to = INT64_MAX;
		else if (a->value < 0 && base < INT64_MIN - a->value)
			to = INT64_MIN;
		else
			to = base + a->value;
		break;
	}
	case OFFLOG_RESET_TO_CURRENT:
		if (cm.offset != OFFLOG_OFFSET_INVALID)
			to = cm.offset;
		break;
	default:   /* OFFLOG_RESET_TO_LATEST */
		break;
	}
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
	members_free(all, n);
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

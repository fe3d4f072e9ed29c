/*
 * compact.c - log compaction (cleanup.policy=compact), run by
 * offlog_maintain() after the retention sweep, under its budget.
 *
 * A pass over a partition keeps the latest record of each key: it reads the
 * partition up to its high watermark once, in a read snapshot, into a map
 * of key hashes to their latest offset, then removes what the map says is
 * superseded in bounded write transactions (STEP_MAX removals each, the
 * records reached through log.c's iterator), never beyond what a protected
 * group has committed. Offsets stay: a compacted partition has gaps.
 * Tombstones (null values) go once delete.retention.ms has passed.
 *
 * The handle remembers, per partition, the high watermark of its last
 * complete pass and when its oldest kept tombstone becomes removable
 * (env->maint.compacted), so that a partition is passed over again only
 * when it grew or a tombstone is due.
 */
#include "retention.h"

#include "clock.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "record.h"
#include "topic.h"
#include "write.h"

#include <stdio.h>
#include <stdlib.h>


/* The latest record of each key, by a 128-bit hash of the key (two
 * independent 64-bit hashes: a collision that would drop a record needs
 * both to collide). Open addressing. */
typedef struct kentry {
	uint64_t h1, h2;
	int64_t offset;   /* -1: empty slot */
	int64_t ts;
	bool tombstone;
} kentry;

typedef struct kmap {
	kentry *e;
	size_t cap, n;
} kmap;

static void key_hash(const void *key, size_t len, uint64_t *h1, uint64_t *h2)
{
	const uint8_t *p = key;
	uint64_t a = 14695981039346656037u, b = 0x9e3779b97f4a7c15u ^ len;
	for (size_t i = 0; i < len; i++) {
		a = (a ^ p[i]) * 1099511628211u;
		b = (b + p[i]) * 0xff51afd7ed558ccdu;
		b ^= b >> 29;
	}
	*h1 = a;
	*h2 = b ^ (b >> 32);
}

static kentry *kmap_slot(kmap *m, uint64_t h1, uint64_t h2)
{
	size_t i = (size_t)(h1 ^ (h2 << 1)) & (m->cap - 1);
	while (m->e[i].offset >= 0 && (m->e[i].h1 != h1 || m->e[i].h2 != h2))
		i = (i + 1) & (m->cap - 1);
	return &m->e[i];
}

static bool kmap_grow(kmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	kentry *e = malloc(cap * sizeof *e);
	if (!e)
		return false;
	for (size_t i = 0; i < cap; i++)
		e[i].offset = -1;
	kmap old = *m;
	m->e = e;
	m->cap = cap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.e[i].offset >= 0)
			*kmap_slot(m, old.e[i].h1, old.e[i].h2) = old.e[i];
	free(old.e);
	return true;
}

/* Per partition being compacted: the map, from one snapshot, and how far
 * the removal went. */
typedef struct cpass {
	uint32_t tid;
	int32_t part;
	uint32_t pid;
	int64_t end;      /* the high watermark when the map was built */
	int64_t next;     /* the next offset to look at */
	kmap map;
} cpass;

static int build_map(ol_txn *t, cpass *cp, int64_t from)
{
	ol_log_iter it;
	int rc = log_iter_open(&it, t, cp->pid);
	if (rc)
		return rc;
	for (rc = log_iter_seek(&it, from); rc == 0 && it.off < cp->end; rc = log_iter_next(&it)) {
		offlog_record r;
		if ((rc = log_iter_record(&it, &r)) != 0)
			break;
		if (!r.key)
			continue;   /* written before the topic was compacted: kept */
		if ((cp->map.n + 1) * 2 > cp->map.cap && !kmap_grow(&cp->map)) {
			rc = ol_err(OFFLOG_ENOMEM, "compaction: out of memory");
			break;
		}
		uint64_t h1, h2;
		key_hash(r.key, r.key_len, &h1, &h2);
		kentry *e = kmap_slot(&cp->map, h1, h2);
		if (e->offset < 0)
			cp->map.n++;
		*e = (kentry){h1, h2, it.off, r.timestamp, r.value == NULL};
	}
	log_iter_close(&it);
	return rc < 0 ? rc : 0;
}

/* Is the record at off superseded by a later one of its key, or an expired
 * tombstone? */
static bool superseded(cpass *cp, const ol_topic *tp, int64_t now, int64_t off,
                       const offlog_record *r)
{
	if (!r->key)
		return false;
	uint64_t h1, h2;
	key_hash(r->key, r->key_len, &h1, &h2);
	const kentry *e = kmap_slot(&cp->map, h1, h2);
	return e->offset > off ||
	       (e->offset == off && e->tombstone && e->ts < now - tp->cfg.delete_retention_ms);
}

/* One step of removing what the map says is superseded, or an expired
 * tombstone; updates the partition state. */
static int compact_step(ol_txn *t, const ol_topic *tp, cpass *cp, int64_t now, size_t *budget,
                        uint64_t *removed)
{
	ol_part p;
	ol_log_iter it;
	int64_t limit;
	int rc = part_get(t, cp->tid, cp->part, &p);
	if (rc || (rc = retention_protect_limit(t, tp, cp->part, &p, &limit)) != 0 ||
	    (rc = log_iter_open(&it, t, cp->pid)) != 0)
		return rc;
	if (p.pid != cp->pid) {   /* the topic was deleted and created again */
		log_iter_close(&it);
		cp->next = cp->end;
		return 0;
	}
	if (cp->next < p.log_start)
		cp->next = p.log_start;
	bool changed = false;
	for (rc = log_iter_seek(&it, cp->next); rc == 0 && *budget > 0;) {
		int64_t off = it.off;
		if (off >= cp->end || off >= limit)
			break;
		cp->next = off + 1;
		offlog_record r;
		if ((rc = log_iter_record(&it, &r)) != 0)
			break;
		if (!superseded(cp, tp, now, off, &r)) {
			rc = log_iter_next(&it);
			continue;
		}
		if ((rc = log_iter_del(&it)) != 0)
			break;
		int64_t pay = (int64_t)rec_payload(&r);
		p.records--;
		p.bytes -= pay;
		t->bytes_delta -= pay;
		--*budget;
		++*removed;
		changed = true;
		rc = log_iter_seek(&it, off + 1);
	}
	log_iter_close(&it);
	if (rc < 0)
		return rc;
	if (rc == 1)   /* the partition's last record was passed */
		cp->next = cp->end;
	return changed ? part_put(t, cp->tid, cp->part, &p) : 0;
}

/* ---- which partitions, and the passes ------------------------------------- */

/* The compacted partitions and the high watermark each was compacted to,
 * kept per store handle, so a pass runs only over what changed. */
typedef struct compacted {
	uint32_t tid;
	int32_t part;
	int64_t to;        /* the high watermark it was compacted to */
	int64_t retry_at;  /* when its oldest kept tombstone expires (INT64_MAX: none) */
} compacted;

/* Does the partition need a pass: it grew, or a tombstone is due? */
static bool needs_pass(offlog_env *env, uint32_t tid, int32_t part, int64_t hw, int64_t now)
{
	const compacted *list = env->maint.compacted;
	for (size_t i = 0; i < env->maint.ncompacted; i++)
		if (list[i].tid == tid && list[i].part == part)
			return list[i].to != hw || now >= list[i].retry_at;
	return true;
}

static void set_compacted(offlog_env *env, uint32_t tid, int32_t part, int64_t to,
                          int64_t retry_at)
{
	compacted *list = env->maint.compacted;
	for (size_t i = 0; i < env->maint.ncompacted; i++)
		if (list[i].tid == tid && list[i].part == part) {
			list[i].to = to;
			list[i].retry_at = retry_at;
			return;
		}
	compacted *grown = realloc(list, (env->maint.ncompacted + 1) * sizeof *grown);
	if (!grown)
		return;   /* forgotten: it is compacted again next time, which is harmless */
	grown[env->maint.ncompacted++] = (compacted){tid, part, to, retry_at};
	env->maint.compacted = grown;
}

/* When the oldest tombstone the map keeps becomes removable. */
static int64_t tombstone_due(const kmap *m, int64_t delete_retention_ms)
{
	int64_t due = INT64_MAX;
	for (size_t i = 0; i < m->cap; i++) {
		const kentry *e = &m->e[i];
		if (e->offset >= 0 && e->tombstone && e->ts < INT64_MAX - delete_retention_ms &&
		    e->ts + delete_retention_ms < due)
			due = e->ts + delete_retention_ms + 1;
	}
	return due;
}

typedef struct ctarget {
	char topic[OFFLOG_NAME_MAX + 1];
	uint32_t tid;
	int32_t part;
	uint32_t pid;
	int64_t log_start;
	int64_t hw;
	int64_t delete_retention_ms;
} ctarget;

typedef struct target_list {
	offlog_env *env;
	int64_t now;
	ctarget *list;
	size_t n, cap;
} target_list;

static int add_target(target_list *g, const char *name, const ol_topic *tp, int32_t part,
                      const ol_part *p)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 16;
		ctarget *list = realloc(g->list, cap * sizeof *list);
		if (!list)
			return ol_err(OFFLOG_ENOMEM, "compaction: out of memory");
		g->list = list;
		g->cap = cap;
	}
	ctarget *ct = &g->list[g->n++];
	snprintf(ct->topic, sizeof ct->topic, "%s", name);
	ct->tid = tp->id;
	ct->part = part;
	ct->pid = p->pid;
	ct->log_start = p->log_start;
	ct->hw = p->hw;
	ct->delete_retention_ms = tp->cfg.delete_retention_ms;
	return 0;
}

static int add_targets(void *ctx, ol_txn *t, const char *name, const ol_topic *tp)
{
	target_list *g = ctx;
	if (!(tp->cfg.cleanup_policy & OFFLOG_CLEANUP_COMPACT))
		return 0;
	for (int32_t part = 0; part < tp->partitions; part++) {
		ol_part p;
		int rc = part_get(t, tp->id, part, &p);
		if (rc)
			return rc;
		if (p.hw <= p.log_start || !needs_pass(g->env, tp->id, part, p.hw, g->now))
			continue;
		if ((rc = add_target(g, name, tp, part, &p)) != 0)
			return rc;
	}
	return 0;
}

/* The partitions of compacted topics that grew since their last pass. */
static int compaction_targets(offlog_env *env, ctarget **out, size_t *n)
{
	ol_txn t;
	target_list g = {env, ol_now_ms(), NULL, 0, 0};
	*out = NULL;
	*n = 0;
	int rc = db_read_begin(&t, env);
	if (rc)
		return rc;
	rc = topic_each(&t, add_targets, &g);
	db_abort(&t);
	if (rc) {
		free(g.list);
		return rc;
	}
	*out = g.list;
	*n = g.n;
	return 0;
}

struct cstep {
	uint64_t max;
	uint64_t *total;     /* removed so far in the run */
	cpass *cp;
	const char *topic;
	int64_t start;      /* cp->next when the step began */
	bool gone;          /* out: the topic no longer exists */
	uint64_t removed;   /* out */
};

static int cstep_fn(ol_txn *t, void *arg)
{
	struct cstep *s = arg;
	ol_topic tp;
	size_t budget = retention_budget(s->max, *s->total);
	s->removed = 0;
	s->cp->next = s->start;
	int rc = topic_get(t, s->topic, &tp);
	s->gone = rc == OFFLOG_ENOTOPIC || (rc == 0 && tp.id != s->cp->tid);
	if (s->gone)
		return 0;
	if (rc == 0)
		rc = compact_step(t, &tp, s->cp, ol_now_ms(), &budget, &s->removed);
	return rc;
}

int compact_all(offlog_env *env, uint64_t max, uint64_t *removed)
{
	ctarget *targets;
	size_t n;
	int rc = compaction_targets(env, &targets, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (max && *removed >= max)
			break;
		ctarget *ct = &targets[i];
		cpass cp = {ct->tid, ct->part, ct->pid, ct->hw, ct->log_start, {NULL, 0, 0}};
		ol_txn t;
		if ((rc = db_read_begin(&t, env)) != 0)
			break;
		rc = build_map(&t, &cp, ct->log_start);
		db_abort(&t);
		struct cstep s = {max, removed, &cp, ct->topic, 0, false, 0};
		while (rc == 0 && !s.gone && cp.next < cp.end && !(max && *removed >= max)) {
			s.start = cp.next;
			rc = ol_write(env, cstep_fn, &s);
			if (rc)
				break;
			*removed += s.removed;
			if (s.removed == 0 && cp.next == s.start)
				break;   /* no progress: protected */
		}
		if (rc == 0 && !s.gone && cp.next >= cp.end)
			set_compacted(env, ct->tid, ct->part, ct->hw,
			              tombstone_due(&cp.map, ct->delete_retention_ms));
		free(cp.map.e);
	}
	free(targets);
	return rc;
}

void compact_forget(offlog_env *env)
{
	free(env->maint.compacted);
	env->maint.compacted = NULL;
	env->maint.ncompacted = 0;
}

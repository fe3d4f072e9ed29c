/*
 * retention.c - removing records: retention by time and size, delete-records
 * and the store's size cap (compaction is compact.c's).
 *
 * Every removal is bounded: an append removes a few head records of the
 * partition it appended to (enough to keep pace with what it adds), and
 * offlog_maintain() (maintain.c) sweeps every partition in transactions of
 * at most STEP_MAX removals, then runs compaction under the same budget.
 * The log start offset only moves forward, offsets are never reused, and
 * nothing at or above the high watermark is removed, nor anything a
 * protected group has not committed past.
 *
 * A partition's `records` and `bytes` count what is stored.
 * offlog_delete_records() moves the log start offset at once and leaves the
 * records below it to be removed by the next steps, which always start at
 * the partition's first key.
 *
 * Removals change the store's byte count (log.c) through t->bytes_delta,
 * which the write transaction applies once, at commit. The records and the
 * time index are reached through log.c's iterators, which own their keys.
 */
#include "retention.h"

#include "clock.h"
#include "commit.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "names.h"
#include "record.h"
#include "registry.h"
#include "topic.h"
#include "write.h"


#define STEP_MAX 1000          /* removals per maintenance transaction (compact.c too) */
#define APPEND_STEP_MIN 16     /* removals an append may make, at least */
#define DROP_STEP_MAX 4096     /* removals one append may make under the store cap */

/* ---- what may be removed ------------------------------------------------- */

/* The first offset a protected group still needs: removal stops below it.
 * INT64_MAX when the topic protects no group. */
int retention_protect_limit(ol_txn *t, const ol_topic *tp, int32_t part, const ol_part *p,
                         int64_t *limit)
{
	*limit = INT64_MAX;
	if (!tp->cfg.protected_group_count)
		return 0;
	char **groups;
	size_t n;
	int rc = topic_protected(t, tp->id, &groups, &n);
	for (size_t i = 0; i < n && rc == 0; i++) {
		offlog_committed cm;
		if ((rc = commit_get(t, groups[i], tp->id, part, &cm)) != 0)
			break;
		int64_t need = cm.offset == OFFLOG_OFFSET_INVALID ? p->log_start : cm.offset;
		if (need < *limit)
			*limit = need;
	}
	offlog_names_free(groups, n);
	return rc;
}

static bool has_retention(const ol_topic *tp)
{
	return (tp->cfg.cleanup_policy & OFFLOG_CLEANUP_DELETE) &&
	       (tp->cfg.retention_ms >= 0 || tp->cfg.retention_bytes >= 0);
}

/* Remove index entries of the partition that point below its log start. */
static int trim_index(ol_txn *t, const ol_part *p, size_t *budget)
{
	ol_log_iter it;
	int rc = log_iter_open_index(&it, t, p->pid);
	if (rc)
		return rc;
	for (rc = log_iter_seek(&it, 0); rc == 0 && *budget > 0; rc = log_iter_seek(&it, 0)) {
		if (it.off >= p->log_start || (rc = log_iter_del(&it)) != 0)
			break;
		--*budget;
	}
	log_iter_close(&it);
	return rc < 0 ? rc : 0;
}

/* Why the head record goes, given what the caller wants. */
typedef struct trim_want {
	int64_t now;
	bool policy;         /* apply the topic's retention */
	int64_t free_bytes;  /* the store cap: remove at least this many bytes */
	int64_t below;       /* never remove this offset or above (an append's own records) */
} trim_want;

/* What log_trim removes from one partition, resolved once. */
typedef struct trim_rule {
	int64_t limit;       /* nothing at or above it goes, whatever the reason */
	bool by_time, by_size;
	int64_t cutoff;      /* by time: records older than this go */
	int64_t max_bytes;   /* by size: the partition keeps at most this */
	int64_t want_free;   /* the store cap: bytes still to free */
} trim_rule;

static int trim_rule_of(ol_txn *t, const ol_topic *tp, int32_t part, const ol_part *p,
                        const trim_want *w, trim_rule *r)
{
	int rc = retention_protect_limit(t, tp, part, p, &r->limit);
	if (r->limit > p->hw)
		r->limit = p->hw;
	if (r->limit > w->below)
		r->limit = w->below;
	bool by_policy = w->policy && (tp->cfg.cleanup_policy & OFFLOG_CLEANUP_DELETE);
	r->by_time = by_policy && tp->cfg.retention_ms >= 0;
	r->by_size = by_policy && tp->cfg.retention_bytes >= 0;
	r->cutoff = r->by_time && w->now > INT64_MIN + tp->cfg.retention_ms
	                ? w->now - tp->cfg.retention_ms
	                : INT64_MIN;
	r->max_bytes = tp->cfg.retention_bytes;
	r->want_free = w->free_bytes;
	return rc;
}

static bool trim_goes(const trim_rule *r, const ol_part *p, int64_t off, const offlog_record *rec)
{
	return off < r->limit && ((r->by_time && rec->timestamp < r->cutoff) ||
	                          (r->by_size && p->bytes > r->max_bytes) || r->want_free > 0);
}

/* Remove head records of one partition while `w` says so: first any left
 * below the log start (delete-records), then by the topic's retention, or
 * to free bytes for the store cap; never at or above min(high watermark,
 * protect limit); at most *budget. The caller writes p back. */
static int log_trim(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, const trim_want *w,
                    size_t *budget, uint64_t *removed, int64_t *freed)
{
	trim_rule rule;
	ol_log_iter it;
	int rc = trim_rule_of(t, tp, part, p, w, &rule);
	if (rc || (rc = log_iter_open(&it, t, p->pid)) != 0)
		return rc;
	bool moved = false;
	for (rc = log_iter_seek(&it, 0); rc == 0 && *budget > 0; rc = log_iter_next(&it)) {
		offlog_record r;
		if ((rc = log_iter_record(&it, &r)) != 0)
			break;
		bool below = it.off < p->log_start;
		if (!below && !trim_goes(&rule, p, it.off, &r))
			break;
		int64_t pay = (int64_t)rec_payload(&r);
		if ((rc = log_iter_del(&it)) != 0)
			break;
		p->records--;
		p->bytes -= pay;
		t->bytes_delta -= pay;
		rule.want_free -= pay;
		if (freed)
			*freed += pay;
		if (!below) {
			p->log_start = it.off + 1;
			moved = true;
		}
		--*budget;
		++*removed;
	}
	log_iter_close(&it);
	if (rc < 0)
		return rc;
	return moved || *removed ? trim_index(t, p, budget) : 0;
}

/* ---- during appends -------------------------------------------------------- */

int retention_on_append(ol_txn *t, const ol_topic *tp, int32_t part, ol_part *p, size_t appended)
{
	if (!has_retention(tp))
		return 0;
	size_t budget = 2 * appended + APPEND_STEP_MIN;
	uint64_t removed = 0;
	trim_want w = {ol_now_ms(), true, 0, p->leo - (int64_t)appended};
	return log_trim(t, tp, part, p, &w, &budget, &removed, NULL);
}

/* The head record of a partition that the store cap may drop: its
 * timestamp, or false when there is none (empty, protected, not below the
 * high watermark). */
static int droppable_head(ol_txn *t, const ol_topic *tp, int32_t part, const ol_part *p,
                          bool *any, int64_t *ts)
{
	int64_t limit;
	ol_log_iter it;
	*any = false;
	int rc = retention_protect_limit(t, tp, part, p, &limit);
	if (rc || (rc = log_iter_open(&it, t, p->pid)) != 0)
		return rc;
	if (limit > p->hw)
		limit = p->hw;
	rc = log_iter_seek(&it, p->log_start);
	if (rc == 0 && it.off < limit) {
		offlog_record r;
		if ((rc = log_iter_record(&it, &r)) == 0) {
			*any = true;
			*ts = r.timestamp;
		}
	}
	log_iter_close(&it);
	return rc < 0 ? rc : 0;
}

/* The partition whose droppable head record is the oldest. */
typedef struct oldest {
	bool found;
	int64_t ts;
	uint32_t tid;
	int32_t part;
} oldest;

static int pick_oldest(void *ctx, ol_txn *t, uint32_t tid, int32_t part, ol_part *p)
{
	oldest *o = ctx;
	char name[OFFLOG_NAME_MAX + 1];
	ol_topic tp;
	bool any;
	int64_t ts = 0;
	int rc = topic_name_of(t, tid, name, sizeof name);
	if (rc == OFFLOG_ENOTOPIC)
		return 0;   /* deleted: already not counted */
	if (rc || (rc = topic_get(t, name, &tp)) != 0 ||
	    (rc = droppable_head(t, &tp, part, p, &any, &ts)) != 0)
		return rc;
	if (any && ts < o->ts)
		*o = (oldest){true, ts, tid, part};
	return 0;
}

/* Drop the oldest records of the store, by the timestamp of each
 * partition's head, until `need` bytes are freed or nothing may go. */
static int drop_oldest(ol_txn *t, int64_t need, uint32_t cur_tid, int32_t cur_part,
                       int64_t cur_base, int64_t *freed)
{
	size_t budget = DROP_STEP_MAX;
	int rc = 0;
	*freed = 0;
	while (rc == 0 && *freed < need && budget > 0) {
		oldest o = {false, INT64_MAX, 0, 0};
		if ((rc = log_each_part(t, pick_oldest, &o)) != 0 || !o.found)
			break;
		uint32_t best_tid = o.tid;
		int32_t best_part = o.part;
		char name[OFFLOG_NAME_MAX + 1];
		ol_topic tp;
		ol_part p;
		uint64_t removed = 0;
		size_t step = budget < 64 ? budget : 64;
		size_t before = step;
		trim_want w = {0, false, need - *freed,
		               best_tid == cur_tid && best_part == cur_part ? cur_base : INT64_MAX};
		if ((rc = topic_name_of(t, best_tid, name, sizeof name)) != 0 ||
		    (rc = topic_get(t, name, &tp)) != 0 || (rc = part_get(t, best_tid, best_part, &p)) != 0 ||
		    (rc = log_trim(t, &tp, best_part, &p, &w, &step, &removed, freed)) != 0 ||
		    (rc = part_put(t, best_tid, best_part, &p)) != 0)
			break;
		budget -= before - step;
		if (removed == 0)
			break;
	}
	return rc;
}

int retention_store_cap(ol_txn *t, uint32_t tid, int32_t part, int64_t base)
{
	offlog_env *env = t->env;
	uint64_t cap = env->opts.max_store_bytes;
	if (!cap || t->bytes_delta <= 0)
		return 0;
	int64_t n;
	bool found;
	int rc = log_bytes_get(t, &n, &found);
	if (rc)
		return rc;
	int64_t now = n + t->bytes_delta;
	if (now <= (int64_t)cap)
		return 0;
	int64_t freed = 0;
	if (env->opts.store_full_policy == OFFLOG_STORE_FULL_DROP_OLDEST &&
	    (rc = drop_oldest(t, now - (int64_t)cap, tid, part, base, &freed)) != 0)
		return rc;
	if (now - freed <= (int64_t)cap)
		return 0;
	/* The request wrote (and maybe removed) records: t->wrote makes the
	 * committer run the others again without it, and a user transaction
	 * fail. */
	return ol_err(OFFLOG_ESTOREFULL,
	              "the store holds %lld of its %llu bytes of records and this append needs %lld more%s",
	              (long long)n, (unsigned long long)cap, (long long)(now - freed - n),
	              env->opts.store_full_policy == OFFLOG_STORE_FULL_DROP_OLDEST
	                  ? "; what is left may not be dropped (protected, or not yet durable)"
	                  : "");
}

/* ---- delete-records ------------------------------------------------------ */

struct delrec_args {
	const char *topic;
	int32_t partition;
	int64_t before;
	int64_t low;   /* out */
};

static int delrec_fn(ol_txn *t, void *arg)
{
	struct delrec_args *a = arg;
	ol_topic tp;
	ol_part p;
	int rc = topic_get_part(t, a->topic, a->partition, &tp);
	if (rc == 0)
		rc = part_get(t, tp.id, a->partition, &p);
	if (rc)
		return rc;
	int64_t before = a->before == OFFLOG_OFFSET_END ? p.hw : a->before;
	if (before > p.hw)
		return ol_err(OFFLOG_ERANGE,
		              "delete records of %s/%d before %lld: beyond the high watermark %lld",
		              a->topic, a->partition, (long long)before, (long long)p.hw);
	if (before > p.log_start)
		p.log_start = before;
	size_t budget = STEP_MAX;
	uint64_t removed = 0;
	trim_want w = {0, false, 0, INT64_MAX};
	if ((rc = log_trim(t, &tp, a->partition, &p, &w, &budget, &removed, NULL)) == 0)
		rc = part_put(t, tp.id, a->partition, &p);
	a->low = p.log_start;
	return rc;
}

OFFLOG_API int offlog_delete_records(int64_t *low_watermark, offlog_env *env, const char *topic,
                                     int32_t partition, int64_t before_offset)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "offlog_delete_records: env is NULL");
	OL_ENV_CHECK(env);
	int rc = ol_check_topic_name(topic);
	if (rc)
		return rc;
	if (before_offset < 0 && before_offset != OFFLOG_OFFSET_END)
		return ol_err(OFFLOG_EOFFSET, "before_offset %lld: must be >= 0 or OFFLOG_OFFSET_END",
		              (long long)before_offset);
	struct delrec_args a = {topic, partition, before_offset, 0};
	if ((rc = ol_write(env, delrec_fn, &a)) == 0 && low_watermark)
		*low_watermark = a.low;
	return rc;
}

/* ---- maintenance ------------------------------------------------------------ */

struct maint {
	uint64_t max;          /* removals allowed in all, 0 = no limit */
	uint64_t removed;
	/* Where the retention sweep resumes: the next (topic id, partition). */
	uint32_t tid;
	int32_t part;
	bool sweep_done;
	/* What one sweep transaction did, applied once it committed (a write
	 * function may run more than once). */
	uint32_t out_tid;
	int32_t out_part;
	bool out_done;
	uint64_t out_removed;
};

size_t retention_budget(uint64_t max, uint64_t removed)
{
	if (!max)
		return STEP_MAX;
	uint64_t left = max - removed;
	return left < STEP_MAX ? (size_t)left : STEP_MAX;
}

/* One transaction of the retention sweep: its place and budget. */
typedef struct sweep {
	struct maint *m;
	size_t budget;
	int64_t now;
	uint64_t removed;
	char name[OFFLOG_NAME_MAX + 1];
	ol_topic tp;
	uint32_t have;   /* topic id whose record is in tp */
} sweep;

static int sweep_one(void *ctx, ol_txn *t, uint32_t tid, int32_t part)
{
	sweep *s = ctx;
	if (s->have != tid) {
		int rc = topic_name_of(t, tid, s->name, sizeof s->name);
		if (rc == OFFLOG_ENOTOPIC)
			return 0;   /* deleted: its purge removes it */
		if (rc || (rc = topic_get(t, s->name, &s->tp)) != 0)
			return rc;
		s->have = tid;
	}
	ol_part p;
	trim_want w = {s->now, true, 0, INT64_MAX};
	uint64_t before = s->removed;
	size_t b0 = s->budget;
	int rc = part_get(t, tid, part, &p);
	if (rc || (rc = log_trim(t, &s->tp, part, &p, &w, &s->budget, &s->removed, NULL)) != 0)
		return rc;
	if ((s->removed != before || s->budget != b0) && (rc = part_put(t, tid, part, &p)) != 0)
		return rc;
	if (s->budget > 0)
		return 0;
	/* Maybe more here: the next transaction comes back to this partition. */
	s->m->out_tid = tid;
	s->m->out_part = part;
	s->m->out_done = false;
	return 1;
}

/* One transaction of the retention sweep over every partition in key order. */
static int sweep_fn(ol_txn *t, void *arg)
{
	struct maint *m = arg;
	sweep s = {m, retention_budget(m->max, m->removed), ol_now_ms(), 0, {0}, {0}, 0};
	m->out_done = true;
	int rc = log_each_part_from(t, m->tid, m->part, sweep_one, &s);
	m->out_removed = s.removed;
	return rc;
}

int retention_sweep(offlog_env *env, uint64_t max, uint64_t *removed)
{
	struct maint m = {max, *removed, 0, 0, false, 0, 0, false, 0};
	int rc = 0;
	while (rc == 0 && !m.sweep_done && !(m.max && m.removed >= m.max)) {
		if ((rc = ol_write(env, sweep_fn, &m)) != 0)
			break;
		m.tid = m.out_tid;
		m.part = m.out_part;
		m.sweep_done = m.out_done;
		m.removed += m.out_removed;
	}
	*removed = m.removed;
	return rc;
}

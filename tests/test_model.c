/* test_model.c - model-based random testing.
 *
 * A reference model of SEMANTICS.md, written plainly (arrays in memory: per
 * partition its records, log start and log end offset; per group and
 * partition the committed offset; per consumer its positions and reset
 * policy), and random sequences of operations run against both the library
 * and the model. Every result is compared: return codes, offsets, records,
 * watermarks, committed offsets, lags. Invalid operations are part of the
 * mix, each with a single fault, and after an error the store must be as
 * before.
 *
 * The store runs in SYNC mode, so the high watermark equals the log end
 * offset after every commit. Size retention is modelled as lib/retention.c
 * applies it: an append removes head records (at most 2 * appended + 16,
 * never its own) while the partition holds more than retention_bytes;
 * offlog_maintain() removes all it may; delete-records removes at most 1000
 * of the records below the new log start at once. Nothing at or above the
 * high watermark, nor anything the protected group "g0" has not committed
 * past, is removed by retention.
 *
 * Each seed is printed (seed=N) before it runs; a mismatch names the seed
 * and the operation index. Environment: OFFLOG_SEED=N replays one seed;
 * OFFLOG_MODEL_OPS=N sets the operations per seed; OFFLOG_STRESS=1 is the
 * long mode (20 seeds x 10000 operations, the quick mode 3 x 3000);
 * OFFLOG_MODEL_TRACE=1 prints every operation and the time per kind;
 * OFFLOG_MODEL_DIR=D puts the stores in D (default /dev/shm when writable:
 * the semantics are under test here, not the disk).
 */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NT 4          /* topic name slots */
#define NP 8          /* partitions per topic, at most */
#define NG 3          /* groups */
#define NC 3          /* consumer slots */
#define NA 6          /* partitions assigned to one consumer, at most */
#define MAXB 12       /* records per batch */
#define VMAX 120      /* bytes of a value */
#define TS0 1600000000000LL
#define HOUR_MS 3600000LL
#define CENTURY_MS (100LL * 365 * 24 * HOUR_MS)
#ifndef DELREC_STEP
#define DELREC_STEP 1000   /* lib/retention.c STEP_MAX */
#endif
#define INV OFFLOG_OFFSET_INVALID

static const char *const TNAME[NT] = {"t0", "t1", "t2", "t3"};
static const char *const GNAME[NG] = {"g0", "g1", "g2"};
static const char *const BAD_TOPIC = "bad topic";
static const char *const BAD_GROUP = "bad group";

/* ---- failure context ----------------------------------------------------- */

static uint64_t g_seed;
static long g_op;
static char g_what[160];
static bool g_trace;

#define CHECK(cond, ...)                                                                    \
	do {                                                                                    \
		if (!(cond)) {                                                                      \
			char m_[600];                                                                   \
			snprintf(m_, sizeof m_, __VA_ARGS__);                                           \
			fail_msg("MODEL MISMATCH seed=%" PRIu64 " op=%ld (%s): %s [last library detail: %s]\n"   \
			         "replay: OFFLOG_SEED=%" PRIu64 " OFFLOG_MODEL_OPS=%ld %s",             \
			         g_seed, g_op, g_what, m_, offlog_errmsg(), g_seed, g_op + 1,           \
			         "build/tests/test_model");                                             \
		}                                                                                   \
	} while (0)
#define CHECK_RC(got, want)                                                                 \
	CHECK((got) == (want), "library returned %s (%d), model expects %s", offlog_errname(got), \
	      (int)(got), offlog_errname(want))
#define CHECK_EQ(lib, model, what)                                                          \
	CHECK((int64_t)(lib) == (int64_t)(model), "%s: library %lld, model %lld", what,         \
	      (long long)(lib), (long long)(model))

static void what(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void what(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(g_what, sizeof g_what, fmt, ap);
	va_end(ap);
	if (g_trace)
		fprintf(stderr, "  op %ld: %s\n", g_op, g_what);
}

/* ---- random numbers (splitmix64) ----------------------------------------- */

static uint64_t rs;
static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15u);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}
static int64_t rn(int64_t n)
{
	return n <= 0 ? 0 : (int64_t)(rnd() % (uint64_t)n);
}
static bool chance(int pct)
{
	return rn(100) < pct;
}

/* ---- the model ------------------------------------------------------------ */

typedef struct mhdr {
	char name[4];
	size_t nlen;
	bool has_v;
	size_t vlen;
	char v[8];
} mhdr;

typedef struct mrec {
	int64_t off;
	int64_t ts;            /* OFFLOG_TIMESTAMP_NOW until pinned */
	int64_t ts_lo, ts_hi;  /* the append's time window, for NOW */
	bool pending;          /* ts is NOW: learn the append time from the store */
	bool has_key;
	size_t klen;
	char key[8];
	bool has_val;
	size_t vlen;
	char val[VMAX];
	size_t nh;
	mhdr h[2];
	int64_t pay;           /* key + value + encoded headers */
	int bad;               /* generator only: 1 NULL key with a length, 2 header without name */
} mrec;

typedef struct mpart {
	mrec *r;               /* stored records in offset order (some may be below log start) */
	size_t n, cap;
	int64_t log_start, leo, bytes;
} mpart;

typedef struct mtopic {
	bool exists;
	uint32_t id;           /* incarnation: a topic created again is a new log */
	int32_t np;
	int64_t ret_bytes;
	int32_t max_msg;
	bool protect;          /* protected group "g0" */
	mpart p[NP];
} mtopic;

typedef struct mcommit {
	bool has;
	int64_t off;
	char meta[48];
	int64_t t_lo, t_hi;
} mcommit;

typedef struct mstore {
	mtopic t[NT];
	mcommit c[NG][NT][NP];
	uint32_t next_id;
} mstore;

/* The keyless round-robin counter belongs to the env handle, not to the
 * store: an aborted transaction does not give its turns back. */
static uint32_t g_rr;

/* What the runs exercised, for the summary. */
static long g_removed, g_polled, g_fetched;

static void mstore_free(mstore *s)
{
	for (int i = 0; i < NT; i++)
		for (int j = 0; j < NP; j++) {
			free(s->t[i].p[j].r);
			s->t[i].p[j].r = NULL;
			s->t[i].p[j].n = s->t[i].p[j].cap = 0;
		}
}

static void mstore_copy(mstore *dst, const mstore *src)
{
	*dst = *src;
	for (int i = 0; i < NT; i++)
		for (int j = 0; j < NP; j++) {
			const mpart *sp = &src->t[i].p[j];
			mpart *dp = &dst->t[i].p[j];
			dp->r = NULL;
			dp->cap = sp->n;
			if (sp->n) {
				dp->r = malloc(sp->n * sizeof *dp->r);
				assert_non_null(dp->r);
				memcpy(dp->r, sp->r, sp->n * sizeof *dp->r);
			}
		}
}

static void mpart_push(mpart *p, const mrec *r)
{
	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 16;
		p->r = realloc(p->r, p->cap * sizeof *p->r);
		assert_non_null(p->r);
	}
	p->r[p->n++] = *r;
}

/* Records in [log start, LEO): the contract's count. */
static int64_t mpart_live(const mpart *p)
{
	int64_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->r[i].off >= p->log_start;
	return n;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > OFFLOG_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static bool group_ok(const char *g)
{
	size_t n = strlen(g);
	if (n == 0 || n > OFFLOG_GROUP_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)g[i] <= 0x20 || (unsigned char)g[i] >= 0x7f)
			return false;
	return true;
}

static int slot_of(const char *name)
{
	for (int i = 0; i < NT; i++)
		if (!strcmp(name, TNAME[i]))
			return i;
	return -1;
}

static int group_of(const char *g)
{
	for (int i = 0; i < NG; i++)
		if (!strcmp(g, GNAME[i]))
			return i;
	return -1;
}

/* topic_get: ENAME, ENOTOPIC. */
static int m_topic(mstore *s, const char *name, int *ti)
{
	if (!name_ok(name))
		return OFFLOG_ENAME;
	int i = slot_of(name);
	if (i < 0 || !s->t[i].exists)
		return OFFLOG_ENOTOPIC;
	*ti = i;
	return 0;
}

/* topic_get_part: ENAME, ENOTOPIC, ENOPART. */
static int m_part(mstore *s, const char *name, int32_t part, int *ti, mpart **mp)
{
	int rc = m_topic(s, name, ti);
	if (rc)
		return rc;
	if (part < 0 || part >= s->t[*ti].np)
		return OFFLOG_ENOPART;
	*mp = &s->t[*ti].p[part];
	return 0;
}

/* Kafka's murmur2, written out again so the model does not lean on the
 * library for partition choice. */
static int32_t m_partition_for_key(const char *key, size_t len, int32_t n)
{
	const uint32_t m = 0x5bd1e995u;
	const uint8_t *p = (const uint8_t *)key;
	uint32_t h = 0x9747b28cu ^ (uint32_t)len;
	size_t i = 0;
	for (; i + 4 <= len; i += 4) {
		uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
		             (uint32_t)p[i + 3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len - i) {
	case 3:
		h ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		h ^= p[i];
		h *= m;
		break;
	default:
		break;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	return (int32_t)((h & 0x7fffffffu) % (uint32_t)n);
}

static int64_t m_protect_limit(const mstore *s, int ti, int32_t part)
{
	if (!s->t[ti].protect)
		return INT64_MAX;
	const mcommit *c = &s->c[0][ti][part];
	return c->has ? c->off : s->t[ti].p[part].log_start;
}

/* lib/retention.c log_trim with retention by size only: remove head records
 * while they are below the log start, or (policy) while the partition holds
 * more than retention_bytes, never at or above min(HW, protect, below). */
static uint64_t m_trim(mstore *s, int ti, int32_t part, bool policy, int64_t below, size_t budget)
{
	mtopic *t = &s->t[ti];
	mpart *p = &t->p[part];
	int64_t limit = m_protect_limit(s, ti, part);
	if (limit > p->leo)   /* the high watermark, SYNC mode */
		limit = p->leo;
	if (limit > below)
		limit = below;
	bool by_size = policy && t->ret_bytes >= 0;
	size_t k = 0;
	while (budget > 0 && k < p->n) {
		const mrec *r = &p->r[k];
		bool bel = r->off < p->log_start;
		if (!(bel || (r->off < limit && by_size && p->bytes > t->ret_bytes)))
			break;
		p->bytes -= r->pay;
		if (!bel)
			p->log_start = r->off + 1;
		k++;
		budget--;
	}
	g_removed += (long)k;
	if (k) {
		memmove(p->r, p->r + k, (p->n - k) * sizeof *p->r);
		p->n -= k;
	}
	return k;
}

static int m_check_rec(const mrec *r, int32_t max_msg)
{
	if (r->bad)
		return OFFLOG_EINVAL;
	if (r->ts < 0 && r->ts != OFFLOG_TIMESTAMP_NOW)
		return OFFLOG_EINVAL;
	if ((int64_t)r->vlen > max_msg || r->pay > max_msg)
		return OFFLOG_ETOOBIG;
	return 0;
}

/* offlog_append_batch / offlog_txn_append. */
static int m_append(mstore *s, const char *topic, int32_t part, mrec *msgs, size_t n,
                    int64_t *base, int32_t *used)
{
	int ti;
	if (n == 0)
		return OFFLOG_EINVAL;
	if (part < OFFLOG_PARTITION_ANY)
		return OFFLOG_ENOPART;
	int rc = m_topic(s, topic, &ti);
	if (rc)
		return rc;
	mtopic *t = &s->t[ti];
	if (part == OFFLOG_PARTITION_ANY) {
		int32_t chosen = -1;
		for (size_t i = 0; i < n; i++) {
			if (!msgs[i].has_key)
				continue;
			int32_t p = m_partition_for_key(msgs[i].key, msgs[i].klen, t->np);
			if (chosen >= 0 && p != chosen)
				return OFFLOG_EINVAL;
			chosen = p;
		}
		if (chosen < 0)
			chosen = (int32_t)(g_rr++ % (uint32_t)t->np);
		part = chosen;
	} else if (part >= t->np) {
		return OFFLOG_ENOPART;
	}
	for (size_t i = 0; i < n; i++)
		if ((rc = m_check_rec(&msgs[i], t->max_msg)) != 0)
			return rc;
	mpart *p = &t->p[part];
	*base = p->leo;
	*used = part;
	for (size_t i = 0; i < n; i++) {
		msgs[i].off = p->leo++;
		mpart_push(p, &msgs[i]);
		p->bytes += msgs[i].pay;
	}
	if (t->ret_bytes >= 0)
		m_trim(s, ti, part, true, p->leo - (int64_t)n, 2 * n + 16);
	return 0;
}

/* The earliest offset in [log start, end) whose timestamp is >= ts, else end. */
static int64_t m_offset_for_time(const mpart *p, int64_t ts, int64_t end)
{
	if (ts < 0)
		ts = 0;
	for (size_t i = 0; i < p->n; i++) {
		const mrec *r = &p->r[i];
		if (r->off < p->log_start)
			continue;
		if (r->off >= end)
			break;
		if (r->ts >= ts)
			return r->off;
	}
	return end;
}

/* lib/log.c log_read: up to max records from `from` below `end`, about
 * max_bytes (the first record always); next is past the last record, or
 * `end` when nothing else is below it. Indexes into p->r go to idx. */
static size_t m_read(const mpart *p, int64_t from, int64_t end, size_t max, uint64_t max_bytes,
                     size_t *idx, int64_t *next)
{
	size_t got = 0;
	uint64_t bytes = 0;
	bool exhausted = true;
	*next = from;
	if (from >= end || max == 0)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		const mrec *r = &p->r[i];
		if (r->off < from)
			continue;
		if (r->off >= end)
			break;
		if (got > 0 && bytes + (uint64_t)r->pay > max_bytes) {
			exhausted = false;
			break;
		}
		idx[got] = i;
		bytes += (uint64_t)r->pay;
		*next = r->off + 1;
		if (++got == max) {
			exhausted = false;
			break;
		}
	}
	if (exhausted)
		*next = end;
	return got;
}

/* commit_write_list: check every entry, then store them all, or none. */
static int m_commit_list(mstore *s, const char *group, offlog_partition_offset *list, size_t n,
                         int *errs, int64_t t_lo, int64_t t_hi)
{
	if (!group_ok(group))
		return OFFLOG_ENAME;
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		int ti;
		mpart *p;
		int e = m_part(s, list[i].topic, list[i].partition, &ti, &p);
		if (e == 0 && list[i].offset < 0)
			e = OFFLOG_EOFFSET;
		if (e == 0 && list[i].metadata && strlen(list[i].metadata) > OFFLOG_METADATA_MAX)
			e = OFFLOG_ETOOBIG;
		if (e == 0 && list[i].offset > p->leo)
			e = OFFLOG_ERANGE;
		errs[i] = e;
		if (e && !first)
			first = e;
	}
	if (first)
		return first;
	int g = group_of(group);
	assert_true(g >= 0);
	for (size_t i = 0; i < n; i++) {
		mcommit *c = &s->c[g][slot_of(list[i].topic)][list[i].partition];
		c->has = true;
		c->off = list[i].offset;
		snprintf(c->meta, sizeof c->meta, "%s", list[i].metadata ? list[i].metadata : "");
		c->t_lo = t_lo;
		c->t_hi = t_hi;
	}
	return 0;
}

/* ---- consumers in the model ------------------------------------------------- */

typedef struct mcp {
	int ti;
	int32_t part;
	int64_t pos;     /* OFFLOG_OFFSET_INVALID: not yet known */
	uint32_t tid;    /* the incarnation the position belongs to; 0 = any */
	bool paused;
} mcp;

typedef struct mcons {
	offlog_consumer *h;
	bool open;
	int group;       /* -1: none */
	int reset;
	int64_t dur;
	bool autoc;
	uint32_t maxrec;
	mcp a[NA];
	size_t n;
	size_t turn;
} mcons;

/* The partition's log, as the consumer sees it now; a topic created again
 * is a new log where the old position means nothing. */
static int m_load(mstore *s, mcp *cp, mpart **mp)
{
	int ti;
	int rc = m_part(s, TNAME[cp->ti], cp->part, &ti, mp);
	if (rc)
		return rc;
	if (cp->tid != s->t[ti].id) {
		if (cp->tid != 0)
			cp->pos = INV;
		cp->tid = s->t[ti].id;
	}
	return 0;
}

static int m_reset(const mcons *c, const mpart *p, int64_t had, int64_t *pos)
{
	switch (c->reset) {
	case OFFLOG_RESET_EARLIEST:
		*pos = p->log_start;
		return 0;
	case OFFLOG_RESET_LATEST:
		*pos = p->leo;
		return 0;
	case OFFLOG_RESET_BY_DURATION:
		*pos = m_offset_for_time(p, wall_ms() - c->dur, p->leo);
		return 0;
	default:
		return had == INV ? OFFLOG_ENOOFFSET : OFFLOG_ERANGE;
	}
}

/* Position if known and in range, else committed offset if in range, else
 * the reset policy. */
static int m_resolve(mstore *s, const mcons *c, const mcp *cp, const mpart *p, int64_t *pos)
{
	int64_t had = cp->pos;
	if (had == INV && c->group >= 0) {
		const mcommit *cm = &s->c[c->group][cp->ti][cp->part];
		had = cm->has ? cm->off : INV;
	}
	if (had != INV && had >= p->log_start && had <= p->leo) {
		*pos = had;
		return 0;
	}
	return m_reset(c, p, had, pos);
}

/* Commit the known positions (consumer commit, auto-commit, transaction):
 * skipped are unknown positions, deleted or recreated topics and positions
 * beyond the LEO. */
static void m_commit_positions(mstore *s, mcons *c, int64_t t_lo, int64_t t_hi)
{
	for (size_t i = 0; i < c->n; i++) {
		mcp *cp = &c->a[i];
		mtopic *t = &s->t[cp->ti];
		if (cp->pos == INV || !t->exists || cp->part >= t->np || (cp->tid && cp->tid != t->id))
			continue;
		if (cp->pos > t->p[cp->part].leo)
			continue;
		cp->tid = t->id;
		mcommit *cm = &s->c[c->group][cp->ti][cp->part];
		cm->has = true;
		cm->off = cp->pos;
		cm->meta[0] = 0;
		cm->t_lo = t_lo;
		cm->t_hi = t_hi;
	}
}

static mcp *m_find(mcons *c, const char *topic, int32_t part)
{
	int ti = slot_of(topic);
	for (size_t i = 0; i < c->n; i++)
		if (c->a[i].ti == ti && c->a[i].part == part)
			return &c->a[i];
	return NULL;
}

/* ---- the harness state --------------------------------------------------- */

typedef struct world {
	char *dir;
	char path[600];
	offlog_env *env;
	mstore m;
	mcons c[NC];
	offlog_batch *batch;
	long ops;
	long errors;       /* operations whose expected result was an error */
	long kinds[64];
	double secs[64];
} world;

static world *g_world;

static void cleanup_world(world *w)
{
	if (!w)
		return;
	for (int i = 0; i < NC; i++)
		if (w->c[i].open)
			offlog_consumer_close(w->c[i].h);
	offlog_batch_free(w->batch);
	if (w->env)
		offlog_close(w->env);
	mstore_free(&w->m);
	if (w->dir) {
		rm_rf(w->dir);
		free(w->dir);
	}
	free(w);
}

/* ---- comparing ---------------------------------------------------------------- */

static void cmp_record(const offlog_record *got, const char *topic, int32_t part, const mrec *want)
{
	CHECK(got->topic && !strcmp(got->topic, topic), "record topic %s, model %s",
	      got->topic ? got->topic : "(null)", topic);
	CHECK_EQ(got->partition, part, "record partition");
	CHECK_EQ(got->offset, want->off, "record offset");
	CHECK(!want->pending, "record %lld has no pinned timestamp", (long long)want->off);
	CHECK_EQ(got->timestamp, want->ts, "record timestamp");
	CHECK((got->key != NULL) == want->has_key, "record @%lld key presence", (long long)want->off);
	if (want->has_key)
		CHECK(got->key_len == want->klen && !memcmp(got->key, want->key, want->klen),
		      "record @%lld key differs", (long long)want->off);
	CHECK((got->value != NULL) == want->has_val, "record @%lld value presence (tombstone)",
	      (long long)want->off);
	if (want->has_val)
		CHECK(got->value_len == want->vlen && !memcmp(got->value, want->val, want->vlen),
		      "record @%lld value differs (len %zu vs %zu)", (long long)want->off, got->value_len,
		      want->vlen);
	CHECK_EQ(got->header_count, want->nh, "record header count");
	if (want->nh) {
		offlog_header hs[4];
		size_t nh = 0;
		int rc = offlog_record_headers(hs, 4, &nh, got);
		CHECK_RC(rc, 0);
		CHECK_EQ(nh, want->nh, "decoded header count");
		for (size_t i = 0; i < nh; i++) {
			const mhdr *h = &want->h[i];
			CHECK(hs[i].name_len == h->nlen && !memcmp(hs[i].name, h->name, h->nlen),
			      "header %zu name", i);
			CHECK((hs[i].value != NULL) == h->has_v, "header %zu value presence", i);
			if (h->has_v)
				CHECK(hs[i].value_len == h->vlen && !memcmp(hs[i].value, h->v, h->vlen),
				      "header %zu value", i);
		}
	}
}

static void check_committed(world *w, int g, int ti, int32_t part, const offlog_committed *cm)
{
	const mcommit *mc = &w->m.c[g][ti][part];
	CHECK_EQ(cm->offset, mc->has ? mc->off : INV, "committed offset");
	if (!mc->has) {
		CHECK_EQ(cm->commit_time_ms, 0, "commit time of nothing");
		return;
	}
	CHECK(cm->commit_time_ms >= mc->t_lo && cm->commit_time_ms <= mc->t_hi,
	      "commit time %lld outside [%lld, %lld]", (long long)cm->commit_time_ms,
	      (long long)mc->t_lo, (long long)mc->t_hi);
	CHECK(cm->metadata_len == strlen(mc->meta) && !strcmp(cm->metadata, mc->meta),
	      "commit metadata \"%.60s\", model \"%.60s\"", cm->metadata, mc->meta);
}

/* Describe one topic slot and compare watermarks, counts and configuration. */
static void check_topic(world *w, int ti)
{
	offlog_topic_info *info = NULL;
	const mtopic *t = &w->m.t[ti];
	int rc = offlog_topic_describe(&info, w->env, TNAME[ti]);
	CHECK_RC(rc, t->exists ? 0 : OFFLOG_ENOTOPIC);
	if (!t->exists)
		return;
	CHECK_EQ(info->partition_count, t->np, "partition count");
	CHECK_EQ(info->config.retention_bytes, t->ret_bytes, "retention_bytes");
	CHECK_EQ(info->config.max_message_bytes, t->max_msg, "max_message_bytes");
	CHECK_EQ(info->config.protected_group_count, t->protect ? 1 : 0, "protected groups");
	if (t->protect)
		CHECK(!strcmp(info->config.protected_groups[0], "g0"), "protected group name");
	for (int32_t p = 0; p < t->np; p++) {
		const mpart *mp = &t->p[p];
		const offlog_partition_info *pi = &info->partitions[p];
		char buf[64];
		snprintf(buf, sizeof buf, "%s/%d log start", TNAME[ti], p);
		CHECK_EQ(pi->log_start, mp->log_start, buf);
		snprintf(buf, sizeof buf, "%s/%d log end", TNAME[ti], p);
		CHECK_EQ(pi->log_end, mp->leo, buf);
		snprintf(buf, sizeof buf, "%s/%d high watermark (SYNC: = LEO)", TNAME[ti], p);
		CHECK_EQ(pi->high_watermark, mp->leo, buf);
		snprintf(buf, sizeof buf, "%s/%d records (LEO - log start minus gaps)", TNAME[ti], p);
		CHECK_EQ(pi->records, mpart_live(mp), buf);
		snprintf(buf, sizeof buf, "%s/%d bytes stored", TNAME[ti], p);
		CHECK_EQ(pi->bytes, mp->bytes, buf);
	}
	offlog_topic_info_free(info);
}

/* Everything: the topic list, every topic, every committed offset, and (with
 * contents) every readable record. */
static void check_all(world *w, bool contents)
{
	char **names;
	size_t n;
	int rc = offlog_topic_list(&names, &n, w->env);
	CHECK_RC(rc, 0);
	size_t k = 0;
	for (int i = 0; i < NT; i++) {
		if (!w->m.t[i].exists)
			continue;
		CHECK(k < n && !strcmp(names[k], TNAME[i]), "topic list entry %zu: %s, model %s", k,
		      k < n ? names[k] : "(none)", TNAME[i]);
		k++;
	}
	CHECK_EQ(n, k, "topic count");
	offlog_names_free(names, n);
	for (int i = 0; i < NT; i++) {
		check_topic(w, i);
		const mtopic *t = &w->m.t[i];
		if (!t->exists)
			continue;
		for (int g = 0; g < NG; g++)
			for (int32_t p = 0; p < t->np; p++) {
				offlog_committed cm = OFFLOG_COMMITTED_INIT;
				rc = offlog_group_committed(&cm, w->env, GNAME[g], TNAME[i], p);
				CHECK_RC(rc, 0);
				check_committed(w, g, i, p, &cm);
			}
		if (!contents)
			continue;
		for (int32_t p = 0; p < t->np; p++) {
			const mpart *mp = &t->p[p];
			size_t j = 0;
			while (j < mp->n && mp->r[j].off < mp->log_start)
				j++;
			int64_t off = OFFLOG_OFFSET_BEGINNING;
			for (;;) {
				const offlog_record *r;
				size_t got;
				int64_t next;
				rc = offlog_fetch(&w->batch, w->env, TNAME[i], p, off, 0, 0);
				CHECK_RC(rc, 0);
				offlog_batch_records(&r, &got, &next, w->batch);
				for (size_t x = 0; x < got; x++, j++) {
					CHECK(j < mp->n, "%s/%d: more records than the model", TNAME[i], p);
					cmp_record(&r[x], TNAME[i], p, &mp->r[j]);
				}
				if (got == 0)
					break;
				off = next;
			}
			CHECK(j == mp->n, "%s/%d: %zu records read, model has %zu", TNAME[i], p, j, mp->n);
		}
	}
}

/* Learn the append time of records appended with OFFLOG_TIMESTAMP_NOW. */
static void pin_timestamps(world *w)
{
	for (int i = 0; i < NT; i++) {
		mtopic *t = &w->m.t[i];
		if (!t->exists)
			continue;
		for (int32_t p = 0; p < t->np; p++) {
			mpart *mp = &t->p[p];
			for (size_t j = 0; j < mp->n; j++) {
				mrec *r = &mp->r[j];
				if (!r->pending)
					continue;
				if (r->off < mp->log_start) {   /* unreadable: never compared */
					r->ts = r->ts_lo;
					r->pending = false;
					continue;
				}
				const offlog_record *got;
				size_t n;
				int rc = offlog_fetch(&w->batch, w->env, TNAME[i], p, r->off, 1, 0);
				CHECK_RC(rc, 0);
				offlog_batch_records(&got, &n, NULL, w->batch);
				CHECK(n == 1 && got[0].offset == r->off, "fetch of %s/%d@%lld for its timestamp",
				      TNAME[i], p, (long long)r->off);
				CHECK(got[0].timestamp >= r->ts_lo && got[0].timestamp <= r->ts_hi,
				      "append time %lld of %s/%d@%lld outside the call [%lld, %lld]",
				      (long long)got[0].timestamp, TNAME[i], p, (long long)r->off,
				      (long long)r->ts_lo, (long long)r->ts_hi);
				r->ts = got[0].timestamp;
				r->pending = false;
			}
		}
	}
}

/* ---- generators ------------------------------------------------------------------ */

static void gen_rec(mrec *r, bool allow_bad)
{
	memset(r, 0, sizeof *r);
	int k = (int)rn(10);
	if (k < 6) {
		r->has_key = true;
		r->klen = (size_t)snprintf(r->key, sizeof r->key, "k%d", (int)rn(12));
	} else if (k == 6) {
		r->has_key = true;   /* an empty key */
	}
	if (chance(8)) {
		r->has_val = false;   /* a tombstone */
	} else {
		r->has_val = true;
		r->vlen = (size_t)(chance(10) ? 50 + rn(VMAX - 50 + 1) : rn(30));
		for (size_t i = 0; i < r->vlen; i++)
			r->val[i] = (char)('a' + rn(26));
	}
	if (chance(20)) {
		r->nh = (size_t)(1 + rn(2));
		for (size_t i = 0; i < r->nh; i++) {
			mhdr *h = &r->h[i];
			h->nlen = (size_t)snprintf(h->name, sizeof h->name, "h%d", (int)rn(10));
			h->has_v = chance(80);
			h->vlen = h->has_v ? (size_t)rn(7) : 0;
			for (size_t j = 0; j < h->vlen; j++)
				h->v[j] = (char)('A' + rn(26));
		}
	}
	r->ts = chance(30) ? OFFLOG_TIMESTAMP_NOW : TS0 + rn(100000);
	if (allow_bad && chance(4)) {
		int b = (int)rn(3);
		if (r->vlen > 10)
			r->vlen = 10;
		if (b == 0) {
			r->bad = 1;          /* key NULL with a length */
			r->has_key = false;
		} else if (b == 1) {
			r->bad = 2;          /* a header without a name */
			r->nh = 1;
			r->h[0].nlen = 0;
		} else {
			r->ts = -5 - rn(10); /* a negative timestamp */
		}
	}
	r->pay = (int64_t)(r->klen + r->vlen);
	for (size_t i = 0; i < r->nh; i++)
		r->pay += (int64_t)(1 + r->h[i].nlen + 1 + r->h[i].vlen);
}

static void to_msg(offlog_message *m, offlog_header *hs, const mrec *r)
{
	m->key = r->has_key ? r->key : NULL;
	m->key_len = r->klen;
	m->value = r->has_val ? r->val : NULL;
	m->value_len = r->vlen;
	m->timestamp = r->ts;
	for (size_t i = 0; i < r->nh; i++)
		hs[i] = (offlog_header){r->h[i].nlen ? r->h[i].name : NULL, r->h[i].nlen,
		                        r->h[i].has_v ? r->h[i].v : NULL, r->h[i].vlen};
	m->headers = r->nh ? hs : NULL;
	m->header_count = r->nh;
	if (r->bad == 1) {
		m->key = NULL;
		m->key_len = 3;
	}
}

/* Apply the window to the stored copies (m_append stored them before). */
static void note_now_stored(mstore *s, const char *topic, int32_t part, int64_t base, size_t n,
                            int64_t lo, int64_t hi)
{
	int ti = slot_of(topic);
	mpart *p = &s->t[ti].p[part];
	for (size_t i = 0; i < p->n; i++)
		if (p->r[i].off >= base && p->r[i].off < base + (int64_t)n &&
		    p->r[i].ts == OFFLOG_TIMESTAMP_NOW) {
			p->r[i].pending = true;
			p->r[i].ts_lo = lo;
			p->r[i].ts_hi = hi;
		}
}

static int some_topic(const mstore *s)
{
	int live[NT], n = 0;
	for (int i = 0; i < NT; i++)
		if (s->t[i].exists)
			live[n++] = i;
	return n ? live[rn(n)] : (int)rn(NT);
}

/* A (topic, partition) target, valid most of the time; a fault is one of
 * unknown topic, unknown partition, negative partition, bad name. */
typedef struct target {
	const char *topic;
	int32_t part;
} target;

static target pick_target(const mstore *s, int fault_pct)
{
	int ti = some_topic(s);
	const mtopic *t = &s->t[ti];
	target x = {TNAME[ti], t->exists ? (int32_t)rn(t->np) : 0};
	if (!chance(fault_pct))
		return x;
	switch (rn(4)) {
	case 0:
		for (int i = 0; i < NT; i++)
			if (!s->t[i].exists)
				x.topic = TNAME[i];
		if (x.topic == TNAME[ti] && t->exists)
			x.topic = "unknown-topic";
		break;
	case 1:
		x.part = t->exists ? t->np + (int32_t)rn(3) : 5;
		break;
	case 2:
		x.part = -3 - (int32_t)rn(5);
		break;
	default:
		x.topic = chance(50) ? BAD_TOPIC : "";
		break;
	}
	return x;
}

static int64_t pick_ts(const mstore *s, const target *x)
{
	switch (rn(6)) {
	case 0:
		return 0;
	case 1:
		return wall_ms() + HOUR_MS;   /* after every record */
	case 2: {                           /* exactly a stored record's */
		int ti = slot_of(x->topic);
		if (ti >= 0 && s->t[ti].exists && x->part >= 0 && x->part < s->t[ti].np) {
			const mpart *p = &s->t[ti].p[x->part];
			if (p->n)
				return p->r[rn((int64_t)p->n)].ts;
		}
		return TS0;
	}
	case 3:
		return wall_ms() - HOUR_MS;   /* between the fixed and the append-time stamps */
	default:
		return TS0 + rn(102000);
	}
}

/* ---- operations ----------------------------------------------------------------- */

enum {
	K_APPEND, K_BATCH, K_TXN, K_FETCH, K_CONS_OPEN, K_ASSIGN, K_POLL, K_SEEK, K_SEEK_TS,
	K_SEEK_REL, K_POSITION, K_PAUSE, K_COMMIT, K_COMMIT_OFFSETS, K_COMMITTED, K_LAG, K_OFT,
	K_DELREC, K_MAINTAIN, K_CREATE, K_DELETE, K_ADD_PARTS, K_ALTER, K_DESCRIBE, K_REOPEN,
	K_CLOSE_BUSY, K_RECREATE, K_COUNT
};
static const char *const KIND_NAME[K_COUNT] = {
	"append", "append_batch", "transaction", "fetch", "consumer open/close", "assign", "poll",
	"seek", "seek_timestamp", "seek_relative", "position", "pause/resume", "commit",
	"commit_offsets", "committed", "lag", "offsets_for_times", "delete_records", "maintain",
	"topic create", "topic delete", "add partitions", "alter config", "describe/watermarks",
	"reopen", "close while busy", "topic recreate"};

static void expect_err(world *w, int want)
{
	if (want)
		w->errors++;
}

static void op_append(world *w, bool batch)
{
	mrec msgs[MAXB];
	offlog_message m[MAXB];
	offlog_header hs[MAXB][2];
	size_t n = batch ? (size_t)(chance(5) ? 0 : 1 + rn(MAXB)) : 1;
	target x = pick_target(&w->m, 8);
	if (chance(35))
		x.part = OFFLOG_PARTITION_ANY;
	bool bad = chance(15);
	size_t badi = n ? (size_t)rn((int64_t)n) : 0;
	/* Batches to ANY: the same key, or none, so they map to one partition
	 * (sometimes not: EINVAL). */
	int keying = (int)rn(3);
	for (size_t i = 0; i < n; i++) {
		gen_rec(&msgs[i], bad && i == badi);
		if (batch && x.part == OFFLOG_PARTITION_ANY && keying < 2 && !msgs[i].bad) {
			if (keying == 0) {
				msgs[i].has_key = false;
				msgs[i].klen = 0;
			} else {
				msgs[i].has_key = true;
				msgs[i].klen = (size_t)snprintf(msgs[i].key, sizeof msgs[i].key, "k7");
			}
			msgs[i].pay = (int64_t)(msgs[i].klen + msgs[i].vlen);
			for (size_t j = 0; j < msgs[i].nh; j++)
				msgs[i].pay += (int64_t)(1 + msgs[i].h[j].nlen + 1 + msgs[i].h[j].vlen);
		}
		to_msg(&m[i], hs[i], &msgs[i]);
	}
	what("%s %zu record(s) to %s/%d", batch ? "append_batch" : "append", n, x.topic, x.part);
	int64_t base = -77, mbase = -1;
	int32_t used = -77, mused = -1;
	int64_t lo = wall_ms();
	int rc = batch ? offlog_append_batch(&base, &used, w->env, x.topic, x.part, m, n)
	               : offlog_append(&base, &used, w->env, x.topic, x.part, m);
	int64_t hi = wall_ms();
	int want = m_append(&w->m, x.topic, x.part, msgs, n, &mbase, &mused);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (want) {
		CHECK_EQ(base, -77, "offset written on error");
		if (slot_of(x.topic) >= 0)
			check_topic(w, slot_of(x.topic));
		return;
	}
	CHECK_EQ(used, mused, "partition used");
	CHECK_EQ(base, mbase, "base offset");
	note_now_stored(&w->m, x.topic, mused, mbase, n, lo, hi);
	pin_timestamps(w);
}

static void op_fetch(world *w)
{
	target x = pick_target(&w->m, 8);
	int64_t off;
	int ti = slot_of(x.topic);
	const mpart *mp = NULL;
	if (ti >= 0 && w->m.t[ti].exists && x.part >= 0 && x.part < w->m.t[ti].np)
		mp = &w->m.t[ti].p[x.part];
	switch (rn(6)) {
	case 0:
		off = OFFLOG_OFFSET_BEGINNING;
		break;
	case 1:
		off = chance(50) ? OFFLOG_OFFSET_END : -5 - rn(100);   /* END: the high watermark */
		break;
	default:
		off = mp ? mp->log_start - 2 + rn(mp->leo - mp->log_start + 5) : rn(10);
		break;
	}
	size_t max = (size_t)(chance(30) ? 0 : 1 + rn(12));
	size_t max_bytes = (size_t)(chance(50) ? 0 : 1 + rn(300));
	what("fetch %s/%d from %lld max %zu bytes %zu", x.topic, x.part, (long long)off, max,
	     max_bytes);
	if (w->batch && chance(20)) {
		offlog_batch_free(w->batch);
		w->batch = NULL;
	}
	int rc = offlog_fetch(&w->batch, w->env, x.topic, x.part, off, max, max_bytes);
	int want = 0;
	if (off < 0 && off != OFFLOG_OFFSET_BEGINNING && off != OFFLOG_OFFSET_END)
		want = OFFLOG_EOFFSET;
	mpart *p = NULL;
	int mti;
	if (!want)
		want = m_part(&w->m, x.topic, x.part, &mti, &p);
	if (!want) {
		if (off == OFFLOG_OFFSET_BEGINNING)
			off = p->log_start;
		else if (off == OFFLOG_OFFSET_END)
			off = p->leo;   /* the high watermark: the model's stores are synced */
		if (off < p->log_start || off > p->leo)
			want = OFFLOG_ERANGE;
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (want)
		return;
	size_t idx[1000];
	int64_t mnext;
	size_t mn = m_read(p, off, p->leo, max ? max : 500, max_bytes ? max_bytes : 1048576, idx,
	                   &mnext);
	const offlog_record *r;
	size_t n;
	int64_t next;
	offlog_batch_records(&r, &n, &next, w->batch);
	CHECK_EQ(n, mn, "fetched record count");
	g_fetched += (long)n;
	CHECK_EQ(next, mnext, "next offset");
	for (size_t i = 0; i < n; i++)
		cmp_record(&r[i], x.topic, x.part, &p->r[idx[i]]);
}

static void op_oft(world *w)
{
	offlog_partition_offset list[4];
	int64_t in[4] = {0};
	size_t n = (size_t)(1 + rn(4));
	for (size_t i = 0; i < n; i++) {
		target x = pick_target(&w->m, 6);
		int64_t ts;
		switch (rn(8)) {
		case 0:
			ts = OFFLOG_OFFSET_BEGINNING;
			break;
		case 1:
			ts = OFFLOG_OFFSET_END;
			break;
		case 2:
			ts = chance(50) ? -3 - rn(100) : pick_ts(&w->m, &x);
			break;
		default:
			ts = pick_ts(&w->m, &x);
			break;
		}
		list[i] = (offlog_partition_offset){x.topic, x.part, ts, NULL, 12345};
		in[i] = ts;
	}
	what("offsets_for_times %zu entries, first %s/%d ts %lld", n, list[0].topic,
	     list[0].partition, (long long)in[0]);
	int rc = offlog_offsets_for_times(w->env, list, n);
	int first = 0;
	for (size_t i = 0; i < n; i++) {
		int ti;
		mpart *p;
		int e = m_part(&w->m, list[i].topic, list[i].partition, &ti, &p);
		int64_t want = in[i];
		if (!e) {
			if (in[i] == OFFLOG_OFFSET_BEGINNING)
				want = p->log_start;
			else if (in[i] == OFFLOG_OFFSET_END)
				want = p->leo;
			else if (in[i] < 0)
				e = OFFLOG_EINVAL;
			else if ((want = m_offset_for_time(p, in[i], p->leo)) == p->leo)
				want = OFFLOG_OFFSET_END;   /* no record at or after it: Kafka's null */
		}
		CHECK_RC(list[i].err, e);
		if (!e && list[i].offset != want && getenv("OFFLOG_MODEL_DUMP")) {
			fprintf(stderr, "%s/%d ts %lld log_start %lld leo %lld:\n", list[i].topic,
			        list[i].partition, (long long)in[i], (long long)p->log_start,
			        (long long)p->leo);
			for (size_t j = 0; j < p->n; j++)
				fprintf(stderr, "  @%lld ts %lld\n", (long long)p->r[j].off, (long long)p->r[j].ts);
		}
		if (!e)
			CHECK_EQ(list[i].offset, want, "offset for time");
		if (e && !first)
			first = e;
	}
	CHECK_RC(rc, first);
	expect_err(w, first);
}

static void op_delrec(world *w)
{
	target x = pick_target(&w->m, 8);
	int ti = slot_of(x.topic);
	int64_t before;
	const mpart *mp = NULL;
	if (ti >= 0 && w->m.t[ti].exists && x.part >= 0 && x.part < w->m.t[ti].np)
		mp = &w->m.t[ti].p[x.part];
	switch (rn(8)) {
	case 0:
		before = OFFLOG_OFFSET_END;
		break;
	case 1:
		before = -2 - rn(100);
		break;
	default:
		before = mp ? mp->log_start - 3 + rn(mp->leo - mp->log_start + 6) : rn(5);
		if (before < 0)
			before = 0;
		break;
	}
	what("delete_records %s/%d before %lld", x.topic, x.part, (long long)before);
	int64_t low = -77;
	int rc = offlog_delete_records(&low, w->env, x.topic, x.part, before);
	int want = 0;
	mpart *p = NULL;
	if (!name_ok(x.topic))
		want = OFFLOG_ENAME;
	else if (before < 0 && before != OFFLOG_OFFSET_END)
		want = OFFLOG_EOFFSET;
	else
		want = m_part(&w->m, x.topic, x.part, &ti, &p);
	if (!want) {
		int64_t b = before == OFFLOG_OFFSET_END ? p->leo : before;
		if (b > p->leo)
			want = OFFLOG_ERANGE;
		else {
			if (b > p->log_start)
				p->log_start = b;
			m_trim(&w->m, ti, x.part, false, INT64_MAX, DELREC_STEP);
		}
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want)
		CHECK_EQ(low, p->log_start, "new log start");
	if (slot_of(x.topic) >= 0)
		check_topic(w, slot_of(x.topic));
}

static void op_maintain(world *w)
{
	what("maintain");
	uint64_t removed = 99999;
	int rc = offlog_maintain(w->env, 0, &removed);
	CHECK_RC(rc, 0);
	uint64_t mremoved = 0;
	for (int i = 0; i < NT; i++) {
		if (!w->m.t[i].exists)
			continue;
		for (int32_t p = 0; p < w->m.t[i].np; p++)
			mremoved += m_trim(&w->m, i, p, true, INT64_MAX, SIZE_MAX);
	}
	CHECK_EQ(removed, mremoved, "records removed by maintain");
	for (int i = 0; i < NT; i++)
		check_topic(w, i);
}

static void gen_config(offlog_topic_config *cfg, mtopic *t, const char **protect_list)
{
	offlog_topic_config_init(cfg);
	t->ret_bytes = chance(45) ? 60 + rn(500) : -1;
	t->max_msg = chance(25) ? 64 : OFFLOG_MESSAGE_MAX_DEFAULT;
	t->protect = chance(35);
	cfg->retention_bytes = t->ret_bytes;
	cfg->max_message_bytes = t->max_msg;
	if (t->protect) {
		protect_list[0] = "g0";
		cfg->protected_groups = protect_list;
		cfg->protected_group_count = 1;
	}
}

static void op_create(world *w)
{
	int ti = (int)rn(NT);
	const char *name = TNAME[ti];
	int32_t np = (int32_t)(1 + rn(3));
	offlog_topic_config cfg;
	mtopic nt;
	const char *plist[1];
	memset(&nt, 0, sizeof nt);
	gen_config(&cfg, &nt, plist);
	int want = 0;
	switch (rn(10)) {
	case 0:
		name = chance(50) ? ".." : "no/slash";
		want = OFFLOG_ENAME;
		break;
	case 1:
		np = chance(50) ? 0 : -1;
		want = OFFLOG_EINVAL;
		break;
	case 2:
		cfg.retention_bytes = -2 - rn(10);
		want = OFFLOG_EINVAL;
		break;
	case 3:
		cfg.max_message_bytes = 0;
		want = OFFLOG_EINVAL;
		break;
	default:
		break;
	}
	if (!want && w->m.t[ti].exists)
		want = OFFLOG_EEXIST;
	what("topic create %s (%d partitions, retention_bytes %lld, max_message_bytes %d%s)", name,
	     np, (long long)cfg.retention_bytes, cfg.max_message_bytes,
	     nt.protect ? ", protects g0" : "");
	int rc = offlog_topic_create(w->env, name, np, &cfg);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want) {
		mtopic *t = &w->m.t[ti];
		for (int p = 0; p < NP; p++)
			free(t->p[p].r);
		*t = nt;
		t->exists = true;
		t->id = ++w->m.next_id;
		t->np = np;
		for (int g = 0; g < NG; g++)
			for (int p = 0; p < NP; p++)
				memset(&w->m.c[g][ti][p], 0, sizeof w->m.c[g][ti][p]);
	}
	check_topic(w, ti);
}

static void op_delete(world *w)
{
	int ti = (int)rn(NT);
	const char *name = chance(5) ? BAD_TOPIC : TNAME[ti];
	what("topic delete %s", name);
	int rc = offlog_topic_delete(w->env, name);
	int want = name == BAD_TOPIC ? OFFLOG_ENAME : w->m.t[ti].exists ? 0 : OFFLOG_ENOTOPIC;
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want) {
		mtopic *t = &w->m.t[ti];
		for (int p = 0; p < NP; p++) {
			free(t->p[p].r);
			memset(&t->p[p], 0, sizeof t->p[p]);
		}
		t->exists = false;
		/* Every group's committed offsets for it go with it. */
		for (int g = 0; g < NG; g++)
			for (int p = 0; p < NP; p++)
				memset(&w->m.c[g][ti][p], 0, sizeof w->m.c[g][ti][p]);
	}
	check_topic(w, ti);
}

/* Delete a topic a consumer reads and create it again at once: a new log
 * whose offsets start at 0, with nothing committed; the consumers' old
 * positions mean nothing there. */
static void op_recreate(world *w)
{
	int ti = -1;
	for (int i = 0; i < NC && ti < 0; i++)
		if (w->c[i].open && w->c[i].n)
			ti = w->c[i].a[rn((int64_t)w->c[i].n)].ti;
	if (ti < 0 || !w->m.t[ti].exists)
		return;
	what("topic recreate %s", TNAME[ti]);
	CHECK_RC(offlog_topic_delete(w->env, TNAME[ti]), 0);
	mtopic *t = &w->m.t[ti];
	int32_t np = t->np - (int32_t)rn(t->np);   /* perhaps fewer partitions than before */
	offlog_topic_config cfg;
	mtopic nt;
	const char *plist[1];
	memset(&nt, 0, sizeof nt);
	gen_config(&cfg, &nt, plist);
	CHECK_RC(offlog_topic_create(w->env, TNAME[ti], np, &cfg), 0);
	for (int p = 0; p < NP; p++)
		free(t->p[p].r);
	*t = nt;
	t->exists = true;
	t->id = ++w->m.next_id;
	t->np = np;
	for (int g = 0; g < NG; g++)
		for (int p = 0; p < NP; p++)
			memset(&w->m.c[g][ti][p], 0, sizeof w->m.c[g][ti][p]);
	check_topic(w, ti);
}

static void op_add_parts(world *w)
{
	int ti = some_topic(&w->m);
	mtopic *t = &w->m.t[ti];
	int32_t total = t->exists ? t->np + (int32_t)rn(3) - (chance(30) ? 1 : 0) : 2;
	if (total > NP)
		total = NP;
	if (chance(5))
		total = 0;
	what("add partitions %s to %d", TNAME[ti], total);
	int rc = offlog_topic_add_partitions(w->env, TNAME[ti], total);
	int want = total < 1             ? OFFLOG_EINVAL
	           : !t->exists          ? OFFLOG_ENOTOPIC
	           : total <= t->np      ? OFFLOG_EINVAL
	                                 : 0;
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want)
		t->np = total;
	check_topic(w, ti);
}

static void op_alter(world *w)
{
	int ti = some_topic(&w->m);
	mtopic *t = &w->m.t[ti];
	offlog_topic_config cfg;
	mtopic nt;
	const char *plist[1];
	gen_config(&cfg, &nt, plist);
	int want = t->exists ? 0 : OFFLOG_ENOTOPIC;
	if (chance(10)) {
		cfg.retention_bytes = -7;
		want = OFFLOG_EINVAL;
	}
	what("alter config %s (retention_bytes %lld, max_message_bytes %d%s)", TNAME[ti],
	     (long long)cfg.retention_bytes, cfg.max_message_bytes, nt.protect ? ", protects g0" : "");
	int rc = offlog_topic_alter_config(w->env, TNAME[ti], &cfg);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want) {
		t->ret_bytes = nt.ret_bytes;
		t->max_msg = nt.max_msg;
		t->protect = nt.protect;
	}
	check_topic(w, ti);
}

static void op_describe(world *w)
{
	target x = pick_target(&w->m, 15);
	what("watermarks %s/%d", x.topic, x.part);
	int64_t ls = -77, hw = -77, leo = -77;
	int rc = offlog_watermarks_get(&ls, &hw, &leo, w->env, x.topic, x.part);
	int ti;
	mpart *p;
	int want = m_part(&w->m, x.topic, x.part, &ti, &p);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want) {
		CHECK_EQ(ls, p->log_start, "log start");
		CHECK_EQ(hw, p->leo, "high watermark");
		CHECK_EQ(leo, p->leo, "log end offset");
	}
	if (slot_of(x.topic) >= 0)
		check_topic(w, slot_of(x.topic));
}

/* ---- consumer operations ---------------------------------------------------------- */

static void cons_open(world *w, mcons *c, bool fresh)
{
	if (fresh) {
		c->group = (int)rn(NG + 1) - 1;
		c->reset = (int)rn(4);
		c->dur = chance(50) ? HOUR_MS : CENTURY_MS;
		c->autoc = chance(30);
		c->maxrec = (uint32_t)(1 + rn(12));
	}
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = c->reset;
	o.reset_duration_ms = c->dur;
	o.enable_auto_commit = c->autoc;
	/* Never on an interval: only at assign and close, where it is
	 * deterministic. */
	o.auto_commit_interval_ms = UINT32_MAX;
	o.max_poll_records = c->maxrec;
	int rc = offlog_consumer_open(&c->h, w->env, c->group >= 0 ? GNAME[c->group] : NULL, &o);
	CHECK_RC(rc, 0);
	c->open = true;
	c->n = 0;
	c->turn = 0;
}

static int cons_close(world *w, mcons *c)
{
	int64_t lo = wall_ms();
	int rc = offlog_consumer_close(c->h);
	int64_t hi = wall_ms();
	if (c->autoc && c->group >= 0)
		m_commit_positions(&w->m, c, lo, hi);
	c->open = false;
	c->h = NULL;
	c->n = 0;
	return rc;
}

static mcons *some_consumer(world *w)
{
	mcons *c = &w->c[rn(NC)];
	if (!c->open) {
		cons_open(w, c, true);
		/* A new consumer gets something to read. */
		mcp *cp = &c->a[0];
		int ti = some_topic(&w->m);
		if (w->m.t[ti].exists) {
			offlog_topic_partition tp = {TNAME[ti], (int32_t)rn(w->m.t[ti].np)};
			CHECK_RC(offlog_consumer_assign(c->h, &tp, 1), 0);
			*cp = (mcp){ti, tp.partition, INV, 0, false};
			c->n = 1;
		}
	}
	return c;
}

static void op_cons_open(world *w)
{
	mcons *c = &w->c[rn(NC)];
	if (c->open) {
		what("consumer close (%s, auto-commit %d)", c->group >= 0 ? GNAME[c->group] : "no group",
		     c->autoc);
		CHECK_RC(cons_close(w, c), 0);
		check_all(w, false);
		return;
	}
	if (chance(10)) {
		offlog_consumer *h = NULL;
		offlog_consumer_options o;
		offlog_consumer_options_init(&o);
		int want;
		const char *g = "g1";
		if (chance(50)) {
			g = chance(50) ? BAD_GROUP : "";
			want = OFFLOG_ENAME;
		} else {
			o.auto_offset_reset = 9;
			want = OFFLOG_EINVAL;
		}
		what("consumer open, invalid (group \"%s\", reset %d)", g, o.auto_offset_reset);
		int rc = offlog_consumer_open(&h, w->env, g, &o);
		CHECK_RC(rc, want);
		CHECK(h == NULL, "consumer handle set on error");
		expect_err(w, want);
		return;
	}
	what("consumer open");
	cons_open(w, c, true);
}

static void op_assign(world *w)
{
	mcons *c = some_consumer(w);
	offlog_topic_partition tps[NA];
	mcp nparts[NA];
	size_t n = (size_t)rn(NA + 1);
	int fault = (int)rn(12);   /* 0: a duplicate, 1: an unknown partition, 2: a bad name */
	int want = 0;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		int ti = some_topic(&w->m);
		if (!w->m.t[ti].exists)
			continue;
		int32_t p = (int32_t)rn(w->m.t[ti].np);
		bool dup = false;
		for (size_t j = 0; j < k; j++)
			dup |= nparts[j].ti == ti && nparts[j].part == p;
		if (dup)
			continue;
		tps[k] = (offlog_topic_partition){TNAME[ti], p};
		nparts[k++] = (mcp){ti, p, INV, 0, false};
	}
	if (fault == 0 && k > 0 && k < NA) {
		tps[k] = tps[rn((int64_t)k)];
		k++;
		want = OFFLOG_EINVAL;
	} else if (fault == 1 && k < NA) {
		target x = pick_target(&w->m, 100);
		tps[k++] = (offlog_topic_partition){x.topic, x.part};
		int ti;
		mpart *p;
		want = m_part(&w->m, x.topic, x.part, &ti, &p);
		if (!want)
			k--;   /* the fault turned out valid: leave it out */
	}
	what("assign %zu partition(s)%s", k, want ? " (invalid)" : "");
	int64_t lo = wall_ms();
	int rc = offlog_consumer_assign(c->h, tps, k);
	int64_t hi = wall_ms();
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (want)
		return;
	if (c->autoc && c->group >= 0)
		m_commit_positions(&w->m, c, lo, hi);
	/* A partition that stays assigned keeps its position and pause. */
	for (size_t i = 0; i < k; i++)
		for (size_t j = 0; j < c->n; j++)
			if (c->a[j].ti == nparts[i].ti && c->a[j].part == nparts[i].part)
				nparts[i] = c->a[j];
	memcpy(c->a, nparts, k * sizeof *nparts);
	c->n = k;
	c->turn = 0;
	const offlog_topic_partition *view;
	size_t vn;
	CHECK_RC(offlog_consumer_assignment(&view, &vn, c->h), 0);
	CHECK_EQ(vn, k, "assignment size");
	for (size_t i = 0; i < vn; i++)
		CHECK(!strcmp(view[i].topic, tps[i].topic) && view[i].partition == tps[i].partition,
		      "assignment entry %zu", i);
}

/* lib/consumer.c poll_once, as the contract describes it: resolve every
 * position first (an error moves none), then read from the partitions in
 * turn, at most max_poll_records in all. */
static int m_poll(world *w, mcons *c, const mrec **recs, int *rti, int32_t *rpart, size_t *count)
{
	int64_t next[NA], end[NA];
	mpart *parts[NA];
	*count = 0;
	for (size_t i = 0; i < c->n; i++) {
		mcp *cp = &c->a[i];
		if (cp->paused)
			continue;
		int rc = m_load(&w->m, cp, &parts[i]);
		if (rc || (rc = m_resolve(&w->m, c, cp, parts[i], &next[i])) != 0)
			return rc;
		end[i] = parts[i]->leo;
	}
	size_t budget = c->maxrec, n = 0;
	for (size_t k = 0; k < c->n && budget > 0; k++) {
		size_t i = (c->turn + k) % c->n;
		if (c->a[i].paused)
			continue;
		size_t idx[64];
		size_t got = m_read(parts[i], next[i], end[i], budget, UINT64_MAX, idx, &next[i]);
		for (size_t j = 0; j < got; j++) {
			recs[n] = &parts[i]->r[idx[j]];
			rti[n] = c->a[i].ti;
			rpart[n] = c->a[i].part;
			n++;
		}
		budget -= got;
	}
	for (size_t i = 0; i < c->n; i++)
		if (!c->a[i].paused)
			c->a[i].pos = next[i];
	if (c->n)
		c->turn = (c->turn + 1) % c->n;
	*count = n;
	return 0;
}

static void op_poll(world *w)
{
	mcons *c = some_consumer(w);
	what("poll (%zu assigned, reset %d, max %u)", c->n, c->reset, c->maxrec);
	const offlog_record *r;
	size_t n = 99;
	int rc = offlog_consumer_poll(&r, &n, c->h, 0);
	const mrec *recs[64];
	int rti[64];
	int32_t rpart[64];
	size_t mn;
	int want = m_poll(w, c, recs, rti, rpart, &mn);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (want) {
		CHECK_EQ(n, 0, "records returned by a failed poll");
		return;
	}
	CHECK_EQ(n, mn, "records polled");
	g_polled += (long)n;
	for (size_t i = 0; i < n; i++)
		cmp_record(&r[i], TNAME[rti[i]], rpart[i], recs[i]);
	if (chance(30))
		CHECK_RC(offlog_consumer_release(c->h), 0);
}

/* An assigned partition of c, or (fault) one that is not assigned. */
static target cons_target(world *w, mcons *c, int fault_pct)
{
	if (c->n && !chance(fault_pct)) {
		const mcp *cp = &c->a[rn((int64_t)c->n)];
		return (target){TNAME[cp->ti], cp->part};
	}
	if (chance(30))
		return (target){BAD_TOPIC, 0};
	target x = pick_target(&w->m, 30);
	return x;
}

/* find_assigned: ENAME, else ESTATE when not assigned. */
static int m_find_assigned(mcons *c, const target *x, mcp **cp)
{
	if (!name_ok(x->topic))
		return OFFLOG_ENAME;
	*cp = m_find(c, x->topic, x->part);
	return *cp ? 0 : OFFLOG_ESTATE;
}

static void op_position(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 10);
	what("position %s/%d", x.topic, x.part);
	int64_t pos = -77;
	int rc = offlog_consumer_position(&pos, c->h, x.topic, x.part);
	mcp *cp;
	int want = m_find_assigned(c, &x, &cp);
	if (!want && cp->pos == INV) {
		mpart *p;
		int64_t np;
		want = m_load(&w->m, cp, &p);
		if (!want && cp->pos == INV && (want = m_resolve(&w->m, c, cp, p, &np)) == 0)
			cp->pos = np;
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want)
		CHECK_EQ(pos, cp->pos, "position");
}

static void op_seek(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 10);
	mcp *cp;
	int want = m_find_assigned(c, &x, &cp);
	int64_t off;
	switch (rn(8)) {
	case 0:
		off = OFFLOG_OFFSET_BEGINNING;
		break;
	case 1:
		off = OFFLOG_OFFSET_END;
		break;
	case 2:
		off = OFFLOG_OFFSET_STORED;
		break;
	case 3:
		off = -3 - rn(50);
		break;
	default: {
		int ti = slot_of(x.topic);
		const mpart *p = ti >= 0 && w->m.t[ti].exists && x.part >= 0 && x.part < w->m.t[ti].np
		                     ? &w->m.t[ti].p[x.part]
		                     : NULL;
		off = p ? p->log_start - 3 + rn(p->leo - p->log_start + 8) : rn(10);
		if (off < 0)
			off = 0;
		break;
	}
	}
	what("seek %s/%d to %lld", x.topic, x.part, (long long)off);
	int rc = offlog_consumer_seek(c->h, x.topic, x.part, off);
	if (!want) {
		if (off >= 0) {
			cp->pos = off;
			cp->tid = 0;
		} else if (off == OFFLOG_OFFSET_STORED) {
			cp->pos = INV;
		} else if (off != OFFLOG_OFFSET_BEGINNING && off != OFFLOG_OFFSET_END) {
			want = OFFLOG_EOFFSET;
		} else {
			/* Beginning and end are the log's as it is now: no committed
			 * offset or reset policy is involved. */
			mpart *p;
			want = m_load(&w->m, cp, &p);
			if (!want)
				cp->pos = off == OFFLOG_OFFSET_BEGINNING ? p->log_start : p->leo;
		}
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
}

static void op_seek_ts(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 10);
	int64_t ts = chance(8) ? -1 - rn(10) : pick_ts(&w->m, &x);
	what("seek_timestamp %s/%d to %lld", x.topic, x.part, (long long)ts);
	int rc = offlog_consumer_seek_timestamp(c->h, x.topic, x.part, ts);
	mcp *cp;
	int want = m_find_assigned(c, &x, &cp);
	if (!want && ts < 0)
		want = OFFLOG_EINVAL;
	if (!want) {
		mpart *p;
		want = m_load(&w->m, cp, &p);
		if (!want)
			cp->pos = m_offset_for_time(p, ts, p->leo);
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
}

static void op_seek_rel(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 10);
	int64_t delta = chance(5) ? (chance(50) ? INT64_MIN : INT64_MAX) : rn(21) - 10;
	what("seek_relative %s/%d by %lld", x.topic, x.part, (long long)delta);
	int rc = offlog_consumer_seek_relative(c->h, x.topic, x.part, delta);
	mcp *cp;
	int want = m_find_assigned(c, &x, &cp);
	mpart *p = NULL;
	if (!want) {
		want = m_load(&w->m, cp, &p);
		if (!want && cp->pos == INV) {
			int64_t np;
			if ((want = m_resolve(&w->m, c, cp, p, &np)) == 0)
				cp->pos = np;
		}
	}
	if (!want) {
		int64_t pos;
		if (__builtin_add_overflow(cp->pos, delta, &pos))
			pos = delta < 0 ? p->log_start : p->leo;
		if (pos < p->log_start)
			pos = p->log_start;
		if (pos > p->leo)
			pos = p->leo;
		cp->pos = pos;
	}
	CHECK_RC(rc, want);
	expect_err(w, want);
}

static void op_pause(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 10);
	bool on = chance(50);
	offlog_topic_partition tp = {x.topic, x.part};
	what("%s %s/%d", on ? "pause" : "resume", x.topic, x.part);
	int rc = on ? offlog_consumer_pause(c->h, &tp, 1) : offlog_consumer_resume(c->h, &tp, 1);
	mcp *cp;
	int want = m_find_assigned(c, &x, &cp);
	if (!want)
		cp->paused = on;
	CHECK_RC(rc, want);
	expect_err(w, want);
}

static void op_commit(world *w)
{
	mcons *c = some_consumer(w);
	what("consumer commit (%s)", c->group >= 0 ? GNAME[c->group] : "no group");
	int64_t lo = wall_ms();
	int rc = offlog_consumer_commit(c->h);
	int64_t hi = wall_ms();
	int want = c->group < 0 ? OFFLOG_ESTATE : 0;
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want)
		m_commit_positions(&w->m, c, lo, hi);
	check_all(w, false);
}

/* Entries for commit_offsets: valid, or each with one fault. */
static size_t gen_offsets(world *w, offlog_partition_offset *list, char (*meta)[48],
                          char *longmeta)
{
	size_t n = (size_t)(1 + rn(3));
	for (size_t i = 0; i < n; i++) {
		target x = pick_target(&w->m, 4);
		int ti = slot_of(x.topic);
		const mpart *p = ti >= 0 && w->m.t[ti].exists && x.part >= 0 && x.part < w->m.t[ti].np
		                     ? &w->m.t[ti].p[x.part]
		                     : NULL;
		int64_t off = p ? p->log_start - 2 + rn(p->leo - p->log_start + 3) : rn(5);
		if (off < 0)
			off = 0;
		const char *md = NULL;
		switch (rn(20)) {
		case 0:
			off = -1 - rn(5);          /* EOFFSET */
			break;
		case 1:
			off = p ? p->leo + 1 + rn(5) : off;   /* ERANGE: beyond LEO */
			break;
		case 2:
			md = longmeta;             /* ETOOBIG */
			break;
		default:
			if (chance(40)) {
				snprintf(meta[i], 48, "meta-%d", (int)rn(1000));
				md = meta[i];
			}
			break;
		}
		list[i] = (offlog_partition_offset){x.topic, x.part, off, md, 777};
	}
	return n;
}

static void op_commit_offsets(world *w)
{
	mcons *c = some_consumer(w);
	offlog_partition_offset list[4];
	char meta[4][48];
	static char longmeta[OFFLOG_METADATA_MAX + 2];
	memset(longmeta, 'm', OFFLOG_METADATA_MAX + 1);
	size_t n = gen_offsets(w, list, meta, longmeta);
	what("commit_offsets %zu entries (%s), first %s/%d@%lld", n,
	     c->group >= 0 ? GNAME[c->group] : "no group", list[0].topic, list[0].partition,
	     (long long)list[0].offset);
	int64_t lo = wall_ms();
	int rc = offlog_consumer_commit_offsets(c->h, list, n);
	int64_t hi = wall_ms();
	int errs[4] = {0};
	int want = c->group < 0 ? OFFLOG_ESTATE
	                        : m_commit_list(&w->m, GNAME[c->group], list, n, errs, lo, hi);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (c->group >= 0)
		for (size_t i = 0; i < n; i++)
			CHECK_RC(list[i].err, errs[i]);
	check_all(w, false);
}

static void op_committed(world *w)
{
	target x = pick_target(&w->m, 8);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	int ti;
	mpart *p;
	if (chance(50)) {
		mcons *c = some_consumer(w);
		what("consumer committed %s/%d (%s)", x.topic, x.part,
		     c->group >= 0 ? GNAME[c->group] : "no group");
		int rc = offlog_consumer_committed(&cm, c->h, x.topic, x.part);
		int want = c->group < 0 ? OFFLOG_ESTATE : m_part(&w->m, x.topic, x.part, &ti, &p);
		CHECK_RC(rc, want);
		expect_err(w, want);
		if (!want)
			check_committed(w, c->group, ti, x.part, &cm);
		return;
	}
	int g = (int)rn(NG);
	const char *gname = chance(5) ? BAD_GROUP : GNAME[g];
	what("group committed %s %s/%d", gname, x.topic, x.part);
	int rc = offlog_group_committed(&cm, w->env, gname, x.topic, x.part);
	int want = gname == BAD_GROUP ? OFFLOG_ENAME : m_part(&w->m, x.topic, x.part, &ti, &p);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (!want)
		check_committed(w, g, ti, x.part, &cm);
}

static void op_lag(world *w)
{
	mcons *c = some_consumer(w);
	target x = cons_target(w, c, 25);
	what("lag %s/%d", x.topic, x.part);
	int64_t lag = -77, plag = -77;
	int rc = offlog_consumer_lag(&lag, &plag, c->h, x.topic, x.part);
	int ti;
	mpart *p;
	int want = m_part(&w->m, x.topic, x.part, &ti, &p);
	CHECK_RC(rc, want);
	expect_err(w, want);
	if (want)
		return;
	int64_t hw = p->leo;
	const mcommit *cm = c->group >= 0 ? &w->m.c[c->group][ti][x.part] : NULL;
	int64_t mlag = !cm || !cm->has ? OFFLOG_LAG_UNKNOWN : cm->off >= hw ? 0 : hw - cm->off;
	const mcp *cp = m_find(c, x.topic, x.part);
	int64_t mplag = !cp || cp->pos == INV ? OFFLOG_LAG_UNKNOWN : cp->pos >= hw ? 0 : hw - cp->pos;
	CHECK_EQ(lag, mlag, "lag");
	CHECK_EQ(plag, mplag, "position lag");
}

/* ---- transactions ------------------------------------------------------------------ */

static void op_txn(world *w)
{
	offlog_txn *tx = NULL;
	what("transaction begin");
	CHECK_RC(offlog_txn_begin(&tx, w->env), 0);
	mstore sh;   /* what the transaction sees; becomes the store at commit */
	mstore_copy(&sh, &w->m);
	struct {
		const char *topic;
		int32_t part;
		int64_t off;
		int64_t lo, hi;
		bool now;
	} appended[16];
	size_t na = 0;
	int steps = (int)(1 + rn(6));
	for (int s = 0; s < steps; s++) {
		int k = (int)rn(10);
		if (k < 5) {
			mrec r;
			offlog_message m;
			offlog_header hs[2];
			target x = pick_target(&sh, 8);
			if (chance(30))
				x.part = OFFLOG_PARTITION_ANY;
			gen_rec(&r, chance(10));
			to_msg(&m, hs, &r);
			what("txn append to %s/%d", x.topic, x.part);
			int64_t off = -77, moff;
			int32_t used = -77, mused;
			int64_t lo = wall_ms();
			int rc = offlog_txn_append(&off, &used, tx, x.topic, x.part, &m);
			int64_t hi = wall_ms();
			int want = m_append(&sh, x.topic, x.part, &r, 1, &moff, &mused);
			CHECK_RC(rc, want);
			expect_err(w, want);
			if (!want) {
				CHECK_EQ(off, moff, "txn append offset");
				CHECK_EQ(used, mused, "txn append partition");
				appended[na++].topic = x.topic;
				appended[na - 1].part = mused;
				appended[na - 1].off = moff;
				appended[na - 1].lo = lo;
				appended[na - 1].hi = hi;
				appended[na - 1].now = r.ts == OFFLOG_TIMESTAMP_NOW;
			}
		} else if (k < 7) {
			offlog_partition_offset list[4];
			char meta[4][48];
			static char longmeta[OFFLOG_METADATA_MAX + 2];
			memset(longmeta, 'm', OFFLOG_METADATA_MAX + 1);
			size_t n = gen_offsets(w, list, meta, longmeta);
			int g = (int)rn(NG);
			const char *gname = chance(5) ? BAD_GROUP : GNAME[g];
			what("txn commit_offsets %s %zu entries, first %s/%d@%lld", gname, n, list[0].topic,
			     list[0].partition, (long long)list[0].offset);
			int64_t lo = wall_ms();
			int rc = offlog_txn_commit_offsets(tx, gname, list, n);
			int errs[4] = {0};
			/* The commit time is taken inside; the window closes at txn commit. */
			int want = m_commit_list(&sh, gname, list, n, errs, lo, INT64_MAX);
			CHECK_RC(rc, want);
			expect_err(w, want);
			if (want != OFFLOG_ENAME)
				for (size_t i = 0; i < n; i++)
					CHECK_RC(list[i].err, errs[i]);
		} else if (k < 8) {
			mcons *c = some_consumer(w);
			what("txn commit_consumer (%s)", c->group >= 0 ? GNAME[c->group] : "no group");
			int64_t lo = wall_ms();
			int rc = offlog_txn_commit_consumer(tx, c->h);
			int want = c->group < 0 ? OFFLOG_ESTATE : 0;
			CHECK_RC(rc, want);
			expect_err(w, want);
			if (!want)
				m_commit_positions(&sh, c, lo, INT64_MAX);
		} else if (k < 9) {
			/* Other writes of this thread meanwhile: ETXN. */
			offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			what("append outside the open transaction");
			int rc = offlog_append(NULL, NULL, w->env, TNAME[0], 0, &m);
			CHECK_RC(rc, OFFLOG_ETXN);
			offlog_txn *t2 = tx;
			rc = offlog_txn_begin(&t2, w->env);
			CHECK_RC(rc, OFFLOG_ETXN);
			CHECK(t2 == NULL, "nested transaction handle set");
			w->errors++;
		} else if (chance(50)) {
			what("topic create inside the open transaction");
			CHECK_RC(offlog_topic_create(w->env, "t-inside", 1, NULL), OFFLOG_ETXN);
			w->errors++;
		} else {
			/* An open transaction is never visible, not even to its thread's
			 * other calls: they read the store as it was. */
			target x = pick_target(&w->m, 0);
			what("watermarks of %s/%d during the transaction", x.topic, x.part);
			int64_t ls = -77, hw = -77, leo = -77;
			int ti;
			mpart *p;
			int want = m_part(&w->m, x.topic, x.part, &ti, &p);
			int rc = offlog_watermarks_get(&ls, &hw, &leo, w->env, x.topic, x.part);
			CHECK_RC(rc, want);
			if (!want) {
				CHECK_EQ(ls, p->log_start, "log start seen during a transaction");
				CHECK_EQ(hw, p->leo, "high watermark seen during a transaction");
				CHECK_EQ(leo, p->leo, "log end offset seen during a transaction");
			}
		}
	}
	bool commit = chance(70);
	what("transaction %s", commit ? "commit" : "abort");
	if (!commit) {
		offlog_txn_abort(tx);
		mstore_free(&sh);
		check_all(w, false);
		return;
	}
	int rc = offlog_txn_commit(tx);
	int64_t hi = wall_ms();
	CHECK_RC(rc, 0);
	for (int g = 0; g < NG; g++)
		for (int i = 0; i < NT; i++)
			for (int p = 0; p < NP; p++)
				if (sh.c[g][i][p].t_hi == INT64_MAX)
					sh.c[g][i][p].t_hi = hi;
	for (size_t i = 0; i < na; i++)
		if (appended[i].now)
			note_now_stored(&sh, appended[i].topic, appended[i].part, appended[i].off, 1,
			                appended[i].lo, appended[i].hi);
	mstore_free(&w->m);
	w->m = sh;
	pin_timestamps(w);
	check_all(w, false);
}

/* ---- close and reopen ----------------------------------------------------------------- */

static void op_close_busy(world *w)
{
	bool busy = w->batch != NULL;
	for (int i = 0; i < NC; i++)
		busy |= w->c[i].open;
	if (!busy)
		return;
	what("close with handles open");
	CHECK_RC(offlog_close(w->env), OFFLOG_EBUSY);
	w->errors++;
	check_all(w, false);
}

static void op_reopen(world *w)
{
	what("close and reopen the store");
	bool was[NC];
	for (int i = 0; i < NC; i++)
		if ((was[i] = w->c[i].open))
			CHECK_RC(cons_close(w, &w->c[i]), 0);
	offlog_batch_free(w->batch);
	w->batch = NULL;
	CHECK_RC(offlog_close(w->env), 0);
	w->env = NULL;
	offlog_options o;
	offlog_options_init(&o);
	o.durability = OFFLOG_DURABILITY_SYNC;
	CHECK_RC(offlog_open(&w->env, w->path, &o), 0);
	g_rr = 0;   /* a new handle's round-robin counter */
	for (int i = 0; i < NC; i++)
		if (was[i] && chance(70))
			cons_open(w, &w->c[i], false);   /* same options: positions start unknown */
	check_all(w, true);
}

/* ---- the run ------------------------------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run_seed(uint64_t seed, long nops)
{
	world *w = calloc(1, sizeof *w);
	assert_non_null(w);
	g_world = w;
	g_seed = seed;
	g_op = -1;
	rs = seed;
	g_rr = 0;
	/* The semantics are under test here, not the disk (test_crash does
	 * that): a store in memory, when there is one, keeps syncs cheap. */
	const char *base = getenv("OFFLOG_MODEL_DIR");
	if (!base && access("/dev/shm", W_OK) == 0)
		base = "/dev/shm";
	if (base) {
		char tmpl[512];
		snprintf(tmpl, sizeof tmpl, "%s/offlog-model-XXXXXX", base);
		w->dir = mkdtemp(tmpl) ? strdup(tmpl) : NULL;
	}
	if (!w->dir)
		w->dir = temp_dir();
	snprintf(w->path, sizeof w->path, "%s/store", w->dir);
	offlog_options o;
	offlog_options_init(&o);
	o.durability = OFFLOG_DURABILITY_SYNC;
	what("open");
	CHECK_RC(offlog_open(&w->env, w->path, &o), 0);
	static const int weight[K_COUNT] = {
		[K_APPEND] = 18, [K_BATCH] = 8, [K_TXN] = 5, [K_FETCH] = 8, [K_CONS_OPEN] = 2,
		[K_ASSIGN] = 5, [K_POLL] = 12, [K_SEEK] = 5, [K_SEEK_TS] = 3, [K_SEEK_REL] = 2,
		[K_POSITION] = 4, [K_PAUSE] = 2, [K_COMMIT] = 4, [K_COMMIT_OFFSETS] = 5,
		[K_COMMITTED] = 3, [K_LAG] = 3, [K_OFT] = 3, [K_DELREC] = 3, [K_MAINTAIN] = 2,
		[K_CREATE] = 2, [K_DELETE] = 1, [K_ADD_PARTS] = 1, [K_ALTER] = 1, [K_DESCRIBE] = 3,
		[K_REOPEN] = 1, [K_CLOSE_BUSY] = 1, [K_RECREATE] = 1};
	int total = 0;
	for (int k = 0; k < K_COUNT; k++)
		total += weight[k];
	for (g_op = 0; g_op < nops; g_op++) {
		int live = 0;
		for (int i = 0; i < NT; i++)
			live += w->m.t[i].exists;
		int kind;
		if (live < 2 && chance(30)) {
			kind = K_CREATE;
		} else {
			int r = (int)rn(total);
			for (kind = 0; r >= weight[kind]; kind++)
				r -= weight[kind];
		}
		/* Rare operations are made rarer still in long runs of small stores. */
		if ((kind == K_REOPEN || kind == K_DELETE) && chance(50))
			kind = K_DESCRIBE;
		w->kinds[kind]++;
		double k0 = now_s();
		switch (kind) {
		case K_APPEND: op_append(w, false); break;
		case K_BATCH: op_append(w, true); break;
		case K_TXN: op_txn(w); break;
		case K_FETCH: op_fetch(w); break;
		case K_CONS_OPEN: op_cons_open(w); break;
		case K_ASSIGN: op_assign(w); break;
		case K_POLL: op_poll(w); break;
		case K_SEEK: op_seek(w); break;
		case K_SEEK_TS: op_seek_ts(w); break;
		case K_SEEK_REL: op_seek_rel(w); break;
		case K_POSITION: op_position(w); break;
		case K_PAUSE: op_pause(w); break;
		case K_COMMIT: op_commit(w); break;
		case K_COMMIT_OFFSETS: op_commit_offsets(w); break;
		case K_COMMITTED: op_committed(w); break;
		case K_LAG: op_lag(w); break;
		case K_OFT: op_oft(w); break;
		case K_DELREC: op_delrec(w); break;
		case K_MAINTAIN: op_maintain(w); break;
		case K_CREATE: op_create(w); break;
		case K_DELETE: op_delete(w); break;
		case K_ADD_PARTS: op_add_parts(w); break;
		case K_ALTER: op_alter(w); break;
		case K_DESCRIBE: op_describe(w); break;
		case K_REOPEN: op_reopen(w); break;
		case K_CLOSE_BUSY: op_close_busy(w); break;
		case K_RECREATE: op_recreate(w); break;
		default: break;
		}
		w->secs[kind] += now_s() - k0;
		w->ops++;
		double c0 = now_s();
		if (g_op % 100 == 99)
			check_all(w, g_op % 500 == 499);
		w->secs[K_COUNT] += now_s() - c0;
	}
	what("final check");
	check_all(w, true);
	op_reopen(w);
}

static long env_long(const char *name, long dflt)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : dflt;
}

static void test_model_random_operations_match_the_contract(void **state)
{
	(void)state;
	bool stress = getenv("OFFLOG_STRESS") && strcmp(getenv("OFFLOG_STRESS"), "0") != 0;
	g_trace = getenv("OFFLOG_MODEL_TRACE") != NULL;
	long seeds = stress ? 20 : 3;
	/* On a disk each write costs two syncs (a few ms): the quick mode then
	 * runs fewer operations to stay within a few seconds. */
	bool in_memory = getenv("OFFLOG_MODEL_DIR") || access("/dev/shm", W_OK) == 0;
	long nops = env_long("OFFLOG_MODEL_OPS", stress ? 10000 : in_memory ? 3000 : 600);
	uint64_t base = (uint64_t)wall_ms() * 1000003u ^ (uint64_t)getpid() * 7919u;
	const char *fixed = getenv("OFFLOG_SEED");
	if (fixed && *fixed)
		seeds = 1;
	long total = 0, errors = 0;
	long kinds[K_COUNT] = {0};
	double secs[K_COUNT + 1] = {0};
	int64_t start = mono_ms();
	for (long i = 0; i < seeds; i++) {
		uint64_t seed = fixed && *fixed ? strtoull(fixed, NULL, 10) : (base + (uint64_t)i * 104729u) % 1000000000u;
		printf("seed=%" PRIu64 " ops=%ld\n", seed, nops);
		fflush(stdout);
		int64_t t0 = mono_ms();
		run_seed(seed, nops);
		world *w = g_world;
		total += w->ops;
		errors += w->errors;
		for (int k = 0; k < K_COUNT; k++)
			kinds[k] += w->kinds[k];
		for (int k = 0; k <= K_COUNT; k++)
			secs[k] += w->secs[k];
		printf("seed=%" PRIu64 " passed: %ld operations (%ld expected errors) in %.2f s\n", seed,
		       w->ops, w->errors, (double)(mono_ms() - t0) / 1000.0);
		g_world = NULL;
		cleanup_world(w);
	}
	printf("model: %ld operations in %ld seed(s), %ld of them invalid, %.2f s; "
	       "%ld records polled, %ld fetched, %ld removed by retention and delete-records\n",
	       total, seeds, errors, (double)(mono_ms() - start) / 1000.0, g_polled, g_fetched,
	       g_removed);
	if (getenv("OFFLOG_MODEL_TRACE") || stress)
		for (int k = 0; k <= K_COUNT; k++)
			printf("  %-20s %6ld %8.3f s\n", k < K_COUNT ? KIND_NAME[k] : "periodic checks",
			       k < K_COUNT ? kinds[k] : 0, secs[k]);
}

static int teardown(void **state)
{
	(void)state;
	cleanup_world(g_world);   /* after a failure: the store of the failing seed */
	g_world = NULL;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_model_random_operations_match_the_contract, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

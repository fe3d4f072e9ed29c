/*
 * check.c - do a store's tables agree with each other? The second half of
 * OFFLOG_OPEN_VERIFY (and so of `offlog check`), after verify.c's page walk.
 *
 * verify.c makes sure LMDB can walk every tree; this file checks what the
 * library relies on when it reads them. A power loss in ASYNC mode can leave
 * a file whose pages are each well formed but come from different commits:
 * a topic without its partition states, a partition state that counts
 * records the log no longer holds. Such a store must be refused at open, not
 * discovered by the reader that meets the disagreement.
 *
 * What is checked, in one read transaction (one snapshot):
 * - T_TOPIC_IDS and T_TOPICS name each other: every live id names a topic
 *   with that id, every topic has a live id that names it; ids are below
 *   the next topic id.
 * - T_PARTS: a state for every partition of every live topic and none
 *   beyond; every state belongs to a topic id; its invariants (0 <= log
 *   start <= high watermark <= log end, partition ids unique and
 *   below the next partition id, time index fields in range); the store's
 *   byte count equals the bytes of the live partitions.
 * - T_LOG: every record belongs to a partition state, at an offset below its
 *   log end, decodes, and has a timestamp at most the partition's largest;
 *   the records and bytes of each live partition match its state. Records
 *   below the log start are allowed: offlog_delete_records() moves the log
 *   start at once and leaves them to later bounded removal steps.
 * - T_TINDEX: every entry belongs to a partition state, its timestamp at
 *   most the largest, its offset below the log end, offsets rising with the
 *   timestamps, the last one where the state says.
 * - T_COMMITS and T_PRODUCERS: every entry names an existing topic id, and
 *   for a live topic one of its partitions; decodes; committed offsets and
 *   the producer's remembered runs lie within [0, log end].
 * - T_META: the protected groups of each live topic are stored and counted
 *   as its topic record says, and none for another id.
 *
 * Deleted topics: offlog_topic_delete marks the id as deleting and removes
 * the name in one transaction; the purge that follows (topic.c), in bounded
 * steps a crash may interrupt, removes each partition's records, index
 * entries and then its state, then the committed offsets, then the producer
 * states, then the id. So a deleting id may keep any of these, partly
 * removed (its counts are then not compared), but nothing outlives its id,
 * and no record or index entry outlives its partition state.
 *
 * Cost: each table is scanned once in key order, records decoded as a
 * consumer decodes them; memory is one entry per topic and per partition,
 * never per record. T_LOG and T_TINDEX are ordered by partition id, so they
 * are merged with the partitions sorted the same way, without a search.
 */
#include "check.h"

#include "codec.h"
#include "commit.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "names.h"
#include "record.h"
#include "seq.h"
#include "topic.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct ck_topic {
	uint32_t id;
	bool live;
	int32_t partitions;       /* live: from its topic record */
	int32_t states;           /* partition states found */
	size_t protected_count;   /* live: from its topic record */
	bool protect_seen;
} ck_topic;

typedef struct ck_part {
	uint32_t tid;
	int32_t part;
	bool live;
	ol_part st;
	int64_t records;          /* found in T_LOG */
	int64_t bytes;
	int64_t last_index;       /* offset of the last T_TINDEX entry found, -1: none */
} ck_part;

/* A partition by its partition id, for the merge with T_LOG and T_TINDEX. */
typedef struct ck_pid {
	uint32_t pid;
	uint32_t at;              /* index in check.parts */
} ck_pid;

typedef struct check {
	offlog_env *env;
	ol_txn t;
	ck_topic *topics;         /* in id order (T_TOPIC_IDS order) */
	size_t ntopics, ctopics;
	ck_part *parts;           /* in (topic id, partition) order (T_PARTS order) */
	size_t nparts, cparts;
	ck_pid *by_pid;
	uint32_t next_tid, next_pid;
	bool have_bytes;          /* the store's byte count exists */
	int64_t store_bytes;
	int64_t live_bytes;
	bool reported;            /* the last error came from damaged() */
} check;

/* Every scan's step: 0 to go on, or an error. */
typedef int (*scan_fn)(check *ck, const ol_val *k, const ol_val *v);

static int damaged(const check *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int damaged(const check *ck, const char *fmt, ...)
{
	char what[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return ol_err(OFFLOG_ECORRUPT, "%s is damaged: %s", ck->env->path, what);
}

/* A decoder's own ECORRUPT detail, given the store's name. */
static int relay(const check *ck, int rc)
{
	if (rc != OFFLOG_ECORRUPT)
		return rc;
	char what[400];
	snprintf(what, sizeof what, "%s", offlog_errmsg());
	return damaged(ck, "%s", what);
}

static int scan(check *ck, int table, scan_fn fn)
{
	ol_cursor c;
	ol_val k, v;
	int rc = db_cursor_open(&c, &ck->t, table);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v))
		if ((rc = fn(ck, &k, &v)) != 0)
			break;
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

static bool grow(void **list, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return true;
	size_t want = *cap ? *cap * 2 : 64;
	void *p = realloc(*list, want * size);
	if (!p)
		return false;
	*list = p;
	*cap = want;
	return true;
}

static ck_topic *find_topic(const check *ck, uint32_t id)
{
	size_t lo = 0, hi = ck->ntopics;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ck->topics[mid].id == id)
			return &ck->topics[mid];
		if (ck->topics[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static ck_part *find_part(const check *ck, uint32_t tid, int32_t part)
{
	size_t lo = 0, hi = ck->nparts;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const ck_part *p = &ck->parts[mid];
		if (p->tid == tid && p->part == part)
			return &ck->parts[mid];
		if (p->tid < tid || (p->tid == tid && p->part < part))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Is a topic name, as stored, printable as is? */
static bool plain_name(const uint8_t *p, size_t n)
{
	if (n < 1 || n > OFFLOG_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || p[i] == '.' || p[i] == '_' || p[i] == '-'))
			return false;
	return true;
}

/* "topic \"orders\" partition 2", "deleted topic \"old\" (id 3) partition 2"
 * or "partition 2 of topic id 3": for messages only. */
static const char *part_name(check *ck, uint32_t tid, int32_t part, char *buf, size_t n)
{
	bool live;
	const uint8_t *p;
	size_t len;
	if (topic_id_entry(&ck->t, tid, &live, &p, &len) == 0 && plain_name(p, len)) {
		if (live)
			snprintf(buf, n, "topic \"%.*s\" partition %d", (int)len, (const char *)p, part);
		else
			snprintf(buf, n, "deleted topic \"%.*s\" (id %u) partition %d", (int)len,
			         (const char *)p, tid, part);
	} else {
		snprintf(buf, n, "partition %d of topic id %u", part, tid);
	}
	return buf;
}

/* part_name of a ck_part, into the caller's `name` buffer. */
#define PART_NAME(ck, p) part_name((ck), (p)->tid, (p)->part, name, sizeof name)

/* ---- T_META ------------------------------------------------------------- */

static int read_next_id(check *ck, const char *key, uint32_t *out)
{
	ol_val v;
	int rc = db_get(&ck->t, T_META, key, strlen(key), &v);
	*out = 1;   /* what the first create takes when the key is missing */
	if (rc < 0)
		return rc;
	if (rc == 0 && v.n != 4)
		return damaged(ck, "the meta entry %s has %zu bytes", key, v.n);
	if (rc == 0)
		*out = ol_get_be32(v.p);
	return 0;
}

/* The protected groups ("protect" + topic id, see topic.c) of live topics. */
static int check_protect(check *ck, const ol_val *k, const ol_val *v)
{
	uint32_t id;
	OL_UNUSED(v);
	int kind = topic_protect_key_decode(k, &id);
	if (kind == 0)
		return 0;
	if (kind < 0)
		return damaged(ck, "a protected groups key of %zu bytes", k->n);
	ck_topic *ct = find_topic(ck, id);
	if (!ct || !ct->live)
		return damaged(ck, "protected groups are stored for topic id %u, which is not a topic", id);
	char **groups;
	size_t n;
	int rc = topic_protected(&ck->t, id, &groups, &n);
	if (rc)
		return relay(ck, rc);
	for (size_t i = 0; i < n && rc == 0; i++)
		if (ol_check_group(groups[i]) != 0)
			rc = damaged(ck, "topic id %u protects an invalid group id", id);
	offlog_names_free(groups, n);
	if (rc == 0 && n != ct->protected_count)
		rc = damaged(ck, "topic id %u protects %zu groups; its topic record says %zu", id, n,
		             ct->protected_count);
	ct->protect_seen = true;
	return rc;
}

static int check_meta(check *ck)
{
	int rc = scan(ck, T_META, check_protect);
	for (size_t i = 0; i < ck->ntopics && rc == 0; i++) {
		const ck_topic *ct = &ck->topics[i];
		if (ct->live && ct->protected_count && !ct->protect_seen)
			rc = damaged(ck, "topic id %u protects %zu groups, which are not stored", ct->id,
			             ct->protected_count);
	}
	return rc;
}

/* ---- T_TOPIC_IDS and T_TOPICS --------------------------------------------- */

static int copy_name(const check *ck, const void *p, size_t n, char name[OFFLOG_NAME_MAX + 1])
{
	if (n == 0 || n > OFFLOG_NAME_MAX)
		return damaged(ck, "a topic name of %zu bytes", n);
	memcpy(name, p, n);
	name[n] = 0;
	if (ol_check_topic_name(name) != 0)   /* not printed: it may hold any byte */
		return damaged(ck, "a topic name of %zu bytes is not valid", n);
	return 0;
}

/* An id entry: a state byte (0 live, 1 deleting) and the topic's name. */
static int check_id(check *ck, const ol_val *k, const ol_val *v)
{
	char name[OFFLOG_NAME_MAX + 1];
	uint32_t id;
	bool live;
	const uint8_t *p;
	size_t n;
	if (!topic_id_key_decode(k, &id))
		return damaged(ck, "a topic id key of %zu bytes", k->n);
	if (id == 0 || id >= ck->next_tid)
		return damaged(ck, "topic id %u is not below the next topic id %u", id, ck->next_tid);
	if (!topic_id_value_decode(v, &live, &p, &n))
		return damaged(ck, "the entry of topic id %u", id);
	int rc = copy_name(ck, p, n, name);
	if (rc)
		return rc;
	if (!grow((void **)&ck->topics, &ck->ctopics, ck->ntopics, sizeof *ck->topics))
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	ck_topic *ct = &ck->topics[ck->ntopics++];
	*ct = (ck_topic){id, live, 0, 0, 0, false};
	if (!ct->live)
		return 0;
	ol_topic tp;
	rc = topic_get(&ck->t, name, &tp);
	if (rc == OFFLOG_ENOTOPIC)
		return damaged(ck, "topic id %u names topic \"%s\", which does not exist", id, name);
	if (rc)
		return relay(ck, rc);
	if (tp.id != id)
		return damaged(ck, "topic id %u names topic \"%s\", whose id is %u", id, name, tp.id);
	ct->partitions = tp.partitions;
	ct->protected_count = tp.cfg.protected_group_count;
	return 0;
}

/* A topic record: its id must be live and name it back. */
static int check_topic(check *ck, const ol_val *k, const ol_val *v)
{
	char name[OFFLOG_NAME_MAX + 1];
	OL_UNUSED(v);
	int rc = copy_name(ck, k->p, k->n, name);
	if (rc)
		return rc;
	ol_topic tp;
	if ((rc = topic_get(&ck->t, name, &tp)) != 0)
		return relay(ck, rc);
	const ck_topic *ct = find_topic(ck, tp.id);
	if (!ct)
		return damaged(ck, "topic \"%s\" has id %u, which has no entry", name, tp.id);
	if (!ct->live)
		return damaged(ck, "topic \"%s\" has id %u, which is marked deleted", name, tp.id);
	char back[OFFLOG_NAME_MAX + 1];
	rc = topic_name_of(&ck->t, tp.id, back, sizeof back);
	if (rc == OFFLOG_ENOTOPIC || (rc == 0 && strcmp(back, name) != 0))
		return damaged(ck, "topic \"%s\" has id %u, which names another topic", name, tp.id);
	if (rc)
		return relay(ck, rc);
	return 0;
}

/* ---- T_PARTS -------------------------------------------------------------- */

static int check_state(check *ck, const ol_part *st, uint32_t tid, int32_t part)
{
	char name[OFFLOG_NAME_MAX + 80];
	/* Retention and delete-records move the log start only up to the high
	 * watermark; part_get checks the rest of the watermarks' order. */
	if (st->log_start > st->hw)
		return damaged(ck, "%s has log start %lld above its high watermark %lld",
		               part_name(ck, tid, part, name, sizeof name), (long long)st->log_start,
		               (long long)st->hw);
	if (st->pid == 0 || st->pid >= ck->next_pid)
		return damaged(ck, "%s has partition id %u, not below the next partition id %u",
		               part_name(ck, tid, part, name, sizeof name), st->pid, ck->next_pid);
	if (st->max_ts < -1 || st->index_off < -1 || st->index_off >= st->leo)
		return damaged(ck, "%s: its time index state (largest timestamp %lld, last entry at "
		               "%lld) is out of range", part_name(ck, tid, part, name, sizeof name),
		               (long long)st->max_ts, (long long)st->index_off);
	return 0;
}

/* A partition state, or the store's byte count; both decoded by log.c. */
static int check_part(check *ck, const ol_val *k, const ol_val *v)
{
	char name[OFFLOG_NAME_MAX + 80];
	OL_UNUSED(v);
	if (log_is_bytes_key(k)) {
		bool found;
		int rc = log_bytes_get(&ck->t, &ck->store_bytes, &found);
		if (rc == OFFLOG_ECORRUPT || (rc == 0 && ck->store_bytes < 0))
			return damaged(ck, "the store's byte count");
		ck->have_bytes = rc == 0;
		return rc;
	}
	uint32_t tid;
	int32_t part;
	if (!log_part_key_decode(k, &tid, &part))
		return damaged(ck, "a partition state key of %zu bytes", k->n);
	ol_part st;
	int rc = part_get(&ck->t, tid, part, &st);
	if (rc == OFFLOG_ECORRUPT)
		return damaged(ck, "%s: its state does not decode or breaks 0 <= log start <= log end, "
		               "high watermark <= log end", part_name(ck, tid, part, name, sizeof name));
	if (rc)
		return rc;
	ck_topic *ct = find_topic(ck, tid);
	if (!ct)
		return damaged(ck, "%s has a state, but the topic id does not exist",
		               part_name(ck, tid, part, name, sizeof name));
	if (part < 0)
		return damaged(ck, "a state of topic id %u has partition number %d", tid, part);
	if (ct->live && part >= ct->partitions)
		return damaged(ck, "%s has a state, but the topic has %d partitions",
		               part_name(ck, tid, part, name, sizeof name), ct->partitions);
	if ((rc = check_state(ck, &st, tid, part)) != 0)
		return rc;
	if (!grow((void **)&ck->parts, &ck->cparts, ck->nparts, sizeof *ck->parts))
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	ck->parts[ck->nparts++] = (ck_part){tid, part, ct->live, st, 0, 0, -1};
	ct->states++;
	if (ct->live && __builtin_add_overflow(ck->live_bytes, st.bytes, &ck->live_bytes))
		return damaged(ck, "the partitions' byte counts overflow");
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	uint32_t x = ((const ck_pid *)a)->pid, y = ((const ck_pid *)b)->pid;
	return (x > y) - (x < y);
}

static int check_parts(check *ck)
{
	char name[OFFLOG_NAME_MAX + 80];
	int rc = scan(ck, T_PARTS, check_part);
	for (size_t i = 0; i < ck->ntopics && rc == 0; i++) {
		const ck_topic *ct = &ck->topics[i];
		if (!ct->live || ct->states == ct->partitions)
			continue;
		int32_t p = 0;
		while (p < ct->partitions && find_part(ck, ct->id, p))
			p++;
		return damaged(ck, "%s has no state", part_name(ck, ct->id, p, name, sizeof name));
	}
	if (rc == 0 && ck->have_bytes && ck->store_bytes != ck->live_bytes)
		return damaged(ck, "the store's byte count is %lld; its partitions hold %lld",
		               (long long)ck->store_bytes, (long long)ck->live_bytes);
	if (rc || ck->nparts == 0)
		return rc;
	if (!(ck->by_pid = malloc(ck->nparts * sizeof *ck->by_pid)))
		return ol_err(OFFLOG_ENOMEM, "verify: out of memory");
	for (size_t i = 0; i < ck->nparts; i++)
		ck->by_pid[i] = (ck_pid){ck->parts[i].st.pid, (uint32_t)i};
	qsort(ck->by_pid, ck->nparts, sizeof *ck->by_pid, cmp_pid);
	for (size_t i = 1; i < ck->nparts; i++)
		if (ck->by_pid[i].pid == ck->by_pid[i - 1].pid) {
			const ck_part *p = &ck->parts[ck->by_pid[i].at];
			return damaged(ck, "%s has partition id %u, as another partition has", PART_NAME(ck, p),
			               p->st.pid);
		}
	return 0;
}

/* ---- T_LOG and T_TINDEX: merged with the partitions in pid order ---------- */

/* The partition of partition id pid; the scans ask in rising order, so the
 * cursor *at only moves forward. NULL when no partition has that id. */
static ck_part *part_of_pid(check *ck, uint32_t pid, size_t *at)
{
	while (*at < ck->nparts && ck->by_pid[*at].pid < pid)
		++*at;
	if (*at == ck->nparts || ck->by_pid[*at].pid != pid)
		return NULL;
	return &ck->parts[ck->by_pid[*at].at];
}

static int check_record(check *ck, size_t *at, const ol_val *k, const ol_val *v)
{
	char name[OFFLOG_NAME_MAX + 80];
	uint32_t pid;
	int64_t off;
	if (!log_key_decode(k, &pid, &off))
		return damaged(ck, "a record key of %zu bytes", k->n);
	ck_part *p = part_of_pid(ck, pid, at);
	if (!p)
		return damaged(ck, "record %lld of partition id %u belongs to no partition", (long long)off,
		               pid);
	if (off < 0 || off >= p->st.leo)
		return damaged(ck, "%s holds a record at offset %lld, not below its log end %lld",
		               PART_NAME(ck, p), (long long)off, (long long)p->st.leo);
	offlog_record r;
	if (rec_decode(&r, v->p, v->n) != 0)
		return damaged(ck, "%s: the record at offset %lld does not decode", PART_NAME(ck, p),
		               (long long)off);
	if (r.timestamp > p->st.max_ts)
		return damaged(ck, "%s: the record at offset %lld has timestamp %lld, above the "
		               "partition's largest %lld", PART_NAME(ck, p), (long long)off,
		               (long long)r.timestamp, (long long)p->st.max_ts);
	p->records++;
	p->bytes += (int64_t)rec_payload(&r);
	return 0;
}

static int check_index_entry(check *ck, size_t *at, const ol_val *k, const ol_val *v)
{
	char name[OFFLOG_NAME_MAX + 80];
	uint32_t pid;
	int64_t ts, off;
	if (!log_index_decode(k, v, &pid, &ts, &off))
		return damaged(ck, "a time index entry of %zu and %zu bytes", k->n, v->n);
	ck_part *p = part_of_pid(ck, pid, at);
	if (!p)
		return damaged(ck, "a time index entry of partition id %u belongs to no partition", pid);
	if (ts < 0 || ts > p->st.max_ts)
		return damaged(ck, "%s: a time index entry has timestamp %lld, above the partition's "
		               "largest %lld", PART_NAME(ck, p), (long long)ts, (long long)p->st.max_ts);
	if (off < 0 || off >= p->st.leo)
		return damaged(ck, "%s: a time index entry points to offset %lld, not below the log end "
		               "%lld", PART_NAME(ck, p), (long long)off, (long long)p->st.leo);
	if (off <= p->last_index)
		return damaged(ck, "%s: the time index is out of order at offset %lld", PART_NAME(ck, p),
		               (long long)off);
	p->last_index = off;
	return 0;
}

/* One cursor walk of T_LOG (records) or T_TINDEX. */
static int merge_scan(check *ck, int table)
{
	ol_cursor c;
	ol_val k, v;
	size_t at = 0;
	int rc = db_cursor_open(&c, &ck->t, table);
	if (rc)
		return rc;
	for (rc = db_cursor_seek(&c, NULL, 0, &k, &v); rc == 0; rc = db_cursor_next(&c, &k, &v)) {
		rc = table == T_LOG ? check_record(ck, &at, &k, &v) : check_index_entry(ck, &at, &k, &v);
		if (rc)
			break;
	}
	db_cursor_close(&c);
	return rc < 0 ? rc : 0;
}

static int check_logs(check *ck)
{
	char name[OFFLOG_NAME_MAX + 80];
	int rc = merge_scan(ck, T_LOG);
	if (rc == 0)
		rc = merge_scan(ck, T_TINDEX);
	for (size_t i = 0; i < ck->nparts && rc == 0; i++) {
		const ck_part *p = &ck->parts[i];
		if (!p->live)
			continue;   /* its purge may have removed part of it */
		if (p->records != p->st.records || p->bytes != p->st.bytes)
			return damaged(ck, "%s holds %lld records of %lld bytes below its log end %lld; its "
			               "state counts %lld of %lld", PART_NAME(ck, p), (long long)p->records,
			               (long long)p->bytes, (long long)p->st.leo, (long long)p->st.records,
			               (long long)p->st.bytes);
		if (p->last_index >= 0 && p->last_index != p->st.index_off)
			return damaged(ck, "%s: the last time index entry is at offset %lld; the state says "
			               "%lld", PART_NAME(ck, p), (long long)p->last_index,
			               (long long)p->st.index_off);
	}
	return rc;
}

/* ---- T_COMMITS and T_PRODUCERS -------------------------------------------- */

/* The partition (tid, part) an entry names: its topic id must exist; for a
 * live topic, the partition too. *p is NULL for a deleting topic whose
 * partition state is purged already. */
static int named_part(check *ck, const char *what, uint32_t tid, int32_t part, ck_part **p)
{
	char name[OFFLOG_NAME_MAX + 80];
	const ck_topic *ct = find_topic(ck, tid);
	*p = find_part(ck, tid, part);
	if (!ct)
		return damaged(ck, "%s names %s, whose topic id does not exist", what,
		               part_name(ck, tid, part, name, sizeof name));
	if (ct->live && !*p)
		return damaged(ck, "%s names %s, which does not exist", what,
		               part_name(ck, tid, part, name, sizeof name));
	return 0;
}

/* A committed offset (commit.c decodes it): its partition exists, the
 * offset is within its log end. */
static int check_commit(void *arg, const char *group, uint32_t tid, int32_t part,
                        const offlog_committed *cm)
{
	check *ck = arg;
	char what[OFFLOG_GROUP_MAX + 40], name[OFFLOG_NAME_MAX + 80];
	ck_part *p;
	snprintf(what, sizeof what, "a committed offset of group %s", group);
	int rc = named_part(ck, what, tid, part, &p);
	if (rc == 0 && p && cm->offset > p->st.leo)
		rc = damaged(ck, "group %s has committed offset %lld for %s, beyond its log end %lld",
		             group, (long long)cm->offset, PART_NAME(ck, p), (long long)p->st.leo);
	ck->reported = rc != 0;
	return rc;
}

/* Every group's committed offsets; the walk's own ECORRUPT (a key or value
 * that does not decode) gets the store's name, what check_commit found
 * already has it. */
static int check_commits(check *ck)
{
	ck->reported = false;
	int rc = commit_each(&ck->t, NULL, check_commit, ck);
	return rc && !ck->reported ? relay(ck, rc) : rc;
}

/* The runs a producer's sequence state remembers: sequence numbers and
 * offsets rising, the offsets below the log end (when the state is known). */
static int check_runs(check *ck, uint64_t prod, const ol_seqstate *s, const ck_part *p)
{
	char name[OFFLOG_NAME_MAX + 80];
	int64_t seq = 0, off = 0;
	int64_t end = p ? p->st.leo : INT64_MAX;
	for (unsigned i = 0; i < s->nruns; i++) {
		const ol_seqrun *r = &s->runs[i];
		if (r->seq < seq || r->offset < off || r->count < 1 || r->count > s->next - r->seq ||
		    r->count > end - r->offset) {
			if (!p)
				return damaged(ck, "the sequence state of producer %llu is out of order",
				               (unsigned long long)prod);
			return damaged(ck, "the sequence state of producer %llu for %s holds offsets "
			               "[%lld, %lld + %lld), not below the log end %lld",
			               (unsigned long long)prod, PART_NAME(ck, p), (long long)r->offset,
			               (long long)r->offset, (long long)r->count, (long long)end);
		}
		seq = r->seq + r->count;
		off = r->offset + r->count;
	}
	return 0;
}

/* A sequence state of a producer (sequence.c). */
static int check_producer(check *ck, const ol_val *k, const ol_val *v)
{
	char what[64];
	OL_UNUSED(v);
	uint64_t prod;
	uint32_t tid;
	int32_t part;
	int kind = seq_key_decode(k, &prod, &tid, &part);
	if (kind == 0)
		return 0;   /* the producer's epoch (sequence.c), not checked here */
	if (kind < 0)
		return damaged(ck, "a producer state key of %zu bytes", k->n);
	ol_seqstate s;
	ck_part *p;
	snprintf(what, sizeof what, "the sequence state of producer %llu", (unsigned long long)prod);
	int rc = named_part(ck, what, tid, part, &p);
	if (rc)
		return rc;
	if ((rc = seq_get(&ck->t, prod, tid, part, &s)) != 0)
		return relay(ck, rc);
	if (s.next < 0)
		return damaged(ck, "%s expects sequence %lld", what, (long long)s.next);
	return check_runs(ck, prod, &s, p);
}

/* ---- the whole check ------------------------------------------------------- */

static int check_all(check *ck)
{
	int rc;
	if ((rc = read_next_id(ck, "next_topic_id", &ck->next_tid)) != 0 ||
	    (rc = read_next_id(ck, "next_partition_id", &ck->next_pid)) != 0 ||
	    (rc = scan(ck, T_TOPIC_IDS, check_id)) != 0 || (rc = scan(ck, T_TOPICS, check_topic)) != 0 ||
	    (rc = check_meta(ck)) != 0 || (rc = check_parts(ck)) != 0 || (rc = check_logs(ck)) != 0 ||
	    (rc = check_commits(ck)) != 0)
		return rc;
	return scan(ck, T_PRODUCERS, check_producer);
}

int verify_tables(offlog_env *env)
{
	check ck;
	memset(&ck, 0, sizeof ck);
	ck.env = env;
	int rc = db_read_begin(&ck.t, env);
	if (rc)
		return rc;
	rc = check_all(&ck);
	db_abort(&ck.t);
	free(ck.topics);
	free(ck.parts);
	free(ck.by_pid);
	return rc;
}

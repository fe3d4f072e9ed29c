/* fetch.c - reading a partition without a consumer, and offsets for times. */
#include "db.h"
#include "env.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "topic.h"

#include <stdio.h>
#include <stdlib.h>

#define FETCH_DEFAULT_RECORDS 500
#define FETCH_MAX_RECORDS 1000000
#define FETCH_DEFAULT_BYTES (1u << 20)

struct offlog_batch {
	offlog_env *env;
	ol_snapshot snap;
	offlog_record *recs;
	size_t cap;
	size_t n;
	int64_t next;
	char topic[OFFLOG_NAME_MAX + 1];
};

static offlog_batch *batch_new(offlog_env *env)
{
	offlog_batch *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->env = env;
	atomic_fetch_add(&env->handles, 1);
	return b;
}

OFFLOG_API void offlog_batch_free(offlog_batch *b)
{
	if (!b)
		return;
	snap_free(&b->snap);
	db_grow_early(b->env);
	atomic_fetch_sub(&b->env->handles, 1);
	free(b->recs);
	free(b);
}

static int fetch_into(offlog_batch *b, const char *topic, int32_t partition, int64_t offset,
                      size_t max, size_t max_bytes)
{
	ol_topic tp;
	ol_part p;
	int rc = snap_open(&b->snap, b->env);
	if (rc)
		return rc;
	if ((rc = topic_get_part(&b->snap.t, topic, partition, &tp)) != 0 ||
	    (rc = part_get(&b->snap.t, tp.id, partition, &p)) != 0)
		return rc;
	if (offset == OFFLOG_OFFSET_BEGINNING)
		offset = p.log_start;
	else if (offset == OFFLOG_OFFSET_END)
		offset = p.hw;
	if (offset < p.log_start || offset > p.leo)
		return ol_range_error(topic, partition, offset, &p);
	if (b->cap < max) {
		offlog_record *r = realloc(b->recs, max * sizeof *r);
		if (!r)
			return ol_err(OFFLOG_ENOMEM, "offlog_fetch: out of memory");
		b->recs = r;
		b->cap = max;
	}
	snprintf(b->topic, sizeof b->topic, "%s", topic);
	return log_read(&b->snap.t, &b->snap.rd, p.pid, partition, b->topic, offset, p.hw, max,
	                max_bytes, b->recs, &b->n, &b->next);
}

OFFLOG_API int offlog_fetch(offlog_batch **batch, offlog_env *env, const char *topic,
                            int32_t partition, int64_t offset, size_t max_records,
                            size_t max_bytes)
{
	if (!batch || !env)
		return ol_err(OFFLOG_EINVAL, "offlog_fetch: NULL argument");
	OL_ENV_CHECK(env);
	if (*batch && (*batch)->env != env)
		return ol_err(OFFLOG_EINVAL, "offlog_fetch: the batch belongs to another store");
	if (offset < 0 && offset != OFFLOG_OFFSET_BEGINNING && offset != OFFLOG_OFFSET_END)
		return ol_err(OFFLOG_EOFFSET,
		              "offset %lld: must be >= 0, OFFLOG_OFFSET_BEGINNING or OFFLOG_OFFSET_END",
		              (long long)offset);
	if (max_records > FETCH_MAX_RECORDS)
		return ol_err(OFFLOG_EINVAL, "max_records %zu: at most %d", max_records, FETCH_MAX_RECORDS);
	int rc = ol_check_topic_name(topic);
	if (rc)
		return rc;
	bool fresh = *batch == NULL;
	offlog_batch *b = fresh ? batch_new(env) : *batch;
	if (!b)
		return ol_err(OFFLOG_ENOMEM, "offlog_fetch: out of memory");
	snap_release(&b->snap);
	db_grow_early(env);
	b->n = 0;
	b->next = offset;
	rc = fetch_into(b, topic, partition, offset, max_records ? max_records : FETCH_DEFAULT_RECORDS,
	                max_bytes ? max_bytes : FETCH_DEFAULT_BYTES);
	if (rc) {
		b->n = 0;
		snap_release(&b->snap);
		if (fresh)
			offlog_batch_free(b);
		return rc;
	}
	*batch = b;
	return 0;
}

OFFLOG_API int offlog_batch_records(const offlog_record **records, size_t *count,
                                    int64_t *next_offset, const offlog_batch *b)
{
	if (!b)
		return ol_err(OFFLOG_EINVAL, "offlog_batch_records: batch is NULL");
	if (records)
		*records = b->recs;
	if (count)
		*count = b->n;
	if (next_offset)
		*next_offset = b->next;
	return 0;
}

/* ---- offsets for times ---------------------------------------------------- */

/* One lookup: the earliest offset below the high watermark whose timestamp
 * is >= ts, or OFFLOG_OFFSET_END when no readable record has one (Kafka's
 * null, librdkafka's -1); ts -2 / -1 ask for the log start / the high
 * watermark, as in ListOffsets. *rec_ts (may be NULL) gets the found
 * record's timestamp, else -1. */
static int lookup_time(ol_snapshot *s, const char *topic, int32_t partition, int64_t ts,
                       int64_t *offset, int64_t *rec_ts)
{
	ol_topic tp;
	ol_part p;
	int rc = topic_get_part(&s->t, topic, partition, &tp);
	if (rc == 0)
		rc = part_get(&s->t, tp.id, partition, &p);
	if (rc)
		return rc;
	if (ts == OFFLOG_OFFSET_BEGINNING || ts == OFFLOG_OFFSET_END) {
		if (rec_ts)
			*rec_ts = -1;
		*offset = ts == OFFLOG_OFFSET_BEGINNING ? p.log_start : p.hw;
		return 0;
	}
	if (ts < 0)
		return ol_err(OFFLOG_EINVAL, "timestamp %lld: must be >= 0", (long long)ts);
	int64_t off;
	if ((rc = log_offset_for_time(&s->t, &p, ts, p.hw, &off)) != 0)
		return rc;
	/* Every record lies below the end given: the end means none. */
	if (off >= p.hw) {
		*offset = OFFLOG_OFFSET_END;
		if (rec_ts)
			*rec_ts = -1;
		return 0;
	}
	if (rec_ts) {   /* Kafka's OffsetAndTimestamp: the found record's own */
		offlog_record r;
		size_t n;
		int64_t next;
		if ((rc = log_read(&s->t, &s->rd, p.pid, partition, topic, off, off + 1, 1, UINT64_MAX,
		                   &r, &n, &next)) != 0)
			return rc;
		if (n != 1)
			return ol_err(OFFLOG_ECORRUPT, "%s/%d: the record at offset %lld is missing", topic,
			              partition, (long long)off);
		*rec_ts = r.timestamp;
	}
	*offset = off;
	return 0;
}

/* The lookups of a list, in one snapshot: each entry gets its own result,
 * the call the first error. */
typedef int (*lookup_fn)(ol_snapshot *s, void *ctx, size_t i);

static int lookup_each(offlog_env *env, size_t count, lookup_fn fn, void *ctx)
{
	ol_snapshot s = {0};
	int first = 0;
	int rc = snap_open(&s, env);
	if (rc)
		return rc;
	for (size_t i = 0; i < count; i++) {
		int e = fn(&s, ctx, i);
		if (e && !first)
			first = e;
	}
	snap_free(&s);
	return first;
}

/* The older layout: the timestamp in, the answer out, in `offset`. */
static int lookup_v1(ol_snapshot *s, void *ctx, size_t i)
{
	offlog_partition_offset *e = (offlog_partition_offset *)ctx + i;
	int64_t off;
	e->err = lookup_time(s, e->topic, e->partition, e->offset, &off, NULL);
	if (e->err == 0)
		e->offset = off;
	return e->err;
}

OFFLOG_API int offlog_offsets_for_times(offlog_env *env, offlog_partition_offset *list,
                                        size_t count)
{
	if (!env || (!list && count))
		return ol_err(OFFLOG_EINVAL, "offlog_offsets_for_times: NULL argument");
	OL_ENV_CHECK(env);
	return lookup_each(env, count, lookup_v1, list);
}

/* The size of an entry of each version: a later version's entries are
 * larger, and the list is walked with the caller's size. */
static size_t time_entry_size(unsigned version)
{
	return version == 1 ? sizeof(offlog_partition_time) : 0;
}

struct times_v2 {
	offlog_partition_time *list;
	unsigned version;
	size_t size;
};

static int lookup_v2(ol_snapshot *s, void *ctx, size_t i)
{
	struct times_v2 *x = ctx;
	offlog_partition_time *e = (offlog_partition_time *)((char *)x->list + i * x->size);
	if (e->version != x->version)
		e->err = ol_err(OFFLOG_EINVAL, "offsets_for_times_v2: entry %zu has version %u, the first %u",
		                i, e->version, x->version);
	else
		e->err = lookup_time(s, e->topic, e->partition, e->timestamp, &e->offset,
		                     &e->record_timestamp);
	return e->err;
}

OFFLOG_API int offlog_offsets_for_times_v2(offlog_env *env, offlog_partition_time *list,
                                           size_t count)
{
	if (!env || (!list && count))
		return ol_err(OFFLOG_EINVAL, "offlog_offsets_for_times_v2: NULL argument");
	OL_ENV_CHECK(env);
	if (count == 0)
		return 0;
	struct times_v2 x = {list, list[0].version, time_entry_size(list[0].version)};
	if (x.size == 0)
		return ol_err(OFFLOG_EINVAL, "offlog_partition_time.version %u is not supported", x.version);
	return lookup_each(env, count, lookup_v2, &x);
}

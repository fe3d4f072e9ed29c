/* test_retention.c - retention by time and size, delete-records, compaction,
 * consumer-aware retention, the store's size cap, offsets for times and the
 * maintenance thread. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DAY_MS 86400000LL

/* ---- local helpers -------------------------------------------------------- */

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static offlog_topic_config config(int64_t retention_ms, int64_t retention_bytes, int policy)
{
	offlog_topic_config cfg;
	assert_ok(offlog_topic_config_init(&cfg));
	cfg.retention_ms = retention_ms;
	cfg.retention_bytes = retention_bytes;
	cfg.cleanup_policy = policy;
	return cfg;
}

static void create_with(offlog_env *env, const char *name, int32_t partitions,
                        const offlog_topic_config *cfg)
{
	assert_ok(offlog_topic_create(env, name, partitions, cfg));
}

static void set_retention(offlog_env *env, const char *topic, int64_t retention_ms,
                          int64_t retention_bytes)
{
	offlog_topic_config cfg = config(retention_ms, retention_bytes, OFFLOG_CLEANUP_DELETE);
	assert_ok(offlog_topic_alter_config(env, topic, &cfg));
}

/* Append n keyless records with one timestamp and values of value_len bytes,
 * in one batch; returns the base offset. */
static int64_t append_batch_ts(offlog_env *env, const char *topic, int32_t partition, size_t n,
                               int64_t ts, size_t value_len)
{
	char *val = malloc(value_len + 1);
	offlog_message *m = calloc(n, sizeof *m);
	assert_non_null(val);
	assert_non_null(m);
	memset(val, 'x', value_len);
	for (size_t i = 0; i < n; i++)
		m[i] = (offlog_message){NULL, 0, val, value_len, ts, NULL, 0};
	int64_t base = -1;
	assert_ok(offlog_append_batch(&base, NULL, env, topic, partition, m, n));
	free(m);
	free(val);
	return base;
}

static int64_t maintain_all(offlog_env *env)
{
	uint64_t removed = 12345;
	assert_ok(offlog_maintain(env, 0, &removed));
	return (int64_t)removed;
}

/* A record as read, copied out of the store. */
typedef struct rd {
	int64_t offset;
	int64_t timestamp;
	bool has_key;
	bool tombstone;
	char key[32];
	char value[64];
	size_t payload;
} rd;

/* Read a partition from `from` (or the log start) to its high watermark
 * with offlog_fetch(); returns the number of records copied to out. */
static size_t fetch_all(offlog_env *env, const char *topic, int32_t partition, int64_t from,
                        rd *out, size_t cap)
{
	offlog_batch *b = NULL;
	size_t n = 0;
	int64_t off = from;
	for (;;) {
		const offlog_record *r;
		size_t k;
		int64_t next;
		assert_ok(offlog_fetch(&b, env, topic, partition, off, 0, 0));
		assert_ok(offlog_batch_records(&r, &k, &next, b));
		if (k == 0)
			break;
		for (size_t i = 0; i < k; i++) {
			assert_true(n < cap);
			rd *d = &out[n++];
			memset(d, 0, sizeof *d);
			d->offset = r[i].offset;
			d->timestamp = r[i].timestamp;
			d->has_key = r[i].key != NULL;
			d->tombstone = r[i].value == NULL;
			if (r[i].key)
				snprintf(d->key, sizeof d->key, "%.*s", (int)r[i].key_len, (const char *)r[i].key);
			if (r[i].value)
				snprintf(d->value, sizeof d->value, "%.*s", (int)r[i].value_len,
				         (const char *)r[i].value);
			d->payload = r[i].key_len + r[i].value_len + r[i].headers_len;
		}
		off = next;
	}
	offlog_batch_free(b);
	/* Offsets strictly increase across gaps. */
	for (size_t i = 1; i < n; i++)
		assert_true(out[i].offset > out[i - 1].offset);
	return n;
}

static int64_t first_offset(offlog_env *env, const char *topic, int32_t partition, int64_t from)
{
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t k;
	assert_ok(offlog_fetch(&b, env, topic, partition, from, 1, 0));
	assert_ok(offlog_batch_records(&r, &k, NULL, b));
	int64_t off = k ? r[0].offset : -1;
	offlog_batch_free(b);
	return off;
}

static void assert_fetch_range_error(offlog_env *env, const char *topic, int32_t partition,
                                     int64_t offset)
{
	offlog_batch *b = NULL;
	assert_code(offlog_fetch(&b, env, topic, partition, offset, 0, 0), OFFLOG_ERANGE);
	offlog_batch_free(b);
}

/* What on_records_lost reported. */
typedef struct lost_log {
	int calls;
	char topic[64];
	int32_t partition;
	int64_t first, last;
} lost_log;

static void on_lost(void *opaque, offlog_consumer *c, const char *topic, int32_t partition,
                    int64_t first, int64_t last)
{
	(void)c;
	lost_log *l = opaque;
	l->calls++;
	snprintf(l->topic, sizeof l->topic, "%s", topic);
	l->partition = partition;
	l->first = first;
	l->last = last;
}

static offlog_consumer *lost_consumer(offlog_env *env, const char *group, int reset,
                                      const char *topic, int32_t partition, lost_log *log,
                                      uint32_t max_poll_records)
{
	offlog_consumer_options o;
	offlog_consumer *c = NULL;
	assert_ok(offlog_consumer_options_init(&o));
	o.auto_offset_reset = reset;
	o.enable_auto_commit = 0;
	o.max_poll_records = max_poll_records;
	o.on_records_lost = on_lost;
	o.records_lost_opaque = log;
	assert_ok(offlog_consumer_open(&c, env, group, &o));
	offlog_topic_partition tp = {topic, partition};
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	return c;
}

/* Commit `offset` for group on one partition, with a short-lived consumer. */
static void group_commit(offlog_env *env, const char *group, const char *topic, int32_t partition,
                         int64_t offset)
{
	offlog_consumer *c = consumer_on(env, group, OFFLOG_RESET_EARLIEST, topic, partition);
	commit_one(c, topic, partition, offset);
	assert_ok(offlog_consumer_close(c));
}

static int64_t file_size(const char *store_path)
{
	char p[700];
	struct stat st;
	snprintf(p, sizeof p, "%s/data.mdb", store_path);
	assert_int_equal(stat(p, &st), 0);
	return (int64_t)st.st_size;
}

/* ---- 1. retention by time ------------------------------------------------- */

static void test_time_retention_maintain_removes_expired_head(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	int64_t old = wall_ms() - DAY_MS;
	for (int i = 0; i < 5; i++)
		assert_int_equal(append_ts(f->env, "t", 0, NULL, "old", old + i), i);
	for (int i = 5; i < 8; i++)
		assert_int_equal(append_ts(f->env, "t", 0, NULL, "new", OFFLOG_TIMESTAMP_NOW), i);
	set_retention(f->env, "t", 60000, -1);

	assert_int_equal(maintain_all(f->env), 5);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 5);
	assert_int_equal(pi.records, 3);
	assert_int_equal(pi.log_end, 8);
	assert_int_equal(pi.high_watermark, 8);
	assert_int_equal(pi.bytes, 9);
	assert_fetch_range_error(f->env, "t", 0, 0);
	assert_fetch_range_error(f->env, "t", 0, 4);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 5);
	rd r[16];
	assert_int_equal(fetch_all(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING, r, 16), 3);
	assert_string_equal(r[0].value, "new");

	/* Records within retention stay; log start does not move back. */
	assert_int_equal(maintain_all(f->env), 0);
	assert_int_equal(log_start_of(f->env, "t", 0), 5);

	/* Offsets are never reused, also after a reopen. */
	assert_int_equal(append_str(f->env, "t", 0, NULL, "n"), 8);
	fx_reopen(f, NULL);
	assert_int_equal(log_start_of(f->env, "t", 0), 5);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "n"), 9);
}

static void test_time_retention_stops_at_first_record_within_retention(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	int64_t old = wall_ms() - DAY_MS;
	append_ts(f->env, "t", 0, NULL, "a", old);
	append_ts(f->env, "t", 0, NULL, "b", OFFLOG_TIMESTAMP_NOW);
	append_ts(f->env, "t", 0, NULL, "c", old);
	append_ts(f->env, "t", 0, NULL, "d", old);
	set_retention(f->env, "t", 60000, -1);
	assert_int_equal(maintain_all(f->env), 1);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 1);
	assert_int_equal(pi.records, 3);
	rd r[8];
	assert_int_equal(fetch_all(f->env, "t", 0, 1, r, 8), 3);
	assert_int_equal(r[0].offset, 1);
	assert_int_equal(r[2].offset, 3);
}

static void test_all_expired_leaves_empty_log_and_offsets_continue(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 10, 1000, 3);
	set_retention(f->env, "t", 60000, -1);
	assert_int_equal(maintain_all(f->env), 10);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 10);
	assert_int_equal(pi.log_end, 10);
	assert_int_equal(pi.records, 0);
	assert_int_equal(pi.bytes, 0);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), -1);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "v"), 10);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 10);
}

static void test_appends_remove_expired_records_in_bounded_steps(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 500, wall_ms() - DAY_MS, 4);
	set_retention(f->env, "t", 60000, -1);
	int64_t prev = 0;
	int appends = 0;
	while (log_start_of(f->env, "t", 0) < 500) {
		int64_t leo = leo_of(f->env, "t", 0);
		assert_int_equal(append_str(f->env, "t", 0, NULL, "fresh"), leo);
		appends++;
		int64_t ls = log_start_of(f->env, "t", 0);
		assert_true(ls >= prev);
		if (appends == 1)
			assert_true(ls > 0 && ls < 500);   /* progress, but not everything at once */
		prev = ls;
		assert_true(appends <= 250);
	}
	/* The fresh records are all kept. */
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 500);
	assert_int_equal(pi.records, appends);
	assert_int_equal(pi.log_end, 500 + appends);
}

static void test_append_never_removes_its_own_records(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(60000, -1, OFFLOG_CLEANUP_DELETE);
	create_with(f->env, "t", 1, &cfg);
	int64_t old = wall_ms() - DAY_MS;
	assert_int_equal(append_batch_ts(f->env, "t", 0, 5, old, 2), 0);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 0);
	assert_int_equal(pi.records, 5);
	/* The next (also expired) append removes the earlier ones, not itself. */
	assert_int_equal(append_ts(f->env, "t", 0, NULL, "zz", old), 5);
	pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 5);
	assert_int_equal(pi.records, 1);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 5);
	assert_int_equal(maintain_all(f->env), 1);
	assert_int_equal(log_start_of(f->env, "t", 0), 6);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "n"), 6);
}

static void test_maintain_respects_max_records(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 2500, wall_ms() - DAY_MS, 1);
	set_retention(f->env, "t", 60000, -1);
	uint64_t removed = 0;
	assert_ok(offlog_maintain(f->env, 30, &removed));
	assert_int_equal(removed, 30);
	assert_int_equal(log_start_of(f->env, "t", 0), 30);
	/* More than one transaction's worth (a thousand) in one call. */
	assert_ok(offlog_maintain(f->env, 1500, &removed));
	assert_int_equal(removed, 1500);
	assert_int_equal(log_start_of(f->env, "t", 0), 1530);
	assert_int_equal(maintain_all(f->env), 970);
	assert_int_equal(log_start_of(f->env, "t", 0), 2500);
}

static int setup_async(void **state)
{
	offlog_options o;
	offlog_options_init(&o);
	o.durability = OFFLOG_DURABILITY_ASYNC;
	o.flush_interval_ms = 0;
	return fx_setup_opts(state, &o);
}

static void test_records_above_high_watermark_are_not_removed(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	assert_ok(offlog_flush(f->env));
	append_batch_ts(f->env, "t", 0, 5, wall_ms() - DAY_MS, 3);
	set_retention(f->env, "t", 60000, 0);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_end, 5);
	assert_true(pi.high_watermark < 5);
	int64_t hw = pi.high_watermark;
	maintain_all(f->env);
	pi = part_info(f->env, "t", 0);
	assert_true(pi.log_start <= hw);
	assert_int_equal(pi.records, 5 - pi.log_start);
	assert_ok(offlog_flush(f->env));
	maintain_all(f->env);
	pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.high_watermark, 5);
	assert_int_equal(pi.log_start, 5);
	assert_int_equal(pi.records, 0);
}

/* ---- 2. retention by size -------------------------------------------------- */

static void test_size_retention_keeps_each_partition_within_limit(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	size_t pay[40];
	char buf[64];
	for (int i = 0; i < 40; i++) {
		size_t vlen = (size_t)(1 + (i * 7) % 23);
		memset(buf, 'a' + i % 26, vlen);
		offlog_header h = {"h", 1, "hv", 2};
		offlog_message m = {i % 3 ? "key" : NULL, i % 3 ? 3u : 0u, buf, vlen,
		                    OFFLOG_TIMESTAMP_NOW, i % 4 ? NULL : &h, i % 4 ? 0u : 1u};
		int64_t off;
		assert_ok(offlog_append(&off, NULL, f->env, "t", 0, &m));
		assert_int_equal(off, i);
	}
	append_batch_ts(f->env, "t", 1, 10, OFFLOG_TIMESTAMP_NOW, 10);
	rd r[64];
	assert_int_equal(fetch_all(f->env, "t", 0, 0, r, 64), 40);
	int64_t total = 0;
	for (int i = 0; i < 40; i++) {
		pay[i] = r[i].payload;
		total += (int64_t)pay[i];
	}
	/* The count of bytes is keys + values + headers. */
	assert_int_equal(part_info(f->env, "t", 0).bytes, total);
	assert_true(total > 200);

	set_retention(f->env, "t", -1, 200);
	maintain_all(f->env);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_true(pi.bytes <= 200);
	assert_true(pi.log_start > 0);
	/* Only while over the limit: the last record removed would not have fit. */
	assert_true(pi.bytes + (int64_t)pay[pi.log_start - 1] > 200);
	size_t n = fetch_all(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING, r, 64);
	assert_int_equal((int64_t)n, pi.records);
	assert_int_equal(r[0].offset, pi.log_start);
	int64_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (int64_t)r[i].payload;
	assert_int_equal(sum, pi.bytes);
	/* The other partition is under its own limit: untouched. */
	offlog_partition_info p1 = part_info(f->env, "t", 1);
	assert_int_equal(p1.log_start, 0);
	assert_int_equal(p1.bytes, 100);

	/* Appends keep it there too (with maintain for the rest). A partition
	 * holding exactly the limit is not over it. */
	set_retention(f->env, "t", -1, 210);
	for (int i = 0; i < 20; i++) {
		append_batch_ts(f->env, "t", 0, 3, OFFLOG_TIMESTAMP_NOW, 30);
		assert_true(part_info(f->env, "t", 0).log_start > 0);
	}
	maintain_all(f->env);
	pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.bytes, 210);
	assert_int_equal(pi.records, 7);
	assert_int_equal(pi.log_start, 93);
	assert_int_equal(pi.log_end, 100);

	/* A limit of 0 empties the partition. */
	set_retention(f->env, "t", -1, 0);
	maintain_all(f->env);
	pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.bytes, 0);
	assert_int_equal(pi.records, 0);
	assert_int_equal(pi.log_start, 100);
}

/* ---- 3. consumers below log start ------------------------------------------- */

static void test_consumer_below_log_start_earliest_resumes_at_log_start(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 20);
	lost_log lost = {0};
	offlog_consumer *c = lost_consumer(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0, &lost, 5);
	int64_t offs[20];
	assert_int_equal(poll_n(c, 5, offs, 2000), 5);
	assert_int_equal(offs[4], 4);
	assert_int_equal(position_of(c, "t", 0), 5);
	assert_ok(offlog_consumer_release(c));
	int64_t low;
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 10));
	assert_int_equal(low, 10);
	assert_int_equal(poll_n(c, 1, offs, 2000), 1);
	assert_int_equal(offs[0], 10);
	assert_int_equal(lost.calls, 1);
	assert_string_equal(lost.topic, "t");
	assert_int_equal(lost.partition, 0);
	assert_int_equal(lost.first, 5);
	assert_int_equal(lost.last, 9);
	assert_ok(offlog_consumer_close(c));

	/* A committed offset that the log start passed: reset, reported. */
	group_commit(f->env, "g2", "t", 0, 12);
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 15));
	lost_log lost2 = {0};
	c = lost_consumer(f->env, "g2", OFFLOG_RESET_EARLIEST, "t", 0, &lost2, 500);
	assert_int_equal(poll_n(c, 1, offs, 2000), 1);
	assert_int_equal(offs[0], 15);
	assert_int_equal(lost2.calls, 1);
	assert_int_equal(lost2.first, 12);
	assert_int_equal(lost2.last, 14);
	assert_ok(offlog_consumer_close(c));
}

static void test_consumer_below_log_start_after_time_retention(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 8, wall_ms() - DAY_MS, 2);
	append_batch_ts(f->env, "t", 0, 4, OFFLOG_TIMESTAMP_NOW, 2);
	group_commit(f->env, "g", "t", 0, 3);
	set_retention(f->env, "t", 60000, -1);
	assert_int_equal(maintain_all(f->env), 8);
	lost_log lost = {0};
	offlog_consumer *c = lost_consumer(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0, &lost, 500);
	int64_t offs[4];
	assert_int_equal(poll_n(c, 4, offs, 2000), 4);
	assert_int_equal(offs[0], 8);
	assert_int_equal(offs[3], 11);
	assert_int_equal(lost.calls, 1);
	assert_int_equal(lost.first, 3);
	assert_int_equal(lost.last, 7);
	assert_ok(offlog_consumer_close(c));
}

static void test_consumer_below_log_start_latest_goes_to_end(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 20);
	group_commit(f->env, "g", "t", 0, 2);
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 10));
	lost_log lost = {0};
	offlog_consumer *c = lost_consumer(f->env, "g", OFFLOG_RESET_LATEST, "t", 0, &lost, 500);
	const offlog_record *r;
	size_t k;
	assert_ok(offlog_consumer_poll(&r, &k, c, 0));
	assert_int_equal(k, 0);
	assert_int_equal(position_of(c, "t", 0), 20);
	assert_int_equal(lost.calls, 1);
	assert_int_equal(lost.first, 2);
	assert_int_equal(lost.last, 9);
	append_str(f->env, "t", 0, NULL, "after");
	int64_t off;
	assert_int_equal(poll_n(c, 1, &off, 2000), 1);
	assert_int_equal(off, 20);
	assert_int_equal(lost.calls, 1);
	assert_ok(offlog_consumer_close(c));
}

static void test_consumer_below_log_start_none_fails_naming_lost_range(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 20);
	group_commit(f->env, "g", "t", 0, 2);
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 10));
	lost_log lost = {0};
	offlog_consumer *c = lost_consumer(f->env, "g", OFFLOG_RESET_NONE, "t", 0, &lost, 500);
	const offlog_record *r;
	size_t k = 99;
	assert_code(offlog_consumer_poll(&r, &k, c, 0), OFFLOG_ERANGE);
	assert_non_null(strstr(offlog_errmsg(), "records 2 to 9 were removed"));
	/* The committed offset is untouched. */
	assert_int_equal(committed_of(f->env, "g", "t", 0), 2);
	assert_ok(offlog_consumer_close(c));

	/* A position (not a commit) overtaken while consuming. */
	lost_log lost2 = {0};
	c = lost_consumer(f->env, "g", OFFLOG_RESET_NONE, "t", 0, &lost2, 3);
	assert_ok(offlog_consumer_seek(c, "t", 0, 10));
	int64_t offs[3];
	assert_int_equal(poll_n(c, 3, offs, 2000), 3);
	assert_int_equal(offs[2], 12);
	assert_ok(offlog_consumer_release(c));
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 17));
	assert_code(offlog_consumer_poll(&r, &k, c, 0), OFFLOG_ERANGE);
	assert_non_null(strstr(offlog_errmsg(), "records 13 to 16 were removed"));
	/* Seeking back into range recovers. */
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_BEGINNING));
	assert_int_equal(poll_n(c, 1, offs, 2000), 1);
	assert_int_equal(offs[0], 17);
	assert_ok(offlog_consumer_close(c));
}

/* ---- 4. delete-records ------------------------------------------------------ */

static void test_delete_records_advances_log_start_at_once(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 30);
	append_n(f->env, "t", 1, 5);
	int64_t low = -1;
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 10));
	assert_int_equal(low, 10);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 10);
	assert_int_equal(pi.records, 20);
	assert_int_equal(pi.log_end, 30);
	assert_fetch_range_error(f->env, "t", 0, 9);
	assert_fetch_range_error(f->env, "t", 0, 0);
	assert_int_equal(first_offset(f->env, "t", 0, 10), 10);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 10);
	/* The other partition is untouched. */
	assert_int_equal(log_start_of(f->env, "t", 1), 0);

	/* A smaller offset changes nothing: log start never moves back. */
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 4));
	assert_int_equal(low, 10);
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 10));
	assert_int_equal(low, 10);
	assert_int_equal(log_start_of(f->env, "t", 0), 10);
	assert_int_equal(part_info(f->env, "t", 0).records, 20);

	/* END is the high watermark. */
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, OFFLOG_OFFSET_END));
	assert_int_equal(low, 30);
	pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 30);
	assert_int_equal(pi.records, 0);
	assert_int_equal(pi.bytes, 0);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "x"), 30);
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 31));
	assert_int_equal(log_start_of(f->env, "t", 0), 31);
}

static void test_delete_records_errors_change_nothing(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 10);
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 3));
	uint64_t d = store_digest(f->path);
	int64_t low = 777;
	assert_code(offlog_delete_records(&low, f->env, "t", 0, 11), OFFLOG_ERANGE);
	assert_non_null(strstr(offlog_errmsg(), "high watermark"));
	assert_code(offlog_delete_records(&low, f->env, "t", 0, -5), OFFLOG_EOFFSET);
	assert_code(offlog_delete_records(&low, f->env, "t", 0, OFFLOG_OFFSET_BEGINNING),
	            OFFLOG_EOFFSET);
	assert_code(offlog_delete_records(&low, f->env, "t", 0, OFFLOG_OFFSET_STORED), OFFLOG_EOFFSET);
	assert_code(offlog_delete_records(&low, f->env, "nope", 0, 1), OFFLOG_ENOTOPIC);
	assert_code(offlog_delete_records(&low, f->env, "t", 2, 1), OFFLOG_ENOPART);
	assert_code(offlog_delete_records(&low, f->env, "t", -3, 1), OFFLOG_ENOPART);
	assert_code(offlog_delete_records(&low, f->env, "bad name", 0, 1), OFFLOG_ENAME);
	assert_code(offlog_delete_records(&low, NULL, "t", 0, 1), OFFLOG_EINVAL);
	/* An empty partition: anything above 0 is beyond its high watermark. */
	assert_code(offlog_delete_records(&low, f->env, "t", 1, 1), OFFLOG_ERANGE);
	assert_int_equal(low, 777);
	assert_true(store_digest(f->path) == d);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 3);
	assert_int_equal(pi.records, 7);
	assert_int_equal(pi.log_end, 10);
}

static void test_delete_records_of_many_finishes_in_later_steps(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 2500, OFFLOG_TIMESTAMP_NOW, 2);
	int64_t low;
	assert_ok(offlog_delete_records(&low, f->env, "t", 0, 2400));
	assert_int_equal(low, 2400);
	assert_int_equal(log_start_of(f->env, "t", 0), 2400);
	assert_fetch_range_error(f->env, "t", 0, 2399);
	assert_fetch_range_error(f->env, "t", 0, 0);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 2400);
	maintain_all(f->env);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 2400);
	assert_int_equal(pi.records, 100);
	assert_int_equal(pi.bytes, 200);
	rd *r = calloc(200, sizeof *r);
	assert_int_equal(fetch_all(f->env, "t", 0, 2400, r, 200), 100);
	free(r);
}

/* ---- 5. compaction ---------------------------------------------------------- */

static void test_compaction_keeps_latest_per_key_at_its_offset(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	create_with(f->env, "c", 1, &cfg);
	const char *keys[] = {"a", "b", "a", "c", "b", "a", "d", "a"};
	const char *vals[] = {"a0", "b0", "a1", "c0", "b1", "a2", "d0", "a3"};
	for (int i = 0; i < 8; i++)
		assert_int_equal(append_str(f->env, "c", 0, keys[i], vals[i]), i);
	int64_t removed = maintain_all(f->env);
	assert_int_equal(removed, 4);
	rd r[16];
	size_t n = fetch_all(f->env, "c", 0, 0, r, 16);
	assert_int_equal(n, 4);
	const int64_t want_off[] = {3, 4, 6, 7};
	const char *want_val[] = {"c0", "b1", "d0", "a3"};
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].offset, want_off[i]);
		assert_string_equal(r[i].value, want_val[i]);
	}
	offlog_partition_info pi = part_info(f->env, "c", 0);
	assert_int_equal(pi.records, 4);
	assert_int_equal(pi.bytes, 1 + 2 + 1 + 2 + 1 + 2 + 1 + 2);
	assert_int_equal(pi.log_end, 8);
	/* A read inside a gap gets the next record. */
	assert_int_equal(first_offset(f->env, "c", 0, 1), 3);
	assert_int_equal(first_offset(f->env, "c", 0, 5), 6);
	/* A consumer reads across the gaps in offset order. */
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "c", 0);
	int64_t offs[4];
	assert_int_equal(poll_n(c, 4, offs, 2000), 4);
	for (int i = 0; i < 4; i++)
		assert_int_equal(offs[i], want_off[i]);
	assert_int_equal(position_of(c, "c", 0), 8);
	assert_ok(offlog_consumer_close(c));

	/* New versions supersede kept ones at the next pass; offsets go on. */
	assert_int_equal(append_str(f->env, "c", 0, "c", "c1"), 8);
	assert_int_equal(maintain_all(f->env), 1);
	n = fetch_all(f->env, "c", 0, 0, r, 16);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].offset, 4);
	assert_int_equal(r[3].offset, 8);
	assert_string_equal(r[3].value, "c1");
	assert_int_equal(maintain_all(f->env), 0);
}

static void test_compaction_of_many_keys_keeps_exactly_the_latest(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	create_with(f->env, "c", 2, &cfg);
	enum { N = 3000, K = 97 };
	int64_t latest[K];
	int keys = 0;
	for (int i = 0; i < K; i++)
		latest[i] = -1;
	offlog_message *m = calloc(N, sizeof *m);
	char (*kb)[16] = calloc(N, 16);
	char (*vb)[16] = calloc(N, 16);
	assert_non_null(m);
	for (int i = 0; i < N; i++) {
		int key = (i * 31 + i / 7) % K;
		snprintf(kb[i], 16, "k%d", key);
		snprintf(vb[i], 16, "v%d", i);
		m[i] = (offlog_message){kb[i], strlen(kb[i]), vb[i], strlen(vb[i]), OFFLOG_TIMESTAMP_NOW,
		                        NULL, 0};
		if (latest[key] < 0)
			keys++;
		latest[key] = i;
	}
	assert_ok(offlog_append_batch(NULL, NULL, f->env, "c", 1, m, N));
	assert_true(keys > 50);
	assert_int_equal(maintain_all(f->env), N - keys);
	rd *r = calloc(N, sizeof *r);
	size_t n = fetch_all(f->env, "c", 1, 0, r, N);
	assert_int_equal(n, keys);
	for (size_t i = 0; i < n; i++) {
		int key = atoi(r[i].key + 1);
		assert_int_equal(r[i].offset, latest[key]);
		char want[16];
		snprintf(want, sizeof want, "v%lld", (long long)latest[key]);
		assert_string_equal(r[i].value, want);
	}
	assert_int_equal(part_info(f->env, "c", 1).records, keys);
	assert_int_equal(part_info(f->env, "c", 1).log_end, N);
	free(r);
	free(m);
	free(kb);
	free(vb);
}

static void test_tombstone_kept_within_delete_retention(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	cfg.delete_retention_ms = DAY_MS;
	create_with(f->env, "c", 1, &cfg);
	append_str(f->env, "c", 0, "x", "x0");
	append_ts(f->env, "c", 0, "x", NULL, OFFLOG_TIMESTAMP_NOW);
	append_str(f->env, "c", 0, "y", "y0");
	assert_int_equal(maintain_all(f->env), 1);
	rd r[4];
	assert_int_equal(fetch_all(f->env, "c", 0, 0, r, 4), 2);
	assert_int_equal(r[0].offset, 1);
	assert_true(r[0].tombstone);
	assert_string_equal(r[0].key, "x");
	assert_int_equal(r[1].offset, 2);
}

static void test_tombstone_removed_after_delete_retention(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	cfg.delete_retention_ms = 1000;
	create_with(f->env, "c", 1, &cfg);
	int64_t old = wall_ms() - DAY_MS;
	append_ts(f->env, "c", 0, "x", "x0", old);
	append_ts(f->env, "c", 0, "x", NULL, old + 1);
	append_str(f->env, "c", 0, "y", "y0");
	append_ts(f->env, "c", 0, "z", NULL, OFFLOG_TIMESTAMP_NOW);   /* recent: kept */
	assert_int_equal(maintain_all(f->env), 2);
	rd r[4];
	assert_int_equal(fetch_all(f->env, "c", 0, 0, r, 4), 2);
	assert_int_equal(r[0].offset, 2);
	assert_string_equal(r[0].value, "y0");
	assert_int_equal(r[1].offset, 3);
	assert_true(r[1].tombstone);
	offlog_partition_info pi = part_info(f->env, "c", 0);
	assert_int_equal(pi.records, 2);
	assert_int_equal(pi.bytes, 1 + 2 + 1);
}

static void test_tombstone_expires_later_without_new_appends(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	cfg.delete_retention_ms = 1000;
	create_with(f->env, "c", 1, &cfg);
	append_str(f->env, "c", 0, "x", "x0");
	append_ts(f->env, "c", 0, "x", NULL, OFFLOG_TIMESTAMP_NOW);
	append_str(f->env, "c", 0, "y", "y0");
	assert_int_equal(maintain_all(f->env), 1);   /* x0; the tombstone is young */
	assert_int_equal(part_info(f->env, "c", 0).records, 2);
	sleep_ms(1200);
	/* delete_retention_ms has passed since the tombstone's timestamp. */
	assert_int_equal(maintain_all(f->env), 1);
	rd r[4];
	assert_int_equal(fetch_all(f->env, "c", 0, 0, r, 4), 1);
	assert_int_equal(r[0].offset, 2);
}

static void test_compacted_topic_refuses_keyless_records(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	create_with(f->env, "c", 1, &cfg);
	append_str(f->env, "c", 0, "k", "v");
	uint64_t d = store_digest(f->path);
	offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "c", 0, &m), OFFLOG_EINVAL);
	offlog_message two[2] = {{"k", 1, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0}, m};
	assert_code(offlog_append_batch(NULL, NULL, f->env, "c", 0, two, 2), OFFLOG_EINVAL);
	assert_true(store_digest(f->path) == d);
	assert_int_equal(leo_of(f->env, "c", 0), 1);
	/* An empty key is a key. */
	offlog_message e = {"", 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(NULL, NULL, f->env, "c", 0, &e));
}

/* ---- 6. offsets for times ---------------------------------------------------- */

static void query_times(offlog_env *env, const char *topic, const int64_t *ts, const int64_t *want,
                        size_t n)
{
	offlog_partition_offset list[16];
	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++)
		list[i] = (offlog_partition_offset){topic, 0, ts[i], NULL, -99};
	assert_ok(offlog_offsets_for_times(env, list, n));
	for (size_t i = 0; i < n; i++) {
		if (list[i].offset != want[i])
			fail_msg("timestamp %lld: offset %lld, expected %lld", (long long)ts[i],
			         (long long)list[i].offset, (long long)want[i]);
		assert_int_equal(list[i].err, 0);
	}
}

static void test_offsets_for_times_with_out_of_order_timestamps(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	const int64_t stamps[] = {100, 50, 300, 200, 400};
	for (int i = 0; i < 5; i++)
		assert_int_equal(append_ts(f->env, "t", 0, NULL, "v", stamps[i]), i);
	const int64_t q[] = {0, 50, 60, 100, 101, 150, 250, 300, 350, 400, 401, 1000000,
	                     OFFLOG_OFFSET_BEGINNING, OFFLOG_OFFSET_END};
	const int64_t E = OFFLOG_OFFSET_END;   /* no record at or after the timestamp */
	const int64_t w[] = {0, 0, 0, 0, 2, 2, 2, 2, 4, 4, E, E, 0, 5};
	query_times(f->env, "t", q, w, 14);

	/* A consumer's seek by timestamp agrees. */
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 150));
	assert_int_equal(position_of(c, "t", 0), 2);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 401));
	assert_int_equal(position_of(c, "t", 0), 5);
	assert_code(offlog_consumer_seek_timestamp(c, "t", 0, -5), OFFLOG_EINVAL);
	assert_ok(offlog_consumer_close(c));

	/* Other negative timestamps are invalid; the entry says so. */
	offlog_partition_offset bad[2] = {{"t", 0, 60, NULL, 0}, {"t", 0, -7, NULL, 0}};
	assert_code(offlog_offsets_for_times(f->env, bad, 2), OFFLOG_EINVAL);
	assert_int_equal(bad[0].err, 0);
	assert_int_equal(bad[0].offset, 0);
	assert_int_equal(bad[1].err, OFFLOG_EINVAL);
	offlog_partition_offset unk[2] = {{"nope", 0, 1, NULL, 0}, {"t", 3, 1, NULL, 0}};
	assert_code(offlog_offsets_for_times(f->env, unk, 2), OFFLOG_ENOTOPIC);
	assert_int_equal(unk[0].err, OFFLOG_ENOTOPIC);
	assert_int_equal(unk[1].err, OFFLOG_ENOPART);

	/* After retention removed the head (two records), the answer starts at
	 * the new log start. */
	set_retention(f->env, "t", -1, 3);
	maintain_all(f->env);
	assert_int_equal(log_start_of(f->env, "t", 0), 2);
	const int64_t w2[] = {2, 2, 2, 2, 2, 2, 2, 2, 4, 4, E, E, 2, 5};
	query_times(f->env, "t", q, w2, 14);
}

static void test_offsets_for_times_matches_a_scan(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	enum { N = 3000 };
	int64_t *ts = malloc(N * sizeof *ts);
	offlog_message *m = calloc(N, sizeof *m);
	uint32_t x = 12345;
	for (int i = 0; i < N; i++) {
		x = x * 1103515245u + 12345u;
		/* A rising trend with jitter, and a few far-out stragglers. */
		ts[i] = 10000 + (int64_t)i * 10 + (int64_t)((x >> 16) % 400) - 200;
		if (i % 97 == 5)
			ts[i] += 20000;
		if (i % 89 == 3)
			ts[i] -= 9000;
		m[i] = (offlog_message){NULL, 0, "v", 1, ts[i], NULL, 0};
	}
	for (int i = 0; i < N; i += 500)
		assert_ok(offlog_append_batch(NULL, NULL, f->env, "t", 0, m + i, 500));
	/* Round 0: everything; 1: after delete-records, whose removal of more
	 * than a thousand records is not finished; 2: after it is. */
	for (int round = 0; round < 3; round++) {
		int64_t start = round == 0 ? 0 : 1234;
		if (round == 1)
			assert_ok(offlog_delete_records(NULL, f->env, "t", 0, start));
		if (round == 2)
			maintain_all(f->env);
		for (int64_t q = 0; q < 10000 + N * 10 + 21000; q += 37) {
			int64_t want = OFFLOG_OFFSET_END;
			for (int64_t i = start; i < N; i++)
				if (ts[i] >= q) {
					want = i;
					break;
				}
			offlog_partition_offset e = {"t", 0, q, NULL, 0};
			assert_ok(offlog_offsets_for_times(f->env, &e, 1));
			if (e.offset != want)
				fail_msg("round %d, timestamp %lld: offset %lld, expected %lld", round,
				         (long long)q, (long long)e.offset, (long long)want);
		}
	}
	free(ts);
	free(m);
}

static void test_reset_by_duration_after_retention(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	int64_t now = wall_ms();
	append_ts(f->env, "t", 0, NULL, "a", now - 3 * 3600000);
	append_ts(f->env, "t", 0, NULL, "b", now - 2 * 3600000);
	append_ts(f->env, "t", 0, NULL, "c", now - 1800000);
	append_ts(f->env, "t", 0, NULL, "d", now - 7200000);
	append_ts(f->env, "t", 0, NULL, "e", now);
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_BY_DURATION;
	o.reset_duration_ms = 3600000;
	o.enable_auto_commit = 0;
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	assert_int_equal(position_of(c, "t", 0), 2);
	assert_ok(offlog_consumer_close(c));
	/* A commit overtaken by retention resets by duration, too: not to the
	 * new log start (1), nor the end (5). */
	group_commit(f->env, "g", "t", 0, 0);
	set_retention(f->env, "t", (int64_t)150 * 60000, -1);
	assert_int_equal(maintain_all(f->env), 1);
	assert_int_equal(log_start_of(f->env, "t", 0), 1);
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	int64_t off;
	assert_int_equal(poll_n(c, 1, &off, 2000), 1);
	assert_int_equal(off, 2);
	assert_ok(offlog_consumer_close(c));
}

/* ---- 7. consumer-aware retention -------------------------------------------- */

static void test_protected_group_holds_back_retention(void **state)
{
	fx *f = *state;
	const char *groups[] = {"g"};
	offlog_topic_config cfg = config(60000, -1, OFFLOG_CLEANUP_DELETE);
	cfg.protected_groups = groups;
	cfg.protected_group_count = 1;
	create_with(f->env, "t", 2, &cfg);
	int64_t old = wall_ms() - DAY_MS;
	append_batch_ts(f->env, "t", 0, 10, old, 2);
	append_batch_ts(f->env, "t", 1, 10, old, 2);
	append_ts(f->env, "t", 0, NULL, "z", old);   /* an append's own step: nothing either */
	/* No commit: the group protects everything. */
	assert_int_equal(maintain_all(f->env), 0);
	assert_int_equal(log_start_of(f->env, "t", 0), 0);
	assert_int_equal(log_start_of(f->env, "t", 1), 0);
	/* Another group's commit does not matter. */
	group_commit(f->env, "other", "t", 0, 11);
	assert_int_equal(maintain_all(f->env), 0);
	/* g commits 4 on partition 0: removal up to there, partition 1 still whole. */
	group_commit(f->env, "g", "t", 0, 4);
	assert_int_equal(maintain_all(f->env), 4);
	assert_int_equal(log_start_of(f->env, "t", 0), 4);
	assert_int_equal(log_start_of(f->env, "t", 1), 0);
	assert_int_equal(first_offset(f->env, "t", 0, OFFLOG_OFFSET_BEGINNING), 4);
	/* Appends do not remove past the commit either. */
	append_ts(f->env, "t", 0, NULL, "z", old);
	assert_int_equal(log_start_of(f->env, "t", 0), 4);
	group_commit(f->env, "g", "t", 0, 12);
	group_commit(f->env, "g", "t", 1, 7);
	assert_int_equal(maintain_all(f->env), 8 + 7);
	assert_int_equal(log_start_of(f->env, "t", 0), 12);
	assert_int_equal(log_start_of(f->env, "t", 1), 7);
}

static void test_two_protected_groups_hold_to_the_lower_commit(void **state)
{
	fx *f = *state;
	const char *groups[] = {"g1", "g2"};
	offlog_topic_config cfg = config(-1, 0, OFFLOG_CLEANUP_DELETE);   /* size: remove all */
	cfg.protected_groups = groups;
	cfg.protected_group_count = 2;
	create_with(f->env, "t", 1, &cfg);
	append_batch_ts(f->env, "t", 0, 20, OFFLOG_TIMESTAMP_NOW, 5);
	group_commit(f->env, "g1", "t", 0, 15);
	assert_int_equal(maintain_all(f->env), 0);
	group_commit(f->env, "g2", "t", 0, 6);
	assert_int_equal(maintain_all(f->env), 6);
	assert_int_equal(log_start_of(f->env, "t", 0), 6);
	group_commit(f->env, "g2", "t", 0, 20);
	assert_int_equal(maintain_all(f->env), 9);
	assert_int_equal(log_start_of(f->env, "t", 0), 15);
}

static void test_protected_group_holds_back_compaction(void **state)
{
	fx *f = *state;
	const char *groups[] = {"g"};
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	cfg.protected_groups = groups;
	cfg.protected_group_count = 1;
	create_with(f->env, "c", 1, &cfg);
	for (int i = 0; i < 6; i++) {
		char v[16];
		snprintf(v, sizeof v, "a%d", i);
		append_str(f->env, "c", 0, "a", v);
	}
	assert_int_equal(maintain_all(f->env), 0);
	assert_int_equal(part_info(f->env, "c", 0).records, 6);
	group_commit(f->env, "g", "c", 0, 3);
	assert_int_equal(maintain_all(f->env), 3);
	rd r[8];
	assert_int_equal(fetch_all(f->env, "c", 0, 0, r, 8), 3);
	assert_int_equal(r[0].offset, 3);
	group_commit(f->env, "g", "c", 0, 6);
	assert_int_equal(maintain_all(f->env), 2);
	assert_int_equal(fetch_all(f->env, "c", 0, 0, r, 8), 1);
	assert_int_equal(r[0].offset, 5);
	assert_string_equal(r[0].value, "a5");
}

/* ---- 8. the store's size cap ------------------------------------------------- */

static int setup_cap_reject(void **state)
{
	offlog_options o;
	offlog_options_init(&o);
	o.max_store_bytes = 1000;
	o.store_full_policy = OFFLOG_STORE_FULL_REJECT;
	return fx_setup_opts(state, &o);
}

static int setup_cap_drop(void **state)
{
	offlog_options o;
	offlog_options_init(&o);
	o.max_store_bytes = 1000;
	o.store_full_policy = OFFLOG_STORE_FULL_DROP_OLDEST;
	return fx_setup_opts(state, &o);
}

static void test_store_cap_reject_refuses_append_unchanged(void **state)
{
	fx *f = *state;
	create_topic(f->env, "a", 1);
	create_topic(f->env, "b", 1);
	append_batch_ts(f->env, "a", 0, 6, OFFLOG_TIMESTAMP_NOW, 100);
	append_batch_ts(f->env, "b", 0, 4, OFFLOG_TIMESTAMP_NOW, 100);   /* exactly 1000 */
	uint64_t d = store_digest(f->path);
	char v[101];
	memset(v, 'v', 100);
	v[100] = 0;
	offlog_message m = {NULL, 0, v, 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "b", 0, &m), OFFLOG_ESTOREFULL);
	assert_true(strlen(offlog_errmsg()) > 0);
	assert_code(offlog_append(NULL, NULL, f->env, "a", 0, &m), OFFLOG_ESTOREFULL);
	offlog_message two[2] = {{NULL, 0, "", 0, OFFLOG_TIMESTAMP_NOW, NULL, 0}, m};
	assert_code(offlog_append_batch(NULL, NULL, f->env, "b", 0, two, 2), OFFLOG_ESTOREFULL);
	assert_true(store_digest(f->path) == d);
	assert_int_equal(leo_of(f->env, "a", 0), 6);
	assert_int_equal(leo_of(f->env, "b", 0), 4);
	/* A record with no bytes does not grow the store. */
	offlog_message empty = {NULL, 0, "", 0, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(NULL, NULL, f->env, "b", 0, &empty));
	/* The count survives a reopen. */
	offlog_options o;
	offlog_options_init(&o);
	o.max_store_bytes = 1000;
	fx_reopen(f, &o);
	assert_code(offlog_append(NULL, NULL, f->env, "b", 0, &m), OFFLOG_ESTOREFULL);
	/* Freeing room makes appends possible again. */
	assert_ok(offlog_delete_records(NULL, f->env, "a", 0, 2));
	m.value_len = 100;
	assert_ok(offlog_append(NULL, NULL, f->env, "b", 0, &m));
	assert_ok(offlog_append(NULL, NULL, f->env, "b", 0, &m));
	assert_code(offlog_append(NULL, NULL, f->env, "b", 0, &m), OFFLOG_ESTOREFULL);
	assert_int_equal(leo_of(f->env, "b", 0), 7);
}

static void test_store_cap_drop_oldest_drops_oldest_head(void **state)
{
	fx *f = *state;
	/* Key order a/0, b/0, b/1; the oldest head is in the middle, so neither
	 * the first nor the last partition is the right pick by accident. */
	create_topic(f->env, "a", 1);
	create_topic(f->env, "b", 2);
	int64_t now = wall_ms();
	append_batch_ts(f->env, "a", 0, 3, now - 1000, 100);
	append_batch_ts(f->env, "b", 0, 5, now - DAY_MS, 100);
	append_batch_ts(f->env, "b", 1, 2, now - 2000, 100);   /* 1000 in all */
	int64_t off;
	char v[300];
	memset(v, 'w', sizeof v);
	offlog_message m = {NULL, 0, v, 100, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(&off, NULL, f->env, "a", 0, &m));
	assert_int_equal(off, 3);
	assert_int_equal(log_start_of(f->env, "b", 0), 1);
	assert_int_equal(log_start_of(f->env, "a", 0), 0);
	assert_int_equal(log_start_of(f->env, "b", 1), 0);
	m.value_len = 300;
	assert_ok(offlog_append(&off, NULL, f->env, "b", 1, &m));
	assert_int_equal(off, 2);
	assert_int_equal(log_start_of(f->env, "b", 0), 4);
	assert_int_equal(log_start_of(f->env, "b", 1), 0);
	/* Then the oldest of what is left: b/0's last record, then b/1's head
	 * (older than a/0's). */
	m.value_len = 200;
	assert_ok(offlog_append(&off, NULL, f->env, "a", 0, &m));
	assert_int_equal(off, 4);
	assert_int_equal(log_start_of(f->env, "b", 0), 5);
	assert_int_equal(log_start_of(f->env, "b", 1), 1);
	assert_int_equal(log_start_of(f->env, "a", 0), 0);
	int64_t total = part_info(f->env, "a", 0).bytes + part_info(f->env, "b", 0).bytes +
	                part_info(f->env, "b", 1).bytes;
	assert_int_equal(total, 1000);
	/* A record larger than the cap cannot fit whatever is dropped. */
	char big[1100];
	memset(big, 'b', sizeof big);
	offlog_message huge = {NULL, 0, big, sizeof big, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	uint64_t d = store_digest(f->path);
	assert_code(offlog_append(NULL, NULL, f->env, "a", 0, &huge), OFFLOG_ESTOREFULL);
	assert_true(store_digest(f->path) == d);
	assert_int_equal(leo_of(f->env, "a", 0), 5);
	assert_int_equal(log_start_of(f->env, "a", 0), 0);
}

static void test_store_cap_drop_oldest_never_drops_protected(void **state)
{
	fx *f = *state;
	const char *groups[] = {"g"};
	offlog_topic_config cfg;
	offlog_topic_config_init(&cfg);
	cfg.protected_groups = groups;
	cfg.protected_group_count = 1;
	create_with(f->env, "p", 1, &cfg);
	append_batch_ts(f->env, "p", 0, 10, 1000, 100);
	uint64_t d = store_digest(f->path);
	char v[100];
	memset(v, 'v', sizeof v);
	offlog_message m = {NULL, 0, v, sizeof v, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "p", 0, &m), OFFLOG_ESTOREFULL);
	assert_true(store_digest(f->path) == d);
	assert_int_equal(leo_of(f->env, "p", 0), 10);
	assert_int_equal(log_start_of(f->env, "p", 0), 0);
	/* Once g has read some, those may go. */
	group_commit(f->env, "g", "p", 0, 3);
	assert_ok(offlog_append(NULL, NULL, f->env, "p", 0, &m));
	assert_int_equal(log_start_of(f->env, "p", 0), 1);
	m.value_len = 50;
	assert_ok(offlog_append(NULL, NULL, f->env, "p", 0, &m));
	assert_ok(offlog_append(NULL, NULL, f->env, "p", 0, &m));
	assert_int_equal(log_start_of(f->env, "p", 0), 2);
	m.value_len = 100;
	assert_ok(offlog_append(NULL, NULL, f->env, "p", 0, &m));
	assert_int_equal(log_start_of(f->env, "p", 0), 3);
	assert_code(offlog_append(NULL, NULL, f->env, "p", 0, &m), OFFLOG_ESTOREFULL);
	assert_int_equal(log_start_of(f->env, "p", 0), 3);
	assert_int_equal(leo_of(f->env, "p", 0), 14);
}

/* ---- 9. altering a topic's configuration -------------------------------------- */

static void assert_same_config(const offlog_topic_config *a, const offlog_topic_config *b)
{
	assert_int_equal(a->retention_ms, b->retention_ms);
	assert_int_equal(a->retention_bytes, b->retention_bytes);
	assert_int_equal(a->cleanup_policy, b->cleanup_policy);
	assert_int_equal(a->delete_retention_ms, b->delete_retention_ms);
	assert_int_equal(a->max_message_bytes, b->max_message_bytes);
	assert_int_equal(a->protected_group_count, b->protected_group_count);
	for (size_t i = 0; i < a->protected_group_count; i++) {
		bool found = false;
		for (size_t j = 0; j < b->protected_group_count; j++)
			found |= strcmp(a->protected_groups[i], b->protected_groups[j]) == 0;
		if (!found)
			fail_msg("protected group %s missing", a->protected_groups[i]);
	}
}

static void assert_described(offlog_env *env, const char *topic, const offlog_topic_config *want)
{
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, env, topic));
	assert_same_config(&info->config, want);
	offlog_topic_info_free(info);
}

static void test_alter_config_applies_and_is_described(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	const char *groups[] = {"g1", "g-2.x"};
	offlog_topic_config cfg = config(5000, 4096, OFFLOG_CLEANUP_DELETE | OFFLOG_CLEANUP_COMPACT);
	cfg.delete_retention_ms = 10;
	cfg.max_message_bytes = 16;
	cfg.protected_groups = groups;
	cfg.protected_group_count = 2;
	assert_ok(offlog_topic_alter_config(f->env, "t", &cfg));
	assert_described(f->env, "t", &cfg);
	fx_reopen(f, NULL);
	assert_described(f->env, "t", &cfg);
	/* The new limits apply to appends. */
	offlog_message big = {"k", 1, "0123456789abcdefghij", 20, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &big), OFFLOG_ETOOBIG);
	offlog_message keyless = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &keyless), OFFLOG_EINVAL);
	/* All fields are replaced: fewer protected groups, then none. */
	cfg.protected_group_count = 1;
	cfg.cleanup_policy = OFFLOG_CLEANUP_DELETE;
	cfg.max_message_bytes = OFFLOG_MESSAGE_MAX_DEFAULT;
	assert_ok(offlog_topic_alter_config(f->env, "t", &cfg));
	assert_described(f->env, "t", &cfg);
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &keyless));
	cfg.protected_groups = NULL;
	cfg.protected_group_count = 0;
	assert_ok(offlog_topic_alter_config(f->env, "t", &cfg));
	assert_described(f->env, "t", &cfg);
	/* A version 1 struct leaves the protected groups out: none. */
	offlog_topic_config v1 = config(-1, -1, OFFLOG_CLEANUP_DELETE);
	v1.version = 1;
	assert_ok(offlog_topic_alter_config(f->env, "t", &v1));
	v1.protected_group_count = 0;
	assert_described(f->env, "t", &v1);
}

static void test_alter_config_lower_retention_applies_at_next_step(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 10, wall_ms() - 10 * 60000, 1);
	assert_int_equal(maintain_all(f->env), 0);
	set_retention(f->env, "t", 3600000, -1);
	assert_int_equal(maintain_all(f->env), 0);
	set_retention(f->env, "t", 60000, -1);
	assert_int_equal(maintain_all(f->env), 10);
}

static void test_alter_config_invalid_changes_nothing(void **state)
{
	fx *f = *state;
	const char *groups[] = {"keep"};
	offlog_topic_config good = config(5000, 100, OFFLOG_CLEANUP_DELETE);
	good.protected_groups = groups;
	good.protected_group_count = 1;
	create_with(f->env, "t", 1, &good);
	uint64_t d = store_digest(f->path);
	offlog_topic_config c;
	c = good; c.retention_ms = -2;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.retention_bytes = -7;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.cleanup_policy = 0;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.cleanup_policy = 4;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.delete_retention_ms = -1;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.max_message_bytes = 0;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.max_message_bytes = OFFLOG_MESSAGE_MAX_LIMIT + 1;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.version = 0;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.version = OFFLOG_TOPIC_CONFIG_VERSION + 1;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.protected_groups = NULL;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	c = good; c.protected_group_count = OFFLOG_PROTECTED_GROUPS_MAX + 1;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	const char *badg[] = {"ok", "has space"};
	c = good; c.protected_groups = badg; c.protected_group_count = 2;
	int rc = offlog_topic_alter_config(f->env, "t", &c);
	assert_true(rc == OFFLOG_EINVAL || rc == OFFLOG_ENAME);
	const char *nullg[] = {NULL};
	c = good; c.protected_groups = nullg;
	assert_code(offlog_topic_alter_config(f->env, "t", &c), OFFLOG_EINVAL);
	assert_code(offlog_topic_alter_config(f->env, "t", NULL), OFFLOG_EINVAL);
	assert_code(offlog_topic_alter_config(f->env, "nope", &good), OFFLOG_ENOTOPIC);
	assert_true(store_digest(f->path) == d);
	assert_described(f->env, "t", &good);
}

/* ---- 10. the maintenance thread ----------------------------------------------- */

static int setup_maint_thread(void **state)
{
	offlog_options o;
	offlog_options_init(&o);
	o.maintenance_interval_ms = 50;
	return fx_setup_opts(state, &o);
}

static void test_maintenance_thread_removes_expired_records(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_batch_ts(f->env, "t", 0, 50, wall_ms() - DAY_MS, 3);
	append_str(f->env, "t", 0, NULL, "keep");
	set_retention(f->env, "t", 60000, -1);
	int64_t deadline = mono_ms() + 3000;
	while (log_start_of(f->env, "t", 0) < 50 && mono_ms() < deadline)
		sleep_ms(10);
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_int_equal(pi.log_start, 50);
	assert_int_equal(pi.records, 1);
	/* And compaction. */
	offlog_topic_config cfg = config(-1, -1, OFFLOG_CLEANUP_COMPACT);
	create_with(f->env, "c", 1, &cfg);
	for (int i = 0; i < 5; i++)
		append_str(f->env, "c", 0, "k", "v");
	deadline = mono_ms() + 3000;
	while (part_info(f->env, "c", 0).records > 1 && mono_ms() < deadline)
		sleep_ms(10);
	assert_int_equal(part_info(f->env, "c", 0).records, 1);
	assert_int_equal(first_offset(f->env, "c", 0, 0), 4);
}

/* ---- 11. space is reused -------------------------------------------------------- */

static void test_steady_retention_reuses_space(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = config(-1, 64 * 1024, OFFLOG_CLEANUP_DELETE);
	create_with(f->env, "t", 1, &cfg);
	int64_t t0 = mono_ms();
	int64_t at[3] = {0, 0, 0};
	for (int batch = 1; batch <= 90; batch++) {
		append_batch_ts(f->env, "t", 0, 32, OFFLOG_TIMESTAMP_NOW, 1000);
		maintain_all(f->env);
		if (batch == 30)
			at[0] = file_size(f->path);
		else if (batch == 60)
			at[1] = file_size(f->path);
		else if (batch == 90)
			at[2] = file_size(f->path);
	}
	offlog_partition_info pi = part_info(f->env, "t", 0);
	assert_true(pi.bytes <= 64 * 1024);
	assert_int_equal(pi.log_end, 90 * 32);
	/* 2.8 MB went through; the file holds about 64 KB of records. */
	if (at[2] > at[1] + 64 * 1024 || at[1] > at[0] + 64 * 1024)
		fail_msg("data file grows: %lld, %lld, %lld bytes", (long long)at[0], (long long)at[1],
		         (long long)at[2]);
	assert_true(at[2] < 1024 * 1024);
	assert_true(mono_ms() - t0 < 10000);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
#define TS(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_time_retention_maintain_removes_expired_head),
		T(test_time_retention_stops_at_first_record_within_retention),
		T(test_all_expired_leaves_empty_log_and_offsets_continue),
		T(test_appends_remove_expired_records_in_bounded_steps),
		T(test_append_never_removes_its_own_records),
		T(test_maintain_respects_max_records),
		TS(test_records_above_high_watermark_are_not_removed, setup_async),
		T(test_size_retention_keeps_each_partition_within_limit),
		T(test_consumer_below_log_start_earliest_resumes_at_log_start),
		T(test_consumer_below_log_start_after_time_retention),
		T(test_consumer_below_log_start_latest_goes_to_end),
		T(test_consumer_below_log_start_none_fails_naming_lost_range),
		T(test_delete_records_advances_log_start_at_once),
		T(test_delete_records_errors_change_nothing),
		T(test_delete_records_of_many_finishes_in_later_steps),
		T(test_compaction_keeps_latest_per_key_at_its_offset),
		T(test_compaction_of_many_keys_keeps_exactly_the_latest),
		T(test_tombstone_kept_within_delete_retention),
		T(test_tombstone_removed_after_delete_retention),
		T(test_tombstone_expires_later_without_new_appends),
		T(test_compacted_topic_refuses_keyless_records),
		T(test_offsets_for_times_with_out_of_order_timestamps),
		T(test_offsets_for_times_matches_a_scan),
		T(test_reset_by_duration_after_retention),
		T(test_protected_group_holds_back_retention),
		T(test_two_protected_groups_hold_to_the_lower_commit),
		T(test_protected_group_holds_back_compaction),
		TS(test_store_cap_reject_refuses_append_unchanged, setup_cap_reject),
		TS(test_store_cap_drop_oldest_drops_oldest_head, setup_cap_drop),
		TS(test_store_cap_drop_oldest_never_drops_protected, setup_cap_drop),
		T(test_alter_config_applies_and_is_described),
		T(test_alter_config_lower_retention_applies_at_next_step),
		T(test_alter_config_invalid_changes_nothing),
		TS(test_maintenance_thread_removes_expired_records, setup_maint_thread),
		T(test_steady_retention_reuses_space),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_log.c - appends, offsets, reads, the partitioner, the time index and
 * the high watermark in each durability mode. */
#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "clock.h"
#include "codec.h"
#include "db.h"
#include "env.h"
#include "log.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static offlog_message msg_ts(const char *value, int64_t ts)
{
	offlog_message m = {NULL, 0, value, strlen(value), ts, NULL, 0};
	return m;
}

static void fetch_all(offlog_env *env, const char *topic, int32_t part, int64_t from,
                      offlog_batch **b, const offlog_record **r, size_t *n, int64_t *next)
{
	assert_ok(offlog_fetch(b, env, topic, part, from, 100000, 1u << 30));
	assert_ok(offlog_batch_records(r, n, next, *b));
}

static void test_offsets_start_at_zero_and_increase_by_one(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	for (int64_t i = 0; i < 20; i++)
		assert_int_equal(append_str(f->env, "t", 0, NULL, "x"), i);
}

static void test_offsets_are_unique_per_partition_only(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	assert_ok(offlog_topic_create(f->env, "u", 1, NULL));
	assert_int_equal(append_str(f->env, "t", 0, NULL, "a"), 0);
	assert_int_equal(append_str(f->env, "t", 1, NULL, "b"), 0);
	assert_int_equal(append_str(f->env, "u", 0, NULL, "c"), 0);
	assert_int_equal(append_str(f->env, "t", 1, NULL, "d"), 1);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "e"), 1);
}

static void test_offsets_are_never_reused_after_reopen(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	fx_reopen(f, NULL);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "x"), 3);
}

static void test_record_round_trips_exactly(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	const unsigned char key[] = {0, 1, 2, 0, 255};
	const unsigned char val[] = {9, 0, 0, 7};
	offlog_header h[3] = {{"trace", 5, "abc", 3}, {"null", 4, NULL, 0}, {"e", 1, "", 0}};
	offlog_message m = {key, sizeof key, val, sizeof val, 1234567, h, 3};
	int64_t off;
	int32_t p;
	assert_ok(offlog_append(&off, &p, f->env, "t", 0, &m));
	assert_int_equal(p, 0);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t next;
	fetch_all(f->env, "t", 0, 0, &b, &r, &n, &next);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].topic, "t");
	assert_int_equal(r[0].partition, 0);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].timestamp, 1234567);
	assert_int_equal(r[0].key_len, sizeof key);
	assert_memory_equal(r[0].key, key, sizeof key);
	assert_int_equal(r[0].value_len, sizeof val);
	assert_memory_equal(r[0].value, val, sizeof val);
	assert_int_equal(r[0].header_count, 3);
	offlog_header out[4];
	size_t hn;
	assert_ok(offlog_record_headers(out, 4, &hn, &r[0]));
	assert_int_equal(hn, 3);
	assert_int_equal(out[0].name_len, 5);
	assert_memory_equal(out[0].name, "trace", 5);
	assert_int_equal(out[0].value_len, 3);
	assert_memory_equal(out[0].value, "abc", 3);
	assert_memory_equal(out[1].name, "null", 4);
	assert_null(out[1].value);
	assert_non_null(out[2].value);
	assert_int_equal(out[2].value_len, 0);
	assert_ok(offlog_record_headers(out, 1, &hn, &r[0]));
	assert_int_equal(hn, 1);
	assert_int_equal(next, 1);
	offlog_batch_free(b);
}

/* Every length pads differently: all must read back exactly. */
static void test_records_of_every_small_length_round_trip(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	char buf[64];
	for (int i = 0; i < 64; i++)
		buf[i] = (char)('a' + i % 26);
	for (size_t len = 0; len < 24; len++) {
		offlog_header h = {"h", 1, buf, len % 5};
		offlog_message m = {len % 2 ? buf : NULL, len % 2 ? len / 2 : 0, buf, len,
		                    (int64_t)len * 1000003, len % 3 ? &h : NULL, len % 3 ? 1u : 0u};
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	fetch_all(f->env, "t", 0, 0, &b, &r, &n, NULL);
	assert_int_equal(n, 24);
	for (size_t len = 0; len < 24; len++) {
		assert_int_equal(r[len].value_len, len);
		assert_memory_equal(r[len].value, buf, len);
		assert_int_equal(r[len].timestamp, (int64_t)len * 1000003);
		if (len % 2) {
			assert_int_equal(r[len].key_len, len / 2);
		} else {
			assert_null(r[len].key);
		}
		offlog_header out[2];
		size_t hn;
		assert_ok(offlog_record_headers(out, 2, &hn, &r[len]));
		assert_int_equal(hn, len % 3 ? 1u : 0u);
		if (hn)
			assert_int_equal(out[0].value_len, len % 5);
	}
	offlog_batch_free(b);
}

static void test_null_key_empty_key_and_tombstone_are_distinct(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	offlog_message none = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	offlog_message empty = {"", 0, "", 0, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	offlog_message tomb = {"k", 1, NULL, 0, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &none));
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &empty));
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &tomb));
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	fetch_all(f->env, "t", 0, 0, &b, &r, &n, NULL);
	assert_int_equal(n, 3);
	assert_null(r[0].key);
	assert_non_null(r[0].value);
	assert_non_null(r[1].key);
	assert_int_equal(r[1].key_len, 0);
	assert_non_null(r[1].value);
	assert_int_equal(r[1].value_len, 0);
	assert_non_null(r[2].key);
	assert_null(r[2].value);
	assert_int_equal(r[2].header_count, 0);
	offlog_batch_free(b);
}

static void test_append_time_is_used_when_asked(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	int64_t before = ol_now_ms();
	append_str(f->env, "t", 0, NULL, "x");
	int64_t after = ol_now_ms();
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	fetch_all(f->env, "t", 0, 0, &b, &r, &n, NULL);
	assert_true(r[0].timestamp >= before && r[0].timestamp <= after);
	offlog_batch_free(b);
}

static void test_batch_gets_consecutive_offsets(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 2);
	offlog_message m[5];
	for (int i = 0; i < 5; i++)
		m[i] = msg_ts("b", 100 + i);
	int64_t base;
	int32_t p;
	assert_ok(offlog_append_batch(&base, &p, f->env, "t", 0, m, 5));
	assert_int_equal(base, 2);
	assert_int_equal(p, 0);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "after"), 7);
}

static void test_failed_batch_appends_nothing(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.max_message_bytes = 10;
	assert_ok(offlog_topic_create(f->env, "t", 1, &cfg));
	append_n(f->env, "t", 0, 1);
	offlog_message m[3] = {msg_ts("ok", 1), msg_ts("this value is too long", 2), msg_ts("ok", 3)};
	uint64_t before = store_digest(f->path);
	assert_code(offlog_append_batch(NULL, NULL, f->env, "t", 0, m, 3), OFFLOG_ETOOBIG);
	assert_non_null(strstr(offlog_errmsg(), "max_message_bytes"));
	assert_int_equal(store_digest(f->path), before);
	int64_t leo;
	assert_ok(offlog_watermarks_get(NULL, NULL, &leo, f->env, "t", 0));
	assert_int_equal(leo, 1);
	assert_code(offlog_append_batch(NULL, NULL, f->env, "t", 0, m, 0), OFFLOG_EINVAL);
	assert_code(offlog_append_batch(NULL, NULL, f->env, "t", 0, NULL, 1), OFFLOG_EINVAL);
}

static void test_bad_records_are_refused_unchanged(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	uint64_t before = store_digest(f->path);
	static char big[OFFLOG_KEY_MAX + 1];
	offlog_message m = {big, sizeof big, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_ETOOBIG);
	m.key = NULL;
	m.key_len = 3;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EINVAL);
	m.key_len = 0;
	m.value = NULL;
	m.value_len = 2;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EINVAL);
	m.value = big;
	m.value_len = OFFLOG_MESSAGE_MAX_DEFAULT + 1;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_ETOOBIG);
	m.value_len = 1;
	m.timestamp = -5;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EINVAL);
	m.timestamp = 0;
	offlog_header h = {NULL, 0, "v", 1};
	m.headers = &h;
	m.header_count = 1;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EINVAL);
	h.name = "n";
	h.name_len = OFFLOG_HEADER_NAME_MAX + 1;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_ETOOBIG);
	h.name_len = 1;
	h.value = big;
	h.value_len = OFFLOG_HEADERS_MAX + 1;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_ETOOBIG);
	m.header_count = OFFLOG_HEADER_COUNT_MAX + 1;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_ETOOBIG);
	m.headers = NULL;
	m.header_count = 2;
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EINVAL);
	m.header_count = 0;
	assert_code(offlog_append(NULL, NULL, f->env, "nope", 0, &m), OFFLOG_ENOTOPIC);
	assert_code(offlog_append(NULL, NULL, f->env, "t", 2, &m), OFFLOG_ENOPART);
	assert_code(offlog_append(NULL, NULL, f->env, "t", -2, &m), OFFLOG_ENOPART);
	assert_code(offlog_append(NULL, NULL, f->env, "bad name", 0, &m), OFFLOG_ENAME);
	assert_code(offlog_append(NULL, NULL, NULL, "t", 0, &m), OFFLOG_EINVAL);
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, NULL), OFFLOG_EINVAL);
	assert_int_equal(store_digest(f->path), before);
}

static void test_largest_record_round_trips(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	size_t len = OFFLOG_MESSAGE_MAX_DEFAULT - 3;
	char *v = malloc(len);
	for (size_t i = 0; i < len; i++)
		v[i] = (char)(i * 7);
	offlog_message m = {"key", 3, v, len, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	fetch_all(f->env, "t", 0, 0, &b, &r, &n, NULL);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].value_len, len);
	assert_memory_equal(r[0].value, v, len);
	offlog_batch_free(b);
	free(v);
}

/* Kafka's own test vectors for Utils.murmur2. */
static void test_murmur2_matches_kafka(void **state)
{
	(void)state;
	static const struct {
		const char *key;
		int32_t hash;
	} cases[] = {
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int32_t h;
		assert_ok(offlog_murmur2(&h, cases[i].key, strlen(cases[i].key)));
		assert_int_equal(h, cases[i].hash);
	}
	int32_t h;
	assert_code(offlog_murmur2(NULL, "a", 1), OFFLOG_EINVAL);
	assert_code(offlog_murmur2(&h, NULL, 1), OFFLOG_EINVAL);
}

static void test_partition_for_key_is_kafkas(void **state)
{
	(void)state;
	int32_t p;
	/* (murmur2 & 0x7fffffff) % n, from the vectors above. */
	assert_ok(offlog_partition_for_key(&p, "foobar", 6, 12));
	assert_int_equal(p, (int32_t)((uint32_t)-790332482 & 0x7fffffffu) % 12);
	assert_ok(offlog_partition_for_key(&p, "abc", 3, 7));
	assert_int_equal(p, 479470107 % 7);
	assert_code(offlog_partition_for_key(&p, "abc", 3, 0), OFFLOG_EINVAL);
	assert_code(offlog_partition_for_key(NULL, "abc", 3, 1), OFFLOG_EINVAL);
}

static void test_keyed_append_goes_to_the_key_partition(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 12, NULL));
	const char *keys[] = {"alice", "bob", "carol", "dave", "erin", "foobar"};
	for (size_t i = 0; i < 6; i++) {
		int32_t want, got;
		offlog_message m = {keys[i], strlen(keys[i]), "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_partition_for_key(&want, keys[i], strlen(keys[i]), 12));
		assert_ok(offlog_append(NULL, &got, f->env, "t", OFFLOG_PARTITION_ANY, &m));
		assert_int_equal(got, want);
		assert_ok(offlog_append(NULL, &got, f->env, "t", OFFLOG_PARTITION_ANY, &m));
		assert_int_equal(got, want);
	}
}

static void test_keyless_appends_spread_over_partitions(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 4, NULL));
	int seen[4] = {0};
	offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 40; i++) {
		int32_t p;
		assert_ok(offlog_append(NULL, &p, f->env, "t", OFFLOG_PARTITION_ANY, &m));
		seen[p]++;
	}
	for (int i = 0; i < 4; i++)
		assert_int_equal(seen[i], 10);
}

static void test_batch_with_keys_of_different_partitions_is_refused(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 12, NULL));
	int32_t pa, pb;
	offlog_partition_for_key(&pa, "abc", 3, 12);
	offlog_partition_for_key(&pb, "foobar", 6, 12);
	assert_int_not_equal(pa, pb);
	offlog_message m[2] = {{"abc", 3, "v", 1, 0, NULL, 0}, {"foobar", 6, "v", 1, 0, NULL, 0}};
	assert_code(offlog_append_batch(NULL, NULL, f->env, "t", OFFLOG_PARTITION_ANY, m, 2),
	            OFFLOG_EINVAL);
	m[1].key = "abc";
	m[1].key_len = 3;
	int32_t p;
	int64_t base;
	assert_ok(offlog_append_batch(&base, &p, f->env, "t", OFFLOG_PARTITION_ANY, m, 2));
	assert_int_equal(p, pa);
	assert_int_equal(base, 0);
}

static void test_fetch_honours_limits_and_returns_one_big_record(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 10);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t next;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 2, 3, 0));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal(n, 3);
	assert_int_equal(r[0].offset, 2);
	assert_int_equal(r[2].offset, 4);
	assert_int_equal(next, 5);
	/* Each record is 2 bytes of value: 5 bytes allow two, 1 byte still one. */
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 100, 5));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal(n, 2);
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 100, 1));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal(n, 1);
	assert_int_equal(next, 1);
	offlog_batch_free(b);
	offlog_batch_free(NULL);
}

static void test_fetch_range_errors_name_the_valid_range(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 4);
	offlog_batch *b = NULL;
	size_t n;
	int64_t next;
	assert_code(offlog_fetch(&b, f->env, "t", 0, 5, 10, 0), OFFLOG_ERANGE);
	assert_null(b);
	assert_non_null(strstr(offlog_errmsg(), "[0, 4]"));
	assert_code(offlog_fetch(&b, f->env, "t", 0, -5, 10, 0), OFFLOG_EOFFSET);
	assert_code(offlog_fetch(&b, f->env, "t", 0, OFFLOG_OFFSET_STORED, 10, 0), OFFLOG_EOFFSET);
	assert_code(offlog_fetch(&b, f->env, "t", 0, OFFLOG_OFFSET_TAIL(1), 10, 0), OFFLOG_EOFFSET);
	assert_null(b);
	/* END, a time lookup's "no such record", is the high watermark. */
	assert_ok(offlog_fetch(&b, f->env, "t", 0, OFFLOG_OFFSET_END, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, &next, b));
	assert_int_equal(n, 0);
	assert_int_equal(next, 4);
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 4, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, &next, b));
	assert_int_equal(n, 0);
	assert_int_equal(next, 4);
	assert_ok(offlog_fetch(&b, f->env, "t", 0, OFFLOG_OFFSET_BEGINNING, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, NULL, b));
	assert_int_equal(n, 4);
	assert_code(offlog_fetch(&b, f->env, "nope", 0, 0, 10, 0), OFFLOG_ENOTOPIC);
	assert_ok(offlog_batch_records(NULL, &n, NULL, b));
	assert_int_equal(n, 0);
	assert_code(offlog_fetch(&b, f->env, "t", 3, 0, 10, 0), OFFLOG_ENOPART);
	assert_code(offlog_fetch(NULL, f->env, "t", 0, 0, 10, 0), OFFLOG_EINVAL);
	offlog_batch_free(b);
}

/* Remove records directly, as retention and compaction will, to make gaps. */
static void remove_records(offlog_env *env, int64_t from, int64_t to)
{
	ol_txn t;
	assert_ok(db_write_begin(&t, env));
	ol_part p;
	assert_ok(part_get(&t, 1, 0, &p));   /* the first topic of the store, partition 0 */
	for (int64_t o = from; o < to; o++) {
		uint8_t k[OL_LOG_KEY];
		ol_log_key(k, p.pid, o);
		assert_int_equal(db_del(&t, T_LOG, k, OL_LOG_KEY), 0);
	}
	assert_ok(db_commit(&t));
}

static void test_offset_in_a_gap_reads_the_next_record(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 10);
	remove_records(f->env, 3, 6);
	remove_records(f->env, 8, 10);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t next;
	fetch_all(f->env, "t", 0, 3, &b, &r, &n, &next);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].offset, 6);
	assert_int_equal(r[1].offset, 7);
	/* The trailing gap is skipped: the next fetch starts at the end. */
	assert_int_equal(next, 10);
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 8, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, &next, b));
	assert_int_equal(n, 0);
	assert_int_equal(next, 10);
	offlog_batch_free(b);
}

static void test_offsets_for_times_finds_first_at_or_after(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	/* Producer timestamps out of order, as Kafka allows. */
	const int64_t ts[] = {100, 300, 200, 500, 400, 400, 900};
	for (size_t i = 0; i < 7; i++) {
		offlog_message m = msg_ts("x", ts[i]);
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	struct {
		int64_t t, want;
	} q[] = {{0, 0}, {100, 0}, {101, 1}, {250, 1}, {300, 1}, {301, 3}, {450, 3},
	         {500, 3}, {501, 6}, {900, 6}, {901, OFFLOG_OFFSET_END}};
	for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
		offlog_partition_offset e = {"t", 0, q[i].t, NULL, -99};
		assert_ok(offlog_offsets_for_times(f->env, &e, 1));
		assert_int_equal(e.err, 0);
		if (e.offset != q[i].want)
			fail_msg("timestamp %lld: offset %lld, expected %lld", (long long)q[i].t,
			         (long long)e.offset, (long long)q[i].want);
	}
	offlog_partition_offset l[3] = {{"t", 0, OFFLOG_OFFSET_BEGINNING, NULL, 0},
	                                {"t", 0, OFFLOG_OFFSET_END, NULL, 0},
	                                {"nope", 0, 5, NULL, 0}};
	assert_code(offlog_offsets_for_times(f->env, l, 3), OFFLOG_ENOTOPIC);
	assert_int_equal(l[0].offset, 0);
	assert_int_equal(l[1].offset, 7);
	assert_int_equal(l[2].err, OFFLOG_ENOTOPIC);
}

static void test_offsets_for_times_skips_removed_records(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	const int64_t ts[] = {100, 200, 300, 250, 400};
	for (size_t i = 0; i < 5; i++) {
		offlog_message m = msg_ts("x", ts[i]);
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	remove_records(f->env, 2, 3);
	offlog_partition_offset e = {"t", 0, 260, NULL, 0};
	assert_ok(offlog_offsets_for_times(f->env, &e, 1));
	assert_int_equal(e.offset, 4);
}

/* The sparse index must give what a scan of every record gives. */
static void test_offsets_for_times_matches_a_full_scan(void **state)
{
	fx *f = *state;
	enum { N = 3000 };
	static int64_t ts[N];
	static bool gone[N];
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	srand(99);
	int64_t clock = 1000;
	for (int i = 0; i < N; i++) {
		/* Mostly rising, with producers' clocks jittering back and forth. */
		clock += rand() % 5;
		ts[i] = clock - rand() % 40;
		offlog_message m = msg_ts("x", ts[i]);
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	for (int i = 500; i < 900; i++)
		gone[i] = true;
	remove_records(f->env, 500, 900);
	for (int q = 0; q < 400; q++) {
		int64_t t = 900 + rand() % (int)(clock - 800);
		int64_t want = OFFLOG_OFFSET_END;
		for (int i = 0; i < N; i++)
			if (!gone[i] && ts[i] >= t) {
				want = i;
				break;
			}
		offlog_partition_offset e = {"t", 0, t, NULL, 0};
		assert_ok(offlog_offsets_for_times(f->env, &e, 1));
		if (e.offset != want)
			fail_msg("timestamp %lld: offset %lld, a scan gives %lld", (long long)t,
			         (long long)e.offset, (long long)want);
	}
}

/* Kafka answers null, librdkafka -1, where no record is at or after the
 * timestamp: OFFLOG_OFFSET_END, which seeking and fetching take as the end. */
static void test_offsets_for_times_after_every_record_is_end(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	for (int i = 1; i <= 4; i++) {
		offlog_message m = msg_ts("x", 1000 * i);
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	offlog_partition_offset e[4] = {{"t", 0, 4001, NULL, -99}, {"t", 0, 4000, NULL, -99},
	                                {"t", 1, 0, NULL, -99}, {"t", 0, OFFLOG_OFFSET_END, NULL, -99}};
	assert_ok(offlog_offsets_for_times(f->env, e, 4));
	assert_int_equal(e[0].offset, OFFLOG_OFFSET_END);
	assert_int_equal(e[0].err, 0);
	assert_int_equal(e[1].offset, 3);
	assert_int_equal(e[2].offset, OFFLOG_OFFSET_END);   /* an empty partition */
	assert_int_equal(e[3].offset, 4);   /* ListOffsets' "latest": a number */
	/* The answer means the end to a fetch... */
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n = 99;
	int64_t next;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, e[0].offset, 10, 0));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal(n, 0);
	assert_int_equal(next, 4);
	offlog_batch_free(b);
	/* ...and to a seek, as seeking by the timestamp does. */
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, e[0].offset));
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_ok(offlog_consumer_seek(c, "t", 0, 0));
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 4001));
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_ok(offlog_consumer_close(c));
}

/* The newer form: the timestamp in, the offset and its record's timestamp
 * out, each in its own field; the same answers as the older form. */
static void test_offsets_for_times_v2_keeps_input_and_output_apart(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	const int64_t ts[] = {100, 300, 200, 500};
	for (size_t i = 0; i < 4; i++) {
		offlog_message m = msg_ts("x", ts[i]);
		assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	}
	offlog_partition_time l[6] = {
		OFFLOG_PARTITION_TIME_INIT("t", 0, 150),
		OFFLOG_PARTITION_TIME_INIT("t", 0, 501),
		OFFLOG_PARTITION_TIME_INIT("t", 0, OFFLOG_OFFSET_BEGINNING),
		OFFLOG_PARTITION_TIME_INIT("t", 0, OFFLOG_OFFSET_END),
		OFFLOG_PARTITION_TIME_INIT("t", 1, 0),
		OFFLOG_PARTITION_TIME_INIT("t", 0, 0),
	};
	assert_ok(offlog_offsets_for_times_v2(f->env, l, 6));
	const int64_t want[6] = {1, OFFLOG_OFFSET_END, 0, 4, OFFLOG_OFFSET_END, 0};
	const int64_t want_ts[6] = {300, -1, -1, -1, -1, 100};
	const int64_t asked[6] = {150, 501, OFFLOG_OFFSET_BEGINNING, OFFLOG_OFFSET_END, 0, 0};
	for (size_t i = 0; i < 6; i++) {
		if (l[i].offset != want[i] || l[i].record_timestamp != want_ts[i])
			fail_msg("entry %zu: offset %lld ts %lld, expected %lld ts %lld", i,
			         (long long)l[i].offset, (long long)l[i].record_timestamp,
			         (long long)want[i], (long long)want_ts[i]);
		assert_int_equal(l[i].timestamp, asked[i]);   /* the input is left as it was */
		assert_int_equal(l[i].err, 0);
		/* The older form answers the same. */
		offlog_partition_offset e = {"t", l[i].partition, asked[i], NULL, 0};
		assert_ok(offlog_offsets_for_times(f->env, &e, 1));
		assert_int_equal(e.offset, want[i]);
	}
	/* Each entry gets its own error; the call returns the first. */
	offlog_partition_time bad[3] = {OFFLOG_PARTITION_TIME_INIT("nope", 0, 1),
	                                OFFLOG_PARTITION_TIME_INIT("t", 9, 1),
	                                OFFLOG_PARTITION_TIME_INIT("t", 0, -7)};
	assert_code(offlog_offsets_for_times_v2(f->env, bad, 3), OFFLOG_ENOTOPIC);
	assert_int_equal(bad[0].err, OFFLOG_ENOTOPIC);
	assert_int_equal(bad[1].err, OFFLOG_ENOPART);
	assert_int_equal(bad[2].err, OFFLOG_EINVAL);
	/* A version this library does not know: nothing is read or written. */
	offlog_partition_time v[2] = {OFFLOG_PARTITION_TIME_INIT("t", 0, 150),
	                              OFFLOG_PARTITION_TIME_INIT("t", 0, 150)};
	v[0].version = 0;
	assert_code(offlog_offsets_for_times_v2(f->env, v, 2), OFFLOG_EINVAL);
	assert_int_equal(v[0].offset, OFFLOG_OFFSET_INVALID);
	assert_int_equal(v[1].offset, OFFLOG_OFFSET_INVALID);
	v[0].version = OFFLOG_PARTITION_TIME_VERSION + 1;
	assert_code(offlog_offsets_for_times_v2(f->env, v, 2), OFFLOG_EINVAL);
	assert_int_equal(v[0].err, 0);
	/* An entry of another version than the first's fails alone. */
	v[0].version = OFFLOG_PARTITION_TIME_VERSION;
	v[1].version = 7;
	assert_code(offlog_offsets_for_times_v2(f->env, v, 2), OFFLOG_EINVAL);
	assert_int_equal(v[0].offset, 1);
	assert_int_equal(v[0].err, 0);
	assert_int_equal(v[1].err, OFFLOG_EINVAL);
	assert_code(offlog_offsets_for_times_v2(NULL, v, 1), OFFLOG_EINVAL);
	assert_code(offlog_offsets_for_times_v2(f->env, NULL, 1), OFFLOG_EINVAL);
	assert_ok(offlog_offsets_for_times_v2(f->env, NULL, 0));
}

static offlog_options mode(int durability)
{
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.durability = durability;
	o.flush_interval_ms = 0;
	return o;
}

static int setup_async(void **state)
{
	offlog_options o = mode(OFFLOG_DURABILITY_ASYNC);
	return fx_setup_opts(state, &o);
}

static int setup_nometasync(void **state)
{
	offlog_options o = mode(OFFLOG_DURABILITY_NOMETASYNC);
	return fx_setup_opts(state, &o);
}

static void test_sync_mode_hw_equals_leo_after_every_commit(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	for (int i = 1; i <= 5; i++) {
		append_str(f->env, "t", 0, NULL, "x");
		int64_t hw, leo;
		assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
		assert_int_equal(hw, i);
		assert_int_equal(leo, i);
	}
}

static void test_async_mode_hw_trails_until_flush(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	int64_t hw, leo;
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
	assert_int_equal(hw, 0);
	assert_int_equal(leo, 3);
	offlog_batch *b = NULL;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, NULL, b));
	assert_int_equal(n, 0);
	assert_ok(offlog_flush(f->env));
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
	assert_int_equal(hw, 3);
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, NULL, b));
	assert_int_equal(n, 3);
	offlog_batch_free(b);
}

/* A process in the deferred mode dies without flushing: the next open
 * makes what it committed durable and publishes it. */
static void test_async_mode_reopen_publishes_what_is_on_disk(void **state)
{
	fx *f = *state;
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		offlog_options o = mode(OFFLOG_DURABILITY_ASYNC);
		offlog_env *env;
		if (offlog_open(&env, f->path, &o) || offlog_topic_create(env, "t", 1, NULL))
			_exit(1);
		offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		for (int i = 0; i < 3; i++)
			if (offlog_append(NULL, NULL, env, "t", 0, &m))
				_exit(1);
		_exit(0);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	offlog_options o = mode(OFFLOG_DURABILITY_ASYNC);
	assert_ok(offlog_open(&f->env, f->path, &o));
	int64_t hw, leo;
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
	assert_int_equal(leo, 3);
	assert_int_equal(hw, 3);
}

static void test_async_mode_interval_flush_advances_hw(void **state)
{
	fx *f = *state;
	offlog_options o = mode(OFFLOG_DURABILITY_ASYNC);
	o.flush_interval_ms = 20;
	fx_reopen(f, &o);
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 2);
	int64_t hw = 0;
	for (int i = 0; i < 200 && hw < 2; i++) {
		struct timespec ts = {0, 10 * 1000000L};
		nanosleep(&ts, NULL);
		assert_ok(offlog_watermarks_get(NULL, &hw, NULL, f->env, "t", 0));
	}
	assert_int_equal(hw, 2);
}

static void test_nometasync_hw_trails_by_one_commit(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	append_str(f->env, "t", 0, NULL, "a");
	int64_t hw, leo;
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
	assert_int_equal(hw, 0);
	assert_int_equal(leo, 1);
	/* The next commit syncs the data file, which makes the first durable. */
	append_str(f->env, "t", 1, NULL, "b");
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 0));
	assert_int_equal(hw, 1);
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 1));
	assert_int_equal(hw, 0);
	assert_ok(offlog_flush(f->env));
	assert_ok(offlog_watermarks_get(NULL, &hw, &leo, f->env, "t", 1));
	assert_int_equal(hw, 1);
}

static void test_damaged_record_is_reported_not_read(void **state)
{
	(void)state;
	offlog_record r;
	/* flags (key, value; 2 timestamp bytes), timestamp 258, key length 1,
	 * value length 1, "k", "v" */
	const uint8_t ok[] = {0x23, 2, 1, 1, 1, 'k', 'v'};
	assert_ok(rec_decode(&r, ok, sizeof ok));
	assert_int_equal(r.timestamp, 258);
	assert_int_equal(r.key_len, 1);
	assert_memory_equal(r.value, "v", 1);
	const uint8_t longkey[] = {0x01, 50, 'k'};
	assert_code(rec_decode(&r, longkey, sizeof longkey), OFFLOG_ECORRUPT);
	const uint8_t badflags[] = {0x08, 0};
	assert_code(rec_decode(&r, badflags, sizeof badflags), OFFLOG_ECORRUPT);
	assert_code(rec_decode(&r, ok, 4), OFFLOG_ECORRUPT);
	const uint8_t endless[] = {0x02, 0x80, 0x80, 0x80};
	assert_code(rec_decode(&r, endless, sizeof endless), OFFLOG_ECORRUPT);
	const uint8_t longts[] = {0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
	assert_code(rec_decode(&r, longts, sizeof longts), OFFLOG_ECORRUPT);
	const uint8_t negts[] = {0x80, 0, 0, 0, 0, 0, 0, 0, 0x80};
	assert_code(rec_decode(&r, negts, sizeof negts), OFFLOG_ECORRUPT);
	/* A header whose name runs past the record. */
	const uint8_t hdr[] = {0x04, 1, 3, 9, 'a', 0};
	assert_ok(rec_decode(&r, hdr, sizeof hdr));
	offlog_header h;
	size_t n;
	assert_code(offlog_record_headers(&h, 1, &n, &r), OFFLOG_ECORRUPT);
}

/* Overwrite 8 bytes of a stored value, little-endian, at `at`. */
static void poke_le64(offlog_env *env, int table, const void *key, size_t klen, size_t at,
                      int64_t x)
{
	ol_txn t;
	ol_val v;
	uint8_t rec[256];
	assert_ok(db_write_begin(&t, env));
	assert_int_equal(db_get(&t, table, key, klen, &v), 0);
	assert_true(v.n <= sizeof rec && at + 8 <= v.n);
	memcpy(rec, v.p, v.n);
	ol_le64(rec + at, (uint64_t)x);
	assert_ok(db_put(&t, table, key, klen, rec, v.n));
	assert_ok(db_commit(&t));
}

/* A partition state or a committed offset that breaks what every write
 * keeps true (log start <= high watermark <= log end, offsets >= 0) is
 * reported as damage, not used in offset arithmetic. */
static void test_damaged_partition_state_and_commit_are_reported(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	offlog_partition_offset po = {"t", 0, 2, NULL, 0};
	offlog_txn *txn;
	assert_ok(offlog_txn_begin(&txn, f->env));
	assert_ok(offlog_txn_commit_offsets(txn, "g", &po, 1));
	assert_ok(offlog_txn_commit(txn));
	uint8_t pk[8];
	ol_part_key(pk, 1, 0);   /* the first topic's id is 1 */
	/* State: format, 3 spare, pid, then log start, log end, high watermark. */
	const struct {
		size_t at;
		int64_t bad, good;
	} fields[] = {{8, -1, 0}, {8, 4, 0}, {16, INT64_MAX, 3}, {24, 9, 3}, {24, -2, 3}};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		poke_le64(f->env, T_PARTS, pk, 8, fields[i].at, fields[i].bad);
		int64_t hw;
		assert_code(offlog_watermarks_get(NULL, &hw, NULL, f->env, "t", 0), OFFLOG_ECORRUPT);
		assert_non_null(strstr(offlog_errmsg(), "damaged"));
		poke_le64(f->env, T_PARTS, pk, 8, fields[i].at, fields[i].good);
		assert_ok(offlog_watermarks_get(NULL, &hw, NULL, f->env, "t", 0));
		assert_int_equal(hw, 3);
	}
	/* Commit key: group, a zero byte, topic id, partition; value: format,
	 * then the offset. */
	uint8_t ck[10] = {'g', 0};
	ol_be32(ck + 2, 1);
	ol_be32(ck + 6, 0);
	offlog_committed c = OFFLOG_COMMITTED_INIT;
	poke_le64(f->env, T_COMMITS, ck, sizeof ck, 1, -5);
	assert_code(offlog_group_committed(&c, f->env, "g", "t", 0), OFFLOG_ECORRUPT);
	offlog_group_description *d;
	assert_code(offlog_group_describe(&d, f->env, "g"), OFFLOG_ECORRUPT);
	poke_le64(f->env, T_COMMITS, ck, sizeof ck, 1, 2);
	assert_ok(offlog_group_committed(&c, f->env, "g", "t", 0));
	assert_int_equal(c.offset, 2);
}

/* A long run of equal timestamps, then a larger one: the answer is found
 * through the index, right. */
static void test_offsets_for_times_after_a_long_run_of_equal_timestamps(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	static offlog_message m[2000];
	for (int i = 0; i < 2000; i++)
		m[i] = msg_ts("x", 5000);
	assert_ok(offlog_append_batch(NULL, NULL, f->env, "t", 0, m, 2000));
	offlog_message last = msg_ts("y", 5001);
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &last));
	offlog_partition_offset e[3] = {{"t", 0, 5001, NULL, 0}, {"t", 0, 5000, NULL, 0},
	                                {"t", 0, 4000, NULL, 0}};
	assert_ok(offlog_offsets_for_times(f->env, e, 3));
	assert_int_equal(e[0].offset, 2000);
	assert_int_equal(e[1].offset, 0);
	assert_int_equal(e[2].offset, 0);
}

static void test_fetch_refuses_absurd_record_counts(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	offlog_batch *b = NULL;
	assert_code(offlog_fetch(&b, f->env, "t", 0, 0, SIZE_MAX / 8, 0), OFFLOG_EINVAL);
	assert_code(offlog_fetch(&b, f->env, "t", 0, 0, 1000001, 0), OFFLOG_EINVAL);
	assert_null(b);
}

/* A flush leaves nothing to flush: the background flusher goes idle. */
static void test_flush_leaves_the_store_clean(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 2);
	assert_true(atomic_load(&f->env->dirty));
	assert_ok(offlog_flush(f->env));
	assert_false(atomic_load(&f->env->dirty));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_offsets_start_at_zero_and_increase_by_one),
		T(test_offsets_are_unique_per_partition_only),
		T(test_offsets_are_never_reused_after_reopen),
		T(test_record_round_trips_exactly),
		T(test_records_of_every_small_length_round_trip),
		T(test_null_key_empty_key_and_tombstone_are_distinct),
		T(test_append_time_is_used_when_asked),
		T(test_batch_gets_consecutive_offsets),
		T(test_failed_batch_appends_nothing),
		T(test_bad_records_are_refused_unchanged),
		T(test_largest_record_round_trips),
		cmocka_unit_test(test_murmur2_matches_kafka),
		cmocka_unit_test(test_partition_for_key_is_kafkas),
		T(test_keyed_append_goes_to_the_key_partition),
		T(test_keyless_appends_spread_over_partitions),
		T(test_batch_with_keys_of_different_partitions_is_refused),
		T(test_fetch_honours_limits_and_returns_one_big_record),
		T(test_fetch_range_errors_name_the_valid_range),
		T(test_offset_in_a_gap_reads_the_next_record),
		T(test_offsets_for_times_finds_first_at_or_after),
		T(test_offsets_for_times_skips_removed_records),
		T(test_offsets_for_times_matches_a_full_scan),
		T(test_offsets_for_times_after_every_record_is_end),
		T(test_offsets_for_times_v2_keeps_input_and_output_apart),
		T(test_sync_mode_hw_equals_leo_after_every_commit),
		cmocka_unit_test_setup_teardown(test_async_mode_hw_trails_until_flush, setup_async,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_async_mode_reopen_publishes_what_is_on_disk,
		                                setup_async, fx_teardown),
		T(test_async_mode_interval_flush_advances_hw),
		cmocka_unit_test_setup_teardown(test_nometasync_hw_trails_by_one_commit, setup_nometasync,
		                                fx_teardown),
		cmocka_unit_test(test_damaged_record_is_reported_not_read),
		T(test_damaged_partition_state_and_commit_are_reported),
		T(test_offsets_for_times_after_a_long_run_of_equal_timestamps),
		T(test_fetch_refuses_absurd_record_counts),
		cmocka_unit_test_setup_teardown(test_flush_leaves_the_store_clean, setup_async, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

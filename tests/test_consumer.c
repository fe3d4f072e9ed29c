/* test_consumer.c - consumers: positions, reset policy, seek, pause, assignment,
 * poll limits and waiting, zero-copy records, isolation, auto-commit, lag; one
 * thread at a time, and handles inherited across fork(). */
#include "helpers.h"

/* Only for plant_committed(): a committed offset beyond the log end offset
 * cannot be made through the API (commit refuses it, and retention, which
 * would move the log below a commit, is not built yet). */
#include "clock.h"
#include "commit.h"
#include "db.h"
#include "topic.h"
#include "write.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static fx *F(void **state)
{
	return *state;
}




static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static offlog_consumer_options opts_with(int reset)
{
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = reset;
	o.enable_auto_commit = 0;
	return o;
}

static offlog_consumer *open_on(offlog_env *env, const char *group,
                                const offlog_consumer_options *o,
                                const offlog_topic_partition *tps, size_t n)
{
	offlog_consumer *c = NULL;
	assert_ok(offlog_consumer_open(&c, env, group, o));
	assert_ok(offlog_consumer_assign(c, tps, n));
	return c;
}




static int64_t append_value_ts(offlog_env *env, const char *t, int32_t p, const char *value, int64_t ts)
{
	offlog_message m = {NULL, 0, value, strlen(value), ts, NULL, 0};
	int64_t off = -1;
	assert_ok(offlog_append(&off, NULL, env, t, p, &m));
	return off;
}

static bool value_is(const offlog_record *r, const char *s)
{
	size_t n = strlen(s);
	return r->value && r->value_len == n && memcmp(r->value, s, n) == 0;
}

/* Poll once, waiting up to timeout_ms; fails the test on error. */
static size_t poll1(const offlog_record **r, offlog_consumer *c, int timeout_ms)
{
	size_t n = 0;
	assert_ok(offlog_consumer_poll(r, &n, c, timeout_ms));
	return n;
}

/* The first record the next poll returns; fails if none within a second. */
static int64_t first_polled(offlog_consumer *c)
{
	const offlog_record *r;
	size_t n = poll1(&r, c, 1000);
	assert_true(n >= 1);
	return r[0].offset;
}

typedef struct seen {
	int32_t partition;
	int64_t offset;
	char value[32];
} seen;

/* Poll until max records were collected or timeout_ms passed. */
static size_t collect(offlog_consumer *c, seen *out, size_t max, int timeout_ms)
{
	size_t got = 0;
	int64_t deadline = mono_ms() + timeout_ms;
	while (got < max && mono_ms() < deadline) {
		const offlog_record *r;
		size_t n = poll1(&r, c, 50);
		for (size_t i = 0; i < n && got < max; i++, got++) {
			out[got].partition = r[i].partition;
			out[got].offset = r[i].offset;
			size_t len = r[i].value_len < sizeof out[got].value - 1 ? r[i].value_len
			                                                       : sizeof out[got].value - 1;
			if (r[i].value)
				memcpy(out[got].value, r[i].value, len);
			out[got].value[len] = 0;
		}
	}
	return got;
}

/* Store a committed offset beyond the log end offset, as retention would
 * leave one behind, below the API's range check. */
struct plant {
	const char *group;
	const char *topic;
	int32_t partition;
	int64_t offset;
};

static int plant_fn(ol_txn *t, void *arg)
{
	struct plant *a = arg;
	ol_topic tp;
	int rc = topic_get_part(t, a->topic, a->partition, &tp);
	if (rc == 0)
		rc = commit_store(t, a->group, tp.id, a->partition, a->offset, NULL, ol_now_ms());
	return rc;
}

static void plant_committed(offlog_env *env, const char *group, const char *t, int32_t p,
                            int64_t offset)
{
	struct plant a = {group, t, p, offset};
	assert_ok(ol_write(env, plant_fn, &a));
	assert_int_equal(committed_of(env, group, t, p), offset);
}

static int fx_setup_async(void **state)
{
	offlog_options o;
	offlog_options_init(&o);
	o.durability = OFFLOG_DURABILITY_ASYNC;
	o.flush_interval_ms = 0;
	return fx_setup_opts(state, &o);
}

/* ---- positions and order ------------------------------------------------ */

static void test_position_is_offset_after_last_polled_record(void **state)
{
	fx *f = F(state);
	int64_t offs[101];
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 101);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll_n(c, 101, offs, 2000), 101);
	assert_int_equal(offs[100], 100);
	assert_int_equal(position_of(c, "t", 0), 101);
	assert_ok(offlog_consumer_close(c));
}

static void test_poll_returns_partition_records_in_offset_order(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 20);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	const offlog_record *r;
	size_t n = poll1(&r, c, 1000);
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		char v[32];
		snprintf(v, sizeof v, "v%d", (int)i);
		assert_int_equal(r[i].offset, (int64_t)i);
		assert_string_equal(r[i].topic, "t");
		assert_int_equal(r[i].partition, 0);
		assert_true(value_is(&r[i], v));
	}
	assert_ok(offlog_consumer_close(c));
}

static void test_poll_returns_records_of_all_assigned_partitions(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 3);
	for (int32_t p = 0; p < 3; p++)
		for (int i = 0; i < 4; i++) {
			char v[32];
			snprintf(v, sizeof v, "p%d-%d", (int)p, i);
			append_str(f->env, "t", p, NULL, v);
		}
	offlog_topic_partition tps[3] = {{"t", 0}, {"t", 1}, {"t", 2}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	offlog_consumer *c = open_on(f->env, NULL, &o, tps, 3);
	seen s[12];
	assert_int_equal(collect(c, s, 12, 2000), 12);
	int64_t next[3] = {0, 0, 0};
	for (size_t i = 0; i < 12; i++) {
		int32_t p = s[i].partition;
		char v[32];
		assert_in_range(p, 0, 2);
		assert_int_equal(s[i].offset, next[p]);
		snprintf(v, sizeof v, "p%d-%d", (int)p, (int)next[p]);
		assert_string_equal(s[i].value, v);
		next[p]++;
	}
	for (int p = 0; p < 3; p++)
		assert_int_equal(next[p], 4);
	assert_ok(offlog_consumer_close(c));
}

static void test_offsets_are_per_partition(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "a"), 0);
	assert_int_equal(append_str(f->env, "t", 1, NULL, "b"), 0);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	offlog_consumer *c = open_on(f->env, NULL, &o, tps, 2);
	seen s[2];
	assert_int_equal(collect(c, s, 2, 2000), 2);
	assert_int_equal(s[0].offset, 0);
	assert_int_equal(s[1].offset, 0);
	assert_int_not_equal(s[0].partition, s[1].partition);
	assert_string_equal(s[s[0].partition == 0 ? 0 : 1].value, "a");
	assert_string_equal(s[s[0].partition == 0 ? 1 : 0].value, "b");
	assert_ok(offlog_consumer_close(c));
}

static void test_poll_serves_partitions_in_turn(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 100);
	append_n(f->env, "t", 1, 100);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 5;
	offlog_consumer *c = open_on(f->env, NULL, &o, tps, 2);
	size_t from[2] = {0, 0};
	for (int i = 0; i < 4; i++) {
		size_t n = poll1(&r, c, 1000);
		assert_int_equal(n, 5);
		for (size_t j = 0; j < n; j++)
			from[r[j].partition]++;
	}
	/* A partition with a backlog must not starve the other. */
	assert_true(from[0] >= 5);
	assert_true(from[1] >= 5);
	assert_ok(offlog_consumer_close(c));
}

/* ---- reset policy ------------------------------------------------------- */

static void test_new_group_with_earliest_starts_at_log_start(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_int_equal(first_polled(c), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_new_group_with_latest_starts_at_high_watermark(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_LATEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 3);
	assert_int_equal(poll1(&r, c, 0), 0);
	append_str(f->env, "t", 0, NULL, "new");
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_int_equal(r[0].offset, 3);
	assert_true(value_is(&r[0], "new"));
	assert_ok(offlog_consumer_close(c));
}

static void test_new_group_with_reset_none_fails_poll_with_enooffset(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n = 99;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_NONE, "t", 0);
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ENOOFFSET);
	assert_int_equal(n, 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_new_group_with_reset_none_fails_position_with_enooffset(void **state)
{
	fx *f = F(state);
	int64_t off;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_NONE, "t", 0);
	assert_code(offlog_consumer_position(&off, c, "t", 0), OFFLOG_ENOOFFSET);
	assert_ok(offlog_consumer_close(c));
}

static void test_new_group_by_duration_starts_at_first_recent_timestamp(void **state)
{
	fx *f = F(state);
	const int64_t hour = 3600 * 1000, now = wall_ms();
	create_topic(f->env, "t", 1);
	append_value_ts(f->env, "t", 0, "4h", now - 4 * hour);
	append_value_ts(f->env, "t", 0, "3h", now - 3 * hour);
	append_value_ts(f->env, "t", 0, "1h", now - hour);
	append_value_ts(f->env, "t", 0, "30m", now - hour / 2);
	offlog_consumer_options o = opts_with(OFFLOG_RESET_BY_DURATION);
	o.reset_duration_ms = 2 * hour;
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer *c = open_on(f->env, "g", &o, &tp, 1);
	assert_int_equal(position_of(c, "t", 0), 2);
	const offlog_record *r;
	assert_int_equal(poll1(&r, c, 1000), 2);
	assert_true(value_is(&r[0], "1h"));
	assert_ok(offlog_consumer_close(c));
}

static void test_committed_offset_in_range_overrides_reset_policy(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_LATEST, "t", 0);
	commit_one(c, "t", 0, 5);
	assert_ok(offlog_consumer_close(c));
	c = consumer_on(f->env, "g", OFFLOG_RESET_LATEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 5);
	assert_int_equal(first_polled(c), 5);
	assert_ok(offlog_consumer_close(c));
}

/* ---- out of range ------------------------------------------------------- */

static void test_position_beyond_log_end_with_reset_none_is_erange_naming_valid_range(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n = 99;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_NONE, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 15));
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ERANGE);
	assert_int_equal(n, 0);
	if (!strstr(offlog_errmsg(), "[0, 5]"))
		fail_msg("detail does not name the valid range [0, 5]: \"%s\"", offlog_errmsg());
	assert_ok(offlog_consumer_close(c));
}

static void test_position_beyond_log_end_with_reset_earliest_restarts_at_log_start(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 15));
	assert_int_equal(first_polled(c), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_committed_offset_beyond_log_end_is_reset_per_policy(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	plant_committed(f->env, "g", "t", 0, 20);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_int_equal(first_polled(c), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_committed_offset_beyond_log_end_with_reset_none_is_erange(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	plant_committed(f->env, "g", "t", 0, 20);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_NONE, "t", 0);
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ERANGE);
	if (!strstr(offlog_errmsg(), "[0, 5]"))
		fail_msg("detail does not name the valid range [0, 5]: \"%s\"", offlog_errmsg());
	assert_ok(offlog_consumer_close(c));
}

static void test_failed_poll_moves_no_position(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "t", 1, 5);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_NONE);
	offlog_consumer *c = open_on(f->env, "g", &o, tps, 2);
	assert_ok(offlog_consumer_seek(c, "t", 0, 2));
	assert_ok(offlog_consumer_seek(c, "t", 1, 15));
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ERANGE);
	assert_int_equal(position_of(c, "t", 0), 2);
	assert_int_equal(position_of(c, "t", 1), 15);
	/* The readable partition did not advance either. */
	assert_ok(offlog_consumer_seek(c, "t", 1, 0));
	seen s[8];
	assert_int_equal(collect(c, s, 8, 2000), 8);
	for (size_t i = 0; i < 8; i++)
		if (s[i].partition == 0) {
			assert_int_equal(s[i].offset, 2);
			break;
		}
	assert_ok(offlog_consumer_close(c));
}

/* ---- seek --------------------------------------------------------------- */

static void test_seek_to_absolute_offset_sets_next_record(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 7));
	assert_int_equal(position_of(c, "t", 0), 7);
	const offlog_record *r;
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(r[0].offset, 7);
	assert_true(value_is(&r[0], "v7"));
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_to_beginning_goes_to_log_start(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_LATEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_BEGINNING));
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_int_equal(first_polled(c), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_to_end_goes_to_high_watermark(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_END));
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_int_equal(poll1(&r, c, 0), 0);
	append_str(f->env, "t", 0, NULL, "after");
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_int_equal(r[0].offset, 10);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_to_stored_goes_back_to_committed_offset(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	commit_one(c, "t", 0, 4);
	assert_int_equal(poll_n(c, 6, NULL, 2000), 6);
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_STORED));
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_int_equal(first_polled(c), 4);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_timestamp_finds_earliest_offset_at_or_after(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	for (int i = 1; i <= 4; i++)
		append_value_ts(f->env, "t", 0, "x", 1000 * i);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 2500));
	assert_int_equal(position_of(c, "t", 0), 2);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 2000));
	assert_int_equal(position_of(c, "t", 0), 1);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 0));
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_int_equal(first_polled(c), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_timestamp_after_last_record_goes_to_high_watermark(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	for (int i = 1; i <= 4; i++)
		append_value_ts(f->env, "t", 0, "x", 1000 * i);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 4001));
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_timestamp_with_unordered_timestamps_finds_earliest_offset(void **state)
{
	fx *f = F(state);
	static const int64_t ts[] = {1000, 5000, 2000, 3000, 6000, 1500};
	create_topic(f->env, "t", 1);
	for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
		append_value_ts(f->env, "t", 0, "x", ts[i]);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	struct {
		int64_t ts, want;
	} cases[] = {{500, 0}, {1000, 0}, {1200, 1}, {2000, 1}, {5000, 1}, {5001, 4}, {6000, 4},
	             {6001, 6}};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, cases[i].ts));
		int64_t got = position_of(c, "t", 0);
		if (got != cases[i].want)
			fail_msg("seek_timestamp(%lld): position %lld, expected %lld", (long long)cases[i].ts,
			         (long long)got, (long long)cases[i].want);
	}
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_relative_moves_back_and_forward(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 5));
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, -2));
	assert_int_equal(position_of(c, "t", 0), 3);
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, 4));
	assert_int_equal(position_of(c, "t", 0), 7);
	assert_int_equal(first_polled(c), 7);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_relative_is_clamped_to_log_start_and_high_watermark(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 5));
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, -100));
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, 100));
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_relative_with_extreme_delta_is_clamped(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 5));
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, INT64_MAX));
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, INT64_MIN));
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_ok(offlog_consumer_close(c));
}

/* librdkafka's RD_KAFKA_OFFSET_TAIL(n): max(log start, end - n). */
static void test_seek_tail_starts_n_records_before_the_end(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(OFFLOG_OFFSET_TAIL(3), -2003);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(3)));
	assert_int_equal(position_of(c, "t", 0), 7);
	const offlog_record *r;
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(r[0].offset, 7);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(0)));
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(10)));
	assert_int_equal(position_of(c, "t", 0), 0);
	/* Never before the log start; the largest count does not overflow. */
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(11)));
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 6));
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(7)));
	assert_int_equal(position_of(c, "t", 0), 6);
	assert_ok(offlog_consumer_seek(c, "t", 0, INT64_MIN));
	assert_int_equal(position_of(c, "t", 0), 6);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(2)));
	assert_int_equal(first_polled(c), 8);
	/* Between the special values and the tail: still refused. */
	assert_code(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL_BASE + 1), OFFLOG_EOFFSET);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_never_changes_committed_offset(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	for (int i = 0; i < 10; i++)
		append_value_ts(f->env, "t", 0, "x", 1000 * (i + 1));
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	commit_one(c, "t", 0, 3);
	assert_ok(offlog_consumer_seek(c, "t", 0, 8));
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_BEGINNING));
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_END));
	assert_ok(offlog_consumer_seek_timestamp(c, "t", 0, 6000));
	assert_ok(offlog_consumer_seek_relative(c, "t", 0, -2));
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_STORED));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 3);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_to_invalid_negative_offset_is_eoffset(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 4));
	assert_code(offlog_consumer_seek(c, "t", 0, -5), OFFLOG_EOFFSET);
	assert_code(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_INVALID), OFFLOG_EOFFSET);
	assert_code(offlog_consumer_seek(c, "t", 0, -1999), OFFLOG_EOFFSET);
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_ok(offlog_consumer_close(c));
}

static void test_seek_on_unassigned_partition_is_estate(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	create_topic(f->env, "u", 1);
	append_n(f->env, "t", 1, 3);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_code(offlog_consumer_seek(c, "t", 1, 0), OFFLOG_ESTATE);
	assert_code(offlog_consumer_seek(c, "u", 0, OFFLOG_OFFSET_BEGINNING), OFFLOG_ESTATE);
	assert_code(offlog_consumer_seek_timestamp(c, "t", 1, 0), OFFLOG_ESTATE);
	assert_code(offlog_consumer_seek_relative(c, "t", 1, 1), OFFLOG_ESTATE);
	assert_ok(offlog_consumer_close(c));
}

static void test_position_of_unassigned_partition_is_estate(void **state)
{
	fx *f = F(state);
	int64_t off;
	create_topic(f->env, "t", 2);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_code(offlog_consumer_position(&off, c, "t", 1), OFFLOG_ESTATE);
	assert_ok(offlog_consumer_close(c));
}

/* ---- pause and resume --------------------------------------------------- */

static void test_pause_stops_partition_while_others_continue(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "t", 1, 5);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	offlog_consumer *c = open_on(f->env, NULL, &o, tps, 2);
	assert_ok(offlog_consumer_pause(c, &tps[0], 1));
	append_n(f->env, "t", 0, 2);
	seen s[10];
	size_t n = collect(c, s, 10, 300);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(s[i].partition, 1);
	assert_int_equal(position_of(c, "t", 1), 5);
	assert_ok(offlog_consumer_close(c));
}

static void test_resume_continues_from_same_position(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 3;
	offlog_consumer *c = open_on(f->env, NULL, &o, &tp, 1);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_ok(offlog_consumer_pause(c, &tp, 1));
	assert_int_equal(poll1(&r, c, 0), 0);
	assert_int_equal(position_of(c, "t", 0), 3);
	assert_ok(offlog_consumer_resume(c, &tp, 1));
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(r[0].offset, 3);
	assert_ok(offlog_consumer_close(c));
}

static void test_pause_of_unassigned_partition_is_estate(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	offlog_topic_partition other = {"t", 1};
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_code(offlog_consumer_pause(c, &other, 1), OFFLOG_ESTATE);
	assert_code(offlog_consumer_resume(c, &other, 1), OFFLOG_ESTATE);
	assert_ok(offlog_consumer_close(c));
}

/* ---- assignment --------------------------------------------------------- */

static void test_assign_replaces_assignment(void **state)
{
	fx *f = F(state);
	int64_t off;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 3);
	append_n(f->env, "t", 1, 3);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	offlog_topic_partition p1 = {"t", 1};
	assert_ok(offlog_consumer_assign(c, &p1, 1));
	const offlog_topic_partition *a;
	size_t n;
	assert_ok(offlog_consumer_assignment(&a, &n, c));
	assert_int_equal(n, 1);
	assert_string_equal(a[0].topic, "t");
	assert_int_equal(a[0].partition, 1);
	seen s[6];
	size_t got = collect(c, s, 6, 300);
	assert_int_equal(got, 3);
	for (size_t i = 0; i < got; i++)
		assert_int_equal(s[i].partition, 1);
	assert_code(offlog_consumer_position(&off, c, "t", 0), OFFLOG_ESTATE);
	assert_ok(offlog_consumer_close(c));
}

/* The assignment is [t/0] at position 2 before, and must be after. */
static void assert_old_assignment_intact(offlog_consumer *c)
{
	const offlog_topic_partition *a;
	size_t n;
	assert_ok(offlog_consumer_assignment(&a, &n, c));
	assert_int_equal(n, 1);
	assert_string_equal(a[0].topic, "t");
	assert_int_equal(a[0].partition, 0);
	assert_int_equal(position_of(c, "t", 0), 2);
}

static offlog_consumer *consumer_at_2(fx *f)
{
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 5);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, 2));
	return c;
}

static void test_assign_unknown_topic_is_enotopic_and_keeps_assignment(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = consumer_at_2(f);
	offlog_topic_partition bad[2] = {{"t", 1}, {"nope", 0}};
	assert_code(offlog_consumer_assign(c, bad, 2), OFFLOG_ENOTOPIC);
	assert_old_assignment_intact(c);
	assert_ok(offlog_consumer_close(c));
}

static void test_assign_unknown_partition_is_enopart_and_keeps_assignment(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = consumer_at_2(f);
	offlog_topic_partition bad[2] = {{"t", 1}, {"t", 7}};
	assert_code(offlog_consumer_assign(c, bad, 2), OFFLOG_ENOPART);
	assert_old_assignment_intact(c);
	assert_ok(offlog_consumer_close(c));
}

static void test_assign_duplicate_is_einval_and_keeps_assignment(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = consumer_at_2(f);
	offlog_topic_partition bad[2] = {{"t", 1}, {"t", 1}};
	assert_code(offlog_consumer_assign(c, bad, 2), OFFLOG_EINVAL);
	assert_old_assignment_intact(c);
	assert_ok(offlog_consumer_close(c));
}

static void test_assignment_returns_current_list(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	create_topic(f->env, "u", 1);
	offlog_topic_partition tps[3] = {{"t", 1}, {"u", 0}, {"t", 0}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	offlog_consumer *c = open_on(f->env, NULL, &o, tps, 3);
	const offlog_topic_partition *a;
	size_t n;
	assert_ok(offlog_consumer_assignment(&a, &n, c));
	assert_int_equal(n, 3);
	for (size_t i = 0; i < 3; i++) {
		size_t hits = 0;
		for (size_t j = 0; j < n; j++)
			hits += !strcmp(a[j].topic, tps[i].topic) && a[j].partition == tps[i].partition;
		assert_int_equal(hits, 1);
	}
	assert_ok(offlog_consumer_assign(c, NULL, 0));
	assert_ok(offlog_consumer_assignment(&a, &n, c));
	assert_int_equal(n, 0);
	assert_ok(offlog_consumer_close(c));
}

/* A consumer of group g on tp alone, auto-committing only when a call
 * commits (the interval is a minute), 4 records a poll. */
static offlog_consumer *open_auto_committing(offlog_env *env, const offlog_topic_partition *tp)
{
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.enable_auto_commit = 1;
	o.auto_commit_interval_ms = 60000;
	o.max_poll_records = 4;
	return open_on(env, "g", &o, tp, 1);
}

static void test_assign_with_auto_commit_commits_old_positions(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 10);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer *c = open_auto_committing(f->env, &tps[0]);
	assert_int_equal(poll1(&r, c, 1000), 4);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_consumer_assign(c, &tps[1], 1));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 4);
	assert_ok(offlog_consumer_close(c));
}

/* Kafka's assign(): a partition that stays assigned keeps its position,
 * progress not committed included; a new one starts at the committed
 * offset or by the reset policy; one given up is forgotten. */
static void test_assign_keeps_position_of_partition_that_stays_assigned(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 3);
	for (int32_t p = 0; p < 3; p++)
		append_n(f->env, "t", p, 10);
	offlog_topic_partition tps[3] = {{"t", 0}, {"t", 1}, {"t", 2}};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 4;
	offlog_consumer *c = open_on(f->env, "g", &o, &tps[0], 1);
	commit_one(c, "t", 0, 1);
	commit_one(c, "t", 1, 2);
	assert_int_equal(poll1(&r, c, 1000), 4);   /* from the committed offset 1 */
	assert_int_equal(position_of(c, "t", 0), 5);
	/* t/0 stays (listed second now), t/1 comes in at its committed offset. */
	offlog_topic_partition both[2] = {{"t", 1}, {"t", 0}};
	assert_ok(offlog_consumer_assign(c, both, 2));
	assert_int_equal(position_of(c, "t", 0), 5);
	assert_int_equal(position_of(c, "t", 1), 2);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 1);   /* no auto-commit */
	/* A sought position is kept too, and the new partition's unknown
	 * position stays unknown until it is needed. */
	assert_ok(offlog_consumer_seek(c, "t", 0, 8));
	assert_ok(offlog_consumer_assign(c, tps, 3));
	assert_int_equal(position_of(c, "t", 0), 8);
	assert_int_equal(position_of(c, "t", 1), 2);
	assert_int_equal(position_of(c, "t", 2), 0);   /* nothing committed: earliest */
	seen s[40];
	size_t n = collect(c, s, 40, 300);
	assert_int_equal(n, 2 + 8 + 10);
	for (size_t i = 0; i < n; i++)
		if (s[i].partition == 0 && s[i].offset < 8)
			fail_msg("t/0 offset %lld read again after the assignment changed",
			         (long long)s[i].offset);
	/* Given up, then assigned again: from the committed offset. */
	assert_ok(offlog_consumer_assign(c, &tps[1], 1));
	assert_ok(offlog_consumer_assign(c, tps, 2));
	assert_int_equal(position_of(c, "t", 0), 1);
	assert_int_equal(position_of(c, "t", 1), 10);
	assert_ok(offlog_consumer_close(c));
}

/* With auto-commit the old positions are committed first; a partition that
 * stays keeps its position and stays paused, as in Kafka. */
static void test_assign_with_auto_commit_keeps_position_and_pause(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 10);
	append_n(f->env, "t", 1, 10);
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer *c = open_auto_committing(f->env, &tps[0]);
	assert_int_equal(poll1(&r, c, 1000), 4);
	assert_ok(offlog_consumer_pause(c, &tps[0], 1));
	assert_ok(offlog_consumer_assign(c, tps, 2));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 4);
	assert_int_equal(position_of(c, "t", 0), 4);
	seen s[20];
	size_t n = collect(c, s, 20, 300);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		if (s[i].partition != 1)
			fail_msg("paused t/0 returned offset %lld after assign", (long long)s[i].offset);
	assert_ok(offlog_consumer_resume(c, &tps[0], 1));
	assert_int_equal(first_polled(c), 4);
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 1), 10);
}

static void test_poll_of_deleted_topic_is_enotopic(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n = 99;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll_n(c, 3, NULL, 2000), 3);
	assert_ok(offlog_consumer_release(c));
	assert_ok(offlog_topic_delete(f->env, "t"));
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ENOTOPIC);
	assert_int_equal(n, 0);
	assert_ok(offlog_consumer_close(c));
}

/* ---- waiting ------------------------------------------------------------ */

static void test_poll_with_zero_timeout_returns_at_once_when_nothing_readable(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	int64_t t0 = mono_ms();
	assert_int_equal(poll1(&r, c, 0), 0);
	assert_true(mono_ms() - t0 < 100);
	assert_ok(offlog_consumer_close(c));
}

static void test_poll_timeout_is_not_an_error(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n = 99;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	int64_t t0 = mono_ms();
	assert_ok(offlog_consumer_poll(&r, &n, c, 150));
	int64_t waited = mono_ms() - t0;
	assert_int_equal(n, 0);
	if (waited < 140)
		fail_msg("poll(150 ms) returned after %lld ms with nothing readable", (long long)waited);
	assert_ok(offlog_consumer_close(c));
}

struct appender {
	offlog_env *env;
	int rc;
};

static void *append_later(void *arg)
{
	struct appender *a = arg;
	offlog_message m = {NULL, 0, "wake", 4, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	sleep_ms(100);
	a->rc = offlog_append(NULL, NULL, a->env, "t", 0, &m);
	return NULL;
}

static void test_poll_wakes_early_when_another_thread_appends(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(position_of(c, "t", 0), 0);
	struct appender a = {f->env, -999};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, append_later, &a), 0);
	int64_t t0 = mono_ms();
	size_t n = poll1(&r, c, 10000);
	int64_t waited = mono_ms() - t0;
	pthread_join(th, NULL);
	assert_ok(a.rc);
	assert_int_equal(n, 1);
	assert_true(value_is(&r[0], "wake"));
	if (waited > 2000)
		fail_msg("poll returned after %lld ms; the append came after 100 ms", (long long)waited);
	assert_ok(offlog_consumer_close(c));
}

/* ---- poll limits -------------------------------------------------------- */

static void test_max_poll_records_bounds_records_per_poll(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	static const size_t want[] = {3, 3, 3, 1};
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 3;
	offlog_consumer *c = open_on(f->env, NULL, &o, &tp, 1);
	int64_t next = 0;
	for (size_t i = 0; i < 4; i++) {
		size_t n = poll1(&r, c, 1000);
		assert_int_equal(n, want[i]);
		for (size_t j = 0; j < n; j++)
			assert_int_equal(r[j].offset, next++);
	}
	assert_ok(offlog_consumer_close(c));
}

static void test_max_poll_bytes_bounds_bytes_per_poll(void **state)
{
	fx *f = F(state);
	char big[101];
	memset(big, 'x', 100);
	big[100] = 0;
	create_topic(f->env, "t", 1);
	for (int i = 0; i < 10; i++)
		append_str(f->env, "t", 0, NULL, big);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_bytes = 250;
	offlog_consumer *c = open_on(f->env, NULL, &o, &tp, 1);
	int64_t next = 0;
	for (int polls = 0; next < 10 && polls < 20; polls++) {
		const offlog_record *r;
		size_t n = poll1(&r, c, 1000), bytes = 0;
		assert_true(n >= 1);
		for (size_t j = 0; j < n; j++) {
			assert_int_equal(r[j].offset, next++);
			bytes += r[j].key_len + r[j].value_len;
		}
		if (bytes > 250)
			fail_msg("one poll returned %zu records of %zu bytes; max_poll_bytes is 250", n, bytes);
	}
	assert_int_equal(next, 10);
	assert_ok(offlog_consumer_close(c));
}

static void test_max_poll_bytes_still_returns_one_larger_record(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	char big[1001];
	memset(big, 'y', 1000);
	big[1000] = 0;
	create_topic(f->env, "t", 1);
	append_str(f->env, "t", 0, NULL, big);
	append_str(f->env, "t", 0, NULL, big);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_bytes = 10;
	offlog_consumer *c = open_on(f->env, NULL, &o, &tp, 1);
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[0].value_len, 1000);
	assert_true(value_is(&r[0], big));
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_int_equal(r[0].offset, 1);
	assert_ok(offlog_consumer_close(c));
}

/* ---- records ------------------------------------------------------------ */

static void test_record_pointers_stay_valid_until_next_poll(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	char v[5][64], filler[2048];
	create_topic(f->env, "t", 1);
	create_topic(f->env, "churn", 1);
	for (int i = 0; i < 5; i++) {
		memset(v[i], 'a' + i, sizeof v[i] - 1);
		v[i][sizeof v[i] - 1] = 0;
		append_str(f->env, "t", 0, "k", v[i]);
	}
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 5);
	/* Writes that free and would reuse pages, were the snapshot not held. */
	memset(filler, 'z', sizeof filler - 1);
	filler[sizeof filler - 1] = 0;
	for (int i = 0; i < 300; i++)
		append_str(f->env, "churn", 0, "key", filler);
	append_n(f->env, "t", 0, 50);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(r[i].offset, i);
		assert_int_equal(r[i].key_len, 1);
		assert_memory_equal(r[i].key, "k", 1);
		assert_true(value_is(&r[i], v[i]));
	}
	assert_ok(offlog_consumer_close(c));
}

static void test_keyless_record_has_null_key(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_str(f->env, "t", 0, NULL, "v");
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_null(r[0].key);
	assert_int_equal(r[0].key_len, 0);
	assert_true(value_is(&r[0], "v"));
	assert_ok(offlog_consumer_close(c));
}

static void test_null_value_record_has_null_value(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_str(f->env, "t", 0, "k", NULL);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_null(r[0].value);
	assert_int_equal(r[0].value_len, 0);
	assert_int_equal(r[0].key_len, 1);
	assert_memory_equal(r[0].key, "k", 1);
	assert_ok(offlog_consumer_close(c));
}

static void test_empty_key_is_distinct_from_no_key(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	offlog_message m = {"", 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	append_str(f->env, "t", 0, NULL, "v");
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 2);
	assert_non_null(r[0].key);
	assert_int_equal(r[0].key_len, 0);
	assert_null(r[1].key);
	assert_int_equal(r[1].key_len, 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_empty_value_is_distinct_from_null_value(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_str(f->env, "t", 0, "k", "");
	append_str(f->env, "t", 0, "k", NULL);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 2);
	assert_non_null(r[0].value);
	assert_int_equal(r[0].value_len, 0);
	assert_null(r[1].value);
	assert_ok(offlog_consumer_close(c));
}

static void test_headers_round_trip(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	static const char bin[3] = {0, 1, 2};
	offlog_header in[4] = {{"trace", 5, "abc", 3},
	                       {"gone", 4, NULL, 0},
	                       {"bin", 3, bin, 3},
	                       {"empty", 5, "", 0}};
	offlog_header out[8];
	size_t n = 0;
	create_topic(f->env, "t", 1);
	offlog_message m = {"k", 1, "v", 1, OFFLOG_TIMESTAMP_NOW, in, 4};
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll1(&r, c, 1000), 1);
	assert_int_equal(r[0].header_count, 4);
	assert_ok(offlog_record_headers(out, 8, &n, &r[0]));
	assert_int_equal(n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(out[i].name_len, in[i].name_len);
		assert_memory_equal(out[i].name, in[i].name, in[i].name_len);
		assert_int_equal(out[i].value_len, in[i].value_len);
		if (in[i].value) {
			assert_non_null(out[i].value);
			if (in[i].value_len)
				assert_memory_equal(out[i].value, in[i].value, in[i].value_len);
		} else {
			assert_null(out[i].value);
		}
	}
	assert_ok(offlog_consumer_close(c));
}

/* ---- isolation (deferred durability) ------------------------------------ */

static void test_durable_consumer_sees_async_appends_only_after_flush(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	append_n(f->env, "t", 0, 3);
	assert_int_equal(poll1(&r, c, 0), 0);
	assert_ok(offlog_flush(f->env));
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(r[0].offset, 0);
	assert_int_equal(r[2].offset, 2);
	assert_ok(offlog_consumer_close(c));
}

static void test_committed_isolation_consumer_sees_async_appends_at_once(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.isolation = OFFLOG_ISOLATION_COMMITTED;
	offlog_consumer *c = open_on(f->env, NULL, &o, &tp, 1);
	append_n(f->env, "t", 0, 3);
	assert_int_equal(poll1(&r, c, 0), 3);
	assert_int_equal(r[2].offset, 2);
	assert_ok(offlog_consumer_close(c));
}

static void test_high_watermark_trails_log_end_until_flush(void **state)
{
	fx *f = F(state);
	int64_t ls, hw, leo;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	assert_ok(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 0));
	assert_int_equal(leo, 3);
	assert_true(hw < leo);
	assert_ok(offlog_flush(f->env));
	assert_ok(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 0));
	assert_int_equal(hw, 3);
	assert_int_equal(leo, 3);
}

static void test_seek_to_end_in_async_mode_is_high_watermark_not_log_end(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	assert_ok(offlog_flush(f->env));
	append_n(f->env, "t", 0, 2);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_END));
	assert_int_equal(position_of(c, "t", 0), 3);
	assert_ok(offlog_consumer_close(c));
}

/* A tail is counted back from the end the consumer reads to. */
static void test_seek_tail_in_async_mode_counts_from_the_readable_end(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 6);
	assert_ok(offlog_flush(f->env));
	append_n(f->env, "t", 0, 2);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(2)));
	assert_int_equal(position_of(c, "t", 0), 4);
	assert_ok(offlog_consumer_close(c));
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.isolation = OFFLOG_ISOLATION_COMMITTED;
	c = open_on(f->env, NULL, &o, &tp, 1);
	assert_ok(offlog_consumer_seek(c, "t", 0, OFFLOG_OFFSET_TAIL(2)));
	assert_int_equal(position_of(c, "t", 0), 6);
	assert_ok(offlog_consumer_close(c));
}

/* ---- auto-commit -------------------------------------------------------- */

static offlog_consumer *auto_committer(fx *f, const char *group)
{
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.enable_auto_commit = 1;
	o.auto_commit_interval_ms = 0;
	o.max_poll_records = 3;
	return open_on(f->env, group, &o, &tp, 1);
}

static void test_auto_commit_at_next_poll_commits_positions_of_previous_poll(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = auto_committer(f, "g");
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(r[0].offset, 3);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 3);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 6);
	assert_ok(offlog_consumer_close(c));
}

static void test_close_with_auto_commit_commits_positions(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = auto_committer(f, "g");
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 3);
}

static void test_consumer_without_group_writes_no_commit(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	uint64_t before = store_digest(f->path);
	offlog_consumer *c = auto_committer(f, NULL);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(store_digest(f->path), before);
}

static void test_commit_without_group_is_estate(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll_n(c, 10, NULL, 2000), 10);
	assert_code(offlog_consumer_commit(c), OFFLOG_ESTATE);
	offlog_partition_offset e = {"t", 0, 5, NULL, 0};
	assert_code(offlog_consumer_commit_offsets(c, &e, 1), OFFLOG_ESTATE);
	assert_ok(offlog_consumer_close(c));
}

/* ---- lag ---------------------------------------------------------------- */

static void test_lag_is_high_watermark_minus_committed_offset(void **state)
{
	fx *f = F(state);
	int64_t lag = -7;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	commit_one(c, "t", 0, 4);
	assert_ok(offlog_consumer_lag(&lag, NULL, c, "t", 0));
	assert_int_equal(lag, 6);
	append_n(f->env, "t", 0, 2);
	assert_ok(offlog_consumer_lag(&lag, NULL, c, "t", 0));
	assert_int_equal(lag, 8);
	assert_ok(offlog_consumer_close(c));
}

static void test_lag_is_unknown_when_nothing_committed(void **state)
{
	fx *f = F(state);
	int64_t lag = -7;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_int_equal(poll_n(c, 10, NULL, 2000), 10);
	assert_ok(offlog_consumer_lag(&lag, NULL, c, "t", 0));
	assert_int_equal(lag, OFFLOG_LAG_UNKNOWN);
	assert_ok(offlog_consumer_close(c));
}

static void test_position_lag_is_high_watermark_minus_position(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	int64_t plag = -7;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 3;
	offlog_consumer *c = open_on(f->env, "g", &o, &tp, 1);
	assert_int_equal(poll1(&r, c, 1000), 3);
	assert_ok(offlog_consumer_lag(NULL, &plag, c, "t", 0));
	assert_int_equal(plag, 7);
	assert_ok(offlog_consumer_close(c));
}

static void test_position_lag_is_unknown_for_unassigned_partition(void **state)
{
	fx *f = F(state);
	int64_t plag = -7;
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 1, 10);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_lag(NULL, &plag, c, "t", 1));
	assert_int_equal(plag, OFFLOG_LAG_UNKNOWN);
	assert_ok(offlog_consumer_close(c));
}

/* ---- bad input ---------------------------------------------------------- */

static void test_poll_with_null_argument_is_einval(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_code(offlog_consumer_poll(NULL, &n, c, 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_poll(&r, NULL, c, 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_poll(&r, &n, NULL, 0), OFFLOG_EINVAL);
	assert_ok(offlog_consumer_close(c));
}

static void test_consumer_calls_with_null_consumer_are_einval(void **state)
{
	fx *f = F(state);
	offlog_topic_partition tp = {"t", 0};
	offlog_partition_offset e = {"t", 0, 0, NULL, 0};
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	const offlog_topic_partition *a;
	size_t n;
	int64_t off, lag;
	create_topic(f->env, "t", 1);
	assert_code(offlog_consumer_assign(NULL, &tp, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_assignment(&a, &n, NULL), OFFLOG_EINVAL);
	assert_code(offlog_consumer_position(&off, NULL, "t", 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_seek(NULL, "t", 0, 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_seek_timestamp(NULL, "t", 0, 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_seek_relative(NULL, "t", 0, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_pause(NULL, &tp, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_resume(NULL, &tp, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_commit(NULL), OFFLOG_EINVAL);
	assert_code(offlog_consumer_commit_offsets(NULL, &e, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_committed(&cm, NULL, "t", 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_lag(&lag, NULL, NULL, "t", 0), OFFLOG_EINVAL);
	assert_code(offlog_consumer_release(NULL), OFFLOG_EINVAL);
	assert_ok(offlog_consumer_close(NULL));
}

static void test_consumer_open_with_null_env_or_out_is_einval(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = NULL;
	assert_code(offlog_consumer_open(&c, NULL, "g", NULL), OFFLOG_EINVAL);
	assert_null(c);
	assert_code(offlog_consumer_open(NULL, f->env, "g", NULL), OFFLOG_EINVAL);
}

static void test_bad_group_names_are_ename(void **state)
{
	fx *f = F(state);
	char long_name[251];
	memset(long_name, 'a', 250);
	long_name[250] = 0;
	const char *bad[] = {"", long_name, "a b", "tab\there", "nl\n"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offlog_consumer *c = NULL;
		int rc = offlog_consumer_open(&c, f->env, bad[i], NULL);
		if (rc != OFFLOG_ENAME)
			fail_msg("group \"%.20s\" (%zu bytes): %s, expected OFFLOG_ENAME", bad[i],
			         strlen(bad[i]), offlog_errname(rc));
		assert_null(c);
	}
}

static void test_group_name_of_249_chars_is_accepted(void **state)
{
	fx *f = F(state);
	char name[250];
	memset(name, 'g', 249);
	name[249] = 0;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, name, OFFLOG_RESET_EARLIEST, "t", 0);
	commit_one(c, "t", 0, 2);
	assert_int_equal(committed_of(f->env, name, "t", 0), 2);
	assert_ok(offlog_consumer_close(c));
}

static void test_options_with_unknown_version_are_einval(void **state)
{
	fx *f = F(state);
	static const unsigned versions[] = {0, 99};
	for (size_t i = 0; i < 2; i++) {
		offlog_consumer_options o;
		offlog_consumer *c = NULL;
		offlog_consumer_options_init(&o);
		o.version = versions[i];
		assert_code(offlog_consumer_open(&c, f->env, "g", &o), OFFLOG_EINVAL);
		assert_null(c);
	}
}

static void test_poll_with_timeout_below_minus_one_is_einval(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n = 99;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, NULL, OFFLOG_RESET_EARLIEST, "t", 0);
	assert_code(offlog_consumer_poll(&r, &n, c, -5), OFFLOG_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_ok(offlog_consumer_close(c));
}

/* ---- one thread at a time ------------------------------------------------ */

struct poller {
	offlog_consumer *c;
	int timeout_ms;
	int rounds;
	int rc;          /* the poll's code, or the first unexpected one */
	size_t got;      /* records returned */
	int refused;     /* polls refused with OFFLOG_ESTATE */
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	p->rc = 0;
	for (int i = 0; i < p->rounds; i++) {
		const offlog_record *r;
		size_t n = 0;
		int rc = offlog_consumer_poll(&r, &n, p->c, p->timeout_ms);
		if (rc == OFFLOG_ESTATE)
			p->refused++;
		else if (rc && !p->rc)
			p->rc = rc;
		p->got += rc ? 0 : n;
	}
	return NULL;
}

/* Holds the polling thread inside poll (in its on_assigned callback) until
 * the test lets it go. */
struct gate {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool inside, go;
};

static void hold_in_poll(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                         size_t n)
{
	struct gate *g = opaque;
	(void)c;
	(void)tps;
	(void)n;
	pthread_mutex_lock(&g->mu);
	g->inside = true;
	pthread_cond_broadcast(&g->cv);
	while (!g->go)
		pthread_cond_wait(&g->cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
}

/* While one thread is inside poll, every call of another thread on the
 * consumer fails at once with OFFLOG_ESTATE; the first thread's poll goes on. */
static void test_consumer_used_by_a_second_thread_during_poll_is_estate(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	static struct gate g = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, false};
	g.inside = g.go = false;
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.on_assigned = hold_in_poll;
	o.rebalance_opaque = &g;
	offlog_consumer *c = NULL;
	const char *topics[1] = {"t"};
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	assert_ok(offlog_consumer_subscribe(c, topics, 1));
	struct poller p = {c, 10000, 1, -999, 0, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, poll_thread, &p), 0);
	pthread_mutex_lock(&g.mu);
	while (!g.inside)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);

	const offlog_record *r;
	size_t n;
	int64_t pos;
	offlog_topic_partition tp = {"t", 0};
	assert_code(offlog_consumer_poll(&r, &n, c, 0), OFFLOG_ESTATE);
	assert_non_null(strstr(offlog_errmsg(), "two threads"));
	assert_code(offlog_consumer_seek(c, "t", 0, 0), OFFLOG_ESTATE);
	assert_code(offlog_consumer_position(&pos, c, "t", 0), OFFLOG_ESTATE);
	assert_code(offlog_consumer_pause(c, &tp, 1), OFFLOG_ESTATE);
	assert_code(offlog_consumer_commit(c), OFFLOG_ESTATE);
	assert_code(offlog_consumer_commit_async(c, NULL, NULL), OFFLOG_ESTATE);
	assert_code(offlog_consumer_release(c), OFFLOG_ESTATE);
	assert_code(offlog_consumer_unsubscribe(c), OFFLOG_ESTATE);
	assert_code(offlog_consumer_close(c), OFFLOG_ESTATE);

	pthread_mutex_lock(&g.mu);
	g.go = true;
	pthread_cond_broadcast(&g.cv);
	pthread_mutex_unlock(&g.mu);
	append_str(f->env, "t", 0, NULL, "wake");
	pthread_join(th, NULL);
	assert_ok(p.rc);
	assert_int_equal(p.got, 1);
	assert_int_equal(p.refused, 0);
	/* Once the poll returned, another thread may use the consumer. */
	assert_int_equal(position_of(c, "t", 0), 1);
	assert_ok(offlog_consumer_commit(c));
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 1);
}

/* Two threads polling one consumer at once: no crash, every record is
 * returned once, and a poll that meets the other is refused. */
static void test_two_threads_polling_one_consumer_never_crash(void **state)
{
	fx *f = F(state);
	static offlog_message batch[3000];
	for (size_t i = 0; i < 3000; i++)
		batch[i] = (offlog_message){NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	create_topic(f->env, "t", 2);
	assert_ok(offlog_append_batch(NULL, NULL, f->env, "t", 0, batch, 3000));
	assert_ok(offlog_append_batch(NULL, NULL, f->env, "t", 1, batch, 3000));
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.max_poll_records = 3;
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	offlog_consumer *c = open_on(f->env, "g", &o, tps, 2);
	struct poller p[2] = {{c, 0, 50000, -999, 0, 0}, {c, 0, 50000, -999, 0, 0}};
	pthread_t th[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, poll_thread, &p[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	assert_ok(p[0].rc);
	assert_ok(p[1].rc);
	int64_t read = position_of(c, "t", 0) + position_of(c, "t", 1);
	assert_int_equal(p[0].got + p[1].got, read);
	assert_ok(offlog_consumer_close(c));
}

/* ---- handles inherited across fork() -------------------------------------- */

/* In a forked child: every call on the inherited consumer fails at once
 * with OFFLOG_ESTATE, close only frees it, and no consumer opens on the
 * inherited store. Returns 0, or a code naming the first call that did not. */
static int inherited_consumer_calls(offlog_env *env, offlog_consumer *c)
{
	const offlog_record *r;
	const offlog_topic_partition *tps;
	const char *id;
	const char *topics[1] = {"t"};
	size_t n;
	int64_t off, lag;
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	offlog_topic_partition tp = {"t", 0};
	offlog_partition_offset po = {"t", 0, 1, NULL, 0};
	offlog_consumer *other = NULL;
	int rc[19];
	rc[0] = offlog_consumer_poll(&r, &n, c, 0);
	rc[1] = offlog_consumer_release(c);
	rc[2] = offlog_consumer_commit(c);
	rc[3] = offlog_consumer_commit_async(c, NULL, NULL);
	rc[4] = offlog_consumer_commit_offsets(c, &po, 1);
	rc[5] = offlog_consumer_committed(&cm, c, "t", 0);
	rc[6] = offlog_consumer_position(&off, c, "t", 0);
	rc[7] = offlog_consumer_seek(c, "t", 0, 1);
	rc[8] = offlog_consumer_seek_timestamp(c, "t", 0, 0);
	rc[9] = offlog_consumer_seek_relative(c, "t", 0, -1);
	rc[10] = offlog_consumer_pause(c, &tp, 1);
	rc[11] = offlog_consumer_resume(c, &tp, 1);
	rc[12] = offlog_consumer_assignment(&tps, &n, c);
	rc[13] = offlog_consumer_lag(&lag, NULL, c, "t", 0);
	rc[14] = offlog_consumer_member(&id, NULL, c);
	rc[15] = offlog_consumer_assign(c, &tp, 1);
	rc[16] = offlog_consumer_subscribe(c, topics, 1);
	rc[17] = offlog_consumer_unsubscribe(c);
	rc[18] = offlog_consumer_open(&other, env, "g", NULL);
	for (int i = 0; i < 19; i++)
		if (rc[i] != OFFLOG_ESTATE)
			return 10 + i;
	if (other)
		return 2;
	if (offlog_consumer_close(c) != 0)
		return 3;
	return offlog_close(env) ? 4 : 0;
}

static void test_consumer_inherited_across_fork_is_estate_and_closes_at_once(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer_options o = opts_with(OFFLOG_RESET_EARLIEST);
	o.heartbeat_interval_ms = 20;
	offlog_consumer *c = NULL;
	const char *topics[1] = {"t"};
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	assert_ok(offlog_consumer_subscribe(c, topics, 1));
	/* A member with its heartbeat and commit threads and a held snapshot. */
	assert_int_equal(poll_n(c, 10, NULL, 5000), 10);
	assert_ok(offlog_consumer_commit_async(c, NULL, NULL));
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(10);   /* a call that hangs (joining a thread the child lacks) fails */
		_exit(inherited_consumer_calls(f->env, c));
	}
	int status = 0;
	int64_t deadline = mono_ms() + 20000;
	while (waitpid(pid, &status, WNOHANG) == 0 && mono_ms() < deadline)
		sleep_ms(10);
	if (mono_ms() >= deadline) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child: %s %d", WIFEXITED(status) ? "exit" : "signal",
		         WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	/* The parent's member was left alone: it still owns and commits. */
	append_n(f->env, "t", 0, 1);
	assert_int_equal(poll_n(c, 1, NULL, 5000), 1);
	assert_ok(offlog_consumer_commit(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 11);
	offlog_group_description *d = NULL;
	assert_ok(offlog_group_describe(&d, f->env, "g"));
	assert_int_equal(d->member_count, 1);
	offlog_group_description_free(d);
	assert_ok(offlog_consumer_close(c));
}

/* ------------------------------------------------------------------------ */

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
#define T_ASYNC(name) cmocka_unit_test_setup_teardown(name, fx_setup_async, fx_teardown)

/* A topic deleted and created again is a new log: the consumer's old
 * position must neither be committed into it nor skip its records. */
static void test_recreated_topic_gets_no_stale_commit_and_is_read_from_its_start(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 50);
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.auto_commit_interval_ms = 0;
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	assert_int_equal(poll_n(c, 50, NULL, 2000), 50);
	assert_ok(offlog_consumer_release(c));
	assert_ok(offlog_topic_delete(f->env, "t"));
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 80);
	/* This poll auto-commits first: the old position 50 must not land on
	 * the new topic. */
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_consumer_poll(&r, &n, c, 500));
	assert_true(n > 0);
	assert_int_equal(r[0].offset, 0);
	assert_ok(offlog_consumer_close(c));
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_group_committed(&cm, f->env, "g", "t", 0));
	assert_true(cm.offset == OFFLOG_OFFSET_INVALID || cm.offset == (int64_t)n);
}

/* Committing positions skips one past the log end (after a seek there)
 * instead of failing the others. */
static void test_commit_skips_a_position_beyond_the_log_end(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "t", 1, 5);
	offlog_consumer *c;
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.enable_auto_commit = 0;
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	offlog_topic_partition tps[2] = {{"t", 0}, {"t", 1}};
	assert_ok(offlog_consumer_assign(c, tps, 2));
	assert_ok(offlog_consumer_seek(c, "t", 0, 3));
	assert_ok(offlog_consumer_seek(c, "t", 1, 99));
	assert_ok(offlog_consumer_commit(c));
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 3);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 1));
	assert_int_equal(cm.offset, OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_consumer_close(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_position_is_offset_after_last_polled_record),
		T(test_poll_returns_partition_records_in_offset_order),
		T(test_poll_returns_records_of_all_assigned_partitions),
		T(test_offsets_are_per_partition),
		T(test_poll_serves_partitions_in_turn),

		T(test_new_group_with_earliest_starts_at_log_start),
		T(test_new_group_with_latest_starts_at_high_watermark),
		T(test_new_group_with_reset_none_fails_poll_with_enooffset),
		T(test_new_group_with_reset_none_fails_position_with_enooffset),
		T(test_new_group_by_duration_starts_at_first_recent_timestamp),
		T(test_committed_offset_in_range_overrides_reset_policy),

		T(test_position_beyond_log_end_with_reset_none_is_erange_naming_valid_range),
		T(test_position_beyond_log_end_with_reset_earliest_restarts_at_log_start),
		T(test_committed_offset_beyond_log_end_is_reset_per_policy),
		T(test_committed_offset_beyond_log_end_with_reset_none_is_erange),
		T(test_failed_poll_moves_no_position),

		T(test_seek_to_absolute_offset_sets_next_record),
		T(test_seek_to_beginning_goes_to_log_start),
		T(test_seek_to_end_goes_to_high_watermark),
		T(test_seek_to_stored_goes_back_to_committed_offset),
		T(test_seek_timestamp_finds_earliest_offset_at_or_after),
		T(test_seek_timestamp_after_last_record_goes_to_high_watermark),
		T(test_seek_timestamp_with_unordered_timestamps_finds_earliest_offset),
		T(test_seek_relative_moves_back_and_forward),
		T(test_seek_relative_is_clamped_to_log_start_and_high_watermark),
		T(test_seek_relative_with_extreme_delta_is_clamped),
		T(test_seek_tail_starts_n_records_before_the_end),
		T(test_seek_never_changes_committed_offset),
		T(test_seek_to_invalid_negative_offset_is_eoffset),
		T(test_seek_on_unassigned_partition_is_estate),
		T(test_position_of_unassigned_partition_is_estate),

		T(test_pause_stops_partition_while_others_continue),
		T(test_resume_continues_from_same_position),
		T(test_pause_of_unassigned_partition_is_estate),

		T(test_assign_replaces_assignment),
		T(test_assign_unknown_topic_is_enotopic_and_keeps_assignment),
		T(test_assign_unknown_partition_is_enopart_and_keeps_assignment),
		T(test_assign_duplicate_is_einval_and_keeps_assignment),
		T(test_assignment_returns_current_list),
		T(test_assign_with_auto_commit_commits_old_positions),
		T(test_assign_keeps_position_of_partition_that_stays_assigned),
		T(test_assign_with_auto_commit_keeps_position_and_pause),
		T(test_poll_of_deleted_topic_is_enotopic),

		T(test_poll_with_zero_timeout_returns_at_once_when_nothing_readable),
		T(test_poll_timeout_is_not_an_error),
		T(test_poll_wakes_early_when_another_thread_appends),

		T(test_max_poll_records_bounds_records_per_poll),
		T(test_max_poll_bytes_bounds_bytes_per_poll),
		T(test_max_poll_bytes_still_returns_one_larger_record),

		T(test_record_pointers_stay_valid_until_next_poll),
		T(test_keyless_record_has_null_key),
		T(test_null_value_record_has_null_value),
		T(test_empty_key_is_distinct_from_no_key),
		T(test_empty_value_is_distinct_from_null_value),
		T(test_headers_round_trip),

		T_ASYNC(test_durable_consumer_sees_async_appends_only_after_flush),
		T_ASYNC(test_committed_isolation_consumer_sees_async_appends_at_once),
		T_ASYNC(test_high_watermark_trails_log_end_until_flush),
		T_ASYNC(test_seek_to_end_in_async_mode_is_high_watermark_not_log_end),
		T_ASYNC(test_seek_tail_in_async_mode_counts_from_the_readable_end),

		T(test_auto_commit_at_next_poll_commits_positions_of_previous_poll),
		T(test_close_with_auto_commit_commits_positions),
		T(test_consumer_without_group_writes_no_commit),
		T(test_commit_without_group_is_estate),

		T(test_lag_is_high_watermark_minus_committed_offset),
		T(test_lag_is_unknown_when_nothing_committed),
		T(test_position_lag_is_high_watermark_minus_position),
		T(test_position_lag_is_unknown_for_unassigned_partition),

		T(test_poll_with_null_argument_is_einval),
		T(test_consumer_calls_with_null_consumer_are_einval),
		T(test_consumer_open_with_null_env_or_out_is_einval),
		T(test_bad_group_names_are_ename),
		T(test_group_name_of_249_chars_is_accepted),
		T(test_options_with_unknown_version_are_einval),
		T(test_poll_with_timeout_below_minus_one_is_einval),
		T(test_recreated_topic_gets_no_stale_commit_and_is_read_from_its_start),
		T(test_commit_skips_a_position_beyond_the_log_end),

		T(test_consumer_used_by_a_second_thread_during_poll_is_estate),
		T(test_two_threads_polling_one_consumer_never_crash),
		T(test_consumer_inherited_across_fork_is_estate_and_closes_at_once),
	};
	return cmocka_run_group_tests_name("consumer", tests, NULL, NULL);
}

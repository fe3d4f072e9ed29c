/* test_commit.c - committed offsets: meaning, independence from the position,
 * metadata and time, scope per (group, topic, partition), validation with an
 * unchanged store on every error, atomic lists, and topic deletion. */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static fx *F(void **state)
{
	return *state;
}



static offlog_consumer *group_consumer(offlog_env *env, const char *group, uint32_t max_records)
{
	offlog_consumer_options o;
	offlog_consumer *c = NULL;
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = 0;
	o.max_poll_records = max_records;
	assert_ok(offlog_consumer_open(&c, env, group, &o));
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	return c;
}




/* A store with topic "t" of 2 partitions holding 5 and 3 records, and a
 * consumer of group "g" on t/0 that has committed nothing. */
static offlog_consumer *commit_setup(fx *f)
{
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "t", 1, 3);
	return group_consumer(f->env, "g", 500);
}

/* Nothing is committed for group "g" on either partition of "t". */
static void assert_nothing_committed(offlog_env *env)
{
	assert_int_equal(committed_of(env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_int_equal(committed_of(env, "g", "t", 1), OFFLOG_OFFSET_INVALID);
}

/* ---- meaning ------------------------------------------------------------ */

static void test_commit_is_next_offset_to_read(void **state)
{
	fx *f = F(state);
	const offlog_record *r;
	size_t n;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 6);
	assert_ok(offlog_consumer_poll(&r, &n, c, 1000));
	assert_int_equal(n, 6);
	assert_int_equal(r[n - 1].offset, 5);   /* processed through N = 5 */
	assert_ok(offlog_consumer_commit(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 6);
	assert_ok(offlog_consumer_close(c));
	fx_reopen(f, NULL);

	offlog_consumer_options o;
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_LATEST;   /* must not be used */
	o.enable_auto_commit = 0;
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	assert_int_equal(position_of(c, "t", 0), 6);
	assert_ok(offlog_consumer_poll(&r, &n, c, 1000));
	assert_int_equal(n, 4);
	assert_int_equal(r[0].offset, 6);
	assert_ok(offlog_consumer_close(c));
}

static void test_poll_moves_position_not_committed_offset(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	commit_one(c, "t", 0, 2);
	assert_int_equal(poll_n(c, 8, NULL, 2000), 8);
	assert_int_equal(position_of(c, "t", 0), 10);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 2);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_moves_committed_offset_not_position(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	assert_ok(offlog_consumer_seek(c, "t", 0, 5));
	commit_one(c, "t", 0, 2);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 2);
	assert_int_equal(position_of(c, "t", 0), 5);
	commit_one(c, "t", 0, 9);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 9);
	assert_int_equal(position_of(c, "t", 0), 5);
	assert_ok(offlog_consumer_close(c));
}

static void test_consumer_commit_stores_current_positions(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	assert_ok(offlog_consumer_seek(c, "t", 0, 7));
	assert_ok(offlog_consumer_commit(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 7);
	assert_int_equal(position_of(c, "t", 0), 7);
	assert_ok(offlog_consumer_close(c));
}

/* ---- explicit commits, metadata and time -------------------------------- */

static void test_commit_offsets_records_offset_metadata_and_time(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	offlog_partition_offset e = {"t", 0, 7, "batch-42", -99};
	int64_t before = wall_ms();
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	int64_t after = wall_ms();
	assert_int_equal(e.err, 0);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 7);
	assert_int_equal(cm.metadata_len, 8);
	assert_string_equal(cm.metadata, "batch-42");
	if (cm.commit_time_ms < before - 1000 || cm.commit_time_ms > after + 1000)
		fail_msg("commit time %lld is not close to now [%lld, %lld]", (long long)cm.commit_time_ms,
		         (long long)before, (long long)after);
	assert_ok(offlog_consumer_close(c));
}

static void test_group_committed_reads_commit_without_consumer(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	offlog_partition_offset e = {"t", 0, 3, "m", 0};
	int64_t before = wall_ms();
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	int64_t after = wall_ms();
	assert_ok(offlog_consumer_close(c));
	fx_reopen(f, NULL);
	assert_ok(offlog_group_committed(&cm, f->env, "g", "t", 0));
	assert_int_equal(cm.offset, 3);
	assert_int_equal(cm.metadata_len, 1);
	assert_string_equal(cm.metadata, "m");
	assert_true(cm.commit_time_ms >= before - 1000 && cm.commit_time_ms <= after + 1000);
}

static void test_commit_without_metadata_has_empty_metadata(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	offlog_partition_offset e = {"t", 0, 3, "old", 0};
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	commit_one(c, "t", 0, 4);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 4);
	assert_int_equal(cm.metadata_len, 0);
	assert_string_equal(cm.metadata, "");
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_metadata_of_max_length_is_accepted(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	char *meta = malloc(OFFLOG_METADATA_MAX + 1);
	assert_non_null(meta);
	memset(meta, 'm', OFFLOG_METADATA_MAX);
	meta[OFFLOG_METADATA_MAX] = 0;
	offlog_consumer *c = commit_setup(f);
	offlog_partition_offset e = {"t", 0, 1, meta, 0};
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.metadata_len, OFFLOG_METADATA_MAX);
	assert_string_equal(cm.metadata, meta);
	free(meta);
	assert_ok(offlog_consumer_close(c));
}

static void test_nothing_committed_is_invalid_offset_not_error(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	memset(&cm, 0x5a, sizeof cm);
	cm.version = OFFLOG_COMMITTED_VERSION;
	offlog_consumer *c = commit_setup(f);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, OFFLOG_OFFSET_INVALID);
	assert_int_equal(cm.commit_time_ms, 0);
	assert_int_equal(cm.metadata_len, 0);
	memset(&cm, 0x5a, sizeof cm);
	cm.version = OFFLOG_COMMITTED_VERSION;
	assert_ok(offlog_group_committed(&cm, f->env, "never-used", "t", 1));
	assert_int_equal(cm.offset, OFFLOG_OFFSET_INVALID);
	assert_int_equal(cm.commit_time_ms, 0);
	assert_ok(offlog_consumer_close(c));
}

/* ---- scope -------------------------------------------------------------- */

static void test_groups_keep_separate_offsets(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *a = group_consumer(f->env, "ga", 500);
	offlog_consumer *b = group_consumer(f->env, "gb", 500);
	commit_one(a, "t", 0, 3);
	commit_one(b, "t", 0, 8);
	assert_int_equal(committed_of(f->env, "ga", "t", 0), 3);
	assert_int_equal(committed_of(f->env, "gb", "t", 0), 8);
	assert_int_equal(committed_of(f->env, "gc", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_consumer_close(a));
	assert_ok(offlog_consumer_close(b));
}

static void test_group_that_prefixes_another_keeps_separate_offsets(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *a = group_consumer(f->env, "g", 500);
	offlog_consumer *b = group_consumer(f->env, "g2", 500);
	commit_one(a, "t", 0, 3);
	commit_one(b, "t", 0, 8);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 3);
	assert_int_equal(committed_of(f->env, "g2", "t", 0), 8);
	assert_ok(offlog_consumer_close(a));
	assert_ok(offlog_consumer_close(b));
}

static void test_partitions_keep_separate_offsets(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	offlog_partition_offset list[2] = {{"t", 0, 4, NULL, 0}, {"t", 1, 1, NULL, 0}};
	assert_ok(offlog_consumer_commit_offsets(c, list, 2));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 4);
	assert_int_equal(committed_of(f->env, "g", "t", 1), 1);
	commit_one(c, "t", 1, 3);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 4);
	assert_int_equal(committed_of(f->env, "g", "t", 1), 3);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_of_unassigned_partition_is_allowed(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);   /* assigned t/0 only */
	commit_one(c, "t", 1, 2);
	assert_int_equal(committed_of(f->env, "g", "t", 1), 2);
	assert_ok(offlog_consumer_close(c));
}

/* ---- errors: nothing committed, store unchanged ------------------------- */

static void test_commit_beyond_log_end_is_erange_and_changes_nothing(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	offlog_partition_offset e = {"t", 0, 6, NULL, 0};
	assert_code(offlog_consumer_commit_offsets(c, &e, 1), OFFLOG_ERANGE);
	assert_int_equal(e.err, OFFLOG_ERANGE);
	if (!strstr(offlog_errmsg(), "[0, 5]"))
		fail_msg("detail does not name the valid range [0, 5]: \"%s\"", offlog_errmsg());
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_negative_offset_is_eoffset_and_changes_nothing(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	static const int64_t bad[] = {-5, OFFLOG_OFFSET_END, OFFLOG_OFFSET_BEGINNING,
	                              OFFLOG_OFFSET_STORED, OFFLOG_OFFSET_INVALID, INT64_MIN};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offlog_partition_offset e = {"t", 0, bad[i], NULL, 0};
		int rc = offlog_consumer_commit_offsets(c, &e, 1);
		if (rc != OFFLOG_EOFFSET || e.err != OFFLOG_EOFFSET)
			fail_msg("commit of offset %lld: %s (entry err %s), expected OFFLOG_EOFFSET",
			         (long long)bad[i], offlog_errname(rc), offlog_errname(e.err));
	}
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_metadata_too_long_is_etoobig_and_changes_nothing(void **state)
{
	fx *f = F(state);
	char *meta = malloc(OFFLOG_METADATA_MAX + 2);
	assert_non_null(meta);
	memset(meta, 'm', OFFLOG_METADATA_MAX + 1);
	meta[OFFLOG_METADATA_MAX + 1] = 0;
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	offlog_partition_offset e = {"t", 0, 1, meta, 0};
	assert_code(offlog_consumer_commit_offsets(c, &e, 1), OFFLOG_ETOOBIG);
	assert_int_equal(e.err, OFFLOG_ETOOBIG);
	free(meta);
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_unknown_topic_is_enotopic_and_changes_nothing(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	offlog_partition_offset e = {"nope", 0, 0, NULL, 0};
	assert_code(offlog_consumer_commit_offsets(c, &e, 1), OFFLOG_ENOTOPIC);
	assert_int_equal(e.err, OFFLOG_ENOTOPIC);
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_unknown_partition_is_enopart_and_changes_nothing(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	static const int32_t bad[] = {2, INT32_MAX};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offlog_partition_offset e = {"t", bad[i], 0, NULL, 0};
		int rc = offlog_consumer_commit_offsets(c, &e, 1);
		if (rc != OFFLOG_ENOPART || e.err != OFFLOG_ENOPART)
			fail_msg("commit to partition %d: %s (entry err %s), expected OFFLOG_ENOPART",
			         (int)bad[i], offlog_errname(rc), offlog_errname(e.err));
	}
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_list_with_one_bad_entry_commits_none(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	uint64_t before = store_digest(f->path);
	offlog_partition_offset list[3] = {
		{"t", 0, 2, "first", 0},
		{"t", 1, 4, NULL, 0},   /* t/1 has 3 records: log end offset 3 */
		{"t", 0, 3, NULL, 0},
	};
	assert_code(offlog_consumer_commit_offsets(c, list, 3), OFFLOG_ERANGE);
	assert_int_equal(list[1].err, OFFLOG_ERANGE);
	assert_int_equal(list[0].err, 0);
	assert_int_equal(list[2].err, 0);
	assert_int_equal(store_digest(f->path), before);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_failed_commit_keeps_previous_committed_offset(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	offlog_consumer *c = commit_setup(f);
	offlog_partition_offset ok = {"t", 0, 2, "keep", 0};
	assert_ok(offlog_consumer_commit_offsets(c, &ok, 1));
	uint64_t before = store_digest(f->path);
	offlog_partition_offset list[2] = {{"t", 0, 4, "new", 0}, {"t", 0, 99, NULL, 0}};
	assert_code(offlog_consumer_commit_offsets(c, list, 2), OFFLOG_ERANGE);
	assert_int_equal(store_digest(f->path), before);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 2);
	assert_string_equal(cm.metadata, "keep");
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_offsets_without_group_is_estate(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = NULL;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	assert_ok(offlog_consumer_open(&c, f->env, NULL, NULL));
	uint64_t before = store_digest(f->path);
	offlog_partition_offset e = {"t", 0, 1, NULL, 0};
	assert_code(offlog_consumer_commit_offsets(c, &e, 1), OFFLOG_ESTATE);
	assert_int_equal(store_digest(f->path), before);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_calls_with_null_arguments_are_einval(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	offlog_consumer *c = commit_setup(f);
	offlog_partition_offset e = {"t", 0, 1, NULL, 0};
	assert_code(offlog_consumer_commit_offsets(NULL, &e, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_commit_offsets(c, NULL, 1), OFFLOG_EINVAL);
	assert_code(offlog_consumer_committed(NULL, c, "t", 0), OFFLOG_EINVAL);
	assert_code(offlog_group_committed(NULL, f->env, "g", "t", 0), OFFLOG_EINVAL);
	assert_code(offlog_group_committed(&cm, NULL, "g", "t", 0), OFFLOG_EINVAL);
	assert_nothing_committed(f->env);
	assert_ok(offlog_consumer_close(c));
}

static void test_group_committed_with_bad_group_name_is_ename(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	assert_code(offlog_group_committed(&cm, f->env, "", "t", 0), OFFLOG_ENAME);
	assert_code(offlog_group_committed(&cm, f->env, "a b", "t", 0), OFFLOG_ENAME);
}

static void test_group_committed_of_unknown_topic_or_partition_fails(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	cm.offset = 99;   /* a failed read leaves the struct as it was */
	assert_code(offlog_group_committed(&cm, f->env, "g", "nope", 0), OFFLOG_ENOTOPIC);
	assert_code(offlog_group_committed(&cm, f->env, "g", "t", 1), OFFLOG_ENOPART);
	assert_int_equal(cm.offset, 99);
}

/* A struct filled with a sentinel, of version v, and its copy. */
static void committed_sentinel(offlog_committed *cm, offlog_committed *was, unsigned v)
{
	memset(cm, 0x5a, sizeof *cm);
	cm->version = v;
	cm->offset = 12345;
	memcpy(was, cm, sizeof *was);
}

static void assert_version_refused(unsigned v)
{
	char want[64];
	snprintf(want, sizeof want, "offlog_committed.version %u is not supported", v);
	if (!strstr(offlog_errmsg(), want))
		fail_msg("detail \"%s\" lacks \"%s\"", offlog_errmsg(), want);
}

/* Version 0 is a struct nobody initialised, a larger one a newer header's,
 * which may have fields this library cannot fill: both calls refuse them
 * and leave the struct exactly as it was, even where an offset is
 * committed. */
static void test_committed_refuses_version_0_and_newer_untouched(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	offlog_partition_offset e = {"t", 0, 3, "m", 0};
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	const unsigned bad[] = {0, OFFLOG_COMMITTED_VERSION + 1, 7};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offlog_committed cm, was;
		committed_sentinel(&cm, &was, bad[i]);
		assert_code(offlog_group_committed(&cm, f->env, "g", "t", 0), OFFLOG_EINVAL);
		assert_version_refused(bad[i]);
		assert_int_equal(cm.offset, 12345);
		assert_memory_equal(&cm, &was, sizeof cm);
		assert_code(offlog_consumer_committed(&cm, c, "t", 0), OFFLOG_EINVAL);
		assert_version_refused(bad[i]);
		assert_memory_equal(&cm, &was, sizeof cm);
	}
	offlog_committed cm, was;
	committed_sentinel(&cm, &was, OFFLOG_COMMITTED_VERSION);
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.version, OFFLOG_COMMITTED_VERSION);
	assert_int_equal(cm.offset, 3);
	assert_int_equal(cm.metadata_len, 1);
	assert_string_equal(cm.metadata, "m");
	assert_ok(offlog_consumer_close(c));
}

/* ---- boundaries --------------------------------------------------------- */

static void test_commit_zero_on_empty_partition_is_allowed(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	commit_one(c, "t", 0, 0);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 0);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_of_log_end_offset_is_allowed(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	commit_one(c, "t", 0, 5);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 5);
	assert_ok(offlog_consumer_close(c));
}

static void test_commit_can_move_committed_offset_backwards(void **state)
{
	fx *f = F(state);
	offlog_consumer *c = commit_setup(f);
	commit_one(c, "t", 0, 4);
	commit_one(c, "t", 0, 1);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 1);
	assert_ok(offlog_consumer_close(c));
}

/* ---- topic deletion ----------------------------------------------------- */

static void test_committed_offsets_survive_deleting_another_topic(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	create_topic(f->env, "other", 1);
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "other", 0, 5);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	offlog_partition_offset list[2] = {{"t", 0, 3, "keep", 0}, {"other", 0, 4, NULL, 0}};
	assert_ok(offlog_consumer_commit_offsets(c, list, 2));
	assert_ok(offlog_consumer_close(c));
	assert_ok(offlog_topic_delete(f->env, "other"));
	create_topic(f->env, "other", 1);
	assert_ok(offlog_group_committed(&cm, f->env, "g", "t", 0));
	assert_int_equal(cm.offset, 3);
	assert_string_equal(cm.metadata, "keep");
	fx_reopen(f, NULL);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 3);
}

static void test_recreated_topic_has_no_committed_offset(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 5);
	append_n(f->env, "t", 1, 5);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	offlog_consumer *c2 = group_consumer(f->env, "g2", 500);
	offlog_partition_offset list[2] = {{"t", 0, 3, NULL, 0}, {"t", 1, 4, NULL, 0}};
	assert_ok(offlog_consumer_commit_offsets(c, list, 2));
	commit_one(c2, "t", 0, 5);
	assert_ok(offlog_consumer_close(c));
	assert_ok(offlog_consumer_close(c2));
	assert_ok(offlog_topic_delete(f->env, "t"));
	create_topic(f->env, "t", 2);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	assert_int_equal(committed_of(f->env, "g", "t", 1), OFFLOG_OFFSET_INVALID);
	assert_int_equal(committed_of(f->env, "g2", "t", 0), OFFLOG_OFFSET_INVALID);
	fx_reopen(f, NULL);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
}

static void test_committed_offset_of_deleted_topic_is_enotopic(void **state)
{
	fx *f = F(state);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	commit_one(c, "t", 0, 3);
	assert_ok(offlog_consumer_close(c));
	assert_ok(offlog_topic_delete(f->env, "t"));
	assert_code(offlog_group_committed(&cm, f->env, "g", "t", 0), OFFLOG_ENOTOPIC);
}

static void test_consumer_of_recreated_topic_starts_per_reset_policy(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer *c = group_consumer(f->env, "g", 500);
	commit_one(c, "t", 0, 7);
	assert_ok(offlog_consumer_close(c));
	assert_ok(offlog_topic_delete(f->env, "t"));
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	c = group_consumer(f->env, "g", 500);   /* reset earliest */
	assert_int_equal(position_of(c, "t", 0), 0);
	assert_ok(offlog_consumer_close(c));
}

/* ---- commit order: an older commit never lands after a newer one --------- */

/* What the callbacks of asynchronous commits reported, in call order. */
typedef struct alog {
	int calls;
	int err[8];
	int64_t off[8];   /* the offset of t/0 in the report, or -1 */
	bool empty_msg[8]; /* errmsg was "" */
} alog;

static void alog_cb(void *opaque, int err, const char *errmsg, const offlog_partition_offset *offsets,
                    size_t count)
{
	alog *l = opaque;
	int i = l->calls++;
	if (i >= 8)
		return;
	l->err[i] = err;
	l->empty_msg[i] = errmsg && errmsg[0] == 0;
	l->off[i] = -1;
	for (size_t k = 0; k < count; k++)
		if (!strcmp(offsets[k].topic, "t") && offsets[k].partition == 0)
			l->off[i] = offsets[k].offset;
}

/* The position after polling one record (the consumer returns one a poll). */
static int64_t poll_one(offlog_consumer *c)
{
	int64_t off = -1;
	assert_int_equal(poll_n(c, 1, &off, 2000), 1);
	return off + 1;
}

/* commit_async(P1); poll; commit() (P2): P2 stays committed, and the
 * asynchronous commits' callbacks ran, in order, before commit returned. */
static void test_sync_commit_waits_for_earlier_async_commits(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 100);
	offlog_consumer *c = group_consumer(f->env, "g", 1);
	for (int i = 0; i < 50; i++) {
		alog l;
		memset(&l, 0, sizeof l);
		int64_t p1 = poll_one(c);
		assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
		assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
		int64_t p2 = poll_one(c);
		assert_ok(offlog_consumer_commit(c));
		assert_int_equal(l.calls, 2);
		assert_int_equal(l.err[0], 0);
		assert_int_equal(l.err[1], 0);
		assert_true(l.empty_msg[0] && l.empty_msg[1]);
		assert_int_equal(l.off[0], p1);
		assert_int_equal(l.off[1], p1);
		assert_int_equal(committed_of(f->env, "g", "t", 0), p2);
	}
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 100);
}

/* The same with explicit offsets: the explicit commit is the last word. */
static void test_commit_offsets_waits_for_earlier_async_commits(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 100);
	offlog_consumer *c = group_consumer(f->env, "g", 1);
	for (int i = 0; i < 50; i++) {
		alog l;
		memset(&l, 0, sizeof l);
		int64_t p1 = poll_one(c);
		assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
		commit_one(c, "t", 0, p1 - 1);
		assert_int_equal(l.calls, 1);
		assert_int_equal(l.off[0], p1);
		assert_int_equal(committed_of(f->env, "g", "t", 0), p1 - 1);
	}
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 49);
}

/* close() waits for the asynchronous commits before its auto-commit: the
 * committed offset is the position at close. */
static void test_close_auto_commit_lands_after_earlier_async_commits(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 100);
	offlog_consumer_options o;
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.auto_commit_interval_ms = 3600000;
	o.max_poll_records = 1;
	for (int i = 0; i < 40; i++) {
		offlog_consumer *c = NULL;
		alog l;
		memset(&l, 0, sizeof l);
		assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
		assert_ok(offlog_consumer_assign(c, &tp, 1));
		int64_t p1 = poll_one(c);
		assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
		int64_t p2 = poll_one(c);
		assert_int_equal(p2, p1 + 1);
		assert_ok(offlog_consumer_close(c));
		assert_int_equal(l.calls, 1);
		assert_int_equal(l.off[0], p1);
		assert_int_equal(committed_of(f->env, "g", "t", 0), p2);
	}
}

/* A transaction that commits the consumer's positions is not overwritten by
 * an asynchronous commit made before it. */
static void test_txn_commit_of_positions_is_not_overwritten_by_earlier_async_commit(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	create_topic(f->env, "out", 1);
	append_n(f->env, "t", 0, 100);
	offlog_consumer *c = group_consumer(f->env, "g", 1);
	for (int i = 0; i < 40; i++) {
		alog l;
		memset(&l, 0, sizeof l);
		int64_t p1 = poll_one(c);
		assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
		int64_t p2 = poll_one(c);
		offlog_txn *x = NULL;
		offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_txn_begin(&x, f->env));
		assert_ok(offlog_txn_append(NULL, NULL, x, "out", 0, &m));
		assert_ok(offlog_txn_commit_consumer(x, c));
		assert_ok(offlog_txn_commit(x));
		/* A later synchronous commit of nothing waits for the async one. */
		assert_ok(offlog_consumer_commit_offsets(c, NULL, 0));
		assert_int_equal(l.calls, 1);
		assert_int_equal(l.err[0], 0);
		assert_int_equal(l.off[0], p1);
		assert_int_equal(committed_of(f->env, "g", "t", 0), p2);
	}
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), 80);
}

/* A thread with an open transaction holds the store's write lock, which the
 * asynchronous commits wait for: calls that would wait for them refuse
 * with OFFLOG_ETXN instead of hanging; close closes nothing. */
static void test_calls_that_wait_for_async_commits_refuse_inside_a_txn(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	offlog_consumer_options o;
	offlog_topic_partition tp = {"t", 0};
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.auto_commit_interval_ms = 1;
	o.max_poll_records = 1;
	offlog_consumer *c = NULL;
	assert_ok(offlog_consumer_open(&c, f->env, "g", &o));
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	alog l;
	memset(&l, 0, sizeof l);
	int64_t p1 = poll_one(c);
	alarm(30);   /* a hang fails the run */
	offlog_txn *x = NULL;
	assert_ok(offlog_consumer_commit_async(c, alog_cb, &l));
	assert_ok(offlog_txn_begin(&x, f->env));
	assert_code(offlog_consumer_commit(c), OFFLOG_ETXN);
	assert_code(offlog_consumer_commit_offsets(c, NULL, 0), OFFLOG_ETXN);
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_consumer_poll(&r, &n, c, 0));   /* its auto-commit is skipped */
	assert_int_equal(n, 1);
	assert_code(offlog_consumer_close(c), OFFLOG_ETXN);
	offlog_txn_abort(x);
	alarm(0);
	assert_ok(offlog_consumer_commit_offsets(c, NULL, 0));
	assert_int_equal(l.calls, 1);
	assert_int_equal(l.off[0], p1);
	assert_ok(offlog_consumer_close(c));
	assert_int_equal(committed_of(f->env, "g", "t", 0), p1 + 1);
}

/* A commit callback runs inside another call of the consumer: it may commit
 * and read positions, but not poll or close the consumer under that call. */
static offlog_consumer *cb_consumer;
static int cb_rc[4];

static void nesting_cb(void *opaque, int err, const char *errmsg,
                       const offlog_partition_offset *offsets, size_t count)
{
	(void)opaque;
	(void)errmsg;
	(void)err;
	(void)offsets;
	(void)count;
	const offlog_record *r;
	size_t n;
	int64_t pos;
	cb_rc[0] = offlog_consumer_poll(&r, &n, cb_consumer, 0);
	cb_rc[1] = offlog_consumer_close(cb_consumer);
	cb_rc[2] = offlog_consumer_position(&pos, cb_consumer, "t", 0);
	cb_rc[3] = offlog_consumer_commit(cb_consumer);
}

static void test_commit_callback_may_commit_but_not_poll_or_close(void **state)
{
	fx *f = F(state);
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 10);
	cb_consumer = group_consumer(f->env, "g", 1);
	memset(cb_rc, 0x7f, sizeof cb_rc);
	poll_one(cb_consumer);
	assert_ok(offlog_consumer_commit_async(cb_consumer, nesting_cb, NULL));
	poll_one(cb_consumer);
	assert_ok(offlog_consumer_commit(cb_consumer));   /* runs the callback */
	assert_code(cb_rc[0], OFFLOG_ESTATE);
	assert_code(cb_rc[1], OFFLOG_ESTATE);
	assert_ok(cb_rc[2]);
	assert_ok(cb_rc[3]);
	assert_int_equal(committed_of(f->env, "g", "t", 0), 2);
	assert_ok(offlog_consumer_close(cb_consumer));
}

/* ------------------------------------------------------------------------ */

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_commit_is_next_offset_to_read),
		T(test_poll_moves_position_not_committed_offset),
		T(test_commit_moves_committed_offset_not_position),
		T(test_consumer_commit_stores_current_positions),

		T(test_commit_offsets_records_offset_metadata_and_time),
		T(test_group_committed_reads_commit_without_consumer),
		T(test_commit_without_metadata_has_empty_metadata),
		T(test_commit_metadata_of_max_length_is_accepted),
		T(test_nothing_committed_is_invalid_offset_not_error),

		T(test_groups_keep_separate_offsets),
		T(test_group_that_prefixes_another_keeps_separate_offsets),
		T(test_partitions_keep_separate_offsets),
		T(test_commit_of_unassigned_partition_is_allowed),

		T(test_commit_beyond_log_end_is_erange_and_changes_nothing),
		T(test_commit_negative_offset_is_eoffset_and_changes_nothing),
		T(test_commit_metadata_too_long_is_etoobig_and_changes_nothing),
		T(test_commit_unknown_topic_is_enotopic_and_changes_nothing),
		T(test_commit_unknown_partition_is_enopart_and_changes_nothing),
		T(test_commit_list_with_one_bad_entry_commits_none),
		T(test_failed_commit_keeps_previous_committed_offset),
		T(test_commit_offsets_without_group_is_estate),
		T(test_commit_calls_with_null_arguments_are_einval),
		T(test_group_committed_with_bad_group_name_is_ename),
		T(test_group_committed_of_unknown_topic_or_partition_fails),
		T(test_committed_refuses_version_0_and_newer_untouched),

		T(test_commit_zero_on_empty_partition_is_allowed),
		T(test_commit_of_log_end_offset_is_allowed),
		T(test_commit_can_move_committed_offset_backwards),

		T(test_committed_offsets_survive_deleting_another_topic),
		T(test_recreated_topic_has_no_committed_offset),
		T(test_committed_offset_of_deleted_topic_is_enotopic),
		T(test_consumer_of_recreated_topic_starts_per_reset_policy),

		T(test_sync_commit_waits_for_earlier_async_commits),
		T(test_commit_offsets_waits_for_earlier_async_commits),
		T(test_close_auto_commit_lands_after_earlier_async_commits),
		T(test_txn_commit_of_positions_is_not_overwritten_by_earlier_async_commit),
		T(test_calls_that_wait_for_async_commits_refuse_inside_a_txn),
		T(test_commit_callback_may_commit_but_not_poll_or_close),
	};
	return cmocka_run_group_tests_name("commit", tests, NULL, NULL);
}

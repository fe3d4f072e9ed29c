/* test_topic.c - creating, describing, growing and deleting topics. */
#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "codec.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_config_equal(const offlog_topic_config *a, const offlog_topic_config *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->retention_ms, b->retention_ms);
	assert_int_equal(a->retention_bytes, b->retention_bytes);
	assert_int_equal(a->cleanup_policy, b->cleanup_policy);
	assert_int_equal(a->delete_retention_ms, b->delete_retention_ms);
	assert_int_equal(a->max_message_bytes, b->max_message_bytes);
}

static void test_new_topic_partitions_start_empty(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "orders", 12, NULL));
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "orders"));
	assert_string_equal(info->name, "orders");
	assert_int_equal(info->partition_count, 12);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(info->partitions[i].partition, i);
		assert_int_equal(info->partitions[i].log_start, 0);
		assert_int_equal(info->partitions[i].high_watermark, 0);
		assert_int_equal(info->partitions[i].log_end, 0);
		assert_int_equal(info->partitions[i].records, 0);
		assert_int_equal(info->partitions[i].bytes, 0);
	}
	offlog_topic_config d = OFFLOG_TOPIC_CONFIG_INIT;
	assert_config_equal(&info->config, &d);
	assert_int_equal(info->config.retention_ms, -1);
	offlog_topic_info_free(info);
}

static void test_topic_config_is_kept(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg;
	assert_ok(offlog_topic_config_init(&cfg));
	cfg.retention_ms = 3600000;
	cfg.retention_bytes = 1 << 20;
	cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT | OFFLOG_CLEANUP_DELETE;
	cfg.delete_retention_ms = 1000;
	cfg.max_message_bytes = 4096;
	assert_ok(offlog_topic_create(f->env, "c", 1, &cfg));
	fx_reopen(f, NULL);
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "c"));
	assert_config_equal(&info->config, &cfg);
	assert_true(info->created_ms > 1600000000000);
	offlog_topic_info_free(info);
}

/* The description carries the library's version, and `config`, moved last
 * so that a longer configuration moves no other field, is still read whole,
 * protected groups included. */
static void test_describe_sets_version_and_config_last(void **state)
{
	fx *f = *state;
	static const char *const groups[] = {"audit", "billing"};
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.retention_ms = 60000;
	cfg.retention_bytes = 1 << 16;
	cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT;
	cfg.delete_retention_ms = 500;
	cfg.max_message_bytes = 2048;
	cfg.protected_groups = groups;
	cfg.protected_group_count = 2;
	assert_ok(offlog_topic_create(f->env, "v", 3, &cfg));
	append_str(f->env, "v", 1, "k", "x");   /* a compacted topic wants keys */
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "v"));
	assert_int_equal(info->version, OFFLOG_TOPIC_INFO_VERSION);
	assert_string_equal(info->name, "v");
	assert_int_equal(info->partition_count, 3);
	assert_true(info->created_ms > 1600000000000);
	assert_int_equal(info->partitions[1].partition, 1);
	assert_int_equal(info->partitions[1].log_end, 1);
	assert_config_equal(&info->config, &cfg);
	assert_int_equal(info->config.protected_group_count, 2);
	assert_string_equal(info->config.protected_groups[0], "audit");
	assert_string_equal(info->config.protected_groups[1], "billing");
	offlog_topic_info_free(info);
}

static void test_topic_names_are_validated(void **state)
{
	fx *f = *state;
	char longest[OFFLOG_NAME_MAX + 2];
	memset(longest, 'a', sizeof longest);
	longest[OFFLOG_NAME_MAX] = 0;
	assert_ok(offlog_topic_create(f->env, longest, 1, NULL));
	assert_ok(offlog_topic_create(f->env, "A-z_0.9", 1, NULL));
	longest[OFFLOG_NAME_MAX] = 'a';
	longest[OFFLOG_NAME_MAX + 1] = 0;
	uint64_t before = store_digest(f->path);
	assert_code(offlog_topic_create(f->env, longest, 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, "", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, ".", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, "..", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, "a/b", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, "a b", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, "caf\xc3\xa9", 1, NULL), OFFLOG_ENAME);
	assert_code(offlog_topic_create(f->env, NULL, 1, NULL), OFFLOG_EINVAL);
	assert_code(offlog_topic_create(NULL, "x", 1, NULL), OFFLOG_EINVAL);
	assert_int_equal(store_digest(f->path), before);
}

static void test_partition_count_and_config_are_validated(void **state)
{
	fx *f = *state;
	uint64_t before = store_digest(f->path);
	assert_code(offlog_topic_create(f->env, "t", 0, NULL), OFFLOG_EINVAL);
	assert_code(offlog_topic_create(f->env, "t", -1, NULL), OFFLOG_EINVAL);
	assert_code(offlog_topic_create(f->env, "t", OFFLOG_PARTITIONS_MAX + 1, NULL), OFFLOG_EINVAL);
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.version = 0;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	offlog_topic_config_init(&cfg);
	cfg.retention_ms = -2;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	offlog_topic_config_init(&cfg);
	cfg.retention_bytes = -5;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	offlog_topic_config_init(&cfg);
	cfg.cleanup_policy = 0;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	offlog_topic_config_init(&cfg);
	cfg.delete_retention_ms = -1;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	offlog_topic_config_init(&cfg);
	cfg.max_message_bytes = 0;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	cfg.max_message_bytes = OFFLOG_MESSAGE_MAX_LIMIT + 1;
	assert_code(offlog_topic_create(f->env, "t", 1, &cfg), OFFLOG_EINVAL);
	assert_code(offlog_topic_config_init(NULL), OFFLOG_EINVAL);
	assert_int_equal(store_digest(f->path), before);
}

static void test_duplicate_topic_is_refused_unchanged(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 3, NULL));
	append_n(f->env, "t", 0, 2);
	uint64_t before = store_digest(f->path);
	assert_code(offlog_topic_create(f->env, "t", 5, NULL), OFFLOG_EEXIST);
	assert_int_equal(store_digest(f->path), before);
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "t"));
	assert_int_equal(info->partition_count, 3);
	assert_int_equal(info->partitions[0].log_end, 2);
	offlog_topic_info_free(info);
}

static void test_topic_list_is_sorted(void **state)
{
	fx *f = *state;
	char **names;
	size_t n;
	assert_ok(offlog_topic_list(&names, &n, f->env));
	assert_int_equal(n, 0);
	offlog_names_free(names, n);
	assert_ok(offlog_topic_create(f->env, "zeta", 1, NULL));
	assert_ok(offlog_topic_create(f->env, "alpha", 1, NULL));
	assert_ok(offlog_topic_create(f->env, "Mid", 1, NULL));
	assert_ok(offlog_topic_list(&names, &n, f->env));
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "Mid");
	assert_string_equal(names[1], "alpha");
	assert_string_equal(names[2], "zeta");
	offlog_names_free(names, n);
	offlog_names_free(NULL, 0);
	assert_code(offlog_topic_list(NULL, &n, f->env), OFFLOG_EINVAL);
}

static void test_unknown_topic_is_reported(void **state)
{
	fx *f = *state;
	offlog_topic_info *info = (offlog_topic_info *)1;
	assert_code(offlog_topic_describe(&info, f->env, "nope"), OFFLOG_ENOTOPIC);
	assert_null(info);
	assert_non_null(strstr(offlog_errmsg(), "nope"));
	assert_code(offlog_watermarks_get(NULL, NULL, NULL, f->env, "nope", 0), OFFLOG_ENOTOPIC);
	assert_code(offlog_topic_delete(f->env, "nope"), OFFLOG_ENOTOPIC);
	assert_code(offlog_topic_add_partitions(f->env, "nope", 4), OFFLOG_ENOTOPIC);
}

static void test_watermarks_follow_appends(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	append_n(f->env, "t", 1, 7);
	int64_t ls = -9, hw = -9, leo = -9;
	assert_ok(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 1));
	assert_int_equal(ls, 0);
	assert_int_equal(hw, 7);
	assert_int_equal(leo, 7);
	assert_ok(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 0));
	assert_int_equal(leo, 0);
	assert_ok(offlog_watermarks_get(NULL, NULL, NULL, f->env, "t", 0));
	assert_code(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 2), OFFLOG_ENOPART);
	assert_code(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", -1), OFFLOG_ENOPART);
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "t"));
	assert_int_equal(info->partitions[1].records, 7);
	assert_int_equal(info->partitions[1].bytes, 2 * 7);
	offlog_topic_info_free(info);
}

static void test_add_partitions_grows_and_keeps_records(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	append_n(f->env, "t", 1, 3);
	assert_ok(offlog_topic_add_partitions(f->env, "t", 5));
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, f->env, "t"));
	assert_int_equal(info->partition_count, 5);
	assert_int_equal(info->partitions[1].log_end, 3);
	assert_int_equal(info->partitions[4].log_end, 0);
	offlog_topic_info_free(info);
	assert_int_equal(append_str(f->env, "t", 4, NULL, "x"), 0);
	uint64_t before = store_digest(f->path);
	assert_code(offlog_topic_add_partitions(f->env, "t", 5), OFFLOG_EINVAL);
	assert_code(offlog_topic_add_partitions(f->env, "t", 3), OFFLOG_EINVAL);
	assert_code(offlog_topic_add_partitions(f->env, "t", 0), OFFLOG_EINVAL);
	assert_int_equal(store_digest(f->path), before);
}

/* Entries of a table; in the partition table, partition states only (not
 * the store's byte count, whose key is longer). */
static size_t count_entries(offlog_env *env, int table)
{
	ol_txn t;
	ol_cursor c;
	ol_val k;
	size_t n = 0;
	assert_ok(db_read_begin(&t, env));
	assert_ok(db_cursor_open(&c, &t, table));
	for (int rc = db_cursor_seek(&c, NULL, 0, &k, NULL); rc == 0; rc = db_cursor_next(&c, &k, NULL))
		n += table != T_PARTS || k.n == 8;
	db_cursor_close(&c);
	db_abort(&t);
	return n;
}

static void test_delete_removes_topic_records_and_name(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "gone", 3, NULL));
	assert_ok(offlog_topic_create(f->env, "kept", 1, NULL));
	/* More records than one deletion step removes. */
	static offlog_message msgs[1000];
	for (size_t i = 0; i < 1000; i++) {
		msgs[i].value = "v";
		msgs[i].value_len = 1;
		msgs[i].timestamp = (int64_t)i;
	}
	for (int i = 0; i < 12; i++)
		assert_ok(offlog_append_batch(NULL, NULL, f->env, "gone", i % 3, msgs, 1000));
	append_n(f->env, "kept", 0, 4);
	assert_ok(offlog_topic_delete(f->env, "gone"));
	char **names;
	size_t n;
	assert_ok(offlog_topic_list(&names, &n, f->env));
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "kept");
	offlog_names_free(names, n);
	assert_int_equal(count_entries(f->env, T_LOG), 4);
	assert_int_equal(count_entries(f->env, T_PARTS), 1);
	assert_int_equal(count_entries(f->env, T_TOPIC_IDS), 1);
	assert_code(offlog_watermarks_get(NULL, NULL, NULL, f->env, "gone", 0), OFFLOG_ENOTOPIC);
	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "gone", 0, &m), OFFLOG_ENOTOPIC);
}

static void test_recreated_topic_is_a_new_log(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 5);
	assert_ok(offlog_topic_delete(f->env, "t"));
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	int64_t leo;
	assert_ok(offlog_watermarks_get(NULL, NULL, &leo, f->env, "t", 0));
	assert_int_equal(leo, 0);
	offlog_batch *b = NULL;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_batch_records(NULL, &n, NULL, b));
	assert_int_equal(n, 0);
	offlog_batch_free(b);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "new"), 0);
}

/* A deletion cut short (process killed between its steps) is finished by
 * the next open. */
static void test_interrupted_delete_finishes_at_open(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	/* Mark topic id 1 as being deleted, as the first step of a delete does. */
	ol_txn t;
	uint8_t k[4], v[2] = {1, 't'};
	ol_be32(k, 1);
	assert_ok(db_write_begin(&t, f->env));
	assert_ok(db_del(&t, T_TOPICS, "t", 1));
	assert_ok(db_put(&t, T_TOPIC_IDS, k, 4, v, 2));
	assert_ok(db_commit(&t));
	assert_int_equal(count_entries(f->env, T_LOG), 3);
	fx_reopen(f, NULL);
	assert_int_equal(count_entries(f->env, T_LOG), 0);
	assert_int_equal(count_entries(f->env, T_TOPIC_IDS), 0);
	assert_int_equal(count_entries(f->env, T_PARTS), 0);
}

static void test_damaged_topic_record_is_reported(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	/* Zero partitions, as a damaged record could say. */
	ol_txn t;
	ol_val v;
	uint8_t rec[64];
	assert_ok(db_write_begin(&t, f->env));
	assert_int_equal(db_get(&t, T_TOPICS, "t", 1, &v), 0);
	memcpy(rec, v.p, v.n);
	memset(rec + 8, 0, 4);
	assert_ok(db_put(&t, T_TOPICS, "t", 1, rec, v.n));
	assert_ok(db_commit(&t));
	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "t", OFFLOG_PARTITION_ANY, &m), OFFLOG_ECORRUPT);
	offlog_topic_info *info;
	assert_code(offlog_topic_describe(&info, f->env, "t"), OFFLOG_ECORRUPT);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_topic_partitions_start_empty),
		T(test_topic_config_is_kept),
		T(test_describe_sets_version_and_config_last),
		T(test_topic_names_are_validated),
		T(test_partition_count_and_config_are_validated),
		T(test_duplicate_topic_is_refused_unchanged),
		T(test_topic_list_is_sorted),
		T(test_unknown_topic_is_reported),
		T(test_watermarks_follow_appends),
		T(test_add_partitions_grows_and_keeps_records),
		T(test_delete_removes_topic_records_and_name),
		T(test_recreated_topic_is_a_new_log),
		T(test_interrupted_delete_finishes_at_open),
		T(test_damaged_topic_record_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_concurrency.c - one env shared by many threads. Run under
 * ThreadSanitizer by `make tsan`. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WRITERS 8
#define PER_WRITER 150

struct writer {
	offlog_env *env;
	int id;
	int64_t offsets[PER_WRITER];
	int rc;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	for (int i = 0; i < PER_WRITER && w->rc == 0; i++) {
		char v[32];
		snprintf(v, sizeof v, "w%d-%d", w->id, i);
		offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		w->rc = offlog_append(&w->offsets[i], NULL, w->env, "t", 0, &m);
	}
	return NULL;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

static void test_threads_appending_get_unique_consecutive_offsets(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	struct writer w[WRITERS];
	pthread_t th[WRITERS];
	for (int i = 0; i < WRITERS; i++) {
		w[i] = (struct writer){f->env, i, {0}, 0};
		pthread_create(&th[i], NULL, writer_main, &w[i]);
	}
	static int64_t all[WRITERS * PER_WRITER];
	for (int i = 0; i < WRITERS; i++) {
		pthread_join(th[i], NULL);
		assert_ok(w[i].rc);
		for (int j = 0; j < PER_WRITER; j++) {
			if (j > 0)
				assert_true(w[i].offsets[j] > w[i].offsets[j - 1]);
			all[i * PER_WRITER + j] = w[i].offsets[j];
		}
	}
	qsort(all, WRITERS * PER_WRITER, sizeof all[0], cmp64);
	for (int i = 0; i < WRITERS * PER_WRITER; i++)
		assert_int_equal(all[i], i);
	/* Every record holds what its writer wrote, at the offset it was told. */
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 100000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal(n, WRITERS * PER_WRITER);
	for (int i = 0; i < WRITERS; i++)
		for (int j = 0; j < PER_WRITER; j++) {
			char v[32];
			snprintf(v, sizeof v, "w%d-%d", i, j);
			const offlog_record *rec = &r[w[i].offsets[j]];
			assert_int_equal(rec->value_len, strlen(v));
			assert_memory_equal(rec->value, v, strlen(v));
		}
	offlog_batch_free(b);
}

struct reader {
	offlog_env *env;
	int64_t seen;
	int64_t want;
	int rc;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	offlog_consumer *c;
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = 0;
	if ((rd->rc = offlog_consumer_open(&c, rd->env, NULL, &o)) != 0)
		return NULL;
	offlog_topic_partition tp = {"t", 0};
	if ((rd->rc = offlog_consumer_assign(c, &tp, 1)) != 0)
		goto out;
	for (int spins = 0; rd->seen < rd->want && spins < 5000; spins++) {
		const offlog_record *r;
		size_t n;
		if ((rd->rc = offlog_consumer_poll(&r, &n, c, 20)) != 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (r[i].offset != rd->seen) {
				rd->rc = -999;
				goto out;
			}
			rd->seen++;
		}
	}
out:
	offlog_consumer_close(c);
	return NULL;
}

static void test_consumers_in_threads_read_while_writers_append(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	struct reader rd[3];
	pthread_t rth[3], wth[4];
	struct writer w[4];
	for (int i = 0; i < 3; i++) {
		rd[i] = (struct reader){f->env, 0, 4 * PER_WRITER, 0};
		pthread_create(&rth[i], NULL, reader_main, &rd[i]);
	}
	for (int i = 0; i < 4; i++) {
		w[i] = (struct writer){f->env, i, {0}, 0};
		pthread_create(&wth[i], NULL, writer_main, &w[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(wth[i], NULL);
		assert_ok(w[i].rc);
	}
	for (int i = 0; i < 3; i++) {
		pthread_join(rth[i], NULL);
		assert_ok(rd[i].rc);
		assert_int_equal(rd[i].seen, 4 * PER_WRITER);
	}
}

struct holder {
	offlog_env *env;
	int rc;
	int held;   /* records held while the map had to grow */
};

static void *holder_main(void *arg)
{
	struct holder *h = arg;
	offlog_consumer *c;
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	if ((h->rc = offlog_consumer_open(&c, h->env, NULL, &o)) != 0)
		return NULL;
	offlog_topic_partition tp = {"t", 0};
	const offlog_record *r;
	size_t n;
	if ((h->rc = offlog_consumer_assign(c, &tp, 1)) == 0 &&
	    (h->rc = offlog_consumer_poll(&r, &n, c, 1000)) == 0) {
		h->held = (int)n;
		/* Hold the snapshot a while; a growing writer must wait, not fail. */
		struct timespec ts = {0, 200 * 1000000L};
		nanosleep(&ts, NULL);
		h->rc = offlog_consumer_release(c);
	}
	offlog_consumer_close(c);
	return NULL;
}

static void test_map_growth_waits_for_readers_in_other_threads(void **state)
{
	(void)state;
	char *dir = temp_dir();
	char path[600];
	snprintf(path, sizeof path, "%s/s", dir);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.map_size = 64 << 10;
	offlog_env *env;
	assert_ok(offlog_open(&env, path, &o));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	append_n(env, "t", 0, 1);
	struct holder h = {env, 0, 0};
	pthread_t th;
	pthread_create(&th, NULL, holder_main, &h);
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	char value[3000];
	memset(value, 'z', sizeof value);
	offlog_message m = {NULL, 0, value, sizeof value, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 200; i++)
		assert_ok(offlog_append(NULL, NULL, env, "t", 0, &m));
	pthread_join(th, NULL);
	assert_ok(h.rc);
	assert_int_equal(h.held, 1);
	offlog_store_info info = OFFLOG_STORE_INFO_INIT;
	assert_ok(offlog_store_stat(&info, env));
	assert_true(info.map_size > (64 << 10));
	assert_ok(offlog_close(env));
	rm_rf(dir);
	free(dir);
}

struct committer {
	offlog_env *env;
	int id;
	int rc;
};

static void *committer_main(void *arg)
{
	struct committer *c = arg;
	char group[16];
	snprintf(group, sizeof group, "g%d", c->id);
	offlog_consumer *cons;
	if ((c->rc = offlog_consumer_open(&cons, c->env, group, NULL)) != 0)
		return NULL;
	for (int64_t i = 1; i <= 50 && c->rc == 0; i++) {
		offlog_partition_offset e = {"t", 0, i, NULL, 0};
		c->rc = offlog_consumer_commit_offsets(cons, &e, 1);
	}
	offlog_consumer_close(cons);
	return NULL;
}

static void test_groups_commit_concurrently(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 50);
	struct committer c[4];
	pthread_t th[4];
	for (int i = 0; i < 4; i++) {
		c[i] = (struct committer){f->env, i, 0};
		pthread_create(&th[i], NULL, committer_main, &c[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_ok(c[i].rc);
		char group[16];
		snprintf(group, sizeof group, "g%d", i);
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		assert_ok(offlog_group_committed(&cm, f->env, group, "t", 0));
		assert_int_equal(cm.offset, 50);
	}
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_threads_appending_get_unique_consecutive_offsets),
		T(test_consumers_in_threads_read_while_writers_append),
		cmocka_unit_test(test_map_growth_waits_for_readers_in_other_threads),
		T(test_groups_commit_concurrently),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

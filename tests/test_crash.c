/* test_crash.c - kill -9 during appends and commits; two processes sharing
 * one store. The store must reopen with every acknowledged record and
 * commit intact, offsets increasing without duplicates. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PARTS 4

/* An acknowledgement written by the child after each successful call. */
struct ack {
	int32_t partition;
	int64_t offset;   /* first offset of the append */
	int32_t count;    /* records appended (1, or a batch) */
	int64_t commit;   /* offset committed for partition 0 of "t", or -1 */
};

static void value_of(char *buf, size_t cap, int32_t p, int64_t off)
{
	snprintf(buf, cap, "p%d-o%lld-payload", p, (long long)off);
}

/* Append forever: singles, batches and commits, acknowledging each. */
static void writer_child(const char *path, int fd, unsigned seed)
{
	offlog_env *env;
	if (offlog_open(&env, path, NULL))
		_exit(2);
	srand(seed);
	for (;;) {
		struct ack a;
		memset(&a, 0, sizeof a);   /* the padding goes down the pipe too */
		a.partition = rand() % PARTS;
		a.count = rand() % 3 == 0 ? 1 + rand() % 20 : 1;
		a.commit = -1;
		int64_t leo;
		if (offlog_watermarks_get(NULL, NULL, &leo, env, "t", a.partition))
			_exit(3);
		offlog_message m[20];
		char vals[20][64];
		for (int i = 0; i < a.count; i++) {
			value_of(vals[i], sizeof vals[i], a.partition, leo + i);
			m[i] = (offlog_message){NULL, 0, vals[i], strlen(vals[i]), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		}
		if (offlog_append_batch(&a.offset, NULL, env, "t", a.partition, m, (size_t)a.count))
			_exit(4);
		if (a.offset != leo)
			_exit(5);
		if (rand() % 4 == 0) {
			int64_t hw;
			offlog_watermarks_get(NULL, &hw, NULL, env, "t", 0);
			offlog_partition_offset c = {"t", 0, hw, NULL, 0};
			offlog_consumer *cons;
			if (offlog_consumer_open(&cons, env, "g", NULL) ||
			    offlog_consumer_commit_offsets(cons, &c, 1) || offlog_consumer_close(cons))
				_exit(7);
			a.commit = hw;
		}
		if (write(fd, &a, sizeof a) != (ssize_t)sizeof a)
			_exit(8);
	}
}

static void check_partition(offlog_env *env, int32_t p, int64_t acked_end)
{
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t leo;
	assert_ok(offlog_watermarks_get(NULL, NULL, &leo, env, "t", p));
	assert_true(leo >= acked_end);
	assert_ok(offlog_fetch(&b, env, "t", p, 0, 1000000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	/* Offsets 0..leo-1, each once, each with the bytes written for it. */
	assert_int_equal((int64_t)n, leo);
	for (size_t i = 0; i < n; i++) {
		char want[64];
		assert_int_equal(r[i].offset, (int64_t)i);
		value_of(want, sizeof want, p, r[i].offset);
		assert_int_equal(r[i].value_len, strlen(want));
		assert_memory_equal(r[i].value, want, r[i].value_len);
	}
	offlog_batch_free(b);
}

static void test_acknowledged_appends_survive_kill9(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", PARTS, NULL));
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int64_t acked_end[PARTS] = {0};
	int64_t last_commit = OFFLOG_OFFSET_INVALID;
	int rounds = getenv("OFFLOG_CRASH_ROUNDS") ? atoi(getenv("OFFLOG_CRASH_ROUNDS")) : 12;
	srand(1234);
	for (int round = 0; round < rounds; round++) {
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			writer_child(f->path, fds[1], (unsigned)round);
		}
		close(fds[1]);
		struct timespec ts = {0, (long)(rand() % 80 + 10) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		assert_true(WIFSIGNALED(status));
		struct ack a;
		while (read(fds[0], &a, sizeof a) == (ssize_t)sizeof a) {
			assert_true(a.offset >= acked_end[a.partition]);
			acked_end[a.partition] = a.offset + a.count;
			if (a.commit >= 0)
				last_commit = a.commit;
		}
		close(fds[0]);
		assert_ok(offlog_open(&f->env, f->path, NULL));
		for (int32_t p = 0; p < PARTS; p++)
			check_partition(f->env, p, acked_end[p]);
		offlog_committed c = OFFLOG_COMMITTED_INIT;
		assert_ok(offlog_group_committed(&c, f->env, "g", "t", 0));
		/* The last acknowledged commit is there (a later unacknowledged one may be too). */
		if (last_commit != OFFLOG_OFFSET_INVALID)
			assert_true(c.offset >= last_commit);
		assert_ok(offlog_close(f->env));
		f->env = NULL;
	}
	if (getenv("OFFLOG_TEST_VERBOSE"))
		fprintf(stderr, "acknowledged: %lld %lld %lld %lld records, last commit %lld\n",
		        (long long)acked_end[0], (long long)acked_end[1], (long long)acked_end[2],
		        (long long)acked_end[3], (long long)last_commit);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

/* One process appends while another consumes: the consumer sees every
 * record once, in order, with no gap. */
static void test_two_processes_append_and_consume(void **state)
{
	fx *f = *state;
	const int total = 300;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	pid_t pid = fork();
	if (pid == 0) {
		offlog_env *env;
		struct timespec ts = {0, 20 * 1000000L};
		nanosleep(&ts, NULL);
		/* The parent holds the store open: a child opens its own handle. */
		if (offlog_open(&env, f->path, NULL))
			_exit(2);
		for (int i = 0; i < total; i++) {
			char v[64];
			value_of(v, sizeof v, 0, i);
			offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
			if (offlog_append(NULL, NULL, env, "t", 0, &m))
				_exit(3);
		}
		_exit(offlog_close(env) ? 4 : 0);
	}
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	int64_t expect = 0;
	for (int spins = 0; expect < total && spins < 2000; spins++) {
		const offlog_record *r;
		size_t n;
		assert_ok(offlog_consumer_poll(&r, &n, c, 20));
		for (size_t i = 0; i < n; i++) {
			char want[64];
			assert_int_equal(r[i].offset, expect);
			value_of(want, sizeof want, 0, expect);
			assert_memory_equal(r[i].value, want, strlen(want));
			expect++;
		}
	}
	assert_int_equal(expect, total);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_ok(offlog_consumer_close(c));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_acknowledged_appends_survive_kill9),
		T(test_two_processes_append_and_consume),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

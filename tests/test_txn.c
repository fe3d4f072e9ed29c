/* test_txn.c - transactions: atomic appends and offset commits. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void make_topics(offlog_env *env)
{
	assert_ok(offlog_topic_create(env, "in", 1, NULL));
	assert_ok(offlog_topic_create(env, "out", 3, NULL));
}

static offlog_message msg(const char *v)
{
	offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
	return m;
}



struct peek {
	offlog_env *env;
	int64_t leo[3];
	int64_t committed;
};

/* Look at the store from another thread, as any reader would. */
static void *peek_main(void *arg)
{
	struct peek *pk = arg;
	for (int32_t p = 0; p < 3; p++)
		pk->leo[p] = leo_of(pk->env, "out", p);
	pk->committed = committed_of(pk->env, "g", "in", 0);
	return NULL;
}

static void peek(offlog_env *env, struct peek *pk)
{
	pthread_t th;
	pk->env = env;
	pthread_create(&th, NULL, peek_main, pk);
	pthread_join(th, NULL);
}

static void test_txn_appends_and_commits_appear_together(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 5);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	int64_t off;
	int32_t p;
	offlog_message m = msg("a");
	assert_ok(offlog_txn_append(&off, &p, x, "out", 0, &m));
	assert_int_equal(off, 0);
	assert_int_equal(p, 0);
	assert_ok(offlog_txn_append(&off, NULL, x, "out", 2, &m));
	assert_ok(offlog_txn_append(&off, NULL, x, "out", 2, &m));
	assert_int_equal(off, 1);
	offlog_partition_offset c = {"in", 0, 5, "done", 0};
	assert_ok(offlog_txn_commit_offsets(x, "g", &c, 1));
	struct peek before;
	peek(f->env, &before);
	assert_int_equal(before.leo[0], 0);
	assert_int_equal(before.leo[2], 0);
	assert_int_equal(before.committed, OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_txn_commit(x));
	struct peek after;
	peek(f->env, &after);
	assert_int_equal(after.leo[0], 1);
	assert_int_equal(after.leo[1], 0);
	assert_int_equal(after.leo[2], 2);
	assert_int_equal(after.committed, 5);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_group_committed(&cm, f->env, "g", "in", 0));
	assert_string_equal(cm.metadata, "done");
}

static void test_txn_abort_discards_everything(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 5);
	uint64_t before = store_digest(f->path);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("a");
	assert_ok(offlog_txn_append(NULL, NULL, x, "out", 1, &m));
	offlog_partition_offset c = {"in", 0, 3, NULL, 0};
	assert_ok(offlog_txn_commit_offsets(x, "g", &c, 1));
	offlog_txn_abort(x);
	offlog_txn_abort(NULL);
	assert_int_equal(store_digest(f->path), before);
	assert_int_equal(leo_of(f->env, "out", 1), 0);
	assert_int_equal(committed_of(f->env, "g", "in", 0), OFFLOG_OFFSET_INVALID);
}

static void test_txn_rejected_call_leaves_txn_usable(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("a");
	assert_ok(offlog_txn_append(NULL, NULL, x, "out", 0, &m));
	assert_code(offlog_txn_append(NULL, NULL, x, "nope", 0, &m), OFFLOG_ENOTOPIC);
	assert_code(offlog_txn_append(NULL, NULL, x, "out", 9, &m), OFFLOG_ENOPART);
	offlog_partition_offset c = {"in", 0, 99, NULL, 0};
	assert_code(offlog_txn_commit_offsets(x, "g", &c, 1), OFFLOG_ERANGE);
	assert_int_equal(c.err, OFFLOG_ERANGE);
	assert_code(offlog_txn_commit_offsets(x, "bad group", &c, 1), OFFLOG_ENAME);
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(leo_of(f->env, "out", 0), 1);
}

static void test_thread_with_open_txn_cannot_append_outside_it(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	offlog_txn *x, *y;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("a");
	assert_code(offlog_append(NULL, NULL, f->env, "out", 0, &m), OFFLOG_ETXN);
	assert_code(offlog_txn_begin(&y, f->env), OFFLOG_ETXN);
	assert_code(offlog_topic_create(f->env, "more", 1, NULL), OFFLOG_ETXN);
	assert_ok(offlog_txn_commit(x));
	assert_ok(offlog_append(NULL, NULL, f->env, "out", 0, &m));
	assert_code(offlog_txn_begin(NULL, f->env), OFFLOG_EINVAL);
	assert_code(offlog_txn_commit(NULL), OFFLOG_EINVAL);
}

struct other {
	offlog_txn *x;
	int rc;
};

static void *use_from_other_thread(void *arg)
{
	struct other *o = arg;
	offlog_message m = msg("a");
	o->rc = offlog_txn_append(NULL, NULL, o->x, "out", 0, &m);
	return NULL;
}

static void test_txn_is_used_only_by_its_thread(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	struct other o = {x, 0};
	pthread_t th;
	pthread_create(&th, NULL, use_from_other_thread, &o);
	pthread_join(th, NULL);
	assert_int_equal(o.rc, OFFLOG_ETXN);
	offlog_txn_abort(x);
}

struct appender {
	offlog_env *env;
	int64_t offset;
	int rc;
};

static void *append_main(void *arg)
{
	struct appender *a = arg;
	offlog_message m = msg("outside");
	a->rc = offlog_append(&a->offset, NULL, a->env, "out", 0, &m);
	return NULL;
}

static void test_other_writers_wait_for_the_txn(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	struct appender a = {f->env, -1, -1};
	pthread_t th;
	pthread_create(&th, NULL, append_main, &a);
	struct timespec ts = {0, 50 * 1000000L};
	nanosleep(&ts, NULL);
	offlog_message m = msg("inside");
	int64_t off;
	assert_ok(offlog_txn_append(&off, NULL, x, "out", 0, &m));
	assert_int_equal(off, 0);
	assert_ok(offlog_txn_commit(x));
	pthread_join(th, NULL);
	assert_ok(a.rc);
	assert_int_equal(a.offset, 1);
}

static void test_txn_commits_consumer_positions(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 4);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "in", 0);
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_consumer_poll(&r, &n, c, 100));
	assert_int_equal(n, 4);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	for (size_t i = 0; i < n; i++) {
		offlog_message m = {r[i].key, r[i].key_len, r[i].value, r[i].value_len,
		                    OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_txn_append(NULL, NULL, x, "out", 1, &m));
	}
	assert_ok(offlog_txn_commit_consumer(x, c));
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(committed_of(f->env, "g", "in", 0), 4);
	assert_int_equal(leo_of(f->env, "out", 1), 4);
	assert_ok(offlog_consumer_close(c));
	offlog_consumer *nogroup;
	assert_ok(offlog_consumer_open(&nogroup, f->env, NULL, NULL));
	assert_ok(offlog_txn_begin(&x, f->env));
	assert_code(offlog_txn_commit_consumer(x, nogroup), OFFLOG_ESTATE);
	offlog_txn_abort(x);
	assert_ok(offlog_consumer_close(nogroup));
}

/* ---- commits in a member's name ---------------------------------------- */

/* A member of group "g" subscribed to "in", polled until it owns in/0. */
static offlog_consumer *member_owning_in(offlog_env *env, uint32_t session_ms)
{
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.enable_auto_commit = 0;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.session_timeout_ms = session_ms;
	o.heartbeat_interval_ms = session_ms / 5;
	offlog_consumer *c = NULL;
	if (offlog_consumer_open(&c, env, "g", &o))
		return NULL;
	const char *topics[1] = {"in"};
	if (offlog_consumer_subscribe(c, topics, 1)) {
		offlog_consumer_close(c);
		return NULL;
	}
	int64_t deadline = mono_ms() + 10000;
	while (mono_ms() < deadline) {
		const offlog_record *r;
		const offlog_topic_partition *a;
		size_t n;
		if (offlog_consumer_poll(&r, &n, c, 50) || offlog_consumer_assignment(&a, &n, c))
			break;
		if (n == 1)
			return c;
	}
	offlog_consumer_close(c);
	return NULL;
}

typedef struct identity {
	char id[64];
	int64_t generation;
} identity;

static identity identity_of(offlog_consumer *c)
{
	identity who;
	const char *id;
	assert_ok(offlog_consumer_member(&id, &who.generation, c));
	assert_true(strlen(id) > 0 && strlen(id) < sizeof who.id);
	snprintf(who.id, sizeof who.id, "%s", id);
	return who;
}

/* Commit in/0 at `offset` in a transaction of its own, in who's name. */
static int commit_as(offlog_env *env, const identity *who, int64_t offset)
{
	offlog_txn *x;
	int rc = offlog_txn_begin(&x, env);
	if (rc)
		return rc;
	offlog_partition_offset e = {"in", 0, offset, NULL, -99};
	rc = offlog_txn_commit_offsets_member(x, "g", who->id, who->generation, &e, 1);
	if (e.err != rc)
		rc = OFFLOG_ECORRUPT;   /* the entry must carry the call's code */
	if (rc) {
		offlog_txn_abort(x);
		return rc;
	}
	return offlog_txn_commit(x);
}

/* Kafka's sendOffsetsToTransaction(offsets, groupMetadata): the current
 * member commits; its identity with another generation, for a partition it
 * does not own, or once it left the group, is fenced and writes nothing. */
static void test_txn_commit_in_a_members_name_is_fenced_once_it_left(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 10);
	offlog_consumer *c = member_owning_in(f->env, 10000);
	assert_non_null(c);
	identity who = identity_of(c);
	assert_true(who.generation >= 0);
	assert_ok(commit_as(f->env, &who, 3));
	assert_int_equal(committed_of(f->env, "g", "in", 0), 3);

	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("out");
	assert_ok(offlog_txn_append(NULL, NULL, x, "out", 0, &m));
	offlog_partition_offset e[2] = {{"in", 0, 4, NULL, 0}, {"out", 0, 0, NULL, 0}};
	/* Another generation: as Kafka's ILLEGAL_GENERATION. */
	assert_code(offlog_txn_commit_offsets_member(x, "g", who.id, who.generation + 1, e, 1),
	            OFFLOG_EFENCED);
	assert_int_equal(e[0].err, OFFLOG_EFENCED);
	/* A partition it does not own fences the whole call. */
	assert_code(offlog_txn_commit_offsets_member(x, "g", who.id, who.generation, e, 2),
	            OFFLOG_EFENCED);
	assert_int_equal(e[0].err, OFFLOG_EFENCED);
	assert_int_equal(e[1].err, OFFLOG_EFENCED);
	/* Another group knows no such member. */
	assert_code(offlog_txn_commit_offsets_member(x, "h", who.id, who.generation, e, 1),
	            OFFLOG_EFENCED);
	/* Bad arguments. */
	assert_code(offlog_txn_commit_offsets_member(x, "g", NULL, who.generation, e, 1),
	            OFFLOG_EINVAL);
	assert_code(offlog_txn_commit_offsets_member(x, "g", "", who.generation, e, 1),
	            OFFLOG_EINVAL);
	char longid[200];
	memset(longid, 'm', sizeof longid - 1);
	longid[sizeof longid - 1] = 0;
	assert_code(offlog_txn_commit_offsets_member(x, "g", longid, who.generation, e, 1),
	            OFFLOG_EINVAL);
	assert_code(offlog_txn_commit_offsets_member(x, "bad group", who.id, who.generation, e, 1),
	            OFFLOG_ENAME);
	assert_code(offlog_txn_commit_offsets_member(x, "g", who.id, INT64_MIN, e, 1), OFFLOG_EINVAL);
	assert_code(offlog_txn_commit_offsets_member(x, "g", who.id, who.generation, NULL, 1),
	            OFFLOG_EINVAL);
	assert_code(offlog_txn_commit_offsets_member(NULL, "g", who.id, who.generation, e, 1),
	            OFFLOG_EINVAL);
	/* The fenced calls left the transaction usable, and wrote nothing. */
	assert_ok(offlog_txn_commit_offsets_member(x, "g", who.id, who.generation, NULL, 0));
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(leo_of(f->env, "out", 0), 1);
	assert_int_equal(committed_of(f->env, "g", "in", 0), 3);

	/* Closed: a dynamic member leaves at once; its identity is a zombie's. */
	assert_ok(offlog_consumer_close(c));
	assert_code(commit_as(f->env, &who, 5), OFFLOG_EFENCED);
	assert_int_equal(committed_of(f->env, "g", "in", 0), 3);
	/* The name-only form is not fenced: it still commits. */
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_partition_offset any = {"in", 0, 6, NULL, 0};
	assert_ok(offlog_txn_commit_offsets(x, "g", &any, 1));
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(committed_of(f->env, "g", "in", 0), 6);
}

/* A member killed in another process: its identity commits while it is in
 * the group; once its session timed out and another member took its
 * partition, the identity is fenced. */
static void test_txn_commit_in_a_killed_members_name_is_fenced_after_its_session(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 10);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		offlog_env *env;
		if (offlog_open(&env, f->path, NULL))
			_exit(2);
		offlog_consumer *c = member_owning_in(env, 600);
		if (!c)
			_exit(3);
		identity who;
		const char *id;
		if (offlog_consumer_member(&id, &who.generation, c) || strlen(id) >= sizeof who.id)
			_exit(4);
		memset(who.id, 0, sizeof who.id);
		memcpy(who.id, id, strlen(id));
		if (write(fds[1], &who, sizeof who) != (ssize_t)sizeof who)
			_exit(5);
		for (;;)
			pause();
	}
	close(fds[1]);
	identity who;
	ssize_t got = read(fds[0], &who, sizeof who);
	close(fds[0]);
	int open_rc = offlog_open(&f->env, f->path, NULL);
	if (got != (ssize_t)sizeof who || open_rc) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		fail_msg("the member process did not report its identity, or open: %s",
		         offlog_errname(open_rc));
	}
	int alive_rc = commit_as(f->env, &who, 2);
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
	assert_ok(alive_rc);
	assert_int_equal(committed_of(f->env, "g", "in", 0), 2);
	/* Another member takes in/0 once the dead one's session expired. */
	offlog_consumer *c = member_owning_in(f->env, 10000);
	assert_non_null(c);
	assert_code(commit_as(f->env, &who, 7), OFFLOG_EFENCED);
	assert_int_equal(committed_of(f->env, "g", "in", 0), 2);
	identity now = identity_of(c);
	assert_ok(commit_as(f->env, &now, 8));
	assert_int_equal(committed_of(f->env, "g", "in", 0), 8);
	assert_ok(offlog_consumer_close(c));
}

/* The child writes one byte to fd when its transaction is (about to be)
 * committed or not, then waits to be killed. */
static void txn_child(const char *path, int fd, bool commit)
{
	offlog_env *env;
	offlog_txn *x;
	if (offlog_open(&env, path, NULL) || offlog_txn_begin(&x, env))
		_exit(2);
	offlog_message m = {NULL, 0, "payload", 7, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 100; i++)
		if (offlog_txn_append(NULL, NULL, x, "out", i % 3, &m))
			_exit(3);
	offlog_partition_offset c = {"in", 0, 5, NULL, 0};
	if (offlog_txn_commit_offsets(x, "g", &c, 1))
		_exit(4);
	if (commit && offlog_txn_commit(x))
		_exit(5);
	if (write(fd, "x", 1) != 1)
		_exit(6);
	for (;;)
		pause();
}

static void run_killed_txn(fx *f, bool commit)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		txn_child(f->path, fds[1], commit);
	}
	close(fds[1]);
	char b;
	assert_int_equal(read(fds[0], &b, 1), 1);
	close(fds[0]);
	kill(pid, SIGKILL);
	int status;
	waitpid(pid, &status, 0);
	assert_true(WIFSIGNALED(status));
}

static void test_killed_txn_leaves_nothing_and_committed_txn_everything(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 10);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	run_killed_txn(f, false);
	assert_ok(offlog_open(&f->env, f->path, NULL));
	for (int32_t p = 0; p < 3; p++)
		assert_int_equal(leo_of(f->env, "out", p), 0);
	assert_int_equal(committed_of(f->env, "g", "in", 0), OFFLOG_OFFSET_INVALID);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	run_killed_txn(f, true);
	assert_ok(offlog_open(&f->env, f->path, NULL));
	assert_int_equal(leo_of(f->env, "out", 0), 34);
	assert_int_equal(leo_of(f->env, "out", 1), 33);
	assert_int_equal(leo_of(f->env, "out", 2), 33);
	assert_int_equal(committed_of(f->env, "g", "in", 0), 5);
}

/* Kill at random moments: every time, either all of a transaction is there
 * or none of it. */
static void test_txn_is_all_or_nothing_under_random_kills(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	append_n(f->env, "in", 0, 1000);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int64_t expect = OFFLOG_OFFSET_INVALID;   /* nothing committed yet */
	srand(7);
	for (int round = 0; round < 8; round++) {
		assert_ok(offlog_open(&f->env, f->path, NULL));
		int64_t done_before = leo_of(f->env, "out", 0);
		assert_ok(offlog_close(f->env));
		f->env = NULL;
		pid_t pid = fork();
		if (pid == 0) {
			offlog_env *env;
			if (offlog_open(&env, f->path, NULL))
				_exit(2);
			for (int64_t k = 1;; k++) {
				offlog_txn *x;
				if (offlog_txn_begin(&x, env))
					_exit(3);
				offlog_message m = {NULL, 0, "p", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
				for (int32_t p = 0; p < 3; p++)
					if (offlog_txn_append(NULL, NULL, x, "out", p, &m))
						_exit(4);
				offlog_partition_offset c = {"in", 0, k % 1000, NULL, 0};
				if (offlog_txn_commit_offsets(x, "g", &c, 1))
					_exit(5);
				if (offlog_txn_commit(x))
					_exit(6);
			}
		}
		struct timespec ts = {0, (long)(rand() % 40 + 5) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		assert_ok(offlog_open(&f->env, f->path, NULL));
		/* Each transaction appends once to every partition. */
		int64_t a = leo_of(f->env, "out", 0);
		assert_int_equal(leo_of(f->env, "out", 1), a);
		assert_int_equal(leo_of(f->env, "out", 2), a);
		/* The offset committed with the k-th transaction is k % 1000, and
		 * the k-th transaction brought the log end offset to k. */
		if (a > done_before)
			expect = (a - done_before) % 1000;
		assert_int_equal(committed_of(f->env, "g", "in", 0), expect);
		assert_ok(offlog_close(f->env));
		f->env = NULL;
	}
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

static void *abort_from_other_thread(void *arg)
{
	offlog_txn_abort(arg);
	return NULL;
}

static void test_abort_from_another_thread_does_nothing(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("a");
	assert_ok(offlog_txn_append(NULL, NULL, x, "out", 0, &m));
	pthread_t th;
	pthread_create(&th, NULL, abort_from_other_thread, x);
	pthread_join(th, NULL);
	assert_ok(offlog_txn_append(NULL, NULL, x, "out", 0, &m));
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(leo_of(f->env, "out", 0), 2);
}

/* A transaction open on one store does not block writes to another. */
static void test_txn_on_one_store_leaves_another_writable(void **state)
{
	fx *f = *state;
	make_topics(f->env);
	char *dir = temp_dir();
	char path[600];
	snprintf(path, sizeof path, "%s/other", dir);
	offlog_env *other;
	assert_ok(offlog_open(&other, path, NULL));
	assert_ok(offlog_topic_create(other, "x", 1, NULL));
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = msg("a");
	assert_ok(offlog_append(NULL, NULL, other, "x", 0, &m));
	assert_code(offlog_append(NULL, NULL, f->env, "out", 0, &m), OFFLOG_ETXN);
	assert_ok(offlog_txn_commit(x));
	assert_ok(offlog_close(other));
	rm_rf(dir);
	free(dir);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_txn_appends_and_commits_appear_together),
		T(test_txn_abort_discards_everything),
		T(test_txn_rejected_call_leaves_txn_usable),
		T(test_thread_with_open_txn_cannot_append_outside_it),
		T(test_txn_is_used_only_by_its_thread),
		T(test_other_writers_wait_for_the_txn),
		T(test_txn_commits_consumer_positions),
		T(test_txn_commit_in_a_members_name_is_fenced_once_it_left),
		T(test_txn_commit_in_a_killed_members_name_is_fenced_after_its_session),
		T(test_killed_txn_leaves_nothing_and_committed_txn_everything),
		T(test_txn_is_all_or_nothing_under_random_kills),
		T(test_abort_from_another_thread_does_nothing),
		T(test_txn_on_one_store_leaves_another_writable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

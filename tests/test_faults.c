/* test_faults.c - a full disk and I/O errors during commits.
 *
 * The test binary defines write, pwrite, writev, fdatasync and fsync; the
 * dynamic linker binds LMDB's calls to these, which fail on demand and
 * otherwise pass through to libc. Every failing call must return a code,
 * change nothing visible, and leave a store that keeps working and reopens. */
/* The calls defined here must carry the names LMDB calls (pwrite, not
 * pwrite64), whatever the build's large-file setting. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include "helpers.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

enum { FAIL_NONE, FAIL_WRITES, FAIL_SYNC };
static volatile int fail_mode;
static volatile int fail_errno;
static volatile int failures;

static bool injected(int fd, int kind)
{
	/* Never the test's own output. */
	if (fd <= 2 || fail_mode != kind)
		return false;
	failures++;
	errno = fail_errno;
	return true;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite");
	return injected(fd, FAIL_WRITES) ? -1 : real(fd, buf, n, off);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	return injected(fd, FAIL_WRITES) ? -1 : real(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "writev");
	return injected(fd, FAIL_WRITES) ? -1 : real(fd, iov, cnt);
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	return injected(fd, FAIL_SYNC) ? -1 : real(fd);
}

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	return injected(fd, FAIL_SYNC) ? -1 : real(fd);
}

static void inject(int mode, int err)
{
	failures = 0;
	fail_errno = err;
	fail_mode = mode;
}

static void heal(void)
{
	fail_mode = FAIL_NONE;
}

static void expect_log(offlog_env *env, int64_t leo)
{
	int64_t ls, hw, end;
	assert_ok(offlog_watermarks_get(&ls, &hw, &end, env, "t", 0));
	assert_int_equal(end, leo);
	assert_int_equal(hw, leo);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, env, "t", 0, 0, 1000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal((int64_t)n, leo);
	for (size_t i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof want, "v%zu", i);
		assert_int_equal(r[i].offset, (int64_t)i);
		assert_memory_equal(r[i].value, want, strlen(want));
	}
	offlog_batch_free(b);
}

static void test_full_disk_fails_append_and_loses_nothing(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 5);
	offlog_message m = {NULL, 0, "v5", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	inject(FAIL_WRITES, ENOSPC);
	int rc = offlog_append(NULL, NULL, f->env, "t", 0, &m);
	heal();
	assert_code(rc, OFFLOG_ENOSPC);
	assert_true(failures > 0);
	expect_log(f->env, 5);
	/* The store keeps working once there is space again: no gap, no reuse. */
	int64_t off;
	assert_ok(offlog_append(&off, NULL, f->env, "t", 0, &m));
	assert_int_equal(off, 5);
	fx_reopen(f, NULL);
	expect_log(f->env, 6);
}

static void test_full_disk_fails_commit_and_keeps_the_old_offset(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 5);
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "g", NULL));
	offlog_partition_offset e = {"t", 0, 2, NULL, 0};
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	e.offset = 4;
	inject(FAIL_WRITES, ENOSPC);
	int rc = offlog_consumer_commit_offsets(c, &e, 1);
	heal();
	assert_code(rc, OFFLOG_ENOSPC);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 2);
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
	assert_ok(offlog_consumer_committed(&cm, c, "t", 0));
	assert_int_equal(cm.offset, 4);
	assert_ok(offlog_consumer_close(c));
}

static void test_full_disk_fails_topic_create(void **state)
{
	fx *f = *state;
	inject(FAIL_WRITES, ENOSPC);
	int rc = offlog_topic_create(f->env, "t", 4, NULL);
	heal();
	assert_code(rc, OFFLOG_ENOSPC);
	char **names;
	size_t n;
	assert_ok(offlog_topic_list(&names, &n, f->env));
	assert_int_equal(n, 0);
	offlog_names_free(names, n);
	assert_ok(offlog_topic_create(f->env, "t", 4, NULL));
}

static void test_failed_sync_is_not_acknowledged(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	offlog_message m = {NULL, 0, "v3", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	inject(FAIL_SYNC, EIO);
	int rc = offlog_append(NULL, NULL, f->env, "t", 0, &m);
	heal();
	assert_code(rc, OFFLOG_EIO);
	expect_log(f->env, 3);
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &m));
	fx_reopen(f, NULL);
	expect_log(f->env, 4);
}

static void test_failed_transaction_commit_leaves_nothing(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 2);
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_message m = {NULL, 0, "v2", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_txn_append(NULL, NULL, x, "t", 0, &m));
	offlog_partition_offset e = {"t", 0, 1, NULL, 0};
	assert_ok(offlog_txn_commit_offsets(x, "g", &e, 1));
	inject(FAIL_WRITES, ENOSPC);
	int rc = offlog_txn_commit(x);
	heal();
	assert_code(rc, OFFLOG_ENOSPC);
	expect_log(f->env, 2);
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_group_committed(&cm, f->env, "g", "t", 0));
	assert_int_equal(cm.offset, OFFLOG_OFFSET_INVALID);
	/* The thread may begin a new transaction. */
	assert_ok(offlog_txn_begin(&x, f->env));
	offlog_txn_abort(x);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_full_disk_fails_append_and_loses_nothing),
		T(test_full_disk_fails_commit_and_keeps_the_old_offset),
		T(test_full_disk_fails_topic_create),
		T(test_failed_sync_is_not_acknowledged),
		T(test_failed_transaction_commit_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_files.c - the store directory's files: never through a link, owned by
 * the directory's owner, modes exactly as asked, names made durable. */
#define _GNU_SOURCE 1
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- a record of the syncs the process makes -----------------------------
 * fsync and fdatasync are defined here, so the library's calls and LMDB's
 * come to these: each notes which file it synced, then makes the system
 * call. */

#define SYNCS_MAX 256
static struct {
	dev_t dev;
	ino_t ino;
} syncs[SYNCS_MAX];
static int nsyncs;

static void note_sync(int fd)
{
	struct stat st;
	if (nsyncs < SYNCS_MAX && fstat(fd, &st) == 0) {
		syncs[nsyncs].dev = st.st_dev;
		syncs[nsyncs].ino = st.st_ino;
		nsyncs++;
	}
}

int fsync(int fd)
{
	note_sync(fd);
	return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
	note_sync(fd);
	return (int)syscall(SYS_fdatasync, fd);
}

/* The index of the first sync of path's file at or after `from`, or -1. */
static int sync_of(const char *path, int from)
{
	struct stat st;
	if (from < 0 || stat(path, &st) != 0)
		return -1;
	for (int i = from; i < nsyncs; i++)
		if (syncs[i].dev == st.st_dev && syncs[i].ino == st.st_ino)
			return i;
	return -1;
}

/* data synced, then after it the directory, then after that the parent. */
static void check_sync_order(const char *what, const char *data, const char *dir,
                             const char *parent)
{
	int d = sync_of(data, 0), s = sync_of(dir, d + 1), p = sync_of(parent, s + 1);
	if (d < 0 || s < 0 || p < 0)
		fail_msg("%s: data.mdb synced at %d, then its directory at %d, then the parent at %d",
		         what, d, s, p);
}

/* ---- helpers -------------------------------------------------------------- */

static char *join(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 2);
	sprintf(p, "%s/%s", a, b);
	return p;
}

static void put_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static bool file_is(const char *path, const char *text)
{
	char buf[256] = {0};
	FILE *fp = fopen(path, "r");
	if (!fp)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	return n == strlen(text) && memcmp(buf, text, n) == 0;
}

/* A store with one record, closed. */
static void make_store(const char *path)
{
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	assert_int_equal(append_str(env, "t", 0, NULL, "kept"), 0);
	assert_ok(offlog_close(env));
}

static int64_t leo_after_reopen(const char *path)
{
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	int64_t leo = leo_of(env, "t", 0);
	assert_ok(offlog_close(env));
	return leo;
}

/* ---- links ---------------------------------------------------------------- */

/* A lock.mdb planted as a link to another file: the open refuses, and the
 * file it points to is not touched (LMDB would truncate it). */
static void test_symlinked_lock_file_is_refused_and_its_target_untouched(void **state)
{
	(void)state;
	char *dir = temp_dir(), *store = join(dir, "s"), *lock = join(store, "lock.mdb"),
	     *victim = join(dir, "victim");
	make_store(store);
	put_file(victim, "precious");
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(symlink(victim, lock), 0);

	offlog_env *env = NULL;
	assert_code(offlog_open(&env, store, NULL), OFFLOG_EPERM);
	assert_non_null(strstr(offlog_errmsg(), "symbolic link"));
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_READONLY;
	assert_code(offlog_open(&env, store, &o), OFFLOG_EPERM);
	o.flags = OFFLOG_OPEN_INSECURE;
	assert_code(offlog_open(&env, store, &o), OFFLOG_EPERM);
	assert_true(file_is(victim, "precious"));

	/* Put back, the store is as it was. */
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(leo_after_reopen(store), 1);
	free(victim);
	free(lock);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* data.mdb as a link to another store's data file: refused, and that store
 * is not written to. */
static void test_symlinked_data_file_is_refused_and_its_target_untouched(void **state)
{
	(void)state;
	char *dir = temp_dir(), *a = join(dir, "a"), *b = join(dir, "b");
	char *a_data = join(a, "data.mdb"), *b_data = join(b, "data.mdb");
	make_store(a);
	make_store(b);
	uint64_t before = store_digest(a);
	assert_int_equal(unlink(b_data), 0);
	assert_int_equal(symlink(a_data, b_data), 0);

	offlog_env *env = NULL;
	assert_code(offlog_open(&env, b, NULL), OFFLOG_EPERM);
	assert_non_null(strstr(offlog_errmsg(), "data.mdb"));
	assert_true(store_digest(a) == before);
	free(a_data);
	free(b_data);
	free(a);
	free(b);
	rm_rf(dir);
	free(dir);
}

/* A hard link is no safer than a symbolic one: writing through it changes
 * the other name's file. */
static void test_hard_linked_store_file_is_refused(void **state)
{
	(void)state;
	char *dir = temp_dir(), *store = join(dir, "s"), *lock = join(store, "lock.mdb"),
	     *victim = join(dir, "victim");
	make_store(store);
	put_file(victim, "precious");
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(link(victim, lock), 0);
	offlog_env *env = NULL;
	assert_code(offlog_open(&env, store, NULL), OFFLOG_EPERM);
	assert_non_null(strstr(offlog_errmsg(), "links"));
	assert_true(file_is(victim, "precious"));
	free(victim);
	free(lock);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* A wake file planted as a link is not followed either: the store opens
 * (the wake page is optional) and the link's target is untouched. */
static void test_symlinked_wake_file_is_not_followed(void **state)
{
	(void)state;
	char *dir = temp_dir(), *store = join(dir, "s"), *wake = join(store, "offlog.wake"),
	     *victim = join(dir, "victim");
	make_store(store);
	put_file(victim, "precious");
	assert_int_equal(unlink(wake), 0);
	assert_int_equal(symlink(victim, wake), 0);
	assert_int_equal(leo_after_reopen(store), 1);
	assert_true(file_is(victim, "precious"));
	free(victim);
	free(wake);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* ---- owners (as root: the tests give files to another user) --------------- */

#define OTHER_UID 54321
#define OTHER_GID 54322

/* A store file that belongs to neither the directory's owner nor the user
 * opening it was put there by someone else: refused. */
static void test_store_file_of_a_third_user_is_refused(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char *dir = temp_dir(), *store = join(dir, "s"), *lock = join(store, "lock.mdb");
	make_store(store);
	assert_int_equal(chown(lock, OTHER_UID, OTHER_GID), 0);
	offlog_env *env = NULL;
	assert_code(offlog_open(&env, store, NULL), OFFLOG_EPERM);
	assert_non_null(strstr(offlog_errmsg(), "belongs to uid"));
	/* Owned by the directory's owner, it is accepted. */
	assert_int_equal(chown(lock, 0, 0), 0);
	assert_int_equal(leo_after_reopen(store), 1);
	free(lock);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* Root opening a user's store (a check by an administrator) gives the
 * files it creates to the store's owner, so the owner is not locked out. */
static void test_files_root_creates_belong_to_the_directory_owner(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char *dir = temp_dir(), *store = join(dir, "s");
	char *lock = join(store, "lock.mdb"), *wake = join(store, "offlog.wake"),
	     *data = join(store, "data.mdb");
	make_store(store);
	assert_int_equal(chown(store, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(chown(data, OTHER_UID, OTHER_GID), 0);
	assert_int_equal(unlink(lock), 0);
	assert_int_equal(unlink(wake), 0);

	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_READONLY;
	assert_ok(offlog_open(&env, store, &o));
	assert_ok(offlog_close(env));
	struct stat st;
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_uid, OTHER_UID);
	assert_int_equal(st.st_gid, OTHER_GID);

	assert_int_equal(unlink(lock), 0);
	assert_ok(offlog_open(&env, store, NULL));
	assert_ok(offlog_close(env));
	assert_int_equal(stat(lock, &st), 0);
	assert_int_equal(st.st_uid, OTHER_UID);
	assert_int_equal(stat(wake, &st), 0);
	assert_int_equal(st.st_uid, OTHER_UID);
	assert_int_equal(st.st_gid, OTHER_GID);

	/* A new store in a directory the user made is the user's too. */
	char *fresh = join(dir, "fresh");
	assert_int_equal(mkdir(fresh, 0700), 0);
	assert_int_equal(chown(fresh, OTHER_UID, OTHER_GID), 0);
	char *fresh_data = join(fresh, "data.mdb");
	assert_ok(offlog_open(&env, fresh, NULL));
	assert_ok(offlog_close(env));
	assert_int_equal(stat(fresh_data, &st), 0);
	assert_int_equal(st.st_uid, OTHER_UID);
	free(fresh_data);
	free(fresh);
	free(lock);
	free(wake);
	free(data);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* ---- modes and durability --------------------------------------------------- */

/* file_mode is applied as given, whatever the process's umask. */
static void test_file_mode_is_applied_exactly_whatever_the_umask(void **state)
{
	(void)state;
	char *dir = temp_dir(), *store = join(dir, "s");
	mode_t old = umask(077);
	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.file_mode = 0660;
	int rc = offlog_open(&env, store, &o);
	umask(old);
	assert_ok(rc);
	assert_ok(offlog_close(env));
	const char *names[] = {"data.mdb", "lock.mdb", "offlog.wake"};
	struct stat st;
	for (size_t i = 0; i < 3; i++) {
		char *p = join(store, names[i]);
		assert_int_equal(stat(p, &st), 0);
		if ((st.st_mode & 0777) != 0660)
			fail_msg("%s has mode 0%o, asked 0660", names[i], st.st_mode & 0777);
		free(p);
	}
	assert_int_equal(stat(store, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0770);
	free(store);
	rm_rf(dir);
	free(dir);
}

/* A new store survives a power loss only if the names leading to it do:
 * its data file is synced, then the store directory, then the directory
 * holding it (which got a new entry). */
static void test_new_store_names_are_made_durable_in_order(void **state)
{
	(void)state;
	int modes[] = {OFFLOG_DURABILITY_SYNC, OFFLOG_DURABILITY_NOMETASYNC,
	               OFFLOG_DURABILITY_ASYNC};
	for (size_t i = 0; i < 3; i++) {
		char *dir = temp_dir(), *store = join(dir, "s"), *data = join(store, "data.mdb");
		offlog_env *env;
		offlog_options o = OFFLOG_OPTIONS_INIT;
		o.durability = modes[i];
		nsyncs = 0;
		assert_ok(offlog_open(&env, store, &o));
		check_sync_order(modes[i] == OFFLOG_DURABILITY_SYNC ? "SYNC" : "a deferred mode", data,
		                 store, dir);
		assert_ok(offlog_close(env));
		free(data);
		free(store);
		rm_rf(dir);
		free(dir);
	}
}

/* The same for a backup's copy. */
static void test_backup_names_are_made_durable_in_order(void **state)
{
	fx *f = *state;
	char *dir = temp_dir(), *copy = join(dir, "copy"), *data = join(copy, "data.mdb");
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	nsyncs = 0;
	assert_ok(offlog_backup(f->env, copy));
	check_sync_order("backup", data, copy, dir);
	assert_int_equal(leo_after_reopen(copy), 3);
	free(data);
	free(copy);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symlinked_lock_file_is_refused_and_its_target_untouched),
		cmocka_unit_test(test_symlinked_data_file_is_refused_and_its_target_untouched),
		cmocka_unit_test(test_hard_linked_store_file_is_refused),
		cmocka_unit_test(test_symlinked_wake_file_is_not_followed),
		cmocka_unit_test(test_store_file_of_a_third_user_is_refused),
		cmocka_unit_test(test_files_root_creates_belong_to_the_directory_owner),
		cmocka_unit_test(test_file_mode_is_applied_exactly_whatever_the_umask),
		cmocka_unit_test(test_new_store_names_are_made_durable_in_order),
		cmocka_unit_test_setup_teardown(test_backup_names_are_made_durable_in_order, fx_setup,
		                                fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

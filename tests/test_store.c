/* test_store.c - opening, closing, refusing what is not a store, map growth. */
#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "verify.h"

#include <fcntl.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char *mkpath(const char *dir, const char *name)
{
	char *p = malloc(strlen(dir) + strlen(name) + 2);
	sprintf(p, "%s/%s", dir, name);
	return p;
}

static bool exists(const char *dir, const char *name)
{
	char *p = mkpath(dir, name);
	bool e = access(p, F_OK) == 0;
	free(p);
	return e;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	if (n)
		assert_int_equal(fwrite(data, 1, n, fp), n);
	fclose(fp);
}

static void test_open_creates_store_with_private_modes(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	char *data = mkpath(path, "data.mdb");
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_ok(offlog_close(env));
	free(data);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_open_honours_file_mode(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.file_mode = 0640;
	mode_t old = umask(0);
	offlog_env *env;
	assert_ok(offlog_open(&env, path, &o));
	umask(old);
	struct stat st;
	char *data = mkpath(path, "data.mdb");
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0750);
	assert_ok(offlog_close(env));
	free(data);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_reopen_keeps_records(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	append_n(f->env, "t", 1, 5);
	fx_reopen(f, NULL);
	int64_t ls, hw, leo;
	assert_ok(offlog_watermarks_get(&ls, &hw, &leo, f->env, "t", 1));
	assert_int_equal(ls, 0);
	assert_int_equal(hw, 5);
	assert_int_equal(leo, 5);
	assert_int_equal(append_str(f->env, "t", 1, NULL, "next"), 5);
}

static void test_open_rejects_bad_arguments(void **state)
{
	(void)state;
	offlog_env *env;
	assert_code(offlog_open(NULL, "/tmp/x", NULL), OFFLOG_EINVAL);
	assert_code(offlog_open(&env, NULL, NULL), OFFLOG_EINVAL);
	assert_code(offlog_open(&env, "", NULL), OFFLOG_EINVAL);
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.version = 0;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	o.version = 99;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	offlog_options_init(&o);
	o.durability = 7;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	offlog_options_init(&o);
	o.flags = 0x100;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	offlog_options_init(&o);
	o.file_mode = 01777;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	offlog_options_init(&o);
	o.map_size = 1000;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	assert_code(offlog_options_init(NULL), OFFLOG_EINVAL);
	/* None of the failed opens created anything. */
	assert_false(exists(dir, "s"));
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_regular_file_is_not_a_store(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "file");
	write_file(path, "hello", 5);
	offlog_env *env;
	assert_code(offlog_open(&env, path, NULL), OFFLOG_ENOTSTORE);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 5);
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_empty_data_file_is_not_a_store_and_stays_empty(void **state)
{
	(void)state;
	char *dir = temp_dir(), *data = mkpath(dir, "data.mdb");
	write_file(data, "", 0);
	offlog_env *env;
	assert_code(offlog_open(&env, dir, NULL), OFFLOG_ENOTSTORE);
	assert_non_null(strstr(offlog_errmsg(), "empty"));
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_false(exists(dir, "lock.mdb"));
	free(data);
	rm_rf(dir);
	free(dir);
}

static void test_random_bytes_are_not_a_store(void **state)
{
	(void)state;
	char *dir = temp_dir(), *data = mkpath(dir, "data.mdb");
	unsigned char junk[8192];
	srand(42);
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)rand();
	write_file(data, junk, sizeof junk);
	uint64_t before = store_digest(dir);
	offlog_env *env;
	assert_code(offlog_open(&env, dir, NULL), OFFLOG_ENOTSTORE);
	assert_int_equal(store_digest(dir), before);
	assert_false(exists(dir, "lock.mdb"));
	free(data);
	rm_rf(dir);
	free(dir);
}

static void test_foreign_lmdb_is_not_a_store_and_is_untouched(void **state)
{
	(void)state;
	char *dir = temp_dir();
	MDB_env *menv;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&menv), 0);
	assert_int_equal(mdb_env_open(menv, dir, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(menv, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	MDB_val k = {3, "key"}, v = {5, "value"};
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(menv);
	uint64_t before = store_digest(dir);
	offlog_env *env;
	assert_code(offlog_open(&env, dir, NULL), OFFLOG_ENOTSTORE);
	assert_int_equal(store_digest(dir), before);
	rm_rf(dir);
	free(dir);
}

static void test_non_empty_directory_without_store_is_refused(void **state)
{
	(void)state;
	char *dir = temp_dir(), *other = mkpath(dir, "notes.txt");
	write_file(other, "mine", 4);
	offlog_env *env;
	assert_code(offlog_open(&env, dir, NULL), OFFLOG_ENOTSTORE);
	assert_false(exists(dir, "data.mdb"));
	assert_false(exists(dir, "lock.mdb"));
	free(other);
	rm_rf(dir);
	free(dir);
}

static void set_format(const char *path, uint32_t fmt)
{
	MDB_env *menv;
	MDB_txn *txn;
	MDB_dbi dbi;
	assert_int_equal(mdb_env_create(&menv), 0);
	assert_int_equal(mdb_env_set_maxdbs(menv, 16), 0);
	assert_int_equal(mdb_env_open(menv, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(menv, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	unsigned char b[4] = {(unsigned char)(fmt >> 24), (unsigned char)(fmt >> 16),
	                      (unsigned char)(fmt >> 8), (unsigned char)fmt};
	MDB_val k = {6, "format"}, v = {4, b};
	assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(menv);
}

static void test_newer_format_is_refused_and_untouched(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	set_format(f->path, OFFLOG_FORMAT_VERSION + 1);
	uint64_t before = store_digest(f->path);
	assert_code(offlog_open(&f->env, f->path, NULL), OFFLOG_EVERSION);
	assert_null(f->env);
	assert_int_equal(store_digest(f->path), before);
	set_format(f->path, OFFLOG_FORMAT_VERSION);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

static void test_nocreate_and_readonly_do_not_create(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_options o = OFFLOG_OPTIONS_INIT;
	offlog_env *env;
	o.flags = OFFLOG_OPEN_NOCREATE;
	assert_code(offlog_open(&env, path, &o), OFFLOG_ENOENT);
	o.flags = OFFLOG_OPEN_READONLY;
	assert_code(offlog_open(&env, path, &o), OFFLOG_ENOENT);
	assert_false(exists(dir, "s"));
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_readonly_store_refuses_writes_and_reads(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 3);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_READONLY;
	fx_reopen(f, &o);
	uint64_t before = store_digest(f->path);
	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EREADONLY);
	assert_code(offlog_topic_create(f->env, "u", 1, NULL), OFFLOG_EREADONLY);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal(n, 3);
	offlog_batch_free(b);
	offlog_store_info info = OFFLOG_STORE_INFO_INIT;
	assert_ok(offlog_store_stat(&info, f->env));
	assert_int_equal(info.read_only, 1);
	assert_int_equal(store_digest(f->path), before);
}

static void test_second_open_in_process_is_busy(void **state)
{
	fx *f = *state;
	offlog_env *env2 = NULL;
	assert_code(offlog_open(&env2, f->path, NULL), OFFLOG_EBUSY);
	assert_null(env2);
	/* The first handle still works. */
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
}

static void test_close_with_open_consumer_is_busy(void **state)
{
	fx *f = *state;
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "g", NULL));
	assert_code(offlog_close(f->env), OFFLOG_EBUSY);
	assert_ok(offlog_consumer_close(c));
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	assert_ok(offlog_close(NULL));
}

static void test_map_grows_when_full(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.map_size = 64 << 10;
	offlog_env *env;
	assert_ok(offlog_open(&env, path, &o));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	char value[4000];
	memset(value, 'x', sizeof value);
	offlog_message m = {NULL, 0, value, sizeof value, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 1000; i++) {
		int64_t off;
		assert_ok(offlog_append(&off, NULL, env, "t", 0, &m));
		assert_int_equal(off, i);
	}
	offlog_store_info info = OFFLOG_STORE_INFO_INIT;
	assert_ok(offlog_store_stat(&info, env));
	assert_true(info.map_size >= 4000u * 1000u);
	assert_true(info.map_used <= info.map_size);
	assert_ok(offlog_close(env));
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_max_map_size_gives_mapfull_and_keeps_acked_records(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.map_size = 64 << 10;
	o.max_map_size = 256 << 10;
	offlog_env *env;
	assert_ok(offlog_open(&env, path, &o));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	char value[2000];
	memset(value, 'y', sizeof value);
	offlog_message m = {NULL, 0, value, sizeof value, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int64_t acked = 0;
	int rc = 0;
	for (int i = 0; i < 1000 && rc == 0; i++) {
		rc = offlog_append(NULL, NULL, env, "t", 0, &m);
		if (rc == 0)
			acked++;
	}
	assert_code(rc, OFFLOG_EMAPFULL);
	assert_true(acked > 10);
	int64_t leo;
	assert_ok(offlog_watermarks_get(NULL, NULL, &leo, env, "t", 0));
	assert_int_equal(leo, acked);
	assert_ok(offlog_close(env));
	assert_ok(offlog_open(&env, path, &o));
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t next;
	assert_ok(offlog_fetch(&b, env, "t", 0, 0, 100000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal(n, (size_t)acked);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].offset, (int64_t)i);
		assert_int_equal(r[i].value_len, sizeof value);
		assert_memory_equal(r[i].value, value, sizeof value);
	}
	offlog_batch_free(b);
	assert_ok(offlog_close(env));
	free(path);
	rm_rf(dir);
	free(dir);
}

static void test_store_stat_reports_the_store(void **state)
{
	fx *f = *state;
	offlog_store_info info;
	memset(&info, 0x5a, sizeof info);   /* every field is written */
	info.version = OFFLOG_STORE_INFO_VERSION;
	assert_ok(offlog_store_stat(&info, f->env));
	assert_int_equal(info.version, OFFLOG_STORE_INFO_VERSION);
	assert_true(info.page_size >= 4096);
	assert_int_equal(info.format_version, OFFLOG_FORMAT_VERSION);
	assert_int_equal(info.durability, OFFLOG_DURABILITY_SYNC);
	assert_int_equal(info.max_readers, 256);
	assert_true(info.readers_used < info.max_readers);
	assert_int_equal(info.read_only, 0);
	assert_true(info.map_used > 0 && info.map_size >= info.map_used);
	assert_code(offlog_store_stat(NULL, f->env), OFFLOG_EINVAL);
}

/* Version 0 is a struct nobody initialised, a larger one a newer header's,
 * which may have fields this library cannot fill: both are refused, and the
 * struct is left exactly as it was. */
static void test_store_stat_refuses_version_0_and_newer_untouched(void **state)
{
	fx *f = *state;
	const unsigned bad[] = {0, OFFLOG_STORE_INFO_VERSION + 1, 7};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		offlog_store_info info, was;
		memset(&info, 0x5a, sizeof info);
		info.version = bad[i];
		info.page_size = 12345;   /* a sentinel a fill would overwrite */
		memcpy(&was, &info, sizeof was);
		assert_code(offlog_store_stat(&info, f->env), OFFLOG_EINVAL);
		assert_int_equal(info.page_size, 12345);
		assert_memory_equal(&info, &was, sizeof info);
		char want[64];
		snprintf(want, sizeof want, "offlog_store_info.version %u is not supported", bad[i]);
		if (!strstr(offlog_errmsg(), want))
			fail_msg("detail \"%s\" lacks \"%s\"", offlog_errmsg(), want);
	}
}

static void test_flush_in_sync_mode_succeeds(void **state)
{
	fx *f = *state;
	assert_ok(offlog_flush(f->env));
	assert_code(offlog_flush(NULL), OFFLOG_EINVAL);
}

/* Read or write `n` bytes of the data file at `off`. */
static void file_io(const char *dir, long off, void *buf, size_t n, bool write)
{
	char data[700];
	snprintf(data, sizeof data, "%s/data.mdb", dir);
	FILE *fp = fopen(data, "r+b");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_equal(write ? fwrite(buf, 1, n, fp) : fread(buf, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

/* LMDB's two meta pages (4 KiB pages, laid out as internal.h says): which
 * one is current. */
#define META_FREE_DB LMDB_META_DBS
#define META_MAIN_DB (LMDB_META_DBS + LMDB_DB_SIZE)
static int read_metas(const char *dir, uint8_t meta[2][LMDB_META_END])
{
	file_io(dir, 0, meta[0], LMDB_META_END, false);
	file_io(dir, 4096, meta[1], LMDB_META_END, false);
	return ol_get_word(meta[1] + LMDB_META_TXNID) > ol_get_word(meta[0] + LMDB_META_TXNID);
}

/* Topic "t" with 5 records, the store closed. */
static void five_records_closed(fx *f)
{
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 5);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
}

/* OFFLOG_OPEN_VERIFY opens a good store, and refuses one whose pages were
 * damaged without crashing or changing it. */
static void test_verify_open_accepts_good_and_refuses_damaged_pages(void **state)
{
	fx *f = *state;
	char big[3000];
	memset(big, 'b', sizeof big);
	assert_ok(offlog_topic_create(f->env, "t", 3, NULL));
	for (int i = 0; i < 3000; i++) {
		offlog_message m = {"k", 1, big, (size_t)(i % 9 == 0 ? sizeof big : 40),
		                    OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_append(NULL, NULL, f->env, "t", i % 3, &m));
	}
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 500));
	assert_ok(offlog_maintain(f->env, 0, NULL));
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 1);
	commit_one(c, "t", 1, 7);
	assert_ok(offlog_consumer_close(c));
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_VERIFY;
	fx_reopen(f, &o);
	assert_int_equal(leo_of(f->env, "t", 2), 1000);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	/* Every page past the meta pages gets a wrong page number. */
	char data[700];
	snprintf(data, sizeof data, "%s/data.mdb", f->path);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	uint8_t wrong[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
	for (long off = 2 * 4096; off + 8 <= st.st_size; off += 4096)
		file_io(f->path, off, wrong, 8, true);
	uint64_t digest = store_digest(f->path);
	offlog_env *env = NULL;
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "damaged"));
	assert_true(store_digest(f->path) == digest);
}

/* What LMDB would misread is refused, the file unchanged: a current meta
 * page whose transaction id has the other page's parity (LMDB picks the
 * meta page by parity: refused by every open); with the structural check, a
 * tree page marked dirty (LMDB would write to it in place) and a free list
 * record keyed 0. */
static void test_open_refuses_what_lmdb_would_misread(void **state)
{
	fx *f = *state;
	five_records_closed(f);
	uint8_t meta[2][LMDB_META_END];
	int cur = read_metas(f->path, meta);
	assert_int_equal(ol_get_word(meta[cur] + LMDB_META_TXNID) & 1, (uint64_t)cur);
	size_t txnid = (size_t)ol_get_word(meta[cur] + LMDB_META_TXNID), odd = txnid + 1;
	/* the newest still, of the other parity */
	file_io(f->path, (long)cur * 4096 + LMDB_META_TXNID, &odd, sizeof odd, true);
	uint64_t digest = store_digest(f->path);
	offlog_env *env = NULL;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "meta"));
	assert_true(store_digest(f->path) == digest);
	file_io(f->path, (long)cur * 4096 + LMDB_META_TXNID, &txnid, sizeof txnid, true);
	/* The main table's root page: P_DIRTY (0x10) added to its flags. */
	long root = (long)ol_get_word(meta[cur] + META_MAIN_DB + LMDB_DB_ROOT);
	uint16_t flags;
	file_io(f->path, root * 4096 + LMDB_PAGE_FLAGS, &flags, 2, false);
	flags |= 0x10;
	file_io(f->path, root * 4096 + LMDB_PAGE_FLAGS, &flags, 2, true);
	digest = store_digest(f->path);
	o.flags = OFFLOG_OPEN_VERIFY;
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "not a tree page"));
	assert_true(store_digest(f->path) == digest);
	flags &= (uint16_t)~0x10;
	file_io(f->path, root * 4096 + LMDB_PAGE_FLAGS, &flags, 2, true);
	/* A free list record keyed 0 (LMDB would hand its pages out twice):
	 * the free list's root is a leaf here; its first node's key, a
	 * transaction id, follows the node's 8-byte header. */
	uint16_t depth, ptr;
	size_t key, zero = 0;
	file_io(f->path, (long)cur * 4096 + META_FREE_DB + 6, &depth, 2, false);
	assert_int_equal(depth, 1);
	long froot = (long)ol_get_word(meta[cur] + META_FREE_DB + LMDB_DB_ROOT);
	file_io(f->path, froot * 4096 + LMDB_PAGEHDR, &ptr, 2, false);
	long kpos = froot * 4096 + ptr + 8;
	file_io(f->path, kpos, &key, sizeof key, false);
	assert_true(key > 0);
	file_io(f->path, kpos, &zero, sizeof zero, true);
	digest = store_digest(f->path);
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "free list"));
	assert_true(store_digest(f->path) == digest);
	file_io(f->path, kpos, &key, sizeof key, true);
	fx_reopen(f, &o);
	assert_int_equal(leo_of(f->env, "t", 0), 5);
}

/* LMDB leaves a page it allocated and freed in one transaction unwritten,
 * so a sound file can end before its meta page's last page: such a store
 * opens, with and without the structural check. Cut short, the same file is
 * refused: its pages in use are past the end. */
static void test_open_accepts_free_pages_past_the_end_not_a_cut(void **state)
{
	fx *f = *state;
	five_records_closed(f);
	/* Through LMDB itself: 100 KiB put and deleted in one transaction. */
	MDB_env *e;
	MDB_txn *t;
	MDB_dbi d;
	static char big[100 * 1024];
	MDB_val k = {7, "scratch"}, v = {sizeof big, big};
	assert_int_equal(mdb_env_create(&e), 0);
	assert_int_equal(mdb_env_set_maxdbs(e, 16), 0);
	assert_int_equal(mdb_env_open(e, f->path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(e, NULL, 0, &t), 0);
	assert_int_equal(mdb_dbi_open(t, "meta", 0, &d), 0);
	assert_int_equal(mdb_put(t, d, &k, &v, 0), 0);
	assert_int_equal(mdb_del(t, d, &k, NULL), 0);
	assert_int_equal(mdb_txn_commit(t), 0);
	mdb_env_close(e);
	uint8_t meta[2][LMDB_META_END];
	int cur = read_metas(f->path, meta);
	uint64_t last = ol_get_word(meta[cur] + LMDB_META_LAST);
	char data[700];
	snprintf(data, sizeof data, "%s/data.mdb", f->path);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	assert_true((uint64_t)st.st_size / 4096 <= last);   /* the case at hand */
	fx_reopen(f, NULL);
	assert_int_equal(leo_of(f->env, "t", 0), 5);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_VERIFY;
	fx_reopen(f, &o);
	assert_int_equal(leo_of(f->env, "t", 0), 5);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	/* Cut to its first half. */
	assert_int_equal(truncate(data, st.st_size / 2 / 4096 * 4096), 0);
	uint64_t digest = store_digest(f->path);
	offlog_env *env = NULL;
	offlog_options plain = OFFLOG_OPTIONS_INIT;
	assert_code(offlog_open(&env, f->path, &plain), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "damaged"));
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_true(store_digest(f->path) == digest);
}

/* OFFLOG_OPEN_VERIFY beside another process that appends and trims all the
 * time: the snapshot checked is pinned, so its pages are never reused under
 * the check and a sound store is never reported damaged. */
static void test_verify_open_beside_a_live_writer(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.retention_bytes = 256 * 1024;
	assert_ok(offlog_topic_create(f->env, "t", 4, &cfg));
	static char v[700];
	for (int i = 0; i < 2000; i++) {
		offlog_message m = {"k", 1, v, sizeof v, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_append(NULL, NULL, f->env, "t", i % 4, &m));
	}
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int ready[2];
	assert_int_equal(pipe(ready), 0);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(60);   /* never outlives a parent that failed */
		offlog_options o = OFFLOG_OPTIONS_INIT;
		o.durability = OFFLOG_DURABILITY_ASYNC;
		offlog_env *env;
		if (offlog_open(&env, f->path, &o) != 0)
			_exit(1);
		offlog_message m[50];
		for (int j = 0; j < 50; j++)
			m[j] = (offlog_message){"k", 1, v, sizeof v, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		for (long i = 0;; i++) {
			if (offlog_append_batch(NULL, NULL, env, "t", (int32_t)(i % 4), m, 50) != 0 ||
			    (i % 8 == 0 && offlog_flush(env) != 0))
				_exit(1);
			if (i == 20 && write(ready[1], "r", 1) != 1)
				_exit(1);
		}
	}
	char c;
	close(ready[1]);   /* a writer that failed closes the pipe: the read ends */
	assert_int_equal(read(ready[0], &c, 1), 1);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_VERIFY | OFFLOG_OPEN_READONLY;
	int failed = 0;
	for (int i = 0; i < 40; i++) {
		offlog_env *env;
		int rc = offlog_open(&env, f->path, &o);
		if (rc != 0) {
			if (failed++ == 0)
				print_message("verified open %d: %s: %s\n", i, offlog_errname(rc),
				              offlog_errmsg());
			continue;
		}
		assert_ok(offlog_close(env));
	}
	int status;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));   /* the writer ran until killed */
	close(ready[0]);
	assert_int_equal(failed, 0);
}

static void test_error_codes_have_distinct_names_and_texts(void **state)
{
	(void)state;
	for (int a = OFFLOG_EPLATFORM; a <= 0; a++) {   /* the last code */
		assert_string_not_equal(offlog_errname(a), "OFFLOG_E?");
		assert_string_not_equal(offlog_strerror(a), "unknown error");
		for (int b = a + 1; b <= 0; b++) {
			assert_string_not_equal(offlog_errname(a), offlog_errname(b));
			assert_string_not_equal(offlog_strerror(a), offlog_strerror(b));
		}
	}
	assert_string_equal(offlog_errname(OFFLOG_ENOTOPIC), "OFFLOG_ENOTOPIC");
	assert_string_equal(offlog_errname(-9999), "OFFLOG_E?");
	assert_string_equal(offlog_strerror(-9999), "unknown error");
}

static void *fresh_thread_errmsg(void *arg)
{
	snprintf(arg, 64, "%s", offlog_errmsg());
	return NULL;
}

static void test_error_detail_is_per_thread(void **state)
{
	fx *f = *state;
	assert_code(offlog_topic_create(f->env, "bad name", 1, NULL), OFFLOG_ENAME);
	assert_non_null(strstr(offlog_errmsg(), "0x20"));
	char other[64] = "unset";
	pthread_t th;
	pthread_create(&th, NULL, fresh_thread_errmsg, other);
	pthread_join(th, NULL);
	assert_string_equal(other, "");
	assert_non_null(strstr(offlog_errmsg(), "0x20"));
}

static void test_version_matches_header(void **state)
{
	(void)state;
	assert_int_equal(offlog_version(), OFFLOG_VERSION_NUMBER);
	assert_string_equal(offlog_version_string(), OFFLOG_VERSION_STRING);
}

/* A child process must open the store itself: the parent's handle is
 * refused there, and closing it does not disturb the parent. */
static void test_handle_used_after_fork_is_refused(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	pid_t pid = fork();
	if (pid == 0) {
		int64_t leo;
		int rc = offlog_watermarks_get(NULL, NULL, &leo, f->env, "t", 0);
		offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int rc2 = offlog_append(NULL, NULL, f->env, "t", 0, &m);
		int rc3 = offlog_close(f->env);
		_exit(rc == OFFLOG_ESTATE && rc2 == OFFLOG_ESTATE && rc3 == 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(append_str(f->env, "t", 0, NULL, "parent"), 0);
}

static void test_store_stat_counts_readers(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	append_n(f->env, "t", 0, 1);
	offlog_store_info info = OFFLOG_STORE_INFO_INIT;
	assert_ok(offlog_store_stat(&info, f->env));
	unsigned before = info.readers_used;
	offlog_batch *b = NULL;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_store_stat(&info, f->env));
	assert_int_equal(info.readers_used, before + 1);
	offlog_batch_free(b);
	assert_ok(offlog_store_stat(&info, f->env));
	assert_int_equal(info.readers_used, before);
}


/* A transaction begun before fork() is the parent's: the child can neither
 * add to it nor commit it (which would commit the parent's writes behind
 * its back), and the parent's commit stands after a reopen. */
static void test_child_cannot_use_or_commit_the_parents_transaction(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	offlog_txn *x;
	offlog_message m = {NULL, 0, "parent", 6, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int64_t off = -1;
	assert_ok(offlog_txn_begin(&x, f->env));
	assert_ok(offlog_txn_append(&off, NULL, x, "t", 0, &m));
	assert_int_equal(off, 0);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);
		offlog_message cm = {NULL, 0, "child", 5, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int rc1 = offlog_txn_append(NULL, NULL, x, "t", 0, &cm);
		int rc2 = offlog_txn_commit(x);   /* refused, and frees the copy */
		int rc3 = offlog_close(f->env);
		_exit(rc1 == OFFLOG_ESTATE && rc2 == OFFLOG_ESTATE && rc3 == 0 ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_ok(offlog_txn_commit(x));
	assert_int_equal(append_str(f->env, "t", 0, NULL, "after"), 1);
	fx_reopen(f, NULL);
	assert_int_equal(leo_of(f->env, "t", 0), 2);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 10, 0));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal(n, 2);
	assert_memory_equal(r[0].value, "parent", 6);
	assert_memory_equal(r[1].value, "after", 5);
	offlog_batch_free(b);
}

static atomic_bool churn_stop;

static void *churn_main(void *arg)
{
	offlog_env *env = arg;
	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	while (!atomic_load(&churn_stop))
		offlog_append(NULL, NULL, env, "t", 0, &m);
	return NULL;
}

/* Forked while other threads hold the group commit's lock or lead a group:
 * the child's calls on the inherited handle return at once (an append used
 * to wait for ever for a leader that only the parent has). */
static void test_child_forked_during_group_commits_gets_estate_at_once(void **state)
{
	fx *f = *state;
	assert_ok(offlog_topic_create(f->env, "t", 1, NULL));
	pthread_t th[2];
	atomic_store(&churn_stop, false);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, churn_main, f->env), 0);
	for (int round = 0; round < 30; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(5);   /* a hang fails the test instead of stopping it */
			offlog_message m = {NULL, 0, "c", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			int rc1 = offlog_append(NULL, NULL, f->env, "t", 0, &m);
			int rc2 = offlog_flush(f->env);
			int rc3 = offlog_maintain(f->env, 0, NULL);
			offlog_txn *x = NULL;
			int rc4 = offlog_txn_begin(&x, f->env);
			int rc5 = offlog_close(f->env);
			_exit(rc1 == OFFLOG_ESTATE && rc2 == OFFLOG_ESTATE && rc3 == OFFLOG_ESTATE &&
			              rc4 == OFFLOG_ESTATE && rc5 == 0
			          ? 0
			          : 1);
		}
		int status;
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("round %d: the child %s", round,
			         WIFSIGNALED(status) ? "hung or crashed" : "got a wrong code");
	}
	atomic_store(&churn_stop, true);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
}

/* A closed handle is refused, before its memory is touched: a second close
 * and a call after close get OFFLOG_ESTATE. */
static void test_closed_handle_is_refused(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	assert_ok(offlog_close(env));
	assert_code(offlog_close(env), OFFLOG_ESTATE);
	assert_non_null(strstr(offlog_errmsg(), "not an open store handle"));
	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_append(NULL, NULL, env, "t", 0, &m), OFFLOG_ESTATE);
	int64_t leo;
	assert_code(offlog_watermarks_get(NULL, NULL, &leo, env, "t", 0), OFFLOG_ESTATE);
	assert_code(offlog_topic_create(env, "u", 1, NULL), OFFLOG_ESTATE);
	assert_code(offlog_flush(env), OFFLOG_ESTATE);
	offlog_txn *x;
	assert_code(offlog_txn_begin(&x, env), OFFLOG_ESTATE);
	assert_code(offlog_store_reclaim_readers(NULL, NULL, NULL), OFFLOG_EINVAL);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* A map size beyond the address space is a bad option, not a shortage of
 * memory; nothing is left on disk. */
static void test_map_size_beyond_the_address_space_is_einval(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_env *env = NULL;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.map_size = UINT64_MAX;
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	assert_null(env);
	assert_int_equal(access(path, F_OK), -1);
	o.map_size = (uint64_t)1 << 62;   /* fits size_t on 64-bit, no address space does */
	assert_code(offlog_open(&env, path, &o), OFFLOG_EINVAL);
	assert_non_null(strstr(offlog_errmsg(), "address space"));
	assert_int_equal(access(path, F_OK), -1);
	free(path);
	rm_rf(dir);
	free(dir);
}

/* A child that opens the store, polls (holding a snapshot in a reader
 * slot) and is killed. */
static void killed_reader(const char *path)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		offlog_env *env;
		offlog_options o = OFFLOG_OPTIONS_INIT;
		o.max_readers = 8;
		char ok = 'n';
		if (offlog_open(&env, path, &o) == 0) {
			offlog_batch *b = NULL;
			if (offlog_fetch(&b, env, "t", 0, 0, 1, 0) == 0)
				ok = 'y';
		}
		if (write(p[1], &ok, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	char ok = 0;
	assert_int_equal(read(p[0], &ok, 1), 1);
	close(p[0]);
	kill(pid, SIGKILL);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (ok != 'y')
		fail_msg("a reader process could not read: its slot was refused");
}

static off_t file_size(const char *dir, const char *name)
{
	char *p = mkpath(dir, name);
	struct stat st;
	assert_int_equal(stat(p, &st), 0);
	free(p);
	return st.st_size;
}

/* Reader processes killed while holding a snapshot, beside a long-lived
 * writer: their slots are reclaimed, so neither the reader table fills nor
 * the file grows with the writer's append-and-delete churn. */
static void test_dead_readers_are_reclaimed_beside_a_long_lived_writer(void **state)
{
	(void)state;
	char *dir = temp_dir(), *path = mkpath(dir, "s");
	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.max_readers = 8;
	assert_ok(offlog_open(&env, path, &o));
	assert_ok(offlog_topic_create(env, "t", 1, NULL));
	static char big[8192];
	memset(big, 'v', sizeof big);
	offlog_message m = {NULL, 0, big, sizeof big, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int64_t off;
	assert_ok(offlog_append(&off, NULL, env, "t", 0, &m));
	/* Three times the reader table: without reclaiming, the slots run out. */
	for (int i = 0; i < 24; i++)
		killed_reader(path);
	offlog_batch *b = NULL;
	assert_ok(offlog_fetch(&b, env, "t", 0, 0, 1, 0));
	offlog_batch_free(b);

	/* One more dies holding the oldest snapshot; then the writer churns. */
	killed_reader(path);
	off_t before = file_size(path, "data.mdb");
	for (int i = 0; i < 1500; i++) {
		assert_ok(offlog_append(&off, NULL, env, "t", 0, &m));
		int64_t low;
		assert_ok(offlog_delete_records(&low, env, "t", 0, off));
		if (i % 100 == 0)
			assert_ok(offlog_maintain(env, 0, NULL));
	}
	off_t after = file_size(path, "data.mdb");
	/* 12 MB went through; with the dead slot kept the file would hold it. */
	if (after > before + ((off_t)2 << 20))
		fail_msg("data.mdb grew from %lld to %lld bytes", (long long)before, (long long)after);
	uint32_t now;
	uint64_t total;
	assert_ok(offlog_store_reclaim_readers(env, &now, &total));
	assert_int_equal(now, 0);
	assert_true(total >= 1);
	assert_ok(offlog_close(env));
	free(path);
	rm_rf(dir);
	free(dir);
}

/* An integer of n bytes in the given byte order. */
static void put_int(uint8_t *p, uint64_t v, size_t n, bool big)
{
	for (size_t i = 0; i < n; i++)
		p[big ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* The file a new LMDB environment starts as (mdb_env_init_meta: two meta
 * pages of transaction 0, no tables, the default 1 MiB map), as a build of
 * `word`-byte words and the given byte order lays it out: a page header of
 * a word and 8 bytes (flags P_META at word + 2); the meta's magic, version,
 * address and map size; the free list's table record (page size in its
 * pad, flags MDB_INTEGERKEY) and the main one's, 8 bytes and 5 words each,
 * the root ("none", all ones) last; the last page (1); the transaction id. */
static uint8_t *new_lmdb_file(size_t psize, size_t word, bool big)
{
	uint8_t *file = calloc(2, psize);
	assert_non_null(file);
	for (size_t i = 0; i < 2; i++) {
		uint8_t *pg = file + i * psize, *meta = pg + word + 8;
		uint8_t *db0 = meta + 8 + 2 * word, *db1 = db0 + 8 + 5 * word;
		put_int(pg, i, word, big);
		put_int(pg + word + 2, 0x08, 2, big);
		put_int(meta, 0xBEEFC0DEu, 4, big);
		put_int(meta + 4, 1, 4, big);
		put_int(meta + 8 + word, 1u << 20, word, big);
		put_int(db0, psize, 4, big);
		put_int(db0 + 4, 0x08, 2, big);
		put_int(db0 + 8 + 4 * word, UINT64_MAX, word, big);
		put_int(db1 + 8 + 4 * word, UINT64_MAX, word, big);
		put_int(db1 + 8 + 5 * word, 1, word, big);
	}
	return file;
}

static bool host_is_big_endian(void)
{
	const uint16_t one = 1;
	return *(const uint8_t *)&one == 0;
}

/* The crafted layout is LMDB's: of this build's word size and byte order,
 * it is byte for byte the file LMDB itself makes. */
static void test_crafted_meta_pages_match_what_lmdb_writes(void **state)
{
	(void)state;
	char *dir = temp_dir(), *data = mkpath(dir, "data.mdb");
	MDB_env *menv;
	assert_int_equal(mdb_env_create(&menv), 0);
	assert_int_equal(mdb_env_open(menv, dir, 0, 0600), 0);
	MDB_stat ms;
	assert_int_equal(mdb_env_stat(menv, &ms), 0);
	mdb_env_close(menv);
	size_t psize = ms.ms_psize;
	uint8_t *want = new_lmdb_file(psize, LMDB_WORD, host_is_big_endian());
	uint8_t *got = malloc(2 * psize);
	FILE *fp = fopen(data, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(got, 1, 2 * psize, fp), 2 * psize);
	fclose(fp);
	assert_memory_equal(got, want, 2 * psize);
	free(got);
	free(want);
	free(data);
	rm_rf(dir);
	free(dir);
}

/* LMDB lays its file out in the host's word size and byte order and reads
 * no other: a store from a machine of another kind (a 32-bit one's opened
 * by a 64-bit build, say) is refused as such, not as "not a store" nor as
 * damage, by every kind of open, and left as it was. */
static void test_store_of_another_word_size_or_byte_order_is_refused_untouched(void **state)
{
	(void)state;
	const unsigned flags[] = {0, OFFLOG_OPEN_READONLY, OFFLOG_OPEN_VERIFY,
	                          OFFLOG_OPEN_VERIFY | OFFLOG_OPEN_READONLY};
	for (size_t word = 4; word <= 8; word += 4)
		for (int big = 0; big < 2; big++) {
			if (word == LMDB_WORD && (bool)big == host_is_big_endian())
				continue;
			char *dir = temp_dir(), *data = mkpath(dir, "data.mdb");
			uint8_t *file = new_lmdb_file(4096, word, big);
			write_file(data, file, 2 * 4096);
			uint64_t before = store_digest(dir);
			for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
				offlog_env *env = NULL;
				offlog_options o = OFFLOG_OPTIONS_INIT;
				o.flags = flags[i];
				assert_code(offlog_open(&env, dir, &o), OFFLOG_EPLATFORM);
				assert_null(env);
				char what[64];
				snprintf(what, sizeof what, "%d-bit %s-endian build", (int)word * 8,
				         big ? "big" : "little");
				assert_non_null(strstr(offlog_errmsg(), what));
				assert_int_equal(store_digest(dir), before);
				assert_false(exists(dir, "lock.mdb"));
			}
			free(file);
			free(data);
			rm_rf(dir);
			free(dir);
		}
	assert_string_equal(offlog_errname(OFFLOG_EPLATFORM), "OFFLOG_EPLATFORM");
}

/* OFFLOG_OPEN_VERIFY walks a store of this build's layout, whatever its
 * word size: a store with records, overflow pages, several tables and a
 * free list verifies; a branch page's child sent past the end of the file
 * is found, the file unchanged. */
static void test_verify_walks_this_builds_layout(void **state)
{
	fx *f = *state;
	static char big[9000];
	memset(big, 'x', sizeof big);
	assert_ok(offlog_topic_create(f->env, "t", 2, NULL));
	for (int i = 0; i < 600; i++) {
		offlog_message m = {"k", 1, big, (size_t)(i % 50 == 0 ? sizeof big : 200),
		                    OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_append(NULL, NULL, f->env, "t", i % 2, &m));
	}
	assert_ok(offlog_delete_records(NULL, f->env, "t", 0, 100));
	assert_ok(offlog_maintain(f->env, 0, NULL));
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_VERIFY;
	fx_reopen(f, &o);
	assert_int_equal(leo_of(f->env, "t", 1), 300);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	/* The main table's root, a leaf, holds the tables' records: a table two
	 * pages deep or more has a branch page for its root. */
	uint8_t meta[2][LMDB_META_END], page[4096];
	int cur = read_metas(f->path, meta);
	long branch = -1, mroot = (long)ol_get_word(meta[cur] + META_MAIN_DB + LMDB_DB_ROOT);
	file_io(f->path, mroot * 4096, page, sizeof page, false);
	uint16_t pflags, lower;
	memcpy(&pflags, page + LMDB_PAGE_FLAGS, 2);
	memcpy(&lower, page + LMDB_WORD + 4, 2);
	assert_int_equal(pflags, 0x02);
	for (size_t i = 0; LMDB_PAGEHDR + 2 * i < lower && branch < 0; i++) {
		uint16_t off, nflags, ksize, depth;
		memcpy(&off, page + LMDB_PAGEHDR + 2 * i, 2);
		memcpy(&nflags, page + off + 4, 2);
		memcpy(&ksize, page + off + 6, 2);
		const uint8_t *db = page + off + 8 + ksize;
		memcpy(&depth, db + 6, 2);
		if ((nflags & 0x02) && depth >= 2)   /* F_SUBDATA: a table's record */
			branch = (long)ol_get_word(db + LMDB_DB_ROOT);
	}
	assert_true(branch >= 0);
	file_io(f->path, branch * 4096, page, sizeof page, false);
	char data[700];
	snprintf(data, sizeof data, "%s/data.mdb", f->path);
	struct stat st;
	assert_int_equal(stat(data, &st), 0);
	/* Its last child sent past the end of the file. */
	uint16_t node;
	memcpy(&lower, page + LMDB_WORD + 4, 2);
	memcpy(&node, page + lower - 2, 2);
	uint32_t child, far = (uint32_t)(st.st_size / 4096 + 5);
	memcpy(&child, page + node, 4);   /* its child's page number, low 32 bits */
	file_io(f->path, branch * 4096 + node, &far, 4, true);
	uint64_t digest = store_digest(f->path);
	offlog_env *env = NULL;
	assert_code(offlog_open(&env, f->path, &o), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "out of range"));
	assert_true(store_digest(f->path) == digest);
	file_io(f->path, branch * 4096 + node, &child, 4, true);
	fx_reopen(f, &o);
	assert_int_equal(leo_of(f->env, "t", 1), 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_creates_store_with_private_modes),
		cmocka_unit_test(test_open_honours_file_mode),
		cmocka_unit_test_setup_teardown(test_reopen_keeps_records, fx_setup, fx_teardown),
		cmocka_unit_test(test_open_rejects_bad_arguments),
		cmocka_unit_test(test_regular_file_is_not_a_store),
		cmocka_unit_test(test_empty_data_file_is_not_a_store_and_stays_empty),
		cmocka_unit_test(test_random_bytes_are_not_a_store),
		cmocka_unit_test(test_foreign_lmdb_is_not_a_store_and_is_untouched),
		cmocka_unit_test(test_non_empty_directory_without_store_is_refused),
		cmocka_unit_test_setup_teardown(test_newer_format_is_refused_and_untouched, fx_setup,
		                                fx_teardown),
		cmocka_unit_test(test_nocreate_and_readonly_do_not_create),
		cmocka_unit_test_setup_teardown(test_readonly_store_refuses_writes_and_reads, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_second_open_in_process_is_busy, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_close_with_open_consumer_is_busy, fx_setup,
		                                fx_teardown),
		cmocka_unit_test(test_map_grows_when_full),
		cmocka_unit_test(test_max_map_size_gives_mapfull_and_keeps_acked_records),
		cmocka_unit_test_setup_teardown(test_store_stat_reports_the_store, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_stat_refuses_version_0_and_newer_untouched,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flush_in_sync_mode_succeeds, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_open_accepts_good_and_refuses_damaged_pages,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_what_lmdb_would_misread, fx_setup,
		                                fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_accepts_free_pages_past_the_end_not_a_cut,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_open_beside_a_live_writer, fx_setup,
		                                fx_teardown),
		cmocka_unit_test(test_error_codes_have_distinct_names_and_texts),
		cmocka_unit_test_setup_teardown(test_error_detail_is_per_thread, fx_setup, fx_teardown),
		cmocka_unit_test(test_version_matches_header),
		cmocka_unit_test_setup_teardown(test_handle_used_after_fork_is_refused, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_stat_counts_readers, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_child_cannot_use_or_commit_the_parents_transaction,
		                                fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_child_forked_during_group_commits_gets_estate_at_once,
		                                fx_setup, fx_teardown),
		cmocka_unit_test(test_closed_handle_is_refused),
		cmocka_unit_test(test_map_size_beyond_the_address_space_is_einval),
		cmocka_unit_test(test_dead_readers_are_reclaimed_beside_a_long_lived_writer),
		cmocka_unit_test(test_crafted_meta_pages_match_what_lmdb_writes),
		cmocka_unit_test(test_store_of_another_word_size_or_byte_order_is_refused_untouched),
		cmocka_unit_test_setup_teardown(test_verify_walks_this_builds_layout, fx_setup,
		                                fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

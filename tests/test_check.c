/* test_check.c - OFFLOG_OPEN_VERIFY's check that a store's tables agree.
 *
 * Good stores, made through the API with every feature that leaves state in
 * several tables (retention, delete-records, compaction, grown and deleted
 * topics, protected groups, commits, groups, idempotent producers, a crash
 * in a deferred mode, a topic deleted and interrupted mid-purge), must open
 * with the flag. Damaged ones, made by writing the LMDB tables directly so
 * that every page stays well formed and only the tables disagree, must be
 * refused with OFFLOG_ECORRUPT, by a read-write and a read-only open, with
 * the data file unchanged.
 *
 * The binary defines fdatasync and fsync (as test_faults.c does): the
 * dynamic linker binds LMDB's calls to these, which fail on demand, so a
 * purge can be stopped after a chosen number of commits. */
#define _GNU_SOURCE
#include "helpers.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "seq.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- sync interposition ---------------------------------------------------- */

/* -1: every sync succeeds; n >= 0: n more succeed, then each fails. */
static volatile int syncs_left = -1;

static bool sync_fails(int fd)
{
	if (fd <= 2 || syncs_left < 0)
		return false;
	if (syncs_left > 0) {
		syncs_left--;
		return false;
	}
	errno = EIO;
	return true;
}

int fdatasync(int fd)
{
	static int (*real)(int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fdatasync");
	return sync_fails(fd) ? -1 : real(fd);
}

int fsync(int fd)
{
	static int (*real)(int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "fsync");
	return sync_fails(fd) ? -1 : real(fd);
}

/* ---- opening with the check ------------------------------------------------- */

static int open_verified(const char *path, unsigned flags)
{
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_VERIFY | OFFLOG_OPEN_NOCREATE | flags;
	offlog_env *env = NULL;
	int rc = offlog_open(&env, path, &o);
	if (rc == 0)
		assert_ok(offlog_close(env));
	else
		assert_null(env);
	return rc;
}

static void assert_verifies(const char *path)
{
	assert_ok(open_verified(path, OFFLOG_OPEN_READONLY));
	assert_ok(open_verified(path, 0));
}

/* ---- a store with a bit of everything --------------------------------------- */

static void append_keyed(offlog_env *env, const char *topic, int32_t part, int n, int64_t ts0)
{
	offlog_header h = {"trace", 5, "abc", 3};
	for (int i = 0; i < n; i++) {
		char k[16], v[48];
		snprintf(k, sizeof k, "k%d", i % 7);
		snprintf(v, sizeof v, "value %d of %s/%d", i, topic, part);
		offlog_message m = {k, strlen(k), v, strlen(v), ts0 < 0 ? OFFLOG_TIMESTAMP_NOW : ts0 + i,
		                    i % 3 ? NULL : &h, i % 3 ? 0 : 1};
		assert_ok(offlog_append(NULL, NULL, env, topic, part, &m));
	}
}

static void create_with(offlog_env *env, const char *name, int32_t parts,
                        void (*set)(offlog_topic_config *))
{
	offlog_topic_config c = OFFLOG_TOPIC_CONFIG_INIT;
	set(&c);
	assert_ok(offlog_topic_create(env, name, parts, &c));
}

static void cfg_small(offlog_topic_config *c)
{
	c->retention_bytes = 600;
}

static void cfg_compact(offlog_topic_config *c)
{
	c->cleanup_policy = OFFLOG_CLEANUP_COMPACT;
	c->delete_retention_ms = 0;
}

static const char *const protected_list[] = {"g1", "g2"};
static void cfg_protected(offlog_topic_config *c)
{
	c->retention_ms = 0;
	c->protected_groups = protected_list;
	c->protected_group_count = 2;
}

static void commit_in_txn(offlog_env *env, const char *group, const char *topic, int32_t part,
                          int64_t offset)
{
	offlog_txn *x;
	offlog_partition_offset e = {topic, part, offset, "meta", 0};
	assert_ok(offlog_txn_begin(&x, env));
	offlog_message m = {"tx", 2, "in a transaction", 16, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_txn_append(NULL, NULL, x, "orders", 2, &m));
	assert_ok(offlog_txn_commit_offsets(x, group, &e, 1));
	assert_ok(offlog_txn_commit(x));
}

static void produce_idempotent(offlog_env *env)
{
	offlog_producer_options o;
	offlog_producer *p;
	offlog_producer_options_init(&o);
	o.idempotent = 1;
	assert_ok(offlog_producer_open(&p, env, &o));
	for (int i = 0; i < 6; i++) {
		offlog_message m = {"pk", 2, "sent", 4, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		assert_ok(offlog_producer_send(p, "orders", i % 2, &m, NULL));
		if (i == 2)
			assert_ok(offlog_producer_flush(p, -1));
	}
	assert_ok(offlog_producer_close(p, 0));
}

static void join_group(offlog_env *env)
{
	offlog_consumer_options o;
	offlog_consumer *c;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = 0;
	assert_ok(offlog_consumer_open(&c, env, "members", &o));
	const char *topics[] = {"orders"};
	assert_ok(offlog_consumer_subscribe(c, topics, 1));
	poll_n(c, 5, NULL, 2000);
	assert_ok(offlog_consumer_commit(c));
	assert_ok(offlog_consumer_close(c));
}

static void build_good(const char *path)
{
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	/* Rising timestamps: a time index entry every 32 records. */
	create_topic(env, "orders", 3);
	for (int32_t p = 0; p < 3; p++)
		append_keyed(env, "orders", p, 100, 1000000 + 1000 * p);
	/* delete-records leaves records below the log start to later steps. */
	create_topic(env, "logs", 1);
	offlog_message many[500];
	for (int i = 0; i < 500; i++)
		many[i] = (offlog_message){NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 5; i++)
		assert_ok(offlog_append_batch(NULL, NULL, env, "logs", 0, many, 500));
	assert_ok(offlog_delete_records(NULL, env, "logs", 0, 2400));
	create_with(env, "trimmed", 1, cfg_small);
	append_keyed(env, "trimmed", 0, 200, -1);
	create_with(env, "compacted", 2, cfg_compact);
	for (int32_t p = 0; p < 2; p++) {
		append_keyed(env, "compacted", p, 60, -1);
		append_ts(env, "compacted", p, "k1", NULL, OFFLOG_TIMESTAMP_NOW);
	}
	create_topic(env, "grown", 1);
	append_keyed(env, "grown", 0, 10, -1);
	assert_ok(offlog_topic_add_partitions(env, "grown", 3));
	append_keyed(env, "grown", 2, 10, -1);
	create_with(env, "kept", 1, cfg_protected);
	append_keyed(env, "kept", 0, 20, -1);
	create_topic(env, "gone", 2);
	append_keyed(env, "gone", 1, 50, -1);
	commit_in_txn(env, "g1", "gone", 1, 20);
	assert_ok(offlog_topic_delete(env, "gone"));
	assert_ok(offlog_maintain(env, 0, NULL));
	commit_in_txn(env, "g1", "kept", 0, 5);
	commit_in_txn(env, "g2", "orders", 1, 100);
	commit_in_txn(env, "g2", "logs", 0, 2500);
	produce_idempotent(env);
	join_group(env);
	assert_ok(offlog_close(env));
}

/* The store every damage test starts from: built once, copied for each. */
static char template_dir[512];
static char template_path[600];

static int group_setup(void **state)
{
	OL_UNUSED(state);
	char *d = temp_dir();
	snprintf(template_dir, sizeof template_dir, "%s", d);
	free(d);
	snprintf(template_path, sizeof template_path, "%s/store", template_dir);
	build_good(template_path);
	return 0;
}

static int group_teardown(void **state)
{
	OL_UNUSED(state);
	rm_rf(template_dir);
	return 0;
}

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	assert_non_null(in);
	assert_non_null(out);
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		assert_int_equal(fwrite(buf, 1, n, out), n);
	fclose(in);
	assert_int_equal(fclose(out), 0);
}

/* A copy of the template store in a new directory; free with rm_rf + free. */
static char *copy_template(char path[600])
{
	char *dir = temp_dir(), from[700], to[700];
	snprintf(path, 600, "%s/store", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(from, sizeof from, "%s/data.mdb", template_path);
	snprintf(to, sizeof to, "%s/data.mdb", path);
	copy_file(from, to);
	return dir;
}

/* ---- writing the tables directly --------------------------------------------- */

typedef struct raw {
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi[T__COUNT];
} raw;

static const char *const table_names[T__COUNT] = {
	"meta", "topics", "topic_ids", "parts", "log", "tindex", "commits", "producers", "groups",
};

static void raw_begin(raw *r, const char *path)
{
	assert_int_equal(mdb_env_create(&r->env), 0);
	assert_int_equal(mdb_env_set_maxdbs(r->env, 16), 0);
	assert_int_equal(mdb_env_set_mapsize(r->env, (size_t)1 << 30), 0);
	assert_int_equal(mdb_env_open(r->env, path, 0, 0600), 0);
	assert_int_equal(mdb_txn_begin(r->env, NULL, 0, &r->txn), 0);
	for (int i = 0; i < T__COUNT; i++)
		assert_int_equal(mdb_dbi_open(r->txn, table_names[i], 0, &r->dbi[i]), 0);
}

static void raw_commit(raw *r)
{
	assert_int_equal(mdb_txn_commit(r->txn), 0);
	mdb_env_close(r->env);
}

/* The value of a key, copied into buf (cap bytes); its size. */
static size_t raw_get(raw *r, int table, const void *key, size_t klen, void *buf, size_t cap)
{
	MDB_val k = {klen, (void *)(uintptr_t)key}, v;
	assert_int_equal(mdb_get(r->txn, r->dbi[table], &k, &v), 0);
	assert_true(v.mv_size <= cap);
	memcpy(buf, v.mv_data, v.mv_size);
	return v.mv_size;
}

static void raw_put(raw *r, int table, const void *key, size_t klen, const void *val, size_t vlen)
{
	MDB_val k = {klen, (void *)(uintptr_t)key}, v = {vlen, (void *)(uintptr_t)val};
	assert_int_equal(mdb_put(r->txn, r->dbi[table], &k, &v, 0), 0);
}

static void raw_del(raw *r, int table, const void *key, size_t klen)
{
	MDB_val k = {klen, (void *)(uintptr_t)key};
	assert_int_equal(mdb_del(r->txn, r->dbi[table], &k, NULL), 0);
}

/* The first key of a table with the given prefix, copied into key. */
static size_t raw_first(raw *r, int table, const void *prefix, size_t n, uint8_t *key, void *val,
                        size_t cap, size_t *vlen)
{
	MDB_cursor *c;
	MDB_val k = {n, (void *)(uintptr_t)prefix}, v;
	assert_int_equal(mdb_cursor_open(r->txn, r->dbi[table], &c), 0);
	assert_int_equal(mdb_cursor_get(c, &k, &v, n ? MDB_SET_RANGE : MDB_FIRST), 0);
	assert_true(k.mv_size >= n && memcmp(k.mv_data, prefix, n) == 0);
	memcpy(key, k.mv_data, k.mv_size);
	assert_true(v.mv_size <= cap);
	memcpy(val, v.mv_data, v.mv_size);
	*vlen = v.mv_size;
	size_t kn = k.mv_size;
	mdb_cursor_close(c);
	return kn;
}

static uint32_t raw_tid(raw *r, const char *topic)
{
	uint8_t v[64];
	raw_get(r, T_TOPICS, topic, strlen(topic), v, sizeof v);
	return ol_get_le32(v + 4);
}

/* A partition state: format, pid (LE32), then log start, log end, high
 * watermark, records, bytes, largest timestamp, last index offset (LE64). */
enum { F_START, F_LEO, F_HW, F_RECORDS, F_BYTES, F_MAX_TS, F_INDEX_OFF };

typedef struct pstate {
	uint32_t tid;
	int32_t part;
	uint8_t v[64];
} pstate;

static pstate raw_state(raw *r, const char *topic, int32_t part)
{
	pstate s = {raw_tid(r, topic), part, {0}};
	uint8_t k[8];
	ol_part_key(k, s.tid, part);
	assert_int_equal(raw_get(r, T_PARTS, k, 8, s.v, sizeof s.v), 64);
	return s;
}

static void raw_put_state(raw *r, const pstate *s)
{
	uint8_t k[8];
	ol_part_key(k, s->tid, s->part);
	raw_put(r, T_PARTS, k, 8, s->v, sizeof s->v);
}

static int64_t st_get(const pstate *s, int f)
{
	return (int64_t)ol_get_le64(s->v + 8 + 8 * f);
}

static void st_set(pstate *s, int f, int64_t v)
{
	ol_le64(s->v + 8 + 8 * f, (uint64_t)v);
}

static uint32_t st_pid(const pstate *s)
{
	return ol_get_le32(s->v + 4);
}

static void st_set_pid(pstate *s, uint32_t pid)
{
	for (int i = 0; i < 4; i++)
		s->v[4 + i] = (uint8_t)(pid >> (8 * i));
}

/* ---- the damage tests ------------------------------------------------------- */

typedef void (*damage_fn)(raw *r);

/* Damage a copy of the template; both opens refuse it, naming `pattern`,
 * and leave the file as it was. */
static void refused(damage_fn damage, const char *pattern)
{
	char path[600];
	char *dir = copy_template(path);
	raw r;
	raw_begin(&r, path);
	damage(&r);
	raw_commit(&r);
	uint64_t before = store_digest(path);
	unsigned modes[2] = {0, OFFLOG_OPEN_READONLY};
	for (int i = 0; i < 2; i++) {
		assert_code(open_verified(path, modes[i]), OFFLOG_ECORRUPT);
		if (!strstr(offlog_errmsg(), pattern))
			fail_msg("detail \"%s\" lacks \"%s\"", offlog_errmsg(), pattern);
		if (!strstr(offlog_errmsg(), "is damaged"))
			fail_msg("detail \"%s\" does not say the store is damaged", offlog_errmsg());
	}
	assert_true(store_digest(path) == before);
	rm_rf(dir);
	free(dir);
}

static void no_state(raw *r)
{
	uint8_t k[8];
	ol_part_key(k, raw_tid(r, "orders"), 1);
	raw_del(r, T_PARTS, k, 8);
}

/* The image a power loss in ASYNC mode left: a topic, none of its states. */
static void no_states_at_all(raw *r)
{
	uint8_t k[8];
	for (int32_t p = 0; p < 3; p++) {
		ol_part_key(k, raw_tid(r, "orders"), p);
		raw_del(r, T_PARTS, k, 8);
	}
}

static void state_beyond_count(raw *r)
{
	pstate s = raw_state(r, "grown", 0);
	s.part = 3;
	raw_put_state(r, &s);
}

static void state_of_no_topic(raw *r)
{
	pstate s = raw_state(r, "orders", 0);
	s.tid = 900;
	raw_put_state(r, &s);
}

static void hw_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 2);
	st_set(&s, F_HW, st_get(&s, F_LEO) + 1);
	raw_put_state(r, &s);
}

static void start_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 2);
	st_set(&s, F_START, st_get(&s, F_LEO) + 1);
	raw_put_state(r, &s);
}

static void start_beyond_hw(raw *r)
{
	pstate s = raw_state(r, "orders", 2);
	st_set(&s, F_HW, 50);
	st_set(&s, F_START, 60);
	raw_put_state(r, &s);
}

static void shared_pid(raw *r)
{
	pstate a = raw_state(r, "orders", 0), b = raw_state(r, "orders", 1);
	st_set_pid(&b, st_pid(&a));
	raw_put_state(r, &b);
}

static void pid_not_given_out(raw *r)
{
	uint8_t next[4];
	raw_get(r, T_META, "next_partition_id", 17, next, sizeof next);
	pstate s = raw_state(r, "kept", 0);
	st_set_pid(&s, ol_get_be32(next));
	raw_put_state(r, &s);
}

static void record_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 0);
	uint8_t k[OL_LOG_KEY], v[256];
	ol_log_key(k, st_pid(&s), 0);
	size_t n = raw_get(r, T_LOG, k, sizeof k, v, sizeof v);
	ol_log_key(k, st_pid(&s), st_get(&s, F_LEO) + 5);
	raw_put(r, T_LOG, k, sizeof k, v, n);
}

/* A fetch below the log end that finds nothing: the record is gone, the
 * state still counts it. */
static void record_missing(raw *r)
{
	pstate s = raw_state(r, "orders", 0);
	uint8_t k[OL_LOG_KEY];
	ol_log_key(k, st_pid(&s), 40);
	raw_del(r, T_LOG, k, sizeof k);
}

static void record_of_no_partition(raw *r)
{
	uint8_t k[OL_LOG_KEY], v[4] = {0x02, 1, 'x', 0};   /* a value-only record */
	ol_log_key(k, 999999, 0);
	raw_put(r, T_LOG, k, sizeof k, v, 3);
}

static void record_undecodable(raw *r)
{
	pstate s = raw_state(r, "orders", 1);
	uint8_t k[OL_LOG_KEY], v[256];
	ol_log_key(k, st_pid(&s), 7);
	size_t n = raw_get(r, T_LOG, k, sizeof k, v, sizeof v);
	memset(v, 0xff, n);
	raw_put(r, T_LOG, k, sizeof k, v, n);
}

static void timestamp_above_largest(raw *r)
{
	pstate s = raw_state(r, "orders", 1);
	st_set(&s, F_MAX_TS, 5);
	raw_put_state(r, &s);
}

static void bytes_miscounted(raw *r)
{
	pstate s = raw_state(r, "trimmed", 0);
	st_set(&s, F_BYTES, st_get(&s, F_BYTES) + 5);
	raw_put_state(r, &s);
	/* The store's count agrees with the partition: only the log does not. */
	static const uint8_t zero[9];
	uint8_t v[8];
	raw_get(r, T_PARTS, zero, sizeof zero, v, sizeof v);
	ol_le64(v, ol_get_le64(v) + 5);
	raw_put(r, T_PARTS, zero, sizeof zero, v, 8);
}

static void store_bytes_miscounted(raw *r)
{
	static const uint8_t zero[9];
	uint8_t v[8];
	raw_get(r, T_PARTS, zero, sizeof zero, v, sizeof v);
	ol_le64(v, ol_get_le64(v) + 1);
	raw_put(r, T_PARTS, zero, sizeof zero, v, 8);
}

static void index_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 0);
	uint8_t prefix[4], k[OL_LOG_KEY], v[8];
	size_t n;
	ol_be32(prefix, st_pid(&s));
	raw_first(r, T_TINDEX, prefix, 4, k, v, sizeof v, &n);
	ol_be64(v, (uint64_t)st_get(&s, F_LEO));
	raw_put(r, T_TINDEX, k, sizeof k, v, 8);
}

static void index_of_no_partition(raw *r)
{
	uint8_t k[OL_LOG_KEY], v[8];
	ol_log_key(k, 999999, 5);
	ol_be64(v, 0);
	raw_put(r, T_TINDEX, k, sizeof k, v, 8);
}

static void topic_without_id(raw *r)
{
	uint8_t k[4];
	ol_be32(k, raw_tid(r, "kept"));
	raw_del(r, T_TOPIC_IDS, k, 4);
}

static void id_names_another_topic(raw *r)
{
	uint8_t k[4], v[1 + 6] = {0, 'o', 'r', 'd', 'e', 'r', 's'};
	ol_be32(k, raw_tid(r, "logs"));
	raw_put(r, T_TOPIC_IDS, k, 4, v, sizeof v);
}

static void live_id_without_topic(raw *r)
{
	uint8_t k[4], v[1 + 5] = {0, 'g', 'h', 'o', 's', 't'};
	uint8_t next[4];
	raw_get(r, T_META, "next_topic_id", 13, next, sizeof next);
	ol_be32(k, ol_get_be32(next) - 1);   /* the id "gone" had, purged since */
	raw_put(r, T_TOPIC_IDS, k, 4, v, sizeof v);
}

/* An id key of five bytes, beside the four-byte ones. */
static void id_key_of_wrong_size(raw *r)
{
	uint8_t k[5] = {0, 0, 0, 1, 0}, v[1 + 6] = {0, 'o', 'r', 'd', 'e', 'r', 's'};
	raw_put(r, T_TOPIC_IDS, k, sizeof k, v, sizeof v);
}

/* The id entry of "orders" with a state that is neither live nor deleted. */
static void id_entry_of_unknown_state(raw *r)
{
	uint8_t k[4], v[1 + 6] = {7, 'o', 'r', 'd', 'e', 'r', 's'};
	ol_be32(k, raw_tid(r, "orders"));
	raw_put(r, T_TOPIC_IDS, k, 4, v, sizeof v);
}

static void id_not_given_out(raw *r)
{
	uint8_t next[4];
	ol_be32(next, raw_tid(r, "kept"));
	raw_put(r, T_META, "next_topic_id", 13, next, 4);
}

static void protected_groups_lost(raw *r)
{
	uint8_t k[11];
	memcpy(k, "protect", 7);
	ol_be32(k + 7, raw_tid(r, "kept"));
	raw_del(r, T_META, k, sizeof k);
}

/* A copy of group g2's committed offset for orders/1 under another key. */
static void commit_as(raw *r, uint32_t tid, int32_t part, int64_t offset)
{
	uint8_t k[16], v[64];
	memcpy(k, "g2", 3);
	ol_part_key(k + 3, raw_tid(r, "orders"), 1);
	size_t n = raw_get(r, T_COMMITS, k, 11, v, sizeof v);
	ol_part_key(k + 3, tid, part);
	if (offset >= 0)
		ol_le64(v + 1, (uint64_t)offset);
	raw_put(r, T_COMMITS, k, 11, v, n);
}

static void commit_of_no_topic(raw *r)
{
	commit_as(r, 900, 0, -1);
}

static void commit_of_no_partition(raw *r)
{
	commit_as(r, raw_tid(r, "orders"), 3, -1);
}

static void commit_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 1);
	commit_as(r, s.tid, 1, st_get(&s, F_LEO) + 1);
}

/* The idempotent producer's state for orders/0, copied or altered. */
static void producer_state(raw *r, uint32_t tid, int64_t run_offset)
{
	uint8_t k[16], v[16 + 24 * OL_SEQ_RUNS];
	size_t n = 0;
	bool found = false;
	MDB_cursor *c;
	MDB_val mk, mv;
	uint32_t orders = raw_tid(r, "orders");
	assert_int_equal(mdb_cursor_open(r->txn, r->dbi[T_PRODUCERS], &c), 0);
	for (int rc = mdb_cursor_get(c, &mk, &mv, MDB_FIRST); rc == 0 && !found;
	     rc = mdb_cursor_get(c, &mk, &mv, MDB_NEXT))
		if (mk.mv_size == 16 && ol_get_be32((const uint8_t *)mk.mv_data + 8) == orders &&
		    ol_get_be32((const uint8_t *)mk.mv_data + 12) == 0) {
			memcpy(k, mk.mv_data, 16);
			memcpy(v, mv.mv_data, n = mv.mv_size);
			found = true;
		}
	mdb_cursor_close(c);
	assert_true(found && n >= 16 + 24);
	ol_be32(k + 8, tid);
	if (run_offset >= 0)
		ol_le64(v + 16 + 8, (uint64_t)run_offset);
	raw_put(r, T_PRODUCERS, k, 16, v, n);
}

static void producer_of_no_topic(raw *r)
{
	producer_state(r, 900, -1);
}

static void producer_run_beyond_leo(raw *r)
{
	pstate s = raw_state(r, "orders", 0);
	producer_state(r, s.tid, st_get(&s, F_LEO));
}

#define REFUSED(name, pattern)                    \
	static void test_refuses_##name(void **state) \
	{                                             \
		OL_UNUSED(state);                         \
		refused(name, pattern);                   \
	}

REFUSED(no_state, "topic \"orders\" partition 1 has no state")
REFUSED(no_states_at_all, "topic \"orders\" partition 0 has no state")
REFUSED(state_beyond_count, "topic \"grown\" partition 3 has a state, but the topic has 3 partitions")
REFUSED(state_of_no_topic, "partition 0 of topic id 900 has a state, but the topic id does not exist")
REFUSED(hw_beyond_leo, "topic \"orders\" partition 2: its state does not decode or breaks")
REFUSED(start_beyond_leo, "topic \"orders\" partition 2: its state does not decode or breaks")
REFUSED(start_beyond_hw, "topic \"orders\" partition 2 has log start 60 above its high watermark 50")
REFUSED(shared_pid, "as another partition has")
REFUSED(pid_not_given_out, "not below the next partition id")
REFUSED(record_beyond_leo, "topic \"orders\" partition 0 holds a record at offset 108, not below its log end 103")
REFUSED(record_missing, "topic \"orders\" partition 0 holds 102 records")
REFUSED(record_of_no_partition, "belongs to no partition")
REFUSED(record_undecodable, "the record at offset 7 does not decode")
REFUSED(timestamp_above_largest, "above the partition's largest 5")
REFUSED(bytes_miscounted, "topic \"trimmed\" partition 0 holds")
REFUSED(store_bytes_miscounted, "the store's byte count")
REFUSED(index_beyond_leo, "a time index entry points to offset 103")
REFUSED(index_of_no_partition, "a time index entry of partition id 999999 belongs to no partition")
REFUSED(topic_without_id, "topic \"kept\" has id")
REFUSED(id_names_another_topic, "names topic \"orders\", whose id is")
REFUSED(live_id_without_topic, "names topic \"ghost\", which does not exist")
REFUSED(id_not_given_out, "is not below the next topic id")
REFUSED(id_key_of_wrong_size, "a topic id key of 5 bytes")
REFUSED(id_entry_of_unknown_state, "the entry of topic id")
REFUSED(protected_groups_lost, "protects 2 groups, which are not stored")
REFUSED(commit_of_no_topic, "a committed offset of group g2 names partition 0 of topic id 900")
REFUSED(commit_of_no_partition, "names topic \"orders\" partition 3, which does not exist")
REFUSED(commit_beyond_leo, "group g2 has committed offset")
REFUSED(producer_of_no_topic, "whose topic id does not exist")
REFUSED(producer_run_beyond_leo, "not below the log end")

/* ---- damage the check does not look for --------------------------------------- */

/* A static member's record cut short inside its list of owned partitions:
 * reading the group reports the damage, not a lack of memory. */
static void test_member_record_cut_short_is_damage_not_lack_of_memory(void **state)
{
	OL_UNUSED(state);
	char path[600];
	char *dir = copy_template(path);
	offlog_env *env;
	offlog_consumer *c;
	offlog_consumer_options o;
	assert_ok(offlog_open(&env, path, NULL));
	offlog_consumer_options_init(&o);
	o.group_instance_id = "static-1";
	assert_ok(offlog_consumer_open(&c, env, "statics", &o));
	const char *topics[] = {"orders"};
	assert_ok(offlog_consumer_subscribe(c, topics, 1));
	poll_n(c, 1, NULL, 2000);
	assert_ok(offlog_consumer_close(c));   /* a static member stays */
	assert_ok(offlog_close(env));

	raw r;
	uint8_t key[600], val[4096];
	size_t vlen;
	raw_begin(&r, path);
	size_t kn = raw_first(&r, T_GROUPS, "statics\0m", 9, key, val, sizeof val, &vlen);
	assert_true(vlen > 4);
	raw_put(&r, T_GROUPS, key, kn, val, vlen - 4);
	raw_commit(&r);

	offlog_group_description *d = NULL;
	assert_ok(offlog_open(&env, path, NULL));
	assert_code(offlog_group_describe(&d, env, "statics"), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "member record of group statics is damaged"));
	assert_ok(offlog_close(env));
	rm_rf(dir);
	free(dir);
}

/* ---- good stores ------------------------------------------------------------ */

static void test_store_of_every_feature_verifies(void **state)
{
	OL_UNUSED(state);
	assert_verifies(template_path);
}

static void test_empty_store_verifies(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 4);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	assert_verifies(f->path);
}

/* A crash in NOMETASYNC mode: high watermarks behind the log ends. */
static void test_store_with_unpublished_records_verifies(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		offlog_options o = OFFLOG_OPTIONS_INIT;
		offlog_env *env;
		o.durability = OFFLOG_DURABILITY_NOMETASYNC;
		o.flush_interval_ms = 0;
		if (offlog_open(&env, f->path, &o))
			_exit(2);
		for (int i = 0; i < 40; i++) {
			offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			if (offlog_append(NULL, NULL, env, "t", i % 2, &m))
				_exit(3);
		}
		_exit(0);   /* no close: no flush */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_READONLY | OFFLOG_OPEN_VERIFY;
	offlog_env *env;
	assert_ok(offlog_open(&env, f->path, &o));
	offlog_partition_info pi = part_info(env, "t", 1);
	assert_true(pi.high_watermark < pi.log_end);
	assert_ok(offlog_close(env));
	assert_verifies(f->path);
}

/* A topic with `records` records in each of 2 partitions, committed
 * offsets of 20 groups and an idempotent producer's states, then deleted
 * with the syncs failing after `ok_syncs`: the purge stops where it is. */
static void delete_interrupted(const char *path, int records, int ok_syncs)
{
	offlog_env *env;
	assert_ok(offlog_open(&env, path, NULL));
	create_topic(env, "doomed", 2);
	create_topic(env, "stays", 1);
	offlog_message *m = calloc(1000, sizeof *m);
	for (int i = 0; i < 1000; i++)
		m[i] = (offlog_message){"k", 1, "value", 5, 1000000, NULL, 0};
	for (int32_t p = 0; p < 2; p++)
		for (int done = 0; done < records; done += 1000)
			assert_ok(offlog_append_batch(NULL, NULL, env, "doomed", p, m,
			                              (size_t)(records - done < 1000 ? records - done : 1000)));
	free(m);
	append_keyed(env, "stays", 0, 10, -1);
	for (int g = 0; g < 20; g++) {
		char group[32];
		snprintf(group, sizeof group, "group-%02d", g);
		offlog_partition_offset e[3] = {{"doomed", 0, 10, NULL, 0}, {"doomed", 1, 20, NULL, 0},
		                                {"stays", 0, 5, NULL, 0}};
		offlog_txn *x;
		assert_ok(offlog_txn_begin(&x, env));
		assert_ok(offlog_txn_commit_offsets(x, group, e, 3));
		assert_ok(offlog_txn_commit(x));
	}
	offlog_producer_options o;
	offlog_producer *p;
	offlog_producer_options_init(&o);
	o.idempotent = 1;
	assert_ok(offlog_producer_open(&p, env, &o));
	offlog_message one = {"pk", 2, "sent", 4, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_producer_send(p, "doomed", 0, &one, NULL));
	assert_ok(offlog_producer_send(p, "doomed", 1, &one, NULL));
	assert_ok(offlog_producer_close(p, 0));
	syncs_left = ok_syncs;
	offlog_topic_delete(env, "doomed");
	syncs_left = -1;
	assert_ok(offlog_close(env));
}

/* What is left of deleted topics: 0 none, 1 the id only or with commits or
 * producer states, 2 records or partition states too. */
static int purge_left(const char *path)
{
	raw r;
	MDB_stat st;
	int left = 0;
	raw_begin(&r, path);
	MDB_cursor *c;
	MDB_val k, v;
	assert_int_equal(mdb_cursor_open(r.txn, r.dbi[T_TOPIC_IDS], &c), 0);
	for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if (v.mv_size > 0 && ((const uint8_t *)v.mv_data)[0] == 1)
			left = 1;
	mdb_cursor_close(c);
	assert_int_equal(mdb_stat(r.txn, r.dbi[T_PARTS], &st), 0);
	if (left && st.ms_entries > 2)   /* "stays" and the byte count */
		left = 2;
	mdb_txn_abort(r.txn);
	mdb_env_close(r.env);
	return left;
}

static void test_topic_deleted_mid_purge_verifies(void **state)
{
	OL_UNUSED(state);
	int seen[3] = {0, 0, 0};
	/* 2 x 7000 records: the purge's first step (10000 entries) stops inside
	 * the second partition's records; 2 x 4990: inside the commits. */
	const int sizes[2] = {7000, 4990};
	for (int s = 0; s < 2; s++)
		for (int ok = 0; ok < 10; ok++) {
			char *dir = temp_dir(), path[600];
			snprintf(path, sizeof path, "%s/store", dir);
			delete_interrupted(path, sizes[s], ok);
			int left = purge_left(path);
			seen[left]++;
			assert_verifies(path);   /* the read-write open completes the purge */
			assert_int_equal(purge_left(path), 0);
			assert_verifies(path);
			rm_rf(dir);
			free(dir);
		}
	assert_true(seen[1] > 0);
	assert_true(seen[2] > 0);
}

static void stays_record_missing(raw *r)
{
	pstate s = raw_state(r, "stays", 0);
	uint8_t k[OL_LOG_KEY];
	ol_log_key(k, st_pid(&s), 3);
	raw_del(r, T_LOG, k, sizeof k);
}

/* The check runs before the open's recovery: a refused store is not
 * purged (nor recounted or flushed) either. */
static void test_refused_store_is_not_recovered(void **state)
{
	OL_UNUSED(state);
	char *dir = temp_dir(), path[600];
	snprintf(path, sizeof path, "%s/store", dir);
	delete_interrupted(path, 7000, 4);
	assert_int_equal(purge_left(path), 2);
	raw r;
	raw_begin(&r, path);
	stays_record_missing(&r);
	raw_commit(&r);
	uint64_t before = store_digest(path);
	assert_code(open_verified(path, 0), OFFLOG_ECORRUPT);
	assert_non_null(strstr(offlog_errmsg(), "topic \"stays\" partition 0 holds 9 records"));
	assert_true(store_digest(path) == before);
	assert_int_equal(purge_left(path), 2);
	rm_rf(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_of_every_feature_verifies),
		cmocka_unit_test_setup_teardown(test_empty_store_verifies, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_store_with_unpublished_records_verifies, fx_setup,
		                                fx_teardown),
		cmocka_unit_test(test_topic_deleted_mid_purge_verifies),
		cmocka_unit_test(test_refused_store_is_not_recovered),
		cmocka_unit_test(test_member_record_cut_short_is_damage_not_lack_of_memory),
#define T(name) cmocka_unit_test(test_refuses_##name)
		T(no_state), T(no_states_at_all), T(state_beyond_count), T(state_of_no_topic),
		T(hw_beyond_leo), T(start_beyond_leo), T(start_beyond_hw), T(shared_pid), T(pid_not_given_out),
		T(record_beyond_leo), T(record_missing), T(record_of_no_partition),
		T(record_undecodable), T(timestamp_above_largest), T(bytes_miscounted),
		T(store_bytes_miscounted), T(index_beyond_leo), T(index_of_no_partition),
		T(topic_without_id), T(id_names_another_topic), T(live_id_without_topic),
		T(id_not_given_out), T(id_key_of_wrong_size), T(id_entry_of_unknown_state),
		T(protected_groups_lost), T(commit_of_no_topic),
		T(commit_of_no_partition), T(commit_beyond_leo), T(producer_of_no_topic),
		T(producer_run_beyond_leo),
#undef T
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

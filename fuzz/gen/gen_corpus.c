/*
 * gen_corpus.c - writes the seed corpora of the fuzz targets:
 * fuzz/corpus/api_ops (operation programs) and fuzz/corpus/open_store
 * (valid, truncated, bit-flipped and foreign store files).
 *
 * Not a fuzz target: it lives in fuzz/gen/, out of the fuzz/NAME.c pattern. Build and run from
 * the repository root:
 *
 *   cc -std=c11 -D_XOPEN_SOURCE=700 -Iinclude -Ilib -Ifuzz -o build/gen_corpus \
 *      fuzz/gen/gen_corpus.c lib/[a-z]*.c -llmdb -pthread
 *   rm -rf fuzz/corpus && ./build/gen_corpus fuzz/corpus
 *
 * The output is deterministic except for what LMDB and offlog record of the
 * moment (timestamps, transaction ids of a store built at run time).
 */
#include <offlog.h>
#include <lmdb.h>

#include "api_ops.h"

#include <errno.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *out_root;

static void fail(const char *what, int rc)
{
	fprintf(stderr, "gen_corpus: %s: %d (%s) %s\n", what, rc, rc < 0 ? offlog_errname(rc) : "",
	        rc < 0 ? offlog_errmsg() : mdb_strerror(rc));
	exit(1);
}

static void mkdir_p(const char *path)
{
	char buf[1024];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		fail(path, errno);
}

static void put(const char *sub, const char *name, const void *p, size_t n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", out_root, sub);
	mkdir_p(path);
	snprintf(path, sizeof path, "%s/%s/%s", out_root, sub, name);
	FILE *f = fopen(path, "wb");
	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0)
		fail(path, errno);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail(path, errno);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n)
		fail(path, EIO);
	fclose(f);
	*len = (size_t)n;
	return p;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* ---- api_ops programs ------------------------------------------------------ */

typedef struct prog {
	uint8_t b[4096];
	size_t n;
} prog;

static void b1(prog *p, int v)
{
	if (p->n < sizeof p->b)
		p->b[p->n++] = (uint8_t)v;
}

static void bytes(prog *p, const char *s)
{
	size_t n = strlen(s);
	b1(p, (int)n);
	for (size_t i = 0; i < n; i++)
		b1(p, s[i]);
}

/* Arguments, as api_ops.c reads them. */
#define TOPIC(p, i) b1(p, i)           /* topic pool: 0 "t0", 1 "t1", 2 "t2", 3 "t-3.x_" */
#define GROUP(p, i) b1(p, i)           /* group pool: 0 "g0", 1 "g1", 2 "group/2 ~" */
#define PART(p, n) b1(p, (n) + 1)      /* partition n in -1..4 */
#define OFFSET_IDX(p, i) b1(p, i)      /* index in offsets_t: 0..3 are 0..3, 8 BEGINNING, 9 END */
#define SLOT(p, i) b1(p, i)

static void msg(prog *p, const char *key, const char *value, int headers, int ts_idx)
{
	int f = (key ? 1 : 0) | (value ? 2 : 0) | (headers ? 4 : 0) | (ts_idx >= 0 ? 0x10 : 0);
	b1(p, f);
	if (key)
		bytes(p, key);
	if (value)
		bytes(p, value);
	if (headers) {
		b1(p, headers);
		for (int i = 0; i < headers; i++) {
			b1(p, 2 | 0x20);   /* a 2-byte name and a value */
			b1(p, 'h');
			b1(p, '0' + i);
			bytes(p, "hv");
		}
	}
	if (ts_idx >= 0)
		b1(p, ts_idx);
}

static void create(prog *p, int topic, int parts)
{
	b1(p, OP_TOPIC_CREATE);
	TOPIC(p, topic);
	b1(p, parts - 1);   /* b % 5 + 1 */
	b1(p, 0);           /* default config */
}

static void append(prog *p, int topic, int part, const char *k, const char *v)
{
	b1(p, OP_APPEND);
	TOPIC(p, topic);
	PART(p, part);
	msg(p, k, v, 1, -1);
}

static void consumer_open(prog *p, int slot, int group, int reset, int auto_commit)
{
	b1(p, OP_CONSUMER_OPEN);
	SLOT(p, slot);
	b1(p, group >= 0 ? 1 : 0);
	if (group >= 0)
		GROUP(p, group);
	b1(p, auto_commit ? 1 : 0);   /* option flags */
	b1(p, reset);                 /* auto_offset_reset */
	b1(p, 1);                     /* isolation COMMITTED: sees ASYNC stores' appends */
	b1(p, 0);                     /* options as given */
}

static void assign(prog *p, int slot, int topic, int nparts)
{
	b1(p, OP_ASSIGN);
	SLOT(p, slot);
	b1(p, nparts);
	for (int i = 0; i < nparts; i++) {
		TOPIC(p, topic);
		PART(p, i);
	}
}

/* A list of (topic, partition, offset index, metadata) entries. */
static void po_list(prog *p, int topic, int n, int off_idx, const char *meta)
{
	b1(p, n);
	for (int i = 0; i < n; i++) {
		TOPIC(p, topic);
		PART(p, i);
		b1(p, off_idx);
		if (meta) {
			b1(p, 128 + (int)strlen(meta));
			for (const char *c = meta; *c; c++)
				b1(p, *c);
		} else {
			b1(p, 0);
		}
	}
}

static void seeds_api_ops(void)
{
	prog p;
	char name[64];
	int k = 0;
#define EMIT(label)                                                  \
	do {                                                             \
		snprintf(name, sizeof name, "seed-%02d-%s", ++k, label);     \
		put("api_ops", name, p.b, p.n);                              \
	} while (0)

	/* topics, appends, a batch, a fetch */
	p.n = 0;
	create(&p, 0, 3);
	for (int i = 0; i < 4; i++)
		append(&p, 0, i % 3, "key", "value");
	b1(&p, OP_APPEND_BATCH);
	TOPIC(&p, 0);
	PART(&p, 1);
	b1(&p, 3);
	for (int i = 0; i < 3; i++)
		msg(&p, i ? "k" : NULL, "batched", i, 2);
	b1(&p, OP_TOPIC_MISC);   /* flush: the high watermark reaches the log end */
	TOPIC(&p, 0);
	b1(&p, 2);
	b1(&p, OP_FETCH);
	TOPIC(&p, 0);
	PART(&p, 1);
	OFFSET_IDX(&p, 8);
	b1(&p, 0);
	b1(&p, 0);
	b1(&p, 1);
	b1(&p, OP_TOUCH_BATCH);
	b1(&p, OP_TOPIC_INFO);
	TOPIC(&p, 0);
	PART(&p, 0);
	EMIT("append-fetch");

	/* a consumer: assign, poll, seek, commit, query */
	p.n = 0;
	create(&p, 1, 2);
	append(&p, 1, 0, "a", "1");
	append(&p, 1, 1, "b", "2");
	append(&p, 1, 0, NULL, "3");
	consumer_open(&p, 0, 0, 1, 0);
	assign(&p, 0, 1, 2);
	b1(&p, OP_POLL);
	SLOT(&p, 0);
	b1(&p, OP_TOUCH_POLLED);
	SLOT(&p, 0);
	b1(&p, OP_COMMIT);
	SLOT(&p, 0);
	b1(&p, 0);
	b1(&p, OP_SEEK);
	SLOT(&p, 0);
	b1(&p, 0);
	TOPIC(&p, 1);
	PART(&p, 0);
	OFFSET_IDX(&p, 8);
	b1(&p, OP_CONSUMER_QUERY);
	SLOT(&p, 0);
	TOPIC(&p, 1);
	PART(&p, 0);
	b1(&p, OP_COMMIT);
	SLOT(&p, 0);
	b1(&p, 2);
	po_list(&p, 1, 2, 1, "meta");
	b1(&p, OP_COMMIT);   /* asynchronous, with a callback */
	SLOT(&p, 0);
	b1(&p, 1);
	b1(&p, 1);
	b1(&p, OP_POLL);
	SLOT(&p, 0);
	b1(&p, OP_CONSUMER_CLOSE);
	SLOT(&p, 0);
	EMIT("consumer");

	/* a transaction: appends and an offset commit, then one aborted */
	p.n = 0;
	create(&p, 2, 1);
	append(&p, 2, 0, "x", "before");
	b1(&p, OP_TXN);
	b1(&p, 0);
	b1(&p, OP_TXN);
	b1(&p, 1);
	TOPIC(&p, 2);
	PART(&p, 0);
	msg(&p, "t", "in txn", 0, -1);
	b1(&p, OP_TXN);
	b1(&p, 2);
	GROUP(&p, 1);
	po_list(&p, 2, 1, 1, NULL);
	b1(&p, OP_APPEND);   /* ETXN: this thread holds a transaction */
	TOPIC(&p, 2);
	PART(&p, 0);
	msg(&p, NULL, "x", 0, -1);
	b1(&p, OP_TXN);
	b1(&p, 4);
	b1(&p, OP_TXN);
	b1(&p, 0);
	b1(&p, OP_TXN);
	b1(&p, 1);
	TOPIC(&p, 2);
	PART(&p, 0);
	msg(&p, NULL, "aborted", 0, -1);
	b1(&p, OP_TXN);
	b1(&p, 5);
	b1(&p, OP_GROUP);
	GROUP(&p, 1);
	b1(&p, 0);
	EMIT("txn");

	/* the producer: sends, a flush, close */
	for (int idem = 0; idem < 2; idem++) {
		p.n = 0;
		create(&p, 0, 2);
		for (int i = 0; i < 3; i++) {
			b1(&p, OP_PRODUCER);
			b1(&p, 0);
			if (i == 0) {
				b1(&p, idem);   /* option flags: idempotent */
				b1(&p, 0);      /* linger */
				b1(&p, 5);      /* block_ms */
				b1(&p, 0);      /* options as given */
			}
			TOPIC(&p, 0);
			PART(&p, i % 2);
			msg(&p, "pk", "produced", 0, -1);
		}
		b1(&p, OP_PRODUCER);
		b1(&p, 2);
		b1(&p, 1);   /* flush, no limit */
		b1(&p, OP_PRODUCER);
		b1(&p, 3);
		TOPIC(&p, 0);
		PART(&p, 0);
		if (idem) {
			b1(&p, OP_PRODUCER);   /* resend of sequence 0: a duplicate */
			b1(&p, 1);
			TOPIC(&p, 0);
			PART(&p, 0);
			b1(&p, 0);
			msg(&p, "pk", "produced", 0, -1);
		}
		b1(&p, OP_PRODUCER);
		b1(&p, 4);
		b1(&p, 0);
		EMIT(idem ? "producer-idempotent" : "producer");
	}

	/* retention, delete-records, offsets for times, maintenance */
	p.n = 0;
	b1(&p, OP_TOPIC_CREATE);
	TOPIC(&p, 3);
	b1(&p, 1);   /* 2 partitions */
	b1(&p, 1);   /* with a config: */
	b1(&p, 0x01 | 0x02 | 0x04);
	b1(&p, 4);   /* retention_ms 1000 */
	b1(&p, 4);   /* retention_bytes 1000 */
	b1(&p, 3);   /* delete + compact */
	for (int i = 0; i < 6; i++) {
		b1(&p, OP_APPEND);
		TOPIC(&p, 3);
		PART(&p, 0);
		msg(&p, i % 2 ? "k1" : "k2", i == 5 ? NULL : "v", 0, 1 + i % 3);
	}
	b1(&p, OP_TOPIC_MISC);
	TOPIC(&p, 3);
	b1(&p, 2);
	b1(&p, OP_OFFSETS_FOR_TIMES);
	po_list(&p, 3, 2, 2, NULL);
	b1(&p, OP_DELETE_RECORDS);
	TOPIC(&p, 3);
	PART(&p, 0);
	OFFSET_IDX(&p, 2);
	b1(&p, 1);
	b1(&p, OP_MAINTAIN);
	b1(&p, 0);
	b1(&p, OP_TOPIC_ALTER);
	TOPIC(&p, 3);
	b1(&p, 0x10 | 0x20);
	b1(&p, 4);   /* max_message_bytes 100 */
	b1(&p, 1);   /* one protected group */
	GROUP(&p, 0);
	b1(&p, 0);
	b1(&p, OP_TOPIC_MISC);   /* add partitions */
	TOPIC(&p, 3);
	b1(&p, 1);
	b1(&p, 1);
	b1(&p, 5);
	EMIT("retention");

	/* group administration */
	p.n = 0;
	create(&p, 0, 2);
	append(&p, 0, 0, "a", "b");
	append(&p, 0, 1, "c", "d");
	b1(&p, OP_TXN);
	b1(&p, 0);
	b1(&p, OP_TXN);
	b1(&p, 2);
	GROUP(&p, 0);
	po_list(&p, 0, 2, 1, "m");
	b1(&p, OP_TXN);
	b1(&p, 4);
	for (int to = 0; to < 6; to++) {
		b1(&p, OP_GROUP);
		GROUP(&p, 0);
		b1(&p, 1);
		po_list(&p, 0, 2, 0, NULL);
		b1(&p, to);
		b1(&p, 0);
		b1(&p, 1);   /* delta +1 */
		b1(&p, to % 2);
	}
	b1(&p, OP_GROUP);
	GROUP(&p, 0);
	b1(&p, 4);
	TOPIC(&p, 0);
	PART(&p, 0);
	b1(&p, OP_GROUP);
	GROUP(&p, 0);
	b1(&p, 2);
	b1(&p, OP_GROUP);
	GROUP(&p, 0);
	b1(&p, 3);
	EMIT("group-admin");

	/* two members of a group sharing a topic */
	p.n = 0;
	create(&p, 0, 4);
	for (int s = 0; s < 2; s++) {
		b1(&p, OP_CONSUMER_OPEN);
		SLOT(&p, s);
		b1(&p, 1);
		GROUP(&p, 1);
		b1(&p, 0x04 | 0x10);   /* group timings, callbacks */
		b1(&p, 1);
		b1(&p, 0);
		b1(&p, 3);             /* session 100 ms */
		b1(&p, 2);             /* heartbeat 10 ms */
		b1(&p, 6);             /* max poll interval 45 s */
		b1(&p, s ? 2 : 0);     /* assignor */
		b1(&p, 0);
		b1(&p, OP_SUBSCRIBE);
		SLOT(&p, s);
		b1(&p, 1);
		TOPIC(&p, 0);
		b1(&p, 1);
	}
	for (int i = 0; i < 4; i++) {
		b1(&p, OP_POLL);
		SLOT(&p, i % 2);
	}
	b1(&p, OP_GROUP);
	GROUP(&p, 1);
	b1(&p, 0);
	b1(&p, OP_SUBSCRIBE);   /* unsubscribe */
	SLOT(&p, 1);
	b1(&p, 0);
	b1(&p, 0);
	EMIT("subscribe");

	/* limits and bad arguments */
	p.n = 0;
	create(&p, 0, 1);
	b1(&p, OP_TOPIC_CREATE);   /* a name of 250 bytes: ENAME */
	b1(&p, 246);
	b1(&p, 0);
	b1(&p, 0);
	b1(&p, OP_TOPIC_CREATE);   /* bytes of the input as a name */
	b1(&p, 200);
	bytes(&p, "../escape");
	b1(&p, 0);
	b1(&p, 0);
	b1(&p, OP_APPEND);   /* a key over OFFLOG_KEY_MAX */
	TOPIC(&p, 0);
	PART(&p, 0);
	b1(&p, 0x01 | 0x08);
	b1(&p, 1);
	b1(&p, 2);
	b1(&p, OP_APPEND);   /* 1025 headers */
	TOPIC(&p, 0);
	PART(&p, 0);
	b1(&p, 0x04 | 0x08);
	b1(&p, 0x42);
	b1(&p, 0);
	b1(&p, OP_APPEND);   /* a bad timestamp */
	TOPIC(&p, 0);
	PART(&p, 0);
	msg(&p, "k", "v", 0, 5);
	b1(&p, OP_FETCH);    /* out of range */
	TOPIC(&p, 0);
	PART(&p, 0);
	OFFSET_IDX(&p, 13);
	b1(&p, 0);
	b1(&p, 0);
	b1(&p, 0);
	b1(&p, OP_MISC);
	b1(&p, 2);
	b1(&p, OP_MISC);
	b1(&p, 1);
	bytes(&p, "key");
	b1(&p, 4);
	EMIT("limits");

	/* random programs, to start from somewhere else too */
	for (int r = 0; r < 4; r++) {
		p.n = 0;
		create(&p, r % 4, 3);
		size_t len = 64 + next_rand() % 192;
		while (p.n < len)
			b1(&p, (int)(next_rand() & 0xff));
		EMIT("random");
	}
#undef EMIT
}

/* ---- open_store files ------------------------------------------------------ */

static char tmp_dir[256];

static void path_in(char *out, size_t n, const char *a, const char *b)
{
	snprintf(out, n, "%s/%s%s%s", tmp_dir, a, b ? "/" : "", b ? b : "");
}

/* A small valid store, built with the API: topics with keys, values, headers,
 * committed offsets, an idempotent producer's sequences, a deleted topic. */
static void build_store(const char *dir)
{
	offlog_env *env;
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.durability = OFFLOG_DURABILITY_ASYNC;
	int rc = offlog_open(&env, dir, &o);
	if (rc)
		fail("offlog_open", rc);
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT;
	if ((rc = offlog_topic_create(env, "orders", 2, NULL)) ||
	    (rc = offlog_topic_create(env, "compacted", 1, &cfg)) ||
	    (rc = offlog_topic_create(env, "gone", 1, NULL)))
		fail("offlog_topic_create", rc);
	offlog_header h[2] = {{"trace", 5, "abc", 3}, {"null", 4, NULL, 0}};
	for (int i = 0; i < 24; i++) {
		char key[16], val[48];
		snprintf(key, sizeof key, "k%d", i % 5);
		snprintf(val, sizeof val, "value %d", i);
		offlog_message m = {key, strlen(key), val, strlen(val), 1700000000000 + i, h,
		                    (size_t)(i % 3)};
		if ((rc = offlog_append(NULL, NULL, env, i % 2 ? "orders" : "compacted",
		                        i % 2 ? (i / 2) % 2 : 0, &m)))
			fail("offlog_append", rc);
	}
	offlog_partition_offset po[2] = {{"orders", 0, 2, "meta", 0}, {"orders", 1, 1, NULL, 0}};
	offlog_txn *txn;
	if ((rc = offlog_flush(env)) || (rc = offlog_txn_begin(&txn, env)) ||
	    (rc = offlog_txn_commit_offsets(txn, "g1", po, 2)) || (rc = offlog_txn_commit(txn)))
		fail("offsets", rc);
	offlog_producer_options popt = OFFLOG_PRODUCER_OPTIONS_INIT;
	popt.idempotent = 1;
	popt.linger_ms = 0;
	offlog_producer *prod;
	offlog_message m = {"pk", 2, "pv", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	if ((rc = offlog_producer_open(&prod, env, &popt)) ||
	    (rc = offlog_producer_send(prod, "orders", 1, &m, NULL)) ||
	    (rc = offlog_producer_close(prod, 0)))
		fail("producer", rc);
	if ((rc = offlog_flush(env)) || (rc = offlog_delete_records(NULL, env, "orders", 0, 2)) ||
	    (rc = offlog_topic_delete(env, "gone")) || (rc = offlog_close(env)))
		fail("finishing the store", rc);
}

/* Another program's LMDB environment: named databases that are not offlog's
 * (and, with `with_meta`, one called "meta" holding other keys). */
static void build_foreign(const char *dir, int with_meta)
{
	MDB_env *e;
	MDB_txn *t;
	MDB_dbi users, meta;
	int rc;
	mkdir(dir, 0700);
	if ((rc = mdb_env_create(&e)) || (rc = mdb_env_set_maxdbs(e, 4)) ||
	    (rc = mdb_env_open(e, dir, 0, 0600)) || (rc = mdb_txn_begin(e, NULL, 0, &t)) ||
	    (rc = mdb_dbi_open(t, "users", MDB_CREATE, &users)))
		fail("foreign lmdb", rc);
	for (int i = 0; i < 50; i++) {
		char k[16], v[32];
		snprintf(k, sizeof k, "user%03d", i);
		snprintf(v, sizeof v, "{\"id\":%d}", i);
		MDB_val mk = {strlen(k), k}, mv = {strlen(v), v};
		if ((rc = mdb_put(t, users, &mk, &mv, 0)))
			fail("mdb_put", rc);
	}
	if (with_meta) {
		MDB_val mk = {7, "version"}, mv = {3, "1.0"};
		if ((rc = mdb_dbi_open(t, "meta", MDB_CREATE, &meta)) || (rc = mdb_put(t, meta, &mk, &mv, 0)))
			fail("foreign meta", rc);
	}
	if ((rc = mdb_txn_commit(t)))
		fail("mdb_txn_commit", rc);
	mdb_env_close(e);
}

/* The valid store with its format marker changed (or removed). */
static void set_format(const char *dir, int fmt)
{
	MDB_env *e;
	MDB_txn *t;
	MDB_dbi meta;
	int rc;
	if ((rc = mdb_env_create(&e)) || (rc = mdb_env_set_maxdbs(e, 16)) ||
	    (rc = mdb_env_set_mapsize(e, 1u << 30)) || (rc = mdb_env_open(e, dir, 0, 0600)) ||
	    (rc = mdb_txn_begin(e, NULL, 0, &t)) || (rc = mdb_dbi_open(t, "meta", 0, &meta)))
		fail("reopening the store with lmdb", rc);
	MDB_val k = {6, "format"};
	uint8_t v[4] = {0, 0, 0, (uint8_t)fmt};
	MDB_val mv = {4, v};
	rc = fmt < 0 ? mdb_del(t, meta, &k, NULL) : mdb_put(t, meta, &k, &mv, 0);
	if (rc || (rc = mdb_txn_commit(t)))
		fail("format marker", rc);
	mdb_env_close(e);
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* "OFLF": data.mdb, lock.mdb and offlog.wake given. */
static void put_files(const char *name, const uint8_t *d, size_t dn, const uint8_t *l, size_t ln,
                      const uint8_t *w, size_t wn)
{
	size_t n = 12 + dn + ln + wn;
	uint8_t *b = malloc(n);
	memcpy(b, "OFLF", 4);
	be32(b + 4, (uint32_t)dn);
	memcpy(b + 8, d, dn);
	be32(b + 8 + dn, (uint32_t)ln);
	if (ln)
		memcpy(b + 12 + dn, l, ln);
	if (wn)
		memcpy(b + 12 + dn + ln, w, wn);
	put("open_store", name, b, n);
	free(b);
}

/* "OFLM": a mutation of the target's own valid store. */
static void put_mutation(const char *name, uint8_t flags, uint32_t trunc, const uint32_t *offs,
                         const uint8_t *xors, size_t n)
{
	uint8_t b[256];
	size_t len = 9;
	memcpy(b, "OFLM", 4);
	b[4] = flags;
	be32(b + 5, trunc);
	for (size_t i = 0; i < n && len + 5 <= sizeof b; i++, len += 5) {
		be32(b + len, offs[i]);
		b[len + 4] = xors[i];
	}
	put("open_store", name, b, len);
}

static void seeds_open_store(void)
{
	char dir[512], file[600];
	size_t n, ln;
	path_in(dir, sizeof dir, "valid", NULL);
	build_store(dir);
	path_in(file, sizeof file, "valid", "data.mdb");
	uint8_t *valid = slurp(file, &n);
	path_in(file, sizeof file, "valid", "lock.mdb");
	uint8_t *lock = slurp(file, &ln);
	size_t psize = 4096;

	put("open_store", "valid-store", valid, n);
	put_files("valid-store-with-lock", valid, n, lock, ln, NULL, 0);
	put("open_store", "truncated-half", valid, n / 2);
	put("open_store", "truncated-meta-pages-only", valid, 2 * psize);
	put("open_store", "truncated-one-page", valid, psize);
	put("open_store", "truncated-mid-page", valid, psize * 3 + 100);

	uint8_t *flip = malloc(n);
	memcpy(flip, valid, n);
	flip[psize + 144] ^= 0x01;   /* the second meta page's transaction id */
	put("open_store", "bitflip-meta-txnid", flip, n);
	memcpy(flip, valid, n);
	flip[136] ^= 0x40;           /* the first meta page's last page number */
	flip[psize + 136] ^= 0x40;
	put("open_store", "bitflip-meta-last-page", flip, n);
	memcpy(flip, valid, n);
	for (size_t i = 2 * psize; i < n; i += 997)
		flip[i] ^= (uint8_t)(1u << (i % 8));
	put("open_store", "bitflip-data-pages", flip, n);
	memcpy(flip, valid, n);
	flip[3 * psize + psize / 2] ^= 0xff;   /* inside a record, past the page header */
	put("open_store", "bitflip-one-byte", flip, n);
	free(flip);

	/* Another program's LMDB. */
	path_in(dir, sizeof dir, "foreign", NULL);
	build_foreign(dir, 0);
	path_in(file, sizeof file, "foreign", "data.mdb");
	uint8_t *foreign = slurp(file, &ln);
	put("open_store", "foreign-lmdb", foreign, ln);
	free(foreign);
	path_in(dir, sizeof dir, "foreign-meta", NULL);
	build_foreign(dir, 1);
	path_in(file, sizeof file, "foreign-meta", "data.mdb");
	foreign = slurp(file, &ln);
	put("open_store", "foreign-lmdb-with-meta-db", foreign, ln);
	free(foreign);

	/* An offlog store of a newer format, and one without its marker. */
	path_in(dir, sizeof dir, "valid", NULL);
	set_format(dir, 2);
	path_in(file, sizeof file, "valid", "data.mdb");
	uint8_t *other = slurp(file, &ln);
	put("open_store", "newer-format", other, ln);
	free(other);
	set_format(dir, -1);
	other = slurp(file, &ln);
	put("open_store", "no-format-marker", other, ln);
	free(other);

	put("open_store", "empty-file", "", 0);
	uint8_t rnd[4096];
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (uint8_t)next_rand();
	put("open_store", "random-bytes", rnd, sizeof rnd);
	/* Only the first meta page's magic: LMDB-looking, nothing behind it. */
	uint8_t hdr[2 * 4096] = {0};
	hdr[16] = 0xde;
	hdr[17] = 0xc0;
	hdr[18] = 0xef;
	hdr[19] = 0xbe;
	hdr[20] = 1;
	put("open_store", "lmdb-magic-only", hdr, sizeof hdr);
	put_files("valid-store-random-lock", valid, n, rnd, sizeof rnd, rnd, 64);

	uint32_t offs[3] = {0, 16, 2 * 4096 + 20};
	uint8_t xors[3] = {0, 0x10, 0x01};
	put_mutation("mutate-none", 0, 0xffffffffu, NULL, NULL, 0);
	put_mutation("mutate-truncate", 1, 5 * 4096, NULL, NULL, 0);
	put_mutation("mutate-flips", 2, 0xffffffffu, offs, xors, 3);
	free(valid);
	free(lock);
}

int main(int argc, char **argv)
{
	out_root = argc > 1 ? argv[1] : "fuzz/corpus";
	const char *t = getenv("TMPDIR");
	snprintf(tmp_dir, sizeof tmp_dir, "%s/offlog-gen-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmp_dir))
		fail("mkdtemp", errno);
	seeds_api_ops();
	seeds_open_store();
	nftw(tmp_dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	printf("seeds written under %s\n", out_root);
	return 0;
}

/*
 * open_store.c - libFuzzer target: opening damaged or foreign files as a store.
 *
 * The input becomes the files of a store directory, then the store is opened
 * (read-write, then read-only), read (topics, their descriptions and
 * records, groups, committed offsets), written to a little (read-write) or
 * backed up (read-only), and closed.
 * Whatever the files hold, every call must return 0 or an OFFLOG_E* code:
 * never a crash, a hang or a sanitizer report. Stores are opened with
 * OFFLOG_OPEN_VERIFY, the mode for files of unknown origin. Build with
 * `make fuzz FUZZ_LMDB_SRC=DIR` to have LMDB itself instrumented, so that an
 * overrun inside LMDB is reported where it happens.
 *
 * Input formats (the seeds in fuzz/corpus/open_store use all three):
 *  - "OFLM" flags:u8 truncate:u32 then (offset:u32 xor:u8)...: a mutation of
 *    a valid small store made at start-up: truncated to `truncate` bytes
 *    (0xffffffff: not truncated), then each byte at offset (modulo the
 *    length) xor-ed.
 *  - "OFLF" n:u32 data[n] m:u32 lock[m] wake[rest]: data.mdb, lock.mdb and,
 *    when anything is left, offlog.wake, as given.
 *  - anything else: the whole input is data.mdb.
 * Lengths are big-endian. flags bit 0 skips the read-write open, bit 1 the
 * read-only one.
 */
#define _XOPEN_SOURCE 700
#include <offlog.h>

#include "common.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_TOPICS 8
#define MAX_PARTS 4
#define MAX_GROUPS 4

static char base_dir[512];
static char store_dir[600];
static uint8_t *valid;      /* data.mdb of a valid small store */
static size_t valid_len;
static volatile uint64_t sink;

static void die(const char *what, int rc)
{
	fprintf(stderr, "open_store: %s returned %d (%s): %s\n", what, rc, offlog_errname(rc),
	        offlog_errmsg());
	abort();
}

/* rc must be 0 or one of the OFFLOG_E* codes: offlog_errname() names every
 * code of the enum and gives "OFFLOG_E?" for anything else. */
static int check(const char *what, int rc)
{
	if (rc > 0 || (rc < 0 && strcmp(offlog_errname(rc), "OFFLOG_E?") == 0))
		die(what, rc);
	return rc;
}

#define CHECK(call) check(#call, (call))

static void cleanup(void)
{
	fuzz_rm_rf(base_dir);
}

static void write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[700];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	const uint8_t *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w <= 0) {
			perror(path);
			abort();
		}
		b += w;
		n -= (size_t)w;
	}
	close(fd);
}

static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *p = malloc(n > 0 ? (size_t)n : 1);
	if (p && n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	*len = n > 0 ? (size_t)n : 0;
	return p;
}

static offlog_options options(bool rdonly)
{
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.durability = OFFLOG_DURABILITY_ASYNC;
	o.flush_interval_ms = 0;
	/* Files of unknown origin are opened with the structural check. */
	o.flags |= OFFLOG_OPEN_VERIFY;
	if (rdonly)
		o.flags |= OFFLOG_OPEN_READONLY;
	return o;
}

/* The valid store the mutations start from: two topics with keys, values,
 * headers and gaps, committed offsets of two groups, an idempotent producer's
 * sequences, a deleted topic, and a third topic big enough for branch pages,
 * overflow pages and a free list. Small enough (a few dozen pages) to run
 * hundreds of times a second. */
static void make_valid(void)
{
	char dir[700];
	snprintf(dir, sizeof dir, "%s/valid", base_dir);
	offlog_options o = options(false);
	offlog_env *env;
	int rc = offlog_open(&env, dir, &o);
	if (rc)
		die("offlog_open (valid store)", rc);
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.cleanup_policy = OFFLOG_CLEANUP_DELETE | OFFLOG_CLEANUP_COMPACT;
	if ((rc = offlog_topic_create(env, "orders", 3, NULL)) ||
	    (rc = offlog_topic_create(env, "compacted", 1, &cfg)) ||
	    (rc = offlog_topic_create(env, "gone", 1, NULL)))
		die("offlog_topic_create", rc);
	offlog_header h[2] = {{"trace", 5, "abc", 3}, {"null", 4, NULL, 0}};
	for (int i = 0; i < 40; i++) {
		char key[16], val[64];
		snprintf(key, sizeof key, "k%d", i % 7);
		snprintf(val, sizeof val, "value %d of the valid store", i);
		offlog_message m = {key, strlen(key), val, strlen(val), 1700000000000 + i, h,
		                    (size_t)(i % 3)};
		if ((rc = offlog_append(NULL, NULL, env, i % 2 ? "orders" : "compacted",
		                        i % 2 ? (i / 2) % 3 : OFFLOG_PARTITION_ANY, &m)))
			die("offlog_append", rc);
	}
	if ((rc = offlog_flush(env)))   /* ASYNC: the high watermark moves at a flush */
		die("offlog_flush", rc);
	offlog_partition_offset po[2] = {{"orders", 0, 2, "meta", 0}, {"orders", 1, 1, NULL, 0}};
	offlog_txn *txn;
	if ((rc = offlog_txn_begin(&txn, env)) || (rc = offlog_txn_commit_offsets(txn, "g1", po, 2)) ||
	    (rc = offlog_txn_commit(txn)))
		die("commit offsets", rc);
	offlog_producer_options popt = OFFLOG_PRODUCER_OPTIONS_INIT;
	popt.idempotent = 1;
	popt.linger_ms = 0;
	offlog_producer *prod;
	if ((rc = offlog_producer_open(&prod, env, &popt)))
		die("offlog_producer_open", rc);
	offlog_message m = {"pk", 2, "pv", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	if ((rc = offlog_producer_send(prod, "orders", 2, &m, NULL)) ||
	    (rc = offlog_producer_close(prod, 0)))
		die("producer", rc);
	offlog_consumer *c;
	offlog_topic_partition tp = {"orders", 1};
	const offlog_record *recs;
	size_t n;
	if ((rc = offlog_consumer_open(&c, env, "g2", NULL)) ||
	    (rc = offlog_consumer_assign(c, &tp, 1)) ||
	    (rc = offlog_consumer_seek(c, "orders", 1, OFFLOG_OFFSET_BEGINNING)) ||
	    (rc = offlog_consumer_poll(&recs, &n, c, 0)) || (rc = offlog_consumer_commit(c)) ||
	    (rc = offlog_consumer_close(c)))
		die("consumer", rc);
	/* Enough records for branch pages, values on overflow pages, and
	 * pages freed by a delete: what LMDB splits, merges and reuses. */
	static char bulk[5000];
	memset(bulk, 'b', sizeof bulk);
	if ((rc = offlog_topic_create(env, "bulk", 1, NULL)))
		die("offlog_topic_create", rc);
	for (int i = 0; i < 300; i++) {
		offlog_message bm = {"bk", 2, bulk, i % 100 == 7 ? sizeof bulk : 60,
		                     1700000001000 + i, NULL, 0};
		if ((rc = offlog_append(NULL, NULL, env, "bulk", 0, &bm)))
			die("offlog_append", rc);
	}
	if ((rc = offlog_flush(env)) || (rc = offlog_delete_records(NULL, env, "bulk", 0, 120)) ||
	    (rc = offlog_maintain(env, 0, NULL)))
		die("offlog_delete_records", rc);
	if ((rc = offlog_flush(env)) || (rc = offlog_delete_records(NULL, env, "orders", 0, 3)) ||
	    (rc = offlog_topic_delete(env, "gone")) || (rc = offlog_close(env)))
		die("finishing the valid store", rc);
	/* The structural check must accept what the library wrote. */
	offlog_options ro = options(true);
	if ((rc = offlog_open(&env, dir, &ro)) || (rc = offlog_close(env)))
		die("offlog_open (the valid store, verified)", rc);
	char path[800];
	snprintf(path, sizeof path, "%s/data.mdb", dir);
	valid = read_file(path, &valid_len);
	if (!valid || valid_len == 0)
		die("reading the valid store", 0);
	fuzz_rm_rf(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_scratch_dir(base_dir, sizeof base_dir);
	atexit(cleanup);
	make_valid();
	fprintf(stderr, "open_store: mutations of a valid store of %zu bytes\n", valid_len);
	snprintf(store_dir, sizeof store_dir, "%s/s", base_dir);
	return 0;
}

/* ---- what is done with the store ---------------------------------------- */

static void touch(const offlog_record *r)
{
	uint64_t s = strlen(r->topic) + (uint64_t)r->offset;
	for (size_t i = 0; i < r->key_len; i++)
		s += ((const uint8_t *)r->key)[i];
	for (size_t i = 0; i < r->value_len; i++)
		s += ((const uint8_t *)r->value)[i];
	for (size_t i = 0; i < r->headers_len; i++)
		s += ((const uint8_t *)r->headers)[i];
	offlog_header h[4];
	size_t n;
	if (CHECK(offlog_record_headers(h, 4, &n, r)) == 0)
		for (size_t i = 0; i < n; i++)
			s += h[i].name_len + h[i].value_len;
	sink += s;
}

static void read_topic(offlog_env *env, const char *topic, bool write)
{
	offlog_topic_info *info = NULL;
	int32_t parts = 1;
	if (CHECK(offlog_topic_describe(&info, env, topic)) == 0) {
		parts = info->partition_count;
		offlog_topic_info_free(info);
	}
	offlog_batch *b = NULL;
	for (int32_t p = 0; p < parts && p < MAX_PARTS; p++) {
		int64_t ls, hw, le;
		CHECK(offlog_watermarks_get(&ls, &hw, &le, env, topic, p));
		if (CHECK(offlog_fetch(&b, env, topic, p, OFFLOG_OFFSET_BEGINNING, 50, 0)) == 0) {
			const offlog_record *r;
			size_t n;
			CHECK(offlog_batch_records(&r, &n, NULL, b));
			for (size_t i = 0; i < n; i++)
				touch(&r[i]);
		}
		offlog_partition_offset po = {topic, p, 1700000000010, NULL, 0};
		CHECK(offlog_offsets_for_times(env, &po, 1));
		offlog_committed co = OFFLOG_COMMITTED_INIT;
		CHECK(offlog_group_committed(&co, env, "g1", topic, p));
	}
	offlog_batch_free(b);
	offlog_consumer *c;
	if (CHECK(offlog_consumer_open(&c, env, "g1", NULL)) == 0) {
		offlog_topic_partition tp = {topic, 0};
		const offlog_record *r;
		size_t n;
		if (CHECK(offlog_consumer_assign(c, &tp, 1)) == 0 &&
		    CHECK(offlog_consumer_poll(&r, &n, c, 0)) == 0)
			for (size_t i = 0; i < n; i++)
				touch(&r[i]);
		if (write)
			CHECK(offlog_consumer_commit(c));
		CHECK(offlog_consumer_close(c));
	}
	if (write) {
		offlog_message m = {"k", 1, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		CHECK(offlog_append(NULL, NULL, env, topic, OFFLOG_PARTITION_ANY, &m));
		CHECK(offlog_delete_records(NULL, env, topic, 0, OFFLOG_OFFSET_END));
	}
}

static void use_store(bool rdonly)
{
	offlog_options o = options(rdonly);
	offlog_env *env = NULL;
	if (CHECK(offlog_open(&env, store_dir, &o)) != 0)
		return;
	char **names;
	size_t n;
	if (CHECK(offlog_topic_list(&names, &n, env)) == 0) {
		for (size_t i = 0; i < n && i < MAX_TOPICS; i++)
			read_topic(env, names[i], !rdonly);
		offlog_names_free(names, n);
	}
	if (CHECK(offlog_group_list(&names, &n, env)) == 0) {
		for (size_t i = 0; i < n && i < MAX_GROUPS; i++) {
			offlog_group_description *d;
			if (CHECK(offlog_group_describe(&d, env, names[i])) == 0)
				offlog_group_description_free(d);
		}
		offlog_names_free(names, n);
	}
	offlog_store_info si = OFFLOG_STORE_INFO_INIT;
	CHECK(offlog_store_stat(&si, env));
	if (rdonly) {   /* a compacting copy walks every table through LMDB */
		char copy[700];
		snprintf(copy, sizeof copy, "%s/copy", base_dir);
		fuzz_rm_rf(copy);
		CHECK(offlog_backup(env, copy));
		fuzz_rm_rf(copy);
	}
	if (!rdonly) {
		/* The idempotent producer reads its persisted id and sequences. */
		offlog_producer_options popt = OFFLOG_PRODUCER_OPTIONS_INIT;
		popt.idempotent = 1;
		popt.linger_ms = 0;
		offlog_producer *prod;
		if (CHECK(offlog_producer_open(&prod, env, &popt)) == 0) {
			offlog_message m = {"pk", 2, "pv", 2, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			CHECK(offlog_producer_send(prod, "orders", 2, &m, NULL));
			CHECK(offlog_producer_close(prod, 0));
		}
		CHECK(offlog_topic_create(env, "fresh", 2, NULL));
		CHECK(offlog_maintain(env, 0, NULL));
		CHECK(offlog_flush(env));
	}
	/* The closing flush may fail on a damaged store; the handle is closed. */
	CHECK(offlog_close(env));
}

/* ---- input -------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void make_files(const uint8_t *d, size_t n, unsigned *flags)
{
	*flags = 0;
	if (n >= 9 && !memcmp(d, "OFLM", 4)) {
		*flags = d[4];
		uint32_t trunc = be32(d + 5);
		size_t len = trunc < valid_len ? trunc : valid_len;
		uint8_t *img = malloc(len ? len : 1);
		if (!img)
			abort();
		memcpy(img, valid, len);
		for (size_t i = 9; len && i + 5 <= n; i += 5)
			img[be32(d + i) % len] ^= d[i + 4];
		write_file(store_dir, "data.mdb", img, len);
		free(img);
	} else if (n >= 8 && !memcmp(d, "OFLF", 4)) {
		size_t dl = be32(d + 4), rest = n - 8;
		d += 8;
		if (dl > rest)
			dl = rest;
		write_file(store_dir, "data.mdb", d, dl);
		d += dl;
		rest -= dl;
		if (rest >= 4) {
			size_t ll = be32(d);
			d += 4;
			rest -= 4;
			if (ll > rest)
				ll = rest;
			write_file(store_dir, "lock.mdb", d, ll);
			d += ll;
			rest -= ll;
			if (rest)
				write_file(store_dir, "offlog.wake", d, rest);
		}
	} else {
		write_file(store_dir, "data.mdb", d, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags;
	fuzz_rm_rf(store_dir);
	if (mkdir(store_dir, 0700) != 0) {
		perror(store_dir);
		abort();
	}
	make_files(data, size, &flags);
	if (!(flags & 1))
		use_store(false);
	if (!(flags & 2))
		use_store(true);
	return 0;
}

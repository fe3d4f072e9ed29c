/*
 * api_ops.c - libFuzzer target: the input is a program of API calls.
 *
 * Each input is read as a sequence of operations (an opcode byte, then the
 * operation's arguments, all taken from the input) run against one store:
 * topics, appends and batches, fetches, consumers (assign, subscribe, poll,
 * seek, commits), transactions, offsets for times, delete-records, topic
 * configuration, maintenance, group administration and the producer.
 * Whatever the bytes, every call must return 0 or one of the documented
 * OFFLOG_E* codes, and ASan/UBSan must stay silent; anything else aborts.
 *
 * The store lives in a scratch directory (see common.h) and is created once; between inputs the handles the input
 * opened are closed and every topic and group deleted, and every
 * REOPEN_EVERY inputs the store is replaced by a fresh one (cycling through
 * the durability modes), so deleted records do not pile up.
 *
 * The input format (opcodes in api_ops.h, arguments as read below) is what
 * fuzz/gen/gen_corpus.c writes the seeds in.
 *
 * The harness only avoids what the API documents as the caller's deadlock:
 * while this thread holds a transaction, closing a producer or a consumer
 * waits for writes of their threads, which wait for the transaction.
 */
#define _XOPEN_SOURCE 700
#include <offlog.h>

#include "api_ops.h"
#include "common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REOPEN_EVERY 200
#define MAX_OPS 200
#define NCONSUMERS 2
#define NAME_BUFS 24
#define NAME_BUF_SIZE 320
#define MAX_BATCH 8
#define MAX_LIST 6
#define BIG_SIZE (OFFLOG_MESSAGE_MAX_DEFAULT * 2 + 64)
#define MANY_HEADERS (OFFLOG_HEADER_COUNT_MAX + 1)

/* ---- result checking ---------------------------------------------------- */

static void die(const char *what, int rc)
{
	fprintf(stderr, "api_ops: %s returned %d (%s): %s\n", what, rc, offlog_errname(rc),
	        offlog_errmsg());
	abort();
}

/* Is rc 0 or one of the OFFLOG_E* codes? offlog_errname() names every code
 * of the enum and gives "OFFLOG_E?" for anything else. */
static bool known_code(int rc)
{
	return rc == 0 || (rc < 0 && strcmp(offlog_errname(rc), "OFFLOG_E?") != 0);
}

/* Every code must be one of the enum; a store the harness never damaged must
 * never be reported corrupt, and a tmpfs never gives I/O errors. */
static bool trace;   /* OFFLOG_FUZZ_TRACE=1: print every call and its result */

static int check(const char *what, int rc)
{
	if (trace)
		fprintf(stderr, "%s -> %s %s\n", what, rc ? offlog_errname(rc) : "0", rc ? offlog_errmsg() : "");
	if (!known_code(rc))
		die(what, rc);
	if (rc == OFFLOG_ECORRUPT || rc == OFFLOG_EIO)
		die(what, rc);
	return rc;
}

#define CHECK(call) check(#call, (call))

static void expect(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "api_ops: broken invariant: %s (last detail: %s)\n", what,
		        offlog_errmsg());
		abort();
	}
}

/* ---- reading the input -------------------------------------------------- */

typedef struct input {
	const uint8_t *p;
	size_t n;
} input;

static uint8_t u8(input *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static uint64_t u64(input *in)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | u8(in);
	return v;
}

static uint32_t u32(input *in)
{
	uint32_t v = 0;
	for (int i = 0; i < 4; i++)
		v = v << 8 | u8(in);
	return v;
}

/* Up to `want` bytes of the input, in place. */
static const uint8_t *take(input *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;
	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}

static int64_t pick64(input *in, const int64_t *table, size_t n)
{
	uint8_t b = u8(in);
	if (b < n)
		return table[b];
	if (b == 255)
		return (int64_t)u64(in);
	return table[b % n];
}

#define PICK(in, table) pick64((in), (table), sizeof(table) / sizeof(table)[0])

static const int64_t offsets_t[] = {0, 1, 2, 3, 5, 8, 13, 20,
                                    OFFLOG_OFFSET_BEGINNING, OFFLOG_OFFSET_END,
                                    OFFLOG_OFFSET_STORED, OFFLOG_OFFSET_INVALID, -3,
                                    INT64_MAX, INT64_MIN, 1000, 4, 6, 7, 9, 10};
static const int64_t stamps_t[] = {OFFLOG_TIMESTAMP_NOW, 0, 1, 1000, 1700000000000, -2, -3,
                                   INT64_MAX, INT64_MIN, 5, 10, 2000, 1700000000001};
static const int64_t deltas_t[] = {0, 1, -1, 2, -2, 10, -10, INT64_MAX, INT64_MIN, 1000};
static const int64_t msgsize_t[] = {1000, OFFLOG_KEY_MAX, OFFLOG_KEY_MAX + 1,
                                    OFFLOG_HEADERS_MAX, OFFLOG_HEADERS_MAX + 1,
                                    OFFLOG_MESSAGE_MAX_DEFAULT - 100, OFFLOG_MESSAGE_MAX_DEFAULT,
                                    OFFLOG_MESSAGE_MAX_DEFAULT + 1, BIG_SIZE - 64};
static const int64_t retention_t[] = {-1, 0, 1, 10, 1000, 86400000, -2, INT64_MAX, INT64_MIN};
static const int64_t maxmsg_t[] = {OFFLOG_MESSAGE_MAX_DEFAULT, 0, 1, 10, 100, 1000,
                                   OFFLOG_MESSAGE_MAX_LIMIT, OFFLOG_MESSAGE_MAX_LIMIT + 1,
                                   -1, INT32_MAX};
static const int64_t partcount_t[] = {0, -1, INT32_MIN, OFFLOG_PARTITIONS_MAX + 1, 64, 200};
static const int64_t counts_t[] = {0, 1, 2, 3, 10, 500, 100000, UINT32_MAX};
static const int64_t ms_t[] = {0, 1, 10, 50, 100, 3000, 45000};

static int32_t partition(input *in)
{
	uint8_t b = u8(in);
	if (b < 200)
		return (int32_t)(b % 6) - 1;
	static const int32_t special[] = {-2, INT32_MIN, INT32_MAX, OFFLOG_PARTITIONS_MAX,
	                                  OFFLOG_PARTITIONS_MAX - 1, 7, 8};
	if (b == 255)
		return (int32_t)u32(in);
	return special[b % (sizeof special / sizeof special[0])];
}

static int64_t offset(input *in)
{
	return PICK(in, offsets_t);
}

/* ---- names -------------------------------------------------------------- */

static char name_bufs[NAME_BUFS][NAME_BUF_SIZE];
static unsigned name_next;

static const char *const topic_pool[] = {"t0", "t1", "t2", "t-3.x_"};
static const char *const group_pool[] = {"g0", "g1", "group/2 ~"};

/* A name from the pool mostly; else bytes of the input (which may hold any
 * byte, a NUL cutting it short), one of the length limits, or NULL. */
static const char *name(input *in, const char *const *pool, size_t npool)
{
	uint8_t b = u8(in);
	if (b < 200)
		return pool[b % npool];
	char *buf = name_bufs[name_next++ % NAME_BUFS];
	if (b < 245) {
		size_t got;
		const uint8_t *p = take(in, u8(in), &got);
		memcpy(buf, p, got);
		buf[got] = '\0';
		return buf;
	}
	if (b < 254) {
		size_t len = (b & 1) ? OFFLOG_NAME_MAX : OFFLOG_NAME_MAX + 1;
		memset(buf, 'a' + (b % 3), len);
		buf[len] = '\0';
		return buf;
	}
	return b == 254 ? "" : NULL;
}

static const char *topic(input *in)
{
	return name(in, topic_pool, sizeof topic_pool / sizeof topic_pool[0]);
}

static const char *group(input *in)
{
	return name(in, group_pool, sizeof group_pool / sizeof group_pool[0]);
}

/* ---- messages ----------------------------------------------------------- */

static uint8_t *big;   /* BIG_SIZE bytes of a pattern, for the size limits */
static offlog_header many_headers[MANY_HEADERS];
static char big_meta[OFFLOG_METADATA_MAX + 2];

typedef struct msgbuf {
	offlog_message m;
	offlog_header h[8];
} msgbuf;

static const void *payload(input *in, bool big_mode, size_t *len)
{
	if (big_mode) {
		/* from the table only: the length must stay within `big` */
		*len = (size_t)msgsize_t[u8(in) % (sizeof msgsize_t / sizeof msgsize_t[0])];
		return big;
	}
	return take(in, u8(in), len);
}

static void message(input *in, msgbuf *mb)
{
	uint8_t f = u8(in);
	offlog_message *m = &mb->m;
	memset(mb, 0, sizeof *mb);
	m->timestamp = OFFLOG_TIMESTAMP_NOW;
	if (f & 0x01)
		m->key = payload(in, (f & 0x08) && (u8(in) & 1), &m->key_len);
	if (f & 0x02)
		m->value = payload(in, (f & 0x08) && (u8(in) & 1), &m->value_len);
	if (f & 0x04) {
		if ((f & 0x08) && u8(in) == 0x42) {
			m->headers = many_headers;
			m->header_count = u8(in) & 1 ? OFFLOG_HEADER_COUNT_MAX : MANY_HEADERS;
		} else {
			size_t n = u8(in) % 9;
			for (size_t i = 0; i < n; i++) {
				uint8_t hf = u8(in);
				mb->h[i].name = (const char *)take(in, hf & 0x1f, &mb->h[i].name_len);
				if (hf & 0x20)
					mb->h[i].value = take(in, u8(in), &mb->h[i].value_len);
				if (hf & 0x40)   /* NULL name (with or without a length) */
					mb->h[i].name = NULL;
				if ((hf & 0xc0) == 0xc0)
					mb->h[i].name_len = 3;
			}
			m->headers = mb->h;
			m->header_count = n;
			if (n && (f & 0x08) && (u8(in) & 0x80))
				m->headers = NULL;   /* a count without an array */
		}
	}
	if (f & 0x10)
		m->timestamp = PICK(in, stamps_t);
	if (f & 0x20)   /* NULL data with a length: EINVAL */
		m->key_len = m->key ? m->key_len : 1 + (size_t)(f >> 6);
	if ((f & 0x40) && !(f & 0x20))
		m->value_len = m->value ? m->value_len : 2;
}

/* ---- touching records: every byte must be readable while valid --------- */

static volatile uint64_t sink;

static void touch_record(const offlog_record *r, const char *topic_want, int32_t part_want)
{
	uint64_t s = 0;
	expect(r->topic != NULL, "record has a topic");
	s += strlen(r->topic);
	if (topic_want)
		expect(strcmp(r->topic, topic_want) == 0, "fetched record is of the topic asked");
	if (part_want >= 0)
		expect(r->partition == part_want, "fetched record is of the partition asked");
	expect(r->offset >= 0, "record offset >= 0");
	expect(r->timestamp >= 0, "record timestamp >= 0");
	expect(r->key || !r->key_len, "a NULL key has length 0");
	expect(r->value || !r->value_len, "a NULL value has length 0");
	for (size_t i = 0; i < r->key_len; i++)
		s += ((const uint8_t *)r->key)[i];
	for (size_t i = 0; i < r->value_len; i += 61)
		s += ((const uint8_t *)r->value)[i];
	if (r->value_len)
		s += ((const uint8_t *)r->value)[r->value_len - 1];
	for (size_t i = 0; i < r->headers_len; i++)
		s += ((const uint8_t *)r->headers)[i];
	offlog_header h[8];
	size_t n = 0;
	int rc = CHECK(offlog_record_headers(h, 8, &n, r));
	expect(rc == 0, "a stored record's headers decode");
	expect(n <= 8 && n <= r->header_count, "decoded header count");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < h[i].name_len; j++)
			s += (uint8_t)h[i].name[j];
		for (size_t j = 0; j < h[i].value_len; j++)
			s += ((const uint8_t *)h[i].value)[j];
	}
	sink += s;
}

/* ---- callbacks ---------------------------------------------------------- */

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	(void)opaque;
	check("delivery report", d->err);
	expect(d->topic != NULL, "delivery report has a topic");
	if (d->err == 0)
		expect(d->offset >= 0 && d->partition >= 0, "delivered record has an offset");
	else
		expect(d->offset == OFFLOG_OFFSET_INVALID, "failed delivery has no offset");
	sink += strlen(d->topic);
}

static void on_commit(void *opaque, int err, const char *errmsg, const offlog_partition_offset *o,
                      size_t n)
{
	(void)opaque;
	check("async commit", err);
	/* A report's message: empty exactly when it succeeded. */
	if (!errmsg || (err == 0) != (errmsg[0] == 0))
		abort();
	for (size_t i = 0; i < n; i++) {
		check("async commit entry", o[i].err);
		sink += strlen(o[i].topic);
	}
}

static void on_rebalance(void *opaque, offlog_consumer *c, const offlog_topic_partition *tp,
                         size_t n)
{
	(void)c;
	for (size_t i = 0; i < n; i++) {
		expect(tp[i].topic && tp[i].partition >= 0, "rebalance partition");
		sink += strlen(tp[i].topic);
	}
	/* on_revoked: commits are still allowed there. */
	if (opaque)
		CHECK(offlog_consumer_commit(c));
}

static void on_lost(void *opaque, offlog_consumer *c, const char *t, int32_t p, int64_t first,
                    int64_t last)
{
	(void)opaque;
	(void)c;
	expect(t && p >= 0 && first >= 0 && first <= last, "records-lost range");
}

/* ---- the store and the input's handles ---------------------------------- */

static char base_dir[512];
static char store_dir[600];
static offlog_env *env;
static unsigned execs;
static unsigned generation;

typedef struct cslot {
	offlog_consumer *c;
	const offlog_record *recs;   /* the last poll's records, valid until the next
	                                poll, assign, release or close */
	size_t nrecs;
} cslot;

static cslot cons[NCONSUMERS];
static offlog_txn *txn;
static offlog_batch *batch;
static const char *batch_topic;
static char batch_topic_buf[NAME_BUF_SIZE];
static int32_t batch_part;
static offlog_producer *prod;

static void remove_store(void)
{
	if (store_dir[0])
		fuzz_rm_rf(store_dir);
}

static void cleanup(void)
{
	if (env)
		offlog_close(env);
	env = NULL;
	remove_store();
	rmdir(base_dir);
}

static void open_store(void)
{
	if (env) {
		int rc = CHECK(offlog_close(env));
		expect(rc == 0, "close with every handle closed");
		env = NULL;
		remove_store();
	}
	snprintf(store_dir, sizeof store_dir, "%s/s%u", base_dir, generation);
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.durability = (int)(generation % 3);
	o.flush_interval_ms = 0;
	o.map_size = 4u << 20;   /* small, so the map grows while records are held */
	generation++;
	int rc = offlog_open(&env, store_dir, &o);
	if (rc)
		die("offlog_open of a fresh store", rc);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_scratch_dir(base_dir, sizeof base_dir);
	atexit(cleanup);
	trace = getenv("OFFLOG_FUZZ_TRACE") != NULL;
	big = malloc(BIG_SIZE);
	if (!big)
		abort();
	for (size_t i = 0; i < BIG_SIZE; i++)
		big[i] = (uint8_t)(i * 131 + 7);
	for (size_t i = 0; i < MANY_HEADERS; i++)
		many_headers[i] = (offlog_header){"h", 1, "v", 1};
	memset(big_meta, 'm', sizeof big_meta - 1);
	open_store();
	return 0;
}

static void forget_records(cslot *s)
{
	s->recs = NULL;
	s->nrecs = 0;
}

static void close_consumer(cslot *s)
{
	if (s->c)
		CHECK(offlog_consumer_close(s->c));
	s->c = NULL;
	forget_records(s);
}

/* Close what the input left open, then empty the store. */
static void reset(void)
{
	offlog_txn_abort(txn);
	txn = NULL;
	offlog_batch_free(batch);
	batch = NULL;
	if (prod)
		CHECK(offlog_producer_close(prod, OFFLOG_PRODUCER_PURGE));
	prod = NULL;
	for (int i = 0; i < NCONSUMERS; i++)
		close_consumer(&cons[i]);
	if (++execs % REOPEN_EVERY == 0) {
		open_store();
		return;
	}
	char **names;
	size_t n;
	if (CHECK(offlog_topic_list(&names, &n, env)) == 0) {
		for (size_t i = 0; i < n; i++) {
			int rc = CHECK(offlog_topic_delete(env, names[i]));
			expect(rc == 0 || rc == OFFLOG_EMAPFULL, "deleting a listed topic");
		}
		offlog_names_free(names, n);
	}
	if (CHECK(offlog_group_list(&names, &n, env)) == 0) {
		for (size_t i = 0; i < n; i++)
			CHECK(offlog_group_delete(env, names[i]));   /* EGROUPLIVE: a static member */
		offlog_names_free(names, n);
	}
}

/* ---- operations --------------------------------------------------------- */

static size_t tp_list(input *in, offlog_topic_partition *tp)
{
	size_t n = u8(in) % (MAX_LIST + 1);
	for (size_t i = 0; i < n; i++) {
		tp[i].topic = topic(in);
		tp[i].partition = partition(in);
	}
	return n;
}

static size_t po_list(input *in, offlog_partition_offset *po, bool timestamps)
{
	size_t n = u8(in) % (MAX_LIST + 1);
	for (size_t i = 0; i < n; i++) {
		po[i].topic = topic(in);
		po[i].partition = partition(in);
		po[i].offset = timestamps ? PICK(in, stamps_t) : offset(in);
		po[i].err = 12345;
		uint8_t mf = u8(in);
		if (mf < 128) {
			po[i].metadata = NULL;
		} else if (mf < 250) {
			char *buf = name_bufs[name_next++ % NAME_BUFS];
			size_t got;
			const uint8_t *p = take(in, mf - 128, &got);
			memcpy(buf, p, got);
			buf[got] = '\0';
			po[i].metadata = buf;
		} else {
			/* OFFLOG_METADATA_MAX bytes, or one more */
			size_t len = (mf & 1) ? OFFLOG_METADATA_MAX : OFFLOG_METADATA_MAX + 1;
			big_meta[len] = '\0';
			po[i].metadata = big_meta;
		}
	}
	return n;
}

/* The per-entry codes of a list call are codes, and an entry that failed
 * makes the call fail. (po_list marks entries 12345: not set by the call.) */
static void check_entries(const char *what, int rc, const offlog_partition_offset *po, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (po[i].err == 12345)
			continue;
		check(what, po[i].err);
		if (po[i].err)
			expect(rc != 0, "a list call with a failed entry fails");
	}
}

static void topic_config(input *in, offlog_topic_config *cfg, const char **groups)
{
	offlog_topic_config_init(cfg);
	uint8_t f = u8(in);
	if (f & 0x01)
		cfg->retention_ms = PICK(in, retention_t);
	if (f & 0x02)
		cfg->retention_bytes = PICK(in, retention_t);
	if (f & 0x04)
		cfg->cleanup_policy = (int)(u8(in) % 5);
	if (f & 0x08)
		cfg->delete_retention_ms = PICK(in, retention_t);
	if (f & 0x10)
		cfg->max_message_bytes = (int32_t)PICK(in, maxmsg_t);
	if (f & 0x20) {
		size_t n = u8(in) % 4;
		for (size_t i = 0; i < n; i++)
			groups[i] = group(in);
		cfg->protected_groups = groups;
		cfg->protected_group_count = n;
		if ((f & 0x80) && n)
			cfg->protected_groups = NULL;
		if ((f & 0xc0) == 0xc0)
			cfg->protected_group_count = OFFLOG_PROTECTED_GROUPS_MAX + 1;
	}
	if (f & 0x40)
		cfg->version = u8(in) % 4;
}

static void consumer_options(input *in, offlog_consumer_options *o)
{
	offlog_consumer_options_init(o);
	uint8_t f = u8(in);
	static const int resets[] = {OFFLOG_RESET_LATEST, OFFLOG_RESET_EARLIEST, OFFLOG_RESET_NONE,
	                             OFFLOG_RESET_BY_DURATION, -1};
	o->auto_offset_reset = resets[u8(in) % (sizeof resets / sizeof resets[0])];
	o->enable_auto_commit = f & 0x01;
	o->isolation = (int)(u8(in) % 3);
	if (f & 0x02) {
		o->reset_duration_ms = PICK(in, retention_t);
		o->auto_commit_interval_ms = (uint32_t)PICK(in, ms_t);
		o->max_poll_records = (uint32_t)PICK(in, counts_t);
		o->max_poll_bytes = (uint64_t)PICK(in, counts_t);
	}
	if (f & 0x04) {
		o->session_timeout_ms = (uint32_t)PICK(in, ms_t);
		o->heartbeat_interval_ms = (uint32_t)PICK(in, ms_t);
		o->max_poll_interval_ms = (uint32_t)PICK(in, ms_t);
		o->assignor = (int)(u8(in) % 4);
	}
	if (f & 0x08)
		o->group_instance_id = group(in);
	if (f & 0x10) {
		o->on_assigned = on_rebalance;
		o->on_revoked = on_rebalance;
		o->on_lost = on_rebalance;
		o->rebalance_opaque = (f & 0x20) ? &execs : NULL;   /* non-NULL: commit in them */
		o->on_records_lost = on_lost;
	}
	if (f & 0x40)
		o->version = u8(in) % 4;
}

static void producer_options(input *in, offlog_producer_options *o)
{
	offlog_producer_options_init(o);
	uint8_t f = u8(in);
	o->linger_ms = (uint32_t)(u8(in) % 3);
	o->idempotent = f & 0x01;
	o->queue_full = (f & 0x02) ? OFFLOG_QUEUE_FAIL : OFFLOG_QUEUE_BLOCK;
	o->block_ms = (uint32_t)(u8(in) % 20);   /* never the default minute */
	if (f & 0x04) {
		o->batch_records = (uint32_t)PICK(in, counts_t);
		o->batch_bytes = (uint64_t)PICK(in, counts_t);
		o->queue_bytes = (uint64_t)PICK(in, counts_t);
	}
	if (f & 0x08)
		o->producer_id = (f & 0x10) ? u64(in) & ~OFFLOG_PRODUCER_ID_STORE_MIN : (uint64_t)(u8(in) % 4);
	o->on_delivery = on_delivery;
	if (f & 0x20)
		o->queue_full = (int)(u8(in) % 3);
	if (f & 0x40)
		o->version = u8(in) % 3;
}

static cslot *slot(input *in)
{
	return &cons[u8(in) % NCONSUMERS];
}

static void op_fetch(input *in)
{
	const char *t = topic(in);
	int32_t p = partition(in);
	int64_t off = offset(in);
	size_t maxr = (size_t)PICK(in, counts_t);
	size_t maxb = (size_t)PICK(in, counts_t);
	offlog_batch *b = batch;
	if (u8(in) & 1) {
		offlog_batch_free(batch);
		batch = b = NULL;
	}
	int rc = CHECK(offlog_fetch(&b, env, t, p, off, maxr, maxb));
	if (rc) {
		/* The batch passed in is still the caller's. */
		if (!batch)
			expect(b == NULL, "failed fetch returns no new batch");
		return;
	}
	expect(b != NULL, "fetch gives a batch");
	batch = b;
	snprintf(batch_topic_buf, sizeof batch_topic_buf, "%s", t);
	batch_topic = batch_topic_buf;
	batch_part = p;
}

static void op_touch_batch(input *in)
{
	(void)in;
	if (!batch)
		return;
	const offlog_record *r;
	size_t n;
	int64_t next;
	CHECK(offlog_batch_records(&r, &n, &next, batch));
	int64_t prev = -1;
	for (size_t i = 0; i < n; i++) {
		touch_record(&r[i], batch_topic, batch_part);
		expect(r[i].offset > prev, "fetched offsets increase");
		prev = r[i].offset;
	}
	expect(n == 0 || next > prev, "next offset is past the last record");
}

static void op_touch_polled(input *in)
{
	cslot *s = slot(in);
	for (size_t i = 0; i < s->nrecs; i++)
		touch_record(&s->recs[i], NULL, -1);
}

static void op_topic_create(input *in)
{
	const char *t = topic(in);
	uint8_t b = u8(in);
	int32_t parts = b < 240 ? (int32_t)(b % 5) + 1 : (int32_t)PICK(in, partcount_t);
	offlog_topic_config cfg;
	const char *groups[4];
	const offlog_topic_config *cp = NULL;
	if (u8(in) & 1) {
		topic_config(in, &cfg, groups);
		cp = &cfg;
	}
	CHECK(offlog_topic_create(env, t, parts, cp));
}

static void op_topic_alter(input *in)
{
	const char *t = topic(in);
	offlog_topic_config cfg;
	const char *groups[4];
	topic_config(in, &cfg, groups);
	CHECK(offlog_topic_alter_config(env, t, (u8(in) == 7) ? NULL : &cfg));
}

static void op_topic_info(input *in)
{
	const char *t = topic(in);
	offlog_topic_info *info = NULL;
	if (CHECK(offlog_topic_describe(&info, env, t)) == 0) {
		expect(info->partition_count >= 1, "a topic has partitions");
		for (int32_t i = 0; i < info->partition_count; i++) {
			const offlog_partition_info *p = &info->partitions[i];
			expect(p->partition == i, "partitions by number");
			expect(0 <= p->log_start && p->log_start <= p->high_watermark &&
			           p->high_watermark <= p->log_end,
			       "log start <= high watermark <= log end");
			expect(p->records >= 0 && p->bytes >= 0, "counts >= 0");
		}
		offlog_topic_info_free(info);
	}
	int64_t ls, hw, le;
	if (CHECK(offlog_watermarks_get(&ls, &hw, &le, env, t, partition(in))) == 0)
		expect(0 <= ls && ls <= hw && hw <= le, "watermarks ordered");
	char **names;
	size_t n;
	if (CHECK(offlog_topic_list(&names, &n, env)) == 0) {
		for (size_t i = 1; i < n; i++)
			expect(strcmp(names[i - 1], names[i]) < 0, "topic list sorted");
		offlog_names_free(names, n);
	}
}

static void op_append(input *in)
{
	const char *t = topic(in);
	int32_t p = partition(in);
	msgbuf mb;
	message(in, &mb);
	int64_t off = -5;
	int32_t pout = -5;
	if (CHECK(offlog_append(&off, &pout, env, t, p, &mb.m)) == 0) {
		expect(off >= 0 && pout >= 0, "append gives an offset and a partition");
		expect(p < 0 || pout == p, "append to the partition asked");
	}
}

static void op_append_batch(input *in)
{
	const char *t = topic(in);
	int32_t p = partition(in);
	static msgbuf mbs[MAX_BATCH];
	offlog_message msgs[MAX_BATCH];
	size_t n = u8(in) % (MAX_BATCH + 1);
	for (size_t i = 0; i < n; i++) {
		message(in, &mbs[i]);
		msgs[i] = mbs[i].m;
	}
	int64_t base = -5;
	int32_t pout = -5;
	const offlog_message *mp = (n == 0 && (u8(in) & 1)) ? NULL : msgs;
	if (CHECK(offlog_append_batch(&base, &pout, env, t, p, mp, n)) == 0)
		expect(base >= 0 && pout >= 0, "batch gives an offset and a partition");
}

static void op_consumer_open(input *in)
{
	cslot *s = slot(in);
	const char *g = (u8(in) & 3) ? group(in) : NULL;
	offlog_consumer_options o;
	consumer_options(in, &o);
	if (s->c) {
		if (txn)
			return;   /* close would wait for the transaction */
		close_consumer(s);
	}
	offlog_consumer *c = NULL;
	if (CHECK(offlog_consumer_open(&c, env, g, (u8(in) == 9) ? NULL : &o)) == 0)
		s->c = c;
	else
		expect(c == NULL, "failed open returns no consumer");
}

static void op_consumer_close(input *in)
{
	cslot *s = slot(in);
	if (!txn)
		close_consumer(s);
}

static void op_assign(input *in)
{
	cslot *s = slot(in);
	offlog_topic_partition tp[MAX_LIST];
	size_t n = tp_list(in, tp);
	if (!s->c)
		return;
	forget_records(s);
	if (CHECK(offlog_consumer_assign(s->c, tp, n)) == 0) {
		const offlog_topic_partition *a;
		size_t an;
		CHECK(offlog_consumer_assignment(&a, &an, s->c));
		expect(an == n, "assignment is what was assigned");
	}
}

static void op_subscribe(input *in)
{
	cslot *s = slot(in);
	const char *topics[MAX_LIST];
	size_t n = u8(in) % (MAX_LIST + 1);
	for (size_t i = 0; i < n; i++)
		topics[i] = topic(in);
	if (!s->c)
		return;
	if (txn)
		return;   /* joining waits for the group's write, behind the transaction */
	forget_records(s);
	if (u8(in) & 1)
		CHECK(offlog_consumer_subscribe(s->c, topics, n));
	else
		CHECK(offlog_consumer_unsubscribe(s->c));
	const char *member;
	int64_t gen;
	CHECK(offlog_consumer_member(&member, &gen, s->c));
}

static void op_poll(input *in)
{
	cslot *s = slot(in);
	if (!s->c)
		return;
	forget_records(s);
	const offlog_record *r = NULL;
	size_t n = 0;
	if (CHECK(offlog_consumer_poll(&r, &n, s->c, 0)) == 0) {
		s->recs = r;
		s->nrecs = n;
		for (size_t i = 0; i < n; i++)
			touch_record(&r[i], NULL, -1);
	}
}

static void op_release(input *in)
{
	cslot *s = slot(in);
	if (!s->c)
		return;
	forget_records(s);
	CHECK(offlog_consumer_release(s->c));
}

static void op_seek(input *in)
{
	cslot *s = slot(in);
	uint8_t kind = u8(in) % 3;
	const char *t = topic(in);
	int32_t p = partition(in);
	if (!s->c)
		return;
	if (kind == 0)
		CHECK(offlog_consumer_seek(s->c, t, p, offset(in)));
	else if (kind == 1)
		CHECK(offlog_consumer_seek_timestamp(s->c, t, p, PICK(in, stamps_t)));
	else
		CHECK(offlog_consumer_seek_relative(s->c, t, p, PICK(in, deltas_t)));
}

static void op_consumer_query(input *in)
{
	cslot *s = slot(in);
	const char *t = topic(in);
	int32_t p = partition(in);
	if (!s->c)
		return;
	int64_t pos = -5, lag = -5, plag = -5;
	if (CHECK(offlog_consumer_position(&pos, s->c, t, p)) == 0)
		expect(pos >= 0, "a known position is an offset");
	if (CHECK(offlog_consumer_lag(&lag, &plag, s->c, t, p)) == 0)
		expect((lag >= 0 || lag == OFFLOG_LAG_UNKNOWN) &&
		           (plag >= 0 || plag == OFFLOG_LAG_UNKNOWN),
		       "lag is >= 0 or unknown");
	offlog_committed co = OFFLOG_COMMITTED_INIT;
	if (CHECK(offlog_consumer_committed(&co, s->c, t, p)) == 0)
		expect(co.offset >= 0 || co.offset == OFFLOG_OFFSET_INVALID, "committed offset");
}

static void op_pause(input *in)
{
	cslot *s = slot(in);
	offlog_topic_partition tp[MAX_LIST];
	size_t n = tp_list(in, tp);
	if (!s->c)
		return;
	if (u8(in) & 1)
		CHECK(offlog_consumer_pause(s->c, tp, n));
	else
		CHECK(offlog_consumer_resume(s->c, tp, n));
}

static void op_commit(input *in)
{
	cslot *s = slot(in);
	uint8_t kind = u8(in) % 3;
	offlog_partition_offset po[MAX_LIST];
	size_t n = kind == 2 ? po_list(in, po, false) : 0;
	if (!s->c)
		return;
	if (kind == 0) {
		CHECK(offlog_consumer_commit(s->c));
	} else if (kind == 1) {
		CHECK(offlog_consumer_commit_async(s->c, (u8(in) & 1) ? on_commit : NULL, NULL));
	} else {
		int rc = CHECK(offlog_consumer_commit_offsets(s->c, po, n));
		check_entries("commit_offsets entry", rc, po, n);
	}
}

static void op_txn(input *in)
{
	uint8_t kind = u8(in) % 6;
	switch (kind) {
	case 0: {
		offlog_txn *t = NULL;
		int rc = CHECK(offlog_txn_begin(&t, env));
		if (rc == 0) {
			expect(txn == NULL, "only one transaction per thread");
			txn = t;
		} else {
			expect(rc != OFFLOG_ETXN || txn != NULL, "ETXN only with a transaction open");
		}
		break;
	}
	case 1: {
		const char *t = topic(in);
		int32_t p = partition(in);
		msgbuf mb;
		message(in, &mb);
		int64_t off;
		int32_t pout;
		if (txn && CHECK(offlog_txn_append(&off, &pout, txn, t, p, &mb.m)) == 0)
			expect(off >= 0 && pout >= 0, "txn append gives an offset");
		break;
	}
	case 2: {
		const char *g = group(in);
		offlog_partition_offset po[MAX_LIST];
		size_t n = po_list(in, po, false);
		if (txn) {
			int rc = CHECK(offlog_txn_commit_offsets(txn, g, po, n));
			check_entries("txn_commit_offsets entry", rc, po, n);
		}
		break;
	}
	case 3: {
		cslot *s = slot(in);
		if (txn && s->c)
			CHECK(offlog_txn_commit_consumer(txn, s->c));
		break;
	}
	case 4:
		if (txn)
			CHECK(offlog_txn_commit(txn));
		txn = NULL;
		break;
	default:
		offlog_txn_abort(txn);
		txn = NULL;
		break;
	}
}

static void op_offsets_for_times(input *in)
{
	offlog_partition_offset po[MAX_LIST];
	size_t n = po_list(in, po, true);
	int rc = CHECK(offlog_offsets_for_times(env, po, n));
	check_entries("offsets_for_times entry", rc, po, n);
	for (size_t i = 0; i < n; i++)
		if (po[i].err == 0)
			expect(po[i].offset >= 0 || po[i].offset == OFFLOG_OFFSET_END,
			       "offset for a time is an offset, or END");
}

static void op_delete_records(input *in)
{
	const char *t = topic(in);
	int32_t p = partition(in);
	int64_t before = offset(in);
	int64_t low = -5;
	if (CHECK(offlog_delete_records((u8(in) & 1) ? &low : NULL, env, t, p, before)) == 0)
		expect(low == -5 || low >= 0, "low watermark");
}

static void op_maintain(input *in)
{
	uint64_t max = (uint64_t)PICK(in, counts_t);
	uint64_t removed = 0;
	CHECK(offlog_maintain(env, max, &removed));
	expect(max == 0 || removed <= max, "maintain removes at most max_records");
}

static void op_topic_misc(input *in)
{
	const char *t = topic(in);
	uint8_t kind = u8(in) % 3;
	if (kind == 0)
		CHECK(offlog_topic_delete(env, t));
	else if (kind == 1)
		CHECK(offlog_topic_add_partitions(env, t, (u8(in) & 1) ? (int32_t)(u8(in) % 12)
		                                                        : (int32_t)PICK(in, partcount_t)));
	else
		CHECK(offlog_flush(env));
}

static void op_group(input *in)
{
	const char *g = group(in);
	uint8_t kind = u8(in) % 5;
	switch (kind) {
	case 0: {
		offlog_group_description *d = NULL;
		if (CHECK(offlog_group_describe(&d, env, g)) == 0) {
			expect(d->group && d->state, "a description names the group and its state");
			for (size_t i = 0; i < d->partition_count; i++) {
				const offlog_group_partition *gp = &d->partitions[i];
				expect(gp->topic && gp->partition >= 0, "described partition");
				expect(gp->lag >= 0 || gp->lag == OFFLOG_LAG_UNKNOWN, "described lag");
			}
			for (size_t i = 0; i < d->member_count; i++)
				sink += strlen(d->members[i].member_id);
			offlog_group_description_free(d);
		}
		break;
	}
	case 1: {
		offlog_partition_offset po[MAX_LIST];
		size_t n = po_list(in, po, false);
		static const int targets[] = {
			OFFLOG_RESET_TO_EARLIEST, OFFLOG_RESET_TO_LATEST,   OFFLOG_RESET_TO_OFFSET,
			OFFLOG_RESET_TO_TIMESTAMP, OFFLOG_RESET_SHIFT_BY,   OFFLOG_RESET_TO_CURRENT,
			OFFLOG_RESET_TO_LISTED,    -1,                       OFFLOG_RESET_TO_LISTED + 1};
		int to = targets[u8(in) % (sizeof targets / sizeof targets[0])];
		int64_t value = (u8(in) & 1) ? PICK(in, stamps_t) : PICK(in, deltas_t);
		static const unsigned flag_sets[] = {0, OFFLOG_RESET_DRY_RUN, OFFLOG_RESET_FORCE,
		                                     OFFLOG_RESET_DRY_RUN | OFFLOG_RESET_FORCE, 0x1};
		unsigned flags = flag_sets[u8(in) % (sizeof flag_sets / sizeof flag_sets[0])];
		int rc = CHECK(offlog_group_reset_offsets(env, g, po, n, to, value, flags));
		check_entries("group_reset_offsets entry", rc, po, n);
		break;
	}
	case 2: {
		char **names;
		size_t n;
		if (CHECK(offlog_group_list(&names, &n, env)) == 0)
			offlog_names_free(names, n);
		break;
	}
	case 3:
		CHECK(offlog_group_delete(env, g));
		break;
	default: {
		offlog_committed co = OFFLOG_COMMITTED_INIT;
		const char *t = topic(in);
		if (CHECK(offlog_group_committed(&co, env, g, t, partition(in))) == 0)
			expect(co.offset >= 0 || co.offset == OFFLOG_OFFSET_INVALID, "committed offset");
		break;
	}
	}
}

static void op_producer(input *in)
{
	uint8_t kind = u8(in) % 5;
	if (kind <= 1 && !prod) {
		offlog_producer_options o;
		producer_options(in, &o);
		offlog_producer *p = NULL;
		if (CHECK(offlog_producer_open(&p, env, (u8(in) == 3) ? NULL : &o)) != 0)
			return;
		prod = p;
	}
	if (!prod)
		return;
	switch (kind) {
	case 0: {
		const char *t = topic(in);
		int32_t p = partition(in);
		msgbuf mb;
		message(in, &mb);
		CHECK(offlog_producer_send(prod, t, p, &mb.m, NULL));
		break;
	}
	case 1: {
		const char *t = topic(in);
		int32_t p = partition(in);
		int64_t seq = PICK(in, deltas_t);
		msgbuf mb;
		message(in, &mb);
		CHECK(offlog_producer_send_sequenced(prod, t, p, seq, &mb.m, NULL));
		break;
	}
	case 2: {
		/* Without a transaction the producer's thread can always write. */
		int ms = (u8(in) & 1) && !txn ? -1 : (int)(u8(in) % 20);
		CHECK(offlog_producer_flush(prod, ms));
		break;
	}
	case 3: {
		uint64_t id;
		int64_t seq;
		CHECK(offlog_producer_id(&id, prod));
		const char *t = topic(in);
		CHECK(offlog_producer_next_sequence(&seq, prod, t, partition(in)));
		break;
	}
	default:
		if (!txn) {
			CHECK(offlog_producer_close(prod, u8(in) & 1 ? OFFLOG_PRODUCER_PURGE : 0));
			prod = NULL;
		}
		break;
	}
}

static void op_misc(input *in)
{
	uint8_t kind = u8(in) % 3;
	if (kind == 0) {
		offlog_store_info si = OFFLOG_STORE_INFO_INIT;
		if (CHECK(offlog_store_stat(&si, env)) == 0)
			expect(si.map_used <= si.map_size && si.page_size > 0, "store stat");
	} else if (kind == 1) {
		size_t len;
		const uint8_t *k = take(in, u8(in), &len);
		int32_t pc = (int32_t)PICK(in, partcount_t), part = -5, h;
		CHECK(offlog_murmur2(&h, k, len));
		if (CHECK(offlog_partition_for_key(&part, k, len, pc)) == 0)
			expect(part >= 0 && part < pc, "partition for key in range");
	} else {
		/* Arguments that are plainly wrong: EINVAL, never a crash. */
		int64_t off;
		expect(offlog_append(&off, NULL, env, "t0", 0, NULL) == OFFLOG_EINVAL, "NULL message");
		expect(offlog_fetch(NULL, env, "t0", 0, 0, 0, 0) == OFFLOG_EINVAL, "NULL batch");
		CHECK(offlog_consumer_poll(NULL, NULL, NULL, 0));
		CHECK(offlog_offsets_for_times(env, NULL, 1));
	}
}

typedef void (*op_fn)(input *in);

static const op_fn ops[OP__COUNT] = {
	[OP_TOPIC_CREATE] = op_topic_create,
	[OP_APPEND] = op_append,
	[OP_APPEND_BATCH] = op_append_batch,
	[OP_FETCH] = op_fetch,
	[OP_TOUCH_BATCH] = op_touch_batch,
	[OP_CONSUMER_OPEN] = op_consumer_open,
	[OP_CONSUMER_CLOSE] = op_consumer_close,
	[OP_ASSIGN] = op_assign,
	[OP_SUBSCRIBE] = op_subscribe,
	[OP_POLL] = op_poll,
	[OP_RELEASE] = op_release,
	[OP_TOUCH_POLLED] = op_touch_polled,
	[OP_SEEK] = op_seek,
	[OP_CONSUMER_QUERY] = op_consumer_query,
	[OP_PAUSE] = op_pause,
	[OP_COMMIT] = op_commit,
	[OP_TXN] = op_txn,
	[OP_OFFSETS_FOR_TIMES] = op_offsets_for_times,
	[OP_DELETE_RECORDS] = op_delete_records,
	[OP_MAINTAIN] = op_maintain,
	[OP_TOPIC_ALTER] = op_topic_alter,
	[OP_TOPIC_INFO] = op_topic_info,
	[OP_TOPIC_MISC] = op_topic_misc,
	[OP_GROUP] = op_group,
	[OP_PRODUCER] = op_producer,
	[OP_MISC] = op_misc,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	input in = {data, size};
	for (int i = 0; i < MAX_OPS && in.n; i++)
		ops[u8(&in) % OP__COUNT](&in);
	reset();
	return 0;
}

/* test_killer.c - reliability harnesses: kill -9 at random moments, a full
 * file system, a read-only store, and what the store lets names and lengths
 * do to the file system.
 *
 * The crash test: child processes open the store and run a random mix of
 * single appends, batches, transactions (appends + an offset commit), sends
 * of an idempotent producer with a fixed id, and offset commits. Each
 * operation is announced to the parent (its records' ids, partitions and
 * checksums) before it starts and acknowledged (with its offsets) before the
 * next one starts, through a shared memory log. The parent kills the child
 * with SIGKILL at a random moment, reopens the store and checks every rule of
 * SEMANTICS.md that a crash could break. OFFLOG_STRESS=1 runs hundreds of
 * kills; OFFLOG_KILLER_SEED replays a run.
 *
 * The binary also defines write, pwrite, writev, pwritev, fsync and
 * fdatasync (as test_faults.c does): the dynamic linker binds LMDB's calls to
 * these, which fail with ENOSPC on demand and otherwise pass through. */
/* The calls defined here must carry the names LMDB calls (pwrite, not
 * pwrite64), whatever the build's large-file setting. */
#undef _FILE_OFFSET_BITS
#define _GNU_SOURCE
#include "helpers.h"
#include "env.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Write interposition: a disk that fills up                                */
/* ------------------------------------------------------------------------ */

/* FILL_BUDGET: writes succeed until `fill_budget` bytes went out, then every
 * write fails with ENOSPC (the write that would cross the limit fails whole). */
enum { FILL_NONE, FILL_ALL, FILL_BUDGET };
static volatile int fill_mode;
static volatile long fill_budget;
static volatile int fill_failures;

static bool refuse_write(int fd, size_t n)
{
	if (fd <= 2 || fill_mode == FILL_NONE) /* never the test's own output */
		return false;
	if (fill_mode == FILL_BUDGET && (long)n <= fill_budget) {
		fill_budget -= (long)n;
		return false;
	}
	fill_failures++;
	errno = ENOSPC;
	return true;
}

static size_t iov_len(const struct iovec *iov, int cnt)
{
	size_t n = 0;
	for (int i = 0; i < cnt; i++)
		n += iov[i].iov_len;
	return n;
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	static ssize_t (*real)(int, const void *, size_t, off_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwrite");
	return refuse_write(fd, n) ? -1 : real(fd, buf, n, off);
}

ssize_t write(int fd, const void *buf, size_t n)
{
	static ssize_t (*real)(int, const void *, size_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "write");
	return refuse_write(fd, n) ? -1 : real(fd, buf, n);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
	static ssize_t (*real)(int, const struct iovec *, int);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "writev");
	return refuse_write(fd, iov_len(iov, cnt)) ? -1 : real(fd, iov, cnt);
}

ssize_t pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	static ssize_t (*real)(int, const struct iovec *, int, off_t);
	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "pwritev");
	return refuse_write(fd, iov_len(iov, cnt)) ? -1 : real(fd, iov, cnt, off);
}

static void fill_disk(int mode, long budget)
{
	fill_failures = 0;
	fill_budget = budget;
	fill_mode = mode;
}

static void free_disk(void)
{
	fill_mode = FILL_NONE;
}

/* ------------------------------------------------------------------------ */
/* Small utilities                                                          */
/* ------------------------------------------------------------------------ */


/* A forked child must die of its signals: cmocka's handlers would carry
 * on with the next test inside the child. */
static void child_signals(void)
{
	const int sigs[] = {SIGBUS, SIGSEGV, SIGILL, SIGFPE, SIGABRT, SIGSYS};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
}

static bool stress_mode(void)
{
	const char *s = getenv("OFFLOG_STRESS");
	return s && *s && strcmp(s, "0") != 0;
}

static void sleep_us(long us)
{
	struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
	nanosleep(&ts, NULL);
}

/* The value of record `id`: "id=<16 hex>;" and 0..199 bytes derived from
 * the id, so the checker can rebuild every record's bytes from its id. */
#define VAL_CAP 256
static size_t value_of(char *buf, uint64_t id)
{
	uint64_t x = id * 0x2545f4914f6cdd1dull;
	int n = snprintf(buf, VAL_CAP, "id=%016" PRIx64 ";", id);
	size_t len = (size_t)n + prng_below(&x, 200);
	for (size_t i = (size_t)n; i < len; i++)
		buf[i] = (char)('a' + prng_below(&x, 26));
	return len;
}

static bool id_of(uint64_t *id, const void *value, size_t len)
{
	char hex[17];
	if (!value || len < 20 || memcmp(value, "id=", 3) != 0 || ((const char *)value)[19] != ';')
		return false;
	memcpy(hex, (const char *)value + 3, 16);
	hex[16] = 0;
	char *end;
	*id = strtoull(hex, &end, 16);
	return *end == 0;
}

/* Regular files in dir, sorted, as one string "a,b,c". */
static void dir_listing(char *out, size_t cap, const char *dir)
{
	char names[32][256];
	int n = 0;
	DIR *d = opendir(dir);
	assert_non_null(d);
	/* readdir64: this file is built without large-file names (see the top),
	 * and a 32-bit readdir fails on large inode numbers. */
	struct dirent64 *de;
	while ((de = readdir64(d)) != NULL && n < 32)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			snprintf(names[n++], sizeof names[0], "%s", de->d_name);
	closedir(d);
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char tmp[256];
			memcpy(tmp, names[j], sizeof tmp);
			memcpy(names[j], names[j - 1], sizeof tmp);
			memcpy(names[j - 1], tmp, sizeof tmp);
		}
	out[0] = 0;
	for (int i = 0; i < n; i++)
		snprintf(out + strlen(out), cap - strlen(out), "%s%s", i ? "," : "", names[i]);
}

static mode_t mode_of(const char *dir, const char *file)
{
	char p[1200];
	struct stat st;
	snprintf(p, sizeof p, "%s%s%s", dir, file ? "/" : "", file ? file : "");
	if (stat(p, &st) != 0)
		fail_msg("stat %s: %s", p, strerror(errno));
	return st.st_mode & 07777;
}

/* ------------------------------------------------------------------------ */
/* 1. The crash test                                                        */
/* ------------------------------------------------------------------------ */

#define NTOPICS 2
static const char *const topic_name[NTOPICS] = {"t", "in"};
static const int32_t topic_parts[NTOPICS] = {4, 1};
#define PRODUCER_ID UINT64_C(0x6b696c6c6572) /* chosen by the caller, kept across restarts */
#define MAXR 12                              /* records of one operation at most */

enum { EV_BEGIN = 1, EV_ACK, EV_PACK };
enum { OP_SINGLE = 1, OP_BATCH, OP_TXN, OP_PRODUCE, OP_COMMIT, OP__COUNT };
static const char *const op_name[OP__COUNT] = {"", "single", "batch", "txn", "produce", "commit"};

/* Committed offsets the test writes: group "g" on t/0..3 (plain commits)
 * and group "txg" on in/0 (by transactions). */
#define NKEYS 5
#define TXN_KEY 4

/* One entry of the child's report log. EV_BEGIN announces an operation: its
 * records ids id0..id0+n-1 with their topic, partitions and checksums, a
 * commit's key and offset, a producer's first sequence number. EV_ACK says
 * it succeeded, with the records' offsets. EV_PACK acknowledges one producer
 * record (id0) from the delivery callback: off[0], seq0, dup. */
struct ev {
	uint32_t type;
	uint32_t kind;
	uint64_t op;
	uint64_t id0;
	uint32_t n;
	int32_t topic;
	int32_t part[MAXR];
	int64_t off[MAXR];
	uint64_t sum[MAXR];
	int64_t seq0;
	int32_t key;    /* commit key, or -1 */
	int32_t dup;
	int64_t commit; /* offset committed */
};

struct shared {
	_Atomic uint64_t count; /* published entries */
	_Atomic int ready;      /* the child has opened everything */
	uint64_t id_base;       /* first record id this child may use */
	uint64_t op_base;       /* first operation number */
	uint64_t seed;
	int durability;
	char err[512];          /* why the child gave up */
	struct ev ev[];
};

static size_t shared_cap;

/* ---- the child ---------------------------------------------------------- */

struct child {
	struct shared *sh;
	offlog_env *env;
	offlog_consumer *cons;
	offlog_producer *prod;
	pthread_mutex_t mu;
	uint64_t rng, next_id, next_op;
	int64_t next_seq[4];
	uint64_t pend_id[MAXR];
	int64_t pend_seq[MAXR];
};

static void child_fail(struct child *c, const char *what, int rc)
{
	snprintf(c->sh->err, sizeof c->sh->err, "%s -> %s: %s", what, offlog_errname(rc),
	         offlog_errmsg());
	_exit(3);
}

/* Reserve the next entry; ev_publish() makes it visible. */
static struct ev *ev_new(struct child *c)
{
	pthread_mutex_lock(&c->mu);
	uint64_t n = atomic_load(&c->sh->count);
	while (n >= shared_cap)
		pause(); /* the log is full: wait for the kill */
	struct ev *e = &c->sh->ev[n];
	memset(e, 0, sizeof *e);
	e->key = -1;
	return e;
}

static void ev_publish(struct child *c)
{
	atomic_fetch_add(&c->sh->count, 1);
	pthread_mutex_unlock(&c->mu);
}

static void begin_records(struct child *c, struct ev *e, int kind, uint32_t n, int32_t topic)
{
	e->type = EV_BEGIN;
	e->kind = (uint32_t)kind;
	e->op = c->next_op++;
	e->id0 = c->next_id;
	e->n = n;
	e->topic = topic;
	c->next_id += n;
}

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	struct child *c = opaque;
	size_t i = (size_t)(uintptr_t)d->msg_opaque;
	if (d->err)
		child_fail(c, "producer delivery", d->err);
	if (d->sequence != c->pend_seq[i] || d->duplicate) {
		snprintf(c->sh->err, sizeof c->sh->err,
		         "producer record %" PRIu64 ": sequence %" PRId64 " (expected %" PRId64
		         "), duplicate %d",
		         c->pend_id[i], d->sequence, c->pend_seq[i], d->duplicate);
		_exit(4);
	}
	struct ev *e = ev_new(c);
	e->type = EV_PACK;
	e->kind = OP_PRODUCE;
	e->id0 = c->pend_id[i];
	e->off[0] = d->offset;
	e->part[0] = d->partition;
	e->seq0 = d->sequence;
	ev_publish(c);
}

static int64_t committed_or_zero(struct child *c, const char *group, const char *topic,
                                 int32_t part)
{
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	int rc = offlog_group_committed(&cm, c->env, group, topic, part);
	if (rc)
		child_fail(c, "offlog_group_committed", rc);
	return cm.offset < 0 ? 0 : cm.offset;
}

static int64_t child_leo(struct child *c, const char *topic, int32_t part)
{
	int64_t leo;
	int rc = offlog_watermarks_get(NULL, NULL, &leo, c->env, topic, part);
	if (rc)
		child_fail(c, "offlog_watermarks_get", rc);
	return leo;
}

static void child_op(struct child *c)
{
	char vals[MAXR][VAL_CAP];
	offlog_message m[MAXR];
	uint32_t r = prng_below(&c->rng, 100);
	int kind = r < 25 ? OP_SINGLE : r < 45 ? OP_BATCH : r < 65 ? OP_TXN : r < 85 ? OP_PRODUCE
	                                                                           : OP_COMMIT;
	struct ev *e = ev_new(c);
	struct ev b;
	int rc;
	if (kind == OP_COMMIT) {
		int32_t p = (int32_t)prng_below(&c->rng, 4);
		int64_t old = committed_or_zero(c, "g", "t", p), leo = child_leo(c, "t", p);
		char meta[32];
		e->type = EV_BEGIN;
		e->kind = OP_COMMIT;
		e->op = c->next_op++;
		e->key = p;
		e->commit = old + (int64_t)prng_below(&c->rng, (uint32_t)(leo - old + 1));
		b = *e;
		ev_publish(c);
		snprintf(meta, sizeof meta, "c%" PRIu64, b.op);
		offlog_partition_offset po = {"t", p, b.commit, meta, 0};
		if ((rc = offlog_consumer_commit_offsets(c->cons, &po, 1)) != 0)
			child_fail(c, "offlog_consumer_commit_offsets", rc);
		e = ev_new(c);
		*e = b;
		e->type = EV_ACK;
		ev_publish(c);
		return;
	}
	uint32_t n = kind == OP_SINGLE ? 1
	           : kind == OP_BATCH  ? 2 + prng_below(&c->rng, MAXR - 1)
	           : kind == OP_TXN    ? 1 + prng_below(&c->rng, 4)
	                               : 1 + prng_below(&c->rng, 6);
	int32_t topic = kind == OP_SINGLE && prng_below(&c->rng, 5) == 0 ? 1 : 0;
	begin_records(c, e, kind, n, topic);
	int32_t p0 = (int32_t)prng_below(&c->rng, (uint32_t)topic_parts[topic]);
	for (uint32_t i = 0; i < n; i++) {
		size_t len = value_of(vals[i], e->id0 + i);
		e->part[i] = kind == OP_TXN ? (int32_t)prng_below(&c->rng, 4) : p0;
		e->sum[i] = fnv64(vals[i], len);
		m[i] = (offlog_message){NULL, 0, vals[i], len, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	}
	if (kind == OP_TXN) {
		int64_t old = committed_or_zero(c, "txg", "in", 0), leo = child_leo(c, "in", 0);
		e->key = TXN_KEY;
		e->commit = old + prng_below(&c->rng, 3);
		if (e->commit > leo)
			e->commit = leo;
	}
	if (kind == OP_PRODUCE) {
		e->seq0 = c->next_seq[p0];
		for (uint32_t i = 0; i < n; i++) {
			c->pend_id[i] = e->id0 + i;
			c->pend_seq[i] = e->seq0 + i;
		}
	}
	b = *e;
	ev_publish(c);

	switch (kind) {
	case OP_SINGLE:
		if ((rc = offlog_append(&b.off[0], NULL, c->env, topic_name[topic], p0, m)) != 0)
			child_fail(c, "offlog_append", rc);
		break;
	case OP_BATCH:
		if ((rc = offlog_append_batch(&b.off[0], NULL, c->env, "t", p0, m, n)) != 0)
			child_fail(c, "offlog_append_batch", rc);
		for (uint32_t i = 1; i < n; i++)
			b.off[i] = b.off[0] + i;
		break;
	case OP_TXN: {
		offlog_txn *x;
		char meta[32];
		snprintf(meta, sizeof meta, "x%" PRIu64, b.op);
		offlog_partition_offset po = {"in", 0, b.commit, meta, 0};
		if ((rc = offlog_txn_begin(&x, c->env)) != 0)
			child_fail(c, "offlog_txn_begin", rc);
		for (uint32_t i = 0; i < n; i++)
			if ((rc = offlog_txn_append(&b.off[i], NULL, x, "t", b.part[i], &m[i])) != 0)
				child_fail(c, "offlog_txn_append", rc);
		if ((rc = offlog_txn_commit_offsets(x, "txg", &po, 1)) != 0)
			child_fail(c, "offlog_txn_commit_offsets", rc);
		if ((rc = offlog_txn_commit(x)) != 0)
			child_fail(c, "offlog_txn_commit", rc);
		break;
	}
	case OP_PRODUCE:
		for (uint32_t i = 0; i < n; i++) {
			void *opq = (void *)(uintptr_t)i;
			rc = prng_below(&c->rng, 2)
			         ? offlog_producer_send(c->prod, "t", p0, &m[i], opq)
			         : offlog_producer_send_sequenced(c->prod, "t", p0, b.seq0 + i, &m[i], opq);
			if (rc)
				child_fail(c, "offlog_producer_send", rc);
		}
		if ((rc = offlog_producer_flush(c->prod, -1)) != 0)
			child_fail(c, "offlog_producer_flush", rc);
		c->next_seq[p0] += n;
		return; /* each record was acknowledged by on_delivery */
	}
	e = ev_new(c);
	*e = b;
	e->type = EV_ACK;
	ev_publish(c);
}

static void child_main(struct shared *sh)
{
	struct child c;
	memset(&c, 0, sizeof c);
	pthread_mutex_init(&c.mu, NULL);
	c.sh = sh;
	c.rng = sh->seed;
	c.next_id = sh->id_base;
	c.next_op = sh->op_base;
	offlog_options o;
	offlog_options_init(&o);
	o.durability = sh->durability;
	int rc = offlog_open(&c.env, getenv("OFFLOG_KILLER_PATH"), &o);
	if (rc)
		child_fail(&c, "offlog_open", rc);
	offlog_consumer_options co;
	offlog_consumer_options_init(&co);
	co.enable_auto_commit = 0;
	if ((rc = offlog_consumer_open(&c.cons, c.env, "g", &co)) != 0)
		child_fail(&c, "offlog_consumer_open", rc);
	offlog_producer_options po;
	offlog_producer_options_init(&po);
	po.idempotent = 1;
	po.producer_id = PRODUCER_ID;
	po.linger_ms = 0;
	po.on_delivery = on_delivery;
	po.opaque = &c;
	if ((rc = offlog_producer_open(&c.prod, c.env, &po)) != 0)
		child_fail(&c, "offlog_producer_open", rc);
	for (int32_t p = 0; p < 4; p++)
		if ((rc = offlog_producer_next_sequence(&c.next_seq[p], c.prod, "t", p)) != 0)
			child_fail(&c, "offlog_producer_next_sequence", rc);
	atomic_store(&sh->ready, 1);
	for (;;)
		child_op(&c);
}

/* ---- the parent's model of what was acknowledged ------------------------- */

enum { R_NONE, R_PENDING, R_ACKED, R_LOST };

struct rec {
	uint8_t state;
	uint8_t topic;
	int32_t part;
	int64_t off;  /* R_ACKED: where it must be */
	uint64_t sum;
	uint64_t op;
	int64_t seq;  /* producer records */
	int64_t seen; /* offset found by the current scan, or -1 */
};

struct opinfo {
	int kind;
	bool acked;
	uint64_t id0;
	uint32_t n;
	int32_t key;
	int64_t commit;
};

struct ckey {
	const char *group, *topic;
	int32_t part;
	uint64_t acked_op;    /* last acknowledged commit (0: none) */
	uint64_t inflight_op; /* announced, not acknowledged */
	int64_t last_seen;
};

struct killer {
	const char *path;
	struct rec *rec;
	size_t nrec;     /* ids 1..nrec-1 are known */
	struct opinfo *ops;
	size_t nops;
	struct ckey keys[NKEYS];
	struct shared *sh;
	uint64_t rng;
	/* statistics */
	long kills, ops_acked, ops_recovered, ops_lost, resends, resend_dups, records_checked,
	    commits_checked, killed_before_ready;
	long by_kind[OP__COUNT];
};

static struct rec *rec_at(struct killer *k, uint64_t id)
{
	if (id >= k->nrec) {
		size_t n = k->nrec ? k->nrec : 1024;
		while (n <= id)
			n *= 2;
		k->rec = realloc(k->rec, n * sizeof *k->rec);
		assert_non_null(k->rec);
		memset(k->rec + k->nrec, 0, (n - k->nrec) * sizeof *k->rec);
		k->nrec = n;
	}
	return &k->rec[id];
}

static struct opinfo *op_at(struct killer *k, uint64_t op)
{
	if (op >= k->nops) {
		size_t n = k->nops ? k->nops : 1024;
		while (n <= op)
			n *= 2;
		k->ops = realloc(k->ops, n * sizeof *k->ops);
		assert_non_null(k->ops);
		memset(k->ops + k->nops, 0, (n - k->nops) * sizeof *k->ops);
		k->nops = n;
	}
	return &k->ops[op];
}

/* Take in what the dead child reported. */
static void absorb_events(struct killer *k, uint64_t *max_id, uint64_t *max_op)
{
	uint64_t n = atomic_load(&k->sh->count);
	for (uint64_t i = 0; i < n; i++) {
		const struct ev *e = &k->sh->ev[i];
		if (e->type == EV_PACK) {
			struct rec *r = rec_at(k, e->id0);
			assert_int_equal(r->state, R_PENDING);
			if (e->seq0 != r->seq || e->part[0] != r->part)
				fail_msg("producer ack of record %" PRIu64 ": sequence %" PRId64
				         " partition %d, announced %" PRId64 " / %d",
				         e->id0, e->seq0, e->part[0], r->seq, r->part);
			r->state = R_ACKED;
			r->off = e->off[0];
			continue;
		}
		struct opinfo *o = op_at(k, e->op);
		if (e->op >= *max_op)
			*max_op = e->op + 1;
		if (e->type == EV_BEGIN) {
			*o = (struct opinfo){(int)e->kind, false, e->id0, e->n, e->key, e->commit};
			if (e->key >= 0)
				k->keys[e->key].inflight_op = e->op;
			for (uint32_t j = 0; j < e->n; j++) {
				struct rec *r = rec_at(k, e->id0 + j);
				*r = (struct rec){R_PENDING, (uint8_t)e->topic, e->part[j], -1, e->sum[j],
				                  e->op, e->seq0 + j, -1};
				if (e->id0 + j >= *max_id)
					*max_id = e->id0 + j + 1;
			}
			continue;
		}
		assert_int_equal(e->type, EV_ACK);
		o->acked = true;
		k->ops_acked++;
		k->by_kind[o->kind]++;
		if (e->key >= 0) {
			k->keys[e->key].acked_op = e->op;
			k->keys[e->key].inflight_op = 0;
		}
		for (uint32_t j = 0; j < e->n; j++) {
			struct rec *r = rec_at(k, e->id0 + j);
			r->state = R_ACKED;
			r->off = e->off[j];
		}
	}
	/* A produce operation is acknowledged record by record. */
	for (uint64_t op = k->sh->op_base; op < *max_op; op++) {
		struct opinfo *o = op_at(k, op);
		if (o->kind != OP_PRODUCE || o->acked)
			continue;
		bool all = true;
		for (uint32_t j = 0; j < o->n; j++)
			all &= k->rec[o->id0 + j].state == R_ACKED;
		if (all) {
			o->acked = true;
			k->ops_acked++;
			k->by_kind[OP_PRODUCE]++;
		}
	}
}

/* Scan every partition: offsets strictly increasing from 0 without gaps (no
 * retention runs here), the high watermark at the log end offset, each
 * record known, at most once, in its announced partition, with its bytes. */
static void scan_store(struct killer *k, offlog_env *env)
{
	for (size_t id = 1; id < k->nrec; id++)
		k->rec[id].seen = -1;
	for (int t = 0; t < NTOPICS; t++)
		for (int32_t p = 0; p < topic_parts[t]; p++) {
			int64_t ls, hw, leo, next = 0, expect = 0;
			assert_ok(offlog_watermarks_get(&ls, &hw, &leo, env, topic_name[t], p));
			assert_int_equal(ls, 0);
			if (hw != leo)
				fail_msg("%s/%d: high watermark %" PRId64 " != log end %" PRId64
				         " after reopen",
				         topic_name[t], p, hw, leo);
			offlog_batch *b = NULL;
			for (;;) {
				const offlog_record *r;
				size_t n;
				assert_ok(offlog_fetch(&b, env, topic_name[t], p, next, 1000, 0));
				assert_ok(offlog_batch_records(&r, &n, &next, b));
				if (n == 0)
					break;
				for (size_t i = 0; i < n; i++, expect++) {
					uint64_t id = 0;
					char want[VAL_CAP];
					if (r[i].offset != expect)
						fail_msg("%s/%d: offset %" PRId64 " follows %" PRId64, topic_name[t],
						         p, r[i].offset, expect - 1);
					if (!id_of(&id, r[i].value, r[i].value_len) || id == 0 || id >= k->nrec ||
					    k->rec[id].state == R_NONE)
						fail_msg("%s/%d offset %" PRId64 ": a record nobody announced",
						         topic_name[t], p, r[i].offset);
					struct rec *rc = &k->rec[id];
					if (rc->seen >= 0)
						fail_msg("record %" PRIu64 " stored twice: %s/%d offsets %" PRId64
						         " and %" PRId64 " (%s)",
						         id, topic_name[t], p, rc->seen, r[i].offset,
						         op_name[k->ops[rc->op].kind]);
					rc->seen = r[i].offset;
					if (rc->topic != t || rc->part != p)
						fail_msg("record %" PRIu64 " in %s/%d, announced for %s/%d", id,
						         topic_name[t], p, topic_name[rc->topic], rc->part);
					size_t len = value_of(want, id);
					if (r[i].value_len != len || memcmp(r[i].value, want, len) != 0 ||
					    fnv64(r[i].value, r[i].value_len) != rc->sum)
						fail_msg("record %" PRIu64 " at %s/%d:%" PRId64 ": bytes differ", id,
						         topic_name[t], p, r[i].offset);
					if (rc->state == R_ACKED && rc->off != r[i].offset)
						fail_msg("record %" PRIu64 " acknowledged at offset %" PRId64
						         ", found at %" PRId64,
						         id, rc->off, r[i].offset);
					if (rc->state == R_LOST)
						fail_msg("record %" PRIu64 " (%s), found absent after an earlier "
						         "crash, reappeared at %s/%d:%" PRId64,
						         id, op_name[k->ops[rc->op].kind], topic_name[t], p,
						         r[i].offset);
					k->records_checked++;
				}
			}
			offlog_batch_free(b);
			if (expect != leo)
				fail_msg("%s/%d: %" PRId64 " records, log end offset %" PRId64, topic_name[t],
				         p, expect, leo);
		}
	for (size_t id = 1; id < k->nrec; id++)
		if (k->rec[id].state == R_ACKED && k->rec[id].seen < 0)
			fail_msg("acknowledged record %" PRIu64 " (%s, %s/%d offset %" PRId64 ") is lost",
			         (uint64_t)id, op_name[k->ops[k->rec[id].op].kind],
			         topic_name[k->rec[id].topic], k->rec[id].part, k->rec[id].off);
}

/* Committed offsets: each is the last acknowledged commit of its key or
 * the one in flight at the kill, never behind what was seen before, never
 * past the log end offset. Returns whether the in-flight one took effect. */
static bool check_commit(struct killer *k, offlog_env *env, int key)
{
	struct ckey *c = &k->keys[key];
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_group_committed(&cm, env, c->group, c->topic, c->part));
	k->commits_checked++;
	if (cm.offset == OFFLOG_OFFSET_INVALID) {
		if (c->acked_op)
			fail_msg("%s %s/%d: acknowledged commit (op %" PRIu64 ") is lost", c->group,
			         c->topic, c->part, c->acked_op);
		return false;
	}
	char want = key == TXN_KEY ? 'x' : 'c';
	char *end;
	uint64_t op = cm.metadata[0] == want ? strtoull(cm.metadata + 1, &end, 10) : 0;
	if (!op || *end || (op != c->acked_op && op != c->inflight_op))
		fail_msg("%s %s/%d: committed %" PRId64 " \"%s\"; expected op %" PRIu64
		         " (acknowledged) or %" PRIu64 " (in flight)",
		         c->group, c->topic, c->part, cm.offset, cm.metadata, c->acked_op,
		         c->inflight_op);
	if (cm.offset != k->ops[op].commit)
		fail_msg("%s %s/%d: committed %" PRId64 " but op %" PRIu64 " committed %" PRId64,
		         c->group, c->topic, c->part, cm.offset, op, k->ops[op].commit);
	if (cm.offset < c->last_seen)
		fail_msg("%s %s/%d: committed offset went back from %" PRId64 " to %" PRId64, c->group,
		         c->topic, c->part, c->last_seen, cm.offset);
	if (cm.offset > leo_of(env, c->topic, c->part))
		fail_msg("%s %s/%d: committed %" PRId64 " is past the log end offset", c->group,
		         c->topic, c->part, cm.offset);
	c->last_seen = cm.offset;
	return op == c->inflight_op && op != c->acked_op;
}

struct resend {
	int64_t off;
	int dup, err;
	int64_t seq;
	bool done;
};

static void on_resend(void *opaque, const offlog_delivery *d)
{
	struct resend *rs = (struct resend *)opaque + (uintptr_t)d->msg_opaque;
	rs->off = d->offset;
	rs->dup = d->duplicate;
	rs->err = d->err;
	rs->seq = d->sequence;
	rs->done = true;
}

/* The operation in flight at the kill: all or nothing (batch, transaction),
 * a prefix (producer, then sent again), present or not (single). */
static void settle_inflight(struct killer *k, offlog_env *env, uint64_t op0, uint64_t op_end)
{
	bool commit_took[NKEYS] = {false};
	for (int key = 0; key < NKEYS; key++)
		commit_took[key] = check_commit(k, env, key);
	for (uint64_t opn = op0; opn < op_end; opn++) {
		struct opinfo *o = op_at(k, opn);
		if (o->acked || o->kind == 0)
			continue;
		uint32_t present = 0;
		for (uint32_t j = 0; j < o->n; j++)
			present += k->rec[o->id0 + j].seen >= 0;
		switch (o->kind) {
		case OP_COMMIT:
			if (commit_took[o->key]) {
				k->keys[o->key].acked_op = opn;
				k->ops_recovered++;
			} else {
				k->ops_lost++;
			}
			k->keys[o->key].inflight_op = 0;
			continue;
		case OP_BATCH:
		case OP_TXN:
			if (present != 0 && present != o->n)
				fail_msg("%s op %" PRIu64 " is partly stored: %u of %u records", op_name[o->kind],
				         opn, present, o->n);
			if (o->kind == OP_BATCH)
				for (uint32_t j = 1; present && j < o->n; j++)
					assert_int_equal(k->rec[o->id0 + j].seen, k->rec[o->id0].seen + j);
			if (o->kind == OP_TXN) {
				if ((present != 0) != commit_took[TXN_KEY])
					fail_msg("transaction op %" PRIu64 ": records %s but its offset commit %s",
					         opn, present ? "stored" : "absent",
					         commit_took[TXN_KEY] ? "applied" : "absent");
				if (commit_took[TXN_KEY])
					k->keys[TXN_KEY].acked_op = opn;
				k->keys[TXN_KEY].inflight_op = 0;
			}
			break;
		case OP_PRODUCE: {
			/* What is stored is a prefix of the sends. */
			for (uint32_t j = 1; j < o->n; j++)
				if (k->rec[o->id0 + j].seen >= 0 && k->rec[o->id0 + j - 1].seen < 0)
					fail_msg("producer op %" PRIu64 ": record %u stored, %u before it not", opn,
					         j, j - 1);
			/* Restart with the same producer id and send the unacknowledged ones
			 * again: stored ones are recognised and give their offset back. */
			struct resend rs[MAXR];
			memset(rs, 0, sizeof rs);
			offlog_producer_options po;
			offlog_producer *prod;
			offlog_producer_options_init(&po);
			po.idempotent = 1;
			po.producer_id = PRODUCER_ID;
			po.linger_ms = 0;
			po.on_delivery = on_resend;
			po.opaque = rs;
			assert_ok(offlog_producer_open(&prod, env, &po));
			for (uint32_t j = 0; j < o->n; j++) {
				struct rec *r = &k->rec[o->id0 + j];
				char v[VAL_CAP];
				if (r->state == R_ACKED)
					continue;
				size_t len = value_of(v, o->id0 + j);
				offlog_message m = {NULL, 0, v, len, OFFLOG_TIMESTAMP_NOW, NULL, 0};
				assert_ok(offlog_producer_send_sequenced(prod, "t", r->part, r->seq, &m,
				                                         (void *)(uintptr_t)j));
			}
			assert_ok(offlog_producer_close(prod, 0));
			for (uint32_t j = 0; j < o->n; j++) {
				struct rec *r = &k->rec[o->id0 + j];
				if (r->state == R_ACKED)
					continue;
				assert_true(rs[j].done);
				if (rs[j].err)
					fail_msg("resend of sequence %" PRId64 ": %s", r->seq,
					         offlog_errname(rs[j].err));
				assert_int_equal(rs[j].seq, r->seq);
				if (r->seen >= 0 && (!rs[j].dup || rs[j].off != r->seen))
					fail_msg("resend of stored sequence %" PRId64 " (offset %" PRId64
					         "): duplicate %d offset %" PRId64,
					         r->seq, r->seen, rs[j].dup, rs[j].off);
				if (r->seen < 0 && rs[j].dup)
					fail_msg("resend of sequence %" PRId64 ", not stored, reported as a "
					         "duplicate at %" PRId64,
					         r->seq, rs[j].off);
				k->resends++;
				k->resend_dups += rs[j].dup;
				r->state = R_ACKED;
				r->off = rs[j].off;
			}
			o->acked = true;
			k->ops_recovered++;
			continue;
		}
		}
		/* Single, batch, transaction: what is there stays, what is not never comes. */
		for (uint32_t j = 0; j < o->n; j++) {
			struct rec *r = &k->rec[o->id0 + j];
			if (r->state != R_PENDING)
				continue;
			r->state = r->seen >= 0 ? R_ACKED : R_LOST;
			r->off = r->seen;
		}
		if (present)
			k->ops_recovered++;
		else
			k->ops_lost++;
		o->acked = true;
	}
}

static void verify_store(struct killer *k, uint64_t op0, uint64_t op_end)
{
	offlog_env *env;
	int rc = offlog_open(&env, k->path, NULL);
	if (rc)
		fail_msg("reopen after kill %ld: %s: %s", k->kills, offlog_errname(rc), offlog_errmsg());
	scan_store(k, env);
	settle_inflight(k, env, op0, op_end);
	assert_ok(offlog_close(env));
}

static void test_kill9_at_random_moments_loses_nothing_acknowledged(void **state)
{
	fx *f = *state;
	bool stress = stress_mode();
	long kills = stress ? 400 : 20;
	if (getenv("OFFLOG_KILLER_KILLS"))
		kills = atol(getenv("OFFLOG_KILLER_KILLS"));
	uint64_t seed = getenv("OFFLOG_KILLER_SEED") ? strtoull(getenv("OFFLOG_KILLER_SEED"), NULL, 0)
	                                             : (uint64_t)wall_ms() ^ (uint64_t)getpid() << 20;
	fprintf(stderr, "killer: seed %" PRIu64 " (OFFLOG_KILLER_SEED replays it), %ld kills\n",
	        seed, kills);
	int64_t t0 = mono_ms();

	create_topic(f->env, "t", 4);
	create_topic(f->env, "in", 1);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	setenv("OFFLOG_KILLER_PATH", f->path, 1);

	struct killer k;
	memset(&k, 0, sizeof k);
	k.path = f->path;
	k.rng = seed;
	for (int i = 0; i < NKEYS; i++)
		k.keys[i] = (struct ckey){i == TXN_KEY ? "txg" : "g", i == TXN_KEY ? "in" : "t",
		                          i == TXN_KEY ? 0 : i, 0, 0, 0};
	shared_cap = 40000;
	size_t bytes = sizeof(struct shared) + shared_cap * sizeof(struct ev);
	k.sh = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(k.sh != MAP_FAILED);
	uint64_t next_id = 1, next_op = 1;
	static const int modes[3] = {OFFLOG_DURABILITY_SYNC, OFFLOG_DURABILITY_NOMETASYNC,
	                             OFFLOG_DURABILITY_ASYNC};
	for (k.kills = 0; k.kills < kills;) {
		atomic_store(&k.sh->count, 0);
		atomic_store(&k.sh->ready, 0);
		k.sh->id_base = next_id;
		k.sh->op_base = next_op;
		k.sh->seed = prng_next(&k.rng);
		k.sh->durability = modes[prng_below(&k.rng, 3)];
		k.sh->err[0] = 0;
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			child_signals();
			child_main(k.sh);
		}
		/* Mostly kill while operations run; sometimes during open and recovery. */
		int status;
		pid_t gone = 0;
		if (prng_below(&k.rng, 8) != 0) {
			int64_t deadline = mono_ms() + 10000;
			while (!atomic_load(&k.sh->ready) && mono_ms() < deadline &&
			       (gone = waitpid(pid, &status, WNOHANG)) == 0)
				sleep_us(200);
		}
		if (!gone) {
			sleep_us((long)prng_below(&k.rng, 20001));
			if (!atomic_load(&k.sh->ready))
				k.killed_before_ready++;
			kill(pid, SIGKILL);
			assert_int_equal(waitpid(pid, &status, 0), pid);
		}
		if (!WIFSIGNALED(status))
			fail_msg("child stopped by itself (status %d) before the kill: %s", status,
			         k.sh->err[0] ? k.sh->err : "no message");
		k.kills++;
		uint64_t max_id = next_id, max_op = next_op;
		absorb_events(&k, &max_id, &max_op);
		verify_store(&k, next_op, max_op);
		next_id = max_id;
		next_op = max_op;
	}
	/* The store as a whole, once more, in the mode the next user would see. */
	verify_store(&k, next_op, next_op);
	long ops = k.ops_acked + k.ops_recovered + k.ops_lost;
	fprintf(stderr,
	        "killer: %ld kills (%ld before the child was ready), %ld operations checked "
	        "(%ld acknowledged: %ld single, %ld batch, %ld txn, %ld produce, %ld commit; "
	        "%ld in flight took effect, %ld in flight did not), %ld producer resends "
	        "(%ld recognised as duplicates), %" PRIu64 " records, %ld record checks, "
	        "%ld commit checks, %.1f s\n",
	        k.kills, k.killed_before_ready, ops, k.ops_acked, k.by_kind[OP_SINGLE],
	        k.by_kind[OP_BATCH], k.by_kind[OP_TXN], k.by_kind[OP_PRODUCE], k.by_kind[OP_COMMIT],
	        k.ops_recovered, k.ops_lost, k.resends, k.resend_dups, next_id - 1,
	        k.records_checked, k.commits_checked, (double)(mono_ms() - t0) / 1000.0);
	assert_true(k.ops_acked > 0);
	munmap(k.sh, bytes);
	free(k.rec);
	free(k.ops);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

/* ------------------------------------------------------------------------ */
/* 2. A full file system: ENOSPC, never SIGBUS                              */
/* ------------------------------------------------------------------------ */

/* With MDB_WRITEMAP, LMDB writes pages through a shared writable map of a
 * sparse data file; when the file system cannot back a page, the kernel
 * kills the process with SIGBUS. Without it, pages go out with write(2),
 * which fails with ENOSPC, and the transaction aborts. */
static void test_store_is_not_mapped_writable(void **state)
{
	fx *f = *state;
	unsigned flags = 0;
	assert_int_equal(mdb_env_get_flags(f->env->mdb, &flags), 0);
	assert_false(flags & MDB_WRITEMAP);
	assert_false(flags & MDB_MAPASYNC);
}

/* Records "d<i>" of 1000 bytes. */
static offlog_message big_msg(char *buf, int i)
{
	memset(buf, 'a' + i % 26, 1000);
	int n = snprintf(buf, 32, "d%d;", i);
	buf[n] = '#';
	return (offlog_message){NULL, 0, buf, 1000, OFFLOG_TIMESTAMP_NOW, NULL, 0};
}

/* Returns NULL or what is wrong: leo records d0..d{leo-1} in t/0. */
static const char *check_big(offlog_env *env, int64_t acked)
{
	static char why[256];
	int64_t leo, next = 0;
	offlog_batch *b = NULL;
	int rc = offlog_watermarks_get(NULL, NULL, &leo, env, "t", 0);
	if (rc) {
		snprintf(why, sizeof why, "offlog_watermarks_get -> %s: %s", offlog_errname(rc),
		         offlog_errmsg());
		return why;
	}
	if (leo != acked) {
		snprintf(why, sizeof why, "log end %" PRId64 ", acknowledged %" PRId64, leo, acked);
		return why;
	}
	for (int64_t i = 0; i < leo;) {
		const offlog_record *r;
		size_t n;
		if ((rc = offlog_fetch(&b, env, "t", 0, next, 0, 0)) != 0 ||
		    offlog_batch_records(&r, &n, &next, b) || n == 0) {
			snprintf(why, sizeof why, "fetch at %" PRId64 " -> %s: %s", next,
			         offlog_errname(rc), offlog_errmsg());
			offlog_batch_free(b);
			return why;
		}
		for (size_t j = 0; j < n; j++, i++) {
			char want[1000];
			big_msg(want, (int)i);
			if (r[j].offset != i || r[j].value_len != 1000 || memcmp(r[j].value, want, 1000)) {
				snprintf(why, sizeof why, "record %" PRId64 " differs", i);
				offlog_batch_free(b);
				return why;
			}
		}
	}
	offlog_batch_free(b);
	return NULL;
}

/* Append until the disk is full; each call either succeeds or fails with
 * OFFLOG_ENOSPC (or OFFLOG_EIO for a short write) leaving the log as it
 * was. *acked gets the number acknowledged. Returns NULL or what is wrong. */
static const char *fill_up(offlog_env *env, int64_t *acked, int *last_rc, int max, bool reread)
{
	static char why[256];
	char buf[12][1000];
	offlog_message m[12];
	*last_rc = 0;
	for (int i = 0; i < max; i++) {
		int64_t off = -1;
		int k = i % 3 == 2 ? 5 : 1, rc;
		for (int j = 0; j < k; j++)
			m[j] = big_msg(buf[j], (int)(*acked + j));
		if (i % 3 == 1) {
			offlog_txn *x;
			if ((rc = offlog_txn_begin(&x, env)) == 0) {
				rc = offlog_txn_append(&off, NULL, x, "t", 0, m);
				offlog_partition_offset po = {"t", 0, *acked, NULL, 0};
				if (rc == 0)
					rc = offlog_txn_commit_offsets(x, "g", &po, 1);
				rc = rc ? (offlog_txn_abort(x), rc) : offlog_txn_commit(x);
			}
		} else {
			rc = offlog_append_batch(&off, NULL, env, "t", 0, m, (size_t)k);
		}
		if (rc == 0) {
			if (off != *acked) {
				snprintf(why, sizeof why, "append at %" PRId64 ", expected %" PRId64, off,
				         *acked);
				return why;
			}
			*acked += i % 3 == 1 ? 1 : k;
			continue;
		}
		*last_rc = rc;
		if (rc != OFFLOG_ENOSPC && rc != OFFLOG_EIO) {
			snprintf(why, sizeof why, "append failed with %s: %s", offlog_errname(rc),
			         offlog_errmsg());
			return why;
		}
		return reread ? check_big(env, *acked) : NULL;
	}
	return NULL;
}

/* The child of the tmpfs test reports here (a MAP_SHARED page). */
static char *tmpfs_report;

#define TMPFS_SKIP 77
#define STAGE(txt) snprintf(tmpfs_report + 3072, 1024, "%s", txt)

static void tmpfs_child(const char *base)
{
	char mnt[700], store[800], raw[800];
	snprintf(mnt, sizeof mnt, "%s/fs", base);
	if (unshare(CLONE_NEWNS) != 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, "") != 0 ||
	    mkdir(mnt, 0700) != 0 || mount("offlog-test", mnt, "tmpfs", 0, "size=1m,mode=0700") != 0) {
		snprintf(tmpfs_report, 4096, "cannot mount a tmpfs here: %s", strerror(errno));
		_exit(TMPFS_SKIP);
	}
	snprintf(store, sizeof store, "%s/store", mnt);
	offlog_env *env;
	int64_t acked = 0;
	int last = 0;
	const char *why = NULL;
	STAGE("filling the tmpfs");
	if (offlog_open(&env, store, NULL) || offlog_topic_create(env, "t", 1, NULL))
		why = "open on tmpfs";
	if (!why)
		why = fill_up(env, &acked, &last, 100000, true);
	if (!why && last == 0)
		why = "1 MiB tmpfs never filled up";
	if (why) {
		snprintf(tmpfs_report, 4096, "%s", why);
		_exit(1);
	}
	snprintf(tmpfs_report, 4096, "filled after %" PRId64 " records: %s (%s); ", acked,
	         offlog_errname(last), offlog_errmsg());
	/* A full disk is reported as such: LMDB turns the short write that a
	 * nearly full file system gives into EIO, which would mislead. */
	bool problem = last != OFFLOG_ENOSPC;
	if (problem)
		snprintf(tmpfs_report + strlen(tmpfs_report), 256,
		         "PROBLEM: expected OFFLOG_ENOSPC on a full file system; ");
	/* Readers on the full file system: each held batch takes a reader slot
	 * in lock.mdb, a shared map; a slot on a page not yet backed would be
	 * SIGBUS here. */
	offlog_batch *held[200] = {NULL};
	int nheld = getenv("OFFLOG_KILLER_READERS") ? atoi(getenv("OFFLOG_KILLER_READERS")) : 200;
#if defined(__SANITIZE_THREAD__)
	/* Each held batch holds a shared lock; ThreadSanitizer follows at most
	 * 64 locks held by one thread. */
	if (nheld > 48)
		nheld = 48;
#endif
	for (int i = 0; i < nheld && i < 200; i++) {
		char st[64];
		snprintf(st, sizeof st, "taking reader slot %d on the full tmpfs", i + 1);
		STAGE(st);
		if (offlog_fetch(&held[i], env, "t", 0, 0, 1, 0)) {
			snprintf(tmpfs_report + strlen(tmpfs_report), 256, "fetch %d failed: %s", i,
			         offlog_errmsg());
			_exit(1);
		}
	}
	for (int i = 0; i < 200; i++)
		offlog_batch_free(held[i]);
	/* Still full (pages the failed commit freed may be reused): each call
	 * succeeds or fails cleanly, nothing lost. */
	STAGE("appending to the full tmpfs again");
	if ((why = fill_up(env, &acked, &last, 50, true)) != NULL || last == 0) {
		snprintf(tmpfs_report + strlen(tmpfs_report), 256, "second fill: %s",
		         why ? why : "50 appends fitted on a full disk");
		_exit(1);
	}
	STAGE("closing on the full tmpfs");
	offlog_close(env);
	STAGE("reopening on the full tmpfs");
	/* Reopen on the full file system: everything acknowledged is there. */
	if (offlog_open(&env, store, NULL) || (why = check_big(env, acked)) != NULL) {
		snprintf(tmpfs_report + strlen(tmpfs_report), 256, "reopen full: %s",
		         why ? why : offlog_errmsg());
		_exit(1);
	}
	offlog_close(env);
	STAGE("appending after freeing space");
	/* Space again: the store keeps going after the last acknowledged offset. */
	if (mount("offlog-test", mnt, "tmpfs", MS_REMOUNT, "size=4m") != 0 || offlog_open(&env, store, NULL) ||
	    (why = fill_up(env, &acked, &last, 30, true)) != NULL || last != 0 ||
	    (why = check_big(env, acked)) != NULL) {
		snprintf(tmpfs_report + strlen(tmpfs_report), 256, "after freeing space: %s",
		         why ? why : offlog_errmsg());
		_exit(1);
	}
	offlog_close(env);
	STAGE("raw LMDB with MDB_WRITEMAP");
	/* What MDB_WRITEMAP would have done: the same disk full is SIGBUS. */
	snprintf(raw, sizeof raw, "%s/raw", mnt);
	mkdir(raw, 0700);
	if (mount("offlog-test", mnt, "tmpfs", MS_REMOUNT, "size=5m") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			MDB_env *e;
			MDB_txn *t;
			MDB_dbi dbi;
			char v[1000] = {0};
			if (mdb_env_create(&e) || mdb_env_set_mapsize(e, 64u << 20) ||
			    mdb_env_open(e, raw, MDB_WRITEMAP | MDB_NOSYNC, 0600))
				_exit(2);
			for (uint32_t i = 0;; i++) {
				MDB_val key = {sizeof i, &i}, val = {sizeof v, v};
				if (mdb_txn_begin(e, NULL, 0, &t) || mdb_dbi_open(t, NULL, 0, &dbi) ||
				    mdb_put(t, dbi, &key, &val, 0) || mdb_txn_commit(t))
					_exit(3); /* an error code, not a signal */
			}
		}
		int st;
		waitpid(pid, &st, 0);
		snprintf(tmpfs_report + strlen(tmpfs_report), 256,
		         "raw LMDB with MDB_WRITEMAP on the same full tmpfs: %s %d",
		         WIFSIGNALED(st) ? "killed by signal" : "exited with",
		         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	_exit(problem ? 1 : 0);
}

static void test_full_tmpfs_fails_with_enospc_not_sigbus(void **state)
{
	(void)state;
	/* Under valgrind the deliberate SIGBUS of the MDB_WRITEMAP process and
	 * the forked children's inherited memory are reported as errors. */
	const char *preload = getenv("LD_PRELOAD");
	if (preload && strstr(preload, "vgpreload")) {
		fprintf(stderr, "tmpfs: skipped under valgrind; the write interposition tests cover ENOSPC\n");
		skip();
	}
	char *base = temp_dir();
	tmpfs_report = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(tmpfs_report != MAP_FAILED);
	tmpfs_report[0] = 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		child_signals();
		tmpfs_child(base);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rm_rf(base);
	free(base);
	char msg[4096], stage[1024];
	snprintf(msg, sizeof msg, "%s", tmpfs_report);
	snprintf(stage, sizeof stage, "%s", tmpfs_report + 3072);
	munmap(tmpfs_report, 4096);
	if (WIFEXITED(st) && WEXITSTATUS(st) == TMPFS_SKIP) {
		fprintf(stderr, "tmpfs: skipped (%s); the write interposition test covers ENOSPC\n",
		        msg);
		skip();
	}
	if (WIFSIGNALED(st))
		fail_msg("process on a full tmpfs killed by signal %d (%s) while %s: %s", WTERMSIG(st),
		         strsignal(WTERMSIG(st)), stage, msg);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("full tmpfs: %s", msg);
	if (getenv("OFFLOG_TEST_VERBOSE"))
		fprintf(stderr, "tmpfs: %s\n", msg);
}

/* Without a tmpfs: every write LMDB makes fails with ENOSPC once a budget
 * of bytes is spent, at a different point of a commit each time (data
 * pages, the meta page). Each call fails with OFFLOG_ENOSPC, the process
 * goes on, and the store reopens with exactly what was acknowledged. */
static void test_disk_full_mid_commit_fails_with_enospc_and_reopens_intact(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	int64_t acked = 0;
	int last;
	long fails = 0;
	for (long budget = 0; budget < 120000; budget += 2500 + budget / 4) {
		fill_disk(FILL_BUDGET, budget);
		const char *why = fill_up(f->env, &acked, &last, 40, false);
		free_disk();
		if (why)
			fail_msg("budget %ld: %s", budget, why);
		if (last) {
			assert_code(last, OFFLOG_ENOSPC);
			assert_true(fill_failures > 0);
			fails++;
		}
		fx_reopen(f, NULL);
		const char *bad = check_big(f->env, acked);
		if (bad)
			fail_msg("after reopen (budget %ld): %s", budget, bad);
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		assert_ok(offlog_group_committed(&cm, f->env, "g", "t", 0));
		assert_true(cm.offset <= acked);
	}
	assert_true(fails > 5);
	/* Every write refused, the next ones fine again. */
	fill_disk(FILL_ALL, 0);
	int64_t before = acked;
	const char *why = fill_up(f->env, &acked, &last, 3, true);
	free_disk();
	assert_null(why);
	assert_code(last, OFFLOG_ENOSPC);
	assert_int_equal(acked, before);
	assert_null(fill_up(f->env, &acked, &last, 3, true));
	assert_int_equal(last, 0);
	assert_null(check_big(f->env, acked));
}

/* The same, without reopening: once there is space again the handle that
 * saw the failure reads and appends as before (test_faults.c shows it when
 * every write fails; here the failure may hit the meta page). */
/* A full disk at any point of a commit: the call fails with OFFLOG_ENOSPC.
 * Where the failure hit LMDB's commit record, LMDB cannot go on with that
 * handle: every later call says so with OFFLOG_EFATAL (and nothing else),
 * and a reopened handle finds everything acknowledged and appends again.
 * Elsewhere the same handle goes on at once. */
static void test_handle_after_enospc_mid_commit_goes_on_or_is_fatal(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	int64_t acked = 0;
	int last;
	int fatal = 0, went_on = 0;
	for (long budget = 0; budget < 120000; budget += 2500 + budget / 4) {
		fill_disk(FILL_BUDGET, budget);
		const char *why = fill_up(f->env, &acked, &last, 40, false);
		free_disk();
		if (why)
			fail_msg("budget %ld: %s", budget, why);
		if (last)
			assert_code(last, OFFLOG_ENOSPC);
		int64_t before = acked;
		int64_t leo;
		int rc = offlog_watermarks_get(NULL, NULL, &leo, f->env, "t", 0);
		if (rc == OFFLOG_EFATAL) {
			offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &m), OFFLOG_EFATAL);
			fx_reopen(f, NULL);
			fatal++;
		} else {
			assert_ok(rc);
			went_on++;
		}
		if ((why = check_big(f->env, acked)) != NULL ||
		    (why = fill_up(f->env, &acked, &last, 2, true)) != NULL)
			fail_msg("after ENOSPC with %ld bytes written: %s", budget, why);
		if (last != 0 || acked == before)
			fail_msg("after ENOSPC with %ld bytes written: append -> %s: %s", budget,
			         offlog_errname(last), offlog_errmsg());
	}
	assert_true(went_on > 0);
	print_message("ENOSPC mid-commit: the handle went on %d times, needed a reopen %d times\n",
	              went_on, fatal);
}

/* ------------------------------------------------------------------------ */
/* 3. A read-only store                                                     */
/* ------------------------------------------------------------------------ */

static void make_sample_store(fx *f)
{
	create_topic(f->env, "t", 2);
	append_n(f->env, "t", 0, 10);
	append_n(f->env, "t", 1, 3);
	offlog_partition_offset po = {"t", 0, 4, "m", 0};
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	assert_ok(offlog_txn_commit_offsets(x, "g", &po, 1));
	assert_ok(offlog_txn_commit(x));
	assert_ok(offlog_close(f->env));
	f->env = NULL;
}

#define RO_EXPECT(call)                                                                        \
	do {                                                                                       \
		int rc_ = (call);                                                                      \
		if (rc_ != OFFLOG_EREADONLY) {                                                         \
			snprintf(why, sizeof why, "%s -> %s, expected OFFLOG_EREADONLY", #call,             \
			         offlog_errname(rc_));                                                     \
			return why;                                                                        \
		}                                                                                      \
	} while (0)
#define RO_OK(call)                                                                            \
	do {                                                                                       \
		int rc_ = (call);                                                                      \
		if (rc_ != 0) {                                                                        \
			snprintf(why, sizeof why, "%s -> %s: %s", #call, offlog_errname(rc_),              \
			         offlog_errmsg());                                                         \
			return why;                                                                        \
		}                                                                                      \
	} while (0)

struct ro_delivery {
	int err;
	bool done;
};

static void on_ro_delivery(void *opaque, const offlog_delivery *d)
{
	struct ro_delivery *r = opaque;
	r->err = d->err;
	r->done = true;
}

/* Reads work, every write is OFFLOG_EREADONLY. No cmocka asserts: it also
 * runs in a child process. */
static const char *read_only_checks(offlog_env *env)
{
	static char why[512];
	int64_t ls, hw, leo, next;
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	char **names;
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	RO_OK(offlog_watermarks_get(&ls, &hw, &leo, env, "t", 0));
	if (ls != 0 || hw != 10 || leo != 10)
		return "watermarks of t/0";
	RO_OK(offlog_fetch(&b, env, "t", 0, 0, 0, 0));
	RO_OK(offlog_batch_records(&r, &n, &next, b));
	if (n != 10 || next != 10 || r[9].value_len != 2 || memcmp(r[9].value, "v9", 2)) {
		offlog_batch_free(b);
		return "records of t/0";
	}
	offlog_batch_free(b);
	RO_OK(offlog_topic_list(&names, &n, env));
	offlog_names_free(names, n);
	if (n != 1)
		return "topic list";
	RO_OK(offlog_group_committed(&cm, env, "g", "t", 0));
	if (cm.offset != 4 || strcmp(cm.metadata, "m"))
		return "committed offset";
	offlog_consumer *c;
	offlog_consumer_options co;
	offlog_consumer_options_init(&co);
	co.enable_auto_commit = 0;
	RO_OK(offlog_consumer_open(&c, env, "g", &co));
	offlog_topic_partition tp = {"t", 0};
	RO_OK(offlog_consumer_assign(c, &tp, 1));
	RO_OK(offlog_consumer_poll(&r, &n, c, 0));
	if (n != 6 || r[0].offset != 4) {
		offlog_consumer_close(c);
		return "consumer poll from the committed offset";
	}
	offlog_partition_offset po = {"t", 0, 6, NULL, 0};
	int rc = offlog_consumer_commit_offsets(c, &po, 1);
	int rc2 = offlog_consumer_commit(c);
	offlog_consumer_close(c);
	RO_EXPECT(rc);
	RO_EXPECT(rc2);

	offlog_message m = {NULL, 0, "x", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	offlog_topic_config cfg;
	offlog_topic_config_init(&cfg);
	offlog_partition_offset reset = {"t", 0, 0, NULL, 0};
	offlog_txn *x = NULL;
	RO_EXPECT(offlog_append(NULL, NULL, env, "t", 0, &m));
	RO_EXPECT(offlog_append_batch(NULL, NULL, env, "t", 1, &m, 1));
	RO_EXPECT(offlog_topic_create(env, "u", 1, NULL));
	RO_EXPECT(offlog_topic_delete(env, "t"));
	RO_EXPECT(offlog_topic_add_partitions(env, "t", 3));
	RO_EXPECT(offlog_topic_alter_config(env, "t", &cfg));
	RO_EXPECT(offlog_delete_records(NULL, env, "t", 0, 5));
	RO_EXPECT(offlog_maintain(env, 0, NULL));
	RO_EXPECT(offlog_group_delete(env, "g"));
	RO_EXPECT(offlog_group_reset_offsets(env, "g", &reset, 1, OFFLOG_RESET_TO_EARLIEST, 0,
	                                     OFFLOG_RESET_FORCE));
	rc = offlog_txn_begin(&x, env);
	if (rc == 0) {
		/* A transaction may begin; nothing in it can be written. */
		RO_EXPECT(offlog_txn_append(NULL, NULL, x, "t", 0, &m));
		offlog_txn_abort(x);
	} else {
		RO_EXPECT(rc);
	}
	offlog_producer *prod;
	offlog_producer_options po2;
	struct ro_delivery d = {0, false};
	offlog_producer_options_init(&po2);
	po2.on_delivery = on_ro_delivery;
	po2.opaque = &d;
	po2.linger_ms = 0;
	rc = offlog_producer_open(&prod, env, &po2);
	if (rc == 0) {
		RO_OK(offlog_producer_send(prod, "t", 0, &m, NULL));
		offlog_producer_close(prod, 0);
		RO_EXPECT(d.done ? d.err : -999);
	} else {
		RO_EXPECT(rc);
	}
	po2.idempotent = 1;
	RO_EXPECT(offlog_producer_open(&prod, env, &po2)); /* a new producer id is a write */
	RO_OK(offlog_flush(env));
	RO_OK(offlog_watermarks_get(NULL, NULL, &leo, env, "t", 0));
	if (leo != 10)
		return "t/0 changed";
	return NULL;
}

static void test_read_only_open_reads_and_refuses_every_write(void **state)
{
	fx *f = *state;
	make_sample_store(f);
	uint64_t digest = store_digest(f->path);
	char before[512], after[512];
	dir_listing(before, sizeof before, f->path);
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_READONLY;
	assert_ok(offlog_open(&f->env, f->path, &o));
	const char *why = read_only_checks(f->env);
	if (why)
		fail_msg("%s", why);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	assert_int_equal(store_digest(f->path), digest);
	dir_listing(after, sizeof after, f->path);
	assert_string_equal(before, after);
	/* A read-only open never creates a store. */
	char missing[700];
	snprintf(missing, sizeof missing, "%s/none", f->dir);
	assert_code(offlog_open(&f->env, missing, &o), OFFLOG_ENOENT);
	assert_int_equal(access(missing, F_OK), -1);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

static void chown_tree(const char *dir, uid_t uid)
{
	char p[1200];
	const char *files[] = {"", "/data.mdb", "/lock.mdb", "/offlog.wake"};
	for (int i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", dir, files[i]);
		if (chown(p, uid, uid) != 0 && i < 3)
			fail_msg("chown %s: %s", p, strerror(errno));
	}
}

static void chmod_tree(const char *dir, mode_t dmode, mode_t fmode)
{
	char p[1200];
	const char *files[] = {"/data.mdb", "/lock.mdb", "/offlog.wake"};
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "%s%s", dir, files[i]);
		chmod(p, fmode);
	}
	assert_int_equal(chmod(dir, dmode), 0);
}

#define NOBODY 65534

/* Run fn in a child as an unprivileged user; its message comes back in
 * *msg. Returns the exit status, or -1 when privileges cannot be dropped. */
static int as_nobody(const char *(*fn)(const char *), const char *arg, char *msg, size_t cap)
{
	char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(shared != MAP_FAILED);
	shared[0] = 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		child_signals();
		if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0 || geteuid() != NOBODY)
			_exit(TMPFS_SKIP);
		const char *why = fn(arg);
		snprintf(shared, 4096, "%s", why ? why : "");
		_exit(why ? 1 : 0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	snprintf(msg, cap, "%s", shared);
	munmap(shared, 4096);
	if (WIFEXITED(st) && WEXITSTATUS(st) == TMPFS_SKIP)
		return -1;
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* As the store's owner without root: files 0400 (lock.mdb too unless
 * ro_lock_writable), directory 0500. */
static bool ro_lock_writable;

static const char *chmod_read_only_checks(const char *path)
{
	static char why[600];
	offlog_env *env;
	int rc = offlog_open(&env, path, NULL);
	if (rc == 0) {
		offlog_close(env);
		return "a writable open of a chmod'ed read-only store succeeded";
	}
	if (rc != OFFLOG_EPERM && rc != OFFLOG_EREADONLY) {
		snprintf(why, sizeof why, "writable open -> %s: %s", offlog_errname(rc), offlog_errmsg());
		return why;
	}
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_READONLY;
	if ((rc = offlog_open(&env, path, &o)) != 0) {
		/* LMDB registers readers in lock.mdb, so it needs write access to it
		 * even to read; if the store cannot do without, it must say so. */
		if (!ro_lock_writable && rc == OFFLOG_EPERM && strstr(offlog_errmsg(), "lock.mdb"))
			return NULL;
		snprintf(why, sizeof why,
		         "read-only open of a store whose files are 0400 (directory 0500) -> %s: %s "
		         "(expected success, or OFFLOG_EPERM naming lock.mdb)",
		         offlog_errname(rc), offlog_errmsg());
		return why;
	}
	const char *bad = read_only_checks(env);
	if (bad)
		snprintf(why, sizeof why, "%s", bad);
	offlog_close(env);
	return bad ? why : NULL;
}

static void test_chmod_read_only_store_opens_read_only(void **state)
{
	fx *f = *state;
	make_sample_store(f);
	uint64_t digest = store_digest(f->path);
	char msg[4096];
	char lock[700];
	snprintf(lock, sizeof lock, "%s/lock.mdb", f->path);
	for (int pass = 0; pass < 2; pass++) {
	ro_lock_writable = pass == 0;
	if (geteuid() != 0) {
		chmod_tree(f->path, 0500, 0400);
		if (ro_lock_writable)
			chmod(lock, 0600);
		const char *why = chmod_read_only_checks(f->path);
		chmod_tree(f->path, 0700, 0600);
		if (why)
			fail_msg("lock.mdb %s: %s", ro_lock_writable ? "0600" : "0400", why);
	} else {
		/* chmod does not stop root: the chmod'ed store is tried by an
		 * unprivileged child owning it (the read-only open as root is
		 * covered by the OFFLOG_OPEN_READONLY test). */
		assert_int_equal(chown(f->dir, NOBODY, NOBODY), 0);
		chown_tree(f->path, NOBODY);
		chmod_tree(f->path, 0500, 0400);
		if (ro_lock_writable)
			chmod(lock, 0600);
		int st = as_nobody(chmod_read_only_checks, f->path, msg, sizeof msg);
		chmod_tree(f->path, 0700, 0600);
		chown_tree(f->path, 0);
		assert_int_equal(chown(f->dir, 0, 0), 0);
		if (st < 0) {
			fprintf(stderr, "read-only: running as root and cannot drop privileges: "
			                "chmod case skipped, OFFLOG_OPEN_READONLY covers it\n");
			skip();
		}
		if (st != 0)
			fail_msg("as uid %d, lock.mdb %s: %s", NOBODY, ro_lock_writable ? "0600" : "0400",
			         msg);
	}
	}
	assert_int_equal(store_digest(f->path), digest);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

/* ------------------------------------------------------------------------ */
/* 4. Security: permissions, names, lengths                                 */
/* ------------------------------------------------------------------------ */

static void test_store_files_are_private_and_file_mode_is_honoured(void **state)
{
	fx *f = *state;
	mode_t old = umask(0);
	char p1[700], p2[700];
	offlog_env *e;
	snprintf(p1, sizeof p1, "%s/default", f->dir);
	snprintf(p2, sizeof p2, "%s/shared", f->dir);
	int rc1 = offlog_open(&e, p1, NULL);
	if (rc1 == 0)
		offlog_close(e);
	offlog_options o;
	offlog_options_init(&o);
	o.file_mode = 0640;
	int rc2 = offlog_open(&e, p2, &o);
	if (rc2 == 0)
		offlog_close(e);
	umask(old);
	assert_ok(rc1);
	assert_ok(rc2);
	assert_int_equal(mode_of(p1, NULL), 0700);
	assert_int_equal(mode_of(p1, "data.mdb"), 0600);
	assert_int_equal(mode_of(p1, "lock.mdb"), 0600);
	assert_int_equal(mode_of(p1, "offlog.wake"), 0600);
	assert_int_equal(mode_of(p2, NULL), 0750);
	assert_int_equal(mode_of(p2, "data.mdb"), 0640);
	assert_int_equal(mode_of(p2, "lock.mdb"), 0640);
	assert_int_equal(mode_of(p2, "offlog.wake"), 0640);
	/* The fixture's store, made under the test's umask, is private too. */
	assert_int_equal(mode_of(f->path, "data.mdb") & 077, 0);
	o.file_mode = 01777;
	assert_code(offlog_open(&e, p2, &o), OFFLOG_EINVAL);
}

static void test_names_never_become_paths(void **state)
{
	fx *f = *state;
	char long_name[OFFLOG_NAME_MAX + 2];
	memset(long_name, 'x', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	const char *bad[] = {"../x", "a/b", "/etc", "..", ".", "", "x\\y", "a b", "\xc3\xa9",
	                     "t\n", long_name, "../../../../../../tmp/offlog-escape"};
	offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_code(offlog_topic_create(f->env, bad[i], 1, NULL), OFFLOG_ENAME);
		assert_code(offlog_append(NULL, NULL, f->env, bad[i], 0, &m), OFFLOG_ENAME);
	}
	/* Valid but odd: every one a key inside data.mdb, never a file. */
	char longest[OFFLOG_NAME_MAX + 1];
	memset(longest, 'y', OFFLOG_NAME_MAX);
	longest[OFFLOG_NAME_MAX] = 0;
	const char *odd_topics[] = {"...", "-", "_", "..a", "a..b", "data.mdb", "lock.mdb", longest};
	const char *odd_groups[] = {"../../evil", "a/b", "..", "/etc/passwd", "%s%n", "data.mdb",
	                            "~root", "$(touch${IFS}x)", longest};
	for (size_t i = 0; i < sizeof odd_topics / sizeof odd_topics[0]; i++) {
		assert_ok(offlog_topic_create(f->env, odd_topics[i], 1, NULL));
		append_str(f->env, odd_topics[i], 0, NULL, "v");
		for (size_t j = 0; j < sizeof odd_groups / sizeof odd_groups[0]; j++) {
			offlog_partition_offset po = {odd_topics[i], 0, 1, odd_groups[j], 0};
			offlog_txn *x;
			assert_ok(offlog_txn_begin(&x, f->env));
			assert_ok(offlog_txn_commit_offsets(x, odd_groups[j], &po, 1));
			assert_ok(offlog_txn_commit(x));
			assert_int_equal(committed_of(f->env, odd_groups[j], odd_topics[i], 0), 1);
		}
	}
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "../g", NULL));
	assert_ok(offlog_consumer_close(c));
	const char *bad_groups[] = {"", "a b", "tab\t", "\xc3\xa9", long_name};
	for (size_t i = 0; i < sizeof bad_groups / sizeof bad_groups[0]; i++) {
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		assert_code(offlog_consumer_open(&c, f->env, bad_groups[i], NULL), OFFLOG_ENAME);
		assert_code(offlog_group_committed(&cm, f->env, bad_groups[i], "...", 0), OFFLOG_ENAME);
	}
	assert_ok(offlog_topic_delete(f->env, "..."));
	fx_reopen(f, NULL);
	char listing[512];
	dir_listing(listing, sizeof listing, f->path);
	assert_string_equal(listing, "data.mdb,lock.mdb,offlog.wake");
	dir_listing(listing, sizeof listing, f->dir);
	assert_string_equal(listing, "store");
	assert_int_equal(access("/tmp/offlog-escape", F_OK), -1);
}

/* Each limit is checked before anything is written: the call fails, its
 * detail names the limit, and the store is byte for byte as before. */
static void test_overlong_inputs_are_refused_and_change_nothing(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c;
	assert_ok(offlog_consumer_open(&c, f->env, "g", NULL));
	uint64_t digest = store_digest(f->path);

	size_t big = OFFLOG_MESSAGE_MAX_DEFAULT + 1;
	char *buf = calloc(1, big);
	assert_non_null(buf);
	memset(buf, 'k', big - 1);
	offlog_header *hs = calloc(OFFLOG_HEADER_COUNT_MAX + 1, sizeof *hs);
	assert_non_null(hs);
	for (size_t i = 0; i <= OFFLOG_HEADER_COUNT_MAX; i++)
		hs[i] = (offlog_header){"h", 1, NULL, 0};
	offlog_header long_hname = {buf, OFFLOG_HEADER_NAME_MAX + 1, NULL, 0};
	offlog_header fat[2] = {{"a", 1, buf, OFFLOG_HEADERS_MAX / 2 + 1},
	                        {"b", 1, buf, OFFLOG_HEADERS_MAX / 2 + 1}};
	struct {
		const char *what;
		offlog_message m;
		const char *word;
	} cases[] = {
		{"key", {buf, OFFLOG_KEY_MAX + 1, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0}, "key"},
		{"header count", {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, hs, OFFLOG_HEADER_COUNT_MAX + 1},
		 "header"},
		{"header name", {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, &long_hname, 1}, "header"},
		{"headers bytes", {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, fat, 2}, "header"},
		{"record", {NULL, 0, buf, big, OFFLOG_TIMESTAMP_NOW, NULL, 0}, "max"},
	};
	char msgs[8][512];
	size_t nm = 0;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_code(offlog_append(NULL, NULL, f->env, "t", 0, &cases[i].m), OFFLOG_ETOOBIG);
		snprintf(msgs[nm++], sizeof msgs[0], "%s", offlog_errmsg());
		if (!strstr(offlog_errmsg(), cases[i].word))
			fail_msg("%s: detail \"%s\" does not name the %s limit", cases[i].what,
			         offlog_errmsg(), cases[i].word);
		assert_code(offlog_append_batch(NULL, NULL, f->env, "t", 0, &cases[i].m, 1),
		            OFFLOG_ETOOBIG);
		offlog_txn *x;
		assert_ok(offlog_txn_begin(&x, f->env));
		assert_code(offlog_txn_append(NULL, NULL, x, "t", 0, &cases[i].m), OFFLOG_ETOOBIG);
		offlog_txn_abort(x);
	}
	/* A key of exactly the limit is fine (it is not written: checked below). */
	char *meta = calloc(1, OFFLOG_METADATA_MAX + 2);
	memset(meta, 'm', OFFLOG_METADATA_MAX + 1);
	offlog_partition_offset po = {"t", 0, 1, meta, 0};
	assert_code(offlog_consumer_commit_offsets(c, &po, 1), OFFLOG_ETOOBIG);
	assert_int_equal(po.err, OFFLOG_ETOOBIG);
	snprintf(msgs[nm++], sizeof msgs[0], "%s", offlog_errmsg());
	assert_non_null(strstr(offlog_errmsg(), "metadata"));
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, f->env));
	assert_code(offlog_txn_commit_offsets(x, "g", &po, 1), OFFLOG_ETOOBIG);
	offlog_txn_abort(x);
	char long_name[OFFLOG_NAME_MAX + 2];
	memset(long_name, 'n', sizeof long_name - 1);
	long_name[sizeof long_name - 1] = 0;
	assert_code(offlog_topic_create(f->env, long_name, 1, NULL), OFFLOG_ENAME);
	snprintf(msgs[nm++], sizeof msgs[0], "%s", offlog_errmsg());
	offlog_consumer *c2;
	assert_code(offlog_consumer_open(&c2, f->env, long_name, NULL), OFFLOG_ENAME);
	offlog_producer *prod;
	assert_ok(offlog_producer_open(&prod, f->env, NULL));
	assert_code(offlog_producer_send(prod, "t", 0, &cases[0].m, NULL), OFFLOG_ETOOBIG);
	assert_ok(offlog_producer_close(prod, 0));
	/* Distinct details: the caller can tell which limit was hit. */
	for (size_t i = 0; i < nm; i++)
		for (size_t j = i + 1; j < nm; j++)
			if (!strcmp(msgs[i], msgs[j]))
				fail_msg("two limits give the same detail: %s", msgs[i]);
	assert_int_equal(store_digest(f->path), digest);
	assert_int_equal(leo_of(f->env, "t", 0), 3);
	assert_int_equal(committed_of(f->env, "g", "t", 0), OFFLOG_OFFSET_INVALID);
	/* The limits themselves are allowed. */
	offlog_message at_limit = {buf, OFFLOG_KEY_MAX, "v", 1, OFFLOG_TIMESTAMP_NOW, hs,
	                           OFFLOG_HEADER_COUNT_MAX};
	meta[OFFLOG_METADATA_MAX] = 0;
	assert_ok(offlog_append(NULL, NULL, f->env, "t", 0, &at_limit));
	assert_ok(offlog_consumer_commit_offsets(c, &po, 1));
	assert_ok(offlog_consumer_close(c));
	free(meta);
	free(hs);
	free(buf);
}

static void test_world_writable_store_directory_is_refused(void **state)
{
	fx *f = *state;
	append_n(f->env, (create_topic(f->env, "t", 1), "t"), 0, 2);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	uint64_t digest = store_digest(f->path);
	assert_int_equal(chmod(f->path, 0777), 0);
	int rc = offlog_open(&f->env, f->path, NULL);
	char msg[1024];
	snprintf(msg, sizeof msg, "%s", offlog_errmsg());
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_READONLY;
	int rc_ro = rc == 0 ? 0 : offlog_open(&f->env, f->path, &o);
	if (rc == 0 || rc_ro == 0) {
		offlog_close(f->env);
		f->env = NULL;
	}
	o.flags = OFFLOG_OPEN_INSECURE;
	int rc_insecure = offlog_open(&f->env, f->path, &o);
	if (rc_insecure == 0) {
		assert_int_equal(leo_of(f->env, "t", 0), 2);
		offlog_close(f->env);
		f->env = NULL;
	}
	assert_int_equal(chmod(f->path, 0700), 0);
	assert_code(rc, OFFLOG_EPERM);
	if (!strstr(msg, f->path))
		fail_msg("the detail \"%s\" does not name the directory %s", msg, f->path);
	assert_code(rc_ro, OFFLOG_EPERM);
	assert_ok(rc_insecure);
	assert_int_equal(store_digest(f->path), digest);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

/* Open a store another user owns, as that other user sees it. */
static const char *open_foreign(const char *path)
{
	static char why[600];
	offlog_env *env;
	int rc = offlog_open(&env, path, NULL);
	if (rc == 0) {
		offlog_close(env);
		return "a store of another user opened";
	}
	if (rc != OFFLOG_EPERM || !strstr(offlog_errmsg(), path)) {
		snprintf(why, sizeof why, "-> %s: %s", offlog_errname(rc), offlog_errmsg());
		return why;
	}
	snprintf(why, sizeof why, "%s", offlog_errmsg());
	return NULL;
}

static void test_store_of_another_user_is_refused(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	if (geteuid() != 0) {
		/* Not root: nothing of another user's can be set up here. */
		skip();
	}
	/* Root may open any store. */
	chown_tree(f->path, NOBODY);
	assert_ok(offlog_open(&f->env, f->path, NULL));
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	chown_tree(f->path, 0);
	/* A store of root's, readable by everyone, seen by another user. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	chmod_tree(f->path, 0755, 0644);
	char msg[4096];
	int st = as_nobody(open_foreign, f->path, msg, sizeof msg);
	chmod_tree(f->path, 0700, 0600);
	assert_int_equal(chmod(f->dir, 0700), 0);
	if (st < 0)
		skip();
	if (st != 0)
		fail_msg("as uid %d: %s", NOBODY, msg);
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_kill9_at_random_moments_loses_nothing_acknowledged),
		T(test_store_is_not_mapped_writable),
		cmocka_unit_test(test_full_tmpfs_fails_with_enospc_not_sigbus),
		T(test_disk_full_mid_commit_fails_with_enospc_and_reopens_intact),
		T(test_handle_after_enospc_mid_commit_goes_on_or_is_fatal),
		T(test_read_only_open_reads_and_refuses_every_write),
		T(test_chmod_read_only_store_opens_read_only),
		T(test_store_files_are_private_and_file_mode_is_honoured),
		T(test_names_never_become_paths),
		T(test_overlong_inputs_are_refused_and_change_nothing),
		T(test_world_writable_store_directory_is_refused),
		T(test_store_of_another_user_is_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

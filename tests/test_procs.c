/* test_procs.c - the multi-process crash checker: writers, an idempotent
 * producer, transactions and group consumers, each its own process on one
 * store, killed with SIGKILL at random moments (mostly one at a time,
 * sometimes all at once) and started again, the store checked after every
 * round against what was acknowledged.
 *
 * Children open the store themselves, each incarnation in a random
 * durability mode (SYNC, NOMETASYNC or ASYNC: offlog.h promises that a
 * crash of the process alone loses nothing in any of them). Each child
 * writes every acknowledged operation to its pipe as fixed-size records
 * (struct ack), in one write(2) per operation and only after the call
 * returned 0 or the delivery or commit callback reported 0. The parent
 * reads the pipes while the children run, keeps the acknowledged history,
 * and at the end of each round kills every child, opens the store and
 * checks:
 *  - every partition's offsets run from 0 to the log end offset with no gap
 *    and no duplicate (no retention here), the high watermark at the log end;
 *  - every record is one a child wrote, byte for byte (value, key, headers
 *    are rebuilt from the identity the value carries), in the partition it
 *    was meant for, stored once; every acknowledged record is at its
 *    acknowledged offset; a record once seen stays at its offset; a dead
 *    writer's or transaction child's records never appear or vanish later;
 *  - each writer incarnation's records are a prefix of its sequence, in
 *    append order within a partition;
 *  - the idempotent producer's records of a partition are its sequence
 *    numbers 0..n-1, each once, in order; a restarted producer (same id,
 *    started only after the old one is dead) resends what was not
 *    acknowledged and each resend of a stored record is reported as a
 *    duplicate with the offset where the record is;
 *  - transactions are all or nothing; aborted ones never appear; the source
 *    ranges of one transaction child's committed transactions chain from 0
 *    without gap or overlap (exactly once) and its group's committed offset
 *    is the end of the last one, with that transaction's metadata;
 *  - group "cg": for every partition, the committed offset is at least the
 *    largest offset any member ever had acknowledged for it (a synchronous,
 *    asynchronous, explicit or on_revoked commit), never lower than at the
 *    previous check, and at most the log end offset; checked after every
 *    round and once in each round beside the running children (a read-only
 *    handle, closed before any child is started). Why this holds for a
 *    group: only the partition's owner may commit it (others are fenced);
 *    an owner's position starts at the committed offset (or the log start
 *    when nothing is committed) and only moves forward; a new owner takes a
 *    partition only after the old one revoked it (committing first) or was
 *    removed, and the old one's later commits are fenced; a killed member
 *    commits nothing after its death; and one consumer's commits take
 *    effect in the order made (SEMANTICS.md, "Commit order").
 * The store is opened with OFFLOG_OPEN_VERIFY for the checks after the
 * rounds, so its pages and tables are checked as a whole too.
 *
 * Each child checks what it is told as well: a writer its partitions, the
 * producer each delivery report's sequence number and duplicate flag, a
 * transaction child and a group member every record they read (byte for
 * byte, offsets without gap) and a member's position against the records
 * it was given. A group member now and then closes its consumer (which
 * finishes its asynchronous commits) and joins again. A child that finds
 * something wrong exits with a message the parent fails with; so does a
 * child with a ThreadSanitizer report or, when valgrind's header is
 * installed, a valgrind error (a killed child never reaches the exit code
 * that would tell of them). A whole stretch with no acknowledgement from
 * any child is a hang.
 *
 * Quick mode (make check): about 4 s. OFFLOG_STRESS=1: about 60 s.
 * OFFLOG_PROCS_SEED=N replays the random choices of a run (the timing of
 * the kills is the machine's), OFFLOG_PROCS_SECONDS=S sets the budget and
 * OFFLOG_PROCS_NO_ASYNC=1 leaves out asynchronous commits. */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* valgrind's client requests, when its header is installed: a child that
 * is killed never reaches the exit code that would report its errors, so
 * it asks for the count itself after each operation. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define PROCS_VG_ERRORS() (RUNNING_ON_VALGRIND ? (unsigned)VALGRIND_COUNT_ERRORS : 0u)
#endif
#endif
#ifndef PROCS_VG_ERRORS
#define PROCS_VG_ERRORS() 0u
#endif

/* ------------------------------------------------------------------------ */
/* Small utilities                                                          */
/* ------------------------------------------------------------------------ */


static bool env_flag(const char *name)
{
	const char *s = getenv(name);
	return s && *s && strcmp(s, "0") != 0;
}

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");
	return p && strstr(p, "vgpreload");
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PROCS_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PROCS_SANITIZER 1
#endif
#endif
#ifndef PROCS_SANITIZER
#define PROCS_SANITIZER 0
#endif
#if defined(__SANITIZE_THREAD__)
#define PROCS_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROCS_TSAN 1
#endif
#endif

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ------------------------------------------------------------------------ */
/* Topics, roles and the records' contents                                  */
/* ------------------------------------------------------------------------ */

/* "w": writers and the producer append, group "cg" and the transaction
 * children read. "x", "y": the transactions' output; "cg" reads "x" too. */
enum { T_W, T_X, T_Y, NTOPICS };
static const char *const tname[NTOPICS] = {"w", "x", "y"};
static const int32_t tparts[NTOPICS] = {4, 2, 1};
#define MAXPARTS 4
#define GROUP "cg"
#define NCGTOPICS 2   /* "cg" subscribes to w and x */

enum { ROLE_WRITER = 1, ROLE_PRODUCER, ROLE_TXN, ROLE_CONSUMER, ROLE__N };
static const char *const role_name[ROLE__N] = {"", "writer", "producer", "txn", "consumer"};

/* What a record's value starts with: who wrote it and what it belongs to.
 * The rest of the value, the key and the headers follow from these fields,
 * so the checker rebuilds every record from its first bytes. */
enum { PL_KEY = 1, PL_HDR = 2, PL_VIA_CONSUMER = 4 };
typedef struct pl {
	uint8_t role, topic, idx, flags;
	int32_t part;    /* the partition it was sent to, or -1 (by key or round-robin) */
	uint32_t inst;   /* writer, txn: the incarnation; producer: its slot */
	int64_t seq;     /* writer: record number; producer: sequence number; txn: txn number */
	uint32_t n;      /* txn: records in the transaction */
	int64_t from, to; /* txn: the source records it processed, [from, to) of w */
	uint32_t fill;
} pl;

#define PL_HEAD 48
#define VAL_MAX (PL_HEAD + 6000)
static const uint8_t pl_magic[4] = {'O', 'L', 'P', '1'};

typedef struct built {
	uint8_t val[VAL_MAX];
	size_t vlen;
	char key[48];
	size_t klen;
	uint8_t hv[8];
	offlog_header hdr[2];
	offlog_message m;
} built;

/* Build the record of header h into b (b->m is ready to append). */
static void build(built *b, const pl *h)
{
	uint8_t *v = b->val;
	memcpy(v, pl_magic, 4);
	v[4] = h->role;
	v[5] = h->topic;
	v[6] = h->idx;
	v[7] = h->flags;
	put32(v + 8, (uint32_t)h->part);
	put32(v + 12, h->inst);
	put64(v + 16, (uint64_t)h->seq);
	put32(v + 24, h->n);
	put64(v + 28, (uint64_t)h->from);
	put64(v + 36, (uint64_t)h->to);
	put32(v + 44, h->fill);
	uint64_t x = fnv64(v, PL_HEAD);
	for (size_t i = 0; i < h->fill; i += 8) {
		uint64_t r = prng_next(&x);
		for (size_t j = 0; j < 8 && i + j < h->fill; j++)
			v[PL_HEAD + i + j] = (uint8_t)(r >> (8 * j));
	}
	b->vlen = PL_HEAD + h->fill;
	b->klen = 0;
	if (h->flags & PL_KEY)
		b->klen = (size_t)snprintf(b->key, sizeof b->key, "k%" PRIu32 ".%" PRId64 ".%u", h->inst,
		                           h->seq, h->idx);
	put64(b->hv, (uint64_t)h->seq);
	b->hdr[0] = (offlog_header){"seq", 3, b->hv, 8};
	b->hdr[1] = (offlog_header){"null", 4, NULL, 0};
	b->m = (offlog_message){(h->flags & PL_KEY) ? b->key : NULL, b->klen, b->val, b->vlen,
	                        OFFLOG_TIMESTAMP_NOW, (h->flags & PL_HDR) ? b->hdr : NULL,
	                        (h->flags & PL_HDR) ? 2u : 0u};
}

static uint32_t random_fill(uint64_t *rng)
{
	return prng_below(rng, 32) == 0 ? 2000 + prng_below(rng, 4000) : prng_below(rng, 160);
}

/* Decode the header of a stored value; false if it is not one of ours. */
static bool decode(pl *h, const void *value, size_t len)
{
	const uint8_t *v = value;
	if (!v || len < PL_HEAD || memcmp(v, pl_magic, 4) != 0)
		return false;
	h->role = v[4];
	h->topic = v[5];
	h->idx = v[6];
	h->flags = v[7];
	h->part = (int32_t)get32(v + 8);
	h->inst = get32(v + 12);
	h->seq = (int64_t)get64(v + 16);
	h->n = get32(v + 24);
	h->from = (int64_t)get64(v + 28);
	h->to = (int64_t)get64(v + 36);
	h->fill = get32(v + 44);
	return h->role >= ROLE_WRITER && h->role <= ROLE_TXN && h->topic < NTOPICS &&
	       h->fill <= VAL_MAX - PL_HEAD && len == PL_HEAD + h->fill && h->seq >= 0;
}

/* Is r exactly the record its value names? Fills *h; why gets the reason. */
static bool record_exact(pl *h, const offlog_record *r, built *b, const char **why)
{
	if (!decode(h, r->value, r->value_len)) {
		*why = "not a record of this test (its value does not decode)";
		return false;
	}
	build(b, h);
	if (r->value_len != b->vlen || memcmp(r->value, b->val, b->vlen) != 0) {
		*why = "value bytes differ from what was written";
		return false;
	}
	if ((b->m.key == NULL) != (r->key == NULL) ||
	    (b->m.key && (r->key_len != b->klen || memcmp(r->key, b->key, b->klen) != 0))) {
		*why = "key differs from what was written";
		return false;
	}
	offlog_header got[3];
	size_t n = 0;
	if (r->header_count != b->m.header_count ||
	    (n = 0, offlog_record_headers(got, 3, &n, r)) != 0 || n != b->m.header_count) {
		*why = "headers differ in number or do not decode";
		return false;
	}
	for (size_t i = 0; i < n; i++)
		if (got[i].name_len != b->hdr[i].name_len ||
		    memcmp(got[i].name, b->hdr[i].name, got[i].name_len) != 0 ||
		    (got[i].value == NULL) != (b->hdr[i].value == NULL) ||
		    got[i].value_len != b->hdr[i].value_len ||
		    (got[i].value && memcmp(got[i].value, b->hdr[i].value, got[i].value_len) != 0)) {
			*why = "a header differs from what was written";
			return false;
		}
	return true;
}

/* ------------------------------------------------------------------------ */
/* Acknowledgements: what a child tells the parent, one fixed-size record   */
/* each, written only after the operation succeeded.                        */
/* ------------------------------------------------------------------------ */

enum {
	A_APPEND = 1, /* writer: record (inst, seq) at topic/part:offset */
	A_PID,        /* producer: its id (sum), before anything is sent */
	A_DELIVERY,   /* producer: sequence seq of part at offset; how = duplicate */
	A_TXN_REC,    /* txn: record idx of transaction (inst, seq) at topic/part:offset */
	A_TXN,        /* txn: (inst, seq) of n records committed, source [sum, offset) of w/part */
	A_TXN_ABORT,  /* txn: (inst, seq) of n records aborted */
	A_COMMIT,     /* consumer: group cg committed offset for topic/part; how = C_* */
	A_CLOSE       /* consumer: closed its consumer (and opens a new one) */
};
enum { C_SYNC, C_ASYNC, C_EXPLICIT, C_REVOKE, C__N };
static const char *const commit_name[C__N] = {"sync", "async", "explicit", "on_revoked"};

typedef struct ack {
	uint8_t kind, topic, how, idx;
	int32_t part;
	uint32_t inst;
	uint32_t n;
	int64_t seq;
	int64_t offset;
	uint64_t sum;   /* fnv64 of the value (A_PID: the producer id; A_TXN: source start) */
} ack;

#define ACKS_MAX (PIPE_BUF / sizeof(ack)) /* one write of at most PIPE_BUF bytes is atomic */

/* ------------------------------------------------------------------------ */
/* Slots: the children, each restarted in the same slot                     */
/* ------------------------------------------------------------------------ */

#define SLOTS_MAX 10
#define ERR_LEN 512

typedef struct slot {
	int role, index;     /* index within its role */
	pid_t pid;           /* 0: not running */
	int fd;              /* read end of the running child's pipe */
	uint32_t inst;       /* its current incarnation */
	uint8_t part[sizeof(ack)];
	size_t npart;        /* bytes of an ack read only in part */
	long acks;           /* acknowledgements of the running child */
	uint64_t seed;
	int durability;
	/* producer: its id (0 until the first child reports the one the store
	 * gave) and per partition the acknowledged prefix of sequence numbers */
	uint64_t producer_id;
	int64_t acked_seq[MAXPARTS];
} slot;

typedef struct timing {
	int session_ms, heartbeat_ms;
	int round_min_ms, round_max_ms, gap_min_ms, gap_max_ms;
	int rounds_max;
	long budget_ms;
	long stall_ms;   /* no acknowledgement from any child for this long: a hang */
	bool no_async;   /* OFFLOG_PROCS_NO_ASYNC=1: no commit_async (to look past its order) */
} timing;

/* ------------------------------------------------------------------------ */
/* The children                                                             */
/* ------------------------------------------------------------------------ */

typedef struct child {
	slot *s;
	int fd;
	char *err;          /* shared with the parent: why the child gave up */
	uint64_t rng;
	offlog_env *env;
	const timing *tm;
	pthread_mutex_t mu; /* one writer of the pipe at a time */
} child;

static _Noreturn void child_die(child *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, ERR_LEN, fmt, ap);
	va_end(ap);
	_exit(3);
}

static _Noreturn void child_fail(child *c, const char *what, int rc)
{
	child_die(c, "%s %u: %s -> %s: %s", role_name[c->s->role], c->s->inst, what,
	          offlog_errname(rc), offlog_errmsg());
}

static void send_acks(child *c, const ack *a, size_t n)
{
	if (PROCS_VG_ERRORS() != 0)
		child_die(c, "%s %u: valgrind reported an error (printed above)", role_name[c->s->role],
		          c->s->inst);
	if (n == 0)
		return;
	if (n > ACKS_MAX)
		child_die(c, "%zu acknowledgements in one write", n);
	pthread_mutex_lock(&c->mu);
	size_t bytes = n * sizeof *a;
	ssize_t w;
	while ((w = write(c->fd, a, bytes)) < 0 && errno == EINTR)
		;
	pthread_mutex_unlock(&c->mu);
	if (w != (ssize_t)bytes)
		child_die(c, "write to the parent: %s", w < 0 ? strerror(errno) : "short");
}

/* ---- writers: offlog_append and offlog_append_batch ---------------------- */

static void writer_main(child *c)
{
	static built b[12];
	offlog_message m[12];
	ack a[12];
	int64_t seq = 0;
	for (;;) {
		uint32_t r = prng_below(&c->rng, 100);
		bool batch = r < 40;
		uint32_t n = batch ? 2 + prng_below(&c->rng, 11) : 1;
		/* 0: an explicit partition; 1 (a single): by key; 2 (a batch): round-robin */
		int how = prng_below(&c->rng, 6) == 0 ? (batch ? 2 : 1) : 0;
		int32_t part = how ? -1 : (int32_t)prng_below(&c->rng, 4);
		for (uint32_t i = 0; i < n; i++) {
			pl h = {ROLE_WRITER, T_W, 0, 0, part, c->s->inst, seq + i, 0, 0, 0,
			        random_fill(&c->rng)};
			if (how == 1 || (how == 0 && prng_below(&c->rng, 3) == 0))
				h.flags |= PL_KEY;
			if (prng_below(&c->rng, 4) == 0)
				h.flags |= PL_HDR;
			build(&b[i], &h);
			m[i] = b[i].m;
		}
		int64_t base = -1;
		int32_t pout = -1;
		int32_t target = part < 0 ? OFFLOG_PARTITION_ANY : part;
		int rc = batch ? offlog_append_batch(&base, &pout, c->env, "w", target, m, n)
		               : offlog_append(&base, &pout, c->env, "w", target, m);
		if (rc)
			child_fail(c, batch ? "offlog_append_batch" : "offlog_append", rc);
		if (how == 1) {
			int32_t want;
			offlog_partition_for_key(&want, b[0].key, b[0].klen, 4);
			if (pout != want)
				child_die(c, "writer %u: key %s appended to w/%d, its partition is %d",
				          c->s->inst, b[0].key, pout, want);
		}
		if (part >= 0 && pout != part)
			child_die(c, "writer %u: appended to w/%d, reported w/%d", c->s->inst, part, pout);
		for (uint32_t i = 0; i < n; i++)
			a[i] = (ack){A_APPEND, T_W, 0, 0, pout, c->s->inst, n, seq + i, base + i,
			             fnv64(b[i].val, b[i].vlen)};
		send_acks(c, a, n);
		seq += n;
	}
}

/* ---- the idempotent producer ------------------------------------------- */

typedef struct prod {
	child *c;
	int64_t first_new[MAXPARTS]; /* the store's next sequence at start: below it, duplicates */
	atomic_long outstanding;
} prod;

/* The partition and the sequence number ride in the message's opaque
 * pointer: the sequence in the low bits, the partition above, as many as a
 * pointer of this build holds. */
#define SEQ_BITS (sizeof(void *) >= 8 ? 48 : 24)

static void *seq_opaque(int32_t part, int64_t seq)
{
	return (void *)(uintptr_t)((uint64_t)part << SEQ_BITS | (uint64_t)seq);
}

static void producer_record(built *b, const child *c, int32_t part, int64_t seq)
{
	/* Only (slot, partition, sequence) decide the bytes, so a resend after a
	 * restart is the same record. */
	uint64_t x = (uint64_t)seq * UINT64_C(0x9e3779b97f4a7c15) ^ (uint64_t)part;
	pl h = {ROLE_PRODUCER, T_W, 0, (uint8_t)(prng_below(&x, 4) == 0 ? PL_HDR : 0), part,
	        (uint32_t)c->s->index, seq, 0, 0, 0, prng_below(&x, 16) == 0 ? 3000 : prng_below(&x, 160)};
	build(b, &h);
}

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	prod *p = opaque;
	child *c = p->c;
	uint64_t o = (uint64_t)(uintptr_t)d->msg_opaque;
	_Static_assert(MAXPARTS < 256, "the partition fits 8 bits of the opaque pointer");
	int32_t part = (int32_t)(o >> SEQ_BITS);
	int64_t seq = (int64_t)(o & ((UINT64_C(1) << SEQ_BITS) - 1));
	if (d->err)
		child_die(c, "producer %u: delivery of w/%d sequence %" PRId64 ": %s", c->s->inst, part,
		          seq, offlog_errname(d->err));
	if (d->partition != part || d->sequence != seq)
		child_die(c, "producer %u: record w/%d sequence %" PRId64
		          " reported as w/%d sequence %" PRId64,
		          c->s->inst, part, seq, d->partition, d->sequence);
	int dup = seq < p->first_new[part];
	if (d->duplicate != dup)
		child_die(c, "producer %u: w/%d sequence %" PRId64 " (the store's next was %" PRId64
		          " at start) reported with duplicate = %d",
		          c->s->inst, part, seq, p->first_new[part], d->duplicate);
	static built b; /* the producer's thread only */
	producer_record(&b, c, part, seq);
	ack a = {A_DELIVERY, T_W, (uint8_t)dup, 0, part, (uint32_t)c->s->index, 0, seq, d->offset,
	         fnv64(b.val, b.vlen)};
	send_acks(c, &a, 1);
	atomic_fetch_sub(&p->outstanding, 1);
}

static void producer_send(child *c, prod *p, offlog_producer *pr, int32_t part, int64_t seq,
                          bool sequenced)
{
	static built b;
	producer_record(&b, c, part, seq);
	atomic_fetch_add(&p->outstanding, 1);
	void *opq = seq_opaque(part, seq);
	int rc = sequenced ? offlog_producer_send_sequenced(pr, "w", part, seq, &b.m, opq)
	                   : offlog_producer_send(pr, "w", part, &b.m, opq);
	if (rc)
		child_fail(c, "offlog_producer_send", rc);
}

static void producer_main(child *c)
{
	static prod p;
	p.c = c;
	offlog_producer_options po;
	offlog_producer_options_init(&po);
	po.idempotent = 1;
	po.producer_id = c->s->producer_id;
	po.linger_ms = prng_below(&c->rng, 6);
	po.on_delivery = on_delivery;
	po.opaque = &p;
	offlog_producer *pr;
	int rc = offlog_producer_open(&pr, c->env, &po);
	if (rc)
		child_fail(c, "offlog_producer_open", rc);
	uint64_t id = 0;
	if ((rc = offlog_producer_id(&id, pr)) != 0)
		child_fail(c, "offlog_producer_id", rc);
	if (c->s->producer_id && id != c->s->producer_id)
		child_die(c, "producer opened with id %" PRIu64 " reports id %" PRIu64,
		          c->s->producer_id, id);
	if (!c->s->producer_id) {
		/* Persisted before anything is sent: a restart resumes this id. */
		ack a = {A_PID, T_W, 0, 0, 0, c->s->inst, 0, 0, 0, id};
		send_acks(c, &a, 1);
	}
	int64_t next[MAXPARTS];
	for (int32_t part = 0; part < 4; part++) {
		if ((rc = offlog_producer_next_sequence(&next[part], pr, "w", part)) != 0)
			child_fail(c, "offlog_producer_next_sequence", rc);
		int64_t acked = c->s->acked_seq[part];
		if (acked > next[part])
			child_die(c, "producer %" PRIu64 ": w/%d acknowledged through sequence %" PRId64
			          " but the store's next sequence is %" PRId64,
			          id, part, acked - 1, next[part]);
		p.first_new[part] = next[part];
	}
	/* Resend what was not acknowledged (and the last two that were): the
	 * stored ones come back as duplicates with their offsets. */
	for (int32_t part = 0; part < 4; part++) {
		int64_t from = c->s->acked_seq[part] - (int64_t)prng_below(&c->rng, 3);
		for (int64_t s = from < 0 ? 0 : from; s < next[part]; s++)
			producer_send(c, &p, pr, part, s, true);
	}
	for (;;) {
		int32_t part = (int32_t)prng_below(&c->rng, 4);
		uint32_t k = 1 + prng_below(&c->rng, 6);
		for (uint32_t i = 0; i < k; i++)
			producer_send(c, &p, pr, part, next[part]++, prng_below(&c->rng, 2) == 0);
		if (prng_below(&c->rng, 4) == 0 || atomic_load(&p.outstanding) > 32)
			if ((rc = offlog_producer_flush(pr, -1)) != 0)
				child_fail(c, "offlog_producer_flush", rc);
	}
}

/* ---- transactions: consume w/k, append to x and y, commit the source ----- */

static void txn_main(child *c)
{
	static built b[6];
	ack a[8];
	char group[16];
	int32_t src = (int32_t)(c->s->index % 4);
	snprintf(group, sizeof group, "tx%d", c->s->index);
	offlog_consumer_options co;
	offlog_consumer_options_init(&co);
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	co.enable_auto_commit = 0;
	co.max_poll_records = 1 + prng_below(&c->rng, 20);
	offlog_consumer *cons;
	int rc = offlog_consumer_open(&cons, c->env, group, &co);
	if (rc)
		child_fail(c, "offlog_consumer_open", rc);
	offlog_topic_partition tp = {"w", src};
	if ((rc = offlog_consumer_assign(cons, &tp, 1)) != 0)
		child_fail(c, "offlog_consumer_assign", rc);
	static const int outs[3][2] = {{T_X, 0}, {T_X, 1}, {T_Y, 0}};
	for (int64_t seq = 0;; seq++) {
		int64_t from, to;
		const offlog_record *r;
		size_t k;
		if ((rc = offlog_consumer_position(&from, cons, "w", src)) != 0)
			child_fail(c, "offlog_consumer_position", rc);
		if ((rc = offlog_consumer_poll(&r, &k, cons, 20)) != 0)
			child_fail(c, "offlog_consumer_poll", rc);
		for (size_t i = 0; i < k; i++) {
			pl h;
			const char *why;
			if (r[i].offset != from + (int64_t)i)
				child_die(c, "txn %u: poll of w/%d from %" PRId64 " returned offset %" PRId64
				          " as record %zu",
				          c->s->inst, src, from, r[i].offset, i);
			if (!record_exact(&h, &r[i], &b[0], &why))
				child_die(c, "txn %u: w/%d:%" PRId64 ": %s", c->s->inst, src, r[i].offset, why);
		}
		to = from + (int64_t)k;
		if (k == 0 && prng_below(&c->rng, 3) != 0)
			continue;
		uint32_t n = 2 + prng_below(&c->rng, 4);
		bool via = prng_below(&c->rng, 2) == 0, abort_it = prng_below(&c->rng, 10) == 0;
		uint32_t first = prng_below(&c->rng, 3);
		offlog_txn *x;
		if ((rc = offlog_txn_begin(&x, c->env)) != 0)
			child_fail(c, "offlog_txn_begin", rc);
		for (uint32_t i = 0; i < n; i++) {
			/* the first two go to different partitions */
			uint32_t o = i == 0   ? first
			             : i == 1 ? (first + 1 + prng_below(&c->rng, 2)) % 3
			                      : prng_below(&c->rng, 3);
			pl h = {ROLE_TXN, (uint8_t)outs[o][0], (uint8_t)i, (uint8_t)(via ? PL_VIA_CONSUMER : 0),
			        outs[o][1], c->s->inst, seq, n, from, to, random_fill(&c->rng)};
			if (prng_below(&c->rng, 3) == 0)
				h.flags |= PL_KEY;
			if (prng_below(&c->rng, 4) == 0)
				h.flags |= PL_HDR;
			build(&b[i], &h);
			int64_t off;
			int32_t pout;
			if ((rc = offlog_txn_append(&off, &pout, x, tname[h.topic], h.part, &b[i].m)) != 0)
				child_fail(c, "offlog_txn_append", rc);
			a[i] = (ack){A_TXN_REC, h.topic, 0, (uint8_t)i, pout, c->s->inst, n, seq, off,
			             fnv64(b[i].val, b[i].vlen)};
		}
		if (via) {
			rc = offlog_txn_commit_consumer(x, cons);
		} else {
			char meta[48];
			snprintf(meta, sizeof meta, "t%" PRIu32 ".%" PRId64, c->s->inst, seq);
			offlog_partition_offset po = {"w", src, to, meta, 0};
			rc = offlog_txn_commit_offsets(x, group, &po, 1);
		}
		if (rc)
			child_fail(c, via ? "offlog_txn_commit_consumer" : "offlog_txn_commit_offsets", rc);
		if (abort_it) {
			offlog_txn_abort(x);
			a[0] = (ack){A_TXN_ABORT, T_W, 0, 0, src, c->s->inst, n, seq, to, (uint64_t)from};
			send_acks(c, a, 1);
			/* the records polled go to the next transaction */
			if ((rc = offlog_consumer_seek(cons, "w", src, from)) != 0)
				child_fail(c, "offlog_consumer_seek", rc);
			continue;
		}
		if ((rc = offlog_txn_commit(x)) != 0)
			child_fail(c, "offlog_txn_commit", rc);
		a[n] = (ack){A_TXN, T_W, via, 0, src, c->s->inst, n, seq, to, (uint64_t)from};
		send_acks(c, a, n + 1);
	}
}

/* ---- group consumers --------------------------------------------------- */

typedef struct cons {
	child *c;
	offlog_consumer *cons;
	int64_t next[NCGTOPICS][MAXPARTS]; /* offset the next record must have; -1: not known */
	built b;
} cons;

static int topic_index(const char *name)
{
	for (int t = 0; t < NTOPICS; t++)
		if (!strcmp(name, tname[t]))
			return t;
	return -1;
}

static void forget(cons *k, const offlog_topic_partition *tps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int t = topic_index(tps[i].topic);
		if (t < 0 || t >= NCGTOPICS || tps[i].partition < 0 || tps[i].partition >= tparts[t])
			child_die(k->c, "consumer %u: a partition of no subscribed topic: %s/%d",
			          k->c->s->inst, tps[i].topic, tps[i].partition);
		k->next[t][tps[i].partition] = -1;
	}
}

/* The positions this member knows from the records it was given. */
static size_t tracked(cons *k, ack *a, int how)
{
	size_t n = 0;
	for (int t = 0; t < NCGTOPICS; t++)
		for (int32_t p = 0; p < tparts[t]; p++)
			if (k->next[t][p] >= 0)
				a[n++] = (ack){A_COMMIT, (uint8_t)t, (uint8_t)how, 0, p, k->c->s->inst, 0, 0,
				               k->next[t][p], 0};
	return n;
}

static void commit_sync(cons *k, int how)
{
	ack a[NCGTOPICS * MAXPARTS];
	size_t n = tracked(k, a, how);
	for (size_t i = 0; i < n; i++) {
		int64_t pos;
		int rc = offlog_consumer_position(&pos, k->cons, tname[a[i].topic], a[i].part);
		if (rc)
			child_fail(k->c, "offlog_consumer_position", rc);
		if (pos != a[i].offset)
			child_die(k->c, "consumer %u: position of %s/%d is %" PRId64
			          ", the last record returned was %" PRId64,
			          k->c->s->inst, tname[a[i].topic], a[i].part, pos, a[i].offset - 1);
	}
	int rc;
	if (how == C_EXPLICIT) {
		offlog_partition_offset po[NCGTOPICS * MAXPARTS];
		for (size_t i = 0; i < n; i++)
			po[i] = (offlog_partition_offset){tname[a[i].topic], a[i].part, a[i].offset, NULL, 0};
		rc = offlog_consumer_commit_offsets(k->cons, po, n);
	} else {
		rc = offlog_consumer_commit(k->cons);
	}
	if (rc == OFFLOG_EFENCED)
		return; /* removed from the group meanwhile: nothing committed */
	if (rc)
		child_fail(k->c, how == C_EXPLICIT ? "offlog_consumer_commit_offsets"
		                                   : "offlog_consumer_commit",
		           rc);
	send_acks(k->c, a, n);
}

static void on_commit(void *opaque, int err, const char *errmsg, const offlog_partition_offset *offs,
                      size_t count)
{
	cons *k = opaque;
	(void)errmsg;
	if (err == OFFLOG_EFENCED)
		return;
	if (err)
		child_fail(k->c, "asynchronous commit", err);
	ack a[NCGTOPICS * MAXPARTS];
	size_t n = 0;
	for (size_t i = 0; i < count && n < NCGTOPICS * MAXPARTS; i++) {
		int t = topic_index(offs[i].topic);
		if (t < 0 || offs[i].err)
			child_die(k->c, "consumer %u: asynchronous commit reported OK, %s/%d with %s",
			          k->c->s->inst, offs[i].topic, offs[i].partition, offlog_errname(offs[i].err));
		a[n++] = (ack){A_COMMIT, (uint8_t)t, C_ASYNC, 0, offs[i].partition, k->c->s->inst, 0, 0,
		               offs[i].offset, 0};
	}
	send_acks(k->c, a, n);
}

static void on_assigned(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                        size_t n)
{
	(void)c;
	forget(opaque, tps, n);
}

static void on_revoked(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                       size_t n)
{
	cons *k = opaque;
	(void)c;
	commit_sync(k, C_REVOKE);
	forget(k, tps, n);
}

static void on_lost(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps, size_t n)
{
	(void)c;
	forget(opaque, tps, n);
}

static void on_records_lost(void *opaque, offlog_consumer *c, const char *topic, int32_t part,
                            int64_t first, int64_t last)
{
	cons *k = opaque;
	(void)c;
	child_die(k->c, "consumer %u: records %s/%d %" PRId64 "..%" PRId64
	          " reported lost (no retention here)",
	          k->c->s->inst, topic, part, first, last);
}

static void consumer_open(cons *k)
{
	child *c = k->c;
	static char instance[16];
	memset(k->next, 0xff, sizeof k->next);
	offlog_consumer_options co;
	offlog_consumer_options_init(&co);
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	co.enable_auto_commit = 0;
	co.max_poll_records = 1 + prng_below(&c->rng, 64);
	co.session_timeout_ms = (uint32_t)c->tm->session_ms;
	co.heartbeat_interval_ms = (uint32_t)c->tm->heartbeat_ms;
	co.assignor = (int)prng_below(&c->rng, 3);
	if (c->s->index == 0) { /* a static member: its restart takes over at once */
		snprintf(instance, sizeof instance, "static-%d", c->s->index);
		co.group_instance_id = instance;
	}
	co.on_assigned = on_assigned;
	co.on_revoked = on_revoked;
	co.on_lost = on_lost;
	co.rebalance_opaque = k;
	co.on_records_lost = on_records_lost;
	co.records_lost_opaque = k;
	int rc = offlog_consumer_open(&k->cons, c->env, GROUP, &co);
	if (rc)
		child_fail(c, "offlog_consumer_open", rc);
	const char *const topics[NCGTOPICS] = {"w", "x"};
	if ((rc = offlog_consumer_subscribe(k->cons, topics, NCGTOPICS)) != 0)
		child_fail(c, "offlog_consumer_subscribe", rc);
}

static void consumer_main(child *c)
{
	static cons k;
	k.c = c;
	consumer_open(&k);
	for (;;) {
		const offlog_record *r;
		size_t n;
		int rc;
		if ((rc = offlog_consumer_poll(&r, &n, k.cons, 20)) != 0)
			child_fail(c, "offlog_consumer_poll", rc);
		for (size_t i = 0; i < n; i++) {
			int t = topic_index(r[i].topic);
			pl h;
			const char *why;
			if (t < 0 || t >= NCGTOPICS || r[i].partition < 0 || r[i].partition >= tparts[t])
				child_die(c, "consumer %u: a record of %s/%d", c->s->inst, r[i].topic,
				          r[i].partition);
			int64_t *next = &k.next[t][r[i].partition];
			if (*next >= 0 && r[i].offset != *next)
				child_die(c, "consumer %u: %s/%d: offset %" PRId64 " returned after %" PRId64,
				          c->s->inst, r[i].topic, r[i].partition, r[i].offset, *next - 1);
			if (!record_exact(&h, &r[i], &k.b, &why))
				child_die(c, "consumer %u: %s/%d:%" PRId64 ": %s", c->s->inst, r[i].topic,
				          r[i].partition, r[i].offset, why);
			*next = r[i].offset + 1;
		}
		if (prng_below(&c->rng, 3) != 0)
			continue;
		int how = (int)prng_below(&c->rng, 3);
		if (how == C_ASYNC && c->tm->no_async)
			how = C_SYNC;
		if (how == C_ASYNC) {
			if ((rc = offlog_consumer_commit_async(k.cons, on_commit, &k)) != 0)
				child_fail(c, "offlog_consumer_commit_async", rc);
		} else {
			commit_sync(&k, how);
		}
		if (prng_below(&c->rng, 40) == 0) {
			/* close (outstanding asynchronous commits finish and report; a
			 * dynamic member revokes and leaves) and join again */
			if ((rc = offlog_consumer_close(k.cons)) != 0)
				child_fail(c, "offlog_consumer_close", rc);
			ack a = {A_CLOSE, 0, 0, 0, 0, c->s->inst, 0, 0, 0, 0};
			send_acks(c, &a, 1);
			consumer_open(&k);
		}
	}
}

#ifdef PROCS_TSAN
static char *tsan_child_err; /* set in a child */

/* ThreadSanitizer calls this after printing a report. A killed child never
 * reaches the exit code that would tell of it, so a child ends here and the
 * parent fails the run. */
void __tsan_on_report(const void *report);
void __tsan_on_report(const void *report)
{
	(void)report;
	if (tsan_child_err) {
		snprintf(tsan_child_err, ERR_LEN, "a ThreadSanitizer report (printed above)");
		_exit(66);
	}
}
#endif

static _Noreturn void child_main(slot *s, int fd, char *err, const timing *tm, pid_t parent)
{
#ifdef __linux__
	/* no child outlives a parent that failed or died */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	if (getppid() != parent)
		_exit(5);
#ifdef PROCS_TSAN
	tsan_child_err = err;
#endif
	static child c;
	c.s = s;
	c.fd = fd;
	c.err = err;
	c.rng = s->seed;
	c.tm = tm;
	pthread_mutex_init(&c.mu, NULL);
	/* A forked child dies of its signals: cmocka's handlers would carry on
	 * with the next test inside the child. */
	const int sigs[] = {SIGBUS, SIGSEGV, SIGILL, SIGFPE, SIGABRT, SIGSYS};
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	offlog_options o;
	offlog_options_init(&o);
	o.durability = s->durability;
	o.flush_interval_ms = 20;
	int rc = offlog_open(&c.env, getenv("OFFLOG_PROCS_PATH"), &o);
	if (rc)
		child_fail(&c, "offlog_open", rc);
	switch (s->role) {
	case ROLE_WRITER:
		writer_main(&c);
		break;
	case ROLE_PRODUCER:
		producer_main(&c);
		break;
	case ROLE_TXN:
		txn_main(&c);
		break;
	default:
		consumer_main(&c);
		break;
	}
	_exit(4);
}

/* ------------------------------------------------------------------------ */
/* The parent: acknowledged history                                         */
/* ------------------------------------------------------------------------ */

/* One record identity: writer (inst, seq), producer (slot, part, seq), txn
 * (inst, seq, idx). */
typedef struct ent {
	uint64_t k1, k2;         /* k1 == 0: empty slot of the table */
	int64_t ack_off, seen_off;
	uint64_t ack_sum;
	int32_t ack_part, seen_part;
	uint32_t seen_scan;      /* the scan that last found it */
	uint8_t ack_topic, seen_topic, acked, aborted;
} ent;

typedef struct table {
	ent *e;
	size_t cap, n;
} table;

static uint64_t key1(int role, uint32_t inst, uint32_t sub)
{
	return (uint64_t)role << 56 | (uint64_t)(sub & 0xffffff) << 32 | inst;
}

static ent *table_get(table *t, uint64_t k1, uint64_t k2)
{
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1 << 14;
		ent *e = calloc(cap, sizeof *e);
		assert_non_null(e);
		for (size_t i = 0; i < t->cap; i++) {
			if (!t->e[i].k1)
				continue;
			size_t j = (size_t)((t->e[i].k1 * 31 + t->e[i].k2) * 0x9e3779b97f4a7c15ull) & (cap - 1);
			while (e[j].k1)
				j = (j + 1) & (cap - 1);
			e[j] = t->e[i];
		}
		free(t->e);
		t->e = e;
		t->cap = cap;
	}
	size_t j = (size_t)((k1 * 31 + k2) * 0x9e3779b97f4a7c15ull) & (t->cap - 1);
	while (t->e[j].k1 && (t->e[j].k1 != k1 || t->e[j].k2 != k2))
		j = (j + 1) & (t->cap - 1);
	if (!t->e[j].k1) {
		t->e[j] = (ent){k1, k2, -1, -1, 0, -1, -1, 0, 0, 0, 0, 0};
		t->n++;
	}
	return &t->e[j];
}

/* An incarnation of a child. */
typedef struct inst {
	uint8_t role, slot;
	uint32_t started_round;
	long count, count_prev;   /* records found by this scan and by the one before */
	int64_t max_seq;
} inst;

/* A transaction found in a scan. */
typedef struct txseen {
	uint32_t inst;
	int64_t seq, from, to;
	uint32_t n, count;
	uint64_t idxmask;
	uint8_t via;
} txseen;

typedef struct run {
	const char *path;
	uint64_t seed, rng;
	const timing *tm;
	slot slots[SLOTS_MAX];
	int nslots;
	char *errs;               /* SLOTS_MAX shared error strings */
	inst *insts;
	size_t ninsts, cap_insts;
	table recs;
	uint32_t scan, round;
	/* group cg: per topic and partition */
	int64_t cg_acked[NCGTOPICS][MAXPARTS];
	int64_t cg_seen[NCGTOPICS][MAXPARTS];
	struct cg_hist {
		uint32_t inst;
		uint8_t how;
		int64_t offset, ms;
	} cg_hist[NCGTOPICS][MAXPARTS][8]; /* the latest acknowledged commits, for the report */
	unsigned cg_nhist[NCGTOPICS][MAXPARTS];
	txseen *tx;
	size_t ntx, cap_tx;
	/* figures */
	long kills, kills_all, kills_all_children, killed_early, restarts;
	int64_t records_stored;   /* by the last scan */
	int64_t check_ms;         /* spent in the checks after the rounds */
	int64_t last_ack_ms, longest_stall_ms;
	long acked_appends, acked_deliveries, resends_dup, resends_of_acked, acked_txns,
	    acked_txn_records, aborted_txns, acked_commits[C__N], producer_ids, consumer_closes;
	long records_checked, commits_checked, txns_checked, live_checks;
	int64_t t0;
} run;

static run *g_run; /* for the failure path: kill the children first */

static void kill_children(run *R)
{
	for (int i = 0; i < R->nslots; i++)
		if (R->slots[i].pid > 0) {
			kill(R->slots[i].pid, SIGKILL);
			waitpid(R->slots[i].pid, NULL, 0);
			R->slots[i].pid = 0;
		}
}

#define VIOLATION(...)                                                                            \
	do {                                                                                          \
		kill_children(g_run);                                                                     \
		fprintf(stderr, "procs: seed %" PRIu64 " (OFFLOG_PROCS_SEED replays it), round %u\n",    \
		        g_run->seed, g_run->round);                                                       \
		fail_msg(__VA_ARGS__);                                                                    \
	} while (0)

/* The parent's own checks of calls that must work: children killed first. */
#define REQUIRE(cond)                                                                             \
	do {                                                                                          \
		if (!(cond))                                                                              \
			VIOLATION("%s: %s", #cond, strerror(errno));                                          \
	} while (0)
#define REQUIRE_OK(x)                                                                             \
	do {                                                                                          \
		int rc_ = (x);                                                                            \
		if (rc_ != 0)                                                                             \
			VIOLATION("%s -> %s: %s", #x, offlog_errname(rc_), offlog_errmsg());                 \
	} while (0)

static inst *inst_of(run *R, uint32_t id)
{
	return id > 0 && id < R->ninsts ? &R->insts[id] : NULL;
}

static void absorb(run *R, slot *s, const ack *a)
{
	R->last_ack_ms = mono_ms();
	switch (a->kind) {
	case A_APPEND: {
		if (a->inst != s->inst)
			VIOLATION("writer slot %d: acknowledgement of incarnation %u", s->index, a->inst);
		ent *e = table_get(&R->recs, key1(ROLE_WRITER, a->inst, 0), (uint64_t)a->seq);
		if (e->acked)
			VIOLATION("writer %u record %" PRId64 " acknowledged twice", a->inst, a->seq);
		*e = (ent){e->k1, e->k2, a->offset, e->seen_off, a->sum, a->part, e->seen_part,
		           e->seen_scan, a->topic, e->seen_topic, 1, 0};
		R->acked_appends++;
		break;
	}
	case A_PID:
		if (s->producer_id && s->producer_id != a->sum)
			VIOLATION("producer slot %d had id %" PRIu64 ", a child reports %" PRIu64, s->index,
			          s->producer_id, a->sum);
		s->producer_id = a->sum;
		R->producer_ids++;
		break;
	case A_DELIVERY: {
		if (a->part < 0 || a->part >= 4)
			VIOLATION("producer delivery for w/%d", a->part);
		ent *e = table_get(&R->recs, key1(ROLE_PRODUCER, (uint32_t)s->index, (uint32_t)a->part),
		                   (uint64_t)a->seq);
		if (e->acked) {
			/* a resend after a restart of a record acknowledged before */
			if (!a->how || e->ack_off != a->offset || e->ack_sum != a->sum)
				VIOLATION("producer w/%d sequence %" PRId64 ": acknowledged at offset %" PRId64
				          ", acknowledged again at %" PRId64 " (duplicate %d)",
				          a->part, a->seq, e->ack_off, a->offset, a->how);
			R->resends_of_acked++;
			break;
		}
		if (a->seq != s->acked_seq[a->part])
			VIOLATION("producer w/%d: sequence %" PRId64 " acknowledged, %" PRId64
			          " expected next (delivery reports come in send order)",
			          a->part, a->seq, s->acked_seq[a->part]);
		s->acked_seq[a->part] = a->seq + 1;
		*e = (ent){e->k1, e->k2, a->offset, e->seen_off, a->sum, a->part, e->seen_part,
		           e->seen_scan, T_W, e->seen_topic, 1, 0};
		R->acked_deliveries++;
		R->resends_dup += a->how;
		break;
	}
	case A_TXN_REC: {
		ent *e = table_get(&R->recs, key1(ROLE_TXN, a->inst, a->idx), (uint64_t)a->seq);
		if (e->acked)
			VIOLATION("txn %u.%" PRId64 " record %u acknowledged twice", a->inst, a->seq, a->idx);
		*e = (ent){e->k1, e->k2, a->offset, e->seen_off, a->sum, a->part, e->seen_part,
		           e->seen_scan, a->topic, e->seen_topic, 1, 0};
		R->acked_txn_records++;
		break;
	}
	case A_TXN:
		R->acked_txns++;
		break;
	case A_TXN_ABORT:
		for (uint32_t i = 0; i < a->n; i++)
			table_get(&R->recs, key1(ROLE_TXN, a->inst, i), (uint64_t)a->seq)->aborted = 1;
		R->aborted_txns++;
		break;
	case A_COMMIT:
		if (a->topic >= NCGTOPICS || a->part < 0 || a->part >= tparts[a->topic] ||
		    a->how >= C__N || a->offset < 0)
			VIOLATION("consumer %u: a commit acknowledgement for %d/%d", a->inst, a->topic,
			          a->part);
		if (a->offset > R->cg_acked[a->topic][a->part])
			R->cg_acked[a->topic][a->part] = a->offset;
		R->cg_hist[a->topic][a->part][R->cg_nhist[a->topic][a->part]++ % 8] =
		    (struct cg_hist){a->inst, a->how, a->offset, mono_ms() - R->t0};
		R->acked_commits[a->how]++;
		break;
	case A_CLOSE:
		R->consumer_closes++;
		break;
	default:
		VIOLATION("%s slot %d: acknowledgement of unknown kind %d", role_name[s->role], s->index,
		          a->kind);
	}
}

/* Read what slot s has written so far. */
static void drain(run *R, slot *s)
{
	uint8_t buf[64 * sizeof(ack)];
	for (;;) {
		memcpy(buf, s->part, s->npart);
		ssize_t n = read(s->fd, buf + s->npart, sizeof buf - s->npart);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			return;
		}
		size_t have = s->npart + (size_t)n, i = 0;
		for (; i + sizeof(ack) <= have; i += sizeof(ack)) {
			ack a;
			memcpy(&a, buf + i, sizeof a);
			absorb(R, s, &a);
			s->acks++;
		}
		s->npart = have - i;
		memcpy(s->part, buf + i, s->npart);
	}
}

static const char *status_text(int st, char *buf, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, cap, "exited with %d", WEXITSTATUS(st));
	return buf;
}

/* After the child of slot s died (waited for): take in the rest of its pipe. */
static void settle(run *R, slot *s, int st, bool killed)
{
	char why[64];
	int i = (int)(s - R->slots);
	s->pid = 0;
	drain(R, s);
	close(s->fd);
	s->fd = -1;
	if (!killed || !WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		VIOLATION("%s %u (slot %d) %s by itself: %s", role_name[s->role], s->inst, i,
		          status_text(st, why, sizeof why),
		          R->errs[i * ERR_LEN] ? &R->errs[i * ERR_LEN] : "no message");
	if (s->npart)
		VIOLATION("%s %u: %zu bytes of a partial acknowledgement", role_name[s->role], s->inst,
		          s->npart);
	R->killed_early += s->acks == 0;
}

static void spawn(run *R, int i)
{
	slot *s = &R->slots[i];
	static const int modes[3] = {OFFLOG_DURABILITY_SYNC, OFFLOG_DURABILITY_NOMETASYNC,
	                             OFFLOG_DURABILITY_ASYNC};
	if (R->ninsts == R->cap_insts) {
		R->cap_insts = R->cap_insts ? 2 * R->cap_insts : 256;
		R->insts = realloc(R->insts, R->cap_insts * sizeof *R->insts);
		REQUIRE(R->insts != NULL);
	}
	s->inst = (uint32_t)R->ninsts;
	R->insts[R->ninsts++] = (inst){(uint8_t)s->role, (uint8_t)i, R->round, 0, -1, -1};
	s->seed = prng_next(&R->rng);
	s->durability = modes[prng_below(&R->rng, 3)];
	s->npart = 0;
	s->acks = 0;
	R->errs[i * ERR_LEN] = 0;
	int fds[2];
	pid_t parent = getpid();
	REQUIRE(pipe(fds) == 0);
	fflush(NULL);
	pid_t pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		for (int j = 0; j < R->nslots; j++)
			if (R->slots[j].pid > 0)
				close(R->slots[j].fd);
		close(fds[0]);
		child_main(s, fds[1], &R->errs[i * ERR_LEN], R->tm, parent);
	}
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	s->fd = fds[0];
	s->pid = pid;
	R->restarts++;
}

static void kill_slot(run *R, int i)
{
	slot *s = &R->slots[i];
	int st;
	kill(s->pid, SIGKILL);
	REQUIRE(waitpid(s->pid, &st, 0) == s->pid);
	settle(R, s, st, true);
	R->kills++;
}

/* SIGKILL to every child before waiting for any. */
static void kill_all(run *R)
{
	int n = 0;
	for (int i = 0; i < R->nslots; i++)
		if (R->slots[i].pid > 0)
			kill(R->slots[i].pid, SIGKILL);
	for (int i = 0; i < R->nslots; i++) {
		slot *s = &R->slots[i];
		int st;
		if (s->pid <= 0)
			continue;
		REQUIRE(waitpid(s->pid, &st, 0) == s->pid);
		settle(R, s, st, true);
		n++;
	}
	R->kills += n;
	R->kills_all_children += n;
	R->kills_all++;
}

/* Read the pipes for up to ms; a child that ended by itself fails the run. */
static void pump(run *R, int ms)
{
	struct pollfd pf[SLOTS_MAX];
	int idx[SLOTS_MAX], n = 0;
	for (int i = 0; i < R->nslots; i++)
		if (R->slots[i].pid > 0) {
			pf[n] = (struct pollfd){R->slots[i].fd, POLLIN, 0};
			idx[n++] = i;
		}
	if (poll(pf, (nfds_t)n, ms < 0 ? 0 : ms) <= 0)
		return;
	for (int j = 0; j < n; j++) {
		slot *s = &R->slots[idx[j]];
		if (pf[j].revents & POLLIN)
			drain(R, s);
		if (pf[j].revents & (POLLHUP | POLLERR)) {
			int st = 0;
			drain(R, s);
			if (waitpid(s->pid, &st, 0) == s->pid)
				settle(R, s, st, false);
		}
	}
}

/* ------------------------------------------------------------------------ */
/* The parent: checking the store                                           */
/* ------------------------------------------------------------------------ */

static txseen *tx_add(run *R, const pl *h)
{
	if (R->ntx == R->cap_tx) {
		R->cap_tx = R->cap_tx ? 2 * R->cap_tx : 1024;
		R->tx = realloc(R->tx, R->cap_tx * sizeof *R->tx);
		REQUIRE(R->tx != NULL);
	}
	txseen *t = &R->tx[R->ntx++];
	*t = (txseen){h->inst, h->seq, h->from, h->to, h->n, 0, 0,
	              (uint8_t)((h->flags & PL_VIA_CONSUMER) != 0)};
	return t;
}

/* A small index from (inst, seq) to the scan's transactions, rebuilt per scan. */
typedef struct txindex {
	size_t *slot;
	size_t cap;
} txindex;

static txseen *tx_lookup(run *R, txindex *ix, const pl *h, bool add)
{
	if (add && 2 * (R->ntx + 1) > ix->cap) {
		free(ix->slot);
		ix->cap = ix->cap ? 2 * ix->cap : 4096;
		while (2 * (R->ntx + 1) > ix->cap)
			ix->cap *= 2;
		ix->slot = malloc(ix->cap * sizeof *ix->slot);
		REQUIRE(ix->slot != NULL);
		memset(ix->slot, 0xff, ix->cap * sizeof *ix->slot);
		for (size_t i = 0; i < R->ntx; i++) {
			size_t j = (size_t)(((uint64_t)R->tx[i].inst << 32 ^ (uint64_t)R->tx[i].seq) *
			                    0x9e3779b97f4a7c15ull) & (ix->cap - 1);
			while (ix->slot[j] != SIZE_MAX)
				j = (j + 1) & (ix->cap - 1);
			ix->slot[j] = i;
		}
	}
	if (!ix->cap)
		return NULL;
	size_t j = (size_t)(((uint64_t)h->inst << 32 ^ (uint64_t)h->seq) * 0x9e3779b97f4a7c15ull) &
	           (ix->cap - 1);
	while (ix->slot[j] != SIZE_MAX) {
		txseen *t = &R->tx[ix->slot[j]];
		if (t->inst == h->inst && t->seq == h->seq)
			return t;
		j = (j + 1) & (ix->cap - 1);
	}
	if (!add)
		return NULL;
	ix->slot[j] = R->ntx;
	return tx_add(R, h);
}

/* Where the record of header h may be: its topic, and its partition, or
 * its key's, or (round-robin) any. */
static bool placed_right(const pl *h, const built *b, int t, int32_t p)
{
	if (h->topic != t)
		return false;
	if (h->part >= 0)
		return h->part == p;
	if (!(h->flags & PL_KEY))
		return true;
	int32_t want;
	offlog_partition_for_key(&want, b->key, b->klen, tparts[t]);
	return want == p;
}

typedef struct scanstate {
	txindex ix;
	int64_t prod_next[MAXPARTS];          /* producer: next sequence per partition of w */
	int64_t *last_seq;                    /* per writer instance and partition: last seq */
} scanstate;

static void check_record(run *R, scanstate *ss, int t, int32_t p, const offlog_record *r)
{
	static built b;
	pl h;
	const char *why;
	if (!record_exact(&h, r, &b, &why))
		VIOLATION("%s/%d:%" PRId64 ": %s", tname[t], p, r->offset, why);
	if (!placed_right(&h, &b, t, p))
		VIOLATION("%s/%d:%" PRId64 ": a %s record (%u.%" PRId64 ") meant for %s/%d", tname[t], p,
		          r->offset, role_name[h.role], h.inst, h.seq, tname[h.topic], h.part);
	ent *e;
	inst *in = h.role == ROLE_PRODUCER ? NULL : inst_of(R, h.inst);
	if (h.role != ROLE_PRODUCER && (!in || in->role != h.role))
		VIOLATION("%s/%d:%" PRId64 ": a %s record of incarnation %u, which is no %s", tname[t], p,
		          r->offset, role_name[h.role], h.inst, role_name[h.role]);
	switch (h.role) {
	case ROLE_WRITER:
		e = table_get(&R->recs, key1(ROLE_WRITER, h.inst, 0), (uint64_t)h.seq);
		in->count++;
		if (h.seq > in->max_seq)
			in->max_seq = h.seq;
		/* one writer's appends are in order within a partition */
		int64_t *last = &ss->last_seq[(size_t)h.inst * MAXPARTS + (size_t)p];
		if (h.seq <= *last)
			VIOLATION("w/%d:%" PRId64 ": writer %u record %" PRId64 " after its record %" PRId64,
			          p, r->offset, h.inst, h.seq, *last);
		*last = h.seq;
		break;
	case ROLE_PRODUCER:
		if (h.inst != 0)
			VIOLATION("w/%d:%" PRId64 ": a record of producer slot %u", p, r->offset, h.inst);
		e = table_get(&R->recs, key1(ROLE_PRODUCER, h.inst, (uint32_t)p), (uint64_t)h.seq);
		/* sequence numbers 0, 1, 2... each once, in offset order */
		if (h.seq != ss->prod_next[p])
			VIOLATION("w/%d:%" PRId64 ": producer sequence %" PRId64 " where %" PRId64
			          " was due (%s)",
			          p, r->offset, h.seq, ss->prod_next[p],
			          h.seq < ss->prod_next[p] ? "stored twice" : "a gap");
		ss->prod_next[p]++;
		break;
	default: {
		e = table_get(&R->recs, key1(ROLE_TXN, h.inst, h.idx), (uint64_t)h.seq);
		in->count++;
		txseen *tx = tx_lookup(R, &ss->ix, &h, true);
		if (tx->n != h.n || tx->from != h.from || tx->to != h.to || h.idx >= h.n || h.n > 63)
			VIOLATION("%s/%d:%" PRId64 ": txn %u.%" PRId64
			          " record %u disagrees with its other records",
			          tname[t], p, r->offset, h.inst, h.seq, h.idx);
		tx->count++;
		tx->idxmask |= UINT64_C(1) << h.idx;
		break;
	}
	}
	if (e->seen_scan == R->scan)
		VIOLATION("%s %u.%" PRId64 " (part/idx %u) stored twice: %s/%d:%" PRId64
		          " and %s/%d:%" PRId64,
		          role_name[h.role], h.inst, h.seq, h.role == ROLE_TXN ? h.idx : (unsigned)p,
		          tname[e->seen_topic], e->seen_part, e->seen_off, tname[t], p, r->offset);
	if (e->seen_off >= 0 && (e->seen_off != r->offset || e->seen_part != p || e->seen_topic != t))
		VIOLATION("%s %u.%" PRId64 " was at %s/%d:%" PRId64 ", now at %s/%d:%" PRId64,
		          role_name[h.role], h.inst, h.seq, tname[e->seen_topic], e->seen_part,
		          e->seen_off, tname[t], p, r->offset);
	if (e->aborted)
		VIOLATION("%s/%d:%" PRId64 ": record %u of aborted txn %u.%" PRId64, tname[t], p,
		          r->offset, h.idx, h.inst, h.seq);
	if (e->acked && (e->ack_off != r->offset || e->ack_part != p || e->ack_topic != t ||
	                 e->ack_sum != fnv64(r->value, r->value_len)))
		VIOLATION("%s %u.%" PRId64 " (part/idx %u): acknowledged at %s/%d:%" PRId64
		          ", found at %s/%d:%" PRId64 "%s",
		          role_name[h.role], h.inst, h.seq, h.role == ROLE_TXN ? h.idx : (unsigned)p,
		          tname[e->ack_topic], e->ack_part, e->ack_off, tname[t], p, r->offset,
		          e->ack_sum != fnv64(r->value, r->value_len) ? " with other bytes" : "");
	e->seen_scan = R->scan;
	e->seen_off = r->offset;
	e->seen_part = p;
	e->seen_topic = (uint8_t)t;
	R->records_checked++;
}

static void scan_partition(run *R, scanstate *ss, offlog_env *env, int t, int32_t p)
{
	int64_t ls, hw, leo, next = 0, expect = 0;
	REQUIRE_OK(offlog_watermarks_get(&ls, &hw, &leo, env, tname[t], p));
	if (ls != 0 || hw != leo)
		VIOLATION("%s/%d after all children died: log start %" PRId64 ", high watermark %" PRId64
		          ", log end %" PRId64 " (expected 0 and hw = leo)",
		          tname[t], p, ls, hw, leo);
	offlog_batch *b = NULL;
	for (;;) {
		const offlog_record *r;
		size_t n;
		REQUIRE_OK(offlog_fetch(&b, env, tname[t], p, next, 1000, 0));
		REQUIRE_OK(offlog_batch_records(&r, &n, &next, b));
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++, expect++) {
			if (r[i].offset != expect)
				VIOLATION("%s/%d: offset %" PRId64 " follows %" PRId64 " (%s)", tname[t], p,
				          r[i].offset, expect - 1, r[i].offset > expect ? "a gap" : "out of order");
			check_record(R, ss, t, p, &r[i]);
		}
	}
	offlog_batch_free(b);
	if (expect != leo)
		VIOLATION("%s/%d: %" PRId64 " records readable, log end offset %" PRId64, tname[t], p,
		          expect, leo);
}

static int cmp_tx(const void *a, const void *b)
{
	const txseen *x = a, *y = b;
	if (x->inst != y->inst)
		return x->inst < y->inst ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* All or nothing, and per transaction child an exactly-once chain of
 * source ranges ending at its group's committed offset. */
static void check_txns(run *R, offlog_env *env)
{
	for (size_t i = 0; i < R->ntx; i++) {
		txseen *t = &R->tx[i];
		if (t->count != t->n || t->idxmask != (UINT64_C(1) << t->n) - 1)
			VIOLATION("txn %u.%" PRId64 ": %u of its %u records stored", t->inst, t->seq, t->count,
			          t->n);
		R->txns_checked++;
	}
	qsort(R->tx, R->ntx, sizeof *R->tx, cmp_tx);
	for (int i = 0; i < R->nslots; i++) {
		slot *s = &R->slots[i];
		if (s->role != ROLE_TXN)
			continue;
		char group[16];
		snprintf(group, sizeof group, "tx%d", s->index);
		const txseen *last = NULL;
		for (size_t j = 0; j < R->ntx; j++) {
			const txseen *t = &R->tx[j];
			if (R->insts[t->inst].slot != i)
				continue;
			int64_t want = last ? last->to : 0;
			if (t->from != want || t->to < t->from)
				VIOLATION("txn child %d: txn %u.%" PRId64 " processed w/%d [%" PRId64 ", %" PRId64
				          ") but the one before ended at %" PRId64 " (exactly once broken)",
				          s->index, t->inst, t->seq, s->index % 4, t->from, t->to, want);
			last = t;
		}
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		REQUIRE_OK(offlog_group_committed(&cm, env, group, "w", s->index % 4));
		R->commits_checked++;
		char meta[48] = "";
		if (last && !last->via)
			snprintf(meta, sizeof meta, "t%" PRIu32 ".%" PRId64, last->inst, last->seq);
		if (!last && cm.offset != OFFLOG_OFFSET_INVALID)
			VIOLATION("group %s: committed %" PRId64 " \"%s\" with no transaction stored", group,
			          cm.offset, cm.metadata);
		if (last && (cm.offset != last->to || strcmp(cm.metadata, meta) != 0))
			VIOLATION("group %s: committed %" PRId64 " \"%s\"; the last stored txn %u.%" PRId64
			          " committed %" PRId64 " \"%s\"",
			          group, cm.offset, cm.metadata, last->inst, last->seq, last->to, meta);
	}
}

/* Group cg: never below an acknowledged commit, never back, never past the end. */
static void check_group(run *R, offlog_env *env)
{
	for (int t = 0; t < NCGTOPICS; t++)
		for (int32_t p = 0; p < tparts[t]; p++) {
			offlog_committed cm = OFFLOG_COMMITTED_INIT;
			int64_t leo;
			REQUIRE_OK(offlog_group_committed(&cm, env, GROUP, tname[t], p));
			REQUIRE_OK(offlog_watermarks_get(NULL, NULL, &leo, env, tname[t], p));
			R->commits_checked++;
			int64_t got = cm.offset == OFFLOG_OFFSET_INVALID ? -1 : cm.offset;
			if (got < R->cg_acked[t][p]) {
				char hist[600] = "";
				for (unsigned k = 0; k < 8 && k < R->cg_nhist[t][p]; k++) {
					const struct cg_hist *c = &R->cg_hist[t][p][(R->cg_nhist[t][p] - 1 - k) % 8];
					snprintf(hist + strlen(hist), sizeof hist - strlen(hist),
					         " %" PRId64 " by %s of consumer %u at %" PRId64 " ms;", c->offset,
					         commit_name[c->how], c->inst, c->ms);
				}
				VIOLATION("group %s %s/%d: committed offset %" PRId64
				          " is below the acknowledged commit %" PRId64
				          " (the latest acknowledged commits, newest first:%s)",
				          GROUP, tname[t], p, got, R->cg_acked[t][p], hist);
			}
			if (got < R->cg_seen[t][p])
				VIOLATION("group %s %s/%d: committed offset went back from %" PRId64 " to %" PRId64,
				          GROUP, tname[t], p, R->cg_seen[t][p], got);
			if (got > leo)
				VIOLATION("group %s %s/%d: committed %" PRId64 " is past the log end %" PRId64,
				          GROUP, tname[t], p, got, leo);
			R->cg_seen[t][p] = got;
		}
}

/* Beside the running children: the group's committed offsets as they are
 * now, against every commit acknowledged before (drained first). The
 * handle is closed again before any child is started. */
static void check_group_live(run *R)
{
	for (int i = 0; i < R->nslots; i++)
		if (R->slots[i].pid > 0)
			drain(R, &R->slots[i]);
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_READONLY;
	offlog_env *env;
	int rc = offlog_open(&env, R->path, &o);
	if (rc)
		VIOLATION("read-only open beside the children: %s: %s", offlog_errname(rc),
		          offlog_errmsg());
	check_group(R, env);
	REQUIRE_OK(offlog_close(env));
	R->live_checks++;
}

static void check_store(run *R)
{
	offlog_env *env;
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_VERIFY; /* the pages and tables as a whole, before the records */
	int rc = offlog_open(&env, R->path, &o);
	if (rc)
		VIOLATION("open after round %u: %s: %s", R->round, offlog_errname(rc), offlog_errmsg());
	R->scan++;
	scanstate ss;
	memset(&ss, 0, sizeof ss);
	ss.last_seq = malloc(R->ninsts * MAXPARTS * sizeof *ss.last_seq);
	REQUIRE(ss.last_seq != NULL);
	for (size_t i = 0; i < R->ninsts * MAXPARTS; i++)
		ss.last_seq[i] = -1;
	R->ntx = 0;
	for (size_t i = 1; i < R->ninsts; i++) {
		R->insts[i].count = 0;
		R->insts[i].max_seq = -1;
	}
	int64_t before = R->records_checked;
	for (int t = 0; t < NTOPICS; t++)
		for (int32_t p = 0; p < tparts[t]; p++)
			scan_partition(R, &ss, env, t, p);
	R->records_stored = R->records_checked - before;
	/* Acknowledged records are all there; what was there once is still. */
	for (size_t i = 0; i < R->recs.cap; i++) {
		ent *e = &R->recs.e[i];
		if (!e->k1 || e->seen_scan == R->scan)
			continue;
		int role = (int)(e->k1 >> 56);
		if (e->acked)
			VIOLATION("acknowledged %s record %u.%" PRIu64
			          " (part/idx %u) is lost: it was at %s/%d:%" PRId64,
			          role_name[role], (uint32_t)e->k1, e->k2, (uint32_t)(e->k1 >> 32) & 0xffffff,
			          tname[e->ack_topic], e->ack_part, e->ack_off);
		if (e->seen_off >= 0)
			VIOLATION("%s record %u.%" PRIu64 " (part/idx %u), found at %s/%d:%" PRId64
			          " by the scan before, is gone",
			          role_name[role], (uint32_t)e->k1, e->k2, (uint32_t)(e->k1 >> 32) & 0xffffff,
			          tname[e->seen_topic], e->seen_part, e->seen_off);
	}
	/* A writer's records: a prefix of its sequence; an incarnation that was
	 * dead at the scan before has neither lost nor gained any since. */
	for (size_t i = 1; i < R->ninsts; i++) {
		inst *in = &R->insts[i];
		if (in->role == ROLE_WRITER && in->count != in->max_seq + 1)
			VIOLATION("writer %zu: %ld records stored, the highest is number %" PRId64
			          " (its records must be a prefix)",
			          i, in->count, in->max_seq);
		if (in->count_prev >= 0 && in->count != in->count_prev)
			VIOLATION("%s %zu, dead since round %u: %ld records at the scan before, %ld now",
			          role_name[in->role], i, in->started_round, in->count_prev, in->count);
		in->count_prev = in->count;
	}
	check_txns(R, env);
	check_group(R, env);
	free(ss.ix.slot);
	free(ss.last_seq);
	REQUIRE_OK(offlog_close(env));
}

/* ------------------------------------------------------------------------ */
/* The test                                                                 */
/* ------------------------------------------------------------------------ */

static void add_slots(run *R, int role, int n)
{
	for (int i = 0; i < n; i++)
		R->slots[R->nslots++] = (slot){.role = role, .index = i, .fd = -1};
}

static void test_processes_killed_at_random_lose_nothing_acknowledged(void **state)
{
	fx *f = *state;
	bool stress = env_flag("OFFLOG_STRESS"), vg = under_valgrind();
	timing tm = {600, 60, 250, 500, 20, 150, 10, 4000, 15000, false};
	if (stress)
		tm = (timing){600, 60, 400, 2000, 20, 300, 100000, 58000, 15000, false};
	if (PROCS_SANITIZER)
		tm.session_ms = 1500, tm.heartbeat_ms = 150;
	if (vg)
		tm = (timing){4000, 400,  1500, 2500, 300, 900, stress ? 40 : 4, stress ? 120000 : 30000,
		              60000, false};
	tm.no_async = env_flag("OFFLOG_PROCS_NO_ASYNC");
	if (getenv("OFFLOG_PROCS_SECONDS"))
		tm.budget_ms = (long)(atof(getenv("OFFLOG_PROCS_SECONDS")) * 1000), tm.rounds_max = 100000;

	static run R;
	memset(&R, 0, sizeof R);
	g_run = &R;
	R.path = f->path;
	R.tm = &tm;
	R.seed = getenv("OFFLOG_PROCS_SEED") ? strtoull(getenv("OFFLOG_PROCS_SEED"), NULL, 0)
	                                     : (uint64_t)wall_ms() ^ (uint64_t)getpid() << 20;
	R.rng = R.seed;
	fprintf(stderr, "procs: seed %" PRIu64 " (OFFLOG_PROCS_SEED replays it), budget %.0f s%s\n",
	        R.seed, (double)tm.budget_ms / 1000, vg ? " (valgrind)" : "");
	R.t0 = mono_ms();
	R.ninsts = 1; /* incarnation 0 is never used */
	R.cap_insts = 256;
	R.insts = calloc(R.cap_insts, sizeof *R.insts);
	REQUIRE(R.insts != NULL);
	memset(R.cg_acked, 0xff, sizeof R.cg_acked);
	memset(R.cg_seen, 0xff, sizeof R.cg_seen);
	R.errs = mmap(NULL, SLOTS_MAX * ERR_LEN, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	              -1, 0);
	REQUIRE(R.errs != MAP_FAILED);
	add_slots(&R, ROLE_WRITER, vg ? 1 : 2);
	add_slots(&R, ROLE_PRODUCER, 1);
	add_slots(&R, ROLE_TXN, vg ? 1 : 2);
	add_slots(&R, ROLE_CONSUMER, vg ? 2 : 3);

	for (int t = 0; t < NTOPICS; t++)
		create_topic(f->env, tname[t], tparts[t]);
	REQUIRE_OK(offlog_close(f->env));
	f->env = NULL;
	setenv("OFFLOG_PROCS_PATH", f->path, 1);

	int64_t deadline = R.t0 + tm.budget_ms;
	for (R.round = 1; (int)R.round <= tm.rounds_max && mono_ms() < deadline; R.round++) {
		for (int i = 0; i < R.nslots; i++)
			if (R.slots[i].pid <= 0)
				spawn(&R, i);
		int64_t now = mono_ms();
		R.last_ack_ms = now;
		int64_t end = now + tm.round_min_ms +
		              prng_below(&R.rng, (uint32_t)(tm.round_max_ms - tm.round_min_ms + 1));
		if (end > deadline)
			end = deadline;
		int64_t next_kill = now + tm.gap_min_ms +
		                    prng_below(&R.rng, (uint32_t)(tm.gap_max_ms - tm.gap_min_ms + 1));
		int64_t live_at = now + prng_below(&R.rng, (uint32_t)(end - now));
		while ((now = mono_ms()) < end) {
			if (live_at && now >= live_at) {
				check_group_live(&R);
				live_at = 0;
			}
			int64_t wake = next_kill < end ? next_kill : end;
			if (live_at && live_at < wake)
				wake = live_at;
			pump(&R, (int)(wake - now));
			if (mono_ms() - R.last_ack_ms > R.longest_stall_ms)
				R.longest_stall_ms = mono_ms() - R.last_ack_ms;
			if (R.longest_stall_ms > tm.stall_ms)
				VIOLATION("no child acknowledged anything for %" PRId64 " ms: a hang",
				          R.longest_stall_ms);
			if (mono_ms() < next_kill)
				continue;
			if (prng_below(&R.rng, 10) == 0) {
				kill_all(&R);
			} else {
				int i = (int)prng_below(&R.rng, (uint32_t)R.nslots);
				if (R.slots[i].pid > 0)
					kill_slot(&R, i);
			}
			/* restarted only once dead: a producer's id has one live user */
			for (int i = 0; i < R.nslots; i++)
				if (R.slots[i].pid <= 0)
					spawn(&R, i);
			next_kill = mono_ms() + tm.gap_min_ms +
			            prng_below(&R.rng, (uint32_t)(tm.gap_max_ms - tm.gap_min_ms + 1));
		}
		/* The round ends with every child dead: all at once, or one by one. */
		if (prng_below(&R.rng, 2) == 0) {
			kill_all(&R);
		} else {
			for (int i = 0; i < R.nslots; i++) {
				if (R.slots[i].pid > 0)
					kill_slot(&R, i);
				pump(&R, (int)prng_below(&R.rng, 15));
			}
		}
		int64_t c0 = mono_ms();
		check_store(&R);
		R.check_ms += mono_ms() - c0;
	}
	long commits = 0;
	for (int i = 0; i < C__N; i++)
		commits += R.acked_commits[i];
	fprintf(stderr,
	        "procs: %u rounds, %ld kills (%ld all-at-once events killing %ld; %ld kills before the "
	        "child's first acknowledgement), %zu incarnations, "
	        "acknowledged: %ld appends, %ld producer deliveries (%ld resends recognised as "
	        "duplicates, %ld of them acknowledged before), %ld txns (%ld records; %ld aborted), "
	        "%ld group commits (%ld sync, %ld async, %ld explicit, %ld on_revoked; %ld consumer "
	        "closes and reopens); checked after "
	        "each round: %" PRId64 " records stored at the end, %ld record checks, %ld txn checks, "
	        "%ld committed-offset checks (%ld read-only checks of the group beside the live "
	        "children); longest time without an acknowledgement %" PRId64 " ms; %.1f s (%.1f s "
	        "of it in the checks after the rounds)\n",
	        R.round - 1, R.kills, R.kills_all, R.kills_all_children, R.killed_early, R.ninsts - 1,
	        R.acked_appends,
	        R.acked_deliveries + R.resends_of_acked, R.resends_dup + R.resends_of_acked,
	        R.resends_of_acked, R.acked_txns, R.acked_txn_records, R.aborted_txns, commits,
	        R.acked_commits[C_SYNC], R.acked_commits[C_ASYNC], R.acked_commits[C_EXPLICIT],
	        R.acked_commits[C_REVOKE], R.consumer_closes, R.records_stored, R.records_checked,
	        R.txns_checked,
	        R.commits_checked, R.live_checks, R.longest_stall_ms,
	        (double)(mono_ms() - R.t0) / 1000.0, (double)R.check_ms / 1000.0);
	assert_true(R.round > 1);
	assert_true(R.acked_appends > 0);
	munmap(R.errs, SLOTS_MAX * ERR_LEN);
	free(R.recs.e);
	free(R.insts);
	free(R.tx);
	g_run = NULL;
	assert_ok(offlog_open(&f->env, f->path, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_processes_killed_at_random_lose_nothing_acknowledged,
		                                fx_setup, fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_producer.c - the batching producer: delivery reports, order, queue
 * limits, flush and close, idempotence across a crash, producer ids and
 * their fencing, fork; group commit. */
#define _XOPEN_SOURCE 700
#include "helpers.h"
#include "codec.h"
#include "db.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXREP 20000

/* Delivery reports collected by a callback. */
struct reports {
	pthread_mutex_t mu;
	size_t n;
	offlog_delivery r[MAXREP];
	intptr_t tag[MAXREP];   /* msg_opaque */
};

static void collect(void *opaque, const offlog_delivery *d)
{
	struct reports *rs = opaque;
	pthread_mutex_lock(&rs->mu);
	if (rs->n < MAXREP) {
		rs->r[rs->n] = *d;
		rs->r[rs->n].topic = NULL;   /* valid during the callback only */
		rs->tag[rs->n] = (intptr_t)d->msg_opaque;
		rs->n++;
	}
	pthread_mutex_unlock(&rs->mu);
}

static struct reports *reports_new(void)
{
	struct reports *rs = calloc(1, sizeof *rs);
	pthread_mutex_init(&rs->mu, NULL);
	return rs;
}

static void reports_free(struct reports *rs)
{
	pthread_mutex_destroy(&rs->mu);
	free(rs);
}

static offlog_producer *producer(offlog_env *env, struct reports *rs, void (*tune)(offlog_producer_options *))
{
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.on_delivery = collect;
	o.opaque = rs;
	if (tune)
		tune(&o);
	offlog_producer *p;
	assert_ok(offlog_producer_open(&p, env, &o));
	return p;
}

static void send_str(offlog_producer *p, const char *topic, int32_t part, const char *key,
                     const char *value, intptr_t tag)
{
	offlog_message m = {key, key ? strlen(key) : 0, value, strlen(value), OFFLOG_TIMESTAMP_NOW,
	                    NULL, 0};
	assert_ok(offlog_producer_send(p, topic, part, &m, (void *)tag));
}

static void test_every_send_is_reported_once_with_its_offset(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 3);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, NULL);
	for (intptr_t i = 0; i < 300; i++) {
		char v[32];
		snprintf(v, sizeof v, "v%ld", (long)i);
		send_str(p, "t", (int32_t)(i % 3), NULL, v, i);
	}
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 300);
	int seen[300] = {0};
	int64_t next[3] = {0, 0, 0};
	for (size_t k = 0; k < rs->n; k++) {
		intptr_t i = rs->tag[k];
		assert_int_equal(rs->r[k].err, 0);
		assert_int_equal(rs->r[k].partition, i % 3);
		/* Send order per partition is offset order. */
		assert_int_equal(rs->r[k].offset, next[i % 3]++);
		assert_int_equal(rs->r[k].sequence, -1);
		seen[i]++;
	}
	for (int i = 0; i < 300; i++)
		assert_int_equal(seen[i], 1);
	/* The reported offsets hold what was sent. */
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 1, 0, 1000, 0));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal(n, 100);
	for (size_t k = 0; k < n; k++) {
		char want[32];
		snprintf(want, sizeof want, "v%zu", k * 3 + 1);
		assert_int_equal(r[k].value_len, strlen(want));
		assert_memory_equal(r[k].value, want, r[k].value_len);
	}
	offlog_batch_free(b);
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
}

static void test_keyed_records_go_to_their_key_partition_keyless_ones_stick(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 8);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, NULL);
	const char *keys[] = {"alice", "bob", "carol", "dave"};
	for (intptr_t i = 0; i < 40; i++)
		send_str(p, "t", OFFLOG_PARTITION_ANY, keys[i % 4], "v", i);
	assert_ok(offlog_producer_flush(p, -1));
	for (size_t k = 0; k < rs->n; k++) {
		int32_t want;
		const char *key = keys[rs->tag[k] % 4];
		offlog_partition_for_key(&want, key, strlen(key), 8);
		assert_int_equal(rs->r[k].partition, want);
	}
	/* Keyless records sent together land in one partition. */
	rs->n = 0;
	for (intptr_t i = 0; i < 50; i++)
		send_str(p, "t", OFFLOG_PARTITION_ANY, NULL, "k", i);
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 50);
	int batches_partition = rs->r[0].partition;
	size_t same = 0;
	for (size_t k = 0; k < rs->n; k++)
		same += rs->r[k].partition == batches_partition;
	assert_true(same >= 25);
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
}

struct sender {
	offlog_producer *p;
	int id;
	int rc;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	for (intptr_t i = 0; i < 500 && s->rc == 0; i++) {
		char v[32];
		snprintf(v, sizeof v, "%d:%ld", s->id, (long)i);
		offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		s->rc = offlog_producer_send(s->p, "t", 0, &m, (void *)(intptr_t)(s->id * 1000 + i));
	}
	return NULL;
}

static void test_eight_sending_threads_make_a_gapless_log(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, NULL);
	struct sender s[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		s[i] = (struct sender){p, i, 0};
		pthread_create(&th[i], NULL, sender_main, &s[i]);
	}
	for (int i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_ok(s[i].rc);
	}
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(rs->n, 4000);
	/* Offsets 0..3999 each once; each thread's records in its send order. */
	static char used[4000];
	memset(used, 0, sizeof used);
	int64_t last[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
	for (size_t k = 0; k < rs->n; k++) {
		int64_t off = rs->r[k].offset;
		assert_ok(rs->r[k].err);
		assert_true(off >= 0 && off < 4000);
		assert_false(used[off]);
		used[off] = 1;
		int id = (int)(rs->tag[k] / 1000);
		assert_true(off > last[id]);
		last[id] = off;
	}
	assert_int_equal(leo_of(f->env, "t", 0), 4000);
	reports_free(rs);
}

static void test_bad_records_fail_alone(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.max_message_bytes = 16;
	assert_ok(offlog_topic_create(f->env, "small", 2, &cfg));
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, NULL);
	send_str(p, "small", 0, NULL, "ok-1", 1);
	send_str(p, "nope", 0, NULL, "no topic", 2);
	send_str(p, "small", 0, NULL, "this value is far too long", 3);
	send_str(p, "small", 5, NULL, "no partition", 4);
	send_str(p, "small", 0, NULL, "ok-2", 5);
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 5);
	int want[6] = {0, 0, OFFLOG_ENOTOPIC, OFFLOG_ETOOBIG, OFFLOG_ENOPART, 0};
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(rs->r[k].err, want[rs->tag[k]]);
		if (rs->r[k].err)
			assert_int_equal(rs->r[k].offset, OFFLOG_OFFSET_INVALID);
	}
	assert_int_equal(leo_of(f->env, "small", 0), 2);
	/* Errors found at send are returned at once. */
	offlog_message m = {NULL, 0, "v", 1, -7, NULL, 0};
	assert_code(offlog_producer_send(p, "small", 0, &m, NULL), OFFLOG_EINVAL);
	assert_code(offlog_producer_send(p, "bad name", 0, &m, NULL), OFFLOG_ENAME);
	assert_code(offlog_producer_send(p, "small", 0, NULL, NULL), OFFLOG_EINVAL);
	assert_code(offlog_producer_send(NULL, "small", 0, &m, NULL), OFFLOG_EINVAL);
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
}

/* Holds the store's write lock from another thread, so the producer cannot
 * write until released. */
struct blocker {
	offlog_env *env;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stage;   /* 1: holding; 2: release */
};

static void *blocker_main(void *arg)
{
	struct blocker *b = arg;
	offlog_txn *x;
	assert_ok(offlog_txn_begin(&x, b->env));
	pthread_mutex_lock(&b->mu);
	b->stage = 1;
	pthread_cond_broadcast(&b->cv);
	while (b->stage != 2)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
	offlog_txn_abort(x);
	return NULL;
}

static void block_writes(struct blocker *b, offlog_env *env)
{
	b->env = env;
	b->stage = 0;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	pthread_create(&b->th, NULL, blocker_main, b);
	pthread_mutex_lock(&b->mu);
	while (b->stage != 1)
		pthread_cond_wait(&b->cv, &b->mu);
	pthread_mutex_unlock(&b->mu);
}

static void unblock_writes(struct blocker *b)
{
	pthread_mutex_lock(&b->mu);
	b->stage = 2;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->th, NULL);
	pthread_mutex_destroy(&b->mu);
	pthread_cond_destroy(&b->cv);
}

static void small_queue_fail(offlog_producer_options *o)
{
	o->queue_bytes = 4096;
	o->queue_full = OFFLOG_QUEUE_FAIL;
	o->linger_ms = 0;
}

static void small_queue_block(offlog_producer_options *o)
{
	o->queue_bytes = 4096;
	o->queue_full = OFFLOG_QUEUE_BLOCK;
	o->block_ms = 100;
	o->linger_ms = 0;
}

static void fill_queue(offlog_producer *p, int expect_full)
{
	char v[1000];
	memset(v, 'q', sizeof v);
	offlog_message m = {NULL, 0, v, sizeof v, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int rc = 0, sent = 0;
	while (sent < 100 && (rc = offlog_producer_send(p, "t", 0, &m, NULL)) == 0)
		sent++;
	assert_code(rc, expect_full);
	assert_true(sent >= 2 && sent < 10);
}

static void test_full_queue_fails_at_once_when_so_configured(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, small_queue_fail);
	struct blocker b;
	block_writes(&b, f->env);
	int64_t t0 = mono_ms();
	fill_queue(p, OFFLOG_EQUEUEFULL);
	assert_true(mono_ms() - t0 < 100);
	assert_code(offlog_producer_flush(p, 50), OFFLOG_ETIMEDOUT);
	unblock_writes(&b);
	assert_ok(offlog_producer_flush(p, -1));
	assert_ok(offlog_producer_close(p, 0));
	for (size_t k = 0; k < rs->n; k++)
		assert_ok(rs->r[k].err);
	reports_free(rs);
}

static void test_full_queue_blocks_for_block_ms_then_fails(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, small_queue_block);
	struct blocker b;
	block_writes(&b, f->env);
	int64_t t0 = mono_ms();
	fill_queue(p, OFFLOG_EQUEUEFULL);
	int64_t waited = mono_ms() - t0;
	assert_true(waited >= 90 && waited < 2000);
	unblock_writes(&b);
	/* Room again: a blocked send goes through. */
	send_str(p, "t", 0, NULL, "after", 0);
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
}

static void long_linger(offlog_producer_options *o)
{
	o->linger_ms = 100000;
}

static void test_close_writes_what_is_queued(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, long_linger);
	for (int i = 0; i < 10; i++)
		send_str(p, "t", 0, NULL, "x", i);
	assert_int_equal(leo_of(f->env, "t", 0), 0);
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(rs->n, 10);
	assert_int_equal(leo_of(f->env, "t", 0), 10);
	reports_free(rs);
}

static void test_close_with_purge_writes_nothing_and_says_so(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, long_linger);
	for (int i = 0; i < 10; i++)
		send_str(p, "t", 0, NULL, "x", i);
	assert_ok(offlog_producer_close(p, OFFLOG_PRODUCER_PURGE));
	assert_int_equal(rs->n, 10);
	for (size_t k = 0; k < rs->n; k++) {
		assert_int_equal(rs->r[k].err, OFFLOG_EPURGED);
		assert_int_equal(rs->r[k].offset, OFFLOG_OFFSET_INVALID);
	}
	assert_int_equal(leo_of(f->env, "t", 0), 0);
	assert_code(offlog_producer_close(NULL, 0), 0);
	reports_free(rs);
}

static void idempotent(offlog_producer_options *o)
{
	o->idempotent = 1;
}

static void test_idempotent_producer_numbers_records_per_partition(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, idempotent);
	uint64_t pid;
	assert_ok(offlog_producer_id(&pid, p));
	assert_true(pid > 0);
	for (intptr_t i = 0; i < 20; i++)
		send_str(p, "t", (int32_t)(i % 2), NULL, "x", i);
	assert_ok(offlog_producer_flush(p, -1));
	int64_t want[2] = {0, 0};
	for (size_t k = 0; k < rs->n; k++) {
		int part = rs->r[k].partition;
		assert_int_equal(rs->r[k].sequence, want[part]++);
		assert_int_equal(rs->r[k].duplicate, 0);
	}
	int64_t next;
	assert_ok(offlog_producer_next_sequence(&next, p, "t", 1));
	assert_int_equal(next, 10);
	assert_ok(offlog_producer_close(p, 0));
	/* A second idempotent producer gets its own id and numbering. */
	offlog_producer *q = producer(f->env, rs, idempotent);
	uint64_t qid;
	assert_ok(offlog_producer_id(&qid, q));
	assert_true(qid != pid);
	assert_ok(offlog_producer_next_sequence(&next, q, "t", 1));
	assert_int_equal(next, 0);
	assert_ok(offlog_producer_close(q, 0));
	reports_free(rs);
}

static uint64_t fixed_id;
static void idempotent_fixed(offlog_producer_options *o)
{
	o->idempotent = 1;
	o->producer_id = fixed_id;
}

static void send_seq(offlog_producer *p, int32_t part, int64_t seq)
{
	char v[32];
	snprintf(v, sizeof v, "seq-%lld", (long long)seq);
	offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_producer_send_sequenced(p, "t", part, seq, &m, (void *)(intptr_t)seq));
}

static void test_resend_of_a_stored_sequence_returns_the_original_offset(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 5);
	fixed_id = 4242;
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, idempotent_fixed);
	for (int64_t s = 0; s < 3; s++)
		send_seq(p, 0, s);
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->r[2].offset, 7);
	rs->n = 0;
	send_seq(p, 0, 1);   /* a resend */
	send_seq(p, 0, 5);   /* a gap */
	send_seq(p, 0, 3);   /* the next */
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 3);
	assert_int_equal(rs->r[0].err, 0);
	assert_int_equal(rs->r[0].duplicate, 1);
	assert_int_equal(rs->r[0].offset, 6);
	assert_int_equal(rs->r[1].err, OFFLOG_ESEQUENCE);
	assert_int_equal(rs->r[2].err, 0);
	assert_int_equal(rs->r[2].offset, 8);
	assert_int_equal(leo_of(f->env, "t", 0), 9);
	offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_producer_send_sequenced(p, "t", 0, -1, &m, NULL), OFFLOG_EINVAL);
	assert_code(offlog_producer_send_sequenced(p, "t", OFFLOG_PARTITION_ANY, 4, &m, NULL),
	            OFFLOG_EINVAL);
	assert_ok(offlog_producer_close(p, 0));
	offlog_producer *plain = producer(f->env, rs, NULL);
	assert_code(offlog_producer_send_sequenced(plain, "t", 0, 0, &m, NULL), OFFLOG_ESTATE);
	assert_ok(offlog_producer_close(plain, 0));
	reports_free(rs);
}

/* The child sends numbered records and acknowledges each reported offset
 * on a pipe; it is killed at a random moment. */
static void ack_to_fd(void *opaque, const offlog_delivery *d)
{
	int64_t ack[2] = {d->sequence, d->err ? -1 : d->offset};
	if (write((int)(intptr_t)opaque, ack, sizeof ack) != (ssize_t)sizeof ack)
		_exit(9);
}

static void idempotent_child(const char *path, int fd)
{
	offlog_env *env;
	offlog_producer_options o = OFFLOG_PRODUCER_OPTIONS_INIT;
	o.idempotent = 1;
	o.producer_id = 99;
	o.linger_ms = 1;
	o.on_delivery = ack_to_fd;
	o.opaque = (void *)(intptr_t)fd;
	offlog_producer *p;
	if (offlog_open(&env, path, NULL) || offlog_producer_open(&p, env, &o))
		_exit(2);
	for (int64_t s = 0;; s++) {
		char v[32];
		snprintf(v, sizeof v, "seq-%lld", (long long)s);
		offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		if (offlog_producer_send_sequenced(p, "t", 0, s, &m, NULL))
			_exit(3);
		if (s % 50 == 49)
			offlog_producer_flush(p, -1);
	}
}

static void test_idempotent_resend_after_kill9_returns_original_offsets(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		idempotent_child(f->path, fds[1]);
	}
	close(fds[1]);
	struct timespec ts = {0, 150 * 1000000L};
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	static int64_t acked[100000];
	int64_t nacked = 0, ack[2];
	while (read(fds[0], ack, sizeof ack) == (ssize_t)sizeof ack)
		if (ack[1] >= 0 && ack[0] == nacked)
			acked[nacked++] = ack[1];
	close(fds[0]);
	assert_true(nacked > 0);

	/* Restart with the same producer id and send everything again, and more. */
	assert_ok(offlog_open(&f->env, f->path, NULL));
	int64_t stored = leo_of(f->env, "t", 0);
	assert_true(stored >= nacked);
	fixed_id = 99;
	struct reports *rs = reports_new();
	offlog_producer *p = producer(f->env, rs, idempotent_fixed);
	int64_t total = stored + 20;
	for (int64_t s = 0; s < total; s++)
		send_seq(p, 0, s);
	assert_ok(offlog_producer_close(p, 0));
	int64_t dups = 0;
	for (size_t k = 0; k < rs->n; k++) {
		int64_t s = rs->tag[k];
		if (s < nacked) {
			/* Acknowledged before the crash: the same offset, not appended. */
			assert_int_equal(rs->r[k].duplicate, 1);
			assert_int_equal(rs->r[k].offset, acked[s]);
		}
		if (rs->r[k].err == OFFLOG_ESEQUENCE)
			continue;   /* older than the remembered runs */
		assert_ok(rs->r[k].err);
		dups += rs->r[k].duplicate;
	}
	/* Every sequence number is in the log exactly once. */
	assert_int_equal(leo_of(f->env, "t", 0), total);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	assert_ok(offlog_fetch(&b, f->env, "t", 0, 0, 1000000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	assert_int_equal((int64_t)n, total);
	for (size_t k = 0; k < n; k++) {
		char want[32];
		snprintf(want, sizeof want, "seq-%zu", k);
		assert_int_equal(r[k].value_len, strlen(want));
		assert_memory_equal(r[k].value, want, r[k].value_len);
	}
	offlog_batch_free(b);
	assert_true(dups >= nacked);
	reports_free(rs);
}

/* ---- producer ids: fencing and reservation ------------------------------ */

static void test_newer_producer_with_the_same_id_fences_the_older(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new(), *rs2 = reports_new();
	fixed_id = 77;
	offlog_producer *zombie = producer(f->env, rs, idempotent_fixed);
	send_seq(zombie, 0, 0);
	assert_ok(offlog_producer_flush(zombie, -1));
	assert_int_equal(rs->n, 1);
	assert_ok(rs->r[0].err);
	offlog_producer *fresh = producer(f->env, rs2, idempotent_fixed);

	/* The older instance's next records are refused in their write. */
	rs->n = 0;
	send_seq(zombie, 0, 1);
	send_str(zombie, "t", 0, NULL, "plain", 2);
	assert_ok(offlog_producer_flush(zombie, -1));
	assert_int_equal(rs->n, 2);
	for (size_t k = 0; k < rs->n; k++) {
		assert_int_equal(rs->r[k].err, OFFLOG_EFENCED);
		assert_int_equal(rs->r[k].offset, OFFLOG_OFFSET_INVALID);
		assert_int_equal(rs->r[k].duplicate, 0);
	}
	assert_int_equal(leo_of(f->env, "t", 0), 1);
	/* From then on its sends fail at once. */
	offlog_message m = {NULL, 0, "v", 1, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_code(offlog_producer_send(zombie, "t", 0, &m, NULL), OFFLOG_EFENCED);
	assert_non_null(strstr(offlog_errmsg(), "fenced"));
	assert_code(offlog_producer_send_sequenced(zombie, "t", 0, 1, &m, NULL), OFFLOG_EFENCED);

	/* The newer one goes on from what the store holds. */
	int64_t next;
	assert_ok(offlog_producer_next_sequence(&next, fresh, "t", 0));
	assert_int_equal(next, 1);
	send_seq(fresh, 0, 0);
	send_seq(fresh, 0, 1);
	assert_ok(offlog_producer_flush(fresh, -1));
	assert_int_equal(rs2->n, 2);
	assert_int_equal(rs2->r[0].duplicate, 1);
	assert_int_equal(rs2->r[0].offset, 0);
	assert_ok(rs2->r[1].err);
	assert_int_equal(rs2->r[1].duplicate, 0);
	assert_int_equal(rs2->r[1].offset, 1);
	assert_ok(offlog_producer_close(zombie, 0));
	assert_ok(offlog_producer_close(fresh, 0));
	assert_int_equal(leo_of(f->env, "t", 0), 2);
	reports_free(rs);
	reports_free(rs2);
}

/* A producer that resumes an id the store gave out finds that id's records
 * and fences the instance still running with it. */
static void test_resuming_a_store_given_id_finds_its_records_and_fences_the_zombie(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new(), *rs2 = reports_new();
	offlog_producer *zombie = producer(f->env, rs, idempotent);
	uint64_t id;
	assert_ok(offlog_producer_id(&id, zombie));
	for (intptr_t i = 0; i < 5; i++)
		send_str(zombie, "t", 0, NULL, "z", i);
	assert_ok(offlog_producer_flush(zombie, -1));
	fixed_id = id;
	offlog_producer *p = producer(f->env, rs2, idempotent_fixed);
	uint64_t again;
	assert_ok(offlog_producer_id(&again, p));
	assert_true(again == id);
	for (int64_t s = 0; s < 5; s++)
		send_seq(p, 0, s);
	assert_ok(offlog_producer_flush(p, -1));
	for (size_t k = 0; k < rs2->n; k++) {
		assert_int_equal(rs2->r[k].duplicate, 1);
		assert_int_equal(rs2->r[k].offset, rs->r[k].offset);
	}
	rs->n = 0;
	send_str(zombie, "t", 0, NULL, "late", 5);
	assert_ok(offlog_producer_close(zombie, 0));
	assert_int_equal(rs->n, 1);
	assert_int_equal(rs->r[0].err, OFFLOG_EFENCED);
	assert_int_equal(leo_of(f->env, "t", 0), 5);
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
	reports_free(rs2);
}

static void test_store_given_ids_never_meet_caller_chosen_ones(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	/* An application's own id, as the example gateway's. */
	fixed_id = 1;
	offlog_producer *mine = producer(f->env, rs, idempotent_fixed);
	send_seq(mine, 0, 0);
	assert_ok(offlog_producer_flush(mine, -1));

	/* New ids come from the store's range, in order, each once. */
	uint64_t last = 0;
	for (int i = 0; i < 3; i++) {
		rs->n = 0;
		offlog_producer *q = producer(f->env, rs, idempotent);
		uint64_t id;
		assert_ok(offlog_producer_id(&id, q));
		assert_true(id >= OFFLOG_PRODUCER_ID_STORE_MIN);
		assert_true(id > last);
		last = id;
		send_str(q, "t", 0, NULL, "anon", i);
		assert_ok(offlog_producer_close(q, 0));
		assert_int_equal(rs->n, 1);
		assert_ok(rs->r[0].err);
		assert_int_equal(rs->r[0].sequence, 0);
		assert_int_equal(rs->r[0].duplicate, 0);
	}
	/* None of them fenced the application's producer. */
	rs->n = 0;
	send_seq(mine, 0, 1);
	assert_ok(offlog_producer_close(mine, 0));
	assert_int_equal(rs->n, 1);
	assert_ok(rs->r[0].err);

	fx_reopen(f, NULL);
	offlog_producer *q = producer(f->env, rs, idempotent);
	uint64_t id;
	assert_ok(offlog_producer_id(&id, q));
	assert_true(id > last);
	assert_ok(offlog_producer_close(q, 0));

	/* An id of the store's range it has not given out is refused. */
	offlog_producer_options o;
	offlog_producer *p = NULL;
	offlog_producer_options_init(&o);
	o.idempotent = 1;
	uint64_t refused = id + 1;
	o.producer_id = refused;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	assert_null(p);
	assert_non_null(strstr(offlog_errmsg(), "not handed out"));
	o.producer_id = UINT64_MAX;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	/* ... and the store still gives that id out in its turn. */
	q = producer(f->env, rs, idempotent);
	assert_ok(offlog_producer_id(&id, q));
	assert_true(id == refused);
	assert_ok(offlog_producer_close(q, 0));
	/* One it gave out may be resumed. */
	o.producer_id = last;
	assert_ok(offlog_producer_open(&p, f->env, &o));
	assert_ok(offlog_producer_close(p, 0));
	reports_free(rs);
}

/* A store written before producer epochs and the split of the id ranges:
 * ids were handed out 1, 2, ... and no epoch was stored. */
static void test_store_of_the_earlier_layout_keeps_its_producer_ids(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	fixed_id = 2;
	offlog_producer *p = producer(f->env, rs, idempotent_fixed);
	for (int64_t s = 0; s < 3; s++)
		send_seq(p, 0, s);
	assert_ok(offlog_producer_close(p, 0));
	ol_txn t;
	uint8_t k[8], next[8];
	ol_be64(k, 2);
	ol_be64(next, 3);
	assert_ok(db_write_begin(&t, f->env));
	assert_true(db_del(&t, T_PRODUCERS, k, 8) >= 0);
	assert_ok(db_put(&t, T_META, "next_producer_id", 16, next, 8));
	assert_ok(db_commit(&t));
	fx_reopen(f, NULL);

	/* The id it handed out resumes: its records are found. */
	rs->n = 0;
	p = producer(f->env, rs, idempotent_fixed);
	for (int64_t s = 0; s < 4; s++)
		send_seq(p, 0, s);
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 4);
	for (size_t j = 0; j < 4; j++) {
		assert_ok(rs->r[j].err);
		assert_int_equal(rs->r[j].duplicate, j < 3);
		assert_int_equal(rs->r[j].offset, (int64_t)j);
	}
	/* New ids are the store's range: 3 and below are never given again. */
	offlog_producer *q = producer(f->env, rs, idempotent);
	uint64_t id;
	assert_ok(offlog_producer_id(&id, q));
	assert_true(id == OFFLOG_PRODUCER_ID_STORE_MIN);
	assert_ok(offlog_producer_close(q, 0));
	/* The resumed producer was the newest with id 2: another open fences it. */
	offlog_producer *r = producer(f->env, rs, idempotent_fixed);
	rs->n = 0;
	send_seq(p, 0, 4);
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(rs->n, 1);
	assert_int_equal(rs->r[0].err, OFFLOG_EFENCED);
	assert_ok(offlog_producer_close(r, 0));
	reports_free(rs);
}

/* A child gives its result on a pipe and ends by SIGKILL: ending by exit
 * would have valgrind count the memory it inherited as its own leaks. */
static _Noreturn void child_end(int fd, unsigned char result)
{
	if (write(fd, &result, 1) != 1)
		_exit(9);
	kill(getpid(), SIGKILL);
	_exit(9);
}

static unsigned child_result(pid_t pid, int fd)
{
	unsigned char r = 0;
	ssize_t n = read(fd, &r, 1);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (n != 1)
		fail_msg("the child ended without a result (status 0x%x; a call hung?)", status);
	return r;
}

/* The child opens a producer with the parent's id when told to, says so,
 * and waits to be told to end. */
static void fencing_child(const char *path, int go, int done)
{
	alarm(30);   /* never outlives a parent that failed */
	char c;
	if (read(go, &c, 1) != 1)
		_exit(2);
	offlog_env *env;
	offlog_producer *p;
	offlog_producer_options o = OFFLOG_PRODUCER_OPTIONS_INIT;
	o.idempotent = 1;
	o.producer_id = 78;
	if (offlog_open(&env, path, NULL) || offlog_producer_open(&p, env, &o))
		_exit(3);
	if (write(done, "o", 1) != 1 || read(go, &c, 1) != 1)
		_exit(4);
	child_end(done, offlog_producer_close(p, 0) || offlog_close(env) ? 5 : 0);
}

static void test_producer_in_another_process_fences_the_zombie(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	int go[2], done[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(done[0]);
		fencing_child(f->path, go[0], done[1]);
	}
	close(go[0]);
	close(done[1]);
	assert_ok(offlog_open(&f->env, f->path, NULL));
	struct reports *rs = reports_new();
	fixed_id = 78;
	offlog_producer *p = producer(f->env, rs, idempotent_fixed);
	send_seq(p, 0, 0);
	assert_ok(offlog_producer_flush(p, -1));
	char c;
	assert_int_equal(write(go[1], "g", 1), 1);
	assert_int_equal(read(done[0], &c, 1), 1);
	send_seq(p, 0, 1);
	assert_ok(offlog_producer_flush(p, -1));
	assert_int_equal(rs->n, 2);
	assert_ok(rs->r[0].err);
	assert_int_equal(rs->r[1].err, OFFLOG_EFENCED);
	assert_int_equal(leo_of(f->env, "t", 0), 1);
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(write(go[1], "e", 1), 1);
	assert_int_equal(child_result(pid, done[0]), 0);
	close(go[1]);
	close(done[0]);
	reports_free(rs);
}

/* ---- fork --------------------------------------------------------------- */

/* In a child, a producer of the parent is refused at once and its close only
 * frees memory; a new producer on the parent's store handle is refused. */
static void test_producer_inherited_over_fork_is_refused_and_close_only_frees(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct reports *rs = reports_new();
	fixed_id = 5;
	offlog_producer *p = producer(f->env, rs, idempotent_fixed);
	send_seq(p, 0, 0);
	assert_ok(offlog_producer_flush(p, -1));
	int res[2];
	assert_int_equal(pipe(res), 0);
	pid_t pid = fork();
	if (pid == 0) {
		alarm(10);   /* a call that hangs fails the test instead of hanging it */
		offlog_message m = {NULL, 0, "child", 5, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		offlog_producer *q = NULL;
		uint64_t id;
		int64_t seq;
		int bad = 0;
		bad |= (offlog_producer_send(p, "t", 0, &m, NULL) != OFFLOG_ESTATE) << 0;
		bad |= (offlog_producer_send_sequenced(p, "t", 0, 1, &m, NULL) != OFFLOG_ESTATE) << 1;
		bad |= (offlog_producer_flush(p, -1) != OFFLOG_ESTATE) << 2;
		bad |= (offlog_producer_id(&id, p) != OFFLOG_ESTATE) << 3;
		bad |= (offlog_producer_next_sequence(&seq, p, "t", 0) != OFFLOG_ESTATE) << 4;
		bad |= (offlog_producer_open(&q, f->env, NULL) != OFFLOG_ESTATE || q) << 5;
		bad |= (offlog_producer_close(p, 0) != 0) << 6;
		bad |= (offlog_close(f->env) != 0) << 7;
		free(rs);   /* this process's copy */
		child_end(res[1], (unsigned char)bad);
	}
	close(res[1]);
	assert_int_equal(child_result(pid, res[0]), 0);
	close(res[0]);
	/* The parent's producer goes on; nothing of the child's was written. */
	send_seq(p, 0, 1);
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(rs->n, 2);
	assert_ok(rs->r[1].err);
	assert_int_equal(rs->r[1].offset, 1);
	assert_int_equal(leo_of(f->env, "t", 0), 2);
	reports_free(rs);
}

/* ---- group commit ------------------------------------------------------- */

struct appender {
	offlog_env *env;
	int bad;       /* append records too large for the topic */
	int rc;
	char err[128];
	int ok;
};

static void *appender_main(void *arg)
{
	struct appender *a = arg;
	char big[64];
	memset(big, 'b', sizeof big);
	for (int i = 0; i < 200; i++) {
		offlog_message m = {NULL, 0, big, a->bad ? sizeof big : 4, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int rc = offlog_append(NULL, NULL, a->env, "t", 0, &m);
		if (rc == 0) {
			a->ok++;
		} else {
			a->rc = rc;
			snprintf(a->err, sizeof a->err, "%s", offlog_errmsg());
		}
	}
	return NULL;
}

/* Appends of many threads share transactions; one thread's failing record
 * fails only its own call, and that thread gets the detail. */
static void test_group_commit_isolates_a_failing_append(void **state)
{
	fx *f = *state;
	offlog_topic_config cfg = OFFLOG_TOPIC_CONFIG_INIT;
	cfg.max_message_bytes = 16;
	assert_ok(offlog_topic_create(f->env, "t", 1, &cfg));
	struct appender a[6];
	pthread_t th[6];
	for (int i = 0; i < 6; i++) {
		a[i] = (struct appender){f->env, i == 2, 0, "", 0};
		pthread_create(&th[i], NULL, appender_main, &a[i]);
	}
	for (int i = 0; i < 6; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 6; i++) {
		if (i == 2) {
			assert_int_equal(a[i].ok, 0);
			assert_int_equal(a[i].rc, OFFLOG_ETOOBIG);
			assert_non_null(strstr(a[i].err, "max_message_bytes"));
		} else {
			assert_int_equal(a[i].ok, 200);
			assert_int_equal(a[i].rc, 0);
		}
	}
	assert_int_equal(leo_of(f->env, "t", 0), 1000);
}

static void test_producer_options_are_checked(void **state)
{
	fx *f = *state;
	offlog_producer_options o;
	offlog_producer *p;
	assert_code(offlog_producer_options_init(NULL), OFFLOG_EINVAL);
	offlog_producer_options_init(&o);
	o.version = 9;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	offlog_producer_options_init(&o);
	o.batch_records = 0;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	offlog_producer_options_init(&o);
	o.queue_full = 5;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	offlog_producer_options_init(&o);
	o.producer_id = 7;   /* without idempotence */
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	assert_code(offlog_producer_open(NULL, f->env, NULL), OFFLOG_EINVAL);
	assert_ok(offlog_producer_open(&p, f->env, NULL));
	assert_code(offlog_close(f->env), OFFLOG_EBUSY);
	uint64_t id = 5;
	assert_ok(offlog_producer_id(&id, p));
	assert_int_equal(id, 0);
	int64_t seq;
	assert_code(offlog_producer_next_sequence(&seq, p, "t", 0), OFFLOG_ESTATE);
	assert_code(offlog_producer_flush(p, -3), OFFLOG_EINVAL);
	assert_code(offlog_producer_close(p, 0x80), OFFLOG_EINVAL);
	assert_ok(offlog_producer_close(p, 0));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_every_send_is_reported_once_with_its_offset),
		T(test_keyed_records_go_to_their_key_partition_keyless_ones_stick),
		T(test_eight_sending_threads_make_a_gapless_log),
		T(test_bad_records_fail_alone),
		T(test_full_queue_fails_at_once_when_so_configured),
		T(test_full_queue_blocks_for_block_ms_then_fails),
		T(test_close_writes_what_is_queued),
		T(test_close_with_purge_writes_nothing_and_says_so),
		T(test_idempotent_producer_numbers_records_per_partition),
		T(test_resend_of_a_stored_sequence_returns_the_original_offset),
		T(test_idempotent_resend_after_kill9_returns_original_offsets),
		T(test_newer_producer_with_the_same_id_fences_the_older),
		T(test_resuming_a_store_given_id_finds_its_records_and_fences_the_zombie),
		T(test_store_given_ids_never_meet_caller_chosen_ones),
		T(test_store_of_the_earlier_layout_keeps_its_producer_ids),
		T(test_producer_in_another_process_fences_the_zombie),
		T(test_producer_inherited_over_fork_is_refused_and_close_only_frees),
		T(test_group_commit_isolates_a_failing_append),
		T(test_producer_options_are_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

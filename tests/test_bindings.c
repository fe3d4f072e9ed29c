/*
 * test_bindings.c - the calls made for bindings: delivery reports served on
 * the application's thread (offlog_producer_poll, _fd), waking a consumer
 * (offlog_consumer_wakeup, also from a signal handler), the consumer's
 * descriptor, and the detail messages a report or a handle carries.
 */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static offlog_message msg(const char *v)
{
	offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
	return m;
}

/* Is fd readable within ms? */
static bool readable(int fd, int ms)
{
	struct pollfd p = {fd, POLLIN, 0};
	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- the producer: reports on the caller's thread ----------------------- */

#define NREP 64

typedef struct reports {
	offlog_producer *p;
	int n;
	int64_t offset[NREP];
	int err[NREP];
	char errmsg[NREP][160];
	unsigned version[NREP];
	bool other_thread;      /* a report came on a thread that is not `me` */
	pthread_t me;
	int nested[3];          /* poll, flush, close from the callback */
} reports;

static void on_report(void *opaque, const offlog_delivery *d)
{
	reports *r = opaque;
	if (!pthread_equal(pthread_self(), r->me))
		r->other_thread = true;
	if (r->n >= NREP)
		return;
	r->offset[r->n] = d->offset;
	r->err[r->n] = d->err;
	r->version[r->n] = d->version;
	snprintf(r->errmsg[r->n], sizeof r->errmsg[r->n], "%s", d->errmsg);
	r->n++;
}

/* Options of a producer that reports into r (reset), without lingering. */
static offlog_producer_options report_options(reports *r, int mode)
{
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.linger_ms = 0;
	o.on_delivery = on_report;
	o.opaque = r;
	o.delivery_mode = mode;
	memset(r, 0, sizeof *r);
	r->me = pthread_self();
	return o;
}

static offlog_producer *open_with(offlog_env *env, reports *r, const offlog_producer_options *o)
{
	offlog_producer *p = NULL;
	assert_ok(offlog_producer_open(&p, env, o));
	r->p = p;
	return p;
}

static offlog_producer *open_producer(offlog_env *env, reports *r, int mode)
{
	offlog_producer_options o = report_options(r, mode);
	return open_with(env, r, &o);
}

static void test_poll_mode_serves_reports_only_on_the_polling_thread(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer *p = open_producer(f->env, &r, OFFLOG_DELIVERY_POLL);
	offlog_message m = msg("v");
	for (int i = 0; i < 10; i++)
		assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	/* Written by the producer's thread, but nobody polled: no report. */
	int64_t deadline = mono_ms() + 5000;
	while (leo_of(f->env, "t", 0) < 10 && mono_ms() < deadline)
		sleep_ms(5);
	assert_int_equal(leo_of(f->env, "t", 0), 10);
	sleep_ms(50);
	assert_int_equal(r.n, 0);
	size_t served = 0, total = 0;
	while (total < 10 && mono_ms() < deadline) {
		assert_ok(offlog_producer_poll(&served, p, 1000));
		total += served;
	}
	assert_int_equal(total, 10);
	assert_int_equal(r.n, 10);
	assert_false(r.other_thread);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(r.offset[i], i);
		assert_int_equal(r.err[i], 0);
		assert_int_equal(r.version[i], OFFLOG_DELIVERY_VERSION);
		assert_string_equal(r.errmsg[i], "");
	}
	/* Nothing left: a poll that does not wait serves nothing. */
	assert_ok(offlog_producer_poll(&served, p, 0));
	assert_int_equal(served, 0);
	assert_ok(offlog_producer_close(p, 0));
}

static void test_a_failed_record_carries_its_own_message(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer *p = open_producer(f->env, &r, OFFLOG_DELIVERY_POLL);
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_ok(offlog_producer_send(p, "no-such-topic", 0, &m, NULL));
	assert_ok(offlog_producer_send(p, "t", 5, &m, NULL));
	/* This thread's own last failure, which the reports must not replace. */
	assert_code(offlog_topic_delete(f->env, "mine-is-missing"), OFFLOG_ENOTOPIC);
	char before[512];
	snprintf(before, sizeof before, "%s", offlog_errmsg());
	assert_ok(offlog_producer_flush(p, 10000));
	assert_int_equal(r.n, 3);
	assert_int_equal(r.err[0], 0);
	assert_string_equal(r.errmsg[0], "");
	assert_int_equal(r.err[1], OFFLOG_ENOTOPIC);
	assert_non_null(strstr(r.errmsg[1], "no-such-topic"));
	assert_int_equal(r.err[2], OFFLOG_ENOPART);
	assert_non_null(strstr(r.errmsg[2], "partition 5"));
	assert_string_equal(offlog_errmsg(), before);
	assert_ok(offlog_producer_close(p, 0));
}

static void test_thread_mode_reports_carry_messages_too(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer *p = open_producer(f->env, &r, OFFLOG_DELIVERY_THREAD);
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(p, "gone", 0, &m, NULL));
	assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_ok(offlog_producer_flush(p, 10000));
	assert_int_equal(r.n, 2);
	assert_true(r.other_thread);
	assert_int_equal(r.err[0], OFFLOG_ENOTOPIC);
	assert_non_null(strstr(r.errmsg[0], "gone"));
	assert_int_equal(r.err[1], 0);
	assert_string_equal(r.errmsg[1], "");
	/* Thread mode has no poll and no descriptor. */
	int fd = 7;
	assert_code(offlog_producer_poll(NULL, p, 0), OFFLOG_ESTATE);
	assert_code(offlog_producer_fd(&fd, p), OFFLOG_ESTATE);
	assert_int_equal(fd, -1);
	assert_ok(offlog_producer_close(p, 0));
}

static void test_purged_records_are_reported_by_close_in_poll_mode(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer_options o = report_options(&r, OFFLOG_DELIVERY_POLL);
	o.linger_ms = 60000;   /* nothing is written before close */
	offlog_producer *p = open_with(f->env, &r, &o);
	offlog_message m = msg("v");
	for (int i = 0; i < 3; i++)
		assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_ok(offlog_producer_close(p, OFFLOG_PRODUCER_PURGE));
	/* Served by close, on this thread. */
	assert_int_equal(r.n, 3);
	assert_false(r.other_thread);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(r.err[i], OFFLOG_EPURGED);
		assert_true(r.errmsg[i][0] != 0);
	}
	assert_int_equal(leo_of(f->env, "t", 0), 0);
}

static void nesting_report(void *opaque, const offlog_delivery *d)
{
	reports *r = opaque;
	(void)d;
	if (r->n++ > 0)
		return;
	r->nested[0] = offlog_producer_poll(NULL, r->p, 0);
	r->nested[1] = offlog_producer_flush(r->p, 0);
	r->nested[2] = offlog_producer_close(r->p, 0);
}

static void nested_calls_are_refused(offlog_env *env, int mode)
{
	reports r;
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.linger_ms = 0;
	o.on_delivery = nesting_report;
	o.opaque = &r;
	o.delivery_mode = mode;
	memset(&r, 0, sizeof r);
	offlog_producer *p = NULL;
	assert_ok(offlog_producer_open(&p, env, &o));
	r.p = p;
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_ok(offlog_producer_flush(p, 10000));
	assert_int_equal(r.n, 1);
	/* In thread mode the producer's own thread would wait for itself:
	 * refused rather than hang. Poll there is refused for the mode. */
	assert_int_equal(r.nested[0], OFFLOG_ESTATE);
	assert_int_equal(r.nested[1], OFFLOG_ESTATE);
	assert_int_equal(r.nested[2], OFFLOG_ESTATE);
	assert_ok(offlog_producer_close(p, 0));
}

static void test_poll_flush_and_close_from_the_callback_are_refused(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	nested_calls_are_refused(f->env, OFFLOG_DELIVERY_POLL);
	nested_calls_are_refused(f->env, OFFLOG_DELIVERY_THREAD);
}

static void test_producer_descriptor_is_readable_while_reports_wait(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer *p = open_producer(f->env, &r, OFFLOG_DELIVERY_POLL);
	int fd = -1, fd2 = -1;
	assert_ok(offlog_producer_fd(&fd, p));
	assert_true(fd >= 0);
	assert_ok(offlog_producer_fd(&fd2, p));
	assert_int_equal(fd, fd2);
	assert_false(readable(fd, 0));
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_true(readable(fd, 5000));
	size_t served = 0;
	assert_ok(offlog_producer_poll(&served, p, 0));
	assert_int_equal(served, 1);
	assert_false(readable(fd, 0));
	assert_ok(offlog_producer_close(p, 0));
}

static void test_unserved_reports_hold_queue_space(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer_options o = report_options(&r, OFFLOG_DELIVERY_POLL);
	o.linger_ms = 0;
	o.queue_bytes = 4096;
	o.queue_full = OFFLOG_QUEUE_FAIL;
	offlog_producer *p = open_with(f->env, &r, &o);
	char big[1024];
	memset(big, 'x', sizeof big);
	offlog_message m = {NULL, 0, big, sizeof big, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int sent = 0, rc;
	while ((rc = offlog_producer_send(p, "t", 0, &m, NULL)) == 0)
		sent++;
	assert_int_equal(rc, OFFLOG_EQUEUEFULL);
	assert_true(sent >= 1);
	/* Every record is written, but the reports wait: still full. */
	int64_t deadline = mono_ms() + 5000;
	while (leo_of(f->env, "t", 0) < sent && mono_ms() < deadline)
		sleep_ms(5);
	assert_int_equal(leo_of(f->env, "t", 0), sent);
	assert_code(offlog_producer_send(p, "t", 0, &m, NULL), OFFLOG_EQUEUEFULL);
	/* The records are visible a moment before their reports are done. */
	size_t served = 0, total = 0;
	while (total < (size_t)sent && mono_ms() < deadline) {
		assert_ok(offlog_producer_poll(&served, p, 1000));
		total += served;
	}
	assert_int_equal(total, (size_t)sent);
	assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	assert_ok(offlog_producer_close(p, 0));
	assert_int_equal(r.n, sent + 1);
}

static void test_producer_options_version_1_and_a_bad_mode(void **state)
{
	fx *f = *state;
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	assert_int_equal(o.version, 2);
	assert_int_equal(o.delivery_mode, OFFLOG_DELIVERY_THREAD);
	o.delivery_mode = 2;
	offlog_producer *p = NULL;
	assert_code(offlog_producer_open(&p, f->env, &o), OFFLOG_EINVAL);
	assert_null(p);
	/* A version 1 caller's struct has no delivery_mode: whatever follows
	 * it is not read, and reports come on the producer's thread. */
	o.version = 1;
	o.delivery_mode = 77;
	assert_ok(offlog_producer_open(&p, f->env, &o));
	assert_code(offlog_producer_poll(NULL, p, 0), OFFLOG_ESTATE);
	assert_ok(offlog_producer_close(p, 0));
	assert_code(offlog_producer_poll(NULL, NULL, 0), OFFLOG_EINVAL);
	assert_code(offlog_producer_fd(NULL, NULL), OFFLOG_EINVAL);
}

struct send_arg {
	offlog_producer *p;
	int rc;
};

static void *send_bad(void *arg)
{
	struct send_arg *a = arg;
	offlog_message m = msg("v");
	a->rc = offlog_producer_send(a->p, "bad name!", 0, &m, NULL);
	return NULL;
}

static void test_producer_errmsg_is_the_handles_not_the_threads(void **state)
{
	fx *f = *state;
	reports r;
	offlog_producer *p = open_producer(f->env, &r, OFFLOG_DELIVERY_POLL);
	assert_string_equal(offlog_producer_errmsg(p), "");
	struct send_arg a = {p, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, send_bad, &a), 0);
	pthread_join(th, NULL);
	assert_int_equal(a.rc, OFFLOG_ENAME);
	assert_non_null(strstr(offlog_producer_errmsg(p), "character 0x20 at 3"));
	assert_null(strstr(offlog_errmsg(), "character 0x20 at 3"));
	assert_ok(offlog_producer_close(p, 0));
}

static void test_held_reports_do_not_cut_lingering_short(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	reports r;
	offlog_producer_options o = report_options(&r, OFFLOG_DELIVERY_POLL);
	o.linger_ms = 60000;
	o.batch_bytes = 2048;
	offlog_producer *p = open_with(f->env, &r, &o);
	char big[800];
	memset(big, 'x', sizeof big);
	offlog_message m = {NULL, 0, big, sizeof big, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	for (int i = 0; i < 3; i++)   /* more than batch_bytes: written at once */
		assert_ok(offlog_producer_send(p, "t", 0, &m, NULL));
	int64_t deadline = mono_ms() + 5000;
	while (leo_of(f->env, "t", 0) < 2 && mono_ms() < deadline)
		sleep_ms(5);
	sleep_ms(100);
	int64_t written = leo_of(f->env, "t", 0);
	assert_true(written >= 2);
	/* Their reports wait unserved; a small record lingers all the same. */
	offlog_message small = msg("s");
	assert_ok(offlog_producer_send(p, "t", 0, &small, NULL));
	sleep_ms(300);
	assert_int_equal(leo_of(f->env, "t", 0), written);
	assert_ok(offlog_producer_flush(p, 10000));
	assert_int_equal(leo_of(f->env, "t", 0), 4);
	assert_int_equal(r.n, 4);
	assert_ok(offlog_producer_close(p, 0));
}

struct two {
	offlog_producer *a, *b;
	int n;
	int rc_b, rc_a;
};

static void count_report(void *opaque, const offlog_delivery *d)
{
	(void)d;
	((struct two *)opaque)->n++;
}

/* A's callback serves B's reports, then tries A's own: refused, not hung. */
static void a_report(void *opaque, const offlog_delivery *d)
{
	struct two *t = opaque;
	(void)d;
	if (t->n++ > 0)
		return;
	/* B's record is written; its report may be a moment behind. */
	t->rc_b = offlog_producer_poll(NULL, t->b, 5000);
	t->rc_a = offlog_producer_poll(NULL, t->a, 0);
}

static void test_a_callback_may_serve_another_producer_but_not_its_own(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct two t = {NULL, NULL, 0, 99, 99};
	struct two tb = {NULL, NULL, 0, 0, 0};
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.linger_ms = 0;
	o.delivery_mode = OFFLOG_DELIVERY_POLL;
	o.on_delivery = count_report;
	o.opaque = &tb;
	assert_ok(offlog_producer_open(&t.b, f->env, &o));
	o.on_delivery = a_report;
	o.opaque = &t;
	assert_ok(offlog_producer_open(&t.a, f->env, &o));
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(t.b, "t", 0, &m, NULL));
	assert_ok(offlog_producer_send(t.a, "t", 0, &m, NULL));
	int64_t deadline = mono_ms() + 5000;
	while (leo_of(f->env, "t", 0) < 2 && mono_ms() < deadline)
		sleep_ms(5);
	assert_ok(offlog_producer_flush(t.a, 10000));
	assert_int_equal(t.n, 1);
	assert_int_equal(t.rc_b, 0);
	assert_int_equal(tb.n, 1);
	assert_int_equal(t.rc_a, OFFLOG_ESTATE);
	assert_ok(offlog_producer_close(t.a, 0));
	assert_ok(offlog_producer_close(t.b, 0));
}

struct slow {
	offlog_producer *p;
	atomic_int done;
	int resend_rc;
};

static void slow_report(void *opaque, const offlog_delivery *d)
{
	struct slow *s = opaque;
	(void)d;
	sleep_ms(300);
	atomic_fetch_add(&s->done, 1);
}

static void *poll_slowly(void *arg)
{
	struct slow *s = arg;
	size_t served = 0;
	while (served == 0)
		offlog_producer_poll(&served, s->p, 1000);
	return NULL;
}

static void test_flush_waits_for_callbacks_another_thread_runs(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct slow s;
	memset(&s, 0, sizeof s);
	atomic_init(&s.done, 0);
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.linger_ms = 0;
	o.delivery_mode = OFFLOG_DELIVERY_POLL;
	o.on_delivery = slow_report;
	o.opaque = &s;
	assert_ok(offlog_producer_open(&s.p, f->env, &o));
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, poll_slowly, &s), 0);
	offlog_message m = msg("v");
	assert_ok(offlog_producer_send(s.p, "t", 0, &m, NULL));
	/* Let the other thread take the report into its slow callback. */
	int64_t deadline = mono_ms() + 5000;
	while (leo_of(f->env, "t", 0) < 1 && mono_ms() < deadline)
		sleep_ms(5);
	sleep_ms(50);
	assert_ok(offlog_producer_flush(s.p, 10000));
	assert_int_equal(atomic_load(&s.done), 1);
	pthread_join(th, NULL);
	assert_ok(offlog_producer_close(s.p, 0));
}

static void resend_report(void *opaque, const offlog_delivery *d)
{
	struct slow *s = opaque;
	offlog_message m = msg("again");
	if (atomic_fetch_add(&s->done, 1) == 0)
		s->resend_rc = offlog_producer_send(s->p, d->topic, 0, &m, NULL);
}

static void test_a_callback_sends_again_into_a_full_queue(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	struct slow s;
	memset(&s, 0, sizeof s);
	atomic_init(&s.done, 0);
	s.resend_rc = 99;
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.linger_ms = 0;
	o.queue_bytes = 1500;   /* one record and its struct */
	o.block_ms = 5000;
	o.delivery_mode = OFFLOG_DELIVERY_POLL;
	o.on_delivery = resend_report;
	o.opaque = &s;
	assert_ok(offlog_producer_open(&s.p, f->env, &o));
	char big[1000];
	memset(big, 'x', sizeof big);
	offlog_message m = {NULL, 0, big, sizeof big, OFFLOG_TIMESTAMP_NOW, NULL, 0};
	assert_ok(offlog_producer_send(s.p, "t", 0, &m, NULL));
	int64_t t0 = mono_ms();
	assert_ok(offlog_producer_flush(s.p, 10000));
	/* The report being served gave its room back before its callback. */
	assert_int_equal(s.resend_rc, 0);
	assert_true(mono_ms() - t0 < 4000);
	assert_int_equal(atomic_load(&s.done), 2);
	assert_int_equal(leo_of(f->env, "t", 0), 2);
	assert_ok(offlog_producer_close(s.p, 0));
}

static void test_a_forked_child_closes_a_store_whose_watcher_waits(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	int fd;
	assert_ok(offlog_consumer_fd(&fd, c));
	assert_ok(offlog_consumer_close(c));   /* the watcher now waits for a descriptor */
	sleep_ms(50);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(20);   /* a hang would be killed: reported below */
		_exit(offlog_close(f->env) == 0 ? 0 : 1);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ---- the consumer: wakeup and the descriptor ----------------------------- */

struct waker {
	offlog_consumer *c;
	long after_ms;
};

static void *wake_later(void *arg)
{
	struct waker *w = arg;
	sleep_ms(w->after_ms);
	offlog_consumer_wakeup(w->c);
	return NULL;
}

static void test_wakeup_ends_a_poll_waiting_forever(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	struct waker w = {c, 100};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, wake_later, &w), 0);
	const offlog_record *recs;
	size_t n = 9;
	int64_t t0 = mono_ms();
	assert_code(offlog_consumer_poll(&recs, &n, c, -1), OFFLOG_EWAKEUP);
	assert_int_equal(n, 0);
	assert_true(mono_ms() - t0 < 5000);
	pthread_join(th, NULL);
	assert_non_null(strstr(offlog_consumer_errmsg(c), "wakeup"));
	/* Answered once: the next poll is a normal one. */
	append_n(f->env, "t", 0, 2);
	assert_int_equal(poll_n(c, 2, NULL, 5000), 2);
	assert_ok(offlog_consumer_close(c));
}

static void test_wakeup_before_poll_answers_the_next_poll(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	append_n(f->env, "t", 0, 3);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	assert_ok(offlog_consumer_wakeup(c));
	assert_ok(offlog_consumer_wakeup(c));   /* twice: still one answer */
	const offlog_record *recs;
	size_t n = 9;
	assert_code(offlog_consumer_poll(&recs, &n, c, 0), OFFLOG_EWAKEUP);
	assert_int_equal(n, 0);
	/* Nothing moved: the records are all there for the next poll. */
	int64_t offs[3];
	assert_int_equal(poll_n(c, 3, offs, 5000), 3);
	assert_int_equal(offs[0], 0);
	assert_code(offlog_consumer_wakeup(NULL), OFFLOG_EINVAL);
	assert_ok(offlog_consumer_close(c));
}

static offlog_consumer *signalled;

static void on_alarm(int sig)
{
	(void)sig;
	offlog_consumer_wakeup(signalled);
}

static void test_wakeup_from_a_signal_handler(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	signalled = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarm(1);
	const offlog_record *recs;
	size_t n;
	int64_t t0 = mono_ms();
	assert_code(offlog_consumer_poll(&recs, &n, signalled, -1), OFFLOG_EWAKEUP);
	assert_true(mono_ms() - t0 < 10000);
	sigaction(SIGALRM, &old, NULL);
	assert_ok(offlog_consumer_close(signalled));
}

static void append_from_child(const char *path)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		offlog_env *env;
		offlog_message m = msg("from the child");
		_exit(offlog_open(&env, path, NULL) || offlog_append(NULL, NULL, env, "t", 0, &m) ||
		      offlog_close(env));
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void test_consumer_descriptor_follows_appends_and_wakeups(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	int fd = -1, fd2 = -1;
	assert_ok(offlog_consumer_fd(&fd, c));
	assert_ok(offlog_consumer_fd(&fd2, c));
	assert_true(fd >= 0);
	assert_int_equal(fd, fd2);
	/* Readable at first, until a poll finds nothing (the watcher starting
	 * may make it readable once more: a spurious wake is allowed, a lost
	 * one is not). */
	assert_true(readable(fd, 0));
	const offlog_record *recs;
	size_t n;
	for (int i = 0; i < 3; i++) {
		assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
		assert_int_equal(n, 0);
		if (!readable(fd, 200))
			break;
	}
	assert_false(readable(fd, 100));
	/* An append in this process. */
	append_n(f->env, "t", 0, 1);
	assert_true(readable(fd, 5000));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 1);
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 0);
	assert_false(readable(fd, 100));
	/* An append by another process. */
	append_from_child(f->path);
	assert_true(readable(fd, 5000));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 1);
	assert_int_equal(recs[0].value_len, strlen("from the child"));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_false(readable(fd, 100));
	/* A seek back: records readable again without any commit. */
	assert_ok(offlog_consumer_seek(c, "t", 0, 0));
	assert_true(readable(fd, 0));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 2);
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_false(readable(fd, 100));
	/* A partition paused while records came, then resumed. */
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_pause(c, &tp, 1));
	append_n(f->env, "t", 0, 1);
	assert_true(readable(fd, 5000));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 0);
	assert_false(readable(fd, 100));
	assert_ok(offlog_consumer_resume(c, &tp, 1));
	assert_true(readable(fd, 0));
	assert_ok(offlog_consumer_poll(&recs, &n, c, 0));
	assert_int_equal(n, 1);
	/* A wakeup. */
	assert_ok(offlog_consumer_wakeup(c));
	assert_true(readable(fd, 0));
	assert_code(offlog_consumer_poll(&recs, &n, c, 0), OFFLOG_EWAKEUP);
	assert_ok(offlog_consumer_close(c));
}

static void test_two_consumers_descriptors_and_close_with_the_store(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 2);
	offlog_consumer *a = consumer_on(f->env, "a", OFFLOG_RESET_EARLIEST, "t", 0);
	offlog_consumer *b = consumer_on(f->env, "b", OFFLOG_RESET_EARLIEST, "t", 1);
	int fa, fb;
	assert_ok(offlog_consumer_fd(&fa, a));
	assert_ok(offlog_consumer_fd(&fb, b));
	assert_true(fa != fb);
	const offlog_record *recs;
	size_t n;
	assert_ok(offlog_consumer_poll(&recs, &n, a, 0));
	assert_ok(offlog_consumer_poll(&recs, &n, b, 0));
	assert_ok(offlog_consumer_close(a));
	/* The store's watcher goes on for b after a closed. */
	append_n(f->env, "t", 1, 1);
	assert_true(readable(fb, 5000));
	assert_ok(offlog_consumer_poll(&recs, &n, b, 0));
	assert_int_equal(n, 1);
	assert_ok(offlog_consumer_close(b));
	/* The watcher thread stops with the store (teardown closes it). */
}

struct bad_poll {
	offlog_consumer *c;
	int rc;
};

static void *poll_elsewhere(void *arg)
{
	struct bad_poll *b = arg;
	const offlog_record *recs;
	size_t n;
	b->rc = offlog_consumer_poll(&recs, &n, b->c, 0);
	return NULL;
}

static void test_consumer_errmsg_is_the_handles_not_the_threads(void **state)
{
	fx *f = *state;
	create_topic(f->env, "t", 1);
	offlog_consumer *c = consumer_on(f->env, "g", OFFLOG_RESET_NONE, "t", 0);
	assert_string_equal(offlog_consumer_errmsg(c), "");
	struct bad_poll b = {c, 0};
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, poll_elsewhere, &b), 0);
	pthread_join(th, NULL);
	assert_int_equal(b.rc, OFFLOG_ENOOFFSET);
	assert_non_null(strstr(offlog_consumer_errmsg(c), "t/0"));
	assert_null(strstr(offlog_errmsg(), "t/0"));
	assert_string_equal(offlog_consumer_errmsg(NULL), "");
	assert_ok(offlog_consumer_close(c));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_poll_mode_serves_reports_only_on_the_polling_thread),
		T(test_a_failed_record_carries_its_own_message),
		T(test_thread_mode_reports_carry_messages_too),
		T(test_purged_records_are_reported_by_close_in_poll_mode),
		T(test_poll_flush_and_close_from_the_callback_are_refused),
		T(test_producer_descriptor_is_readable_while_reports_wait),
		T(test_unserved_reports_hold_queue_space),
		T(test_producer_options_version_1_and_a_bad_mode),
		T(test_producer_errmsg_is_the_handles_not_the_threads),
		T(test_held_reports_do_not_cut_lingering_short),
		T(test_a_callback_may_serve_another_producer_but_not_its_own),
		T(test_flush_waits_for_callbacks_another_thread_runs),
		T(test_a_callback_sends_again_into_a_full_queue),
		T(test_a_forked_child_closes_a_store_whose_watcher_waits),
		T(test_wakeup_ends_a_poll_waiting_forever),
		T(test_wakeup_before_poll_answers_the_next_poll),
		T(test_wakeup_from_a_signal_handler),
		T(test_consumer_descriptor_follows_appends_and_wakeups),
		T(test_two_consumers_descriptors_and_close_with_the_store),
		T(test_consumer_errmsg_is_the_handles_not_the_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

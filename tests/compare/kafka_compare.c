/*
 * kafka_compare.c - the same scenarios run against Kafka (librdkafka's
 * in-process mock cluster) and against offlog, comparing what a user of
 * each observes.
 *
 *   make compare-kafka          (needs librdkafka: pkg-config rdkafka)
 *   build/compare/kafka_compare [-v]
 *
 * One line per scenario, "compare: <scenario>: same" or the difference,
 * then "N passed, M failed"; the exit status is 0 only when all passed.
 * A time lookup past the last record must answer OFFLOG_OFFSET_END, as
 * Kafka does; while the library still answers the high watermark there,
 * that scenario is reported as "pending" and not counted.
 * -v (or OFFLOG_COMPARE_VERBOSE=1) shows what each side observed, with
 * times, and librdkafka's log on stderr; OFFLOG_COMPARE_KAFKA_DEBUG (with
 * -v) sets librdkafka's `debug` property, e.g. "cgrp,mock".
 *
 * Scenarios compared with the mock cluster:
 *  - key to partition: offlog_partition_for_key() against the partition
 *    librdkafka's producer picks. librdkafka's default partitioner is
 *    consistent_random (CRC32); the Java client's, which offlog follows, is
 *    murmur2, so the producer here is configured with
 *    partitioner=murmur2_random, librdkafka's Java-compatible one;
 *  - offsets of appended records (explicit partitions and by key);
 *  - watermarks (low, high) of empty and written partitions;
 *  - committed offsets after a restart of the consumer (close, reopen with
 *    the same group), with a manual commit and with the auto-commit at
 *    close;
 *  - two places where offlog differs on purpose, each side checked against
 *    what it is known to do: a commit after a seek (librdkafka commits the
 *    offset stored from the last record returned, offlog the position, as
 *    the Java client does) and a commit beyond the log end offset (Kafka
 *    accepts it, offlog refuses it: man 3 offlog, DIFFERENCES FROM KAFKA);
 *  - each reset policy (earliest, latest, none / librdkafka's "error")
 *    with and without a committed offset, and with a position out of range;
 *  - lag (high watermark - committed offset) and the consumer's own lag
 *    (high watermark - position);
 *  - seek (absolute, beginning, end): where reading resumes, and that the
 *    committed offset does not move;
 *  - time lookups of -2 / -1 (log start / end) and of a time past the last
 *    record (the mock answers -1 to every lookup by time, which for this
 *    one is also Kafka's answer);
 *  - the range and round-robin assignments of 12 partitions (one topic of
 *    12, and two topics of 7 and 5, where the range assignor gives the
 *    first members one more partition of each topic) among 3 members, and
 *    after the second member (in the assignors' order) leaves. Both sort
 *    members by member id before assigning (Kafka's members are named by
 *    the broker, offlog's by the library), so the members are compared by
 *    their rank in that order: m1 is the first member id of each group.
 *
 * The mock cluster has no DeleteRecords and answers -1 to every lookup by
 * time, so these are checked against Kafka's documented behaviour instead:
 * delete-records advances the low watermark (and reading below it is out
 * of range, so the reset policy applies), and a time lookup answers the
 * first offset whose timestamp is at least the time asked.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <offlog.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TS0 INT64_C(1700000000000) /* timestamps of the records: TS0 + i s */
#define WAIT_MS 10000              /* deadline of one wait for Kafka */
#define GROUP_WAIT_MS 30000        /* deadline of a rebalance */

static int verbose;
static int n_pass, n_fail;
static int64_t t_start;

static int64_t now_ms(void);

static void trace(const char *what)
{
	if (verbose)
		printf("    (%.1f s) %s\n", (double)(now_ms() - t_start) / 1000.0, what);
}

/* ---- text ---------------------------------------------------------------- */

typedef struct sb {
	char *s;
	size_t len, cap;
} sb;

static void sb_printf(sb *b, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		size_t room = b->cap - b->len;
		int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap : 64) * 2;
		while (cap < b->len + (size_t)n + 1)
			cap *= 2;
		char *s = realloc(b->s, cap);
		if (!s) {
			fprintf(stderr, "kafka_compare: out of memory\n");
			exit(2);
		}
		b->s = s;
		b->cap = cap;
	}
}

static const char *sb_str(sb *b)
{
	if (!b->s)
		sb_printf(b, "%s", "");
	return b->s;
}

static void sb_free(sb *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

/* The verdict of one scenario: what Kafka shows against what offlog shows. */
static void verdict(const char *scenario, sb *kafka, sb *offlog)
{
	const char *k = sb_str(kafka), *o = sb_str(offlog);
	if (!strcmp(k, o)) {
		printf("compare: %s: same\n", scenario);
		if (verbose)
			printf("    (%.1f s) %s\n", (double)(now_ms() - t_start) / 1000.0, k);
		n_pass++;
	} else {
		printf("compare: %s: differs: kafka: %s | offlog: %s\n", scenario, k, o);
		n_fail++;
	}
	fflush(stdout);
}

/* A scenario where offlog differs from Kafka on purpose: each side must show
 * what it is known to show; passed when both do. */
static void known_difference(const char *scenario, const char *why, sb *kafka, sb *offlog,
                             const char *kafka_expected, const char *offlog_expected)
{
	const char *k = sb_str(kafka), *o = sb_str(offlog);
	if (!strcmp(k, kafka_expected) && !strcmp(o, offlog_expected)) {
		printf("compare: %s: differs as expected (%s): kafka: %s | offlog: %s\n", scenario, why,
		       k, o);
		n_pass++;
	} else {
		printf("compare: %s: not as expected: kafka: %s (expected: %s) | offlog: %s (expected: "
		       "%s)\n",
		       scenario, k, kafka_expected, o, offlog_expected);
		n_fail++;
	}
	fflush(stdout);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void remove_store(void);

/* A failure of the set-up (not of a comparison): give up. */
static void die(const char *what, const char *detail)
{
	fprintf(stderr, "kafka_compare: %s: %s\n", what, detail);
	remove_store();
	exit(2);
}

/* ---- offlog -------------------------------------------------------------- */

static offlog_env *env;
static char store_dir[256];

/* A failed call: "[what: NAME (detail)]" goes into the observation; rc is
 * returned. */
static int oerr(sb *o, int rc, const char *what)
{
	if (rc)
		sb_printf(o, "[%s: %s (%s)]", what, offlog_errname(rc), offlog_errmsg());
	return rc;
}

static void otopic(const char *topic, int32_t partitions)
{
	int rc = offlog_topic_create(env, topic, partitions, NULL);
	if (rc)
		die("offlog_topic_create", offlog_errmsg());
}

static offlog_consumer *oconsumer(const char *group, int reset, int auto_commit,
                                  uint32_t max_poll_records)
{
	offlog_consumer_options opts = OFFLOG_CONSUMER_OPTIONS_INIT;
	opts.auto_offset_reset = reset;
	opts.enable_auto_commit = auto_commit;
	opts.auto_commit_interval_ms = 60000;
	if (max_poll_records)
		opts.max_poll_records = max_poll_records;
	offlog_consumer *c;
	int rc = offlog_consumer_open(&c, env, group, &opts);
	if (rc)
		die("offlog_consumer_open", offlog_errmsg());
	return c;
}

static int oassign(sb *o, offlog_consumer *c, const char *topic, int32_t partition)
{
	offlog_topic_partition tp = {topic, partition};
	return oerr(o, offlog_consumer_assign(c, &tp, 1), "assign");
}

/* Where reading starts: the first record of a poll, or the position when
 * there is nothing to read, or the poll's error. */
static void ofirst(sb *o, offlog_consumer *c, const char *topic, int32_t partition)
{
	const offlog_record *r;
	size_t n;
	int rc = offlog_consumer_poll(&r, &n, c, 0);
	if (rc == OFFLOG_ENOOFFSET)
		sb_printf(o, "error: no committed offset");
	else if (rc == OFFLOG_ERANGE)
		sb_printf(o, "error: offset out of range");
	else if (rc)
		oerr(o, rc, "poll");
	else if (n)
		sb_printf(o, "reads from %" PRId64, r[0].offset);
	else {
		int64_t pos;
		if (!oerr(o, offlog_consumer_position(&pos, c, topic, partition), "position"))
			sb_printf(o, "nothing to read at %" PRId64, pos);
	}
}

/* Read `count` records one poll at a time (the consumer's max_poll_records
 * decides how many a poll gives); their offsets go to the observation. */
static void oread(sb *o, offlog_consumer *c, size_t count)
{
	size_t got = 0;
	int64_t deadline = now_ms() + WAIT_MS;
	sb_printf(o, "read");
	while (got < count && now_ms() < deadline) {
		const offlog_record *r;
		size_t n;
		if (oerr(o, offlog_consumer_poll(&r, &n, c, 100), "poll"))
			return;
		for (size_t i = 0; i < n && got < count; i++, got++)
			sb_printf(o, " %" PRId64, r[i].offset);
	}
	if (got < count)
		sb_printf(o, " [timed out]");
}

static void ocommitted(sb *o, offlog_consumer *c, const char *topic, int32_t partition)
{
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	if (oerr(o, offlog_consumer_committed(&cm, c, topic, partition), "committed"))
		return;
	if (cm.offset == OFFLOG_OFFSET_INVALID)
		sb_printf(o, "committed none");
	else
		sb_printf(o, "committed %" PRId64, cm.offset);
}

static void oclose(offlog_consumer *c)
{
	int rc = offlog_consumer_close(c);
	if (rc)
		die("offlog_consumer_close", offlog_errmsg());
}

static void remove_store(void)
{
	if (!store_dir[0])
		return;
	DIR *d = opendir(store_dir);
	if (d) {
		struct dirent *e;
		char path[512];
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof path, "%s/%s", store_dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(store_dir);
}

/* ---- Kafka (librdkafka on the mock cluster) -------------------------------- */

static rd_kafka_t *kmock;    /* owns the mock cluster */
static rd_kafka_mock_cluster_t *mcluster;
static const char *bootstraps;
static rd_kafka_t *kprod;    /* the producer: partitioner=murmur2_random */

static void klog(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
	if (verbose)
		fprintf(stderr, "(%.3f s) rdkafka %d %s %s: %s\n", (double)(now_ms() - t_start) / 1000.0,
		        level, rd_kafka_name(rk), fac, buf);
}

static void kset(rd_kafka_conf_t *c, const char *name, const char *value)
{
	char err[512];
	if (rd_kafka_conf_set(c, name, value, err, sizeof err) != RD_KAFKA_CONF_OK)
		die(name, err);
}

static rd_kafka_conf_t *kconf(void)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	rd_kafka_conf_set_log_cb(c, klog);
	if (bootstraps)
		kset(c, "bootstrap.servers", bootstraps);
	kset(c, "reconnect.backoff.ms", "10");
	kset(c, "reconnect.backoff.max.ms", "100");
	const char *debug = getenv("OFFLOG_COMPARE_KAFKA_DEBUG");
	if (verbose && debug && *debug)
		kset(c, "debug", debug);
	return c;
}

static void ktopic(const char *topic, int partitions)
{
	rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mcluster, topic, partitions, 1);
	if (err)
		die("rd_kafka_mock_topic_create", rd_kafka_err2str(err));
	/* Ask for the topic's metadata now: the producer would otherwise
	 * learn of it at its next scan of unknown topics, a second later. */
	rd_kafka_topic_t *rkt = rd_kafka_topic_new(kprod, topic, NULL);
	const struct rd_kafka_metadata *md;
	if (!rkt)
		die("rd_kafka_topic_new", rd_kafka_err2str(rd_kafka_last_error()));
	if ((err = rd_kafka_metadata(kprod, 0, rkt, &md, WAIT_MS)))
		die("rd_kafka_metadata", rd_kafka_err2str(err));
	rd_kafka_metadata_destroy(md);
	rd_kafka_topic_destroy(rkt);
}

/* The outcome of one produced record, from the delivery report. */
typedef struct kdelivery {
	int32_t partition;
	int64_t offset;
	rd_kafka_resp_err_t err;
	int done;
} kdelivery;

static void kdr(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
	(void)rk;
	(void)opaque;
	kdelivery *d = m->_private;
	d->partition = m->partition;
	d->offset = m->offset;
	d->err = m->err;
	d->done = 1;
}

/* Produce one record (partition RD_KAFKA_PARTITION_UA: by key); the report
 * arrives in *d at the next kflush(). */
static void kproduce(kdelivery *d, const char *topic, int32_t partition, const void *key,
                     size_t key_len, const char *value, int64_t ts)
{
	memset(d, 0, sizeof *d);
	/* rd_kafka_produceva() rather than the RD_KAFKA_V_* macros, which are
	 * GNU statement expressions. */
	rd_kafka_vu_t vu[7];
	memset(vu, 0, sizeof vu);
	vu[0].vtype = RD_KAFKA_VTYPE_TOPIC;
	vu[0].u.cstr = topic;
	vu[1].vtype = RD_KAFKA_VTYPE_PARTITION;
	vu[1].u.i32 = partition;
	vu[2].vtype = RD_KAFKA_VTYPE_KEY;
	vu[2].u.mem.ptr = (void *)key;
	vu[2].u.mem.size = key_len;
	vu[3].vtype = RD_KAFKA_VTYPE_VALUE;
	vu[3].u.mem.ptr = (void *)value;
	vu[3].u.mem.size = strlen(value);
	vu[4].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
	vu[4].u.i64 = ts;
	vu[5].vtype = RD_KAFKA_VTYPE_OPAQUE;
	vu[5].u.ptr = d;
	vu[6].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
	vu[6].u.i = RD_KAFKA_MSG_F_COPY;
	rd_kafka_error_t *e = rd_kafka_produceva(kprod, vu, sizeof vu / sizeof *vu);
	if (e) {
		fprintf(stderr, "kafka_compare: rd_kafka_produceva: %s\n", rd_kafka_error_string(e));
		exit(2);
	}
}

static void kflush(void)
{
	rd_kafka_resp_err_t err = rd_kafka_flush(kprod, WAIT_MS);
	if (err)
		die("rd_kafka_flush", rd_kafka_err2str(err));
}

static rd_kafka_t *kconsumer(const char *group, const char *reset, int auto_commit,
                             const char *strategy)
{
	rd_kafka_conf_t *c = kconf();
	char err[512];
	kset(c, "group.id", group);
	kset(c, "auto.offset.reset", reset);
	kset(c, "enable.auto.commit", auto_commit ? "true" : "false");
	kset(c, "auto.commit.interval.ms", "60000");
	kset(c, "enable.partition.eof", "true");
	kset(c, "fetch.wait.max.ms", "10");
	kset(c, "fetch.error.backoff.ms", "10");
	/* The mock elects a group's leader 3 s after the first join and, after
	 * a member leaves, session.timeout.ms - 1 s later; members waiting in a
	 * join must outlive the first wait. (When a follower's SyncGroup reaches
	 * the mock after the leader's, the mock refuses it and the follower
	 * joins again: another session.timeout.ms - 1 s.) */
	kset(c, "session.timeout.ms", "4000");
	kset(c, "heartbeat.interval.ms", "100");
	if (strategy)
		kset(c, "partition.assignment.strategy", strategy);
	rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
	if (!rk)
		die("rd_kafka_new", err);
	rd_kafka_poll_set_consumer(rk);
	return rk;
}

static void kclose(rd_kafka_t *rk)
{
	rd_kafka_consumer_close(rk);
	rd_kafka_destroy(rk);
}

static int kcheck(sb *k, rd_kafka_resp_err_t err, const char *what)
{
	if (err)
		sb_printf(k, "[%s: %s]", what, rd_kafka_err2str(err));
	return err != 0;
}

static int kcheck_error(sb *k, rd_kafka_error_t *e, const char *what)
{
	if (!e)
		return 0;
	sb_printf(k, "[%s: %s]", what, rd_kafka_error_string(e));
	rd_kafka_error_destroy(e);
	return 1;
}

/* Assign one partition, starting at `offset` (RD_KAFKA_OFFSET_INVALID: at
 * the committed offset, else by the reset policy). */
static int kassign(sb *k, rd_kafka_t *rk, const char *topic, int32_t partition, int64_t offset)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
	rd_kafka_resp_err_t err = rd_kafka_assign(rk, l);
	rd_kafka_topic_partition_list_destroy(l);
	return kcheck(k, err, "assign");
}

/* What a consumer sees next: a record, the end of the partition
 * (enable.partition.eof) or an error. */
enum { KEV_TIMEOUT, KEV_RECORD, KEV_EOF, KEV_ERROR };
typedef struct kevent {
	int kind;
	int64_t offset;
	rd_kafka_resp_err_t err;
	char text[512];
} kevent;

static kevent knext(rd_kafka_t *rk)
{
	kevent ev = {KEV_TIMEOUT, -1, RD_KAFKA_RESP_ERR_NO_ERROR, ""};
	int64_t deadline = now_ms() + WAIT_MS;
	while (now_ms() < deadline) {
		rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 50);
		if (!m)
			continue;
		ev.offset = m->offset;
		ev.err = m->err;
		if (!m->err)
			ev.kind = KEV_RECORD;
		else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF)
			ev.kind = KEV_EOF;
		else {
			ev.kind = KEV_ERROR;
			snprintf(ev.text, sizeof ev.text, "%s", rd_kafka_message_errstr(m));
		}
		rd_kafka_message_destroy(m);
		return ev;
	}
	return ev;
}

static void kdescribe(sb *k, const kevent *ev)
{
	switch (ev->kind) {
	case KEV_RECORD:
		sb_printf(k, "reads from %" PRId64, ev->offset);
		break;
	case KEV_EOF:
		sb_printf(k, "nothing to read at %" PRId64, ev->offset);
		break;
	case KEV_ERROR:
		/* librdkafka reports both as RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET,
		 * with the reason in the text. */
		if (ev->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET && strstr(ev->text, "committed"))
			sb_printf(k, "error: no committed offset");
		else if (ev->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET &&
		         strstr(ev->text, "out of range"))
			sb_printf(k, "error: offset out of range");
		else
			sb_printf(k, "[error %s: %s]", rd_kafka_err2name(ev->err), ev->text);
		break;
	default:
		sb_printf(k, "[timed out]");
	}
}

static void kfirst(sb *k, rd_kafka_t *rk)
{
	kevent ev = knext(rk);
	kdescribe(k, &ev);
}

/* Read `count` records; end-of-partition events in between are skipped. */
static void kread(sb *k, rd_kafka_t *rk, size_t count)
{
	sb_printf(k, "read");
	for (size_t got = 0; got < count;) {
		kevent ev = knext(rk);
		if (ev.kind == KEV_EOF)
			continue;
		if (ev.kind != KEV_RECORD) {
			sb_printf(k, " ");
			kdescribe(k, &ev);
			return;
		}
		sb_printf(k, " %" PRId64, ev.offset);
		got++;
	}
}

static int64_t kcommitted_offset(sb *k, rd_kafka_t *rk, const char *topic, int32_t partition)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition);
	int64_t off = INT64_MIN;
	if (!kcheck(k, rd_kafka_committed(rk, l, WAIT_MS), "committed") &&
	    !kcheck(k, l->elems[0].err, "committed"))
		off = l->elems[0].offset;
	rd_kafka_topic_partition_list_destroy(l);
	return off;
}

static void kcommitted(sb *k, rd_kafka_t *rk, const char *topic, int32_t partition)
{
	int64_t off = kcommitted_offset(k, rk, topic, partition);
	if (off == RD_KAFKA_OFFSET_INVALID)
		sb_printf(k, "committed none");
	else if (off != INT64_MIN)
		sb_printf(k, "committed %" PRId64, off);
}

static int kcommit_offset(sb *k, rd_kafka_t *rk, const char *topic, int32_t partition,
                          int64_t offset)
{
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, partition)->offset = offset;
	int bad = kcheck(k, rd_kafka_commit(rk, l, 0), "commit");
	rd_kafka_topic_partition_list_destroy(l);
	return bad;
}

/* ---- the shared data ------------------------------------------------------ */

#define LOG_RECORDS 10

/* Topic `topic` with one partition holding `n` records, timestamps TS0 + i s,
 * on both sides. */
static void make_log(const char *topic, int n)
{
	ktopic(topic, 1);
	otopic(topic, 1);
	kdelivery *d = calloc((size_t)n, sizeof *d);
	if (!d)
		die("calloc", "out of memory");
	for (int i = 0; i < n; i++) {
		char v[32];
		snprintf(v, sizeof v, "v%d", i);
		kproduce(&d[i], topic, 0, NULL, 0, v, TS0 + i * 1000);
		offlog_message m = {NULL, 0, v, strlen(v), TS0 + i * 1000, NULL, 0};
		if (offlog_append(NULL, NULL, env, topic, 0, &m))
			die("offlog_append", offlog_errmsg());
	}
	kflush();
	for (int i = 0; i < n; i++)
		if (!d[i].done || d[i].err || d[i].offset != i)
			die("produce", "the mock did not store the records in order");
	free(d);
}

/* ---- scenarios --------------------------------------------------------------- */

/* Keys: words, an empty key, and binary keys of every length mod 4 with
 * bytes >= 0x80 (murmur2 reads them as signed in Java). */
#define NKEYS 300

static size_t make_key(unsigned char *buf, int i)
{
	if (i == 0)
		return 0;   /* the empty key (not a null key) */
	if (i < 200)
		return (size_t)snprintf((char *)buf, 64, "key-%d", i);
	size_t len = (size_t)(i % 13) + 1;
	for (size_t j = 0; j < len; j++)
		buf[j] = (unsigned char)(0x80 + (unsigned)(i * 31 + (int)j * 7) % 128);
	return len;
}

static void scenario_key_partition(void)
{
	static const int counts[] = {12, 7, 31};
	for (size_t t = 0; t < sizeof counts / sizeof *counts; t++) {
		char topic[32], name[96];
		snprintf(topic, sizeof topic, "keys-%d", counts[t]);
		snprintf(name, sizeof name, "key to partition, %d partitions (%d keys)", counts[t],
		         NKEYS);
		ktopic(topic, counts[t]);
		kdelivery d[NKEYS];
		unsigned char key[64];
		for (int i = 0; i < NKEYS; i++) {
			size_t len = make_key(key, i);
			kproduce(&d[i], topic, RD_KAFKA_PARTITION_UA, key, len, "x", TS0);
		}
		kflush();
		sb k = {0}, o = {0};
		int shown = 0;
		for (int i = 0; i < NKEYS; i++) {
			size_t len = make_key(key, i);
			int32_t p = -1;
			int rc = offlog_partition_for_key(&p, key, len, counts[t]);
			int32_t kp = d[i].done && !d[i].err ? d[i].partition : -1;
			if ((rc || kp != p) && shown < 5) {
				/* Name the differing keys, on both sides. */
				sb_printf(&k, "key #%d (%zu bytes) -> %d; ", i, len, kp);
				sb_printf(&o, "key #%d (%zu bytes) -> %d; ", i, len, rc ? rc : p);
				shown++;
			}
		}
		if (!shown) {
			sb_printf(&k, "%d keys agree", NKEYS);
			sb_printf(&o, "%d keys agree", NKEYS);
		}
		verdict(name, &k, &o);
		sb_free(&k);
		sb_free(&o);
	}
}

/* 24 appends to a 3-partition topic: explicit partitions, every fourth by
 * key; the (partition, offset) of each. */
static void scenario_append_offsets(void)
{
	const char *topic = "appends";
	enum { N = 24 };
	ktopic(topic, 3);
	otopic(topic, 3);
	kdelivery d[N];
	sb k = {0}, o = {0};
	for (int i = 0; i < N; i++) {
		char key[16];
		int keyed = i % 4 == 3;
		snprintf(key, sizeof key, "k%d", i);
		int32_t part = keyed ? RD_KAFKA_PARTITION_UA : i % 3;
		kproduce(&d[i], topic, part, keyed ? key : NULL, keyed ? strlen(key) : 0, "v",
		         TS0 + i);
		/* One at a time, so the order of the appends is the order sent. */
		kflush();
		offlog_message m = {keyed ? key : NULL, keyed ? strlen(key) : 0, "v", 1, TS0 + i,
		                    NULL, 0};
		int64_t off;
		int32_t p;
		if (!oerr(&o, offlog_append(&off, &p, env, topic, keyed ? OFFLOG_PARTITION_ANY : part,
		                            &m),
		          "append"))
			sb_printf(&o, "%d@%" PRId64 " ", p, off);
		if (!kcheck(&k, d[i].done ? d[i].err : RD_KAFKA_RESP_ERR__TIMED_OUT, "produce"))
			sb_printf(&k, "%d@%" PRId64 " ", d[i].partition, d[i].offset);
	}
	verdict("offsets of appended records (partition@offset, 24 appends)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

static void scenario_watermarks(void)
{
	const char *topic = "appends";
	ktopic("empty", 2);
	otopic("empty", 2);
	sb k = {0}, o = {0};
	struct {
		const char *topic;
		int32_t partition;
	} parts[] = {{"empty", 0}, {"empty", 1}, {topic, 0}, {topic, 1}, {topic, 2}, {"log", 0}};
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
		int64_t lo = -9, hi = -9, start, hw;
		if (!kcheck(&k, rd_kafka_query_watermark_offsets(kprod, parts[i].topic,
		                                                  parts[i].partition, &lo, &hi, WAIT_MS),
		            "query_watermark_offsets"))
			sb_printf(&k, "%s/%d [%" PRId64 ", %" PRId64 ") ", parts[i].topic,
			          parts[i].partition, lo, hi);
		if (!oerr(&o, offlog_watermarks_get(&start, &hw, NULL, env, parts[i].topic,
		                                    parts[i].partition),
		          "watermarks"))
			sb_printf(&o, "%s/%d [%" PRId64 ", %" PRId64 ") ", parts[i].topic,
			          parts[i].partition, start, hw);
	}
	verdict("watermarks (low, high)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* Read 4 records, commit, close; a new consumer of the same group resumes
 * at the committed offset. With auto-commit, the close commits. */
static void scenario_restart(int auto_commit)
{
	const char *topic = "log";
	const char *group = auto_commit ? "g-restart-auto" : "g-restart";
	size_t nread = auto_commit ? 3 : 4;
	sb k = {0}, o = {0};

	rd_kafka_t *rk = kconsumer(group, "earliest", auto_commit, NULL);
	if (!kassign(&k, rk, topic, 0, RD_KAFKA_OFFSET_INVALID)) {
		kread(&k, rk, nread);
		if (!auto_commit && !kcheck(&k, rd_kafka_commit(rk, NULL, 0), "commit"))
			sb_printf(&k, ", commit");
	}
	kclose(rk);
	sb_printf(&k, ", close; reopen: ");
	rk = kconsumer(group, "earliest", auto_commit, NULL);
	kcommitted(&k, rk, topic, 0);
	sb_printf(&k, ", ");
	if (!kassign(&k, rk, topic, 0, RD_KAFKA_OFFSET_INVALID))
		kfirst(&k, rk);
	kclose(rk);

	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, auto_commit, (uint32_t)nread);
	if (!oassign(&o, c, topic, 0)) {
		oread(&o, c, nread);
		if (!auto_commit && !oerr(&o, offlog_consumer_commit(c), "commit"))
			sb_printf(&o, ", commit");
	}
	oclose(c);
	sb_printf(&o, ", close; reopen: ");
	c = oconsumer(group, OFFLOG_RESET_EARLIEST, auto_commit, 0);
	ocommitted(&o, c, topic, 0);
	sb_printf(&o, ", ");
	if (!oassign(&o, c, topic, 0))
		ofirst(&o, c, topic, 0);
	oclose(c);

	verdict(auto_commit ? "committed offset after a restart (auto-commit at close)"
	                    : "committed offset after a restart (manual commit)",
	        &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* Read 4 records, seek to 8 and commit without reading further: which
 * offset is committed, the last record read + 1 or the position? */
static void scenario_commit_after_seek(void)
{
	const char *topic = "log";
	const char *group = "g-commit-seek";
	sb k = {0}, o = {0};

	rd_kafka_t *rk = kconsumer(group, "earliest", 0, NULL);
	if (!kassign(&k, rk, topic, 0, RD_KAFKA_OFFSET_INVALID)) {
		kread(&k, rk, 4);
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, topic, 0)->offset = 8;
		if (!kcheck_error(&k, rd_kafka_seek_partitions(rk, l, WAIT_MS), "seek") &&
		    !kcheck(&k, rd_kafka_commit(rk, NULL, 0), "commit"))
			sb_printf(&k, ", seek 8, commit: ");
		rd_kafka_topic_partition_list_destroy(l);
		kcommitted(&k, rk, topic, 0);
	}
	kclose(rk);

	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 4);
	if (!oassign(&o, c, topic, 0)) {
		oread(&o, c, 4);
		if (!oerr(&o, offlog_consumer_seek(c, topic, 0, 8), "seek") &&
		    !oerr(&o, offlog_consumer_commit(c), "commit"))
			sb_printf(&o, ", seek 8, commit: ");
		ocommitted(&o, c, topic, 0);
	}
	oclose(c);
	known_difference("commit after a seek",
	                 "rd_kafka_commit() commits the offset stored from the last record "
	                 "returned; offlog_consumer_commit() commits the position, which a seek "
	                 "moves, as the Java client's commitSync() does",
	                 &k, &o, "read 0 1 2 3, seek 8, commit: committed 4",
	                 "read 0 1 2 3, seek 8, commit: committed 8");
	sb_free(&k);
	sb_free(&o);
}

/* Commit 50 on a partition of 10 records: Kafka accepts it and the next
 * read is out of range; offlog refuses it (man 3 offlog, DIFFERENCES FROM
 * KAFKA). */
static void scenario_commit_beyond_end(void)
{
	const char *topic = "log";
	const char *group = "g-commit-beyond";
	sb k = {0}, o = {0};

	rd_kafka_t *rk = kconsumer(group, "earliest", 0, NULL);
	if (!kcommit_offset(&k, rk, topic, 0, 50))
		sb_printf(&k, "commit 50: accepted");
	sb_printf(&k, ", ");
	kcommitted(&k, rk, topic, 0);
	sb_printf(&k, ", earliest: ");
	if (!kassign(&k, rk, topic, 0, RD_KAFKA_OFFSET_INVALID))
		kfirst(&k, rk);
	kclose(rk);

	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 0);
	offlog_partition_offset po = {topic, 0, 50, NULL, 0};
	int rc = offlog_consumer_commit_offsets(c, &po, 1);
	sb_printf(&o, "commit 50: %s", rc ? offlog_errname(rc) : "accepted");
	sb_printf(&o, ", ");
	ocommitted(&o, c, topic, 0);
	sb_printf(&o, ", earliest: ");
	if (!oassign(&o, c, topic, 0))
		ofirst(&o, c, topic, 0);
	oclose(c);

	known_difference("commit beyond the log end offset",
	                 "documented in man 3 offlog, DIFFERENCES FROM KAFKA", &k, &o,
	                 "commit 50: accepted, committed 50, earliest: reads from 0",
	                 "commit 50: OFFLOG_ERANGE, committed none, earliest: reads from 0");
	sb_free(&k);
	sb_free(&o);
}

/* Where a consumer starts, per reset policy: without a committed offset,
 * with one (5), and from a position out of range (50, beyond the end). */
static void scenario_reset(void)
{
	static const struct {
		const char *kafka;
		int offlog;
		const char *name;
	} policies[] = {{"earliest", OFFLOG_RESET_EARLIEST, "earliest"},
	                {"latest", OFFLOG_RESET_LATEST, "latest"},
	                {"error", OFFLOG_RESET_NONE, "none (librdkafka: error)"}};
	static const char *cases[] = {"no committed offset", "committed offset 5",
	                              "position out of range (50)"};
	const char *topic = "log";
	for (size_t p = 0; p < 3; p++)
		for (int cs = 0; cs < 3; cs++) {
			char group[64], name[160];
			snprintf(group, sizeof group, "g-reset-%s-%d", policies[p].kafka, cs);
			snprintf(name, sizeof name, "reset policy %s, %s", policies[p].name, cases[cs]);
			sb k = {0}, o = {0};

			rd_kafka_t *rk;
			if (cs == 1) {
				rk = kconsumer(group, "earliest", 0, NULL);
				kcommit_offset(&k, rk, topic, 0, 5);
				kclose(rk);
			}
			rk = kconsumer(group, policies[p].kafka, 0, NULL);
			if (!kassign(&k, rk, topic, 0, cs == 2 ? 50 : RD_KAFKA_OFFSET_INVALID))
				kfirst(&k, rk);
			kclose(rk);

			offlog_consumer *c;
			if (cs == 1) {
				c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 0);
				offlog_partition_offset po = {topic, 0, 5, NULL, 0};
				oerr(&o, offlog_consumer_commit_offsets(c, &po, 1), "commit_offsets");
				oclose(c);
			}
			c = oconsumer(group, policies[p].offlog, 0, 0);
			if (!oassign(&o, c, topic, 0) &&
			    (cs != 2 || !oerr(&o, offlog_consumer_seek(c, topic, 0, 50), "seek")))
				ofirst(&o, c, topic, 0);
			oclose(c);

			verdict(name, &k, &o);
			sb_free(&k);
			sb_free(&o);
		}
}

/* Lag = high watermark - committed offset (unknown without one); the
 * consumer's own lag = high watermark - position. */
static void scenario_lag(void)
{
	const char *topic = "lag";
	const char *group = "g-lag";
	make_log(topic, LOG_RECORDS);
	sb k = {0}, o = {0};

	rd_kafka_t *rk = kconsumer(group, "earliest", 0, NULL);
	int64_t lo, hi, committed;
	/* Kafka's lag from its parts, as kafka-consumer-groups.sh computes it. */
#define KLAG()                                                                                 \
	do {                                                                                   \
		committed = kcommitted_offset(&k, rk, topic, 0);                               \
		if (!kcheck(&k, rd_kafka_query_watermark_offsets(rk, topic, 0, &lo, &hi, WAIT_MS), \
		            "watermarks")) {                                                   \
			if (committed == RD_KAFKA_OFFSET_INVALID)                              \
				sb_printf(&k, "lag unknown");                                  \
			else                                                                   \
				sb_printf(&k, "lag %" PRId64, hi - committed);                 \
		}                                                                              \
	} while (0)
	KLAG();
	sb_printf(&k, "; commit 4: ");
	kcommit_offset(&k, rk, topic, 0, 4);
	KLAG();
	sb_printf(&k, "; ");
	if (!kassign(&k, rk, topic, 0, RD_KAFKA_OFFSET_INVALID))
		kread(&k, rk, 3);
	rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
	rd_kafka_topic_partition_list_add(l, topic, 0);
	if (!kcheck(&k, rd_kafka_position(rk, l), "position") &&
	    !kcheck(&k, rd_kafka_query_watermark_offsets(rk, topic, 0, &lo, &hi, WAIT_MS),
	            "watermarks"))
		sb_printf(&k, ": position lag %" PRId64 "; ", hi - l->elems[0].offset);
	sb_printf(&k, "append 2: ");
	kdelivery d[2];
	kproduce(&d[0], topic, 0, NULL, 0, "a", TS0 + 10000);
	kproduce(&d[1], topic, 0, NULL, 0, "b", TS0 + 11000);
	kflush();
	KLAG();
	if (!kcheck(&k, rd_kafka_position(rk, l), "position"))
		sb_printf(&k, ", position lag %" PRId64, hi - l->elems[0].offset);
#undef KLAG
	rd_kafka_topic_partition_list_destroy(l);
	kclose(rk);

	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 3);
	int64_t lag, plag;
#define OLAG()                                                                       \
	do {                                                                         \
		if (!oerr(&o, offlog_consumer_lag(&lag, NULL, c, topic, 0), "lag")) { \
			if (lag == OFFLOG_LAG_UNKNOWN)                               \
				sb_printf(&o, "lag unknown");                        \
			else                                                         \
				sb_printf(&o, "lag %" PRId64, lag);                  \
		}                                                                    \
	} while (0)
	OLAG();
	sb_printf(&o, "; commit 4: ");
	offlog_partition_offset po = {topic, 0, 4, NULL, 0};
	oerr(&o, offlog_consumer_commit_offsets(c, &po, 1), "commit_offsets");
	OLAG();
	sb_printf(&o, "; ");
	if (!oassign(&o, c, topic, 0))
		oread(&o, c, 3);
	if (!oerr(&o, offlog_consumer_lag(NULL, &plag, c, topic, 0), "lag"))
		sb_printf(&o, ": position lag %" PRId64 "; ", plag);
	sb_printf(&o, "append 2: ");
	for (int i = 0; i < 2; i++) {
		offlog_message m = {NULL, 0, i ? "b" : "a", 1, TS0 + 10000 + i * 1000, NULL, 0};
		oerr(&o, offlog_append(NULL, NULL, env, topic, 0, &m), "append");
	}
	OLAG();
	if (!oerr(&o, offlog_consumer_lag(NULL, &plag, c, topic, 0), "lag"))
		sb_printf(&o, ", position lag %" PRId64, plag);
#undef OLAG
	oclose(c);

	/* offlog's group view agrees with the consumer's. */
	offlog_group_description *gd;
	if (!oerr(&o, offlog_group_describe(&gd, env, group), "group_describe")) {
		for (size_t i = 0; i < gd->partition_count; i++)
			if (!strcmp(gd->partitions[i].topic, topic) && gd->partitions[i].lag != 8)
				sb_printf(&o, " [group_describe: lag %" PRId64 "]", gd->partitions[i].lag);
		offlog_group_description_free(gd);
	}

	verdict("lag (high watermark - committed; - position)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* Read 2, seek to 7, to the beginning, to the end, to 3; the committed
 * offset (4, committed before) stays. */
static void scenario_seek(void)
{
	const char *topic = "log";
	const char *group = "g-seek";
	sb k = {0}, o = {0};
	static const struct {
		int64_t offset;
		const char *name;
	} seeks[] = {{7, "7"}, {RD_KAFKA_OFFSET_BEGINNING, "beginning"},
	             {RD_KAFKA_OFFSET_END, "end"}, {3, "3"}};

	rd_kafka_t *rk = kconsumer(group, "earliest", 0, NULL);
	kcommit_offset(&k, rk, topic, 0, 4);
	if (!kassign(&k, rk, topic, 0, 0)) {
		kread(&k, rk, 2);
		for (size_t i = 0; i < sizeof seeks / sizeof *seeks; i++) {
			sb_printf(&k, "; seek %s: ", seeks[i].name);
			rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
			rd_kafka_topic_partition_list_add(l, topic, 0)->offset = seeks[i].offset;
			if (!kcheck_error(&k, rd_kafka_seek_partitions(rk, l, WAIT_MS), "seek") &&
			    !kcheck(&k, l->elems[0].err, "seek"))
				kfirst(&k, rk);
			rd_kafka_topic_partition_list_destroy(l);
		}
		sb_printf(&k, "; ");
		kcommitted(&k, rk, topic, 0);
	}
	kclose(rk);

	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 2);
	offlog_partition_offset po = {topic, 0, 4, NULL, 0};
	oerr(&o, offlog_consumer_commit_offsets(c, &po, 1), "commit_offsets");
	if (!oassign(&o, c, topic, 0) && !oerr(&o, offlog_consumer_seek(c, topic, 0, 0), "seek")) {
		oread(&o, c, 2);
		for (size_t i = 0; i < sizeof seeks / sizeof *seeks; i++) {
			sb_printf(&o, "; seek %s: ", seeks[i].name);
			if (!oerr(&o, offlog_consumer_seek(c, topic, 0, seeks[i].offset), "seek"))
				ofirst(&o, c, topic, 0);
		}
		sb_printf(&o, "; ");
		ocommitted(&o, c, topic, 0);
	}
	oclose(c);

	verdict("seek (absolute, beginning, end)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* offlog's answer to a time lookup (the older call). Where the header has
 * offlog_offsets_for_times_v2(), it is asked too: its answer must be the
 * same, and the record timestamp it gives that of the record found
 * (TS0 + offset s here), -1 for END and for the -2 / -1 queries. */
static int olookup(sb *o, const char *topic, int64_t ts, int64_t *offset)
{
	offlog_partition_offset po = {topic, 0, ts, NULL, 0};
	if (oerr(o, offlog_offsets_for_times(env, &po, 1), "offsets_for_times"))
		return -1;
	*offset = po.offset;
#ifdef OFFLOG_PARTITION_TIME_VERSION
	offlog_partition_time pt = OFFLOG_PARTITION_TIME_INIT(topic, 0, ts);
	if (oerr(o, offlog_offsets_for_times_v2(env, &pt, 1), "offsets_for_times_v2"))
		return -1;
	int64_t rec_ts = ts < 0 || pt.offset < 0 ? -1 : TS0 + pt.offset * 1000;
	if (pt.offset != po.offset || pt.record_timestamp != rec_ts)
		sb_printf(o, "[offsets_for_times_v2: offset %" PRId64 ", record timestamp %" PRId64
		             " where %" PRId64 " was due] ",
		          pt.offset, pt.record_timestamp, rec_ts);
#endif
	return 0;
}

/* ListOffsets by time: -2 and -1 ask for the log start and the end; a time
 * past the last record has no answer (-1 in librdkafka, null in Java). */
static void scenario_times_mock(void)
{
	const char *topic = "log";
	static const struct {
		int64_t ts;
		const char *name;
	} q[] = {{-2, "-2"}, {-1, "-1"}, {TS0 + 60000, "past the last record"}};
	sb k = {0}, o = {0};
	int pending = 0;
	for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
		rd_kafka_topic_partition_list_add(l, topic, 0)->offset = q[i].ts;
		if (!kcheck(&k, rd_kafka_offsets_for_times(kprod, l, WAIT_MS), "offsets_for_times") &&
		    !kcheck(&k, l->elems[0].err, "offsets_for_times"))
			sb_printf(&k, "%s -> %" PRId64 "; ", q[i].name, l->elems[0].offset);
		rd_kafka_topic_partition_list_destroy(l);
		int64_t off;
		if (!olookup(&o, topic, q[i].ts, &off)) {
			if (q[i].ts >= 0 && off == LOG_RECORDS)
				pending = 1;
			sb_printf(&o, "%s -> %" PRId64 "; ", q[i].name, off);
		}
	}
	if (pending && strcmp(sb_str(&k), sb_str(&o))) {
		/* The change of this answer from the high watermark to
		 * OFFLOG_OFFSET_END is under way: reported, not failed. */
		printf("compare: time lookup (-2, -1, past the last record): pending: offlog answers "
		       "the high watermark (%d) for a time past the last record, Kafka -1 (END); "
		       "not counted: kafka: %s | offlog: %s\n",
		       LOG_RECORDS, sb_str(&k), sb_str(&o));
		fflush(stdout);
	} else
		verdict("time lookup (-2, -1, past the last record)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* Time lookups inside the log, against Kafka's documented answer: the
 * first offset whose timestamp is >= the time (the mock answers -1). */
static void scenario_times_documented(void)
{
	const char *topic = "log";
	static const int64_t ts[] = {0, TS0, TS0 + 2500, TS0 + 3000, TS0 + 9000};
	static const int64_t expect[] = {0, 0, 3, 3, 9};
	sb k = {0}, o = {0};
	for (size_t i = 0; i < sizeof ts / sizeof *ts; i++) {
		char when[32];
		if (ts[i] < TS0)
			snprintf(when, sizeof when, "%" PRId64, ts[i]);
		else
			snprintf(when, sizeof when, "TS0+%" PRId64, ts[i] - TS0);
		sb_printf(&k, "%s -> %" PRId64 "; ", when, expect[i]);
		int64_t off;
		if (!olookup(&o, topic, ts[i], &off))
			sb_printf(&o, "%s -> %" PRId64 "; ", when, off);
	}
	verdict("time lookup inside the log (Kafka's documented answer; the mock has none)", &k, &o);
	sb_free(&k);
	sb_free(&o);
}

/* DeleteRecords, against Kafka's documented behaviour (the mock has none):
 * the low watermark advances to the offset given and never back; reading
 * below it is out of range, so a committed offset there is reset by the
 * policy. */
static void scenario_delete_records(void)
{
	const char *topic = "deleted";
	const char *group = "g-deleted";
	otopic(topic, 1);
	for (int i = 0; i < LOG_RECORDS; i++) {
		offlog_message m = {NULL, 0, "v", 1, TS0 + i * 1000, NULL, 0};
		if (offlog_append(NULL, NULL, env, topic, 0, &m))
			die("offlog_append", offlog_errmsg());
	}
	sb k = {0}, o = {0};
	sb_printf(&k, "delete before 4: low watermark 4; watermarks [4, 10); delete before 2: low "
	              "watermark 4; fetch at 2: out of range; committed 2 then earliest: reads "
	              "from 4; latest: nothing to read at 10; none: error: offset out of range");

	int64_t low = -9, start = -9, hw = -9;
	offlog_consumer *c = oconsumer(group, OFFLOG_RESET_EARLIEST, 0, 0);
	offlog_partition_offset po = {topic, 0, 2, NULL, 0};
	oerr(&o, offlog_consumer_commit_offsets(c, &po, 1), "commit_offsets");
	oclose(c);
	if (!oerr(&o, offlog_delete_records(&low, env, topic, 0, 4), "delete_records"))
		sb_printf(&o, "delete before 4: low watermark %" PRId64 "; ", low);
	if (!oerr(&o, offlog_watermarks_get(&start, &hw, NULL, env, topic, 0), "watermarks"))
		sb_printf(&o, "watermarks [%" PRId64 ", %" PRId64 "); ", start, hw);
	if (!oerr(&o, offlog_delete_records(&low, env, topic, 0, 2), "delete_records"))
		sb_printf(&o, "delete before 2: low watermark %" PRId64 "; ", low);
	offlog_batch *b = NULL;
	int rc = offlog_fetch(&b, env, topic, 0, 2, 0, 0);
	offlog_batch_free(b);
	if (rc == OFFLOG_ERANGE)
		sb_printf(&o, "fetch at 2: out of range; ");
	else
		sb_printf(&o, "fetch at 2: %s; ", offlog_errname(rc));
	static const int policies[] = {OFFLOG_RESET_EARLIEST, OFFLOG_RESET_LATEST,
	                               OFFLOG_RESET_NONE};
	static const char *names[] = {"committed 2 then earliest", "latest", "none"};
	for (size_t i = 0; i < 3; i++) {
		sb_printf(&o, "%s%s: ", i ? "; " : "", names[i]);
		c = oconsumer(group, policies[i], 0, 0);
		if (!oassign(&o, c, topic, 0))
			ofirst(&o, c, topic, 0);
		oclose(c);
	}
	verdict("delete records (Kafka's documented behaviour; the mock has no DeleteRecords)", &k,
	        &o);
	sb_free(&k);
	sb_free(&o);
}

/* ---- group assignment ----------------------------------------------------- */

#define MEMBERS 3

/* The partitions of a group's topics, sorted by topic then partition; a
 * member's assignment is a bit mask over them. */
typedef struct universe {
	const char *topic[2];
	int32_t count[2];
	size_t ntopics;
	size_t total;
} universe;

static int uindex(const universe *u, const char *topic, int32_t partition)
{
	size_t base = 0;
	for (size_t t = 0; t < u->ntopics; t++) {
		if (!strcmp(u->topic[t], topic))
			return partition >= 0 && partition < u->count[t] ? (int)(base + (size_t)partition)
			                                                  : -1;
		base += (size_t)u->count[t];
	}
	return -1;
}

static void describe_mask(sb *b, const universe *u, uint32_t mask)
{
	size_t base = 0;
	for (size_t t = 0; t < u->ntopics; t++) {
		sb_printf(b, "%s%s[", t ? " " : "", u->topic[t]);
		int first = 1;
		for (int32_t p = 0; p < u->count[t]; p++)
			if (mask & (UINT32_C(1) << (base + (size_t)p))) {
				sb_printf(b, "%s%d", first ? "" : ",", p);
				first = 0;
			}
		sb_printf(b, "]");
		base += (size_t)u->count[t];
	}
}

/* One member of either side: its id, and its assignment when complete. */
typedef struct gmember {
	rd_kafka_t *rk;
	offlog_consumer *oc;
	char id[256];
	int live;
	uint32_t mask;
	int rank;   /* 1-based, in member id order at the first assignment */
} gmember;

typedef struct gcase {
	const char *name;
	const char *kafka_strategy;
	int offlog_assignor;
	universe u;
	char group[64];
	gmember km[MEMBERS], om[MEMBERS];
	int kdone, odone;             /* the current stage is complete */
	sb kbefore, obefore, kafter, oafter;
} gcase;

static uint32_t kmask(rd_kafka_t *rk, const universe *u, int *bad)
{
	rd_kafka_topic_partition_list_t *l = NULL;
	uint32_t m = 0;
	if (rd_kafka_assignment(rk, &l)) {
		*bad = 1;
		return 0;
	}
	for (int i = 0; i < l->cnt; i++) {
		int x = uindex(u, l->elems[i].topic, l->elems[i].partition);
		if (x < 0)
			*bad = 1;
		else
			m |= UINT32_C(1) << x;
	}
	rd_kafka_topic_partition_list_destroy(l);
	return m;
}

static uint32_t omask(offlog_consumer *c, const universe *u, int *bad)
{
	const offlog_topic_partition *tp;
	size_t n;
	uint32_t m = 0;
	if (offlog_consumer_assignment(&tp, &n, c)) {
		*bad = 1;
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		int x = uindex(u, tp[i].topic, tp[i].partition);
		if (x < 0)
			*bad = 1;
		else
			m |= UINT32_C(1) << x;
	}
	return m;
}

/* True when the live members' assignments are non-empty, disjoint and cover
 * every partition: a generation is complete (with eager assignors, a member
 * gets its new partitions only after all have given up their old ones). */
static int complete(gmember *m, const universe *u, int kafka)
{
	uint32_t all = 0;
	int sum = 0, bad = 0;
	for (int i = 0; i < MEMBERS; i++) {
		if (!m[i].live)
			continue;
		m[i].mask = kafka ? kmask(m[i].rk, u, &bad) : omask(m[i].oc, u, &bad);
		if (!m[i].mask)
			return 0;
		all |= m[i].mask;
		for (uint32_t x = m[i].mask; x; x &= x - 1)
			sum++;
	}
	uint32_t full = u->total >= 32 ? UINT32_MAX : (UINT32_C(1) << u->total) - 1;
	return !bad && all == full && (size_t)sum == u->total;
}

static int cmp_member_id(const void *a, const void *b)
{
	const gmember *x = *(gmember *const *)a, *y = *(gmember *const *)b;
	return strcmp(x->id, y->id);
}

/* Rank the members by member id, as both assignors order them. */
static void rank_members(gmember *m)
{
	gmember *order[MEMBERS];
	for (int i = 0; i < MEMBERS; i++)
		order[i] = &m[i];
	qsort(order, MEMBERS, sizeof *order, cmp_member_id);
	for (int i = 0; i < MEMBERS; i++)
		order[i]->rank = i + 1;
}

static void describe_members(sb *b, gmember *m, const universe *u)
{
	for (int r = 1; r <= MEMBERS; r++)
		for (int i = 0; i < MEMBERS; i++)
			if (m[i].live && m[i].rank == r) {
				sb_printf(b, "%sm%d: ", b->len ? " | " : "", r);
				describe_mask(b, u, m[i].mask);
			}
}

static void kmember_id(gmember *m)
{
	char *id = rd_kafka_memberid(m->rk);
	snprintf(m->id, sizeof m->id, "%s", id ? id : "");
	if (id)
		rd_kafka_mem_free(m->rk, id);
}

static void omember_id(gmember *m)
{
	const char *id = "";
	offlog_consumer_member(&id, NULL, m->oc);
	snprintf(m->id, sizeof m->id, "%s", id);
}

/* Poll every live member of every case until each case's assignment is
 * complete, or the deadline. */
static void kgroups_settle(gcase *g, size_t n)
{
	int64_t deadline = now_ms() + GROUP_WAIT_MS;
	for (size_t i = 0; i < n; i++)
		g[i].kdone = 0;
	for (;;) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++) {
			for (int j = 0; j < MEMBERS; j++)
				if (g[i].km[j].live) {
					rd_kafka_message_t *msg = rd_kafka_consumer_poll(g[i].km[j].rk, 5);
					if (msg)
						rd_kafka_message_destroy(msg);
				}
			if (!g[i].kdone)
				g[i].kdone = complete(g[i].km, &g[i].u, 1);
			done += (size_t)g[i].kdone;
		}
		if (done == n || now_ms() > deadline)
			return;
	}
}

static void ogroups_settle(gcase *g, size_t n)
{
	int64_t deadline = now_ms() + GROUP_WAIT_MS;
	for (size_t i = 0; i < n; i++)
		g[i].odone = 0;
	for (;;) {
		size_t done = 0;
		for (size_t i = 0; i < n; i++) {
			for (int j = 0; j < MEMBERS; j++)
				if (g[i].om[j].live) {
					const offlog_record *r;
					size_t cnt;
					offlog_consumer_poll(&r, &cnt, g[i].om[j].oc, 1);
				}
			if (!g[i].odone)
				g[i].odone = complete(g[i].om, &g[i].u, 0);
			done += (size_t)g[i].odone;
		}
		if (done == n || now_ms() > deadline)
			return;
	}
}

/* The member ranked second leaves (close) on both sides. */
static gmember *second(gmember *m)
{
	for (int i = 0; i < MEMBERS; i++)
		if (m[i].rank == 2)
			return &m[i];
	return &m[0];
}

static void scenario_groups(void)
{
	static gcase g[4];
	static const char *t12[] = {"g12"}, *t75[] = {"g5", "g7"};
	ktopic("g12", 12);
	otopic("g12", 12);
	ktopic("g7", 7);
	otopic("g7", 7);
	ktopic("g5", 5);
	otopic("g5", 5);
	for (int i = 0; i < 4; i++) {
		int rr = i & 1, two = i >> 1;
		memset(&g[i], 0, sizeof g[i]);
		g[i].name = rr ? "round-robin" : "range";
		g[i].kafka_strategy = rr ? "roundrobin" : "range";
		g[i].offlog_assignor = rr ? OFFLOG_ASSIGNOR_ROUNDROBIN : OFFLOG_ASSIGNOR_RANGE;
		g[i].u.ntopics = two ? 2 : 1;
		g[i].u.topic[0] = two ? t75[0] : t12[0];
		g[i].u.count[0] = two ? 5 : 12;
		if (two) {
			g[i].u.topic[1] = t75[1];
			g[i].u.count[1] = 7;
		}
		g[i].u.total = 12;
		snprintf(g[i].group, sizeof g[i].group, "g-assign-%s-%s", g[i].kafka_strategy,
		         two ? "5+7" : "12");
	}

	/* Kafka: all four groups at once (the mock waits 3 s for members). */
	for (int i = 0; i < 4; i++) {
		rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(2);
		for (size_t t = 0; t < g[i].u.ntopics; t++)
			rd_kafka_topic_partition_list_add(l, g[i].u.topic[t], RD_KAFKA_PARTITION_UA);
		for (int j = 0; j < MEMBERS; j++) {
			gmember *m = &g[i].km[j];
			m->rk = kconsumer(g[i].group, "earliest", 0, g[i].kafka_strategy);
			m->live = 1;
			kcheck(&g[i].kbefore, rd_kafka_subscribe(m->rk, l), "subscribe");
		}
		rd_kafka_topic_partition_list_destroy(l);
	}
	kgroups_settle(g, 4);
	trace("kafka: the groups have 3 members");
	for (int i = 0; i < 4; i++) {
		if (!g[i].kdone) {
			sb_printf(&g[i].kbefore, "[no complete assignment in time]");
			continue;
		}
		for (int j = 0; j < MEMBERS; j++)
			kmember_id(&g[i].km[j]);
		rank_members(g[i].km);
		describe_members(&g[i].kbefore, g[i].km, &g[i].u);
		gmember *leaving = second(g[i].km);
		kclose(leaving->rk);
		leaving->rk = NULL;
		leaving->live = 0;
	}
	trace("kafka: m2 closed");
	kgroups_settle(g, 4);
	trace("kafka: the groups have 2 members");
	for (int i = 0; i < 4; i++) {
		if (!g[i].kdone)
			sb_printf(&g[i].kafter, "[no complete assignment in time]");
		else
			describe_members(&g[i].kafter, g[i].km, &g[i].u);
		for (int j = 0; j < MEMBERS; j++)
			if (g[i].km[j].live)
				kclose(g[i].km[j].rk);
	}

	trace("kafka: closed");
	/* offlog: the same, three consumers per group polled in turn. */
	for (int i = 0; i < 4; i++) {
		offlog_consumer_options opts = OFFLOG_CONSUMER_OPTIONS_INIT;
		opts.enable_auto_commit = 0;
		opts.assignor = g[i].offlog_assignor;
		for (int j = 0; j < MEMBERS; j++) {
			gmember *m = &g[i].om[j];
			if (offlog_consumer_open(&m->oc, env, g[i].group, &opts))
				die("offlog_consumer_open", offlog_errmsg());
			m->live = 1;
			oerr(&g[i].obefore,
			     offlog_consumer_subscribe(m->oc, g[i].u.topic, g[i].u.ntopics), "subscribe");
		}
	}
	ogroups_settle(g, 4);
	for (int i = 0; i < 4; i++) {
		if (!g[i].odone) {
			sb_printf(&g[i].obefore, "[no complete assignment in time]");
			continue;
		}
		for (int j = 0; j < MEMBERS; j++)
			omember_id(&g[i].om[j]);
		rank_members(g[i].om);
		describe_members(&g[i].obefore, g[i].om, &g[i].u);
		gmember *leaving = second(g[i].om);
		oclose(leaving->oc);
		leaving->oc = NULL;
		leaving->live = 0;
	}
	ogroups_settle(g, 4);
	for (int i = 0; i < 4; i++) {
		if (!g[i].odone)
			sb_printf(&g[i].oafter, "[no complete assignment in time]");
		else
			describe_members(&g[i].oafter, g[i].om, &g[i].u);
		for (int j = 0; j < MEMBERS; j++)
			if (g[i].om[j].live)
				oclose(g[i].om[j].oc);
	}

	trace("offlog: done");
	for (int i = 0; i < 4; i++) {
		char name[160];
		const char *topics = g[i].u.ntopics == 2 ? "topics of 5 and 7" : "one topic of 12";
		snprintf(name, sizeof name, "%s assignment, 3 members, %s", g[i].name, topics);
		verdict(name, &g[i].kbefore, &g[i].obefore);
		snprintf(name, sizeof name, "%s assignment, %s, after m2 leaves", g[i].name, topics);
		verdict(name, &g[i].kafter, &g[i].oafter);
		sb_free(&g[i].kbefore);
		sb_free(&g[i].obefore);
		sb_free(&g[i].kafter);
		sb_free(&g[i].oafter);
	}
}

/* ---- main ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
	const char *v = getenv("OFFLOG_COMPARE_VERBOSE");
	verbose = (argc > 1 && !strcmp(argv[1], "-v")) || (v && *v && strcmp(v, "0"));
	t_start = now_ms();

	const char *tmp = getenv("TMPDIR");
	snprintf(store_dir, sizeof store_dir, "%s/offlog-compare-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(store_dir))
		die("mkdtemp", strerror(errno));
	if (offlog_open(&env, store_dir, NULL))
		die("offlog_open", offlog_errmsg());

	char err[512];
	rd_kafka_conf_t *c = kconf();
	kmock = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err);
	if (!kmock)
		die("rd_kafka_new", err);
	if (!(mcluster = rd_kafka_mock_cluster_new(kmock, 1)))
		die("rd_kafka_mock_cluster_new", "failed");
	bootstraps = rd_kafka_mock_cluster_bootstraps(mcluster);

	c = kconf();
	kset(c, "partitioner", "murmur2_random");
	kset(c, "linger.ms", "0");
	kset(c, "max.in.flight.requests.per.connection", "1");
	kset(c, "retry.backoff.ms", "10");
	rd_kafka_conf_set_dr_msg_cb(c, kdr);
	if (!(kprod = rd_kafka_new(RD_KAFKA_PRODUCER, c, err, sizeof err)))
		die("rd_kafka_new", err);

	printf("compare: librdkafka %s (mock cluster), offlog %s; the producer uses "
	       "partitioner=murmur2_random, the Java client's murmur2\n",
	       rd_kafka_version_str(), offlog_version_string());
	fflush(stdout);

	make_log("log", LOG_RECORDS);
	scenario_key_partition();
	scenario_append_offsets();
	scenario_watermarks();
	scenario_restart(0);
	scenario_restart(1);
	scenario_commit_after_seek();
	scenario_commit_beyond_end();
	scenario_reset();
	scenario_lag();
	scenario_seek();
	scenario_times_mock();
	scenario_times_documented();
	scenario_delete_records();
	scenario_groups();

	rd_kafka_destroy(kprod);
	rd_kafka_mock_cluster_destroy(mcluster);
	rd_kafka_destroy(kmock);
	rd_kafka_wait_destroyed(WAIT_MS);
	if (offlog_close(env))
		die("offlog_close", offlog_errmsg());
	remove_store();

	if (verbose)
		printf("compare: %.1f s\n", (double)(now_ms() - t_start) / 1000.0);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

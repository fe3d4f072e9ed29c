/*
 * c_loop.c - the C side of bench.py: the same loops as the Python binding's,
 * against the same libofflog, timed the same way.
 *
 *   c_loop DIR N [sync|async]  ->  prints "append_batch S", "consume S",
 *                                  "producer S" (seconds)
 *
 * Each phase uses a fresh store under DIR, ASYNC (D0, the default: no
 * background flush, the mode where the binding's own cost shows most) or
 * SYNC (D2).
 */
#define _POSIX_C_SOURCE 200809L
#include <offlog.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define VALUE_SIZE 128
#define BATCH 1000

static void check(int rc, const char *what)
{
	if (rc) {
		fprintf(stderr, "%s: %s: %s\n", what, offlog_errname(rc), offlog_errmsg());
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int durability = OFFLOG_DURABILITY_ASYNC;

static offlog_env *open_store(const char *dir, const char *name)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	offlog_options o;
	offlog_options_init(&o);
	o.durability = durability;
	o.flush_interval_ms = 0;
	offlog_env *env;
	check(offlog_open(&env, path, &o), "offlog_open");
	check(offlog_topic_create(env, "bench", 1, NULL), "offlog_topic_create");
	return env;
}

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	size_t *errors = opaque;
	if (d->err)
		(*errors)++;
}

int main(int argc, char **argv)
{
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: c_loop DIR N [sync|async]\n");
		return 2;
	}
	if (argc == 4 && strcmp(argv[3], "sync") == 0)
		durability = OFFLOG_DURABILITY_SYNC;
	const char *dir = argv[1];
	size_t n = (size_t)strtoull(argv[2], NULL, 10);
	char value[VALUE_SIZE];
	memset(value, 'v', sizeof value);

	/* append_batch, batches of 1000 */
	offlog_env *env = open_store(dir, "c-batch");
	offlog_message *msgs = calloc(BATCH, sizeof *msgs);
	double t0 = now();
	for (size_t done = 0; done < n;) {
		size_t k = n - done < BATCH ? n - done : BATCH;
		for (size_t i = 0; i < k; i++) {
			msgs[i] = (offlog_message){NULL, 0, value, sizeof value, OFFLOG_TIMESTAMP_NOW,
			                           NULL, 0};
		}
		int64_t base;
		check(offlog_append_batch(&base, NULL, env, "bench", 0, msgs, k), "append_batch");
		done += k;
	}
	printf("append_batch %.6f\n", now() - t0);
	check(offlog_flush(env), "flush"); /* ASYNC: the high watermark reaches the log end */

	/* consume what was appended */
	offlog_consumer_options co;
	offlog_consumer_options_init(&co);
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	offlog_consumer *c;
	check(offlog_consumer_open(&c, env, NULL, &co), "consumer_open");
	offlog_topic_partition tp = {"bench", 0};
	check(offlog_consumer_assign(c, &tp, 1), "assign");
	uint64_t sum = 0;
	size_t got = 0;
	t0 = now();
	while (got < n) {
		const offlog_record *recs;
		size_t k;
		check(offlog_consumer_poll(&recs, &k, c, 1000), "poll");
		for (size_t i = 0; i < k; i++)
			sum += recs[i].value_len + ((const unsigned char *)recs[i].value)[0];
		got += k;
	}
	printf("consume %.6f\n", now() - t0);
	check(offlog_consumer_close(c), "consumer_close");
	check(offlog_close(env), "close");

	/* producer: send each record, reports served by flush on this thread */
	env = open_store(dir, "c-producer");
	size_t errors = 0;
	offlog_producer_options po;
	offlog_producer_options_init(&po);
	po.delivery_mode = OFFLOG_DELIVERY_POLL;
	po.on_delivery = on_delivery;
	po.opaque = &errors;
	offlog_producer *p;
	check(offlog_producer_open(&p, env, &po), "producer_open");
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		offlog_message m = {NULL, 0, value, sizeof value, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int rc = offlog_producer_send(p, "bench", 0, &m, NULL);
		if (rc == OFFLOG_EQUEUEFULL) {
			check(offlog_producer_poll(NULL, p, 100), "producer_poll");
			i--;
			continue;
		}
		check(rc, "producer_send");
		if (i % 1000 == 999)
			check(offlog_producer_poll(NULL, p, 0), "producer_poll");
	}
	check(offlog_producer_flush(p, -1), "producer_flush");
	printf("producer %.6f\n", now() - t0);
	check(offlog_producer_close(p, 0), "producer_close");
	check(offlog_close(env), "close");
	free(msgs);
	if (errors || sum == 0)
		return 1;
	return 0;
}

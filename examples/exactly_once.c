/*
 * exactly_once.c - consume, transform, produce in one transaction.
 *
 *   cc exactly_once.c $(pkg-config --cflags --libs offlog) -o exactly_once
 *   ./exactly_once [STORE_DIR]        (default: ./offlog-eos)
 *
 * Reads temperature readings from "readings", writes those above a limit to
 * "alerts", and commits the consumer's positions in the same transaction as
 * the alerts it produced. After a crash at any point either both the alerts
 * and the commit are there or neither is, so no reading is lost and no alert
 * is written twice: exactly-once within the store.
 */
#include <offlog.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 30

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s (%s)\n", what, offlog_strerror(rc), offlog_errmsg());
		exit(1);
	}
}

static void create(offlog_env *env, const char *topic, int32_t partitions)
{
	int rc = offlog_topic_create(env, topic, partitions, NULL);
	if (rc != OFFLOG_EEXIST)
		check(rc, "create topic");
}

static int64_t total_end(offlog_env *env, const char *topic, int32_t partitions)
{
	int64_t sum = 0;
	for (int32_t p = 0; p < partitions; p++) {
		int64_t leo;
		check(offlog_watermarks_get(NULL, NULL, &leo, env, topic, p), "watermarks");
		sum += leo;
	}
	return sum;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "offlog-eos";
	offlog_env *env;
	check(offlog_open(&env, dir, NULL), "open");
	create(env, "readings", 3);
	create(env, "alerts", 1);
	int64_t alerts_before = total_end(env, "alerts", 1);

	int expected = 0;
	for (int i = 0; i < 300; i++) {
		char key[16], value[16];
		int t = (i * 37) % 50;
		snprintf(key, sizeof key, "room-%d", i % 7);
		snprintf(value, sizeof value, "%d", t);
		offlog_message m = {key, strlen(key), value, strlen(value), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		check(offlog_append(NULL, NULL, env, "readings", OFFLOG_PARTITION_ANY, &m), "append");
		expected += t > LIMIT;
	}

	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = 0;   /* commits happen inside the transactions */
	offlog_consumer *c;
	check(offlog_consumer_open(&c, env, "alerter", &o), "consumer");
	offlog_topic_partition tps[3] = {{"readings", 0}, {"readings", 1}, {"readings", 2}};
	check(offlog_consumer_assign(c, tps, 3), "assign");

	int produced = 0;
	for (;;) {
		const offlog_record *recs;
		size_t n;
		check(offlog_consumer_poll(&recs, &n, c, 100), "poll");
		if (n == 0)
			break;
		offlog_txn *txn;
		check(offlog_txn_begin(&txn, env), "begin");
		for (size_t i = 0; i < n; i++) {
			char buf[16];
			size_t len = recs[i].value_len < sizeof buf - 1 ? recs[i].value_len : sizeof buf - 1;
			memcpy(buf, recs[i].value, len);
			buf[len] = 0;
			if (atoi(buf) <= LIMIT)
				continue;
			offlog_message alert = {recs[i].key, recs[i].key_len, recs[i].value, recs[i].value_len,
			                        recs[i].timestamp, NULL, 0};
			check(offlog_txn_append(NULL, NULL, txn, "alerts", 0, &alert), "txn append");
			produced++;
		}
		/* The positions after this poll, committed with the alerts. */
		check(offlog_txn_commit_consumer(txn, c), "txn commit offsets");
		check(offlog_txn_commit(txn), "txn commit");
	}

	int64_t alerts = total_end(env, "alerts", 1) - alerts_before;
	printf("readings consumed, %d alerts produced (%lld in the log, %d expected)\n", produced,
	       (long long)alerts, expected);
	for (int32_t p = 0; p < 3; p++) {
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		int64_t leo;
		check(offlog_consumer_committed(&cm, c, "readings", p), "committed");
		check(offlog_watermarks_get(NULL, NULL, &leo, env, "readings", p), "watermarks");
		printf("readings/%d committed %lld of %lld\n", p, (long long)cm.offset, (long long)leo);
		if (cm.offset != leo)
			return 1;
	}
	check(offlog_consumer_close(c), "consumer close");
	check(offlog_close(env), "close");
	return alerts == expected && produced == expected ? 0 : 1;
}

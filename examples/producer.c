/*
 * producer.c - a gateway buffering sensor readings with the batching,
 * idempotent producer.
 *
 *   cc producer.c $(pkg-config --cflags --libs offlog) -o producer
 *   ./producer [STORE_DIR]          (default: ./offlog-gateway)
 *
 * Sends 10000 readings keyed by sensor without waiting for each, learns
 * every record's offset from the delivery callback, then sends the last
 * 100 readings of partition 0 again with their sequence numbers, as a
 * restarted gateway would for readings whose fate it did not see: they are
 * recognised as stored, and nothing is written twice.
 */
#include <offlog.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "readings"
#define PARTITIONS 4
#define GATEWAY_ID 1   /* the producer id this gateway keeps across restarts */

struct tally {
	long ok, failed, duplicates;
	int64_t last_sequence[PARTITIONS];
};

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s (%s)\n", what, offlog_strerror(rc), offlog_errmsg());
		exit(1);
	}
}

/* Runs on the producer's thread, once per record. */
static void delivered(void *opaque, const offlog_delivery *d)
{
	struct tally *t = opaque;
	if (d->err) {
		t->failed++;
		return;
	}
	t->ok++;
	t->duplicates += d->duplicate;
	if (d->sequence > t->last_sequence[d->partition])
		t->last_sequence[d->partition] = d->sequence;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "offlog-gateway";
	offlog_env *env;
	check(offlog_open(&env, dir, NULL), "open");
	int rc = offlog_topic_create(env, TOPIC, PARTITIONS, NULL);
	if (rc != OFFLOG_EEXIST)
		check(rc, "create topic");

	struct tally t = {0, 0, 0, {-1, -1, -1, -1}};
	offlog_producer_options o = OFFLOG_PRODUCER_OPTIONS_INIT;
	o.idempotent = 1;
	o.producer_id = GATEWAY_ID;
	o.on_delivery = delivered;
	o.opaque = &t;
	offlog_producer *p;
	check(offlog_producer_open(&p, env, &o), "producer");

	for (int i = 0; i < 10000; i++) {
		char key[16], value[48];
		snprintf(key, sizeof key, "sensor-%d", i % 25);
		snprintf(value, sizeof value, "{\"t\": %d.%d}", 15 + i % 10, i % 7);
		offlog_message m = {key, strlen(key), value, strlen(value), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		check(offlog_producer_send(p, TOPIC, OFFLOG_PARTITION_ANY, &m, NULL), "send");
	}
	check(offlog_producer_flush(p, -1), "flush");
	printf("sent 10000 readings: %ld written, %ld failed\n", t.ok, t.failed);

	/* Send partition 0's last 100 readings again, by sequence number. */
	int64_t next;
	check(offlog_producer_next_sequence(&next, p, TOPIC, 0), "next sequence");
	int64_t from = next >= 100 ? next - 100 : 0;
	offlog_batch *batch = NULL;
	const offlog_record *recs;
	size_t n;
	int64_t leo;
	check(offlog_watermarks_get(NULL, NULL, &leo, env, TOPIC, 0), "watermarks");
	check(offlog_fetch(&batch, env, TOPIC, 0, leo - (next - from), 100, 0), "fetch");
	check(offlog_batch_records(&recs, &n, NULL, batch), "records");
	long before = t.duplicates;
	for (size_t i = 0; i < n; i++) {
		offlog_message m = {recs[i].key, recs[i].key_len, recs[i].value, recs[i].value_len,
		                    recs[i].timestamp, NULL, 0};
		check(offlog_producer_send_sequenced(p, TOPIC, 0, from + (int64_t)i, &m, NULL), "resend");
	}
	check(offlog_producer_close(p, 0), "close producer");
	offlog_batch_free(batch);
	int64_t after;
	check(offlog_watermarks_get(NULL, NULL, &after, env, TOPIC, 0), "watermarks");
	printf("resent %zu readings of partition 0: %ld recognised as stored, log end %lld -> %lld\n",
	       n, t.duplicates - before, (long long)leo, (long long)after);
	check(offlog_close(env), "close");
	return t.failed == 0 && after == leo && t.duplicates - before == (long)n ? 0 : 1;
}

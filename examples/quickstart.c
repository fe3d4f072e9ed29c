/*
 * quickstart.c - produce, consume with a group, commit, restart, resume.
 *
 *   cc quickstart.c $(pkg-config --cflags --libs offlog) -o quickstart
 *   ./quickstart [STORE_DIR]          (default: ./offlog-data)
 *
 * Appends 1200 keyed records to a 12-partition topic, consumes part of them
 * in group "quickstart" and commits, closes everything ("restart"), opens
 * again, checks that the group resumes exactly at its committed offsets,
 * prints committed offset, log end offset and lag per partition, consumes
 * the rest and commits. Run it again: the group continues where it was.
 */
#include <offlog.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "quickstart"
#define GROUP "quickstart"
#define PARTITIONS 12

static int check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s (%s)\n", what, offlog_strerror(rc), offlog_errmsg());
		exit(1);
	}
	return rc;
}

static void produce(offlog_env *env, int count)
{
	int per[PARTITIONS] = {0};
	for (int i = 0; i < count; i++) {
		char key[32], value[64];
		snprintf(key, sizeof key, "sensor-%d", i % 40);
		snprintf(value, sizeof value, "{\"reading\": %d}", i);
		offlog_message m = {key, strlen(key), value, strlen(value), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int32_t partition;
		/* Same key, same partition: Kafka's murmur2 partitioner. */
		check(offlog_append(NULL, &partition, env, TOPIC, OFFLOG_PARTITION_ANY, &m), "append");
		per[partition]++;
	}
	printf("produced %d records; per partition:", count);
	for (int p = 0; p < PARTITIONS; p++)
		printf(" %d", per[p]);
	printf("\n");
}

static offlog_consumer *open_consumer(offlog_env *env)
{
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST; /* a new group starts at the beginning */
	o.enable_auto_commit = 0;                    /* we commit ourselves */
	o.max_poll_records = 100;
	offlog_consumer *c;
	check(offlog_consumer_open(&c, env, GROUP, &o), "consumer open");
	offlog_topic_partition tps[PARTITIONS];
	for (int p = 0; p < PARTITIONS; p++)
		tps[p] = (offlog_topic_partition){TOPIC, p};
	check(offlog_consumer_assign(c, tps, PARTITIONS), "assign");
	return c;
}

/* Poll until `want` records were returned or nothing more is readable. */
static int consume(offlog_consumer *c, int want)
{
	int got = 0;
	while (got < want) {
		const offlog_record *recs;
		size_t n;
		check(offlog_consumer_poll(&recs, &n, c, 100), "poll");
		if (n == 0)
			break;
		got += (int)n;   /* processing would happen here */
	}
	return got;
}

/* Per partition: committed offset, log end offset, lag (as kafka-consumer-groups). */
static void print_table(offlog_env *env, offlog_consumer *c)
{
	printf("%-10s %9s %16s %14s %5s\n", "TOPIC", "PARTITION", "COMMITTED-OFFSET", "LOG-END-OFFSET",
	       "LAG");
	for (int p = 0; p < PARTITIONS; p++) {
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		int64_t leo, lag;
		check(offlog_consumer_committed(&cm, c, TOPIC, p), "committed");
		check(offlog_watermarks_get(NULL, NULL, &leo, env, TOPIC, p), "watermarks");
		check(offlog_consumer_lag(&lag, NULL, c, TOPIC, p), "lag");
		if (cm.offset == OFFLOG_OFFSET_INVALID)
			printf("%-10s %9d %16s %14lld %5s\n", TOPIC, p, "-", (long long)leo, "-");
		else
			printf("%-10s %9d %16lld %14lld %5lld\n", TOPIC, p, (long long)cm.offset,
			       (long long)leo, (long long)lag);
	}
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "offlog-data";
	offlog_env *env;
	check(offlog_open(&env, dir, NULL), "open");
	int rc = offlog_topic_create(env, TOPIC, PARTITIONS, NULL);
	if (rc != OFFLOG_EEXIST)
		check(rc, "create topic");
	produce(env, 1200);

	offlog_consumer *c = open_consumer(env);
	int first = consume(c, 500);
	check(offlog_consumer_commit(c), "commit");   /* processed, then commit: at-least-once */
	printf("consumed %d records and committed\n", first);
	check(offlog_consumer_close(c), "consumer close");
	check(offlog_close(env), "close");

	/* A restart: everything reopened from disk. */
	check(offlog_open(&env, dir, NULL), "reopen");
	c = open_consumer(env);
	int exact = 1;
	for (int p = 0; p < PARTITIONS; p++) {
		offlog_committed cm = OFFLOG_COMMITTED_INIT;
		int64_t pos;
		check(offlog_consumer_committed(&cm, c, TOPIC, p), "committed");
		check(offlog_consumer_position(&pos, c, TOPIC, p), "position");
		if (cm.offset != OFFLOG_OFFSET_INVALID && pos != cm.offset)
			exact = 0;
	}
	printf("restarted: resumes at the committed offsets: %s\n\n", exact ? "yes" : "NO");
	print_table(env, c);
	int rest = consume(c, 1 << 30);
	check(offlog_consumer_commit(c), "commit");
	int64_t total = 0;
	for (int p = 0; p < PARTITIONS; p++) {
		int64_t lag;
		check(offlog_consumer_lag(&lag, NULL, c, TOPIC, p), "lag");
		total += lag;
	}
	printf("\nconsumed the remaining %d records and committed: total lag %lld\n", rest,
	       (long long)total);
	check(offlog_consumer_close(c), "consumer close");
	check(offlog_close(env), "close");
	return exact ? 0 : 1;
}

/*
 * event_loop.c - a producer and a consumer driven by one poll(2) loop on
 * their descriptors, as an event loop (asyncio, libuv, epoll) drives them:
 * nothing blocks, every callback runs on this one thread.
 *
 *   cc event_loop.c $(pkg-config --cflags --libs offlog) -o event_loop
 *   ./event_loop [STORE_DIR]          (default: ./offlog-events)
 *
 * The producer serves its delivery reports on the loop's thread
 * (OFFLOG_DELIVERY_POLL): its descriptor is readable while reports wait.
 * The consumer's descriptor is readable when records may have arrived.
 * A SIGINT (Ctrl-C) wakes the consumer from its handler and ends the loop.
 */
#include <offlog.h>

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "events"
#define RECORDS 1000

static offlog_consumer *consumer;
static volatile sig_atomic_t stopping;

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "%s: %s (%s)\n", what, offlog_strerror(rc), offlog_errmsg());
		exit(1);
	}
}

static void on_interrupt(int sig)
{
	(void)sig;
	stopping = 1;
	offlog_consumer_wakeup(consumer);   /* async-signal-safe */
}

/* Runs on the loop's thread, inside offlog_producer_poll(). */
static void delivered(void *opaque, const offlog_delivery *d)
{
	long *acked = opaque;
	if (d->err)
		fprintf(stderr, "record not written: %s\n", d->errmsg);
	else
		(*acked)++;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "./offlog-events";
	offlog_env *env;
	check(offlog_open(&env, dir, NULL), "open");
	int rc = offlog_topic_create(env, TOPIC, 1, NULL);
	if (rc != OFFLOG_EEXIST)
		check(rc, "create topic");

	long acked = 0, consumed = 0;
	offlog_producer_options po = OFFLOG_PRODUCER_OPTIONS_INIT;
	po.delivery_mode = OFFLOG_DELIVERY_POLL;
	po.on_delivery = delivered;
	po.opaque = &acked;
	offlog_producer *p;
	check(offlog_producer_open(&p, env, &po), "producer");

	offlog_consumer_options co = OFFLOG_CONSUMER_OPTIONS_INIT;
	co.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	check(offlog_consumer_open(&consumer, env, NULL, &co), "consumer");
	offlog_topic_partition tp = {TOPIC, 0};
	check(offlog_consumer_assign(consumer, &tp, 1), "assign");
	int64_t end;
	check(offlog_watermarks_get(NULL, &end, NULL, env, TOPIC, 0), "watermarks");
	check(offlog_consumer_seek(consumer, TOPIC, 0, end), "seek");
	signal(SIGINT, on_interrupt);

	struct pollfd fds[2] = {{-1, POLLIN, 0}, {-1, POLLIN, 0}};
	check(offlog_producer_fd(&fds[0].fd, p), "producer fd");
	check(offlog_consumer_fd(&fds[1].fd, consumer), "consumer fd");

	long sent = 0;
	while (!stopping && (acked < RECORDS || consumed < RECORDS)) {
		/* Send a few records per turn, as events of the program would. */
		for (int i = 0; i < 100 && sent < RECORDS; i++, sent++) {
			char v[32];
			int n = snprintf(v, sizeof v, "event %ld", sent);
			offlog_message m = {NULL, 0, v, (size_t)n, OFFLOG_TIMESTAMP_NOW, NULL, 0};
			check(offlog_producer_send(p, TOPIC, 0, &m, NULL), "send");
		}
		if (poll(fds, 2, 1000) < 0)
			continue;   /* EINTR: the handler ran */
		if (fds[0].revents & POLLIN)
			check(offlog_producer_poll(NULL, p, 0), "producer poll");
		if (fds[1].revents & POLLIN) {
			const offlog_record *recs;
			size_t n;
			do {
				rc = offlog_consumer_poll(&recs, &n, consumer, 0);
				if (rc == OFFLOG_EWAKEUP)
					break;
				check(rc, "consumer poll");
				consumed += (long)n;
			} while (n > 0);
		}
	}
	check(offlog_producer_close(p, 0), "producer close");
	check(offlog_consumer_close(consumer), "consumer close");
	check(offlog_close(env), "close");
	printf("sent %ld, acknowledged %ld, consumed %ld%s\n", sent, acked, consumed,
	       stopping ? " (interrupted)" : "");
	return acked == sent && (stopping || consumed == RECORDS) ? 0 : 1;
}

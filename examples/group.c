/*
 * group.c - worker processes sharing a topic's partitions as one consumer
 * group.
 *
 *   cc group.c $(pkg-config --cflags --libs offlog) -o group
 *   ./group [STORE_DIR]          (default: ./offlog-group-data)
 *
 * The parent appends 600 jobs to a 6-partition topic, then starts 3 worker
 * processes. Each opens the store itself and subscribes to the topic in
 * group "workers" with the cooperative-sticky assignor: as they join, the
 * partitions are spread out, 2 to each in the end, and only those that move
 * are taken from their owner, as the callbacks print. Workers commit after
 * each batch without waiting, and synchronously when a partition is taken
 * from them, so that, short of a crash, a job is done once. When the
 * group's lag is 0 the parent prints the group as offlog_group_describe()
 * sees it and tells the workers to stop (by closing a pipe); as each
 * leaves, the others take over its partitions. Run it again: the group
 * reads only the 600 new jobs.
 */
#include <offlog.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TOPIC "jobs"
#define GROUP "workers"
#define PARTITIONS 6
#define JOBS 600
#define WORKERS 3
#define DEADLINE_SEC 20   /* give up (and fail) if the group is not done by then */

static void check(int rc, const char *what)
{
	if (rc != 0) {
		fprintf(stderr, "[%d] %s: %s (%s)\n", (int)getpid(), what, offlog_strerror(rc),
		        offlog_errmsg());
		exit(1);
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* ---- a worker ----------------------------------------------------------- */

struct worker {
	int id;
	long processed;
	int dirty;      /* positions moved (or a commit failed) since the last commit */
	int err;        /* the first error met in a callback */
};

static void print_partitions(const struct worker *w, const char *what,
                             const offlog_topic_partition *tps, size_t n)
{
	printf("worker %d: %s", w->id, what);
	for (size_t i = 0; i < n; i++)
		printf(" %s/%d", tps[i].topic, tps[i].partition);
	printf("\n");
}

/* The rebalance callbacks run on the worker's thread, inside its poll. */
static void on_assigned(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                        size_t n)
{
	(void)c;
	print_partitions(opaque, "assigned", tps, n);
}

static void on_revoked(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                       size_t n)
{
	struct worker *w = opaque;
	print_partitions(w, "revoked ", tps, n);
	/* Hand over without duplicates: commit what was processed before the
	 * next owner starts from the committed offset. */
	int rc = offlog_consumer_commit(c);
	if (rc != 0 && !w->err)
		w->err = rc;
}

static void on_lost(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                    size_t n)
{
	(void)c;
	/* Removed from the group (it did not heartbeat or poll in time): others
	 * own these now and its commits are fenced. Nothing to do but go on. */
	print_partitions(opaque, "lost    ", tps, n);
}

/* Completion of offlog_consumer_commit_async(), inside a later poll. */
static void on_committed(void *opaque, int err, const char *errmsg,
                         const offlog_partition_offset *offsets, size_t n)
{
	struct worker *w = opaque;
	(void)errmsg;
	(void)offsets;
	(void)n;
	if (err == OFFLOG_EFENCED) {
		/* A partition moved to another member before the commit was
		 * written; the on_revoked commit covered it. Commit again. */
		w->dirty = 1;
	} else if (err != 0 && !w->err) {
		w->err = err;
	}
}

static int stop_requested(int fd)
{
	char b;
	ssize_t r = read(fd, &b, 1);
	if (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		perror("read");
		exit(1);
	}
	return r == 0; /* end of file: the parent closed its end */
}

static int run_worker(const char *dir, int id, int stop_fd)
{
	struct worker w = {id, 0, 0, 0};
	offlog_env *env;
	offlog_consumer *c;
	check(offlog_open(&env, dir, NULL), "open");   /* after the fork: its own handle */

	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = 0;        /* committed below, after processing */
	o.max_poll_records = 10;
	o.assignor = OFFLOG_ASSIGNOR_COOPERATIVE_STICKY;
	o.session_timeout_ms = 10000;    /* a killed worker's partitions move after 10 s */
	o.heartbeat_interval_ms = 1000;
	o.on_assigned = on_assigned;
	o.on_revoked = on_revoked;
	o.on_lost = on_lost;
	o.rebalance_opaque = &w;
	check(offlog_consumer_open(&c, env, GROUP, &o), "consumer open");
	const char *topics[] = {TOPIC};
	check(offlog_consumer_subscribe(c, topics, 1), "subscribe");

	while (!stop_requested(stop_fd)) {
		const offlog_record *recs;
		size_t n;
		/* Also where this member joins rebalances and the callbacks run;
		 * woken at once by appends and group changes of any process. */
		check(offlog_consumer_poll(&recs, &n, c, 100), "poll");
		for (size_t i = 0; i < n; i++) {
			sleep_ms(1);                  /* the job */
			w.processed++;
		}
		if (n > 0)
			w.dirty = 1;
		if (w.dirty) {
			w.dirty = 0;
			check(offlog_consumer_commit_async(c, on_committed, &w), "commit async");
		}
		check(w.err, "commit");
	}
	const char *member;
	int64_t generation;
	check(offlog_consumer_member(&member, &generation, c), "member");
	printf("worker %d: processed %ld jobs; member %s, generation %lld\n", id, w.processed,
	       member, (long long)generation);
	/* Waits for the asynchronous commits, revokes, leaves the group. */
	check(offlog_consumer_close(c), "consumer close");
	check(w.err, "commit");
	check(offlog_close(env), "close");
	return 0;
}

/* ---- the parent --------------------------------------------------------- */

static const char *assignor_name(int a)
{
	return a == OFFLOG_ASSIGNOR_RANGE        ? "range"
	       : a == OFFLOG_ASSIGNOR_ROUNDROBIN ? "roundrobin"
	                                         : "cooperative-sticky";
}

/* Like kafka-consumer-groups.sh --describe. */
static void print_group(const offlog_group_description *d)
{
	printf("\ngroup %s: %s, generation %lld, assignor %s, %zu members\n", d->group, d->state,
	       (long long)d->generation, assignor_name(d->assignor), d->member_count);
	for (size_t i = 0; i < d->member_count; i++) {
		const offlog_group_member *m = &d->members[i];
		printf("  member %s (pid %d) owns", m->member_id, (int)m->pid);
		for (size_t j = 0; j < m->owned_count; j++)
			printf(" %s/%d", m->owned[j].topic, m->owned[j].partition);
		printf("\n");
	}
	printf("%-6s %9s %16s %14s %5s  %s\n", "TOPIC", "PARTITION", "COMMITTED-OFFSET",
	       "LOG-END-OFFSET", "LAG", "MEMBER");
	for (size_t i = 0; i < d->partition_count; i++) {
		const offlog_group_partition *p = &d->partitions[i];
		printf("%-6s %9d %16lld %14lld %5lld  %s\n", p->topic, p->partition,
		       (long long)p->committed, (long long)p->log_end_offset, (long long)p->lag,
		       p->member_id ? p->member_id : "-");
	}
}

/* Every partition committed to its end, all workers in, nothing moving. */
static int group_done(const offlog_group_description *d)
{
	if (d->member_count != WORKERS || strcmp(d->state, "Stable") != 0 ||
	    d->partition_count != PARTITIONS)
		return 0;
	for (size_t i = 0; i < d->partition_count; i++)
		if (d->partitions[i].lag != 0)
			return 0;
	return 1;
}

static void produce(const char *dir)
{
	offlog_env *env;
	check(offlog_open(&env, dir, NULL), "open");
	int rc = offlog_topic_create(env, TOPIC, PARTITIONS, NULL);
	if (rc != OFFLOG_EEXIST)
		check(rc, "create topic");
	for (int i = 0; i < JOBS; i++) {
		char key[32], value[32];
		snprintf(key, sizeof key, "customer-%d", i % 50);
		snprintf(value, sizeof value, "job %d", i);
		offlog_message m = {key, strlen(key), value, strlen(value), OFFLOG_TIMESTAMP_NOW, NULL,
		                    0};
		check(offlog_append(NULL, NULL, env, TOPIC, OFFLOG_PARTITION_ANY, &m), "append");
	}
	printf("appended %d jobs to %s (%d partitions)\n", JOBS, TOPIC, PARTITIONS);
	/* Handles do not survive fork(): close before starting the workers. */
	check(offlog_close(env), "close");
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "offlog-group-data";
	int pipefd[2];
	pid_t pids[WORKERS];
	setvbuf(stdout, NULL, _IOLBF, 0);   /* whole lines from every process */
	produce(dir);

	if (pipe(pipefd) != 0 || fcntl(pipefd[0], F_SETFL, O_NONBLOCK) != 0) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < WORKERS; i++) {
		fflush(NULL);
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0) {
			close(pipefd[1]);
			exit(run_worker(dir, i + 1, pipefd[0]));
		}
	}
	close(pipefd[0]);

	offlog_env *env;
	offlog_group_description *d = NULL;
	int done = 0;
	check(offlog_open(&env, dir, NULL), "open");
	for (int waited = 0; !done && waited < DEADLINE_SEC * 1000; waited += 50) {
		offlog_group_description_free(d);
		d = NULL;
		int rc = offlog_group_describe(&d, env, GROUP);
		if (rc != OFFLOG_ENOENT)   /* ENOENT: no worker has joined yet */
			check(rc, "group describe");
		done = d && group_done(d);
		if (!done)
			sleep_ms(50);
	}
	if (done)
		print_group(d);
	else
		fprintf(stderr, "the group did not finish within %d s\n", DEADLINE_SEC);
	offlog_group_description_free(d);

	close(pipefd[1]);   /* the workers stop, commit, leave */
	int ok = done;
	for (int i = 0; i < WORKERS; i++) {
		int st;
		while (waitpid(pids[i], &st, 0) < 0)
			if (errno != EINTR) {
				perror("waitpid");
				return 1;
			}
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			ok = 0;
	}

	check(offlog_group_describe(&d, env, GROUP), "group describe");
	printf("\nafter the workers left: %s, %zu members\n", d->state, d->member_count);
	offlog_group_description_free(d);
	check(offlog_close(env), "close");
	return ok ? 0 : 1;
}

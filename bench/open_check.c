/*
 * open_check.c - what OFFLOG_OPEN_VERIFY costs: opening a store with the
 * structural check, which reads and checks every page of the data file,
 * against reading the same file from start to end with read(2) (the
 * baseline: the check claims to cost about one read of the file) and
 * against a plain open, which checks only the meta pages.
 *
 * The store: 8 partitions of 1 KiB records with keys, made once (untimed),
 * then a tenth of each partition deleted and trimmed, so the free list holds
 * pages too. Every run opens it read-only and closes it; the file is in the
 * page cache (it was just written and is read each run), so the figures are
 * CPU and memory bandwidth, not the disk's.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VALUE_SIZE 1024
#define PARTITIONS 8
#define BATCH 1000
#define QUICK_BYTES (32u << 20)
#define FULL_BYTES (256u << 20)
#define READ_CHUNK (1u << 20)

enum { K_VERIFY, K_READ, K_PLAIN, K__COUNT };

typedef struct check_cell {
	char *dir;
	char data[4200];  /* dir/data.mdb */
	uint64_t file_bytes;
	uint8_t *buf;     /* READ_CHUNK */
} check_cell;

static void make_store(check_cell *c, const payload *p, size_t records)
{
	offlog_env *env = ol_env_create(c->dir, MODE_D0, PARTITIONS);
	offlog_message *m = xcalloc(BATCH, sizeof *m);
	char (*keys)[16] = xcalloc(BATCH, sizeof *keys);
	for (size_t done = 0; done < records; done += BATCH) {
		size_t n = records - done < BATCH ? records - done : BATCH;
		for (size_t i = 0; i < n; i++) {
			int kl = snprintf(keys[i], sizeof keys[i], "key-%zu", (done + i) % 5000);
			m[i] = (offlog_message){keys[i], (size_t)kl, payload_value(p, done + i, VALUE_SIZE),
			                        VALUE_SIZE, OFFLOG_TIMESTAMP_NOW, NULL, 0};
		}
		ol_check(offlog_append_batch(NULL, NULL, env, BENCH_TOPIC,
		                             (int32_t)((done / BATCH) % PARTITIONS), m, n),
		         "offlog_append_batch");
	}
	ol_check(offlog_flush(env), "offlog_flush");
	for (int32_t part = 0; part < PARTITIONS; part++)
		ol_check(offlog_delete_records(NULL, env, BENCH_TOPIC, part,
		                               ol_log_end(env, part) / 10),
		         "offlog_delete_records");
	ol_check(offlog_maintain(env, 0, NULL), "offlog_maintain");
	ol_check(offlog_close(env), "offlog_close");
	free(keys);
	free(m);
}

static double open_close(const check_cell *c, unsigned flags)
{
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = OFFLOG_OPEN_READONLY | flags;
	offlog_env *env;
	double t0 = now_sec();
	ol_check(offlog_open(&env, c->dir, &o), "offlog_open");
	ol_check(offlog_close(env), "offlog_close");
	return now_sec() - t0;
}

static volatile uint64_t read_sink;   /* the bytes read are used, as the check uses them */

static double read_file(check_cell *c)
{
	double t0 = now_sec();
	int fd = open(c->data, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open_check: %s: %s", c->data, strerror(errno));
	uint64_t total = 0, sum = 0;
	ssize_t n;
	while ((n = read(fd, c->buf, READ_CHUNK)) > 0) {
		total += (uint64_t)n;
		sum += c->buf[0];
	}
	close(fd);
	if (n < 0 || total != c->file_bytes)
		die("open_check: read %llu of %llu bytes", (unsigned long long)total,
		    (unsigned long long)c->file_bytes);
	read_sink = sum;
	return now_sec() - t0;
}

static double check_run(size_t k, size_t round, void *arg)
{
	(void)round;
	check_cell *c = arg;
	if (k == K_VERIFY)
		return open_close(c, OFFLOG_OPEN_VERIFY);
	if (k == K_PLAIN)
		return open_close(c, 0);
	return read_file(c);
}

void run_open_check(const bench_ctx *b)
{
	check_cell c;
	memset(&c, 0, sizeof c);
	size_t bytes = b->quick ? QUICK_BYTES : FULL_BYTES;
	size_t records = bytes / VALUE_SIZE;
	c.dir = tmpdir_create("open-check");
	snprintf(c.data, sizeof c.data, "%s/data.mdb", c.dir);
	c.buf = xcalloc(1, READ_CHUNK);
	make_store(&c, b->p, records);
	struct stat st;
	if (stat(c.data, &st) != 0)
		die("open_check: %s: %s", c.data, strerror(errno));
	c.file_bytes = (uint64_t)st.st_size;
	printf("\nOpen check: OFFLOG_OPEN_VERIFY on a store of %zu records of 1KiB in %d partitions "
	       "(data file %.0f MiB, in the page cache),\n   against reading the file with read(2) "
	       "and a plain open (meta pages only)\n",
	       records, PARTITIONS, (double)c.file_bytes / (1 << 20));
	fflush(stdout);
	double t[TURNS_MAX][BENCH_MAX_RUNS];
	read_file(&c);   /* into the page cache */
	take_turns(t, K__COUNT, b->runs, check_run, &c);
	double med[K__COUNT];
	for (size_t k = 0; k < K__COUNT; k++)
		med[k] = median(t[k], b->runs);
	double ratio = median_ratio(t[K_VERIFY], t[K_READ], b->runs);
	double mib = (double)c.file_bytes / (1 << 20);
	char variant[64];
	snprintf(variant, sizeof variant, "open-verify/%.0fMiB", mib);
	printf("%-30s verify %.3f s (%.0f MiB/s)  read(2) %.3f s (%.0f MiB/s)  plain open %.4f s  "
	       "verify/read %.2f\n",
	       variant, med[K_VERIFY], mib / med[K_VERIFY], med[K_READ], mib / med[K_READ],
	       med[K_PLAIN], ratio);
	fflush(stdout);
	csv_add("open", variant, "offlog-verify", med[K_VERIFY], "s", NAN);
	csv_add("open", variant, "read-file", med[K_READ], "s", ratio);
	csv_add("open", variant, "offlog-plain-open", med[K_PLAIN], "s",
	        median_ratio(t[K_VERIFY], t[K_PLAIN], b->runs));
	free(c.buf);
	tmpdir_remove(c.dir);
}

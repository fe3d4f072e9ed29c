/* helpers.c - fixtures and helpers shared by the tests. */
#define _XOPEN_SOURCE 700
#include "helpers.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

char *temp_dir(void)
{
	const char *base = getenv("TMPDIR");
	char tmpl[512];
	snprintf(tmpl, sizeof tmpl, "%s/offlog-test-XXXXXX", base && *base ? base : "/tmp");
	char *d = mkdtemp(tmpl);
	if (!d)
		fail_msg("mkdtemp failed");
	return strdup(d);
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void rm_rf(const char *path)
{
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fx_setup_opts(void **state, const offlog_options *opts)
{
	fx *f = calloc(1, sizeof *f);
	char *d = temp_dir();
	snprintf(f->dir, sizeof f->dir, "%s", d);
	free(d);
	snprintf(f->path, sizeof f->path, "%s/store", f->dir);
	int rc = offlog_open(&f->env, f->path, opts);
	if (rc) {
		fprintf(stderr, "offlog_open: %s: %s\n", offlog_errname(rc), offlog_errmsg());
		return -1;
	}
	*state = f;
	return 0;
}

int fx_setup(void **state)
{
	return fx_setup_opts(state, NULL);
}

int fx_teardown(void **state)
{
	fx *f = *state;
	if (!f)
		return 0;
	if (f->env)
		assert_ok(offlog_close(f->env));
	rm_rf(f->dir);
	free(f);
	return 0;
}

void fx_reopen(fx *f, const offlog_options *opts)
{
	assert_ok(offlog_close(f->env));
	f->env = NULL;
	assert_ok(offlog_open(&f->env, f->path, opts));
}

int64_t append_str(offlog_env *env, const char *topic, int32_t partition, const char *key,
                   const char *value)
{
	offlog_message m = {key, key ? strlen(key) : 0, value, value ? strlen(value) : 0,
	                    OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int64_t off = -1;
	assert_ok(offlog_append(&off, NULL, env, topic, partition, &m));
	return off;
}

void append_n(offlog_env *env, const char *topic, int32_t partition, int n)
{
	for (int i = 0; i < n; i++) {
		char v[32];
		snprintf(v, sizeof v, "v%d", i);
		append_str(env, topic, partition, NULL, v);
	}
}

uint64_t store_digest(const char *store_path)
{
	char p[700];
	snprintf(p, sizeof p, "%s/data.mdb", store_path);
	FILE *fp = fopen(p, "rb");
	if (!fp)
		return 0;
	uint64_t h = 1469598103934665603ull;
	int c;
	while ((c = getc(fp)) != EOF) {
		h ^= (uint64_t)c;
		h *= 1099511628211ull;
	}
	fclose(fp);
	return h;
}

offlog_consumer *consumer_on(offlog_env *env, const char *group, int reset, const char *topic,
                             int32_t partition)
{
	offlog_consumer_options o;
	offlog_consumer *c = NULL;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = reset;
	o.enable_auto_commit = 0;
	assert_ok(offlog_consumer_open(&c, env, group, &o));
	offlog_topic_partition tp = {topic, partition};
	assert_ok(offlog_consumer_assign(c, &tp, 1));
	return c;
}

int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void create_topic(offlog_env *env, const char *name, int32_t partitions)
{
	assert_ok(offlog_topic_create(env, name, partitions, NULL));
}

size_t poll_n(offlog_consumer *c, size_t n, int64_t *offs, int timeout_ms)
{
	size_t got = 0;
	int64_t deadline = mono_ms() + timeout_ms;
	while (got < n && mono_ms() < deadline) {
		const offlog_record *r;
		size_t k;
		assert_ok(offlog_consumer_poll(&r, &k, c, 50));
		for (size_t i = 0; i < k && got < n; i++, got++)
			if (offs)
				offs[got] = r[i].offset;
	}
	return got;
}

int64_t position_of(offlog_consumer *c, const char *topic, int32_t partition)
{
	int64_t off = -12345;
	assert_ok(offlog_consumer_position(&off, c, topic, partition));
	return off;
}

int64_t committed_of(offlog_env *env, const char *group, const char *topic, int32_t partition)
{
	offlog_committed cm = OFFLOG_COMMITTED_INIT;
	assert_ok(offlog_group_committed(&cm, env, group, topic, partition));
	return cm.offset;
}

int64_t leo_of(offlog_env *env, const char *topic, int32_t partition)
{
	int64_t leo;
	assert_ok(offlog_watermarks_get(NULL, NULL, &leo, env, topic, partition));
	return leo;
}

void commit_one(offlog_consumer *c, const char *topic, int32_t partition, int64_t offset)
{
	offlog_partition_offset e = {topic, partition, offset, NULL, 0};
	assert_ok(offlog_consumer_commit_offsets(c, &e, 1));
}

int64_t append_ts(offlog_env *env, const char *topic, int32_t partition, const char *key,
                  const char *value, int64_t timestamp)
{
	offlog_message m = {key, key ? strlen(key) : 0, value, value ? strlen(value) : 0, timestamp,
	                    NULL, 0};
	int64_t off = -1;
	assert_ok(offlog_append(&off, NULL, env, topic, partition, &m));
	return off;
}

offlog_partition_info part_info(offlog_env *env, const char *topic, int32_t partition)
{
	offlog_topic_info *info;
	assert_ok(offlog_topic_describe(&info, env, topic));
	assert_true(partition >= 0 && partition < info->partition_count);
	offlog_partition_info pi = info->partitions[partition];
	offlog_topic_info_free(info);
	return pi;
}

int64_t log_start_of(offlog_env *env, const char *topic, int32_t partition)
{
	int64_t ls;
	assert_ok(offlog_watermarks_get(&ls, NULL, NULL, env, topic, partition));
	return ls;
}

uint64_t prng_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

uint32_t prng_below(uint64_t *x, uint32_t n)
{
	return n ? (uint32_t)(prng_next(x) % n) : 0;
}

uint64_t fnv64(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* support.c - errors, temporary directories, record values, threads and the
 * resident set size. */
#include "bench.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void die(const char *fmt, ...)
{
	va_list ap;
	fflush(stdout);
	fputs("offlog-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);
	if (!p)
		die("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

/* ---- temporary directories ----------------------------------------------
 * Every store of every run gets its own directory under one base, so all
 * systems write to the same file system. The live ones are remembered so
 * that a run aborted by die() still leaves nothing behind. */

#define MAX_LIVE_DIRS 16

static char *live_dirs[MAX_LIVE_DIRS];

const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t ? t : "/tmp";
}

char *tmpdir_create(const char *tag)
{
	char tmpl[4096];
	int n = snprintf(tmpl, sizeof tmpl, "%s/offlog-bench-%s-XXXXXX", tmp_base(), tag);
	if (n < 0 || (size_t)n >= sizeof tmpl)
		die("temporary directory name too long under %s", tmp_base());
	if (!mkdtemp(tmpl))
		die("cannot create a directory under %s: %s", tmp_base(), strerror(errno));
	for (size_t i = 0; i < MAX_LIVE_DIRS; i++)
		if (!live_dirs[i]) {
			live_dirs[i] = strdup(tmpl);
			if (!live_dirs[i])
				die("out of memory");
			return live_dirs[i];
		}
	die("more than %d temporary directories at once", MAX_LIVE_DIRS);
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "offlog-bench: cannot remove %s: %s\n", path, strerror(errno));
	return 0;
}

void tmpdir_remove(char *dir)
{
	if (!dir)
		return;
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "offlog-bench: cannot remove %s: %s\n", dir, strerror(errno));
	for (size_t i = 0; i < MAX_LIVE_DIRS; i++)
		if (live_dirs[i] == dir)
			live_dirs[i] = NULL;
	free(dir);
}

void tmpdir_remove_all(void)
{
	for (size_t i = 0; i < MAX_LIVE_DIRS; i++)
		if (live_dirs[i])
			tmpdir_remove(live_dirs[i]);
}

/* ---- values ------------------------------------------------------------- */

/* xorshift64: random enough that no store could compress or deduplicate
 * values, and the same bytes on every run. */
void payload_init(payload *p, size_t size)
{
	uint64_t x = 0x9e3779b97f4a7c15u;
	p->pool = xcalloc(size, 1);
	p->size = size;
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p->pool[i] = (uint8_t)(x >> 56);
	}
}

void payload_free(payload *p)
{
	free(p->pool);
	p->pool = NULL;
	p->size = 0;
}

const char *mode_name(int mode)
{
	static const char *const names[MODE__COUNT] = {"D2", "D1", "D0"};
	return mode >= 0 && mode < MODE__COUNT ? names[mode] : "D?";
}

void size_name(char *buf, size_t cap, size_t bytes)
{
	if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, cap, "%zuKiB", bytes / 1024);
	else
		snprintf(buf, cap, "%zuB", bytes);
}

/* ---- threads and memory ------------------------------------------------- */

void thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	int rc = pthread_create(thread, NULL, fn, arg);
	if (rc != 0)
		die("pthread_create: %s", strerror(rc));
}

void thread_join(pthread_t thread)
{
	int rc = pthread_join(thread, NULL);
	if (rc != 0)
		die("pthread_join: %s", strerror(rc));
}

void rss_get(uint64_t *resident, uint64_t *file_backed)
{
	unsigned long long size, res, shared;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		die("cannot open /proc/self/statm: %s", strerror(errno));
	int n = fscanf(f, "%llu %llu %llu", &size, &res, &shared);
	if (fclose(f) != 0 || n != 3 || page <= 0)
		die("cannot read /proc/self/statm");
	*resident = (uint64_t)res * (uint64_t)page;
	*file_backed = (uint64_t)shared * (uint64_t)page;
}

/* test_oom.c - every allocation of an operation fails in turn.
 *
 * The test binary defines malloc, calloc, realloc, free and the aligned
 * allocators, forwarding to glibc's __libc_* functions; the dynamic linker
 * binds the library's, LMDB's and libc's own calls to these. While armed, the
 * Nth allocation fails with ENOMEM: only that one, or that one and all after
 * it. Each operation is run with N = 1, 2, 3, ... until it runs without an
 * injected failure. At every N the call must return 0 or a documented code,
 * never crash or hang; afterwards the store must reopen with every
 * acknowledged record, the operation done completely or not at all, and no
 * memory left allocated once its handles are closed (counted here by the
 * wrappers). To confirm with valgrind, which otherwise replaces these
 * wrappers too:
 *   OFFLOG_OOM_FORCE=1 valgrind --soname-synonyms=somalloc=nouserintercepts \
 *     --leak-check=full build/tests/test_oom
 * (the wrappers then forward to valgrind's __libc_* replacements).
 *
 * Sanitizers own malloc, and so does valgrind by default: the file is skipped
 * under them (OFFLOG_OOM_FORCE=1 lifts the valgrind skip). Debugging aids:
 * OFFLOG_OOM_MODE=once|all runs one mode; OFFLOG_OOM_VERBOSE=1 prints the
 * allocations per operation and where a tolerated failure happened
 * (with OFFLOG_OOM_WHERE=1 also where every failing call's failure was). */
#define _GNU_SOURCE
#include "helpers.h"

#include <errno.h>
#include <execinfo.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OOM_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define OOM_SANITIZER 1
#endif
#endif
#ifndef OOM_SANITIZER
#define OOM_SANITIZER 0
#endif

/* ---- the allocator ------------------------------------------------------ */

static bool verbose;       /* OFFLOG_OOM_VERBOSE: allocations per operation */
static atomic_bool armed;
static atomic_long seen;      /* allocations since arm() */
static atomic_long injected;  /* failures since arm() */
static atomic_long live;      /* blocks allocated and not yet freed, whole process */
static long fail_at;
static bool fail_once;

#if !OOM_SANITIZER
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);
extern void __libc_free(void *p);

static void *where[16];   /* OFFLOG_OOM_VERBOSE: the stack of the first injected failure */
static int nwhere;

static bool fail_now(void)
{
	if (!atomic_load_explicit(&armed, memory_order_relaxed))
		return false;
	long n = atomic_fetch_add(&seen, 1) + 1;
	if (n == fail_at || (!fail_once && n > fail_at)) {
		if (atomic_fetch_add(&injected, 1) == 0 && verbose)
			nwhere = backtrace(where, 16);
		errno = ENOMEM;
		return true;
	}
	return false;
}

static void *counted(void *p)
{
	if (p)
		atomic_fetch_add_explicit(&live, 1, memory_order_relaxed);
	return p;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : counted(__libc_malloc(n));
}

void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : counted(__libc_calloc(n, size));
}

void free(void *p)
{
	if (p) {
		atomic_fetch_sub_explicit(&live, 1, memory_order_relaxed);
		__libc_free(p);
	}
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (n == 0) {
		free(p);
		return NULL;
	}
	return fail_now() ? NULL : __libc_realloc(p, n);
}

void *memalign(size_t align, size_t n)
{
	return fail_now() ? NULL : counted(__libc_memalign(align, n));
}

void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}

int posix_memalign(void **out, size_t align, size_t n)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	if (fail_now())
		return ENOMEM;
	void *p = counted(__libc_memalign(align, n));
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}
#endif

static void arm(long n, bool once)
{
	atomic_store(&seen, 0);
	atomic_store(&injected, 0);
	fail_at = n;
	fail_once = once;
	atomic_store(&armed, true);
}

static void disarm(void)
{
	atomic_store(&armed, false);
}

/* ---- bookkeeping -------------------------------------------------------- */

/* What is being tried, for the watchdog's message. */
static const char *volatile cur_op = "";
static volatile long cur_n;
static volatile int cur_once;
static long points;        /* injection points exercised, all operations */
static long codes[40];     /* how often each code came back from a failed call */
static long successes;     /* calls that succeeded although an allocation failed */

static void watchdog(int sig)
{
	(void)sig;
	char msg[256];
	int len = snprintf(msg, sizeof msg, "\ntest_oom: HANG: %s with allocation %ld failing (%s)\n",
	                   cur_op, cur_n, cur_once ? "only that one" : "and all after it");
	if (len > 0)
		(void)!write(2, msg, (size_t)len);
	_exit(98);
}

/* ---- the store ---------------------------------------------------------- */

#define MAXACK 4096

typedef struct ack {
	char topic[16];
	int32_t partition;
	int64_t offset;
	char value[48];
} ack;

typedef struct ctx {
	char dir[512];
	char path[600];
	offlog_env *env;
	int64_t t_leo;       /* acknowledged log end of t/0: every record there is "v<offset>" */
	int iter;            /* a new name per iteration */
	size_t nack;
	ack acks[MAXACK];    /* acknowledged records elsewhere (producer, compaction) */
	/* per operation */
	offlog_consumer *c;
	offlog_producer *p;
	offlog_batch *b;
	int64_t before, before2;
	char name[64];
	char errmsg[512];
	char other[700];
	void *out;
	size_t nout;
	int sent;
	bool bad_report;
	atomic_int reports, delivered;
} ctx;

static void add_ack(ctx *x, const char *topic, int32_t partition, int64_t offset, const char *value)
{
	assert_true(x->nack < MAXACK);
	ack *a = &x->acks[x->nack++];
	snprintf(a->topic, sizeof a->topic, "%s", topic);
	a->partition = partition;
	a->offset = offset;
	snprintf(a->value, sizeof a->value, "%s", value);
}

static void open_env(ctx *x)
{
	assert_ok(offlog_open(&x->env, x->path, NULL));
}

static void close_env(ctx *x)
{
	assert_ok(offlog_close(x->env));
	x->env = NULL;
}

static int64_t leo_t(offlog_env *env)
{
	return leo_of(env, "t", 0);
}

/* Partition t/0 holds exactly "v0".."v<leo-1>" at their offsets. */
static void check_t(offlog_env *env, int64_t leo)
{
	int64_t ls, hw, end;
	assert_ok(offlog_watermarks_get(&ls, &hw, &end, env, "t", 0));
	assert_int_equal(ls, 0);
	assert_int_equal(hw, end);
	assert_int_equal(end, leo);
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int64_t next;
	assert_ok(offlog_fetch(&b, env, "t", 0, 0, 100000, 1u << 30));
	assert_ok(offlog_batch_records(&r, &n, &next, b));
	assert_int_equal((int64_t)n, leo);
	for (size_t i = 0; i < n; i++) {
		char want[24];
		snprintf(want, sizeof want, "v%zu", i);
		assert_int_equal(r[i].offset, (int64_t)i);
		assert_int_equal(r[i].value_len, strlen(want));
		assert_memory_equal(r[i].value, want, strlen(want));
	}
	offlog_batch_free(b);
	offlog_partition_info pi = part_info(env, "t", 0);
	assert_int_equal(pi.records, leo);
}

/* The acknowledged record is readable at its offset. */
static void check_ack(offlog_env *env, const ack *a)
{
	offlog_batch *b = NULL;
	const offlog_record *r;
	size_t n;
	int rc = offlog_fetch(&b, env, a->topic, a->partition, a->offset, 1, 0);
	if (rc)
		fail_msg("acknowledged %s/%d@%lld: %s", a->topic, (int)a->partition,
		         (long long)a->offset, offlog_errname(rc));
	assert_ok(offlog_batch_records(&r, &n, NULL, b));
	if (n != 1 || r[0].offset != a->offset || r[0].value_len != strlen(a->value) ||
	    memcmp(r[0].value, a->value, r[0].value_len) != 0)
		fail_msg("acknowledged %s/%d@%lld (%s) is gone", a->topic, (int)a->partition,
		         (long long)a->offset, a->value);
	offlog_batch_free(b);
}

/* Every partition of every topic: watermarks in order, the readable records
 * as many as the store counts (SYNC: high watermark = log end). */
static void check_topics(offlog_env *env)
{
	char **names;
	size_t n;
	assert_ok(offlog_topic_list(&names, &n, env));
	for (size_t i = 0; i < n; i++) {
		offlog_topic_info *ti;
		assert_ok(offlog_topic_describe(&ti, env, names[i]));
		for (int32_t p = 0; p < ti->partition_count; p++) {
			const offlog_partition_info *pi = &ti->partitions[p];
			assert_true(pi->log_start <= pi->high_watermark);
			assert_int_equal(pi->high_watermark, pi->log_end);
			offlog_batch *b = NULL;
			const offlog_record *r;
			size_t k;
			int64_t at = pi->log_start, count = 0, last = -1;
			while (at < pi->log_end) {
				int64_t next;
				assert_ok(offlog_fetch(&b, env, names[i], p, at, 1000, 0));
				assert_ok(offlog_batch_records(&r, &k, &next, b));
				for (size_t j = 0; j < k; j++) {
					assert_true(r[j].offset > last);
					last = r[j].offset;
				}
				count += (int64_t)k;
				if (k == 0 || next <= at)
					break;
				at = next;
			}
			offlog_batch_free(b);
			if (count != pi->records)
				fail_msg("%s/%d: %lld records readable, the store counts %lld", names[i],
				         (int)p, (long long)count, (long long)pi->records);
		}
		offlog_topic_info_free(ti);
	}
	offlog_names_free(names, n);
}

/* Reopen the store and check everything acknowledged. */
static void check_store(ctx *x)
{
	offlog_env *env;
	assert_ok(offlog_open(&env, x->path, NULL));
	check_t(env, x->t_leo);
	for (size_t i = 0; i < x->nack; i++)
		check_ack(env, &x->acks[i]);
	check_topics(env);
	assert_ok(offlog_close(env));
}

static void append_t(ctx *x, int n)
{
	for (int i = 0; i < n; i++) {
		char v[24];
		snprintf(v, sizeof v, "v%lld", (long long)x->t_leo);
		assert_int_equal(append_str(x->env, "t", 0, NULL, v), x->t_leo);
		x->t_leo++;
	}
}

static int ctx_setup(void **state)
{
	ctx *x = calloc(1, sizeof *x);
	char *d = temp_dir();
	snprintf(x->dir, sizeof x->dir, "%s", d);
	free(d);
	snprintf(x->path, sizeof x->path, "%s/store", x->dir);
	open_env(x);
	create_topic(x->env, "t", 1);
	append_t(x, 3);
	offlog_consumer *c = consumer_on(x->env, "g", OFFLOG_RESET_EARLIEST, "t", 0);
	commit_one(c, "t", 0, 1);
	assert_ok(offlog_consumer_close(c));
	close_env(x);
	*state = x;
	return 0;
}

static int ctx_teardown(void **state)
{
	ctx *x = *state;
	if (!x)
		return 0;
	if (x->env)
		offlog_close(x->env);
	rm_rf(x->dir);
	free(x);
	return 0;
}

/* ---- the driver ---------------------------------------------------------- */

/* One operation: before (disarmed, env open) prepares handles, run is the
 * armed call, after (disarmed) checks that it happened completely or not at
 * all and releases what run or before made. opens: run opens x->env itself. */
typedef struct op {
	const char *name;
	void (*before)(ctx *x);
	int (*run)(ctx *x);
	void (*after)(ctx *x, int rc);
	bool opens;
} op;

#define MAX_N 20000

static bool documented(int rc)
{
	return rc <= OFFLOG_EINVAL && rc >= OFFLOG_EPLATFORM;
}

static long one_round(ctx *x, const op *o, long n, bool once, int *rc_out)
{
	cur_op = o->name;
	cur_n = n;
	cur_once = once;
	alarm(20);
	x->iter++;
	if (!o->opens)
		open_env(x);
	if (o->before)
		o->before(x);
	arm(n, once);
	int rc = o->run(x);
	disarm();
	snprintf(x->errmsg, sizeof x->errmsg, "%s", rc ? offlog_errmsg() : "");
	long inj = atomic_load(&injected);
#if !OOM_SANITIZER
	if (verbose && inj && rc && getenv("OFFLOG_OOM_WHERE")) {
		print_message("test_oom: %s -> %s with allocation %ld failing (%s), at:\n", o->name,
		              offlog_errname(rc), n, once ? "once" : "and all after");
		backtrace_symbols_fd(where, nwhere, 1);
	}
#endif
	if (!documented(rc) && rc != 0)
		fail_msg("%s, allocation %ld failing (%s): returned %d, not a documented code", o->name, n,
		         once ? "once" : "and all after", rc);
	if (inj && rc) {
		codes[-rc]++;
	} else if (inj) {
		successes++;
#if !OOM_SANITIZER
		if (verbose) {
			print_message("test_oom: %s succeeded with allocation %ld failing (%s), at:\n", o->name,
			              n, once ? "once" : "and all after");
			backtrace_symbols_fd(where, nwhere, 1);
		}
#endif
	}
	o->after(x, rc);
	if (x->env)
		close_env(x);
	alarm(0);
	*rc_out = rc;
	return inj;
}

/* Run o with every allocation failing in turn, both modes. */
static void sweep(ctx *x, const op *o)
{
	int rc;
	/* Warm up: caches of libc (stdio, thread stacks) are filled once. */
	one_round(x, o, MAX_N * 10, true, &rc);
	assert_ok(rc);
	check_store(x);
	const char *only = getenv("OFFLOG_OOM_MODE");   /* "once" or "all": one mode only */
	for (int mode = 0; mode < 2; mode++) {
		bool once = mode == 1;
		if (only && strcmp(only, once ? "once" : "all") != 0)
			continue;
		long succ0 = successes;
		long n;
		for (n = 1; n <= MAX_N; n++) {
			long live0 = atomic_load(&live);
			long inj = one_round(x, o, n, once, &rc);
			long leaked = atomic_load(&live) - live0;
			if (leaked)
				fail_msg("%s, allocation %ld failing (%s): %ld blocks leaked (%s)", o->name, n,
				         once ? "once" : "and all after", leaked, offlog_errname(rc));
			check_store(x);
			if (!inj) {
				if (rc)
					fail_msg("%s without a failure: %s: %s", o->name, offlog_errname(rc),
					         offlog_errmsg());
				break;
			}
			points++;
		}
		if (n > MAX_N)
			fail_msg("%s: still failing allocations after %d", o->name, MAX_N);
		if (verbose)
			print_message("test_oom: %s (%s): %ld allocations, %ld calls succeeded despite a failure\n",
			              o->name, once ? "once" : "all after", n - 1, successes - succ0);
	}
}

/* Do the wrappers see this binary's allocations? (Valgrind replaces the
 * main program's malloc too unless --soname-synonyms=somalloc=nouserintercepts.) */
static bool injecting(void)
{
	arm(1, true);
	void *volatile p = malloc(16);
	disarm();
	free(p);
	return p == NULL;
}

static bool skipped(void)
{
	static int once = -1;   /* the message once, not per test */
	if (once >= 0)
		return once;
	const char *force = getenv("OFFLOG_OOM_FORCE");
	if (force && strcmp(force, "0") != 0 && !OOM_SANITIZER) {
		if (injecting())
			return (once = 0);
		once = 1;
		print_message("test_oom: skipped: malloc is not this binary's (under valgrind add "
		              "--soname-synonyms=somalloc=nouserintercepts)\n");
		return true;
	}
	once = 1;
	if (OOM_SANITIZER) {
		print_message("test_oom: skipped: a sanitizer owns malloc\n");
		return true;
	}
	const char *pre = getenv("LD_PRELOAD");
	if (pre && strstr(pre, "vgpreload")) {
		print_message("test_oom: skipped under valgrind (OFFLOG_OOM_FORCE=1 to run)\n");
		return true;
	}
	return (once = 0);
}

#define SWEEP(o)                  \
	do {                          \
		if (skipped())            \
			skip();               \
		sweep(*state, &(o));      \
	} while (0)

/* ---- operations ---------------------------------------------------------- */

static void no_before(ctx *x)
{
	(void)x;
}

/* offlog_open of a new store: on failure nothing is left on disk. */
static int run_open_fresh(ctx *x)
{
	snprintf(x->other, sizeof x->other, "%s/fresh%d", x->dir, x->iter);
	return offlog_open(&x->env, x->other, NULL);
}

static void after_open_fresh(ctx *x, int rc)
{
	struct stat st;
	if (rc) {
		assert_null(x->env);
		if (stat(x->other, &st) == 0)
			fail_msg("offlog_open failed (%s) at allocation %ld but left %s behind",
			         offlog_errname(rc), cur_n, x->other);
		return;
	}
	create_topic(x->env, "x", 1);
	close_env(x);
	assert_ok(offlog_open(&x->env, x->other, NULL));
	assert_int_equal(leo_of(x->env, "x", 0), 0);
	close_env(x);
	rm_rf(x->other);
}

static const op OPEN_FRESH = {"offlog_open (new store)", no_before, run_open_fresh,
                              after_open_fresh, true};

static int run_open_existing(ctx *x)
{
	return offlog_open(&x->env, x->path, NULL);
}

static void after_open_existing(ctx *x, int rc)
{
	if (rc) {
		assert_null(x->env);
		return;
	}
	check_t(x->env, x->t_leo);
}

static const op OPEN_EXISTING = {"offlog_open (existing store)", no_before, run_open_existing,
                                 after_open_existing, true};

/* With the background threads of the deferred mode and maintenance. */
static int run_open_threads(ctx *x)
{
	offlog_options o;
	offlog_options_init(&o);
	o.durability = OFFLOG_DURABILITY_NOMETASYNC;
	o.flush_interval_ms = 50;
	o.maintenance_interval_ms = 50;
	return offlog_open(&x->env, x->path, &o);
}

static const op OPEN_THREADS = {"offlog_open (flush and maintenance threads)", no_before,
                                run_open_threads, after_open_existing, true};

static int run_topic_create(ctx *x)
{
	snprintf(x->name, sizeof x->name, "n%d", x->iter);
	return offlog_topic_create(x->env, x->name, 3, NULL);
}

static void after_topic_create(ctx *x, int rc)
{
	offlog_topic_info *ti = NULL;
	int e = offlog_topic_describe(&ti, x->env, x->name);
	if (rc) {
		if (e != OFFLOG_ENOTOPIC)
			fail_msg("topic create failed (%s) but describe gives %s", offlog_errname(rc),
			         offlog_errname(e));
		/* The name is still free. */
		create_topic(x->env, x->name, 3);
		assert_ok(offlog_topic_describe(&ti, x->env, x->name));
	} else {
		assert_ok(e);
	}
	assert_int_equal(ti->partition_count, 3);
	offlog_topic_info_free(ti);
	assert_ok(offlog_topic_delete(x->env, x->name));
}

static const op TOPIC_CREATE = {"offlog_topic_create", no_before, run_topic_create,
                                after_topic_create, false};

static void before_append(ctx *x)
{
	x->before = leo_t(x->env);
	assert_int_equal(x->before, x->t_leo);
}

static int run_append(ctx *x)
{
	char v[24];
	snprintf(v, sizeof v, "v%lld", (long long)x->before);
	offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
	int64_t off = -1;
	int rc = offlog_append(&off, NULL, x->env, "t", 0, &m);
	if (rc == 0 && off != x->before)
		return 1000;   /* not a code: fails the check */
	return rc;
}

/* The log end moved by 0 or k; the records are checked by check_t. */
static void after_append_k(ctx *x, int rc, int k)
{
	int64_t leo = leo_t(x->env);
	if (rc == 0)
		assert_int_equal(leo, x->before + k);
	else if (leo != x->before && leo != x->before + k)
		fail_msg("after a failed append (%s) the log end moved from %lld to %lld",
		         offlog_errname(rc), (long long)x->before, (long long)leo);
	x->t_leo = leo;
	check_t(x->env, leo);
}

static void after_append(ctx *x, int rc)
{
	after_append_k(x, rc, 1);
}

static const op APPEND = {"offlog_append", before_append, run_append, after_append, false};

static int run_append_batch(ctx *x)
{
	char v[3][24];
	offlog_message m[3];
	for (int i = 0; i < 3; i++) {
		snprintf(v[i], sizeof v[i], "v%lld", (long long)x->before + i);
		m[i] = (offlog_message){"k", 1, v[i], strlen(v[i]), OFFLOG_TIMESTAMP_NOW, NULL, 0};
	}
	offlog_header h = {"h", 1, "x", 1};
	m[1].headers = &h;
	m[1].header_count = 1;
	int64_t base = -1;
	int32_t part = -1;
	int rc = offlog_append_batch(&base, &part, x->env, "t", 0, m, 3);
	if (rc == 0 && (base != x->before || part != 0))
		return 1000;
	return rc;
}

static void after_append_batch(ctx *x, int rc)
{
	after_append_k(x, rc, 3);
}

static const op APPEND_BATCH = {"offlog_append_batch", before_append, run_append_batch,
                                after_append_batch, false};

/* A fetch into a new batch, then into the same batch again (it grows). */
static int run_fetch(ctx *x)
{
	int rc = offlog_fetch(&x->b, x->env, "t", 0, 0, 2, 0);
	if (rc == 0)
		rc = offlog_fetch(&x->b, x->env, "t", 0, 1, 100, 0);
	return rc;
}

static void after_fetch(ctx *x, int rc)
{
	if (rc == 0) {
		const offlog_record *r;
		size_t n;
		int64_t next;
		assert_ok(offlog_batch_records(&r, &n, &next, x->b));
		assert_int_equal((int64_t)n, x->t_leo - 1);
		assert_int_equal(next, x->t_leo);
		assert_memory_equal(r[0].value, "v1", 2);
	}
	offlog_batch_free(x->b);
	x->b = NULL;
}

static const op FETCH = {"offlog_fetch", no_before, run_fetch, after_fetch, false};

static int run_topic_describe(ctx *x)
{
	offlog_topic_info *ti = NULL;
	int rc = offlog_topic_describe(&ti, x->env, "t");
	x->out = ti;
	return rc;
}

static void after_topic_describe(ctx *x, int rc)
{
	offlog_topic_info *ti = x->out;
	if (rc == 0) {
		assert_int_equal(ti->partition_count, 1);
		assert_int_equal(ti->partitions[0].log_end, x->t_leo);
	}
	offlog_topic_info_free(ti);
	x->out = NULL;
}

static const op TOPIC_DESCRIBE = {"offlog_topic_describe", no_before, run_topic_describe,
                                  after_topic_describe, false};

static int run_topic_list(ctx *x)
{
	char **names = NULL;
	size_t n = 0;
	int rc = offlog_topic_list(&names, &n, x->env);
	x->out = names;
	x->nout = n;
	return rc;
}

static void after_topic_list(ctx *x, int rc)
{
	if (rc == 0) {
		assert_true(x->nout >= 1);
		assert_string_equal(((char **)x->out)[x->nout - 1], "t");
		offlog_names_free(x->out, x->nout);
	}
	x->out = NULL;
}

static const op TOPIC_LIST = {"offlog_topic_list", no_before, run_topic_list, after_topic_list,
                              false};

/* ---- consumers ----------------------------------------------------------- */

static offlog_consumer *open_consumer(ctx *x, const char *group, int auto_commit)
{
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.enable_auto_commit = auto_commit;
	offlog_consumer *c = NULL;
	assert_ok(offlog_consumer_open(&c, x->env, group, &o));
	return c;
}

static int run_consumer_open(ctx *x)
{
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.group_instance_id = "inst";
	o.session_timeout_ms = 2000;
	o.heartbeat_interval_ms = 50;
	x->c = NULL;
	return offlog_consumer_open(&x->c, x->env, "gi", &o);
}

/* The consumer is a static member: subscribed, the group lists it with its
 * instance id. */
static void after_consumer_open(ctx *x, int rc)
{
	if (rc) {
		assert_null(x->c);
		return;
	}
	const char *topics[] = {"t"};
	assert_ok(offlog_consumer_subscribe(x->c, topics, 1));
	const offlog_topic_partition *tps;
	size_t n = 0;
	for (int64_t deadline = mono_ms() + 3000; n == 0 && mono_ms() < deadline;) {
		const offlog_record *r;
		assert_ok(offlog_consumer_poll(&r, &n, x->c, 10));
		assert_ok(offlog_consumer_assignment(&tps, &n, x->c));
	}
	assert_int_equal(n, 1);
	const char *me;
	assert_ok(offlog_consumer_member(&me, NULL, x->c));
	offlog_group_description *d;
	assert_ok(offlog_group_describe(&d, x->env, "gi"));
	bool found = false, dynamic = false;
	for (size_t i = 0; i < d->member_count; i++)
		if (strcmp(d->members[i].member_id, me) == 0) {
			found = true;
			dynamic = !d->members[i].instance_id || strcmp(d->members[i].instance_id, "inst") != 0;
		}
	offlog_group_description_free(d);
	assert_ok(offlog_consumer_close(x->c));
	x->c = NULL;
	assert_true(found);
	if (dynamic)
		fail_msg("offlog_consumer_open succeeded with allocation %ld failing (%s), but the "
		         "consumer joined as a dynamic member: group_instance_id was lost",
		         cur_n, cur_once ? "only that one" : "and all after it");
}

static const op CONSUMER_OPEN = {"offlog_consumer_open", no_before, run_consumer_open,
                                 after_consumer_open, false};

static void before_assign(ctx *x)
{
	x->c = open_consumer(x, "g", 0);
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_assign(x->c, &tp, 1));
	x->before = position_of(x->c, "t", 0);
}

static int run_assign(ctx *x)
{
	/* Replace t/0 with t/0 and a new partition of a grown topic. */
	offlog_topic_partition tps[2] = {{"t", 0}, {"u", 1}};
	return offlog_consumer_assign(x->c, tps, 2);
}

static void after_assign(ctx *x, int rc)
{
	const offlog_topic_partition *tps;
	size_t n;
	assert_ok(offlog_consumer_assignment(&tps, &n, x->c));
	if (rc == 0)
		assert_int_equal(n, 2);
	else if (n != 1 && n != 2)
		fail_msg("assign failed (%s), assignment has %zu entries", offlog_errname(rc), n);
	for (size_t i = 0; i < n; i++)
		assert_non_null(tps[i].topic);
	/* Polls work on whatever is assigned. */
	const offlog_record *r;
	size_t k;
	assert_ok(offlog_consumer_poll(&r, &k, x->c, 0));
	assert_ok(offlog_consumer_close(x->c));
	x->c = NULL;
}

static void before_assign_u(ctx *x)
{
	int rc = offlog_topic_create(x->env, "u", 2, NULL);
	if (rc != OFFLOG_EEXIST)
		assert_ok(rc);
	before_assign(x);
}

static const op ASSIGN = {"offlog_consumer_assign", before_assign_u, run_assign, after_assign,
                          false};

static void before_poll(ctx *x)
{
	x->c = open_consumer(x, "g", 0);
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_assign(x->c, &tp, 1));
	assert_ok(offlog_consumer_seek(x->c, "t", 0, 1));
}

static int run_poll(ctx *x)
{
	const offlog_record *r;
	size_t n;
	int rc = offlog_consumer_poll(&r, &n, x->c, 0);
	x->nout = rc ? 0 : n;
	if (rc == 0)
		for (size_t i = 0; i < n; i++) {
			char v[24];
			snprintf(v, sizeof v, "v%lld", (long long)r[i].offset);
			if (r[i].offset != 1 + (int64_t)i || r[i].value_len != strlen(v) ||
			    memcmp(r[i].value, v, r[i].value_len) != 0)
				return 1000;
		}
	return rc;
}

static void after_poll(ctx *x, int rc)
{
	int64_t pos = position_of(x->c, "t", 0);
	if (rc)
		assert_int_equal(pos, 1);
	else
		assert_int_equal(pos, 1 + (int64_t)x->nout);
	assert_ok(offlog_consumer_close(x->c));
	x->c = NULL;
}

static const op POLL = {"offlog_consumer_poll", before_poll, run_poll, after_poll, false};

static void before_commit(ctx *x)
{
	before_poll(x);
	x->before = committed_of(x->env, "g", "t", 0);
	assert_ok(offlog_consumer_seek(x->c, "t", 0, x->before == 2 ? 1 : 2));
}

static int run_commit(ctx *x)
{
	return offlog_consumer_commit(x->c);
}

static void after_commit_value(ctx *x, int rc, int64_t want)
{
	int64_t now = committed_of(x->env, "g", "t", 0);
	if (rc == 0)
		assert_int_equal(now, want);
	else if (now != x->before && now != want)
		fail_msg("commit failed (%s): committed %lld, neither %lld nor %lld", offlog_errname(rc),
		         (long long)now, (long long)x->before, (long long)want);
}

static void after_commit(ctx *x, int rc)
{
	after_commit_value(x, rc, x->before == 2 ? 1 : 2);
	assert_ok(offlog_consumer_close(x->c));
	x->c = NULL;
}

static const op COMMIT = {"offlog_consumer_commit", before_commit, run_commit, after_commit,
                          false};

static int run_commit_offsets(ctx *x)
{
	offlog_partition_offset e = {"t", 0, x->before == 2 ? 1 : 2, "some metadata", 0};
	return offlog_consumer_commit_offsets(x->c, &e, 1);
}

static const op COMMIT_OFFSETS = {"offlog_consumer_commit_offsets", before_commit,
                                  run_commit_offsets, after_commit, false};

static void commit_cb(void *opaque, int err, const char *errmsg, const offlog_partition_offset *offsets,
                      size_t count)
{
	ctx *x = opaque;
	(void)errmsg;
	atomic_fetch_add(&x->reports, 1);
	x->nout = count;
	if (err == 0 && count == 1 && strcmp(offsets[0].topic, "t") == 0 && offsets[0].err == 0)
		atomic_fetch_add(&x->delivered, 1);
	else if (err == 0)
		x->bad_report = true;
}

/* commit_async then close, which waits for it. */
static int run_commit_async(ctx *x)
{
	atomic_store(&x->reports, 0);
	atomic_store(&x->delivered, 0);
	x->bad_report = false;
	int rc = offlog_consumer_commit_async(x->c, commit_cb, x);
	x->sent = rc == 0;
	int e = offlog_consumer_close(x->c);
	x->c = NULL;
	return rc ? rc : e;
}

static void after_commit_async(ctx *x, int rc)
{
	int64_t want = x->before == 2 ? 1 : 2;
	int64_t now = committed_of(x->env, "g", "t", 0);
	if (x->sent && atomic_load(&x->reports) != 1)
		fail_msg("commit_async accepted, %d reports after close", atomic_load(&x->reports));
	if (x->bad_report)
		fail_msg("commit_async with allocation %ld failing (%s): the callback got err 0 with "
		         "%zu offsets instead of the one committed", cur_n,
		         cur_once ? "only that one" : "and all after it", x->nout);
	if (atomic_load(&x->delivered))
		assert_int_equal(now, want);
	else if (now != x->before && now != want)
		fail_msg("commit failed (%s): committed %lld", offlog_errname(rc), (long long)now);
	(void)rc;
}

static const op COMMIT_ASYNC = {"offlog_consumer_commit_async + close", before_commit,
                                run_commit_async, after_commit_async, false};

/* Close with auto-commit: the consumer is gone whatever the code. */
static void before_close(ctx *x)
{
	x->before = committed_of(x->env, "g", "t", 0);
	x->c = open_consumer(x, "g", 1);
	offlog_topic_partition tp = {"t", 0};
	assert_ok(offlog_consumer_assign(x->c, &tp, 1));
	assert_ok(offlog_consumer_seek(x->c, "t", 0, x->before == 2 ? 1 : 2));
}

static int run_close(ctx *x)
{
	int rc = offlog_consumer_close(x->c);
	x->c = NULL;
	return rc;
}

static void after_close(ctx *x, int rc)
{
	after_commit_value(x, rc, x->before == 2 ? 1 : 2);
}

static const op CONSUMER_CLOSE = {"offlog_consumer_close (auto-commit)", before_close, run_close,
                                  after_close, false};

/* ---- transactions ------------------------------------------------------- */

static void before_txn(ctx *x)
{
	before_append(x);
	x->before2 = committed_of(x->env, "g", "t", 0);
}

/* begin, two appends, an offset commit, commit: all or nothing. */
static int run_txn(ctx *x)
{
	offlog_txn *t;
	int rc = offlog_txn_begin(&t, x->env);
	if (rc)
		return rc;
	for (int i = 0; i < 2 && rc == 0; i++) {
		char v[24];
		snprintf(v, sizeof v, "v%lld", (long long)x->before + i);
		offlog_message m = {NULL, 0, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		int64_t off;
		rc = offlog_txn_append(&off, NULL, t, "t", 0, &m);
		if (rc == 0 && off != x->before + i)
			rc = 1000;
	}
	offlog_partition_offset e = {"t", 0, x->before2 == 2 ? 1 : 2, NULL, 0};
	if (rc == 0)
		rc = offlog_txn_commit_offsets(t, "g", &e, 1);
	if (rc) {
		disarm();
		offlog_txn_abort(t);
		return rc;
	}
	return offlog_txn_commit(t);
}

static void after_txn(ctx *x, int rc)
{
	int64_t leo = leo_t(x->env), cm = committed_of(x->env, "g", "t", 0);
	bool done = leo == x->before + 2 && cm == (x->before2 == 2 ? 1 : 2);
	bool nothing = leo == x->before && cm == x->before2;
	if (rc == 0 && !done)
		fail_msg("transaction committed: log end %lld (was %lld), committed %lld", (long long)leo,
		         (long long)x->before, (long long)cm);
	if (rc && !nothing)
		fail_msg("transaction failed (%s): log end %lld (was %lld), committed %lld (was %lld)",
		         offlog_errname(rc), (long long)leo, (long long)x->before, (long long)cm,
		         (long long)x->before2);
	x->t_leo = leo;
	/* The thread may begin again. */
	offlog_txn *t;
	assert_ok(offlog_txn_begin(&t, x->env));
	offlog_txn_abort(t);
}

static const op TXN = {"transaction (begin, append, commit_offsets, commit)", before_txn, run_txn,
                       after_txn, false};

/* ---- producer ------------------------------------------------------------ */

#define PSEND 4

static struct {
	int64_t offset[PSEND];
	int err[PSEND];
	int reported[PSEND];
} prep;

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	ctx *x = opaque;
	intptr_t i = (intptr_t)d->msg_opaque;
	if (i >= 0 && i < PSEND) {
		prep.offset[i] = d->offset;
		prep.err[i] = d->err;
		prep.reported[i]++;
	}
	atomic_fetch_add(&x->reports, 1);
}

static void before_producer(ctx *x)
{
	int rc = offlog_topic_create(x->env, "p", 2, NULL);
	if (rc != OFFLOG_EEXIST)
		assert_ok(rc);
	memset(&prep, 0, sizeof prep);
	atomic_store(&x->reports, 0);
	x->sent = 0;
}

/* open, send, flush, close: every accepted record reported once. */
static int run_producer(ctx *x)
{
	offlog_producer_options o;
	offlog_producer_options_init(&o);
	o.on_delivery = on_delivery;
	o.opaque = x;
	o.linger_ms = 1;
	o.queue_full = OFFLOG_QUEUE_FAIL;
	o.idempotent = x->iter % 2;
	offlog_producer *p;
	int rc = offlog_producer_open(&p, x->env, &o);
	if (rc)
		return rc;
	for (int i = 0; i < PSEND && rc == 0; i++) {
		char v[24];
		snprintf(v, sizeof v, "p%d.%d", x->iter, i);
		offlog_message m = {"k", 1, v, strlen(v), OFFLOG_TIMESTAMP_NOW, NULL, 0};
		rc = offlog_producer_send(p, "p", i % 2, &m, (void *)(intptr_t)i);
		if (rc == 0)
			x->sent++;
	}
	int e = offlog_producer_flush(p, 5000);
	if (e == OFFLOG_ETIMEDOUT)
		return e;
	if (rc == 0)
		rc = e;
	e = offlog_producer_close(p, 0);
	return rc ? rc : e;
}

static void after_producer(ctx *x, int rc)
{
	if (rc == OFFLOG_ETIMEDOUT)
		fail_msg("producer flush timed out after allocation %ld failed", cur_n);
	if (atomic_load(&x->reports) != x->sent)
		fail_msg("producer: %d records accepted, %d reported (%s)", x->sent,
		         atomic_load(&x->reports), offlog_errname(rc));
	for (int i = 0; i < x->sent; i++) {
		if (prep.reported[i] != 1)
			fail_msg("producer: record %d reported %d times", i, prep.reported[i]);
		if (prep.err[i] == 0) {
			char v[24];
			snprintf(v, sizeof v, "p%d.%d", x->iter, i);
			add_ack(x, "p", i % 2, prep.offset[i], v);
		} else if (!documented(prep.err[i])) {
			fail_msg("producer: record %d reported with %d", i, prep.err[i]);
		}
	}
	for (size_t i = 0; i < x->nack; i++)
		check_ack(x->env, &x->acks[i]);
}

static const op PRODUCER = {"producer (open, send, flush, close)", before_producer, run_producer,
                            after_producer, false};

/* ---- group members -------------------------------------------------------- */

static void before_member(ctx *x)
{
	int rc = offlog_topic_create(x->env, "m", 2, NULL);
	if (rc != OFFLOG_EEXIST)
		assert_ok(rc);
	offlog_consumer_options o;
	offlog_consumer_options_init(&o);
	o.auto_offset_reset = OFFLOG_RESET_EARLIEST;
	o.heartbeat_interval_ms = 20;
	o.session_timeout_ms = 3000;
	x->c = NULL;
	assert_ok(offlog_consumer_open(&x->c, x->env, "gm", &o));
	x->nout = 0;
}

/* subscribe, poll until both partitions are owned, unsubscribe. */
static int run_member(ctx *x)
{
	const char *topics[] = {"m"};
	snprintf(x->name, sizeof x->name, "subscribe");
	int rc = offlog_consumer_subscribe(x->c, topics, 1);
	snprintf(x->name, sizeof x->name, "poll");
	int64_t deadline = mono_ms() + 2000;
	while (rc == 0 && mono_ms() < deadline) {
		const offlog_record *r;
		size_t n;
		const offlog_topic_partition *tps;
		if ((rc = offlog_consumer_poll(&r, &n, x->c, 10)) != 0)
			break;
		if ((rc = offlog_consumer_assignment(&tps, &n, x->c)) != 0)
			break;
		if (n == 2) {
			x->nout = 2;
			break;
		}
	}
	if (rc == 0 && x->nout != 2)
		return OFFLOG_ETIMEDOUT;
	snprintf(x->name, sizeof x->name, "unsubscribe");
	if (rc == 0)
		rc = offlog_consumer_unsubscribe(x->c);
	return rc;
}

static void after_member(ctx *x, int rc)
{
	if (rc == OFFLOG_ETIMEDOUT) {
		const offlog_topic_partition *tps;
		size_t n = 0;
		offlog_consumer_assignment(&tps, &n, x->c);
		offlog_consumer_close(x->c);
		x->c = NULL;
		fail_msg("member: every call succeeded with allocation %ld failing (%s), but after 2 s "
		         "of polls the member consumes %zu of the 2 partitions (a lone member owns both)",
		         cur_n, cur_once ? "only that one" : "and all after it", n);
	}
	assert_ok(offlog_consumer_close(x->c));
	x->c = NULL;
	/* A closed dynamic member has left: nobody is in the group. */
	offlog_group_description *d = NULL;
	int e = offlog_group_describe(&d, x->env, "gm");
	if (e == OFFLOG_ENOENT)
		return;
	assert_ok(e);
	size_t members = d->member_count;
	offlog_group_description_free(d);
	if (members != 0)
		fail_msg("member: %s failed (%s: %s) with allocation %ld failing (%s); after close the "
		         "group still lists %zu members", x->name, offlog_errname(rc), x->errmsg, cur_n,
		         cur_once ? "only that one" : "and all after it", members);
}

static const op MEMBER = {"group member (subscribe, poll, unsubscribe)", before_member,
                          run_member, after_member, false};

/* ---- group administration -------------------------------------------------- */

static int run_group_describe(ctx *x)
{
	offlog_group_description *d = NULL;
	int rc = offlog_group_describe(&d, x->env, "g");
	x->out = d;
	return rc;
}

static void after_group_describe(ctx *x, int rc)
{
	offlog_group_description *d = x->out;
	if (rc == 0) {
		assert_string_equal(d->group, "g");
		assert_true(d->partition_count >= 1);
		offlog_group_description_free(d);
	}
	x->out = NULL;
}

static const op GROUP_DESCRIBE = {"offlog_group_describe", no_before, run_group_describe,
                                  after_group_describe, false};

static int run_group_list(ctx *x)
{
	char **names = NULL;
	size_t n = 0;
	int rc = offlog_group_list(&names, &n, x->env);
	x->out = names;
	x->nout = n;
	return rc;
}

static void after_group_list(ctx *x, int rc)
{
	if (rc == 0) {
		assert_true(x->nout >= 1);
		bool found = false;
		for (size_t i = 0; i < x->nout; i++)
			found |= strcmp(((char **)x->out)[i], "g") == 0;
		assert_true(found);
		offlog_names_free(x->out, x->nout);
	}
	x->out = NULL;
}

static const op GROUP_LIST = {"offlog_group_list", no_before, run_group_list, after_group_list,
                              false};

static void before_reset(ctx *x)
{
	x->before = committed_of(x->env, "g", "t", 0);
}

static int run_reset(ctx *x)
{
	offlog_partition_offset e = {"t", 0, 0, NULL, 0};
	return offlog_group_reset_offsets(x->env, "g", &e, 1, OFFLOG_RESET_TO_OFFSET,
	                                  x->before == 2 ? 1 : 2, 0);
}

static void after_reset(ctx *x, int rc)
{
	after_commit_value(x, rc, x->before == 2 ? 1 : 2);
}

static const op GROUP_RESET = {"offlog_group_reset_offsets", before_reset, run_reset, after_reset,
                               false};

/* ---- maintenance and backup ------------------------------------------------ */

/* A compacted topic gets new versions of its keys before every run. */
static void before_maintain(ctx *x)
{
	offlog_topic_config cfg;
	offlog_topic_config_init(&cfg);
	cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT | OFFLOG_CLEANUP_DELETE;
	cfg.retention_ms = 3600000;
	int rc = offlog_topic_create(x->env, "c", 1, &cfg);
	if (rc != OFFLOG_EEXIST)
		assert_ok(rc);
	/* Old records for time retention, then two versions of three keys. */
	append_ts(x->env, "c", 0, "old", "gone", wall_ms() - 7200000);
	for (int round = 0; round < 2; round++)
		for (int k = 0; k < 3; k++) {
			char key[16], v[48];
			snprintf(key, sizeof key, "k%d", k);
			snprintf(v, sizeof v, "c%d.%d.%d", x->iter, round, k);
			int64_t off = append_str(x->env, "c", 0, key, v);
			if (round == 1) {
				/* The latest of each key stays; drop the older acks of it. */
				for (size_t i = 0; i < x->nack; i++)
					if (strcmp(x->acks[i].topic, "c") == 0 && x->acks[i].value[0] == 'c' &&
					    x->acks[i].value[strlen(x->acks[i].value) - 1] == key[1]) {
						x->acks[i] = x->acks[--x->nack];
						i--;
					}
				add_ack(x, "c", 0, off, v);
			}
		}
	x->before = part_info(x->env, "c", 0).records;
}

static int run_maintain(ctx *x)
{
	uint64_t removed = 0;
	int rc = offlog_maintain(x->env, 0, &removed);
	x->nout = (size_t)removed;
	return rc;
}

static void after_maintain(ctx *x, int rc)
{
	int64_t now = part_info(x->env, "c", 0).records;
	if (rc == 0) {
		assert_int_equal(now, x->before - (int64_t)x->nout);
		assert_true(now < x->before);
	} else {
		assert_true(now <= x->before);
	}
	for (size_t i = 0; i < x->nack; i++)
		check_ack(x->env, &x->acks[i]);
}

static const op MAINTAIN = {"offlog_maintain (compaction and retention)", before_maintain,
                            run_maintain, after_maintain, false};

static int run_backup(ctx *x)
{
	snprintf(x->other, sizeof x->other, "%s/backup%d", x->dir, x->iter);
	return offlog_backup(x->env, x->other);
}

static void after_backup(ctx *x, int rc)
{
	offlog_env *copy = NULL;
	offlog_options o;
	offlog_options_init(&o);
	o.flags = OFFLOG_OPEN_READONLY | OFFLOG_OPEN_NOCREATE;
	int e = offlog_open(&copy, x->other, &o);
	if (rc == 0 || e == 0) {
		if (e)
			fail_msg("backup succeeded, the copy does not open: %s", offlog_errname(e));
		/* A copy that opens is complete, also after a failed backup. */
		check_t(copy, x->t_leo);
		assert_ok(offlog_close(copy));
	} else {
		/* A failed backup can be tried again. */
		assert_ok(offlog_backup(x->env, x->other));
	}
	rm_rf(x->other);
}

static const op BACKUP = {"offlog_backup", no_before, run_backup, after_backup, false};

/* ---- tests --------------------------------------------------------------- */

static void test_oom_open_new_store(void **state) { SWEEP(OPEN_FRESH); }
static void test_oom_open_existing_store(void **state) { SWEEP(OPEN_EXISTING); }
static void test_oom_open_with_threads(void **state) { SWEEP(OPEN_THREADS); }
static void test_oom_topic_create(void **state) { SWEEP(TOPIC_CREATE); }
static void test_oom_topic_describe(void **state) { SWEEP(TOPIC_DESCRIBE); }
static void test_oom_topic_list(void **state) { SWEEP(TOPIC_LIST); }
static void test_oom_append(void **state) { SWEEP(APPEND); }
static void test_oom_append_batch(void **state) { SWEEP(APPEND_BATCH); }
static void test_oom_fetch(void **state) { SWEEP(FETCH); }
static void test_oom_consumer_open(void **state) { SWEEP(CONSUMER_OPEN); }
static void test_oom_consumer_assign(void **state) { SWEEP(ASSIGN); }
static void test_oom_consumer_poll(void **state) { SWEEP(POLL); }
static void test_oom_consumer_commit(void **state) { SWEEP(COMMIT); }
static void test_oom_consumer_commit_offsets(void **state) { SWEEP(COMMIT_OFFSETS); }
static void test_oom_consumer_commit_async(void **state) { SWEEP(COMMIT_ASYNC); }
static void test_oom_consumer_close(void **state) { SWEEP(CONSUMER_CLOSE); }
static void test_oom_transaction(void **state) { SWEEP(TXN); }
static void test_oom_producer(void **state) { SWEEP(PRODUCER); }
static void test_oom_group_member(void **state) { SWEEP(MEMBER); }
static void test_oom_group_describe(void **state) { SWEEP(GROUP_DESCRIBE); }
static void test_oom_group_list(void **state) { SWEEP(GROUP_LIST); }
static void test_oom_group_reset(void **state) { SWEEP(GROUP_RESET); }
static void test_oom_maintain(void **state) { SWEEP(MAINTAIN); }
static void test_oom_backup(void **state) { SWEEP(BACKUP); }

static int summary(void **state)
{
	(void)state;
	if (points == 0)
		return 0;
	print_message("test_oom: %ld injection points; failed calls returned:", points);
	for (int i = 1; i < 40; i++)
		if (codes[i])
			print_message(" %s x%ld", offlog_errname(-i), codes[i]);
	print_message("; %ld calls succeeded despite a failed allocation\n", successes);
	return 0;
}

int main(void)
{
	signal(SIGALRM, watchdog);
	verbose = getenv("OFFLOG_OOM_VERBOSE") != NULL;
#if !OOM_SANITIZER
	if (verbose)
		nwhere = backtrace(where, 16);   /* loads what backtrace needs, unarmed */
#endif
#define T(fn) cmocka_unit_test_setup_teardown(fn, ctx_setup, ctx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_oom_open_new_store),
		T(test_oom_open_existing_store),
		T(test_oom_open_with_threads),
		T(test_oom_topic_create),
		T(test_oom_topic_describe),
		T(test_oom_topic_list),
		T(test_oom_append),
		T(test_oom_append_batch),
		T(test_oom_fetch),
		T(test_oom_consumer_open),
		T(test_oom_consumer_assign),
		T(test_oom_consumer_poll),
		T(test_oom_consumer_commit),
		T(test_oom_consumer_commit_offsets),
		T(test_oom_consumer_commit_async),
		T(test_oom_consumer_close),
		T(test_oom_transaction),
		T(test_oom_producer),
		T(test_oom_group_member),
		T(test_oom_group_describe),
		T(test_oom_group_list),
		T(test_oom_group_reset),
		T(test_oom_maintain),
		T(test_oom_backup),
	};
	return cmocka_run_group_tests(tests, NULL, summary);
}

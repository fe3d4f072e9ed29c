/* helpers.h - fixtures and assertions shared by the cmocka tests. */
#ifndef OFFLOG_TEST_HELPERS_H
#define OFFLOG_TEST_HELPERS_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "offlog.h"

/* Fail with the code's name and the thread's detail message. */
#define assert_ok(x)                                                                        \
	do {                                                                                    \
		int rc_ = (x);                                                                      \
		if (rc_ != 0)                                                                       \
			fail_msg("%s -> %s: %s", #x, offlog_errname(rc_), offlog_errmsg());            \
	} while (0)

#define assert_code(x, code)                                                                \
	do {                                                                                    \
		int rc_ = (x);                                                                      \
		if (rc_ != (code))                                                                  \
			fail_msg("%s -> %s (%s), expected %s", #x, offlog_errname(rc_), offlog_errmsg(), \
			         offlog_errname(code));                                                 \
	} while (0)

/* A fresh store in a temporary directory, opened with default options.
 * dir is the temporary directory; path the store inside it. */
typedef struct fx {
	char dir[512];
	char path[600];
	offlog_env *env;
} fx;

/* cmocka setup/teardown: *state becomes an fx with an open store. */
int fx_setup(void **state);
/* Same, with the durability mode given in the options. */
int fx_setup_opts(void **state, const offlog_options *opts);
int fx_teardown(void **state);
/* Close and reopen the fixture's store (same options as `opts`, or defaults). */
void fx_reopen(fx *f, const offlog_options *opts);

/* A new empty temporary directory (caller frees with rm_rf + free). */
char *temp_dir(void);
void rm_rf(const char *path);

/* Append a string record; returns its offset. */
int64_t append_str(offlog_env *env, const char *topic, int32_t partition, const char *key,
                   const char *value);
/* Append n records "v0".."v{n-1}" to a partition. */
void append_n(offlog_env *env, const char *topic, int32_t partition, int n);

/* A digest of a store's data file: equal digests mean nothing was written. */
uint64_t store_digest(const char *store_path);

/* Open a consumer with the given group and reset policy, assigned to one
 * partition. */
offlog_consumer *consumer_on(offlog_env *env, const char *group, int reset, const char *topic,
                             int32_t partition);
/* Poll until n records were collected or timeout; returns how many.
 * Offsets go to offs (may be NULL). */
size_t poll_n(offlog_consumer *c, size_t n, int64_t *offs, int timeout_ms);

/* Clocks in ms: wall (timestamps) and monotonic (durations). */
int64_t wall_ms(void);
int64_t mono_ms(void);
void create_topic(offlog_env *env, const char *name, int32_t partitions);

/* One-line reads and writes for assertions. */
int64_t position_of(offlog_consumer *c, const char *topic, int32_t partition);
int64_t committed_of(offlog_env *env, const char *group, const char *topic, int32_t partition);
int64_t leo_of(offlog_env *env, const char *topic, int32_t partition);
void commit_one(offlog_consumer *c, const char *topic, int32_t partition, int64_t offset);

/* Append a record with an explicit timestamp (OFFLOG_TIMESTAMP_NOW for the
 * append time); key NULL = no key, value NULL = tombstone. Returns its offset. */
int64_t append_ts(offlog_env *env, const char *topic, int32_t partition, const char *key,
                  const char *value, int64_t timestamp);
/* One partition's watermarks and size, from offlog_topic_describe(). */
offlog_partition_info part_info(offlog_env *env, const char *topic, int32_t partition);
int64_t log_start_of(offlog_env *env, const char *topic, int32_t partition);

/* Seeded random numbers for the harnesses (splitmix64): the next value of
 * state *x, and one below n (0 when n is 0). */
uint64_t prng_next(uint64_t *x);
uint32_t prng_below(uint64_t *x, uint32_t n);
/* FNV-1a hash of n bytes: a record's fingerprint. */
uint64_t fnv64(const void *p, size_t n);

#endif

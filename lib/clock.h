/*
 * clock.h - wall and monotonic clocks, and deadlines for timed waits.
 *
 * Wall clock (ol_now_ms) for what is stored or compared with stored times:
 * record timestamps, heartbeats, commit times, retention. Monotonic clock
 * (ol_mono_ms, ol_mono_us) for intervals measured inside this process.
 */
#ifndef OFFLOG_CLOCK_H
#define OFFLOG_CLOCK_H

#include <stdint.h>
#include <time.h>

int64_t ol_now_ms(void);
int64_t ol_mono_ms(void);
int64_t ol_mono_us(void);
/* The time `us` microseconds from now on `clock`, for timed waits. */
struct timespec ol_deadline(clockid_t clock, int64_t us);

#endif

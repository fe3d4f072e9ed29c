/* clock.c - wall and monotonic clocks, and deadlines for timed waits. */
#include "clock.h"

int64_t ol_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ol_mono_ms(void)
{
	return ol_mono_us() / 1000;
}

int64_t ol_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

struct timespec ol_deadline(clockid_t clock, int64_t us)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	int64_t ns = ts.tv_nsec + (us % 1000000) * 1000;
	ts.tv_sec += (time_t)(us / 1000000 + ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	return ts;
}

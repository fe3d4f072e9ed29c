/* wake.h - waking consumers that wait in poll when records arrive, also
 * across processes (wake.c). */
#ifndef OFFLOG_WAKE_H
#define OFFLOG_WAKE_H

#include "internal.h"



/* The part's locks (at allocation), then the shared wake page (at open;
 * none: the fallback); close unmaps it and frees the locks. */
void wake_init(offlog_env *env);
void wake_open(offlog_env *env);
void wake_close(offlog_env *env);
void ol_wake_consumers(offlog_env *env);
/* Make every wait of the store's consumers in this process (and, with the
 * shared page, in others: they look again and wait on) end now. Only
 * atomics and a system call: async-signal-safe. Without the shared page
 * the waits end within their slice. */
void ol_wake_interrupt(offlog_env *env);
/* Signal n (notify.h) at every commit to the store, from any process
 * (without the shared page: at every wait slice), from a thread started at
 * the first; unwatch before closing n. Stop the thread before the store
 * closes (not in a forked child, where it does not run). */
struct ol_notify;
int wake_watch(offlog_env *env, struct ol_notify *n);
void wake_unwatch(offlog_env *env, struct ol_notify *n);
void wake_stop_watcher(offlog_env *env);
/* Read the wake counter before looking for records; wait (at most ms) only
 * if no commit happened since. */
uint64_t ol_wake_seq(offlog_env *env);
void ol_wait_append(offlog_env *env, uint64_t seen, int64_t ms);
/* How long one wait may last when `ms` are left: all of it with the shared
 * page, else a short slice so other processes' appends are noticed. */
int64_t ol_wait_slice_ms(const offlog_env *env, int64_t ms);
/* Does the counter see every process's commits (the shared page is mapped)? */
bool ol_wake_shared(const offlog_env *env);

#endif

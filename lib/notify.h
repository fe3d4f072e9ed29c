/*
 * notify.h - a file descriptor an event loop waits on (notify.c): readable
 * once signalled, until drained. An eventfd on Linux, a pipe elsewhere.
 */
#ifndef OFFLOG_NOTIFY_H
#define OFFLOG_NOTIFY_H

#include "internal.h"

#include <stdatomic.h>

typedef struct ol_notify {
	atomic_int rfd;   /* what the application waits on; -1 until opened */
	int wfd;          /* what signal writes to (the same descriptor for an eventfd) */
} ol_notify;

void ol_notify_init(ol_notify *n);
/* Create the descriptor (once; later calls do nothing). 0 or OFFLOG_ENOMEM
 * (out of descriptors). */
int ol_notify_open(ol_notify *n);
/* Make it readable. Async-signal-safe; does nothing before open. */
void ol_notify_signal(ol_notify *n);
/* Make it unreadable until the next signal. */
void ol_notify_drain(ol_notify *n);
void ol_notify_close(ol_notify *n);

#endif

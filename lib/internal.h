/*
 * internal.h - what every file of lib/ needs: the public header, the
 * unused-argument macro, and the detail message of errors (error.c).
 * Everything else has its module's header; see lib/README.md for the layers.
 */
#ifndef OFFLOG_INTERNAL_H
#define OFFLOG_INTERNAL_H

#define OFFLOG_BUILDING 1
#include "offlog.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define OL_UNUSED(x) ((void)(x))

/* Record a detail message for this thread and return code. */
int ol_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* 0, or OFFLOG_EINVAL with a detail message when `version`, the one a caller
 * set in an output struct named `type`, is 0 or above `known`. */
int ol_check_version(unsigned version, unsigned known, const char *type);

#endif /* OFFLOG_INTERNAL_H */

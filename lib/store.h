/* store.h - what store.c gives the other files: the check that a handle
 * passed to a public call is an open store of this process. */
#ifndef OFFLOG_STORE_H
#define OFFLOG_STORE_H

#include "internal.h"

/* The check every public call on a store handle makes first, before it
 * touches the handle: OFFLOG_EINVAL for NULL, OFFLOG_ESTATE for a handle
 * that is not open (closed) or was opened before fork(). fn names the call
 * in the detail. */
int ol_env_usable(const offlog_env *env, const char *fn);
#define OL_ENV_CHECK(env)                                            \
	do {                                                         \
		int ol_usable_rc_ = ol_env_usable((env), __func__); \
		if (ol_usable_rc_)                                   \
			return ol_usable_rc_;                        \
	} while (0)

#endif

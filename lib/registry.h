/* registry.h - the stores open in this process (registry.c), and the check
 * every public call makes that the handle it was given is one of them. */
#ifndef OFFLOG_REGISTRY_H
#define OFFLOG_REGISTRY_H

#include "internal.h"

/* Add env (false: this process has the same store open already), remove
 * it, look for it. */
bool registry_add(offlog_env *env);
void registry_remove(offlog_env *env);
bool registry_has(const offlog_env *env);

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

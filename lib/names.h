/* names.h - checks of topic names and group ids (OFFLOG_EINVAL, OFFLOG_ENAME). */
#ifndef OFFLOG_NAMES_H
#define OFFLOG_NAMES_H

#include "internal.h"

int ol_check_topic_name(const char *name);
int ol_check_group(const char *group);
/* The group id that a key of T_COMMITS or T_GROUPS starts with (the id, a
 * NUL byte, then more) into name; false when the key is not of that form. */
bool ol_key_group(const void *key, size_t n, char name[OFFLOG_GROUP_MAX + 1]);

#endif

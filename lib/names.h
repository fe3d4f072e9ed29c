/* names.h - checks of topic names and group ids (OFFLOG_EINVAL, OFFLOG_ENAME). */
#ifndef OFFLOG_NAMES_H
#define OFFLOG_NAMES_H

#include "internal.h"

int ol_check_topic_name(const char *name);
int ol_check_group(const char *group);

#endif

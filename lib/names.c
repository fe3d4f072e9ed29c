/*
 * names.c - the rules for topic names and group ids, checked at every entry
 * that takes one, before anything is looked up; and the freeing of the lists
 * of names the API hands out (topics, groups, protected groups).
 */
#include "names.h"

#include <stdlib.h>
#include <string.h>

int ol_check_topic_name(const char *name)
{
	if (!name)
		return ol_err(OFFLOG_EINVAL, "topic name is NULL");
	size_t n = strnlen(name, OFFLOG_NAME_MAX + 1);
	if (n == 0)
		return ol_err(OFFLOG_ENAME, "topic name is empty");
	if (n > OFFLOG_NAME_MAX)
		return ol_err(OFFLOG_ENAME, "topic name is longer than %d characters", OFFLOG_NAME_MAX);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return ol_err(OFFLOG_ENAME, "topic name cannot be \"%s\"", name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return ol_err(OFFLOG_ENAME,
			              "topic name has character 0x%02x at %zu; allowed: [A-Za-z0-9._-]", c, i);
	}
	return 0;
}

int ol_check_group(const char *group)
{
	if (!group)
		return ol_err(OFFLOG_EINVAL, "group id is NULL");
	size_t n = strnlen(group, OFFLOG_GROUP_MAX + 1);
	if (n == 0)
		return ol_err(OFFLOG_ENAME, "group id is empty");
	if (n > OFFLOG_GROUP_MAX)
		return ol_err(OFFLOG_ENAME, "group id is longer than %d bytes", OFFLOG_GROUP_MAX);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)group[i];
		if (c <= 0x20 || c >= 0x7f)
			return ol_err(OFFLOG_ENAME,
			              "group id has byte 0x%02x at %zu; allowed: printable ASCII, no space", c, i);
	}
	return 0;
}

OFFLOG_API void offlog_names_free(char **names, size_t count)
{
	if (!names)
		return;
	for (size_t i = 0; i < count; i++)
		free(names[i]);
	free(names);
}

bool ol_key_group(const void *key, size_t n, char name[OFFLOG_GROUP_MAX + 1])
{
	size_t g = strnlen(key, n);
	if (g == 0 || g > OFFLOG_GROUP_MAX || g + 1 >= n)
		return false;
	memcpy(name, key, g);
	name[g] = 0;
	return true;
}

/* topic.h - the topic catalogue (topic.c): names to ids, configuration,
 * partition counts. */
#ifndef OFFLOG_TOPIC_H
#define OFFLOG_TOPIC_H

#include "db.h"

typedef struct ol_topic {
	uint32_t id;
	int32_t partitions;
	int64_t created_ms;
	offlog_topic_config cfg;
} ol_topic;

/* Look up a topic; OFFLOG_ENOTOPIC (with the name in the detail) if absent. */
int topic_get(ol_txn *t, const char *name, ol_topic *out);
/* Look up a topic and check that partition exists (OFFLOG_ENOPART). */
int topic_get_part(ol_txn *t, const char *name, int32_t partition, ol_topic *out);
/* Call fn for every topic, in name order; fn returns 0 to go on, 1 to
 * stop, or an error, which topic_each returns. */
typedef int (*topic_fn)(void *ctx, ol_txn *t, const char *name, const ol_topic *tp);
int topic_each(ol_txn *t, topic_fn fn, void *ctx);
/* The name of topic id into buf; OFFLOG_ENOTOPIC if deleted. */
int topic_name_of(ol_txn *t, uint32_t id, char *buf, size_t cap);
/* The protected groups of topic id (a list to free with
 * offlog_names_free; none: NULL, 0). */
int topic_protected(ol_txn *t, uint32_t id, char ***groups, size_t *count);
/* Finish removing the records of topics deleted earlier. */
int topic_purge_deleted(offlog_env *env);

#endif

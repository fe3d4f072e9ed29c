/* topic.h - the topic catalogue (topic.c): names to ids, configuration,
 * partition counts; and the purge of deleted topics (topic_admin.c). */
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
/* As topic_each, with each stored name only (len bytes, not terminated),
 * its record not read: a damaged record hides no name from a listing. */
typedef int (*topic_name_fn)(void *ctx, const char *name, size_t len);
int topic_each_name(ol_txn *t, topic_name_fn fn, void *ctx);
/* The name of topic id into buf; OFFLOG_ENOTOPIC if deleted. */
int topic_name_of(ol_txn *t, uint32_t id, char *buf, size_t cap);
/* The protected groups of topic id (a list to free with
 * offlog_names_free; none: NULL, 0). */
int topic_protected(ol_txn *t, uint32_t id, char ***groups, size_t *count);

/* The layouts of the catalogue's entries, for check.c, which walks them. A
 * T_TOPIC_IDS entry: its key (false: not 4 bytes), its value (false: it
 * does not decode; *live: not deleted; the name is not terminated), or the
 * entry of one id (1: none). A T_META key: 1 when it holds topic *id's
 * protected groups, 0 when it is another key, -1 when it is damaged. */
bool topic_id_key_decode(const ol_val *k, uint32_t *id);
bool topic_id_value_decode(const ol_val *v, bool *live, const uint8_t **name, size_t *len);
int topic_id_entry(ol_txn *t, uint32_t id, bool *live, const uint8_t **name, size_t *len);
int topic_protect_key_decode(const ol_val *k, uint32_t *id);

/* Changes of the catalogue, for topic_admin.c; arguments already checked. */

/* Enter a new topic, with a new id in *id (OFFLOG_EEXIST if the name is
 * taken). Its partitions are for the log to create. */
int topic_add(ol_txn *t, const char *name, int32_t partitions, const offlog_topic_config *cfg,
              uint32_t *id);
/* Store tp as topic name's record (its protected groups are left as they are). */
int topic_put(ol_txn *t, const char *name, const ol_topic *tp);
/* Replace the configuration of topic name, protected groups included. */
int topic_set_config(ol_txn *t, const char *name, const offlog_topic_config *cfg);
/* Take topic name (id) out of the catalogue; its id stays, marked deleted,
 * until topic_forget, so that a purge cut short is found again. */
int topic_remove(ol_txn *t, const char *name, uint32_t id);
/* Up to max ids of deleted topics whose records are still being purged. */
int topic_deleted_ids(ol_txn *t, uint32_t *ids, size_t max, size_t *n);
/* Drop the id of a deleted topic once nothing of it is left. */
int topic_forget(ol_txn *t, uint32_t id);

/* Finish removing the records of topics deleted earlier (topic_admin.c). */
int topic_purge_deleted(offlog_env *env);

#endif

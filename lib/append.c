/*
 * append.c - appending records, and Kafka's default partitioner.
 *
 * An append is three modules' work, put in order here: the partition is
 * chosen, log.c writes the records, retention.c makes room. The partition's
 * state is read once and written once, after the retention step changed it
 * too, because that write is on every append's path.
 */
#include "append.h"

#include "db.h"
#include "env.h"
#include "log.h"
#include "names.h"
#include "registry.h"
#include "retention.h"
#include "topic.h"
#include "write.h"


OFFLOG_API int offlog_murmur2(int32_t *hash, const void *data, size_t len)
{
	if (!hash || (!data && len))
		return ol_err(OFFLOG_EINVAL, "offlog_murmur2: NULL argument");
	/* Kafka's Utils.murmur2, in unsigned arithmetic (Java ints wrap the same way). */
	const uint32_t m = 0x5bd1e995u;
	const uint8_t *p = data;
	uint32_t h = 0x9747b28cu ^ (uint32_t)len;
	size_t i = 0;
	for (; i + 4 <= len; i += 4) {
		uint32_t k = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
		             (uint32_t)p[i + 3] << 24;
		k *= m;
		k ^= k >> 24;
		k *= m;
		h *= m;
		h ^= k;
	}
	switch (len - i) {
	case 3:
		h ^= (uint32_t)p[i + 2] << 16;
		/* fall through */
	case 2:
		h ^= (uint32_t)p[i + 1] << 8;
		/* fall through */
	case 1:
		h ^= p[i];
		h *= m;
		break;
	default:
		break;
	}
	h ^= h >> 13;
	h *= m;
	h ^= h >> 15;
	*hash = (int32_t)h;
	return 0;
}

OFFLOG_API int offlog_partition_for_key(int32_t *partition, const void *key, size_t key_len,
                                        int32_t partition_count)
{
	int32_t h;
	if (!partition || (!key && key_len))
		return ol_err(OFFLOG_EINVAL, "offlog_partition_for_key: NULL argument");
	if (partition_count < 1)
		return ol_err(OFFLOG_EINVAL, "partition count %d: must be >= 1", partition_count);
	offlog_murmur2(&h, key ? key : "", key_len);
	*partition = (int32_t)(((uint32_t)h & 0x7fffffffu) % (uint32_t)partition_count);
	return 0;
}

int ol_partition_pick(offlog_env *env, const ol_topic *tp, const offlog_message *m,
                      int32_t *sticky, int32_t *out)
{
	if (m->key)
		return offlog_partition_for_key(out, m->key, m->key_len, tp->partitions);
	if (*sticky < 0 || *sticky >= tp->partitions)
		*sticky = (int32_t)(atomic_fetch_add(&env->rr, 1u) % (unsigned)tp->partitions);
	*out = *sticky;
	return 0;
}

/* The partition of a whole batch for OFFLOG_PARTITION_ANY: that of its keys,
 * which must agree, else one round-robin choice for all. */
static int choose_partition(offlog_env *env, const ol_topic *tp, const offlog_message *msgs,
                            size_t count, int32_t *out)
{
	int32_t sticky = -1, chosen = -1;
	for (size_t i = 0; i < count; i++) {
		int32_t p;
		if (!msgs[i].key)
			continue;
		int rc = ol_partition_pick(env, tp, &msgs[i], &sticky, &p);
		if (rc)
			return rc;
		if (chosen >= 0 && p != chosen)
			return ol_err(OFFLOG_EINVAL,
			              "records of one batch map to different partitions (%d and %d); "
			              "give the partition or split the batch",
			              chosen, p);
		chosen = p;
	}
	if (chosen < 0)   /* no key: msgs[0] takes the sticky partition */
		return ol_partition_pick(env, tp, &msgs[0], &sticky, out);
	*out = chosen;
	return 0;
}

int ol_append_part(ol_txn *t, const ol_topic *tp, int32_t part, const offlog_message *msgs,
                   size_t count, int64_t *base)
{
	ol_part p;
	int rc = part_get(t, tp->id, part, &p);
	if (rc)
		return rc;
	*base = p.leo;
	if ((rc = log_append(t, tp, part, &p, msgs, count)) != 0 ||
	    (rc = retention_on_append(t, tp, part, &p, count)) != 0 ||
	    (rc = part_put(t, tp->id, part, &p)) != 0)
		return rc;
	return retention_store_cap(t, tp->id, part, *base);
}

struct append_args {
	const char *topic;
	int32_t partition;
	const offlog_message *msgs;
	size_t count;
	int32_t used;       /* out */
	int64_t base;       /* out */
};

/* Shared by plain appends and transactions. */
int ol_append_in(ol_txn *t, const char *topic, int32_t partition, const offlog_message *msgs,
                 size_t count, int32_t *used, int64_t *base)
{
	ol_topic tp;
	int rc = topic_get(t, topic, &tp);
	if (rc)
		return rc;
	if (partition == OFFLOG_PARTITION_ANY)
		rc = choose_partition(t->env, &tp, msgs, count, &partition);
	else if (partition < 0 || partition >= tp.partitions)
		rc = ol_err(OFFLOG_ENOPART, "topic \"%s\" has no partition %d (it has %d)", topic,
		            partition, tp.partitions);
	if (rc)
		return rc;
	*used = partition;
	return ol_append_part(t, &tp, partition, msgs, count, base);
}

static int append_fn(ol_txn *t, void *arg)
{
	struct append_args *a = arg;
	return ol_append_in(t, a->topic, a->partition, a->msgs, a->count, &a->used, &a->base);
}

int ol_check_append_args(offlog_env *env, const char *topic, int32_t partition,
                         const offlog_message *msgs, size_t count)
{
	if (!env)
		return ol_err(OFFLOG_EINVAL, "env is NULL");
	if (!msgs)
		return ol_err(OFFLOG_EINVAL, "message is NULL");
	if (count == 0)
		return ol_err(OFFLOG_EINVAL, "empty batch");
	if (partition < OFFLOG_PARTITION_ANY)
		return ol_err(OFFLOG_ENOPART, "partition %d: must be >= 0 or OFFLOG_PARTITION_ANY",
		              partition);
	return ol_check_topic_name(topic);
}

OFFLOG_API int offlog_append_batch(int64_t *base_offset, int32_t *partition_out, offlog_env *env,
                                   const char *topic, int32_t partition,
                                   const offlog_message *msgs, size_t count)
{
	struct append_args a = {topic, partition, msgs, count, -1, -1};
	OL_ENV_CHECK(env);
	int rc = ol_check_append_args(env, topic, partition, msgs, count);
	if (rc == 0)
		rc = ol_write(env, append_fn, &a);
	if (rc)
		return rc;
	if (base_offset)
		*base_offset = a.base;
	if (partition_out)
		*partition_out = a.used;
	return 0;
}

OFFLOG_API int offlog_append(int64_t *offset, int32_t *partition_out, offlog_env *env,
                             const char *topic, int32_t partition, const offlog_message *msg)
{
	return offlog_append_batch(offset, partition_out, env, topic, partition, msg, 1);
}

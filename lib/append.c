/* append.c - appending records, and Kafka's default partitioner. */
#include "append.h"

#include "db.h"
#include "log.h"
#include "names.h"
#include "store.h"
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
		rc = log_choose_partition(t->env, &tp, msgs, count, &partition);
	else if (partition < 0 || partition >= tp.partitions)
		rc = ol_err(OFFLOG_ENOPART, "topic \"%s\" has no partition %d (it has %d)", topic,
		            partition, tp.partitions);
	if (rc)
		return rc;
	*used = partition;
	return log_append(t, &tp, partition, msgs, count, base);
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

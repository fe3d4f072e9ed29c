/*
 * abi.c - the ABI described, for bindings: every public struct with its size,
 * version and fields (name, offset, size, type), every constant a binding
 * needs, as one JSON document (offlog_abi_describe) and by name.
 *
 * Offsets and sizes come from the compiler: each struct is one list of
 * fields below, expanded into static assertions (the declared type has the
 * member's size, and for integers its exact type) and into the table the
 * lookups and the document are made from. A field added to a struct of
 * offlog.h is one line in its list; a struct, a list and a row of
 * ABI_STRUCTS; a constant, a row of ABI_CONSTANTS. tests/test_abi.c finds a
 * struct, a field or a constant of the header that is missing here.
 *
 * int and enum members are described as int32: the library is built only
 * where int has 32 bits (asserted below), as every ABI it runs on has.
 */
#include "internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

_Static_assert(sizeof(int) == 4, "int and enum fields are described as int32");

/* ---- field types -------------------------------------------------------- */

enum abi_kind {
	K_I8, K_I16, K_I32, K_I64, K_U8, K_U16, K_U32, K_U64, K_SIZE, K_PTR, K_CHARS, K_STRUCT
};

static const char *const kind_names[] = {
	[K_I8] = "int8",   [K_I16] = "int16",   [K_I32] = "int32", [K_I64] = "int64",
	[K_U8] = "uint8",  [K_U16] = "uint16",  [K_U32] = "uint32", [K_U64] = "uint64",
	[K_SIZE] = "size", [K_PTR] = "pointer",
};

/* Whether member m may be declared with a kind: an integer kind is its exact
 * type (so int64 is not uint64, and int is int32); pointer is any object or
 * function pointer (`*` refuses anything else); char[N] is an array of char;
 * struct NAME is that struct. Not evaluated: m names a member of a null
 * pointer's struct. */
#define ABI_IS_I8(m, t) _Generic((m), int8_t: 1, default: 0)
#define ABI_IS_I16(m, t) _Generic((m), int16_t: 1, default: 0)
#define ABI_IS_I32(m, t) _Generic((m), int32_t: 1, default: 0)
#define ABI_IS_I64(m, t) _Generic((m), int64_t: 1, default: 0)
#define ABI_IS_U8(m, t) _Generic((m), uint8_t: 1, default: 0)
#define ABI_IS_U16(m, t) _Generic((m), uint16_t: 1, default: 0)
#define ABI_IS_U32(m, t) _Generic((m), uint32_t: 1, default: 0)
#define ABI_IS_U64(m, t) _Generic((m), uint64_t: 1, default: 0)
#define ABI_IS_SIZE(m, t) _Generic((m), size_t: 1, default: 0)
#define ABI_IS_PTR(m, t) (sizeof(&*(m)) == sizeof(m))
#define ABI_IS_CHARS(m, t) _Generic(&(m)[0], char *: 1, default: 0)
#define ABI_IS_STRUCT(m, t) _Generic((m), t: 1, default: 0)

/* The size a kind has; 0 for those whose size is the member's own. */
#define ABI_SIZE_I8 1
#define ABI_SIZE_I16 2
#define ABI_SIZE_I32 4
#define ABI_SIZE_I64 8
#define ABI_SIZE_U8 1
#define ABI_SIZE_U16 2
#define ABI_SIZE_U32 4
#define ABI_SIZE_U64 8
#define ABI_SIZE_SIZE sizeof(size_t)
#define ABI_SIZE_PTR sizeof(void *)
#define ABI_SIZE_CHARS 0
#define ABI_SIZE_STRUCT 0

/* ---- the structs -------------------------------------------------------- */

/* Each list gives F(struct, field, KIND, struct type or 0), in the header's
 * order. */
#define FIELDS_offlog_options(F, S)               \
	F(S, version, U32, 0)                         \
	F(S, durability, I32, 0)                      \
	F(S, map_size, U64, 0)                        \
	F(S, max_map_size, U64, 0)                    \
	F(S, max_readers, U32, 0)                     \
	F(S, flush_interval_ms, U32, 0)               \
	F(S, file_mode, U32, 0)                       \
	F(S, flags, U32, 0)                           \
	F(S, maintenance_interval_ms, U32, 0)         \
	F(S, max_store_bytes, U64, 0)                 \
	F(S, store_full_policy, I32, 0)

#define FIELDS_offlog_store_info(F, S) \
	F(S, version, U32, 0)              \
	F(S, map_size, U64, 0)             \
	F(S, map_used, U64, 0)             \
	F(S, page_size, U32, 0)            \
	F(S, max_readers, U32, 0)          \
	F(S, readers_used, U32, 0)         \
	F(S, format_version, U32, 0)       \
	F(S, durability, I32, 0)           \
	F(S, read_only, I32, 0)

#define FIELDS_offlog_topic_config(F, S) \
	F(S, version, U32, 0)                \
	F(S, retention_ms, I64, 0)           \
	F(S, retention_bytes, I64, 0)        \
	F(S, cleanup_policy, I32, 0)         \
	F(S, delete_retention_ms, I64, 0)    \
	F(S, max_message_bytes, I32, 0)      \
	F(S, protected_groups, PTR, 0)       \
	F(S, protected_group_count, SIZE, 0)

#define FIELDS_offlog_partition_info(F, S) \
	F(S, partition, I32, 0)                \
	F(S, log_start, I64, 0)                \
	F(S, high_watermark, I64, 0)           \
	F(S, log_end, I64, 0)                  \
	F(S, records, I64, 0)                  \
	F(S, bytes, I64, 0)

#define FIELDS_offlog_topic_info(F, S) \
	F(S, version, U32, 0)              \
	F(S, name, CHARS, 0)               \
	F(S, partition_count, I32, 0)      \
	F(S, created_ms, I64, 0)           \
	F(S, partitions, PTR, 0)           \
	F(S, config, STRUCT, offlog_topic_config)

#define FIELDS_offlog_header(F, S) \
	F(S, name, PTR, 0)             \
	F(S, name_len, SIZE, 0)        \
	F(S, value, PTR, 0)            \
	F(S, value_len, SIZE, 0)

#define FIELDS_offlog_message(F, S) \
	F(S, key, PTR, 0)               \
	F(S, key_len, SIZE, 0)          \
	F(S, value, PTR, 0)             \
	F(S, value_len, SIZE, 0)        \
	F(S, timestamp, I64, 0)         \
	F(S, headers, PTR, 0)           \
	F(S, header_count, SIZE, 0)

#define FIELDS_offlog_record(F, S) \
	F(S, topic, PTR, 0)            \
	F(S, partition, I32, 0)        \
	F(S, offset, I64, 0)           \
	F(S, timestamp, I64, 0)        \
	F(S, key, PTR, 0)              \
	F(S, key_len, SIZE, 0)         \
	F(S, value, PTR, 0)            \
	F(S, value_len, SIZE, 0)       \
	F(S, header_count, SIZE, 0)    \
	F(S, headers, PTR, 0)          \
	F(S, headers_len, SIZE, 0)

#define FIELDS_offlog_delivery(F, S) \
	F(S, version, U32, 0)            \
	F(S, topic, PTR, 0)              \
	F(S, partition, I32, 0)          \
	F(S, offset, I64, 0)             \
	F(S, sequence, I64, 0)           \
	F(S, duplicate, I32, 0)          \
	F(S, err, I32, 0)                \
	F(S, msg_opaque, PTR, 0)         \
	F(S, errmsg, PTR, 0)

#define FIELDS_offlog_producer_options(F, S) \
	F(S, version, U32, 0)                    \
	F(S, linger_ms, U32, 0)                  \
	F(S, batch_records, U32, 0)              \
	F(S, batch_bytes, U64, 0)                \
	F(S, queue_bytes, U64, 0)                \
	F(S, queue_full, I32, 0)                 \
	F(S, block_ms, U32, 0)                   \
	F(S, idempotent, I32, 0)                 \
	F(S, producer_id, U64, 0)                \
	F(S, on_delivery, PTR, 0)                \
	F(S, opaque, PTR, 0)                     \
	F(S, delivery_mode, I32, 0)

#define FIELDS_offlog_topic_partition(F, S) \
	F(S, topic, PTR, 0)                     \
	F(S, partition, I32, 0)

#define FIELDS_offlog_partition_offset(F, S) \
	F(S, topic, PTR, 0)                      \
	F(S, partition, I32, 0)                  \
	F(S, offset, I64, 0)                     \
	F(S, metadata, PTR, 0)                   \
	F(S, err, I32, 0)

#define FIELDS_offlog_partition_time(F, S) \
	F(S, version, U32, 0)                  \
	F(S, topic, PTR, 0)                    \
	F(S, partition, I32, 0)                \
	F(S, timestamp, I64, 0)                \
	F(S, offset, I64, 0)                   \
	F(S, record_timestamp, I64, 0)         \
	F(S, err, I32, 0)

#define FIELDS_offlog_committed(F, S) \
	F(S, version, U32, 0)             \
	F(S, offset, I64, 0)              \
	F(S, commit_time_ms, I64, 0)      \
	F(S, metadata_len, SIZE, 0)       \
	F(S, metadata, CHARS, 0)

#define FIELDS_offlog_consumer_options(F, S) \
	F(S, version, U32, 0)                    \
	F(S, auto_offset_reset, I32, 0)          \
	F(S, reset_duration_ms, I64, 0)          \
	F(S, enable_auto_commit, I32, 0)         \
	F(S, auto_commit_interval_ms, U32, 0)    \
	F(S, max_poll_records, U32, 0)           \
	F(S, max_poll_bytes, U64, 0)             \
	F(S, isolation, I32, 0)                  \
	F(S, session_timeout_ms, U32, 0)         \
	F(S, heartbeat_interval_ms, U32, 0)      \
	F(S, max_poll_interval_ms, U32, 0)       \
	F(S, assignor, I32, 0)                   \
	F(S, group_instance_id, PTR, 0)          \
	F(S, on_assigned, PTR, 0)                \
	F(S, on_revoked, PTR, 0)                 \
	F(S, on_lost, PTR, 0)                    \
	F(S, rebalance_opaque, PTR, 0)           \
	F(S, on_records_lost, PTR, 0)            \
	F(S, records_lost_opaque, PTR, 0)

#define FIELDS_offlog_group_member(F, S) \
	F(S, member_id, PTR, 0)              \
	F(S, instance_id, PTR, 0)            \
	F(S, pid, I32, 0)                    \
	F(S, last_heartbeat_ms, I64, 0)      \
	F(S, owned, PTR, 0)                  \
	F(S, owned_count, SIZE, 0)           \
	F(S, target, PTR, 0)                 \
	F(S, target_count, SIZE, 0)          \
	F(S, subscription, PTR, 0)           \
	F(S, subscription_count, SIZE, 0)

#define FIELDS_offlog_group_partition(F, S) \
	F(S, topic, PTR, 0)                     \
	F(S, partition, I32, 0)                 \
	F(S, committed, I64, 0)                 \
	F(S, log_start_offset, I64, 0)          \
	F(S, log_end_offset, I64, 0)            \
	F(S, high_watermark, I64, 0)            \
	F(S, lag, I64, 0)                       \
	F(S, member_id, PTR, 0)

#define FIELDS_offlog_group_description(F, S) \
	F(S, version, U32, 0)                     \
	F(S, group, PTR, 0)                       \
	F(S, state, PTR, 0)                       \
	F(S, generation, I64, 0)                  \
	F(S, assignor, I32, 0)                    \
	F(S, members, PTR, 0)                     \
	F(S, member_count, SIZE, 0)               \
	F(S, partitions, PTR, 0)                  \
	F(S, partition_count, SIZE, 0)

/* Every struct of offlog.h with its current version; FROZEN (null in the
 * document) for the elements of arrays, which never change. */
#define FROZEN (-1)
#define ABI_STRUCTS(X)                                               \
	X(offlog_options, OFFLOG_OPTIONS_VERSION)                        \
	X(offlog_store_info, OFFLOG_STORE_INFO_VERSION)                  \
	X(offlog_topic_config, OFFLOG_TOPIC_CONFIG_VERSION)              \
	X(offlog_partition_info, FROZEN)                                 \
	X(offlog_topic_info, OFFLOG_TOPIC_INFO_VERSION)                  \
	X(offlog_header, FROZEN)                                         \
	X(offlog_message, FROZEN)                                        \
	X(offlog_record, FROZEN)                                         \
	X(offlog_delivery, OFFLOG_DELIVERY_VERSION)                      \
	X(offlog_producer_options, OFFLOG_PRODUCER_OPTIONS_VERSION)      \
	X(offlog_topic_partition, FROZEN)                                \
	X(offlog_partition_offset, FROZEN)                               \
	X(offlog_partition_time, OFFLOG_PARTITION_TIME_VERSION)          \
	X(offlog_committed, OFFLOG_COMMITTED_VERSION)                    \
	X(offlog_consumer_options, OFFLOG_CONSUMER_OPTIONS_VERSION)      \
	X(offlog_group_member, FROZEN)                                   \
	X(offlog_group_partition, FROZEN)                                \
	X(offlog_group_description, OFFLOG_GROUP_DESCRIPTION_VERSION)

#define ABI_MEMBER(S, f) (((S *)0)->f)

#define ABI_ASSERT_FIELD(S, f, K, T)                                                        \
	_Static_assert(ABI_IS_##K(ABI_MEMBER(S, f), T) &&                                   \
	                   (ABI_SIZE_##K == 0 || sizeof ABI_MEMBER(S, f) == ABI_SIZE_##K), \
	               #S "." #f " is not of the type declared for it");
#define ABI_ASSERT_STRUCT(S, V) FIELDS_##S(ABI_ASSERT_FIELD, S)
ABI_STRUCTS(ABI_ASSERT_STRUCT)

struct abi_field {
	const char *name;
	size_t offset;
	size_t size;
	enum abi_kind kind;
	const char *struct_name; /* for K_STRUCT */
};

struct abi_struct {
	const char *name;
	size_t size;
	int version; /* FROZEN: none */
	const struct abi_field *fields;
	size_t nfields;
};

#define ABI_FIELD_ROW(S, f, K, T) {#f, offsetof(S, f), sizeof ABI_MEMBER(S, f), K_##K, #T},
#define ABI_FIELD_TABLE(S, V) \
	static const struct abi_field fields_##S[] = {FIELDS_##S(ABI_FIELD_ROW, S)};
ABI_STRUCTS(ABI_FIELD_TABLE)

#define ABI_STRUCT_ROW(S, V) \
	{#S, sizeof(S), V, fields_##S, sizeof fields_##S / sizeof fields_##S[0]},
static const struct abi_struct structs[] = {ABI_STRUCTS(ABI_STRUCT_ROW)};

/* ---- the constants ------------------------------------------------------ */

/* U: of an unsigned 64-bit type and above INT64_MAX (OFFLOG_PRODUCER_ID_STORE_MIN,
 * 2^63): the document gives its value, offlog_abi_constant() its bits. */
#define ABI_CONSTANTS(C, U)                                                                  \
	C(OFFLOG_VERSION_MAJOR) C(OFFLOG_VERSION_MINOR) C(OFFLOG_VERSION_PATCH)                  \
	C(OFFLOG_VERSION_NUMBER) C(OFFLOG_ABI_MAJOR) C(OFFLOG_FORMAT_VERSION)                    \
	C(OFFLOG_OK) C(OFFLOG_EINVAL) C(OFFLOG_ENAME) C(OFFLOG_ENOTOPIC) C(OFFLOG_ENOPART)       \
	C(OFFLOG_EEXIST) C(OFFLOG_EOFFSET) C(OFFLOG_ERANGE) C(OFFLOG_ENOOFFSET)                  \
	C(OFFLOG_ETOOBIG) C(OFFLOG_ENOTSTORE) C(OFFLOG_ENOENT) C(OFFLOG_EVERSION)                \
	C(OFFLOG_EMAPFULL) C(OFFLOG_ENOSPC) C(OFFLOG_EIO) C(OFFLOG_ENOMEM) C(OFFLOG_ECORRUPT)    \
	C(OFFLOG_EREADONLY) C(OFFLOG_EPERM) C(OFFLOG_EBUSY) C(OFFLOG_EREADERS) C(OFFLOG_ETXN)    \
	C(OFFLOG_ESTATE) C(OFFLOG_ETIMEDOUT) C(OFFLOG_EQUEUEFULL) C(OFFLOG_ESEQUENCE)            \
	C(OFFLOG_EPURGED) C(OFFLOG_EFENCED) C(OFFLOG_EGROUPLIVE) C(OFFLOG_ESTOREFULL)            \
	C(OFFLOG_EFATAL) C(OFFLOG_EPLATFORM) C(OFFLOG_EWAKEUP)                                   \
	C(OFFLOG_OFFSET_BEGINNING) C(OFFLOG_OFFSET_END) C(OFFLOG_OFFSET_STORED)                  \
	C(OFFLOG_OFFSET_INVALID) C(OFFLOG_OFFSET_TAIL_BASE)                                      \
	C(OFFLOG_PARTITION_ANY) C(OFFLOG_TIMESTAMP_NOW) C(OFFLOG_LAG_UNKNOWN)                    \
	C(OFFLOG_NAME_MAX) C(OFFLOG_GROUP_MAX) C(OFFLOG_PARTITIONS_MAX) C(OFFLOG_KEY_MAX)        \
	C(OFFLOG_HEADER_COUNT_MAX) C(OFFLOG_HEADER_NAME_MAX) C(OFFLOG_HEADERS_MAX)               \
	C(OFFLOG_METADATA_MAX) C(OFFLOG_MESSAGE_MAX_DEFAULT) C(OFFLOG_MESSAGE_MAX_LIMIT)         \
	C(OFFLOG_PROTECTED_GROUPS_MAX)                                                           \
	C(OFFLOG_DURABILITY_SYNC) C(OFFLOG_DURABILITY_NOMETASYNC) C(OFFLOG_DURABILITY_ASYNC)     \
	C(OFFLOG_OPEN_READONLY) C(OFFLOG_OPEN_NOCREATE) C(OFFLOG_OPEN_INSECURE)                  \
	C(OFFLOG_OPEN_VERIFY)                                                                    \
	C(OFFLOG_STORE_FULL_REJECT) C(OFFLOG_STORE_FULL_DROP_OLDEST)                             \
	C(OFFLOG_OPTIONS_VERSION) C(OFFLOG_STORE_INFO_VERSION)                                   \
	C(OFFLOG_CLEANUP_DELETE) C(OFFLOG_CLEANUP_COMPACT) C(OFFLOG_TOPIC_CONFIG_VERSION)        \
	C(OFFLOG_TOPIC_INFO_VERSION)                                                             \
	C(OFFLOG_DELIVERY_VERSION) C(OFFLOG_DELIVERY_THREAD) C(OFFLOG_DELIVERY_POLL)             \
	C(OFFLOG_QUEUE_BLOCK) C(OFFLOG_QUEUE_FAIL) C(OFFLOG_PRODUCER_OPTIONS_VERSION)            \
	U(OFFLOG_PRODUCER_ID_STORE_MIN) C(OFFLOG_PRODUCER_PURGE)                                 \
	C(OFFLOG_PARTITION_TIME_VERSION) C(OFFLOG_COMMITTED_VERSION)                             \
	C(OFFLOG_RESET_LATEST) C(OFFLOG_RESET_EARLIEST) C(OFFLOG_RESET_NONE)                     \
	C(OFFLOG_RESET_BY_DURATION)                                                              \
	C(OFFLOG_ISOLATION_DURABLE) C(OFFLOG_ISOLATION_COMMITTED)                                \
	C(OFFLOG_ASSIGNOR_RANGE) C(OFFLOG_ASSIGNOR_ROUNDROBIN)                                   \
	C(OFFLOG_ASSIGNOR_COOPERATIVE_STICKY) C(OFFLOG_CONSUMER_OPTIONS_VERSION)                 \
	C(OFFLOG_GROUP_DESCRIPTION_VERSION)                                                      \
	C(OFFLOG_RESET_TO_EARLIEST) C(OFFLOG_RESET_TO_LATEST) C(OFFLOG_RESET_TO_OFFSET)          \
	C(OFFLOG_RESET_TO_TIMESTAMP) C(OFFLOG_RESET_SHIFT_BY) C(OFFLOG_RESET_TO_CURRENT)         \
	C(OFFLOG_RESET_TO_LISTED) C(OFFLOG_RESET_DRY_RUN) C(OFFLOG_RESET_FORCE)

struct abi_constant {
	const char *name;
	uint64_t bits; /* two's complement when signed */
	bool is_unsigned;
};

/* A signed constant must fit int64_t; an unsigned one must be an unsigned
 * 64-bit value: both are checked where the table is made. */
#define ABI_CONST_ROW(c) {#c, (uint64_t)(int64_t)(c), false},
#define ABI_UCONST_ROW(c) {#c, (uint64_t)(c), true},
static const struct abi_constant constants[] = {ABI_CONSTANTS(ABI_CONST_ROW, ABI_UCONST_ROW)};

#define ABI_CONST_FITS(c) _Static_assert((c) >= INT64_MIN && (c) <= INT64_MAX, #c " fits int64");
#define ABI_UCONST_FITS(c) \
	_Static_assert((c) > (uint64_t)INT64_MAX && (c) <= UINT64_MAX, #c " is beyond int64");
ABI_CONSTANTS(ABI_CONST_FITS, ABI_UCONST_FITS)

#define ABI_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the document ------------------------------------------------------- */

/* A writer that measures when it has no buffer: the document is made twice,
 * once to size it and once into memory of that size. */
struct out {
	char *buf;
	size_t cap;
	size_t len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(o->buf ? o->buf + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_field(struct out *o, const struct abi_field *f)
{
	put(o, "{\"name\": \"%s\", \"offset\": %zu, \"size\": %zu, \"type\": ", f->name, f->offset,
	    f->size);
	if (f->kind == K_CHARS)
		put(o, "\"char[%zu]\"}", f->size);
	else if (f->kind == K_STRUCT)
		put(o, "\"struct %s\"}", f->struct_name);
	else
		put(o, "\"%s\"}", kind_names[f->kind]);
}

static void put_struct(struct out *o, const struct abi_struct *s)
{
	put(o, "    \"%s\": {\"size\": %zu, \"version\": ", s->name, s->size);
	if (s->version == FROZEN)
		put(o, "null");
	else
		put(o, "%d", s->version);
	put(o, ",\n      \"fields\": [");
	for (size_t i = 0; i < s->nfields; i++) {
		put(o, "%s\n        ", i ? "," : "");
		put_field(o, &s->fields[i]);
	}
	put(o, "]}");
}

static void put_document(struct out *o)
{
	put(o, "{\"abi\": %d, \"version\": \"%s\", \"soname\": \"%s\", \"pointer_size\": %zu,\n",
	    OFFLOG_ABI_MAJOR, OFFLOG_VERSION_STRING,
	    "libofflog.so." OFFLOG_INTERNAL_STR(OFFLOG_ABI_MAJOR), sizeof(void *));
	put(o, "  \"structs\": {\n");
	for (size_t i = 0; i < ABI_LEN(structs); i++) {
		put_struct(o, &structs[i]);
		put(o, "%s\n", i + 1 < ABI_LEN(structs) ? "," : "");
	}
	put(o, "  },\n  \"constants\": {");
	for (size_t i = 0; i < ABI_LEN(constants); i++) {
		const struct abi_constant *c = &constants[i];
		put(o, "%s\n    \"%s\": ", i ? "," : "", c->name);
		if (c->is_unsigned)
			put(o, "%" PRIu64, c->bits);
		else
			put(o, "%" PRId64, (int64_t)c->bits);
	}
	put(o, "\n  }\n}\n");
}

/* Out of memory at the first call: a document that says so, still JSON. */
static const char no_memory[] = "{\"abi\": " OFFLOG_INTERNAL_STR(OFFLOG_ABI_MAJOR)
	", \"version\": \"" OFFLOG_VERSION_STRING "\", \"soname\": \"libofflog.so."
	OFFLOG_INTERNAL_STR(OFFLOG_ABI_MAJOR) "\", \"error\": \"out of memory\"}\n";

static const char *document = no_memory;
static pthread_once_t document_once = PTHREAD_ONCE_INIT;

static void make_document(void)
{
	struct out o = {NULL, 0, 0};
	put_document(&o);
	o.buf = malloc(o.len + 1);
	if (!o.buf)
		return;
	o.cap = o.len + 1;
	o.len = 0;
	put_document(&o);
	document = o.buf;
}

OFFLOG_API const char *offlog_abi_describe(void)
{
	pthread_once(&document_once, make_document);
	return document;
}

/* ---- lookups by name ---------------------------------------------------- */

static const struct abi_struct *find_struct(const char *type)
{
	for (size_t i = 0; i < ABI_LEN(structs); i++)
		if (strcmp(structs[i].name, type) == 0)
			return &structs[i];
	return NULL;
}

OFFLOG_API int offlog_abi_sizeof(size_t *size, const char *type)
{
	if (!size || !type)
		return ol_err(OFFLOG_EINVAL, "offlog_abi_sizeof: NULL argument");
	const struct abi_struct *s = find_struct(type);
	if (!s)
		return ol_err(OFFLOG_EINVAL, "no struct %.64s in this library's ABI", type);
	*size = s->size;
	return 0;
}

OFFLOG_API int offlog_abi_offsetof(size_t *offset, const char *type, const char *field)
{
	if (!offset || !type || !field)
		return ol_err(OFFLOG_EINVAL, "offlog_abi_offsetof: NULL argument");
	const struct abi_struct *s = find_struct(type);
	if (!s)
		return ol_err(OFFLOG_EINVAL, "no struct %.64s in this library's ABI", type);
	for (size_t i = 0; i < s->nfields; i++) {
		if (strcmp(s->fields[i].name, field) == 0) {
			*offset = s->fields[i].offset;
			return 0;
		}
	}
	return ol_err(OFFLOG_EINVAL, "%s has no field %.64s in this library's ABI", s->name, field);
}

OFFLOG_API int offlog_abi_constant(int64_t *value, const char *name)
{
	if (!value || !name)
		return ol_err(OFFLOG_EINVAL, "offlog_abi_constant: NULL argument");
	for (size_t i = 0; i < ABI_LEN(constants); i++) {
		if (strcmp(constants[i].name, name) == 0) {
			/* The bits, for the unsigned one too (UINT64_MAX's would be -1). */
			memcpy(value, &constants[i].bits, sizeof *value);
			return 0;
		}
	}
	return ol_err(OFFLOG_EINVAL, "no constant %.64s in this library's ABI", name);
}

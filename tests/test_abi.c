/* test_abi.c - the ABI's self-description: sizes and offsets as this
 * compiler lays the structs out, every struct, field and constant of the
 * header described, a document that is JSON. */
#include "helpers.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a small JSON reader: a tree of values ------------------------------- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jval {
	enum jtype type;
	char *str;            /* J_STR; J_NUM: the number's text */
	struct jval **items;  /* J_ARR, J_OBJ: the values */
	char **keys;          /* J_OBJ: the keys */
	size_t count;
} jval;

typedef struct jparser {
	const char *p;
	const char *err;
} jparser;

static void jfree(jval *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->count; i++) {
		jfree(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v);
}

static void jspace(jparser *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

static jval *jfail(jparser *j, const char *why, jval *v)
{
	if (!j->err)
		j->err = why;
	jfree(v);
	return NULL;
}

static jval *jnew(enum jtype t)
{
	jval *v = calloc(1, sizeof *v);
	assert_non_null(v);
	v->type = t;
	return v;
}

static char *jstring(jparser *j)
{
	if (*j->p != '"')
		return NULL;
	const char *s = ++j->p;
	while (*j->p && *j->p != '"') {
		if ((unsigned char)*j->p < 0x20)
			return NULL;
		if (*j->p == '\\') {
			j->p++;
			if (!*j->p || !strchr("\"\\/bfnrtu", *j->p))
				return NULL;
		}
		j->p++;
	}
	if (*j->p != '"')
		return NULL;
	char *out = strndup(s, (size_t)(j->p - s));
	assert_non_null(out);
	j->p++;
	return out;
}

static void jpush(jval *v, char *key, jval *item)
{
	v->items = realloc(v->items, (v->count + 1) * sizeof *v->items);
	assert_non_null(v->items);
	if (v->type == J_OBJ) {
		v->keys = realloc(v->keys, (v->count + 1) * sizeof *v->keys);
		assert_non_null(v->keys);
		v->keys[v->count] = key;
	}
	v->items[v->count++] = item;
}

static jval *jvalue(jparser *j, int depth);

static jval *jcontainer(jparser *j, int depth, bool obj)
{
	jval *v = jnew(obj ? J_OBJ : J_ARR);
	char close = obj ? '}' : ']';
	j->p++;
	jspace(j);
	if (*j->p == close) {
		j->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		jspace(j);
		if (obj) {
			if (!(key = jstring(j)))
				return jfail(j, "bad key", v);
			jspace(j);
			if (*j->p++ != ':') {
				free(key);
				return jfail(j, "':' expected", v);
			}
		}
		jval *item = jvalue(j, depth + 1);
		if (!item) {
			free(key);
			return jfail(j, "bad value", v);
		}
		jpush(v, key, item);
		jspace(j);
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return jfail(j, "',' or the end of a container expected", v);
		return v;
	}
}

static jval *jvalue(jparser *j, int depth)
{
	if (depth > 32)
		return jfail(j, "too deep", NULL);
	jspace(j);
	if (*j->p == '{' || *j->p == '[')
		return jcontainer(j, depth, *j->p == '{');
	if (*j->p == '"') {
		jval *v = jnew(J_STR);
		if (!(v->str = jstring(j)))
			return jfail(j, "bad string", v);
		return v;
	}
	static const struct {
		const char *word;
		enum jtype type;
	} words[] = {{"null", J_NULL}, {"true", J_BOOL}, {"false", J_BOOL}};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (strncmp(j->p, words[i].word, strlen(words[i].word)) == 0) {
			j->p += strlen(words[i].word);
			return jnew(words[i].type);
		}
	}
	/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	const char *s = j->p;
	if (*j->p == '-')
		j->p++;
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9')
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jfail(j, "unexpected character", NULL);
	if (*j->p == '.') {
		j->p++;
		if (!(*j->p >= '0' && *j->p <= '9'))
			return jfail(j, "bad fraction", NULL);
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (*j->p == 'e' || *j->p == 'E') {
		j->p++;
		if (*j->p == '+' || *j->p == '-')
			j->p++;
		if (!(*j->p >= '0' && *j->p <= '9'))
			return jfail(j, "bad exponent", NULL);
		while (*j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	jval *v = jnew(J_NUM);
	v->str = strndup(s, (size_t)(j->p - s));
	assert_non_null(v->str);
	return v;
}

/* The whole text as one value, nothing after it; fails the test otherwise. */
static jval *jparse(const char *text)
{
	jparser j = {text, NULL};
	jval *v = jvalue(&j, 0);
	if (v) {
		jspace(&j);
		if (*j.p) {
			jfree(v);
			v = NULL;
			j.err = "text after the document";
		}
	}
	if (!v)
		fail_msg("not JSON at byte %td: %s", j.p - text, j.err ? j.err : "?");
	return v;
}

static jval *jget(const jval *obj, const char *key)
{
	assert_int_equal(obj->type, J_OBJ);
	for (size_t i = 0; i < obj->count; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

static jval *jmust(const jval *obj, const char *key)
{
	jval *v = jget(obj, key);
	if (!v)
		fail_msg("no key \"%s\"", key);
	return v;
}

static int64_t jint(const jval *v)
{
	assert_int_equal(v->type, J_NUM);
	assert_null(strpbrk(v->str, ".eE"));
	return strtoll(v->str, NULL, 10);
}

static const char *jstr(const jval *v)
{
	assert_int_equal(v->type, J_STR);
	return v->str;
}

static jval *describe(void)
{
	const char *doc = offlog_abi_describe();
	assert_non_null(doc);
	return jparse(doc);
}

/* ---- what this compiler says ---------------------------------------------- */

#define ST(t) {#t, sizeof(t)}
static const struct {
	const char *name;
	size_t size;
} structs[] = {
	ST(offlog_options), ST(offlog_store_info), ST(offlog_topic_config),
	ST(offlog_partition_info), ST(offlog_topic_info), ST(offlog_header), ST(offlog_message),
	ST(offlog_record), ST(offlog_delivery), ST(offlog_producer_options),
	ST(offlog_topic_partition), ST(offlog_partition_offset), ST(offlog_partition_time),
	ST(offlog_committed), ST(offlog_consumer_options), ST(offlog_group_member),
	ST(offlog_group_partition), ST(offlog_group_description),
};

#define OF(t, f) {#t, #f, offsetof(t, f)}
static const struct {
	const char *type;
	const char *field;
	size_t offset;
} offsets[] = {
	OF(offlog_options, version), OF(offlog_options, map_size),
	OF(offlog_options, store_full_policy), OF(offlog_store_info, read_only),
	OF(offlog_topic_config, protected_groups), OF(offlog_partition_info, bytes),
	OF(offlog_topic_info, name), OF(offlog_topic_info, partition_count),
	OF(offlog_topic_info, config), OF(offlog_header, value_len), OF(offlog_message, timestamp),
	OF(offlog_message, header_count), OF(offlog_record, partition), OF(offlog_record, offset),
	OF(offlog_record, headers_len), OF(offlog_delivery, errmsg), OF(offlog_delivery, err),
	OF(offlog_producer_options, on_delivery), OF(offlog_producer_options, delivery_mode),
	OF(offlog_topic_partition, partition), OF(offlog_partition_offset, err),
	OF(offlog_partition_time, record_timestamp), OF(offlog_committed, metadata),
	OF(offlog_consumer_options, on_records_lost), OF(offlog_consumer_options, assignor),
	OF(offlog_group_member, subscription_count), OF(offlog_group_partition, member_id),
	OF(offlog_group_description, partition_count),
};

#define CO(c) {#c, (int64_t)(c)}
static const struct {
	const char *name;
	int64_t value;
} constants[] = {
	CO(OFFLOG_OK), CO(OFFLOG_EINVAL), CO(OFFLOG_ERANGE), CO(OFFLOG_EWAKEUP),
	CO(OFFLOG_EPLATFORM), CO(OFFLOG_OFFSET_BEGINNING), CO(OFFLOG_OFFSET_END),
	CO(OFFLOG_OFFSET_STORED), CO(OFFLOG_OFFSET_INVALID), CO(OFFLOG_OFFSET_TAIL_BASE),
	CO(OFFLOG_PARTITION_ANY), CO(OFFLOG_TIMESTAMP_NOW), CO(OFFLOG_LAG_UNKNOWN),
	CO(OFFLOG_NAME_MAX), CO(OFFLOG_METADATA_MAX), CO(OFFLOG_MESSAGE_MAX_LIMIT),
	CO(OFFLOG_PROTECTED_GROUPS_MAX), CO(OFFLOG_OPEN_VERIFY), CO(OFFLOG_CLEANUP_COMPACT),
	CO(OFFLOG_PRODUCER_PURGE), CO(OFFLOG_RESET_BY_DURATION), CO(OFFLOG_RESET_TO_LISTED),
	CO(OFFLOG_RESET_DRY_RUN), CO(OFFLOG_RESET_FORCE), CO(OFFLOG_DURABILITY_ASYNC),
	CO(OFFLOG_STORE_FULL_DROP_OLDEST), CO(OFFLOG_QUEUE_FAIL), CO(OFFLOG_DELIVERY_POLL),
	CO(OFFLOG_ISOLATION_COMMITTED), CO(OFFLOG_ASSIGNOR_COOPERATIVE_STICKY),
	CO(OFFLOG_OPTIONS_VERSION), CO(OFFLOG_CONSUMER_OPTIONS_VERSION),
	CO(OFFLOG_GROUP_DESCRIPTION_VERSION), CO(OFFLOG_ABI_MAJOR), CO(OFFLOG_FORMAT_VERSION),
	CO(OFFLOG_VERSION_NUMBER),
};

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the header, read as text -------------------------------------------
 * The tests run from the repository's top directory (make check). */

#define HEADER "include/offlog.h"

static char **header_lines(size_t *count)
{
	FILE *f = fopen(HEADER, "r");
	if (!f)
		return NULL;
	char **lines = NULL;
	char buf[512];
	*count = 0;
	while (fgets(buf, sizeof buf, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		lines = realloc(lines, (*count + 1) * sizeof *lines);
		assert_non_null(lines);
		lines[(*count)++] = strdup(buf);
	}
	fclose(f);
	return lines;
}

static void free_lines(char **lines, size_t count)
{
	for (size_t i = 0; i < count; i++)
		free(lines[i]);
	free(lines);
}

/* The identifier that ends at `end` (exclusive) in line. */
static char *ident_before(const char *line, const char *end)
{
	const char *s = end;
	while (s > line && (s[-1] == '_' || (s[-1] >= 'a' && s[-1] <= 'z') ||
	                    (s[-1] >= 'A' && s[-1] <= 'Z') || (s[-1] >= '0' && s[-1] <= '9')))
		s--;
	return strndup(s, (size_t)(end - s));
}

/* ---- tests ---------------------------------------------------------------- */

static void test_abi_sizes_are_the_compilers(void **state)
{
	(void)state;
	for (size_t i = 0; i < LEN(structs); i++) {
		size_t size = 0;
		assert_ok(offlog_abi_sizeof(&size, structs[i].name));
		if (size != structs[i].size)
			fail_msg("%s: %zu, compiler %zu", structs[i].name, size, structs[i].size);
	}
}

static void test_abi_offsets_are_the_compilers(void **state)
{
	(void)state;
	for (size_t i = 0; i < LEN(offsets); i++) {
		size_t off = 9999;
		assert_ok(offlog_abi_offsetof(&off, offsets[i].type, offsets[i].field));
		if (off != offsets[i].offset)
			fail_msg("%s.%s: %zu, compiler %zu", offsets[i].type, offsets[i].field, off,
			         offsets[i].offset);
	}
}

static void test_abi_unknown_names_and_null_arguments_are_einval(void **state)
{
	(void)state;
	size_t n;
	int64_t v;
	assert_code(offlog_abi_sizeof(&n, "offlog_nothing"), OFFLOG_EINVAL);
	assert_code(offlog_abi_sizeof(&n, "offlog_env"), OFFLOG_EINVAL); /* opaque */
	assert_code(offlog_abi_sizeof(NULL, "offlog_record"), OFFLOG_EINVAL);
	assert_code(offlog_abi_sizeof(&n, NULL), OFFLOG_EINVAL);
	assert_code(offlog_abi_offsetof(&n, "offlog_record", "nothing"), OFFLOG_EINVAL);
	assert_code(offlog_abi_offsetof(&n, "offlog_nothing", "topic"), OFFLOG_EINVAL);
	assert_code(offlog_abi_offsetof(NULL, "offlog_record", "topic"), OFFLOG_EINVAL);
	assert_code(offlog_abi_offsetof(&n, NULL, "topic"), OFFLOG_EINVAL);
	assert_code(offlog_abi_offsetof(&n, "offlog_record", NULL), OFFLOG_EINVAL);
	assert_code(offlog_abi_constant(&v, "OFFLOG_NOTHING"), OFFLOG_EINVAL);
	assert_code(offlog_abi_constant(&v, "OFFLOG_OFFSET_TAIL"), OFFLOG_EINVAL); /* a macro */
	assert_code(offlog_abi_constant(NULL, "OFFLOG_ERANGE"), OFFLOG_EINVAL);
	assert_code(offlog_abi_constant(&v, NULL), OFFLOG_EINVAL);
	assert_non_null(strstr(offlog_errmsg(), "NULL"));
}

static void test_abi_constants_round_trip(void **state)
{
	(void)state;
	jval *doc = describe();
	jval *consts = jmust(doc, "constants");
	for (size_t i = 0; i < LEN(constants); i++) {
		int64_t v = 12345;
		assert_ok(offlog_abi_constant(&v, constants[i].name));
		if (v != constants[i].value)
			fail_msg("%s: %lld, header %lld", constants[i].name, (long long)v,
			         (long long)constants[i].value);
		assert_int_equal(jint(jmust(consts, constants[i].name)), constants[i].value);
	}
	/* 2^63: its value in the document, its bits from offlog_abi_constant(). */
	int64_t bits;
	assert_ok(offlog_abi_constant(&bits, "OFFLOG_PRODUCER_ID_STORE_MIN"));
	uint64_t u;
	memcpy(&u, &bits, sizeof u);
	assert_true(u == OFFLOG_PRODUCER_ID_STORE_MIN);
	assert_string_equal(jmust(consts, "OFFLOG_PRODUCER_ID_STORE_MIN")->str,
	                    "9223372036854775808");
	/* Every constant of the document is one offlog_abi_constant() knows. */
	for (size_t i = 0; i < consts->count; i++) {
		assert_ok(offlog_abi_constant(&bits, consts->keys[i]));
		if (strcmp(consts->keys[i], "OFFLOG_PRODUCER_ID_STORE_MIN") != 0)
			assert_int_equal(bits, jint(consts->items[i]));
	}
	jfree(doc);
}

static void test_abi_document_is_json_with_its_header_keys(void **state)
{
	(void)state;
	jval *doc = describe();
	assert_int_equal(jint(jmust(doc, "abi")), OFFLOG_ABI_MAJOR);
	assert_string_equal(jstr(jmust(doc, "version")), OFFLOG_VERSION_STRING);
	char soname[64];
	snprintf(soname, sizeof soname, "libofflog.so.%d", OFFLOG_ABI_MAJOR);
	assert_string_equal(jstr(jmust(doc, "soname")), soname);
	assert_int_equal(jint(jmust(doc, "pointer_size")), sizeof(void *));
	jval *sts = jmust(doc, "structs");
	assert_int_equal(sts->type, J_OBJ);
	for (size_t i = 0; i < LEN(structs); i++) {
		jval *s = jmust(sts, structs[i].name);
		assert_int_equal(jint(jmust(s, "size")), structs[i].size);
		jval *ver = jmust(s, "version");
		assert_true(ver->type == J_NULL || ver->type == J_NUM);
	}
	assert_int_equal(sts->count, LEN(structs));
	/* The frozen ones have no version; a versioned one has its constant's. */
	assert_int_equal(jmust(jmust(sts, "offlog_record"), "version")->type, J_NULL);
	assert_int_equal(jint(jmust(jmust(sts, "offlog_consumer_options"), "version")),
	                 OFFLOG_CONSUMER_OPTIONS_VERSION);
	assert_ptr_equal(offlog_abi_describe(), offlog_abi_describe());
	jfree(doc);
}

/* The size a field's type string says, or 0 for an unknown type. */
static size_t type_size(const jval *sts, const char *type)
{
	static const struct {
		const char *name;
		size_t size;
	} fixed[] = {
		{"int8", 1},   {"int16", 2},  {"int32", 4},  {"int64", 8},
		{"uint8", 1},  {"uint16", 2}, {"uint32", 4}, {"uint64", 8},
		{"size", sizeof(size_t)},     {"pointer", sizeof(void *)},
	};
	for (size_t i = 0; i < LEN(fixed); i++)
		if (strcmp(type, fixed[i].name) == 0)
			return fixed[i].size;
	unsigned long n;
	char end;
	if (sscanf(type, "char[%lu%c", &n, &end) == 2 && end == ']')
		return n;
	if (strncmp(type, "struct ", 7) == 0) {
		jval *s = jget(sts, type + 7);
		return s ? (size_t)jint(jmust(s, "size")) : 0;
	}
	return 0;
}

/* A field missing from the description leaves a hole: each field starts
 * within 8 bytes (the largest alignment) of the end of the one before, and
 * the last ends within 8 bytes of the struct's end. */
static void test_abi_fields_tile_each_struct(void **state)
{
	(void)state;
	jval *doc = describe();
	jval *sts = jmust(doc, "structs");
	for (size_t i = 0; i < sts->count; i++) {
		const char *name = sts->keys[i];
		size_t size = (size_t)jint(jmust(sts->items[i], "size"));
		jval *fields = jmust(sts->items[i], "fields");
		assert_int_equal(fields->type, J_ARR);
		assert_true(fields->count > 0);
		size_t end = 0;
		for (size_t k = 0; k < fields->count; k++) {
			jval *f = fields->items[k];
			const char *fname = jstr(jmust(f, "name"));
			size_t off = (size_t)jint(jmust(f, "offset"));
			size_t fsize = (size_t)jint(jmust(f, "size"));
			const char *type = jstr(jmust(f, "type"));
			if (type_size(sts, type) != fsize)
				fail_msg("%s.%s: type %s, size %zu", name, fname, type, fsize);
			if (k == 0 && off != 0)
				fail_msg("%s.%s: first field at %zu", name, fname, off);
			if (off < end)
				fail_msg("%s.%s at %zu overlaps the field before (ends at %zu)",
				         name, fname, off, end);
			if (off - end >= 8)
				fail_msg("%s.%s at %zu: a hole of %zu bytes before it: a field "
				         "missing?", name, fname, off, off - end);
			size_t lib_off;
			assert_ok(offlog_abi_offsetof(&lib_off, name, fname));
			assert_int_equal(lib_off, off);
			end = off + fsize;
		}
		if (end > size || size - end >= 8)
			fail_msg("%s: the last field ends at %zu, the struct at %zu: a field "
			         "missing?", name, end, size);
	}
	jfree(doc);
}

/* Every struct of the header is described, with its members in order; a
 * member is a line of one tab, a declaration and ';'. */
static void test_abi_describes_every_struct_and_field_of_the_header(void **state)
{
	(void)state;
	size_t nlines;
	char **lines = header_lines(&nlines);
	if (!lines)
		skip();
	jval *doc = describe();
	jval *sts = jmust(doc, "structs");
	size_t seen = 0;
	for (size_t i = 0; i < nlines; i++) {
		char name[128];
		if (sscanf(lines[i], "typedef struct %127[a-z_] {", name) != 1 ||
		    !strchr(lines[i], '{'))
			continue;
		jval *s = jget(sts, name);
		if (!s)
			fail_msg("%s, a struct of %s, is not described", name, HEADER);
		jval *fields = jmust(s, "fields");
		size_t k = 0;
		for (i++; i < nlines && lines[i][0] != '}'; i++) {
			const char *l = lines[i];
			if (l[0] != '\t' || l[1] == ' ' || l[1] == '\t' || l[1] == '/' ||
			    !strchr(l, ';'))
				continue;
			const char *end = strchr(l, ';');
			const char *br = strchr(l, '[');
			char *field = ident_before(l, br && br < end ? br : end);
			if (k >= fields->count)
				fail_msg("%s.%s is not described", name, field);
			if (strcmp(jstr(jmust(fields->items[k], "name")), field) != 0)
				fail_msg("%s: field %zu is %s in the header, %s in the description",
				         name, k, field, jstr(jmust(fields->items[k], "name")));
			free(field);
			k++;
		}
		if (k != fields->count)
			fail_msg("%s: %zu fields in the header, %zu described", name, k,
			         fields->count);
		seen++;
	}
	assert_int_equal(seen, sts->count);
	jfree(doc);
	free_lines(lines, nlines);
}

/* Every numeric constant of the header is described: #define OFFLOG_X
 * <value> (not the function-like macros, the *_INIT initialisers, the
 * header's own) and every enum member. */
static void test_abi_describes_every_constant_of_the_header(void **state)
{
	(void)state;
	size_t nlines;
	char **lines = header_lines(&nlines);
	if (!lines)
		skip();
	static const char *const not_constants[] = {
		"OFFLOG_H", "OFFLOG_API", "OFFLOG_VERSION_STRING",
	};
	size_t checked = 0;
	for (size_t i = 0; i < nlines; i++) {
		const char *l = lines[i], *name = NULL;
		if (strncmp(l, "#define OFFLOG_", 15) == 0)
			name = l + 8;
		else if (l[0] == '\t' && strncmp(l + 1, "OFFLOG_", 7) == 0 && strstr(l, " = "))
			name = l + 1;
		if (!name)
			continue;
		size_t len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
		char *c = strndup(name, len);
		bool skip_it = name[len] == '(' || strncmp(c, "OFFLOG_INTERNAL_", 16) == 0 ||
		               (len > 5 && strcmp(c + len - 5, "_INIT") == 0);
		for (size_t k = 0; k < LEN(not_constants); k++)
			skip_it = skip_it || strcmp(c, not_constants[k]) == 0;
		int64_t v;
		if (!skip_it && offlog_abi_constant(&v, c) != 0)
			fail_msg("%s, a constant of %s, is not described", c, HEADER);
		checked += !skip_it;
		free(c);
	}
	assert_true(checked > 100);
	free_lines(lines, nlines);
}

static void *describe_thread(void *arg)
{
	(void)arg;
	return (void *)offlog_abi_describe();
}

static void test_abi_document_is_made_once_for_all_threads(void **state)
{
	(void)state;
	pthread_t t[4];
	void *r[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, describe_thread, NULL), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], &r[i]), 0);
	for (int i = 0; i < 4; i++)
		assert_ptr_equal(r[i], offlog_abi_describe());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_abi_document_is_made_once_for_all_threads),
		cmocka_unit_test(test_abi_sizes_are_the_compilers),
		cmocka_unit_test(test_abi_offsets_are_the_compilers),
		cmocka_unit_test(test_abi_unknown_names_and_null_arguments_are_einval),
		cmocka_unit_test(test_abi_constants_round_trip),
		cmocka_unit_test(test_abi_document_is_json_with_its_header_keys),
		cmocka_unit_test(test_abi_fields_tile_each_struct),
		cmocka_unit_test(test_abi_describes_every_struct_and_field_of_the_header),
		cmocka_unit_test(test_abi_describes_every_constant_of_the_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

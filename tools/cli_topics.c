/*
 * cli_topics.c - offlog topics ... and offlog delete-records.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

enum {
	T_PARTITIONS = 1, T_CONFIG, T_DELETE_CONFIG, T_JSON, T_QUIET, T_FORCE,
	T_RETENTION_MS, T_RETENTION_BYTES, T_CLEANUP, T_DELETE_RETENTION, T_MAX_MESSAGE, T_PROTECTED,
	T_BEFORE
};

static const cli_opt topic_opts[] = {
	{'p', "partitions", true, T_PARTITIONS},
	{'c', "config", true, T_CONFIG},
	{0, "delete-config", true, T_DELETE_CONFIG},
	{0, "json", false, T_JSON},
	{'q', "quiet", false, T_QUIET},
	{0, "force", false, T_FORCE},
	{0, "retention-ms", true, T_RETENTION_MS},
	{0, "retention-bytes", true, T_RETENTION_BYTES},
	{0, "cleanup-policy", true, T_CLEANUP},
	{0, "delete-retention-ms", true, T_DELETE_RETENTION},
	{0, "max-message-bytes", true, T_MAX_MESSAGE},
	{0, "protected-groups", true, T_PROTECTED},
	{0, NULL, false, 0},
};

const char cmd_topics_help[] =
	"usage: offlog topics list [--json] [-q]\n"
	"       offlog topics create TOPIC [-p N] [CONFIG...]\n"
	"       offlog topics describe [TOPIC...] [--json]\n"
	"       offlog topics alter TOPIC CONFIG... [--delete-config KEY]...\n"
	"       offlog topics add-partitions TOPIC -p TOTAL\n"
	"       offlog topics delete TOPIC [--force]\n"
	"\n"
	"  -p, --partitions N           partitions (create: default 1; add-partitions: the new total)\n"
	"  -c, --config KEY=VALUE       retention.ms, retention.bytes, cleanup.policy\n"
	"                               (delete|compact|compact,delete), delete.retention.ms,\n"
	"                               max.message.bytes, protected.groups (comma list)\n"
	"  --retention-ms MS, --retention-bytes N, --cleanup-policy P, --delete-retention-ms MS,\n"
	"  --max-message-bytes N, --protected-groups G1,G2   the same, one option each\n"
	"                               (times in ms, -1 for no limit, or a duration PnDTnHnMnS)\n"
	"  --delete-config KEY          alter: back to the default\n"
	"  -q, --quiet                  list: names only\n"
	"  --json                       JSON output\n"
	"  --force                      delete: even while a live group member consumes it\n";

/* A configuration being built: the protected group names are owned here. */
typedef struct config {
	offlog_topic_config cfg;
	char **groups;
	size_t ngroups;
	bool changed;
} config;

static void config_clear_groups(config *c)
{
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	c->groups = NULL;
	c->ngroups = 0;
	c->cfg.protected_groups = NULL;
	c->cfg.protected_group_count = 0;
}

static void config_add_group(config *c, const char *g, size_t len)
{
	c->groups = cli_xrealloc(c->groups, (c->ngroups + 1) * sizeof *c->groups);
	char *copy = cli_xmalloc(len + 1);
	memcpy(copy, g, len);
	copy[len] = 0;
	c->groups[c->ngroups++] = copy;
	c->cfg.protected_groups = (const char *const *)c->groups;
	c->cfg.protected_group_count = c->ngroups;
}

/* A comma list of group ids; "" is none. An empty element (",,", "a,")
 * is a usage error: it is a typo more often than a wish. */
static int config_set_groups(config *c, const char *list)
{
	config_clear_groups(c);
	if (!*list)
		return CLI_OK;
	for (const char *p = list;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == 0) {
			config_clear_groups(c);
			return cli_usage("protected.groups: '%s' has an empty group id (give G1,G2,... or "
			                 "'' for none)", list);
		}
		config_add_group(c, p, len);
		if (!comma)
			return CLI_OK;
		p = comma + 1;
	}
}

static void config_free(config *c)
{
	config_clear_groups(c);
}

static int parse_ms(int64_t *out, const char *v)
{
	if (v[0] == 'P' || v[0] == 'p')
		return cli_parse_duration(out, v);
	return cli_parse_i64(out, v, -1, INT64_MAX);
}

/* Set one configuration key (Kafka's dotted names; dashes work too). value
 * NULL: back to the default. */
static int config_set(config *c, const char *key, const char *value)
{
	char k[64];
	snprintf(k, sizeof k, "%s", key);
	for (char *p = k; *p; p++)
		if (*p == '-')
			*p = '.';
	offlog_topic_config def = OFFLOG_TOPIC_CONFIG_INIT;
	int64_t v;
	c->changed = true;
	if (!strcmp(k, "retention.ms")) {
		if (!value)
			c->cfg.retention_ms = def.retention_ms;
		else if (parse_ms(&v, value))
			return cli_usage("retention.ms: '%s' is not -1, a number of ms or a duration", value);
		else
			c->cfg.retention_ms = v;
	} else if (!strcmp(k, "retention.bytes")) {
		if (!value)
			c->cfg.retention_bytes = def.retention_bytes;
		else if (cli_parse_i64(&v, value, -1, INT64_MAX))
			return cli_usage("retention.bytes: '%s' is not -1 or a number of bytes", value);
		else
			c->cfg.retention_bytes = v;
	} else if (!strcmp(k, "cleanup.policy")) {
		if (!value)
			c->cfg.cleanup_policy = def.cleanup_policy;
		else if (!strcmp(value, "delete"))
			c->cfg.cleanup_policy = OFFLOG_CLEANUP_DELETE;
		else if (!strcmp(value, "compact"))
			c->cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT;
		else if (!strcmp(value, "compact,delete") || !strcmp(value, "delete,compact"))
			c->cfg.cleanup_policy = OFFLOG_CLEANUP_COMPACT | OFFLOG_CLEANUP_DELETE;
		else
			return cli_usage("cleanup.policy: '%s' is not delete, compact or compact,delete",
			                 value);
	} else if (!strcmp(k, "delete.retention.ms")) {
		if (!value)
			c->cfg.delete_retention_ms = def.delete_retention_ms;
		else if (parse_ms(&v, value) || v < 0)
			return cli_usage("delete.retention.ms: '%s' is not a number of ms or a duration",
			                 value);
		else
			c->cfg.delete_retention_ms = v;
	} else if (!strcmp(k, "max.message.bytes")) {
		if (!value)
			c->cfg.max_message_bytes = def.max_message_bytes;
		else if (cli_parse_i64(&v, value, 1, OFFLOG_MESSAGE_MAX_LIMIT))
			return cli_usage("max.message.bytes: '%s' is not a number in [1, %d]", value,
			                 OFFLOG_MESSAGE_MAX_LIMIT);
		else
			c->cfg.max_message_bytes = (int32_t)v;
	} else if (!strcmp(k, "protected.groups")) {
		return config_set_groups(c, value ? value : "");
	} else {
		return cli_usage("unknown config key '%s' (retention.ms, retention.bytes, cleanup.policy, "
		                 "delete.retention.ms, max.message.bytes, protected.groups)", key);
	}
	return CLI_OK;
}

/* Apply the config options of args to c. */
static int config_apply(config *c, const cli_args *a)
{
	static const struct {
		int id;
		const char *key;
	} direct[] = {
		{T_RETENTION_MS, "retention.ms"},       {T_RETENTION_BYTES, "retention.bytes"},
		{T_CLEANUP, "cleanup.policy"},          {T_DELETE_RETENTION, "delete.retention.ms"},
		{T_MAX_MESSAGE, "max.message.bytes"},   {T_PROTECTED, "protected.groups"},
	};
	for (size_t i = 0; i < a->nopts; i++) {
		int rc = CLI_OK;
		if (a->ids[i] == T_CONFIG) {
			const char *eq = strchr(a->vals[i], '=');
			if (!eq || eq == a->vals[i])
				return cli_usage("--config '%s': expected KEY=VALUE", a->vals[i]);
			char key[64];
			snprintf(key, sizeof key, "%.*s", (int)(eq - a->vals[i]), a->vals[i]);
			rc = config_set(c, key, eq + 1);
		} else if (a->ids[i] == T_DELETE_CONFIG) {
			rc = config_set(c, a->vals[i], NULL);
		} else {
			for (size_t k = 0; k < sizeof direct / sizeof direct[0]; k++)
				if (direct[k].id == a->ids[i])
					rc = config_set(c, direct[k].key, a->vals[i]);
		}
		if (rc)
			return rc;
	}
	return CLI_OK;
}

static const char *policy_name(int p)
{
	return p == OFFLOG_CLEANUP_COMPACT ? "compact" :
	       p == (OFFLOG_CLEANUP_COMPACT | OFFLOG_CLEANUP_DELETE) ? "compact,delete" : "delete";
}

static void print_config_text(FILE *f, const offlog_topic_config *c)
{
	fprintf(f, "retention.ms=%lld,retention.bytes=%lld,cleanup.policy=%s,delete.retention.ms=%lld,"
	           "max.message.bytes=%d,protected.groups=",
	        (long long)c->retention_ms, (long long)c->retention_bytes,
	        policy_name(c->cleanup_policy), (long long)c->delete_retention_ms,
	        (int)c->max_message_bytes);
	for (size_t i = 0; i < c->protected_group_count; i++)
		fprintf(f, "%s%s", i ? ":" : "", c->protected_groups[i]);
}

static void print_config_json(FILE *f, const offlog_topic_config *c)
{
	fprintf(f, "{\"retention.ms\":%lld,\"retention.bytes\":%lld,\"cleanup.policy\":\"%s\","
	           "\"delete.retention.ms\":%lld,\"max.message.bytes\":%d,\"protected.groups\":[",
	        (long long)c->retention_ms, (long long)c->retention_bytes,
	        policy_name(c->cleanup_policy), (long long)c->delete_retention_ms,
	        (int)c->max_message_bytes);
	for (size_t i = 0; i < c->protected_group_count; i++) {
		if (i)
			fputc(',', f);
		cli_json_cstr(f, c->protected_groups[i]);
	}
	fputs("]}", f);
}


static void sum_info(const offlog_topic_info *ti, int64_t *records, int64_t *bytes)
{
	*records = *bytes = 0;
	for (int32_t p = 0; p < ti->partition_count; p++) {
		*records += ti->partitions[p].records;
		*bytes += ti->partitions[p].bytes;
	}
}

static int topics_list(const cli_args *a)
{
	static const int allowed[] = {T_JSON, T_QUIET, 0};
	int rc = cli_only(a, "topics list", allowed);
	if (rc)
		return rc;
	if (a->npos > 1)
		return cli_usage("topics list: unexpected argument '%s'", a->pos[1]);
	offlog_env *env;
	if ((rc = cli_open(&env, false, true)) != 0)
		return rc;
	char **names;
	size_t n;
	if ((rc = offlog_topic_list(&names, &n, env)) != 0)
		return cli_close(env, cli_liberr(rc, "topics list"));
	bool json = cli_has(a, T_JSON), quiet = cli_has(a, T_QUIET);
	static const char *const hdr[] = {"TOPIC", ">PARTITIONS", ">RECORDS", ">BYTES"};
	cli_table *t = cli_table_new(4, hdr);
	if (json)
		fputc('[', stdout);
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (quiet) {
			printf("%s\n", names[i]);
			continue;
		}
		offlog_topic_info *ti;
		int r = offlog_topic_describe(&ti, env, names[i]);
		if (r == OFFLOG_ENOTOPIC)
			continue;   /* deleted meanwhile */
		if (r) {
			rc = cli_liberr(r, "topics list: %s", names[i]);
			break;
		}
		int64_t records, bytes;
		sum_info(ti, &records, &bytes);
		if (json) {
			printf("%s{\"topic\":", i ? "," : "");
			cli_json_cstr(stdout, names[i]);
			printf(",\"partitions\":%d,\"records\":%lld,\"bytes\":%lld}", (int)ti->partition_count,
			       (long long)records, (long long)bytes);
		} else {
			cli_table_add(t, names[i]);
			cli_table_addf(t, "%d", (int)ti->partition_count);
			cli_table_add_i64(t, records);
			cli_table_add_i64(t, bytes);
		}
		offlog_topic_info_free(ti);
	}
	if (json)
		fputs("]\n", stdout);
	else if (!quiet && rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	offlog_names_free(names, n);
	return cli_close(env, rc);
}

static int topics_create(const cli_args *a)
{
	static const int allowed[] = {T_PARTITIONS, T_CONFIG, T_RETENTION_MS, T_RETENTION_BYTES,
	                              T_CLEANUP, T_DELETE_RETENTION, T_MAX_MESSAGE, T_PROTECTED, 0};
	int rc = cli_only(a, "topics create", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("topics create: expected one TOPIC (see offlog topics --help)");
	/* Checked here too, since this command may create the store: a bad
	 * name must not leave an empty store behind. */
	const char *name = a->pos[1];
	size_t len = strlen(name);
	if (len == 0 || len > OFFLOG_NAME_MAX || !strcmp(name, ".") || !strcmp(name, "..") ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len)
		return cli_usage("topics create: invalid topic name '%s': 1..%d characters of "
		                 "[A-Za-z0-9._-], not . or ..", name, OFFLOG_NAME_MAX);
	int32_t parts = 1;
	const char *pv = cli_val(a, T_PARTITIONS);
	if (pv && cli_parse_i32(&parts, pv, 1, OFFLOG_PARTITIONS_MAX))
		return cli_usage("topics create: partitions '%s': expected a number in [1, %d]", pv,
		                 OFFLOG_PARTITIONS_MAX);
	config c = {OFFLOG_TOPIC_CONFIG_INIT, NULL, 0, false};
	if ((rc = config_apply(&c, a)) != 0) {
		config_free(&c);
		return rc;
	}
	for (size_t i = 0; i < c.ngroups; i++) {
		size_t gl = strlen(c.groups[i]);
		bool ok = gl <= OFFLOG_GROUP_MAX;
		for (size_t k = 0; k < gl && ok; k++)
			ok = c.groups[i][k] > ' ' && c.groups[i][k] < 0x7f;
		if (!ok) {
			rc = cli_usage("topics create: invalid group id '%s' in protected.groups",
			               c.groups[i]);
			config_free(&c);
			return rc;
		}
	}
	offlog_env *env;
	if ((rc = cli_open(&env, true, false)) != 0) {
		config_free(&c);
		return rc;
	}
	int r = offlog_topic_create(env, a->pos[1], parts, &c.cfg);
	if (r)
		rc = cli_liberr(r, "topics create");
	else
		printf("created topic %s with %d partition%s\n", a->pos[1], (int)parts,
		       parts == 1 ? "" : "s");
	config_free(&c);
	return cli_close(env, rc);
}

static void describe_json(const offlog_topic_info *ti)
{
	fputs("{\"topic\":", stdout);
	cli_json_cstr(stdout, ti->name);
	printf(",\"partition_count\":%d,\"created_ms\":%lld,\"config\":", (int)ti->partition_count,
	       (long long)ti->created_ms);
	print_config_json(stdout, &ti->config);
	fputs(",\"partitions\":[", stdout);
	for (int32_t p = 0; p < ti->partition_count; p++) {
		const offlog_partition_info *pi = &ti->partitions[p];
		printf("%s{\"partition\":%d,\"log_start_offset\":%lld,\"high_watermark\":%lld,"
		       "\"log_end_offset\":%lld,\"records\":%lld,\"bytes\":%lld}",
		       p ? "," : "", (int)pi->partition, (long long)pi->log_start,
		       (long long)pi->high_watermark, (long long)pi->log_end, (long long)pi->records,
		       (long long)pi->bytes);
	}
	fputs("]}", stdout);
}

static void describe_text(const offlog_topic_info *ti)
{
	char when[40];
	cli_format_time(when, sizeof when, ti->created_ms);
	printf("Topic: %s\tPartitionCount: %d\tCreated: %s\nConfig: ", ti->name,
	       (int)ti->partition_count, when);
	print_config_text(stdout, &ti->config);
	fputc('\n', stdout);
	static const char *const hdr[] = {">PARTITION", ">LOG-START-OFFSET", ">HIGH-WATERMARK",
	                                  ">LOG-END-OFFSET", ">RECORDS", ">BYTES"};
	cli_table *t = cli_table_new(6, hdr);
	for (int32_t p = 0; p < ti->partition_count; p++) {
		const offlog_partition_info *pi = &ti->partitions[p];
		cli_table_addf(t, "%d", (int)pi->partition);
		cli_table_add_i64(t, pi->log_start);
		cli_table_add_i64(t, pi->high_watermark);
		cli_table_add_i64(t, pi->log_end);
		cli_table_add_i64(t, pi->records);
		cli_table_add_i64(t, pi->bytes);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
}

static int topics_describe(const cli_args *a)
{
	static const int allowed[] = {T_JSON, 0};
	int rc = cli_only(a, "topics describe", allowed);
	if (rc)
		return rc;
	offlog_env *env;
	if ((rc = cli_open(&env, false, true)) != 0)
		return rc;
	char **names = NULL;
	size_t n = 0;
	bool all = a->npos < 2;
	if (all && (rc = offlog_topic_list(&names, &n, env)) != 0)
		return cli_close(env, cli_liberr(rc, "topics describe"));
	if (!all)
		n = a->npos - 1;
	bool json = cli_has(a, T_JSON);
	offlog_topic_info **infos = cli_xmalloc(n * sizeof *infos);
	size_t got = 0;
	/* Describe everything first, so an unknown topic prints nothing else. */
	for (size_t i = 0; i < n; i++) {
		const char *name = all ? names[i] : a->pos[i + 1];
		int r = offlog_topic_describe(&infos[got], env, name);
		if (r == OFFLOG_ENOTOPIC && all)
			continue;
		if (r) {
			rc = cli_liberr(r, "topics describe");
			break;
		}
		got++;
	}
	if (rc == 0) {
		if (json)
			fputc('[', stdout);
		for (size_t i = 0; i < got; i++) {
			if (json) {
				if (i)
					fputc(',', stdout);
				describe_json(infos[i]);
			} else {
				if (i)
					fputc('\n', stdout);
				describe_text(infos[i]);
			}
		}
		if (json)
			fputs("]\n", stdout);
	}
	for (size_t i = 0; i < got; i++)
		offlog_topic_info_free(infos[i]);
	free(infos);
	offlog_names_free(names, n);
	return cli_close(env, rc);
}

static int topics_alter(const cli_args *a)
{
	static const int allowed[] = {T_CONFIG, T_DELETE_CONFIG, T_RETENTION_MS, T_RETENTION_BYTES,
	                              T_CLEANUP, T_DELETE_RETENTION, T_MAX_MESSAGE, T_PROTECTED, 0};
	int rc = cli_only(a, "topics alter", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("topics alter: expected one TOPIC (see offlog topics --help)");
	offlog_env *env;
	if ((rc = cli_open(&env, false, false)) != 0)
		return rc;
	offlog_topic_info *ti;
	if ((rc = offlog_topic_describe(&ti, env, a->pos[1])) != 0)
		return cli_close(env, cli_liberr(rc, "topics alter"));
	/* The call replaces the whole configuration: start from the current one. */
	config c = {ti->config, NULL, 0, false};
	c.cfg.version = OFFLOG_TOPIC_CONFIG_VERSION;
	c.cfg.protected_groups = NULL;
	c.cfg.protected_group_count = 0;
	for (size_t i = 0; i < ti->config.protected_group_count; i++) {
		const char *g = ti->config.protected_groups[i];
		config_add_group(&c, g, strlen(g));
	}
	offlog_topic_info_free(ti);
	if ((rc = config_apply(&c, a)) == 0 && !c.changed)
		rc = cli_usage("topics alter: nothing to change (give --config KEY=VALUE)");
	if (rc == 0) {
		int r = offlog_topic_alter_config(env, a->pos[1], &c.cfg);
		if (r)
			rc = cli_liberr(r, "topics alter");
		else {
			printf("altered topic %s: ", a->pos[1]);
			print_config_text(stdout, &c.cfg);
			fputc('\n', stdout);
		}
	}
	config_free(&c);
	return cli_close(env, rc);
}

static int topics_add_partitions(const cli_args *a)
{
	static const int allowed[] = {T_PARTITIONS, 0};
	int rc = cli_only(a, "topics add-partitions", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("topics add-partitions: expected one TOPIC");
	const char *pv = cli_val(a, T_PARTITIONS);
	int32_t total;
	if (!pv)
		return cli_usage("topics add-partitions: give the new total with -p N");
	if (cli_parse_i32(&total, pv, 1, OFFLOG_PARTITIONS_MAX))
		return cli_usage("topics add-partitions: partitions '%s': expected a number in [1, %d]",
		                 pv, OFFLOG_PARTITIONS_MAX);
	offlog_env *env;
	if ((rc = cli_open(&env, false, false)) != 0)
		return rc;
	int r = offlog_topic_add_partitions(env, a->pos[1], total);
	if (r)
		rc = cli_liberr(r, "topics add-partitions");
	else
		printf("topic %s now has %d partitions\n", a->pos[1], (int)total);
	return cli_close(env, rc);
}

/* A live member of some group subscribes to or owns a partition of topic:
 * deleting the topic would pull it from under a running application. */
static int topic_in_use(offlog_env *env, const char *topic, char *who, size_t who_size)
{
	char **groups;
	size_t n;
	int rc = offlog_group_list(&groups, &n, env);
	if (rc)
		return rc;
	int found = 0;
	for (size_t g = 0; g < n && !found; g++) {
		offlog_group_description *d;
		if (offlog_group_describe(&d, env, groups[g]) != 0)
			continue;
		for (size_t m = 0; m < d->member_count && !found; m++) {
			const offlog_group_member *mb = &d->members[m];
			for (size_t s = 0; s < mb->subscription_count && !found; s++)
				found = !strcmp(mb->subscription[s], topic);
			for (size_t o = 0; o < mb->owned_count && !found; o++)
				found = !strcmp(mb->owned[o].topic, topic);
			if (found)
				snprintf(who, who_size, "group %s (member %s, pid %d)", groups[g],
				         mb->member_id, (int)mb->pid);
		}
		offlog_group_description_free(d);
	}
	offlog_names_free(groups, n);
	return found;
}

static int topics_delete(const cli_args *a)
{
	static const int allowed[] = {T_FORCE, 0};
	int rc = cli_only(a, "topics delete", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("topics delete: expected one TOPIC");
	offlog_env *env;
	if ((rc = cli_open(&env, false, false)) != 0)
		return rc;
	int r = offlog_watermarks_get(NULL, NULL, NULL, env, a->pos[1], 0);
	if (r)
		return cli_close(env, cli_liberr(r, "topics delete"));
	char who[600];
	if (!cli_has(a, T_FORCE)) {
		r = topic_in_use(env, a->pos[1], who, sizeof who);
		if (r < 0)
			return cli_close(env, cli_liberr(r, "topics delete"));
		if (r > 0)
			return cli_close(env, cli_error("topics delete: topic %s is in use by %s: stop it "
			                                "first, or use --force", a->pos[1], who));
	}
	if ((r = offlog_topic_delete(env, a->pos[1])) != 0)
		rc = cli_liberr(r, "topics delete");
	else
		printf("deleted topic %s\n", a->pos[1]);
	return cli_close(env, rc);
}

int cmd_topics(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, "topics", topic_opts, argc, argv);
	if (rc == 0 && a.help) {
		cli_help(stdout, cmd_topics_help);
	} else if (rc == 0 && a.npos == 0) {
		rc = cli_usage("topics: expected list, create, describe, alter, add-partitions or delete");
	} else if (rc == 0) {
		const char *sub = a.pos[0];
		if (!strcmp(sub, "list"))
			rc = topics_list(&a);
		else if (!strcmp(sub, "create"))
			rc = topics_create(&a);
		else if (!strcmp(sub, "describe"))
			rc = topics_describe(&a);
		else if (!strcmp(sub, "alter"))
			rc = topics_alter(&a);
		else if (!strcmp(sub, "add-partitions"))
			rc = topics_add_partitions(&a);
		else if (!strcmp(sub, "delete"))
			rc = topics_delete(&a);
		else
			rc = cli_usage("topics: unknown subcommand '%s' (see offlog topics --help)", sub);
	}
	cli_args_free(&a);
	return rc;
}

/* ---- delete-records ------------------------------------------------------ */

static const cli_opt dr_opts[] = {
	{'p', "partition", true, T_PARTITIONS},
	{0, "before", true, T_BEFORE},
	{0, "json", false, T_JSON},
	{0, NULL, false, 0},
};

const char cmd_delete_records_help[] =
	"usage: offlog delete-records TOPIC -p P[,P...] --before OFFSET|end [--json]\n"
	"\n"
	"Makes every record below OFFSET unreadable by advancing the log start offset\n"
	"(never backwards; at most the high watermark; 'end' is the high watermark).\n";

static int delete_records_parse(int32_t **parts, size_t *np, int64_t *before, const cli_args *a)
{
	const char *pv = cli_val(a, T_PARTITIONS), *bv = cli_val(a, T_BEFORE);
	if (a->npos != 1)
		return cli_usage("delete-records: expected one TOPIC");
	if (!pv || !bv)
		return cli_usage("delete-records: give -p PARTITION and --before OFFSET");
	if (cli_parse_partition_list(parts, np, pv))
		return cli_usage("delete-records: partition '%s': expected P or P,P,...", pv);
	if (!strcmp(bv, "end") || !strcmp(bv, "latest"))
		*before = OFFLOG_OFFSET_END;
	else if (cli_parse_i64(before, bv, 0, INT64_MAX))
		return cli_usage("delete-records: offset '%s': expected a number >= 0 or 'end'", bv);
	return CLI_OK;
}

/* Check every partition first: one bad partition changes nothing. */
static int delete_records_check(offlog_env *env, const char *topic, const int32_t *parts,
                                size_t np, int64_t before)
{
	for (size_t i = 0; i < np; i++) {
		int64_t hw;
		int r = offlog_watermarks_get(NULL, &hw, NULL, env, topic, parts[i]);
		if (r)
			return cli_liberr(r, "delete-records");
		if (before != OFFLOG_OFFSET_END && before > hw)
			return cli_error("delete-records: offset %lld is beyond the high watermark %lld of "
			                 "%s/%d", (long long)before, (long long)hw, topic, (int)parts[i]);
	}
	return CLI_OK;
}

static int delete_records_run(offlog_env *env, const char *topic, const int32_t *parts,
                              size_t np, int64_t before, bool json)
{
	static const char *const hdr[] = {"TOPIC", ">PARTITION", ">LOW-WATERMARK"};
	cli_table *t = cli_table_new(3, hdr);
	int rc = CLI_OK;
	if (json)
		fputc('[', stdout);
	for (size_t i = 0; i < np; i++) {
		int64_t low;
		int r = offlog_delete_records(&low, env, topic, parts[i], before);
		if (r) {
			rc = cli_liberr(r, "delete-records");
			break;
		}
		if (json) {
			printf("%s{\"topic\":", i ? "," : "");
			cli_json_cstr(stdout, topic);
			printf(",\"partition\":%d,\"low_watermark\":%lld}", (int)parts[i], (long long)low);
		}
		cli_table_add(t, topic);
		cli_table_addf(t, "%d", (int)parts[i]);
		cli_table_add_i64(t, low);
	}
	if (json)
		fputs(rc == 0 ? "]\n" : "", stdout);
	else if (rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	return rc;
}

int cmd_delete_records(int argc, char **argv)
{
	cli_args a;
	int32_t *parts = NULL;
	size_t np = 0;
	int64_t before = 0;
	offlog_env *env = NULL;
	int rc = cli_parse(&a, "delete-records", dr_opts, argc, argv);
	if (a.help)
		cli_help(stdout, cmd_delete_records_help);
	if (rc || a.help)
		goto cleanup;
	if ((rc = delete_records_parse(&parts, &np, &before, &a)) != 0 ||
	    (rc = cli_open(&env, false, false)) != 0 ||
	    (rc = delete_records_check(env, a.pos[0], parts, np, before)) != 0)
		goto cleanup;
	rc = delete_records_run(env, a.pos[0], parts, np, before, cli_has(&a, T_JSON));
cleanup:
	free(parts);
	if (env)
		rc = cli_close(env, rc);
	cli_args_free(&a);
	return rc;
}

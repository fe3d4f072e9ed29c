/*
 * cli_groups.c - offlog groups ...: list, describe, delete, reset-offsets, as
 * kafka-consumer-groups.sh.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	G_JSON = 1, G_MEMBERS, G_TOPIC, G_ALL_TOPICS, G_EARLIEST, G_LATEST, G_CURRENT, G_OFFSET,
	G_SHIFT, G_DATETIME, G_DURATION, G_FROM_FILE, G_DRY_RUN, G_EXECUTE, G_EXPORT, G_FORCE
};

static const cli_opt group_opts[] = {
	{0, "json", false, G_JSON},
	{0, "members", false, G_MEMBERS},
	{0, "topic", true, G_TOPIC},
	{0, "all-topics", false, G_ALL_TOPICS},
	{0, "to-earliest", false, G_EARLIEST},
	{0, "to-latest", false, G_LATEST},
	{0, "to-current", false, G_CURRENT},
	{0, "to-offset", true, G_OFFSET},
	{0, "shift-by", true, G_SHIFT},
	{0, "to-datetime", true, G_DATETIME},
	{0, "by-duration", true, G_DURATION},
	{0, "from-file", true, G_FROM_FILE},
	{0, "dry-run", false, G_DRY_RUN},
	{0, "execute", false, G_EXECUTE},
	{0, "export", false, G_EXPORT},
	{0, "force", false, G_FORCE},
	{0, NULL, false, 0},
};


static void put_off(cli_table *t, int64_t v)
{
	if (v < 0)
		cli_table_add(t, "-");
	else
		cli_table_add_i64(t, v);
}

static void json_off(int64_t v)
{
	if (v < 0)
		fputs("null", stdout);
	else
		printf("%lld", (long long)v);
}

/* ---- list ------------------------------------------------------------------ */

static int groups_list(offlog_env *env, const cli_args *a)
{
	static const int allowed[] = {G_JSON, 0};
	int rc = cli_only(a, "groups list", allowed);
	if (rc)
		return rc;
	char **names;
	size_t n;
	if ((rc = offlog_group_list(&names, &n, env)) != 0)
		return cli_liberr(rc, "groups list");
	bool json = cli_has(a, G_JSON);
	static const char *const hdr[] = {"GROUP", "STATE", ">MEMBERS", ">PARTITIONS"};
	cli_table *t = cli_table_new(4, hdr);
	if (json)
		fputc('[', stdout);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		offlog_group_description *d;
		int r = offlog_group_describe(&d, env, names[i]);
		if (r == OFFLOG_ENOENT)
			continue;   /* deleted meanwhile */
		if (r) {
			rc = cli_liberr(r, "groups list: %s", names[i]);
			break;
		}
		if (json) {
			printf("%s{\"group\":", first ? "" : ",");
			cli_json_cstr(stdout, d->group);
			fputs(",\"state\":", stdout);
			cli_json_cstr(stdout, d->state);
			printf(",\"members\":%zu,\"partitions\":%zu}", d->member_count, d->partition_count);
		} else {
			cli_table_add(t, d->group);
			cli_table_add(t, d->state);
			cli_table_addf(t, "%zu", d->member_count);
			cli_table_addf(t, "%zu", d->partition_count);
		}
		first = false;
		offlog_group_description_free(d);
	}
	if (json)
		fputs("]\n", stdout);
	else if (rc == 0)
		cli_table_print(t, stdout);
	cli_table_free(t);
	offlog_names_free(names, n);
	return rc;
}

/* ---- describe -------------------------------------------------------------- */

static void tps_json(const offlog_topic_partition *tps, size_t n)
{
	fputc('[', stdout);
	for (size_t i = 0; i < n; i++) {
		printf("%s{\"topic\":", i ? "," : "");
		cli_json_cstr(stdout, tps[i].topic);
		printf(",\"partition\":%d}", (int)tps[i].partition);
	}
	fputc(']', stdout);
}

static void describe_json(const offlog_group_description *d)
{
	fputs("{\"group\":", stdout);
	cli_json_cstr(stdout, d->group);
	fputs(",\"state\":", stdout);
	cli_json_cstr(stdout, d->state);
	static const char *const assignors[] = {"range", "roundrobin", "cooperative-sticky"};
	printf(",\"generation\":%lld,\"assignor\":\"%s\",\"members\":[", (long long)d->generation,
	       d->assignor >= 0 && d->assignor <= 2 ? assignors[d->assignor] : "?");
	for (size_t i = 0; i < d->member_count; i++) {
		const offlog_group_member *m = &d->members[i];
		fputs(i ? ",{\"member_id\":" : "{\"member_id\":", stdout);
		cli_json_cstr(stdout, m->member_id);
		fputs(",\"instance_id\":", stdout);
		cli_json_cstr(stdout, m->instance_id);
		printf(",\"pid\":%d,\"last_heartbeat_ms\":%lld,\"subscription\":[", (int)m->pid,
		       (long long)m->last_heartbeat_ms);
		for (size_t s = 0; s < m->subscription_count; s++) {
			if (s)
				fputc(',', stdout);
			cli_json_cstr(stdout, m->subscription[s]);
		}
		fputs("],\"owned\":", stdout);
		tps_json(m->owned, m->owned_count);
		fputs(",\"target\":", stdout);
		tps_json(m->target, m->target_count);
		fputc('}', stdout);
	}
	fputs("],\"partitions\":[", stdout);
	for (size_t i = 0; i < d->partition_count; i++) {
		const offlog_group_partition *p = &d->partitions[i];
		fputs(i ? ",{\"topic\":" : "{\"topic\":", stdout);
		cli_json_cstr(stdout, p->topic);
		printf(",\"partition\":%d,\"current_offset\":", (int)p->partition);
		json_off(p->committed);
		printf(",\"log_start_offset\":%lld,\"high_watermark\":%lld,\"log_end_offset\":%lld,"
		       "\"lag\":",
		       (long long)p->log_start_offset, (long long)p->high_watermark,
		       (long long)p->log_end_offset);
		json_off(p->lag);
		fputs(",\"consumer_id\":", stdout);
		cli_json_cstr(stdout, p->member_id);
		fputc('}', stdout);
	}
	fputs("]}", stdout);
}

static void describe_members(cli_table *t, const offlog_group_description *d)
{
	for (size_t i = 0; i < d->member_count; i++) {
		const offlog_group_member *m = &d->members[i];
		char when[40], parts[256] = "";
		size_t len = 0;
		cli_format_time(when, sizeof when, m->last_heartbeat_ms);
		for (size_t o = 0; o < m->owned_count && len < sizeof parts - 1; o++) {
			int k = snprintf(parts + len, sizeof parts - len, "%s%s:%d", o ? "," : "",
			                 m->owned[o].topic, (int)m->owned[o].partition);
			len += k > 0 ? (size_t)k : 0;
		}
		if (len >= sizeof parts - 1)
			memcpy(parts + sizeof parts - 4, "...", 4);
		cli_table_add(t, d->group);
		cli_table_add(t, m->member_id);
		cli_table_add(t, m->instance_id ? m->instance_id : "-");
		cli_table_addf(t, "%d", (int)m->pid);
		cli_table_add(t, when);
		cli_table_add(t, len ? parts : "-");
	}
}

static int groups_describe(offlog_env *env, const cli_args *a)
{
	static const int allowed[] = {G_JSON, G_MEMBERS, 0};
	int rc = cli_only(a, "groups describe", allowed);
	if (rc)
		return rc;
	if (a->npos < 2)
		return cli_usage("groups describe: expected GROUP...");
	size_t n = a->npos - 1;
	offlog_group_description **ds = cli_xmalloc(n * sizeof *ds);
	size_t got = 0;
	for (; got < n; got++) {
		int r = offlog_group_describe(&ds[got], env, a->pos[got + 1]);
		if (r == OFFLOG_ENOENT) {
			rc = cli_error("groups describe: unknown group %s", a->pos[got + 1]);
			break;
		}
		if (r) {
			rc = cli_liberr(r, "groups describe");
			break;
		}
	}
	bool json = cli_has(a, G_JSON), members = cli_has(a, G_MEMBERS);
	if (rc == 0 && json) {
		fputc('[', stdout);
		for (size_t i = 0; i < got; i++) {
			if (i)
				fputc(',', stdout);
			describe_json(ds[i]);
		}
		fputs("]\n", stdout);
	} else if (rc == 0 && members) {
		static const char *const hdr[] = {"GROUP", "MEMBER-ID", "INSTANCE-ID", ">PID",
		                                  "LAST-HEARTBEAT", "PARTITIONS"};
		cli_table *t = cli_table_new(6, hdr);
		for (size_t i = 0; i < got; i++)
			describe_members(t, ds[i]);
		cli_table_print(t, stdout);
		cli_table_free(t);
	} else if (rc == 0) {
		static const char *const hdr[] = {"GROUP", "TOPIC", ">PARTITION", ">CURRENT-OFFSET",
		                                  ">LOG-END-OFFSET", ">LAG", "CONSUMER-ID"};
		cli_table *t = cli_table_new(7, hdr);
		for (size_t i = 0; i < got; i++) {
			const offlog_group_description *d = ds[i];
			if (d->member_count == 0)
				fprintf(stderr, "Consumer group '%s' has no active members.\n", d->group);
			for (size_t k = 0; k < d->partition_count; k++) {
				const offlog_group_partition *p = &d->partitions[k];
				cli_table_add(t, d->group);
				cli_table_add(t, p->topic);
				cli_table_addf(t, "%d", (int)p->partition);
				put_off(t, p->committed);
				/* As in Kafka, the end a consumer reads to: the high watermark. */
				cli_table_add_i64(t, p->high_watermark);
				put_off(t, p->lag);
				cli_table_add(t, p->member_id ? p->member_id : "-");
			}
		}
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
	for (size_t i = 0; i < got; i++)
		offlog_group_description_free(ds[i]);
	free(ds);
	return rc;
}

/* ---- delete ---------------------------------------------------------------- */

static int groups_delete(offlog_env *env, const cli_args *a)
{
	static const int allowed[] = {0};
	int rc = cli_only(a, "groups delete", allowed);
	if (rc)
		return rc;
	if (a->npos < 2)
		return cli_usage("groups delete: expected GROUP...");
	for (size_t i = 1; i < a->npos; i++) {
		int r = offlog_group_delete(env, a->pos[i]);
		if (r == OFFLOG_ENOENT)
			return cli_error("groups delete: unknown group %s", a->pos[i]);
		if (r == OFFLOG_EGROUPLIVE)
			return cli_liberr(r, "groups delete: %s", a->pos[i]);
		if (r)
			return cli_liberr(r, "groups delete");
		printf("deleted group %s\n", a->pos[i]);
	}
	return CLI_OK;
}

/* ---- reset-offsets --------------------------------------------------------- */

typedef struct entries {
	offlog_partition_offset *v;
	size_t n, cap;
	char **topics;   /* owned names */
	size_t ntopics;
} entries;

static const char *own_topic(entries *e, const char *t)
{
	for (size_t i = 0; i < e->ntopics; i++)
		if (!strcmp(e->topics[i], t))
			return e->topics[i];
	e->topics = cli_xrealloc(e->topics, (e->ntopics + 1) * sizeof *e->topics);
	return e->topics[e->ntopics++] = cli_xstrdup(t);
}

static void add_entry(entries *e, const char *topic, int32_t part, int64_t offset)
{
	const char *t = own_topic(e, topic);
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].topic == t && e->v[i].partition == part) {
			e->v[i].offset = offset;   /* the last one given wins */
			return;
		}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 16;
		e->v = cli_xrealloc(e->v, e->cap * sizeof *e->v);
	}
	e->v[e->n++] = (offlog_partition_offset){t, part, offset, NULL, 0};
}

static void entries_free(entries *e)
{
	for (size_t i = 0; i < e->ntopics; i++)
		free(e->topics[i]);
	free(e->topics);
	free(e->v);
}

static int cmp_entry(const void *x, const void *y)
{
	const offlog_partition_offset *a = x, *b = y;
	int c = strcmp(a->topic, b->topic);
	return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* CSV lines TOPIC,PARTITION,OFFSET (as --export writes them). */
static int read_csv(entries *e, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f)
		return cli_error("groups reset-offsets: %s: %s", path, strerror(errno));
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rc = CLI_OK;
	for (long no = 1; rc == 0 && (len = getline(&line, &cap, f)) >= 0; no++) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = 0;
		if (len == 0 || line[0] == '#')
			continue;
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		int32_t part;
		int64_t off;
		if (!c2 || c1 == line) {
			rc = cli_usage("groups reset-offsets: %s:%ld: expected TOPIC,PARTITION,OFFSET", path,
			               no);
			break;
		}
		*c1 = *c2 = 0;
		if (cli_parse_i32(&part, c1 + 1, 0, OFFLOG_PARTITIONS_MAX - 1))
			rc = cli_usage("groups reset-offsets: %s:%ld: bad partition '%s'", path, no, c1 + 1);
		else if (cli_parse_i64(&off, c2 + 1, 0, INT64_MAX))
			rc = cli_usage("groups reset-offsets: %s:%ld: bad offset '%s'", path, no, c2 + 1);
		else
			add_entry(e, line, part, off);
	}
	if (rc == 0 && ferror(f))
		rc = cli_error("groups reset-offsets: %s: %s", path, strerror(errno));
	free(line);
	if (f != stdin)
		fclose(f);
	if (rc == 0 && e->n == 0)
		rc = cli_usage("groups reset-offsets: %s: no offsets in it", path);
	return rc;
}

/* The partitions to reset: --topic T[:P,...] entries, or every partition the
 * group has (--all-topics). */
static int collect(entries *e, offlog_env *env, const char *group, const cli_args *a)
{
	if (cli_has(a, G_ALL_TOPICS)) {
		offlog_group_description *d;
		int r = offlog_group_describe(&d, env, group);
		if (r == OFFLOG_ENOENT)
			return cli_error("groups reset-offsets: unknown group %s", group);
		if (r)
			return cli_liberr(r, "groups reset-offsets");
		for (size_t i = 0; i < d->partition_count; i++)
			add_entry(e, d->partitions[i].topic, d->partitions[i].partition, 0);
		offlog_group_description_free(d);
		if (e->n == 0)
			return cli_error("groups reset-offsets: group %s has no partitions", group);
		return CLI_OK;
	}
	for (size_t i = 0; i < a->nopts; i++) {
		if (a->ids[i] != G_TOPIC)
			continue;
		char *topic;
		int32_t *parts;
		size_t np;
		if (cli_parse_topic_parts(&topic, &parts, &np, a->vals[i]))
			return cli_usage("groups reset-offsets: --topic '%s': expected TOPIC or "
			                 "TOPIC:P,P,...", a->vals[i]);
		offlog_topic_info *ti;
		int r = offlog_topic_describe(&ti, env, topic);
		if (r) {
			free(topic);
			free(parts);
			return cli_liberr(r, "groups reset-offsets");
		}
		for (size_t k = 0; k < np && r == 0; k++)
			if (parts[k] >= ti->partition_count)
				r = cli_error("groups reset-offsets: topic \"%s\" has no partition %d (it has "
				              "%d)", topic, (int)parts[k], (int)ti->partition_count);
		if (np == 0)
			for (int32_t p = 0; p < ti->partition_count; p++)
				add_entry(e, topic, p, 0);
		for (size_t k = 0; k < np; k++)
			add_entry(e, topic, parts[k], 0);
		offlog_topic_info_free(ti);
		free(topic);
		free(parts);
		if (r)
			return r;
	}
	return CLI_OK;
}

static int now_ms(int64_t *out)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	*out = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return 0;
}

static int report_entry_error(int r, const entries *e)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].err)
			return cli_error("groups reset-offsets: %s/%d: %s", e->v[i].topic,
			                 (int)e->v[i].partition, offlog_strerror(e->v[i].err));
	return cli_liberr(r, "groups reset-offsets");
}

/* The topics and partitions of a CSV exist: say so by name, before anything. */
static int check_entries(offlog_env *env, const entries *e)
{
	for (size_t t = 0; t < e->ntopics; t++) {
		offlog_topic_info *ti;
		int r = offlog_topic_describe(&ti, env, e->topics[t]);
		if (r)
			return cli_liberr(r, "groups reset-offsets");
		for (size_t i = 0; i < e->n && r == 0; i++)
			if (e->v[i].topic == e->topics[t] && e->v[i].partition >= ti->partition_count)
				r = cli_error("groups reset-offsets: topic \"%s\" has no partition %d (it has "
				              "%d)", e->topics[t], (int)e->v[i].partition,
				              (int)ti->partition_count);
		offlog_topic_info_free(ti);
		if (r)
			return r;
	}
	return CLI_OK;
}

static int groups_reset(offlog_env *env, const cli_args *a)
{
	static const int allowed[] = {G_TOPIC, G_ALL_TOPICS, G_EARLIEST, G_LATEST, G_CURRENT, G_OFFSET,
	                              G_SHIFT, G_DATETIME, G_DURATION, G_FROM_FILE, G_DRY_RUN,
	                              G_EXECUTE, G_EXPORT, G_FORCE, 0};
	int rc = cli_only(a, "groups reset-offsets", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("groups reset-offsets: expected one GROUP");
	const char *group = a->pos[1];
	static const int scen[] = {G_EARLIEST, G_LATEST, G_CURRENT, G_OFFSET, G_SHIFT, G_DATETIME,
	                           G_DURATION, G_FROM_FILE};
	int which = 0;
	const char *val = NULL;
	for (size_t i = 0; i < a->nopts; i++)
		for (size_t k = 0; k < sizeof scen / sizeof scen[0]; k++)
			if (a->ids[i] == scen[k]) {
				if (which && which != scen[k])
					return cli_usage("groups reset-offsets: give only one of --to-earliest, "
					                 "--to-latest, --to-current, --to-offset, --shift-by, "
					                 "--to-datetime, --by-duration, --from-file");
				which = scen[k];
				val = a->vals[i];
			}
	if (!which)
		return cli_usage("groups reset-offsets: give a scenario: --to-earliest, --to-latest, "
		                 "--to-current, --to-offset N, --shift-by N, --to-datetime T, "
		                 "--by-duration D or --from-file CSV");
	if (cli_has(a, G_DRY_RUN) && cli_has(a, G_EXECUTE))
		return cli_usage("groups reset-offsets: --dry-run and --execute exclude each other");
	bool scope = cli_has(a, G_TOPIC) || cli_has(a, G_ALL_TOPICS);
	if (which == G_FROM_FILE && scope)
		return cli_usage("groups reset-offsets: --from-file names its partitions: no --topic "
		                 "or --all-topics");
	if (which != G_FROM_FILE && !scope)
		return cli_usage("groups reset-offsets: give --topic TOPIC[:P,...] or --all-topics");
	if (cli_has(a, G_TOPIC) && cli_has(a, G_ALL_TOPICS))
		return cli_usage("groups reset-offsets: --topic and --all-topics exclude each other");

	int to = OFFLOG_RESET_TO_LATEST;
	int64_t value = 0;
	switch (which) {
	case G_EARLIEST: to = OFFLOG_RESET_TO_EARLIEST; break;
	case G_LATEST: to = OFFLOG_RESET_TO_LATEST; break;
	case G_CURRENT: to = OFFLOG_RESET_TO_CURRENT; break;
	case G_OFFSET:
		to = OFFLOG_RESET_TO_OFFSET;
		if (cli_parse_i64(&value, val, 0, INT64_MAX))
			return cli_usage("groups reset-offsets: --to-offset '%s': expected a number >= 0",
			                 val);
		break;
	case G_SHIFT:
		to = OFFLOG_RESET_SHIFT_BY;
		if (cli_parse_i64(&value, val, INT64_MIN, INT64_MAX))
			return cli_usage("groups reset-offsets: --shift-by '%s': expected a number", val);
		break;
	case G_DATETIME:
		to = OFFLOG_RESET_TO_TIMESTAMP;
		if (cli_parse_datetime(&value, val))
			return cli_usage("groups reset-offsets: --to-datetime '%s': expected "
			                 "YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]", val);
		break;
	case G_DURATION: {
		int64_t d, now;
		to = OFFLOG_RESET_TO_TIMESTAMP;
		if (cli_parse_duration(&d, val))
			return cli_usage("groups reset-offsets: --by-duration '%s': expected PnDTnHnMnS",
			                 val);
		now_ms(&now);
		value = now > d ? now - d : 0;
		break;
	}
	default:
		to = OFFLOG_RESET_TO_OFFSET;
		break;
	}

	entries e = {NULL, 0, 0, NULL, 0};
	rc = which == G_FROM_FILE ? read_csv(&e, val) : collect(&e, env, group, a);
	if (rc == 0 && which == G_FROM_FILE)
		rc = check_entries(env, &e);
	unsigned flags = OFFLOG_RESET_DRY_RUN | (cli_has(a, G_FORCE) ? OFFLOG_RESET_FORCE : 0u);
	bool execute = cli_has(a, G_EXECUTE);
	if (rc == 0) {
		/* Check (and compute) first; then write the same list in one call. */
		if (which == G_FROM_FILE)
			to = OFFLOG_RESET_TO_LISTED;
		int r = offlog_group_reset_offsets(env, group, e.v, e.n, to, value, flags);
		if (r == 0 && execute)
			r = offlog_group_reset_offsets(env, group, e.v, e.n, to, value,
			                               flags & ~OFFLOG_RESET_DRY_RUN);
		if (r)
			rc = report_entry_error(r, &e);
	}
	if (rc == 0) {
		qsort(e.v, e.n, sizeof *e.v, cmp_entry);
		if (cli_has(a, G_EXPORT)) {
			for (size_t i = 0; i < e.n; i++)
				printf("%s,%d,%lld\n", e.v[i].topic, (int)e.v[i].partition,
				       (long long)e.v[i].offset);
		} else {
			static const char *const hdr[] = {"GROUP", "TOPIC", ">PARTITION", ">NEW-OFFSET"};
			cli_table *t = cli_table_new(4, hdr);
			for (size_t i = 0; i < e.n; i++) {
				cli_table_add(t, group);
				cli_table_add(t, e.v[i].topic);
				cli_table_addf(t, "%d", (int)e.v[i].partition);
				cli_table_add_i64(t, e.v[i].offset);
			}
			cli_table_print(t, stdout);
			cli_table_free(t);
		}
		if (!execute && cli_progress_tty)
			fputs("(dry run: nothing was changed; add --execute to apply)\n", stderr);
	}
	entries_free(&e);
	return rc;
}

int cmd_groups(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, "groups", group_opts, argc, argv);
	if (rc == 0 && a.help) {
		cli_help(stdout, "groups");
	} else if (rc == 0 && a.npos == 0) {
		rc = cli_usage("groups: expected list, describe, delete or reset-offsets");
	} else if (rc == 0) {
		const char *sub = a.pos[0];
		int (*fn)(offlog_env *, const cli_args *) = NULL;
		bool write = false;
		if (!strcmp(sub, "list"))
			fn = groups_list;
		else if (!strcmp(sub, "describe"))
			fn = groups_describe;
		else if (!strcmp(sub, "delete"))
			fn = groups_delete, write = true;
		else if (!strcmp(sub, "reset-offsets"))
			fn = groups_reset, write = cli_has(&a, G_EXECUTE);
		if (!fn) {
			rc = cli_usage("groups: unknown subcommand '%s' (see offlog groups --help)", sub);
		} else {
			offlog_env *env;
			if ((rc = cli_open(&env, false, !write)) == 0)
				rc = cli_close(env, fn(env, &a));
		}
	}
	cli_args_free(&a);
	return rc;
}

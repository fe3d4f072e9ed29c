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

const char cmd_groups_help[] =
	"usage: offlog groups list [--json]\n"
	"       offlog groups describe GROUP... [--members] [--json]\n"
	"       offlog groups delete GROUP\n"
	"       offlog groups reset-offsets GROUP (--topic T[:P,...]... | --all-topics)\n"
	"                                   SCENARIO [--dry-run | --execute] [--export] [--force]\n"
	"\n"
	"Scenarios (exactly one):\n"
	"  --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N,\n"
	"  --to-datetime YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM] (no zone: local time),\n"
	"  --by-duration PnDTnHnMnS (now minus the duration),\n"
	"  --from-file CSV (lines TOPIC,PARTITION,OFFSET; replaces --topic)\n"
	"New offsets are clamped to [log start, high watermark].\n"
	"  --dry-run                    show the new offsets, write nothing (the default)\n"
	"  --execute                    write them, in one transaction\n"
	"  --export                     print TOPIC,PARTITION,OFFSET lines (for --from-file)\n"
	"  --force                      even while the group has live members\n"
	"  --members                    describe: list the live members\n";

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

static void describe_offsets(cli_table *t, const offlog_group_description *d)
{
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

/* The groups' offsets, or with --members their live members. */
static void describe_table(offlog_group_description *const *ds, size_t n, bool members)
{
	static const char *const member_hdr[] = {"GROUP", "MEMBER-ID", "INSTANCE-ID", ">PID",
	                                         "LAST-HEARTBEAT", "PARTITIONS"};
	static const char *const offset_hdr[] = {"GROUP", "TOPIC", ">PARTITION", ">CURRENT-OFFSET",
	                                         ">LOG-END-OFFSET", ">LAG", "CONSUMER-ID"};
	cli_table *t = members ? cli_table_new(6, member_hdr) : cli_table_new(7, offset_hdr);
	for (size_t i = 0; i < n; i++) {
		if (members)
			describe_members(t, ds[i]);
		else
			describe_offsets(t, ds[i]);
	}
	cli_table_print(t, stdout);
	cli_table_free(t);
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
	if (rc == 0 && cli_has(a, G_JSON)) {
		fputc('[', stdout);
		for (size_t i = 0; i < got; i++) {
			if (i)
				fputc(',', stdout);
			describe_json(ds[i]);
		}
		fputs("]\n", stdout);
	} else if (rc == 0) {
		describe_table(ds, got, cli_has(a, G_MEMBERS));
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
		int32_t count;
		int r = cli_topic_partitions(&count, env, "groups reset-offsets", topic, parts, np);
		if (r == 0 && np == 0)
			for (int32_t p = 0; p < count; p++)
				add_entry(e, topic, p, 0);
		for (size_t k = 0; r == 0 && k < np; k++)
			add_entry(e, topic, parts[k], 0);
		free(topic);
		free(parts);
		if (r)
			return r;
	}
	return CLI_OK;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* What reset-offsets was asked to do. */
typedef struct reset_plan {
	const char *group;
	int scenario;          /* G_EARLIEST ... G_FROM_FILE */
	const char *arg;       /* the scenario option's value */
	int to;                /* OFFLOG_RESET_* */
	int64_t value;
	unsigned flags;
	bool execute, export;
} reset_plan;

/* Exactly one scenario. */
static int reset_scenario(reset_plan *p, const cli_args *a)
{
	static const int scen[] = {G_EARLIEST, G_LATEST, G_CURRENT, G_OFFSET, G_SHIFT, G_DATETIME,
	                           G_DURATION, G_FROM_FILE};
	for (size_t i = 0; i < a->nopts; i++)
		for (size_t k = 0; k < sizeof scen / sizeof scen[0]; k++)
			if (a->ids[i] == scen[k]) {
				if (p->scenario && p->scenario != scen[k])
					return cli_usage("groups reset-offsets: give only one of --to-earliest, "
					                 "--to-latest, --to-current, --to-offset, --shift-by, "
					                 "--to-datetime, --by-duration, --from-file");
				p->scenario = scen[k];
				p->arg = a->vals[i];
			}
	if (!p->scenario)
		return cli_usage("groups reset-offsets: give a scenario: --to-earliest, --to-latest, "
		                 "--to-current, --to-offset N, --shift-by N, --to-datetime T, "
		                 "--by-duration D or --from-file CSV");
	return CLI_OK;
}

/* The scenario's value -> the target of offlog_group_reset_offsets(). */
static int reset_target(reset_plan *p)
{
	const char *val = p->arg;
	int64_t d, now;
	switch (p->scenario) {
	case G_EARLIEST: p->to = OFFLOG_RESET_TO_EARLIEST; break;
	case G_LATEST: p->to = OFFLOG_RESET_TO_LATEST; break;
	case G_CURRENT: p->to = OFFLOG_RESET_TO_CURRENT; break;
	case G_OFFSET:
		p->to = OFFLOG_RESET_TO_OFFSET;
		if (cli_parse_i64(&p->value, val, 0, INT64_MAX))
			return cli_usage("groups reset-offsets: --to-offset '%s': expected a number >= 0",
			                 val);
		break;
	case G_SHIFT:
		p->to = OFFLOG_RESET_SHIFT_BY;
		if (cli_parse_i64(&p->value, val, INT64_MIN, INT64_MAX))
			return cli_usage("groups reset-offsets: --shift-by '%s': expected a number", val);
		break;
	case G_DATETIME:
		p->to = OFFLOG_RESET_TO_TIMESTAMP;
		if (cli_parse_datetime(&p->value, val))
			return cli_usage("groups reset-offsets: --to-datetime '%s': expected "
			                 "YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM]", val);
		break;
	case G_DURATION:
		p->to = OFFLOG_RESET_TO_TIMESTAMP;
		if (cli_parse_duration(&d, val))
			return cli_usage("groups reset-offsets: --by-duration '%s': expected PnDTnHnMnS",
			                 val);
		now = now_ms();
		p->value = now > d ? now - d : 0;
		break;
	default:   /* --from-file: the offsets it lists */
		p->to = OFFLOG_RESET_TO_LISTED;
		break;
	}
	return CLI_OK;
}

static int reset_parse(reset_plan *p, const cli_args *a)
{
	static const int allowed[] = {G_TOPIC, G_ALL_TOPICS, G_EARLIEST, G_LATEST, G_CURRENT, G_OFFSET,
	                              G_SHIFT, G_DATETIME, G_DURATION, G_FROM_FILE, G_DRY_RUN,
	                              G_EXECUTE, G_EXPORT, G_FORCE, 0};
	int rc = cli_only(a, "groups reset-offsets", allowed);
	if (rc)
		return rc;
	if (a->npos != 2)
		return cli_usage("groups reset-offsets: expected one GROUP");
	memset(p, 0, sizeof *p);
	p->group = a->pos[1];
	if ((rc = reset_scenario(p, a)) != 0)
		return rc;
	if (cli_has(a, G_DRY_RUN) && cli_has(a, G_EXECUTE))
		return cli_usage("groups reset-offsets: --dry-run and --execute exclude each other");
	bool scope = cli_has(a, G_TOPIC) || cli_has(a, G_ALL_TOPICS);
	if (p->scenario == G_FROM_FILE && scope)
		return cli_usage("groups reset-offsets: --from-file names its partitions: no --topic "
		                 "or --all-topics");
	if (p->scenario != G_FROM_FILE && !scope)
		return cli_usage("groups reset-offsets: give --topic TOPIC[:P,...] or --all-topics");
	if (cli_has(a, G_TOPIC) && cli_has(a, G_ALL_TOPICS))
		return cli_usage("groups reset-offsets: --topic and --all-topics exclude each other");
	p->flags = OFFLOG_RESET_DRY_RUN | (cli_has(a, G_FORCE) ? OFFLOG_RESET_FORCE : 0u);
	p->execute = cli_has(a, G_EXECUTE);
	p->export = cli_has(a, G_EXPORT);
	return reset_target(p);
}

/* The partitions to reset, from --topic, --all-topics or --from-file. */
static int reset_entries(entries *e, offlog_env *env, const reset_plan *p, const cli_args *a)
{
	if (p->scenario != G_FROM_FILE)
		return collect(e, env, p->group, a);
	int rc = read_csv(e, p->arg);
	return rc ? rc : check_entries(env, e);
}

/* Check (and compute) first; then write the same list in one call. */
static int reset_apply(offlog_env *env, const reset_plan *p, entries *e)
{
	int r = offlog_group_reset_offsets(env, p->group, e->v, e->n, p->to, p->value, p->flags);
	if (r == 0 && p->execute)
		r = offlog_group_reset_offsets(env, p->group, e->v, e->n, p->to, p->value,
		                               p->flags & ~OFFLOG_RESET_DRY_RUN);
	return r ? report_entry_error(r, e) : CLI_OK;
}

static void reset_print(const reset_plan *p, entries *e)
{
	qsort(e->v, e->n, sizeof *e->v, cmp_entry);
	if (p->export) {
		for (size_t i = 0; i < e->n; i++)
			printf("%s,%d,%lld\n", e->v[i].topic, (int)e->v[i].partition,
			       (long long)e->v[i].offset);
	} else {
		static const char *const hdr[] = {"GROUP", "TOPIC", ">PARTITION", ">NEW-OFFSET"};
		cli_table *t = cli_table_new(4, hdr);
		for (size_t i = 0; i < e->n; i++) {
			cli_table_add(t, p->group);
			cli_table_add(t, e->v[i].topic);
			cli_table_addf(t, "%d", (int)e->v[i].partition);
			cli_table_add_i64(t, e->v[i].offset);
		}
		cli_table_print(t, stdout);
		cli_table_free(t);
	}
	if (!p->execute && cli_progress_tty)
		fputs("(dry run: nothing was changed; add --execute to apply)\n", stderr);
}

static int groups_reset(offlog_env *env, const cli_args *a)
{
	reset_plan p;
	entries e = {NULL, 0, 0, NULL, 0};
	int rc = reset_parse(&p, a);
	if (rc)
		goto cleanup;
	if ((rc = reset_entries(&e, env, &p, a)) != 0 || (rc = reset_apply(env, &p, &e)) != 0)
		goto cleanup;
	reset_print(&p, &e);
cleanup:
	entries_free(&e);
	return rc;
}

int cmd_groups(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, "groups", group_opts, argc, argv);
	if (rc == 0 && a.help) {
		cli_help(stdout, cmd_groups_help);
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

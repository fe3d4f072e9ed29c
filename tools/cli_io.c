/*
 * cli_io.c - offlog produce and offlog consume, in the manner of kcat.
 */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* ---- headers text syntax ----------------------------------------------------
 * NAME=VALUE[,NAME=VALUE...]; '\' escapes ',' '=' '\' and gives \t \n; a NAME
 * without '=' has a null value; "-" or "" is no header. consume's %h writes
 * the same syntax, so its output can be produced again. */

/* Unescape s[0..len) into out; stop at an unescaped char in `stops`.
 * Returns the bytes consumed, or -1 for a dangling or unknown escape. */
static long unescape(char *out, size_t *out_len, const char *s, size_t len, const char *stops)
{
	size_t i = 0, o = 0;
	while (i < len && !strchr(stops, s[i])) {
		char c = s[i++];
		if (c == '\\') {
			if (i >= len)
				return -1;
			c = s[i++];
			if (c == 't')
				c = '\t';
			else if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != ',' && c != '=')
				return -1;
		}
		out[o++] = c;
	}
	*out_len = o;
	return (long)i;
}

/* Parse a header list into hs (appending to *n, at most cap) with the
 * decoded bytes in buf (at least len bytes). 0, or -1 when malformed. */
static int parse_headers(offlog_header *hs, size_t *n, size_t cap, char *buf, const char *s,
                         size_t len)
{
	if (len == 0 || (len == 1 && s[0] == '-'))
		return 0;
	size_t i = 0, b = 0;
	for (;;) {
		size_t nl, vl;
		long k = unescape(buf + b, &nl, s + i, len - i, ",=");
		if (k < 0 || nl == 0 || *n >= cap)
			return -1;
		offlog_header *h = &hs[(*n)++];
		h->name = buf + b;
		h->name_len = nl;
		h->value = NULL;
		h->value_len = 0;
		b += nl;
		i += (size_t)k;
		if (i < len && s[i] == '=') {
			i++;
			k = unescape(buf + b, &vl, s + i, len - i, ",");
			if (k < 0)
				return -1;
			h->value = buf + b;
			h->value_len = vl;
			b += vl;
			i += (size_t)k;
		}
		if (i >= len)
			return 0;
		i++;   /* ',' */
		if (i >= len)
			return -1;
	}
}

static void put_escaped(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == ',' || c == '=' || c == '\\')
			fputc('\\', f), fputc(c, f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else
			fputc(c, f);
	}
}

/* ---- produce ----------------------------------------------------------------- */

enum {
	P_PARTITION = 1, P_KEYSEP, P_HEADERS, P_HEADER, P_NULL, P_VERBOSE,
	C_GROUP, C_FROM_BEGINNING, C_OFFSET, C_COUNT, C_EXIT, C_FORMAT, C_JSON, C_TIMEOUT
};

static const cli_opt produce_options[] = {
	{'p', "partition", true, P_PARTITION},
	{'K', "key-delimiter", true, P_KEYSEP},
	{0, "headers", false, P_HEADERS},
	{'H', "header", true, P_HEADER},
	{'Z', "null", false, P_NULL},
	{'v', "verbose", false, P_VERBOSE},
	{0, NULL, false, 0},
};

const char cmd_produce_help[] =
	"usage: offlog produce TOPIC [-p PARTITION] [-K SEP] [--headers] [-H NAME=VALUE]... [-Z] [-v]\n"
	"\n"
	"Appends one record per line of stdin (the newline is not part of it).\n"
	"  -p, --partition P            partition (default: by key with murmur2, keyless in turn)\n"
	"  -K, --key-delimiter SEP      split each line at the first SEP into key and value\n"
	"                               (a line without SEP has no key)\n"
	"  --headers                    each line starts with headers and a tab:\n"
	"                               NAME=VALUE[,NAME=VALUE...]<TAB>rest ('-' or empty: none;\n"
	"                               escape \\, \\= \\\\ \\t \\n; NAME without '=' is a null value)\n"
	"  -H, --header NAME=VALUE      add a header to every record (repeatable)\n"
	"  -Z, --null                   an empty value is a null value (a tombstone)\n"
	"  -v, --verbose                print PARTITION OFFSET of each record as it is written\n";

/* produce's command line. */
typedef struct produce_opts {
	cli_args a;
	const char *topic;
	int32_t partition;
	const char *keysep;    /* -K */
	bool line_headers;     /* --headers */
	bool null_empty;       /* -Z */
	bool verbose;
	/* The -H headers, decoded once into const_buf, then room for a line's. */
	offlog_header *hs;
	size_t nh_const, hs_cap;
	char *const_buf;
	size_t const_used;
} produce_opts;

typedef struct produce_state {
	pthread_mutex_t lock;
	bool verbose;
	int err;             /* first failure reported by the producer */
	long err_line;
	char err_msg[512];
	long long written;
} produce_state;

static void on_delivery(void *opaque, const offlog_delivery *d)
{
	produce_state *st = opaque;
	pthread_mutex_lock(&st->lock);
	if (d->err) {
		if (!st->err) {
			const char *m = offlog_errmsg();
			st->err = d->err;
			st->err_line = (long)(intptr_t)d->msg_opaque;
			snprintf(st->err_msg, sizeof st->err_msg, "%s",
			         m && *m ? m : offlog_strerror(d->err));
		}
	} else {
		st->written++;
		if (st->verbose)
			printf("%d %lld\n", (int)d->partition, (long long)d->offset);
	}
	pthread_mutex_unlock(&st->lock);
}

static int produce_option(produce_opts *o, int id, const char *v)
{
	switch (id) {
	case P_PARTITION:
		if (cli_parse_i32(&o->partition, v, 0, OFFLOG_PARTITIONS_MAX - 1))
			return cli_usage("produce: partition '%s': expected a number >= 0", v);
		break;
	case P_KEYSEP:
		if (!*v)
			return cli_usage("produce: -K: the separator is empty");
		o->keysep = v;
		break;
	case P_HEADERS: o->line_headers = true; break;
	case P_NULL: o->null_empty = true; break;
	case P_VERBOSE: o->verbose = true; break;
	case P_HEADER: {
		size_t before = o->nh_const;
		if (parse_headers(o->hs, &o->nh_const, o->hs_cap, o->const_buf + o->const_used, v,
		                  strlen(v)) ||
		    o->nh_const != before + 1 || !strchr(v, '='))
			return cli_usage("produce: -H '%s': expected NAME=VALUE", v);
		o->const_used += o->hs[before].name_len + o->hs[before].value_len;
		break;
	}
	}
	return CLI_OK;
}

/* Free with produce_opts_free(), also on failure. */
static int produce_parse(produce_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->partition = OFFLOG_PARTITION_ANY;
	int rc = cli_parse(&o->a, "produce", produce_options, argc, argv);
	if (o->a.help)
		cli_help(stdout, cmd_produce_help);
	if (rc || o->a.help)
		return rc;
	size_t nconst = 0, const_bytes = 0;
	for (size_t i = 0; i < o->a.nopts; i++)
		if (o->a.ids[i] == P_HEADER) {
			nconst++;
			const_bytes += strlen(o->a.vals[i]);
		}
	o->hs_cap = nconst + OFFLOG_HEADER_COUNT_MAX;
	o->hs = cli_xmalloc(o->hs_cap * sizeof *o->hs);
	o->const_buf = cli_xmalloc(const_bytes + 1);
	for (size_t i = 0; rc == 0 && i < o->a.nopts; i++)
		rc = produce_option(o, o->a.ids[i], o->a.vals[i]);
	if (rc == 0 && o->a.npos != 1)
		rc = cli_usage("produce: expected one TOPIC");
	if (rc == 0)
		o->topic = o->a.pos[0];
	return rc;
}

static void produce_opts_free(produce_opts *o)
{
	free(o->hs);
	free(o->const_buf);
	cli_args_free(&o->a);
}

/* Open the store and a producer for the topic, which must have the
 * partition asked for; the caller closes both, also on failure. */
static int produce_open(offlog_env **env, offlog_producer **p, const produce_opts *o,
                        produce_state *st)
{
	int32_t count;
	int rc = cli_open(env, false, false);
	if (rc == 0)
		rc = cli_topic_partitions(&count, *env, "produce", o->topic, &o->partition, 1);
	if (rc)
		return rc;
	offlog_producer_options po = OFFLOG_PRODUCER_OPTIONS_INIT;
	po.on_delivery = on_delivery;
	po.opaque = st;
	int r = offlog_producer_open(p, *env, &po);
	return r ? cli_liberr(r, "produce") : CLI_OK;
}

/* A line of stdin, its newline dropped, as a record pointing into line, o->hs
 * and *hbuf: --headers before a tab, -K's key before the first SEP. */
static int produce_message(offlog_message *m, const produce_opts *o, char *line, size_t n,
                           long no, char **hbuf, size_t *hcap)
{
	if (n && line[n - 1] == '\n')
		n--;
	const char *rest = line;
	size_t nh = o->nh_const;
	if (o->line_headers) {
		const char *tab = memchr(line, '\t', n);
		if (!tab)
			return cli_error("produce: line %ld: --headers: expected HEADERS<TAB>RECORD", no);
		if (*hcap < n + 1) {
			*hcap = n + 1;
			*hbuf = cli_xrealloc(*hbuf, *hcap);
		}
		if (parse_headers(o->hs, &nh, o->hs_cap, *hbuf, line, (size_t)(tab - line)))
			return cli_error("produce: line %ld: malformed headers '%.*s'", no,
			                 (int)(tab - line), line);
		n -= (size_t)(tab + 1 - line);
		rest = tab + 1;
	}
	*m = (offlog_message){NULL, 0, rest, n, OFFLOG_TIMESTAMP_NOW, nh ? o->hs : NULL, nh};
	if (o->keysep) {
		size_t sl = strlen(o->keysep);
		for (size_t i = 0; i + sl <= n; i++)
			if (!memcmp(rest + i, o->keysep, sl)) {
				m->key = rest;
				m->key_len = i;
				m->value = rest + i + sl;
				m->value_len = n - i - sl;
				break;
			}
	}
	if (o->null_empty && m->value_len == 0)
		m->value = NULL;
	return CLI_OK;
}

/* Send stdin's lines until its end, an interrupt, or a failure (also one
 * the producer reported for an earlier line). */
static int produce_run(offlog_producer *p, const produce_opts *o, produce_state *st)
{
	char *line = NULL, *hbuf = NULL;
	size_t cap = 0, hcap = 0;
	long no = 0;
	int rc = CLI_OK;
	cli_catch_signals();
	while (rc == 0 && !cli_interrupted) {
		errno = 0;
		ssize_t len = getline(&line, &cap, stdin);
		if (len < 0) {
			if (ferror(stdin) && errno != EINTR)
				rc = cli_error("produce: reading stdin: %s", strerror(errno));
			break;
		}
		no++;
		pthread_mutex_lock(&st->lock);
		bool failed = st->err != 0;
		pthread_mutex_unlock(&st->lock);
		if (failed)
			break;
		offlog_message m;
		if ((rc = produce_message(&m, o, line, (size_t)len, no, &hbuf, &hcap)) != 0)
			break;
		int r = offlog_producer_send(p, o->topic, o->partition, &m, (void *)(intptr_t)no);
		if (r)
			rc = cli_liberr(r, "produce: line %ld", no);
		else
			cli_progress("produce: %ld records sent", no);
	}
	free(line);
	free(hbuf);
	return rc;
}

/* Close the producer, which writes what is queued, then report the first
 * record it could not write. */
static int produce_close(offlog_producer *p, produce_state *st, int rc)
{
	if (p) {
		int r = offlog_producer_close(p, 0);
		if (r && rc == 0)
			rc = cli_liberr(r, "produce");
	}
	cli_progress_done();
	if (st->err && rc == 0)
		rc = cli_error("produce: line %ld: %s (%lld records before it were written)",
		               st->err_line, st->err_msg, st->written);
	return rc;
}

int cmd_produce(int argc, char **argv)
{
	produce_opts o;
	produce_state st;
	offlog_env *env = NULL;
	offlog_producer *p = NULL;
	memset(&st, 0, sizeof st);
	pthread_mutex_init(&st.lock, NULL);
	int rc = produce_parse(&o, argc, argv);
	if (rc || o.a.help)
		goto cleanup;
	st.verbose = o.verbose;
	if ((rc = produce_open(&env, &p, &o, &st)) != 0)
		goto cleanup;
	rc = produce_run(p, &o, &st);
cleanup:
	rc = produce_close(p, &st, rc);
	pthread_mutex_destroy(&st.lock);
	if (env)
		rc = cli_close(env, rc);
	produce_opts_free(&o);
	return rc;
}

/* ---- consume ----------------------------------------------------------------- */

static const cli_opt consume_options[] = {
	{'g', "group", true, C_GROUP},
	{'p', "partition", true, P_PARTITION},
	{0, "from-beginning", false, C_FROM_BEGINNING},
	{'o', "offset", true, C_OFFSET},
	{'c', "count", true, C_COUNT},
	{'e', "exit", false, C_EXIT},
	{'f', "format", true, C_FORMAT},
	{'K', "key-delimiter", true, P_KEYSEP},
	{0, "json", false, C_JSON},
	{'t', "timeout", true, C_TIMEOUT},
	{0, NULL, false, 0},
};

const char cmd_consume_help[] =
	"usage: offlog consume TOPIC [-g GROUP] [-p P,...] [--from-beginning] [-o OFFSET]\n"
	"                            [-c COUNT] [-e] [-f FORMAT | -K SEP | --json]\n"
	"\n"
	"  -g, --group GROUP            consume as a member of GROUP and commit what was printed\n"
	"                               (without -p: join the group and share its partitions)\n"
	"  -p, --partition P,...        only these partitions (manual assignment)\n"
	"  --from-beginning             start at the log start when there is no committed offset\n"
	"                               (default: the end, as in Kafka)\n"
	"  -o, --offset OFFSET          start at OFFSET: a number, -N (N before the end),\n"
	"                               beginning, end, stored, or @TIME (ms since the epoch, or\n"
	"                               an ISO 8601 date) in every partition\n"
	"  -c, --count N                stop after N records\n"
	"  -e, --exit                   stop at the end of every partition\n"
	"  -f, --format FORMAT          %t topic, %p partition, %o offset, %k key, %s value,\n"
	"                               %T timestamp (ms), %h headers, %K key length, %S value\n"
	"                               length, %% a %; \\n \\t \\r \\\\ escapes (default \"%s\\n\")\n"
	"  -K, --key-delimiter SEP      print key SEP value\n"
	"  --json                       one JSON object per record and line\n"
	"  -t, --timeout MS             -e: how long to wait for the group's partitions (10000)\n";

enum start_kind { START_NONE, START_ABS, START_FROM_END, START_SPECIAL, START_TIME };

/* consume's command line. */
typedef struct consume_opts {
	cli_args a;
	const char *topic;
	const char *group;       /* -g */
	int32_t *parts;          /* -p; none: every partition */
	size_t nparts;
	bool subscribed;         /* -g without -p: the group shares out the partitions */
	int64_t count;           /* -c; -1: no limit */
	int64_t timeout;         /* -t */
	bool from_beginning, exit_at_end;
	const char *format;      /* -f, or -K's own, in own_format */
	char *own_format;
	bool json;
	enum start_kind start;   /* -o */
	int64_t start_value;
} consume_opts;

typedef struct consume_state {
	const consume_opts *o;
	offlog_env *env;
	offlog_consumer *c;
	/* -o applies once per partition, also to partitions assigned later. */
	bool *seeked;
	/* Next offset to commit per partition, for what was printed. */
	int64_t *next;
	bool *dirty;
	int32_t nparts;
	int err;
} consume_state;

static void grow(consume_state *s, int32_t part)
{
	if (part < s->nparts)
		return;
	int32_t n = part + 1;
	s->seeked = cli_xrealloc(s->seeked, (size_t)n * sizeof *s->seeked);
	s->next = cli_xrealloc(s->next, (size_t)n * sizeof *s->next);
	s->dirty = cli_xrealloc(s->dirty, (size_t)n * sizeof *s->dirty);
	for (int32_t i = s->nparts; i < n; i++) {
		s->seeked[i] = s->dirty[i] = false;
		s->next[i] = 0;
	}
	s->nparts = n;
}

static int seek_start(consume_state *s, offlog_consumer *c, int32_t part)
{
	const consume_opts *o = s->o;
	grow(s, part);
	if (s->seeked[part] || o->start == START_NONE)
		return 0;
	s->seeked[part] = true;
	switch (o->start) {
	case START_FROM_END:   /* kcat's -o -N: librdkafka's tail offset */
		return offlog_consumer_seek(c, o->topic, part, OFFLOG_OFFSET_TAIL(o->start_value));
	case START_TIME:
		return offlog_consumer_seek_timestamp(c, o->topic, part, o->start_value);
	default:
		return offlog_consumer_seek(c, o->topic, part, o->start_value);
	}
}

static void on_assigned(void *opaque, offlog_consumer *c, const offlog_topic_partition *tps,
                        size_t n)
{
	consume_state *s = opaque;
	for (size_t i = 0; i < n; i++) {
		int r = seek_start(s, c, tps[i].partition);
		if (r && !s->err) {
			s->err = r;
			cli_liberr(r, "consume: seek %s/%d", tps[i].topic, (int)tps[i].partition);
		}
	}
}

static int check_format(const char *f)
{
	for (const char *p = f; *p; p++) {
		if (*p == '%') {
			if (!p[1] || !strchr("tpokTsShK%", p[1]))
				return cli_usage("consume: format '%s': unknown directive %%%c (%%t %%p %%o %%k "
				                 "%%s %%T %%h %%K %%S %%%%)", f, p[1] ? p[1] : ' ');
			p++;
		} else if (*p == '\\') {
			if (!p[1] || !strchr("ntr\\0", p[1]))
				return cli_usage("consume: format '%s': unknown escape \\%c (\\n \\t \\r \\\\ "
				                 "\\0)", f, p[1] ? p[1] : ' ');
			p++;
		}
	}
	return CLI_OK;
}

static void print_headers(const offlog_record *r, bool json)
{
	offlog_header stack[64], *hs = stack;
	size_t n = 0;
	if (r->header_count > 64)
		hs = cli_xmalloc(r->header_count * sizeof *hs);
	if (offlog_record_headers(hs, r->header_count, &n, r) != 0)
		n = 0;
	if (json)
		fputc('[', stdout);
	for (size_t i = 0; i < n; i++) {
		if (json) {
			fputs(i ? ",{\"name\":" : "{\"name\":", stdout);
			cli_json_str(stdout, hs[i].name, hs[i].name_len);
			fputs(",\"value\":", stdout);
			cli_json_str(stdout, hs[i].value, hs[i].value_len);
			fputc('}', stdout);
		} else {
			if (i)
				fputc(',', stdout);
			put_escaped(stdout, hs[i].name, hs[i].name_len);
			if (hs[i].value) {
				fputc('=', stdout);
				put_escaped(stdout, hs[i].value, hs[i].value_len);
			}
		}
	}
	if (json)
		fputc(']', stdout);
	if (hs != stack)
		free(hs);
}

static void print_record(const consume_opts *o, const offlog_record *r)
{
	if (o->json) {
		fputs("{\"topic\":", stdout);
		cli_json_cstr(stdout, r->topic);
		printf(",\"partition\":%d,\"offset\":%lld,\"timestamp\":%lld,\"key\":", (int)r->partition,
		       (long long)r->offset, (long long)r->timestamp);
		cli_json_str(stdout, r->key, r->key_len);
		fputs(",\"value\":", stdout);
		cli_json_str(stdout, r->value, r->value_len);
		fputs(",\"headers\":", stdout);
		print_headers(r, true);
		fputs("}\n", stdout);
		return;
	}
	for (const char *p = o->format; *p; p++) {
		if (*p == '\\') {
			p++;
			fputc(*p == 'n' ? '\n' : *p == 't' ? '\t' : *p == 'r' ? '\r' : *p == '0' ? 0 : *p,
			      stdout);
			continue;
		}
		if (*p != '%') {
			fputc(*p, stdout);
			continue;
		}
		switch (*++p) {
		case 't': fputs(r->topic, stdout); break;
		case 'p': printf("%d", (int)r->partition); break;
		case 'o': printf("%lld", (long long)r->offset); break;
		case 'T': printf("%lld", (long long)r->timestamp); break;
		case 'k': if (r->key) fwrite(r->key, 1, r->key_len, stdout); break;
		case 's': if (r->value) fwrite(r->value, 1, r->value_len, stdout); break;
		case 'K': printf("%lld", r->key ? (long long)r->key_len : -1LL); break;
		case 'S': printf("%lld", r->value ? (long long)r->value_len : -1LL); break;
		case 'h': print_headers(r, false); break;
		default: fputc('%', stdout); break;
		}
	}
}

/* Commit the next offsets of what was printed. */
static int commit_printed(consume_state *s)
{
	size_t n = 0;
	offlog_partition_offset *list = cli_xmalloc((size_t)s->nparts * sizeof *list);
	for (int32_t p = 0; p < s->nparts; p++)
		if (s->dirty[p]) {
			list[n++] = (offlog_partition_offset){s->o->topic, p, s->next[p], NULL, 0};
			s->dirty[p] = false;
		}
	int r = n ? offlog_consumer_commit_offsets(s->c, list, n) : 0;
	free(list);
	if (r == OFFLOG_EFENCED) {
		/* Removed from the group meanwhile: the new owner re-reads them. */
		cli_liberr(r, "consume: commit");
		return 0;
	}
	return r ? cli_liberr(r, "consume: commit") : 0;
}

/* Every partition of this consumer is read up to its high watermark; as a
 * group member only once the group is stable (or the wait is over). */
static int at_end(consume_state *s, long waited_ms, bool *end)
{
	*end = false;
	const offlog_topic_partition *tps;
	size_t n;
	int r = offlog_consumer_assignment(&tps, &n, s->c);
	if (r)
		return r;
	if (s->o->subscribed && waited_ms < (long)s->o->timeout) {
		offlog_group_description *d;
		if ((r = offlog_group_describe(&d, s->env, s->o->group)) != 0)
			return r == OFFLOG_ENOENT ? 0 : r;
		bool stable = !strcmp(d->state, "Stable");
		offlog_group_description_free(d);
		if (!stable)
			return 0;
		if (n == 0 && waited_ms < 1000)
			return 0;   /* our partitions may not have arrived yet */
	}
	for (size_t i = 0; i < n; i++) {
		int64_t pos, hw;
		if ((r = offlog_consumer_position(&pos, s->c, tps[i].topic, tps[i].partition)) != 0 ||
		    (r = offlog_watermarks_get(NULL, &hw, NULL, s->env, tps[i].topic,
		                               tps[i].partition)) != 0)
			return r;
		if (pos < hw)
			return 0;
	}
	*end = true;
	return 0;
}

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int parse_start(consume_opts *o, const char *v)
{
	if (!strcmp(v, "beginning") || !strcmp(v, "earliest"))
		o->start = START_SPECIAL, o->start_value = OFFLOG_OFFSET_BEGINNING;
	else if (!strcmp(v, "end") || !strcmp(v, "latest"))
		o->start = START_SPECIAL, o->start_value = OFFLOG_OFFSET_END;
	else if (!strcmp(v, "stored"))
		o->start = START_SPECIAL, o->start_value = OFFLOG_OFFSET_STORED;
	else if (v[0] == '@') {
		o->start = START_TIME;
		if (cli_parse_i64(&o->start_value, v + 1, 0, INT64_MAX) &&
		    cli_parse_datetime(&o->start_value, v + 1))
			return cli_usage("consume: offset '%s': expected @MS or @YYYY-MM-DDTHH:MM:SS[Z]", v);
	} else if (v[0] == '-') {
		o->start = START_FROM_END;
		if (cli_parse_i64(&o->start_value, v + 1, 1, INT64_MAX))
			return cli_usage("consume: offset '%s': expected -N with N >= 1", v);
		/* Larger counts would not fit a tail offset; they mean all of it anyway. */
		if (o->start_value > INT64_MAX + OFFLOG_OFFSET_TAIL_BASE)
			o->start_value = INT64_MAX + OFFLOG_OFFSET_TAIL_BASE;
	} else {
		o->start = START_ABS;
		if (cli_parse_i64(&o->start_value, v, 0, INT64_MAX))
			return cli_usage("consume: offset '%s': expected a number, -N, beginning, end, "
			                 "stored or @TIME", v);
	}
	return CLI_OK;
}

/* -f, -K and --json each say how to print a record: one of them at most
 * (repeated, the last one), rather than a silent precedence. */
static int one_output_form(const cli_args *a)
{
	int first = 0;
	for (size_t i = 0; i < a->nopts; i++) {
		int id = a->ids[i];
		if (id != C_FORMAT && id != P_KEYSEP && id != C_JSON)
			continue;
		if (first && first != id) {
			const char *x = first == C_FORMAT ? "-f" : first == P_KEYSEP ? "-K" : "--json";
			const char *y = id == C_FORMAT ? "-f" : id == P_KEYSEP ? "-K" : "--json";
			return cli_usage("consume: %s and %s both choose the output: give one of -f, -K "
			                 "and --json", x, y);
		}
		first = id;
	}
	return CLI_OK;
}

/* "%k<SEP>%s\n" with SEP's own % and \ escaped. */
static char *keysep_format(const char *sep)
{
	size_t n = strlen(sep);
	char *f = cli_xmalloc(2 * n + 8), *o = f;
	*o++ = '%', *o++ = 'k';
	for (size_t i = 0; i < n; i++) {
		if (sep[i] == '%' || sep[i] == '\\')
			*o++ = sep[i];
		*o++ = sep[i];
	}
	memcpy(o, "%s\\n", 5);
	return f;
}

static int consume_option(consume_opts *o, int id, const char *v)
{
	switch (id) {
	case C_GROUP: o->group = v; break;
	case P_PARTITION:
		free(o->parts);
		o->parts = NULL;
		if (cli_parse_partition_list(&o->parts, &o->nparts, v))
			return cli_usage("consume: partition '%s': expected P or P,P,...", v);
		break;
	case C_FROM_BEGINNING: o->from_beginning = true; break;
	case C_OFFSET: return parse_start(o, v);
	case C_COUNT:
		if (cli_parse_i64(&o->count, v, 1, INT64_MAX))
			return cli_usage("consume: count '%s': expected a number >= 1", v);
		break;
	case C_EXIT: o->exit_at_end = true; break;
	case C_FORMAT: o->format = v; break;
	case P_KEYSEP:
		free(o->own_format);
		o->format = o->own_format = keysep_format(v);
		break;
	case C_JSON: o->json = true; break;
	case C_TIMEOUT:
		if (cli_parse_i64(&o->timeout, v, 0, 86400000))
			return cli_usage("consume: timeout '%s': expected a number of ms", v);
		break;
	}
	return CLI_OK;
}

/* Free with consume_opts_free(), also on failure. */
static int consume_parse(consume_opts *o, int argc, char **argv)
{
	memset(o, 0, sizeof *o);
	o->format = "%s\\n";
	o->count = -1;
	o->timeout = 10000;
	int rc = cli_parse(&o->a, "consume", consume_options, argc, argv);
	if (o->a.help)
		cli_help(stdout, cmd_consume_help);
	if (rc || o->a.help)
		return rc;
	for (size_t i = 0; rc == 0 && i < o->a.nopts; i++)
		rc = consume_option(o, o->a.ids[i], o->a.vals[i]);
	if (rc == 0)
		rc = one_output_form(&o->a);
	if (rc == 0 && o->a.npos != 1)
		rc = cli_usage("consume: expected one TOPIC");
	if (rc == 0)
		rc = check_format(o->format);
	if (rc == 0)
		o->topic = o->a.pos[0];
	o->subscribed = o->group && o->nparts == 0;
	return rc;
}

static void consume_opts_free(consume_opts *o)
{
	free(o->parts);
	free(o->own_format);
	cli_args_free(&o->a);
}

/* As a group member without -p: subscribe, and seek in on_assigned. Else:
 * assign the partitions and seek now. */
static int consume_assign(consume_state *s, int32_t count)
{
	const consume_opts *o = s->o;
	int r;
	if (o->subscribed) {
		const char *topics[1] = {o->topic};
		r = offlog_consumer_subscribe(s->c, topics, 1);
	} else {
		size_t n = o->nparts ? o->nparts : (size_t)count;
		offlog_topic_partition *tps = cli_xmalloc(n * sizeof *tps);
		for (size_t i = 0; i < n; i++)
			tps[i] = (offlog_topic_partition){o->topic, o->nparts ? o->parts[i] : (int32_t)i};
		r = offlog_consumer_assign(s->c, tps, n);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = seek_start(s, s->c, tps[i].partition);
		free(tps);
	}
	return r ? cli_liberr(r, "consume") : CLI_OK;
}

/* Open the store and the consumer; the caller closes them with
 * consume_close(), also on failure. */
static int consume_open(consume_state *s)
{
	const consume_opts *o = s->o;
	int32_t count;
	int rc = cli_open(&s->env, false, o->group == NULL);
	if (rc == 0)
		rc = cli_topic_partitions(&count, s->env, "consume", o->topic, o->parts, o->nparts);
	if (rc)
		return rc;
	offlog_consumer_options co = OFFLOG_CONSUMER_OPTIONS_INIT;
	co.auto_offset_reset = o->from_beginning ? OFFLOG_RESET_EARLIEST : OFFLOG_RESET_LATEST;
	/* An explicit offset out of range is an error, not a silent reset. */
	if (o->start == START_ABS && !o->subscribed)
		co.auto_offset_reset = OFFLOG_RESET_NONE;
	co.enable_auto_commit = 0;   /* we commit what was printed */
	if (o->subscribed) {
		co.on_assigned = on_assigned;
		co.rebalance_opaque = s;
	}
	int r = offlog_consumer_open(&s->c, s->env, o->group, &co);
	if (r)
		return cli_liberr(r, "consume");
	return consume_assign(s, count);
}

/* Print a polled batch (up to -c), then commit what reached the output. */
static int consume_print(consume_state *s, const offlog_record *recs, size_t n,
                         int64_t *printed, bool *done)
{
	const consume_opts *o = s->o;
	for (size_t i = 0; i < n && (o->count < 0 || *printed < o->count); i++) {
		print_record(o, &recs[i]);
		grow(s, recs[i].partition);
		s->next[recs[i].partition] = recs[i].offset + 1;
		s->dirty[recs[i].partition] = true;
		(*printed)++;
	}
	if (fflush(stdout) != 0) {
		*done = true;   /* nothing committed for what could not be written */
		return errno != EPIPE ? cli_error("consume: writing output: %s", strerror(errno)) : CLI_OK;
	}
	return o->group ? commit_printed(s) : CLI_OK;
}

static int consume_run(consume_state *s)
{
	const consume_opts *o = s->o;
	struct timespec t0;
	int64_t printed = 0;
	bool done = false;
	int rc = CLI_OK;
	cli_catch_signals();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rc == 0 && !done && !cli_interrupted && (o->count < 0 || printed < o->count)) {
		const offlog_record *recs;
		size_t n;
		int r = offlog_consumer_poll(&recs, &n, s->c, 200);
		if (s->err)
			return CLI_ERR;   /* reported by on_assigned */
		if (r)
			return cli_liberr(r, "consume");
		if (n)
			rc = consume_print(s, recs, n, &printed, &done);
		else if (o->exit_at_end && (r = at_end(s, elapsed_ms(&t0), &done)) != 0)
			rc = cli_liberr(r, "consume");
	}
	return rc;
}

static int consume_close(consume_state *s, int rc)
{
	if (s->c) {
		int r = offlog_consumer_close(s->c);
		if (r && rc == 0)
			rc = cli_liberr(r, "consume: close");
	}
	free(s->seeked);
	free(s->next);
	free(s->dirty);
	if (s->env)
		rc = cli_close(s->env, rc);
	return rc;
}

int cmd_consume(int argc, char **argv)
{
	consume_opts o;
	consume_state s;
	memset(&s, 0, sizeof s);
	s.o = &o;
	int rc = consume_parse(&o, argc, argv);
	if (rc || o.a.help)
		goto cleanup;
	if ((rc = consume_open(&s)) != 0)
		goto cleanup;
	rc = consume_run(&s);
cleanup:
	rc = consume_close(&s, rc);
	consume_opts_free(&o);
	return rc;
}

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

static const cli_opt produce_opts[] = {
	{'p', "partition", true, P_PARTITION},
	{'K', "key-delimiter", true, P_KEYSEP},
	{0, "headers", false, P_HEADERS},
	{'H', "header", true, P_HEADER},
	{'Z', "null", false, P_NULL},
	{'v', "verbose", false, P_VERBOSE},
	{0, NULL, false, 0},
};

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

int cmd_produce(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, "produce", produce_opts, argc, argv);
	if (rc || a.help) {
		if (a.help)
			cli_help(stdout, "produce");
		cli_args_free(&a);
		return rc;
	}
	int32_t partition = OFFLOG_PARTITION_ANY;
	const char *keysep = NULL;
	bool line_headers = false, null_empty = false;
	produce_state st;
	memset(&st, 0, sizeof st);
	pthread_mutex_init(&st.lock, NULL);
	/* Headers given with -H, for every record; decoded once. */
	size_t nconst = 0, const_bytes = 0;
	for (size_t i = 0; i < a.nopts; i++)
		if (a.ids[i] == P_HEADER) {
			nconst++;
			const_bytes += strlen(a.vals[i]);
		}
	offlog_header *hs = cli_xmalloc((nconst + OFFLOG_HEADER_COUNT_MAX) * sizeof *hs);
	char *const_buf = cli_xmalloc(const_bytes + 1);
	size_t nh_const = 0, used = 0;
	for (size_t i = 0; rc == 0 && i < a.nopts; i++) {
		const char *v = a.vals[i];
		switch (a.ids[i]) {
		case P_PARTITION:
			if (cli_parse_i32(&partition, v, 0, OFFLOG_PARTITIONS_MAX - 1))
				rc = cli_usage("produce: partition '%s': expected a number >= 0", v);
			break;
		case P_KEYSEP:
			if (!*v)
				rc = cli_usage("produce: -K: the separator is empty");
			keysep = v;
			break;
		case P_HEADERS: line_headers = true; break;
		case P_NULL: null_empty = true; break;
		case P_VERBOSE: st.verbose = true; break;
		case P_HEADER: {
			size_t before = nh_const;
			if (parse_headers(hs, &nh_const, nconst, const_buf + used, v, strlen(v)) ||
			    nh_const != before + 1 || !strchr(v, '='))
				rc = cli_usage("produce: -H '%s': expected NAME=VALUE", v);
			else
				used += hs[before].name_len + hs[before].value_len;
			break;
		}
		}
	}
	if (rc == 0 && a.npos != 1)
		rc = cli_usage("produce: expected one TOPIC");
	offlog_env *env = NULL;
	offlog_producer *p = NULL;
	if (rc == 0)
		rc = cli_open(&env, false, false);
	if (rc == 0) {
		int32_t count = 0;
		offlog_topic_info *ti;
		int r = offlog_topic_describe(&ti, env, a.pos[0]);
		if (r == 0) {
			count = ti->partition_count;
			offlog_topic_info_free(ti);
		}
		if (r)
			rc = cli_liberr(r, "produce");
		else if (partition >= count)
			rc = cli_error("produce: topic \"%s\" has no partition %d (it has %d)", a.pos[0],
			               (int)partition, (int)count);
	}
	offlog_producer_options po = OFFLOG_PRODUCER_OPTIONS_INIT;
	po.on_delivery = on_delivery;
	po.opaque = &st;
	if (rc == 0) {
		int r = offlog_producer_open(&p, env, &po);
		if (r)
			rc = cli_liberr(r, "produce");
	}
	char *line = NULL, *hbuf = NULL;
	size_t cap = 0, hcap = 0;
	long no = 0;
	if (rc == 0)
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
		pthread_mutex_lock(&st.lock);
		bool failed = st.err != 0;
		pthread_mutex_unlock(&st.lock);
		if (failed)
			break;
		size_t n = (size_t)len;
		if (n && line[n - 1] == '\n')
			n--;
		const char *rest = line;
		size_t nh = nh_const;
		if (line_headers) {
			const char *tab = memchr(line, '\t', n);
			if (!tab) {
				rc = cli_error("produce: line %ld: --headers: expected HEADERS<TAB>RECORD", no);
				break;
			}
			if (hcap < n + 1) {
				hcap = n + 1;
				hbuf = cli_xrealloc(hbuf, hcap);
			}
			if (parse_headers(hs, &nh, nconst + OFFLOG_HEADER_COUNT_MAX, hbuf, line,
			                  (size_t)(tab - line))) {
				rc = cli_error("produce: line %ld: malformed headers '%.*s'", no,
				               (int)(tab - line), line);
				break;
			}
			n -= (size_t)(tab + 1 - line);
			rest = tab + 1;
		}
		offlog_message m = {NULL, 0, rest, n, OFFLOG_TIMESTAMP_NOW, nh ? hs : NULL, nh};
		if (keysep) {
			size_t sl = strlen(keysep);
			for (size_t i = 0; i + sl <= n; i++)
				if (!memcmp(rest + i, keysep, sl)) {
					m.key = rest;
					m.key_len = i;
					m.value = rest + i + sl;
					m.value_len = n - i - sl;
					break;
				}
		}
		if (null_empty && m.value_len == 0)
			m.value = NULL;
		int r = offlog_producer_send(p, a.pos[0], partition, &m, (void *)(intptr_t)no);
		if (r) {
			rc = cli_liberr(r, "produce: line %ld", no);
			break;
		}
		cli_progress("produce: %ld records sent", no);
	}
	if (p) {
		int r = offlog_producer_close(p, 0);
		if (r && rc == 0)
			rc = cli_liberr(r, "produce");
	}
	cli_progress_done();
	if (st.err && rc == 0)
		rc = cli_error("produce: line %ld: %s (%lld records before it were written)",
		               st.err_line, st.err_msg, st.written);
	free(line);
	free(hbuf);
	free(hs);
	free(const_buf);
	pthread_mutex_destroy(&st.lock);
	if (env)
		rc = cli_close(env, rc);
	cli_args_free(&a);
	return rc;
}

/* ---- consume ----------------------------------------------------------------- */

static const cli_opt consume_opts[] = {
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

enum start_kind { START_NONE, START_ABS, START_FROM_END, START_SPECIAL, START_TIME };

typedef struct consume_state {
	offlog_env *env;
	offlog_consumer *c;
	const char *topic;
	const char *format;
	bool json;
	enum start_kind start;
	int64_t start_value;
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
	grow(s, part);
	if (s->seeked[part] || s->start == START_NONE)
		return 0;
	s->seeked[part] = true;
	switch (s->start) {
	case START_FROM_END:   /* kcat's -o -N: librdkafka's tail offset */
		return offlog_consumer_seek(c, s->topic, part, OFFLOG_OFFSET_TAIL(s->start_value));
	case START_TIME:
		return offlog_consumer_seek_timestamp(c, s->topic, part, s->start_value);
	default:
		return offlog_consumer_seek(c, s->topic, part, s->start_value);
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

static void print_record(const consume_state *s, const offlog_record *r)
{
	if (s->json) {
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
	for (const char *p = s->format; *p; p++) {
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
			list[n++] = (offlog_partition_offset){s->topic, p, s->next[p], NULL, 0};
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
static int at_end(consume_state *s, const char *group, bool subscribed, long waited_ms,
                  long timeout_ms, bool *end)
{
	*end = false;
	const offlog_topic_partition *tps;
	size_t n;
	int r = offlog_consumer_assignment(&tps, &n, s->c);
	if (r)
		return r;
	if (subscribed && waited_ms < timeout_ms) {
		offlog_group_description *d;
		if ((r = offlog_group_describe(&d, s->env, group)) != 0)
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

static int parse_start(consume_state *s, const char *v)
{
	if (!strcmp(v, "beginning") || !strcmp(v, "earliest"))
		s->start = START_SPECIAL, s->start_value = OFFLOG_OFFSET_BEGINNING;
	else if (!strcmp(v, "end") || !strcmp(v, "latest"))
		s->start = START_SPECIAL, s->start_value = OFFLOG_OFFSET_END;
	else if (!strcmp(v, "stored"))
		s->start = START_SPECIAL, s->start_value = OFFLOG_OFFSET_STORED;
	else if (v[0] == '@') {
		s->start = START_TIME;
		if (cli_parse_i64(&s->start_value, v + 1, 0, INT64_MAX) &&
		    cli_parse_datetime(&s->start_value, v + 1))
			return cli_usage("consume: offset '%s': expected @MS or @YYYY-MM-DDTHH:MM:SS[Z]", v);
	} else if (v[0] == '-') {
		s->start = START_FROM_END;
		if (cli_parse_i64(&s->start_value, v + 1, 1, INT64_MAX))
			return cli_usage("consume: offset '%s': expected -N with N >= 1", v);
		/* Larger counts would not fit a tail offset; they mean all of it anyway. */
		if (s->start_value > INT64_MAX + OFFLOG_OFFSET_TAIL_BASE)
			s->start_value = INT64_MAX + OFFLOG_OFFSET_TAIL_BASE;
	} else {
		s->start = START_ABS;
		if (cli_parse_i64(&s->start_value, v, 0, INT64_MAX))
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

int cmd_consume(int argc, char **argv)
{
	cli_args a;
	int rc = cli_parse(&a, "consume", consume_opts, argc, argv);
	if (rc || a.help) {
		if (a.help)
			cli_help(stdout, "consume");
		cli_args_free(&a);
		return rc;
	}
	consume_state s;
	memset(&s, 0, sizeof s);
	s.format = "%s\\n";
	const char *group = NULL;
	char *own_format = NULL;
	int32_t *parts = NULL;
	size_t nparts = 0;
	int64_t count = -1, timeout = 10000;
	bool from_beginning = false, exit_at_end = false;
	for (size_t i = 0; rc == 0 && i < a.nopts; i++) {
		const char *v = a.vals[i];
		switch (a.ids[i]) {
		case C_GROUP: group = v; break;
		case P_PARTITION:
			free(parts);
			parts = NULL;
			if (cli_parse_partition_list(&parts, &nparts, v))
				rc = cli_usage("consume: partition '%s': expected P or P,P,...", v);
			break;
		case C_FROM_BEGINNING: from_beginning = true; break;
		case C_OFFSET: rc = parse_start(&s, v); break;
		case C_COUNT:
			if (cli_parse_i64(&count, v, 1, INT64_MAX))
				rc = cli_usage("consume: count '%s': expected a number >= 1", v);
			break;
		case C_EXIT: exit_at_end = true; break;
		case C_FORMAT: s.format = v; break;
		case P_KEYSEP:
			free(own_format);
			s.format = own_format = keysep_format(v);
			break;
		case C_JSON: s.json = true; break;
		case C_TIMEOUT:
			if (cli_parse_i64(&timeout, v, 0, 86400000))
				rc = cli_usage("consume: timeout '%s': expected a number of ms", v);
			break;
		}
	}
	if (rc == 0)
		rc = one_output_form(&a);
	if (rc == 0 && a.npos != 1)
		rc = cli_usage("consume: expected one TOPIC");
	if (rc == 0)
		rc = check_format(s.format);
	s.topic = rc == 0 ? a.pos[0] : NULL;
	offlog_env *env = NULL;
	offlog_topic_info *ti = NULL;
	if (rc == 0)
		rc = cli_open(&env, false, group == NULL);
	s.env = env;
	if (rc == 0) {
		int r = offlog_topic_describe(&ti, env, s.topic);
		if (r)
			rc = cli_liberr(r, "consume");
		for (size_t i = 0; rc == 0 && i < nparts; i++)
			if (parts[i] >= ti->partition_count)
				rc = cli_error("consume: topic \"%s\" has no partition %d (it has %d)", s.topic,
				               (int)parts[i], (int)ti->partition_count);
	}
	bool subscribed = group && nparts == 0;
	offlog_consumer_options o = OFFLOG_CONSUMER_OPTIONS_INIT;
	o.auto_offset_reset = from_beginning ? OFFLOG_RESET_EARLIEST : OFFLOG_RESET_LATEST;
	/* An explicit offset out of range is an error, not a silent reset. */
	if (s.start == START_ABS && !subscribed)
		o.auto_offset_reset = OFFLOG_RESET_NONE;
	o.enable_auto_commit = 0;   /* we commit what was printed */
	if (subscribed) {
		o.on_assigned = on_assigned;
		o.rebalance_opaque = &s;
	}
	if (rc == 0) {
		int r = offlog_consumer_open(&s.c, env, group, &o);
		if (r)
			rc = cli_liberr(r, "consume");
	}
	if (rc == 0 && subscribed) {
		const char *topics[1] = {s.topic};
		int r = offlog_consumer_subscribe(s.c, topics, 1);
		if (r)
			rc = cli_liberr(r, "consume");
	} else if (rc == 0) {
		size_t n = nparts ? nparts : (size_t)ti->partition_count;
		offlog_topic_partition *tps = cli_xmalloc(n * sizeof *tps);
		for (size_t i = 0; i < n; i++)
			tps[i] = (offlog_topic_partition){s.topic, nparts ? parts[i] : (int32_t)i};
		int r = offlog_consumer_assign(s.c, tps, n);
		for (size_t i = 0; r == 0 && i < n; i++)
			r = seek_start(&s, s.c, tps[i].partition);
		if (r)
			rc = cli_liberr(r, "consume");
		free(tps);
	}
	if (rc == 0)
		cli_catch_signals();
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int64_t printed = 0;
	while (rc == 0 && !cli_interrupted && (count < 0 || printed < count)) {
		const offlog_record *recs;
		size_t n;
		int r = offlog_consumer_poll(&recs, &n, s.c, 200);
		if (s.err) {
			rc = CLI_ERR;   /* reported by on_assigned */
			break;
		}
		if (r) {
			rc = cli_liberr(r, "consume");
			break;
		}
		for (size_t i = 0; i < n && (count < 0 || printed < count); i++) {
			print_record(&s, &recs[i]);
			grow(&s, recs[i].partition);
			s.next[recs[i].partition] = recs[i].offset + 1;
			s.dirty[recs[i].partition] = true;
			printed++;
		}
		if (n && fflush(stdout) != 0) {
			if (errno != EPIPE)
				rc = cli_error("consume: writing output: %s", strerror(errno));
			break;   /* nothing committed for what could not be written */
		}
		if (n && group && (rc = commit_printed(&s)) != 0)
			break;
		if (n == 0 && exit_at_end) {
			bool end;
			if ((r = at_end(&s, group, subscribed, elapsed_ms(&t0), (long)timeout, &end)) != 0)
				rc = cli_liberr(r, "consume");
			else if (end)
				break;
		}
	}
	if (s.c) {
		int r = offlog_consumer_close(s.c);
		if (r && rc == 0)
			rc = cli_liberr(r, "consume: close");
	}
	offlog_topic_info_free(ti);
	free(s.seeked);
	free(s.next);
	free(s.dirty);
	free(parts);
	free(own_format);
	if (env)
		rc = cli_close(env, rc);
	cli_args_free(&a);
	return rc;
}

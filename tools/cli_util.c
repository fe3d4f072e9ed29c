/*
 * cli_util.c - option parsing, messages, value parsers, tables and JSON for
 * the offlog tool.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_dir;
bool cli_progress_tty;
volatile int cli_interrupted;

/* ---- allocation ------------------------------------------------------------ */

void *cli_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) {
		fputs("offlog: out of memory\n", stderr);
		exit(CLI_ERR);
	}
	return p;
}

void *cli_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		fputs("offlog: out of memory\n", stderr);
		exit(CLI_ERR);
	}
	return q;
}

char *cli_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(cli_xmalloc(n), s, n);
}

/* ---- messages -------------------------------------------------------------- */

static void vmsg(const char *fmt, va_list ap)
{
	cli_progress_done();
	fputs("offlog: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return CLI_ERR;
}

int cli_usage(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	return CLI_USAGE;
}

int cli_liberr(int rc, const char *fmt, ...)
{
	/* Copy the detail first: formatting must not depend on it staying put. */
	char detail[1024];
	const char *m = offlog_errmsg();
	snprintf(detail, sizeof detail, "%s", m && *m ? m : offlog_strerror(rc));
	cli_progress_done();
	fputs("offlog: ", stderr);
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s\n", detail);
	return CLI_ERR;
}

static bool progress_shown;
static struct timespec progress_last;

void cli_progress(const char *fmt, ...)
{
	if (!cli_progress_tty)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (long)(now.tv_sec - progress_last.tv_sec) * 1000 +
	          (now.tv_nsec - progress_last.tv_nsec) / 1000000;
	if (progress_shown && ms < 200)
		return;
	progress_last = now;
	va_list ap;
	va_start(ap, fmt);
	fputs("\r\033[K", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fflush(stderr);
	progress_shown = true;
}

void cli_progress_done(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		progress_shown = false;
	}
}

static void on_signal(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* ---- store ----------------------------------------------------------------- */

int cli_open(offlog_env **env, bool create, bool readonly)
{
	return cli_open_flags(env, create, readonly, 0);
}

int cli_open_flags(offlog_env **env, bool create, bool readonly, unsigned flags)
{
	offlog_options o = OFFLOG_OPTIONS_INIT;
	o.flags = flags;
	if (!create)
		o.flags |= OFFLOG_OPEN_NOCREATE;
	if (readonly)
		o.flags |= OFFLOG_OPEN_READONLY;
	int rc = offlog_open(env, cli_dir, &o);
	if (rc == OFFLOG_ENOENT)
		return cli_error("no store at %s (create one with: offlog -d %s topics create TOPIC)",
		                 cli_dir, cli_dir);
	if (rc)
		return cli_liberr(rc, NULL);
	return CLI_OK;
}

int cli_close(offlog_env *env, int rc)
{
	int crc = offlog_close(env);
	if (crc) {
		cli_liberr(crc, "close");
		return rc ? rc : CLI_ERR;
	}
	return rc;
}

int cli_topic_partitions(int32_t *count, offlog_env *env, const char *cmd, const char *topic,
                         const int32_t *parts, size_t n)
{
	offlog_topic_info *ti;
	int r = offlog_topic_describe(&ti, env, topic);
	if (r)
		return cli_liberr(r, "%s", cmd);
	*count = ti->partition_count;
	offlog_topic_info_free(ti);
	for (size_t i = 0; i < n; i++)
		if (parts[i] >= *count)
			return cli_error("%s: topic \"%s\" has no partition %d (it has %d)", cmd, topic,
			                 (int)parts[i], (int)*count);
	return CLI_OK;
}

/* ---- options --------------------------------------------------------------- */

static void push_opt(cli_args *a, int id, const char *val, const char *name)
{
	a->ids = cli_xrealloc(a->ids, (a->nopts + 1) * sizeof *a->ids);
	a->vals = cli_xrealloc(a->vals, (a->nopts + 1) * sizeof *a->vals);
	a->opt_names = cli_xrealloc(a->opt_names, (a->nopts + 1) * sizeof *a->opt_names);
	a->ids[a->nopts] = id;
	a->vals[a->nopts] = val;
	a->opt_names[a->nopts] = name;
	a->nopts++;
}

static const cli_opt common_opts[] = {
	{'h', "help", false, OPT_HELP},
	{'d', "dir", true, OPT_DIR},
	{0, NULL, false, 0},
};

static const cli_opt *find_long(const cli_opt *opts, const char *name, size_t len)
{
	for (const cli_opt *o = opts; o->id; o++)
		if (o->long_name && strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	for (const cli_opt *o = common_opts; o->id; o++)
		if (strlen(o->long_name) == len && !strncmp(o->long_name, name, len))
			return o;
	return NULL;
}

static const cli_opt *find_short(const cli_opt *opts, char c)
{
	for (const cli_opt *o = opts; o->id; o++)
		if (o->short_name == c)
			return o;
	for (const cli_opt *o = common_opts; o->id; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

int cli_parse(cli_args *a, const char *cmd, const cli_opt *opts, int argc, char **argv)
{
	memset(a, 0, sizeof *a);
	a->pos = cli_xmalloc((size_t)(argc + 1) * sizeof *a->pos);
	bool only_pos = false;
	for (int i = 0; i < argc; i++) {
		const char *s = argv[i];
		if (only_pos || s[0] != '-' || s[1] == 0 ||
		    (isdigit((unsigned char)s[1]) && !find_short(opts, s[1]))) {
			a->pos[a->npos++] = s;   /* "-" and negative numbers are arguments */
			continue;
		}
		if (!strcmp(s, "--")) {
			only_pos = true;
			continue;
		}
		const cli_opt *o;
		const char *val = NULL;
		if (s[1] == '-') {
			const char *eq = strchr(s + 2, '=');
			size_t len = eq ? (size_t)(eq - s - 2) : strlen(s + 2);
			o = find_long(opts, s + 2, len);
			if (!o)
				return cli_usage("%s: unknown option %.*s (see offlog %s --help)", cmd,
				                 (int)(len + 2), s, cmd);
			if (eq && !o->has_arg)
				return cli_usage("%s: option --%s takes no value", cmd, o->long_name);
			if (eq)
				val = eq + 1;
		} else {
			o = find_short(opts, s[1]);
			if (!o)
				return cli_usage("%s: unknown option %.2s (see offlog %s --help)", cmd, s, cmd);
			if (s[2]) {
				if (!o->has_arg)
					return cli_usage("%s: option -%c takes no value", cmd, s[1]);
				val = s + 2;
			}
		}
		if (o->has_arg && !val) {
			if (i + 1 >= argc)
				return cli_usage("%s: option %s needs a value", cmd, s);
			val = argv[++i];
		}
		if (o->id == OPT_HELP)
			a->help = true;
		else if (o->id == OPT_DIR)
			cli_dir = val;
		else
			push_opt(a, o->id, val, s);
	}
	return CLI_OK;
}

void cli_args_free(cli_args *a)
{
	free(a->ids);
	free(a->vals);
	free(a->opt_names);
	free(a->pos);
	memset(a, 0, sizeof *a);
}

/* ---- values ---------------------------------------------------------------- */

int cli_parse_i64(int64_t *out, const char *s, int64_t min, int64_t max)
{
	if (!s || !*s || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	char *end;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (int64_t)v;
	return 0;
}

int cli_parse_i32(int32_t *out, const char *s, int32_t min, int32_t max)
{
	int64_t v;
	if (cli_parse_i64(&v, s, min, max))
		return -1;
	*out = (int32_t)v;
	return 0;
}

/* Read exactly n digits. */
static int digits(const char **p, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil), so UTC needs no timegm(), which POSIX lacks. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* A fraction of a second after '.' or ',' -> ms (digits past the third are
 * read and dropped). No separator: 0 ms; a separator without digits: -1. */
static int fraction_ms(const char **p, int *ms)
{
	*ms = 0;
	if (**p != '.' && **p != ',')
		return 0;
	(*p)++;
	int n = 0, scale = 100;
	for (; isdigit((unsigned char)**p); (*p)++)
		if (n++ < 3) {
			*ms += (**p - '0') * scale;
			scale /= 10;
		}
	return n ? 0 : -1;
}

/* YYYY-MM-DD[(T|t| )HH:MM[:SS[.mmm]]], a valid date and time, into tm and frac
 * (ms); *pp is left after it. */
static int parse_date_time(const char **pp, struct tm *tm, int *frac)
{
	const char *p = *pp;
	int Y, M, D, h = 0, mi = 0, sec = 0;
	*frac = 0;
	if (digits(&p, 4, &Y) || *p++ != '-' || digits(&p, 2, &M) || *p++ != '-' ||
	    digits(&p, 2, &D))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
			return -1;
		if (*p == ':') {
			p++;
			if (digits(&p, 2, &sec) || fraction_ms(&p, frac))
				return -1;
		}
	}
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (Y % 4 == 0 && Y % 100 != 0) || Y % 400 == 0;
	if (M < 1 || M > 12 || D < 1 || D > mdays[M - 1] || (M == 2 && D == 29 && !leap) ||
	    h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(tm, 0, sizeof *tm);
	tm->tm_year = Y - 1900;
	tm->tm_mon = M - 1;
	tm->tm_mday = D;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	*pp = p;
	return 0;
}

/* Z, +HH:MM, -HH:MM, +HHMM or -HHMM ending the string -> seconds east of UTC. */
static int parse_zone(const char *p, int *off)
{
	*off = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1, oh, om;
		if (digits(&p, 2, &oh))
			return -1;
		if (*p == ':')
			p++;
		if (digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		*off = sign * (oh * 3600 + om * 60);
	} else {
		return -1;
	}
	return *p ? -1 : 0;
}

int cli_parse_datetime(int64_t *ms, const char *s)
{
	const char *p = s;
	struct tm tm;
	int frac, off;
	int64_t t;
	if (parse_date_time(&p, &tm, &frac))
		return -1;
	if (*p == 0) {
		/* No zone: local time, as kafka-consumer-groups.sh does. */
		tm.tm_isdst = -1;
		errno = 0;
		time_t tt = mktime(&tm);
		if (tt == (time_t)-1 && errno)
			return -1;
		t = (int64_t)tt;
	} else {
		if (parse_zone(p, &off))
			return -1;
		t = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 +
		    tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec - off;
	}
	if (t < 0)
		return -1;
	*ms = t * 1000 + frac;
	return 0;
}

int cli_parse_duration(int64_t *ms, const char *s)
{
	const char *p = s;
	if (*p != 'P' && *p != 'p')
		return -1;
	p++;
	bool in_time = false, any = false;
	const char *units = "WD";   /* allowed units, in order, before 'T' */
	int64_t total = 0;
	while (*p) {
		if (*p == 'T' || *p == 't') {
			if (in_time || !p[1])
				return -1;
			in_time = true;
			units = "HMS";
			p++;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			return -1;
		int64_t n = 0;
		int frac;
		while (isdigit((unsigned char)*p)) {
			if (n > (INT64_MAX - 9) / 10)
				return -1;
			n = n * 10 + (*p++ - '0');
		}
		if (fraction_ms(&p, &frac))
			return -1;
		char u = (char)toupper((unsigned char)*p);
		const char *at = u ? strchr(units, u) : NULL;
		if (!at || (frac && u != 'S'))
			return -1;
		units = at + 1;   /* each unit once, largest first */
		p++;
		int64_t unit = u == 'W' ? 604800000 : u == 'D' ? 86400000 : u == 'H' ? 3600000 :
		               u == 'M' ? 60000 : 1000;
		if (n > (INT64_MAX - total - frac) / unit)
			return -1;
		total += n * unit + frac;
		any = true;
	}
	if (!any)
		return -1;
	*ms = total;
	return 0;
}

int cli_parse_partition_list(int32_t **parts, size_t *n, const char *s)
{
	size_t cap = 1;
	for (const char *c = s; *c; c++)
		cap += *c == ',';
	int32_t *v = cli_xmalloc(cap * sizeof *v);
	size_t k = 0;
	const char *p = s;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char buf[32];
		if (len == 0 || len >= sizeof buf)
			goto bad;
		memcpy(buf, p, len);
		buf[len] = 0;
		if (cli_parse_i32(&v[k], buf, 0, OFFLOG_PARTITIONS_MAX - 1))
			goto bad;
		for (size_t j = 0; j < k; j++)
			if (v[j] == v[k])
				goto bad;
		k++;
		if (!comma)
			break;
		p = comma + 1;
	}
	*parts = v;
	*n = k;
	return 0;
bad:
	free(v);
	return -1;
}

int cli_parse_topic_parts(char **topic, int32_t **parts, size_t *n, const char *s)
{
	const char *colon = strchr(s, ':');
	size_t len = colon ? (size_t)(colon - s) : strlen(s);
	if (len == 0)
		return -1;
	*parts = NULL;
	*n = 0;
	if (colon && cli_parse_partition_list(parts, n, colon + 1))
		return -1;
	char *t = cli_xmalloc(len + 1);
	memcpy(t, s, len);
	t[len] = 0;
	*topic = t;
	return 0;
}

void cli_format_time(char *buf, size_t size, int64_t ms)
{
	int64_t secs = ms / 1000, y;
	int m, d;
	int64_t days = secs / 86400, rem = secs % 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", (long long)y, m, d,
	         (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), (int)(ms % 1000));
}

/* ---- tables ---------------------------------------------------------------- */

struct cli_table {
	size_t ncols;
	char **cells;
	size_t ncells, cap;
};

cli_table *cli_table_new(size_t ncols, const char *const *headers)
{
	cli_table *t = cli_xmalloc(sizeof *t);
	t->ncols = ncols;
	t->cells = NULL;
	t->ncells = t->cap = 0;
	for (size_t i = 0; i < ncols; i++)
		cli_table_add(t, headers[i]);
	return t;
}

void cli_table_add(cli_table *t, const char *cell)
{
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->cells = cli_xrealloc(t->cells, t->cap * sizeof *t->cells);
	}
	t->cells[t->ncells++] = cli_xstrdup(cell);
}

void cli_table_addf(cli_table *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cli_table_add(t, buf);
}

void cli_table_add_i64(cli_table *t, int64_t v)
{
	cli_table_addf(t, "%lld", (long long)v);
}

void cli_table_print(cli_table *t, FILE *f)
{
	size_t *w = cli_xmalloc(t->ncols * sizeof *w);
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = 0;
	for (size_t i = 0; i < t->ncells; i++) {
		const char *s = t->cells[i];
		size_t c = i % t->ncols, len = strlen(s) - (i < t->ncols && s[0] == '>');
		if (len > w[c])
			w[c] = len;
	}
	for (size_t i = 0; i < t->ncells; i++) {
		size_t c = i % t->ncols;
		const char *h = t->cells[c];
		bool right = h[0] == '>';
		const char *s = t->cells[i] + (i < t->ncols && right);
		bool last = c + 1 == t->ncols;
		if (right)
			fprintf(f, "%*s", (int)w[c], s);
		else if (last)
			fputs(s, f);
		else
			fprintf(f, "%-*s", (int)w[c], s);
		fputs(last ? "\n" : "  ", f);
	}
	free(w);
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* ---- JSON ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;
	if (s[0] < 0x80)
		return 1;
	else if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1fu;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0fu;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

void cli_json_str(FILE *f, const void *data, size_t len)
{
	if (!data) {
		fputs("null", f);
		return;
	}
	const unsigned char *s = data;
	fputc('"', f);
	for (size_t i = 0; i < len;) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n') {
			fputs("\\n", f);
		} else if (c == '\t') {
			fputs("\\t", f);
		} else if (c == '\r') {
			fputs("\\r", f);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(f, "\\u%04x", c);
		} else if (c >= 0x80) {
			size_t k = utf8_len(s + i, len - i);
			if (k == 0) {
				fputs("\\ufffd", f);
				i++;
			} else {
				fwrite(s + i, 1, k, f);
				i += k;
			}
			continue;
		} else {
			fputc(c, f);
		}
		i++;
	}
	fputc('"', f);
}

void cli_json_cstr(FILE *f, const char *s)
{
	cli_json_str(f, s, s ? strlen(s) : 0);
}

bool cli_has(const cli_args *a, int id)
{
	for (size_t i = 0; i < a->nopts; i++)
		if (a->ids[i] == id)
			return true;
	return false;
}

const char *cli_val(const cli_args *a, int id)
{
	const char *v = NULL;
	for (size_t i = 0; i < a->nopts; i++)
		if (a->ids[i] == id)
			v = a->vals[i];
	return v;
}

int cli_only(const cli_args *a, const char *cmd, const int *allowed)
{
	for (size_t i = 0; i < a->nopts; i++) {
		bool ok = false;
		for (const int *p = allowed; *p; p++)
			ok |= *p == a->ids[i];
		if (!ok)
			return cli_usage("%s: option %s does not apply here", cmd, a->opt_names[i]);
	}
	return CLI_OK;
}

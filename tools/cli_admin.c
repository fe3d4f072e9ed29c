/*
 * cli_admin.c - offlog stats, backup and check.
 */
#include "cli.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { A_JSON = 1 };

static const cli_opt json_opts[] = {
	{0, "json", false, A_JSON},
	{0, NULL, false, 0},
};

const char cmd_stats_help[] =
	"usage: offlog stats [--json]\n\nStore files, map size and use, readers, totals.\n";

const char cmd_backup_help[] =
	"usage: offlog backup DEST\n"
	"\n"
	"Writes a consistent, compacted copy of the store into directory DEST (created;\n"
	"it must not hold a store), while applications keep using the store.\n";

const char cmd_check_help[] =
	"usage: offlog check [--json]\n"
	"\n"
	"Opens the store with OFFLOG_OPEN_VERIFY: every page of the data file is read and\n"
	"checked, then the tables against each other (every topic with its id and partition\n"
	"states; every record, time index entry, committed offset and producer state in a\n"
	"partition that exists, below its log end; record counts and bytes). Then reads\n"
	"every partition through the API: log start <= high watermark <= log end, offsets\n"
	"strictly increasing and within the watermarks, record counts, headers, and every\n"
	"group's committed offsets within [log start, log end]. Exit status 1 with a report\n"
	"when something is wrong.\n";

/* The command line of stats, backup and check: npos arguments and --json.
 * With -h, prints the help: the caller stops when a->help is set. */
static int parse_simple(cli_args *a, const char *cmd, const char *help, int argc, char **argv,
                        size_t npos, bool *json)
{
	int rc = cli_parse(a, cmd, json_opts, argc, argv);
	if (rc)
		return rc;
	if (a->help) {
		cli_help(stdout, help);
		return CLI_OK;
	}
	if (a->npos != npos)
		return npos ? cli_usage("%s: expected %zu argument%s", cmd, npos, npos > 1 ? "s" : "") :
		              cli_usage("%s: unexpected argument '%s'", cmd, a->pos[0]);
	*json = a->nopts > 0;
	return CLI_OK;
}

static int64_t file_size(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 ? (int64_t)st.st_size : -1;
}

/* ---- stats ----------------------------------------------------------------- */

typedef struct store_totals {
	offlog_store_info si;
	uint64_t reclaimed;   /* dead processes' reader slots, freed at open or now */
	size_t topics, groups;
	int64_t partitions, records, bytes;
	int64_t data_file, lock_file, wake_file;   /* their sizes */
} store_totals;

static int stats_count_topics(store_totals *st, offlog_env *env, char **topics, size_t nt)
{
	for (size_t i = 0; i < nt; i++) {
		offlog_topic_info *ti;
		int e = offlog_topic_describe(&ti, env, topics[i]);
		if (e == OFFLOG_ENOTOPIC)
			continue;
		if (e)
			return e;
		st->partitions += ti->partition_count;
		for (int32_t p = 0; p < ti->partition_count; p++) {
			st->records += ti->partitions[p].records;
			st->bytes += ti->partitions[p].bytes;
		}
		offlog_topic_info_free(ti);
	}
	return 0;
}

static int stats_gather(store_totals *st, offlog_env *env)
{
	char **topics = NULL, **groups = NULL;
	size_t nt = 0, ng = 0;
	*st = (store_totals){.si = OFFLOG_STORE_INFO_INIT};
	int r = offlog_store_reclaim_readers(env, NULL, &st->reclaimed);
	if (r == 0)
		r = offlog_store_stat(&st->si, env);
	if (r == 0)
		r = offlog_topic_list(&topics, &nt, env);
	if (r == 0)
		r = offlog_group_list(&groups, &ng, env);
	if (r == 0)
		r = stats_count_topics(st, env, topics, nt);
	int rc = r ? cli_liberr(r, "stats") : CLI_OK;
	st->topics = nt;
	st->groups = ng;
	st->data_file = file_size(cli_dir, "data.mdb");
	st->lock_file = file_size(cli_dir, "lock.mdb");
	st->wake_file = file_size(cli_dir, "offlog.wake");
	offlog_names_free(topics, nt);
	offlog_names_free(groups, ng);
	return rc;
}

static void stats_json(const store_totals *st)
{
	fputs("{\"store\":", stdout);
	cli_json_cstr(stdout, cli_dir);
	printf(",\"files\":{\"data.mdb\":%lld,\"lock.mdb\":%lld,\"offlog.wake\":%lld},"
	       "\"map_size\":%llu,\"map_used\":%llu,\"page_size\":%u,\"readers_used\":%u,"
	       "\"max_readers\":%u,\"readers_reclaimed\":%llu,\"format_version\":%u,"
	       "\"topics\":%zu,\"partitions\":%lld,"
	       "\"records\":%lld,\"record_bytes\":%lld,\"groups\":%zu}\n",
	       (long long)st->data_file, (long long)st->lock_file, (long long)st->wake_file,
	       (unsigned long long)st->si.map_size, (unsigned long long)st->si.map_used,
	       st->si.page_size, st->si.readers_used, st->si.max_readers,
	       (unsigned long long)st->reclaimed, st->si.format_version, st->topics,
	       (long long)st->partitions, (long long)st->records, (long long)st->bytes, st->groups);
}

static void stats_text(const store_totals *st)
{
	static const char *const dur[] = {"sync", "nometasync", "async"};
	const offlog_store_info *si = &st->si;
	double use = si->map_size ? 100.0 * (double)si->map_used / (double)si->map_size : 0;
	printf("store           %s\n", cli_dir);
	printf("data.mdb        %lld bytes\n", (long long)st->data_file);
	printf("lock.mdb        %lld bytes\n", (long long)st->lock_file);
	printf("offlog.wake     %lld bytes\n", (long long)st->wake_file);
	printf("map size        %llu bytes\n", (unsigned long long)si->map_size);
	printf("map used        %llu bytes (%.1f%%)\n", (unsigned long long)si->map_used, use);
	printf("page size       %u\n", si->page_size);
	printf("readers         %u of %u slots in use; %llu of dead processes freed\n",
	       si->readers_used, si->max_readers, (unsigned long long)st->reclaimed);
	printf("format version  %u\n", si->format_version);
	printf("durability      %s (of this handle)\n",
	       si->durability >= 0 && si->durability <= 2 ? dur[si->durability] : "?");
	printf("topics          %zu\n", st->topics);
	printf("partitions      %lld\n", (long long)st->partitions);
	printf("records         %lld\n", (long long)st->records);
	printf("record bytes    %lld\n", (long long)st->bytes);
	printf("groups          %zu\n", st->groups);
}

int cmd_stats(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	offlog_env *env = NULL;
	store_totals st;
	int rc = parse_simple(&a, "stats", cmd_stats_help, argc, argv, 0, &json);
	if (rc == 0 && !a.help && (rc = cli_open(&env, false, true)) == 0 &&
	    (rc = stats_gather(&st, env)) == 0) {
		if (json)
			stats_json(&st);
		else
			stats_text(&st);
	}
	cli_args_free(&a);
	if (env)
		rc = cli_close(env, rc);
	return rc;
}

/* ---- backup ---------------------------------------------------------------- */

typedef struct backup_progress {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	const char *dest;
	uint64_t total;
} backup_progress;

/* On a terminal, show how much of the copy is written, by its file size. */
static void *progress_thread(void *arg)
{
	backup_progress *bp = arg;
	pthread_mutex_lock(&bp->lock);
	while (!bp->done) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&bp->cond, &bp->lock, &until);
		if (bp->done)
			break;
		int64_t got = file_size(bp->dest, "data.mdb");
		if (got > 0)
			cli_progress("backup: %.1f of at most %.1f MiB written", (double)got / 1048576.0,
			             (double)bp->total / 1048576.0);
	}
	pthread_mutex_unlock(&bp->lock);
	return NULL;
}

static int backup_run(offlog_env *env, const char *dest)
{
	offlog_store_info si = OFFLOG_STORE_INFO_INIT;
	backup_progress bp = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false, dest, 0};
	pthread_t th;
	bool thread = false;
	if (cli_progress_tty && offlog_store_stat(&si, env) == 0) {
		bp.total = si.map_used;
		thread = pthread_create(&th, NULL, progress_thread, &bp) == 0;
	}
	int r = offlog_backup(env, dest);
	if (thread) {
		pthread_mutex_lock(&bp.lock);
		bp.done = true;
		pthread_cond_signal(&bp.cond);
		pthread_mutex_unlock(&bp.lock);
		pthread_join(th, NULL);
		cli_progress_done();
	}
	if (r)
		return cli_liberr(r, "backup");
	printf("backup of %s written to %s (%lld bytes)\n", cli_dir, dest,
	       (long long)file_size(dest, "data.mdb"));
	return CLI_OK;
}

int cmd_backup(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	offlog_env *env = NULL;
	int rc = parse_simple(&a, "backup", cmd_backup_help, argc, argv, 1, &json);
	if (rc == 0 && json)
		rc = cli_usage("backup: --json does not apply here");
	if (rc == 0 && !a.help && (rc = cli_open(&env, false, true)) == 0)
		rc = backup_run(env, a.pos[0]);
	cli_args_free(&a);
	if (env)
		rc = cli_close(env, rc);
	return rc;
}

/* ---- check ----------------------------------------------------------------- */

typedef struct report {
	char **errors, **notes;
	size_t nerr, nnote;
	int64_t topics, partitions, records, groups, commits;
} report;

static void add_msg(char ***list, size_t *n, const char *fmt, va_list ap)
{
	char buf[1024];
	vsnprintf(buf, sizeof buf, fmt, ap);
	*list = cli_xrealloc(*list, (*n + 1) * sizeof **list);
	(*list)[(*n)++] = cli_xstrdup(buf);
}

static void problem(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_msg(&r->errors, &r->nerr, fmt, ap);
	va_end(ap);
}

static void note(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(report *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	add_msg(&r->notes, &r->nnote, fmt, ap);
	va_end(ap);
}

/* One record read back: in its place after the one before it (last). 0, or 1
 * with msg saying why not. */
static int check_record(const offlog_record *r, const offlog_partition_info *pi, int64_t last,
                        char *msg, size_t msg_size)
{
	if (r->offset <= last || r->offset < pi->log_start) {
		snprintf(msg, msg_size, "offset %lld follows %lld (log start %lld)",
		         (long long)r->offset, (long long)last, (long long)pi->log_start);
		return 1;
	}
	if (r->partition != pi->partition || r->timestamp < 0) {
		snprintf(msg, msg_size, "record at offset %lld: partition %d, timestamp %lld",
		         (long long)r->offset, (int)r->partition, (long long)r->timestamp);
		return 1;
	}
	if (r->header_count) {
		offlog_header h[4];
		size_t hn;
		if (offlog_record_headers(h, 4, &hn, r) != 0) {
			snprintf(msg, msg_size, "record at offset %lld: damaged headers",
			         (long long)r->offset);
			return 1;
		}
	}
	return 0;
}

/* Read the records below the high watermark, from the log start: *last is the
 * offset of the last one, *count how many. 0, 1 (msg says why) or a library
 * code. */
static int check_records(offlog_env *env, const char *topic, const offlog_partition_info *pi,
                         char *msg, size_t msg_size, int64_t *last, int64_t *count)
{
	offlog_batch *b = NULL;
	int64_t at = pi->log_start;
	int rc = 0;
	while (at < pi->high_watermark) {
		const offlog_record *recs;
		size_t n;
		int64_t next;
		if ((rc = offlog_fetch(&b, env, topic, pi->partition, at, 1000, 0)) != 0 ||
		    (rc = offlog_batch_records(&recs, &n, &next, b)) != 0)
			break;
		for (size_t i = 0; rc == 0 && i < n && recs[i].offset < pi->high_watermark; i++) {
			if ((rc = check_record(&recs[i], pi, *last, msg, msg_size)) == 0) {
				*last = recs[i].offset;
				(*count)++;
			}
		}
		if (rc || n == 0 || next <= at)
			break;
		at = next;
	}
	offlog_batch_free(b);
	return rc;
}

/* Read one partition from log start to the high watermark and check it.
 * Returns 0 when consistent, 1 when not (msg says why), or a library code.
 * The caller retries when the partition changed meanwhile (a live store). */
static int check_partition(offlog_env *env, const char *topic, const offlog_partition_info *pi,
                           char *msg, size_t msg_size, int64_t *count_out)
{
	if (pi->log_start < 0 || pi->log_start > pi->high_watermark ||
	    pi->high_watermark > pi->log_end) {
		snprintf(msg, msg_size, "watermarks out of order: log start %lld, high watermark %lld, "
		         "log end %lld", (long long)pi->log_start, (long long)pi->high_watermark,
		         (long long)pi->log_end);
		return 1;
	}
	int64_t last = -1, count = 0;
	int rc = check_records(env, topic, pi, msg, msg_size, &last, &count);
	if (rc)
		return rc;
	if (last >= pi->high_watermark) {
		snprintf(msg, msg_size, "record at offset %lld at or beyond the high watermark %lld",
		         (long long)last, (long long)pi->high_watermark);
		return 1;
	}
	/* Records between the high watermark and the log end (a deferred
	 * durability mode) are counted by the store but not readable. */
	if (count > pi->records ||
	    (pi->high_watermark == pi->log_end && count != pi->records) ||
	    pi->records > pi->log_end - pi->log_start) {
		snprintf(msg, msg_size, "%lld records readable, the store counts %lld in [%lld, %lld)",
		         (long long)count, (long long)pi->records, (long long)pi->log_start,
		         (long long)pi->log_end);
		return 1;
	}
	*count_out = count;
	return 0;
}

static bool same_watermarks(offlog_env *env, const char *topic, const offlog_partition_info *pi)
{
	int64_t ls, hw, leo;
	return offlog_watermarks_get(&ls, &hw, &leo, env, topic, pi->partition) == 0 &&
	       ls == pi->log_start && hw == pi->high_watermark && leo == pi->log_end;
}

/* check_partition, describing the topic again while the partition changes
 * under us, at most five times; *ti is NULL when that describe failed. */
static int check_live_partition(offlog_env *env, const char *topic, offlog_topic_info **ti,
                                int32_t p, char *msg, size_t msg_size, int64_t *count)
{
	const offlog_partition_info *pi = &(*ti)->partitions[p];
	int tries = 0, e;
	while ((e = check_partition(env, topic, pi, msg, msg_size, count)) != 0 &&
	       !same_watermarks(env, topic, pi) && ++tries < 5) {
		offlog_topic_info_free(*ti);
		if (offlog_topic_describe(ti, env, topic) != 0) {
			*ti = NULL;
			break;
		}
		pi = &(*ti)->partitions[p];
	}
	return e;
}

/* Check every partition of topic, the i-th of n (for the progress line). */
static int check_topic(offlog_env *env, report *rep, const char *topic, size_t i, size_t n)
{
	offlog_topic_info *ti;
	int e = offlog_topic_describe(&ti, env, topic);
	if (e == OFFLOG_ENOTOPIC)
		return 0;   /* deleted meanwhile */
	if (e)
		return e;
	rep->topics++;
	rep->partitions += ti->partition_count;
	for (int32_t p = 0; ti && p < ti->partition_count; p++) {
		if (ti->partitions[p].partition != p) {
			problem(rep, "%s: partition entry %d says %d", topic, (int)p,
			        (int)ti->partitions[p].partition);
			continue;
		}
		cli_progress("check: %s/%d (%zu of %zu topics)", topic, (int)p, i + 1, n);
		char msg[512];
		int64_t count = 0;
		e = check_live_partition(env, topic, &ti, p, msg, sizeof msg, &count);
		if (!ti || e == OFFLOG_ENOTOPIC)
			break;
		if (e == 1)
			problem(rep, "%s/%d: %s", topic, (int)p, msg);
		else if (e)
			problem(rep, "%s/%d: reading failed: %s (%s)", topic, (int)p, offlog_strerror(e),
			        offlog_errmsg());
		else
			rep->records += count;
	}
	offlog_topic_info_free(ti);
	return 0;
}

static int check_topics(offlog_env *env, report *rep)
{
	char **names;
	size_t n;
	int rc = offlog_topic_list(&names, &n, env);
	if (rc)
		return rc;
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i - 1], names[i]) >= 0)
			problem(rep, "topic list not sorted or not unique at %s", names[i]);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = check_topic(env, rep, names[i], i, n);
	offlog_names_free(names, n);
	return rc;
}

static int check_groups(offlog_env *env, report *rep)
{
	char **names;
	size_t n;
	int rc = offlog_group_list(&names, &n, env);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		offlog_group_description *d;
		int e = offlog_group_describe(&d, env, names[i]);
		if (e == OFFLOG_ENOENT)
			continue;
		if (e) {
			problem(rep, "group %s: %s (%s)", names[i], offlog_strerror(e), offlog_errmsg());
			continue;
		}
		rep->groups++;
		for (size_t k = 0; k < d->partition_count; k++) {
			const offlog_group_partition *p = &d->partitions[k];
			if (p->committed == OFFLOG_OFFSET_INVALID)
				continue;
			rep->commits++;
			if (p->committed > p->log_end_offset || p->committed < 0)
				problem(rep, "group %s: committed offset %lld of %s/%d beyond the log end %lld",
				        names[i], (long long)p->committed, p->topic, (int)p->partition,
				        (long long)p->log_end_offset);
			else if (p->committed < p->log_start_offset)
				note(rep, "group %s: committed offset %lld of %s/%d is below the log start %lld "
				     "(its consumers will apply their reset policy)", names[i],
				     (long long)p->committed, p->topic, (int)p->partition,
				     (long long)p->log_start_offset);
		}
		offlog_group_description_free(d);
	}
	offlog_names_free(names, n);
	return 0;
}

static void print_list(const char *key, char **list, size_t n)
{
	printf("\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', stdout);
		cli_json_cstr(stdout, list[i]);
	}
	fputc(']', stdout);
}

/* Returns CLI_ERR when the report holds a problem. */
static int report_print(const report *rep, bool json)
{
	if (json) {
		printf("{\"ok\":%s,\"topics\":%lld,\"partitions\":%lld,\"records\":%lld,"
		       "\"groups\":%lld,\"committed_offsets\":%lld,",
		       rep->nerr ? "false" : "true", (long long)rep->topics, (long long)rep->partitions,
		       (long long)rep->records, (long long)rep->groups, (long long)rep->commits);
		print_list("errors", rep->errors, rep->nerr);
		fputc(',', stdout);
		print_list("notes", rep->notes, rep->nnote);
		fputs("}\n", stdout);
	} else {
		for (size_t i = 0; i < rep->nerr; i++)
			printf("error: %s\n", rep->errors[i]);
		for (size_t i = 0; i < rep->nnote; i++)
			printf("note: %s\n", rep->notes[i]);
		printf("%s: %lld topics, %lld partitions, %lld records, %lld groups, %lld committed "
		       "offsets: %s\n", cli_dir, (long long)rep->topics, (long long)rep->partitions,
		       (long long)rep->records, (long long)rep->groups, (long long)rep->commits,
		       rep->nerr ? "PROBLEMS FOUND" : "ok");
	}
	if (rep->nerr)
		return cli_error("check: %zu problem%s found in %s", rep->nerr, rep->nerr > 1 ? "s" : "",
		                 cli_dir);
	return CLI_OK;
}

static void report_free(report *rep)
{
	for (size_t i = 0; i < rep->nerr; i++)
		free(rep->errors[i]);
	for (size_t i = 0; i < rep->nnote; i++)
		free(rep->notes[i]);
	free(rep->errors);
	free(rep->notes);
}

int cmd_check(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	offlog_env *env = NULL;
	report rep;
	int r;
	memset(&rep, 0, sizeof rep);
	int rc = parse_simple(&a, "check", cmd_check_help, argc, argv, 0, &json);
	if (rc || a.help)
		goto cleanup;
	/* First the open's check: every page of the data file read and checked,
	 * then whether the tables agree with each other. */
	if ((rc = cli_open_flags(&env, false, true, OFFLOG_OPEN_VERIFY)) != 0) {
		if (json) {
			printf("{\"ok\":false,\"errors\":[");
			cli_json_cstr(stdout, offlog_errmsg());
			printf("],\"notes\":[]}\n");
		}
		goto cleanup;
	}
	if ((r = check_topics(env, &rep)) == 0)
		r = check_groups(env, &rep);
	cli_progress_done();
	rc = r ? cli_liberr(r, "check") : report_print(&rep, json);
cleanup:
	report_free(&rep);
	cli_args_free(&a);
	if (env)
		rc = cli_close(env, rc);
	return rc;
}

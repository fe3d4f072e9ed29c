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

static int parse_simple(cli_args *a, const char *cmd, int argc, char **argv, size_t npos,
                        bool *json)
{
	int rc = cli_parse(a, cmd, json_opts, argc, argv);
	if (rc)
		return rc;
	if (a->help) {
		cli_help(stdout, cmd);
		return -1;
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

int cmd_stats(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	int rc = parse_simple(&a, "stats", argc, argv, 0, &json);
	if (rc) {
		cli_args_free(&a);
		return rc < 0 ? CLI_OK : rc;
	}
	offlog_env *env;
	if ((rc = cli_open(&env, false, true)) != 0) {
		cli_args_free(&a);
		return rc;
	}
	offlog_store_info si;
	char **topics = NULL, **groups = NULL;
	size_t nt = 0, ng = 0;
	int64_t parts = 0, records = 0, bytes = 0;
	uint64_t reclaimed = 0;   /* dead processes' reader slots, freed at open or now */
	int r = offlog_store_reclaim_readers(env, NULL, &reclaimed);
	if (r == 0)
		r = offlog_store_stat(&si, env);
	if (r == 0)
		r = offlog_topic_list(&topics, &nt, env);
	if (r == 0)
		r = offlog_group_list(&groups, &ng, env);
	for (size_t i = 0; r == 0 && i < nt; i++) {
		offlog_topic_info *ti;
		int e = offlog_topic_describe(&ti, env, topics[i]);
		if (e == OFFLOG_ENOTOPIC)
			continue;
		if ((r = e) != 0)
			break;
		parts += ti->partition_count;
		for (int32_t p = 0; p < ti->partition_count; p++) {
			records += ti->partitions[p].records;
			bytes += ti->partitions[p].bytes;
		}
		offlog_topic_info_free(ti);
	}
	if (r) {
		rc = cli_liberr(r, "stats");
	} else {
		static const char *const dur[] = {"sync", "nometasync", "async"};
		int64_t data = file_size(cli_dir, "data.mdb"), lock = file_size(cli_dir, "lock.mdb"),
		        wake = file_size(cli_dir, "offlog.wake");
		double use = si.map_size ? 100.0 * (double)si.map_used / (double)si.map_size : 0;
		if (json) {
			fputs("{\"store\":", stdout);
			cli_json_cstr(stdout, cli_dir);
			printf(",\"files\":{\"data.mdb\":%lld,\"lock.mdb\":%lld,\"offlog.wake\":%lld},"
			       "\"map_size\":%llu,\"map_used\":%llu,\"page_size\":%u,\"readers_used\":%u,"
			       "\"max_readers\":%u,\"readers_reclaimed\":%llu,\"format_version\":%u,"
			       "\"topics\":%zu,\"partitions\":%lld,"
			       "\"records\":%lld,\"record_bytes\":%lld,\"groups\":%zu}\n",
			       (long long)data, (long long)lock, (long long)wake,
			       (unsigned long long)si.map_size, (unsigned long long)si.map_used,
			       si.page_size, si.readers_used, si.max_readers, (unsigned long long)reclaimed,
			       si.format_version, nt,
			       (long long)parts, (long long)records, (long long)bytes, ng);
		} else {
			printf("store           %s\n", cli_dir);
			printf("data.mdb        %lld bytes\n", (long long)data);
			printf("lock.mdb        %lld bytes\n", (long long)lock);
			printf("offlog.wake     %lld bytes\n", (long long)wake);
			printf("map size        %llu bytes\n", (unsigned long long)si.map_size);
			printf("map used        %llu bytes (%.1f%%)\n", (unsigned long long)si.map_used, use);
			printf("page size       %u\n", si.page_size);
			printf("readers         %u of %u slots in use; %llu of dead processes freed\n",
			       si.readers_used, si.max_readers, (unsigned long long)reclaimed);
			printf("format version  %u\n", si.format_version);
			printf("durability      %s (of this handle)\n",
			       si.durability >= 0 && si.durability <= 2 ? dur[si.durability] : "?");
			printf("topics          %zu\n", nt);
			printf("partitions      %lld\n", (long long)parts);
			printf("records         %lld\n", (long long)records);
			printf("record bytes    %lld\n", (long long)bytes);
			printf("groups          %zu\n", ng);
		}
	}
	offlog_names_free(topics, nt);
	offlog_names_free(groups, ng);
	cli_args_free(&a);
	return cli_close(env, rc);
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

int cmd_backup(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	int rc = parse_simple(&a, "backup", argc, argv, 1, &json);
	if (rc || json) {
		if (json)
			rc = cli_usage("backup: --json does not apply here");
		cli_args_free(&a);
		return rc < 0 ? CLI_OK : rc;
	}
	const char *dest = a.pos[0];
	offlog_env *env;
	if ((rc = cli_open(&env, false, true)) != 0) {
		cli_args_free(&a);
		return rc;
	}
	offlog_store_info si;
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
		rc = cli_liberr(r, "backup");
	else
		printf("backup of %s written to %s (%lld bytes)\n", cli_dir, dest,
		       (long long)file_size(dest, "data.mdb"));
	cli_args_free(&a);
	return cli_close(env, rc);
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
	offlog_batch *b = NULL;
	int64_t at = pi->log_start, last = -1, count = 0;
	int rc = 0;
	while (at < pi->high_watermark) {
		const offlog_record *recs;
		size_t n;
		int64_t next;
		if ((rc = offlog_fetch(&b, env, topic, pi->partition, at, 1000, 0)) != 0 ||
		    (rc = offlog_batch_records(&recs, &n, &next, b)) != 0)
			break;
		for (size_t i = 0; i < n && recs[i].offset < pi->high_watermark; i++) {
			const offlog_record *r = &recs[i];
			if (r->offset <= last || r->offset < pi->log_start) {
				snprintf(msg, msg_size, "offset %lld follows %lld (log start %lld)",
				         (long long)r->offset, (long long)last, (long long)pi->log_start);
				rc = 1;
				break;
			}
			if (r->partition != pi->partition || r->timestamp < 0) {
				snprintf(msg, msg_size, "record at offset %lld: partition %d, timestamp %lld",
				         (long long)r->offset, (int)r->partition, (long long)r->timestamp);
				rc = 1;
				break;
			}
			if (r->header_count) {
				offlog_header h[4];
				size_t hn;
				if (offlog_record_headers(h, 4, &hn, r) != 0) {
					snprintf(msg, msg_size, "record at offset %lld: damaged headers",
					         (long long)r->offset);
					rc = 1;
					break;
				}
			}
			last = r->offset;
			count++;
		}
		if (rc || n == 0 || next <= at)
			break;
		at = next;
	}
	offlog_batch_free(b);
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
	for (size_t i = 0; i < n && rc == 0; i++) {
		offlog_topic_info *ti = NULL;
		for (int32_t p = 0; rc == 0; p++) {
			/* Describe again after each partition that changed under us. */
			if (!ti) {
				int e = offlog_topic_describe(&ti, env, names[i]);
				if (e == OFFLOG_ENOTOPIC)
					break;   /* deleted meanwhile */
				if (e) {
					rc = e;
					break;
				}
				if (p == 0) {
					rep->topics++;
					rep->partitions += ti->partition_count;
				}
			}
			if (p >= ti->partition_count)
				break;
			const offlog_partition_info *pi = &ti->partitions[p];
			if (pi->partition != p) {
				problem(rep, "%s: partition entry %d says %d", names[i], (int)p, (int)pi->partition);
				continue;
			}
			cli_progress("check: %s/%d (%zu of %zu topics)", names[i], (int)p, i + 1, n);
			char msg[512];
			int64_t count = 0;
			int tries = 0, e;
			while ((e = check_partition(env, names[i], pi, msg, sizeof msg, &count)) != 0 &&
			       !same_watermarks(env, names[i], pi) && ++tries < 5) {
				offlog_topic_info_free(ti);
				if (offlog_topic_describe(&ti, env, names[i]) != 0) {
					ti = NULL;
					break;
				}
				pi = &ti->partitions[p];
			}
			if (!ti)
				break;
			if (e == 1)
				problem(rep, "%s/%d: %s", names[i], (int)p, msg);
			else if (e == OFFLOG_ENOTOPIC)
				break;
			else if (e)
				problem(rep, "%s/%d: reading failed: %s (%s)", names[i], (int)p,
				        offlog_strerror(e), offlog_errmsg());
			else
				rep->records += count;
		}
		offlog_topic_info_free(ti);
	}
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

int cmd_check(int argc, char **argv)
{
	cli_args a;
	bool json = false;
	int rc = parse_simple(&a, "check", argc, argv, 0, &json);
	if (rc) {
		cli_args_free(&a);
		return rc < 0 ? CLI_OK : rc;
	}
	offlog_env *env;
	/* First the open's check: every page of the data file read and checked,
	 * then whether the tables agree with each other. */
	if ((rc = cli_open_flags(&env, false, true, OFFLOG_OPEN_VERIFY)) != 0) {
		if (json) {
			printf("{\"ok\":false,\"errors\":[");
			cli_json_cstr(stdout, offlog_errmsg());
			printf("],\"notes\":[]}\n");
		}
		cli_args_free(&a);
		return rc;
	}
	report rep;
	memset(&rep, 0, sizeof rep);
	int r = check_topics(env, &rep);
	if (r == 0)
		r = check_groups(env, &rep);
	cli_progress_done();
	if (r) {
		rc = cli_liberr(r, "check");
	} else {
		if (json) {
			printf("{\"ok\":%s,\"topics\":%lld,\"partitions\":%lld,\"records\":%lld,"
			       "\"groups\":%lld,\"committed_offsets\":%lld,",
			       rep.nerr ? "false" : "true", (long long)rep.topics, (long long)rep.partitions,
			       (long long)rep.records, (long long)rep.groups, (long long)rep.commits);
			print_list("errors", rep.errors, rep.nerr);
			fputc(',', stdout);
			print_list("notes", rep.notes, rep.nnote);
			fputs("}\n", stdout);
		} else {
			for (size_t i = 0; i < rep.nerr; i++)
				printf("error: %s\n", rep.errors[i]);
			for (size_t i = 0; i < rep.nnote; i++)
				printf("note: %s\n", rep.notes[i]);
			printf("%s: %lld topics, %lld partitions, %lld records, %lld groups, %lld committed "
			       "offsets: %s\n", cli_dir, (long long)rep.topics, (long long)rep.partitions,
			       (long long)rep.records, (long long)rep.groups, (long long)rep.commits,
			       rep.nerr ? "PROBLEMS FOUND" : "ok");
		}
		if (rep.nerr)
			rc = cli_error("check: %zu problem%s found in %s", rep.nerr, rep.nerr > 1 ? "s" : "",
			               cli_dir);
	}
	for (size_t i = 0; i < rep.nerr; i++)
		free(rep.errors[i]);
	for (size_t i = 0; i < rep.nnote; i++)
		free(rep.notes[i]);
	free(rep.errors);
	free(rep.notes);
	cli_args_free(&a);
	return cli_close(env, rc);
}

/*
 * cli.h - shared parts of the offlog command-line tool.
 *
 * The tool uses only the public API (offlog.h). Every command returns an
 * exit code: CLI_OK, CLI_ERR (a runtime error: the store said no, or an I/O
 * error) or CLI_USAGE (the command line itself is wrong); errors are
 * reported as one line on stderr, "offlog: ...".
 */
#ifndef OFFLOG_CLI_H
#define OFFLOG_CLI_H

#include <offlog.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_ERR = 1, CLI_USAGE = 2 };

/* ---- option parsing ------------------------------------------------------ */

/* One option of a command. Options may come before, between or after the
 * positional arguments; "--" ends them. Values: "-p 3", "-p3", "--partitions 3",
 * "--partitions=3". */
typedef struct cli_opt {
	char short_name;      /* 0: long only */
	const char *long_name; /* NULL: short only */
	bool has_arg;
	int id;
} cli_opt;

/* Options every command accepts, handled by cli_parse itself. */
enum { OPT_HELP = 1000, OPT_DIR = 1001 };

/* A parsed command line: the options in order (id and value) and the
 * positional arguments. */
typedef struct cli_args {
	size_t nopts;
	int *ids;
	const char **vals;
	const char **opt_names; /* as written, for messages */
	size_t npos;
	const char **pos;
	bool help;
} cli_args;

/* Parse argv[0..argc) against opts (terminated by an entry with id 0).
 * -d/--dir sets the store directory; -h/--help sets args->help.
 * On a usage error prints "offlog: CMD: ..." and returns CLI_USAGE. */
int cli_parse(cli_args *args, const char *cmd, const cli_opt *opts, int argc, char **argv);
void cli_args_free(cli_args *args);
/* Was option id given? Its value (the last one given), or NULL. */
bool cli_has(const cli_args *a, int id);
const char *cli_val(const cli_args *a, int id);
/* A usage error naming the first option not in `allowed` (0-terminated). */
int cli_only(const cli_args *a, const char *cmd, const int *allowed);

/* ---- context ------------------------------------------------------------- */

extern const char *cli_dir;   /* the store directory (-d, $OFFLOG_DIR, ./offlog-data) */
extern bool cli_progress_tty; /* stderr is a terminal: show progress */

/* Open the store. create: create it when missing (only `topics create`);
 * readonly: open it read-only (inspection commands). Prints the error. */
int cli_open(offlog_env **env, bool create, bool readonly);
/* cli_open with more OFFLOG_OPEN_* flags. */
int cli_open_flags(offlog_env **env, bool create, bool readonly, unsigned flags);
/* Close it, reporting a failure; returns rc, or CLI_ERR if close failed. */
int cli_close(offlog_env *env, int rc);
/* The partition count of topic; an error, reported as "offlog: CMD: ...",
 * when there is no such topic or parts[0..n) names a partition it lacks. */
int cli_topic_partitions(int32_t *count, offlog_env *env, const char *cmd, const char *topic,
                         const int32_t *parts, size_t n);

/* ---- messages ------------------------------------------------------------ */

/* "offlog: <message>" on stderr; returns CLI_ERR / CLI_USAGE. */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A library failure: "offlog: <context>: <detail>", the detail being
 * offlog_errmsg() or, when empty, offlog_strerror(rc). Returns CLI_ERR. */
int cli_liberr(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Progress on stderr when it is a terminal, at most a few times a second;
 * cli_progress_done() clears the line. */
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_done(void);

/* ---- parsing values ------------------------------------------------------ */

/* Whole-string decimal integers within [min, max]; 0 or -1 on error. */
int cli_parse_i64(int64_t *out, const char *s, int64_t min, int64_t max);
int cli_parse_i32(int32_t *out, const char *s, int32_t min, int32_t max);
/* ISO 8601: YYYY-MM-DDTHH:MM:SS[.mmm][Z|+HH:MM|-HH:MM] (also ' ' for 'T',
 * +HHMM, and a date alone); without a zone the local time. -> ms since epoch. */
int cli_parse_datetime(int64_t *ms, const char *s);
/* ISO 8601 duration PnDTnHnMnS (also PnW; seconds may have a fraction down
 * to ms) -> ms. */
int cli_parse_duration(int64_t *ms, const char *s);
/* "T" or "T:0,1,5" -> topic name (allocated) and partitions (allocated,
 * n = 0 for "all partitions"). */
int cli_parse_topic_parts(char **topic, int32_t **parts, size_t *n, const char *s);
/* A comma list of partitions "0,1,5". */
int cli_parse_partition_list(int32_t **parts, size_t *n, const char *s);
/* ms since the epoch -> "2024-05-01T12:00:00.000Z" (UTC). */
void cli_format_time(char *buf, size_t size, int64_t ms);

/* ---- output -------------------------------------------------------------- */

/* An aligned table: add cells row by row, then print. Numeric columns
 * (right-aligned) are marked with '>' as the first character of their
 * header in cli_table_new's list. */
typedef struct cli_table cli_table;
cli_table *cli_table_new(size_t ncols, const char *const *headers);
void cli_table_add(cli_table *t, const char *cell);
void cli_table_addf(cli_table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_table_add_i64(cli_table *t, int64_t v);
void cli_table_print(cli_table *t, FILE *f);
void cli_table_free(cli_table *t);

/* JSON: a string value (bytes, invalid UTF-8 replaced by U+FFFD), or null
 * when s is NULL. */
void cli_json_str(FILE *f, const void *s, size_t len);
void cli_json_cstr(FILE *f, const char *s);

/* Allocation that cannot fail (exits with a message). */
void *cli_xmalloc(size_t n);
void *cli_xrealloc(void *p, size_t n);
char *cli_xstrdup(const char *s);

/* ---- commands ------------------------------------------------------------
 * A command's help text sits beside its option table, in the command's own
 * file, so that the two change together; offlog.c lists the commands in one
 * table. */

int cmd_topics(int argc, char **argv);
int cmd_produce(int argc, char **argv);
int cmd_consume(int argc, char **argv);
int cmd_groups(int argc, char **argv);
int cmd_delete_records(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_backup(int argc, char **argv);
int cmd_check(int argc, char **argv);

extern const char cmd_topics_help[];
extern const char cmd_produce_help[];
extern const char cmd_consume_help[];
extern const char cmd_groups_help[];
extern const char cmd_delete_records_help[];
extern const char cmd_stats_help[];
extern const char cmd_backup_help[];
extern const char cmd_check_help[];

/* Print a command's help text and the options every command takes
 * (COMMAND --help, offlog help COMMAND). */
void cli_help(FILE *f, const char *help);

/* Set when SIGINT/SIGTERM arrives (consume, produce stop cleanly). */
extern volatile int cli_interrupted;
void cli_catch_signals(void);

#endif

/*
 * offlog.c - the offlog command-line tool: global options and dispatch.
 *
 *   offlog [-d DIR] COMMAND [ARGS...]
 *
 * Looks inside a store and changes it the way Kafka's command-line tools do
 * (kafka-topics.sh, kafka-consumer-groups.sh, kafka-delete-records.sh, kcat),
 * through the public API only, so it works while applications use the store.
 * See offlog(1).
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_main[] =
	"usage: offlog [-d DIR] COMMAND [ARGS...]\n"
	"\n"
	"Commands:\n"
	"  topics list|create|describe|alter|add-partitions|delete   manage topics\n"
	"  produce TOPIC            append records read from stdin, one per line\n"
	"  consume TOPIC            print records (with -g GROUP: as a group member, committing)\n"
	"  groups list|describe|delete|reset-offsets                 manage consumer groups\n"
	"  delete-records TOPIC -p P --before OFFSET                 advance a partition's log start\n"
	"  stats                    store size, map use, readers\n"
	"  backup DIR               write a consistent, compacted copy of the store\n"
	"  check                    verify the store's invariants\n"
	"  help [COMMAND]           show help for a command\n"
	"\n"
	"Options:\n"
	"  -d, --dir DIR            the store (default: $OFFLOG_DIR, else ./offlog-data)\n"
	"  -h, --help               this help; COMMAND --help for a command's\n"
	"  -V, --version            print the version\n"
	"\n"
	"Exit status: 0 success, 1 runtime error, 2 usage error. See offlog(1).\n";

static const struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{"topics", cmd_topics, cmd_topics_help},
	{"produce", cmd_produce, cmd_produce_help},
	{"consume", cmd_consume, cmd_consume_help},
	{"groups", cmd_groups, cmd_groups_help},
	{"delete-records", cmd_delete_records, cmd_delete_records_help},
	{"stats", cmd_stats, cmd_stats_help},
	{"backup", cmd_backup, cmd_backup_help},
	{"check", cmd_check, cmd_check_help},
};

static const struct command *find_command(const char *name)
{
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (!strcmp(name, commands[k].name))
			return &commands[k];
	return NULL;
}

void cli_help(FILE *f, const char *help)
{
	fputs(help, f);
	fputs("\nCommon options: -d DIR (the store), -h/--help. See offlog(1).\n", f);
}

/* offlog help [COMMAND] */
static int help_command(int argc, char **argv)
{
	if (argc == 0) {
		fputs(usage_main, stdout);
		return CLI_OK;
	}
	const struct command *c = find_command(argv[0]);
	if (!c)
		return cli_usage("unknown command '%s' (see offlog --help)", argv[0]);
	cli_help(stdout, c->help);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	cli_dir = getenv("OFFLOG_DIR");
	if (!cli_dir || !*cli_dir)
		cli_dir = "./offlog-data";
	cli_progress_tty = isatty(STDERR_FILENO) == 1;
	/* A closed pipe is an ordinary end of output: writes fail, we stop. */
	signal(SIGPIPE, SIG_IGN);

	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_main, stdout);
			return CLI_OK;
		} else if (!strcmp(a, "-V") || !strcmp(a, "--version")) {
			printf("offlog %s (library %s)\n", OFFLOG_VERSION_STRING, offlog_version_string());
			return CLI_OK;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--dir")) {
			if (++i >= argc)
				return cli_usage("option %s needs a value", a);
			cli_dir = argv[i];
		} else if (!strncmp(a, "--dir=", 6)) {
			cli_dir = a + 6;
		} else if (!strncmp(a, "-d", 2)) {
			cli_dir = a + 2;
		} else {
			return cli_usage("unknown option %s (see offlog --help)", a);
		}
	}
	if (i >= argc) {
		fputs(usage_main, stderr);
		return CLI_USAGE;
	}
	if (!strcmp(argv[i], "help"))
		return help_command(argc - i - 1, argv + i + 1);
	const struct command *c = find_command(argv[i]);
	if (!c)
		return cli_usage("unknown command '%s' (see offlog --help)", argv[i]);
	int rc = c->fn(argc - i - 1, argv + i + 1);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* A reader that went away (consume | head) is not an error. */
		if (rc == CLI_OK && errno != EPIPE)
			return cli_error("writing output failed");
	}
	return rc;
}

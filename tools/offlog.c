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

static const struct {
	const char *cmd;
	const char *text;
} helps[] = {
	{"topics",
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
	 "  --force                      delete: even while a live group member consumes it\n"},
	{"produce",
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
	 "  -v, --verbose                print PARTITION OFFSET of each record as it is written\n"},
	{"consume",
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
	 "  -t, --timeout MS             -e: how long to wait for the group's partitions (10000)\n"},
	{"groups",
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
	 "  --members                    describe: list the live members\n"},
	{"delete-records",
	 "usage: offlog delete-records TOPIC -p P[,P...] --before OFFSET|end [--json]\n"
	 "\n"
	 "Makes every record below OFFSET unreadable by advancing the log start offset\n"
	 "(never backwards; at most the high watermark; 'end' is the high watermark).\n"},
	{"stats", "usage: offlog stats [--json]\n\nStore files, map size and use, readers, totals.\n"},
	{"backup",
	 "usage: offlog backup DEST\n"
	 "\n"
	 "Writes a consistent, compacted copy of the store into directory DEST (created;\n"
	 "it must not hold a store), while applications keep using the store.\n"},
	{"check",
	 "usage: offlog check [--json]\n"
	 "\n"
	 "Opens the store with OFFLOG_OPEN_VERIFY: every page of the data file is read and\n"
	 "checked, then the tables against each other (every topic with its id and partition\n"
	 "states; every record, time index entry, committed offset and producer state in a\n"
	 "partition that exists, below its log end; record counts and bytes). Then reads\n"
	 "every partition through the API: log start <= high watermark <= log end, offsets\n"
	 "strictly increasing and within the watermarks, record counts, headers, and every\n"
	 "group's committed offsets within [log start, log end]. Exit status 1 with a report\n"
	 "when something is wrong.\n"},
};

void cli_help(FILE *f, const char *cmd)
{
	for (size_t i = 0; i < sizeof helps / sizeof helps[0]; i++)
		if (cmd && !strcmp(cmd, helps[i].cmd)) {
			fputs(helps[i].text, f);
			fputs("\nCommon options: -d DIR (the store), -h/--help. See offlog(1).\n", f);
			return;
		}
	fputs(usage_main, f);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
} commands[] = {
	{"topics", cmd_topics},
	{"produce", cmd_produce},
	{"consume", cmd_consume},
	{"groups", cmd_groups},
	{"delete-records", cmd_delete_records},
	{"stats", cmd_stats},
	{"backup", cmd_backup},
	{"check", cmd_check},
};

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
	const char *cmd = argv[i];
	if (!strcmp(cmd, "help")) {
		if (i + 1 < argc) {
			for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
				if (!strcmp(argv[i + 1], commands[k].name)) {
					cli_help(stdout, argv[i + 1]);
					return CLI_OK;
				}
			return cli_usage("unknown command '%s' (see offlog --help)", argv[i + 1]);
		}
		fputs(usage_main, stdout);
		return CLI_OK;
	}
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (!strcmp(cmd, commands[k].name)) {
			int rc = commands[k].fn(argc - i - 1, argv + i + 1);
			if (fflush(stdout) != 0 || ferror(stdout)) {
				/* A reader that went away (consume | head) is not an error. */
				if (rc == CLI_OK && errno != EPIPE)
					return cli_error("writing output failed");
			}
			return rc;
		}
	return cli_usage("unknown command '%s' (see offlog --help)", cmd);
}

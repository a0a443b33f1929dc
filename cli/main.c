/*
 * main.c - the gridcase command: global options and the command table.
 *
 *   gridcase [--dir DIR] [-v] <command> [<subcommand>] [options]
 *
 * The table is sorted by name; two-word names ("case report") are
 * subcommands of a group.  Flags are preconditions the dispatcher meets
 * before calling the handler (the node opened, the key loaded).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "node/node.h"
#include "common/banned.h"

#define GRIDCASE_VERSION "0.1.0"

struct cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	int flags;
	const char *usage;
	const char *summary;
};

static int cmd_help(struct cli *c, int argc, char **argv);

static const struct cmd commands[] = {
	{ "case list", cmd_case_list, NEEDS_NODE,
	  "gridcase case list [--json]",
	  "list the cases in the log" },
	{ "case report", cmd_case_report, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case report --class KIND:CODE --grid GRID --where TEXT "
	  "--desc TEXT [--lat DEG --lon DEG] [--source SRC] [--json]",
	  "report a new case and print its id" },
	{ "case show", cmd_case_show, NEEDS_NODE,
	  "gridcase case show CASE [--json]",
	  "show a case's signed history" },
	{ "event add", cmd_event_add, NEEDS_NODE | NEEDS_KEY,
	  "gridcase event add --case CASE --type TYPE --body JSON "
	  "[--blob HASH]... [--json]",
	  "append a low-level event (tests and tools)" },
	{ "event export", cmd_event_export, NEEDS_NODE,
	  "gridcase event export [--author KEY] [--case CASE] [-o FILE]",
	  "write signed events in the export format (docs/format.md)" },
	{ "event import", cmd_event_import, NEEDS_NODE,
	  "gridcase event import FILE|- [--json]",
	  "check and ingest exported events" },
	{ "help", cmd_help, 0, "gridcase help [COMMAND]",
	  "list the commands or show one's usage" },
	{ "init", cmd_init, 0,
	  "gridcase init --network NAME --name NODE [--county CODE] [--json]",
	  "create a node: its store and its key" },
	{ "log", cmd_log, NEEDS_NODE,
	  "gridcase log [--author KEY] [--case CASE] [--json]",
	  "list events: id, author, seq, type, time" },
	{ "status", cmd_status, NEEDS_NODE, "gridcase status [--json]",
	  "show the node, counts, summary, forks and the log digest" },
	{ "verify", cmd_verify, NEEDS_NODE, "gridcase verify [--json]",
	  "re-check every stored record and name what is wrong" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
print_commands(FILE *f)
{
	fprintf(f, "usage: gridcase [--dir DIR] [-v] <command> [options]\n\n"
		   "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-14s %s\n", commands[i].name,
			commands[i].summary);
	fprintf(f, "\nEach command takes --help.  DIR defaults to "
		   "$GRIDCASE_DIR, else ./gridcase-data.\n");
}

/* Finds the command named by argv[0] (and argv[1] for a group). */
static const struct cmd *
find_command(int argc, char **argv, int *words)
{
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i].name;
		const char *space = strchr(name, ' ');
		if (!space) {
			if (strcmp(name, argv[0]) == 0) {
				*words = 1;
				return &commands[i];
			}
			continue;
		}
		size_t g = (size_t)(space - name);
		if (strlen(argv[0]) == g && strncmp(name, argv[0], g) == 0 &&
		    argc > 1 && strcmp(space + 1, argv[1]) == 0) {
			*words = 2;
			return &commands[i];
		}
	}
	return NULL;
}

static int
is_group(const char *word)
{
	size_t n = strlen(word);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, word, n) == 0 &&
		    commands[i].name[n] == ' ')
			return 1;
	return 0;
}

static int
cmd_help(struct cli *c, int argc, char **argv)
{
	int words;
	(void)c;
	if (argc < 2) {
		print_commands(stdout);
		return EXIT_OK;
	}
	const struct cmd *cmd = find_command(argc - 1, argv + 1, &words);
	if (!cmd) {
		if (is_group(argv[1])) {
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (strncmp(commands[i].name, argv[1],
					    strlen(argv[1])) == 0)
					printf("usage: %s\n", commands[i].usage);
			return EXIT_OK;
		}
		return cli_fail("'%s' is not a gridcase command", argv[1]);
	}
	printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
	return EXIT_OK;
}

static int
has_help_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option global[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli c = { 0 };
	struct diag d;
	int opt, words, rc;

	c.dir = getenv("GRIDCASE_DIR");
	if (!c.dir || !*c.dir)
		c.dir = "./gridcase-data";
	/* '+' stops at the first non-option: the command's own options
	 * are the command's to parse. */
	while ((opt = getopt_long(argc, argv, "+vh", global, NULL)) != -1) {
		switch (opt) {
		case 'd':
			c.dir = optarg;
			break;
		case 'v':
			log_threshold = log_threshold == LOG_WARN ? LOG_INFO
								  : LOG_DEBUG;
			break;
		case 'h':
			print_commands(stdout);
			return EXIT_OK;
		case 'V':
			printf("gridcase %s\n", GRIDCASE_VERSION);
			return EXIT_OK;
		default:
			print_commands(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		print_commands(stderr);
		return EXIT_USAGE;
	}
	const struct cmd *cmd = find_command(argc, argv, &words);
	if (!cmd) {
		if (is_group(argv[0])) {
			fprintf(stderr, "error: '%s' needs a subcommand\n",
				argv[0]);
			for (size_t i = 0; i < NCOMMANDS; i++)
				if (strncmp(commands[i].name, argv[0],
					    strlen(argv[0])) == 0 &&
				    commands[i].name[strlen(argv[0])] == ' ')
					fprintf(stderr, "usage: %s\n",
						commands[i].usage);
			return EXIT_USAGE;
		}
		fprintf(stderr, "error: '%s' is not a gridcase command "
				"(see 'gridcase help')\n", argv[0]);
		return EXIT_USAGE;
	}
	argc -= words - 1;
	argv += words - 1;
	c.usage = cmd->usage;
	if (has_help_flag(argc, argv)) {
		printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
		return EXIT_OK;
	}
	if (cmd->flags & NEEDS_NODE) {
		int flags = (cmd->flags & NEEDS_KEY) ? NODE_WITH_KEY : 0;
		if ((rc = node_open(c.dir, flags, &c.node, &d)))
			return cli_fail("%s", d.text);
	}
	optind = 0; /* GNU getopt: re-initialise for the command */
	rc = cmd->fn(&c, argc, argv);
	node_close(c.node);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		return cli_fail("cannot write the output");
	return rc;
}

/*
 * main.c - the gridcase command: global options and the command table.
 *
 *   gridcase [--dir DIR] [--key FILE] [-v] <command> [<subcommand>] [options]
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
	{ "admin keygen", cmd_keygen, 0, "gridcase admin keygen FILE",
	  "make the district admin's key (keep it off the nodes); prints its public half" },
	{ "blob add", cmd_blob_add, NEEDS_NODE, "gridcase blob add FILE|-",
	  "store a photo or personal data; prints its hash" },
	{ "blob erase", cmd_blob_erase, NEEDS_NODE, "gridcase blob erase HASH",
	  "erase a personal-data blob for good (events still verify)" },
	{ "blob get", cmd_blob_get, NEEDS_NODE, "gridcase blob get HASH [-o FILE]",
	  "write a blob's bytes" },
	{ "case accept", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case accept CASE [--note TEXT] [--by PERSON] [--json]",
	  "accept a report as a valid case (受理)" },
	{ "case amend", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case amend CASE --field where|desc|grid|class|urgency "
	  "--value TEXT [--by PERSON] [--json]",
	  "correct a field of the case (修改)" },
	{ "case assign", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case assign CASE --team TEAM [--by PERSON] [--json]",
	  "hand the case to a team of the unit (二级派遣)" },
	{ "case cancel", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case cancel CASE --reason TEXT [--by PERSON] [--json]",
	  "cancel the case (作废)" },
	{ "case check", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case check CASE --found yes|no [--note TEXT] [--by PERSON] [--json]",
	  "check a public report on site (核实)" },
	{ "case close", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case close CASE [--note TEXT] [--by PERSON] [--json]",
	  "close the case (结案)" },
	{ "case dispatch", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case dispatch CASE --unit UNIT [--note TEXT] [--by PERSON] [--json]",
	  "dispatch to a disposal unit (派遣)" },
	{ "case dispose", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case dispose CASE --notes TEXT [--photo FILE]... [--by PERSON] [--json]",
	  "record disposal work (处置)" },
	{ "case feedback", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case feedback CASE --notes TEXT [--photo FILE]... [--by PERSON] [--json]",
	  "report the disposal done (处理反馈)" },
	{ "case list", cmd_case_list, NEEDS_NODE,
	  "gridcase case list [--state S] [--unit U] [--grid G] [--office O] "
	  "[--source S] [--class KIND:CODE] [--colour green|yellow|red] "
	  "[--overdue] [--due-within 4h] [--conflicts] [--json]",
	  "list cases with their due times and colours" },
	{ "case merge", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case merge CASE --into CASE [--by PERSON] [--json]",
	  "merge a duplicate into the case it repeats (并案)" },
	{ "case postpone-approve", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case postpone-approve CASE [--extend 1d] [--by PERSON] [--json]",
	  "approve the postponement (延期)" },
	{ "case postpone-deny", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case postpone-deny CASE --reason TEXT [--by PERSON] [--json]",
	  "deny the postponement" },
	{ "case postpone-request", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case postpone-request CASE --extend 1d --reason TEXT [--by PERSON] [--json]",
	  "ask for more time" },
	{ "case refuse", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case refuse CASE --reason TEXT [--by PERSON] [--json]",
	  "refuse to register (不予立案)" },
	{ "case register", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case register CASE --urgency normal|urgent [--limit 4h|15d] [--by PERSON] [--json]",
	  "register the case (立案)" },
	{ "case reopen", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case reopen CASE --reason TEXT [--by PERSON] [--json]",
	  "reopen on a new complaint" },
	{ "case report", cmd_case_report, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case report --class KIND:CODE (--grid GRID | --lat DEG --lon DEG) "
	  "--where TEXT --desc TEXT [--source SRC] [--by PERSON] [--component ID] "
	  "[--photo FILE]... [--caller TEXT] [--json]",
	  "report a new case and print its id" },
	{ "case resolve", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case resolve CASE --conflict ID [--unit UNIT] [--outcome closed] [--by PERSON] [--json]",
	  "resolve a conflict, naming all its events" },
	{ "case resume", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case resume CASE [--note TEXT] [--by PERSON] [--json]",
	  "resume a suspended case" },
	{ "case return", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case return CASE --reason TEXT [--by PERSON] [--json]",
	  "return a wrong dispatch to the centre (回退)" },
	{ "case show", cmd_case_show, NEEDS_NODE,
	  "gridcase case show CASE [--json]",
	  "show a case's state, due time, conflicts and signed history" },
	{ "case suspend-approve", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case suspend-approve CASE [--note TEXT] [--by PERSON] [--json]",
	  "approve the suspension (挂账)" },
	{ "case suspend-request", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case suspend-request CASE --reason TEXT [--by PERSON] [--json]",
	  "ask to suspend the case" },
	{ "case verify-fail", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case verify-fail CASE --reason TEXT [--photo FILE]... [--by PERSON] [--json]",
	  "verification failed: rework (返工)" },
	{ "case verify-pass", cmd_case_act, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case verify-pass CASE [--note TEXT] [--photo FILE]... [--by PERSON] [--json]",
	  "verification passed (核查)" },
	{ "conflicts", cmd_conflicts, NEEDS_NODE,
	  "gridcase conflicts [--case CASE] [--all] [--json]",
	  "list conflict records (open ones, or all)" },
	{ "eval", cmd_eval, NEEDS_NODE,
	  "gridcase eval --from DATE --to DATE [--by office|unit|grid|person] "
	  "[--json|--csv] [--explain FIGURE]",
	  "the evaluation: counts, rates, score and grade per group" },
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
	{ "grid import", cmd_grid_import, NEEDS_NODE, "gridcase grid import FILE.geojson",
	  "load the district's grid cells (polygons with grid, community, office)" },
	{ "grid list", cmd_grid_list, NEEDS_NODE, "gridcase grid list [--json]",
	  "list the imported grid cells" },
	{ "grid locate", cmd_grid_locate, NEEDS_NODE,
	  "gridcase grid locate --lat DEG --lon DEG [--json]",
	  "the grid cell (and office) of a position" },
	{ "help", cmd_help, 0, "gridcase help [COMMAND]",
	  "list the commands or show one's usage" },
	{ "init", cmd_init, 0,
	  "gridcase init --network NAME --name NODE --admin KEY [--county CODE] [--json]",
	  "create a node: its store, key and configuration" },
	{ "keygen", cmd_keygen, 0, "gridcase keygen FILE",
	  "make another member key (use it with --key FILE)" },
	{ "log", cmd_log, NEEDS_NODE,
	  "gridcase log [--author KEY] [--case CASE] [--json [--full]]",
	  "list events: id, author, seq, type, time" },
	{ "peers", cmd_peers, NEEDS_NODE, "gridcase peers [--json]",
	  "each peer: address, connected, last contact, traffic, lag both ways, errors" },
	{ "peers block", cmd_peers_block, NEEDS_NODE, "gridcase peers block NAME",
	  "cut a peer off: nothing goes to or comes from it" },
	{ "peers unblock", cmd_peers_unblock, NEEDS_NODE, "gridcase peers unblock NAME",
	  "restore a blocked peer" },
	{ "reindex", cmd_reindex, NEEDS_NODE, "gridcase reindex",
	  "fold every case again (after the configuration changed)" },
	{ "repl status", cmd_repl_status, NEEDS_NODE, "gridcase repl status [--json]",
	  "our summary against each peer's last one, and the log digest" },
	{ "repl sync", cmd_repl_sync, NEEDS_NODE | NEEDS_KEY,
	  "gridcase repl sync PEER [--addr URL] [--json]",
	  "one sync round with a peer now (works without the daemon)" },
	{ "roster add", cmd_roster_add, NEEDS_NODE,
	  "gridcase roster add KEY --admin-key FILE --name NAME [--unit UNIT] "
	  "--roles LIST [--addr ADDR]...",
	  "make a key a member (signed by the admin): roles supervisor, "
	  "operator, shift_lead, dispatcher, disposal" },
	{ "roster revoke", cmd_roster_revoke, NEEDS_NODE,
	  "gridcase roster revoke KEY --admin-key FILE --last-seq N [--reason TEXT]",
	  "revoke a key: its events after seq N are invalid everywhere" },
	{ "roster show", cmd_roster_show, NEEDS_NODE, "gridcase roster show [--json]",
	  "the members, their units, roles and addresses" },
	{ "run", cmd_run, NEEDS_NODE | NEEDS_KEY,
	  "gridcase run [--listen URL] [--peer NAME]... [--interval MS]",
	  "run the node daemon: serve peers and replicate (SIGTERM stops it)" },
	{ "status", cmd_status, NEEDS_NODE, "gridcase status [--json]",
	  "show the node, counts, summary, forks and the log digest" },
	{ "verify", cmd_verify, NEEDS_NODE, "gridcase verify [--json]",
	  "re-check every stored record and name what is wrong" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
print_commands(FILE *f)
{
	fprintf(f, "usage: gridcase [--dir DIR] [--key FILE] [-v] <command> [options]\n\n"
		   "commands:\n");
	int width = 0;
	for (size_t i = 0; i < NCOMMANDS; i++)
		if ((int)strlen(commands[i].name) > width)
			width = (int)strlen(commands[i].name);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-*s  %s\n", width, commands[i].name,
			commands[i].summary);
	fprintf(f, "\nEach command takes --help.  DIR defaults to "
		   "$GRIDCASE_DIR, else ./gridcase-data.\n");
}

/* Finds the command named by argv[0] (and argv[1] for a group). */
static const struct cmd *
find_command(int argc, char **argv, int *words)
{
	/* Two words first: "peers block" before "peers". */
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i].name;
		const char *space = strchr(name, ' ');
		if (!space)
			continue;
		size_t g = (size_t)(space - name);
		if (strlen(argv[0]) == g && strncmp(name, argv[0], g) == 0 &&
		    argc > 1 && strcmp(space + 1, argv[1]) == 0) {
			*words = 2;
			return &commands[i];
		}
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, argv[0]) == 0) {
			*words = 1;
			return &commands[i];
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
		{ "key", required_argument, NULL, 'k' },
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
		case 'k':
			c.key_path = optarg;
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
		if ((rc = node_open(c.dir, flags, c.key_path, &c.node, &d)))
			return cli_fail("%s", d.text);
	}
	optind = 0; /* GNU getopt: re-initialise for the command */
	rc = cmd->fn(&c, argc, argv);
	node_close(c.node);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		return cli_fail("cannot write the output");
	return rc;
}

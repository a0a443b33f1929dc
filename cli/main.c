/*
 * main.c - the gridcase command: global options and the command table.
 *
 *   gridcase [--dir DIR] [--key FILE] [-v] <command> [<subcommand>] [options]
 *
 * The table is sorted by name; two-word names ("case report") are
 * subcommands of a group.  Flags are preconditions the dispatcher meets
 * before calling the handler (the node opened, the key loaded).  The
 * workflow's steps after the report ("case accept" ...) are not written
 * here: commands_init() makes one command per row of the workflow table
 * (node/case/workflow.c), with its usage, and sorts them in.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "node/case/workflow.h"
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

static const struct cmd fixed[] = {
	{ "admin keygen", cmd_keygen, 0, "gridcase admin keygen FILE",
	  "make the district admin's key (keep it off the nodes); prints its public half" },
	{ "audit export", cmd_audit_export, NEEDS_NODE,
	  "gridcase audit export (--case ID | --month YYYY-MM [--office NAME]) -o FILE",
	  "write an audit bundle: the events, the roster, the reports and proofs (docs/audit.md)" },
	{ "audit verify", cmd_audit_verify, 0, "gridcase audit verify FILE [--admin KEY]",
	  "check an audit bundle without a node: signatures, order, proofs, signers, figures" },
	{ "blob add", cmd_blob_add, NEEDS_NODE, "gridcase blob add FILE|-",
	  "store a photo or personal data; prints its hash" },
	{ "blob erase", cmd_blob_erase, NEEDS_NODE, "gridcase blob erase HASH",
	  "erase a personal-data blob for good (events still verify)" },
	{ "blob get", cmd_blob_get, NEEDS_NODE, "gridcase blob get HASH [-o FILE]",
	  "write a blob's bytes" },
	{ "case list", cmd_case_list, NEEDS_NODE,
	  "gridcase case list [--state S] [--unit U] [--grid G] [--office O] "
	  "[--source S] [--class KIND:CODE] [--colour green|yellow|red] "
	  "[--overdue] [--due-within 4h] [--conflicts] [--json]",
	  "list cases with their due times and colours" },
	{ "case report", cmd_case_report, NEEDS_NODE | NEEDS_KEY,
	  "gridcase case report --class KIND:CODE (--grid GRID | --lat DEG --lon DEG) "
	  "--where TEXT --desc TEXT [--source SRC] [--by PERSON] [--component ID] "
	  "[--photo FILE]... [--caller TEXT] [--json]",
	  "report a new case and print its id" },
	{ "case show", cmd_case_show, NEEDS_NODE,
	  "gridcase case show CASE [--json]",
	  "show a case's state, due time, conflicts and signed history" },
	{ "conflicts", cmd_conflicts, NEEDS_NODE,
	  "gridcase conflicts [--case CASE] [--all] [--json]",
	  "list conflict records (open ones, or all)" },
	{ "eval", cmd_eval, NEEDS_NODE,
	  "gridcase eval (--from DATE --to DATE | --month YYYY-MM) [--by office|unit|grid|person] "
	  "[--json|--csv] [--explain FIGURE]",
	  "the evaluation: counts, rates, score and grade per group" },
	{ "eval check", cmd_eval_check, NEEDS_NODE, "gridcase eval check --month YYYY-MM",
	  "recompute a closed month from its checkpoint's events and compare, byte for byte" },
	{ "eval close", cmd_eval_close, NEEDS_NODE | NEEDS_KEY,
	  "gridcase eval close --month YYYY-MM [--supersede REASON]",
	  "freeze a month's figures in a signed report (a shift lead's key)" },
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
	  "show the node, counts, disk space, summary, forks and the log digest" },
	{ "verify", cmd_verify, NEEDS_NODE, "gridcase verify [--json]",
	  "re-check every stored record and case view and name what is wrong" },
};

#define NFIXED (sizeof(fixed) / sizeof(fixed[0]))
/* The usage of a generated command: its fields, and their values. */
#define ACT_USAGE_MAX 400
#define ACT_NAME_MAX (sizeof("case ") + EVENT_TYPE_MAX)
#define ACT_SUMMARY_MAX 200

static struct cmd commands[NFIXED + ACT_COUNT];
static size_t ncommands;

static int
cmd_cmp(const void *a, const void *b)
{
	return strcmp(((const struct cmd *)a)->name, ((const struct cmd *)b)->name);
}

/* The fixed commands, and one per workflow step after the report. */
static void
commands_init(void)
{
	static char names[ACT_COUNT][ACT_NAME_MAX];
	static char usages[ACT_COUNT][ACT_USAGE_MAX];
	static char summaries[ACT_COUNT][ACT_SUMMARY_MAX];
	memcpy(commands, fixed, sizeof(fixed));
	ncommands = NFIXED;
	for (int i = 0; i < ACT_COUNT; i++) {
		const struct action_def *a = workflow_action_at((enum action)i);
		struct buf u = BUF_INIT;
		if (a->act == ACT_REPORT)
			continue; /* its own command: a position, photos */
		snprintf(names[i], sizeof(names[i]), "case %s", a->type);
		cmd_case_act_usage(a, &u);
		BUG_ON(u.len >= sizeof(usages[i]));
		memcpy(usages[i], u.data, u.len + 1);
		buf_release(&u);
		snprintf(summaries[i], sizeof(summaries[i]), "%s (%s)", a->summary,
			 a->zh);
		commands[ncommands++] = (struct cmd){ names[i], cmd_case_act,
						      NEEDS_NODE | NEEDS_KEY,
						      usages[i], summaries[i] };
	}
	qsort(commands, ncommands, sizeof(commands[0]), cmd_cmp);
}

#define NCOMMANDS ncommands

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

	commands_init();
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

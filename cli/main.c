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
#include <unistd.h>

#include "cli/cli.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "node/case/workflow.h"
#include "node/http/open311.h"
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
	{ "backup", cmd_backup, NEEDS_NODE, "gridcase backup DEST",
	  "write a consistent, compacted copy of the node to DEST (the daemon may run)" },
	{ "audit export", cmd_audit_export, NEEDS_NODE,
	  "gridcase audit export (--case ID | --month YYYY-MM [--office NAME]) -o FILE",
	  "write an audit bundle: the events, the roster, the reports and proofs (docs/audit.md)" },
	{ "audit verify", cmd_audit_verify, 0, "gridcase audit verify FILE [--admin KEY]",
	  "check an audit bundle without a node: signatures, order, proofs, signers, figures" },
	{ "blob add", cmd_blob_add, NEEDS_NODE, "gridcase blob add FILE|-",
	  "store a photo or personal data; prints its hash" },
	{ "blob erase", cmd_blob_erase, NEEDS_NODE,
	  "gridcase blob erase HASH --admin-key FILE [--reason TEXT]",
	  "erase a personal-data blob for good, on every node (events still verify)" },
	{ "blob get", cmd_blob_get, NEEDS_NODE, "gridcase blob get HASH [-o FILE]",
	  "write a blob's bytes" },
	{ "case list", cmd_case_list, NEEDS_NODE,
	  "gridcase case list [--state S] [--unit U] [--grid G] [--office O] "
	  "[--source S] [--class KIND:CODE] [--colour green|yellow|red] "
	  "[--overdue] [--due-within 4h] [--conflicts] [--json]",
	  "list cases with their due times and colours" },
	{ "case report", cmd_case_report, NEEDS_NODE | NEEDS_KEY | INTAKE_KEY,
	  "gridcase case report --class KIND:CODE (--grid GRID | --lat DEG --lon DEG) "
	  "--where TEXT --desc TEXT [--source SRC] [--by PERSON] [--component ID] "
	  "[--photo FILE]... [--caller TEXT] [--json]",
	  "report a new case and print its id" },
	{ "case show", cmd_case_show, NEEDS_NODE,
	  "gridcase case show CASE [--json]",
	  "show a case's state, due time, conflicts and signed history" },
	{ "complete", cmd_complete, HIDDEN, "gridcase complete -- WORD... CUR",
	  "the words bash may complete (docs/man/gridcase.bash)" },
	{ "config publish", cmd_config_publish, NEEDS_NODE,
	  "gridcase config publish [--calendar] [--limits] [--eval] --admin-key FILE "
	  "[--from CONFIG.json] [--reason TEXT]",
	  "sign the calendar, time-limit table and/or evaluation settings (from config.json) for every node to use" },
	{ "config show", cmd_config_show, NEEDS_NODE, "gridcase config show [--json]",
	  "where the node's calendar, limits and grid come from: published (which event) or local" },
	{ "conflicts", cmd_conflicts, NEEDS_NODE,
	  "gridcase conflicts [--case CASE] [--all] [--json]",
	  "list conflict records (open ones, or all)" },
	{ "eval", cmd_eval, NEEDS_NODE,
	  "gridcase eval (--from DATE --to DATE | --month YYYY-MM) [--by VIEW] "
	  "[--json|--csv] [--explain FIGURE]",
	  "the evaluation: the indicator set of each supervisor, operator, "
	  "shift lead, dispatcher, unit or region, or the overview" },
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
	{ "grid import", cmd_grid_import, NEEDS_NODE,
	  "gridcase grid import FILE.geojson [--admin-key FILE [--reason TEXT]]",
	  "load the district's grid cells (polygons with grid, community, office); "
	  "with an admin key, publish them to every node" },
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
	{ "open311", cmd_open311, NEEDS_NODE,
	  "gridcase open311 GET|POST PATH [--query Q] [--data BODY|@FILE] "
	  "[--content-type T] [--base-url URL] [--include]",
	  "one Open311 GeoReport v2 request (PATH below /open311/v2/), without HTTP" },
	{ "peers", cmd_peers, NEEDS_NODE, "gridcase peers [--wide] [--json]",
	  "each peer: address, connected, last contact, traffic, lag both ways, errors" },
	{ "peers block", cmd_peers_block, NEEDS_NODE, "gridcase peers block NAME",
	  "cut a peer off: nothing goes to or comes from it" },
	{ "peers unblock", cmd_peers_unblock, NEEDS_NODE, "gridcase peers unblock NAME",
	  "restore a blocked peer" },
	{ "reindex", cmd_reindex, NEEDS_NODE, "gridcase reindex",
	  "fold every case again (after the configuration changed)" },
	{ "rekey", cmd_rekey, NEEDS_NODE | NEEDS_KEY,
	  "gridcase rekey --admin-key FILE",
	  "replace the node's key: the new one takes its name and roles, the old one is revoked at its last seq" },
	{ "repl status", cmd_repl_status, NEEDS_NODE, "gridcase repl status [--json]",
	  "our summary against each peer's last one, and the log digest" },
	{ "repl sync", cmd_repl_sync, NEEDS_NODE | NEEDS_KEY,
	  "gridcase repl sync PEER [--addr URL] [--json]",
	  "one sync round with a peer now (works without the daemon)" },
	{ "restore", cmd_restore, 0, "gridcase restore SRC",
	  "make the node in DIR from the backup SRC, with a new key" },
	{ "roster add", cmd_roster_add, NEEDS_NODE,
	  "gridcase roster add KEY --admin-key FILE --name NAME [--unit UNIT] "
	  "--roles LIST [--addr ADDR]...",
	  "make a key a member (signed by the admin): roles supervisor, "
	  "operator, shift_lead, dispatcher, disposal" },
	{ "roster replace", cmd_roster_replace, NEEDS_NODE,
	  "gridcase roster replace OLD NEW --admin-key FILE [--last-seq N]",
	  "put key NEW in OLD's place (name, unit, roles, addresses); OLD is revoked after its last seq here" },
	{ "roster revoke", cmd_roster_revoke, NEEDS_NODE,
	  "gridcase roster revoke KEY --admin-key FILE --last-seq N [--reason TEXT]",
	  "revoke a key: its events after seq N are invalid everywhere" },
	{ "roster show", cmd_roster_show, NEEDS_NODE, "gridcase roster show [--json]",
	  "the members, their units, roles and addresses" },
	{ "run", cmd_run, NEEDS_NODE | NEEDS_KEY,
	  "gridcase run [--listen URL] [--peer NAME]... [--interval MS] [--http HOST:PORT]",
	  "run the node daemon: serve peers and replicate (SIGTERM stops it)" },
	{ "status", cmd_status, NEEDS_NODE, "gridcase status [--json]",
	  "show the node, counts, disk space, summary, forks and the log digest" },
	{ "verify", cmd_verify, NEEDS_NODE, "gridcase verify [--json]",
	  "re-check every stored record and case view and name what is wrong" },
	{ "web key", cmd_web_key_add, NEEDS_NODE,
	  "gridcase web key add NAME --key FILE [--passphrase-file FILE|-]",
	  "keep a member's key for the web console, sealed with a passphrase" },
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
		if (!(commands[i].flags & HIDDEN))
			fprintf(f, "  %-*s  %s\n", width, commands[i].name,
				commands[i].summary);
	fprintf(f, "\nEach command takes --help.  DIR defaults to "
		   "$GRIDCASE_DIR, else ./gridcase-data.\n");
}

/* The visible commands, for completion (cli.h). */
static const struct cmd *
visible(size_t i)
{
	for (size_t j = 0; j < NCOMMANDS; j++)
		if (!(commands[j].flags & HIDDEN) && i-- == 0)
			return &commands[j];
	return NULL;
}

size_t
cli_command_count(void)
{
	size_t n = 0;
	for (size_t j = 0; j < NCOMMANDS; j++)
		n += !(commands[j].flags & HIDDEN);
	return n;
}

const char *
cli_command_name(size_t i)
{
	return visible(i)->name;
}

const char *
cli_command_usage(size_t i)
{
	return visible(i)->usage;
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

/* The usage of every command of a group ("case"), one line each. */
static void
print_group(FILE *f, const char *group)
{
	size_t n = strlen(group);
	fprintf(f, "usage of 'gridcase %s' (each takes --help):\n", group);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, group, n) == 0 &&
		    commands[i].name[n] == ' ')
			fprintf(f, "  %s\n", commands[i].usage);
}

/* Levenshtein distance, for "did you mean"; words are short. */
static size_t
edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = xcalloc(lb + 1, sizeof(*row));
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	size_t d = row[lb];
	free(row);
	return d;
}

/*
 * The command closest to `word`: among a group's sub-commands when group
 * is set, else among the first words of every command.  Writes the
 * whole name ("case feedback") into out.
 */
static void
closest(const char *group, const char *word, char *out, size_t n)
{
	size_t best = (size_t)-1, glen = group ? strlen(group) : 0;
	out[0] = '\0';
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const char *name = commands[i].name;
		char first[ACT_NAME_MAX];
		const char *cand;
		if (group) {
			if (strncmp(name, group, glen) != 0 || name[glen] != ' ')
				continue;
			cand = name + glen + 1;
		} else {
			snprintf(first, sizeof(first), "%.*s",
				 (int)strcspn(name, " "), name);
			cand = first;
		}
		size_t d = edit_distance(word, cand);
		if (d < best) {
			best = d;
			snprintf(out, n, "%s%s%s", group ? group : "",
				 group ? " " : "", cand);
		}
	}
}

/* One line: the word is no command (of the group), and the closest. */
static int
unknown_command(const char *group, const char *word)
{
	char near[ACT_NAME_MAX + 16];
	closest(group, word, near, sizeof(near));
	if (group)
		return cli_fail("'%s' is not a 'gridcase %s' command; the closest is '%s' (see 'gridcase %s --help')",
				word, group, near, group), EXIT_USAGE;
	return cli_fail("'%s' is not a gridcase command; the closest is '%s' (see 'gridcase help')",
			word, near), EXIT_USAGE;
}

/* One line: a group alone, and the sub-commands it has. */
static int
group_needs_sub(const char *group)
{
	struct buf subs = BUF_INIT;
	size_t n = strlen(group);
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, group, n) == 0 &&
		    commands[i].name[n] == ' ')
			buf_printf(&subs, "%s%s", subs.len ? ", " : "",
				   commands[i].name + n + 1);
	cli_fail("'gridcase %s' needs a sub-command: %s (see 'gridcase %s --help')",
		 group, buf_cstr(&subs), group);
	buf_release(&subs);
	return EXIT_USAGE;
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
			if (argc > 2)
				return unknown_command(argv[1], argv[2]);
			print_group(stdout, argv[1]);
			return EXIT_OK;
		}
		return unknown_command(NULL, argv[1]);
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

/*
 * Global options may also follow the command (`gridcase case list --dir
 * D`): they are taken out of the command's arguments, up to a "--".  A
 * command's value that reads like one must be given as --opt=VALUE.
 * Returns the new argc.
 */
static int
take_globals(struct cli *c, int argc, char **argv)
{
	int n = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if ((strcmp(a, "--dir") == 0 || strcmp(a, "--key") == 0) &&
		    i + 1 < argc) {
			*(a[2] == 'd' ? &c->dir : &c->key_path) = argv[++i];
		} else if (strncmp(a, "--dir=", 6) == 0) {
			c->dir = a + 6;
		} else if (strncmp(a, "--key=", 6) == 0) {
			c->key_path = a + 6;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			log_threshold = log_threshold == LOG_WARN ? LOG_INFO
								  : LOG_DEBUG;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

/* Every argument is text in UTF-8: events carry only UTF-8 strings. */
static int
check_utf8(int argc, char **argv)
{
	size_t bad;
	for (int i = 1; i < argc; i++)
		if (!cli_is_utf8(argv[i], strlen(argv[i]), &bad))
			return cli_fail("argument %d is not UTF-8 text (byte %zu is 0x%02x): give text in UTF-8",
					i, bad + 1, (unsigned char)argv[i][bad]),
			       EXIT_USAGE;
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
	if ((rc = check_utf8(argc, argv)))
		return rc;
	/* Option errors are said once, on one line, by cli_bad_option(). */
	opterr = 0;
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
			return cli_bad_option(&c, argv, "vh");
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		print_commands(stderr);
		return EXIT_USAGE;
	}
	argc = take_globals(&c, argc, argv);
	const struct cmd *cmd = find_command(argc, argv, &words);
	if (!cmd) {
		if (is_group(argv[0])) {
			if (argc > 1 && !has_help_flag(2, argv))
				return unknown_command(argv[0], argv[1]);
			if (argc > 1) {
				print_group(stdout, argv[0]);
				return EXIT_OK;
			}
			return group_needs_sub(argv[0]);
		}
		return unknown_command(NULL, argv[0]);
	}
	argc -= words - 1;
	argv += words - 1;
	c.usage = cmd->usage;
	c.name = cmd->name;
	if (has_help_flag(argc, argv)) {
		printf("usage: %s\n\n%s\n", cmd->usage, cmd->summary);
		return EXIT_OK;
	}
	if (cmd->flags & NEEDS_NODE) {
		int flags = (cmd->flags & NEEDS_KEY) ? NODE_WITH_KEY : 0;
		char *intake = NULL;
		if ((cmd->flags & INTAKE_KEY) && !c.key_path) {
			intake = xasprintf("%s/%s", c.dir, OPEN311_INTAKE_KEY_FILE);
			if (access(intake, F_OK) == 0)
				c.key_path = intake;
		}
		rc = node_open(c.dir, flags, c.key_path, &c.node, &d);
		if (c.key_path == intake)
			c.key_path = NULL;
		free(intake);
		if (rc) {
			cli_fail("%s", d.text);
			return EXIT_NODE;
		}
	}
	optind = 0; /* GNU getopt: re-initialise for the command */
	rc = cmd->fn(&c, argc, argv);
	node_close(c.node);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		return cli_fail("cannot write the output");
	return rc;
}

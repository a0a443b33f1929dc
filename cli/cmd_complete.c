/*
 * cmd_complete.c - gridcase complete: the words the shell may complete,
 * for the bash completion (docs/man/gridcase.bash).
 *
 *   gridcase complete -- WORD... CUR
 *
 * The words are the command line typed so far, after "gridcase", the
 * last one the word being completed (maybe empty).  Prints the
 * candidates, one a line, unfiltered (the shell filters by CUR): command
 * and subcommand names, the running command's options, and values read
 * from the node given by --dir: case ids for CASE and --case, peers'
 * names (members with an address) for PEER, NAME and --peer, members'
 * names for KEY, OLD and --author, units for --unit.
 * Everything comes from the command table and its usage strings, so a
 * new command or option completes with no change here.  Prints nothing
 * for a file or a free text (the shell's default completion then
 * applies), and never fails: a missing node just completes no values.
 */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "node/api.h"
#include "node/case/roster.h"
#include "node/node.h"
#include "common/banned.h"

static const char *const global_opts[] = { "--dir", "--key", "-v",
					   "--verbose", "--help", "--version" };

/* 1 if opt is "--dir" or "--key": a global option with a value. */
static int
global_takes_value(const char *opt)
{
	return strcmp(opt, "--dir") == 0 || strcmp(opt, "--key") == 0;
}

/*
 * Where usage names option opt (or NULL); *value says whether a value
 * follows it ("--unit UNIT", not "[--json]").
 */
static const char *
usage_option(const char *usage, const char *opt, int *value)
{
	size_t n = strlen(opt);
	for (const char *p = strstr(usage, opt); p; p = strstr(p + 1, opt)) {
		char after = p[n];
		if ((p > usage && (p[-1] == '-' || p[-1] == '=')) ||
		    (after && after != ' ' && after != ']' && after != '|' &&
		     after != ')'))
			continue;
		*value = after == ' ' && p[n + 1] && strchr("[-]()|", p[n + 1]) == NULL;
		return p;
	}
	return NULL;
}

/* Prints each "--word" of usage once, then --help. */
#define MAX_OPTS 64
#define OPT_MAX 40
static void
print_options(const char *usage)
{
	char seen[MAX_OPTS][OPT_MAX];
	int nseen = 0;
	for (const char *p = strstr(usage, "--"); p; p = strstr(p, "--")) {
		size_t n = strspn(p + 2, "abcdefghijklmnopqrstuvwxyz-");
		int dup = 0;
		p += 2;
		if (n == 0 || n >= OPT_MAX - 3)
			continue;
		for (int i = 0; i < nseen; i++)
			if (strlen(seen[i]) == n + 2 && strncmp(seen[i] + 2, p, n) == 0)
				dup = 1;
		if (!dup && nseen < MAX_OPTS) {
			memcpy(seen[nseen], "--", 2);
			memcpy(seen[nseen] + 2, p, n);
			seen[nseen][n + 2] = '\0';
			printf("%s\n", seen[nseen++]);
		}
		p += n;
	}
	printf("--help\n");
}

/*
 * The placeholder of positional argument k (0-based) in usage: its words
 * after the command's name that are neither options nor option values
 * nor in brackets.
 */
static void
usage_positional(const char *usage, const char *name, int k, char *out,
		 size_t n)
{
	const char *p = strstr(usage, name);
	int depth = 0, after_opt = 0;
	out[0] = '\0';
	p = p ? p + strlen(name) : usage;
	while (*p) {
		if (*p == '[' || *p == '(') {
			depth++;
			p++;
			continue;
		}
		if (*p == ']' || *p == ')') {
			depth--;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '|') {
			p++;
			continue;
		}
		size_t w = strcspn(p, " []()|");
		if (p[0] == '-') {
			after_opt = 1;
		} else if (after_opt) {
			after_opt = 0; /* the option's value */
		} else if (depth == 0 && p[0] >= 'A' && p[0] <= 'Z') {
			if (k-- == 0) {
				snprintf(out, n, "%.*s", (int)w, p);
				return;
			}
		}
		p += w;
	}
}

static int
print_case(const struct case_row *row, void *ctx)
{
	(void)ctx;
	printf("%s\n", row->case_id);
	return 0;
}

struct names {
	int units, peers;
};

static int
print_member(const struct member *m, int revoked, uint64_t last, void *ctx)
{
	struct names *nm = ctx;
	(void)last;
	const char *v = nm->units ? m->unit : m->name;
	/* Peers are members with an address. */
	if (!revoked && v[0] && (!nm->peers || m->naddrs))
		printf("%s\n", v);
	return 0;
}

/* Values of a kind ("CASE", "PEER" ...) from the node in dir. */
static void
print_values(const char *dir, const char *kind)
{
	struct node *n = NULL;
	struct diag d;
	struct names nm = { 0 };
	int cases = strcmp(kind, "CASE") == 0;
	int members = strcmp(kind, "PEER") == 0 || strcmp(kind, "NAME") == 0 ||
		      strcmp(kind, "KEY") == 0 || strcmp(kind, "OLD") == 0 ||
		      strcmp(kind, "MEMBER") == 0;
	nm.units = strcmp(kind, "UNIT") == 0;
	/* A NAME in a usage is a peer's (peers block NAME). */
	nm.peers = strcmp(kind, "PEER") == 0 || strcmp(kind, "NAME") == 0;
	if (!cases && !members && !nm.units)
		return;
	if (node_open(dir, 0, NULL, &n, &d))
		return;
	if (cases) {
		struct case_query q;
		memset(&q, 0, sizeof(q));
		q.now_ms = clock_now_ms();
		(void)!node_case_list(n, &q, print_case, NULL, &d);
	} else if (node_roster(n)) {
		(void)!roster_walk(node_roster(n), print_member, &nm);
	}
	node_close(n);
}

/* The kind of value an option takes, by its name. */
static const char *
option_kind(const char *opt)
{
	if (strcmp(opt, "--case") == 0)
		return "CASE";
	if (strcmp(opt, "--peer") == 0 || strcmp(opt, "--to") == 0)
		return "PEER";
	if (strcmp(opt, "--author") == 0)
		return "MEMBER";
	if (strcmp(opt, "--unit") == 0)
		return "UNIT";
	return "";
}

/* The first word of each command, once (the table is sorted). */
static void
print_command_words(void)
{
	const char *last = "";
	size_t lastn = 0;
	for (size_t j = 0; j < cli_command_count(); j++) {
		const char *name = cli_command_name(j);
		size_t len = strcspn(name, " ");
		if (len == lastn && strncmp(name, last, len) == 0)
			continue;
		printf("%.*s\n", (int)len, name);
		last = name;
		lastn = len;
	}
}

int
cmd_complete(struct cli *c, int argc, char **argv)
{
	const char *dir = c->dir;
	int i = 1;
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	char **w = argv + i;
	int n = argc - i;
	if (n < 1)
		return EXIT_OK;
	const char *cur = w[n - 1];
	/* The global options before the command. */
	int k = 0;
	while (k < n - 1 && w[k][0] == '-') {
		if (global_takes_value(w[k]) && k + 1 < n - 1) {
			if (strcmp(w[k], "--dir") == 0)
				dir = w[k + 1];
			k++;
		} else if (global_takes_value(w[k])) {
			return EXIT_OK; /* completing its value: a path */
		}
		k++;
	}
	size_t ncmd = cli_command_count();
	if (k == n - 1) {
		if (cur[0] == '-') {
			for (size_t g = 0; g < sizeof(global_opts) / sizeof(*global_opts); g++)
				printf("%s\n", global_opts[g]);
			return EXIT_OK;
		}
		print_command_words();
		return EXIT_OK;
	}
	/* The command: one word, or a group and its subcommand. */
	const char *word = w[k];
	size_t wl = strlen(word);
	int group = 0;
	for (size_t j = 0; j < ncmd; j++) {
		const char *name = cli_command_name(j);
		if (strncmp(name, word, wl) == 0 && name[wl] == ' ')
			group = 1;
	}
	char name[128];
	int first_arg;
	if (group && k + 1 == n - 1) {
		for (size_t j = 0; j < ncmd; j++) {
			const char *nm = cli_command_name(j);
			if (strncmp(nm, word, wl) == 0 && nm[wl] == ' ')
				printf("%s\n", nm + wl + 1);
		}
		return EXIT_OK;
	}
	if (group) {
		snprintf(name, sizeof(name), "%s %s", word, w[k + 1]);
		first_arg = k + 2;
	} else {
		snprintf(name, sizeof(name), "%s", word);
		first_arg = k + 1;
	}
	const char *usage = NULL;
	for (size_t j = 0; j < ncmd; j++)
		if (strcmp(cli_command_name(j), name) == 0)
			usage = cli_command_usage(j);
	if (!usage) {
		/* "case ACTION": the workflow's steps share the group. */
		return EXIT_OK;
	}
	/* The value of an option? */
	const char *prev = w[n - 2];
	int value = 0;
	if (n - 2 >= first_arg && prev[0] == '-' && usage_option(usage, prev, &value) &&
	    value) {
		print_values(dir, option_kind(prev));
		return EXIT_OK;
	}
	if (cur[0] == '-') {
		print_options(usage);
		return EXIT_OK;
	}
	/* A positional argument: which one? */
	int pos = 0;
	for (int j = first_arg; j < n - 1; j++) {
		if (w[j][0] == '-') {
			if (usage_option(usage, w[j], &value) && value)
				j++;
			continue;
		}
		pos++;
	}
	char kind[32];
	if (strcmp(name, "help") == 0) {
		print_command_words();
		return EXIT_OK;
	}
	usage_positional(usage, name, pos, kind, sizeof(kind));
	print_values(dir, kind);
	return EXIT_OK;
}

/*
 * cmd_web.c - gridcase web key add NAME --key FILE: seal a member's key
 * with its person's passphrase for the web console (node/web_keys.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/cli.h"
#include "crypto/key.h"
#include "node/node.h"
#include "node/web_keys.h"
#include "common/banned.h"

#define PASS_MAX 512

/* One line from f into out, without its newline; 0 if there is none. */
static int
read_line(FILE *f, char *out, size_t cap)
{
	if (!fgets(out, (int)cap, f))
		return 0;
	out[strcspn(out, "\r\n")] = '\0';
	return 1;
}

/* Asks on the terminal with the echo off. */
static int
prompt(const char *what, char *out, size_t cap)
{
	struct termios old, quiet;
	int ok;
	fprintf(stderr, "%s: ", what);
	fflush(stderr);
	if (tcgetattr(STDIN_FILENO, &old) != 0)
		return read_line(stdin, out, cap);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	ok = read_line(stdin, out, cap);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	return ok;
}

int
cmd_web_key_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "passphrase-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = c->key_path, *pass_file = NULL;
	char pass[PASS_MAX], again[PASS_MAX];
	struct key *k = NULL;
	struct diag d;
	int opt, rc, ok;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': key_path = optarg; break;
		case 'p': pass_file = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	/* "web key" is the command (two words at most); "add" its verb. */
	if (optind + 2 != argc || strcmp(argv[optind], "add") != 0)
		return cli_usage(c, "give 'add' and one sign-in NAME");
	optind++;
	if (!key_path)
		return cli_usage(c, "give the member's key file with --key FILE");
	const char *name = argv[optind];
	if (!web_key_name_is_valid(name))
		return cli_usage(c, "'%s' is not a sign-in name (letters, digits, . _ -)", name);
	if (pass_file) {
		FILE *f = strcmp(pass_file, "-") == 0 ? stdin : fopen(pass_file, "r");
		if (!f)
			return cli_fail("cannot read the passphrase file '%s'", pass_file);
		ok = read_line(f, pass, sizeof(pass));
		if (f != stdin)
			fclose(f);
		if (!ok)
			return cli_fail("the passphrase file '%s' is empty", pass_file);
	} else if (isatty(STDIN_FILENO)) {
		if (!prompt("passphrase", pass, sizeof(pass)) ||
		    !prompt("passphrase again", again, sizeof(again)))
			return cli_fail("no passphrase given");
		ok = strcmp(pass, again) == 0;
		memset(again, 0, sizeof(again));
		if (!ok)
			return cli_fail("the two passphrases differ");
	} else if (!read_line(stdin, pass, sizeof(pass))) {
		return cli_fail("no passphrase on the standard input");
	}
	if ((rc = key_load(key_path, &k, &d)) == 0) {
		rc = web_key_add(node_dir(c->node), name, k, pass, strlen(pass), &d);
		key_free(k);
	}
	memset(pass, 0, sizeof(pass));
	if (rc)
		return cli_fail("%s", d.text);
	printf("%s\n", name);
	return EXIT_OK;
}

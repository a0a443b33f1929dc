/*
 * cli.h - what the command files of cli/ share.
 *
 * Each command is `int cmd_<name>(struct cli *, int argc, char **argv)` in
 * cli/cmd_<name>.c, listed in the sorted table of cli/main.c.  argv[0] is
 * the command's name; options follow, parsed with getopt_long.  A command
 * returns the process exit status from enum cli_exit (the one table,
 * README "Exit status" and gridcase(1)).  Results go to stdout,
 * diagnostics to stderr: one line each, "error: ...", lowercase, subject
 * quoted, git style.  Text that came from events or files is printed
 * through cli_print()/cli_text(), which escape what a terminal would
 * obey (escape sequences, C0 and C1 controls, bidi overrides).
 */
#ifndef GRIDCASE_CLI_H
#define GRIDCASE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

struct node;

/*
 * The exit status of every command; a script branches on these.
 *   0 ok; 1 the operation failed or was refused (the workflow, the
 *   network, a write); 2 the command line is wrong (unknown command or
 *   option, a missing or malformed value, options that exclude each
 *   other); 3 the node cannot be used (no store at DIR, a damaged store
 *   or config.json, a key file missing, unreadable, open to others or
 *   corrupt); 4 a named thing does not exist (a case, peer, member,
 *   blob or input file).
 */
enum cli_exit {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NODE = 3,
	EXIT_NOTFOUND = 4,
};

/* Preconditions the dispatcher satisfies before calling a command. */
enum cmd_flags {
	NEEDS_NODE = 1, /* cli->node is open (store only) */
	NEEDS_KEY = 2,  /* ... and holds the node's secret key */
	HIDDEN = 4,     /* not listed by help (gridcase complete) */
	/* Without --key, signs with DIR/intake.key when the node has one:
	 * the centre's intake desk reports with its own key, so that the
	 * shift lead's key may register (docs/workflow.md §3). */
	INTAKE_KEY = 8,
};

struct cli {
	const char *dir;   /* --dir, $GRIDCASE_DIR or ./gridcase-data */
	const char *key_path; /* --key: act with another member's key */
	struct node *node; /* set for NEEDS_NODE commands */
	const char *usage; /* the running command's usage text */
	const char *name;  /* the running command's name ("case list") */
};

/* Prints "error: <fmt>" to stderr; returns EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * As cli_fail(), with the exit status the error code rc calls for:
 * EXIT_NOTFOUND for ERR_NOTFOUND, else EXIT_FAIL.
 */
int cli_fail_rc(int rc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Prints one line "error: <command>: <fmt> (see 'gridcase <command>
 * --help')"; returns EXIT_USAGE.
 */
int cli_usage(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The usage error of an option getopt_long() refused (it returned '?'):
 * "unknown option '--x'" or "option '--x' needs a value".  argv is the
 * command's; optstring its short options.  Returns EXIT_USAGE.
 */
int cli_bad_option(struct cli *c, char **argv, const char *optstring);

/*
 * Writes b to stdout (with a final newline if it lacks one), escaped as
 * cli_text() does, newlines and tabs kept: what a command prints comes
 * from events signed elsewhere and must not drive the terminal.
 */
void cli_print(const struct buf *b);

/*
 * Appends s (n bytes) to out with everything a terminal would act on
 * made visible: C0 controls and DEL as \xNN (\n and \t too unless
 * keep_lines), C1 controls and bidi controls (U+061C, U+200E-200F,
 * U+202A-202E, U+2066-2069) as \u{XXXX}, bytes that are not UTF-8 as
 * \xNN.  Everything else, Chinese text included, is copied as it is.
 */
void cli_text(struct buf *out, const char *s, size_t n, int keep_lines);

/* The cells s takes on a terminal (CJK and other wide characters two). */
size_t cli_width(const char *s);
/* The same for the n bytes at s. */
size_t cli_width_n(const char *s, size_t n);

/*
 * Appends s cut to `cells` terminal cells, ending in "..." when cut (at
 * a character's boundary); cells 0: all of s.
 */
void cli_fit(struct buf *out, const char *s, size_t cells);

/*
 * Appends s left-aligned in a column of `cells` terminal cells, padded
 * with spaces (a longer s is not cut).
 */
void cli_pad(struct buf *out, const char *s, size_t cells);

/* 1 if the n bytes at s are valid UTF-8, else 0 (*bad: the first bad byte). */
int cli_is_utf8(const char *s, size_t n, size_t *bad);

/* The terminal's width in columns: $COLUMNS, the tty, else 0 (unknown). */
int cli_columns(void);

/* "1a2b3c4d5e6f7a8b": the first 8 bytes of an id or key in hex. */
const char *cli_short(const uint8_t *p, char out[17]);

/*
 * Parses a key given as 64 hex digits or, on an open node, as a member's
 * name in its roster (the key in force under that name, or the only
 * revoked one).  On error prints why and returns EXIT_USAGE.
 */
int cli_parse_key(struct cli *c, const char *s, uint8_t key[EVENT_KEY_BYTES]);

struct admin_key;

/*
 * Loads the district admin key that --admin-key names.  No --admin-key is
 * a usage error (EXIT_USAGE), a key that cannot be loaded says why (its
 * exit code); both print the error.  The caller frees *k.
 */
int cli_admin_key(struct cli *c, const char *path, struct admin_key **k);

struct json_writer;

/*
 * The room for the store (for status and repl status): free space on its
 * file system, the size of data.mdb, and "disk full" when nothing is
 * free or the running daemon says it cannot store what peers send (with
 * its words).  JSON: a "disk" member of the open object.
 */
void cli_disk_status(struct cli *c, struct buf *out, struct json_writer *w,
		     int json);

/*
 * The arguments of a command that takes only positionals and, when json
 * is not NULL, --json: refuses any other option as cli_bad_option()
 * does, and a count of positionals outside [min, max] with `what`
 * ("give one blob HASH").  Returns 0 and leaves the positionals at
 * argv[optind..], or EXIT_USAGE.
 */
int cli_args(struct cli *c, int argc, char **argv, int *json, int min,
	     int max, const char *what);

/*
 * 1 if a member of the node's roster (revoked or not) has this name,
 * else 0: peers are named by their members' names.
 */
int cli_is_member_name(struct cli *c, const char *name);

/* Reads a whole file ("-" is stdin) into out. */
MUST_CHECK int cli_read_file(const char *path, struct buf *out,
			     struct diag *d);

/*
 * The command table (cli/main.c), for completion: how many commands,
 * and command i's name ("case show") and usage; hidden ones excluded.
 */
size_t cli_command_count(void);
const char *cli_command_name(size_t i);
const char *cli_command_usage(size_t i);

/* The commands. */
int cmd_backup(struct cli *c, int argc, char **argv);
int cmd_audit_export(struct cli *c, int argc, char **argv);
int cmd_audit_verify(struct cli *c, int argc, char **argv);
int cmd_blob_add(struct cli *c, int argc, char **argv);
int cmd_blob_erase(struct cli *c, int argc, char **argv);
int cmd_blob_get(struct cli *c, int argc, char **argv);
int cmd_case_act(struct cli *c, int argc, char **argv);
/* Appends the usage of `gridcase case <a->type>`, made from the table. */
struct action_def;
void cmd_case_act_usage(const struct action_def *a, struct buf *out);
int cmd_case_list(struct cli *c, int argc, char **argv);
int cmd_case_report(struct cli *c, int argc, char **argv);
int cmd_case_show(struct cli *c, int argc, char **argv);
int cmd_event_add(struct cli *c, int argc, char **argv);
int cmd_event_export(struct cli *c, int argc, char **argv);
int cmd_event_import(struct cli *c, int argc, char **argv);
int cmd_complete(struct cli *c, int argc, char **argv);
int cmd_conflicts(struct cli *c, int argc, char **argv);
int cmd_eval(struct cli *c, int argc, char **argv);
int cmd_eval_check(struct cli *c, int argc, char **argv);
int cmd_eval_close(struct cli *c, int argc, char **argv);
int cmd_grid_import(struct cli *c, int argc, char **argv);
int cmd_config_publish(struct cli *c, int argc, char **argv);
int cmd_config_show(struct cli *c, int argc, char **argv);
int cmd_grid_list(struct cli *c, int argc, char **argv);
int cmd_grid_locate(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_keygen(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_open311(struct cli *c, int argc, char **argv);
int cmd_peers(struct cli *c, int argc, char **argv);
int cmd_peers_block(struct cli *c, int argc, char **argv);
int cmd_peers_unblock(struct cli *c, int argc, char **argv);
int cmd_rekey(struct cli *c, int argc, char **argv);
int cmd_reindex(struct cli *c, int argc, char **argv);
int cmd_repl_status(struct cli *c, int argc, char **argv);
int cmd_repl_sync(struct cli *c, int argc, char **argv);
int cmd_roster_add(struct cli *c, int argc, char **argv);
int cmd_restore(struct cli *c, int argc, char **argv);
int cmd_roster_replace(struct cli *c, int argc, char **argv);
int cmd_roster_revoke(struct cli *c, int argc, char **argv);
int cmd_roster_show(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);
int cmd_web_key_add(struct cli *c, int argc, char **argv);

#endif

/*
 * cli.h - what the command files of cli/ share.
 *
 * Each command is `int cmd_<name>(struct cli *, int argc, char **argv)` in
 * cli/cmd_<name>.c, listed in the sorted table of cli/main.c.  argv[0] is
 * the command's name; options follow, parsed with getopt_long.  A command
 * returns the process exit status: 0 ok, 1 failure, 2 usage.  Results go
 * to stdout, diagnostics to stderr ("error: ...", lowercase, subject
 * quoted, git style).
 */
#ifndef GRIDCASE_CLI_H
#define GRIDCASE_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

struct node;

enum cli_exit { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* Preconditions the dispatcher satisfies before calling a command. */
enum cmd_flags {
	NEEDS_NODE = 1, /* cli->node is open (store only) */
	NEEDS_KEY = 2,  /* ... and holds the node's secret key */
};

struct cli {
	const char *dir;   /* --dir, $GRIDCASE_DIR or ./gridcase-data */
	const char *key_path; /* --key: act with another member's key */
	struct node *node; /* set for NEEDS_NODE commands */
	const char *usage; /* the running command's usage text */
};

/* Prints "error: <fmt>" to stderr; returns EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "error: <fmt>" and the command's usage; returns EXIT_USAGE. */
int cli_usage(struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes b to stdout (with a final newline if it lacks one). */
void cli_print(const struct buf *b);

/* "1a2b3c4d5e6f7a8b": the first 8 bytes of an id or key in hex. */
const char *cli_short(const uint8_t *p, char out[17]);

/*
 * Parses an author key given as 64 hex digits.  On error prints why and
 * returns EXIT_USAGE.
 */
int cli_parse_key(struct cli *c, const char *s, uint8_t key[EVENT_KEY_BYTES]);

struct json_writer;

/*
 * The room for the store (for status and repl status): free space on its
 * file system, the size of data.mdb, and "disk full" when nothing is
 * free or the running daemon says it cannot store what peers send (with
 * its words).  JSON: a "disk" member of the open object.
 */
void cli_disk_status(struct cli *c, struct buf *out, struct json_writer *w,
		     int json);

/* Reads a whole file ("-" is stdin) into out. */
MUST_CHECK int cli_read_file(const char *path, struct buf *out,
			     struct diag *d);

/* The commands. */
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
int cmd_conflicts(struct cli *c, int argc, char **argv);
int cmd_eval(struct cli *c, int argc, char **argv);
int cmd_eval_check(struct cli *c, int argc, char **argv);
int cmd_eval_close(struct cli *c, int argc, char **argv);
int cmd_grid_import(struct cli *c, int argc, char **argv);
int cmd_grid_list(struct cli *c, int argc, char **argv);
int cmd_grid_locate(struct cli *c, int argc, char **argv);
int cmd_init(struct cli *c, int argc, char **argv);
int cmd_keygen(struct cli *c, int argc, char **argv);
int cmd_log(struct cli *c, int argc, char **argv);
int cmd_peers(struct cli *c, int argc, char **argv);
int cmd_peers_block(struct cli *c, int argc, char **argv);
int cmd_peers_unblock(struct cli *c, int argc, char **argv);
int cmd_reindex(struct cli *c, int argc, char **argv);
int cmd_repl_status(struct cli *c, int argc, char **argv);
int cmd_repl_sync(struct cli *c, int argc, char **argv);
int cmd_roster_add(struct cli *c, int argc, char **argv);
int cmd_roster_revoke(struct cli *c, int argc, char **argv);
int cmd_roster_show(struct cli *c, int argc, char **argv);
int cmd_run(struct cli *c, int argc, char **argv);
int cmd_status(struct cli *c, int argc, char **argv);
int cmd_verify(struct cli *c, int argc, char **argv);

#endif

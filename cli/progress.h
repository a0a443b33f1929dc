/*
 * progress.h - a progress bar on stderr, only on a terminal.
 *
 * cli_progress_fn has the shape of store_progress_fn: hand it, with the
 * struct, to store_set_progress() (or the daemon's sync) around long
 * work, and call cli_progress_end() after.  It draws at most every
 * 100 ms and at the end; when stderr is not a terminal it does nothing.
 */
#ifndef GRIDCASE_CLI_PROGRESS_H
#define GRIDCASE_CLI_PROGRESS_H

#include <stdint.h>

struct cli_progress {
	int on;    /* stderr is a terminal */
	int drawn; /* a line is on screen */
	uint64_t start_ms, last_ms; /* monotonic */
	char what[48];
};

void cli_progress_init(struct cli_progress *p);
void cli_progress_fn(void *ctx, const char *what, uint64_t done,
		     uint64_t total);
/* Ends the line on screen, if one was drawn. */
void cli_progress_end(struct cli_progress *p);

#endif

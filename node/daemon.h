/*
 * daemon.h - `gridcase run`: the node's event loop (libuv) around the
 * replication engine.
 *
 * The libuv loop thread owns all daemon state.  nng's callbacks (inside
 * replication/) only queue what happened and wake the loop through a
 * uv_async; signatures of fetched events are checked on libuv's worker
 * threads and admitted back on the loop.  The loop also watches the
 * store's data file (a CLI command on the same node wrote something: hint
 * the peers), refreshes the roster and the blocked peers every second, and
 * writes each peer's live state to the store for `gridcase peers`.
 */
#ifndef GRIDCASE_DAEMON_H
#define GRIDCASE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct node;

#define DAEMON_LOCK_FILE "run.lock"

struct daemon_opts {
	const char *listen;      /* overrides config and roster; NULL: those */
	const char *const *peers; /* member names to pull from; NULL: config */
	size_t npeers;
	uint32_t interval_ms;    /* 0: config */
	/* `gridcase repl sync`: no server, no lock, one round with each
	 * peer, then return; peer_addr overrides the roster's address. */
	int one_round;
	const char *peer_addr;
	int progress;            /* print progress on stderr */
};

/*
 * Runs until SIGTERM or SIGINT (or, with one_round, until every peer has
 * finished a round).  ERR_BUSY if another daemon runs on the node;
 * ERR_INVAL for a bad address or an unknown peer name.
 */
MUST_CHECK int daemon_run(struct node *n, const struct daemon_opts *o,
			  struct diag *d);

/* 1 if a daemon holds the node's lock right now. */
int daemon_is_running(const char *dir);

#endif

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
/*
 * The lock file also holds, in its first DAEMON_STATE_BYTES, why the
 * daemon cannot store what peers send (a full disk: the store's words),
 * NUL-padded, or nothing when it can.  The daemon writes those bytes
 * whole when it starts and rewrites them in place within a second of a
 * change: rewriting needs no new block, so the state can be told when
 * the disk is full and the store itself can take no write.
 */
#define DAEMON_STATE_BYTES 1024

/*
 * A front end the daemon runs on its loop beside replication: the web
 * console (node/http/server.h).  start() is called on the loop before it
 * runs; from then on any thread may call wake(wake_ctx) to have process()
 * run on the loop soon.  process() also runs every tick (20 ms) and
 * stop() once when the daemon stops.  The daemon knows no more of it.
 */
struct daemon_frontend {
	void *ctx;
	void (*start)(void *ctx, void (*wake)(void *), void *wake_ctx);
	void (*process)(void *ctx);
	void (*stop)(void *ctx);
};

struct daemon_opts {
	const char *listen;      /* overrides config and roster; NULL: those */
	const char *const *peers; /* member names to pull from; NULL: config */
	size_t npeers;
	uint32_t interval_ms;    /* 0: config */
	/* `gridcase repl sync`: no server, no lock, one round with each
	 * peer, then return; peer_addr overrides the roster's address. */
	int one_round;
	const char *peer_addr;
	/* Events received so far from a peer (what: "sync PEER"), of how
	 * many (0: unknown; its summary's lead on ours): for a progress bar.
	 * NULL: none. */
	void (*progress)(void *ctx, const char *what, uint64_t done,
			 uint64_t total);
	void *progress_ctx;
	const struct daemon_frontend *fe; /* NULL: none */
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

/*
 * The running daemon's word on itself, for `gridcase status`: a small
 * text file, one "name value" per line (pid, started: Unix seconds,
 * listen: the address or "-", peers, connected), written whole beside
 * and renamed over DAEMON_STATUS_FILE when the daemon starts and when a
 * value changes, removed when it stops.  A daemon killed with SIGKILL
 * leaves it behind: only the lock (daemon_is_running) says whether it
 * runs, and the file of a dead daemon is reported as stale.
 */
#define DAEMON_STATUS_FILE "run.status"

struct daemon_status {
	int running;      /* a daemon holds the lock */
	int have_file;    /* the status file was read */
	long pid;
	int64_t started_s; /* Unix seconds */
	char listen[256]; /* "" when it serves no address */
	unsigned peers, connected;
};

/* Fills st (zeroed first) from the lock and the status file of dir. */
void daemon_status_read(const char *dir, struct daemon_status *st);

/*
 * Writes into out (n bytes, n > 0) why the node's running daemon cannot
 * store what peers send, or "" when it can or no daemon runs.  Returns 1
 * if there is such a reason.
 */
int daemon_storage_error(const char *dir, char *out, size_t n);

#endif

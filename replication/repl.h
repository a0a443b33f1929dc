/*
 * repl.h - the replication engine: anti-entropy over nng
 * (docs/protocol.md).
 *
 * Threading: nng runs its callbacks on its own threads.  They only queue
 * what happened (an inbox under a mutex) and call hooks.wake, after which
 * the owner's loop thread calls repl_process().  Everything else -
 * sessions, peers, the store - belongs to that one thread.  Signature
 * checks of fetched events run through hooks.submit on worker threads and
 * come back to the loop thread to be admitted.
 *
 * replication/ is the only module (with the CLI's sync driver, through
 * this header) that touches nng; it knows nothing of libuv: the owner
 * (node/daemon.c) supplies the hooks.
 */
#ifndef GRIDCASE_REPL_H
#define GRIDCASE_REPL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/event.h"

struct repl;
struct store;
struct key;

struct repl_hooks {
	void *ctx;
	/* Any thread: ask the loop thread to call repl_process() soon. */
	void (*wake)(void *ctx);
	/* Loop thread: run work(arg) on a worker, then done(arg) on the loop. */
	void (*submit)(void *ctx, void (*work)(void *arg),
		       void (*done)(void *arg), void *arg);
	/*
	 * Loop thread: may this key talk to us?  Writes the member's name.
	 * 1 yes; 0 no: not a member, or revoked; -1 no: blocked here.
	 */
	int (*authorize)(void *ctx, const uint8_t key[EVENT_KEY_BYTES],
			 char *name, size_t n);
	/* Loop thread, optional: events admitted from a peer so far. */
	void (*progress)(void *ctx, const char *peer, uint64_t events);
	/*
	 * Loop thread, optional: 1 when the event (an envelope this store
	 * holds) is addressed to the member with this key, as a dispatch is
	 * to its unit's nodes.  A new event's addressees among the peers are
	 * pushed it before the others (docs/protocol.md §4, Hints).
	 */
	int (*addressed)(void *ctx, const uint8_t *env, size_t n,
			 const uint8_t key[EVENT_KEY_BYTES]);
};

struct repl_options {
	const char *listen;        /* nng URL to serve on; NULL: client only */
	uint32_t interval_ms;      /* between rounds with a peer (2000) */
	uint32_t timeout_ms;       /* per request (10000) */
	uint32_t reconnect_min_ms; /* 100 */
	uint32_t reconnect_max_ms; /* 5000 */
	uint32_t fetch_events;     /* events asked per FETCH (500) */
	uint32_t inflight;         /* requests in flight per peer (4) */
	int one_round;             /* stop after one good round with each peer */
	const uint8_t *first_author; /* fetched first (the roster's admin) */
	/*
	 * The server's connections (docs/protocol.md §5): a connection must
	 * finish a handshake within handshake_ms (5000); at most
	 * max_unauthenticated (64) connections may be waiting to, at most
	 * max_unauthenticated_per_address (8) of them from one address; at
	 * most max_connections in all (0: from fd_limit, the process's
	 * descriptor limit, keeping room for the peers and the files).
	 */
	uint32_t handshake_ms;
	uint32_t max_connections;
	uint32_t max_unauthenticated;
	uint32_t max_unauthenticated_per_address;
	uint64_t fd_limit;
};

#define REPL_NAME_MAX 64

struct repl_peer_stats {
	char name[REPL_NAME_MAX + 1];
	char addr[129];
	uint8_t key[EVENT_KEY_BYTES];
	int connected;
	int blocked;
	int refused; /* it refused our last round (it blocks us, or knows us not) */
	uint64_t last_contact_ms; /* wall clock */
	char last_error[200];
	uint64_t events_in, events_out, bytes_in, bytes_out;
	uint64_t rounds, errors;
	uint64_t pushed_in; /* events admitted from its PUSHes (in events_in too) */
	/* PUSHes sent to it ahead of the other peers': it was the addressee
	 * of a new event. */
	uint64_t pushed_first;
	/* Authors whose relays go to it lazily: it got them first from
	 * another peer (docs/protocol.md §4, Relays). */
	uint64_t lazy_authors;
	/* Signatures of its events checked here, and of those, the events
	 * found stored (or waiting) already when admitted: checks that
	 * another peer's events had made unnecessary. */
	uint64_t checked, checked_again;
	uint64_t we_lack, they_lack; /* events, from the last summaries */
	int rounds_ok;               /* one_round: a round completed */
	/*
	 * It broke the protocol in a way that would make us work for nothing
	 * (a summary that claims events it does not send): rounds with it
	 * back off; cleared by a round without it.
	 */
	int misbehaving;
	char misbehaviour[200];
};

/* A new engine on store s, acting as key me (both borrowed). */
struct repl *repl_new(struct store *s, const struct key *me,
		      const struct repl_options *o,
		      const struct repl_hooks *h);

/* Opens the server socket (if listening).  ERR_IO, ERR_INVAL (bad URL). */
MUST_CHECK int repl_start(struct repl *r, struct diag *d);

/* Adds a peer to pull from; its key must answer at addr. */
MUST_CHECK int repl_add_peer(struct repl *r, const char *name, const char *addr,
			     const uint8_t key[EVENT_KEY_BYTES],
			     struct diag *d);

/* Cuts (or restores) every exchange with a peer, both ways. */
void repl_block(struct repl *r, const char *name, int blocked);

/* Loop thread: handles everything queued since the last call. */
void repl_process(struct repl *r);

/* Loop thread: starts due rounds; call every few tens of ms. */
void repl_tick(struct repl *r);

/* Loop thread: the store changed here; tell connected peers. */
void repl_changed(struct repl *r);

/*
 * 1 when, in one_round mode, every unblocked peer finished a round, or
 * the disk is full (nothing more can be stored).
 */
int repl_done(const struct repl *r);

/*
 * Why fetched events cannot be stored now: the store's words for a full
 * disk (naming the file and the free space), or "" when they can.
 * Borrowed until the next repl_process() or repl_tick().
 */
const char *repl_storage_error(const struct repl *r);

size_t repl_peer_count(const struct repl *r);
const struct repl_peer_stats *repl_peer_stats(const struct repl *r, size_t i);

/*
 * The last summary a peer sent (its heads); NULL if none yet.  Borrowed
 * until the next repl_process().
 */
struct wire_head;
/*
 * Loop thread: the interval between rounds and the per-request timeout
 * (0: the default), from the next round on (a configuration reloaded).
 */
void repl_set_timing(struct repl *r, uint32_t interval_ms,
		     uint32_t timeout_ms);

const struct wire_head *repl_peer_heads(const struct repl *r, size_t i,
					size_t *n);

/* Closes every socket and waits for nng's callbacks to finish. */
void repl_stop(struct repl *r);
void repl_free(struct repl *r);

#endif

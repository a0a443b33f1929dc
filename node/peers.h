/*
 * peers.h - what the daemon knows of each peer, as typed records.
 *
 * Live connections are known only to the running daemon (node/daemon.c);
 * every second it writes one record per peer to the store's local table
 * "peer" (node-local: it does not replicate).  `gridcase peers`, `repl
 * status` and any other front end read the records back through this
 * header, so the daemon and its readers share one definition of the
 * fields instead of literal map keys.  The encoding is a msgpack map with
 * the field names as keys, sorted (mp_map); a field missing from a record
 * reads as zero or empty.
 */
#ifndef GRIDCASE_PEERS_H
#define GRIDCASE_PEERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

struct node;

#define PEER_NAME_MAX 64  /* REPL_NAME_MAX */
#define PEER_ADDR_MAX 128 /* ROSTER_ADDR_MAX */
#define PEER_TEXT_MAX 199 /* last_error, misbehaviour */

/* The highest contiguous seq of one author in the peer's last summary. */
struct peer_head {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
};

struct peer_record {
	char name[PEER_NAME_MAX + 1]; /* the record's key */
	char addr[PEER_ADDR_MAX + 1];
	uint8_t key[EVENT_KEY_BYTES];
	int connected, blocked, misbehaving;
	int refused;              /* it refused our last round */
	uint64_t last_contact_ms; /* wall clock; 0: never */
	uint64_t updated_ms;      /* when the daemon wrote the record */
	char last_error[PEER_TEXT_MAX + 1];
	char misbehaviour[PEER_TEXT_MAX + 1];
	uint64_t events_in, events_out, bytes_in, bytes_out;
	uint64_t rounds, errors;
	uint64_t pushed_in; /* events of events_in that came in PUSHes */
	uint64_t pushed_first; /* PUSHes sent to it first, as an event's addressee */
	uint64_t lazy_authors; /* authors whose relays go to it lazily */
	/* Signatures of its events checked; of those, of events held. */
	uint64_t checked, checked_again;
	uint64_t we_lack, they_lack; /* events, from the last summaries */
	struct peer_head *heads;     /* encode: borrowed; decode: owned */
	size_t nheads;
};

/* Appends the record's encoding (all but the name, which is its key). */
void peer_record_encode(const struct peer_record *p, struct buf *out);

/*
 * Reads a record named name (n bytes) from its encoding; out->heads is
 * new memory: release with peer_record_release().  ERR_CORRUPT if the
 * bytes are not a msgpack map (out is then empty).
 */
MUST_CHECK int peer_record_decode(const char *name, size_t n, const uint8_t *p,
				  size_t len, struct peer_record *out);
void peer_record_release(struct peer_record *p);

/* Writes p under p->name (lazily: see store_local_put_lazy). */
MUST_CHECK int node_peer_put(struct node *n, const struct peer_record *p,
			     struct diag *d);

/*
 * Calls fn for each record, in the order of their names; a record that
 * does not read is skipped.  The record is borrowed for the call.  A
 * non-zero return from fn stops the walk and is returned; the store's
 * errors.
 */
typedef int (*peer_record_fn)(const struct peer_record *p, void *ctx);
MUST_CHECK int node_peers_walk(struct node *n, peer_record_fn fn, void *ctx);

/*
 * Blocks (block 1) or unblocks a peer by name: a running daemon applies
 * it at once (told as of a commit), or at its slow look if that datagram
 * is lost.  The store's errors, with d set.
 */
MUST_CHECK int node_peer_block(struct node *n, const char *name, int block,
			       struct diag *d);

/*
 * Calls fn with the name (n bytes, not NUL-terminated) of each blocked
 * peer.  Returns as node_peers_walk().
 */
typedef int (*peer_name_fn)(const char *name, size_t n, void *ctx);
MUST_CHECK int node_peer_blocks_walk(struct node *n, peer_name_fn fn,
				     void *ctx);

#endif

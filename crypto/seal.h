/*
 * seal.h - event ids and signatures: the domain-separated hashing and
 * signing that turn event bytes into a signed envelope.
 *
 *   id        = BLAKE2b-256("gridcase/event-id/v1" || event bytes)
 *   signature = Ed25519(author, "gridcase/event-sig/v1" || id)
 *
 * The tags keep these hashes and signatures from being mistaken for any
 * other hash or signature the same keys make.
 */
#ifndef GRIDCASE_SEAL_H
#define GRIDCASE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

#define SEAL_ID_TAG "gridcase/event-id/v1"
#define SEAL_SIG_TAG "gridcase/event-sig/v1"

struct key;

/* The id of the event bytes. */
void seal_id(const uint8_t *event, size_t n, uint8_t id[EVENT_ID_BYTES]);

/* Signs the id with k. */
void seal_sign(const struct key *k, const uint8_t id[EVENT_ID_BYTES],
	       uint8_t sig[EVENT_SIG_BYTES]);

/*
 * Encodes ev (whose author must be k's public key), computes its id, signs
 * it and appends the envelope to out.  id (may be NULL) receives the id.
 * Errors are event_encode()'s.
 */
MUST_CHECK int seal_event(const struct key *k, const struct event *ev,
			  struct buf *out, uint8_t id[EVENT_ID_BYTES],
			  struct diag *d);

/*
 * The same, with the signature left as zeros: the envelope ends with its
 * EVENT_SIG_BYTES, for seal_sign() to fill in later (store/signer.h).
 */
MUST_CHECK int seal_event_unsigned(const struct key *k, const struct event *ev,
				   struct buf *out, uint8_t id[EVENT_ID_BYTES],
				   struct diag *d);

/*
 * Opens one envelope: decodes the event strictly, checks the network
 * (skipped when network is NULL), recomputes the id and verifies the
 * signature, in that order.  Errors: those of envelope_read() and
 * event_decode(), then ERR_NETWORK, ERR_BADID, ERR_BADSIG.  On success
 * *env and *ev borrow from [p, p+n); *used is the envelope's length.
 */
MUST_CHECK int seal_open(const uint8_t *p, size_t n, const char *network,
			 struct envelope *env, struct event *ev, size_t *used,
			 struct diag *d);

/* One envelope of a batch for seal_open_many(). */
struct seal_item {
	const uint8_t *p; /* the envelope (exactly its bytes) */
	size_t n;
	int rc;           /* out: seal_open()'s verdict (ERR_TRAILING if n is more) */
};

/*
 * seal_open() on every item, spread over `threads` threads (0: as many
 * as the machine has cores): signature checks are what bounds an import,
 * and they are independent.
 */
void seal_open_many(struct seal_item *items, size_t n, const char *network,
		    int threads);

#endif

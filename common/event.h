/*
 * event.h - the signed event format (docs/format.md is the reference).
 *
 * An event is a canonical msgpack array of 13 fixed positions:
 *
 *   0 version   uint     EVENT_VERSION
 *   1 network   str      1..64 bytes of [A-Za-z0-9._-]
 *   2 author    bin 32   Ed25519 public key
 *   3 seq       uint     1.. per author, no gaps
 *   4 prev      nil when seq = 1, else bin 32: id of the author's seq-1
 *   5 deps      array of bin 32, strictly ascending, at most 32
 *               (the case heads the author had seen)
 *   6 lamport   uint     exactly 1 + the highest lamport of prev and
 *                        every dep (1 when there are none)
 *   7 time      uint     author's clock, ms since 1970 UTC, never less
 *                        than prev's or any dep's time (a hybrid clock)
 *   8 case      str      1..64 bytes of [A-Za-z0-9._-]
 *   9 type      str      1..32 bytes of [a-z0-9._-]
 *  10 body      map      canonical (keys sorted), any content
 *  11 blobs     array of bin 32, strictly ascending, at most 16
 *  12 reserved  nil      (room for an extension without a new version)
 *
 * A signed event travels and is stored as an envelope, a 3-array
 * [bin event-bytes, bin 32 id, bin 64 signature].  The id is computed
 * from the bytes and the signature covers the id (crypto/seal.h); the
 * event bytes are kept verbatim and never re-encoded.
 *
 * The clock rules of fields 6 and 7 need the events an event depends on,
 * so the store checks them when it admits the event (store/admit.c);
 * this module is pure format: no hashing, no signing, no storage.
 */
#ifndef GRIDCASE_EVENT_H
#define GRIDCASE_EVENT_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define EVENT_VERSION 2
#define EVENT_FIELDS 13
#define EVENT_ID_BYTES 32
#define EVENT_KEY_BYTES 32
#define EVENT_SIG_BYTES 64
#define EVENT_MAX_BYTES 65536
#define EVENT_MAX_DEPS 32
#define EVENT_MAX_BLOBS 16
#define EVENT_NETWORK_MAX 64
#define EVENT_CASE_MAX 64
#define EVENT_TYPE_MAX 32
/* An envelope's overhead beyond the event bytes. */
#define ENVELOPE_OVERHEAD (1 + 5 + 2 + EVENT_ID_BYTES + 2 + EVENT_SIG_BYTES)
#define ENVELOPE_MAX_BYTES (EVENT_MAX_BYTES + ENVELOPE_OVERHEAD)

/*
 * A decoded event.  String and body pointers borrow from the bytes it was
 * decoded from (or, for encoding, from the caller); they live as long as
 * those bytes.  Strings are not NUL-terminated.
 */
struct event {
	uint64_t version;
	const char *network;
	size_t network_len;
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	int has_prev;
	uint8_t prev[EVENT_ID_BYTES];
	size_t ndeps;
	uint8_t deps[EVENT_MAX_DEPS][EVENT_ID_BYTES];
	uint64_t lamport;
	uint64_t time_ms;
	const char *case_id;
	size_t case_len;
	const char *type;
	size_t type_len;
	const uint8_t *body; /* canonical msgpack map */
	size_t body_len;
	size_t nblobs;
	uint8_t blobs[EVENT_MAX_BLOBS][EVENT_ID_BYTES];
};

/* A decoded envelope; event points into the envelope's bytes. */
struct envelope {
	const uint8_t *event;
	size_t event_len;
	uint8_t id[EVENT_ID_BYTES];
	uint8_t sig[EVENT_SIG_BYTES];
};

/*
 * Checks ev against every rule above and appends its encoding to out.
 * ERR_FORMAT names the offending field; out is unchanged on error.
 */
MUST_CHECK int event_encode(const struct event *ev, struct buf *out,
			    struct diag *d);

/*
 * Decodes exactly one event from [p, p+n).  Refuses anything event_encode
 * would not have produced byte for byte: ERR_TOOBIG, ERR_TRUNCATED,
 * ERR_MALFORMED, ERR_NONCANON, ERR_TRAILING, ERR_FORMAT (wrong shape or a
 * field out of its rules), ERR_VERSION.
 */
MUST_CHECK int event_decode(const uint8_t *p, size_t n, struct event *ev,
			    struct diag *d);

/*
 * event_decode for bytes that event_decode accepted before (a stored
 * event, or one a check thread decoded): the same fields, without
 * event_decode's first pass over the whole value (mp_check), which
 * looks for non-canonical forms and bad UTF-8 anywhere.  Never for bytes
 * from outside: what it accepts is not checked to be canonical.
 */
MUST_CHECK int event_decode_known(const uint8_t *p, size_t n,
				  struct event *ev);

/*
 * The lamport and time of an event event_decode accepted before, read
 * without decoding the fields after them (the clock rules need no more
 * of a dependency).  ERR_FORMAT if the bytes do not have that shape.
 */
MUST_CHECK int event_clocks_known(const uint8_t *p, size_t n,
				  uint64_t *lamport, uint64_t *time_ms);

/* Appends the envelope [event, id, sig] to out. */
void envelope_encode(const uint8_t *event, size_t event_len,
		     const uint8_t id[EVENT_ID_BYTES],
		     const uint8_t sig[EVENT_SIG_BYTES], struct buf *out);

/*
 * Reads one envelope from the front of [p, p+n) and sets *used to its
 * length, so that a stream of envelopes can be walked.  Errors as for
 * event_decode (ERR_TOOBIG when the event is over EVENT_MAX_BYTES).
 * The event bytes are not decoded here.
 */
MUST_CHECK int envelope_read(const uint8_t *p, size_t n,
			     struct envelope *env, size_t *used,
			     struct diag *d);

/* 1 if s (length n) is a valid case id / event type / network name. */
int event_case_is_valid(const char *s, size_t n);
int event_type_is_valid(const char *s, size_t n);
int event_network_is_valid(const char *s, size_t n);

#endif

/*
 * wire.h - the messages inside a sealed session (docs/protocol.md §3).
 *
 * Each is a canonical msgpack array whose first element is its type; the
 * outer framing (HELLO, WELCOME, REFUSE, SEALED) is crypto/session.h's.
 * Types are numbered in ranges: 0x0_ handshake, 0x1_ framing, 0x2_ sync.
 * Decoders check shapes and limits and answer ERR_PROTO, never assert.
 */
#ifndef GRIDCASE_WIRE_H
#define GRIDCASE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "common/mp.h"
#include "crypto/hash.h"

enum wire_type {
	W_SUMMARY_REQ = 0x20,
	W_SUMMARY = 0x21,
	W_FETCH = 0x22,
	W_EVENTS = 0x23,
	W_GET = 0x24,
	W_PUSH = 0x25,
	W_HINT = 0x26,
	W_ACK = 0x27,
	W_BLOB_REQ = 0x28,
	W_BLOB = 0x29,
	W_HELD = 0x2a,
	W_ERROR = 0x2f,
};

#define WIRE_MAX_MESSAGE ((size_t)4 << 20)
/*
 * The largest request: what a node's server accepts from anyone (nng
 * drops a longer message at its length, before allocating it).  The
 * largest request is a GET of WIRE_MAX_GET ids (about 9 KiB sealed); the
 * big messages are answers, received on the client's sockets.
 */
#define WIRE_MAX_REQUEST ((size_t)16 << 10)
#define WIRE_MAX_EVENTS 1000
#define WIRE_MAX_BYTES ((size_t)1 << 20)
#define WIRE_MAX_GET 256
#define WIRE_MAX_RANGES 64
#define WIRE_BLOB_CHUNK ((size_t)256 << 10)

struct wire_range {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t from, to;
};

struct wire_head {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	uint8_t id[EVENT_ID_BYTES];
};

struct wire_fork {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	size_t nids;
	uint8_t ids[8][EVENT_ID_BYTES];
};

/* A decoded SUMMARY (arrays owned; free with wire_summary_release()). */
struct wire_summary {
	struct wire_head *heads;
	size_t nheads;
	struct wire_fork *forks;
	size_t nforks;
};

/* The inner type of a plaintext, or ERR_PROTO. */
MUST_CHECK int wire_type(const uint8_t *p, size_t n);

void wire_summary_req(struct buf *out);
MUST_CHECK int wire_summary_req_decode(const uint8_t *p, size_t n);
/* SUMMARY is built in parts: the heads, then the forks. */
void wire_summary_begin(struct buf *out, uint32_t nheads);
void wire_summary_head(struct buf *out, const struct wire_head *h);
void wire_summary_forks(struct buf *out, uint32_t nforks);
void wire_summary_fork(struct buf *out, const struct wire_fork *f);
MUST_CHECK int wire_summary_decode(const uint8_t *p, size_t n,
				   struct wire_summary *s);
void wire_summary_release(struct wire_summary *s);

void wire_fetch(struct buf *out, const struct wire_range *r, size_t n,
		uint32_t max_events, uint32_t max_bytes);
/* Writes at most WIRE_MAX_RANGES ranges into r. */
MUST_CHECK int wire_fetch_decode(const uint8_t *p, size_t n,
				 struct wire_range *r, size_t *nr,
				 uint32_t *max_events, uint32_t *max_bytes);

/* EVENTS: the header with the count, then each envelope as a bin. */
void wire_events_begin(struct buf *out, uint32_t n);
void wire_events_add(struct buf *out, const uint8_t *env, size_t n);
/*
 * Or, when the count is known only at the end: start (returns where the
 * count goes), add each envelope, then finish with their number, which
 * writes the same bytes as wire_events_begin(out, n) would have.
 */
size_t wire_events_start(struct buf *out);
void wire_events_finish(struct buf *out, size_t at, uint32_t n);
/* A reader positioned on the first envelope; *count their number. */
MUST_CHECK int wire_events_open(const uint8_t *p, size_t n,
				struct mp_reader *r, uint32_t *count);

void wire_get(struct buf *out, const uint8_t (*ids)[EVENT_ID_BYTES], size_t n);
MUST_CHECK int wire_get_decode(const uint8_t *p, size_t n,
			       uint8_t (*ids)[EVENT_ID_BYTES], size_t *count);

/*
 * PUSH: the heads of the feeds that advanced since the sender's last
 * PUSH or HINT to this peer, and the first new events themselves when
 * they are few and small (docs/protocol.md §3, §4 "Hints").  The limits
 * keep the largest PUSH, sealed, under WIRE_MAX_REQUEST.
 */
#define WIRE_PUSH_HEADS 16
#define WIRE_PUSH_EVENTS 4
#define WIRE_PUSH_EVENT_BYTES 3072

/* A decoded PUSH; the envelopes point into the message decoded. */
struct wire_push {
	struct wire_head heads[WIRE_PUSH_HEADS];
	size_t nheads;
	const uint8_t *env[WIRE_PUSH_EVENTS];
	size_t len[WIRE_PUSH_EVENTS];
	size_t nenv;
};

/* nh in 1..WIRE_PUSH_HEADS, ne up to WIRE_PUSH_EVENTS envelopes of at most
 * WIRE_PUSH_EVENT_BYTES each (the caller keeps to them). */
void wire_push(struct buf *out, const struct wire_head *h, size_t nh,
	       const uint8_t *const *env, const size_t *len, size_t ne);
MUST_CHECK int wire_push_decode(const uint8_t *p, size_t n,
				struct wire_push *w);

void wire_hint(struct buf *out, const struct wire_head *h);
MUST_CHECK int wire_hint_decode(const uint8_t *p, size_t n,
				struct wire_head *h);
void wire_ack(struct buf *out);
MUST_CHECK int wire_ack_decode(const uint8_t *p, size_t n);
/* The answer to a PUSH: bit i of held set when the PUSH's head i was held
 * here before the PUSH came (below 1 << WIRE_PUSH_HEADS). */
void wire_held(struct buf *out, uint32_t held);
MUST_CHECK int wire_held_decode(const uint8_t *p, size_t n, uint32_t *held);

void wire_blob_req(struct buf *out, const uint8_t hash[HASH_BYTES],
		   uint64_t offset, uint32_t max);
MUST_CHECK int wire_blob_req_decode(const uint8_t *p, size_t n,
				    uint8_t hash[HASH_BYTES], uint64_t *offset,
				    uint32_t *max);
void wire_blob(struct buf *out, uint64_t total, uint64_t offset,
	       const uint8_t *bytes, size_t n);
/* *bytes points into p. */
MUST_CHECK int wire_blob_decode(const uint8_t *p, size_t n, uint64_t *total,
				uint64_t *offset, const uint8_t **bytes,
				size_t *len);

void wire_error(struct buf *out, int code, const char *text);
/* code_name and text point into p (not NUL-terminated). */
MUST_CHECK int wire_error_decode(const uint8_t *p, size_t n, int *code,
				 char *text, size_t tn);

#endif

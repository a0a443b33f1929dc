/*
 * session.h - authenticated, encrypted sessions between nodes
 * (docs/protocol.md §2-3), protocol version 2.
 *
 * A handshake of two round trips.  The client's first HELLO names its
 * key, an ephemeral X25519 key and a nonce, unsigned; the server answers
 * with a CHALLENGE: a cookie, a keyed hash of those fields and an expiry
 * under a secret only the server holds.  The client sends the HELLO again
 * with the cookie, signed; the server checks the cookie (a hash, no
 * signature: so a replayed or forged HELLO costs almost nothing), takes it
 * so that it opens one session at most, and only then checks the
 * signature and answers with a WELCOME: its own ephemeral key, signed
 * with the transcript.  Both sides derive one key per direction.  Then
 * every message is a SEALED array encrypted with XChaCha20-Poly1305 under
 * a counter: the server refuses a counter it has seen (a 64-wide window),
 * and a reply carries its request's counter.
 *
 * Deciding whether a key may connect (the roster) is the caller's job:
 * this module only proves who holds which key.  Session keys and the
 * cookie secret live in sodium_malloc memory and are wiped when freed.
 */
#ifndef GRIDCASE_SESSION_H
#define GRIDCASE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "crypto/key.h"

#define SESSION_VERSION 2
#define SESSION_ID_BYTES 16
/* A cookie: its expiry (8 bytes, the server's clock) and a 32-byte MAC. */
#define SESSION_COOKIE_BYTES 40

enum session_msg {
	MSG_HELLO = 0x01,
	MSG_WELCOME = 0x02,
	MSG_REFUSE = 0x03,
	MSG_CHALLENGE = 0x04,
	MSG_SEALED = 0x10,
};

struct key;
struct session;
struct handshake;
struct session_cookies;

/* What a HELLO says (nothing of it checked but its form). */
struct hello {
	char network[65];
	uint8_t client[KEY_PUBLIC_BYTES];
	uint8_t server[KEY_PUBLIC_BYTES]; /* the server the client means to reach */
	int has_cookie;     /* the second HELLO: a cookie and a signature */
};

/*
 * The type of a message of this version (MSG_*), or ERR_PROTO if it has
 * no valid head or another version.
 */
MUST_CHECK int session_msg_type(const uint8_t *p, size_t n);

/*
 * The protocol version a message declares (its first element), whatever
 * it is, so that a peer of another version can be named; ERR_PROTO if the
 * message has no such head.
 */
MUST_CHECK int session_msg_version(const uint8_t *p, size_t n);

/*
 * Client: starts a handshake with the server whose key is server_key;
 * appends the first HELLO (no cookie, unsigned) to out.  Free *hs with
 * handshake_free().
 */
void session_hello(const struct key *me, const char *network,
		   const uint8_t server_key[KEY_PUBLIC_BYTES],
		   struct handshake **hs, struct buf *out);
void handshake_free(struct handshake *hs);

/*
 * Client: reads the server's CHALLENGE and appends to out the HELLO again,
 * with its cookie, signed by me (the key session_hello() was given).
 * ERR_PROTO if p is not a CHALLENGE.
 */
MUST_CHECK int session_hello_answer(struct handshake *hs,
				    const struct key *me, const uint8_t *p,
				    size_t n, struct buf *out,
				    struct diag *d);

/*
 * Client: checks the WELCOME (from the expected server, signed over the
 * transcript) and makes the session.  ERR_BADSIG, ERR_PROTO.
 */
MUST_CHECK int session_client_finish(struct handshake *hs, const uint8_t *p,
				     size_t n, struct session **out,
				     struct diag *d);

/*
 * Server: reads a HELLO's fields.  Checks its form only: no cookie, no
 * signature (it costs a parse).  ERR_PROTO.
 */
MUST_CHECK int session_read_hello(const uint8_t *p, size_t n,
				  struct hello *h, struct diag *d);

/*
 * Server: the cookies it hands out and the ones it has taken back.  A
 * cookie lives lifetime_ms; at most `remember` of them (rounded up) can be
 * taken and alive at once.  Free with session_cookies_free().
 */
struct session_cookies *session_cookies_new(uint32_t lifetime_ms,
					    size_t remember);
void session_cookies_free(struct session_cookies *c);

/*
 * Server: appends to out a CHALLENGE for a HELLO without a cookie: a
 * cookie bound to the HELLO's fields, valid from now_ms (a monotonic
 * clock in ms) for the cookies' lifetime.  Costs one keyed hash.
 * ERR_PROTO if hello is not a HELLO.
 */
MUST_CHECK int session_challenge(struct session_cookies *c, uint64_t now_ms,
				 const uint8_t *hello, size_t n,
				 struct buf *out);

/*
 * Server: checks the cookie of a second HELLO and takes it, so that it
 * serves once: 0 if this server made it, for these fields, and it has not
 * expired nor been taken.  One keyed hash, no signature: call it before
 * session_welcome().  ERR_PROTO (no cookie), ERR_BADSIG (made by another
 * server, or for other fields), ERR_TIMEOUT (expired), ERR_EXISTS (taken
 * already: a replay), ERR_BUSY (as many live cookies taken as remembered:
 * this one is refused rather than an older one forgotten).
 */
MUST_CHECK int session_cookie_take(struct session_cookies *c, uint64_t now_ms,
				   const uint8_t *hello, size_t n,
				   struct diag *d);

/*
 * Server: checks the signature of a second HELLO (whose cookie
 * session_cookie_take() accepted), answers with a WELCOME appended to
 * welcome, and makes the session.  ERR_PROTO, ERR_BADSIG.
 */
MUST_CHECK int session_welcome(const struct key *me, const uint8_t *hello,
			       size_t n, struct session **out,
			       struct buf *welcome, struct diag *d);

/* A REFUSE message: reason is an err_name, text for people. */
void session_refuse(const char *reason, const char *text, struct buf *out);

/*
 * Server: a REFUSE for a client that speaks protocol version `theirs`,
 * written in that version's framing (a REFUSE has kept its shape), with
 * reason ERR_VERSION and a text that names both versions and which side
 * to upgrade.
 */
void session_refuse_version(uint64_t theirs, struct buf *out);
/*
 * Reads a REFUSE of any version (its shape has not changed), copying its
 * reason and text.  ERR_PROTO if it is not one.
 */
MUST_CHECK int session_read_refuse(const uint8_t *p, size_t n,
				   char *reason, size_t rn, char *text,
				   size_t tn);

/* The session id and counter of a SEALED message (to find the session). */
MUST_CHECK int session_sealed_head(const uint8_t *p, size_t n,
				   uint8_t sid[SESSION_ID_BYTES],
				   uint64_t *counter);

/* Client: the counter for its next request. */
uint64_t session_next_counter(struct session *s);

/*
 * Appends a SEALED message carrying plaintext under counter.  A client
 * seals requests, a server replies (with the request's counter).  pt
 * must not lie in out (out may move as it grows).
 */
void session_seal(struct session *s, uint64_t counter, const uint8_t *pt,
		  size_t n, struct buf *out);

/*
 * Opens a SEALED message from the other side into pt, writing its
 * counter.  A server refuses a counter already seen (ERR_PROTO, "replay");
 * any change to the message is ERR_BADSIG.
 */
MUST_CHECK int session_open(struct session *s, const uint8_t *p, size_t n,
			    uint64_t *counter, struct buf *pt,
			    struct diag *d);

const uint8_t *session_id(const struct session *s);
/* The other side's Ed25519 key. */
const uint8_t *session_peer(const struct session *s);
void session_free(struct session *s);

#endif

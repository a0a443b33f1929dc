/*
 * session.h - authenticated, encrypted sessions between nodes
 * (docs/protocol.md §2-3).
 *
 * A handshake of two messages: the client's HELLO and the server's
 * WELCOME carry ephemeral X25519 keys signed, with the transcript, by the
 * two nodes' Ed25519 keys; both sides derive one key per direction.  Then
 * every message is a SEALED array encrypted with XChaCha20-Poly1305 under a
 * counter: the server refuses a counter it has seen (a 64-wide window),
 * and a reply carries its request's counter.
 *
 * Deciding whether a key may connect (the roster) is the caller's job:
 * this module only proves who holds which key.  Session keys live in
 * sodium_malloc memory and are wiped when freed.
 */
#ifndef GRIDCASE_SESSION_H
#define GRIDCASE_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define SESSION_VERSION 1
#define SESSION_ID_BYTES 16

enum session_msg {
	MSG_HELLO = 0x01,
	MSG_WELCOME = 0x02,
	MSG_REFUSE = 0x03,
	MSG_SEALED = 0x10,
};

struct key;
struct session;
struct handshake;

/* What a HELLO says (its signature checked). */
struct hello {
	char network[65];
	uint8_t client[32];
	uint8_t server[32]; /* the server the client means to reach */
};

/* The type of a message (MSG_*), or ERR_PROTO if it has no valid head. */
MUST_CHECK int session_msg_type(const uint8_t *p, size_t n);

/*
 * Client: starts a handshake with the server whose key is server_key;
 * appends the HELLO to out.  Free *hs with handshake_free().
 */
void session_hello(const struct key *me, const char *network,
		   const uint8_t server_key[32], struct handshake **hs,
		   struct buf *out);
void handshake_free(struct handshake *hs);

/*
 * Client: checks the WELCOME (from the expected server, signed over the
 * transcript) and makes the session.  ERR_BADSIG, ERR_PROTO.
 */
MUST_CHECK int session_client_finish(struct handshake *hs, const uint8_t *p,
				     size_t n, struct session **out,
				     struct diag *d);

/* Server: reads a HELLO and checks its signature.  ERR_PROTO, ERR_BADSIG. */
MUST_CHECK int session_read_hello(const uint8_t *p, size_t n,
				  struct hello *h, struct diag *d);

/*
 * Server: answers a HELLO (already read and accepted by the caller) with a
 * WELCOME appended to out, and makes the session.
 */
MUST_CHECK int session_welcome(const struct key *me, const uint8_t *hello,
			       size_t n, struct session **out,
			       struct buf *welcome, struct diag *d);

/* A REFUSE message: reason is an err_name, text for people. */
void session_refuse(const char *reason, const char *text, struct buf *out);
/* Reads a REFUSE; pointers into p.  ERR_PROTO if it is not one. */
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
 * seals requests, a server replies (with the request's counter).
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

/* session.c - the handshake and sealed messages of docs/protocol.md (version 2). */
#include "crypto/session.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "common/banned.h"

#define HELLO_TAG "gridcase/hello/v2"
#define WELCOME_TAG "gridcase/welcome/v2"
#define SESSION_TAG "gridcase/session/v2"
#define COOKIE_TAG "gridcase/cookie/v2"

/*
 * The sizes of the handshake's fields (docs/protocol.md §5), 32 bytes
 * each, named so that each use says which: node keys are KEY_PUBLIC_BYTES,
 * hashes HASH_BYTES.
 */
#define NONCE_BYTES 32
#define MAC_BYTES HASH_BYTES /* a cookie's keyed hash */
#define EPH_BYTES crypto_kx_PUBLICKEYBYTES
#define SKEY_BYTES crypto_kx_SESSIONKEYBYTES     /* one direction's key */
#define SECRET_BYTES crypto_generichash_KEYBYTES /* the cookies' key */

/* A taken cookie is remembered in buckets of this many (by its MAC). */
#define TAKEN_WAYS 4

struct handshake {
	uint8_t eph_pk[crypto_kx_PUBLICKEYBYTES];
	uint8_t eph_sk[crypto_kx_SECRETKEYBYTES];
	uint8_t nonce[NONCE_BYTES];
	uint8_t client[KEY_PUBLIC_BYTES];
	uint8_t server[KEY_PUBLIC_BYTES];
	char network[65];
	uint8_t h_hash
		[HASH_BYTES]; /* BLAKE2b of the signed HELLO without its signature */
};

struct session {
	uint8_t id[SESSION_ID_BYTES];
	uint8_t peer[KEY_PUBLIC_BYTES];
	uint8_t tx[SKEY_BYTES], rx[SKEY_BYTES];
	int is_server;
	uint64_t next_counter;   /* client */
	uint64_t highest;        /* server: replay window */
	uint64_t window;
};

struct taken {
	uint8_t mac[MAC_BYTES];
	uint64_t expiry; /* 0: free */
};

struct session_cookies {
	uint8_t *secret; /* SECRET_BYTES of sodium_malloc memory */
	uint32_t lifetime_ms;
	size_t nbuckets; /* a power of two */
	struct taken *taken;
};

static void *
secure_alloc(size_t n)
{
	hash_lib_init();
	void *p = sodium_malloc(n);
	if (!p) {
		fprintf(stderr, "fatal: sodium_malloc failed\n");
		abort();
	}
	memset(p, 0, n);
	return p;
}

int
session_msg_version(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t version;
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count < 2 ||
	    mp_get_uint(&r, &version) || version > 0x7fffffff)
		return ERR_PROTO;
	return (int)version;
}

int
session_msg_type(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t version, type;
	mp_reader_init(&r, p, n, NULL);
	/* Types are one byte: a wider one cast to int could pass for
	 * another type, or for an error code. */
	if (mp_get_array(&r, &count) || count < 2 ||
	    mp_get_uint(&r, &version) || version != SESSION_VERSION ||
	    mp_get_uint(&r, &type) || type > 0xff)
		return ERR_PROTO;
	return (int)type;
}

/* ---- HELLO ---- */

/*
 * The HELLO's fields as an array of 7 (the part its cookie is bound to),
 * or, with a cookie (cookie_len 0 or SESSION_COOKIE_BYTES), as the array
 * of 8 its signature covers.
 */
static void
hello_body(const char *network, const uint8_t *client, const uint8_t *eph,
	   const uint8_t *nonce, const uint8_t *server, const uint8_t *cookie,
	   size_t cookie_len, int with_cookie, struct buf *out)
{
	mp_put_array(out, with_cookie ? 8 : 7);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_HELLO);
	mp_put_cstr(out, network);
	mp_put_bin(out, client, KEY_PUBLIC_BYTES);
	mp_put_bin(out, eph, EPH_BYTES);
	mp_put_bin(out, nonce, NONCE_BYTES);
	mp_put_bin(out, server, KEY_PUBLIC_BYTES);
	if (with_cookie)
		mp_put_bin(out, cookie, cookie_len);
}

static void
tagged_hash(const char *tag, const uint8_t *a, const uint8_t *b,
	    uint8_t out[64], size_t *n)
{
	size_t t = strlen(tag);
	memcpy(out, tag, t);
	memcpy(out + t, a, HASH_BYTES);
	*n = t + HASH_BYTES;
	if (b) {
		memcpy(out + t + HASH_BYTES, b, HASH_BYTES);
		*n += HASH_BYTES;
	}
}

void
session_hello(const struct key *me, const char *network,
	      const uint8_t server_key[KEY_PUBLIC_BYTES],
	      struct handshake **out, struct buf *msg)
{
	struct handshake *hs = secure_alloc(sizeof(*hs));
	struct buf body = BUF_INIT;

	crypto_kx_keypair(hs->eph_pk, hs->eph_sk);
	randombytes_buf(hs->nonce, sizeof(hs->nonce));
	memcpy(hs->server, server_key, KEY_PUBLIC_BYTES);
	memcpy(hs->client, key_public(me), KEY_PUBLIC_BYTES);
	snprintf(hs->network, sizeof(hs->network), "%s", network);
	/* The first HELLO: the same array of 9 as the second, its cookie
	 * and signature empty. */
	static const uint8_t none[1] = { 0 };
	hello_body(network, hs->client, hs->eph_pk, hs->nonce, server_key, none,
		   0, 1, &body);
	body.data[0] = 0x99; /* fixarray 9 */
	mp_put_bin(&body, none, 0);
	buf_add(msg, body.data, body.len);
	buf_release(&body);
	*out = hs;
}

void
handshake_free(struct handshake *hs)
{
	if (hs)
		sodium_free(hs);
}

/* Reads n fixed-size bins in a row. */
static int
get_bins(struct mp_reader *r, uint8_t *out[], const size_t *len, int n)
{
	for (int i = 0; i < n; i++) {
		const uint8_t *p;
		size_t l;
		if (mp_get_bin(r, &p, &l) || l != len[i])
			return -1;
		memcpy(out[i], p, l);
	}
	return 0;
}

/* A HELLO, its parts pointing into the message. */
struct hello_parts {
	struct hello h;
	uint8_t eph[EPH_BYTES], nonce[NONCE_BYTES];
	const uint8_t *cookie, *sig; /* NULL when empty */
};

static int
parse_hello(const uint8_t *p, size_t n, struct hello_parts *hp,
	    struct diag *d)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, type;
	const char *net;
	const uint8_t *cookie, *sig;
	size_t nn, cn, sn;
	memset(hp, 0, sizeof(*hp));
	if (mp_check(p, n, NULL))
		return diag_set(d, ERR_PROTO, "HELLO is not canonical msgpack");
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count != 9 || mp_get_uint(&r, &v) ||
	    v != SESSION_VERSION || mp_get_uint(&r, &type) || type != MSG_HELLO ||
	    mp_get_str(&r, &net, &nn) || nn == 0 || nn > 64)
		return diag_set(d, ERR_PROTO, "not a HELLO of protocol version %d",
				SESSION_VERSION);
	memcpy(hp->h.network, net, nn);
	hp->h.network[nn] = '\0';
	uint8_t *outs[] = { hp->h.client, hp->eph, hp->nonce, hp->h.server };
	const size_t lens[] = { KEY_PUBLIC_BYTES, EPH_BYTES, NONCE_BYTES,
				KEY_PUBLIC_BYTES };
	if (get_bins(&r, outs, lens, 4) || mp_get_bin(&r, &cookie, &cn) ||
	    mp_get_bin(&r, &sig, &sn))
		return diag_set(d, ERR_PROTO, "HELLO has a field of the wrong size");
	/* Both empty (asking for a cookie), or both there. */
	if (!((cn == 0 && sn == 0) ||
	      (cn == SESSION_COOKIE_BYTES && sn == KEY_SIG_BYTES)))
		return diag_set(d, ERR_PROTO,
				"HELLO has a cookie without a signature, or the wrong size of one");
	hp->cookie = cn ? cookie : NULL;
	hp->sig = sn ? sig : NULL;
	hp->h.has_cookie = cn != 0;
	return 0;
}

int
session_read_hello(const uint8_t *p, size_t n, struct hello *h,
		   struct diag *d)
{
	struct hello_parts hp;
	int rc = parse_hello(p, n, &hp, d);
	if (rc == 0)
		*h = hp.h;
	return rc;
}

/* ---- cookies ---- */

struct session_cookies *
session_cookies_new(uint32_t lifetime_ms, size_t remember)
{
	struct session_cookies *c = xcalloc(1, sizeof(*c));
	c->secret = secure_alloc(SECRET_BYTES);
	randombytes_buf(c->secret, SECRET_BYTES);
	c->lifetime_ms = lifetime_ms ? lifetime_ms : 1;
	c->nbuckets = 1;
	while (c->nbuckets * TAKEN_WAYS < remember)
		c->nbuckets *= 2;
	c->taken = xcalloc(c->nbuckets * TAKEN_WAYS, sizeof(*c->taken));
	return c;
}

void
session_cookies_free(struct session_cookies *c)
{
	if (!c)
		return;
	sodium_free(c->secret);
	free(c->taken);
	free(c);
}

/* The MAC of a cookie: the secret over the tag, the expiry and the hash
 * of the HELLO's fields. */
static void
cookie_mac(const struct session_cookies *c, const uint8_t expiry[8],
	   const struct hello_parts *hp, uint8_t out[MAC_BYTES])
{
	struct buf body = BUF_INIT;
	uint8_t hh[HASH_BYTES];
	crypto_generichash_state st;
	hello_body(hp->h.network, hp->h.client, hp->eph, hp->nonce, hp->h.server,
		   NULL, 0, 0, &body);
	hash_bytes(body.data, body.len, hh);
	buf_release(&body);
	crypto_generichash_init(&st, c->secret, SECRET_BYTES, MAC_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)COOKIE_TAG,
				  strlen(COOKIE_TAG));
	crypto_generichash_update(&st, expiry, 8);
	crypto_generichash_update(&st, hh, HASH_BYTES);
	crypto_generichash_final(&st, out, MAC_BYTES);
	sodium_memzero(&st, sizeof(st));
}

int
session_challenge(struct session_cookies *c, uint64_t now_ms,
		  const uint8_t *hello, size_t n, struct buf *out)
{
	struct hello_parts hp;
	uint8_t cookie[SESSION_COOKIE_BYTES];
	uint64_t expiry = now_ms + c->lifetime_ms;
	int rc = parse_hello(hello, n, &hp, NULL);
	if (rc)
		return rc;
	for (int i = 0; i < 8; i++)
		cookie[i] = (uint8_t)(expiry >> (56 - 8 * i));
	cookie_mac(c, cookie, &hp, cookie + 8);
	mp_put_array(out, 3);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_CHALLENGE);
	mp_put_bin(out, cookie, sizeof(cookie));
	return 0;
}

int
session_cookie_take(struct session_cookies *c, uint64_t now_ms,
		    const uint8_t *hello, size_t n, struct diag *d)
{
	struct hello_parts hp;
	uint8_t mac[MAC_BYTES];
	uint64_t expiry = 0;
	int rc = parse_hello(hello, n, &hp, d);
	if (rc)
		return rc;
	if (!hp.cookie)
		return diag_set(d, ERR_PROTO, "HELLO has no cookie");
	cookie_mac(c, hp.cookie, &hp, mac);
	if (sodium_memcmp(mac, hp.cookie + 8, MAC_BYTES) != 0)
		return diag_set(d, ERR_BADSIG,
				"HELLO's cookie was not made here for this HELLO");
	for (int i = 0; i < 8; i++)
		expiry = expiry << 8 | hp.cookie[i];
	if (expiry <= now_ms)
		return diag_set(d, ERR_TIMEOUT, "HELLO's cookie has expired");
	/* Only this server's cookies get here, so their MACs are spread
	 * evenly over the buckets whatever a client does. */
	size_t b = ((size_t)mac[0] | (size_t)mac[1] << 8 | (size_t)mac[2] << 16) &
		   (c->nbuckets - 1);
	struct taken *t = &c->taken[b * TAKEN_WAYS], *room = NULL;
	for (int i = 0; i < TAKEN_WAYS; i++) {
		if (t[i].expiry > now_ms &&
		    memcmp(t[i].mac, mac, MAC_BYTES) == 0)
			return diag_set(d, ERR_EXISTS,
					"a replayed HELLO (its cookie was used)");
		if (!room && t[i].expiry <= now_ms)
			room = &t[i];
	}
	if (!room)
		return diag_set(d, ERR_BUSY,
				"too many handshakes at once: try again");
	memcpy(room->mac, mac, MAC_BYTES);
	room->expiry = expiry;
	return 0;
}

/* ---- the second HELLO ---- */

int
session_hello_answer(struct handshake *hs, const struct key *me,
		     const uint8_t *p, size_t n, struct buf *out,
		     struct diag *d)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, type;
	const uint8_t *cookie;
	size_t cn, sn;
	uint8_t sig[KEY_SIG_BYTES], signed_msg[96];
	struct buf body = BUF_INIT;

	if (mp_check(p, n, NULL))
		return diag_set(d, ERR_PROTO, "CHALLENGE is not canonical msgpack");
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count != 3 || mp_get_uint(&r, &v) ||
	    v != SESSION_VERSION || mp_get_uint(&r, &type) ||
	    type != MSG_CHALLENGE || mp_get_bin(&r, &cookie, &cn) ||
	    cn != SESSION_COOKIE_BYTES)
		return diag_set(d, ERR_PROTO, "not a CHALLENGE of protocol version %d",
				SESSION_VERSION);
	hello_body(hs->network, hs->client, hs->eph_pk, hs->nonce, hs->server,
		   cookie, cn, 1, &body);
	hash_bytes(body.data, body.len, hs->h_hash);
	tagged_hash(HELLO_TAG, hs->h_hash, NULL, signed_msg, &sn);
	key_sign(me, signed_msg, sn, sig);
	body.data[0] = 0x99; /* fixarray 9: with the signature */
	mp_put_bin(&body, sig, sizeof(sig));
	buf_add(out, body.data, body.len);
	buf_release(&body);
	return 0;
}

/* ---- WELCOME ---- */

static void
welcome_body(const uint8_t *server, const uint8_t *eph, const uint8_t *nonce,
	     const uint8_t *sid, struct buf *out)
{
	mp_put_array(out, 6);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_WELCOME);
	mp_put_bin(out, server, KEY_PUBLIC_BYTES);
	mp_put_bin(out, eph, EPH_BYTES);
	mp_put_bin(out, nonce, NONCE_BYTES);
	mp_put_bin(out, sid, SESSION_ID_BYTES);
}

/* One direction's key from a kx key and the transcript. */
static void
direction_key(const uint8_t kx[SKEY_BYTES], const uint8_t hh[HASH_BYTES],
	      const uint8_t wh[HASH_BYTES], uint8_t out[SKEY_BYTES])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, kx, SKEY_BYTES, SKEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)SESSION_TAG,
				  strlen(SESSION_TAG));
	crypto_generichash_update(&st, hh, HASH_BYTES);
	crypto_generichash_update(&st, wh, HASH_BYTES);
	crypto_generichash_final(&st, out, SKEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}

int
session_welcome(const struct key *me, const uint8_t *hello, size_t n,
		struct session **out, struct buf *welcome, struct diag *d)
{
	struct hello_parts hp;
	uint8_t eph_pk[EPH_BYTES], nonce[NONCE_BYTES], sig[KEY_SIG_BYTES],
		hh[HASH_BYTES], wh[HASH_BYTES], msg[128];
	uint8_t rx[SKEY_BYTES], tx[SKEY_BYTES];
	struct buf body = BUF_INIT;
	size_t sn;
	int rc;

	if ((rc = parse_hello(hello, n, &hp, d)))
		return rc;
	if (!hp.cookie)
		return diag_set(d, ERR_PROTO, "HELLO has no cookie");
	hello_body(hp.h.network, hp.h.client, hp.eph, hp.nonce, hp.h.server,
		   hp.cookie, SESSION_COOKIE_BYTES, 1, &body);
	hash_bytes(body.data, body.len, hh);
	buf_reset(&body);
	tagged_hash(HELLO_TAG, hh, NULL, msg, &sn);
	if (!key_verify(hp.h.client, msg, sn, hp.sig)) {
		buf_release(&body);
		return diag_set(d, ERR_BADSIG, "HELLO signature does not verify");
	}
	struct session *s = secure_alloc(sizeof(*s));
	uint8_t *eph_sk = secure_alloc(crypto_kx_SECRETKEYBYTES);
	crypto_kx_keypair(eph_pk, eph_sk);
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(s->id, sizeof(s->id));
	if (crypto_kx_server_session_keys(rx, tx, eph_pk, eph_sk, hp.eph) != 0) {
		sodium_free(eph_sk);
		session_free(s);
		buf_release(&body);
		return diag_set(d, ERR_PROTO, "the client's ephemeral key is unusable");
	}
	sodium_free(eph_sk);
	welcome_body(key_public(me), eph_pk, nonce, s->id, &body);
	hash_bytes(body.data, body.len, wh);
	tagged_hash(WELCOME_TAG, hh, wh, msg, &sn);
	key_sign(me, msg, sn, sig);
	body.data[0] = 0x97; /* fixarray 7: with the signature */
	mp_put_bin(&body, sig, sizeof(sig));
	buf_add(welcome, body.data, body.len);
	buf_release(&body);
	direction_key(rx, hh, wh, s->rx);
	direction_key(tx, hh, wh, s->tx);
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	memcpy(s->peer, hp.h.client, KEY_PUBLIC_BYTES);
	s->is_server = 1;
	*out = s;
	return 0;
}

int
session_client_finish(struct handshake *hs, const uint8_t *p, size_t n,
		      struct session **out, struct diag *d)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, type;
	uint8_t server[KEY_PUBLIC_BYTES], eph[EPH_BYTES], nonce[NONCE_BYTES],
		sid[SESSION_ID_BYTES], sig[KEY_SIG_BYTES];
	uint8_t wh[HASH_BYTES], msg[128], rx[SKEY_BYTES], tx[SKEY_BYTES];
	struct buf body = BUF_INIT;
	size_t sn;

	if (mp_check(p, n, NULL))
		return diag_set(d, ERR_PROTO, "WELCOME is not canonical msgpack");
	mp_reader_init(&r, p, n, NULL);
	uint8_t *outs[] = { server, eph, nonce, sid, sig };
	const size_t lens[] = { KEY_PUBLIC_BYTES, EPH_BYTES, NONCE_BYTES,
				SESSION_ID_BYTES, KEY_SIG_BYTES };
	if (mp_get_array(&r, &count) || count != 7 || mp_get_uint(&r, &v) ||
	    v != SESSION_VERSION || mp_get_uint(&r, &type) ||
	    type != MSG_WELCOME || get_bins(&r, outs, lens, 5))
		return diag_set(d, ERR_PROTO, "not a WELCOME of protocol version %d",
				SESSION_VERSION);
	if (memcmp(server, hs->server, KEY_PUBLIC_BYTES) != 0)
		return diag_set(d, ERR_BADSIG,
				"WELCOME comes from another key than the peer's");
	welcome_body(server, eph, nonce, sid, &body);
	hash_bytes(body.data, body.len, wh);
	buf_release(&body);
	tagged_hash(WELCOME_TAG, hs->h_hash, wh, msg, &sn);
	if (!key_verify(server, msg, sn, sig))
		return diag_set(d, ERR_BADSIG, "WELCOME signature does not verify");
	if (crypto_kx_client_session_keys(rx, tx, hs->eph_pk, hs->eph_sk, eph) != 0)
		return diag_set(d, ERR_PROTO, "the server's ephemeral key is unusable");
	struct session *s = secure_alloc(sizeof(*s));
	memcpy(s->id, sid, sizeof(sid));
	memcpy(s->peer, server, KEY_PUBLIC_BYTES);
	direction_key(rx, hs->h_hash, wh, s->rx);
	direction_key(tx, hs->h_hash, wh, s->tx);
	sodium_memzero(rx, sizeof(rx));
	sodium_memzero(tx, sizeof(tx));
	s->next_counter = 1;
	*out = s;
	return 0;
}

/* ---- REFUSE ---- */

void
session_refuse(const char *reason, const char *text, struct buf *out)
{
	mp_put_array(out, 4);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_REFUSE);
	mp_put_cstr(out, reason);
	mp_put_cstr(out, text);
}

void
session_refuse_version(uint64_t theirs, struct buf *out)
{
	char text[200];
	snprintf(text, sizeof(text),
		 "the client speaks replication protocol version %llu, this node "
		 "version %d only: upgrade the %s",
		 (unsigned long long)theirs, SESSION_VERSION,
		 theirs < SESSION_VERSION ? "client" : "node");
	mp_put_array(out, 4);
	mp_put_uint(out, theirs);
	mp_put_uint(out, MSG_REFUSE);
	mp_put_cstr(out, err_name(ERR_VERSION));
	mp_put_cstr(out, text);
}

int
session_read_refuse(const uint8_t *p, size_t n, char *reason, size_t rn,
		    char *text, size_t tn)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, type;
	const char *a, *b;
	size_t an, bn;
	mp_reader_init(&r, p, n, NULL);
	if (mp_check(p, n, NULL) || mp_get_array(&r, &count) || count != 4 ||
	    mp_get_uint(&r, &v) || mp_get_uint(&r, &type) || type != MSG_REFUSE ||
	    mp_get_str(&r, &a, &an) || mp_get_str(&r, &b, &bn))
		return ERR_PROTO;
	snprintf(reason, rn, "%.*s", (int)an, a);
	snprintf(text, tn, "%.*s", (int)bn, b);
	return 0;
}

/* ---- SEALED ---- */

static void
sealed_head(const uint8_t *sid, uint64_t counter, struct buf *out)
{
	mp_put_array(out, 5);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_SEALED);
	mp_put_bin(out, sid, SESSION_ID_BYTES);
	mp_put_uint(out, counter);
}

/* The additional data: the head as an array of 4. */
static void
sealed_ad(const uint8_t *sid, uint64_t counter, struct buf *out)
{
	sealed_head(sid, counter, out);
	out->data[0] = 0x94;
}

static void
sealed_nonce(int dir, uint64_t counter,
	     uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES])
{
	memset(nonce, 0, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
	nonce[0] = (uint8_t)dir;
	for (int i = 0; i < 8; i++)
		nonce[16 + i] = (uint8_t)(counter >> (56 - 8 * i));
}

int
session_sealed_head(const uint8_t *p, size_t n, uint8_t sid[SESSION_ID_BYTES],
		    uint64_t *counter)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, type;
	const uint8_t *s;
	size_t sn;
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count != 5 || mp_get_uint(&r, &v) ||
	    v != SESSION_VERSION || mp_get_uint(&r, &type) || type != MSG_SEALED ||
	    mp_get_bin(&r, &s, &sn) || sn != SESSION_ID_BYTES ||
	    mp_get_uint(&r, counter) || *counter == 0)
		return ERR_PROTO;
	memcpy(sid, s, SESSION_ID_BYTES);
	return 0;
}

uint64_t
session_next_counter(struct session *s)
{
	return s->next_counter++;
}

void
session_seal(struct session *s, uint64_t counter, const uint8_t *pt, size_t n,
	     struct buf *out)
{
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	struct buf ad = BUF_INIT;
	unsigned long long clen;
	size_t want = n + crypto_aead_xchacha20poly1305_ietf_ABYTES;
	sealed_ad(s->id, counter, &ad);
	sealed_nonce(s->is_server, counter, nonce);
	sealed_head(s->id, counter, out);
	/* Encrypted straight into out: a reply is up to a MiB, and a copy
	 * through a buffer of its own costs a page fault per 4 KiB. */
	mp_put_bin_head(out, want);
	uint8_t *ct = buf_append_space(out, want);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, pt, n, ad.data,
						   ad.len, NULL, nonce, s->tx);
	BUG_ON(clen != want);
	buf_release(&ad);
}

/* The server's replay window: counters seen, highest first. */
static int
fresh_counter(struct session *s, uint64_t c)
{
	if (c > s->highest) {
		uint64_t shift = c - s->highest;
		s->window = shift >= 64 ? 0 : s->window << shift;
		s->window |= 1;
		s->highest = c;
		return 1;
	}
	uint64_t age = s->highest - c;
	if (age >= 64 || (s->window >> age & 1))
		return 0;
	s->window |= 1ull << age;
	return 1;
}

int
session_open(struct session *s, const uint8_t *p, size_t n, uint64_t *counter,
	     struct buf *pt, struct diag *d)
{
	uint8_t sid[SESSION_ID_BYTES];
	uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
	struct mp_reader r;
	struct buf ad = BUF_INIT;
	const uint8_t *ct;
	size_t ctn;
	uint64_t c;
	uint32_t count;
	uint64_t v, type;
	const uint8_t *sp;
	size_t spn;
	unsigned long long mlen;

	if (mp_check(p, n, NULL) || session_sealed_head(p, n, sid, &c))
		return diag_set(d, ERR_PROTO, "not a SEALED message");
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || mp_get_uint(&r, &v) ||
	    mp_get_uint(&r, &type) || mp_get_bin(&r, &sp, &spn) ||
	    mp_get_uint(&r, &c) || mp_get_bin(&r, &ct, &ctn) ||
	    ctn < crypto_aead_xchacha20poly1305_ietf_ABYTES)
		return diag_set(d, ERR_PROTO, "SEALED message is malformed");
	if (memcmp(sid, s->id, SESSION_ID_BYTES) != 0)
		return diag_set(d, ERR_PROTO, "SEALED message of another session");
	sealed_ad(s->id, c, &ad);
	sealed_nonce(!s->is_server, c, nonce);
	buf_grow(pt, ctn);
	int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
		pt->data + pt->len, &mlen, NULL, ct, ctn, ad.data, ad.len, nonce,
		s->rx);
	buf_release(&ad);
	if (rc != 0)
		return diag_set(d, ERR_BADSIG,
				"SEALED message fails its authentication tag (altered?)");
	/* Only an authentic message moves the window: a forged counter
	 * cannot lock the real ones out. */
	if (s->is_server && !fresh_counter(s, c))
		return diag_set(d, ERR_PROTO, "replayed message (counter %llu)",
				(unsigned long long)c);
	pt->len += (size_t)mlen;
	pt->data[pt->len] = '\0';
	*counter = c;
	return 0;
}

const uint8_t *
session_id(const struct session *s)
{
	return s->id;
}

const uint8_t *
session_peer(const struct session *s)
{
	return s->peer;
}

void
session_free(struct session *s)
{
	if (s)
		sodium_free(s);
}

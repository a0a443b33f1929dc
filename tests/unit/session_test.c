/*
 * session_test.c - the handshake (with its cookies) and the sealed
 * messages of crypto/session.h (docs/protocol.md §2-3), protocol version
 * 2, with real keys.
 *
 * Messages under attack (flipped, truncated, replayed, spliced) are
 * copied into heap memory of exactly their size, so that
 * AddressSanitizer catches any read past their end.
 */
#include "crypto/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "tests/harness.h"
#include "common/banned.h"

#define NET "testnet"

/* The masks a "flipped byte" is xored with: low bit, high bit, all. */
static const uint8_t flips[] = { 0x01, 0x80, 0xff };
#define NFLIPS (sizeof(flips) / sizeof(flips[0]))

/* ---- helpers ---- */

/* A copy of p in new memory of exactly n bytes (at least one). */
static uint8_t *
exact(const uint8_t *p, size_t n)
{
	uint8_t *c = xmalloc(n ? n : 1);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* A server's clock for the cookies (any monotonic milliseconds). */
#define NOW 1000000ull
#define COOKIE_MS 10000u

/*
 * The client's second HELLO to server_pub, signed by ck, with a cookie
 * from jar: the client's half of the first round trip.
 */
static void
hello2(struct session_cookies *jar, const struct key *ck,
       const uint8_t *server_pub, struct handshake **hs, struct buf *out)
{
	struct buf h1 = BUF_INIT, ch = BUF_INIT;
	session_hello(ck, NET, server_pub, hs, &h1);
	BUG_ON(session_challenge(jar, NOW, h1.data, h1.len, &ch) != 0);
	BUG_ON(session_hello_answer(*hs, ck, ch.data, ch.len, out, NULL) != 0);
	buf_release(&h1);
	buf_release(&ch);
}

/* Both sides of one handshake between two keys. */
struct pair {
	struct key *ck, *sk; /* client's and server's keys */
	struct session *c, *s;
	struct buf hello, welcome; /* the second HELLO and its answer */
};

/* A handshake between the pair's keys (new ones if NULL); 0 or a code. */
static int
pair_shake(struct pair *p)
{
	struct handshake *hs = NULL;
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct hello h;
	int rc;
	if (!p->ck)
		p->ck = key_generate();
	if (!p->sk)
		p->sk = key_generate();
	buf_init(&p->hello);
	buf_init(&p->welcome);
	p->c = p->s = NULL;
	hello2(jar, p->ck, key_public(p->sk), &hs, &p->hello);
	rc = session_read_hello(p->hello.data, p->hello.len, &h, NULL);
	if (rc == 0)
		rc = session_cookie_take(jar, NOW, p->hello.data, p->hello.len, NULL);
	if (rc == 0)
		rc = session_welcome(p->sk, p->hello.data, p->hello.len, &p->s,
				     &p->welcome, NULL);
	if (rc == 0)
		rc = session_client_finish(hs, p->welcome.data, p->welcome.len,
					   &p->c, NULL);
	handshake_free(hs);
	session_cookies_free(jar);
	return rc;
}

/* Frees the sessions and buffers; the keys only if free_keys. */
static void
pair_release(struct pair *p, int free_keys)
{
	session_free(p->c);
	session_free(p->s);
	p->c = p->s = NULL;
	buf_release(&p->hello);
	buf_release(&p->welcome);
	if (free_keys) {
		key_free(p->ck);
		key_free(p->sk);
		p->ck = p->sk = NULL;
	}
}

/* Seals text under counter into out (emptied first). */
static void
seal_text(struct session *s, uint64_t counter, const char *text,
	  struct buf *out)
{
	buf_reset(out);
	session_seal(s, counter, (const uint8_t *)text, strlen(text), out);
}

/* session_open() on an exact heap copy of [p, p+n). */
static int
open_exact(struct session *s, const uint8_t *p, size_t n, uint64_t *counter,
	   struct buf *pt, struct diag *d)
{
	uint8_t *c = exact(p, n);
	int rc = session_open(s, c, n, counter, pt, d);
	free(c);
	return rc;
}

/* The server opens a request sealed under counter: 0 or the code. */
static int
request(struct pair *p, uint64_t counter)
{
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint64_t got = 0;
	char text[32];
	snprintf(text, sizeof(text), "request %llu", (unsigned long long)counter);
	seal_text(p->c, counter, text, &msg);
	int rc = open_exact(p->s, msg.data, msg.len, &got, &pt, NULL);
	if (rc == 0 && (got != counter || strcmp(buf_cstr(&pt), text) != 0))
		rc = ERR_CORRUPT; /* opened, but not to what was sealed */
	buf_release(&msg);
	buf_release(&pt);
	return rc;
}

/* A SEALED message built by hand: any session id, counter, ciphertext. */
static void
sealed_raw(const uint8_t *sid, uint64_t counter, const uint8_t *ct,
	   size_t n, struct buf *out)
{
	buf_reset(out);
	mp_put_array(out, 5);
	mp_put_uint(out, SESSION_VERSION);
	mp_put_uint(out, MSG_SEALED);
	mp_put_bin(out, sid, SESSION_ID_BYTES);
	mp_put_uint(out, counter);
	mp_put_bin(out, ct, n);
}

/* The ciphertext (last field) of a SEALED message. */
static int
sealed_ct(const struct buf *m, const uint8_t **ct, size_t *n)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v;
	const uint8_t *sid;
	size_t sn;
	mp_reader_init(&r, m->data, m->len, NULL);
	if (mp_get_array(&r, &count) || mp_get_uint(&r, &v) ||
	    mp_get_uint(&r, &v) || mp_get_bin(&r, &sid, &sn) ||
	    mp_get_uint(&r, &v) || mp_get_bin(&r, ct, n))
		return ERR_PROTO;
	return 0;
}

/* ---- the handshake ---- */

static void
test_sessions_work_both_ways(void)
{
	struct pair p = { 0 };
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	uint64_t got;
	CHECK_OK(pair_shake(&p));
	CHECK_EQ_MEM(session_id(p.c), session_id(p.s), SESSION_ID_BYTES);
	CHECK_EQ_MEM(session_peer(p.c), key_public(p.sk), 32);
	CHECK_EQ_MEM(session_peer(p.s), key_public(p.ck), 32);
	for (int i = 1; i <= 5; i++) {
		uint64_t c = session_next_counter(p.c);
		CHECK_EQ_INT(c, i);
		seal_text(p.c, c, "give me your summary", &msg);
		buf_reset(&pt);
		CHECK_OK(open_exact(p.s, msg.data, msg.len, &got, &pt, NULL));
		CHECK_EQ_INT(got, c);
		CHECK_EQ_STR(buf_cstr(&pt), "give me your summary");
		seal_text(p.s, got, "here it is", &msg);
		buf_reset(&pt);
		CHECK_OK(open_exact(p.c, msg.data, msg.len, &got, &pt, NULL));
		CHECK_EQ_INT(got, c);
		CHECK_EQ_STR(buf_cstr(&pt), "here it is");
	}
	/* The plaintext does not travel in clear. */
	seal_text(p.c, session_next_counter(p.c), "a secret address", &msg);
	CHECK(memmem(msg.data, msg.len, "secret", 6) == NULL);
	buf_release(&msg);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_empty_and_large_plaintexts_travel(void)
{
	struct pair p = { 0 };
	struct buf msg = BUF_INIT, pt = BUF_INIT;
	size_t big = (size_t)1 << 20;
	uint8_t *data = xmalloc(big);
	uint64_t got;
	for (size_t i = 0; i < big; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	CHECK_OK(pair_shake(&p));
	session_seal(p.c, 1, NULL, 0, &msg);
	CHECK_OK(session_open(p.s, msg.data, msg.len, &got, &pt, NULL));
	CHECK_EQ_INT(pt.len, 0);
	buf_reset(&msg);
	session_seal(p.s, 1, data, big, &msg);
	CHECK_OK(session_open(p.c, msg.data, msg.len, &got, &pt, NULL));
	CHECK_EQ_INT(pt.len, big);
	CHECK_EQ_MEM(pt.data, data, big);
	free(data);
	buf_release(&msg);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_each_handshake_makes_new_keys(void)
{
	struct pair a = { 0 }, b = { 0 };
	struct buf m1 = BUF_INIT, m2 = BUF_INIT, pt = BUF_INIT;
	uint64_t got;
	CHECK_OK(pair_shake(&a));
	b.ck = a.ck;
	b.sk = a.sk;
	CHECK_OK(pair_shake(&b));
	CHECK(memcmp(session_id(a.c), session_id(b.c), SESSION_ID_BYTES) != 0);
	/* Same keys, same counter, same text: different ciphertexts. */
	seal_text(a.c, 1, "same", &m1);
	seal_text(b.c, 1, "same", &m2);
	const uint8_t *c1, *c2;
	size_t n1, n2;
	CHECK_OK(sealed_ct(&m1, &c1, &n1));
	CHECK_OK(sealed_ct(&m2, &c2, &n2));
	CHECK_EQ_INT(n1, n2);
	CHECK(memcmp(c1, c2, n1) != 0);
	/* One session's ciphertext under the other's id does not open. */
	struct buf spliced = BUF_INIT;
	sealed_raw(session_id(b.c), 1, c1, n1, &spliced);
	CHECK_ERR(open_exact(b.s, spliced.data, spliced.len, &got, &pt, NULL),
		  ERR_BADSIG);
	buf_release(&spliced);
	buf_release(&m1);
	buf_release(&m2);
	buf_release(&pt);
	pair_release(&a, 1);
	pair_release(&b, 0);
}

static void
test_message_types_are_read_from_the_head(void)
{
	struct pair p = { 0 };
	struct buf m = BUF_INIT;
	CHECK_OK(pair_shake(&p));
	CHECK_EQ_INT(session_msg_type(p.hello.data, p.hello.len), MSG_HELLO);
	CHECK_EQ_INT(session_msg_type(p.welcome.data, p.welcome.len), MSG_WELCOME);
	session_refuse("ERR_DENIED", "go away", &m);
	CHECK_EQ_INT(session_msg_type(m.data, m.len), MSG_REFUSE);
	seal_text(p.c, 1, "x", &m);
	CHECK_EQ_INT(session_msg_type(m.data, m.len), MSG_SEALED);
	/* No head, another version, a one-element array, not an array. */
	CHECK_ERR(session_msg_type(NULL, 0), ERR_PROTO);
	const uint8_t v1[] = { 0x92, 0x01, 0x01 }, v3[] = { 0x92, 0x03, 0x01 },
		      one[] = { 0x91, 0x02 }, str[] = { 0xa1, 'x' },
		      trunc[] = { 0x92, 0x02 };
	CHECK_ERR(session_msg_type(v1, sizeof(v1)), ERR_PROTO);
	CHECK_ERR(session_msg_type(v3, sizeof(v3)), ERR_PROTO);
	CHECK_ERR(session_msg_type(one, sizeof(one)), ERR_PROTO);
	CHECK_ERR(session_msg_type(str, sizeof(str)), ERR_PROTO);
	CHECK_ERR(session_msg_type(trunc, sizeof(trunc)), ERR_PROTO);
	/* Found by the session fuzz target: a type wider than a byte was
	 * cast to int, passing for HELLO (2^32 + 1) or a negative code. */
	const uint8_t wide[] = { 0x92, 0x01, 0xcf, 0, 0, 0, 1, 0, 0, 0, 1 },
		      neg[] = { 0x92, 0x01, 0xce, 0xff, 0xff, 0xfc, 0x18 };
	CHECK_ERR(session_msg_type(wide, sizeof(wide)), ERR_PROTO);
	CHECK_ERR(session_msg_type(neg, sizeof(neg)), ERR_PROTO);
	/* The version of any message with a head is read, to name it. */
	CHECK_EQ_INT(session_msg_version(v1, sizeof(v1)), 1);
	CHECK_EQ_INT(session_msg_version(v3, sizeof(v3)), 3);
	CHECK_EQ_INT(session_msg_version(p.hello.data, p.hello.len), SESSION_VERSION);
	CHECK_ERR(session_msg_version(one, sizeof(one)), ERR_PROTO);
	CHECK_ERR(session_msg_version(str, sizeof(str)), ERR_PROTO);
	buf_release(&m);
	pair_release(&p, 1);
}

static void
test_hello_names_network_client_and_server(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct handshake *hs;
	struct buf m = BUF_INIT;
	struct hello h;
	char net64[65];
	memset(net64, 'n', 64);
	net64[64] = '\0';
	session_hello(c, net64, key_public(s), &hs, &m);
	CHECK_OK(session_read_hello(m.data, m.len, &h, NULL));
	CHECK_EQ_STR(h.network, net64);
	CHECK_EQ_MEM(h.client, key_public(c), 32);
	CHECK_EQ_MEM(h.server, key_public(s), 32);
	CHECK_EQ_INT(h.has_cookie, 0);
	handshake_free(hs);
	/* The second HELLO says the same, with its cookie. */
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	buf_reset(&m);
	hello2(jar, c, key_public(s), &hs, &m);
	CHECK_OK(session_read_hello(m.data, m.len, &h, NULL));
	CHECK_EQ_STR(h.network, NET);
	CHECK_EQ_MEM(h.client, key_public(c), 32);
	CHECK_EQ_INT(h.has_cookie, 1);
	handshake_free(hs);
	session_cookies_free(jar);
	/* Names of 65 bytes, and empty ones, are refused. */
	buf_reset(&m);
	session_hello(c, "", key_public(s), &hs, &m);
	CHECK_ERR(session_read_hello(m.data, m.len, &h, NULL), ERR_PROTO);
	handshake_free(hs);
	char net65[66];
	memset(net65, 'n', 65);
	net65[65] = '\0';
	buf_reset(&m);
	session_hello(c, net65, key_public(s), &hs, &m);
	CHECK_ERR(session_read_hello(m.data, m.len, &h, NULL), ERR_PROTO);
	handshake_free(hs);
	buf_release(&m);
	key_free(c);
	key_free(s);
}

static void
test_welcome_from_another_key_is_refused(void)
{
	struct key *c = key_generate(), *meant = key_generate(),
		   *other = key_generate();
	struct handshake *hs;
	struct session *cs = NULL, *ss = NULL;
	struct buf hello = BUF_INIT, welcome = BUF_INIT;
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct diag d;
	/* The other key answers (a node at the address it should not hold),
	 * its cookie and all. */
	hello2(jar, c, key_public(meant), &hs, &hello);
	CHECK_OK(session_cookie_take(jar, NOW, hello.data, hello.len, NULL));
	CHECK_OK(session_welcome(other, hello.data, hello.len, &ss, &welcome, NULL));
	CHECK_ERR(session_client_finish(hs, welcome.data, welcome.len, &cs, &d),
		  ERR_BADSIG);
	CHECK(cs == NULL); /* the out-parameter is written only on success */
	CHECK(strstr(d.text, "another key") != NULL);
	session_free(ss);
	handshake_free(hs);
	session_cookies_free(jar);
	buf_release(&hello);
	buf_release(&welcome);
	key_free(c);
	key_free(meant);
	key_free(other);
}

static void
test_welcome_answering_another_hello_is_refused(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct handshake *hs1, *hs2;
	struct session *ss = NULL, *cs = NULL;
	struct buf h1 = BUF_INIT, h2 = BUF_INIT, w1 = BUF_INIT;
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	hello2(jar, c, key_public(s), &hs1, &h1);
	hello2(jar, c, key_public(s), &hs2, &h2);
	CHECK_OK(session_welcome(s, h1.data, h1.len, &ss, &w1, NULL));
	/* A WELCOME recorded for the first HELLO, shown to the second
	 * handshake: the transcript differs, the signature fails. */
	CHECK_ERR(session_client_finish(hs2, w1.data, w1.len, &cs, NULL),
		  ERR_BADSIG);
	CHECK(cs == NULL);
	CHECK_OK(session_client_finish(hs1, w1.data, w1.len, &cs, NULL));
	session_free(cs);
	session_free(ss);
	handshake_free(hs1);
	handshake_free(hs2);
	session_cookies_free(jar);
	buf_release(&h1);
	buf_release(&h2);
	buf_release(&w1);
	key_free(c);
	key_free(s);
}

/* Offset of the first byte of a 32-byte field equal to key in m. */
static size_t
find_field(const struct buf *m, const uint8_t *field, size_t n)
{
	const uint8_t *at = memmem(m->data, m->len, field, n);
	BUG_ON(at == NULL);
	return (size_t)(at - m->data);
}

/* session_welcome() on an exact heap copy; frees the session it makes. */
static int
welcome_exact(const struct key *sk, const uint8_t *p, size_t n,
	      struct diag *d)
{
	uint8_t *c = exact(p, n);
	struct session *s = NULL;
	struct buf w = BUF_INIT;
	int rc = session_welcome(sk, c, n, &s, &w, d);
	BUG_ON((rc == 0) != (s != NULL));
	session_free(s);
	buf_release(&w);
	free(c);
	return rc;
}

static void
test_hello_with_a_wrong_signature_is_refused(void)
{
	struct key *a = key_generate(), *b = key_generate(), *s = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct handshake *ha, *hb;
	struct buf ma = BUF_INIT, mb = BUF_INIT;
	struct diag d;
	hello2(jar, a, key_public(s), &ha, &ma);
	hello2(jar, b, key_public(s), &hb, &mb);
	CHECK_EQ_INT(ma.len, mb.len);
	size_t sig = ma.len - 64;

	/* A's HELLO claiming to be from B: its cookie no longer matches,
	 * nor does its signature. */
	uint8_t *x = exact(ma.data, ma.len);
	memcpy(x + find_field(&ma, key_public(a), 32), key_public(b), 32);
	CHECK_ERR(session_cookie_take(jar, NOW, x, ma.len, &d), ERR_BADSIG);
	CHECK(strstr(d.text, "cookie") != NULL);
	CHECK_ERR(welcome_exact(s, x, ma.len, &d), ERR_BADSIG);
	CHECK(strstr(d.text, "signature") != NULL);
	/* A's HELLO with B's signature. */
	memcpy(x, ma.data, ma.len);
	memcpy(x + sig, mb.data + sig, 64);
	CHECK_ERR(welcome_exact(s, x, ma.len, NULL), ERR_BADSIG);
	/* An all-zero signature. */
	memset(x + sig, 0, 64);
	CHECK_ERR(welcome_exact(s, x, ma.len, NULL), ERR_BADSIG);
	/* Every byte of the signature flipped in turn. */
	for (size_t i = sig; i < ma.len; i++) {
		memcpy(x, ma.data, ma.len);
		x[i] ^= flips[i % NFLIPS];
		CHECK_ERR(welcome_exact(s, x, ma.len, NULL), ERR_BADSIG);
	}
	/* The untouched HELLO is welcomed. */
	CHECK_OK(welcome_exact(s, ma.data, ma.len, NULL));
	free(x);
	handshake_free(ha);
	handshake_free(hb);
	session_cookies_free(jar);
	buf_release(&ma);
	buf_release(&mb);
	key_free(a);
	key_free(b);
	key_free(s);
}

static void
test_hello_with_any_flipped_byte_is_refused(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 4096);
	struct handshake *hs;
	struct buf m = BUF_INIT;
	hello2(jar, c, key_public(s), &hs, &m);
	/* What the server does with a second HELLO: the cookie, then the
	 * signature.  One of them refuses every flip. */
	for (size_t i = 0; i < m.len; i++)
		for (size_t f = 0; f < NFLIPS; f++) {
			uint8_t *x = exact(m.data, m.len);
			x[i] ^= flips[f];
			int rc = session_cookie_take(jar, NOW, x, m.len, NULL);
			int ok = rc == ERR_PROTO || rc == ERR_BADSIG ||
				 rc == ERR_TIMEOUT || rc == ERR_EXISTS;
			if (rc == 0) {
				rc = welcome_exact(s, x, m.len, NULL);
				ok = rc == ERR_BADSIG;
			}
			free(x);
			if (!ok) {
				harness_fail(__FILE__, __LINE__,
					     "HELLO byte %zu ^ 0x%02x: %s", i,
					     flips[f], err_name(rc));
				goto out;
			}
		}
out:
	handshake_free(hs);
	session_cookies_free(jar);
	buf_release(&m);
	key_free(c);
	key_free(s);
}

static void
test_welcome_with_any_flipped_byte_makes_no_session(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct handshake *hs;
	struct session *ss = NULL, *cs = NULL;
	struct buf hello = BUF_INIT, w = BUF_INIT;
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	hello2(jar, c, key_public(s), &hs, &hello);
	session_cookies_free(jar);
	CHECK_OK(session_welcome(s, hello.data, hello.len, &ss, &w, NULL));
	for (size_t i = 0; i < w.len; i++)
		for (size_t f = 0; f < NFLIPS; f++) {
			uint8_t *x = exact(w.data, w.len);
			x[i] ^= flips[f];
			int rc = session_client_finish(hs, x, w.len, &cs, NULL);
			free(x);
			if ((rc != ERR_PROTO && rc != ERR_BADSIG) || cs) {
				harness_fail(__FILE__, __LINE__,
					     "WELCOME byte %zu ^ 0x%02x: %s", i,
					     flips[f], err_name(rc));
				return;
			}
		}
	/* The failures left the handshake as it was. */
	CHECK_OK(session_client_finish(hs, w.data, w.len, &cs, NULL));
	struct buf m = BUF_INIT, pt = BUF_INIT;
	uint64_t got;
	seal_text(cs, 1, "after the storm", &m);
	CHECK_OK(session_open(ss, m.data, m.len, &got, &pt, NULL));
	CHECK_EQ_STR(buf_cstr(&pt), "after the storm");
	buf_release(&m);
	buf_release(&pt);
	session_free(cs);
	session_free(ss);
	handshake_free(hs);
	buf_release(&hello);
	buf_release(&w);
	key_free(c);
	key_free(s);
}

static void
test_truncated_handshake_messages_are_refused(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 4096);
	struct handshake *hs, *hs1;
	struct session *cs = NULL, *srv = NULL;
	struct hello h;
	struct buf h1 = BUF_INIT, ch = BUF_INIT, hello = BUF_INIT, w = BUF_INIT,
		   out = BUF_INIT;
	session_hello(c, NET, key_public(s), &hs1, &h1);
	CHECK_OK(session_challenge(jar, NOW, h1.data, h1.len, &ch));
	hello2(jar, c, key_public(s), &hs, &hello);
	CHECK_OK(session_welcome(s, hello.data, hello.len, &srv, &w, NULL));
	for (size_t n = 0; n < h1.len; n++) {
		uint8_t *x = exact(h1.data, n);
		buf_reset(&out);
		CHECK_ERR(session_read_hello(x, n, &h, NULL), ERR_PROTO);
		CHECK_ERR(session_challenge(jar, NOW, x, n, &out), ERR_PROTO);
		CHECK(out.len == 0);
		free(x);
	}
	for (size_t n = 0; n < ch.len; n++) {
		uint8_t *x = exact(ch.data, n);
		buf_reset(&out);
		CHECK_ERR(session_hello_answer(hs1, c, x, n, &out, NULL), ERR_PROTO);
		CHECK(out.len == 0);
		free(x);
	}
	for (size_t n = 0; n < hello.len; n++) {
		uint8_t *x = exact(hello.data, n);
		struct session *ss = NULL;
		struct buf w2 = BUF_INIT;
		int rc1 = session_read_hello(x, n, &h, NULL);
		int rc2 = session_cookie_take(jar, NOW, x, n, NULL);
		int rc3 = session_welcome(s, x, n, &ss, &w2, NULL);
		free(x);
		CHECK_ERR(rc1, ERR_PROTO);
		CHECK_ERR(rc2, ERR_PROTO);
		CHECK_ERR(rc3, ERR_PROTO);
		CHECK(ss == NULL && w2.len == 0);
	}
	for (size_t n = 0; n < w.len; n++) {
		uint8_t *x = exact(w.data, n);
		int rc = session_client_finish(hs, x, n, &cs, NULL);
		free(x);
		CHECK_ERR(rc, ERR_PROTO);
		CHECK(cs == NULL);
	}
	/* One byte too many is refused as well. */
	buf_add_byte(&hello, 0xc0);
	CHECK_ERR(session_read_hello(hello.data, hello.len, &h, NULL), ERR_PROTO);
	buf_add_byte(&w, 0xc0);
	CHECK_ERR(session_client_finish(hs, w.data, w.len, &cs, NULL), ERR_PROTO);
	buf_add_byte(&ch, 0xc0);
	CHECK_ERR(session_hello_answer(hs1, c, ch.data, ch.len, &out, NULL), ERR_PROTO);
	handshake_free(hs);
	handshake_free(hs1);
	session_free(srv);
	session_cookies_free(jar);
	buf_release(&h1);
	buf_release(&ch);
	buf_release(&hello);
	buf_release(&w);
	buf_release(&out);
	key_free(c);
	key_free(s);
}

/* ---- cookies: the first round trip ---- */

static void
test_first_hello_gets_a_challenge_and_no_session(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct handshake *hs;
	struct session *ss = NULL;
	struct buf h1 = BUF_INIT, ch = BUF_INIT, w = BUF_INIT;
	struct diag d;
	session_hello(c, NET, key_public(s), &hs, &h1);
	/* Nothing in it is signed: it only asks for a cookie. */
	CHECK(memmem(h1.data, h1.len, "\xc4\x00\xc4\x00", 4) != NULL);
	CHECK_ERR(session_cookie_take(jar, NOW, h1.data, h1.len, &d), ERR_PROTO);
	CHECK(strstr(d.text, "no cookie") != NULL);
	CHECK_ERR(session_welcome(s, h1.data, h1.len, &ss, &w, NULL), ERR_PROTO);
	CHECK(ss == NULL && w.len == 0);
	CHECK_OK(session_challenge(jar, NOW, h1.data, h1.len, &ch));
	CHECK_EQ_INT(session_msg_type(ch.data, ch.len), MSG_CHALLENGE);
	/* A cookie without a signature, or the other way round, is not a
	 * HELLO. */
	struct buf x = BUF_INIT;
	CHECK_OK(session_hello_answer(hs, c, ch.data, ch.len, &x, NULL));
	x.len -= 66; /* the signature, as a bin 8 of 64 */
	mp_put_bin(&x, "", 0);
	CHECK_ERR(session_cookie_take(jar, NOW, x.data, x.len, NULL), ERR_PROTO);
	handshake_free(hs);
	session_cookies_free(jar);
	buf_release(&h1);
	buf_release(&ch);
	buf_release(&w);
	buf_release(&x);
	key_free(c);
	key_free(s);
}

static void
test_cookie_is_bound_to_its_hello(void)
{
	struct key *c = key_generate(), *other = key_generate(),
		   *s = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64),
			       *jar2 = session_cookies_new(COOKIE_MS, 64);
	struct handshake *hs1, *hs2, *hs3;
	struct buf h1 = BUF_INIT, h2 = BUF_INIT, h3 = BUF_INIT, ch = BUF_INIT,
		   x = BUF_INIT;
	struct diag d;
	session_hello(c, NET, key_public(s), &hs1, &h1);
	session_hello(c, NET, key_public(s), &hs2, &h2);
	session_hello(other, NET, key_public(s), &hs3, &h3);
	CHECK_OK(session_challenge(jar, NOW, h1.data, h1.len, &ch));
	/* The same key's next handshake (another ephemeral key and nonce)
	 * cannot use the first one's cookie; nor can another key. */
	CHECK_OK(session_hello_answer(hs2, c, ch.data, ch.len, &x, NULL));
	CHECK_ERR(session_cookie_take(jar, NOW, x.data, x.len, &d), ERR_BADSIG);
	buf_reset(&x);
	CHECK_OK(session_hello_answer(hs3, other, ch.data, ch.len, &x, NULL));
	CHECK_ERR(session_cookie_take(jar, NOW, x.data, x.len, NULL), ERR_BADSIG);
	/* Another server's cookie is not this one's. */
	buf_reset(&x);
	CHECK_OK(session_hello_answer(hs1, c, ch.data, ch.len, &x, NULL));
	CHECK_ERR(session_cookie_take(jar2, NOW, x.data, x.len, NULL), ERR_BADSIG);
	/* It expires: refused at its expiry, taken just before. */
	CHECK_ERR(session_cookie_take(jar, NOW + COOKIE_MS, x.data, x.len, &d),
		  ERR_TIMEOUT);
	CHECK(strstr(d.text, "expired") != NULL);
	CHECK_OK(session_cookie_take(jar, NOW + COOKIE_MS - 1, x.data, x.len, NULL));
	handshake_free(hs1);
	handshake_free(hs2);
	handshake_free(hs3);
	session_cookies_free(jar);
	session_cookies_free(jar2);
	buf_release(&h1);
	buf_release(&h2);
	buf_release(&h3);
	buf_release(&ch);
	buf_release(&x);
	key_free(c);
	key_free(other);
	key_free(s);
}

static void
test_replayed_hello_is_refused_before_its_signature(void)
{
	struct pair p = { 0 };
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct handshake *hs;
	struct buf m = BUF_INIT;
	struct diag d;
	p.ck = key_generate();
	p.sk = key_generate();
	hello2(jar, p.ck, key_public(p.sk), &hs, &m);
	CHECK_OK(session_cookie_take(jar, NOW, m.data, m.len, NULL));
	CHECK_OK(welcome_exact(p.sk, m.data, m.len, NULL));
	/* Recorded and sent again: refused by the cookie, at the cost of a
	 * hash; later, as expired. */
	for (int i = 0; i < 3; i++) {
		CHECK_ERR(session_cookie_take(jar, NOW + 1 + (uint64_t)i, m.data, m.len, &d),
			  ERR_EXISTS);
		CHECK(strstr(d.text, "replayed") != NULL);
	}
	CHECK_ERR(session_cookie_take(jar, NOW + COOKIE_MS, m.data, m.len, NULL),
		  ERR_TIMEOUT);
	/* A HELLO with a good cookie and a bad signature is checked once:
	 * its cookie is taken before the signature is looked at. */
	handshake_free(hs);
	buf_reset(&m);
	hello2(jar, p.ck, key_public(p.sk), &hs, &m);
	memset(m.data + m.len - 64, 0, 64);
	CHECK_OK(session_cookie_take(jar, NOW, m.data, m.len, NULL));
	CHECK_ERR(welcome_exact(p.sk, m.data, m.len, NULL), ERR_BADSIG);
	CHECK_ERR(session_cookie_take(jar, NOW, m.data, m.len, NULL), ERR_EXISTS);
	handshake_free(hs);
	session_cookies_free(jar);
	buf_release(&m);
	pair_release(&p, 1);
}

static void
test_taken_cookies_are_bounded(void)
{
	/* Room for 4 taken cookies (one bucket). */
	struct session_cookies *jar = session_cookies_new(1000, 4);
	struct key *c = key_generate(), *s = key_generate();
	struct buf m[6];
	struct handshake *hs;
	struct diag d;
	for (int i = 0; i < 6; i++) {
		buf_init(&m[i]);
		hello2(jar, c, key_public(s), &hs, &m[i]);
		handshake_free(hs);
	}
	for (int i = 0; i < 4; i++)
		CHECK_OK(session_cookie_take(jar, NOW, m[i].data, m[i].len, NULL));
	/* Full of live cookies: a fifth is refused rather than a taken one
	 * forgotten (which could then be replayed). */
	CHECK_ERR(session_cookie_take(jar, NOW, m[4].data, m[4].len, &d), ERR_BUSY);
	CHECK(strstr(d.text, "too many") != NULL);
	for (int i = 0; i < 4; i++)
		CHECK_ERR(session_cookie_take(jar, NOW + 1, m[i].data, m[i].len, NULL),
			  ERR_EXISTS);
	/* Once they expire there is room again, and they stay refused. */
	struct buf late = BUF_INIT, h1 = BUF_INIT, ch = BUF_INIT;
	session_hello(c, NET, key_public(s), &hs, &h1);
	CHECK_OK(session_challenge(jar, NOW + 1000, h1.data, h1.len, &ch));
	CHECK_OK(session_hello_answer(hs, c, ch.data, ch.len, &late, NULL));
	CHECK_OK(session_cookie_take(jar, NOW + 1000, late.data, late.len, NULL));
	for (int i = 0; i < 6; i++)
		CHECK_ERR(session_cookie_take(jar, NOW + 1000, m[i].data, m[i].len, NULL),
			  ERR_TIMEOUT);
	for (int i = 0; i < 6; i++)
		buf_release(&m[i]);
	handshake_free(hs);
	session_cookies_free(jar);
	buf_release(&late);
	buf_release(&h1);
	buf_release(&ch);
	key_free(c);
	key_free(s);
}

static void
test_refusal_of_another_version_names_both(void)
{
	struct buf m = BUF_INIT;
	char reason[32], text[200];
	session_refuse_version(1, &m);
	/* Framed in the client's version, so that it reads it. */
	CHECK_EQ_INT(session_msg_version(m.data, m.len), 1);
	CHECK_OK(session_read_refuse(m.data, m.len, reason, sizeof(reason), text,
				     sizeof(text)));
	CHECK_EQ_STR(reason, "ERR_VERSION");
	CHECK(strstr(text, "version 1") != NULL);
	CHECK(strstr(text, "version 2") != NULL);
	CHECK(strstr(text, "upgrade the client") != NULL);
	buf_reset(&m);
	session_refuse_version(3, &m);
	CHECK_EQ_INT(session_msg_version(m.data, m.len), 3);
	CHECK_OK(session_read_refuse(m.data, m.len, reason, sizeof(reason), text,
				     sizeof(text)));
	CHECK(strstr(text, "version 3") != NULL);
	CHECK(strstr(text, "upgrade the node") != NULL);
	buf_release(&m);
}

static void
test_refuse_round_trips(void)
{
	struct buf m = BUF_INIT;
	char reason[16], text[8];
	session_refuse("ERR_DENIED", "not in the roster", &m);
	CHECK_OK(session_read_refuse(m.data, m.len, reason, sizeof(reason), text,
				     sizeof(text)));
	CHECK_EQ_STR(reason, "ERR_DENIED");
	CHECK_EQ_STR(text, "not in "); /* cut to the buffer, terminated */
	for (size_t n = 0; n < m.len; n++) {
		uint8_t *x = exact(m.data, n);
		int rc = session_read_refuse(x, n, reason, sizeof(reason), text,
					     sizeof(text));
		free(x);
		CHECK_ERR(rc, ERR_PROTO);
	}
	struct pair p = { 0 };
	CHECK_OK(pair_shake(&p));
	CHECK_ERR(session_read_refuse(p.hello.data, p.hello.len, reason,
				      sizeof(reason), text, sizeof(text)),
		  ERR_PROTO);
	buf_release(&m);
	pair_release(&p, 1);
}

/* ---- sealed messages ---- */

static void
test_sealed_head_names_session_and_counter(void)
{
	struct pair p = { 0 };
	struct buf m = BUF_INIT;
	uint8_t sid[SESSION_ID_BYTES];
	uint64_t c = 0;
	CHECK_OK(pair_shake(&p));
	seal_text(p.c, 0x123456789ull, "x", &m);
	CHECK_OK(session_sealed_head(m.data, m.len, sid, &c));
	CHECK_EQ_MEM(sid, session_id(p.c), SESSION_ID_BYTES);
	CHECK_EQ_INT(c, 0x123456789ull);
	CHECK_ERR(session_sealed_head(p.hello.data, p.hello.len, sid, &c),
		  ERR_PROTO);
	/* Counter 0 is never valid: not even its head is read. */
	seal_text(p.c, 0, "x", &m);
	CHECK_ERR(session_sealed_head(m.data, m.len, sid, &c), ERR_PROTO);
	buf_release(&m);
	pair_release(&p, 1);
}

static void
test_counter_zero_is_refused(void)
{
	struct pair p = { 0 };
	CHECK_OK(pair_shake(&p));
	CHECK_ERR(request(&p, 0), ERR_PROTO);
	CHECK_OK(request(&p, 1));
	pair_release(&p, 1);
}

/* Every flip of every byte of m fails to open on s, and moves nothing. */
static void
flip_all(struct session *s, const struct buf *m, int *bad)
{
	struct buf pt = BUF_INIT;
	buf_add_str(&pt, "keep");
	for (size_t i = 0; i < m->len && !*bad; i++)
		for (size_t f = 0; f < NFLIPS && !*bad; f++) {
			uint8_t *x = exact(m->data, m->len);
			uint64_t got = 777;
			x[i] ^= flips[f];
			int rc = session_open(s, x, m->len, &got, &pt, NULL);
			free(x);
			if ((rc != ERR_BADSIG && rc != ERR_PROTO) || got != 777 ||
			    pt.len != 4 || strcmp(buf_cstr(&pt), "keep") != 0) {
				harness_fail(__FILE__, __LINE__,
					     "byte %zu ^ 0x%02x: %s, counter %llu, "
					     "plaintext now %zu bytes",
					     i, flips[f], err_name(rc),
					     (unsigned long long)got, pt.len);
				*bad = 1;
			}
		}
	buf_release(&pt);
}

static void
test_sealed_message_with_any_flipped_byte_fails(void)
{
	struct pair p = { 0 };
	struct buf req = BUF_INIT, rep = BUF_INIT, pt = BUF_INIT;
	uint64_t got;
	int bad = 0;
	CHECK_OK(pair_shake(&p));
	seal_text(p.c, 5, "FETCH something", &req);
	flip_all(p.s, &req, &bad);
	CHECK(!bad);
	/* The real request still opens: no failure moved the window. */
	CHECK_OK(open_exact(p.s, req.data, req.len, &got, &pt, NULL));
	CHECK_EQ_INT(got, 5);
	CHECK_EQ_STR(buf_cstr(&pt), "FETCH something");
	/* And the other way. */
	seal_text(p.s, 5, "EVENTS", &rep);
	flip_all(p.c, &rep, &bad);
	CHECK(!bad);
	buf_reset(&pt);
	CHECK_OK(open_exact(p.c, rep.data, rep.len, &got, &pt, NULL));
	CHECK_EQ_STR(buf_cstr(&pt), "EVENTS");
	buf_release(&req);
	buf_release(&rep);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_forged_counter_does_not_burn_the_real_one(void)
{
	struct pair p = { 0 };
	struct buf m = BUF_INIT, forged = BUF_INIT, pt = BUF_INIT;
	const uint8_t *ct;
	size_t n;
	uint64_t got;
	CHECK_OK(pair_shake(&p));
	CHECK_OK(request(&p, 1));
	/* Request 2's ciphertext relabelled with counters 3 and 1000. */
	seal_text(p.c, 2, "two", &m);
	CHECK_OK(sealed_ct(&m, &ct, &n));
	sealed_raw(session_id(p.c), 3, ct, n, &forged);
	CHECK_ERR(open_exact(p.s, forged.data, forged.len, &got, &pt, NULL),
		  ERR_BADSIG);
	sealed_raw(session_id(p.c), 1000, ct, n, &forged);
	CHECK_ERR(open_exact(p.s, forged.data, forged.len, &got, &pt, NULL),
		  ERR_BADSIG);
	/* 1000 was not taken as the highest: 2 and 3 are still fresh. */
	CHECK_OK(open_exact(p.s, m.data, m.len, &got, &pt, NULL));
	CHECK_OK(request(&p, 3));
	CHECK_OK(request(&p, 1000));
	buf_release(&m);
	buf_release(&forged);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_replayed_request_is_refused(void)
{
	struct pair p = { 0 };
	struct buf m = BUF_INIT, pt = BUF_INIT;
	struct diag d;
	uint64_t got;
	CHECK_OK(pair_shake(&p));
	seal_text(p.c, session_next_counter(p.c), "SUMMARY_REQ", &m);
	CHECK_OK(open_exact(p.s, m.data, m.len, &got, &pt, NULL));
	size_t len = pt.len;
	got = 777;
	CHECK_ERR(open_exact(p.s, m.data, m.len, &got, &pt, &d), ERR_PROTO);
	CHECK(strstr(d.text, "replay") != NULL);
	CHECK_EQ_INT(got, 777);
	CHECK_EQ_INT(pt.len, len);
	/* Again and again: still refused; the next counter still works. */
	CHECK_ERR(open_exact(p.s, m.data, m.len, &got, &pt, NULL), ERR_PROTO);
	CHECK_OK(request(&p, session_next_counter(p.c)));
	buf_release(&m);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_old_counter_outside_the_window_is_refused(void)
{
	struct pair p = { 0 };
	CHECK_OK(pair_shake(&p));
	CHECK_OK(request(&p, 100));
	CHECK_ERR(request(&p, 36), ERR_PROTO); /* 64 behind the highest */
	CHECK_ERR(request(&p, 1), ERR_PROTO);
	CHECK_OK(request(&p, 37)); /* 63 behind: never seen, in the window */
	CHECK_ERR(request(&p, 37), ERR_PROTO);
	/* A jump forward slides the window past everything older. */
	CHECK_OK(request(&p, 10000));
	CHECK_ERR(request(&p, 99), ERR_PROTO);
	CHECK_ERR(request(&p, 9936), ERR_PROTO);
	CHECK_OK(request(&p, 9937));
	CHECK_OK(request(&p, 9999));
	/* The largest counter, and nothing more after it but older ones. */
	CHECK_OK(request(&p, UINT64_MAX));
	CHECK_ERR(request(&p, UINT64_MAX), ERR_PROTO);
	CHECK_OK(request(&p, UINT64_MAX - 63));
	CHECK_ERR(request(&p, UINT64_MAX - 64), ERR_PROTO);
	pair_release(&p, 1);
}

static void
test_fresh_counters_in_the_window_are_accepted_once_each(void)
{
	struct pair p = { 0 };
	uint64_t rng = test_seed();
	uint8_t seen[400] = { 0 };
	uint64_t highest = 0;
	CHECK_OK(pair_shake(&p));
	/* Counters 1..64 in a shuffled order: each accepted once. */
	uint64_t order[64];
	for (int i = 0; i < 64; i++)
		order[i] = (uint64_t)i + 1;
	for (int i = 63; i > 0; i--) {
		int k = (int)(test_rand(&rng) % (uint64_t)(i + 1));
		uint64_t t = order[i];
		order[i] = order[k];
		order[k] = t;
	}
	for (int i = 0; i < 64; i++) {
		CHECK_OK(request(&p, order[i]));
		seen[order[i]] = 1;
		if (order[i] > highest)
			highest = order[i];
	}
	for (int i = 0; i < 64; i++)
		CHECK_ERR(request(&p, order[i]), ERR_PROTO);
	/* Then random counters against a model of the window. */
	for (int i = 0; i < 3000; i++) {
		uint64_t c = 1 + test_rand(&rng) % (sizeof(seen) - 1);
		int want = !seen[c] && (c > highest || highest - c < 64);
		int rc = request(&p, c);
		if ((rc == 0) != want || (rc && rc != ERR_PROTO)) {
			harness_fail(__FILE__, __LINE__,
				     "counter %llu (highest %llu, seen %d): %s",
				     (unsigned long long)c,
				     (unsigned long long)highest, seen[c],
				     err_name(rc));
			pair_release(&p, 1);
			return;
		}
		if (want) {
			seen[c] = 1;
			if (c > highest)
				highest = c;
		}
	}
	pair_release(&p, 1);
}

static void
test_reply_is_bound_to_its_request_counter(void)
{
	struct pair p = { 0 };
	struct buf req = BUF_INIT, rep = BUF_INIT, x = BUF_INIT, pt = BUF_INIT;
	const uint8_t *ct;
	size_t n;
	uint64_t got;
	CHECK_OK(pair_shake(&p));
	uint64_t c = session_next_counter(p.c);
	seal_text(p.c, c, "request", &req);
	CHECK_OK(open_exact(p.s, req.data, req.len, &got, &pt, NULL));
	seal_text(p.s, got, "reply", &rep);
	CHECK_OK(open_exact(p.c, rep.data, rep.len, &got, &pt, NULL));
	CHECK_EQ_INT(got, c); /* the client matches it to its request */
	/* The reply relabelled for the next request does not open. */
	CHECK_OK(sealed_ct(&rep, &ct, &n));
	sealed_raw(session_id(p.c), c + 1, ct, n, &x);
	CHECK_ERR(open_exact(p.c, x.data, x.len, &got, &pt, NULL), ERR_BADSIG);
	/* A request reflected back as a reply, or a reply sent to the
	 * server as a request, does not open: each way has its own key. */
	CHECK_ERR(open_exact(p.c, req.data, req.len, &got, &pt, NULL), ERR_BADSIG);
	seal_text(p.s, c + 5, "reply as request", &x);
	CHECK_ERR(open_exact(p.s, x.data, x.len, &got, &pt, NULL), ERR_BADSIG);
	/* ...and the failed attempt did not take counter c + 5. */
	CHECK_OK(request(&p, c + 5));
	buf_release(&req);
	buf_release(&rep);
	buf_release(&x);
	buf_release(&pt);
	pair_release(&p, 1);
}

static void
test_messages_of_another_session_are_refused(void)
{
	struct pair a = { 0 }, b = { 0 };
	struct buf m = BUF_INIT, pt = BUF_INIT;
	struct diag d;
	uint64_t got;
	CHECK_OK(pair_shake(&a));
	b.ck = a.ck;
	b.sk = a.sk;
	CHECK_OK(pair_shake(&b));
	seal_text(a.c, 1, "for a", &m);
	CHECK_ERR(open_exact(b.s, m.data, m.len, &got, &pt, &d), ERR_PROTO);
	CHECK(strstr(d.text, "another session") != NULL);
	seal_text(a.s, 1, "for a", &m);
	CHECK_ERR(open_exact(b.c, m.data, m.len, &got, &pt, NULL), ERR_PROTO);
	/* b's sessions are untouched: counter 1 is still fresh there. */
	CHECK_OK(request(&b, 1));
	CHECK_OK(request(&a, 1));
	buf_release(&m);
	buf_release(&pt);
	pair_release(&a, 1);
	pair_release(&b, 0);
}

static void
test_truncated_or_padded_sealed_messages_are_refused(void)
{
	struct pair p = { 0 };
	struct buf m = BUF_INIT, pt = BUF_INIT, x = BUF_INIT;
	uint64_t got;
	uint8_t sid[SESSION_ID_BYTES];
	CHECK_OK(pair_shake(&p));
	seal_text(p.c, 9, "truncate me", &m);
	for (size_t n = 0; n < m.len; n++) {
		int rc = open_exact(p.s, m.data, n, &got, &pt, NULL);
		CHECK_ERR(rc, ERR_PROTO);
		CHECK_EQ_INT(pt.len, 0);
	}
	/* A trailing byte. */
	buf_add(&x, m.data, m.len);
	buf_add_byte(&x, 0x00);
	CHECK_ERR(open_exact(p.s, x.data, x.len, &got, &pt, NULL), ERR_PROTO);
	/* A well-formed message whose ciphertext is shorter than a tag. */
	uint8_t short_ct[15] = { 0 };
	sealed_raw(session_id(p.c), 10, short_ct, sizeof(short_ct), &x);
	CHECK_OK(session_sealed_head(x.data, x.len, sid, &got));
	CHECK_ERR(open_exact(p.s, x.data, x.len, &got, &pt, NULL), ERR_PROTO);
	/* Exactly a tag's worth of zeros: a forgery. */
	uint8_t tag_ct[16] = { 0 };
	sealed_raw(session_id(p.c), 10, tag_ct, sizeof(tag_ct), &x);
	CHECK_ERR(open_exact(p.s, x.data, x.len, &got, &pt, NULL), ERR_BADSIG);
	/* The real one still opens after all that. */
	CHECK_OK(open_exact(p.s, m.data, m.len, &got, &pt, NULL));
	CHECK_EQ_STR(buf_cstr(&pt), "truncate me");
	buf_release(&m);
	buf_release(&pt);
	buf_release(&x);
	pair_release(&p, 1);
}

static void
test_handshake_messages_are_not_sealed_messages(void)
{
	struct pair p = { 0 };
	struct buf pt = BUF_INIT, r = BUF_INIT;
	uint64_t got;
	CHECK_OK(pair_shake(&p));
	CHECK_ERR(open_exact(p.s, p.hello.data, p.hello.len, &got, &pt, NULL),
		  ERR_PROTO);
	CHECK_ERR(open_exact(p.c, p.welcome.data, p.welcome.len, &got, &pt, NULL),
		  ERR_PROTO);
	session_refuse("unknown-session", "shake hands again", &r);
	CHECK_ERR(open_exact(p.c, r.data, r.len, &got, &pt, NULL), ERR_PROTO);
	buf_release(&pt);
	buf_release(&r);
	pair_release(&p, 1);
}

static const struct test tests[] = {
	{ "client and server derive working sessions, both ways",
	  test_sessions_work_both_ways },
	{ "empty and 1 MiB plaintexts travel sealed",
	  test_empty_and_large_plaintexts_travel },
	{ "each handshake makes a new session id and new keys",
	  test_each_handshake_makes_new_keys },
	{ "message types are read from the head",
	  test_message_types_are_read_from_the_head },
	{ "a HELLO names its network, client and expected server",
	  test_hello_names_network_client_and_server },
	{ "a WELCOME from another key than the one expected is refused",
	  test_welcome_from_another_key_is_refused },
	{ "a WELCOME answering another HELLO is refused",
	  test_welcome_answering_another_hello_is_refused },
	{ "a HELLO whose signature is wrong is refused",
	  test_hello_with_a_wrong_signature_is_refused },
	{ "a HELLO with any single flipped byte is refused",
	  test_hello_with_any_flipped_byte_is_refused },
	{ "a WELCOME with any single flipped byte makes no session",
	  test_welcome_with_any_flipped_byte_makes_no_session },
	{ "truncated or padded HELLO and WELCOME are refused",
	  test_truncated_handshake_messages_are_refused },
	{ "REFUSE round trips, and truncated ones are refused",
	  test_refuse_round_trips },
	{ "a first HELLO gets a CHALLENGE and can make no session",
	  test_first_hello_gets_a_challenge_and_no_session },
	{ "a cookie serves only the HELLO it was made for, here, until it expires",
	  test_cookie_is_bound_to_its_hello },
	{ "a replayed HELLO is refused by its cookie, before its signature",
	  test_replayed_hello_is_refused_before_its_signature },
	{ "taken cookies are bounded: when full, a new one is refused",
	  test_taken_cookies_are_bounded },
	{ "a refusal of another protocol version names both versions",
	  test_refusal_of_another_version_names_both },
	{ "a sealed head names the session and the counter",
	  test_sealed_head_names_session_and_counter },
	{ "counter zero is refused", test_counter_zero_is_refused },
	{ "a sealed message with any flipped byte fails and changes nothing",
	  test_sealed_message_with_any_flipped_byte_fails },
	{ "a forged counter does not burn the real one",
	  test_forged_counter_does_not_burn_the_real_one },
	{ "a replayed request is refused by the server",
	  test_replayed_request_is_refused },
	{ "an old counter outside the window of 64 is refused",
	  test_old_counter_outside_the_window_is_refused },
	{ "fresh counters in the window are accepted once each, in any order",
	  test_fresh_counters_in_the_window_are_accepted_once_each },
	{ "a reply is bound to its request counter and direction",
	  test_reply_is_bound_to_its_request_counter },
	{ "messages of another session are refused",
	  test_messages_of_another_session_are_refused },
	{ "truncated or padded sealed messages are refused",
	  test_truncated_or_padded_sealed_messages_are_refused },
	{ "handshake messages are not sealed messages",
	  test_handshake_messages_are_not_sealed_messages },
};

TEST_MAIN(tests)

/*
 * session_fuzz.c - fuzz target for the handshake and the sealed messages
 * (crypto/session.h, fuzz.h).  Thin on purpose: it calls only the public
 * session API, the way replication/serve.c and pull.c do, so that it
 * follows a change of the handshake with a change of a few lines.
 *
 * The first byte of an input picks the side, the rest is the message:
 *   0  the server, fed a HELLO: session_msg_type(), session_read_hello(),
 *      then session_challenge() for a first HELLO, or for a second one
 *      session_cookie_take() and session_welcome() on what it accepted;
 *   1  the client, fed the server's answer: to its first HELLO
 *      (session_hello_answer(), a CHALLENGE), and to its second
 *      (session_read_refuse() and session_client_finish());
 *   2  both ends of an open session, fed a SEALED message:
 *      session_sealed_head() and session_open().
 * Randomness is fixed (rand_make_deterministic) and started again for
 * each input, and the server's cookie jar is made afresh first, so the
 * cookie secret, the client's HELLOs and the session are the same every
 * time: the seeds (a second HELLO with its cookie, a WELCOME to it,
 * SEALED messages of that session) reach past the cookie, signature and
 * tag checks.  A SEALED message of that session meets a fresh pair of
 * sessions, so that one input's counter does not make the next a replay.
 *
 * Oracle: every call answers 0 or one of its documented errors; what is
 * accepted names the keys it must; a message opened re-seals to the
 * identical bytes; session_msg_type() gives ERR_PROTO or the message's
 * own type.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/rand.h"
#include "crypto/session.h"
#include "replication/wire.h"
#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

const char fuzz_target[] = "session";

#define NETWORK "north-district"
/* The server's clock and its cookies' lifetime (ms). */
#define NOW_MS 1000000ull
#define COOKIE_MS 10000u

enum { SIDE_SERVER, SIDE_CLIENT, SIDE_SEALED, SIDES };

static struct key *server_key, *client_key;
/*
 * Made once, to spare each input the signatures that make them: the
 * client's handshake (session_client_finish() only reads it), and a
 * session pair that sees only the inputs that cannot open (another
 * session id, or no SEALED head), which leave it as it was.
 */
static struct handshake *client_hs;
static struct session *kept_ss, *kept_cs;

static struct session_cookies *jar_new(void);
static void client_hellos(struct session_cookies *jar, struct handshake **hs,
			  struct buf *first, struct buf *second);
static void open_sessions(struct session **ss, struct session **cs);

void
fuzz_init(void)
{
	uint8_t seed[KEY_SEED_BYTES];
	struct buf first = BUF_INIT, second = BUF_INIT;
	memset(seed, 0x53, sizeof(seed));
	server_key = key_from_seed(seed);
	memset(seed, 0x43, sizeof(seed));
	client_key = key_from_seed(seed);
	rand_make_deterministic(1);
	struct session_cookies *jar = jar_new();
	client_hellos(jar, &client_hs, &first, &second);
	session_cookies_free(jar);
	buf_release(&first);
	buf_release(&second);
	rand_make_deterministic(1);
	open_sessions(&kept_ss, &kept_cs);
}

/* The type field of a message's head as read here, or -1. */
static long long
head_type(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t v, t;
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count < 2 || mp_get_uint(&r, &v) ||
	    v != SESSION_VERSION || mp_get_uint(&r, &t) || t > LLONG_MAX)
		return -1;
	return (long long)t;
}

static void
check_type(const uint8_t *p, size_t n)
{
	int t = session_msg_type(p, n);
	long long want = head_type(p, n);
	if (t == ERR_PROTO ? want >= 0 && want <= 0xff
			   : t < 0 || (long long)t != want)
		fuzz_fail("session_msg_type gives %d for a message of type "
			  "%lld", t, want);
}

/*
 * The server's cookie jar: made first after randomness is started again,
 * so that its secret is the same for every input.
 */
static struct session_cookies *
jar_new(void)
{
	return session_cookies_new(COOKIE_MS, 64);
}

/*
 * The client's side up to its second HELLO, answering jar's CHALLENGE:
 * the same for every input.
 */
static void
client_hellos(struct session_cookies *jar, struct handshake **hs,
	      struct buf *first, struct buf *second)
{
	struct buf challenge = BUF_INIT;
	session_hello(client_key, NETWORK, key_public(server_key), hs, first);
	BUG_ON(session_challenge(jar, NOW_MS, first->data, first->len,
				 &challenge) != 0);
	BUG_ON(session_hello_answer(*hs, client_key, challenge.data,
				    challenge.len, second, NULL) != 0);
	buf_release(&challenge);
}

/* A session between the two keys: the same for every input. */
static void
open_sessions(struct session **ss, struct session **cs)
{
	struct handshake *hs;
	struct buf first = BUF_INIT, second = BUF_INIT, welcome = BUF_INIT;
	struct session_cookies *jar = jar_new();
	client_hellos(jar, &hs, &first, &second);
	BUG_ON(session_cookie_take(jar, NOW_MS, second.data, second.len,
				   NULL) != 0);
	BUG_ON(session_welcome(server_key, second.data, second.len, ss,
			       &welcome, NULL) != 0);
	BUG_ON(session_client_finish(hs, welcome.data, welcome.len, cs,
				     NULL) != 0);
	session_cookies_free(jar);
	handshake_free(hs);
	buf_release(&first);
	buf_release(&second);
	buf_release(&welcome);
}

static void
server_side(const uint8_t *p, size_t n)
{
	struct hello h;
	struct diag d;
	struct session *s = NULL;
	struct buf welcome = BUF_INIT;

	int rc = session_read_hello(p, n, &h, &d);
	if (rc != 0 && rc != ERR_PROTO && rc != ERR_BADSIG) {
		fuzz_fail("session_read_hello returned %d", rc);
		return;
	}
	if (rc)
		return;
	if (strnlen(h.network, sizeof(h.network)) == sizeof(h.network))
		fuzz_fail("HELLO's network is not a string");
	struct session_cookies *jar = jar_new();
	if (!h.has_cookie) {
		rc = session_challenge(jar, NOW_MS, p, n, &welcome);
		if (rc != 0)
			fuzz_fail("session_challenge returned %d for a HELLO "
				  "it read", rc);
		else if (session_msg_type(welcome.data, welcome.len) !=
			 MSG_CHALLENGE)
			fuzz_fail("the answer to a first HELLO is no "
				  "CHALLENGE");
		goto out;
	}
	rc = session_cookie_take(jar, NOW_MS, p, n, &d);
	if (rc != 0 && rc != ERR_PROTO && rc != ERR_BADSIG &&
	    rc != ERR_TIMEOUT)
		fuzz_fail("session_cookie_take returned %d", rc);
	if (rc)
		goto out;
	rc = session_welcome(server_key, p, n, &s, &welcome, &d);
	if (rc != 0 && rc != ERR_PROTO && rc != ERR_BADSIG)
		fuzz_fail("session_welcome returned %d", rc);
	if (rc == 0) {
		if (memcmp(session_peer(s), h.client, 32) != 0)
			fuzz_fail("the session is not with the HELLO's key");
		if (session_msg_type(welcome.data, welcome.len) != MSG_WELCOME)
			fuzz_fail("the answer to a HELLO is no WELCOME");
		session_free(s);
	}
out:
	session_cookies_free(jar);
	buf_release(&welcome);
}

static void
client_side(const uint8_t *p, size_t n)
{
	struct session *s = NULL;
	struct diag d;
	char reason[40], text[200];
	struct handshake *hs;
	struct buf again = BUF_INIT;

	/* As the answer to the first HELLO: a fresh handshake (no signing
	 * to make it) reads it. */
	session_hello(client_key, NETWORK, key_public(server_key), &hs,
		      &again);
	buf_reset(&again);
	int rc = session_hello_answer(hs, client_key, p, n, &again, &d);
	if (rc != 0 && rc != ERR_PROTO)
		fuzz_fail("session_hello_answer returned %d", rc);
	if (rc == 0 && (session_msg_type(again.data, again.len) != MSG_HELLO ||
			session_msg_type(p, n) != MSG_CHALLENGE))
		fuzz_fail("a HELLO again answers what is no CHALLENGE");
	handshake_free(hs);
	buf_release(&again);

	/* As the answer to the second. */
	rc = session_read_refuse(p, n, reason, sizeof(reason), text,
				     sizeof(text));
	if (rc != 0 && rc != ERR_PROTO)
		fuzz_fail("session_read_refuse returned %d", rc);
	if (rc == 0 && (strnlen(reason, sizeof(reason)) == sizeof(reason) ||
			strnlen(text, sizeof(text)) == sizeof(text)))
		fuzz_fail("REFUSE read into unterminated strings");
	rc = session_client_finish(client_hs, p, n, &s, &d);
	if (rc != 0 && rc != ERR_PROTO && rc != ERR_BADSIG)
		fuzz_fail("session_client_finish returned %d", rc);
	if (rc == 0) {
		if (memcmp(session_peer(s), key_public(server_key), 32) != 0)
			fuzz_fail("the session is not with the server's key");
		session_free(s);
	}
}

/* Opens p at one end; what opens must be what the other end seals. */
static void
open_at(struct session *at, struct session *from, const char *end,
	const uint8_t *p, size_t n, int head_ok, uint64_t head_counter)
{
	struct buf pt = BUF_INIT, again = BUF_INIT;
	uint64_t counter = 0;
	struct diag d;
	int rc = session_open(at, p, n, &counter, &pt, &d);
	if (rc != 0 && rc != ERR_PROTO && rc != ERR_BADSIG)
		fuzz_fail("session_open at the %s returned %d", end, rc);
	if (rc == 0) {
		session_seal(from, counter, pt.data, pt.len, &again);
		if (!head_ok || counter != head_counter)
			fuzz_fail("the %s opened what has no SEALED head", end);
		else if (again.len != n || memcmp(again.data, p, n) != 0)
			fuzz_fail("the %s opened a message that its peer "
				  "seals otherwise", end);
	}
	buf_release(&pt);
	buf_release(&again);
}

static void
sealed_side(const uint8_t *p, size_t n)
{
	struct session *ss, *cs;
	uint8_t sid[SESSION_ID_BYTES];
	uint64_t c = 0;
	int rc = session_sealed_head(p, n, sid, &c);
	if (rc != 0 && rc != ERR_PROTO) {
		fuzz_fail("session_sealed_head returned %d", rc);
		return;
	}
	int fresh = rc == 0 &&
		    memcmp(sid, session_id(kept_ss), SESSION_ID_BYTES) == 0;
	if (fresh) {
		open_sessions(&ss, &cs);
	} else {
		ss = kept_ss;
		cs = kept_cs;
	}
	open_at(ss, cs, "server", p, n, rc == 0, c);
	open_at(cs, ss, "client", p, n, rc == 0, c);
	if (fresh) {
		session_free(ss);
		session_free(cs);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	rand_make_deterministic(1);
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	check_type(p, n);
	switch (data[0] % SIDES) {
	case SIDE_SERVER:
		server_side(p, n);
		break;
	case SIDE_CLIENT:
		client_side(p, n);
		break;
	default:
		sealed_side(p, n);
		break;
	}
	return 0;
}

/* ---- seeds ---- */

static void
add_msg(fuzz_seed_fn add, void *ctx, const char *name, int side,
	const struct buf *m)
{
	struct buf b = BUF_INIT;
	buf_add_byte(&b, (uint8_t)side);
	buf_add(&b, m->data, m->len);
	add(ctx, name, b.data, b.len);
	buf_release(&b);
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	struct handshake *hs;
	struct session *ss, *cs;
	struct buf first = BUF_INIT, second = BUF_INIT, welcome = BUF_INIT;
	struct buf m = BUF_INIT, pt = BUF_INIT;

	/* The server's side: HELLOs as clients send them. */
	rand_make_deterministic(1);
	struct session_cookies *jar = jar_new();
	client_hellos(jar, &hs, &first, &second);
	handshake_free(hs);
	add_msg(add, ctx, "seed-server-hello", SIDE_SERVER, &first);
	add_msg(add, ctx, "seed-server-hello-cookie", SIDE_SERVER, &second);
	session_hello(server_key, "another-network", key_public(client_key),
		      &hs, &m);
	add_msg(add, ctx, "seed-server-hello-other", SIDE_SERVER, &m);
	handshake_free(hs);
	buf_reset(&m);

	/* The client's side: the answers to its HELLOs. */
	BUG_ON(session_challenge(jar, NOW_MS, first.data, first.len, &m) != 0);
	add_msg(add, ctx, "seed-client-challenge", SIDE_CLIENT, &m);
	buf_reset(&m);
	BUG_ON(session_cookie_take(jar, NOW_MS, second.data, second.len,
				   NULL) != 0);
	BUG_ON(session_welcome(server_key, second.data, second.len, &ss,
			       &welcome, NULL) != 0);
	add_msg(add, ctx, "seed-client-welcome", SIDE_CLIENT, &welcome);
	session_free(ss);
	session_cookies_free(jar);
	session_refuse("ERR_DENIED", "the key is not in the roster", &m);
	add_msg(add, ctx, "seed-client-refuse", SIDE_CLIENT, &m);
	buf_reset(&m);
	session_refuse("unknown-session",
		       "no such session here: shake hands again", &m);
	add_msg(add, ctx, "seed-client-refuse-session", SIDE_CLIENT, &m);
	buf_reset(&m);
	buf_release(&first);
	buf_release(&second);
	buf_release(&welcome);

	/* Both ends: a request and its reply in the fixed session. */
	rand_make_deterministic(1);
	open_sessions(&ss, &cs);
	uint64_t c = session_next_counter(cs);
	wire_summary_req(&pt);
	session_seal(cs, c, pt.data, pt.len, &m);
	add_msg(add, ctx, "seed-sealed-request", SIDE_SEALED, &m);
	buf_reset(&m);
	buf_reset(&pt);
	wire_error(&pt, ERR_NOTFOUND, "no such blob here");
	session_seal(ss, c, pt.data, pt.len, &m);
	add_msg(add, ctx, "seed-sealed-reply", SIDE_SEALED, &m);
	buf_reset(&m);
	session_seal(cs, UINT64_MAX, NULL, 0, &m);
	add_msg(add, ctx, "seed-sealed-empty-last-counter", SIDE_SEALED, &m);
	session_free(ss);
	session_free(cs);
	buf_release(&m);
	buf_release(&pt);
}

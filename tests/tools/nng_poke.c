/*
 * nng_poke.c - a raw nng client (and impostor server, and man in the
 * middle, and lying member) that attacks a node's replication port, for
 * tests/integration/repl_security.sh and repl_hostile.sh.
 *
 *   nng_poke MODE URL [--key FILE] [--server HEX] [--network NAME]
 *                     [--count N] [--seconds S] [--timeout MS] [--seed N]
 *                     [--to URL] [--file FILE] [--seq N] [--proto N]
 *                     [--flip N]
 *
 * URL may name a source address, as nng allows: tcp://127.0.0.6;HOST:PORT.
 * Client modes send messages on a req0 socket and classify every answer
 * (REFUSE with its reason, in any protocol version; WELCOME; CHALLENGE;
 * SEALED; something else; or none within --timeout).  When the node
 * closes the connection under a request (a connection that has not
 * authenticated within its deadline), the request is sent again (up to
 * three times) on the connection req0 makes again.  Each mode knows what a sound node
 * must answer and the tool exits 0 only if every answer was that:
 *
 *   garbage          --count random byte strings: a REFUSE to each
 *   truncated        every proper prefix of a HELLO: a REFUSE to each (a
 *                    member's --key: its second HELLO, with a real cookie)
 *   flipped          a HELLO with each byte flipped in turn: REFUSE (as
 *                    for truncated)
 *   hello            a handshake's first round trip and its second HELLO:
 *                    WELCOME if --key is a member, else REFUSE (the
 *                    answer is printed; the exit status says which)
 *   hello-version    a first HELLO framed as protocol version --proto: the
 *                    answer is printed (a REFUSE that names the versions)
 *   huge             a message over the 4 MiB limit and one just over the
 *                    server's 16 KiB limit for requests (no answer: nng
 *                    drops them), one just under it (REFUSE), then a HELLO
 *                    (any answer: the node is still there)
 *   unknown-session  --count SEALED messages for random session ids:
 *                    REFUSE "unknown-session"
 *   session          --key must be a member: a real handshake through
 *                    crypto/session.h, then replayed, flipped, spliced and
 *                    out-of-window requests and requests the server cannot
 *                    answer; prints one "ok:" or "FAIL:" line per check
 *   hello-record     --key must be a member: --count real handshakes,
 *                    each session used once; the HELLOs that opened them
 *                    are written to --file (what an eavesdropper records)
 *   hello-replay     --key must be a member: a real handshake, then
 *                    --count replays of its HELLO (or, with --file, of the
 *                    recorded ones in turn); each must be refused and the
 *                    session must still work afterwards
 *   push             a real handshake from --key, then one PUSH of the
 *                    last --count envelopes of --file (an export stream),
 *                    with the heads their events name (each author's
 *                    highest seq), as a node's daemon sends them; with
 *                    --flip N, the byte N from the end of each envelope
 *                    (in its signature) is flipped first.  Prints
 *                    "push: held MASK" (a HELD, from a node that pulls
 *                    from --key: the heads it held before) or "push: ack"
 *                    (exit 0), or what came instead (exit 1; a refused
 *                    handshake too)
 *   hammer           every attack above from a key that is not a member,
 *                    in a loop for --seconds: REFUSE to everything but
 *                    the oversized messages, never a WELCOME or SEALED
 *
 * and three server modes:
 *
 *   tamper           listens on URL and relays to --to URL, altering the
 *                    first SEALED messages in transit (a flipped request,
 *                    a flipped reply, a replayed request, a replayed
 *                    reply; see mode_tamper()), then relaying faithfully
 *   serve            listens on URL and answers every HELLO with a
 *                    CHALLENGE, then a WELCOME signed by --key whatever
 *                    key the client
 *                    meant (an impostor holding another node's address),
 *                    anything else with a REFUSE; runs until SIGTERM or
 *                    --seconds, then prints what it saw
 *   liar             listens on URL as the member --key: real handshakes,
 *                    then a SUMMARY that claims --seq events of its own
 *                    feed (2^63-1 unless told) and empty answers to every
 *                    FETCH; prints how many summaries and fetches it was
 *                    asked for, once a second and at the end
 *
 * The last line is "MODE: sent N, refuse N, welcome N, sealed N, other N,
 * none N, challenge N, redialled N" (serve: "serve: hello N, other N";
 * tamper: what it altered; liar: what it was asked).
 * Exit 0: as expected; 1: not; 2: usage or set-up error.
 *
 * This tool speaks nng directly, like replication/ (it is the network
 * side of a test, not a module); the protocol's cryptography is the
 * project's own crypto/session.h.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/session.h"
#include "replication/wire.h"
#include "common/banned.h"

enum answer { A_NONE, A_REFUSE, A_WELCOME, A_SEALED, A_OTHER, A_ERROR,
	      A_CHALLENGE };
static const char *const answer_names[] = { "none", "refuse", "welcome",
					    "sealed", "other", "error",
					    "challenge" };

#define MAX_REASONS 16

struct poke {
	const char *mode, *url;
	const char *to; /* tamper: the node behind us */
	const char *file; /* hello-record, hello-replay */
	uint64_t seq;     /* liar: the seq its summary claims */
	uint64_t proto;   /* hello-version: the version it claims */
	long flip;        /* push: the byte from the end to flip (0: none) */
	struct key *key;
	uint8_t server[32];
	const char *network;
	long count;
	double seconds;
	int timeout_ms;
	uint64_t rng;
	nng_socket sock;
	/* The tally of answers. */
	long sent, n[A_CHALLENGE + 1];
	long redials; /* connections the node closed under us, redialled */
	struct {
		char name[40];
		long n;
	} reasons[MAX_REASONS];
	int nreasons;
	long unexpected;
	/* The last answer. */
	struct buf reply;
	char reason[40], text[200];
};

static volatile sig_atomic_t stop_now;

static void
on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* splitmix64: garbage needs no cryptographic quality, only a seed. */
static uint64_t
rnd(struct poke *pk)
{
	uint64_t z = (pk->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
rnd_bytes(struct poke *pk, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd(pk);
}

static void
count_reason(struct poke *pk, const char *reason)
{
	for (int i = 0; i < pk->nreasons; i++)
		if (strcmp(pk->reasons[i].name, reason) == 0) {
			pk->reasons[i].n++;
			return;
		}
	if (pk->nreasons == MAX_REASONS)
		return;
	snprintf(pk->reasons[pk->nreasons].name,
		 sizeof(pk->reasons[0].name), "%s", reason);
	pk->reasons[pk->nreasons++].n = 1;
}

/* ---- the client socket ---- */

/*
 * A req0 socket dialled to the URL; 0, or 2 after saying why not.  With
 * flags NNG_FLAG_NONBLOCK, the dialer keeps trying in the background.
 */
static int
dial_flags(struct poke *pk, nng_socket *out, int flags)
{
	nng_socket s;
	int rc;
	if ((rc = nng_req0_open(&s))) {
		fprintf(stderr, "nng_poke: cannot open a req0 socket: %s\n",
			nng_strerror(rc));
		return 2;
	}
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, pk->timeout_ms);
	/* A resent request would be a replay of our own: never resend. */
	nng_socket_set_ms(s, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, 0);
	nng_socket_set_ms(s, NNG_OPT_RECONNMINT, 20);
	nng_socket_set_ms(s, NNG_OPT_RECONNMAXT, 200);
	if ((rc = nng_dial(s, pk->url, NULL, flags))) {
		fprintf(stderr, "nng_poke: cannot dial '%s': %s\n", pk->url,
			nng_strerror(rc));
		nng_close(s);
		return 2;
	}
	*out = s;
	return 0;
}

static int
dial(struct poke *pk, nng_socket *out)
{
	return dial_flags(pk, out, 0);
}

/* Sockets being closed on threads of their own (see close_later()). */
static pthread_mutex_t closing_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closing_cv = PTHREAD_COND_INITIALIZER;
static int closing;

static void *
close_thread(void *arg)
{
	nng_socket *s = arg;
	nng_close(*s);
	free(s);
	pthread_mutex_lock(&closing_mu);
	closing--;
	pthread_cond_signal(&closing_cv);
	pthread_mutex_unlock(&closing_mu);
	return NULL;
}

/*
 * Closes a socket without waiting: nng_close() on a req0 socket whose
 * connection was reset under a request can hang in nng 1.5.2
 * (nanomsg/nng#1813).  closes_done() waits for them at the end.
 */
static void
close_later(nng_socket s)
{
	pthread_t t;
	nng_socket *arg = xmalloc(sizeof(*arg));
	*arg = s;
	pthread_mutex_lock(&closing_mu);
	closing++;
	pthread_mutex_unlock(&closing_mu);
	if (pthread_create(&t, NULL, close_thread, arg) != 0) {
		free(arg);
		pthread_mutex_lock(&closing_mu);
		closing--;
		pthread_mutex_unlock(&closing_mu);
		return;
	}
	pthread_detach(t);
}

/* 1 once every close_later() has finished, 0 if one is still stuck
 * after ms milliseconds. */
static int
closes_done(int ms)
{
	struct timespec until;
	int rc = 0;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&closing_mu);
	while (closing > 0 && rc == 0)
		rc = pthread_cond_timedwait(&closing_cv, &closing_mu, &until);
	int done = closing == 0;
	pthread_mutex_unlock(&closing_mu);
	return done;
}

/*
 * Sends [p, p+n) and waits for the answer (into pk->reply); counts it
 * and returns its kind.  A REFUSE's reason and text go to pk->reason and
 * pk->text.
 */
static enum answer
exchange_on(struct poke *pk, nng_socket sock, const uint8_t *p, size_t n,
	    int timeout_ms)
{
	void *r = NULL;
	size_t rn = 0;
	int rc;
	enum answer a;
	buf_reset(&pk->reply);
	pk->reason[0] = pk->text[0] = '\0';
	nng_socket_set_ms(sock, NNG_OPT_RECVTIMEO, timeout_ms);
	pk->sent++;
	/* nng_send copies the bytes (no NNG_FLAG_ALLOC). */
	if ((rc = nng_send(sock, (void *)(uintptr_t)p, n, 0)) != 0) {
		a = rc == NNG_ETIMEDOUT ? A_NONE : A_ERROR;
		snprintf(pk->text, sizeof(pk->text), "send: %s", nng_strerror(rc));
		goto out;
	}
	rc = nng_recv(sock, &r, &rn, NNG_FLAG_ALLOC);
	if (rc) {
		a = rc == NNG_ETIMEDOUT ? A_NONE : A_ERROR;
		snprintf(pk->text, sizeof(pk->text), "recv: %s", nng_strerror(rc));
		goto out;
	}
	buf_add(&pk->reply, r, rn);
	nng_free(r, rn);
	/* A REFUSE of any version: a node answers an older or newer
	 * client's message in that client's version. */
	if (session_read_refuse(pk->reply.data, pk->reply.len, pk->reason,
				sizeof(pk->reason), pk->text,
				sizeof(pk->text)) == 0) {
		a = A_REFUSE;
		count_reason(pk, pk->reason);
		goto out;
	}
	switch (session_msg_type(pk->reply.data, pk->reply.len)) {
	case MSG_WELCOME: a = A_WELCOME; break;
	case MSG_CHALLENGE: a = A_CHALLENGE; break;
	case MSG_SEALED: a = A_SEALED; break;
	default: a = A_OTHER; break;
	}
out:
	pk->n[a]++;
	return a;
}

/*
 * On the tool's main socket.  The node closes a connection that has not
 * authenticated within its handshake deadline; req0 then dials again on
 * its own, and the message is sent again (up to three times) on the new one.
 */
static enum answer
exchange(struct poke *pk, const uint8_t *p, size_t n)
{
	enum answer a = exchange_on(pk, pk->sock, p, n, pk->timeout_ms);
	for (int again = 0; again < 3 && a == A_ERROR && strstr(pk->text, "reset");
	     again++) {
		pk->n[A_ERROR]--;
		pk->sent--;
		pk->redials++;
		a = exchange_on(pk, pk->sock, p, n, pk->timeout_ms);
	}
	return a;
}

/* Counts an answer that is not the one a sound node gives. */
static void
unexpected(struct poke *pk, enum answer got, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
unexpected(struct poke *pk, enum answer got, const char *fmt, ...)
{
	va_list ap;
	/* Two hammers from one address, each also dialling for its
	 * oversized messages, are more connections than the node lets an
	 * unauthenticated address hold: it closes the newest at once, and
	 * a request on it goes unanswered.  Silence is the node keeping its
	 * bound; only a wrong answer is a fault (counted as "none"). */
	if (got == A_NONE && strcmp(pk->mode, "hammer") == 0)
		return;
	pk->unexpected++;
	if (pk->unexpected > 10)
		return; /* the tally tells the rest */
	printf("unexpected: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(": got %s%s%s%s\n", answer_names[got], pk->reason[0] ? " " : "",
	       pk->reason, pk->text[0] ? " - " : "");
	if (pk->text[0])
		printf("  (%s)\n", pk->text);
}

/* Expects a REFUSE (with reason, if not NULL). */
static void
want_refuse(struct poke *pk, enum answer a, const char *reason,
	    const char *what, size_t i)
{
	if (a != A_REFUSE || (reason && strcmp(pk->reason, reason) != 0))
		unexpected(pk, a, "%s %zu", what, i);
}

/* A first HELLO from our key to the server key (the network as given). */
static void
make_hello(struct poke *pk, struct buf *out, struct handshake **hs)
{
	struct handshake *h;
	session_hello(pk->key, pk->network, pk->server, &h, out);
	if (hs)
		*hs = h;
	else
		handshake_free(h);
}

/*
 * The first round trip of a handshake from our key: the HELLO, the
 * node's CHALLENGE; the second HELLO (its cookie, signed) goes into out.
 * Returns the answer to the first HELLO: A_CHALLENGE when out is written.
 */
static enum answer
cookie_round(struct poke *pk, struct buf *out, struct handshake **hs)
{
	struct buf h1 = BUF_INIT;
	struct handshake *h;
	make_hello(pk, &h1, &h);
	enum answer a = exchange(pk, h1.data, h1.len);
	if (a == A_CHALLENGE &&
	    session_hello_answer(h, pk->key, pk->reply.data, pk->reply.len, out,
				 NULL) != 0)
		a = A_OTHER;
	buf_release(&h1);
	if (hs)
		*hs = h;
	else
		handshake_free(h);
	return a;
}

/*
 * The HELLO the simple attacks cut and flip: for a member's key, a second
 * HELLO with a real cookie (every change to it must still be refused);
 * for any other key, a first HELLO (refused as not a member).
 */
static void
attack_hello(struct poke *pk, struct buf *out)
{
	if (cookie_round(pk, out, NULL) != A_CHALLENGE) {
		buf_reset(out);
		make_hello(pk, out, NULL);
	}
}

/* ---- the simple attacks ---- */

/* Random bytes; a third of them behind the head of a real message type,
 * so that they get past the first check. */
static void
send_garbage(struct poke *pk, size_t i)
{
	static const uint8_t heads[][3] = { { 0x99, SESSION_VERSION, MSG_HELLO },
					    { 0x95, SESSION_VERSION, MSG_SEALED },
					    { 0x94, SESSION_VERSION, MSG_REFUSE } };
	size_t n = (size_t)(rnd(pk) % 2048);
	uint8_t *p = xmalloc(n ? n : 1);
	rnd_bytes(pk, p, n);
	if (n >= 3 && rnd(pk) % 3 == 0)
		memcpy(p, heads[rnd(pk) % 3], 3);
	want_refuse(pk, exchange(pk, p, n), NULL, "random bytes", i);
	free(p);
}

static void
send_truncated_hello(struct poke *pk, const struct buf *h, size_t cut)
{
	want_refuse(pk, exchange(pk, h->data, cut % h->len), NULL,
		    "HELLO cut to bytes", cut % h->len);
}

static void
send_flipped_hello(struct poke *pk, const struct buf *h, size_t at)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	uint8_t *x = xmalloc(h->len);
	memcpy(x, h->data, h->len);
	x[at % h->len] ^= masks[at % 3];
	enum answer a = exchange(pk, x, h->len);
	if (a != A_REFUSE)
		unexpected(pk, a, "HELLO with byte %zu flipped", at % h->len);
	free(x);
}

static void
send_unknown_session(struct poke *pk, size_t i)
{
	struct buf m = BUF_INIT;
	uint8_t sid[SESSION_ID_BYTES], ct[512];
	size_t n = 16 + (size_t)(rnd(pk) % (sizeof(ct) - 16));
	rnd_bytes(pk, sid, sizeof(sid));
	rnd_bytes(pk, ct, n);
	mp_put_array(&m, 5);
	mp_put_uint(&m, SESSION_VERSION);
	mp_put_uint(&m, MSG_SEALED);
	mp_put_bin(&m, sid, sizeof(sid));
	mp_put_uint(&m, 1 + rnd(pk) % 1000);
	mp_put_bin(&m, ct, n);
	want_refuse(pk, exchange(pk, m.data, m.len), "unknown-session",
		    "SEALED for an unknown session", i);
	/* The hammer also sends it cut short: refused, for any reason. */
	if (strcmp(pk->mode, "hammer") == 0)
		want_refuse(pk, exchange(pk, m.data, (size_t)(rnd(pk) % m.len)),
			    NULL, "SEALED cut short", i);
	buf_release(&m);
}

/*
 * Over the limit: nng drops it and cuts the connection, so no answer.
 * It goes on a socket of its own: req0 would send it again on the next
 * connection, and the socket cannot be trusted to recover.
 */
static void
send_oversized(struct poke *pk, size_t n, int timeout_ms)
{
	uint8_t *p = xcalloc(1, n);
	nng_socket s;
	if (dial(pk, &s)) {
		pk->unexpected++;
		free(p);
		return;
	}
	p[0] = 0x95; /* it even starts like a SEALED message */
	p[1] = 0x01;
	p[2] = 0x10;
	enum answer a = exchange_on(pk, s, p, n, timeout_ms);
	/* No answer, or the connection cut under it ("connection reset"). */
	if (a != A_NONE && a != A_ERROR)
		unexpected(pk, a, "a message of %zu bytes", n);
	close_later(s);
	free(p);
}

static int
mode_simple(struct poke *pk)
{
	struct buf h = BUF_INIT;
	if (strcmp(pk->mode, "garbage") == 0) {
		for (long i = 0; i < pk->count; i++)
			send_garbage(pk, (size_t)i);
	} else if (strcmp(pk->mode, "truncated") == 0) {
		attack_hello(pk, &h);
		for (size_t cut = 0; cut < h.len; cut++)
			send_truncated_hello(pk, &h, cut);
	} else if (strcmp(pk->mode, "flipped") == 0) {
		attack_hello(pk, &h);
		for (size_t at = 0; at < h.len; at++)
			send_flipped_hello(pk, &h, at);
	} else if (strcmp(pk->mode, "unknown-session") == 0) {
		for (long i = 0; i < pk->count; i++)
			send_unknown_session(pk, (size_t)i);
	} else if (strcmp(pk->mode, "hello") == 0 ||
		   strcmp(pk->mode, "hello-version") == 0) {
		enum answer a;
		if (strcmp(pk->mode, "hello") == 0) {
			a = cookie_round(pk, &h, NULL);
			if (a == A_CHALLENGE)
				a = exchange(pk, h.data, h.len);
		} else {
			/* A first HELLO framed as protocol version --proto. */
			uint8_t eph[32], nonce[32];
			rnd_bytes(pk, eph, 32);
			rnd_bytes(pk, nonce, 32);
			mp_put_array(&h, 9);
			mp_put_uint(&h, pk->proto);
			mp_put_uint(&h, MSG_HELLO);
			mp_put_cstr(&h, pk->network);
			mp_put_bin(&h, key_public(pk->key), 32);
			mp_put_bin(&h, eph, 32);
			mp_put_bin(&h, nonce, 32);
			mp_put_bin(&h, pk->server, 32);
			mp_put_bin(&h, "", 0);
			mp_put_bin(&h, "", 0);
			a = exchange(pk, h.data, h.len);
		}
		printf("answer: %s%s%s%s%s\n", answer_names[a],
		       pk->reason[0] ? " " : "", pk->reason,
		       pk->text[0] ? ": " : "", pk->text);
	} else if (strcmp(pk->mode, "huge") == 0) {
		/* Over nng's limit, and just over the server's: dropped
		 * unread, the connection cut. */
		send_oversized(pk, WIRE_MAX_MESSAGE + ((size_t)1 << 20), pk->timeout_ms);
		send_oversized(pk, WIRE_MAX_REQUEST + 1024, pk->timeout_ms);
		/* Just under the server's limit (nng's header counts too):
		 * read, and refused as what it is. */
		size_t n = WIRE_MAX_REQUEST - 64;
		uint8_t *p = xmalloc(n);
		rnd_bytes(pk, p, n);
		want_refuse(pk, exchange(pk, p, n), NULL, "a message of bytes", n);
		free(p);
		make_hello(pk, &h, NULL);
		enum answer a = exchange(pk, h.data, h.len);
		if (a != A_REFUSE && a != A_CHALLENGE)
			unexpected(pk, a, "a HELLO after the big ones%s", "");
	} else {
		return 2;
	}
	buf_release(&h);
	return 0;
}

static void
mode_hammer(struct poke *pk)
{
	uint64_t end = now_ms() + (uint64_t)(pk->seconds * 1000);
	uint64_t next_huge = now_ms() + 100;
	size_t i = 0;
	while (now_ms() < end && !stop_now) {
		/* An oversized message four times a second; the rest as fast
		 * as the node answers. */
		if (now_ms() >= next_huge) {
			send_oversized(pk, WIRE_MAX_MESSAGE + ((size_t)1 << 20), 300);
			next_huge = now_ms() + 250;
		} else {
			struct buf h1 = BUF_INIT;
			if (i % 5 == 1 || i % 5 == 2)
				make_hello(pk, &h1, NULL);
			switch (i % 5) {
			case 0: send_garbage(pk, i); break;
			case 1: send_truncated_hello(pk, &h1, (size_t)rnd(pk)); break;
			case 2: send_flipped_hello(pk, &h1, (size_t)rnd(pk)); break;
			case 3: send_unknown_session(pk, i); break;
			default: {
				/* A whole HELLO from our key: refused, since
				 * it is not a member (and must not be). */
				struct buf h = BUF_INIT;
				make_hello(pk, &h, NULL);
				enum answer a = exchange(pk, h.data, h.len);
				if (a != A_REFUSE)
					unexpected(pk, a, "HELLO %zu", i);
				buf_release(&h);
			}
			}
			buf_release(&h1);
		}
		i++;
	}
}

/* ---- a real session ---- */

struct sess {
	struct session *s;
	struct buf hello;
	uint64_t next; /* the next fresh counter */
};

static int
shake(struct poke *pk, struct sess *ss)
{
	struct handshake *hs;
	struct diag d;
	buf_init(&ss->hello);
	ss->s = NULL;
	enum answer a = cookie_round(pk, &ss->hello, &hs);
	if (a == A_CHALLENGE)
		a = exchange(pk, ss->hello.data, ss->hello.len);
	int rc = -1;
	if (a == A_WELCOME) {
		rc = session_client_finish(hs, pk->reply.data, pk->reply.len,
					   &ss->s, &d);
		if (rc)
			printf("FAIL: the WELCOME does not check: %s\n", d.text);
	} else {
		printf("FAIL: a HELLO from a member key is answered with %s %s %s\n",
		       answer_names[a], pk->reason, pk->text);
	}
	handshake_free(hs);
	ss->next = 1;
	return rc;
}

static void
sess_release(struct sess *ss)
{
	session_free(ss->s);
	buf_release(&ss->hello);
}

/*
 * Sends plaintext pt sealed under counter; the sent bytes go to sent (if
 * not NULL).  A SEALED answer must open, under the same counter, into
 * plain; it is A_OTHER if it does not.
 */
static enum answer
request(struct poke *pk, struct sess *ss, uint64_t counter,
	const struct buf *pt, struct buf *sent, struct buf *plain)
{
	struct buf m = BUF_INIT;
	struct diag d;
	uint64_t got;
	session_seal(ss->s, counter, pt->data, pt->len, &m);
	enum answer a = exchange(pk, m.data, m.len);
	if (sent) {
		buf_reset(sent);
		buf_add(sent, m.data, m.len);
	}
	buf_release(&m);
	if (a == A_SEALED) {
		buf_reset(plain);
		if (session_open(ss->s, pk->reply.data, pk->reply.len, &got, plain,
				 &d) || got != counter) {
			snprintf(pk->text, sizeof(pk->text),
				 "the sealed answer does not open under counter %llu",
				 (unsigned long long)counter);
			a = A_OTHER;
		}
	}
	return a;
}

struct checks {
	int ok, failed;
};

static void
check(struct checks *c, struct poke *pk, int good, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
check(struct checks *c, struct poke *pk, int good, const char *fmt, ...)
{
	va_list ap;
	printf("%s: ", good ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (!good && (pk->reason[0] || pk->text[0]))
		printf(" (last answer: %s %s)", pk->reason, pk->text);
	printf("\n");
	if (good)
		c->ok++;
	else
		c->failed++;
}

static int
mode_session(struct poke *pk)
{
	struct sess ss, other;
	struct checks c = { 0, 0 };
	struct buf pt = BUF_INIT, sent = BUF_INIT, plain = BUF_INIT;
	enum answer a;

	if (shake(pk, &ss))
		return 1;
	check(&c, pk, 1, "a member key gets a session");

	wire_summary_req(&pt);
	uint64_t first = ss.next++;
	a = request(pk, &ss, first, &pt, &sent, &plain);
	check(&c, pk, a == A_SEALED && wire_type(plain.data, plain.len) == W_SUMMARY,
	      "a sealed SUMMARY_REQ gets a SUMMARY under its counter");

	a = exchange(pk, sent.data, sent.len);
	check(&c, pk, a == A_REFUSE && strstr(pk->text, "replay") != NULL,
	      "the same request sent again is refused as a replay");

	/* Every byte of a fresh request flipped in turn. */
	uint64_t fresh = ss.next++;
	struct buf req = BUF_INIT;
	session_seal(ss.s, fresh, pt.data, pt.len, &req);
	long refused = 0, unknown = 0, answered = 0;
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	for (size_t i = 0; i < req.len; i++) {
		uint8_t *x = xmalloc(req.len);
		memcpy(x, req.data, req.len);
		x[i] ^= masks[i % 3];
		a = exchange(pk, x, req.len);
		free(x);
		if (a == A_REFUSE && strcmp(pk->reason, "unknown-session") == 0)
			unknown++;
		else if (a == A_REFUSE)
			refused++;
		else
			answered++;
	}
	printf("flipped requests: %zu sent, %ld refused (logged), %ld refused "
	       "as unknown-session, %ld otherwise answered\n",
	       req.len, refused, unknown, answered);
	check(&c, pk, answered == 0, "every flipped byte of a request is refused");
	a = exchange(pk, req.data, req.len);
	check(&c, pk, a == A_SEALED,
	      "the untouched request is answered after its flipped copies");
	buf_release(&req);

	/* The replay window. */
	uint64_t hi = ss.next + 100;
	a = request(pk, &ss, hi, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED, "a counter far ahead is accepted");
	a = request(pk, &ss, hi - 64, &pt, NULL, &plain);
	check(&c, pk, a == A_REFUSE, "a fresh counter 64 behind the highest is refused");
	a = request(pk, &ss, hi - 63, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED, "a fresh counter 63 behind the highest is accepted");
	a = request(pk, &ss, hi - 63, &pt, NULL, &plain);
	check(&c, pk, a == A_REFUSE, "...but only once");
	a = request(pk, &ss, 0, &pt, NULL, &plain);
	check(&c, pk, a == A_REFUSE, "counter 0 is refused");
	ss.next = hi + 1;

	/* Another session's request relabelled with our session id. */
	if (shake(pk, &other) == 0) {
		struct buf m = BUF_INIT;
		struct mp_reader r;
		uint32_t count;
		uint64_t v;
		const uint8_t *sid, *ct;
		size_t sn, ctn;
		session_seal(other.s, ss.next, pt.data, pt.len, &m);
		mp_reader_init(&r, m.data, m.len, NULL);
		if (mp_get_array(&r, &count) == 0 && mp_get_uint(&r, &v) == 0 &&
		    mp_get_uint(&r, &v) == 0 && mp_get_bin(&r, &sid, &sn) == 0 &&
		    mp_get_uint(&r, &v) == 0 && mp_get_bin(&r, &ct, &ctn) == 0) {
			struct buf x = BUF_INIT;
			mp_put_array(&x, 5);
			mp_put_uint(&x, SESSION_VERSION);
			mp_put_uint(&x, MSG_SEALED);
			mp_put_bin(&x, session_id(ss.s), SESSION_ID_BYTES);
			mp_put_uint(&x, ss.next);
			mp_put_bin(&x, ct, ctn);
			a = exchange(pk, x.data, x.len);
			check(&c, pk, a == A_REFUSE,
			      "another session's request under our session id is refused");
			buf_release(&x);
		}
		buf_release(&m);
		sess_release(&other);
	}

	/* Requests the server cannot answer: an ERROR, and the session
	 * lives on. */
	static uint8_t ids[WIRE_MAX_GET + 1][32];
	static struct wire_range ranges[WIRE_MAX_RANGES + 1];
	for (int i = 0; i <= WIRE_MAX_RANGES; i++) {
		ranges[i].from = 1;
		ranges[i].to = 10;
	}
	struct {
		const char *what;
		int kind;
	} bad[] = { { "a GET of 257 ids", 0 },
		    { "a FETCH of 65 ranges", 1 },
		    { "a BLOB_REQ for a blob that is not there", 2 },
		    { "a plaintext that is not a message", 3 },
		    { "an unknown request type", 4 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&pt);
		switch (bad[i].kind) {
		case 0: wire_get(&pt, (const uint8_t (*)[32])ids, WIRE_MAX_GET + 1); break;
		case 1: wire_fetch(&pt, ranges, WIRE_MAX_RANGES + 1, 10, 1000); break;
		case 2: wire_blob_req(&pt, ids[0], 0, 1000); break;
		case 3: buf_add_str(&pt, "\xc1 not msgpack"); break;
		default: mp_put_array(&pt, 1); mp_put_uint(&pt, 0x7f); break;
		}
		a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
		check(&c, pk, a == A_SEALED && wire_type(plain.data, plain.len) == W_ERROR,
		      "%s is answered with an ERROR", bad[i].what);
	}
	struct wire_head h;
	memset(&h, 0, sizeof(h));
	memcpy(h.author, key_public(pk->key), 32);
	buf_reset(&pt);
	wire_hint(&pt, &h);
	a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED && wire_type(plain.data, plain.len) == W_ACK,
	      "a HINT is answered with an ACK");
	buf_reset(&pt);
	wire_summary_req(&pt);
	a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED && wire_type(plain.data, plain.len) == W_SUMMARY,
	      "the session still works after all that");

	printf("session checks: %d ok, %d failed\n", c.ok, c.failed);
	pk->unexpected += c.failed;
	buf_release(&pt);
	buf_release(&sent);
	buf_release(&plain);
	sess_release(&ss);
	return 0;
}

/* The whole of a file into out; -1 (said) when it cannot be read. */
static int
slurp(const char *path, struct buf *out)
{
	uint8_t chunk[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "nng_poke: cannot open '%s'\n", path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}

static int
mode_push(struct poke *pk)
{
	struct buf in = BUF_INIT, pt = BUF_INIT, plain = BUF_INIT;
	size_t off = 0, used, n = 0, first;
	size_t offs[256], lens[256];
	const uint8_t *env[WIRE_PUSH_EVENTS];
	struct wire_head heads[WIRE_PUSH_HEADS];
	size_t nh = 0;
	struct sess ss;
	int rc = 1;

	if (!pk->file || slurp(pk->file, &in))
		return 2;
	while (off < in.len && n < 256) {
		struct envelope e;
		if (envelope_read(in.data + off, in.len - off, &e, &used, NULL)) {
			fprintf(stderr, "nng_poke: '%s' is not a stream of envelopes\n",
				pk->file);
			buf_release(&in);
			return 2;
		}
		offs[n] = off;
		lens[n++] = used;
		off += used;
	}
	first = pk->count > 0 && (size_t)pk->count < n ? n - (size_t)pk->count : 0;
	if (n - first > WIRE_PUSH_EVENTS || n == first) {
		fprintf(stderr, "nng_poke: a PUSH carries 1 to %d events\n",
			WIRE_PUSH_EVENTS);
		buf_release(&in);
		return 2;
	}
	for (size_t i = first; i < n; i++) {
		struct envelope e;
		struct event ev;
		size_t k;
		if (envelope_read(in.data + offs[i], lens[i], &e, &used, NULL) ||
		    event_decode(e.event, e.event_len, &ev, NULL))
			continue;
		for (k = 0; k < nh && memcmp(heads[k].author, ev.author, 32); k++)
			;
		if (k == nh && nh == WIRE_PUSH_HEADS)
			continue;
		int fresh = k == nh;
		if (fresh)
			nh++;
		if (fresh || ev.seq > heads[k].seq) {
			memcpy(heads[k].author, ev.author, 32);
			heads[k].seq = ev.seq;
			memcpy(heads[k].id, e.id, 32);
		}
		if (pk->flip > 0 && (size_t)pk->flip <= lens[i])
			in.data[offs[i] + lens[i] - (size_t)pk->flip] ^= 0x01;
		env[i - first] = in.data + offs[i];
	}
	if (shake(pk, &ss)) {
		printf("push: no session\n");
		buf_release(&in);
		return 1;
	}
	wire_push(&pt, heads, nh, env, lens + first, n - first);
	enum answer a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
	uint32_t held;
	if (a == A_SEALED && wire_type(plain.data, plain.len) == W_ACK) {
		printf("push: ack\n");
		rc = 0;
	} else if (a == A_SEALED && wire_held_decode(plain.data, plain.len, &held) == 0) {
		printf("push: held %u\n", held);
		rc = 0;
	} else {
		printf("push: %s %s %s\n", answer_names[a], pk->reason, pk->text);
	}
	sess_release(&ss);
	buf_release(&pt);
	buf_release(&plain);
	buf_release(&in);
	return rc;
}

/*
 * --count real handshakes with a member's key, each then used once; the
 * HELLO that opened each session goes to --file, one hex line each: what
 * an eavesdropper records.
 */
static int
mode_hello_record(struct poke *pk)
{
	struct buf pt = BUF_INIT, plain = BUF_INIT;
	FILE *f;
	long made = 0;
	if (!pk->file || !(f = fopen(pk->file, "w"))) {
		fprintf(stderr, "nng_poke: hello-record needs --file FILE\n");
		return 2;
	}
	wire_summary_req(&pt);
	for (long i = 0; i < pk->count; i++) {
		struct sess ss;
		if (shake(pk, &ss))
			break;
		if (request(pk, &ss, ss.next++, &pt, NULL, &plain) == A_SEALED) {
			for (size_t k = 0; k < ss.hello.len; k++)
				fprintf(f, "%02x", ss.hello.data[k]);
			fprintf(f, "\n");
			made++;
		}
		sess_release(&ss);
	}
	fclose(f);
	printf("hello-record: %ld HELLOs recorded\n", made);
	buf_release(&pt);
	buf_release(&plain);
	return made == pk->count ? 0 : 1;
}

/* The HELLOs of --file (see mode_hello_record()); their count. */
static size_t
load_hellos(struct poke *pk, struct buf **out)
{
	FILE *f = fopen(pk->file, "r");
	char line[4096];
	size_t n = 0;
	*out = NULL;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		size_t len = strlen(line) / 2;
		uint8_t *b = xmalloc(len ? len : 1);
		if (len == 0 || hex_decode(line, b, len)) {
			free(b);
			continue;
		}
		*out = xrealloc(*out, (n + 1) * sizeof(**out));
		buf_init(&(*out)[n]);
		buf_add(&(*out)[n++], b, len);
		free(b);
	}
	fclose(f);
	return n;
}

static int
mode_hello_replay(struct poke *pk)
{
	struct sess ss;
	struct checks c = { 0, 0 };
	struct buf pt = BUF_INIT, plain = BUF_INIT, *recorded = NULL;
	enum answer a;
	long welcomed = 0, replays = 0;
	size_t nrec = 0;

	if (pk->file && (nrec = load_hellos(pk, &recorded)) == 0) {
		fprintf(stderr, "nng_poke: no HELLO in '%s'\n", pk->file);
		return 2;
	}
	if (shake(pk, &ss))
		return 1;
	wire_summary_req(&pt);
	a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED, "a member key gets a working session");
	for (long i = 0; i < pk->count; i++) {
		if (nrec)
			a = exchange(pk, recorded[i % nrec].data, recorded[i % nrec].len);
		else
			a = exchange(pk, ss.hello.data, ss.hello.len);
		welcomed += a == A_WELCOME;
		replays++;
	}
	check(&c, pk, welcomed == 0,
	      "a replayed HELLO is refused (%ld of %ld replays%s were welcomed)",
	      welcomed, replays, nrec ? " of recorded HELLOs" : "");
	for (size_t i = 0; i < nrec; i++)
		buf_release(&recorded[i]);
	free(recorded);
	a = request(pk, &ss, ss.next++, &pt, NULL, &plain);
	check(&c, pk, a == A_SEALED,
	      "the session still works after %ld replays of its HELLO", pk->count);
	printf("hello-replay checks: %d ok, %d failed\n", c.ok, c.failed);
	pk->unexpected += c.failed;
	buf_release(&pt);
	buf_release(&plain);
	sess_release(&ss);
	return 0;
}

/* ---- the impostor server ---- */

static int
mode_serve(struct poke *pk)
{
	nng_socket s;
	int rc;
	long hellos = 0, others = 0;
	uint64_t end = pk->seconds > 0
			       ? now_ms() + (uint64_t)(pk->seconds * 1000)
			       : UINT64_MAX;
	if ((rc = nng_rep0_open(&s))) {
		fprintf(stderr, "nng_poke: cannot open a rep0 socket: %s\n",
			nng_strerror(rc));
		return 2;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MESSAGE);
	if ((rc = nng_listen(s, pk->url, NULL, 0))) {
		fprintf(stderr, "nng_poke: cannot listen on '%s': %s\n", pk->url,
			nng_strerror(rc));
		nng_close(s);
		return 2;
	}
	struct session_cookies *jar = session_cookies_new(10000, 1024);
	printf("serving %s\n", pk->url);
	fflush(stdout);
	while (!stop_now && now_ms() < end) {
		void *m = NULL;
		size_t n = 0;
		struct buf out = BUF_INIT;
		struct session *sess = NULL;
		if ((rc = nng_recv(s, &m, &n, NNG_FLAG_ALLOC))) {
			if (rc == NNG_ETIMEDOUT)
				continue;
			break;
		}
		/* Whatever key the client meant: we answer with ours (a
		 * cookie first, and a WELCOME to the HELLO that carries it). */
		struct hello h;
		if (session_read_hello(m, n, &h, NULL) == 0 && !h.has_cookie &&
		    session_challenge(jar, now_ms(), m, n, &out) == 0) {
			hellos++;
		} else if (session_msg_type(m, n) == MSG_HELLO &&
			   session_welcome(pk->key, m, n, &sess, &out, NULL) == 0) {
			session_free(sess);
		} else {
			others++;
			session_refuse("ERR_PROTO", "impostor", &out);
		}
		nng_free(m, n);
		rc = nng_send(s, out.data, out.len, 0);
		buf_release(&out);
	}
	/* Not closed, as in main(): the process ends right away. */
	session_cookies_free(jar);
	printf("serve: hello %ld, other %ld\n", hellos, others);
	return 0;
}

/* ---- a member that lies about what it holds ---- */

#define LIAR_SESSIONS 16

/*
 * Listens on URL as the member whose key is --key (its address in the
 * roster), shakes hands like a node, and answers every SUMMARY_REQ with a
 * summary that claims --seq events (default 2^63-1) of its own key's
 * feed; every FETCH and GET with no events at all, a HINT with an ACK.
 * Once a second, and at the end, "liar: summaries N, fetches N".
 */
static int
mode_liar(struct poke *pk)
{
	nng_socket s;
	int rc;
	struct session *sess[LIAR_SESSIONS] = { NULL };
	int next = 0;
	long summaries = 0, fetches = 0, others = 0;
	uint64_t end = pk->seconds > 0
			       ? now_ms() + (uint64_t)(pk->seconds * 1000)
			       : UINT64_MAX;
	uint64_t report = now_ms() + 1000;
	if ((rc = nng_rep0_open(&s))) {
		fprintf(stderr, "nng_poke: cannot open a rep0 socket: %s\n",
			nng_strerror(rc));
		return 2;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MESSAGE);
	if ((rc = nng_listen(s, pk->url, NULL, 0))) {
		fprintf(stderr, "nng_poke: cannot listen on '%s': %s\n", pk->url,
			nng_strerror(rc));
		nng_close(s);
		return 2;
	}
	struct session_cookies *jar = session_cookies_new(10000, 1024);
	printf("lying on %s\n", pk->url);
	fflush(stdout);
	while (!stop_now && now_ms() < end) {
		void *m = NULL;
		size_t n = 0;
		struct buf out = BUF_INIT, plain = BUF_INIT, ans = BUF_INIT;
		uint8_t sid[SESSION_ID_BYTES];
		uint64_t counter;
		struct diag d;
		if (now_ms() >= report) {
			printf("liar: summaries %ld, fetches %ld, other %ld\n",
			       summaries, fetches, others);
			fflush(stdout);
			report = now_ms() + 1000;
		}
		if ((rc = nng_recv(s, &m, &n, NNG_FLAG_ALLOC))) {
			if (rc == NNG_ETIMEDOUT)
				continue;
			break;
		}
		int type = session_msg_type(m, n);
		struct session *ss = NULL;
		struct hello hl;
		if (type == MSG_HELLO && session_read_hello(m, n, &hl, NULL) == 0 &&
		    !hl.has_cookie) {
			if (session_challenge(jar, now_ms(), m, n, &out))
				session_refuse("ERR_PROTO", "bad HELLO", &out);
		} else if (type == MSG_HELLO) {
			struct session *made = NULL;
			if (session_cookie_take(jar, now_ms(), m, n, NULL) == 0 &&
			    session_welcome(pk->key, m, n, &made, &out, NULL) == 0) {
				session_free(sess[next]);
				sess[next] = made;
				next = (next + 1) % LIAR_SESSIONS;
			} else {
				session_refuse("ERR_PROTO", "bad HELLO", &out);
			}
		} else if (type == MSG_SEALED &&
			   session_sealed_head(m, n, sid, &counter) == 0) {
			for (int i = 0; i < LIAR_SESSIONS; i++)
				if (sess[i] && memcmp(session_id(sess[i]), sid,
						      SESSION_ID_BYTES) == 0)
					ss = sess[i];
		}
		if (type == MSG_SEALED && !ss) {
			session_refuse("unknown-session", "no such session", &out);
		} else if (ss && session_open(ss, m, n, &counter, &plain, &d) == 0) {
			switch (wire_type(plain.data, plain.len)) {
			case W_SUMMARY_REQ: {
				struct wire_head h;
				memcpy(h.author, key_public(pk->key), 32);
				h.seq = pk->seq;
				rnd_bytes(pk, h.id, 32);
				wire_summary_begin(&ans, 1);
				wire_summary_head(&ans, &h);
				wire_summary_forks(&ans, 0);
				summaries++;
				break;
			}
			case W_FETCH:
			case W_GET:
				fetches++;
				wire_events_begin(&ans, 0);
				break;
			case W_HINT:
				wire_ack(&ans);
				break;
			default:
				others++;
				wire_error(&ans, ERR_NOTFOUND, "nothing here");
				break;
			}
			session_seal(ss, counter, ans.data, ans.len, &out);
		} else if (ss) {
			session_refuse("ERR_PROTO", "cannot open", &out);
		}
		nng_free(m, n);
		if (out.len)
			(void)nng_send(s, out.data, out.len, 0);
		buf_release(&out);
		buf_release(&plain);
		buf_release(&ans);
	}
	printf("liar: summaries %ld, fetches %ld, other %ld\n", summaries,
	       fetches, others);
	for (int i = 0; i < LIAR_SESSIONS; i++)
		session_free(sess[i]);
	session_cookies_free(jar);
	return 0;
}

/* ---- a man in the middle ---- */

/* The session id of a SEALED message, or 0 if it is not one. */
static int
sealed_sid(const struct buf *m, uint8_t sid[SESSION_ID_BYTES])
{
	uint64_t c;
	return session_msg_type(m->data, m->len) == MSG_SEALED &&
	       session_sealed_head(m->data, m->len, sid, &c) == 0;
}

/*
 * Listens on URL and relays every request to --to and its answer back,
 * but alters the traffic of the first SEALED requests in transit:
 *
 *   1st: a byte of the request flipped (the node behind refuses it);
 *   2nd: a byte of the reply flipped (the client must refuse it);
 *   3rd: relayed, then sent again to the node behind (a replay, which it
 *        must refuse), and the real reply relayed;
 *   4th and on: the first request of a session that already had a reply
 *        is answered with that earlier reply (the client must see that it
 *        answers another request);
 *
 * then relays faithfully.  Runs until SIGTERM or --seconds.
 */
static int
mode_tamper(struct poke *pk)
{
	nng_socket s;
	int rc;
	long relayed = 0, sealed = 0, replay_refused = 0;
	int flipped_req = 0, flipped_rep = 0, replayed_req = 0, replayed_rep = 0;
	struct buf last = BUF_INIT; /* the last SEALED reply relayed */
	uint64_t end = pk->seconds > 0
			       ? now_ms() + (uint64_t)(pk->seconds * 1000)
			       : UINT64_MAX;
	if (!pk->to) {
		fprintf(stderr, "nng_poke: tamper needs --to URL\n");
		return 2;
	}
	const char *listen = pk->url;
	pk->url = pk->to; /* dial_flags() dials pk->url */
	if ((rc = dial_flags(pk, &pk->sock, NNG_FLAG_NONBLOCK)))
		return rc;
	if ((rc = nng_rep0_open(&s))) {
		fprintf(stderr, "nng_poke: cannot open a rep0 socket: %s\n",
			nng_strerror(rc));
		return 2;
	}
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 100);
	nng_socket_set_size(s, NNG_OPT_RECVMAXSZ, WIRE_MAX_MESSAGE);
	if ((rc = nng_listen(s, listen, NULL, 0))) {
		fprintf(stderr, "nng_poke: cannot listen on '%s': %s\n", listen,
			nng_strerror(rc));
		return 2;
	}
	printf("relaying %s to %s\n", listen, pk->to);
	fflush(stdout);
	while (!stop_now && now_ms() < end) {
		void *m = NULL;
		size_t n = 0;
		struct buf req = BUF_INIT, rep = BUF_INIT;
		uint8_t sid[SESSION_ID_BYTES], last_sid[SESSION_ID_BYTES];
		if ((rc = nng_recv(s, &m, &n, NNG_FLAG_ALLOC))) {
			if (rc == NNG_ETIMEDOUT)
				continue;
			break;
		}
		buf_add(&req, m, n);
		nng_free(m, n);
		int is_sealed = sealed_sid(&req, sid);
		sealed += is_sealed;
		if (is_sealed && sealed == 1) {
			req.data[req.len - 1] ^= 0x01; /* in the tag */
			flipped_req = 1;
		}
		enum answer a = exchange(pk, req.data, req.len);
		if (a == A_NONE || a == A_ERROR) {
			buf_release(&req);
			continue; /* no answer: the client times out */
		}
		buf_add(&rep, pk->reply.data, pk->reply.len);
		if (is_sealed && sealed == 2 && a == A_SEALED) {
			rep.data[rep.len - 1] ^= 0x01;
			flipped_rep = 1;
		} else if (is_sealed && sealed == 3) {
			if (exchange(pk, req.data, req.len) == A_REFUSE &&
			    strstr(pk->text, "replay"))
				replay_refused++;
			replayed_req = 1;
		} else if (is_sealed && sealed >= 4 && !replayed_rep &&
			   a == A_SEALED && sealed_sid(&last, last_sid) &&
			   memcmp(sid, last_sid, SESSION_ID_BYTES) == 0) {
			buf_reset(&rep);
			buf_add(&rep, last.data, last.len);
			replayed_rep = 1;
		}
		if (a == A_SEALED) {
			buf_reset(&last);
			buf_add(&last, pk->reply.data, pk->reply.len);
		}
		rc = nng_send(s, rep.data, rep.len, 0);
		relayed++;
		buf_release(&req);
		buf_release(&rep);
	}
	buf_release(&last);
	close_later(pk->sock);
	printf("tamper: relayed %ld, flipped request %d, flipped reply %d, "
	       "replayed request %d (refused %ld), replayed reply %d\n",
	       relayed, flipped_req, flipped_rep, replayed_req, replay_refused,
	       replayed_rep);
	return 0;
}

/* ---- main ---- */

/*
 * LeakSanitizer: nng 1.5.2 loses track of some of its own objects when a
 * connection is cut under a request (the oversized messages do that on
 * purpose), and a socket stuck in nng_close() keeps its memory; neither
 * is this tool's, so allocations made inside libnng are not reported.
 */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_options(void);

const char *
__lsan_default_suppressions(void)
{
	return "leak:libnng.so\n";
}

const char *
__lsan_default_options(void)
{
	return "print_suppressions=0";
}

static int
usage(void)
{
	fprintf(stderr,
		"usage: nng_poke garbage|truncated|flipped|hello|hello-version|huge|"
		"unknown-session|session|push|hello-record|hello-replay|hammer|serve|\n"
		"       tamper|liar URL\n"
		"       [--key FILE] [--server HEX] [--network NAME] [--count N]\n"
		"       [--to URL] [--file FILE] [--seq N] [--proto N] [--flip N]\n"
		"       [--seconds S] [--timeout MS] [--seed N]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct poke pk;
	const char *key_path = NULL, *server_hex = NULL;
	struct diag d;
	int rc;

	memset(&pk, 0, sizeof(pk));
	buf_init(&pk.reply);
	pk.network = "gridcase";
	pk.count = 100;
	pk.seconds = 5;
	pk.timeout_ms = 3000;
	pk.seq = INT64_MAX;
	pk.rng = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
	if (argc < 3)
		return usage();
	pk.mode = argv[1];
	pk.url = argv[2];
	for (int i = 3; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		if (strcmp(o, "--key") == 0)
			key_path = v;
		else if (strcmp(o, "--server") == 0)
			server_hex = v;
		else if (strcmp(o, "--network") == 0)
			pk.network = v;
		else if (strcmp(o, "--count") == 0)
			pk.count = strtol(v, NULL, 10);
		else if (strcmp(o, "--seconds") == 0)
			pk.seconds = strtod(v, NULL);
		else if (strcmp(o, "--timeout") == 0)
			pk.timeout_ms = (int)strtol(v, NULL, 10);
		else if (strcmp(o, "--to") == 0)
			pk.to = v;
		else if (strcmp(o, "--file") == 0)
			pk.file = v;
		else if (strcmp(o, "--seq") == 0)
			pk.seq = strtoull(v, NULL, 0);
		else if (strcmp(o, "--proto") == 0)
			pk.proto = strtoull(v, NULL, 0);
		else if (strcmp(o, "--flip") == 0)
			pk.flip = strtol(v, NULL, 10);
		else if (strcmp(o, "--seed") == 0)
			pk.rng = strtoull(v, NULL, 0);
		else
			return usage();
		i++;
	}
	if (key_path) {
		if ((rc = key_load(key_path, &pk.key, &d))) {
			fprintf(stderr, "nng_poke: %s\n", d.text);
			return 2;
		}
	} else {
		pk.key = key_generate();
	}
	if (server_hex) {
		if (hex_decode(server_hex, pk.server, 32)) {
			fprintf(stderr, "nng_poke: --server takes 64 hex digits\n");
			key_free(pk.key);
			return 2;
		}
	} else {
		rnd_bytes(&pk, pk.server, 32);
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	if (strcmp(pk.mode, "serve") == 0 || strcmp(pk.mode, "tamper") == 0 ||
	    strcmp(pk.mode, "liar") == 0) {
		rc = strcmp(pk.mode, "serve") == 0    ? mode_serve(&pk)
		     : strcmp(pk.mode, "liar") == 0 ? mode_liar(&pk)
						     : mode_tamper(&pk);
		(void)closes_done(1000);
		key_free(pk.key);
		buf_release(&pk.reply);
		return rc;
	}
	if ((rc = dial(&pk, &pk.sock)) == 0) {
		if (strcmp(pk.mode, "session") == 0)
			rc = mode_session(&pk);
		else if (strcmp(pk.mode, "push") == 0)
			rc = mode_push(&pk);
		else if (strcmp(pk.mode, "hello-replay") == 0)
			rc = mode_hello_replay(&pk);
		else if (strcmp(pk.mode, "hello-record") == 0)
			rc = mode_hello_record(&pk);
		else if (strcmp(pk.mode, "hammer") == 0)
			mode_hammer(&pk);
		else
			rc = mode_simple(&pk);
		if (rc == 2)
			usage();
	}
	if (rc == 0)
		close_later(pk.sock);
	if (rc != 2) {
		printf("%s: sent %ld, refuse %ld, welcome %ld, sealed %ld, other %ld, "
		       "none %ld, challenge %ld, redialled %ld",
		       pk.mode, pk.sent, pk.n[A_REFUSE], pk.n[A_WELCOME],
		       pk.n[A_SEALED], pk.n[A_OTHER], pk.n[A_NONE] + pk.n[A_ERROR],
		       pk.n[A_CHALLENGE], pk.redials);
		for (int i = 0; i < pk.nreasons; i++)
			printf("%s %s=%ld", i ? "," : "; reasons", pk.reasons[i].name,
			       pk.reasons[i].n);
		printf("\n");
		if (rc == 0 && pk.unexpected)
			rc = 1;
		if (strcmp(pk.mode, "hello") == 0 ||
		    strcmp(pk.mode, "hello-version") == 0)
			rc = pk.n[A_WELCOME] ? 0 : 1;
	}
	key_free(pk.key);
	buf_release(&pk.reply);
	/* Give the sockets a moment to close; one stuck in nng is left to
	 * exit() (see close_later()). */
	(void)closes_done(1000);
	return rc;
}

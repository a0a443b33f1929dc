/*
 * net_hostile.c - many hostile TCP connections to a node's replication
 * port at once, from a host with no key (and, in one mode, from a member
 * that stops reading), for tests/integration/repl_hostile.sh and
 * bench/hostile_bench.c.
 *
 *   net_hostile MODE tcp://HOST:PORT [--conns N] [--from ADDR] [--spread K]
 *               [--seconds S] [--size BYTES] [--report MS] [--keep MS]
 *               [--key FILE --server HEX --network NAME] [--blob HEX]
 *
 * Modes (each opens --conns connections, from --from, or from K source
 * addresses 127.0.1.1, 127.0.1.2, ... with --spread K, and holds them
 * until the node closes them, --seconds pass, or SIGTERM):
 *
 *   silent   connects and sends nothing at all, not even nng's header
 *   idle     exchanges nng's 8-byte SP header (as a req0 client) and then
 *            sends nothing: an idle connection the node has accepted
 *   partial  announces a message of --size bytes (default 4 MiB) and sends
 *            all of it but the last byte, then waits
 *   flood    sends requests (HELLO asking for a cookie) as fast as the
 *            socket takes them, and never reads a byte: a slow reader
 *            with a receive buffer of 4 KiB
 *   member   with a member's --key: a real handshake and a working
 *            session, then BLOB_REQ for --blob (256 KiB answers) as fast as
 *            the socket takes them, never reading the answers: a member
 *            that stops reading
 *
 * With --keep MS, a connection that ends is opened again MS later, so
 * that the attack goes on at --conns connections (the counts are then of
 * all the connections made).
 *
 * Every --report ms (default 1000) and at the end it prints one line:
 * "MODE: open N, closed by the node N, failed N, sent B bytes", the
 * last one "MODE: done: ..." with the median time the node took to
 * close a connection.  A connection counts as closed when the node sends
 * FIN or RST (seen without reading: POLLRDHUP).  Exit 0, or 2 on a usage
 * or set-up error.
 *
 * Raw sockets, not nng: nng cannot stop half way through a message or
 * refuse to read.  The SP framing is nng's TCP transport's: 8 bytes
 * "\0SP\0" + protocol + 2 zero bytes each way, then each message as an
 * 8-byte big-endian length and the body; a request body begins with a
 * 4-byte request id whose top bit is set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/session.h"
#include "replication/wire.h"
#include "common/banned.h"

#define SP_REQ0 0x30
#define SP_REP0 0x31

enum mode { M_SILENT, M_IDLE, M_PARTIAL, M_FLOOD, M_MEMBER };
static const char *const mode_names[] = { "silent", "idle", "partial",
					  "flood", "member" };

enum phase { PH_CONNECTING, PH_SENDING, PH_HOLDING, PH_CLOSED };

struct conn {
	int fd;
	enum phase ph;
	struct buf out; /* what is left to send */
	size_t off;
	size_t body_left; /* partial: zeros still to send after out */
	uint64_t opened_ms, closed_ms;
	int by_node; /* the node closed it */
	uint32_t next_id;
};

struct hostile {
	enum mode mode;
	struct sockaddr_in to;
	struct in_addr from;
	int has_from, spread;
	long conns;
	double seconds;
	size_t size;
	int report_ms;
	struct key *key;
	uint8_t server[32];
	uint8_t blob[32];
	const char *network;
	struct conn *c;
	uint64_t sent;
	long failed;
	int keep_ms;          /* -1: connections are not renewed */
	long closed_by_node;  /* all of them, renewed ones included */
	long renewed;
	struct buf hello; /* the flood's request */
	struct session *sess; /* member */
	uint64_t counter;
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

static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void
sp_header(struct buf *out)
{
	static const uint8_t h[8] = { 0, 'S', 'P', 0, 0, SP_REQ0, 0, 0 };
	buf_add(out, h, sizeof(h));
}

/* One request frame: length, request id (top bit set), body. */
static void
sp_request(struct buf *out, uint32_t id, const uint8_t *p, size_t n)
{
	uint8_t h[12];
	put_be64(h, n + 4);
	id |= 0x80000000u;
	h[8] = (uint8_t)(id >> 24);
	h[9] = (uint8_t)(id >> 16);
	h[10] = (uint8_t)(id >> 8);
	h[11] = (uint8_t)id;
	buf_add(out, h, sizeof(h));
	buf_add(out, p, n);
}

/* ---- blocking helpers for the member's handshake ---- */

static int
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
read_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Sends one request and reads its reply body (without the id). */
static int
round_trip(int fd, uint32_t id, const struct buf *req, struct buf *reply)
{
	struct buf f = BUF_INIT;
	uint8_t h[8];
	sp_request(&f, id, req->data, req->len);
	int rc = write_all(fd, f.data, f.len);
	buf_release(&f);
	if (rc || read_all(fd, h, 8))
		return -1;
	uint64_t n = 0;
	for (int i = 0; i < 8; i++)
		n = n << 8 | h[i];
	if (n < 4 || n > WIRE_MAX_MESSAGE)
		return -1;
	uint8_t *body = xmalloc((size_t)n);
	if (read_all(fd, body, (size_t)n)) {
		free(body);
		return -1;
	}
	buf_reset(reply);
	buf_add(reply, body + 4, (size_t)n - 4);
	free(body);
	return 0;
}

/* ---- connections ---- */

static int
open_conn(struct hostile *h, long i, struct conn *c)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	memset(c, 0, sizeof(*c));
	buf_init(&c->out);
	c->fd = -1;
	c->opened_ms = now_ms();
	if (fd < 0)
		return -1;
	if (h->mode == M_FLOOD || h->mode == M_MEMBER) {
		/* A small receive window: the node's answers pile up at its
		 * end after a few of them. */
		int rcv = 4096;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	}
	if (h->has_from || h->spread) {
		struct sockaddr_in sa;
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		if (h->spread) {
			uint32_t a = (127u << 24) | (1u << 8) | 1u;
			a += (uint32_t)(i % h->spread);
			sa.sin_addr.s_addr = htonl(a);
		} else {
			sa.sin_addr = h->from;
		}
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&h->to, sizeof(h->to)) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	c->fd = fd;
	c->ph = PH_CONNECTING;
	switch (h->mode) {
	case M_SILENT:
		break;
	case M_IDLE:
		sp_header(&c->out);
		break;
	case M_PARTIAL: {
		uint8_t len[8];
		sp_header(&c->out);
		put_be64(len, h->size);
		buf_add(&c->out, len, 8);
		/* All of the body but its last byte (zeros: they cost the
		 * sender nothing, the receiver a buffer). */
		c->body_left = h->size - 1;
		break;
	}
	case M_FLOOD:
		sp_header(&c->out);
		break;
	case M_MEMBER:
		break;
	}
	return 0;
}

static long *closed_counter;

static void
mark_closed(struct conn *c, int by_node)
{
	if (c->ph == PH_CLOSED)
		return;
	if (by_node && closed_counter)
		(*closed_counter)++;
	close(c->fd);
	c->fd = -1;
	c->ph = PH_CLOSED;
	c->by_node = by_node;
	c->closed_ms = now_ms();
	buf_release(&c->out);
}

/* More to send for the modes that never stop sending. */
static void
refill(struct hostile *h, struct conn *c)
{
	if (c->out.len - c->off > 65536)
		return;
	if (c->off) {
		memmove(c->out.data, c->out.data + c->off, c->out.len - c->off);
		c->out.len -= c->off;
		c->off = 0;
	}
	for (int k = 0; k < 64; k++) {
		if (h->mode == M_FLOOD) {
			sp_request(&c->out, c->next_id++, h->hello.data, h->hello.len);
		} else if (h->mode == M_MEMBER) {
			struct buf pt = BUF_INIT, m = BUF_INIT;
			wire_blob_req(&pt, h->blob, 0, (uint32_t)WIRE_BLOB_CHUNK);
			session_seal(h->sess, ++h->counter, pt.data, pt.len, &m);
			sp_request(&c->out, c->next_id++, m.data, m.len);
			buf_release(&pt);
			buf_release(&m);
		}
	}
}

/* Drives one connection after poll() said something about it. */
static void
drive(struct hostile *h, struct conn *c, short re)
{
	if (c->ph == PH_CLOSED)
		return;
	if (c->ph == PH_CONNECTING && (re & (POLLOUT | POLLERR | POLLHUP))) {
		int err = 0;
		socklen_t l = sizeof(err);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err) {
			h->failed++;
			mark_closed(c, 0);
			return;
		}
		c->ph = c->out.len ? PH_SENDING : PH_HOLDING;
		if (h->mode == M_FLOOD || h->mode == M_MEMBER)
			c->ph = PH_SENDING;
	}
	if (re & (POLLRDHUP | POLLHUP | POLLERR)) {
		mark_closed(c, 1);
		return;
	}
	/* The modes that read take whatever comes (nng's header). */
	if ((re & POLLIN) && h->mode != M_FLOOD && h->mode != M_MEMBER) {
		uint8_t junk[4096];
		ssize_t r = read(c->fd, junk, sizeof(junk));
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			mark_closed(c, 1);
			return;
		}
	}
	if (c->ph == PH_SENDING && (re & POLLOUT)) {
		if (h->mode == M_FLOOD || h->mode == M_MEMBER)
			refill(h, c);
		while (c->off < c->out.len) {
			ssize_t w = send(c->fd, c->out.data + c->off,
					 c->out.len - c->off, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (w <= 0) {
				mark_closed(c, 1);
				return;
			}
			c->off += (size_t)w;
			h->sent += (uint64_t)w;
		}
		static const uint8_t zeros[65536];
		while (c->off == c->out.len && c->body_left) {
			size_t n = c->body_left < sizeof(zeros) ? c->body_left : sizeof(zeros);
			ssize_t w = send(c->fd, zeros, n, MSG_NOSIGNAL);
			if (w < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (w <= 0) {
				mark_closed(c, 1);
				return;
			}
			c->body_left -= (size_t)w;
			h->sent += (uint64_t)w;
		}
		if (c->off == c->out.len && !c->body_left && h->mode != M_FLOOD &&
		    h->mode != M_MEMBER) {
			c->ph = PH_HOLDING;
			buf_release(&c->out);
			c->off = 0;
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void
report(struct hostile *h, int last)
{
	long open = 0, closed = 0;
	uint64_t *after = xcalloc((size_t)h->conns + 1, sizeof(*after));
	for (long i = 0; i < h->conns; i++) {
		struct conn *c = &h->c[i];
		if (c->ph == PH_CLOSED && c->by_node)
			after[closed++] = c->closed_ms - c->opened_ms;
		else if (c->ph != PH_CLOSED)
			open++;
	}
	qsort(after, (size_t)closed, sizeof(*after), cmp_u64);
	printf("%s: %sopen %ld, closed by the node %ld, failed %ld, sent %llu bytes",
	       mode_names[h->mode], last ? "done: " : "", open,
	       h->keep_ms >= 0 ? h->closed_by_node : closed, h->failed,
	       (unsigned long long)h->sent);
	if (h->keep_ms >= 0)
		printf(", renewed %ld", h->renewed);
	if (last && closed)
		printf("; the node closed them after %llu ms (median), %llu ms (slowest)",
		       (unsigned long long)after[closed / 2],
		       (unsigned long long)after[closed - 1]);
	printf("\n");
	fflush(stdout);
	free(after);
}

/* The member's handshake on a blocking connection; 0 or -1. */
static int
member_handshake(struct hostile *h, struct conn *c)
{
	struct buf req = BUF_INIT, rep = BUF_INIT;
	struct handshake *hs = NULL;
	struct diag d;
	uint8_t sp[8];
	int rc = -1;
	int fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
	struct pollfd p = { c->fd, POLLOUT, 0 };
	if (poll(&p, 1, 5000) != 1)
		goto out;
	sp_header(&req);
	if (write_all(c->fd, req.data, req.len) || read_all(c->fd, sp, 8))
		goto out;
	buf_reset(&req);
	session_hello(h->key, h->network, h->server, &hs, &req);
	if (round_trip(c->fd, c->next_id++, &req, &rep))
		goto out;
	buf_reset(&req);
	if (session_hello_answer(hs, h->key, rep.data, rep.len, &req, &d) ||
	    round_trip(c->fd, c->next_id++, &req, &rep)) {
		fprintf(stderr, "net_hostile: no CHALLENGE for the member's HELLO\n");
		goto out;
	}
	if (session_msg_type(rep.data, rep.len) != MSG_WELCOME ||
	    session_client_finish(hs, rep.data, rep.len, &h->sess, &d)) {
		fprintf(stderr, "net_hostile: the member's handshake failed\n");
		goto out;
	}
	h->counter = session_next_counter(h->sess);
	buf_reset(&req);
	struct buf pt = BUF_INIT;
	wire_summary_req(&pt);
	session_seal(h->sess, h->counter, pt.data, pt.len, &req);
	buf_release(&pt);
	if (round_trip(c->fd, c->next_id++, &req, &rep) ||
	    session_msg_type(rep.data, rep.len) != MSG_SEALED)
		goto out;
	rc = 0;
out:
	fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	handshake_free(hs);
	buf_release(&req);
	buf_release(&rep);
	return rc;
}

static int
usage(void)
{
	fprintf(stderr,
		"usage: net_hostile silent|idle|partial|flood|member tcp://HOST:PORT\n"
		"       [--conns N] [--from ADDR] [--spread K] [--seconds S]\n"
		"       [--size BYTES] [--report MS] [--keep MS]\n"
		"       [--key FILE --server HEX --network NAME --blob HEX]\n");
	return 2;
}

static int
parse_url(const char *url, struct sockaddr_in *to)
{
	char host[64];
	const char *colon;
	if (strncmp(url, "tcp://", 6) != 0 || !(colon = strrchr(url + 6, ':')) ||
	    (size_t)(colon - url - 6) >= sizeof(host))
		return -1;
	memcpy(host, url + 6, (size_t)(colon - url - 6));
	host[colon - url - 6] = '\0';
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &to->sin_addr) == 1 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct hostile h;
	const char *key_path = NULL;
	struct diag d;
	int m;

	memset(&h, 0, sizeof(h));
	h.conns = 100;
	h.seconds = 10;
	h.size = WIRE_MAX_MESSAGE;
	h.report_ms = 1000;
	h.keep_ms = -1;
	h.network = "gridcase";
	closed_counter = &h.closed_by_node;
	buf_init(&h.hello);
	if (argc < 3)
		return usage();
	for (m = 0; m <= M_MEMBER; m++)
		if (strcmp(argv[1], mode_names[m]) == 0)
			break;
	if (m > M_MEMBER || parse_url(argv[2], &h.to))
		return usage();
	h.mode = (enum mode)m;
	for (int i = 3; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!v)
			return usage();
		if (strcmp(o, "--conns") == 0)
			h.conns = strtol(v, NULL, 10);
		else if (strcmp(o, "--from") == 0) {
			if (inet_pton(AF_INET, v, &h.from) != 1)
				return usage();
			h.has_from = 1;
		} else if (strcmp(o, "--spread") == 0)
			h.spread = (int)strtol(v, NULL, 10);
		else if (strcmp(o, "--seconds") == 0)
			h.seconds = strtod(v, NULL);
		else if (strcmp(o, "--size") == 0)
			h.size = (size_t)strtoull(v, NULL, 10);
		else if (strcmp(o, "--report") == 0)
			h.report_ms = (int)strtol(v, NULL, 10);
		else if (strcmp(o, "--keep") == 0)
			h.keep_ms = (int)strtol(v, NULL, 10);
		else if (strcmp(o, "--key") == 0)
			key_path = v;
		else if (strcmp(o, "--network") == 0)
			h.network = v;
		else if (strcmp(o, "--server") == 0) {
			if (hex_decode(v, h.server, 32))
				return usage();
		} else if (strcmp(o, "--blob") == 0) {
			if (hex_decode(v, h.blob, 32))
				return usage();
		} else
			return usage();
	}
	if (h.conns < 1 || h.size < 2 || h.report_ms < 10)
		return usage();
	if (key_path) {
		if (key_load(key_path, &h.key, &d)) {
			fprintf(stderr, "net_hostile: %s\n", d.text);
			return 2;
		}
	} else {
		h.key = key_generate();
	}
	if (h.mode == M_MEMBER && !key_path) {
		fprintf(stderr, "net_hostile: member needs --key\n");
		key_free(h.key);
		return 2;
	}
	/* As many descriptors as this process may have. */
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (h.mode == M_FLOOD) {
		struct handshake *hs;
		session_hello(h.key, h.network, h.server, &hs, &h.hello);
		handshake_free(hs);
	}

	h.c = xcalloc((size_t)h.conns, sizeof(*h.c));
	struct pollfd *pf = xcalloc((size_t)h.conns, sizeof(*pf));
	for (long i = 0; i < h.conns; i++) {
		if (open_conn(&h, i, &h.c[i])) {
			h.failed++;
			h.c[i].ph = PH_CLOSED;
			continue;
		}
		if (h.mode == M_MEMBER && member_handshake(&h, &h.c[i])) {
			h.failed++;
			mark_closed(&h.c[i], 0);
			break; /* one session is all the member needs */
		}
		if (h.mode == M_MEMBER)
			break;
	}
	if (h.mode == M_MEMBER)
		h.conns = 1;
	printf("%s: %ld connections opened\n", mode_names[h.mode], h.conns - h.failed);
	fflush(stdout);
	uint64_t end = now_ms() + (uint64_t)(h.seconds * 1000);
	uint64_t next_report = now_ms() + (uint64_t)h.report_ms;
	while (!stop_now && now_ms() < end) {
		nfds_t n = 0;
		for (long i = 0; i < h.conns; i++) {
			struct conn *c = &h.c[i];
			if (c->ph == PH_CLOSED)
				continue;
			pf[n].fd = c->fd;
			pf[n].events = POLLRDHUP;
			if (c->ph == PH_CONNECTING || c->ph == PH_SENDING)
				pf[n].events |= POLLOUT;
			if (h.mode != M_FLOOD && h.mode != M_MEMBER)
				pf[n].events |= POLLIN;
			pf[n].revents = 0;
			n++;
		}
		int wait = (int)(next_report - now_ms());
		if (wait < 0)
			wait = 0;
		if (wait > 100)
			wait = 100;
		if (n == 0) {
			struct timespec ts = { 0, 20 * 1000000 };
			nanosleep(&ts, NULL);
		} else if (poll(pf, n, wait) > 0) {
			nfds_t k = 0;
			for (long i = 0; i < h.conns && k < n; i++) {
				struct conn *c = &h.c[i];
				if (c->ph == PH_CLOSED)
					continue;
				if (pf[k].fd == c->fd && pf[k].revents)
					drive(&h, c, pf[k].revents);
				k++;
			}
		}
		for (long i = 0; h.keep_ms >= 0 && h.mode != M_MEMBER && i < h.conns; i++) {
			struct conn *c = &h.c[i];
			if (c->ph == PH_CLOSED && now_ms() - c->closed_ms >= (uint64_t)h.keep_ms) {
				buf_release(&c->out);
				if (open_conn(&h, i, c)) {
					h.failed++;
					c->ph = PH_CLOSED;
					c->closed_ms = now_ms();
				} else {
					h.renewed++;
				}
			}
		}
		if (now_ms() >= next_report) {
			report(&h, 0);
			next_report = now_ms() + (uint64_t)h.report_ms;
		}
	}
	report(&h, 1);
	for (long i = 0; i < h.conns; i++)
		if (h.c[i].ph != PH_CLOSED)
			mark_closed(&h.c[i], 0);
		else
			buf_release(&h.c[i].out);
	free(pf);
	free(h.c);
	buf_release(&h.hello);
	session_free(h.sess);
	key_free(h.key);
	return 0;
}

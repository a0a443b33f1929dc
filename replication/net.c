/*
 * net.c - nng's sockets and asynchronous operations.
 *
 * Callbacks here run on nng's threads: they copy the outcome into an item
 * and queue it (inbox.c); nothing else is touched there.
 */
#include "replication/internal.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "common/banned.h"

uint64_t
repl_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
repl_wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
nng_err(int rc, const char *what, const char *url, struct diag *d)
{
	return diag_set(d, rc == NNG_EADDRINVAL || rc == NNG_ENOTSUP ? ERR_INVAL
								  : ERR_IO,
			"%s '%s': %s", what, url, nng_strerror(rc));
}

/* ---- callbacks (nng's threads) ---- */

static void
srv_cb(void *arg)
{
	struct srv_slot *s = arg;
	struct item *it = xcalloc(1, sizeof(*it));
	it->result = nng_aio_result(s->aio);
	it->slot = s->idx;
	it->kind = s->sending ? IT_SRV_SENT : IT_SRV_RECV;
	if (!s->sending && it->result == 0)
		it->msg = nng_aio_get_msg(s->aio);
	else if (s->sending && it->result != 0)
		nng_msg_free(nng_aio_get_msg(s->aio)); /* still ours */
	inbox_push(s->r, it);
}

static void
cli_cb(void *arg)
{
	struct cli_slot *s = arg;
	struct item *it = xcalloc(1, sizeof(*it));
	it->result = nng_aio_result(s->aio);
	it->peer = s->p->idx;
	it->slot = s->idx;
	it->kind = s->receiving ? IT_CLI_RECV : IT_CLI_SENT;
	if (s->receiving && it->result == 0)
		it->msg = nng_aio_get_msg(s->aio);
	else if (!s->receiving && it->result != 0)
		nng_msg_free(nng_aio_get_msg(s->aio));
	inbox_push(s->p->r, it);
}

static void
pipe_cb(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct peer *p = arg;
	struct item *it = xcalloc(1, sizeof(*it));
	(void)pipe;
	it->kind = ev == NNG_PIPE_EV_ADD_POST ? IT_PIPE_UP : IT_PIPE_DOWN;
	it->peer = p->idx;
	inbox_push(p->r, it);
}

/*
 * A connection to our server begins or ends.  ADD_PRE runs before nng
 * reads anything from the pipe, so its item is queued before any request
 * that comes on it.
 */
static void
srv_pipe_cb(nng_pipe pipe, nng_pipe_ev ev, void *arg)
{
	struct repl *r = arg;
	struct item *it = xcalloc(1, sizeof(*it));
	nng_sockaddr sa;
	it->kind = ev == NNG_PIPE_EV_ADD_PRE ? IT_SRV_PIPE_ADD : IT_SRV_PIPE_REM;
	it->pipe = (uint32_t)nng_pipe_id(pipe);
	snprintf(it->addr, sizeof(it->addr), "local");
	if (ev == NNG_PIPE_EV_ADD_PRE &&
	    nng_pipe_get_addr(pipe, NNG_OPT_REMADDR, &sa) == 0 &&
	    nng_pipe_get_addr(pipe, NNG_OPT_LOCADDR, &it->local) == 0) {
		it->remote = sa;
		if (sa.s_family == NNG_AF_INET) {
			inet_ntop(AF_INET, &sa.s_in.sa_addr, it->addr, sizeof(it->addr));
			it->tcp = 1;
		} else if (sa.s_family == NNG_AF_INET6) {
			inet_ntop(AF_INET6, sa.s_in6.sa_addr, it->addr, sizeof(it->addr));
			it->tcp = 1;
		}
	}
	inbox_push(r, it);
}

/* ---- opening ---- */

int
net_slot_open(struct srv_slot *s)
{
	int rc;
	if (s->open)
		return 0;
	if ((rc = nng_aio_alloc(&s->aio, srv_cb, s)))
		return rc;
	if ((rc = nng_ctx_open(&s->ctx, s->r->srv))) {
		nng_aio_free(s->aio);
		s->aio = NULL;
		return rc;
	}
	s->open = 1;
	return 0;
}

int
net_server_open(struct repl *r, struct diag *d)
{
	int rc;
	if ((rc = nng_rep0_open(&r->srv)))
		return nng_err(rc, "cannot open a socket for", r->o.listen, d);
	r->srv_open = 1;
	/*
	 * Requests are small (WIRE_MAX_REQUEST): nng drops a longer message
	 * when its length arrives, before allocating it, and closes the
	 * connection.  nng 1.5.2 has no limit per connection, so this one
	 * holds for everyone, authenticated or not.
	 */
	nng_socket_set_size(r->srv, NNG_OPT_RECVMAXSZ, WIRE_MAX_REQUEST);
	nng_pipe_notify(r->srv, NNG_PIPE_EV_ADD_PRE, srv_pipe_cb, r);
	nng_pipe_notify(r->srv, NNG_PIPE_EV_REM_POST, srv_pipe_cb, r);
	for (int i = 0; i < SRV_SLOTS_MAX; i++) {
		r->srv_slot[i].r = r;
		r->srv_slot[i].idx = i;
	}
	for (int i = 0; i < SRV_RECV_SLOTS; i++)
		if ((rc = net_slot_open(&r->srv_slot[i])))
			return nng_err(rc, "cannot set up", r->o.listen, d);
	if ((rc = nng_listen(r->srv, r->o.listen, NULL, 0)))
		return nng_err(rc, "cannot listen on", r->o.listen, d);
	for (int i = 0; i < SRV_RECV_SLOTS; i++) {
		r->srv_slot[i].state = SLOT_RECV;
		r->srv_receiving++;
		net_server_recv(&r->srv_slot[i]);
	}
	return 0;
}

int
net_peer_open(struct peer *p, struct diag *d)
{
	struct repl *r = p->r;
	int rc;
	if ((rc = nng_req0_open(&p->sock)))
		return nng_err(rc, "cannot open a socket for", p->st.addr, d);
	p->open = 1;
	nng_socket_set_size(p->sock, NNG_OPT_RECVMAXSZ, WIRE_MAX_MESSAGE);
	nng_socket_set_ms(p->sock, NNG_OPT_RECONNMINT, (nng_duration)r->o.reconnect_min_ms);
	nng_socket_set_ms(p->sock, NNG_OPT_RECONNMAXT, (nng_duration)r->o.reconnect_max_ms);
	/* A resent request would reuse its counter and be refused as a
	 * replay: no resends; a request that times out fails the round. */
	nng_socket_set_ms(p->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	nng_pipe_notify(p->sock, NNG_PIPE_EV_ADD_POST, pipe_cb, p);
	nng_pipe_notify(p->sock, NNG_PIPE_EV_REM_POST, pipe_cb, p);
	for (uint32_t i = 0; i <= r->o.inflight; i++) {
		struct cli_slot *s = &p->slot[i];
		s->p = p;
		s->idx = (int)i;
		if ((rc = nng_aio_alloc(&s->aio, cli_cb, s)) ||
		    (rc = nng_ctx_open(&s->ctx, p->sock)))
			return nng_err(rc, "cannot set up", p->st.addr, d);
		nng_ctx_set_ms(s->ctx, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	}
	/* Non-blocking: the dialer keeps trying in the background. */
	if ((rc = nng_dial(p->sock, p->st.addr, NULL, NNG_FLAG_NONBLOCK)))
		return nng_err(rc, "cannot dial", p->st.addr, d);
	return 0;
}

/* ---- sending and receiving ---- */

static nng_msg *
to_msg(const struct buf *b)
{
	nng_msg *m;
	if (nng_msg_alloc(&m, 0) != 0 || nng_msg_append(m, b->data, b->len) != 0) {
		fprintf(stderr, "fatal: out of memory for a message\n");
		abort();
	}
	return m;
}

void
net_server_recv(struct srv_slot *s)
{
	if (s->r->stopping)
		return;
	s->sending = 0;
	nng_ctx_recv(s->ctx, s->aio);
}

void
net_server_reply(struct srv_slot *s, const struct buf *msg,
		 uint32_t timeout_ms)
{
	s->sending = 1;
	nng_aio_set_msg(s->aio, to_msg(msg));
	nng_aio_set_timeout(s->aio, (nng_duration)timeout_ms);
	nng_ctx_send(s->ctx, s->aio);
}

/* 1 if the socket address sa is nng's na. */
static int
same_addr(const struct sockaddr_storage *sa, const nng_sockaddr *na)
{
	if (sa->ss_family == AF_INET && na->s_family == NNG_AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		return a->sin_port == na->s_in.sa_port &&
		       a->sin_addr.s_addr == na->s_in.sa_addr;
	}
	if (sa->ss_family == AF_INET6 && na->s_family == NNG_AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		return a->sin6_port == na->s_in6.sa_port &&
		       memcmp(&a->sin6_addr, na->s_in6.sa_addr, 16) == 0;
	}
	return 0;
}

/*
 * The TCP sockets of the process, by their two addresses: read from
 * /proc/self/fd once for a burst of closes (one scan, not one per close),
 * and read again when a connection is not in it.
 */
struct fd_entry {
	int fd;
	struct sockaddr_storage local, remote;
};

void
net_fd_cache_clear(struct fd_cache *c)
{
	free(c->e);
	c->e = NULL;
	c->n = 0;
	c->valid = 0;
}

static void
fd_cache_fill(struct fd_cache *c)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	size_t cap = 0;
	net_fd_cache_clear(c);
	c->valid = 1;
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		struct fd_entry x;
		socklen_t n = sizeof(x.local), m = sizeof(x.remote);
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == dirfd(dir))
			continue;
		if (getsockname((int)fd, (struct sockaddr *)&x.local, &n) != 0 ||
		    (x.local.ss_family != AF_INET && x.local.ss_family != AF_INET6) ||
		    getpeername((int)fd, (struct sockaddr *)&x.remote, &m) != 0)
			continue;
		x.fd = (int)fd;
		if (c->n == cap) {
			cap = cap ? 2 * cap : 256;
			c->e = xrealloc(c->e, cap * sizeof(*c->e));
		}
		c->e[c->n++] = x;
	}
	closedir(dir);
}

/* The descriptor of the TCP connection between local and remote; -1. */
static int
find_socket(struct fd_cache *c, const nng_sockaddr *local,
	    const nng_sockaddr *remote)
{
	int filled = 0;
	if (!c->valid) {
		fd_cache_fill(c);
		filled = 1;
	}
	for (;;) {
		for (size_t i = 0; i < c->n; i++) {
			struct fd_entry *x = &c->e[i];
			struct sockaddr_storage a;
			socklen_t n = sizeof(a);
			if (!same_addr(&x->local, local) || !same_addr(&x->remote, remote))
				continue;
			/* Still that socket (the number may have been reused
			 * since the cache was read)? */
			if (getpeername(x->fd, (struct sockaddr *)&a, &n) != 0 ||
			    !same_addr(&a, remote))
				continue;
			n = sizeof(a);
			if (getsockname(x->fd, (struct sockaddr *)&a, &n) == 0 &&
			    same_addr(&a, local))
				return x->fd;
		}
		if (filled)
			return -1;
		fd_cache_fill(c); /* a socket newer than the cache */
		filled = 1;
	}
}

/*
 * nng 1.5.2 can hang for good when a pipe is closed from another thread
 * while a receive on it is completing (nanomsg/nng#1636, fixed in 1.6):
 * its transport re-arms an aio that the close has stopped, and nng's one
 * reaper thread then waits on it forever; no connection is released after
 * that, and closing the socket hangs.  The connections we close are the
 * ones that flood us, where a receive is always completing.  So a TCP
 * connection is not closed through nng: its socket's reading side is shut
 * (found by its two addresses, which no other socket of the process
 * shares while it lives), and nng's own receive finds the end of the
 * stream and closes the pipe itself, on the receiving thread.  Queued
 * bytes are read first; a peer's new ones are dropped by the kernel.
 */
void
net_slot_cancel(struct srv_slot *s)
{
	nng_aio_cancel(s->aio);
}

void
net_pipe_close(struct repl *r, uint32_t id, int tcp, const nng_sockaddr *local,
	       const nng_sockaddr *remote)
{
	nng_pipe p = NNG_PIPE_INITIALIZER;
	if (tcp) {
		int fd = find_socket(&r->fds, local, remote);
		if (fd >= 0)
			(void)shutdown(fd, SHUT_RD);
		/* Not found: nng has closed it already. */
		return;
	}
	p.id = id;
	(void)nng_pipe_close(p); /* gone already: nothing to do */
}

uint32_t
net_msg_pipe(nng_msg *m)
{
	return (uint32_t)nng_pipe_id(nng_msg_get_pipe(m));
}

void
net_client_send(struct cli_slot *s, const struct buf *msg)
{
	s->receiving = 0;
	nng_aio_set_msg(s->aio, to_msg(msg));
	nng_aio_set_timeout(s->aio, (nng_duration)s->p->r->o.timeout_ms);
	nng_ctx_send(s->ctx, s->aio);
}

void
net_client_recv(struct cli_slot *s)
{
	s->receiving = 1;
	nng_aio_set_timeout(s->aio, (nng_duration)s->p->r->o.timeout_ms);
	nng_ctx_recv(s->ctx, s->aio);
}

/* 1 if a and b are the same TCP address (family, address, port). */
static int
same_sockaddr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port &&
		       x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
	return x->sin6_port == y->sin6_port &&
	       memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
}

/* 1 if the connection x is still among c's. */
static int
still_open(const struct fd_cache *c, const struct fd_entry *x)
{
	for (size_t i = 0; i < c->n; i++)
		if (same_sockaddr(&c->e[i].local, &x->local) &&
		    same_sockaddr(&c->e[i].remote, &x->remote))
			return 1;
	return 0;
}

/*
 * Closing an nng socket closes its pipes from this thread, which is what
 * can hang nng 1.5.2 (nanomsg/nng#1636, above) while receives on them
 * complete: a peer syncing, a host flooding.  So every TCP connection
 * open now is ended first the way conns.c ends one, its socket shut,
 * and nng's receives close their pipes themselves; up to a second is
 * given for that.  A connection made meanwhile is left to nng_close().
 */
static void
end_connections(struct repl *r)
{
	struct fd_cache then = { NULL, 0, 0 };
	fd_cache_fill(&then);
	for (size_t i = 0; i < then.n; i++)
		(void)shutdown(then.e[i].fd, SHUT_RDWR);
	uint64_t end = repl_now_ms() + 1000;
	while (then.n && repl_now_ms() < end) {
		struct timespec ms10 = { 0, 10 * 1000 * 1000 };
		size_t left = 0;
		fd_cache_fill(&r->fds);
		for (size_t i = 0; i < then.n; i++)
			left += still_open(&r->fds, &then.e[i]);
		if (!left)
			break;
		nanosleep(&ms10, NULL);
	}
	net_fd_cache_clear(&r->fds);
	net_fd_cache_clear(&then);
}

void
net_close_all(struct repl *r)
{
	end_connections(r);
	/* Closing the sockets aborts every operation; stopping each aio
	 * then waits until its callback has returned. */
	if (r->srv_open)
		nng_close(r->srv);
	for (size_t i = 0; i < r->npeers; i++)
		if (r->peers[i]->open)
			nng_close(r->peers[i]->sock);
	for (int i = 0; i < SRV_SLOTS_MAX; i++)
		if (r->srv_slot[i].aio) {
			nng_aio_stop(r->srv_slot[i].aio);
			nng_aio_free(r->srv_slot[i].aio);
			r->srv_slot[i].aio = NULL;
		}
	for (size_t i = 0; i < r->npeers; i++)
		for (int k = 0; k <= MAX_INFLIGHT; k++) {
			struct cli_slot *s = &r->peers[i]->slot[k];
			if (s->aio) {
				nng_aio_stop(s->aio);
				nng_aio_free(s->aio);
				s->aio = NULL;
			}
		}
	r->srv_open = 0;
	for (size_t i = 0; i < r->npeers; i++)
		r->peers[i]->open = 0;
}

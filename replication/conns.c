/*
 * conns.c - the server's connections and contexts, and their limits
 * (docs/protocol.md §5): what a host with no key can make a node hold.
 *
 * Every connection (an nng pipe) is followed from its arrival to its end.
 * Until a request of a session opens on it, or a handshake is welcomed on
 * it, it is unauthenticated: it counts among max_unauthenticated (and
 * max_unauthenticated_per_address for its address) and must finish
 * within handshake_ms.  When a limit is reached, connections that are
 * not authenticated go first: a new one from an address that holds its
 * share is closed at once; otherwise the oldest from the busiest address,
 * preferring those that have not even asked for a cookie.  A roster
 * peer's connection, once authenticated, is closed only when the node
 * holds max_connections and nothing unauthenticated is left to close.
 *
 * Contexts: SRV_RECV_SLOTS always wait for a request.  A reply goes out
 * on the context that received its request, with a deadline; a reply
 * that cannot leave (the client does not read) keeps only that context,
 * and the connection is cut when it has too many of those or its
 * deadline passes.  Loop thread only.
 */
#include "replication/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/xalloc.h"
#include "common/banned.h"

static uint64_t
max_conns(const struct repl *r)
{
	uint64_t m = r->o.max_connections;
	if (r->o.fd_limit) {
		uint64_t reserve = FD_RESERVE + FD_PER_PEER * (uint64_t)r->npeers;
		uint64_t by_fd = r->o.fd_limit > reserve + 16 ? r->o.fd_limit - reserve : 16;
		if (!m || m > by_fd)
			m = by_fd;
	}
	return m ? m : UINT32_MAX;
}

static uint64_t
max_unauth(const struct repl *r)
{
	uint64_t m = r->o.max_unauthenticated, half = max_conns(r) / 2;
	return m < half ? m : half ? half : 1;
}

struct srv_pipe *
conns_pipe(struct repl *r, uint32_t id)
{
	for (size_t i = 0; i < r->npipes; i++)
		if (r->pipes[i].id == id)
			return &r->pipes[i];
	return NULL;
}

/* Unauthenticated connections still open, from addr (NULL: all). */
static size_t
unauth_count(const struct repl *r, const char *addr)
{
	size_t n = 0;
	for (size_t i = 0; i < r->npipes; i++) {
		const struct srv_pipe *p = &r->pipes[i];
		if (!p->closing && !p->authed && (!addr || strcmp(p->addr, addr) == 0))
			n++;
	}
	return n;
}

static size_t
open_count(const struct repl *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->npipes; i++)
		n += !r->pipes[i].closing;
	return n;
}

void
conns_close(struct repl *r, struct srv_pipe *sp, const char *why)
{
	char key[ADDR_TEXT + 64];
	if (sp->closing)
		return;
	sp->closing = 1;
	/* One line per address and reason in a window, with a count. */
	snprintf(key, sizeof(key), "close %s %.40s", sp->addr, why);
	log_limited(sp->authed ? r->log_members : r->log, repl_now_ms(),
		    LOG_INFO, "repl", key, "closed a connection from %s: %s",
		    sp->addr, why);
	net_pipe_close(r, sp->id, sp->tcp, &sp->local, &sp->remote);
	/* Its replies still waiting to leave give their contexts back now,
	 * not when nng lets go of the connection. */
	for (int i = 0; i < SRV_SLOTS_MAX; i++)
		if (r->srv_slot[i].state == SLOT_SEND && r->srv_slot[i].pipe == sp->id)
			net_slot_cancel(&r->srv_slot[i]);
}

/*
 * The unauthenticated connection to close when there are too many: one
 * that has not asked for a cookie before one that has, then one from the
 * address with the most, then the oldest.
 */
static struct srv_pipe *
unauth_victim(struct repl *r)
{
	struct srv_pipe *best = NULL;
	size_t best_n = 0;
	for (size_t i = 0; i < r->npipes; i++) {
		struct srv_pipe *p = &r->pipes[i];
		if (p->closing || p->authed)
			continue;
		size_t n = unauth_count(r, p->addr);
		if (!best || p->asked < best->asked ||
		    (p->asked == best->asked &&
		     (n > best_n || (n == best_n && p->since_ms < best->since_ms)))) {
			best = p;
			best_n = n;
		}
	}
	return best;
}

/* Authenticated connections of one key, and the least recently used. */
static size_t
key_pipes(struct repl *r, const uint8_t key[EVENT_KEY_BYTES],
	  const struct srv_pipe *but, struct srv_pipe **lru)
{
	size_t n = 0;
	*lru = NULL;
	for (size_t i = 0; i < r->npipes; i++) {
		struct srv_pipe *p = &r->pipes[i];
		if (p->closing || !p->authed ||
		    memcmp(p->key, key, EVENT_KEY_BYTES) != 0)
			continue;
		n++;
		if (p != but && (!*lru || p->last_ms < (*lru)->last_ms))
			*lru = p;
	}
	return n;
}

/*
 * Room for a connection when the node holds max_connections: an
 * unauthenticated one goes; else the least recently used of the key with
 * the most; else the least recently used of all.
 */
static struct srv_pipe *
any_victim(struct repl *r)
{
	struct srv_pipe *v = unauth_victim(r), *lru;
	size_t most = 0;
	if (v)
		return v;
	for (size_t i = 0; i < r->npipes; i++) {
		struct srv_pipe *p = &r->pipes[i];
		if (p->closing)
			continue;
		size_t n = key_pipes(r, p->key, NULL, &lru);
		if (lru && (n > most || (n == most && lru->last_ms < v->last_ms))) {
			v = lru;
			most = n;
		}
	}
	return v;
}

void
conns_pipe_added(struct repl *r, const struct item *it)
{
	char why[160];
	uint64_t now = repl_now_ms();
	if (r->npipes == r->pipes_cap) {
		r->pipes_cap = r->pipes_cap ? 2 * r->pipes_cap : 64;
		r->pipes = xrealloc(r->pipes, r->pipes_cap * sizeof(*r->pipes));
	}
	struct srv_pipe *sp = &r->pipes[r->npipes++];
	memset(sp, 0, sizeof(*sp));
	sp->id = it->pipe;
	snprintf(sp->addr, sizeof(sp->addr), "%s", it->addr);
	sp->tcp = it->tcp;
	sp->local = it->local;
	sp->remote = it->remote;
	sp->since_ms = sp->last_ms = now;
	if (r->stopping)
		return;
	uint32_t per = r->o.max_unauthenticated_per_address;
	size_t from_addr = sp->tcp && per ? unauth_count(r, sp->addr) : 0;
	if (from_addr > per) {
		/* The address's earlier connections keep their chance: an
		 * address cannot push out the others' nor its own. */
		snprintf(why, sizeof(why),
			 "%u connections from there are already waiting to authenticate",
			 per);
		conns_close(r, sp, why);
		return;
	}
	if (unauth_count(r, NULL) > max_unauth(r)) {
		snprintf(why, sizeof(why),
			 "%llu connections are waiting to authenticate: the oldest from the busiest address goes",
			 (unsigned long long)max_unauth(r));
		conns_close(r, unauth_victim(r), why);
		return;
	}
	if (open_count(r) > max_conns(r)) {
		snprintf(why, sizeof(why),
			 "the node holds its %llu connections: one goes to make room",
			 (unsigned long long)max_conns(r));
		conns_close(r, any_victim(r), why);
	}
}

void
conns_pipe_removed(struct repl *r, uint32_t id)
{
	struct srv_pipe *sp = conns_pipe(r, id);
	if (!sp)
		return;
	*sp = r->pipes[--r->npipes];
}

void
conns_authed(struct repl *r, struct srv_pipe *sp,
	     const uint8_t key[EVENT_KEY_BYTES])
{
	struct srv_pipe *lru;
	if (sp->authed && memcmp(sp->key, key, EVENT_KEY_BYTES) == 0)
		return;
	sp->authed = 1;
	memcpy(sp->key, key, EVENT_KEY_BYTES);
	if (key_pipes(r, key, sp, &lru) > PIPES_PER_KEY && lru) {
		char why[120], hex[17];
		hex_encode(key, 8, hex);
		snprintf(why, sizeof(why),
			 "key %s holds more than %d connections: its least recently used goes",
			 hex, PIPES_PER_KEY);
		conns_close(r, lru, why);
	}
}

/* Keeps SRV_RECV_SLOTS contexts waiting for requests. */
static void
fill_receivers(struct repl *r)
{
	while (r->srv_receiving < SRV_RECV_SLOTS && !r->stopping) {
		struct srv_slot *s = NULL;
		for (int i = 0; i < SRV_SLOTS_MAX && !s; i++)
			if (r->srv_slot[i].state == SLOT_IDLE && r->srv_slot[i].open)
				s = &r->srv_slot[i];
		for (int i = 0; i < SRV_SLOTS_MAX && !s; i++)
			if (r->srv_slot[i].state == SLOT_IDLE)
				s = &r->srv_slot[i];
		if (!s) {
			/* Every context holds a reply that cannot leave: cut
			 * the connection that holds the most; its contexts
			 * come back when nng lets go of them. */
			struct srv_pipe *worst = NULL;
			for (size_t i = 0; i < r->npipes; i++)
				if (!r->pipes[i].closing && r->pipes[i].pending &&
				    (!worst || r->pipes[i].pending > worst->pending))
					worst = &r->pipes[i];
			if (worst)
				conns_close(r, worst,
					    "it does not read its answers, and they hold every context");
			return;
		}
		if (net_slot_open(s))
			return; /* nng is out of memory: the next item tries again */
		s->state = SLOT_RECV;
		r->srv_receiving++;
		net_server_recv(s);
	}
}

void
conns_server_item(struct repl *r, struct item *it)
{
	struct srv_slot *s = &r->srv_slot[it->slot];
	struct srv_pipe *sp;
	if (it->kind == IT_SRV_SENT) {
		sp = s->pipe ? conns_pipe(r, s->pipe) : NULL;
		if (sp && sp->pending)
			sp->pending--;
		if (sp && it->result != 0 && it->result != NNG_ECLOSED &&
		    it->result != NNG_ECANCELED)
			conns_close(r, sp, it->result == NNG_ETIMEDOUT
						   ? "it does not read its answers (one waited past its deadline)"
						   : "an answer could not be sent");
		s->state = SLOT_IDLE;
		s->pipe = 0;
		fill_receivers(r);
		return;
	}
	s->state = SLOT_IDLE;
	r->srv_receiving--;
	if (r->stopping)
		return;
	if (it->result != 0) {
		/* A receive that failed (the socket closing, mostly). */
		if (it->result != NNG_ECLOSED)
			fill_receivers(r);
		return;
	}
	uint32_t id = net_msg_pipe(it->msg);
	sp = conns_pipe(r, id);
	if (!sp || sp->closing) {
		/* Its connection is gone, or going: no answer. */
		fill_receivers(r);
		return;
	}
	if (sp->pending >= (sp->authed ? PIPE_PENDING_AUTH : PIPE_PENDING_UNAUTH)) {
		conns_close(r, sp, "it sends requests without reading the answers");
		fill_receivers(r);
		return;
	}
	sp->last_ms = repl_now_ms();
	/* Kept warm (struct repl); the send copies it into a message. */
	struct buf *reply = &r->sealed;
	buf_reset(reply);
	serve_request(r, sp, nng_msg_body(it->msg), nng_msg_len(it->msg), reply);
	if (reply->len && !sp->closing) {
		uint32_t deadline = r->o.timeout_ms;
		if (!sp->authed && r->o.handshake_ms < deadline)
			deadline = r->o.handshake_ms;
		s->state = SLOT_SEND;
		s->pipe = id;
		sp->pending++;
		net_server_reply(s, reply, deadline);
	}
	fill_receivers(r);
}

void
conns_tick(struct repl *r)
{
	uint64_t now = repl_now_ms();
	char why[100];
	for (size_t i = 0; i < r->npipes; i++) {
		struct srv_pipe *p = &r->pipes[i];
		if (!p->closing && !p->authed && now - p->since_ms > r->o.handshake_ms) {
			snprintf(why, sizeof(why), "it did not finish a handshake within %u ms",
				 r->o.handshake_ms);
			conns_close(r, p, why);
		}
	}
	log_limit_flush(r->log, now);
	log_limit_flush(r->log_members, now);
}

void
conns_release(struct repl *r)
{
	net_fd_cache_clear(&r->fds);
	free(r->pipes);
	r->pipes = NULL;
	r->npipes = r->pipes_cap = 0;
}

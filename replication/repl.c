/* repl.c - the engine's life: peers, the loop thread's dispatch, stop. */
#include "replication/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/banned.h"

static int read_changes(struct repl *r, struct owed *adv, size_t *nadv);

void
repl_set_timing(struct repl *r, uint32_t interval_ms, uint32_t timeout_ms)
{
	r->o.interval_ms = interval_ms ? interval_ms : 2000;
	r->o.timeout_ms = timeout_ms ? timeout_ms : 10000;
}

struct repl *
repl_new(struct store *s, const struct key *me, const struct repl_options *o,
	 const struct repl_hooks *h)
{
	struct repl *r = xcalloc(1, sizeof(*r));
	r->store = s;
	r->me = me;
	r->o = *o;
	if (!r->o.interval_ms)
		r->o.interval_ms = 2000;
	if (!r->o.timeout_ms)
		r->o.timeout_ms = 10000;
	if (!r->o.reconnect_min_ms)
		r->o.reconnect_min_ms = 100;
	if (!r->o.reconnect_max_ms)
		r->o.reconnect_max_ms = 5000;
	if (!r->o.fetch_events || r->o.fetch_events > WIRE_MAX_EVENTS)
		r->o.fetch_events = 500;
	if (!r->o.inflight || r->o.inflight > MAX_INFLIGHT)
		r->o.inflight = 4;
	if (!r->o.handshake_ms)
		r->o.handshake_ms = 5000;
	if (!r->o.max_unauthenticated)
		r->o.max_unauthenticated = 64;
	if (!r->o.max_unauthenticated_per_address)
		r->o.max_unauthenticated_per_address = 8;
	if (o->first_author) {
		memcpy(r->first_author, o->first_author, EVENT_KEY_BYTES);
		r->has_first = 1;
	}
	r->o.listen = o->listen ? xstrdup(o->listen) : NULL;
	r->o.first_author = NULL;
	r->h = *h;
	inbox_init(&r->inbox);
	r->cookies = session_cookies_new(COOKIE_MS, COOKIES_REMEMBERED);
	r->log = log_limit_new(LOG_WINDOW_MS);
	r->log_members = log_limit_new(LOG_WINDOW_MS);
	return r;
}

int
repl_start(struct repl *r, struct diag *d)
{
	struct owed adv[WIRE_PUSH_HEADS];
	size_t nadv;
	/* What the store holds now: the first change after the start is
	 * then known exactly, as the next ones are. */
	(void)read_changes(r, adv, &nadv);
	if (!r->o.listen)
		return 0;
	return net_server_open(r, d);
}

int
repl_add_peer(struct repl *r, const char *name, const char *addr,
	      const uint8_t key[EVENT_KEY_BYTES], struct diag *d)
{
	struct peer *p = xcalloc(1, sizeof(*p));
	p->r = r;
	p->idx = (int)r->npeers;
	snprintf(p->st.name, sizeof(p->st.name), "%s", name);
	snprintf(p->st.addr, sizeof(p->st.addr), "%s", addr);
	memcpy(p->st.key, key, EVENT_KEY_BYTES);
	p->backoff_ms = r->o.reconnect_min_ms;
	p->misbehave_backoff_ms = MISBEHAVE_BACKOFF_MS;
	buf_init(&p->blob);
	r->peers = xrealloc(r->peers, (r->npeers + 1) * sizeof(*r->peers));
	r->peers[r->npeers++] = p;
	return net_peer_open(p, d);
}

void
repl_block(struct repl *r, const char *name, int blocked)
{
	for (size_t i = 0; i < r->npeers; i++) {
		struct peer *p = r->peers[i];
		if (strcmp(p->st.name, name) != 0 || p->st.blocked == blocked)
			continue;
		p->st.blocked = blocked;
		log_info("repl", "peer %s %s", name, blocked ? "blocked" : "unblocked");
		if (blocked) {
			snprintf(p->st.last_error, sizeof(p->st.last_error), "blocked here");
			/* End the round and the session: nothing more goes
			 * either way until unblocked. */
			for (uint32_t k = 0; k <= r->o.inflight; k++)
				if (p->slot[k].kind != RQ_NONE)
					nng_aio_cancel(p->slot[k].aio);
			p->gen++;
			p->state = P_IDLE;
			session_free(p->sess);
			p->sess = NULL;
		} else {
			p->st.last_error[0] = '\0';
			p->next_round_ms = 0;
		}
	}
}

void
repl_process(struct repl *r)
{
	struct item *it = inbox_take(&r->inbox);
	/* Sockets come and go between two calls: look them up afresh. */
	net_fd_cache_clear(&r->fds);
	while (it) {
		struct item *next = it->next;
		struct peer *p = it->kind >= IT_CLI_SENT && it->kind <= IT_PIPE_DOWN &&
					 (size_t)it->peer < r->npeers
					 ? r->peers[it->peer] : NULL;
		switch (it->kind) {
		case IT_SRV_RECV:
		case IT_SRV_SENT:
			conns_server_item(r, it);
			break;
		case IT_SRV_PIPE_ADD:
			conns_pipe_added(r, it);
			break;
		case IT_SRV_PIPE_REM:
			conns_pipe_removed(r, it->pipe);
			break;
		case IT_CLI_SENT:
			pull_on_sent(p, &p->slot[it->slot], it->result);
			break;
		case IT_CLI_RECV:
			pull_on_reply(p, &p->slot[it->slot], it->result, it->msg);
			it->msg = NULL; /* pull_on_reply frees it */
			break;
		case IT_PIPE_UP:
			p->st.connected = 1;
			p->st.last_contact_ms = repl_wall_ms();
			break;
		case IT_PIPE_DOWN:
			p->st.connected = 0;
			break;
		}
		if (it->msg)
			nng_msg_free(it->msg);
		free(it);
		it = next;
	}
}

void
repl_tick(struct repl *r)
{
	for (size_t i = 0; i < r->npeers; i++)
		pull_tick(r->peers[i]);
	conns_tick(r);
}

struct snap_walk {
	struct wire_head *h;
	size_t n, cap;
};

static int
add_snap(const struct summary_entry *e, void *ctx)
{
	struct snap_walk *w = ctx;
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 64;
		w->h = xrealloc(w->h, w->cap * sizeof(*w->h));
	}
	memcpy(w->h[w->n].author, e->author, EVENT_KEY_BYTES);
	w->h[w->n].seq = e->seq;
	memcpy(w->h[w->n].id, e->id, EVENT_ID_BYTES);
	w->n++;
	return 0;
}

/*
 * The feeds that advanced from the last summary read (r->snap) to now
 * (w), both sorted by author; 1 when they are all the new events (added
 * of them) and fit adv, else 0.
 */
static int
advanced(const struct repl *r, const struct snap_walk *w, uint64_t added,
	 struct owed *adv, size_t *nadv)
{
	size_t i = 0, n = 0;
	uint64_t total = 0;
	int exact = r->has_snap;
	for (size_t k = 0; k < w->n; k++) {
		const struct wire_head *h = &w->h[k];
		int c = 1;
		while (i < r->nsnap &&
		       (c = memcmp(r->snap[i].author, h->author, EVENT_KEY_BYTES)) < 0)
			i++;
		uint64_t old = i < r->nsnap && c == 0 ? r->snap[i].seq : 0;
		if (h->seq < old)
			exact = 0;
		if (h->seq <= old)
			continue;
		total += h->seq - old;
		if (n == WIRE_PUSH_HEADS) {
			exact = 0;
			continue;
		}
		memcpy(adv[n].author, h->author, EVENT_KEY_BYTES);
		adv[n].from = old + 1;
		adv[n].to = h->seq;
		memcpy(adv[n].id, h->id, EVENT_ID_BYTES);
		adv[n].relay = heads_seq(r->relayed, r->nrelayed, h->author) >= h->seq;
		n++;
	}
	*nadv = n;
	/* A fork version or evidence stored (not in a feed): a round shows
	 * it, through the summary's forks. */
	return exact && total == added;
}

/*
 * Reads the store's summary (when its count of events moved since the
 * last read) and the feeds that advanced since: 1 when adv holds them
 * exactly, 0 when not, -1 when nothing changed.
 */
static int
read_changes(struct repl *r, struct owed *adv, size_t *nadv)
{
	struct store_stats st;
	struct snap_walk w = { NULL, 0, 0 };
	int exact = 0;
	*nadv = 0;
	if (store_stats(r->store, &st) || st.events == r->changed_count)
		return -1;
	/* What advanced: one walk of the summary, which a round's SUMMARY
	 * costs the server anyway. */
	if (store_walk_summary(r->store, add_snap, &w) == 0) {
		exact = st.events > r->changed_count &&
			advanced(r, &w, st.events - r->changed_count, adv, nadv);
		free(r->snap);
		r->snap = w.h;
		r->nsnap = w.n;
		r->has_snap = 1;
	} else {
		free(w.h);
		r->has_snap = 0;
	}
	r->changed_count = st.events;
	return exact;
}

void
repl_changed(struct repl *r)
{
	struct owed adv[WIRE_PUSH_HEADS];
	size_t nadv;
	int exact = read_changes(r, adv, &nadv);
	if (exact >= 0)
		pull_changed(r, exact ? adv : NULL, nadv);
}

int
repl_done(const struct repl *r)
{
	if (r->nospace)
		return 1;
	for (size_t i = 0; i < r->npeers; i++)
		if (!r->peers[i]->st.blocked && !r->peers[i]->st.rounds_ok)
			return 0;
	return 1;
}

size_t
repl_peer_count(const struct repl *r)
{
	return r->npeers;
}

const struct repl_peer_stats *
repl_peer_stats(const struct repl *r, size_t i)
{
	return &r->peers[i]->st;
}

const struct wire_head *
repl_peer_heads(const struct repl *r, size_t i, size_t *n)
{
	*n = r->peers[i]->nheads;
	return r->peers[i]->heads;
}

void
repl_stop(struct repl *r)
{
	r->stopping = 1;
	net_close_all(r);
}

void
repl_free(struct repl *r)
{
	if (!r)
		return;
	if (!r->stopping)
		repl_stop(r);
	for (size_t i = 0; i < r->npeers; i++) {
		peer_release(r->peers[i]);
		free(r->peers[i]);
	}
	free(r->peers);
	free(r->snap);
	free(r->relayed);
	for (int i = 0; i < MAX_SESSIONS; i++)
		session_free(r->sessions[i].s);
	session_cookies_free(r->cookies);
	buf_release(&r->answer);
	buf_release(&r->sealed);
	conns_release(r);
	log_limit_free(r->log);
	log_limit_free(r->log_members);
	inbox_release(&r->inbox);
	free((char *)r->o.listen);
	free(r);
}

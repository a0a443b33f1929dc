/*
 * serve.c - the server side: handshakes, and answers to sealed requests
 * from the store.  Every request gets an answer (REFUSE when it cannot be
 * read), and nothing a client sends can do more than fail its own request.
 * What a handshake costs before the client has proven anything: a parse
 * and a hash (the cookie); a signature is checked only for a HELLO whose
 * cookie this node made for it, took once, and within its address's
 * budget.  Refusals are logged once per client and reason in a window,
 * then counted (common/log.h).
 */
#include "replication/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "store/store.h"
#include "common/banned.h"

/* ---- sessions ---- */

static struct srv_session *
find_session(struct repl *r, const uint8_t sid[SESSION_ID_BYTES])
{
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (r->sessions[i].s &&
		    memcmp(session_id(r->sessions[i].s), sid, SESSION_ID_BYTES) == 0)
			return &r->sessions[i];
	return NULL;
}

/*
 * A place for a new session of client, whose key a fresh handshake has
 * just proven: dropping idle sessions; if client already holds
 * SESSIONS_PER_KEY, its own least recently used one (it proved it is the
 * same key, now); else a free place; else the least recently used
 * session idle for SESSION_STALE_MS.  A live session of another key is
 * never displaced: NULL then.
 */
static struct srv_session *
new_session(struct repl *r, const uint8_t client[EVENT_KEY_BYTES])
{
	uint64_t now = repl_now_ms();
	struct srv_session *stale = NULL, *own_lru = NULL, *free_slot = NULL;
	int own = 0;
	for (int i = 0; i < MAX_SESSIONS; i++) {
		struct srv_session *s = &r->sessions[i];
		if (s->s && now - s->last_used_ms > SESSION_IDLE_MS) {
			session_free(s->s);
			s->s = NULL;
		}
		if (!s->s) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (now - s->last_used_ms > SESSION_STALE_MS &&
		    (!stale || s->last_used_ms < stale->last_used_ms))
			stale = s;
		if (memcmp(s->client, client, EVENT_KEY_BYTES) == 0) {
			own++;
			if (!own_lru || s->last_used_ms < own_lru->last_used_ms)
				own_lru = s;
		}
	}
	struct srv_session *slot = own >= SESSIONS_PER_KEY ? own_lru
				   : free_slot		   ? free_slot
							   : stale;
	if (slot && slot->s) {
		session_free(slot->s);
		slot->s = NULL;
	}
	return slot;
}

/*
 * Takes one signature check from addr's budget: HANDSHAKES_PER_S a
 * second, HANDSHAKE_BURST at once.  0 when the budget is spent.
 */
static int
budget_take(struct repl *r, const char *addr)
{
	uint64_t now = repl_now_ms();
	struct addr_budget *b = NULL, *lru = NULL;
	for (int i = 0; i < ADDR_BUCKETS && !b; i++) {
		struct addr_budget *x = &r->budgets[i];
		if (strcmp(x->addr, addr) == 0)
			b = x;
		else if (!lru || x->at_ms < lru->at_ms)
			lru = x;
	}
	if (!b) {
		b = lru;
		snprintf(b->addr, sizeof(b->addr), "%s", addr);
		b->tokens = HANDSHAKE_BURST;
	} else {
		b->tokens += (double)(now - b->at_ms) * HANDSHAKES_PER_S / 1000.0;
		if (b->tokens > HANDSHAKE_BURST)
			b->tokens = HANDSHAKE_BURST;
	}
	b->at_ms = now;
	if (b->tokens < 1)
		return 0;
	b->tokens -= 1;
	return 1;
}

void
serve_log_refusal(struct repl *r, const char *who, const char *text)
{
	char key[160];
	/* Refusals that differ only in a number (a counter) are one kind. */
	snprintf(key, sizeof(key), "refused %s: %.*s", who,
		 (int)strcspn(text, "(0123456789"), text);
	log_limited(r->log, repl_now_ms(), LOG_WARN, "repl", key, "refused %s: %s",
		    who, text);
}

static void
refuse(struct repl *r, const char *who, int code, const char *text,
       struct buf *out)
{
	serve_log_refusal(r, who, text);
	session_refuse(err_name(code), text, out);
}

/* "a client at 10.0.0.9": who sent something we cannot tie to a key. */
static void
anonymous(const struct srv_pipe *sp, char *out, size_t n)
{
	snprintf(out, n, "a client at %s", sp->addr);
}

static void
handshake(struct repl *r, struct srv_pipe *sp, const uint8_t *p, size_t n,
	  struct buf *out)
{
	struct hello h;
	struct diag d;
	char name[REPL_NAME_MAX + 1], who[17], anon[ADDR_TEXT + 16];
	struct session *s;
	int rc;

	anonymous(sp, anon, sizeof(anon));
	if (session_read_hello(p, n, &h, &d)) {
		refuse(r, anon, ERR_PROTO, d.text, out);
		return;
	}
	hex_encode(h.client, 8, who);
	if (strcmp(h.network, store_network(r->store)) != 0) {
		refuse(r, who, ERR_NETWORK, "this node serves another network", out);
		return;
	}
	if (memcmp(h.server, key_public(r->me), EVENT_KEY_BYTES) != 0) {
		refuse(r, who, ERR_DENIED, "the client expects another node's key", out);
		return;
	}
	int allowed = r->h.authorize(r->h.ctx, h.client, name, sizeof(name));
	if (allowed == 0) {
		refuse(r, who, ERR_DENIED, "the key is not in the roster, or is revoked", out);
		return;
	}
	struct peer *p_ = peer_by_key(r, h.client);
	if (allowed < 0 || (p_ && p_->st.blocked)) {
		refuse(r, name, ERR_DENIED, "this peer is blocked here", out);
		return;
	}
	if (!h.has_cookie) {
		/* The first round trip: a cookie, which costs a hash. */
		if ((rc = session_challenge(r->cookies, repl_now_ms(), p, n, out)))
			refuse(r, anon, rc, "not a HELLO", out);
		sp->asked = 1;
		return;
	}
	/*
	 * The cookie before anything else: a recorded HELLO sent again (its
	 * cookie taken or expired), or one with a cookie made for other
	 * fields, costs a hash here and never reaches the signature.
	 */
	if ((rc = session_cookie_take(r->cookies, repl_now_ms(), p, n, &d))) {
		refuse(r, name, rc, d.text, out);
		return;
	}
	if (!budget_take(r, sp->addr)) {
		refuse(r, name, ERR_BUSY,
		       "too many handshakes from its address: try again in a second", out);
		return;
	}
	if (session_welcome(r->me, p, n, &s, out, &d)) {
		refuse(r, name, ERR_BADSIG, d.text, out);
		return;
	}
	struct srv_session *slot = new_session(r, h.client);
	if (!slot) {
		session_free(s);
		buf_reset(out);
		refuse(r, name, ERR_BUSY,
		       "every session place is taken by a live session: try again later", out);
		return;
	}
	slot->s = s;
	memcpy(slot->client, h.client, EVENT_KEY_BYTES);
	slot->last_used_ms = repl_now_ms();
	snprintf(slot->name, sizeof(slot->name), "%s", name);
	conns_authed(r, sp, h.client);
	log_info("repl", "session with %s", name);
}

/* ---- answers ---- */

struct summary_out {
	struct buf *out;
	struct wire_head *heads;
	size_t n, cap;
};

static int
add_head(const struct summary_entry *e, void *ctx)
{
	struct summary_out *o = ctx;
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->heads = xrealloc(o->heads, o->cap * sizeof(*o->heads));
	}
	memcpy(o->heads[o->n].author, e->author, EVENT_KEY_BYTES);
	o->heads[o->n].seq = e->seq;
	memcpy(o->heads[o->n].id, e->id, EVENT_ID_BYTES);
	o->n++;
	return 0;
}

struct forks_out {
	struct wire_fork *f;
	size_t n;
};

static int
add_fork(const struct fork_entry *e, void *ctx)
{
	struct forks_out *o = ctx;
	o->f = xrealloc(o->f, (o->n + 1) * sizeof(*o->f));
	struct wire_fork *w = &o->f[o->n++];
	memcpy(w->author, e->author, EVENT_KEY_BYTES);
	w->seq = e->seq;
	w->nids = e->nids;
	memcpy(w->ids, e->ids, e->nids * EVENT_ID_BYTES);
	return 0;
}

static int
answer_summary(struct repl *r, struct buf *out)
{
	struct summary_out so = { out, NULL, 0, 0 };
	struct forks_out fo = { NULL, 0 };
	int rc = store_walk_summary(r->store, add_head, &so);
	if (rc == 0)
		rc = store_walk_forks(r->store, add_fork, &fo);
	if (rc == 0) {
		wire_summary_begin(out, (uint32_t)so.n);
		for (size_t i = 0; i < so.n; i++)
			wire_summary_head(out, &so.heads[i]);
		wire_summary_forks(out, (uint32_t)fo.n);
		for (size_t i = 0; i < fo.n; i++)
			wire_summary_fork(out, &fo.f[i]);
	}
	free(so.heads);
	free(fo.f);
	return rc;
}

struct fetch_out {
	struct buf *out; /* the reply, the envelopes written into it */
	size_t items_from; /* where the first envelope starts in it */
	uint32_t count;
	uint32_t max_events;
	size_t max_bytes;
	uint64_t seq, to;
};

static int
add_fetched(const uint8_t *env, size_t n, void *ctx)
{
	struct fetch_out *f = ctx;
	/* The walk starts at `from` and a feed has no gaps: the seq of the
	 * k-th envelope is from + k. */
	if (f->seq > f->to || f->count >= f->max_events ||
	    (f->count && f->out->len - f->items_from + n > f->max_bytes))
		return 1;
	wire_events_add(f->out, env, n);
	f->count++;
	f->seq++;
	return 0;
}

static int
answer_fetch(struct repl *r, const uint8_t *p, size_t n, struct buf *out,
	     uint64_t *events)
{
	struct wire_range ranges[WIRE_MAX_RANGES];
	size_t nr;
	uint32_t me, mb;
	struct fetch_out f;
	int rc = 0;
	if (wire_fetch_decode(p, n, ranges, &nr, &me, &mb))
		return ERR_PROTO;
	memset(&f, 0, sizeof(f));
	f.max_events = me;
	f.max_bytes = mb;
	f.out = out;
	/* Written straight into the reply, which the server keeps from one
	 * request to the next: no copy into fresh memory. */
	size_t out_from = out->len, count_at = wire_events_start(out);
	f.items_from = out->len;
	for (size_t i = 0; i < nr && rc >= 0; i++) {
		f.seq = ranges[i].from;
		f.to = ranges[i].to;
		rc = store_walk_author(r->store, ranges[i].author, ranges[i].from,
				       add_fetched, &f);
		if (f.count >= f.max_events || out->len - f.items_from >= f.max_bytes)
			break;
	}
	if (rc < 0) {
		buf_truncate(out, out_from);
		return rc;
	}
	wire_events_finish(out, count_at, f.count);
	*events = f.count;
	return 0;
}

static int
answer_get(struct repl *r, const uint8_t *p, size_t n, struct buf *out,
	   uint64_t *events)
{
	uint8_t ids[WIRE_MAX_GET][EVENT_ID_BYTES];
	size_t count;
	struct buf env = BUF_INIT;
	uint32_t found = 0;
	if (wire_get_decode(p, n, ids, &count))
		return ERR_PROTO;
	/* As answer_fetch: straight into the reply, counted at the end. */
	size_t count_at = wire_events_start(out), items_from = out->len;
	for (size_t i = 0; i < count; i++) {
		buf_reset(&env);
		if (store_event_get(r->store, ids[i], &env) == 0 &&
		    out->len - items_from + env.len <= WIRE_MAX_BYTES) {
			wire_events_add(out, env.data, env.len);
			found++;
		}
	}
	wire_events_finish(out, count_at, found);
	buf_release(&env);
	*events = found;
	return 0;
}

static int
answer_blob(struct repl *r, const uint8_t *p, size_t n, struct buf *out,
	    struct diag *d)
{
	uint8_t hash[HASH_BYTES];
	uint64_t offset, total;
	uint32_t max;
	struct buf data = BUF_INIT;
	int rc;
	if (wire_blob_req_decode(p, n, hash, &offset, &max))
		return diag_set(d, ERR_PROTO, "bad BLOB_REQ");
	/* A chunk read from the file: never the whole blob per chunk. */
	if ((rc = store_blob_read(r->store, hash, offset, max, &data, &total, d)) == 0)
		wire_blob(out, total, offset, data.data, data.len);
	buf_release(&data);
	return rc;
}

/* Answers one opened request into plain; returns the events sent. */
static uint64_t
answer(struct repl *r, struct srv_session *ss, const uint8_t *p, size_t n,
       struct buf *plain)
{
	struct diag d;
	struct wire_head h;
	uint64_t events = 0;
	int rc;
	switch (wire_type(p, n)) {
	case W_SUMMARY_REQ:
		if ((rc = wire_summary_req_decode(p, n))) {
			diag_set(&d, rc, "bad SUMMARY_REQ");
			break;
		}
		rc = answer_summary(r, plain);
		if (rc)
			diag_set(&d, rc, "cannot read the summary");
		break;
	case W_FETCH:
		rc = answer_fetch(r, p, n, plain, &events);
		if (rc)
			diag_set(&d, rc, "bad FETCH");
		break;
	case W_GET:
		rc = answer_get(r, p, n, plain, &events);
		if (rc)
			diag_set(&d, rc, "bad GET");
		break;
	case W_HINT:
		rc = wire_hint_decode(p, n, &h);
		if (rc) {
			diag_set(&d, rc, "bad HINT");
			break;
		}
		/* Pull from the peer that has something new, now. */
		struct peer *from = peer_by_key(r, session_peer(ss->s));
		if (from)
			pull_hint(from);
		wire_ack(plain);
		break;
	case W_PUSH: {
		struct wire_push w;
		rc = wire_push_decode(p, n, &w);
		if (rc) {
			diag_set(&d, rc, "bad PUSH");
			break;
		}
		/* From a peer we pull from: its events, and a round if they
		 * leave anything missing; from another member, nothing (as a
		 * HINT). */
		struct peer *pf = peer_by_key(r, session_peer(ss->s));
		if (pf && !pf->st.blocked)
			wire_held(plain, pull_push(pf, &w));
		else
			wire_ack(plain);
		break;
	}
	case W_BLOB_REQ:
		rc = answer_blob(r, p, n, plain, &d);
		break;
	default:
		rc = diag_set(&d, ERR_PROTO, "unknown request type");
		break;
	}
	if (rc) {
		char key[REPL_NAME_MAX + 64];
		buf_reset(plain);
		wire_error(plain, rc, d.text);
		snprintf(key, sizeof(key), "failed %s %.40s", ss->name, d.text);
		log_limited(r->log_members, repl_now_ms(), LOG_INFO, "repl",
			    key, "request from %s failed: %s", ss->name, d.text);
	}
	return events;
}

void
serve_request(struct repl *r, struct srv_pipe *sp, const uint8_t *p,
	      size_t n, struct buf *out)
{
	uint8_t sid[SESSION_ID_BYTES];
	uint64_t counter;
	struct buf plain = BUF_INIT, *reply = &r->answer;
	struct diag d;
	char name[REPL_NAME_MAX + 1], anon[ADDR_TEXT + 16], text[160];

	anonymous(sp, anon, sizeof(anon));
	int version = session_msg_version(p, n);
	if (version >= 0 && version != SESSION_VERSION) {
		/* Answered in its own version, so that an older node says
		 * why rather than "bad answer". */
		snprintf(text, sizeof(text),
			 "it speaks replication protocol version %d, this node version %d",
			 version, SESSION_VERSION);
		serve_log_refusal(r, anon, text);
		session_refuse_version((uint64_t)version, out);
		return;
	}
	switch (session_msg_type(p, n)) {
	case MSG_HELLO:
		handshake(r, sp, p, n, out);
		return;
	case MSG_SEALED:
		break;
	default:
		refuse(r, anon, ERR_PROTO, "not a message of protocol version 2", out);
		return;
	}
	struct srv_session *ss = NULL;
	if (session_sealed_head(p, n, sid, &counter) == 0)
		ss = find_session(r, sid);
	if (!ss) {
		/* Also what a flipped session id looks like: say so. */
		char key[ADDR_TEXT + 24];
		snprintf(key, sizeof(key), "no session %s", sp->addr);
		log_limited(r->log, repl_now_ms(), LOG_INFO, "repl", key,
			    "a request from %s for no session here (expired, or altered): asked to shake hands again",
			    sp->addr);
		session_refuse("unknown-session", "no such session here: shake hands again", out);
		return;
	}
	if (session_open(ss->s, p, n, &counter, &plain, &d)) {
		refuse(r, ss->name, ERR_PROTO, d.text, out);
		buf_release(&plain);
		return;
	}
	/* Revoked since the handshake, or blocked: the session ends here,
	 * saying which (the admin's remedy differs: the roster, or `peers
	 * unblock`), in the words the handshake would use. */
	struct peer *pe = peer_by_key(r, session_peer(ss->s));
	int allowed = r->h.authorize(r->h.ctx, session_peer(ss->s), name,
				     sizeof(name));
	if (allowed <= 0 || (pe && pe->st.blocked)) {
		refuse(r, ss->name, ERR_DENIED,
		       allowed == 0 ? "the key is no longer allowed here"
				    : "this peer is blocked here",
		       out);
		session_free(ss->s);
		ss->s = NULL;
		buf_release(&plain);
		return;
	}
	/* A request of a session opened: the connection is its key's. */
	conns_authed(r, sp, session_peer(ss->s));
	ss->last_used_ms = repl_now_ms();
	buf_reset(reply);
	uint64_t events = answer(r, ss, plain.data, plain.len, reply);
	session_seal(ss->s, counter, reply->data, reply->len, out);
	if (pe) {
		pe->st.events_out += events;
		pe->st.bytes_out += out->len;
	}
	buf_release(&plain);
}

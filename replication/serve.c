/*
 * serve.c - the server side: handshakes, and answers to sealed requests
 * from the store.  Every request gets an answer (REFUSE when it cannot be
 * read), and nothing a client sends can do more than fail its own request.
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
 * A place for a new session of client: dropping idle sessions; if client
 * already holds SESSIONS_PER_KEY, its own least recently used one (so a
 * client, or a replayer of its HELLOs, can only push out its own); else a
 * free place, else the least recently used of all.
 */
static struct srv_session *
new_session(struct repl *r, const uint8_t client[32])
{
	uint64_t now = repl_now_ms();
	struct srv_session *lru = NULL, *own_lru = NULL, *free_slot = NULL;
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
		if (!lru || s->last_used_ms < lru->last_used_ms)
			lru = s;
		if (memcmp(s->client, client, 32) == 0) {
			own++;
			if (!own_lru || s->last_used_ms < own_lru->last_used_ms)
				own_lru = s;
		}
	}
	struct srv_session *slot = own >= SESSIONS_PER_KEY ? own_lru
				   : free_slot		   ? free_slot
							   : lru;
	if (slot->s) {
		session_free(slot->s);
		slot->s = NULL;
	}
	return slot;
}

/* 1 if a live session was opened by exactly this HELLO. */
static int
hello_replayed(struct repl *r, const uint8_t hash[32])
{
	for (int i = 0; i < MAX_SESSIONS; i++)
		if (r->sessions[i].s && memcmp(r->sessions[i].hello, hash, 32) == 0)
			return 1;
	return 0;
}

static void
refuse(const char *peer, int code, const char *text, struct buf *out)
{
	log_warn("repl", "refused %s: %s", peer, text);
	session_refuse(err_name(code), text, out);
}

static void
handshake(struct repl *r, const uint8_t *p, size_t n, struct buf *out)
{
	struct hello h;
	struct diag d;
	char name[REPL_NAME_MAX + 1], who[17];
	struct session *s;

	if (session_read_hello(p, n, &h, &d)) {
		refuse("a client", ERR_PROTO, d.text, out);
		return;
	}
	hex_encode(h.client, 8, who);
	if (strcmp(h.network, store_network(r->store)) != 0) {
		refuse(who, ERR_NETWORK, "this node serves another network", out);
		return;
	}
	if (memcmp(h.server, key_public(r->me), 32) != 0) {
		refuse(who, ERR_DENIED, "the client expects another node's key", out);
		return;
	}
	int allowed = r->h.authorize(r->h.ctx, h.client, name, sizeof(name));
	if (allowed == 0) {
		refuse(who, ERR_DENIED, "the key is not in the roster, or is revoked", out);
		return;
	}
	struct peer *p_ = peer_by_key(r, h.client);
	if (allowed < 0 || (p_ && p_->st.blocked)) {
		refuse(name, ERR_DENIED, "this peer is blocked here", out);
		return;
	}
	/*
	 * A HELLO is answered with fresh keys, so a replayed one gains its
	 * sender nothing; refusing it keeps replays from costing us a
	 * signature and pushing out live sessions.
	 */
	uint8_t hello_hash[32];
	hash_bytes(p, n, hello_hash);
	if (hello_replayed(r, hello_hash)) {
		refuse(name, ERR_PROTO, "a replayed HELLO", out);
		return;
	}
	if (session_welcome(r->me, p, n, &s, out, &d)) {
		refuse(name, ERR_PROTO, d.text, out);
		return;
	}
	struct srv_session *slot = new_session(r, h.client);
	slot->s = s;
	memcpy(slot->client, h.client, 32);
	memcpy(slot->hello, hello_hash, 32);
	slot->last_used_ms = repl_now_ms();
	snprintf(slot->name, sizeof(slot->name), "%s", name);
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
	memcpy(o->heads[o->n].author, e->author, 32);
	o->heads[o->n].seq = e->seq;
	memcpy(o->heads[o->n].id, e->id, 32);
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
	memcpy(w->author, e->author, 32);
	w->seq = e->seq;
	w->nids = e->nids;
	memcpy(w->ids, e->ids, e->nids * 32);
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
	struct buf items;
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
	    (f->count && f->items.len + n > f->max_bytes))
		return 1;
	wire_events_add(&f->items, env, n);
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
	for (size_t i = 0; i < nr && rc >= 0; i++) {
		f.seq = ranges[i].from;
		f.to = ranges[i].to;
		rc = store_walk_author(r->store, ranges[i].author, ranges[i].from,
				       add_fetched, &f);
		if (f.count >= f.max_events || f.items.len >= f.max_bytes)
			break;
	}
	if (rc < 0) {
		buf_release(&f.items);
		return rc;
	}
	wire_events_begin(out, f.count);
	buf_add(out, f.items.data, f.items.len);
	buf_release(&f.items);
	*events = f.count;
	return 0;
}

static int
answer_get(struct repl *r, const uint8_t *p, size_t n, struct buf *out,
	   uint64_t *events)
{
	uint8_t ids[WIRE_MAX_GET][32];
	size_t count;
	struct buf items = BUF_INIT, env = BUF_INIT;
	uint32_t found = 0;
	if (wire_get_decode(p, n, ids, &count))
		return ERR_PROTO;
	for (size_t i = 0; i < count; i++) {
		buf_reset(&env);
		if (store_event_get(r->store, ids[i], &env) == 0 &&
		    items.len + env.len <= WIRE_MAX_BYTES) {
			wire_events_add(&items, env.data, env.len);
			found++;
		}
	}
	wire_events_begin(out, found);
	buf_add(out, items.data, items.len);
	buf_release(&items);
	buf_release(&env);
	*events = found;
	return 0;
}

static int
answer_blob(struct repl *r, const uint8_t *p, size_t n, struct buf *out,
	    struct diag *d)
{
	uint8_t hash[32];
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
	case W_BLOB_REQ:
		rc = answer_blob(r, p, n, plain, &d);
		break;
	default:
		rc = diag_set(&d, ERR_PROTO, "unknown request type");
		break;
	}
	if (rc) {
		buf_reset(plain);
		wire_error(plain, rc, d.text);
		log_info("repl", "request from %s failed: %s", ss->name, d.text);
	}
	return events;
}

void
serve_request(struct repl *r, const uint8_t *p, size_t n, struct buf *out)
{
	uint8_t sid[SESSION_ID_BYTES];
	uint64_t counter;
	struct buf plain = BUF_INIT, reply = BUF_INIT;
	struct diag d;
	char name[REPL_NAME_MAX + 1];

	switch (session_msg_type(p, n)) {
	case MSG_HELLO:
		handshake(r, p, n, out);
		return;
	case MSG_SEALED:
		break;
	default:
		refuse("a client", ERR_PROTO, "not a message of protocol version 1", out);
		return;
	}
	struct srv_session *ss = NULL;
	if (session_sealed_head(p, n, sid, &counter) == 0)
		ss = find_session(r, sid);
	if (!ss) {
		/* Also what a flipped session id looks like: say so. */
		log_info("repl", "a request for no session here (expired, or altered): asked to shake hands again");
		session_refuse("unknown-session", "no such session here: shake hands again", out);
		return;
	}
	if (session_open(ss->s, p, n, &counter, &plain, &d)) {
		refuse(ss->name, ERR_PROTO, d.text, out);
		buf_release(&plain);
		return;
	}
	/* Revoked since the handshake, or blocked: the session ends here. */
	struct peer *pe = peer_by_key(r, session_peer(ss->s));
	if (r->h.authorize(r->h.ctx, session_peer(ss->s), name, sizeof(name)) <= 0 ||
	    (pe && pe->st.blocked)) {
		refuse(ss->name, ERR_DENIED, "the key is no longer allowed here", out);
		session_free(ss->s);
		ss->s = NULL;
		buf_release(&plain);
		return;
	}
	ss->last_used_ms = repl_now_ms();
	uint64_t events = answer(r, ss, plain.data, plain.len, &reply);
	session_seal(ss->s, counter, reply.data, reply.len, out);
	if (pe) {
		pe->st.events_out += events;
		pe->st.bytes_out += out->len;
	}
	buf_release(&plain);
	buf_release(&reply);
}

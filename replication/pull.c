/*
 * pull.c - the client's rounds with one peer (docs/protocol.md §4):
 * handshake, summary, fetches pipelined over several contexts, checks on
 * worker threads, admission in request order, then blobs.
 *
 * Every request carries the round's generation: when a round fails, its
 * late replies and checks are recognised and dropped.
 */
#include "replication/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "common/banned.h"

struct peer *
peer_by_key(struct repl *r, const uint8_t key[EVENT_KEY_BYTES])
{
	for (size_t i = 0; i < r->npeers; i++)
		if (memcmp(r->peers[i]->st.key, key, EVENT_KEY_BYTES) == 0)
			return r->peers[i];
	return NULL;
}

static struct cli_slot *
free_slot(struct peer *p)
{
	for (uint32_t i = 0; i < p->r->o.inflight; i++)
		if (p->slot[i].kind == RQ_NONE)
			return &p->slot[i];
	return NULL;
}

static int
busy_slots(const struct peer *p)
{
	int n = 0;
	for (uint32_t i = 0; i < p->r->o.inflight; i++)
		n += p->slot[i].kind != RQ_NONE;
	return n;
}

static struct cli_slot *
hint_slot(struct peer *p)
{
	return &p->slot[p->r->o.inflight];
}

static int
head_cmp(const void *a, const void *b)
{
	return memcmp(((const struct wire_head *)a)->author,
		      ((const struct wire_head *)b)->author, EVENT_KEY_BYTES);
}

/* Seals (unless it is the HELLO) and sends a request on a slot. */
static void
send_request(struct peer *p, struct cli_slot *s, enum req_kind kind,
	     const struct buf *plain)
{
	struct buf msg = BUF_INIT;
	s->kind = kind;
	s->gen = p->gen;
	if (kind == RQ_HELLO) {
		buf_add(&msg, plain->data, plain->len);
	} else {
		s->counter = session_next_counter(p->sess);
		session_seal(p->sess, s->counter, plain->data, plain->len, &msg);
	}
	p->st.bytes_out += msg.len;
	net_client_send(s, &msg);
	buf_release(&msg);
}

static void
free_jobs(struct peer *p)
{
	struct fetch_job *j = p->jobs;
	while (j) {
		struct fetch_job *next = j->next;
		buf_release(&j->plain);
		free(j->off);
		free(j->len);
		free(j->rc);
		free(j);
		j = next;
	}
	p->jobs = NULL;
}

static void
clear_plan(struct peer *p)
{
	free(p->to_fetch);
	free(p->get);
	free(p->blobs);
	p->to_fetch = NULL;
	p->get = NULL;
	p->blobs = NULL;
	p->nto_fetch = p->nget = p->nblobs = 0;
	p->empty_fetches = 0;
	buf_reset(&p->blob);
	free_jobs(p);
	p->next_order = p->admit_order = 0;
}

void
peer_error(struct peer *p, const char *fmt, ...)
{
	char key[REPL_NAME_MAX + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->st.last_error, sizeof(p->st.last_error), fmt, ap);
	va_end(ap);
	p->st.errors++;
	/* Once per peer and kind of error in a window, then counted: errors
	 * that differ only in a number (a counter, a seq) are one kind. */
	snprintf(key, sizeof(key), "peer %s: %.*s", p->st.name,
		 (int)strcspn(p->st.last_error, "(0123456789"), p->st.last_error);
	log_limited(p->r->log_members, repl_now_ms(), LOG_INFO, "repl", key,
		    "peer %s: %s", p->st.name, p->st.last_error);
}

/* The round failed: drop it, back off, and try again later. */
static void
round_fail(struct peer *p, int drop_session)
{
	struct repl *r = p->r;
	p->gen++; /* late replies and checks of this round are dropped */
	for (uint32_t i = 0; i < r->o.inflight; i++)
		if (p->slot[i].kind != RQ_NONE)
			nng_aio_cancel(p->slot[i].aio);
	clear_plan(p);
	p->misbehaved = 0;
	if (drop_session) {
		session_free(p->sess);
		p->sess = NULL;
	}
	handshake_free(p->hs);
	p->hs = NULL;
	p->state = P_IDLE;
	p->next_round_ms = repl_now_ms() + p->backoff_ms;
	p->backoff_ms = p->backoff_ms * 2 > r->o.reconnect_max_ms
				? r->o.reconnect_max_ms
				: p->backoff_ms * 2;
}

static void
round_done(struct peer *p)
{
	struct repl *r = p->r;
	p->state = P_IDLE;
	p->st.rounds++;
	p->st.rounds_ok = 1;
	p->st.refused = 0;
	p->backoff_ms = r->o.reconnect_min_ms;
	p->next_round_ms = p->again ? 0 : repl_now_ms() + r->o.interval_ms;
	p->again = 0;
	if (p->misbehaved) {
		/* Not even a hint brings the next round sooner. */
		p->next_round_ms = repl_now_ms() + r->o.interval_ms +
				   p->misbehave_backoff_ms;
		p->misbehave_backoff_ms = p->misbehave_backoff_ms * 2 > MISBEHAVE_BACKOFF_MAX_MS
						  ? MISBEHAVE_BACKOFF_MAX_MS
						  : p->misbehave_backoff_ms * 2;
	} else if (p->st.misbehaving) {
		p->st.misbehaving = 0;
		p->st.misbehaviour[0] = '\0';
		p->misbehave_backoff_ms = MISBEHAVE_BACKOFF_MS;
		log_info("repl", "peer %s: a round without misbehaviour", p->st.name);
	}
	p->misbehaved = 0;
	if (!p->round_refused)
		p->push_distrust = 0;
	p->round_refused = 0;
	clear_plan(p);
}

static void
start_round(struct peer *p)
{
	struct repl *r = p->r;
	struct cli_slot *s = free_slot(p);
	struct buf msg = BUF_INIT;
	if (!s)
		return; /* the last round's requests are still winding down */
	/* The roster may have revoked the peer since it was added. */
	char name[REPL_NAME_MAX + 1];
	if (r->h.authorize(r->h.ctx, p->st.key, name, sizeof(name)) <= 0) {
		peer_error(p, "revoked, or blocked: not pulling from it");
		round_fail(p, 1);
		return;
	}
	p->gen++;
	clear_plan(p);
	p->misbehaved = 0;
	p->round_refused = 0;
	if (!p->sess) {
		handshake_free(p->hs);
		session_hello(r->me, store_network(r->store), p->st.key, &p->hs, &msg);
		p->state = P_HELLO;
		send_request(p, s, RQ_HELLO, &msg);
	} else {
		wire_summary_req(&msg);
		p->state = P_SUMMARY;
		send_request(p, s, RQ_SUMMARY, &msg);
	}
	buf_release(&msg);
}

/* A HINT with our own head: "run a round with me". */
static void
send_plain_hint(struct peer *p, struct cli_slot *s)
{
	struct summary_entry me;
	struct wire_head h;
	struct buf msg = BUF_INIT;
	memset(&h, 0, sizeof(h));
	if (store_summary_get(p->r->store, key_public(p->r->me), &me) == 0) {
		memcpy(h.author, me.author, EVENT_KEY_BYTES);
		h.seq = me.seq;
		memcpy(h.id, me.id, EVENT_ID_BYTES);
	} else {
		memcpy(h.author, key_public(p->r->me), EVENT_KEY_BYTES);
	}
	wire_hint(&msg, &h);
	send_request(p, s, RQ_HINT, &msg);
	buf_release(&msg);
}

/* ---- maps of heads by author (sorted arrays) ---- */

/* Where author is in the map, or would go. */
static size_t
heads_at(const struct wire_head *h, size_t n, const uint8_t author[EVENT_KEY_BYTES])
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(h[mid].author, author, EVENT_KEY_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int
heads_has(const struct wire_head *h, size_t n, const uint8_t author[EVENT_KEY_BYTES])
{
	size_t i = heads_at(h, n, author);
	return i < n && memcmp(h[i].author, author, EVENT_KEY_BYTES) == 0;
}

uint64_t
heads_seq(const struct wire_head *h, size_t n, const uint8_t author[EVENT_KEY_BYTES])
{
	size_t i = heads_at(h, n, author);
	return i < n && memcmp(h[i].author, author, EVENT_KEY_BYTES) == 0 ? h[i].seq : 0;
}

void
heads_note(struct wire_head **h, size_t *n, const struct wire_head *x)
{
	size_t i = heads_at(*h, *n, x->author);
	if (i < *n && memcmp((*h)[i].author, x->author, EVENT_KEY_BYTES) == 0) {
		if (x->seq > (*h)[i].seq)
			(*h)[i] = *x;
		return;
	}
	*h = xrealloc(*h, (*n + 1) * sizeof(**h));
	memmove(*h + i + 1, *h + i, (*n - i) * sizeof(**h));
	(*h)[i] = *x;
	(*n)++;
}

static void
heads_drop(struct wire_head *h, size_t *n, const uint8_t author[EVENT_KEY_BYTES])
{
	size_t i = heads_at(h, *n, author);
	if (i < *n && memcmp(h[i].author, author, EVENT_KEY_BYTES) == 0) {
		memmove(h + i, h + i + 1, (*n - i - 1) * sizeof(*h));
		(*n)--;
	}
}

/* The seq of author that the peer holds, as far as we know (0: none). */
static uint64_t
known_seq(const struct peer *p, const uint8_t author[EVENT_KEY_BYTES])
{
	return heads_seq(p->heads, p->nheads, author);
}

/* Events admitted here from a peer: relayed, not written here. */
static void
note_relayed(struct repl *r, const struct event *ev, const uint8_t id[EVENT_ID_BYTES])
{
	struct wire_head h;
	memcpy(h.author, ev->author, EVENT_KEY_BYTES);
	h.seq = ev->seq;
	memcpy(h.id, id, EVENT_ID_BYTES);
	heads_note(&r->relayed, &r->nrelayed, &h);
}

/* The events a PUSH carries: at most WIRE_PUSH_EVENTS, each at most
 * WIRE_PUSH_EVENT_BYTES, in order; if one does not fit, none goes. */
struct carry {
	struct buf bytes;
	size_t off[WIRE_PUSH_EVENTS], len[WIRE_PUSH_EVENTS];
	size_t n;
	uint64_t seq, to;
	int full;
};

static int
carry_one(const uint8_t *env, size_t n, void *ctx)
{
	struct carry *c = ctx;
	if (c->seq > c->to)
		return 1;
	if (c->n == WIRE_PUSH_EVENTS || n > WIRE_PUSH_EVENT_BYTES) {
		c->full = 1;
		return 1;
	}
	c->off[c->n] = c->bytes.len;
	c->len[c->n++] = n;
	buf_add(&c->bytes, env, n);
	c->seq++;
	return 0;
}

/* Adds feed o's events from seq from to c.  A feed cut short (or
 * unreadable) ends what is carried: the next feed's events may depend on
 * what is left out. */
static void
carry_feed(struct repl *r, const struct owed *o, uint64_t from, struct carry *c)
{
	c->seq = from;
	c->to = o->to;
	(void)!store_walk_author(r->store, o->author, from, carry_one, c);
	if (c->seq <= c->to)
		c->full = 1;
}

/*
 * Tells the peer what changed here, if its hint slot is free and it is not
 * held for another peer (hold_until_ms): a PUSH with
 * the heads of the feeds that advanced (those it does not hold already)
 * and, when they are all few and small, the new events themselves; or a
 * HINT when what advanced is not known exactly or the peer does not know
 * PUSH.  Nothing when the peer holds everything that advanced.  1 when
 * a request went.
 */
static int
send_hint(struct peer *p)
{
	struct cli_slot *s = hint_slot(p);
	struct wire_head heads[WIRE_PUSH_HEADS];
	const uint8_t *env[WIRE_PUSH_EVENTS];
	struct carry c;
	struct buf msg = BUF_INIT;
	size_t nh = 0, nkeep = 0;
	uint32_t relay = 0;
	char name[REPL_NAME_MAX + 1];
	uint64_t now = repl_now_ms();
	if (!p->sess || s->kind != RQ_NONE || !p->st.connected ||
	    p->hold_until_ms > now)
		return 0;
	p->hold_until_ms = 0;
	p->hint_waiting = 0;
	/* Revoked (or blocked) since the last round: nothing goes to it,
	 * least of all events. */
	if (p->r->h.authorize(p->r->h.ctx, p->st.key, name, sizeof(name)) <= 0) {
		p->nowed = 0;
		p->owe_round = 0;
		return 0;
	}
	if (p->owe_round || p->no_push) {
		p->owe_round = 0;
		p->nowed = 0;
		send_plain_hint(p, s);
		return 1;
	}
	memset(&c, 0, sizeof(c));
	buf_init(&c.bytes);
	int flush = p->lazy_due_ms && now >= p->lazy_due_ms;
	for (size_t i = 0; i < p->nowed; i++) {
		const struct owed *o = &p->owed[i];
		uint64_t known = known_seq(p, o->author), from = o->from;
		if (known >= o->to)
			continue;
		/* A relay the peer gets first from elsewhere: later, with
		 * the others of the next LAZY_MS. */
		if (o->relay && !flush && heads_has(p->lazy, p->nlazy, o->author)) {
			p->owed[nkeep++] = *o;
			continue;
		}
		if (known >= from)
			from = known + 1;
		memcpy(heads[nh].author, o->author, EVENT_KEY_BYTES);
		heads[nh].seq = o->to;
		memcpy(heads[nh].id, o->id, EVENT_ID_BYTES);
		if (o->relay)
			relay |= 1u << nh;
		nh++;
		if (c.full)
			continue;
		carry_feed(p->r, o, from, &c);
	}
	p->nowed = nkeep;
	if (nkeep) {
		if (!p->lazy_due_ms)
			p->lazy_due_ms = now + LAZY_MS;
		p->hint_waiting = 1; /* pull_tick looks again */
	} else {
		p->lazy_due_ms = 0;
	}
	/* Only all the new events, or none: a PUSH that leaves some out
	 * sends the peer into a round anyway, and the few it carried would
	 * cost it a commit of their own, and perhaps a second check if the
	 * round's FETCH is already bringing them. */
	if (c.full)
		c.n = 0;
	if (nh) {
		for (size_t i = 0; i < c.n; i++)
			env[i] = c.bytes.data + c.off[i];
		wire_push(&msg, heads, nh, env, c.len, c.n);
		send_request(p, s, RQ_PUSH, &msg);
		p->st.events_out += c.n; /* as a FETCH's answer counts them */
		memcpy(p->pushed, heads, nh * sizeof(*heads));
		p->npushed = nh;
		p->pushed_relay = relay;
	}
	buf_release(&msg);
	buf_release(&c.bytes);
	return nh > 0;
}

static void advance(struct peer *p);

void
pull_tick(struct peer *p)
{
	struct repl *r = p->r;
	if (r->stopping || p->st.blocked)
		return;
	if (p->state == P_IDLE && repl_now_ms() >= p->next_round_ms &&
	    !(r->o.one_round && p->st.rounds_ok) && !space_wait(r))
		start_round(p);
	else if (p->state == P_FETCH)
		advance(p); /* ranges it left to another peer's round */
	if (p->hint_waiting)
		send_hint(p);
}

void
pull_hint(struct peer *p)
{
	if (p->st.misbehaving)
		return; /* its backoff stands */
	if (p->state == P_IDLE) {
		p->next_round_ms = 0;
		pull_tick(p); /* now, not at the next tick */
	} else {
		p->again = 1;
	}
}

/* Records what the peer is owed; tells it now unless it is held. */
static int
owe(struct peer *p, const struct owed *adv, size_t n)
{
	if (!adv)
		p->owe_round = 1;
	for (size_t i = 0; adv && i < n && !p->owe_round; i++) {
		size_t k = 0;
		while (k < p->nowed &&
		       memcmp(p->owed[k].author, adv[i].author, EVENT_KEY_BYTES))
			k++;
		if (k == WIRE_PUSH_HEADS) {
			p->owe_round = 1; /* too many feeds: a round */
		} else if (k == p->nowed) {
			p->owed[p->nowed++] = adv[i];
		} else {
			p->owed[k].to = adv[i].to;
			memcpy(p->owed[k].id, adv[i].id, EVENT_ID_BYTES);
			p->owed[k].relay = p->owed[k].relay && adv[i].relay;
		}
	}
	p->hint_waiting = 1;
	return send_hint(p);
}

/* 1 when one of the new events (all of adv's, if they fit a PUSH) is
 * addressed to the peer. */
static int
addressed_to(const struct peer *p, const struct carry *c)
{
	const struct repl *r = p->r;
	for (size_t i = 0; i < c->n; i++)
		if (r->h.addressed(r->h.ctx, c->bytes.data + c->off[i], c->len[i],
				   p->st.key))
			return 1;
	return 0;
}

/*
 * A dispatch matters first to the office it sends the case to: so the
 * peers a new event is addressed to (hooks.addressed) are pushed it
 * before the others, which wait for their answers, FIRST_HOLD_MS at most
 * (an addressee that is slow, or gone, holds nobody for long).  On one
 * machine the others' work would otherwise share the CPU with the
 * addressee's; across a district, the centre's link.
 */
void
pull_changed(struct repl *r, const struct owed *adv, size_t n)
{
	struct carry c;
	size_t sent = 0;
	memset(&c, 0, sizeof(c));
	buf_init(&c.bytes);
	for (size_t i = 0; adv && r->h.addressed && i < n && !c.full; i++)
		carry_feed(r, &adv[i], adv[i].from, &c);
	for (size_t i = 0; i < r->npeers; i++) {
		struct peer *p = r->peers[i];
		if (p->st.blocked || c.full || !c.n || !addressed_to(p, &c))
			continue;
		p->hold_until_ms = 0;
		if (owe(p, adv, n)) {
			p->first_pending = 1;
			p->st.pushed_first++;
			sent++;
		}
	}
	buf_release(&c.bytes);
	uint64_t now = repl_now_ms();
	for (size_t i = 0; i < r->npeers; i++) {
		struct peer *p = r->peers[i];
		if (p->st.blocked || p->first_pending)
			continue;
		if (sent && p->hold_until_ms <= now)
			p->hold_until_ms = now + FIRST_HOLD_MS;
		owe(p, adv, n);
	}
}

/* A peer pushed first answered: once no other such answer is awaited,
 * the held peers are told. */
static void
first_answered(struct peer *p)
{
	struct repl *r = p->r;
	p->first_pending = 0;
	for (size_t i = 0; i < r->npeers; i++)
		if (r->peers[i]->first_pending)
			return;
	for (size_t i = 0; i < r->npeers; i++) {
		struct peer *q = r->peers[i];
		q->hold_until_ms = 0;
		if (q->hint_waiting)
			send_hint(q);
	}
}

/* ---- planning a round from the peer's summary ---- */

struct first_id {
	uint8_t id[EVENT_ID_BYTES];
	int found;
};

static int
take_first(const uint8_t *env, size_t n, void *ctx)
{
	struct first_id *f = ctx;
	struct envelope e;
	size_t used;
	if (envelope_read(env, n, &e, &used, NULL) == 0) {
		memcpy(f->id, e.id, EVENT_ID_BYTES);
		f->found = 1;
	}
	return 1; /* one is enough */
}

static void
want_get(struct peer *p, const uint8_t id[EVENT_ID_BYTES])
{
	struct buf env = BUF_INIT;
	int have = store_event_get(p->r->store, id, &env) == 0;
	buf_release(&env);
	if (have)
		return;
	for (size_t i = 0; i < p->nget; i++)
		if (memcmp(p->get[i], id, EVENT_ID_BYTES) == 0)
			return;
	p->get = xrealloc(p->get, (p->nget + 1) * sizeof(*p->get));
	memcpy(p->get[p->nget++], id, EVENT_ID_BYTES);
}

static int
range_cmp_first(const struct peer *p, const struct wire_range *a)
{
	return p->r->has_first &&
	       memcmp(a->author, p->r->first_author, EVENT_KEY_BYTES) == 0;
}

struct our_authors {
	const struct wire_head *theirs; /* sorted by author */
	size_t n;
	uint64_t they_lack;
};

/* Found by binary search: a summary of 10,000 authors compared author by
 * author took most of a second (docs/scaling.md). */
static int
count_missing_there(const struct summary_entry *e, void *ctx)
{
	struct our_authors *o = ctx;
	struct wire_head key;
	memcpy(key.author, e->author, EVENT_KEY_BYTES);
	const struct wire_head *h = bsearch(&key, o->theirs, o->n, sizeof(key),
					    head_cmp);
	if (!h)
		o->they_lack += e->seq;
	else if (e->seq > h->seq)
		o->they_lack += e->seq - h->seq;
	return 0;
}

static void
plan_round(struct peer *p, const struct wire_summary *ws)
{
	struct repl *r = p->r;
	uint64_t we_lack = 0;

	free(p->heads);
	p->heads = xcalloc(ws->nheads ? ws->nheads : 1, sizeof(*p->heads));
	memcpy(p->heads, ws->heads, ws->nheads * sizeof(*p->heads));
	p->nheads = ws->nheads;
	qsort(p->heads, p->nheads, sizeof(*p->heads), head_cmp);
	for (size_t i = 0; i < ws->nheads; i++) {
		const struct wire_head *h = &ws->heads[i];
		struct summary_entry ours;
		uint64_t forked = 0, upto = h->seq;
		if (store_summary_get(r->store, h->author, &ours) != 0)
			ours.seq = 0;
		/* A forked author's events past its fork are refused here
		 * (unless an event we wait on needs one: then by GET). */
		if (store_fork_seq(r->store, h->author, &forked) == 0 && forked &&
		    upto > forked)
			upto = forked;
		if (upto > ours.seq) {
			p->to_fetch = xrealloc(p->to_fetch, (p->nto_fetch + 1) * sizeof(*p->to_fetch));
			struct plan_range *w = &p->to_fetch[p->nto_fetch++];
			memset(w, 0, sizeof(*w));
			memcpy(w->r.author, h->author, EVENT_KEY_BYTES);
			w->r.from = ours.seq + 1;
			w->r.to = upto;
			/* Saturating: a summary may claim anything. */
			we_lack = we_lack + (upto - ours.seq) < we_lack
					  ? UINT64_MAX
					  : we_lack + (upto - ours.seq);
		} else if (h->seq > 0 && !forked) {
			/* Their head is one of our seqs: the same event, or a
			 * fork, which the other version proves. */
			struct first_id f = { { 0 }, 0 };
			(void)!store_walk_author(r->store, h->author, h->seq,
						 take_first, &f);
			if (f.found && memcmp(f.id, h->id, EVENT_ID_BYTES) != 0)
				want_get(p, h->id);
		}
	}
	/* The peer's fork proofs, unless we hold one as low already: any
	 * two versions prove a fork, so more are not asked for. */
	for (size_t i = 0; i < ws->nforks; i++) {
		uint64_t forked = 0;
		if (store_fork_seq(r->store, ws->forks[i].author, &forked) == 0 &&
		    forked && forked <= ws->forks[i].seq)
			continue;
		for (size_t k = 0; k < ws->forks[i].nids; k++)
			want_get(p, ws->forks[i].ids[k]);
	}
	/* The roster's author first: the others' events are checked
	 * against it. */
	for (size_t i = 1; i < p->nto_fetch; i++)
		if (range_cmp_first(p, &p->to_fetch[i].r)) {
			struct plan_range t = p->to_fetch[0];
			p->to_fetch[0] = p->to_fetch[i];
			p->to_fetch[i] = t;
		}
	struct our_authors oa = { p->heads, p->nheads, 0 };
	(void)!store_walk_summary(r->store, count_missing_there, &oa);
	p->st.we_lack = we_lack;
	p->st.they_lack = oa.they_lack;
}

/* ---- fetching and checking ---- */

static void
verify_work(void *arg)
{
	/* A worker thread: touches nothing but the job. */
	struct fetch_job *j = arg;
	struct mp_reader r;
	uint32_t count;
	if (wire_events_open(j->plain.data, j->plain.len, &r, &count)) {
		j->n = 0;
		return;
	}
	j->off = xcalloc(count ? count : 1, sizeof(size_t));
	j->len = xcalloc(count ? count : 1, sizeof(size_t));
	j->rc = xcalloc(count ? count : 1, sizeof(int));
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *env;
		size_t n, used;
		struct envelope e;
		struct event ev;
		if (mp_get_bin(&r, &env, &n))
			break;
		j->off[i] = (size_t)(env - j->plain.data);
		j->len[i] = n;
		if (j->known_upto && envelope_read(env, n, &e, &used, NULL) == 0 &&
		    event_decode(e.event, e.event_len, &ev, NULL) == 0 &&
		    memcmp(ev.author, j->range.author, EVENT_KEY_BYTES) == 0 &&
		    ev.seq <= j->known_upto) {
			j->rc[i] = FETCH_KNOWN;
			j->n = i + 1;
			continue;
		}
		j->rc[i] = seal_open(env, n, j->network, &e, &ev, &used, NULL);
		j->checked++;
		if (j->rc[i] == 0 && used != n)
			j->rc[i] = ERR_TRAILING;
		j->n = i + 1;
	}
}

static void advance(struct peer *p);
static void admit_ready(struct peer *p);

static void
verify_done(void *arg)
{
	struct fetch_job *j = arg;
	struct peer *p = j->p;
	p->verifying--;
	p->st.checked += j->checked;
	if (j->gen != p->gen || p->r->stopping) {
		buf_release(&j->plain);
		free(j->off);
		free(j->len);
		free(j->rc);
		free(j);
		return;
	}
	j->done = 1;
	j->next = p->jobs;
	p->jobs = j;
	admit_ready(p);
	if (p->state == P_FETCH)
		advance(p);
}

/*
 * The blobs to ask this peer for this round: those the store still wants
 * (named by stored events, not here, not erased), a few per round.
 */
static void
plan_blobs(struct peer *p)
{
	uint8_t want[BLOBS_PER_ROUND][HASH_BYTES];
	size_t n = 0;
	if (store_blob_wanted(p->r->store, want, BLOBS_PER_ROUND, &n) != 0)
		return;
	p->blobs = xrealloc(p->blobs, (n ? n : 1) * sizeof(*p->blobs));
	for (size_t i = 0; i < n; i++)
		memcpy(p->blobs[i].hash, want[i], HASH_BYTES);
	p->nblobs = n;
	buf_reset(&p->blob);
}

/*
 * The store failed under a batch of n events: nothing of it is stored.
 * The failure is ours, not the peer's (not counted as its error).
 */
static void
store_failed(struct peer *p, int rc, size_t n, const char *detail)
{
	snprintf(p->st.last_error, sizeof(p->st.last_error), "cannot store: %s",
		 detail);
	char what[32];
	snprintf(what, sizeof(what), "%zu events", n);
	if (rc == ERR_NOSPACE)
		space_full(p->r, p->st.name, what, detail);
	else
		log_err("repl", "peer %s: cannot store %s: %s", p->st.name, what,
			detail);
}

/* What admitting one reply did, for after the commit. */
struct admitted {
	uint64_t added, last_seq;
	int refused;
	/* Prevs of events refused as another history: GET after the commit. */
	uint8_t (*fork_prevs)[EVENT_ID_BYTES];
	size_t nfork_prevs;
	/* Ids that admitted events wait for, to GET after the commit. */
	uint8_t (*deps)[EVENT_ID_BYTES];
	size_t ndeps;
};

/*
 * Events held here already when the reply came were not checked on the
 * worker: those still not stored (a fork's other version) are checked
 * now.  Stored means committed, so this reads outside the batch.
 */
static void
check_known(struct peer *p, struct fetch_job *j)
{
	for (size_t i = 0; i < j->n; i++) {
		const uint8_t *env = j->plain.data + j->off[i];
		struct envelope e;
		struct event ev;
		struct buf have = BUF_INIT;
		size_t used;
		if (j->rc[i] != FETCH_KNOWN)
			continue;
		if (envelope_read(env, j->len[i], &e, &used, NULL) == 0 &&
		    store_event_get(p->r->store, e.id, &have) == 0) {
			buf_release(&have);
			continue; /* stored: skipped below, not refused */
		}
		buf_release(&have);
		j->rc[i] = seal_open(env, j->len[i], j->network, &e, &ev, &used, NULL);
		p->st.checked++;
		if (j->rc[i] == 0 && used != j->len[i])
			j->rc[i] = ERR_TRAILING;
	}
}

/*
 * Admits one checked reply's events into the batch b, in their order.
 * Only events whose check passed (rc 0) are admitted.  Non-zero when the
 * store failed: the batch is lost whole and the caller aborts it.
 */
static int
admit_job(struct peer *p, struct store_batch *b, struct fetch_job *j,
	  struct admitted *a)
{
	struct diag d;
	int rc;

	for (size_t i = 0; i < j->n; i++) {
		const uint8_t *env = j->plain.data + j->off[i];
		struct envelope e;
		struct event ev;
		struct admit_result res;
		size_t used;
		if (j->rc[i] == FETCH_KNOWN) {
			/* Stored already; it still counts for what the reply
			 * covered, so that a reply cut short is followed. */
			if (envelope_read(env, j->len[i], &e, &used, NULL) == 0 &&
			    event_decode(e.event, e.event_len, &ev, NULL) == 0 &&
			    memcmp(ev.author, j->range.author, EVENT_KEY_BYTES) == 0 &&
			    ev.seq > a->last_seq)
				a->last_seq = ev.seq;
			continue;
		}
		if (j->rc[i]) {
			a->refused++;
			continue;
		}
		/* Checked on the worker (seal_open decoded it). */
		if (envelope_read(env, j->len[i], &e, &used, NULL) ||
		    event_decode_known(e.event, e.event_len, &ev)) {
			a->refused++;
			continue;
		}
		if (memcmp(ev.author, j->range.author, EVENT_KEY_BYTES) == 0 &&
		    ev.seq > a->last_seq)
			a->last_seq = ev.seq;
		rc = store_batch_admit(b, env, j->len[i], &e, &ev, &res, &d);
		if (rc && store_batch_is_failed(b)) {
			store_failed(p, rc, j->n, d.text);
			return rc;
		}
		if (rc) {
			a->refused++;
			log_info("repl", "peer %s: event refused: %s", p->st.name, d.text);
			/*
			 * Its prev is not our event at seq - 1: the author
			 * signed two histories, forked lower down, where we
			 * hold our version only.  Ask for its prev (after the
			 * commit), and so on down to the seq where the two
			 * versions meet: storing that one records the fork.
			 */
			if (rc == ERR_CHAIN && ev.has_prev) {
				a->fork_prevs = xrealloc(a->fork_prevs, (a->nfork_prevs + 1) * sizeof(*a->fork_prevs));
				memcpy(a->fork_prevs[a->nfork_prevs++], ev.prev,
				       EVENT_ID_BYTES);
			}
			continue;
		}
		if (res.status == ADMIT_NEW) {
			a->added += 1 + res.promoted;
			note_relayed(p->r, &ev, e.id);
		} else if (res.status == ADMIT_DUPLICATE)
			p->st.checked_again++; /* checked above, or on the worker */
		if (res.status == ADMIT_PENDING && (res.wait & WAIT_DEPS)) {
			a->deps = xrealloc(a->deps, (a->ndeps + res.nmissing) * sizeof(*a->deps));
			memcpy(a->deps + a->ndeps, res.missing, res.nmissing * sizeof(*a->deps));
			a->ndeps += res.nmissing;
		}
	}
	return 0;
}

/* After the commit that stored a reply's events: what they call for. */
static void
job_committed(struct peer *p, const struct fetch_job *j, struct admitted *a)
{
	struct repl *r = p->r;
	for (size_t i = 0; i < a->nfork_prevs; i++)
		want_get(p, a->fork_prevs[i]);
	/* The peer admitted these events, so it holds what they depend
	 * on: ask for it now rather than at a later round. */
	for (size_t i = 0; i < a->ndeps; i++)
		want_get(p, a->deps[i]);
	if (a->refused) {
		peer_error(p, "%d events of a reply were refused (see the log)", a->refused);
		p->round_refused = 1;
	}
	p->st.events_in += a->added;
	if (a->added && r->h.progress)
		r->h.progress(r->h.ctx, p->st.name, p->st.events_in);
	/* A reply cut short by its byte limit: ask for the rest. */
	int is_fetch = j->range.from != 0;
	if (is_fetch && j->n && a->last_seq && a->last_seq < j->range.to) {
		p->to_fetch = xrealloc(p->to_fetch, (p->nto_fetch + 1) * sizeof(*p->to_fetch));
		memmove(p->to_fetch + 1, p->to_fetch, p->nto_fetch * sizeof(*p->to_fetch));
		memset(&p->to_fetch[0], 0, sizeof(p->to_fetch[0]));
		p->to_fetch[0].r = j->range;
		p->to_fetch[0].r.from = a->last_seq + 1;
		p->to_fetch[0].proven = 1;
		p->nto_fetch++;
	}
}

static void
job_free(struct fetch_job *j)
{
	buf_release(&j->plain);
	free(j->off);
	free(j->len);
	free(j->rc);
	free(j);
}

/*
 * p's admissions may have ended another peer's wait for ranges p was
 * fetching (fetched_elsewhere): let those rounds go on, or end.
 */
static void
kick_others(struct peer *p)
{
	struct repl *r = p->r;
	for (size_t i = 0; i < r->npeers; i++)
		if (r->peers[i] != p && r->peers[i]->state == P_FETCH)
			advance(r->peers[i]);
}

/* The checked reply that is next in request order, taken off the list. */
static struct fetch_job *
take_next_ready(struct peer *p, uint64_t order)
{
	for (struct fetch_job **jp = &p->jobs; *jp; jp = &(*jp)->next)
		if ((*jp)->order == order && (*jp)->done) {
			struct fetch_job *j = *jp;
			*jp = j->next;
			return j;
		}
	return NULL;
}

/*
 * Admits the checked replies that are next in request order, all those
 * checked by now in one batch: one durable commit for several replies,
 * so that a page the replies' events share is written and flushed once
 * (the id index is keyed by random ids: a commit rewrites pages all over
 * it, docs/store.md).  The workers go on checking
 * the next replies meanwhile.  A failed store ends the round, so that
 * nothing after the lost batch is stored out of order; the next round
 * asks again from the summary.
 */
static void
admit_ready(struct peer *p)
{
	struct fetch_job *group[ADMIT_GROUP_MAX];
	struct admitted acc[ADMIT_GROUP_MAX];
	struct store_batch *b = NULL;
	size_t n = 0, events = 0;
	uint32_t ready = 0;
	int rc = 0;

	for (struct fetch_job *j = p->jobs; j; j = j->next)
		if (j->done && j->order - p->admit_order < ADMIT_GROUP_MAX)
			ready |= 1u << (j->order - p->admit_order);
	while (n < ADMIT_GROUP_MAX && (ready >> n & 1))
		n++;
	if (!n)
		return;
	for (struct fetch_job *j = p->jobs; j; j = j->next)
		if (j->done && j->order - p->admit_order < n)
			events += j->n;
	/*
	 * Fewer than ADMIT_GROUP_MIN events checked in a row: wait for the
	 * replies still coming (each calls this again when checked), unless
	 * none is.
	 */
	if (events < ADMIT_GROUP_MIN && n < p->next_order - p->admit_order)
		return;
	n = 0;
	events = 0;
	while (n < ADMIT_GROUP_MAX && events < ADMIT_GROUP_EVENTS &&
	       (group[n] = take_next_ready(p, p->admit_order + n))) {
		events += group[n]->n;
		n++;
	}
	memset(acc, 0, sizeof(acc));
	for (size_t i = 0; i < n; i++)
		check_known(p, group[i]);
	if ((rc = store_batch_begin(p->r->store, &b))) {
		store_failed(p, rc, events, err_str(rc));
	} else {
		for (size_t i = 0; i < n && rc == 0; i++)
			rc = admit_job(p, b, group[i], &acc[i]);
		if (rc) {
			store_batch_abort(b);
		} else {
			struct diag d;
			if ((rc = store_batch_commit(b, &d)))
				store_failed(p, rc, events, d.text);
			else
				space_stored(p->r);
		}
	}
	p->admit_order += n;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			job_committed(p, group[i], &acc[i]);
		free(acc[i].fork_prevs);
		free(acc[i].deps);
		job_free(group[i]);
	}
	if (rc) {
		round_fail(p, 0);
		return;
	}
	kick_others(p);
	/* Replies checked while these were committed. */
	admit_ready(p);
}

static void
on_events(struct peer *p, struct cli_slot *s, struct buf *plain)
{
	struct repl *r = p->r;
	struct fetch_job *j = xcalloc(1, sizeof(*j));
	j->p = p;
	j->gen = p->gen;
	j->order = s->order;
	j->range = s->range;
	j->plain = *plain; /* taken over */
	buf_init(plain);
	snprintf(j->network, sizeof(j->network), "%s", store_network(r->store));
	struct summary_entry ours;
	if (j->range.from && store_summary_get(r->store, j->range.author, &ours) == 0)
		j->known_upto = ours.seq;
	p->verifying++;
	r->h.submit(r->h.ctx, verify_work, verify_done, j);
}

/*
 * The range to fetch from next: the first one whose events the peer has
 * shown it sends, or that has no FETCH out yet.  A range the summary
 * claims is probed with one FETCH before the next ones go, so that a
 * summary that lies costs one request per author, not a pipeline.
 */
/*
 * Another peer's round has a FETCH of this author from w's first seq on
 * out, or its reply not yet admitted: the range is left to that round
 * for now, so that neighbours do not fetch and check the same events
 * from several peers at once.
 */
static int
fetched_elsewhere(const struct peer *p, const struct wire_range *w)
{
	const struct repl *r = p->r;
	for (size_t i = 0; i < r->npeers; i++) {
		const struct peer *q = r->peers[i];
		if (q == p || q->state != P_FETCH)
			continue;
		for (uint64_t o = q->admit_order; o < q->next_order; o++) {
			const struct wire_range *x = &q->out[o % REPLY_WINDOW_MAX];
			if (x->from && x->to >= w->from && x->from <= w->to &&
			    memcmp(x->author, w->author, EVENT_KEY_BYTES) == 0)
				return 1;
		}
	}
	return 0;
}

/* Drops from a range the seqs stored here since the plan was made (by
 * another peer's round); 0 when nothing is left of it. */
static int
trim_range(struct peer *p, struct plan_range *pr)
{
	struct summary_entry ours;
	ours.seq = 0;
	if (store_summary_get(p->r->store, pr->r.author, &ours) == 0 &&
	    ours.seq >= pr->r.from)
		pr->r.from = ours.seq == UINT64_MAX ? UINT64_MAX : ours.seq + 1;
	return ours.seq != UINT64_MAX && pr->r.from <= pr->r.to;
}

static struct plan_range *
next_range(struct peer *p)
{
	for (size_t i = 0; i < p->nto_fetch;) {
		struct plan_range *pr = &p->to_fetch[i];
		if (!pr->probing && !trim_range(p, pr)) {
			memmove(p->to_fetch + i, p->to_fetch + i + 1,
				(p->nto_fetch - i - 1) * sizeof(*p->to_fetch));
			p->nto_fetch--;
			continue;
		}
		if ((pr->proven || !pr->probing) && !fetched_elsewhere(p, &pr->r))
			return pr;
		i++;
	}
	return NULL;
}

static void
send_fetch(struct peer *p, struct cli_slot *s, struct plan_range *pr)
{
	struct buf msg = BUF_INIT;
	struct wire_range *t = &pr->r;
	uint64_t to = t->from + p->r->o.fetch_events - 1;
	if (to > t->to || to < t->from)
		to = t->to;
	s->range = *t;
	s->range.to = to;
	s->order = p->next_order++;
	p->out[s->order % REPLY_WINDOW_MAX] = s->range;
	s->probe = !pr->proven;
	pr->probing = s->probe;
	wire_fetch(&msg, &s->range, 1, p->r->o.fetch_events,
		   (uint32_t)WIRE_MAX_BYTES);
	send_request(p, s, RQ_FETCH, &msg);
	buf_release(&msg);
	t->from = to + 1;
	if (t->from > t->to || t->from == 0) {
		size_t i = (size_t)(pr - p->to_fetch);
		memmove(p->to_fetch + i, p->to_fetch + i + 1,
			(p->nto_fetch - i - 1) * sizeof(*p->to_fetch));
		p->nto_fetch--;
	}
}

/*
 * A FETCH for a range the peer's summary claims came back empty: the
 * summary lies (or the peer lost its events).  Nothing more of that
 * author this round; after EMPTY_FETCHES_MAX such answers, nothing more
 * at all.  The round ends with the peer marked as misbehaving, and its
 * rounds back off until one goes by without this.
 */
static void
fetch_came_empty(struct peer *p, const struct wire_range *asked)
{
	char hex[17];
	uint64_t claimed = asked->to;
	hex_encode(asked->author, 8, hex);
	for (size_t i = 0; i < p->nto_fetch;) {
		if (memcmp(p->to_fetch[i].r.author, asked->author,
			   EVENT_KEY_BYTES) == 0) {
			claimed = p->to_fetch[i].r.to;
			memmove(p->to_fetch + i, p->to_fetch + i + 1,
				(p->nto_fetch - i - 1) * sizeof(*p->to_fetch));
			p->nto_fetch--;
		} else {
			i++;
		}
	}
	p->misbehaved = 1;
	p->st.misbehaving = 1;
	snprintf(p->st.misbehaviour, sizeof(p->st.misbehaviour),
		 "its summary claims events of author %s up to seq %llu, but a FETCH from seq %llu brings none",
		 hex, (unsigned long long)claimed, (unsigned long long)asked->from);
	peer_error(p, "misbehaving: %s", p->st.misbehaviour);
	if (++p->empty_fetches >= EMPTY_FETCHES_MAX) {
		free(p->to_fetch);
		p->to_fetch = NULL;
		p->nto_fetch = 0;
		free(p->get);
		p->get = NULL;
		p->nget = 0;
	}
}

static void
send_get(struct peer *p, struct cli_slot *s)
{
	struct buf msg = BUF_INIT;
	size_t n = p->nget > WIRE_MAX_GET ? WIRE_MAX_GET : p->nget;
	memset(&s->range, 0, sizeof(s->range));
	s->order = p->next_order++;
	memset(&p->out[s->order % REPLY_WINDOW_MAX], 0, sizeof(p->out[0]));
	wire_get(&msg, (const uint8_t(*)[EVENT_ID_BYTES])p->get, n);
	send_request(p, s, RQ_GET, &msg);
	buf_release(&msg);
	memmove(p->get, p->get + n, (p->nget - n) * sizeof(*p->get));
	p->nget -= n;
}

static void
send_blob_req(struct peer *p, struct cli_slot *s)
{
	struct buf msg = BUF_INIT;
	wire_blob_req(&msg, p->blobs[0].hash, p->blob.len,
		      (uint32_t)WIRE_BLOB_CHUNK);
	send_request(p, s, RQ_BLOB, &msg);
	buf_release(&msg);
}

static void
drop_first_blob(struct peer *p)
{
	memmove(p->blobs, p->blobs + 1, (p->nblobs - 1) * sizeof(*p->blobs));
	p->nblobs--;
	buf_reset(&p->blob);
}

/* Keeps the round moving: more requests, or the next phase. */
static void
advance(struct peer *p)
{
	struct cli_slot *s;
	if (p->state == P_FETCH) {
		/*
		 * At most REPLY_WINDOW times `inflight` replies sent for and not yet
		 * admitted: when checking is slower than the network the
		 * replies wait here, and memory must not grow with the
		 * catch-up.
		 */
		struct plan_range *pr = NULL;
		while ((p->nget || (pr = next_range(p))) &&
		       p->next_order - p->admit_order < REPLY_WINDOW * (uint64_t)p->r->o.inflight &&
		       (s = free_slot(p))) {
			if (p->nget)
				send_get(p, s);
			else
				send_fetch(p, s, pr);
		}
		if (!p->nto_fetch && !p->nget && !busy_slots(p) && !p->verifying &&
		    !p->jobs) {
			p->state = P_BLOBS;
			plan_blobs(p);
		}
	}
	if (p->state == P_BLOBS) {
		if (busy_slots(p))
			return;
		if (p->nblobs && (s = free_slot(p)))
			send_blob_req(p, s);
		else if (!p->nblobs)
			round_done(p);
	}
}

static void
on_blob(struct peer *p, const struct buf *plain)
{
	uint64_t total, offset;
	const uint8_t *bytes;
	size_t len;
	uint8_t hash[HASH_BYTES];
	struct diag d;
	int rc;
	if (wire_blob_decode(plain->data, plain->len, &total, &offset, &bytes, &len) ||
	    offset != p->blob.len || total > STORE_BLOB_MAX_BYTES ||
	    (len == 0 && offset < total)) {
		peer_error(p, "bad BLOB reply");
		drop_first_blob(p);
		return;
	}
	buf_add(&p->blob, bytes, len);
	if (p->blob.len < total)
		return; /* the next chunk */
	/* Stored only if the bytes hash to what the events name. */
	hash_bytes(p->blob.data, p->blob.len, hash);
	if (memcmp(hash, p->blobs[0].hash, HASH_BYTES) != 0)
		peer_error(p, "a blob's bytes do not match its hash");
	else if ((rc = store_blob_put(p->r->store, p->blob.data, p->blob.len,
				      hash, &d)) == ERR_NOSPACE)
		space_full(p->r, p->st.name, "a blob", d.text);
	else if (rc)
		peer_error(p, "cannot store a blob: %s", d.text);
	drop_first_blob(p);
}

/* ---- replies ---- */

void
pull_on_sent(struct peer *p, struct cli_slot *s, int result)
{
	if (result != 0 || s->gen != p->gen || p->r->stopping) {
		enum req_kind kind = s->kind;
		s->kind = RQ_NONE;
		if (result != 0 && kind == RQ_PUSH)
			p->owe_round = 1; /* lost: the next hint asks for a round */
		if (result != 0 && s->gen == p->gen && kind != RQ_HINT &&
		    kind != RQ_PUSH) {
			peer_error(p, "cannot send: %s", nng_strerror(result));
			round_fail(p, 0);
		}
		return;
	}
	net_client_recv(s);
}

/* Handles a REFUSE: logs it and fails the round. */
static void
refused(struct peer *p, const uint8_t *m, size_t n)
{
	char reason[40], text[200];
	if (session_read_refuse(m, n, reason, sizeof(reason), text, sizeof(text))) {
		peer_error(p, "unreadable answer");
		round_fail(p, 1);
		return;
	}
	peer_error(p, "refused: %s (%s)", text, reason);
	p->st.refused = 1;
	round_fail(p, 1);
}

/* An answer in another protocol version: says which (the caller fails
 * the round). */
static void
wrong_version(struct peer *p, const uint8_t *m, size_t n, int version)
{
	char reason[40], text[160];
	if (session_read_refuse(m, n, reason, sizeof(reason), text,
				sizeof(text)))
		snprintf(text, sizeof(text), "an answer of version %d",
			 version);
	peer_error(p,
		   "the peer speaks replication protocol version %d, this node version %d: upgrade the older one (it says: %s)",
		   version, SESSION_VERSION, text);
	p->st.refused = 1;
}

/* The answers to a HELLO: a CHALLENGE (the first round trip, answered
 * with the HELLO again and its cookie), then a WELCOME or a refusal. */
static void
on_hello_reply(struct peer *p, struct cli_slot *s, int type, const uint8_t *m,
	       size_t n)
{
	struct diag d;
	if (type == MSG_CHALLENGE) {
		struct buf again = BUF_INIT;
		if (session_hello_answer(p->hs, p->r->me, m, n, &again, &d) ==
		    0) {
			send_request(p, s, RQ_HELLO, &again);
		} else {
			peer_error(p, "bad CHALLENGE: %s", d.text);
			round_fail(p, 1);
		}
		buf_release(&again);
		return;
	}
	if (type == MSG_WELCOME &&
	    session_client_finish(p->hs, m, n, &p->sess, &d) == 0) {
		handshake_free(p->hs);
		p->hs = NULL;
		p->no_push = 0; /* it may have been upgraded */
		struct buf req = BUF_INIT;
		wire_summary_req(&req);
		p->state = P_SUMMARY;
		send_request(p, s, RQ_SUMMARY, &req);
		buf_release(&req);
	} else if (type == MSG_REFUSE) {
		refused(p, m, n);
	} else {
		peer_error(p, "bad WELCOME: %s",
			   type == MSG_WELCOME ? d.text : "not a WELCOME");
		round_fail(p, 1);
	}
}

/* An ERROR the peer sealed, in answer to a request of kind. */
static void
on_peer_error(struct peer *p, enum req_kind kind, const struct buf *plain)
{
	int code;
	char text[200];
	if (wire_error_decode(plain->data, plain->len, &code, text,
			      sizeof(text)))
		snprintf(text, sizeof(text), "unreadable error");
	if (kind == RQ_BLOB) {
		/*
		 * The peer does not have this blob (yet, or erased there):
		 * another peer or a later round may.  Not an error of the
		 * peer's.
		 */
		log_debug("repl", "peer %s: blob not available: %s", p->st.name,
			  text);
		drop_first_blob(p);
		advance(p);
	} else {
		peer_error(p, "peer says: %s", text);
		round_fail(p, 0);
	}
}

/* The EVENTS answering a FETCH or a GET. */
static void
on_events_reply(struct peer *p, struct cli_slot *s, enum req_kind kind,
		int inner, struct buf *plain)
{
	struct mp_reader er;
	uint32_t count = 0;
	if (inner != W_EVENTS ||
	    wire_events_open(plain->data, plain->len, &er, &count)) {
		peer_error(p, "bad EVENTS");
		round_fail(p, 0);
		return;
	}
	if (kind == RQ_FETCH) {
		for (size_t i = 0; i < p->nto_fetch; i++)
			if (p->to_fetch[i].probing &&
			    memcmp(p->to_fetch[i].r.author, s->range.author,
				   EVENT_KEY_BYTES) == 0) {
				p->to_fetch[i].probing = 0;
				p->to_fetch[i].proven = count > 0;
			}
		if (count == 0)
			fetch_came_empty(p, &s->range);
	}
	on_events(p, s, plain);
	advance(p);
}

/* A sealed answer, opened: an ERROR, or what the request asked for. */
static void
on_answer(struct peer *p, struct cli_slot *s, enum req_kind kind,
	  struct buf *plain)
{
	int inner = wire_type(plain->data, plain->len);
	if (inner == W_ERROR) {
		on_peer_error(p, kind, plain);
		return;
	}
	switch (kind) {
	case RQ_SUMMARY: {
		struct wire_summary ws;
		if (inner != W_SUMMARY ||
		    wire_summary_decode(plain->data, plain->len, &ws)) {
			peer_error(p, "bad SUMMARY");
			round_fail(p, 0);
			break;
		}
		plan_round(p, &ws);
		wire_summary_release(&ws);
		p->state = P_FETCH;
		advance(p);
		break;
	}
	case RQ_FETCH:
	case RQ_GET: on_events_reply(p, s, kind, inner, plain); break;
	case RQ_BLOB:
		if (inner == W_BLOB)
			on_blob(p, plain);
		else
			drop_first_blob(p);
		advance(p);
		break;
	default: break;
	}
}

/*
 * A hint refused: most often our session is gone there (the peer
 * restarted and asks us to shake hands again).  Rounds would find out at
 * their next interval; a hint should not wait that long.  So a round now,
 * which shakes hands (or learns why not, and backs off), and then a HINT:
 * what the refused hint said is told again as "run a round with me".
 */
static void
hint_refused(struct peer *p)
{
	p->owe_round = 1;
	p->hint_waiting = 1;
	if (p->state != P_IDLE)
		return; /* the round's next request meets the same answer */
	session_free(p->sess);
	p->sess = NULL;
	p->next_round_ms = 0;
}

/*
 * What a HELD said of each head of our PUSH: a relay it held already
 * (it came to the peer by another way first) makes that author's next
 * relays to it lazy; a head it lacked, relayed or not, makes them eager
 * again, since the other way is gone or slower (docs/protocol.md §4,
 * Relays).  Events written here always go at once.
 */
static void
relays_learn(struct peer *p, uint32_t held)
{
	for (size_t i = 0; i < p->npushed; i++) {
		const uint8_t *author = p->pushed[i].author;
		if (!(held >> i & 1))
			heads_drop(p->lazy, &p->nlazy, author);
		else if (p->pushed_relay >> i & 1 && p->nlazy < LAZY_AUTHORS_MAX)
			heads_note(&p->lazy, &p->nlazy, &p->pushed[i]);
	}
	p->npushed = 0;
	p->st.lazy_authors = p->nlazy;
}

/*
 * The answer to a PUSH: a HELD (an ACK from a node before HELD), or, from
 * a node that does not know PUSH, an ERROR: that peer gets HINTs from now
 * on (until the next session), and one at once, since it did not start a
 * round.
 */
static void
on_push_reply(struct peer *p, uint64_t counter, nng_msg *msg)
{
	struct buf plain = BUF_INIT;
	uint64_t got = 0;
	uint32_t held;
	const uint8_t *m = nng_msg_body(msg);
	size_t n = nng_msg_len(msg);
	p->st.bytes_in += n;
	if (!p->sess || session_msg_type(m, n) != MSG_SEALED ||
	    session_open(p->sess, m, n, &got, &plain, NULL) != 0 || got != counter) {
		buf_release(&plain);
		return;
	}
	if (wire_held_decode(plain.data, plain.len, &held) == 0)
		relays_learn(p, held);
	if (wire_type(plain.data, plain.len) == W_ERROR) {
		if (!p->no_push)
			log_info("repl", "peer %s does not take PUSH (an older node): HINTs only",
				 p->st.name);
		p->no_push = 1;
		p->owe_round = 1;
		p->hint_waiting = 1;
	}
	buf_release(&plain);
}

void
pull_on_reply(struct peer *p, struct cli_slot *s, int result, nng_msg *msg)
{
	enum req_kind kind = s->kind;
	uint64_t gen = s->gen, counter = s->counter;
	struct buf plain = BUF_INIT;
	struct diag d;
	s->kind = RQ_NONE;
	s->receiving = 0;
	if (kind == RQ_HINT || kind == RQ_PUSH) {
		if (kind == RQ_PUSH && result == 0 && msg)
			on_push_reply(p, counter, msg);
		if (result == 0 && msg &&
		    session_msg_type(nng_msg_body(msg), nng_msg_len(msg)) == MSG_REFUSE)
			hint_refused(p);
		if (msg)
			nng_msg_free(msg);
		if (p->hint_waiting)
			send_hint(p);
		if (p->first_pending)
			first_answered(p);
		return;
	}
	if (gen != p->gen || p->r->stopping) {
		if (msg)
			nng_msg_free(msg);
		return;
	}
	if (result != 0) {
		peer_error(p, "no answer: %s", nng_strerror(result));
		round_fail(p, 1);
		return;
	}
	const uint8_t *m = nng_msg_body(msg);
	size_t n = nng_msg_len(msg);
	p->st.bytes_in += n;
	p->st.last_contact_ms = repl_wall_ms();
	int type = session_msg_type(m, n);
	int version = session_msg_version(m, n);

	if (version >= 0 && version != SESSION_VERSION) {
		wrong_version(p, m, n, version);
		nng_msg_free(msg);
		round_fail(p, 1);
		return;
	}
	if (kind == RQ_HELLO) {
		on_hello_reply(p, s, type, m, n);
		nng_msg_free(msg);
		return;
	}
	if (type == MSG_REFUSE) {
		refused(p, m, n);
		nng_msg_free(msg);
		return;
	}
	uint64_t got = 0;
	int orc = type == MSG_SEALED ? session_open(p->sess, m, n, &got, &plain, &d)
				     : ERR_PROTO;
	if (orc || got != counter) {
		peer_error(p, "bad answer: %s", type != MSG_SEALED ? "not sealed"
					      : orc ? d.text : "answers another request");
		nng_msg_free(msg);
		buf_release(&plain);
		round_fail(p, 1);
		return;
	}
	nng_msg_free(msg);
	on_answer(p, s, kind, &plain);
	buf_release(&plain);
}

/* ---- PUSH: events that come with the hint ---- */

/* Says why a pushed event was refused, naming it; limited per peer and
 * reason like the peer's other errors. */
static void
push_refused(struct peer *p, const uint8_t *id, const char *why)
{
	char hex[17], key[REPL_NAME_MAX + 64];
	if (id)
		hex_encode(id, 8, hex);
	else
		snprintf(hex, sizeof(hex), "(unreadable)");
	snprintf(key, sizeof(key), "peer %s: pushed refused %.*s", p->st.name,
		 (int)strcspn(why, "(0123456789"), why);
	log_limited(p->r->log_members, repl_now_ms(), LOG_WARN, "repl", key,
		    "peer %s: pushed event %s refused: %s", p->st.name, hex, why);
}

/* Records that the peer holds author's feed up to h (its PUSH said so). */
static void
note_known(struct peer *p, const struct wire_head *h)
{
	heads_note(&p->heads, &p->nheads, h);
}

/*
 * 1 when this node lacks something the head names: a seq past its own,
 * or, at a seq it holds, another event (a fork, which a round proves).
 */
static int
head_missing(struct peer *p, const struct wire_head *h)
{
	struct summary_entry ours;
	struct first_id f = { { 0 }, 0 };
	if (store_summary_get(p->r->store, h->author, &ours) != 0)
		ours.seq = 0;
	if (ours.seq < h->seq)
		return 1;
	if (h->seq == 0)
		return 0;
	if (ours.seq == h->seq)
		return memcmp(ours.id, h->id, EVENT_ID_BYTES) != 0;
	(void)!store_walk_author(p->r->store, h->author, h->seq, take_first, &f);
	return !f.found || memcmp(f.id, h->id, EVENT_ID_BYTES) != 0;
}

/*
 * A PUSH from p, on the loop thread.  Each event not held here is opened
 * (id, signature, network: the check of a fetched event) and the good ones
 * admitted in one batch, with the store's every rule (chain, clocks,
 * roster); then, if anything the heads name is still missing (an event
 * refused, waiting for what it follows or depends on, not carried), a
 * round with p as after a HINT.  At most WIRE_PUSH_EVENTS signature
 * checks per PUSH, the cost of a thread hop; none once p pushed an event
 * that was refused, until a clean round.
 */
uint32_t
pull_push(struct peer *p, const struct wire_push *w)
{
	struct repl *r = p->r;
	struct envelope e[WIRE_PUSH_EVENTS];
	struct event ev[WIRE_PUSH_EVENTS];
	size_t ok[WIRE_PUSH_EVENTS], nok = 0;
	struct store_batch *b = NULL;
	struct diag d;
	uint64_t added = 0;
	uint32_t held = 0;
	int refused = 0, need_round = 0, rc;

	for (size_t i = 0; i < w->nheads; i++)
		if (!head_missing(p, &w->heads[i]))
			held |= 1u << i;
	for (size_t i = 0; i < w->nenv && !p->push_distrust && !space_wait(r); i++) {
		struct buf have = BUF_INIT;
		size_t used;
		if (envelope_read(w->env[i], w->len[i], &e[nok], &used, &d)) {
			push_refused(p, NULL, d.text);
			refused++;
			continue;
		}
		int stored = store_event_get(r->store, e[nok].id, &have) == 0;
		buf_release(&have);
		if (stored)
			continue; /* checked when it was stored */
		rc = seal_open(w->env[i], w->len[i], store_network(r->store),
			       &e[nok], &ev[nok], &used, &d);
		p->st.checked++;
		if (rc == 0 && used != w->len[i])
			rc = diag_set(&d, ERR_TRAILING, "bytes after the envelope");
		if (rc) {
			push_refused(p, e[nok].id, d.text);
			refused++;
			continue;
		}
		ok[nok++] = i;
	}
	if (nok && (rc = store_batch_begin(r->store, &b))) {
		store_failed(p, rc, nok, err_str(rc));
		nok = 0;
	}
	for (size_t k = 0; k < nok; k++) {
		struct admit_result res;
		size_t i = ok[k];
		rc = store_batch_admit(b, w->env[i], w->len[i], &e[k], &ev[k],
				       &res, &d);
		if (rc && store_batch_is_failed(b)) {
			store_failed(p, rc, nok, d.text);
			store_batch_abort(b);
			b = NULL;
			added = 0;
			break;
		}
		if (rc) {
			push_refused(p, e[k].id, d.text);
			refused++;
		} else if (res.status == ADMIT_NEW) {
			added += 1 + res.promoted;
			note_relayed(r, &ev[k], e[k].id);
		} else if (res.status == ADMIT_DUPLICATE) {
			p->st.checked_again++; /* waiting here already */
		}
	}
	if (b) {
		if ((rc = store_batch_commit(b, &d))) {
			store_failed(p, rc, nok, d.text);
			added = 0;
		} else {
			space_stored(r);
		}
	}
	for (size_t i = 0; i < w->nheads; i++) {
		if (!need_round && head_missing(p, &w->heads[i]))
			need_round = 1;
		note_known(p, &w->heads[i]);
	}
	p->st.events_in += added;
	p->st.pushed_in += added;
	if (added && r->h.progress)
		r->h.progress(r->h.ctx, p->st.name, p->st.events_in);
	if (refused) {
		peer_error(p, "%d events of a PUSH were refused (see the log)", refused);
		p->push_distrust = 1;
	}
	if (need_round)
		pull_hint(p);
	return held;
}

void
peer_release(struct peer *p)
{
	clear_plan(p);
	buf_release(&p->blob);
	session_free(p->sess);
	handshake_free(p->hs);
	free(p->heads);
	free(p->lazy);
}

/*
 * node_api_test.c - the typed node API on a real node (node/api.h,
 * node/peers.h): the case-list query answered from the store's indexes,
 * and the peer records the daemon writes and the CLI reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mp.h"
#include "crypto/hash.h"
#include "node/api.h"
#include "node/node.h"
#include "node/peers.h"
#include "store/store.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define CENTRE                                                                 \
	(ROLE_SUPERVISOR | ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER)

struct seen {
	int n;
	char last[64];
	int running;
};

static int
count_row(const struct case_row *row, void *ctx)
{
	struct seen *s = ctx;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", row->case_id);
	if (row->has_deadline && row->dl.has_due && !row->dl.done)
		s->running++;
	return 0;
}

static int
stop_row(const struct case_row *row, void *ctx)
{
	(void)row;
	(void)ctx;
	return 7;
}

static void
test_case_list_by_query(void)
{
	struct tnode *c = tnode_new("centre", "centre", CENTRE);
	/* The unit dispatched to is a member: a dispatch names a unit of
	 * the roster. */
	struct tnode *o = tnode_new("office-7", "office-7", ROLE_DISPOSAL);
	struct tnode *all[2] = { c, o };
	char a[18], b[18];
	uint64_t t = tnode_ms("2026-03-02T01:00:00Z");
	struct case_query q;
	struct seen s;
	struct diag d;
	CHECK_OK(tnode_introduce(all, 2));
	CHECK_OK(tnode_report(c, "supervisor", t, a));
	CHECK_OK(tnode_report(c, "supervisor", t + 60000, b));
	CHECK_OK(tnode_act(c, b, "accept", t + 120000, NULL, NULL));
	CHECK_OK(tnode_act(c, b, "register", t + 180000, NULL, "urgency",
			   "normal", "limit", "4h", NULL));
	CHECK_OK(tnode_act(c, b, "dispatch", t + 240000, NULL, "unit",
			   "office-7", NULL));

	memset(&q, 0, sizeof(q));
	q.now_ms = t + 300000;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 2);

	q.state = "dispatched";
	q.unit = "office-7";
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 1);
	CHECK(strcmp(s.last, b) == 0);
	CHECK_EQ_INT(s.running, 1);

	q.state = "reported";
	q.unit = NULL;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 1);
	CHECK(strcmp(s.last, a) == 0);

	/* Due within the next hour: none; overdue 8 hours on (4 working
	 * hours, a lunch break and more later): the one. */
	memset(&q, 0, sizeof(q));
	q.now_ms = t + 300000;
	q.due_before = q.now_ms + 3600000;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 0);
	memset(&q, 0, sizeof(q));
	q.now_ms = t + 8 * 3600000ull;
	q.overdue = 1;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 1);

	/* The first rows only, and the count from the index: three reports
	 * in one state, two read; the count of the overdue range. */
	char e[18];
	uint64_t total = 0;
	CHECK_OK(tnode_report(c, "supervisor", t + 120000, e));
	memset(&q, 0, sizeof(q));
	q.now_ms = t + 300000;
	q.state = "reported";
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list_first(c->n, &q, 1, count_row, &s, &total, &d));
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(total, 2);
	memset(&q, 0, sizeof(q));
	q.now_ms = t + 8 * 3600000ull;
	q.overdue = 1;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list_first(c->n, &q, 5, count_row, &s, &total, &d));
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(total, 1);
	/* No index answers a colour alone: every match is counted. */
	memset(&q, 0, sizeof(q));
	q.now_ms = t + 300000;
	q.colour = COLOUR_GREEN;
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list_first(c->n, &q, 1, count_row, &s, &total, &d));
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(total, 1);
	q.colour = COLOUR_NONE;
	q.source = "supervisor";
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list_first(c->n, &q, 2, count_row, &s, &total, &d));
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(total, 3);

	/* The callback's stop value is returned, with d set. */
	memset(&q, 0, sizeof(q));
	CHECK_ERR(node_case_list(c->n, &q, stop_row, NULL, &d), 7);

	/* An office by a name the grid does not know. */
	q.office = "no-such-office";
	CHECK_ERR(node_case_list(c->n, &q, count_row, &s, &d), ERR_NOTFOUND);
	CHECK(strstr(d.text, "no-such-office") != NULL);

	uint64_t ghosts = 9;
	CHECK_OK(node_ghost_count(c->n, &ghosts));
	CHECK_EQ_INT(ghosts, 0);
	tnode_free(c);
	tnode_free(o);
}

/* The loads node_unit_loads() or node_cell_loads() gave, by name. */
struct loads_seen {
	int n;
	struct case_load v[8];
};

static int
loads_seen(const struct case_load *l, void *ctx)
{
	struct loads_seen *s = ctx;
	if (s->n < 8)
		s->v[s->n] = *l;
	s->n++;
	return 0;
}

static int
loads_stop(const struct case_load *l, void *ctx)
{
	(void)l;
	(void)ctx;
	return 5;
}

/* open, soon, overdue of name as "o/s/x", or "none". */
static const char *
load_of(const struct loads_seen *s, const char *name, char *out)
{
	for (int i = 0; i < s->n && i < 8; i++)
		if (strcmp(s->v[i].name, name) == 0) {
			snprintf(out, 32, "%llu/%llu/%llu",
				 (unsigned long long)s->v[i].open,
				 (unsigned long long)s->v[i].soon,
				 (unsigned long long)s->v[i].overdue);
			return out;
		}
	return "none";
}

#define CELL_A "310104007001002"
#define CELL_B "310104007001003"

/* Checks the unit and cell loads at now (due soon: the next 24 hours). */
static void
check_loads(struct tnode *t, uint64_t now, const char *o7, const char *o9,
	    const char *cell_a, const char *cell_b)
{
	struct loads_seen s;
	char buf[32];
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_unit_loads(t->n, now, now + 24 * 3600000ull, loads_seen,
				 &s));
	CHECK(strcmp(load_of(&s, "office-7", buf), o7) == 0);
	if (strcmp(buf, o7) != 0)
		fprintf(stderr, "office-7: %s, want %s\n", buf, o7);
	CHECK(strcmp(load_of(&s, "office-9", buf), o9) == 0);
	if (strcmp(buf, o9) != 0)
		fprintf(stderr, "office-9: %s, want %s\n", buf, o9);
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_cell_loads(t->n, now, now + 24 * 3600000ull, loads_seen,
				 &s));
	CHECK(strcmp(load_of(&s, CELL_A, buf), cell_a) == 0);
	if (strcmp(buf, cell_a) != 0)
		fprintf(stderr, CELL_A ": %s, want %s\n", buf, cell_a);
	CHECK(strcmp(load_of(&s, CELL_B, buf), cell_b) == 0);
	if (strcmp(buf, cell_b) != 0)
		fprintf(stderr, CELL_B ": %s, want %s\n", buf, cell_b);
}

static void
test_unit_and_cell_loads(void)
{
	struct tnode *c = tnode_new("centre", "centre", CENTRE);
	struct tnode *c2 = tnode_new("lead", "centre", CENTRE);
	struct tnode *o7 = tnode_new("office-7", "office-7", ROLE_DISPOSAL);
	struct tnode *o9 = tnode_new("office-9", "office-9", ROLE_DISPOSAL);
	struct tnode *all[4] = { c, c2, o7, o9 };
	char a[18], b[18], e[18], f[18];
	uint64_t t = tnode_ms("2026-03-02T01:00:00Z"), soon = t + 300000,
		 late = t + 8 * 3600000ull, cases = 0;
	struct diag d;
	CHECK_OK(tnode_introduce(all, 4));
	/* a and b to office-7 in cell A, e to office-9 in cell B (amended),
	 * f only reported in cell A; a 4-hour limit each. */
	CHECK_OK(tnode_report(c, "supervisor", t, a));
	CHECK_OK(tnode_report(c, "supervisor", t + 1000, b));
	CHECK_OK(tnode_report(c, "supervisor", t + 2000, e));
	CHECK_OK(tnode_report(c, "supervisor", t + 3000, f));
	CHECK_OK(tnode_act(c, e, "amend", t + 4000, NULL, "field", "grid",
			   "value", CELL_B, NULL));
	const char *ids[3] = { a, b, e };
	for (int i = 0; i < 3; i++) {
		CHECK_OK(tnode_act(c, ids[i], "accept", t + 10000, NULL, NULL));
		CHECK_OK(tnode_act(c, ids[i], "register", t + 20000, NULL,
				   "urgency", "normal", "limit", "4h", NULL));
		CHECK_OK(tnode_act(c, ids[i], "dispatch", t + 30000, NULL,
				   "unit", i < 2 ? "office-7" : "office-9",
				   NULL));
	}
	/* Nothing dispatched anywhere yet on a node that has no case. */
	struct loads_seen none;
	memset(&none, 0, sizeof(none));
	CHECK_OK(node_unit_loads(o9->n, soon, soon, loads_seen, &none));
	CHECK_EQ_INT(none.n, 0);

	check_loads(c, soon, "2/2/0", "1/1/0", "3/2/0", "1/1/0");
	check_loads(c, late, "2/0/2", "1/0/1", "3/0/2", "1/0/1");
	/* The same figures answer the worklist's queries. */
	struct case_query q;
	struct seen s;
	memset(&q, 0, sizeof(q));
	q.now_ms = late;
	q.overdue = 1;
	q.unit = "office-7";
	memset(&s, 0, sizeof(s));
	CHECK_OK(node_case_list(c->n, &q, count_row, &s, &d));
	CHECK_EQ_INT(s.n, 2);

	/* Fed back: no longer the unit's open work, still the cell's open
	 * case, no longer overdue. */
	CHECK_OK(tnode_pull(o7, c));
	CHECK_OK(tnode_act(o7, a, "feedback", t + 3600000, NULL, "notes",
			   "done", NULL));
	CHECK_OK(tnode_pull(c, o7));
	check_loads(c, late, "1/0/1", "1/0/1", "3/0/1", "1/0/1");
	/* Verified, then closed by another lead: the cell's open cases go
	 * down by one. */
	CHECK_OK(tnode_act(c, a, "verify-pass", t + 7200000, NULL, NULL));
	CHECK_OK(tnode_pull(c2, c));
	CHECK_OK(tnode_act(c2, a, "close", t + 7300000, NULL, NULL));
	CHECK_OK(tnode_pull(c, c2));
	check_loads(c, late, "1/0/1", "1/0/1", "2/0/1", "1/0/1");
	/* Reopened: open in its cell again, registered, no unit's work. */
	CHECK_OK(tnode_act(c, a, "reopen", t + 7400000, NULL, "reason",
			   "complaint", NULL));
	check_loads(c, late, "1/0/1", "1/0/1", "3/0/1", "1/0/1");
	/* Dispatched again, to office-9: its clock starts anew. */
	CHECK_OK(tnode_act(c, a, "dispatch", t + 25200000, NULL, "unit",
			   "office-9", NULL));
	check_loads(c, late, "1/0/1", "2/1/1", "3/1/1", "1/0/1");
	/* Folding every case again gives the same rows. */
	CHECK_OK(store_refold_all(node_store(c->n), &cases, &d));
	CHECK_EQ_INT(cases, 5); /* the four and the roster */
	check_loads(c, late, "1/0/1", "2/1/1", "3/1/1", "1/0/1");
	/* Another node that holds the same events counts the same. */
	CHECK_OK(tnode_pull(o9, c));
	check_loads(o9, late, "1/0/1", "2/1/1", "3/1/1", "1/0/1");
	/* The callback's stop value is returned. */
	CHECK_ERR(node_unit_loads(c->n, late, late, loads_stop, NULL), 5);
	CHECK_ERR(node_cell_loads(c->n, late, late, loads_stop, NULL), 5);
	tnode_free(c);
	tnode_free(c2);
	tnode_free(o7);
	tnode_free(o9);
}

struct history_seen {
	int n;
	uint64_t last_lamport;
	int in_order;
	char types[8][16];
};

static int
history_seen(const struct envelope *env, const struct event *ev, void *ctx)
{
	struct history_seen *h = ctx;
	(void)env;
	if (h->n && ev->lamport < h->last_lamport)
		h->in_order = 0;
	h->last_lamport = ev->lamport;
	if (h->n < 8)
		snprintf(h->types[h->n], sizeof(h->types[0]), "%.*s",
			 (int)ev->type_len, ev->type);
	h->n++;
	return 0;
}

static int
history_stop(const struct envelope *env, const struct event *ev, void *ctx)
{
	(void)env;
	(void)ev;
	(void)ctx;
	return 9;
}

struct walk_seen {
	int n;
	char ids[4][32];
	unsigned status[4];
};

static int
walk_seen(const char *case_id, const struct case_state *st, void *ctx)
{
	struct walk_seen *w = ctx;
	if (w->n < 4) {
		snprintf(w->ids[w->n], sizeof(w->ids[0]), "%s", case_id);
		w->status[w->n] = st->status;
	}
	w->n++;
	return 0;
}

static void
test_case_show_and_walk(void)
{
	struct tnode *c = tnode_new("centre", "centre", CENTRE);
	struct tnode *all[1] = { c };
	char a[18], b[18];
	uint64_t t = tnode_ms("2026-03-02T01:00:00Z");
	struct case_view cv;
	struct history_seen h;
	struct walk_seen w;
	uint8_t digest[HASH_BYTES];
	CHECK_OK(tnode_introduce(all, 1));
	CHECK_OK(tnode_report(c, "supervisor", t, a));
	CHECK_OK(tnode_report(c, "supervisor", t + 60000, b));
	CHECK_OK(tnode_act(c, b, "accept", t + 120000, NULL, NULL));
	CHECK_OK(tnode_act(c, b, "register", t + 180000, NULL, "urgency",
			   "normal", "limit", "4h", NULL));
	CHECK_OK(tnode_act(c, b, "dispatch", t + 240000, NULL, "unit",
			   "office-7", NULL));

	/* One case: its state, the digest of its encoding, its due time. */
	CHECK_OK(node_case_get(c->n, b, t + 300000, &cv));
	CHECK_EQ_INT(cv.st.status, CS_DISPATCHED);
	CHECK(strcmp(cv.st.unit, "office-7") == 0);
	hash_bytes(cv.encoded.data, cv.encoded.len, digest);
	CHECK(memcmp(digest, cv.digest, HASH_BYTES) == 0);
	CHECK(cv.has_deadline && cv.dl.has_due && !cv.dl.done);
	CHECK_EQ_INT(cv.dl.colour, COLOUR_GREEN);
	node_case_release(&cv);
	CHECK_OK(node_case_get(c->n, a, t + 300000, &cv));
	CHECK_EQ_INT(cv.st.status, CS_REPORTED);
	node_case_release(&cv);
	CHECK_ERR(node_case_get(c->n, "no-such-case", t, &cv), ERR_NOTFOUND);

	/* Its history in replay order; a stop value comes back. */
	memset(&h, 0, sizeof(h));
	h.in_order = 1;
	CHECK_OK(node_case_history(c->n, b, history_seen, &h));
	CHECK_EQ_INT(h.n, 4);
	CHECK(h.in_order);
	CHECK(strcmp(h.types[0], "report") == 0);
	CHECK(strcmp(h.types[3], "dispatch") == 0);
	CHECK_ERR(node_case_history(c->n, b, history_stop, NULL), 9);
	memset(&h, 0, sizeof(h));
	CHECK_OK(node_case_history(c->n, "no-such-case", history_seen, &h));
	CHECK_EQ_INT(h.n, 0);

	/* Every case id in ascending order, with its state. */
	memset(&w, 0, sizeof(w));
	CHECK_OK(node_case_walk(c->n, walk_seen, &w));
	CHECK_EQ_INT(w.n, 2);
	CHECK(strcmp(w.ids[0], w.ids[1]) < 0);
	CHECK(strcmp(w.ids[0], a) == 0 || strcmp(w.ids[0], b) == 0);
	CHECK_EQ_INT(w.status[strcmp(w.ids[0], b) == 0 ? 0 : 1], CS_DISPATCHED);
	tnode_free(c);
}

struct names {
	int n;
	char first[PEER_NAME_MAX + 1];
	uint64_t events_in;
	size_t nheads;
};

static int
peer_seen(const struct peer_record *p, void *ctx)
{
	struct names *w = ctx;
	if (w->n++ == 0) {
		snprintf(w->first, sizeof(w->first), "%s", p->name);
		w->events_in = p->events_in;
		w->nheads = p->nheads;
	}
	return 0;
}

static int
block_seen(const char *name, size_t n, void *ctx)
{
	struct names *w = ctx;
	snprintf(w->first, sizeof(w->first), "%.*s", (int)n, name);
	w->n++;
	return 0;
}

static void
test_peer_records(void)
{
	struct tnode *c = tnode_new("centre", "centre", CENTRE);
	struct peer_record p, back;
	struct peer_head heads[2];
	struct buf enc = BUF_INIT;
	struct names w;
	struct diag d;

	memset(&p, 0, sizeof(p));
	memset(heads, 0, sizeof(heads));
	snprintf(p.name, sizeof(p.name), "office-7");
	snprintf(p.addr, sizeof(p.addr), "ipc:///tmp/x.ipc");
	snprintf(p.last_error, sizeof(p.last_error), "no answer");
	p.connected = 1;
	p.misbehaving = 1;
	p.events_in = 42;
	p.we_lack = 3;
	p.last_contact_ms = 1234;
	heads[0].author[0] = 1;
	heads[0].seq = 5;
	heads[1].author[0] = 2;
	heads[1].seq = 9;
	p.heads = heads;
	p.nheads = 2;

	peer_record_encode(&p, &enc);
	CHECK(mp_is_map(enc.data, enc.len));
	CHECK_OK(peer_record_decode("office-7", 8, enc.data, enc.len, &back));
	CHECK(strcmp(back.name, "office-7") == 0);
	CHECK(strcmp(back.addr, p.addr) == 0);
	CHECK(strcmp(back.last_error, "no answer") == 0);
	CHECK(back.connected && back.misbehaving && !back.blocked);
	CHECK_EQ_INT(back.events_in, 42);
	CHECK_EQ_INT(back.we_lack, 3);
	CHECK_EQ_INT(back.last_contact_ms, 1234);
	CHECK_EQ_INT(back.nheads, 2);
	CHECK_EQ_INT(back.heads[1].seq, 9);
	CHECK_EQ_INT(back.heads[1].author[0], 2);
	peer_record_release(&back);

	/* Not msgpack: refused; an empty map: every field zero. */
	CHECK_ERR(peer_record_decode("x", 1, (const uint8_t *)"\xc1", 1, &back),
		  ERR_CORRUPT);
	CHECK_OK(peer_record_decode("x", 1, (const uint8_t *)"\x80", 1, &back));
	CHECK(!back.connected && back.events_in == 0 && back.nheads == 0);
	peer_record_release(&back);

	/* Through the store, as the daemon writes and peers reads. */
	CHECK_OK(node_peer_put(c->n, &p, &d));
	memset(&w, 0, sizeof(w));
	CHECK_OK(node_peers_walk(c->n, peer_seen, &w));
	CHECK_EQ_INT(w.n, 1);
	CHECK(strcmp(w.first, "office-7") == 0);
	CHECK_EQ_INT(w.events_in, 42);
	CHECK_EQ_INT(w.nheads, 2);

	CHECK_OK(node_peer_block(c->n, "office-9", 1, &d));
	memset(&w, 0, sizeof(w));
	CHECK_OK(node_peer_blocks_walk(c->n, block_seen, &w));
	CHECK_EQ_INT(w.n, 1);
	CHECK(strcmp(w.first, "office-9") == 0);
	CHECK_OK(node_peer_block(c->n, "office-9", 0, &d));
	memset(&w, 0, sizeof(w));
	CHECK_OK(node_peer_blocks_walk(c->n, block_seen, &w));
	CHECK_EQ_INT(w.n, 0);

	buf_release(&enc);
	tnode_free(c);
}

static const struct test tests[] = {
	{ "a case query is answered from the indexes, once per case, the first rows and a count too",
	  test_case_list_by_query },
	{ "the open, due-soon and overdue cases per unit and per cell follow dispatch, feedback, close, reopen and a refold",
	  test_unit_and_cell_loads },
	{ "one case, its history and every case id, through the API",
	  test_case_show_and_walk },
	{ "peer records read back as written, through the store too",
	  test_peer_records },
};

TEST_MAIN(tests)

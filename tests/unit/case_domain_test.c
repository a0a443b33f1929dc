/*
 * case_domain_test.c - the pure case domain (node/case/) as such: the
 * workflow table, the state's encoding, the fold, deadlines and the
 * evaluation, fed from events held in memory.  No store, no directory,
 * no socket: the fold reads through a case_source over an array, which
 * is what makes it pure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/event.h"
#include "common/mp.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/eval.h"
#include "node/case/fold.h"
#include "node/case/grid.h"
#include "node/case/indicators.h"
#include "node/case/roster.h"
#include "node/case/source.h"
#include "node/case/state.h"
#include "node/case/workflow.h"
#include "node/files.h"
#include "tests/harness.h"
#include "common/banned.h"

#define MAX_EVENTS 64
#define CENTRE_ROLES                                                           \
	(ROLE_SUPERVISOR | ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER)
/* Monday 2 March 2026, 09:00 in UTC+8. */
#define T0 1772413200000ull
#define MINUTE 60000ull

/* One author: its key and its hash chain. */
struct author {
	struct key *k;
	uint64_t seq;
	uint8_t last[EVENT_ID_BYTES];
};

struct held {
	uint8_t id[EVENT_ID_BYTES];
	uint64_t lamport;
	char case_id[EVENT_CASE_MAX + 1];
	struct buf env;
};

/* The events a source gives, in (lamport, id) order when walked. */
struct world {
	struct held ev[MAX_EVENTS];
	size_t n;
	const uint8_t *forked_author; /* fork_seq answers forked_at for it */
	uint64_t forked_at;
	uint64_t gen;
	int walk_error; /* returned by walk when set */
	struct author admin, centre, desk2, office, office9, mixed, stranger;
	/* The centre's intake desk: it reports, so that the centre's own
	 * key may register (docs/workflow.md §3). */
	struct author intake;
	uint8_t roster_head[EVENT_ID_BYTES];
};

static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	if (x->lamport != y->lamport)
		return x->lamport < y->lamport ? -1 : 1;
	return memcmp(x->id, y->id, EVENT_ID_BYTES);
}

static int
w_walk(void *src, const char *case_id, case_event_fn fn, void *ctx)
{
	struct world *w = src;
	if (w->walk_error)
		return w->walk_error;
	qsort(w->ev, w->n, sizeof(w->ev[0]), held_cmp);
	for (size_t i = 0; i < w->n; i++) {
		if (strcmp(w->ev[i].case_id, case_id) != 0)
			continue;
		int rc = fn(w->ev[i].env.data, w->ev[i].env.len, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int
w_fork_seq(void *src, const uint8_t author[EVENT_KEY_BYTES], uint64_t *seq)
{
	struct world *w = src;
	*seq = w->forked_author && memcmp(author, w->forked_author,
					  EVENT_KEY_BYTES) == 0
		       ? w->forked_at
		       : 0;
	return 0;
}

static int
w_gen(void *src, uint64_t *gen)
{
	*gen = ((struct world *)src)->gen;
	return 0;
}

static void
w_source(struct world *w, struct case_source *s)
{
	s->walk = w_walk;
	s->fork_seq = w_fork_seq;
	s->global_gen = w_gen;
	s->src = w;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

static uint64_t
lamport_of(const struct world *w, const uint8_t *id)
{
	for (size_t i = 0; i < w->n; i++)
		if (memcmp(w->ev[i].id, id, EVENT_ID_BYTES) == 0)
			return w->ev[i].lamport;
	return 0;
}

/*
 * Adds an event by a to case_id with the given deps; its id is written
 * to id_out if not NULL.  The signature is left zero: the fold reads
 * stored events, which were verified on the way in.
 */
static int
emit(struct world *w, struct author *a, const char *case_id, const char *type,
     const struct buf *body, const uint8_t (*deps)[EVENT_ID_BYTES],
     size_t ndeps, uint64_t time_ms, uint8_t *id_out)
{
	struct event ev;
	struct buf bytes = BUF_INIT;
	uint8_t sig[EVENT_SIG_BYTES] = { 0 };
	uint64_t lamport = 0;
	int rc;

	memset(&ev, 0, sizeof(ev));
	ev.version = EVENT_VERSION;
	ev.network = "test";
	ev.network_len = 4;
	memcpy(ev.author, key_public(a->k), EVENT_KEY_BYTES);
	ev.seq = ++a->seq;
	ev.has_prev = ev.seq > 1;
	if (ev.has_prev)
		memcpy(ev.prev, a->last, EVENT_ID_BYTES);
	for (size_t i = 0; i < ndeps; i++) {
		memcpy(ev.deps[i], deps[i], EVENT_ID_BYTES);
		uint64_t l = lamport_of(w, deps[i]);
		if (l > lamport)
			lamport = l;
	}
	ev.ndeps = ndeps;
	qsort(ev.deps, ndeps, EVENT_ID_BYTES, id_cmp); /* the format's order */
	ev.lamport = lamport + 1;
	ev.time_ms = time_ms;
	ev.case_id = case_id;
	ev.case_len = strlen(case_id);
	ev.type = type;
	ev.type_len = strlen(type);
	ev.body = body->data;
	ev.body_len = body->len;
	if ((rc = event_encode(&ev, &bytes, NULL)))
		return rc;
	struct held *h = &w->ev[w->n++];
	hash_bytes(bytes.data, bytes.len, h->id);
	h->lamport = ev.lamport;
	snprintf(h->case_id, sizeof(h->case_id), "%s", case_id);
	buf_init(&h->env);
	envelope_encode(bytes.data, bytes.len, h->id, sig, &h->env);
	memcpy(a->last, h->id, EVENT_ID_BYTES);
	if (id_out)
		memcpy(id_out, h->id, EVENT_ID_BYTES);
	buf_release(&bytes);
	return 0;
}

/* A body from key, value pairs (strings), ending with NULL. */
static void
body_va(struct buf *out, const char *k, va_list ap)
{
	struct mp_map m;
	buf_init(out);
	mp_map_init(&m);
	for (const char *key = k; key; key = va_arg(ap, const char *))
		mp_put_cstr(mp_map_add(&m, key), va_arg(ap, const char *));
	mp_map_finish(&m, out);
}

static void
body_of(struct buf *out, const char *k, ...)
{
	va_list ap;
	va_start(ap, k);
	body_va(out, k, ap);
	va_end(ap);
}

static int
add_member(struct world *w, struct author *a, const char *name, unsigned roles)
{
	struct member m;
	struct buf body = BUF_INIT;
	const uint8_t(*deps)[EVENT_ID_BYTES] =
		w->admin.seq ? (const uint8_t(*)[EVENT_ID_BYTES])w->roster_head
			     : NULL;
	memset(&m, 0, sizeof(m));
	memcpy(m.key, key_public(a->k), EVENT_KEY_BYTES);
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.unit, sizeof(m.unit), "%s", name);
	m.roles = roles;
	roster_add_body(&m, &body);
	int rc = emit(w, &w->admin, ROSTER_CASE, ROSTER_ADD, &body, deps,
		      deps ? 1 : 0, T0 - MINUTE, w->roster_head);
	buf_release(&body);
	w->gen++;
	return rc;
}

static void
world_init(struct world *w, struct roster *r)
{
	memset(w, 0, sizeof(*w));
	w->admin.k = key_generate();
	w->centre.k = key_generate();
	w->desk2.k = key_generate();
	w->office.k = key_generate();
	w->office9.k = key_generate();
	w->mixed.k = key_generate();
	w->stranger.k = key_generate();
	w->intake.k = key_generate();
	roster_init(r);
	memcpy(r->admin, key_public(w->admin.k), EVENT_KEY_BYTES);
	r->has_admin = 1;
	if (add_member(w, &w->centre, "centre", CENTRE_ROLES) ||
	    add_member(w, &w->desk2, "centre-2", CENTRE_ROLES) ||
	    add_member(w, &w->office, "office-7", ROLE_DISPOSAL) ||
	    add_member(w, &w->office9, "office-9", ROLE_DISPOSAL) ||
	    add_member(w, &w->mixed, "mixed",
		       ROLE_DISPOSAL | ROLE_SUPERVISOR) ||
	    add_member(w, &w->intake, "intake", ROLE_OPERATOR))
		abort();
}

static void
world_release(struct world *w, struct roster *r)
{
	for (size_t i = 0; i < w->n; i++)
		buf_release(&w->ev[i].env);
	key_free(w->admin.k);
	key_free(w->intake.k);
	key_free(w->centre.k);
	key_free(w->desk2.k);
	key_free(w->office.k);
	key_free(w->office9.k);
	key_free(w->mixed.k);
	key_free(w->stranger.k);
	roster_release(r);
}

/*
 * A step of case "c1" by a, after the event `after` (NULL: only the
 * roster), at minute `min` after T0.
 */
static int
step_va(struct world *w, const char *case_id, struct author *a,
	const char *type, const uint8_t *after, uint8_t *id, int min,
	const char *k, va_list ap)
{
	uint8_t deps[2][EVENT_ID_BYTES];
	size_t n = 0;
	struct buf body;

	memcpy(deps[n++], w->roster_head, EVENT_ID_BYTES);
	if (after)
		memcpy(deps[n++], after, EVENT_ID_BYTES);
	body_va(&body, k, ap);
	int rc = emit(w, a, case_id, type, &body,
		      (const uint8_t(*)[EVENT_ID_BYTES])deps, n,
		      T0 + (uint64_t)min * MINUTE, id);
	buf_release(&body);
	return rc;
}

static int
step(struct world *w, struct author *a, const char *type, const uint8_t *after,
     uint8_t *id, int min, const char *k, ...)
{
	va_list ap;
	va_start(ap, k);
	int rc = step_va(w, "c1", a, type, after, id, min, k, ap);
	va_end(ap);
	return rc;
}

/* A step of another case. */
static int
step_of(struct world *w, const char *case_id, struct author *a,
	const char *type, const uint8_t *after, uint8_t *id, int min,
	const char *k, ...)
{
	va_list ap;
	va_start(ap, k);
	int rc = step_va(w, case_id, a, type, after, id, min, k, ap);
	va_end(ap);
	return rc;
}

/* Reports, accepts, registers (4h) and dispatches c1 to office-7. */
static int
to_dispatched(struct world *w, uint8_t *last)
{
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES], c[EVENT_ID_BYTES];
	int rc = step(w, &w->intake, "report", NULL, a, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where",
		      "a street", "desc", "garbage", "source", "patrol", NULL);
	if (!rc)
		rc = step(w, &w->centre, "accept", a, b, 5, NULL);
	if (!rc)
		rc = step(w, &w->centre, "register", b, c, 10, "urgency",
			  "normal", "limit", "4h", NULL);
	if (!rc)
		rc = step(w, &w->centre, "dispatch", c, last, 15, "unit",
			  "office-7", NULL);
	return rc;
}

static int
fold_world(struct world *w, struct roster *r, struct case_state *st)
{
	struct fold_ctx fc = { r, NULL };
	struct case_source src;
	w_source(w, &src);
	return fold_case(&fc, &src, "c1", st, NULL);
}

/* ---- the tests ---- */

static void
test_fold_without_store(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t d[EVENT_ID_BYTES], f[32];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "feedback", d, f, 60, "notes", "done",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_FED_BACK);
	CHECK(strcmp(st.unit, "office-7") == 0);
	CHECK(strcmp(st.limit, "4h") == 0);
	CHECK_EQ_INT(st.events, 5);
	CHECK_EQ_INT(st.unapplied, 0);
	CHECK_EQ_INT(st.ndisposals, 1);
	CHECK_EQ_INT(st.fed_back_at, T0 + 60 * MINUTE);
	state_release(&st);
	world_release(&w, &r);
}

static void
test_fold_twice_same_bytes(void)
{
	struct world w;
	struct roster r;
	struct case_state a, b;
	struct buf x = BUF_INIT, y = BUF_INIT;
	uint8_t d[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(fold_world(&w, &r, &a));
	/* A fresh roster read from the same source: the same bytes. */
	roster_release(&r);
	roster_init(&r);
	memcpy(r.admin, key_public(w.admin.k), EVENT_KEY_BYTES);
	r.has_admin = 1;
	CHECK_OK(fold_world(&w, &r, &b));
	state_encode(&a, &x);
	state_encode(&b, &y);
	CHECK_EQ_INT(x.len, y.len);
	CHECK(memcmp(x.data, y.data, x.len) == 0);
	state_release(&a);
	state_release(&b);
	buf_release(&x);
	buf_release(&y);
	world_release(&w, &r);
}

static void
test_fold_double_dispatch(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES], c[EVENT_ID_BYTES],
		d1[EVENT_ID_BYTES], d2[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(step(&w, &w.intake, "report", NULL, a, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where", "x",
		      "desc", "y", "source", "patrol", NULL));
	CHECK_OK(step(&w, &w.centre, "accept", a, b, 5, NULL));
	CHECK_OK(step(&w, &w.centre, "register", b, c, 10, "urgency", "normal",
		      "limit", "4h", NULL));
	/* Two desks dispatch, neither seeing the other's dispatch. */
	CHECK_OK(step(&w, &w.centre, "dispatch", c, d1, 15, "unit", "office-7",
		      NULL));
	CHECK_OK(step(&w, &w.desk2, "dispatch", c, d2, 16, "unit", "office-9",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_DISPATCHED);
	CHECK_EQ_INT(st.nconflicts, 1);
	CHECK(strcmp(st.conflicts[0].kind, "double-dispatch") == 0);
	CHECK_EQ_INT(state_open_conflicts(&st), 1);
	state_release(&st);
	world_release(&w, &r);
}

/* The case still in status, one event of it kept and not applied, as a
 * conflict of kind. */
static void
check_kept(const struct case_state *st, int status, const char *kind)
{
	CHECK_EQ_INT(st->status, status);
	CHECK_EQ_INT(st->unapplied, 1);
	CHECK_EQ_INT(st->nconflicts, 1);
	CHECK_EQ_STR(st->conflicts[0].kind, kind);
}

static void
test_fold_unauthorized(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t d[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	/* A key the roster does not know feeds back: kept, never applied. */
	CHECK_OK(step(&w, &w.stranger, "feedback", d, NULL, 30, "notes", "done",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	check_kept(&st, CS_DISPATCHED, "unauthorized");
	state_release(&st);
	world_release(&w, &r);
}

static void
test_fold_forked_author(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t d[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "feedback", d, NULL, 30, "notes", "done",
		      NULL));
	/* The office forked at its first event: its feedback does not count. */
	w.forked_author = key_public(w.office.k);
	w.forked_at = 1;
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_DISPATCHED);
	CHECK_EQ_INT(st.events, 4);
	state_release(&st);
	world_release(&w, &r);
}

/* Reports, accepts and registers c1 (the centre). */
static int
to_registered(struct world *w, uint8_t *last)
{
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES];
	int rc = step(w, &w->intake, "report", NULL, a, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where",
		      "a street", "desc", "garbage", "source", "patrol", NULL);
	if (!rc)
		rc = step(w, &w->centre, "accept", a, b, 5, NULL);
	if (!rc)
		rc = step(w, &w->centre, "register", b, last, 10, "urgency",
			  "normal", "limit", "4h", NULL);
	return rc;
}

static void
test_fold_unknown_unit(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t c[EVENT_ID_BYTES], d[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_registered(&w, c));
	/* A node changed to sign a dispatch to a unit nobody holds. */
	CHECK_OK(step(&w, &w.centre, "dispatch", c, d, 15, "unit", "office-99",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	check_kept(&st, CS_REGISTERED, "invalid");
	state_release(&st);
	/* The same to a unit of the roster is a dispatch. */
	CHECK_OK(step(&w, &w.centre, "dispatch", d, NULL, 16, "unit",
		      "office-9", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_DISPATCHED);
	CHECK(strcmp(st.unit, "office-9") == 0);
	state_release(&st);
	world_release(&w, &r);
}

static void
test_fold_separation(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t c[EVENT_ID_BYTES], d[EVENT_ID_BYTES], f[EVENT_ID_BYTES],
		v[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_registered(&w, c));
	CHECK_OK(step(&w, &w.centre, "dispatch", c, d, 15, "unit", "mixed",
		      NULL));
	CHECK_OK(step(&w, &w.mixed, "feedback", d, f, 60, "notes", "done",
		      NULL));
	/* The key that disposed verifies its own work: kept, not applied. */
	CHECK_OK(step(&w, &w.mixed, "verify-pass", f, v, 70, NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	check_kept(&st, CS_FED_BACK, "separation");
	CHECK_EQ_MEM(st.disposals[0].key, key_public(w.mixed.k),
		     EVENT_KEY_BYTES);
	CHECK_EQ_MEM(st.reporter_key, key_public(w.intake.k), EVENT_KEY_BYTES);
	struct diag dg;
	CHECK_ERR(workflow_separation(&st, workflow_action("close", 5),
				      key_public(w.mixed.k), &dg),
		  ERR_DENIED);
	CHECK(strstr(dg.text, "may not 'close'") != NULL);
	state_release(&st);
	/* Another supervisor's key verifies: applied. */
	CHECK_OK(step(&w, &w.centre, "verify-pass", v, NULL, 80, NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_VERIFIED);
	state_release(&st);
	world_release(&w, &r);
}

/* 监管分离: the key that reported a case may not register it. */
static void
test_fold_report_register_separation(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct diag dg;
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES], c[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(step(&w, &w.centre, "report", NULL, a, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where", "x",
		      "desc", "y", "source", "supervisor", NULL));
	CHECK_OK(step(&w, &w.centre, "accept", a, b, 5, NULL));
	/* Its own node refuses to sign it; another shift lead may. */
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_ERR(workflow_separation(&st, workflow_action("register", 8),
				      key_public(w.centre.k), &dg),
		  ERR_DENIED);
	CHECK(strstr(dg.text, "may not register it") != NULL);
	CHECK_OK(workflow_separation(&st, workflow_action("register", 8),
				     key_public(w.desk2.k), &dg));
	state_release(&st);
	/* A node changed to sign it anyway: kept, not applied. */
	CHECK_OK(step(&w, &w.centre, "register", b, c, 10, "urgency", "normal",
		      "limit", "4h", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	check_kept(&st, CS_ACCEPTED, "separation");
	state_release(&st);
	/* Desk 2's key registers: applied. */
	CHECK_OK(step(&w, &w.desk2, "register", c, NULL, 20, "urgency",
		      "normal", "limit", "4h", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.status, CS_REGISTERED);
	state_release(&st);
	world_release(&w, &r);
}

static void
test_fold_source_error(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	uint8_t d[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	w.walk_error = ERR_IO;
	CHECK_ERR(fold_world(&w, &r, &st), ERR_IO);
	world_release(&w, &r);
}

/* The roster of test_workflow_check knows one unit. */
static int
only_office_7(void *arg, const char *unit)
{
	(void)arg;
	return strcmp(unit, "office-7") == 0;
}

static void
test_workflow_check(void)
{
	struct case_state st;
	struct member centre, office;
	struct buf body;
	struct mp_reader rd;
	const struct action_def *dispatch = workflow_action("dispatch", 8);
	CHECK(dispatch != NULL);
	CHECK_EQ_INT(dispatch->act, ACT_DISPATCH);
	CHECK(workflow_action("dispatc", 7) == NULL);
	memset(&centre, 0, sizeof(centre));
	memset(&office, 0, sizeof(office));
	centre.roles = CENTRE_ROLES;
	office.roles = ROLE_DISPOSAL;
	uint8_t key[EVENT_KEY_BYTES] = { 7 };
	struct workflow_ctx ctx = { key, only_office_7, NULL };
	state_init(&st, "c1");
	body_of(&body, "unit", "office-9", NULL);
	mp_reader_init(&rd, body.data, body.len, NULL);
	st.status = CS_REGISTERED;
	CHECK_ERR(workflow_check(&st, dispatch, &centre, &ctx, &rd, NULL),
		  ERR_INVAL);
	buf_release(&body);
	body_of(&body, "unit", "office-7", NULL);
	mp_reader_init(&rd, body.data, body.len, NULL);
	st.status = CS_REPORTED;
	CHECK_ERR(workflow_check(&st, dispatch, &centre, &ctx, &rd, NULL),
		  ERR_STATE);
	st.status = CS_REGISTERED;
	CHECK_OK(workflow_check(&st, dispatch, &centre, &ctx, &rd, NULL));
	CHECK_ERR(workflow_check(&st, dispatch, &office, &ctx, &rd, NULL),
		  ERR_DENIED);
	CHECK_ERR(workflow_check(&st, dispatch, NULL, &ctx, &rd, NULL),
		  ERR_DENIED);
	buf_release(&body);
	body_of(&body, "team", "a", NULL);
	mp_reader_init(&rd, body.data, body.len, NULL);
	CHECK_ERR(workflow_check(&st, dispatch, &centre, &ctx, &rd, NULL),
		  ERR_INVAL);
	buf_release(&body);
	char allowed[256];
	workflow_allowed(&st, allowed, sizeof(allowed));
	CHECK(strstr(allowed, "dispatch") != NULL);
	state_release(&st);
}

static void
test_workflow_table(void)
{
	/* Every action is at its own index, has a unique type and leads to a
	 * state or leaves it. */
	for (int i = 0; i < ACT_COUNT; i++) {
		const struct action_def *a = workflow_action_at((enum action)i);
		CHECK_EQ_INT(a->act, i);
		CHECK(workflow_action(a->type, strlen(a->type)) == a);
		CHECK(a->to == -1 || (a->to >= 0 && a->to < CS_COUNT));
		CHECK(a->from != 0 && a->roles != 0);
	}
	for (int s = 0; s < CS_COUNT; s++)
		CHECK_EQ_INT(case_status_parse(
				     case_status_name((enum case_status)s)),
			     s);
	CHECK_EQ_INT(case_status_parse("nonsense"), CS_COUNT);
}

static void
test_state_round_trip(void)
{
	struct world w;
	struct roster r;
	struct case_state st, back;
	struct buf x = BUF_INIT, y = BUF_INIT;
	uint8_t d[EVENT_ID_BYTES], f[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "feedback", d, f, 60, "notes", "done",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	state_encode(&st, &x);
	CHECK_OK(state_decode(x.data, x.len, &back));
	state_encode(&back, &y);
	state_release(&back);
	CHECK_EQ_INT(x.len, y.len);
	CHECK(memcmp(x.data, y.data, x.len) == 0);
	CHECK_ERR(state_decode(x.data, x.len - 1, &back), ERR_CORRUPT);

	/* A list's row: the same fields, without the history. */
	struct case_state row;
	CHECK(st.nsteps > 0 && st.ndisposals > 0);
	CHECK_OK(state_decode_row(x.data, x.len, &row));
	CHECK_EQ_INT(row.nsteps, 0);
	CHECK_EQ_INT(row.ndisposals, 0);
	CHECK_EQ_INT(row.status, st.status);
	CHECK_EQ_STR(row.unit, st.unit);
	CHECK_EQ_STR(row.where, st.where);
	CHECK(row.clock_at == st.clock_at);
	CHECK(row.dispatched_at == st.dispatched_at);
	state_release(&row);

	/* The state in two parts, as the store keeps it: the row decodes
	 * as a row, the history holds the disposals and steps alone, and
	 * the two merged are the whole state's bytes. */
	struct buf row_bytes = BUF_INIT, history = BUF_INIT, whole = BUF_INIT;
	state_encode_parts(&st, &row_bytes, &history);
	CHECK_OK(state_decode_row(row_bytes.data, row_bytes.len, &row));
	CHECK_EQ_STR(row.unit, st.unit);
	state_release(&row);
	CHECK_ERR(state_decode(row_bytes.data, row_bytes.len, &back),
		  ERR_CORRUPT);
	CHECK(history.len > 2 && history.data[0] == 0x82); /* two entries */
	CHECK(memmem(history.data, history.len,
		     "\xa9"
		     "disposals",
		     10) != NULL);
	CHECK(memmem(history.data, history.len, "\xa5steps", 6) != NULL);
	CHECK_OK(mp_map_merge(row_bytes.data, row_bytes.len, history.data,
			      history.len, &whole));
	CHECK_EQ_INT(whole.len, x.len);
	CHECK(memcmp(whole.data, x.data, x.len) == 0);
	buf_release(&row_bytes);
	buf_release(&history);
	buf_release(&whole);

	/* One pass checks every byte, as mp_check did before it: */
	struct buf bad = BUF_INIT;
	/* a byte after the map, */
	buf_add(&bad, x.data, x.len);
	buf_add(&bad, "", 1);
	CHECK_ERR(state_decode(bad.data, bad.len, &back), ERR_CORRUPT);
	CHECK_ERR(state_decode_row(bad.data, bad.len, &back), ERR_CORRUPT);
	/* a key after the last field, with a value in a non-canonical
	 * form (tolerated when canonical: an unknown field), */
	CHECK(x.data[0] == 0xde); /* map 16 */
	for (int canonical = 0; canonical < 2; canonical++) {
		static const uint8_t extra[] = {
			0xa3, 'z', 'z', 'z', 0xcc, 0x05
		};
		buf_reset(&bad);
		buf_add(&bad, x.data, x.len);
		bad.data[2]++; /* one more entry */
		buf_add(&bad, extra, canonical ? 4 : sizeof(extra));
		if (canonical)
			buf_add(&bad, "\x05", 1);
		CHECK_EQ_INT(state_decode(bad.data, bad.len, &back),
			     canonical ? 0 : ERR_CORRUPT);
		if (canonical)
			state_release(&back);
		CHECK_EQ_INT(state_decode_row(bad.data, bad.len, &back),
			     canonical ? 0 : ERR_CORRUPT);
		if (canonical)
			state_release(&back);
	}
	/* and a step a row does not keep, made malformed. */
	buf_reset(&bad);
	buf_add(&bad, x.data, x.len);
	uint8_t *steps = memmem(bad.data, bad.len, "\xa5steps", 6);
	CHECK(steps != NULL && (steps[6] & 0xf0) == 0x90 && steps[7] == 0x94);
	steps[7] = 0xc1; /* a byte msgpack never uses */
	CHECK_ERR(state_decode(bad.data, bad.len, &back), ERR_CORRUPT);
	CHECK_ERR(state_decode_row(bad.data, bad.len, &back), ERR_CORRUPT);
	buf_release(&bad);

	state_release(&st);
	buf_release(&x);
	buf_release(&y);
	world_release(&w, &r);
}

static void
test_deadline_and_eval(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct config *cfg = NULL;
	struct deadline dl;
	struct eval_acc *acc;
	struct eval_result res;
	uint8_t d[EVENT_ID_BYTES];
	CHECK_OK(config_load_file("data/config.json", &cfg, NULL));
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "feedback", d, NULL, 75, "notes", "done",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_OK(deadline_of(&st, &cfg->cal, T0 + 80 * MINUTE, &dl));
	CHECK(dl.has_due);
	CHECK_EQ_INT(dl.start_ms, T0 + 15 * MINUTE);
	CHECK(dl.done && dl.on_time);
	CHECK_EQ_INT(dl.used_work_ms, 60 * MINUTE);
	/* The period must end after it starts. */
	CHECK_ERR(eval_acc_new(cfg, T0, T0, EVAL_UNIT, &acc, NULL), ERR_INVAL);
	CHECK_OK(eval_acc_new(cfg, T0 - 60 * MINUTE, T0 + 24 * 60 * MINUTE,
			      EVAL_UNIT, &acc, NULL));
	eval_acc_add_case(acc, &st);
	eval_acc_finish(acc, &res);
	CHECK_EQ_INT(res.n, 1);
	CHECK(strcmp(res.g[0].key, "office-7") == 0);
	CHECK_EQ_INT(res.g[0].n[FIG_DISPATCHED], 1);
	CHECK_EQ_INT(res.g[0].n[FIG_DUE], 1);
	CHECK_EQ_INT(res.g[0].n[FIG_ON_TIME], 1);
	CHECK_EQ_INT(res.g[0].on_time_rate_e4, 10000);
	CHECK_EQ_INT(res.g[0].avg_minutes, 60);
	CHECK_EQ_INT(res.g[0].ncases[FIG_DUE], 1);
	CHECK(strcmp(res.g[0].cases[FIG_DUE][0], "c1") == 0);
	eval_release(&res);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

/* ---- the indicator sets and their clocks ---- */

static int
fold_id(struct world *w, struct roster *r, const char *case_id,
	struct case_state *st)
{
	struct fold_ctx fc = { r, NULL };
	struct case_source src;
	w_source(w, &src);
	return fold_case(&fc, &src, case_id, st, NULL);
}

/* Set `set` over [T0 - 1 h, T0 + days) of the states given. */
static void
run_set(const struct config *cfg, enum ind_set set, int days,
	const struct case_state *st, size_t n, const struct member *m,
	size_t nm, const struct grid_cell *cells, size_t nc,
	struct ind_table *t)
{
	struct ind_acc *acc;
	if (ind_acc_new(cfg, T0 - 60 * MINUTE,
			T0 + (uint64_t)days * 1440 * MINUTE, set, &acc, NULL))
		abort();
	for (size_t i = 0; i < nm; i++)
		ind_acc_add_member(acc, &m[i]);
	for (size_t i = 0; i < nc; i++)
		ind_acc_add_cell(acc, &cells[i]);
	for (size_t i = 0; i < n; i++)
		ind_acc_add_case(acc, &st[i]);
	ind_acc_finish(acc, t);
}

/* A figure of the row whose key or name is `who`; -2 if no such row. */
static int64_t
fig(const struct ind_table *t, const char *who, const char *name)
{
	int f = ind_figure(t, name);
	if (f < 0)
		return -3;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].key, who) == 0 ||
		    strcmp(t->rows[i].name, who) == 0)
			return t->rows[i].v[f];
	return -2;
}

static char
grade_of(const struct ind_table *t, const char *who)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->rows[i].key, who) == 0 ||
		    strcmp(t->rows[i].name, who) == 0)
			return t->rows[i].grade;
	return '?';
}

static struct config *
load_cfg(void)
{
	struct config *cfg = NULL;
	if (config_load_file("data/config.json", &cfg, NULL))
		abort();
	return cfg;
}

static void
test_clock_return(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct ind_table t;
	struct deadline dl;
	struct config *cfg = load_cfg();
	uint8_t d[EVENT_ID_BYTES], x[EVENT_ID_BYTES], y[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	/* office-7 returns it after 30 min; office-9 gets it at 10:00. */
	CHECK_OK(step(&w, &w.office, "return", d, x, 45, "reason", "not ours",
		      NULL));
	CHECK_OK(step(&w, &w.centre, "dispatch", x, y, 60, "unit", "office-9",
		      NULL));
	CHECK_OK(step(&w, &w.office9, "feedback", y, NULL, 120, "notes", "done",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	run_set(cfg, IND_UNIT, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 2);
	/* The returning office: judged on its return alone. */
	CHECK_EQ_INT(fig(&t, "office-7", "registered"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "returned"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "returned_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "due"), 0);
	CHECK(fig(&t, "office-7", "closure_rate") == IND_NO_VALUE);
	CHECK(fig(&t, "office-7", "avg_disposal_minutes") == IND_NO_VALUE);
	CHECK_EQ_INT(grade_of(&t, "office-7"), '-');
	/* The new unit: its clock from its own dispatch. */
	CHECK_EQ_INT(fig(&t, "office-9", "due"), 1);
	CHECK_EQ_INT(fig(&t, "office-9", "disposed_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "office-9", "avg_disposal_minutes"), 60);
	CHECK_EQ_INT(fig(&t, "office-9", "score"), 1000);
	CHECK_EQ_INT(grade_of(&t, "office-9"), 'A');
	ind_table_release(&t);
	CHECK_OK(deadline_of(&st, &cfg->cal, 0, &dl));
	CHECK_EQ_INT(dl.start_ms, T0 + 60 * MINUTE);
	CHECK_EQ_INT(dl.due_ms, T0 + 390 * MINUTE); /* 10:00 + 4 h: 15:30 */
	/* A return 3 h after the dispatch is late (the limit is 2 h). */
	state_release(&st);
	world_release(&w, &r);
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "return", d, NULL, 375, "reason", "x",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	run_set(cfg, IND_UNIT, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(fig(&t, "office-7", "returned"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "returned_on_time"), 0);
	ind_table_release(&t);
	/* ... and the dispatcher is charged with the wrong dispatch. */
	run_set(cfg, IND_DISPATCHER, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(t.rows[1].v[ind_figure(&t, "returned")], 1);
	CHECK_EQ_INT(t.rows[1].v[ind_figure(&t, "accurate")], 0);
	/* The new dispatch was due 1 h after the return: nobody made it. */
	CHECK_EQ_INT(fig(&t, "(none)", "due"), 1);
	CHECK_EQ_INT(fig(&t, "(none)", "on_time"), 0);
	ind_table_release(&t);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_clock_rework(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct ind_table t;
	struct deadline dl;
	struct config *cfg = load_cfg();
	uint8_t d[EVENT_ID_BYTES], f[EVENT_ID_BYTES], v[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d)); /* 09:15, 4 h: due 14:45 */
	CHECK_OK(step(&w, &w.office, "feedback", d, f, 45, "notes", "1", NULL));
	CHECK_OK(step(&w, &w.centre, "verify-fail", f, v, 60, "reason", "dirty",
		      NULL));
	/* 15:15: late by the first clock, on time by the rework's (10:00 +
	 * 4 h: 15:30). */
	CHECK_OK(step(&w, &w.office, "feedback", v, NULL, 375, "notes", "2",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_OK(deadline_of(&st, &cfg->cal, 0, &dl));
	CHECK_EQ_INT(dl.start_ms, T0 + 60 * MINUTE);
	CHECK_EQ_INT(dl.due_ms, T0 + 390 * MINUTE);
	CHECK(dl.done && dl.on_time);
	run_set(cfg, IND_UNIT, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(fig(&t, "office-7", "registered"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "due"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "disposed"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "disposed_on_time"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "reworked"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "rework_rate"), 5000);
	/* 30 and 225 working minutes (10:00-12:00, 13:30-15:15). */
	CHECK_EQ_INT(fig(&t, "office-7", "avg_disposal_minutes"), 128);
	CHECK_EQ_INT(fig(&t, "office-7", "median_disposal_minutes"), 127);
	/* 10 + 0.3 x (100 + 100 + 50) */
	CHECK_EQ_INT(fig(&t, "office-7", "score"), 850);
	ind_table_release(&t);
	/* The supervisor's two verifications, each within the hour. */
	run_set(cfg, IND_SUPERVISOR, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "verifications")], 1);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "verifications_on_time")], 1);
	ind_table_release(&t);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_clock_extension(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct ind_table t;
	struct deadline dl;
	struct config *cfg = load_cfg();
	uint8_t d[EVENT_ID_BYTES], a[EVENT_ID_BYTES], b[EVENT_ID_BYTES],
		c[EVENT_ID_BYTES], e[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "postpone-request", d, a, 20, "extend",
		      "1d", "reason", "parts", NULL));
	CHECK_OK(step(&w, &w.centre, "postpone-approve", a, b, 25, NULL));
	CHECK_OK(step(&w, &w.office, "return", b, c, 30, "reason", "x", NULL));
	CHECK_OK(step(&w, &w.centre, "dispatch", c, e, 40, "unit", "office-9",
		      NULL));
	/* The next morning: late for office-9, whose clock has no
	 * extension (with office-7's day it would have been on time). */
	CHECK_OK(step(&w, &w.office9, "feedback", e, NULL, 1440 + 60, "notes",
		      "done", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.postponements, 1);
	CHECK_OK(deadline_of(&st, &cfg->cal, 0, &dl));
	CHECK_EQ_INT(dl.limit_work_ms, 240 * MINUTE);
	CHECK(dl.done && !dl.on_time);
	run_set(cfg, IND_UNIT, 2, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(fig(&t, "office-9", "disposed_late"), 1);
	CHECK_EQ_INT(fig(&t, "office-9", "postponements"), 0);
	CHECK_EQ_INT(fig(&t, "office-9", "on_time_rate"), 0);
	CHECK_EQ_INT(fig(&t, "office-7", "returned"), 1);
	ind_table_release(&t);
	state_release(&st);
	/* Without the return, the extension is office-7's: on time. */
	world_release(&w, &r);
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "postpone-request", d, a, 20, "extend",
		      "1d", "reason", "parts", NULL));
	CHECK_OK(step(&w, &w.centre, "postpone-approve", a, b, 25, NULL));
	CHECK_OK(step(&w, &w.office, "feedback", b, NULL, 1440 + 60, "notes",
		      "done", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	run_set(cfg, IND_UNIT, 2, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(fig(&t, "office-7", "disposed_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "postponements"), 1);
	ind_table_release(&t);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_clock_reopen(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct ind_table t;
	struct deadline dl;
	struct config *cfg = load_cfg();
	uint8_t d[EVENT_ID_BYTES], f[EVENT_ID_BYTES], v[EVENT_ID_BYTES],
		c[EVENT_ID_BYTES], o[EVENT_ID_BYTES];
	world_init(&w, &r);
	CHECK_OK(to_dispatched(&w, d));
	CHECK_OK(step(&w, &w.office, "feedback", d, f, 60, "notes", "1", NULL));
	CHECK_OK(step(&w, &w.centre, "verify-pass", f, v, 70, NULL));
	CHECK_OK(step(&w, &w.centre, "close", v, c, 80, NULL));
	/* Reopened at 10:30; dispatched again at 14:00: the dispatch was
	 * due 11:30, the disposal is due 4 h after the new dispatch. */
	CHECK_OK(step(&w, &w.desk2, "reopen", c, o, 90, "reason", "again",
		      NULL));
	CHECK_OK(step(&w, &w.centre, "dispatch", o, NULL, 300, "unit",
		      "office-7", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_OK(deadline_of(&st, &cfg->cal, 0, &dl));
	CHECK_EQ_INT(dl.start_ms, T0 + 300 * MINUTE);
	CHECK_EQ_INT(dl.due_ms, T0 + 1440 * MINUTE); /* 09:00 the next day */
	run_set(cfg, IND_DISPATCHER, 2, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "dispatched")], 2);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "due")], 2);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "on_time")], 1);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "accurate")], 2);
	/* 0 x 20 + 50 x 40 + 100 x 40 */
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "score")], 600);
	ind_table_release(&t);
	run_set(cfg, IND_UNIT, 2, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(fig(&t, "office-7", "registered"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "due"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "overdue_open"), 1);
	CHECK_EQ_INT(fig(&t, "office-7", "due_to_close"), 2);
	CHECK_EQ_INT(fig(&t, "office-7", "closure_rate"), 5000);
	ind_table_release(&t);
	/* A dispatch never made is nobody's: one "(none)" row. */
	state_release(&st);
	world_release(&w, &r);
	world_init(&w, &r);
	CHECK_OK(step(&w, &w.intake, "report", NULL, f, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where", "x",
		      "desc", "y", "source", "supervisor", NULL));
	CHECK_OK(step(&w, &w.centre, "accept", f, v, 5, NULL));
	CHECK_OK(step(&w, &w.centre, "register", v, NULL, 10, "urgency",
		      "normal", "limit", "4h", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	run_set(cfg, IND_DISPATCHER, 1, &st, 1, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK(strcmp(t.rows[0].key, "(none)") == 0);
	CHECK_EQ_INT(t.rows[0].v[ind_figure(&t, "due")], 1);
	CHECK(t.rows[0].v[ind_figure(&t, "accurate_rate")] == IND_NO_VALUE);
	ind_table_release(&t);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_clock_resolved_unit(void)
{
	struct world w;
	struct roster r;
	struct case_state st;
	struct ind_table t;
	struct config *cfg = load_cfg();
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES], c[EVENT_ID_BYTES],
		d1[EVENT_ID_BYTES], d2[EVENT_ID_BYTES], res[EVENT_ID_BYTES];
	uint8_t deps[3][EVENT_ID_BYTES];
	struct buf body = BUF_INIT;
	struct mp_map m;
	world_init(&w, &r);
	CHECK_OK(step(&w, &w.intake, "report", NULL, a, 0, "class", "06010",
		      "kind", "event", "grid", "310104001001001", "where", "x",
		      "desc", "y", "source", "supervisor", NULL));
	CHECK_OK(step(&w, &w.centre, "accept", a, b, 5, NULL));
	CHECK_OK(step(&w, &w.centre, "register", b, c, 10, "urgency", "normal",
		      "limit", "4h", NULL));
	CHECK_OK(step(&w, &w.centre, "dispatch", c, d1, 15, "unit", "office-7",
		      NULL));
	CHECK_OK(step(&w, &w.desk2, "dispatch", c, d2, 16, "unit", "office-9",
		      NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK_EQ_INT(st.nconflicts, 1);
	/* The shift lead resolves the double dispatch for office-9. */
	mp_map_init(&m);
	mp_put_cstr(mp_map_add(&m, "conflict"), st.conflicts[0].id);
	struct buf *ev = mp_map_add(&m, "events");
	mp_put_array(ev, (uint32_t)st.conflicts[0].nevents);
	for (size_t i = 0; i < st.conflicts[0].nevents; i++)
		mp_put_bin(ev, st.conflicts[0].events[i], EVENT_ID_BYTES);
	mp_put_cstr(mp_map_add(&m, "unit"), "office-9");
	mp_map_finish(&m, &body);
	state_release(&st);
	memcpy(deps[0], w.roster_head, EVENT_ID_BYTES);
	memcpy(deps[1], d1, EVENT_ID_BYTES);
	memcpy(deps[2], d2, EVENT_ID_BYTES);
	CHECK_OK(emit(&w, &w.centre, "c1", "resolve", &body,
		      (const uint8_t(*)[EVENT_ID_BYTES])deps, 3,
		      T0 + 20 * MINUTE, res));
	buf_release(&body);
	CHECK_OK(step(&w, &w.office9, "feedback", res, NULL, 60, "notes",
		      "done", NULL));
	CHECK_OK(fold_world(&w, &r, &st));
	CHECK(strcmp(st.unit, "office-9") == 0);
	CHECK_EQ_INT(st.status, CS_FED_BACK);
	run_set(cfg, IND_UNIT, 1, &st, 1, NULL, 0, NULL, 0, &t);
	/* The disposal is office-9's; office-7 did nothing. */
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(fig(&t, "office-9", "disposed_on_time"), 1);
	ind_table_release(&t);
	state_release(&st);
	config_free(cfg);
	world_release(&w, &r);
}

/* A check (核实) that found the problem: its body holds a bool. */
static int
check_found(struct world *w, const char *case_id, struct author *a,
	    const uint8_t *after, uint8_t *id, int min)
{
	uint8_t deps[2][EVENT_ID_BYTES];
	struct buf body = BUF_INIT;
	struct mp_map m;
	memcpy(deps[0], w->roster_head, EVENT_ID_BYTES);
	memcpy(deps[1], after, EVENT_ID_BYTES);
	mp_map_init(&m);
	mp_put_bool(mp_map_add(&m, "found"), 1);
	mp_map_finish(&m, &body);
	int rc = emit(w, a, case_id, "check", &body,
		      (const uint8_t(*)[EVENT_ID_BYTES])deps, 2,
		      T0 + (uint64_t)min * MINUTE, id);
	buf_release(&body);
	return rc;
}

/* Three cases for the persons, the regions and the district. */
static void
three_cases(struct world *w, struct roster *r, struct case_state st[3])
{
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES], c[EVENT_ID_BYTES];
	/* c1: a patrol report, verified 2 h 20 min after its feedback;
	 * desk 2 registers it, since its reporter's key may not. */
	if (step_of(w, "c1", &w->centre, "report", NULL, a, 0, "class", "06010",
		    "kind", "event", "grid", "310104001001001", "where", "x",
		    "desc", "y", "source", "supervisor", NULL) ||
	    step_of(w, "c1", &w->centre, "accept", a, b, 5, NULL) ||
	    step_of(w, "c1", &w->desk2, "register", b, c, 10, "urgency",
		    "normal", "limit", "4h", NULL) ||
	    step_of(w, "c1", &w->centre, "dispatch", c, a, 15, "unit",
		    "office-7", NULL) ||
	    step_of(w, "c1", &w->office, "feedback", a, b, 60, "notes", "d",
		    NULL) ||
	    step_of(w, "c1", &w->centre, "verify-pass", b, c, 200, NULL) ||
	    step_of(w, "c1", &w->centre, "close", c, NULL, 210, NULL))
		abort();
	/* c2: a hotline report checked late, registered late, cancelled. */
	if (step_of(w, "c2", &w->intake, "report", NULL, a, 0, "class", "06010",
		    "kind", "event", "grid", "310104001001002", "where", "x",
		    "desc", "y", "source", "hotline", NULL) ||
	    check_found(w, "c2", &w->centre, a, b, 100) ||
	    step_of(w, "c2", &w->centre, "accept", b, c, 110, NULL) ||
	    step_of(w, "c2", &w->centre, "register", c, a, 300, "urgency",
		    "normal", "limit", "4h", NULL) ||
	    step_of(w, "c2", &w->centre, "cancel", a, NULL, 310, "reason", "x",
		    NULL))
		abort();
	/* c3: desk 2's patrol report of c2's problem, merged into it. */
	if (step_of(w, "c3", &w->desk2, "report", NULL, a, 1, "class", "06010",
		    "kind", "event", "grid", "310104001001002", "where", "x",
		    "desc", "y", "source", "supervisor", NULL) ||
	    step_of(w, "c3", &w->centre, "merge", a, NULL, 20, "into", "c2",
		    NULL))
		abort();
	if (fold_id(w, r, "c1", &st[0]) || fold_id(w, r, "c2", &st[1]) ||
	    fold_id(w, r, "c3", &st[2]))
		abort();
}

static void
test_sets_persons(void)
{
	struct world w;
	struct roster r;
	struct case_state st[3];
	struct ind_table t;
	struct config *cfg = load_cfg();
	struct member m[3];
	struct grid_cell cells[2] = {
		{ "310104001001001", "c001", "office-01" },
		{ "310104001001002", "c001", "office-01" },
	};
	world_init(&w, &r);
	three_cases(&w, &r, st);
	memset(m, 0, sizeof(m));
	memcpy(m[0].key, key_public(w.centre.k), EVENT_KEY_BYTES);
	snprintf(m[0].name, sizeof(m[0].name), "%s", "centre");
	snprintf(m[0].unit, sizeof(m[0].unit), "%s", "centre");
	m[0].roles = CENTRE_ROLES;
	memcpy(m[1].key, key_public(w.desk2.k), EVENT_KEY_BYTES);
	snprintf(m[1].name, sizeof(m[1].name), "%s", "desk2");
	snprintf(m[1].unit, sizeof(m[1].unit), "%s", "centre");
	m[1].roles = CENTRE_ROLES;
	/* S-9 patrols office-01 and reported nothing: c2 is its miss. */
	memcpy(m[2].key, key_public(w.stranger.k), EVENT_KEY_BYTES);
	snprintf(m[2].name, sizeof(m[2].name), "%s", "S-9");
	snprintf(m[2].unit, sizeof(m[2].unit), "%s", "office-01");
	m[2].roles = ROLE_SUPERVISOR;

	run_set(cfg, IND_SUPERVISOR, 1, st, 3, m, 3, cells, 2, &t);
	CHECK_EQ_INT(t.n, 3);
	/* centre: c1 valid; its check of c2 (100 min) and its verification
	 * of c1 (140 min) late; its beat (c1's cell) had no public report. */
	CHECK_EQ_INT(fig(&t, "centre", "reports"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "valid"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "checks"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "checks_on_time"), 0);
	CHECK_EQ_INT(fig(&t, "centre", "verifications_on_time"), 0);
	CHECK_EQ_INT(fig(&t, "centre", "area_registered"), 0);
	CHECK(fig(&t, "centre", "missed_rate") == IND_NO_VALUE);
	CHECK_EQ_INT(fig(&t, "centre", "score"), 500);
	CHECK_EQ_INT(grade_of(&t, "centre"), 'D');
	/* desk2: c3 merged (not valid), but it reported c2's problem. */
	CHECK_EQ_INT(fig(&t, "desk2", "valid_rate"), 0);
	CHECK_EQ_INT(fig(&t, "desk2", "area_registered"), 1);
	CHECK_EQ_INT(fig(&t, "desk2", "missed"), 0);
	CHECK_EQ_INT(fig(&t, "desk2", "missed_score"), 1000);
	CHECK_EQ_INT(fig(&t, "desk2", "score"), 333);
	/* S-9: its unit names office-01, whose c2 it never reported. */
	CHECK_EQ_INT(fig(&t, "S-9", "reports"), 0);
	CHECK(fig(&t, "S-9", "valid_rate") == IND_NO_VALUE);
	CHECK_EQ_INT(fig(&t, "S-9", "missed"), 1);
	CHECK_EQ_INT(fig(&t, "S-9", "missed_rate"), 10000);
	CHECK_EQ_INT(fig(&t, "S-9", "score"), 0);
	CHECK_EQ_INT(grade_of(&t, "S-9"), 'E');
	ind_table_release(&t);

	run_set(cfg, IND_OPERATOR, 1, st, 3, m, 3, cells, 2, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(fig(&t, "centre", "accepted"), 2);
	CHECK_EQ_INT(fig(&t, "centre", "verify_tasks_on_time"), 2);
	CHECK(fig(&t, "centre", "check_task_on_time_rate") == IND_NO_VALUE);
	CHECK_EQ_INT(fig(&t, "centre", "score"), 615); /* 100 x 40 / 65 */
	ind_table_release(&t);

	run_set(cfg, IND_SHIFT_LEAD, 1, st, 3, m, 3, cells, 2, &t);
	/* centre: c2 registered late, then cancelled; c1 closed on time:
	 * 0 x 25 + 0 x 40 + 100 x 35. */
	CHECK_EQ_INT(fig(&t, "centre", "registered"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "registered_on_time"), 0);
	CHECK_EQ_INT(fig(&t, "centre", "cancelled"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "accurate_rate"), 0);
	CHECK_EQ_INT(fig(&t, "centre", "closed_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "centre", "score"), 350);
	CHECK_EQ_INT(grade_of(&t, "centre"), 'E');
	/* desk2: c1 registered on time, accurate; it closed nothing, so
	 * the closure part has no value: (100 x 25 + 100 x 40) / 65. */
	CHECK_EQ_INT(fig(&t, "desk2", "registered"), 1);
	CHECK_EQ_INT(fig(&t, "desk2", "registered_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "desk2", "accurate_rate"), 10000);
	CHECK(fig(&t, "desk2", "closed_on_time_rate") == IND_NO_VALUE);
	CHECK_EQ_INT(fig(&t, "desk2", "score"), 1000);
	CHECK_EQ_INT(grade_of(&t, "desk2"), 'A');
	ind_table_release(&t);
	for (int i = 0; i < 3; i++)
		state_release(&st[i]);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_sets_regions(void)
{
	struct world w;
	struct roster r;
	struct case_state st[3];
	struct ind_table t;
	struct config *cfg = load_cfg();
	struct grid_cell cells[1] = { { "310104001001001", "c001",
					"office-01" } };
	world_init(&w, &r);
	three_cases(&w, &r, st);
	run_set(cfg, IND_STREET, 1, st, 3, NULL, 0, cells, 1, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK(strcmp(t.rows[0].name, "office-01") == 0);
	CHECK_EQ_INT(fig(&t, "310104001", "public_verified"), 1);
	CHECK_EQ_INT(fig(&t, "310104001", "registered"), 2);
	CHECK_EQ_INT(fig(&t, "310104001", "due"), 1);
	CHECK_EQ_INT(fig(&t, "310104001", "closed_on_time"), 1);
	CHECK_EQ_INT(fig(&t, "310104001", "public_report_rate"), 5000);
	CHECK_EQ_INT(fig(&t, "310104001", "score"), 850);
	ind_table_release(&t);
	run_set(cfg, IND_GRID, 1, st, 3, NULL, 0, cells, 1, &t);
	CHECK_EQ_INT(t.n, 2);
	CHECK_EQ_INT(fig(&t, "310104001001002", "registered"), 1);
	CHECK(fig(&t, "310104001001002", "closure_rate") == IND_NO_VALUE);
	CHECK_EQ_INT(grade_of(&t, "310104001001002"), '-');
	ind_table_release(&t);
	run_set(cfg, IND_DISTRICT, 1, st, 3, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(fig(&t, "district", "reported"), 3);
	CHECK_EQ_INT(fig(&t, "district", "supervisor_found"), 1);
	CHECK_EQ_INT(fig(&t, "district", "discovery_rate"), 5000);
	CHECK_EQ_INT(fig(&t, "district", "disposal_rate"), 10000);
	CHECK_EQ_INT(fig(&t, "district", "avg_disposal_minutes"), 45);
	ind_table_release(&t);
	/* A district with nothing: one row, and no value is no value. */
	run_set(cfg, IND_DISTRICT, 1, st, 0, NULL, 0, NULL, 0, &t);
	CHECK_EQ_INT(t.n, 1);
	CHECK_EQ_INT(fig(&t, "district", "due"), 0);
	CHECK(fig(&t, "district", "disposal_rate") == IND_NO_VALUE);
	CHECK(fig(&t, "district", "avg_disposal_minutes") == IND_NO_VALUE);
	CHECK(fig(&t, "district", "median_disposal_minutes") == IND_NO_VALUE);
	ind_table_release(&t);
	for (int i = 0; i < 3; i++)
		state_release(&st[i]);
	config_free(cfg);
	world_release(&w, &r);
}

static void
test_sets_names(void)
{
	enum ind_set s;
	struct ind_acc *acc;
	struct config *cfg = load_cfg();
	for (int i = 0; i < IND_SET_COUNT; i++) {
		CHECK_OK(ind_set_parse(ind_set_name((enum ind_set)i), &s));
		CHECK_EQ_INT(s, i);
	}
	CHECK_ERR(ind_set_parse("mayor", &s), ERR_INVAL);
	CHECK_ERR(ind_acc_new(cfg, T0, T0, IND_UNIT, &acc, NULL), ERR_INVAL);
	config_free(cfg);
}

/* A calendar.set body whose one work period is hours. */
static void
calendar_body(struct buf *out, const char *hours)
{
	buf_init(out);
	mp_put_map(out, 2);
	mp_put_cstr(out, "calendar");
	mp_put_map(out, 1);
	mp_put_cstr(out, "work_hours");
	mp_put_array(out, 1);
	mp_put_cstr(out, hours);
	mp_put_cstr(out, "reason");
	mp_put_cstr(out, "");
}

/* Emits a roster event and reads the roster again. */
static int
roster_emit(struct world *w, struct roster *r, struct author *a,
	    const char *type, struct buf *body, const uint8_t *dep,
	    uint64_t time_ms, uint8_t id[EVENT_ID_BYTES])
{
	struct case_source src;
	const uint8_t(*deps)[EVENT_ID_BYTES] =
		(const uint8_t(*)[EVENT_ID_BYTES])dep;
	int rc = emit(w, a, ROSTER_CASE, type, body, deps, 1, time_ms, id);
	buf_release(body);
	w->gen++;
	w_source(w, &src);
	return rc ? rc : roster_refresh(r, &src);
}

static void
test_published_settings_last_that_counts_wins(void)
{
	struct world w;
	struct roster r;
	struct author admin2 = { 0 };
	uint8_t head[EVENT_ID_BYTES], a[EVENT_ID_BYTES], b[EVENT_ID_BYTES],
		c[EVENT_ID_BYTES], x[EVENT_ID_BYTES];
	struct buf body;
	world_init(&w, &r);
	admin2.k = key_generate();
	CHECK_OK(add_member(&w, &admin2, "admin2", ROLE_ADMIN));
	memcpy(head, w.roster_head, EVENT_ID_BYTES);
	/* a (admin2) and b (the genesis admin) do not see each other: the
	 * later clock wins, though b is the senior admin's. */
	calendar_body(&body, "09:00-11:00");
	CHECK_OK(roster_emit(&w, &r, &admin2, ROSTER_CALENDAR_SET, &body, head,
			     T0 + 10 * MINUTE, a));
	calendar_body(&body, "08:00-12:00");
	CHECK_OK(roster_emit(&w, &r, &w.admin, ROSTER_CALENDAR_SET, &body, head,
			     T0 + 5 * MINUTE, b));
	CHECK(roster_setting(&r, RS_CALENDAR) != NULL);
	CHECK_EQ_MEM(roster_setting(&r, RS_CALENDAR)->id, a, EVENT_ID_BYTES);
	CHECK(roster_setting(&r, RS_LIMITS) == NULL);
	CHECK(roster_setting(&r, RS_GRID) == NULL);
	/* c saw a and has the same time: its lamport puts it after. */
	calendar_body(&body, "10:00-11:00");
	CHECK_OK(roster_emit(&w, &r, &w.admin, ROSTER_CALENDAR_SET, &body, a,
			     T0 + 10 * MINUTE, c));
	CHECK_EQ_MEM(roster_setting(&r, RS_CALENDAR)->id, c, EVENT_ID_BYTES);
	/* The genesis admin revokes admin2 before any of its changes: a and
	 * admin2's latest publish count for nothing, c stands. */
	roster_revoke_body(key_public(admin2.k), 0, "left", &body);
	CHECK_OK(roster_emit(&w, &r, &w.admin, ROSTER_REVOKE, &body, c,
			     T0 + 11 * MINUTE, x));
	calendar_body(&body, "07:00-08:00");
	CHECK_OK(roster_emit(&w, &r, &admin2, ROSTER_CALENDAR_SET, &body, a,
			     T0 + 99 * MINUTE, x));
	CHECK_EQ_INT(roster_change_find(&r, x)->why_void, RV_REVOKED);
	CHECK_EQ_INT(roster_change_find(&r, a)->why_void, RV_REVOKED);
	CHECK_EQ_MEM(roster_setting(&r, RS_CALENDAR)->id, c, EVENT_ID_BYTES);
	/* A calendar that does not read counts for nothing either. */
	calendar_body(&body, "12:00-09:00");
	CHECK_OK(roster_emit(&w, &r, &w.admin, ROSTER_CALENDAR_SET, &body, c,
			     T0 + 200 * MINUTE, x));
	CHECK_EQ_INT(roster_change_find(&r, x)->why_void, RV_UNREADABLE);
	CHECK_EQ_MEM(roster_setting(&r, RS_CALENDAR)->id, c, EVENT_ID_BYTES);
	/* Settings change no member: admin2 is still revoked, and the
	 * members' changes in force do not count them. */
	CHECK(roster_lookup(&r, key_public(admin2.k), 0) == NULL);
	CHECK_EQ_INT(roster_changes_in_force(&r), 8); /* with the intake */
	key_free(admin2.k);
	world_release(&w, &r);
}

static const struct test tests[] = {
	{ "of the published settings, the last that counts is in force",
	  test_published_settings_last_that_counts_wins },
	{ "a case folds from events in memory, with no store",
	  test_fold_without_store },
	{ "folding the same events twice gives the same bytes",
	  test_fold_twice_same_bytes },
	{ "two concurrent dispatches are a double-dispatch conflict",
	  test_fold_double_dispatch },
	{ "an event by a key not in the roster is kept and not applied",
	  test_fold_unauthorized },
	{ "a forked author's events from its fork on do not count",
	  test_fold_forked_author },
	{ "an error of the source is the fold's error",
	  test_fold_source_error },
	{ "the workflow judges state, role and fields", test_workflow_check },
	{ "a dispatch to a unit the roster lacks is not applied",
	  test_fold_unknown_unit },
	{ "the key that disposed may not verify: a separation conflict",
	  test_fold_separation },
	{ "the key that reported may not register: a separation conflict",
	  test_fold_report_register_separation },
	{ "the workflow table is consistent", test_workflow_table },
	{ "a state decodes to what was encoded", test_state_round_trip },
	{ "deadline and evaluation of a case on time", test_deadline_and_eval },
	{ "a returned case: the office is judged on its return, the next unit from its dispatch",
	  test_clock_return },
	{ "rework is due anew from the failed verification",
	  test_clock_rework },
	{ "an extension stays with the unit that asked", test_clock_extension },
	{ "a reopened case: the dispatch and the disposal are due from the reopening",
	  test_clock_reopen },
	{ "a double dispatch resolved for the other unit is that unit's clock",
	  test_clock_resolved_unit },
	{ "supervisor, operator and shift lead figures", test_sets_persons },
	{ "region and district figures; no value is no value",
	  test_sets_regions },
	{ "the sets by name", test_sets_names },
};

TEST_MAIN(tests)

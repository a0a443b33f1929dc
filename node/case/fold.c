/*
 * fold.c - the deterministic replay of a case (see fold.h).  The view the
 * store keeps for a case (state bytes and index keys) is node/view.c's.
 */
#include "node/case/fold.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/roster.h"
#include "node/case/state.h"
#include "node/case/workflow.h"
#include "common/banned.h"

#define CONFLICT_TAG "gridcase/conflict/v1"

/* One event of the case, decoded, with its causal past in the case. */
struct fev {
	struct buf bytes; /* the envelope; ev points into it */
	struct envelope env;
	struct event ev;
	const struct action_def *a;
	uint64_t *anc;  /* bit j: event j is in this event's causal past */
	uint64_t *rset; /* the roster changes in its causal past */
	int counts;    /* 0: a forked author's event after its fork */
	int applied;
};

struct replay {
	struct fev *e;
	size_t n, cap;
	size_t words; /* uint64_t words per ancestor bitset */
	/* Which event last did what, for the concurrency rules (-1: none). */
	long status_ev, assign_ev, reopen_ev, close_ev, merge_ev, approve_ev;
	long amend_ev[5];
};

static int
collect(const uint8_t *p, size_t n, void *ctx)
{
	struct replay *r = ctx;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
	}
	struct fev *f = &r->e[r->n];
	size_t used;
	memset(f, 0, sizeof(*f));
	buf_init(&f->bytes);
	buf_add(&f->bytes, p, n);
	/* Stored events were verified on the way in. */
	if (envelope_read(f->bytes.data, f->bytes.len, &f->env, &used, NULL) ||
	    event_decode_known(f->env.event, f->env.event_len, &f->ev)) {
		buf_release(&f->bytes);
		return ERR_CORRUPT;
	}
	f->a = workflow_action(f->ev.type, f->ev.type_len);
	r->n++;
	return 0;
}

static void
replay_release(struct replay *r)
{
	for (size_t i = 0; i < r->n; i++) {
		buf_release(&r->e[i].bytes);
		free(r->e[i].anc);
		free(r->e[i].rset);
	}
	free(r->e);
}

/* An event's id and its place in replay order: the lookup table. */
struct id_at {
	const uint8_t *id;
	size_t i;
};

static int
id_at_cmp(const void *a, const void *b)
{
	return memcmp(((const struct id_at *)a)->id,
		      ((const struct id_at *)b)->id, EVENT_ID_BYTES);
}

/* The replay index of id, or -1: a binary search, so that a long case
 * costs n log n here and not n^2. */
static long
find_event(const struct id_at *ids, size_t n, const uint8_t *id)
{
	struct id_at key = { id, 0 };
	const struct id_at *hit = bsearch(&key, ids, n, sizeof(*ids), id_at_cmp);
	return hit ? (long)hit->i : -1;
}

/*
 * Ancestor sets through deps (deps come earlier in replay order), and the
 * roster each event saw: the roster changes among its deps and its
 * ancestors', with their causal past (roster heads are deps of every
 * event).
 */
static void
compute_ancestors(struct replay *r, const struct roster *roster)
{
	struct id_at *ids = xcalloc(r->n ? r->n : 1, sizeof(*ids));
	for (size_t i = 0; i < r->n; i++) {
		ids[i].id = r->e[i].env.id;
		ids[i].i = i;
	}
	qsort(ids, r->n, sizeof(*ids), id_at_cmp);
	r->words = (r->n + 63) / 64;
	for (size_t i = 0; i < r->n; i++) {
		struct fev *f = &r->e[i];
		f->anc = xcalloc(r->words ? r->words : 1, sizeof(uint64_t));
		f->rset = roster_set_new(roster);
		for (size_t k = 0; k < f->ev.ndeps; k++) {
			long j = find_event(ids, r->n, f->ev.deps[k]);
			if (j < 0) {
				(void)roster_set_add(roster, f->rset, f->ev.deps[k]);
				continue;
			}
			if ((size_t)j >= i)
				continue;
			roster_set_merge(roster, f->rset, r->e[j].rset);
			f->anc[j / 64] |= 1ull << (j % 64);
			for (size_t w = 0; w < r->words; w++)
				f->anc[w] |= r->e[j].anc[w];
		}
	}
	free(ids);
}

static int
is_ancestor(const struct replay *r, long j, size_t i)
{
	return j >= 0 && (r->e[i].anc[j / 64] >> (j % 64) & 1);
}

/* j happened and i did not see it. */
static int
concurrent(const struct replay *r, long j, size_t i)
{
	return j >= 0 && (size_t)j != i && !is_ancestor(r, j, i);
}

/*
 * The event's author had seen everything replayed before it.  Events not
 * applied count too: some still leave a mark (a disposal record, an
 * extension, a conflict record).
 */
static int
sees_all_before(const struct replay *r, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (r->e[j].counts && !is_ancestor(r, (long)j, i))
			return 0;
	return 1;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

/* Records a conflict (once: its id is a hash of kind and events). */
static void
add_conflict(struct case_state *st, const char *kind, const uint8_t *a,
	     const uint8_t *b)
{
	uint8_t ids[2][EVENT_ID_BYTES], h[HASH_BYTES];
	size_t n = 0;
	struct hasher hs;

	memcpy(ids[n++], a, EVENT_ID_BYTES);
	if (b && memcmp(a, b, EVENT_ID_BYTES) != 0)
		memcpy(ids[n++], b, EVENT_ID_BYTES);
	qsort(ids, n, EVENT_ID_BYTES, id_cmp);
	hash_lib_init();
	hash_init(&hs);
	hash_update(&hs, CONFLICT_TAG, strlen(CONFLICT_TAG));
	hash_update(&hs, kind, strlen(kind) + 1);
	hash_update(&hs, ids, n * EVENT_ID_BYTES);
	hash_final(&hs, h);
	char id[17];
	hex_encode(h, 8, id);
	for (size_t i = 0; i < st->nconflicts; i++)
		if (strcmp(st->conflicts[i].id, id) == 0)
			return;
	st->conflicts = xrealloc(st->conflicts,
				 (st->nconflicts + 1) * sizeof(*st->conflicts));
	struct conflict *c = &st->conflicts[st->nconflicts++];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, sizeof(id));
	state_copy_name(c->kind, sizeof(c->kind), kind, strlen(kind));
	c->events = xcalloc(n, EVENT_ID_BYTES);
	memcpy(c->events, ids, n * EVENT_ID_BYTES);
	c->nevents = n;
}

/* ---- reading the body ---- */

static void
body_copy(const struct event *ev, const char *key, char *out, size_t cap)
{
	struct mp_reader r, v;
	const char *s;
	size_t n;
	out[0] = '\0';
	mp_reader_init(&r, ev->body, ev->body_len, NULL);
	if (mp_map_find(&r, key, &v) == 0 && mp_get_str(&v, &s, &n) == 0)
		state_copy_name(out, cap, s, n);
}

static char *
body_text(const struct event *ev, const char *key)
{
	struct mp_reader r, v;
	const char *s;
	size_t n;
	mp_reader_init(&r, ev->body, ev->body_len, NULL);
	if (mp_map_find(&r, key, &v) == 0 && mp_get_str(&v, &s, &n) == 0)
		return xstrndup(s, n);
	return xstrdup("");
}

/* The person who acted: the body's "by", else the member's name. */
static void
actor(const struct event *ev, const struct member *m, char *out, size_t cap)
{
	body_copy(ev, "by", out, cap);
	if (!out[0] && m)
		state_copy_name(out, cap, m->name, strlen(m->name));
}

static void
add_extension(struct case_state *st, const char *ext)
{
	size_t n = strlen(ext);
	if (n < 2)
		return;
	uint32_t v = (uint32_t)strtoul(ext, NULL, 10);
	if (ext[n - 1] == 'h')
		st->ext_hours += v;
	else if (ext[n - 1] == 'd')
		st->ext_days += v;
}

static void
record_disposal(struct case_state *st, const struct fev *f,
		const struct member *m, int feedback, int current)
{
	st->disposals = xrealloc(st->disposals, (st->ndisposals + 1) *
							sizeof(*st->disposals));
	struct disposal *x = &st->disposals[st->ndisposals++];
	memset(x, 0, sizeof(*x));
	memcpy(x->event, f->env.id, EVENT_ID_BYTES);
	memcpy(x->key, f->ev.author, EVENT_KEY_BYTES);
	if (m)
		state_copy_name(x->unit, sizeof(x->unit), m->unit,
				strlen(m->unit));
	actor(&f->ev, m, x->by, sizeof(x->by));
	x->at = f->ev.time_ms;
	x->feedback = feedback;
	x->current = current;
}

/* Puts an applied step on record for the evaluation (state.h). */
static void
record_step(struct case_state *st, const struct fev *f, const char *arg)
{
	if (st->nsteps % 16 == 0)
		st->steps = xrealloc(st->steps,
				     (st->nsteps + 16) * sizeof(*st->steps));
	struct step *x = &st->steps[st->nsteps++];
	memset(x, 0, sizeof(*x));
	x->act = (uint8_t)f->a->act;
	x->at = f->ev.time_ms;
	memcpy(x->key, f->ev.author, EVENT_KEY_BYTES);
	state_copy_name(x->arg, sizeof(x->arg), arg, strlen(arg));
}

static int
amend_slot(const struct event *ev)
{
	static const char *fields[] = { "where", "desc", "grid", "class",
					"urgency" };
	char field[16];
	body_copy(ev, "field", field, sizeof(field));
	for (int i = 0; i < 5; i++)
		if (strcmp(field, fields[i]) == 0)
			return i;
	return -1;
}

/* ---- applying a valid event ---- */

static void
apply_report(struct case_state *st, const struct fev *f, const struct member *m)
{
	struct mp_reader r, v;
	uint32_t n;
	body_copy(&f->ev, "kind", st->kind, sizeof(st->kind));
	body_copy(&f->ev, "class", st->code, sizeof(st->code));
	body_copy(&f->ev, "standard", st->standard, sizeof(st->standard));
	body_copy(&f->ev, "grid", st->grid, sizeof(st->grid));
	body_copy(&f->ev, "source", st->source, sizeof(st->source));
	body_copy(&f->ev, "component", st->component, sizeof(st->component));
	free(st->where);
	free(st->desc);
	st->where = body_text(&f->ev, "where");
	st->desc = body_text(&f->ev, "desc");
	mp_reader_init(&r, f->ev.body, f->ev.body_len, NULL);
	if (mp_map_find(&r, "position", &v) == 0 && mp_get_array(&v, &n) == 0 &&
	    n == 2 && mp_get_int(&v, &st->lat_e6) == 0 &&
	    mp_get_int(&v, &st->lon_e6) == 0)
		st->has_pos = 1;
	actor(&f->ev, m, st->reporter, sizeof(st->reporter));
	memcpy(st->reporter_key, f->ev.author, EVENT_KEY_BYTES);
	st->reported_at = f->ev.time_ms;
}

static void
apply_amend(struct case_state *st, const struct event *ev)
{
	char field[16], value[80];
	body_copy(ev, "field", field, sizeof(field));
	body_copy(ev, "value", value, sizeof(value));
	if (strcmp(field, "where") == 0) {
		free(st->where);
		st->where = body_text(ev, "value");
	} else if (strcmp(field, "desc") == 0) {
		free(st->desc);
		st->desc = body_text(ev, "value");
	} else if (strcmp(field, "grid") == 0) {
		state_copy_name(st->grid, sizeof(st->grid), value, strlen(value));
	} else if (strcmp(field, "urgency") == 0) {
		state_copy_name(st->urgency, sizeof(st->urgency), value,
				strlen(value));
	} else if (strcmp(field, "class") == 0) {
		char *colon = strchr(value, ':');
		if (colon) {
			*colon = '\0';
			state_copy_name(st->kind, sizeof(st->kind), value,
					strlen(value));
			state_copy_name(st->code, sizeof(st->code), colon + 1,
					strlen(colon + 1));
		}
	}
	st->amendments++;
}

static void
apply_resolve(struct case_state *st, const struct fev *f)
{
	char cid[24], outcome[24], unit[STATE_NAME_MAX + 1];
	body_copy(&f->ev, "conflict", cid, sizeof(cid));
	body_copy(&f->ev, "outcome", outcome, sizeof(outcome));
	body_copy(&f->ev, "unit", unit, sizeof(unit));
	for (size_t i = 0; i < st->nconflicts; i++) {
		struct conflict *c = &st->conflicts[i];
		if (strcmp(c->id, cid) != 0)
			continue;
		c->resolved = 1;
		memcpy(c->resolved_by, f->env.id, EVENT_ID_BYTES);
		/* The choices a resolution may make. */
		if (unit[0] && strcmp(c->kind, "double-dispatch") == 0) {
			state_copy_name(st->unit, sizeof(st->unit), unit,
					strlen(unit));
			st->team[0] = '\0';
		}
		if (strcmp(outcome, "closed") == 0 &&
		    strcmp(c->kind, "close-reopen") == 0) {
			st->status = CS_CLOSED;
			st->closed_at = f->ev.time_ms;
		}
	}
}

/* The report and its intake: check, accept, refuse, register. */
static void
apply_intake(struct case_state *st, struct replay *r, size_t i,
	     const struct member *m)
{
	struct fev *f = &r->e[i];
	const struct event *ev = &f->ev;
	uint64_t t = ev->time_ms;

	switch (f->a->act) {
	case ACT_REPORT:
		apply_report(st, f, m);
		break;
	case ACT_CHECK: {
		struct mp_reader rd, v;
		int found = 1;
		mp_reader_init(&rd, ev->body, ev->body_len, NULL);
		if (mp_map_find(&rd, "found", &v) == 0)
			(void)!mp_get_bool(&v, &found);
		st->checked = 1;
		st->check_found = found;
		st->checked_at = t;
		break;
	}
	case ACT_ACCEPT: st->accepted_at = t; break;
	case ACT_REFUSE: st->refused_at = t; break;
	case ACT_REGISTER:
		st->registered_at = t;
		body_copy(ev, "urgency", st->urgency, sizeof(st->urgency));
		body_copy(ev, "limit", st->limit, sizeof(st->limit));
		break;
	default: BUG_ON(1);
	}
}

/* Dispatch and the work of the unit, and the exceptions it asks for. */
static void
apply_work(struct case_state *st, struct replay *r, size_t i,
	   const struct member *m)
{
	struct fev *f = &r->e[i];
	const struct event *ev = &f->ev;
	uint64_t t = ev->time_ms;
	char ext[12];

	switch (f->a->act) {
	case ACT_DISPATCH:
		body_copy(ev, "unit", st->unit, sizeof(st->unit));
		st->team[0] = '\0';
		st->dispatched_at = st->clock_at = t;
		/* The previous unit's extensions end with its dispatch. */
		st->ext_hours = st->ext_days = 0;
		st->dispatches++;
		st->pending_extend[0] = '\0';
		st->suspend_pending = 0;
		r->assign_ev = (long)i;
		break;
	case ACT_ASSIGN:
		body_copy(ev, "team", st->team, sizeof(st->team));
		r->assign_ev = (long)i;
		break;
	case ACT_RETURN:
		st->returns++;
		st->unit[0] = st->team[0] = '\0';
		st->pending_extend[0] = '\0';
		st->suspend_pending = 0;
		r->assign_ev = (long)i;
		break;
	case ACT_DISPOSE:
		record_disposal(st, f, m, 0, 1);
		break;
	case ACT_FEEDBACK:
		record_disposal(st, f, m, 1, 1);
		st->fed_back_at = t;
		if (!st->first_fed_back_at)
			st->first_fed_back_at = t;
		actor(ev, m, st->fed_back_by, sizeof(st->fed_back_by));
		break;
	case ACT_POSTPONE_REQUEST:
		body_copy(ev, "extend", st->pending_extend,
			  sizeof(st->pending_extend));
		break;
	case ACT_POSTPONE_APPROVE:
		body_copy(ev, "extend", ext, sizeof(ext));
		if (!ext[0])
			snprintf(ext, sizeof(ext), "%s", st->pending_extend);
		add_extension(st, ext);
		record_step(st, f, ext);
		st->postponements++;
		st->pending_extend[0] = '\0';
		r->approve_ev = (long)i;
		break;
	case ACT_POSTPONE_DENY: st->pending_extend[0] = '\0'; break;
	case ACT_SUSPEND_REQUEST: st->suspend_pending = 1; break;
	case ACT_SUSPEND_APPROVE:
		st->suspend_pending = 0;
		st->suspensions++;
		st->suspended = xrealloc(st->suspended, (st->nsuspended + 1) *
							      sizeof(*st->suspended));
		st->suspended[st->nsuspended].start = t;
		st->suspended[st->nsuspended++].end = 0;
		break;
	case ACT_RESUME:
		if (st->nsuspended)
			st->suspended[st->nsuspended - 1].end = t;
		break;
	default: BUG_ON(1);
	}
}

/* Verification, closure and what comes after: reopen, merge, amend,
 * resolve. */
static void
apply_outcome(struct case_state *st, struct replay *r, size_t i)
{
	struct fev *f = &r->e[i];
	const struct event *ev = &f->ev;
	uint64_t t = ev->time_ms;

	switch (f->a->act) {
	case ACT_VERIFY_PASS: st->verified_at = t; break;
	case ACT_VERIFY_FAIL:
		/* Rework is due anew from the moment it was sent back. */
		st->reworks++;
		st->clock_at = t;
		break;
	case ACT_CLOSE:
		st->closed_at = t;
		r->close_ev = (long)i;
		break;
	case ACT_CANCEL: st->cancelled_at = t; break;
	case ACT_REOPEN:
		st->reopens++;
		st->unit[0] = st->team[0] = '\0';
		st->verified_at = st->closed_at = st->fed_back_at = 0;
		r->reopen_ev = (long)i;
		break;
	case ACT_MERGE:
		body_copy(ev, "into", st->merged_into, sizeof(st->merged_into));
		r->merge_ev = (long)i;
		break;
	case ACT_AMEND: {
		int slot = amend_slot(ev);
		apply_amend(st, ev);
		if (slot >= 0)
			r->amend_ev[slot] = (long)i;
		break;
	}
	case ACT_RESOLVE:
		apply_resolve(st, f);
		break;
	default: BUG_ON(1);
	}
}

static void
apply(struct case_state *st, struct replay *r, size_t i, const struct member *m)
{
	struct fev *f = &r->e[i];
	uint64_t t = f->ev.time_ms;
	char unit_before[STATE_NAME_MAX + 1];

	memcpy(unit_before, st->unit, sizeof(unit_before));
	switch (f->a->act) {
	case ACT_REPORT:
	case ACT_CHECK:
	case ACT_ACCEPT:
	case ACT_REFUSE:
	case ACT_REGISTER: apply_intake(st, r, i, m); break;
	case ACT_DISPATCH:
	case ACT_ASSIGN:
	case ACT_RETURN:
	case ACT_DISPOSE:
	case ACT_FEEDBACK:
	case ACT_POSTPONE_REQUEST:
	case ACT_POSTPONE_APPROVE:
	case ACT_POSTPONE_DENY:
	case ACT_SUSPEND_REQUEST:
	case ACT_SUSPEND_APPROVE:
	case ACT_RESUME: apply_work(st, r, i, m); break;
	case ACT_VERIFY_PASS:
	case ACT_VERIFY_FAIL:
	case ACT_CLOSE:
	case ACT_CANCEL:
	case ACT_REOPEN:
	case ACT_MERGE:
	case ACT_AMEND:
	case ACT_RESOLVE: apply_outcome(st, r, i); break;
	case ACT_COUNT:
		BUG_ON(1);
	}
	if (f->a->act == ACT_DISPATCH)
		record_step(st, f, st->unit);
	else if (f->a->act == ACT_CHECK)
		record_step(st, f, st->check_found ? "found" : "not-found");
	else if (f->a->act == ACT_RESOLVE && strcmp(unit_before, st->unit) != 0)
		record_step(st, f, st->unit); /* the unit a resolution chose */
	else if (f->a->act != ACT_POSTPONE_APPROVE)
		record_step(st, f, "");
	if (f->a->to >= 0) {
		st->status = (enum case_status)f->a->to;
		r->status_ev = (long)i;
	}
	if (t > st->last_at)
		st->last_at = t;
	f->applied = 1;
}

/*
 * An event that does not fit the state it meets, and did not see
 * everything before it: the concurrency rules of docs/workflow.md.
 */
static void
reconcile(struct case_state *st, struct replay *r, size_t i,
	  const struct member *m, int rc)
{
	struct fev *f = &r->e[i];
	const uint8_t *id = f->env.id;
	long other = r->status_ev;

	switch (f->a->act) {
	case ACT_DISPOSE:
	case ACT_FEEDBACK:
		/* (a) Disposal work is never lost: the record is kept even
		 * when the case moved to another unit, or on, meanwhile. */
		record_disposal(st, f, m, f->a->act == ACT_FEEDBACK, 0);
		if (concurrent(r, r->assign_ev, i)) {
			add_conflict(st, "dispatch-disposal",
				     r->e[r->assign_ev].env.id, id);
			return;
		}
		break;
	case ACT_DISPATCH:
		/* (b) Two dispatches: the first in replay order stands
		 * until a resolution names the unit. */
		if (concurrent(r, r->assign_ev, i)) {
			add_conflict(st, "double-dispatch",
				     r->e[r->assign_ev].env.id, id);
			return;
		}
		break;
	case ACT_CLOSE:
		/* (c) A reopen the close did not see wins: no complaint is
		 * lost. */
		if (concurrent(r, r->reopen_ev, i)) {
			add_conflict(st, "close-reopen",
				     r->e[r->reopen_ev].env.id, id);
			return;
		}
		break;
	case ACT_MERGE:
		/* (e) Merged twice: the same target is no conflict. */
		if (st->status == CS_MERGED && concurrent(r, r->merge_ev, i)) {
			char into[STATE_NAME_MAX + 1];
			body_copy(&f->ev, "into", into, sizeof(into));
			if (strcmp(into, st->merged_into) != 0)
				add_conflict(st, "merge",
					     r->e[r->merge_ev].env.id, id);
			return;
		}
		break;
	case ACT_RESOLVE: {
		/* Two resolutions of one conflict at once: the first stands,
		 * the second contradicts nothing. */
		char cid[24];
		body_copy(&f->ev, "conflict", cid, sizeof(cid));
		for (size_t k = 0; k < st->nconflicts; k++)
			if (strcmp(st->conflicts[k].id, cid) == 0 &&
			    st->conflicts[k].resolved)
				return;
		break;
	}
	case ACT_POSTPONE_APPROVE: {
		/* (f) Approved while the case was closing: the approval
		 * still moves the deadline, the closure stands. */
		char ext[12];
		body_copy(&f->ev, "extend", ext, sizeof(ext));
		if (!ext[0])
			snprintf(ext, sizeof(ext), "%s", st->pending_extend);
		add_extension(st, ext);
		if (ext[0]) {
			st->postponements++;
			record_step(st, f, ext);
		}
		st->pending_extend[0] = '\0';
		other = concurrent(r, r->close_ev, i) ? r->close_ev : r->status_ev;
		add_conflict(st, "postpone-close",
			     other >= 0 ? r->e[other].env.id : id, id);
		return;
	}
	default:
		break;
	}
	/* The same step taken twice concurrently (two supervisors both
	 * verifying): the second adds nothing and contradicts nothing. */
	if (other >= 0 && r->e[other].a == f->a && concurrent(r, other, i))
		return;
	(void)rc;
	add_conflict(st, "concurrent", other >= 0 ? r->e[other].env.id : id, id);
}

/* The units of an event's own roster (workflow_ctx.unit_known). */
struct unit_view {
	struct roster *roster;
	const uint64_t *rset;
};

static int
unit_in_view(void *arg, const char *unit)
{
	const struct unit_view *u = arg;
	return roster_has_unit(u->roster, u->rset, unit);
}

static void
replay(struct case_state *st, struct replay *r, struct roster *roster)
{
	for (size_t i = 0; i < r->n; i++) {
		struct fev *f = &r->e[i];
		struct mp_reader body;
		struct diag why;
		if (!f->counts)
			continue;
		st->events++;
		if (!f->a) {
			add_conflict(st, "unknown-type", f->env.id, NULL);
			st->unapplied++;
			continue;
		}
		/* Roles from the roster its author saw, revocations from
		 * every one in force (docs/workflow.md §6). */
		const struct member *m = roster_member_at(roster, f->rset, 0,
							  f->ev.author, f->ev.seq);
		mp_reader_init(&body, f->ev.body, f->ev.body_len, NULL);
		int role_ok = m && (m->roles & f->a->roles);
		if (role_ok && workflow_separation(st, f->a, f->ev.author, &why)) {
			/* 监管分离: a node changed to sign it anyway makes
			 * evidence, not a step. */
			st->unapplied++;
			add_conflict(st, "separation", f->env.id, NULL);
			continue;
		}
		struct unit_view uv = { roster, f->rset };
		struct workflow_ctx ctx = { f->ev.author, unit_in_view, &uv };
		int rc = workflow_check(st, f->a, m, &ctx, &body, &why);
		if (rc == 0) {
			/* Valid, but some valid pairs still need a record. */
			if (f->a->act == ACT_REOPEN && st->status == CS_CLOSED &&
			    concurrent(r, r->close_ev, i))
				add_conflict(st, "close-reopen", r->e[r->close_ev].env.id,
					     f->env.id);
			/* (f) from the other side: the close did not see an
			 * approval that came first in replay order. */
			if (f->a->act == ACT_CLOSE && concurrent(r, r->approve_ev, i))
				add_conflict(st, "postpone-close",
					     r->e[r->approve_ev].env.id, f->env.id);
			/* Two steps that each moved the case on without seeing
			 * the other (a cancel while the office fed back): both
			 * stand, and the pair is put on record. */
			if (f->a->to >= 0 && f->a->act != ACT_REOPEN &&
			    f->a->act != ACT_CLOSE && concurrent(r, r->status_ev, i))
				add_conflict(st, "concurrent", r->e[r->status_ev].env.id,
					     f->env.id);
			if (f->a->act == ACT_AMEND) {
				int slot = amend_slot(&f->ev);
				if (slot >= 0 && concurrent(r, r->amend_ev[slot], i))
					add_conflict(st, "edit",
						     r->e[r->amend_ev[slot]].env.id,
						     f->env.id);
			}
			apply(st, r, i, m);
			continue;
		}
		st->unapplied++;
		uint64_t after;
		if (!m && roster_is_revoked(roster, f->ev.author, &after) &&
		    f->ev.seq > after) {
			/* Signed after its key's last valid event: kept as
			 * evidence, never applied, named. */
			add_conflict(st, "revoked-key", f->env.id, NULL);
			continue;
		}
		if (!role_ok) {
			/* (g) Stored, never applied, and visible. */
			add_conflict(st, "unauthorized", f->env.id, NULL);
			continue;
		}
		if (rc == ERR_INVAL || f->a->act == ACT_REPORT ||
		    sees_all_before(r, i)) {
			/* It saw everything and is still wrong: not a race
			 * but a bad event (a careful node never signs one). */
			add_conflict(st, "invalid", f->env.id, NULL);
			continue;
		}
		reconcile(st, r, i, m, rc);
	}
}

int
fold_case(const struct fold_ctx *fc, const struct case_source *src,
	  const char *case_id, struct case_state *st, struct diag *d)
{
	struct replay r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.status_ev = r.assign_ev = r.reopen_ev = r.close_ev = r.merge_ev =
		r.approve_ev = -1;
	for (int i = 0; i < 5; i++)
		r.amend_ev[i] = -1;
	state_init(st, case_id);
	if ((rc = roster_refresh(fc->roster, src)))
		return diag_set(d, rc, "cannot read the roster");
	if ((rc = src->walk(src->src, case_id, collect, &r))) {
		replay_release(&r);
		return diag_set(d, rc, "cannot read case '%s'", case_id);
	}
	/* A forked author's events from its fork on do not count: which
	 * branch is real cannot be known (docs/store.md). */
	for (size_t i = 0; i < r.n; i++) {
		uint64_t forked;
		if ((rc = src->fork_seq(src->src, r.e[i].ev.author, &forked))) {
			replay_release(&r);
			return diag_set(d, rc, "cannot read forks");
		}
		r.e[i].counts = !forked || r.e[i].ev.seq < forked;
	}
	compute_ancestors(&r, fc->roster);
	replay(st, &r, fc->roster);
	replay_release(&r);
	return 0;
}

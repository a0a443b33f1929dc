/*
 * workflow_test.c - the case workflow on real nodes: the state table,
 * roles, exceptions, every concurrency rule of docs/workflow.md, and
 * deadlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/actions.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/node.h"
#include "store/store.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define CENTRE (ROLE_SUPERVISOR | ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER)

/* A centre, a second centre desk, office 7 (two devices), office 9. */
struct district {
	struct tnode *c1, *c2, *o7, *o7b, *o9;
	struct tnode *all[5];
};

static void
district_init(struct district *d)
{
	d->c1 = tnode_new("centre", "centre", CENTRE);
	d->c2 = tnode_new("centre-2", "centre", CENTRE);
	d->o7 = tnode_new("office-7", "office-7", ROLE_DISPOSAL);
	d->o7b = tnode_new("office-7b", "office-7", ROLE_DISPOSAL);
	d->o9 = tnode_new("office-9", "office-9", ROLE_DISPOSAL);
	struct tnode *all[5] = { d->c1, d->c2, d->o7, d->o7b, d->o9 };
	memcpy(d->all, all, sizeof(all));
	BUG_ON(tnode_introduce(d->all, 5) != 0);
}

static void
district_free(struct district *d)
{
	for (int i = 0; i < 5; i++)
		tnode_free(d->all[i]);
}

/* Everyone pulls from everyone: the network heals. */
static int
sync_all(struct district *d)
{
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < 5; j++)
				if (i != j && tnode_pull(d->all[i], d->all[j]))
					return -1;
	return 0;
}

/* Every node holds the same state bytes for the case and the same log. */
static int
converged(struct district *d, const char *case_id)
{
	struct buf first = BUF_INIT;
	uint8_t dg0[32], dg[32];
	int ok = 1;
	for (int i = 0; i < 5 && ok; i++) {
		struct buf v = BUF_INIT;
		if (store_view_get(node_store(d->all[i]->n), case_id, &v) ||
		    tnode_digest(d->all[i], dg)) {
			ok = 0;
		} else if (i == 0) {
			buf_add(&first, v.data, v.len);
			memcpy(dg0, dg, 32);
		} else if (v.len != first.len || memcmp(v.data, first.data, v.len) ||
			   memcmp(dg, dg0, 32)) {
			ok = 0;
			harness_log("node %s differs\n", d->all[i]->name);
		}
		buf_release(&v);
	}
	buf_release(&first);
	return ok;
}

static const struct conflict *
find_conflict(const struct case_state *st, const char *kind)
{
	for (size_t i = 0; i < st->nconflicts; i++)
		if (strcmp(st->conflicts[i].kind, kind) == 0)
			return &st->conflicts[i];
	return NULL;
}

/* Minutes after Monday 2026-03-02 09:00 local (01:00Z). */
static uint64_t
AT(uint64_t min)
{
	return tnode_ms("2026-03-02T01:00:00Z") + min * 60000;
}

/* Takes a fresh case to `dispatched` at office-7, synced everywhere. */
static int
to_dispatched(struct district *d, char case_id[18])
{
	if (tnode_report(d->c1, "supervisor", AT(0), case_id) ||
	    tnode_act(d->c1, case_id, "accept", AT(1), NULL, NULL) ||
	    tnode_act(d->c1, case_id, "register", AT(2), NULL, "urgency",
		      "normal", NULL) ||
	    tnode_act(d->c1, case_id, "dispatch", AT(3), NULL, "unit",
		      "office-7", NULL))
		return -1;
	return sync_all(d);
}

static void
test_whole_life(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	CHECK_OK(tnode_act(d.o7, c, "assign", AT(10), NULL, "team", "team-2", NULL));
	CHECK_OK(tnode_act(d.o7, c, "dispose", AT(20), NULL, "notes", "swept", NULL));
	CHECK_OK(tnode_act(d.o7, c, "feedback", AT(30), NULL, "notes", "done", "by", "Wang", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "verify-pass", AT(40), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "close", AT(50), NULL, NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.o9, c, &st));
	CHECK_EQ_INT(st.status, CS_CLOSED);
	CHECK_EQ_STR(st.unit, "office-7");
	CHECK_EQ_STR(st.team, "team-2");
	CHECK_EQ_STR(st.limit, "4h"); /* event:06010, from config.json */
	CHECK_EQ_STR(st.fed_back_by, "Wang");
	CHECK_EQ_INT(st.ndisposals, 2);
	CHECK_EQ_INT(st.nconflicts, 0);
	CHECK_EQ_INT(st.events, 9);
	CHECK_EQ_INT(st.closed_at, AT(50));
	state_release(&st);
	district_free(&d);
}

static void
test_refusals_name_state_and_allowed(void)
{
	struct district d;
	struct action_req req;
	struct diag why;
	uint8_t before[32], after[32];
	char c[18];
	district_init(&d);
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), c));
	CHECK_OK(tnode_digest(d.c1, before));
	memset(&req, 0, sizeof(req));
	req.a = workflow_action("dispatch", 8);
	req.case_id = c;
	req.now_ms = AT(1);
	mp_map_init(&req.body);
	mp_put_cstr(mp_map_add(&req.body, "unit"), "office-7");
	CHECK_ERR(case_act(d.c1->n, &req, NULL, &why), ERR_STATE);
	CHECK(strstr(why.text, "is reported") != NULL);
	CHECK(strstr(why.text, "allowed: check, accept, refuse") != NULL);
	/* Missing field, unknown case, wrong role, wrong unit. */
	CHECK_ERR(tnode_act(d.c1, c, "refuse", AT(1), NULL, NULL), ERR_INVAL);
	CHECK_ERR(tnode_act(d.c1, "20260302-nosuchca", "accept", AT(1), NULL, NULL),
		  ERR_NOTFOUND);
	CHECK_OK(tnode_pull(d.o7, d.c1));
	CHECK_ERR(tnode_act(d.o7, c, "accept", AT(1), NULL, NULL), ERR_DENIED);
	CHECK_OK(tnode_digest(d.c1, after));
	CHECK_EQ_MEM(before, after, 32);
	CHECK_OK(tnode_act(d.c1, c, "accept", AT(1), NULL, NULL));
	CHECK_ERR(tnode_act(d.c1, c, "register", AT(2), NULL, "urgency", "soon", NULL),
		  ERR_INVAL);
	CHECK_ERR(tnode_act(d.c1, c, "register", AT(2), NULL, "urgency", "normal",
			    "limit", "4 hours", NULL), ERR_INVAL);
	CHECK_OK(tnode_act(d.c1, c, "register", AT(2), NULL, "urgency", "normal", NULL));
	CHECK_OK(tnode_act(d.c1, c, "dispatch", AT(3), NULL, "unit", "office-7", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_ERR(tnode_act(d.o9, c, "dispose", AT(4), NULL, "notes", "x", NULL),
		  ERR_DENIED);
	CHECK_ERR(tnode_act(d.c1, c, "dispose", AT(4), NULL, "notes", "x", NULL),
		  ERR_DENIED);
	district_free(&d);
}

static void
test_public_report_needs_check(void)
{
	struct district d;
	struct case_state st;
	char c[18], c2[18];
	district_init(&d);
	CHECK_OK(tnode_report(d.c1, "hotline", AT(0), c));
	CHECK_ERR(tnode_act(d.c1, c, "accept", AT(1), NULL, NULL), ERR_STATE);
	CHECK_OK(tnode_act(d.c1, c, "check", AT(2), NULL, "found", "yes", NULL));
	CHECK_OK(tnode_act(d.c1, c, "accept", AT(3), NULL, NULL));
	CHECK_OK(tnode_report(d.c1, "hotline", AT(0), c2));
	CHECK_OK(tnode_act(d.c1, c2, "check", AT(2), NULL, "found", "no", NULL));
	CHECK_ERR(tnode_act(d.c1, c2, "accept", AT(3), NULL, NULL), ERR_STATE);
	CHECK_OK(tnode_act(d.c1, c2, "refuse", AT(3), NULL, "reason", "nothing there", NULL));
	CHECK_OK(tnode_state(d.c1, c2, &st));
	CHECK_EQ_INT(st.status, CS_REFUSED);
	state_release(&st);
	district_free(&d);
}

static void
test_exceptions(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	/* Return and re-dispatch. */
	CHECK_OK(tnode_act(d.o7, c, "return", AT(5), NULL, "reason", "not ours", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "dispatch", AT(6), NULL, "unit", "office-9", NULL));
	CHECK_OK(sync_all(&d));
	/* Postponement asked, denied, asked, approved. */
	CHECK_OK(tnode_act(d.o9, c, "postpone-request", AT(7), NULL, "extend", "1d",
			   "reason", "parts", NULL));
	CHECK_ERR(tnode_act(d.o9, c, "postpone-request", AT(8), NULL, "extend", "1d",
			    "reason", "again", NULL), ERR_STATE);
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "postpone-deny", AT(9), NULL, "reason", "no", NULL));
	CHECK_ERR(tnode_act(d.c1, c, "postpone-approve", AT(10), NULL, NULL), ERR_STATE);
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.o9, c, "postpone-request", AT(11), NULL, "extend", "2h",
			   "reason", "parts", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "postpone-approve", AT(12), NULL, NULL));
	/* Suspension and resumption. */
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.o9, c, "suspend-request", AT(13), NULL, "reason", "winter", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "suspend-approve", AT(14), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "resume", AT(74), NULL, NULL));
	CHECK_OK(sync_all(&d));
	/* Feedback, failed verification (rework), feedback, reopen. */
	CHECK_OK(tnode_act(d.o9, c, "feedback", AT(80), NULL, "notes", "done", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "verify-fail", AT(81), NULL, "reason", "still there", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.o9, c, "feedback", AT(90), NULL, "notes", "really done", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "verify-pass", AT(91), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "close", AT(92), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "reopen", AT(93), NULL, "reason", "citizen called", NULL));
	CHECK_OK(tnode_act(d.c1, c, "cancel", AT(94), NULL, "reason", "duplicate effort", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.o7, c, &st));
	CHECK_EQ_INT(st.status, CS_CANCELLED);
	CHECK_EQ_INT(st.returns, 1);
	CHECK_EQ_INT(st.dispatches, 2);
	CHECK_EQ_INT(st.postponements, 1);
	CHECK_EQ_INT(st.ext_hours, 2);
	CHECK_EQ_INT(st.suspensions, 1);
	CHECK_EQ_INT(st.nsuspended, 1);
	CHECK_EQ_INT(st.suspended[0].end, AT(74));
	CHECK_EQ_INT(st.reworks, 1);
	CHECK_EQ_INT(st.reopens, 1);
	CHECK_EQ_INT(st.nconflicts, 0);
	state_release(&st);
	district_free(&d);
}

/* (a) Disposal made concurrently with a reassignment is kept. */
static void
test_dispatch_concurrent_with_disposal(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	/* Office 7's second device returns the case; the centre sends it to
	 * office 9.  Meanwhile office 7's first device, offline, disposes. */
	CHECK_OK(tnode_act(d.o7b, c, "return", AT(10), NULL, "reason", "wrong street", NULL));
	CHECK_OK(tnode_pull(d.c1, d.o7b));
	CHECK_OK(tnode_act(d.c1, c, "dispatch", AT(11), NULL, "unit", "office-9", NULL));
	CHECK_OK(tnode_act(d.o7, c, "dispose", AT(12), NULL, "notes", "cleared it", NULL));
	CHECK_OK(tnode_act(d.o7, c, "feedback", AT(13), NULL, "notes", "finished", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.c2, c, &st));
	CHECK_EQ_STR(st.unit, "office-9");
	CHECK_EQ_INT(st.status, CS_DISPATCHED);
	CHECK_EQ_INT(st.ndisposals, 2); /* no disposal work is lost */
	CHECK_EQ_STR(st.disposals[0].unit, "office-7");
	CHECK(find_conflict(&st, "dispatch-disposal") != NULL);
	state_release(&st);
	district_free(&d);
}

/* (b) Two dispatches at once: one stands, a conflict until resolved. */
static void
test_two_dispatches(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), c));
	CHECK_OK(tnode_act(d.c1, c, "accept", AT(1), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "register", AT(2), NULL, "urgency", "urgent", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "dispatch", AT(3), NULL, "unit", "office-7", NULL));
	CHECK_OK(tnode_act(d.c2, c, "dispatch", AT(3), NULL, "unit", "office-9", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.c1, c, &st));
	const struct conflict *cf = find_conflict(&st, "double-dispatch");
	CHECK(cf != NULL);
	CHECK(!cf->resolved);
	CHECK_EQ_INT(cf->nevents, 2);
	char cid[17];
	memcpy(cid, cf->id, sizeof(cid));
	state_release(&st);

	/* A resolution that leaves out one of the events is refused. */
	struct action_req req;
	struct diag why;
	memset(&req, 0, sizeof(req));
	req.a = workflow_action("resolve", 7);
	req.case_id = c;
	req.now_ms = AT(4);
	mp_map_init(&req.body);
	mp_put_cstr(mp_map_add(&req.body, "conflict"), cid);
	struct buf *ev = mp_map_add(&req.body, "events");
	CHECK_OK(tnode_state(d.c1, c, &st));
	mp_put_array(ev, 1);
	mp_put_bin(ev, find_conflict(&st, "double-dispatch")->events[0], 32);
	state_release(&st);
	CHECK_ERR(case_act(d.c1->n, &req, NULL, &why), ERR_INVAL);
	CHECK(strstr(why.text, "must name its 2 events") != NULL);

	/* A full one, choosing office 9, settles it everywhere. */
	CHECK_OK(tnode_act(d.c1, c, "resolve", AT(5), NULL, "conflict", cid,
			   "unit", "office-9", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.o7, c, &st));
	CHECK(find_conflict(&st, "double-dispatch")->resolved);
	CHECK_EQ_STR(st.unit, "office-9");
	state_release(&st);
	CHECK_OK(tnode_act(d.o9, c, "feedback", AT(6), NULL, "notes", "done", NULL));
	district_free(&d);
}

/* (c) A reopen concurrent with the close: the case is reopened. */
static void
test_reopen_concurrent_with_close(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	CHECK_OK(tnode_act(d.o7, c, "feedback", AT(10), NULL, "notes", "done", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "verify-pass", AT(11), NULL, NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "close", AT(12), NULL, NULL));
	CHECK_OK(tnode_act(d.c2, c, "reopen", AT(12), NULL, "reason", "still smells", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.o9, c, &st));
	CHECK_EQ_INT(st.status, CS_REGISTERED);
	CHECK(find_conflict(&st, "close-reopen") != NULL);
	state_release(&st);
	district_free(&d);
}

/* (d) Two concurrent edits of one field. */
static void
test_concurrent_edits(void)
{
	struct district d;
	struct case_state a, b;
	char c[18];
	district_init(&d);
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), c));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "amend", AT(1), NULL, "field", "where",
			   "value", "No. 90 Caoxi Road", NULL));
	CHECK_OK(tnode_act(d.c2, c, "amend", AT(1), NULL, "field", "where",
			   "value", "No. 86 Caoxi Road", NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.c1, c, &a));
	CHECK_OK(tnode_state(d.c2, c, &b));
	CHECK_EQ_STR(a.where, b.where);
	CHECK(find_conflict(&a, "edit") != NULL);
	CHECK_EQ_INT(a.amendments, 2);
	state_release(&a);
	state_release(&b);
	district_free(&d);
}

/* (e) A duplicate merged into two different cases at once. */
static void
test_concurrent_merges(void)
{
	struct district d;
	struct case_state st;
	char dup[18], p1[18], p2[18];
	district_init(&d);
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), dup));
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), p1));
	CHECK_OK(tnode_report(d.c1, "supervisor", AT(0), p2));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, dup, "merge", AT(1), NULL, "into", p1, NULL));
	CHECK_OK(tnode_act(d.c2, dup, "merge", AT(1), NULL, "into", p2, NULL));
	/* The same merge made twice is no conflict. */
	CHECK_OK(tnode_act(d.c1, p2, "merge", AT(1), NULL, "into", p1, NULL));
	CHECK_OK(tnode_act(d.c2, p2, "merge", AT(1), NULL, "into", p1, NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, dup));
	CHECK(converged(&d, p2));
	CHECK_OK(tnode_state(d.o7, dup, &st));
	CHECK_EQ_INT(st.status, CS_MERGED);
	CHECK(find_conflict(&st, "merge") != NULL);
	state_release(&st);
	CHECK_OK(tnode_state(d.o7, p2, &st));
	CHECK_EQ_INT(st.nconflicts, 0);
	CHECK_EQ_STR(st.merged_into, p1);
	state_release(&st);
	/* Merging into a case that is merged into this one is refused. */
	CHECK_ERR(tnode_act(d.c1, p1, "merge", AT(2), NULL, "into", p2, NULL), ERR_STATE);
	district_free(&d);
}

/* (f) A postponement approved while the case was being closed. */
static void
test_postpone_concurrent_with_close(void)
{
	struct district d;
	struct case_state st;
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	CHECK_OK(tnode_act(d.o7, c, "postpone-request", AT(5), NULL, "extend", "1d",
			   "reason", "parts", NULL));
	CHECK_OK(sync_all(&d));
	/* centre-2 is offline from here. */
	CHECK_OK(tnode_act(d.o7, c, "feedback", AT(6), NULL, "notes", "done anyway", NULL));
	CHECK_OK(tnode_pull(d.c1, d.o7));
	CHECK_OK(tnode_act(d.c1, c, "verify-pass", AT(7), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "close", AT(8), NULL, NULL));
	CHECK_OK(tnode_act(d.c2, c, "postpone-approve", AT(9), NULL, NULL));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.c2, c, &st));
	CHECK_EQ_INT(st.status, CS_CLOSED);
	CHECK_EQ_INT(st.ext_days, 1);
	CHECK_EQ_INT(st.postponements, 1);
	CHECK(find_conflict(&st, "postpone-close") != NULL);
	state_release(&st);
	district_free(&d);
}

/* (g) An event its author may not make is stored, not applied, shown. */
static void
test_unauthorized_event(void)
{
	struct district d;
	struct case_state st;
	struct buf body = BUF_INIT;
	struct diag why;
	uint8_t id[32];
	char c[18];
	district_init(&d);
	CHECK_OK(to_dispatched(&d, c));
	/* Office 7 forges a close, bypassing the checks of case_act. */
	mp_put_map(&body, 0);
	struct append_req req = { c, "close", body.data, body.len, 0, NULL, AT(5) };
	CHECK_OK(store_append(node_store(d.o7->n), node_key(d.o7->n), &req, id, &why));
	CHECK_OK(sync_all(&d));
	CHECK(converged(&d, c));
	CHECK_OK(tnode_state(d.c1, c, &st));
	CHECK_EQ_INT(st.status, CS_DISPATCHED);
	CHECK_EQ_INT(st.unapplied, 1);
	const struct conflict *cf = find_conflict(&st, "unauthorized");
	CHECK(cf != NULL);
	CHECK_EQ_MEM(cf->events[0], id, 32);
	state_release(&st);
	/* The event itself is kept, signed, in every log. */
	struct buf env = BUF_INIT;
	CHECK_OK(store_event_get(node_store(d.o9->n), id, &env));
	buf_release(&env);
	buf_release(&body);
	district_free(&d);
}

/* ---- deadlines ---- */

static void
test_calendar_arithmetic(void)
{
	struct calendar cal;
	cal_init_default(&cal);
	/* Friday 2026-03-06 16:00 local (08:00Z) plus 4 working hours: 1.5 h
	 * on Friday, 2.5 h on Monday from 08:30: Monday 11:00 local. */
	uint64_t fri = tnode_ms("2026-03-06T08:00:00Z");
	CHECK_EQ_INT(cal_add_work(&cal, fri, 4 * 3600000ull),
		     tnode_ms("2026-03-09T03:00:00Z"));
	CHECK_EQ_INT(cal_work_ms(&cal, fri, tnode_ms("2026-03-09T03:00:00Z")),
		     4 * 3600000ull);
	/* Over the lunch break. */
	CHECK_EQ_INT(cal_add_work(&cal, tnode_ms("2026-03-02T03:30:00Z"), 3600000),
		     tnode_ms("2026-03-02T06:00:00Z"));
	/* A holiday on Monday moves it to Tuesday. */
	int64_t hol = cal_local_day(&cal, tnode_ms("2026-03-09T03:00:00Z"));
	cal.holidays = malloc(sizeof(int64_t));
	cal.holidays[0] = hol;
	cal.nholidays = 1;
	CHECK_EQ_INT(cal_add_work(&cal, fri, 4 * 3600000ull),
		     tnode_ms("2026-03-10T03:00:00Z"));
	/* A working Saturday (调休) counts. */
	cal.workdays = malloc(sizeof(int64_t));
	cal.workdays[0] = cal_local_day(&cal, tnode_ms("2026-03-07T03:00:00Z"));
	cal.nworkdays = 1;
	CHECK_EQ_INT(cal_add_work(&cal, fri, 4 * 3600000ull),
		     tnode_ms("2026-03-07T03:00:00Z"));
	cal_release(&cal);
	CHECK_EQ_INT(cal_day_minutes(&cal), 450);
}

static void
test_deadline_colours(void)
{
	struct district d;
	struct case_state st;
	struct deadline dl;
	char c[18];
	const struct calendar *cal;
	district_init(&d);
	cal = &node_config(d.c1->n)->cal;
	CHECK_OK(to_dispatched(&d, c)); /* at 09:03 local, 4 h limit */
	CHECK_OK(tnode_state(d.c1, c, &st));
	/* Due 4 working hours later: 09:03-12:00 is 177 min, then 63 min
	 * from 13:30: 14:33 local. */
	CHECK_OK(deadline_of(&st, cal, AT(60), &dl));
	CHECK_EQ_INT(dl.due_ms, tnode_ms("2026-03-02T06:33:00Z"));
	CHECK_EQ_INT(dl.colour, COLOUR_GREEN);
	CHECK_OK(deadline_of(&st, cal, tnode_ms("2026-03-02T05:45:00Z"), &dl));
	CHECK_EQ_INT(dl.colour, COLOUR_YELLOW); /* 192 of 240 min: 80 % */
	CHECK_OK(deadline_of(&st, cal, tnode_ms("2026-03-02T06:34:00Z"), &dl));
	CHECK_EQ_INT(dl.colour, COLOUR_RED);
	state_release(&st);
	/* A suspension of one working hour stops the clock, and then moves
	 * the due time by that hour; a 2 h postponement by two more. */
	CHECK_OK(tnode_act(d.o7, c, "suspend-request", AT(10), NULL, "reason", "r", NULL));
	CHECK_OK(tnode_act(d.o7, c, "postpone-request", AT(10), NULL, "extend", "2h",
			   "reason", "r", NULL));
	CHECK_OK(sync_all(&d));
	CHECK_OK(tnode_act(d.c1, c, "postpone-approve", AT(11), NULL, NULL));
	CHECK_OK(tnode_act(d.c1, c, "suspend-approve", AT(20), NULL, NULL));
	CHECK_OK(tnode_state(d.c1, c, &st));
	CHECK_OK(deadline_of(&st, cal, AT(30), &dl));
	CHECK_EQ_INT(dl.colour, COLOUR_STOPPED);
	CHECK(!dl.has_due);
	state_release(&st);
	CHECK_OK(tnode_act(d.c1, c, "resume", AT(80), NULL, NULL));
	CHECK_OK(tnode_state(d.c1, c, &st));
	CHECK_OK(deadline_of(&st, cal, AT(90), &dl));
	/* 6 h of limit and 1 h paused from 09:03: the day holds 417 of
	 * the 420 minutes, so 08:33 local the next morning. */
	CHECK_EQ_INT(dl.due_ms, tnode_ms("2026-03-03T00:33:00Z"));
	CHECK_EQ_INT(dl.limit_work_ms, 6 * 3600000ull);
	state_release(&st);
	district_free(&d);
}

static const struct test tests[] = {
	{ "a case goes through its whole life across nodes", test_whole_life },
	{ "a refused action names the state and the allowed actions", test_refusals_name_state_and_allowed },
	{ "a public report is checked on site before it is accepted", test_public_report_needs_check },
	{ "every exception leaves its record", test_exceptions },
	{ "(a) disposal concurrent with a reassignment is never lost", test_dispatch_concurrent_with_disposal },
	{ "(b) two dispatches at once: a conflict until resolved", test_two_dispatches },
	{ "(c) a reopen concurrent with the close wins", test_reopen_concurrent_with_close },
	{ "(d) concurrent edits of one field converge with a record", test_concurrent_edits },
	{ "(e) a duplicate merged twice at once", test_concurrent_merges },
	{ "(f) a postponement approved while closing still counts", test_postpone_concurrent_with_close },
	{ "(g) an unauthorized event is stored, not applied, shown", test_unauthorized_event },
	{ "working time skips nights, weekends and holidays", test_calendar_arithmetic },
	{ "due times and colours follow limit, suspension and postponement", test_deadline_colours },
};

TEST_MAIN(tests)

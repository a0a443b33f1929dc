/*
 * workflow.c - the state table of the case workflow and the one function
 * that judges an action against it.  docs/workflow.md prints this table.
 */
#include "node/case/workflow.h"

#include <stdio.h>
#include <string.h>

#include "common/mp.h"
#include "node/case/config.h"
#include "node/case/roster.h"
#include "node/case/state.h"
#include "common/banned.h"

#define B(s) CS_BIT(CS_##s)
#define SUP ROLE_SUPERVISOR
#define OPR ROLE_OPERATOR
#define LEAD ROLE_SHIFT_LEAD
#define DSP ROLE_DISPATCHER
#define UNIT ROLE_DISPOSAL

static const struct action_def actions[ACT_COUNT] = {
	{ ACT_REPORT, "report", "上报", SUP | OPR, B(NONE), CS_REPORTED,
	  { "class", "kind", "standard", "grid", "where", "desc", "source" },
	  { "by", "component", "position", "photos", "caller" },
	  "report a problem (supervisor patrol, hotline, video, referral, media)", { 0 } },
	{ ACT_CHECK, "check", "核实", SUP, B(REPORTED), CS_CHECKED,
	  { "found" }, { "by", "note" },
	  "check a public report on site: found or not found", { 0 } },
	{ ACT_ACCEPT, "accept", "受理", OPR, B(REPORTED) | B(CHECKED),
	  CS_ACCEPTED, { 0 }, { "by", "note" },
	  "accept a report as a valid case", { 0 } },
	{ ACT_REFUSE, "refuse", "不予立案", OPR, B(REPORTED) | B(CHECKED),
	  CS_REFUSED, { "reason" }, { "by" },
	  "refuse to register a report", { 0 } },
	{ ACT_REGISTER, "register", "立案", LEAD, B(ACCEPTED), CS_REGISTERED,
	  { "urgency", "limit" }, { "by", "note" },
	  "register the case with its urgency and time limit", { "limit" } },
	{ ACT_DISPATCH, "dispatch", "派遣", DSP, B(REGISTERED) | B(RETURNED),
	  CS_DISPATCHED, { "unit" }, { "by", "note" },
	  "dispatch the case to a disposal unit (the clock starts)", { 0 } },
	{ ACT_ASSIGN, "assign", "二级派遣", UNIT, B(DISPATCHED), -1,
	  { "team" }, { "by", "note" },
	  "the disposal unit hands the case to one of its teams", { 0 } },
	{ ACT_RETURN, "return", "回退", UNIT, B(DISPATCHED), CS_RETURNED,
	  { "reason" }, { "by" },
	  "return a wrongly dispatched case to the centre", { 0 } },
	{ ACT_DISPOSE, "dispose", "处置", UNIT, B(DISPATCHED), -1,
	  { "notes" }, { "by", "photos" },
	  "record disposal work (notes, photos)", { 0 } },
	{ ACT_FEEDBACK, "feedback", "处理反馈", UNIT, B(DISPATCHED),
	  CS_FED_BACK, { "notes" }, { "by", "photos" },
	  "report the disposal done", { 0 } },
	{ ACT_POSTPONE_REQUEST, "postpone-request", "延期申请", UNIT,
	  B(DISPATCHED), -1, { "extend", "reason" }, { "by" },
	  "ask for more time", { 0 } },
	{ ACT_POSTPONE_APPROVE, "postpone-approve", "延期批准", LEAD,
	  B(DISPATCHED), -1, { 0 }, { "by", "extend", "note" },
	  "approve the postponement asked for (the deadline moves)", { 0 } },
	{ ACT_POSTPONE_DENY, "postpone-deny", "延期驳回", LEAD, B(DISPATCHED),
	  -1, { "reason" }, { "by" }, "deny the postponement asked for", { 0 } },
	{ ACT_SUSPEND_REQUEST, "suspend-request", "挂账申请", UNIT,
	  B(DISPATCHED), -1, { "reason" }, { "by" },
	  "ask to suspend work that cannot be done in time", { 0 } },
	{ ACT_SUSPEND_APPROVE, "suspend-approve", "挂账批准", LEAD,
	  B(DISPATCHED), CS_SUSPENDED, { 0 }, { "by", "note" },
	  "approve the suspension (the clock stops)", { 0 } },
	{ ACT_RESUME, "resume", "恢复办理", LEAD, B(SUSPENDED), CS_DISPATCHED,
	  { 0 }, { "by", "note" }, "resume a suspended case (the clock runs)", { 0 } },
	{ ACT_VERIFY_PASS, "verify-pass", "核查通过", SUP, B(FED_BACK),
	  CS_VERIFIED, { 0 }, { "by", "note", "photos" },
	  "on-site verification: the problem is solved", { 0 } },
	{ ACT_VERIFY_FAIL, "verify-fail", "核查不通过(返工)", SUP, B(FED_BACK),
	  CS_DISPATCHED, { "reason" }, { "by", "photos" },
	  "on-site verification failed: back to the unit for rework", { 0 } },
	{ ACT_CLOSE, "close", "结案", LEAD, B(VERIFIED), CS_CLOSED, { 0 },
	  { "by", "note" }, "close the case", { 0 } },
	{ ACT_CANCEL, "cancel", "作废", LEAD, CS_OPEN, CS_CANCELLED,
	  { "reason" }, { "by" }, "cancel the case", { 0 } },
	{ ACT_REOPEN, "reopen", "重新办理", OPR | LEAD,
	  B(FED_BACK) | B(VERIFIED) | B(CLOSED), CS_REGISTERED, { "reason" },
	  { "by" }, "reopen the case on a new complaint (needs a new dispatch)", { 0 } },
	{ ACT_MERGE, "merge", "并案", OPR | LEAD,
	  B(REPORTED) | B(CHECKED) | B(ACCEPTED) | B(REGISTERED), CS_MERGED,
	  { "into" }, { "by", "note" },
	  "merge a duplicate report into the case it repeats", { 0 } },
	{ ACT_AMEND, "amend", "修改", OPR | LEAD, CS_OPEN, -1,
	  { "field", "value" }, { "by", "note" },
	  "correct a field (where, desc, grid, class, urgency)", { 0 } },
	{ ACT_RESOLVE, "resolve", "冲突处理", LEAD, ~B(NONE) & ((1u << CS_COUNT) - 1),
	  -1, { "conflict", "events" }, { "by", "note", "outcome", "unit" },
	  "resolve a conflict, naming every event in it", { "events" } },
};

const struct action_def *
workflow_action(const char *type, size_t n)
{
	for (size_t i = 0; i < ACT_COUNT; i++)
		if (strlen(actions[i].type) == n &&
		    memcmp(actions[i].type, type, n) == 0)
			return &actions[i];
	return NULL;
}

const struct action_def *
workflow_action_at(enum action a)
{
	return &actions[a];
}

void
workflow_allowed(const struct case_state *st, char *out, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < ACT_COUNT; i++) {
		if (!(actions[i].from & CS_BIT(st->status)))
			continue;
		int w = snprintf(out + at, n - at, "%s%s", at ? ", " : "",
				 actions[i].type);
		if (w < 0 || (size_t)w >= n - at)
			return;
		at += (size_t)w;
	}
	if (!at)
		snprintf(out, n, "none (the case is %s)",
			 case_status_name(st->status));
}

/* A body str field, or NULL when absent or not a str.  *n is its length. */
static const char *
body_str(const struct mp_reader *body, const char *key, size_t *n)
{
	struct mp_reader v;
	const char *s;
	if (!body || mp_map_find(body, key, &v) || mp_get_str(&v, &s, n))
		return NULL;
	return s;
}

static int
body_has(const struct mp_reader *body, const char *key)
{
	struct mp_reader v;
	return body && mp_map_find(body, key, &v) == 0;
}

static int
str_is(const char *s, size_t n, const char *want)
{
	return s && n == strlen(want) && memcmp(s, want, n) == 0;
}

static int
is_public_source(const char *src)
{
	return strcmp(src, "hotline") == 0 || strcmp(src, "media") == 0 ||
	       strcmp(src, "referral") == 0;
}

/* The extra conditions of some actions, beyond the table. */
/* A time limit or an extension: "4h", "15d" (limit_minutes()). */
static int
check_time(const char *s, size_t n, struct diag *d)
{
	uint64_t minutes;
	struct calendar cal;
	char buf[16];

	cal_init_default(&cal);
	if (!s || n >= sizeof(buf))
		return diag_set(d, ERR_INVAL,
				"a time like 4h or 15d is needed");
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (limit_minutes(&cal, buf, &minutes))
		return diag_set(d, ERR_INVAL,
				"'%s' is not a time like 4h or 15d", buf);
	return 0;
}

/* A resolution names an open conflict of the case and all its events. */
static int
check_resolve(const struct case_state *st, const struct mp_reader *body,
	      struct diag *d)
{
	struct mp_reader v;
	const struct conflict *c = NULL;
	uint32_t count;
	size_t n;
	const char *s = body_str(body, "conflict", &n);
	for (size_t i = 0; s && i < st->nconflicts; i++)
		if (str_is(s, n, st->conflicts[i].id))
			c = &st->conflicts[i];
	if (!c)
		return diag_set(d, ERR_INVAL, "case %s has no conflict '%.*s'",
				st->case_id, s ? (int)n : 0, s ? s : "");
	if (c->resolved)
		return diag_set(d, ERR_STATE,
				"conflict %s of case %s is already resolved",
				c->id, st->case_id);
	/* The resolution must name every event in the conflict. */
	if (mp_map_find(body, "events", &v) || mp_get_array(&v, &count) ||
	    count != c->nevents)
		return diag_set(
			d, ERR_INVAL,
			"a resolution of conflict %s must name its %zu events",
			c->id, c->nevents);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *p;
		size_t len;
		if (mp_get_bin(&v, &p, &len) || len != EVENT_ID_BYTES ||
		    memcmp(p, c->events[i], EVENT_ID_BYTES) != 0)
			return diag_set(
				d, ERR_INVAL,
				"a resolution of conflict %s must name exactly its events, in order",
				c->id);
	}
	return 0;
}

/* The exceptions' requests and decisions: one waiting at a time. */
static int
check_exception(const struct case_state *st, const struct action_def *a,
		const struct mp_reader *body, struct diag *d)
{
	const char *s;
	size_t n;
	switch (a->act) {
	case ACT_POSTPONE_REQUEST:
		if (st->pending_extend[0])
			return diag_set(
				d, ERR_STATE,
				"case %s already has a postponement request waiting",
				st->case_id);
		s = body_str(body, "extend", &n);
		return check_time(s, n, d);
	case ACT_POSTPONE_APPROVE:
		if (!st->pending_extend[0])
			return diag_set(
				d, ERR_STATE,
				"case %s has no postponement request to approve",
				st->case_id);
		if (!body_has(body, "extend"))
			return 0;
		s = body_str(body, "extend", &n);
		return check_time(s, n, d);
	case ACT_POSTPONE_DENY:
		if (!st->pending_extend[0])
			return diag_set(
				d, ERR_STATE,
				"case %s has no postponement request to deny",
				st->case_id);
		return 0;
	case ACT_SUSPEND_REQUEST:
		if (st->suspend_pending)
			return diag_set(
				d, ERR_STATE,
				"case %s already has a suspension request waiting",
				st->case_id);
		return 0;
	case ACT_SUSPEND_APPROVE:
		if (!st->suspend_pending)
			return diag_set(
				d, ERR_STATE,
				"case %s has no suspension request to approve",
				st->case_id);
		return 0;
	default: return 0;
	}
}

/* A unit named in the body (dispatch, resolve) must exist: a case sent
 * to a unit nobody holds would wait for ever, its clock running. */
static int
check_unit(const struct action_def *a, const struct workflow_ctx *ctx,
	   const struct mp_reader *body, struct diag *d)
{
	char unit[STATE_NAME_MAX + 1];
	size_t n;
	const char *s = body_str(body, "unit", &n);
	if (a->act != ACT_DISPATCH && a->act != ACT_RESOLVE)
		return 0;
	if (!s)
		return 0; /* a dispatch's is required: checked before */
	if (n > STATE_NAME_MAX || !ctx->unit_known)
		return diag_set(d, ERR_INVAL, "unit '%.*s' is not a unit of the roster",
				(int)n, s);
	memcpy(unit, s, n);
	unit[n] = '\0';
	if (!ctx->unit_known(ctx->arg, unit))
		return diag_set(d, ERR_INVAL,
				"no disposal unit '%s' in the roster (see 'gridcase roster show')",
				unit);
	return 0;
}

int
workflow_separation(const struct case_state *st, const struct action_def *a,
		    const uint8_t author[EVENT_KEY_BYTES], struct diag *d)
{
	switch (a->act) {
	case ACT_VERIFY_PASS:
	case ACT_VERIFY_FAIL:
	case ACT_CLOSE:
		for (size_t i = 0; i < st->ndisposals; i++)
			if (memcmp(st->disposals[i].key, author,
				   EVENT_KEY_BYTES) == 0)
				return diag_set(d, ERR_DENIED,
						"the key that disposed of case %s may not '%s' it (supervision and command are separate)",
						st->case_id, a->type);
		return 0;
	case ACT_REGISTER:
		if (memcmp(st->reporter_key, author, EVENT_KEY_BYTES) == 0)
			return diag_set(d, ERR_DENIED,
					"the key that reported case %s may not register it (supervision and command are separate: a shift lead's own key registers)",
					st->case_id);
		return 0;
	default: return 0;
	}
}

static int
check_extra(const struct case_state *st, const struct action_def *a,
	    const struct member *m, const struct workflow_ctx *ctx,
	    const struct mp_reader *body, struct diag *d)
{
	const char *s;
	size_t n;
	int rc;

	if ((a->roles & ROLE_DISPOSAL) && !(a->roles & ~ROLE_DISPOSAL) &&
	    strcmp(m->unit, st->unit) != 0)
		return diag_set(d, ERR_DENIED,
				"case %s is with unit '%s', not '%s'",
				st->case_id, st->unit, m->unit);
	if ((rc = workflow_separation(st, a, ctx->author, d)) ||
	    (rc = check_unit(a, ctx, body, d)))
		return rc;
	switch (a->act) {
	case ACT_CHECK: {
		struct mp_reader v;
		int found;
		if (mp_map_find(body, "found", &v) || mp_get_bool(&v, &found))
			return diag_set(d, ERR_INVAL,
					"'check' needs found: true or false");
		return 0;
	}
	case ACT_ACCEPT:
		if (st->status == CS_REPORTED && is_public_source(st->source))
			return diag_set(d, ERR_STATE,
					"case %s came from the %s: it must be checked on site ('check') before it is accepted",
					st->case_id, st->source);
		if (st->checked && !st->check_found)
			return diag_set(d, ERR_STATE,
					"case %s: the on-site check did not find the problem; refuse it instead",
					st->case_id);
		return 0;
	case ACT_REGISTER:
		s = body_str(body, "urgency", &n);
		if (!str_is(s, n, "normal") && !str_is(s, n, "urgent"))
			return diag_set(d, ERR_INVAL,
					"urgency must be 'normal' or 'urgent'");
		/* The limit is checked like an extension. */
		s = body_str(body, "limit", &n);
		return check_time(s, n, d);
	case ACT_POSTPONE_REQUEST:
	case ACT_POSTPONE_APPROVE:
	case ACT_POSTPONE_DENY:
	case ACT_SUSPEND_REQUEST:
	case ACT_SUSPEND_APPROVE: return check_exception(st, a, body, d);
	case ACT_MERGE:
		s = body_str(body, "into", &n);
		if (str_is(s, n, st->case_id))
			return diag_set(d, ERR_INVAL,
					"a case cannot be merged into itself");
		return 0;
	case ACT_AMEND:
		s = body_str(body, "field", &n);
		if (!str_is(s, n, "where") && !str_is(s, n, "desc") &&
		    !str_is(s, n, "grid") && !str_is(s, n, "class") &&
		    !str_is(s, n, "urgency"))
			return diag_set(d, ERR_INVAL,
					"amend takes field where, desc, grid, class or urgency");
		return 0;
	case ACT_RESOLVE: return check_resolve(st, body, d);
	default:
		return 0;
	}
}

int
workflow_check(const struct case_state *st, const struct action_def *a,
	       const struct member *m, const struct workflow_ctx *ctx,
	       const struct mp_reader *body, struct diag *d)
{
	char allowed[400], roles[80];

	if (!m)
		return diag_set(d, ERR_DENIED,
				"the author is not a member of the district, or was revoked (see 'gridcase roster show')");
	if (!(m->roles & a->roles)) {
		roles_format(m->roles, roles, sizeof(roles));
		return diag_set(d, ERR_DENIED,
				"'%s' (roles %s) may not '%s'", m->name, roles,
				a->type);
	}
	if (!(a->from & CS_BIT(st->status))) {
		workflow_allowed(st, allowed, sizeof(allowed));
		return diag_set(d, ERR_STATE,
				"case %s is %s: '%s' is not allowed; allowed: %s",
				st->case_id[0] ? st->case_id : "?",
				case_status_name(st->status), a->type, allowed);
	}
	for (size_t i = 0; i < ACTION_MAX_FIELDS && a->required[i]; i++) {
		const char *key = a->required[i];
		size_t n;
		/* Structured fields are checked by check_extra(). */
		if (strcmp(key, "found") == 0 || strcmp(key, "events") == 0)
			continue;
		if (a->act == ACT_REPORT)
			continue; /* checked when the report is made */
		if (!body_str(body, key, &n) || n == 0)
			return diag_set(d, ERR_INVAL, "'%s' needs %s", a->type,
					key);
	}
	return check_extra(st, a, m, ctx, body, d);
}

/*
 * indicators.c - the indicator sets over the case states' steps (see
 * indicators.h).  Each case is cut into the clocks it ran: one intake
 * clock per step of the centre and one disposal clock per unit and
 * dispatch (a rework starts a new one), and every figure is a count of
 * clocks in the period, so a unit is charged only for its own time.
 */
#include "node/case/indicators.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/xalloc.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/grid.h"
#include "node/case/roster.h"
#include "node/case/state.h"
#include "node/case/workflow.h"
#include "common/banned.h"

/* ---- the figures of each set ---- */

enum { SV_REPORTS, SV_VALID, SV_VALID_RATE, SV_CHECKS, SV_CHECKS_ON_TIME,
       SV_CHECK_RATE, SV_VERIFS, SV_VERIFS_ON_TIME, SV_VERIFY_RATE,
       SV_AREA_REG, SV_MISSED, SV_MISSED_RATE, SV_MISSED_SCORE, SV_SCORE,
       SV_N };
static const struct ind_def sv_defs[SV_N] = {
	{ "reports", IK_COUNT }, { "valid", IK_COUNT },
	{ "valid_rate", IK_RATE }, { "checks", IK_COUNT },
	{ "checks_on_time", IK_COUNT }, { "check_on_time_rate", IK_RATE },
	{ "verifications", IK_COUNT }, { "verifications_on_time", IK_COUNT },
	{ "verify_on_time_rate", IK_RATE }, { "area_registered", IK_COUNT },
	{ "missed", IK_COUNT }, { "missed_rate", IK_RATE },
	{ "missed_score", IK_SCORE }, { "score", IK_SCORE },
};

enum { OP_ACCEPTED, OP_ACCEPTED_SCORE, OP_VTASKS, OP_VTASKS_ON_TIME,
       OP_VTASK_RATE, OP_CTASKS, OP_CTASKS_ON_TIME, OP_CTASK_RATE, OP_SCORE,
       OP_N };
static const struct ind_def op_defs[OP_N] = {
	{ "accepted", IK_COUNT }, { "accepted_score", IK_SCORE },
	{ "verify_tasks", IK_COUNT }, { "verify_tasks_on_time", IK_COUNT },
	{ "verify_task_on_time_rate", IK_RATE }, { "check_tasks", IK_COUNT },
	{ "check_tasks_on_time", IK_COUNT },
	{ "check_task_on_time_rate", IK_RATE }, { "score", IK_SCORE },
};

enum { SL_REGISTERED, SL_REG_ON_TIME, SL_REG_RATE, SL_CANCELLED,
       SL_ACCURATE, SL_ACCURATE_RATE, SL_CLOSES, SL_CLOSED_ON_TIME,
       SL_CLOSE_RATE, SL_SCORE, SL_N };
static const struct ind_def sl_defs[SL_N] = {
	{ "registered", IK_COUNT }, { "registered_on_time", IK_COUNT },
	{ "registered_on_time_rate", IK_RATE }, { "cancelled", IK_COUNT },
	{ "accurate", IK_COUNT }, { "accurate_rate", IK_RATE },
	{ "closes", IK_COUNT }, { "closed_on_time", IK_COUNT },
	{ "closed_on_time_rate", IK_RATE }, { "score", IK_SCORE },
};

enum { DP_DISPATCHED, DP_DISPATCHED_SCORE, DP_DUE, DP_ON_TIME,
       DP_ON_TIME_RATE, DP_RETURNED, DP_ACCURATE, DP_ACCURATE_RATE,
       DP_SCORE, DP_N };
static const struct ind_def dp_defs[DP_N] = {
	{ "dispatched", IK_COUNT }, { "dispatched_score", IK_SCORE },
	{ "due", IK_COUNT }, { "on_time", IK_COUNT },
	{ "on_time_rate", IK_RATE }, { "returned", IK_COUNT },
	{ "accurate", IK_COUNT }, { "accurate_rate", IK_RATE },
	{ "score", IK_SCORE },
};

enum { UN_REGISTERED, UN_DUE, UN_DISPOSED, UN_ON_TIME, UN_LATE,
       UN_OVERDUE_OPEN, UN_DUE_TO_CLOSE, UN_REWORKED, UN_CLOSURE_RATE,
       UN_ON_TIME_RATE, UN_REWORK_RATE, UN_RETURNED, UN_RETURNED_ON_TIME,
       UN_POSTPONEMENTS, UN_SUSPENSIONS, UN_AVG, UN_MEDIAN,
       UN_REG_SCORE, UN_SCORE, UN_N };
static const struct ind_def un_defs[UN_N] = {
	{ "registered", IK_COUNT }, { "due", IK_COUNT },
	{ "disposed", IK_COUNT }, { "disposed_on_time", IK_COUNT },
	{ "disposed_late", IK_COUNT }, { "overdue_open", IK_COUNT },
	{ "due_to_close", IK_COUNT }, { "reworked", IK_COUNT },
	{ "closure_rate", IK_RATE }, { "on_time_rate", IK_RATE },
	{ "rework_rate", IK_RATE }, { "returned", IK_COUNT },
	{ "returned_on_time", IK_COUNT }, { "postponements", IK_COUNT },
	{ "suspensions", IK_COUNT }, { "avg_disposal_minutes", IK_MINUTES },
	{ "median_disposal_minutes", IK_MINUTES },
	{ "registered_score", IK_SCORE }, { "score", IK_SCORE },
};

enum { RG_PUBLIC, RG_REGISTERED, RG_DUE, RG_CLOSED, RG_CLOSED_ON_TIME,
       RG_PUBLIC_RATE, RG_CLOSURE_RATE, RG_ON_TIME_RATE, RG_CLASS,
       RG_REG_SCORE, RG_SCORE, RG_N };
static const struct ind_def rg_defs[RG_N] = {
	{ "public_verified", IK_COUNT }, { "registered", IK_COUNT },
	{ "due", IK_COUNT }, { "closed", IK_COUNT },
	{ "closed_on_time", IK_COUNT }, { "public_report_rate", IK_RATE },
	{ "closure_rate", IK_RATE }, { "on_time_rate", IK_RATE },
	{ "region_class", IK_COUNT }, { "registered_score", IK_SCORE },
	{ "score", IK_SCORE },
};

enum { DI_REPORTED, DI_REGISTERED, DI_SUP_FOUND, DI_DISCOVERY_RATE, DI_DUE,
       DI_DISPOSED, DI_DISPOSAL_RATE, DI_AVG, DI_MEDIAN, DI_N };
static const struct ind_def di_defs[DI_N] = {
	{ "reported", IK_COUNT }, { "registered", IK_COUNT },
	{ "supervisor_found", IK_COUNT }, { "discovery_rate", IK_RATE },
	{ "due", IK_COUNT }, { "disposed", IK_COUNT },
	{ "disposal_rate", IK_RATE }, { "avg_disposal_minutes", IK_MINUTES },
	{ "median_disposal_minutes", IK_MINUTES },
};

static const struct {
	const char *name;
	const struct ind_def *defs;
	size_t n;
} sets[IND_SET_COUNT] = {
	{ "supervisor", sv_defs, SV_N }, { "operator", op_defs, OP_N },
	{ "shift", sl_defs, SL_N },      { "dispatcher", dp_defs, DP_N },
	{ "unit", un_defs, UN_N },       { "grid", rg_defs, RG_N },
	{ "community", rg_defs, RG_N },  { "street", rg_defs, RG_N },
	{ "district", di_defs, DI_N },
};

const char *
ind_set_name(enum ind_set s)
{
	return sets[s].name;
}

const struct ind_def *
ind_set_defs(enum ind_set s, size_t *n)
{
	*n = sets[s].n;
	return sets[s].defs;
}

int
ind_set_parse(const char *s, enum ind_set *out)
{
	for (int i = 0; i < IND_SET_COUNT; i++)
		if (strcmp(sets[i].name, s) == 0) {
			*out = (enum ind_set)i;
			return 0;
		}
	return ERR_INVAL;
}

int
ind_figure(const struct ind_table *t, const char *name)
{
	for (size_t i = 0; i < t->nfig; i++)
		if (strcmp(t->defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ---- the accumulator ---- */

struct who {
	uint8_t key[EVENT_KEY_BYTES];
	char name[ROSTER_NAME_MAX + 1];
	char unit[ROSTER_NAME_MAX + 1];
	unsigned roles;
};

/* A public report registered in the period, for 漏报. */
struct public_case {
	char case_id[STATE_NAME_MAX + 1];
	char grid[40];
};

/* A supervisor's own report of a problem: where, and what it repeats. */
struct sup_report {
	uint8_t key[EVENT_KEY_BYTES];
	char grid[40];
	char merged_into[STATE_NAME_MAX + 1];
};

struct minutes {
	uint64_t *v;
	size_t n;
};

struct ind_acc {
	const struct config *cfg;
	uint64_t from, to;
	enum ind_set set;
	struct ind_row *rows;
	size_t n;
	struct minutes *mins; /* per row, parallel to rows */
	struct who *who;
	size_t nwho;
	struct grid_cell *cells;
	size_t ncells;
	struct public_case *pub;
	size_t npub;
	struct sup_report *sup;
	size_t nsup;
};

int
ind_acc_new(const struct config *cfg, uint64_t from_ms, uint64_t to_ms,
	    enum ind_set set, struct ind_acc **out, struct diag *d)
{
	if (to_ms <= from_ms)
		return diag_set(d, ERR_INVAL, "the period ends before it starts");
	struct ind_acc *a = xcalloc(1, sizeof(*a));
	a->cfg = cfg;
	a->from = from_ms;
	a->to = to_ms;
	a->set = set;
	*out = a;
	return 0;
}

static void
rows_release(struct ind_row *rows, size_t n, size_t nfig)
{
	for (size_t i = 0; i < n; i++)
		for (size_t f = 0; f < nfig; f++) {
			for (size_t k = 0; k < rows[i].ncases[f]; k++)
				free(rows[i].cases[f][k]);
			free(rows[i].cases[f]);
		}
	free(rows);
}

void
ind_acc_free(struct ind_acc *a)
{
	if (!a)
		return;
	rows_release(a->rows, a->n, sets[a->set].n);
	for (size_t i = 0; i < a->n; i++)
		free(a->mins[i].v);
	free(a->mins);
	free(a->who);
	free(a->cells);
	free(a->pub);
	free(a->sup);
	free(a);
}

void
ind_acc_add_member(struct ind_acc *a, const struct member *m)
{
	a->who = xrealloc(a->who, (a->nwho + 1) * sizeof(*a->who));
	struct who *w = &a->who[a->nwho++];
	memcpy(w->key, m->key, EVENT_KEY_BYTES);
	snprintf(w->name, sizeof(w->name), "%s", m->name);
	snprintf(w->unit, sizeof(w->unit), "%s", m->unit);
	w->roles = m->roles;
}

void
ind_acc_add_cell(struct ind_acc *a, const struct grid_cell *c)
{
	a->cells = xrealloc(a->cells, (a->ncells + 1) * sizeof(*a->cells));
	a->cells[a->ncells++] = *c;
}

static const struct grid_cell *
cell_of(const struct ind_acc *a, const char *grid)
{
	for (size_t i = 0; i < a->ncells; i++)
		if (strcmp(a->cells[i].grid, grid) == 0)
			return &a->cells[i];
	return NULL;
}

static const struct who *
who_of(const struct ind_acc *a, const uint8_t *key)
{
	for (size_t i = 0; i < a->nwho; i++)
		if (memcmp(a->who[i].key, key, EVENT_KEY_BYTES) == 0)
			return &a->who[i];
	return NULL;
}

static struct ind_row *
row(struct ind_acc *a, const char *key, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->rows[i].key, key) == 0)
			return &a->rows[i];
	a->rows = xrealloc(a->rows, (a->n + 1) * sizeof(*a->rows));
	a->mins = xrealloc(a->mins, (a->n + 1) * sizeof(*a->mins));
	struct ind_row *r = &a->rows[a->n];
	memset(r, 0, sizeof(*r));
	memset(&a->mins[a->n], 0, sizeof(a->mins[0]));
	a->n++;
	snprintf(r->key, sizeof(r->key), "%s", key);
	snprintf(r->name, sizeof(r->name), "%s", name ? name : "");
	return r;
}

/* The row of a person: the member key in hex, named from the roster. */
static struct ind_row *
person(struct ind_acc *a, const uint8_t *key)
{
	char hex[2 * EVENT_KEY_BYTES + 1];
	const struct who *w = who_of(a, key);
	hex_encode(key, EVENT_KEY_BYTES, hex);
	return row(a, hex, w ? w->name : "");
}

static void
bump(struct ind_row *r, int fig, const char *case_id)
{
	r->v[fig]++;
	r->cases[fig] = xrealloc(r->cases[fig],
				 (r->ncases[fig] + 1) * sizeof(char *));
	r->cases[fig][r->ncases[fig]++] = xstrdup(case_id);
}

static void
add_minutes(struct ind_acc *a, struct ind_row *r, uint64_t m)
{
	struct minutes *x = &a->mins[r - a->rows];
	x->v = xrealloc(x->v, (x->n + 1) * sizeof(uint64_t));
	x->v[x->n++] = m;
}

static int
in(const struct ind_acc *a, uint64_t t)
{
	return t && t >= a->from && t < a->to;
}

/* Done by the step's limit, counted in working time from `from`. */
static int
on_time(const struct ind_acc *a, enum eval_step s, uint64_t from, uint64_t at)
{
	uint64_t min;
	if (limit_minutes(&a->cfg->cal, a->cfg->ev.step_limit[s], &min))
		return 0;
	return at <= cal_add_work(&a->cfg->cal, from, min * 60000);
}

static uint64_t
due_of(const struct ind_acc *a, enum eval_step s, uint64_t from)
{
	uint64_t min;
	if (limit_minutes(&a->cfg->cal, a->cfg->ev.step_limit[s], &min))
		return CAL_NEVER;
	return cal_add_work(&a->cfg->cal, from, min * 60000);
}

/* ---- a case's clocks ---- */

enum clock_end { END_OPEN, END_FEEDBACK, END_RETURN, END_CANCEL };

/* One unit's disposal clock: from its dispatch or a rework. */
struct clock {
	char unit[STATE_NAME_MAX + 1];
	uint64_t start, end, susp_start;
	uint64_t ext_min, paused_ms;
	int dispatch; /* 1: started by a dispatch (not a rework) */
	size_t step;  /* the step that started it */
	enum clock_end how;
	int reworked, suspended_now;
	uint32_t postponements, suspensions;
};

struct clocks {
	struct clock *c;
	size_t n;
};

static struct clock *
clock_open(struct clocks *cs)
{
	if (cs->n && cs->c[cs->n - 1].how == END_OPEN)
		return &cs->c[cs->n - 1];
	return NULL;
}

static uint64_t
ext_minutes(const struct calendar *cal, const char *ext)
{
	uint64_t m;
	return limit_minutes(cal, ext, &m) ? 0 : m;
}

/* Cuts the case's steps into its units' clocks. */
static void
clocks_of(const struct ind_acc *a, const struct case_state *st,
	  struct clocks *cs)
{
	const struct calendar *cal = &a->cfg->cal;
	memset(cs, 0, sizeof(*cs));
	for (size_t i = 0; i < st->nsteps; i++) {
		const struct step *s = &st->steps[i];
		struct clock *c = clock_open(cs);
		switch (s->act) {
		case ACT_DISPATCH:
		case ACT_VERIFY_FAIL: {
			struct clock prev;
			int rework = s->act == ACT_VERIFY_FAIL;
			if (c) /* a dispatch without a return: the last stands */
				c->how = END_CANCEL;
			if (rework && !cs->n)
				break;
			if (rework)
				cs->c[cs->n - 1].reworked = 1;
			prev = cs->n ? cs->c[cs->n - 1] : (struct clock){ 0 };
			cs->c = xrealloc(cs->c, (cs->n + 1) * sizeof(*cs->c));
			c = &cs->c[cs->n++];
			memset(c, 0, sizeof(*c));
			snprintf(c->unit, sizeof(c->unit), "%s",
				 rework ? prev.unit : s->arg);
			c->start = s->at;
			c->dispatch = !rework;
			c->step = i;
			/* An extension stays with the dispatch it was
			 * granted in, through its rework. */
			c->ext_min = rework ? prev.ext_min : 0;
			break;
		}
		case ACT_POSTPONE_APPROVE:
			/* Granted while the case was closing (a race the fold
			 * keeps): it still belongs to the last clock. */
			if (!c && cs->n)
				c = &cs->c[cs->n - 1];
			if (c) {
				c->ext_min += ext_minutes(cal, s->arg);
				c->postponements++;
			}
			break;
		case ACT_SUSPEND_APPROVE:
			if (c) {
				c->susp_start = s->at;
				c->suspended_now = 1;
				c->suspensions++;
			}
			break;
		case ACT_RESUME:
			if (c && c->suspended_now) {
				c->paused_ms += cal_work_ms(cal, c->susp_start, s->at);
				c->suspended_now = 0;
			}
			break;
		case ACT_FEEDBACK:
			if (c) {
				c->how = END_FEEDBACK;
				c->end = s->at;
			}
			break;
		case ACT_RETURN:
			if (c) {
				c->how = END_RETURN;
				c->end = s->at;
			}
			break;
		case ACT_CANCEL:
			if (c) {
				c->how = END_CANCEL;
				c->end = s->at;
			}
			break;
		case ACT_RESOLVE:
			/* A double dispatch resolved for the other unit: the
			 * clock is that unit's from its start. */
			if (c && s->arg[0])
				snprintf(c->unit, sizeof(c->unit), "%s", s->arg);
			break;
		default:
			break;
		}
	}
}

/*
 * The due time of a clock; 0 if it has none (stopped: suspended at the
 * period's end, or no working time ahead).
 */
static uint64_t
clock_due(const struct ind_acc *a, const struct case_state *st,
	  const struct clock *c)
{
	const struct calendar *cal = &a->cfg->cal;
	uint64_t limit, paused = c->paused_ms;
	if (!st->limit[0] || limit_minutes(cal, st->limit, &limit))
		(void)!limit_minutes(cal, a->cfg->ev.step_limit[STEP_DISPOSE],
				     &limit);
	if (c->suspended_now) {
		if (c->how == END_OPEN)
			return 0; /* the clock is stopped */
		paused += cal_work_ms(cal, c->susp_start, c->end);
	}
	uint64_t due = cal_add_work(cal, c->start,
				    (limit + c->ext_min) * 60000 + paused);
	return due == CAL_NEVER ? 0 : due;
}

/* Where a clock stands at the period's end. */
struct judged {
	int falls_due;   /* it fell due in the period */
	int disposed;    /* fed back before the period's end */
	int late;        /* fed back after its due time */
	uint64_t minutes; /* working minutes to the feedback */
};

static void
judge(const struct ind_acc *a, const struct case_state *st,
      const struct clock *c, struct judged *j)
{
	memset(j, 0, sizeof(*j));
	if (c->how == END_RETURN || c->how == END_CANCEL)
		return; /* a return is judged on its speed alone */
	uint64_t due = clock_due(a, st, c);
	if (!due)
		return;
	int done = c->how == END_FEEDBACK && c->end < a->to;
	uint64_t falls = done && c->end < due ? c->end : due;
	if (!in(a, falls))
		return;
	j->falls_due = 1;
	j->disposed = done;
	j->late = done && c->end > due;
	if (done) {
		uint64_t w = cal_work_ms(&a->cfg->cal, c->start, c->end);
		uint64_t p = c->paused_ms;
		j->minutes = (w > p ? w - p : 0) / 60000;
	}
}

/* ---- each set ---- */

static const struct step *
last_before(const struct case_state *st, size_t i, unsigned acts)
{
	while (i-- > 0)
		if (acts & (1u << st->steps[i].act))
			return &st->steps[i];
	return NULL;
}

#define A(x) (1u << ACT_##x)

static int
is_public(const struct case_state *st)
{
	return strcmp(st->source, "supervisor") != 0;
}

static int
cancelled_by(const struct ind_acc *a, const struct case_state *st)
{
	return st->cancelled_at && st->cancelled_at < a->to;
}

static void
add_supervisor(struct ind_acc *a, const struct case_state *st)
{
	for (size_t i = 0; i < st->nsteps; i++) {
		const struct step *s = &st->steps[i];
		const struct step *p;
		if (!in(a, s->at))
			continue;
		if (s->act == ACT_REPORT && !is_public(st)) {
			struct ind_row *r = person(a, s->key);
			bump(r, SV_REPORTS, st->case_id);
			if (st->registered_at && st->registered_at < a->to &&
			    !cancelled_by(a, st))
				bump(r, SV_VALID, st->case_id);
		} else if (s->act == ACT_CHECK &&
			   (p = last_before(st, i, A(REPORT)))) {
			struct ind_row *r = person(a, s->key);
			bump(r, SV_CHECKS, st->case_id);
			if (on_time(a, STEP_CHECK, p->at, s->at))
				bump(r, SV_CHECKS_ON_TIME, st->case_id);
		} else if ((s->act == ACT_VERIFY_PASS || s->act == ACT_VERIFY_FAIL) &&
			   (p = last_before(st, i, A(FEEDBACK)))) {
			struct ind_row *r = person(a, s->key);
			bump(r, SV_VERIFS, st->case_id);
			if (on_time(a, STEP_VERIFY, p->at, s->at))
				bump(r, SV_VERIFS_ON_TIME, st->case_id);
		}
	}
	/* For 漏报: the public reports registered in the period, and each
	 * supervisor's reports with what they were merged into. */
	if (is_public(st) && in(a, st->registered_at)) {
		a->pub = xrealloc(a->pub, (a->npub + 1) * sizeof(*a->pub));
		struct public_case *pc = &a->pub[a->npub++];
		snprintf(pc->case_id, sizeof(pc->case_id), "%s", st->case_id);
		snprintf(pc->grid, sizeof(pc->grid), "%s", st->grid);
	}
	if (!is_public(st) && st->nsteps && st->steps[0].act == ACT_REPORT &&
	    st->steps[0].at < a->to) {
		a->sup = xrealloc(a->sup, (a->nsup + 1) * sizeof(*a->sup));
		struct sup_report *sr = &a->sup[a->nsup++];
		memcpy(sr->key, st->steps[0].key, EVENT_KEY_BYTES);
		snprintf(sr->grid, sizeof(sr->grid), "%s", st->grid);
		snprintf(sr->merged_into, sizeof(sr->merged_into), "%s",
			 st->merged_into);
	}
}

static void
add_operator(struct ind_acc *a, const struct case_state *st)
{
	for (size_t i = 0; i < st->nsteps; i++) {
		const struct step *s = &st->steps[i];
		const struct step *p;
		if (!in(a, s->at) || (s->act != ACT_ACCEPT && s->act != ACT_REFUSE))
			continue;
		struct ind_row *r = person(a, s->key);
		if (s->act == ACT_ACCEPT)
			bump(r, OP_ACCEPTED, st->case_id);
		/* The intake decision closes the 核实 loop: from the report,
		 * or from the on-site check when there was one. */
		p = last_before(st, i, A(REPORT) | A(CHECK));
		if (!p)
			continue;
		bump(r, OP_VTASKS, st->case_id);
		if (on_time(a, STEP_ACCEPT, p->at, s->at))
			bump(r, OP_VTASKS_ON_TIME, st->case_id);
	}
}

static void
add_shift_lead(struct ind_acc *a, const struct case_state *st)
{
	for (size_t i = 0; i < st->nsteps; i++) {
		const struct step *s = &st->steps[i];
		const struct step *p;
		if (!in(a, s->at))
			continue;
		if (s->act == ACT_REGISTER) {
			struct ind_row *r = person(a, s->key);
			bump(r, SL_REGISTERED, st->case_id);
			p = last_before(st, i, A(ACCEPT));
			if (p && on_time(a, STEP_REGISTER, p->at, s->at))
				bump(r, SL_REG_ON_TIME, st->case_id);
			if (cancelled_by(a, st))
				bump(r, SL_CANCELLED, st->case_id);
			else
				bump(r, SL_ACCURATE, st->case_id);
		} else if (s->act == ACT_CLOSE &&
			   (p = last_before(st, i, A(VERIFY_PASS)))) {
			struct ind_row *r = person(a, s->key);
			bump(r, SL_CLOSES, st->case_id);
			if (on_time(a, STEP_CLOSE, p->at, s->at))
				bump(r, SL_CLOSED_ON_TIME, st->case_id);
		}
	}
}

static void
add_dispatcher(struct ind_acc *a, const struct case_state *st)
{
	uint64_t task = 0; /* a dispatch waited for since then */
	for (size_t i = 0; i < st->nsteps; i++) {
		const struct step *s = &st->steps[i];
		switch (s->act) {
		case ACT_REGISTER:
		case ACT_RETURN:
		case ACT_REOPEN:
			task = s->at;
			break;
		case ACT_DISPATCH: {
			if (!task)
				break; /* a second dispatch of one task */
			uint64_t due = due_of(a, STEP_DISPATCH, task);
			struct ind_row *r = NULL;
			if (in(a, s->at)) {
				r = person(a, s->key);
				bump(r, DP_DISPATCHED, st->case_id);
				/* Accurate unless the unit returned it. */
				const struct step *n = NULL;
				for (size_t k = i + 1; k < st->nsteps && !n; k++)
					if (st->steps[k].act == ACT_RETURN ||
					    st->steps[k].act == ACT_DISPATCH ||
					    st->steps[k].act == ACT_REOPEN)
						n = &st->steps[k];
				if (n && n->act == ACT_RETURN && n->at < a->to)
					bump(r, DP_RETURNED, st->case_id);
				else
					bump(r, DP_ACCURATE, st->case_id);
			}
			uint64_t falls = s->at <= due ? s->at : due;
			if (in(a, falls)) {
				if (!r)
					r = person(a, s->key);
				bump(r, DP_DUE, st->case_id);
				if (s->at <= due)
					bump(r, DP_ON_TIME, st->case_id);
			}
			task = 0;
			break;
		}
		case ACT_CANCEL:
		case ACT_MERGE:
			task = 0;
			break;
		default:
			break;
		}
	}
	/* A dispatch still waited for when it fell due: nobody's. */
	if (task) {
		uint64_t due = due_of(a, STEP_DISPATCH, task);
		if (in(a, due))
			bump(row(a, "(none)", "not dispatched"), DP_DUE, st->case_id);
	}
}

static void
add_unit(struct ind_acc *a, const struct case_state *st)
{
	struct clocks cs;
	clocks_of(a, st, &cs);
	for (size_t i = 0; i < cs.n; i++) {
		const struct clock *c = &cs.c[i];
		struct judged j;
		struct ind_row *r = NULL;
		if (c->dispatch && in(a, c->start))
			bump(r = row(a, c->unit, NULL), UN_REGISTERED, st->case_id);
		if (c->how == END_RETURN && in(a, c->end)) {
			r = row(a, c->unit, NULL);
			bump(r, UN_RETURNED, st->case_id);
			if (on_time(a, STEP_RETURN, c->start, c->end))
				bump(r, UN_RETURNED_ON_TIME, st->case_id);
		}
		judge(a, st, c, &j);
		if (!j.falls_due)
			continue;
		r = row(a, c->unit, NULL);
		bump(r, UN_DUE, st->case_id);
		bump(r, UN_DUE_TO_CLOSE, st->case_id);
		for (uint32_t k = 0; k < c->postponements; k++)
			bump(r, UN_POSTPONEMENTS, st->case_id);
		for (uint32_t k = 0; k < c->suspensions; k++)
			bump(r, UN_SUSPENSIONS, st->case_id);
		if (!j.disposed) {
			bump(r, UN_OVERDUE_OPEN, st->case_id);
			continue;
		}
		bump(r, UN_DISPOSED, st->case_id);
		bump(r, j.late ? UN_LATE : UN_ON_TIME, st->case_id);
		if (c->reworked)
			bump(r, UN_REWORKED, st->case_id);
		add_minutes(a, r, j.minutes);
	}
	free(cs.c);
}

/* The region of a case in the set: the cell, its community, its street. */
static void
region_of(const struct ind_acc *a, const struct case_state *st, char *key,
	  size_t cap, char *name, size_t ncap)
{
	const struct grid_cell *c = cell_of(a, st->grid);
	name[0] = '\0';
	switch (a->set) {
	case IND_GRID:
		snprintf(key, cap, "%s", st->grid);
		break;
	case IND_COMMUNITY:
		snprintf(key, cap, "%.*s", GRID_OFFICE_DIGITS + 3, st->grid);
		if (c)
			snprintf(name, ncap, "%s", c->community);
		break;
	default:
		snprintf(key, cap, "%.*s", GRID_OFFICE_DIGITS, st->grid);
		if (c)
			snprintf(name, ncap, "%s", c->office);
		break;
	}
}

static void
add_region(struct ind_acc *a, const struct case_state *st)
{
	char key[80], name[80];
	struct clocks cs;
	if (!st->grid[0])
		return;
	region_of(a, st, key, sizeof(key), name, sizeof(name));
	struct ind_row *r = NULL;
	if (is_public(st) && st->checked && st->check_found &&
	    in(a, st->checked_at))
		bump(r = row(a, key, name), RG_PUBLIC, st->case_id);
	if (in(a, st->registered_at))
		bump(r = row(a, key, name), RG_REGISTERED, st->case_id);
	clocks_of(a, st, &cs);
	for (size_t i = 0; i < cs.n; i++) {
		struct judged j;
		judge(a, st, &cs.c[i], &j);
		if (!j.falls_due)
			continue;
		r = row(a, key, name);
		bump(r, RG_DUE, st->case_id);
		/* Closed: disposed, and the disposal was not sent back. */
		if (j.disposed && !cs.c[i].reworked) {
			bump(r, RG_CLOSED, st->case_id);
			if (!j.late)
				bump(r, RG_CLOSED_ON_TIME, st->case_id);
		}
	}
	free(cs.c);
}

static void
add_district(struct ind_acc *a, const struct case_state *st)
{
	struct ind_row *r = row(a, "district", "");
	struct clocks cs;
	if (in(a, st->reported_at))
		bump(r, DI_REPORTED, st->case_id);
	if (in(a, st->registered_at)) {
		bump(r, DI_REGISTERED, st->case_id);
		if (!is_public(st))
			bump(r, DI_SUP_FOUND, st->case_id);
	}
	clocks_of(a, st, &cs);
	for (size_t i = 0; i < cs.n; i++) {
		struct judged j;
		judge(a, st, &cs.c[i], &j);
		if (!j.falls_due)
			continue;
		bump(r, DI_DUE, st->case_id);
		if (j.disposed) {
			bump(r, DI_DISPOSED, st->case_id);
			add_minutes(a, r, j.minutes);
		}
	}
	free(cs.c);
}

void
ind_acc_add_case(struct ind_acc *a, const struct case_state *st)
{
	if (st->status == CS_NONE)
		return; /* a ghost: steps on an id never reported */
	switch (a->set) {
	case IND_SUPERVISOR: add_supervisor(a, st); break;
	case IND_OPERATOR: add_operator(a, st); break;
	case IND_SHIFT_LEAD: add_shift_lead(a, st); break;
	case IND_DISPATCHER: add_dispatcher(a, st); break;
	case IND_UNIT: add_unit(a, st); break;
	case IND_GRID:
	case IND_COMMUNITY:
	case IND_STREET: add_region(a, st); break;
	case IND_DISTRICT: add_district(a, st); break;
	case IND_SET_COUNT: BUG_ON(1);
	}
}

/* ---- deriving ---- */

static int64_t
rate(uint64_t num, uint64_t den)
{
	return den ? (int64_t)((num * 10000 + den / 2) / den) : IND_NO_VALUE;
}

static int64_t
band_score(const struct eval_bands *b, uint64_t count)
{
	int64_t s = 0;
	for (size_t i = 0; i < b->n; i++)
		if (count >= b->min[i])
			s = b->score_e1[i];
	return s;
}

/*
 * A weighted mean of parts in ten-thousandths of 100 points, over the
 * parts that have a value; in tenths of a point.
 */
static int64_t
weighted(const int64_t *part_e4, const uint32_t *w, size_t n)
{
	int64_t sum = 0, ws = 0;
	for (size_t i = 0; i < n; i++) {
		if (part_e4[i] == IND_NO_VALUE || !w[i])
			continue;
		sum += part_e4[i] * w[i];
		ws += w[i];
	}
	return ws ? (sum / ws + 5) / 10 : IND_NO_VALUE;
}

static int
u64_cmp(const void *x, const void *y)
{
	uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
	return (p > q) - (p < q);
}

static void
times(struct minutes *m, int64_t *avg, int64_t *median)
{
	uint64_t sum = 0;
	*avg = *median = IND_NO_VALUE;
	if (!m->n)
		return;
	qsort(m->v, m->n, sizeof(uint64_t), u64_cmp);
	for (size_t i = 0; i < m->n; i++)
		sum += m->v[i];
	*avg = (int64_t)((sum + m->n / 2) / m->n);
	*median = (int64_t)(m->n % 2 ? m->v[m->n / 2]
				     : (m->v[m->n / 2 - 1] + m->v[m->n / 2]) / 2);
}

/* 漏报: the public reports registered in the period, in the
 * supervisor's area, that no report of theirs was merged into. */
static void
missed(struct ind_acc *a, struct ind_row *r, const uint8_t *key)
{
	const struct who *w = who_of(a, key);
	int by_unit = 0;
	/* The area: the cells of the street office or community that the
	 * roster names as the supervisor's unit. */
	for (size_t i = 0; w && i < a->ncells; i++)
		if (strcmp(a->cells[i].office, w->unit) == 0 ||
		    strcmp(a->cells[i].community, w->unit) == 0)
			by_unit = 1;
	for (size_t i = 0; i < a->npub; i++) {
		const struct public_case *pc = &a->pub[i];
		int area = 0, reported = 0;
		if (by_unit) {
			const struct grid_cell *c = cell_of(a, pc->grid);
			area = c && (strcmp(c->office, w->unit) == 0 ||
				     strcmp(c->community, w->unit) == 0);
		} else {
			/* Else its beat: the cells it reported from. */
			for (size_t k = 0; k < a->nsup && !area; k++)
				area = memcmp(a->sup[k].key, key, EVENT_KEY_BYTES) == 0 &&
				       strcmp(a->sup[k].grid, pc->grid) == 0;
		}
		if (!area)
			continue;
		bump(r, SV_AREA_REG, pc->case_id);
		for (size_t k = 0; k < a->nsup && !reported; k++)
			reported = memcmp(a->sup[k].key, key, EVENT_KEY_BYTES) == 0 &&
				   strcmp(a->sup[k].merged_into, pc->case_id) == 0;
		if (!reported)
			bump(r, SV_MISSED, pc->case_id);
	}
}

static void
derive(struct ind_acc *a, struct ind_row *r, struct minutes *m)
{
	const struct eval_config *e = &a->cfg->ev;
	int64_t *v = r->v;
	int64_t p[4];
	switch (a->set) {
	case IND_SUPERVISOR:
		v[SV_VALID_RATE] = rate(v[SV_VALID], v[SV_REPORTS]);
		v[SV_CHECK_RATE] = rate(v[SV_CHECKS_ON_TIME], v[SV_CHECKS]);
		v[SV_VERIFY_RATE] = rate(v[SV_VERIFS_ON_TIME], v[SV_VERIFS]);
		v[SV_MISSED_RATE] = rate(v[SV_MISSED], v[SV_AREA_REG]);
		v[SV_MISSED_SCORE] = v[SV_MISSED_RATE] == IND_NO_VALUE
			? IND_NO_VALUE : (10000 - v[SV_MISSED_RATE] + 5) / 10;
		p[0] = v[SV_VALID_RATE];
		p[1] = v[SV_MISSED_RATE] == IND_NO_VALUE ? IND_NO_VALUE
							 : 10000 - v[SV_MISSED_RATE];
		p[2] = v[SV_CHECK_RATE];
		p[3] = v[SV_VERIFY_RATE];
		v[SV_SCORE] = weighted(p, e->weight[EW_SUPERVISOR], 4);
		break;
	case IND_OPERATOR:
		v[OP_ACCEPTED_SCORE] = band_score(&e->operator_bands,
						  (uint64_t)v[OP_ACCEPTED]);
		v[OP_VTASK_RATE] = rate(v[OP_VTASKS_ON_TIME], v[OP_VTASKS]);
		v[OP_CTASK_RATE] = rate(v[OP_CTASKS_ON_TIME], v[OP_CTASKS]);
		p[0] = v[OP_ACCEPTED_SCORE] * 10;
		p[1] = v[OP_VTASK_RATE];
		p[2] = v[OP_CTASK_RATE];
		v[OP_SCORE] = weighted(p, e->weight[EW_OPERATOR], 3);
		break;
	case IND_SHIFT_LEAD:
		v[SL_REG_RATE] = rate(v[SL_REG_ON_TIME], v[SL_REGISTERED]);
		v[SL_ACCURATE_RATE] = rate(v[SL_ACCURATE], v[SL_REGISTERED]);
		v[SL_CLOSE_RATE] = rate(v[SL_CLOSED_ON_TIME], v[SL_CLOSES]);
		p[0] = v[SL_REG_RATE];
		p[1] = v[SL_ACCURATE_RATE];
		p[2] = v[SL_CLOSE_RATE];
		v[SL_SCORE] = weighted(p, e->weight[EW_SHIFT_LEAD], 3);
		break;
	case IND_DISPATCHER:
		v[DP_DISPATCHED_SCORE] = band_score(&e->dispatcher_bands,
						    (uint64_t)v[DP_DISPATCHED]);
		v[DP_ON_TIME_RATE] = rate(v[DP_ON_TIME], v[DP_DUE]);
		v[DP_ACCURATE_RATE] = rate(v[DP_ACCURATE], v[DP_DISPATCHED]);
		p[0] = v[DP_DISPATCHED] ? v[DP_DISPATCHED_SCORE] * 10 : IND_NO_VALUE;
		p[1] = v[DP_ON_TIME_RATE];
		p[2] = v[DP_ACCURATE_RATE];
		v[DP_SCORE] = weighted(p, e->weight[EW_DISPATCHER], 3);
		break;
	case IND_UNIT:
		v[UN_CLOSURE_RATE] = rate(v[UN_DISPOSED], v[UN_DUE_TO_CLOSE]);
		v[UN_ON_TIME_RATE] = rate(v[UN_ON_TIME], v[UN_DUE_TO_CLOSE]);
		v[UN_REWORK_RATE] = rate(v[UN_REWORKED], v[UN_DISPOSED]);
		times(m, &v[UN_AVG], &v[UN_MEDIAN]);
		v[UN_REG_SCORE] = band_score(&e->unit_bands, (uint64_t)v[UN_REGISTERED]);
		if (v[UN_CLOSURE_RATE] == IND_NO_VALUE) {
			v[UN_SCORE] = IND_NO_VALUE;
			break;
		}
		/* count score + closure x 0.3 + on time x 0.3 + (100 -
		 * rework) x 0.3, in tenths: a rate of 10000 is 100 points. */
		v[UN_SCORE] = v[UN_REG_SCORE] +
			(3 * (v[UN_CLOSURE_RATE] + v[UN_ON_TIME_RATE] +
			      10000 - (v[UN_REWORK_RATE] == IND_NO_VALUE
					       ? 0 : v[UN_REWORK_RATE])) + 50) / 100;
		break;
	case IND_GRID:
	case IND_COMMUNITY:
	case IND_STREET: {
		int cls = 1;
		for (size_t i = 0; i < e->nclass2; i++)
			if (strcmp(e->class2[i], r->key) == 0 ||
			    strcmp(e->class2[i], r->name) == 0)
				cls = 2;
		v[RG_CLASS] = cls;
		v[RG_PUBLIC_RATE] = rate(v[RG_PUBLIC], v[RG_REGISTERED]);
		v[RG_CLOSURE_RATE] = rate(v[RG_CLOSED], v[RG_DUE]);
		v[RG_ON_TIME_RATE] = rate(v[RG_CLOSED_ON_TIME], v[RG_DUE]);
		v[RG_REG_SCORE] = band_score(&e->region_bands[cls - 1],
					     (uint64_t)v[RG_REGISTERED]);
		if (v[RG_CLOSURE_RATE] == IND_NO_VALUE) {
			v[RG_SCORE] = IND_NO_VALUE;
			break;
		}
		v[RG_SCORE] = v[RG_REG_SCORE] +
			(3 * (v[RG_CLOSURE_RATE] + v[RG_ON_TIME_RATE] + 10000 -
			      (v[RG_PUBLIC_RATE] == IND_NO_VALUE ? 0
								 : v[RG_PUBLIC_RATE])) + 50) / 100;
		break;
	}
	case IND_DISTRICT:
		v[DI_DISCOVERY_RATE] = rate(v[DI_SUP_FOUND], v[DI_REGISTERED]);
		v[DI_DISPOSAL_RATE] = rate(v[DI_DISPOSED], v[DI_DUE]);
		times(m, &v[DI_AVG], &v[DI_MEDIAN]);
		break;
	case IND_SET_COUNT: BUG_ON(1);
	}
	int sc = ind_figure(&(struct ind_table){ .defs = sets[a->set].defs,
						 .nfig = sets[a->set].n }, "score");
	r->grade = '-';
	if (sc >= 0 && v[sc] != IND_NO_VALUE) {
		int64_t pts = v[sc];
		r->grade = pts >= e->grade_min[0] * 10 ? 'A'
			 : pts >= e->grade_min[1] * 10 ? 'B'
			 : pts >= e->grade_min[2] * 10 ? 'C'
			 : pts >= e->grade_min[3] * 10 ? 'D' : 'E';
	}
}

static int
row_cmp(const void *x, const void *y)
{
	return strcmp(((const struct ind_row *)x)->key,
		      ((const struct ind_row *)y)->key);
}

void
ind_acc_finish(struct ind_acc *a, struct ind_table *out)
{
	memset(out, 0, sizeof(*out));
	if (a->set == IND_SUPERVISOR) {
		/* Every supervisor in the roster has a row, reports or not. */
		for (size_t i = 0; i < a->nwho; i++)
			if (a->who[i].roles & ROLE_SUPERVISOR)
				(void)person(a, a->who[i].key);
		for (size_t i = 0; i < a->n; i++) {
			uint8_t key[EVENT_KEY_BYTES];
			if (hex_decode(a->rows[i].key, key, EVENT_KEY_BYTES) == 0)
				missed(a, &a->rows[i], key);
		}
	}
	if (a->set == IND_DISTRICT)
		(void)row(a, "district", "");
	for (size_t i = 0; i < a->n; i++)
		derive(a, &a->rows[i], &a->mins[i]);
	/* Sorting moves rows away from their minutes: derive came first. */
	if (a->n > 1)
		qsort(a->rows, a->n, sizeof(*a->rows), row_cmp);
	out->set = a->set;
	out->from_ms = a->from;
	out->to_ms = a->to;
	out->defs = sets[a->set].defs;
	out->nfig = sets[a->set].n;
	out->rows = a->rows;
	out->n = a->n;
	a->rows = NULL;
	for (size_t i = 0; i < a->n; i++)
		free(a->mins[i].v);
	a->n = 0;
	ind_acc_free(a);
}

void
ind_table_release(struct ind_table *t)
{
	rows_release(t->rows, t->n, t->nfig);
	memset(t, 0, sizeof(*t));
}

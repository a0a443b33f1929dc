/*
 * eval.c - the evaluation figures over the case states.  Reading the
 * states and the cells out of the store is node/eval_store.c's.
 */
#include "node/case/eval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/grid.h"
#include "node/case/state.h"
#include "common/banned.h"

static const char *const figure_names[FIG_COUNT] = {
	"reported", "valid", "registered", "dispatched", "due", "on_time",
	"overdue", "closed", "reworked", "returns", "postponements",
	"suspensions",
};

const char *
figure_name(enum figure f)
{
	return figure_names[f];
}

enum figure
figure_parse(const char *name)
{
	for (int i = 0; i < FIG_COUNT; i++)
		if (strcmp(figure_names[i], name) == 0)
			return (enum figure)i;
	return FIG_COUNT;
}

int
eval_by_parse(const char *s, enum eval_by *by)
{
	if (strcmp(s, "office") == 0)
		*by = EVAL_OFFICE;
	else if (strcmp(s, "unit") == 0)
		*by = EVAL_UNIT;
	else if (strcmp(s, "grid") == 0)
		*by = EVAL_GRID;
	else if (strcmp(s, "person") == 0)
		*by = EVAL_PERSON;
	else
		return ERR_INVAL;
	return 0;
}

struct office_name {
	char prefix[GRID_OFFICE_DIGITS + 1];
	char name[GRID_NAME_MAX + 1];
};

struct eval_acc {
	const struct config *cfg;
	uint64_t from, to;
	enum eval_by by;
	struct eval_result *r;
	struct eval_result res;
	struct office_name *offices;
	size_t noffices;
};

int
eval_acc_new(const struct config *cfg, uint64_t from_ms, uint64_t to_ms,
	     enum eval_by by, struct eval_acc **out, struct diag *d)
{
	if (to_ms <= from_ms)
		return diag_set(d, ERR_INVAL, "the period ends before it starts");
	struct eval_acc *run = xcalloc(1, sizeof(*run));
	run->cfg = cfg;
	run->from = from_ms;
	run->to = to_ms;
	run->by = by;
	run->r = &run->res;
	*out = run;
	return 0;
}

void
eval_acc_free(struct eval_acc *run)
{
	if (!run)
		return;
	eval_release(&run->res);
	free(run->offices);
	free(run);
}

void
eval_acc_add_cell(struct eval_acc *run, const struct grid_cell *c)
{
	if (strlen(c->grid) < GRID_OFFICE_DIGITS)
		return;
	for (size_t i = 0; i < run->noffices; i++)
		if (strncmp(run->offices[i].prefix, c->grid,
			    GRID_OFFICE_DIGITS) == 0)
			return;
	run->offices = xrealloc(run->offices,
				(run->noffices + 1) * sizeof(*run->offices));
	struct office_name *o = &run->offices[run->noffices++];
	memcpy(o->prefix, c->grid, GRID_OFFICE_DIGITS);
	o->prefix[GRID_OFFICE_DIGITS] = '\0';
	snprintf(o->name, sizeof(o->name), "%s", c->office);
}

static struct eval_group *
group(struct eval_acc *run, const char *key)
{
	struct eval_result *r = run->r;
	/* Cases with no unit (or no person) make one row, "(none)". */
	if (!key[0])
		key = "(none)";
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->g[i].key, key) == 0)
			return &r->g[i];
	r->g = xrealloc(r->g, (r->n + 1) * sizeof(*r->g));
	struct eval_group *g = &r->g[r->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->key, sizeof(g->key), "%s", key);
	return g;
}

/* The group a case counts in; report-side figures use the reporter when
 * grouping by person, the others the person who fed back. */
static void
group_key(struct eval_acc *run, const struct case_state *st, int report_side,
	  char *out, size_t cap)
{
	switch (run->by) {
	case EVAL_GRID:
		snprintf(out, cap, "%s", st->grid);
		return;
	case EVAL_UNIT:
		snprintf(out, cap, "%s", st->unit[0] ? st->unit : "");
		return;
	case EVAL_PERSON:
		snprintf(out, cap, "%s", report_side ? st->reporter : st->fed_back_by);
		return;
	case EVAL_OFFICE:
		for (size_t i = 0; i < run->noffices; i++)
			if (strncmp(run->offices[i].prefix, st->grid,
				    GRID_OFFICE_DIGITS) == 0) {
				snprintf(out, cap, "%s", run->offices[i].name);
				return;
			}
		snprintf(out, cap, "%.*s", GRID_OFFICE_DIGITS, st->grid);
		return;
	}
}

static void
count(struct eval_acc *run, const struct case_state *st, int report_side,
      enum figure f, uint64_t amount)
{
	char key[80];
	if (!amount)
		return;
	group_key(run, st, report_side, key, sizeof(key));
	struct eval_group *g = group(run, key);
	g->n[f] += amount;
	g->cases[f] = xrealloc(g->cases[f], (g->ncases[f] + 1) * sizeof(char *));
	g->cases[f][g->ncases[f]++] = xstrdup(st->case_id);
}

static int
in(const struct eval_acc *run, uint64_t t)
{
	return t && t >= run->from && t < run->to;
}

void
eval_acc_add_case(struct eval_acc *run, const struct case_state *s)
{
	const struct case_state st = *s;
	struct deadline dl;
	if (in(run, st.reported_at)) {
		count(run, &st, 1, FIG_REPORTED, 1);
		if (st.accepted_at && st.accepted_at < run->to)
			count(run, &st, 1, FIG_VALID, 1);
	}
	if (in(run, st.registered_at))
		count(run, &st, 0, FIG_REGISTERED, 1);
	if (in(run, st.dispatched_at))
		count(run, &st, 0, FIG_DISPATCHED, 1);
	/* A cancelled case was voided: it never falls due. */
	if (st.status != CS_CANCELLED &&
	    deadline_of(&st, &run->cfg->cal, run->to, &dl) == 0 &&
	    dl.has_due) {
		int done = dl.done && st.fed_back_at < run->to;
		uint64_t falls_due = done && st.fed_back_at < dl.due_ms
					     ? st.fed_back_at : dl.due_ms;
		if (in(run, falls_due)) {
			int on_time = done && st.fed_back_at <= dl.due_ms;
			count(run, &st, 0, FIG_DUE, 1);
			count(run, &st, 0, on_time ? FIG_ON_TIME : FIG_OVERDUE, 1);
			if (st.closed_at && st.closed_at < run->to)
				count(run, &st, 0, FIG_CLOSED, 1);
			if (st.reworks)
				count(run, &st, 0, FIG_REWORKED, 1);
			count(run, &st, 0, FIG_RETURNS, st.returns);
			count(run, &st, 0, FIG_POSTPONEMENTS, st.postponements);
			count(run, &st, 0, FIG_SUSPENSIONS, st.suspensions);
			if (done) {
				char key[80];
				group_key(run, &st, 0, key, sizeof(key));
				struct eval_group *g = group(run, key);
				g->minutes = xrealloc(g->minutes, (g->nminutes + 1) *
								      sizeof(uint64_t));
				/* Working time, as the limits are. */
				g->minutes[g->nminutes++] = dl.used_work_ms / 60000;
			}
		}
	}
}

static int
u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

static int
group_cmp(const void *a, const void *b)
{
	return strcmp(((const struct eval_group *)a)->key,
		      ((const struct eval_group *)b)->key);
}

static int64_t
rate_e4(uint64_t num, uint64_t den)
{
	return den ? (int64_t)((num * 10000 + den / 2) / den) : -1;
}

/* The composite: weighted mean of the rates that are defined. */
static void
derive(const struct config *cfg, struct eval_group *g)
{
	uint64_t *n = g->n;
	g->closure_rate_e4 = rate_e4(n[FIG_CLOSED], n[FIG_DUE]);
	g->on_time_rate_e4 = rate_e4(n[FIG_ON_TIME], n[FIG_DUE]);
	g->rework_rate_e4 = rate_e4(n[FIG_REWORKED], n[FIG_DUE]);
	g->valid_rate_e4 = rate_e4(n[FIG_VALID], n[FIG_REPORTED]);
	g->avg_minutes = g->median_minutes = -1;
	if (g->nminutes) {
		uint64_t sum = 0;
		qsort(g->minutes, g->nminutes, sizeof(uint64_t), u64_cmp);
		for (size_t i = 0; i < g->nminutes; i++)
			sum += g->minutes[i];
		g->avg_minutes = (int64_t)((sum + g->nminutes / 2) / g->nminutes);
		g->median_minutes = (int64_t)(g->nminutes % 2
			? g->minutes[g->nminutes / 2]
			: (g->minutes[g->nminutes / 2 - 1] +
			   g->minutes[g->nminutes / 2]) / 2);
	}
	int64_t sum = 0, weights = 0;
	for (size_t i = 0; i < cfg->nweights; i++) {
		const char *m = cfg->weights[i].metric;
		int64_t v = -1;
		if (strcmp(m, "on_time_rate") == 0)
			v = g->on_time_rate_e4;
		else if (strcmp(m, "closure_rate") == 0)
			v = g->closure_rate_e4;
		else if (strcmp(m, "valid_rate") == 0)
			v = g->valid_rate_e4;
		else if (strcmp(m, "rework_rate") == 0 && g->rework_rate_e4 >= 0)
			v = 10000 - g->rework_rate_e4; /* less rework scores more */
		if (v < 0)
			continue;
		sum += v * cfg->weights[i].weight;
		weights += cfg->weights[i].weight;
	}
	/* Rates are in 1/10000; the score is in tenths of a point of 100. */
	g->score_e1 = weights ? (sum / weights + 5) / 10 : -1;
	const uint32_t *gm = cfg->ev.grade_min;
	g->grade = g->score_e1 < 0 ? '-' : g->score_e1 >= gm[0] * 10 ? 'A'
		 : g->score_e1 >= gm[1] * 10 ? 'B' : g->score_e1 >= gm[2] * 10 ? 'C'
		 : g->score_e1 >= gm[3] * 10 ? 'D' : 'E';
}

void
eval_acc_finish(struct eval_acc *run, struct eval_result *out)
{
	*out = run->res;
	memset(&run->res, 0, sizeof(run->res));
	if (out->n > 1)
		qsort(out->g, out->n, sizeof(*out->g), group_cmp);
	for (size_t i = 0; i < out->n; i++)
		derive(run->cfg, &out->g[i]);
	eval_acc_free(run);
}

void
eval_release(struct eval_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		struct eval_group *g = &r->g[i];
		for (int f = 0; f < FIG_COUNT; f++) {
			for (size_t k = 0; k < g->ncases[f]; k++)
				free(g->cases[f][k]);
			free(g->cases[f]);
		}
		free(g->minutes);
	}
	free(r->g);
	memset(r, 0, sizeof(*r));
}

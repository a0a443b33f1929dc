/*
 * cmd_eval.c - gridcase eval: the evaluation over a period, as text,
 * JSON or CSV; --explain lists the cases behind one figure.  `--by
 * office` and `--by person` print the overview (node/case/eval.h); the
 * other views are the indicator sets of the national method
 * (node/case/indicators.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "node/case/config.h"
#include "node/case/eval.h"
#include "node/case/indicators.h"
#include "node/case/eval_codec.h"
#include "node/eval_store.h"
#include "node/node.h"
#include "node/period.h"
#include "node/witness.h"
#include "common/banned.h"

/* A date (local midnight under the calendar) or an ISO time. */
static int
parse_when(const struct calendar *cal, const char *s, uint64_t *ms)
{
	if (clock_parse(s, ms))
		return ERR_INVAL;
	if (strlen(s) == 10)
		*ms -= (uint64_t)((int64_t)cal->utc_offset_min * 60000);
	return 0;
}

static void
rate_text(struct buf *out, int64_t e4)
{
	if (e4 < 0)
		buf_printf(out, "%7s", "-");
	else
		buf_printf(out, "%6lld%%", (long long)((e4 + 50) / 100));
}

static void
put_rate(struct json_writer *w, const char *key, int64_t e4)
{
	json_key(w, key);
	if (e4 < 0)
		json_null(w);
	else
		json_fixed(w, e4, 4);
}

/* A time of nothing is no value: null, never 0. */
static void
put_minutes(struct json_writer *w, int64_t m)
{
	if (m < 0)
		json_null(w);
	else
		json_int(w, m);
}

/* An hour figure for the table: "-" for no value. */
static void
hours_text(struct buf *out, int64_t m)
{
	if (m < 0)
		buf_printf(out, " %7s", "-");
	else
		buf_printf(out, " %7.1f", (double)m / 60.0);
}

/* --explain: the cases behind one figure, per group. */
static void
print_explain(const struct eval_result *r, enum figure explain, struct buf *out)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		buf_printf(out, "%s\t%s\t%llu\t", g->key, figure_name(explain),
			   (unsigned long long)g->n[explain]);
		for (size_t k = 0; k < g->ncases[explain]; k++)
			buf_printf(out, "%s%s", k ? " " : "",
				   g->cases[explain][k]);
		buf_add_str(out, "\n");
	}
}

/* --json: one object per group. */
static void
print_json(const struct eval_result *r, struct buf *out)
{
	struct json_writer w;
	json_writer_init(&w, out, 0);
	json_arr_begin(&w);
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		json_obj_begin(&w);
		json_key(&w, "group");
		json_str(&w, g->key);
		for (int f = 0; f < FIG_COUNT; f++) {
			json_key(&w, figure_name((enum figure)f));
			json_uint(&w, g->n[f]);
		}
		put_rate(&w, "closure_rate", g->closure_rate_e4);
		put_rate(&w, "on_time_rate", g->on_time_rate_e4);
		put_rate(&w, "rework_rate", g->rework_rate_e4);
		put_rate(&w, "valid_rate", g->valid_rate_e4);
		/* Of no disposal there is no average: null, not 0. */
		json_key(&w, "avg_disposal_minutes");
		put_minutes(&w, g->avg_minutes);
		json_key(&w, "median_disposal_minutes");
		put_minutes(&w, g->median_minutes);
		json_key(&w, "score");
		if (g->score_e1 < 0)
			json_null(&w);
		else
			json_fixed(&w, g->score_e1, 1);
		json_key(&w, "grade");
		char grade[2] = { g->grade, 0 };
		json_str(&w, grade);
		json_obj_end(&w);
	}
	json_arr_end(&w);
}

/* --csv: a header, then one row per group. */
static void
print_csv(const struct eval_result *r, struct buf *out)
{
	buf_add_str(out, "group");
	for (int f = 0; f < FIG_COUNT; f++)
		buf_printf(out, ",%s", figure_name((enum figure)f));
	buf_add_str(out,
		    ",closure_rate,on_time_rate,rework_rate,valid_rate,"
		    "avg_disposal_minutes,median_disposal_minutes,score,grade\n");
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		struct buf q = BUF_INIT;
		json_quote(&q, g->key, strlen(g->key));
		buf_add(out, q.data, q.len);
		buf_release(&q);
		for (int f = 0; f < FIG_COUNT; f++)
			buf_printf(out, ",%llu", (unsigned long long)g->n[f]);
		int64_t rates[] = { g->closure_rate_e4, g->on_time_rate_e4,
				    g->rework_rate_e4, g->valid_rate_e4 };
		for (int k = 0; k < 4; k++) {
			if (rates[k] < 0)
				buf_add_str(out, ",");
			else
				buf_printf(out, ",%lld.%04lld",
					   (long long)(rates[k] / 10000),
					   (long long)(rates[k] % 10000));
		}
		int64_t times[] = { g->avg_minutes, g->median_minutes };
		for (int k = 0; k < 2; k++) {
			if (times[k] < 0)
				buf_add_str(out, ",");
			else
				buf_printf(out, ",%lld", (long long)times[k]);
		}
		if (g->score_e1 < 0)
			buf_add_str(out, ",,-\n");
		else
			buf_printf(out, ",%lld.%lld,%c\n",
				   (long long)(g->score_e1 / 10),
				   (long long)(g->score_e1 % 10), g->grade);
	}
}

/* The table for people. */
static void
print_table(const struct eval_result *r, struct buf *out)
{
	buf_printf(out,
		   "%-16s %5s %5s %5s %5s %5s %5s %5s %5s %7s %7s %7s %4s %4s %4s %7s %7s %6s %s\n",
		   "GROUP", "REP", "VALID", "REG", "DISP", "DUE", "ONTIM",
		   "LATE", "CLOSD", "CLOSE%", "ONTIME%", "REWRK%", "RET", "PPN",
		   "SUSP", "AVG(h)", "MED(h)", "SCORE", "GRADE");
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		buf_printf(out,
			   "%-16.16s %5llu %5llu %5llu %5llu %5llu %5llu %5llu %5llu ",
			   g->key, (unsigned long long)g->n[FIG_REPORTED],
			   (unsigned long long)g->n[FIG_VALID],
			   (unsigned long long)g->n[FIG_REGISTERED],
			   (unsigned long long)g->n[FIG_DISPATCHED],
			   (unsigned long long)g->n[FIG_DUE],
			   (unsigned long long)g->n[FIG_ON_TIME],
			   (unsigned long long)g->n[FIG_OVERDUE],
			   (unsigned long long)g->n[FIG_CLOSED]);
		rate_text(out, g->closure_rate_e4);
		buf_add_str(out, " ");
		rate_text(out, g->on_time_rate_e4);
		buf_add_str(out, " ");
		rate_text(out, g->rework_rate_e4);
		buf_printf(out, " %4llu %4llu %4llu",
			   (unsigned long long)g->n[FIG_RETURNS],
			   (unsigned long long)g->n[FIG_POSTPONEMENTS],
			   (unsigned long long)g->n[FIG_SUSPENSIONS]);
		hours_text(out, g->avg_minutes);
		hours_text(out, g->median_minutes);
		buf_add_str(out, " ");
		if (g->score_e1 < 0)
			buf_printf(out, "%6s %s\n", "-", "-");
		else
			buf_printf(out, "%4lld.%lld %c\n",
				   (long long)(g->score_e1 / 10),
				   (long long)(g->score_e1 % 10), g->grade);
	}
}

/* ---- the indicator sets ---- */

/* A value as the table shows it: "-" is "no value". */
static void
ind_text(char *out, size_t cap, enum ind_kind k, int64_t v)
{
	if (v == IND_NO_VALUE) {
		snprintf(out, cap, "-");
		return;
	}
	switch (k) {
	case IK_COUNT:
		snprintf(out, cap, "%lld", (long long)v);
		break;
	case IK_RATE: /* tenths of a percent, rounded half up */
		v = (v + 5) / 10;
		snprintf(out, cap, "%lld.%lld%%", (long long)(v / 10),
			 (long long)(v % 10));
		break;
	case IK_SCORE:
		snprintf(out, cap, "%lld.%lld", (long long)(v / 10),
			 (long long)(v % 10));
		break;
	case IK_MINUTES: /* tenths of an hour, rounded half up */
		v = (v * 10 + 30) / 60;
		snprintf(out, cap, "%lld.%lldh", (long long)(v / 10),
			 (long long)(v % 10));
		break;
	}
}

/* JSON and CSV: counts and minutes whole, rates with 4 decimals (1 is
 * 100 %), scores with 1. */
static void
ind_put_json(struct json_writer *w, enum ind_kind k, int64_t v)
{
	if (v == IND_NO_VALUE)
		json_null(w);
	else if (k == IK_RATE)
		json_fixed(w, v, 4);
	else if (k == IK_SCORE)
		json_fixed(w, v, 1);
	else
		json_int(w, v);
}

static void
ind_put_csv(struct buf *out, enum ind_kind k, int64_t v)
{
	if (v == IND_NO_VALUE)
		buf_add_str(out, ",");
	else if (k == IK_RATE)
		buf_printf(out, ",%lld.%04lld", (long long)(v / 10000),
			   (long long)(v % 10000));
	else if (k == IK_SCORE)
		buf_printf(out, ",%lld.%lld", (long long)(v / 10),
			   (long long)(v % 10));
	else
		buf_printf(out, ",%lld", (long long)v);
}

/* The row's label: a person's name and key prefix, a region's id. */
static void
ind_label(const struct ind_table *t, const struct ind_row *r, char *out,
	  size_t cap)
{
	if (t->set <= IND_DISPATCHER && strlen(r->key) == 64)
		snprintf(out, cap, "%.24s (%.8s)", r->name[0] ? r->name : "?",
			 r->key);
	else
		snprintf(out, cap, "%s", r->key);
}

static void
ind_print_table(const struct ind_table *t, struct buf *out)
{
	char cell[128];
	buf_printf(out, "%-26s", ind_set_name(t->set));
	for (size_t f = 0; f < t->nfig; f++)
		buf_printf(out, " %s", t->defs[f].name);
	buf_add_str(out, " grade\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct ind_row *r = &t->rows[i];
		ind_label(t, r, cell, sizeof(cell));
		buf_printf(out, "%-26.26s", cell);
		for (size_t f = 0; f < t->nfig; f++) {
			ind_text(cell, sizeof(cell), t->defs[f].kind, r->v[f]);
			buf_printf(out, " %*s", (int)strlen(t->defs[f].name), cell);
		}
		buf_printf(out, " %5c\n", r->grade);
	}
}

static void
ind_print_json(const struct ind_table *t, struct buf *out)
{
	struct json_writer w;
	json_writer_init(&w, out, 0);
	json_arr_begin(&w);
	for (size_t i = 0; i < t->n; i++) {
		const struct ind_row *r = &t->rows[i];
		json_obj_begin(&w);
		json_key(&w, "group");
		json_str(&w, r->key);
		json_key(&w, "name");
		json_str(&w, r->name);
		for (size_t f = 0; f < t->nfig; f++) {
			json_key(&w, t->defs[f].name);
			ind_put_json(&w, t->defs[f].kind, r->v[f]);
		}
		json_key(&w, "grade");
		char grade[2] = { r->grade, 0 };
		json_str(&w, grade);
		json_obj_end(&w);
	}
	json_arr_end(&w);
}

static void
ind_print_csv(const struct ind_table *t, struct buf *out)
{
	buf_add_str(out, "group,name");
	for (size_t f = 0; f < t->nfig; f++)
		buf_printf(out, ",%s", t->defs[f].name);
	buf_add_str(out, ",grade\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct ind_row *r = &t->rows[i];
		json_quote(out, r->key, strlen(r->key));
		buf_add_str(out, ",");
		json_quote(out, r->name, strlen(r->name));
		for (size_t f = 0; f < t->nfig; f++)
			ind_put_csv(out, t->defs[f].kind, r->v[f]);
		buf_printf(out, ",%c\n", r->grade);
	}
}

/* --explain for a set: the cases behind a count, per row. */
static int
ind_print_explain(const struct ind_table *t, const char *fig, struct buf *out)
{
	int f = ind_figure(t, fig);
	if (f < 0 || t->defs[f].kind != IK_COUNT)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		const struct ind_row *r = &t->rows[i];
		buf_printf(out, "%s\t%s\t%lld\t", r->key, fig, (long long)r->v[f]);
		for (size_t k = 0; k < r->ncases[f]; k++)
			buf_printf(out, "%s%s", k ? " " : "", r->cases[f][k]);
		buf_add_str(out, "\n");
	}
	return 0;
}

static void print_set_corrections(struct cli *c, const struct period *month,
				  enum ind_set set, struct buf *out);

static int
eval_sets(struct cli *c, const struct period *month, enum ind_set set,
	  uint64_t from, uint64_t to, int json, int csv, const char *explain)
{
	struct ind_table t;
	struct buf out = BUF_INIT;
	struct diag d;
	int rc = EXIT_OK;
	if (ind_run(c->node, from, to, set, &t, &d))
		return cli_fail("%s", d.text);
	if (explain) {
		if (ind_print_explain(&t, explain, &out)) {
			buf_release(&out);
			ind_table_release(&t);
			return cli_usage(c, "'%s' is not a count of the %s set",
					 explain, ind_set_name(set));
		}
	} else if (json) {
		ind_print_json(&t, &out);
	} else if (csv) {
		ind_print_csv(&t, &out);
	} else {
		ind_print_table(&t, &out);
		if (month)
			print_set_corrections(c, month, set, &out);
	}
	cli_print(&out);
	buf_release(&out);
	ind_table_release(&t);
	return rc;
}

/* The line that says a month's figures are frozen, and by which report. */
static void
frozen_note(const struct calendar *cal, const struct period *month,
	    const struct period_report *rep, int to_stderr, struct buf *out)
{
	char id[17], at[CLOCK_ISO_BYTES];
	hex_encode(rep->id, 8, id);
	clock_format_local(rep->time_ms, cal->utc_offset_min, at);
	struct buf note = BUF_INIT;
	buf_printf(&note, "%s is closed: the frozen report %s signed %s, over %llu events; later events do not change it\n",
		   month->month, id, at, (unsigned long long)rep->cp.count);
	if (to_stderr)
		fprintf(stderr, "%s", buf_cstr(&note));
	else
		buf_add(out, note.data, note.len);
	buf_release(&note);
}

/* Set `set` as rep froze it; ERR_NOTFOUND if rep holds no sets. */
static int
frozen_set(const struct period_report *rep, enum ind_set set,
	   struct ind_table *t, struct diag *d)
{
	struct mp_reader m, v;
	const uint8_t *p;
	size_t n;
	mp_reader_init(&m, rep->sets.data, rep->sets.len, NULL);
	if (!rep->sets.len || mp_map_find(&m, ind_set_name(set), &v) ||
	    mp_get_value(&v, &p, &n))
		return ERR_NOTFOUND;
	return ind_table_decode(p, n, set, t, d);
}

/*
 * Late corrections to a set: what events that arrived after the month
 * before `month` was closed would have changed in its counts (frozen,
 * now, difference), as print_corrections() does for the overview.
 */
static void
print_set_corrections(struct cli *c, const struct period *month,
		      enum ind_set set, struct buf *out)
{
	struct period prev;
	struct period_report rep;
	struct ind_table frozen, live;
	size_t shown = 0;
	period_month_prev(&node_config(c->node)->cal, month, &prev);
	if (!prev.to_ms || period_report_find(c->node, &prev, &rep, NULL))
		return;
	int rc = frozen_set(&rep, set, &frozen, NULL);
	period_report_release(&rep);
	if (rc)
		return;
	if (ind_run(c->node, prev.from_ms, prev.to_ms, set, &live, NULL)) {
		ind_table_release(&frozen);
		return;
	}
	/* Every row of either, by key: the live ones, then the frozen ones
	 * that are gone. */
	for (size_t pass = 0; pass < 2; pass++) {
		const struct ind_table *a = pass ? &frozen : &live;
		const struct ind_table *b = pass ? &live : &frozen;
		for (size_t i = 0; i < a->n; i++) {
			const struct ind_row *r = &a->rows[i], *o = NULL;
			for (size_t k = 0; k < b->n && !o; k++)
				if (strcmp(b->rows[k].key, r->key) == 0)
					o = &b->rows[k];
			if (pass && o)
				continue; /* compared in the first pass */
			for (size_t f = 0; f < live.nfig; f++) {
				if (live.defs[f].kind != IK_COUNT)
					continue;
				int64_t x = r->v[f] == IND_NO_VALUE ? 0 : r->v[f];
				int64_t y = !o || o->v[f] == IND_NO_VALUE ? 0
									 : o->v[f];
				int64_t was = pass ? x : y, now = pass ? y : x;
				if (was == now)
					continue;
				if (!shown++)
					buf_printf(out, "\nlate corrections to %s (events that arrived after its close; its report stays as signed):\n%-24s %-22s %7s %7s %7s\n",
						   prev.month, "GROUP", "FIGURE",
						   "FROZEN", "NOW", "CHANGE");
				buf_printf(out, "%-24.24s %-22s %7lld %7lld %+7lld\n",
					   r->key, live.defs[f].name,
					   (long long)was, (long long)now,
					   (long long)(now - was));
			}
		}
	}
	ind_table_release(&frozen);
	ind_table_release(&live);
}

/*
 * A set of a closed month: the figures its report froze (consumes rep).
 * A report made before the sets were frozen holds none: the month's sets
 * are then not printed rather than computed from what the node holds now.
 */
static int
eval_sets_frozen(struct cli *c, const struct period *month,
		 struct period_report *rep, enum ind_set set, int json,
		 int csv, const char *explain)
{
	struct ind_table t;
	struct buf out = BUF_INIT;
	struct diag d;
	const char *name = ind_set_name(set);
	if (explain) {
		period_report_release(rep);
		return cli_fail("%s is closed: its report holds the figures, not the cases behind them (use --from and --to for --explain)",
				month->month);
	}
	int rc = frozen_set(rep, set, &t, &d);
	if (rc == ERR_NOTFOUND) {
		period_report_release(rep);
		return cli_fail("%s is closed by a report that holds no %s figures (made before the indicator sets were frozen): use --from and --to for the live figures",
				month->month, name);
	}
	if (rc) {
		period_report_release(rep);
		return cli_fail("the report of %s does not read: %s",
				month->month, d.text);
	}
	t.from_ms = month->from_ms;
	t.to_ms = month->to_ms;
	frozen_note(&node_config(c->node)->cal, month, rep, json || csv, &out);
	period_report_release(rep);
	if (json) {
		ind_print_json(&t, &out);
	} else if (csv) {
		ind_print_csv(&t, &out);
	} else {
		ind_print_table(&t, &out);
		print_set_corrections(c, month, set, &out);
	}
	cli_print(&out);
	buf_release(&out);
	ind_table_release(&t);
	return EXIT_OK;
}

/* The rows of one grouping out of a frozen report's figures. */
static int
frozen_rows(const struct period_report *rep, enum eval_by by,
	    struct eval_result *out, struct diag *d)
{
	static const char *const names[] = { "office", "unit", "grid",
					     "person" };
	struct mp_reader m, v;
	const uint8_t *p;
	size_t n;
	mp_reader_init(&m, rep->figures.data, rep->figures.len, d);
	if (mp_map_find(&m, names[by], &v) || mp_get_value(&v, &p, &n))
		return diag_set(d, ERR_FORMAT, "the report has no figures by %s",
				names[by]);
	return eval_result_decode(p, n, out, d);
}

/*
 * Late corrections: what events that arrived after month prev was closed
 * would have changed in it, figure by figure (frozen, now, difference).
 */
static void
print_corrections(struct cli *c, const struct period *prev, enum eval_by by,
		  struct buf *out)
{
	struct period_report rep;
	struct eval_result frozen, live;
	struct diag d;
	size_t shown = 0;
	if (period_report_find(c->node, prev, &rep, &d))
		return;
	if (frozen_rows(&rep, by, &frozen, &d)) {
		period_report_release(&rep);
		return;
	}
	if (eval_run(c->node, prev->from_ms, prev->to_ms, by, &live, &d)) {
		eval_release(&frozen);
		period_report_release(&rep);
		return;
	}
	for (size_t i = 0; i < live.n; i++) {
		const struct eval_group *g = &live.g[i], *f = NULL;
		for (size_t k = 0; k < frozen.n; k++)
			if (strcmp(frozen.g[k].key, g->key) == 0)
				f = &frozen.g[k];
		for (int x = 0; x < FIG_COUNT; x++) {
			uint64_t was = f ? f->n[x] : 0;
			if (was == g->n[x])
				continue;
			if (!shown++)
				buf_printf(out, "\nlate corrections to %s (events that arrived after its close; its report stays as signed):\n%-16s %-14s %7s %7s %7s\n",
					   prev->month, "GROUP", "FIGURE", "FROZEN",
					   "NOW", "CHANGE");
			buf_printf(out, "%-16.16s %-14s %7llu %7llu %+7lld\n",
				   g->key, figure_name((enum figure)x),
				   (unsigned long long)was,
				   (unsigned long long)g->n[x],
				   (long long)(g->n[x] - was));
		}
	}
	eval_release(&live);
	eval_release(&frozen);
	period_report_release(&rep);
}

/*
 * Events of the period whose claimed time is far before their first
 * witness (docs/audit.md §4): flagged, not refused.
 */
static void
print_backdated(struct cli *c, uint64_t from, uint64_t to, struct buf *out)
{
	const struct config *cfg = node_config(c->node);
	struct witness_flag *f = NULL;
	size_t n = 0;
	struct diag d;
	if (witness_backdated(c->node, from, to, cfg->repl.backdated_after_ms, &f,
			      &n, &d)) {
		fprintf(stderr, "warning: %s\n", d.text);
		return;
	}
	if (n)
		buf_printf(out, "\nbackdated: %zu events claim a time more than %u min before their first witness:\n",
			   n, cfg->repl.backdated_after_ms / 60000);
	for (size_t i = 0; i < n; i++) {
		char id[17], claimed[CLOCK_ISO_BYTES], seen[CLOCK_ISO_BYTES];
		hex_encode(f[i].id, 8, id);
		clock_format_local(f[i].claimed_ms, cfg->cal.utc_offset_min, claimed);
		clock_format_local(f[i].witnessed_ms, cfg->cal.utc_offset_min, seen);
		buf_printf(out, "  %s claimed %s, first witnessed %s\n", id, claimed,
			   seen);
	}
	free(f);
}

int
cmd_eval(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "by", required_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "csv", no_argument, NULL, 'c' },
		{ "explain", required_argument, NULL, 'e' },
		{ "month", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const struct calendar *cal = &node_config(c->node)->cal;
	const char *from_s = NULL, *to_s = NULL, *month_s = NULL;
	struct period month, prev;
	struct period_report rep;
	int frozen = 0;
	enum eval_by by = EVAL_OFFICE;
	enum ind_set set = IND_SET_COUNT; /* none: the overview */
	enum figure explain = FIG_COUNT;
	const char *explain_s = NULL;
	struct eval_result r;
	uint64_t from, to;
	struct buf out = BUF_INIT;
	struct diag d;
	int opt, json = 0, csv = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'f': from_s = optarg; break;
		case 't': to_s = optarg; break;
		case 'b':
			/* unit and grid are sets now; office and person
			 * remain the overview. */
			if (ind_set_parse(optarg, &set) == 0)
				break;
			set = IND_SET_COUNT;
			if (eval_by_parse(optarg, &by))
				return cli_usage(c, "--by takes office, person (the overview), supervisor, operator, shift, dispatcher, unit, grid, community, street or district");
			break;
		case 'm': month_s = optarg; break;
		case 'j': json = 1; break;
		case 'c': csv = 1; break;
		case 'e':
			explain_s = optarg;
			break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (set == IND_SET_COUNT && explain_s &&
	    (explain = figure_parse(explain_s)) == FIG_COUNT)
		return cli_usage(c, "'%s' is not a figure (reported, valid, registered, dispatched, due, on_time, overdue, closed, reworked, returns, postponements, suspensions)",
				 explain_s);
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (month_s && (from_s || to_s))
		return cli_usage(c, "give --month or --from and --to, not both");
	if (month_s) {
		if (period_month_parse(cal, month_s, &month))
			return cli_usage(c, "'%s' is not a month (YYYY-MM)", month_s);
		from = month.from_ms;
		to = month.to_ms;
	} else {
		if (!from_s || !to_s)
			return cli_usage(c, "--from and --to (or --month) are required");
		if (parse_when(cal, from_s, &from) || parse_when(cal, to_s, &to))
			return cli_usage(c, "dates are YYYY-MM-DD (local) or YYYY-MM-DDTHH:MMZ");
	}
	if (json && csv)
		return cli_usage(c, "give --json or --csv, not both");
	/* The period is [from, to): --to is the first day after it. */
	if (to == from)
		return cli_usage(c, "--from and --to are the same: the period is empty, since --to is the first day after it (for the day %s alone give --to the next day)",
				 from_s);
	if (to < from)
		return cli_usage(c, "--to %s is before --from %s", to_s, from_s);
	if (set != IND_SET_COUNT) {
		if (month_s) {
			int rc = period_report_find(c->node, &month, &rep, &d);
			if (rc && rc != ERR_NOTFOUND)
				return cli_fail("%s", d.text);
			if (rc == 0)
				return eval_sets_frozen(c, &month, &rep, set,
							json, csv, explain_s);
		}
		return eval_sets(c, month_s ? &month : NULL, set, from, to,
				 json, csv, explain_s);
	}
	if (month_s) {
		int rc = period_report_find(c->node, &month, &rep, &d);
		if (rc && rc != ERR_NOTFOUND)
			return cli_fail("%s", d.text);
		frozen = rc == 0;
	}
	if (frozen) {
		if (explain != FIG_COUNT) {
			period_report_release(&rep);
			return cli_fail("%s is closed: its report holds the figures, not the cases behind them (use --from and --to for --explain)",
					month.month);
		}
		if (frozen_rows(&rep, by, &r, &d)) {
			period_report_release(&rep);
			return cli_fail("the report of %s does not read: %s",
					month.month, d.text);
		}
		frozen_note(cal, &month, &rep, json || csv, &out);
		period_report_release(&rep);
	} else if (eval_run(c->node, from, to, by, &r, &d)) {
		return cli_fail("%s", d.text);
	}

	if (explain != FIG_COUNT)
		print_explain(&r, explain, &out);
	else if (json)
		print_json(&r, &out);
	else if (csv)
		print_csv(&r, &out);
	else
		print_table(&r, &out);
	if (!json && !csv && explain == FIG_COUNT)
		print_backdated(c, from, to, &out);
	if (month_s && !json && !csv && explain == FIG_COUNT) {
		period_month_prev(cal, &month, &prev);
		if (prev.to_ms)
			print_corrections(c, &prev, by, &out);
	}
	cli_print(&out);
	buf_release(&out);
	eval_release(&r);
	return EXIT_OK;
}

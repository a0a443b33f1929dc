/*
 * trend.c - the evaluation page's month-on-month trend: the chosen month
 * and the months before it, each from its frozen report when the month
 * was closed (node/period.h: the signed figures, which later events do
 * not change) and computed live from the node's views otherwise; the page
 * says which, month by month.  A table of the district's figures (the
 * sums over the grouping's groups), a small SVG chart of the two rates
 * and the reports, and each group's grade month by month.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "node/case/config.h"
#include "node/case/eval.h"
#include "node/case/eval_codec.h"
#include "node/eval_store.h"
#include "node/http/internal.h"
#include "node/node.h"
#include "node/period.h"
#include "common/banned.h"

struct trend_month {
	struct period p;
	int frozen, ok;
	char report[17]; /* the frozen report's event id, shortened */
	struct eval_result res;
	uint64_t n[FIG_COUNT]; /* the sums over the groups */
	int64_t closure_e4, on_time_e4; /* -1: nothing was due */
};

/* The month's figures for grouping `by` from its frozen report, if the
 * month was closed and the report holds that grouping. */
static int
trend_frozen(struct web_call *c, struct trend_month *m, const char *by)
{
	struct period_report r;
	struct mp_reader rd, v;
	struct diag d;
	const uint8_t *p;
	size_t n;
	if (period_report_find(c->w->n, &m->p, &r, &d))
		return -1;
	int rc = -1;
	mp_reader_init(&rd, r.figures.data, r.figures.len, NULL);
	if (mp_map_find(&rd, by, &v) == 0 && mp_get_value(&v, &p, &n) == 0 &&
	    eval_result_decode(p, n, &m->res, &d) == 0) {
		hex_encode(r.id, 8, m->report);
		rc = 0;
	}
	period_report_release(&r);
	return rc;
}

static int64_t
ratio_e4(uint64_t a, uint64_t b)
{
	return b ? (int64_t)(a * 10000 / b) : -1;
}

static void
rate_cell(struct buf *o, int64_t e4)
{
	if (e4 < 0)
		buf_add_str(o, "<td>-</td>");
	else
		buf_printf(o, "<td>%lld.%02lld%%</td>", (long long)(e4 / 100), (long long)(e4 % 100));
}

static void
trend_chart(struct web_call *c, const struct trend_month *m, size_t nm)
{
	struct buf *o = &c->rs->body;
	/* Oldest on the left; rates on 0-100 %, reports as bars scaled to
	 * the largest month. */
	const unsigned W = 640, H = 220, L = 44, B = 30, T0 = 12;
	unsigned step = (W - L - 10) / (unsigned)nm;
	uint64_t maxr = 1;
	for (size_t i = 0; i < nm; i++)
		if (m[i].ok && m[i].n[FIG_REPORTED] > maxr)
			maxr = m[i].n[FIG_REPORTED];
	buf_printf(o, "<svg class=\"trend\" id=\"trend-chart\" viewBox=\"0 0 %u %u\" role=\"img\" aria-label=\"%s\">",
		   W, H, T(c, "逐月趋势图", "month-on-month chart"));
	for (int pct = 0; pct <= 100; pct += 50) {
		unsigned y = H - B - (unsigned)pct * (H - B - T0) / 100;
		buf_printf(o, "<line class=\"grid\" x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\"></line><text x=\"0\" y=\"%u\">%d%%</text>",
			   L, y, W - 4, y, y + 4, pct);
	}
	for (int line = 0; line < 3; line++) {
		if (line == 2) {
			for (size_t i = 0; i < nm; i++) {
				size_t k = nm - 1 - i;
				unsigned x = L + (unsigned)i * step + step / 2;
				buf_printf(o, "<text class=\"month\" x=\"%u\" y=\"%u\">%s</text>", x - 22, H - 8,
					   m[k].p.month);
			}
			break;
		}
		if (line == 0) {
			for (size_t i = 0; i < nm; i++) {
				size_t k = nm - 1 - i;
				if (!m[k].ok)
					continue;
				unsigned h = (unsigned)(m[k].n[FIG_REPORTED] * (H - B - T0) / maxr);
				unsigned x = L + (unsigned)i * step + step / 2;
				buf_printf(o, "<rect class=\"bar rep%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"><title>%s %s %llu</title></rect>",
					   m[k].frozen ? " frozen" : "", x - step / 6, H - B - h, step / 3, h,
					   m[k].p.month, T(c, "上报", "reported"),
					   (unsigned long long)m[k].n[FIG_REPORTED]);
			}
		}
		/* The closure rate, then the on-time rate, as lines with dots. */
		buf_printf(o, "<polyline class=\"line %s\" points=\"", line == 0 ? "closure" : "ontime");
		for (size_t i = 0; i < nm; i++) {
			size_t k = nm - 1 - i;
			int64_t e4 = line == 0 ? m[k].closure_e4 : m[k].on_time_e4;
			if (!m[k].ok || e4 < 0)
				continue;
			buf_printf(o, "%u,%u ", L + (unsigned)i * step + step / 2,
				   H - B - (unsigned)(e4 * (H - B - T0) / 10000));
		}
		buf_add_str(o, "\"></polyline>");
		for (size_t i = 0; i < nm; i++) {
			size_t k = nm - 1 - i;
			int64_t e4 = line == 0 ? m[k].closure_e4 : m[k].on_time_e4;
			if (!m[k].ok || e4 < 0)
				continue;
			buf_printf(o, "<circle class=\"dot %s\" cx=\"%u\" cy=\"%u\" r=\"4\"><title>%s %lld.%02lld%%</title></circle>",
				   line == 0 ? "closure" : "ontime", L + (unsigned)i * step + step / 2,
				   H - B - (unsigned)(e4 * (H - B - T0) / 10000), m[k].p.month,
				   (long long)(e4 / 100), (long long)(e4 % 100));
		}
	}
	buf_printf(o, "</svg><p class=\"legend\"><span class=\"bar rep\">■</span> %s <span class=\"line closure\">━</span> %s <span class=\"line ontime\">━</span> %s</p>",
		   T(c, "上报", "reported"), T(c, "结案率", "closure rate"), T(c, "按期率", "on-time rate"));
}

/* The grades of each group, month by month (the chosen month last). */
static void
trend_grades(struct web_call *c, const struct trend_month *m, size_t nm)
{
	struct buf *o = &c->rs->body;
	/* The groups of every month, in key order, once each. */
	char **keys = NULL;
	size_t nk = 0;
	for (size_t k = 0; k < nm; k++)
		for (size_t g = 0; m[k].ok && g < m[k].res.n; g++) {
			size_t j = 0;
			while (j < nk && strcmp(keys[j], m[k].res.g[g].key) != 0)
				j++;
			if (j < nk)
				continue;
			keys = xrealloc(keys, (nk + 1) * sizeof(*keys));
			keys[nk++] = m[k].res.g[g].key;
		}
	for (size_t i = 1; i < nk; i++)
		for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
			char *t = keys[j];
			keys[j] = keys[j - 1];
			keys[j - 1] = t;
		}
	buf_printf(o, "<h3>%s</h3><div class=\"scroll\"><table class=\"grades\" id=\"trend-grades\"><thead><tr><th>%s</th>",
		   T(c, "各月等级", "Grades by month"), T(c, "对象", "Group"));
	for (size_t i = nm; i-- > 0;)
		buf_printf(o, "<th>%s</th>", m[i].p.month);
	buf_add_str(o, "</tr></thead><tbody>");
	for (size_t j = 0; j < nk; j++) {
		buf_add_str(o, "<tr><td>");
		html_text(o, keys[j]);
		buf_add_str(o, "</td>");
		for (size_t i = nm; i-- > 0;) {
			const struct eval_group *g = NULL;
			for (size_t x = 0; m[i].ok && x < m[i].res.n && !g; x++)
				if (strcmp(m[i].res.g[x].key, keys[j]) == 0)
					g = &m[i].res.g[x];
			if (g && g->score_e1 >= 0 && g->grade)
				buf_printf(o, "<td class=\"grade g-%c\">%c <span class=\"muted\">%lld.%lld</span></td>",
					   g->grade, g->grade, (long long)(g->score_e1 / 10),
					   (long long)(g->score_e1 % 10));
			else
				buf_add_str(o, "<td>-</td>");
		}
		buf_add_str(o, "</tr>");
	}
	buf_add_str(o, "</tbody></table></div>");
	free(keys);
}

void
eval_trend(struct web_call *c, const char *by_name, enum eval_by by,
	   const char *month)
{
	struct buf *o = &c->rs->body;
	const struct calendar *cal = &node_config(c->w->n)->cal;
	struct trend_month m[EVAL_TREND_MONTHS];
	struct diag d;
	size_t nm = 0;

	memset(m, 0, sizeof(m));
	if (period_month_parse(cal, month, &m[0].p))
		return;
	for (nm = 1; nm < EVAL_TREND_MONTHS; nm++) {
		period_month_prev(cal, &m[nm - 1].p, &m[nm].p);
		if (!m[nm].p.month[0])
			break;
	}
	for (size_t k = 0; k < nm; k++) {
		struct trend_month *t = &m[k];
		if (trend_frozen(c, t, by_name) == 0)
			t->frozen = t->ok = 1;
		else
			t->ok = eval_run(c->w->n, t->p.from_ms, t->p.to_ms, by, &t->res, &d) == 0;
		for (size_t g = 0; t->ok && g < t->res.n; g++)
			for (int f = 0; f < FIG_COUNT; f++)
				t->n[f] += t->res.g[g].n[f];
		t->closure_e4 = ratio_e4(t->n[FIG_CLOSED], t->n[FIG_DUE]);
		t->on_time_e4 = ratio_e4(t->n[FIG_ON_TIME], t->n[FIG_DUE]);
	}
	buf_printf(o, "<h2 id=\"trend\">%s</h2><p class=\"hint\">%s</p>",
		   T(c, "逐月趋势", "Month on month"),
		   T(c, "已结账的月份取其签名冻结报告（之后的事件不再改变它），其余月份按本节点当前数据实时计算；合计为各对象之和。",
		     "A closed month's figures are those of its signed frozen report (later events do not change them); the other months are computed live from this node's data. Totals are the sums over the groups."));
	buf_printf(o, "<div class=\"scroll\"><table class=\"trend\" id=\"trend-table\"><thead><tr><th>%s</th><th>%s</th>"
		      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		   T(c, "月份", "Month"), T(c, "数据来源", "Source"), T(c, "上报", "Reported"),
		   T(c, "立案", "Registered"), T(c, "应结", "Due"), T(c, "结案", "Closed"),
		   T(c, "按期处置", "On time"), T(c, "超期", "Overdue"), T(c, "结案率", "Closure"),
		   T(c, "按期率", "On time"));
	for (size_t k = 0; k < nm; k++) {
		const struct trend_month *t = &m[k];
		buf_printf(o, "<tr data-month=\"%s\" data-source=\"%s\"><td><a href=\"/eval?month=%s&amp;by=%s\">%s</a></td>",
			   t->p.month, !t->ok ? "none" : t->frozen ? "frozen" : "live", t->p.month,
			   by_name, t->p.month);
		if (!t->ok) {
			buf_printf(o, "<td colspan=\"9\">%s</td></tr>", T(c, "无法计算", "could not be computed"));
			continue;
		}
		if (t->frozen)
			buf_printf(o, "<td><span class=\"tag frozen\">%s</span> <code class=\"muted\">%s</code></td>",
				   T(c, "冻结报告", "frozen report"), t->report);
		else
			buf_printf(o, "<td><span class=\"tag live\">%s</span></td>", T(c, "实时", "live"));
		static const enum figure cols[] = { FIG_REPORTED, FIG_REGISTERED, FIG_DUE,
						    FIG_CLOSED, FIG_ON_TIME, FIG_OVERDUE };
		for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
			buf_printf(o, "<td>%llu</td>", (unsigned long long)t->n[cols[i]]);
		rate_cell(o, t->closure_e4);
		rate_cell(o, t->on_time_e4);
		buf_add_str(o, "</tr>");
	}
	buf_add_str(o, "</tbody></table></div>");
	trend_chart(c, m, nm);
	trend_grades(c, m, nm);
	for (size_t k = 0; k < nm; k++)
		if (m[k].ok)
			eval_release(&m[k].res);
}

/*
 * pages.c - the console's pages: worklist, case, actions, report, centre
 * board, evaluation, replication, photos (the map is map.c).  Each page reads through
 * the node API and writes through html.h; each action is a form posting
 * to /act/CASE that becomes one case_act() call, as the CLI's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/actions.h"
#include "node/api.h"
#include "node/case/calendar.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/eval.h"
#include "node/case/grid.h"
#include "node/case/roster.h"
#include "node/case/workflow.h"
#include "node/eval_store.h"
#include "node/grid_store.h"
#include "node/http/internal.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/report.h"
#include "store/store.h"
#include "common/banned.h"

#define LIST_MAX 500
#define MAX_PHOTOS 8
/* Personal data (a caller's name and number) is for intake only. */
#define ROLES_PERSONAL (ROLE_OPERATOR | ROLE_SHIFT_LEAD)

static const char *
status_zh(enum case_status s)
{
	static const char *zh[CS_COUNT] = {
		"无", "已上报", "已核实", "已受理", "不予立案", "已立案", "已派遣",
		"已回退", "已挂账", "已反馈", "已核查", "已结案", "已作废", "已并案",
	};
	return s < CS_COUNT ? zh[s] : "?";
}

static const char *
status_word(const struct web_call *c, enum case_status s)
{
	return c->en ? case_status_name(s) : status_zh(s);
}

static const char *
colour_word(const struct web_call *c, enum colour col)
{
	switch (col) {
	case COLOUR_GREEN: return T(c, "正常", "on time");
	case COLOUR_YELLOW: return T(c, "将到期", "due soon");
	case COLOUR_RED: return T(c, "超期", "overdue");
	case COLOUR_STOPPED: return T(c, "暂停", "stopped");
	default: return "";
	}
}

static const char *
action_word(const struct web_call *c, const struct action_def *a)
{
	return c->en ? a->type : a->zh;
}

/* "3h20m" of working time; "-" for none. */
static void
fmt_work(uint64_t ms, char out[32])
{
	uint64_t m = ms / 60000;
	if (m >= 60)
		snprintf(out, 32, "%lluh%02llum", (unsigned long long)(m / 60),
			 (unsigned long long)(m % 60));
	else
		snprintf(out, 32, "%llum", (unsigned long long)m);
}

static void
time_left(const struct web_call *c, const struct case_row *r, char out[64])
{
	char t[32];
	if (!r->has_deadline || !r->dl.has_due || r->dl.done) {
		snprintf(out, 64, "-");
		return;
	}
	if (r->dl.used_work_ms > r->dl.limit_work_ms) {
		fmt_work(r->dl.used_work_ms - r->dl.limit_work_ms, t);
		snprintf(out, 64, "%s %s", T(c, "超期", "over by"), t);
	} else {
		fmt_work(r->dl.limit_work_ms - r->dl.used_work_ms, t);
		snprintf(out, 64, "%s", t);
	}
}

/* ---- the worklist ---- */

struct row {
	char id[STATE_NAME_MAX + 1];
	enum case_status status;
	char kind[12], code[8], grid[40], unit[STATE_NAME_MAX + 1];
	char team[STATE_NAME_MAX + 1];
	char *where;
	uint64_t reported_at, due_ms, last_at;
	enum colour colour;
	int has_deadline;
	char left[64];
	uint64_t left_key; /* for sorting: remaining working ms (0: over) */
	size_t conflicts;
};

struct rows {
	struct row *v;
	size_t n, total;
	const struct web_call *c;
};

static int
collect(const struct case_row *r, void *ctx)
{
	struct rows *rs = ctx;
	rs->total++;
	if (rs->n >= LIST_MAX)
		return 0;
	struct row *o = &rs->v[rs->n++];
	memset(o, 0, sizeof(*o));
	snprintf(o->id, sizeof(o->id), "%s", r->case_id);
	o->status = r->st->status;
	snprintf(o->kind, sizeof(o->kind), "%s", r->st->kind);
	snprintf(o->code, sizeof(o->code), "%s", r->st->code);
	snprintf(o->grid, sizeof(o->grid), "%s", r->st->grid);
	snprintf(o->unit, sizeof(o->unit), "%s", r->st->unit);
	snprintf(o->team, sizeof(o->team), "%s", r->st->team);
	o->where = xstrdup(r->st->where ? r->st->where : "");
	o->reported_at = r->st->reported_at;
	o->last_at = r->st->last_at;
	o->has_deadline = r->has_deadline;
	o->colour = r->has_deadline && r->dl.has_due && !r->dl.done ? r->dl.colour : COLOUR_NONE;
	o->due_ms = r->has_deadline ? r->dl.due_ms : 0;
	time_left(rs->c, r, o->left);
	o->left_key = !r->has_deadline || r->dl.done || !r->dl.has_due ? UINT64_MAX
		      : r->dl.used_work_ms > r->dl.limit_work_ms ? 0
		      : r->dl.limit_work_ms - r->dl.used_work_ms;
	o->conflicts = state_open_conflicts(r->st);
	return 0;
}

static int
by_due(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->left_key != y->left_key)
		return x->left_key < y->left_key ? -1 : 1;
	return x->reported_at > y->reported_at ? -1 : x->reported_at < y->reported_at;
}

static int
by_new(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	return x->reported_at > y->reported_at ? -1 : x->reported_at < y->reported_at;
}

static void
rows_release(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].where);
	free(rs->v);
}

/* The query of a worklist URL; strings point into f. */
struct filters {
	char state[24], cls[24], grid[40], unit[65], team[65], colour[12], sort[8];
	int overdue, soon;
};

static void
filters_read(struct web_call *c, struct filters *f, struct case_query *q)
{
	const char *qs = c->rq->query;
	char ov[8];
	memset(f, 0, sizeof(*f));
	memset(q, 0, sizeof(*q));
	form_get(qs, "state", f->state, sizeof(f->state));
	form_get(qs, "class", f->cls, sizeof(f->cls));
	form_get(qs, "grid", f->grid, sizeof(f->grid));
	/* A disposal unit sees its own cases unless it asks for all. */
	if (!form_get(qs, "unit", f->unit, sizeof(f->unit)) && c->sess &&
	    (c->sess->roles & ROLE_DISPOSAL) && c->sess->unit[0])
		snprintf(f->unit, sizeof(f->unit), "%s", c->sess->unit);
	form_get(qs, "team", f->team, sizeof(f->team));
	form_get(qs, "colour", f->colour, sizeof(f->colour));
	form_get(qs, "sort", f->sort, sizeof(f->sort));
	form_get(qs, "overdue", ov, sizeof(ov));
	f->overdue = ov[0] == '1';
	/* Due within 24 hours: the board's per-unit links. */
	form_get(qs, "soon", ov, sizeof(ov));
	f->soon = ov[0] == '1';
	q->state = f->state[0] ? f->state : NULL;
	q->cls = f->cls[0] ? f->cls : NULL;
	q->grid = f->grid[0] ? f->grid : NULL;
	q->unit = f->unit[0] ? f->unit : NULL;
	q->team = f->team[0] ? f->team : NULL;
	q->colour = colour_parse(f->colour);
	q->overdue = f->overdue;
	q->now_ms = c->rq->now_ms;
	if (f->soon)
		q->due_before = q->now_ms + 24ull * 3600 * 1000;
}

/* Runs the query; rows sorted by the URL's sort (due first by default). */
static int
rows_query(struct web_call *c, const struct case_query *q, const char *sort,
	   struct rows *rs, struct diag *d)
{
	memset(rs, 0, sizeof(*rs));
	rs->c = c;
	rs->v = xcalloc(LIST_MAX, sizeof(*rs->v));
	int rc = node_case_list(c->w->n, q, collect, rs, d);
	if (rc)
		return rc;
	qsort(rs->v, rs->n, sizeof(*rs->v), strcmp(sort, "new") == 0 ? by_new : by_due);
	return 0;
}

/* A button for each action the person's roles allow in this state and
 * that needs no field: the rest are on the case page. */
static void
row_buttons(struct web_call *c, const struct row *r)
{
	/* The steps of the main flow; exceptions are on the case page. */
	static const unsigned flow = 1u << ACT_CHECK | 1u << ACT_ACCEPT |
				     1u << ACT_REGISTER | 1u << ACT_DISPATCH |
				     1u << ACT_DISPOSE | 1u << ACT_FEEDBACK |
				     1u << ACT_RETURN | 1u << ACT_VERIFY_PASS |
				     1u << ACT_CLOSE;
	struct buf *o = &c->rs->body;
	for (int k = 0; k < ACT_COUNT; k++) {
		const struct action_def *a = workflow_action_at((enum action)k);
		if (!(flow & (1u << a->act)) || !(a->from & CS_BIT(r->status)) ||
		    !web_has_role(c, a->roles))
			continue;
		int simple = 1;
		for (int i = 0; i < ACTION_MAX_FIELDS && a->required[i]; i++) {
			int filled = 0;
			for (size_t j = 0; j < 2; j++)
				if (a->filled[j] && strcmp(a->filled[j], a->required[i]) == 0)
					filled = 1;
			if (!filled)
				simple = 0;
		}
		if (!simple) {
			buf_printf(o, "<a class=\"btn\" href=\"/case/%s#act-%s\">%s</a>", r->id,
				   a->type, action_word(c, a));
			continue;
		}
		buf_printf(o, "<form method=\"post\" action=\"/act/%s\" class=\"inline\">", r->id);
		form_csrf(c);
		buf_printf(o, "<input type=\"hidden\" name=\"type\" value=\"%s\"><button>%s</button></form>",
			   a->type, action_word(c, a));
	}
}

static void
select_opt(struct buf *o, const char *value, const char *label, const char *cur)
{
	buf_printf(o, "<option value=\"%s\"%s>", value, strcmp(value, cur) == 0 ? " selected" : "");
	html_text(o, label);
	buf_add_str(o, "</option>");
}

static void
rows_table(struct web_call *c, const struct rows *rs, int buttons)
{
	struct buf *o = &c->rs->body;
	char when[32];
	if (rs->n == 0) {
		buf_printf(o, "<p class=\"empty\">%s</p>", T(c, "没有案卷", "No cases"));
		return;
	}
	buf_printf(o, "<table class=\"cases\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
		      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>%s</tr></thead><tbody>",
		   T(c, "案卷", "Case"), T(c, "状态", "State"), T(c, "剩余工作时间", "Time left"),
		   T(c, "类别", "Class"), T(c, "网格", "Grid"), T(c, "处置单位 · 班组", "Unit · team"),
		   T(c, "位置", "Where"), T(c, "上报时间", "Reported"),
		   buttons ? T(c, "<th>操作</th>", "<th>Actions</th>") : "");
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *r = &rs->v[i];
		buf_printf(o, "<tr class=\"c-%s\" data-case=\"%s\"><td><a href=\"/case/%s\">%s</a>%s</td>",
			   colour_name(r->colour), r->id, r->id, r->id,
			   r->conflicts ? " <span class=\"tag conflict\">!</span>" : "");
		buf_printf(o, "<td><span class=\"state s-%s\">%s</span>", case_status_name(r->status),
			   status_word(c, r->status));
		if (r->colour != COLOUR_NONE)
			buf_printf(o, " <span class=\"light l-%s\">%s</span>", colour_name(r->colour),
				   colour_word(c, r->colour));
		buf_printf(o, "</td><td>%s</td><td>", r->left);
		html_text(o, r->kind);
		buf_add_str(o, ":");
		html_text(o, r->code);
		buf_add_str(o, "</td><td>");
		html_text(o, r->grid);
		buf_add_str(o, "</td><td>");
		html_text(o, r->unit);
		if (r->team[0]) {
			buf_add_str(o, " <span class=\"team\">");
			html_text(o, r->team);
			buf_add_str(o, "</span>");
		}
		buf_add_str(o, "</td><td>");
		html_text(o, r->where);
		web_time(c, r->reported_at, when);
		buf_printf(o, "</td><td>%s</td>", when);
		if (buttons) {
			buf_add_str(o, "<td class=\"acts\">");
			row_buttons(c, r);
			buf_add_str(o, "</td>");
		}
		buf_add_str(o, "</tr>");
	}
	buf_add_str(o, "</tbody></table>");
}

/*
 * The roster has no table of teams: an office's teams are its people,
 * the members of its unit with the disposal role who are not a node's
 * key (a node is enrolled with its addresses).  A team leader signs in
 * with their own key, and "assign" names the team the case goes to.
 */
struct teams {
	struct web_call *c;
	const char *unit; /* NULL: every unit's */
	const char *cur;
	int cur_listed;
	void (*fn)(struct teams *t, const struct member *m);
};

static int
team_one(const struct member *m, int revoked, uint64_t last_seq, void *ctx)
{
	struct teams *t = ctx;
	(void)last_seq;
	if (revoked || !(m->roles & ROLE_DISPOSAL) || m->naddrs ||
	    (t->unit && strcmp(t->unit, m->unit) != 0))
		return 0;
	t->fn(t, m);
	return 0;
}

static void
team_walk(struct teams *t)
{
	const struct roster *r = node_roster(t->c->w->n);
	if (r)
		(void)!roster_walk(r, team_one, t);
}

static void
team_option(struct teams *t, const struct member *m)
{
	struct buf *o = &t->c->rs->body;
	int sel = strcmp(m->name, t->cur) == 0;
	t->cur_listed |= sel;
	buf_add_str(o, "<option value=\"");
	html_attr(o, m->name);
	buf_printf(o, "\"%s>", sel ? " selected" : "");
	html_text(o, m->name);
	if (!t->unit) {
		buf_add_str(o, " · ");
		html_text(o, m->unit);
	}
	buf_add_str(o, "</option>");
}

/* The team filter: the unit's teams, or every unit's when none is set. */
static void
team_select(struct web_call *c, const char *unit, const char *cur)
{
	struct buf *o = &c->rs->body;
	struct teams t = { c, unit[0] ? unit : NULL, cur, 0, team_option };
	buf_printf(o, "<label>%s <select name=\"team\" id=\"team\">", T(c, "班组", "Team"));
	select_opt(o, "", T(c, "全部", "all"), cur);
	team_walk(&t);
	if (cur[0] && !t.cur_listed) {
		/* A team the roster does not list (a bookmarked URL). */
		buf_add_str(o, "<option selected value=\"");
		html_attr(o, cur);
		buf_add_str(o, "\">");
		html_text(o, cur);
		buf_add_str(o, "</option>");
	}
	buf_add_str(o, "</select></label>");
}

static void
team_datalist_option(struct teams *t, const struct member *m)
{
	struct buf *o = &t->c->rs->body;
	buf_add_str(o, "<option value=\"");
	html_attr(o, m->name);
	buf_add_str(o, "\">");
}

void
page_worklist(struct web_call *c)
{
	struct buf *o = &c->rs->body;
	struct filters f;
	struct case_query q;
	struct rows rs;
	struct diag d;

	filters_read(c, &f, &q);
	if (rows_query(c, &q, f.sort, &rs, &d)) {
		rows_release(&rs);
		page_error(c, 400, d.text);
		return;
	}
	page_begin(c, T(c, "工作台", "Worklist"));
	buf_printf(o, "<h1>%s</h1><form method=\"get\" action=\"/\" class=\"filters\">",
		   T(c, "工作台", "Worklist"));
	buf_printf(o, "<label>%s <select name=\"state\">", T(c, "状态", "State"));
	select_opt(o, "", T(c, "全部", "all"), f.state);
	for (int s = CS_REPORTED; s < CS_COUNT; s++)
		select_opt(o, case_status_name((enum case_status)s),
			   status_word(c, (enum case_status)s), f.state);
	buf_printf(o, "</select></label><label>%s <input name=\"class\" size=\"8\" value=\"",
		   T(c, "类别", "Class"));
	html_attr(o, f.cls);
	buf_printf(o, "\"></label><label>%s <input name=\"grid\" size=\"15\" value=\"", T(c, "网格", "Grid"));
	html_attr(o, f.grid);
	buf_printf(o, "\"></label><label>%s <input name=\"unit\" size=\"10\" value=\"", T(c, "单位", "Unit"));
	html_attr(o, f.unit);
	buf_add_str(o, "\"></label>");
	team_select(c, f.unit, f.team);
	buf_printf(o, "<label><input type=\"checkbox\" name=\"overdue\" value=\"1\"%s> %s</label>",
		   f.overdue ? " checked" : "", T(c, "仅超期", "overdue only"));
	buf_printf(o, "<label><input type=\"checkbox\" name=\"soon\" value=\"1\"%s> %s</label>",
		   f.soon ? " checked" : "", T(c, "24 小时内到期", "due within 24 h"));
	buf_printf(o, "<label>%s <select name=\"sort\">", T(c, "排序", "Sort"));
	select_opt(o, "due", T(c, "按剩余时间", "time left"), f.sort);
	select_opt(o, "new", T(c, "最新在前", "newest first"), f.sort);
	buf_printf(o, "</select></label><button>%s</button></form>", T(c, "筛选", "Filter"));
	buf_printf(o, "<p class=\"count\" id=\"count\">%zu %s</p>", rs.total, T(c, "件", "cases"));
	rows_table(c, &rs, 1);
	rows_release(&rs);
	page_end(c);
}

/* ---- the case page ---- */

/* A timeline shows the latest events of a long case; ?all=1 every one. */
#define HISTORY_SHOWN 200

struct history {
	struct web_call *c;
	const struct roster *roster;
	int personal; /* the person may see personal data */
	const char *case_id;
	uint64_t skip; /* the oldest events not shown */
};

static void
who(struct history *h, const uint8_t key[EVENT_KEY_BYTES])
{
	struct buf *o = &h->c->rs->body;
	const struct member *m = h->roster ? roster_lookup(h->roster, key, 0) : NULL;
	char hex[17], roles[128];
	if (m) {
		html_text(o, m->name);
		roles_format(m->roles, roles, sizeof(roles));
		buf_add_str(o, " <span class=\"muted\">");
		html_text(o, roles);
		if (m->unit[0]) {
			buf_add_str(o, " · ");
			html_text(o, m->unit);
		}
		buf_add_str(o, "</span>");
	} else {
		hex_encode(key, 8, hex);
		buf_printf(o, "<code>%s</code>", hex);
	}
}

/* Is hash the "caller" blob of this report body? */
static int
is_personal(const struct event *ev, const uint8_t *hash)
{
	struct mp_reader r, v;
	const uint8_t *p;
	size_t n;
	mp_reader_init(&r, ev->body, ev->body_len, NULL);
	if (mp_map_find(&r, "caller", &v) != 0 || mp_get_bin(&v, &p, &n) != 0)
		return 0;
	return n == HASH_BYTES && memcmp(p, hash, HASH_BYTES) == 0;
}

static int
history_one(const uint8_t *env_p, size_t n, void *ctx)
{
	struct history *h = ctx;
	struct web_call *c = h->c;
	struct buf *o = &c->rs->body;
	struct envelope env;
	struct event ev;
	struct diag d;
	size_t used;
	char when[32], idhex[17], hex[2 * HASH_BYTES + 1];

	if (h->skip) {
		h->skip--;
		return 0;
	}
	if (envelope_read(env_p, n, &env, &used, &d) ||
	    event_decode(env.event, env.event_len, &ev, &d))
		return 0;
	const struct action_def *a = workflow_action(ev.type, ev.type_len);
	web_time(c, ev.time_ms, when);
	hex_encode(env.id, 8, idhex);
	buf_printf(o, "<li><time>%s</time> <strong>", when);
	if (a)
		buf_add_str(o, action_word(c, a));
	else
		html_textn(o, ev.type, ev.type_len);
	buf_add_str(o, "</strong> ");
	who(h, ev.author);
	buf_printf(o, " <code class=\"muted\">%s</code>", idhex);
	/* The body as JSON text: escaped like every other text. */
	struct buf js = BUF_INIT;
	struct json_writer w;
	json_writer_init(&w, &js, 0);
	if (json_put_mp(&w, ev.body, ev.body_len) == 0 && js.len > 2) {
		buf_add_str(o, "<div class=\"body\">");
		html_textn(o, (const char *)js.data, js.len);
		buf_add_str(o, "</div>");
	}
	buf_release(&js);
	for (size_t i = 0; i < ev.nblobs; i++) {
		hex_encode(ev.blobs[i], HASH_BYTES, hex);
		if (is_personal(&ev, ev.blobs[i])) {
			if (h->personal)
				buf_printf(o, "<a href=\"/blob/%s?case=%s\">%s</a>", hex,
					   h->case_id, T(c, "来电人信息", "caller's data"));
			else
				buf_printf(o, "<span class=\"muted\">%s</span>",
					   T(c, "来电人信息（无权查看）", "caller's data (not for your role)"));
			continue;
		}
		buf_printf(o, "<a href=\"/blob/%s?case=%s\"><img class=\"photo\" alt=\"%s\" src=\"/blob/%s?case=%s\"></a>",
			   hex, h->case_id, T(c, "照片", "photo"), hex, h->case_id);
	}
	buf_add_str(o, "</li>");
	return 0;
}

static int
is_filled(const struct action_def *a, const char *field)
{
	for (size_t i = 0; i < 2; i++)
		if (a->filled[i] && strcmp(a->filled[i], field) == 0)
			return 1;
	return 0;
}

/* The label of a body field, in the page's language. */
static const char *
field_word(const struct web_call *c, const char *f)
{
	static const struct {
		const char *f, *zh;
	} words[] = {
		{ "reason", "原因" }, { "by", "经办人" }, { "unit", "处置单位" },
		{ "team", "班组" }, { "urgency", "紧急程度" }, { "limit", "时限" },
		{ "notes", "处理说明" }, { "extend", "延期时长" }, { "conflict", "冲突" },
		{ "into", "并入案卷" }, { "field", "字段" }, { "value", "新值" },
		{ "outcome", "结果" }, { "note", "说明" },
	};
	for (size_t i = 0; !c->en && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].f, f) == 0)
			return words[i].zh;
	return f;
}

static void
field_input(struct web_call *c, const struct action_def *a, const char *f,
	    int required, const char *value)
{
	struct buf *o = &c->rs->body;
	if (strcmp(f, "events") == 0)
		return; /* the node fills it */
	if (strcmp(f, "photos") == 0) {
		buf_printf(o, "<label>%s <input type=\"file\" name=\"photo\" accept=\"image/*\" multiple></label>",
			   T(c, "照片", "Photos"));
		return;
	}
	if (strcmp(f, "found") == 0) {
		buf_printf(o, "<label>%s <select name=\"found\"><option value=\"yes\">%s</option>"
			      "<option value=\"no\">%s</option></select></label>",
			   T(c, "属实", "Found"), T(c, "是", "yes"), T(c, "否", "no"));
		return;
	}
	buf_printf(o, "<label>%s%s <input name=\"%s\" id=\"%s-%s\"%s%s value=\"", field_word(c, f),
		   required && !is_filled(a, f) ? " *" : "", f, a->type, f,
		   required && !is_filled(a, f) ? " required" : "",
		   strcmp(f, "team") == 0 ? " list=\"teams\"" : "");
	html_attr(o, value);
	buf_add_str(o, "\"></label>");
}

static void
action_forms(struct web_call *c, const struct case_state *st,
	     const char *suggest_unit)
{
	struct buf *o = &c->rs->body;
	int any = 0;
	for (int k = 0; k < ACT_COUNT; k++) {
		const struct action_def *a = workflow_action_at((enum action)k);
		if (a->act == ACT_REPORT || !(a->from & CS_BIT(st->status)) ||
		    !web_has_role(c, a->roles) ||
		    (a->act == ACT_RESOLVE && !state_open_conflicts(st)))
			continue;
		if (!any)
			buf_printf(o, "<h2>%s</h2><div class=\"forms\">", T(c, "操作", "Actions"));
		any = 1;
		int photos = 0;
		for (int i = 0; i < ACTION_MAX_FIELDS; i++)
			if ((a->required[i] && strcmp(a->required[i], "photos") == 0) ||
			    (a->optional[i] && strcmp(a->optional[i], "photos") == 0))
				photos = 1;
		buf_printf(o, "<form method=\"post\" action=\"/act/%s\" id=\"act-%s\" class=\"act\"%s>",
			   st->case_id, a->type, photos ? " enctype=\"multipart/form-data\"" : "");
		form_csrf(c);
		buf_printf(o, "<input type=\"hidden\" name=\"type\" value=\"%s\"><h3>%s <span class=\"muted\">%s</span></h3>",
			   a->type, action_word(c, a), c->en ? a->summary : "");
		for (int i = 0; i < ACTION_MAX_FIELDS && a->required[i]; i++)
			field_input(c, a, a->required[i], 1,
				    a->act == ACT_DISPATCH && strcmp(a->required[i], "unit") == 0
					    ? suggest_unit : NULL);
		for (int i = 0; i < ACTION_MAX_FIELDS && a->optional[i]; i++)
			field_input(c, a, a->optional[i], 0, NULL);
		if (a->act == ACT_DISPATCH && suggest_unit && suggest_unit[0]) {
			buf_printf(o, "<p class=\"hint\">%s <code class=\"suggest\">", T(c, "建议单位（网格所属）：", "Suggested unit (the grid's office):"));
			html_text(o, suggest_unit);
			buf_add_str(o, "</code></p>");
		}
		buf_printf(o, "<button id=\"do-%s\">%s</button></form>", a->type, action_word(c, a));
	}
	if (any)
		buf_add_str(o, "</div>");
}

void
page_case(struct web_call *c)
{
	struct buf *o = &c->rs->body;
	struct case_state st;
	struct deadline dl;
	char when[32], flash[200];
	const char *id = c->tail;

	if (case_state_get(c->w->n, id, &st) != 0) {
		page_error(c, 404, T(c, "没有这个案卷", "No such case"));
		return;
	}
	page_begin(c, id);
	form_get(c->rq->query, "error", flash, sizeof(flash));
	if (flash[0]) {
		buf_add_str(o, "<div class=\"error-summary\" role=\"alert\"><p>");
		html_text(o, flash);
		buf_add_str(o, "</p></div>");
	}
	buf_printf(o, "<h1>%s %s <span class=\"state s-%s\">%s</span></h1><dl class=\"fields\">",
		   T(c, "案卷", "Case"), st.case_id, case_status_name(st.status),
		   status_word(c, st.status));
	int has_dl = deadline_of(&st, &node_config(c->w->n)->cal, c->rq->now_ms, &dl) == 0;
	struct {
		const char *zh, *en, *v;
	} f[] = {
		{ "类别", "Class", NULL }, { "网格", "Grid", st.grid },
		{ "位置", "Where", st.where }, { "描述", "What", st.desc },
		{ "来源", "Source", st.source }, { "上报人", "Reporter", st.reporter },
		{ "处置单位", "Unit", st.unit }, { "班组", "Team", st.team },
		{ "紧急程度", "Urgency", st.urgency }, { "时限", "Limit", st.limit },
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		buf_printf(o, "<dt>%s</dt><dd>", T(c, f[i].zh, f[i].en));
		if (i == 0) {
			html_text(o, st.kind);
			buf_add_str(o, ":");
			html_text(o, st.code);
			enum class_kind k;
			if (class_kind_parse(st.kind, &k) == 0) {
				const char *nm = classes_name(c->w->classes, k, st.code);
				if (nm) {
					buf_add_str(o, " ");
					html_text(o, nm);
				}
			}
		} else {
			html_text(o, f[i].v);
		}
		buf_add_str(o, "</dd>");
	}
	web_time(c, st.reported_at, when);
	buf_printf(o, "<dt>%s</dt><dd>%s</dd>", T(c, "上报时间", "Reported"), when);
	if (has_dl && dl.has_due) {
		web_time(c, dl.due_ms, when);
		buf_printf(o, "<dt>%s</dt><dd>%s <span class=\"light l-%s\">%s</span></dd>",
			   T(c, "应完成", "Due"), when, colour_name(dl.colour),
			   colour_word(c, dl.colour));
	}
	if (st.has_pos)
		buf_printf(o, "<dt>%s</dt><dd>%.6f, %.6f</dd>", T(c, "坐标", "Position"),
			   (double)st.lat_e6 / 1e6, (double)st.lon_e6 / 1e6);
	buf_add_str(o, "</dl>");
	map_case(c, &st);
	if (st.nconflicts) {
		buf_printf(o, "<h2>%s</h2><ul class=\"conflicts\">", T(c, "冲突", "Conflicts"));
		for (size_t i = 0; i < st.nconflicts; i++) {
			buf_printf(o, "<li><code>%s</code> ", st.conflicts[i].id);
			html_text(o, st.conflicts[i].kind);
			buf_printf(o, " %zu %s %s</li>", st.conflicts[i].nevents, T(c, "个事件", "events"),
				   st.conflicts[i].resolved ? T(c, "（已解决）", "(resolved)") : "");
		}
		buf_add_str(o, "</ul>");
	}
	/* The grid cell's office is the unit dispatch suggests. */
	struct grid_cell cell;
	int has_cell = st.grid[0] && grid_get(c->w->n, st.grid, &cell) == 0;
	action_forms(c, &st, has_cell ? cell.office : NULL);
	if (st.unit[0]) {
		/* The teams the assign form offers: the case's unit's. */
		struct teams t = { c, st.unit, "", 0, team_datalist_option };
		buf_add_str(o, "<datalist id=\"teams\">");
		team_walk(&t);
		buf_add_str(o, "</datalist>");
	}
	buf_printf(o, "<h2>%s</h2>", T(c, "签名历史", "Signed history"));
	struct history h = { c, node_roster(c->w->n), web_has_role(c, ROLES_PERSONAL), st.case_id, 0 };
	char all[4];
	form_get(c->rq->query, "all", all, sizeof(all));
	if (st.events > HISTORY_SHOWN && all[0] != '1') {
		h.skip = st.events - HISTORY_SHOWN;
		buf_printf(o, "<p>%s %u %s <a href=\"/case/%s?all=1\">%s</a></p>",
			   T(c, "显示最近", "The latest"), HISTORY_SHOWN,
			   T(c, "个事件。", "events are shown."), st.case_id,
			   T(c, "显示全部", "Show all"));
	}
	buf_add_str(o, "<ol class=\"timeline\">");
	(void)!store_walk_case(node_store(c->w->n), st.case_id, history_one, &h);
	buf_add_str(o, "</ol>");
	state_release(&st);
	page_end(c);
}

/* ---- taking an action ---- */

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

static int
takes(const struct action_def *a, const char *field)
{
	for (int i = 0; i < ACTION_MAX_FIELDS; i++)
		if ((a->required[i] && strcmp(a->required[i], field) == 0) ||
		    (a->optional[i] && strcmp(a->optional[i], field) == 0))
			return 1;
	return 0;
}

/* The fields of a form, urlencoded or multipart. */
struct form {
	const char *text; /* urlencoded, or NULL */
	struct form_part parts[24];
	int nparts;
};

static int
form_read(struct web_call *c, struct form *f)
{
	memset(f, 0, sizeof(*f));
	if (strncmp(c->rq->content_type, "multipart/form-data", 19) == 0) {
		f->nparts = form_multipart(c->rq->content_type, c->rq->body,
					   c->rq->body_len, f->parts, 24);
		return f->nparts < 0 ? -1 : 0;
	}
	f->text = c->rq->body ? (const char *)c->rq->body : "";
	return 0;
}

static int
form_field(const struct form *f, const char *name, char *out, size_t cap)
{
	return f->text ? form_get(f->text, name, out, cap)
		       : form_part_get(f->parts, f->nparts, name, out, cap);
}

/* Stores the form's files (named name) as blobs; returns how many. */
static int
form_photos(struct web_call *c, const struct form *f, const char *name,
	    uint8_t (*out)[HASH_BYTES], struct diag *d)
{
	int n = 0;
	for (int i = 0; i < f->nparts; i++) {
		const struct form_part *p = &f->parts[i];
		if (strcmp(p->name, name) != 0 || !p->filename[0] || p->len == 0)
			continue;
		if (n == MAX_PHOTOS)
			return diag_set(d, ERR_INVAL, "at most %d photos", MAX_PHOTOS);
		int rc = store_blob_put(node_store(c->w->n), p->data, p->len, out[n], d);
		if (rc)
			return rc;
		n++;
	}
	return n;
}

void
page_case_act(struct web_call *c)
{
	const char *id = c->tail;
	struct form f;
	char type[32], token[WEB_TOKEN_HEX + 1], val[2048];
	uint8_t photos[MAX_PHOTOS][HASH_BYTES];
	struct action_req req;
	struct diag d;
	int np;

	if (!c->sess->key) {
		web_unlock_first(c, id);
		return;
	}
	if (form_read(c, &f) || !form_field(&f, "csrf", token, sizeof(token)) ||
	    !web_csrf_ok(c, token)) {
		page_error(c, 403, T(c, "表单已过期，请重试", "The form is stale: try again"));
		return;
	}
	form_field(&f, "type", type, sizeof(type));
	const struct action_def *a = workflow_action(type, strlen(type));
	if (!a || a->act == ACT_REPORT) {
		page_error(c, 400, T(c, "没有这个操作", "No such action"));
		return;
	}
	memset(&req, 0, sizeof(req));
	mp_map_init(&req.body);
	for (int i = 0; i < 2 * ACTION_MAX_FIELDS; i++) {
		const char *fl = i < ACTION_MAX_FIELDS ? a->required[i]
						       : a->optional[i - ACTION_MAX_FIELDS];
		if (!fl || strcmp(fl, "photos") == 0 || strcmp(fl, "events") == 0 ||
		    !form_field(&f, fl, val, sizeof(val)) || !val[0])
			continue;
		if (strcmp(fl, "found") == 0)
			mp_put_bool(mp_map_add(&req.body, "found"), strcmp(val, "yes") == 0);
		else
			mp_put_cstr(mp_map_add(&req.body, fl), val);
	}
	np = takes(a, "photos") ? form_photos(c, &f, "photo", photos, &d) : 0;
	if (np < 0) {
		mp_map_release(&req.body);
		page_error(c, 400, d.text);
		return;
	}
	if (np) {
		struct buf *b = mp_map_add(&req.body, "photos");
		mp_put_array(b, (uint32_t)np);
		for (int i = 0; i < np; i++)
			mp_put_bin(b, photos[i], HASH_BYTES);
		qsort(photos, (size_t)np, HASH_BYTES, hash_cmp);
		req.blobs = photos;
		req.nblobs = (size_t)np;
		for (int i = 1; i < np; i++)
			if (memcmp(photos[i - 1], photos[i], HASH_BYTES) == 0) {
				mp_map_release(&req.body);
				page_error(c, 400, T(c, "同一照片上传了两次", "The same photo was given twice"));
				return;
			}
	}
	req.a = a;
	req.case_id = id;
	req.now_ms = c->rq->now_ms;
	req.signer = c->sess->key;
	/* The node judges: the roster's roles, the state, the fields. */
	if (case_act(c->w->n, &req, NULL, &d)) {
		struct buf loc = BUF_INIT;
		buf_printf(&loc, "/case/%s?error=", id);
		for (const char *p = d.text; *p; p++) {
			unsigned char ch = (unsigned char)*p;
			if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
				buf_add_byte(&loc, ch);
			else
				buf_printf(&loc, "%%%02X", ch);
		}
		c->rs->status = 303;
		http_resp_header(c->rs, "Location", buf_cstr(&loc));
		buf_release(&loc);
		return;
	}
	char to[96];
	snprintf(to, sizeof(to), "/case/%s", id);
	resp_redirect(c, to);
}

/* ---- the supervisor's report ---- */

static void
report_form(struct web_call *c, const char *error)
{
	struct buf *o = &c->rs->body;
	page_begin(c, T(c, "上报问题", "Report a problem"));
	buf_printf(o, "<h1>%s</h1>", T(c, "上报问题", "Report a problem"));
	if (error) {
		buf_add_str(o, "<div class=\"error-summary\" role=\"alert\"><p>");
		html_text(o, error);
		buf_add_str(o, "</p></div>");
	}
	buf_add_str(o, "<form method=\"post\" action=\"/report\" enctype=\"multipart/form-data\" class=\"stack phone\" id=\"report\">");
	form_csrf(c);
	buf_printf(o, "<label for=\"class\">%s</label><select id=\"class\" name=\"class\" required>",
		   T(c, "类别", "Class"));
	size_t nc = classes_count(c->w->classes);
	for (size_t i = 0; i < nc; i++) {
		struct class_info ci;
		classes_at(c->w->classes, i, &ci);
		buf_printf(o, "<option value=\"%s:%s\">%s ", class_kind_name(ci.kind), ci.code, ci.code);
		html_text(o, ci.name);
		buf_add_str(o, "</option>");
	}
	buf_printf(o, "</select><label for=\"where\">%s</label><input id=\"where\" name=\"where\" required>"
		      "<label for=\"desc\">%s</label><textarea id=\"desc\" name=\"desc\" rows=\"3\" required></textarea>"
		      "<label for=\"grid\">%s</label><input id=\"grid\" name=\"grid\" inputmode=\"numeric\">"
		      "<fieldset><legend>%s</legend><button type=\"button\" id=\"locate\">%s</button>"
		      "<label for=\"lat\">%s</label><input id=\"lat\" name=\"lat\" inputmode=\"decimal\">"
		      "<label for=\"lon\">%s</label><input id=\"lon\" name=\"lon\" inputmode=\"decimal\"></fieldset>"
		      "<label for=\"photo\">%s</label><input id=\"photo\" type=\"file\" name=\"photo\" accept=\"image/*\" capture=\"environment\" multiple>"
		      "<button type=\"submit\" id=\"send\">%s</button></form>",
		   T(c, "位置描述", "Where"), T(c, "问题描述", "What is wrong"),
		   T(c, "网格（可空：按坐标查找）", "Grid cell (empty: found from the position)"),
		   T(c, "位置", "Position"), T(c, "使用手机定位", "Use the phone's position"),
		   T(c, "纬度", "Latitude"), T(c, "经度", "Longitude"),
		   T(c, "照片", "Photos"), T(c, "上报", "Send report"));
	page_end(c);
}

void
page_report(struct web_call *c)
{
	struct form f;
	struct report_req r;
	struct diag d;
	char token[WEB_TOKEN_HEX + 1], cls[32], where[512], desc[2048], grid[40];
	char lat[24], lon[24], case_id[REPORT_CASE_ID_BYTES], office[65];

	if (!web_has_role(c, ROLE_SUPERVISOR | ROLE_OPERATOR)) {
		page_error(c, 403, T(c, "您的角色不能上报", "Your roles may not report"));
		return;
	}
	if (!c->sess->key) {
		web_unlock_first(c, NULL);
		return;
	}
	if (strcmp(c->rq->method, "POST") != 0) {
		report_form(c, NULL);
		return;
	}
	if (form_read(c, &f) || !form_field(&f, "csrf", token, sizeof(token)) ||
	    !web_csrf_ok(c, token)) {
		page_error(c, 403, T(c, "表单已过期，请重试", "The form is stale: try again"));
		return;
	}
	memset(&r, 0, sizeof(r));
	form_field(&f, "class", cls, sizeof(cls));
	form_field(&f, "where", where, sizeof(where));
	form_field(&f, "desc", desc, sizeof(desc));
	form_field(&f, "grid", grid, sizeof(grid));
	form_field(&f, "lat", lat, sizeof(lat));
	form_field(&f, "lon", lon, sizeof(lon));
	char *colon = strchr(cls, ':');
	if (!colon) {
		report_form(c, T(c, "请选择类别", "Choose a class"));
		c->rs->status = 400;
		return;
	}
	*colon = '\0';
	r.kind = cls;
	r.code = colon + 1;
	r.where = where;
	r.desc = desc;
	r.grid = grid[0] ? grid : NULL;
	r.source = (c->sess->roles & ROLE_SUPERVISOR) ? "supervisor" : "hotline";
	r.by = c->sess->member_name;
	if (lat[0] || lon[0]) {
		if (report_parse_degrees(lat, 90, &r.lat_e6) ||
		    report_parse_degrees(lon, 180, &r.lon_e6)) {
			report_form(c, T(c, "坐标格式不对", "The position does not read"));
			c->rs->status = 400;
			return;
		}
		r.has_position = 1;
	}
	int np = form_photos(c, &f, "photo", r.photos, &d);
	if (np < 0) {
		report_form(c, d.text);
		c->rs->status = 400;
		return;
	}
	r.nphotos = (size_t)np;
	/* A position and a grid given both must agree: the phone's position
	 * is checked against the grid the node holds. */
	if (r.has_position && r.grid) {
		struct grid_cell found;
		if (grid_locate(c->w->n, r.lat_e6, r.lon_e6, &found) == 0 &&
		    strcmp(found.grid, r.grid) != 0) {
			char msg[200];
			snprintf(msg, sizeof(msg), "%s %s", T(c, "坐标不在该网格内，而在", "The position is not in that cell but in"), found.grid);
			report_form(c, msg);
			c->rs->status = 400;
			return;
		}
	}
	r.now_ms = c->rq->now_ms;
	r.signer = c->sess->key;
	if (report_case(c->w->n, &r, case_id, office, &d)) {
		report_form(c, d.text);
		c->rs->status = 400;
		return;
	}
	char to[64];
	snprintf(to, sizeof(to), "/case/%s", case_id);
	resp_redirect(c, to);
}

/* ---- the centre board ---- */

/* Rows a board list shows; the worklist behind its link shows them all. */
#define BOARD_ROWS 50

/*
 * One list of the board: its first rows in the order of the index that
 * answers it (the most overdue first, the oldest report first), and its
 * count from that index without reading a case, so that a district's
 * thousands of overdue cases cost 50 reads, not thousands
 * (node_case_list_first()).
 */
static void
board_section(struct web_call *c, const char *title, const char *hid,
	      const struct case_query *q, const char *more)
{
	struct buf *o = &c->rs->body;
	struct rows rs;
	struct diag d;
	uint64_t total = 0;
	memset(&rs, 0, sizeof(rs));
	rs.c = c;
	rs.v = xcalloc(BOARD_ROWS, sizeof(*rs.v));
	buf_printf(o, "<section id=\"%s\"><h2>", hid);
	html_text(o, title);
	if (node_case_list_first(c->w->n, q, BOARD_ROWS, collect, &rs, &total, &d) == 0) {
		buf_printf(o, " <span class=\"count\">%llu</span></h2>", (unsigned long long)total);
		rows_table(c, &rs, 1);
		if (total > rs.n) {
			buf_printf(o, "<p class=\"more\">%s %zu %s", T(c, "仅列出前", "The first"), rs.n,
				   T(c, "件。", "are shown."));
			if (more)
				buf_printf(o, " <a href=\"%s\">%s</a>", more, T(c, "查看全部", "See them all"));
			buf_add_str(o, "</p>");
		}
	} else {
		buf_add_str(o, "</h2>");
	}
	buf_add_str(o, "</section>");
	rows_release(&rs);
}

/*
 * The board's table per disposal unit: every unit of the roster (its
 * members with the disposal role) and of the grid (the cells' offices),
 * and any other a case was dispatched to, with the counts of the index
 * of dispatched cases per unit and due time (node_unit_loads()): one
 * walk over the keys of the district's dispatched cases, no case read.
 */
struct units {
	struct case_load *v;
	size_t n, cap;
};

static struct case_load *
units_find(struct units *u, const char *name)
{
	for (size_t i = 0; i < u->n; i++)
		if (strcmp(u->v[i].name, name) == 0)
			return &u->v[i];
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 32;
		u->v = xrealloc(u->v, u->cap * sizeof(*u->v));
	}
	struct case_load *l = &u->v[u->n++];
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", name);
	return l;
}

static int
units_load(const struct case_load *l, void *ctx)
{
	struct case_load *mine = units_find(ctx, l->name);
	mine->open = l->open;
	mine->soon = l->soon;
	mine->overdue = l->overdue;
	return 0;
}

static int
units_member(const struct member *m, int revoked, uint64_t last_seq, void *ctx)
{
	(void)last_seq;
	if (!revoked && (m->roles & ROLE_DISPOSAL) && m->unit[0])
		units_find(ctx, m->unit);
	return 0;
}

static int
units_cell(const struct grid_cell *cell, void *ctx)
{
	if (cell->office[0])
		units_find(ctx, cell->office);
	return 0;
}

/* The most overdue first, then the most due soon, the busiest. */
static int
units_cmp(const void *a, const void *b)
{
	const struct case_load *x = a, *y = b;
	if (x->overdue != y->overdue)
		return x->overdue > y->overdue ? -1 : 1;
	if (x->soon != y->soon)
		return x->soon > y->soon ? -1 : 1;
	if (x->open != y->open)
		return x->open > y->open ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* A count linked to the worklist of the unit (extra: more filters). */
static void
unit_count(struct buf *o, const char *unit, const char *extra, uint64_t n)
{
	buf_add_str(o, "<td class=\"num\"><a href=\"/?unit=");
	html_url(o, unit);
	buf_printf(o, "%s\"%s>%llu</a></td>", extra, n ? "" : " class=\"zero\"",
		   (unsigned long long)n);
}

static void
board_units(struct web_call *c, uint64_t now, uint64_t soon)
{
	struct buf *o = &c->rs->body;
	struct units u = { NULL, 0, 0 };
	struct case_load sum;
	const struct roster *r = node_roster(c->w->n);
	if (r)
		(void)!roster_walk(r, units_member, &u);
	(void)!grid_walk(c->w->n, units_cell, &u);
	buf_printf(o, "<section id=\"b-units\"><h2>%s</h2>",
		   T(c, "各处置单位：在办、即将到期与超期", "Per unit: open, due soon and overdue"));
	if (node_unit_loads(c->w->n, now, soon, units_load, &u)) {
		buf_printf(o, "<p class=\"error\">%s</p></section>", T(c, "无法读取索引", "The index does not read"));
		free(u.v);
		return;
	}
	qsort(u.v, u.n, sizeof(*u.v), units_cmp);
	memset(&sum, 0, sizeof(sum));
	buf_printf(o, "<div class=\"scroll\"><table class=\"units\" id=\"units\"><thead><tr><th>%s</th>"
		      "<th class=\"num\">%s</th><th class=\"num\">%s</th><th class=\"num\">%s</th></tr></thead><tbody>",
		   T(c, "处置单位", "Unit"), T(c, "在办（已派遣）", "Open (dispatched)"),
		   T(c, "24 小时内到期", "Due within 24 h"), T(c, "超期", "Overdue"));
	for (size_t i = 0; i < u.n; i++) {
		const struct case_load *l = &u.v[i];
		buf_printf(o, "<tr%s><td>", l->overdue ? " class=\"c-red\"" : l->soon ? " class=\"c-yellow\"" : "");
		html_text(o, l->name);
		buf_add_str(o, "</td>");
		unit_count(o, l->name, "&amp;state=dispatched", l->open);
		unit_count(o, l->name, "&amp;state=dispatched&amp;soon=1", l->soon);
		unit_count(o, l->name, "&amp;overdue=1", l->overdue);
		buf_add_str(o, "</tr>");
		sum.open += l->open;
		sum.soon += l->soon;
		sum.overdue += l->overdue;
	}
	buf_printf(o, "</tbody><tfoot><tr><th>%s</th><th class=\"num\">%llu</th><th class=\"num\">%llu</th>"
		      "<th class=\"num\">%llu</th></tr></tfoot></table></div></section>",
		   T(c, "合计", "Total"), (unsigned long long)sum.open,
		   (unsigned long long)sum.soon, (unsigned long long)sum.overdue);
	free(u.v);
}

void
page_board(struct web_call *c)
{
	static const struct {
		const char *state, *zh, *en, *id;
	} states[] = {
		{ "reported", "新上报：待受理", "New reports to accept", "b-new" },
		{ "checked", "已核实：待受理", "Checked on site, to accept", "b-checked" },
		{ "accepted", "已受理：待立案", "Accepted, to register", "b-accepted" },
		{ "registered", "待派遣", "To dispatch", "b-dispatch" },
		{ "returned", "已回退：重新派遣", "Returned, to dispatch again", "b-returned" },
		{ "fed_back", "已反馈：待核查", "Fed back, to verify", "b-verify" },
		{ "verified", "已核查：待结案", "Verified, to close", "b-close" },
	};
	struct case_query q;
	char more[64];
	uint64_t now = c->rq->now_ms;
	page_begin(c, T(c, "中心看板", "Centre board"));
	buf_printf(&c->rs->body, "<h1>%s</h1>", T(c, "中心看板", "Centre board"));
	memset(&q, 0, sizeof(q));
	q.now_ms = now;
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		q.state = states[i].state;
		snprintf(more, sizeof(more), "/?state=%s&amp;sort=new", states[i].state);
		board_section(c, T(c, states[i].zh, states[i].en), states[i].id, &q, more);
	}
	q.state = NULL;
	board_units(c, now, now + 24ull * 3600 * 1000);
	q.overdue = 1;
	board_section(c, T(c, "超期（最久在前）", "Overdue (longest first)"), "b-overdue", &q, "/?overdue=1");
	q.overdue = 0;
	/* Due soon: in the next 24 hours, a range of the due index (the
	 * worklist's yellow filter judges the share of each case's limit,
	 * which no index orders). */
	q.due_before = now + 24ull * 3600 * 1000;
	board_section(c, T(c, "24 小时内到期", "Due within 24 hours"), "b-soon", &q, NULL);
	q.due_before = 0;
	q.conflicts = 1;
	board_section(c, T(c, "未解决的冲突", "Open conflicts"), "b-conflicts", &q, NULL);
	page_end(c);
}

/* ---- the evaluation ---- */

static const char *
figure_word(const struct web_call *c, enum figure f)
{
	static const char *zh[FIG_COUNT] = {
		"上报", "有效上报", "立案", "派遣", "应结", "按期处置", "超期",
		"结案", "返工", "回退", "延期", "挂账",
	};
	return c->en ? figure_name(f) : zh[f];
}

static void
rate(struct buf *o, int64_t e4)
{
	if (e4 < 0)
		buf_add_str(o, "-");
	else
		buf_printf(o, "%lld.%02lld%%", (long long)(e4 / 100), (long long)(e4 % 100));
}

void
page_eval(struct web_call *c)
{
	struct buf *o = &c->rs->body;
	struct eval_result res;
	struct diag d;
	char by_s[16], month[16], csv[4];
	enum eval_by by = EVAL_UNIT;
	uint64_t from, to;
	int y, mo, dd;

	form_get(c->rq->query, "by", by_s, sizeof(by_s));
	if (by_s[0] && eval_by_parse(by_s, &by))
		by = EVAL_UNIT;
	form_get(c->rq->query, "month", month, sizeof(month));
	form_get(c->rq->query, "csv", csv, sizeof(csv));
	int off = node_config(c->w->n)->cal.utc_offset_min;
	uint64_t local = c->rq->now_ms + (uint64_t)((int64_t)off * 60000);
	clock_civil_from_days((int64_t)(local / 86400000), &y, &mo, &dd);
	if (month[0] && sscanf(month, "%d-%d", &y, &mo) != 2)
		clock_civil_from_days((int64_t)(local / 86400000), &y, &mo, &dd);
	if (mo < 1 || mo > 12)
		mo = 1;
	from = (uint64_t)(clock_days_from_civil(y, mo, 1) * 86400000 - (int64_t)off * 60000);
	to = (uint64_t)(clock_days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) * 86400000 -
			(int64_t)off * 60000);
	if (eval_run(c->w->n, from, to, by, &res, &d)) {
		page_error(c, 500, d.text);
		return;
	}
	static const char *by_names[] = { "office", "unit", "grid", "person" };
	if (csv[0] == '1') {
		c->rs->type = "text/csv; charset=utf-8";
		char disp[96];
		snprintf(disp, sizeof(disp), "attachment; filename=\"eval-%04d-%02d-%s.csv\"", y, mo, by_names[by]);
		http_resp_header(c->rs, "Content-Disposition", disp);
		buf_add_str(o, "group");
		for (int f = 0; f < FIG_COUNT; f++)
			buf_printf(o, ",%s", figure_name((enum figure)f));
		buf_add_str(o, ",closure_rate,on_time_rate,score,grade\n");
		for (size_t i = 0; i < res.n; i++) {
			const struct eval_group *g = &res.g[i];
			html_csv(o, g->key);
			for (int f = 0; f < FIG_COUNT; f++)
				buf_printf(o, ",%llu", (unsigned long long)g->n[f]);
			buf_printf(o, ",%lld,%lld,%lld,%c\n", (long long)g->closure_rate_e4,
				   (long long)g->on_time_rate_e4, (long long)g->score_e1,
				   g->grade ? g->grade : '-');
		}
		eval_release(&res);
		return;
	}
	page_begin(c, T(c, "综合评价", "Evaluation"));
	buf_printf(o, "<h1>%s %04d-%02d</h1><form method=\"get\" action=\"/eval\" class=\"filters\">"
		      "<label>%s <input name=\"month\" value=\"%04d-%02d\" size=\"7\"></label><label>%s <select name=\"by\">",
		   T(c, "综合评价", "Evaluation"), y, mo, T(c, "月份", "Month"), y, mo, T(c, "按", "By"));
	static const char *by_zh[] = { "街道", "处置单位", "网格", "人员" };
	for (int b = 0; b < 4; b++)
		buf_printf(o, "<option value=\"%s\"%s>%s</option>", by_names[b], (int)by == b ? " selected" : "",
			   c->en ? by_names[b] : by_zh[b]);
	buf_printf(o, "</select></label><button>%s</button> <a class=\"btn\" id=\"csv\" href=\"/eval?csv=1&amp;by=%s&amp;month=%04d-%02d\">CSV</a></form>",
		   T(c, "查看", "Show"), by_names[by], y, mo);
	buf_printf(o, "<div class=\"scroll\"><table class=\"eval\" id=\"eval\"><thead><tr><th>%s</th>", T(c, "对象", "Group"));
	for (int f = 0; f < FIG_COUNT; f++)
		buf_printf(o, "<th>%s</th>", figure_word(c, (enum figure)f));
	buf_printf(o, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		   T(c, "结案率", "Closure"), T(c, "按期率", "On time"), T(c, "得分", "Score"), T(c, "等级", "Grade"));
	uint64_t maxv = 1;
	for (size_t i = 0; i < res.n; i++) {
		const struct eval_group *g = &res.g[i];
		if (g->n[FIG_REPORTED] > maxv)
			maxv = g->n[FIG_REPORTED];
		buf_add_str(o, "<tr><td>");
		html_text(o, g->key);
		buf_add_str(o, "</td>");
		for (int f = 0; f < FIG_COUNT; f++)
			buf_printf(o, "<td>%llu</td>", (unsigned long long)g->n[f]);
		buf_add_str(o, "<td>");
		rate(o, g->closure_rate_e4);
		buf_add_str(o, "</td><td>");
		rate(o, g->on_time_rate_e4);
		if (g->score_e1 >= 0)
			buf_printf(o, "</td><td>%lld.%lld</td><td>%c</td></tr>", (long long)(g->score_e1 / 10),
				   (long long)(g->score_e1 % 10), g->grade ? g->grade : '-');
		else
			buf_add_str(o, "</td><td>-</td><td>-</td></tr>");
	}
	buf_add_str(o, "</tbody></table></div>");
	if (res.n) {
		/* Reported and closed per group, as bars. */
		unsigned bw = 600, bh = 22;
		buf_printf(o, "<h2>%s</h2><svg class=\"bars\" viewBox=\"0 0 %u %zu\" role=\"img\" aria-label=\"%s\">",
			   T(c, "上报与结案", "Reported and closed"), bw + 160, res.n * (2 * bh + 8),
			   T(c, "柱状图", "bar chart"));
		for (size_t i = 0; i < res.n; i++) {
			const struct eval_group *g = &res.g[i];
			size_t y0 = i * (2 * bh + 8);
			buf_printf(o, "<text x=\"0\" y=\"%zu\">", y0 + bh);
			html_text(o, g->key);
			buf_printf(o, "</text><rect class=\"bar rep\" x=\"160\" y=\"%zu\" width=\"%llu\" height=\"%u\"></rect>"
				      "<rect class=\"bar clo\" x=\"160\" y=\"%zu\" width=\"%llu\" height=\"%u\"></rect>",
				   y0, (unsigned long long)(g->n[FIG_REPORTED] * bw / maxv), bh - 4,
				   y0 + bh, (unsigned long long)(g->n[FIG_CLOSED] * bw / maxv), bh - 4);
		}
		buf_printf(o, "</svg><p class=\"legend\"><span class=\"bar rep\">■</span> %s <span class=\"bar clo\">■</span> %s</p>",
			   figure_word(c, FIG_REPORTED), figure_word(c, FIG_CLOSED));
	}
	eval_release(&res);
	char ym[16];
	snprintf(ym, sizeof(ym), "%04d-%02d", y, mo);
	eval_trend(c, by_names[by], by, ym);
	page_end(c);
}

/* ---- replication (admins) ---- */

static int
peer_row(const struct peer_record *p, void *ctx)
{
	struct web_call *c = ctx;
	struct buf *o = &c->rs->body;
	char when[32];
	buf_add_str(o, "<tr><td>");
	html_text(o, p->name);
	buf_add_str(o, "</td><td>");
	html_text(o, p->addr);
	buf_printf(o, "</td><td>%s</td>", p->blocked ? T(c, "已屏蔽", "blocked")
				       : p->connected ? T(c, "已连接", "connected")
				       : T(c, "未连接", "not connected"));
	web_time(c, p->last_contact_ms, when);
	buf_printf(o, "<td>%s</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>", when,
		   (unsigned long long)p->we_lack, (unsigned long long)p->they_lack,
		   (unsigned long long)p->events_in, (unsigned long long)p->events_out);
	html_text(o, p->last_error);
	buf_add_str(o, "</td><td>");
	html_text(o, p->misbehaviour);
	buf_add_str(o, "</td></tr>");
	return 0;
}

void
page_peers(struct web_call *c)
{
	struct buf *o = &c->rs->body;
	struct store_stats st;
	if (!web_has_role(c, ROLE_ADMIN)) {
		page_error(c, 403, T(c, "仅管理员可见", "For admins only"));
		return;
	}
	page_begin(c, T(c, "复制", "Replication"));
	buf_printf(o, "<h1>%s</h1>", T(c, "复制状态", "Replication"));
	if (store_stats(node_store(c->w->n), &st) == 0)
		buf_printf(o, "<p>%s %llu · %s %llu · %s %llu · %s %llu</p>", T(c, "事件", "events"),
			   (unsigned long long)st.events, T(c, "案卷", "cases"), (unsigned long long)st.cases,
			   T(c, "等待中", "waiting"), (unsigned long long)st.pending,
			   T(c, "分叉", "forks"), (unsigned long long)st.forks);
	buf_printf(o, "<table class=\"peers\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
		      "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		   T(c, "节点", "Peer"), T(c, "地址", "Address"), T(c, "连接", "Link"),
		   T(c, "最后联系", "Last contact"), T(c, "我方缺", "We lack"), T(c, "对方缺", "They lack"),
		   T(c, "收到", "In"), T(c, "发出", "Out"), T(c, "错误", "Error"), T(c, "异常行为", "Misbehaviour"));
	(void)!node_peers_walk(c->w->n, peer_row, c);
	buf_add_str(o, "</tbody></table>");
	page_end(c);
}

/* ---- photos and personal data ---- */

struct blob_find {
	const uint8_t *hash;
	int found, personal;
};

static int
blob_in_event(const uint8_t *env_p, size_t n, void *ctx)
{
	struct blob_find *b = ctx;
	struct envelope env;
	struct event ev;
	struct diag d;
	size_t used;
	if (envelope_read(env_p, n, &env, &used, &d) ||
	    event_decode(env.event, env.event_len, &ev, &d))
		return 0;
	for (size_t i = 0; i < ev.nblobs; i++)
		if (memcmp(ev.blobs[i], b->hash, HASH_BYTES) == 0) {
			b->found = 1;
			b->personal |= is_personal(&ev, b->hash);
		}
	return 0;
}

void
page_blob(struct web_call *c)
{
	uint8_t hash[HASH_BYTES];
	char case_id[80];
	struct diag d;
	struct blob_find b = { hash, 0, 0 };

	form_get(c->rq->query, "case", case_id, sizeof(case_id));
	if (strlen(c->tail) != 2 * HASH_BYTES || hex_decode(c->tail, hash, HASH_BYTES) ||
	    !case_id[0]) {
		page_error(c, 404, T(c, "没有这个文件", "No such file"));
		return;
	}
	/* A blob is served only as part of a case that names it, and a
	 * caller's personal data only to the roles of intake. */
	(void)!store_walk_case(node_store(c->w->n), case_id, blob_in_event, &b);
	if (!b.found) {
		page_error(c, 404, T(c, "没有这个文件", "No such file"));
		return;
	}
	if (b.personal && !web_has_role(c, ROLES_PERSONAL)) {
		page_error(c, 403, T(c, "您的角色不能查看个人信息", "Your roles may not see personal data"));
		return;
	}
	if (store_blob_get(node_store(c->w->n), hash, &c->rs->body, &d)) {
		page_error(c, 404, d.text);
		return;
	}
	/* Sniffed by its first bytes; anything else is a download. */
	const uint8_t *p = c->rs->body.data;
	size_t n = c->rs->body.len;
	if (b.personal)
		c->rs->type = "text/plain; charset=utf-8";
	else if (n > 3 && p[0] == 0xff && p[1] == 0xd8)
		c->rs->type = "image/jpeg";
	else if (n > 8 && memcmp(p, "\x89PNG", 4) == 0)
		c->rs->type = "image/png";
	else
		c->rs->type = "application/octet-stream";
	http_resp_header(c->rs, "Cache-Control", "private, max-age=3600");
}

/*
 * api.c - the console's JSON API under /api/: what the pages' scripts
 * and other programs read.  Built on the same node API as the pages; a
 * GET only (actions are the pages' forms, with their CSRF token).
 */
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "node/api.h"
#include "node/actions.h"
#include "node/case/deadline.h"
#include "node/case/state.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/http/internal.h"
#include "node/node.h"
#include "common/banned.h"

#define API_LIST_MAX 1000

static void
json_start(struct web_call *c, struct json_writer *w)
{
	c->rs->type = "application/json";
	http_resp_header(c->rs, "Cache-Control", "no-store");
	json_writer_init(w, &c->rs->body, 0);
}

static void
case_fields(struct json_writer *w, const struct case_state *st,
	    int has_dl, const struct deadline *dl)
{
	json_key(w, "id");
	json_str(w, st->case_id);
	json_key(w, "state");
	json_str(w, case_status_name(st->status));
	json_key(w, "kind");
	json_str(w, st->kind);
	json_key(w, "class");
	json_str(w, st->code);
	json_key(w, "grid");
	json_str(w, st->grid);
	json_key(w, "unit");
	json_str(w, st->unit);
	json_key(w, "where");
	json_str(w, st->where ? st->where : "");
	json_key(w, "desc");
	json_str(w, st->desc ? st->desc : "");
	json_key(w, "source");
	json_str(w, st->source);
	json_key(w, "reported_at");
	json_uint(w, st->reported_at);
	json_key(w, "last_at");
	json_uint(w, st->last_at);
	json_key(w, "conflicts");
	json_uint(w, state_open_conflicts(st));
	if (has_dl && dl->has_due) {
		json_key(w, "due_at");
		json_uint(w, dl->due_ms);
		json_key(w, "colour");
		json_str(w, colour_name(dl->colour));
		json_key(w, "left_work_ms");
		json_int(w, (int64_t)dl->limit_work_ms - (int64_t)dl->used_work_ms);
	}
}

struct list_ctx {
	struct json_writer *w;
	size_t n;
};

static int
list_one(const struct case_row *r, void *ctx)
{
	struct list_ctx *l = ctx;
	if (l->n++ >= API_LIST_MAX)
		return 0;
	json_obj_begin(l->w);
	case_fields(l->w, r->st, r->has_deadline, &r->dl);
	json_obj_end(l->w);
	return 0;
}

void
api_cases(struct web_call *c)
{
	struct case_query q;
	struct json_writer w;
	struct diag d;
	char state[24], cls[24], grid[40], unit[65], colour[12], ov[4];
	memset(&q, 0, sizeof(q));
	q.state = form_get(c->rq->query, "state", state, sizeof(state)) && state[0] ? state : NULL;
	q.cls = form_get(c->rq->query, "class", cls, sizeof(cls)) && cls[0] ? cls : NULL;
	q.grid = form_get(c->rq->query, "grid", grid, sizeof(grid)) && grid[0] ? grid : NULL;
	q.unit = form_get(c->rq->query, "unit", unit, sizeof(unit)) && unit[0] ? unit : NULL;
	form_get(c->rq->query, "colour", colour, sizeof(colour));
	q.colour = colour_parse(colour);
	form_get(c->rq->query, "overdue", ov, sizeof(ov));
	q.overdue = ov[0] == '1';
	q.now_ms = c->rq->now_ms;
	json_start(c, &w);
	json_obj_begin(&w);
	json_key(&w, "cases");
	json_arr_begin(&w);
	struct list_ctx l = { &w, 0 };
	int rc = node_case_list(c->w->n, &q, list_one, &l, &d);
	json_arr_end(&w);
	json_key(&w, "total");
	json_uint(&w, l.n);
	if (rc) {
		json_key(&w, "error");
		json_str(&w, d.text);
		c->rs->status = 400;
	}
	json_obj_end(&w);
	buf_add_byte(&c->rs->body, '\n');
}

void
api_case(struct web_call *c)
{
	struct case_state st;
	struct deadline dl;
	struct json_writer w;
	json_start(c, &w);
	if (case_state_get(c->w->n, c->tail, &st) != 0) {
		c->rs->status = 404;
		buf_add_str(&c->rs->body, "{\"error\":\"no such case\"}\n");
		return;
	}
	int has_dl = deadline_of(&st, &node_config(c->w->n)->cal, c->rq->now_ms, &dl) == 0;
	json_obj_begin(&w);
	case_fields(&w, &st, has_dl, &dl);
	json_obj_end(&w);
	buf_add_byte(&c->rs->body, '\n');
	state_release(&st);
}

void
api_events(struct web_call *c)
{
	c->rs->stream = 1;
}

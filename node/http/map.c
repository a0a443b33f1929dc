/*
 * map.c - the grid map: the district's unit grid cells drawn as SVG from
 * the node's own grid (their GeoJSON polygons, holes and the parts of a
 * MultiPolygon included), coloured by open and overdue cases, with the
 * most urgent open cases as markers; and the small map of one case on its
 * page.
 *
 * The counts per cell come from the index of open cases per cell and due
 * time (node_cell_loads()): a walk over the keys of the district's open
 * cases, no case read, so that a district of 100,000 cases is drawn in
 * milliseconds.  Only the markers read cases, MAP_MARKERS_MAX at most.
 *
 * No tile server and no script: the node projects each cell's positions
 * (millionths of a degree) onto the page with an equirectangular
 * projection scaled by the cosine of the district's middle latitude,
 * which at a district's size (some km) is as true as a map on paper.
 * A cell is one <path> with fill-rule evenodd, so a hole is left empty
 * and the parts of a MultiPolygon are one link.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "node/api.h"
#include "node/case/deadline.h"
#include "node/case/grid.h"
#include "node/case/state.h"
#include "node/grid_store.h"
#include "node/http/internal.h"
#include "common/banned.h"

/* The map's width in SVG units; its height follows the district. */
#define MAP_W 1000.0
#define CASE_MAP_W 480.0
/* Markers drawn at most, the most urgent first (the cells' counts hold
 * every case). */
#define MAP_MARKERS_MAX 500

/* Longitude and latitude (e6) to the page. */
struct proj {
	int64_t lon0, lat1; /* the window's west and north edges */
	double kx, ky;      /* SVG units per e6 degree */
	double w, h;
};

static void
proj_init(struct proj *p, const int64_t box[4], double width)
{
	double mid = (double)(box[1] + box[3]) / 2e6 * M_PI / 180.0;
	double dx = (double)(box[2] - box[0]) * cos(mid);
	double dy = (double)(box[3] - box[1]);
	if (dx < 1)
		dx = 1;
	if (dy < 1)
		dy = 1;
	p->lon0 = box[0];
	p->lat1 = box[3];
	p->kx = width / dx * cos(mid);
	p->ky = width / dx;
	p->w = width;
	p->h = dy * p->ky;
}

static double
px(const struct proj *p, int64_t lon)
{
	return (double)(lon - p->lon0) * p->kx;
}

static double
py(const struct proj *p, int64_t lat)
{
	return (double)(p->lat1 - lat) * p->ky;
}

/* The cell's outline, holes and parts as one path's data. */
static void
shape_path(struct buf *o, const struct proj *p, const struct grid_shape *s)
{
	for (size_t i = 0; i < s->nrings; i++) {
		const struct grid_ring *g = &s->r[i];
		/* GeoJSON repeats the first position last: Z closes it. */
		size_t nv = g->nv > 1 && g->v[0][0] == g->v[g->nv - 1][0] &&
				    g->v[0][1] == g->v[g->nv - 1][1]
			    ? g->nv - 1 : g->nv;
		for (size_t k = 0; k < nv; k++)
			buf_printf(o, "%c%.1f %.1f", k ? 'L' : 'M', px(p, g->v[k][0]),
				   py(p, g->v[k][1]));
		buf_add_str(o, "Z");
	}
}

/* Where a cell's count and its cases without a position go: the middle
 * of its first outline's box. */
static void
shape_anchor(const struct grid_shape *s, int64_t *lon, int64_t *lat)
{
	int64_t b[4] = { INT64_MAX, INT64_MAX, INT64_MIN, INT64_MIN };
	for (size_t k = 0; s->nrings && k < s->r[0].nv; k++)
		for (int a = 0; a < 2; a++) {
			if (s->r[0].v[k][a] < b[a])
				b[a] = s->r[0].v[k][a];
			if (s->r[0].v[k][a] > b[2 + a])
				b[2 + a] = s->r[0].v[k][a];
		}
	*lon = b[0] / 2 + b[2] / 2;
	*lat = b[1] / 2 + b[3] / 2;
}

static void
box_add(int64_t box[4], const int64_t other[4])
{
	for (int a = 0; a < 2; a++) {
		if (other[a] < box[a])
			box[a] = other[a];
		if (other[2 + a] > box[2 + a])
			box[2 + a] = other[2 + a];
	}
}

static int
box_meets(const int64_t a[4], const int64_t b[4])
{
	return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/* ---- the district's map ---- */

struct map_cell {
	char grid[GRID_ID_MAX + 1], office[GRID_NAME_MAX + 1];
	uint64_t open, overdue;
	unsigned placed;
	int64_t alon, alat; /* the anchor */
};

struct map_marker {
	char id[STATE_NAME_MAX + 1];
	size_t cell; /* SIZE_MAX: in no imported cell */
	int has_pos, overdue;
	int64_t lon, lat;
};

struct map {
	struct map_cell *cells;
	size_t n, cap;
	int64_t box[4];
	struct map_marker *marks;
	size_t nmarks;
	int skip_running; /* markers: running cases were drawn already */
	uint64_t cases, outside; /* open cases in imported cells, in others */
	struct proj p;
	struct web_call *c;
};

static int
cell_cmp(const void *key, const void *elt)
{
	return strcmp(key, ((const struct map_cell *)elt)->grid);
}

static int
map_add_cell(const struct grid_shape *s, void *ctx)
{
	struct map *m = ctx;
	if (!s->nrings)
		return 0;
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 64;
		m->cells = xrealloc(m->cells, m->cap * sizeof(*m->cells));
	}
	struct map_cell *mc = &m->cells[m->n++];
	memset(mc, 0, sizeof(*mc));
	snprintf(mc->grid, sizeof(mc->grid), "%s", s->cell.grid);
	snprintf(mc->office, sizeof(mc->office), "%s", s->cell.office);
	shape_anchor(s, &mc->alon, &mc->alat);
	box_add(m->box, s->box);
	return 0;
}

/* One cell's counts from the index; a cell not imported here counts as
 * outside. */
static int
map_count(const struct case_load *l, void *ctx)
{
	struct map *m = ctx;
	/* The cells came in grid id order (the store's key order). */
	struct map_cell *mc =
		bsearch(l->name, m->cells, m->n, sizeof(*m->cells), cell_cmp);
	if (!mc) {
		m->outside += l->open;
		return 0;
	}
	m->cases += l->open;
	mc->open = l->open;
	mc->overdue = l->overdue;
	return 0;
}

/* Stops a listing when the markers are all taken. */
#define MAP_FULL 1

static int
map_mark(const struct case_row *r, void *ctx)
{
	struct map *m = ctx;
	int running = r->has_deadline && r->dl.has_due && !r->dl.done &&
		      r->st->status == CS_DISPATCHED;
	if (m->skip_running && running)
		return 0;
	if (m->nmarks == MAP_MARKERS_MAX)
		return MAP_FULL;
	struct map_cell *mc = r->st->grid[0]
		? bsearch(r->st->grid, m->cells, m->n, sizeof(*m->cells), cell_cmp)
		: NULL;
	if (!mc && !r->st->has_pos)
		return 0; /* nowhere to draw it */
	struct map_marker *k = &m->marks[m->nmarks++];
	snprintf(k->id, sizeof(k->id), "%s", r->case_id);
	k->cell = mc ? (size_t)(mc - m->cells) : SIZE_MAX;
	k->overdue = running && r->dl.colour == COLOUR_RED;
	k->has_pos = r->st->has_pos;
	k->lon = r->st->lon_e6;
	k->lat = r->st->lat_e6;
	return 0;
}

static const char *
cell_colour(const struct map_cell *mc)
{
	return mc->overdue ? "red" : mc->open ? "yellow" : "green";
}

static int
map_draw_cell(const struct grid_shape *s, void *ctx)
{
	struct map *m = ctx;
	struct web_call *c = m->c;
	struct buf *o = &c->rs->body;
	const struct map_cell *mc =
		bsearch(s->cell.grid, m->cells, m->n, sizeof(*m->cells), cell_cmp);
	if (!mc)
		return 0;
	buf_printf(o, "<a href=\"/?grid=%s\"><path class=\"cell %s\" data-grid=\"%s\" data-rings=\"%zu\" data-polys=\"%zu\" d=\"",
		   mc->grid, cell_colour(mc), mc->grid, s->nrings, s->npolys);
	shape_path(o, &m->p, s);
	buf_printf(o, "\"><title>%s ", mc->grid);
	html_text(o, mc->office);
	buf_printf(o, " · %s %llu · %s %llu</title></path></a>", T(c, "在办", "open"),
		   (unsigned long long)mc->open, T(c, "超期", "overdue"),
		   (unsigned long long)mc->overdue);
	return 0;
}

static void
map_draw_markers(struct map *m)
{
	struct buf *o = &m->c->rs->body;
	buf_add_str(o, "<g class=\"markers\">");
	for (size_t i = 0; i < m->nmarks; i++) {
		const struct map_marker *k = &m->marks[i];
		double x, y;
		if (k->has_pos) {
			x = px(&m->p, k->lon);
			y = py(&m->p, k->lat);
		} else {
			/* No position: its cell's middle for the first, the
			 * next ones beside it on a 5 x 5 lattice, so that none
			 * hides another. */
			struct map_cell *mc = &m->cells[k->cell];
			unsigned j = mc->placed++;
			x = px(&m->p, mc->alon) + (double)((int)((j + 2) % 5) - 2) * 22;
			y = py(&m->p, mc->alat) + (double)((int)((j / 5 + 2) % 5) - 2) * 22;
		}
		buf_printf(o, "<a href=\"/case/%s\"><circle class=\"marker%s%s\" data-case=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"10\"><title>%s</title></circle></a>",
			   k->id, k->overdue ? " overdue" : "", k->has_pos ? "" : " approx",
			   k->id, x, y, k->id);
	}
	buf_add_str(o, "</g>");
}

void
page_map(struct web_call *c)
{
	struct buf *o = &c->rs->body;
	struct map m;
	struct case_query q;
	struct diag d;

	memset(&m, 0, sizeof(m));
	m.c = c;
	m.box[0] = m.box[1] = INT64_MAX;
	m.box[2] = m.box[3] = INT64_MIN;
	(void)!grid_shape_walk(c->w->n, map_add_cell, &m);
	m.marks = xcalloc(MAP_MARKERS_MAX, sizeof(*m.marks));
	(void)!node_cell_loads(c->w->n, c->rq->now_ms, 0, map_count, &m);
	/* The markers, the most urgent first: the overdue cases from the
	 * longest overdue, the running ones from the soonest due (both in
	 * the due index's order), then the other open cases state by state,
	 * until MAP_MARKERS_MAX are taken. */
	memset(&q, 0, sizeof(q));
	q.now_ms = c->rq->now_ms;
	q.overdue = 1;
	(void)!node_case_list(c->w->n, &q, map_mark, &m, &d);
	q.overdue = 0;
	q.due_before = UINT64_MAX;
	if (m.nmarks < MAP_MARKERS_MAX)
		(void)!node_case_list(c->w->n, &q, map_mark, &m, &d);
	q.due_before = 0;
	m.skip_running = 1;
	for (int s = CS_REPORTED; s < CS_COUNT && m.nmarks < MAP_MARKERS_MAX; s++) {
		if (!(CS_OPEN & CS_BIT(s)))
			continue;
		q.state = case_status_name((enum case_status)s);
		(void)!node_case_list(c->w->n, &q, map_mark, &m, &d);
	}
	page_begin(c, T(c, "地图", "Map"));
	buf_printf(o, "<h1>%s</h1><p>%s</p>", T(c, "网格地图", "Grid map"),
		   T(c, "本节点导入的单元网格，按其边界绘制。颜色：绿＝无在办案卷，黄＝有在办案卷，红＝有超期案卷；圆点为在办案卷，至多 500 件，最紧急的在前（空心：无坐标，画在网格中部）。点击网格看其案卷。",
		     "The unit grid cells this node imported, drawn by their boundaries. Green: no open case, yellow: open cases, red: overdue cases; dots are open cases, at most 500, the most urgent first (hollow: no position, drawn in the middle of the cell). Click a cell for its cases."));
	if (m.n == 0) {
		buf_printf(o, "<p class=\"empty\">%s</p>", T(c, "本节点尚未导入网格", "No grid imported on this node"));
		goto out;
	}
	proj_init(&m.p, m.box, MAP_W);
	buf_printf(o, "<svg class=\"map\" id=\"map\" viewBox=\"-6 -6 %.0f %.0f\" role=\"img\" aria-label=\"%s\"><g class=\"cells\">",
		   m.p.w + 12, m.p.h + 12, T(c, "网格地图", "grid map"));
	(void)!grid_shape_walk(c->w->n, map_draw_cell, &m);
	buf_add_str(o, "</g><g class=\"counts\">");
	for (size_t i = 0; i < m.n; i++)
		if (m.cells[i].open)
			buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\">%llu</text>",
				   px(&m.p, m.cells[i].alon) + 14, py(&m.p, m.cells[i].alat) - 14,
				   (unsigned long long)m.cells[i].open);
	buf_add_str(o, "</g>");
	map_draw_markers(&m);
	buf_add_str(o, "</svg>");
	buf_printf(o, "<p class=\"legend\" id=\"map-legend\"><span class=\"key green\"></span> %s <span class=\"key yellow\"></span> %s <span class=\"key red\"></span> %s · %s %llu",
		   T(c, "无在办", "no open case"), T(c, "有在办", "open cases"),
		   T(c, "有超期", "overdue cases"), T(c, "网格内在办案卷", "open cases in grid cells"),
		   (unsigned long long)m.cases);
	if (m.nmarks == MAP_MARKERS_MAX)
		buf_printf(o, " <span id=\"map-limit\">(%s %d %s)</span>",
			   T(c, "圆点只画最紧急的", "dots for the"), MAP_MARKERS_MAX,
			   T(c, "件：超期最久的在前，再按到期先后", "most urgent only: the longest overdue first, then the soonest due"));
	if (m.outside)
		buf_printf(o, " · %s %llu", T(c, "不在已导入网格内", "in no imported cell"),
			   (unsigned long long)m.outside);
	buf_add_str(o, "</p>");
	/* The same figures as a table: for a screen reader and a phone. */
	buf_printf(o, "<div class=\"scroll\"><table class=\"cells\" id=\"map-cells\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
		   T(c, "网格", "Cell"), T(c, "街道", "Office"), T(c, "在办", "Open"), T(c, "超期", "Overdue"));
	for (size_t i = 0; i < m.n; i++) {
		if (!m.cells[i].open)
			continue;
		buf_printf(o, "<tr class=\"c-%s\"><td><a href=\"/?grid=%s\">%s</a></td><td>",
			   m.cells[i].overdue ? "red" : "yellow", m.cells[i].grid, m.cells[i].grid);
		html_text(o, m.cells[i].office);
		buf_printf(o, "</td><td>%llu</td><td>%llu</td></tr>", (unsigned long long)m.cells[i].open,
			   (unsigned long long)m.cells[i].overdue);
	}
	buf_add_str(o, "</tbody></table></div>");
out:
	free(m.cells);
	free(m.marks);
	page_end(c);
}

/* ---- one case's map ---- */

struct case_map {
	struct web_call *c;
	const char *grid;
	int64_t win[4];
	struct proj p;
	int found;
	int64_t alon, alat; /* the case's cell's anchor */
};

static int
case_map_find(const struct grid_shape *s, void *ctx)
{
	struct case_map *cm = ctx;
	if (strcmp(s->cell.grid, cm->grid) != 0)
		return 0;
	cm->found = 1;
	memcpy(cm->win, s->box, sizeof(cm->win));
	shape_anchor(s, &cm->alon, &cm->alat);
	return 1;
}

static int
case_map_cell(const struct grid_shape *s, void *ctx)
{
	struct case_map *cm = ctx;
	struct buf *o = &cm->c->rs->body;
	if (!s->nrings || !box_meets(s->box, cm->win))
		return 0;
	int self = strcmp(s->cell.grid, cm->grid) == 0;
	buf_printf(o, "<a href=\"/?grid=%s\"><path class=\"cell%s\" data-grid=\"%s\" d=\"",
		   s->cell.grid, self ? " this" : "", s->cell.grid);
	shape_path(o, &cm->p, s);
	buf_printf(o, "\"><title>%s ", s->cell.grid);
	html_text(o, s->cell.office);
	buf_add_str(o, "</title></path></a>");
	return 0;
}

void
map_case(struct web_call *c, const struct case_state *st)
{
	struct buf *o = &c->rs->body;
	struct case_map cm;
	memset(&cm, 0, sizeof(cm));
	cm.c = c;
	cm.grid = st->grid;
	if (st->grid[0])
		(void)!grid_shape_walk(c->w->n, case_map_find, &cm);
	if (!cm.found && !st->has_pos)
		return;
	if (!cm.found) {
		cm.win[0] = cm.win[2] = st->lon_e6;
		cm.win[1] = cm.win[3] = st->lat_e6;
	} else if (st->has_pos) {
		int64_t pt[4] = { st->lon_e6, st->lat_e6, st->lon_e6, st->lat_e6 };
		box_add(cm.win, pt);
	}
	/* The cell and its neighbours: a margin of its size (at least about
	 * 300 m) all round. */
	int64_t mx = (cm.win[2] - cm.win[0]) * 3 / 4, my = (cm.win[3] - cm.win[1]) * 3 / 4;
	if (mx < 3000)
		mx = 3000;
	if (my < 3000)
		my = 3000;
	cm.win[0] -= mx;
	cm.win[2] += mx;
	cm.win[1] -= my;
	cm.win[3] += my;
	proj_init(&cm.p, cm.win, CASE_MAP_W);
	buf_printf(o, "<figure class=\"case-map\"><svg class=\"map small\" id=\"case-map\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\"><g class=\"cells\">",
		   cm.p.w, cm.p.h, T(c, "案卷位置", "where the case is"));
	(void)!grid_shape_walk(c->w->n, case_map_cell, &cm);
	buf_add_str(o, "</g>");
	if (st->has_pos)
		buf_printf(o, "<circle class=\"marker here\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\"><title>%.6f, %.6f</title></circle>",
			   px(&cm.p, st->lon_e6), py(&cm.p, st->lat_e6),
			   (double)st->lat_e6 / 1e6, (double)st->lon_e6 / 1e6);
	else
		buf_printf(o, "<circle class=\"marker here approx\" cx=\"%.1f\" cy=\"%.1f\" r=\"7\"></circle>",
			   px(&cm.p, cm.alon), py(&cm.p, cm.alat));
	buf_printf(o, "</svg><figcaption>%s</figcaption></figure>",
		   st->has_pos ? T(c, "圆点：上报坐标；加粗：案卷所在网格", "Dot: the reported position; bold: the case's cell")
			       : T(c, "无坐标：圆点画在网格中部；加粗：案卷所在网格", "No position: the dot is the middle of the cell; bold: the case's cell"));
}

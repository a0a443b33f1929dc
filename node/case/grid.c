/*
 * grid.c - grid ids, the GeoJSON cells and point-in-polygon.  Storing
 * and finding the cells is node/grid_store.c's.
 */
#include "node/case/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "common/banned.h"

static int
zeros(const char *s, size_t n)
{
	return strspn(s, "0") >= n;
}

/* The provinces of GB/T 2260 (the first two digits of a county code). */
static int
province_valid(const char *grid)
{
	static const char *const provinces[] = {
		"11", "12", "13", "14", "15", "21", "22", "23", "31", "32",
		"33", "34", "35", "36", "37", "41", "42", "43", "44", "45",
		"46", "50", "51", "52", "53", "54", "61", "62", "63", "64",
		"65", "71", "81", "82",
	};
	for (size_t i = 0; i < sizeof(provinces) / sizeof(provinces[0]); i++)
		if (memcmp(grid, provinces[i], 2) == 0)
			return 1;
	return 0;
}

int
grid_id_valid(const char *grid, size_t want, const char *county, struct diag *d)
{
	size_t len = strlen(grid);
	if (len != want || strspn(grid, "0123456789") != len)
		return diag_set(d, ERR_INVAL,
				"grid id '%s' must be %zu digits (county 6, street 3, community 3, cell)",
				grid, want);
	if (county && *county && strncmp(grid, county, GRID_COUNTY_DIGITS) != 0)
		return diag_set(d, ERR_INVAL,
				"grid id '%s' is not in county %s (its first 6 digits)",
				grid, county);
	if (!province_valid(grid))
		return diag_set(d, ERR_INVAL,
				"grid id '%s': '%.2s' is no province of GB/T 2260 (digits 1-2)",
				grid, grid);
	if (zeros(grid + 2, 4))
		return diag_set(d, ERR_INVAL,
				"grid id '%s': county code %.6s names a province, not a county (digits 1-6)",
				grid, grid);
	if (zeros(grid + GRID_COUNTY_DIGITS, 3))
		return diag_set(d, ERR_INVAL,
				"grid id '%s': street 000 is no street (digits 7-9)",
				grid);
	/* A configured length below 15 shortens the community and the
	 * serial (some cities use 14 digits): what is there must not be 0. */
	size_t community = len - GRID_OFFICE_DIGITS < 3 ? len - GRID_OFFICE_DIGITS : 3;
	if (community && zeros(grid + GRID_OFFICE_DIGITS, community))
		return diag_set(d, ERR_INVAL,
				"grid id '%s': community of zeros is no community (digits 10-%zu)",
				grid, GRID_OFFICE_DIGITS + community);
	size_t serial = len - GRID_OFFICE_DIGITS - community;
	if (serial && zeros(grid + GRID_OFFICE_DIGITS + community, serial))
		return diag_set(d, ERR_INVAL,
				"grid id '%s': a serial of zeros is no cell (digits %zu-%zu)",
				grid, GRID_OFFICE_DIGITS + community + 1, len);
	return 0;
}

/*
 * A stored cell: {"community", "grid", "office", "polygons": [[ring,
 * hole, ...], ...]}, each ring [[lon, lat]...] in millionths of a
 * degree.  Records written before holes and MultiPolygons were read
 * hold {"ring": ring} instead: one polygon without holes.
 */
struct ring {
	size_t poly; /* the polygon it belongs to; its first ring is outer */
	size_t nv;
	int64_t (*v)[2]; /* lon_e6, lat_e6 */
};

struct cell_rec {
	struct grid_cell c;
	size_t nrings, npolys;
	struct ring *r;
	int64_t box[4]; /* min lon, min lat, max lon, max lat */
};

static void
cell_rec_release(struct cell_rec *rec)
{
	for (size_t i = 0; i < rec->nrings; i++)
		free(rec->r[i].v);
	free(rec->r);
	rec->r = NULL;
	rec->nrings = rec->npolys = 0;
}

static int
read_str(struct mp_reader *map, const char *key, char *out, size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	if (mp_map_find(map, key, &v) || mp_get_str(&v, &s, &n) || n == 0 ||
	    n >= cap)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* A longitude and latitude in millionths of a degree (RFC 7946). */
static int
position_valid(int64_t lon, int64_t lat)
{
	return lon >= -GRID_LON_MAX && lon <= GRID_LON_MAX &&
	       lat >= -GRID_LAT_MAX && lat <= GRID_LAT_MAX;
}

static struct ring *
ring_add(struct cell_rec *rec, size_t poly)
{
	rec->r = xrealloc(rec->r, (rec->nrings + 1) * sizeof(*rec->r));
	struct ring *g = &rec->r[rec->nrings++];
	memset(g, 0, sizeof(*g));
	g->poly = poly;
	return g;
}

/* One GeoJSON ring: at least 4 positions, each [lon, lat(, alt)]. */
static int
read_one_ring(struct mp_reader *v, struct cell_rec *rec, size_t poly)
{
	uint32_t points, two;
	if (mp_get_array(v, &points) || points < 4 ||
	    points > GRID_MAX_VERTICES)
		return -1;
	struct ring *g = ring_add(rec, poly);
	g->v = xcalloc(points, sizeof(*g->v));
	for (uint32_t i = 0; i < points; i++) {
		if (mp_get_array(v, &two) || two < 2 ||
		    mp_get_int(v, &g->v[i][0]) || mp_get_int(v, &g->v[i][1]))
			return -1;
		if (!position_valid(g->v[i][0], g->v[i][1]))
			return -1;
		for (uint32_t k = 2; k < two; k++) { /* altitude: ignored */
			const uint8_t *p;
			size_t len;
			if (mp_get_value(v, &p, &len))
				return -1;
		}
		g->nv++;
	}
	return 0;
}

/* A Polygon's rings (the outer ring, then its holes) as polygon poly. */
static int
read_polygon(struct mp_reader *v, struct cell_rec *rec, size_t poly)
{
	uint32_t rings;
	if (mp_get_array(v, &rings) || rings < 1 || rings > GRID_MAX_RINGS)
		return -1;
	for (uint32_t i = 0; i < rings; i++)
		if (read_one_ring(v, rec, poly))
			return -1;
	rec->npolys = poly + 1;
	return 0;
}

/* A Polygon or a MultiPolygon geometry. */
static int
read_geometry(struct mp_reader *geometry, struct cell_rec *rec)
{
	struct mp_reader v;
	char type[16];
	uint32_t polys;
	if (read_str(geometry, "type", type, sizeof(type)) ||
	    mp_map_find(geometry, "coordinates", &v))
		return -1;
	if (strcmp(type, "Polygon") == 0)
		return read_polygon(&v, rec, 0);
	if (strcmp(type, "MultiPolygon") != 0 || mp_get_array(&v, &polys) ||
	    polys < 1 || polys > GRID_MAX_RINGS)
		return -1;
	for (uint32_t i = 0; i < polys; i++)
		if (read_polygon(&v, rec, i) || rec->nrings > GRID_MAX_RINGS)
			return -1;
	return 0;
}

static void
put_ring(struct buf *out, const struct ring *g)
{
	mp_put_array(out, (uint32_t)g->nv);
	for (size_t i = 0; i < g->nv; i++) {
		mp_put_array(out, 2);
		mp_put_int(out, g->v[i][0]);
		mp_put_int(out, g->v[i][1]);
	}
}

static void
encode_cell(const struct cell_rec *rec, struct buf *out)
{
	mp_put_map(out, 4);
	mp_put_cstr(out, "community");
	mp_put_cstr(out, rec->c.community);
	mp_put_cstr(out, "grid");
	mp_put_cstr(out, rec->c.grid);
	mp_put_cstr(out, "office");
	mp_put_cstr(out, rec->c.office);
	mp_put_cstr(out, "polygons");
	mp_put_array(out, (uint32_t)rec->npolys);
	for (size_t p = 0, i = 0; p < rec->npolys; p++) {
		size_t first = i;
		while (i < rec->nrings && rec->r[i].poly == p)
			i++;
		mp_put_array(out, (uint32_t)(i - first));
		for (size_t k = first; k < i; k++)
			put_ring(out, &rec->r[k]);
	}
}

static int
get_ring(struct mp_reader *v, struct cell_rec *rec, size_t poly)
{
	uint32_t points, two;
	if (mp_get_array(v, &points))
		return ERR_CORRUPT;
	struct ring *g = ring_add(rec, poly);
	g->v = xcalloc(points ? points : 1, sizeof(*g->v));
	for (uint32_t i = 0; i < points; i++) {
		if (mp_get_array(v, &two) || two != 2 ||
		    mp_get_int(v, &g->v[i][0]) || mp_get_int(v, &g->v[i][1]))
			return ERR_CORRUPT;
		g->nv++;
	}
	return 0;
}

static void
compute_box(struct cell_rec *rec)
{
	rec->box[0] = rec->box[1] = INT64_MAX;
	rec->box[2] = rec->box[3] = INT64_MIN;
	for (size_t i = 0; i < rec->nrings; i++)
		for (size_t k = 0; k < rec->r[i].nv; k++)
			for (int a = 0; a < 2; a++) {
				int64_t x = rec->r[i].v[k][a];
				if (x < rec->box[a])
					rec->box[a] = x;
				if (x > rec->box[2 + a])
					rec->box[2 + a] = x;
			}
}

static int
decode_cell(const uint8_t *p, size_t n, struct cell_rec *rec)
{
	struct mp_reader r, v;
	uint32_t polys, rings;
	memset(rec, 0, sizeof(*rec));
	mp_reader_init(&r, p, n, NULL);
	if (read_str(&r, "grid", rec->c.grid, sizeof(rec->c.grid)) ||
	    read_str(&r, "community", rec->c.community, sizeof(rec->c.community)) ||
	    read_str(&r, "office", rec->c.office, sizeof(rec->c.office)))
		return ERR_CORRUPT;
	if (mp_map_find(&r, "ring", &v) == 0) {
		rec->npolys = 1;
		return get_ring(&v, rec, 0);
	}
	if (mp_map_find(&r, "polygons", &v) || mp_get_array(&v, &polys))
		return ERR_CORRUPT;
	for (uint32_t i = 0; i < polys; i++) {
		if (mp_get_array(&v, &rings))
			return ERR_CORRUPT;
		for (uint32_t k = 0; k < rings; k++)
			if (get_ring(&v, rec, i))
				return ERR_CORRUPT;
	}
	rec->npolys = polys;
	return 0;
}

/* ---- exact geometry on integer positions ---- */

/* The sign of the cross product (b - a) x (c - a). */
static int
orient(const int64_t a[2], const int64_t b[2], const int64_t c[2])
{
	__int128 v = (__int128)(b[0] - a[0]) * (c[1] - a[1]) -
		     (__int128)(b[1] - a[1]) * (c[0] - a[0]);
	return (v > 0) - (v < 0);
}

/* p on the segment a-b (orient 0 and within its box). */
static int
on_segment(const int64_t a[2], const int64_t b[2], const int64_t p[2])
{
	return orient(a, b, p) == 0 &&
	       p[0] >= (a[0] < b[0] ? a[0] : b[0]) &&
	       p[0] <= (a[0] < b[0] ? b[0] : a[0]) &&
	       p[1] >= (a[1] < b[1] ? a[1] : b[1]) &&
	       p[1] <= (a[1] < b[1] ? b[1] : a[1]);
}

enum where { OUTSIDE, BOUNDARY, INSIDE };

/*
 * Where the point p (in units of scale millionths: positions are
 * multiplied by scale first, so that midpoints stay integers) lies:
 * inside a polygon means inside its outer ring and in none of its holes
 * (even-odd over its rings); any other polygon of the cell may hold it.
 */
static enum where
locate(const struct cell_rec *rec, const int64_t p[2], int64_t scale)
{
	int inside_any = 0;
	for (size_t first = 0; first < rec->nrings;) {
		size_t poly = rec->r[first].poly, end = first;
		int inside = 0;
		while (end < rec->nrings && rec->r[end].poly == poly)
			end++;
		for (size_t k = first; k < end; k++) {
			const struct ring *g = &rec->r[k];
			for (size_t i = 0, j = g->nv - 1; i < g->nv; j = i++) {
				int64_t a[2] = { g->v[j][0] * scale, g->v[j][1] * scale };
				int64_t b[2] = { g->v[i][0] * scale, g->v[i][1] * scale };
				if (on_segment(a, b, p))
					return BOUNDARY;
				if ((b[1] > p[1]) == (a[1] > p[1]))
					continue;
				/* The crossing's x is right of p: the edge
				 * from the lower end to the upper end has p
				 * on its left. */
				int o = b[1] > a[1] ? orient(a, b, p) : orient(b, a, p);
				if (o > 0)
					inside = !inside;
			}
		}
		inside_any |= inside;
		first = end;
	}
	return inside_any ? INSIDE : OUTSIDE;
}

/* Two segments cross at a point inside both (not at an end). */
static int
cross_properly(const int64_t a[2], const int64_t b[2], const int64_t c[2],
	       const int64_t d[2])
{
	int o1 = orient(a, b, c), o2 = orient(a, b, d);
	int o3 = orient(c, d, a), o4 = orient(c, d, b);
	return o1 * o2 < 0 && o3 * o4 < 0;
}

/*
 * Whether a's inside meets b's: a point of one (a vertex or an edge's
 * midpoint) strictly inside the other, or two edges crossing; and two
 * cells whose every vertex and midpoint lies on the other's boundary
 * have the same outline.  Cells that share only edges or corners do
 * not overlap.
 */
static int
one_way(const struct cell_rec *a, const struct cell_rec *b, int *all_on)
{
	for (size_t k = 0; k < a->nrings; k++) {
		const struct ring *g = &a->r[k];
		for (size_t i = 0, j = g->nv - 1; i < g->nv; j = i++) {
			int64_t v[2] = { 2 * g->v[i][0], 2 * g->v[i][1] };
			int64_t m[2] = { g->v[i][0] + g->v[j][0],
					 g->v[i][1] + g->v[j][1] };
			enum where wv = locate(b, v, 2), wm = locate(b, m, 2);
			if (wv == INSIDE || wm == INSIDE)
				return 1;
			if (wv != BOUNDARY || wm != BOUNDARY)
				*all_on = 0;
		}
	}
	return 0;
}

static int
cells_overlap(const struct cell_rec *a, const struct cell_rec *b)
{
	if (a->box[2] <= b->box[0] || b->box[2] <= a->box[0] ||
	    a->box[3] <= b->box[1] || b->box[3] <= a->box[1])
		return 0;
	for (size_t k = 0; k < a->nrings; k++) {
		const struct ring *g = &a->r[k];
		for (size_t i = 0, j = g->nv - 1; i < g->nv; j = i++)
			for (size_t l = 0; l < b->nrings; l++) {
				const struct ring *h = &b->r[l];
				for (size_t x = 0, y = h->nv - 1; x < h->nv; y = x++)
					if (cross_properly(g->v[j], g->v[i],
							   h->v[y], h->v[x]))
						return 1;
			}
	}
	int all_on = 1;
	if (one_way(a, b, &all_on) || one_way(b, a, &all_on))
		return 1;
	return all_on;
}

static int
grid_cmp(const void *x, const void *y)
{
	return strcmp(((const struct cell_rec *)x)->c.grid,
		      ((const struct cell_rec *)y)->c.grid);
}

/* A whole import: no id twice, no two cells overlapping. */
static int
check_cells(struct cell_rec *recs, size_t n, const char *name,
	    struct diag *d)
{
	struct cell_rec *sorted = xcalloc(n ? n : 1, sizeof(*sorted));
	int rc = 0;
	if (n)
		memcpy(sorted, recs, n * sizeof(*recs));
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), grid_cmp);
	for (size_t i = 1; i < n && !rc; i++)
		if (strcmp(sorted[i].c.grid, sorted[i - 1].c.grid) == 0)
			rc = diag_set(d, ERR_INVAL,
				      "%s: grid id '%s' is given twice",
				      name, sorted[i].c.grid);
	free(sorted);
	for (size_t i = 0; i < n && !rc; i++)
		for (size_t j = i + 1; j < n && !rc; j++)
			if (cells_overlap(&recs[i], &recs[j]))
				rc = diag_set(d, ERR_INVAL,
					      "%s: feature %zu (grid %s) overlaps feature %zu (grid %s)",
					      name, j, recs[j].c.grid, i,
					      recs[i].c.grid);
	return rc;
}

int
grid_parse(const char *text, const char *name, size_t grid_length,
	   const char *county, struct grid_parsed **cells, size_t *count,
	   struct diag *d)
{
	struct buf mp = BUF_INIT;
	struct cell_rec *recs = NULL;
	struct mp_reader root, v;
	struct diag why;
	uint32_t nf = 0;
	size_t nrecs = 0;
	char type[32];
	int rc = 0;

	if (json_to_mp_e6(text, &mp, &why)) {
		rc = diag_set(d, ERR_INVAL, "%s: %s", name, why.text);
		goto out;
	}
	mp_reader_init(&root, mp.data, mp.len, NULL);
	if (!mp_is_map(mp.data, mp.len) ||
	    read_str(&root, "type", type, sizeof(type)) ||
	    strcmp(type, "FeatureCollection") != 0 ||
	    mp_map_find(&root, "features", &v) || mp_get_array(&v, &nf)) {
		rc = diag_set(d, ERR_INVAL,
			      "%s: not a GeoJSON FeatureCollection", name);
		goto out;
	}
	recs = xcalloc(nf ? nf : 1, sizeof(*recs));
	for (uint32_t i = 0; i < nf; i++) {
		struct mp_reader feature = v, props, geom;
		const uint8_t *p;
		size_t len;
		struct diag gd;
		if (mp_get_value(&v, &p, &len) || !mp_is_map(p, len) ||
		    mp_map_find(&feature, "properties", &props) ||
		    read_str(&props, "grid", recs[i].c.grid, sizeof(recs[i].c.grid)) ||
		    read_str(&props, "community", recs[i].c.community,
			     sizeof(recs[i].c.community)) ||
		    read_str(&props, "office", recs[i].c.office,
			     sizeof(recs[i].c.office))) {
			rc = diag_set(d, ERR_INVAL,
				      "%s: feature %u needs properties grid, community and office (strings)",
				      name, i);
			nrecs = i + 1;
			goto out;
		}
		nrecs = i + 1;
		if (grid_id_valid(recs[i].c.grid, grid_length, county, &gd)) {
			rc = diag_set(d, ERR_INVAL, "%s: feature %u: %s", name,
				      i, gd.text);
			goto out;
		}
		if (mp_map_find(&feature, "geometry", &geom) ||
		    read_geometry(&geom, &recs[i])) {
			rc = diag_set(d, ERR_INVAL,
				      "%s: feature %u (grid %s) needs a Polygon or MultiPolygon, each ring of at least 4 positions, each a longitude (-180 to 180) and a latitude (-90 to 90)",
				      name, i, recs[i].c.grid);
			goto out;
		}
		compute_box(&recs[i]);
	}
	/* An import replaces the grid: an empty one would silently drop
	 * every cell, and every office's filter with them. */
	if (nrecs == 0) {
		rc = diag_set(d, ERR_INVAL,
			      "%s: no features; an import replaces the grid and would empty it",
			      name);
		goto out;
	}
	if ((rc = check_cells(recs, nrecs, name, d)))
		goto out;
	*cells = xcalloc(nrecs ? nrecs : 1, sizeof(**cells));
	for (size_t i = 0; i < nrecs; i++) {
		(*cells)[i].cell = recs[i].c;
		buf_init(&(*cells)[i].rec);
		encode_cell(&recs[i], &(*cells)[i].rec);
	}
	*count = nrecs;
out:
	for (size_t i = 0; i < nrecs; i++)
		cell_rec_release(&recs[i]);
	free(recs);
	buf_release(&mp);
	return rc;
}

void
grid_parsed_free(struct grid_parsed *cells, size_t count)
{
	if (!cells)
		return;
	for (size_t i = 0; i < count; i++)
		buf_release(&cells[i].rec);
	free(cells);
}

/*
 * Ray casting, in exact integer arithmetic.  Only for positions in
 * range, where every difference and product fits (a record imported
 * before the range was checked may hold others: such a cell contains
 * nothing).  A point on a cell's boundary is in it.
 */
static int
contains(const struct cell_rec *rec, int64_t x, int64_t y)
{
	if (!position_valid(x, y))
		return 0;
	for (size_t k = 0; k < rec->nrings; k++) {
		if (rec->r[k].nv < 3)
			return 0;
		for (size_t i = 0; i < rec->r[k].nv; i++)
			if (!position_valid(rec->r[k].v[i][0], rec->r[k].v[i][1]))
				return 0;
	}
	int64_t p[2] = { x, y };
	return rec->nrings && locate(rec, p, 1) != OUTSIDE;
}

int
grid_record_contains(const uint8_t *rec, size_t n, int64_t lat_e6,
		     int64_t lon_e6, struct grid_cell *out)
{
	struct cell_rec c;
	int rc = decode_cell(rec, n, &c);
	if (rc == 0 && contains(&c, lon_e6, lat_e6)) {
		*out = c.c;
		rc = 1;
	}
	cell_rec_release(&c);
	return rc;
}

int
grid_record_cell(const uint8_t *rec, size_t n, struct grid_cell *out)
{
	struct cell_rec c;
	int rc = decode_cell(rec, n, &c);
	if (rc == 0)
		*out = c.c;
	cell_rec_release(&c);
	return rc;
}

int
grid_record_shape(const uint8_t *rec, size_t n, struct grid_shape *out)
{
	struct cell_rec c;
	int rc = decode_cell(rec, n, &c);
	if (rc) {
		cell_rec_release(&c);
		return rc;
	}
	compute_box(&c);
	memset(out, 0, sizeof(*out));
	out->cell = c.c;
	out->npolys = c.npolys;
	out->nrings = c.nrings;
	out->r = xcalloc(c.nrings ? c.nrings : 1, sizeof(*out->r));
	/* The rings' positions change hands: c keeps none of them. */
	for (size_t i = 0; i < c.nrings; i++) {
		out->r[i].poly = c.r[i].poly;
		out->r[i].nv = c.r[i].nv;
		out->r[i].v = c.r[i].v;
	}
	memcpy(out->box, c.box, sizeof(out->box));
	free(c.r);
	return 0;
}

void
grid_shape_release(struct grid_shape *s)
{
	for (size_t i = 0; i < s->nrings; i++)
		free(s->r[i].v);
	free(s->r);
	memset(s, 0, sizeof(*s));
}

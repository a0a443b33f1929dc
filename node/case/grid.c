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
	return 0;
}

/* A stored cell: {"community", "grid", "office", "ring": [[lon, lat]...]}. */
struct cell_rec {
	struct grid_cell c;
	size_t nv;
	int64_t (*v)[2]; /* lon_e6, lat_e6 */
};

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

/* Reads the outer ring of a Polygon geometry. */
static int
read_ring(struct mp_reader *geometry, struct cell_rec *rec)
{
	struct mp_reader v;
	char type[16];
	uint32_t rings, points, two;
	if (read_str(geometry, "type", type, sizeof(type)) ||
	    strcmp(type, "Polygon") != 0)
		return -1;
	if (mp_map_find(geometry, "coordinates", &v) ||
	    mp_get_array(&v, &rings) || rings < 1 ||
	    mp_get_array(&v, &points) || points < 4 ||
	    points > GRID_MAX_VERTICES)
		return -1;
	rec->v = xcalloc(points, sizeof(*rec->v));
	for (uint32_t i = 0; i < points; i++) {
		if (mp_get_array(&v, &two) || two < 2 ||
		    mp_get_int(&v, &rec->v[i][0]) ||
		    mp_get_int(&v, &rec->v[i][1]))
			return -1;
		if (!position_valid(rec->v[i][0], rec->v[i][1]))
			return -1;
		for (uint32_t k = 2; k < two; k++) { /* altitude: ignored */
			const uint8_t *p;
			size_t len;
			if (mp_get_value(&v, &p, &len))
				return -1;
		}
		rec->nv++;
	}
	return 0;
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
	mp_put_cstr(out, "ring");
	mp_put_array(out, (uint32_t)rec->nv);
	for (size_t i = 0; i < rec->nv; i++) {
		mp_put_array(out, 2);
		mp_put_int(out, rec->v[i][0]);
		mp_put_int(out, rec->v[i][1]);
	}
}

static int
decode_cell(const uint8_t *p, size_t n, struct cell_rec *rec)
{
	struct mp_reader r, v;
	uint32_t points, two;
	memset(rec, 0, sizeof(*rec));
	mp_reader_init(&r, p, n, NULL);
	if (read_str(&r, "grid", rec->c.grid, sizeof(rec->c.grid)) ||
	    read_str(&r, "community", rec->c.community, sizeof(rec->c.community)) ||
	    read_str(&r, "office", rec->c.office, sizeof(rec->c.office)) ||
	    mp_map_find(&r, "ring", &v) || mp_get_array(&v, &points))
		return ERR_CORRUPT;
	rec->v = xcalloc(points ? points : 1, sizeof(*rec->v));
	for (uint32_t i = 0; i < points; i++) {
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_int(&v, &rec->v[i][0]) || mp_get_int(&v, &rec->v[i][1]))
			return ERR_CORRUPT;
		rec->nv++;
	}
	return 0;
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
		    read_ring(&geom, &recs[i])) {
			rc = diag_set(d, ERR_INVAL,
				      "%s: feature %u (grid %s) needs a Polygon of at least 4 positions, each a longitude (-180 to 180) and a latitude (-90 to 90)",
				      name, i, recs[i].c.grid);
			goto out;
		}
	}
	*cells = xcalloc(nrecs ? nrecs : 1, sizeof(**cells));
	for (size_t i = 0; i < nrecs; i++) {
		(*cells)[i].cell = recs[i].c;
		buf_init(&(*cells)[i].rec);
		encode_cell(&recs[i], &(*cells)[i].rec);
	}
	*count = nrecs;
out:
	for (size_t i = 0; i < nrecs; i++)
		free(recs[i].v);
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
 * Ray casting over the ring, in exact integer arithmetic.  Only for
 * positions in range, where every difference and product below fits (a
 * record imported before the range was checked may hold others: such a
 * cell contains nothing).
 */
static int
contains(const struct cell_rec *rec, int64_t x, int64_t y)
{
	if (!position_valid(x, y))
		return 0;
	for (size_t i = 0; i < rec->nv; i++)
		if (!position_valid(rec->v[i][0], rec->v[i][1]))
			return 0;
	int inside = 0;
	for (size_t i = 0, j = rec->nv - 1; i < rec->nv; j = i++) {
		int64_t xi = rec->v[i][0], yi = rec->v[i][1];
		int64_t xj = rec->v[j][0], yj = rec->v[j][1];
		if ((yi > y) == (yj > y))
			continue;
		/* x < xi + (xj - xi) * (y - yi) / (yj - yi), without division. */
		__int128 lhs = (__int128)(x - xi) * (yj - yi);
		__int128 rhs = (__int128)(xj - xi) * (y - yi);
		if (yj > yi ? lhs < rhs : lhs > rhs)
			inside = !inside;
	}
	return inside;
}

int
grid_record_contains(const uint8_t *rec, size_t n, int64_t lat_e6,
		     int64_t lon_e6, struct grid_cell *out)
{
	struct cell_rec c;
	int rc = decode_cell(rec, n, &c);
	if (rc == 0 && c.nv >= 3 && contains(&c, lon_e6, lat_e6)) {
		*out = c.c;
		rc = 1;
	}
	free(c.v);
	return rc;
}

int
grid_record_cell(const uint8_t *rec, size_t n, struct grid_cell *out)
{
	struct cell_rec c = { { "", "", "" }, 0, NULL };
	int rc = decode_cell(rec, n, &c);
	if (rc == 0)
		*out = c.c;
	free(c.v);
	return rc;
}

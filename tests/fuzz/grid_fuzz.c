/*
 * grid_fuzz.c - fuzz target for the GeoJSON grid import (node/case/grid.h,
 * fuzz.h).
 *
 * Each input, as the text of a .geojson file, goes through grid_parse()
 * (what `grid import` runs before it stores anything), for a node with
 * 15-digit ids in county 310104; then each cell's stored record is asked
 * by grid_record_contains() (what `grid locate` asks) about points on,
 * beside and far from its vertices.  Oracle: grid_parse() answers 0 or
 * ERR_INVAL; each cell it accepts has an id of the node's rules, names,
 * positions on the globe, and a record that reads back; a point is in a
 * cell (1, with that cell) or not (0).  Seeds: cells of
 * data/district/grid.geojson's shape, with altitudes, holes, a
 * MultiPolygon, and concave and degenerate rings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "node/case/grid.h"
#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

const char fuzz_target[] = "grid";

#define COUNTY "310104"
#define GRID_LENGTH 15

void
fuzz_init(void)
{
}

static const int64_t far_points[][2] = {
	{ 31150000, 121400000 }, /* lat, lon: inside the seeds' district */
	{ 0, 0 },
	{ -90000000, -180000000 },
	{ 90000000, 180000000 },
};

/* Asks the record about one point; returns 0 or a failure message. */
static const char *
ask(const struct grid_parsed *c, int64_t lat, int64_t lon)
{
	struct grid_cell got;
	int rc = grid_record_contains(c->rec.data, c->rec.len, lat, lon, &got);
	if (rc != 0 && rc != 1)
		return "grid_record_contains cannot read a record grid_parse "
		       "made";
	if (rc == 1 && memcmp(&got, &c->cell, sizeof(got)) != 0)
		return "grid_record_contains found another cell";
	return NULL;
}

/* The vertices of the stored ring, read back from the record. */
static const char *
check_cell(const struct grid_parsed *c)
{
	const struct grid_cell *g = &c->cell;
	const char *why = NULL;
	if (strlen(g->grid) != GRID_LENGTH ||
	    strspn(g->grid, "0123456789") != GRID_LENGTH ||
	    strncmp(g->grid, COUNTY, 6) != 0)
		return "a grid id against the node's rules";
	if (!g->community[0] || !g->office[0])
		return "a cell without community or office";
	for (size_t i = 0; !why && i < sizeof(far_points) / sizeof(far_points[0]);
	     i++)
		why = ask(c, far_points[i][0], far_points[i][1]);
	/* On, and one millionth of a degree beside, each vertex of each
	 * ring (outlines and holes) of each polygon. */
	struct mp_reader r, polys;
	uint32_t np, nr, nv, two;
	mp_reader_init(&r, c->rec.data, c->rec.len, NULL);
	if (mp_map_find(&r, "polygons", &polys) || mp_get_array(&polys, &np) ||
	    np == 0)
		return "a record without its polygons";
	for (uint32_t p = 0; !why && p < np; p++) {
		if (mp_get_array(&polys, &nr) || nr == 0)
			return "a polygon without its rings";
		for (uint32_t k = 0; !why && k < nr; k++) {
			if (mp_get_array(&polys, &nv))
				return "a ring that does not read";
			for (uint32_t i = 0; !why && i < nv; i++) {
				int64_t lon, lat;
				if (mp_get_array(&polys, &two) || two != 2 ||
				    mp_get_int(&polys, &lon) ||
				    mp_get_int(&polys, &lat))
					return "a ring position that does not read";
				if (lon < -GRID_LON_MAX || lon > GRID_LON_MAX ||
				    lat < -GRID_LAT_MAX || lat > GRID_LAT_MAX)
					return "a position off the globe (RFC 7946)";
				why = ask(c, lat, lon);
				if (!why)
					why = ask(c, lat + 1, lon + 1);
				if (!why)
					why = ask(c, lat - 1, lon - 1);
			}
		}
	}
	return why;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct grid_parsed *cells = NULL;
	size_t n = 0;
	struct diag d;
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	int rc = grid_parse(text, "grid.geojson", GRID_LENGTH, COUNTY, &cells,
			    &n, &d);
	if (rc != 0 && rc != ERR_INVAL)
		fuzz_fail("grid_parse returned %d", rc);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *why = check_cell(&cells[i]);
		if (why) {
			fuzz_fail("cell %zu: %s", i, why);
			break;
		}
	}
	if (rc == 0)
		grid_parsed_free(cells, n);
	free(text);
	return 0;
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	fuzz_seed_text(
		add, ctx, "seed-district",
		"{\"type\": \"FeatureCollection\", \"name\": \"two cells\", "
		"\"features\": [\n"
		"{\"type\":\"Feature\",\"properties\":{\"grid\":"
		"\"310104001001001\",\"community\":\"office-01-c001\","
		"\"office\":\"office-01\"},\"geometry\":{\"type\":\"Polygon\","
		"\"coordinates\":[[[121.4,31.14],[121.406,31.14],"
		"[121.406,31.148],[121.4,31.148],[121.4,31.14]]]}},\n"
		"{\"type\":\"Feature\",\"properties\":{\"grid\":"
		"\"310104001001002\",\"community\":\"office-01-c001\","
		"\"office\":\"office-01\"},\"geometry\":{\"type\":\"Polygon\","
		"\"coordinates\":[[[121.4,31.148],[121.406,31.148],"
		"[121.406,31.156],[121.4,31.156],[121.4,31.148]]]}}\n]}\n");
	fuzz_seed_text(
		add, ctx, "seed-concave-altitude-hole",
		"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
		"\"Feature\",\"properties\":{\"grid\":\"310104017034003\","
		"\"community\":\"\xe6\xbc\x95\xe6\xba\xaa\","
		"\"office\":\"\xe8\xa1\x97\xe9\x81\x93\"},\"geometry\":{"
		"\"type\":\"Polygon\",\"coordinates\":[[[-0.5,-0.5,12.5],"
		"[10,0,0],[10,10,0],[5,2,0],[0,10,0],[-0.5,-0.5,12.5]],"
		"[[1,1],[2,1],[2,2],[1,1]]]}}]}");
	fuzz_seed_text(
		add, ctx, "seed-degenerate",
		"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
		"\"Feature\",\"properties\":{\"grid\":\"310104000000000\","
		"\"community\":\"c\",\"office\":\"o\"},\"geometry\":{\"type\":"
		"\"Polygon\",\"coordinates\":[[[180,90],[180,90],[-180,-90],"
		"[180,90]]]}}]}");
	fuzz_seed_text(
		add, ctx, "seed-multipolygon",
		"{\"type\":\"FeatureCollection\",\"features\":[{\"type\":"
		"\"Feature\",\"properties\":{\"grid\":\"310104001001003\","
		"\"community\":\"c\",\"office\":\"o\"},\"geometry\":{\"type\":"
		"\"MultiPolygon\",\"coordinates\":[[[[0,0],[2,0],[2,2],[0,2],"
		"[0,0]],[[0.5,0.5],[1,0.5],[1,1],[0.5,0.5]]],[[[3,0],[4,0],"
		"[4,1],[3,0]]]]}}]}");
	fuzz_seed_text(add, ctx, "seed-empty",
		       "{\"type\":\"FeatureCollection\",\"features\":[]}");
}

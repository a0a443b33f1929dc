/*
 * grid_test.c - reading the district's cells from GeoJSON and placing a
 * point in its cell (node/case/grid.h: grid_parse, grid_record_contains), the
 * parts of `grid import` and `grid locate` that need no store.
 */
#include "node/case/grid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "tests/harness.h"
#include "common/banned.h"

/* One feature whose ring is the given coordinates text. */
static char *
one_cell(const char *coordinates)
{
	return xasprintf("{\"type\":\"FeatureCollection\",\"features\":[{"
			 "\"type\":\"Feature\",\"properties\":{\"grid\":"
			 "\"310104001001001\",\"community\":\"c1\","
			 "\"office\":\"office-01\"},\"geometry\":{\"type\":"
			 "\"Polygon\",\"coordinates\":[%s]}}]}",
			 coordinates);
}

static int
parse(const char *coordinates, struct grid_parsed **cells, size_t *n,
      struct diag *d)
{
	char *text = one_cell(coordinates);
	int rc = grid_parse(text, "g.geojson", 15, "310104", cells, n, d);
	free(text);
	return rc;
}

static void
test_cell_is_read_and_locates_points(void)
{
	struct grid_parsed *cells;
	size_t n;
	struct diag d;
	struct grid_cell got;
	CHECK_OK(parse("[[121.4,31.14],[121.406,31.14],[121.406,31.148],"
		       "[121.4,31.148],[121.4,31.14]]",
		       &cells, &n, &d));
	CHECK_EQ_INT(n, 1);
	const struct buf *r = &cells[0].rec;
	int in = grid_record_contains(r->data, r->len, 31144000, 121403000,
				      &got);
	int out = grid_record_contains(r->data, r->len, 31150000, 121403000,
				       &got);
	int in_grid = in == 1 && strcmp(got.grid, "310104001001001") == 0 &&
		      strcmp(got.office, "office-01") == 0;
	grid_parsed_free(cells, n);
	CHECK(in_grid);
	CHECK_EQ_INT(out, 0);
}

static void
test_edges_of_the_globe_are_positions(void)
{
	struct grid_parsed *cells;
	size_t n;
	struct diag d;
	CHECK_OK(parse("[[-180,-90],[180,-90],[180,90],[-180,90],[-180,-90]]",
		       &cells, &n, &d));
	grid_parsed_free(cells, n);
}

/*
 * Found while writing the grid fuzz target (its corpus holds the input;
 * five minutes of fuzzing did not reach it): any decimal was taken as a
 * coordinate, and locating a point against a ring of very large ones
 * overflowed int64 in the ray casting.
 */
static void
test_positions_off_the_globe_are_refused(void)
{
	static const char *const rings[] = {
		"[[180.000001,0],[1,0],[1,1],[180.000001,0]]",
		"[[0,-90.5],[1,0],[1,1],[0,-90.5]]",
		"[[-9223372036849.9,0],[9223372036849.9,0],"
		"[9223372036849.9,40],[-9223372036849.9,0]]",
	};
	for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
		struct grid_parsed *cells = NULL;
		size_t n = 0;
		struct diag d;
		int rc = parse(rings[i], &cells, &n, &d);
		if (rc == 0)
			grid_parsed_free(cells, n);
		if (rc != ERR_INVAL)
			harness_fail(__FILE__, __LINE__, "ring %zu accepted", i);
		CHECK_ERR(rc, ERR_INVAL);
		CHECK(strstr(d.text, "longitude") != NULL);
	}
}

/* A record stored before positions were checked contains nothing. */
static void
test_record_off_the_globe_contains_nothing(void)
{
	static const int64_t ring[][2] = {
		{ -9223372036849900000, 0 },
		{ 9223372036849900000, 0 },
		{ 9223372036849900000, 40000000 },
		{ -9223372036849900000, 40000000 },
	};
	struct buf rec = BUF_INIT;
	struct grid_cell got;
	mp_put_map(&rec, 4);
	mp_put_cstr(&rec, "community");
	mp_put_cstr(&rec, "c1");
	mp_put_cstr(&rec, "grid");
	mp_put_cstr(&rec, "310104001001001");
	mp_put_cstr(&rec, "office");
	mp_put_cstr(&rec, "office-01");
	mp_put_cstr(&rec, "ring");
	mp_put_array(&rec, 4);
	for (int i = 0; i < 4; i++) {
		mp_put_array(&rec, 2);
		mp_put_int(&rec, ring[i][0]);
		mp_put_int(&rec, ring[i][1]);
	}
	int a = grid_record_contains(rec.data, rec.len, 31150000, 121400000,
				     &got);
	int b = grid_record_contains(rec.data, rec.len, INT64_MAX, INT64_MIN,
				     &got);
	buf_release(&rec);
	CHECK_EQ_INT(a, 0);
	CHECK_EQ_INT(b, 0);
}

static void
test_malformed_records_are_corrupt(void)
{
	static const uint8_t not_map[] = { 0x91, 0x01 };
	struct grid_cell got;
	CHECK_ERR(grid_record_contains(not_map, sizeof(not_map), 0, 0, &got),
		  ERR_CORRUPT);
	CHECK_ERR(grid_record_contains(NULL, 0, 0, 0, &got), ERR_CORRUPT);
}

/* A FeatureCollection of features "grid|geometry-type|coordinates". */
static int
parse_features(const char *const *features, size_t nf,
	       struct grid_parsed **cells, size_t *n, struct diag *d)
{
	struct buf text = BUF_INIT;
	buf_add_str(&text, "{\"type\":\"FeatureCollection\",\"features\":[");
	for (size_t i = 0; i < nf; i += 3) {
		char *f = xasprintf("%s{\"type\":\"Feature\",\"properties\":"
				    "{\"grid\":\"%s\",\"community\":\"c\","
				    "\"office\":\"o\"},\"geometry\":{\"type\":"
				    "\"%s\",\"coordinates\":%s}}",
				    i ? "," : "", features[i], features[i + 1],
				    features[i + 2]);
		buf_add_str(&text, f);
		free(f);
	}
	buf_add_str(&text, "]}");
	int rc = grid_parse(buf_cstr(&text), "g.geojson", 15, "310104", cells,
			    n, d);
	buf_release(&text);
	return rc;
}

#define SQ(x0, y0, x1, y1) \
	"[[" #x0 "," #y0 "],[" #x1 "," #y0 "],[" #x1 "," #y1 "],[" #x0 "," #y1 "],[" #x0 "," #y0 "]]"

static int
point_in(const struct grid_parsed *c, int64_t lat, int64_t lon)
{
	struct grid_cell got;
	return grid_record_contains(c->rec.data, c->rec.len, lat, lon, &got);
}

static void
test_id_parts(void)
{
	static const char *const bad[][2] = {
		{ "000104001001001", "province" },
		{ "990104001001001", "province" },
		{ "310000001001001", "names a province" },
		{ "310104000001001", "street 000" },
		{ "310104001000001", "community of zeros" },
		{ "310104001001000", "serial of zeros" },
	};
	struct diag d;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(grid_id_valid(bad[i][0], 15, NULL, &d), ERR_INVAL);
		CHECK(strstr(d.text, bad[i][1]) != NULL);
	}
	CHECK_OK(grid_id_valid("310104001001001", 15, NULL, &d));
	CHECK_OK(grid_id_valid("31010400100101", 14, NULL, &d));
	CHECK_ERR(grid_id_valid("31010400100100", 14, NULL, &d), ERR_INVAL);
}

static void
test_holes_and_multipolygons(void)
{
	/* A square with a square hole; a MultiPolygon of two squares. */
	const char *const f[] = {
		"310104001001001", "Polygon",
		"[" SQ(0, 0, 10, 10) "," SQ(4, 4, 6, 6) "]",
		"310104001001002", "MultiPolygon",
		"[[" SQ(20, 0, 22, 2) "],[" SQ(30, 0, 32, 2) "]]",
		"310104001001003", "Polygon", "[" SQ(4, 4, 6, 6) "]",
	};
	struct grid_parsed *cells;
	size_t n;
	struct diag d;
	CHECK_OK(parse_features(f, 9, &cells, &n, &d));
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(point_in(&cells[0], 1000000, 1000000), 1);
	CHECK_EQ_INT(point_in(&cells[0], 5000000, 5000000), 0); /* the hole */
	CHECK_EQ_INT(point_in(&cells[2], 5000000, 5000000), 1); /* its cell */
	CHECK_EQ_INT(point_in(&cells[1], 1000000, 21000000), 1);
	CHECK_EQ_INT(point_in(&cells[1], 1000000, 31000000), 1);
	CHECK_EQ_INT(point_in(&cells[1], 1000000, 25000000), 0);
	grid_parsed_free(cells, n);
}

/* What a map draws: every ring of each cell, by polygon, and its box. */
static void
test_shapes_keep_holes_and_parts(void)
{
	const char *const f[] = {
		"310104001001001", "Polygon",
		"[" SQ(0, 0, 10, 10) "," SQ(4, 4, 6, 6) "]",
		"310104001001002", "MultiPolygon",
		"[[" SQ(20, 0, 22, 2) "],[" SQ(30, 0, 32, 3) "]]",
	};
	struct grid_parsed *cells;
	struct grid_shape s;
	size_t n;
	struct diag d;
	CHECK_OK(parse_features(f, 6, &cells, &n, &d));
	CHECK_OK(grid_record_shape(cells[0].rec.data, cells[0].rec.len, &s));
	CHECK(strcmp(s.cell.grid, "310104001001001") == 0);
	CHECK_EQ_INT(s.npolys, 1);
	CHECK_EQ_INT(s.nrings, 2);
	CHECK_EQ_INT(s.r[1].poly, 0); /* the hole is the polygon's */
	CHECK_EQ_INT(s.r[1].nv, 5);
	CHECK_EQ_INT(s.r[1].v[0][0], 4000000);
	CHECK_EQ_INT(s.box[2], 10000000);
	grid_shape_release(&s);
	CHECK_OK(grid_record_shape(cells[1].rec.data, cells[1].rec.len, &s));
	CHECK_EQ_INT(s.npolys, 2);
	CHECK_EQ_INT(s.nrings, 2);
	CHECK_EQ_INT(s.r[1].poly, 1);
	CHECK_EQ_INT(s.box[0], 20000000);
	CHECK_EQ_INT(s.box[2], 32000000);
	CHECK_EQ_INT(s.box[3], 3000000);
	grid_shape_release(&s);
	grid_parsed_free(cells, n);
	static const uint8_t not_map[] = { 0x91, 0x01 };
	s.nrings = 77;
	CHECK_ERR(grid_record_shape(not_map, sizeof(not_map), &s), ERR_CORRUPT);
	CHECK_EQ_INT(s.nrings, 77); /* untouched */
}

static void
test_overlaps_and_duplicates(void)
{
	struct grid_parsed *cells;
	size_t n;
	struct diag d;
	/* Neighbours sharing an edge, and one touching at a corner: fine. */
	const char *const ok[] = {
		"310104001001001", "Polygon", "[" SQ(0, 0, 1, 1) "]",
		"310104001001002", "Polygon", "[" SQ(1, 0, 2, 1) "]",
		"310104001001003", "Polygon", "[" SQ(2, 1, 3, 2) "]",
	};
	CHECK_OK(parse_features(ok, 9, &cells, &n, &d));
	grid_parsed_free(cells, n);
	static const char *const overlapping[][6] = {
		/* crossing edges, no vertex inside */
		{ "310104001001001", "Polygon", "[" SQ(0, 1, 3, 2) "]",
		  "310104001001002", "Polygon", "[" SQ(1, 0, 2, 3) "]" },
		/* one inside the other */
		{ "310104001001001", "Polygon", "[" SQ(0, 0, 3, 3) "]",
		  "310104001001002", "Polygon", "[" SQ(1, 1, 2, 2) "]" },
		/* the same outline twice */
		{ "310104001001001", "Polygon", "[" SQ(0, 0, 1, 1) "]",
		  "310104001001002", "Polygon", "[" SQ(0, 0, 1, 1) "]" },
		/* half over its neighbour, sharing two corners */
		{ "310104001001001", "Polygon", "[" SQ(0, 0, 2, 1) "]",
		  "310104001001002", "MultiPolygon", "[[" SQ(1, 0, 3, 1) "]]" },
	};
	for (size_t i = 0; i < sizeof(overlapping) / sizeof(overlapping[0]);
	     i++) {
		int rc = parse_features(overlapping[i], 6, &cells, &n, &d);
		if (rc == 0) {
			grid_parsed_free(cells, n);
			harness_fail(__FILE__, __LINE__, "pair %zu accepted", i);
			continue;
		}
		CHECK_ERR(rc, ERR_INVAL);
		CHECK(strstr(d.text, "overlaps") != NULL);
	}
	const char *const twice[] = {
		"310104001001001", "Polygon", "[" SQ(0, 0, 1, 1) "]",
		"310104001001001", "Polygon", "[" SQ(5, 5, 6, 6) "]",
	};
	CHECK_ERR(parse_features(twice, 6, &cells, &n, &d), ERR_INVAL);
	CHECK(strstr(d.text, "given twice") != NULL);
	CHECK_ERR(parse_features(NULL, 0, &cells, &n, &d), ERR_INVAL);
	CHECK(strstr(d.text, "would empty it") != NULL);
}

static const struct test tests[] = {
	{ "a grid id's parts are a province, county, street, community and serial",
	  test_id_parts },
	{ "holes are outside a cell, and every part of a MultiPolygon inside",
	  test_holes_and_multipolygons },
	{ "a cell's shape keeps its holes and the parts of a MultiPolygon",
	  test_shapes_keep_holes_and_parts },
	{ "overlapping cells, an id twice and an empty grid are refused",
	  test_overlaps_and_duplicates },
	{ "a cell is read and locates the points inside it",
	  test_cell_is_read_and_locates_points },
	{ "the edges of the globe are positions",
	  test_edges_of_the_globe_are_positions },
	{ "positions off the globe are refused",
	  test_positions_off_the_globe_are_refused },
	{ "a record off the globe contains nothing, without overflow",
	  test_record_off_the_globe_contains_nothing },
	{ "malformed records are corrupt", test_malformed_records_are_corrupt },
};

TEST_MAIN(tests)

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

static const struct test tests[] = {
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

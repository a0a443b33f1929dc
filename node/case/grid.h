/*
 * grid.h - the district's unit grid cells (单元网格).
 *
 * A grid id is county (6 digits) + street (3) + community (3) + cell (3):
 * 15 digits, or the length the configuration sets.  The admin imports the
 * district's cells from GeoJSON (polygons with properties grid, community,
 * office); a report with a position and no grid id is then placed in its
 * cell by point-in-polygon, and the responsible office is suggested from
 * the cell.  The admin publishes the grid to every node (a grid.set
 * event of the roster names the GeoJSON as a blob); each node keeps the
 * cells in the store's local table "grid" (node/grid_store.h), outside
 * the log digest.  This header is the pure part: ids, parsing, records.
 */
#ifndef GRIDCASE_GRID_H
#define GRIDCASE_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define GRID_NAME_MAX 64
/* The longest grid id kept (the configured length is 14 or 15). */
#define GRID_ID_MAX 39
/* A grid id's county code, and the office (county and street) prefix. */
#define GRID_COUNTY_DIGITS 6
#define GRID_OFFICE_DIGITS 9
#define GRID_MAX_VERTICES 4096
/* Rings of one cell, holes and the parts of a MultiPolygon included. */
#define GRID_MAX_RINGS 64
/* Positions are in millionths of a degree (json_to_mp_e6). */
#define GRID_LON_MAX 180000000
#define GRID_LAT_MAX 90000000

struct grid_cell {
	char grid[GRID_ID_MAX + 1];
	char community[GRID_NAME_MAX + 1];
	char office[GRID_NAME_MAX + 1];
};

/* One cell read from GeoJSON, and its record as grid_import() stores it. */
struct grid_parsed {
	struct grid_cell cell;
	struct buf rec;
};

/*
 * Reads a GeoJSON FeatureCollection (NUL-terminated text; name is the
 * file's name in messages) as grid_import() does, without storing it:
 * each id must pass grid_id_valid() with grid_length and county (NULL or
 * "" for any), each geometry be a Polygon or MultiPolygon (a polygon's
 * first ring its outline, the others holes) of positions in degrees
 * (RFC 7946; an altitude after them is ignored), no id come twice, no
 * two cells overlap (share area; shared edges are fine), and there be
 * at least one feature.  ERR_INVAL names the feature and the problem.
 * On success
 * *cells is a new array of *count cells: free it with grid_parsed_free().
 */
MUST_CHECK int grid_parse(const char *text, const char *name,
			  size_t grid_length, const char *county,
			  struct grid_parsed **cells, size_t *count,
			  struct diag *d);
void grid_parsed_free(struct grid_parsed *cells, size_t count);

/*
 * Whether the stored record of a cell (as in struct grid_parsed) holds
 * the point: 1 (and *out is the cell), 0, or ERR_CORRUPT if the record
 * does not read.  What grid_locate() asks of each cell.
 */
MUST_CHECK int grid_record_contains(const uint8_t *rec, size_t n,
				    int64_t lat_e6, int64_t lon_e6,
				    struct grid_cell *out);

/* The cell of a stored record, without its ring; ERR_CORRUPT. */
MUST_CHECK int grid_record_cell(const uint8_t *rec, size_t n,
				struct grid_cell *out);

/* One ring of a stored cell: positions [lon_e6, lat_e6]; the first ring
 * of each polygon (poly) is its outline, the others its holes. */
struct grid_ring {
	size_t poly;
	size_t nv;
	int64_t (*v)[2];
};

/* A cell with its geometry, as a map draws it (grid_record_shape()). */
struct grid_shape {
	struct grid_cell cell;
	size_t nrings, npolys;
	struct grid_ring *r;
	int64_t box[4]; /* min lon, min lat, max lon, max lat (e6) */
};

/*
 * The cell of a stored record with its rings, holes and the parts of a
 * MultiPolygon (a record of before holes: one ring).  ERR_CORRUPT if the
 * record does not read (out is then untouched).  Release with
 * grid_shape_release().
 */
MUST_CHECK int grid_record_shape(const uint8_t *rec, size_t n,
				 struct grid_shape *out);
void grid_shape_release(struct grid_shape *s);

/*
 * Checks a grid id: only digits, want of them, county (NULL or "" for
 * any) as its first 6 digits, and parts that exist: a GB/T 2260 province
 * (digits 1-2), a county that is not a province's code, a street,
 * community and serial that are not all zeros.  ERR_INVAL says which
 * rule fails.
 */
MUST_CHECK int grid_id_valid(const char *grid, size_t want, const char *county,
			     struct diag *d);

#endif

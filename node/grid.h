/*
 * grid.h - the district's unit grid cells (单元网格).
 *
 * A grid id is county (6 digits) + street (3) + community (3) + cell (3):
 * 15 digits, or the length the configuration sets.  The admin imports the
 * district's cells from GeoJSON (polygons with properties grid, community,
 * office); a report with a position and no grid id is then placed in its
 * cell by point-in-polygon, and the responsible office is suggested from
 * the cell.  The cells are node-local data (the store's local table
 * "grid"): they do not replicate and do not count in the log digest.
 */
#ifndef GRIDCASE_GRID_H
#define GRIDCASE_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

struct node;

#define GRID_NAME_MAX 64
#define GRID_MAX_VERTICES 4096
/* Positions are in millionths of a degree (json_to_mp_e6). */
#define GRID_LON_MAX 180000000
#define GRID_LAT_MAX 90000000

struct grid_cell {
	char grid[40];
	char community[GRID_NAME_MAX + 1];
	char office[GRID_NAME_MAX + 1];
};

/*
 * Checks a grid id: only digits, the configured length, and the node's
 * county as its first 6 digits (if the node has one).  ERR_INVAL says
 * which rule fails.
 */
MUST_CHECK int grid_id_check(struct node *n, const char *grid,
			     struct diag *d);

/*
 * Replaces the node's cells with those of a GeoJSON FeatureCollection of
 * Polygons (the outer ring is used) whose properties carry "grid",
 * "community" and "office".  Nothing changes unless every feature is
 * valid; ERR_INVAL names the feature and the problem.
 */
MUST_CHECK int grid_import(struct node *n, const char *path, size_t *count,
			   struct diag *d);

/* One cell read from GeoJSON, and its record as grid_import() stores it. */
struct grid_parsed {
	struct grid_cell cell;
	struct buf rec;
};

/*
 * Reads a GeoJSON FeatureCollection (NUL-terminated text; name is the
 * file's name in messages) as grid_import() does, without storing it:
 * each id must be grid_length digits starting with county (NULL or ""
 * for any), each position a longitude and latitude in degrees
 * (RFC 7946; an altitude after them is ignored).  ERR_INVAL names the feature and the problem.  On success
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

/* The cell containing the point; ERR_NOTFOUND if none does. */
MUST_CHECK int grid_locate(struct node *n, int64_t lat_e6, int64_t lon_e6,
			   struct grid_cell *out);

/* The cell with this id; ERR_NOTFOUND if it was not imported. */
MUST_CHECK int grid_get(struct node *n, const char *grid,
			struct grid_cell *out);

typedef int (*grid_fn)(const struct grid_cell *c, void *ctx);
MUST_CHECK int grid_walk(struct node *n, grid_fn fn, void *ctx);

#endif

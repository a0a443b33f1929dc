/*
 * grid_store.h - the district's unit grid cells as the node keeps them:
 * node-local data in the store's local table "grid" (they do not
 * replicate and do not count in the log digest).  The cells themselves,
 * their ids and records, are node/case/grid.h's.
 */
#ifndef GRIDCASE_GRID_STORE_H
#define GRIDCASE_GRID_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "node/case/grid.h"

struct node;

/*
 * Checks a grid id against the node's rules (grid_id_valid() with the
 * configured length and the node's county, if it has one).  ERR_INVAL
 * says which rule fails.
 */
MUST_CHECK int grid_id_check(struct node *n, const char *grid, struct diag *d);

/*
 * Replaces the node's cells with those of a GeoJSON FeatureCollection of
 * Polygons and MultiPolygons (holes honoured) whose properties carry
 * "grid", "community" and "office" (grid_parse()).  Nothing changes
 * unless every feature is valid, no id comes twice, no two cells overlap
 * and there is at least one; ERR_INVAL names the feature and the problem.
 */
MUST_CHECK int grid_import(struct node *n, const char *path, size_t *count,
			   struct diag *d);

/* The cell containing the point; ERR_NOTFOUND if none does. */
MUST_CHECK int grid_locate(struct node *n, int64_t lat_e6, int64_t lon_e6,
			   struct grid_cell *out);

/* The cell with this id; ERR_NOTFOUND if it was not imported. */
MUST_CHECK int grid_get(struct node *n, const char *grid,
			struct grid_cell *out);

typedef int (*grid_fn)(const struct grid_cell *c, void *ctx);
MUST_CHECK int grid_walk(struct node *n, grid_fn fn, void *ctx);

/*
 * The same walk with each cell's geometry (grid_record_shape()), for a
 * map; the shape is borrowed for the call.  ERR_CORRUPT for a record that
 * does not read; a non-zero return of fn stops the walk and is returned.
 */
typedef int (*grid_shape_fn)(const struct grid_shape *s, void *ctx);
MUST_CHECK int grid_shape_walk(struct node *n, grid_shape_fn fn, void *ctx);

#endif

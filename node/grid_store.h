/*
 * grid_store.h - the district's unit grid cells as the node keeps them:
 * the store's local table "grid".  The district's admin publishes the
 * grid (grid_publish(): a grid.set event of the roster names the
 * GeoJSON, a blob), and every node that holds it takes its cells
 * (grid_published_apply()); a node of a district that published none
 * keeps the cells imported locally (grid_import()).  The cells
 * themselves, their ids and records, are node/case/grid.h's.
 */
#ifndef GRIDCASE_GRID_STORE_H
#define GRIDCASE_GRID_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/event.h"
#include "node/case/grid.h"

struct node;
struct roster;
struct admin_key;

/* The local table that records which grid.set the cells come from. */
#define GRID_SETTINGS_TABLE "settings"

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
 * ERR_STATE if the district published a grid: the node uses that one.
 */
MUST_CHECK int grid_import(struct node *n, const char *path, size_t *count,
			   struct diag *d);

/*
 * Publishes the file as the district's grid: checked as grid_import()
 * does, stored as a blob, and named by a grid.set event signed with the
 * admin key (node_setting_publish(), with its errors), which every node
 * takes.  *count receives the cells, id the event's id (may be NULL).
 */
MUST_CHECK int grid_publish(struct node *n, struct admin_key *a,
			    const char *path, const char *reason,
			    uint64_t now_ms, size_t *count,
			    uint8_t id[EVENT_ID_BYTES], struct diag *d);

/*
 * Makes the node's cells those of the grid.set in force in r, once its
 * blob is here: read as grid_import() reads a file (any county), they
 * replace the table in one transaction, with the event's id beside them.
 * Nothing to do (0) when none is published or its cells are in already;
 * *waiting = 1 when its blob has not arrived; *installed = 1 when the
 * cells were replaced.  ERR_INVAL if the GeoJSON does not read here (the
 * cells stay); the store's errors.
 */
MUST_CHECK int grid_published_apply(struct node *n, const struct roster *r,
				    int *waiting, int *installed,
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

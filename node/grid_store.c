/*
 * grid_store.c - the district's cells in the node's store (the local
 * table "grid"), and grid ids checked against the node's county.
 */
#include "node/grid_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "node/case/config.h"
#include "node/case/roster.h"
#include "node/case/grid.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

/* The node's county code into county ("" if it has none). */
static void
node_county(struct node *n, struct buf *county)
{
	if (store_meta_get(node_store(n), "county", county) != 0)
		buf_reset(county);
}

int
grid_id_check(struct node *n, const char *grid, struct diag *d)
{
	struct buf county = BUF_INIT;
	node_county(n, &county);
	int rc = grid_id_valid(grid, (size_t)node_config(n)->grid_length,
			  buf_cstr(&county), d);
	buf_release(&county);
	return rc;
}

/* Reads the file into text (NUL-terminated). */
static int
read_file(const char *path, struct buf *text, struct diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return diag_set(d, ERR_NOTFOUND, "cannot open '%s'", path);
	char chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(text, chunk, r);
	fclose(f);
	return 0;
}

/* Parses the GeoJSON as grid_import() does (county "": any). */
static int
parse_text(struct node *n, const char *text, const char *name,
	   const char *county, struct grid_parsed **cells, size_t *ncells,
	   struct diag *d)
{
	return grid_parse(text, name, (size_t)node_config(n)->grid_length,
			  county, cells, ncells, d);
}

/*
 * Replaces the table with the cells, in one transaction; with id, the
 * grid.set event they come from is recorded beside them (the local
 * table "settings", key "grid"), else that record goes.
 */
static int
install(struct node *n, const struct grid_parsed *cells, size_t ncells,
	const uint8_t *id, struct diag *d)
{
	struct store_local_row *rows = xcalloc(ncells + 1, sizeof(*rows));
	size_t nrows = 0;
	int rc;
	for (size_t i = 0; i < ncells; i++)
		rows[nrows++] = (struct store_local_row){
			"grid", cells[i].cell.grid, strlen(cells[i].cell.grid),
			cells[i].rec.data, cells[i].rec.len
		};
	if (id)
		rows[nrows++] = (struct store_local_row){
			GRID_SETTINGS_TABLE, "grid", 4, id, EVENT_ID_BYTES
		};
	else if ((rc = store_local_del(node_store(n), GRID_SETTINGS_TABLE,
				       "grid", 4, d))) {
		free(rows);
		return rc;
	}
	rc = store_local_replace(node_store(n), "grid", rows, nrows, d);
	free(rows);
	return rc;
}

int
grid_import(struct node *n, const char *path, size_t *count, struct diag *d)
{
	struct buf text = BUF_INIT, county = BUF_INIT;
	struct grid_parsed *cells = NULL;
	size_t ncells = 0;
	const struct roster *r = node_roster(n);
	const struct roster_change *pub = r ? roster_setting(r, RS_GRID) : NULL;
	char hex[17];
	int rc;

	if (pub) {
		hex_encode(pub->id, 8, hex);
		return diag_set(d, ERR_STATE,
				"this node uses the district's published grid (event %s): "
				"an admin publishes a new one (gridcase grid import FILE --admin-key KEY)",
				hex);
	}
	if ((rc = read_file(path, &text, d)))
		return rc;
	node_county(n, &county);
	rc = parse_text(n, buf_cstr(&text), path, buf_cstr(&county), &cells,
			&ncells, d);
	buf_release(&text);
	buf_release(&county);
	if (rc)
		return rc;
	/* All valid: replace the table. */
	if ((rc = install(n, cells, ncells, NULL, d)) == 0)
		*count = ncells;
	grid_parsed_free(cells, ncells);
	return rc;
}

int
grid_publish(struct node *n, struct admin_key *a, const char *path,
	     const char *reason, uint64_t now_ms, size_t *count,
	     uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	struct buf text = BUF_INIT, county = BUF_INIT, body = BUF_INIT;
	struct grid_parsed *cells = NULL;
	uint8_t hash[HASH_BYTES];
	size_t ncells = 0;
	int rc;

	if ((rc = read_file(path, &text, d)))
		return rc;
	node_county(n, &county);
	rc = parse_text(n, buf_cstr(&text), path, buf_cstr(&county), &cells,
			&ncells, d);
	grid_parsed_free(cells, ncells);
	if (rc == 0)
		rc = store_blob_put(node_store(n), text.data, text.len, hash, d);
	if (rc == 0) {
		roster_grid_body(hash, ncells, reason, &body);
		rc = node_setting_publish(n, a, RS_GRID, &body, hash, now_ms,
					  id, d);
	}
	if (rc == 0)
		*count = ncells;
	buf_release(&text);
	buf_release(&county);
	buf_release(&body);
	return rc;
}

int
grid_published_apply(struct node *n, const struct roster *r, int *waiting,
		     int *installed, struct diag *d)
{
	const struct roster_change *c = roster_setting(r, RS_GRID);
	struct buf have = BUF_INIT, text = BUF_INIT;
	struct grid_parsed *cells = NULL;
	size_t ncells = 0;
	struct diag why;
	char name[40];
	int rc;

	*waiting = 0;
	*installed = 0;
	if (!c)
		return 0;
	rc = store_local_get(node_store(n), GRID_SETTINGS_TABLE, "grid", 4, &have);
	int same = rc == 0 && have.len == EVENT_ID_BYTES &&
		   memcmp(have.data, c->id, EVENT_ID_BYTES) == 0;
	buf_release(&have);
	if (same)
		return 0;
	rc = store_blob_get(node_store(n), c->blob, &text, &why);
	if (rc == ERR_NOTFOUND) {
		/* Replication fetches it: the event names it. */
		*waiting = 1;
		buf_release(&text);
		return 0;
	}
	if (rc) {
		buf_release(&text);
		return diag_set(d, rc, "the published grid's GeoJSON: %s", why.text);
	}
	snprintf(name, sizeof(name), "the published grid ");
	hex_encode(c->id, 8, name + strlen(name));
	/* The admin's node checked the county; cells of the district. */
	rc = parse_text(n, buf_cstr(&text), name, "", &cells, &ncells, d);
	buf_release(&text);
	if (rc == 0 && (rc = install(n, cells, ncells, c->id, d)) == 0)
		*installed = 1;
	grid_parsed_free(cells, ncells);
	return rc;
}

struct locate {
	int64_t lat, lon;
	struct grid_cell *out;
	int found;
};

static int
locate_one(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	   void *ctx)
{
	struct locate *l = ctx;
	(void)key;
	(void)kn;
	int rc = grid_record_contains(val, vn, l->lat, l->lon, l->out);
	if (rc == 1)
		l->found = 1;
	return rc;
}

int
grid_locate(struct node *n, int64_t lat_e6, int64_t lon_e6,
	    struct grid_cell *out)
{
	struct locate l = { lat_e6, lon_e6, out, 0 };
	int rc = store_local_walk(node_store(n), "grid", locate_one, &l);
	if (rc < 0)
		return rc;
	return l.found ? 0 : ERR_NOTFOUND;
}

int
grid_get(struct node *n, const char *grid, struct grid_cell *out)
{
	struct buf v = BUF_INIT;
	int rc = store_local_get(node_store(n), "grid", grid, strlen(grid), &v);
	if (rc == 0)
		rc = grid_record_cell(v.data, v.len, out);
	buf_release(&v);
	return rc;
}

struct walk {
	grid_fn fn;
	void *ctx;
};

static int
walk_one(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	 void *ctx)
{
	struct walk *w = ctx;
	struct grid_cell c;
	(void)key;
	(void)kn;
	int rc = grid_record_cell(val, vn, &c);
	if (rc == 0)
		rc = w->fn(&c, w->ctx);
	return rc;
}

int
grid_walk(struct node *n, grid_fn fn, void *ctx)
{
	struct walk w = { fn, ctx };
	return store_local_walk(node_store(n), "grid", walk_one, &w);
}

struct shape_walk {
	grid_shape_fn fn;
	void *ctx;
};

static int
shape_one(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	  void *ctx)
{
	struct shape_walk *w = ctx;
	struct grid_shape s;
	(void)key;
	(void)kn;
	int rc = grid_record_shape(val, vn, &s);
	if (rc == 0) {
		rc = w->fn(&s, w->ctx);
		grid_shape_release(&s);
	}
	return rc;
}

int
grid_shape_walk(struct node *n, grid_shape_fn fn, void *ctx)
{
	struct shape_walk w = { fn, ctx };
	return store_local_walk(node_store(n), "grid", shape_one, &w);
}

/*
 * grid_store.c - the district's cells in the node's store (the local
 * table "grid"), and grid ids checked against the node's county.
 */
#include "node/grid_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "node/case/config.h"
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

int
grid_import(struct node *n, const char *path, size_t *count, struct diag *d)
{
	struct buf text = BUF_INIT, county = BUF_INIT;
	struct grid_parsed *cells = NULL;
	size_t ncells = 0;
	int rc;

	FILE *f = fopen(path, "r");
	if (!f)
		return diag_set(d, ERR_NOTFOUND, "cannot open '%s'", path);
	char chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, r);
	fclose(f);
	node_county(n, &county);
	rc = grid_parse(buf_cstr(&text), path,
			(size_t)node_config(n)->grid_length, buf_cstr(&county),
			&cells, &ncells, d);
	buf_release(&text);
	buf_release(&county);
	if (rc)
		return rc;
	/* All valid: replace the table. */
	if ((rc = store_local_clear(node_store(n), "grid", d)))
		goto out;
	for (size_t i = 0; i < ncells; i++) {
		const struct grid_parsed *c = &cells[i];
		rc = store_local_put(node_store(n), "grid", c->cell.grid,
				     strlen(c->cell.grid), c->rec.data,
				     c->rec.len, d);
		if (rc)
			goto out;
	}
	*count = ncells;
out:
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

/* eval_store.c - the evaluation fed from the store (see eval_store.h). */
#include "node/eval_store.h"

#include <string.h>

#include "node/case/roster.h"
#include "node/case/state.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

static int
learn_office(const struct grid_cell *c, void *ctx)
{
	eval_acc_add_cell(ctx, c);
	return 0;
}

static int
eval_case(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct case_state st;
	(void)case_id;
	if (state_decode(p, n, &st))
		return ERR_CORRUPT;
	eval_acc_add_case(ctx, &st);
	state_release(&st);
	return 0;
}

int
eval_run(struct node *n, uint64_t from_ms, uint64_t to_ms, enum eval_by by,
	 struct eval_result *out, struct diag *d)
{
	struct eval_acc *acc;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = eval_acc_new(node_config(n), from_ms, to_ms, by, &acc, d)))
		return rc;
	if (by == EVAL_OFFICE && (rc = grid_walk(n, learn_office, acc)) < 0) {
		eval_acc_free(acc);
		return diag_set(d, rc, "cannot read the grid");
	}
	if ((rc = store_view_walk(node_store(n), eval_case, acc))) {
		eval_acc_free(acc);
		return diag_set(d, rc, "cannot read the cases: %s",
				err_str(rc));
	}
	eval_acc_finish(acc, out);
	return 0;
}

static int
ind_cell(const struct grid_cell *c, void *ctx)
{
	ind_acc_add_cell(ctx, c);
	return 0;
}

static int
ind_member(const struct member *m, int revoked, uint64_t last_seq, void *ctx)
{
	(void)revoked;
	(void)last_seq;
	ind_acc_add_member(ctx, m);
	return 0;
}

static int
ind_case(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct case_state st;
	(void)case_id;
	if (state_decode(p, n, &st))
		return ERR_CORRUPT;
	ind_acc_add_case(ctx, &st);
	state_release(&st);
	return 0;
}

/* The set over the views, with cells (NULL: the node's grid). */
static int
ind_run_with(struct node *n, const struct grid_cell *cells, size_t ncells,
	     uint64_t from_ms, uint64_t to_ms, enum ind_set set,
	     struct ind_table *out, struct diag *d)
{
	struct ind_acc *acc;
	const struct roster *r;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = ind_acc_new(node_config(n), from_ms, to_ms, set, &acc, d)))
		return rc;
	for (size_t i = 0; cells && i < ncells; i++)
		ind_acc_add_cell(acc, &cells[i]);
	if (!cells && (rc = grid_walk(n, ind_cell, acc)) < 0) {
		ind_acc_free(acc);
		return diag_set(d, rc, "cannot read the grid");
	}
	if ((r = node_roster(n)) && (rc = roster_walk(r, ind_member, acc))) {
		ind_acc_free(acc);
		return diag_set(d, rc, "cannot read the roster");
	}
	if ((rc = store_view_walk(node_store(n), ind_case, acc))) {
		ind_acc_free(acc);
		return diag_set(d, rc, "cannot read the cases: %s",
				err_str(rc));
	}
	ind_acc_finish(acc, out);
	return 0;
}

int
ind_run(struct node *n, uint64_t from_ms, uint64_t to_ms, enum ind_set set,
	struct ind_table *out, struct diag *d)
{
	return ind_run_with(n, NULL, 0, from_ms, to_ms, set, out, d);
}

int
ind_run_cells(struct node *n, const struct grid_cell *cells, size_t ncells,
	      uint64_t from_ms, uint64_t to_ms, enum ind_set set,
	      struct ind_table *out, struct diag *d)
{
	static const struct grid_cell none;
	return ind_run_with(n, ncells ? cells : &none, ncells, from_ms, to_ms,
			    set, out, d);
}

int
eval_run_cells(struct node *n, const struct grid_cell *cells, size_t ncells,
	       uint64_t from_ms, uint64_t to_ms, enum eval_by by,
	       struct eval_result *out, struct diag *d)
{
	struct eval_acc *acc;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = eval_acc_new(node_config(n), from_ms, to_ms, by, &acc, d)))
		return rc;
	for (size_t i = 0; i < ncells; i++)
		eval_acc_add_cell(acc, &cells[i]);
	if ((rc = store_view_walk(node_store(n), eval_case, acc))) {
		eval_acc_free(acc);
		return diag_set(d, rc, "cannot read the cases: %s",
				err_str(rc));
	}
	eval_acc_finish(acc, out);
	return 0;
}

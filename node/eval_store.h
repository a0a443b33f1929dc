/*
 * eval_store.h - the evaluation of the node's cases over a period: the
 * case views and the grid cells read out of the store, counted by the
 * pure evaluation (node/case/eval.h).
 */
#ifndef GRIDCASE_EVAL_STORE_H
#define GRIDCASE_EVAL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "node/case/eval.h"
#include "node/case/indicators.h"

struct node;

/*
 * Evaluates [from_ms, to_ms) grouped by `by`.  Groups come sorted by key.
 * Free with eval_release().  ERR_INVAL if the period ends before it
 * starts; the store's errors, and ERR_CORRUPT for a view that does not
 * read.
 */
MUST_CHECK int eval_run(struct node *n, uint64_t from_ms, uint64_t to_ms,
			enum eval_by by, struct eval_result *out,
			struct diag *d);

/*
 * Computes indicator set `set` over [from_ms, to_ms) from the case views,
 * the roster's members and the grid's cells.  Free with
 * ind_table_release().  The errors of eval_run().
 */
MUST_CHECK int ind_run(struct node *n, uint64_t from_ms, uint64_t to_ms,
		       enum ind_set set, struct ind_table *out, struct diag *d);

/*
 * As eval_run(), with the offices named by cells (only their grid
 * prefixes and office names count) instead of the node's grid: a replay
 * evaluates with the offices its report recorded.
 */
struct grid_cell;
MUST_CHECK int eval_run_cells(struct node *n, const struct grid_cell *cells,
			      size_t ncells, uint64_t from_ms, uint64_t to_ms,
			      enum eval_by by, struct eval_result *out,
			      struct diag *d);

/*
 * As ind_run(), with the grid's cells given (their ids, communities and
 * offices) instead of the node's grid: a replay computes the sets with
 * the cells its report recorded.
 */
MUST_CHECK int ind_run_cells(struct node *n, const struct grid_cell *cells,
			     size_t ncells, uint64_t from_ms, uint64_t to_ms,
			     enum ind_set set, struct ind_table *out,
			     struct diag *d);

#endif

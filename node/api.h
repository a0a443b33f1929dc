/*
 * api.h - the typed node API: what every front end calls.
 *
 * The CLI (cli/), and the web console and the Open311 endpoint to come,
 * parse their input, call these functions and print what they return;
 * none of them knows how the store's index keys are built, which index
 * answers a query, or how a case's due time is judged.  Around the calls
 * here the API is also:
 *
 *   node_open() / node_close()            node/node.h
 *   case_act() / case_state_get()         node/actions.h (an action by its
 *                                         workflow-table entry; one case)
 *   report_case()                         node/report.h
 *   eval_run()                            node/eval_store.h
 *   peer records, blocking a peer         node/peers.h
 *
 * Every call reads the node's store in its own read transaction: it works
 * with or without the daemon running.
 */
#ifndef GRIDCASE_API_H
#define GRIDCASE_API_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "crypto/hash.h"
#include "node/case/deadline.h"
#include "node/case/state.h"

struct node;

/*
 * Which cases to list.  A NULL string is no filter; the others are
 * ANDed.  office is a grid's office prefix (GRID_OFFICE_DIGITS digits) or
 * an office's name in the imported grid.  team has no index: it is checked
 * on each case of the range the other filters choose.
 */
struct case_query {
	const char *state, *unit, *grid, *office, *source, *cls;
	const char *team;    /* the team a unit assigned the case to */
	enum colour colour;  /* COLOUR_NONE: any; running cases of it */
	int overdue;         /* running cases past their due time */
	int conflicts;       /* cases with open conflicts */
	uint64_t due_before; /* 0: none; running cases due in [now, this) */
	uint64_t now_ms;     /* what colours and "overdue" are judged at */
};

/* One case of a listing; everything is borrowed for the call only. */
struct case_row {
	const char *case_id;
	/* Without its steps and disposals (state_decode_row()). */
	const struct case_state *st;
	int has_deadline; /* deadline_of() answered: dl is set */
	struct deadline dl;
};

/* Returning non-zero stops the listing; that value is returned. */
typedef int (*case_row_fn)(const struct case_row *row, void *ctx);

/*
 * Calls fn for each case that matches q, once each, in the order of the
 * index the query is answered from (the narrowest the filters allow, or
 * every case).  Steps on a case id that was never reported make no case
 * and are not listed.  ERR_NOTFOUND (d names it) if q->office names no
 * office of the imported grid; ERR_CORRUPT for a view that does not
 * read; the store's errors.
 */
MUST_CHECK int node_case_list(struct node *n, const struct case_query *q,
			      case_row_fn fn, void *ctx, struct diag *d);

/*
 * As node_case_list(), but calls fn for the first max matches only (in
 * the index's order: the earliest due first for overdue and due_before,
 * case id order for a state) and counts without reading any case: *total
 * is the number of rows of the index range the query is answered from.
 * That is the number of matches when the range is the query's only
 * filter (one state, overdue, due_before, conflicts, one grid cell), an
 * upper bound otherwise.  A query that no index answers is walked to its
 * end and *total counts its matches.  The errors of node_case_list().
 */
MUST_CHECK int node_case_list_first(struct node *n, const struct case_query *q,
				    size_t max, case_row_fn fn, void *ctx,
				    uint64_t *total, struct diag *d);

/*
 * The number of case ids that have events but were never reported (no
 * case: docs/workflow.md).  The store's errors.
 */
MUST_CHECK int node_ghost_count(struct node *n, uint64_t *count);

/*
 * The work of one disposal unit or one grid cell, counted from an index
 * (docs/workflow.md §7) without reading a case.  For a unit: open is its
 * dispatched cases (not yet fed back, suspended ones not included); for a
 * cell: its cases in any open state.  overdue and soon are those of them
 * dispatched with a running clock due before now, and due in [now, soon).
 */
struct case_load {
	char name[STATE_NAME_MAX + 1];
	uint64_t open, soon, overdue;
};

/* Returning non-zero stops the walk; that value is returned. */
typedef int (*case_load_fn)(const struct case_load *l, void *ctx);

/*
 * Calls fn for each unit with a dispatched case (node_unit_loads) or each
 * grid cell with an open case (node_cell_loads), in name order, judged at
 * now_ms with soon_ms the end of "due soon" (0: none are).  ERR_CORRUPT
 * for an index row that does not read; the store's errors.
 */
MUST_CHECK int node_unit_loads(struct node *n, uint64_t now_ms,
			       uint64_t soon_ms, case_load_fn fn, void *ctx);
MUST_CHECK int node_cell_loads(struct node *n, uint64_t now_ms,
			       uint64_t soon_ms, case_load_fn fn, void *ctx);

/*
 * One case as a front end shows it: its state, the canonical encoding of
 * that state and its digest (what the log digest hashes), and its due time
 * judged at the now_ms given.  Release with node_case_release().
 */
struct case_view {
	struct case_state st;
	struct buf encoded;
	uint8_t digest[HASH_BYTES];
	int has_deadline; /* deadline_of() answered: dl is set */
	struct deadline dl;
};

/*
 * Fills cv with the case case_id.  ERR_NOTFOUND if the log has no event
 * on that id.  A case id with steps but no report (a ghost: no case,
 * docs/workflow.md) is returned with st.status CS_NONE and st.events set,
 * so the front end can say that the events are kept as evidence.
 * ERR_CORRUPT for a view that does not read; the store's errors.
 */
MUST_CHECK int node_case_get(struct node *n, const char *case_id,
			     uint64_t now_ms, struct case_view *cv);
void node_case_release(struct case_view *cv);

/* One event of a case's history, borrowed for the call only. */
typedef int (*case_history_fn)(const struct envelope *env,
			       const struct event *ev, void *ctx);

/*
 * Calls fn for each event on case_id in replay order ((lamport, id)),
 * fork proofs included.  Returning non-zero stops the walk; that value is
 * returned.  ERR_CORRUPT for a stored event that does not decode.
 */
MUST_CHECK int node_case_history(struct node *n, const char *case_id,
				 case_history_fn fn, void *ctx);

/* One case id's state, ghosts included (status CS_NONE). */
typedef int (*case_state_fn)(const char *case_id, const struct case_state *st,
			     void *ctx);

/*
 * Calls fn for every case id of the log in ascending order, ghost ids
 * included (front ends that list conflicts report them).  Returning
 * non-zero stops the walk; that value is returned.  ERR_CORRUPT for a
 * view that does not read.
 */
MUST_CHECK int node_case_walk(struct node *n, case_state_fn fn, void *ctx);

#endif

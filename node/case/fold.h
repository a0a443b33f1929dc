/*
 * fold.h - replaying a case's events into its state: the CRDT merge.
 *
 * A case's state is a pure function of its set of events (and the roster's
 * events, which are events too): the events are replayed in (lamport, id) order, which respects
 * causality because every event's lamport is above its deps'.  Each event
 * is judged with workflow_check() against the state so far.  An event that
 * does not fit and did not see some earlier event (they are concurrent)
 * is handled by the concurrency rules of docs/workflow.md, and what cannot
 * be reconciled becomes a visible conflict record.  Nothing reads the
 * local clock, so equal event sets give byte-equal states everywhere.
 */
#ifndef GRIDCASE_FOLD_H
#define GRIDCASE_FOLD_H

#include "common/buf.h"
#include "common/err.h"

#include "node/case/source.h"

struct case_state;
struct config;
struct roster;

struct fold_ctx {
	struct roster *roster;    /* read again from the source when it moved */
	const struct config *cfg; /* for the due-time index only (node/view.c) */
};

/*
 * Folds the case's events, as src gives them, into st (initialised by
 * the call; release it with state_release()).  The roster is read from
 * the same source first.  The errors of src's functions, with d set.
 */
MUST_CHECK int fold_case(const struct fold_ctx *fc,
			 const struct case_source *src, const char *case_id,
			 struct case_state *st, struct diag *d);

#endif

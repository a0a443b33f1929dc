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

struct case_state;
struct config;
struct roster;
struct store_batch;

struct fold_ctx {
	struct roster *roster;    /* read again from the batch when it moved */
	const struct config *cfg; /* for the due-time index only */
};

/* Folds the case's events as the batch sees them into st (initialised
 * by the call; release it with state_release()). */
MUST_CHECK int fold_case(const struct fold_ctx *fc, struct store_batch *b,
			 const char *case_id, struct case_state *st,
			 struct diag *d);

/* The store's fold (store_fold_fn): state bytes and index keys. */
int fold_view(void *ctx, struct store_batch *b, const char *case_id,
	      struct buf *state, struct buf *keys, struct diag *d);

/*
 * The version of what fold_view writes (the state's encoding and the
 * index keys).  Raise it when either changes: every node then folds its
 * cases again when it is next opened.
 */
#define FOLD_VIEWS_VERSION 4

/*
 * The value of a joint index key (IDX_STATE_UNIT, IDX_STATE_OFFICE):
 * the state's name, 0x1f, then the first value_len bytes of value.  A
 * state name has no 0x1f, so the first one ends it.  0, or -1 if it does
 * not fit in n bytes.
 */
int fold_state_pair(char *out, size_t n, const char *state, const char *value,
		    size_t value_len);

/* Index key prefixes of fold_view (see docs/workflow.md). */
#define IDX_STATUS 's'
#define IDX_UNIT 'u'
#define IDX_STATE_UNIT 'w' /* state, 0x1f, unit: an office's open work */
#define IDX_STATE_OFFICE 'v' /* state, 0x1f, the grid's first 9 digits */
#define IDX_GRID 'g'
#define IDX_OFFICE 'o'
#define IDX_SOURCE 'r'
#define IDX_CLASS 'c'
#define IDX_DUE 'd'
#define IDX_CONFLICT 'x'
#define IDX_GHOST 'z' /* events on a case id never reported: no case */

#endif

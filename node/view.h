/*
 * view.h - the glue between the store and the pure case domain.
 *
 * The store keeps, for each case, a view: the state bytes the fold makes
 * and the index keys under which the case is found (store.h, "case
 * views").  view_fold() is the store's fold callback: it reads the case's
 * events from the batch through a case_source (node/case/source.h), calls
 * the pure fold (node/case/fold.h) and writes the state and the keys.
 * The index key format is defined here and nowhere else; the case-list
 * query planner that reads it is node/api.c's.
 */
#ifndef GRIDCASE_VIEW_H
#define GRIDCASE_VIEW_H

#include <stddef.h>

#include "common/buf.h"
#include "common/err.h"
#include "node/case/source.h"

struct roster;
struct store;
struct store_batch;

/* A source that reads what the batch sees (borrowed, for its life). */
void view_source_batch(struct store_batch *b, struct case_source *out);
/* A source that reads the store in a read transaction per call. */
void view_source_store(struct store *s, struct case_source *out);

/* roster_refresh() from what the store, or the batch, holds. */
MUST_CHECK int roster_refresh_store(struct roster *r, struct store *s);
MUST_CHECK int roster_refresh_batch(struct roster *r, struct store_batch *b);

/*
 * The store's fold (store_fold_fn; ctx is a struct fold_ctx): state bytes
 * and index keys.
 */
int view_fold(void *ctx, struct store_batch *b, const char *case_id,
	      struct buf *state, struct buf *keys, struct diag *d);

/*
 * The version of what view_fold writes (the state's encoding and the
 * index keys).  Raise it when either changes: every node then folds its
 * cases again when it is next opened.
 */
#define FOLD_VIEWS_VERSION 8

/*
 * The value of a joint index key (IDX_STATE_UNIT, IDX_STATE_OFFICE):
 * the state's name, 0x1f, then the first value_len bytes of value.  A
 * state name has no 0x1f, so the first one ends it.  0, or -1 if it does
 * not fit in n bytes.
 */
int view_state_pair(char *out, size_t n, const char *state, const char *value,
		    size_t value_len);

/*
 * Index keys of view_fold (see docs/workflow.md): one prefix byte, then
 * the value.  An index value is at most VIEW_KEY_VALUE_MAX bytes: the
 * store's limit of 200 bytes per key, less the prefix byte.
 */
#define VIEW_KEY_VALUE_MAX 199
#define IDX_STATUS 's'
#define IDX_UNIT 'u'
#define IDX_STATE_UNIT 'w'   /* state, 0x1f, unit: an office's open work */
#define IDX_STATE_OFFICE 'v' /* state, 0x1f, the grid's office prefix */
#define IDX_GRID 'g'
#define IDX_OFFICE 'o'
#define IDX_SOURCE 'r'
#define IDX_CLASS 'c'
#define IDX_DUE 'd'
#define IDX_CONFLICT 'x'
#define IDX_GHOST 'z' /* events on a case id never reported: no case */

#endif

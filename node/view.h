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
#include <stdint.h>

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
 * The store's fold (store_fold_fn; ctx is a struct fold_ctx): the case's
 * state without its history (a list's row), its history (the state's
 * `steps` and `disposals`, which no list shows) and its index keys.  The
 * roster's view has no history.
 */
int view_fold(void *ctx, struct store_batch *b, const char *case_id,
	      struct buf *state, struct buf *history, struct buf *keys,
	      struct diag *d);

/*
 * The version of what view_fold writes (the state's encoding and the
 * index keys).  Raise it when either changes: every node then folds its
 * cases again when it is next opened.
 */
#define FOLD_VIEWS_VERSION 10

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
#define IDX_GHOST 'z'     /* events on a case id never reported: no case */
#define IDX_UNIT_DUE 'e'  /* a dispatched case's unit, then its due time */
#define IDX_CELL_OPEN 'f' /* an open case's grid cell, then its due time */

/*
 * The keys of IDX_UNIT_DUE and IDX_CELL_OPEN have one length each, so that
 * one range of the index holds all of them, in name order and within a
 * name in due order (the centre board's table per unit and the map's
 * counts per cell read them without reading a case): the prefix, the
 * name padded with NUL bytes to its width, then the due time of a
 * dispatched case whose clock runs (ms, 8 bytes big-endian), or
 * VIEW_NO_DUE.
 */
#define VIEW_UNIT_WIDTH 64 /* STATE_NAME_MAX */
#define VIEW_CELL_WIDTH 39 /* a case's grid id at most */
#define VIEW_LOAD_KEY_MAX (1 + VIEW_UNIT_WIDTH + 8)
#define VIEW_NO_DUE UINT64_MAX

/* Writes the key to out (VIEW_LOAD_KEY_MAX bytes) and returns its length;
 * name is cut at width bytes. */
size_t view_load_key(uint8_t *out, char prefix, const char *name, size_t width,
		     uint64_t due);

/*
 * Reads a key view_load_key() wrote with this width: the name to name
 * (width + 1 bytes, NUL-terminated) and the due time.  0, or -1 if the key
 * does not have the length of one.
 */
int view_load_read(const uint8_t *key, size_t n, size_t width, char *name,
		   uint64_t *due);

#endif

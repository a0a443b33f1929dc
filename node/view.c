/*
 * view.c - the store's fold callback and the index keys (see view.h), and
 * the case sources that read the store for the pure domain.
 */
#include "node/view.h"

#include <stdio.h>
#include <string.h>

#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/fold.h"
#include "node/case/grid.h"
#include "node/case/roster.h"
#include "node/period.h"
#include "node/case/state.h"
#include "store/store.h"
#include "common/banned.h"

/* ---- sources ---- */

static int
batch_walk(void *src, const char *case_id, case_event_fn fn, void *ctx)
{
	return store_batch_walk_case(src, case_id, fn, ctx);
}

static int
batch_fork_seq(void *src, const uint8_t author[EVENT_KEY_BYTES], uint64_t *seq)
{
	return store_batch_fork_seq(src, author, seq);
}

static int
batch_global_gen(void *src, uint64_t *gen)
{
	return store_batch_global_gen(src, gen);
}

void
view_source_batch(struct store_batch *b, struct case_source *out)
{
	out->walk = batch_walk;
	out->fork_seq = batch_fork_seq;
	out->global_gen = batch_global_gen;
	out->src = b;
}

static int
store_walk(void *src, const char *case_id, case_event_fn fn, void *ctx)
{
	return store_walk_case(src, case_id, fn, ctx);
}

static int
store_fork(void *src, const uint8_t author[EVENT_KEY_BYTES], uint64_t *seq)
{
	return store_fork_seq(src, author, seq);
}

static int
store_gen(void *src, uint64_t *gen)
{
	return store_global_gen(src, gen);
}

void
view_source_store(struct store *s, struct case_source *out)
{
	out->walk = store_walk;
	out->fork_seq = store_fork;
	out->global_gen = store_gen;
	out->src = s;
}

int
roster_refresh_store(struct roster *r, struct store *s)
{
	struct case_source src;
	view_source_store(s, &src);
	return roster_refresh(r, &src);
}

int
roster_refresh_batch(struct roster *r, struct store_batch *b)
{
	struct case_source src;
	view_source_batch(b, &src);
	return roster_refresh(r, &src);
}

/* ---- the view ---- */

int
view_state_pair(char *out, size_t n, const char *state, const char *value,
		size_t value_len)
{
	int len = snprintf(out, n, "%s\x1f%.*s", state, (int)value_len, value);
	return len >= 0 && (size_t)len < n ? 0 : -1;
}

static void
add_key(struct buf *keys, char prefix, const void *p, size_t n)
{
	if (n > VIEW_KEY_VALUE_MAX)
		n = VIEW_KEY_VALUE_MAX;
	buf_add_byte(keys, (uint8_t)(n + 1));
	buf_add_byte(keys, (uint8_t)prefix);
	buf_add(keys, p, n);
}

_Static_assert(VIEW_UNIT_WIDTH == STATE_NAME_MAX, "a unit fits its key");
_Static_assert(VIEW_CELL_WIDTH + 1 == sizeof(((struct case_state *)0)->grid),
	       "a grid id fits its key");

size_t
view_load_key(uint8_t *out, char prefix, const char *name, size_t width,
	      uint64_t due)
{
	size_t n = strnlen(name, width);
	out[0] = (uint8_t)prefix;
	memcpy(out + 1, name, n);
	memset(out + 1 + n, 0, width - n);
	for (int i = 0; i < 8; i++)
		out[1 + width + i] = (uint8_t)(due >> (56 - 8 * i));
	return 1 + width + 8;
}

int
view_load_read(const uint8_t *key, size_t n, size_t width, char *name,
	       uint64_t *due)
{
	if (n != 1 + width + 8)
		return -1;
	size_t len = strnlen((const char *)key + 1, width);
	memcpy(name, key + 1, len);
	name[len] = '\0';
	*due = 0;
	for (int i = 0; i < 8; i++)
		*due = *due << 8 | key[1 + width + i];
	return 0;
}

static void
add_load_key(struct buf *keys, char prefix, const char *name, size_t width,
	     uint64_t due)
{
	uint8_t k[VIEW_LOAD_KEY_MAX];
	size_t n = view_load_key(k, prefix, name, width, due);
	add_key(keys, prefix, k + 1, n - 1);
}

static void
add_str_key(struct buf *keys, char prefix, const char *s)
{
	if (s[0])
		add_key(keys, prefix, s, strlen(s));
}

int
view_fold(void *ctx, struct store_batch *b, const char *case_id,
	  struct buf *state, struct buf *history, struct buf *keys,
	  struct diag *d)
{
	const struct fold_ctx *fc = ctx;
	struct case_source src;
	struct case_state st;
	int rc;
	/* The roster's own view is the roster: the members at its latest
	 * version, so that the digest covers who may act. */
	if (strcmp(case_id, ROSTER_CASE) == 0) {
		if ((rc = roster_refresh_batch(fc->roster, b)))
			return diag_set(d, rc, "cannot read the roster");
		roster_encode(fc->roster, state);
		return 0;
	}
	/* Period reports are records, not a case (docs/audit.md). */
	if (period_is_record_case(case_id, strlen(case_id)))
		return ERR_NOTFOUND;
	view_source_batch(b, &src);
	rc = fold_case(fc, &src, case_id, &st, d);
	if (rc)
		return rc;
	/* Only fork versions or evidence here, which nodes need not hold
	 * alike: no view (store.h). */
	if (st.events == 0) {
		state_release(&st);
		return ERR_NOTFOUND;
	}
	/* The history apart from the row, which lists read. */
	state_encode_parts(&st, state, history);
	/* Steps on a case id that was never reported make no case: the
	 * events are kept, and found only under the ghost key. */
	if (st.status == CS_NONE) {
		add_key(keys, IDX_GHOST, "", 0);
		state_release(&st);
		return 0;
	}
	add_str_key(keys, IDX_STATUS, case_status_name(st.status));
	add_str_key(keys, IDX_UNIT, st.unit);
	char pair[96];
	if (st.unit[0] &&
	    view_state_pair(pair, sizeof(pair), case_status_name(st.status),
			    st.unit, strlen(st.unit)) == 0)
		add_str_key(keys, IDX_STATE_UNIT, pair);
	add_str_key(keys, IDX_GRID, st.grid);
	add_str_key(keys, IDX_SOURCE, st.source);
	if (strlen(st.grid) >= GRID_OFFICE_DIGITS) {
		add_key(keys, IDX_OFFICE, st.grid, GRID_OFFICE_DIGITS);
		if (view_state_pair(pair, sizeof(pair),
				    case_status_name(st.status), st.grid,
				    GRID_OFFICE_DIGITS) == 0)
			add_str_key(keys, IDX_STATE_OFFICE, pair);
	}
	if (st.kind[0]) {
		char cls[32];
		size_t n = strlen(st.kind);
		memcpy(cls, st.kind, n);
		cls[n] = ':';
		state_copy_name(cls + n + 1, sizeof(cls) - n - 1, st.code,
				strlen(st.code));
		add_str_key(keys, IDX_CLASS, cls);
	}
	if (state_open_conflicts(&st))
		add_key(keys, IDX_CONFLICT, "", 0);
	struct deadline dl;
	uint64_t due = VIEW_NO_DUE;
	if (st.status == CS_DISPATCHED &&
	    deadline_of(&st, &fc->cfg->cal, 0, &dl) == 0 && dl.has_due) {
		uint8_t be[8];
		due = dl.due_ms;
		for (int i = 0; i < 8; i++)
			be[i] = (uint8_t)(dl.due_ms >> (56 - 8 * i));
		add_key(keys, IDX_DUE, be, 8);
	}
	/* A unit's dispatched cases and a cell's open ones, with their due
	 * times: the board's table and the map count them from these. */
	if (st.status == CS_DISPATCHED && st.unit[0])
		add_load_key(keys, IDX_UNIT_DUE, st.unit, VIEW_UNIT_WIDTH, due);
	if ((CS_OPEN & CS_BIT(st.status)) && st.grid[0])
		add_load_key(keys, IDX_CELL_OPEN, st.grid, VIEW_CELL_WIDTH,
			     due);
	state_release(&st);
	return 0;
}

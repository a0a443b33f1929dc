/*
 * view.c - case views: the node's fold of each case, kept beside the log.
 *
 * The store knows nothing of what a view means.  The node installs a fold
 * (store_set_fold); every batch that changes a case's events folds the
 * case again before it commits, so views are never stale on disk and a
 * crash can never leave a view behind its events.  A view is kept in two
 * parts, the row (`views`), which lists read, and the history the fold
 * puts apart (`vhist`); whoever reads the whole view gets them merged.
 */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "common/banned.h"

#define VIEW_KEY_MAX 200

void
store_set_fold(struct store *s, store_fold_fn fn, void *ctx)
{
	s->fold = fn;
	s->fold_ctx = ctx;
}

void
store_set_commit_hook(struct store *s, store_commit_fn fn, void *ctx)
{
	s->committed = fn;
	s->committed_ctx = ctx;
}

static size_t
case_hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return (size_t)h;
}

static void
index_insert(struct store_batch *b, size_t i)
{
	const char *s = b->touched[i];
	size_t at = case_hash(s, strlen(s)) & (b->index_cap - 1);
	while (b->touched_index[at])
		at = (at + 1) & (b->index_cap - 1);
	b->touched_index[at] = i + 1;
}

void
store_batch_touch_case(struct store_batch *b, const char *case_id,
		       size_t case_len)
{
	/* Without a fold nothing is folded: nothing to remember. */
	if (!b->s->fold)
		return;
	if (b->index_cap) {
		size_t at = case_hash(case_id, case_len) & (b->index_cap - 1);
		for (; b->touched_index[at]; at = (at + 1) & (b->index_cap - 1)) {
			const char *t = b->touched[b->touched_index[at] - 1];
			if (strlen(t) == case_len && memcmp(t, case_id, case_len) == 0)
				return;
		}
	}
	if (b->ntouched == b->touched_cap) {
		b->touched_cap = b->touched_cap ? 2 * b->touched_cap : 16;
		b->touched = xrealloc(b->touched,
				      b->touched_cap * sizeof(*b->touched));
	}
	b->touched[b->ntouched++] = xstrndup(case_id, case_len);
	/* Keep the index at most half full. */
	if (2 * b->ntouched > b->index_cap) {
		free(b->touched_index);
		b->index_cap = b->index_cap ? 2 * b->index_cap : 64;
		b->touched_index = xcalloc(b->index_cap, sizeof(size_t));
		for (size_t i = 0; i < b->ntouched; i++)
			index_insert(b, i);
	} else {
		index_insert(b, b->ntouched - 1);
	}
}

void
store_batch_touched_release(struct store_batch *b)
{
	for (size_t i = 0; i < b->ntouched; i++)
		free(b->touched[i]);
	free(b->touched);
	free(b->touched_index);
	b->touched = NULL;
	b->touched_index = NULL;
	b->ntouched = b->touched_cap = b->index_cap = 0;
}

static int
bput(struct store_batch *b, MDB_dbi dbi, const void *k, size_t kn,
     const void *v, size_t vn, struct diag *d)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	int rc = mdb_put(b->txn, dbi, &key, &val, 0);
	return rc ? store_batch_lmdb_err(b, rc, "cannot write a view", d) : 0;
}

/* Builds the vindex key: len(key) || key || case. */
static size_t
vindex_key(uint8_t *out, const uint8_t *key, size_t kn, const char *case_id)
{
	size_t cn = strlen(case_id);
	out[0] = (uint8_t)kn;
	memcpy(out + 1, key, kn);
	memcpy(out + 1 + kn, case_id, cn);
	return 1 + kn + cn;
}

/* Deletes the index rows the case's previous view named. */
static int
drop_index_rows(struct store_batch *b, const char *case_id, struct diag *d)
{
	MDB_val k = { strlen(case_id), (void *)case_id }, v;
	uint8_t row[1 + VIEW_KEY_MAX + EVENT_CASE_MAX];
	struct buf old = BUF_INIT;
	int rc = mdb_get(b->txn, b->s->vkeys, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot read view keys", d);
	buf_add(&old, v.mv_data, v.mv_size); /* the map changes below */
	for (size_t at = 0; at < old.len;) {
		size_t kn = old.data[at];
		if (at + 1 + kn > old.len || kn > VIEW_KEY_MAX)
			break;
		MDB_val rk = { vindex_key(row, old.data + at + 1, kn, case_id),
			       row };
		rc = mdb_del(b->txn, b->s->vindex, &rk, NULL);
		if (rc && rc != MDB_NOTFOUND) {
			buf_release(&old);
			return store_batch_lmdb_err(b, rc,
						    "cannot delete an index row",
						    d);
		}
		at += 1 + kn;
	}
	buf_release(&old);
	return 0;
}

/*
 * Cases are folded in chunks; each chunk's rows (`views`) are written
 * first, in case order, then its histories, then its index rows.  A list
 * reads one row per case listed, and the first touch of each page of the
 * map is what costs (10-20 us on a guest whose page tables go through the
 * hypervisor, a fault and more): rows written together lie together in the
 * file, so neighbouring cases share pages, where a row written between its
 * history and its index rows shared none (docs/performance.md, "Issue 15,
 * 2026-12-05 late").
 */
#define FOLD_CHUNK 1024

/* A case folded, its view and index keys not yet written. */
struct folded {
	const char *case_id;
	struct buf state, history, keys;
	int gone; /* the fold made no view: drop what there was */
};

static int
folded_cmp(const void *a, const void *b)
{
	return strcmp(((const struct folded *)a)->case_id,
		      ((const struct folded *)b)->case_id);
}

/* Writes the case's row of table (views or vhist): part, or none when
 * part is empty. */
static int
write_part(struct store_batch *b, MDB_dbi table, const char *case_id,
	   const struct buf *part, struct diag *d)
{
	size_t cn = strlen(case_id);
	if (part->len)
		return bput(b, table, case_id, cn, part->data, part->len, d);
	MDB_val k = { cn, (void *)case_id };
	int rc = mdb_del(b->txn, table, &k, NULL);
	return rc == 0 || rc == MDB_NOTFOUND
		       ? 0
		       : store_batch_lmdb_err(b, rc, "cannot delete a view", d);
}

/* Replaces the case's index rows and its vkeys row with the new keys. */
static int
write_index_rows(struct store_batch *b, const struct folded *f,
		 struct diag *d)
{
	uint8_t row[1 + VIEW_KEY_MAX + EVENT_CASE_MAX];
	const char *case_id = f->case_id;
	size_t cn = strlen(case_id);
	int rc;

	if ((rc = drop_index_rows(b, case_id, d)))
		return rc;
	if (f->gone) {
		MDB_val k = { cn, (void *)case_id };
		rc = mdb_del(b->txn, b->s->vkeys, &k, NULL);
		return rc == 0 || rc == MDB_NOTFOUND
			       ? 0
			       : store_batch_lmdb_err(b, rc,
						      "cannot delete a view", d);
	}
	if ((rc = bput(b, b->s->vkeys, case_id, cn, f->keys.data, f->keys.len,
		       d)))
		return rc;
	for (size_t at = 0; at < f->keys.len;) {
		size_t kn = f->keys.data[at];
		BUG_ON(kn > VIEW_KEY_MAX || at + 1 + kn > f->keys.len);
		size_t rn = vindex_key(row, f->keys.data + at + 1, kn, case_id);
		if ((rc = bput(b, b->s->vindex, row, rn, "", 0, d)))
			return rc;
		at += 1 + kn;
	}
	return 0;
}

/* Folds n cases in the order given, then writes their rows, then their
 * histories, then their index rows, each in case order. */
static int
fold_chunk(struct store_batch *b, char *const *ids, size_t n, struct diag *d)
{
	struct folded *f = xcalloc(n, sizeof(*f));
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		f[i].case_id = ids[i];
		rc = b->s->fold(b->s->fold_ctx, b, ids[i], &f[i].state,
				&f[i].history, &f[i].keys, d);
		if (rc == ERR_NOTFOUND) {
			f[i].gone = 1;
			buf_reset(&f[i].state);
			buf_reset(&f[i].history);
			rc = 0;
		} else if (rc == 0 && !f[i].state.len) {
			rc = diag_set(d, ERR_INVAL,
				      "the fold of case '%s' made an empty view",
				      ids[i]);
		}
	}
	if (rc == 0)
		qsort(f, n, sizeof(*f), folded_cmp);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_part(b, b->s->views, f[i].case_id, &f[i].state, d);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_part(b, b->s->vhist, f[i].case_id, &f[i].history,
				d);
	for (i = 0; i < n && rc == 0; i++)
		rc = write_index_rows(b, &f[i], d);
	for (i = 0; i < n; i++) {
		buf_release(&f[i].state);
		buf_release(&f[i].history);
		buf_release(&f[i].keys);
	}
	free(f);
	return rc;
}

/* Touches every case the batch sees (for a global-case change). */
static int
touch_all(struct store_batch *b, struct diag *d)
{
	uint8_t next[EVENT_CASE_MAX + 2];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;
	if ((rc = mdb_cursor_open(b->txn, b->s->bycase, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		const uint8_t *sep = memchr(k.mv_data, 0, k.mv_size);
		size_t n = sep ? (size_t)(sep - (const uint8_t *)k.mv_data) : 0;
		if (!sep || n > EVENT_CASE_MAX) {
			mdb_cursor_close(c);
			return diag_set(d, ERR_CORRUPT, "a case index row has no case");
		}
		memcpy(next, k.mv_data, n);
		store_batch_touch_case(b, (const char *)next, n);
		next[n] = 1; /* past every row of this case */
		k.mv_size = n + 1;
		k.mv_data = next;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND
		       ? 0
		       : store_batch_lmdb_err(b, rc, "cannot walk cases", d);
}

int
store_batch_fold_touched(struct store_batch *b, struct diag *d)
{
	int rc;
	if (!b->s->fold)
		return 0;
	if (b->refold_all && (rc = touch_all(b, d)))
		return rc;
	for (size_t i = 0; i < b->ntouched; i += FOLD_CHUNK) {
		size_t n = b->ntouched - i < FOLD_CHUNK ? b->ntouched - i
							: FOLD_CHUNK;
		store_progress(b->s, "fold", i + n, b->ntouched);
		if ((rc = fold_chunk(b, b->touched + i, n, d)))
			return rc;
	}
	return 0;
}

/* 1 if the envelope's event bytes hash to id. */
static int
id_matches(const uint8_t *id, const uint8_t *p, size_t n)
{
	struct envelope env;
	uint8_t want[EVENT_ID_BYTES];
	size_t used;
	if (envelope_read(p, n, &env, &used, NULL) || used != n)
		return 0;
	seal_id(env.event, env.event_len, want);
	return memcmp(want, id, EVENT_ID_BYTES) == 0;
}

int
store_batch_walk_case(struct store_batch *b, const char *case_id,
		      store_event_fn fn, void *ctx)
{
	uint8_t kb[EVENT_CASE_MAX + 1];
	size_t n = strlen(case_id);
	struct buf scratch = BUF_INIT;
	MDB_cursor *c;
	MDB_val k, v, ev;
	int rc, stop = 0;

	if (n == 0 || n > EVENT_CASE_MAX)
		return ERR_NOTFOUND;
	memcpy(kb, case_id, n);
	kb[n] = 0;
	if ((rc = mdb_cursor_open(b->txn, b->s->bycase, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", NULL);
	k.mv_size = n + 1;
	k.mv_data = kb;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != n + 9 + EVENT_ID_BYTES ||
		    memcmp(k.mv_data, kb, n + 1) != 0)
			break;
		MDB_val idk = { EVENT_ID_BYTES, (uint8_t *)k.mv_data + n + 9 };
		if ((rc = store_txn_case_envelope(b->s, b->txn, &k, &v, &ev)))
			break;
		if (b->check_ids && !id_matches(idk.mv_data, ev.mv_data, ev.mv_size)) {
			memcpy(b->bad_id, idk.mv_data, EVENT_ID_BYTES);
			memcpy(b->bad_case, case_id, n + 1);
			stop = ERR_BADID;
			break;
		}
		/* A copy: the fold may not keep pointers into the map. */
		buf_reset(&scratch);
		buf_add(&scratch, ev.mv_data, ev.mv_size);
		if ((stop = fn(scratch.data, scratch.len, ctx)))
			break;
	}
	mdb_cursor_close(c);
	buf_release(&scratch);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND
		       ? store_batch_lmdb_err(b, rc, "cannot walk case", NULL)
		       : 0;
}

int
store_batch_fork_seq(struct store_batch *b,
		     const uint8_t author[EVENT_KEY_BYTES], uint64_t *seq)
{
	return store_txn_fork_seq(b->s, b->txn, author, seq);
}

int
store_txn_view(struct store *s, MDB_txn *txn, const MDB_val *k,
		const MDB_val *row, struct buf *out)
{
	MDB_val h;
	int rc = mdb_get(txn, s->vhist, (MDB_val *)k, &h);
	if (rc == MDB_NOTFOUND) {
		buf_add(out, row->mv_data, row->mv_size);
		return 0;
	}
	if (rc)
		return store_lmdb_err(rc, "cannot read a case's history", NULL);
	return mp_map_merge(row->mv_data, row->mv_size, h.mv_data, h.mv_size,
			    out)
		       ? ERR_CORRUPT
		       : 0;
}

int
store_view_get(struct store *s, const char *case_id, struct buf *out)
{
	MDB_txn *txn;
	MDB_val k = { strlen(case_id), (void *)case_id }, v;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->views, &k, &v);
	if (rc == 0)
		rc = store_txn_view(s, txn, &k, &v, out);
	else
		rc = store_lmdb_err(rc, "cannot read view", NULL);
	mdb_txn_abort(txn);
	return rc;
}

/* Calls fn with a copy of the row, or of the whole view (row and history,
 * read in the transaction whole) if whole is not NULL.  A copy: the
 * callback may open transactions. */
static int
emit_view(struct store *s, MDB_txn *whole, MDB_val *case_key, MDB_val *row,
	  struct buf *scratch, store_view_fn fn, void *ctx)
{
	char id[EVENT_CASE_MAX + 1];
	int rc;
	if (case_key->mv_size == 0 || case_key->mv_size > EVENT_CASE_MAX)
		return ERR_CORRUPT;
	memcpy(id, case_key->mv_data, case_key->mv_size);
	id[case_key->mv_size] = '\0';
	buf_reset(scratch);
	if (!whole)
		buf_add(scratch, row->mv_data, row->mv_size);
	else if ((rc = store_txn_view(s, whole, case_key, row, scratch)))
		return rc;
	return fn(id, scratch->data, scratch->len, ctx);
}

struct view_walk {
	struct store *s;
	MDB_txn *whole; /* the walk's transaction, for whole views */
	struct buf scratch;
	store_view_fn fn;
	void *ctx;
};

static int
view_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct view_walk *w = ctx;
	const char *g = w->s->global_case;
	/* The global case's view is not a case (the roster). */
	if (g && k->mv_size == strlen(g) &&
	    memcmp(k->mv_data, g, k->mv_size) == 0)
		return 0;
	return emit_view(w->s, w->whole, (MDB_val *)k, (MDB_val *)v,
			 &w->scratch, w->fn, w->ctx);
}

static int
walk_views(struct store *s, int whole, store_view_fn fn, void *ctx)
{
	struct view_walk w = { s, NULL, BUF_INIT, fn, ctx };
	MDB_txn *txn;
	int rc;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	w.whole = whole ? txn : NULL;
	rc = store_scan(txn, s->views, NULL, 0, view_row, &w);
	mdb_txn_abort(txn);
	buf_release(&w.scratch);
	return rc;
}

int
store_view_walk(struct store *s, store_view_fn fn, void *ctx)
{
	return walk_views(s, 1, fn, ctx);
}

int
store_row_walk(struct store *s, store_view_fn fn, void *ctx)
{
	return walk_views(s, 0, fn, ctx);
}

/* Called for each index row in a range with its index key (without the
 * length byte) and its case's key; non-zero stops the walk and is
 * returned. */
typedef int (*index_row_fn)(MDB_txn *txn, const MDB_val *key,
			    MDB_val *case_key, void *ctx);

struct range_walk {
	MDB_txn *txn;
	const uint8_t *hi;
	size_t to_n;
	index_row_fn row;
	void *ctx;
};

static int
range_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct range_walk *w = ctx;
	const uint8_t *kp = k->mv_data;
	size_t kn = kp[0];
	(void)v;
	if (1 + kn > k->mv_size)
		return ERR_CORRUPT;
	/* Stop at the first row whose key is >= to. */
	size_t cmp_n = 1 + (kn < w->to_n ? kn : w->to_n);
	int c2 = memcmp(kp, w->hi, cmp_n);
	if (c2 > 0 || (c2 == 0 && kn >= w->to_n))
		return STORE_SCAN_END;
	MDB_val ik = { kn, (uint8_t *)kp + 1 };
	MDB_val ck = { k->mv_size - 1 - kn, (uint8_t *)kp + 1 + kn };
	return w->row(w->txn, &ik, &ck, w->ctx);
}

/* The rows of the index whose keys k satisfy from <= k < to. */
static int
index_range(struct store *s, const uint8_t *from, size_t from_n,
	    const uint8_t *to, size_t to_n, index_row_fn row, void *ctx)
{
	uint8_t lo[1 + VIEW_KEY_MAX], hi[1 + VIEW_KEY_MAX];
	struct range_walk w = { NULL, hi, to_n, row, ctx };
	int rc;

	if (from_n > VIEW_KEY_MAX || to_n > VIEW_KEY_MAX)
		return ERR_INVAL;
	lo[0] = (uint8_t)from_n;
	memcpy(lo + 1, from, from_n);
	hi[0] = (uint8_t)to_n;
	memcpy(hi + 1, to, to_n);
	if ((rc = store_read_begin(s, &w.txn)))
		return rc;
	rc = store_scan(w.txn, s->vindex, lo, 1 + from_n, range_row, &w);
	mdb_txn_abort(w.txn);
	return rc;
}

struct index_emit {
	struct store *s;
	struct buf scratch;
	store_view_fn fn;
	void *ctx;
};

static int
emit_row(MDB_txn *txn, const MDB_val *key, MDB_val *case_key, void *ctx)
{
	struct index_emit *e = ctx;
	(void)key;
	MDB_val state;
	int rc = mdb_get(txn, e->s->views, case_key, &state);
	if (rc == MDB_NOTFOUND)
		return ERR_CORRUPT; /* an index row of no case */
	if (rc)
		return store_lmdb_err(rc, "cannot read a case view", NULL);
	return emit_view(e->s, NULL, case_key, &state, &e->scratch, e->fn,
			 e->ctx);
}

int
store_index_walk(struct store *s, const uint8_t *from, size_t from_n,
		 const uint8_t *to, size_t to_n, store_view_fn fn, void *ctx)
{
	struct index_emit e = { s, BUF_INIT, fn, ctx };
	int rc = index_range(s, from, from_n, to, to_n, emit_row, &e);
	buf_release(&e.scratch);
	return rc;
}

struct index_count {
	uint64_t n, limit;
};

static int
count_row(MDB_txn *txn, const MDB_val *key, MDB_val *case_key, void *ctx)
{
	struct index_count *c = ctx;
	(void)txn;
	(void)key;
	(void)case_key;
	return ++c->n >= c->limit ? 1 : 0;
}

int
store_index_count(struct store *s, const uint8_t *from, size_t from_n,
		  const uint8_t *to, size_t to_n, uint64_t limit,
		  uint64_t *count)
{
	struct index_count c = { 0, limit };
	int rc = limit ? index_range(s, from, from_n, to, to_n, count_row, &c) : 1;
	*count = c.n;
	return rc == 1 ? 0 : rc;
}

struct index_keys {
	store_index_key_fn fn;
	void *ctx;
};

static int
key_row(MDB_txn *txn, const MDB_val *key, MDB_val *case_key, void *ctx)
{
	struct index_keys *w = ctx;
	uint8_t copy[VIEW_KEY_MAX];
	(void)txn;
	(void)case_key;
	if (key->mv_size > VIEW_KEY_MAX)
		return ERR_CORRUPT;
	memcpy(copy, key->mv_data, key->mv_size);
	return w->fn(copy, key->mv_size, w->ctx);
}

int
store_index_keys(struct store *s, const uint8_t *from, size_t from_n,
		 const uint8_t *to, size_t to_n, store_index_key_fn fn,
		 void *ctx)
{
	struct index_keys w = { fn, ctx };
	return index_range(s, from, from_n, to, to_n, key_row, &w);
}

struct refold {
	struct store_batch *b;
	uint64_t n;
};

static int
touch_one(const char *case_id, void *ctx)
{
	struct refold *r = ctx;
	store_batch_touch_case(r->b, case_id, strlen(case_id));
	r->n++;
	return 0;
}

int
store_refold_all(struct store *s, uint64_t *cases, struct diag *d)
{
	struct refold r = { NULL, 0 };
	int rc = store_batch_begin(s, &r.b);
	if (rc)
		return diag_set(d, rc, "cannot begin a write: %s", err_str(rc));
	if ((rc = store_walk_case_prefixes(r.b->txn, s->bycase, touch_one,
					   &r))) {
		store_batch_abort(r.b);
		return diag_set(d, rc, "cannot list cases: %s", err_str(rc));
	}
	/*
	 * Fold here, checking every event's id against its bytes: a view
	 * must never be made from bytes that changed on disk after they
	 * were admitted.  Then the commit has nothing left to fold.
	 */
	r.b->check_ids = 1;
	if ((rc = store_batch_fold_touched(r.b, d))) {
		if (rc == ERR_BADID) {
			char h[2 * EVENT_ID_BYTES + 1];
			hex_encode(r.b->bad_id, EVENT_ID_BYTES, h);
			diag_set(d, rc,
				 "event %s of case '%s' does not match its id: its "
				 "bytes changed on disk; no view was changed (run "
				 "'gridcase verify')",
				 h, r.b->bad_case);
		}
		store_batch_abort(r.b);
		return rc;
	}
	store_batch_touched_release(r.b);
	*cases = r.n;
	return store_batch_commit(r.b, d);
}

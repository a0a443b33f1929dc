/* read.c - queries and walks over the log, each in one read transaction. */
#include "store/internal.h"

#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "common/banned.h"

#define DIGEST_TAG "gridcase/log-digest/v2"

int
store_scan(MDB_txn *txn, MDB_dbi dbi, const void *from, size_t from_n,
	   store_scan_fn fn, void *ctx)
{
	MDB_cursor *c;
	MDB_val k = { from_n, (void *)from }, v;
	int rc, stop = 0;

	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	for (rc = mdb_cursor_get(c, &k, &v, from ? MDB_SET_RANGE : MDB_FIRST);
	     rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		if ((stop = fn(&k, &v, ctx)))
			break;
	mdb_cursor_close(c);
	if (stop)
		return stop == STORE_SCAN_END ? 0 : stop;
	return rc && rc != MDB_NOTFOUND
		       ? store_lmdb_err(rc, "cannot walk", NULL)
		       : 0;
}

static uint64_t
entries(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn, dbi, &st) ? 0 : st.ms_entries;
}

/* Calls fn for each distinct prefix before the 0x00 separator. */
int
store_walk_case_prefixes(MDB_txn *txn, MDB_dbi dbi, store_case_fn fn, void *ctx)
{
	uint8_t next[EVENT_CASE_MAX + 2];
	char name[EVENT_CASE_MAX + 1];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, stop = 0;

	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	while (rc == 0) {
		const uint8_t *kp = k.mv_data;
		const uint8_t *sep = memchr(kp, 0, k.mv_size);
		if (!sep || (size_t)(sep - kp) > EVENT_CASE_MAX) {
			rc = ERR_CORRUPT;
			break;
		}
		size_t n = (size_t)(sep - kp);
		memcpy(name, kp, n);
		name[n] = '\0';
		if ((stop = fn(name, ctx)) != 0)
			break;
		/* Jump past every row of this case: case || 0x01. */
		memcpy(next, name, n);
		next[n] = 1;
		k.mv_size = n + 1;
		k.mv_data = next;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	mdb_cursor_close(c);
	if (stop)
		return stop;
	if (rc == ERR_CORRUPT)
		return rc;
	if (rc && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc, "cannot walk cases", NULL);
	return 0;
}

/* Ids from the smallest with a prefix on: the first two that have it. */
struct id_prefix {
	const char *hex;
	size_t digits;
	uint8_t *id;
	int found;
};

static int
id_prefix_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct id_prefix *p = ctx;
	char h[2 * EVENT_ID_BYTES + 1];
	(void)v;
	hex_encode(k->mv_data, EVENT_ID_BYTES, h);
	if (strncasecmp(h, p->hex, p->digits) != 0 || p->found++)
		return STORE_SCAN_END;
	memcpy(p->id, k->mv_data, EVENT_ID_BYTES);
	return 0;
}

/* Forked authors: distinct author prefixes of the fork records. */
struct fork_count {
	uint8_t last[EVENT_KEY_BYTES];
	int have;
	uint64_t n;
};

static int
count_fork(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct fork_count *fc = ctx;
	(void)v;
	if (!fc->have || memcmp(fc->last, k->mv_data, EVENT_KEY_BYTES) != 0)
		fc->n++;
	memcpy(fc->last, k->mv_data, EVENT_KEY_BYTES);
	fc->have = 1;
	return 0;
}

static int
count_forks(MDB_txn *txn, MDB_dbi dbi, uint64_t *n)
{
	struct fork_count fc = { { 0 }, 0, 0 };
	int rc = store_scan(txn, dbi, NULL, 0, count_fork, &fc);
	*n = fc.n;
	return rc;
}

int
store_stats(struct store *s, struct store_stats *st)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->events = entries(txn, s->log);
	st->authors = entries(txn, s->summary);
	st->pending = entries(txn, s->pending);
	if ((rc = count_forks(txn, s->forks, &st->forks)) == 0) {
		/* Views, not case ids: a case id that only a fork version
		 * or evidence names has no view, and differs among nodes. */
		st->cases = entries(txn, s->views);
		MDB_val k = { s->global_case ? strlen(s->global_case) : 0,
			      (void *)s->global_case }, v;
		if (s->global_case && st->cases &&
		    mdb_get(txn, s->views, &k, &v) == 0)
			st->cases--;
	}
	mdb_txn_abort(txn);
	return rc;
}

int
store_event_get(struct store *s, const uint8_t id[EVENT_ID_BYTES],
		struct buf *out)
{
	MDB_txn *txn;
	MDB_val v;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = store_txn_envelope(s, txn, id, &v);
	if (rc == 0)
		buf_add(out, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return rc ? store_lmdb_err(rc, "cannot read event", NULL) : 0;
}

int
store_event_find(struct store *s, const char *hex_prefix,
		 uint8_t id[EVENT_ID_BYTES])
{
	uint8_t lo[EVENT_ID_BYTES];
	size_t digits = strlen(hex_prefix);
	MDB_txn *txn;
	int rc, found;

	if (digits < 4 || digits > 2 * EVENT_ID_BYTES ||
	    !hex_is_prefix(hex_prefix))
		return ERR_INVAL;
	/* The smallest id with this prefix: the digits, then zeros. */
	char full[2 * EVENT_ID_BYTES + 1];
	memset(full, '0', 2 * EVENT_ID_BYTES);
	memcpy(full, hex_prefix, digits);
	full[2 * EVENT_ID_BYTES] = '\0';
	if (hex_decode(full, lo, sizeof(lo)))
		return ERR_INVAL;
	if ((rc = store_read_begin(s, &txn)))
		return rc;
	struct id_prefix p = { hex_prefix, digits, id, 0 };
	rc = store_id_scan(s, txn, lo, id_prefix_row, &p);
	mdb_txn_abort(txn);
	if (rc)
		return rc;
	found = p.found;
	if (found == 0)
		return ERR_NOTFOUND;
	return found > 1 ? ERR_EXISTS : 0;
}

/* Copies one envelope out of the map and hands it to fn. */
static int
emit(const MDB_val *v, struct buf *scratch, store_event_fn fn, void *ctx)
{
	buf_reset(scratch);
	buf_add(scratch, v->mv_data, v->mv_size);
	return fn(scratch->data, scratch->len, ctx);
}

/* A walk that emits the events some rows name: its rows' prefix. */
struct emit_walk {
	struct store *s;
	MDB_txn *txn;
	const uint8_t *prefix;
	size_t prefix_n;
	size_t key_n; /* walk_case: the length of a row's key */
	struct buf scratch;
	store_event_fn fn;
	void *ctx;
};

/* The event a fork record's id names, emitted; a missing one ends the
 * walk. */
static int
emit_id(struct emit_walk *w, const uint8_t *id)
{
	MDB_val ev;
	int rc = store_txn_envelope(w->s, w->txn, id, &ev);
	if (rc == MDB_NOTFOUND)
		return STORE_SCAN_END;
	if (rc)
		return store_lmdb_err(rc, "cannot walk", NULL);
	return emit(&ev, &w->scratch, w->fn, w->ctx);
}

/* The event a feed row's value names, emitted; a missing one ends the
 * walk. */
static int
emit_feed_row(struct emit_walk *w, const MDB_val *v)
{
	MDB_val ev;
	int rc = store_txn_feed_envelope(w->s, w->txn, v, &ev);
	if (rc == MDB_NOTFOUND || rc == MDB_CORRUPTED)
		return STORE_SCAN_END;
	if (rc)
		return store_lmdb_err(rc, "cannot walk", NULL);
	return emit(&ev, &w->scratch, w->fn, w->ctx);
}

/* feed rows author || seq -> id || arrival, of one author. */
static int
author_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct emit_walk *w = ctx;
	if (memcmp(k->mv_data, w->prefix, EVENT_KEY_BYTES) != 0)
		return STORE_SCAN_END;
	return emit_feed_row(w, v);
}

int
store_walk_author(struct store *s, const uint8_t author[EVENT_KEY_BYTES],
		  uint64_t from, store_event_fn fn, void *ctx)
{
	uint8_t kb[STORE_FEED_KEY_BYTES];
	struct emit_walk w = { s, NULL,     author, EVENT_KEY_BYTES,
			       0, BUF_INIT, fn,     ctx };
	int rc;

	if ((rc = store_read_begin(s, &w.txn)))
		return rc;
	store_feed_key(kb, author, from);
	rc = store_scan(w.txn, s->feed, kb, sizeof(kb), author_row, &w);
	mdb_txn_abort(w.txn);
	buf_release(&w.scratch);
	return rc;
}

/* bycase rows case || 0x00 || lamport || id, of one case. */
static int
case_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct emit_walk *w = ctx;
	MDB_val ev;
	if (k->mv_size != w->key_n ||
	    memcmp(k->mv_data, w->prefix, w->prefix_n) != 0)
		return STORE_SCAN_END;
	int rc = store_txn_case_envelope(w->s, w->txn, k, v, &ev);
	if (rc == MDB_NOTFOUND)
		return STORE_SCAN_END;
	if (rc)
		return store_lmdb_err(rc, "cannot walk", NULL);
	return emit(&ev, &w->scratch, w->fn, w->ctx);
}

int
store_walk_case(struct store *s, const char *case_id, store_event_fn fn,
		void *ctx)
{
	uint8_t kb[EVENT_CASE_MAX + 1];
	size_t n = strlen(case_id);
	struct emit_walk w = {
		s, NULL, kb, n + 1, n + 9 + EVENT_ID_BYTES, BUF_INIT, fn, ctx
	};
	int rc;

	if (n == 0 || n > EVENT_CASE_MAX)
		return ERR_NOTFOUND;
	memcpy(kb, case_id, n);
	kb[n] = 0;
	if ((rc = store_read_begin(s, &w.txn)))
		return rc;
	rc = store_scan(w.txn, s->bycase, kb, n + 1, case_row, &w);
	mdb_txn_abort(w.txn);
	buf_release(&w.scratch);
	return rc;
}

/* Walks a whole table and emits the envelope each row names or holds. */
struct table_walk {
	struct emit_walk w;
	int is_feed, skip_feed_members;
};

static int
table_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct table_walk *t = ctx;
	struct emit_walk *w = &t->w;
	if (t->is_feed)
		return emit_feed_row(w, v);
	if (t->skip_feed_members) {
		/* forks rows: author || seq || id; the version in the feed
		 * was already emitted with the feed. */
		MDB_val fk = { STORE_FEED_KEY_BYTES, k->mv_data }, fid;
		const uint8_t *id = (const uint8_t *)k->mv_data +
				    STORE_FEED_KEY_BYTES;
		if (mdb_get(w->txn, w->s->feed, &fk, &fid) == 0 &&
		    memcmp(fid.mv_data, id, EVENT_ID_BYTES) == 0)
			return 0;
		return emit_id(w, id);
	}
	return emit(v, &w->scratch, w->fn, w->ctx);
}

static int
walk_table(struct store *s, MDB_txn *txn, MDB_dbi dbi, int is_feed,
	   int skip_feed_members, store_event_fn fn, void *ctx)
{
	struct table_walk t = { { s, txn, NULL, 0, 0, BUF_INIT, fn, ctx },
				is_feed,
				skip_feed_members };
	int rc = store_scan(txn, dbi, NULL, 0, table_row, &t);
	buf_release(&t.w.scratch);
	return rc;
}

int
store_walk_all(struct store *s, store_event_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = walk_table(s, txn, s->feed, 1, 0, fn, ctx);
	if (rc == 0)
		rc = walk_table(s, txn, s->forks, 0, 1, fn, ctx);
	if (rc == 0)
		rc = walk_table(s, txn, s->evidence, 0, 1, fn, ctx);
	mdb_txn_abort(txn);
	return rc;
}

int
store_walk_pending(struct store *s, store_event_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = walk_table(s, txn, s->pending, 0, 0, fn, ctx);
	mdb_txn_abort(txn);
	return rc;
}

struct summary_walk {
	store_summary_fn fn;
	void *ctx;
};

static int
summary_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct summary_walk *w = ctx;
	struct summary_entry e;
	if (k->mv_size != EVENT_KEY_BYTES ||
	    store_summary_decode(v->mv_data, v->mv_size, &e))
		return ERR_CORRUPT;
	memcpy(e.author, k->mv_data, EVENT_KEY_BYTES);
	return w->fn(&e, w->ctx);
}

int
store_walk_summary(struct store *s, store_summary_fn fn, void *ctx)
{
	struct summary_walk w = { fn, ctx };
	MDB_txn *txn;
	int rc;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	rc = store_scan(txn, s->summary, NULL, 0, summary_row, &w);
	mdb_txn_abort(txn);
	return rc;
}

int
store_summary_get(struct store *s, const uint8_t author[EVENT_KEY_BYTES],
		  struct summary_entry *e)
{
	MDB_txn *txn;
	MDB_val k = { EVENT_KEY_BYTES, (void *)author }, v;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->summary, &k, &v);
	if (rc == 0 && store_summary_decode(v.mv_data, v.mv_size, e) == 0)
		memcpy(e->author, author, EVENT_KEY_BYTES);
	else if (rc == 0)
		rc = ERR_CORRUPT;
	mdb_txn_abort(txn);
	if (rc == ERR_CORRUPT)
		return rc;
	return rc ? store_lmdb_err(rc, "cannot read summary", NULL) : 0;
}

struct forks_walk {
	struct fork_entry e;
	int have;
	store_fork_fn fn;
	void *ctx;
};

/* Rows sort by (author, seq, id): each author's first seq is its lowest
 * fork, and its ids come in ascending order. */
static int
fork_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct forks_walk *w = ctx;
	struct fork_entry *e = &w->e;
	const uint8_t *kp = k->mv_data;
	uint64_t seq = store_get_be64(kp + EVENT_KEY_BYTES);
	int stop;
	(void)v;
	if (w->have && memcmp(e->author, kp, EVENT_KEY_BYTES) == 0) {
		if (seq != e->seq)
			return 0;
	} else {
		if (w->have && (stop = w->fn(e, w->ctx)))
			return stop;
		memcpy(e->author, kp, EVENT_KEY_BYTES);
		e->seq = seq;
		e->nversions = e->nids = 0;
		w->have = 1;
	}
	e->nversions++;
	if (e->nids < sizeof(e->ids) / sizeof(e->ids[0]))
		memcpy(e->ids[e->nids++], kp + STORE_FEED_KEY_BYTES,
		       EVENT_ID_BYTES);
	return 0;
}

int
store_walk_forks(struct store *s, store_fork_fn fn, void *ctx)
{
	struct forks_walk w;
	MDB_txn *txn;
	int rc;

	memset(&w, 0, sizeof(w));
	w.fn = fn;
	w.ctx = ctx;
	if ((rc = store_read_begin(s, &txn)))
		return rc;
	rc = store_scan(txn, s->forks, NULL, 0, fork_row, &w);
	if (rc == 0 && w.have)
		rc = fn(&w.e, ctx);
	mdb_txn_abort(txn);
	return rc;
}

int
store_fork_seq(struct store *s, const uint8_t author[EVENT_KEY_BYTES],
	       uint64_t *seq)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = store_txn_fork_seq(s, txn, author, seq);
	mdb_txn_abort(txn);
	return rc;
}

/* What a waiting event lacks now (enum wait_reason), seen by txn. */
static unsigned
waiting_reason(struct store *s, MDB_txn *txn, const struct event *ev,
	       size_t *nmissing)
{
	MDB_val k = { EVENT_KEY_BYTES, (void *)ev->author }, v;
	struct summary_entry last = { .seq = 0 };
	unsigned why = 0;
	if (mdb_get(txn, s->summary, &k, &v) == 0)
		(void)store_summary_decode(v.mv_data, v.mv_size, &last);
	if (ev->seq > last.seq + 1)
		why |= WAIT_PREV;
	*nmissing = 0;
	for (size_t i = 0; i < ev->ndeps; i++) {
		MDB_val at;
		if (store_id_get(s, txn, ev->deps[i], &at) != 0)
			(*nmissing)++;
	}
	if (*nmissing)
		why |= WAIT_DEPS;
	if (ev->time_ms > clock_now_ms() + s->max_skew_ms)
		why |= WAIT_FUTURE;
	return why;
}

struct waiting_walk {
	struct store *s;
	MDB_txn *txn;
	struct buf scratch;
	store_waiting_fn fn;
	void *ctx;
};

static int
waiting_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct waiting_walk *w = ctx;
	struct envelope env;
	struct event ev;
	size_t used, nmissing = 0;
	(void)k;
	buf_reset(&w->scratch);
	buf_add(&w->scratch, v->mv_data, v->mv_size);
	if (envelope_read(w->scratch.data, w->scratch.len, &env, &used, NULL) ||
	    event_decode_known(env.event, env.event_len, &ev))
		return 0; /* store_verify names it */
	unsigned why = waiting_reason(w->s, w->txn, &ev, &nmissing);
	return w->fn(w->scratch.data, w->scratch.len, why, nmissing, w->ctx);
}

int
store_walk_waiting(struct store *s, store_waiting_fn fn, void *ctx)
{
	struct waiting_walk w = { s, NULL, BUF_INIT, fn, ctx };
	int rc;

	if ((rc = store_read_begin(s, &w.txn)))
		return rc;
	rc = store_scan(w.txn, s->pending, NULL, 0, waiting_row, &w);
	mdb_txn_abort(w.txn);
	buf_release(&w.scratch);
	return rc;
}

static int
global_gen(struct store *s, MDB_txn *txn, uint64_t *gen)
{
	MDB_val k = { strlen(STORE_GLOBAL_GEN_KEY),
		      (void *)STORE_GLOBAL_GEN_KEY },
		v;
	int rc = mdb_get(txn, s->meta, &k, &v);
	*gen = 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_lmdb_err(rc, "cannot read metadata", NULL);
	if (v.mv_size != 8)
		return ERR_CORRUPT;
	*gen = store_get_be64(v.mv_data);
	return 0;
}

int
store_global_gen(struct store *s, uint64_t *gen)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = global_gen(s, txn, gen);
	mdb_txn_abort(txn);
	return rc;
}

int
store_batch_global_gen(struct store_batch *b, uint64_t *gen)
{
	return global_gen(b->s, b->txn, gen);
}

static int
case_heads(struct store *s, MDB_txn *txn, const char *case_id,
	   uint8_t (*ids)[EVENT_ID_BYTES], size_t max, size_t *n)
{
	uint8_t kb[STORE_HEADS_KEY_MAX];
	size_t cn = strlen(case_id);
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*n = 0;
	if (cn == 0 || cn > EVENT_CASE_MAX)
		return ERR_INVAL;
	memcpy(kb, case_id, cn);
	kb[cn] = 0;
	k.mv_size = cn + 1;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(txn, s->heads, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && *n < max && k.mv_size == cn + 1 + EVENT_ID_BYTES &&
	     memcmp(k.mv_data, kb, cn + 1) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		memcpy(ids[(*n)++], (const uint8_t *)k.mv_data + cn + 1,
		       EVENT_ID_BYTES);
	mdb_cursor_close(c);
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot read heads", NULL) : 0;
}

int
store_case_heads(struct store *s, const char *case_id,
		 uint8_t (*ids)[EVENT_ID_BYTES], size_t max, size_t *n)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = case_heads(s, txn, case_id, ids, max, n);
	mdb_txn_abort(txn);
	return rc;
}

int
store_batch_case_heads(struct store_batch *b, const char *case_id,
		       uint8_t (*ids)[EVENT_ID_BYTES], size_t max, size_t *n)
{
	return case_heads(b->s, b->txn, case_id, ids, max, n);
}

int
store_walk_cases(struct store *s, store_case_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = store_walk_case_prefixes(txn, s->bycase, fn, ctx);
	mdb_txn_abort(txn);
	return rc;
}

/*
 * The first author in dbi (feed or forks, keyed author || ...) whose key
 * is above every key of `after` (NULL: the first of all); 0, or
 * MDB_NOTFOUND.
 */
static int
author_after(MDB_cursor *c, const uint8_t *after, uint8_t out[EVENT_KEY_BYTES])
{
	uint8_t next[EVENT_KEY_BYTES];
	MDB_val k, v;
	int rc;
	if (!after) {
		rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	} else {
		/* author + 1, as a 256-bit number: past all its rows. */
		int i;
		memcpy(next, after, EVENT_KEY_BYTES);
		for (i = EVENT_KEY_BYTES - 1; i >= 0 && ++next[i] == 0; i--)
			;
		if (i < 0)
			return MDB_NOTFOUND;
		k.mv_size = EVENT_KEY_BYTES;
		k.mv_data = next;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	if (rc == 0)
		memcpy(out, k.mv_data, EVENT_KEY_BYTES);
	return rc;
}

/*
 * The log part of the digest, author by author over every author with a
 * feed or a fork record: the feed rows (author || seq || id) below the
 * author's lowest fork, then, for a forked author, its fork point as
 * author || seq || 32 bytes of 0xff instead of any version.  So every
 * node that knows the fork agrees, whichever versions it holds
 * (docs/format.md §7).
 */
static int
digest_feeds(struct store *s, MDB_txn *txn, struct hasher *h)
{
	static const uint8_t fork_mark[EVENT_ID_BYTES] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	uint8_t author[EVENT_KEY_BYTES], a1[EVENT_KEY_BYTES], a2[EVENT_KEY_BYTES];
	MDB_cursor *c = NULL, *fc = NULL;
	MDB_val k, v;
	int rc, have = 0;

	if ((rc = mdb_cursor_open(txn, s->feed, &c)) ||
	    (rc = mdb_cursor_open(txn, s->forks, &fc))) {
		rc = store_lmdb_err(rc, "cannot open cursor", NULL);
		goto out;
	}
	for (;;) {
		int r1 = author_after(c, have ? author : NULL, a1);
		int r2 = author_after(fc, have ? author : NULL, a2);
		if ((r1 && r1 != MDB_NOTFOUND) || (r2 && r2 != MDB_NOTFOUND)) {
			rc = store_lmdb_err(r1 ? r1 : r2, "cannot walk feed", NULL);
			goto out;
		}
		if (r1 && r2)
			break;
		memcpy(author, r1 ? a2 : r2 ? a1
			       : memcmp(a1, a2, EVENT_KEY_BYTES) < 0 ? a1 : a2,
		       EVENT_KEY_BYTES);
		have = 1;
		uint64_t forked_at = 0;
		if ((rc = store_txn_fork_seq(s, txn, author, &forked_at)))
			goto out;
		k.mv_size = EVENT_KEY_BYTES;
		k.mv_data = author;
		for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		     rc == 0 && memcmp(k.mv_data, author, EVENT_KEY_BYTES) == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			const uint8_t *kp = k.mv_data;
			if (forked_at &&
			    store_get_be64(kp + EVENT_KEY_BYTES) >= forked_at)
				break;
			hash_update(h, kp, STORE_FEED_KEY_BYTES);
			hash_update(h, v.mv_data, EVENT_ID_BYTES);
		}
		if (rc && rc != MDB_NOTFOUND) {
			rc = store_lmdb_err(rc, "cannot walk feed", NULL);
			goto out;
		}
		rc = 0;
		if (forked_at) {
			uint8_t fk[STORE_FEED_KEY_BYTES];
			store_feed_key(fk, author, forked_at);
			hash_update(h, fk, sizeof(fk));
			hash_update(h, fork_mark, EVENT_ID_BYTES);
		}
	}
	rc = 0;
out:
	if (fc)
		mdb_cursor_close(fc);
	if (c)
		mdb_cursor_close(c);
	return rc;
}

struct view_digest {
	struct store *s;
	MDB_txn *txn;
	struct hasher h;
	struct buf view;
};

/* A case view into the digest: case || 0x00 || BLAKE2b-256(state), the
 * state being the whole view (its row and history merged). */
static int
digest_view(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct view_digest *vd = ctx;
	uint8_t sh[HASH_BYTES];
	int rc;
	buf_reset(&vd->view);
	if ((rc = store_txn_view(vd->s, vd->txn, k, v, &vd->view)))
		return rc;
	hash_bytes(vd->view.data, vd->view.len, sh);
	hash_update(&vd->h, k->mv_data, k->mv_size);
	hash_update(&vd->h, "", 1);
	hash_update(&vd->h, sh, sizeof(sh));
	return 0;
}

int
store_digest(struct store *s, uint8_t out[HASH_BYTES])
{
	struct view_digest vd = { .s = s, .view = BUF_INIT };
	int rc;

	if ((rc = store_read_begin(s, &vd.txn)))
		return rc;
	hash_lib_init();
	hash_init(&vd.h);
	hash_update(&vd.h, DIGEST_TAG, strlen(DIGEST_TAG));
	/* The feeds, then every case view. */
	if ((rc = digest_feeds(s, vd.txn, &vd.h)) == 0)
		rc = store_scan(vd.txn, s->views, NULL, 0, digest_view, &vd);
	mdb_txn_abort(vd.txn);
	buf_release(&vd.view);
	if (rc == 0)
		hash_final(&vd.h, out);
	return rc;
}

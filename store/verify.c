/*
 * verify.c - re-checking every record of the store (gridcase verify).
 *
 * Nothing here trusts what admission checked before: bytes on disk can be
 * damaged after the fact, and LMDB keeps no checksums of its own.  Each
 * problem is reported with the record it concerns.  The case views are
 * derived data: each is compared with a fresh fold of its events.
 */
#include "store/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/hex.h"
#include "crypto/seal.h"
#include "common/banned.h"

struct verifier {
	struct store *s;
	MDB_txn *txn;
	store_problem_fn fn;
	void *ctx;
	uint64_t problems;
	uint64_t events_done, events_total; /* for store_progress() */
};

static void
problem(struct verifier *vf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
problem(struct verifier *vf, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	vf->problems++;
	if (vf->fn)
		vf->fn(line, vf->ctx);
}

static const char *
hexid(const uint8_t *id, char out[2 * EVENT_ID_BYTES + 1])
{
	hex_encode(id, EVENT_ID_BYTES, out);
	return out;
}

/* One stored event: bytes, id, signature, network, and its indexes. */
static int
check_event_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	struct store *s = vf->s;
	char h[2 * EVENT_ID_BYTES + 1];
	store_progress(s, "verify", ++vf->events_done, vf->events_total);
	struct envelope env;
	struct event ev;
	struct diag why;
	size_t used;
	if (k->mv_size != 8) {
		problem(vf, "log: a key of %zu bytes (arrival numbers are 8)",
			k->mv_size);
		return 0;
	}
	unsigned long long at = (unsigned long long)store_get_be64(k->mv_data);
	int orc = seal_open(v->mv_data, v->mv_size, s->network, &env,
			    &ev, &used, &why);
	if (orc) {
		/* Named by the id its bytes claim, when they say one. */
		struct diag ignored;
		if (envelope_read(v->mv_data, v->mv_size, &env, &used,
				  &ignored) == 0)
			problem(vf, "event %s: %s: %s", hexid(env.id, h),
				err_str(orc), why.text);
		else
			problem(vf, "log row %llu: %s: %s", at, err_str(orc),
				why.text);
		return 0;
	}
	hexid(env.id, h);
	if (used != v->mv_size) {
		problem(vf, "event %s: %zu bytes after the envelope", h,
			v->mv_size - used);
		return 0;
	}
	/* Its id names this row, and no other row names the id (the
	 * counts of the id index and `log` are compared once, check_events:
	 * an id in two of the index's levels makes one row too many). */
	MDB_val idv;
	if (store_id_get(s, vf->txn, env.id, &idv) != 0 ||
	    memcmp(idv.mv_data, k->mv_data, 8) != 0) {
		problem(vf, "event %s: log row %llu is not where its id says",
			h, at);
		return 0;
	}
	/* Its indexes: the feed or the fork records, and bycase. */
	uint8_t fk[STORE_FEED_KEY_BYTES], vk[STORE_VERSION_KEY_BYTES];
	uint8_t ck[STORE_BYCASE_KEY_MAX];
	MDB_val key, val;
	store_feed_key(fk, ev.author, ev.seq);
	store_version_key(vk, ev.author, ev.seq, env.id);
	key.mv_size = sizeof(fk);
	key.mv_data = fk;
	int in_feed = mdb_get(vf->txn, s->feed, &key, &val) == 0 &&
		      store_feed_val_ok(&val) &&
		      memcmp(val.mv_data, env.id, EVENT_ID_BYTES) == 0;
	key.mv_size = sizeof(vk);
	key.mv_data = vk;
	int in_forks = mdb_get(vf->txn, s->forks, &key, &val) == 0;
	int in_evidence = mdb_get(vf->txn, s->evidence, &key, &val) == 0;
	if (!in_feed && !in_forks && !in_evidence)
		problem(vf, "event %s: not in its author's feed at seq %llu, nor in the fork records, nor kept as evidence",
			h, (unsigned long long)ev.seq);
	key.mv_size = store_bycase_key(ck, ev.case_id, ev.case_len,
				       ev.lamport, env.id);
	key.mv_data = ck;
	if (mdb_get(vf->txn, s->bycase, &key, &val) != 0)
		problem(vf, "event %s: missing from the case index of '%.*s'",
			h, (int)ev.case_len, ev.case_id);
	return 0;
}

static int
check_events(struct verifier *vf)
{
	MDB_stat ms;
	vf->events_total = mdb_stat(vf->txn, vf->s->log, &ms) == 0
				   ? (uint64_t)ms.ms_entries
				   : 0;
	uint64_t ids = store_txn_id_count(vf->s, vf->txn);
	if (ids != vf->events_total)
		problem(vf, "the id index (newids, midids, ids): %llu rows for %llu events in the log",
			(unsigned long long)ids,
			(unsigned long long)vf->events_total);
	return store_scan(vf->txn, vf->s->log, NULL, 0, check_event_row, vf);
}

/* Each feed: contiguous from 1, chained by prev, clocks never going back,
 * ending where the summary says. */
static void
check_feed_end(struct verifier *vf, const uint8_t *author, uint64_t seq,
	       const uint8_t *id, uint64_t lamport, uint64_t time_ms)
{
	char h[2 * EVENT_ID_BYTES + 1];
	MDB_val k = { EVENT_KEY_BYTES, (void *)author }, v;
	hexid(author, h);
	struct summary_entry e;
	if (mdb_get(vf->txn, vf->s->summary, &k, &v) != 0 ||
	    store_summary_decode(v.mv_data, v.mv_size, &e)) {
		problem(vf, "summary of author %s: missing or damaged", h);
		return;
	}
	if (e.seq != seq || memcmp(e.id, id, EVENT_ID_BYTES) != 0 ||
	    e.lamport != lamport || e.time_ms != time_ms)
		problem(vf, "summary of author %s: says seq %llu but the feed ends at seq %llu (or its clocks differ)",
			h, (unsigned long long)e.seq, (unsigned long long)seq);
}

/*
 * The clock rules of admission (docs/format.md §5), again: every
 * dependency stored, lamport exactly one above the highest of prev's and
 * the deps', time not before any of theirs.
 */
static void
check_clocks(struct verifier *vf, const struct event *ev, const char *h,
	     uint64_t top, uint64_t floor)
{
	char dh[2 * EVENT_ID_BYTES + 1];
	for (size_t i = 0; i < ev->ndeps; i++) {
		struct envelope denv;
		struct event dep;
		if (store_txn_event(vf->s, vf->txn, ev->deps[i], &denv, &dep) !=
		    0) {
			problem(vf, "event %s: depends on %s, which is missing or unreadable",
				h, hexid(ev->deps[i], dh));
			return;
		}
		if (dep.lamport > top)
			top = dep.lamport;
		if (dep.time_ms > floor)
			floor = dep.time_ms;
	}
	if (ev->lamport != top + 1)
		problem(vf, "event %s: lamport %llu, but the events it follows reach %llu",
			h, (unsigned long long)ev->lamport,
			(unsigned long long)top);
	if (ev->time_ms < floor)
		problem(vf, "event %s: time %llu is before the time %llu of an event it follows",
			h, (unsigned long long)ev->time_ms,
			(unsigned long long)floor);
}

/* A summary row whose author has no feed. */
static int
check_summary_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	uint8_t fk[STORE_FEED_KEY_BYTES];
	char a[2 * EVENT_ID_BYTES + 1];
	MDB_val key = { sizeof(fk), fk }, val;
	(void)v;
	if (k->mv_size != EVENT_KEY_BYTES) {
		problem(vf, "summary: a key of the wrong size");
		return 0;
	}
	store_feed_key(fk, k->mv_data, 1);
	if (mdb_get(vf->txn, vf->s->feed, &key, &val) != 0)
		problem(vf, "summary of author %s: the author has no feed",
			hexid(k->mv_data, a));
	return 0;
}

/* Where check_feed_row() is in the feed table: the author it is in and
 * the last row it read of it. */
struct feed_walk {
	struct verifier *vf;
	int have;
	uint8_t author[EVENT_KEY_BYTES], last_id[EVENT_ID_BYTES];
	uint64_t last_seq, last_lamport, last_time;
};

static int
check_feed_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct feed_walk *f = ctx;
	struct verifier *vf = f->vf;
	const uint8_t *kp = k->mv_data;
	char h[2 * EVENT_ID_BYTES + 1], a[2 * EVENT_ID_BYTES + 1];
	if (k->mv_size != STORE_FEED_KEY_BYTES || !store_feed_val_ok(v)) {
		problem(vf, "feed: a row of the wrong size");
		return 0;
	}
	uint64_t seq = store_get_be64(kp + EVENT_KEY_BYTES);
	if (!f->have || memcmp(f->author, kp, EVENT_KEY_BYTES) != 0) {
		if (f->have)
			check_feed_end(vf, f->author, f->last_seq, f->last_id,
				       f->last_lamport, f->last_time);
		memcpy(f->author, kp, EVENT_KEY_BYTES);
		f->have = 1;
		f->last_seq = 0;
		f->last_lamport = 0;
		f->last_time = 0;
	}
	hexid(f->author, a);
	hexid(v->mv_data, h);
	if (seq != f->last_seq + 1)
		problem(vf, "feed of author %s: seq %llu follows seq %llu", a,
			(unsigned long long)seq,
			(unsigned long long)f->last_seq);
	struct envelope env;
	struct event ev;
	/* The row's arrival number (a row from before schema 6 has the id
	 * alone) must name the log row that holds the id's event: each log
	 * row's id was checked against its bytes and the id index
	 * (check_event).  A feed is served through it. */
	const uint8_t *row = (const uint8_t *)v->mv_data + EVENT_ID_BYTES;
	MDB_val at = { 0, NULL }, e;
	int rc = 0;
	if (v->mv_size != STORE_FEED_VAL_BYTES ||
	    !store_txn_row_holds(vf->s, vf->txn, row, v->mv_data, &e, &env)) {
		if (v->mv_size == STORE_FEED_VAL_BYTES) {
			store_id_get(vf->s, vf->txn, v->mv_data, &at);
			problem(vf, "feed of author %s: the row of event %s names log row %llu, the id index row %llu",
				a, h, (unsigned long long)store_get_be64(row),
				at.mv_size == 8 ? (unsigned long long)store_get_be64(at.mv_data) : 0ULL);
		}
		/* Read by id, as a peer would be served it. */
		rc = store_txn_envelope(vf->s, vf->txn, v->mv_data, &e);
	}
	if (rc == 0)
		rc = store_decode_stored(&e, &env, &ev);
	if (rc) {
		problem(vf, "feed of author %s: seq %llu names event %s, which is missing or unreadable",
			a, (unsigned long long)seq, h);
	} else {
		if (memcmp(ev.author, f->author, EVENT_KEY_BYTES) != 0 ||
		    ev.seq != seq)
			problem(vf, "feed of author %s: seq %llu names event %s of another author or seq",
				a, (unsigned long long)seq, h);
		if (seq > 1 && seq == f->last_seq + 1 &&
		    (!ev.has_prev ||
		     memcmp(ev.prev, f->last_id, EVENT_ID_BYTES) != 0))
			problem(vf, "event %s: prev does not name seq %llu of its author",
				h, (unsigned long long)f->last_seq);
		check_clocks(vf, &ev, h, seq > 1 ? f->last_lamport : 0,
			     seq > 1 ? f->last_time : 0);
		f->last_lamport = ev.lamport;
		f->last_time = ev.time_ms;
	}
	f->last_seq = seq;
	memcpy(f->last_id, v->mv_data, EVENT_ID_BYTES);
	return 0;
}

static int
check_feeds(struct verifier *vf)
{
	struct feed_walk f = { .vf = vf };
	int rc = store_scan(vf->txn, vf->s->feed, NULL, 0, check_feed_row, &f);
	if (rc)
		return rc;
	if (f.have)
		check_feed_end(vf, f.author, f.last_seq, f.last_id,
			       f.last_lamport, f.last_time);
	/* Summary rows whose author has no feed. */
	return store_scan(vf->txn, vf->s->summary, NULL, 0, check_summary_row,
			  vf);
}

/* A case index row that names no event. */
static int
check_case_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	char h[2 * EVENT_ID_BYTES + 1];
	if (k->mv_size < 1 + 8 + EVENT_ID_BYTES) {
		problem(vf, "case index: a row too short to name an event");
		return 0;
	}
	MDB_val idk = { EVENT_ID_BYTES,
			(uint8_t *)k->mv_data + k->mv_size - EVENT_ID_BYTES },
		at;
	if (store_id_get(vf->s, vf->txn, idk.mv_data, &at) != 0) {
		problem(vf, "case index: names event %s, which is missing",
			hexid(idk.mv_data, h));
		return 0;
	}
	/* Where the row says the event is, the id index must agree (an
	 * empty value, from before schema 5, says nothing). */
	if (v->mv_size != 0 &&
	    (v->mv_size != 8 || memcmp(v->mv_data, at.mv_data, 8) != 0))
		problem(vf, "case index: the row of event %s names log row %llu, the id index row %llu",
			hexid(idk.mv_data, h),
			v->mv_size == 8 ? (unsigned long long)store_get_be64(v->mv_data) : 0ULL,
			(unsigned long long)store_get_be64(at.mv_data));
	return 0;
}

/* A fork record that names no event, or another author's. */
static int
check_fork_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	struct envelope env;
	struct event ev;
	const uint8_t *kp = k->mv_data;
	char h[2 * EVENT_ID_BYTES + 1];
	(void)v;
	if (k->mv_size != STORE_VERSION_KEY_BYTES) {
		problem(vf, "forks: a row of the wrong size");
		return 0;
	}
	hexid(kp + STORE_FEED_KEY_BYTES, h);
	if (store_txn_event(vf->s, vf->txn, kp + STORE_FEED_KEY_BYTES, &env,
			    &ev) != 0)
		problem(vf, "fork record: names event %s, which is missing", h);
	else if (memcmp(ev.author, kp, EVENT_KEY_BYTES) != 0 ||
		 ev.seq != store_get_be64(kp + EVENT_KEY_BYTES))
		problem(vf, "fork record: event %s has another author or seq",
			h);
	return 0;
}

/*
 * A head of a case: a stored event of that case, with its clocks (a
 * local append takes its lamport and time from these rows).
 */
static int
check_heads_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	struct envelope env;
	struct event ev;
	const uint8_t *kp = k->mv_data;
	char h[2 * EVENT_ID_BYTES + 1];
	if (k->mv_size < 2 + EVENT_ID_BYTES ||
	    kp[k->mv_size - EVENT_ID_BYTES - 1] != 0 ||
	    v->mv_size != STORE_HEADS_VAL_BYTES) {
		problem(vf, "heads: a row of the wrong size");
		return 0;
	}
	int n = (int)(k->mv_size - EVENT_ID_BYTES - 1);
	const uint8_t *id = kp + n + 1;
	hexid(id, h);
	if (store_txn_event(vf->s, vf->txn, id, &env, &ev) != 0) {
		problem(vf, "heads of case '%.*s': names event %s, which is missing",
			n, (const char *)kp, h);
		return 0;
	}
	if (ev.case_len != (size_t)n || memcmp(ev.case_id, kp, (size_t)n) != 0)
		problem(vf, "heads of case '%.*s': event %s is of case '%.*s'",
			n, (const char *)kp, h, (int)ev.case_len, ev.case_id);
	uint64_t lamport = store_get_be64(v->mv_data),
		 time_ms = store_get_be64((const uint8_t *)v->mv_data + 8);
	if (lamport != ev.lamport || time_ms != ev.time_ms)
		problem(vf, "heads of case '%.*s': the row of event %s says lamport %llu and time %llu, the event has %llu and %llu",
			n, (const char *)kp, h, (unsigned long long)lamport,
			(unsigned long long)time_ms,
			(unsigned long long)ev.lamport,
			(unsigned long long)ev.time_ms);
	return 0;
}

/* A waiting event: it opens, under its own id. */
static int
check_pending_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	char h[2 * EVENT_ID_BYTES + 1];
	struct envelope env;
	struct event ev;
	struct diag why;
	size_t used;
	if (k->mv_size != STORE_VERSION_KEY_BYTES) {
		problem(vf, "pending: a row of the wrong size");
		return 0;
	}
	const uint8_t *id = (const uint8_t *)k->mv_data + STORE_FEED_KEY_BYTES;
	hexid(id, h);
	int orc = seal_open(v->mv_data, v->mv_size, vf->s->network, &env, &ev,
			    &used, &why);
	if (orc)
		problem(vf, "waiting event %s: %s: %s", h, err_str(orc),
			why.text);
	else if (memcmp(env.id, id, EVENT_ID_BYTES) != 0)
		problem(vf, "waiting event %s: stored under another id", h);
	return 0;
}

static int
check_rows(struct verifier *vf)
{
	struct store *s = vf->s;
	int rc;
	if ((rc = store_scan(vf->txn, s->bycase, NULL, 0, check_case_row,
			     vf)) ||
	    (rc = store_scan(vf->txn, s->forks, NULL, 0, check_fork_row, vf)) ||
	    (rc = store_scan(vf->txn, s->heads, NULL, 0, check_heads_row, vf)))
		return rc;
	return store_scan(vf->txn, s->pending, NULL, 0, check_pending_row, vf);
}

/* ---- case views against a fresh fold ---- */

struct view_check {
	struct verifier *vf;
	struct store_batch *b;
	struct buf state, history, keys;
};

/* 1 if the row exists (an LMDB failure counts as absent: it is named). */
static int
has_row(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kn, MDB_val *v)
{
	MDB_val key = { kn, (void *)k }, val;
	int rc = mdb_get(txn, dbi, &key, v ? v : &val);
	return rc == 0;
}

static int
same_bytes(const MDB_val *v, const struct buf *b)
{
	return v->mv_size == b->len &&
	       (b->len == 0 || memcmp(v->mv_data, b->data, b->len) == 0);
}

static int
check_case_view(const char *case_id, void *ctx)
{
	struct view_check *c = ctx;
	struct verifier *vf = c->vf;
	struct store *s = vf->s;
	char h[2 * EVENT_ID_BYTES + 1];
	uint8_t row[1 + 255 + EVENT_CASE_MAX];
	struct diag why;
	MDB_val v;
	size_t cn = strlen(case_id);

	buf_reset(&c->state);
	buf_reset(&c->history);
	buf_reset(&c->keys);
	c->b->failed = 0;
	int rc = s->fold(s->fold_ctx, c->b, case_id, &c->state, &c->history,
			 &c->keys, &why);
	if (rc == ERR_BADID) {
		problem(vf, "case '%s': event %s does not match its id, so its "
			    "view cannot be checked",
			case_id, hexid(c->b->bad_id, h));
		return 0;
	}
	if (rc == ERR_NOTFOUND) {
		/* No view is due (only fork versions or evidence). */
		if (has_row(vf->txn, s->views, case_id, cn, &v) ||
		    has_row(vf->txn, s->vhist, case_id, cn, &v))
			problem(vf, "case '%s': has a view, but none of its events counts (run 'gridcase reindex')",
				case_id);
		return 0;
	}
	if (rc) {
		problem(vf, "case '%s': its events cannot be folded: %s: %s",
			case_id, err_str(rc), why.text);
		return 0;
	}
	if (!has_row(vf->txn, s->views, case_id, cn, &v))
		problem(vf, "case '%s': has events but no view (run 'gridcase reindex')",
			case_id);
	else if (!same_bytes(&v, &c->state))
		problem(vf, "case '%s': its view differs from a fresh fold of its "
			    "events (run 'gridcase reindex')",
			case_id);
	/* Its history: the part of the view kept apart, or none. */
	if (has_row(vf->txn, s->vhist, case_id, cn, &v)
		    ? !same_bytes(&v, &c->history)
		    : c->history.len != 0)
		problem(vf, "case '%s': its history differs from a fresh fold "
			    "of its events (run 'gridcase reindex')",
			case_id);
	if (!has_row(vf->txn, s->vkeys, case_id, cn, &v) ||
	    !same_bytes(&v, &c->keys))
		problem(vf, "case '%s': its index keys differ from a fresh fold of "
			    "its events (run 'gridcase reindex')",
			case_id);
	for (size_t at = 0; at < c->keys.len;) {
		size_t kn = c->keys.data[at];
		if (at + 1 + kn > c->keys.len)
			break;
		row[0] = (uint8_t)kn;
		memcpy(row + 1, c->keys.data + at + 1, kn);
		memcpy(row + 1 + kn, case_id, cn);
		if (!has_row(vf->txn, s->vindex, row, 1 + kn + cn, NULL)) {
			problem(vf, "case '%s': an index row of its view is missing "
				    "(run 'gridcase reindex')",
				case_id);
			break;
		}
		at += 1 + kn;
	}
	return 0;
}

/* 1 if case (k) has a row in bycase. */
static int
case_has_events(struct verifier *vf, const MDB_val *k)
{
	uint8_t kb[EVENT_CASE_MAX + 1];
	MDB_cursor *c;
	MDB_val key = { k->mv_size + 1, kb }, val;
	int found = 0;
	if (k->mv_size == 0 || k->mv_size > EVENT_CASE_MAX)
		return 0;
	memcpy(kb, k->mv_data, k->mv_size);
	kb[k->mv_size] = 0;
	if (mdb_cursor_open(vf->txn, vf->s->bycase, &c) != 0)
		return 0;
	if (mdb_cursor_get(c, &key, &val, MDB_SET_RANGE) == 0)
		found = key.mv_size > k->mv_size &&
			memcmp(key.mv_data, kb, k->mv_size + 1) == 0;
	mdb_cursor_close(c);
	return found;
}

/* 1 if the vkeys row of the case names the key. */
static int
view_names_key(struct verifier *vf, const uint8_t *case_id, size_t cn,
	       const uint8_t *key, size_t kn)
{
	MDB_val v;
	if (!has_row(vf->txn, vf->s->vkeys, case_id, cn, &v))
		return 0;
	const uint8_t *p = v.mv_data;
	for (size_t at = 0; at < v.mv_size;) {
		size_t n = p[at];
		if (at + 1 + n > v.mv_size)
			return 0;
		if (n == kn && memcmp(p + at + 1, key, kn) == 0)
			return 1;
		at += 1 + n;
	}
	return 0;
}

/*
 * Every case's view, index keys and index rows equal what the fold makes
 * of its events now (the fold reads the events through a batch on this
 * read transaction, each checked against its id); no view or index row
 * belongs to a case without events.
 */
/* A view with no events under its case. */
static int
check_view_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	(void)v;
	if (!case_has_events(vf, k))
		problem(vf, "view of case '%.*s': the case has no events",
			(int)k->mv_size, (const char *)k->mv_data);
	return 0;
}

/* A case-index row that its case's view does not name. */
static int
check_index_row(const MDB_val *k, const MDB_val *v, void *ctx)
{
	struct verifier *vf = ctx;
	const uint8_t *kp = k->mv_data;
	size_t kn = k->mv_size ? kp[0] : 0;
	(void)v;
	if (k->mv_size < 2 + kn) {
		problem(vf, "case index: a row too short to name a case");
		return 0;
	}
	if (!view_names_key(vf, kp + 1 + kn, k->mv_size - 1 - kn, kp + 1, kn))
		problem(vf, "case index: a row of case '%.*s' that its view "
			    "does not name (run 'gridcase reindex')",
			(int)(k->mv_size - 1 - kn), (const char *)kp + 1 + kn);
	return 0;
}

static int
check_views(struct verifier *vf)
{
	struct store *s = vf->s;
	struct store_batch rb;
	struct view_check c = { vf, &rb, BUF_INIT, BUF_INIT, BUF_INIT };
	int rc;

	memset(&rb, 0, sizeof(rb));
	rb.s = s;
	rb.txn = vf->txn;
	rb.check_ids = 1;
	rc = store_walk_case_prefixes(vf->txn, s->bycase, check_case_view, &c);
	buf_release(&c.state);
	buf_release(&c.history);
	buf_release(&c.keys);
	if (rc)
		return rc;

	if ((rc = store_scan(vf->txn, s->views, NULL, 0, check_view_row, vf)) ||
	    (rc = store_scan(vf->txn, s->vhist, NULL, 0, check_view_row, vf)))
		return rc;
	return store_scan(vf->txn, s->vindex, NULL, 0, check_index_row, vf);
}

int
store_verify(struct store *s, store_problem_fn fn, void *ctx,
	     uint64_t *problems)
{
	struct verifier vf = { s, NULL, fn, ctx, 0, 0, 0 };
	int rc = store_read_begin(s, &vf.txn);
	if (rc)
		return rc;
	if ((rc = check_events(&vf)) == 0 && (rc = check_feeds(&vf)) == 0 &&
	    (rc = check_rows(&vf)) == 0 && s->fold)
		rc = check_views(&vf);
	mdb_txn_abort(vf.txn);
	*problems = vf.problems;
	return rc;
}

/*
 * admit.c - batches, and admitting events into the log.
 *
 * Admission is shared by foreign events (store_batch_admit) and local ones
 * (append.c).  For one event, every check runs before the first write, so
 * a refused event leaves nothing in the batch.
 *
 * The rules (docs/format.md §5, docs/store.md "Admitting"): an event is
 * admitted only once its author's previous event and every event it
 * depends on are stored here, its lamport is exactly one above theirs,
 * its time is not before theirs, and its time is not too far ahead of
 * this node's clock.  Whatever it lacks, it waits for: in `pending`, with
 * a `waitdep` row per missing dependency and a `waittime` row when it is
 * early, so that whatever arrives later finds the events it lets in.
 * Every waiting event that may now pass is examined again through the
 * same checks, from a queue, never by recursion.
 */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "store/signer.h"
#include "common/banned.h"

int
store_batch_begin(struct store *s, struct store_batch **out)
{
	MDB_txn *txn;
	if (s->batch_open)
		return ERR_BUSY;
	if (s->flags & STORE_RDONLY)
		return ERR_PERM;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin write", NULL);
	struct store_batch *b = xcalloc(1, sizeof(*b));
	b->s = s;
	b->txn = txn;
	s->batch_open = 1;
	*out = b;
	return 0;
}

int
store_batch_is_failed(const struct store_batch *b)
{
	return b->failed;
}

struct signed_put {
	struct store_batch *b;
	struct diag *d;
};

/* Writes a signed envelope over its unsigned copy (signer.h). */
static int
put_signed(void *ctx, const uint8_t id[EVENT_ID_BYTES], const uint8_t *env,
	   size_t n)
{
	struct signed_put *sp = ctx;
	return store_batch_put_event(sp->b, id, env, n, NULL, sp->d);
}

static void
batch_free(struct store_batch *b)
{
	b->s->batch_open = 0;
	signer_free(b->signer);
	store_batch_touched_release(b);
	free(b->requeue);
	free(b);
}

static int promote_due(struct store_batch *b, struct admit_result *res,
		       struct diag *d);

int
store_batch_commit(struct store_batch *b, struct diag *d)
{
	struct admit_result res;
	int rc;
	if (b->failed) {
		mdb_txn_abort(b->txn);
		batch_free(b);
		return diag_set(d, ERR_IO,
				"the batch failed earlier and was rolled back");
	}
	/* Every event signed before the views read them; events whose time
	 * has come are let in by any commit, so that they never wait for
	 * a write of their own. */
	struct signed_put sp = { b, d };
	if ((b->signer && (rc = signer_each(b->signer, put_signed, &sp))) ||
	    (rc = promote_due(b, &res, d)) ||
	    (rc = store_batch_fold_touched(b, d)) ||
	    (rc = store_batch_ids_settle(b, d))) {
		mdb_txn_abort(b->txn);
		batch_free(b);
		return rc;
	}
	rc = mdb_txn_commit(b->txn);
	struct store *s = b->s;
	batch_free(b);
	if (rc)
		return store_err(s, rc, "cannot commit", d);
	if (s->committed)
		s->committed(s->committed_ctx);
	return 0;
}

void
store_batch_abort(struct store_batch *b)
{
	if (!b)
		return;
	mdb_txn_abort(b->txn);
	batch_free(b);
}

static int
put(struct store_batch *b, MDB_dbi dbi, const void *key, size_t kn,
    const void *val, size_t vn, struct diag *d)
{
	MDB_val k = { kn, (void *)key }, v = { vn, (void *)val };
	int rc = mdb_put(b->txn, dbi, &k, &v, 0);
	return rc ? store_batch_lmdb_err(b, rc, "cannot write", d) : 0;
}

static int
del(struct store_batch *b, MDB_dbi dbi, const void *key, size_t kn,
    struct diag *d)
{
	MDB_val k = { kn, (void *)key };
	int rc = mdb_del(b->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? store_batch_lmdb_err(b, rc, "cannot delete", d) : 0;
}

static int
exists(struct store_batch *b, MDB_dbi dbi, const void *key, size_t kn,
       MDB_val *v, struct diag *d)
{
	MDB_val k = { kn, (void *)key }, tmp;
	int rc = mdb_get(b->txn, dbi, &k, v ? v : &tmp);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot read", d);
	return 1;
}

/* 1 if the id is stored (its arrival number in *arrival, when that is
 * not NULL), 0 if not, or the batch's error. */
static int
id_stored(struct store_batch *b, const uint8_t *id, uint8_t *arrival,
	  struct diag *d)
{
	MDB_val at;
	int rc = store_id_get(b->s, b->txn, id, &at);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot read", d);
	if (arrival && at.mv_size == 8)
		memcpy(arrival, at.mv_data, 8);
	return 1;
}

/* 1 if some row's key starts with prefix. */
static int
has_prefix(struct store_batch *b, MDB_dbi dbi, const uint8_t *prefix,
	   size_t n, struct diag *d)
{
	MDB_cursor *c;
	MDB_val k = { n, (void *)prefix }, v;
	int rc = mdb_cursor_open(b->txn, dbi, &c);
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	int found = rc == 0 && k.mv_size >= n && memcmp(k.mv_data, prefix, n) == 0;
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot read", d);
	return found;
}

static char *
short_hex(const uint8_t *p, char out[17])
{
	hex_encode(p, 8, out);
	return out;
}

static int
is_global(const struct store *s, const char *case_id, size_t n)
{
	return s->global_case && strlen(s->global_case) == n &&
	       memcmp(s->global_case, case_id, n) == 0;
}

/* One more event of the global case, or one more fork: what every view
 * depends on moved (store_batch_global_gen). */
static int
bump_global_gen(struct store_batch *b, struct diag *d)
{
	MDB_val v;
	uint8_t be[8];
	uint64_t gen = 0;
	int rc = exists(b, b->s->meta, STORE_GLOBAL_GEN_KEY,
			strlen(STORE_GLOBAL_GEN_KEY), &v, d);
	if (rc < 0)
		return rc;
	if (rc == 1 && v.mv_size == 8)
		gen = store_get_be64(v.mv_data);
	store_put_be64(be, gen + 1);
	return put(b, b->s->meta, STORE_GLOBAL_GEN_KEY,
		   strlen(STORE_GLOBAL_GEN_KEY), be, sizeof(be), d);
}

/* ---- the queue of waiting events to examine again ---- */

static void
requeue(struct store_batch *b, const uint8_t *vk)
{
	for (size_t i = 0; i < b->nrequeue; i++)
		if (memcmp(b->requeue[i], vk, STORE_VERSION_KEY_BYTES) == 0)
			return;
	if (b->nrequeue == b->requeue_cap) {
		b->requeue_cap = b->requeue_cap ? 2 * b->requeue_cap : 16;
		b->requeue = xrealloc(b->requeue,
				      b->requeue_cap * sizeof(*b->requeue));
	}
	memcpy(b->requeue[b->nrequeue++], vk, STORE_VERSION_KEY_BYTES);
}

/* Queues the rows of dbi whose key is prefix || version key. */
static int
requeue_rows(struct store_batch *b, MDB_dbi dbi, const uint8_t *prefix,
	     size_t n, struct diag *d)
{
	MDB_cursor *c;
	MDB_val k = { n, (void *)prefix }, v;
	int rc = mdb_cursor_open(b->txn, dbi, &c);
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && k.mv_size >= n && memcmp(k.mv_data, prefix, n) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (dbi == b->s->pending &&
		    k.mv_size == STORE_VERSION_KEY_BYTES)
			requeue(b, k.mv_data);
		else if (k.mv_size == n + STORE_VERSION_KEY_BYTES)
			requeue(b, (const uint8_t *)k.mv_data + n);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot read waiting events",
					    d);
	return 0;
}

/* Event id is stored now: the events that waited for it may pass. */
static int
stored_now(struct store_batch *b, const uint8_t *id, struct diag *d)
{
	return requeue_rows(b, b->s->waitdep, id, EVENT_ID_BYTES, d);
}

/* ---- writing ---- */

/*
 * Records id as one stored version of a forked (author, seq).  The views
 * of every case the author touched from that seq on are folded again: a
 * fork changes which of the author's events count.
 */
static int
record_fork(struct store_batch *b, const uint8_t *author, uint64_t seq,
	    const uint8_t *id, struct diag *d)
{
	uint8_t k[STORE_VERSION_KEY_BYTES], fk[STORE_FEED_KEY_BYTES];
	MDB_cursor *c;
	MDB_val key, val;
	int rc;

	store_version_key(k, author, seq, id);
	rc = exists(b, b->s->forks, k, sizeof(k), NULL, d);
	if (rc)
		return rc < 0 ? rc : 0;
	/* The author's waiting events past the fork will never join its
	 * feed: examine them again (a waiting event may need one as
	 * evidence; the others are dropped). */
	if ((rc = put(b, b->s->forks, k, sizeof(k), "", 0, d)) ||
	    (rc = bump_global_gen(b, d)) ||
	    (rc = requeue_rows(b, b->s->pending, author, EVENT_KEY_BYTES, d)))
		return rc;
	store_feed_key(fk, author, seq);
	key.mv_size = sizeof(fk);
	key.mv_data = fk;
	if ((rc = mdb_cursor_open(b->txn, b->s->feed, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		struct envelope env;
		struct event ev;
		if (memcmp(key.mv_data, author, EVENT_KEY_BYTES) != 0)
			break;
		if (store_txn_event(b->s, b->txn, val.mv_data, &env, &ev) != 0)
			continue;
		store_batch_touch_case(b, ev.case_id, ev.case_len);
		/* An admin's fork changes the roster, and so every case. */
		if (is_global(b->s, ev.case_id, ev.case_len))
			b->refold_all = 1;
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot walk feed", d);
	return 0;
}

/*
 * Writes a new event and its case row (not the feed: callers do, with
 * the arrival number it puts in *arrival when that is not NULL).  Only
 * feed events make their blobs wanted: a fork proof or evidence is kept
 * for its signature, not its photos.
 */
static int
put_event(struct store_batch *b, const uint8_t *p, size_t n,
	  const struct envelope *env, const struct event *ev, int in_feed,
	  uint8_t arrival[8], struct diag *d)
{
	uint8_t k[STORE_BYCASE_KEY_MAX], at[8];
	size_t kn;
	int rc;

	if ((rc = store_batch_put_event(b, env->id, p, n, at, d)))
		return rc;
	if (arrival)
		memcpy(arrival, at, sizeof(at));
	for (size_t i = 0; in_feed && i < ev->nblobs; i++)
		if (!store_blob_is_here(b->s, ev->blobs[i]) &&
		    (rc = store_batch_local_put(b, STORE_WANTED_TABLE,
						ev->blobs[i], HASH_BYTES, d)))
			return rc;
	store_batch_touch_case(b, ev->case_id, ev->case_len);
	if (is_global(b->s, ev->case_id, ev->case_len)) {
		b->refold_all = 1;
		if ((rc = bump_global_gen(b, d)))
			return rc;
	}
	kn = store_bycase_key(k, ev->case_id, ev->case_len, ev->lamport,
			      env->id);
	if ((rc = put(b, b->s->bycase, k, kn, at, sizeof(at), d)))
		return rc;
	return stored_now(b, env->id, d);
}

/*
 * Moves the case's heads past the new event (see store.c: heads).  The
 * new event is a head: no stored event can list it in its deps, since an
 * event is stored only after all of its deps (docs/format.md §5a, rule 5).
 */
static int
update_heads(struct store_batch *b, const struct envelope *env,
	     const struct event *ev, struct diag *d)
{
	uint8_t k[STORE_HEADS_KEY_MAX];
	size_t kn;
	int rc;

	for (size_t i = 0; i < ev->ndeps; i++) {
		kn = store_heads_key(k, ev->case_id, ev->case_len, ev->deps[i]);
		if ((rc = del(b, b->s->heads, k, kn, d)))
			return rc;
	}
	uint8_t clocks[STORE_HEADS_VAL_BYTES];
	store_put_be64(clocks, ev->lamport);
	store_put_be64(clocks + 8, ev->time_ms);
	kn = store_heads_key(k, ev->case_id, ev->case_len, env->id);
	return put(b, b->s->heads, k, kn, clocks, sizeof(clocks), d);
}

int
store_batch_summary_read(struct store_batch *b, const uint8_t *author,
			 struct summary_entry *e, struct diag *d)
{
	MDB_val v;
	int rc = exists(b, b->s->summary, author, EVENT_KEY_BYTES, &v, d);
	memcpy(e->author, author, EVENT_KEY_BYTES);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		e->seq = e->lamport = e->time_ms = 0;
		memset(e->id, 0, EVENT_ID_BYTES);
		return 0;
	}
	if (store_summary_decode(v.mv_data, v.mv_size, e))
		return diag_set(d, ERR_CORRUPT, "summary row has %zu bytes",
				v.mv_size);
	return 0;
}

/* Appends a checked event to its author's feed and moves the summary. */
static int
extend_feed(struct store_batch *b, const uint8_t *p, size_t n,
	    const struct envelope *env, const struct event *ev,
	    struct diag *d)
{
	uint8_t fk[STORE_FEED_KEY_BYTES], sv[STORE_SUMMARY_VAL_BYTES];
	uint8_t fv[STORE_FEED_VAL_BYTES];
	struct summary_entry next;
	int rc;

	store_feed_key(fk, ev->author, ev->seq);
	memcpy(fv, env->id, EVENT_ID_BYTES);
	next.seq = ev->seq;
	memcpy(next.id, env->id, EVENT_ID_BYTES);
	next.lamport = ev->lamport;
	next.time_ms = ev->time_ms;
	store_summary_encode(&next, sv);
	if ((rc = put_event(b, p, n, env, ev, 1, fv + EVENT_ID_BYTES, d)) ||
	    (rc = put(b, b->s->feed, fk, sizeof(fk), fv, sizeof(fv), d)) ||
	    (rc = put(b, b->s->summary, ev->author, EVENT_KEY_BYTES, sv,
		      sizeof(sv), d)) ||
	    (rc = update_heads(b, env, ev, d)))
		return rc;
	/* The author's next event may be waiting for this one. */
	store_feed_key(fk, ev->author, ev->seq + 1);
	return requeue_rows(b, b->s->pending, fk, sizeof(fk), d);
}

/* ---- waiting ---- */

static int
count_rows(struct store_batch *b, MDB_dbi dbi, size_t *n, struct diag *d)
{
	MDB_stat st;
	int rc = mdb_stat(b->txn, dbi, &st);
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot stat", d);
	*n = st.ms_entries;
	return 0;
}

/* How many events of author wait, counting no further than limit. */
static int
count_author_waiting(struct store_batch *b, const uint8_t *author,
		     size_t limit, size_t *n, struct diag *d)
{
	MDB_cursor *c;
	MDB_val k = { EVENT_KEY_BYTES, (void *)author }, v;
	size_t count = 0;
	int rc = mdb_cursor_open(b->txn, b->s->pending, &c);
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && count < limit &&
	     memcmp(k.mv_data, author, EVENT_KEY_BYTES) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		count++;
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc,
					    "cannot count waiting events", d);
	*n = count;
	return 0;
}

/* The waitdep and waittime keys of a waiting event. */
static void
waitdep_key(uint8_t *k, const uint8_t *dep, const uint8_t *vk)
{
	memcpy(k, dep, EVENT_ID_BYTES);
	memcpy(k + EVENT_ID_BYTES, vk, STORE_VERSION_KEY_BYTES);
}

static void
waittime_key(uint8_t *k, uint64_t time_ms, const uint8_t *vk)
{
	store_put_be64(k, time_ms);
	memcpy(k + 8, vk, STORE_VERSION_KEY_BYTES);
}

/*
 * Stores the event aside until what it lacks arrives: its predecessor
 * (WAIT_PREV), the dependencies in missing (WAIT_DEPS), or this node's
 * clock reaching its time (WAIT_FUTURE).  One author may not hold more
 * than an eighth of the places, so that a key citing events that never
 * come cannot crowd out the others.
 */
static int
park(struct store_batch *b, const uint8_t *p, size_t n,
     const struct envelope *env, const struct event *ev, unsigned why,
     const uint8_t (*missing)[EVENT_ID_BYTES], size_t nmissing,
     struct admit_result *res, struct diag *d)
{
	struct store *s = b->s;
	uint8_t vk[STORE_VERSION_KEY_BYTES], wk[STORE_WAITDEP_KEY_BYTES];
	size_t waiting = 0, share = s->pending_max / 8 ? s->pending_max / 8 : 1;
	char h[17];
	int rc;

	if ((rc = count_rows(b, s->pending, &waiting, d)))
		return rc;
	if (waiting >= s->pending_max)
		return diag_set(d, ERR_FULL,
				"%zu events already wait here (the limit); it will be fetched again",
				waiting);
	if (waiting >= share) {
		size_t mine = 0;
		if ((rc = count_author_waiting(b, ev->author, share, &mine, d)))
			return rc;
		if (mine >= share)
			return diag_set(d, ERR_FULL,
					"author %s already has %zu events waiting (an author's limit); it will be fetched again",
					short_hex(ev->author, h), mine);
	}
	store_version_key(vk, ev->author, ev->seq, env->id);
	if ((rc = put(b, s->pending, vk, sizeof(vk), p, n, d)))
		return rc;
	for (size_t i = 0; i < nmissing; i++) {
		waitdep_key(wk, missing[i], vk);
		if ((rc = put(b, s->waitdep, wk, sizeof(wk), "", 0, d)))
			return rc;
	}
	if (why & WAIT_FUTURE) {
		uint8_t tk[STORE_WAITTIME_KEY_BYTES];
		waittime_key(tk, ev->time_ms, vk);
		if ((rc = put(b, s->waittime, tk, sizeof(tk), "", 0, d)))
			return rc;
	}
	res->status = ADMIT_PENDING;
	res->wait = why;
	res->nmissing = 0;
	for (size_t i = 0; i < nmissing && i < ADMIT_MISSING_MAX; i++)
		memcpy(res->missing[res->nmissing++], missing[i], EVENT_ID_BYTES);
	return 0;
}

/* Takes a waiting event out of the waiting tables (its rows of all). */
static int
unpark(struct store_batch *b, const uint8_t *vk, const struct event *ev,
       struct diag *d)
{
	uint8_t wk[STORE_WAITDEP_KEY_BYTES], tk[STORE_WAITTIME_KEY_BYTES];
	int rc;
	if ((rc = del(b, b->s->pending, vk, STORE_VERSION_KEY_BYTES, d)))
		return rc;
	for (size_t i = 0; i < ev->ndeps; i++) {
		waitdep_key(wk, ev->deps[i], vk);
		if ((rc = del(b, b->s->waitdep, wk, sizeof(wk), d)))
			return rc;
	}
	waittime_key(tk, ev->time_ms, vk);
	return del(b, b->s->waittime, tk, sizeof(tk), d);
}

/* ---- the rules ---- */

/* The dependencies not stored here, in deps order; the stored ones'
 * arrival numbers in at[], for check_clocks. */
static int
find_missing(struct store_batch *b, const struct event *ev,
	     uint8_t (*missing)[EVENT_ID_BYTES], size_t *n, uint8_t (*at)[8],
	     struct diag *d)
{
	*n = 0;
	for (size_t i = 0; i < ev->ndeps; i++) {
		int rc = id_stored(b, ev->deps[i], at[i], d);
		if (rc < 0)
			return rc;
		if (rc == 0)
			memcpy(missing[(*n)++], ev->deps[i], EVENT_ID_BYTES);
	}
	return 0;
}

/*
 * The clock rules, once prev and every dep are here: lamport exactly one
 * above the highest of theirs, time not before any of theirs.  So no
 * event can claim a counter that leaves no room after it, and time runs
 * forward along every causal path.  prev: the stored seq - 1 (NULL for
 * seq 1).
 */
static int
check_clocks(struct store_batch *b, const struct event *ev,
	     const struct summary_entry *prev, const uint8_t (*at)[8],
	     struct diag *d)
{
	uint64_t top = 0, floor = 0;
	const uint8_t *floor_of = NULL;
	char h1[17];
	if (prev) {
		top = prev->lamport;
		floor = prev->time_ms;
		floor_of = prev->id;
	}
	for (size_t i = 0; i < ev->ndeps; i++) {
		/* Its clocks alone, from the row find_missing found it in. */
		MDB_val v;
		struct envelope denv;
		uint64_t lamport, time_ms;
		if (!store_txn_row_holds(b->s, b->txn, at[i], ev->deps[i], &v,
					 &denv) ||
		    event_clocks_known(denv.event, denv.event_len, &lamport,
				       &time_ms))
			return diag_set(d, ERR_CORRUPT,
					"dependency %s cannot be read",
					short_hex(ev->deps[i], h1));
		if (lamport > top)
			top = lamport;
		if (time_ms > floor) {
			floor = time_ms;
			floor_of = ev->deps[i];
		}
	}
	if (ev->lamport != top + 1)
		return diag_set(d, ERR_CLOCK,
				"lamport %llu, but the events it follows reach %llu: it must be %llu",
				(unsigned long long)ev->lamport,
				(unsigned long long)top,
				(unsigned long long)(top + 1));
	if (ev->time_ms < floor)
		return diag_set(d, ERR_CLOCK,
				"time %llu is before the time %llu of %s, which it follows",
				(unsigned long long)ev->time_ms,
				(unsigned long long)floor,
				short_hex(floor_of, h1));
	return 0;
}

/*
 * The author's stored event at seq - 1 (ev->seq > 1, and the feed
 * reaches it): its id and clocks into *prev.  last is the summary, which
 * holds them already when seq - 1 is the author's latest.
 */
static int
feed_prev(struct store_batch *b, const struct event *ev,
	  const struct summary_entry *last, struct summary_entry *prev,
	  struct diag *d)
{
	uint8_t fk[STORE_FEED_KEY_BYTES];
	struct envelope penv;
	struct event pev;
	MDB_val v;
	int rc;
	if (ev->seq - 1 == last->seq) {
		*prev = *last;
		return 0;
	}
	store_feed_key(fk, ev->author, ev->seq - 1);
	rc = exists(b, b->s->feed, fk, sizeof(fk), &v, d);
	if (rc < 0)
		return rc;
	if (rc == 0 || !store_feed_val_ok(&v))
		return diag_set(d, ERR_CORRUPT, "a feed has a gap below its summary");
	memcpy(prev->id, v.mv_data, EVENT_ID_BYTES);
	prev->seq = ev->seq - 1;
	if ((rc = store_txn_event(b->s, b->txn, prev->id, &penv, &pev)))
		return diag_set(d, ERR_CORRUPT, "a feed event cannot be read");
	prev->lamport = pev.lamport;
	prev->time_ms = pev.time_ms;
	return 0;
}

/* Checks that ev follows the author's stored seq-1 event. */
static int
check_prev(const struct event *ev, const struct summary_entry *prev,
	   struct diag *d)
{
	char h1[17], h2[17];
	if (ev->seq == 1 || memcmp(ev->prev, prev->id, EVENT_ID_BYTES) == 0)
		return 0;
	return diag_set(d, ERR_CHAIN,
			"seq %llu names prev %s but this store's seq %llu is %s",
			(unsigned long long)ev->seq, short_hex(ev->prev, h1),
			(unsigned long long)prev->seq, short_hex(prev->id, h2));
}

/* How many versions of (author, seq) the fork records hold. */
static int
fork_versions(struct store_batch *b, const uint8_t *author, uint64_t seq,
	      size_t *n, struct diag *d)
{
	uint8_t fk[STORE_FEED_KEY_BYTES];
	MDB_cursor *c;
	MDB_val k = { sizeof(fk), fk }, v;
	size_t count = 0;
	int rc;
	store_feed_key(fk, author, seq);
	if ((rc = mdb_cursor_open(b->txn, b->s->forks, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	     rc == 0 && memcmp(k.mv_data, fk, sizeof(fk)) == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		count++;
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot read forks", d);
	*n = count;
	return 0;
}

/*
 * A version of (author, seq) other than the one in the feed, which passed
 * every rule the feed's version did (so a fork is recorded whichever of
 * the two came first).  Two signed versions prove the fork; more are
 * kept only when a waiting event depends on one of them (so that an
 * honest event that saw it is never stuck), so any number of versions
 * costs a bounded amount here.
 */
static int
admit_fork_version(struct store_batch *b, const uint8_t *p, size_t n,
		   const struct envelope *env, const struct event *ev,
		   const uint8_t *in_feed, struct admit_result *res,
		   struct diag *d)
{
	char h1[17], h2[17], h3[17];
	size_t have = 0;
	int rc;
	if ((rc = fork_versions(b, ev->author, ev->seq, &have, d)))
		return rc;
	if (have >= STORE_FORK_PROOF_VERSIONS) {
		int needed = has_prefix(b, b->s->waitdep, env->id,
					EVENT_ID_BYTES, d);
		if (needed < 0)
			return needed;
		if (!needed) {
			res->status = ADMIT_SURPLUS;
			return 0;
		}
	}
	if ((rc = put_event(b, p, n, env, ev, 0, NULL, d)) ||
	    (rc = record_fork(b, ev->author, ev->seq, in_feed, d)) ||
	    (rc = record_fork(b, ev->author, ev->seq, env->id, d)))
		return rc;
	if (have == 0)
		log_warn("store", "fork: author %s signed %s and %s at seq %llu",
			 short_hex(ev->author, h1), short_hex(in_feed, h2),
			 short_hex(env->id, h3), (unsigned long long)ev->seq);
	res->status = ADMIT_FORK;
	return 0;
}

/*
 * The admission of one event whose signature is already checked (see
 * the head of this file).  local: the node's own new event, which never
 * waits (everything it depends on is here, and its time is the node's).
 */
static int
admit_one(struct store_batch *b, const uint8_t *p, size_t n,
	  const struct envelope *env, const struct event *ev, int local,
	  struct admit_result *res, struct diag *d)
{
	struct store *s = b->s;
	struct summary_entry last, prev;
	uint8_t fk[STORE_FEED_KEY_BYTES], vk[STORE_VERSION_KEY_BYTES];
	uint8_t missing[EVENT_MAX_DEPS][EVENT_ID_BYTES], dep_at[EVENT_MAX_DEPS][8];
	size_t nmissing = 0;
	MDB_val v;
	uint64_t forked_at;
	char h1[17];
	int rc;

	memset(res, 0, sizeof(*res));
	if (strlen(s->network) != ev->network_len ||
	    memcmp(s->network, ev->network, ev->network_len) != 0)
		return diag_set(d, ERR_NETWORK,
				"event is for network '%.*s', this store is '%s'",
				(int)ev->network_len, ev->network, s->network);
	if ((rc = store_txn_fork_seq(s, b->txn, ev->author, &forked_at)) ||
	    (rc = store_batch_summary_read(b, ev->author, &last, d)))
		return rc;
	/* An unforked author's event past the end of its feed is in no
	 * table of the log (docs/store.md, "Invariants"): a catch-up's
	 * events skip the id index, where each would miss in every level. */
	rc = forked_at || ev->seq <= last.seq ? id_stored(b, env->id, NULL, d)
					      : 0;
	if (rc < 0)
		return rc;
	store_version_key(vk, ev->author, ev->seq, env->id);
	if (rc == 0)
		rc = exists(b, s->pending, vk, sizeof(vk), NULL, d);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		res->status = ADMIT_DUPLICATE;
		return 0;
	}
	/* Before anything is written for it, even a waiting row: keys the
	 * node does not know at all are turned away (fetched again later,
	 * should the roster come to name them). */
	if (!local && s->filter &&
	    (rc = s->filter(s->filter_ctx, b, ev, ADMIT_STAGE_ARRIVE, d)))
		return rc;

	if (forked_at && ev->seq > forked_at) {
		/* Kept out of any feed if a waiting event depends on it: an
		 * honest author who saw it must not be stuck. */
		int needed = has_prefix(b, s->waitdep, env->id, EVENT_ID_BYTES, d);
		if (needed < 0)
			return needed;
		if (!needed)
			return diag_set(d, ERR_FORKED,
					"author %s forked at seq %llu; its later events are not admitted",
					short_hex(ev->author, h1),
					(unsigned long long)forked_at);
		if ((rc = put(b, s->evidence, vk, sizeof(vk), "", 0, d)) ||
		    (rc = put_event(b, p, n, env, ev, 0, NULL, d)))
			return rc;
		res->status = ADMIT_EVIDENCE;
		return 0;
	}

	if (ev->seq > last.seq + 1)
		return local ? diag_set(d, ERR_CORRUPT, "a local event skips a seq")
			     : park(b, p, n, env, ev, WAIT_PREV, NULL, 0, res, d);
	if (ev->seq > 1) {
		if ((rc = feed_prev(b, ev, &last, &prev, d)) ||
		    (rc = check_prev(ev, &prev, d)))
			return rc;
	}
	if ((rc = find_missing(b, ev, missing, &nmissing, dep_at, d)))
		return rc;
	if (nmissing)
		return local ? diag_set(d, ERR_CORRUPT,
					"a local event depends on an event not stored")
			     : park(b, p, n, env, ev, WAIT_DEPS,
				    (const uint8_t (*)[EVENT_ID_BYTES])missing,
				    nmissing, res, d);
	if ((rc = check_clocks(b, ev, ev->seq > 1 ? &prev : NULL,
			       (const uint8_t (*)[8])dep_at, d)))
		return rc;
	if (!local && ev->time_ms > clock_now_ms() + s->max_skew_ms)
		return park(b, p, n, env, ev, WAIT_FUTURE, NULL, 0, res, d);
	if (s->filter && (rc = s->filter(s->filter_ctx, b, ev,
					 ADMIT_STAGE_FINAL, d)))
		return rc;
	/* The feed holds another version of this seq: a fork, proven by
	 * the two signed events. */
	if (ev->seq <= last.seq) {
		store_feed_key(fk, ev->author, ev->seq);
		rc = exists(b, s->feed, fk, sizeof(fk), &v, d);
		if (rc <= 0)
			return rc < 0 ? rc : diag_set(d, ERR_CORRUPT,
						      "a feed has a gap below its summary");
		uint8_t other[EVENT_ID_BYTES];
		memcpy(other, v.mv_data, EVENT_ID_BYTES);
		return admit_fork_version(b, p, n, env, ev, other, res, d);
	}
	if ((rc = extend_feed(b, p, n, env, ev, d)))
		return rc;
	res->status = ADMIT_NEW;
	return 0;
}

/*
 * Examines the queued waiting events again, through admit_one, until no
 * more can pass.  A waiting event that now breaks a rule (another
 * version took its place in the feed, its clocks do not follow) is
 * dropped with a warning: it was never admitted, and a peer can send it
 * again.
 */
static int
promote(struct store_batch *b, struct admit_result *res, struct diag *d)
{
	struct buf bytes = BUF_INIT;
	int rc = 0;
	while (b->nrequeue && rc == 0) {
		uint8_t vk[STORE_VERSION_KEY_BYTES];
		struct envelope env;
		struct event ev;
		struct admit_result sub;
		struct diag why;
		MDB_val v;
		size_t used;

		memcpy(vk, b->requeue[--b->nrequeue], STORE_VERSION_KEY_BYTES);
		rc = exists(b, b->s->pending, vk, sizeof(vk), &v, d);
		if (rc <= 0)
			continue; /* examined already */
		rc = 0;
		buf_reset(&bytes);
		buf_add(&bytes, v.mv_data, v.mv_size);
		/* Verified before it was parked. */
		if (envelope_read(bytes.data, bytes.len, &env, &used, NULL) ||
		    event_decode_known(env.event, env.event_len, &ev)) {
			rc = del(b, b->s->pending, vk, sizeof(vk), d);
			continue;
		}
		if ((rc = unpark(b, vk, &ev, d)))
			break;
		int arc = admit_one(b, bytes.data, bytes.len, &env, &ev, 0,
				    &sub, &why);
		if (arc && b->failed) {
			rc = diag_set(d, arc, "%s", why.text);
			break;
		}
		if (arc) {
			char h[17];
			log_warn("store", "dropping waiting event %s: %s",
				 short_hex(env.id, h), why.text);
			continue;
		}
		if (sub.status == ADMIT_NEW)
			res->promoted++;
		else if (sub.status == ADMIT_FORK)
			res->forks++;
	}
	buf_release(&bytes);
	return rc;
}

/* Queues the early events whose time has come, and lets them in. */
static int
promote_due(struct store_batch *b, struct admit_result *res, struct diag *d)
{
	uint64_t until = clock_now_ms() + b->s->max_skew_ms;
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = mdb_cursor_open(b->txn, b->s->waittime, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	     rc == 0 && k.mv_size == STORE_WAITTIME_KEY_BYTES &&
	     store_get_be64(k.mv_data) <= until;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
		requeue(b, (const uint8_t *)k.mv_data + 8);
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot read waiting events",
					    d);
	return promote(b, res, d);
}

int
store_batch_promote_due(struct store_batch *b, struct admit_result *res,
			struct diag *d)
{
	if (b->failed)
		return diag_set(d, ERR_IO, "the batch has already failed");
	return promote_due(b, res, d);
}

int
store_promote_due(struct store *s, uint64_t *admitted, struct diag *d)
{
	uint64_t until = clock_now_ms() + s->max_skew_ms;
	struct store_batch *b;
	struct admit_result res;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, due;

	*admitted = 0;
	/* A read first: most seconds nothing is due, and no write is made. */
	if ((rc = store_read_begin(s, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, s->waittime, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", d);
	}
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	due = rc == 0 && k.mv_size == STORE_WAITTIME_KEY_BYTES &&
	      store_get_be64(k.mv_data) <= until;
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc, "cannot read waiting events", d);
	if (!due)
		return 0;
	if ((rc = store_batch_begin(s, &b)))
		return diag_set(d, rc, "cannot begin a write: %s", err_str(rc));
	if ((rc = promote_due(b, &res, d))) {
		store_batch_abort(b);
		return rc;
	}
	*admitted = res.promoted;
	return store_batch_commit(b, d);
}

const char *
store_admit_outcome(int rc, const struct admit_result *r)
{
	if (rc)
		return err_name(rc);
	switch (r->status) {
	case ADMIT_NEW: return "admitted";
	case ADMIT_DUPLICATE: return "duplicate";
	case ADMIT_FORK: return "fork";
	case ADMIT_EVIDENCE: return "evidence";
	case ADMIT_SURPLUS: return "surplus";
	case ADMIT_PENDING:
		return r->wait & WAIT_PREV ? "waits-prev"
		       : r->wait & WAIT_DEPS ? "waits-deps" : "waits-future";
	}
	return "?";
}

int
store_batch_admit(struct store_batch *b, const uint8_t *p, size_t n,
		  const struct envelope *env, const struct event *ev,
		  struct admit_result *res, struct diag *d)
{
	if (b->failed)
		return diag_set(d, ERR_IO, "the batch has already failed");
	int rc = admit_one(b, p, n, env, ev, 0, res, d);
	if (rc) {
		b->nrequeue = 0;
		return rc;
	}
	return promote(b, res, d);
}

void
store_set_admit_filter(struct store *s, store_admit_filter_fn fn, void *ctx)
{
	s->filter = fn;
	s->filter_ctx = ctx;
}

void
store_set_global_case(struct store *s, const char *case_id)
{
	s->global_case = case_id;
}

void
store_set_max_skew(struct store *s, uint64_t ms)
{
	s->max_skew_ms = ms;
}

int
store_batch_summary_get(struct store_batch *b,
			const uint8_t author[EVENT_KEY_BYTES],
			struct summary_entry *e)
{
	return store_batch_summary_read(b, author, e, NULL);
}

int
store_batch_admit_local(struct store_batch *b, const uint8_t *p, size_t n,
			const struct envelope *env, const struct event *ev,
			struct diag *d)
{
	struct admit_result res;
	int rc = admit_one(b, p, n, env, ev, 1, &res, d);
	if (rc == 0 && res.status != ADMIT_NEW)
		return diag_set(d, ERR_CORRUPT,
				"a new local event was not admitted as new");
	if (rc) {
		b->nrequeue = 0;
		return rc;
	}
	return promote(b, &res, d);
}

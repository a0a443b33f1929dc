/*
 * admit.c - batches, and admitting events into the log.
 *
 * Admission is shared by foreign events (store_batch_admit) and local ones
 * (append.c).  For one event, every check runs before the first write, so
 * a refused event leaves nothing in the batch.
 */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/log.h"
#include "common/xalloc.h"
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
	MDB_val k = { EVENT_ID_BYTES, (void *)id }, v = { n, (void *)env };
	int rc = mdb_put(sp->b->txn, sp->b->s->events, &k, &v, 0);
	return rc ? batch_lmdb_err(sp->b, rc, "cannot write a signed event", sp->d)
		  : 0;
}

static void
batch_free(struct store_batch *b)
{
	b->s->batch_open = 0;
	signer_free(b->signer);
	batch_touched_release(b);
	free(b);
}

int
store_batch_commit(struct store_batch *b, struct diag *d)
{
	int rc;
	if (b->failed) {
		mdb_txn_abort(b->txn);
		batch_free(b);
		return diag_set(d, ERR_IO,
				"the batch failed earlier and was rolled back");
	}
	/* Every event signed before the views read them. */
	struct signed_put sp = { b, d };
	if ((b->signer && (rc = signer_each(b->signer, put_signed, &sp))) ||
	    (rc = batch_fold_touched(b, d))) {
		mdb_txn_abort(b->txn);
		batch_free(b);
		return rc;
	}
	rc = mdb_txn_commit(b->txn);
	struct store *s = b->s;
	batch_free(b);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
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
	return rc ? batch_lmdb_err(b, rc, "cannot write", d) : 0;
}

static int
del(struct store_batch *b, MDB_dbi dbi, const void *key, size_t kn,
    struct diag *d)
{
	MDB_val k = { kn, (void *)key };
	int rc = mdb_del(b->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return 0;
	return rc ? batch_lmdb_err(b, rc, "cannot delete", d) : 0;
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
		return batch_lmdb_err(b, rc, "cannot read", d);
	return 1;
}

static char *
short_hex(const uint8_t *p, char out[17])
{
	hex_encode(p, 8, out);
	return out;
}

/*
 * Records id as one stored version of a forked (author, seq).  The views
 * of every case the author touched from that seq on are folded again: a
 * fork changes which of the author's events count.
 */
static int
record_fork(struct store_batch *b, const uint8_t *author, uint64_t seq,
	    const uint8_t *id, struct diag *d)
{
	uint8_t k[VERSION_KEY_BYTES], fk[FEED_KEY_BYTES];
	MDB_cursor *c;
	MDB_val key, val;
	int rc;

	version_key(k, author, seq, id);
	if ((rc = put(b, b->s->forks, k, sizeof(k), "", 0, d)))
		return rc;
	feed_key(fk, author, seq);
	key.mv_size = sizeof(fk);
	key.mv_data = fk;
	if ((rc = mdb_cursor_open(b->txn, b->s->feed, &c)))
		return batch_lmdb_err(b, rc, "cannot open cursor", d);
	for (rc = mdb_cursor_get(c, &key, &val, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT)) {
		struct envelope env;
		struct event ev;
		if (memcmp(key.mv_data, author, EVENT_KEY_BYTES) != 0)
			break;
		if (stored_event(b->s, b->txn, val.mv_data, &env, &ev) == 0)
			batch_touch_case(b, ev.case_id, ev.case_len);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return batch_lmdb_err(b, rc, "cannot walk feed", d);
	return 0;
}

/* Writes a new event and its case rows (not the feed: callers do). */
static int
put_event(struct store_batch *b, const uint8_t *p, size_t n,
	  const struct envelope *env, const struct event *ev,
	  struct diag *d)
{
	uint8_t k[BYCASE_KEY_MAX];
	size_t kn;
	int rc;

	if ((rc = put(b, b->s->events, env->id, EVENT_ID_BYTES, p, n, d)))
		return rc;
	/* The blobs it names that are not here: to fetch (store.h). */
	for (size_t i = 0; i < ev->nblobs; i++)
		if (!blob_is_here(b->s, ev->blobs[i]) &&
		    (rc = batch_local_put(b, WANTED_TABLE, ev->blobs[i], 32, d)))
			return rc;
	batch_touch_case(b, ev->case_id, ev->case_len);
	if (b->s->global_case && strlen(b->s->global_case) == ev->case_len &&
	    memcmp(b->s->global_case, ev->case_id, ev->case_len) == 0)
		b->refold_all = 1;
	kn = bycase_key(k, ev->case_id, ev->case_len, ev->lamport, env->id);
	return put(b, b->s->bycase, k, kn, "", 0, d);
}

/* Moves the case's heads past the new event (see store.c: heads). */
static int
update_heads(struct store_batch *b, const struct envelope *env,
	     const struct event *ev, struct diag *d)
{
	uint8_t k[HEADS_KEY_MAX];
	size_t kn;
	int rc;

	for (size_t i = 0; i < ev->ndeps; i++) {
		kn = heads_key(k, ev->case_id, ev->case_len, ev->deps[i]);
		if ((rc = del(b, b->s->heads, k, kn, d)))
			return rc;
		if ((rc = put(b, b->s->cited, ev->deps[i], EVENT_ID_BYTES, "",
			      0, d)))
			return rc;
	}
	rc = exists(b, b->s->cited, env->id, EVENT_ID_BYTES, NULL, d);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0; /* a stored event already depends on it */
	uint8_t clocks[HEADS_VAL_BYTES];
	put_be64(clocks, ev->lamport);
	put_be64(clocks + 8, ev->time_ms);
	kn = heads_key(k, ev->case_id, ev->case_len, env->id);
	return put(b, b->s->heads, k, kn, clocks, sizeof(clocks), d);
}

/*
 * Checks that ev may follow the author's stored seq-1 event: prev, and
 * clocks that never go back.
 */
static int
check_chain(struct store_batch *b, const struct event *ev,
	    const struct summary_entry *last, struct diag *d)
{
	char h1[17], h2[17];
	(void)b;
	if (ev->seq == 1)
		return 0;
	if (memcmp(ev->prev, last->id, EVENT_ID_BYTES) != 0)
		return diag_set(d, ERR_CHAIN,
				"seq %llu names prev %s but this store's seq %llu is %s",
				(unsigned long long)ev->seq,
				short_hex(ev->prev, h1),
				(unsigned long long)last->seq,
				short_hex(last->id, h2));
	if (ev->lamport <= last->lamport)
		return diag_set(d, ERR_CHAIN,
				"seq %llu has lamport %llu, not above its predecessor's %llu",
				(unsigned long long)ev->seq,
				(unsigned long long)ev->lamport,
				(unsigned long long)last->lamport);
	if (ev->time_ms < last->time_ms)
		return diag_set(d, ERR_CHAIN,
				"seq %llu has time %llu, before its predecessor's %llu",
				(unsigned long long)ev->seq,
				(unsigned long long)ev->time_ms,
				(unsigned long long)last->time_ms);
	return 0;
}

int
batch_summary_get(struct store_batch *b, const uint8_t *author,
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
	if (summary_decode(v.mv_data, v.mv_size, e))
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
	uint8_t fk[FEED_KEY_BYTES], sv[SUMMARY_VAL_BYTES];
	struct summary_entry next;
	int rc;

	feed_key(fk, ev->author, ev->seq);
	next.seq = ev->seq;
	memcpy(next.id, env->id, EVENT_ID_BYTES);
	next.lamport = ev->lamport;
	next.time_ms = ev->time_ms;
	summary_encode(&next, sv);
	if ((rc = put_event(b, p, n, env, ev, d)) ||
	    (rc = put(b, b->s->feed, fk, sizeof(fk), env->id, EVENT_ID_BYTES,
		      d)) ||
	    (rc = put(b, b->s->summary, ev->author, EVENT_KEY_BYTES, sv,
		      sizeof(sv), d)) ||
	    (rc = update_heads(b, env, ev, d)))
		return rc;
	return 0;
}

/*
 * A copy of one waiting event, taken out of the map before the pending
 * table is modified (LMDB data pointers do not survive writes).
 */
struct waiting {
	struct buf bytes;
	struct envelope env;
	struct event ev;
};

/*
 * Loads the waiting events of (author, seq) into w (at most max);
 * returns how many.
 */
static int
load_waiting(struct store_batch *b, const uint8_t *author, uint64_t seq,
	     struct waiting *w, int max, struct diag *d)
{
	uint8_t kb[VERSION_KEY_BYTES];
	MDB_cursor *c;
	MDB_val k, v;
	int n = 0, rc;

	memset(kb, 0, sizeof(kb));
	feed_key(kb, author, seq);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(b->txn, b->s->pending, &c)))
		return batch_lmdb_err(b, rc, "cannot open cursor", d);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && n < max &&
	       memcmp(k.mv_data, kb, FEED_KEY_BYTES) == 0) {
		size_t used;
		buf_init(&w[n].bytes);
		buf_add(&w[n].bytes, v.mv_data, v.mv_size);
		if (envelope_read(w[n].bytes.data, w[n].bytes.len, &w[n].env,
				  &used, NULL) == 0 &&
		    event_decode(w[n].env.event, w[n].env.event_len,
				 &w[n].ev, NULL) == 0)
			n++;
		else
			buf_release(&w[n].bytes);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND) {
		for (int i = 0; i < n; i++)
			buf_release(&w[i].bytes);
		return batch_lmdb_err(b, rc, "cannot read pending", d);
	}
	return n;
}

#define WAITING_MAX 8

/*
 * After seq `after` of author was admitted, lets in the waiting events
 * that now continue the chain, one seq at a time.  Versions at a seq that
 * do not continue it are forks of the one that did (both signed at the
 * same seq) and are kept as proof.
 */
static int
promote_waiting(struct store_batch *b, const uint8_t *author,
		struct admit_result *res, struct diag *d)
{
	struct waiting w[WAITING_MAX];
	struct summary_entry last;
	uint8_t k[VERSION_KEY_BYTES];
	int rc;

	for (;;) {
		if ((rc = batch_summary_get(b, author, &last, d)))
			return rc;
		int n = load_waiting(b, author, last.seq + 1, w, WAITING_MAX, d);
		if (n <= 0)
			return n;
		int admitted = -1;
		rc = 0;
		for (int i = 0; i < n && rc >= 0; i++) {
			version_key(k, author, w[i].ev.seq, w[i].env.id);
			if ((rc = del(b, b->s->pending, k, sizeof(k), d)))
				break;
			if (admitted < 0) {
				struct diag why;
				int crc = check_chain(b, &w[i].ev, &last, &why);
				if (crc == 0) {
					rc = extend_feed(b, w[i].bytes.data,
							 w[i].bytes.len,
							 &w[i].env, &w[i].ev, d);
					admitted = i;
					res->promoted++;
					continue;
				}
				if (crc != ERR_CHAIN) {
					rc = diag_set(d, crc, "%s", why.text);
					break;
				}
				char h[17];
				log_warn("store",
					 "dropping waiting event %s: %s",
					 short_hex(w[i].env.id, h), why.text);
			}
		}
		/* The versions that lost to the admitted one are forks. */
		for (int i = 0; i < n && rc == 0 && admitted >= 0; i++) {
			if (i == admitted)
				continue;
			if ((rc = put_event(b, w[i].bytes.data, w[i].bytes.len,
					    &w[i].env, &w[i].ev, d)) ||
			    (rc = record_fork(b, author, w[i].ev.seq,
					      w[i].env.id, d)) ||
			    (rc = record_fork(b, author, w[admitted].ev.seq,
					      w[admitted].env.id, d)))
				break;
			res->forks++;
		}
		for (int i = 0; i < n; i++)
			buf_release(&w[i].bytes);
		if (rc)
			return rc;
		if (admitted < 0)
			return 0;
	}
}

static int
count_rows(struct store_batch *b, MDB_dbi dbi, size_t *n, struct diag *d)
{
	MDB_stat st;
	int rc = mdb_stat(b->txn, dbi, &st);
	if (rc)
		return batch_lmdb_err(b, rc, "cannot stat", d);
	*n = st.ms_entries;
	return 0;
}

/* The admission of one event whose signature is already checked. */
static int
admit(struct store_batch *b, const uint8_t *p, size_t n,
      const struct envelope *env, const struct event *ev, int foreign,
      struct admit_result *res, struct diag *d)
{
	struct store *s = b->s;
	struct summary_entry last;
	uint8_t fk[FEED_KEY_BYTES], vk[VERSION_KEY_BYTES];
	MDB_val v;
	uint64_t forked_at;
	char h1[17], h2[17], h3[17];
	int rc;

	memset(res, 0, sizeof(*res));
	if (strlen(s->network) != ev->network_len ||
	    memcmp(s->network, ev->network, ev->network_len) != 0)
		return diag_set(d, ERR_NETWORK,
				"event is for network '%.*s', this store is '%s'",
				(int)ev->network_len, ev->network, s->network);
	rc = exists(b, s->events, env->id, EVENT_ID_BYTES, NULL, d);
	if (rc < 0)
		return rc;
	version_key(vk, ev->author, ev->seq, env->id);
	if (rc == 0)
		rc = exists(b, s->pending, vk, sizeof(vk), NULL, d);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		res->status = ADMIT_DUPLICATE;
		return 0;
	}
	if (foreign && s->filter && (rc = s->filter(s->filter_ctx, b, ev, d)))
		return rc;

	/* Another version at a stored (author, seq): a fork, proven by the
	 * two signed events, which are both kept. */
	feed_key(fk, ev->author, ev->seq);
	rc = exists(b, s->feed, fk, sizeof(fk), &v, d);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		uint8_t other[EVENT_ID_BYTES];
		memcpy(other, v.mv_data, EVENT_ID_BYTES);
		if ((rc = put_event(b, p, n, env, ev, d)) ||
		    (rc = record_fork(b, ev->author, ev->seq, other, d)) ||
		    (rc = record_fork(b, ev->author, ev->seq, env->id, d)))
			return rc;
		log_warn("store", "fork: author %s signed %s and %s at seq %llu",
			 short_hex(ev->author, h1), short_hex(other, h2),
			 short_hex(env->id, h3),
			 (unsigned long long)ev->seq);
		res->status = ADMIT_FORK;
		return 0;
	}

	if ((rc = fork_seq(s, b->txn, ev->author, &forked_at)))
		return rc;
	if (forked_at && ev->seq > forked_at)
		return diag_set(d, ERR_FORKED,
				"author %s forked at seq %llu; its later events are not admitted",
				short_hex(ev->author, h1),
				(unsigned long long)forked_at);

	if ((rc = batch_summary_get(b, ev->author, &last, d)))
		return rc;
	if (ev->seq > last.seq + 1) {
		size_t waiting = 0;
		if ((rc = count_rows(b, s->pending, &waiting, d)))
			return rc;
		if (waiting >= s->pending_max)
			return diag_set(d, ERR_FULL,
					"%zu events already wait for a predecessor (the limit)",
					waiting);
		if ((rc = put(b, s->pending, vk, sizeof(vk), p, n, d)))
			return rc;
		res->status = ADMIT_PENDING;
		return 0;
	}
	BUG_ON(ev->seq != last.seq + 1); /* seq <= last.seq is in feed */
	if ((rc = check_chain(b, ev, &last, d)))
		return rc;
	if ((rc = extend_feed(b, p, n, env, ev, d)))
		return rc;
	res->status = ADMIT_NEW;
	return promote_waiting(b, ev->author, res, d);
}

int
store_batch_admit(struct store_batch *b, const uint8_t *p, size_t n,
		  const struct envelope *env, const struct event *ev,
		  struct admit_result *res, struct diag *d)
{
	if (b->failed)
		return diag_set(d, ERR_IO, "the batch has already failed");
	return admit(b, p, n, env, ev, 1, res, d);
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

int
store_batch_summary_get(struct store_batch *b,
			const uint8_t author[EVENT_KEY_BYTES],
			struct summary_entry *e)
{
	return batch_summary_get(b, author, e, NULL);
}

int
batch_admit_local(struct store_batch *b, const uint8_t *p, size_t n,
			const struct envelope *env, const struct event *ev,
			struct diag *d)
{
	struct admit_result res;
	int rc = admit(b, p, n, env, ev, 0, &res, d);
	if (rc == 0 && res.status != ADMIT_NEW)
		return diag_set(d, ERR_CORRUPT,
				"a new local event was not admitted as new");
	return rc;
}

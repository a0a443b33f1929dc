/* read.c - queries and walks over the log, each in one read transaction. */
#include "store/internal.h"

#include <string.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "common/banned.h"

#define DIGEST_TAG "gridcase/log-digest/v1"

static uint64_t
entries(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn, dbi, &st) ? 0 : st.ms_entries;
}

int
walk_case_prefixes(MDB_txn *txn, MDB_dbi dbi, const char *skip,
		   store_case_fn fn, void *ctx, uint64_t *count)
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
		int skipped = skip && strcmp(name, skip) == 0;
		if (count && !skipped)
			(*count)++;
		if (fn && (stop = fn(name, ctx)) != 0)
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

static int
count_forks(MDB_txn *txn, MDB_dbi dbi, uint64_t *n)
{
	uint8_t last[FEED_KEY_BYTES];
	MDB_cursor *c;
	MDB_val k, v;
	int rc, have = 0;

	*n = 0;
	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (!have || memcmp(last, k.mv_data, FEED_KEY_BYTES) != 0)
			(*n)++;
		memcpy(last, k.mv_data, FEED_KEY_BYTES);
		have = 1;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc, "cannot walk", NULL);
}

int
store_stats(struct store *s, struct store_stats *st)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	memset(st, 0, sizeof(*st));
	st->events = entries(txn, s->events);
	st->authors = entries(txn, s->summary);
	st->pending = entries(txn, s->pending);
	if ((rc = count_forks(txn, s->forks, &st->forks)) == 0)
		rc = walk_case_prefixes(txn, s->bycase, s->global_case, NULL,
					NULL, &st->cases);
	mdb_txn_abort(txn);
	return rc;
}

int
store_event_get(struct store *s, const uint8_t id[EVENT_ID_BYTES],
		struct buf *out)
{
	MDB_txn *txn;
	MDB_val k = { EVENT_ID_BYTES, (void *)id }, v;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->events, &k, &v);
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
	MDB_cursor *c;
	MDB_val k, v;
	int rc, found = 0;

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
	if ((rc = mdb_cursor_open(txn, s->events, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	}
	k.mv_size = EVENT_ID_BYTES;
	k.mv_data = lo;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char h[2 * EVENT_ID_BYTES + 1];
		hex_encode(k.mv_data, EVENT_ID_BYTES, h);
		if (strncasecmp(h, hex_prefix, digits) != 0)
			break;
		if (found++)
			break;
		memcpy(id, k.mv_data, EVENT_ID_BYTES);
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
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

int
store_walk_author(struct store *s, const uint8_t author[EVENT_KEY_BYTES],
		  uint64_t from, store_event_fn fn, void *ctx)
{
	uint8_t kb[FEED_KEY_BYTES];
	struct buf scratch = BUF_INIT;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v, ev;
	int rc, stop = 0;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, s->feed, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	}
	feed_key(kb, author, from);
	k.mv_size = sizeof(kb);
	k.mv_data = kb;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (memcmp(k.mv_data, author, EVENT_KEY_BYTES) != 0)
			break;
		if ((rc = mdb_get(txn, s->events, &v, &ev)))
			break;
		if ((stop = emit(&ev, &scratch, fn, ctx)))
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	buf_release(&scratch);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
}

int
store_walk_case(struct store *s, const char *case_id, store_event_fn fn,
		void *ctx)
{
	uint8_t kb[EVENT_CASE_MAX + 1];
	size_t n = strlen(case_id);
	struct buf scratch = BUF_INIT;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v, ev;
	int rc, stop = 0;

	if (n == 0 || n > EVENT_CASE_MAX)
		return ERR_NOTFOUND;
	memcpy(kb, case_id, n);
	kb[n] = 0;
	if ((rc = store_read_begin(s, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, s->bycase, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	}
	k.mv_size = n + 1;
	k.mv_data = kb;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != n + 9 + EVENT_ID_BYTES ||
		    memcmp(k.mv_data, kb, n + 1) != 0)
			break;
		MDB_val idk = { EVENT_ID_BYTES,
				(uint8_t *)k.mv_data + n + 9 };
		if ((rc = mdb_get(txn, s->events, &idk, &ev)))
			break;
		if ((stop = emit(&ev, &scratch, fn, ctx)))
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	buf_release(&scratch);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
}

/* Walks a whole table and emits the envelope each row names or holds. */
static int
walk_table(struct store *s, MDB_txn *txn, MDB_dbi dbi, int value_is_id,
	   int skip_feed_members, store_event_fn fn, void *ctx)
{
	struct buf scratch = BUF_INIT;
	MDB_cursor *c;
	MDB_val k, v, ev;
	int rc, stop = 0;

	if ((rc = mdb_cursor_open(txn, dbi, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (value_is_id) {
			if ((rc = mdb_get(txn, s->events, &v, &ev)))
				break;
		} else if (skip_feed_members) {
			/* forks rows: author || seq || id; the version in the
			 * feed was already emitted with the feed. */
			MDB_val fk = { FEED_KEY_BYTES, k.mv_data }, fid;
			const uint8_t *id = (const uint8_t *)k.mv_data + FEED_KEY_BYTES;
			if (mdb_get(txn, s->feed, &fk, &fid) == 0 &&
			    memcmp(fid.mv_data, id, EVENT_ID_BYTES) == 0)
				continue;
			MDB_val idk = { EVENT_ID_BYTES, (void *)id };
			if ((rc = mdb_get(txn, s->events, &idk, &ev)))
				break;
		} else {
			ev = v;
		}
		if ((stop = emit(&ev, &scratch, fn, ctx)))
			break;
	}
	mdb_cursor_close(c);
	buf_release(&scratch);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
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

int
store_walk_summary(struct store *s, store_summary_fn fn, void *ctx)
{
	struct summary_entry e;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, stop = 0;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, s->summary, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		if (k.mv_size != EVENT_KEY_BYTES ||
		    summary_decode(v.mv_data, v.mv_size, &e)) {
			rc = ERR_CORRUPT;
			break;
		}
		memcpy(e.author, k.mv_data, EVENT_KEY_BYTES);
		if ((stop = fn(&e, ctx)))
			break;
	}
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (stop)
		return stop;
	if (rc == ERR_CORRUPT)
		return rc;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
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
	if (rc == 0 && summary_decode(v.mv_data, v.mv_size, e) == 0)
		memcpy(e->author, author, EVENT_KEY_BYTES);
	else if (rc == 0)
		rc = ERR_CORRUPT;
	mdb_txn_abort(txn);
	if (rc == ERR_CORRUPT)
		return rc;
	return rc ? store_lmdb_err(rc, "cannot read summary", NULL) : 0;
}

int
store_walk_forks(struct store *s, store_fork_fn fn, void *ctx)
{
	struct fork_entry e;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, stop = 0, have = 0;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	if ((rc = mdb_cursor_open(txn, s->forks, &c))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		uint64_t seq = get_be64(kp + EVENT_KEY_BYTES);
		if (have && (memcmp(e.author, kp, EVENT_KEY_BYTES) != 0 ||
			     e.seq != seq)) {
			if ((stop = fn(&e, ctx)))
				break;
			have = 0;
		}
		if (!have) {
			memcpy(e.author, kp, EVENT_KEY_BYTES);
			e.seq = seq;
			e.nids = 0;
			have = 1;
		}
		if (e.nids < sizeof(e.ids) / sizeof(e.ids[0]))
			memcpy(e.ids[e.nids++], kp + FEED_KEY_BYTES,
			       EVENT_ID_BYTES);
	}
	if (!stop && have && (rc == 0 || rc == MDB_NOTFOUND))
		stop = fn(&e, ctx);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
}

int
store_walk_cases(struct store *s, store_case_fn fn, void *ctx)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = walk_case_prefixes(txn, s->bycase, NULL, fn, ctx, NULL);
	mdb_txn_abort(txn);
	return rc;
}

int
store_digest(struct store *s, uint8_t out[32])
{
	struct hasher h;
	MDB_txn *txn;
	MDB_cursor *c = NULL, *fc = NULL;
	MDB_val k, v;
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t forked_at = 0;
	int rc, have_author = 0;

	if ((rc = store_read_begin(s, &txn)))
		return rc;
	hash_lib_init();
	hash_init(&h);
	hash_update(&h, DIGEST_TAG, strlen(DIGEST_TAG));
	if ((rc = mdb_cursor_open(txn, s->feed, &c)) ||
	    (rc = mdb_cursor_open(txn, s->forks, &fc))) {
		rc = store_lmdb_err(rc, "cannot open cursor", NULL);
		goto out;
	}
	/* Feed rows are (author, seq) -> id in the digest's own order.  For a
	 * forked author, the rows stop at the fork, where every stored
	 * version is hashed instead (they sort by id within the seq). */
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		const uint8_t *kp = k.mv_data;
		uint64_t seq = get_be64(kp + EVENT_KEY_BYTES);
		if (!have_author || memcmp(author, kp, EVENT_KEY_BYTES) != 0) {
			memcpy(author, kp, EVENT_KEY_BYTES);
			have_author = 1;
			if ((rc = fork_seq(s, txn, author, &forked_at)))
				goto out;
		}
		if (forked_at && seq > forked_at)
			continue;
		if (forked_at && seq == forked_at) {
			uint8_t fk[VERSION_KEY_BYTES];
			MDB_val fkey = { sizeof(fk), fk }, fv;
			version_key(fk, author, seq, (const uint8_t[EVENT_ID_BYTES]){ 0 });
			for (int frc = mdb_cursor_get(fc, &fkey, &fv, MDB_SET_RANGE);
			     frc == 0 && memcmp(fkey.mv_data, kp, FEED_KEY_BYTES) == 0;
			     frc = mdb_cursor_get(fc, &fkey, &fv, MDB_NEXT))
				hash_update(&h, fkey.mv_data, VERSION_KEY_BYTES);
			continue;
		}
		hash_update(&h, kp, FEED_KEY_BYTES);
		hash_update(&h, v.mv_data, EVENT_ID_BYTES);
	}
	if (rc == MDB_NOTFOUND)
		rc = 0;
	else if (rc)
		rc = store_lmdb_err(rc, "cannot walk feed", NULL);
	if (rc)
		goto out;
	/* Then every case view: case || 0x00 || BLAKE2b-256(state). */
	mdb_cursor_close(c);
	c = NULL;
	if ((rc = mdb_cursor_open(txn, s->views, &c))) {
		rc = store_lmdb_err(rc, "cannot open cursor", NULL);
		goto out;
	}
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t sh[32];
		hash_bytes(v.mv_data, v.mv_size, sh);
		hash_update(&h, k.mv_data, k.mv_size);
		hash_update(&h, "", 1);
		hash_update(&h, sh, sizeof(sh));
	}
	rc = rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc, "cannot walk views", NULL);
out:
	if (fc)
		mdb_cursor_close(fc);
	if (c)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (rc == 0)
		hash_final(&h, out);
	return rc;
}

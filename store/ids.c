/*
 * ids.c - the index from an event's id to its arrival number in `log`,
 * kept in three trees so that a commit does not rewrite pages all over it.
 *
 * An id is a hash: a tree keyed by ids takes each new row on a page of its
 * own, and LMDB copies every page a commit changes.  Once such a tree has
 * more pages than a commit has rows, a commit of n events rewrites nearly
 * n pages of it, and the bytes written per event grow with the log.  So
 * the index is kept in levels, each about an eighth of the next: a new
 * id goes to `newids` (a sixty-fourth of the index, at least 128 rows),
 * whose few pages a commit fills with its rows; a commit that takes
 * `newids` more than 64 rows over its size moves the excess into
 * `midids` (an eighth, at least 1,024), and likewise from `midids` into
 * `ids`, each as one run of consecutive ids, which lands on neighbouring
 * pages of the level below.  A commit of c events then rewrites the few
 * pages of `newids` and, below, the pages that one run of consecutive ids
 * covers, instead of up to c pages of one tree.  docs/store.md, "Why the
 * id index has three levels".
 *
 * Every id is in exactly one level; a lookup tries the newest first (the
 * events a node looks up while it admits are mostly recent).
 */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "common/banned.h"

#define LEVELS 3
/* Each level but the last keeps this share of the index ... */
#define LEVEL_SHARE 8
/* ... or this many rows, if more: newids, then midids ... */
static const uint64_t level_min[LEVELS - 1] = { 128, 1024 };
/* ... and is settled when this many rows over, so that commits of one
 * event move rows dozens at a time, not one by one, while a large commit
 * moves its own rows down each time (not a burst of them every few). */
#define LEVEL_SLACK 64

/* The levels, newest first. */
static void
levels(const struct store *s, MDB_dbi out[LEVELS])
{
	out[0] = s->newids;
	out[1] = s->midids;
	out[2] = s->ids;
}

/* Rows moved per pass of store_batch_ids_settle (its copy of them). */
#define SETTLE_CHUNK 1024

int
store_id_get(struct store *s, MDB_txn *txn, const void *id, MDB_val *at)
{
	MDB_val k = { EVENT_ID_BYTES, (void *)id };
	MDB_dbi lv[LEVELS];
	int rc = MDB_NOTFOUND;
	levels(s, lv);
	for (int i = 0; i < LEVELS && rc == MDB_NOTFOUND; i++)
		rc = mdb_get(txn, lv[i], &k, at);
	if (rc == 0 && at->mv_size != 8)
		return MDB_CORRUPTED;
	return rc;
}

static uint64_t
rows(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;
	return mdb_stat(txn, dbi, &st) ? 0 : st.ms_entries;
}

uint64_t
store_txn_id_count(struct store *s, MDB_txn *txn)
{
	MDB_dbi lv[LEVELS];
	uint64_t n = 0;
	levels(s, lv);
	for (int i = 0; i < LEVELS; i++)
		n += rows(txn, lv[i]);
	return n;
}

int
store_batch_id_put(struct store_batch *b, const uint8_t id[EVENT_ID_BYTES],
		   const uint8_t arrival[8], MDB_val *existing)
{
	MDB_val k = { EVENT_ID_BYTES, (void *)id };
	existing->mv_size = 8;
	existing->mv_data = (void *)arrival;
	/* On MDB_KEYEXIST, LMDB points *existing at the row already there. */
	int rc = mdb_put(b->txn, b->s->newids, &k, existing, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST && existing->mv_size != 8)
		return MDB_CORRUPTED;
	return rc;
}

int
store_id_scan(struct store *s, MDB_txn *txn, const void *from, store_scan_fn fn,
	      void *ctx)
{
	MDB_dbi lv[LEVELS];
	int rc = 0;
	levels(s, lv);
	for (int i = 0; i < LEVELS && rc == 0; i++)
		rc = store_scan(txn, lv[i], from, EVENT_ID_BYTES, fn, ctx);
	return rc;
}

/*
 * Copies up to want rows of a level, from the first at or after `from`
 * (wrapping past the last), into out[]: how many it copied in *got.
 */
static int
take_run(MDB_txn *txn, MDB_dbi level, const uint8_t *from, size_t want,
	 uint8_t (*out)[EVENT_ID_BYTES + 8], size_t *got)
{
	MDB_cursor *c;
	MDB_val k = { EVENT_ID_BYTES, (void *)from }, v;
	int rc = mdb_cursor_open(txn, level, &c), wrapped = 0;
	size_t n = 0;
	if (rc)
		return rc;
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (n < want) {
		if (rc == MDB_NOTFOUND && !wrapped) {
			wrapped = 1;
			rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
			continue;
		}
		if (rc)
			break;
		if (wrapped && memcmp(k.mv_data, from, EVENT_ID_BYTES) >= 0)
			break; /* all the way round */
		if (k.mv_size != EVENT_ID_BYTES || v.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(out[n], k.mv_data, EVENT_ID_BYTES);
		memcpy(out[n] + EVENT_ID_BYTES, v.mv_data, 8);
		n++;
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	*got = n;
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/*
 * Moves `excess` rows of the level `upper` to the level `lower`, in runs
 * of consecutive ids from the first at or after `from`, wrapping round.
 */
static int
move_run(MDB_txn *txn, MDB_dbi upper, MDB_dbi lower, const uint8_t *from,
	 uint64_t excess)
{
	uint8_t(*run)[EVENT_ID_BYTES + 8] =
		xmalloc(SETTLE_CHUNK * sizeof(*run));
	uint8_t at[EVENT_ID_BYTES];
	int rc = 0;
	memcpy(at, from, EVENT_ID_BYTES);
	while (excess && rc == 0) {
		size_t want = excess < SETTLE_CHUNK ? (size_t)excess
						    : SETTLE_CHUNK;
		size_t got = 0;
		if ((rc = take_run(txn, upper, at, want, run, &got)))
			break;
		for (size_t i = 0; i < got && rc == 0; i++) {
			MDB_val k = { EVENT_ID_BYTES, run[i] };
			MDB_val v = { 8, run[i] + EVENT_ID_BYTES };
			/* An id in two levels is a broken store: never hide it. */
			if ((rc = mdb_put(txn, lower, &k, &v,
					  MDB_NOOVERWRITE)) == 0)
				rc = mdb_del(txn, upper, &k, NULL);
		}
		if (got < want)
			break;
		excess -= got;
		memcpy(at, run[got - 1], EVENT_ID_BYTES);
		/* The next run starts just past the last id moved. */
		for (int i = EVENT_ID_BYTES - 1; i >= 0 && ++at[i] == 0; i--)
			;
	}
	free(run);
	return rc;
}

int
store_batch_ids_settle(struct store_batch *b, struct diag *d)
{
	MDB_dbi lv[LEVELS];
	uint64_t n[LEVELS], all = 0;
	int rc = 0;
	if (!b->have_settle_from)
		return 0; /* no new id: no level grew */
	levels(b->s, lv);
	for (int i = 0; i < LEVELS; i++)
		all += n[i] = rows(b->txn, lv[i]);
	/* Newest first, so that what it moves down is settled in turn. */
	for (int i = 0; i < LEVELS - 1 && rc == 0; i++) {
		uint64_t keep = all;
		for (int k = i; k < LEVELS - 1; k++)
			keep /= LEVEL_SHARE;
		if (keep < level_min[i])
			keep = level_min[i];
		if (n[i] <= keep + LEVEL_SLACK)
			continue;
		rc = move_run(b->txn, lv[i], lv[i + 1], b->settle_from,
			      n[i] - keep);
		n[i + 1] += n[i] - keep;
	}
	return rc ? store_batch_lmdb_err(b, rc, "cannot settle event ids", d)
		  : 0;
}

/*
 * internal.h - what the files of store/ share: the handle, the batch, the
 * database handles and the key encodings.  See store.c for the layout.
 */
#ifndef GRIDCASE_STORE_INTERNAL_H
#define GRIDCASE_STORE_INTERNAL_H

#include <lmdb.h>

#include "crypto/hash.h"
#include "store/store.h"

struct store {
	MDB_env *env;
	MDB_dbi meta, log, ids, midids, newids, feed, bycase, heads, summary, pending,
		waitdep, waittime, evidence, forks, views, vhist, vindex, vkeys,
		local;
	char *dir;
	char *network;
	store_fold_fn fold;
	void *fold_ctx;
	store_commit_fn committed;
	void *committed_ctx;
	store_admit_filter_fn filter;
	void *filter_ctx;
	const char *global_case;
	size_t pending_max;
	uint64_t max_skew_ms; /* how far ahead of our clock an event may be */
	int flags;
	int batch_open;
	store_progress_fn progress;
	void *progress_ctx;
};

/* Reports progress if a caller asked for it (store_set_progress). */
static inline void
store_progress(struct store *s, const char *what, uint64_t done, uint64_t total)
{
	if (s->progress)
		s->progress(s->progress_ctx, what, done, total);
}

struct store_batch {
	struct store *s;
	MDB_txn *txn;
	/* Set when LMDB failed inside the transaction: only abort is left. */
	int failed;
	/* Cases whose events changed in this batch: their views are folded
	 * again before the commit (view.c). */
	char **touched;
	size_t ntouched, touched_cap;
	/* Open-addressing index into touched (indices + 1; 0 empty), so
	 * that touching stays constant time in large batches. */
	size_t *touched_index;
	size_t index_cap;
	/* An event of the global case was stored: fold every case. */
	int refold_all;
	/* The arrival number the next new event takes in `log` (0: not
	 * read yet; store.c, store_batch_put_event). */
	uint64_t next_arrival;
	/* The first new id of the batch: where the runs of ids it moves a
	 * level down start (ids.c); have_settle_from once set. */
	uint8_t settle_from[EVENT_ID_BYTES];
	int have_settle_from;
	/* This batch's own events so far, and the signer that signs those
	 * past the first STORE_SIGN_INLINE (NULL until then). */
	size_t appended;
	struct signer *signer;
	/* Waiting events (version keys) to examine again (admit.c). */
	uint8_t (*requeue)[EVENT_KEY_BYTES + 8 + EVENT_ID_BYTES];
	size_t nrequeue, requeue_cap;
	/* Set: store_batch_walk_case() checks each event's id against its
	 * bytes and stops with ERR_BADID at the first that does not match,
	 * naming it in bad_id and bad_case (a refold and verify do this:
	 * bytes on disk may have changed since they were admitted). */
	int check_ids;
	uint8_t bad_id[EVENT_ID_BYTES];
	char bad_case[EVENT_CASE_MAX + 1];
};

/*
 * The envelope stored under an id: its arrival number from the id index,
 * then its row of `log`.  LMDB's codes (MDB_NOTFOUND when the id is not stored).
 */
int store_txn_envelope(struct store *s, MDB_txn *txn, const void *id,
		       MDB_val *env);

/*
 * Stores an envelope under its id: a new id is appended to `log` under the
 * next arrival number; an id this batch stored already has its row
 * rewritten (a signed envelope over its unsigned copy).  The caller has
 * checked that the id is not stored before the batch (admission's
 * duplicates).  Its arrival number into arrival (8 bytes, big-endian)
 * unless NULL.  0, or the batch's LMDB error.
 */
int store_batch_put_event(struct store_batch *b,
			  const uint8_t id[EVENT_ID_BYTES], const void *env,
			  size_t n, uint8_t arrival[8], struct diag *d);

/*
 * 1 if log row `at` holds the envelope of id (then its bytes in *env and
 * its fields, the event not decoded, in *e), 0 if it is missing or holds
 * another.
 */
int store_txn_row_holds(struct store *s, MDB_txn *txn, const uint8_t at[8],
			const uint8_t *id, MDB_val *env, struct envelope *e);

/*
 * The envelope a `bycase` row (k, v) names: through the arrival number in
 * its value, or, in a row written before schema 5 (an empty value),
 * through the id that ends its key; also through the id when the row the
 * number names holds another event (a failing disk's).  LMDB's codes.
 */
int store_txn_case_envelope(struct store *s, MDB_txn *txn, const MDB_val *k,
			    const MDB_val *v, MDB_val *env);

/*
 * A `feed` row's value: the event's id, then its arrival number (rows
 * written before schema 6 have the id alone).
 */
#define STORE_FEED_VAL_BYTES (EVENT_ID_BYTES + 8)

/* 1 if v is a `feed` row's value of either form. */
int store_feed_val_ok(const MDB_val *v);

/*
 * The envelope a `feed` row's value names: through its arrival number,
 * or, in a row written before schema 6 or when the row the number names
 * holds another event, through its id.  LMDB's codes.
 */
int store_txn_feed_envelope(struct store *s, MDB_txn *txn, const MDB_val *v,
			    MDB_val *env);

/* 1 if a store of this schema is upgraded to this one (3, 4 and 5). */
int store_schema_upgradable(const char *schema);

/*
 * Upgrades a store whose schema store_open() found (seen) to be
 * upgradable to this schema in place (upgrade.c); a no-op if another
 * process did it meanwhile.  ERR_VERSION, naming the schema seen, when it
 * may not write.
 */
int store_upgrade(MDB_env *env, const char *dir, const char *seen, int rdonly,
		  struct diag *d);

/* A row (with an empty value) in a local table, inside the batch. */
int store_batch_local_put(struct store_batch *b, const char *table,
			  const void *key, size_t kn, struct diag *d);

/* 1 if the blob's file is here. */
int store_blob_is_here(struct store *s, const uint8_t hash[HASH_BYTES]);

/* The local table of blobs that stored events name and that are not here. */
#define STORE_WANTED_TABLE "wanted"

/* Appends a batch signs itself before it hands signing to a thread. */
#define STORE_SIGN_INLINE 64

/* Notes that a case's view must be folded again before commit. */
void store_batch_touch_case(struct store_batch *b, const char *case_id,
			    size_t case_len);

/* Folds every touched case and writes views and index rows (view.c). */
int store_batch_fold_touched(struct store_batch *b, struct diag *d);

/*
 * Appends the whole view of the case keyed k, whose row (its `views`
 * value) is row: the row merged with its `vhist` row, or the row alone
 * when it has none.  ERR_CORRUPT if the two do not merge.
 */
int store_txn_view(struct store *s, MDB_txn *txn, const MDB_val *k,
		   const MDB_val *row, struct buf *out);

/* Frees the touched list. */
void store_batch_touched_release(struct store_batch *b);

/*
 * Calls fn with each distinct case id of a database keyed case || 0x00
 * || ... (bycase, heads), in order.  A non-zero return of fn stops the
 * walk and is returned.
 */
int store_walk_case_prefixes(MDB_txn *txn, MDB_dbi dbi, store_case_fn fn,
			     void *ctx);

/*
 * The cursor loop of store/, written once.  Calls fn for each row of dbi
 * in key order, from the first key >= from (from_n bytes; NULL: the first
 * row of the table).  fn returns 0 to go on, STORE_SCAN_END to end the
 * walk there without error, or anything else to stop the walk and have it
 * returned (a callback's stop value or an error code).  0 at the end of
 * the table or at STORE_SCAN_END; LMDB's errors as project codes.  The
 * rows are valid during the call only.
 */
#define STORE_SCAN_END (ERR_BASE_ - 1) /* no code nor stop value is this */
typedef int (*store_scan_fn)(const MDB_val *k, const MDB_val *v, void *ctx);
int store_scan(MDB_txn *txn, MDB_dbi dbi, const void *from, size_t from_n,
	       store_scan_fn fn, void *ctx);

/*
 * The id index (ids.c), in three levels: `newids` holds the newest ids,
 * `midids` older ones, `ids` the rest; every stored id is in exactly one.
 *
 * store_id_get: an id's arrival number (8 bytes) in *at; LMDB's codes
 * (MDB_NOTFOUND when the id is not stored).
 * store_txn_id_count: the rows of all three.
 * store_batch_id_put: a new id's row (arrival: 8 bytes, big-endian), in
 * `newids`; for an id this batch stored (its only other kind: the caller
 * has checked it is not stored), MDB_KEYEXIST with *existing its arrival
 * number.  LMDB's codes.
 * store_id_scan: store_scan over each level in turn, from `from`.
 * store_batch_ids_settle: before a commit that stored a new id, moves the
 * rows that take a level past its share of the index into the next, in
 * runs of consecutive ids from the first at or after the batch's first
 * new id (settle_from).
 */
int store_id_get(struct store *s, MDB_txn *txn, const void *id, MDB_val *at);
uint64_t store_txn_id_count(struct store *s, MDB_txn *txn);
int store_batch_id_put(struct store_batch *b, const uint8_t id[EVENT_ID_BYTES],
		       const uint8_t arrival[8], MDB_val *existing);
int store_id_scan(struct store *s, MDB_txn *txn, const void *from,
		  store_scan_fn fn, void *ctx);
int store_batch_ids_settle(struct store_batch *b, struct diag *d);

/* Big-endian u64, so that LMDB's bytewise key order is numeric order. */
void store_put_be64(uint8_t *p, uint64_t v);
uint64_t store_get_be64(const uint8_t *p);

/* Translates an LMDB return code (never 0) into ours, with detail. */
int store_lmdb_err(int rc, const char *what, struct diag *d);

/*
 * Like store_lmdb_err(), and when the map or the disk is full says which,
 * naming the store's file, the free space and (map) the map size.
 */
int store_err(struct store *s, int rc, const char *what, struct diag *d);

/* Translates and, for failures other than not-found, marks b failed. */
int store_batch_lmdb_err(struct store_batch *b, int rc, const char *what,
			 struct diag *d);

/* A read transaction; ERR_IO with detail on failure. */
int store_read_begin(struct store *s, MDB_txn **txn);

/* A `summary` value: seq || id || lamport || time (all BE). */
#define STORE_SUMMARY_VAL_BYTES (8 + EVENT_ID_BYTES + 8 + 8)
void store_summary_encode(const struct summary_entry *e, uint8_t *out);
/* ERR_CORRUPT if v is not a summary value. */
int store_summary_decode(const void *v, size_t n, struct summary_entry *e);

/* A `heads` value: lamport || time (BE) of the head event. */
#define STORE_HEADS_VAL_BYTES 16

/* Key of `feed` and `summary` rows: author || seq (BE). */
#define STORE_FEED_KEY_BYTES (EVENT_KEY_BYTES + 8)
void store_feed_key(uint8_t *k, const uint8_t *author, uint64_t seq);

/* Key of `bycase` rows: case || 0 || lamport (BE) || id. */
size_t store_bycase_key(uint8_t *k, const char *case_id, size_t case_len,
			uint64_t lamport, const uint8_t *id);
#define STORE_BYCASE_KEY_MAX (EVENT_CASE_MAX + 1 + 8 + EVENT_ID_BYTES)

/* Key of `heads` rows: case || 0 || id. */
size_t store_heads_key(uint8_t *k, const char *case_id, size_t case_len,
		       const uint8_t *id);
#define STORE_HEADS_KEY_MAX (EVENT_CASE_MAX + 1 + EVENT_ID_BYTES)

/* Key of `pending` and `forks` rows: author || seq (BE) || id. */
#define STORE_VERSION_KEY_BYTES (EVENT_KEY_BYTES + 8 + EVENT_ID_BYTES)
/* Key of `waitdep` rows: the missing dependency's id || version key. */
#define STORE_WAITDEP_KEY_BYTES (EVENT_ID_BYTES + STORE_VERSION_KEY_BYTES)
/* Key of `waittime` rows: the event's time (BE) || version key. */
#define STORE_WAITTIME_KEY_BYTES (8 + STORE_VERSION_KEY_BYTES)

/* Versions of one forked (author, seq) that make its proof. */
#define STORE_FORK_PROOF_VERSIONS 2

/* The `meta` row counting events of the global case and forks (BE). */
#define STORE_GLOBAL_GEN_KEY "global_gen"
void store_version_key(uint8_t *k, const uint8_t *author, uint64_t seq,
		       const uint8_t *id);

/*
 * The lowest seq at which author is forked, or 0 if it is not, as seen
 * by txn.
 */
int store_txn_fork_seq(struct store *s, MDB_txn *txn, const uint8_t *author,
		       uint64_t *seq);

/*
 * Decodes the stored envelope of id (no signature check: what is stored
 * was checked on the way in) into *env and *ev, which borrow from the map
 * for the life of txn.
 */
int store_txn_event(struct store *s, MDB_txn *txn, const uint8_t *id,
		    struct envelope *env, struct event *ev);

/* The same for an envelope read from the map already: ERR_CORRUPT if it
 * does not decode. */
int store_decode_stored(const MDB_val *v, struct envelope *env,
			struct event *ev);

/* The author's summary as the batch sees it; seq 0 if it has none. */
int store_batch_summary_read(struct store_batch *b, const uint8_t *author,
			     struct summary_entry *e, struct diag *d);

/*
 * Admits a just-signed local event through the same checks as a foreign
 * one; anything but a new feed entry is an error (ERR_CORRUPT).
 */
int store_batch_admit_local(struct store_batch *b, const uint8_t *p, size_t n,
			    const struct envelope *env, const struct event *ev,
			    struct diag *d);

#endif

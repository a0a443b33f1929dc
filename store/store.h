/*
 * store.h - the case log: signed events in LMDB.
 *
 * store/ is the only module that touches LMDB.  The layout (named
 * databases and their keys) is documented once, in store/store.c and in
 * docs/store.md.
 *
 * Every write happens in a batch, one LMDB write transaction: an event,
 * its indexes and the author's summary commit together or not at all, and
 * the commit is durable (fsync) unless the store was opened with
 * STORE_NOSYNC.  Several processes may open one store at once (LMDB is
 * multi-process safe), so the CLI works with or without a daemon; only one
 * batch is open at a time across all of them (LMDB's writer lock).
 *
 * Reads each run in their own read transaction and copy what they return:
 * no pointer into LMDB's map leaves this module.
 */
#ifndef GRIDCASE_STORE_H
#define GRIDCASE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "crypto/hash.h"

#define STORE_SCHEMA_VERSION 7
#define STORE_DEFAULT_MAP_BYTES ((size_t)16 << 30)
/* Waiting events, across all authors (one author: an eighth). */
#define STORE_DEFAULT_PENDING_MAX 200000
/* How far ahead of this node's clock an event's time may be. */
#define STORE_DEFAULT_MAX_SKEW_MS ((uint64_t)5 * 60 * 1000)

struct store;
struct store_batch;
struct key;

enum store_flags {
	STORE_CREATE = 1,  /* create the directory's store (store_create) */
	STORE_NOSYNC = 2,  /* no fsync per commit: tests and benches only */
	STORE_RDONLY = 4,
	/* An older schema is refused (ERR_BUSY), not upgraded: another
	 * process, of an older gridcase, may be writing the store. */
	STORE_NO_UPGRADE = 8,
};

struct store_options {
	size_t map_bytes;     /* 0: STORE_DEFAULT_MAP_BYTES */
	size_t pending_max;   /* 0: STORE_DEFAULT_PENDING_MAX */
	int flags;            /* enum store_flags */
};

/*
 * Creates a new store in dir (made if missing) for the given network.
 * ERR_EXISTS if dir already holds a store.  Does not keep it open.
 */
MUST_CHECK int store_create(const char *dir, const char *network,
			    const struct store_options *opt, struct diag *d);

/*
 * Opens the store in dir.  ERR_NOTFOUND if there is none, ERR_VERSION if
 * its schema is not STORE_SCHEMA_VERSION, ERR_IO otherwise.  opt may be
 * NULL.  Free with store_close().
 */
MUST_CHECK int store_open(const char *dir, const struct store_options *opt,
			  struct store **out, struct diag *d);

/* Closes the store; NULL is allowed.  No batch may be open. */
void store_close(struct store *s);

/* The network name and the directory (borrowed for the store's life). */
const char *store_network(const struct store *s);
const char *store_dir(const struct store *s);

/* Room for the store: its file system's and its own. */
struct store_space {
	uint64_t free_bytes;  /* available to this user on the file system */
	uint64_t total_bytes; /* the file system's size */
	uint64_t file_bytes;  /* data.mdb */
	uint64_t map_bytes;   /* the map size data.mdb may grow to */
};

/*
 * Measures the room (statvfs on the store's directory).  ERR_IO if the
 * file system cannot be asked; *sp is zeroed first and holds what could
 * be measured.
 */
MUST_CHECK int store_space(struct store *s, struct store_space *sp);

/*
 * Progress of long work (import, verify, refold), for a bar on a
 * terminal: fn is called with what is being done, how much is done and
 * of how much (0: unknown), often (once per event or case): it must be
 * cheap, and throttle its own drawing.  NULL fn: none (the default).
 */
typedef void (*store_progress_fn)(void *ctx, const char *what, uint64_t done,
				  uint64_t total);
void store_set_progress(struct store *s, store_progress_fn fn, void *ctx);

/* ---- backups (store/backup.c) ---- */

/*
 * Writes a compacted copy of the store into the directory dest (made,
 * with its missing parents, mode 0700) as dest/data.mdb: the store as of one read
 * transaction, so writers may go on meanwhile (a running daemon); then
 * the blobs, file by file, into dest/blobs.
 * ERR_EXISTS if dest already holds a data.mdb, ERR_PERM or ERR_IO if it
 * cannot be made, ERR_NOSPACE if the disk fills up.
 */
MUST_CHECK int store_backup(struct store *s, const char *dest,
			    struct diag *d);

/*
 * Makes a store in dest from the backup in src (store_backup's copy, read
 * without a lock file) by the same compacting copy, and its blobs, then
 * opens it once to check it.  ERR_NOTFOUND if src holds no data.mdb, ERR_EXISTS if dest
 * does; store_open()'s errors for a backup that is not a store of this
 * schema.
 */
MUST_CHECK int store_restore(const char *src, const char *dest,
			     struct diag *d);

/* ---- metadata: small named values (node name, county code, ...) ---- */

/* Sets a metadata value in its own durable transaction. */
MUST_CHECK int store_meta_set(struct store *s, const char *name,
			      const char *value, struct diag *d);
/* Appends the value to out; ERR_NOTFOUND if unset. */
MUST_CHECK int store_meta_get(struct store *s, const char *name,
			      struct buf *out);

/* ---- writing ---- */

/* What happened to one envelope handed to store_batch_admit(). */
enum admit_status {
	ADMIT_NEW,       /* appended to its author's feed */
	ADMIT_DUPLICATE, /* already stored (or already waiting): no-op */
	ADMIT_PENDING,   /* stored aside until what it lacks arrives (wait) */
	ADMIT_FORK,      /* a second event at a stored (author, seq): kept as proof */
	ADMIT_EVIDENCE,  /* a forked author's later event that a waiting
			  * event depends on: kept outside any feed */
	ADMIT_SURPLUS,   /* one more version of a fork already proven: not kept */
};

/* Why an event waits (admit_result.wait, store_walk_waiting). */
enum wait_reason {
	WAIT_PREV = 1,   /* its author's previous event is not here */
	WAIT_DEPS = 2,   /* events it depends on are not here */
	WAIT_FUTURE = 4, /* its time is ahead of this node's clock by more
			  * than the allowed skew */
};

#define ADMIT_MISSING_MAX 8

struct admit_result {
	enum admit_status status;
	/* ADMIT_PENDING: why, and (WAIT_DEPS) the first missing deps. */
	unsigned wait;
	size_t nmissing;
	uint8_t missing[ADMIT_MISSING_MAX][EVENT_ID_BYTES];
	/* Waiting events that this one let in (chains closing a gap). */
	uint32_t promoted;
	/* Waiting events found to be forks while promoting. */
	uint32_t forks;
};

/*
 * The outcome of an admission in the words of docs/vectors/admission.json:
 * the error's name if rc is not 0, else "admitted", "duplicate", "fork",
 * "evidence", "surplus", "waits-prev", "waits-deps" or "waits-future".
 */
const char *store_admit_outcome(int rc, const struct admit_result *r);

/* Starts a write transaction.  ERR_BUSY if this handle has one open. */
MUST_CHECK int store_batch_begin(struct store *s, struct store_batch **out);

/*
 * Admits one envelope written elsewhere.  The caller must have opened it
 * with seal_open() (network, id and signature checked): env and ev are
 * that call's results for [p, p+n).  The store checks the rest
 * (docs/format.md §5): the author's chain, duplicates (no-op), forks (two
 * versions kept as proof), and, once the author's previous event and
 * every dependency are here, the clock rules; what is missing, or a time
 * too far ahead of this node's clock, makes the event wait (then
 * res->wait says why).  Waiting events that it lets in are admitted in
 * the same call.  Errors: ERR_NETWORK, ERR_CHAIN (prev is not the stored
 * seq-1), ERR_CLOCK (lamport or time break the rules), ERR_FORKED (the
 * author forked earlier), ERR_DENIED (the admission filter), ERR_FULL
 * (map or waiting limit) - after any of these the batch holds nothing of
 * this envelope.  ERR_IO and ERR_NOSPACE (the disk is full) fail the
 * batch (store_batch_is_failed()): only store_batch_abort() is allowed
 * then.
 */
MUST_CHECK int store_batch_admit(struct store_batch *b, const uint8_t *p,
				 size_t n, const struct envelope *env,
				 const struct event *ev,
				 struct admit_result *res, struct diag *d);

/* What a local event says; the store fills in the chain and clocks. */
struct append_req {
	const char *case_id;
	const char *type;
	const uint8_t *body; /* canonical msgpack map */
	size_t body_len;
	size_t nblobs;
	const uint8_t (*blobs)[EVENT_ID_BYTES]; /* ascending */
	uint64_t now_ms; /* the author's clock */
};

/*
 * Appends a new event by k: seq and prev follow k's feed, deps are the
 * global case's heads (store_set_global_case: the roster in force is
 * part of every event's causal past), then the case's own, up to
 * EVENT_MAX_DEPS; lamport is one above everything it depends on, and
 * time is now_ms or, if the clock went back, the latest time it depends
 * on.  The event then passes the same admission as a foreign one
 * (including the filter).  Writes the id to id (may be NULL).
 * ERR_FORMAT for a bad case, type or body; ERR_FORKED if k's own feed is
 * forked; ERR_DENIED if the filter refuses it.
 */
MUST_CHECK int store_batch_append(struct store_batch *b, const struct key *k,
				  const struct append_req *req,
				  uint8_t id[EVENT_ID_BYTES], struct diag *d);

/*
 * 1 once LMDB has failed inside the batch (ERR_IO, ERR_FULL because the
 * map is full, ERR_NOSPACE because the disk is): nothing more can be
 * written and commit will fail.
 */
int store_batch_is_failed(const struct store_batch *b);

/*
 * Commits (durably unless STORE_NOSYNC) and frees the batch.  On failure
 * nothing of the batch is stored.  ERR_NOSPACE: the file system had no
 * room for the pages or the sync (the detail names the file and the free
 * space); ERR_FULL: the map is full (the detail gives its size: the disk
 * may have room); ERR_IO otherwise.  Every write of the store below fails
 * the same way.
 */
MUST_CHECK int store_batch_commit(struct store_batch *b, struct diag *d);

/* Discards the batch; NULL is allowed. */
void store_batch_abort(struct store_batch *b);

/* One append in its own durable transaction. */
MUST_CHECK int store_append(struct store *s, const struct key *k,
			    const struct append_req *req,
			    uint8_t id[EVENT_ID_BYTES], struct diag *d);

/* ---- reading ---- */

struct store_stats {
	uint64_t events;   /* stored events: feeds, fork proofs, evidence */
	uint64_t authors;
	uint64_t pending;  /* waiting events */
	uint64_t forks;    /* forked authors */
	uint64_t cases;    /* case views, the global case's (the roster) not
			    * counted */
};

MUST_CHECK int store_stats(struct store *s, struct store_stats *st);

/*
 * Appends the envelope of event id to out.  ERR_NOTFOUND if absent.
 * Waiting (pending) events are not found here.
 */
MUST_CHECK int store_event_get(struct store *s,
			       const uint8_t id[EVENT_ID_BYTES],
			       struct buf *out);

/*
 * Resolves a hex prefix (at least 4 digits) of an event id.  ERR_NOTFOUND
 * if none matches, ERR_EXISTS if several do.
 */
MUST_CHECK int store_event_find(struct store *s, const char *hex_prefix,
				uint8_t id[EVENT_ID_BYTES]);

/*
 * Called once per event with its envelope bytes (valid during the call
 * only).  Returning non-zero stops the walk; that value is returned.
 */
typedef int (*store_event_fn)(const uint8_t *env, size_t n, void *ctx);

/* Events of one author in seq order, from seq `from` (feed only). */
MUST_CHECK int store_walk_author(struct store *s,
				 const uint8_t author[EVENT_KEY_BYTES],
				 uint64_t from, store_event_fn fn, void *ctx);

/* Events of one case in (lamport, id) order, fork proofs included. */
MUST_CHECK int store_walk_case(struct store *s, const char *case_id,
			       store_event_fn fn, void *ctx);

/*
 * Every stored event: each author's feed in seq order (authors in key
 * order), then the extra events kept as fork proofs.  This order lets a
 * fresh store import the stream without anything waiting.
 */
MUST_CHECK int store_walk_all(struct store *s, store_event_fn fn, void *ctx);

/* Waiting events, in (author, seq) order. */
MUST_CHECK int store_walk_pending(struct store *s, store_event_fn fn,
				  void *ctx);

/*
 * Waiting events with what each waits for now (enum wait_reason, worked
 * out at the time of the call; 0: nothing, it passes at the next write)
 * and, for WAIT_DEPS, how many of its deps are missing.
 */
typedef int (*store_waiting_fn)(const uint8_t *env, size_t n, unsigned why,
				size_t nmissing, void *ctx);
MUST_CHECK int store_walk_waiting(struct store *s, store_waiting_fn fn,
				  void *ctx);

/*
 * One author's summary entry: highest contiguous seq and its id (and that
 * event's lamport and time, which the next event must exceed).
 */
struct summary_entry {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	uint8_t id[EVENT_ID_BYTES];
	uint64_t lamport, time_ms;
};

typedef int (*store_summary_fn)(const struct summary_entry *e, void *ctx);

/* The summary, in author key order. */
MUST_CHECK int store_walk_summary(struct store *s, store_summary_fn fn,
				  void *ctx);

/* ERR_NOTFOUND if the author has no events here. */
MUST_CHECK int store_summary_get(struct store *s,
				 const uint8_t author[EVENT_KEY_BYTES],
				 struct summary_entry *e);

/*
 * A forked author: the lowest seq at which it signed two versions, how
 * many versions of that seq are stored, and the lowest two ids among
 * them (with their envelopes, the proof).
 */
struct fork_entry {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	size_t nversions;
	size_t nids;
	uint8_t ids[2][EVENT_ID_BYTES];
};

typedef int (*store_fork_fn)(const struct fork_entry *e, void *ctx);

/* Every forked author, in key order. */
MUST_CHECK int store_walk_forks(struct store *s, store_fork_fn fn, void *ctx);

/* The lowest seq at which author forked (0: never). */
MUST_CHECK int store_fork_seq(struct store *s,
			      const uint8_t author[EVENT_KEY_BYTES],
			      uint64_t *seq);

/* Case ids in ascending order, each once. */
typedef int (*store_case_fn)(const char *case_id, void *ctx);
MUST_CHECK int store_walk_cases(struct store *s, store_case_fn fn, void *ctx);

/*
 * The digest of the log (docs/format.md §7): BLAKE2b-256 over the sorted
 * (author, seq, id) of every feed event below its author's fork, the fork
 * points, and every case view.  Equal event sets give equal digests on
 * any node, whichever versions of a fork each holds.
 */
MUST_CHECK int store_digest(struct store *s, uint8_t out[HASH_BYTES]);

/*
 * Re-checks every record: envelope bytes, ids, signatures, network, every
 * feed's chain and clocks, the summary, the case index, forks and pending
 * events, and, when a fold is installed, every case's view and index rows
 * against a fresh fold of its events.  Calls fn once per problem with a
 * line naming the record and what is wrong; *problems receives the count.
 * Returns 0 when the walk completed (whatever it found).
 */
typedef void (*store_problem_fn)(const char *line, void *ctx);
MUST_CHECK int store_verify(struct store *s, store_problem_fn fn, void *ctx,
			    uint64_t *problems);

/* ---- case views: what the node derives from each case's events ---- */

/*
 * The fold turns a case's events into its view: a state (opaque bytes to
 * the store but for one thing, below; hashed into the log digest) and
 * index keys, a sequence of
 * (1 byte length, key bytes) entries of at most 200 bytes each, under which
 * the case can be found with store_index_walk().  It reads the case's
 * events with store_batch_walk_case() and must depend on nothing but them
 * (and fixed configuration), so that equal event sets give equal views.
 * It runs inside the batch, before the commit, for every case whose events
 * changed.  ERR_NOTFOUND means the case has no view (none of its events
 * counts: only fork versions or evidence are here), and any view it had
 * is dropped; another error aborts the commit.
 */
/*
 * The fold may put part of the state apart, in history: then the state
 * and history are each a canonical map (common/mp.h), the view is the two
 * merged (mp_map_merge), and a list's row, which store_index_walk() and
 * store_row_walk() read, is the state alone.  Lists read one row per case
 * listed; what they never show (a case's steps, say) kept out of the row
 * keeps rows small, more of them to a page (docs/store.md).  History left
 * empty: the state is the whole view.
 */
typedef int (*store_fold_fn)(void *ctx, struct store_batch *b,
			     const char *case_id, struct buf *state,
			     struct buf *history, struct buf *keys,
			     struct diag *d);

/* Installs the fold (ctx is borrowed); NULL keeps no views. */
void store_set_fold(struct store *s, store_fold_fn fn, void *ctx);

/*
 * Called on the committing thread after each batch that committed (events
 * may have been stored), so that the node can tell its daemon
 * (node/announce.h).  ctx is borrowed; NULL: nothing is called.
 */
typedef void (*store_commit_fn)(void *ctx);
void store_set_commit_hook(struct store *s, store_commit_fn fn, void *ctx);

/*
 * Events of one case in (lamport, id) order, seen by the batch, fork
 * proofs included.  Envelopes are valid during the call only.
 */
MUST_CHECK int store_batch_walk_case(struct store_batch *b,
				     const char *case_id, store_event_fn fn,
				     void *ctx);

/* The lowest seq at which author forked (0: never), seen by the batch. */
MUST_CHECK int store_batch_fork_seq(struct store_batch *b,
				    const uint8_t author[EVENT_KEY_BYTES],
				    uint64_t *seq);

/* Appends the view of case_id (its state and history merged) to out;
 * ERR_NOTFOUND if none, ERR_CORRUPT if the two parts do not merge. */
MUST_CHECK int store_view_get(struct store *s, const char *case_id,
			      struct buf *out);

/* Called with a case id and its state (valid during the call). */
typedef int (*store_view_fn)(const char *case_id, const uint8_t *state,
			     size_t n, void *ctx);

/* Every view (state and history merged) but the global case's, in case
 * id order. */
MUST_CHECK int store_view_walk(struct store *s, store_view_fn fn, void *ctx);

/* As store_view_walk(), the rows alone (the states without history). */
MUST_CHECK int store_row_walk(struct store *s, store_view_fn fn, void *ctx);

/*
 * The rows (states without history) whose index keys k satisfy
 * from <= k < to (keys compared as length, then bytes), in key order.  A
 * case appears once per key.
 */
MUST_CHECK int store_index_walk(struct store *s, const uint8_t *from,
				size_t from_n, const uint8_t *to, size_t to_n,
				store_view_fn fn, void *ctx);

/*
 * How many index rows fall in the same range, counting no further than
 * limit (so that the narrowest of several ranges is found without walking
 * the wide ones to their end).
 */
MUST_CHECK int store_index_count(struct store *s, const uint8_t *from,
				 size_t from_n, const uint8_t *to, size_t to_n,
				 uint64_t limit, uint64_t *count);

/*
 * Calls fn with the key of each index row in the same range (the prefix
 * byte and the value, without the length byte or the case), in key order,
 * without reading any view: for figures that the keys alone hold.  The
 * key is a copy, valid during the call.  A non-zero return of fn stops
 * the walk and is returned; ERR_INVAL for a bound longer than a key; the
 * store's errors.
 */
typedef int (*store_index_key_fn)(const uint8_t *key, size_t n, void *ctx);
MUST_CHECK int store_index_keys(struct store *s, const uint8_t *from,
				size_t from_n, const uint8_t *to, size_t to_n,
				store_index_key_fn fn, void *ctx);

/*
 * Folds every case again (after the fold's configuration changed), in one
 * transaction.  Each event's id is checked against its bytes first: for
 * an event whose bytes no longer hash to its id (damaged on disk) nothing
 * is changed and the call fails with ERR_BADID, naming the event and its
 * case in d.
 */
MUST_CHECK int store_refold_all(struct store *s, uint64_t *cases,
				struct diag *d);

/*
 * Admission filter, called at two stages.  ADMIT_STAGE_ARRIVE: a foreign
 * event that is not a duplicate, before anything is written for it (not
 * even a waiting row): a cheap check against what the node knows now.
 * ADMIT_STAGE_FINAL: any event, local ones too, once its author's chain
 * and every dependency are stored and its clocks pass, just before it
 * joins the feed: here the filter must decide from the event and its
 * causal past alone, so that every node decides the same.  Returning an
 * error (with detail in d) refuses the event and leaves the batch
 * unchanged.  The node uses it for the roster's rules of authorship.
 */
enum admit_stage { ADMIT_STAGE_ARRIVE, ADMIT_STAGE_FINAL };
typedef int (*store_admit_filter_fn)(void *ctx, struct store_batch *b,
				     const struct event *ev,
				     enum admit_stage stage, struct diag *d);
void store_set_admit_filter(struct store *s, store_admit_filter_fn fn,
			    void *ctx);

/*
 * How far (ms) an event's time may be ahead of this node's clock
 * (clock_now_ms()) when it is admitted; a later event waits until the
 * clock catches up (WAIT_FUTURE).  Default STORE_DEFAULT_MAX_SKEW_MS.
 */
void store_set_max_skew(struct store *s, uint64_t ms);

/*
 * Lets in the waiting events whose time has come (every commit does
 * this too); res counts them.
 */
MUST_CHECK int store_batch_promote_due(struct store_batch *b,
				       struct admit_result *res,
				       struct diag *d);

/*
 * The same in a batch of its own, made only when some waiting event's
 * time has come (a read tells): the daemon calls it every second.
 * *admitted receives how many joined their feeds.
 */
MUST_CHECK int store_promote_due(struct store *s, uint64_t *admitted,
				 struct diag *d);

/*
 * A counter that moves whenever an event of the global case, or a fork,
 * is stored: what every view depends on changed.  0 for a new store.
 */
MUST_CHECK int store_global_gen(struct store *s, uint64_t *gen);
MUST_CHECK int store_batch_global_gen(struct store_batch *b, uint64_t *gen);

/*
 * The ids of the heads of a case (its events that no stored event
 * depends on), at most max, in id order; *n receives how many.
 */
MUST_CHECK int store_case_heads(struct store *s, const char *case_id,
				uint8_t (*ids)[EVENT_ID_BYTES], size_t max,
				size_t *n);
MUST_CHECK int store_batch_case_heads(struct store_batch *b,
				      const char *case_id,
				      uint8_t (*ids)[EVENT_ID_BYTES],
				      size_t max, size_t *n);

/*
 * Names a case whose events every view depends on (the roster): every
 * appended event depends on its heads, and when a batch stores an event
 * of it, every case is folded again at commit.  The string is borrowed
 * for the store's life.
 */
void store_set_global_case(struct store *s, const char *case_id);

/* The author's summary as the batch sees it; seq 0 if none. */
MUST_CHECK int store_batch_summary_get(struct store_batch *b,
				       const uint8_t author[EVENT_KEY_BYTES],
				       struct summary_entry *e);

/* ---- importing a stream of envelopes ---- */

struct import_tally {
	uint64_t seen, added, duplicate, pending, forks, promoted, rejected;
	uint64_t evidence, surplus; /* see enum admit_status */
	int stream_error; /* an envelope could not be read: the rest was not */
};

/*
 * Called for each refused envelope: its index in the stream, its byte
 * offset, its id as claimed (NULL when unreadable), the code and why.
 */
typedef void (*store_reject_fn)(void *ctx, uint64_t index, size_t offset,
				const uint8_t *id, int rc, const char *why);

/*
 * Ingests a stream of envelopes (docs/format.md §6): signatures checked on
 * every core, then admitted in batches of `batch` (0: 10,000), one durable
 * commit each.  Refusals are reported through reject and counted; the
 * return is an error only when the store itself failed (what was
 * committed before stays).
 */
MUST_CHECK int store_import(struct store *s, const uint8_t *p, size_t n,
			    size_t batch, store_reject_fn reject, void *ctx,
			    struct import_tally *t, struct diag *d);

/* ---- local tables: node-local data that does not replicate ---- */

MUST_CHECK int store_local_put(struct store *s, const char *table,
			       const void *key, size_t kn, const void *val,
			       size_t vn, struct diag *d);
/*
 * Like store_local_put(), without waiting for the disk: for live state
 * that is rewritten every second (a crash may lose the last writes).
 */
MUST_CHECK int store_local_put_lazy(struct store *s, const char *table,
				    const void *key, size_t kn,
				    const void *val, size_t vn,
				    struct diag *d);
/* Deletes a row; absent is fine. */
MUST_CHECK int store_local_del(struct store *s, const char *table,
			       const void *key, size_t kn, struct diag *d);
/* Appends the value to out; ERR_NOTFOUND if absent. */
MUST_CHECK int store_local_get(struct store *s, const char *table,
			       const void *key, size_t kn, struct buf *out);
/* Deletes every row of a table. */
MUST_CHECK int store_local_clear(struct store *s, const char *table,
				 struct diag *d);
/* One row for store_local_replace(). */
struct store_local_row {
	const char *table;
	const void *key;
	size_t kn;
	const void *val;
	size_t vn;
};
/*
 * In one durable transaction: deletes every row of table, then writes
 * rows (of any table), so that a reader sees the old rows or the new,
 * never a mix.  The errors of store_local_put().
 */
MUST_CHECK int store_local_replace(struct store *s, const char *table,
				   const struct store_local_row *rows,
				   size_t n, struct diag *d);
typedef int (*store_local_fn)(const uint8_t *key, size_t kn,
			      const uint8_t *val, size_t vn, void *ctx);
MUST_CHECK int store_local_walk(struct store *s, const char *table,
				store_local_fn fn, void *ctx);

/* ---- blobs: photos and personal data, addressed by BLAKE2b-256 ---- */

#define STORE_BLOB_MAX_BYTES ((size_t)32 << 20)

/*
 * Stores the bytes durably (DIR/blobs/xx/<hash>) and writes their hash.
 * Storing a blob that exists is a no-op.  ERR_TOOBIG over
 * STORE_BLOB_MAX_BYTES; ERR_PERM if the hash was erased (personal data
 * erased once stays erased).
 */
MUST_CHECK int store_blob_put(struct store *s, const void *p, size_t n,
			      uint8_t hash[HASH_BYTES], struct diag *d);

/*
 * Appends the blob to out, checking its hash (ERR_CORRUPT if the file no
 * longer matches).  ERR_NOTFOUND if absent; ERR_PERM (detail: when) if it
 * was erased.
 */
MUST_CHECK int store_blob_get(struct store *s, const uint8_t hash[HASH_BYTES],
			      struct buf *out, struct diag *d);

/*
 * Appends at most max bytes of the blob from offset to out, and writes
 * its whole size to *total, without checking its hash (whoever receives
 * the bytes checks them): serving a large blob in chunks.  Errors as
 * store_blob_get()'s, and ERR_INVAL for an offset past the end.
 */
MUST_CHECK int store_blob_read(struct store *s, const uint8_t hash[HASH_BYTES],
			       uint64_t offset, size_t max, struct buf *out,
			       uint64_t *total, struct diag *d);

/*
 * Up to max hashes of blobs that stored events name and that are neither
 * here nor erased: what replication should fetch.  The list is kept in
 * the local table "wanted", written in the same transaction as the events
 * that name the blobs, so that a crash or an unreachable peer never
 * forgets one; a row is dropped when its blob is stored or erased.
 */
MUST_CHECK int store_blob_wanted(struct store *s, uint8_t (*out)[HASH_BYTES],
				 size_t max, size_t *n);

/*
 * Erases a blob for good: its file is overwritten with zeros, synced and
 * removed, and the hash is remembered as erased so that it is never
 * fetched again.  Events that reference it keep verifying: they hold
 * only the hash.  ERR_NOTFOUND if it was never here.
 */
MUST_CHECK int store_blob_erase(struct store *s, const uint8_t hash[HASH_BYTES],
				uint64_t now_ms, struct diag *d);

/*
 * Whether a blob may be erased by an erasure event made here: 0 if it is
 * here, or named by a stored event and wanted (store_blob_wanted());
 * ERR_PERM (saying when) if it was erased already; ERR_NOTFOUND if this
 * node neither holds it nor knows an event that names it (a mistyped
 * hash, most likely).
 */
MUST_CHECK int store_blob_erasable(struct store *s,
				   const uint8_t hash[HASH_BYTES],
				   struct diag *d);

/*
 * What an erasure event asks of every node (docs/workflow.md §3): the
 * blob is erased as store_blob_erase() does if it is here, and its hash
 * remembered as erased at when_ms either way, so that it is never
 * fetched, stored or served here.  0 also when it was erased already;
 * *done is 1 if this call erased or marked it.  ERR_IO.
 */
MUST_CHECK int store_blob_erase_marked(struct store *s,
				       const uint8_t hash[HASH_BYTES],
				       uint64_t when_ms, int *done,
				       struct diag *d);

#endif

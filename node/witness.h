/*
 * witness.h - witnessed time (docs/audit.md §4): nodes sign checkpoints
 * of the events they hold, and countersign their peers' checkpoints once
 * they hold every event a checkpoint names and its tree head is right.
 * For each event, the earliest countersignature of a checkpoint that
 * holds it proves that the event existed by then, whatever its author's
 * device claimed.
 *
 * Both are events, so that they replicate, are signed and are part of
 * every later checkpoint: "checkpoint" (a checkpoint, docs/audit.md §2)
 * and "checkpoint.witness" (the id, count and tree head of another
 * node's checkpoint), on the record case "period-witness-YYYYMMDD" (the
 * UTC day of signing), which has no case view.
 */
#ifndef GRIDCASE_WITNESS_H
#define GRIDCASE_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/event.h"
#include "node/period.h"

struct node;

#define WITNESS_CASE_PREFIX "period-witness-"
#define WITNESS_CHECKPOINT_TYPE "checkpoint"
#define WITNESS_COUNTERSIGN_TYPE "checkpoint.witness"

/*
 * Signs a checkpoint of every event the node holds, with the node's key,
 * at now_ms.  The store's errors.
 */
MUST_CHECK int witness_checkpoint(struct node *n, uint64_t now_ms,
				  struct diag *d);

/*
 * Countersigns, with the node's key, each checkpoint of another author
 * signed on day now_ms or the day before (UTC) that it has not
 * countersigned yet, once it holds every event the checkpoint names and
 * their count and tree head are the checkpoint's.  *count (may be NULL)
 * receives how many it signed.  The store's errors.
 */
MUST_CHECK int witness_countersign(struct node *n, uint64_t now_ms,
				   size_t *count, struct diag *d);

/* Every countersigned checkpoint the node holds, for lookups. */
struct witness_index;

/*
 * Reads the index.  A checkpoint counts once countersigned by another
 * member than its signer; its witnessed time is its earliest such
 * countersignature's time.  Free with witness_index_free().
 */
MUST_CHECK int witness_index_load(struct node *n, struct witness_index **out,
				  struct diag *d);
void witness_index_free(struct witness_index *wi);

/*
 * When the event (author, seq, id) was first witnessed: the time of the
 * earliest countersignature of a checkpoint holding it; 0 if none.
 */
uint64_t witness_first(const struct witness_index *wi,
		       const uint8_t author[EVENT_KEY_BYTES], uint64_t seq,
		       const uint8_t id[EVENT_ID_BYTES]);

/* What witness_first_ref() found: the checkpoint and countersignature. */
struct witness_ref {
	uint8_t checkpoint[EVENT_ID_BYTES]; /* the checkpoint event's id */
	uint8_t witness[EVENT_ID_BYTES];    /* its earliest countersignature */
	const struct checkpoint *cp;        /* borrowed from the index */
};

/* As witness_first(), and (ref not NULL, a witness found) which. */
uint64_t witness_first_ref(const struct witness_index *wi,
			   const uint8_t author[EVENT_KEY_BYTES], uint64_t seq,
			   const uint8_t id[EVENT_ID_BYTES],
			   struct witness_ref *ref);

/* A checkpoint event and a countersignature of it, read and matched. */
struct witness_pair {
	uint8_t cp_id[EVENT_ID_BYTES], cp_author[EVENT_KEY_BYTES];
	uint8_t w_id[EVENT_ID_BYTES], w_author[EVENT_KEY_BYTES];
	uint64_t cp_seq, w_seq, w_time_ms;
	struct checkpoint cp; /* release it */
};

/*
 * Reads the envelopes cp_env (a "checkpoint" event) and w_env (a
 * "checkpoint.witness" event; neither signature is checked here) into
 * out.  ERR_FORMAT if either is not what it should be, ERR_CORRUPT if
 * the countersignature does not name the checkpoint's id, count and tree
 * head.
 */
MUST_CHECK int witness_pair_read(const uint8_t *cp_env, size_t cn,
				 const uint8_t *w_env, size_t wn,
				 struct witness_pair *out, struct diag *d);

/* Backdated events: claimed more than threshold_ms before their witness. */
struct witness_flag {
	uint8_t id[EVENT_ID_BYTES];
	uint64_t claimed_ms, witnessed_ms;
};

/*
 * The events of the node whose claimed time is in [from_ms, to_ms) and
 * more than threshold_ms before their first witness, into *out (free()),
 * *n of them.  The store's errors.
 */
MUST_CHECK int witness_backdated(struct node *n, uint64_t from_ms,
				 uint64_t to_ms, uint64_t threshold_ms,
				 struct witness_flag **out, size_t *nout,
				 struct diag *d);

#endif

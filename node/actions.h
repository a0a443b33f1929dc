/*
 * actions.h - taking a workflow action on a case: checking it against the
 * case's current state and the actor's roles, then signing it.
 *
 * The check and the append happen in one write batch, so no other writer
 * can slip an event in between: what was judged valid is what is signed.
 */
#ifndef GRIDCASE_ACTIONS_H
#define GRIDCASE_ACTIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/mp.h"
#include "crypto/hash.h"
#include "node/case/workflow.h"

struct node;
struct case_state;
struct key;

struct action_req {
	const struct action_def *a;
	const char *case_id;
	struct mp_map body; /* unfinished: case_act may add defaults */
	uint8_t (*blobs)[HASH_BYTES];
	size_t nblobs;
	uint64_t now_ms;
	/* The member who signs (borrowed); NULL: the key the node was
	 * opened with.  The web console signs with the key of the person
	 * signed in, unlocked for the session only. */
	const struct key *key;
};

/*
 * Checks and signs the action.  Defaults it fills in: register's limit
 * from the configuration (class and urgency); resolve's list of events
 * from the conflict.  Errors: ERR_DENIED (the key's roles or unit),
 * ERR_STATE (the message names the state and the allowed actions),
 * ERR_INVAL (a missing or wrong field), ERR_NOTFOUND (no such case).
 * The body is consumed either way.  id (may be NULL) receives the id.
 */
MUST_CHECK int case_act(struct node *n, struct action_req *r,
			uint8_t id[EVENT_ID_BYTES], struct diag *d);

/*
 * The current state of a case from its stored view (read only).
 * ERR_NOTFOUND if there is no such case.  Release with state_release().
 */
MUST_CHECK int case_state_get(struct node *n, const char *case_id,
			      struct case_state *st);

#endif

/*
 * workflow.h - the case workflow as a table: states, actions (one event
 * type each), who may act, in which states, and the state that follows.
 *
 * The seven stages of national practice (collection, registration,
 * dispatch, disposal, feedback, verification and closure, evaluation) and
 * their exceptions (return, postponement, suspension, refusal,
 * cancellation, rework, reopening, merging duplicates) are the rows of
 * workflow.c's table; docs/workflow.md prints the same table for people.
 * Creation (actions.c) and replay (fold.c) both judge an event with
 * workflow_check(), so what the CLI refuses and what a replica ignores
 * are the same thing.
 */
#ifndef GRIDCASE_WORKFLOW_H
#define GRIDCASE_WORKFLOW_H

#include <stddef.h>

#include <stdint.h>

#include "common/err.h"
#include "common/event.h"
#include "node/case/state.h"

struct member;
struct mp_reader;

enum action {
	ACT_REPORT,
	ACT_CHECK,
	ACT_ACCEPT,
	ACT_REFUSE,
	ACT_REGISTER,
	ACT_DISPATCH,
	ACT_ASSIGN,
	ACT_RETURN,
	ACT_DISPOSE,
	ACT_FEEDBACK,
	ACT_POSTPONE_REQUEST,
	ACT_POSTPONE_APPROVE,
	ACT_POSTPONE_DENY,
	ACT_SUSPEND_REQUEST,
	ACT_SUSPEND_APPROVE,
	ACT_RESUME,
	ACT_VERIFY_PASS,
	ACT_VERIFY_FAIL,
	ACT_CLOSE,
	ACT_CANCEL,
	ACT_REOPEN,
	ACT_MERGE,
	ACT_AMEND,
	ACT_RESOLVE,
	ACT_COUNT
};

#define ACTION_MAX_FIELDS 7

struct action_def {
	enum action act;
	const char *type;    /* the event type, also the CLI subcommand */
	const char *zh;      /* the term of national practice */
	unsigned roles;      /* enum role bits allowed to act */
	unsigned from;       /* CS_BIT()s in which the action is valid */
	int to;              /* the state after, or -1: unchanged */
	const char *required[ACTION_MAX_FIELDS]; /* body keys */
	const char *optional[ACTION_MAX_FIELDS];
	const char *summary;
	/*
	 * Required fields that the node fills in when the actor gives none
	 * (node/actions.c: register's limit from the configuration,
	 * resolve's events from the conflict).
	 */
	const char *filled[2];
};

/*
 * What judging an action needs beyond the state and the member: the key
 * that signs it, and the units of the roster it is judged by (the
 * event's own roster in the fold, the node's latest when it signs).
 * unit_known returns 1 if unit is the unit of a disposal member there.
 */
struct workflow_ctx {
	const uint8_t *author; /* EVENT_KEY_BYTES */
	int (*unit_known)(void *arg, const char *unit);
	void *arg;
};

/* The action whose event type is type (length n), or NULL. */
const struct action_def *workflow_action(const char *type, size_t n);
const struct action_def *workflow_action_at(enum action a);

/*
 * Judges action a, by member m (NULL: not a member), with the given body,
 * in state st, signed by ctx->author.  Returns 0 if it is valid;
 * ERR_DENIED if m may not make it (its roles, its unit, or
 * workflow_separation());
 * ERR_STATE if it is not valid in the state (the detail names the state
 * and the actions that are); ERR_INVAL if the body lacks a required field
 * or a field is wrong (a dispatch, or a resolution's unit, naming a unit
 * that no disposal member of the roster has).
 */
MUST_CHECK int workflow_check(const struct case_state *st,
			      const struct action_def *a,
			      const struct member *m,
			      const struct workflow_ctx *ctx,
			      const struct mp_reader *body, struct diag *d);

/*
 * Supervision and command kept apart (监管分离), by key: a key that
 * recorded disposal work on a case (dispose, feedback) may not verify or
 * close it, and the key that reported a case may not register it (a
 * centre's hotline intake signs with its own intake key, docs/workflow.md
 * §3).
 * ERR_DENIED naming the rule; 0 otherwise.  workflow_check() applies it
 * too; the fold asks it alone to name the conflict (docs/workflow.md §3).
 */
MUST_CHECK int workflow_separation(const struct case_state *st,
				   const struct action_def *a,
				   const uint8_t author[EVENT_KEY_BYTES],
				   struct diag *d);

/* Writes "check, accept, refuse" - the actions valid in st - into out. */
void workflow_allowed(const struct case_state *st, char *out, size_t n);

#endif

/*
 * state.h - the state of a case: what its events add up to.
 *
 * A case state is derived, never edited: fold.c replays the case's events
 * and fills this struct; state_encode() writes it as a canonical msgpack
 * map (keys sorted), which is what the store keeps as the case's view and
 * hashes into the log digest.  Equal event sets give byte-equal states.
 *
 * What the state holds is the facts of the case (times, unit, counts,
 * disposal records, conflicts), not judgements that depend on the local
 * calendar or clock: due times and colours are computed from these facts
 * by deadline.c when they are shown.
 */
#ifndef GRIDCASE_STATE_H
#define GRIDCASE_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

#define STATE_NAME_MAX 64

enum case_status {
	CS_NONE,       /* no report yet */
	CS_REPORTED,   /* 上报: waiting to be accepted */
	CS_CHECKED,    /* 核实: a public report checked on site */
	CS_ACCEPTED,   /* 受理 */
	CS_REFUSED,    /* 不予立案 (final) */
	CS_REGISTERED, /* 立案: waiting for dispatch */
	CS_DISPATCHED, /* 派遣: with a disposal unit, the clock running */
	CS_RETURNED,   /* 回退: back at the centre for a new dispatch */
	CS_SUSPENDED,  /* 挂账: the clock stopped */
	CS_FED_BACK,   /* 处理反馈: disposal reported done */
	CS_VERIFIED,   /* 核查通过 */
	CS_CLOSED,     /* 结案 (reopenable) */
	CS_CANCELLED,  /* 作废 (final) */
	CS_MERGED,     /* 并案: a duplicate of another case (final) */
	CS_COUNT
};

#define CS_BIT(s) (1u << (s))
/* States in which the case is still being worked on. */
#define CS_OPEN                                                            \
	(CS_BIT(CS_REPORTED) | CS_BIT(CS_CHECKED) | CS_BIT(CS_ACCEPTED) |  \
	 CS_BIT(CS_REGISTERED) | CS_BIT(CS_DISPATCHED) |                   \
	 CS_BIT(CS_RETURNED) | CS_BIT(CS_SUSPENDED) | CS_BIT(CS_FED_BACK) | \
	 CS_BIT(CS_VERIFIED))

const char *case_status_name(enum case_status s);
/* CS_COUNT if name is not a state. */
enum case_status case_status_parse(const char *name);

/* Disposal work recorded on the case; work is never lost. */
struct disposal {
	uint8_t event[EVENT_ID_BYTES];
	char unit[STATE_NAME_MAX + 1];
	char by[STATE_NAME_MAX + 1];
	uint64_t at;
	uint8_t key[EVENT_KEY_BYTES]; /* the key that signed it (监管分离) */
	int feedback; /* 1: 处理反馈, the unit reported the work done */
	int current;  /* 0: made by a unit the case had moved away from */
};

/* A visible record of events that contradict each other. */
struct conflict {
	char id[17]; /* 16 hex digits, from the kind and the events */
	char kind[24];
	size_t nevents;
	uint8_t (*events)[EVENT_ID_BYTES]; /* ascending */
	int resolved;
	uint8_t resolved_by[EVENT_ID_BYTES];
};

struct interval {
	uint64_t start, end; /* end 0: still going */
};

/*
 * One applied step: who did what, when.  The evaluation judges persons
 * and each unit's own clock from these (docs/evaluation.md); the other
 * fields of the state only keep the latest of each kind.
 */
struct step {
	uint8_t act; /* enum action (workflow.h) */
	uint64_t at; /* the event's time */
	uint8_t key[EVENT_KEY_BYTES]; /* its author */
	/* dispatch: the unit; postpone-approve: the extension granted;
	 * check: "found" or "not-found"; resolve: the unit it chose, if it
	 * changed the unit; else "". */
	char arg[STATE_NAME_MAX + 1];
};

struct case_state {
	char case_id[STATE_NAME_MAX + 1];
	enum case_status status;

	/* The report. */
	char kind[12], code[8], standard[24], grid[40], source[12];
	char component[24];
	char *where, *desc;
	int has_pos;
	int64_t lat_e6, lon_e6;
	char reporter[STATE_NAME_MAX + 1];
	uint8_t reporter_key[EVENT_KEY_BYTES]; /* the key that reported */
	uint64_t reported_at;

	/* Intake. */
	int checked, check_found;
	uint64_t checked_at, accepted_at, refused_at, registered_at;
	char urgency[8], limit[12];

	/* Dispatch and disposal. */
	char unit[STATE_NAME_MAX + 1], team[STATE_NAME_MAX + 1];
	uint64_t dispatched_at; /* the dispatch to the current unit */
	uint64_t clock_at; /* its clock's start: the dispatch, or the rework */
	uint32_t dispatches, returns, reworks, reopens, postponements,
		suspensions, amendments;
	/* Approved postponements of the current dispatch, summed: an
	 * extension belongs to the unit that asked and ends with its
	 * dispatch. */
	uint32_t ext_hours, ext_days;
	char pending_extend[12];      /* asked for, not decided */
	int suspend_pending;
	struct interval *suspended;
	size_t nsuspended;
	struct disposal *disposals;
	size_t ndisposals;
	uint64_t first_fed_back_at, fed_back_at;
	char fed_back_by[STATE_NAME_MAX + 1];
	uint64_t verified_at, closed_at, cancelled_at;
	char merged_into[STATE_NAME_MAX + 1];

	struct conflict *conflicts;
	size_t nconflicts;
	struct step *steps; /* in replay order */
	size_t nsteps;
	uint32_t events;    /* events of the case that count */
	uint32_t unapplied; /* of which not applied (see conflicts) */
	uint64_t last_at;   /* time of the latest applied event */
};

void state_init(struct case_state *s, const char *case_id);
void state_release(struct case_state *s);

/* Appends the canonical encoding. */
void state_encode(const struct case_state *s, struct buf *out);

/*
 * The same in two parts, each a canonical map: the state without its
 * history (a list's row, what state_decode_row() reads) to row, and the
 * history, `disposals` and `steps`, to history.  mp_map_merge() of the two
 * is state_encode()'s bytes.
 */
void state_encode_parts(const struct case_state *s, struct buf *row,
			struct buf *history);

/*
 * Decodes what state_encode() wrote.  ERR_CORRUPT if it is not a state.
 * On error s is released and empty.
 */
MUST_CHECK int state_decode(const uint8_t *p, size_t n, struct case_state *s);

/*
 * As state_decode(), for a list's row: the state without its steps and
 * disposals (a case's history, which its page shows and the evaluation
 * reads; the store keeps them apart from the row, node/view.h).  Every
 * byte is checked alike; steps and disposals, if the bytes hold them, are
 * checked and left empty, so a list does not build them for each of
 * thousands of cases.
 */
MUST_CHECK int state_decode_row(const uint8_t *p, size_t n,
				struct case_state *s);

/* Copies up to STATE_NAME_MAX bytes of s (length n) into out. */
void state_copy_name(char *out, size_t cap, const char *s, size_t n);

/* 1 if the case is still being worked on. */
int state_is_open(const struct case_state *s);

/* The number of unresolved conflicts. */
size_t state_open_conflicts(const struct case_state *s);

#endif

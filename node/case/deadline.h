/*
 * deadline.h - due times and colours, from a case's facts and the work
 * calendar.
 *
 * The clock starts at the dispatch to the current unit (or, for rework,
 * at the failed verification that sent the case back), stops while the
 * case is suspended, and each postponement approved since the dispatch
 * adds its time (an extension ends with the dispatch it was granted in).  The
 * limit (from the register event) and the extensions are working time
 * under the calendar.  The only use of "now" is the colour of a case that
 * is still running: green below 80 % of its time used, yellow from 80 to
 * 100 %, red past its due time.
 */
#ifndef GRIDCASE_DEADLINE_H
#define GRIDCASE_DEADLINE_H

#include <stdint.h>

#include "common/err.h"

struct calendar;
struct case_state;

enum colour { COLOUR_NONE, COLOUR_GREEN, COLOUR_YELLOW, COLOUR_RED,
	      COLOUR_STOPPED };

struct deadline {
	int has_due;         /* 0: not dispatched, or suspended now */
	uint64_t start_ms;   /* the clock's start: the dispatch or the rework */
	uint64_t due_ms;
	uint64_t limit_work_ms; /* limit plus extensions, working time */
	uint64_t used_work_ms;  /* until now, or until the feedback */
	int done;            /* fed back (or further) */
	int on_time;         /* done by the due time */
	enum colour colour;  /* for a running case, at now_ms */
};

/*
 * Computes the deadline of st at now_ms (0: no colour wanted).
 * ERR_NOTFOUND if the case has no running clock (never dispatched, no
 * limit, or cancelled or merged: a voided case shows no colour).
 */
MUST_CHECK int deadline_of(const struct case_state *st,
			   const struct calendar *cal, uint64_t now_ms,
			   struct deadline *out);

const char *colour_name(enum colour c);
/* COLOUR_NONE for an unknown name. */
enum colour colour_parse(const char *name);

#endif

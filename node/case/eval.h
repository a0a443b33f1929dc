/*
 * eval.h - the evaluation's overview (docs/evaluation.md §4): counts and
 * rates per office or person over a period, computed from the case
 * states alone, each figure traceable to the cases behind it.  The
 * indicator sets of the national method are indicators.h's.
 */
#ifndef GRIDCASE_EVAL_H
#define GRIDCASE_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct case_state;
struct config;
struct grid_cell;

enum eval_by { EVAL_OFFICE, EVAL_UNIT, EVAL_GRID, EVAL_PERSON };

enum figure {
	FIG_REPORTED,
	FIG_VALID,
	FIG_REGISTERED,
	FIG_DISPATCHED,
	FIG_DUE,
	FIG_ON_TIME,
	FIG_OVERDUE,
	FIG_CLOSED,
	FIG_REWORKED,
	FIG_RETURNS,
	FIG_POSTPONEMENTS,
	FIG_SUSPENSIONS,
	FIG_COUNT
};

struct eval_group {
	char key[80];
	uint64_t n[FIG_COUNT];
	/* Disposal times (the clock's start to the feedback, working
	 * minutes) of on-time and late cases that were done. */
	uint64_t *minutes;
	size_t nminutes;
	/* The cases behind each figure, for --explain. */
	char **cases[FIG_COUNT];
	size_t ncases[FIG_COUNT];
	/* Derived. */
	int64_t closure_rate_e4, on_time_rate_e4, rework_rate_e4,
		valid_rate_e4; /* ten-thousandths; -1 if undefined */
	int64_t avg_minutes, median_minutes; /* -1: no value (no times) */
	int64_t score_e1; /* tenths of a point, 0..1000; -1 if undefined */
	char grade;
};

struct eval_result {
	struct eval_group *g;
	size_t n;
};

/*
 * An evaluation in progress: the cases are added one by one, in any
 * order, and the result does not depend on the order.
 */
struct eval_acc;

/*
 * Starts an evaluation of [from_ms, to_ms) grouped by `by`, with cfg's
 * calendar and weights (cfg is borrowed until eval_acc_finish()).
 * ERR_INVAL if the period ends before it starts.
 */
MUST_CHECK int eval_acc_new(const struct config *cfg, uint64_t from_ms,
			    uint64_t to_ms, enum eval_by by,
			    struct eval_acc **out, struct diag *d);
/* Frees an evaluation not finished (NULL is fine). */
void eval_acc_free(struct eval_acc *acc);
/* Learns the office of a cell (its grid's office prefix): EVAL_OFFICE. */
void eval_acc_add_cell(struct eval_acc *acc, const struct grid_cell *c);
/* Counts one case (st is borrowed for the call). */
void eval_acc_add_case(struct eval_acc *acc, const struct case_state *st);
/*
 * Derives the rates and the score of every group into out (groups sorted
 * by key; free with eval_release()), and frees acc.
 */
void eval_acc_finish(struct eval_acc *acc, struct eval_result *out);
void eval_release(struct eval_result *r);

const char *figure_name(enum figure f);
/* FIG_COUNT if name is not a figure. */
enum figure figure_parse(const char *name);
MUST_CHECK int eval_by_parse(const char *s, enum eval_by *by);

#endif

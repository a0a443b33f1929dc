/*
 * indicators.h - the indicator sets of the national method (CJ/T 292,
 * GB/T 30428.4), one per evaluated object: supervisors, operators, shift
 * leads, dispatchers, disposal units, regions (grid, community, street)
 * and the district's headline figures.  docs/evaluation.md defines every
 * figure, its source and its counting rule.
 *
 * The figures are computed from the case states alone (their steps:
 * who did what when) under the configuration's calendar, step limits,
 * weights and bands, so any node holding the same events prints the same
 * table.  The result is a plain table, rows of named figures per object,
 * that a report can serialise without knowing the sets.
 */
#ifndef GRIDCASE_INDICATORS_H
#define GRIDCASE_INDICATORS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct case_state;
struct config;
struct grid_cell;
struct member;

enum ind_set {
	IND_SUPERVISOR, /* 监督员, by member key */
	IND_OPERATOR,   /* 受理员, by member key */
	IND_SHIFT_LEAD, /* 值班长, by member key */
	IND_DISPATCHER, /* 派遣员, by member key */
	IND_UNIT,       /* 专业部门 and street offices, by unit name */
	IND_GRID,       /* 单元网格 */
	IND_COMMUNITY,  /* 社区 */
	IND_STREET,     /* 街道 */
	IND_DISTRICT,   /* the district's headline figures, one row */
	IND_SET_COUNT
};

/* A figure's kind says how its value reads. */
enum ind_kind {
	IK_COUNT,   /* a whole number */
	IK_RATE,    /* ten-thousandths (10000 = 100 %) */
	IK_SCORE,   /* tenths of a point */
	IK_MINUTES, /* working minutes */
};

struct ind_def {
	const char *name; /* snake_case, the JSON key */
	enum ind_kind kind;
};

#define IND_MAX_FIGURES 24
#define IND_NO_VALUE INT64_MIN /* a rate or time of nothing: "no value" */

struct ind_row {
	char key[80];  /* member key (hex), unit, region id, "district" */
	char name[80]; /* the member's or region's name; "" if none known */
	int64_t v[IND_MAX_FIGURES]; /* IND_NO_VALUE where undefined */
	char grade;    /* A-E from "score"; '-' if it has no value */
	/* The cases behind each count, for --explain. */
	char **cases[IND_MAX_FIGURES];
	size_t ncases[IND_MAX_FIGURES];
};

struct ind_table {
	enum ind_set set;
	uint64_t from_ms, to_ms;
	const struct ind_def *defs; /* nfig figures, static */
	size_t nfig;
	struct ind_row *rows; /* sorted by key */
	size_t n;
};

struct ind_acc;

/*
 * Starts set `set` over [from_ms, to_ms) under cfg (borrowed until
 * ind_acc_finish()).  ERR_INVAL if the period ends before it starts.
 */
MUST_CHECK int ind_acc_new(const struct config *cfg, uint64_t from_ms,
			   uint64_t to_ms, enum ind_set set,
			   struct ind_acc **out, struct diag *d);
void ind_acc_free(struct ind_acc *acc);
/* A member of the roster: names the person rows; supervisors' areas. */
void ind_acc_add_member(struct ind_acc *acc, const struct member *m);
/* A grid cell: its community and street office. */
void ind_acc_add_cell(struct ind_acc *acc, const struct grid_cell *c);
/* A case (borrowed for the call); any order, the result is the same. */
void ind_acc_add_case(struct ind_acc *acc, const struct case_state *st);
/* The rows, derived and sorted (free with ind_table_release()); frees acc. */
void ind_acc_finish(struct ind_acc *acc, struct ind_table *out);
void ind_table_release(struct ind_table *t);

/* The index of figure name in t, or -1. */
int ind_figure(const struct ind_table *t, const char *name);
const char *ind_set_name(enum ind_set s);
/* The figures of set s, in their order (static), and how many. */
const struct ind_def *ind_set_defs(enum ind_set s, size_t *n);
/* ERR_INVAL if s names no set. */
MUST_CHECK int ind_set_parse(const char *s, enum ind_set *out);

#endif

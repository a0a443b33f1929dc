/*
 * eval_codec.h - the evaluation result as named figures in canonical
 * msgpack: what a frozen period report signs (docs/audit.md §3).
 *
 * A result is a map { "columns": [name...], "rows": [[value...]...] }:
 * the figures' names once, then one row per group in key order, its
 * values in the columns' order.  The columns are "group" (str), every
 * count of enum figure under figure_name() (uint), then the derived
 * figures: the disposal minutes (uint, nil for none), the rates in ten-thousandths
 * (closure_rate_e4 ...: uint, nil when undefined), score_e1 (tenths of a
 * point, nil when undefined) and grade (str).  Names are given once so
 * that a district's month (hundreds of groups) fits one event.  The one
 * table in eval_codec.c lists the derived figures: a figure added to
 * struct eval_group is added there, and then flows into every report,
 * check and bundle; a reader skips the columns it does not know.
 */
#ifndef GRIDCASE_EVAL_CODEC_H
#define GRIDCASE_EVAL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "node/case/eval.h"
#include "node/case/indicators.h"

/* A reader refuses more columns than this. */
#define EVAL_CODEC_MAX_COLUMNS 64

/* Appends r's rows to out. */
void eval_result_encode(const struct eval_result *r, struct buf *out);

/*
 * Reads what eval_result_encode() wrote into out (free with
 * eval_release(); no case lists).  Columns it does not know are skipped,
 * figures it knows and does not find stay 0 (rates and score undefined).
 * ERR_FORMAT if [p, p+n) is not such a map.
 */
MUST_CHECK int eval_result_decode(const uint8_t *p, size_t n,
				  struct eval_result *out, struct diag *d);

/*
 * An indicator table (node/case/indicators.h) as the same kind of map,
 * with the figures' kinds beside their names (docs/audit.md §3):
 * { "columns": ["group", "name", figure..., "grade"],
 *   "kinds": ["text", "text", kind..., "grade"],
 *   "rows": [[key, name, value..., grade]...] }, a kind "count", "rate"
 * (ten-thousandths), "score" (tenths of a point) or "minutes", a value
 * an integer or nil for no value, the grade "A" to "E" or "-".
 */
void ind_table_encode(const struct ind_table *t, struct buf *out);

/*
 * Reads what ind_table_encode() wrote for set `set` into out (free with
 * ind_table_release(); no case lists, the period left 0): the set's
 * figures by name, a figure the encoding lacks has no value, a column
 * this version does not know is skipped.  ERR_FORMAT if it does not read.
 */
MUST_CHECK int ind_table_decode(const uint8_t *p, size_t n, enum ind_set set,
				struct ind_table *out, struct diag *d);

/*
 * Compares two encodings figure by figure (either kind of table); 0 if they are the same bytes,
 * else 1 with the first difference named in what: a column, a row's
 * group, or "group 'office-03' figure on_time: 12 in the first, 11 in
 * the second".
 */
int eval_result_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
		     char *what, size_t cap);

#endif

/*
 * eval_codec.h - the evaluation result as named figures in canonical
 * msgpack: what a frozen period report signs (docs/audit.md §3).
 *
 * A result is an array of rows, one per group in key order; a row is a
 * map from each figure's name to its value: "group" (str), every count of
 * enum figure under figure_name() (uint), the rates in ten-thousandths
 * (closure_rate_e4 ...: int, nil when undefined), the disposal minutes
 * (uint), score_e1 (tenths of a point, nil when undefined) and grade
 * (str).  The one table in eval_codec.c lists the derived figures: a
 * figure added to struct eval_group is added there, and then flows into
 * every report, check and bundle.
 */
#ifndef GRIDCASE_EVAL_CODEC_H
#define GRIDCASE_EVAL_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "node/case/eval.h"

/* Appends r's rows to out. */
void eval_result_encode(const struct eval_result *r, struct buf *out);

/*
 * Reads rows written by eval_result_encode() into out (free with
 * eval_release(); no case lists).  Figures it does not know are skipped,
 * figures it knows and does not find stay 0.  ERR_FORMAT (and the
 * reader's errors) if [p, p+n) is not an array of such rows.
 */
MUST_CHECK int eval_result_decode(const uint8_t *p, size_t n,
				  struct eval_result *out, struct diag *d);

/*
 * Compares two encodings figure by figure; 0 if they are the same bytes,
 * else 1 with the first difference named in what ("group 'office-03'
 * figure on_time: 12 in the first, 11 in the second").
 */
int eval_result_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
		     char *what, size_t cap);

#endif

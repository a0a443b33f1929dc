/*
 * report.h - reporting a new case (信息收集): the first event of a case.
 *
 * A report names the problem's class (kind + 5-digit code, checked
 * against the classification table), the unit grid cell it is in, where
 * and what, and how it reached the centre (its source).
 */
#ifndef GRIDCASE_REPORT_H
#define GRIDCASE_REPORT_H

#include <stdint.h>

#include "common/err.h"

struct node;

#define REPORT_CASE_ID_BYTES 18 /* "YYYYMMDD-" + 8 characters + NUL */

struct report_req {
	const char *kind;   /* "component" or "event" */
	const char *code;   /* 5 digits */
	const char *grid;   /* unit grid id, 15 digits */
	const char *where;  /* location text */
	const char *desc;   /* what is wrong */
	const char *source; /* supervisor, hotline, video, referral, media */
	int has_position;
	int64_t lat_e6, lon_e6; /* microdegrees (events carry no floats) */
	uint64_t now_ms;
};

/* 1 if s is one of the intake channels. */
int report_source_is_valid(const char *s);

/*
 * Parses a decimal degree ("31.2304", "-121.5") into microdegrees, with at
 * most 6 decimals and |value| <= limit degrees.  ERR_INVAL otherwise.
 */
MUST_CHECK int report_parse_degrees(const char *s, int limit, int64_t *e6);

/*
 * Checks the request (ERR_INVAL naming the field), makes a new case id,
 * appends the signed report event and writes the case id to case_id.
 */
MUST_CHECK int report_case(struct node *n, const struct report_req *r,
			   char case_id[REPORT_CASE_ID_BYTES],
			   struct diag *d);

#endif

/*
 * report.h - reporting a new case (信息收集): the first event of a case.
 *
 * A report names the problem's class (kind + code, checked against the
 * classification table), the unit grid cell it is in (given, or found
 * from the position in the imported grid), where and what, how it reached
 * the centre (its source), and optionally the component concerned,
 * photos and the caller's personal data, which are blobs referenced by
 * hash so that they can be erased later.
 */
#ifndef GRIDCASE_REPORT_H
#define GRIDCASE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/hash.h"

struct node;
struct key;

#define REPORT_CASE_ID_BYTES 18 /* "YYYYMMDD-" + 8 characters + NUL */
#define REPORT_MAX_PHOTOS 8
#define LEGACY_STANDARD "GB/T 30428.2-2013"

struct report_req {
	const char *kind;   /* "component" or "event" */
	const char *code;   /* 5 digits, or 4 (legacy) if configured */
	const char *grid;   /* NULL: found from the position */
	const char *where;  /* location text */
	const char *desc;   /* what is wrong */
	const char *source; /* supervisor, hotline, video, referral, media */
	const char *by;     /* the reporting person, or NULL */
	const char *component; /* component id (17 digits; 16 legacy), or NULL */
	int has_position;
	int64_t lat_e6, lon_e6; /* microdegrees (events carry no floats) */
	size_t nphotos;
	uint8_t photos[REPORT_MAX_PHOTOS][HASH_BYTES]; /* blob hashes */
	int has_caller;
	uint8_t caller[HASH_BYTES]; /* blob hash of the caller's personal data */
	uint64_t now_ms;
	const struct key *key; /* who signs: as struct action_req's key */
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
 * appends the signed report event and writes the case id to case_id and,
 * when the grid was found from the position, the cell's office to
 * office (may be NULL; "" when unknown).
 */
MUST_CHECK int report_case(struct node *n, const struct report_req *r,
			   char case_id[REPORT_CASE_ID_BYTES],
			   char office[65], struct diag *d);

#endif

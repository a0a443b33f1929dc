/*
 * clock.h - wall-clock time in milliseconds, and its ISO 8601 form.
 *
 * Event times are milliseconds since 1970-01-01 UTC.  Machine-readable
 * text (JSON, export, logs) is UTC ("2026-11-26T09:30:00Z"); the case
 * views people read show the district's local time, at the UTC offset of
 * the node's calendar.
 */
#ifndef GRIDCASE_CLOCK_H
#define GRIDCASE_CLOCK_H

#include <stdint.h>

#include "common/err.h"

#define CLOCK_ISO_BYTES 32

/*
 * Now, in ms.  The environment variable GRIDCASE_NOW (ISO 8601 or ms)
 * overrides the system clock: simulations and tests replay a month in
 * seconds with it.  A bad GRIDCASE_NOW is ignored with a warning.
 */
uint64_t clock_now_ms(void);

/* "YYYY-MM-DDTHH:MM:SSZ" (seconds precision) into out. */
void clock_format(uint64_t ms, char out[CLOCK_ISO_BYTES]);
/* "YYYY-MM-DD HH:MM", local at offset_min minutes east of UTC, into out. */
void clock_format_local(uint64_t ms, int offset_min,
			char out[CLOCK_ISO_BYTES]);
/* "UTC+08:00" for offset_min 480, into out. */
void clock_format_offset(int offset_min, char out[CLOCK_ISO_BYTES]);

/*
 * Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]Z" or a number of ms.
 * ERR_INVAL if s is none of these.
 */
MUST_CHECK int clock_parse(const char *s, uint64_t *ms);

/* Days since 1970-01-01 for a civil date, and back (proleptic Gregorian). */
int64_t clock_days_from_civil(int y, int m, int d);
void clock_civil_from_days(int64_t days, int *y, int *m, int *d);

#endif

/*
 * calendar.h - working time: the clock of every deadline.
 *
 * Time limits are in working hours or working days; the calendar says
 * when work happens, in local time: the daily work periods, the weekend,
 * public holidays, and the weekend days that are working days by decree
 * (调休).  A working day counts as the length of a standard work day of
 * working time, so "15 working days" is 15 x 7.5 working hours with the
 * default periods 08:30-12:00 and 13:30-17:30.
 *
 * All arithmetic is in milliseconds since 1970 UTC; the calendar's UTC
 * offset turns instants into local days and minutes.
 */
#ifndef GRIDCASE_CALENDAR_H
#define GRIDCASE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define CAL_MAX_PERIODS 6
#define CAL_NEVER UINT64_MAX

struct calendar {
	int utc_offset_min;
	int nperiods;
	int period_start[CAL_MAX_PERIODS]; /* minutes after local midnight */
	int period_end[CAL_MAX_PERIODS];
	unsigned weekend; /* bit d set: ISO weekday d (1 Mon .. 7 Sun) is off */
	int64_t *holidays; /* local day numbers, ascending */
	size_t nholidays;
	int64_t *workdays; /* weekend days that are working days */
	size_t nworkdays;
};

/* China's default: +08:00, 08:30-12:00 and 13:30-17:30, Sat/Sun off. */
void cal_init_default(struct calendar *c);
void cal_release(struct calendar *c);

/* Working minutes of one standard working day. */
int cal_day_minutes(const struct calendar *c);

/* Local day number (days since 1970-01-01 local) of an instant. */
int64_t cal_local_day(const struct calendar *c, uint64_t t_ms);

int cal_is_workday(const struct calendar *c, int64_t local_day);

/* Working time in [from, to), in ms (0 if to <= from). */
uint64_t cal_work_ms(const struct calendar *c, uint64_t from, uint64_t to);

/*
 * The instant at which `work` ms of working time have passed after from;
 * CAL_NEVER if the calendar has no working time in the next ten years.
 */
uint64_t cal_add_work(const struct calendar *c, uint64_t from, uint64_t work);

/*
 * Parses "HH:MM-HH:MM" (or H:MM) into minutes; ERR_INVAL if malformed or
 * empty.
 */
MUST_CHECK int cal_parse_period(const char *s, int *start, int *end);

/*
 * Parses a UTC offset "+08:00" / "-03:30" (sign, two digits each, up to
 * 14:59) into minutes east of UTC; ERR_INVAL if it is not one.
 */
MUST_CHECK int cal_parse_offset(const char *s, int *minutes);

#endif

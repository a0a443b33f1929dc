/* calendar.c - working-time arithmetic over a work calendar. */
#include "node/case/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/banned.h"

#define DAY_MS 86400000LL
#define MIN_MS 60000LL
/* How far cal_add_work looks for working time before giving up. */
#define SEARCH_DAYS 3660

void
cal_init_default(struct calendar *c)
{
	memset(c, 0, sizeof(*c));
	c->utc_offset_min = 8 * 60;
	c->nperiods = 2;
	c->period_start[0] = 8 * 60 + 30;
	c->period_end[0] = 12 * 60;
	c->period_start[1] = 13 * 60 + 30;
	c->period_end[1] = 17 * 60 + 30;
	c->weekend = 1u << 6 | 1u << 7;
}

void
cal_release(struct calendar *c)
{
	free(c->holidays);
	free(c->workdays);
	c->holidays = c->workdays = NULL;
	c->nholidays = c->nworkdays = 0;
}

int
cal_day_minutes(const struct calendar *c)
{
	int m = 0;
	for (int i = 0; i < c->nperiods; i++)
		m += c->period_end[i] - c->period_start[i];
	return m;
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
cal_local_day(const struct calendar *c, uint64_t t_ms)
{
	return floor_div((int64_t)t_ms + c->utc_offset_min * MIN_MS, DAY_MS);
}

static int
in_sorted(const int64_t *v, size_t n, int64_t x)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo] == x;
}

int
cal_is_workday(const struct calendar *c, int64_t day)
{
	/* 1970-01-01 was a Thursday (ISO 4). */
	int iso = (int)(((day % 7) + 7 + 3) % 7) + 1;
	if (in_sorted(c->workdays, c->nworkdays, day))
		return 1;
	if (c->weekend & (1u << iso))
		return 0;
	return !in_sorted(c->holidays, c->nholidays, day);
}

/* The UTC instant of a local day's minute. */
static int64_t
instant(const struct calendar *c, int64_t day, int minute)
{
	return day * DAY_MS + (int64_t)minute * MIN_MS -
	       c->utc_offset_min * MIN_MS;
}

uint64_t
cal_work_ms(const struct calendar *c, uint64_t from, uint64_t to)
{
	uint64_t sum = 0;
	if (to <= from)
		return 0;
	for (int64_t day = cal_local_day(c, from); day <= cal_local_day(c, to);
	     day++) {
		if (!cal_is_workday(c, day))
			continue;
		for (int i = 0; i < c->nperiods; i++) {
			int64_t s = instant(c, day, c->period_start[i]);
			int64_t e = instant(c, day, c->period_end[i]);
			if (s < (int64_t)from)
				s = (int64_t)from;
			if (e > (int64_t)to)
				e = (int64_t)to;
			if (e > s)
				sum += (uint64_t)(e - s);
		}
	}
	return sum;
}

uint64_t
cal_add_work(const struct calendar *c, uint64_t from, uint64_t work)
{
	int64_t first = cal_local_day(c, from);
	if (work == 0)
		return from;
	for (int64_t day = first; day < first + SEARCH_DAYS; day++) {
		if (!cal_is_workday(c, day))
			continue;
		for (int i = 0; i < c->nperiods; i++) {
			int64_t s = instant(c, day, c->period_start[i]);
			int64_t e = instant(c, day, c->period_end[i]);
			if (s < (int64_t)from)
				s = (int64_t)from;
			if (e <= s)
				continue;
			if ((uint64_t)(e - s) >= work)
				return (uint64_t)s + work;
			work -= (uint64_t)(e - s);
		}
	}
	return CAL_NEVER;
}

/*
 * "H:MM" or "HH:MM" at the start of s (digits only: sscanf's %d would
 * also take signs and blanks, so "17:+0" was once 17:00), hours up to
 * max_h: the minutes in *minutes, the characters read in *len.
 */
static int
parse_clock(const char *s, int max_h, int *minutes, size_t *len)
{
	size_t i = 0;
	int h = 0;
	while (i < 2 && s[i] >= '0' && s[i] <= '9')
		h = h * 10 + (s[i++] - '0');
	if (i == 0 || s[i] != ':' || s[i + 1] < '0' || s[i + 1] > '9' ||
	    s[i + 2] < '0' || s[i + 2] > '9')
		return ERR_INVAL;
	int m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	if (h > max_h || m > 59)
		return ERR_INVAL;
	*minutes = h * 60 + m;
	*len = i + 3;
	return 0;
}

int
cal_parse_period(const char *s, int *start, int *end)
{
	int st, en;
	size_t a, b;
	if (parse_clock(s, 24, &st, &a) || s[a] != '-' ||
	    parse_clock(s + a + 1, 24, &en, &b) || s[a + 1 + b] != '\0' ||
	    en <= st || en > 24 * 60)
		return ERR_INVAL;
	*start = st;
	*end = en;
	return 0;
}

int
cal_parse_offset(const char *s, int *minutes)
{
	int m;
	size_t n;
	if ((s[0] != '+' && s[0] != '-') || parse_clock(s + 1, 14, &m, &n) ||
	    n != 5 || s[1 + n] != '\0')
		return ERR_INVAL;
	*minutes = s[0] == '-' ? -m : m;
	return 0;
}

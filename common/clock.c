/* clock.c - time in ms, formatted and parsed as ISO 8601 UTC. */
#include "common/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "common/banned.h"

/* Howard Hinnant's civil-date algorithms: exact, no tables, no libc. */
int64_t
clock_days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
clock_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

uint64_t
clock_now_ms(void)
{
	const char *fake = getenv("GRIDCASE_NOW");
	uint64_t ms;
	if (fake && *fake) {
		if (clock_parse(fake, &ms) == 0)
			return ms;
		log_warn("clock", "ignoring GRIDCASE_NOW '%s': not a time",
			 fake);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The civil date and time of day of secs since 1970 (floor division, so
 * a time before the epoch still falls on the right day). */
struct civil {
	int y, m, d, hh, mm, ss;
};

static struct civil
civil_of(int64_t secs)
{
	struct civil c;
	int64_t days = secs / 86400 - (secs % 86400 < 0);
	int64_t rem = secs - days * 86400;
	clock_civil_from_days(days, &c.y, &c.m, &c.d);
	c.hh = (int)(rem / 3600);
	c.mm = (int)(rem / 60 % 60);
	c.ss = (int)(rem % 60);
	return c;
}

void
clock_format(uint64_t ms, char out[CLOCK_ISO_BYTES])
{
	struct civil c = civil_of((int64_t)(ms / 1000));
	snprintf(out, CLOCK_ISO_BYTES, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.y, c.m,
		 c.d, c.hh, c.mm, c.ss);
}

void
clock_format_local(uint64_t ms, int offset_min, char out[CLOCK_ISO_BYTES])
{
	struct civil c = civil_of((int64_t)(ms / 1000) + (int64_t)offset_min * 60);
	snprintf(out, CLOCK_ISO_BYTES, "%04d-%02d-%02d %02d:%02d", c.y, c.m, c.d,
		 c.hh, c.mm);
}

void
clock_format_offset(int offset_min, char out[CLOCK_ISO_BYTES])
{
	int a = offset_min < 0 ? -offset_min : offset_min;
	snprintf(out, CLOCK_ISO_BYTES, "UTC%c%02d:%02d", offset_min < 0 ? '-' : '+',
		 a / 60, a % 60);
}

/* Exactly n digits at s, as a number; -1 if they are not all digits. */
static int
digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int
clock_parse(const char *s, uint64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0;
	size_t len = strlen(s);

	/* Milliseconds: at least 10 digits, so that a date typed without
	 * dashes (20261126) is refused rather than read as 1970. */
	if (len >= 10 && len <= 15 && strspn(s, "0123456789") == len) {
		*ms = strtoull(s, NULL, 10);
		return 0;
	}
	if (len < 10 || s[4] != '-' || s[7] != '-')
		return ERR_INVAL;
	y = digits(s, 4);
	mo = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (len == 17 || len == 20) {
		/* YYYY-MM-DDTHH:MMZ or YYYY-MM-DDTHH:MM:SSZ */
		if (s[10] != 'T' || s[13] != ':' || s[len - 1] != 'Z')
			return ERR_INVAL;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		if (len == 20 && s[16] != ':')
			return ERR_INVAL;
		sec = len == 20 ? digits(s + 17, 2) : 0;
	} else if (len != 10) {
		return ERR_INVAL;
	}
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return ERR_INVAL;
	int64_t days = clock_days_from_civil(y, mo, d);
	int cy, cm, cd;
	clock_civil_from_days(days, &cy, &cm, &cd);
	if (cy != y || cm != mo || cd != d)
		return ERR_INVAL; /* 2026-02-30 */
	*ms = (uint64_t)((days * 86400 + h * 3600 + mi * 60 + sec) * 1000);
	return 0;
}

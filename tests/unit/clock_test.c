/*
 * clock_test.c - civil dates, ISO 8601 text and the GRIDCASE_NOW
 * override (common/clock.h).
 */
#include "common/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "tests/harness.h"
#include "common/banned.h"

/* ---- civil dates ---- */

static const struct {
	int y, m, d;
	int64_t days;
} known_days[] = {
	{ 1970, 1, 1, 0 },	  { 1970, 1, 2, 1 },
	{ 1969, 12, 31, -1 },	  { 2000, 2, 29, 11016 },
	{ 2000, 3, 1, 11017 },	  { 2024, 2, 29, 19782 },
	{ 2026, 11, 26, 20783 },  { 1900, 3, 1, -25508 },
	{ 1600, 3, 1, -135080 },  { 2100, 3, 1, 47541 },
	{ 1, 1, 1, -719162 },	  { 9999, 12, 31, 2932896 },
};

static void
test_days_from_civil_known_dates(void)
{
	for (size_t i = 0; i < sizeof(known_days) / sizeof(known_days[0]);
	     i++) {
		int64_t got = clock_days_from_civil(
			known_days[i].y, known_days[i].m, known_days[i].d);
		if (got != known_days[i].days) {
			harness_fail(__FILE__, __LINE__,
				     "%04d-%02d-%02d: %lld, expected %lld",
				     known_days[i].y, known_days[i].m,
				     known_days[i].d, (long long)got,
				     (long long)known_days[i].days);
			return;
		}
	}
}

static void
test_civil_from_days_known_dates(void)
{
	for (size_t i = 0; i < sizeof(known_days) / sizeof(known_days[0]);
	     i++) {
		int y = 0, m = 0, d = 0;
		clock_civil_from_days(known_days[i].days, &y, &m, &d);
		if (y != known_days[i].y || m != known_days[i].m ||
		    d != known_days[i].d) {
			harness_fail(__FILE__, __LINE__,
				     "day %lld: %04d-%02d-%02d, expected "
				     "%04d-%02d-%02d",
				     (long long)known_days[i].days, y, m, d,
				     known_days[i].y, known_days[i].m,
				     known_days[i].d);
			return;
		}
	}
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/*
 * Walks every day from 0001-01-01 to 9999-12-31: each day is the
 * calendar successor of the one before, and converts back to its number.
 */
static void
test_every_day_follows_the_calendar(void)
{
	int y = 1, m = 1, d = 1;
	int64_t first = clock_days_from_civil(1, 1, 1);
	int64_t last = clock_days_from_civil(9999, 12, 31);
	for (int64_t z = first; z <= last; z++) {
		int cy, cm, cd;
		clock_civil_from_days(z, &cy, &cm, &cd);
		if (cy != y || cm != m || cd != d ||
		    clock_days_from_civil(y, m, d) != z) {
			harness_fail(__FILE__, __LINE__,
				     "day %lld: %04d-%02d-%02d, expected "
				     "%04d-%02d-%02d",
				     (long long)z, cy, cm, cd, y, m, d);
			return;
		}
		if (++d > month_days(y, m)) {
			d = 1;
			if (++m > 12) {
				m = 1;
				y++;
			}
		}
	}
	CHECK_EQ_INT(y, 10000);
}

/* ---- formatting ---- */

static const struct {
	uint64_t ms;
	const char *iso;
} known_times[] = {
	{ 0, "1970-01-01T00:00:00Z" },
	{ 999, "1970-01-01T00:00:00Z" },
	{ 1000, "1970-01-01T00:00:01Z" },
	{ 86399999, "1970-01-01T23:59:59Z" },
	{ 86400000, "1970-01-02T00:00:00Z" },
	{ 951827696000ull, "2000-02-29T12:34:56Z" },
	{ 1795651200000ull, "2026-11-26T00:00:00Z" },
	{ 1795685400000ull, "2026-11-26T09:30:00Z" },
	{ 1795685400999ull, "2026-11-26T09:30:00Z" },
	{ 253402300799000ull, "9999-12-31T23:59:59Z" },
};

static void
test_format_known_times(void)
{
	for (size_t i = 0; i < sizeof(known_times) / sizeof(known_times[0]);
	     i++) {
		char out[CLOCK_ISO_BYTES];
		clock_format(known_times[i].ms, out);
		if (strcmp(out, known_times[i].iso) != 0) {
			harness_fail(__FILE__, __LINE__,
				     "%llu: '%s', expected '%s'",
				     (unsigned long long)known_times[i].ms,
				     out, known_times[i].iso);
			return;
		}
	}
}

static void
test_format_is_nul_terminated_for_any_time(void)
{
	static const uint64_t ms[] = { UINT64_MAX, (uint64_t)INT64_MAX,
				       253402300800000ull };
	for (size_t i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		char out[CLOCK_ISO_BYTES];
		memset(out, 'x', sizeof(out));
		clock_format(ms[i], out);
		CHECK(memchr(out, '\0', sizeof(out)) != NULL);
		CHECK(out[strlen(out) - 1] == 'Z');
	}
}

/* ---- parsing ---- */

static const struct {
	const char *text;
	uint64_t ms;
} good_texts[] = {
	{ "2026-11-26", 1795651200000ull },
	{ "2026-11-26T09:30Z", 1795685400000ull },
	{ "2026-11-26T09:30:00Z", 1795685400000ull },
	{ "2026-11-26T09:30:59Z", 1795685459000ull },
	{ "2026-11-26T23:59:59Z", 1795737599000ull },
	{ "2000-02-29", 951782400000ull },
	{ "2000-02-29T12:34:56Z", 951827696000ull },
	{ "1970-01-01", 0 },
	{ "1970-01-01T00:00Z", 0 },
	{ "9999-12-31T23:59:59Z", 253402300799000ull },
	{ "1000000000", 1000000000ull },
	{ "1795685400123", 1795685400123ull },
	{ "999999999999999", 999999999999999ull },
};

static void
test_parse_accepts_dates_times_and_ms(void)
{
	for (size_t i = 0; i < sizeof(good_texts) / sizeof(good_texts[0]);
	     i++) {
		uint64_t ms = 12345;
		int rc = clock_parse(good_texts[i].text, &ms);
		if (rc != 0 || ms != good_texts[i].ms) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': %s, %llu, expected %llu",
				     good_texts[i].text, err_name(rc),
				     (unsigned long long)ms,
				     (unsigned long long)good_texts[i].ms);
			return;
		}
	}
}

static void
test_format_then_parse_round_trips(void)
{
	uint64_t seed = test_seed(), state = seed;
	for (size_t i = 0; i < sizeof(known_times) / sizeof(known_times[0]);
	     i++) {
		char out[CLOCK_ISO_BYTES];
		uint64_t back = 0;
		clock_format(known_times[i].ms, out);
		CHECK_OK(clock_parse(out, &back));
		CHECK_EQ_INT(back, known_times[i].ms / 1000 * 1000);
	}
	/* Random seconds from 1970 to 9999. */
	for (int i = 0; i < 20000; i++) {
		uint64_t secs = test_rand(&state) % 253402300800ull;
		uint64_t ms = secs * 1000, back = 0;
		char out[CLOCK_ISO_BYTES];
		clock_format(ms, out);
		int rc = clock_parse(out, &back);
		if (rc != 0 || back != ms) {
			harness_fail(__FILE__, __LINE__,
				     "%llu -> '%s' -> %s %llu",
				     (unsigned long long)ms, out, err_name(rc),
				     (unsigned long long)back);
			return;
		}
	}
}

static void
test_parse_then_format_round_trips(void)
{
	for (size_t i = 0; i < sizeof(good_texts) / sizeof(good_texts[0]);
	     i++) {
		const char *t = good_texts[i].text;
		uint64_t ms;
		char out[CLOCK_ISO_BYTES];
		/* Only the full form is what clock_format() writes. */
		if (strlen(t) != 20)
			continue;
		CHECK_OK(clock_parse(t, &ms));
		clock_format(ms, out);
		CHECK_EQ_STR(out, t);
	}
}

static void
test_invalid_dates_are_refused(void)
{
	static const char *const bad[] = {
		"2026-02-30", "2026-02-29", "2100-02-29", "1900-02-29",
		"2026-04-31", "2026-06-31", "2026-09-31", "2026-11-31",
		"2026-13-01", "2026-00-10", "2026-01-00", "2026-01-32",
		"2026-99-99", "1969-12-31", "0000-01-01", "1969-12-31T23:59Z",
		"2026-11-26T24:00Z", "2026-11-26T23:60Z",
		"2026-11-26T23:59:60Z", "2026-02-30T00:00:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 777;
		int rc = clock_parse(bad[i], &ms);
		if (rc != ERR_INVAL || ms != 777) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': %s (ms %llu), expected ERR_INVAL",
				     bad[i], err_name(rc),
				     (unsigned long long)ms);
			return;
		}
	}
}

static void
test_bad_suffixes_and_shapes_are_refused(void)
{
	static const char *const bad[] = {
		"",
		"now",
		"2026-11-26T09:30",
		"2026-11-26T09:30:00",
		"2026-11-26T09:30:00+01:00",
		"2026-11-26T09:30:00z",
		"2026-11-26T09:30:00ZZ",
		"2026-11-26T09:30:00.000Z",
		"2026-11-26T09Z",
		"2026-11-26T",
		"2026-11-26Z",
		"2026-11-26 09:30Z",
		"2026-11-26t09:30Z",
		"2026-11-26x",
		"2026-11-2",
		"2026-1-26",
		"26-11-26",
		"2026/11/26",
		" 2026-11-26",
		"2026-11-26 ",
		"-1",
		"+5",
		"1e3",
		"12.5",
		"1234567890123456",
		"0",
		"20261126", /* a date without dashes, not 20 million ms */
		"99999999999999999999",
		"10000-01-01",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 777;
		int rc = clock_parse(bad[i], &ms);
		if (rc != ERR_INVAL || ms != 777) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': %s (ms %llu), expected ERR_INVAL",
				     bad[i], err_name(rc),
				     (unsigned long long)ms);
			return;
		}
	}
}

/*
 * The forms are fixed-width digits: "YYYY-MM-DD" and "THH:MM[:SS]Z".
 * A sign, a space or a missing digit inside a field is not one of them.
 */
static void
test_fields_with_signs_spaces_or_short_digits_are_refused(void)
{
	static const char *const bad[] = {
		"2026-+1-05",
		"2026-01-+5",
		"2026- 1-05",
		"2026-01- 5",
		"2026-11-26T9:30Z",
		"2026-11-26T09:3Z",
		"2026-11-26T+9:30Z",
		"2026-11-26T 9:30Z",
		"2026-11-26T09:+3Z",
		"2026-11-26T09:30:5Z",
		"2026-11-26T09:30:+5Z",
		"2026-11-26T09:30: 5Z",
		"2026-11-26T09:-0Z",
	};
	struct buf accepted = BUF_INIT;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t ms = 777;
		if (clock_parse(bad[i], &ms) != ERR_INVAL)
			buf_printf(&accepted, " '%s' (as %llu)", bad[i],
				   (unsigned long long)ms);
	}
	if (accepted.len)
		harness_fail(__FILE__, __LINE__, "accepted:%s",
			     buf_cstr(&accepted));
	buf_release(&accepted);
}

/* ---- GRIDCASE_NOW ---- */

static uint64_t
system_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
test_now_honours_gridcase_now(void)
{
	static const struct {
		const char *value;
		uint64_t ms;
	} cases[] = {
		{ "2026-11-26T09:30:00Z", 1795685400000ull },
		{ "2026-11-26T09:30Z", 1795685400000ull },
		{ "2026-11-26", 1795651200000ull },
		{ "1795685400123", 1795685400123ull },
	};
	const char *old = getenv("GRIDCASE_NOW");
	char *saved = old ? xstrdup(old) : NULL;
	int bad = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]) && !bad;
	     i++) {
		setenv("GRIDCASE_NOW", cases[i].value, 1);
		uint64_t a = clock_now_ms(), b = clock_now_ms();
		if (a != cases[i].ms || b != cases[i].ms) {
			harness_fail(__FILE__, __LINE__,
				     "GRIDCASE_NOW='%s': %llu, %llu, "
				     "expected %llu",
				     cases[i].value, (unsigned long long)a,
				     (unsigned long long)b,
				     (unsigned long long)cases[i].ms);
			bad = 1;
		}
	}
	if (saved)
		setenv("GRIDCASE_NOW", saved, 1);
	else
		unsetenv("GRIDCASE_NOW");
	free(saved);
}

static void
test_now_ignores_a_bad_or_empty_gridcase_now(void)
{
	static const char *const values[] = { "garbage", "2026-02-30",
					      "2026-11-26T09:30", "" };
	const char *old = getenv("GRIDCASE_NOW");
	char *saved = old ? xstrdup(old) : NULL;
	enum log_level level = log_threshold;
	int bad = 0;
	log_threshold = LOG_ERR; /* the warning is expected: keep quiet */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]) && !bad;
	     i++) {
		setenv("GRIDCASE_NOW", values[i], 1);
		uint64_t before = system_ms();
		uint64_t now = clock_now_ms();
		uint64_t after = system_ms();
		if (now < before || now > after) {
			harness_fail(__FILE__, __LINE__,
				     "GRIDCASE_NOW='%s': %llu not in "
				     "[%llu, %llu]",
				     values[i], (unsigned long long)now,
				     (unsigned long long)before,
				     (unsigned long long)after);
			bad = 1;
		}
	}
	unsetenv("GRIDCASE_NOW");
	uint64_t before = system_ms();
	uint64_t now = clock_now_ms();
	uint64_t after = system_ms();
	log_threshold = level;
	if (saved)
		setenv("GRIDCASE_NOW", saved, 1);
	free(saved);
	if (!bad) {
		CHECK(now >= before);
		CHECK(now <= after);
	}
}

/* Local time: the day turns at local midnight, on either side of UTC. */
static void
test_local_format_shifts_by_the_offset(void)
{
	static const struct {
		uint64_t ms;
		int offset;
		const char *local;
	} cases[] = {
		/* 2026-03-02T00:30:00Z: 08:30 in Shanghai, the day before in
		 * New York, the same instant at UTC. */
		{ 1772411400000ull, 480, "2026-03-02 08:30" },
		{ 1772411400000ull, 0, "2026-03-02 00:30" },
		{ 1772411400000ull, -300, "2026-03-01 19:30" },
		/* 16:00Z is midnight of the next day at +08:00. */
		{ 1772467200000ull, 480, "2026-03-03 00:00" },
		{ 1772467199000ull, 480, "2026-03-02 23:59" },
		/* Half-hour zones, and the end of a leap February. */
		{ 1709226000000ull, 330, "2024-02-29 22:30" },
		{ 1709244000000ull, 330, "2024-03-01 03:30" },
		/* Before the epoch in local time. */
		{ 0, -60, "1969-12-31 23:00" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[CLOCK_ISO_BYTES];
		clock_format_local(cases[i].ms, cases[i].offset, out);
		CHECK_EQ_STR(out, cases[i].local);
	}
}

static void
test_offsets_are_named_with_their_sign(void)
{
	char out[CLOCK_ISO_BYTES];
	clock_format_offset(480, out);
	CHECK_EQ_STR(out, "UTC+08:00");
	clock_format_offset(0, out);
	CHECK_EQ_STR(out, "UTC+00:00");
	clock_format_offset(-570, out);
	CHECK_EQ_STR(out, "UTC-09:30");
}

static const struct test tests[] = {
	{ "days from civil for known dates", test_days_from_civil_known_dates },
	{ "civil from days for known dates", test_civil_from_days_known_dates },
	{ "every day from year 1 to 9999 follows the calendar",
	  test_every_day_follows_the_calendar },
	{ "known times format as ISO 8601", test_format_known_times },
	{ "format is NUL-terminated for any time",
	  test_format_is_nul_terminated_for_any_time },
	{ "parse accepts dates, times and ms",
	  test_parse_accepts_dates_times_and_ms },
	{ "format then parse round trips", test_format_then_parse_round_trips },
	{ "parse then format round trips", test_parse_then_format_round_trips },
	{ "local format shifts by the offset",
	  test_local_format_shifts_by_the_offset },
	{ "offsets are named with their sign",
	  test_offsets_are_named_with_their_sign },
	{ "invalid dates are refused", test_invalid_dates_are_refused },
	{ "bad suffixes and shapes are refused",
	  test_bad_suffixes_and_shapes_are_refused },
	{ "fields with signs, spaces or short digits are refused",
	  test_fields_with_signs_spaces_or_short_digits_are_refused },
	{ "now honours GRIDCASE_NOW", test_now_honours_gridcase_now },
	{ "now ignores a bad or empty GRIDCASE_NOW",
	  test_now_ignores_a_bad_or_empty_gridcase_now },
};

TEST_MAIN(tests)

/*
 * config_test.c - reading config.json (node/case/config.h): the defaults, the
 * shipped file, and the refusal of values written otherwise than
 * docs/workflow.md says.
 */
#include "node/case/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "node/files.h"
#include "tests/harness.h"
#include "common/banned.h"

/* Writes text to DIR/config.json and loads it. */
static int
load_text(const char *text, struct config **c, struct diag *d)
{
	char *dir = test_tmpdir();
	char *path = xasprintf("%s/config.json", dir);
	FILE *f = fopen(path, "w");
	BUG_ON(!f);
	fputs(text, f);
	BUG_ON(fclose(f) != 0);
	int rc = config_load_file(path, c, d);
	free(path);
	test_tmpdir_remove(dir);
	free(dir);
	return rc;
}

static void
test_shipped_config_loads(void)
{
	struct config *c;
	struct diag d;
	CHECK_OK(config_load_file("data/config.json", &c, &d));
	int off = c->cal.utc_offset_min, np = c->cal.nperiods;
	int st = c->cal.period_start[1], en = c->cal.period_end[1];
	config_free(c);
	CHECK_EQ_INT(off, 8 * 60);
	CHECK_EQ_INT(np, 2);
	CHECK_EQ_INT(st, 13 * 60 + 30);
	CHECK_EQ_INT(en, 17 * 60 + 30);
}

static void
test_offsets_are_read(void)
{
	static const struct {
		const char *text;
		int minutes;
	} ok[] = {
		{ "+08:00", 480 }, { "-03:30", -210 }, { "+00:00", 0 },
		{ "+14:59", 899 }, { "-00:45", -45 },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct config *c;
		struct diag d;
		char *text = xasprintf("{\"calendar\": {\"utc_offset\": \"%s\"}}",
				       ok[i].text);
		int rc = load_text(text, &c, &d);
		free(text);
		if (rc)
			harness_fail(__FILE__, __LINE__, "%s: %s", ok[i].text,
				     d.text);
		CHECK_OK(rc);
		int got = c->cal.utc_offset_min;
		config_free(c);
		CHECK_EQ_INT(got, ok[i].minutes);
	}
}

/*
 * Found by the config fuzz target: sscanf's %2d took a sign or a blank
 * where a digit belongs, so "+-1:30" was an offset of -00:30 and a work
 * period ending "17:+0" ended at 17:00.
 */
static void
test_times_written_otherwise_are_refused(void)
{
	static const char *const offsets[] = {
		"+-1:30", "-+1:30", "+ 8:00", "+8:00", "+08:0", "+08:-5",
		"08:00", "+15:00", "+08:60", "+08:00 ", "",
	};
	static const char *const periods[] = {
		"13:30-17:+0", "+8:30-12:00", " 8:30-12:00", "08:30-12:-0",
		"08:30 -12:00", "08:30-12:5", "08:30-25:00", "12:00-08:30",
		"08:30-12:00x", "-08:30-12:00",
	};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		struct config *c = NULL;
		struct diag d;
		char *text = xasprintf("{\"calendar\": {\"utc_offset\": \"%s\"}}",
				       offsets[i]);
		int rc = load_text(text, &c, &d);
		free(text);
		config_free(c);
		if (rc != ERR_CONFIG)
			harness_fail(__FILE__, __LINE__,
				     "utc_offset \"%s\" accepted", offsets[i]);
		CHECK_ERR(rc, ERR_CONFIG);
		CHECK(strstr(d.text, "utc_offset") != NULL);
	}
	for (size_t i = 0; i < sizeof(periods) / sizeof(periods[0]); i++) {
		struct config *c = NULL;
		struct diag d;
		char *text = xasprintf("{\"calendar\": {\"work_hours\": "
				       "[\"%s\"]}}",
				       periods[i]);
		int rc = load_text(text, &c, &d);
		free(text);
		config_free(c);
		if (rc != ERR_CONFIG)
			harness_fail(__FILE__, __LINE__,
				     "work period \"%s\" accepted", periods[i]);
		CHECK_ERR(rc, ERR_CONFIG);
		CHECK(strstr(d.text, "work_hours") != NULL);
	}
}

static void
test_periods_are_read(void)
{
	struct config *c;
	struct diag d;
	int rc = load_text("{\"calendar\": {\"work_hours\": [\"8:30-12:00\", "
			   "\"13:00-24:00\"]}}",
			   &c, &d);
	CHECK_OK(rc);
	int a = c->cal.period_start[0], b = c->cal.period_end[1];
	config_free(c);
	CHECK_EQ_INT(a, 8 * 60 + 30);
	CHECK_EQ_INT(b, 24 * 60);
}

static void
test_http_listen_is_read(void)
{
	static const struct {
		const char *text, *want;
	} ok[] = {
		{ "{}", "" },
		{ "{\"http_listen\": false}", "" },
		{ "{\"http_listen\": true}", CONFIG_HTTP_DEFAULT },
		{ "{\"http_listen\": \"8081\"}", "127.0.0.1:8081" },
		{ "{\"http_listen\": \":8082\"}", "127.0.0.1:8082" },
		{ "{\"http_listen\": \"0.0.0.0:80\"}", "0.0.0.0:80" },
	};
	static const char *bad[] = {
		"{\"http_listen\": \"\"}", "{\"http_listen\": \"host:\"}",
		"{\"http_listen\": \"host:0\"}", "{\"http_listen\": \":70000\"}",
		"{\"http_listen\": 8080}", "{\"http_listen\": \"a:b\"}",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct config *c;
		struct diag d;
		CHECK_OK(load_text(ok[i].text, &c, &d));
		CHECK_EQ_STR(c->http_listen, ok[i].want);
		config_free(c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct config *c;
		struct diag d;
		CHECK_ERR(load_text(bad[i], &c, &d), ERR_CONFIG);
		CHECK(strstr(d.text, "\"http_listen\"") != NULL);
	}
}

static const struct test tests[] = {
	{ "http_listen is off by default and 127.0.0.1 when only a port is given",
	  test_http_listen_is_read },
	{ "the shipped config.json loads", test_shipped_config_loads },
	{ "UTC offsets are read as minutes east", test_offsets_are_read },
	{ "offsets and work periods written otherwise are refused",
	  test_times_written_otherwise_are_refused },
	{ "work periods are read as minutes of the day",
	  test_periods_are_read },
};

TEST_MAIN(tests)

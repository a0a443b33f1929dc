/*
 * config_test.c - reading config.json (node/case/config.h): the defaults, the
 * shipped file, and the refusal of values written otherwise than
 * docs/workflow.md says.
 */
#include "node/case/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
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

/*
 * The 2026 holidays and their working weekend days (调休), after the
 * State Council's notice on the 2026 holidays (国务院办公厅关于2026年
 * 部分节假日安排的通知): New Year 1-3 January, work on Sunday 4
 * January; the Spring Festival 15-23 February, work on 14 and 28
 * February; Labour Day 1-5 May, work on 9 May; National Day 1-7
 * October, work on 20 September and 10 October.
 */
static void
test_shipped_calendar_2026(void)
{
	static const struct {
		int m, d, work;
	} days[] = {
		{ 1, 1, 0 },  { 1, 2, 0 },  { 1, 3, 0 },  { 1, 4, 1 },
		{ 1, 5, 1 },  { 2, 14, 1 }, { 2, 16, 0 }, { 2, 23, 0 },
		{ 2, 24, 1 }, { 2, 28, 1 }, { 5, 1, 0 },  { 5, 5, 0 },
		{ 5, 9, 1 },  { 9, 20, 1 }, { 10, 7, 0 }, { 10, 10, 1 },
		{ 10, 11, 0 },
	};
	struct config *c;
	struct diag d;
	CHECK_OK(config_load_file("data/config.json", &c, &d));
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		int64_t day = clock_days_from_civil(2026, days[i].m, days[i].d);
		if (cal_is_workday(&c->cal, day) != days[i].work)
			harness_fail(__FILE__, __LINE__,
				     "2026-%02d-%02d: working day %d, wanted %d",
				     days[i].m, days[i].d,
				     cal_is_workday(&c->cal, day), days[i].work);
	}
	config_free(c);
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
test_unknown_keys_are_refused_with_their_line(void)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "{\n  \"grid_lenght\": 15\n}", ":2: unknown key \"grid_lenght\" in the top level" },
		{ "{\"calendar\": {\n\n \"utc_ofset\": \"+08:00\"}}",
		  ":3: unknown key \"utc_ofset\" in \"calendar\"" },
		{ "{\"replication\": {\"in_flight\": 4}}",
		  ":1: unknown key \"in_flight\" in \"replication\"" },
		{ "{\"limits\": [{\"class\": \"*\", \"limit\": \"4h\", \"urgent\": \"*\"}]}",
		  "unknown key \"urgent\" in a rule of \"limits\"" },
		{ "{\"eval\": {\"step_limts\": {}}}",
		  ":1: unknown key \"step_limts\" in \"eval\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *c = NULL;
		struct diag d;
		CHECK_ERR(load_text(cases[i].text, &c, &d), ERR_CONFIG);
		CHECK(strstr(d.text, cases[i].want) != NULL);
	}
}

/* The evaluation's keys: defaults when absent, each bad value refused
 * with its key named. */
static void
test_eval_keys(void)
{
	static const struct {
		const char *json, *key;
	} bad[] = {
		{ "{\"eval\": {\"step_limits\": {\"lunch\": \"1h\"}}}", "eval.step_limits" },
		{ "{\"eval\": {\"step_limits\": {\"accept\": \"1w\"}}}", "eval.step_limits" },
		{ "{\"eval\": {\"grades\": {\"A\": 101}}}", "eval.grades" },
		{ "{\"eval\": {\"grades\": {\"A\": 50}}}", "eval.grades" },
		{ "{\"eval\": {\"composites\": {\"unit\": {}}}}", "eval.composites" },
		{ "{\"eval\": {\"composites\": {\"operator\": {\"valid_rate\": 5}}}}", "eval.composites" },
		{ "{\"eval\": {\"bands\": {\"unit\": [[1, 10]]}}}", "eval.bands" },
		{ "{\"eval\": {\"bands\": {\"unit\": [[0, 10], [0, 5]]}}}", "eval.bands" },
		{ "{\"eval\": {\"bands\": {\"unit\": [[0, 1001]]}}}", "eval.bands" },
		{ "{\"eval\": {\"bands\": {\"mayor\": [[0, 1]]}}}", "eval.bands" },
		{ "{\"eval\": {\"region_class_2\": [\"\"]}}", "eval.region_class_2" },
	};
	struct config *c;
	struct diag d;
	CHECK_OK(load_text("{}", &c, &d));
	CHECK(strcmp(c->ev.step_limit[STEP_DISPATCH], "1h") == 0);
	CHECK(strcmp(c->ev.step_limit[STEP_RETURN], "2h") == 0);
	CHECK_EQ_INT(c->ev.grade_min[0], 90);
	CHECK_EQ_INT(c->ev.grade_min[3], 40);
	CHECK_EQ_INT(c->ev.weight[EW_SUPERVISOR][0], 40);
	CHECK_EQ_INT(c->ev.unit_bands.score_e1[2], 75);
	CHECK(strcmp(eval_step_name(STEP_VERIFY), "verify") == 0);
	config_free(c);
	CHECK_OK(load_text("{\"eval\": {\"step_limits\": {\"close\": \"2d\"}, "
			   "\"grades\": {\"A\": 95}, \"composites\": "
			   "{\"dispatcher\": {\"on_time_rate\": 60}}, "
			   "\"bands\": {\"region_2\": [[0, 100], [10, 50]]}, "
			   "\"region_class_2\": [\"310104001\"]}}",
			   &c, &d));
	CHECK(strcmp(c->ev.step_limit[STEP_CLOSE], "2d") == 0);
	CHECK_EQ_INT(c->ev.grade_min[0], 95);
	CHECK_EQ_INT(c->ev.weight[EW_DISPATCHER][1], 60);
	CHECK_EQ_INT(c->ev.region_bands[1].n, 2);
	CHECK_EQ_INT(c->ev.nclass2, 1);
	config_free(c);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		c = NULL;
		int rc = load_text(bad[i].json, &c, &d);
		config_free(c);
		if (rc != ERR_CONFIG)
			harness_fail(__FILE__, __LINE__, "%s accepted", bad[i].json);
		CHECK_ERR(rc, ERR_CONFIG);
		CHECK(strstr(d.text, bad[i].key) != NULL);
	}
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

/* A published setting's body made from a config.json text, then applied. */
static int
publish_apply(struct config *c, enum roster_setting kind, const char *text,
	      struct diag *d)
{
	struct buf body = BUF_INIT;
	int rc = config_setting_body(text, "pub.json", kind, "why", &body, d);
	if (rc == 0 && (rc = config_setting_check(kind, body.data, body.len, d)) == 0)
		rc = config_setting_apply(c, kind, body.data, body.len, d);
	buf_release(&body);
	return rc;
}

static void
test_published_settings_replace_the_file(void)
{
	struct config *c;
	struct diag d;
	const char *limit;
	CHECK_OK(config_load_file("data/config.json", &c, &d));
	CHECK(c->cal.nholidays > 0);
	/* The calendar is the published one on the default: the file's
	 * holidays are gone, not merged. */
	CHECK_OK(publish_apply(c, RS_CALENDAR,
			       "{\"calendar\": {\"work_hours\": [\"09:00-17:00\"], "
			       "\"holidays\": [\"2027-01-01\"]}}", &d));
	CHECK_EQ_INT(c->cal.nperiods, 1);
	CHECK_EQ_INT(c->cal.period_start[0], 9 * 60);
	CHECK_EQ_INT(c->cal.nholidays, 1);
	CHECK_EQ_INT(c->cal.utc_offset_min, 480);
	CHECK_OK(publish_apply(c, RS_LIMITS,
			       "{\"limits\": [{\"class\": \"*\", \"limit\": \"9h\"}]}",
			       &d));
	CHECK_EQ_INT(c->nlimits, 1);
	CHECK_OK(config_limit(c, "event:06010", "normal", &limit));
	CHECK(strcmp(limit, "9h") == 0);
	config_free(c);
}

static void
test_published_eval_replaces_the_file_s_whole(void)
{
	struct config *c;
	struct diag d;
	CHECK_OK(config_load_file("data/config.json", &c, &d));
	CHECK_OK(publish_apply(c, RS_EVAL,
			       "{\"eval\": {\"step_limits\": {\"verify\": \"3h\"}, "
			       "\"grades\": {\"A\": 95, \"B\": 75, \"C\": 60, \"D\": 40}}}",
			       &d));
	CHECK(strcmp(c->ev.step_limit[STEP_VERIFY], "3h") == 0);
	CHECK(strcmp(c->ev.step_limit[STEP_DISPATCH], "1h") == 0);
	CHECK_EQ_INT(c->ev.grade_min[0], 95);
	/* The weights the published eval leaves out are the defaults of
	 * docs/evaluation.md §4, not nothing (no overview score). */
	CHECK_EQ_INT(c->nweights, 4);
	CHECK(strcmp(c->weights[0].metric, "on_time_rate") == 0);
	CHECK_EQ_INT(c->weights[0].weight, 40);
	CHECK_ERR(publish_apply(c, RS_EVAL,
				"{\"eval\": {\"step_limits\": {\"verify\": \"3 hours\"}}}",
				&d), ERR_CONFIG);
	CHECK(strstr(d.text, "eval.step_limits") != NULL);
	CHECK(strcmp(c->ev.step_limit[STEP_VERIFY], "3h") == 0);
	config_free(c);
}

/* config_text_publish() of text with kind's part of pub: parsed back. */
static int
text_publish(const char *text, enum roster_setting kind, const char *pub,
	     struct config **out, char **out_text, struct diag *d)
{
	struct buf body = BUF_INIT;
	char *t = NULL;
	int rc = config_setting_body(pub, "pub.json", kind, "", &body, d);
	if (rc == 0)
		rc = config_text_publish(text, "config.json", kind, body.data,
					 body.len, &t, d);
	if (rc == 0)
		rc = config_parse(t, "the published text", out, d);
	buf_release(&body);
	if (out_text)
		*out_text = t;
	else
		free(t);
	return rc;
}

static void
test_published_text_keeps_the_rest_of_the_file(void)
{
	static const char file[] =
		"{\"grid_length\": 12, \"limits\": [{\"class\": \"*\", \"limit\": \"4h\"}]}";
	struct config *c = NULL;
	struct diag d;
	char *t = NULL;
	const char *limit;
	/* In place of the file's own part, the other keys kept. */
	CHECK_OK(text_publish(file, RS_LIMITS,
			      "{\"limits\": [{\"class\": \"*\", \"limit\": \"9h\"}]}",
			      &c, &t, &d));
	CHECK_EQ_INT(c->grid_length, 12);
	CHECK_OK(config_limit(c, "event:06010", "normal", &limit));
	CHECK(strcmp(limit, "9h") == 0);
	CHECK(strstr(t, "4h") == NULL);
	config_free(c);
	free(t);
	/* Added when the file has none. */
	CHECK_OK(text_publish(file, RS_EVAL,
			      "{\"eval\": {\"step_limits\": {\"close\": \"2h\"}}}",
			      &c, NULL, &d));
	CHECK(strcmp(c->ev.step_limit[STEP_CLOSE], "2h") == 0);
	CHECK_EQ_INT(c->grid_length, 12);
	config_free(c);
	/* A text or a body that does not read. */
	CHECK_ERR(text_publish("not json", RS_EVAL,
			       "{\"eval\": {}}", &c, NULL, &d), ERR_CONFIG);
	CHECK(strstr(d.text, "config.json") != NULL);
	static const uint8_t nothing[] = { 0x80 };
	CHECK_ERR(config_text_publish(file, "config.json", RS_EVAL, nothing,
				      sizeof(nothing), &t, &d), ERR_CONFIG);
	CHECK_ERR(config_text_publish(file, "config.json", RS_GRID, nothing,
				      sizeof(nothing), &t, &d), ERR_CONFIG);
}

static void
test_published_settings_that_do_not_read_change_nothing(void)
{
	static const struct {
		enum roster_setting kind;
		const char *text, *why;
	} bad[] = {
		{ RS_CALENDAR, "{\"calendar\": {\"work_hours\": [\"12:00-09:00\"]}}", "work_hours" },
		{ RS_CALENDAR, "{\"limits\": []}", "holds no \"calendar\"" },
		{ RS_LIMITS, "{\"limits\": [{\"class\": \"*\", \"limit\": \"4w\"}]}", "limits.limit" },
		{ RS_LIMITS, "{\"calendar\": {}}", "holds no \"limits\"" },
		{ RS_LIMITS, "not json", "pub.json" },
	};
	struct config *c;
	struct diag d;
	CHECK_OK(config_load_file("data/config.json", &c, &d));
	size_t nlimits = c->nlimits, nholidays = c->cal.nholidays;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_ERR(publish_apply(c, bad[i].kind, bad[i].text, &d), ERR_CONFIG);
		if (!strstr(d.text, bad[i].why))
			harness_fail(__FILE__, __LINE__, "'%s' said '%s'", bad[i].text,
				     d.text);
	}
	/* A body with a key no setting has, or a reason that is no str. */
	static const uint8_t extra[] = { 0x82, 0xa5, 'e', 'x', 't', 'r', 'a', 0xc0,
					 0xa6, 'l', 'i', 'm', 'i', 't', 's', 0x90 };
	CHECK_ERR(config_setting_check(RS_LIMITS, extra, sizeof(extra), &d), ERR_CONFIG);
	static const uint8_t reason[] = { 0x82, 0xa6, 'l', 'i', 'm', 'i', 't', 's', 0x90,
					  0xa6, 'r', 'e', 'a', 's', 'o', 'n', 0x01 };
	CHECK_ERR(config_setting_check(RS_LIMITS, reason, sizeof(reason), &d), ERR_CONFIG);
	CHECK_ERR(config_setting_check(RS_GRID, reason, sizeof(reason), &d), ERR_CONFIG);
	CHECK_EQ_INT(c->nlimits, nlimits);
	CHECK_EQ_INT(c->cal.nholidays, nholidays);
	config_free(c);
}

static const struct test tests[] = {
	{ "a published calendar and limit table replace the file's",
	  test_published_settings_replace_the_file },
	{ "a published eval replaces the file's whole, with the default weights",
	  test_published_eval_replaces_the_file_s_whole },
	{ "a published setting's text keeps the rest of the file",
	  test_published_text_keeps_the_rest_of_the_file },
	{ "a published setting that does not read is refused and changes nothing",
	  test_published_settings_that_do_not_read_change_nothing },
	{ "unknown keys are refused with their line",
	  test_unknown_keys_are_refused_with_their_line },
	{ "http_listen is off by default and 127.0.0.1 when only a port is given",
	  test_http_listen_is_read },
	{ "the shipped config.json loads", test_shipped_config_loads },
	{ "the shipped calendar has 2026's holidays and working weekend days",
	  test_shipped_calendar_2026 },
	{ "UTC offsets are read as minutes east", test_offsets_are_read },
	{ "offsets and work periods written otherwise are refused",
	  test_times_written_otherwise_are_refused },
	{ "work periods are read as minutes of the day",
	  test_periods_are_read },
	{ "the evaluation's keys: defaults, values, refusals", test_eval_keys },
};

TEST_MAIN(tests)

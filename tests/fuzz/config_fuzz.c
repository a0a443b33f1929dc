/*
 * config_fuzz.c - fuzz target for the configuration parser
 * (node/case/config.h, fuzz.h).
 *
 * Each input, as the text of a config.json, goes through config_parse().
 * Oracle: it answers 0 or ERR_CONFIG; what it accepts keeps every rule
 * docs/workflow.md gives (an offset written [+-]HH:MM and equal to the
 * minutes kept, work periods of H:MM-H:MM in order within a day, sorted
 * dates, limits config_limit() can answer with, weights, ranges).
 * Seeds: data/config.json's shape and each section alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "node/case/config.h"
#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

const char fuzz_target[] = "config";

void
fuzz_init(void)
{
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* "[+-]HH:MM" as minutes east of UTC, or -10000 if it is not that. */
static int
offset_minutes(const char *s, size_t n)
{
	if (n != 6 || (s[0] != '+' && s[0] != '-') || !is_digit(s[1]) ||
	    !is_digit(s[2]) || s[3] != ':' || !is_digit(s[4]) ||
	    !is_digit(s[5]))
		return -10000;
	int m = ((s[1] - '0') * 10 + (s[2] - '0')) * 60 + (s[4] - '0') * 10 +
		(s[5] - '0');
	return s[0] == '-' ? -m : m;
}

/* 1 if s is H:MM-H:MM or HH:MM-HH:MM (digits only). */
static int
period_written_plainly(const char *s, size_t n)
{
	size_t i = 0;
	for (int part = 0; part < 2; part++) {
		size_t k = 0;
		while (i < n && is_digit(s[i]) && k < 2)
			i++, k++;
		if (k == 0 || i + 3 > n || s[i] != ':' || !is_digit(s[i + 1]) ||
		    !is_digit(s[i + 2]))
			return 0;
		i += 3;
		if (part == 0) {
			if (i >= n || s[i] != '-')
				return 0;
			i++;
		}
	}
	return i == n;
}

/* The calendar rules, read back from the text itself. */
static const char *
check_calendar_text(const char *text, const struct config *c)
{
	struct buf mp = BUF_INIT;
	struct mp_reader root, cal, v;
	const char *why = NULL;
	const char *s;
	size_t n;
	uint32_t count;
	if (json_to_mp(text, &mp, NULL) != 0) {
		why = "accepted text that json_to_mp refuses";
		goto out;
	}
	mp_reader_init(&root, mp.data, mp.len, NULL);
	if (mp_map_find(&root, "calendar", &cal) != 0)
		goto out;
	if (mp_map_find(&cal, "utc_offset", &v) == 0) {
		if (mp_get_str(&v, &s, &n))
			why = "accepted a utc_offset that is no string";
		else if (offset_minutes(s, n) != c->cal.utc_offset_min)
			why = "accepted a utc_offset not written [+-]HH:MM, "
			      "or kept another offset than it says";
	}
	if (!why && mp_map_find(&cal, "work_hours", &v) == 0) {
		if (mp_get_array(&v, &count))
			why = "accepted work_hours that are no list";
		for (uint32_t i = 0; !why && i < count; i++)
			if (mp_get_str(&v, &s, &n) ||
			    !period_written_plainly(s, n))
				why = "accepted a work period not written "
				      "HH:MM-HH:MM";
	}
out:
	buf_release(&mp);
	return why;
}

static int
sorted(const int64_t *v, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (v[i - 1] > v[i])
			return 0;
	return 1;
}

static const char *
check_config(const struct config *c)
{
	const struct calendar *cal = &c->cal;
	if (cal->utc_offset_min < -(14 * 60 + 59) ||
	    cal->utc_offset_min > 14 * 60 + 59)
		return "an offset beyond 14:59";
	if (cal->nperiods < 1 || cal->nperiods > CAL_MAX_PERIODS)
		return "a count of work periods out of range";
	for (int i = 0; i < cal->nperiods; i++) {
		if (cal->period_start[i] < 0 ||
		    cal->period_start[i] >= cal->period_end[i] ||
		    cal->period_end[i] > 24 * 60)
			return "a work period that is no time of day";
		if (i && cal->period_start[i] < cal->period_end[i - 1])
			return "work periods out of order";
	}
	if (cal_day_minutes(cal) <= 0)
		return "no working time";
	if (!sorted(cal->holidays, cal->nholidays) ||
	    !sorted(cal->workdays, cal->nworkdays))
		return "dates out of order";
	if (c->grid_length < 9 || c->grid_length > 32)
		return "a grid length out of range";
	if (c->legacy_codes != 0 && c->legacy_codes != 1)
		return "legacy_codes not a boolean";
	for (size_t i = 0; i < c->nlimits; i++) {
		const struct limit_rule *r = &c->limits[i];
		uint64_t minutes;
		const char *got;
		if (limit_minutes(cal, r->limit, &minutes) || minutes == 0)
			return "a limit that is no time";
		if (strcmp(r->urgency, "*") && strcmp(r->urgency, "normal") &&
		    strcmp(r->urgency, "urgent"))
			return "an unknown urgency";
		if (strcmp(r->cls, "*") && strchr(r->cls, ':') == NULL)
			return "a class pattern without a kind";
		if (config_limit(c, "event:06010", "normal", &got) == 0 &&
		    strlen(got) >= sizeof(r->limit))
			return "config_limit gave an unterminated limit";
	}
	if (c->nweights > CONFIG_MAX_WEIGHTS)
		return "too many weights";
	for (size_t i = 0; i < c->nweights; i++)
		if (c->weights[i].weight > 100)
			return "a weight over 100";
	const struct repl_config *rp = &c->repl;
	if (rp->npeers > CONFIG_MAX_PEERS || rp->interval_ms < 10 ||
	    rp->timeout_ms < 100 || rp->fetch_events < 1 ||
	    rp->fetch_events > 1000 || rp->inflight < 1 || rp->inflight > 8)
		return "a replication setting out of range";
	for (size_t i = 0; i < rp->npeers; i++)
		if (rp->peers[i][0] == '\0')
			return "an empty peer name";
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	struct diag d;
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	int rc = config_parse(text, "config.json", &c, &d);
	if (rc != 0 && rc != ERR_CONFIG)
		fuzz_fail("config_parse returned %d", rc);
	if (rc == 0) {
		const char *why = check_config(c);
		if (!why)
			why = check_calendar_text(text, c);
		if (why)
			fuzz_fail("config_parse accepted %s", why);
		config_free(c);
	}
	free(text);
	return 0;
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	fuzz_seed_text(
		add, ctx, "seed-full",
		"{\"calendar\": {\"utc_offset\": \"+08:00\", \"work_hours\": "
		"[\"08:30-12:00\", \"13:30-17:30\"], \"weekend\": [\"sat\", "
		"\"sun\"], \"holidays\": [\"2026-10-01\", \"2026-01-01\"], "
		"\"workdays\": [\"2026-02-14\"]}, \"grid_length\": 15, "
		"\"legacy_codes\": false, \"limits\": [{\"class\": "
		"\"event:06010\", \"urgency\": \"*\", \"limit\": \"4h\"}, "
		"{\"class\": \"event:06*\", \"urgency\": \"urgent\", "
		"\"limit\": \"15d\"}, {\"class\": \"*\", \"limit\": \"2d\"}], "
		"\"replication\": {\"listen\": \"tcp://127.0.0.1:7400\", "
		"\"peers\": [\"centre\", \"office-01\"], \"interval_ms\": "
		"2000, \"timeout_ms\": 10000, \"fetch_events\": 500, "
		"\"inflight\": 4}, \"eval\": {\"weights\": {\"on_time_rate\": "
		"40, \"closure_rate\": 30, \"rework_rate\": 15, "
		"\"valid_rate\": 15}}}");
	fuzz_seed_text(add, ctx, "seed-empty", "{}");
	fuzz_seed_text(add, ctx, "seed-calendar",
		       "{\"calendar\": {\"utc_offset\": \"-03:30\", "
		       "\"work_hours\": [\"00:00-24:00\"], \"weekend\": []}}");
	fuzz_seed_text(add, ctx, "seed-limits",
		       "{\"limits\": [{\"class\": \"component:0101\", "
		       "\"urgency\": \"normal\", \"limit\": \"9999h\"}, "
		       "{\"class\": \"event:*\", \"limit\": \"1d\"}]}");
	fuzz_seed_text(add, ctx, "seed-replication",
		       "{\"replication\": {\"peers\": [], \"inflight\": 8, "
		       "\"interval_ms\": 10}, \"grid_length\": 32, "
		       "\"legacy_codes\": true}");
}

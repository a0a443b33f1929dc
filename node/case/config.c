/* config.c - reading config.json into struct config. */
#include "node/case/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "node/case/classes.h"
#include "common/banned.h"

int
limit_minutes(const struct calendar *c, const char *limit, uint64_t *minutes)
{
	size_t n = strlen(limit);
	if (n < 2 || n > 5 || strspn(limit, "0123456789") != n - 1)
		return ERR_INVAL;
	uint64_t v = strtoull(limit, NULL, 10);
	if (v == 0)
		return ERR_INVAL;
	if (limit[n - 1] == 'h')
		*minutes = v * 60;
	else if (limit[n - 1] == 'd')
		*minutes = v * (uint64_t)cal_day_minutes(c);
	else
		return ERR_INVAL;
	return 0;
}

struct loader {
	const char *path;
	struct diag *d;
};

static int
bad(struct loader *l, const char *key, const char *why)
{
	return diag_set(l->d, ERR_CONFIG, "%s: \"%s\" %s", l->path, key, why);
}

/* Reads a str member into out (size n); absent is fine (*found = 0). */
static int
get_str(struct loader *l, const struct mp_reader *map, const char *key,
	char *out, size_t n, int *found)
{
	struct mp_reader v;
	const char *s;
	size_t len;
	*found = 0;
	if (mp_map_find(map, key, &v) == ERR_NOTFOUND)
		return 0;
	if (mp_get_str(&v, &s, &len) || len >= n)
		return bad(l, key, "must be a short string");
	memcpy(out, s, len);
	out[len] = '\0';
	*found = 1;
	return 0;
}

static int
parse_dates(struct loader *l, struct mp_reader *v, const char *key,
	    int64_t **out, size_t *count)
{
	uint32_t n;
	if (mp_get_array(v, &n))
		return bad(l, key, "must be a list of dates");
	*out = xcalloc(n ? n : 1, sizeof(**out));
	*count = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		size_t len;
		char date[16];
		uint64_t ms;
		if (mp_get_str(v, &s, &len) || len != 10)
			return bad(l, key, "must hold dates as YYYY-MM-DD");
		memcpy(date, s, len);
		date[len] = '\0';
		if (clock_parse(date, &ms))
			return bad(l, key, "holds a date that does not exist");
		(*out)[(*count)++] = (int64_t)(ms / 86400000);
	}
	for (size_t i = 1; i < *count; i++) /* insertion sort: short lists */
		for (size_t j = i; j > 0 && (*out)[j - 1] > (*out)[j]; j--) {
			int64_t t = (*out)[j];
			(*out)[j] = (*out)[j - 1];
			(*out)[j - 1] = t;
		}
	return 0;
}

static int
parse_calendar(struct loader *l, const struct mp_reader *root,
	       struct calendar *c)
{
	struct mp_reader cal, v;
	char off[8];
	int found, rc;
	uint32_t n;

	if (mp_map_find(root, "calendar", &cal) == ERR_NOTFOUND)
		return 0;
	if (!mp_is_map(cal.p, mp_remaining(&cal)))
		return bad(l, "calendar", "must be an object");
	if ((rc = get_str(l, &cal, "utc_offset", off, sizeof(off), &found)))
		return rc;
	if (found && cal_parse_offset(off, &c->utc_offset_min))
		return bad(l, "utc_offset", "must be like +08:00");
	if (mp_map_find(&cal, "work_hours", &v) == 0) {
		if (mp_get_array(&v, &n) || n == 0 || n > CAL_MAX_PERIODS)
			return bad(l, "work_hours", "must list 1 to 6 periods");
		c->nperiods = 0;
		for (uint32_t i = 0; i < n; i++) {
			const char *s;
			size_t len;
			char p[16];
			if (mp_get_str(&v, &s, &len) || len >= sizeof(p))
				return bad(l, "work_hours", "must hold \"HH:MM-HH:MM\" strings");
			memcpy(p, s, len);
			p[len] = '\0';
			int st, en;
			if (cal_parse_period(p, &st, &en))
				return bad(l, "work_hours", "must hold \"HH:MM-HH:MM\" strings");
			if (i && st < c->period_end[i - 1])
				return bad(l, "work_hours", "must be in order and not overlap");
			c->period_start[i] = st;
			c->period_end[i] = en;
			c->nperiods++;
		}
	}
	if (mp_map_find(&cal, "weekend", &v) == 0) {
		static const char *days[] = { "mon", "tue", "wed", "thu",
					      "fri", "sat", "sun" };
		if (mp_get_array(&v, &n) || n > 7)
			return bad(l, "weekend", "must list day names");
		c->weekend = 0;
		for (uint32_t i = 0; i < n; i++) {
			const char *s;
			size_t len;
			int day = 0;
			if (mp_get_str(&v, &s, &len))
				return bad(l, "weekend", "must list day names");
			for (int k = 0; k < 7; k++)
				if (len == 3 && memcmp(s, days[k], 3) == 0)
					day = k + 1;
			if (!day)
				return bad(l, "weekend", "must list mon..sun");
			c->weekend |= 1u << day;
		}
	}
	if (mp_map_find(&cal, "holidays", &v) == 0 &&
	    (rc = parse_dates(l, &v, "holidays", &c->holidays, &c->nholidays)))
		return rc;
	if (mp_map_find(&cal, "workdays", &v) == 0 &&
	    (rc = parse_dates(l, &v, "workdays", &c->workdays, &c->nworkdays)))
		return rc;
	if (cal_day_minutes(c) == 0)
		return bad(l, "work_hours", "leave no working time");
	return 0;
}

static int
valid_class_pattern(const char *p)
{
	if (strcmp(p, "*") == 0)
		return 1;
	const char *colon = strchr(p, ':');
	enum class_kind k;
	char kind[16];
	if (!colon || (size_t)(colon - p) >= sizeof(kind))
		return 0;
	memcpy(kind, p, (size_t)(colon - p));
	kind[colon - p] = '\0';
	if (class_kind_parse(kind, &k))
		return 0;
	const char *code = colon + 1;
	size_t digits = strspn(code, "0123456789");
	if (code[digits] == '*' && code[digits + 1] == '\0')
		return digits <= 5;
	return (digits == 5 || digits == 4) && code[digits] == '\0';
}

static int
parse_limits(struct loader *l, const struct mp_reader *root,
	     struct config *c)
{
	struct mp_reader v;
	uint32_t n;
	if (mp_map_find(root, "limits", &v) == ERR_NOTFOUND)
		return 0;
	if (mp_get_array(&v, &n))
		return bad(l, "limits", "must be a list of rules");
	c->limits = xcalloc(n ? n : 1, sizeof(*c->limits));
	for (uint32_t i = 0; i < n; i++) {
		struct limit_rule *r = &c->limits[i];
		const uint8_t *start;
		size_t len;
		struct mp_reader item;
		int found, rc;
		uint64_t minutes;
		item = v;
		if (mp_get_value(&v, &start, &len) || !mp_is_map(start, len))
			return bad(l, "limits", "must hold objects");
		if ((rc = get_str(l, &item, "class", r->cls, sizeof(r->cls), &found)))
			return rc;
		if (!found || !valid_class_pattern(r->cls))
			return bad(l, "limits.class", "must be like \"event:06010\", \"event:06*\" or \"*\"");
		if ((rc = get_str(l, &item, "urgency", r->urgency,
				  sizeof(r->urgency), &found)))
			return rc;
		if (!found)
			snprintf(r->urgency, sizeof(r->urgency), "*");
		if (strcmp(r->urgency, "*") && strcmp(r->urgency, "normal") &&
		    strcmp(r->urgency, "urgent"))
			return bad(l, "limits.urgency", "must be normal, urgent or *");
		if ((rc = get_str(l, &item, "limit", r->limit, sizeof(r->limit),
				  &found)))
			return rc;
		if (!found || limit_minutes(&c->cal, r->limit, &minutes))
			return bad(l, "limits.limit", "must be like \"4h\" or \"15d\"");
		c->nlimits++;
	}
	return 0;
}

static int
parse_weights(struct loader *l, const struct mp_reader *root,
	      struct config *c)
{
	static const char *metrics[] = { "on_time_rate", "closure_rate",
					 "rework_rate", "valid_rate" };
	struct mp_reader ev, w;
	uint32_t n;
	if (mp_map_find(root, "eval", &ev) || mp_map_find(&ev, "weights", &w))
		return 0;
	if (mp_get_map(&w, &n) || n > CONFIG_MAX_WEIGHTS)
		return bad(l, "eval.weights", "must map metrics to weights");
	c->nweights = 0;
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kn;
		uint64_t v;
		int known = 0;
		if (mp_get_str(&w, &k, &kn) || mp_get_uint(&w, &v) || v > 100)
			return bad(l, "eval.weights", "must map metrics to whole numbers 0-100");
		for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++)
			if (strlen(metrics[m]) == kn && memcmp(metrics[m], k, kn) == 0)
				known = 1;
		if (!known)
			return bad(l, "eval.weights", "names an unknown metric (on_time_rate, closure_rate, rework_rate, valid_rate)");
		memcpy(c->weights[c->nweights].metric, k, kn);
		c->weights[c->nweights].metric[kn] = '\0';
		c->weights[c->nweights++].weight = (uint32_t)v;
	}
	return 0;
}

static int
parse_replication(struct loader *l, const struct mp_reader *root,
		  struct config *c)
{
	struct mp_reader rp, v;
	int found, rc;
	struct repl_config *rc_ = &c->repl;
	rc_->interval_ms = 2000;
	rc_->timeout_ms = 10000;
	rc_->fetch_events = 500;
	rc_->inflight = 4;
	rc_->handshake_ms = 5000;
	rc_->max_connections = 0;
	rc_->max_unauthenticated = 64;
	rc_->max_unauthenticated_per_address = 8;
	rc_->max_clock_skew_ms = CONFIG_DEFAULT_SKEW_MS;
	rc_->checkpoint_interval_ms = CONFIG_DEFAULT_CHECKPOINT_MS;
	rc_->backdated_after_ms = CONFIG_DEFAULT_BACKDATED_MS;
	if (mp_map_find(root, "replication", &rp) == ERR_NOTFOUND)
		return 0;
	if (!mp_is_map(rp.p, mp_remaining(&rp)))
		return bad(l, "replication", "must be an object");
	if ((rc = get_str(l, &rp, "listen", rc_->listen, sizeof(rc_->listen), &found)))
		return rc;
	if (mp_map_find(&rp, "peers", &v) == 0) {
		uint32_t n;
		if (mp_get_array(&v, &n) || n > CONFIG_MAX_PEERS)
			return bad(l, "replication.peers", "must list at most 64 member names");
		for (uint32_t i = 0; i < n; i++) {
			const char *s;
			size_t len;
			if (mp_get_str(&v, &s, &len) || len == 0 ||
			    len > ROSTER_NAME_MAX)
				return bad(l, "replication.peers", "must list member names");
			memcpy(rc_->peers[i], s, len);
			rc_->peers[i][len] = '\0';
			rc_->npeers++;
		}
	}
	struct {
		const char *key;
		uint32_t *out;
		uint64_t min, max;
	} nums[] = {
		{ "interval_ms", &rc_->interval_ms, 10, 3600000 },
		{ "timeout_ms", &rc_->timeout_ms, 100, 600000 },
		{ "fetch_events", &rc_->fetch_events, 1, 1000 },
		{ "inflight", &rc_->inflight, 1, 8 },
		{ "handshake_ms", &rc_->handshake_ms, 100, 600000 },
		{ "max_connections", &rc_->max_connections, 0, 1000000 },
		{ "max_unauthenticated", &rc_->max_unauthenticated, 1, 100000 },
		{ "max_unauthenticated_per_address",
		  &rc_->max_unauthenticated_per_address, 1, 100000 },
		{ "max_clock_skew_ms", &rc_->max_clock_skew_ms, 1000, 86400000 },
		{ "checkpoint_interval_ms", &rc_->checkpoint_interval_ms, 0,
		  86400000 },
		{ "backdated_after_ms", &rc_->backdated_after_ms, 1000,
		  2592000000u },
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t x;
		if (mp_map_find(&rp, nums[i].key, &v) == ERR_NOTFOUND)
			continue;
		if (mp_get_uint(&v, &x) || x < nums[i].min || x > nums[i].max)
			return bad(l, nums[i].key, "is out of range");
		*nums[i].out = (uint32_t)x;
	}
	return 0;
}

int
config_parse(const char *text, const char *name, struct config **out,
	     struct diag *d)
{
	struct loader l = { name, d };
	struct buf mp = BUF_INIT;
	struct config *c = xcalloc(1, sizeof(*c));
	struct mp_reader root, v;
	struct diag why;
	int rc = 0;

	cal_init_default(&c->cal);
	c->grid_length = 15;
	if (json_to_mp(text, &mp, &why)) {
		rc = diag_set(d, ERR_CONFIG, "%s: %s", name, why.text);
		goto out;
	}
	mp_reader_init(&root, mp.data, mp.len, NULL);
	if (!mp_is_map(mp.data, mp.len)) {
		rc = diag_set(d, ERR_CONFIG, "%s: must be a JSON object", name);
		goto out;
	}
	if ((rc = parse_calendar(&l, &root, &c->cal)) ||
	    (rc = parse_limits(&l, &root, c)) ||
	    (rc = parse_weights(&l, &root, c)) ||
	    (rc = parse_replication(&l, &root, c)))
		goto out;
	if (mp_map_find(&root, "grid_length", &v) == 0) {
		uint64_t g;
		if (mp_get_uint(&v, &g) || g < 9 || g > 32) {
			rc = bad(&l, "grid_length", "must be from 9 to 32");
			goto out;
		}
		c->grid_length = (int)g;
	}
	if (mp_map_find(&root, "legacy_codes", &v) == 0 &&
	    mp_get_bool(&v, &c->legacy_codes)) {
		rc = bad(&l, "legacy_codes", "must be true or false");
		goto out;
	}
out:
	buf_release(&mp);
	if (rc) {
		config_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void
config_free(struct config *c)
{
	if (!c)
		return;
	cal_release(&c->cal);
	free(c->limits);
	free(c);
}

/* "event:06*" matches "event:06010"; "*" matches all. */
static int
class_matches(const char *pattern, const char *cls)
{
	size_t n = strlen(pattern);
	if (strcmp(pattern, "*") == 0)
		return 1;
	if (n && pattern[n - 1] == '*')
		return strncmp(pattern, cls, n - 1) == 0;
	return strcmp(pattern, cls) == 0;
}

int
config_limit(const struct config *c, const char *cls, const char *urgency,
	     const char **limit)
{
	for (size_t i = 0; i < c->nlimits; i++) {
		const struct limit_rule *r = &c->limits[i];
		if (class_matches(r->cls, cls) &&
		    (strcmp(r->urgency, "*") == 0 ||
		     strcmp(r->urgency, urgency) == 0)) {
			*limit = r->limit;
			return 0;
		}
	}
	return ERR_NOTFOUND;
}

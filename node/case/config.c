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
	const char *text; /* the JSON, for the line of an unknown key */
};

/*
 * The keys each object of config.json may hold (NULL-terminated); any
 * other is refused, so that a misspelt key ("utc_ofset") is not ignored
 * in silence.  A new setting is added here as well as where it is read.
 */
static const char *const top_keys[] = { "calendar",     "eval",
					"grid_length",  "http_listen",
					"legacy_codes", "limits",
					"replication",  NULL };
static const char *const eval_keys[] = { "bands", "composites", "grades",
					 "region_class_2", "step_limits",
					 "weights", NULL };
static const char *const calendar_keys[] = { "holidays", "utc_offset",
					     "weekend", "work_hours",
					     "workdays", NULL };
static const char *const limit_keys[] = { "class", "limit", "urgency", NULL };
static const char *const replication_keys[] = {
	"fetch_events", "handshake_ms", "inflight", "interval_ms", "listen",
	"max_clock_skew_ms", "max_connections", "max_unauthenticated",
	"max_unauthenticated_per_address", "peers", "timeout_ms",
	"checkpoint_interval_ms", "backdated_after_ms", NULL,
};

/* The 1-based line of the first "key": in the text, or 0. */
static unsigned
key_line(const char *text, const char *key, size_t kn)
{
	unsigned line = 1;
	for (const char *p = text; *p; p++) {
		if (*p == '\n')
			line++;
		else if (*p == '"' && strncmp(p + 1, key, kn) == 0 &&
			 p[kn + 1] == '"') {
			const char *q = p + kn + 2;
			while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
				q++;
			if (*q == ':')
				return line;
		}
	}
	return 0;
}

/* ERR_CONFIG naming the first key of the map at r that is not in known. */
static int
check_keys(struct loader *l, const struct mp_reader *map, const char *where,
	   const char *const *known)
{
	struct mp_reader r = *map;
	const uint8_t *v;
	size_t vn;
	uint32_t n;
	if (mp_get_map(&r, &n))
		return 0; /* not an object: its reader says so */
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kn;
		int ok = 0;
		if (mp_get_str(&r, &k, &kn) || mp_get_value(&r, &v, &vn))
			return 0;
		for (size_t j = 0; known[j]; j++)
			if (strlen(known[j]) == kn && memcmp(known[j], k, kn) == 0)
				ok = 1;
		if (ok)
			continue;
		struct buf list = BUF_INIT;
		for (size_t j = 0; known[j]; j++)
			buf_printf(&list, "%s%s", j ? ", " : "", known[j]);
		int rc = diag_set(l->d, ERR_CONFIG,
				  "%s:%u: unknown key \"%.*s\" in %s (it takes %s)",
				  l->path, key_line(l->text, k, kn), (int)kn, k,
				  where, buf_cstr(&list));
		buf_release(&list);
		return rc;
	}
	return 0;
}

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
	if ((rc = check_keys(l, &cal, "\"calendar\"", calendar_keys)))
		return rc;
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
		if ((rc = check_keys(l, &item, "a rule of \"limits\"",
				     limit_keys)))
			return rc;
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
	static const uint32_t defaults[] = { 40, 30, 15, 15 };
	struct mp_reader ev, w;
	uint32_t n;
	if (mp_map_find(root, "eval", &ev) || mp_map_find(&ev, "weights", &w)) {
		/* docs/evaluation.md §4: the overview's weights by default. */
		for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
			snprintf(c->weights[m].metric, sizeof(c->weights[m].metric),
				 "%s", metrics[m]);
			c->weights[m].weight = defaults[m];
		}
		c->nweights = sizeof(metrics) / sizeof(metrics[0]);
		return 0;
	}
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

static const char *const step_names[STEP_COUNT] = {
	"accept", "check", "register", "dispatch", "dispose", "verify",
	"close", "return",
};

const char *
eval_step_name(enum eval_step st)
{
	return step_names[st];
}

/* The parts of each composite, as config.json names them. */
static const char *const part_names[EW_SETS][EW_PARTS] = {
	{ "valid_rate", "missed_score", "check_on_time_rate",
	  "verify_on_time_rate" },
	{ "accepted_score", "verify_task_on_time_rate",
	  "check_task_on_time_rate", NULL },
	{ "registered_on_time_rate", "accurate_rate", "closed_on_time_rate",
	  NULL },
	{ "dispatched_score", "on_time_rate", "accurate_rate", NULL },
};
static const char *const set_names[EW_SETS] = { "supervisor", "operator",
						"shift_lead", "dispatcher" };

static void
bands_set(struct eval_bands *b, const uint64_t *min, const uint32_t *score,
	  size_t n)
{
	b->n = n;
	memcpy(b->min, min, n * sizeof(*min));
	memcpy(b->score_e1, score, n * sizeof(*score));
}

/* The defaults of docs/evaluation.md (CJ/T 292 as issue 11 quotes it). */
static void
eval_defaults(struct eval_config *e)
{
	static const char *const limits[STEP_COUNT] = { "1h", "1h", "1h", "1h",
							"2d", "1h", "1h", "2h" };
	static const uint32_t w[EW_SETS][EW_PARTS] = {
		{ 40, 20, 20, 20 }, { 25, 40, 35, 0 }, { 25, 40, 35, 0 },
		{ 20, 40, 40, 0 } };
	static const uint64_t count_min[] = { 0, 101, 301, 501, 1201, 2001 };
	static const uint32_t count_score[] = { 0, 400, 600, 750, 900, 1000 };
	static const uint64_t unit_min[] = { 0, 51, 101, 201, 501, 1001 };
	static const uint32_t unit_score[] = { 100, 90, 75, 60, 40, 0 };
	static const uint64_t class1_min[] = { 0, 101, 201, 401, 1001, 2001 };
	static const uint32_t grades[4] = { 90, 75, 60, 40 };
	for (int i = 0; i < STEP_COUNT; i++)
		snprintf(e->step_limit[i], sizeof(e->step_limit[i]), "%s", limits[i]);
	memcpy(e->weight, w, sizeof(w));
	memcpy(e->grade_min, grades, sizeof(grades));
	bands_set(&e->operator_bands, count_min, count_score, 6);
	bands_set(&e->dispatcher_bands, count_min, count_score, 6);
	bands_set(&e->unit_bands, unit_min, unit_score, 6);
	bands_set(&e->region_bands[0], class1_min, unit_score, 6);
	bands_set(&e->region_bands[1], unit_min, unit_score, 6);
}

/* Finds the key k (length kn) among names; -1 if absent. */
static int
name_index(const char *const *names, size_t n, const char *k, size_t kn)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strlen(names[i]) == kn && memcmp(names[i], k, kn) == 0)
			return (int)i;
	return -1;
}

/* [[min, score in tenths], ...], min ascending from 0. */
static int
parse_bands(struct loader *l, struct mp_reader *v, const char *key,
	    struct eval_bands *b)
{
	uint32_t n, two;
	if (mp_get_array(v, &n) || n == 0 || n > CONFIG_MAX_BANDS)
		return bad(l, key, "must list 1 to 8 [min, score] bands");
	b->n = n;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t min, score;
		if (mp_get_array(v, &two) || two != 2 || mp_get_uint(v, &min) ||
		    mp_get_uint(v, &score) || score > 1000 ||
		    (i == 0 ? min != 0 : min <= b->min[i - 1]))
			return bad(l, key, "must list [min, score in tenths 0-1000] bands, min from 0 ascending");
		b->min[i] = min;
		b->score_e1[i] = (uint32_t)score;
	}
	return 0;
}

static int
parse_eval(struct loader *l, const struct mp_reader *root, struct config *c)
{
	struct eval_config *e = &c->ev;
	struct mp_reader ev, v, w;
	uint32_t n;
	int rc;
	eval_defaults(e);
	if (mp_map_find(root, "eval", &ev))
		return 0;
	if ((rc = check_keys(l, &ev, "\"eval\"", eval_keys)))
		return rc;
	if (mp_map_find(&ev, "step_limits", &v) == 0) {
		if (mp_get_map(&v, &n))
			return bad(l, "eval.step_limits", "must map steps to limits");
		for (uint32_t i = 0; i < n; i++) {
			const char *k, *x;
			size_t kn, xn;
			uint64_t minutes;
			int at;
			if (mp_get_str(&v, &k, &kn) || mp_get_str(&v, &x, &xn) ||
			    (at = name_index(step_names, STEP_COUNT, k, kn)) < 0)
				return bad(l, "eval.step_limits", "must map steps (accept, check, register, dispatch, dispose, verify, close, return) to limits");
			if (xn >= sizeof(e->step_limit[at]))
				return bad(l, "eval.step_limits", "must be like \"1h\" or \"2d\"");
			memcpy(e->step_limit[at], x, xn);
			e->step_limit[at][xn] = '\0';
			if (limit_minutes(&c->cal, e->step_limit[at], &minutes))
				return bad(l, "eval.step_limits", "must be like \"1h\" or \"2d\"");
		}
	}
	if (mp_map_find(&ev, "grades", &v) == 0) {
		static const char *const g[4] = { "A", "B", "C", "D" };
		if (mp_get_map(&v, &n))
			return bad(l, "eval.grades", "must map A, B, C, D to points");
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			uint64_t x;
			int at;
			if (mp_get_str(&v, &k, &kn) || mp_get_uint(&v, &x) || x > 100 ||
			    (at = name_index(g, 4, k, kn)) < 0)
				return bad(l, "eval.grades", "must map A, B, C, D to points 0-100");
			e->grade_min[at] = (uint32_t)x;
		}
		for (int i = 1; i < 4; i++)
			if (e->grade_min[i] > e->grade_min[i - 1])
				return bad(l, "eval.grades", "must not rise from A to D");
	}
	if (mp_map_find(&ev, "composites", &v) == 0) {
		if (mp_get_map(&v, &n))
			return bad(l, "eval.composites", "must map sets to weights");
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			uint32_t parts;
			int set;
			if (mp_get_str(&v, &k, &kn) ||
			    (set = name_index(set_names, EW_SETS, k, kn)) < 0 ||
			    mp_get_map(&v, &parts))
				return bad(l, "eval.composites", "must map supervisor, operator, shift_lead, dispatcher to their parts");
			for (uint32_t j = 0; j < parts; j++) {
				uint64_t x;
				int at;
				if (mp_get_str(&v, &k, &kn) || mp_get_uint(&v, &x) ||
				    x > 100 ||
				    (at = name_index(part_names[set], EW_PARTS, k, kn)) < 0)
					return bad(l, "eval.composites", "names a part the set does not have, or a weight not 0-100");
				e->weight[set][at] = (uint32_t)x;
			}
		}
	}
	if (mp_map_find(&ev, "bands", &v) == 0) {
		static const char *const bn[5] = { "operator", "dispatcher", "unit",
						   "region_1", "region_2" };
		struct eval_bands *to[5] = { &e->operator_bands, &e->dispatcher_bands,
					     &e->unit_bands, &e->region_bands[0],
					     &e->region_bands[1] };
		if (mp_get_map(&v, &n))
			return bad(l, "eval.bands", "must map counts to bands");
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			int at;
			if (mp_get_str(&v, &k, &kn) || (at = name_index(bn, 5, k, kn)) < 0)
				return bad(l, "eval.bands", "must name operator, dispatcher, unit, region_1, region_2");
			if ((rc = parse_bands(l, &v, "eval.bands", to[at])))
				return rc;
		}
	}
	if (mp_map_find(&ev, "region_class_2", &w) == 0) {
		if (mp_get_array(&w, &n) || n > CONFIG_MAX_REGIONS)
			return bad(l, "eval.region_class_2", "must list at most 64 regions");
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			if (mp_get_str(&w, &k, &kn) || kn == 0 || kn >= sizeof(e->class2[0]))
				return bad(l, "eval.region_class_2", "must list region ids or names");
			memcpy(e->class2[i], k, kn);
			e->class2[i][kn] = '\0';
			e->nclass2++;
		}
	}
	return 0;
}

/*
 * "http_listen": the web console's address, kept as "HOST:PORT".  true
 * turns it on at CONFIG_HTTP_DEFAULT; "PORT" and ":PORT" listen on
 * 127.0.0.1 only (a console reachable from the network is a choice the
 * admin writes out); false or absent leaves it off.
 */
static int
parse_http(struct loader *l, const struct mp_reader *root, struct config *c)
{
	struct mp_reader v;
	const char *s, *colon;
	size_t len;
	int on;
	c->http_listen[0] = '\0';
	if (mp_map_find(root, "http_listen", &v) == ERR_NOTFOUND)
		return 0;
	struct mp_reader b = v;
	if (mp_get_bool(&b, &on) == 0) {
		if (on)
			snprintf(c->http_listen, sizeof(c->http_listen), "%s",
				 CONFIG_HTTP_DEFAULT);
		return 0;
	}
	if (mp_get_str(&v, &s, &len) || len == 0 || len >= sizeof(c->http_listen) - 10)
		return bad(l, "http_listen", "must be true, false, \"PORT\" or \"HOST:PORT\"");
	colon = memrchr(s, ':', len);
	const char *port = colon ? colon + 1 : s;
	size_t pn = len - (size_t)(port - s);
	unsigned long pv = 0;
	for (size_t i = 0; i < pn; i++) {
		if (port[i] < '0' || port[i] > '9')
			pn = 0;
		else
			pv = pv * 10 + (unsigned long)(port[i] - '0');
		if (pv > 65535)
			pn = 0;
	}
	if (pn == 0 || pn > 5 || pv == 0)
		return bad(l, "http_listen", "must end in a port from 1 to 65535");
	if (!colon || colon == s)
		snprintf(c->http_listen, sizeof(c->http_listen), "127.0.0.1:%.*s",
			 (int)pn, port);
	else
		snprintf(c->http_listen, sizeof(c->http_listen), "%.*s", (int)len, s);
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
	if ((rc = check_keys(l, &rp, "\"replication\"", replication_keys)))
		return rc;
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
	struct loader l = { name, d, text };
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
	if ((rc = check_keys(&l, &root, "the top level", top_keys)) ||
	    (rc = parse_calendar(&l, &root, &c->cal)) ||
	    (rc = parse_limits(&l, &root, c)) ||
	    (rc = parse_weights(&l, &root, c)) ||
	    (rc = parse_eval(&l, &root, c)) ||
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
	if ((rc = parse_http(&l, &root, c)))
		goto out;
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

/* The part of config.json a setting of this kind carries. */
static const char *
setting_part(enum roster_setting kind)
{
	switch (kind) {
	case RS_CALENDAR: return "calendar";
	case RS_LIMITS: return "limits";
	case RS_EVAL: return "eval";
	default: return NULL;
	}
}

static const char *const calendar_body_keys[] = { "calendar", "reason", NULL };
static const char *const limits_body_keys[] = { "limits", "reason", NULL };
static const char *const eval_body_keys[] = { "eval", "reason", NULL };

int
config_setting_apply(struct config *c, enum roster_setting kind,
		     const uint8_t *body, size_t n, struct diag *d)
{
	const char *part = setting_part(kind);
	struct loader l = { roster_setting_type(kind), d, "" };
	struct mp_reader root, v;
	int rc;
	if (!part)
		return diag_set(d, ERR_CONFIG, "not a calendar, limit table or evaluation setting");
	mp_reader_init(&root, body, n, NULL);
	if (!mp_is_map(body, n) || mp_map_find(&root, part, &v))
		return diag_set(d, ERR_CONFIG, "%s: holds no \"%s\"", l.path, part);
	if ((rc = check_keys(&l, &root, "the body",
			     kind == RS_CALENDAR ? calendar_body_keys
			     : kind == RS_LIMITS ? limits_body_keys
						 : eval_body_keys)))
		return rc;
	if (mp_map_find(&root, "reason", &v) == 0) {
		const char *s;
		size_t len;
		if (mp_get_str(&v, &s, &len))
			return bad(&l, "reason", "must be a string");
	}
	if (kind == RS_CALENDAR) {
		struct calendar cal;
		cal_init_default(&cal);
		if ((rc = parse_calendar(&l, &root, &cal))) {
			cal_release(&cal);
			return rc;
		}
		cal_release(&c->cal);
		c->cal = cal;
		return 0;
	}
	if (kind == RS_EVAL) {
		struct eval_config ev = c->ev;
		struct weight weights[CONFIG_MAX_WEIGHTS];
		size_t nweights = c->nweights;
		memcpy(weights, c->weights, sizeof(weights));
		if ((rc = parse_weights(&l, &root, c)) ||
		    (rc = parse_eval(&l, &root, c))) {
			c->ev = ev;
			memcpy(c->weights, weights, sizeof(weights));
			c->nweights = nweights;
		}
		return rc;
	}
	struct limit_rule *old = c->limits;
	size_t nold = c->nlimits;
	c->limits = NULL;
	c->nlimits = 0;
	if ((rc = parse_limits(&l, &root, c))) {
		free(c->limits);
		c->limits = old;
		c->nlimits = nold;
		return rc;
	}
	free(old);
	return 0;
}

int
config_setting_check(enum roster_setting kind, const uint8_t *body, size_t n,
		     struct diag *d)
{
	struct config *c = xcalloc(1, sizeof(*c));
	cal_init_default(&c->cal);
	int rc = config_setting_apply(c, kind, body, n, d);
	config_free(c);
	return rc;
}

int
config_setting_body(const char *text, const char *name,
		    enum roster_setting kind, const char *reason,
		    struct buf *out, struct diag *d)
{
	const char *part = setting_part(kind);
	struct config *c = NULL;
	struct buf mp = BUF_INIT;
	struct mp_reader root, v;
	const uint8_t *p;
	size_t len;
	int rc;
	if (!part)
		return diag_set(d, ERR_CONFIG, "not a calendar, limit table or evaluation setting");
	if ((rc = config_parse(text, name, &c, d)))
		return rc;
	config_free(c);
	if (json_to_mp(text, &mp, d)) {
		buf_release(&mp);
		return ERR_CONFIG;
	}
	mp_reader_init(&root, mp.data, mp.len, NULL);
	if (mp_map_find(&root, part, &v) || mp_get_value(&v, &p, &len)) {
		buf_release(&mp);
		return diag_set(d, ERR_CONFIG, "%s: holds no \"%s\" to publish",
				name, part);
	}
	/* {"calendar" | "eval" | "limits": ..., "reason": ...}: in order. */
	mp_put_map(out, 2);
	mp_put_cstr(out, part);
	buf_add(out, p, len);
	mp_put_cstr(out, "reason");
	mp_put_cstr(out, reason ? reason : "");
	buf_release(&mp);
	return 0;
}

/* The bytes of part's value in the msgpack of text (NULL, 0: none). */
static void
part_value(const struct buf *mp, const char *part, const uint8_t **p,
	   size_t *n)
{
	struct mp_reader root, v;
	*p = NULL;
	*n = 0;
	mp_reader_init(&root, mp->data, mp->len, NULL);
	if (mp_map_find(&root, part, &v) || mp_get_value(&v, p, n)) {
		*p = NULL;
		*n = 0;
	}
}

void
config_text_diff(const char *a, const char *b, char *out, size_t cap)
{
	static const enum roster_setting kinds[] = { RS_CALENDAR, RS_EVAL,
						     RS_LIMITS };
	struct buf ma = BUF_INIT, mb = BUF_INIT;
	struct diag why;
	int unread = json_to_mp(a, &ma, &why) || json_to_mp(b, &mb, &why);
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *part = setting_part(kinds[i]);
		const uint8_t *pa, *pb;
		size_t na, nb;
		part_value(&ma, part, &pa, &na);
		part_value(&mb, part, &pb, &nb);
		if (!unread && na == nb && (na == 0 || memcmp(pa, pb, na) == 0))
			continue;
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0,
					 "%s%s", used ? ", " : "", part);
		if (used >= cap)
			break;
	}
	buf_release(&ma);
	buf_release(&mb);
}

int
config_text_publish(const char *text, const char *name,
		    enum roster_setting kind, const uint8_t *body, size_t n,
		    char **out, struct diag *d)
{
	const char *part = setting_part(kind);
	struct buf mp = BUF_INIT, js = BUF_INIT;
	struct mp_reader br, pv, root;
	struct json_writer w;
	const uint8_t *val;
	size_t vlen;
	uint32_t nkeys;
	struct diag why;
	int rc = 0, found = 0;
	mp_reader_init(&br, body, n, NULL);
	if (!part || !mp_is_map(body, n) || mp_map_find(&br, part, &pv) ||
	    mp_get_value(&pv, &val, &vlen))
		return diag_set(d, ERR_CONFIG, "%s: holds no setting of config.json",
				roster_setting_type(kind) ? roster_setting_type(kind) : "the body");
	if (json_to_mp(text, &mp, &why)) {
		rc = diag_set(d, ERR_CONFIG, "%s: %s", name, why.text);
		goto out;
	}
	mp_reader_init(&root, mp.data, mp.len, NULL);
	if (mp_get_map(&root, &nkeys)) {
		rc = diag_set(d, ERR_CONFIG, "%s: must be a JSON object", name);
		goto out;
	}
	json_writer_init(&w, &js, 1);
	json_obj_begin(&w);
	for (uint32_t i = 0; i < nkeys; i++) {
		const char *k;
		const uint8_t *p;
		size_t kn, pn;
		if (mp_get_str(&root, &k, &kn) || mp_get_value(&root, &p, &pn)) {
			rc = diag_set(d, ERR_CONFIG, "%s: does not read", name);
			goto out;
		}
		if (kn == strlen(part) && memcmp(k, part, kn) == 0) {
			p = val;
			pn = vlen;
			found = 1;
		}
		json_keyn(&w, k, kn);
		if (json_put_mp(&w, p, pn)) {
			rc = diag_set(d, ERR_CONFIG, "%s: does not read", name);
			goto out;
		}
	}
	if (!found) {
		json_key(&w, part);
		if (json_put_mp(&w, val, vlen)) {
			rc = diag_set(d, ERR_CONFIG, "%s: does not read",
				      roster_setting_type(kind));
			goto out;
		}
	}
	json_obj_end(&w);
	buf_add(&js, "\n", 1);
	*out = xstrdup(buf_cstr(&js));
out:
	buf_release(&mp);
	buf_release(&js);
	return rc;
}

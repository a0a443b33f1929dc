/*
 * open311.c - the Open311 GeoReport v2 resources over the node API.
 *
 * A request is parsed (path, format, parameters), answered from the
 * node's case views or turned into a report, and written in the format
 * its path asks for by one writer that speaks JSON and XML (struct out),
 * so that both formats always carry the same fields.  Every text the
 * node did not write itself (case text from peers, the client's form) is
 * made valid UTF-8 without control characters before it is escaped:
 * XML 1.0 cannot carry them at all, and clients must parse what we send.
 */
#include "node/http/open311.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/event.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/api.h"
#include "node/actions.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/grid.h"
#include "node/files.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/report.h"
#include "store/store.h"
#include "common/banned.h"

#define SPEC_URL "http://wiki.open311.org/GeoReport_v2"
#define TYPE_JSON "application/json; charset=utf-8"
#define TYPE_XML "text/xml; charset=utf-8"
#define FORM_TYPE "application/x-www-form-urlencoded"
/* The services change with the classification table's standard. */
#define SERVICES_CHANGESET "2026-07-01T00:00:00Z"
#define MAX_DESC 4000
#define MAX_ADDRESS 500
#define MAX_URL 1000
#define MAX_CONTACT 200
/* A case id no report has, for asking the roster about a report. */
#define OPEN311_CASE_PROBE "open311-intake"

/* ---- text: valid UTF-8, no control characters ---- */

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t c;
	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		len = 2, c = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		len = 3, c = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		len = 4, c = p[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF, and the two
	 * non-characters XML 1.0 refuses. */
	if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) ||
	    (len == 4 && c < 0x10000) || (c >= 0xd800 && c <= 0xdfff) ||
	    c > 0x10ffff || c == 0xfffe || c == 0xffff)
		return 0;
	return len;
}

/* 1 if s (n bytes) is valid UTF-8 without C0 controls but tab, LF, CR. */
static int
text_is_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(p + i, n - i);
		if (l == 0 ||
		    (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		     p[i] != '\r') ||
		    p[i] == 0x7f)
			return 0;
		i += l;
	}
	return 1;
}

/* Appends s with every invalid byte or control character as U+FFFD. */
static void
text_clean(struct buf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t l = utf8_len(p + i, n - i);
		if (l == 0 ||
		    (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		     p[i] != '\r') ||
		    p[i] == 0x7f) {
			/* One replacement for the whole bad sequence. */
			buf_add_str(out, "\xef\xbf\xbd");
			for (i++; i < n && (p[i] & 0xc0) == 0x80; i++)
				;
			continue;
		}
		buf_add(out, p + i, l);
		i += l;
	}
}

/* Element content only: quotes need no escape outside attributes. */
static void
xml_escape(struct buf *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_add_str(out, "&amp;"); break;
		case '<': buf_add_str(out, "&lt;"); break;
		case '>': buf_add_str(out, "&gt;"); break;
		/* A CR would come back as LF from any XML parser. */
		case '\r': buf_add_str(out, "&#13;"); break;
		default: buf_add_byte(out, (uint8_t)*s);
		}
	}
}

/* ---- one writer for both formats ---- */

struct out {
	int xml;
	struct buf b;
	struct json_writer w;
	struct buf tmp; /* a cleaned string */
};

static void
out_init(struct out *o, int xml)
{
	memset(o, 0, sizeof(*o));
	o->xml = xml;
	json_writer_init(&o->w, &o->b, 0);
	if (xml)
		buf_add_str(&o->b,
			    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
}

static void
out_release(struct out *o)
{
	buf_release(&o->b);
	buf_release(&o->tmp);
}

/* An element holding a list (JSON array) or a record (JSON object). */
static void
out_open(struct out *o, const char *el, int list)
{
	if (o->xml)
		buf_printf(&o->b, "<%s>", el);
	else if (list)
		json_arr_begin(&o->w);
	else
		json_obj_begin(&o->w);
}

static void
out_close(struct out *o, const char *el, int list)
{
	if (o->xml)
		buf_printf(&o->b, "</%s>", el);
	else if (list)
		json_arr_end(&o->w);
	else
		json_obj_end(&o->w);
}

/* A member of a record holding a list: <key>...</key> or "key":[...]. */
static void
out_open_member(struct out *o, const char *key)
{
	if (o->xml) {
		buf_printf(&o->b, "<%s>", key);
	} else {
		json_key(&o->w, key);
		json_arr_begin(&o->w);
	}
}

/* A string, NULL as null (JSON) or an empty element (XML). */
static void
out_str(struct out *o, const char *key, const char *s)
{
	if (s) {
		buf_reset(&o->tmp);
		text_clean(&o->tmp, s);
		s = buf_cstr(&o->tmp);
	}
	if (o->xml) {
		if (!s) {
			buf_printf(&o->b, "<%s/>", key);
			return;
		}
		buf_printf(&o->b, "<%s>", key);
		xml_escape(&o->b, s);
		buf_printf(&o->b, "</%s>", key);
		return;
	}
	if (key)
		json_key(&o->w, key);
	if (s)
		json_str(&o->w, s);
	else
		json_null(&o->w);
}

static void
out_uint(struct out *o, const char *key, uint64_t v)
{
	if (o->xml) {
		buf_printf(&o->b, "<%s>%llu</%s>", key, (unsigned long long)v,
			   key);
		return;
	}
	json_key(&o->w, key);
	json_uint(&o->w, v);
}

static void
out_bool(struct out *o, const char *key, int v)
{
	if (o->xml) {
		buf_printf(&o->b, "<%s>%s</%s>", key, v ? "true" : "false",
			   key);
		return;
	}
	json_key(&o->w, key);
	json_bool(&o->w, v);
}

/* Degrees from microdegrees: a JSON number, as the specification's. */
static void
out_e6(struct out *o, const char *key, int has, int64_t e6)
{
	if (!has) {
		out_str(o, key, NULL);
		return;
	}
	if (o->xml) {
		uint64_t a = (uint64_t)(e6 < 0 ? -e6 : e6);
		buf_printf(&o->b, "<%s>%s%llu.%06llu</%s>", key,
			   e6 < 0 ? "-" : "", (unsigned long long)(a / 1000000),
			   (unsigned long long)(a % 1000000), key);
		return;
	}
	json_key(&o->w, key);
	json_fixed(&o->w, e6, 6);
}

/* A W3C date-time in UTC, or null for 0. */
static void
out_time(struct out *o, const char *key, uint64_t ms)
{
	char iso[CLOCK_ISO_BYTES];
	if (!ms) {
		out_str(o, key, NULL);
		return;
	}
	clock_format(ms, iso);
	out_str(o, key, iso);
}

/* Takes the text into the reply. */
static void
out_finish(struct out *o, struct open311_reply *rep, int status)
{
	buf_add_byte(&o->b, '\n');
	rep->status = status;
	rep->content_type = o->xml ? TYPE_XML : TYPE_JSON;
	rep->body = (char *)buf_detach(&o->b, &rep->body_len);
	out_release(o);
}

/* ---- the request ---- */

struct param {
	char *key, *val;
};

struct ctx {
	struct node *n;
	const struct open311_request *req;
	struct open311_reply *rep;
	int xml;
	struct param *p;
	size_t np;
	struct classes *cls;
};

/*
 * The error reply: [{"code":N,"description":"..."}] or
 * <errors><error><code>N</code><description>...</description></error>
 * </errors>.  Returns 0: the request was answered.
 */
static int fail(struct ctx *cx, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int
fail(struct ctx *cx, int status, const char *fmt, ...)
{
	struct out o;
	struct buf text = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&text, fmt, ap);
	va_end(ap);
	open311_reply_release(cx->rep);
	out_init(&o, cx->xml);
	out_open(&o, "errors", 1);
	out_open(&o, "error", 0);
	out_uint(&o, "code", (uint64_t)status);
	out_str(&o, "description", buf_cstr(&text));
	out_close(&o, "error", 0);
	out_close(&o, "errors", 1);
	out_finish(&o, cx->rep, status);
	buf_release(&text);
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..n) ('+' is a space) into new memory; NULL if bad. */
static char *
form_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1);
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			out[j++] = ' ';
		} else if (s[i] == '%') {
			int hi = i + 1 < n ? hexval((unsigned char)s[i + 1])
					   : -1;
			int lo = i + 2 < n ? hexval((unsigned char)s[i + 2])
					   : -1;
			/* A NUL would cut the text short where we read it. */
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(out);
				return NULL;
			}
			out[j++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	if (!text_is_clean(out, j)) {
		free(out);
		return NULL;
	}
	return out;
}

/* Adds the pairs of an urlencoded text; 0, or 400 already answered. */
static int
params_add(struct ctx *cx, const char *s, size_t n, const char *what)
{
	size_t i = 0;
	while (i < n) {
		size_t end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			const char *eq = memchr(s + i, '=', end - i);
			size_t klen = eq ? (size_t)(eq - (s + i)) : end - i;
			char *k = form_decode(s + i, klen);
			char *v = eq ? form_decode(eq + 1,
						   (size_t)(s + end - eq - 1))
				     : xstrdup("");
			if (!k || !v) {
				free(k);
				free(v);
				fail(cx, 400,
				     "the %s is not valid: each name=value must be percent-encoded UTF-8 without control characters",
				     what);
				return 1;
			}
			cx->p = xrealloc(cx->p, (cx->np + 1) * sizeof(*cx->p));
			cx->p[cx->np].key = k;
			cx->p[cx->np].val = v;
			cx->np++;
		}
		i = end + 1;
	}
	return 0;
}

/* The first value of a parameter, or NULL. */
static const char *
param(const struct ctx *cx, const char *key)
{
	for (size_t i = 0; i < cx->np; i++)
		if (strcmp(cx->p[i].key, key) == 0)
			return cx->p[i].val;
	return NULL;
}

/* The first non-empty value (a form's empty fields count as absent). */
static const char *
param_set(const struct ctx *cx, const char *key)
{
	const char *v = param(cx, key);
	return v && *v ? v : NULL;
}

/* 1 if item is one of the comma-separated values of every occurrence of
 * key; *given is 1 if the parameter occurs with a value at all. */
static int
param_has(const struct ctx *cx, const char *key, const char *item, int *given)
{
	size_t il = strlen(item);
	*given = 0;
	for (size_t i = 0; i < cx->np; i++) {
		if (strcmp(cx->p[i].key, key) != 0 || !cx->p[i].val[0])
			continue;
		*given = 1;
		const char *s = cx->p[i].val;
		while (*s) {
			size_t l = strcspn(s, ",");
			if (l == il && strncmp(s, item, il) == 0)
				return 1;
			s += l + (s[l] == ',');
		}
	}
	return 0;
}

/*
 * A W3C date-time: YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.fff]] with Z or
 * +hh:mm / -hh:mm.  A space where the '+' of the offset was is taken as
 * '+' (an unencoded '+' in a query string decodes to a space).
 */
static int
parse_w3c(const char *s, uint64_t *ms)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return ERR_INVAL;
	s += n;
	int64_t off_min = 0;
	if (*s == 'T') {
		if (sscanf(s, "T%2d:%2d%n", &h, &mi, &n) != 2 || n != 6)
			return ERR_INVAL;
		s += n;
		if (*s == ':') {
			if (sscanf(s, ":%2d%n", &sec, &n) != 1 || n != 3)
				return ERR_INVAL;
			s += n;
			if (*s == '.') {
				s++;
				if (!(*s >= '0' && *s <= '9'))
					return ERR_INVAL;
				while (*s >= '0' && *s <= '9')
					s++;
			}
		}
		if (*s == 'Z') {
			s++;
		} else if (*s == '+' || *s == '-' || *s == ' ') {
			int oh, om;
			int sign = *s == '-' ? -1 : 1;
			if (sscanf(s + 1, "%2d:%2d%n", &oh, &om, &n) != 2 ||
			    n != 5 || oh > 14 || om > 59)
				return ERR_INVAL;
			off_min = sign * (oh * 60 + om);
			s += 1 + n;
		} else {
			return ERR_INVAL;
		}
	}
	if (*s || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
	    mi > 59 || sec > 60)
		return ERR_INVAL;
	int64_t days = clock_days_from_civil(y, mo, d);
	int64_t t = ((days * 24 + h) * 60 + mi) * 60 + sec - off_min * 60;
	if (t < 0)
		return ERR_INVAL;
	*ms = (uint64_t)t * 1000;
	return 0;
}

/* ---- the cases as service requests ---- */

struct state_word {
	enum case_status s;
	int closed;
	const char *note;
};

/* The workflow's states (docs/workflow.md §1) in Open311's two. */
static const struct state_word state_words[] = {
	{ CS_REPORTED, 0, "reported (上报): waits to be checked and accepted" },
	{ CS_CHECKED, 0, "checked on site (核实): waits to be accepted" },
	{ CS_ACCEPTED, 0, "accepted (受理): waits to be registered" },
	{ CS_REFUSED, 1, "not registered (不予立案)" },
	{ CS_REGISTERED, 0, "registered (立案): waits to be dispatched" },
	{ CS_DISPATCHED, 0, "dispatched (派遣): with the disposal unit" },
	{ CS_RETURNED, 0,
	  "returned by the unit (回退): waits for a new dispatch" },
	{ CS_SUSPENDED, 0,
	  "suspended (挂账): the work cannot be done in time" },
	{ CS_FED_BACK, 0,
	  "disposed (处理反馈): waits for verification on site" },
	{ CS_VERIFIED, 0, "verified on site (核查通过): waits to be closed" },
	{ CS_CLOSED, 1, "closed (结案)" },
	{ CS_CANCELLED, 1, "cancelled (作废)" },
	{ CS_MERGED, 1, "a duplicate (并案)" },
};

static const struct state_word *
state_word(enum case_status s)
{
	for (size_t i = 0; i < sizeof(state_words) / sizeof(state_words[0]);
	     i++)
		if (state_words[i].s == s)
			return &state_words[i];
	return NULL;
}

/* The classification table, loaded once per request. */
static int
load_classes(struct ctx *cx, struct diag *d)
{
	int rc;
	if (cx->cls)
		return 0;
	if ((rc = classes_load(&cx->cls, d)))
		fail(cx, 500, "the service list cannot be read");
	return rc;
}

/* The service's name: the event (matter) class of the code, or the
 * component class for a case of a component without its matter. */
static const char *
service_name(const struct ctx *cx, const struct case_state *st)
{
	const char *name = classes_name(cx->cls, CLASS_EVENT, st->code);
	if (!name)
		name = classes_name(cx->cls, CLASS_COMPONENT, st->code);
	return name;
}

static void
put_request(struct ctx *cx, struct out *o, const struct case_state *st)
{
	const struct state_word *sw = state_word(st->status);
	struct buf note = BUF_INIT, notice = BUF_INIT;
	struct grid_cell cell;
	struct deadline dl;
	const char *agency = NULL;

	buf_add_str(&note, sw ? sw->note : case_status_name(st->status));
	if (st->status == CS_MERGED)
		buf_printf(&note, " of service request %s", st->merged_into);
	if (st->status == CS_CHECKED)
		buf_add_str(&note, st->check_found
					   ? "; the problem was found"
					   : "; the problem was not found");
	if (st->unit[0])
		agency = st->unit;
	else if (grid_get(cx->n, st->grid, &cell) == 0 && cell.office[0])
		agency = cell.office;
	uint64_t expected = 0;
	if (st->limit[0] && state_is_open(st)) {
		buf_printf(&notice,
			   "time limit %s of working time from dispatch",
			   st->limit);
		if (deadline_of(st, &node_config(cx->n)->cal, cx->req->now_ms,
				&dl) == 0 &&
		    dl.has_due && !dl.done)
			expected = dl.due_ms;
	}

	out_open(o, "request", 0);
	out_str(o, "service_request_id", st->case_id);
	out_str(o, "status", sw && sw->closed ? "closed" : "open");
	out_str(o, "status_notes", buf_cstr(&note));
	out_str(o, "service_name", service_name(cx, st));
	out_str(o, "service_code", st->code);
	out_str(o, "description", st->desc);
	out_str(o, "agency_responsible", agency);
	out_str(o, "service_notice", notice.len ? buf_cstr(&notice) : NULL);
	out_time(o, "requested_datetime", st->reported_at);
	out_time(o, "updated_datetime", st->last_at);
	out_time(o, "expected_datetime", expected);
	out_str(o, "address", st->where);
	out_str(o, "address_id", NULL);
	out_str(o, "zipcode", NULL);
	out_e6(o, "lat", st->has_pos, st->lat_e6);
	out_e6(o, "long", st->has_pos, st->lon_e6);
	out_str(o, "media_url", NULL);
	out_close(o, "request", 0);
	buf_release(&note);
	buf_release(&notice);
}

/* GET requests/ID: one case, or 404. */
static int
get_request(struct ctx *cx, const char *id, struct diag *d)
{
	struct case_state st;
	struct out o;
	int rc;

	if (!event_case_is_valid(id, strlen(id)) ||
	    strcmp(id, ROSTER_CASE) == 0)
		return fail(cx, 404, "no service request '%s'", id);
	if ((rc = load_classes(cx, d)))
		return rc;
	rc = case_state_get(cx->n, id, &st);
	if (rc == ERR_NOTFOUND || (rc == 0 && st.status == CS_NONE)) {
		if (rc == 0)
			state_release(&st);
		return fail(cx, 404, "no service request '%s'", id);
	}
	if (rc) {
		fail(cx, 500, "the service request cannot be read");
		return diag_set(d, rc, "cannot read case '%s': %s", id,
				err_str(rc));
	}
	out_init(&o, cx->xml);
	out_open(&o, "service_requests", 1);
	put_request(cx, &o, &st);
	out_close(&o, "service_requests", 1);
	out_finish(&o, cx->rep, 200);
	state_release(&st);
	return 0;
}

struct hit {
	char id[EVENT_CASE_MAX + 1];
	uint64_t at;
};

struct listing {
	struct ctx *cx;
	uint64_t from, to;
	struct hit *hits;
	size_t n;
};

static int
list_row(const struct case_row *row, void *arg)
{
	struct listing *l = arg;
	const struct case_state *st = row->st;
	const struct state_word *sw = state_word(st->status);
	int given;

	if (st->reported_at < l->from || st->reported_at > l->to)
		return 0;
	if (!param_has(l->cx, "service_code", st->code, &given) && given)
		return 0;
	if (!param_has(l->cx, "status", sw && sw->closed ? "closed" : "open",
		       &given) &&
	    given)
		return 0;
	l->hits = xrealloc(l->hits, (l->n + 1) * sizeof(*l->hits));
	snprintf(l->hits[l->n].id, sizeof(l->hits[l->n].id), "%s",
		 row->case_id);
	l->hits[l->n].at = st->reported_at;
	l->n++;
	return 0;
}

/* Newest first; ties by id, so that a listing is stable. */
static int
hit_cmp(const void *a, const void *b)
{
	const struct hit *x = a, *y = b;
	if (x->at != y->at)
		return x->at < y->at ? 1 : -1;
	return strcmp(x->id, y->id);
}

/* Appends one case by id; a case that vanished is left out. */
static int
put_by_id(struct ctx *cx, struct out *o, const char *id, struct diag *d)
{
	struct case_state st;
	int rc = case_state_get(cx->n, id, &st);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc)
		return diag_set(d, rc, "cannot read case '%s': %s", id,
				err_str(rc));
	if (st.status != CS_NONE)
		put_request(cx, o, &st);
	state_release(&st);
	return 0;
}

/* The status values: 1 if one is neither open nor closed (answered). */
static int
bad_status(struct ctx *cx)
{
	for (size_t i = 0; i < cx->np; i++) {
		if (strcmp(cx->p[i].key, "status") != 0)
			continue;
		for (const char *s = cx->p[i].val; *s;) {
			size_t l = strcspn(s, ",");
			if (!((l == 4 && strncmp(s, "open", 4) == 0) ||
			      (l == 6 && strncmp(s, "closed", 6) == 0))) {
				fail(cx, 400,
				     "status '%s' must be open, closed or both, comma-separated",
				     cx->p[i].val);
				return 1;
			}
			s += l + (s[l] == ',');
		}
	}
	return 0;
}

/* GET requests: by service_request_id, or the filters and date span. */
static int
get_requests(struct ctx *cx, struct diag *d)
{
	struct listing l;
	struct case_query q;
	struct out o;
	const char *ids = param_set(cx, "service_request_id");
	const char *start = param_set(cx, "start_date");
	const char *end = param_set(cx, "end_date");
	int rc = 0;

	if ((rc = load_classes(cx, d)))
		return rc;
	if (ids) {
		/* It overrides every other parameter (the specification). */
		size_t count = 0;
		out_init(&o, cx->xml);
		out_open(&o, "service_requests", 1);
		for (const char *s = ids; *s && rc == 0;) {
			size_t len = strcspn(s, ",");
			char id[EVENT_CASE_MAX + 1];
			if (++count > OPEN311_MAX_REQUESTS) {
				out_release(&o);
				return fail(cx, 400,
					    "at most %d service_request_id at once",
					    OPEN311_MAX_REQUESTS);
			}
			if (len > 0 && len <= EVENT_CASE_MAX &&
			    event_case_is_valid(s, len)) {
				memcpy(id, s, len);
				id[len] = '\0';
				if (strcmp(id, ROSTER_CASE) != 0)
					rc = put_by_id(cx, &o, id, d);
			}
			s += len + (s[len] == ',');
		}
		if (rc) {
			out_release(&o);
			fail(cx, 500, "the service requests cannot be read");
			return rc;
		}
		out_close(&o, "service_requests", 1);
		out_finish(&o, cx->rep, 200);
		return 0;
	}

	if (bad_status(cx))
		return 0;
	memset(&l, 0, sizeof(l));
	l.cx = cx;
	if (start && parse_w3c(start, &l.from))
		return fail(cx, 400,
			    "start_date '%s' must be a W3C date-time, e.g. 2026-03-02T08:00:00+08:00",
			    start);
	if (end && parse_w3c(end, &l.to))
		return fail(cx, 400,
			    "end_date '%s' must be a W3C date-time, e.g. 2026-03-02T18:00:00Z",
			    end);
	if (!start && !end) {
		l.to = cx->req->now_ms;
		l.from = l.to > OPEN311_SPAN_MS ? l.to - OPEN311_SPAN_MS : 0;
	} else if (!end) {
		l.to = l.from + OPEN311_SPAN_MS;
	} else if (!start) {
		l.from = l.to > OPEN311_SPAN_MS ? l.to - OPEN311_SPAN_MS : 0;
	}
	if (l.from > l.to)
		return fail(cx, 400, "start_date is after end_date");
	if (l.to - l.from > OPEN311_SPAN_MS)
		return fail(
			cx, 400,
			"start_date and end_date may not span more than 90 days");

	memset(&q, 0, sizeof(q));
	q.now_ms = cx->req->now_ms;
	if ((rc = node_case_list(cx->n, &q, list_row, &l, d))) {
		free(l.hits);
		fail(cx, 500, "the service requests cannot be read");
		return rc;
	}
	if (l.n > 1)
		qsort(l.hits, l.n, sizeof(*l.hits), hit_cmp);
	if (l.n > OPEN311_MAX_REQUESTS)
		l.n = OPEN311_MAX_REQUESTS;
	out_init(&o, cx->xml);
	out_open(&o, "service_requests", 1);
	for (size_t i = 0; i < l.n && rc == 0; i++)
		rc = put_by_id(cx, &o, l.hits[i].id, d);
	free(l.hits);
	if (rc) {
		out_release(&o);
		fail(cx, 500, "the service requests cannot be read");
		return rc;
	}
	out_close(&o, "service_requests", 1);
	out_finish(&o, cx->rep, 200);
	return 0;
}

/* ---- services ---- */

static void
put_service(struct out *o, const struct class_info *c)
{
	char kw[32];
	snprintf(kw, sizeof(kw), "event:%s", c->code);
	out_open(o, "service", 0);
	out_str(o, "service_code", c->code);
	out_str(o, "service_name", c->name);
	out_str(o, "description", c->name);
	out_bool(o, "metadata", 0);
	out_str(o, "type", "realtime");
	out_str(o, "keywords", kw);
	out_str(o, "group", c->major);
	out_close(o, "service", 0);
}

/* GET services: the event (matter) classes of the national table. */
static int
get_services(struct ctx *cx, struct diag *d)
{
	struct class_info c;
	struct out o;
	int rc;
	if ((rc = load_classes(cx, d)))
		return rc;
	out_init(&o, cx->xml);
	out_open(&o, "services", 1);
	for (size_t i = 0; i < classes_count(cx->cls); i++) {
		classes_at(cx->cls, i, &c);
		if (c.kind == CLASS_EVENT)
			put_service(&o, &c);
	}
	out_close(&o, "services", 1);
	out_finish(&o, cx->rep, 200);
	return 0;
}

/* GET services/CODE: no attributes (every service's metadata is false). */
static int
get_service_definition(struct ctx *cx, const char *code, struct diag *d)
{
	struct out o;
	int rc;
	if ((rc = load_classes(cx, d)))
		return rc;
	if (!classes_name(cx->cls, CLASS_EVENT, code))
		return fail(cx, 404, "no service '%s'", code);
	out_init(&o, cx->xml);
	out_open(&o, "service_definition", 0);
	out_str(&o, "service_code", code);
	out_open_member(&o, "attributes");
	out_close(&o, "attributes", 1);
	out_close(&o, "service_definition", 0);
	out_finish(&o, cx->rep, 200);
	return 0;
}

/* ---- discovery ---- */

static int
get_discovery(struct ctx *cx)
{
	const char *url = cx->req->base_url ? cx->req->base_url
					    : "/open311/v2/";
	struct buf contact = BUF_INIT;
	struct out o;
	buf_printf(&contact,
		   "the digital urban management centre of district '%s'",
		   store_network(node_store(cx->n)));
	out_init(&o, cx->xml);
	out_open(&o, "discovery", 0);
	out_str(&o, "changeset", SERVICES_CHANGESET);
	out_str(&o, "contact", buf_cstr(&contact));
	out_str(&o, "key_service",
		"ask the district's administrators for an api_key");
	out_open_member(&o, "endpoints");
	out_open(&o, "endpoint", 0);
	out_str(&o, "specification", SPEC_URL);
	out_str(&o, "url", url);
	out_str(&o, "changeset", SERVICES_CHANGESET);
	out_str(&o, "type", "production");
	out_open_member(&o, "formats");
	if (o.xml) {
		buf_add_str(&o.b, "<format>text/xml</format>"
				  "<format>application/json</format>");
	} else {
		json_str(&o.w, "text/xml");
		json_str(&o.w, "application/json");
	}
	out_close(&o, "formats", 1);
	out_close(&o, "endpoint", 0);
	out_close(&o, "endpoints", 1);
	out_close(&o, "discovery", 0);
	out_finish(&o, cx->rep, 200);
	buf_release(&contact);
	return 0;
}

/* ---- POST requests ---- */

/* 1 if the two strings are equal, in time that does not depend on where
 * they first differ (an api_key is a secret). */
static int
same_secret(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned diff = (unsigned)(la ^ lb);
	for (size_t i = 0; i < la; i++)
		diff |= (unsigned)(unsigned char)a[i] ^
			(unsigned)(unsigned char)b[i % (lb ? lb : 1)];
	return diff == 0 && la == lb;
}

/* 0 if the api_key is good (or none is asked for), else answered 403. */
static int
check_api_key(struct ctx *cx)
{
	char *path = xasprintf("%s/%s", node_dir(cx->n), OPEN311_API_KEYS_FILE);
	FILE *f = fopen(path, "r");
	const char *key = param(cx, "api_key");
	char line[256];
	int ok = 0;
	free(path);
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (key && same_secret(key, line))
			ok = 1;
	}
	fclose(f);
	if (ok)
		return 0;
	fail(cx, 403, key ? "invalid api_key" : "an api_key is required");
	return 1;
}

/* Degrees with any number of decimals into microdegrees (rounded down to
 * 6 decimals: about 0.1 m, finer than any phone's position). */
static int
parse_deg(const char *s, int limit, int64_t *e6)
{
	char tmp[32];
	const char *dot = strchr(s, '.');
	size_t len = strlen(s);
	if (len >= sizeof(tmp))
		return ERR_INVAL;
	memcpy(tmp, s, len + 1);
	if (dot) {
		size_t at = (size_t)(dot - s);
		if (strspn(dot + 1, "0123456789") != strlen(dot + 1))
			return ERR_INVAL;
		if (len > at + 7)
			tmp[at + 7] = '\0';
	}
	return report_parse_degrees(tmp, limit, e6);
}

static const char *const contact_fields[] = { "first_name", "last_name",
					      "email",      "phone",
					      "device_id",  "account_id" };
#define NCONTACT (sizeof(contact_fields) / sizeof(contact_fields[0]))

/* The caller's contact fields: personal data, kept in an erasable blob
 * that the report names (they were checked for length before). */
static int
contact_blob(struct ctx *cx, struct report_req *r, struct diag *d)
{
	struct buf b = BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < NCONTACT; i++) {
		const char *v = param_set(cx, contact_fields[i]);
		if (v)
			buf_printf(&b, "%s: %s\n", contact_fields[i], v);
	}
	if (b.len) {
		if ((rc = store_blob_put(node_store(cx->n), b.data, b.len,
					 r->caller, d)))
			fail(cx, 500, "the service request cannot be stored");
		else
			r->has_caller = 1;
	}
	buf_release(&b);
	return rc;
}

/* The answer to an intake key that may not report (ERR_DENIED). */
static int
deny(struct ctx *cx, int rc, struct diag *d)
{
	char more[sizeof(d->text)];
	snprintf(more, sizeof(more), "%s", d->text);
	diag_set(d, rc,
		 "open311: the intake key may not report: %s (docs/open311.md)",
		 more);
	fail(cx, 403,
	     "this node takes no service requests: its intake key may not report");
	return rc;
}

/* The intake key, DIR/intake.key; answered 403 when there is none. */
static int
load_intake(struct ctx *cx, struct key **k, struct diag *d)
{
	char *path =
		xasprintf("%s/%s", node_dir(cx->n), OPEN311_INTAKE_KEY_FILE);
	struct diag why;
	int rc = key_load(path, k, &why);
	if (rc == ERR_NOTFOUND)
		diag_set(d, rc,
			 "open311: no intake key '%s': make one with 'gridcase keygen %s' and have the admin add it with the operator role (docs/open311.md)",
			 path, path);
	else if (rc)
		diag_set(d, rc, "open311: cannot load the intake key: %s",
			 why.text);
	free(path);
	if (rc)
		fail(cx, 403,
		     "this node takes no service requests: it has no intake key");
	return rc;
}

static int
post_request(struct ctx *cx, struct diag *d)
{
	const char *code = param_set(cx, "service_code");
	const char *lat = param_set(cx, "lat"), *lon = param_set(cx, "long");
	const char *addr = param_set(cx, "address_string");
	const char *desc = param_set(cx, "description");
	const char *media = param_set(cx, "media_url");
	const char *name;
	struct report_req r;
	struct grid_cell cell;
	struct buf where = BUF_INIT, text = BUF_INIT;
	struct key *k = NULL;
	char case_id[REPORT_CASE_ID_BYTES], office[65];
	struct out o;
	int rc = 0;

	const char *ct = cx->req->content_type;
	if (ct && strncmp(ct, FORM_TYPE, strlen(FORM_TYPE)) != 0)
		return fail(cx, 400,
			    "a service request is posted as %s, not '%s'",
			    FORM_TYPE, ct);
	if (check_api_key(cx))
		return 0;
	if (!code)
		return fail(cx, 400, "service_code is required");
	if ((rc = load_classes(cx, d)))
		return rc;
	if (!(name = classes_name(cx->cls, CLASS_EVENT, code)))
		return fail(cx, 400,
			    "service_code '%s' is not a service (GET services lists them)",
			    code);
	if (!lat != !lon)
		return fail(cx, 400, "give lat and long together");
	if (!lat)
		return fail(cx, 400,
			    addr || param_set(cx, "address_id")
				    ? "lat and long are required: this district places a request on its grid by its position, and has no address lookup"
				    : "lat and long are required");
	memset(&r, 0, sizeof(r));
	if (parse_deg(lat, 90, &r.lat_e6))
		return fail(cx, 400,
			    "lat '%s' must be decimal degrees from -90 to 90",
			    lat);
	if (parse_deg(lon, 180, &r.lon_e6))
		return fail(cx, 400,
			    "long '%s' must be decimal degrees from -180 to 180",
			    lon);
	r.has_position = 1;
	if (grid_locate(cx->n, r.lat_e6, r.lon_e6, &cell))
		return fail(cx, 400,
			    "the position %s, %s is outside this district's grid",
			    lat, lon);
	if ((desc && strlen(desc) > MAX_DESC) ||
	    (addr && strlen(addr) > MAX_ADDRESS) ||
	    (media && strlen(media) > MAX_URL))
		return fail(cx, 400,
			    "description (%d bytes), address_string (%d) or media_url (%d) is too long",
			    MAX_DESC, MAX_ADDRESS, MAX_URL);
	for (size_t i = 0; i < NCONTACT; i++) {
		const char *v = param_set(cx, contact_fields[i]);
		if (v && strlen(v) > MAX_CONTACT)
			return fail(cx, 400, "%s is longer than %d bytes",
				    contact_fields[i], MAX_CONTACT);
	}
	if (media && strncmp(media, "http://", 7) != 0 &&
	    strncmp(media, "https://", 8) != 0)
		return fail(cx, 400,
			    "media_url '%s' must be an http or https URL",
			    media);

	/* Where: the caller's words, else the cell the position is in. */
	if (addr)
		buf_add_str(&where, addr);
	else
		buf_printf(&where, "%s, %s (%s %s)", lat, lon, cell.community,
			   cell.grid);
	/* What: the caller's words, else the service's name; a photo's URL
	 * goes with the text (the node keeps no copy of it: it may be
	 * offline, and the URL is the caller's). */
	buf_add_str(&text, desc ? desc : name);
	if (media)
		buf_printf(&text, "\nmedia_url: %s", media);

	if ((rc = load_intake(cx, &k, d)))
		goto out;
	/* Asked before the caller's data is stored: personal data that no
	 * report names would outlive the refusal. */
	if ((rc = node_may_sign(cx->n, NULL, k, OPEN311_CASE_PROBE, "report",
				d))) {
		deny(cx, rc, d);
		goto out;
	}
	if ((rc = contact_blob(cx, &r, d)))
		goto out;
	r.kind = "event";
	r.code = code;
	r.grid = cell.grid;
	r.where = buf_cstr(&where);
	r.desc = buf_cstr(&text);
	r.source = "hotline";
	r.by = "open311";
	r.now_ms = cx->req->now_ms;
	r.signer = k;
	if ((rc = report_case(cx->n, &r, case_id, office, d))) {
		if (rc == ERR_DENIED) {
			deny(cx, rc, d);
		} else if (rc == ERR_INVAL) {
			fail(cx, 400, "%s", d->text);
			rc = 0;
		} else {
			fail(cx, 500, "the service request cannot be stored");
		}
		goto out;
	}
	out_init(&o, cx->xml);
	out_open(&o, "service_requests", 1);
	out_open(&o, "request", 0);
	out_str(&o, "service_request_id", case_id);
	out_str(&o, "service_notice",
		"a supervisor checks the report on site; the centre then registers it and dispatches it to the office responsible");
	out_str(&o, "account_id", NULL);
	out_close(&o, "request", 0);
	out_close(&o, "service_requests", 1);
	out_finish(&o, cx->rep, 200);
out:
	key_free(k);
	buf_release(&where);
	buf_release(&text);
	return rc;
}

/* ---- routing ---- */

void
open311_reply_release(struct open311_reply *rep)
{
	free(rep->body);
	rep->body = NULL;
	rep->body_len = 0;
}

static int
route(struct ctx *cx, struct diag *d)
{
	const struct open311_request *req = cx->req;
	const char *path = req->path ? req->path : "";
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	int post = strcmp(req->method, "POST") == 0;
	char res[128];

	/* The format is the path's extension; XML is the one the
	 * specification requires, so errors without one are XML. */
	cx->xml = 1;
	if (!dot || (slash && dot < slash))
		return fail(cx, 404, "'%s' names no format: add .xml or .json",
			    path);
	if (strcmp(dot, ".json") == 0)
		cx->xml = 0;
	else if (strcmp(dot, ".xml") != 0)
		return fail(cx, 404,
			    "format '%s' is not served: use .xml or .json",
			    dot + 1);
	size_t rl = (size_t)(dot - path);
	if (rl >= sizeof(res))
		return fail(cx, 404, "no resource '%s'", path);
	memcpy(res, path, rl);
	res[rl] = '\0';
	if (strcmp(req->method, "GET") != 0 && !post)
		return fail(cx, 405, "method %s is not served", req->method);
	if (req->query &&
	    params_add(cx, req->query, strlen(req->query), "query string"))
		return 0;
	if (post) {
		if (req->body_len > OPEN311_BODY_MAX)
			return fail(cx, 413,
				    "the request is larger than %d bytes",
				    OPEN311_BODY_MAX);
		if (req->body &&
		    params_add(cx, req->body, req->body_len, "request body"))
			return 0;
	}
	const char *jur = param_set(cx, "jurisdiction_id");
	if (jur && strcmp(jur, store_network(node_store(cx->n))) != 0)
		return fail(cx, 404,
			    "unknown jurisdiction_id '%s': this endpoint serves '%s'",
			    jur, store_network(node_store(cx->n)));

	if (strcmp(res, "requests") == 0)
		return post ? post_request(cx, d) : get_requests(cx, d);
	if (post)
		return fail(cx, 405, "only requests takes POST");
	if (strcmp(res, "discovery") == 0)
		return get_discovery(cx);
	if (strcmp(res, "services") == 0)
		return get_services(cx, d);
	if (strncmp(res, "services/", 9) == 0)
		return get_service_definition(cx, res + 9, d);
	if (strncmp(res, "requests/", 9) == 0)
		return get_request(cx, res + 9, d);
	return fail(cx, 404, "no resource '%s'", res);
}

int
open311_handle(struct node *n, const struct open311_request *req,
	       struct open311_reply *rep, struct diag *d)
{
	struct ctx cx;
	memset(rep, 0, sizeof(*rep));
	memset(&cx, 0, sizeof(cx));
	cx.n = n;
	cx.req = req;
	cx.rep = rep;
	int rc = route(&cx, d);
	BUG_ON(!rep->body);
	for (size_t i = 0; i < cx.np; i++) {
		free(cx.p[i].key);
		free(cx.p[i].val);
	}
	free(cx.p);
	classes_free(cx.cls);
	return rc;
}

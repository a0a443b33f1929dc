/* state.c - the canonical encoding of a case state, and back. */
#include "node/case/state.h"

#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "common/banned.h"

static const char *const status_names[CS_COUNT] = {
	"none",       "reported", "checked",   "accepted", "refused",
	"registered", "dispatched", "returned", "suspended", "fed_back",
	"verified",   "closed",   "cancelled", "merged",
};

const char *
case_status_name(enum case_status s)
{
	return s < CS_COUNT ? status_names[s] : "?";
}

enum case_status
case_status_parse(const char *name)
{
	for (int i = 0; i < CS_COUNT; i++)
		if (strcmp(status_names[i], name) == 0)
			return (enum case_status)i;
	return CS_COUNT;
}

void
state_init(struct case_state *s, const char *case_id)
{
	memset(s, 0, sizeof(*s));
	state_copy_name(s->case_id, sizeof(s->case_id), case_id,
			strlen(case_id));
}

void
state_release(struct case_state *s)
{
	free(s->where);
	free(s->desc);
	free(s->suspended);
	free(s->disposals);
	for (size_t i = 0; i < s->nconflicts; i++)
		free(s->conflicts[i].events);
	free(s->conflicts);
	free(s->steps);
	memset(s, 0, sizeof(*s));
}

void
state_copy_name(char *out, size_t cap, const char *s, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

int
state_is_open(const struct case_state *s)
{
	return (CS_OPEN & CS_BIT(s->status)) != 0;
}

size_t
state_open_conflicts(const struct case_state *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->nconflicts; i++)
		n += !s->conflicts[i].resolved;
	return n;
}

/* ---- encoding: every field, always, so that the shape is fixed ---- */

static void
put_str(struct mp_map *m, const char *key, const char *v)
{
	mp_put_cstr(mp_map_add(m, key), v ? v : "");
}

static void
put_uint(struct mp_map *m, const char *key, uint64_t v)
{
	mp_put_uint(mp_map_add(m, key), v);
}

/* The state's entries into m, its history (disposals, steps) into h,
 * which may be m. */
static void
encode_into(const struct case_state *s, struct mp_map *m, struct mp_map *h)
{
	struct buf *b;
	put_uint(m, "accepted_at", s->accepted_at);
	put_uint(m, "amendments", s->amendments);
	put_str(m, "case", s->case_id);
	put_uint(m, "check_found", (uint64_t)s->check_found);
	put_uint(m, "checked", (uint64_t)s->checked);
	put_uint(m, "checked_at", s->checked_at);
	put_uint(m, "cancelled_at", s->cancelled_at);
	put_uint(m, "clock_at", s->clock_at);
	put_uint(m, "closed_at", s->closed_at);
	put_str(m, "code", s->code);
	put_str(m, "component", s->component);
	b = mp_map_add(m, "conflicts");
	mp_put_array(b, (uint32_t)s->nconflicts);
	for (size_t i = 0; i < s->nconflicts; i++) {
		const struct conflict *c = &s->conflicts[i];
		mp_put_map(b, 5);
		mp_put_cstr(b, "events");
		mp_put_array(b, (uint32_t)c->nevents);
		for (size_t j = 0; j < c->nevents; j++)
			mp_put_bin(b, c->events[j], EVENT_ID_BYTES);
		mp_put_cstr(b, "id");
		mp_put_cstr(b, c->id);
		mp_put_cstr(b, "kind");
		mp_put_cstr(b, c->kind);
		mp_put_cstr(b, "resolved");
		mp_put_bool(b, c->resolved);
		mp_put_cstr(b, "resolved_by");
		if (c->resolved)
			mp_put_bin(b, c->resolved_by, EVENT_ID_BYTES);
		else
			mp_put_nil(b);
	}
	put_str(m, "desc", s->desc);
	put_uint(m, "dispatched_at", s->dispatched_at);
	put_uint(m, "dispatches", s->dispatches);
	b = mp_map_add(h, "disposals");
	mp_put_array(b, (uint32_t)s->ndisposals);
	for (size_t i = 0; i < s->ndisposals; i++) {
		const struct disposal *x = &s->disposals[i];
		mp_put_map(b, 7);
		mp_put_cstr(b, "at");
		mp_put_uint(b, x->at);
		mp_put_cstr(b, "by");
		mp_put_cstr(b, x->by);
		mp_put_cstr(b, "current");
		mp_put_bool(b, x->current);
		mp_put_cstr(b, "event");
		mp_put_bin(b, x->event, EVENT_ID_BYTES);
		mp_put_cstr(b, "feedback");
		mp_put_bool(b, x->feedback);
		mp_put_cstr(b, "key");
		mp_put_bin(b, x->key, EVENT_KEY_BYTES);
		mp_put_cstr(b, "unit");
		mp_put_cstr(b, x->unit);
	}
	put_uint(m, "events", s->events);
	put_uint(m, "ext_days", s->ext_days);
	put_uint(m, "ext_hours", s->ext_hours);
	put_str(m, "fed_back_by", s->fed_back_by);
	put_uint(m, "fed_back_at", s->fed_back_at);
	put_uint(m, "first_fed_back_at", s->first_fed_back_at);
	put_str(m, "grid", s->grid);
	put_str(m, "kind", s->kind);
	put_uint(m, "last_at", s->last_at);
	b = mp_map_add(m, "position");
	if (s->has_pos) {
		mp_put_array(b, 2);
		mp_put_int(b, s->lat_e6);
		mp_put_int(b, s->lon_e6);
	} else {
		mp_put_nil(b);
	}
	put_str(m, "limit", s->limit);
	put_str(m, "merged_into", s->merged_into);
	put_str(m, "pending_extend", s->pending_extend);
	put_uint(m, "postponements", s->postponements);
	put_uint(m, "refused_at", s->refused_at);
	put_uint(m, "registered_at", s->registered_at);
	put_uint(m, "reopens", s->reopens);
	put_uint(m, "reported_at", s->reported_at);
	put_str(m, "reporter", s->reporter);
	mp_put_bin(mp_map_add(m, "reporter_key"), s->reporter_key,
		   EVENT_KEY_BYTES);
	put_uint(m, "returns", s->returns);
	put_uint(m, "reworks", s->reworks);
	put_str(m, "source", s->source);
	put_str(m, "standard", s->standard);
	put_str(m, "status", case_status_name(s->status));
	put_uint(m, "suspend_pending", (uint64_t)s->suspend_pending);
	b = mp_map_add(m, "suspended");
	mp_put_array(b, (uint32_t)s->nsuspended);
	for (size_t i = 0; i < s->nsuspended; i++) {
		mp_put_array(b, 2);
		mp_put_uint(b, s->suspended[i].start);
		mp_put_uint(b, s->suspended[i].end);
	}
	put_uint(m, "suspensions", s->suspensions);
	b = mp_map_add(h, "steps");
	mp_put_array(b, (uint32_t)s->nsteps);
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct step *x = &s->steps[i];
		mp_put_array(b, 4);
		mp_put_uint(b, x->act);
		mp_put_uint(b, x->at);
		mp_put_bin(b, x->key, EVENT_KEY_BYTES);
		mp_put_cstr(b, x->arg);
	}
	put_str(m, "team", s->team);
	put_uint(m, "unapplied", s->unapplied);
	put_str(m, "unit", s->unit);
	put_str(m, "urgency", s->urgency);
	put_uint(m, "verified_at", s->verified_at);
	put_str(m, "where", s->where);
}

void
state_encode(const struct case_state *s, struct buf *out)
{
	struct mp_map m;
	mp_map_init(&m);
	encode_into(s, &m, &m);
	mp_map_finish(&m, out);
}

void
state_encode_parts(const struct case_state *s, struct buf *row,
		   struct buf *history)
{
	struct mp_map m, h;
	mp_map_init(&m);
	mp_map_init(&h);
	encode_into(s, &m, &h);
	mp_map_finish(&m, row);
	mp_map_finish(&h, history);
}

/* ---- decoding ---- */

struct dec {
	struct mp_reader root;
	struct mp_map_cursor cur; /* the fields are read in key order */
	int bad;
	int whole; /* 0: a row: steps and disposals, if there, are checked
		    * (by the cursor), not kept */
};

static void
get_str(struct dec *d, const char *key, char *out, size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	out[0] = '\0';
	if (mp_map_cursor_find(&d->cur, key, &v) || mp_get_str(&v, &s, &n)) {
		d->bad = 1;
		return;
	}
	state_copy_name(out, cap, s, n);
}

static char *
get_text(struct dec *d, const char *key)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	if (mp_map_cursor_find(&d->cur, key, &v) || mp_get_str(&v, &s, &n)) {
		d->bad = 1;
		return xstrdup("");
	}
	return xstrndup(s, n);
}

static uint64_t
get_uint(struct dec *d, const char *key)
{
	struct mp_reader v;
	uint64_t x = 0;
	if (mp_map_cursor_find(&d->cur, key, &v) || mp_get_uint(&v, &x))
		d->bad = 1;
	return x;
}

static uint32_t
get_u32(struct dec *d, const char *key)
{
	uint64_t v = get_uint(d, key);
	if (v > UINT32_MAX)
		d->bad = 1;
	return (uint32_t)v;
}

static int
get_id(struct mp_reader *r, uint8_t out[EVENT_ID_BYTES])
{
	const uint8_t *p;
	size_t n;
	if (mp_get_bin(r, &p, &n) || n != EVENT_ID_BYTES)
		return -1;
	memcpy(out, p, EVENT_ID_BYTES);
	return 0;
}

/* Reads the next "key" of a nested map written in sorted order. */
static int
expect_key(struct mp_reader *r, const char *key)
{
	const char *k;
	size_t n;
	return mp_get_str(r, &k, &n) || n != strlen(key) || memcmp(k, key, n)
		       ? -1
		       : 0;
}

static int
nested_str(struct mp_reader *r, const char *key, char *out, size_t cap)
{
	const char *s;
	size_t n;
	if (expect_key(r, key) || mp_get_str(r, &s, &n))
		return -1;
	state_copy_name(out, cap, s, n);
	return 0;
}

static void
get_conflicts(struct dec *d, struct case_state *s)
{
	struct mp_reader v;
	uint32_t n, fields, ne;
	if (mp_map_cursor_find(&d->cur, "conflicts", &v) || mp_get_array(&v, &n)) {
		d->bad = 1;
		return;
	}
	s->conflicts = xcalloc(n ? n : 1, sizeof(*s->conflicts));
	for (uint32_t i = 0; i < n; i++) {
		struct conflict *c = &s->conflicts[i];
		s->nconflicts++;
		if (mp_get_map(&v, &fields) || fields != 5 ||
		    expect_key(&v, "events") || mp_get_array(&v, &ne)) {
			d->bad = 1;
			return;
		}
		c->events = xcalloc(ne ? ne : 1, EVENT_ID_BYTES);
		for (uint32_t j = 0; j < ne; j++) {
			if (get_id(&v, c->events[j])) {
				d->bad = 1;
				return;
			}
			c->nevents++;
		}
		enum mp_type t;
		if (nested_str(&v, "id", c->id, sizeof(c->id)) ||
		    nested_str(&v, "kind", c->kind, sizeof(c->kind)) ||
		    expect_key(&v, "resolved") || mp_get_bool(&v, &c->resolved) ||
		    expect_key(&v, "resolved_by") || mp_peek(&v, &t)) {
			d->bad = 1;
			return;
		}
		if (t == MP_NIL ? mp_get_nil(&v) != 0
				: get_id(&v, c->resolved_by) != 0) {
			d->bad = 1;
			return;
		}
	}
}

static void
get_disposals(struct dec *d, struct case_state *s)
{
	struct mp_reader v;
	uint32_t n, fields;
	if (!d->whole)
		return; /* the cursor checks it if it is there */
	if (mp_map_cursor_find(&d->cur, "disposals", &v) || mp_get_array(&v, &n)) {
		d->bad = 1;
		return;
	}
	s->disposals = xcalloc(n ? n : 1, sizeof(*s->disposals));
	for (uint32_t i = 0; i < n; i++) {
		struct disposal *x = &s->disposals[i];
		if (mp_get_map(&v, &fields) || fields != 7 ||
		    expect_key(&v, "at") || mp_get_uint(&v, &x->at) ||
		    nested_str(&v, "by", x->by, sizeof(x->by)) ||
		    expect_key(&v, "current") || mp_get_bool(&v, &x->current) ||
		    expect_key(&v, "event") || get_id(&v, x->event) ||
		    expect_key(&v, "feedback") ||
		    mp_get_bool(&v, &x->feedback) || expect_key(&v, "key") ||
		    get_id(&v, x->key) ||
		    nested_str(&v, "unit", x->unit, sizeof(x->unit))) {
			d->bad = 1;
			return;
		}
		s->ndisposals++;
	}
}

static void
get_steps(struct dec *d, struct case_state *s)
{
	struct mp_reader v;
	uint32_t n, four;
	if (!d->whole)
		return; /* the cursor checks it if it is there */
	if (mp_map_cursor_find(&d->cur, "steps", &v) || mp_get_array(&v, &n)) {
		d->bad = 1;
		return;
	}
	s->steps = xcalloc(n ? n : 1, sizeof(*s->steps));
	for (uint32_t i = 0; i < n; i++) {
		struct step *x = &s->steps[i];
		const uint8_t *key;
		const char *arg;
		size_t kn, an;
		uint64_t act;
		if (mp_get_array(&v, &four) || four != 4 ||
		    mp_get_uint(&v, &act) || act > UINT8_MAX ||
		    mp_get_uint(&v, &x->at) || mp_get_bin(&v, &key, &kn) ||
		    kn != EVENT_KEY_BYTES || mp_get_str(&v, &arg, &an)) {
			d->bad = 1;
			return;
		}
		x->act = (uint8_t)act;
		memcpy(x->key, key, EVENT_KEY_BYTES);
		state_copy_name(x->arg, sizeof(x->arg), arg, an);
		s->nsteps++;
	}
}

/*
 * One pass: each field is checked as it is read and the cursor checks
 * every value it steps over, so the ending mp_map_cursor_end() leaves
 * the bytes checked as a first mp_check() pass would have.
 */
static int
decode(const uint8_t *p, size_t n, struct case_state *s, int whole)
{
	struct dec d;
	struct mp_reader v;
	char status[24];
	uint32_t count;

	memset(s, 0, sizeof(*s));
	if (!mp_is_map(p, n))
		return ERR_CORRUPT;
	mp_reader_init(&d.root, p, n, NULL);
	if (mp_map_cursor_init(&d.cur, &d.root))
		return ERR_CORRUPT;
	d.bad = 0;
	d.whole = whole;
	s->accepted_at = get_uint(&d, "accepted_at");
	s->amendments = get_u32(&d, "amendments");
	get_str(&d, "case", s->case_id, sizeof(s->case_id));
	s->check_found = (int)get_uint(&d, "check_found");
	s->checked = (int)get_uint(&d, "checked");
	s->checked_at = get_uint(&d, "checked_at");
	s->cancelled_at = get_uint(&d, "cancelled_at");
	s->clock_at = get_uint(&d, "clock_at");
	s->closed_at = get_uint(&d, "closed_at");
	get_str(&d, "code", s->code, sizeof(s->code));
	get_str(&d, "component", s->component, sizeof(s->component));
	get_conflicts(&d, s);
	s->desc = get_text(&d, "desc");
	s->dispatched_at = get_uint(&d, "dispatched_at");
	s->dispatches = get_u32(&d, "dispatches");
	get_disposals(&d, s);
	s->events = get_u32(&d, "events");
	s->ext_days = get_u32(&d, "ext_days");
	s->ext_hours = get_u32(&d, "ext_hours");
	get_str(&d, "fed_back_by", s->fed_back_by, sizeof(s->fed_back_by));
	s->fed_back_at = get_uint(&d, "fed_back_at");
	s->first_fed_back_at = get_uint(&d, "first_fed_back_at");
	get_str(&d, "grid", s->grid, sizeof(s->grid));
	get_str(&d, "kind", s->kind, sizeof(s->kind));
	s->last_at = get_uint(&d, "last_at");
	get_str(&d, "limit", s->limit, sizeof(s->limit));
	get_str(&d, "merged_into", s->merged_into, sizeof(s->merged_into));
	get_str(&d, "pending_extend", s->pending_extend, sizeof(s->pending_extend));
	if (mp_map_cursor_find(&d.cur, "position", &v) == 0 &&
	    mp_get_array(&v, &count) == 0 && count == 2) {
		s->has_pos = !mp_get_int(&v, &s->lat_e6) &&
			     !mp_get_int(&v, &s->lon_e6);
	}
	s->postponements = get_u32(&d, "postponements");
	s->refused_at = get_uint(&d, "refused_at");
	s->registered_at = get_uint(&d, "registered_at");
	s->reopens = get_u32(&d, "reopens");
	s->reported_at = get_uint(&d, "reported_at");
	get_str(&d, "reporter", s->reporter, sizeof(s->reporter));
	if (mp_map_cursor_find(&d.cur, "reporter_key", &v) ||
	    get_id(&v, s->reporter_key))
		d.bad = 1;
	s->returns = get_u32(&d, "returns");
	s->reworks = get_u32(&d, "reworks");
	get_str(&d, "source", s->source, sizeof(s->source));
	get_str(&d, "standard", s->standard, sizeof(s->standard));
	get_str(&d, "status", status, sizeof(status));
	s->status = case_status_parse(status);
	if (s->status == CS_COUNT)
		d.bad = 1;
	s->suspend_pending = (int)get_uint(&d, "suspend_pending");
	if (mp_map_cursor_find(&d.cur, "suspended", &v) || mp_get_array(&v, &count)) {
		d.bad = 1;
	} else {
		s->suspended = xcalloc(count ? count : 1, sizeof(*s->suspended));
		for (uint32_t i = 0; i < count; i++) {
			uint32_t two;
			if (mp_get_array(&v, &two) || two != 2 ||
			    mp_get_uint(&v, &s->suspended[i].start) ||
			    mp_get_uint(&v, &s->suspended[i].end)) {
				d.bad = 1;
				break;
			}
			s->nsuspended++;
		}
	}
	s->suspensions = get_u32(&d, "suspensions");
	get_steps(&d, s);
	get_str(&d, "team", s->team, sizeof(s->team));
	s->unapplied = get_u32(&d, "unapplied");
	get_str(&d, "unit", s->unit, sizeof(s->unit));
	get_str(&d, "urgency", s->urgency, sizeof(s->urgency));
	s->verified_at = get_uint(&d, "verified_at");
	s->where = get_text(&d, "where");
	if (d.bad || mp_map_cursor_end(&d.cur)) {
		state_release(s);
		return ERR_CORRUPT;
	}
	return 0;
}

int
state_decode(const uint8_t *p, size_t n, struct case_state *s)
{
	return decode(p, n, s, 1);
}

int
state_decode_row(const uint8_t *p, size_t n, struct case_state *s)
{
	return decode(p, n, s, 0);
}

/*
 * roster.c - reading the signed roster, and answering who may act.
 *
 * The changes are kept in (lamport, id) order, which respects causality
 * (an event's lamport is above its deps').  Each has its causal past as a
 * bitset over the changes.  The global roster is worked out once per
 * read (resolve()); states at other sets are built on demand and kept in
 * a small cache, since most events of a case name the same roster.
 */
#include "node/case/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "node/case/config.h"
#include "common/banned.h"

#define ROSTER_CACHE 8

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
	{ ROLE_SUPERVISOR, "supervisor" }, { ROLE_OPERATOR, "operator" },
	{ ROLE_SHIFT_LEAD, "shift_lead" }, { ROLE_DISPATCHER, "dispatcher" },
	{ ROLE_DISPOSAL, "disposal" },	   { ROLE_ADMIN, "admin" },
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

static int
role_bit(const char *s, size_t n, unsigned *bit)
{
	for (size_t i = 0; i < NROLES; i++)
		if (strlen(role_names[i].name) == n &&
		    memcmp(role_names[i].name, s, n) == 0) {
			*bit = role_names[i].bit;
			return 0;
		}
	return ERR_INVAL;
}

const char *
role_name(unsigned bit)
{
	for (size_t i = 0; i < NROLES; i++)
		if (role_names[i].bit == bit)
			return role_names[i].name;
	return NULL;
}

int
roles_parse(const char *list, unsigned *mask, struct diag *d)
{
	unsigned m = 0, bit;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (role_bit(p, n, &bit))
			return diag_set(d, ERR_INVAL,
					"unknown role '%.*s' (roles: supervisor, operator, shift_lead, dispatcher, disposal, admin)",
					(int)n, p);
		m |= bit;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!m)
		return diag_set(d, ERR_INVAL, "no roles given");
	*mask = m;
	return 0;
}

void
roles_format(unsigned mask, char *out, size_t n)
{
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < NROLES; i++) {
		if (!(mask & role_names[i].bit))
			continue;
		int w = snprintf(out + at, n - at, "%s%s", at ? "," : "",
				 role_names[i].name);
		if (w < 0 || (size_t)w >= n - at)
			return;
		at += (size_t)w;
	}
}

const char *
roster_void_str(enum roster_void v)
{
	switch (v) {
	case RV_NONE: return "in force";
	case RV_UNREADABLE: return "its body is not a roster change";
	case RV_NOT_ADMIN: return "its author is no admin in the roster";
	case RV_REVOKED: return "its author was revoked before it";
	case RV_FORKED: return "its author forked at or before it";
	case RV_RANK: return "it revokes an admin as senior as its author, or more";
	case RV_ERASURE: return "a blob's erasure, no change of members";
	}
	return "?";
}

/* ---- states: who is a member in a set of changes ---- */

struct roster_entry {
	uint8_t key[EVENT_KEY_BYTES];
	struct member m;
	int member;      /* added in the set (or the genesis admin) */
	int revoked;
	uint64_t after;  /* revoked: its last valid seq */
	uint32_t rank;   /* global states: ROSTER_NO_RANK unless an admin */
	size_t first;    /* the change that first added it (walk order) */
};

struct roster_state {
	int causal;
	uint64_t *set; /* NULL: every change (the global state) */
	struct roster_entry *e;
	size_t n, cap;
};

static void
state_free(struct roster_state *st)
{
	if (!st)
		return;
	free(st->set);
	free(st->e);
	free(st);
}

static int
key_cmp(const void *a, const void *b)
{
	return memcmp(((const struct roster_entry *)a)->key,
		      ((const struct roster_entry *)b)->key, EVENT_KEY_BYTES);
}

/* The entry of key (added, unsorted, while a state is being built). */
static struct roster_entry *
entry_get(struct roster_state *st, const uint8_t key[EVENT_KEY_BYTES],
	  int create)
{
	for (size_t i = 0; i < st->n; i++)
		if (memcmp(st->e[i].key, key, EVENT_KEY_BYTES) == 0)
			return &st->e[i];
	if (!create)
		return NULL;
	if (st->n == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 16;
		st->e = xrealloc(st->e, st->cap * sizeof(*st->e));
	}
	struct roster_entry *e = &st->e[st->n++];
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, EVENT_KEY_BYTES);
	memcpy(e->m.key, key, EVENT_KEY_BYTES);
	e->rank = ROSTER_NO_RANK;
	e->first = SIZE_MAX;
	return e;
}

/* The entry of key in a finished (sorted) state. */
static const struct roster_entry *
entry_find(const struct roster_state *st, const uint8_t key[EVENT_KEY_BYTES])
{
	struct roster_entry probe;
	memcpy(probe.key, key, EVENT_KEY_BYTES);
	return bsearch(&probe, st->e, st->n, sizeof(*st->e), key_cmp);
}

static int
in_set(const uint64_t *set, size_t i)
{
	return !set || (set[i / 64] >> (i % 64) & 1);
}

/* A member.add: the member's record from now on.  The admin role, once
 * given, is taken away only by a revocation. */
static void
apply_add(struct roster_entry *e, const struct roster_change *c, size_t i)
{
	unsigned admin = e->member ? (e->m.roles & ROLE_ADMIN) : 0;
	e->m = c->m;
	e->m.roles |= admin;
	e->member = 1;
	if (e->first == SIZE_MAX)
		e->first = i;
}

static void
revoke_entry(struct roster_entry *e, uint64_t last_seq)
{
	if (!e->revoked || last_seq < e->after)
		e->after = last_seq;
	e->revoked = 1;
}

static void
genesis_entry(const struct roster *r, struct roster_state *st)
{
	if (!r->has_admin)
		return;
	struct roster_entry *e = entry_get(st, r->admin, 1);
	if (!e->member) {
		snprintf(e->m.name, sizeof(e->m.name), "admin");
		e->m.roles = ROLE_ADMIN;
		e->member = 1;
	}
}

static void
state_sort(struct roster_state *st)
{
	if (st->n > 1)
		qsort(st->e, st->n, sizeof(*st->e), key_cmp);
}

/*
 * A set seen through the global roster: its adds that are not void, and
 * the global revocations and admin ranks.
 */
static struct roster_state *
state_global_at(const struct roster *r, const uint64_t *set)
{
	struct roster_state *st = xcalloc(1, sizeof(*st));
	genesis_entry(r, st);
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_change *c = &r->ch[i];
		if (!in_set(set, i) || c->why_void != RV_NONE || c->revoke ||
		    c->setting)
			continue;
		apply_add(entry_get(st, c->m.key, 1), c, i);
	}
	for (size_t i = 0; i < st->n; i++) {
		const struct roster_entry *g = entry_find(r->global, st->e[i].key);
		if (!g)
			continue;
		st->e[i].revoked = g->revoked;
		st->e[i].after = g->after;
		st->e[i].rank = g->rank;
		if (g->rank == ROSTER_NO_RANK)
			st->e[i].m.roles &= ~(unsigned)ROLE_ADMIN;
	}
	state_sort(st);
	return st;
}

/* ---- resolving: which changes count ---- */

struct resolver {
	struct roster *r;
	const uint64_t *set;     /* the changes that exist (NULL: all) */
	const uint64_t *forked;  /* per change: its author's fork seq, or NULL */
	enum roster_void *why;   /* per change: the verdict */
	struct roster_state *st; /* keys: rank, revocations */
};

/*
 * Resolves the changes of the admins of one rank, in change order: first
 * the key's own revocations of itself (the first that is not past a cut
 * already made), then each of its changes.  Every senior's revocations
 * are known by then, so nothing depends on arrival order.
 */
static void
resolve_rank(struct resolver *rs, uint32_t rank)
{
	struct roster *r = rs->r;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->n; i++) {
			const struct roster_change *c = &r->ch[i];
			struct roster_entry *a = entry_get(rs->st, c->author, 0);
			if (!in_set(rs->set, i) || !a || a->rank != rank ||
			    rs->why[i] != RV_NONE)
				continue;
			if (rs->forked && rs->forked[i] && c->seq >= rs->forked[i]) {
				rs->why[i] = RV_FORKED;
				continue;
			}
			int self = c->revoke && memcmp(c->m.key, c->author,
						       EVENT_KEY_BYTES) == 0;
			if (self != (pass == 0))
				continue;
			if (a->revoked && c->seq > a->after) {
				rs->why[i] = RV_REVOKED;
				continue;
			}
			/* A setting counts like a change, and changes no
			 * member. */
			if (c->setting)
				continue;
			struct roster_entry *t = entry_get(rs->st, c->m.key, 1);
			if (self) {
				revoke_entry(t, c->last_seq);
			} else if (c->revoke) {
				/* Ranks up to this one are all known by now. */
				if (t->rank <= rank) {
					rs->why[i] = RV_RANK;
					continue;
				}
				revoke_entry(t, c->last_seq);
			} else if ((c->m.roles & ROLE_ADMIN) &&
				   t->rank == ROSTER_NO_RANK) {
				t->rank = rank + 1;
			}
		}
}

/*
 * The roster made of the changes in rs->set: verdicts into rs->why, and
 * the state (members from the changes in force, revocations, ranks).
 */
static struct roster_state *
resolve(struct resolver *rs)
{
	struct roster *r = rs->r;
	rs->st = xcalloc(1, sizeof(struct roster_state));
	for (size_t i = 0; i < r->n; i++)
		rs->why[i] = r->ch[i].why_void == RV_UNREADABLE ||
				     r->ch[i].why_void == RV_ERASURE
				     ? r->ch[i].why_void
				     : RV_NONE;
	if (r->has_admin)
		entry_get(rs->st, r->admin, 1)->rank = 0;
	/* Ranks grow by one per level; a level with no admin ends it. */
	for (uint32_t rank = 0; rank <= r->n; rank++) {
		int more = 0;
		for (size_t i = 0; i < rs->st->n; i++)
			more |= rs->st->e[i].rank == rank;
		if (!more)
			break;
		resolve_rank(rs, rank);
	}
	for (size_t i = 0; i < r->n; i++)
		if (in_set(rs->set, i) && rs->why[i] == RV_NONE) {
			struct roster_entry *a = entry_get(rs->st, r->ch[i].author, 0);
			if (!a || a->rank == ROSTER_NO_RANK)
				rs->why[i] = RV_NOT_ADMIN;
		}
	struct roster_state *g = xcalloc(1, sizeof(*g));
	genesis_entry(r, g);
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_change *c = &r->ch[i];
		if (in_set(rs->set, i) && rs->why[i] == RV_NONE && !c->revoke &&
		    !c->setting)
			apply_add(entry_get(g, c->m.key, 1), c, i);
	}
	for (size_t i = 0; i < rs->st->n; i++) {
		const struct roster_entry *k = &rs->st->e[i];
		struct roster_entry *e = entry_get(g, k->key, 0);
		if (!e)
			continue;
		e->revoked = k->revoked;
		e->after = k->after;
		e->rank = k->rank;
		if (k->rank != ROSTER_NO_RANK)
			e->m.roles |= ROLE_ADMIN;
		else
			e->m.roles &= ~(unsigned)ROLE_ADMIN;
	}
	state_sort(g);
	state_free(rs->st);
	rs->st = NULL;
	return g;
}

/*
 * The causal state of a set: the roster resolved from its changes alone,
 * forks aside (admission asks only what the author could have seen).
 */
static struct roster_state *
state_causal(struct roster *r, const uint64_t *set)
{
	enum roster_void *why = xcalloc(r->n ? r->n : 1, sizeof(*why));
	struct resolver rs = { r, set, NULL, why, NULL };
	struct roster_state *st = resolve(&rs);
	free(why);
	return st;
}

/* a comes after b in (time, lamport, id) order. */
static int
setting_later(const struct roster_change *a, const struct roster_change *b)
{
	if (a->time_ms != b->time_ms)
		return a->time_ms > b->time_ms;
	if (a->lamport != b->lamport)
		return a->lamport > b->lamport;
	return memcmp(a->id, b->id, EVENT_ID_BYTES) > 0;
}

static void
resolve_global(struct roster *r, const uint64_t *forked)
{
	enum roster_void *why = xcalloc(r->n ? r->n : 1, sizeof(*why));
	struct resolver rs = { r, NULL, forked, why, NULL };
	r->global = resolve(&rs);
	for (size_t i = 0; i < r->n; i++)
		r->ch[i].why_void = why[i];
	free(why);
	/* A setting's time never runs back along a causal path, and its
	 * lamport grows along it: one that saw another comes after it. */
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_change *c = &r->ch[i];
		long *at = &r->setting_at[c->setting];
		if (c->setting == RS_NONE || c->why_void != RV_NONE)
			continue;
		if (*at < 0 || setting_later(c, &r->ch[*at]))
			*at = (long)i;
	}
}

/* ---- bodies ---- */

void
roster_add_body(const struct member *m, struct buf *out)
{
	struct mp_map map;
	struct buf *b;
	mp_map_init(&map);
	b = mp_map_add(&map, "addrs");
	mp_put_array(b, (uint32_t)m->naddrs);
	for (size_t i = 0; i < m->naddrs; i++)
		mp_put_cstr(b, m->addrs[i]);
	mp_put_bin(mp_map_add(&map, "key"), m->key, EVENT_KEY_BYTES);
	mp_put_cstr(mp_map_add(&map, "name"), m->name);
	b = mp_map_add(&map, "roles");
	uint32_t n = 0;
	for (size_t i = 0; i < NROLES; i++)
		n += (m->roles & role_names[i].bit) != 0;
	mp_put_array(b, n);
	for (size_t i = 0; i < NROLES; i++)
		if (m->roles & role_names[i].bit)
			mp_put_cstr(b, role_names[i].name);
	mp_put_cstr(mp_map_add(&map, "unit"), m->unit);
	mp_map_finish(&map, out);
}

void
roster_revoke_body(const uint8_t key[EVENT_KEY_BYTES], uint64_t last_seq,
		   const char *reason, struct buf *out)
{
	struct mp_map map;
	mp_map_init(&map);
	mp_put_bin(mp_map_add(&map, "key"), key, EVENT_KEY_BYTES);
	mp_put_uint(mp_map_add(&map, "last_seq"), last_seq);
	mp_put_cstr(mp_map_add(&map, "reason"), reason ? reason : "");
	mp_map_finish(&map, out);
}

static int
get_key(const struct mp_reader *body, uint8_t key[EVENT_KEY_BYTES])
{
	struct mp_reader v;
	const uint8_t *p;
	size_t n;
	if (mp_map_find(body, "key", &v) || mp_get_bin(&v, &p, &n) ||
	    n != EVENT_KEY_BYTES)
		return -1;
	memcpy(key, p, EVENT_KEY_BYTES);
	return 0;
}

/* Decodes the body of one roster event into c; -1 if it is no change. */
static int
decode_body(const struct event *ev, struct roster_change *c)
{
	struct mp_reader body, v;
	uint32_t n;
	mp_reader_init(&body, ev->body, ev->body_len, NULL);
	if (get_key(&body, c->m.key))
		return -1;
	if (ev->type_len == strlen(ROSTER_REVOKE) &&
	    memcmp(ev->type, ROSTER_REVOKE, ev->type_len) == 0) {
		c->revoke = 1;
		if (mp_map_find(&body, "last_seq", &v) ||
		    mp_get_uint(&v, &c->last_seq))
			return -1;
		return 0;
	}
	if (ev->type_len != strlen(ROSTER_ADD) ||
	    memcmp(ev->type, ROSTER_ADD, ev->type_len) != 0)
		return -1;
	if (mp_map_get_str(&body, "name", c->m.name, sizeof(c->m.name)) ||
	    mp_map_get_str(&body, "unit", c->m.unit, sizeof(c->m.unit)))
		return -1;
	if (mp_map_find(&body, "roles", &v) || mp_get_array(&v, &n))
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		size_t len;
		unsigned bit;
		if (mp_get_str(&v, &s, &len) || role_bit(s, len, &bit))
			return -1;
		c->m.roles |= bit;
	}
	if (mp_map_find(&body, "addrs", &v) || mp_get_array(&v, &n) ||
	    n > ROSTER_MAX_ADDRS)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		size_t len;
		if (mp_get_str(&v, &s, &len) || len > ROSTER_ADDR_MAX)
			return -1;
		memcpy(c->m.addrs[i], s, len);
		c->m.addrs[i][len] = '\0';
		c->m.naddrs++;
	}
	return 0;
}

/*
 * A blob.erase event: 0 and the hash in c->blob; -1 if it is none.  It
 * keeps its place among the changes (later events name it as a roster
 * head, and their roster is what it follows) but changes no member.
 */
static int
decode_erasure(const struct event *ev, struct roster_change *c)
{
	struct mp_reader body, v;
	const uint8_t *p;
	size_t n;
	if (ev->type_len != strlen(ROSTER_BLOB_ERASE) ||
	    memcmp(ev->type, ROSTER_BLOB_ERASE, ev->type_len) != 0)
		return -1;
	mp_reader_init(&body, ev->body, ev->body_len, NULL);
	if (mp_map_find(&body, "blob", &v) || mp_get_bin(&v, &p, &n) ||
	    n != EVENT_ID_BYTES)
		return -1;
	memcpy(c->blob, p, EVENT_ID_BYTES);
	return 0;
}

static const char *const setting_types[RS_COUNT] = {
	[RS_CALENDAR] = ROSTER_CALENDAR_SET,
	[RS_GRID] = ROSTER_GRID_SET,
	[RS_LIMITS] = ROSTER_LIMITS_SET,
	[RS_EVAL] = ROSTER_EVAL_SET,
};

const char *
roster_setting_type(enum roster_setting kind)
{
	return kind > RS_NONE && kind < RS_COUNT ? setting_types[kind] : NULL;
}

enum roster_setting
roster_setting_kind(const char *type, size_t n)
{
	for (int k = RS_NONE + 1; k < RS_COUNT; k++)
		if (strlen(setting_types[k]) == n &&
		    memcmp(setting_types[k], type, n) == 0)
			return (enum roster_setting)k;
	return RS_NONE;
}

/*
 * A published setting: its kind and a copy of its body in c; 0, or -1
 * if the body is not one of its kind (a grid.set names its blob in the
 * body and in the event's blob list; a calendar or a limit table reads
 * as config.json's would).  Every node reads the same bytes the same
 * way, so an unreadable setting counts for nothing everywhere.
 */
static int
decode_setting(const struct event *ev, struct roster_change *c)
{
	struct mp_reader body, v;
	const uint8_t *p;
	size_t n;
	c->setting = roster_setting_kind(ev->type, ev->type_len);
	if (c->setting == RS_NONE)
		return 0;
	c->body = xmalloc(ev->body_len ? ev->body_len : 1);
	memcpy(c->body, ev->body, ev->body_len);
	c->body_len = ev->body_len;
	if (c->setting != RS_GRID) {
		struct diag d;
		return config_setting_check(c->setting, ev->body,
					    ev->body_len, &d)
			       ? -1
			       : 0;
	}
	mp_reader_init(&body, ev->body, ev->body_len, NULL);
	if (mp_map_find(&body, "blob", &v) || mp_get_bin(&v, &p, &n) ||
	    n != EVENT_ID_BYTES || ev->nblobs != 1 ||
	    memcmp(ev->blobs[0], p, EVENT_ID_BYTES) != 0)
		return -1;
	memcpy(c->blob, p, EVENT_ID_BYTES);
	return 0;
}

void
roster_grid_body(const uint8_t hash[EVENT_ID_BYTES], uint64_t cells,
		 const char *reason, struct buf *out)
{
	mp_put_map(out, 3);
	mp_put_cstr(out, "blob");
	mp_put_bin(out, hash, EVENT_ID_BYTES);
	mp_put_cstr(out, "cells");
	mp_put_uint(out, cells);
	mp_put_cstr(out, "reason");
	mp_put_cstr(out, reason);
}

void
roster_erase_body(const uint8_t hash[EVENT_ID_BYTES], const char *reason,
		  struct buf *out)
{
	mp_put_map(out, 2);
	mp_put_cstr(out, "blob");
	mp_put_bin(out, hash, EVENT_ID_BYTES);
	mp_put_cstr(out, "reason");
	mp_put_cstr(out, reason);
}

/* Events of the roster case, as changes, with their deps (by id). */
struct loader {
	struct roster *r;
	uint8_t (*deps)[EVENT_MAX_DEPS][EVENT_ID_BYTES];
	size_t *ndeps;
	size_t cap;
};

static int
load_event(const uint8_t *p, size_t n, void *ctx)
{
	struct loader *l = ctx;
	struct roster *r = l->r;
	struct envelope env;
	struct event ev;
	size_t used;
	if (envelope_read(p, n, &env, &used, NULL) ||
	    event_decode(env.event, env.event_len, &ev, NULL))
		return ERR_CORRUPT;
	if (r->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		r->ch = xrealloc(r->ch, l->cap * sizeof(*r->ch));
		l->deps = xrealloc(l->deps, l->cap * sizeof(*l->deps));
		l->ndeps = xrealloc(l->ndeps, l->cap * sizeof(*l->ndeps));
	}
	struct roster_change *c = &r->ch[r->n];
	memset(c, 0, sizeof(*c));
	memcpy(c->id, env.id, EVENT_ID_BYTES);
	memcpy(c->author, ev.author, EVENT_KEY_BYTES);
	c->seq = ev.seq;
	c->lamport = ev.lamport;
	c->time_ms = ev.time_ms;
	if (decode_erasure(&ev, c) == 0)
		c->why_void = RV_ERASURE;
	else if (decode_setting(&ev, c))
		c->why_void = RV_UNREADABLE;
	else if (!c->setting && decode_body(&ev, c))
		c->why_void = RV_UNREADABLE;
	memcpy(l->deps[r->n], ev.deps, ev.ndeps * EVENT_ID_BYTES);
	l->ndeps[r->n] = ev.ndeps;
	r->n++;
	return 0;
}

/* Change indexes sorted by id, for lookups by id. */
struct by_id {
	const uint8_t *id;
	size_t i;
};

static int
by_id_cmp(const void *a, const void *b)
{
	return memcmp(((const struct by_id *)a)->id,
		      ((const struct by_id *)b)->id, EVENT_ID_BYTES);
}

static long
change_index(const struct roster *r, const uint8_t id[EVENT_ID_BYTES])
{
	/* Changes are few: a binary search over a sorted copy is not worth
	 * keeping; the fold asks through sets, built once per change. */
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->ch[i].id, id, EVENT_ID_BYTES) == 0)
			return (long)i;
	return -1;
}

static void
cache_clear(struct roster *r)
{
	for (size_t i = 0; i < r->ncache; i++)
		state_free(r->cache[i]);
	free(r->cache);
	r->cache = NULL;
	r->ncache = 0;
}

void
roster_init(struct roster *r)
{
	memset(r, 0, sizeof(*r));
	for (int k = 0; k < RS_COUNT; k++)
		r->setting_at[k] = -1;
}

static void
unload(struct roster *r)
{
	cache_clear(r);
	state_free(r->global);
	r->global = NULL;
	for (size_t i = 0; i < r->n; i++)
		free(r->ch[i].body);
	free(r->ch);
	free(r->anc);
	r->ch = NULL;
	r->anc = NULL;
	r->n = r->words = 0;
	r->loaded = 0;
	for (int k = 0; k < RS_COUNT; k++)
		r->setting_at[k] = -1;
}

void
roster_release(struct roster *r)
{
	unload(r);
}

/* Builds sets and the global roster from the loaded changes. */
static int
finish_load(struct roster *r, struct loader *l, const struct case_source *src)
{
	uint64_t *forked = xcalloc(r->n ? r->n : 1, sizeof(*forked));
	struct by_id *ids = xcalloc(r->n ? r->n : 1, sizeof(*ids));
	int rc = 0;

	r->words = (r->n + 63) / 64;
	r->anc = xcalloc(r->n * (r->words ? r->words : 1) + 1, sizeof(uint64_t));
	for (size_t i = 0; i < r->n; i++) {
		ids[i].id = r->ch[i].id;
		ids[i].i = i;
	}
	qsort(ids, r->n, sizeof(*ids), by_id_cmp);
	for (size_t i = 0; i < r->n; i++) {
		uint64_t *a = r->anc + i * r->words;
		a[i / 64] |= 1ull << (i % 64);
		for (size_t k = 0; k < l->ndeps[i]; k++) {
			struct by_id key = { l->deps[i][k], 0 };
			const struct by_id *hit = bsearch(&key, ids, r->n, sizeof(*ids),
							  by_id_cmp);
			/* Deps come earlier in (lamport, id) order. */
			if (!hit || hit->i >= i)
				continue;
			const uint64_t *b = r->anc + hit->i * r->words;
			for (size_t w = 0; w < r->words; w++)
				a[w] |= b[w];
		}
		for (size_t j = 0; j < i && rc == 0; j++)
			if (memcmp(r->ch[j].author, r->ch[i].author,
				   EVENT_KEY_BYTES) == 0) {
				forked[i] = forked[j];
				goto have_fork;
			}
		if ((rc = src->fork_seq(src->src, r->ch[i].author, &forked[i])))
			break;
have_fork:;
	}
	if (rc == 0) {
		resolve_global(r, forked);
		r->loaded = 1;
	}
	free(forked);
	free(ids);
	return rc;
}

static int
load(struct roster *r, uint64_t gen, const struct case_source *src)
{
	struct loader l = { r, NULL, NULL, 0 };
	int rc;
	unload(r);
	rc = src->walk(src->src, ROSTER_CASE, load_event, &l);
	if (rc == 0)
		rc = finish_load(r, &l, src);
	free(l.deps);
	free(l.ndeps);
	if (rc) {
		unload(r);
		return rc;
	}
	r->seen_gen = gen;
	return 0;
}

int
roster_refresh(struct roster *r, const struct case_source *src)
{
	uint64_t gen;
	int rc = src->global_gen(src->src, &gen);
	if (rc)
		return rc;
	if (r->loaded && gen == r->seen_gen)
		return 0;
	return load(r, gen, src);
}

/* ---- sets ---- */

uint64_t *
roster_set_new(const struct roster *r)
{
	return xcalloc(r->words ? r->words : 1, sizeof(uint64_t));
}

int
roster_set_add(const struct roster *r, uint64_t *set,
	       const uint8_t id[EVENT_ID_BYTES])
{
	long i = change_index(r, id);
	if (i < 0)
		return 0;
	roster_set_merge(r, set, r->anc + (size_t)i * r->words);
	return 1;
}

void
roster_set_merge(const struct roster *r, uint64_t *set, const uint64_t *other)
{
	for (size_t w = 0; w < r->words; w++)
		set[w] |= other[w];
}

/* The state of set (mode causal or global), from the cache or built. */
static const struct roster_state *
state_at(struct roster *r, const uint64_t *set, int causal)
{
	size_t bytes = (r->words ? r->words : 1) * sizeof(uint64_t);
	for (size_t i = 0; i < r->ncache; i++) {
		struct roster_state *st = r->cache[i];
		if (st->causal == causal && memcmp(st->set, set, bytes) == 0) {
			/* Most recently used first. */
			memmove(r->cache + 1, r->cache, i * sizeof(*r->cache));
			r->cache[0] = st;
			return st;
		}
	}
	struct roster_state *st = causal ? state_causal(r, set)
					 : state_global_at(r, set);
	st->causal = causal;
	st->set = xmalloc(bytes);
	memcpy(st->set, set, bytes);
	if (r->ncache == ROSTER_CACHE) {
		state_free(r->cache[ROSTER_CACHE - 1]);
		r->ncache--;
	}
	if (!r->cache)
		r->cache = xcalloc(ROSTER_CACHE, sizeof(*r->cache));
	memmove(r->cache + 1, r->cache, r->ncache * sizeof(*r->cache));
	r->cache[0] = st;
	r->ncache++;
	return st;
}

static const struct member *
member_of(const struct roster_entry *e, uint64_t seq)
{
	if (!e || !e->member)
		return NULL;
	if (e->revoked && seq && seq > e->after)
		return NULL;
	if (e->revoked && !seq)
		return NULL;
	return &e->m;
}

const struct member *
roster_member_at(struct roster *r, const uint64_t *set, int causal,
		 const uint8_t key[EVENT_KEY_BYTES], uint64_t seq)
{
	if (!r->loaded)
		return NULL;
	const struct roster_state *st = state_at(r, set, causal);
	return member_of(entry_find(st, key), seq ? seq : UINT64_MAX);
}

int
roster_has_unit(struct roster *r, const uint64_t *set, const char *unit)
{
	if (!r->loaded)
		return 0;
	const struct roster_state *st = set ? state_at(r, set, 0) : r->global;
	for (size_t i = 0; i < st->n; i++) {
		const struct roster_entry *e = &st->e[i];
		if (e->member && (e->m.roles & ROLE_DISPOSAL) &&
		    strcmp(e->m.unit, unit) == 0)
			return 1;
	}
	return 0;
}

/* ---- the global roster ---- */

const struct member *
roster_lookup(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES],
	      uint64_t seq)
{
	if (!r->loaded)
		return NULL;
	const struct roster_entry *e = entry_find(r->global, key);
	if (!seq)
		return e && e->member && !e->revoked ? &e->m : NULL;
	return member_of(e, seq);
}

const struct member *
roster_record(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES])
{
	if (!r->loaded)
		return NULL;
	const struct roster_entry *e = entry_find(r->global, key);
	return e && e->member ? &e->m : NULL;
}

int
roster_is_revoked(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES],
		  uint64_t *after)
{
	if (!r->loaded)
		return 0;
	const struct roster_entry *e = entry_find(r->global, key);
	if (!e || !e->revoked)
		return 0;
	*after = e->after;
	return 1;
}

uint32_t
roster_rank(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES])
{
	if (!r->loaded)
		return ROSTER_NO_RANK;
	const struct roster_entry *e = entry_find(r->global, key);
	return e ? e->rank : ROSTER_NO_RANK;
}

int
roster_knows(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES])
{
	if (r->has_admin && memcmp(r->admin, key, EVENT_KEY_BYTES) == 0)
		return 1;
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->ch[i].m.key, key, EVENT_KEY_BYTES) == 0 ||
		    memcmp(r->ch[i].author, key, EVENT_KEY_BYTES) == 0)
			return 1;
	return 0;
}

size_t
roster_changes(const struct roster *r)
{
	return r->n;
}

size_t
roster_changes_in_force(const struct roster *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n; i++)
		n += r->ch[i].why_void == RV_NONE && !r->ch[i].setting;
	return n;
}

const struct roster_change *
roster_setting(const struct roster *r, enum roster_setting kind)
{
	if (!r->loaded || kind <= RS_NONE || kind >= RS_COUNT ||
	    r->setting_at[kind] < 0)
		return NULL;
	return &r->ch[r->setting_at[kind]];
}

const struct roster_change *
roster_change_find(const struct roster *r, const uint8_t id[EVENT_ID_BYTES])
{
	long i = change_index(r, id);
	return i < 0 ? NULL : &r->ch[i];
}

static int
first_cmp(const void *a, const void *b)
{
	const struct roster_entry *x = *(const struct roster_entry *const *)a;
	const struct roster_entry *y = *(const struct roster_entry *const *)b;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return memcmp(x->key, y->key, EVENT_KEY_BYTES);
}

int
roster_walk(const struct roster *r, roster_member_fn fn, void *ctx)
{
	if (!r->loaded)
		return 0;
	const struct roster_state *g = r->global;
	const struct roster_entry **order = xcalloc(g->n ? g->n : 1, sizeof(*order));
	size_t n = 0;
	int rc = 0;
	for (size_t i = 0; i < g->n; i++)
		if (g->e[i].member)
			order[n++] = &g->e[i];
	qsort(order, n, sizeof(*order), first_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(&order[i]->m, order[i]->revoked, order[i]->after, ctx);
	free(order);
	return rc;
}

struct encoder {
	struct buf *out;
	uint32_t n;
};

static int
encode_member(const struct member *m, int revoked, uint64_t last_seq,
	      void *ctx)
{
	struct encoder *e = ctx;
	struct buf body = BUF_INIT;
	roster_add_body(m, &body);
	/* [member.add body, nil or the last valid seq of a revoked key] */
	mp_put_array(e->out, 2);
	buf_add(e->out, body.data, body.len);
	if (revoked)
		mp_put_uint(e->out, last_seq);
	else
		mp_put_nil(e->out);
	buf_release(&body);
	e->n++;
	return 0;
}

static int
count_member(const struct member *m, int revoked, uint64_t last_seq,
	     void *ctx)
{
	(void)m;
	(void)revoked;
	(void)last_seq;
	(*(uint32_t *)ctx)++;
	return 0;
}

void
roster_encode(const struct roster *r, struct buf *out)
{
	struct encoder e = { out, 0 };
	uint32_t n = 0, nset = 0;
	(void)!roster_walk(r, count_member, &n);
	for (int k = RS_NONE + 1; k < RS_COUNT; k++)
		nset += roster_setting(r, (enum roster_setting)k) != NULL;
	/* {"changes": in force, "members": [...]}, and "settings": {kind:
	 * the id of the setting in force} once one is published (so that a
	 * roster without any encodes as it always did). */
	mp_put_map(out, nset ? 3 : 2);
	mp_put_cstr(out, "changes");
	mp_put_uint(out, roster_changes_in_force(r));
	mp_put_cstr(out, "members");
	mp_put_array(out, n);
	(void)!roster_walk(r, encode_member, &e);
	if (!nset)
		return;
	mp_put_cstr(out, "settings");
	mp_put_map(out, nset);
	/* In kind order: "calendar" < "eval" < "grid" < "limits". */
	for (int k = RS_NONE + 1; k < RS_COUNT; k++) {
		const struct roster_change *c =
			roster_setting(r, (enum roster_setting)k);
		if (!c)
			continue;
		const char *t = setting_types[k];
		mp_put_str(out, t, strcspn(t, "."));
		mp_put_bin(out, c->id, EVENT_ID_BYTES);
	}
}

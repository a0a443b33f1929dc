/* roster.c - reading the signed roster, and answering who may act. */
#include "node/roster.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/banned.h"

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
	{ ROLE_SUPERVISOR, "supervisor" }, { ROLE_OPERATOR, "operator" },
	{ ROLE_SHIFT_LEAD, "shift_lead" }, { ROLE_DISPATCHER, "dispatcher" },
	{ ROLE_DISPOSAL, "disposal" },
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

int
roles_parse(const char *list, unsigned *mask, struct diag *d)
{
	unsigned m = 0, bit;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (role_bit(p, n, &bit))
			return diag_set(d, ERR_INVAL,
					"unknown role '%.*s' (roles: supervisor, operator, shift_lead, dispatcher, disposal)",
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

void
roster_init(struct roster *r)
{
	memset(r, 0, sizeof(*r));
}

void
roster_release(struct roster *r)
{
	free(r->ch);
	r->ch = NULL;
	r->n = 0;
	r->seen_seq = 0;
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
	mp_put_bin(mp_map_add(&map, "key"), m->key, 32);
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
roster_revoke_body(const uint8_t key[32], uint64_t last_seq,
		   const char *reason, struct buf *out)
{
	struct mp_map map;
	mp_map_init(&map);
	mp_put_bin(mp_map_add(&map, "key"), key, 32);
	mp_put_uint(mp_map_add(&map, "last_seq"), last_seq);
	mp_put_cstr(mp_map_add(&map, "reason"), reason ? reason : "");
	mp_map_finish(&map, out);
}

static int
get_str(const struct mp_reader *body, const char *key, char *out, size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	if (mp_map_find(body, key, &v) || mp_get_str(&v, &s, &n) || n >= cap)
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

static int
get_key(const struct mp_reader *body, uint8_t key[32])
{
	struct mp_reader v;
	const uint8_t *p;
	size_t n;
	if (mp_map_find(body, "key", &v) || mp_get_bin(&v, &p, &n) || n != 32)
		return -1;
	memcpy(key, p, 32);
	return 0;
}

/* Decodes one admin event into a change; -1 if it is not a valid one. */
static int
decode_change(const struct envelope *env, const struct event *ev,
	      struct roster_change *c)
{
	struct mp_reader body, v;
	uint32_t n;
	memset(c, 0, sizeof(*c));
	c->version = ev->seq;
	c->time_ms = ev->time_ms;
	memcpy(c->id, env->id, 32);
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
	if (get_str(&body, "name", c->m.name, sizeof(c->m.name)) ||
	    get_str(&body, "unit", c->m.unit, sizeof(c->m.unit)))
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

struct loader {
	struct roster *r;
};

static int
load_event(const uint8_t *p, size_t n, void *ctx)
{
	struct loader *l = ctx;
	struct envelope env;
	struct event ev;
	struct roster_change c;
	size_t used;
	if (envelope_read(p, n, &env, &used, NULL) ||
	    event_decode(env.event, env.event_len, &ev, NULL))
		return ERR_CORRUPT;
	/* Only the admin writes the roster; anything else in the case is
	 * somebody's mistake or attempt, and counts for nothing. */
	if (memcmp(ev.author, l->r->admin, 32) != 0 || decode_change(&env, &ev, &c))
		return 0;
	l->r->ch = xrealloc(l->r->ch, (l->r->n + 1) * sizeof(*l->r->ch));
	l->r->ch[l->r->n++] = c;
	return 0;
}

static int
change_cmp(const void *a, const void *b)
{
	const struct roster_change *x = a, *y = b;
	return (x->version > y->version) - (x->version < y->version);
}

static int
finish_load(struct roster *r, const struct summary_entry *head)
{
	if (r->n > 1)
		qsort(r->ch, r->n, sizeof(*r->ch), change_cmp);
	r->seen_seq = head->seq;
	memcpy(r->seen_head, head->id, 32);
	return 0;
}

int
roster_refresh(struct roster *r, struct store *s)
{
	struct summary_entry head;
	struct loader l = { r };
	int rc;
	if (!r->has_admin)
		return 0;
	rc = store_summary_get(s, r->admin, &head);
	if (rc == ERR_NOTFOUND) {
		head.seq = 0;
		memset(head.id, 0, 32);
	} else if (rc) {
		return rc;
	}
	if (r->ch && head.seq == r->seen_seq &&
	    memcmp(head.id, r->seen_head, 32) == 0)
		return 0;
	roster_release(r);
	if ((rc = store_walk_case(s, ROSTER_CASE, load_event, &l)))
		return rc;
	return finish_load(r, &head);
}

int
roster_refresh_batch(struct roster *r, struct store_batch *b)
{
	struct summary_entry head;
	struct loader l = { r };
	int rc;
	if (!r->has_admin)
		return 0;
	if ((rc = store_batch_summary_get(b, r->admin, &head)))
		return rc;
	if ((r->ch || head.seq == 0) && head.seq == r->seen_seq &&
	    memcmp(head.id, r->seen_head, 32) == 0)
		return 0;
	roster_release(r);
	if ((rc = store_batch_walk_case(b, ROSTER_CASE, load_event, &l)))
		return rc;
	return finish_load(r, &head);
}

uint64_t
roster_version(const struct roster *r)
{
	return r->n ? r->ch[r->n - 1].version : 0;
}

uint64_t
roster_version_of(const struct roster *r, const uint8_t id[32])
{
	for (size_t i = 0; i < r->n; i++)
		if (memcmp(r->ch[i].id, id, 32) == 0)
			return r->ch[i].version;
	return 0;
}

uint64_t
roster_revoked_after(const struct roster *r, const uint8_t key[32])
{
	/* The earliest last_seq named by any revocation wins: a key once
	 * revoked stays revoked from there. */
	uint64_t last = 0;
	int found = 0;
	for (size_t i = 0; i < r->n; i++)
		if (r->ch[i].revoke && memcmp(r->ch[i].m.key, key, 32) == 0 &&
		    (!found || r->ch[i].last_seq < last)) {
			last = r->ch[i].last_seq;
			found = 1;
		}
	return found ? (last ? last : UINT64_MAX) : 0;
}

const struct member *
roster_lookup(const struct roster *r, const uint8_t key[32], uint64_t version,
	      uint64_t seq)
{
	const struct member *m = NULL;
	for (size_t i = 0; i < r->n && r->ch[i].version <= version; i++)
		if (!r->ch[i].revoke && memcmp(r->ch[i].m.key, key, 32) == 0)
			m = &r->ch[i].m;
	if (m && seq) {
		uint64_t after = roster_revoked_after(r, key);
		/* UINT64_MAX marks a revocation of every event (last_seq 0). */
		if (after == UINT64_MAX || (after && seq > after))
			return NULL;
	}
	return m;
}

int
roster_knows(const struct roster *r, const uint8_t key[32])
{
	for (size_t i = 0; i < r->n; i++)
		if (!r->ch[i].revoke && memcmp(r->ch[i].m.key, key, 32) == 0)
			return 1;
	return 0;
}

int
roster_walk(const struct roster *r, roster_member_fn fn, void *ctx)
{
	/* The latest add of each key, in the order keys were first added. */
	for (size_t i = 0; i < r->n; i++) {
		if (r->ch[i].revoke)
			continue;
		int first = 1;
		for (size_t j = 0; j < i; j++)
			if (!r->ch[j].revoke &&
			    memcmp(r->ch[j].m.key, r->ch[i].m.key, 32) == 0)
				first = 0;
		if (!first)
			continue;
		const struct member *m = roster_lookup(r, r->ch[i].m.key,
						       roster_version(r), 0);
		uint64_t after = roster_revoked_after(r, m->key);
		int rc = fn(m, after != 0, after == UINT64_MAX ? 0 : after, ctx);
		if (rc)
			return rc;
	}
	return 0;
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
	uint32_t n = 0;
	(void)!roster_walk(r, count_member, &n);
	mp_put_map(out, 2);
	mp_put_cstr(out, "members");
	mp_put_array(out, n);
	(void)!roster_walk(r, encode_member, &e);
	mp_put_cstr(out, "version");
	mp_put_uint(out, roster_version(r));
}

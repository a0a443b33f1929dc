/* roles.c - the member table, kept in the store's local table "role". */
#include "node/roles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/banned.h"

struct roles {
	struct member *m;
	size_t n;
};

static const struct {
	unsigned bit;
	const char *name;
} role_names[] = {
	{ ROLE_SUPERVISOR, "supervisor" }, { ROLE_OPERATOR, "operator" },
	{ ROLE_SHIFT_LEAD, "shift_lead" }, { ROLE_DISPATCHER, "dispatcher" },
	{ ROLE_DISPOSAL, "disposal" },
};
#define NROLES (sizeof(role_names) / sizeof(role_names[0]))

int
roles_parse(const char *list, unsigned *mask, struct diag *d)
{
	unsigned m = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		size_t i;
		for (i = 0; i < NROLES; i++)
			if (strlen(role_names[i].name) == n &&
			    strncmp(role_names[i].name, p, n) == 0)
				break;
		if (i == NROLES)
			return diag_set(d, ERR_INVAL,
					"unknown role '%.*s' (roles: supervisor, operator, shift_lead, dispatcher, disposal)",
					(int)n, p);
		m |= role_names[i].bit;
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

/* A row is the canonical map {"name": str, "roles": uint, "unit": str}. */
static int
decode_row(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	   struct member *m)
{
	struct mp_reader r, f;
	const char *s;
	size_t n;
	uint64_t roles;
	if (kn != 32 || mp_check(val, vn, NULL))
		return ERR_CORRUPT;
	memset(m, 0, sizeof(*m));
	memcpy(m->key, key, 32);
	mp_reader_init(&r, val, vn, NULL);
	if (mp_map_find(&r, "name", &f) || mp_get_str(&f, &s, &n) ||
	    n > ROLES_NAME_MAX)
		return ERR_CORRUPT;
	memcpy(m->name, s, n);
	if (mp_map_find(&r, "unit", &f) || mp_get_str(&f, &s, &n) ||
	    n > ROLES_NAME_MAX)
		return ERR_CORRUPT;
	memcpy(m->unit, s, n);
	if (mp_map_find(&r, "roles", &f) || mp_get_uint(&f, &roles) ||
	    roles > ROLE_ALL)
		return ERR_CORRUPT;
	m->roles = (unsigned)roles;
	return 0;
}

static int
load_row(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	 void *ctx)
{
	struct roles *r = ctx;
	struct member m;
	if (decode_row(key, kn, val, vn, &m))
		return ERR_CORRUPT;
	r->m = xrealloc(r->m, (r->n + 1) * sizeof(*r->m));
	r->m[r->n++] = m;
	return 0;
}

int
roles_load(struct store *s, struct roles **out)
{
	struct roles *r = xcalloc(1, sizeof(*r));
	/* Rows come in key order, which roles_lookup's bsearch relies on. */
	int rc = store_local_walk(s, "role", load_row, r);
	if (rc) {
		roles_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

void
roles_free(struct roles *r)
{
	if (!r)
		return;
	free(r->m);
	free(r);
}

static int
member_cmp(const void *a, const void *b)
{
	return memcmp(((const struct member *)a)->key,
		      ((const struct member *)b)->key, 32);
}

const struct member *
roles_lookup(const struct roles *r, const uint8_t key[32])
{
	struct member k;
	memcpy(k.key, key, 32);
	return r ? bsearch(&k, r->m, r->n, sizeof(*r->m), member_cmp) : NULL;
}

int
roles_put(struct store *s, const struct member *m, struct diag *d)
{
	struct buf v = BUF_INIT;
	mp_put_map(&v, 3);
	mp_put_cstr(&v, "name");
	mp_put_cstr(&v, m->name);
	mp_put_cstr(&v, "roles");
	mp_put_uint(&v, m->roles);
	mp_put_cstr(&v, "unit");
	mp_put_cstr(&v, m->unit);
	int rc = store_local_put(s, "role", m->key, 32, v.data, v.len, d);
	buf_release(&v);
	return rc;
}

size_t
roles_count(const struct roles *r)
{
	return r->n;
}

const struct member *
roles_at(const struct roles *r, size_t i)
{
	return &r->m[i];
}

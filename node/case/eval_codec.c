/* eval_codec.c - the evaluation result as named figures (eval_codec.h). */
#include "node/case/eval_codec.h"

#include <stdio.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "common/banned.h"

enum kind {
	K_RATE,
	K_MINUTES,
	K_SCORE,
	K_GRADE
};

/* The figures derived from the counts, with where each lives. */
static const struct derived {
	const char *name;
	enum kind kind;
	size_t off;
} derived[] = {
	{ "avg_disposal_minutes", K_MINUTES,
	  offsetof(struct eval_group, avg_minutes) },
	{ "closure_rate_e4", K_RATE,
	  offsetof(struct eval_group, closure_rate_e4) },
	{ "grade", K_GRADE, offsetof(struct eval_group, grade) },
	{ "median_disposal_minutes", K_MINUTES,
	  offsetof(struct eval_group, median_minutes) },
	{ "on_time_rate_e4", K_RATE,
	  offsetof(struct eval_group, on_time_rate_e4) },
	{ "rework_rate_e4", K_RATE,
	  offsetof(struct eval_group, rework_rate_e4) },
	{ "score_e1", K_SCORE, offsetof(struct eval_group, score_e1) },
	{ "valid_rate_e4", K_RATE, offsetof(struct eval_group, valid_rate_e4) },
};
#define NDERIVED (sizeof(derived) / sizeof(derived[0]))

static void
put_derived(const struct eval_group *g, const struct derived *f, struct buf *b)
{
	const char *p = (const char *)g + f->off;
	int64_t v;
	switch (f->kind) {
	case K_RATE:
	case K_SCORE:
		memcpy(&v, p, sizeof(v));
		if (v < 0)
			mp_put_nil(b);
		else
			mp_put_uint(b, (uint64_t)v);
		return;
	case K_MINUTES: {
		uint64_t u;
		memcpy(&u, p, sizeof(u));
		mp_put_uint(b, u);
		return;
	}
	case K_GRADE: {
		char grade[2] = { *p, 0 };
		mp_put_cstr(b, grade);
		return;
	}
	}
}

void
eval_result_encode(const struct eval_result *r, struct buf *out)
{
	mp_put_array(out, (uint32_t)r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		struct mp_map m;
		mp_map_init(&m);
		mp_put_cstr(mp_map_add(&m, "group"), g->key);
		for (int f = 0; f < FIG_COUNT; f++)
			mp_put_uint(mp_map_add(&m, figure_name((enum figure)f)),
				    g->n[f]);
		for (size_t k = 0; k < NDERIVED; k++)
			put_derived(g, &derived[k],
				    mp_map_add(&m, derived[k].name));
		mp_map_finish(&m, out);
	}
}

static int
get_derived(struct mp_reader *v, struct eval_group *g, const struct derived *f)
{
	char *p = (char *)g + f->off;
	enum mp_type t;
	int rc;
	if ((rc = mp_peek(v, &t)))
		return rc;
	switch (f->kind) {
	case K_RATE:
	case K_SCORE: {
		int64_t x = -1;
		uint64_t u;
		if (t == MP_NIL) {
			if ((rc = mp_get_nil(v)))
				return rc;
		} else {
			if ((rc = mp_get_uint(v, &u)))
				return rc;
			x = (int64_t)u;
		}
		memcpy(p, &x, sizeof(x));
		return 0;
	}
	case K_MINUTES: {
		uint64_t u;
		if ((rc = mp_get_uint(v, &u)))
			return rc;
		memcpy(p, &u, sizeof(u));
		return 0;
	}
	case K_GRADE: {
		const char *s;
		size_t n;
		if ((rc = mp_get_str(v, &s, &n)))
			return rc;
		*p = n ? s[0] : '-';
		return 0;
	}
	}
	return ERR_FORMAT;
}

int
eval_result_decode(const uint8_t *p, size_t n, struct eval_result *out,
		   struct diag *d)
{
	struct mp_reader r;
	uint32_t rows;
	int rc;
	memset(out, 0, sizeof(*out));
	mp_reader_init(&r, p, n, d);
	if ((rc = mp_get_array(&r, &rows)))
		return rc;
	out->g = xcalloc(rows ? rows : 1, sizeof(*out->g));
	for (uint32_t i = 0; i < rows; i++) {
		struct eval_group *g = &out->g[out->n++];
		struct mp_reader v;
		const char *s;
		size_t sn;
		uint64_t u;
		if ((rc = mp_map_find(&r, "group", &v)) ||
		    (rc = mp_get_str(&v, &s, &sn)))
			goto fail;
		snprintf(g->key, sizeof(g->key), "%.*s", (int)sn, s);
		for (int f = 0; f < FIG_COUNT; f++) {
			rc = mp_map_find(&r, figure_name((enum figure)f), &v);
			if (rc == ERR_NOTFOUND)
				continue;
			if (rc || (rc = mp_get_uint(&v, &u)))
				goto fail;
			g->n[f] = u;
		}
		for (size_t k = 0; k < NDERIVED; k++) {
			rc = mp_map_find(&r, derived[k].name, &v);
			if (rc == ERR_NOTFOUND)
				continue;
			if (rc || (rc = get_derived(&v, g, &derived[k])))
				goto fail;
		}
		const uint8_t *start;
		size_t len;
		if ((rc = mp_get_value(&r, &start, &len)))
			goto fail;
	}
	return 0;
fail:
	eval_release(out);
	return diag_set(d, rc == ERR_NOTFOUND ? ERR_FORMAT : rc,
			"figures do not read: %s", err_str(rc));
}

/* One value as text, for a message. */
static void
value_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	struct mp_reader r;
	enum mp_type t;
	uint64_t u;
	const char *s;
	size_t sn;
	mp_reader_init(&r, p, n, NULL);
	if (mp_peek(&r, &t) == 0 && t == MP_NIL)
		snprintf(out, cap, "none");
	else if (mp_get_uint(&r, &u) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)u);
	else if ((mp_reader_init(&r, p, n, NULL), mp_get_str(&r, &s, &sn)) == 0)
		snprintf(out, cap, "'%.*s'", (int)sn, s);
	else
		snprintf(out, cap, "(%zu bytes)", n);
}

int
eval_result_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
		 char *what, size_t cap)
{
	struct mp_reader ra, rb;
	uint32_t na = 0, nb = 0;
	if (an == bn && memcmp(a, b, an) == 0)
		return 0;
	mp_reader_init(&ra, a, an, NULL);
	mp_reader_init(&rb, b, bn, NULL);
	if (mp_get_array(&ra, &na) || mp_get_array(&rb, &nb)) {
		snprintf(what, cap, "the figures do not read");
		return 1;
	}
	for (uint32_t i = 0; i < na && i < nb; i++) {
		const uint8_t *sa, *sb;
		size_t la, lb;
		uint32_t ka, kb;
		struct mp_reader ma = ra, mb = rb, v;
		const char *ga = "", *gb = "";
		size_t gan = 0, gbn = 0;
		if (mp_map_find(&ra, "group", &v) == 0 &&
		    mp_get_str(&v, &ga, &gan) != 0)
			gan = 0;
		if (mp_map_find(&rb, "group", &v) == 0 &&
		    mp_get_str(&v, &gb, &gbn) != 0)
			gbn = 0;
		if (mp_get_value(&ra, &sa, &la) || mp_get_value(&rb, &sb, &lb))
			break;
		if (gan != gbn || memcmp(ga, gb, gan) != 0) {
			snprintf(what, cap,
				 "row %u is group '%.*s' in the first, '%.*s' in the second",
				 i + 1, (int)gan, ga, (int)gbn, gb);
			return 1;
		}
		if (la == lb && memcmp(sa, sb, la) == 0)
			continue;
		/* Same group: find the first key whose value differs. */
		if (mp_get_map(&ma, &ka) || mp_get_map(&mb, &kb))
			break;
		for (uint32_t k = 0; k < ka; k++) {
			const char *key;
			size_t kn;
			const uint8_t *va, *vb;
			size_t van, vbn;
			if (mp_get_str(&ma, &key, &kn) ||
			    mp_get_value(&ma, &va, &van))
				break;
			struct mp_reader mfind;
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)kn, key);
			mp_reader_init(&mfind, sb, lb, NULL);
			if (mp_map_find(&mfind, name, &v) != 0) {
				snprintf(what, cap,
					 "group '%.*s': figure %s only in the first",
					 (int)gan, ga, name);
				return 1;
			}
			if (mp_get_value(&v, &vb, &vbn))
				break;
			if (van != vbn || memcmp(va, vb, van) != 0) {
				char x[48], y[48];
				value_text(va, van, x, sizeof(x));
				value_text(vb, vbn, y, sizeof(y));
				snprintf(what, cap,
					 "group '%.*s' figure %s: %s in the first, %s in the second",
					 (int)gan, ga, name, x, y);
				return 1;
			}
		}
		snprintf(what, cap,
			 "group '%.*s': the figures differ (a figure only in the second)",
			 (int)gan, ga);
		return 1;
	}
	if (na != nb) {
		snprintf(what, cap, "%u groups in the first, %u in the second",
			 na, nb);
		return 1;
	}
	snprintf(what, cap, "the figures differ in their encoding");
	return 1;
}

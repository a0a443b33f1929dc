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
	case K_MINUTES:
		/* A time of no cases is no value, as a rate of nothing. */
		memcpy(&v, p, sizeof(v));
		if (v < 0)
			mp_put_nil(b);
		else
			mp_put_uint(b, (uint64_t)v);
		return;
	case K_GRADE: {
		char grade[2] = { *p, 0 };
		mp_put_cstr(b, grade);
		return;
	}
	}
}

/* The columns: "group", the counts in enum order, the derived figures. */
static size_t
ncolumns(void)
{
	return 1 + FIG_COUNT + NDERIVED;
}

static const char *
column_name(size_t c)
{
	if (c == 0)
		return "group";
	if (c <= FIG_COUNT)
		return figure_name((enum figure)(c - 1));
	return derived[c - 1 - FIG_COUNT].name;
}

void
eval_result_encode(const struct eval_result *r, struct buf *out)
{
	mp_put_map(out, 2);
	mp_put_cstr(out, "columns");
	mp_put_array(out, (uint32_t)ncolumns());
	for (size_t c = 0; c < ncolumns(); c++)
		mp_put_cstr(out, column_name(c));
	mp_put_cstr(out, "rows");
	mp_put_array(out, (uint32_t)r->n);
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_group *g = &r->g[i];
		mp_put_array(out, (uint32_t)ncolumns());
		mp_put_cstr(out, g->key);
		for (int f = 0; f < FIG_COUNT; f++)
			mp_put_uint(out, g->n[f]);
		for (size_t k = 0; k < NDERIVED; k++)
			put_derived(g, &derived[k], out);
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
		/* nil: no value; a report made before wrote 2^64 - 1,
		 * which reads back as the same -1. */
		uint64_t u = UINT64_MAX;
		if (t == MP_NIL)
			rc = mp_get_nil(v);
		else
			rc = mp_get_uint(v, &u);
		if (rc)
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

/* The columns' names, and a reader at the first row; 0 or an error. */
static int
read_head(const uint8_t *p, size_t n, const char **names, size_t *lens,
	  uint32_t *ncols, struct mp_reader *rows, uint32_t *nrows)
{
	struct mp_reader r, v;
	mp_reader_init(&r, p, n, NULL);
	if (mp_map_find(&r, "columns", &v) || mp_get_array(&v, ncols) ||
	    *ncols == 0 || *ncols > EVAL_CODEC_MAX_COLUMNS)
		return ERR_FORMAT;
	for (uint32_t c = 0; c < *ncols; c++)
		if (mp_get_str(&v, &names[c], &lens[c]))
			return ERR_FORMAT;
	if (lens[0] != 5 || memcmp(names[0], "group", 5) != 0)
		return ERR_FORMAT;
	if (mp_map_find(&r, "rows", rows) || mp_get_array(rows, nrows))
		return ERR_FORMAT;
	return 0;
}

int
eval_result_decode(const uint8_t *p, size_t n, struct eval_result *out,
		   struct diag *d)
{
	const char *names[EVAL_CODEC_MAX_COLUMNS];
	size_t lens[EVAL_CODEC_MAX_COLUMNS];
	uint32_t ncols, nrows, cells;
	struct mp_reader rows;
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = read_head(p, n, names, lens, &ncols, &rows, &nrows)))
		return diag_set(d, rc, "the figures have no columns and rows");
	out->g = xcalloc(nrows ? nrows : 1, sizeof(*out->g));
	for (uint32_t i = 0; i < nrows; i++) {
		struct eval_group *g = &out->g[out->n++];
		const char *s;
		size_t sn;
		g->closure_rate_e4 = g->on_time_rate_e4 = g->rework_rate_e4 =
			g->valid_rate_e4 = g->score_e1 = -1;
		g->grade = '-';
		if ((rc = mp_get_array(&rows, &cells)) || cells != ncols ||
		    (rc = mp_get_str(&rows, &s, &sn)))
			goto fail;
		snprintf(g->key, sizeof(g->key), "%.*s", (int)sn, s);
		for (uint32_t c = 1; c < ncols; c++) {
			char name[64];
			const uint8_t *skip;
			size_t skipn;
			snprintf(name, sizeof(name), "%.*s", (int)lens[c],
				 names[c]);
			enum figure f = figure_parse(name);
			const struct derived *dv = NULL;
			for (size_t k = 0; k < NDERIVED; k++)
				if (strcmp(derived[k].name, name) == 0)
					dv = &derived[k];
			if (f != FIG_COUNT)
				rc = mp_get_uint(&rows, &g->n[f]);
			else if (dv)
				rc = get_derived(&rows, g, dv);
			else /* a figure this reader does not know */
				rc = mp_get_value(&rows, &skip, &skipn);
			if (rc)
				goto fail;
		}
	}
	return 0;
fail:
	eval_release(out);
	return diag_set(d, ERR_FORMAT, "a row of the figures does not read");
}

/* ---- indicator tables ---- */

static const char *const kind_names[] = { "count", "rate", "score", "minutes" };

void
ind_table_encode(const struct ind_table *t, struct buf *out)
{
	uint32_t ncols = (uint32_t)t->nfig + 3;
	mp_put_map(out, 3);
	mp_put_cstr(out, "columns");
	mp_put_array(out, ncols);
	mp_put_cstr(out, "group");
	mp_put_cstr(out, "name");
	for (size_t f = 0; f < t->nfig; f++)
		mp_put_cstr(out, t->defs[f].name);
	mp_put_cstr(out, "grade");
	mp_put_cstr(out, "kinds");
	mp_put_array(out, ncols);
	mp_put_cstr(out, "text");
	mp_put_cstr(out, "text");
	for (size_t f = 0; f < t->nfig; f++)
		mp_put_cstr(out, kind_names[t->defs[f].kind]);
	mp_put_cstr(out, "grade");
	mp_put_cstr(out, "rows");
	mp_put_array(out, (uint32_t)t->n);
	for (size_t i = 0; i < t->n; i++) {
		const struct ind_row *r = &t->rows[i];
		char grade[2] = { r->grade, 0 };
		mp_put_array(out, ncols);
		mp_put_cstr(out, r->key);
		mp_put_cstr(out, r->name);
		for (size_t f = 0; f < t->nfig; f++)
			if (r->v[f] == IND_NO_VALUE)
				mp_put_nil(out);
			else
				mp_put_int(out, r->v[f]);
		mp_put_cstr(out, grade);
	}
}

int
ind_table_decode(const uint8_t *p, size_t n, enum ind_set set,
		 struct ind_table *out, struct diag *d)
{
	const char *names[EVAL_CODEC_MAX_COLUMNS];
	size_t lens[EVAL_CODEC_MAX_COLUMNS];
	int at[EVAL_CODEC_MAX_COLUMNS]; /* the figure of each column, or -1 */
	uint32_t ncols, nrows, cells;
	struct mp_reader rows;
	memset(out, 0, sizeof(*out));
	out->set = set;
	out->defs = ind_set_defs(set, &out->nfig);
	if (read_head(p, n, names, lens, &ncols, &rows, &nrows) || ncols < 3 ||
	    lens[1] != 4 || memcmp(names[1], "name", 4) != 0 ||
	    lens[ncols - 1] != 5 || memcmp(names[ncols - 1], "grade", 5) != 0)
		return diag_set(d, ERR_FORMAT,
				"the %s figures have no columns and rows",
				ind_set_name(set));
	for (uint32_t c = 0; c < ncols; c++) {
		at[c] = -1;
		for (size_t f = 0; f < out->nfig && c >= 2 && c + 1 < ncols;
		     f++)
			if (strlen(out->defs[f].name) == lens[c] &&
			    memcmp(out->defs[f].name, names[c], lens[c]) == 0)
				at[c] = (int)f;
	}
	out->rows = xcalloc(nrows ? nrows : 1, sizeof(*out->rows));
	for (uint32_t i = 0; i < nrows; i++) {
		struct ind_row *r = &out->rows[out->n++];
		const char *s;
		size_t sn;
		for (size_t f = 0; f < IND_MAX_FIGURES; f++)
			r->v[f] = IND_NO_VALUE;
		if (mp_get_array(&rows, &cells) || cells != ncols ||
		    mp_get_str(&rows, &s, &sn) || sn >= sizeof(r->key))
			goto fail;
		memcpy(r->key, s, sn);
		if (mp_get_str(&rows, &s, &sn) || sn >= sizeof(r->name))
			goto fail;
		memcpy(r->name, s, sn);
		for (uint32_t c = 2; c + 1 < ncols; c++) {
			enum mp_type t;
			const uint8_t *skip;
			size_t skipn;
			int64_t v;
			if (at[c] < 0) {
				if (mp_get_value(&rows, &skip, &skipn))
					goto fail;
				continue;
			}
			if (mp_peek(&rows, &t))
				goto fail;
			if (t == MP_NIL) {
				if (mp_get_nil(&rows))
					goto fail;
				continue;
			}
			if (mp_get_int(&rows, &v) || v == IND_NO_VALUE)
				goto fail;
			r->v[at[c]] = v;
		}
		if (mp_get_str(&rows, &s, &sn) || sn != 1)
			goto fail;
		r->grade = s[0];
	}
	return 0;
fail:
	ind_table_release(out);
	return diag_set(d, ERR_FORMAT, "a row of the %s figures does not read",
			ind_set_name(set));
}

/* One value as text, for a message. */
static void
value_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
	struct mp_reader r;
	enum mp_type t;
	uint64_t u;
	int64_t i;
	const char *s;
	size_t sn;
	mp_reader_init(&r, p, n, NULL);
	if (mp_peek(&r, &t) == 0 && t == MP_NIL)
		snprintf(out, cap, "none");
	else if (mp_get_uint(&r, &u) == 0)
		snprintf(out, cap, "%llu", (unsigned long long)u);
	else if ((mp_reader_init(&r, p, n, NULL), mp_get_int(&r, &i)) == 0)
		snprintf(out, cap, "%lld", (long long)i);
	else if ((mp_reader_init(&r, p, n, NULL), mp_get_str(&r, &s, &sn)) == 0)
		snprintf(out, cap, "'%.*s'", (int)sn, s);
	else
		snprintf(out, cap, "(%zu bytes)", n);
}

int
eval_result_diff(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
		 char *what, size_t cap)
{
	const char *na[EVAL_CODEC_MAX_COLUMNS], *nb[EVAL_CODEC_MAX_COLUMNS];
	size_t la[EVAL_CODEC_MAX_COLUMNS], lb[EVAL_CODEC_MAX_COLUMNS];
	uint32_t ca, cb, ra, rb, x;
	struct mp_reader rowa, rowb;
	if (an == bn && memcmp(a, b, an) == 0)
		return 0;
	if (read_head(a, an, na, la, &ca, &rowa, &ra) ||
	    read_head(b, bn, nb, lb, &cb, &rowb, &rb)) {
		snprintf(what, cap, "the figures do not read");
		return 1;
	}
	for (uint32_t c = 0; c < ca || c < cb; c++)
		if (c >= ca || c >= cb || la[c] != lb[c] ||
		    memcmp(na[c], nb[c], la[c]) != 0) {
			snprintf(what, cap,
				 "column %u is %.*s in the first, %.*s in the second",
				 c + 1, c < ca ? (int)la[c] : 4,
				 c < ca ? na[c] : "none",
				 c < cb ? (int)lb[c] : 4,
				 c < cb ? nb[c] : "none");
			return 1;
		}
	for (uint32_t i = 0; i < ra && i < rb; i++) {
		const char *ga, *gb;
		size_t gan, gbn;
		if (mp_get_array(&rowa, &x) || mp_get_array(&rowb, &x) ||
		    mp_get_str(&rowa, &ga, &gan) ||
		    mp_get_str(&rowb, &gb, &gbn))
			break;
		if (gan != gbn || memcmp(ga, gb, gan) != 0) {
			snprintf(what, cap,
				 "row %u is group '%.*s' in the first, '%.*s' in the second",
				 i + 1, (int)gan, ga, (int)gbn, gb);
			return 1;
		}
		for (uint32_t c = 1; c < ca; c++) {
			const uint8_t *va, *vb;
			size_t van, vbn;
			if (mp_get_value(&rowa, &va, &van) ||
			    mp_get_value(&rowb, &vb, &vbn)) {
				snprintf(what, cap, "a row does not read");
				return 1;
			}
			if (van != vbn || memcmp(va, vb, van) != 0) {
				char x1[48], y1[48];
				value_text(va, van, x1, sizeof(x1));
				value_text(vb, vbn, y1, sizeof(y1));
				snprintf(what, cap,
					 "group '%.*s' figure %.*s: %s in the first, %s in the second",
					 (int)gan, ga, (int)la[c], na[c], x1,
					 y1);
				return 1;
			}
		}
	}
	if (ra != rb) {
		snprintf(what, cap, "%u groups in the first, %u in the second",
			 ra, rb);
		return 1;
	}
	snprintf(what, cap, "the figures differ in their encoding");
	return 1;
}

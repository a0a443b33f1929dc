/* mp.c - canonical msgpack writing (msgpack-c) and strict reading. */
#include "common/mp.h"

#include <msgpack.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "common/banned.h"

/* ---- writing ---- */

static int
write_to_buf(void *data, const char *p, size_t n)
{
	buf_add(data, p, n);
	return 0;
}

static void
packer_init(msgpack_packer *pk, struct buf *b)
{
	msgpack_packer_init(pk, b, write_to_buf);
}

/* msgpack-c's packer only fails when our callback fails, which it never
 * does (buf_add aborts on out of memory), so results are not checked. */

void
mp_put_nil(struct buf *b)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_nil(&pk);
}

void
mp_put_bool(struct buf *b, int v)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)(v ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
}

void
mp_put_uint(struct buf *b, uint64_t v)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_uint64(&pk, v);
}

void
mp_put_int(struct buf *b, int64_t v)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_int64(&pk, v);
}

void
mp_put_str(struct buf *b, const char *s, size_t n)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_str_with_body(&pk, s, n);
}

void
mp_put_cstr(struct buf *b, const char *s)
{
	mp_put_str(b, s, strlen(s));
}

void
mp_put_bin(struct buf *b, const void *p, size_t n)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_bin_with_body(&pk, p, n);
}

void
mp_put_bin_head(struct buf *b, size_t n)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_bin(&pk, n);
}

void
mp_put_array(struct buf *b, uint32_t n)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_array(&pk, n);
}

void
mp_put_map(struct buf *b, uint32_t n)
{
	msgpack_packer pk;
	packer_init(&pk, b);
	(void)msgpack_pack_map(&pk, n);
}

/* ---- maps in any order ---- */

void
mp_map_init(struct mp_map *m)
{
	m->e = NULL;
	m->n = m->cap = 0;
}

struct buf *
mp_map_add(struct mp_map *m, const char *key)
{
	BUG_ON(mp_map_has(m, key));
	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->e = xrealloc(m->e, m->cap * sizeof(*m->e));
	}
	m->e[m->n].key = xstrdup(key);
	buf_init(&m->e[m->n].val);
	return &m->e[m->n++].val;
}

int
mp_map_has(const struct mp_map *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->e[i].key, key) == 0)
			return 1;
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct mp_map_entry *x = a, *y = b;
	return mp_key_cmp(x->key, strlen(x->key), y->key, strlen(y->key));
}

void
mp_map_finish(struct mp_map *m, struct buf *out)
{
	if (m->n > 1)
		qsort(m->e, m->n, sizeof(*m->e), entry_cmp);
	mp_put_map(out, (uint32_t)m->n);
	for (size_t i = 0; i < m->n; i++) {
		mp_put_cstr(out, m->e[i].key);
		buf_add(out, m->e[i].val.data, m->e[i].val.len);
	}
	mp_map_release(m);
}

void
mp_map_release(struct mp_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->e[i].key);
		buf_release(&m->e[i].val);
	}
	free(m->e);
	mp_map_init(m);
}

/* ---- reading ---- */

void
mp_reader_init(struct mp_reader *r, const void *p, size_t n, struct diag *d)
{
	r->base = p;
	r->p = p;
	r->end = r->p + n;
	r->diag = d;
}

size_t
mp_remaining(const struct mp_reader *r)
{
	return (size_t)(r->end - r->p);
}

size_t
mp_offset(const struct mp_reader *r)
{
	return (size_t)(r->p - r->base);
}

static int
truncated(struct mp_reader *r, size_t at)
{
	return diag_set(r->diag, ERR_TRUNCATED,
			"input ends inside the value at byte %zu", at);
}

static int
noncanon(struct mp_reader *r, size_t at, const char *what)
{
	return diag_set(r->diag, ERR_NONCANON,
			"non-canonical %s at byte %zu", what, at);
}

static int
wrong_type(struct mp_reader *r, size_t at, const char *want)
{
	return diag_set(r->diag, ERR_FORMAT, "expected %s at byte %zu", want,
			at);
}

/* Reads a big-endian unsigned integer of n bytes after the type byte. */
static int
take_be(struct mp_reader *r, size_t n, uint64_t *v)
{
	if (mp_remaining(r) < n)
		return truncated(r, mp_offset(r));
	uint64_t x = 0;
	for (size_t i = 0; i < n; i++)
		x = x << 8 | r->p[i];
	r->p += n;
	*v = x;
	return 0;
}

int
mp_peek(struct mp_reader *r, enum mp_type *type)
{
	if (r->p >= r->end)
		return truncated(r, mp_offset(r));
	uint8_t c = *r->p;
	if (c <= 0x7f || (c >= 0xcc && c <= 0xcf))
		*type = MP_UINT;
	else if (c >= 0xe0 || (c >= 0xd0 && c <= 0xd3))
		*type = MP_INT;
	else if (c <= 0x8f || c == 0xde || c == 0xdf)
		*type = MP_MAP;
	else if (c <= 0x9f || c == 0xdc || c == 0xdd)
		*type = MP_ARRAY;
	else if (c <= 0xbf || (c >= 0xd9 && c <= 0xdb))
		*type = MP_STR;
	else if (c == 0xc0)
		*type = MP_NIL;
	else if (c == 0xc2 || c == 0xc3)
		*type = MP_BOOL;
	else if (c >= 0xc4 && c <= 0xc6)
		*type = MP_BIN;
	else if (c == 0xca || c == 0xcb)
		return diag_set(r->diag, ERR_MALFORMED,
				"float at byte %zu (floats are not allowed)",
				mp_offset(r));
	else if (c == 0xc1)
		return diag_set(r->diag, ERR_MALFORMED,
				"reserved byte 0xc1 at byte %zu",
				mp_offset(r));
	else
		return diag_set(r->diag, ERR_MALFORMED,
				"ext type at byte %zu (ext is not allowed)",
				mp_offset(r));
	return 0;
}

int
mp_get_nil(struct mp_reader *r)
{
	if (r->p >= r->end)
		return truncated(r, mp_offset(r));
	if (*r->p != 0xc0)
		return wrong_type(r, mp_offset(r), "nil");
	r->p++;
	return 0;
}

int
mp_get_bool(struct mp_reader *r, int *v)
{
	if (r->p >= r->end)
		return truncated(r, mp_offset(r));
	if (*r->p != 0xc2 && *r->p != 0xc3)
		return wrong_type(r, mp_offset(r), "boolean");
	*v = *r->p == 0xc3;
	r->p++;
	return 0;
}

/* Reads any integer into a sign flag and a magnitude-free 64-bit pair. */
static int
get_integer(struct mp_reader *r, int *negative, uint64_t *u, int64_t *s)
{
	size_t at = mp_offset(r);
	if (r->p >= r->end)
		return truncated(r, at);
	uint8_t c = *r->p++;
	uint64_t x;
	int rc;

	if (c <= 0x7f) {
		*negative = 0;
		*u = c;
		return 0;
	}
	if (c >= 0xe0) {
		*negative = 1;
		*s = (int8_t)c;
		return 0;
	}
	if (c >= 0xcc && c <= 0xcf) {
		static const uint64_t min[] = { 0x80, 0x100, 0x10000,
						0x100000000ull };
		size_t n = (size_t)1 << (c - 0xcc);
		if ((rc = take_be(r, n, &x)))
			return rc;
		if (x < min[c - 0xcc])
			return noncanon(r, at, "integer");
		*negative = 0;
		*u = x;
		return 0;
	}
	if (c >= 0xd0 && c <= 0xd3) {
		/* Smallest value that a shorter form could hold. */
		static const int64_t floor_[] = { -32, -128, -32768,
						  -2147483648ll };
		size_t n = (size_t)1 << (c - 0xd0);
		if ((rc = take_be(r, n, &x)))
			return rc;
		int64_t v;
		switch (n) {
		case 1: v = (int8_t)x; break;
		case 2: v = (int16_t)x; break;
		case 4: v = (int32_t)x; break;
		default: v = (int64_t)x; break;
		}
		if (v >= floor_[c - 0xd0])
			return noncanon(r, at, "integer");
		*negative = 1;
		*s = v;
		return 0;
	}
	r->p--;
	return wrong_type(r, at, "integer");
}

int
mp_get_uint(struct mp_reader *r, uint64_t *v)
{
	size_t at = mp_offset(r);
	int negative, rc;
	uint64_t u;
	int64_t s;
	if ((rc = get_integer(r, &negative, &u, &s)))
		return rc;
	if (negative)
		return wrong_type(r, at, "unsigned integer");
	*v = u;
	return 0;
}

int
mp_get_int(struct mp_reader *r, int64_t *v)
{
	size_t at = mp_offset(r);
	int negative, rc;
	uint64_t u;
	int64_t s;
	if ((rc = get_integer(r, &negative, &u, &s)))
		return rc;
	if (!negative && u > INT64_MAX)
		return diag_set(r->diag, ERR_FORMAT,
				"integer at byte %zu is out of range", at);
	*v = negative ? s : (int64_t)u;
	return 0;
}

/*
 * How a str, bin, array or map header may be written: an optional fix
 * form that carries the length in the type byte, then up to three wider
 * forms, each canonical only for lengths a narrower form cannot hold.
 */
struct len_forms {
	const char *what;
	uint8_t fix_base, fix_mask; /* fix_mask 0: no fix form */
	struct {
		uint8_t type;
		uint8_t bytes;
		uint32_t min;
	} wide[3];
};

static const struct len_forms str_forms = {
	"str", 0xa0, 0x1f,
	{ { 0xd9, 1, 32 }, { 0xda, 2, 256 }, { 0xdb, 4, 65536 } },
};
static const struct len_forms bin_forms = {
	"bin", 0, 0,
	{ { 0xc4, 1, 0 }, { 0xc5, 2, 256 }, { 0xc6, 4, 65536 } },
};
static const struct len_forms array_forms = {
	"array", 0x90, 0x0f,
	{ { 0xdc, 2, 16 }, { 0xdd, 4, 65536 }, { 0, 0, 0 } },
};
static const struct len_forms map_forms = {
	"map", 0x80, 0x0f,
	{ { 0xde, 2, 16 }, { 0xdf, 4, 65536 }, { 0, 0, 0 } },
};

static int
get_len(struct mp_reader *r, const struct len_forms *f, uint32_t *len)
{
	size_t at = mp_offset(r);
	if (r->p >= r->end)
		return truncated(r, at);
	uint8_t c = *r->p;

	if (f->fix_mask && (c & (uint8_t)~f->fix_mask) == f->fix_base) {
		r->p++;
		*len = c & f->fix_mask;
		return 0;
	}
	for (int i = 0; i < 3 && f->wide[i].bytes; i++) {
		uint64_t x;
		int rc;
		if (c != f->wide[i].type)
			continue;
		r->p++;
		if ((rc = take_be(r, f->wide[i].bytes, &x)))
			return rc;
		if (x < f->wide[i].min)
			return noncanon(r, at, f->what);
		*len = (uint32_t)x;
		return 0;
	}
	return wrong_type(r, at, f->what);
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF. */
static int
utf8_valid(const uint8_t *s, size_t n)
{
	static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;
		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n - i <= k)
			return 0;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min_cp[k] || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += k + 1;
	}
	return 1;
}

int
mp_get_str(struct mp_reader *r, const char **s, size_t *n)
{
	size_t at = mp_offset(r);
	uint32_t len;
	int rc = get_len(r, &str_forms, &len);
	if (rc)
		return rc;
	if (mp_remaining(r) < len)
		return truncated(r, at);
	if (!utf8_valid(r->p, len))
		return diag_set(r->diag, ERR_MALFORMED,
				"str at byte %zu is not valid UTF-8", at);
	*s = (const char *)r->p;
	*n = len;
	r->p += len;
	return 0;
}

int
mp_get_bin(struct mp_reader *r, const uint8_t **p, size_t *n)
{
	size_t at = mp_offset(r);
	uint32_t len;
	int rc = get_len(r, &bin_forms, &len);
	if (rc)
		return rc;
	if (mp_remaining(r) < len)
		return truncated(r, at);
	*p = r->p;
	*n = len;
	r->p += len;
	return 0;
}

int
mp_get_array(struct mp_reader *r, uint32_t *n)
{
	size_t at = mp_offset(r);
	uint32_t len;
	int rc = get_len(r, &array_forms, &len);
	if (rc)
		return rc;
	/* Every element takes at least one byte. */
	if (mp_remaining(r) < len)
		return truncated(r, at);
	*n = len;
	return 0;
}

int
mp_get_map(struct mp_reader *r, uint32_t *n)
{
	size_t at = mp_offset(r);
	uint32_t len;
	int rc = get_len(r, &map_forms, &len);
	if (rc)
		return rc;
	if (mp_remaining(r) / 2 < len)
		return truncated(r, at);
	*n = len;
	return 0;
}

/* One entry of a canonical map, as mp_map_merge() copies it:
 * the key, and the slice from the key's first byte to the value's end. */
struct map_entry {
	const char *key;
	size_t key_n;
	const uint8_t *start;
	size_t n;
};

/*
 * Reads the next entry of the map being read by r, checked as mp_check()
 * would check it: its key must come after prev's (NULL for the first).
 */
static int
next_entry(struct mp_reader *r, const struct map_entry *prev,
	   struct map_entry *e)
{
	const uint8_t *start = r->p, *v;
	size_t vn;
	int rc;
	if ((rc = mp_get_str(r, &e->key, &e->key_n)))
		return rc;
	if (prev && mp_key_cmp(prev->key, prev->key_n, e->key, e->key_n) >= 0)
		return ERR_NONCANON;
	if ((rc = mp_get_value(r, &v, &vn)))
		return rc;
	e->start = start;
	e->n = (size_t)(r->p - start);
	return 0;
}

/* Starts reading the canonical map [p, p+n): its header. */
static int
map_start(struct mp_reader *r, const uint8_t *p, size_t n, uint32_t *count)
{
	mp_reader_init(r, p, n, NULL);
	return mp_get_map(r, count);
}

/* One of the maps a merge reads: the entry in hand, and the one before it
 * (for the key order). */
struct merge_side {
	struct mp_reader r;
	struct map_entry e[2]; /* by the parity of the entry's number */
	uint32_t count, read;
	int have; /* an entry read and not yet written */
};

/* Takes the side's next entry in hand, if it has none and one is left. */
static int
side_fill(struct merge_side *m)
{
	if (m->have || m->read == m->count)
		return 0;
	const struct map_entry *prev = m->read ? &m->e[(m->read - 1) & 1] : NULL;
	int rc = next_entry(&m->r, prev, &m->e[m->read & 1]);
	if (rc)
		return rc;
	m->read++;
	m->have = 1;
	return 0;
}

int
mp_map_merge(const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
	     struct buf *out)
{
	struct merge_side sa = { 0 }, sb = { 0 };
	size_t mark = out->len;
	int rc;

	/* One pass: each entry is checked as it is copied. */
	if ((rc = map_start(&sa.r, a, an, &sa.count)) ||
	    (bn && (rc = map_start(&sb.r, b, bn, &sb.count))))
		return rc;
	mp_put_map(out, sa.count + sb.count);
	for (;;) {
		if ((rc = side_fill(&sa)) || (rc = side_fill(&sb)))
			break;
		if (!sa.have && !sb.have)
			break;
		const struct map_entry *xa = &sa.e[(sa.read - 1) & 1],
				       *xb = &sb.e[(sb.read - 1) & 1];
		int c = !sb.have ? -1
			: !sa.have ? 1
				   : mp_key_cmp(xa->key, xa->key_n, xb->key,
						xb->key_n);
		if (c == 0) {
			rc = ERR_FORMAT; /* a key in both */
			break;
		}
		struct merge_side *from = c < 0 ? &sa : &sb;
		const struct map_entry *e = c < 0 ? xa : xb;
		buf_add(out, e->start, e->n);
		from->have = 0;
	}
	if (rc == 0 && (mp_remaining(&sa.r) || (bn && mp_remaining(&sb.r))))
		rc = ERR_TRAILING;
	if (rc)
		buf_truncate(out, mark);
	return rc;
}

int
mp_is_map(const void *p, size_t n)
{
	struct mp_reader r;
	enum mp_type t;
	mp_reader_init(&r, p, n, NULL);
	return mp_peek(&r, &t) == 0 && t == MP_MAP;
}

int
mp_key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

static int
get_value(struct mp_reader *r, int depth)
{
	enum mp_type t;
	int rc;
	if ((rc = mp_peek(r, &t)))
		return rc;
	switch (t) {
	case MP_NIL:
		return mp_get_nil(r);
	case MP_BOOL: {
		int v;
		return mp_get_bool(r, &v);
	}
	case MP_UINT:
	case MP_INT: {
		int negative;
		uint64_t u;
		int64_t s;
		return get_integer(r, &negative, &u, &s);
	}
	case MP_STR: {
		const char *s;
		size_t n;
		return mp_get_str(r, &s, &n);
	}
	case MP_BIN: {
		const uint8_t *p;
		size_t n;
		return mp_get_bin(r, &p, &n);
	}
	case MP_ARRAY: {
		uint32_t n;
		if (depth >= MP_MAX_DEPTH)
			return diag_set(r->diag, ERR_MALFORMED,
					"nesting deeper than %d at byte %zu",
					MP_MAX_DEPTH, mp_offset(r));
		if ((rc = mp_get_array(r, &n)))
			return rc;
		for (uint32_t i = 0; i < n; i++)
			if ((rc = get_value(r, depth + 1)))
				return rc;
		return 0;
	}
	case MP_MAP: {
		uint32_t n;
		const char *prev = NULL;
		size_t prev_n = 0;
		if (depth >= MP_MAX_DEPTH)
			return diag_set(r->diag, ERR_MALFORMED,
					"nesting deeper than %d at byte %zu",
					MP_MAX_DEPTH, mp_offset(r));
		if ((rc = mp_get_map(r, &n)))
			return rc;
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			size_t at = mp_offset(r);
			if ((rc = mp_get_str(r, &k, &kn))) {
				if (rc == ERR_FORMAT)
					return diag_set(r->diag, ERR_FORMAT,
						"map key at byte %zu is not a str",
						at);
				return rc;
			}
			if (prev && mp_key_cmp(prev, prev_n, k, kn) >= 0)
				return diag_set(r->diag, ERR_NONCANON,
					"map key at byte %zu is out of order or repeated",
					at);
			prev = k;
			prev_n = kn;
			if ((rc = get_value(r, depth + 1)))
				return rc;
		}
		return 0;
	}
	}
	BUG_ON(1);
}

int
mp_get_value(struct mp_reader *r, const uint8_t **start, size_t *n)
{
	const uint8_t *s = r->p;
	int rc = get_value(r, 0);
	if (rc)
		return rc;
	*start = s;
	*n = (size_t)(r->p - s);
	return 0;
}

int
mp_check(const void *p, size_t n, struct diag *d)
{
	struct mp_reader r;
	const uint8_t *s;
	size_t len;
	mp_reader_init(&r, p, n, d);
	int rc = mp_get_value(&r, &s, &len);
	if (rc)
		return rc;
	if (mp_remaining(&r))
		return diag_set(d, ERR_TRAILING,
				"%zu trailing bytes after the value at byte %zu",
				mp_remaining(&r), mp_offset(&r));
	return 0;
}

int
mp_map_find(const struct mp_reader *r, const char *key, struct mp_reader *val)
{
	struct mp_reader it = *r;
	size_t key_n = strlen(key);
	uint32_t n;
	it.diag = NULL;
	if (mp_get_map(&it, &n))
		return ERR_FORMAT;
	for (uint32_t i = 0; i < n; i++) {
		const char *k;
		size_t kn;
		const uint8_t *s;
		size_t len;
		if (mp_get_str(&it, &k, &kn))
			return ERR_FORMAT;
		int c = mp_key_cmp(k, kn, key, key_n);
		if (c == 0) {
			*val = it;
			val->diag = r->diag;
			return 0;
		}
		if (c > 0)
			return ERR_NOTFOUND;
		if (mp_get_value(&it, &s, &len))
			return ERR_FORMAT;
	}
	return ERR_NOTFOUND;
}

int
mp_map_get_str(const struct mp_reader *r, const char *key, char *out,
	       size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	int rc = mp_map_find(r, key, &v);
	if (rc)
		return rc;
	if (mp_get_str(&v, &s, &n) || n >= cap)
		return ERR_FORMAT;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int
mp_map_get_uint(const struct mp_reader *r, const char *key, uint64_t *out)
{
	struct mp_reader v;
	int rc = mp_map_find(r, key, &v);
	if (rc)
		return rc;
	return mp_get_uint(&v, out) ? ERR_FORMAT : 0;
}

int
mp_map_get_bin(const struct mp_reader *r, const char *key, uint8_t *out,
	       size_t want)
{
	struct mp_reader v;
	const uint8_t *p;
	size_t n;
	int rc = mp_map_find(r, key, &v);
	if (rc)
		return rc;
	if (mp_get_bin(&v, &p, &n) || n != want)
		return ERR_FORMAT;
	memcpy(out, p, n);
	return 0;
}

int
mp_map_cursor_init(struct mp_map_cursor *c, const struct mp_reader *r)
{
	c->diag = r->diag;
	c->first = *r;
	c->first.diag = NULL; /* a lookup that fails reports nothing */
	if (mp_get_map(&c->first, &c->count))
		return ERR_FORMAT;
	c->at = c->first;
	c->left = c->count;
	return 0;
}

int
mp_map_cursor_find(struct mp_map_cursor *c, const char *key,
		   struct mp_reader *val)
{
	size_t key_n = strlen(key);
	for (;;) {
		int from_first = c->left == c->count;
		uint32_t skipped = 0;
		while (c->left > 0) {
			struct mp_reader here = c->at, v;
			const char *k;
			const uint8_t *s;
			size_t kn, len;
			if (mp_get_str(&c->at, &k, &kn))
				return ERR_FORMAT;
			int cmp = mp_key_cmp(k, kn, key, key_n);
			if (cmp > 0) {
				c->at = here; /* the next lookup starts here */
				break;
			}
			v = c->at;
			if (mp_get_value(&c->at, &s, &len))
				return ERR_FORMAT;
			c->left--;
			if (cmp == 0) {
				*val = v;
				val->diag = c->diag;
				return 0;
			}
			skipped++;
		}
		/* Keys are ascending: having passed smaller keys, or having
		 * started at the first, the key is not there.  Otherwise it
		 * may lie before where this search began. */
		if (from_first || skipped > 0)
			return ERR_NOTFOUND;
		c->at = c->first;
		c->left = c->count;
	}
}

int
mp_map_cursor_end(struct mp_map_cursor *c)
{
	/* The cursor only moves forward over entries it checks, or back to
	 * the first: the entries before it have all been checked. */
	while (c->left > 0) {
		const char *k;
		const uint8_t *s;
		size_t kn, len;
		if (mp_get_str(&c->at, &k, &kn) || mp_get_value(&c->at, &s, &len))
			return ERR_FORMAT;
		c->left--;
	}
	return mp_remaining(&c->at) ? ERR_TRAILING : 0;
}

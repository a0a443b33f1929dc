/* json.c - JSON parsing into canonical msgpack, and a JSON writer. */
#include "common/json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "common/banned.h"

/* ---- parsing ---- */

struct parser {
	const char *start;
	const char *p;
	struct diag *diag;
	int e6; /* numbers are decimals, stored in millionths */
};

static int
fail(struct parser *ps, const char *why)
{
	int line = 1, col = 1;
	for (const char *q = ps->start; q < ps->p; q++) {
		if (*q == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return diag_set(ps->diag, ERR_INVAL, "JSON line %d column %d: %s",
			line, col, why);
}

static void
skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static void
put_utf8(struct buf *b, uint32_t cp)
{
	if (cp < 0x80) {
		buf_add_byte(b, (uint8_t)cp);
	} else if (cp < 0x800) {
		buf_add_byte(b, (uint8_t)(0xc0 | cp >> 6));
		buf_add_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else if (cp < 0x10000) {
		buf_add_byte(b, (uint8_t)(0xe0 | cp >> 12));
		buf_add_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_add_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
	} else {
		buf_add_byte(b, (uint8_t)(0xf0 | cp >> 18));
		buf_add_byte(b, (uint8_t)(0x80 | ((cp >> 12) & 0x3f)));
		buf_add_byte(b, (uint8_t)(0x80 | ((cp >> 6) & 0x3f)));
		buf_add_byte(b, (uint8_t)(0x80 | (cp & 0x3f)));
	}
}

static int
hex4(struct parser *ps, uint32_t *v)
{
	uint8_t two[2];
	char tmp[5];
	/* Copy up to the end of the text only: it may end inside \u. */
	size_t n = strnlen(ps->p, 4);
	memcpy(tmp, ps->p, n);
	tmp[n] = '\0';
	if (n != 4 || hex_decode(tmp, two, 2))
		return fail(ps, "bad \\u escape");
	*v = (uint32_t)two[0] << 8 | two[1];
	ps->p += 4;
	return 0;
}

/* Parses a string into raw UTF-8 bytes (without quotes). */
static int
parse_string(struct parser *ps, struct buf *s)
{
	ps->p++; /* opening quote */
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '"') {
			ps->p++;
			return 0;
		}
		if (c == '\0')
			return fail(ps, "unterminated string");
		if (c < 0x20)
			return fail(ps, "control character in string");
		if (c != '\\') {
			buf_add_byte(s, c);
			ps->p++;
			continue;
		}
		ps->p++;
		char e = *ps->p++;
		uint32_t cp;
		switch (e) {
		case '"': buf_add_byte(s, '"'); break;
		case '\\': buf_add_byte(s, '\\'); break;
		case '/': buf_add_byte(s, '/'); break;
		case 'b': buf_add_byte(s, '\b'); break;
		case 'f': buf_add_byte(s, '\f'); break;
		case 'n': buf_add_byte(s, '\n'); break;
		case 'r': buf_add_byte(s, '\r'); break;
		case 't': buf_add_byte(s, '\t'); break;
		case 'u':
			if (hex4(ps, &cp))
				return ERR_INVAL;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				uint32_t lo;
				if (ps->p[0] != '\\' || ps->p[1] != 'u')
					return fail(ps, "unpaired surrogate");
				ps->p += 2;
				if (hex4(ps, &lo))
					return ERR_INVAL;
				if (lo < 0xdc00 || lo > 0xdfff)
					return fail(ps, "unpaired surrogate");
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(ps, "unpaired surrogate");
			}
			put_utf8(s, cp);
			break;
		default:
			ps->p--;
			return fail(ps, "bad escape");
		}
	}
}

static int parse_value(struct parser *ps, struct buf *out, int depth);

struct member {
	char *key;
	size_t key_n;
	struct buf val;
};

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	return mp_key_cmp(x->key, x->key_n, y->key, y->key_n);
}

static int
parse_object(struct parser *ps, struct buf *out, int depth)
{
	struct member *m = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == '}') {
		ps->p++;
		mp_put_map(out, 0);
		return 0;
	}
	for (;;) {
		skip_ws(ps);
		if (*ps->p != '"') {
			rc = fail(ps, "expected a string key");
			goto out;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			m = xrealloc(m, cap * sizeof(*m));
		}
		struct buf key = BUF_INIT;
		buf_init(&m[n].val);
		if ((rc = parse_string(ps, &key))) {
			buf_release(&key);
			goto out;
		}
		m[n].key = (char *)buf_detach(&key, &m[n].key_n);
		n++;
		skip_ws(ps);
		if (*ps->p != ':') {
			rc = fail(ps, "expected ':'");
			goto out;
		}
		ps->p++;
		if ((rc = parse_value(ps, &m[n - 1].val, depth + 1)))
			goto out;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			break;
		}
		rc = fail(ps, "expected ',' or '}'");
		goto out;
	}
	qsort(m, n, sizeof(*m), member_cmp);
	for (size_t i = 1; i < n; i++) {
		if (member_cmp(&m[i - 1], &m[i]) == 0) {
			rc = diag_set(ps->diag, ERR_INVAL,
				      "JSON object has the key \"%s\" twice",
				      m[i].key);
			goto out;
		}
	}
	mp_put_map(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		mp_put_str(out, m[i].key, m[i].key_n);
		buf_add(out, m[i].val.data, m[i].val.len);
	}
out:
	for (size_t i = 0; i < n; i++) {
		free(m[i].key);
		buf_release(&m[i].val);
	}
	free(m);
	return rc;
}

static int
parse_array(struct parser *ps, struct buf *out, int depth)
{
	struct buf items = BUF_INIT;
	uint32_t n = 0;
	int rc = 0;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == ']') {
		ps->p++;
		mp_put_array(out, 0);
		return 0;
	}
	for (;;) {
		if ((rc = parse_value(ps, &items, depth + 1)))
			goto out;
		n++;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == ']') {
			ps->p++;
			break;
		}
		rc = fail(ps, "expected ',' or ']'");
		goto out;
	}
	mp_put_array(out, n);
	buf_add(out, items.data, items.len);
out:
	buf_release(&items);
	return rc;
}

/* [s, q) holds the sign and whole digits; a fraction may follow at q. */
static int
parse_decimal_e6(struct parser *ps, struct buf *out, const char *s,
		 const char *q)
{
	int neg = *s == '-';
	int64_t whole = 0, frac = 0;
	int fdigits = 0;
	for (const char *p = s + neg; p < q; p++) {
		if (whole > (INT64_MAX / 1000000 - 9) / 10)
			return fail(ps, "number out of range");
		whole = whole * 10 + (*p - '0');
	}
	if (*q == '.') {
		q++;
		if (*q < '0' || *q > '9')
			return fail(ps, "digits must follow '.'");
		for (; *q >= '0' && *q <= '9'; q++)
			if (fdigits < 6) {
				frac = frac * 10 + (*q - '0');
				fdigits++;
			}
	}
	if (*q == 'e' || *q == 'E')
		return fail(ps, "exponents are not allowed");
	while (fdigits++ < 6)
		frac *= 10;
	int64_t v = whole * 1000000 + frac;
	mp_put_int(out, neg ? -v : v);
	ps->p = q;
	return 0;
}

static int
parse_number(struct parser *ps, struct buf *out)
{
	const char *s = ps->p;
	const char *q = s;
	if (*q == '-')
		q++;
	if (*q < '0' || *q > '9')
		return fail(ps, "unexpected character");
	if (*q == '0' && q[1] >= '0' && q[1] <= '9')
		return fail(ps, "leading zero in number");
	while (*q >= '0' && *q <= '9')
		q++;
	if (ps->e6)
		return parse_decimal_e6(ps, out, s, q);
	if (*q == '.' || *q == 'e' || *q == 'E')
		return fail(ps, "only integers are allowed (no fractions or exponents)");
	errno = 0;
	char *end;
	if (*s == '-') {
		long long v = strtoll(s, &end, 10);
		if (errno == ERANGE)
			return fail(ps, "integer out of range");
		mp_put_int(out, v);
	} else {
		unsigned long long v = strtoull(s, &end, 10);
		if (errno == ERANGE)
			return fail(ps, "integer out of range");
		mp_put_uint(out, v);
	}
	ps->p = q;
	return 0;
}

static int
parse_value(struct parser *ps, struct buf *out, int depth)
{
	if (depth > JSON_MAX_DEPTH)
		return fail(ps, "nested too deeply");
	skip_ws(ps);
	switch (*ps->p) {
	case '{':
		return parse_object(ps, out, depth);
	case '[':
		return parse_array(ps, out, depth);
	case '"': {
		struct buf s = BUF_INIT;
		int rc = parse_string(ps, &s);
		if (rc == 0)
			mp_put_str(out, buf_cstr(&s), s.len);
		buf_release(&s);
		return rc;
	}
	case 't':
		if (strncmp(ps->p, "true", 4))
			return fail(ps, "unexpected character");
		ps->p += 4;
		mp_put_bool(out, 1);
		return 0;
	case 'f':
		if (strncmp(ps->p, "false", 5))
			return fail(ps, "unexpected character");
		ps->p += 5;
		mp_put_bool(out, 0);
		return 0;
	case 'n':
		if (strncmp(ps->p, "null", 4))
			return fail(ps, "unexpected character");
		ps->p += 4;
		mp_put_nil(out);
		return 0;
	case '\0':
		return fail(ps, "unexpected end of input");
	default:
		return parse_number(ps, out);
	}
}

static int
parse_text(const char *text, int e6, struct buf *out, struct diag *d)
{
	struct parser ps = { text, text, d, e6 };
	struct buf tmp = BUF_INIT;
	int rc = parse_value(&ps, &tmp, 0);
	if (rc == 0) {
		skip_ws(&ps);
		if (*ps.p)
			rc = fail(&ps, "trailing characters after the value");
	}
	/* JSON strings may carry invalid UTF-8 bytes; the msgpack check
	 * refuses them so that nothing non-canonical leaves this function. */
	struct diag why;
	if (rc == 0 && mp_check(tmp.data, tmp.len, &why) != 0)
		rc = diag_set(d, ERR_INVAL, "JSON: %s", why.text);
	if (rc == 0)
		buf_add(out, tmp.data, tmp.len);
	buf_release(&tmp);
	return rc;
}

int
json_to_mp(const char *text, struct buf *out, struct diag *d)
{
	return parse_text(text, 0, out, d);
}

int
json_to_mp_e6(const char *text, struct buf *out, struct diag *d)
{
	return parse_text(text, 1, out, d);
}

/* ---- writing ---- */

void
json_writer_init(struct json_writer *w, struct buf *out, int pretty)
{
	w->out = out;
	w->depth = 0;
	w->has_items = 0;
	w->after_key = 0;
	w->pretty = pretty;
	w->iso_times = 0;
}

static void
newline(struct json_writer *w)
{
	if (!w->pretty)
		return;
	buf_add_byte(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		buf_add_str(w->out, "  ");
}

/* Called before every value and key: writes the separator it needs. */
static void
before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->depth == 0)
		return;
	uint32_t bit = 1u << (w->depth - 1);
	if (w->has_items & bit)
		buf_add_byte(w->out, ',');
	w->has_items |= bit;
	newline(w);
}

static void
open_level(struct json_writer *w, char c)
{
	before_item(w);
	buf_add_byte(w->out, (uint8_t)c);
	BUG_ON(w->depth >= 31);
	w->depth++;
	w->has_items &= ~(1u << (w->depth - 1));
}

static void
close_level(struct json_writer *w, char c)
{
	BUG_ON(w->depth == 0);
	int had = (w->has_items >> (w->depth - 1)) & 1;
	w->depth--;
	if (had)
		newline(w);
	buf_add_byte(w->out, (uint8_t)c);
	if (w->depth == 0 && w->pretty)
		buf_add_byte(w->out, '\n');
}

void json_obj_begin(struct json_writer *w) { open_level(w, '{'); }
void json_obj_end(struct json_writer *w) { close_level(w, '}'); }
void json_arr_begin(struct json_writer *w) { open_level(w, '['); }
void json_arr_end(struct json_writer *w) { close_level(w, ']'); }

size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min_cp[] = { 0, 0x80, 0x800, 0x10000 };
	size_t k;
	uint32_t v;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		k = 1;
		v = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		k = 2;
		v = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		k = 3;
		v = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n <= k)
		return 0;
	for (size_t j = 1; j <= k; j++) {
		if ((s[j] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[j] & 0x3f);
	}
	if (v < min_cp[k] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k + 1;
}

void
json_quote(struct buf *out, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	buf_add_byte(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t k;
		switch (c) {
		case '"': buf_add_str(out, "\\\""); break;
		case '\\': buf_add_str(out, "\\\\"); break;
		case '\n': buf_add_str(out, "\\n"); break;
		case '\r': buf_add_str(out, "\\r"); break;
		case '\t': buf_add_str(out, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				buf_add_str(out, "\\u00");
				buf_add_byte(out, (uint8_t)digits[c >> 4]);
				buf_add_byte(out, (uint8_t)digits[c & 15]);
			} else if (c < 0x80) {
				buf_add_byte(out, c);
			} else if (!(k = utf8_next(p + i, n - i, &cp))) {
				/* Not UTF-8: JSON cannot carry the byte. */
				buf_add_str(out, "\\ufffd");
			} else {
				/* C1 controls and bidi controls escaped, so that
				 * JSON shown on a terminal cannot drive it. */
				if ((cp >= 0x80 && cp <= 0x9f) || cp == 0x061c ||
				    cp == 0x200e || cp == 0x200f ||
				    (cp >= 0x202a && cp <= 0x202e) ||
				    (cp >= 0x2066 && cp <= 0x2069))
					buf_printf(out, "\\u%04x", (unsigned)cp);
				else
					buf_add(out, p + i, k);
				i += k - 1;
			}
		}
	}
	buf_add_byte(out, '"');
}

void
json_key(struct json_writer *w, const char *key)
{
	json_keyn(w, key, strlen(key));
}

void
json_keyn(struct json_writer *w, const char *key, size_t n)
{
	before_item(w);
	json_quote(w->out, key, n);
	buf_add_str(w->out, w->pretty ? ": " : ":");
	w->after_key = 1;
}

void
json_strn(struct json_writer *w, const char *s, size_t n)
{
	before_item(w);
	json_quote(w->out, s, n);
}

void
json_str(struct json_writer *w, const char *s)
{
	json_strn(w, s, strlen(s));
}

void
json_hex(struct json_writer *w, const uint8_t *p, size_t n)
{
	char *h = xmalloc(2 * n + 1);
	hex_encode(p, n, h);
	json_strn(w, h, 2 * n);
	free(h);
}

void
json_uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	buf_printf(w->out, "%llu", (unsigned long long)v);
}

void
json_int(struct json_writer *w, int64_t v)
{
	before_item(w);
	buf_printf(w->out, "%lld", (long long)v);
}

void
json_bool(struct json_writer *w, int v)
{
	before_item(w);
	buf_add_str(w->out, v ? "true" : "false");
}

void
json_null(struct json_writer *w)
{
	before_item(w);
	buf_add_str(w->out, "null");
}

void
json_fixed(struct json_writer *w, int64_t scaled, int decimals)
{
	int64_t div = 1;
	for (int i = 0; i < decimals; i++)
		div *= 10;
	before_item(w);
	const char *sign = scaled < 0 ? "-" : "";
	uint64_t a = scaled < 0 ? (uint64_t)(-(scaled + 1)) + 1 : (uint64_t)scaled;
	if (decimals == 0)
		buf_printf(w->out, "%s%llu", sign, (unsigned long long)a);
	else
		buf_printf(w->out, "%s%llu.%0*llu", sign,
			   (unsigned long long)(a / (uint64_t)div), decimals,
			   (unsigned long long)(a % (uint64_t)div));
}

static int
is_time_key(const char *k, size_t n)
{
	return (n == 2 && memcmp(k, "at", 2) == 0) ||
	       (n > 3 && memcmp(k + n - 3, "_at", 3) == 0);
}

static void
put_time(struct json_writer *w, uint64_t ms)
{
	char iso[CLOCK_ISO_BYTES];
	if (!ms) {
		json_null(w);
		return;
	}
	clock_format(ms, iso);
	json_str(w, iso);
}

static int
put_mp_value(struct json_writer *w, struct mp_reader *r)
{
	enum mp_type t;
	int rc;
	if ((rc = mp_peek(r, &t)))
		return rc;
	switch (t) {
	case MP_NIL:
		if ((rc = mp_get_nil(r)))
			return rc;
		json_null(w);
		return 0;
	case MP_BOOL: {
		int v;
		if ((rc = mp_get_bool(r, &v)))
			return rc;
		json_bool(w, v);
		return 0;
	}
	case MP_UINT: {
		uint64_t v;
		if ((rc = mp_get_uint(r, &v)))
			return rc;
		json_uint(w, v);
		return 0;
	}
	case MP_INT: {
		int64_t v;
		if ((rc = mp_get_int(r, &v)))
			return rc;
		json_int(w, v);
		return 0;
	}
	case MP_STR: {
		const char *s;
		size_t n;
		if ((rc = mp_get_str(r, &s, &n)))
			return rc;
		json_strn(w, s, n);
		return 0;
	}
	case MP_BIN: {
		const uint8_t *p;
		size_t n;
		if ((rc = mp_get_bin(r, &p, &n)))
			return rc;
		json_hex(w, p, n);
		return 0;
	}
	case MP_ARRAY: {
		uint32_t n;
		if ((rc = mp_get_array(r, &n)))
			return rc;
		json_arr_begin(w);
		for (uint32_t i = 0; i < n; i++)
			if ((rc = put_mp_value(w, r)))
				return rc;
		json_arr_end(w);
		return 0;
	}
	case MP_MAP: {
		uint32_t n;
		if ((rc = mp_get_map(r, &n)))
			return rc;
		json_obj_begin(w);
		for (uint32_t i = 0; i < n; i++) {
			const char *k;
			size_t kn;
			if ((rc = mp_get_str(r, &k, &kn)))
				return rc;
			json_keyn(w, k, kn);
			enum mp_type vt;
			uint64_t ms;
			if (w->iso_times && is_time_key(k, kn) &&
			    mp_peek(r, &vt) == 0 && vt == MP_UINT) {
				if ((rc = mp_get_uint(r, &ms)))
					return rc;
				put_time(w, ms);
				continue;
			}
			if ((rc = put_mp_value(w, r)))
				return rc;
		}
		json_obj_end(w);
		return 0;
	}
	}
	BUG_ON(1);
}

int
json_put_mp(struct json_writer *w, const uint8_t *p, size_t n)
{
	int rc = mp_check(p, n, NULL);
	if (rc)
		return rc;
	struct mp_reader r;
	mp_reader_init(&r, p, n, NULL);
	return put_mp_value(w, &r);
}

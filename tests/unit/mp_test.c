/*
 * mp_test.c - the canonical msgpack writer and the strict reader
 * (common/mp.h, docs/format.md section 1).
 *
 * Inputs are written as hex (spaces allowed) and decoded into heap memory
 * of exactly their size, so that AddressSanitizer catches any read past
 * the end of the input.
 */
#include "common/mp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/hex.h"
#include "common/xalloc.h"
#include "tests/harness.h"
#include "common/banned.h"

/* ---- helpers ---- */

/* The bytes of hex (spaces ignored) in new memory of exactly *n bytes. */
static uint8_t *
unhex(const char *hex, size_t *n)
{
	size_t len = strlen(hex), k = 0;
	char *digits = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (hex[i] != ' ')
			digits[k++] = hex[i];
	digits[k] = '\0';
	BUG_ON(k % 2 != 0);
	uint8_t *p = xmalloc(k / 2);
	BUG_ON(hex_decode(digits, p, k / 2) != 0);
	free(digits);
	*n = k / 2;
	return p;
}

/* mp_check() on an exact heap copy of [p, p+n). */
static int
check_exact(const void *p, size_t n)
{
	uint8_t *copy = xmalloc(n);
	if (n)
		memcpy(copy, p, n);
	int rc = mp_check(copy, n, NULL);
	free(copy);
	return rc;
}

static int
check_hex(const char *hex)
{
	size_t n;
	uint8_t *p = unhex(hex, &n);
	struct diag d;
	int rc = mp_check(p, n, &d);
	free(p);
	return rc;
}

/* 1 if b holds exactly the bytes of hex. */
static int
buf_is_hex(const struct buf *b, const char *hex)
{
	size_t n;
	uint8_t *p = unhex(hex, &n);
	int same = b->len == n && memcmp(b->data, p, n) == 0;
	free(p);
	return same;
}

/* Fails the running test, naming the case, when rc is not want. */
#define CHECK_CASE(rc, want, label)                                        \
	do {                                                               \
		int got_ = (rc), want_ = (want);                           \
		if (got_ != want_) {                                       \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s: got %s, expected %s", (label),   \
				     err_name(got_), err_name(want_));     \
			return;                                            \
		}                                                          \
	} while (0)

struct hex_case {
	const char *label;
	const char *hex;
	int want;
};

/* ---- integers ---- */

static const struct {
	uint64_t v;
	const char *hex;
} uint_cases[] = {
	{ 0, "00" },
	{ 1, "01" },
	{ 127, "7f" },
	{ 128, "cc 80" },
	{ 255, "cc ff" },
	{ 256, "cd 01 00" },
	{ 65535, "cd ff ff" },
	{ 65536, "ce 00 01 00 00" },
	{ 4294967295ull, "ce ff ff ff ff" },
	{ 4294967296ull, "cf 00 00 00 01 00 00 00 00" },
	{ 9223372036854775807ull, "cf 7f ff ff ff ff ff ff ff" },
	{ 9223372036854775808ull, "cf 80 00 00 00 00 00 00 00" },
	{ 18446744073709551615ull, "cf ff ff ff ff ff ff ff ff" },
};

static const struct {
	int64_t v;
	const char *hex;
} int_cases[] = {
	{ -1, "ff" },
	{ -32, "e0" },
	{ -33, "d0 df" },
	{ -128, "d0 80" },
	{ -129, "d1 ff 7f" },
	{ -32768, "d1 80 00" },
	{ -32769, "d2 ff ff 7f ff" },
	{ -2147483647ll - 1, "d2 80 00 00 00" },
	{ -2147483647ll - 2, "d3 ff ff ff ff 7f ff ff ff" },
	{ INT64_MIN, "d3 80 00 00 00 00 00 00 00" },
};

static void
test_uint_boundaries(void)
{
	for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]);
	     i++) {
		struct buf b = BUF_INIT;
		struct mp_reader r;
		enum mp_type t;
		uint64_t u = 0;
		mp_put_uint(&b, uint_cases[i].v);
		int same = buf_is_hex(&b, uint_cases[i].hex);
		mp_reader_init(&r, b.data, b.len, NULL);
		int peek = mp_peek(&r, &t);
		int get = mp_get_uint(&r, &u);
		size_t left = mp_remaining(&r);
		int check = check_exact(b.data, b.len);
		buf_release(&b);
		CHECK(same);
		CHECK_OK(peek);
		CHECK_EQ_INT(t, MP_UINT);
		CHECK_OK(get);
		CHECK(u == uint_cases[i].v);
		CHECK_EQ_INT(left, 0);
		CHECK_OK(check);
	}
}

static void
test_uint_boundaries_as_int(void)
{
	for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]);
	     i++) {
		size_t n;
		uint8_t *p = unhex(uint_cases[i].hex, &n);
		struct mp_reader r;
		int64_t s = 0;
		mp_reader_init(&r, p, n, NULL);
		int rc = mp_get_int(&r, &s);
		free(p);
		if (uint_cases[i].v <= INT64_MAX) {
			CHECK_OK(rc);
			CHECK(s == (int64_t)uint_cases[i].v);
		} else {
			CHECK_ERR(rc, ERR_FORMAT);
		}
	}
}

static void
test_put_int_non_negative_is_unsigned(void)
{
	/* msgpack-c must use the unsigned forms for non-negative int64. */
	for (size_t i = 0; i < sizeof(uint_cases) / sizeof(uint_cases[0]);
	     i++) {
		if (uint_cases[i].v > INT64_MAX)
			continue;
		struct buf b = BUF_INIT;
		mp_put_int(&b, (int64_t)uint_cases[i].v);
		int same = buf_is_hex(&b, uint_cases[i].hex);
		buf_release(&b);
		CHECK(same);
	}
}

static void
test_int_boundaries(void)
{
	for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		struct buf b = BUF_INIT;
		struct mp_reader r;
		enum mp_type t;
		int64_t s = 0;
		mp_put_int(&b, int_cases[i].v);
		int same = buf_is_hex(&b, int_cases[i].hex);
		mp_reader_init(&r, b.data, b.len, NULL);
		int peek = mp_peek(&r, &t);
		int get = mp_get_int(&r, &s);
		size_t left = mp_remaining(&r);
		int check = check_exact(b.data, b.len);
		buf_release(&b);
		CHECK(same);
		CHECK_OK(peek);
		CHECK_EQ_INT(t, MP_INT);
		CHECK_OK(get);
		CHECK(s == int_cases[i].v);
		CHECK_EQ_INT(left, 0);
		CHECK_OK(check);
	}
}

static void
test_negative_is_not_uint(void)
{
	for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		size_t n;
		uint8_t *p = unhex(int_cases[i].hex, &n);
		struct mp_reader r;
		struct diag d;
		uint64_t u;
		mp_reader_init(&r, p, n, &d);
		int rc = mp_get_uint(&r, &u);
		free(p);
		CHECK_CASE(rc, ERR_FORMAT, int_cases[i].hex);
		CHECK(strstr(d.text, "unsigned") != NULL);
	}
}

/* ---- canonical forms ---- */

static const struct hex_case noncanon_cases[] = {
	{ "5 in uint8", "cc 05", ERR_NONCANON },
	{ "0 in uint8", "cc 00", ERR_NONCANON },
	{ "127 in uint8", "cc 7f", ERR_NONCANON },
	{ "255 in uint16", "cd 00 ff", ERR_NONCANON },
	{ "5 in uint16", "cd 00 05", ERR_NONCANON },
	{ "65535 in uint32", "ce 00 00 ff ff", ERR_NONCANON },
	{ "0 in uint32", "ce 00 00 00 00", ERR_NONCANON },
	{ "2^32-1 in uint64", "cf 00 00 00 00 ff ff ff ff", ERR_NONCANON },
	{ "0 in uint64", "cf 00 00 00 00 00 00 00 00", ERR_NONCANON },
	{ "5 in int8", "d0 05", ERR_NONCANON },
	{ "0 in int8", "d0 00", ERR_NONCANON },
	{ "127 in int8", "d0 7f", ERR_NONCANON },
	{ "-16 in int8", "d0 f0", ERR_NONCANON },
	{ "-1 in int8", "d0 ff", ERR_NONCANON },
	{ "-32 in int8", "d0 e0", ERR_NONCANON },
	{ "5 in int16", "d1 00 05", ERR_NONCANON },
	{ "200 in int16", "d1 00 c8", ERR_NONCANON },
	{ "-1 in int16", "d1 ff ff", ERR_NONCANON },
	{ "-128 in int16", "d1 ff 80", ERR_NONCANON },
	{ "-32768 in int32", "d2 ff ff 80 00", ERR_NONCANON },
	{ "70000 in int32", "d2 00 01 11 70", ERR_NONCANON },
	{ "-2^31 in int64", "d3 ff ff ff ff 80 00 00 00", ERR_NONCANON },
	{ "-1 in int64", "d3 ff ff ff ff ff ff ff ff", ERR_NONCANON },
	{ "2^62 in int64", "d3 40 00 00 00 00 00 00 00", ERR_NONCANON },
	{ "str 3 in str8", "d9 03 61 62 63", ERR_NONCANON },
	{ "str 0 in str8", "d9 00", ERR_NONCANON },
	{ "str 3 in str16", "da 00 03 61 62 63", ERR_NONCANON },
	{ "str 3 in str32", "db 00 00 00 03 61 62 63", ERR_NONCANON },
	{ "bin 3 in bin16", "c5 00 03 61 62 63", ERR_NONCANON },
	{ "bin 0 in bin16", "c5 00 00", ERR_NONCANON },
	{ "bin 3 in bin32", "c6 00 00 00 03 61 62 63", ERR_NONCANON },
	{ "array 1 in array16", "dc 00 01 c0", ERR_NONCANON },
	{ "array 0 in array16", "dc 00 00", ERR_NONCANON },
	{ "array 1 in array32", "dd 00 00 00 01 c0", ERR_NONCANON },
	{ "map 1 in map16", "de 00 01 a1 61 c0", ERR_NONCANON },
	{ "map 0 in map16", "de 00 00", ERR_NONCANON },
	{ "map 1 in map32", "df 00 00 00 01 a1 61 c0", ERR_NONCANON },
	{ "uint8 5 inside an array", "92 01 cc 05", ERR_NONCANON },
	{ "str8 inside a map value", "81 a1 61 d9 01 62", ERR_NONCANON },
	{ "str8 as a map key", "81 d9 01 61 c0", ERR_NONCANON },
};

static void
test_noncanonical_forms_are_refused(void)
{
	for (size_t i = 0;
	     i < sizeof(noncanon_cases) / sizeof(noncanon_cases[0]); i++)
		CHECK_CASE(check_hex(noncanon_cases[i].hex),
			   noncanon_cases[i].want, noncanon_cases[i].label);
}

static void
test_noncanonical_integers_are_refused_by_typed_readers(void)
{
	static const char *const hex[] = { "cc 05", "cd 00 ff",
					   "ce 00 00 ff ff", "d0 05",
					   "d0 f0", "d1 ff 80",
					   "d2 ff ff 80 00" };
	for (size_t i = 0; i < sizeof(hex) / sizeof(hex[0]); i++) {
		size_t n;
		uint8_t *p = unhex(hex[i], &n);
		struct mp_reader r;
		uint64_t u;
		int64_t s;
		mp_reader_init(&r, p, n, NULL);
		int rc_u = mp_get_uint(&r, &u);
		mp_reader_init(&r, p, n, NULL);
		int rc_s = mp_get_int(&r, &s);
		free(p);
		CHECK_CASE(rc_u, ERR_NONCANON, hex[i]);
		CHECK_CASE(rc_s, ERR_NONCANON, hex[i]);
	}
}

static void
test_noncanonical_headers_are_refused_by_typed_readers(void)
{
	size_t n;
	uint8_t *p;
	struct mp_reader r;
	const char *s;
	const uint8_t *bp;
	size_t len;
	uint32_t count;
	int rc;

	p = unhex("d9 03 61 62 63", &n);
	mp_reader_init(&r, p, n, NULL);
	rc = mp_get_str(&r, &s, &len);
	free(p);
	CHECK_ERR(rc, ERR_NONCANON);

	p = unhex("c5 00 03 61 62 63", &n);
	mp_reader_init(&r, p, n, NULL);
	rc = mp_get_bin(&r, &bp, &len);
	free(p);
	CHECK_ERR(rc, ERR_NONCANON);

	p = unhex("dc 00 01 c0", &n);
	mp_reader_init(&r, p, n, NULL);
	rc = mp_get_array(&r, &count);
	free(p);
	CHECK_ERR(rc, ERR_NONCANON);

	p = unhex("de 00 01 a1 61 c0", &n);
	mp_reader_init(&r, p, n, NULL);
	rc = mp_get_map(&r, &count);
	free(p);
	CHECK_ERR(rc, ERR_NONCANON);
}

static void
test_noncanonical_detail_names_the_offset(void)
{
	size_t n;
	uint8_t *p = unhex("93 01 02 cc 05", &n);
	struct diag d;
	int rc = mp_check(p, n, &d);
	free(p);
	CHECK_ERR(rc, ERR_NONCANON);
	CHECK(strstr(d.text, "integer") != NULL);
	CHECK(strstr(d.text, "byte 3") != NULL);
}

/* The shortest forms at the edges of each width are accepted. */
static void
test_header_boundaries_are_accepted(void)
{
	struct {
		const char *label;
		uint8_t head[5];
		size_t head_n;
		size_t count; /* str/bin bytes, array items or map pairs */
		int kind;     /* 0 str, 1 bin, 2 array, 3 map */
	} cases[] = {
		{ "fixstr 31", { 0xbf }, 1, 31, 0 },
		{ "str8 32", { 0xd9, 32 }, 2, 32, 0 },
		{ "str8 255", { 0xd9, 255 }, 2, 255, 0 },
		{ "str16 256", { 0xda, 1, 0 }, 3, 256, 0 },
		{ "str16 65535", { 0xda, 0xff, 0xff }, 3, 65535, 0 },
		{ "str32 65536", { 0xdb, 0, 1, 0, 0 }, 5, 65536, 0 },
		{ "bin8 0", { 0xc4, 0 }, 2, 0, 1 },
		{ "bin8 255", { 0xc4, 255 }, 2, 255, 1 },
		{ "bin16 256", { 0xc5, 1, 0 }, 3, 256, 1 },
		{ "bin16 65535", { 0xc5, 0xff, 0xff }, 3, 65535, 1 },
		{ "bin32 65536", { 0xc6, 0, 1, 0, 0 }, 5, 65536, 1 },
		{ "fixarray 15", { 0x9f }, 1, 15, 2 },
		{ "array16 16", { 0xdc, 0, 16 }, 3, 16, 2 },
		{ "array16 65535", { 0xdc, 0xff, 0xff }, 3, 65535, 2 },
		{ "array32 65536", { 0xdd, 0, 1, 0, 0 }, 5, 65536, 2 },
		{ "fixmap 15", { 0x8f }, 1, 15, 3 },
		{ "map16 16", { 0xde, 0, 16 }, 3, 16, 3 },
		{ "map16 300", { 0xde, 0x01, 0x2c }, 3, 300, 3 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf b = BUF_INIT;
		buf_add(&b, cases[i].head, cases[i].head_n);
		for (size_t j = 0; j < cases[i].count; j++) {
			if (cases[i].kind < 2) {
				buf_add_byte(&b, 'x');
			} else if (cases[i].kind == 2) {
				mp_put_nil(&b);
			} else {
				/* Keys "000".."299": ascending, 3 bytes. */
				char key[4] = { (char)('0' + j / 100),
						(char)('0' + j / 10 % 10),
						(char)('0' + j % 10), 0 };
				mp_put_str(&b, key, 3);
				mp_put_nil(&b);
			}
		}
		int rc = check_exact(b.data, b.len);
		buf_release(&b);
		CHECK_CASE(rc, 0, cases[i].label);
	}
}

static void
test_writer_picks_the_shortest_headers(void)
{
	struct {
		size_t n;
		const char *str, *bin, *arr, *map;
	} cases[] = {
		{ 0, "a0", "c4 00", "90", "80" },
		{ 15, "af", "c4 0f", "9f", "8f" },
		{ 16, "b0", "c4 10", "dc 00 10", "de 00 10" },
		{ 31, "bf", "c4 1f", "dc 00 1f", "de 00 1f" },
		{ 32, "d9 20", "c4 20", "dc 00 20", "de 00 20" },
		{ 255, "d9 ff", "c4 ff", "dc 00 ff", "de 00 ff" },
		{ 256, "da 01 00", "c5 01 00", "dc 01 00", "de 01 00" },
		{ 65535, "da ff ff", "c5 ff ff", "dc ff ff", "de ff ff" },
		{ 65536, "db 00 01 00 00", "c6 00 01 00 00",
		  "dd 00 01 00 00", "df 00 01 00 00" },
	};
	char *body = xmalloc(65536);
	memset(body, 'y', 65536);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf s = BUF_INIT, bn = BUF_INIT, a = BUF_INIT,
			   m = BUF_INIT;
		size_t n = cases[i].n;
		mp_put_str(&s, body, n);
		mp_put_bin(&bn, body, n);
		mp_put_array(&a, (uint32_t)n);
		mp_put_map(&m, (uint32_t)n);
		size_t sh = s.len - n, bh = bn.len - n;
		int ok_s = s.len >= n && memcmp(s.data + sh, body, n) == 0;
		int ok_b = bn.len >= n && memcmp(bn.data + bh, body, n) == 0;
		s.len = sh;
		bn.len = bh;
		int same_s = buf_is_hex(&s, cases[i].str);
		int same_b = buf_is_hex(&bn, cases[i].bin);
		int same_a = buf_is_hex(&a, cases[i].arr);
		int same_m = buf_is_hex(&m, cases[i].map);
		buf_release(&s);
		buf_release(&bn);
		buf_release(&a);
		buf_release(&m);
		if (!(ok_s && ok_b && same_s && same_b && same_a && same_m)) {
			free(body);
			harness_fail(__FILE__, __LINE__,
				     "length %zu: str %d/%d bin %d/%d array %d "
				     "map %d",
				     n, ok_s, same_s, ok_b, same_b, same_a,
				     same_m);
			return;
		}
	}
	free(body);
}

static void
test_str_and_bin_round_trip(void)
{
	static const size_t lens[] = { 0, 1, 31, 32, 255, 256, 65535, 65536 };
	char *body = xmalloc(65536);
	for (size_t i = 0; i < 65536; i++)
		body[i] = (char)('a' + i % 26);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct buf b = BUF_INIT;
		struct mp_reader r;
		const char *s = NULL;
		const uint8_t *p = NULL;
		size_t sn = 0, pn = 0;
		mp_put_str(&b, body, lens[i]);
		mp_put_bin(&b, body, lens[i]);
		mp_reader_init(&r, b.data, b.len, NULL);
		int rc_s = mp_get_str(&r, &s, &sn);
		int rc_b = mp_get_bin(&r, &p, &pn);
		int ok = rc_s == 0 && rc_b == 0 && sn == lens[i] &&
			 pn == lens[i] && memcmp(s, body, sn) == 0 &&
			 memcmp(p, body, pn) == 0 && mp_remaining(&r) == 0;
		buf_release(&b);
		if (!ok) {
			free(body);
			harness_fail(__FILE__, __LINE__,
				     "length %zu: str %s, bin %s", lens[i],
				     err_name(rc_s), err_name(rc_b));
			return;
		}
	}
	free(body);
}

static void
test_nil_and_bool_round_trip(void)
{
	struct buf b = BUF_INIT;
	struct mp_reader r;
	enum mp_type t1, t2, t3;
	int v1 = -1, v2 = -1;
	mp_put_nil(&b);
	mp_put_bool(&b, 1);
	mp_put_bool(&b, 0);
	int same = buf_is_hex(&b, "c0 c3 c2");
	mp_reader_init(&r, b.data, b.len, NULL);
	int p1 = mp_peek(&r, &t1);
	int g1 = mp_get_nil(&r);
	int p2 = mp_peek(&r, &t2);
	int g2 = mp_get_bool(&r, &v1);
	int p3 = mp_peek(&r, &t3);
	int g3 = mp_get_bool(&r, &v2);
	size_t left = mp_remaining(&r);
	buf_release(&b);
	CHECK(same);
	CHECK_OK(p1);
	CHECK_OK(g1);
	CHECK_OK(p2);
	CHECK_OK(g2);
	CHECK_OK(p3);
	CHECK_OK(g3);
	CHECK_EQ_INT(t1, MP_NIL);
	CHECK_EQ_INT(t2, MP_BOOL);
	CHECK_EQ_INT(t3, MP_BOOL);
	CHECK_EQ_INT(v1, 1);
	CHECK_EQ_INT(v2, 0);
	CHECK_EQ_INT(left, 0);
}

/* ---- maps built in any order ---- */

static void
test_map_builder_sorts_keys(void)
{
	struct mp_map m;
	struct buf out = BUF_INIT, want = BUF_INIT;
	mp_map_init(&m);
	mp_put_cstr(mp_map_add(&m, "where"), "Caoxi Road");
	mp_put_uint(mp_map_add(&m, "at"), 12);
	mp_put_nil(mp_map_add(&m, ""));
	mp_put_bool(mp_map_add(&m, "b\xc3\xa9"), 1);
	mp_put_int(mp_map_add(&m, "a"), -1);
	mp_put_array(mp_map_add(&m, "Z"), 0);
	int has = mp_map_has(&m, "at") && mp_map_has(&m, "") &&
		  !mp_map_has(&m, "x") && !mp_map_has(&m, "wher");
	buf_add_byte(&out, 0xc0);
	mp_map_finish(&m, &out);
	size_t left = m.n;

	buf_add_byte(&want, 0xc0);
	mp_put_map(&want, 6);
	mp_put_cstr(&want, "");
	mp_put_nil(&want);
	mp_put_cstr(&want, "Z");
	mp_put_array(&want, 0);
	mp_put_cstr(&want, "a");
	mp_put_int(&want, -1);
	mp_put_cstr(&want, "at");
	mp_put_uint(&want, 12);
	mp_put_cstr(&want, "b\xc3\xa9");
	mp_put_bool(&want, 1);
	mp_put_cstr(&want, "where");
	mp_put_cstr(&want, "Caoxi Road");
	int same = out.len == want.len &&
		   memcmp(out.data, want.data, want.len) == 0;
	int rc = check_exact(out.data + 1, out.len - 1);
	buf_release(&out);
	buf_release(&want);
	CHECK(has);
	CHECK(same);
	CHECK_OK(rc);
	CHECK_EQ_INT(left, 0); /* finish releases the builder */
}

static void
test_map_builder_empty_and_released(void)
{
	struct mp_map m;
	struct buf out = BUF_INIT;
	mp_map_init(&m);
	mp_map_finish(&m, &out);
	int empty = buf_is_hex(&out, "80");
	/* Released without finishing: nothing is written, nothing leaks. */
	mp_map_init(&m);
	for (int i = 0; i < 40; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%d", 39 - i);
		mp_put_uint(mp_map_add(&m, key), (uint64_t)i);
	}
	mp_map_release(&m);
	size_t len = out.len;
	buf_release(&out);
	CHECK(empty);
	CHECK_EQ_INT(len, 1);
	CHECK_EQ_INT(m.n, 0);
}

/* ---- every first byte ---- */

/* What the msgpack spec says the byte is, or the error it must give. */
static int
spec_first_byte(uint8_t c, enum mp_type *t)
{
	if (c <= 0x7f || (c >= 0xcc && c <= 0xcf))
		*t = MP_UINT;
	else if (c <= 0x8f || c == 0xde || c == 0xdf)
		*t = MP_MAP;
	else if (c <= 0x9f || c == 0xdc || c == 0xdd)
		*t = MP_ARRAY;
	else if (c <= 0xbf || c == 0xd9 || c == 0xda || c == 0xdb)
		*t = MP_STR;
	else if (c == 0xc0)
		*t = MP_NIL;
	else if (c == 0xc2 || c == 0xc3)
		*t = MP_BOOL;
	else if (c >= 0xc4 && c <= 0xc6)
		*t = MP_BIN;
	else if (c >= 0xd0 && c <= 0xd3)
		*t = MP_INT;
	else if (c >= 0xe0)
		*t = MP_INT;
	else
		return ERR_MALFORMED; /* c1, c7-cb, d4-d8 */
	return 0;
}

static void
test_every_first_byte_is_classified(void)
{
	for (int c = 0; c < 256; c++) {
		uint8_t *p = xmalloc(1);
		struct mp_reader r;
		enum mp_type want = MP_NIL, got = MP_NIL;
		char label[32];
		p[0] = (uint8_t)c;
		mp_reader_init(&r, p, 1, NULL);
		int rc = mp_peek(&r, &got);
		size_t off = mp_offset(&r);
		free(p);
		int want_rc = spec_first_byte((uint8_t)c, &want);
		snprintf(label, sizeof(label), "first byte 0x%02x", c);
		CHECK_CASE(rc, want_rc, label);
		if (rc == 0)
			CHECK_EQ_INT(got, want);
		CHECK_EQ_INT(off, 0); /* peek does not consume */
	}
}

/*
 * Every one-byte input: a complete value exactly when the byte is one,
 * truncated when it starts a longer value, malformed otherwise.
 */
static void
test_every_one_byte_input(void)
{
	for (int c = 0; c < 256; c++) {
		enum mp_type t;
		int want = spec_first_byte((uint8_t)c, &t);
		int complete = c <= 0x7f || c >= 0xe0 || c == 0xc0 ||
			       c == 0xc2 || c == 0xc3 || c == 0xa0 ||
			       c == 0x90 || c == 0x80;
		char label[32];
		uint8_t b = (uint8_t)c;
		if (want == 0 && !complete)
			want = ERR_TRUNCATED;
		snprintf(label, sizeof(label), "input 0x%02x", c);
		CHECK_CASE(check_exact(&b, 1), want, label);
	}
}

/* ---- floats, ext and 0xc1 ---- */

static const struct hex_case malformed_cases[] = {
	{ "float32", "ca 3f 80 00 00", ERR_MALFORMED },
	{ "float64", "cb 3f f0 00 00 00 00 00 00", ERR_MALFORMED },
	{ "float32 0.0", "ca 00 00 00 00", ERR_MALFORMED },
	{ "truncated float", "ca", ERR_MALFORMED },
	{ "ext8", "c7 01 01 00", ERR_MALFORMED },
	{ "ext16", "c8 00 01 01 00", ERR_MALFORMED },
	{ "ext32", "c9 00 00 00 01 01 00", ERR_MALFORMED },
	{ "ext32 huge", "c9 ff ff ff ff 01", ERR_MALFORMED },
	{ "fixext1", "d4 01 00", ERR_MALFORMED },
	{ "fixext2", "d5 01 00 00", ERR_MALFORMED },
	{ "fixext4", "d6 01 00 00 00 00", ERR_MALFORMED },
	{ "timestamp32", "d6 ff 00 00 00 00", ERR_MALFORMED },
	{ "fixext8", "d7 01 00 00 00 00 00 00 00 00", ERR_MALFORMED },
	{ "fixext16",
	  "d8 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_MALFORMED },
	{ "never used", "c1", ERR_MALFORMED },
	{ "0xc1 in an array", "92 01 c1", ERR_MALFORMED },
	{ "float as a map value", "81 a1 61 ca 00 00 00 00", ERR_MALFORMED },
	{ "ext deep down", "91 91 91 81 a1 61 d4 00 00", ERR_MALFORMED },
};

static void
test_floats_ext_and_c1_are_malformed(void)
{
	for (size_t i = 0;
	     i < sizeof(malformed_cases) / sizeof(malformed_cases[0]); i++)
		CHECK_CASE(check_hex(malformed_cases[i].hex),
			   malformed_cases[i].want, malformed_cases[i].label);
}

static void
test_malformed_detail_says_why(void)
{
	struct diag d1, d2, d3;
	size_t n;
	uint8_t *p = unhex("92 00 ca 00 00 00 00", &n);
	int rc1 = mp_check(p, n, &d1);
	free(p);
	p = unhex("c1", &n);
	int rc2 = mp_check(p, n, &d2);
	free(p);
	p = unhex("d4 01 00", &n);
	int rc3 = mp_check(p, n, &d3);
	free(p);
	CHECK_ERR(rc1, ERR_MALFORMED);
	CHECK_ERR(rc2, ERR_MALFORMED);
	CHECK_ERR(rc3, ERR_MALFORMED);
	CHECK(strstr(d1.text, "float") != NULL);
	CHECK(strstr(d1.text, "byte 2") != NULL);
	CHECK(strstr(d2.text, "0xc1") != NULL);
	CHECK(strstr(d3.text, "ext") != NULL);
}

/* ---- truncation and trailing bytes ---- */

/* A value that uses every kind of header, nested. */
static void
put_sample(struct buf *b)
{
	static const uint8_t blob[3] = { 0, 0xff, 0x80 };
	uint8_t big[300];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	mp_put_map(b, 6);
	mp_put_cstr(b, "arr");
	mp_put_array(b, 16);
	mp_put_uint(b, 0);
	mp_put_uint(b, 127);
	mp_put_uint(b, 128);
	mp_put_uint(b, 65536);
	mp_put_uint(b, 4294967296ull);
	mp_put_uint(b, UINT64_MAX);
	mp_put_int(b, -1);
	mp_put_int(b, -33);
	mp_put_int(b, -129);
	mp_put_int(b, -32769);
	mp_put_int(b, INT64_MIN);
	mp_put_nil(b);
	mp_put_bool(b, 1);
	mp_put_bool(b, 0);
	mp_put_array(b, 0);
	mp_put_map(b, 0);
	mp_put_cstr(b, "big");
	mp_put_bin(b, big, sizeof(big));
	mp_put_cstr(b, "bin");
	mp_put_bin(b, blob, sizeof(blob));
	mp_put_cstr(b, "long");
	mp_put_cstr(b, "a string of more than thirty-one bytes, so str8");
	mp_put_cstr(b, "map");
	mp_put_map(b, 1);
	mp_put_cstr(b, "k");
	mp_put_map(b, 1);
	mp_put_cstr(b, "deep");
	mp_put_array(b, 1);
	mp_put_array(b, 1);
	mp_put_uint(b, 1);
	mp_put_cstr(b, "utf");
	mp_put_cstr(b, "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void
test_sample_value_is_canonical(void)
{
	struct buf b = BUF_INIT;
	put_sample(&b);
	int rc = check_exact(b.data, b.len);
	buf_release(&b);
	CHECK_OK(rc);
}

static void
test_truncation_at_every_byte_is_truncated(void)
{
	struct buf b = BUF_INIT;
	put_sample(&b);
	for (size_t k = 0; k < b.len; k++) {
		int rc = check_exact(b.data, k);
		if (rc != ERR_TRUNCATED) {
			size_t len = b.len;
			buf_release(&b);
			harness_fail(__FILE__, __LINE__,
				     "first %zu of %zu bytes: got %s, expected "
				     "ERR_TRUNCATED",
				     k, len, err_name(rc));
			return;
		}
	}
	buf_release(&b);
}

static void
test_truncated_typed_reads(void)
{
	static const struct {
		const char *hex;
		int kind; /* 0 uint 1 int 2 str 3 bin 4 array 5 map 6 nil
			     7 bool */
	} cases[] = {
		{ "", 0 },		{ "cc", 0 },	      { "cd 01", 0 },
		{ "ce 00 01 00", 0 },	{ "cf 00 00 00 01", 0 },
		{ "", 1 },		{ "d0", 1 },	      { "d1 80", 1 },
		{ "d2 80 00 00", 1 },	{ "d3 80 00", 1 },    { "", 2 },
		{ "a3 61 62", 2 },	{ "d9", 2 },	      { "d9 20 61", 2 },
		{ "da 01", 2 },		{ "db 00 01 00", 2 }, { "", 3 },
		{ "c4", 3 },		{ "c4 05 00", 3 },    { "c5 01", 3 },
		{ "c6 00 01 00 00", 3 }, { "", 4 },	      { "92 c0", 4 },
		{ "dc 00", 4 },		{ "dc 00 10 c0", 4 }, { "", 5 },
		{ "81 a1", 5 },		{ "de 00", 5 },	      { "", 6 },
		{ "", 7 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		uint8_t *p = unhex(cases[i].hex, &n);
		struct mp_reader r;
		uint64_t u;
		int64_t s;
		const char *str;
		const uint8_t *bin;
		size_t len;
		uint32_t count;
		int v, rc = 0;
		char label[64];
		mp_reader_init(&r, p, n, NULL);
		switch (cases[i].kind) {
		case 0: rc = mp_get_uint(&r, &u); break;
		case 1: rc = mp_get_int(&r, &s); break;
		case 2: rc = mp_get_str(&r, &str, &len); break;
		case 3: rc = mp_get_bin(&r, &bin, &len); break;
		case 4: rc = mp_get_array(&r, &count); break;
		case 5: rc = mp_get_map(&r, &count); break;
		case 6: rc = mp_get_nil(&r); break;
		default: rc = mp_get_bool(&r, &v); break;
		}
		free(p);
		snprintf(label, sizeof(label), "reader %d on '%s'",
			 cases[i].kind, cases[i].hex);
		CHECK_CASE(rc, ERR_TRUNCATED, label);
	}
}

static void
test_trailing_bytes_are_refused(void)
{
	static const struct hex_case cases[] = {
		{ "two nils", "c0 c0", ERR_TRAILING },
		{ "int then zero", "01 00", ERR_TRAILING },
		{ "array then garbage", "91 01 c1", ERR_TRAILING },
		{ "map then nil", "80 c0", ERR_TRAILING },
		{ "str then byte", "a1 61 62", ERR_TRAILING },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_CASE(check_hex(cases[i].hex), cases[i].want,
			   cases[i].label);

	struct buf b = BUF_INIT;
	struct diag d;
	put_sample(&b);
	size_t len = b.len;
	buf_add_byte(&b, 0);
	int rc = mp_check(b.data, b.len, &d);
	buf_release(&b);
	CHECK_ERR(rc, ERR_TRAILING);
	char want[64];
	snprintf(want, sizeof(want), "at byte %zu", len);
	CHECK(strstr(d.text, want) != NULL);
}

static void
test_empty_input_is_truncated(void)
{
	CHECK_ERR(check_exact("", 0), ERR_TRUNCATED);
}

/* ---- maps ---- */

static const struct hex_case map_cases[] = {
	{ "ascending keys", "82 a1 61 01 a1 62 02", 0 },
	{ "descending keys", "82 a1 62 01 a1 61 02", ERR_NONCANON },
	{ "repeated key", "82 a1 61 01 a1 61 02", ERR_NONCANON },
	{ "repeated empty key", "82 a0 01 a0 02", ERR_NONCANON },
	{ "prefix first", "82 a1 61 01 a2 61 62 02", 0 },
	{ "prefix last", "82 a2 61 62 01 a1 61 02", ERR_NONCANON },
	{ "empty key first", "82 a0 01 a1 61 02", 0 },
	{ "empty key last", "82 a1 61 01 a0 02", ERR_NONCANON },
	{ "bytes compare unsigned", "82 a1 7a 01 a2 c3 a9 02", 0 },
	{ "unsigned order broken", "82 a2 c3 a9 01 a1 7a 02", ERR_NONCANON },
	{ "upper before lower", "82 a1 42 01 a1 61 02", 0 },
	{ "third key out of order", "83 a1 61 01 a1 63 02 a1 62 03",
	  ERR_NONCANON },
	{ "order checked in nested map", "81 a1 61 82 a1 79 01 a1 78 02",
	  ERR_NONCANON },
	{ "order checked inside an array", "91 82 a1 62 01 a1 61 02",
	  ERR_NONCANON },
	{ "same key in sibling maps", "92 81 a1 61 01 81 a1 61 02", 0 },
	{ "int key", "81 01 02", ERR_FORMAT },
	{ "negative int key", "81 ff 02", ERR_FORMAT },
	{ "nil key", "81 c0 02", ERR_FORMAT },
	{ "bool key", "81 c3 02", ERR_FORMAT },
	{ "bin key", "81 c4 01 61 02", ERR_FORMAT },
	{ "array key", "81 90 02", ERR_FORMAT },
	{ "map key", "81 80 02", ERR_FORMAT },
	{ "second key not a str", "82 a1 61 01 02 03", ERR_FORMAT },
	{ "nested non-str key", "81 a1 61 81 01 02", ERR_FORMAT },
};

static void
test_map_keys_order_and_type(void)
{
	for (size_t i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++)
		CHECK_CASE(check_hex(map_cases[i].hex), map_cases[i].want,
			   map_cases[i].label);
}

static void
test_map_key_detail_names_the_key_offset(void)
{
	struct diag d1, d2;
	size_t n;
	uint8_t *p = unhex("82 a1 62 01 a1 61 02", &n);
	int rc1 = mp_check(p, n, &d1);
	free(p);
	p = unhex("82 a1 61 01 02 03", &n);
	int rc2 = mp_check(p, n, &d2);
	free(p);
	CHECK_ERR(rc1, ERR_NONCANON);
	CHECK(strstr(d1.text, "byte 4") != NULL);
	CHECK_ERR(rc2, ERR_FORMAT);
	CHECK(strstr(d2.text, "map key at byte 4") != NULL);
}

static void
test_key_cmp_is_bytewise_with_prefix_first(void)
{
	CHECK(mp_key_cmp("a", 1, "b", 1) < 0);
	CHECK(mp_key_cmp("b", 1, "a", 1) > 0);
	CHECK(mp_key_cmp("a", 1, "a", 1) == 0);
	CHECK(mp_key_cmp("a", 1, "ab", 2) < 0);
	CHECK(mp_key_cmp("ab", 2, "a", 1) > 0);
	CHECK(mp_key_cmp("", 0, "a", 1) < 0);
	CHECK(mp_key_cmp("", 0, "", 0) == 0);
	CHECK(mp_key_cmp("z", 1, "\xc3\xa9", 2) < 0);
	CHECK(mp_key_cmp("Z", 1, "a", 1) < 0);
	CHECK(mp_key_cmp("a\0b", 3, "a", 1) > 0);
	CHECK(mp_key_cmp("a\0", 2, "a\x01", 2) < 0);
}

static void
test_map_find_finds_present_keys(void)
{
	/* {"a": 1, "bb": {"x": [1, 2]}, "c": "yes", "d": nil} */
	struct buf b = BUF_INIT;
	mp_put_map(&b, 4);
	mp_put_cstr(&b, "a");
	mp_put_uint(&b, 1);
	mp_put_cstr(&b, "bb");
	mp_put_map(&b, 1);
	mp_put_cstr(&b, "x");
	mp_put_array(&b, 2);
	mp_put_uint(&b, 1);
	mp_put_uint(&b, 2);
	mp_put_cstr(&b, "c");
	mp_put_cstr(&b, "yes");
	mp_put_cstr(&b, "d");
	mp_put_nil(&b);

	struct mp_reader r, v;
	uint64_t u = 0;
	const char *s = NULL;
	size_t sn = 0;
	uint32_t count = 0;
	mp_reader_init(&r, b.data, b.len, NULL);
	int rc_a = mp_map_find(&r, "a", &v);
	int get_a = rc_a ? rc_a : mp_get_uint(&v, &u);
	int rc_c = mp_map_find(&r, "c", &v);
	int get_c = rc_c ? rc_c : mp_get_str(&v, &s, &sn);
	int rc_b = mp_map_find(&r, "bb", &v);
	int get_b = rc_b ? rc_b : mp_get_map(&v, &count);
	int rc_d = mp_map_find(&r, "d", &v);
	int get_d = rc_d ? rc_d : mp_get_nil(&v);
	size_t off = mp_offset(&r);
	int s_ok = s && sn == 3 && memcmp(s, "yes", 3) == 0;
	buf_release(&b);
	CHECK_OK(get_a);
	CHECK(u == 1);
	CHECK_OK(get_c);
	CHECK(s_ok);
	CHECK_OK(get_b);
	CHECK_EQ_INT(count, 1);
	CHECK_OK(get_d);
	CHECK_EQ_INT(off, 0); /* the map reader is left where it was */
}

static void
test_map_find_reports_absent_keys(void)
{
	static const char *const absent[] = { "", "0", "b", "bbb", "cc",
					      "z", "A", "\xc3\xa9" };
	struct buf b = BUF_INIT;
	struct mp_reader r, v;
	mp_put_map(&b, 3);
	mp_put_cstr(&b, "a");
	mp_put_uint(&b, 1);
	mp_put_cstr(&b, "bb");
	mp_put_array(&b, 1);
	mp_put_uint(&b, 2);
	mp_put_cstr(&b, "c");
	mp_put_uint(&b, 3);
	mp_reader_init(&r, b.data, b.len, NULL);
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		int rc = mp_map_find(&r, absent[i], &v);
		if (rc != ERR_NOTFOUND) {
			buf_release(&b);
			harness_fail(__FILE__, __LINE__,
				     "key '%s': got %s, expected ERR_NOTFOUND",
				     absent[i], err_name(rc));
			return;
		}
	}
	buf_release(&b);
}

static void
test_map_find_on_empty_map_and_non_map(void)
{
	struct mp_reader r, v;
	uint8_t empty[1] = { 0x80 };
	uint8_t arr[2] = { 0x91, 0x01 };
	mp_reader_init(&r, empty, sizeof(empty), NULL);
	CHECK_ERR(mp_map_find(&r, "a", &v), ERR_NOTFOUND);
	mp_reader_init(&r, arr, sizeof(arr), NULL);
	CHECK_ERR(mp_map_find(&r, "a", &v), ERR_FORMAT);
	mp_reader_init(&r, arr, 0, NULL);
	CHECK(mp_map_find(&r, "a", &v) != 0);
}

static void
test_is_map_looks_at_the_header(void)
{
	uint8_t b80 = 0x80, b90 = 0x90, bc1 = 0xc1, bde[3] = { 0xde, 0, 16 };
	CHECK_EQ_INT(mp_is_map(&b80, 1), 1);
	CHECK_EQ_INT(mp_is_map(bde, 3), 1);
	CHECK_EQ_INT(mp_is_map(&b90, 1), 0);
	CHECK_EQ_INT(mp_is_map(&bc1, 1), 0);
	CHECK_EQ_INT(mp_is_map(&b80, 0), 0);
}

/* ---- UTF-8 ---- */

static const struct hex_case utf8_cases[] = {
	{ "U+0000", "a1 00", 0 },
	{ "U+007F", "a1 7f", 0 },
	{ "U+0080", "a2 c2 80", 0 },
	{ "U+07FF", "a2 df bf", 0 },
	{ "U+0800", "a3 e0 a0 80", 0 },
	{ "U+D7FF", "a3 ed 9f bf", 0 },
	{ "U+E000", "a3 ee 80 80", 0 },
	{ "U+FFFD", "a3 ef bf bd", 0 },
	{ "U+FFFF", "a3 ef bf bf", 0 },
	{ "U+10000", "a4 f0 90 80 80", 0 },
	{ "U+10FFFF", "a4 f4 8f bf bf", 0 },
	{ "overlong NUL", "a2 c0 80", ERR_MALFORMED },
	{ "overlong 0x7f", "a2 c1 bf", ERR_MALFORMED },
	{ "overlong 3-byte", "a3 e0 80 80", ERR_MALFORMED },
	{ "overlong U+07FF", "a3 e0 9f bf", ERR_MALFORMED },
	{ "overlong 4-byte", "a4 f0 80 80 80", ERR_MALFORMED },
	{ "overlong U+FFFF", "a4 f0 8f bf bf", ERR_MALFORMED },
	{ "high surrogate", "a3 ed a0 80", ERR_MALFORMED },
	{ "low surrogate", "a3 ed bf bf", ERR_MALFORMED },
	{ "CESU-8 pair", "a6 ed a0 bd ed b8 80", ERR_MALFORMED },
	{ "U+110000", "a4 f4 90 80 80", ERR_MALFORMED },
	{ "f5 lead", "a4 f5 80 80 80", ERR_MALFORMED },
	{ "f7 lead", "a4 f7 bf bf bf", ERR_MALFORMED },
	{ "5-byte form", "a5 f8 88 80 80 80", ERR_MALFORMED },
	{ "6-byte form", "a6 fc 84 80 80 80 80", ERR_MALFORMED },
	{ "fe", "a1 fe", ERR_MALFORMED },
	{ "ff", "a1 ff", ERR_MALFORMED },
	{ "lone continuation", "a1 80", ERR_MALFORMED },
	{ "continuation after ascii", "a2 61 bf", ERR_MALFORMED },
	{ "2-byte cut at end", "a1 c3", ERR_MALFORMED },
	{ "3-byte cut at end", "a2 e2 82", ERR_MALFORMED },
	{ "4-byte cut at end", "a3 f0 9f 98", ERR_MALFORMED },
	{ "cut before ascii", "a2 c3 41", ERR_MALFORMED },
	{ "3-byte cut before ascii", "a3 e2 82 41", ERR_MALFORMED },
	{ "bad byte in str8", "d9 20 61 61 61 61 61 61 61 61 61 61 61 61 61 "
	  "61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 ff",
	  ERR_MALFORMED },
	{ "bad key", "81 a1 ff c0", ERR_MALFORMED },
	{ "bad str in array", "92 a0 a1 80", ERR_MALFORMED },
	{ "bin is not UTF-8 checked", "c4 02 ff fe", 0 },
};

static void
test_utf8_is_strict(void)
{
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]);
	     i++)
		CHECK_CASE(check_hex(utf8_cases[i].hex), utf8_cases[i].want,
			   utf8_cases[i].label);
}

static void
test_utf8_refused_by_get_str(void)
{
	size_t n;
	uint8_t *p = unhex("a3 ed a0 80", &n);
	struct mp_reader r;
	struct diag d;
	const char *s;
	size_t len;
	mp_reader_init(&r, p, n, &d);
	int rc = mp_get_str(&r, &s, &len);
	free(p);
	CHECK_ERR(rc, ERR_MALFORMED);
	CHECK(strstr(d.text, "UTF-8") != NULL);
}

/* ---- depth ---- */

/* n nested arrays (or maps {"a": ...}) around a nil. */
static void
put_nested(struct buf *b, int n, int maps)
{
	for (int i = 0; i < n; i++) {
		if (maps) {
			mp_put_map(b, 1);
			mp_put_cstr(b, "a");
		} else {
			mp_put_array(b, 1);
		}
	}
	mp_put_nil(b);
}

static void
test_nesting_up_to_the_limit_is_accepted(void)
{
	for (int maps = 0; maps < 2; maps++) {
		struct buf b = BUF_INIT;
		put_nested(&b, MP_MAX_DEPTH, maps);
		int rc = check_exact(b.data, b.len);
		buf_release(&b);
		CHECK_CASE(rc, 0, maps ? "maps" : "arrays");
	}
	/* Empty containers at the bottom count as levels too. */
	struct buf b = BUF_INIT;
	for (int i = 0; i < MP_MAX_DEPTH - 1; i++)
		mp_put_array(&b, 1);
	mp_put_map(&b, 0);
	int rc = check_exact(b.data, b.len);
	buf_release(&b);
	CHECK_OK(rc);
}

static void
test_nesting_past_the_limit_is_malformed(void)
{
	for (int maps = 0; maps < 2; maps++) {
		struct buf b = BUF_INIT;
		struct diag d;
		put_nested(&b, MP_MAX_DEPTH + 1, maps);
		int rc = mp_check(b.data, b.len, &d);
		buf_release(&b);
		CHECK_CASE(rc, ERR_MALFORMED, maps ? "maps" : "arrays");
		CHECK(strstr(d.text, "nesting") != NULL);
	}
	struct buf b = BUF_INIT;
	for (int i = 0; i < MP_MAX_DEPTH; i++)
		mp_put_array(&b, 1);
	mp_put_array(&b, 0);
	int rc = check_exact(b.data, b.len);
	buf_release(&b);
	CHECK_ERR(rc, ERR_MALFORMED);
}

static void
test_very_deep_nesting_stops_at_the_limit(void)
{
	/* 100000 nested arrays: refused without deep recursion. */
	size_t n = 100000;
	uint8_t *p = xmalloc(n + 1);
	memset(p, 0x91, n);
	p[n] = 0xc0;
	int rc = mp_check(p, n + 1, NULL);
	memset(p, 0xdd, n); /* array32 headers that claim 0xdddddddd */
	int rc2 = mp_check(p, n, NULL);
	free(p);
	CHECK_ERR(rc, ERR_MALFORMED);
	CHECK(rc2 == ERR_TRUNCATED || rc2 == ERR_MALFORMED);
}

/* ---- huge claimed lengths ---- */

static const struct hex_case huge_cases[] = {
	{ "array32 of 2^32-1", "dd ff ff ff ff c0 c0 c0", ERR_TRUNCATED },
	{ "array16 of 65535", "dc ff ff c0", ERR_TRUNCATED },
	{ "map32 of 2^32-1", "df ff ff ff ff a1 61 c0", ERR_TRUNCATED },
	{ "map16 of 65535", "de ff ff a1 61 c0", ERR_TRUNCATED },
	{ "str32 of 2^32-1", "db ff ff ff ff 61 62 63", ERR_TRUNCATED },
	{ "bin32 of 2^32-1", "c6 ff ff ff ff 00", ERR_TRUNCATED },
	{ "nested array32", "91 91 dd ff ff ff ff 01 02", ERR_TRUNCATED },
	{ "map value array32", "81 a1 61 dd 80 00 00 00 c0", ERR_TRUNCATED },
	{ "fixarray short by one", "93 01 02", ERR_TRUNCATED },
	{ "fixmap short by a value", "82 a1 61 01 a1 62", ERR_TRUNCATED },
};

static void
test_huge_claimed_counts_are_truncated_at_once(void)
{
	clock_t start = clock();
	size_t n = sizeof(huge_cases) / sizeof(huge_cases[0]);
	for (int round = 0; round < 1000; round++)
		for (size_t i = 0; i < n; i++)
			CHECK_CASE(check_hex(huge_cases[i].hex),
				   huge_cases[i].want, huge_cases[i].label);
	/* A reader that looped over the claimed count (or allocated for
	 * it) would take seconds per case, not microseconds. */
	double secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	CHECK(secs < 5.0);
}

static void
test_array_of_65535_nils_one_short_is_truncated(void)
{
	size_t n = 3 + 65534;
	uint8_t *p = xmalloc(n + 1);
	p[0] = 0xdc;
	p[1] = 0xff;
	p[2] = 0xff;
	memset(p + 3, 0xc0, 65535);
	int rc_short = check_exact(p, n);
	int rc_full = check_exact(p, n + 1);
	free(p);
	CHECK_ERR(rc_short, ERR_TRUNCATED);
	CHECK_OK(rc_full);
}

/* ---- typed readers ---- */

static void
test_typed_readers_refuse_other_types(void)
{
	static const struct {
		const char *hex;
		int kind; /* as in test_truncated_typed_reads */
	} cases[] = {
		{ "00", 6 },	{ "c0", 7 },	{ "a0", 0 },	{ "c3", 1 },
		{ "c4 00", 2 }, { "a0", 3 },	{ "80", 4 },	{ "90", 5 },
		{ "c0", 0 },	{ "90", 2 },	{ "01", 3 },	{ "ff", 5 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		uint8_t *p = unhex(cases[i].hex, &n);
		struct mp_reader r;
		struct diag d;
		uint64_t u;
		int64_t s;
		const char *str;
		const uint8_t *bin;
		size_t len;
		uint32_t count;
		int v, rc;
		char label[64];
		mp_reader_init(&r, p, n, &d);
		switch (cases[i].kind) {
		case 0: rc = mp_get_uint(&r, &u); break;
		case 1: rc = mp_get_int(&r, &s); break;
		case 2: rc = mp_get_str(&r, &str, &len); break;
		case 3: rc = mp_get_bin(&r, &bin, &len); break;
		case 4: rc = mp_get_array(&r, &count); break;
		case 5: rc = mp_get_map(&r, &count); break;
		case 6: rc = mp_get_nil(&r); break;
		default: rc = mp_get_bool(&r, &v); break;
		}
		free(p);
		snprintf(label, sizeof(label), "reader %d on '%s'",
			 cases[i].kind, cases[i].hex);
		CHECK_CASE(rc, ERR_FORMAT, label);
		CHECK(strstr(d.text, "expected") != NULL);
	}
}

static void
test_get_value_spans_one_value(void)
{
	/* [ {"a": [1, 2]}, "x", nil ] read element by element */
	size_t n;
	uint8_t *p = unhex("93 81 a1 61 92 01 02 a1 78 c0", &n);
	struct mp_reader r;
	const uint8_t *s1 = NULL, *s2 = NULL, *s3 = NULL;
	size_t n1 = 0, n2 = 0, n3 = 0;
	uint32_t count = 0;
	mp_reader_init(&r, p, n, NULL);
	int rc0 = mp_get_array(&r, &count);
	size_t off = mp_offset(&r);
	int rc1 = mp_get_value(&r, &s1, &n1);
	int rc2 = mp_get_value(&r, &s2, &n2);
	int rc3 = mp_get_value(&r, &s3, &n3);
	size_t left = mp_remaining(&r);
	int rc4 = mp_get_value(&r, &s3, &n3);
	int ok = s1 == p + 1 && n1 == 6 && s2 == p + 7 && n2 == 2 &&
		 s3 == p + 9 && n3 == 1;
	free(p);
	CHECK_OK(rc0);
	CHECK_EQ_INT(count, 3);
	CHECK_EQ_INT(off, 1);
	CHECK_OK(rc1);
	CHECK_OK(rc2);
	CHECK_OK(rc3);
	CHECK(ok);
	CHECK_EQ_INT(left, 0);
	CHECK_ERR(rc4, ERR_TRUNCATED);
}

static void
test_offsets_count_from_the_slice_start(void)
{
	size_t n;
	uint8_t *p = unhex("92 cd 01 00 a2 68 69", &n);
	struct mp_reader r;
	uint32_t count;
	uint64_t u;
	const char *s;
	size_t len;
	mp_reader_init(&r, p, n, NULL);
	size_t o0 = mp_offset(&r), r0 = mp_remaining(&r);
	int rc1 = mp_get_array(&r, &count);
	size_t o1 = mp_offset(&r);
	int rc2 = mp_get_uint(&r, &u);
	size_t o2 = mp_offset(&r);
	int rc3 = mp_get_str(&r, &s, &len);
	size_t o3 = mp_offset(&r), r3 = mp_remaining(&r);
	free(p);
	CHECK_EQ_INT(o0, 0);
	CHECK_EQ_INT(r0, 7);
	CHECK_OK(rc1);
	CHECK_EQ_INT(o1, 1);
	CHECK_OK(rc2);
	CHECK_EQ_INT(u, 256);
	CHECK_EQ_INT(o2, 4);
	CHECK_OK(rc3);
	CHECK_EQ_INT(len, 2);
	CHECK_EQ_INT(o3, 7);
	CHECK_EQ_INT(r3, 0);
}

static void
test_diag_is_untouched_on_success(void)
{
	struct buf b = BUF_INIT;
	struct diag d;
	snprintf(d.text, sizeof(d.text), "untouched");
	put_sample(&b);
	int rc = mp_check(b.data, b.len, &d);
	buf_release(&b);
	CHECK_OK(rc);
	CHECK_EQ_STR(d.text, "untouched");
}

static void
test_errors_without_diag_are_fine(void)
{
	CHECK_ERR(check_hex("cc 05"), ERR_NONCANON);
	CHECK_ERR(check_exact("\xcd\x01", 2), ERR_TRUNCATED);
	CHECK_ERR(check_exact("\xc1", 1), ERR_MALFORMED);
	CHECK_ERR(check_exact("\xc0\xc0", 2), ERR_TRAILING);
	CHECK_ERR(check_exact("\x81\x01\x02", 3), ERR_FORMAT);
}

/*
 * A cursor answers every lookup as mp_map_find() does, whatever the order
 * of the lookups: random maps, and random sequences of keys present and
 * absent (before the first, between two, after the last), in order, in
 * reverse and shuffled.
 */
static void
test_map_cursor_agrees_with_find(void)
{
	uint64_t seed = test_seed(), st = seed;
	for (int trial = 0; trial < 300; trial++) {
		struct mp_map m;
		struct buf out = BUF_INIT;
		char keys[24][8];
		size_t nkeys = test_rand(&st) % 24;
		mp_map_init(&m);
		for (size_t i = 0; i < nkeys; i++) {
			/* Even numbers only, so odd ones fall between keys. */
			snprintf(keys[i], sizeof(keys[i]), "k%02u", (unsigned)(2 * i + 2));
			mp_put_uint(mp_map_add(&m, keys[i]), i);
		}
		mp_map_finish(&m, &out);
		struct mp_reader r;
		struct mp_map_cursor c;
		mp_reader_init(&r, out.data, out.len, NULL);
		CHECK_OK(mp_map_cursor_init(&c, &r));
		for (int q = 0; q < 60; q++) {
			char key[8];
			unsigned k = (unsigned)(test_rand(&st) % (2 * nkeys + 4));
			if (trial % 3 == 1)
				k = (unsigned)q % (2 * nkeys + 4); /* ascending */
			else if (trial % 3 == 2)
				k = (unsigned)(2 * nkeys + 3 - q % (2 * nkeys + 4)); /* descending */
			snprintf(key, sizeof(key), "k%02u", k);
			struct mp_reader a, b;
			uint64_t va = 0, vb = 0;
			int ra = mp_map_find(&r, key, &a);
			int rb = mp_map_cursor_find(&c, key, &b);
			if (ra == 0)
				CHECK_OK(mp_get_uint(&a, &va));
			if (rb == 0)
				CHECK_OK(mp_get_uint(&b, &vb));
			if (ra != rb || va != vb) {
				harness_fail(__FILE__, __LINE__,
					     "seed %llu, trial %d: '%s' find %s %llu, cursor %s %llu",
					     (unsigned long long)seed, trial, key,
					     err_name(ra), (unsigned long long)va,
					     err_name(rb), (unsigned long long)vb);
				buf_release(&out);
				return;
			}
		}
		/* Wherever the queries left it, the end checks the rest. */
		struct mp_map_cursor e = c;
		CHECK_OK(mp_map_cursor_end(&e));
		buf_add(&out, "", 1); /* a byte (zero) after the map */
		mp_reader_init(&r, out.data, out.len, NULL);
		CHECK_OK(mp_map_cursor_init(&c, &r));
		CHECK_ERR(mp_map_cursor_end(&c), ERR_TRAILING);
		buf_release(&out);
	}
}

/*
 * A decoder that reads its fields through the cursor and ends with
 * mp_map_cursor_end() checks every byte, as a first mp_check() would:
 * a malformed value past the last field read, or before it after the
 * cursor went back to the first entry, is found.
 */
static void
test_map_cursor_end_checks_the_rest(void)
{
	/* {"a": 1, "b": 2, "c": <bad>}, the bad value an uint8 in two
	 * bytes (non-canonical), so mp_check refuses the map. */
	static const uint8_t bad_last[] = { 0x83, 0xa1, 'a', 0x01, 0xa1, 'b',
					    0x02, 0xa1, 'c', 0xcc, 0x05 };
	/* {"a": <bad>, "b": 2} */
	static const uint8_t bad_first[] = { 0x82, 0xa1, 'a', 0xcc, 0x05,
					     0xa1, 'b', 0x02 };
	struct mp_reader r, v;
	struct mp_map_cursor c;
	CHECK(mp_check(bad_last, sizeof(bad_last), NULL) != 0);
	mp_reader_init(&r, bad_last, sizeof(bad_last), NULL);
	CHECK_OK(mp_map_cursor_init(&c, &r));
	CHECK_OK(mp_map_cursor_find(&c, "b", &v));
	CHECK_ERR(mp_map_cursor_end(&c), ERR_FORMAT);
	/* Back to the first entry and on past it: still found. */
	CHECK_OK(mp_map_cursor_init(&c, &r));
	CHECK_OK(mp_map_cursor_find(&c, "b", &v));
	CHECK_OK(mp_map_cursor_find(&c, "a", &v));
	CHECK_ERR(mp_map_cursor_end(&c), ERR_FORMAT);
	/* A field read before the end was checked as it was stepped over. */
	mp_reader_init(&r, bad_first, sizeof(bad_first), NULL);
	CHECK_OK(mp_map_cursor_init(&c, &r));
	CHECK_ERR(mp_map_cursor_find(&c, "b", &v), ERR_FORMAT);
}

static void
test_map_get_copies_typed_values(void)
{
	struct buf b = BUF_INIT;
	struct mp_reader r;
	char str[4];
	uint64_t u;
	uint8_t bin[2];
	/* {"b": bin 2, "n": 7, "s": "abc"} */
	mp_put_map(&b, 3);
	mp_put_cstr(&b, "b");
	mp_put_bin(&b, "\x01\x02", 2);
	mp_put_cstr(&b, "n");
	mp_put_uint(&b, 7);
	mp_put_cstr(&b, "s");
	mp_put_cstr(&b, "abc");
	mp_reader_init(&r, b.data, b.len, NULL);
	CHECK_OK(mp_map_get_str(&r, "s", str, sizeof(str)));
	CHECK(strcmp(str, "abc") == 0);
	CHECK_OK(mp_map_get_uint(&r, "n", &u));
	CHECK_EQ_INT(u, 7);
	CHECK_OK(mp_map_get_bin(&r, "b", bin, 2));
	CHECK(bin[0] == 1 && bin[1] == 2);
	/* Too long for out, another type, another size, absent. */
	CHECK_ERR(mp_map_get_str(&r, "s", str, 3), ERR_FORMAT);
	CHECK_ERR(mp_map_get_str(&r, "n", str, sizeof(str)), ERR_FORMAT);
	CHECK_ERR(mp_map_get_uint(&r, "s", &u), ERR_FORMAT);
	CHECK_ERR(mp_map_get_bin(&r, "b", bin, 1), ERR_FORMAT);
	CHECK_ERR(mp_map_get_uint(&r, "x", &u), ERR_NOTFOUND);
	buf_release(&b);
}

/* A canonical map of the keys whose bit is set in mask, from a sorted
 * list, each key's value its position (a string value for odd ones). */
static const char *const part_keys[] = { "a", "ab", "b", "disposals",
					   "steps", "z", "zz" };
#define NPART_KEYS 7

static void
map_of(unsigned mask, struct buf *out)
{
	uint32_t n = 0;
	for (int i = 0; i < NPART_KEYS; i++)
		n += (mask >> i) & 1;
	mp_put_map(out, n);
	for (int i = 0; i < NPART_KEYS; i++) {
		if (!((mask >> i) & 1))
			continue;
		mp_put_cstr(out, part_keys[i]);
		if (i & 1)
			mp_put_cstr(out, "value");
		else
			mp_put_uint(out, (uint64_t)i * 1000);
	}
}

/*
 * Every map of the seven keys, cut in two by every set of keys (the
 * chosen in one map, none when no key is chosen; the others in the
 * other): merging the two, in either order, gives the whole map's very
 * bytes.
 */
static void
test_map_merge_of_two_parts_gives_the_whole(void)
{
	struct buf full = BUF_INIT, kept = BUF_INIT, moved = BUF_INIT,
		   again = BUF_INIT;
	for (unsigned mask = 0; mask < (1u << NPART_KEYS); mask++) {
		buf_reset(&full);
		map_of(mask, &full);
		for (unsigned chosen = 0; chosen < (1u << NPART_KEYS); chosen++) {
			buf_reset(&kept);
			buf_reset(&moved);
			map_of(mask & ~chosen, &kept);
			if (mask & chosen)
				map_of(mask & chosen, &moved);
			buf_reset(&again);
			CHECK_OK(mp_map_merge(kept.data, kept.len, moved.data,
					      moved.len, &again));
			CHECK_EQ_INT(again.len, full.len);
			CHECK_EQ_MEM(again.data, full.data, full.len);
			if (moved.len) {
				buf_reset(&again);
				CHECK_OK(mp_map_merge(moved.data, moved.len,
						      kept.data, kept.len,
						      &again));
				CHECK_EQ_MEM(again.data, full.data, full.len);
			}
		}
	}
	buf_release(&full);
	buf_release(&kept);
	buf_release(&moved);
	buf_release(&again);
}

/* A key in both maps, or a map that is not canonical, is refused and
 * leaves what was written before as it was. */
static void
test_map_merge_refuses_a_key_twice_and_bad_maps(void)
{
	struct buf a = BUF_INIT, b = BUF_INIT, out = BUF_INIT;
	map_of(0x13, &a); /* a, ab, steps */
	map_of(0x10, &b); /* steps */
	buf_add_str(&out, "kept");
	CHECK_ERR(mp_map_merge(a.data, a.len, b.data, b.len, &out), ERR_FORMAT);
	CHECK_EQ_INT(out.len, 4);
	/* Keys out of order in b: not canonical. */
	buf_reset(&b);
	mp_put_map(&b, 2);
	mp_put_cstr(&b, "z");
	mp_put_uint(&b, 1);
	mp_put_cstr(&b, "b");
	mp_put_uint(&b, 2);
	buf_reset(&a);
	map_of(0x01, &a);
	CHECK_ERR(mp_map_merge(a.data, a.len, b.data, b.len, &out),
		  ERR_NONCANON);
	CHECK_EQ_INT(out.len, 4);
	/* Not a map, and bytes after the map. */
	buf_reset(&b);
	mp_put_array(&b, 0);
	CHECK_ERR(mp_map_merge(a.data, a.len, b.data, b.len, &out), ERR_FORMAT);
	buf_add_byte(&a, 0x00);
	CHECK_ERR(mp_map_merge(a.data, a.len, NULL, 0, &out), ERR_TRAILING);
	CHECK_ERR(mp_map_merge(b.data, b.len, a.data, a.len, &out), ERR_FORMAT);
	buf_reset(&b);
	map_of(0x02, &b); /* ab */
	CHECK_ERR(mp_map_merge(b.data, b.len, a.data, a.len, &out),
		  ERR_TRAILING);
	/* A value not in its shortest form, deep in the map. */
	buf_reset(&b);
	mp_put_map(&b, 1);
	mp_put_cstr(&b, "b");
	mp_put_array(&b, 1);
	buf_add(&b, "\xcc\x05", 2); /* 5 as a uint8 */
	buf_reset(&a);
	map_of(0x01, &a);
	CHECK_ERR(mp_map_merge(a.data, a.len, b.data, b.len, &out),
		  ERR_NONCANON);
	CHECK_EQ_INT(out.len, 4);
	buf_release(&a);
	buf_release(&b);
	buf_release(&out);
}

static const struct test tests[] = {
	{ "mp_map_get_* copy a key's value of the right type and size",
	  test_map_get_copies_typed_values },
	{ "a map cursor agrees with mp_map_find in any order",
	  test_map_cursor_agrees_with_find },
	{ "a map cursor's end checks the entries not read and refuses trailing bytes",
	  test_map_cursor_end_checks_the_rest },
	{ "unsigned boundaries are written shortest and read back",
	  test_uint_boundaries },
	{ "unsigned boundaries read as int64 up to INT64_MAX",
	  test_uint_boundaries_as_int },
	{ "non-negative int64 is written in the unsigned forms",
	  test_put_int_non_negative_is_unsigned },
	{ "negative boundaries are written shortest and read back",
	  test_int_boundaries },
	{ "negative integers are not unsigned", test_negative_is_not_uint },
	{ "every non-shortest form is refused as non-canonical",
	  test_noncanonical_forms_are_refused },
	{ "typed integer readers refuse non-shortest forms",
	  test_noncanonical_integers_are_refused_by_typed_readers },
	{ "typed header readers refuse non-shortest forms",
	  test_noncanonical_headers_are_refused_by_typed_readers },
	{ "a non-canonical value's detail names its offset",
	  test_noncanonical_detail_names_the_offset },
	{ "the shortest headers at each width edge are accepted",
	  test_header_boundaries_are_accepted },
	{ "the writer picks the shortest str bin array and map headers",
	  test_writer_picks_the_shortest_headers },
	{ "str and bin round trip at every width edge",
	  test_str_and_bin_round_trip },
	{ "nil and booleans round trip", test_nil_and_bool_round_trip },
	{ "a map built in any order comes out sorted",
	  test_map_builder_sorts_keys },
	{ "an empty built map, and one released unfinished",
	  test_map_builder_empty_and_released },
	{ "every first byte is classified as the spec says",
	  test_every_first_byte_is_classified },
	{ "every one-byte input is complete, truncated or malformed",
	  test_every_one_byte_input },
	{ "floats, ext and 0xc1 are malformed",
	  test_floats_ext_and_c1_are_malformed },
	{ "a malformed value's detail says why",
	  test_malformed_detail_says_why },
	{ "the sample value is canonical", test_sample_value_is_canonical },
	{ "truncation at every byte of the sample is truncated",
	  test_truncation_at_every_byte_is_truncated },
	{ "typed readers report truncation", test_truncated_typed_reads },
	{ "bytes after the value are trailing",
	  test_trailing_bytes_are_refused },
	{ "empty input is truncated", test_empty_input_is_truncated },
	{ "map keys must be ascending unique strs",
	  test_map_keys_order_and_type },
	{ "a map key error names the key's offset",
	  test_map_key_detail_names_the_key_offset },
	{ "key comparison is bytewise with prefixes first",
	  test_key_cmp_is_bytewise_with_prefix_first },
	{ "map find finds present keys", test_map_find_finds_present_keys },
	{ "map find reports absent keys as not found",
	  test_map_find_reports_absent_keys },
	{ "map find on an empty map and on a non-map",
	  test_map_find_on_empty_map_and_non_map },
	{ "is_map looks at the header only", test_is_map_looks_at_the_header },
	{ "strs must be strict UTF-8", test_utf8_is_strict },
	{ "get_str refuses invalid UTF-8", test_utf8_refused_by_get_str },
	{ "nesting up to the depth limit is accepted",
	  test_nesting_up_to_the_limit_is_accepted },
	{ "nesting past the depth limit is malformed",
	  test_nesting_past_the_limit_is_malformed },
	{ "very deep nesting stops at the limit",
	  test_very_deep_nesting_stops_at_the_limit },
	{ "huge claimed counts are truncated at once",
	  test_huge_claimed_counts_are_truncated_at_once },
	{ "an array16 of 65535 nils one byte short is truncated",
	  test_array_of_65535_nils_one_short_is_truncated },
	{ "typed readers refuse other types",
	  test_typed_readers_refuse_other_types },
	{ "get_value spans exactly one value", test_get_value_spans_one_value },
	{ "offsets count from the start of the slice",
	  test_offsets_count_from_the_slice_start },
	{ "the detail is untouched on success",
	  test_diag_is_untouched_on_success },
	{ "errors without a diag are fine", test_errors_without_diag_are_fine },
	{ "a map in two parts, merged, is the whole map's bytes",
	  test_map_merge_of_two_parts_gives_the_whole },
	{ "a merge refuses a key in both maps and maps that are not canonical",
	  test_map_merge_refuses_a_key_twice_and_bad_maps },
};

TEST_MAIN(tests)

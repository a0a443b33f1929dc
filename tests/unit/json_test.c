/*
 * json_test.c - JSON text into canonical msgpack, the JSON writer, and
 * the msgpack -> JSON -> msgpack round trip (common/json.h).
 *
 * JSON inputs are copied into heap memory of exactly strlen + 1 bytes so
 * that AddressSanitizer catches any read past the terminating NUL.
 */
#include "common/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mp.h"
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

/* json_to_mp() on an exact heap copy of text, appending to out. */
static int
parse(const char *text, struct buf *out, struct diag *d)
{
	char *copy = xstrdup(text);
	int rc = json_to_mp(copy, out, d);
	free(copy);
	return rc;
}

/* 1 if b holds exactly the bytes of hex. */
static int
buf_is_hex(const struct buf *b, const char *hex)
{
	size_t n;
	uint8_t *p = unhex(hex, &n);
	int same = b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
	free(p);
	return same;
}

/* Renders the msgpack bytes as text and returns the buffer's text. */
static char *
hexdump(const struct buf *b)
{
	char *h = xmalloc(2 * b->len + 1);
	hex_encode(b->data ? b->data : (const uint8_t *)"", b->len, h);
	return h;
}

struct parse_case {
	const char *json;
	const char *hex; /* expected msgpack, or NULL: refused */
	const char *why; /* for a refusal: text the detail must contain */
};

/*
 * Runs a table of parse cases: accepted inputs must give exactly the
 * bytes, refused ones ERR_INVAL with the reason in the detail.
 */
static int
run_cases(const struct parse_case *cases, size_t n, const char *file,
	  int line)
{
	for (size_t i = 0; i < n; i++) {
		struct buf out = BUF_INIT;
		struct diag d;
		d.text[0] = '\0';
		int rc = parse(cases[i].json, &out, &d);
		if (cases[i].hex) {
			int same = rc == 0 && buf_is_hex(&out, cases[i].hex);
			if (!same) {
				char *got = hexdump(&out);
				harness_fail(file, line,
					     "'%s': %s, got '%s', expected "
					     "'%s' (%s)",
					     cases[i].json, err_name(rc), got,
					     cases[i].hex, d.text);
				free(got);
				buf_release(&out);
				return 1;
			}
		} else {
			int ok = rc == ERR_INVAL && out.len == 0 &&
				 (!cases[i].why ||
				  strstr(d.text, cases[i].why) != NULL);
			if (!ok) {
				harness_fail(file, line,
					     "'%s': got %s (%s), expected "
					     "ERR_INVAL naming '%s'",
					     cases[i].json, err_name(rc),
					     d.text,
					     cases[i].why ? cases[i].why : "");
				buf_release(&out);
				return 1;
			}
		}
		buf_release(&out);
	}
	return 0;
}

#define RUN_CASES(table)                                                   \
	do {                                                               \
		if (run_cases(table, sizeof(table) / sizeof(table[0]),     \
			      __FILE__, __LINE__))                         \
			return;                                            \
	} while (0)

/* ---- json_to_mp ---- */

static void
test_scalars_parse_to_canonical_msgpack(void)
{
	static const struct parse_case cases[] = {
		{ "null", "c0", NULL },
		{ "true", "c3", NULL },
		{ "false", "c2", NULL },
		{ "0", "00", NULL },
		{ "-0", "00", NULL },
		{ "127", "7f", NULL },
		{ "128", "cc 80", NULL },
		{ "65536", "ce 00 01 00 00", NULL },
		{ "-1", "ff", NULL },
		{ "-32", "e0", NULL },
		{ "-33", "d0 df", NULL },
		{ "\"\"", "a0", NULL },
		{ "\"abc\"", "a3 61 62 63", NULL },
		{ " \t\r\n 7 \t\r\n ", "07", NULL },
		{ "\"0123456789012345678901234567890123456789\"",
		  "d9 28 30 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 36 "
		  "37 38 39 30 31 32 33 34 35 36 37 38 39 30 31 32 33 34 35 "
		  "36 37 38 39",
		  NULL },
	};
	RUN_CASES(cases);
}

static void
test_object_keys_are_sorted(void)
{
	static const struct parse_case cases[] = {
		{ "{}", "80", NULL },
		{ "{ }", "80", NULL },
		{ "{\"b\":1,\"a\":2}", "82 a1 61 02 a1 62 01", NULL },
		{ "{\"ab\":1,\"a\":2,\"\":3}", "83 a0 03 a1 61 02 a2 61 62 01",
		  NULL },
		{ "{\"a\":1,\"B\":2}", "82 a1 42 02 a1 61 01", NULL },
		/* Bytes compare unsigned: 'z' (7a) before U+00E9 (c3 a9). */
		{ "{\"\\u00e9\":1,\"z\":2}", "82 a1 7a 02 a2 c3 a9 01", NULL },
		{ "{\"y\":{\"b\":[],\"a\":{}},\"x\":null}",
		  "82 a1 78 c0 a1 79 82 a1 61 80 a1 62 90", NULL },
		{ "[{\"b\":1,\"a\":2},{\"d\":3,\"c\":4}]",
		  "92 82 a1 61 02 a1 62 01 82 a1 63 04 a1 64 03", NULL },
	};
	RUN_CASES(cases);
}

static void
test_many_keys_are_sorted_into_map16(void)
{
	/* 20 keys given in descending order. */
	struct buf text = BUF_INIT, out = BUF_INIT, want = BUF_INIT;
	buf_add_str(&text, "{");
	for (int i = 19; i >= 0; i--)
		buf_printf(&text, "%s\"k%02d\":%d", i == 19 ? "" : ",", i, i);
	buf_add_str(&text, "}");
	mp_put_map(&want, 20);
	for (int i = 0; i < 20; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%02d", i);
		mp_put_cstr(&want, key);
		mp_put_uint(&want, (uint64_t)i);
	}
	int rc = parse(buf_cstr(&text), &out, NULL);
	int same = out.len == want.len &&
		   memcmp(out.data, want.data, want.len) == 0;
	buf_release(&text);
	buf_release(&out);
	buf_release(&want);
	CHECK_OK(rc);
	CHECK(same);
}

static void
test_duplicate_keys_are_refused_naming_the_key(void)
{
	static const struct parse_case cases[] = {
		{ "{\"a\":1,\"a\":2}", NULL, "\"a\"" },
		{ "{\"dup\":1,\"x\":0,\"dup\":1}", NULL, "\"dup\"" },
		{ "{\"a\":1,\"\\u0061\":2}", NULL, "\"a\"" },
		{ "{\"\":1,\"\":2}", NULL, "\"\"" },
		{ "[{\"k\":{\"z\":1,\"z\":2}}]", NULL, "\"z\"" },
	};
	RUN_CASES(cases);
}

static void
test_fractions_and_exponents_are_refused(void)
{
	static const struct parse_case cases[] = {
		{ "1.5", NULL, "only integers" },
		{ "1.0", NULL, "only integers" },
		{ "-0.0", NULL, "only integers" },
		{ "1e3", NULL, "only integers" },
		{ "1E3", NULL, "only integers" },
		{ "-2e-1", NULL, "only integers" },
		{ "[1, 2.5]", NULL, "only integers" },
		{ "{\"a\": 0.1}", NULL, "only integers" },
		{ ".5", NULL, NULL },
		{ "NaN", NULL, NULL },
		{ "Infinity", NULL, NULL },
		{ "-Infinity", NULL, NULL },
	};
	RUN_CASES(cases);
}

static void
test_string_escapes_decode(void)
{
	static const struct parse_case cases[] = {
		{ "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
		  "a8 22 5c 2f 08 0c 0a 0d 09", NULL },
		{ "\"\\u0041\"", "a1 41", NULL },
		{ "\"\\u0000\"", "a1 00", NULL },
		{ "\"\\u001f\"", "a1 1f", NULL },
		{ "\"\\u00e9\"", "a2 c3 a9", NULL },
		{ "\"\\u00E9\"", "a2 c3 a9", NULL },
		{ "\"\\u07ff\"", "a2 df bf", NULL },
		{ "\"\\u0800\"", "a3 e0 a0 80", NULL },
		{ "\"\\u20ac\"", "a3 e2 82 ac", NULL },
		{ "\"\\uffff\"", "a3 ef bf bf", NULL },
		{ "\"\\ud83d\\ude00\"", "a4 f0 9f 98 80", NULL },
		{ "\"\\uD83D\\uDE00\"", "a4 f0 9f 98 80", NULL },
		{ "\"\\ud800\\udc00\"", "a4 f0 90 80 80", NULL },
		{ "\"\\udbff\\udfff\"", "a4 f4 8f bf bf", NULL },
		{ "\"x\\ud83d\\ude00y\"", "a6 78 f0 9f 98 80 79", NULL },
		{ "\"h\xc3\xa9llo\"", "a6 68 c3 a9 6c 6c 6f", NULL },
		{ "\"\xf0\x9f\x98\x80\"", "a4 f0 9f 98 80", NULL },
	};
	RUN_CASES(cases);
}

static void
test_unpaired_surrogates_are_refused(void)
{
	static const struct parse_case cases[] = {
		{ "\"\\ud83d\"", NULL, "unpaired surrogate" },
		{ "\"\\ud83dx\"", NULL, "unpaired surrogate" },
		{ "\"\\ud83d\\n\"", NULL, "unpaired surrogate" },
		{ "\"\\ud83d\\u0041\"", NULL, "unpaired surrogate" },
		{ "\"\\ud83d\\ud83d\"", NULL, "unpaired surrogate" },
		{ "\"\\ude00\"", NULL, "unpaired surrogate" },
		{ "\"\\udfff\\ud800\"", NULL, "unpaired surrogate" },
		{ "{\"\\udc00\":1}", NULL, "unpaired surrogate" },
	};
	RUN_CASES(cases);
}

static void
test_bad_escapes_and_strings_are_refused(void)
{
	static const struct parse_case cases[] = {
		{ "\"\\x41\"", NULL, "bad escape" },
		{ "\"\\a\"", NULL, "bad escape" },
		{ "\"\\U0041\"", NULL, "bad escape" },
		{ "\"\\u12\"", NULL, "\\u escape" },
		{ "\"\\u12g4\"", NULL, "\\u escape" },
		{ "\"\\u+123\"", NULL, "\\u escape" },
		{ "\"\\u 123\"", NULL, "\\u escape" },
		{ "\"abc", NULL, "unterminated string" },
		{ "\"", NULL, "unterminated string" },
		{ "\"a\nb\"", NULL, "control character" },
		{ "\"a\tb\"", NULL, "control character" },
		{ "\"\x01\"", NULL, "control character" },
		{ "\"\xff\"", NULL, "UTF-8" },
		{ "\"\xc0\x80\"", NULL, "UTF-8" },
		{ "\"\xed\xa0\x80\"", NULL, "UTF-8" },
		{ "\"\xf4\x90\x80\x80\"", NULL, "UTF-8" },
		{ "\"\xc3\"", NULL, "UTF-8" },
		{ "{\"\xff\":1}", NULL, "UTF-8" },
	};
	RUN_CASES(cases);
}

/*
 * Inputs that end inside an escape: the parser must stop at the NUL and
 * never read past it (the copies are exactly strlen + 1 bytes).
 */
static void
test_input_ending_inside_an_escape_is_refused(void)
{
	static const struct parse_case cases[] = {
		{ "\"\\", NULL, NULL },
		{ "\"\\u", NULL, NULL },
		{ "\"\\u1", NULL, NULL },
		{ "\"\\u12", NULL, NULL },
		{ "\"\\u123", NULL, NULL },
		{ "\"\\u1234", NULL, "unterminated string" },
		{ "\"\\ud83d", NULL, "unpaired surrogate" },
		{ "\"\\ud83d\\", NULL, "unpaired surrogate" },
		{ "\"\\ud83d\\u", NULL, NULL },
		{ "\"\\ud83d\\ude", NULL, NULL },
	};
	RUN_CASES(cases);
}

static void
test_integer_range_edges(void)
{
	static const struct parse_case cases[] = {
		{ "9223372036854775807", "cf 7f ff ff ff ff ff ff ff", NULL },
		{ "9223372036854775808", "cf 80 00 00 00 00 00 00 00", NULL },
		{ "18446744073709551615", "cf ff ff ff ff ff ff ff ff", NULL },
		{ "18446744073709551616", NULL, "out of range" },
		{ "99999999999999999999999", NULL, "out of range" },
		{ "-9223372036854775808", "d3 80 00 00 00 00 00 00 00", NULL },
		{ "-9223372036854775807", "d3 80 00 00 00 00 00 00 01", NULL },
		{ "-9223372036854775809", NULL, "out of range" },
		{ "-18446744073709551615", NULL, "out of range" },
		{ "-2147483648", "d2 80 00 00 00", NULL },
		{ "-2147483649", "d3 ff ff ff ff 7f ff ff ff", NULL },
		{ "4294967295", "ce ff ff ff ff", NULL },
		{ "4294967296", "cf 00 00 00 01 00 00 00 00", NULL },
	};
	RUN_CASES(cases);
}

static void
test_bad_numbers_are_refused(void)
{
	static const struct parse_case cases[] = {
		{ "01", NULL, "leading zero" },
		{ "00", NULL, "leading zero" },
		{ "-01", NULL, "leading zero" },
		{ "[007]", NULL, "leading zero" },
		{ "+1", NULL, NULL },
		{ "-", NULL, NULL },
		{ "--1", NULL, NULL },
		{ "- 1", NULL, NULL },
		{ "0x10", NULL, NULL },
		{ "1_000", NULL, NULL },
	};
	RUN_CASES(cases);
}

static void
test_trailing_garbage_is_refused(void)
{
	static const struct parse_case cases[] = {
		{ "1 2", NULL, "trailing" },
		{ "{} x", NULL, "trailing" },
		{ "[1]]", NULL, "trailing" },
		{ "nullx", NULL, "trailing" },
		{ "truefalse", NULL, "trailing" },
		{ "\"a\"\"b\"", NULL, "trailing" },
		{ "12abc", NULL, "trailing" },
		{ "{}{}", NULL, "trailing" },
		{ "0 // comment", NULL, "trailing" },
	};
	RUN_CASES(cases);
}

static void
test_bad_structure_is_refused(void)
{
	static const struct parse_case cases[] = {
		{ "", NULL, "unexpected end" },
		{ "   ", NULL, "unexpected end" },
		{ "[", NULL, NULL },
		{ "[1", NULL, "expected ',' or ']'" },
		{ "[1,]", NULL, NULL },
		{ "[,1]", NULL, NULL },
		{ "[1 2]", NULL, "expected ',' or ']'" },
		{ "{", NULL, "expected a string key" },
		{ "{\"a\"}", NULL, "expected ':'" },
		{ "{\"a\" 1}", NULL, "expected ':'" },
		{ "{\"a\":}", NULL, NULL },
		{ "{\"a\":1,}", NULL, "expected a string key" },
		{ "{\"a\":1 \"b\":2}", NULL, "expected ',' or '}'" },
		{ "{1:2}", NULL, "expected a string key" },
		{ "{'a':1}", NULL, "expected a string key" },
		{ "nul", NULL, NULL },
		{ "tru", NULL, NULL },
		{ "fals", NULL, NULL },
		{ "True", NULL, NULL },
		{ "]", NULL, NULL },
	};
	RUN_CASES(cases);
}

static void
test_nesting_is_limited(void)
{
	struct buf ok = BUF_INIT, deep = BUF_INIT, out = BUF_INIT;
	struct diag d;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_add_byte(&ok, '[');
	buf_add_byte(&ok, '1');
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		buf_add_byte(&ok, ']');
	for (int i = 0; i < 1000; i++)
		buf_add_byte(&deep, '[');
	for (int i = 0; i < 1000; i++)
		buf_add_byte(&deep, ']');
	int rc_ok = parse(buf_cstr(&ok), &out, NULL);
	size_t ok_len = out.len;
	buf_reset(&out);
	int rc_deep = parse(buf_cstr(&deep), &out, &d);
	size_t deep_len = out.len;
	buf_release(&ok);
	buf_release(&deep);
	buf_release(&out);
	CHECK_OK(rc_ok);
	CHECK_EQ_INT(ok_len, JSON_MAX_DEPTH + 1);
	CHECK_ERR(rc_deep, ERR_INVAL);
	CHECK(strstr(d.text, "nested too deeply") != NULL);
	CHECK_EQ_INT(deep_len, 0);

	/* Seventeen empty arrays: the msgpack check refuses the depth. */
	struct buf e = BUF_INIT;
	for (int i = 0; i <= MP_MAX_DEPTH; i++)
		buf_add_byte(&e, '[');
	for (int i = 0; i <= MP_MAX_DEPTH; i++)
		buf_add_byte(&e, ']');
	int rc_e = parse(buf_cstr(&e), &out, NULL);
	size_t e_len = out.len;
	buf_release(&e);
	buf_release(&out);
	CHECK_ERR(rc_e, ERR_INVAL);
	CHECK_EQ_INT(e_len, 0);
}

static void
test_errors_name_line_and_column(void)
{
	static const struct {
		const char *json;
		const char *where;
	} cases[] = {
		{ "x", "line 1 column 1" },
		{ "[1, x]", "line 1 column 5" },
		{ "{\n  \"a\": 1,\n  \"b\": x\n}", "line 3 column 8" },
		{ "[\n1,\n2.5]", "line 3 column 1" },
		{ "\n\n\n   01", "line 4 column 4" },
		{ "[1]\n\n  ]", "line 3 column 3" },
		{ "\"abc", "line 1 column 5" },
		{ "{\"k\": \"\\q\"}", "line 1 column 9" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		struct diag d;
		int rc = parse(cases[i].json, &out, &d);
		buf_release(&out);
		if (rc != ERR_INVAL || !strstr(d.text, cases[i].where)) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': got %s '%s', expected '%s'",
				     cases[i].json, err_name(rc), d.text,
				     cases[i].where);
			return;
		}
	}
}

static void
test_out_is_unchanged_on_error(void)
{
	static const char *const bad[] = {
		"[1, 2, 3, x]",	   "{\"a\":1,\"a\":2}", "[\"ok\", 1.5]",
		"{\"a\":[1,2],}",  "\"\\ud800\"",	"[\"\xff\"]",
		"[1] 2",	   "",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct buf out = BUF_INIT;
		buf_add_str(&out, "keep");
		int rc = parse(bad[i], &out, NULL);
		int same = out.len == 4 && memcmp(out.data, "keep", 5) == 0;
		buf_release(&out);
		if (rc != ERR_INVAL || !same) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': got %s, out changed: %d", bad[i],
				     err_name(rc), !same);
			return;
		}
	}
}

static void
test_success_appends_to_out(void)
{
	struct buf out = BUF_INIT;
	buf_add_byte(&out, 0xc0);
	int rc = parse("[true]", &out, NULL);
	int same = buf_is_hex(&out, "c0 91 c3");
	buf_release(&out);
	CHECK_OK(rc);
	CHECK(same);
}

static void
test_diag_may_be_null(void)
{
	struct buf out = BUF_INIT;
	CHECK_ERR(parse("[1,", &out, NULL), ERR_INVAL);
	CHECK_ERR(parse("{\"a\":1,\"a\":1}", &out, NULL), ERR_INVAL);
	CHECK_ERR(parse("\"\xff\"", &out, NULL), ERR_INVAL);
	CHECK_EQ_INT(out.len, 0);
	buf_release(&out);
}

/* ---- decimals as millionths ---- */

/* As run_cases(), through json_to_mp_e6(). */
static int
run_e6_cases(const struct parse_case *cases, size_t n, const char *file,
	     int line)
{
	for (size_t i = 0; i < n; i++) {
		struct buf out = BUF_INIT;
		struct diag d;
		char *copy = xstrdup(cases[i].json);
		d.text[0] = '\0';
		buf_add_str(&out, "k");
		int rc = json_to_mp_e6(copy, &out, &d);
		free(copy);
		int ok;
		if (cases[i].hex) {
			struct buf want = BUF_INIT;
			size_t wn;
			uint8_t *w = unhex(cases[i].hex, &wn);
			buf_add_str(&want, "k");
			buf_add(&want, w, wn);
			free(w);
			ok = rc == 0 && out.len == want.len &&
			     memcmp(out.data, want.data, want.len) == 0;
			buf_release(&want);
		} else {
			ok = rc == ERR_INVAL && out.len == 1 &&
			     (!cases[i].why ||
			      strstr(d.text, cases[i].why) != NULL);
		}
		if (!ok) {
			char *got = hexdump(&out);
			harness_fail(file, line,
				     "e6 '%s': %s '%s', got 'k'+'%s', "
				     "expected %s",
				     cases[i].json, err_name(rc), d.text,
				     got + 2,
				     cases[i].hex ? cases[i].hex
						  : "ERR_INVAL");
			free(got);
		}
		buf_release(&out);
		if (!ok)
			return 1;
	}
	return 0;
}

static void
test_e6_reads_decimals_as_millionths(void)
{
	static const struct parse_case cases[] = {
		{ "0", "00", NULL },
		{ "-0", "00", NULL },
		{ "1", "ce 00 0f 42 40", NULL },
		{ "121.4402", "ce 07 3d 07 c8", NULL },
		{ "-0.5", "d2 ff f8 5e e0", NULL },
		{ "0.000001", "01", NULL },
		{ "-0.000001", "ff", NULL },
		{ "0.0000009", "00", NULL },
		{ "1.1234567", "ce 00 11 24 80", NULL },
		{ "9223372036849.999999",
		  "cf 7f ff ff ff ff b7 20 7f", NULL },
		{ "-9223372036849.999999",
		  "d3 80 00 00 00 00 48 df 81", NULL },
		{ "[121.4402, 31.2]",
		  "92 ce 07 3d 07 c8 ce 01 dc 13 00", NULL },
		{ "{\"y\": 31.2, \"x\": 121.4402, \"n\": \"1.5\"}",
		  "83 a1 6e a3 31 2e 35 a1 78 ce 07 3d 07 c8 a1 79 ce 01 dc "
		  "13 00",
		  NULL },
	};
	(void)run_e6_cases(cases, sizeof(cases) / sizeof(cases[0]), __FILE__,
			   __LINE__);
}

static void
test_e6_refuses_bad_decimals(void)
{
	static const struct parse_case cases[] = {
		{ "1.", NULL, "digits must follow" },
		{ "1.e3", NULL, "digits must follow" },
		{ "1e3", NULL, "exponents" },
		{ "1.5E2", NULL, "exponents" },
		{ ".5", NULL, NULL },
		{ "01.5", NULL, "leading zero" },
		{ "9223372036850", NULL, "out of range" },
		{ "-9223372036850", NULL, "out of range" },
		{ "1.5.5", NULL, "trailing" },
		{ "[1.5,]", NULL, NULL },
	};
	(void)run_e6_cases(cases, sizeof(cases) / sizeof(cases[0]), __FILE__,
			   __LINE__);
}

/* ---- the writer ---- */

static void
test_writer_compact_output(void)
{
	struct buf out = BUF_INIT;
	struct json_writer w;
	json_writer_init(&w, &out, 0);
	json_obj_begin(&w);
	json_key(&w, "a");
	json_uint(&w, 18446744073709551615ull);
	json_key(&w, "b");
	json_arr_begin(&w);
	json_int(&w, INT64_MIN);
	json_bool(&w, 1);
	json_bool(&w, 0);
	json_null(&w);
	json_arr_begin(&w);
	json_arr_end(&w);
	json_obj_begin(&w);
	json_obj_end(&w);
	json_arr_end(&w);
	json_key(&w, "c\"q");
	json_str(&w, "x\\y\n\t\r\x01\x7f\xc3\xa9");
	json_key(&w, "h");
	json_hex(&w, (const uint8_t *)"\x00\xff\x10", 3);
	json_obj_end(&w);
	static const char want[] =
		"{\"a\":18446744073709551615,"
		"\"b\":[-9223372036854775808,true,false,null,[],{}],"
		"\"c\\\"q\":\"x\\\\y\\n\\t\\r\\u0001\\u007f\xc3\xa9\","
		"\"h\":\"00ff10\"}";
	int same = out.len == strlen(want) &&
		   memcmp(out.data, want, out.len) == 0;
	if (!same)
		harness_fail(__FILE__, __LINE__, "got '%s'", buf_cstr(&out));
	buf_release(&out);
}

static void
test_writer_pretty_output(void)
{
	struct buf out = BUF_INIT;
	struct json_writer w;
	json_writer_init(&w, &out, 1);
	json_obj_begin(&w);
	json_key(&w, "a");
	json_uint(&w, 1);
	json_key(&w, "b");
	json_arr_begin(&w);
	json_str(&w, "x");
	json_arr_begin(&w);
	json_arr_end(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	static const char want[] = "{\n"
				   "  \"a\": 1,\n"
				   "  \"b\": [\n"
				   "    \"x\",\n"
				   "    []\n"
				   "  ]\n"
				   "}\n";
	int same = out.len == strlen(want) &&
		   memcmp(out.data, want, out.len) == 0;
	if (!same)
		harness_fail(__FILE__, __LINE__, "got '%s'", buf_cstr(&out));
	buf_release(&out);
}

static void
test_writer_fixed_decimals(void)
{
	static const struct {
		int64_t scaled;
		int decimals;
		const char *want;
	} cases[] = {
		{ 875, 3, "0.875" },	   { 1500, 3, "1.500" },
		{ -5, 1, "-0.5" },	   { -1234, 2, "-12.34" },
		{ 7, 0, "7" },		   { -7, 0, "-7" },
		{ 0, 2, "0.00" },	   { 5, 3, "0.005" },
		{ INT64_MIN, 0, "-9223372036854775808" },
		{ INT64_MAX, 3, "9223372036854775.807" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &out, 0);
		json_fixed(&w, cases[i].scaled, cases[i].decimals);
		int same = strcmp(buf_cstr(&out), cases[i].want) == 0;
		if (!same)
			harness_fail(__FILE__, __LINE__,
				     "%lld/%d: got '%s', expected '%s'",
				     (long long)cases[i].scaled,
				     cases[i].decimals, buf_cstr(&out),
				     cases[i].want);
		buf_release(&out);
		if (!same)
			return;
	}
}

static void
test_quote_escapes(void)
{
	struct buf out = BUF_INIT;
	json_quote(&out, "a\0b\"\\\b\f", 7);
	int same = strcmp(buf_cstr(&out),
			  "\"a\\u0000b\\\"\\\\\\u0008\\u000c\"") == 0;
	if (!same)
		harness_fail(__FILE__, __LINE__, "got '%s'", buf_cstr(&out));
	buf_release(&out);
}

static void
test_put_mp_renders_bin_as_hex(void)
{
	struct buf mp = BUF_INIT, out = BUF_INIT;
	struct json_writer w;
	mp_put_map(&mp, 1);
	mp_put_cstr(&mp, "id");
	mp_put_bin(&mp, "\x01\xab", 2);
	json_writer_init(&w, &out, 0);
	int rc = json_put_mp(&w, mp.data, mp.len);
	int same = strcmp(buf_cstr(&out), "{\"id\":\"01ab\"}") == 0;
	buf_release(&mp);
	buf_release(&out);
	CHECK_OK(rc);
	CHECK(same);
}

static void
test_put_mp_refuses_non_canonical_input(void)
{
	static const struct {
		const char *hex;
		int want;
	} cases[] = {
		{ "cc 05", ERR_NONCANON },
		{ "82 a1 62 01 a1 61 02", ERR_NONCANON },
		{ "ca 00 00 00 00", ERR_MALFORMED },
		{ "92 01", ERR_TRUNCATED },
		{ "c0 c0", ERR_TRAILING },
		{ "81 01 02", ERR_FORMAT },
		{ "", ERR_TRUNCATED },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n;
		uint8_t *p = unhex(cases[i].hex, &n);
		struct buf out = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &out, 0);
		int rc = json_put_mp(&w, p, n);
		size_t len = out.len;
		free(p);
		buf_release(&out);
		if (rc != cases[i].want || len != 0) {
			harness_fail(__FILE__, __LINE__,
				     "'%s': got %s and %zu bytes, expected %s",
				     cases[i].hex, err_name(rc), len,
				     err_name(cases[i].want));
			return;
		}
	}
}

/* ---- the round trip ---- */

/*
 * msgpack -> JSON text -> json_to_mp: the same bytes, compact and
 * pretty.  Returns 0, or fails the running test and returns 1.
 */
static int
round_trip(const struct buf *mp, const char *label, const char *file,
	   int line)
{
	for (int pretty = 0; pretty < 2; pretty++) {
		struct buf text = BUF_INIT, back = BUF_INIT;
		struct json_writer w;
		struct diag d;
		d.text[0] = '\0';
		json_writer_init(&w, &text, pretty);
		int rc1 = json_put_mp(&w, mp->data, mp->len);
		int rc2 = rc1 ? rc1 : parse(buf_cstr(&text), &back, &d);
		int same = rc2 == 0 && back.len == mp->len &&
			   memcmp(back.data, mp->data, mp->len) == 0;
		if (!same) {
			char *a = hexdump(mp), *b = hexdump(&back);
			harness_fail(file, line,
				     "%s (pretty %d): put %s, parse %s (%s); "
				     "JSON '%s'; msgpack %s, back %s",
				     label, pretty, err_name(rc1),
				     err_name(rc2), d.text, buf_cstr(&text), a,
				     b);
			free(a);
			free(b);
		}
		buf_release(&text);
		buf_release(&back);
		if (!same)
			return 1;
	}
	return 0;
}

/* Releases the buffer and returns from the test if the trip fails. */
#define CHECK_ROUND_TRIP(mp, label)                                        \
	do {                                                               \
		if (round_trip((mp), (label), __FILE__, __LINE__)) {       \
			buf_release(mp);                                   \
			return;                                            \
		}                                                          \
	} while (0)

static void
test_scalars_round_trip(void)
{
	static const uint64_t uints[] = { 0, 1, 127, 128, 255, 256, 65535,
					  65536, 4294967295ull,
					  4294967296ull, INT64_MAX,
					  (uint64_t)INT64_MAX + 1,
					  UINT64_MAX };
	static const int64_t ints[] = { -1, -32, -33, -128, -129, -32768,
					-32769, -2147483647ll - 1,
					-2147483647ll - 2, INT64_MIN };
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		struct buf b = BUF_INIT;
		mp_put_uint(&b, uints[i]);
		int bad = round_trip(&b, "uint", __FILE__, __LINE__);
		buf_release(&b);
		if (bad)
			return;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		struct buf b = BUF_INIT;
		mp_put_int(&b, ints[i]);
		int bad = round_trip(&b, "int", __FILE__, __LINE__);
		buf_release(&b);
		if (bad)
			return;
	}
	for (int kind = 0; kind < 3; kind++) {
		struct buf b = BUF_INIT;
		if (kind == 0)
			mp_put_nil(&b);
		else
			mp_put_bool(&b, kind == 1);
		int bad = round_trip(&b, "nil/bool", __FILE__, __LINE__);
		buf_release(&b);
		if (bad)
			return;
	}
}

static void
test_strings_round_trip(void)
{
#define S_(lit) { lit, sizeof(lit) - 1 }
	static const struct {
		const char *s;
		size_t n;
	} strs[] = {
		S_(""),
		S_("plain"),
		S_("quote \" backslash \\ slash /"),
		S_("nl\n cr\r tab\t bs\b ff\f"),
		S_("ctl \x01\x02\x1f del \x7f"),
		S_("nul \0 inside"),
		S_("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"),
		S_("\xf4\x8f\xbf\xbf"),
		S_("\xef\xbf\xbf"),
	};
#undef S_
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		struct buf b = BUF_INIT;
		mp_put_str(&b, strs[i].s, strs[i].n);
		int bad = round_trip(&b, "str", __FILE__, __LINE__);
		buf_release(&b);
		if (bad)
			return;
	}
	static const size_t lens[] = { 31, 32, 255, 256, 65535, 65536 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		char *s = xmalloc(lens[i]);
		for (size_t j = 0; j < lens[i]; j++)
			s[j] = (char)(' ' + j % 95);
		struct buf b = BUF_INIT;
		mp_put_str(&b, s, lens[i]);
		free(s);
		int bad = round_trip(&b, "long str", __FILE__, __LINE__);
		buf_release(&b);
		if (bad)
			return;
	}
}

static void
test_containers_round_trip(void)
{
	struct buf b = BUF_INIT;

	mp_put_array(&b, 0);
	CHECK_ROUND_TRIP(&b, "empty array");
	buf_reset(&b);

	mp_put_map(&b, 0);
	CHECK_ROUND_TRIP(&b, "empty map");
	buf_reset(&b);

	/* [1, [2, [3, []]], {"a": nil}, "x", true] */
	mp_put_array(&b, 5);
	mp_put_uint(&b, 1);
	mp_put_array(&b, 2);
	mp_put_uint(&b, 2);
	mp_put_array(&b, 2);
	mp_put_uint(&b, 3);
	mp_put_array(&b, 0);
	mp_put_map(&b, 1);
	mp_put_cstr(&b, "a");
	mp_put_nil(&b);
	mp_put_cstr(&b, "x");
	mp_put_bool(&b, 1);
	CHECK_ROUND_TRIP(&b, "nested array");
	buf_reset(&b);

	/* Keys that need escaping, in canonical order. */
	mp_put_map(&b, 6);
	mp_put_cstr(&b, "");
	mp_put_int(&b, -5);
	mp_put_cstr(&b, "\"q");
	mp_put_array(&b, 1);
	mp_put_nil(&b);
	mp_put_cstr(&b, "a");
	mp_put_map(&b, 2);
	mp_put_cstr(&b, "x");
	mp_put_bool(&b, 0);
	mp_put_cstr(&b, "y");
	mp_put_uint(&b, UINT64_MAX);
	mp_put_cstr(&b, "a\nb");
	mp_put_cstr(&b, "v");
	mp_put_cstr(&b, "z");
	mp_put_map(&b, 0);
	mp_put_cstr(&b, "\xc3\xa9");
	mp_put_cstr(&b, "\xe2\x82\xac");
	CHECK_ROUND_TRIP(&b, "map with escaped keys");
	buf_reset(&b);

	/* Sixteen items: array16 and map16. */
	mp_put_array(&b, 16);
	for (int i = 0; i < 16; i++)
		mp_put_int(&b, -i);
	CHECK_ROUND_TRIP(&b, "array16");
	buf_reset(&b);
	mp_put_map(&b, 16);
	for (int i = 0; i < 16; i++) {
		char key[16];
		snprintf(key, sizeof(key), "k%02d", i);
		mp_put_cstr(&b, key);
		mp_put_uint(&b, (uint64_t)i * 1000);
	}
	CHECK_ROUND_TRIP(&b, "map16");
	buf_reset(&b);

	/* As deep as msgpack allows. */
	for (int i = 0; i < MP_MAX_DEPTH; i++) {
		if (i % 2) {
			mp_put_map(&b, 1);
			mp_put_cstr(&b, "k");
		} else {
			mp_put_array(&b, 1);
		}
	}
	mp_put_cstr(&b, "bottom");
	CHECK_ROUND_TRIP(&b, "deepest nesting");
	buf_release(&b);
}

/*
 * U+0000 is valid UTF-8, so a canonical map may have a key with a NUL in
 * it; JSON can carry it as "\u0000".  json_put_mp() must not cut the key
 * at the NUL (which would change it, or even repeat a key).
 */
static void
test_key_with_nul_round_trips(void)
{
	struct buf b = BUF_INIT;
	mp_put_map(&b, 2);
	mp_put_cstr(&b, "a");
	mp_put_uint(&b, 1);
	mp_put_str(&b, "a\0b", 3);
	mp_put_uint(&b, 2);
	int canonical = mp_check(b.data, b.len, NULL);
	if (canonical == 0)
		CHECK_ROUND_TRIP(&b, "key with a NUL");
	buf_release(&b);
	CHECK_OK(canonical);
}

/* JSON shown on a terminal cannot drive it; bytes not UTF-8 are U+FFFD. */
static void
test_json_strings_escape_terminal_controls(void)
{
	struct buf out = BUF_INIT;
	json_quote(&out, "\x1b[2J \xc2\x9b \xe2\x80\xae \xe2\x81\xa6 \xff \xe4\xb8\xad", 21);
	static const char want[] =
		"\"\\u001b[2J \\u009b \\u202e \\u2066 \\ufffd \xe4\xb8\xad\"";
	CHECK_EQ_INT(out.len, strlen(want));
	CHECK(memcmp(out.data, want, out.len) == 0);
	buf_release(&out);
}

static const struct test tests[] = {
	{ "JSON strings escape terminal controls",
	  test_json_strings_escape_terminal_controls },
	{ "scalars parse to canonical msgpack",
	  test_scalars_parse_to_canonical_msgpack },
	{ "object keys are sorted at every level",
	  test_object_keys_are_sorted },
	{ "many keys are sorted into a map16",
	  test_many_keys_are_sorted_into_map16 },
	{ "duplicate keys are refused naming the key",
	  test_duplicate_keys_are_refused_naming_the_key },
	{ "fractions and exponents are refused",
	  test_fractions_and_exponents_are_refused },
	{ "string escapes decode to UTF-8", test_string_escapes_decode },
	{ "unpaired surrogates are refused",
	  test_unpaired_surrogates_are_refused },
	{ "bad escapes and strings are refused",
	  test_bad_escapes_and_strings_are_refused },
	{ "integers at the int64 and uint64 edges",
	  test_integer_range_edges },
	{ "leading zeros and other bad numbers are refused",
	  test_bad_numbers_are_refused },
	{ "trailing garbage is refused", test_trailing_garbage_is_refused },
	{ "bad structure is refused", test_bad_structure_is_refused },
	{ "nesting is limited", test_nesting_is_limited },
	{ "errors name the line and column", test_errors_name_line_and_column },
	{ "out is unchanged on error", test_out_is_unchanged_on_error },
	{ "success appends to out", test_success_appends_to_out },
	{ "the diag may be NULL", test_diag_may_be_null },
	{ "e6 reads decimals as millionths",
	  test_e6_reads_decimals_as_millionths },
	{ "e6 refuses bad decimals", test_e6_refuses_bad_decimals },
	{ "the writer's compact output", test_writer_compact_output },
	{ "the writer's pretty output", test_writer_pretty_output },
	{ "fixed decimals are written exactly", test_writer_fixed_decimals },
	{ "quoting escapes control characters", test_quote_escapes },
	{ "put_mp renders bin as hex", test_put_mp_renders_bin_as_hex },
	{ "put_mp refuses non-canonical input",
	  test_put_mp_refuses_non_canonical_input },
	{ "integers, nil and booleans round trip through JSON",
	  test_scalars_round_trip },
	{ "strings round trip through JSON", test_strings_round_trip },
	{ "arrays and maps round trip through JSON",
	  test_containers_round_trip },
	{ "a map key with a NUL character round trips through JSON",
	  test_key_with_nul_round_trips },
	/* Last: under ASan a failure here aborts the binary. */
	{ "input ending inside an escape is refused without over-reading",
	  test_input_ending_inside_an_escape_is_refused },
};

TEST_MAIN(tests)

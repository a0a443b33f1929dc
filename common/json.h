/*
 * json.h - JSON in and out, for the CLI and configuration files.
 *
 * Input: json_to_mp() turns JSON text into canonical msgpack (see mp.h):
 * object keys sorted, duplicates refused, integers only (a number with a
 * fraction or exponent is refused: events carry no floats).
 *
 * Output: a small streaming writer that tracks commas, plus
 * json_put_mp() which renders a canonical msgpack value (bin as a hex
 * string, since JSON has no bytes).
 */
#ifndef GRIDCASE_JSON_H
#define GRIDCASE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/*
 * Parses the NUL-terminated JSON text and appends its canonical msgpack
 * encoding to out.  On error returns ERR_INVAL with the line, column and
 * reason in d, and out is left as it was.
 */
MUST_CHECK int json_to_mp(const char *text, struct buf *out, struct diag *d);

/*
 * Like json_to_mp(), but every number is read as a decimal and stored as
 * an integer of millionths (121.4402 -> 121440200; digits past the sixth
 * decimal are dropped).  For GeoJSON coordinates: events carry no floats.
 */
MUST_CHECK int json_to_mp_e6(const char *text, struct buf *out,
			     struct diag *d);

#define JSON_MAX_DEPTH 16

struct json_writer {
	struct buf *out;
	int depth;
	/* Bit i is set when level i already holds a value (comma needed). */
	uint32_t has_items;
	int after_key;
	int pretty;
	/*
	 * Set by the caller: json_put_mp() writes an unsigned value under a
	 * key named "at" or ending in "_at" (epoch ms, the state's times)
	 * as an ISO 8601 UTC string, "2026-03-02T06:30:00Z", and 0 (never)
	 * as null: the JSON of the CLI has one time convention.
	 */
	int iso_times;
};

/* Writes into out (borrowed for the writer's life). */
void json_writer_init(struct json_writer *w, struct buf *out, int pretty);
void json_obj_begin(struct json_writer *w);
void json_obj_end(struct json_writer *w);
void json_arr_begin(struct json_writer *w);
void json_arr_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
/* A key that may hold any bytes, NUL included. */
void json_keyn(struct json_writer *w, const char *key, size_t n);
void json_str(struct json_writer *w, const char *s);
void json_strn(struct json_writer *w, const char *s, size_t n);
void json_hex(struct json_writer *w, const uint8_t *p, size_t n);
void json_uint(struct json_writer *w, uint64_t v);
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, int v);
void json_null(struct json_writer *w);
/* A number with a fixed number of decimals, e.g. rates: 0.875. */
void json_fixed(struct json_writer *w, int64_t scaled, int decimals);

/*
 * Renders one canonical msgpack value as JSON.  Returns the reader's
 * error if the bytes are not canonical msgpack.
 */
MUST_CHECK int json_put_mp(struct json_writer *w, const uint8_t *p,
			   size_t n);

/*
 * Appends s as a quoted, escaped JSON string: C0 controls, DEL, C1
 * controls and bidi controls (U+061C, U+200E-200F, U+202A-202E,
 * U+2066-2069) as \uXXXX, so that JSON shown on a terminal cannot drive
 * it; a byte that is not UTF-8 as \ufffd.
 */
void json_quote(struct buf *out, const char *s, size_t n);

/*
 * The code point of the UTF-8 sequence at s (n > 0 bytes left) and its
 * length, or 0 when the bytes there are not strict UTF-8 (overlong,
 * surrogate, above U+10FFFF, cut short).
 */
size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

#endif

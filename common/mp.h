/*
 * mp.h - canonical msgpack: writing through msgpack-c, strict reading.
 *
 * Everything gridcase signs, stores or sends is msgpack in one canonical
 * form, so that one value has exactly one encoding:
 *   - integers in the shortest form (non-negative values always unsigned,
 *     negative values in the shortest signed form);
 *   - str/bin/array/map headers in the shortest form (str8 is used);
 *   - no float, no ext (no timestamp);
 *   - map keys are str, strictly ascending by bytes (so unique);
 *   - nothing after the top-level value.
 *
 * Writing goes through msgpack-c's packer, which already picks the
 * shortest forms; map key order is the writer's duty.
 *
 * Reading is a small pull parser over a byte slice.  It is our own rather
 * than msgpack-c's unpacker because the unpacker forgets how a value was
 * encoded (a 5 sent as 0xcc 0x05 unpacks like 0x05), and canonicity is
 * exactly what must be checked, with the offset of the offence.  The
 * reader never allocates; str and bin results point into the input.  The
 * fuzz target checks it against msgpack-c: whatever this reader accepts,
 * msgpack-c decodes and re-encodes to the identical bytes.
 *
 * msgpack-c's types appear nowhere outside mp.c.
 */
#ifndef GRIDCASE_MP_H
#define GRIDCASE_MP_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

/* Nesting deeper than this is refused (a bound on recursion). */
#define MP_MAX_DEPTH 16

/* ---- writing: appends canonical msgpack to a buf ---- */

void mp_put_nil(struct buf *b);
void mp_put_bool(struct buf *b, int v);
void mp_put_uint(struct buf *b, uint64_t v);
void mp_put_int(struct buf *b, int64_t v);
void mp_put_str(struct buf *b, const char *s, size_t n);
void mp_put_cstr(struct buf *b, const char *s);
void mp_put_bin(struct buf *b, const void *p, size_t n);
/* The header of a bin of n bytes, which the caller appends after it. */
void mp_put_bin_head(struct buf *b, size_t n);
void mp_put_array(struct buf *b, uint32_t n);
void mp_put_map(struct buf *b, uint32_t n);

/*
 * A map under construction whose keys may be added in any order:
 * mp_map_finish() sorts them into canonical order.  Each key is added at
 * most once (BUG_ON otherwise).
 *
 *     struct mp_map m;
 *     mp_map_init(&m);
 *     mp_put_cstr(mp_map_add(&m, "where"), "Caoxi Road");
 *     mp_put_uint(mp_map_add(&m, "at"), 12);
 *     mp_map_finish(&m, out);   (appends the map; m is released)
 */
struct mp_map_entry {
	char *key;
	struct buf val;
};

struct mp_map {
	struct mp_map_entry *e;
	size_t n, cap;
};

void mp_map_init(struct mp_map *m);
/* The buffer to write key's value into (borrowed until finish/release). */
struct buf *mp_map_add(struct mp_map *m, const char *key);
/* 1 if key was added. */
int mp_map_has(const struct mp_map *m, const char *key);
void mp_map_finish(struct mp_map *m, struct buf *out);
void mp_map_release(struct mp_map *m);

/* ---- reading ---- */

enum mp_type {
	MP_NIL,
	MP_BOOL,
	MP_UINT,
	MP_INT, /* negative integers only */
	MP_STR,
	MP_BIN,
	MP_ARRAY,
	MP_MAP,
};

/*
 * A read position in a byte slice.  base is kept so that errors can name
 * the offset from the start of the outermost value.
 */
struct mp_reader {
	const uint8_t *base;
	const uint8_t *p;
	const uint8_t *end;
	struct diag *diag; /* may be NULL */
};

void mp_reader_init(struct mp_reader *r, const void *p, size_t n,
		    struct diag *d);

/* Bytes not yet read. */
size_t mp_remaining(const struct mp_reader *r);
/* Offset of the read position from the start of the slice. */
size_t mp_offset(const struct mp_reader *r);

/*
 * The type of the next value, without consuming it.  Fails with
 * ERR_TRUNCATED at the end, ERR_MALFORMED for float, ext or reserved
 * bytes.
 */
MUST_CHECK int mp_peek(struct mp_reader *r, enum mp_type *type);

/*
 * Each reads one value of its type.  Errors: ERR_TRUNCATED if the input
 * ends inside the value; ERR_FORMAT if the next value has another type
 * (the detail names what was expected); ERR_NONCANON if it is not in the
 * shortest form.  On error the position is unspecified.
 */
MUST_CHECK int mp_get_nil(struct mp_reader *r);
MUST_CHECK int mp_get_bool(struct mp_reader *r, int *v);
MUST_CHECK int mp_get_uint(struct mp_reader *r, uint64_t *v);
/* Accepts both unsigned and negative integers that fit int64_t. */
MUST_CHECK int mp_get_int(struct mp_reader *r, int64_t *v);
MUST_CHECK int mp_get_str(struct mp_reader *r, const char **s, size_t *n);
MUST_CHECK int mp_get_bin(struct mp_reader *r, const uint8_t **p,
			  size_t *n);
MUST_CHECK int mp_get_array(struct mp_reader *r, uint32_t *n);
MUST_CHECK int mp_get_map(struct mp_reader *r, uint32_t *n);

/*
 * Reads one whole value of any type, checking that it is canonical at
 * every depth (including map key order), and returns the slice it spans.
 * Fails with ERR_MALFORMED if nested deeper than MP_MAX_DEPTH.
 */
MUST_CHECK int mp_get_value(struct mp_reader *r, const uint8_t **start,
			    size_t *n);

/*
 * Checks that [p, p+n) is exactly one canonical value with nothing after
 * it (ERR_TRAILING otherwise).
 */
MUST_CHECK int mp_check(const void *p, size_t n, struct diag *d);

/*
 * Looks up key in the canonical map that starts at the reader's position
 * (which is left unchanged) and, if found, sets *val to a reader over that
 * value.  Returns ERR_NOTFOUND if the key is absent.
 */
MUST_CHECK int mp_map_find(const struct mp_reader *r, const char *key,
			   struct mp_reader *val);

/*
 * The value of key in the map at r, copied out: a str shorter than cap
 * (NUL-terminated), a uint, a bin of exactly want bytes.  ERR_NOTFOUND if
 * the key is absent, ERR_FORMAT if its value is of another type or size.
 */
MUST_CHECK int mp_map_get_str(const struct mp_reader *r, const char *key,
			      char *out, size_t cap);
MUST_CHECK int mp_map_get_uint(const struct mp_reader *r, const char *key,
			       uint64_t *out);
MUST_CHECK int mp_map_get_bin(const struct mp_reader *r, const char *key,
			      uint8_t *out, size_t want);

/*
 * Many lookups in one canonical map: each continues from where the last
 * one stopped, so keys asked for in ascending order cost one pass over the
 * map in all (a decoder reading every field of a record); a key asked for
 * out of order starts again from the map's first entry.
 */
struct mp_map_cursor {
	struct mp_reader first, at; /* at: the next entry's key */
	uint32_t count, left;
	struct diag *diag; /* the reader's, for the values found */
};
MUST_CHECK int mp_map_cursor_init(struct mp_map_cursor *c,
				  const struct mp_reader *r);
/*
 * As mp_map_find(), except that the value found is stepped over, so a
 * malformed one is ERR_FORMAT.  After ERR_FORMAT the cursor is spent.
 */
MUST_CHECK int mp_map_cursor_find(struct mp_map_cursor *c, const char *key,
				  struct mp_reader *val);

/*
 * Steps over the entries the cursor has not passed yet, so that every
 * entry of the map has been checked as mp_check() would check it, and
 * asks that the map end the reader's bytes.  A decoder that reads its
 * fields through the cursor and ends with this needs no mp_check() pass
 * first.  ERR_FORMAT for a malformed entry, ERR_TRAILING for bytes after
 * the map; either way the cursor is spent.
 */
MUST_CHECK int mp_map_cursor_end(struct mp_map_cursor *c);

/*
 * Appends the canonical map holding the entries of both canonical maps a
 * and b (bn may be 0: no map, a alone), in key order.  ERR_FORMAT if a key
 * is in both; else errors as the maps' reading.  out is unchanged on error.
 */
MUST_CHECK int mp_map_merge(const uint8_t *a, size_t an, const uint8_t *b,
			    size_t bn, struct buf *out);

/* 1 if [p, p+n) starts with a map header. */
int mp_is_map(const void *p, size_t n);

/*
 * Bytewise comparison of two map keys (memcmp, then the shorter first):
 * the order canonical maps use.
 */
int mp_key_cmp(const char *a, size_t an, const char *b, size_t bn);

#endif

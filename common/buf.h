/*
 * buf.h - a growable byte buffer (in the line of git's strbuf).
 *
 * Invariants: len <= cap; when cap > 0, data points to cap bytes owned by
 * the buffer and data[len] is a NUL byte, so a buffer of text is always a
 * valid C string.  A zeroed struct buf (BUF_INIT) is an empty buffer that
 * owns nothing.  Growth aborts on out of memory.
 */
#ifndef GRIDCASE_BUF_H
#define GRIDCASE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_init(struct buf *b);
/* Frees the bytes; b is empty afterwards and may be reused. */
void buf_release(struct buf *b);
/* Keeps the memory, forgets the contents. */
void buf_reset(struct buf *b);
/* Makes room for at least n more bytes. */
void buf_grow(struct buf *b, size_t n);
void buf_add(struct buf *b, const void *p, size_t n);
/* Appends n bytes for the caller to fill (say, in place of a copy from a
 * buffer of its own) and returns where they start. */
uint8_t *buf_append_space(struct buf *b, size_t n);
void buf_add_byte(struct buf *b, uint8_t c);
void buf_add_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap);
/* Shortens the contents to len (<= b->len) bytes. */
void buf_truncate(struct buf *b, size_t len);
/* Takes the bytes out: the caller owns the result (free()); b is empty. */
uint8_t *buf_detach(struct buf *b, size_t *len);
/* A C string view of the contents (never NULL). */
const char *buf_cstr(const struct buf *b);

#endif

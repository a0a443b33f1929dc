/* buf.c - the growable byte buffer of buf.h. */
#include "common/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_release(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
}

void
buf_grow(struct buf *b, size_t n)
{
	BUG_ON(b->len + n < b->len);
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

uint8_t *
buf_append_space(struct buf *b, size_t n)
{
	buf_grow(b, n);
	uint8_t *at = b->data + b->len;
	b->len += n;
	b->data[b->len] = '\0';
	return at;
}

void
buf_add_byte(struct buf *b, uint8_t c)
{
	buf_add(b, &c, 1);
}

void
buf_add_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	BUG_ON(n < 0);
	buf_grow(b, (size_t)n);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_truncate(struct buf *b, size_t len)
{
	BUG_ON(len > b->len);
	b->len = len;
	if (b->cap)
		b->data[len] = '\0';
}

uint8_t *
buf_detach(struct buf *b, size_t *len)
{
	uint8_t *p = b->data ? b->data : xcalloc(1, 1);
	if (len)
		*len = b->len;
	buf_init(b);
	return p;
}

const char *
buf_cstr(const struct buf *b)
{
	return b->cap ? (const char *)b->data : "";
}

/* html.c - escaping and form reading for the console (see html.h). */
#include "node/http/html.h"

#include <stdio.h>
#include <string.h>

#include "common/banned.h"

void
html_textn(struct buf *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '<': buf_add_str(out, "&lt;"); break;
		case '>': buf_add_str(out, "&gt;"); break;
		case '&': buf_add_str(out, "&amp;"); break;
		case '"': buf_add_str(out, "&quot;"); break;
		case '\'': buf_add_str(out, "&#39;"); break;
		case '\n':
		case '\t': buf_add_byte(out, c); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				char e[5] = { '\\', 'x', hex[c >> 4], hex[c & 15], 0 };
				buf_add_str(out, e);
			} else {
				buf_add_byte(out, c);
			}
		}
	}
}

void
html_text(struct buf *out, const char *s)
{
	html_textn(out, s ? s : "", s ? strlen(s) : 0);
}

void
html_url(struct buf *out, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		    c == '~') {
			buf_add_byte(out, c);
		} else {
			char e[4] = { '%', hex[c >> 4], hex[c & 15], 0 };
			buf_add_str(out, e);
		}
	}
}

void
html_csv(struct buf *out, const char *s)
{
	buf_add_byte(out, '"');
	if (s && (*s == '=' || *s == '+' || *s == '-' || *s == '@'))
		buf_add_byte(out, '\'');
	for (; s && *s; s++) {
		if (*s == '"')
			buf_add_byte(out, '"');
		buf_add_byte(out, (uint8_t)*s);
	}
	buf_add_byte(out, '"');
}

static int
unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
form_get(const char *form, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = form;
	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t o = 0;
			for (size_t i = nl + 1; i < len && o + 1 < cap; i++) {
				char c = p[i];
				if (c == '+') {
					c = ' ';
				} else if (c == '%' && i + 2 < len &&
					   unhex(p[i + 1]) >= 0 && unhex(p[i + 2]) >= 0) {
					c = (char)(unhex(p[i + 1]) * 16 + unhex(p[i + 2]));
					i += 2;
				}
				out[o++] = c;
			}
			out[o] = '\0';
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	if (cap)
		out[0] = '\0';
	return 0;
}

static const uint8_t *
find(const uint8_t *p, size_t n, const char *needle, size_t nn)
{
	if (nn == 0 || n < nn)
		return NULL;
	for (size_t i = 0; i + nn <= n; i++)
		if (p[i] == (uint8_t)needle[0] && memcmp(p + i, needle, nn) == 0)
			return p + i;
	return NULL;
}

/* Copies the value of key="..." in the header line [h, h+n) into out. */
static void
header_param(const uint8_t *h, size_t n, const char *key, char *out,
	     size_t cap)
{
	char pat[32];
	snprintf(pat, sizeof(pat), "%s=\"", key);
	out[0] = '\0';
	const uint8_t *v = find(h, n, pat, strlen(pat));
	if (!v)
		return;
	v += strlen(pat);
	size_t o = 0;
	while (v < h + n && *v != '"' && o + 1 < cap)
		out[o++] = (char)*v++;
	out[o] = '\0';
}

int
form_multipart(const char *content_type, const uint8_t *body, size_t len,
	       struct form_part *parts, int max)
{
	char delim[80];
	const char *b = strstr(content_type, "boundary=");
	int np = 0;
	if (strncmp(content_type, "multipart/form-data", 19) != 0 || !b)
		return -1;
	b += 9;
	if (*b == '"')
		b++;
	size_t bl = strcspn(b, "\";");
	if (bl == 0 || bl > 70)
		return -1;
	snprintf(delim, sizeof(delim), "--%.*s", (int)bl, b);
	size_t dl = strlen(delim);
	const uint8_t *p = find(body, len, delim, dl);
	if (!p)
		return -1;
	for (;;) {
		p += dl;
		size_t left = len - (size_t)(p - body);
		if (left >= 2 && p[0] == '-' && p[1] == '-')
			return np; /* the closing delimiter */
		if (left < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		left -= 2;
		const uint8_t *hend = find(p, left, "\r\n\r\n", 4);
		if (!hend)
			return -1;
		const uint8_t *data = hend + 4;
		char full[84];
		snprintf(full, sizeof(full), "\r\n%s", delim);
		const uint8_t *next = find(data, len - (size_t)(data - body), full,
					   dl + 2);
		if (!next)
			return -1;
		if (np < max) {
			struct form_part *fp = &parts[np];
			memset(fp, 0, sizeof(*fp));
			size_t hn = (size_t)(hend - p);
			header_param(p, hn, "name", fp->name, sizeof(fp->name));
			header_param(p, hn, "filename", fp->filename, sizeof(fp->filename));
			const uint8_t *ct = find(p, hn, "Content-Type: ", 14);
			if (ct) {
				ct += 14;
				size_t o = 0;
				while (ct < hend && *ct != '\r' && o + 1 < sizeof(fp->type))
					fp->type[o++] = (char)*ct++;
				fp->type[o] = '\0';
			}
			fp->data = data;
			fp->len = (size_t)(next - data);
			np++;
		}
		p = next + 2;
	}
}

int
form_part_get(const struct form_part *parts, int n, const char *name,
	      char *out, size_t cap)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(parts[i].name, name) != 0 || parts[i].filename[0])
			continue;
		size_t l = parts[i].len < cap - 1 ? parts[i].len : cap - 1;
		memcpy(out, parts[i].data, l);
		out[l] = '\0';
		return 1;
	}
	if (cap)
		out[0] = '\0';
	return 0;
}

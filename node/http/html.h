/*
 * html.h - writing HTML and reading forms: the console's one escaping
 * place.
 *
 * Every text that a person or a peer wrote goes to a page through
 * html_text() (or html_attr()): <, >, &, " and ' become entities, and
 * control characters - a terminal's escape sequences included - are
 * shown as visible \xNN text instead of being passed on.  Pages never
 * write such text by any other call.
 */
#ifndef GRIDCASE_HTML_H
#define GRIDCASE_HTML_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

/* Appends s (n bytes), escaped for HTML text or a quoted attribute. */
void html_textn(struct buf *out, const char *s, size_t n);
void html_text(struct buf *out, const char *s);
#define html_attr html_text

/* Appends s percent-encoded for a URL's query value (all but A-Z a-z 0-9
 * - . _ ~), which is also safe in HTML text and a quoted attribute. */
void html_url(struct buf *out, const char *s);

/* Appends s escaped for a CSV field (quoted, "" inside; a leading =+-@
 * is prefixed with ' so that a spreadsheet does not run it). */
void html_csv(struct buf *out, const char *s);

/*
 * Finds field name in an application/x-www-form-urlencoded text (a
 * query string or a form body) and decodes it into out (cap bytes, NUL
 * ended, cut if longer).  Returns 1 if found, 0 if not.
 */
int form_get(const char *form, const char *name, char *out, size_t cap);

/* One part of a multipart/form-data body: borrowed from the body. */
struct form_part {
	char name[64];
	char filename[128];
	char type[64];
	const uint8_t *data;
	size_t len;
};

/*
 * Splits a multipart/form-data body by the boundary of content_type
 * into at most max parts.  Returns the number of parts, or -1 if the
 * body is not such a body.
 */
int form_multipart(const char *content_type, const uint8_t *body,
		   size_t len, struct form_part *parts, int max);

/* The value of the part named name as text into out; 1 if found. */
int form_part_get(const struct form_part *parts, int n, const char *name,
		  char *out, size_t cap);

#endif

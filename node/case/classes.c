/* classes.c - parsing and looking up the classification table. */
#include "node/case/classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "common/banned.h"

struct class_row {
	enum class_kind kind;
	char code[6];
	char *name;
	int lineno; /* in the table's text, for messages */
};

struct classes {
	struct class_row *rows;
	size_t n;
};

const char *
class_kind_name(enum class_kind k)
{
	return k == CLASS_COMPONENT ? "component" : "event";
}

int
class_kind_parse(const char *s, enum class_kind *k)
{
	if (strcmp(s, "component") == 0)
		*k = CLASS_COMPONENT;
	else if (strcmp(s, "event") == 0)
		*k = CLASS_EVENT;
	else
		return ERR_INVAL;
	return 0;
}

static int
row_cmp(const void *a, const void *b)
{
	const struct class_row *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->code, y->code);
}

/* One row "code,kind,major_code,major_name,minor_code,name" into c. */
static int
parse_row(struct classes *c, char *line, const char *name, int lineno,
	  struct diag *d)
{
	char *field[6];
	int nf = 0;
	char *p = line;
	while (nf < 6) {
		field[nf++] = p;
		char *comma = strchr(p, ',');
		if (!comma || nf == 6)
			break;
		*comma = '\0';
		p = comma + 1;
	}
	/* A comma in the name is a seventh field: refused, not dropped. */
	if (nf != 6 || strchr(field[5], ',') || strlen(field[0]) != 5 ||
	    strspn(field[0], "0123456789") != 5)
		return diag_set(d, ERR_CORRUPT,
				"%s:%d: expected code,kind,major_code,major_name,minor_code,name",
				name, lineno);
	enum class_kind kind;
	if (strcmp(field[1], "管理部件") == 0)
		kind = CLASS_COMPONENT;
	else if (strcmp(field[1], "管理事项") == 0)
		kind = CLASS_EVENT;
	else
		return diag_set(d, ERR_CORRUPT, "%s:%d: unknown kind '%s'",
				name, lineno, field[1]);
	c->rows = xrealloc(c->rows, (c->n + 1) * sizeof(*c->rows));
	c->rows[c->n].kind = kind;
	memcpy(c->rows[c->n].code, field[0], 6);
	c->rows[c->n].name = xstrdup(field[5]);
	c->rows[c->n].lineno = lineno;
	c->n++;
	return 0;
}

int
classes_parse(const char *text, size_t n, const char *name,
	      struct classes **out, struct diag *d)
{
	struct classes *c = xcalloc(1, sizeof(*c));
	const char *p = text, *end = text + n;
	int lineno = 0, header = 0, rc = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xmalloc(len + 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl != NULL);
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0') {
			free(line);
			continue;
		}
		if (!header) { /* the column names */
			header = 1;
			free(line);
			continue;
		}
		rc = parse_row(c, line, name, lineno, d);
		free(line);
		if (rc) {
			classes_free(c);
			return rc;
		}
	}
	/* No rows, no array: qsort() and bsearch() must not see its NULL. */
	if (c->n > 1)
		qsort(c->rows, c->n, sizeof(*c->rows), row_cmp);
	/* A class twice would be looked up as either row's name. */
	for (size_t i = 1; i < c->n; i++) {
		const struct class_row *a = &c->rows[i - 1], *b = &c->rows[i];
		if (row_cmp(a, b) == 0) {
			int first = a->lineno < b->lineno ? a->lineno : b->lineno;
			int again = a->lineno < b->lineno ? b->lineno : a->lineno;
			rc = diag_set(d, ERR_CORRUPT,
				      "%s:%d: class %s:%s is already on line %d",
				      name, again, class_kind_name(a->kind),
				      a->code, first);
			classes_free(c);
			return rc;
		}
	}
	*out = c;
	return 0;
}

void
classes_free(struct classes *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n; i++)
		free(c->rows[i].name);
	free(c->rows);
	free(c);
}

const char *
classes_name(const struct classes *c, enum class_kind kind, const char *code)
{
	struct class_row key = { kind, { 0 }, NULL, 0 };
	if (strlen(code) != 5 || c->n == 0)
		return NULL;
	memcpy(key.code, code, 6);
	const struct class_row *r =
		bsearch(&key, c->rows, c->n, sizeof(*c->rows), row_cmp);
	return r ? r->name : NULL;
}

size_t
classes_count(const struct classes *c)
{
	return c->n;
}

void
classes_at(const struct classes *c, size_t i, enum class_kind *kind,
	   const char **code, const char **name)
{
	BUG_ON(i >= c->n);
	*kind = c->rows[i].kind;
	*code = c->rows[i].code;
	*name = c->rows[i].name;
}

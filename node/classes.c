/* classes.c - loading and looking up the classification table. */
#include "node/classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "common/banned.h"

#ifndef GRIDCASE_DATADIR
#define GRIDCASE_DATADIR "/usr/local/share/gridcase"
#endif

struct class_row {
	enum class_kind kind;
	char code[6];
	char *name;
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
file_exists(const char *p)
{
	return access(p, R_OK) == 0;
}

char *
data_path(const char *file)
{
	const char *env = getenv("GRIDCASE_DATA");
	if (env && *env)
		return xasprintf("%s/%s", env, file);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			char *p = xasprintf("%s/data/%s", exe, file);
			if (file_exists(p))
				return p;
			free(p);
			p = xasprintf("%s/../data/%s", exe, file);
			if (file_exists(p))
				return p;
			free(p);
			/* Installed: PREFIX/bin/gridcase beside PREFIX/share. */
			p = xasprintf("%s/../share/gridcase/%s", exe, file);
			if (file_exists(p))
				return p;
			free(p);
		}
	}
	return xasprintf("%s/%s", GRIDCASE_DATADIR, file);
}

static int
row_cmp(const void *a, const void *b)
{
	const struct class_row *x = a, *y = b;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return strcmp(x->code, y->code);
}

int
classes_load_file(const char *path, struct classes **out, struct diag *d)
{
	FILE *f = fopen(path, "r");
	struct classes *c;
	char line[1024];
	int lineno = 0, header = 0;

	if (!f)
		return diag_set(d, ERR_NOTFOUND,
				"cannot open the classification table '%s'",
				path);
	c = xcalloc(1, sizeof(*c));
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (!header) { /* the column names */
			header = 1;
			continue;
		}
		/* code,kind,major_code,major_name,minor_code,name */
		char *field[6];
		int nf = 0;
		char *p = line;
		while (nf < 6) {
			field[nf++] = p;
			char *comma = strchr(p, ',');
			if (!comma)
				break;
			*comma = '\0';
			p = comma + 1;
		}
		if (nf != 6 || strlen(field[0]) != 5 ||
		    strspn(field[0], "0123456789") != 5) {
			fclose(f);
			classes_free(c);
			return diag_set(d, ERR_CORRUPT,
					"%s:%d: expected code,kind,major_code,major_name,minor_code,name",
					path, lineno);
		}
		enum class_kind kind;
		if (strcmp(field[1], "管理部件") == 0)
			kind = CLASS_COMPONENT;
		else if (strcmp(field[1], "管理事项") == 0)
			kind = CLASS_EVENT;
		else {
			fclose(f);
			classes_free(c);
			return diag_set(d, ERR_CORRUPT,
					"%s:%d: unknown kind '%s'", path,
					lineno, field[1]);
		}
		c->rows = xrealloc(c->rows, (c->n + 1) * sizeof(*c->rows));
		c->rows[c->n].kind = kind;
		memcpy(c->rows[c->n].code, field[0], 6);
		c->rows[c->n].name = xstrdup(field[5]);
		c->n++;
	}
	fclose(f);
	qsort(c->rows, c->n, sizeof(*c->rows), row_cmp);
	*out = c;
	return 0;
}

int
classes_load(struct classes **out, struct diag *d)
{
	char *path = data_path(CLASSES_FILE);
	int rc = classes_load_file(path, out, d);
	free(path);
	return rc;
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
	struct class_row key = { kind, { 0 }, NULL };
	if (strlen(code) != 5)
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

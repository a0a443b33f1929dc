/* files.c - the domain's tables and configuration read from files. */
#include "node/files.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "common/banned.h"

#ifndef GRIDCASE_DATADIR
#define GRIDCASE_DATADIR "/usr/local/share/gridcase"
#endif

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

/* The whole of the file at path into text. */
static int
read_text(const char *path, struct buf *text)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return ERR_NOTFOUND;
	char chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(text, chunk, r);
	fclose(f);
	return 0;
}

int
classes_load_file(const char *path, struct classes **out, struct diag *d)
{
	struct buf text = BUF_INIT;
	if (read_text(path, &text))
		return diag_set(d, ERR_NOTFOUND,
				"cannot open the classification table '%s'",
				path);
	int rc = classes_parse((const char *)text.data, text.len, path, out, d);
	buf_release(&text);
	return rc;
}

int
classes_load(struct classes **out, struct diag *d)
{
	char *path = data_path(CLASSES_FILE);
	int rc = classes_load_file(path, out, d);
	free(path);
	return rc;
}

int
config_load_file(const char *path, struct config **out, struct diag *d)
{
	struct buf text = BUF_INIT;
	if (read_text(path, &text))
		return diag_set(d, ERR_NOTFOUND, "cannot open '%s'", path);
	int rc = config_parse(buf_cstr(&text), path, out, d);
	buf_release(&text);
	return rc;
}

/* dir/config.json, or data/config.json if dir has none. */
static char *
config_path(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, CONFIG_FILE);
	if (access(path, F_OK) != 0) {
		free(path);
		path = data_path(CONFIG_FILE);
	}
	return path;
}

int
config_read(const char *dir, char **text, char **name, struct diag *d)
{
	struct buf b = BUF_INIT;
	char *path = config_path(dir);
	if (read_text(path, &b)) {
		int rc = diag_set(d, ERR_NOTFOUND, "cannot open '%s'", path);
		free(path);
		return rc;
	}
	*text = xstrdup(buf_cstr(&b));
	*name = path;
	buf_release(&b);
	return 0;
}

/*
 * backup.c - consistent copies of a store (see store.h, "backups"), and
 * the progress hook of long work.
 *
 * LMDB's compacting copy walks the trees inside one read transaction:
 * the copy is the store as of that transaction, whatever writers (a
 * daemon, a CLI command) do meanwhile, and it holds only the pages in
 * use.  The same copy restores: it reads a backup as a store of its own
 * and writes a fresh one, so a damaged backup is refused before anything
 * is written in its place.
 */
#include "store/store.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "store/internal.h"
#include "common/banned.h"

/* Copies one file, synced; ERR_IO names it. */
static int
copy_file(const char *src, const char *dst, struct diag *d)
{
	FILE *in = fopen(src, "r"), *out = NULL;
	char chunk[8192];
	size_t r;
	int rc = 0;
	if (!in)
		return errno == ENOENT ? 0 /* erased meanwhile */
				       : diag_set(d, ERR_IO, "cannot read '%s': %s",
						  src, strerror(errno));
	if (!(out = fopen(dst, "wx"))) {
		rc = diag_set(d, errno == EEXIST ? ERR_EXISTS : ERR_IO,
			      "cannot create '%s': %s", dst, strerror(errno));
		goto out;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, r, out) != r && rc == 0)
			rc = diag_set(d, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
				      "cannot write '%s': %s", dst, strerror(errno));
	if (ferror(in) && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot read '%s'", src);
	if ((fflush(out) != 0 || fsync(fileno(out)) != 0) && rc == 0)
		rc = diag_set(d, errno == ENOSPC ? ERR_NOSPACE : ERR_IO,
			      "cannot write '%s': %s", dst, strerror(errno));
	if (fclose(out) != 0 && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
out:
	fclose(in);
	return rc;
}

/*
 * The blobs (blob.c: DIR/blobs/<2 hex>/<64 hex>), file by file.  They
 * live outside LMDB and are written before the events that name them,
 * so a blob added during the copy may be there without its event: it is
 * harmless, and one erased during it is simply missing, as erased.
 */
static int
copy_blobs(const char *from, const char *to, struct diag *d)
{
	char *top = xasprintf("%s/blobs", from);
	DIR *dt = opendir(top), *ds;
	struct dirent *e, *f;
	int rc = 0;
	if (!dt) {
		free(top);
		return 0; /* no blob yet */
	}
	char *dtop = xasprintf("%s/blobs", to);
	if (mkdir(dtop, 0700) != 0 && errno != EEXIST)
		rc = diag_set(d, ERR_IO, "cannot create '%s': %s", dtop,
			      strerror(errno));
	while (rc == 0 && (e = readdir(dt))) {
		if (e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", top, e->d_name);
		char *dsub = xasprintf("%s/%s", dtop, e->d_name);
		if ((ds = opendir(sub))) {
			if (mkdir(dsub, 0700) != 0 && errno != EEXIST)
				rc = diag_set(d, ERR_IO, "cannot create '%s': %s",
					      dsub, strerror(errno));
			while (rc == 0 && (f = readdir(ds))) {
				if (f->d_name[0] == '.')
					continue;
				char *a = xasprintf("%s/%s", sub, f->d_name);
				char *b = xasprintf("%s/%s", dsub, f->d_name);
				rc = copy_file(a, b, d);
				free(a);
				free(b);
			}
			closedir(ds);
		}
		free(sub);
		free(dsub);
	}
	closedir(dt);
	free(top);
	free(dtop);
	return rc;
}

/* mkdir -p, mode 0700: a backup names its folder, made if missing. */
static int
make_dirs(const char *path)
{
	char *p = xstrdup(path);
	int rc = 0;
	for (char *q = p + 1; *q && rc == 0; q++) {
		if (*q != '/')
			continue;
		*q = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST)
			rc = -1;
		*q = '/';
	}
	if (rc == 0 && mkdir(p, 0700) != 0 && errno != EEXIST)
		rc = -1;
	free(p);
	return rc;
}

/* The copy into dest (a directory): ERR_EXISTS if it holds a data.mdb. */
static int
copy_env(MDB_env *env, const char *dest, struct diag *d)
{
	char *path = xasprintf("%s/data.mdb", dest);
	int exists = access(path, F_OK) == 0;
	free(path);
	if (exists)
		return diag_set(d, ERR_EXISTS,
				"cannot copy the store to '%s': it already holds a data.mdb",
				dest);
	if (make_dirs(dest) != 0)
		return diag_set(d, errno == EACCES ? ERR_PERM : ERR_IO,
				"cannot create '%s': %s", dest, strerror(errno));
	int rc = mdb_env_copy2(env, dest, MDB_CP_COMPACT);
	if (rc == EEXIST)
		return diag_set(d, ERR_EXISTS,
				"cannot copy the store to '%s': it already holds a data.mdb",
				dest);
	if (rc) {
		char what[300];
		snprintf(what, sizeof(what), "cannot copy the store to '%s'", dest);
		return store_lmdb_err(rc, what, d);
	}
	return 0;
}

void
store_set_progress(struct store *s, store_progress_fn fn, void *ctx)
{
	s->progress = fn;
	s->progress_ctx = ctx;
}

int
store_backup(struct store *s, const char *dest, struct diag *d)
{
	int rc = copy_env(s->env, dest, d);
	return rc ? rc : copy_blobs(s->dir, dest, d);
}

int
store_restore(const char *src, const char *dest, struct diag *d)
{
	MDB_env *env = NULL;
	struct store *check = NULL;
	char *path = xasprintf("%s/data.mdb", src);
	int rc, missing = access(path, R_OK) != 0;
	free(path);
	if (missing)
		return diag_set(d, ERR_NOTFOUND,
				"no backup in '%s' (no readable data.mdb)", src);
	/* A backup is written by nobody: read it without a lock file, so
	 * that a read-only medium serves. */
	if ((rc = mdb_env_create(&env)))
		return store_lmdb_err(rc, "cannot create LMDB environment", d);
	if ((rc = mdb_env_open(env, src, MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS,
			       0600))) {
		mdb_env_close(env);
		char what[300];
		snprintf(what, sizeof(what), "cannot read the backup '%s'", src);
		return store_lmdb_err(rc, what, d);
	}
	rc = copy_env(env, dest, d);
	mdb_env_close(env);
	if (rc || (rc = copy_blobs(src, dest, d)))
		return rc;
	/* The copy must be a store this gridcase reads. */
	if ((rc = store_open(dest, NULL, &check, d)))
		return rc;
	store_close(check);
	return 0;
}

/* node.c - creating and opening a node directory. */
#include "node/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/classes.h"
#include "node/config.h"
#include "node/fold.h"
#include "node/roles.h"
#include "store/store.h"
#include "common/banned.h"

struct node {
	char *dir;
	struct store *store;
	struct key *key;
	struct config *cfg;
	struct roles *roles;
	struct fold_ctx fold;
};

/* Copies data/config.json to dir/config.json unless one is there. */
static int
write_config(const char *dir, struct diag *d)
{
	char *src = data_path(CONFIG_FILE);
	char *dst = xasprintf("%s/%s", dir, CONFIG_FILE);
	FILE *in = NULL, *out = NULL;
	int rc = 0;
	if (access(dst, F_OK) == 0)
		goto done;
	if (!(in = fopen(src, "r"))) {
		rc = diag_set(d, ERR_NOTFOUND,
			      "cannot read the default configuration '%s'", src);
		goto done;
	}
	if (!(out = fopen(dst, "w"))) {
		rc = diag_set(d, ERR_IO, "cannot create '%s': %s", dst,
			      strerror(errno));
		goto done;
	}
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, r, out) != r)
			rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
	if (fclose(out) != 0 && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
	out = NULL;
done:
	if (in)
		fclose(in);
	free(src);
	free(dst);
	return rc;
}

int
node_init(const char *dir, const struct node_init_opts *o, uint8_t pub[32],
	  struct diag *d)
{
	struct key *k = NULL;
	struct store *s = NULL;
	char *key_path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
	struct member m;
	int rc;

	if (access(key_path, F_OK) == 0) {
		rc = diag_set(d, ERR_EXISTS, "'%s' already holds a node key",
			      dir);
		goto out;
	}
	if ((rc = store_create(dir, o->network, NULL, d)))
		goto out;
	k = key_generate();
	if ((rc = key_save(k, key_path, d)) || (rc = write_config(dir, d)))
		goto out;
	if ((rc = store_open(dir, NULL, &s, d)))
		goto out;
	if ((rc = store_meta_set(s, "node", o->name, d)))
		goto out;
	if (o->county && (rc = store_meta_set(s, "county", o->county, d)))
		goto out;
	memset(&m, 0, sizeof(m));
	memcpy(m.key, key_public(k), 32);
	snprintf(m.name, sizeof(m.name), "%s", o->name);
	snprintf(m.unit, sizeof(m.unit), "%s", o->unit ? o->unit : o->name);
	m.roles = o->roles ? o->roles : ROLE_ALL;
	if ((rc = roles_put(s, &m, d)))
		goto out;
	memcpy(pub, key_public(k), 32);
out:
	store_close(s);
	key_free(k);
	free(key_path);
	return rc;
}

int
node_open(const char *dir, int flags, const char *key_path, struct node **out,
	  struct diag *d)
{
	struct store_options opt = { 0 };
	struct node *n = xcalloc(1, sizeof(*n));
	int rc;

	if (flags & NODE_NOSYNC)
		opt.flags |= STORE_NOSYNC;
	n->dir = xstrdup(dir);
	if ((rc = store_open(dir, &opt, &n->store, d)))
		goto fail;
	if ((rc = config_load(dir, &n->cfg, d)))
		goto fail;
	if ((rc = roles_load(n->store, &n->roles))) {
		rc = diag_set(d, rc, "cannot read the member table: %s",
			      err_str(rc));
		goto fail;
	}
	n->fold.roles = n->roles;
	n->fold.cfg = n->cfg;
	store_set_fold(n->store, fold_view, &n->fold);
	if (flags & NODE_WITH_KEY) {
		char *path = key_path ? xstrdup(key_path)
				      : xasprintf("%s/%s", dir, NODE_KEY_FILE);
		rc = key_load(path, &n->key, d);
		free(path);
		if (rc)
			goto fail;
	}
	*out = n;
	return 0;
fail:
	node_close(n);
	return rc;
}

void
node_close(struct node *n)
{
	if (!n)
		return;
	store_close(n->store);
	key_free(n->key);
	config_free(n->cfg);
	roles_free(n->roles);
	free(n->dir);
	free(n);
}

struct store *
node_store(struct node *n)
{
	return n->store;
}

const struct key *
node_key(struct node *n)
{
	return n->key;
}

const char *
node_dir(const struct node *n)
{
	return n->dir;
}

const struct config *
node_config(const struct node *n)
{
	return n->cfg;
}

const struct roles *
node_roles(const struct node *n)
{
	return n->roles;
}

int
node_refold(struct node *n, uint64_t *cases, struct diag *d)
{
	struct roles *fresh;
	int rc = roles_load(n->store, &fresh);
	if (rc)
		return diag_set(d, rc, "cannot read the member table");
	roles_free(n->roles);
	n->roles = fresh;
	n->fold.roles = fresh;
	return store_refold_all(n->store, cases, d);
}

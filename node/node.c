/* node.c - creating and opening a node directory. */
#include "node/node.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "crypto/key.h"
#include "store/store.h"
#include "common/banned.h"

struct node {
	char *dir;
	struct store *store;
	struct key *key;
};

int
node_init(const char *dir, const struct node_init_opts *o, uint8_t pub[32],
	  struct diag *d)
{
	struct key *k = NULL;
	struct store *s = NULL;
	char *key_path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
	int rc;

	if (access(key_path, F_OK) == 0) {
		rc = diag_set(d, ERR_EXISTS, "'%s' already holds a node key",
			      dir);
		goto out;
	}
	if ((rc = store_create(dir, o->network, NULL, d)))
		goto out;
	k = key_generate();
	if ((rc = key_save(k, key_path, d)))
		goto out;
	if ((rc = store_open(dir, NULL, &s, d)))
		goto out;
	if ((rc = store_meta_set(s, "node", o->name, d)))
		goto out;
	if (o->county && (rc = store_meta_set(s, "county", o->county, d)))
		goto out;
	memcpy(pub, key_public(k), 32);
out:
	store_close(s);
	key_free(k);
	free(key_path);
	return rc;
}

int
node_open(const char *dir, int flags, struct node **out, struct diag *d)
{
	struct store_options opt = { 0 };
	struct node *n = xcalloc(1, sizeof(*n));
	int rc;

	if (flags & NODE_NOSYNC)
		opt.flags |= STORE_NOSYNC;
	n->dir = xstrdup(dir);
	if ((rc = store_open(dir, &opt, &n->store, d)))
		goto fail;
	if (flags & NODE_WITH_KEY) {
		char *path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
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

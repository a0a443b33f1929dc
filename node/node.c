/* node.c - creating and opening a node directory. */
#include "node/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/classes.h"
#include "node/config.h"
#include "common/hex.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/seal.h"
#include "node/fold.h"
#include "node/roster.h"
#include "store/store.h"
#include "common/banned.h"

struct node {
	char *dir;
	struct store *store;
	struct key *key;
	struct config *cfg;
	struct roster roster;
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

static int
append_roster(struct store *s, const struct key *admin, const char *type,
	      const struct buf *body, uint64_t now_ms, struct diag *d)
{
	struct append_req req = { ROSTER_CASE, NULL, type, body->data,
				  body->len, 0, NULL, now_ms };
	return store_append(s, admin, &req, NULL, d);
}

int
node_init(const char *dir, const struct node_init_opts *o, uint8_t pub[32],
	  struct diag *d)
{
	struct key *k = NULL;
	struct store *s = NULL;
	char *key_path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
	char admin_hex[65];
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
	hex_encode(o->admin, 32, admin_hex);
	if ((rc = store_meta_set(s, "node", o->name, d)) ||
	    (rc = store_meta_set(s, "admin", admin_hex, d)))
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

/*
 * Peers may hand us only events by members of the roster (or the admin,
 * who writes it), and nothing a revocation made invalid.
 */
static int
admit_filter(void *ctx, struct store_batch *b, const struct event *ev,
	     struct diag *d)
{
	struct node *n = ctx;
	char hex[17];
	int rc;
	if (!n->roster.has_admin || memcmp(ev->author, n->roster.admin, 32) == 0)
		return 0;
	if ((rc = roster_refresh_batch(&n->roster, b)))
		return diag_set(d, rc, "cannot read the roster");
	hex_encode(ev->author, 8, hex);
	if (!roster_knows(&n->roster, ev->author))
		return diag_set(d, ERR_DENIED,
				"author %s is not in the district's roster", hex);
	uint64_t after = roster_revoked_after(&n->roster, ev->author);
	if (after == UINT64_MAX || (after && ev->seq > after))
		return diag_set(d, ERR_DENIED,
				"author %s was revoked after seq %llu; its seq %llu is not valid",
				hex, after == UINT64_MAX ? 0ull : (unsigned long long)after,
				(unsigned long long)ev->seq);
	return 0;
}

/*
 * What the case views were made with: the fold's version and the
 * calendar (the due-time index depends on it), as a hash in hex.
 */
static void
views_fingerprint(const struct calendar *c, char hex[65])
{
	struct hasher h;
	uint8_t sum[HASH_BYTES];
	char text[64];
	hash_init(&h);
	snprintf(text, sizeof(text), "gridcase/views/%d/%d/%u/", FOLD_VIEWS_VERSION,
		 c->utc_offset_min, c->weekend);
	hash_update(&h, text, strlen(text));
	for (int i = 0; i < c->nperiods; i++) {
		snprintf(text, sizeof(text), "p%d-%d/", c->period_start[i], c->period_end[i]);
		hash_update(&h, text, strlen(text));
	}
	for (size_t i = 0; i < c->nholidays; i++) {
		snprintf(text, sizeof(text), "h%lld/", (long long)c->holidays[i]);
		hash_update(&h, text, strlen(text));
	}
	for (size_t i = 0; i < c->nworkdays; i++) {
		snprintf(text, sizeof(text), "w%lld/", (long long)c->workdays[i]);
		hash_update(&h, text, strlen(text));
	}
	hash_final(&h, sum);
	hex_encode(sum, 32, hex);
}

/*
 * Folds every case again when the views were made by another fold or
 * under another calendar (config.json edited), so that no list or index
 * is stale; then records what they are made with now.
 */
static int
refresh_views(struct node *n, struct diag *d)
{
	struct buf have = BUF_INIT;
	struct diag why;
	char want[65];
	uint64_t cases = 0;
	int rc;
	views_fingerprint(&n->cfg->cal, want);
	rc = store_meta_get(n->store, "views", &have);
	int same = rc == 0 && strcmp(buf_cstr(&have), want) == 0;
	buf_release(&have);
	if (same)
		return 0;
	if ((rc = store_refold_all(n->store, &cases, &why))) {
		/* A damaged event or a full disk must not lock the admin
		 * out of status, verify and export: keep the old views, say
		 * so, try again next time. */
		if (rc != ERR_BADID && rc != ERR_NOSPACE && rc != ERR_FULL)
			return diag_set(d, rc, "%s", why.text);
		log_err("node", "cannot fold the cases again: %s", why.text);
		return 0;
	}
	if (cases)
		log_warn("node", "the case views were made with another calendar or "
			 "fold: %llu cases folded again", (unsigned long long)cases);
	return store_meta_set(n->store, "views", want, d);
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
	roster_init(&n->roster);
	{
		struct buf admin = BUF_INIT;
		if (store_meta_get(n->store, "admin", &admin) == 0 &&
		    hex_decode(buf_cstr(&admin), n->roster.admin, 32) == 0)
			n->roster.has_admin = 1;
		buf_release(&admin);
	}
	if (!n->roster.has_admin) {
		rc = diag_set(d, ERR_CORRUPT, "store '%s' names no admin key", dir);
		goto fail;
	}
	n->fold.roster = &n->roster;
	n->fold.cfg = n->cfg;
	store_set_fold(n->store, fold_view, &n->fold);
	store_set_admit_filter(n->store, admit_filter, n);
	store_set_global_case(n->store, ROSTER_CASE);
	if ((rc = refresh_views(n, d)))
		goto fail;
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
	roster_release(&n->roster);
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

const struct roster *
node_roster(struct node *n)
{
	return roster_refresh(&n->roster, n->store) ? NULL : &n->roster;
}

static int
check_admin(struct node *n, const struct key *admin, struct diag *d)
{
	if (memcmp(key_public(admin), n->roster.admin, 32) != 0)
		return diag_set(d, ERR_DENIED,
				"that key is not the admin key of network '%s'",
				store_network(n->store));
	return 0;
}

int
node_roster_add(struct node *n, const struct key *admin,
		const struct member *m, uint64_t now_ms, struct diag *d)
{
	struct buf body = BUF_INIT;
	int rc = check_admin(n, admin, d);
	if (rc)
		return rc;
	roster_add_body(m, &body);
	rc = append_roster(n->store, admin, ROSTER_ADD, &body, now_ms, d);
	buf_release(&body);
	return rc;
}

int
node_roster_revoke(struct node *n, const struct key *admin,
		   const uint8_t key[32], uint64_t last_seq, const char *reason,
		   uint64_t now_ms, struct diag *d)
{
	struct buf body = BUF_INIT;
	int rc = check_admin(n, admin, d);
	if (rc)
		return rc;
	roster_revoke_body(key, last_seq, reason, &body);
	rc = append_roster(n->store, admin, ROSTER_REVOKE, &body, now_ms, d);
	buf_release(&body);
	return rc;
}

int
node_fold_case(struct node *n, struct store_batch *b, const char *case_id,
	       struct case_state *st, struct diag *d)
{
	return fold_case(&n->fold, b, case_id, st, d);
}

const struct roster *
node_batch_roster(struct node *n, struct store_batch *b)
{
	return roster_refresh_batch(&n->roster, b) ? NULL : &n->roster;
}

int
node_refold(struct node *n, uint64_t *cases, struct diag *d)
{
	return store_refold_all(n->store, cases, d);
}

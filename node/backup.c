/* backup.c - backups, restores and key replacement (see backup.h). */
#include "node/backup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/case/config.h"
#include "node/case/roster.h"
#include "node/files.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

/* Copies the file src to dst (created, mode 0600 masked by umask). */
static int
copy_file(const char *src, const char *dst, struct diag *d)
{
	FILE *in = fopen(src, "r"), *out = NULL;
	char chunk[4096];
	size_t r;
	int rc = 0;
	if (!in)
		return diag_set(d, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
				"cannot read '%s': %s", src, strerror(errno));
	if (!(out = fopen(dst, "wx"))) {
		rc = diag_set(d, errno == EEXIST ? ERR_EXISTS : ERR_IO,
			      "cannot create '%s': %s", dst, strerror(errno));
		goto out;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, r, out) != r && rc == 0)
			rc = diag_set(d, ERR_IO, "cannot write '%s': %s", dst,
				      strerror(errno));
	if (ferror(in) && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot read '%s'", src);
	if ((fflush(out) != 0 || fsync(fileno(out)) != 0) && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s': %s", dst,
			      strerror(errno));
	if (fclose(out) != 0 && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
out:
	fclose(in);
	return rc;
}

int
node_backup(struct node *n, const char *dest, struct diag *d)
{
	char *src = NULL, *dst = NULL;
	struct key *k = NULL;
	FILE *f = NULL;
	char hex[2 * EVENT_KEY_BYTES + 1];
	int rc;

	if ((rc = store_backup(node_store(n), dest, d)))
		return rc;
	/* The configuration as the node has it, if it has its own. */
	src = xasprintf("%s/%s", node_dir(n), CONFIG_FILE);
	dst = xasprintf("%s/%s", dest, CONFIG_FILE);
	if (access(src, F_OK) == 0 && (rc = copy_file(src, dst, d)))
		goto out;
	free(src);
	free(dst);
	/* Whose backup it is: the public half only. */
	src = xasprintf("%s/%s", node_dir(n), NODE_KEY_FILE);
	dst = xasprintf("%s/%s", dest, NODE_BACKUP_PUB_FILE);
	if ((rc = key_load(src, &k, d)))
		goto out;
	hex_encode(key_public(k), EVENT_KEY_BYTES, hex);
	if (!(f = fopen(dst, "wx")) || fprintf(f, "%s\n", hex) < 0 ||
	    fflush(f) != 0 || fsync(fileno(f)) != 0) {
		rc = diag_set(d, errno == EEXIST ? ERR_EXISTS : ERR_IO,
			      "cannot write '%s': %s", dst, strerror(errno));
		goto out;
	}
out:
	if (f && fclose(f) != 0 && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
	key_free(k);
	free(src);
	free(dst);
	return rc;
}

/* The key a backup was made with, from its node.pub. */
static int
read_backup_pub(const char *src, uint8_t old[EVENT_KEY_BYTES], struct diag *d)
{
	char *path = xasprintf("%s/%s", src, NODE_BACKUP_PUB_FILE);
	char line[2 * EVENT_KEY_BYTES + 8] = "";
	FILE *f = fopen(path, "r");
	int rc = 0;
	if (!f) {
		rc = diag_set(d, ERR_NOTFOUND,
			      "cannot read '%s': %s (not a gridcase backup?)",
			      path, strerror(errno));
		goto out;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (hex_decode(line, old, EVENT_KEY_BYTES))
		rc = diag_set(d, ERR_CORRUPT, "'%s' holds no key (64 hex digits)",
			      path);
out:
	free(path);
	return rc;
}

int
node_restore(const char *src, const char *dir, uint8_t old[EVENT_KEY_BYTES],
	     uint8_t pub[EVENT_KEY_BYTES], struct diag *d)
{
	char *key_path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
	char *cfg_src = xasprintf("%s/%s", src, CONFIG_FILE);
	char *cfg_dst = xasprintf("%s/%s", dir, CONFIG_FILE);
	uint8_t was[EVENT_KEY_BYTES];
	char hex[2 * EVENT_KEY_BYTES + 1];
	struct store *s = NULL;
	struct key *k = NULL;
	int rc;

	if (access(key_path, F_OK) == 0) {
		rc = diag_set(d, ERR_EXISTS, "'%s' already holds a node", dir);
		goto out;
	}
	if ((rc = read_backup_pub(src, was, d)) ||
	    (rc = store_restore(src, dir, d)))
		goto out;
	if (access(cfg_src, F_OK) == 0) {
		if ((rc = copy_file(cfg_src, cfg_dst, d)))
			goto out;
	} else {
		free(cfg_src);
		cfg_src = data_path(CONFIG_FILE);
		if ((rc = copy_file(cfg_src, cfg_dst, d)))
			goto out;
	}
	/* Recorded before the key exists: a node with a key is whole. */
	if ((rc = store_open(dir, NULL, &s, d)))
		goto out;
	hex_encode(was, EVENT_KEY_BYTES, hex);
	if ((rc = store_meta_set(s, NODE_META_RESTORED_FROM, hex, d)))
		goto out;
	k = key_generate();
	if ((rc = key_save(k, key_path, d)))
		goto out;
	memcpy(old, was, EVENT_KEY_BYTES);
	memcpy(pub, key_public(k), EVENT_KEY_BYTES);
out:
	store_close(s);
	key_free(k);
	free(key_path);
	free(cfg_src);
	free(cfg_dst);
	return rc;
}

/* 1 if this node was restored from a backup made with key. */
static int
restored_from(struct node *n, const uint8_t key[EVENT_KEY_BYTES])
{
	struct buf v = BUF_INIT;
	uint8_t was[EVENT_KEY_BYTES];
	int yes = store_meta_get(node_store(n), NODE_META_RESTORED_FROM, &v) == 0 &&
		  hex_decode(buf_cstr(&v), was, EVENT_KEY_BYTES) == 0 &&
		  memcmp(was, key, EVENT_KEY_BYTES) == 0;
	buf_release(&v);
	return yes;
}

int
node_roster_replace(struct node *n, struct admin_key *a,
		    const uint8_t old[EVENT_KEY_BYTES],
		    const uint8_t new_key[EVENT_KEY_BYTES], uint64_t last_seq,
		    uint64_t now_ms, uint64_t *last, struct diag *d)
{
	const struct roster *r = node_roster(n);
	struct member m;
	uint64_t revoked_after;
	char hex[17], reason[64];
	int rc;

	if (!r)
		return diag_set(d, ERR_IO, "cannot read the roster");
	const struct member *was = roster_record(r, old);
	hex_encode(old, 8, hex);
	if (!was)
		return diag_set(d, ERR_NOTFOUND, "key %s is no member of the roster",
				hex);
	if (roster_lookup(r, new_key, 0))
		return diag_set(d, ERR_EXISTS,
				"the new key is a member already");
	int revoked = roster_is_revoked(r, old, &revoked_after);
	if (last_seq == NODE_LAST_SEQ_HELD && !revoked) {
		struct summary_entry e;
		if (restored_from(n, old))
			return diag_set(d, ERR_STATE,
					"this node was restored from a backup of key %s: it cannot know where that key's chain ends; replace the key on a node that holds its later events, or give its last seq",
					hex);
		rc = store_summary_get(node_store(n), old, &e);
		if (rc && rc != ERR_NOTFOUND)
			return diag_set(d, rc, "cannot read the summary: %s",
					err_str(rc));
		last_seq = rc ? 0 : e.seq;
	}
	m = *was; /* copied: the roster is read again below */
	memcpy(m.key, new_key, EVENT_KEY_BYTES);
	if ((rc = node_roster_add(n, a, &m, now_ms, d)))
		return rc;
	if (!revoked) {
		char nhex[17];
		hex_encode(new_key, 8, nhex);
		snprintf(reason, sizeof(reason), "replaced by key %s", nhex);
		if ((rc = node_roster_revoke(n, a, old, last_seq, reason, now_ms, d)))
			return rc;
	}
	*last = revoked ? revoked_after : last_seq;
	return 0;
}

int
node_rekey(struct node *n, struct admin_key *a, uint64_t now_ms,
	   uint8_t pub[EVENT_KEY_BYTES], uint64_t *last, struct diag *d)
{
	char *path = xasprintf("%s/%s", node_dir(n), NODE_KEY_FILE);
	char *fresh = xasprintf("%s/%s.new", node_dir(n), NODE_KEY_FILE);
	struct key *k = NULL;
	uint8_t old[EVENT_KEY_BYTES];
	int rc;

	memcpy(old, key_public(node_key(n)), EVENT_KEY_BYTES);
	if (!node_roster(n) || !roster_lookup(node_roster(n), old, 0)) {
		rc = diag_set(d, ERR_NOTFOUND,
			      "the key of '%s' is no member of the roster (revoked, or never added): nothing to replace",
			      node_dir(n));
		goto out;
	}
	k = key_generate();
	if ((rc = key_save(k, fresh, d))) {
		if (rc == ERR_EXISTS)
			diag_set(d, rc,
				 "'%s' is there: an earlier rekey did not finish (see 'gridcase roster show'; remove the file to start again)",
				 fresh);
		goto out;
	}
	if ((rc = node_roster_replace(n, a, old, key_public(k),
				      NODE_LAST_SEQ_HELD, now_ms, last, d)))
		goto out;
	if (rename(fresh, path) != 0) {
		rc = diag_set(d, ERR_IO,
			      "the roster holds the new key, but '%s' cannot be renamed to '%s': %s (rename it by hand)",
			      fresh, path, strerror(errno));
		goto out;
	}
	memcpy(pub, key_public(k), EVENT_KEY_BYTES);
out:
	key_free(k);
	free(path);
	free(fresh);
	return rc;
}

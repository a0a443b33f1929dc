/*
 * web_keys.h - the members' keys the web console holds, each sealed with
 * its person's passphrase (crypto/key.h, key boxes).
 *
 * A node that serves the console keeps one file per person in
 * <node>/web-keys/<name> (mode 0600, in a 0700 folder): a key box, never
 * the key in clear.  Signing in opens the box with the passphrase; the key
 * then lives in locked memory for the session and is wiped when the
 * session ends.  Whether the key may act is the roster's word, asked on
 * every action (node_may_sign()), never this file's.
 */
#ifndef GRIDCASE_WEB_KEYS_H
#define GRIDCASE_WEB_KEYS_H

#include <stddef.h>

#include "common/err.h"

struct key;

#define WEB_KEYS_DIR "web-keys"
#define WEB_KEY_NAME_MAX 64

/* 1 if name is a sign-in name: 1 to 64 of [A-Za-z0-9._-], not "." first. */
int web_key_name_is_valid(const char *name);

/*
 * Seals k with the passphrase and writes it as name's key on the node in
 * dir.  ERR_INVAL (a bad name, a passphrase too short), ERR_EXISTS (name
 * has a key: remove the file to replace it), ERR_IO.
 */
MUST_CHECK int web_key_add(const char *dir, const char *name,
			   const struct key *k, const char *pass,
			   size_t passlen, struct diag *d);

/*
 * Opens name's key with the passphrase; *out is a new key (key_free()).
 * ERR_NOTFOUND (no such name: d says so, but a sign-in page must not
 * tell it from a wrong passphrase), ERR_DENIED (wrong passphrase),
 * ERR_CORRUPT, ERR_INVAL (a bad name).
 */
MUST_CHECK int web_key_unlock(const char *dir, const char *name,
			      const char *pass, size_t passlen,
			      struct key **out, struct diag *d);

#endif

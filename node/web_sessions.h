/*
 * web_sessions.h - the web console's sessions kept across a restart of
 * the daemon, in <node>/web-sessions (mode 0600).
 *
 * The file is written so that stealing it gains nothing: it holds no key
 * (a session read back is locked: its person gives the passphrase again
 * before the node signs anything for it), no cookie (only the BLAKE2b-256
 * of the cookie's value, a 32-byte random token, so the file does not
 * let anyone present a session) and no CSRF token (a session read back
 * gets a new one).  What it does hold is who signed in, with which public
 * key, and when: what lets a person's open pages keep working across a
 * restart.  docs/web.md says why this design and not a sealed key.
 *
 * Format, one line each: "gridcase-sessions-v1", then per session
 * "ID_HASH PUBLIC_KEY CREATED_MS LAST_MS NAME" (hex, hex, decimal,
 * decimal, the sign-in name).
 */
#ifndef GRIDCASE_WEB_SESSIONS_H
#define GRIDCASE_WEB_SESSIONS_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/event.h"
#include "crypto/hash.h"
#include "node/web_keys.h"

#define WEB_SESSIONS_FILE "web-sessions"

struct web_session_rec {
	uint8_t id_hash[HASH_BYTES];  /* BLAKE2b-256 of the cookie's value */
	uint8_t pub[EVENT_KEY_BYTES]; /* the key the person signed in with */
	uint64_t created_ms, last_ms;
	char name[WEB_KEY_NAME_MAX + 1];
};

/*
 * Replaces the file in dir with the n sessions of v (a new file written,
 * synced and renamed over the old one, so a crash leaves one or the
 * other).  ERR_IO.
 */
MUST_CHECK int web_sessions_save(const char *dir,
				 const struct web_session_rec *v, size_t n,
				 struct diag *d);

/*
 * Reads the file in dir: *v is a new array of *n sessions (free()), none
 * when there is no file.  ERR_CORRUPT naming the line that does not
 * read (nothing is returned then), ERR_IO.
 */
MUST_CHECK int web_sessions_load(const char *dir, struct web_session_rec **v,
				 size_t *n, struct diag *d);

#endif

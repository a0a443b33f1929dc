/*
 * key.h - a node's Ed25519 identity.
 *
 * The secret key lives in sodium_malloc() memory (guarded pages, locked
 * against swapping) and is wiped when freed; it never leaves crypto/.
 * On disk it is a 0600 file holding the 32-byte seed in hex on one line;
 * a key file that group or others may read is refused.
 */
#ifndef GRIDCASE_KEY_H
#define GRIDCASE_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

#define KEY_PUBLIC_BYTES 32
#define KEY_SIG_BYTES 64
#define KEY_SEED_BYTES 32

struct key;

/* A new random key; free with key_free(). */
struct key *key_generate(void);

/* The key derived from a 32-byte seed (for test vectors and tests). */
struct key *key_from_seed(const uint8_t seed[KEY_SEED_BYTES]);

/*
 * Writes the key to path, created with mode 0600; fails with ERR_EXISTS if
 * the file exists, ERR_IO otherwise (detail in d).
 */
MUST_CHECK int key_save(const struct key *k, const char *path,
			struct diag *d);

/*
 * Reads a key file.  ERR_NOTFOUND if it is missing, ERR_PERM if it is
 * unreadable to us or its mode lets group or others read or write it,
 * ERR_CORRUPT if it is not a key; d says which, in words.
 * On success *out is a new key (free with key_free()).
 */
MUST_CHECK int key_load(const char *path, struct key **out, struct diag *d);

/*
 * A key file with more after its first line: an admin key carries the
 * roster it has seen (node/admin.c).  Reads the key as key_load() does
 * (same errors), and appends everything after the key's line, opaque
 * here, to tail.  Files over 64 MiB are ERR_TOOBIG.
 */
MUST_CHECK int key_load_with_tail(const char *path, struct key **out,
				  struct buf *tail, struct diag *d);

/*
 * Replaces path by the key's line followed by tail, atomically (a file
 * beside it, synced, renamed over it), with mode 0600.  ERR_IO.
 */
MUST_CHECK int key_save_with_tail(const struct key *k, const char *path,
				  const struct buf *tail, struct diag *d);

/*
 * A key box: the key's seed encrypted under a passphrase (Argon2id, then
 * XSalsa20-Poly1305), as one line of text for a file (key.c describes
 * it).  The web console keeps its members' keys so: a key is unlocked
 * only while its person is signed in.
 *
 * key_box_seal() appends the line to out; ERR_INVAL if the passphrase is
 * shorter than KEY_BOX_MIN_PASS bytes; ERR_IO if the derivation cannot
 * get its memory.  key_box_open() reads the line in text (NUL-terminated)
 * and on success sets *out to a new key (free with key_free());
 * ERR_CORRUPT if text is not a key box, ERR_DENIED if the passphrase is
 * wrong (or the box was altered: the two cannot be told apart).  Both
 * take about a tenth of a second and 64 MiB on purpose.
 */
#define KEY_BOX_MIN_PASS 8
MUST_CHECK int key_box_seal(const struct key *k, const char *pass,
			    size_t passlen, struct buf *out, struct diag *d);
MUST_CHECK int key_box_open(const char *text, const char *pass, size_t passlen,
			    struct key **out, struct diag *d);

/* Wipes and frees; NULL is allowed. */
void key_free(struct key *k);

/* The public key (32 bytes, borrowed for the key's life). */
const uint8_t *key_public(const struct key *k);

/* Ed25519-signs msg into sig. */
void key_sign(const struct key *k, const void *msg, size_t n,
	      uint8_t sig[KEY_SIG_BYTES]);

/* 1 if sig is a valid Ed25519 signature of msg by pub, else 0. */
int key_verify(const uint8_t pub[KEY_PUBLIC_BYTES], const void *msg,
	       size_t n, const uint8_t sig[KEY_SIG_BYTES]);

#endif

/* key.c - Ed25519 key pairs in sodium_malloc memory. */
#include "crypto/key.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "common/banned.h"

struct key {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES]; /* seed || pk */
};

static struct key *
key_alloc(void)
{
	hash_lib_init();
	struct key *k = sodium_malloc(sizeof(*k));
	if (!k) {
		fprintf(stderr, "fatal: sodium_malloc failed\n");
		abort();
	}
	return k;
}

struct key *
key_generate(void)
{
	struct key *k = key_alloc();
	crypto_sign_keypair(k->pk, k->sk);
	return k;
}

struct key *
key_from_seed(const uint8_t seed[KEY_SEED_BYTES])
{
	struct key *k = key_alloc();
	crypto_sign_seed_keypair(k->pk, k->sk, seed);
	return k;
}

void
key_free(struct key *k)
{
	/* sodium_free() wipes the memory before releasing it. */
	if (k)
		sodium_free(k);
}

const uint8_t *
key_public(const struct key *k)
{
	return k->pk;
}

int
key_save(const struct key *k, const char *path, struct diag *d)
{
	char line[2 * KEY_SEED_BYTES + 2];
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return diag_set(d, errno == EEXIST ? ERR_EXISTS : ERR_IO,
				"cannot create key file '%s': %s", path,
				strerror(errno));
	hex_encode(k->sk, KEY_SEED_BYTES, line);
	line[2 * KEY_SEED_BYTES] = '\n';
	ssize_t w = write(fd, line, sizeof(line) - 1);
	int ok = w == (ssize_t)sizeof(line) - 1 && fsync(fd) == 0;
	int err = errno;
	sodium_memzero(line, sizeof(line));
	close(fd);
	if (!ok) {
		unlink(path);
		return diag_set(d, ERR_IO, "cannot write key file '%s': %s",
				path, strerror(err));
	}
	return 0;
}

/*
 * Opens a key file for reading: fails, closed, if others may read it
 * (a secret key's file must be the owner's alone).
 */
static int
open_private(const char *path, int *fd_out, struct stat *st, struct diag *d)
{
	int rc;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return diag_set(d, ERR_NOTFOUND, "key file '%s' is missing", path);
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		return diag_set(d, ERR_PERM, "key file '%s' is unreadable: %s",
				path, strerror(errno));
	if (fd < 0)
		return diag_set(d, ERR_IO, "cannot open key file '%s': %s", path,
				strerror(errno));
	if (fstat(fd, st) != 0) {
		rc = diag_set(d, ERR_IO, "cannot stat key file '%s': %s",
			      path, strerror(errno));
		close(fd);
		return rc;
	}
	if (st->st_mode & 077) {
		rc = diag_set(d, ERR_PERM,
			      "key file '%s' has the wrong permissions %04o: group or others may use it (chmod 600 '%s')",
			      path, (unsigned)(st->st_mode & 07777), path);
		close(fd);
		return rc;
	}
	*fd_out = fd;
	return 0;
}

int
key_load(const char *path, struct key **out, struct diag *d)
{
	char line[2 * KEY_SEED_BYTES + 2];
	uint8_t seed[KEY_SEED_BYTES];
	struct stat st;
	int rc = 0;

	int fd;
	if ((rc = open_private(path, &fd, &st, d)))
		return rc;
	/* One more byte than a key file holds, to notice a longer file. */
	ssize_t n = read(fd, line, sizeof(line));
	if (n != (ssize_t)sizeof(line) - 1 || line[2 * KEY_SEED_BYTES] != '\n') {
		rc = diag_set(d, ERR_CORRUPT,
			      "key file '%s' is corrupt: not one line of %d hex digits",
			      path, 2 * KEY_SEED_BYTES);
		goto out;
	}
	line[2 * KEY_SEED_BYTES] = '\0';
	if (hex_decode(line, seed, sizeof(seed))) {
		rc = diag_set(d, ERR_CORRUPT,
			      "key file '%s' is corrupt: not one line of %d hex digits",
			      path, 2 * KEY_SEED_BYTES);
		goto out;
	}
	*out = key_from_seed(seed);
out:
	sodium_memzero(line, sizeof(line));
	sodium_memzero(seed, sizeof(seed));
	close(fd);
	return rc;
}

#define KEY_FILE_MAX ((size_t)64 << 20)

int
key_load_with_tail(const char *path, struct key **out, struct buf *tail,
		   struct diag *d)
{
	uint8_t seed[KEY_SEED_BYTES];
	struct buf all = BUF_INIT;
	struct stat st;
	int rc = 0;

	int fd;
	if ((rc = open_private(path, &fd, &st, d)))
		return rc;
	if ((size_t)st.st_size > KEY_FILE_MAX) {
		rc = diag_set(d, ERR_TOOBIG, "key file '%s' is over %zu bytes",
			      path, KEY_FILE_MAX);
		goto out;
	}
	for (;;) {
		char chunk[65536];
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			rc = diag_set(d, ERR_IO, "cannot read key file '%s': %s",
				      path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		buf_add(&all, chunk, (size_t)n);
		sodium_memzero(chunk, sizeof(chunk));
	}
	if (all.len < 2 * KEY_SEED_BYTES + 1 ||
	    all.data[2 * KEY_SEED_BYTES] != '\n') {
		rc = diag_set(d, ERR_CORRUPT,
			      "key file '%s' is corrupt: it does not start with a line of %d hex digits",
			      path, 2 * KEY_SEED_BYTES);
		goto out;
	}
	all.data[2 * KEY_SEED_BYTES] = '\0';
	if (hex_decode((const char *)all.data, seed, sizeof(seed))) {
		rc = diag_set(d, ERR_CORRUPT,
			      "key file '%s' is corrupt: it does not start with a line of %d hex digits",
			      path, 2 * KEY_SEED_BYTES);
		goto out;
	}
	buf_add(tail, all.data + 2 * KEY_SEED_BYTES + 1,
		all.len - 2 * KEY_SEED_BYTES - 1);
	*out = key_from_seed(seed);
out:
	if (all.data)
		sodium_memzero(all.data, all.len);
	buf_release(&all);
	sodium_memzero(seed, sizeof(seed));
	close(fd);
	return rc;
}

int
key_save_with_tail(const struct key *k, const char *path,
		   const struct buf *tail, struct diag *d)
{
	char line[2 * KEY_SEED_BYTES + 2];
	char *tmp = xasprintf("%s.new", path);
	int rc = 0;
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = diag_set(d, ERR_IO, "cannot create '%s': %s", tmp,
			      strerror(errno));
		goto out;
	}
	hex_encode(k->sk, KEY_SEED_BYTES, line);
	line[2 * KEY_SEED_BYTES] = '\n';
	int ok = write(fd, line, sizeof(line) - 1) == (ssize_t)sizeof(line) - 1 &&
		 (tail->len == 0 ||
		  write(fd, tail->data, tail->len) == (ssize_t)tail->len) &&
		 fsync(fd) == 0;
	int err = errno;
	sodium_memzero(line, sizeof(line));
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		if (ok)
			err = errno;
		unlink(tmp);
		rc = diag_set(d, ERR_IO, "cannot write key file '%s': %s", path,
			      strerror(err));
	}
out:
	free(tmp);
	return rc;
}

void
key_sign(const struct key *k, const void *msg, size_t n,
	 uint8_t sig[KEY_SIG_BYTES])
{
	crypto_sign_detached(sig, NULL, msg, n, k->sk);
}

int
key_verify(const uint8_t pub[KEY_PUBLIC_BYTES], const void *msg, size_t n,
	   const uint8_t sig[KEY_SIG_BYTES])
{
	hash_lib_init();
	return crypto_sign_verify_detached(sig, msg, n, pub) == 0;
}

/*
 * The key box: the seed under a passphrase.  One line of text:
 *
 *   gridcase-keybox-v1 SALT OPS MEM NONCE BOX
 *
 * SALT (16 bytes) and NONCE (24) in hex; OPS and MEM the Argon2id limits
 * it was sealed with, in decimal, so that a later change of the defaults
 * still opens old boxes; BOX the secretbox of the seed (32 + 16 bytes) in
 * hex, under the 32-byte key Argon2id derives from the passphrase.
 */
#define BOX_TAG "gridcase-keybox-v1"

static int
box_derive(uint8_t out[crypto_secretbox_KEYBYTES], const char *pass,
	   size_t passlen, const uint8_t salt[crypto_pwhash_SALTBYTES],
	   unsigned long long ops, size_t mem)
{
	return crypto_pwhash(out, crypto_secretbox_KEYBYTES, pass, passlen,
			     salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13);
}

int
key_box_seal(const struct key *k, const char *pass, size_t passlen,
	     struct buf *out, struct diag *d)
{
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t box[KEY_SEED_BYTES + crypto_secretbox_MACBYTES];
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	char hex[2 * sizeof(box) + 1];
	uint8_t *dk = sodium_malloc(crypto_secretbox_KEYBYTES);

	if (!dk)
		abort();
	if (passlen < KEY_BOX_MIN_PASS) {
		sodium_free(dk);
		return diag_set(d, ERR_INVAL,
				"a passphrase needs at least %d characters",
				KEY_BOX_MIN_PASS);
	}
	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(nonce, sizeof(nonce));
	if (box_derive(dk, pass, passlen, salt, ops, mem) != 0) {
		sodium_free(dk);
		return diag_set(d, ERR_IO, "cannot derive a key from the passphrase: out of memory");
	}
	/* The seed is the first half of libsodium's secret key. */
	crypto_secretbox_easy(box, k->sk, KEY_SEED_BYTES, nonce, dk);
	sodium_free(dk);
	buf_printf(out, "%s ", BOX_TAG);
	hex_encode(salt, sizeof(salt), hex);
	buf_printf(out, "%s %llu %zu ", hex, ops, mem);
	hex_encode(nonce, sizeof(nonce), hex);
	buf_printf(out, "%s ", hex);
	hex_encode(box, sizeof(box), hex);
	buf_printf(out, "%s\n", hex);
	return 0;
}

int
key_box_open(const char *text, const char *pass, size_t passlen,
	     struct key **out, struct diag *d)
{
	char salt_hex[2 * crypto_pwhash_SALTBYTES + 1];
	char nonce_hex[2 * crypto_secretbox_NONCEBYTES + 1];
	char box_hex[2 * (KEY_SEED_BYTES + crypto_secretbox_MACBYTES) + 1];
	uint8_t salt[crypto_pwhash_SALTBYTES];
	uint8_t nonce[crypto_secretbox_NONCEBYTES];
	uint8_t box[KEY_SEED_BYTES + crypto_secretbox_MACBYTES];
	unsigned long long ops;
	size_t mem;
	int used = 0;

	if (sscanf(text, BOX_TAG " %32s %llu %zu %48s %96s%n", salt_hex, &ops,
		   &mem, nonce_hex, box_hex, &used) != 5 ||
	    hex_decode(salt_hex, salt, sizeof(salt)) ||
	    hex_decode(nonce_hex, nonce, sizeof(nonce)) ||
	    hex_decode(box_hex, box, sizeof(box)) ||
	    ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
	    mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_SENSITIVE)
		return diag_set(d, ERR_CORRUPT, "not a key box");
	uint8_t *dk = sodium_malloc(crypto_secretbox_KEYBYTES);
	uint8_t *seed = sodium_malloc(KEY_SEED_BYTES);
	if (!dk || !seed)
		abort();
	int rc = 0;
	if (box_derive(dk, pass, passlen, salt, ops, (size_t)mem) != 0)
		rc = diag_set(d, ERR_IO, "cannot derive a key from the passphrase: out of memory");
	else if (crypto_secretbox_open_easy(seed, box, sizeof(box), nonce, dk) != 0)
		rc = diag_set(d, ERR_DENIED, "wrong passphrase");
	else
		*out = key_from_seed(seed);
	sodium_free(dk);
	sodium_free(seed);
	return rc;
}

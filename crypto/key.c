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

/*
 * blob.c - photos and personal data, as files addressed by their hash.
 *
 * Blobs live outside LMDB, in DIR/blobs/<2 hex>/<64 hex>: photos are large,
 * and an erased blob must really be gone, which a file can promise (it is
 * overwritten, synced and unlinked) and a B-tree's free pages cannot.
 * Events reference blobs by hash only, so erasing one breaks no id,
 * signature or chain.  Erased hashes are remembered in the local table
 * "erased" so that the blob is never stored or fetched again.
 */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/units.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "common/banned.h"

static char *
blob_path(struct store *s, const uint8_t hash[HASH_BYTES], int dir_only)
{
	char hex[65];
	hex_encode(hash, HASH_BYTES, hex);
	if (dir_only)
		return xasprintf("%s/blobs/%.2s", s->dir, hex);
	return xasprintf("%s/blobs/%.2s/%s", s->dir, hex, hex);
}

int
store_blob_is_here(struct store *s, const uint8_t hash[HASH_BYTES])
{
	char *path = blob_path(s, hash, 0);
	int here = access(path, F_OK) == 0;
	free(path);
	return here;
}

static int
fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

static int
erased_when(struct store *s, const uint8_t hash[HASH_BYTES], struct diag *d)
{
	struct buf when = BUF_INIT;
	int rc = store_local_get(s, "erased", hash, HASH_BYTES, &when);
	if (rc == 0) {
		char iso[CLOCK_ISO_BYTES];
		uint64_t ms = when.len == 8 ? store_get_be64(when.data) : 0;
		clock_format(ms, iso);
		rc = diag_set(d, ERR_PERM, "blob was erased on %s", iso);
	} else if (rc == ERR_NOTFOUND) {
		rc = 0;
	}
	buf_release(&when);
	return rc;
}

/* errno after a failed file operation, as ours: a full disk is said so. */
static int
file_err(struct store *s, const char *what, const char *path, struct diag *d)
{
	int e = errno;
	if (e == ENOSPC || e == EDQUOT) {
		struct store_space sp;
		char fr[UNITS_BYTES_LEN], tot[UNITS_BYTES_LEN];
		(void)!store_space(s, &sp);
		return diag_set(d, ERR_NOSPACE,
				"%s '%s': disk full (%s free of %s on its file "
				"system)",
				what, path, units_bytes(sp.free_bytes, fr),
				units_bytes(sp.total_bytes, tot));
	}
	return diag_set(d, ERR_IO, "%s '%s': %s", what, path, strerror(e));
}

static int
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *q = p;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		q += w;
		n -= (size_t)w;
	}
	return 0;
}

int
store_blob_put(struct store *s, const void *p, size_t n,
	       uint8_t hash[HASH_BYTES], struct diag *d)
{
	uint8_t h[HASH_BYTES];
	int rc;

	if (n > STORE_BLOB_MAX_BYTES)
		return diag_set(d, ERR_TOOBIG, "blob is %zu bytes (the limit is %zu)",
				n, STORE_BLOB_MAX_BYTES);
	hash_bytes(p, n, h);
	if ((rc = erased_when(s, h, d)))
		return rc;
	char *top = xasprintf("%s/blobs", s->dir);
	char *dir = blob_path(s, h, 1);
	char *path = blob_path(s, h, 0);
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	if (access(path, F_OK) == 0)
		goto done;
	if ((mkdir(top, 0700) && errno != EEXIST) ||
	    (mkdir(dir, 0700) && errno != EEXIST)) {
		rc = file_err(s, "cannot create", dir, d);
		goto done;
	}
	/* Write aside, sync, then rename: a blob file is whole or absent. */
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, p, n) || fsync(fd)) {
		rc = file_err(s, "cannot write", tmp, d);
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		goto done;
	}
	close(fd);
	if (rename(tmp, path) || fsync_dir(dir)) {
		rc = file_err(s, "cannot store", path, d);
		unlink(tmp);
	}
done:
	if (rc == 0) {
		memcpy(hash, h, HASH_BYTES);
		/* No longer wanted; a row left by a crash here is dropped by
		 * store_blob_wanted(). */
		(void)!store_local_del(s, STORE_WANTED_TABLE, h, HASH_BYTES,
				       NULL);
	}
	free(top);
	free(dir);
	free(path);
	free(tmp);
	return rc;
}

int
store_blob_get(struct store *s, const uint8_t hash[HASH_BYTES], struct buf *out,
	       struct diag *d)
{
	uint8_t h[HASH_BYTES];
	struct buf data = BUF_INIT;
	int rc;
	if ((rc = erased_when(s, hash, d)))
		return rc;
	char *path = blob_path(s, hash, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = diag_set(d, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
			      "cannot open blob '%s': %s", path, strerror(errno));
		free(path);
		return rc;
	}
	for (;;) {
		buf_grow(&data, 65536);
		ssize_t n = read(fd, data.data + data.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = diag_set(d, ERR_IO, "cannot read blob '%s': %s",
				      path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		data.len += (size_t)n;
	}
	close(fd);
	if (rc == 0) {
		hash_bytes(data.data, data.len, h);
		if (memcmp(h, hash, HASH_BYTES) != 0)
			rc = diag_set(d, ERR_CORRUPT,
				      "blob file '%s' no longer matches its hash",
				      path);
		else
			buf_add(out, data.data, data.len);
	}
	buf_release(&data);
	free(path);
	return rc;
}

int
store_blob_read(struct store *s, const uint8_t hash[HASH_BYTES],
		uint64_t offset, size_t max, struct buf *out, uint64_t *total,
		struct diag *d)
{
	struct stat st;
	int rc;
	if ((rc = erased_when(s, hash, d)))
		return rc;
	char *path = blob_path(s, hash, 0);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return diag_set(d, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
				"no such blob here");
	if (fstat(fd, &st) != 0) {
		close(fd);
		return diag_set(d, ERR_IO, "cannot read the blob");
	}
	*total = (uint64_t)st.st_size;
	if (offset > *total) {
		close(fd);
		return diag_set(d, ERR_INVAL, "offset past the blob's end");
	}
	size_t len = *total - offset < max ? (size_t)(*total - offset) : max;
	buf_grow(out, len);
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, out->data + out->len + got, len - got,
				  (off_t)(offset + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return diag_set(d, ERR_IO, "cannot read the blob");
		}
		got += (size_t)n;
	}
	out->len += got;
	close(fd);
	return 0;
}

int
store_blob_erase(struct store *s, const uint8_t hash[HASH_BYTES],
		 uint64_t now_ms, struct diag *d)
{
	uint8_t when[8];
	struct stat st;
	int rc;
	if ((rc = erased_when(s, hash, d)))
		return rc;
	char *path = blob_path(s, hash, 0);
	char *dir = blob_path(s, hash, 1);
	if (stat(path, &st) != 0) {
		rc = diag_set(d, ERR_NOTFOUND, "no blob '%s' here", path);
		goto out;
	}
	/* Remember the erasure first: if we crash below, the hash is
	 * already refused and the next erase finishes the file. */
	store_put_be64(when, now_ms);
	if ((rc = store_local_put(s, "erased", hash, HASH_BYTES, when, 8, d)))
		goto out;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		uint8_t zeros[4096] = { 0 };
		off_t left = st.st_size;
		while (left > 0) {
			size_t n = left > (off_t)sizeof(zeros) ? sizeof(zeros)
							       : (size_t)left;
			if (write_all(fd, zeros, n))
				break;
			left -= (off_t)n;
		}
		(void)fsync(fd);
		close(fd);
	}
	if (unlink(path) != 0 || fsync_dir(dir) != 0)
		rc = diag_set(d, ERR_IO, "cannot remove '%s': %s", path,
			      strerror(errno));
	(void)!store_local_del(s, STORE_WANTED_TABLE, hash, HASH_BYTES, NULL);
out:
	free(path);
	free(dir);
	return rc;
}

int
store_blob_erasable(struct store *s, const uint8_t hash[HASH_BYTES],
		    struct diag *d)
{
	struct buf v = BUF_INIT;
	char hex[2 * HASH_BYTES + 1];
	int rc;
	if ((rc = erased_when(s, hash, d)))
		return rc;
	if (store_blob_is_here(s, hash))
		return 0;
	rc = store_local_get(s, STORE_WANTED_TABLE, hash, HASH_BYTES, &v);
	buf_release(&v);
	if (rc != ERR_NOTFOUND)
		return rc == 0 ? 0 : diag_set(d, rc, "cannot read the wanted blobs");
	hex_encode(hash, HASH_BYTES, hex);
	return diag_set(d, ERR_NOTFOUND,
			"no blob %s here, and no event here names it", hex);
}

int
store_blob_erase_marked(struct store *s, const uint8_t hash[HASH_BYTES],
			uint64_t when_ms, int *done, struct diag *d)
{
	uint8_t when[8];
	int rc;
	*done = 0;
	if (erased_when(s, hash, NULL) == ERR_PERM)
		return 0;
	if (store_blob_is_here(s, hash)) {
		if ((rc = store_blob_erase(s, hash, when_ms, d)))
			return rc;
		*done = 1;
		return 0;
	}
	/* Never here: remember it, so that nobody's copy comes in later. */
	store_put_be64(when, when_ms);
	if ((rc = store_local_put(s, "erased", hash, HASH_BYTES, when, 8, d)))
		return rc;
	(void)!store_local_del(s, STORE_WANTED_TABLE, hash, HASH_BYTES, NULL);
	*done = 1;
	return 0;
}

struct wanted_walk {
	struct store *s;
	uint8_t (*out)[HASH_BYTES];
	size_t max, n;
	struct buf stale; /* hashes here or erased: rows to drop */
};

static int
take_wanted(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	    void *ctx)
{
	struct wanted_walk *w = ctx;
	struct buf when = BUF_INIT;
	(void)val;
	(void)vn;
	if (kn != HASH_BYTES)
		return 0;
	int erased = store_local_get(w->s, "erased", key, HASH_BYTES, &when) ==
		     0;
	buf_release(&when);
	if (erased || store_blob_is_here(w->s, key)) {
		buf_add(&w->stale, key, HASH_BYTES);
		return 0;
	}
	memcpy(w->out[w->n++], key, HASH_BYTES);
	return w->n == w->max;
}

int
store_blob_wanted(struct store *s, uint8_t (*out)[HASH_BYTES], size_t max,
		  size_t *n)
{
	struct wanted_walk w = { s, out, max, 0, BUF_INIT };
	*n = 0;
	if (max == 0)
		return 0;
	int rc = store_local_walk(s, STORE_WANTED_TABLE, take_wanted, &w);
	if (rc > 0)
		rc = 0; /* stopped by take_wanted: out is full */
	for (size_t i = 0; i + HASH_BYTES <= w.stale.len; i += HASH_BYTES)
		(void)!store_local_del(s, STORE_WANTED_TABLE, w.stale.data + i,
				       HASH_BYTES, NULL);
	buf_release(&w.stale);
	*n = w.n;
	return rc;
}

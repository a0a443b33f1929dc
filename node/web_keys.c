/* web_keys.c - the console's sealed member keys (see web_keys.h). */
#include "node/web_keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "common/banned.h"

#define BOX_MAX 512

int
web_key_name_is_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > WEB_KEY_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

int
web_key_add(const char *dir, const char *name, const struct key *k,
	    const char *pass, size_t passlen, struct diag *d)
{
	struct buf box = BUF_INIT;
	char *folder = NULL, *path = NULL;
	int fd = -1, rc;

	if (!web_key_name_is_valid(name))
		return diag_set(d, ERR_INVAL, "'%s' is not a sign-in name (letters, digits, . _ -)", name);
	if ((rc = key_box_seal(k, pass, passlen, &box, d)))
		goto out;
	folder = xasprintf("%s/%s", dir, WEB_KEYS_DIR);
	path = xasprintf("%s/%s", folder, name);
	if (mkdir(folder, 0700) != 0 && errno != EEXIST) {
		rc = diag_set(d, ERR_IO, "cannot make '%s': %s", folder, strerror(errno));
		goto out;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno == EEXIST
			     ? diag_set(d, ERR_EXISTS, "'%s' already has a key on this node", name)
			     : diag_set(d, ERR_IO, "cannot create '%s': %s", path, strerror(errno));
		goto out;
	}
	if (write(fd, box.data, box.len) != (ssize_t)box.len || fsync(fd) != 0) {
		rc = diag_set(d, ERR_IO, "cannot write '%s': %s", path, strerror(errno));
		(void)!unlink(path);
	}
out:
	if (fd >= 0)
		close(fd);
	free(folder);
	free(path);
	buf_release(&box);
	return rc;
}

int
web_key_unlock(const char *dir, const char *name, const char *pass,
	       size_t passlen, struct key **out, struct diag *d)
{
	char text[BOX_MAX + 1];
	if (!web_key_name_is_valid(name))
		return diag_set(d, ERR_INVAL, "'%s' is not a sign-in name", name);
	char *path = xasprintf("%s/%s/%s", dir, WEB_KEYS_DIR, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return errno == ENOENT
			       ? diag_set(d, ERR_NOTFOUND, "no key for '%s' on this node", name)
			       : diag_set(d, ERR_IO, "cannot read the key of '%s': %s", name, strerror(errno));
	ssize_t r = read(fd, text, BOX_MAX);
	close(fd);
	if (r <= 0)
		return diag_set(d, ERR_CORRUPT, "the key of '%s' is empty", name);
	text[r] = '\0';
	return key_box_open(text, pass, passlen, out, d);
}

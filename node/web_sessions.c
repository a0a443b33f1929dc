/*
 * web_sessions.c - the console's sessions on disk (see web_sessions.h).
 */
#include "node/web_sessions.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define MAGIC "gridcase-sessions-v1"

int
web_sessions_save(const char *dir, const struct web_session_rec *v, size_t n,
		  struct diag *d)
{
	struct buf text = BUF_INIT;
	char *path = xasprintf("%s/%s", dir, WEB_SESSIONS_FILE);
	char *tmp = xasprintf("%s.tmp", path);
	char h[2 * HASH_BYTES + 1], k[2 * EVENT_KEY_BYTES + 1];
	int rc = 0, fd;

	buf_add_str(&text, MAGIC "\n");
	for (size_t i = 0; i < n; i++) {
		hex_encode(v[i].id_hash, HASH_BYTES, h);
		hex_encode(v[i].pub, EVENT_KEY_BYTES, k);
		buf_printf(&text, "%s %s %" PRIu64 " %" PRIu64 " %s\n", h, k,
			   v[i].created_ms, v[i].last_ms, v[i].name);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = diag_set(d, ERR_IO, "cannot write '%s': %s", tmp,
			      strerror(errno));
		goto out;
	}
	if (write(fd, text.data, text.len) != (ssize_t)text.len ||
	    fsync(fd) != 0) {
		rc = diag_set(d, ERR_IO, "cannot write '%s': %s", tmp,
			      strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		rc = diag_set(d, ERR_IO, "cannot rename '%s': %s", tmp,
			      strerror(errno));
		unlink(tmp);
	}
out:
	buf_release(&text);
	free(path);
	free(tmp);
	return rc;
}

/* One line into r; 0 or -1. */
static int
read_line(char *line, struct web_session_rec *r)
{
	char h[2 * HASH_BYTES + 2], k[2 * EVENT_KEY_BYTES + 2];
	int used = 0;
	memset(r, 0, sizeof(*r));
	if (sscanf(line, "%65s %65s %" SCNu64 " %" SCNu64 " %n", h, k,
		   &r->created_ms, &r->last_ms, &used) != 4 ||
	    used == 0 || strlen(h) != 2 * HASH_BYTES ||
	    strlen(k) != 2 * EVENT_KEY_BYTES ||
	    hex_decode(h, r->id_hash, HASH_BYTES) ||
	    hex_decode(k, r->pub, EVENT_KEY_BYTES))
		return -1;
	const char *name = line + used;
	if (!web_key_name_is_valid(name))
		return -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	return 0;
}

int
web_sessions_load(const char *dir, struct web_session_rec **v, size_t *n,
		  struct diag *d)
{
	char *path = xasprintf("%s/%s", dir, WEB_SESSIONS_FILE);
	struct web_session_rec *out = NULL;
	size_t count = 0, lineno = 0;
	char line[512];
	int rc = 0;

	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno != ENOENT)
			rc = diag_set(d, ERR_IO, "cannot read '%s': %s", path,
				      strerror(errno));
		goto out;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);
		lineno++;
		if (len == 0 || line[len - 1] != '\n') {
			rc = diag_set(d, ERR_CORRUPT, "'%s' line %zu: not a line",
				      path, lineno);
			break;
		}
		line[len - 1] = '\0';
		if (lineno == 1) {
			if (strcmp(line, MAGIC) != 0) {
				rc = diag_set(d, ERR_CORRUPT,
					      "'%s': not a session file", path);
				break;
			}
			continue;
		}
		out = xrealloc(out, (count + 1) * sizeof(*out));
		if (read_line(line, &out[count])) {
			rc = diag_set(d, ERR_CORRUPT,
				      "'%s' line %zu: not a session", path,
				      lineno);
			break;
		}
		count++;
	}
	if (rc == 0 && lineno == 0)
		rc = diag_set(d, ERR_CORRUPT, "'%s' is empty", path);
	fclose(f);
out:
	free(path);
	if (rc) {
		free(out);
		return rc;
	}
	*v = out;
	*n = count;
	return 0;
}

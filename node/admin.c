/* admin.c - reading and writing an admin key file and its roster. */
#include "node/admin.h"

#include <stdlib.h>
#include <string.h>

#include "common/event.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

#define ROSTER_LINE "roster "

struct admin_key {
	char *path;
	struct key *key;
	struct buf roster; /* envelopes, back to back */
};

int
admin_key_load(const char *path, struct admin_key **out, struct diag *d)
{
	struct admin_key *a = xcalloc(1, sizeof(*a));
	struct buf tail = BUF_INIT;
	int rc = key_load_with_tail(path, &a->key, &tail, d);
	size_t line = 1;
	if (rc)
		goto fail;
	buf_add_byte(&tail, '\0');
	for (char *p = (char *)tail.data; *p; line++) {
		char *end = strchr(p, '\n');
		if (!end) {
			rc = diag_set(d, ERR_CORRUPT,
				      "key file '%s' line %zu: no newline at its end",
				      path, line + 1);
			goto fail;
		}
		*end = '\0';
		size_t hexlen = strlen(p) - strlen(ROSTER_LINE);
		struct envelope env;
		size_t at = a->roster.len, used;
		if (strncmp(p, ROSTER_LINE, strlen(ROSTER_LINE)) != 0 ||
		    hexlen % 2 || hexlen / 2 > ENVELOPE_MAX_BYTES) {
			rc = diag_set(d, ERR_CORRUPT,
				      "key file '%s' line %zu: not \"roster\" and an event in hex",
				      path, line + 1);
			goto fail;
		}
		buf_grow(&a->roster, hexlen / 2);
		if (hex_decode(p + strlen(ROSTER_LINE), a->roster.data + at,
			       hexlen / 2) ||
		    envelope_read(a->roster.data + at, hexlen / 2, &env, &used,
				  NULL) || used != hexlen / 2) {
			rc = diag_set(d, ERR_CORRUPT,
				      "key file '%s' line %zu: not an event envelope",
				      path, line + 1);
			goto fail;
		}
		a->roster.len += hexlen / 2;
		p = end + 1;
	}
	buf_release(&tail);
	a->path = xstrdup(path);
	*out = a;
	return 0;
fail:
	buf_release(&tail);
	admin_key_free(a);
	return rc;
}

void
admin_key_free(struct admin_key *a)
{
	if (!a)
		return;
	key_free(a->key);
	buf_release(&a->roster);
	free(a->path);
	free(a);
}

const struct key *
admin_key_key(const struct admin_key *a)
{
	return a->key;
}

const struct buf *
admin_key_roster(const struct admin_key *a)
{
	return &a->roster;
}

static int
add_line(const uint8_t *env, size_t n, void *ctx)
{
	struct buf *tail = ctx;
	buf_add_str(tail, ROSTER_LINE);
	size_t at = tail->len;
	buf_grow(tail, 2 * n + 1);
	hex_encode(env, n, (char *)tail->data + at);
	tail->len += 2 * n;
	buf_add_byte(tail, '\n');
	return 0;
}

static int
add_bytes(const uint8_t *env, size_t n, void *ctx)
{
	buf_add(ctx, env, n);
	return 0;
}

int
admin_key_save_roster(struct admin_key *a, struct store *s, struct diag *d)
{
	struct buf tail = BUF_INIT, bytes = BUF_INIT;
	int rc = store_walk_case(s, ROSTER_CASE, add_line, &tail);
	if (rc == 0)
		rc = store_walk_case(s, ROSTER_CASE, add_bytes, &bytes);
	if (rc) {
		rc = diag_set(d, rc, "cannot read the roster: %s", err_str(rc));
		goto out;
	}
	if ((rc = key_save_with_tail(a->key, a->path, &tail, d)))
		goto out;
	buf_reset(&a->roster);
	buf_add(&a->roster, bytes.data, bytes.len);
out:
	buf_release(&tail);
	buf_release(&bytes);
	return rc;
}

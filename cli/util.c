/* util.c - helpers shared by the command files. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/json.h"
#include "common/units.h"
#include "node/daemon.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

int
cli_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int
cli_usage(struct cli *c, const char *fmt, ...)
{
	va_list ap;
	fputs("error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", c->usage ? c->usage : "gridcase help");
	return EXIT_USAGE;
}

void
cli_print(const struct buf *b)
{
	fwrite(b->data, 1, b->len, stdout);
	if (b->len == 0 || b->data[b->len - 1] != '\n')
		fputc('\n', stdout);
}

const char *
cli_short(const uint8_t *p, char out[17])
{
	hex_encode(p, 8, out);
	return out;
}

/* Members named so: the ones in force, and the revoked ones. */
struct by_name {
	const char *name;
	uint8_t live[EVENT_KEY_BYTES], gone[EVENT_KEY_BYTES];
	int nlive, ngone;
};

static int
match_name(const struct member *m, int revoked, uint64_t last, void *ctx)
{
	struct by_name *b = ctx;
	(void)last;
	if (strcmp(m->name, b->name) != 0)
		return 0;
	memcpy(revoked ? b->gone : b->live, m->key, EVENT_KEY_BYTES);
	if (revoked)
		b->ngone++;
	else
		b->nlive++;
	return 0;
}

int
cli_parse_key(struct cli *c, const char *s, uint8_t key[EVENT_KEY_BYTES])
{
	struct by_name b = { s, { 0 }, { 0 }, 0, 0 };
	const struct roster *r;
	if (hex_decode(s, key, EVENT_KEY_BYTES) == 0)
		return 0;
	/* A member's name: the key in force under it, or the one revoked
	 * key of that name (a node whose key was replaced has both). */
	if (!c->node || !(r = node_roster(c->node)))
		return cli_usage(c, "'%s' is not a key (64 hex digits)", s);
	(void)!roster_walk(r, match_name, &b);
	if (b.nlive == 1) {
		memcpy(key, b.live, EVENT_KEY_BYTES);
		return 0;
	}
	if (b.nlive == 0 && b.ngone == 1) {
		memcpy(key, b.gone, EVENT_KEY_BYTES);
		return 0;
	}
	if (b.nlive + b.ngone > 1)
		return cli_usage(c, "'%s' names %d keys in the roster: give the key (64 hex digits; gridcase roster show)",
				 s, b.nlive + b.ngone);
	return cli_usage(c, "'%s' is not a key (64 hex digits) or a member's name (gridcase roster show)",
			 s);
}

int
cli_read_file(const char *path, struct buf *out, struct diag *d)
{
	int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return diag_set(d, errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
				"cannot open '%s': %s", path, strerror(errno));
	for (;;) {
		buf_grow(out, 65536);
		ssize_t n = read(fd, out->data + out->len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			if (fd)
				close(fd);
			return diag_set(d, ERR_IO, "cannot read '%s': %s",
					path, strerror(e));
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
	}
	out->data[out->len] = '\0';
	if (fd)
		close(fd);
	return 0;
}

void
cli_disk_status(struct cli *c, struct buf *out, struct json_writer *w,
		int json)
{
	struct store *s = node_store(c->node);
	struct store_space sp;
	char why[DAEMON_STATE_BYTES + 1];
	char fr[UNITS_BYTES_LEN], tot[UNITS_BYTES_LEN], file[UNITS_BYTES_LEN];
	int measured = store_space(s, &sp) == 0;
	int said = daemon_storage_error(node_dir(c->node), why, sizeof(why));
	int full = said || (measured && sp.free_bytes == 0);
	if (json) {
		json_key(w, "disk");
		json_obj_begin(w);
		json_key(w, "free");
		json_uint(w, sp.free_bytes);
		json_key(w, "total");
		json_uint(w, sp.total_bytes);
		json_key(w, "store_bytes");
		json_uint(w, sp.file_bytes);
		json_key(w, "full");
		json_bool(w, full);
		json_key(w, "error");
		json_str(w, why);
		json_obj_end(w);
	} else {
		buf_printf(out, "disk     %s%s free of %s; data.mdb %s\n",
			   full ? "FULL: " : "", units_bytes(sp.free_bytes, fr),
			   units_bytes(sp.total_bytes, tot),
			   units_bytes(sp.file_bytes, file));
		if (said)
			buf_printf(out, "         the daemon cannot store what peers "
					"send: %s\n         it fetches it again by "
					"itself once there is room\n",
				   why);
		else if (full)
			buf_add_str(out, "         nothing more can be stored: free "
					 "some space\n");
	}
}

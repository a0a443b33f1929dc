/* util.c - helpers shared by the command files. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/json.h"
#include "common/units.h"
#include "node/admin.h"
#include "node/case/roster.h"
#include "node/daemon.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

static void
error_line(const char *fmt, va_list ap)
{
	struct buf msg = BUF_INIT, line = BUF_INIT;
	buf_vprintf(&msg, fmt, ap);
	/* The message quotes names and values given to us or read from the
	 * store: escaped, it stays one line and cannot drive the terminal. */
	buf_add_str(&line, "error: ");
	cli_text(&line, (const char *)msg.data, msg.len, 0);
	buf_add_str(&line, "\n");
	fwrite(line.data, 1, line.len, stderr);
	buf_release(&msg);
	buf_release(&line);
}

int
cli_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_line(fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int
cli_fail_rc(int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_line(fmt, ap);
	va_end(ap);
	return rc == ERR_NOTFOUND ? EXIT_NOTFOUND : EXIT_FAIL;
}

int
cli_usage(struct cli *c, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (c->name)
		cli_fail("%s: %s (see 'gridcase %s --help')", c->name,
			 buf_cstr(&msg), c->name);
	else
		cli_fail("%s (see 'gridcase help')", buf_cstr(&msg));
	buf_release(&msg);
	return EXIT_USAGE;
}

int
cli_bad_option(struct cli *c, char **argv, const char *optstring)
{
	/* GNU getopt leaves optind past the word it refused, and optopt 0
	 * for an unknown long option, the option's value otherwise. */
	const char *word = optind > 0 ? argv[optind - 1] : "";
	if (strncmp(word, "--", 2) == 0) {
		size_t n = strcspn(word, "=");
		if (optopt == 0)
			return cli_usage(c, "unknown option '%.*s'", (int)n, word);
		if (word[n] == '=')
			return cli_usage(c, "option '%.*s' takes no value", (int)n,
					 word);
		return cli_usage(c, "option '%.*s' needs a value", (int)n, word);
	}
	if (optopt && strchr(optstring, optopt))
		return cli_usage(c, "option '-%c' needs a value", optopt);
	return cli_usage(c, "unknown option '-%c'", optopt ? optopt : '?');
}

int
cli_args(struct cli *c, int argc, char **argv, int *json, int min, int max,
	 const char *what)
{
	static const struct option with_json[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	int opt;
	while ((opt = getopt_long(argc, argv, "", json ? with_json : none,
				  NULL)) != -1) {
		if (opt != 'j')
			return cli_bad_option(c, argv, "");
		*json = 1;
	}
	int n = argc - optind;
	if (n > max && max == 0)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (n < min || n > max)
		return cli_usage(c, "%s", what);
	return 0;
}

int
cli_is_utf8(const char *s, size_t n, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;
	while (i < n) {
		if (!(k = utf8_next(p + i, n - i, &cp))) {
			if (bad)
				*bad = i;
			return 0;
		}
		i += k;
	}
	return 1;
}

/* Code points that reorder or hide text on a terminal (Trojan Source). */
static int
is_bidi(uint32_t cp)
{
	return cp == 0x061c || cp == 0x200e || cp == 0x200f ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

void
cli_text(struct buf *out, const char *s, size_t n, int keep_lines)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	uint32_t cp;
	while (i < n) {
		k = utf8_next(p + i, n - i, &cp);
		if (k == 0) {
			buf_printf(out, "\\x%c%c", hex[p[i] >> 4], hex[p[i] & 15]);
			i++;
			continue;
		}
		if (keep_lines && (cp == '\n' || cp == '\t'))
			buf_add_byte(out, (uint8_t)cp);
		else if (cp < 0x20 || cp == 0x7f)
			buf_printf(out, "\\x%c%c", hex[cp >> 4], hex[cp & 15]);
		else if ((cp >= 0x80 && cp <= 0x9f) || is_bidi(cp))
			buf_printf(out, "\\u{%04x}", (unsigned)cp);
		else
			buf_add(out, p + i, k);
		i += k;
	}
}

/* East Asian wide and fullwidth ranges (Unicode 15, UAX #11), and the
 * emoji blocks terminals draw two cells wide. */
static int
is_wide(uint32_t cp)
{
	static const uint32_t wide[][2] = {
		{ 0x1100, 0x115f },   { 0x231a, 0x231b },   { 0x2329, 0x232a },
		{ 0x2e80, 0x303e },   { 0x3041, 0x33ff },   { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff },   { 0xa000, 0xa4cf },   { 0xa960, 0xa97f },
		{ 0xac00, 0xd7a3 },   { 0xf900, 0xfaff },   { 0xfe10, 0xfe19 },
		{ 0xfe30, 0xfe6f },   { 0xff00, 0xff60 },   { 0xffe0, 0xffe6 },
		{ 0x1f300, 0x1f64f }, { 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd },
		{ 0x30000, 0x3fffd },
	};
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 1;
	return 0;
}

size_t
cli_width(const char *s)
{
	return cli_width_n(s, strlen(s));
}

size_t
cli_width_n(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, cells = 0, k;
	uint32_t cp;
	while (i < n) {
		if (!(k = utf8_next(p + i, n - i, &cp))) {
			cells += 4; /* shown as \xNN */
			i++;
			continue;
		}
		if (cp >= 0x300 && cp <= 0x36f)
			; /* combining marks take no cell */
		else
			cells += is_wide(cp) ? 2 : 1;
		i += k;
	}
	return cells;
}

void
cli_fit(struct buf *out, const char *s, size_t cells)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, used = 0, k;
	uint32_t cp;
	if (cells == 0 || cli_width(s) <= cells) {
		buf_add_str(out, s);
		return;
	}
	while (i < n) {
		size_t w;
		if (!(k = utf8_next(p + i, n - i, &cp))) {
			k = 1;
			w = 4;
		} else {
			w = is_wide(cp) ? 2 : 1;
		}
		if (used + w + 3 > cells)
			break;
		buf_add(out, p + i, k);
		used += w;
		i += k;
	}
	buf_add_str(out, cells >= 3 ? "..." : "");
}

void
cli_pad(struct buf *out, const char *s, size_t cells)
{
	size_t w = cli_width(s);
	buf_add_str(out, s);
	while (w++ < cells)
		buf_add_byte(out, ' ');
}

int
cli_columns(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	if (env && *env) {
		long v = strtol(env, NULL, 10);
		if (v > 0 && v < 10000)
			return (int)v;
	}
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

void
cli_print(const struct buf *b)
{
	struct buf safe = BUF_INIT;
	cli_text(&safe, (const char *)b->data, b->len, 1);
	fwrite(safe.data, 1, safe.len, stdout);
	if (safe.len == 0 || safe.data[safe.len - 1] != '\n')
		fputc('\n', stdout);
	buf_release(&safe);
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
cli_admin_key(struct cli *c, const char *path, struct admin_key **k)
{
	struct diag d;
	int rc;
	if (!path)
		return cli_usage(c, "give --admin-key FILE (an admin key of the district)");
	if ((rc = admin_key_load(path, k, &d)))
		return cli_fail_rc(rc, "%s", d.text);
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
cli_is_member_name(struct cli *c, const char *name)
{
	struct by_name b = { name, { 0 }, { 0 }, 0, 0 };
	if (roster_walk(node_roster(c->node), match_name, &b))
		return 0;
	return b.nlive + b.ngone > 0;
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

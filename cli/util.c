/* util.c - helpers shared by the command files. */
#include "cli/cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
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

int
cli_parse_key(struct cli *c, const char *s, uint8_t key[32])
{
	if (hex_decode(s, key, 32))
		return cli_usage(c, "'%s' is not a key (64 hex digits)", s);
	return 0;
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

/*
 * flip_bytes.c - damages a file the way a failing disk does, for the
 * storage tests (tests/integration/store_faults.sh).
 *
 *   flip_bytes FILE HEX AT [MASK]
 *
 * Finds every copy of the bytes HEX (hex digits) in FILE and flips the
 * byte at offset AT inside each copy (XOR MASK, default 0x20: a letter's
 * case, so text stays text).  Every copy: LMDB keeps older versions of a
 * page in free pages, and the test must not depend on which copy is live.
 * Prints how many copies it changed; exits 1 when there was none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hex.h"
#include "common/banned.h"

int
main(int argc, char **argv)
{
	struct buf file = BUF_INIT;
	uint8_t needle[256], chunk[65536];
	size_t r, flips = 0;

	if (argc < 4 || argc > 5 || strlen(argv[2]) % 2 != 0 ||
	    strlen(argv[2]) / 2 > sizeof(needle) || strlen(argv[2]) == 0) {
		fprintf(stderr, "usage: flip_bytes FILE HEX AT [MASK]\n");
		return 2;
	}
	size_t n = strlen(argv[2]) / 2;
	size_t at = strtoul(argv[3], NULL, 0);
	unsigned mask = argc == 5 ? (unsigned)strtoul(argv[4], NULL, 0) : 0x20;
	if (hex_decode(argv[2], needle, n) || at >= n || !mask || mask > 255) {
		fprintf(stderr, "flip_bytes: bad needle, offset or mask\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "r+b");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&file, chunk, r);
	for (size_t i = 0; i + n <= file.len; i++) {
		if (memcmp(file.data + i, needle, n) == 0) {
			file.data[i + at] ^= (uint8_t)mask;
			flips++;
			i += n - 1;
		}
	}
	int ok = 1;
	if (flips) {
		rewind(f);
		ok = fwrite(file.data, 1, file.len, f) == file.len;
	}
	if (fclose(f) != 0 || !ok) {
		perror(argv[1]);
		ok = 0;
	}
	buf_release(&file);
	printf("%zu\n", flips);
	return ok && flips ? 0 : 1;
}

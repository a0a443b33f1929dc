/*
 * fuzz_main.c - the libFuzzer side of every target (fuzz.h).
 *
 * With GRIDCASE_FUZZ_SEEDS=dir in the environment the binary writes the
 * target's seeds into dir and exits instead of fuzzing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);

static void
write_seed(void *ctx, const char *name, const uint8_t *p, size_t n)
{
	const char *dir = ctx;
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "%s_fuzz: cannot write '%s': %s\n",
			fuzz_target, path, strerror(errno));
		exit(1);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	const char *dir = getenv("GRIDCASE_FUZZ_SEEDS");
	if (dir && *dir) {
		fuzz_seeds(write_seed, (void *)dir);
		exit(0);
	}
	return 0;
}

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s_fuzz: oracle: ", fuzz_target);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

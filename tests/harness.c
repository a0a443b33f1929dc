/* harness.c - the runner behind harness.h. */
#include "tests/harness.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "common/banned.h"

static int failed_now;
static const char *current;
static uint64_t seed_used;
static int seed_taken;

int
harness_verbose(void)
{
	const char *v = getenv("TEST_VERBOSE");
	return v && strcmp(v, "1") == 0;
}

void
harness_log(const char *fmt, ...)
{
	if (!harness_verbose())
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
}

void
harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	failed_now = 1;
	printf("FAIL: %s\n  %s:%d: ", current, file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

size_t
harness_first_diff(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return i;
	return n;
}

uint64_t
test_seed(void)
{
	if (!seed_taken) {
		const char *s = getenv("TEST_SEED");
		if (s) {
			seed_used = strtoull(s, NULL, 0);
		} else {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			seed_used = (uint64_t)ts.tv_sec * 1000003u ^
				    (uint64_t)ts.tv_nsec ^ (uint64_t)getpid();
		}
		seed_taken = 1;
	}
	return seed_used;
}

uint64_t
test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

char *
test_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *tmpl = xasprintf("%s/gridcase-test-XXXXXX", base ? base : "/tmp");
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	return tmpl;
}

void
test_tmpdir_remove(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			test_tmpdir_remove(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

int
harness_main(int argc, char **argv, const struct test *tests, size_t n)
{
	int passed = 0, failed = 0;
	const char *filter = argc > 1 ? argv[1] : NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Run from the source tree, the data files are in data/. */
	if (!getenv("GRIDCASE_DATA") && access("data/config.json", R_OK) == 0)
		setenv("GRIDCASE_DATA", "data", 1);
	/* Refusals the tests provoke on purpose are logged as warnings;
	 * keep them out of the output unless asked. */
	log_threshold = harness_verbose() ? LOG_DEBUG : LOG_ERR;
	for (size_t i = 0; i < n; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		current = tests[i].name;
		failed_now = 0;
		harness_log("-- %s\n", current);
		tests[i].fn();
		if (failed_now) {
			failed++;
			if (seed_taken)
				printf("  (replay with TEST_SEED=%llu)\n",
				       (unsigned long long)seed_used);
		} else {
			passed++;
			harness_log("ok %s\n", current);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

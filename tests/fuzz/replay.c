/*
 * replay.c - the `make test` side of every target (fuzz.h): a suite that
 * runs the target's seeds, fresh from the encoders, and every file of
 * its checked-in corpus through LLVMFuzzerTestOneInput(), built with
 * gcc, ASan and UBSan; no clang or libFuzzer needed.
 *
 * The corpus is tests/fuzz/corpus/<target>/ under the current directory
 * (tests/run.sh runs from the top of the tree), or under
 * $GRIDCASE_FUZZ_CORPUS.  After each input a leak check runs, so that a
 * leak is charged to the input that made it.  An input that a sanitizer
 * stops is named on stderr before the process ends.
 *
 * With GRIDCASE_FUZZ_SEEDS=dir the binary writes the seeds into dir and
 * exits: `make fuzz-seeds` refreshes the checked-in seeds that way.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"
#include "tests/harness.h"
#include "common/banned.h"

/* The input being run, for the failure messages and the death hooks. */
static char running[4096];
static int input_failed;

static void
say_running(void)
{
	if (running[0]) {
		(void)!write(2, "fuzz replay: the input was ", 27);
		(void)!write(2, running, strlen(running));
		(void)!write(2, "\n", 1);
	}
}

/*
 * UBSan ends the process without the death callback; made to abort, it
 * passes through on_abort() instead.  (Options given in UBSAN_OPTIONS
 * still win.)
 */
const char *__ubsan_default_options(void);
const char *
__ubsan_default_options(void)
{
	return "abort_on_error=1";
}

static void
on_abort(int sig)
{
	say_running();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
fuzz_fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	input_failed = 1;
	harness_fail(__FILE__, __LINE__, "%s: %s", running, msg);
}

/* Runs one input from an exact heap copy, then checks for leaks. */
static int
run_one(const char *name, const uint8_t *p, size_t n)
{
	snprintf(running, sizeof(running), "%s", name);
	input_failed = 0;
	uint8_t *copy = xmalloc(n ? n : 1);
	if (n)
		memcpy(copy, p, n);
	(void)LLVMFuzzerTestOneInput(copy, n);
	free(copy);
	if (__lsan_do_recoverable_leak_check()) {
		harness_fail(__FILE__, __LINE__, "%s: leaks (report above)",
			     running);
		input_failed = 1;
	}
	running[0] = '\0';
	return input_failed;
}

struct seed_run {
	size_t count;
	int failed;
};

static void
replay_seed(void *ctx, const char *name, const uint8_t *p, size_t n)
{
	struct seed_run *s = ctx;
	char label[512];
	snprintf(label, sizeof(label), "seed %s (fresh)", name);
	s->count++;
	s->failed += run_one(label, p, n);
}

static void
test_fresh_seeds_replay_cleanly(void)
{
	struct seed_run s = { 0, 0 };
	fuzz_seeds(replay_seed, &s);
	harness_log("%zu seeds\n", s.count);
	CHECK(s.count > 0);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
test_corpus_replays_cleanly(void)
{
	const char *root = getenv("GRIDCASE_FUZZ_CORPUS");
	char *dir = xasprintf("%s/%s", root && *root ? root : "tests/fuzz/corpus",
			      fuzz_target);
	char **names = NULL;
	size_t n = 0, failed = 0;
	DIR *d = opendir(dir);
	if (!d) {
		harness_fail(__FILE__, __LINE__, "cannot open the corpus '%s': %s",
			     dir, strerror(errno));
		free(dir);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	/* In name order: a failure replays the same way every time. */
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, names[i]);
		struct buf b = BUF_INIT;
		FILE *f = fopen(path, "rb");
		if (!f) {
			harness_fail(__FILE__, __LINE__, "cannot open '%s': %s",
				     path, strerror(errno));
			failed++;
		} else {
			char chunk[65536];
			size_t r;
			while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
				buf_add(&b, chunk, r);
			fclose(f);
			failed += (size_t)run_one(path, b.data, b.len);
		}
		buf_release(&b);
		free(path);
		free(names[i]);
	}
	free(names);
	harness_log("%zu inputs in %s, %zu failed\n", n, dir, failed);
	free(dir);
	CHECK(n > 0);
}

static void
write_seed(void *ctx, const char *name, const uint8_t *p, size_t n)
{
	char *path = xasprintf("%s/%s", (const char *)ctx, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f)) {
		fprintf(stderr, "fuzz_corpus_%s: cannot write '%s': %s\n",
			fuzz_target, path, strerror(errno));
		exit(1);
	}
	free(path);
}

static const struct test tests[] = {
	{ "the seeds made by the encoders now replay cleanly",
	  test_fresh_seeds_replay_cleanly },
	{ "every input of the checked-in corpus replays cleanly",
	  test_corpus_replays_cleanly },
};

int
main(int argc, char **argv)
{
	fuzz_init();
	const char *dir = getenv("GRIDCASE_FUZZ_SEEDS");
	if (dir && *dir) {
		fuzz_seeds(write_seed, (void *)dir);
		return 0;
	}
	__sanitizer_set_death_callback(say_running);
	signal(SIGABRT, on_abort);
	return harness_main(argc, argv, tests, sizeof(tests) / sizeof(tests[0]));
}

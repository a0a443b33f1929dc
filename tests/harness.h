/*
 * harness.h - the tiny test harness of gridcase.
 *
 * A test file is a set of void functions and a table of sentence names:
 *
 *     static const struct test tests[] = {
 *         { "put then get returns the same event", test_put_get },
 *     };
 *     TEST_MAIN(tests)
 *
 * The binary runs every test, or those whose name contains argv[1], and
 * ends with "N passed, N failed", exiting 1 on any failure.  A failed
 * CHECK prints file:line, the expression and the values, and returns from
 * the test.  Output is silent unless TEST_VERBOSE=1 or a check fails.
 */
#ifndef GRIDCASE_HARNESS_H
#define GRIDCASE_HARNESS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"

struct test {
	const char *name;
	void (*fn)(void);
};

int harness_main(int argc, char **argv, const struct test *tests, size_t n);

#define TEST_MAIN(table)                                                   \
	int main(int argc, char **argv)                                    \
	{                                                                  \
		return harness_main(argc, argv, table,                     \
				    sizeof(table) / sizeof(table[0]));     \
	}

/* Records a failure of the running test (used by the macros). */
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int harness_verbose(void);
/* Like printf, but only when TEST_VERBOSE=1. */
void harness_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(cond)                                                        \
	do {                                                               \
		if (!(cond)) {                                             \
			harness_fail(__FILE__, __LINE__, "CHECK(%s)", #cond); \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_OK(expr)                                                     \
	do {                                                               \
		int rc_ = (expr);                                          \
		if (rc_ != 0) {                                            \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s returned %s (%s)", #expr,         \
				     err_name(rc_), err_str(rc_));         \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_ERR(expr, want)                                              \
	do {                                                               \
		int rc_ = (expr);                                          \
		if (rc_ != (want)) {                                       \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s returned %s, expected %s", #expr, \
				     err_name(rc_), err_name(want));       \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                 \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		if (a_ != b_) {                                            \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s == %s: %lld != %lld", #a, #b, a_, \
				     b_);                                  \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                 \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		if (strcmp(a_, b_) != 0) {                                 \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				     a_, b_);                              \
			return;                                            \
		}                                                          \
	} while (0)

#define CHECK_EQ_MEM(a, b, n)                                              \
	do {                                                               \
		if (memcmp((a), (b), (n)) != 0) {                          \
			harness_fail(__FILE__, __LINE__,                   \
				     "%s == %s (%zu bytes) differ at byte %zu", \
				     #a, #b, (size_t)(n),                  \
				     harness_first_diff((a), (b), (n)));   \
			return;                                            \
		}                                                          \
	} while (0)

size_t harness_first_diff(const void *a, const void *b, size_t n);

/*
 * A fresh directory under $TMPDIR (or /tmp), removed with everything in it
 * by test_tmpdir_remove().  Returns new memory (free it after removing).
 */
char *test_tmpdir(void);
void test_tmpdir_remove(const char *dir);

/*
 * The seed for randomised tests: $TEST_SEED if set, else from the clock.
 * The harness prints it when a test fails, so a failure can be replayed.
 */
uint64_t test_seed(void);
/* A small deterministic generator (splitmix64). */
uint64_t test_rand(uint64_t *state);

#endif

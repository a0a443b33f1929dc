/*
 * fuzz.h - what every fuzz target tests/fuzz/<name>_fuzz.c provides, and
 * the two drivers it is linked with.
 *
 * A target is one file: LLVMFuzzerTestOneInput() runs one input through
 * the code under test and its oracle (the properties that must hold);
 * fuzz_seeds() hands out the seed inputs, made by the real encoders.
 * It is built twice (Makefile):
 *   - with clang and libFuzzer (fuzz_main.c): `make fuzz`, build-fuzz/;
 *   - with gcc and the test harness (replay.c): `make test` replays the
 *     checked-in corpus tests/fuzz/corpus/<name>/ and the fresh seeds,
 *     build-san/tests/fuzz_corpus_<name>.
 * Both run under ASan and UBSan, and both fail on a leak.
 *
 * Targets must be deterministic (one input, one result: no clock, no
 * real randomness, no state kept between inputs) and must free what
 * they allocate, including on the path that reports a failure.
 */
#ifndef GRIDCASE_TESTS_FUZZ_FUZZ_H
#define GRIDCASE_TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/err.h"

/* The target's name: its corpus is tests/fuzz/corpus/<name>/. */
extern const char fuzz_target[];

/* libFuzzer's entry point; always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process, before the first input (keys, fixed randomness). */
void fuzz_init(void);

/* Receives one seed: name is a file name, unique within the target. */
typedef void (*fuzz_seed_fn)(void *ctx, const char *name, const uint8_t *p,
			     size_t n);

/* Hands each seed of the target to add. */
void fuzz_seeds(fuzz_seed_fn add, void *ctx);

/* fuzz_seeds() helper for a text seed. */
static inline void
fuzz_seed_text(fuzz_seed_fn add, void *ctx, const char *name,
	       const char *text)
{
	add(ctx, name, (const uint8_t *)text, strlen(text));
}

/*
 * A property of the oracle does not hold for the running input.  Under
 * libFuzzer: prints and aborts (libFuzzer keeps the input).  Under the
 * replay driver: records the failure and returns, so the target must go
 * on to free what it holds.
 */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* 1 if rc is 0 or one of the negative codes of common/err.h. */
static inline int
fuzz_code_known(int rc)
{
	return rc == 0 || (rc > ERR_BASE_ && rc < ERR_END_);
}

#endif

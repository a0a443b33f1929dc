/* hex.h - lowercase hexadecimal for ids, keys and signatures. */
#ifndef GRIDCASE_HEX_H
#define GRIDCASE_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* Writes 2*n hex digits and a NUL into out (which holds 2*n+1 bytes). */
void hex_encode(const uint8_t *p, size_t n, char *out);

/*
 * Decodes exactly 2*n hex digits (either case) from s into out[n].
 * Returns ERR_INVAL if s is not that many hex digits.
 */
MUST_CHECK int hex_decode(const char *s, uint8_t *out, size_t n);

/* 1 if s is a non-empty string of hex digits only. */
int hex_is_prefix(const char *s);

#endif

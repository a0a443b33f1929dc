/* rand.h - unpredictable bytes from the system's CSPRNG (libsodium). */
#ifndef GRIDCASE_RAND_H
#define GRIDCASE_RAND_H

#include <stddef.h>
#include <stdint.h>

void rand_bytes(void *p, size_t n);

/*
 * Makes every later random byte of the process (keys, nonces, session
 * ids: everything libsodium draws) come from a fixed sequence given by
 * seed, started again at each call.  For the fuzz targets and their
 * replay, which must give one result per input; a node never calls it.
 * Not thread-safe: call it while no other thread uses crypto/.
 */
void rand_make_deterministic(uint64_t seed);

#endif

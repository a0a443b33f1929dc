/* rand.h - unpredictable bytes from the system's CSPRNG (libsodium). */
#ifndef GRIDCASE_RAND_H
#define GRIDCASE_RAND_H

#include <stddef.h>

void rand_bytes(void *p, size_t n);

#endif

/* rand.c - randombytes_buf behind our own name. */
#include "crypto/rand.h"

#include <sodium.h>

#include "crypto/hash.h"
#include "common/banned.h"

void
rand_bytes(void *p, size_t n)
{
	hash_lib_init();
	randombytes_buf(p, n);
}

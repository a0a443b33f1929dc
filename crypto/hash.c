/* hash.c - BLAKE2b-256 through libsodium's crypto_generichash. */
#include "crypto/hash.h"

#include <sodium.h>

#include "common/xalloc.h"
#include "common/banned.h"

_Static_assert(sizeof(crypto_generichash_state) <= sizeof(struct hasher),
	       "struct hasher is too small for crypto_generichash_state");

void
hash_lib_init(void)
{
	/* sodium_init() is thread-safe and idempotent; -1 means the
	 * library cannot work at all (no randomness source). */
	BUG_ON(sodium_init() < 0);
}

void
hash_init(struct hasher *h)
{
	crypto_generichash_init((crypto_generichash_state *)h->opaque, NULL, 0,
				HASH_BYTES);
}

void
hash_update(struct hasher *h, const void *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)h->opaque, p, n);
}

void
hash_final(struct hasher *h, uint8_t out[HASH_BYTES])
{
	crypto_generichash_final((crypto_generichash_state *)h->opaque, out,
				 HASH_BYTES);
}

void
hash_bytes(const void *p, size_t n, uint8_t out[HASH_BYTES])
{
	crypto_generichash(out, HASH_BYTES, p, n, NULL, 0);
}

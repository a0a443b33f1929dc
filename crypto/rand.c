/* rand.c - randombytes_buf behind our own name. */
#include "crypto/rand.h"

#include <sodium.h>
#include <string.h>

#include "crypto/hash.h"
#include "common/banned.h"

void
rand_bytes(void *p, size_t n)
{
	hash_lib_init();
	randombytes_buf(p, n);
}

/*
 * The fixed sequence: call i of buf() fills its bytes with
 * randombytes_buf_deterministic() under the key (seed, i).
 */
static uint64_t fixed_seed, fixed_calls;

static void
fixed_buf(void *p, size_t n)
{
	uint8_t key[randombytes_SEEDBYTES];
	memset(key, 0, sizeof(key));
	memcpy(key, &fixed_seed, sizeof(fixed_seed));
	memcpy(key + 8, &fixed_calls, sizeof(fixed_calls));
	fixed_calls++;
	randombytes_buf_deterministic(p, n, key);
}

static uint32_t
fixed_random(void)
{
	uint32_t v;
	fixed_buf(&v, sizeof(v));
	return v;
}

static const char *
fixed_name(void)
{
	return "gridcase-fixed";
}

static void
fixed_stir(void)
{
}

static randombytes_implementation fixed_impl = {
	.implementation_name = fixed_name,
	.random = fixed_random,
	.stir = fixed_stir,
	.uniform = NULL, /* libsodium derives it from random() */
	.buf = fixed_buf,
	.close = NULL,
};

void
rand_make_deterministic(uint64_t seed)
{
	/* Before sodium_init() on the first call, as libsodium asks; and
	 * the sequence starts after sodium_init(), which draws bytes of its
	 * own the first time only. */
	(void)randombytes_set_implementation(&fixed_impl);
	hash_lib_init();
	fixed_seed = seed;
	fixed_calls = 0;
}

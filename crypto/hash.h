/*
 * hash.h - BLAKE2b-256, the one hash of gridcase (ids, blobs, digests).
 *
 * crypto/ is the only module that touches libsodium.  The streaming state
 * is an opaque, suitably aligned byte array so that callers can keep it on
 * the stack without seeing libsodium's type.
 */
#ifndef GRIDCASE_HASH_H
#define GRIDCASE_HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_BYTES 32

/* Large enough for crypto_generichash_state; checked in hash.c. */
struct hasher {
	_Alignas(64) unsigned char opaque[384];
};

/* Calls sodium_init() once; every crypto entry point calls it too. */
void hash_lib_init(void);

void hash_init(struct hasher *h);
void hash_update(struct hasher *h, const void *p, size_t n);
/* Writes the 32-byte digest; h must be initialised again before reuse. */
void hash_final(struct hasher *h, uint8_t out[HASH_BYTES]);

/* BLAKE2b-256 of one buffer. */
void hash_bytes(const void *p, size_t n, uint8_t out[HASH_BYTES]);

#endif

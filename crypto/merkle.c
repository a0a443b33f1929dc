/* merkle.c - RFC 9162 Merkle trees over SHA-256 (see merkle.h). */
#include "crypto/merkle.h"

#include <string.h>

#include <sodium.h>

#include "common/xalloc.h"
#include "crypto/hash.h"
#include "common/banned.h"

void
merkle_leaf_hash(const uint8_t leaf[MERKLE_LEAF_BYTES],
		 uint8_t out[MERKLE_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	const uint8_t tag = 0x00;
	hash_lib_init();
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &tag, 1);
	crypto_hash_sha256_update(&st, leaf, MERKLE_LEAF_BYTES);
	crypto_hash_sha256_final(&st, out);
}

static void
node_hash(const uint8_t l[MERKLE_HASH_BYTES],
	  const uint8_t r[MERKLE_HASH_BYTES], uint8_t out[MERKLE_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	const uint8_t tag = 0x01;
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, &tag, 1);
	crypto_hash_sha256_update(&st, l, MERKLE_HASH_BYTES);
	crypto_hash_sha256_update(&st, r, MERKLE_HASH_BYTES);
	crypto_hash_sha256_final(&st, out);
}

/* The largest power of two smaller than n (n >= 2). */
static size_t
split(size_t n)
{
	size_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

/* MTH(D[0:n]) for n >= 1; recursion depth is log2(n). */
static void
mth(const uint8_t (*d)[MERKLE_LEAF_BYTES], size_t n,
    uint8_t out[MERKLE_HASH_BYTES])
{
	if (n == 1) {
		merkle_leaf_hash(d[0], out);
		return;
	}
	size_t k = split(n);
	uint8_t l[MERKLE_HASH_BYTES], r[MERKLE_HASH_BYTES];
	mth(d, k, l);
	mth(d + k, n - k, r);
	node_hash(l, r, out);
}

void
merkle_root(const uint8_t (*leaves)[MERKLE_LEAF_BYTES], size_t n,
	    uint8_t out[MERKLE_HASH_BYTES])
{
	hash_lib_init();
	if (n == 0) {
		crypto_hash_sha256(out, (const unsigned char *)"", 0);
		return;
	}
	mth(leaves, n, out);
}

int
merkle_path(const uint8_t (*leaves)[MERKLE_LEAF_BYTES], size_t n, size_t m,
	    uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES], size_t *len)
{
	uint8_t rev[MERKLE_MAX_PATH][MERKLE_HASH_BYTES];
	size_t depth = 0;
	if (m >= n)
		return ERR_INVAL;
	hash_lib_init();
	/* Walk down from the root, collecting the sibling of each subtree
	 * that holds m; PATH lists them from the leaf up. */
	while (n > 1) {
		size_t k = split(n);
		BUG_ON(depth >= MERKLE_MAX_PATH);
		if (m < k) {
			mth(leaves + k, n - k, rev[depth++]);
			n = k;
		} else {
			mth(leaves, k, rev[depth++]);
			leaves += k;
			n -= k;
			m -= k;
		}
	}
	for (size_t i = 0; i < depth; i++)
		memcpy(path[i], rev[depth - 1 - i], MERKLE_HASH_BYTES);
	*len = depth;
	return 0;
}

int
merkle_path_verify(const uint8_t leaf[MERKLE_LEAF_BYTES], uint64_t m,
		   uint64_t n, const uint8_t (*path)[MERKLE_HASH_BYTES],
		   size_t len, const uint8_t root[MERKLE_HASH_BYTES])
{
	uint8_t r[MERKLE_HASH_BYTES];
	if (m >= n)
		return ERR_CORRUPT;
	uint64_t fn = m, sn = n - 1;
	merkle_leaf_hash(leaf, r);
	for (size_t i = 0; i < len; i++) {
		if (sn == 0)
			return ERR_CORRUPT;
		if ((fn & 1) || fn == sn) {
			node_hash(path[i], r, r);
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			node_hash(r, path[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || sodium_memcmp(r, root, MERKLE_HASH_BYTES) != 0)
		return ERR_CORRUPT;
	return 0;
}

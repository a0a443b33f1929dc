/*
 * merkle.h - RFC 9162 (Certificate Transparency v2) Merkle tree hashes
 * and inclusion proofs, with SHA-256.
 *
 * A tree is over n leaves, each a byte string (gridcase uses 32-byte
 * event ids, in the canonical order of docs/audit.md).  As RFC 9162
 * §2.1.1 defines them:
 *
 *     MTH({})     = SHA-256()
 *     MTH({d0})   = SHA-256(0x00 || d0)
 *     MTH(D[n])   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
 *                   with k the largest power of two smaller than n
 *
 * and the inclusion proof of leaf m is PATH(m, D[n]) of §2.1.3.1, its
 * hashes from the leaf's sibling up; it is checked by the algorithm of
 * §2.1.3.2.  SHA-256 rather than the project's BLAKE2b because it is the
 * RFC's hash: any CT library or auditor's tool checks these proofs.
 */
#ifndef GRIDCASE_MERKLE_H
#define GRIDCASE_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

#define MERKLE_HASH_BYTES 32
#define MERKLE_LEAF_BYTES 32
/* A path has at most one hash per level: 64 levels hold 2^64 leaves. */
#define MERKLE_MAX_PATH 64

/* SHA-256(0x00 || leaf): the hash of one leaf. */
void merkle_leaf_hash(const uint8_t leaf[MERKLE_LEAF_BYTES],
		      uint8_t out[MERKLE_HASH_BYTES]);

/* MTH of the n leaves (n may be 0) into out. */
void merkle_root(const uint8_t (*leaves)[MERKLE_LEAF_BYTES], size_t n,
		 uint8_t out[MERKLE_HASH_BYTES]);

/*
 * PATH(m, D[n]) into path (at most MERKLE_MAX_PATH hashes), its length
 * into *len.  ERR_INVAL if m >= n.
 */
MUST_CHECK int merkle_path(const uint8_t (*leaves)[MERKLE_LEAF_BYTES], size_t n,
			   size_t m,
			   uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES],
			   size_t *len);

/*
 * Checks that leaf is leaf m of a tree of n leaves whose head is root,
 * by path (RFC 9162 §2.1.3.2).  0, or ERR_CORRUPT if it is not (an index
 * out of range, a path of the wrong length or a root that differs).
 */
MUST_CHECK int merkle_path_verify(const uint8_t leaf[MERKLE_LEAF_BYTES],
				  uint64_t m, uint64_t n,
				  const uint8_t (*path)[MERKLE_HASH_BYTES],
				  size_t len,
				  const uint8_t root[MERKLE_HASH_BYTES]);

#endif

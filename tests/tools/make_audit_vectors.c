/*
 * make_audit_vectors.c - writes docs/vectors/audit.json: RFC 9162 trees
 * over fixed 32-byte leaves (leaf i = BLAKE2b-256 of "gridcase/audit-
 * vector/" and i as one byte), their tree heads and the inclusion proof of
 * every leaf (docs/audit.md §2), each checked by gridcase's own
 * merkle_path_verify() before it is written.
 *
 *   make_audit_vectors > docs/vectors/audit.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "common/banned.h"

static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 20 };

static void
put_hex(const uint8_t *p, size_t n)
{
	char hex[2 * MERKLE_HASH_BYTES + 1];
	hex_encode(p, n, hex);
	printf("\"%s\"", hex);
}

int
main(void)
{
	static const char tag[] = "gridcase/audit-vector/";
	uint8_t leaves[20][MERKLE_LEAF_BYTES];
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES];
	size_t len;
	for (int i = 0; i < 20; i++) {
		uint8_t in[sizeof(tag)];
		memcpy(in, tag, sizeof(tag) - 1);
		in[sizeof(tag) - 1] = (uint8_t)i;
		hash_bytes(in, sizeof(in), leaves[i]);
	}
	printf("{\n  \"about\": \"RFC 9162 Merkle tree heads (SHA-256) over 32-byte leaves, "
	       "and the inclusion proof of every leaf: docs/audit.md section 2\",\n");
	printf("  \"trees\": [\n");
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		size_t n = sizes[t];
		uint8_t root[MERKLE_HASH_BYTES];
		const uint8_t(*l)[MERKLE_LEAF_BYTES] =
			(const uint8_t(*)[MERKLE_LEAF_BYTES])leaves;
		merkle_root(l, n, root);
		printf("    {\n      \"leaves\": [");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ", " : "");
			put_hex(leaves[i], MERKLE_LEAF_BYTES);
		}
		printf("],\n      \"root\": ");
		put_hex(root, MERKLE_HASH_BYTES);
		printf(",\n      \"paths\": [");
		for (size_t m = 0; m < n; m++) {
			if (merkle_path(l, n, m, path, &len) ||
			    merkle_path_verify(leaves[m], m, n,
					       (const uint8_t(*)
							[MERKLE_HASH_BYTES])path,
					       len, root)) {
				fprintf(stderr,
					"make_audit_vectors: the path of %zu in %zu does not hold\n",
					m, n);
				return 1;
			}
			printf("%s\n        { \"index\": %zu, \"path\": [",
			       m ? "," : "", m);
			for (size_t k = 0; k < len; k++) {
				printf(k ? ", " : "");
				put_hex(path[k], MERKLE_HASH_BYTES);
			}
			printf("] }");
		}
		printf("%s]\n    }%s\n", n ? "\n      " : "",
		       t + 1 < sizeof(sizes) / sizeof(sizes[0]) ? "," : "");
	}
	printf("  ]\n}\n");
	return fflush(stdout) != 0;
}

/* cmd_blob.c - gridcase blob add|get|erase: photos and personal data. */
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "node/admin.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

int
cmd_blob_add(struct cli *c, int argc, char **argv)
{
	struct buf data = BUF_INIT;
	uint8_t hash[HASH_BYTES];
	char hex[65];
	struct diag d;
	if (cli_args(c, argc, argv, NULL, 1, 1, "give one FILE (- for stdin)"))
		return EXIT_USAGE;
	argv += optind - 1;
	/* Erasures this node holds come first: an erased blob stays out. */
	int rc = node_erasures_apply(c->node, NULL, &d);
	if (rc)
		return cli_fail_rc(rc, "%s", d.text);
	rc = cli_read_file(argv[1], &data, &d);
	if (rc == 0)
		rc = store_blob_put(node_store(c->node), data.data, data.len,
				    hash, &d);
	buf_release(&data);
	if (rc)
		return cli_fail_rc(rc, "cannot add '%s': %s", argv[1], d.text);
	hex_encode(hash, HASH_BYTES, hex);
	printf("%s\n", hex);
	return EXIT_OK;
}

int
cmd_blob_get(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct buf data = BUF_INIT;
	uint8_t hash[HASH_BYTES];
	struct diag d;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (opt != 'o')
			return cli_bad_option(c, argv, "o:");
		path = optarg;
	}
	if (optind + 1 != argc || hex_decode(argv[optind], hash, HASH_BYTES))
		return cli_usage(c, "give one blob HASH (64 hex digits)");
	if ((rc = node_erasures_apply(c->node, NULL, &d)))
		return cli_fail_rc(rc, "%s", d.text);
	if ((rc = store_blob_get(node_store(c->node), hash, &data, &d)))
		return cli_fail_rc(rc, "cannot get blob %s: %s", argv[optind],
				   d.text);
	FILE *f = path ? fopen(path, "wb") : stdout;
	int ok = f && fwrite(data.data, 1, data.len, f) == data.len;
	if (path && f && fclose(f) != 0)
		ok = 0;
	buf_release(&data);
	if (!ok)
		return cli_fail("cannot write the blob to '%s'", path ? path : "stdout");
	return EXIT_OK;
}

int
cmd_blob_erase(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL, *reason = "";
	struct admin_key *admin;
	uint8_t hash[HASH_BYTES];
	struct diag d;
	int opt, rc;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'r': reason = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one blob HASH (64 hex digits)");
	if (hex_decode(argv[optind], hash, HASH_BYTES))
		return cli_usage(c, "'%s' is not a blob HASH (64 hex digits)",
				 argv[optind]);
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = node_blob_erase(c->node, admin, hash, reason, clock_now_ms(), &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail_rc(rc, "cannot erase blob %s: %s", argv[optind],
				   d.text);
	printf("erased %s here and, as its erasure event reaches them, on every node; "
	       "the events that name it still verify\n", argv[optind]);
	return EXIT_OK;
}

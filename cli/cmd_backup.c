/*
 * cmd_backup.c - gridcase backup, restore, rekey and roster replace: a
 * node's copies and its key (node/backup.h says why a restored node
 * takes a new key).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "node/admin.h"
#include "node/backup.h"
#include "node/node.h"
#include "common/banned.h"

int
cmd_backup(struct cli *c, int argc, char **argv)
{
	struct diag d;
	if (cli_args(c, argc, argv, NULL, 1, 1, "give the backup's DEST directory"))
		return EXIT_USAGE;
	argv += optind - 1;
	if (node_backup(c->node, argv[1], &d))
		return cli_fail("cannot back up '%s': %s", c->dir, d.text);
	printf("backup of '%s' written to '%s' (no secret key in it: a restored node takes a new key)\n",
	       c->dir, argv[1]);
	return EXIT_OK;
}

int
cmd_restore(struct cli *c, int argc, char **argv)
{
	uint8_t old[EVENT_KEY_BYTES], pub[EVENT_KEY_BYTES];
	char oh[2 * EVENT_KEY_BYTES + 1], nh[2 * EVENT_KEY_BYTES + 1];
	struct diag d;
	if (cli_args(c, argc, argv, NULL, 1, 1, "give the backup's SRC directory"))
		return EXIT_USAGE;
	argv += optind - 1;
	if (node_restore(argv[1], c->dir, old, pub, &d))
		return cli_fail("cannot restore '%s' into '%s': %s", argv[1],
				c->dir, d.text);
	hex_encode(old, EVENT_KEY_BYTES, oh);
	hex_encode(pub, EVENT_KEY_BYTES, nh);
	printf("%s\n", nh);
	fprintf(stderr,
		"restored '%s' into '%s' with a new key (above); the backup's key was %.16s.\n"
		"next, on a node that holds the old key's latest events (the centre), an admin runs:\n"
		"  gridcase roster replace %s %s --admin-key FILE\n"
		"then this node fetches the rest from its peers: gridcase --dir %s repl sync PEER\n",
		argv[1], c->dir, oh, oh, nh, c->dir);
	return EXIT_OK;
}

int
cmd_rekey(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL;
	struct admin_key *admin = NULL;
	uint8_t pub[EVENT_KEY_BYTES];
	char hex[2 * EVENT_KEY_BYTES + 1];
	uint64_t last = 0;
	struct diag d;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (c->key_path)
		return cli_usage(c, "rekey replaces the node's own key: no --key");
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = node_rekey(c->node, admin, clock_now_ms(), pub, &last, &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail("cannot replace the key of '%s': %s", c->dir, d.text);
	hex_encode(pub, EVENT_KEY_BYTES, hex);
	printf("%s\n", hex);
	fprintf(stderr, "the node's key is replaced: the old one is revoked after its seq %llu, the new one (above) has its name and roles\n",
		(unsigned long long)last);
	return EXIT_OK;
}

int
cmd_roster_replace(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "last-seq", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL, *seq = NULL;
	struct admin_key *admin = NULL;
	uint8_t old[EVENT_KEY_BYTES], fresh[EVENT_KEY_BYTES];
	uint64_t last_seq = NODE_LAST_SEQ_HELD, last = 0;
	struct diag d;
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'l': seq = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 2 != argc)
		return cli_usage(c, "give the OLD key (or name) and the NEW key");
	if (cli_parse_key(c, argv[optind], old) ||
	    cli_parse_key(c, argv[optind + 1], fresh))
		return EXIT_USAGE;
	if (seq) {
		last_seq = strtoull(seq, &end, 10);
		if (*end || end == seq || last_seq == NODE_LAST_SEQ_HELD)
			return cli_usage(c, "--last-seq '%s' is not a number", seq);
	}
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = node_roster_replace(c->node, admin, old, fresh, last_seq,
				 clock_now_ms(), &last, &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail("cannot replace the key: %s", d.text);
	printf("key %.16s replaced by %.16s: the old key's events after seq %llu count for nothing\n",
	       argv[optind], argv[optind + 1], (unsigned long long)last);
	return EXIT_OK;
}

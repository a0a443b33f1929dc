/* cmd_init.c - gridcase init: create a node's store and key. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "node/node.h"
#include "common/banned.h"

int
cmd_init(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "network", required_argument, NULL, 'n' },
		{ "name", required_argument, NULL, 'N' },
		{ "county", required_argument, NULL, 'c' },
		{ "admin", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct node_init_opts o = { 0 };
	uint8_t pub[EVENT_KEY_BYTES], admin[EVENT_KEY_BYTES];
	char hex[65];
	struct diag d;
	int opt, json = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': o.network = optarg; break;
		case 'N': o.name = optarg; break;
		case 'c': o.county = optarg; break;
		case 'a':
			if (cli_parse_key(c, optarg, admin))
				return EXIT_USAGE;
			o.admin = admin;
			break;
		case 'j': json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!o.network || !o.name || !o.admin)
		return cli_usage(c, "--network, --name and --admin are required");
	if (!*o.name || strlen(o.name) > 64)
		return cli_usage(c, "node name '%s' must be 1-64 bytes of UTF-8 (a Chinese character takes 3)",
				 o.name);
	if (o.county && (strlen(o.county) != 6 ||
			 strspn(o.county, "0123456789") != 6))
		return cli_usage(c, "county code '%s' must be 6 digits",
				 o.county);
	if (node_init(c->dir, &o, pub, &d))
		return cli_fail("cannot initialise '%s': %s", c->dir, d.text);
	hex_encode(pub, EVENT_KEY_BYTES, hex);
	if (json) {
		struct buf b = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &b, 0);
		json_obj_begin(&w);
		json_key(&w, "dir");
		json_str(&w, c->dir);
		json_key(&w, "network");
		json_str(&w, o.network);
		json_key(&w, "name");
		json_str(&w, o.name);
		json_key(&w, "key");
		json_str(&w, hex);
		json_obj_end(&w);
		cli_print(&b);
		buf_release(&b);
	} else {
		printf("%s\n", hex);
	}
	return EXIT_OK;
}

/*
 * cmd_roles.c - gridcase roles add|list, gridcase keygen: the member table
 * of the district (which key may do what) and extra keys for a node.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/hex.h"
#include "common/json.h"
#include "crypto/key.h"
#include "node/node.h"
#include "node/roles.h"
#include "common/banned.h"

int
cmd_roles_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "unit", required_argument, NULL, 'u' },
		{ "roles", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct member m;
	const char *name = NULL, *unit = NULL, *roles = NULL;
	uint64_t cases;
	struct diag d;
	int opt;

	memset(&m, 0, sizeof(m));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'n': name = optarg; break;
		case 'u': unit = optarg; break;
		case 'r': roles = optarg; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind + 1 != argc || !name || !roles)
		return cli_usage(c, "give KEY, --name and --roles");
	if (cli_parse_key(c, argv[optind], m.key))
		return EXIT_USAGE;
	if (strlen(name) > ROLES_NAME_MAX || (unit && strlen(unit) > ROLES_NAME_MAX))
		return cli_usage(c, "names are at most %d characters", ROLES_NAME_MAX);
	if (roles_parse(roles, &m.roles, &d))
		return cli_usage(c, "%s", d.text);
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.unit, sizeof(m.unit), "%s", unit ? unit : name);
	if (roles_put(node_store(c->node), &m, &d))
		return cli_fail("cannot add the member: %s", d.text);
	/* Who may do what decides which events apply: fold every case
	 * again under the new table. */
	if (node_refold(c->node, &cases, &d))
		return cli_fail("member added, but cases could not be folded again: %s",
				d.text);
	printf("member %s (%s, unit %s); %llu cases folded again\n", m.name,
	       roles, m.unit, (unsigned long long)cases);
	return EXIT_OK;
}

int
cmd_roles_list(struct cli *c, int argc, char **argv)
{
	const struct roles *r = node_roles(c->node);
	struct buf out = BUF_INIT;
	struct json_writer w;
	int json = argc == 2 && strcmp(argv[1], "--json") == 0;
	if (argc > 1 && !json)
		return cli_usage(c, "unexpected argument '%s'", argv[1]);
	json_writer_init(&w, &out, 0);
	if (json)
		json_arr_begin(&w);
	for (size_t i = 0; i < roles_count(r); i++) {
		const struct member *m = roles_at(r, i);
		char key[65], names[80];
		hex_encode(m->key, 32, key);
		roles_format(m->roles, names, sizeof(names));
		if (json) {
			json_obj_begin(&w);
			json_key(&w, "key");
			json_str(&w, key);
			json_key(&w, "name");
			json_str(&w, m->name);
			json_key(&w, "unit");
			json_str(&w, m->unit);
			json_key(&w, "roles");
			json_str(&w, names);
			json_obj_end(&w);
		} else {
			buf_printf(&out, "%s  %-16s  %-16s  %s\n", key, m->name,
				   m->unit, names);
		}
	}
	if (json)
		json_arr_end(&w);
	cli_print(&out);
	buf_release(&out);
	return EXIT_OK;
}

int
cmd_keygen(struct cli *c, int argc, char **argv)
{
	struct diag d;
	char hex[65];
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage(c, "give the new key FILE");
	struct key *k = key_generate();
	int rc = key_save(k, argv[1], &d);
	if (rc == 0)
		hex_encode(key_public(k), 32, hex);
	key_free(k);
	if (rc)
		return cli_fail("%s", d.text);
	printf("%s\n", hex);
	return EXIT_OK;
}

int
cmd_reindex(struct cli *c, int argc, char **argv)
{
	uint64_t cases;
	struct diag d;
	(void)argv;
	if (argc != 1)
		return cli_usage(c, "reindex takes no arguments");
	if (node_refold(c->node, &cases, &d))
		return cli_fail("cannot fold the cases again: %s", d.text);
	printf("folded %llu cases again\n", (unsigned long long)cases);
	return EXIT_OK;
}

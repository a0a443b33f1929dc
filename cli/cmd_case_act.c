/*
 * cmd_case_act.c - gridcase case <action> CASE [options]: every workflow
 * step after the report, one event each (node/case/workflow.c has the table).
 *
 * Options become body fields of the same name; an action takes only the
 * fields its row of the table lists, so a mistyped option is refused
 * rather than silently signed.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "node/actions.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

#define MAX_PHOTOS 8

static int
takes(const struct action_def *a, const char *field)
{
	for (int i = 0; i < ACTION_MAX_FIELDS; i++)
		if ((a->required[i] && strcmp(a->required[i], field) == 0) ||
		    (a->optional[i] && strcmp(a->optional[i], field) == 0))
			return 1;
	return 0;
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int
cmd_case_act(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "unit", required_argument, NULL, 0 },
		{ "team", required_argument, NULL, 0 },
		{ "reason", required_argument, NULL, 0 },
		{ "notes", required_argument, NULL, 0 },
		{ "note", required_argument, NULL, 0 },
		{ "urgency", required_argument, NULL, 0 },
		{ "limit", required_argument, NULL, 0 },
		{ "extend", required_argument, NULL, 0 },
		{ "into", required_argument, NULL, 0 },
		{ "field", required_argument, NULL, 0 },
		{ "value", required_argument, NULL, 0 },
		{ "conflict", required_argument, NULL, 0 },
		{ "outcome", required_argument, NULL, 0 },
		{ "by", required_argument, NULL, 0 },
		{ "found", required_argument, NULL, 0 },
		{ "photo", required_argument, NULL, 0 },
		{ "json", no_argument, NULL, 0 },
		{ NULL, 0, NULL, 0 },
	};
	const struct action_def *a = workflow_action(argv[0], strlen(argv[0]));
	struct action_req req;
	uint8_t photos[MAX_PHOTOS][32], id[32];
	char hex[65];
	struct diag d;
	int opt, idx, json = 0;

	BUG_ON(!a);
	memset(&req, 0, sizeof(req));
	mp_map_init(&req.body);
	while ((opt = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (opt != 0) {
			mp_map_release(&req.body);
			return cli_usage(c, "unknown option");
		}
		const char *name = opts[idx].name;
		if (strcmp(name, "json") == 0) {
			json = 1;
			continue;
		}
		const char *field = strcmp(name, "photo") == 0 ? "photos" : name;
		if (!takes(a, field)) {
			mp_map_release(&req.body);
			return cli_usage(c, "'%s' does not take --%s", a->type,
					 name);
		}
		if (strcmp(name, "photo") == 0) {
			struct buf data = BUF_INIT;
			int rc;
			if (req.nblobs == MAX_PHOTOS) {
				mp_map_release(&req.body);
				return cli_usage(c, "at most %d --photo", MAX_PHOTOS);
			}
			rc = cli_read_file(optarg, &data, &d);
			if (rc == 0)
				rc = store_blob_put(node_store(c->node), data.data,
						    data.len, photos[req.nblobs], &d);
			buf_release(&data);
			if (rc) {
				mp_map_release(&req.body);
				return cli_fail("cannot attach '%s': %s", optarg,
						d.text);
			}
			req.nblobs++;
			continue;
		}
		if (mp_map_has(&req.body, field)) {
			mp_map_release(&req.body);
			return cli_usage(c, "--%s is given twice", name);
		}
		if (strcmp(name, "found") == 0) {
			if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
				mp_map_release(&req.body);
				return cli_usage(c, "--found takes yes or no");
			}
			mp_put_bool(mp_map_add(&req.body, "found"),
				    strcmp(optarg, "yes") == 0);
			continue;
		}
		mp_put_cstr(mp_map_add(&req.body, field), optarg);
	}
	if (optind + 1 != argc) {
		mp_map_release(&req.body);
		return cli_usage(c, "give one CASE id");
	}
	if (req.nblobs) {
		struct buf *b = mp_map_add(&req.body, "photos");
		mp_put_array(b, (uint32_t)req.nblobs);
		for (size_t i = 0; i < req.nblobs; i++)
			mp_put_bin(b, photos[i], 32);
		qsort(photos, req.nblobs, 32, hash_cmp);
		for (size_t i = 1; i < req.nblobs; i++)
			if (memcmp(photos[i - 1], photos[i], 32) == 0) {
				mp_map_release(&req.body);
				return cli_usage(c, "the same photo is given twice");
			}
		req.blobs = photos;
	}
	req.a = a;
	req.case_id = argv[optind];
	req.now_ms = clock_now_ms();
	if (case_act(c->node, &req, id, &d))
		return cli_fail("%s", d.text);
	hex_encode(id, 32, hex);
	if (json)
		printf("{\"case\":\"%s\",\"event\":\"%s\"}\n", argv[optind], hex);
	else
		printf("%s\n", hex);
	return EXIT_OK;
}

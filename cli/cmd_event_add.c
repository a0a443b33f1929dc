/* cmd_event_add.c - gridcase event add: append a low-level event. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

static int
cmp_hash(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

int
cmd_event_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "type", required_argument, NULL, 't' },
		{ "body", required_argument, NULL, 'b' },
		{ "blob", required_argument, NULL, 'B' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t blobs[EVENT_MAX_BLOBS][EVENT_ID_BYTES];
	struct append_req req = { 0 };
	struct buf body = BUF_INIT;
	const char *body_json = NULL;
	uint8_t id[EVENT_ID_BYTES];
	char hex[2 * EVENT_ID_BYTES + 1];
	struct diag d;
	int opt, json = 0, rc = EXIT_OK;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': req.case_id = optarg; break;
		case 't': req.type = optarg; break;
		case 'b': body_json = optarg; break;
		case 'B':
			if (req.nblobs == EVENT_MAX_BLOBS)
				return cli_usage(c, "at most %d --blob",
						 EVENT_MAX_BLOBS);
			if (hex_decode(optarg, blobs[req.nblobs], EVENT_ID_BYTES))
				return cli_usage(c, "blob '%s' is not a hash (64 hex digits)",
						 optarg);
			req.nblobs++;
			break;
		case 'j': json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!req.case_id || !req.type || !body_json)
		return cli_usage(c, "--case, --type and --body are required");
	if (!event_type_is_valid(req.type, strlen(req.type)))
		return cli_usage(c, "invalid type '%s': use 1-%d characters of a-z 0-9 . _ -",
				 req.type, EVENT_TYPE_MAX);
	if (json_to_mp(body_json, &body, &d))
		return cli_usage(c, "--body: %s", d.text);
	if (!mp_is_map(body.data, body.len)) {
		buf_release(&body);
		return cli_usage(c, "--body must be a JSON object");
	}
	qsort(blobs, req.nblobs, EVENT_ID_BYTES, cmp_hash);
	for (size_t i = 1; i < req.nblobs; i++)
		if (memcmp(blobs[i - 1], blobs[i], EVENT_ID_BYTES) == 0) {
			buf_release(&body);
			return cli_usage(c, "the same --blob is given twice");
		}
	req.blobs = (const uint8_t (*)[EVENT_ID_BYTES])blobs;
	req.body = body.data;
	req.body_len = body.len;
	req.now_ms = clock_now_ms();
	if (node_may_sign(c->node, NULL, node_key(c->node), req.case_id, req.type,
			  &d)) {
		rc = cli_fail("cannot append to case '%s': %s", req.case_id,
			      d.text);
		goto out;
	}
	if (store_append(node_store(c->node), node_key(c->node), &req, id, &d)) {
		rc = cli_fail("cannot append to case '%s': %s", req.case_id,
			      d.text);
		goto out;
	}
	hex_encode(id, EVENT_ID_BYTES, hex);
	if (json)
		printf("{\"id\":\"%s\"}\n", hex);
	else
		printf("%s\n", hex);
out:
	buf_release(&body);
	return rc;
}

/* cmd_log.c - gridcase log: list events (id, author, seq, time, type). */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct listing {
	struct buf out;
	struct json_writer w;
	int json, full;
};

static int
list_one(const uint8_t *p, size_t n, void *ctx)
{
	struct listing *l = ctx;
	struct envelope env;
	struct event ev;
	if (show_decode(p, n, &env, &ev))
		return ERR_CORRUPT;
	if (l->json)
		show_event_json(&l->w, &env, &ev, l->full);
	else
		show_event_line(&l->out, &env, &ev);
	return 0;
}

int
cmd_log(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "case", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "full", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct listing l = { BUF_INIT, { 0 }, 0, 0 };
	const char *case_id = NULL;
	uint8_t author[EVENT_KEY_BYTES];
	int opt, by_author = 0, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if ((rc = cli_parse_key(c, optarg, author)))
				return rc;
			by_author = 1;
			break;
		case 'c': case_id = optarg; break;
		case 'j': l.json = 1; break;
		case 'f': l.full = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (by_author && case_id)
		return cli_usage(c, "give --author or --case, not both");
	if (l.full && !l.json)
		return cli_usage(c, "--full goes with --json");

	json_writer_init(&l.w, &l.out, 0);
	if (l.json)
		json_arr_begin(&l.w);
	else
		show_event_header(&l.out);
	struct store *s = node_store(c->node);
	if (by_author)
		rc = store_walk_author(s, author, 1, list_one, &l);
	else if (case_id)
		rc = store_walk_case(s, case_id, list_one, &l);
	else
		rc = store_walk_all(s, list_one, &l);
	if (rc) {
		buf_release(&l.out);
		return cli_fail("cannot list events: %s", err_str(rc));
	}
	if (l.json)
		json_arr_end(&l.w);
	if (l.json || l.out.len)
		cli_print(&l.out);
	buf_release(&l.out);
	return EXIT_OK;
}

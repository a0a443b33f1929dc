/* cmd_case_show.c - gridcase case show: a case's signed history. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "common/clock.h"
#include "common/hex.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct history {
	struct buf out;
	struct json_writer w;
	int json;
	int count;
};

static int
show_one(const uint8_t *p, size_t n, void *ctx)
{
	struct history *h = ctx;
	struct envelope env;
	struct event ev;
	if (show_decode(p, n, &env, &ev))
		return ERR_CORRUPT;
	h->count++;
	if (h->json) {
		show_event_json(&h->w, &env, &ev, 1);
		return 0;
	}
	char id[65], author[65], when[CLOCK_ISO_BYTES];
	struct buf body = BUF_INIT;
	struct json_writer bw;
	hex_encode(env.id, 32, id);
	hex_encode(ev.author, 32, author);
	clock_format(ev.time_ms, when);
	json_writer_init(&bw, &body, 0);
	if (json_put_mp(&bw, ev.body, ev.body_len))
		buf_add_str(&body, "(unreadable body)");
	buf_printf(&h->out,
		   "event %s\n  type     %.*s\n  author   %s  seq %llu\n"
		   "  time     %s  lamport %llu\n  deps     %zu\n  body     %s\n"
		   "  signed   yes (verified when stored; 'gridcase verify' re-checks)\n",
		   id, (int)ev.type_len, ev.type, author,
		   (unsigned long long)ev.seq, when,
		   (unsigned long long)ev.lamport, ev.ndeps, buf_cstr(&body));
	buf_release(&body);
	return 0;
}

int
cmd_case_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct history h = { BUF_INIT, { 0 }, 0, 0 };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': h.json = 1; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one CASE id");
	const char *case_id = argv[optind];
	json_writer_init(&h.w, &h.out, 0);
	if (h.json) {
		json_obj_begin(&h.w);
		json_key(&h.w, "case");
		json_str(&h.w, case_id);
		json_key(&h.w, "events");
		json_arr_begin(&h.w);
	} else {
		buf_printf(&h.out, "case %s\n", case_id);
	}
	rc = store_walk_case(node_store(c->node), case_id, show_one, &h);
	if (rc == 0 && h.count == 0)
		rc = ERR_NOTFOUND;
	if (rc) {
		buf_release(&h.out);
		if (rc == ERR_NOTFOUND)
			return cli_fail("no case '%s' in this log", case_id);
		return cli_fail("cannot read case '%s': %s", case_id,
				err_str(rc));
	}
	if (h.json) {
		json_arr_end(&h.w);
		json_obj_end(&h.w);
	}
	cli_print(&h.out);
	buf_release(&h.out);
	return EXIT_OK;
}

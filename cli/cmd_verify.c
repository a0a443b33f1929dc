/* cmd_verify.c - gridcase verify: re-check every record of the store. */
#include <getopt.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/json.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct verify_out {
	struct json_writer w;
	int json;
};

static void
report(const char *line, void *ctx)
{
	struct verify_out *o = ctx;
	if (o->json)
		json_str(&o->w, line);
	else {
		struct buf b = BUF_INIT;
		buf_add_str(&b, line);
		cli_print(&b);
		buf_release(&b);
	}
}

int
cmd_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct buf out = BUF_INIT;
	struct verify_out o = { { 0 }, 0 };
	struct store *s = node_store(c->node);
	struct store_stats st;
	uint64_t problems = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': o.json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	json_writer_init(&o.w, &out, 0);
	if (o.json) {
		json_obj_begin(&o.w);
		json_key(&o.w, "problems");
		json_arr_begin(&o.w);
	}
	struct cli_progress bar;
	cli_progress_init(&bar);
	store_set_progress(s, cli_progress_fn, &bar);
	rc = store_verify(s, report, &o, &problems);
	store_set_progress(s, NULL, NULL);
	cli_progress_end(&bar);
	if (rc || (rc = store_stats(s, &st))) {
		buf_release(&out);
		return cli_fail("cannot verify: %s", err_str(rc));
	}
	if (o.json) {
		json_arr_end(&o.w);
		json_key(&o.w, "events");
		json_uint(&o.w, st.events);
		json_key(&o.w, "ok");
		json_bool(&o.w, problems == 0);
		json_obj_end(&o.w);
		cli_print(&out);
	} else if (problems == 0) {
		printf("verified %llu events and %llu waiting: ok\n",
		       (unsigned long long)st.events,
		       (unsigned long long)st.pending);
	} else {
		printf("%llu problems in %llu events\n",
		       (unsigned long long)problems,
		       (unsigned long long)st.events);
	}
	buf_release(&out);
	return problems ? EXIT_FAIL : EXIT_OK;
}

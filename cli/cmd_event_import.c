/*
 * cmd_event_import.c - gridcase event import: check and ingest exported
 * events (store_import), reporting each one refused and why.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/hex.h"
#include "common/json.h"
#include "node/node.h"
#include "store/store.h"
#include "common/log.h"
#include "common/banned.h"

struct report {
	struct json_writer *w; /* NULL: text on stderr */
};

static void
refused(void *ctx, uint64_t index, size_t offset, const uint8_t *id, int rc,
	const char *why)
{
	struct report *r = ctx;
	char hex[2 * EVENT_ID_BYTES + 1] = "";
	if (id)
		hex_encode(id, EVENT_ID_BYTES, hex);
	if (r->w) {
		json_obj_begin(r->w);
		json_key(r->w, "index");
		json_uint(r->w, index);
		json_key(r->w, "offset");
		json_uint(r->w, offset);
		json_key(r->w, "id");
		if (id)
			json_str(r->w, hex);
		else
			json_null(r->w);
		json_key(r->w, "error");
		json_str(r->w, err_name(rc));
		json_key(r->w, "reason");
		json_str(r->w, why);
		json_obj_end(r->w);
	} else {
		struct buf b = BUF_INIT, safe = BUF_INIT;
		buf_printf(&b, "rejected event #%llu at byte %zu%s%s: %s: %s\n",
			   (unsigned long long)index, offset, id ? " id " : "",
			   hex, err_str(rc), why);
		cli_text(&safe, (const char *)b.data, b.len, 1);
		fwrite(safe.data, 1, safe.len, stderr);
		buf_release(&b);
		buf_release(&safe);
	}
}

int
cmd_event_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct json_writer w;
	struct report rep = { NULL };
	struct import_tally t;
	struct diag d;
	int opt, json = 0, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one FILE, or - for stdin");
	if ((rc = cli_read_file(argv[optind], &in, &d)))
		return cli_fail_rc(rc, "%s", d.text);
	json_writer_init(&w, &out, 0);
	if (json) {
		rep.w = &w;
		json_obj_begin(&w);
		json_key(&w, "refused");
		json_arr_begin(&w);
	}
	struct cli_progress bar;
	cli_progress_init(&bar);
	store_set_progress(node_store(c->node), cli_progress_fn, &bar);
	rc = store_import(node_store(c->node), in.data, in.len, 0, refused, &rep,
			  &t, &d);
	store_set_progress(node_store(c->node), NULL, NULL);
	cli_progress_end(&bar);
	buf_release(&in);
	/* An erasure event among them is honoured at once, daemon or not. */
	if (rc == 0)
		rc = node_erasures_apply(c->node, NULL, &d);
	if (rc == 0) {
		/* A published calendar, limit table or grid among them too;
		 * a grid whose GeoJSON does not read here is said, and the
		 * import stands. */
		struct diag why;
		if (node_settings_apply(c->node, NULL, &why))
			log_warn("import", "%s", why.text);
	}
	if (rc) {
		buf_release(&out);
		return cli_fail("%s", d.text);
	}
	if (json) {
		const char *names[] = { "read", "added", "duplicates", "waiting",
					"forks", "evidence", "surplus",
					"promoted", "rejected" };
		uint64_t vals[] = { t.seen, t.added, t.duplicate, t.pending,
				    t.forks, t.evidence, t.surplus,
				    t.promoted, t.rejected };
		json_arr_end(&w);
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			json_key(&w, names[i]);
			json_uint(&w, vals[i]);
		}
		json_obj_end(&w);
		cli_print(&out);
	} else {
		printf("read %llu events: %llu added, %llu duplicates, "
		       "%llu waiting (%llu let in later), "
		       "%llu forks, %llu rejected\n",
		       (unsigned long long)t.seen, (unsigned long long)t.added,
		       (unsigned long long)t.duplicate,
		       (unsigned long long)t.pending,
		       (unsigned long long)t.promoted,
		       (unsigned long long)t.forks,
		       (unsigned long long)t.rejected);
	}
	buf_release(&out);
	if (t.forks)
		fprintf(stderr, "warning: %llu forks recorded: see 'gridcase status'\n",
			(unsigned long long)t.forks);
	return t.rejected ? EXIT_FAIL : EXIT_OK;
}

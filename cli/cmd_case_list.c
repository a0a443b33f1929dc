/* cmd_case_list.c - gridcase case list: the cases in the log. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "common/clock.h"
#include "common/mp.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct case_row {
	struct store *s;
	struct buf out;
	struct json_writer w;
	int json;
	/* Filled by first_event() for the case being listed. */
	char reported[CLOCK_ISO_BYTES];
	char cls[16], grid[32];
	int events;
};

static void
body_str(const struct event *ev, const char *key, char *out, size_t n)
{
	struct mp_reader r, v;
	const char *s;
	size_t len;
	out[0] = '\0';
	mp_reader_init(&r, ev->body, ev->body_len, NULL);
	if (mp_map_find(&r, key, &v) == 0 && mp_get_str(&v, &s, &len) == 0)
		snprintf(out, n, "%.*s", (int)len, s);
}

static int
first_event(const uint8_t *p, size_t n, void *ctx)
{
	struct case_row *row = ctx;
	struct envelope env;
	struct event ev;
	if (show_decode(p, n, &env, &ev))
		return ERR_CORRUPT;
	if (row->events++ == 0 && ev.type_len == 6 &&
	    memcmp(ev.type, "report", 6) == 0) {
		clock_format(ev.time_ms, row->reported);
		body_str(&ev, "class", row->cls, sizeof(row->cls));
		body_str(&ev, "grid", row->grid, sizeof(row->grid));
	}
	return 0;
}

static int
list_case(const char *case_id, void *ctx)
{
	struct case_row *row = ctx;
	row->events = 0;
	row->reported[0] = row->cls[0] = row->grid[0] = '\0';
	int rc = store_walk_case(row->s, case_id, first_event, row);
	if (rc)
		return rc;
	if (row->json) {
		json_obj_begin(&row->w);
		json_key(&row->w, "case");
		json_str(&row->w, case_id);
		json_key(&row->w, "events");
		json_uint(&row->w, (uint64_t)row->events);
		json_key(&row->w, "reported");
		json_str(&row->w, row->reported);
		json_key(&row->w, "class");
		json_str(&row->w, row->cls);
		json_key(&row->w, "grid");
		json_str(&row->w, row->grid);
		json_obj_end(&row->w);
	} else {
		buf_printf(&row->out, "%-20s  %6d  %-20s  %-6s  %s\n", case_id,
			   row->events, row->reported, row->cls, row->grid);
	}
	return 0;
}

int
cmd_case_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct case_row row = { 0 };
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': row.json = 1; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	row.s = node_store(c->node);
	buf_init(&row.out);
	json_writer_init(&row.w, &row.out, 0);
	if (row.json)
		json_arr_begin(&row.w);
	else
		buf_printf(&row.out, "%-20s  %6s  %-20s  %-6s  %s\n", "CASE",
			   "EVENTS", "REPORTED", "CLASS", "GRID");
	rc = store_walk_cases(row.s, list_case, &row);
	if (rc) {
		buf_release(&row.out);
		return cli_fail("cannot list cases: %s", err_str(rc));
	}
	if (row.json)
		json_arr_end(&row.w);
	cli_print(&row.out);
	buf_release(&row.out);
	return EXIT_OK;
}

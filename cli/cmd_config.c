/*
 * cmd_config.c - gridcase config publish|show: the calendar, the
 * time-limit table and the evaluation's settings an admin publishes to
 * every node, and where the node's own come from (docs/workflow.md §3, "Published settings").
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "node/admin.h"
#include "node/case/config.h"
#include "node/case/roster.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

int
cmd_config_publish(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "calendar", no_argument, NULL, 'c' },
		{ "eval", no_argument, NULL, 'e' },
		{ "from", required_argument, NULL, 'f' },
		{ "limits", no_argument, NULL, 'l' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL, *reason = "", *from = NULL;
	enum roster_setting kinds[3];
	size_t nkinds = 0;
	int opt, rc, cal = 0, ev = 0, lim = 0;
	struct admin_key *admin;
	struct buf text = BUF_INIT;
	struct diag d;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'c': cal = 1; break;
		case 'e': ev = 1; break;
		case 'f': from = optarg; break;
		case 'l': lim = 1; break;
		case 'r': reason = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind != argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!cal && !ev && !lim)
		return cli_usage(c, "give --calendar, --limits, --eval or several: what to publish");
	if (!admin_path)
		return cli_usage(c, "give --admin-key FILE: settings are signed by an admin and used on every node");
	if (cal)
		kinds[nkinds++] = RS_CALENDAR;
	if (lim)
		kinds[nkinds++] = RS_LIMITS;
	if (ev)
		kinds[nkinds++] = RS_EVAL;
	char *path = from ? xstrdup(from) : xasprintf("%s/%s", c->dir, CONFIG_FILE);
	if ((rc = cli_read_file(path, &text, &d))) {
		free(path);
		return cli_fail_rc(rc, "%s", d.text);
	}
	/* Every body first: a file that does not read publishes nothing. */
	struct buf body[3] = { BUF_INIT, BUF_INIT, BUF_INIT };
	for (size_t i = 0; i < nkinds && rc == 0; i++)
		rc = config_setting_body(buf_cstr(&text), path, kinds[i], reason,
					 &body[i], &d);
	buf_release(&text);
	free(path);
	if (rc == 0 && (rc = admin_key_load(admin_path, &admin, &d)) == 0) {
		for (size_t i = 0; i < nkinds && rc == 0; i++) {
			uint8_t id[EVENT_ID_BYTES];
			char hex[65];
			rc = node_setting_publish(c->node, admin, kinds[i], &body[i],
						  NULL, clock_now_ms(), id, &d);
			if (rc)
				break;
			hex_encode(id, EVENT_ID_BYTES, hex);
			printf("published %s (event %s)\n",
			       roster_setting_type(kinds[i]), hex);
		}
		admin_key_free(admin);
	}
	for (size_t i = 0; i < nkinds; i++)
		buf_release(&body[i]);
	if (rc)
		return rc == ERR_CONFIG ? cli_fail("%s", d.text)
					: cli_fail_rc(rc, "cannot publish: %s", d.text);
	return EXIT_OK;
}

static int
count_cell(const struct grid_cell *cell, void *ctx)
{
	(void)cell;
	(*(size_t *)ctx)++;
	return 0;
}

/* The node's cells are those of the grid.set event id. */
static int
grid_in(struct node *n, const uint8_t id[EVENT_ID_BYTES])
{
	struct buf have = BUF_INIT;
	int in = store_local_get(node_store(n), GRID_SETTINGS_TABLE, "grid", 4,
				 &have) == 0 &&
		 have.len == EVENT_ID_BYTES &&
		 memcmp(have.data, id, EVENT_ID_BYTES) == 0;
	buf_release(&have);
	return in;
}

int
cmd_config_show(struct cli *c, int argc, char **argv)
{
	static const enum roster_setting kinds[] = { RS_CALENDAR, RS_LIMITS,
						     RS_EVAL, RS_GRID };
	int json = 0;
	struct buf out = BUF_INIT;
	struct json_writer w;
	struct diag d;
	size_t cells = 0;
	if (cli_args(c, argc, argv, &json, 0, 0, ""))
		return EXIT_USAGE;
	if (node_settings_apply(c->node, NULL, &d))
		fprintf(stderr, "warning: %s\n", d.text);
	const struct roster *r = node_roster(c->node);
	if (!r)
		return cli_fail("cannot read the roster");
	if (grid_walk(c->node, count_cell, &cells) < 0)
		return cli_fail("cannot read the grid");
	json_writer_init(&w, &out, 0);
	if (json)
		json_obj_begin(&w);
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct roster_change *ch = roster_setting(r, kinds[i]);
		const char *type = roster_setting_type(kinds[i]);
		char what[16], hex[65], when[40];
		snprintf(what, sizeof(what), "%.*s", (int)strcspn(type, "."), type);
		const char *local = kinds[i] == RS_GRID ? "imported here" : CONFIG_FILE;
		if (ch) {
			hex_encode(ch->id, EVENT_ID_BYTES, hex);
			clock_format_local(ch->time_ms,
					   node_config(c->node)->cal.utc_offset_min,
					   when);
		}
		if (json) {
			json_key(&w, what);
			json_obj_begin(&w);
			json_key(&w, "source");
			json_str(&w, ch ? "published" : local);
			json_key(&w, "event");
			if (ch)
				json_str(&w, hex);
			else
				json_null(&w);
			if (kinds[i] == RS_GRID) {
				json_key(&w, "cells");
				json_uint(&w, cells);
				json_key(&w, "waiting");
				json_bool(&w, ch && !grid_in(c->node, ch->id));
			}
			json_obj_end(&w);
			continue;
		}
		if (ch)
			buf_printf(&out, "%-9s published, event %.16s, %s", what, hex,
				   when);
		else
			buf_printf(&out, "%-9s %s", what, local);
		if (kinds[i] == RS_GRID)
			buf_printf(&out, " (%zu cells here%s)", cells,
				   ch && !grid_in(c->node, ch->id)
					   ? "; its GeoJSON has not arrived yet" : "");
		buf_printf(&out, "\n");
	}
	if (json)
		json_obj_end(&w);
	cli_print(&out);
	buf_release(&out);
	return EXIT_OK;
}

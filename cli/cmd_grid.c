/* cmd_grid.c - gridcase grid import|locate|list: the district's cells. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "node/admin.h"
#include "node/case/config.h"
#include "node/case/grid.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/report.h"
#include "common/banned.h"

int
cmd_grid_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL, *reason = "";
	uint8_t id[EVENT_ID_BYTES];
	struct admin_key *admin;
	struct diag d;
	char hex[65];
	int opt, rc;
	size_t n;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'r': reason = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one GeoJSON FILE");
	if (!admin_path) {
		/* grid_import() refuses a file with no cell: an import
		 * replaces the whole grid, and an empty one is never what
		 * was meant. */
		rc = grid_import(c->node, argv[optind], &n, &d);
		if (rc)
			return cli_fail_rc(rc, "cannot import the grid: %s", d.text);
		printf("imported %zu grid cells\n", n);
		return EXIT_OK;
	}
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = grid_publish(c->node, admin, argv[optind], reason, clock_now_ms(),
			  &n, id, &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail_rc(rc, "cannot publish the grid: %s", d.text);
	hex_encode(id, EVENT_ID_BYTES, hex);
	printf("published %zu grid cells (event %s): every node takes them as it receives the event\n",
	       n, hex);
	return EXIT_OK;
}

int
cmd_grid_locate(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lat", required_argument, NULL, 'a' },
		{ "lon", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t lat = 0, lon = 0;
	int opt, json = 0, have = 0;
	struct grid_cell cell;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if (report_parse_degrees(optarg, 90, &lat))
				return cli_usage(c, "--lat '%s' is not degrees", optarg);
			have |= 1;
			break;
		case 'o':
			if (report_parse_degrees(optarg, 180, &lon))
				return cli_usage(c, "--lon '%s' is not degrees", optarg);
			have |= 2;
			break;
		case 'j': json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (have != 3 || optind < argc)
		return cli_usage(c, "give --lat and --lon");
	int rc = grid_locate(c->node, lat, lon, &cell);
	if (rc == ERR_NOTFOUND)
		return cli_fail("the position is in no imported grid cell");
	if (rc)
		return cli_fail("cannot read the grid: %s", err_str(rc));
	struct buf out = BUF_INIT;
	struct json_writer w;
	json_writer_init(&w, &out, 0);
	if (json) {
		json_obj_begin(&w);
		json_key(&w, "grid");
		json_str(&w, cell.grid);
		json_key(&w, "community");
		json_str(&w, cell.community);
		json_key(&w, "office");
		json_str(&w, cell.office);
		json_obj_end(&w);
	} else {
		buf_printf(&out, "%s  community %s  office %s\n", cell.grid,
			   cell.community, cell.office);
	}
	cli_print(&out);
	buf_release(&out);
	return EXIT_OK;
}

struct grid_listing {
	struct buf out;
	struct json_writer w;
	int json;
};

static int
list_cell(const struct grid_cell *cell, void *ctx)
{
	struct grid_listing *g = ctx;
	if (g->json) {
		json_obj_begin(&g->w);
		json_key(&g->w, "grid");
		json_str(&g->w, cell->grid);
		json_key(&g->w, "community");
		json_str(&g->w, cell->community);
		json_key(&g->w, "office");
		json_str(&g->w, cell->office);
		json_obj_end(&g->w);
	} else {
		buf_printf(&g->out, "%-16s  %-24s  %s\n", cell->grid,
			   cell->community, cell->office);
	}
	return 0;
}

int
cmd_grid_list(struct cli *c, int argc, char **argv)
{
	struct grid_listing g = { BUF_INIT, { 0 }, 0 };
	if (cli_args(c, argc, argv, &g.json, 0, 0, ""))
		return EXIT_USAGE;
	json_writer_init(&g.w, &g.out, 0);
	if (g.json)
		json_arr_begin(&g.w);
	int rc = grid_walk(c->node, list_cell, &g);
	if (rc < 0) {
		buf_release(&g.out);
		return cli_fail("cannot read the grid: %s", err_str(rc));
	}
	if (g.json)
		json_arr_end(&g.w);
	cli_print(&g.out);
	buf_release(&g.out);
	return EXIT_OK;
}

/* cmd_grid.c - gridcase grid import|locate|list: the district's cells. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/json.h"
#include "node/case/config.h"
#include "node/case/grid.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/report.h"
#include "common/banned.h"

int
cmd_grid_import(struct cli *c, int argc, char **argv)
{
	struct diag d;
	size_t n;
	if (cli_args(c, argc, argv, NULL, 1, 1, "give one GeoJSON FILE"))
		return EXIT_USAGE;
	argv += optind - 1;
	/* grid_import() refuses a file with no cell: an import replaces the
	 * whole grid, and an empty one is never what was meant. */
	int rc = grid_import(c->node, argv[1], &n, &d);
	if (rc)
		return cli_fail_rc(rc, "cannot import the grid: %s", d.text);
	printf("imported %zu grid cells\n", n);
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

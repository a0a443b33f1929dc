/* cmd_case_report.c - gridcase case report: a new case. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "node/case/grid.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/report.h"
#include "store/store.h"
#include "common/banned.h"

/* Stores a file as a blob and writes its hash. */
static int
add_photo(struct cli *c, const char *path, uint8_t hash[HASH_BYTES])
{
	struct buf data = BUF_INIT;
	struct diag d;
	int rc = cli_read_file(path, &data, &d);
	if (rc == 0)
		rc = store_blob_put(node_store(c->node), data.data, data.len,
				    hash, &d);
	buf_release(&data);
	if (rc)
		return cli_fail_rc(rc, "cannot attach '%s': %s", path, d.text);
	return 0;
}

int
cmd_case_report(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "grid", required_argument, NULL, 'g' },
		{ "where", required_argument, NULL, 'w' },
		{ "desc", required_argument, NULL, 'd' },
		{ "lat", required_argument, NULL, 'a' },
		{ "lon", required_argument, NULL, 'o' },
		{ "source", required_argument, NULL, 's' },
		{ "by", required_argument, NULL, 'b' },
		{ "component", required_argument, NULL, 'C' },
		{ "photo", required_argument, NULL, 'p' },
		{ "caller", required_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_req r;
	char kind[16], case_id[REPORT_CASE_ID_BYTES], office[65];
	const char *cls = NULL, *lat = NULL, *lon = NULL, *caller = NULL;
	const char *photos[REPORT_MAX_PHOTOS];
	struct diag d;
	int opt, json = 0;

	memset(&r, 0, sizeof(r));
	r.source = "supervisor";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': cls = optarg; break;
		case 'g': r.grid = optarg; break;
		case 'w': r.where = optarg; break;
		case 'd': r.desc = optarg; break;
		case 'a': lat = optarg; break;
		case 'o': lon = optarg; break;
		case 's': r.source = optarg; break;
		case 'b': r.by = optarg; break;
		case 'C': r.component = optarg; break;
		case 'p':
			if (r.nphotos == REPORT_MAX_PHOTOS)
				return cli_usage(c, "at most %d --photo",
						 REPORT_MAX_PHOTOS);
			photos[r.nphotos++] = optarg;
			break;
		case 'P': caller = optarg; break;
		case 'j': json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!cls || !r.where || !r.desc)
		return cli_usage(c, "--class, --where and --desc are required");
	const char *colon = strchr(cls, ':');
	if (!colon || (size_t)(colon - cls) >= sizeof(kind))
		return cli_usage(c, "--class '%s' must be KIND:CODE, e.g. event:06001",
				 cls);
	memcpy(kind, cls, (size_t)(colon - cls));
	kind[colon - cls] = '\0';
	r.kind = kind;
	r.code = colon + 1;
	if (!lat != !lon)
		return cli_usage(c, "give --lat and --lon together");
	if (!lat && !r.grid)
		return cli_usage(c, "give --grid GRID or --lat DEG --lon DEG");
	if (lat) {
		if (report_parse_degrees(lat, 90, &r.lat_e6))
			return cli_usage(c, "--lat '%s' must be degrees from -90 to 90 with at most 6 decimals",
					 lat);
		if (report_parse_degrees(lon, 180, &r.lon_e6))
			return cli_usage(c, "--lon '%s' must be degrees from -180 to 180 with at most 6 decimals",
					 lon);
		r.has_position = 1;
	}
	/* Both: --grid names the cell, the position is the point in it; a
	 * position the imported grid puts in another cell contradicts it. */
	struct grid_cell cell;
	if (lat && r.grid && grid_locate(c->node, r.lat_e6, r.lon_e6, &cell) == 0 &&
	    strcmp(cell.grid, r.grid) != 0)
		return cli_usage(c, "--lat/--lon lie in grid cell %s, not in --grid %s: give one of them, or both agreeing",
				 cell.grid, r.grid);
	for (size_t i = 0; i < r.nphotos; i++) {
		int rc = add_photo(c, photos[i], r.photos[i]);
		if (rc)
			return rc;
	}
	if (caller) {
		/* The caller's contact is personal data: a blob of its own,
		 * erasable without touching the signed history. */
		if (store_blob_put(node_store(c->node), caller, strlen(caller),
				   r.caller, &d))
			return cli_fail("cannot store the caller's data: %s",
					d.text);
		r.has_caller = 1;
	}
	r.now_ms = clock_now_ms();
	if (report_case(c->node, &r, case_id, office, &d))
		return cli_fail("cannot report the case: %s", d.text);
	if (json) {
		struct buf out = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &out, 0);
		json_obj_begin(&w);
		json_key(&w, "case");
		json_str(&w, case_id);
		json_key(&w, "office");
		json_str(&w, office);
		json_obj_end(&w);
		cli_print(&out);
		buf_release(&out);
	} else {
		printf("%s\n", case_id);
		if (office[0]) {
			struct buf line = BUF_INIT;
			cli_text(&line, office, strlen(office), 0);
			fprintf(stderr, "responsible office: %s\n", buf_cstr(&line));
			buf_release(&line);
		}
	}
	return EXIT_OK;
}

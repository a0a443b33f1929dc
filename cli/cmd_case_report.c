/* cmd_case_report.c - gridcase case report: a new case. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "node/report.h"
#include "common/banned.h"

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
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_req r = { 0 };
	char kind[16], case_id[REPORT_CASE_ID_BYTES];
	const char *cls = NULL, *lat = NULL, *lon = NULL;
	struct diag d;
	int opt, json = 0;

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
		case 'j': json = 1; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!cls || !r.grid || !r.where || !r.desc)
		return cli_usage(c, "--class, --grid, --where and --desc are required");
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
	if (lat) {
		if (report_parse_degrees(lat, 90, &r.lat_e6))
			return cli_usage(c, "--lat '%s' must be degrees from -90 to 90 with at most 6 decimals",
					 lat);
		if (report_parse_degrees(lon, 180, &r.lon_e6))
			return cli_usage(c, "--lon '%s' must be degrees from -180 to 180 with at most 6 decimals",
					 lon);
		r.has_position = 1;
	}
	r.now_ms = clock_now_ms();
	if (report_case(c->node, &r, case_id, &d))
		return cli_fail("cannot report the case: %s", d.text);
	if (json)
		printf("{\"case\":\"%s\"}\n", case_id);
	else
		printf("%s\n", case_id);
	return EXIT_OK;
}

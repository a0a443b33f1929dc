/*
 * cmd_case_list.c - gridcase case list: cases by state, unit, grid,
 * office, source, class, colour, overdue or due soon.
 *
 * The options become a case query (node/api.h), which the node answers
 * from the narrowest index; this file prints the rows.  Colours and
 * "overdue" are judged at now (GRIDCASE_NOW or the clock).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "node/api.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/state.h"
#include "node/node.h"
#include "common/banned.h"

struct listing {
	struct node *node;
	struct buf out;
	struct json_writer w;
	int json;
	uint64_t count;
};

static int
print_row(const struct case_row *row, void *ctx)
{
	struct listing *l = ctx;
	const struct case_state *st = row->st;
	const struct deadline *dl = &row->dl;
	const char *case_id = row->case_id;
	int has_dl = row->has_deadline;
	char due[CLOCK_ISO_BYTES] = "";

	l->count++;
	const char *colour = !has_dl ? "" : dl->done ? (dl->on_time ? "done" : "late")
						    : colour_name(dl->colour);
	if (has_dl && dl->has_due)
		clock_format(dl->due_ms, due);
	if (l->json) {
		json_obj_begin(&l->w);
		json_key(&l->w, "case");
		json_str(&l->w, case_id);
		json_key(&l->w, "status");
		json_str(&l->w, case_status_name(st->status));
		json_key(&l->w, "class");
		json_str(&l->w, st->kind);
		json_key(&l->w, "code");
		json_str(&l->w, st->code);
		json_key(&l->w, "grid");
		json_str(&l->w, st->grid);
		json_key(&l->w, "source");
		json_str(&l->w, st->source);
		json_key(&l->w, "unit");
		json_str(&l->w, st->unit);
		json_key(&l->w, "due");
		if (due[0])
			json_str(&l->w, due);
		else
			json_null(&l->w);
		json_key(&l->w, "colour");
		json_str(&l->w, colour);
		json_key(&l->w, "conflicts");
		json_uint(&l->w, state_open_conflicts(st));
		json_obj_end(&l->w);
	} else {
		char local[CLOCK_ISO_BYTES] = "";
		if (has_dl && dl->has_due)
			clock_format_local(dl->due_ms,
					   node_config(l->node)->cal.utc_offset_min,
					   local);
		buf_printf(&l->out, "%-18s  %-10s  %-15s  %-15s  %-12s  %-20s  %s\n",
			   case_id, case_status_name(st->status),
			   st->kind[0] ? st->code : "", st->grid, st->unit, local,
			   colour);
	}
	return 0;
}

static uint64_t
parse_duration(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || v == 0)
		return 0;
	if (strcmp(end, "m") == 0)
		return v * 60000;
	if (strcmp(end, "h") == 0)
		return v * 3600000;
	if (strcmp(end, "d") == 0)
		return v * 86400000;
	return 0;
}

int
cmd_case_list(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "unit", required_argument, NULL, 'u' },
		{ "grid", required_argument, NULL, 'g' },
		{ "office", required_argument, NULL, 'o' },
		{ "source", required_argument, NULL, 'r' },
		{ "class", required_argument, NULL, 'c' },
		{ "colour", required_argument, NULL, 'C' },
		{ "color", required_argument, NULL, 'C' },
		{ "overdue", no_argument, NULL, 'O' },
		{ "due-within", required_argument, NULL, 'D' },
		{ "conflicts", no_argument, NULL, 'x' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct listing l;
	struct case_query q;
	struct diag d;
	uint64_t within = 0;
	int opt;

	memset(&l, 0, sizeof(l));
	memset(&q, 0, sizeof(q));
	l.node = c->node;
	q.now_ms = clock_now_ms();
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (case_status_parse(optarg) == CS_COUNT)
				return cli_usage(c, "'%s' is not a state (reported, checked, accepted, refused, registered, dispatched, returned, suspended, fed_back, verified, closed, cancelled, merged)",
						 optarg);
			q.state = optarg;
			break;
		case 'u': q.unit = optarg; break;
		case 'g': q.grid = optarg; break;
		case 'o': q.office = optarg; break;
		case 'r': q.source = optarg; break;
		case 'c': q.cls = optarg; break;
		case 'C':
			if ((q.colour = colour_parse(optarg)) == COLOUR_NONE ||
			    q.colour == COLOUR_STOPPED)
				return cli_usage(c, "colour '%s' must be green, yellow or red",
						 optarg);
			break;
		case 'O': q.overdue = 1; break;
		case 'D':
			if (!(within = parse_duration(optarg)))
				return cli_usage(c, "--due-within '%s' must be like 30m, 4h or 2d",
						 optarg);
			q.due_before = q.now_ms + within;
			break;
		case 'x': q.conflicts = 1; break;
		case 'j': l.json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	buf_init(&l.out);
	json_writer_init(&l.w, &l.out, 0);
	if (l.json)
		json_arr_begin(&l.w);
	else {
		char zone[CLOCK_ISO_BYTES], head[CLOCK_ISO_BYTES + 8];
		clock_format_offset(node_config(c->node)->cal.utc_offset_min, zone);
		snprintf(head, sizeof(head), "DUE (%s)", zone);
		buf_printf(&l.out, "%-18s  %-10s  %-15s  %-15s  %-12s  %-20s  %s\n",
			   "CASE", "STATUS", "CLASS", "GRID", "UNIT", head,
			   "COLOUR");
	}

	if (node_case_list(c->node, &q, print_row, &l, &d)) {
		buf_release(&l.out);
		return cli_fail("%s", d.text);
	}
	if (l.json)
		json_arr_end(&l.w);
	cli_print(&l.out);
	/* The count is a footer: stderr, so that stdout is the table (after
	 * it, where both go to one file). */
	fflush(stdout);
	if (!l.json)
		fprintf(stderr, "%llu case%s\n", (unsigned long long)l.count,
			l.count == 1 ? "" : "s");
	buf_release(&l.out);
	return EXIT_OK;
}

/*
 * cmd_case_list.c - gridcase case list: cases by state, unit, grid,
 * office, source, class, colour, overdue or due soon.
 *
 * One filter picks the index walked (node/case/fold.c writes the keys); the
 * others are applied to each case's state.  Colours and "overdue" are
 * judged at now (GRIDCASE_NOW or the clock).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/case/fold.h"
#include "node/case/grid.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/case/state.h"
#include "node/view.h"
#include "store/store.h"
#include "common/banned.h"

struct filter {
	const char *state, *unit, *grid, *office, *source, *cls;
	enum colour colour;
	int overdue, conflicts;
	uint64_t due_before; /* 0: no due-within filter */
};

struct listing {
	struct node *node;
	struct filter f;
	uint64_t now;
	struct buf out;
	struct json_writer w;
	int json;
	uint64_t count;
	char last_case[80]; /* a case listed under several keys, once */
};

static int
matches(const struct listing *l, const struct case_state *st,
	const struct deadline *dl, int has_dl)
{
	const struct filter *f = &l->f;
	char cls[40];
	snprintf(cls, sizeof(cls), "%s:%s", st->kind, st->code);
	if (f->state && strcmp(f->state, case_status_name(st->status)) != 0)
		return 0;
	if (f->unit && strcmp(f->unit, st->unit) != 0)
		return 0;
	if (f->grid && strcmp(f->grid, st->grid) != 0)
		return 0;
	if (f->office && strncmp(f->office, st->grid, 9) != 0)
		return 0;
	if (f->source && strcmp(f->source, st->source) != 0)
		return 0;
	if (f->cls && strcmp(f->cls, cls) != 0)
		return 0;
	if (f->conflicts && !state_open_conflicts(st))
		return 0;
	int running = has_dl && !dl->done && st->status == CS_DISPATCHED;
	if (f->colour && (!running || dl->colour != f->colour))
		return 0;
	if (f->overdue && (!running || dl->colour != COLOUR_RED))
		return 0;
	if (f->due_before && (!running || !dl->has_due || dl->due_ms < l->now ||
			      dl->due_ms >= f->due_before))
		return 0;
	return 1;
}

static int
list_one(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct listing *l = ctx;
	struct case_state st;
	struct deadline dl;
	char due[CLOCK_ISO_BYTES] = "";

	if (strcmp(case_id, l->last_case) == 0)
		return 0;
	snprintf(l->last_case, sizeof(l->last_case), "%s", case_id);
	if (state_decode(p, n, &st))
		return ERR_CORRUPT;
	if (st.status == CS_NONE) {
		state_release(&st);
		return 0; /* a ghost: steps on an id never reported */
	}
	int has_dl = deadline_of(&st, &node_config(l->node)->cal, l->now, &dl) == 0;
	if (!matches(l, &st, &dl, has_dl)) {
		state_release(&st);
		return 0;
	}
	l->count++;
	const char *colour = !has_dl ? "" : dl.done ? (dl.on_time ? "done" : "late")
						   : colour_name(dl.colour);
	if (has_dl && dl.has_due)
		clock_format(dl.due_ms, due);
	if (l->json) {
		json_obj_begin(&l->w);
		json_key(&l->w, "case");
		json_str(&l->w, case_id);
		json_key(&l->w, "status");
		json_str(&l->w, case_status_name(st.status));
		json_key(&l->w, "class");
		json_str(&l->w, st.kind);
		json_key(&l->w, "code");
		json_str(&l->w, st.code);
		json_key(&l->w, "grid");
		json_str(&l->w, st.grid);
		json_key(&l->w, "source");
		json_str(&l->w, st.source);
		json_key(&l->w, "unit");
		json_str(&l->w, st.unit);
		json_key(&l->w, "due");
		if (due[0])
			json_str(&l->w, due);
		else
			json_null(&l->w);
		json_key(&l->w, "colour");
		json_str(&l->w, colour);
		json_key(&l->w, "conflicts");
		json_uint(&l->w, state_open_conflicts(&st));
		json_obj_end(&l->w);
	} else {
		char local[CLOCK_ISO_BYTES] = "";
		if (has_dl && dl.has_due)
			clock_format_local(dl.due_ms,
					   node_config(l->node)->cal.utc_offset_min,
					   local);
		buf_printf(&l->out, "%-18s  %-10s  %-15s  %-15s  %-12s  %-20s  %s\n",
			   case_id, case_status_name(st.status),
			   st.kind[0] ? st.code : "", st.grid, st.unit, local,
			   colour);
	}
	state_release(&st);
	return 0;
}

/* The key K and the smallest key of the same length after all K... rows. */
static void
exact_range(char prefix, const char *value, uint8_t *from, size_t *n,
	    uint8_t *to)
{
	size_t len = strlen(value);
	if (len > 190)
		len = 190;
	from[0] = (uint8_t)prefix;
	memcpy(from + 1, value, len);
	*n = len + 1;
	memcpy(to, from, *n);
	/* Increment as a big number: the next key of this length. */
	for (size_t i = *n; i-- > 0;) {
		if (to[i] != 0xff) {
			to[i]++;
			break;
		}
		to[i] = 0;
	}
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

/* An office name (from the grid) to its 9-digit grid prefix. */
struct office_find {
	const char *name;
	char prefix[10];
};

static int
find_office(const struct grid_cell *cell, void *ctx)
{
	struct office_find *o = ctx;
	if (strcmp(cell->office, o->name) == 0 && strlen(cell->grid) >= 9) {
		memcpy(o->prefix, cell->grid, 9);
		o->prefix[9] = '\0';
		return 1;
	}
	return 0;
}

struct index_range {
	uint8_t from[200], to[200];
	size_t n;
};

/* The due-time index from lo up to hi (8-byte big-endian times). */
static void
due_range(uint64_t lo, uint64_t hi, struct index_range *r)
{
	r->from[0] = r->to[0] = IDX_DUE;
	for (int i = 0; i < 8; i++) {
		r->from[1 + i] = (uint8_t)(lo >> (56 - 8 * i));
		r->to[1 + i] = (uint8_t)(hi >> (56 - 8 * i));
	}
	r->n = 9;
}

/* Adds the index range of one exact value (none for an empty one: no
 * case has an index row for it, so it is checked on each case). */
static void
add_exact(struct index_range *cand, size_t *n, char prefix, const char *value)
{
	if (!value || !value[0])
		return;
	exact_range(prefix, value, cand[*n].from, &cand[*n].n, cand[*n].to);
	(*n)++;
}

/*
 * The index range, among those the filters allow, with the fewest rows:
 * the other filters are checked on each case it yields.  The candidates
 * are counted in the order they are usually narrow in (an office's cases
 * in one state, a grid cell, ... every case in one state last), each only
 * up to the fewest rows found so far, so a wide range costs little once a
 * narrow one is known.  A single candidate is not counted.  1 when no
 * filter has an index (every case is read).
 */
static int
narrowest_index(struct store *s, const struct listing *l,
		struct index_range *best)
{
	const struct filter *f = &l->f;
	struct index_range cand[12];
	size_t ncand = 0;
	char pair[2][96];
	if (f->state && f->unit && f->unit[0] &&
	    view_state_pair(pair[0], sizeof(pair[0]), f->state, f->unit,
			    strlen(f->unit)) == 0)
		add_exact(cand, &ncand, IDX_STATE_UNIT, pair[0]);
	if (f->state && f->office && f->office[0] &&
	    view_state_pair(pair[1], sizeof(pair[1]), f->state, f->office,
			    strlen(f->office)) == 0)
		add_exact(cand, &ncand, IDX_STATE_OFFICE, pair[1]);
	add_exact(cand, &ncand, IDX_GRID, f->grid);
	if (f->conflicts) {
		cand[ncand].from[0] = IDX_CONFLICT;
		cand[ncand].to[0] = IDX_CONFLICT + 1;
		cand[ncand++].n = 1;
	}
	/* Overdue and red cases are running ones due before now. */
	if (f->overdue || f->colour == COLOUR_RED)
		due_range(0, l->now, &cand[ncand++]);
	else if (f->due_before)
		due_range(l->now, f->due_before, &cand[ncand++]);
	add_exact(cand, &ncand, IDX_UNIT, f->unit);
	add_exact(cand, &ncand, IDX_OFFICE, f->office);
	add_exact(cand, &ncand, IDX_CLASS, f->cls);
	add_exact(cand, &ncand, IDX_SOURCE, f->source);
	add_exact(cand, &ncand, IDX_STATUS, f->state);
	if (ncand == 0)
		return 1;
	*best = cand[0];
	uint64_t fewest = UINT64_MAX;
	for (size_t i = 0; ncand > 1 && i < ncand; i++) {
		uint64_t rows;
		int rc = store_index_count(s, cand[i].from, cand[i].n, cand[i].to,
					   cand[i].n, fewest, &rows);
		if (rc)
			return rc;
		if (rows < fewest) {
			fewest = rows;
			*best = cand[i];
		}
	}
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
	struct office_find of;
	uint64_t within = 0;
	int opt, rc;

	memset(&l, 0, sizeof(l));
	l.node = c->node;
	l.now = clock_now_ms();
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (case_status_parse(optarg) == CS_COUNT)
				return cli_usage(c, "'%s' is not a state (reported, checked, accepted, refused, registered, dispatched, returned, suspended, fed_back, verified, closed, cancelled, merged)",
						 optarg);
			l.f.state = optarg;
			break;
		case 'u': l.f.unit = optarg; break;
		case 'g': l.f.grid = optarg; break;
		case 'o': l.f.office = optarg; break;
		case 'r': l.f.source = optarg; break;
		case 'c': l.f.cls = optarg; break;
		case 'C':
			if ((l.f.colour = colour_parse(optarg)) == COLOUR_NONE ||
			    l.f.colour == COLOUR_STOPPED)
				return cli_usage(c, "colour '%s' must be green, yellow or red",
						 optarg);
			break;
		case 'O': l.f.overdue = 1; break;
		case 'D':
			if (!(within = parse_duration(optarg)))
				return cli_usage(c, "--due-within '%s' must be like 30m, 4h or 2d",
						 optarg);
			l.f.due_before = l.now + within;
			break;
		case 'x': l.f.conflicts = 1; break;
		case 'j': l.json = 1; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (l.f.office && (strlen(l.f.office) != 9 ||
			   strspn(l.f.office, "0123456789") != 9)) {
		of.name = l.f.office;
		of.prefix[0] = '\0';
		if (grid_walk(c->node, find_office, &of) < 0 || !of.prefix[0])
			return cli_fail("no office '%s' in the imported grid (give its 9-digit code)",
					l.f.office);
		l.f.office = of.prefix;
	}

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

	/* Walk the narrowest index the filters allow. */
	struct store *s = node_store(c->node);
	struct index_range r;
	rc = narrowest_index(s, &l, &r);
	if (rc == 0)
		rc = store_index_walk(s, r.from, r.n, r.to, r.n, list_one, &l);
	else if (rc == 1)
		rc = store_view_walk(s, list_one, &l);
	if (rc) {
		buf_release(&l.out);
		return cli_fail("cannot list cases: %s", err_str(rc));
	}
	if (l.json)
		json_arr_end(&l.w);
	else
		buf_printf(&l.out, "%llu case%s\n", (unsigned long long)l.count,
			   l.count == 1 ? "" : "s");
	cli_print(&l.out);
	buf_release(&l.out);
	return EXIT_OK;
}

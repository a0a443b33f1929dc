/*
 * cmd_conflicts.c - gridcase conflicts: the conflict records of every case
 * (or one), open ones first, and merge cycles across cases.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "node/api.h"
#include "node/node.h"
#include "node/case/state.h"
#include "common/banned.h"

struct merged {
	char *from, *into;
};

struct walk {
	struct buf out;
	struct json_writer w;
	int json, all;
	uint64_t open, total, ghosts;
	struct merged *m;
	size_t nm;
};

static void
print_conflict(struct walk *k, const char *case_id, const struct conflict *c)
{
	char hex[65];
	if (k->json) {
		json_obj_begin(&k->w);
		json_key(&k->w, "case");
		json_str(&k->w, case_id);
		json_key(&k->w, "id");
		json_str(&k->w, c->id);
		json_key(&k->w, "kind");
		json_str(&k->w, c->kind);
		json_key(&k->w, "resolved");
		json_bool(&k->w, c->resolved);
		json_key(&k->w, "events");
		json_arr_begin(&k->w);
		for (size_t j = 0; j < c->nevents; j++)
			json_hex(&k->w, c->events[j], EVENT_ID_BYTES);
		json_arr_end(&k->w);
		json_key(&k->w, "resolved_by");
		if (c->resolved)
			json_hex(&k->w, c->resolved_by, EVENT_ID_BYTES);
		else
			json_null(&k->w);
		json_obj_end(&k->w);
		return;
	}
	buf_printf(&k->out, "%-18s  %-16s  %-18s  %-8s ", case_id, c->id,
		   c->kind, c->resolved ? "resolved" : "OPEN");
	for (size_t j = 0; j < c->nevents; j++) {
		hex_encode(c->events[j], EVENT_ID_BYTES, hex);
		buf_printf(&k->out, " %.16s", hex);
	}
	buf_add_str(&k->out, "\n");
}

static int
one_case(const char *case_id, const struct case_state *st, void *ctx)
{
	struct walk *k = ctx;
	if (st->status == CS_NONE) {
		/* Steps on an id never reported: no case, only evidence. */
		k->ghosts++;
		if (k->json) {
			json_obj_begin(&k->w);
			json_key(&k->w, "case");
			json_str(&k->w, case_id);
			json_key(&k->w, "kind");
			json_str(&k->w, "ghost-case");
			json_key(&k->w, "event_count");
			json_uint(&k->w, st->events);
			json_obj_end(&k->w);
		} else {
			buf_printf(&k->out, "%-18s  %-16s  %-18s  %-8s  %llu event%s on a case id never reported: kept, no case\n",
				   case_id, "-", "ghost-case", "ignored",
				   (unsigned long long)st->events,
				   st->events == 1 ? "" : "s");
		}
		return 0;
	}
	for (size_t i = 0; i < st->nconflicts; i++) {
		k->total++;
		k->open += !st->conflicts[i].resolved;
		if (k->all || !st->conflicts[i].resolved)
			print_conflict(k, case_id, &st->conflicts[i]);
	}
	if (st->status == CS_MERGED) {
		k->m = xrealloc(k->m, (k->nm + 1) * sizeof(*k->m));
		k->m[k->nm].from = xstrdup(case_id);
		k->m[k->nm++].into = xstrdup(st->merged_into);
	}
	return 0;
}

static const char *
merged_into(const struct walk *k, const char *id)
{
	for (size_t i = 0; i < k->nm; i++)
		if (strcmp(k->m[i].from, id) == 0)
			return k->m[i].into;
	return NULL;
}

/*
 * Two operators who merge A into B and B into A at once leave no case
 * open: the complaint would be lost.  Such a cycle is reported; the case
 * with the smallest id in it is the one to keep working on.
 */
static void
report_cycles(struct walk *k)
{
	for (size_t i = 0; i < k->nm; i++) {
		const char *start = k->m[i].from, *cur = start, *smallest = start;
		size_t steps = 0;
		while ((cur = merged_into(k, cur)) && steps++ <= k->nm) {
			if (strcmp(cur, smallest) < 0)
				smallest = cur;
			if (strcmp(cur, start) == 0)
				break;
		}
		if (!cur || strcmp(cur, start) != 0 || strcmp(smallest, start) != 0)
			continue; /* no cycle, or reported from its smallest case */
		k->open++;
		k->total++;
		if (k->json) {
			json_obj_begin(&k->w);
			json_key(&k->w, "case");
			json_str(&k->w, start);
			json_key(&k->w, "kind");
			json_str(&k->w, "merge-cycle");
			json_key(&k->w, "resolved");
			json_bool(&k->w, 0);
			json_obj_end(&k->w);
		} else {
			buf_printf(&k->out, "%-18s  %-16s  %-18s  %-8s  cases merged into each other; keep working on %s\n",
				   start, "-", "merge-cycle", "OPEN", start);
		}
	}
}

int
cmd_conflicts(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct walk k;
	const char *case_id = NULL;
	int opt, rc;

	memset(&k, 0, sizeof(k));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': case_id = optarg; break;
		case 'a': k.all = 1; break;
		case 'j': k.json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (case_id)
		k.all = 1;
	buf_init(&k.out);
	json_writer_init(&k.w, &k.out, 0);
	if (k.json)
		json_arr_begin(&k.w);
	else
		buf_printf(&k.out, "%-18s  %-16s  %-18s  %-8s  EVENTS\n", "CASE",
			   "CONFLICT", "KIND", "STATE");
	if (case_id) {
		struct case_view cv;
		rc = node_case_get(c->node, case_id, 0, &cv);
		if (rc == 0) {
			rc = one_case(case_id, &cv.st, &k);
			node_case_release(&cv);
		}
		if (rc == ERR_NOTFOUND) {
			buf_release(&k.out);
			return cli_fail_rc(ERR_NOTFOUND, "no case '%s' in this log",
					   case_id);
		}
	} else {
		rc = node_case_walk(c->node, one_case, &k);
		if (rc == 0)
			report_cycles(&k);
	}
	for (size_t i = 0; i < k.nm; i++) {
		free(k.m[i].from);
		free(k.m[i].into);
	}
	free(k.m);
	if (rc) {
		buf_release(&k.out);
		return cli_fail("cannot read the cases: %s", err_str(rc));
	}
	if (k.json)
		json_arr_end(&k.w);
	if (k.json || k.out.len)
		cli_print(&k.out);
	/* The count is a footer: stderr, so that stdout is the table (after
	 * it, where both go to one file). */
	fflush(stdout);
	if (!k.json)
		fprintf(stderr, "%llu open, %llu in all%s\n",
			(unsigned long long)k.open, (unsigned long long)k.total,
			k.ghosts ? "; ghost case ids are listed too" : "");
	buf_release(&k.out);
	return EXIT_OK;
}

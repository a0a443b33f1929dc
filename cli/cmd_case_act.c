/*
 * cmd_case_act.c - gridcase case <action> CASE [options]: every workflow
 * step after the report, one event each (node/case/workflow.c has the table).
 *
 * Options become body fields of the same name; an action takes only the
 * fields its row of the table lists, so a mistyped option is refused
 * rather than silently signed.  The options, each action's usage and the
 * commands themselves (cli/main.c) are made from the table: a new action
 * is added there alone.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/xalloc.h"
#include "node/actions.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

#define MAX_PHOTOS 8

/* What an option's value looks like, for the usage; TEXT otherwise. */
static const struct {
	const char *field, *meta;
} metas[] = {
	{ "by", "PERSON" },	   { "conflict", "ID" },
	{ "extend", "1d" },	   { "field", "where|desc|grid|class|urgency" },
	{ "found", "yes|no" },	   { "into", "CASE" },
	{ "limit", "4h|15d" },	   { "outcome", "closed" },
	{ "team", "TEAM" },	   { "unit", "UNIT" },
	{ "urgency", "normal|urgent" },
};

/* Fields that are no text to give: the node fills them (resolve's events). */
static int
is_option(const char *field)
{
	return strcmp(field, "events") != 0;
}

static int
is_filled(const struct action_def *a, const char *field)
{
	for (size_t i = 0; i < sizeof(a->filled) / sizeof(a->filled[0]); i++)
		if (a->filled[i] && strcmp(a->filled[i], field) == 0)
			return 1;
	return 0;
}

static int
takes(const struct action_def *a, const char *field)
{
	for (int i = 0; i < ACTION_MAX_FIELDS; i++)
		if ((a->required[i] && strcmp(a->required[i], field) == 0) ||
		    (a->optional[i] && strcmp(a->optional[i], field) == 0))
			return 1;
	return 0;
}

/* The option of a body field: --photo FILE... for photos. */
static const char *
option_of(const char *field)
{
	return strcmp(field, "photos") == 0 ? "photo" : field;
}

static void
add_usage(struct buf *b, const char *field, int required)
{
	const char *meta = "TEXT";
	if (strcmp(field, "photos") == 0) {
		buf_add_str(b, " [--photo FILE]...");
		return;
	}
	for (size_t i = 0; i < sizeof(metas) / sizeof(metas[0]); i++)
		if (strcmp(metas[i].field, field) == 0)
			meta = metas[i].meta;
	buf_printf(b, required ? " --%s %s" : " [--%s %s]", field, meta);
}

void
cmd_case_act_usage(const struct action_def *a, struct buf *out)
{
	int by = 0;
	buf_printf(out, "gridcase case %s CASE", a->type);
	for (int i = 0; i < ACTION_MAX_FIELDS && a->required[i]; i++)
		if (is_option(a->required[i]))
			add_usage(out, a->required[i],
				  !is_filled(a, a->required[i]));
	for (int i = 0; i < ACTION_MAX_FIELDS && a->optional[i]; i++) {
		if (strcmp(a->optional[i], "by") == 0)
			by = 1; /* last: every step takes it */
		else if (is_option(a->optional[i]))
			add_usage(out, a->optional[i], 0);
	}
	if (by)
		add_usage(out, "by", 0);
	buf_add_str(out, " [--json]");
}

/*
 * Every option some action takes (body fields, less those of the report,
 * which is its own command, and those only the node fills), and --json;
 * made once.
 */
static const struct option *
act_options(void)
{
	static struct option opts[ACT_COUNT * 2 * ACTION_MAX_FIELDS + 2];
	static size_t n;
	if (n)
		return opts;
	for (int k = 0; k < ACT_COUNT; k++) {
		const struct action_def *a = workflow_action_at((enum action)k);
		if (a->act == ACT_REPORT)
			continue;
		for (int i = 0; i < 2 * ACTION_MAX_FIELDS; i++) {
			const char *f = i < ACTION_MAX_FIELDS
						? a->required[i]
						: a->optional[i - ACTION_MAX_FIELDS];
			if (!f || !is_option(f))
				continue;
			const char *name = option_of(f);
			size_t j = 0;
			while (j < n && strcmp(opts[j].name, name) != 0)
				j++;
			if (j < n)
				continue;
			opts[n].name = name;
			opts[n].has_arg = required_argument;
			n++;
		}
	}
	opts[n].name = "json";
	opts[n++].has_arg = no_argument;
	return opts;
}

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

int
cmd_case_act(struct cli *c, int argc, char **argv)
{
	const struct option *opts = act_options();
	const struct action_def *a = workflow_action(argv[0], strlen(argv[0]));
	struct action_req req;
	uint8_t photos[MAX_PHOTOS][HASH_BYTES], id[EVENT_ID_BYTES];
	char hex[65];
	struct diag d;
	int opt, idx, rc, json = 0;

	BUG_ON(!a);
	memset(&req, 0, sizeof(req));
	mp_map_init(&req.body);
	while ((opt = getopt_long(argc, argv, "", opts, &idx)) != -1) {
		if (opt != 0) {
			mp_map_release(&req.body);
			return cli_bad_option(c, argv, "");
		}
		const char *name = opts[idx].name;
		if (strcmp(name, "json") == 0) {
			json = 1;
			continue;
		}
		const char *field = strcmp(name, "photo") == 0 ? "photos" : name;
		if (!takes(a, field)) {
			mp_map_release(&req.body);
			return cli_usage(c, "'%s' does not take --%s", a->type,
					 name);
		}
		if (strcmp(name, "photo") == 0) {
			struct buf data = BUF_INIT;
			if (req.nblobs == MAX_PHOTOS) {
				mp_map_release(&req.body);
				return cli_usage(c, "at most %d --photo", MAX_PHOTOS);
			}
			rc = cli_read_file(optarg, &data, &d);
			if (rc == 0)
				rc = store_blob_put(node_store(c->node), data.data,
						    data.len, photos[req.nblobs], &d);
			buf_release(&data);
			if (rc) {
				mp_map_release(&req.body);
				return cli_fail_rc(rc, "cannot attach '%s': %s",
						   optarg, d.text);
			}
			req.nblobs++;
			continue;
		}
		if (mp_map_has(&req.body, field)) {
			mp_map_release(&req.body);
			return cli_usage(c, "--%s is given twice", name);
		}
		if (strcmp(name, "found") == 0) {
			if (strcmp(optarg, "yes") && strcmp(optarg, "no")) {
				mp_map_release(&req.body);
				return cli_usage(c, "--found takes yes or no");
			}
			mp_put_bool(mp_map_add(&req.body, "found"),
				    strcmp(optarg, "yes") == 0);
			continue;
		}
		mp_put_cstr(mp_map_add(&req.body, field), optarg);
	}
	if (optind + 1 != argc) {
		mp_map_release(&req.body);
		return cli_usage(c, "give one CASE id");
	}
	if (req.nblobs) {
		struct buf *b = mp_map_add(&req.body, "photos");
		mp_put_array(b, (uint32_t)req.nblobs);
		for (size_t i = 0; i < req.nblobs; i++)
			mp_put_bin(b, photos[i], HASH_BYTES);
		qsort(photos, req.nblobs, HASH_BYTES, hash_cmp);
		for (size_t i = 1; i < req.nblobs; i++)
			if (memcmp(photos[i - 1], photos[i], HASH_BYTES) == 0) {
				mp_map_release(&req.body);
				return cli_usage(c, "the same photo is given twice");
			}
		req.blobs = photos;
	}
	req.a = a;
	req.case_id = argv[optind];
	req.now_ms = clock_now_ms();
	if ((rc = case_act(c->node, &req, id, &d)))
		return cli_fail_rc(rc, "%s", d.text);
	hex_encode(id, EVENT_ID_BYTES, hex);
	if (json)
		printf("{\"case\":\"%s\",\"event\":\"%s\"}\n", argv[optind], hex);
	else
		printf("%s\n", hex);
	return EXIT_OK;
}

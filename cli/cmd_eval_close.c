/*
 * cmd_eval_close.c - gridcase eval close and eval check: freeze a month's
 * figures in a signed report, and recompute a report from its events
 * (node/period.h, docs/audit.md §3).
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "node/case/config.h"
#include "node/node.h"
#include "node/period.h"
#include "common/banned.h"

/* The month option shared by both commands. */
static int
month_arg(struct cli *c, int argc, char **argv, const char **reason,
	  struct period *p)
{
	static const struct option opts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "supersede", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *month = NULL;
	int opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm': month = optarg; break;
		case 's':
			if (!reason)
				return cli_bad_option(c, argv, "");
			*reason = optarg;
			break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!month)
		return cli_usage(c, "--month YYYY-MM is required");
	if (period_month_parse(&node_config(c->node)->cal, month, p))
		return cli_usage(c, "'%s' is not a month (YYYY-MM)", month);
	if (reason && *reason && !**reason)
		return cli_usage(c, "--supersede needs a reason");
	return EXIT_OK;
}

static void
print_summary(const char *what, const struct period_report *r, int offset_min,
	      struct buf *out)
{
	char id[65], root[65], at[CLOCK_ISO_BYTES];
	hex_encode(r->id, EVENT_ID_BYTES, id);
	hex_encode(r->cp.root, MERKLE_HASH_BYTES, root);
	clock_format_local(r->time_ms, offset_min, at);
	buf_printf(out, "%s %s: report %s, signed %s\n", what, r->p.month, id,
		   at);
	buf_printf(out, "checkpoint: %llu events, tree head %s\n",
		   (unsigned long long)r->cp.count, root);
	if (r->has_supersedes) {
		hex_encode(r->supersedes, EVENT_ID_BYTES, id);
		buf_printf(out, "supersedes %s: %s\n", id, r->reason);
	}
}

int
cmd_eval_close(struct cli *c, int argc, char **argv)
{
	struct period p;
	struct period_report r;
	const char *reason = NULL;
	struct buf out = BUF_INIT;
	struct diag d;
	int rc;
	if ((rc = month_arg(c, argc, argv, &reason, &p)) != EXIT_OK)
		return rc;
	if (period_close(c->node, &p, reason, clock_now_ms(), &r, &d))
		return cli_fail("cannot close %s: %s", p.month, d.text);
	print_summary("closed", &r, node_config(c->node)->cal.utc_offset_min,
		      &out);
	cli_print(&out);
	buf_release(&out);
	period_report_release(&r);
	return EXIT_OK;
}

int
cmd_eval_check(struct cli *c, int argc, char **argv)
{
	struct period p;
	struct period_report r;
	struct buf out = BUF_INIT;
	struct diag d;
	int rc;
	if ((rc = month_arg(c, argc, argv, NULL, &p)) != EXIT_OK)
		return rc;
	rc = period_report_find(c->node, &p, &r, &d);
	if (rc == ERR_NOTFOUND)
		return cli_fail("%s is not closed: no report to check",
				p.month);
	if (rc)
		return cli_fail("%s", d.text);
	if (period_check(c->node, &r, &d)) {
		period_report_release(&r);
		return cli_fail("the report of %s does not reproduce: %s",
				p.month, d.text);
	}
	print_summary("reproduced", &r,
		      node_config(c->node)->cal.utc_offset_min, &out);
	buf_add_str(
		&out,
		"every figure recomputed from the checkpoint's events is the same, byte for byte\n");
	/* Reproduced with the report's own settings; a closing node that had
	 * not yet received the district's may have used others. */
	char parts[64];
	config_text_diff(r.config ? r.config : "{}", node_config_text(c->node),
			 parts, sizeof(parts));
	if (parts[0])
		buf_printf(&out,
			   "note: the report's settings are not those in force on this node (%s: see 'gridcase config show'); if the district's had not reached the closing node, a shift lead supersedes it: gridcase eval close --month %s --supersede REASON\n",
			   parts, p.month);
	cli_print(&out);
	buf_release(&out);
	period_report_release(&r);
	return EXIT_OK;
}

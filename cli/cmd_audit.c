/*
 * cmd_audit.c - gridcase audit export and audit verify: one
 * self-contained file for an auditor, and its check without a node
 * (node/bundle.h, docs/audit.md §5).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "node/bundle.h"
#include "node/case/config.h"
#include "node/node.h"
#include "node/period.h"
#include "common/banned.h"

int
cmd_audit_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "case", required_argument, NULL, 'c' },
		{ "month", required_argument, NULL, 'm' },
		{ "office", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct bundle_opts o = { NULL, NULL, NULL };
	struct period p;
	const char *month = NULL, *path = NULL;
	struct buf out = BUF_INIT;
	struct diag d;
	int opt;
	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'c': o.case_id = optarg; break;
		case 'm': month = optarg; break;
		case 'f': o.office = optarg; break;
		case 'o': path = optarg; break;
		default: return cli_bad_option(c, argv, "o:");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!o.case_id == !month)
		return cli_usage(c, "give --case ID or --month YYYY-MM");
	if (o.office && !month)
		return cli_usage(c, "--office goes with --month");
	if (!path)
		return cli_usage(c, "-o FILE is required");
	if (month) {
		if (period_month_parse(&node_config(c->node)->cal, month, &p))
			return cli_usage(c, "'%s' is not a month (YYYY-MM)",
					 month);
		o.month = &p;
	}
	if (bundle_export(c->node, &o, &out, &d)) {
		buf_release(&out);
		return cli_fail("cannot export the bundle: %s", d.text);
	}
	FILE *f = fopen(path, "wbx");
	if (!f) {
		buf_release(&out);
		return cli_fail("cannot create '%s': %s", path,
				strerror(errno));
	}
	int ok = fwrite(out.data, 1, out.len, f) == out.len;
	if (fclose(f) != 0 || !ok) {
		buf_release(&out);
		return cli_fail("cannot write '%s'", path);
	}
	fprintf(stderr, "wrote %s (%zu bytes)\n", path, out.len);
	buf_release(&out);
	return EXIT_OK;
}

int
cmd_audit_verify(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t admin[EVENT_KEY_BYTES];
	int opt, pinned = 0, rc;
	struct buf in = BUF_INIT, text = BUF_INIT;
	struct diag d;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if ((rc = cli_parse_key(c, optarg, admin)))
				return rc;
			pinned = 1;
			break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one bundle file");
	if (cli_read_file(argv[optind], &in, &d)) {
		buf_release(&in);
		return cli_fail("%s", d.text);
	}
	rc = bundle_verify(in.data, in.len, pinned ? admin : NULL, &text, &d);
	if (text.len)
		cli_print(&text);
	buf_release(&text);
	buf_release(&in);
	if (rc)
		return cli_fail("the bundle does not verify: %s", d.text);
	printf("the bundle verifies\n");
	return EXIT_OK;
}

/* cmd_open311.c - gridcase open311: one Open311 request, without HTTP. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "node/http/open311.h"
#include "common/banned.h"

int
cmd_open311(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "query", required_argument, NULL, 'q' },
		{ "data", required_argument, NULL, 'D' },
		{ "content-type", required_argument, NULL, 't' },
		{ "base-url", required_argument, NULL, 'u' },
		{ "include", no_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	struct open311_request req;
	struct open311_reply rep;
	struct buf body = BUF_INIT;
	struct diag d;
	const char *data = NULL;
	int opt, include = 0, rc;

	memset(&req, 0, sizeof(req));
	req.content_type = "application/x-www-form-urlencoded";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'q': req.query = optarg; break;
		case 'D': data = optarg; break;
		case 't': req.content_type = optarg; break;
		case 'u': req.base_url = optarg; break;
		case 'i': include = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (argc - optind != 2)
		return cli_usage(
			c,
			"give a method (GET or POST) and a path, e.g. GET services.json");
	req.method = argv[optind];
	req.path = argv[optind + 1];
	if (strcmp(req.method, "GET") != 0 && strcmp(req.method, "POST") != 0)
		return cli_usage(c, "method '%s' must be GET or POST",
				 req.method);
	if (data && data[0] == '@') {
		/* The body from a file ("@-": stdin), as curl takes it. */
		if (cli_read_file(data + 1, &body, &d))
			return cli_fail("cannot read '%s': %s", data + 1,
					d.text);
		req.body = buf_cstr(&body);
		req.body_len = body.len;
	} else if (data) {
		req.body = data;
		req.body_len = strlen(data);
	}
	req.now_ms = clock_now_ms();
	rc = open311_handle(c->node, &req, &rep, &d);
	if (include)
		printf("%d\n%s\n\n", rep.status, rep.content_type);
	fwrite(rep.body, 1, rep.body_len, stdout);
	int status = rep.status;
	open311_reply_release(&rep);
	buf_release(&body);
	if (rc)
		return cli_fail("%s", d.text);
	if (status >= 400) {
		fprintf(stderr, "error: the reply is %d\n", status);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

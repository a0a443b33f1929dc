/* cmd_run.c - gridcase run: the node daemon (replication). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "node/case/config.h"
#include "node/daemon.h"
#include "node/http/server.h"
#include "node/http/web.h"
#include "node/node.h"
#include "common/banned.h"

#define MAX_PEER_ARGS 64

int
cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ "http", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *peers[MAX_PEER_ARGS];
	struct daemon_opts o;
	struct diag d;
	char *end;
	int opt, rc;
	const char *http = NULL;
	struct daemon_frontend fe;
	struct web *web = NULL;
	struct http_server *srv = NULL;

	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': o.listen = optarg; break;
		case 'h': http = optarg; break;
		case 'p':
			if (o.npeers == MAX_PEER_ARGS)
				return cli_usage(c, "at most %d --peer", MAX_PEER_ARGS);
			peers[o.npeers++] = optarg;
			o.peers = peers;
			break;
		case 'i':
			o.interval_ms = (uint32_t)strtoul(optarg, &end, 10);
			if (*end || o.interval_ms < 10)
				return cli_usage(c, "--interval takes milliseconds (10 or more)");
			break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	for (size_t i = 0; i < o.npeers; i++)
		if (!cli_is_member_name(c, peers[i]))
			return cli_fail("--peer '%s': no member of that name in this node's roster (see 'gridcase roster show')",
					peers[i]),
			       EXIT_NOTFOUND;
	/* A daemon tells what it does: info by default, -v for debug. */
	if (log_threshold < LOG_INFO)
		log_threshold = LOG_INFO;
	/* The web console, when configured (http_listen) or asked for. */
	if (!http && node_config(c->node)->http_listen[0])
		http = node_config(c->node)->http_listen;
	char http_addr[160];
	if (http && http[0] == ':') {
		snprintf(http_addr, sizeof(http_addr), "127.0.0.1%s", http);
		http = http_addr;
	}
	if (http) {
		if (web_new(c->node, &web, &d) || http_server_open(web, http, &srv, &d)) {
			web_free(web);
			return cli_fail("%s", d.text);
		}
		http_server_frontend(srv, &fe);
		o.fe = &fe;
	}
	rc = daemon_run(c->node, &o, &d);
	http_server_close(srv);
	web_free(web);
	if (rc)
		return cli_fail("%s", d.text);
	return EXIT_OK;
}

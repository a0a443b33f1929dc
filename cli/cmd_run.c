/* cmd_run.c - gridcase run: the node daemon (replication). */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/log.h"
#include "node/daemon.h"
#include "common/banned.h"

#define MAX_PEER_ARGS 64

int
cmd_run(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "peer", required_argument, NULL, 'p' },
		{ "interval", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *peers[MAX_PEER_ARGS];
	struct daemon_opts o;
	struct diag d;
	char *end;
	int opt;

	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': o.listen = optarg; break;
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
	if (daemon_run(c->node, &o, &d))
		return cli_fail("%s", d.text);
	return EXIT_OK;
}

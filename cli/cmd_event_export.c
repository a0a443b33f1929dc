/* cmd_event_export.c - gridcase event export: signed events to a file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct export {
	FILE *out;
	const char *case_id; /* filter, or NULL */
	uint64_t count;
};

static int
write_one(const uint8_t *env_bytes, size_t n, void *ctx)
{
	struct export *x = ctx;
	if (x->case_id) {
		struct envelope env;
		struct event ev;
		if (show_decode(env_bytes, n, &env, &ev) ||
		    ev.case_len != strlen(x->case_id) ||
		    memcmp(ev.case_id, x->case_id, ev.case_len) != 0)
			return 0;
	}
	if (fwrite(env_bytes, 1, n, x->out) != n)
		return ERR_IO;
	x->count++;
	return 0;
}

int
cmd_event_export(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "author", required_argument, NULL, 'a' },
		{ "case", required_argument, NULL, 'c' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	struct export x = { stdout, NULL, 0 };
	const char *path = NULL;
	uint8_t author[EVENT_KEY_BYTES];
	int opt, by_author = 0, rc;

	while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			if ((rc = cli_parse_key(c, optarg, author)))
				return rc;
			by_author = 1;
			break;
		case 'c': x.case_id = optarg; break;
		case 'o': path = optarg; break;
		default: return cli_bad_option(c, argv, "o:");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	if (!path && isatty(1))
		return cli_fail("refusing to write binary events to a terminal; "
				"redirect stdout or use -o FILE");
	if (path && !(x.out = fopen(path, "wbx")))
		return cli_fail("cannot create '%s': %s", path,
				strerror(errno));

	struct store *s = node_store(c->node);
	if (by_author)
		rc = store_walk_author(s, author, 1, write_one, &x);
	else if (x.case_id)
		rc = store_walk_case(s, x.case_id, write_one, &x);
	else
		rc = store_walk_all(s, write_one, &x);
	if (fflush(x.out) != 0 && rc == 0)
		rc = ERR_IO;
	if (path && fclose(x.out) != 0 && rc == 0)
		rc = ERR_IO;
	if (rc)
		return cli_fail("export failed: %s", err_str(rc));
	fprintf(stderr, "exported %llu events\n", (unsigned long long)x.count);
	return EXIT_OK;
}

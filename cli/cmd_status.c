/*
 * cmd_status.c - gridcase status: the node, its counts, the summary,
 * waiting events, forks, the digest of the log, and whether its daemon
 * runs.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/api.h"
#include "node/daemon.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct status_out {
	struct buf out;
	struct json_writer w;
	int json;
	const struct roster *roster; /* to name the authors */
};

static int
summary_row(const struct summary_entry *e, void *ctx)
{
	struct status_out *o = ctx;
	char a[65], id[65];
	hex_encode(e->author, EVENT_KEY_BYTES, a);
	hex_encode(e->id, EVENT_ID_BYTES, id);
	if (o->json) {
		json_obj_begin(&o->w);
		json_key(&o->w, "author");
		json_str(&o->w, a);
		json_key(&o->w, "seq");
		json_uint(&o->w, e->seq);
		json_key(&o->w, "head");
		json_str(&o->w, id);
		json_obj_end(&o->w);
	} else {
		char who[65];
		show_who(o->roster, e->author, who);
		buf_printf(&o->out, "  %-16s %.16s  seq %-8llu  head %.16s\n", who, a,
			   (unsigned long long)e->seq, id);
	}
	return 0;
}

/* "3d 4h", "2h 5m", "4m 10s", "12s". */
static void
uptime_format(int64_t s, char *out, size_t n)
{
	if (s < 0)
		s = 0;
	if (s >= 86400)
		snprintf(out, n, "%lldd %lldh", (long long)(s / 86400),
			 (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(out, n, "%lldh %lldm", (long long)(s / 3600),
			 (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(out, n, "%lldm %llds", (long long)(s / 60),
			 (long long)(s % 60));
	else
		snprintf(out, n, "%llds", (long long)s);
}

/*
 * Whether the daemon runs (its lock), and what it says of itself (its
 * status file, daemon.h); a file no running daemon holds is stale.
 */
static void
daemon_info(struct cli *c, struct status_out *o)
{
	struct daemon_status ds;
	char up[32], started[CLOCK_ISO_BYTES];
	daemon_status_read(c->dir, &ds);
	int64_t age = (int64_t)time(NULL) - ds.started_s;
	clock_format((uint64_t)ds.started_s * 1000, started);
	uptime_format(age, up, sizeof(up));
	if (o->json) {
		json_key(&o->w, "daemon");
		json_obj_begin(&o->w);
		json_key(&o->w, "running");
		json_bool(&o->w, ds.running);
		if (ds.running && ds.have_file) {
			json_key(&o->w, "pid");
			json_uint(&o->w, (uint64_t)ds.pid);
			json_key(&o->w, "started");
			json_str(&o->w, started);
			json_key(&o->w, "uptime_s");
			json_uint(&o->w, age < 0 ? 0 : (uint64_t)age);
			json_key(&o->w, "listen");
			json_arr_begin(&o->w);
			if (ds.listen[0])
				json_str(&o->w, ds.listen);
			json_arr_end(&o->w);
			json_key(&o->w, "peers");
			json_uint(&o->w, ds.peers);
			json_key(&o->w, "peers_connected");
			json_uint(&o->w, ds.connected);
		} else if (!ds.running && ds.have_file) {
			json_key(&o->w, "stale_pid");
			json_uint(&o->w, (uint64_t)ds.pid);
		}
		json_obj_end(&o->w);
		return;
	}
	if (ds.running && ds.have_file)
		buf_printf(&o->out,
			   "daemon   running: pid %ld, up %s (since %s), listening on %s, %u of %u peer%s connected\n",
			   ds.pid, up, started,
			   ds.listen[0] ? ds.listen : "no address", ds.connected,
			   ds.peers, ds.peers == 1 ? "" : "s");
	else if (ds.running)
		buf_add_str(&o->out, "daemon   running (starting: it has not said more yet)\n");
	else if (ds.have_file)
		buf_printf(&o->out,
			   "daemon   not running (pid %ld left %s behind: it was killed or crashed)\n",
			   ds.pid, DAEMON_STATUS_FILE);
	else
		buf_add_str(&o->out, "daemon   not running\n");
}

int
cmd_status(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct status_out o = { BUF_INIT, { 0 }, 0, NULL };
	struct store *s = node_store(c->node);
	struct store_stats st;
	struct buf name = BUF_INIT, county = BUF_INIT;
	struct key *k = NULL;
	uint8_t digest[HASH_BYTES];
	char dig[65], key_hex[65] = "";
	struct diag kd;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': o.json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	/*
	 * The ghosts first: each figure is its own read, and a running
	 * daemon commits between them.  Views are kept (one goes only when
	 * its events turn out to be a forked author's), so the views counted
	 * after hold the ghosts counted before; the other order gave
	 * "cases": 2^64 - 20 during a catch-up, whose ghosts (steps whose
	 * report had not arrived yet) grew between the two reads.
	 */
	uint64_t ghosts = 0;
	if ((rc = node_ghost_count(c->node, &ghosts)) ||
	    (rc = store_stats(s, &st)) || (rc = store_digest(s, digest)))
		return cli_fail("cannot read the store: %s", err_str(rc));
	if (ghosts > st.cases)
		ghosts = st.cases; /* a view dropped in between: never below 0 */
	hex_encode(digest, HASH_BYTES, dig);
	if (((rc = store_meta_get(s, "node", &name)) && rc != ERR_NOTFOUND) ||
	    ((rc = store_meta_get(s, "county", &county)) && rc != ERR_NOTFOUND))
		return cli_fail("cannot read the store: %s", err_str(rc));
	/* The public key is read from the key file; a node whose key file
	 * is unreadable still reports its status (without a key). */
	char *path = xasprintf("%s/%s", c->dir, NODE_KEY_FILE);
	if (key_load(path, &k, &kd) == 0)
		hex_encode(key_public(k), EVENT_KEY_BYTES, key_hex);
	key_free(k);
	free(path);

	json_writer_init(&o.w, &o.out, 0);
	if (o.json) {
		json_obj_begin(&o.w);
		json_key(&o.w, "network");
		json_str(&o.w, store_network(s));
		json_key(&o.w, "node");
		json_str(&o.w, buf_cstr(&name));
		json_key(&o.w, "county");
		json_str(&o.w, buf_cstr(&county));
		json_key(&o.w, "key");
		json_str(&o.w, key_hex);
		json_key(&o.w, "key_error");
		json_str(&o.w, *key_hex ? "" : kd.text);
		const char *names[] = { "events", "authors", "cases",
					"ghost_cases", "pending", "forks" };
		uint64_t vals[] = { st.events, st.authors, st.cases - ghosts,
				    ghosts, st.pending, st.forks };
		for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
			json_key(&o.w, names[i]);
			json_uint(&o.w, vals[i]);
		}
		json_key(&o.w, "digest");
		json_str(&o.w, dig);
		daemon_info(c, &o);
		cli_disk_status(c, &o.out, &o.w, 1);
	} else {
		buf_printf(&o.out,
			   "network  %s\nnode     %s\nkey      %s\n"
			   "events   %llu (%llu authors, %llu case%s)\n",
			   store_network(s), buf_cstr(&name),
			   *key_hex ? key_hex : kd.text,
			   (unsigned long long)st.events,
			   (unsigned long long)st.authors,
			   (unsigned long long)(st.cases - ghosts),
			   st.cases - ghosts == 1 ? "" : "s");
		if (ghosts)
			buf_printf(&o.out, "ghosts   %llu case id%s with steps but no report: kept as evidence, no case (gridcase conflicts)\n",
				   (unsigned long long)ghosts, ghosts == 1 ? "" : "s");
		buf_printf(&o.out, "waiting  %llu events\nforks    %llu forked author%s\n"
			   "digest   %s\n",
			   (unsigned long long)st.pending,
			   (unsigned long long)st.forks, st.forks == 1 ? "" : "s", dig);
		daemon_info(c, &o);
		cli_disk_status(c, &o.out, &o.w, 0);
	}
	o.roster = node_roster(c->node);
	if (o.json)
		rc = show_trouble(s, o.roster, &o.out, &o.w);
	else
		rc = show_trouble(s, o.roster, &o.out, NULL);
	if (o.json) {
		json_key(&o.w, "summary");
		json_arr_begin(&o.w);
	} else {
		buf_add_str(&o.out, "summary  (author: name and key, highest contiguous seq, its id)\n");
	}
	if (rc == 0)
		rc = store_walk_summary(s, summary_row, &o);
	if (o.json) {
		json_arr_end(&o.w);
		json_obj_end(&o.w);
	}
	buf_release(&name);
	buf_release(&county);
	if (rc) {
		buf_release(&o.out);
		return cli_fail("cannot read the store: %s", err_str(rc));
	}
	cli_print(&o.out);
	buf_release(&o.out);
	return EXIT_OK;
}

/*
 * cmd_repl.c - gridcase repl status|sync: our summary against each peer's,
 * and one sync round now.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/show.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "node/daemon.h"
#include "node/node.h"
#include "node/peers.h"
#include "store/store.h"
#include "common/banned.h"

struct peer_view {
	char name[PEER_NAME_MAX + 1];
	struct peer_head *h;
	size_t n;
};

struct status {
	struct peer_view *p;
	size_t np;
};

static int
load_peer(const struct peer_record *rec, void *ctx)
{
	struct status *s = ctx;
	s->p = xrealloc(s->p, (s->np + 1) * sizeof(*s->p));
	struct peer_view *pv = &s->p[s->np++];
	memset(pv, 0, sizeof(*pv));
	snprintf(pv->name, sizeof(pv->name), "%s", rec->name);
	if (rec->nheads) {
		pv->h = xcalloc(rec->nheads, sizeof(*pv->h));
		memcpy(pv->h, rec->heads, rec->nheads * sizeof(*pv->h));
		pv->n = rec->nheads;
	}
	return 0;
}

struct row_ctx {
	struct status *s;
	struct buf *out;
	struct json_writer *w;
	int json;
	const struct roster *roster; /* to name the authors */
};

static uint64_t
peer_seq(const struct peer_view *pv, const uint8_t *author, int *known)
{
	for (size_t i = 0; i < pv->n; i++)
		if (memcmp(pv->h[i].author, author, EVENT_KEY_BYTES) == 0) {
			*known = 1;
			return pv->h[i].seq;
		}
	*known = pv->n > 0;
	return 0;
}

static int
row(const struct summary_entry *e, void *ctx)
{
	struct row_ctx *r = ctx;
	char a[65];
	hex_encode(e->author, EVENT_KEY_BYTES, a);
	if (r->json) {
		json_obj_begin(r->w);
		json_key(r->w, "author");
		json_str(r->w, a);
		json_key(r->w, "seq");
		json_uint(r->w, e->seq);
		json_key(r->w, "peers");
		json_obj_begin(r->w);
		for (size_t i = 0; i < r->s->np; i++) {
			int known;
			uint64_t seq = peer_seq(&r->s->p[i], e->author, &known);
			json_key(r->w, r->s->p[i].name);
			if (known)
				json_uint(r->w, seq);
			else
				json_null(r->w);
		}
		json_obj_end(r->w);
		json_obj_end(r->w);
		return 0;
	}
	char who[65];
	show_who(r->roster, e->author, who);
	buf_printf(r->out, "%-16.16s %-16.16s %8llu", who, a, (unsigned long long)e->seq);
	for (size_t i = 0; i < r->s->np; i++) {
		int known;
		uint64_t seq = peer_seq(&r->s->p[i], e->author, &known);
		if (known)
			buf_printf(r->out, " %10llu%s", (unsigned long long)seq,
				   seq < e->seq ? "-" : seq > e->seq ? "+" : " ");
		else
			buf_printf(r->out, " %11s", "?");
	}
	buf_add_str(r->out, "\n");
	return 0;
}

int
cmd_repl_status(struct cli *c, int argc, char **argv)
{
	struct status s = { NULL, 0 };
	struct buf out = BUF_INIT;
	struct json_writer w;
	uint8_t digest[HASH_BYTES];
	char dig[65];
	int json = 0;
	if (cli_args(c, argc, argv, &json, 0, 0, ""))
		return EXIT_USAGE;
	struct store *st = node_store(c->node);
	int rc = node_peers_walk(c->node, load_peer, &s);
	if (rc >= 0)
		rc = store_digest(st, digest);
	if (rc) {
		for (size_t i = 0; i < s.np; i++)
			free(s.p[i].h);
		free(s.p);
		return cli_fail("cannot read the store: %s", err_str(rc));
	}
	hex_encode(digest, HASH_BYTES, dig);
	json_writer_init(&w, &out, 0);
	struct row_ctx r = { &s, &out, &w, json, node_roster(c->node) };
	if (json) {
		json_obj_begin(&w);
		json_key(&w, "digest");
		json_str(&w, dig);
		json_key(&w, "daemon_running");
		json_bool(&w, daemon_is_running(node_dir(c->node)));
		cli_disk_status(c, &out, &w, 1);
		json_key(&w, "authors");
		json_arr_begin(&w);
	} else {
		buf_printf(&out, "digest %s\n", dig);
		cli_disk_status(c, &out, &w, 0);
		buf_printf(&out, "%-16s %-16s %8s", "AUTHOR", "KEY", "HERE");
		for (size_t i = 0; i < s.np; i++)
			buf_printf(&out, " %11.11s", s.p[i].name);
		buf_add_str(&out, "\n");
	}
	rc = store_walk_summary(st, row, &r);
	if (json) {
		json_arr_end(&w);
		if (rc == 0)
			rc = show_trouble(st, r.roster, &out, &w);
		json_obj_end(&w);
	} else {
		buf_add_str(&out, "(per peer: its last summary; - it lacks events we have, + it has events we lack, ? never heard)\n");
		if (rc == 0)
			rc = show_trouble(st, r.roster, &out, NULL);
	}
	for (size_t i = 0; i < s.np; i++)
		free(s.p[i].h);
	free(s.p);
	if (rc) {
		buf_release(&out);
		return cli_fail("cannot read the summary: %s", err_str(rc));
	}
	cli_print(&out);
	buf_release(&out);
	return EXIT_OK;
}

int
cmd_repl_sync(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon_opts o;
	struct store_stats before, after;
	struct diag d;
	int opt, json = 0;
	memset(&o, 0, sizeof(o));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'a')
			o.peer_addr = optarg;
		else if (opt == 'j')
			json = 1;
		else
			return cli_bad_option(c, argv, "");
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one PEER (a member's name)");
	const char *peer = argv[optind];
	if (!cli_is_member_name(c, peer))
		return cli_fail_rc(ERR_NOTFOUND, "no member named '%s' in this node's roster (see 'gridcase roster show')",
				   peer);
	o.peers = &peer;
	o.npeers = 1;
	o.one_round = 1;
	struct cli_progress bar;
	cli_progress_init(&bar);
	if (!json) {
		o.progress = cli_progress_fn;
		o.progress_ctx = &bar;
	}
	struct store *st = node_store(c->node);
	if (store_stats(st, &before))
		return cli_fail("cannot read the store");
	int rc = daemon_run(c->node, &o, &d);
	cli_progress_end(&bar);
	if (rc)
		return cli_fail_rc(rc, "sync with %s failed: %s", peer, d.text);
	if (store_stats(st, &after))
		return cli_fail("cannot read the store");
	uint64_t got = after.events - before.events;
	if (json) {
		struct buf out = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &out, 0);
		json_obj_begin(&w);
		json_key(&w, "peer");
		json_str(&w, peer);
		json_key(&w, "received");
		json_uint(&w, got);
		json_key(&w, "events");
		json_uint(&w, after.events);
		json_obj_end(&w);
		buf_add_str(&out, "\n");
		cli_print(&out);
		buf_release(&out);
	} else {
		printf("synced with %s: %llu events received, %llu events here\n",
		       peer, (unsigned long long)got,
		       (unsigned long long)after.events);
	}
	return EXIT_OK;
}

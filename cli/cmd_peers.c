/*
 * cmd_peers.c - gridcase peers [block|unblock NAME]: each peer's state as
 * the daemon last recorded it, and cutting a peer off.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "node/daemon.h"
#include "node/node.h"
#include "node/peers.h"
#include "common/banned.h"

struct listing {
	struct buf out;
	struct json_writer w;
	int json;
	int n;
};

static int
one_peer(const struct peer_record *p, void *ctx)
{
	struct listing *l = ctx;
	char when[CLOCK_ISO_BYTES] = "-";
	if (p->last_contact_ms)
		clock_format(p->last_contact_ms, when);
	l->n++;
	if (l->json) {
		const struct {
			const char *name;
			uint64_t v;
		} nums[] = {
			{ "events_in", p->events_in }, { "events_out", p->events_out },
			{ "bytes_in", p->bytes_in },   { "bytes_out", p->bytes_out },
			{ "we_lack", p->we_lack },     { "they_lack", p->they_lack },
			{ "rounds", p->rounds },       { "errors", p->errors },
		};
		json_obj_begin(&l->w);
		json_key(&l->w, "name");
		json_str(&l->w, p->name);
		json_key(&l->w, "addr");
		json_str(&l->w, p->addr);
		json_key(&l->w, "connected");
		json_bool(&l->w, p->connected);
		json_key(&l->w, "blocked");
		json_bool(&l->w, p->blocked);
		json_key(&l->w, "refused");
		json_bool(&l->w, p->refused);
		json_key(&l->w, "last_contact");
		if (p->last_contact_ms)
			json_str(&l->w, when);
		else
			json_null(&l->w);
		json_key(&l->w, "misbehaving");
		json_bool(&l->w, p->misbehaving);
		json_key(&l->w, "misbehaviour");
		json_str(&l->w, p->misbehaviour);
		json_key(&l->w, "last_error");
		json_str(&l->w, p->last_error);
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			json_key(&l->w, nums[i].name);
			json_uint(&l->w, nums[i].v);
		}
		json_obj_end(&l->w);
		return 0;
	}
	buf_printf(&l->out, "%-12s %-11s %-20s %7llu %7llu %9llu %9llu %7llu %9llu %6llu  %s  %s\n",
		   p->name,
		   p->blocked ? "blocked" : !p->connected ? "no"
		   : p->refused ? "refused" : p->misbehaving ? "misbehaving" : "yes",
		   when, (unsigned long long)p->events_in,
		   (unsigned long long)p->events_out,
		   (unsigned long long)p->bytes_in,
		   (unsigned long long)p->bytes_out,
		   (unsigned long long)p->we_lack,
		   (unsigned long long)p->they_lack,
		   (unsigned long long)p->errors,
		   p->misbehaving ? p->misbehaviour
		   : p->last_error[0] ? p->last_error : "-", p->addr);
	return 0;
}

int
cmd_peers(struct cli *c, int argc, char **argv)
{
	struct listing l = { BUF_INIT, { 0 }, 0, 0 };
	int running = daemon_is_running(node_dir(c->node));
	if (cli_args(c, argc, argv, &l.json, 0, 0, ""))
		return EXIT_USAGE;
	json_writer_init(&l.w, &l.out, 0);
	if (l.json) {
		json_obj_begin(&l.w);
		json_key(&l.w, "daemon_running");
		json_bool(&l.w, running);
		json_key(&l.w, "peers");
		json_arr_begin(&l.w);
	} else {
		if (!running)
			buf_add_str(&l.out, "(no daemon runs on this node: the figures are the last it recorded)\n");
		buf_printf(&l.out, "%-12s %-11s %-20s %7s %7s %9s %9s %7s %9s %6s  %s  %s\n",
			   "PEER", "CONNECTED", "LAST CONTACT", "EV IN", "EV OUT",
			   "BYTES IN", "BYTES OUT", "WE LACK", "THEY LACK", "ERRORS",
			   "LAST ERROR", "ADDRESS");
	}
	int rc = node_peers_walk(c->node, one_peer, &l);
	if (rc < 0) {
		buf_release(&l.out);
		return cli_fail("cannot read the peers: %s", err_str(rc));
	}
	if (l.json) {
		json_arr_end(&l.w);
		json_obj_end(&l.w);
	}
	cli_print(&l.out);
	buf_release(&l.out);
	return EXIT_OK;
}

struct blocked_search {
	const char *name;
	int found;
};

static int
match_blocked(const char *name, size_t n, void *ctx)
{
	struct blocked_search *b = ctx;
	if (strlen(b->name) == n && memcmp(b->name, name, n) == 0)
		b->found = 1;
	return 0;
}

static int
is_blocked(struct cli *c, const char *name)
{
	struct blocked_search b = { name, 0 };
	return node_peer_blocks_walk(c->node, match_blocked, &b) >= 0 && b.found;
}

static int
set_block(struct cli *c, int argc, char **argv, int block)
{
	struct diag d;
	if (cli_args(c, argc, argv, NULL, 1, 1, "give one peer NAME"))
		return EXIT_USAGE;
	argv += optind - 1;
	/* Unblocking a name blocked before its member left is fine. */
	if (!cli_is_member_name(c, argv[1]) &&
	    (block || !is_blocked(c, argv[1])))
		return cli_fail("no member named '%s' in this node's roster (see 'gridcase roster show')",
				argv[1]),
		       EXIT_NOTFOUND;
	if (node_peer_block(c->node, argv[1], block, &d))
		return cli_fail("%s", d.text);
	printf("peer %s %s (the daemon applies it within a second)\n", argv[1],
	       block ? "blocked: nothing goes to or comes from it"
		     : "unblocked");
	return EXIT_OK;
}

int
cmd_peers_block(struct cli *c, int argc, char **argv)
{
	return set_block(c, argc, argv, 1);
}

int
cmd_peers_unblock(struct cli *c, int argc, char **argv)
{
	return set_block(c, argc, argv, 0);
}

/*
 * cmd_peers.c - gridcase peers [block|unblock NAME]: each peer's state as
 * the daemon last recorded it, and cutting a peer off.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "node/daemon.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

struct listing {
	struct buf out;
	struct json_writer w;
	int json;
	int n;
};

static uint64_t
get_u(struct mp_reader *m, const char *k)
{
	struct mp_reader v;
	uint64_t x = 0;
	if (mp_map_find(m, k, &v) == 0)
		(void)!mp_get_uint(&v, &x);
	return x;
}

static int
get_b(struct mp_reader *m, const char *k)
{
	struct mp_reader v;
	int x = 0;
	if (mp_map_find(m, k, &v) == 0)
		(void)!mp_get_bool(&v, &x);
	return x;
}

static void
get_s(struct mp_reader *m, const char *k, char *out, size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	out[0] = '\0';
	if (mp_map_find(m, k, &v) == 0 && mp_get_str(&v, &s, &n) == 0)
		snprintf(out, cap, "%.*s", (int)n, s);
}

static int
one_peer(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	 void *ctx)
{
	struct listing *l = ctx;
	struct mp_reader m;
	char name[80], addr[140], err[220], why[220], when[CLOCK_ISO_BYTES] = "-";
	if (mp_check(val, vn, NULL))
		return 0;
	mp_reader_init(&m, val, vn, NULL);
	snprintf(name, sizeof(name), "%.*s", (int)kn, (const char *)key);
	get_s(&m, "addr", addr, sizeof(addr));
	get_s(&m, "last_error", err, sizeof(err));
	get_s(&m, "misbehaviour", why, sizeof(why));
	int misbehaving = get_b(&m, "misbehaving");
	uint64_t last = get_u(&m, "last_contact");
	if (last)
		clock_format(last, when);
	l->n++;
	if (l->json) {
		static const char *nums[] = { "events_in", "events_out", "bytes_in",
					      "bytes_out", "we_lack", "they_lack",
					      "rounds", "errors" };
		json_obj_begin(&l->w);
		json_key(&l->w, "name");
		json_str(&l->w, name);
		json_key(&l->w, "addr");
		json_str(&l->w, addr);
		json_key(&l->w, "connected");
		json_bool(&l->w, get_b(&m, "connected"));
		json_key(&l->w, "blocked");
		json_bool(&l->w, get_b(&m, "blocked"));
		json_key(&l->w, "refused");
		json_bool(&l->w, get_b(&m, "refused"));
		json_key(&l->w, "last_contact");
		if (last)
			json_str(&l->w, when);
		else
			json_null(&l->w);
		json_key(&l->w, "misbehaving");
		json_bool(&l->w, misbehaving);
		json_key(&l->w, "misbehaviour");
		json_str(&l->w, why);
		json_key(&l->w, "last_error");
		json_str(&l->w, err);
		for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			json_key(&l->w, nums[i]);
			json_uint(&l->w, get_u(&m, nums[i]));
		}
		json_obj_end(&l->w);
		return 0;
	}
	buf_printf(&l->out, "%-12s %-11s %-20s %7llu %7llu %9llu %9llu %7llu %9llu %6llu  %s  %s\n",
		   name,
		   get_b(&m, "blocked") ? "blocked" : !get_b(&m, "connected") ? "no"
		   : get_b(&m, "refused") ? "refused" : misbehaving ? "misbehaving" : "yes",
		   when, (unsigned long long)get_u(&m, "events_in"),
		   (unsigned long long)get_u(&m, "events_out"),
		   (unsigned long long)get_u(&m, "bytes_in"),
		   (unsigned long long)get_u(&m, "bytes_out"),
		   (unsigned long long)get_u(&m, "we_lack"),
		   (unsigned long long)get_u(&m, "they_lack"),
		   (unsigned long long)get_u(&m, "errors"),
		   misbehaving ? why : err[0] ? err : "-", addr);
	return 0;
}

int
cmd_peers(struct cli *c, int argc, char **argv)
{
	struct listing l = { BUF_INIT, { 0 }, 0, 0 };
	int running = daemon_is_running(node_dir(c->node));
	if (argc == 2 && strcmp(argv[1], "--json") == 0)
		l.json = 1;
	else if (argc != 1)
		return cli_usage(c, "unexpected argument '%s'", argv[1]);
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
	int rc = store_local_walk(node_store(c->node), "peer", one_peer, &l);
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

static int
set_block(struct cli *c, int argc, char **argv, int block)
{
	struct diag d;
	if (argc != 2)
		return cli_usage(c, "give one peer NAME");
	int rc = block ? store_local_put(node_store(c->node), "block", argv[1],
					 strlen(argv[1]), "", 0, &d)
		       : store_local_del(node_store(c->node), "block", argv[1],
					 strlen(argv[1]), &d);
	if (rc)
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

/*
 * cmd_peers.c - gridcase peers [block|unblock NAME]: each peer's state as
 * the daemon last recorded it, and cutting a peer off.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "common/clock.h"
#include "common/json.h"
#include "node/daemon.h"
#include "node/node.h"
#include "node/peers.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/banned.h"

/* Our summary: author and highest contiguous seq, in author order. */
struct ours {
	struct summary_entry *e;
	size_t n;
};

static int
keep_summary(const struct summary_entry *e, void *ctx)
{
	struct ours *o = ctx;
	o->e = xrealloc(o->e, (o->n + 1) * sizeof(*o->e));
	o->e[o->n++] = *e;
	return 0;
}

/*
 * How many of our events the peer lacks, from its last summary as
 * recorded against ours now: the figure `repl status` shows per author,
 * summed.  -1 when no summary of the peer was ever recorded.
 */
static int64_t
they_lack(const struct ours *o, const struct peer_record *p)
{
	uint64_t n = 0;
	if (!p->nheads)
		return -1;
	for (size_t i = 0; i < o->n; i++) {
		uint64_t theirs = 0;
		for (size_t k = 0; k < p->nheads; k++)
			if (memcmp(p->heads[k].author, o->e[i].author,
				   EVENT_KEY_BYTES) == 0)
				theirs = p->heads[k].seq;
		if (o->e[i].seq > theirs)
			n += o->e[i].seq - theirs;
	}
	return (int64_t)n;
}

struct row {
	struct peer_record r; /* heads not kept */
	int64_t they_lack;
};

struct listing {
	const struct ours *ours;
	struct row *rows;
	size_t n;
};

static int
one_peer(const struct peer_record *p, void *ctx)
{
	struct listing *l = ctx;
	l->rows = xrealloc(l->rows, (l->n + 1) * sizeof(*l->rows));
	struct row *r = &l->rows[l->n++];
	r->r = *p;
	r->r.heads = NULL;
	r->they_lack = they_lack(l->ours, p);
	return 0;
}

static const char *
state_word(const struct peer_record *p, int running)
{
	return p->blocked ? "blocked" : !running || !p->connected ? "no"
	       : p->refused ? "refused" : p->misbehaving ? "misbehaving" : "yes";
}

static void
put_json(struct json_writer *w, const struct row *row, int running)
{
	const struct peer_record *p = &row->r;
	char when[CLOCK_ISO_BYTES];
	const struct {
		const char *name;
		uint64_t v;
	} nums[] = {
		{ "events_in", p->events_in }, { "events_out", p->events_out },
		{ "bytes_in", p->bytes_in },   { "bytes_out", p->bytes_out },
		{ "we_lack", p->we_lack },     { "rounds", p->rounds },
		{ "errors", p->errors },       { "pushed_in", p->pushed_in },
		{ "pushed_first", p->pushed_first }, { "lazy_authors", p->lazy_authors },
		{ "checked", p->checked },     { "checked_again", p->checked_again },
	};
	json_obj_begin(w);
	json_key(w, "name");
	json_str(w, p->name);
	json_key(w, "addr");
	json_str(w, p->addr);
	json_key(w, "connected");
	json_bool(w, running && p->connected);
	json_key(w, "blocked");
	json_bool(w, p->blocked);
	json_key(w, "refused");
	json_bool(w, p->refused);
	json_key(w, "last_contact");
	if (p->last_contact_ms) {
		clock_format(p->last_contact_ms, when);
		json_str(w, when);
	} else {
		json_null(w);
	}
	json_key(w, "misbehaving");
	json_bool(w, p->misbehaving);
	json_key(w, "misbehaviour");
	json_str(w, p->misbehaviour);
	json_key(w, "last_error");
	json_str(w, p->last_error);
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		json_key(w, nums[i].name);
		json_uint(w, nums[i].v);
	}
	json_key(w, "they_lack");
	if (row->they_lack < 0)
		json_null(w);
	else
		json_uint(w, (uint64_t)row->they_lack);
	json_obj_end(w);
}

int
cmd_peers(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "wide", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct ours ours = { NULL, 0 };
	struct listing l = { &ours, NULL, 0 };
	struct buf out = BUF_INIT;
	struct json_writer w;
	int running = daemon_is_running(node_dir(c->node));
	int opt, json = 0, wide = 0, rc;
	uint64_t last_known = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		case 'w': wide = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind < argc)
		return cli_usage(c, "unexpected argument '%s'", argv[optind]);
	rc = store_walk_summary(node_store(c->node), keep_summary, &ours);
	if (rc == 0)
		rc = node_peers_walk(c->node, one_peer, &l);
	if (rc < 0) {
		free(ours.e);
		free(l.rows);
		return cli_fail("cannot read the peers: %s", err_str(rc));
	}
	for (size_t i = 0; i < l.n; i++)
		if (l.rows[i].r.updated_ms > last_known)
			last_known = l.rows[i].r.updated_ms;
	json_writer_init(&w, &out, 0);
	if (json) {
		json_obj_begin(&w);
		json_key(&w, "daemon_running");
		json_bool(&w, running);
		json_key(&w, "last_known");
		if (last_known) {
			char iso[CLOCK_ISO_BYTES];
			clock_format(last_known, iso);
			json_str(&w, iso);
		} else {
			json_null(&w);
		}
		json_key(&w, "peers");
		json_arr_begin(&w);
		for (size_t i = 0; i < l.n; i++)
			put_json(&w, &l.rows[i], running);
		json_arr_end(&w);
		json_obj_end(&w);
	} else {
		/* Columns as wide as their widest cell (a Chinese name takes
		 * two cells a character); the last error, last, is cut to the
		 * terminal's width unless --wide. */
		size_t wname = 4, waddr = 7;
		for (size_t i = 0; i < l.n; i++) {
			if (cli_width(l.rows[i].r.name) > wname)
				wname = cli_width(l.rows[i].r.name);
			if (cli_width(l.rows[i].r.addr) > waddr)
				waddr = cli_width(l.rows[i].r.addr);
		}
		int cols = wide ? 0 : cli_columns();
		cli_pad(&out, "PEER", wname);
		buf_printf(&out, "  %-11s  %-20s  %7s  %7s  %9s  %9s  %7s  %9s  %6s  ",
			   "CONNECTED", "LAST CONTACT", "EV IN", "EV OUT",
			   "BYTES IN", "BYTES OUT", "WE LACK", "THEY LACK",
			   "ERRORS");
		cli_pad(&out, "ADDRESS", waddr);
		buf_add_str(&out, "  LAST ERROR\n");
		for (size_t i = 0; i < l.n; i++) {
			const struct peer_record *p = &l.rows[i].r;
			char when[CLOCK_ISO_BYTES] = "-", lack[24] = "?";
			size_t mark = out.len;
			if (p->last_contact_ms)
				clock_format(p->last_contact_ms, when);
			if (l.rows[i].they_lack >= 0)
				snprintf(lack, sizeof(lack), "%lld",
					 (long long)l.rows[i].they_lack);
			cli_pad(&out, p->name, wname);
			buf_printf(&out, "  %-11s  %-20s  %7llu  %7llu  %9llu  %9llu  %7llu  %9s  %6llu  ",
				   state_word(p, running), when,
				   (unsigned long long)p->events_in,
				   (unsigned long long)p->events_out,
				   (unsigned long long)p->bytes_in,
				   (unsigned long long)p->bytes_out,
				   (unsigned long long)p->we_lack, lack,
				   (unsigned long long)p->errors);
			cli_pad(&out, p->addr, waddr);
			buf_add_str(&out, "  ");
			/* A peer that is up again keeps its last error on
			 * record: said as earlier, not as its state. */
			struct buf said = BUF_INIT;
			if (p->misbehaving)
				buf_add_str(&said, p->misbehaviour);
			else if (!p->last_error[0])
				buf_add_str(&said, "-");
			else
				buf_printf(&said, "%s%s",
					   strcmp(state_word(p, running), "yes") == 0
						   ? "earlier: " : "",
					   p->last_error);
			const char *err = buf_cstr(&said);
			size_t room = 0;
			if (cols > 0) {
				size_t line = cli_width_n((const char *)out.data + mark,
							  out.len - mark);
				room = (size_t)cols > line ? (size_t)cols - line : 1;
			}
			cli_fit(&out, err, cols > 0 ? room : 0);
			buf_add_str(&out, "\n");
			buf_release(&said);
		}
	}
	/* The footer goes to stderr: stdout is the table alone. */
	cli_print(&out);
	fflush(stdout);
	if (!json && !running) {
		char iso[CLOCK_ISO_BYTES] = "";
		if (last_known)
			clock_format(last_known, iso);
		fprintf(stderr, "peers: the daemon is not running: %s%s\n",
			last_known ? "figures as last known at " : "no figures recorded yet",
			iso);
	}
	buf_release(&out);
	free(ours.e);
	free(l.rows);
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

/*
 * cmd_roster.c - the district's roster: gridcase roster add|revoke|show,
 * admin keygen and keygen (member keys), reindex.
 *
 * roster add and revoke sign with an admin key, which lives off the
 * nodes, in a file that also carries the roster the key has seen
 * (node/admin.h): the admin may run them on any node, in any order, and
 * the changes replicate and merge.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "common/clock.h"
#include "common/hex.h"
#include "common/json.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

int
cmd_roster_add(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "name", required_argument, NULL, 'n' },
		{ "unit", required_argument, NULL, 'u' },
		{ "roles", required_argument, NULL, 'r' },
		{ "addr", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct member m;
	struct admin_key *admin = NULL;
	const char *name = NULL, *unit = NULL, *roles = NULL, *admin_path = NULL;
	struct diag d;
	int opt, rc;

	memset(&m, 0, sizeof(m));
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'n': name = optarg; break;
		case 'u': unit = optarg; break;
		case 'r': roles = optarg; break;
		case 'a':
			if (m.naddrs == ROSTER_MAX_ADDRS)
				return cli_usage(c, "at most %d --addr", ROSTER_MAX_ADDRS);
			if (strlen(optarg) > ROSTER_ADDR_MAX)
				return cli_usage(c, "--addr '%s' is too long", optarg);
			snprintf(m.addrs[m.naddrs++], sizeof(m.addrs[0]), "%s", optarg);
			break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc || !name || !roles)
		return cli_usage(c, "give KEY, --name and --roles");
	if (cli_parse_key(c, argv[optind], m.key))
		return EXIT_USAGE;
	if (strlen(name) > ROSTER_NAME_MAX || (unit && strlen(unit) > ROSTER_NAME_MAX))
		return cli_usage(c, "names are at most %d bytes of UTF-8 (a Chinese character takes 3)",
				 ROSTER_NAME_MAX);
	if (roles_parse(roles, &m.roles, &d))
		return cli_usage(c, "%s", d.text);
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.unit, sizeof(m.unit), "%s", unit ? unit : name);
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = node_roster_add(c->node, admin, &m, clock_now_ms(), &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail("cannot add the member: %s", d.text);
	printf("member %s added (unit %s, roles %s)\n", m.name, m.unit, roles);
	return EXIT_OK;
}

int
cmd_roster_revoke(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "admin-key", required_argument, NULL, 'A' },
		{ "last-seq", required_argument, NULL, 'l' },
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *admin_path = NULL, *reason = "", *last = NULL;
	struct admin_key *admin = NULL;
	uint8_t key[EVENT_KEY_BYTES];
	struct diag d;
	char *end;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'A': admin_path = optarg; break;
		case 'l': last = optarg; break;
		case 'r': reason = optarg; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc || !last)
		return cli_usage(c, "give KEY and --last-seq N (its last valid event)");
	if (cli_parse_key(c, argv[optind], key))
		return EXIT_USAGE;
	unsigned long long seq = strtoull(last, &end, 10);
	if (*end || end == last)
		return cli_usage(c, "--last-seq '%s' is not a number", last);
	if (!roster_knows(node_roster(c->node), key))
		return cli_fail_rc(ERR_NOTFOUND, "key %.16s is in no roster change this node holds: nothing to revoke (see 'gridcase roster show')",
				   argv[optind]);
	if ((rc = cli_admin_key(c, admin_path, &admin)))
		return rc;
	rc = node_roster_revoke(c->node, admin, key, seq, reason, clock_now_ms(), &d);
	admin_key_free(admin);
	if (rc)
		return cli_fail("cannot revoke the key: %s", d.text);
	printf("key %.16s revoked: its events after seq %llu are invalid everywhere\n",
	       argv[optind], seq);
	return EXIT_OK;
}

struct show {
	struct buf out;
	struct json_writer w;
	const struct roster *r;
	int json;
};

static int
show_member(const struct member *m, int revoked, uint64_t last_seq, void *ctx)
{
	struct show *s = ctx;
	char key[65], roles[96];
	uint32_t rank = roster_rank(s->r, m->key);
	hex_encode(m->key, EVENT_KEY_BYTES, key);
	roles_format(m->roles, roles, sizeof(roles));
	if (s->json) {
		json_obj_begin(&s->w);
		json_key(&s->w, "key");
		json_str(&s->w, key);
		json_key(&s->w, "name");
		json_str(&s->w, m->name);
		json_key(&s->w, "unit");
		json_str(&s->w, m->unit);
		json_key(&s->w, "roles");
		json_arr_begin(&s->w);
		for (unsigned bit = 1; bit <= ROLE_ALL; bit <<= 1)
			if (m->roles & bit)
				json_str(&s->w, role_name(bit));
		json_arr_end(&s->w);
		json_key(&s->w, "admin_rank");
		if (rank != ROSTER_NO_RANK)
			json_uint(&s->w, rank);
		else
			json_null(&s->w);
		json_key(&s->w, "addrs");
		json_arr_begin(&s->w);
		for (size_t i = 0; i < m->naddrs; i++)
			json_str(&s->w, m->addrs[i]);
		json_arr_end(&s->w);
		json_key(&s->w, "revoked_after");
		if (revoked)
			json_uint(&s->w, last_seq);
		else
			json_null(&s->w);
		json_obj_end(&s->w);
		return 0;
	}
	buf_printf(&s->out, "%s  %-12s %-12s %-40s %s", key, m->name, m->unit,
		   roles, m->naddrs ? m->addrs[0] : "-");
	if (rank != ROSTER_NO_RANK)
		buf_printf(&s->out, "  admin rank %u", rank);
	if (revoked)
		buf_printf(&s->out, "  REVOKED after seq %llu", (unsigned long long)last_seq);
	buf_add_str(&s->out, "\n");
	return 0;
}

/* The changes that count for nothing, and why. */
static void
show_void(struct show *s)
{
	const struct roster *r = s->r;
	for (size_t i = 0; i < r->n; i++) {
		const struct roster_change *c = &r->ch[i];
		char id[65], author[17];
		if (c->why_void == RV_NONE || c->why_void == RV_ERASURE)
			continue;
		hex_encode(c->id, EVENT_ID_BYTES, id);
		hex_encode(c->author, 8, author);
		if (s->json) {
			json_obj_begin(&s->w);
			json_key(&s->w, "id");
			json_str(&s->w, id);
			json_key(&s->w, "author");
			json_str(&s->w, author);
			json_key(&s->w, "seq");
			json_uint(&s->w, c->seq);
			json_key(&s->w, "why");
			json_str(&s->w, roster_void_str(c->why_void));
			json_obj_end(&s->w);
		} else {
			buf_printf(&s->out, "void change %.16s (%s %s of key %s, its change %llu): %s\n",
				   id, c->setting ? roster_setting_type(c->setting)
					: c->revoke ? "revoke" : "add",
				   c->m.name[0] ? c->m.name : "", author,
				   (unsigned long long)c->seq,
				   roster_void_str(c->why_void));
		}
	}
}

int
cmd_roster_show(struct cli *c, int argc, char **argv)
{
	struct show s = { BUF_INIT, { 0 }, NULL, 0 };
	const struct roster *r = node_roster(c->node);
	char admin[65];
	if (cli_args(c, argc, argv, &s.json, 0, 0, ""))
		return EXIT_USAGE;
	if (!r)
		return cli_fail("cannot read the roster");
	s.r = r;
	hex_encode(r->admin, EVENT_KEY_BYTES, admin);
	json_writer_init(&s.w, &s.out, 0);
	if (s.json) {
		json_obj_begin(&s.w);
		json_key(&s.w, "genesis_admin");
		json_str(&s.w, admin);
		json_key(&s.w, "changes");
		json_uint(&s.w, roster_changes(r));
		json_key(&s.w, "in_force");
		json_uint(&s.w, roster_changes_in_force(r));
		json_key(&s.w, "members");
		json_arr_begin(&s.w);
	} else {
		buf_printf(&s.out, "roster: %llu changes (%llu in force), genesis admin %s\n",
			   (unsigned long long)roster_changes(r),
			   (unsigned long long)roster_changes_in_force(r), admin);
	}
	(void)!roster_walk(r, show_member, &s);
	if (s.json) {
		json_arr_end(&s.w);
		json_key(&s.w, "void");
		json_arr_begin(&s.w);
	}
	show_void(&s);
	if (s.json) {
		json_arr_end(&s.w);
		json_obj_end(&s.w);
	}
	cli_print(&s.out);
	buf_release(&s.out);
	return EXIT_OK;
}

int
cmd_keygen(struct cli *c, int argc, char **argv)
{
	struct diag d;
	char hex[65];
	if (cli_args(c, argc, argv, NULL, 1, 1, "give the new key FILE"))
		return EXIT_USAGE;
	argv += optind - 1;
	struct key *k = key_generate();
	int rc = key_save(k, argv[1], &d);
	if (rc == 0)
		hex_encode(key_public(k), EVENT_KEY_BYTES, hex);
	key_free(k);
	if (rc)
		return cli_fail("%s", d.text);
	printf("%s\n", hex);
	return EXIT_OK;
}

int
cmd_reindex(struct cli *c, int argc, char **argv)
{
	uint64_t cases;
	struct diag d;
	int rc;
	if (cli_args(c, argc, argv, NULL, 0, 0, ""))
		return EXIT_USAGE;
	struct cli_progress bar;
	cli_progress_init(&bar);
	store_set_progress(node_store(c->node), cli_progress_fn, &bar);
	rc = node_refold(c->node, &cases, &d);
	store_set_progress(node_store(c->node), NULL, NULL);
	cli_progress_end(&bar);
	if (rc)
		return cli_fail("cannot fold the cases again: %s", d.text);
	printf("folded %llu cases again\n", (unsigned long long)cases);
	return EXIT_OK;
}

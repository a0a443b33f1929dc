/* testnode.c - the test nodes of testnode.h. */
#include "tests/testnode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "node/actions.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/report.h"
#include "store/store.h"
#include "tests/harness.h"
#include "common/banned.h"

const struct key *
tnode_admin_key(void)
{
	static struct key *admin;
	if (!admin) {
		uint8_t seed[32];
		memset(seed, 0xad, sizeof(seed));
		admin = key_from_seed(seed);
	}
	return admin;
}

static char *admin_dir;
static struct admin_key *admin_wallet;

static void
admin_cleanup(void)
{
	admin_key_free(admin_wallet);
	if (admin_dir) {
		test_tmpdir_remove(admin_dir);
		free(admin_dir);
	}
}

struct admin_key *
tnode_admin(void)
{
	struct diag d;
	if (admin_wallet)
		return admin_wallet;
	admin_dir = test_tmpdir();
	char *path = xasprintf("%s/admin.key", admin_dir);
	if (key_save(tnode_admin_key(), path, &d) ||
	    admin_key_load(path, &admin_wallet, &d)) {
		printf("cannot make the admin key: %s\n", d.text);
		abort();
	}
	free(path);
	atexit(admin_cleanup);
	return admin_wallet;
}

struct tnode *
tnode_new(const char *name, const char *unit, unsigned roles)
{
	struct tnode *t = xcalloc(1, sizeof(*t));
	struct node_init_opts o = { "testnet", name, "310104",
				    key_public(tnode_admin_key()) };
	struct diag d;
	t->dir = test_tmpdir();
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->unit, sizeof(t->unit), "%s", unit);
	t->roles = roles ? roles : ROLE_ALL;
	t->intake = key_generate();
	memcpy(t->intake_pub, key_public(t->intake), 32);
	if (node_init(t->dir, &o, t->pub, &d) ||
	    node_open(t->dir, NODE_WITH_KEY | NODE_NOSYNC, NULL, &t->n, &d)) {
		printf("cannot make node %s: %s\n", name, d.text);
		abort();
	}
	return t;
}

void
tnode_free(struct tnode *t)
{
	if (!t)
		return;
	node_close(t->n);
	key_free(t->intake);
	test_tmpdir_remove(t->dir);
	free(t->dir);
	free(t);
}

int
tnode_introduce(struct tnode **t, int n)
{
	struct tnode *ws = tnode_new("admin-workspace", "admin", ROLE_ALL);
	struct diag d;
	int rc = 0;
	for (int i = 0; i < n && rc == 0; i++) {
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, t[i]->pub, 32);
		snprintf(m.name, sizeof(m.name), "%s", t[i]->name);
		snprintf(m.unit, sizeof(m.unit), "%s", t[i]->unit);
		m.roles = t[i]->roles;
		rc = node_roster_add(ws->n, tnode_admin(), &m,
				     tnode_ms("2026-01-01T00:00:00Z") + (uint64_t)i, &d);
		if (rc)
			break;
		memcpy(m.key, t[i]->intake_pub, 32);
		snprintf(m.name, sizeof(m.name), "%s-intake", t[i]->name);
		m.roles = ROLE_OPERATOR;
		rc = node_roster_add(ws->n, tnode_admin(), &m,
				     tnode_ms("2026-01-01T00:00:00Z") + (uint64_t)i, &d);
	}
	for (int i = 0; i < n && rc == 0; i++)
		rc = tnode_pull(t[i], ws);
	tnode_free(ws);
	return rc;
}

struct pull {
	struct store_batch *b;
	int rc;
};

static int
admit_one(const uint8_t *p, size_t n, void *ctx)
{
	struct pull *pl = ctx;
	struct envelope env;
	struct event ev;
	struct admit_result res;
	size_t used;
	struct diag d;
	if (seal_open(p, n, NULL, &env, &ev, &used, &d))
		return ERR_CORRUPT;
	int rc = store_batch_admit(pl->b, p, n, &env, &ev, &res, &d);
	/* One event refused (a fork's later events, a key no roster here
	 * names yet, ...) is that event's business, as in replication; a
	 * failed batch is not. */
	if (rc && store_batch_is_failed(pl->b))
		pl->rc = rc;
	return 0;
}

int
tnode_pull(struct tnode *dst, struct tnode *src)
{
	struct pull pl = { NULL, 0 };
	struct diag d;
	int rc = store_batch_begin(node_store(dst->n), &pl.b);
	if (rc)
		return rc;
	if ((rc = store_walk_all(node_store(src->n), admit_one, &pl)) ||
	    (rc = pl.rc)) {
		store_batch_abort(pl.b);
		return rc;
	}
	return store_batch_commit(pl.b, &d);
}

int
tnode_act(struct tnode *t, const char *case_id, const char *type,
	  uint64_t now, uint8_t id[32], ...)
{
	struct action_req req;
	struct diag d;
	va_list ap;
	const char *k;
	memset(&req, 0, sizeof(req));
	req.a = workflow_action(type, strlen(type));
	if (!req.a)
		return ERR_INVAL;
	req.case_id = case_id;
	req.now_ms = now;
	mp_map_init(&req.body);
	va_start(ap, id);
	while ((k = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		if (strcmp(k, "found") == 0)
			mp_put_bool(mp_map_add(&req.body, k), strcmp(v, "yes") == 0);
		else
			mp_put_cstr(mp_map_add(&req.body, k), v);
	}
	va_end(ap);
	int rc = case_act(t->n, &req, id, &d);
	if (rc)
		harness_log("%s: %s %s refused: %s\n", t->name, type, case_id,
			    d.text);
	return rc;
}

int
tnode_report(struct tnode *t, const char *source, uint64_t now,
	     char case_id[18])
{
	struct report_req r;
	struct diag d;
	memset(&r, 0, sizeof(r));
	r.kind = "event";
	r.code = "06010";
	r.grid = "310104007001002";
	r.where = "No. 88 Caoxi Road";
	r.desc = "exposed garbage";
	r.source = source;
	r.now_ms = now;
	r.signer = t->intake;
	int rc = report_case(t->n, &r, case_id, NULL, &d);
	if (rc)
		harness_log("%s: report refused: %s\n", t->name, d.text);
	return rc;
}

int
tnode_state(struct tnode *t, const char *case_id, struct case_state *st)
{
	return case_state_get(t->n, case_id, st);
}

int
tnode_digest(struct tnode *t, uint8_t out[32])
{
	return store_digest(node_store(t->n), out);
}

uint64_t
tnode_ms(const char *iso)
{
	uint64_t ms = 0;
	BUG_ON(clock_parse(iso, &ms) != 0);
	return ms;
}

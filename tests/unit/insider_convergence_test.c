/*
 * insider_convergence_test.c - whatever members, admins and clocks do,
 * every node ends with the same roster, case views and digest.
 *
 * Six real nodes (LMDB stores in temporary directories) and, per trial, a
 * seeded random run of: case work on any node; roster changes by two
 * admin keys (one made by the other) on any node, stale or not - adds,
 * revocations with a random last valid seq, a junior's attempt on its
 * senior, self-revocation; a member key signing on a node that has not
 * seen its latest events (a fork); events made with a clock an hour
 * ahead; and partitions that change, with nodes pulling from the nodes of
 * their own part only.  Then the partition heals, the clocks catch up,
 * and every node pulls from every other until nothing changes: all must
 * hold the same digest (events, roster view, case views) and pass verify.
 * The seed is printed on failure (TEST_SEED replays it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define NNODES 6
#define STEPS 60
#define HOUR 3600000ull

struct world {
	struct tnode *t[NNODES];
	int part[NNODES];         /* which side of the partition */
	struct admin_key *admin2; /* made by the genesis admin */
	char *admin2_dir;
	int admin2_added;
	char cases[64][18];
	size_t ncases;
	/* Members the admins add: key files, and their public halves. */
	char *mkey[64];
	uint8_t mpub[64][32];
	size_t nmembers;
	uint64_t now;
	uint64_t rng;
	unsigned refused;         /* local refusals (fine: they write nothing) */
};

static void
set_clock(uint64_t ms)
{
	char text[32];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)ms);
	setenv("GRIDCASE_NOW", text, 1);
}

static unsigned
pick(struct world *w, unsigned n)
{
	return (unsigned)(test_rand(&w->rng) % n);
}

/* dst takes every event src holds (tnode_pull: refusals of single
 * events are part of the game). */
static int
pull(struct tnode *dst, struct tnode *src)
{
	return tnode_pull(dst, src);
}

/* A fresh key file in dir, its public half in pub. */
static char *
new_key_file(const char *dir, const char *name, uint8_t pub[32])
{
	struct diag d;
	char *path = xasprintf("%s/%s.key", dir, name);
	struct key *k = key_generate();
	BUG_ON(key_save(k, path, &d) != 0);
	memcpy(pub, key_public(k), 32);
	key_free(k);
	return path;
}

static void
case_work(struct world *w, int i, uint64_t now)
{
	struct tnode *t = w->t[i];
	if (w->ncases == 0 || pick(w, 4) == 0) {
		char id[18];
		if (w->ncases < 64 && tnode_report(t, "supervisor", now, id) == 0)
			memcpy(w->cases[w->ncases++], id, 18);
		return;
	}
	const char *c = w->cases[pick(w, (unsigned)w->ncases)];
	static const char *const steps[] = { "accept", "register", "dispatch",
					     "dispose", "feedback", "cancel" };
	const char *s = steps[pick(w, 6)];
	int rc;
	if (strcmp(s, "register") == 0)
		rc = tnode_act(t, c, s, now, NULL, "urgency", "normal", NULL);
	else if (strcmp(s, "dispatch") == 0)
		rc = tnode_act(t, c, s, now, NULL, "unit", "office-1", NULL);
	else if (strcmp(s, "dispose") == 0 || strcmp(s, "feedback") == 0)
		rc = tnode_act(t, c, s, now, NULL, "notes", "n", NULL);
	else
		rc = tnode_act(t, c, s, now, NULL, "reason", "r", NULL);
	w->refused += rc != 0;
}

/* A roster change by one of the admin keys, on any node. */
static void
admin_work(struct world *w, int i, uint64_t now)
{
	struct tnode *t = w->t[i];
	struct admin_key *a = w->admin2_added && pick(w, 2) ? w->admin2
							    : tnode_admin();
	struct diag d;
	int rc;
	if (!w->admin2_added) {
		/* The genesis admin makes a second admin key. */
		uint8_t pub[32];
		char *path = new_key_file(w->admin2_dir, "admin2", pub);
		BUG_ON(admin_key_load(path, &w->admin2, &d) != 0);
		free(path);
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, pub, 32);
		snprintf(m.name, sizeof(m.name), "admin2");
		snprintf(m.unit, sizeof(m.unit), "centre");
		m.roles = ROLE_ADMIN;
		rc = node_roster_add(t->n, tnode_admin(), &m, now, &d);
		w->admin2_added = rc == 0;
		w->refused += rc != 0;
		return;
	}
	switch (pick(w, 4)) {
	case 0: { /* a new member, whose key the test keeps */
		struct member m;
		char name[16];
		memset(&m, 0, sizeof(m));
		if (w->nmembers == 64) {
			rc = 0;
			break;
		}
		snprintf(name, sizeof(name), "m%zu", w->nmembers);
		w->mkey[w->nmembers] = new_key_file(w->admin2_dir, name,
						    w->mpub[w->nmembers]);
		memcpy(m.key, w->mpub[w->nmembers], 32);
		w->nmembers++;
		snprintf(m.name, sizeof(m.name), "%s", name);
		snprintf(m.unit, sizeof(m.unit), "office-1");
		m.roles = ROLE_ALL & ~ROLE_ADMIN;
		rc = node_roster_add(t->n, a, &m, now, &d);
		break;
	}
	case 1: { /* revoke a member (now and then a node) after some seq
		   it signed, as far as this node knows */
		const uint8_t *victim;
		if (w->nmembers && pick(w, 8))
			victim = w->mpub[pick(w, (unsigned)w->nmembers)];
		else
			victim = w->t[1 + pick(w, NNODES - 1)]->pub;
		struct summary_entry se;
		uint64_t last = 0;
		if (store_summary_get(node_store(t->n), victim, &se) == 0)
			last = se.seq;
		rc = node_roster_revoke(t->n, a, victim, pick(w, (unsigned)last + 2),
					"test", now, &d);
		break;
	}
	case 2: /* change a node's roles (add again) */ {
		struct tnode *who = w->t[pick(w, NNODES)];
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, who->pub, 32);
		snprintf(m.name, sizeof(m.name), "%s", who->name);
		snprintf(m.unit, sizeof(m.unit), "%s", who->unit);
		m.roles = pick(w, 2) ? ROLE_ALL & ~ROLE_ADMIN : ROLE_DISPOSAL;
		rc = node_roster_add(t->n, a, &m, now, &d);
		break;
	}
	default: { /* the genesis admin revokes admin2 after some seq
		   (on a stale node admin2 may still act: void later), or
		   admin2 tries to revoke its senior (refused) */
		uint8_t gen[32], a2[32];
		struct summary_entry se;
		memcpy(gen, key_public(tnode_admin_key()), 32);
		memcpy(a2, key_public(admin_key_key(w->admin2)), 32);
		if (pick(w, 2)) {
			/* Its last valid seq below its latest here, so that
			 * some of its changes become void. */
			uint64_t last = store_summary_get(node_store(t->n), a2, &se) == 0
					? pick(w, (unsigned)se.seq + 1) : 0;
			rc = node_roster_revoke(t->n, tnode_admin(), a2, last, "lost",
						now, &d);
		} else {
			rc = node_roster_revoke(t->n, w->admin2, gen, 0, "coup", now, &d);
		}
		break;
	}
	}
	w->refused += rc != 0;
}

/*
 * A key signs a note on node j: a member's key (a person at another desk),
 * or node i's key on another node, which may not have seen that key's
 * latest events (a fork, unless j is up to date).
 */
static void
sign_on(struct world *w, int i, int j, uint64_t now)
{
	char *key = w->nmembers && pick(w, 2)
			    ? xstrdup(w->mkey[pick(w, (unsigned)w->nmembers)])
			    : xasprintf("%s/node.key", w->t[i]->dir);
	struct node *n = NULL;
	struct buf body = BUF_INIT;
	struct diag d;
	if (w->ncases && node_open(w->t[j]->dir, NODE_WITH_KEY | NODE_NOSYNC,
				   key, &n, &d) == 0) {
		mp_put_map(&body, 1);
		mp_put_cstr(&body, "n");
		mp_put_uint(&body, pick(w, 1000));
		struct append_req req = { w->cases[pick(w, (unsigned)w->ncases)],
					  "note", body.data, body.len, 0, NULL,
					  now };
		w->refused += store_append(node_store(n), node_key(n), &req,
					   NULL, &d) != 0;
	}
	node_close(n);
	buf_release(&body);
	free(key);
}

/*
 * Once: the genesis admin makes admin3 on node-1 and admin3 adds a
 * member there, while, on node-0 (which has not heard of either), the
 * genesis admin revokes admin3 after its seq 0: admin3's change becomes
 * void, wherever it was made.
 */
static void
revoke_admin3_behind_its_back(struct world *w)
{
	struct admin_key *admin3 = NULL;
	struct member m;
	struct diag d;
	uint8_t a3[32], pub[32];
	set_clock(w->now);
	char *path = new_key_file(w->admin2_dir, "admin3", a3);
	BUG_ON(admin_key_load(path, &admin3, &d) != 0);
	free(path);
	memset(&m, 0, sizeof(m));
	memcpy(m.key, a3, 32);
	snprintf(m.name, sizeof(m.name), "admin3");
	snprintf(m.unit, sizeof(m.unit), "centre");
	m.roles = ROLE_ADMIN;
	if (node_roster_add(w->t[1]->n, tnode_admin(), &m, w->now, &d))
		harness_log("scripted: cannot make admin3: %s\n", d.text);
	memset(&m, 0, sizeof(m));
	path = new_key_file(w->admin2_dir, "m-admin3", pub);
	free(path);
	memcpy(m.key, pub, 32);
	snprintf(m.name, sizeof(m.name), "by-admin3");
	snprintf(m.unit, sizeof(m.unit), "office-1");
	m.roles = ROLE_DISPOSAL;
	if (node_roster_add(w->t[1]->n, admin3, &m, w->now, &d))
		harness_log("scripted: admin3 cannot add: %s\n", d.text);
	if (node_roster_revoke(w->t[0]->n, tnode_admin(), a3, 0,
			       "behind its back", w->now, &d))
		harness_log("scripted: cannot revoke admin3: %s\n", d.text);
	admin_key_free(admin3);
}

static int
trial(struct world *w, uint64_t seed, int scripted)
{
	w->rng = seed;
	for (int s = 0; s < STEPS; s++) {
		if (scripted && s == STEPS / 2)
			revoke_admin3_behind_its_back(w);
		int i = (int)pick(w, NNODES);
		unsigned what = pick(w, 20);
		/* Some events are made with a clock an hour ahead. */
		uint64_t at = w->now + (pick(w, 8) == 0 ? HOUR : 0);
		w->now += 60000 * (1 + pick(w, 30));
		set_clock(at);
		if (what < 8)
			case_work(w, i, at);
		else if (what < 12)
			admin_work(w, i, at);
		else if (what < 15)
			sign_on(w, i, (int)pick(w, NNODES), at);
		else if (what < 16)
			for (int k = 0; k < NNODES; k++)
				w->part[k] = (int)pick(w, 2);
		else {
			/* A pull within the node's side, at the real clock. */
			int j = (int)pick(w, NNODES);
			set_clock(w->now);
			if (i != j && w->part[i] == w->part[j] &&
			    pull(w->t[i], w->t[j]))
				return 0;
		}
	}
	return 1;
}

struct views {
	char (*ids)[80];
	struct buf *states;
	size_t n;
};

static int
collect_view(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct views *v = ctx;
	v->ids = xrealloc(v->ids, (v->n + 1) * sizeof(*v->ids));
	v->states = xrealloc(v->states, (v->n + 1) * sizeof(*v->states));
	snprintf(v->ids[v->n], 80, "%s", case_id);
	buf_init(&v->states[v->n]);
	buf_add(&v->states[v->n], p, n);
	v->n++;
	return 0;
}

static int
take_one(const uint8_t *p, size_t n, void *ctx)
{
	buf_add(ctx, p, n);
	return 1;
}

struct explain_ctx {
	struct world *w;
	int i;
};

static int
print_waiting(const uint8_t *p, size_t n, unsigned why, size_t nmissing,
	      void *ctx)
{
	struct explain_ctx *x = ctx;
	struct envelope env;
	struct event ev;
	size_t used;
	char id[17], author[17];
	if (envelope_read(p, n, &env, &used, NULL) ||
	    event_decode(env.event, env.event_len, &ev, NULL))
		return 0;
	hex_encode(env.id, 8, id);
	hex_encode(ev.author, 8, author);
	printf("    waiting %s by %s seq %llu case %.*s: why %u, %zu deps missing\n",
	       id, author, (unsigned long long)ev.seq, (int)ev.case_len,
	       ev.case_id, why, nmissing);
	if (why & WAIT_PREV) {
		struct summary_entry a, b;
		uint64_t fa = 0, fb = 0;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		(void)!store_summary_get(node_store(x->w->t[0]->n), ev.author, &a);
		(void)!store_summary_get(node_store(x->w->t[x->i]->n), ev.author, &b);
		(void)!store_fork_seq(node_store(x->w->t[0]->n), ev.author, &fa);
		(void)!store_fork_seq(node_store(x->w->t[x->i]->n), ev.author, &fb);
		printf("      author summary: node-0 seq %llu (forked %llu), here seq %llu (forked %llu)\n",
		       (unsigned long long)a.seq, (unsigned long long)fa,
		       (unsigned long long)b.seq, (unsigned long long)fb);
		/* Offer node-0's next event of the author, and say why not. */
		for (uint64_t q = b.seq + 1; q <= a.seq && q <= b.seq + 2; q++) {
			struct buf e = BUF_INIT;
			struct envelope env2;
			struct event ev2;
			struct admit_result res;
			struct diag d;
			struct store_batch *bt;
			uint8_t qid[32];
			(void)qid;
			/* walk the author's feed at node-0 from q */
			struct first { struct buf *b; } f = { &e };
			(void)f;
			if (store_walk_author(node_store(x->w->t[0]->n), ev.author, q,
					      take_one, &e) < 0)
				continue;
			if (e.len && envelope_read(e.data, e.len, &env2, &used, NULL) == 0 &&
			    event_decode(env2.event, env2.event_len, &ev2, NULL) == 0 &&
			    store_batch_begin(node_store(x->w->t[x->i]->n), &bt) == 0) {
				int rc = store_batch_admit(bt, e.data, e.len, &env2, &ev2,
							   &res, &d);
				printf("      node-0's seq %llu offered here: %s %s (status %d wait %u)\n",
				       (unsigned long long)q, err_name(rc), rc ? d.text : "",
				       res.status, res.wait);
				store_batch_abort(bt);
			}
			buf_release(&e);
		}
	}
	return 0;
}

/* What differs between node-0 and node-i, for the log of a failure. */
static void
explain(struct world *w, int i)
{
	struct store_stats a, b;
	struct views va = { 0 }, vb = { 0 };
	(void)!store_stats(node_store(w->t[0]->n), &a);
	(void)!store_stats(node_store(w->t[i]->n), &b);
	printf("  node-0: %llu events, %llu waiting, %llu forked, %llu cases; node-%d: %llu, %llu, %llu, %llu\n",
	       (unsigned long long)a.events, (unsigned long long)a.pending,
	       (unsigned long long)a.forks, (unsigned long long)a.cases, i,
	       (unsigned long long)b.events, (unsigned long long)b.pending,
	       (unsigned long long)b.forks, (unsigned long long)b.cases);
	struct explain_ctx x = { w, i };
	(void)!store_walk_waiting(node_store(w->t[i]->n), print_waiting, &x);
	(void)!store_view_walk(node_store(w->t[0]->n), collect_view, &va);
	(void)!store_view_walk(node_store(w->t[i]->n), collect_view, &vb);
	for (size_t k = 0; k < va.n && k < vb.n; k++)
		if (strcmp(va.ids[k], vb.ids[k]) != 0 ||
		    va.states[k].len != vb.states[k].len ||
		    memcmp(va.states[k].data, vb.states[k].data, va.states[k].len) != 0)
			printf("  case %s / %s differs\n", va.ids[k], vb.ids[k]);
	for (size_t k = 0; k < va.n; k++)
		buf_release(&va.states[k]);
	for (size_t k = 0; k < vb.n; k++)
		buf_release(&vb.states[k]);
	free(va.ids);
	free(va.states);
	free(vb.ids);
	free(vb.states);
}

static void
test_insiders_converge(void)
{
	struct world w;
	const char *env = getenv("TEST_TRIALS");
	int trials = env ? atoi(env) : 8;
	uint64_t seed = test_seed();
	memset(&w, 0, sizeof(w));
	w.now = tnode_ms("2026-03-02T00:00:00Z");
	set_clock(w.now);
	w.admin2_dir = test_tmpdir();
	for (int i = 0; i < NNODES; i++) {
		char name[24];
		snprintf(name, sizeof(name), "node-%d", i);
		w.t[i] = tnode_new(name, i ? "office-1" : "centre",
				   ROLE_ALL & ~ROLE_ADMIN);
	}
	CHECK_OK(tnode_introduce(w.t, NNODES));
	for (int t = 0; t < trials; t++) {
		CHECK(trial(&w, seed + (uint64_t)t, t == 0));
		/* Heal: clocks past every event, every node pulls from every
		 * other until nothing moves (two full rounds always do: a
		 * second offer lets in what the first could not yet keep). */
		w.now += 2 * HOUR;
		set_clock(w.now);
		for (int round = 0; round < 3; round++)
			for (int i = 0; i < NNODES; i++)
				for (int j = 0; j < NNODES; j++)
					if (i != j)
						CHECK_OK(pull(w.t[i], w.t[j]));
		uint8_t d0[32], d[32];
		struct buf r0 = BUF_INIT, r = BUF_INIT;
		CHECK_OK(tnode_digest(w.t[0], d0));
		CHECK_OK(store_view_get(node_store(w.t[0]->n), ROSTER_CASE, &r0));
		for (int i = 1; i < NNODES; i++) {
			CHECK_OK(tnode_digest(w.t[i], d));
			buf_reset(&r);
			CHECK_OK(store_view_get(node_store(w.t[i]->n), ROSTER_CASE, &r));
			if (memcmp(d, d0, 32) != 0 || r.len != r0.len ||
			    memcmp(r.data, r0.data, r.len) != 0) {
				harness_fail(__FILE__, __LINE__,
					     "trial %d (seed %llu): node-%d differs from node-0",
					     t, (unsigned long long)(seed + (uint64_t)t), i);
				explain(&w, i);
				break;
			}
		}
		buf_release(&r0);
		buf_release(&r);
		for (int i = 0; i < NNODES; i++) {
			uint64_t problems = 1;
			CHECK_OK(store_verify(node_store(w.t[i]->n), NULL, NULL, &problems));
			CHECK_EQ_INT(problems, 0);
		}
	}
	/* The runs did the harmful things they are meant to. */
	struct store_stats st;
	CHECK_OK(store_stats(node_store(w.t[0]->n), &st));
	harness_log("%d trials: %llu events, %llu forked authors, %llu cases, %u local refusals\n",
		    trials, (unsigned long long)st.events,
		    (unsigned long long)st.forks, (unsigned long long)st.cases,
		    w.refused);
	CHECK(st.forks > 0);
	const struct roster *ro = node_roster(w.t[0]->n);
	if (ro)
		harness_log("roster: %zu changes, %zu in force\n", roster_changes(ro),
			    roster_changes_in_force(ro));
	CHECK(ro && roster_changes(ro) > roster_changes_in_force(ro));
	admin_key_free(w.admin2);
	for (size_t i = 0; i < w.nmembers; i++)
		free(w.mkey[i]);
	for (int i = 0; i < NNODES; i++)
		tnode_free(w.t[i]);
	test_tmpdir_remove(w.admin2_dir);
	free(w.admin2_dir);
	unsetenv("GRIDCASE_NOW");
}

static const struct test tests[] = {
	{ "members, admins, forks, skewed clocks and partitions: every node converges",
	  test_insiders_converge },
};

TEST_MAIN(tests)

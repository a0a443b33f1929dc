/*
 * convergence_test.c - the CRDT property: random workflows written by
 * several nodes concurrently, delivered to replicas in random orders, with
 * duplicates, and in partial sets that complete later, give byte-equal
 * case states and equal log digests everywhere.
 *
 * TEST_TRIALS sets the number of trials (default 1000); TEST_SEED replays
 * a run.  A failure names the trial and the seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "node/node.h"
#include "node/case/workflow.h"
#include "store/store.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define CENTRE (ROLE_SUPERVISOR | ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER)
#define NWRITERS 4
#define NREPLICAS 3

struct world {
	struct tnode *w[NWRITERS]; /* centre-1, centre-2, office-7, office-9 */
	struct tnode *r[NREPLICAS];
	uint64_t rng;
	uint64_t now;
	char (*cases)[18];
	size_t ncases;
};

/* ---- moving one case's events ---- */

struct envs {
	struct buf *e;
	size_t n;
};

static int
collect_unique(const uint8_t *p, size_t n, void *ctx)
{
	struct envs *v = ctx;
	struct envelope env;
	size_t used;
	if (envelope_read(p, n, &env, &used, NULL))
		return ERR_CORRUPT;
	for (size_t i = 0; i < v->n; i++) {
		struct envelope other;
		BUG_ON(envelope_read(v->e[i].data, v->e[i].len, &other, &used, NULL));
		if (memcmp(other.id, env.id, 32) == 0)
			return 0;
	}
	v->e = realloc(v->e, (v->n + 1) * sizeof(*v->e));
	buf_init(&v->e[v->n]);
	buf_add(&v->e[v->n], p, n);
	v->n++;
	return 0;
}

static void
envs_release(struct envs *v)
{
	for (size_t i = 0; i < v->n; i++)
		buf_release(&v->e[i]);
	free(v->e);
	v->e = NULL;
	v->n = 0;
}

/* Admits envelopes idx[0..n) of v into t, in one batch. */
static int
deliver(struct tnode *t, const struct envs *v, const size_t *idx, size_t n)
{
	struct store_batch *b;
	struct diag d;
	int rc = store_batch_begin(node_store(t->n), &b);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct buf *e = &v->e[idx[i]];
		struct envelope env;
		struct event ev;
		struct admit_result res;
		size_t used;
		if ((rc = seal_open(e->data, e->len, NULL, &env, &ev, &used, &d)) ||
		    (rc = store_batch_admit(b, e->data, e->len, &env, &ev, &res, &d))) {
			harness_log("deliver: %s\n", d.text);
			store_batch_abort(b);
			return rc;
		}
	}
	return store_batch_commit(b, &d);
}

/* dst receives every event of the case that src has. */
static int
pull_case(struct tnode *dst, struct tnode *src, const char *case_id)
{
	struct envs v = { NULL, 0 };
	int rc = store_walk_case(node_store(src->n), case_id, collect_unique, &v);
	if (rc == 0 && v.n) {
		size_t *idx = malloc(v.n * sizeof(*idx));
		for (size_t i = 0; i < v.n; i++)
			idx[i] = i;
		rc = deliver(dst, &v, idx, v.n);
		free(idx);
	}
	envs_release(&v);
	return rc;
}

/* ---- random actions ---- */

static const char *
pick(struct world *w, const char *const *choices, size_t n)
{
	return choices[test_rand(&w->rng) % n];
}

/* One random action by writer k on the case (refusals are fine). */
static void
random_action(struct world *w, int k, const char *case_id)
{
	static const char *const units[] = { "office-7", "office-9" };
	static const char *const exts[] = { "2h", "1d" };
	static const char *const fields[] = { "where", "desc", "urgency" };
	static const char *const words[] = { "north gate", "south gate",
					     "urgent", "normal" };
	struct tnode *t = w->w[k];
	struct case_state st;
	const struct action_def *cand[ACT_COUNT * 8];
	size_t n = 0;

	if (tnode_state(t, case_id, &st))
		return;
	const struct roster *roster = node_roster(t->n);
	const struct member *m = roster_lookup(roster, t->pub, 0);
	for (int a = 1; a < ACT_COUNT; a++) {
		const struct action_def *def = workflow_action_at((enum action)a);
		/* Steps that end a case are rarer than steps that move it
		 * on, so that most workflows reach disposal and closure. */
		int weight = a == ACT_CANCEL || a == ACT_REFUSE ||
			     a == ACT_MERGE ? 1
			   : a == ACT_AMEND || a == ACT_RESOLVE ||
			     a == ACT_CHECK ? 3 : 10;
		if ((def->from & CS_BIT(st.status)) && (def->roles & m->roles))
			for (int copy = 0; copy < weight; copy++)
				cand[n++] = def;
	}
	if (n == 0) {
		state_release(&st);
		return;
	}
	const struct action_def *a = cand[test_rand(&w->rng) % n];
	const char *unit = pick(w, units, 2), *ext = pick(w, exts, 2);
	const char *field = pick(w, fields, 3);
	const char *value = strcmp(field, "urgency") == 0 ? pick(w, words + 2, 2)
							 : pick(w, words, 2);
	const char *into = w->ncases > 1 ? w->cases[test_rand(&w->rng) % (w->ncases - 1)]
					 : NULL;
	const char *cid = NULL;
	for (size_t i = 0; i < st.nconflicts; i++)
		if (!st.conflicts[i].resolved)
			cid = st.conflicts[i].id;
	char conflict[17] = "";
	if (cid)
		memcpy(conflict, cid, sizeof(conflict));
	state_release(&st);
	w->now += 60000 * (1 + test_rand(&w->rng) % 90);

	switch (a->act) {
	case ACT_CHECK:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "found",
				test_rand(&w->rng) % 4 ? "yes" : "no", NULL);
		break;
	case ACT_REGISTER:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "urgency",
				pick(w, words + 2, 2), NULL);
		break;
	case ACT_DISPATCH:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "unit", unit, NULL);
		break;
	case ACT_ASSIGN:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "team", "t1", NULL);
		break;
	case ACT_DISPOSE:
	case ACT_FEEDBACK:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "notes", "n", NULL);
		break;
	case ACT_POSTPONE_REQUEST:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "extend", ext,
				"reason", "r", NULL);
		break;
	case ACT_MERGE:
		if (into)
			(void)tnode_act(t, case_id, a->type, w->now, NULL, "into",
					into, NULL);
		break;
	case ACT_AMEND:
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "field", field,
				"value", value, NULL);
		break;
	case ACT_RESOLVE:
		if (conflict[0])
			(void)tnode_act(t, case_id, a->type, w->now, NULL, "conflict",
					conflict, "unit", unit, NULL);
		break;
	default:
		/* Every other action needs at most a reason. */
		(void)tnode_act(t, case_id, a->type, w->now, NULL, "reason", "r",
				NULL);
		break;
	}
}

/* ---- one trial ---- */

static int
view_of(struct tnode *t, const char *case_id, struct buf *out)
{
	buf_reset(out);
	return store_view_get(node_store(t->n), case_id, out);
}

static void
shuffle(struct world *w, size_t *v, size_t n)
{
	for (size_t i = n; i > 1; i--) {
		size_t j = test_rand(&w->rng) % i;
		size_t t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

static int
trial(struct world *w, int number, uint64_t seed)
{
	char case_id[18];
	struct envs all = { NULL, 0 };
	struct buf want = BUF_INIT, got = BUF_INIT;
	int ok = 0;

	w->rng = seed;
	w->now += 3600000;
	if (tnode_report(w->w[0], "supervisor", w->now, case_id))
		goto out;
	w->cases = realloc(w->cases, (w->ncases + 1) * sizeof(*w->cases));
	memcpy(w->cases[w->ncases++], case_id, 18);
	for (int k = 1; k < NWRITERS; k++)
		if (pull_case(w->w[k], w->w[0], case_id))
			goto out;

	/* Writers act, and now and then one hears from another. */
	int steps = 10 + (int)(test_rand(&w->rng) % 30);
	for (int s = 0; s < steps; s++) {
		int k = (int)(test_rand(&w->rng) % NWRITERS);
		if (test_rand(&w->rng) % 3 == 0) {
			int from = (int)(test_rand(&w->rng) % NWRITERS);
			if (from != k && pull_case(w->w[k], w->w[from], case_id))
				goto out;
		} else {
			random_action(w, k, case_id);
		}
	}

	/* The union of what was written, as a replica would receive it. */
	for (int k = 0; k < NWRITERS; k++)
		if (store_walk_case(node_store(w->w[k]->n), case_id,
				    collect_unique, &all))
			goto out;
	for (int r = 0; r < NREPLICAS; r++) {
		size_t n = 0, *idx = malloc(2 * all.n * sizeof(*idx));
		for (size_t i = 0; i < all.n; i++) {
			idx[n++] = i;
			if (test_rand(&w->rng) % 3 == 0)
				idx[n++] = i; /* a duplicate */
		}
		shuffle(w, idx, n);
		/* A partial set first: some of it waits for gaps. */
		size_t part = n ? test_rand(&w->rng) % n : 0;
		int rc = deliver(w->r[r], &all, idx, part);
		if (rc == 0)
			rc = deliver(w->r[r], &all, idx + part, n - part);
		free(idx);
		if (rc)
			goto out;
	}
	/* The writers heal too. */
	for (int i = 0; i < NWRITERS; i++)
		for (int j = 0; j < NWRITERS; j++)
			if (i != j && pull_case(w->w[i], w->w[j], case_id))
				goto out;

	if (view_of(w->r[0], case_id, &want))
		goto out;
	for (int r = 1; r < NREPLICAS + NWRITERS; r++) {
		struct tnode *t = r < NREPLICAS ? w->r[r] : w->w[r - NREPLICAS];
		if (view_of(t, case_id, &got) || got.len != want.len ||
		    memcmp(got.data, want.data, want.len) != 0) {
			printf("trial %d (seed %llu): case %s differs on %s\n",
			       number, (unsigned long long)seed, case_id, t->name);
			if (getenv("TEST_DUMP")) {
				struct buf js = BUF_INIT;
				struct json_writer jw;
				json_writer_init(&jw, &js, 0);
				(void)!json_put_mp(&jw, want.data, want.len);
				printf("want %s\n", buf_cstr(&js));
				buf_reset(&js);
				json_writer_init(&jw, &js, 0);
				(void)!json_put_mp(&jw, got.data, got.len);
				printf("got  %s\n", buf_cstr(&js));
				buf_release(&js);
			}
			goto out;
		}
	}
	ok = 1;
out:
	envs_release(&all);
	buf_release(&want);
	buf_release(&got);
	return ok;
}

static void
test_random_workflows_converge(void)
{
	struct world w;
	const char *env = getenv("TEST_TRIALS");
	int trials = env ? atoi(env) : 1000;
	uint64_t seed = test_seed();
	uint8_t d0[32], d[32];
	int conflicts = 0, by_status[CS_COUNT] = { 0 };

	memset(&w, 0, sizeof(w));
	w.now = tnode_ms("2026-03-02T00:00:00Z");
	/* The trials' clock runs about two years ahead: the receiving
	 * nodes' clocks read later still, so that no event waits for its
	 * time (docs/format.md §5); that rule has tests of its own. */
	setenv("GRIDCASE_NOW", "2030-01-01T00:00:00Z", 1);
	w.w[0] = tnode_new("centre-1", "centre", CENTRE);
	w.w[1] = tnode_new("centre-2", "centre", CENTRE);
	w.w[2] = tnode_new("office-7", "office-7", ROLE_DISPOSAL);
	w.w[3] = tnode_new("office-9", "office-9", ROLE_DISPOSAL);
	for (int r = 0; r < NREPLICAS; r++) {
		char name[32];
		snprintf(name, sizeof(name), "replica-%d", r);
		w.r[r] = tnode_new(name, "replica", ROLE_SUPERVISOR);
	}
	struct tnode *all[NWRITERS + NREPLICAS];
	memcpy(all, w.w, sizeof(w.w));
	memcpy(all + NWRITERS, w.r, sizeof(w.r));
	CHECK_OK(tnode_introduce(all, NWRITERS + NREPLICAS));

	for (int t = 0; t < trials; t++)
		CHECK(trial(&w, t, seed + (uint64_t)t));

	/* Whole logs, views included, are equal everywhere. */
	CHECK_OK(tnode_digest(w.r[0], d0));
	for (int i = 1; i < NWRITERS + NREPLICAS; i++) {
		CHECK_OK(tnode_digest(all[i], d));
		CHECK_EQ_MEM(d, d0, 32);
	}
	/* The workflows were rich enough to produce conflicts. */
	for (size_t i = 0; i < w.ncases; i++) {
		struct case_state st;
		if (tnode_state(w.r[0], w.cases[i], &st) == 0) {
			conflicts += st.nconflicts > 0;
			by_status[st.status]++;
			for (size_t k = 0; k < st.nconflicts; k++)
				harness_log("conflict-kind %s\n", st.conflicts[k].kind);
			state_release(&st);
		}
	}
	harness_log("%d trials, %d cases with conflicts; final states:", trials,
		    conflicts);
	for (int s = 0; s < CS_COUNT; s++)
		if (by_status[s])
			harness_log(" %s %d", case_status_name((enum case_status)s),
				    by_status[s]);
	harness_log("\n");
	CHECK(trials < 100 || conflicts > trials / 50);
	for (int i = 0; i < NWRITERS + NREPLICAS; i++)
		tnode_free(all[i]);
	free(w.cases);
}

static const struct test tests[] = {
	{ "random concurrent workflows converge in every delivery order",
	  test_random_workflows_converge },
};

TEST_MAIN(tests)

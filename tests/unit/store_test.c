/*
 * store_test.c - the case log in LMDB, through store/store.h, on real
 * LMDB files in temporary directories.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <lmdb.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "node/daemon.h"
#include "node/node.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define NET "testnet"

/* ---- helpers ---- */

static struct store *
fresh_store(const char *dir, size_t map_bytes, size_t pending_max, int flags)
{
	struct store_options opt = { map_bytes, pending_max, flags };
	struct store *s = NULL;
	struct diag d;
	if (store_create(dir, NET, &opt, &d) || store_open(dir, &opt, &s, &d)) {
		printf("cannot make a store in %s: %s\n", dir, d.text);
		return NULL;
	}
	return s;
}

static struct key *
seeded_key(uint8_t n)
{
	uint8_t seed[KEY_SEED_BYTES];
	memset(seed, n, sizeof(seed));
	return key_from_seed(seed);
}

/* A body {"n": i}. */
static void
small_body(struct buf *b, uint64_t i)
{
	buf_reset(b);
	mp_put_map(b, 1);
	mp_put_cstr(b, "n");
	mp_put_uint(b, i);
}

static int
append_note(struct store *s, const struct key *k, const char *case_id,
	    uint64_t i, uint64_t now, uint8_t id[EVENT_ID_BYTES])
{
	struct buf body = BUF_INIT;
	struct diag d;
	small_body(&body, i);
	struct append_req req = { case_id, "note", body.data, body.len, 0,
				  NULL, now };
	int rc = store_append(s, k, &req, id, &d);
	if (rc)
		harness_log("append: %s\n", d.text);
	buf_release(&body);
	return rc;
}

/* A list of envelopes copied out of a store. */
struct envs {
	struct buf *items;
	size_t n;
};

static int
collect(const uint8_t *p, size_t n, void *ctx)
{
	struct envs *e = ctx;
	e->items = realloc(e->items, (e->n + 1) * sizeof(*e->items));
	buf_init(&e->items[e->n]);
	buf_add(&e->items[e->n], p, n);
	e->n++;
	return 0;
}

static void
envs_release(struct envs *e)
{
	for (size_t i = 0; i < e->n; i++)
		buf_release(&e->items[i]);
	free(e->items);
	e->items = NULL;
	e->n = 0;
}

/* Opens and admits one envelope in its own batch. */
static int
admit_one(struct store *s, const struct buf *env_bytes,
	  struct admit_result *res, struct diag *d)
{
	struct envelope env;
	struct event ev;
	struct store_batch *b;
	size_t used;
	int rc = seal_open(env_bytes->data, env_bytes->len, NULL, &env, &ev,
			   &used, d);
	if (rc)
		return rc;
	if ((rc = store_batch_begin(s, &b)))
		return rc;
	if ((rc = store_batch_admit(b, env_bytes->data, env_bytes->len, &env,
				    &ev, res, d))) {
		store_batch_abort(b);
		return rc;
	}
	return store_batch_commit(b, d);
}

/* Logs the first few problems verify names, so that a failure says why. */
static void
log_problem(const char *line, void *ctx)
{
	int *n = ctx;
	if ((*n)++ < 5)
		harness_log("verify: %s\n", line);
}

static uint64_t
verify_problems(struct store *s)
{
	uint64_t problems = 99;
	int logged = 0;
	if (store_verify(s, log_problem, &logged, &problems))
		return 98;
	return problems;
}

/*
 * Builds, signs and returns an envelope with any field values at all,
 * deps included (ids, in any order: they are sorted here).
 */
static void
forge_deps(const struct key *k, uint64_t seq, const uint8_t *prev,
	   const uint8_t (*deps)[EVENT_ID_BYTES], size_t ndeps,
	   uint64_t lamport, uint64_t time_ms, const char *case_id,
	   uint64_t n, const char *network, struct buf *out)
{
	struct event ev;
	struct buf body = BUF_INIT;
	memset(&ev, 0, sizeof(ev));
	for (size_t i = 0; i < ndeps; i++) {
		size_t at = ev.ndeps++;
		/* Insertion sort: deps are strictly ascending. */
		while (at > 0 && memcmp(ev.deps[at - 1], deps[i], EVENT_ID_BYTES) > 0) {
			memcpy(ev.deps[at], ev.deps[at - 1], EVENT_ID_BYTES);
			at--;
		}
		memcpy(ev.deps[at], deps[i], EVENT_ID_BYTES);
	}
	small_body(&body, n);
	ev.version = EVENT_VERSION;
	ev.network = network;
	ev.network_len = strlen(network);
	memcpy(ev.author, key_public(k), EVENT_KEY_BYTES);
	ev.seq = seq;
	if (prev) {
		ev.has_prev = 1;
		memcpy(ev.prev, prev, EVENT_ID_BYTES);
	}
	ev.lamport = lamport;
	ev.time_ms = time_ms;
	ev.case_id = case_id;
	ev.case_len = strlen(case_id);
	ev.type = "note";
	ev.type_len = 4;
	ev.body = body.data;
	ev.body_len = body.len;
	buf_reset(out);
	BUG_ON(seal_event(k, &ev, out, NULL, NULL) != 0);
	buf_release(&body);
}

static void
forge(const struct key *k, uint64_t seq, const uint8_t *prev,
      uint64_t lamport, uint64_t time_ms, const char *case_id, uint64_t n,
      const char *network, struct buf *out)
{
	forge_deps(k, seq, prev, NULL, 0, lamport, time_ms, case_id, n,
		   network, out);
}

static void
id_of(const struct buf *env_bytes, uint8_t id[EVENT_ID_BYTES])
{
	struct envelope env;
	size_t used;
	BUG_ON(envelope_read(env_bytes->data, env_bytes->len, &env, &used, NULL));
	memcpy(id, env.id, EVENT_ID_BYTES);
}

/* ---- tests ---- */

static void
test_create_open(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct diag d;
	CHECK_ERR(store_open(dir, NULL, &s, &d), ERR_NOTFOUND);
	CHECK_ERR(store_create(dir, "bad network!", NULL, &d), ERR_INVAL);
	CHECK_OK(store_create(dir, NET, NULL, &d));
	CHECK_ERR(store_create(dir, NET, NULL, &d), ERR_EXISTS);
	CHECK_OK(store_open(dir, NULL, &s, &d));
	CHECK_EQ_STR(store_network(s), NET);
	struct buf v = BUF_INIT;
	CHECK_ERR(store_meta_get(s, "node", &v), ERR_NOTFOUND);
	CHECK_OK(store_meta_set(s, "node", "office-7", &d));
	CHECK_OK(store_meta_get(s, "node", &v));
	CHECK_EQ_STR(buf_cstr(&v), "office-7");
	buf_release(&v);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
count_commit(void *ctx)
{
	(*(int *)ctx)++;
}

static void
test_commit_hook(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(1);
	struct store_batch *b;
	int commits = 0;
	CHECK(s);
	store_set_commit_hook(s, count_commit, &commits);
	CHECK_OK(append_note(s, k, "20260301-0000000a", 1, 1000, NULL));
	CHECK(commits == 1);
	/* An aborted batch committed nothing: no call. */
	CHECK_OK(store_batch_begin(s, &b));
	store_batch_abort(b);
	CHECK(commits == 1);
	CHECK_OK(append_note(s, k, "20260301-0000000a", 2, 2000, NULL));
	CHECK(commits == 2);
	store_set_commit_hook(s, NULL, NULL);
	CHECK_OK(append_note(s, k, "20260301-0000000a", 3, 3000, NULL));
	CHECK(commits == 2);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

struct chain_check {
	uint64_t next_seq;
	uint8_t prev[EVENT_ID_BYTES];
	uint64_t lamport;
	int bad;
};

static int
check_chain_fn(const uint8_t *p, size_t n, void *ctx)
{
	struct chain_check *c = ctx;
	struct envelope env;
	struct event ev;
	size_t used;
	if (seal_open(p, n, NET, &env, &ev, &used, NULL) || ev.seq != c->next_seq ||
	    (ev.seq > 1 && memcmp(ev.prev, c->prev, EVENT_ID_BYTES) != 0) ||
	    ev.lamport <= c->lamport)
		c->bad = 1;
	c->next_seq++;
	c->lamport = ev.lamport;
	memcpy(c->prev, env.id, EVENT_ID_BYTES);
	return 0;
}

static void
test_append_chains(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(1);
	uint8_t ids[5][EVENT_ID_BYTES];
	CHECK(s);
	for (int i = 0; i < 5; i++)
		CHECK_OK(append_note(s, k, i < 3 ? "case-a" : "case-b", i,
				     1000 + i, ids[i]));
	struct summary_entry e;
	CHECK_OK(store_summary_get(s, key_public(k), &e));
	CHECK_EQ_INT(e.seq, 5);
	CHECK_EQ_MEM(e.id, ids[4], EVENT_ID_BYTES);
	struct chain_check c = { 1, { 0 }, 0, 0 };
	CHECK_OK(store_walk_author(s, key_public(k), 1, check_chain_fn, &c));
	CHECK_EQ_INT(c.next_seq, 6);
	CHECK(!c.bad);

	/* The third event of case-a depends on the second (its only head). */
	struct buf env_bytes = BUF_INIT;
	struct envelope env;
	struct event ev;
	size_t used;
	CHECK_OK(store_event_get(s, ids[2], &env_bytes));
	CHECK_OK(seal_open(env_bytes.data, env_bytes.len, NET, &env, &ev, &used, NULL));
	CHECK_EQ_INT(ev.ndeps, 1);
	CHECK_EQ_MEM(ev.deps[0], ids[1], EVENT_ID_BYTES);
	buf_release(&env_bytes);

	struct store_stats st;
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, 5);
	CHECK_EQ_INT(st.cases, 0); /* views: a store with no fold keeps none */
	CHECK_EQ_INT(st.authors, 1);
	CHECK_EQ_INT(verify_problems(s), 0);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_clock_going_back(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(2);
	uint8_t a[EVENT_ID_BYTES], b[EVENT_ID_BYTES];
	struct buf env_bytes = BUF_INIT;
	struct envelope env;
	struct event ev;
	size_t used;
	CHECK(s);
	CHECK_OK(append_note(s, k, "c", 1, 5000, a));
	/* The author's clock jumps back: the event keeps time moving. */
	CHECK_OK(append_note(s, k, "c", 2, 1000, b));
	CHECK_OK(store_event_get(s, b, &env_bytes));
	CHECK_OK(seal_open(env_bytes.data, env_bytes.len, NET, &env, &ev, &used, NULL));
	CHECK_EQ_INT(ev.time_ms, 5000);
	buf_release(&env_bytes);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Makes n events by 3 authors over 4 cases in a source store. */
static int
make_history(const char *dir, int n, struct envs *out)
{
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k[3] = { seeded_key(10), seeded_key(11), seeded_key(12) };
	char case_id[16];
	int rc = 0;
	if (!s)
		return ERR_IO;
	for (int i = 0; i < n && rc == 0; i++) {
		snprintf(case_id, sizeof(case_id), "case-%d", i % 4);
		rc = append_note(s, k[i % 3], case_id, (uint64_t)i,
				 1000 + (uint64_t)i, NULL);
	}
	if (rc == 0)
		rc = store_walk_all(s, collect, out);
	for (int i = 0; i < 3; i++)
		key_free(k[i]);
	store_close(s);
	return rc;
}

static void
test_foreign_from_a_walk(void)
{
	char *src = test_tmpdir(), *dst = test_tmpdir();
	struct envs e = { 0 };
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	uint8_t d0[32], d1[32], d2[32];
	CHECK_OK(make_history(src, 30, &e));
	struct store *s0 = NULL;
	CHECK_OK(store_open(src, NULL, &s0, &d));
	CHECK_OK(store_digest(s0, d0));
	store_close(s0);
	struct store *s = fresh_store(dst, 0, 0, STORE_NOSYNC);
	CHECK(s);
	/* Authors come in key order, so some events come before events of
	 * other authors that they depend on: those wait, then go in. */
	size_t waited = 0;
	for (size_t i = 0; i < e.n; i++) {
		CHECK_OK(admit_one(s, &e.items[i], &res, &d));
		CHECK(res.status == ADMIT_NEW || res.status == ADMIT_PENDING);
		waited += res.status == ADMIT_PENDING;
	}
	CHECK(waited > 0);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(st.events, e.n);
	CHECK_OK(store_digest(s, d1));
	CHECK_EQ_MEM(d1, d0, 32);
	/* Every one again: duplicates change nothing. */
	for (size_t i = 0; i < e.n; i++) {
		CHECK_OK(admit_one(s, &e.items[i], &res, &d));
		CHECK_EQ_INT(res.status, ADMIT_DUPLICATE);
	}
	CHECK_OK(store_digest(s, d2));
	CHECK_EQ_MEM(d1, d2, 32);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	envs_release(&e);
	test_tmpdir_remove(src);
	test_tmpdir_remove(dst);
	free(src);
	free(dst);
}

static void
test_gap_waits_then_closes(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(3);
	struct buf e1 = BUF_INIT, e2 = BUF_INIT, e3 = BUF_INIT;
	uint8_t i1[32], i2[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	CHECK(s);
	forge(k, 1, NULL, 1, 100, "c", 1, NET, &e1);
	id_of(&e1, i1);
	forge(k, 2, i1, 2, 200, "c", 2, NET, &e2);
	id_of(&e2, i2);
	forge(k, 3, i2, 3, 300, "c", 3, NET, &e3);

	CHECK_OK(admit_one(s, &e3, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_PENDING);
	CHECK_OK(admit_one(s, &e3, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_DUPLICATE);
	CHECK_OK(admit_one(s, &e2, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_PENDING);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 2);
	CHECK_EQ_INT(st.events, 0);

	CHECK_OK(admit_one(s, &e1, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	CHECK_EQ_INT(res.promoted, 2);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(st.events, 3);
	struct summary_entry se;
	CHECK_OK(store_summary_get(s, key_public(k), &se));
	CHECK_EQ_INT(se.seq, 3);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&e1);
	buf_release(&e2);
	buf_release(&e3);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Refused input leaves the store exactly as it was. */
static void
test_refusals_change_nothing(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(4);
	struct buf e1 = BUF_INIT, bad = BUF_INIT;
	uint8_t i1[32], other[32], before[32], after[32];
	struct admit_result res;
	struct diag d;
	CHECK(s);
	/* A first event's lamport is 1: 5 is refused. */
	forge(k, 1, NULL, 5, 1000, "c", 1, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	CHECK(strstr(d.text, "must be 1") != NULL);
	forge(k, 1, NULL, 1, 1000, "c", 1, NET, &e1);
	id_of(&e1, i1);
	CHECK_OK(admit_one(s, &e1, &res, &d));
	CHECK_OK(store_digest(s, before));
	memset(other, 0xab, sizeof(other));

	forge(k, 2, other, 2, 2000, "c", 2, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CHAIN);
	CHECK(strstr(d.text, "prev") != NULL);
	forge(k, 2, i1, 1, 2000, "c", 2, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	CHECK(strstr(d.text, "lamport") != NULL);
	forge(k, 2, i1, 3, 2000, "c", 2, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	forge(k, 2, i1, 2, 999, "c", 2, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	CHECK(strstr(d.text, "time") != NULL);
	forge(k, 2, i1, 2, 2000, "c", 2, "othernet", &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_NETWORK);

	/* A bad signature never reaches the store. */
	forge(k, 2, i1, 2, 2000, "c", 2, NET, &bad);
	bad.data[bad.len - 1] ^= 1;
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_BADSIG);

	struct store_stats st;
	CHECK_OK(store_digest(s, after));
	CHECK_EQ_MEM(before, after, 32);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, 1);
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&e1);
	buf_release(&bad);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

struct fork_seen {
	int count;
	uint64_t seq;
	size_t nids;
};

static int
fork_fn(const struct fork_entry *e, void *ctx)
{
	struct fork_seen *f = ctx;
	f->count++;
	f->seq = e->seq;
	f->nids = e->nids;
	return 0;
}

static void
test_fork_is_recorded(void)
{
	char *d1 = test_tmpdir(), *d2 = test_tmpdir();
	struct store *a = fresh_store(d1, 0, 0, STORE_NOSYNC);
	struct store *b = fresh_store(d2, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(5);
	struct buf e1 = BUF_INIT, x2 = BUF_INIT, y2 = BUF_INIT, x3 = BUF_INIT;
	uint8_t i1[32], ix2[32], da[32], db[32];
	struct admit_result res;
	struct diag d;
	CHECK(a && b);
	forge(k, 1, NULL, 1, 100, "c", 1, NET, &e1);
	id_of(&e1, i1);
	/* Two different events at seq 2: a restored backup, say. */
	forge(k, 2, i1, 2, 200, "c", 2, NET, &x2);
	forge(k, 2, i1, 2, 200, "c", 99, NET, &y2);
	id_of(&x2, ix2);
	forge(k, 3, ix2, 3, 300, "c", 3, NET, &x3);

	CHECK_OK(admit_one(a, &e1, &res, &d));
	CHECK_OK(admit_one(a, &x2, &res, &d));
	CHECK_OK(admit_one(a, &y2, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_FORK);
	CHECK_ERR(admit_one(a, &x3, &res, &d), ERR_FORKED);
	struct fork_seen f = { 0, 0, 0 };
	CHECK_OK(store_walk_forks(a, fork_fn, &f));
	CHECK_EQ_INT(f.count, 1);
	CHECK_EQ_INT(f.seq, 2);
	CHECK_EQ_INT(f.nids, 2);
	CHECK_EQ_INT(verify_problems(a), 0);

	/* The other half of the network saw the versions the other way
	 * round, and the later event while not yet knowing of the fork. */
	CHECK_OK(admit_one(b, &e1, &res, &d));
	CHECK_OK(admit_one(b, &y2, &res, &d));
	CHECK_ERR(admit_one(b, &x3, &res, &d), ERR_CHAIN); /* prev mismatch */
	CHECK_OK(admit_one(b, &x2, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_FORK);
	CHECK_OK(store_digest(a, da));
	CHECK_OK(store_digest(b, db));
	CHECK_EQ_MEM(da, db, 32);
	CHECK_EQ_INT(verify_problems(b), 0);

	buf_release(&e1);
	buf_release(&x2);
	buf_release(&y2);
	buf_release(&x3);
	key_free(k);
	store_close(a);
	store_close(b);
	test_tmpdir_remove(d1);
	test_tmpdir_remove(d2);
	free(d1);
	free(d2);
}

static void
test_pending_limit(void)
{
	char *dir = test_tmpdir();
	/* 16 places in all: an eighth, 2, for one author. */
	struct store *s = fresh_store(dir, 0, 16, STORE_NOSYNC);
	struct key *keys[10];
	struct buf e = BUF_INIT;
	uint8_t fake[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	CHECK(s);
	memset(fake, 7, sizeof(fake));
	for (int i = 0; i < 10; i++)
		keys[i] = seeded_key((uint8_t)(60 + i));
	/* The first author waits for a predecessor that never comes. */
	for (uint64_t seq = 5; seq < 7; seq++) {
		forge(keys[0], seq, fake, seq, seq, "c", seq, NET, &e);
		CHECK_OK(admit_one(s, &e, &res, &d));
		CHECK_EQ_INT(res.status, ADMIT_PENDING);
		CHECK_EQ_INT(res.wait, WAIT_PREV);
	}
	forge(keys[0], 9, fake, 9, 9, "c", 9, NET, &e);
	CHECK_ERR(admit_one(s, &e, &res, &d), ERR_FULL);
	CHECK(strstr(d.text, "author") != NULL);
	/* The others still find room, up to the limit of all. */
	int refused = 0;
	for (int i = 1; i < 10; i++)
		for (uint64_t seq = 5; seq < 7; seq++) {
			forge(keys[i], seq, fake, seq, seq, "c", seq, NET, &e);
			int rc = admit_one(s, &e, &res, &d);
			if (rc == ERR_FULL)
				refused++;
			else
				CHECK_OK(rc);
		}
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 16);
	CHECK_EQ_INT(refused, 4);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&e);
	for (int i = 0; i < 10; i++)
		key_free(keys[i]);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Lamport is exactly one above prev's and every dep's, whatever the
 * order; 2^63-1, which would leave no room after it, is refused. */
static void
test_lamport_rule(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *a = seeded_key(21), *b = seeded_key(22);
	struct buf x = BUF_INIT, y = BUF_INIT, z = BUF_INIT, bad = BUF_INIT;
	uint8_t ix[32], iy[32], deps[2][32];
	struct admit_result res;
	struct diag d;
	CHECK(s);
	/* a: x (lamport 1), y (2); b depends on y: lamport 3. */
	forge(a, 1, NULL, 1, 100, "c", 1, NET, &x);
	id_of(&x, ix);
	forge(a, 2, ix, 2, 200, "c", 2, NET, &y);
	id_of(&y, iy);
	CHECK_OK(admit_one(s, &x, &res, &d));
	CHECK_OK(admit_one(s, &y, &res, &d));
	memcpy(deps[0], ix, 32);
	memcpy(deps[1], iy, 32);
	uint64_t wrong[] = { 1, 2, 4, 0x7fffffffffffffffull };
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		forge_deps(b, 1, NULL, (const uint8_t (*)[32])deps, 2, wrong[i],
			   300, "c", 3, NET, &bad);
		CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
		CHECK(strstr(d.text, "must be 3") != NULL);
	}
	forge_deps(b, 1, NULL, (const uint8_t (*)[32])deps, 2, 3, 300, "c", 3,
		   NET, &z);
	CHECK_OK(admit_one(s, &z, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	/* Time: not before prev's (300) nor a dep's (200). */
	uint8_t iz[32];
	id_of(&z, iz);
	forge_deps(b, 2, iz, (const uint8_t (*)[32])deps + 1, 1, 4, 250, "c",
		   4, NET, &bad);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	CHECK(strstr(d.text, "time 250") != NULL);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&x);
	buf_release(&y);
	buf_release(&z);
	buf_release(&bad);
	key_free(a);
	key_free(b);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* An event waits for what it depends on, names it, and goes in when it
 * comes; its own later events wait behind it. */
static void
test_waits_for_deps(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *a = seeded_key(23), *b = seeded_key(24), *c = seeded_key(25);
	struct buf x = BUF_INIT, y1 = BUF_INIT, y2 = BUF_INIT, bad = BUF_INIT;
	uint8_t ix[32], iy1[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	CHECK(s);
	forge(a, 1, NULL, 1, 100, "c", 1, NET, &x);
	id_of(&x, ix);
	forge_deps(b, 1, NULL, (const uint8_t (*)[32])ix, 1, 2, 150, "c", 2,
		   NET, &y1);
	id_of(&y1, iy1);
	forge(b, 2, iy1, 3, 160, "c", 3, NET, &y2);
	/* A dep's time after its own: it waits like the others, and is
	 * refused once the dep is here. */
	forge_deps(c, 1, NULL, (const uint8_t (*)[32])ix, 1, 2, 99, "c", 9,
		   NET, &bad);

	CHECK_OK(admit_one(s, &y1, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_PENDING);
	CHECK_EQ_INT(res.wait, WAIT_DEPS);
	CHECK_EQ_INT(res.nmissing, 1);
	CHECK_EQ_MEM(res.missing[0], ix, 32);
	CHECK_OK(admit_one(s, &y2, &res, &d));
	CHECK_EQ_INT(res.wait, WAIT_PREV);
	CHECK_OK(admit_one(s, &bad, &res, &d));
	CHECK_EQ_INT(res.wait, WAIT_DEPS);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 3);
	CHECK_OK(admit_one(s, &x, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	CHECK_EQ_INT(res.promoted, 2);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(st.events, 3);
	CHECK_ERR(admit_one(s, &bad, &res, &d), ERR_CLOCK);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&x);
	buf_release(&y1);
	buf_release(&y2);
	buf_release(&bad);
	key_free(a);
	key_free(b);
	key_free(c);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * An event whose time is ahead of this node's clock by more than the
 * skew waits, neither admitted nor refused, and goes in once the clock
 * catches up; a local event that follows it takes its time, so the
 * node's own clock moves at most by the skew.
 */
static void
test_future_waits_for_the_clock(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *a = seeded_key(26), *me = seeded_key(27);
	struct buf x = BUF_INIT, near = BUF_INIT;
	uint8_t ix[32], in[32], mine[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	uint64_t admitted, now = 1800000000000ull; /* 2027-01-15 */
	char text[32];
	CHECK(s);
	store_set_max_skew(s, 60000);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)now);
	setenv("GRIDCASE_NOW", text, 1);
	/* Ten minutes ahead: waits. */
	forge(a, 1, NULL, 1, now + 600000, "c", 1, NET, &x);
	id_of(&x, ix);
	CHECK_OK(admit_one(s, &x, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_PENDING);
	CHECK_EQ_INT(res.wait, WAIT_FUTURE);
	CHECK_OK(store_promote_due(s, &admitted, &d));
	CHECK_EQ_INT(admitted, 0);
	/* Within the skew: admitted at once (another author). */
	forge(me, 1, NULL, 1, now + 59000, "c", 2, NET, &near);
	id_of(&near, in);
	CHECK_OK(admit_one(s, &near, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	/* Nine minutes on, the first is within the skew too. */
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(now + 540000));
	setenv("GRIDCASE_NOW", text, 1);
	CHECK_OK(store_promote_due(s, &admitted, &d));
	CHECK_EQ_INT(admitted, 1);
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.pending, 0);
	CHECK_EQ_INT(st.events, 2);
	/* A local event after it, made with a clock still behind it,
	 * takes the time it depends on, no later. */
	struct buf body = BUF_INIT;
	small_body(&body, 3);
	struct append_req req = { "c", "note", body.data, body.len, 0, NULL, now };
	CHECK_OK(store_append(s, me, &req, mine, &d));
	struct buf env = BUF_INIT;
	struct envelope e;
	struct event ev;
	size_t used;
	CHECK_OK(store_event_get(s, mine, &env));
	CHECK_OK(envelope_read(env.data, env.len, &e, &used, NULL));
	CHECK_OK(event_decode(e.event, e.event_len, &ev, NULL));
	CHECK_EQ_INT(ev.time_ms, now + 600000);
	CHECK_EQ_INT(ev.lamport, 2);
	CHECK_EQ_INT(verify_problems(s), 0);
	unsetenv("GRIDCASE_NOW");
	buf_release(&env);
	buf_release(&body);
	buf_release(&x);
	buf_release(&near);
	key_free(a);
	key_free(me);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

struct fork_versions {
	uint64_t seq;
	size_t nversions, nids;
};

static int
count_fork(const struct fork_entry *e, void *ctx)
{
	struct fork_versions *f = ctx;
	f->seq = e->seq;
	f->nversions = e->nversions;
	f->nids = e->nids;
	return 0;
}

/*
 * Twenty versions of one seq, delivered to two stores in opposite
 * orders: both keep a two-version proof, refuse what follows, and end
 * with the same digest; nothing else stalls.
 */
static void
test_forks_of_any_size(void)
{
	char *d1 = test_tmpdir(), *d2 = test_tmpdir();
	struct store *a = fresh_store(d1, 0, 0, STORE_NOSYNC);
	struct store *b = fresh_store(d2, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(28), *h = seeded_key(29);
	struct buf e1 = BUF_INIT, v[20], after = BUF_INIT, honest = BUF_INIT;
	uint8_t i1[32], iv[32], da[32], db[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	CHECK(a && b);
	forge(k, 1, NULL, 1, 100, "c", 1, NET, &e1);
	id_of(&e1, i1);
	for (int i = 0; i < 20; i++) {
		buf_init(&v[i]);
		forge(k, 2, i1, 2, 200, "c", 100 + (uint64_t)i, NET, &v[i]);
	}
	id_of(&v[0], iv);
	forge(k, 3, iv, 3, 300, "c", 3, NET, &after);
	forge(h, 1, NULL, 1, 50, "c", 4, NET, &honest);
	CHECK_OK(admit_one(a, &e1, &res, &d));
	CHECK_OK(admit_one(b, &e1, &res, &d));
	for (int i = 0; i < 20; i++) {
		CHECK_OK(admit_one(a, &v[i], &res, &d));
		CHECK_OK(admit_one(b, &v[19 - i], &res, &d));
	}
	CHECK_ERR(admit_one(a, &after, &res, &d), ERR_FORKED);
	CHECK_OK(admit_one(a, &honest, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	CHECK_OK(admit_one(b, &honest, &res, &d));
	struct fork_versions fa = { 0, 0, 0 }, fb = { 0, 0, 0 };
	CHECK_OK(store_walk_forks(a, count_fork, &fa));
	CHECK_OK(store_walk_forks(b, count_fork, &fb));
	CHECK_EQ_INT(fa.seq, 2);
	CHECK_EQ_INT(fa.nversions, 2);
	CHECK_EQ_INT(fb.nversions, 2);
	CHECK_EQ_INT(fa.nids, 2);
	CHECK_OK(store_stats(a, &st));
	CHECK_EQ_INT(st.events, 4); /* e1, two versions, honest */
	CHECK_OK(store_digest(a, da));
	CHECK_OK(store_digest(b, db));
	CHECK_EQ_MEM(da, db, 32);
	CHECK_EQ_INT(verify_problems(a), 0);
	CHECK_EQ_INT(verify_problems(b), 0);
	for (int i = 0; i < 20; i++)
		buf_release(&v[i]);
	buf_release(&e1);
	buf_release(&after);
	buf_release(&honest);
	key_free(k);
	key_free(h);
	store_close(a);
	store_close(b);
	test_tmpdir_remove(d1);
	test_tmpdir_remove(d2);
	free(d1);
	free(d2);
}

/*
 * An honest author saw a forked author's events (before anyone knew of
 * the fork) and built on them: a store that knows of the fork keeps
 * those events as evidence, outside any feed, so the honest event is
 * not stuck; the digest still ends the forked author at its fork.
 */
static void
test_evidence_after_a_fork(void)
{
	char *d1 = test_tmpdir(), *d2 = test_tmpdir();
	struct store *a = fresh_store(d1, 0, 0, STORE_NOSYNC);
	struct store *b = fresh_store(d2, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(30), *h = seeded_key(31);
	struct buf e1 = BUF_INIT, x2 = BUF_INIT, y2 = BUF_INIT, x3 = BUF_INIT,
		   hon = BUF_INIT;
	uint8_t i1[32], ix2[32], ix3[32], da[32], db[32];
	struct admit_result res;
	struct store_stats st;
	struct diag d;
	CHECK(a && b);
	forge(k, 1, NULL, 1, 100, "c", 1, NET, &e1);
	id_of(&e1, i1);
	forge(k, 2, i1, 2, 200, "c", 2, NET, &x2);
	forge(k, 2, i1, 2, 200, "c", 22, NET, &y2);
	id_of(&x2, ix2);
	forge(k, 3, ix2, 3, 300, "c", 3, NET, &x3);
	id_of(&x3, ix3);
	forge_deps(h, 1, NULL, (const uint8_t (*)[32])ix3, 1, 4, 400, "c", 4,
		   NET, &hon);
	/* a saw x2, x3 and the honest event, then the fork. */
	CHECK_OK(admit_one(a, &e1, &res, &d));
	CHECK_OK(admit_one(a, &x2, &res, &d));
	CHECK_OK(admit_one(a, &x3, &res, &d));
	CHECK_OK(admit_one(a, &hon, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_NEW);
	CHECK_OK(admit_one(a, &y2, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_FORK);
	/* b knows the fork first, then gets the honest event, then x3. */
	CHECK_OK(admit_one(b, &e1, &res, &d));
	CHECK_OK(admit_one(b, &y2, &res, &d));
	CHECK_OK(admit_one(b, &x2, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_FORK);
	CHECK_OK(admit_one(b, &hon, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_PENDING);
	CHECK_EQ_INT(res.wait, WAIT_DEPS);
	CHECK_OK(admit_one(b, &x3, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_EVIDENCE);
	CHECK_EQ_INT(res.promoted, 1);
	/* Past the forked author's summary, and stored: a duplicate still
	 * (admission looks such an event up; it skips only an unforked
	 * author's). */
	CHECK_OK(admit_one(b, &x3, &res, &d));
	CHECK_EQ_INT(res.status, ADMIT_DUPLICATE);
	CHECK_OK(store_stats(b, &st));
	CHECK_EQ_INT(st.pending, 0);
	CHECK_OK(store_digest(a, da));
	CHECK_OK(store_digest(b, db));
	CHECK_EQ_MEM(da, db, 32);
	CHECK_EQ_INT(verify_problems(a), 0);
	CHECK_EQ_INT(verify_problems(b), 0);
	buf_release(&e1);
	buf_release(&x2);
	buf_release(&y2);
	buf_release(&x3);
	buf_release(&hon);
	key_free(k);
	key_free(h);
	store_close(a);
	store_close(b);
	test_tmpdir_remove(d1);
	test_tmpdir_remove(d2);
	free(d1);
	free(d2);
}

static void
test_map_full(void)
{
	char *dir = test_tmpdir();
	/* A map of 256 KiB fills after a few hundred events. */
	struct store *s = fresh_store(dir, 256 * 1024, 0, STORE_NOSYNC);
	struct key *k = seeded_key(7);
	uint8_t before[32], after[32];
	struct diag d;
	int rc = 0, i;
	CHECK(s);
	for (i = 0; i < 100000 && rc == 0; i++)
		rc = append_note(s, k, "c", (uint64_t)i, (uint64_t)i, NULL);
	CHECK_ERR(rc, ERR_FULL);
	CHECK(i > 10);
	CHECK_OK(store_digest(s, before));
	/* In one batch, the map fills inside the transaction. */
	struct store_batch *b;
	struct buf body = BUF_INIT;
	small_body(&body, 1);
	struct append_req req = { "c", "note", body.data, body.len, 0, NULL, 1 };
	CHECK_OK(store_batch_begin(s, &b));
	for (i = 0; i < 100000; i++)
		if ((rc = store_batch_append(b, k, &req, NULL, &d)))
			break;
	CHECK_ERR(rc, ERR_FULL);
	/* Said as the map, with its size, not as the disk. */
	harness_log("%s\n", d.text);
	CHECK(strstr(d.text, "the store's map is full") != NULL);
	CHECK(strstr(d.text, "map size of 256.0 KiB") != NULL);
	CHECK(strstr(d.text, "the disk is not full") != NULL);
	CHECK(store_batch_is_failed(b));
	CHECK(store_batch_commit(b, &d) != 0);
	CHECK_OK(store_digest(s, after));
	CHECK_EQ_MEM(before, after, 32);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&body);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_find_by_prefix(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(8);
	uint8_t id[32], found[32];
	char hex[65];
	CHECK(s);
	CHECK_OK(append_note(s, k, "c", 1, 1, id));
	hex_encode(id, 32, hex);
	hex[12] = '\0';
	CHECK_OK(store_event_find(s, hex, found));
	CHECK_EQ_MEM(found, id, 32);
	CHECK_ERR(store_event_find(s, "zz", found), ERR_INVAL);
	hex[0] = hex[0] == 'f' ? '0' : 'f';
	CHECK_ERR(store_event_find(s, hex, found), ERR_NOTFOUND);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * Another process writes while this one has the store open: LMDB is
 * multi-process safe, which is what lets the CLI work beside a daemon.
 */
static void
test_two_processes(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, 0);
	struct key *k = seeded_key(9);
	CHECK(s);
	CHECK_OK(append_note(s, k, "c", 1, 1, NULL));
	pid_t pid = fork();
	if (pid == 0) {
		struct store *t;
		struct key *k2 = seeded_key(19);
		int rc = store_open(dir, NULL, &t, NULL);
		if (rc == 0)
			rc = append_note(t, k2, "c", 2, 2, NULL);
		store_close(t);
		key_free(k2);
		_exit(rc ? 1 : 0);
	}
	int status;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	struct store_stats st;
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, 2);
	CHECK_EQ_INT(st.authors, 2);
	CHECK_EQ_INT(verify_problems(s), 0);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * Crash safety: a child appends with durable commits and prints each id
 * once store_append has returned; it is killed with SIGKILL at a random
 * moment.  Every id it acknowledged must be there afterwards.
 */
static void
test_kill9_loses_nothing_acknowledged(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, 0);
	uint64_t rng = test_seed();
	struct buf acked = BUF_INIT;
	CHECK(s);
	store_close(s);
	for (int round = 0; round < 20; round++) {
		int fds[2];
		CHECK(pipe(fds) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(fds[0]);
			struct store *t;
			struct key *k = seeded_key((uint8_t)(40 + round));
			if (store_open(dir, NULL, &t, NULL))
				_exit(2);
			for (uint64_t i = 0;; i++) {
				uint8_t id[32];
				char line[66];
				if (append_note(t, k, "crash", i, i, id))
					_exit(3);
				hex_encode(id, 32, line);
				line[64] = '\n';
				if (write(fds[1], line, 65) != 65)
					_exit(4);
			}
		}
		close(fds[1]);
		/* Read a random number of acknowledgements, then kill at a
		 * random point of the next append. */
		int want = 1 + (int)(test_rand(&rng) % 40);
		char line[65];
		int got = 0;
		while (got < want) {
			ssize_t n = read(fds[0], line, 65);
			if (n != 65)
				break;
			buf_add(&acked, line, 64);
			got++;
		}
		volatile uint64_t spin = test_rand(&rng) % 200000;
		while (spin)
			spin--;
		kill(pid, SIGKILL);
		/* Acknowledgements already in the pipe count too. */
		for (;;) {
			ssize_t n = read(fds[0], line, 65);
			if (n != 65)
				break;
			buf_add(&acked, line, 64);
		}
		close(fds[0]);
		int status;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	}
	CHECK_OK(store_open(dir, NULL, &s, NULL));
	size_t n = acked.len / 64;
	CHECK(n >= 20);
	for (size_t i = 0; i < n; i++) {
		char hex[65];
		uint8_t id[32];
		struct buf e = BUF_INIT;
		memcpy(hex, acked.data + 64 * i, 64);
		hex[64] = '\0';
		CHECK_OK(hex_decode(hex, id, 32));
		int rc = store_event_get(s, id, &e);
		buf_release(&e);
		if (rc)
			printf("acknowledged event %s is missing\n", hex);
		CHECK_OK(rc);
	}
	harness_log("%zu acknowledged events survived 20 kills\n", n);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	buf_release(&acked);
	test_tmpdir_remove(dir);
	free(dir);
}

struct problem_lines {
	struct buf text;
};

static void
problem_fn(const char *line, void *ctx)
{
	struct problem_lines *p = ctx;
	buf_add_str(&p->text, line);
	buf_add_str(&p->text, "\n");
}

/* Flips a byte (XOR mask) in every copy of needle found in the file. */
static int
flip_in_file_mask(const char *path, const uint8_t *needle, size_t n,
		  size_t at, uint8_t mask)
{
	struct buf file = BUF_INIT;
	FILE *f = fopen(path, "r+b");
	int flipped = 0;
	if (!f)
		return 0;
	uint8_t chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&file, chunk, r);
	for (size_t i = 0; i + n <= file.len; i++) {
		if (memcmp(file.data + i, needle, n) == 0) {
			file.data[i + at] ^= mask;
			flipped++;
		}
	}
	rewind(f);
	fwrite(file.data, 1, file.len, f);
	fclose(f);
	buf_release(&file);
	return flipped;
}

static int
flip_in_file(const char *path, const uint8_t *needle, size_t n, size_t at)
{
	return flip_in_file_mask(path, needle, n, at, 0x20);
}

static void
test_corruption_is_named(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, 0);
	struct key *k = seeded_key(20);
	uint8_t ids[10][32];
	char hex[65];
	CHECK(s);
	for (int i = 0; i < 10; i++)
		CHECK_OK(append_note(s, k, "c", (uint64_t)(1000 + i), 1, ids[i]));
	struct buf victim = BUF_INIT;
	CHECK_OK(store_event_get(s, ids[6], &victim));
	store_close(s);

	/* Flip a bit inside the event's body (near the end of its bytes). */
	char *path = malloc(strlen(dir) + 16);
	snprintf(path, strlen(dir) + 16, "%s/data.mdb", dir);
	int flipped = flip_in_file(path, victim.data, victim.len,
				   victim.len - EVENT_SIG_BYTES - 2 - EVENT_ID_BYTES - 5);
	free(path);
	CHECK(flipped > 0);

	struct problem_lines p = { BUF_INIT };
	uint64_t problems = 0;
	CHECK_OK(store_open(dir, NULL, &s, NULL));
	CHECK_OK(store_verify(s, problem_fn, &p, &problems));
	CHECK(problems >= 1);
	hex_encode(ids[6], 32, hex);
	harness_log("%s", buf_cstr(&p.text));
	CHECK(strstr(buf_cstr(&p.text), hex) != NULL);
	for (int i = 0; i < 10; i++) {
		if (i == 6)
			continue;
		hex_encode(ids[i], 32, hex);
		CHECK(strstr(buf_cstr(&p.text), hex) == NULL);
	}
	buf_release(&p.text);
	buf_release(&victim);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * The same events delivered to fresh stores in different orders, with
 * duplicates and with gaps that close later, give the same digest.
 */
static void
test_any_order_same_digest(void)
{
	char *src = test_tmpdir();
	struct envs e = { 0 };
	uint64_t rng = test_seed();
	uint8_t want[32];
	int have_want = 0;
	CHECK_OK(make_history(src, 60, &e));
	for (int trial = 0; trial < 8; trial++) {
		char *dir = test_tmpdir();
		struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
		size_t *order = malloc(2 * e.n * sizeof(*order));
		size_t n = 0;
		struct admit_result res;
		struct diag d;
		CHECK(s);
		/* Every event once, some twice, shuffled (trial 0: as is). */
		for (size_t i = 0; i < e.n; i++) {
			order[n++] = i;
			if (trial && test_rand(&rng) % 4 == 0)
				order[n++] = i;
		}
		for (size_t i = n - 1; trial && i > 0; i--) {
			size_t j = test_rand(&rng) % (i + 1);
			size_t t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (size_t i = 0; i < n; i++)
			CHECK_OK(admit_one(s, &e.items[order[i]], &res, &d));
		free(order);
		struct store_stats st;
		CHECK_OK(store_stats(s, &st));
		CHECK_EQ_INT(st.pending, 0);
		CHECK_EQ_INT(st.events, e.n);
		uint8_t got[32];
		CHECK_OK(store_digest(s, got));
		if (!have_want) {
			memcpy(want, got, 32);
			have_want = 1;
		}
		CHECK_EQ_MEM(got, want, 32);
		CHECK_EQ_INT(verify_problems(s), 0);
		store_close(s);
		test_tmpdir_remove(dir);
		free(dir);
	}
	envs_release(&e);
	test_tmpdir_remove(src);
	free(src);
}

/* Checks every stored envelope as a peer would: id and signature. */
static int
open_each(const uint8_t *p, size_t n, void *ctx)
{
	struct envelope env;
	struct event ev;
	size_t used;
	int *bad = ctx;
	if (seal_open(p, n, NET, &env, &ev, &used, NULL) != 0)
		(*bad)++;
	return 0;
}

/*
 * A large batch signs most of its events on a second thread (signer.h):
 * what it stores must be exactly what signing inline would store, for
 * two keys interleaved; an aborted large batch leaves nothing.
 */
static void
test_large_batch_signatures(void)
{
	enum { N = 1500 };
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k1 = seeded_key(7), *k2 = seeded_key(8);
	struct store_batch *b;
	struct buf body = BUF_INIT;
	struct diag d;
	static uint8_t ids[N][EVENT_ID_BYTES];
	char case_id[32];
	CHECK(s);

	CHECK_OK(store_batch_begin(s, &b));
	for (int i = 0; i < N; i++) {
		small_body(&body, (uint64_t)i);
		snprintf(case_id, sizeof(case_id), "case-%d", i % 37);
		struct append_req req = { case_id, "note", body.data,
					  body.len, 0, NULL, 5000 + (uint64_t)i };
		CHECK_OK(store_batch_append(b, i % 3 ? k1 : k2, &req, ids[i], &d));
	}
	CHECK_OK(store_batch_commit(b, &d));

	int bad = 0;
	CHECK_OK(store_walk_all(s, open_each, &bad));
	CHECK_EQ_INT(bad, 0);
	CHECK_EQ_INT(verify_problems(s), 0);
	/* The last event, signed on the thread, is the one its id names. */
	struct buf env_bytes = BUF_INIT;
	struct envelope env;
	struct event ev;
	size_t used;
	CHECK_OK(store_event_get(s, ids[N - 1], &env_bytes));
	CHECK_OK(seal_open(env_bytes.data, env_bytes.len, NET, &env, &ev, &used, NULL));
	CHECK_EQ_MEM(env.id, ids[N - 1], EVENT_ID_BYTES);
	CHECK_EQ_MEM(ev.author, key_public(k1), EVENT_KEY_BYTES);
	buf_release(&env_bytes);

	/* An aborted large batch: nothing of it stays. */
	uint8_t before[32], after[32];
	CHECK_OK(store_digest(s, before));
	CHECK_OK(store_batch_begin(s, &b));
	for (int i = 0; i < 300; i++) {
		small_body(&body, (uint64_t)i);
		struct append_req req = { "case-x", "note", body.data,
					  body.len, 0, NULL, 90000 + (uint64_t)i };
		CHECK_OK(store_batch_append(b, k1, &req, NULL, &d));
	}
	store_batch_abort(b);
	CHECK_OK(store_digest(s, after));
	CHECK_EQ_MEM(before, after, 32);
	struct store_stats st;
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, N);

	buf_release(&body);
	key_free(k1);
	key_free(k2);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * Blobs named by stored events and not here are wanted, from the same
 * commit on; storing or erasing one drops it.  A ranged read returns
 * exactly the bytes asked for.
 */
static void
test_wanted_blobs(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(9);
	struct buf body = BUF_INIT, part = BUF_INIT;
	struct diag d;
	uint8_t photo[3000], other[10], hp[32], ho[32], want[4][32];
	size_t n = 99;
	CHECK(s);
	for (size_t i = 0; i < sizeof(photo); i++)
		photo[i] = (uint8_t)(i * 7);
	memset(other, 'x', sizeof(other));
	hash_bytes(photo, sizeof(photo), hp);
	hash_bytes(other, sizeof(other), ho);

	/* An event naming both (as a peer's event would), neither here. */
	uint8_t blobs[2][EVENT_ID_BYTES];
	int hp_first = memcmp(hp, ho, 32) < 0;
	memcpy(blobs[0], hp_first ? hp : ho, 32);
	memcpy(blobs[1], hp_first ? ho : hp, 32);
	small_body(&body, 1);
	struct append_req req = { "case-p", "note", body.data, body.len,
				  2, (const uint8_t(*)[EVENT_ID_BYTES])blobs, 1000 };
	CHECK_OK(store_append(s, k, &req, NULL, &d));
	CHECK_OK(store_blob_wanted(s, want, 4, &n));
	CHECK_EQ_INT(n, 2);

	/* Stored: no longer wanted; read back by ranges. */
	uint8_t h[32];
	CHECK_OK(store_blob_put(s, photo, sizeof(photo), h, &d));
	CHECK_OK(store_blob_wanted(s, want, 4, &n));
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_MEM(want[0], ho, 32);
	uint64_t total = 0;
	CHECK_OK(store_blob_read(s, hp, 1000, 1500, &part, &total, &d));
	CHECK_EQ_INT(total, sizeof(photo));
	CHECK_EQ_INT(part.len, 1500);
	CHECK_EQ_MEM(part.data, photo + 1000, 1500);
	buf_reset(&part);
	CHECK_OK(store_blob_read(s, hp, 2900, 1500, &part, &total, &d));
	CHECK_EQ_INT(part.len, 100);
	CHECK_EQ_INT(store_blob_read(s, hp, 3001, 10, &part, &total, &d), ERR_INVAL);
	CHECK_EQ_INT(store_blob_read(s, ho, 0, 10, &part, &total, &d), ERR_NOTFOUND);

	/* Erased: dropped too, and never wanted again. */
	CHECK_OK(store_blob_put(s, other, sizeof(other), h, &d));
	CHECK_OK(store_blob_erase(s, ho, 2000, &d));
	CHECK_OK(store_blob_wanted(s, want, 4, &n));
	CHECK_EQ_INT(n, 0);

	buf_release(&body);
	buf_release(&part);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}


/* Reads a whole file into out; 0 on success. */
static int
read_whole(const char *path, struct buf *out)
{
	uint8_t chunk[65536];
	size_t r;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, r);
	fclose(f);
	return 0;
}

/* Writes the first n bytes of b as the whole file; 0 on success. */
static int
write_prefix(const char *path, const struct buf *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	int ok = fwrite(b->data, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/*
 * LMDB maps data.mdb whole: a file shorter than its last commit's pages
 * used to kill the process with SIGBUS at the first read.  The store
 * reads the meta pages itself and refuses such a file, naming it.
 */
static void
test_truncated_file_is_refused(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(30);
	struct buf whole = BUF_INIT;
	char path[4096];
	struct diag d;
	CHECK(s);
	for (int i = 0; i < 200; i++)
		CHECK_OK(append_note(s, k, "c", (uint64_t)i, (uint64_t)i, NULL));
	store_close(s);
	s = NULL;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	CHECK_OK(read_whole(path, &whole));
	long page = sysconf(_SC_PAGESIZE);
	CHECK(whole.len > (size_t)(8 * page));
	/* Cut among the data pages, a page short, one byte short, in the
	 * first meta page, in the second, and to nothing (LMDB would make a
	 * new store of an empty file). */
	size_t cuts[] = { whole.len / 2, whole.len - (size_t)page,
			  whole.len - 1, 100, (size_t)page + 100, 0 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		CHECK_OK(write_prefix(path, &whole, cuts[i]));
		memset(&d, 0, sizeof(d));
		CHECK_ERR(store_open(dir, NULL, &s, &d), ERR_CORRUPT);
		harness_log("cut at %zu: %s\n", cuts[i], d.text);
		CHECK(strstr(d.text, "truncated") != NULL);
		CHECK(strstr(d.text, path) != NULL);
		CHECK(strstr(d.text, "backup") != NULL);
	}
	/* The whole file again: it opens and verifies. */
	CHECK_OK(write_prefix(path, &whole, whole.len));
	CHECK_OK(store_open(dir, NULL, &s, &d));
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);

	/* Not an LMDB file at all. */
	for (size_t i = 0; i < whole.len; i++)
		whole.data[i] = (uint8_t)(i * 7 + 1);
	CHECK_OK(write_prefix(path, &whole, whole.len));
	CHECK_ERR(store_open(dir, NULL, &s, &d), ERR_CORRUPT);
	CHECK(strstr(d.text, "damaged") != NULL);
	CHECK(strstr(d.text, path) != NULL);
	buf_release(&whole);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}


/* A body {"pad": n bytes of 'x'}: an event that needs pages of its own. */
static void
big_body(struct buf *b, size_t n)
{
	char *pad = malloc(n + 1);
	memset(pad, 'x', n);
	pad[n] = '\0';
	buf_reset(b);
	mp_put_map(b, 1);
	mp_put_cstr(b, "pad");
	mp_put_cstr(b, pad);
	free(pad);
}

/* Fills the file system that holds dir; 0 once a write found no room. */
static int
fill_disk(const char *dir)
{
	char path[4096];
	static uint8_t chunk[65536];
	snprintf(path, sizeof(path), "%s/filler", dir);
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	setvbuf(f, NULL, _IONBF, 0);
	while (fwrite(chunk, 1, sizeof(chunk), f) == sizeof(chunk))
		;
	fclose(f);
	struct statvfs fs;
	return statvfs(dir, &fs) == 0 && fs.f_bavail == 0 ? 0 : -1;
}

/* Prints why and returns 1: the child's way of failing a check. */
#define CHILD_CHECK(cond)                                                  \
	do {                                                               \
		if (!(cond)) {                                             \
			printf("%s:%d: CHECK(%s)\n", __FILE__, __LINE__, #cond); \
			return 1;                                          \
		}                                                          \
	} while (0)

/* The disk-full checks, on a 1 MiB tmpfs at dir; 0 if all hold. */
static int
disk_full_checks(const char *dir)
{
	struct store *s = fresh_store(dir, 0, 0, 0);
	struct key *k = seeded_key(31);
	struct buf body = BUF_INIT;
	uint8_t before[32], after[32], h[32];
	struct diag d;
	char filler[4096];
	CHILD_CHECK(s);
	for (int i = 0; i < 5; i++)
		CHILD_CHECK(append_note(s, k, "c", (uint64_t)i, (uint64_t)i, NULL) == 0);
	CHILD_CHECK(store_digest(s, before) == 0);
	CHILD_CHECK(fill_disk(dir) == 0);

	/* One durable append: refused, with the file and the free space. */
	big_body(&body, 50000);
	struct append_req req = { "c", "note", body.data, body.len, 0, NULL, 9 };
	int rc = store_append(s, k, &req, NULL, &d);
	harness_log("%s\n", d.text);
	CHILD_CHECK(rc == ERR_NOSPACE);
	CHILD_CHECK(strstr(d.text, "disk full") != NULL);
	CHILD_CHECK(strstr(d.text, dir) != NULL);
	CHILD_CHECK(strstr(d.text, "0 B free of 1.0 MiB") != NULL);

	/* A batch of many: it fails whole. */
	struct store_batch *b;
	CHILD_CHECK(store_batch_begin(s, &b) == 0);
	for (int i = 0; i < 30 && rc != ERR_NOSPACE; i++)
		rc = store_batch_append(b, k, &req, NULL, &d);
	if (rc == 0)
		rc = store_batch_commit(b, &d);
	else
		store_batch_abort(b);
	CHILD_CHECK(rc == ERR_NOSPACE);

	/* A blob: refused, no file left behind. */
	CHILD_CHECK(store_blob_put(s, body.data, body.len, h, &d) == ERR_NOSPACE);
	CHILD_CHECK(strstr(d.text, "disk full") != NULL);

	/* Nothing changed, and all of it is sound. */
	CHILD_CHECK(store_digest(s, after) == 0);
	CHILD_CHECK(memcmp(before, after, 32) == 0);
	CHILD_CHECK(verify_problems(s) == 0);

	/* Room again: writes work. */
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	CHILD_CHECK(unlink(filler) == 0);
	CHILD_CHECK(store_append(s, k, &req, NULL, &d) == 0);
	CHILD_CHECK(verify_problems(s) == 0);
	buf_release(&body);
	key_free(k);
	store_close(s);
	return 0;
}

/*
 * A full file system is ERR_NOSPACE (not ERR_IO, not ERR_FULL), says so
 * with the file and the free space, and changes nothing.  The store lives
 * on a 1 MiB tmpfs, mounted in a child process's own mount namespace.
 */
static void
test_disk_full(void)
{
	char *dir = test_tmpdir();
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNS) != 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=1m") != 0) {
			printf("note: cannot mount a small file system (%s: needs "
			       "root), so the disk-full checks are skipped\n",
			       strerror(errno));
			exit(77);
		}
		int rc = disk_full_checks(dir);
		fflush(stdout);
		exit(rc);
	}
	int status = 0;
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	CHECK(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 77);
	test_tmpdir_remove(dir);
	free(dir);
}

/* A fold for the store alone: the state is the count of the case's
 * events and their bytes' total length; one index key, "n". */
struct count_fold {
	uint64_t n, bytes;
};

static int
count_event(const uint8_t *p, size_t n, void *ctx)
{
	struct count_fold *c = ctx;
	(void)p;
	c->n++;
	c->bytes += n;
	return 0;
}

/* Counts the case's events and their bytes, as the batch sees them. */
static int
count_case(struct store_batch *b, const char *case_id, struct count_fold *c,
	   struct diag *d)
{
	int rc = store_batch_walk_case(b, case_id, count_event, c);
	return rc ? diag_set(d, rc, "cannot read case '%s'", case_id) : 0;
}

static int
count_view(void *ctx, struct store_batch *b, const char *case_id,
	   struct buf *state, struct buf *history, struct buf *keys,
	   struct diag *d)
{
	struct count_fold c = { 0, 0 };
	(void)ctx;
	(void)history;
	int rc = count_case(b, case_id, &c, d);
	if (rc)
		return rc;
	mp_put_array(state, 2);
	mp_put_uint(state, c.n);
	mp_put_uint(state, c.bytes);
	buf_add_byte(keys, 1);
	buf_add_byte(keys, 'n');
	return 0;
}

/*
 * A fold whose view is the map {"bytes", "n"}: the events' count n in the
 * row, and once there are two, their length in bytes apart, as history.
 * Its index key is the count; it makes no view for a case "cNNNNN" with
 * NNNNN a multiple of 5 once it has two events (as a node drops the view
 * of a case that became a record).
 */
static int
count_key_view(void *ctx, struct store_batch *b, const char *case_id,
	       struct buf *state, struct buf *history, struct buf *keys,
	       struct diag *d)
{
	struct count_fold c = { 0, 0 };
	(void)ctx;
	int rc = count_case(b, case_id, &c, d);
	if (rc)
		return rc;
	if (c.n == 2 && strtoul(case_id + 1, NULL, 10) % 5 == 0)
		return ERR_NOTFOUND;
	mp_put_map(state, 1);
	mp_put_cstr(state, "n");
	mp_put_uint(state, c.n);
	if (c.n >= 2) {
		mp_put_map(history, 1);
		mp_put_cstr(history, "bytes");
		mp_put_uint(history, c.bytes);
	}
	buf_add_byte(keys, 2);
	buf_add_byte(keys, 'n');
	buf_add_byte(keys, (uint8_t)('0' + c.n));
	return 0;
}

/* A field of a count_key_view() view or row. */
static int
view_field(const struct buf *view, const char *key, uint64_t *v)
{
	struct mp_reader r;
	mp_reader_init(&r, view->data, view->len, NULL);
	return mp_map_get_uint(&r, key, v);
}

/* Rows (or views) seen by a walk, and how many hold the key. */
struct rows_seen {
	const char *key;
	uint64_t rows, with_key;
};

static int
row_seen(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct rows_seen *s = ctx;
	struct mp_reader r, v;
	(void)case_id;
	mp_reader_init(&r, p, n, NULL);
	s->rows++;
	s->with_key += mp_map_find(&r, s->key, &v) == 0;
	return 0;
}

/* The index rows of the key "n" followed by the count n. */
static uint64_t
count_key_rows(struct store *s, char n)
{
	const uint8_t from[2] = { 'n', (uint8_t)n }, to[2] = { 'n', (uint8_t)(n + 1) };
	uint64_t rows = 0;
	if (store_index_count(s, from, 2, to, 2, UINT64_MAX, &rows))
		return UINT64_MAX;
	return rows;
}

/* Appends one event to cases c00000..c(n-1) whose number is a multiple
 * of every, in one batch if b, else one commit each. */
static void
append_to_cases(struct store *s, const struct key *k, int n, int every,
		int one_batch, uint64_t now)
{
	struct store_batch *b = NULL;
	struct buf body = BUF_INIT;
	struct diag d;
	char case_id[16];
	if (one_batch)
		CHECK_OK(store_batch_begin(s, &b));
	for (int i = 0; i < n; i += every) {
		snprintf(case_id, sizeof(case_id), "c%05d", i);
		small_body(&body, (uint64_t)i);
		struct append_req req = { case_id, "note", body.data, body.len,
					  0, NULL, now + (uint64_t)i };
		if (one_batch)
			CHECK_OK(store_batch_append(b, k, &req, NULL, &d));
		else
			CHECK_OK(store_append(s, k, &req, NULL, &d));
	}
	if (one_batch)
		CHECK_OK(store_batch_commit(b, &d));
	buf_release(&body);
}

/*
 * A commit that touches more cases than the fold writes at a time
 * (views first, then index rows, in chunks): every view and index row is
 * what one commit per event makes, old index rows are gone, views a fold
 * drops are gone, and verify finds nothing.
 */
static void
test_folds_in_chunks(void)
{
	enum { CASES = 2600 }; /* more than two chunks of 1,024 */
	char *dir[2] = { test_tmpdir(), test_tmpdir() };
	struct store *s[2];
	struct key *k = seeded_key(41);
	uint8_t digest[2][32];
	for (int one_batch = 0; one_batch < 2; one_batch++) {
		struct store *st = s[one_batch] =
			fresh_store(dir[one_batch], 0, 0, STORE_NOSYNC);
		CHECK(st);
		store_set_fold(st, count_key_view, NULL);
		append_to_cases(st, k, CASES, 1, one_batch, 10000);
		append_to_cases(st, k, CASES, 3, one_batch, 20000);
		CHECK_OK(store_digest(st, digest[one_batch]));
	}
	CHECK_EQ_MEM(digest[0], digest[1], 32);
	struct store *b = s[1];
	CHECK_EQ_INT(verify_problems(b), 0);
	/* 867 cases had a second event; 174 of them (multiples of 15) lost
	 * their views. */
	CHECK_EQ_INT(count_key_rows(b, '1'), CASES - 867);
	CHECK_EQ_INT(count_key_rows(b, '2'), 867 - 174);
	struct buf view = BUF_INIT;
	uint64_t n = 0, bytes = 0;
	CHECK_ERR(store_view_get(b, "c00015", &view), ERR_NOTFOUND);
	/* The last chunk's last case with two events: row and history. */
	CHECK_OK(store_view_get(b, "c02598", &view));
	CHECK(view_field(&view, "n", &n) == 0 && n == 2);
	CHECK(view_field(&view, "bytes", &bytes) == 0 && bytes > 100);
	buf_reset(&view);
	CHECK_OK(store_view_get(b, "c02599", &view));
	CHECK(view_field(&view, "n", &n) == 0 && n == 1);
	CHECK_ERR(view_field(&view, "bytes", &bytes), ERR_NOTFOUND);
	buf_release(&view);
	/* Lists read rows: no history in them. */
	struct rows_seen seen = { "bytes", 0, 0 };
	const uint8_t from[2] = { 'n', '2' }, to[2] = { 'n', '3' };
	CHECK_OK(store_index_walk(b, from, 2, to, 2, row_seen, &seen));
	CHECK_EQ_INT(seen.rows, 867 - 174);
	CHECK_EQ_INT(seen.with_key, 0);
	seen.rows = seen.with_key = 0;
	CHECK_OK(store_row_walk(b, row_seen, &seen));
	CHECK_EQ_INT(seen.rows, CASES - 174);
	CHECK_EQ_INT(seen.with_key, 0);
	seen.rows = seen.with_key = 0;
	CHECK_OK(store_view_walk(b, row_seen, &seen));
	CHECK_EQ_INT(seen.rows, CASES - 174);
	CHECK_EQ_INT(seen.with_key, 867 - 174);
	for (int i = 0; i < 2; i++) {
		store_close(s[i]);
		test_tmpdir_remove(dir[i]);
		free(dir[i]);
	}
	key_free(k);
}

/*
 * Bytes altered on disk: a view is named by verify (it differs from a
 * fresh fold); an event whose bytes no longer hash to its id is named by
 * verify and refused by store_refold_all() with ERR_BADID, changing no
 * view.
 */
static void
test_damage_in_views_and_events(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(32);
	struct buf view = BUF_INIT, victim = BUF_INIT, again = BUF_INIT;
	struct problem_lines p = { BUF_INIT };
	uint8_t ids[3][32];
	uint64_t problems = 0, cases = 0;
	char path[4096], hex[65];
	struct diag d;
	CHECK(s);
	store_set_fold(s, count_view, NULL);
	for (int i = 0; i < 3; i++)
		CHECK_OK(append_note(s, k, "victim", (uint64_t)(7000 + i), 1, ids[i]));
	CHECK_OK(append_note(s, k, "other", 1, 1, NULL));
	CHECK_OK(store_view_get(s, "victim", &view));
	CHECK_OK(store_verify(s, problem_fn, &p, &problems));
	CHECK_EQ_INT(problems, 0);
	CHECK_OK(store_event_get(s, ids[1], &victim));
	store_close(s);
	snprintf(path, sizeof(path), "%s/data.mdb", dir);

	/* The view: [3, total] -> [3 ^ 0x01 = 2, total]. */
	CHECK(view.len > 2 && view.data[1] == 3);
	CHECK(flip_in_file_mask(path, view.data, view.len, 1, 0x01) > 0);
	CHECK_OK(store_open(dir, NULL, &s, &d));
	store_set_fold(s, count_view, NULL);
	CHECK_OK(store_verify(s, problem_fn, &p, &problems));
	harness_log("%s", buf_cstr(&p.text));
	CHECK_EQ_INT(problems, 1);
	CHECK(strstr(buf_cstr(&p.text), "case 'victim': its view differs from a fresh fold") != NULL);
	CHECK_OK(store_refold_all(s, &cases, &d));
	CHECK_EQ_INT(cases, 2);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);

	/* The event: a byte of its body (the note's number). */
	CHECK(flip_in_file_mask(path, victim.data, victim.len,
				victim.len - EVENT_SIG_BYTES - 2 - EVENT_ID_BYTES - 5,
				0x20) > 0);
	CHECK_OK(store_open(dir, NULL, &s, &d));
	store_set_fold(s, count_view, NULL);
	buf_reset(&view);
	CHECK_OK(store_view_get(s, "victim", &view));
	buf_reset(&p.text);
	CHECK_OK(store_verify(s, problem_fn, &p, &problems));
	harness_log("%s", buf_cstr(&p.text));
	hex_encode(ids[1], 32, hex);
	CHECK(strstr(buf_cstr(&p.text), "id does not match the event bytes") != NULL);
	CHECK(strstr(buf_cstr(&p.text), hex) != NULL);
	CHECK(strstr(buf_cstr(&p.text), "case 'victim': event ") != NULL);
	memset(&d, 0, sizeof(d));
	CHECK_ERR(store_refold_all(s, &cases, &d), ERR_BADID);
	harness_log("%s\n", d.text);
	CHECK(strstr(d.text, hex) != NULL);
	CHECK(strstr(d.text, "'victim'") != NULL);
	buf_reset(&again);
	CHECK_OK(store_view_get(s, "victim", &again));
	CHECK_EQ_INT(again.len, view.len);
	CHECK_EQ_MEM(again.data, view.data, view.len);
	buf_release(&view);
	buf_release(&again);
	buf_release(&victim);
	buf_release(&p.text);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * A case with more heads than an event may name: the event still names
 * every roster head (admission judges its author by them) and fills the
 * rest with case heads.
 */
static void
test_roster_heads_never_crowded_out(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *adm = seeded_key(40), *me = seeded_key(41);
	struct buf env = BUF_INIT;
	uint8_t rid[EVENT_ID_BYTES], id[EVENT_ID_BYTES];
	struct admit_result res;
	struct diag d;
	CHECK(s);
	store_set_global_case(s, "roster");
	forge(adm, 1, NULL, 1, 100, "roster", 1, NET, &env);
	id_of(&env, rid);
	CHECK_OK(admit_one(s, &env, &res, &d));
	/* 40 authors each start "case-x" on the roster alone: 40 heads. */
	for (uint8_t i = 0; i < 40; i++) {
		struct key *k = seeded_key((uint8_t)(100 + i));
		forge_deps(k, 1, NULL, (const uint8_t (*)[32])rid, 1, 2, 200,
			   "case-x", i, NET, &env);
		CHECK_OK(admit_one(s, &env, &res, &d));
		key_free(k);
	}
	uint8_t heads[64][EVENT_ID_BYTES];
	size_t nheads;
	CHECK_OK(store_case_heads(s, "case-x", heads, 64, &nheads));
	CHECK_EQ_INT(nheads, 40);
	CHECK_OK(append_note(s, me, "case-x", 1, 300, id));
	struct envelope e;
	struct event ev;
	size_t used;
	buf_reset(&env);
	CHECK_OK(store_event_get(s, id, &env));
	CHECK_OK(seal_open(env.data, env.len, NET, &e, &ev, &used, NULL));
	CHECK_EQ_INT(ev.ndeps, EVENT_MAX_DEPS);
	int has_roster = 0;
	for (size_t i = 0; i < ev.ndeps; i++)
		has_roster |= memcmp(ev.deps[i], rid, EVENT_ID_BYTES) == 0;
	CHECK(has_roster);
	CHECK_EQ_INT(verify_problems(s), 0);
	buf_release(&env);
	key_free(adm);
	key_free(me);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* A transaction on the store's LMDB file itself, outside the store's API
 * (flags: 0 or MDB_RDONLY); on success the caller closes env. */
static int
raw_begin(const char *dir, unsigned flags, MDB_env **env, MDB_txn **txn)
{
	int rc = mdb_env_create(env);
	if (rc)
		return rc;
	if ((rc = mdb_env_set_maxdbs(*env, 32)) ||
	    (rc = mdb_env_open(*env, dir, MDB_NOTLS | flags, 0600)) ||
	    (rc = mdb_txn_begin(*env, NULL, flags, txn)))
		mdb_env_close(*env);
	return rc;
}

/* Ends raw_begin's transaction: committed if rc is 0, else aborted. */
static int
raw_end(MDB_env *env, MDB_txn *txn, int rc)
{
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

/*
 * Rewrites the rows of dbi, each with the value keep(old value) gives
 * (its length, over the same bytes): the keys are copied out first, since
 * LMDB's cursor is not to be moved by puts under it.
 */
static int
rewrite_values(MDB_txn *txn, MDB_dbi dbi, size_t (*keep)(const MDB_val *))
{
	struct buf keys = BUF_INIT;
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &c);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t len = (uint8_t)k.mv_size;
		buf_add(&keys, &len, 1);
		buf_add(&keys, k.mv_data, k.mv_size);
	}
	mdb_cursor_close(c);
	for (size_t i = 0; rc == MDB_NOTFOUND && i < keys.len;
	     i += 1 + keys.data[i]) {
		MDB_val row = { keys.data[i], keys.data + i + 1 }, old;
		if ((rc = mdb_get(txn, dbi, &row, &old)))
			break;
		uint8_t copy[64];
		size_t n = keep(&old);
		memcpy(copy, old.mv_data, n);
		if ((rc = mdb_put(txn, dbi, &row, &(MDB_val){ n, copy }, 0)))
			break;
		rc = MDB_NOTFOUND;
	}
	buf_release(&keys);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static size_t
id_alone(const MDB_val *v)
{
	return v->mv_size < EVENT_ID_BYTES ? v->mv_size : EVENT_ID_BYTES;
}

static size_t
nothing(const MDB_val *v)
{
	(void)v;
	return 0;
}

/*
 * Rewrites a store of this schema as schema 6 kept it (docs/store.md,
 * "Upgrades"): each view whole in `views` (its row and history merged),
 * no `vhist`, "schema" = "6".
 */
static int
downgrade_to_schema6(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, views, vhist;
	MDB_cursor *c;
	MDB_val k = { 6, (char[]){ "schema" } }, v = { 1, (char[]){ "6" } };
	MDB_val hk, hv, row;
	struct buf whole = BUF_INIT;
	int rc = raw_begin(dir, 0, &env, &txn);
	if (rc)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) ||
	    (rc = mdb_dbi_open(txn, "views", 0, &views)) ||
	    (rc = mdb_dbi_open(txn, "vhist", 0, &vhist)) ||
	    (rc = mdb_cursor_open(txn, vhist, &c)))
		return raw_end(env, txn, rc);
	for (rc = mdb_cursor_get(c, &hk, &hv, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &hk, &hv, MDB_NEXT)) {
		buf_reset(&whole);
		if ((rc = mdb_get(txn, views, &hk, &row)))
			break;
		if (mp_map_merge(row.mv_data, row.mv_size, hv.mv_data,
				 hv.mv_size, &whole)) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((rc = mdb_put(txn, views, &hk,
				  &(MDB_val){ whole.len, whole.data }, 0)))
			break;
	}
	mdb_cursor_close(c);
	buf_release(&whole);
	if (rc == MDB_NOTFOUND && (rc = mdb_drop(txn, vhist, 1)) == 0)
		rc = mdb_put(txn, meta, &k, &v, 0);
	return raw_end(env, txn, rc);
}

/*
 * Rewrites a store of this schema as schema 5 kept it (docs/store.md,
 * "Upgrades"): schema 6's, with `feed` rows with the id alone, "schema" =
 * "5".
 */
static int
downgrade_to_schema5(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, feed;
	MDB_val k = { 6, (char[]){ "schema" } }, v = { 1, (char[]){ "5" } };
	int rc = downgrade_to_schema6(dir);
	if (rc || (rc = raw_begin(dir, 0, &env, &txn)))
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) == 0 &&
	    (rc = mdb_dbi_open(txn, "feed", 0, &feed)) == 0 &&
	    (rc = mdb_put(txn, meta, &k, &v, 0)) == 0)
		rc = rewrite_values(txn, feed, id_alone);
	return raw_end(env, txn, rc);
}

/*
 * Rewrites a store of this schema as schema 4 kept it (docs/store.md,
 * "Upgrades"): every id in `ids`, no `newids` nor `midids`, `bycase`
 * rows with empty values, "schema" = "4".
 */
static int
downgrade_to_schema4(const char *dir)
{
	static const char *const upper[2] = { "newids", "midids" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, ids, level, bycase;
	MDB_cursor *c;
	MDB_val k = { 6, (char[]){ "schema" } }, v = { 1, (char[]){ "4" } }, at;
	int rc = downgrade_to_schema5(dir);
	if (rc || (rc = raw_begin(dir, 0, &env, &txn)))
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) ||
	    (rc = mdb_dbi_open(txn, "ids", 0, &ids)) ||
	    (rc = mdb_put(txn, meta, &k, &v, 0)))
		goto out;
	for (int i = 0; i < 2; i++) {
		if ((rc = mdb_dbi_open(txn, upper[i], 0, &level)) ||
		    (rc = mdb_cursor_open(txn, level, &c)))
			goto out;
		for (rc = mdb_cursor_get(c, &k, &at, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &at, MDB_NEXT))
			if ((rc = mdb_put(txn, ids, &k, &at, MDB_NOOVERWRITE)))
				break;
		mdb_cursor_close(c);
		if (rc != MDB_NOTFOUND || (rc = mdb_drop(txn, level, 1)))
			goto out;
	}
	/* Case rows without their arrival numbers. */
	if ((rc = mdb_dbi_open(txn, "bycase", 0, &bycase)) == 0)
		rc = rewrite_values(txn, bycase, nothing);
out:
	return raw_end(env, txn, rc);
}

/*
 * Rewrites a store of this schema as schema 3 kept it (docs/store.md,
 * "Upgrades"): each envelope under its id in `events`, `cited` rows, no
 * `log` or `ids`, "schema" = "3".  The bytes of a store an older gridcase wrote.
 */
static int
downgrade_to_schema3(const char *dir)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta, log, ids, events, cited;
	MDB_cursor *c;
	MDB_val k, v, at, e;
	int rc = downgrade_to_schema4(dir);
	if (rc || (rc = raw_begin(dir, 0, &env, &txn)))
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) ||
	    (rc = mdb_dbi_open(txn, "log", 0, &log)) ||
	    (rc = mdb_dbi_open(txn, "ids", 0, &ids)) ||
	    (rc = mdb_dbi_open(txn, "events", MDB_CREATE, &events)) ||
	    (rc = mdb_dbi_open(txn, "cited", MDB_CREATE, &cited)) ||
	    (rc = mdb_cursor_open(txn, ids, &c)))
		goto out;
	for (rc = mdb_cursor_get(c, &k, &at, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &at, MDB_NEXT))
		if ((rc = mdb_get(txn, log, &at, &e)) ||
		    (rc = mdb_put(txn, events, &k, &e, 0)) ||
		    (rc = mdb_put(txn, cited, &k, &(MDB_val){ 0, NULL }, 0)))
			break;
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		goto out;
	k.mv_size = 6;
	k.mv_data = (char[]){ "schema" };
	v.mv_size = 1;
	v.mv_data = (char[]){ "3" };
	if ((rc = mdb_drop(txn, log, 1)) || (rc = mdb_drop(txn, ids, 1)) ||
	    (rc = mdb_put(txn, meta, &k, &v, 0)))
		goto out;
out:
	return raw_end(env, txn, rc);
}

/* The arrival numbers of `log`, in order, and the ids of their events;
 * *cited set if the store has a database `cited`. */
static int
read_log(const char *dir, uint64_t *nums, uint8_t (*ids)[EVENT_ID_BYTES],
	 size_t cap, size_t *n, int *cited)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi log;
	MDB_cursor *c;
	MDB_val k, v;
	*n = 0;
	int rc = raw_begin(dir, MDB_RDONLY, &env, &txn);
	if (rc)
		return rc;
	MDB_dbi other;
	*cited = mdb_dbi_open(txn, "cited", 0, &other) == 0;
	if ((rc = mdb_dbi_open(txn, "log", 0, &log)) == 0 &&
	    (rc = mdb_cursor_open(txn, log, &c)) == 0) {
		for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
		     rc == 0 && *n < cap;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
			struct envelope env_;
			size_t used;
			uint64_t num = 0;
			for (size_t i = 0; i < k.mv_size; i++)
				num = num << 8 | ((uint8_t *)k.mv_data)[i];
			nums[*n] = k.mv_size == 8 ? num : 0;
			if (envelope_read(v.mv_data, v.mv_size, &env_, &used,
					  NULL) == 0)
				memcpy(ids[*n], env_.id, EVENT_ID_BYTES);
			(*n)++;
		}
		mdb_cursor_close(c);
		if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

/* A store of an older schema opened read-only: refused, saying how it
 * can be upgraded. */
static void
check_read_only_refused(const char *dir, const char *schema)
{
	struct store_options ro = { 0, 0, STORE_RDONLY };
	struct store *s = NULL;
	struct diag d;
	char want[64];
	snprintf(want, sizeof(want), "schema %s: open it once writable", schema);
	CHECK_ERR(store_open(dir, &ro, &s, &d), ERR_VERSION);
	CHECK(strstr(d.text, want) != NULL);
}

#define UPGRADE_EVENTS 30

static void
test_schema3_is_upgraded(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, 0);
	struct key *k1 = seeded_key(1), *k2 = seeded_key(2);
	uint8_t ids[UPGRADE_EVENTS + 1][EVENT_ID_BYTES];
	struct buf before[UPGRADE_EVENTS];
	uint64_t nums[UPGRADE_EVENTS + 8];
	uint8_t logged[UPGRADE_EVENTS + 8][EVENT_ID_BYTES];
	struct store_stats st;
	struct diag d;
	size_t n;
	int cited = 1;
	CHECK(s != NULL);
	if (!s)
		return;
	for (int i = 0; i < UPGRADE_EVENTS; i++) {
		char case_id[16];
		snprintf(case_id, sizeof(case_id), "case-%d", i % 3);
		CHECK_OK(append_note(s, i % 2 ? k2 : k1, case_id, i,
				     1767225600000ULL + i, ids[i]));
		buf_init(&before[i]);
		CHECK_OK(store_event_get(s, ids[i], &before[i]));
	}
	/* This schema numbers events in the order they were stored. */
	store_close(s);
	CHECK_OK(read_log(dir, nums, logged, UPGRADE_EVENTS + 8, &n, &cited));
	CHECK_EQ_INT(cited, 0);
	CHECK_EQ_INT(n, UPGRADE_EVENTS);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_INT(nums[i], i + 1);
		CHECK_EQ_MEM(logged[i], ids[i], EVENT_ID_BYTES);
	}

	CHECK_OK(downgrade_to_schema3(dir));
	/* Read-only, it cannot be upgraded, and says how it can. */
	check_read_only_refused(dir, "3");
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, UPGRADE_EVENTS);
	for (int i = 0; i < UPGRADE_EVENTS; i++) {
		struct buf got = BUF_INIT;
		CHECK_OK(store_event_get(s, ids[i], &got));
		CHECK_EQ_INT(got.len, before[i].len);
		CHECK(got.len == before[i].len &&
		      memcmp(got.data, before[i].data, got.len) == 0);
		buf_release(&got);
		buf_release(&before[i]);
	}
	CHECK_EQ_INT(verify_problems(s), 0);
	/* A new event goes after the upgraded ones. */
	CHECK_OK(append_note(s, k1, "case-0", 99, 1767225600000ULL + 99,
			     ids[UPGRADE_EVENTS]));
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	CHECK_OK(read_log(dir, nums, logged, UPGRADE_EVENTS + 8, &n, &cited));
	CHECK_EQ_INT(cited, 0);
	CHECK_EQ_INT(n, UPGRADE_EVENTS + 1);
	/* The upgraded ones in id order (their arrival was not kept). */
	qsort(ids, UPGRADE_EVENTS, EVENT_ID_BYTES, id_cmp);
	for (size_t i = 0; i < n; i++) {
		CHECK_EQ_INT(nums[i], i + 1);
		CHECK_EQ_MEM(logged[i], ids[i], EVENT_ID_BYTES);
	}
	/* Opened again: nothing to upgrade, nothing moves. */
	CHECK_OK(store_open(dir, NULL, &s, &d));
	CHECK_OK(store_stats(s, &st));
	CHECK_EQ_INT(st.events, UPGRADE_EVENTS + 1);
	store_close(s);
	key_free(k1);
	key_free(k2);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Rows of the id index's levels (newids, midids, ids), read with LMDB
 * itself; a level a schema-4 store lacks counts 0. */
static int
count_id_rows(const char *dir, uint64_t rows[3])
{
	static const char *const names[3] = { "newids", "midids", "ids" };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_stat st;
	int rc = raw_begin(dir, MDB_RDONLY, &env, &txn);
	if (rc)
		return rc;
	for (int i = 0; i < 3 && rc == 0; i++) {
		rows[i] = 0;
		if ((rc = mdb_dbi_open(txn, names[i], 0, &dbi)) == 0 &&
		    (rc = mdb_stat(txn, dbi, &st)) == 0)
			rows[i] = st.ms_entries;
		if (rc == MDB_NOTFOUND && i < 2) /* schema 4 */
			rc = 0;
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return rc;
}

/* Appends n notes by k in one batch, their ids into ids[]. */
static int
append_batch(struct store *s, const struct key *k, uint64_t first, size_t n,
	     uint8_t (*ids)[EVENT_ID_BYTES])
{
	struct store_batch *b;
	struct buf body = BUF_INIT;
	struct diag d;
	int rc = store_batch_begin(s, &b);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		char case_id[24];
		snprintf(case_id, sizeof(case_id), "case-%llu",
			 (unsigned long long)((first + i) % 97));
		small_body(&body, first + i);
		struct append_req req = { case_id, "note", body.data, body.len,
					  0, NULL, 1767225600000ULL + first + i };
		rc = store_batch_append(b, k, &req, ids[i], &d);
	}
	if (rc)
		store_batch_abort(b);
	else
		rc = store_batch_commit(b, &d);
	if (rc)
		harness_log("append_batch: %s\n", d.text);
	buf_release(&body);
	return rc;
}

/* A fresh store in dir with `batches` batches of 500 notes by k, closed. */
static int
fresh_in_batches(const char *dir, const struct key *k, int batches,
		 uint8_t (*ids)[EVENT_ID_BYTES])
{
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	int rc = s ? 0 : ERR_IO;
	for (int i = 0; i < batches && rc == 0; i++)
		rc = append_batch(s, k, (uint64_t)i * 500, 500, ids + i * 500);
	if (s)
		store_close(s);
	return rc;
}

static void
note_problem(const char *line, void *ctx)
{
	struct buf *all = ctx;
	buf_add(all, line, strlen(line));
	buf_add(all, "\n", 1);
}

/*
 * Opens the store in dir, verifies it and closes it: 1 if verify named
 * exactly one problem and said `want` in it.
 */
static int
verify_names_one(const char *dir, const char *want)
{
	struct store *s = NULL;
	struct buf said = BUF_INIT;
	uint64_t problems = 0;
	struct diag d;
	if (store_open(dir, NULL, &s, &d) ||
	    store_verify(s, note_problem, &said, &problems)) {
		if (s)
			store_close(s);
		return 0;
	}
	store_close(s);
	buf_add(&said, "", 1);
	int ok = problems == 1 && strstr((char *)said.data, want) != NULL;
	if (!ok)
		harness_log("verify said (%llu problems): %s\n",
			    (unsigned long long)problems, (char *)said.data);
	buf_release(&said);
	return ok;
}

#define LEVELS_EVENTS 10000

/* A level keeps its share (or its least), and is settled 64 rows over. */
static int
level_ok(uint64_t rows, uint64_t total, uint64_t share, uint64_t least)
{
	uint64_t keep = total / share > least ? total / share : least;
	return rows <= keep + 64;
}

/*
 * The id index in three levels (docs/store.md): `newids` keeps a
 * sixty-fourth of the index (at least 128 rows), `midids` an eighth (at
 * least 1,024), `ids` the rest; every id is found, by lookup, by prefix
 * and as a duplicate, wherever it is; an id in two levels is named by
 * verify.
 */
static void
test_id_index_levels(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct key *k = seeded_key(7);
	uint8_t(*ids)[EVENT_ID_BYTES] = calloc(LEVELS_EVENTS, EVENT_ID_BYTES);
	uint64_t rows[3] = { 0, 0, 0 };
	struct diag d;
	/* 2,000 events: each upper level at its least. */
	CHECK_OK(fresh_in_batches(dir, k, 4, ids));
	CHECK_OK(count_id_rows(dir, rows));
	CHECK_EQ_INT(rows[0], 128);
	CHECK_EQ_INT(rows[1], 1024);
	CHECK_EQ_INT(rows[2], 2000 - 1024 - 128);
	/* Then their shares: 10,000 events, 156 and 1,250 kept. */
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	for (int i = 4; i < LEVELS_EVENTS / 500; i++)
		CHECK_OK(append_batch(s, k, (uint64_t)i * 500, 500, ids + i * 500));
	store_close(s);
	CHECK_OK(count_id_rows(dir, rows));
	CHECK_EQ_INT(rows[0], LEVELS_EVENTS / 64);
	CHECK_EQ_INT(rows[1], LEVELS_EVENTS / 8);
	CHECK_EQ_INT(rows[0] + rows[1] + rows[2], LEVELS_EVENTS);
	/* Events one at a time: newids grows to 64 rows over its share,
	 * then is settled; no level ever passes that. */
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	int over = 0, settled = 0;
	uint64_t before = rows[0];
	for (int i = 0; i < 100; i++) {
		uint8_t one[EVENT_ID_BYTES];
		CHECK_OK(append_note(s, k, "case-1", LEVELS_EVENTS + i,
				     1767225600000ULL + LEVELS_EVENTS + i, one));
		store_close(s);
		CHECK_OK(count_id_rows(dir, rows));
		uint64_t total = rows[0] + rows[1] + rows[2];
		CHECK_EQ_INT(total, LEVELS_EVENTS + i + 1);
		over += !level_ok(rows[0], total, 64, 128) ||
			!level_ok(rows[1], total, 8, 1024);
		settled += rows[0] < before;
		before = rows[0];
		CHECK_OK(store_open(dir, NULL, &s, &d));
		if (!s)
			return;
	}
	CHECK_EQ_INT(over, 0);
	CHECK_EQ_INT(settled, 1);
	store_close(s);

	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	int unreadable = 0, unfound = 0;
	for (int i = 0; i < LEVELS_EVENTS; i++) {
		struct buf env = BUF_INIT;
		uint8_t found[EVENT_ID_BYTES];
		char hex[2 * EVENT_ID_BYTES + 1];
		unreadable += store_event_get(s, ids[i], &env) != 0;
		hex_encode(ids[i], EVENT_ID_BYTES, hex);
		hex[16] = '\0';
		unfound += store_event_find(s, hex, found) != 0 ||
			   memcmp(found, ids[i], EVENT_ID_BYTES) != 0;
		/* Admitted again: a duplicate, wherever its id is. */
		if (i % 1000 == 0) {
			struct admit_result res;
			CHECK_OK(admit_one(s, &env, &res, &d));
			CHECK_EQ_INT(res.status, ADMIT_DUPLICATE);
		}
		buf_release(&env);
	}
	CHECK_EQ_INT(unreadable, 0);
	CHECK_EQ_INT(unfound, 0);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);

	/* An id of `ids` copied into `newids`: verify counts a row too many. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi tids, tnew;
	MDB_cursor *c;
	MDB_val key, at;
	CHECK_OK(raw_begin(dir, 0, &env, &txn));
	CHECK_OK(mdb_dbi_open(txn, "ids", 0, &tids));
	CHECK_OK(mdb_dbi_open(txn, "newids", 0, &tnew));
	CHECK_OK(mdb_cursor_open(txn, tids, &c));
	CHECK_OK(mdb_cursor_get(c, &key, &at, MDB_FIRST));
	CHECK_OK(mdb_put(txn, tnew, &key, &at, 0));
	mdb_cursor_close(c);
	CHECK_OK(raw_end(env, txn, 0));
	char want[96];
	snprintf(want, sizeof(want), "(newids, midids, ids): %d rows for %d events",
		 LEVELS_EVENTS + 101, LEVELS_EVENTS + 100);
	CHECK(verify_names_one(dir, want));
	free(ids);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Keeps the id of the last envelope a walk emits. */
static int
last_id(const uint8_t *p, size_t n, void *ctx)
{
	struct envelope e;
	size_t used;
	if (envelope_read(p, n, &e, &used, NULL))
		return ERR_CORRUPT;
	memcpy(ctx, e.id, EVENT_ID_BYTES);
	return 0;
}

/* The id of the last event store_walk_author emits for k, from seq 1. */
static int
last_fed(const char *dir, const struct key *k, uint8_t id[EVENT_ID_BYTES])
{
	struct store *s = NULL;
	struct diag d;
	int rc = store_open(dir, NULL, &s, &d);
	if (rc == 0)
		rc = store_walk_author(s, key_public(k), 1, last_id, id);
	if (s)
		store_close(s);
	return rc;
}

/*
 * A schema-4 store (every id in `ids`, no `newids` nor `midids`) is
 * upgraded in place: read-only it is refused and says how; writable, it
 * gets the two empty levels and keeps every event.
 */
static void
test_schema4_is_upgraded(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct key *k = seeded_key(8);
	uint8_t ids[1501][EVENT_ID_BYTES];
	uint64_t rows[3] = { 0, 0, 0 };
	struct diag d;
	CHECK_OK(fresh_in_batches(dir, k, 3, ids));
	CHECK_OK(downgrade_to_schema4(dir));
	CHECK_OK(count_id_rows(dir, rows));
	CHECK_EQ_INT(rows[2], 1500);
	check_read_only_refused(dir, "4");
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	CHECK_OK(count_id_rows(dir, rows));
	CHECK_EQ_INT(rows[0], 0);
	CHECK_EQ_INT(rows[1], 0);
	CHECK_EQ_INT(rows[2], 1500);
	/* The next event goes to `newids`, and every event is read. */
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	CHECK_OK(append_note(s, k, "case-2", 1500, 1767225600000ULL + 1500,
			     ids[1500]));
	int unreadable = 0;
	for (int i = 0; i <= 1500; i++) {
		struct buf env = BUF_INIT;
		unreadable += store_event_get(s, ids[i], &env) != 0;
		buf_release(&env);
	}
	CHECK_EQ_INT(unreadable, 0);
	/* Its case: 16 rows from before (found by id), 1 new (by arrival). */
	struct count_fold in_case = { 0 };
	CHECK_OK(store_walk_case(s, "case-2", count_event, &in_case));
	CHECK_EQ_INT(in_case.n, 17);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	CHECK_OK(count_id_rows(dir, rows));
	CHECK_EQ_INT(rows[0], 1);
	CHECK_EQ_INT(rows[2], 1500);

	/* A case row naming another log row than the id index: named. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi bycase;
	MDB_cursor *c;
	MDB_val key, val;
	uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	int moved = 0;
	CHECK_OK(raw_begin(dir, 0, &env, &txn));
	CHECK_OK(mdb_dbi_open(txn, "bycase", 0, &bycase));
	CHECK_OK(mdb_cursor_open(txn, bycase, &c));
	for (int rc = mdb_cursor_get(c, &key, &val, MDB_FIRST); rc == 0 && !moved;
	     rc = mdb_cursor_get(c, &key, &val, MDB_NEXT))
		if (val.mv_size == 8) {
			CHECK_OK(mdb_cursor_put(c, &key, &(MDB_val){ 8, one }, MDB_CURRENT));
			moved = 1;
		}
	mdb_cursor_close(c);
	CHECK_OK(raw_end(env, txn, 0));
	CHECK_EQ_INT(moved, 1);
	CHECK(verify_names_one(dir, "names log row 1, the id index row 1501"));
	/* The case is still read with its own event, not row 1's. */
	uint8_t last[EVENT_ID_BYTES] = { 0 };
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (s) {
		CHECK_OK(store_walk_case(s, "case-2", last_id, last));
		store_close(s);
	}
	CHECK(memcmp(last, ids[1500], EVENT_ID_BYTES) == 0);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/* The schema the meta table of the store in dir names ("" if none). */
static void
raw_schema(const char *dir, char out[8])
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	MDB_val k = { 6, (char[]){ "schema" } }, v;
	out[0] = '\0';
	if (raw_begin(dir, MDB_RDONLY, &env, &txn))
		return;
	if (mdb_dbi_open(txn, "meta", 0, &meta) == 0 &&
	    mdb_get(txn, meta, &k, &v) == 0 && v.mv_size < 8) {
		memcpy(out, v.mv_data, v.mv_size);
		out[v.mv_size] = '\0';
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

/* A `feed` row as docs/store.md gives it: author || seq -> id || arrival. */
#define FEED_KEY_BYTES (EVENT_KEY_BYTES + 8)
#define FEED_VAL_BYTES (EVENT_ID_BYTES + 8)

/* How many `feed` rows of the store in dir have a value of n bytes. */
static uint64_t
feed_rows_of(const char *dir, size_t n)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi feed;
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t count = 0;
	if (raw_begin(dir, MDB_RDONLY, &env, &txn))
		return 0;
	if (mdb_dbi_open(txn, "feed", 0, &feed) == 0 &&
	    mdb_cursor_open(txn, feed, &c) == 0) {
		for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
		     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
			count += v.mv_size == n;
		mdb_cursor_close(c);
	}
	mdb_txn_abort(txn);
	mdb_env_close(env);
	return count;
}

/*
 * A `heads` row whose clocks are not its event's (a failing disk's): a
 * local append would take a wrong lamport from it, so verify names it.
 */
static void
test_heads_clocks_are_verified(void)
{
	char *dir = test_tmpdir();
	struct key *k = seeded_key(10);
	uint8_t ids[500][EVENT_ID_BYTES];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi heads;
	MDB_cursor *c;
	MDB_val key, val;
	uint8_t row[16];
	struct store *s = NULL;
	struct diag d;
	CHECK_OK(fresh_in_batches(dir, k, 1, ids));
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (s) {
		CHECK_EQ_INT(verify_problems(s), 0);
		store_close(s);
	}
	CHECK_OK(raw_begin(dir, 0, &env, &txn));
	CHECK_OK(mdb_dbi_open(txn, "heads", 0, &heads));
	CHECK_OK(mdb_cursor_open(txn, heads, &c));
	CHECK_OK(mdb_cursor_get(c, &key, &val, MDB_FIRST));
	CHECK_EQ_INT(val.mv_size, sizeof(row));
	memcpy(row, val.mv_data, sizeof(row));
	row[7]++; /* lamport, big-endian */
	CHECK_OK(mdb_cursor_put(c, &key, &(MDB_val){ sizeof(row), row }, MDB_CURRENT));
	mdb_cursor_close(c);
	CHECK_OK(raw_end(env, txn, 0));
	CHECK(verify_names_one(dir, "the event has"));
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * A schema-5 store (`feed` rows with the id alone) is upgraded in place:
 * its rows are read through the id index, rows written from then on
 * carry their arrival number, and a feed walk (what a peer is served)
 * reads both; verify checks the number against the id index.
 */
static void
test_schema5_is_upgraded(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct key *k = seeded_key(9);
	uint8_t ids[1001][EVENT_ID_BYTES];
	struct diag d;
	CHECK_OK(fresh_in_batches(dir, k, 2, ids));
	CHECK_EQ_INT(feed_rows_of(dir, FEED_VAL_BYTES), 1000);
	CHECK_OK(downgrade_to_schema5(dir));
	CHECK_EQ_INT(feed_rows_of(dir, EVENT_ID_BYTES), 1000);
	check_read_only_refused(dir, "5");
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	CHECK_OK(append_note(s, k, "case-3", 1000, 1767225600000ULL + 1000,
			     ids[1000]));
	struct count_fold fed = { 0 };
	CHECK_OK(store_walk_author(s, key_public(k), 1, count_event, &fed));
	CHECK_EQ_INT(fed.n, 1001);
	struct count_fold all = { 0 };
	CHECK_OK(store_walk_all(s, count_event, &all));
	CHECK_EQ_INT(all.n, 1001);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	char schema[8];
	raw_schema(dir, schema);
	CHECK_EQ_STR(schema, "7");
	CHECK_EQ_INT(feed_rows_of(dir, EVENT_ID_BYTES), 1000);
	CHECK_EQ_INT(feed_rows_of(dir, FEED_VAL_BYTES), 1);

	/* The new row naming another log row than the id index: named. */
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi feed;
	MDB_val key = { FEED_KEY_BYTES, (uint8_t[FEED_KEY_BYTES]){ 0 } }, val;
	uint8_t row[FEED_VAL_BYTES] = { 0 };
	memcpy(key.mv_data, key_public(k), EVENT_KEY_BYTES);
	((uint8_t *)key.mv_data)[FEED_KEY_BYTES - 1] = 1001 & 0xff;
	((uint8_t *)key.mv_data)[FEED_KEY_BYTES - 2] = 1001 >> 8;
	memcpy(row, ids[1000], EVENT_ID_BYTES);
	row[FEED_VAL_BYTES - 1] = 1;
	CHECK_OK(raw_begin(dir, 0, &env, &txn));
	CHECK_OK(mdb_dbi_open(txn, "feed", 0, &feed));
	CHECK_OK(mdb_get(txn, feed, &key, &val));
	CHECK_EQ_INT(val.mv_size, FEED_VAL_BYTES);
	CHECK_OK(mdb_put(txn, feed, &key, &(MDB_val){ sizeof(row), row }, 0));
	CHECK_OK(raw_end(env, txn, 0));
	CHECK(verify_names_one(dir, "names log row 1, the id index row 1001"));
	/* A peer is still served that event, not the one in row 1. */
	uint8_t served[EVENT_ID_BYTES] = { 0 };
	CHECK_OK(last_fed(dir, k, served));
	CHECK(memcmp(served, ids[1000], EVENT_ID_BYTES) == 0);
	/* Or a row past the log's end. */
	row[FEED_VAL_BYTES - 2] = 0x27;
	row[FEED_VAL_BYTES - 1] = 0x0f;
	CHECK_OK(raw_begin(dir, 0, &env, &txn));
	CHECK_OK(mdb_dbi_open(txn, "feed", 0, &feed));
	CHECK_OK(mdb_put(txn, feed, &key, &(MDB_val){ sizeof(row), row }, 0));
	CHECK_OK(raw_end(env, txn, 0));
	CHECK(verify_names_one(dir, "names log row 9999, the id index row 1001"));
	memset(served, 0, sizeof(served));
	CHECK_OK(last_fed(dir, k, served));
	CHECK(memcmp(served, ids[1000], EVENT_ID_BYTES) == 0);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/*
 * A daemon serves a schema-4 store (its lock is held: an older gridcase's
 * `gridcase run`): a node opened beside it leaves the store as it is and
 * says what to do; opened once the daemon is gone, it upgrades it.
 */
static void
test_no_upgrade_under_a_daemon(void)
{
	struct tnode *t = tnode_new("office-1", "office-1", ROLE_DISPOSAL);
	struct node *n = NULL;
	struct diag d;
	char schema[8];
	node_close(t->n);
	t->n = NULL;
	CHECK_OK(downgrade_to_schema4(t->dir));
	char *lock = xasprintf("%s/%s", t->dir, DAEMON_LOCK_FILE);
	int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(lock);
	CHECK(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0);
	CHECK_ERR(node_open(t->dir, 0, NULL, &n, &d), ERR_BUSY);
	CHECK(strstr(d.text, "has schema 4") != NULL);
	CHECK(strstr(d.text, "a 'gridcase run' serves it; stop that daemon") != NULL);
	raw_schema(t->dir, schema);
	CHECK_EQ_STR(schema, "4");
	if (fd >= 0)
		close(fd);
	CHECK_OK(node_open(t->dir, 0, NULL, &n, &d));
	raw_schema(t->dir, schema);
	CHECK_EQ_STR(schema, "7");
	t->n = n;
	tnode_free(t);
}

/*
 * A schema-6 store (each view whole, no `vhist`) is upgraded in place:
 * its views read as they were and give the same digest; they differ from
 * a fresh fold (which puts the history apart) until folded again, which
 * verify says, and a refold writes rows and histories with the digest
 * unchanged.
 */
static void
test_schema6_is_upgraded(void)
{
	enum { CASES = 60 };
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(43);
	struct buf before = BUF_INIT, after = BUF_INIT;
	uint8_t d0[32], d1[32];
	uint64_t problems = 0, cases = 0, n = 0;
	struct diag d;
	CHECK(s);
	if (!s)
		return;
	store_set_fold(s, count_key_view, NULL);
	append_to_cases(s, k, CASES, 1, 1, 10000);
	append_to_cases(s, k, CASES, 2, 1, 20000);
	CHECK_OK(store_digest(s, d0));
	CHECK_OK(store_view_get(s, "c00002", &before));
	store_close(s);
	CHECK_OK(downgrade_to_schema6(dir));
	check_read_only_refused(dir, "6");
	s = NULL;
	CHECK_OK(store_open(dir, NULL, &s, &d));
	if (!s)
		return;
	store_set_fold(s, count_key_view, NULL);
	char schema[8];
	raw_schema(dir, schema);
	CHECK_EQ_STR(schema, "7");
	CHECK_OK(store_view_get(s, "c00002", &after));
	CHECK_EQ_INT(after.len, before.len);
	CHECK_EQ_MEM(after.data, before.data, before.len);
	CHECK_OK(store_digest(s, d1));
	CHECK_EQ_MEM(d0, d1, 32);
	/* Whole views where rows are due: one problem per case with a
	 * history (24 of them: even, and not a multiple of 10). */
	CHECK_OK(store_verify(s, NULL, NULL, &problems));
	CHECK_EQ_INT(problems, 2 * 24);
	CHECK_OK(store_refold_all(s, &cases, &d));
	CHECK_EQ_INT(verify_problems(s), 0);
	CHECK_OK(store_digest(s, d1));
	CHECK_EQ_MEM(d0, d1, 32);
	buf_reset(&after);
	CHECK_OK(store_view_get(s, "c00002", &after));
	CHECK_EQ_MEM(after.data, before.data, before.len);
	CHECK(view_field(&after, "n", &n) == 0 && n == 2);
	buf_release(&before);
	buf_release(&after);
	key_free(k);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

/* verify_names_one(), for a store of count_key_view() views. */
static int
verify_with_counts_names_one(const char *dir, const char *want)
{
	struct store *s = NULL;
	struct buf said = BUF_INIT;
	uint64_t problems = 0;
	struct diag d;
	int ok = store_open(dir, NULL, &s, &d) == 0;
	if (ok) {
		store_set_fold(s, count_key_view, NULL);
		ok = store_verify(s, note_problem, &said, &problems) == 0;
		store_close(s);
	}
	buf_add(&said, "", 1);
	ok = ok && problems == 1 && strstr((char *)said.data, want) != NULL;
	if (!ok)
		harness_log("verify said (%llu problems): %s\n",
			    (unsigned long long)problems, (char *)said.data);
	buf_release(&said);
	return ok;
}

/*
 * A case's history altered on disk, or one where none is due, or one of
 * a case without events, is named by verify; one that does not merge with
 * its row is not read as a view.
 */
static void
test_damaged_history_is_named(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, STORE_NOSYNC);
	struct key *k = seeded_key(44);
	struct buf view = BUF_INIT, h = BUF_INIT;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi vhist;
	struct diag d;
	CHECK(s);
	if (!s)
		return;
	store_set_fold(s, count_key_view, NULL);
	/* c00001..3 have two events and histories, c00004..5 one and none;
	 * c00000 (a multiple of 5, two events) has no view. */
	append_to_cases(s, k, 6, 1, 1, 10000);
	append_to_cases(s, k, 4, 1, 1, 20000);
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);

	struct {
		const char *case_id, *key;
		uint64_t value;
		const char *named;
	} bad[] = {
		{ "c00001", "bytes", 7, "case 'c00001': its history differs" },
		{ "c00001", "n", 2, NULL }, /* a key of the row: no merge */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		buf_reset(&h);
		mp_put_map(&h, 1);
		mp_put_cstr(&h, bad[i].key);
		mp_put_uint(&h, bad[i].value);
		CHECK_OK(raw_begin(dir, 0, &env, &txn));
		CHECK_OK(mdb_dbi_open(txn, "vhist", 0, &vhist));
		CHECK_OK(mdb_put(txn, vhist,
				 &(MDB_val){ 6, (void *)bad[i].case_id },
				 &(MDB_val){ h.len, h.data }, 0));
		CHECK_OK(raw_end(env, txn, 0));
		if (bad[i].named) {
			CHECK(verify_with_counts_names_one(dir, bad[i].named));
			continue;
		}
		CHECK_OK(store_open(dir, NULL, &s, &d));
		buf_reset(&view);
		CHECK_ERR(store_view_get(s, "c00001", &view), ERR_CORRUPT);
		uint8_t digest[32];
		CHECK_ERR(store_digest(s, digest), ERR_CORRUPT);
		store_close(s);
	}
	/* A history where none is due, one of a case with no view, and one
	 * of a case with no events. */
	CHECK_OK(store_open(dir, NULL, &s, &d));
	store_set_fold(s, count_key_view, NULL);
	uint64_t cases;
	CHECK_OK(store_refold_all(s, &cases, &d));
	CHECK_EQ_INT(verify_problems(s), 0);
	store_close(s);
	const char *stray[] = { "c00005", "c00000", "nobody" };
	const char *named[] = {
		"case 'c00005': its history differs",
		"case 'c00000': has a view, but none of its events counts",
		"view of case 'nobody': the case has no events",
	};
	for (int i = 0; i < 3; i++) {
		CHECK_OK(raw_begin(dir, 0, &env, &txn));
		CHECK_OK(mdb_dbi_open(txn, "vhist", 0, &vhist));
		CHECK_OK(mdb_put(txn, vhist,
				 &(MDB_val){ strlen(stray[i]), (void *)stray[i] },
				 &(MDB_val){ h.len, h.data }, 0));
		CHECK_OK(raw_end(env, txn, 0));
		CHECK(verify_with_counts_names_one(dir, named[i]));
		CHECK_OK(raw_begin(dir, 0, &env, &txn));
		CHECK_OK(mdb_dbi_open(txn, "vhist", 0, &vhist));
		CHECK_OK(mdb_del(txn, vhist,
				 &(MDB_val){ strlen(stray[i]), (void *)stray[i] },
				 NULL));
		CHECK_OK(raw_end(env, txn, 0));
	}
	buf_release(&view);
	buf_release(&h);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/* Sets a meta row, as an older gridcase would have left it. */
static int
raw_meta_put(const char *dir, const char *name, const char *value)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	int rc = raw_begin(dir, 0, &env, &txn);
	if (rc)
		return rc;
	if ((rc = mdb_dbi_open(txn, "meta", 0, &meta)) == 0)
		rc = mdb_put(txn, meta, &(MDB_val){ strlen(name), (void *)name },
			     &(MDB_val){ strlen(value), (void *)value }, 0);
	return raw_end(env, txn, rc);
}

/*
 * A node's store of schema 6, whose views were made by views version 9
 * (each state whole in `views`): opened by this gridcase, it is upgraded
 * and folded again, each case's steps and disposals go apart from its
 * row, and the case states, the digest and verify are as before.
 */
static void
test_node_store_of_schema6_is_folded_apart(void)
{
	struct tnode *c = tnode_new("centre", "centre",
				    ROLE_SUPERVISOR | ROLE_OPERATOR |
					    ROLE_SHIFT_LEAD | ROLE_DISPATCHER);
	struct tnode *o = tnode_new("office-7", "office-7", ROLE_DISPOSAL);
	struct tnode *all[2] = { c, o };
	uint64_t t = tnode_ms("2026-03-02T01:00:00Z");
	struct rows_seen rows = { "steps", 0, 0 }, whole = { "steps", 0, 0 };
	struct case_state st;
	uint8_t d0[32], d1[32];
	char a[18], schema[8];
	size_t steps = 0;
	struct diag d;
	CHECK_OK(tnode_introduce(all, 2));
	CHECK_OK(tnode_report(c, "supervisor", t, a));
	CHECK_OK(tnode_act(c, a, "accept", t + 120000, NULL, NULL));
	CHECK_OK(tnode_act(c, a, "register", t + 180000, NULL, "urgency",
			   "normal", "limit", "4h", NULL));
	CHECK_OK(tnode_act(c, a, "dispatch", t + 240000, NULL, "unit",
			   "office-7", NULL));
	CHECK_OK(tnode_digest(c, d0));
	CHECK_OK(tnode_state(c, a, &st));
	steps = st.nsteps;
	state_release(&st);
	CHECK(steps >= 4);
	node_close(c->n);
	c->n = NULL;
	CHECK_OK(downgrade_to_schema6(c->dir));
	CHECK_OK(raw_meta_put(c->dir, "views", "made by views version 9"));

	CHECK_OK(node_open(c->dir, 0, NULL, &c->n, &d));
	if (!c->n)
		return;
	raw_schema(c->dir, schema);
	CHECK_EQ_STR(schema, "7");
	CHECK_OK(store_row_walk(node_store(c->n), row_seen, &rows));
	CHECK_OK(store_view_walk(node_store(c->n), row_seen, &whole));
	CHECK_EQ_INT(rows.rows, 1);
	CHECK_EQ_INT(rows.with_key, 0);
	CHECK_EQ_INT(whole.with_key, 1);
	CHECK_EQ_INT(verify_problems(node_store(c->n)), 0);
	CHECK_OK(tnode_digest(c, d1));
	CHECK_EQ_MEM(d0, d1, 32);
	CHECK_OK(tnode_state(c, a, &st));
	CHECK_EQ_INT(st.nsteps, steps);
	state_release(&st);
	tnode_free(c);
	tnode_free(o);
}

/* A schema this gridcase does not know is refused, naming both. */
static void
test_unknown_schema_is_refused(void)
{
	char *dir = test_tmpdir();
	struct store *s = fresh_store(dir, 0, 0, 0);
	struct diag d;
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_OK(store_meta_set(s, "schema", "2", &d));
	store_close(s);
	s = NULL;
	CHECK_ERR(store_open(dir, NULL, &s, &d), ERR_VERSION);
	CHECK(strstr(d.text, "has schema '2'; this gridcase reads schema 7") !=
	      NULL);
	test_tmpdir_remove(dir);
	free(dir);
}

static const struct test tests[] = {
	{ "create, open and metadata", test_create_open },
	{ "the commit hook is called after each committed batch only", test_commit_hook },
	{ "local appends chain seq, prev, deps and lamport", test_append_chains },
	{ "more than 32 case heads never crowd out the roster head", test_roster_heads_never_crowded_out },
	{ "a clock going back does not move event time back", test_clock_going_back },
	{ "foreign events from a walk are all admitted, again are duplicates", test_foreign_from_a_walk },
	{ "an event with a gap waits and is admitted when the gap closes", test_gap_waits_then_closes },
	{ "refused events change nothing and say why", test_refusals_change_nothing },
	{ "a fork is kept as proof and stops the author everywhere alike", test_fork_is_recorded },
	{ "the waiting room has a limit, and one author an eighth of it", test_pending_limit },
	{ "lamport is exactly one above what an event follows, time not before it", test_lamport_rule },
	{ "an event waits for its dependencies and goes in when they come", test_waits_for_deps },
	{ "an event from the future waits for the clock, and moves it by the skew at most", test_future_waits_for_the_clock },
	{ "forks of any number of versions keep a proof of two and converge", test_forks_of_any_size },
	{ "a forked author's event an honest event built on is kept as evidence", test_evidence_after_a_fork },
	{ "a full map is ERR_FULL and the batch rolls back", test_map_full },
	{ "an event is found by a prefix of its id", test_find_by_prefix },
	{ "another process writes while the store is open", test_two_processes },
	{ "kill -9 never loses an acknowledged event", test_kill9_loses_nothing_acknowledged },
	{ "a flipped byte in data.mdb is named by verify", test_corruption_is_named },
	{ "any delivery order gives the same digest", test_any_order_same_digest },
	{ "a large batch's events are signed as if one by one, and an abort leaves none", test_large_batch_signatures },
	{ "blobs named by events and not here are wanted until stored or erased", test_wanted_blobs },
	{ "a truncated data.mdb is refused before it is mapped, naming the file", test_truncated_file_is_refused },
	{ "a full disk is ERR_NOSPACE, names the file and the free space, and changes nothing", test_disk_full },
	{ "a view or an event altered on disk is named by verify, and refold refuses the event", test_damage_in_views_and_events },
	{ "a commit of thousands of cases folds them in chunks, as one commit each would", test_folds_in_chunks },
	{ "a schema-3 store is upgraded in place when opened, keeping every event", test_schema3_is_upgraded },
	{ "a schema-4 store is upgraded in place when opened, keeping every event", test_schema4_is_upgraded },
	{ "a schema-5 store is upgraded in place; its feeds are read both ways", test_schema5_is_upgraded },
	{ "a schema-6 store is upgraded in place; its whole views read as before, and a refold splits them", test_schema6_is_upgraded },
	{ "a case's history altered, stray or not merging is named by verify or refused", test_damaged_history_is_named },
	{ "a node's store of schema 6 is folded again, each case's history apart, its states and digest as before", test_node_store_of_schema6_is_folded_apart },
	{ "a heads row with clocks other than its event's is named by verify", test_heads_clocks_are_verified },
	{ "the id index has three levels, each at its share, every id found wherever it is", test_id_index_levels },
	{ "a store an older gridcase's daemon serves is not upgraded beside it", test_no_upgrade_under_a_daemon },
	{ "a schema this gridcase does not know is refused", test_unknown_schema_is_refused },
};

TEST_MAIN(tests)

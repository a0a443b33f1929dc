/*
 * make_admission.c - writes the admission vectors of docs/format.md §8
 * (docs/vectors/admission.json) to stdout.
 *
 *   build-san/tools/make_admission > docs/vectors/admission.json
 *
 * Each scenario is a node's clock and allowed skew and a sequence of
 * envelopes delivered one after another to an empty log (docs/format.md
 * §5a), with the outcome stated after each.  Keys come from fixed seeds
 * and times are fixed, so the output is the same on every run.  Every
 * scenario is also played against a real store before it is written, and
 * the program fails if any outcome differs from the one stated: the file
 * never states what gridcase does not do.  (The roster's rules of
 * authorship, §5a rule 8, belong to the node and are not covered here:
 * a bare store has no roster.)
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "tests/harness.h"
#include "common/banned.h"

#define NETWORK "testnet"
/* 2026-03-02T00:00:00Z in milliseconds. */
#define T0 1772409600000ull
#define SKEW 300000ull
#define MAX63 0x7fffffffffffffffull
#define NKEYS 3
#define MAX_EVENTS 32

struct named {
	char name[16];
	struct buf env;
	uint8_t id[EVENT_ID_BYTES];
};

struct scenario {
	const char *name, *desc;
	uint64_t now;
	struct named ev[MAX_EVENTS];
	size_t n;
	/* The steps: an event's index and the outcome stated. */
	size_t step[MAX_EVENTS * 2];
	const char *expect[MAX_EVENTS * 2];
	uint32_t promoted[MAX_EVENTS * 2];
	size_t nsteps;
};

static struct key *keys[NKEYS];

static void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
fatal(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fatal: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static struct named *
find(struct scenario *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->ev[i].name, name) == 0)
			return &s->ev[i];
	fatal("no event '%s' in scenario '%s'", name, s->name);
	return NULL;
}

/*
 * Makes event `name` by key k: seq, prev (an event's name, or NULL),
 * deps (names, comma-separated, or ""), lamport, time, and a body {"n"}
 * that tells versions apart.
 */
static void
make(struct scenario *s, const char *name, int k, uint64_t seq,
     const char *prev, const char *deps, uint64_t lamport, uint64_t time_ms,
     uint64_t n)
{
	struct event ev;
	struct buf body = BUF_INIT;
	struct named *e = &s->ev[s->n++];
	struct envelope env;
	size_t used;
	memset(&ev, 0, sizeof(ev));
	snprintf(e->name, sizeof(e->name), "%s", name);
	mp_put_map(&body, 1);
	mp_put_cstr(&body, "n");
	mp_put_uint(&body, n);
	ev.version = EVENT_VERSION;
	ev.network = NETWORK;
	ev.network_len = strlen(NETWORK);
	memcpy(ev.author, key_public(keys[k]), EVENT_KEY_BYTES);
	ev.seq = seq;
	if (prev) {
		ev.has_prev = 1;
		memcpy(ev.prev, find(s, prev)->id, EVENT_ID_BYTES);
	}
	for (const char *p = deps; *p;) {
		char dep[16];
		size_t len = strcspn(p, ",");
		snprintf(dep, sizeof(dep), "%.*s", (int)len, p);
		const uint8_t *id = find(s, dep)->id;
		size_t at = ev.ndeps++;
		while (at > 0 && memcmp(ev.deps[at - 1], id, EVENT_ID_BYTES) > 0) {
			memcpy(ev.deps[at], ev.deps[at - 1], EVENT_ID_BYTES);
			at--;
		}
		memcpy(ev.deps[at], id, EVENT_ID_BYTES);
		p += len + (p[len] == ',');
	}
	ev.lamport = lamport;
	ev.time_ms = time_ms;
	ev.case_id = "20260302-x7k2m9qd";
	ev.case_len = strlen(ev.case_id);
	ev.type = "note";
	ev.type_len = 4;
	ev.body = body.data;
	ev.body_len = body.len;
	buf_init(&e->env);
	if (seal_event(keys[k], &ev, &e->env, NULL, NULL) ||
	    envelope_read(e->env.data, e->env.len, &env, &used, NULL))
		fatal("cannot make event '%s' of '%s'", name, s->name);
	memcpy(e->id, env.id, EVENT_ID_BYTES);
	buf_release(&body);
}

static void
step(struct scenario *s, const char *name, const char *expect,
     uint32_t promoted)
{
	s->step[s->nsteps] = (size_t)(find(s, name) - s->ev);
	s->expect[s->nsteps] = expect;
	s->promoted[s->nsteps++] = promoted;
}

/*
 * Plays the scenario on a fresh store and checks each stated outcome;
 * the log digest (§7: no views in a bare store) and the count of waiting
 * events at the end go to the scenario's "final" record.
 */
static void
play(struct scenario *s, uint8_t digest[32], uint64_t *waiting)
{
	char *dir = test_tmpdir(), now[32];
	struct store_options opt = { 0, 0, STORE_NOSYNC };
	struct store *st;
	struct diag d;
	struct store_stats stats;
	snprintf(now, sizeof(now), "%llu", (unsigned long long)s->now);
	setenv("GRIDCASE_NOW", now, 1);
	if (store_create(dir, NETWORK, &opt, &d) || store_open(dir, &opt, &st, &d))
		fatal("cannot make a store: %s", d.text);
	store_set_max_skew(st, SKEW);
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct named *e = &s->ev[s->step[i]];
		struct envelope env;
		struct event ev;
		struct admit_result res;
		struct store_batch *b;
		size_t used;
		memset(&res, 0, sizeof(res));
		int rc = seal_open(e->env.data, e->env.len, NETWORK, &env, &ev,
				   &used, &d);
		if (rc == 0 && (rc = store_batch_begin(st, &b)) == 0) {
			rc = store_batch_admit(b, e->env.data, e->env.len, &env,
					       &ev, &res, &d);
			if (rc)
				store_batch_abort(b);
			else if (store_batch_commit(b, &d))
				fatal("cannot commit: %s", d.text);
		}
		const char *got = store_admit_outcome(rc, &res);
		if (strcmp(got, s->expect[i]) != 0 ||
		    (rc == 0 && res.promoted != s->promoted[i])) {
			fprintf(stderr, "fatal: scenario '%s' step %zu (%s): got %s, promoted %u; stated %s, promoted %u (%s)\n",
				s->name, i, e->name, got, res.promoted,
				s->expect[i], s->promoted[i], rc ? d.text : "");
			exit(1);
		}
	}
	if (store_stats(st, &stats) || store_digest(st, digest))
		fatal("cannot read the store");
	*waiting = stats.pending;
	store_close(st);
	test_tmpdir_remove(dir);
	free(dir);
	unsetenv("GRIDCASE_NOW");
}

/* ---- writing ---- */

static void
put_hex(struct json_writer *w, const char *key, const uint8_t *p, size_t n)
{
	json_key(w, key);
	json_hex(w, p, n);
}

static void
write_scenario(struct json_writer *w, struct scenario *s)
{
	uint8_t digest[32];
	uint64_t waiting;
	play(s, digest, &waiting);
	json_obj_begin(w);
	json_key(w, "name");
	json_str(w, s->name);
	json_key(w, "description");
	json_str(w, s->desc);
	json_key(w, "network");
	json_str(w, NETWORK);
	json_key(w, "now");
	json_uint(w, s->now);
	json_key(w, "max_skew_ms");
	json_uint(w, SKEW);
	json_key(w, "steps");
	json_arr_begin(w);
	for (size_t i = 0; i < s->nsteps; i++) {
		const struct named *e = &s->ev[s->step[i]];
		json_obj_begin(w);
		json_key(w, "event");
		json_str(w, e->name);
		put_hex(w, "id", e->id, EVENT_ID_BYTES);
		put_hex(w, "envelope_hex", e->env.data, e->env.len);
		json_key(w, "expect");
		json_str(w, s->expect[i]);
		json_key(w, "promoted");
		json_uint(w, s->promoted[i]);
		json_obj_end(w);
	}
	json_arr_end(w);
	json_key(w, "final");
	json_obj_begin(w);
	put_hex(w, "digest", digest, 32);
	json_key(w, "waiting");
	json_uint(w, waiting);
	json_obj_end(w);
	json_obj_end(w);
	for (size_t i = 0; i < s->n; i++)
		buf_release(&s->ev[i].env);
}

static struct scenario *
scenario(const char *name, const char *desc)
{
	struct scenario *s = xcalloc(1, sizeof(*s));
	s->name = name;
	s->desc = desc;
	s->now = T0 + 3600000;
	return s;
}

#define M 60000ull

/* The scenarios: each rule of §5a, valid and invalid. */
static void
scenarios(struct json_writer *w)
{
	struct scenario *s;

	s = scenario("chain", "an author's events in order: lamport 1, 2, 3");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "a3", 0, 3, "a2", "", 3, T0 + 2 * M, 3);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "a3", "admitted", 0);
	step(s, "a2", "duplicate", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("first-lamport-not-1", "a first event with no deps has lamport 1; 2 is refused");
	make(s, "a1", 0, 1, NULL, "", 2, T0, 1);
	step(s, "a1", "ERR_CLOCK", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("lamport-too-high", "lamport 3 after prev's 1");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 3, T0 + M, 2);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "ERR_CLOCK", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("lamport-max", "lamport 2^63-1 after prev's 1: it would leave no room after it");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", MAX63, T0 + M, 2);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "ERR_CLOCK", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("lamport-from-deps", "b's first event depends on a2 (lamport 2): its lamport is 3, not 1 nor 2 nor 4");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "b1-low", 1, 1, NULL, "a2", 2, T0 + 2 * M, 10);
	make(s, "b1-high", 1, 1, NULL, "a2", 4, T0 + 2 * M, 11);
	make(s, "b1", 1, 1, NULL, "a1,a2", 3, T0 + 2 * M, 12);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "b1-low", "ERR_CLOCK", 0);
	step(s, "b1-high", "ERR_CLOCK", 0);
	step(s, "b1", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("lamport-of-the-highest", "lamport follows the highest of prev and deps: b2's prev has 1, its dep 3, so 4");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "a3", 0, 3, "a2", "", 3, T0 + 2 * M, 3);
	make(s, "b1", 1, 1, NULL, "", 1, T0, 10);
	make(s, "b2", 1, 2, "b1", "a3", 4, T0 + 3 * M, 11);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "a3", "admitted", 0);
	step(s, "b1", "admitted", 0);
	step(s, "b2", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("time-before-prev", "time one ms before prev's");
	make(s, "a1", 0, 1, NULL, "", 1, T0 + M, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M - 1, 2);
	make(s, "a2-same", 0, 2, "a1", "", 2, T0 + M, 3);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "ERR_CLOCK", 0);
	step(s, "a2-same", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("time-before-dep", "time one ms before a dep's, then equal to it");
	make(s, "a1", 0, 1, NULL, "", 1, T0 + M, 1);
	make(s, "b1", 1, 1, NULL, "a1", 2, T0 + M - 1, 10);
	make(s, "b1-same", 1, 1, NULL, "a1", 2, T0 + M, 11);
	step(s, "a1", "admitted", 0);
	step(s, "b1", "ERR_CLOCK", 0);
	step(s, "b1-same", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("deps-arrive-later", "b1 and b2 wait for a1 (b2 for b1 too), and go in when a1 comes");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "b1", 1, 1, NULL, "a1", 2, T0 + M, 10);
	make(s, "b2", 1, 2, "b1", "", 3, T0 + 2 * M, 11);
	make(s, "c1", 2, 1, NULL, "b2", 4, T0 + 3 * M, 20);
	step(s, "c1", "waits-deps", 0);
	step(s, "b2", "waits-prev", 0);
	step(s, "b1", "waits-deps", 0);
	step(s, "b1", "duplicate", 0);
	step(s, "a1", "admitted", 3);
	write_scenario(w, s);
	free(s);

	s = scenario("waiting-then-refused", "an event waits for its dep; once the dep is here its time is before the dep's, and it is dropped");
	make(s, "a1", 0, 1, NULL, "", 1, T0 + M, 1);
	make(s, "b1", 1, 1, NULL, "a1", 2, T0, 10);
	step(s, "b1", "waits-deps", 0);
	step(s, "a1", "admitted", 0);
	step(s, "b1", "ERR_CLOCK", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("future", "the node's clock is T; skew 5 minutes: T+5min goes in, T+5min+1ms waits");
	s->now = T0;
	make(s, "a1", 0, 1, NULL, "", 1, T0 + SKEW, 1);
	make(s, "b1", 1, 1, NULL, "", 1, T0 + SKEW + 1, 10);
	make(s, "b2", 1, 2, "b1", "", 2, T0 + SKEW + 2, 11);
	step(s, "a1", "admitted", 0);
	step(s, "b1", "waits-future", 0);
	step(s, "b2", "waits-prev", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("chain-mismatch", "prev names another event than the stored seq 1");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a1-other", 0, 1, NULL, "", 1, T0, 9);
	make(s, "a2", 0, 2, "a1-other", "", 2, T0 + M, 2);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "ERR_CHAIN", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("fork", "two versions of seq 2: a fork; the author's later event is refused; others go on");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "a2-other", 0, 2, "a1", "", 2, T0 + M, 3);
	make(s, "a3", 0, 3, "a2", "", 3, T0 + 2 * M, 4);
	make(s, "b1", 1, 1, NULL, "a1", 2, T0 + 3 * M, 10);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "a2-other", "fork", 0);
	step(s, "a3", "ERR_FORKED", 0);
	step(s, "b1", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("invalid-version-is-no-fork", "a second version of seq 2 whose time is before prev's breaks the clock rule: refused, and no fork, whichever comes first");
	make(s, "a1", 0, 1, NULL, "", 1, T0 + M, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + 2 * M, 2);
	make(s, "a2-bad", 0, 2, "a1", "", 2, T0, 3);
	make(s, "b1", 1, 1, NULL, "", 1, T0 + M, 10);
	make(s, "b2", 1, 2, "b1", "", 2, T0 + 2 * M, 11);
	make(s, "b2-bad", 1, 2, "b1", "", 2, T0, 12);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "a2-bad", "ERR_CLOCK", 0);
	step(s, "b1", "admitted", 0);
	step(s, "b2-bad", "ERR_CLOCK", 0);
	step(s, "b2", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("fork-version-waits", "a second version of seq 2 that depends on an event not here waits for it, then proves the fork");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "b1", 1, 1, NULL, "", 1, T0, 10);
	make(s, "a2-other", 0, 2, "a1", "b1", 2, T0 + M, 3);
	step(s, "a1", "admitted", 0);
	step(s, "a2", "admitted", 0);
	step(s, "a2-other", "waits-deps", 0);
	step(s, "b1", "admitted", 0);
	write_scenario(w, s);
	free(s);

	s = scenario("fork-many", "ten versions of seq 2: two make the proof, the rest are surplus");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	for (int i = 0; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "a2-%d", i);
		make(s, name, 0, 2, "a1", "", 2, T0 + M, 100 + (uint64_t)i);
	}
	step(s, "a1", "admitted", 0);
	step(s, "a2-0", "admitted", 0);
	step(s, "a2-1", "fork", 0);
	for (int i = 2; i < 10; i++) {
		char name[16];
		snprintf(name, sizeof(name), "a2-%d", i);
		step(s, name, "surplus", 0);
	}
	write_scenario(w, s);
	free(s);

	s = scenario("evidence", "b built on a3 before the fork of a was known: a3 is kept as evidence so b1 is not stuck");
	make(s, "a1", 0, 1, NULL, "", 1, T0, 1);
	make(s, "a2", 0, 2, "a1", "", 2, T0 + M, 2);
	make(s, "a2-other", 0, 2, "a1", "", 2, T0 + M, 3);
	make(s, "a3", 0, 3, "a2", "", 3, T0 + 2 * M, 4);
	make(s, "b1", 1, 1, NULL, "a3", 4, T0 + 3 * M, 10);
	step(s, "a1", "admitted", 0);
	step(s, "a2-other", "admitted", 0);
	step(s, "a2", "fork", 0);
	step(s, "b1", "waits-deps", 0);
	step(s, "a3", "evidence", 1);
	write_scenario(w, s);
	free(s);
}

int
main(void)
{
	struct buf out = BUF_INIT;
	struct json_writer w;
	for (int i = 0; i < NKEYS; i++) {
		uint8_t seed[KEY_SEED_BYTES];
		for (int j = 0; j < KEY_SEED_BYTES; j++)
			seed[j] = (uint8_t)(0x40 + 32 * i + j);
		keys[i] = key_from_seed(seed);
	}
	json_writer_init(&w, &out, 1);
	json_obj_begin(&w);
	json_key(&w, "format");
	json_str(&w, "gridcase event admission, format version 2 (docs/format.md §5a)");
	json_key(&w, "generator");
	json_str(&w, "build-san/tools/make_admission (tests/tools/make_admission.c)");
	json_key(&w, "keys");
	json_arr_begin(&w);
	for (int i = 0; i < NKEYS; i++) {
		char name[2] = { (char)('a' + i), '\0' };
		json_obj_begin(&w);
		json_key(&w, "name");
		json_str(&w, name);
		put_hex(&w, "public", key_public(keys[i]), KEY_PUBLIC_BYTES);
		json_obj_end(&w);
	}
	json_arr_end(&w);
	json_key(&w, "scenarios");
	json_arr_begin(&w);
	scenarios(&w);
	json_arr_end(&w);
	json_obj_end(&w);
	buf_add_byte(&out, '\n');
	int rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : 1;
	for (int i = 0; i < NKEYS; i++)
		key_free(keys[i]);
	buf_release(&out);
	return rc;
}

/*
 * admission_vectors_test.c - the admission vectors of docs/format.md §8
 * (docs/vectors/admission.json) play out as stated on a real store.
 *
 * Each scenario's envelopes are delivered one by one to a fresh store in
 * a temporary directory, with GRIDCASE_NOW and the skew the scenario
 * gives; the outcome of each, the waiting events promoted, the digest and
 * the count of waiting events at the end must be the ones listed.  The
 * file is checked as committed ($GRIDCASE_ADMISSION overrides the path).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "common/buf.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "common/banned.h"

#define ADMISSION_DEFAULT "docs/vectors/admission.json"

static int
load(struct buf *doc)
{
	const char *path = getenv("GRIDCASE_ADMISSION");
	struct buf text = BUF_INIT;
	struct diag d;
	char chunk[65536];
	size_t n;
	FILE *f = fopen(path && *path ? path : ADMISSION_DEFAULT, "rb");
	if (!f)
		return ERR_NOTFOUND;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	fclose(f);
	int rc = json_to_mp(buf_cstr(&text), doc, &d);
	buf_release(&text);
	return rc;
}

struct counts {
	int scenarios, steps, kinds[16];
};

static const char *const kinds[] = { "admitted", "duplicate", "fork",
				     "evidence", "surplus", "waits-prev",
				     "waits-deps", "waits-future",
				     "ERR_CLOCK", "ERR_CHAIN", "ERR_FORKED" };
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void
count_kind(struct counts *c, const char *k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (strcmp(kinds[i], k) == 0)
			c->kinds[i]++;
}

/* Plays one scenario; every outcome that differs is a failure. */
static void
play(const struct mp_reader *sc, struct counts *c)
{
	char name[64], network[65], dir_text[16];
	uint64_t now, skew, waiting;
	struct mp_reader steps, fin;
	uint32_t n;
	(void)dir_text;
	CHECK_OK(mp_map_get_str(sc, "name", name, sizeof(name)));
	CHECK_OK(mp_map_get_str(sc, "network", network, sizeof(network)));
	CHECK_OK(mp_map_get_uint(sc, "now", &now));
	CHECK_OK(mp_map_get_uint(sc, "max_skew_ms", &skew));
	char *dir = test_tmpdir();
	struct store_options opt = { 0, 0, STORE_NOSYNC };
	struct store *st = NULL;
	struct diag d;
	char text[32];
	snprintf(text, sizeof(text), "%llu", (unsigned long long)now);
	setenv("GRIDCASE_NOW", text, 1);
	CHECK_OK(store_create(dir, network, &opt, &d));
	CHECK_OK(store_open(dir, &opt, &st, &d));
	if (!st)
		return;
	store_set_max_skew(st, skew);
	CHECK_OK(mp_map_find(sc, "steps", &steps));
	CHECK_OK(mp_get_array(&steps, &n));
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p;
		size_t len;
		struct mp_reader one;
		char expect[32];
		static char env_hex[2 * ENVELOPE_MAX_BYTES + 1];
		uint64_t promoted;
		struct buf env = BUF_INIT;
		CHECK_OK(mp_get_value(&steps, &p, &len));
		mp_reader_init(&one, p, len, NULL);
		CHECK_OK(mp_map_get_str(&one, "expect", expect, sizeof(expect)));
		CHECK_OK(mp_map_get_uint(&one, "promoted", &promoted));
		CHECK_OK(mp_map_get_str(&one, "envelope_hex", env_hex, sizeof(env_hex)));
		buf_grow(&env, strlen(env_hex) / 2 + 1);
		CHECK_OK(hex_decode(env_hex, env.data, strlen(env_hex) / 2));
		env.len = strlen(env_hex) / 2;
		struct envelope e;
		struct event ev;
		struct admit_result res;
		struct store_batch *b;
		size_t used;
		memset(&res, 0, sizeof(res));
		int rc = seal_open(env.data, env.len, network, &e, &ev, &used, &d);
		if (rc == 0 && (rc = store_batch_begin(st, &b)) == 0) {
			rc = store_batch_admit(b, env.data, env.len, &e, &ev, &res, &d);
			if (rc)
				store_batch_abort(b);
			else
				CHECK_OK(store_batch_commit(b, &d));
		}
		const char *got = store_admit_outcome(rc, &res);
		if (strcmp(got, expect) != 0 || (rc == 0 && res.promoted != promoted)) {
			harness_fail(__FILE__, __LINE__,
				     "scenario %s step %u: %s, promoted %u; the file says %s, promoted %llu",
				     name, i, got, res.promoted, expect,
				     (unsigned long long)promoted);
		}
		count_kind(c, expect);
		c->steps++;
		buf_release(&env);
	}
	uint8_t digest[32], want[32];
	char want_hex[65];
	struct store_stats stats;
	CHECK_OK(mp_map_find(sc, "final", &fin));
	CHECK_OK(mp_map_get_str(&fin, "digest", want_hex, sizeof(want_hex)));
	CHECK_OK(mp_map_get_uint(&fin, "waiting", &waiting));
	CHECK_OK(hex_decode(want_hex, want, 32));
	CHECK_OK(store_digest(st, digest));
	CHECK_OK(store_stats(st, &stats));
	if (memcmp(digest, want, 32) != 0 || stats.pending != waiting) {
		harness_fail(__FILE__, __LINE__,
			     "scenario %s: the digest or the %llu waiting events differ from the file's",
			     name, (unsigned long long)stats.pending);
	}
	store_close(st);
	test_tmpdir_remove(dir);
	free(dir);
	unsetenv("GRIDCASE_NOW");
	c->scenarios++;
}

static void
test_scenarios(void)
{
	struct buf doc = BUF_INIT;
	struct mp_reader r, list;
	struct counts c;
	uint32_t n;
	memset(&c, 0, sizeof(c));
	CHECK_OK(load(&doc));
	mp_reader_init(&r, doc.data, doc.len, NULL);
	CHECK_OK(mp_map_find(&r, "scenarios", &list));
	CHECK_OK(mp_get_array(&list, &n));
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p;
		size_t len;
		struct mp_reader sc;
		CHECK_OK(mp_get_value(&list, &p, &len));
		mp_reader_init(&sc, p, len, NULL);
		play(&sc, &c);
	}
	/* Every outcome the rules can give appears at least once. */
	CHECK(c.scenarios >= 10);
	for (size_t i = 0; i < NKINDS; i++)
		if (!c.kinds[i])
			harness_fail(__FILE__, __LINE__, "no step expects %s",
				     kinds[i]);
	buf_release(&doc);
}

static const struct test tests[] = {
	{ "every admission scenario plays out as stated on a real store",
	  test_scenarios },
};

TEST_MAIN(tests)

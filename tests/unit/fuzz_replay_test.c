/*
 * fuzz_replay_test.c - a deterministic stand-in for the fuzzer in
 * `make test`: seeded random mutations of valid envelopes (bit flips,
 * byte inserts and deletes, truncation, length-field tweaks), each run
 * through the same oracle as tests/fuzz/event_fuzz.c.
 *
 * The seed is test_seed(): TEST_SEED=n replays a run, and the harness
 * prints the seed when a test fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "tests/fuzz/oracle.h"
#include "tests/harness.h"
#include "common/banned.h"

#define MUTATIONS_PER_SAMPLE 3000

/* Bytes a mutation likes to write: type bytes and length edges. */
static const uint8_t interesting[] = {
	0x00, 0x01, 0x0f, 0x10, 0x1f, 0x20, 0x7f, 0x80, 0x8f, 0x90, 0x9d,
	0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xca,
	0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd3, 0xd4, 0xd9, 0xda, 0xdb,
	0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xfe, 0xff,
};

static size_t
pick(uint64_t *rng, size_t n)
{
	return n ? (size_t)(test_rand(rng) % n) : 0;
}

/*
 * Finds a str/bin/array/map header at or after a random position and
 * changes the length it carries by -1, +1 or to a far value.
 */
static void
tweak_length(struct buf *b, uint64_t *rng, char *what, size_t what_n)
{
	size_t start = pick(rng, b->len);
	for (size_t k = 0; k < b->len; k++) {
		size_t i = (start + k) % b->len;
		uint8_t c = b->data[i];
		int delta = (int)pick(rng, 3) - 1; /* -1, 0 (far), +1 */
		size_t width = 0;
		if (c >= 0x80 && c <= 0xbf) {
			/* fixmap, fixarray, fixstr: the length is in c */
			uint8_t mask = c >= 0xa0 ? 0x1f : 0x0f;
			int by = delta ? delta : 7;
			uint8_t len = (uint8_t)((c & mask) + by);
			b->data[i] = (uint8_t)((c & ~mask) | (len & mask));
			snprintf(what, what_n, "fix length at %zu (%+d)", i,
				 by);
			return;
		}
		if (c == 0xc4 || c == 0xd9)
			width = 1;
		else if (c == 0xc5 || c == 0xda || c == 0xdc || c == 0xde)
			width = 2;
		else if (c == 0xc6 || c == 0xdb || c == 0xdd || c == 0xdf)
			width = 4;
		if (!width || i + width >= b->len)
			continue;
		uint8_t *p = b->data + i + 1;
		if (delta == 0) {
			p[0] ^= 0x80; /* far away */
		} else {
			/* big-endian add with carry/borrow */
			for (size_t j = width; j-- > 0;) {
				unsigned v = p[j];
				p[j] = (uint8_t)(v + (unsigned)delta);
				if ((delta > 0 && p[j] != 0) ||
				    (delta < 0 && v != 0))
					break;
			}
		}
		snprintf(what, what_n, "length field at %zu (%+d)", i, delta);
		return;
	}
	snprintf(what, what_n, "no length field");
}

/* Applies one random mutation to b and describes it in what. */
static void
mutate_once(struct buf *b, uint64_t *rng, char *what, size_t what_n)
{
	size_t at = pick(rng, b->len);
	switch (pick(rng, 9)) {
	case 0: { /* flip 1 to 4 bits */
		int flips = 1 + (int)pick(rng, 4);
		for (int i = 0; i < flips && b->len; i++)
			b->data[pick(rng, b->len)] ^=
				(uint8_t)(1u << pick(rng, 8));
		snprintf(what, what_n, "%d bit flips", flips);
		break;
	}
	case 1: /* an interesting byte */
		if (b->len)
			b->data[at] =
				interesting[pick(rng, sizeof(interesting))];
		snprintf(what, what_n, "set byte %zu", at);
		break;
	case 2: { /* insert a byte */
		uint8_t c = (uint8_t)test_rand(rng);
		if (pick(rng, 2))
			c = interesting[pick(rng, sizeof(interesting))];
		at = pick(rng, b->len + 1);
		buf_grow(b, 1);
		memmove(b->data + at + 1, b->data + at, b->len - at);
		b->data[at] = c;
		b->len++;
		b->data[b->len] = '\0';
		snprintf(what, what_n, "insert 0x%02x at %zu", c, at);
		break;
	}
	case 3: /* delete a run of 1 to 8 bytes */
		if (b->len) {
			size_t n = 1 + pick(rng, 8);
			if (n > b->len - at)
				n = b->len - at;
			memmove(b->data + at, b->data + at + n,
				b->len - at - n);
			b->len -= n;
			b->data[b->len] = '\0';
			snprintf(what, what_n, "delete %zu at %zu", n, at);
		}
		break;
	case 4: /* truncate */
		b->len = at;
		b->data[b->len] = '\0';
		snprintf(what, what_n, "truncate to %zu", at);
		break;
	case 5:
	case 6:
		tweak_length(b, rng, what, what_n);
		break;
	case 7: { /* duplicate a chunk in place */
		size_t n = 1 + pick(rng, 16);
		if (n > b->len - at)
			n = b->len - at;
		uint8_t tmp[16];
		memcpy(tmp, b->data + at, n);
		size_t to = pick(rng, b->len + 1);
		buf_grow(b, n);
		memmove(b->data + to + n, b->data + to, b->len - to);
		memcpy(b->data + to, tmp, n);
		b->len += n;
		b->data[b->len] = '\0';
		snprintf(what, what_n, "copy %zu from %zu to %zu", n, at, to);
		break;
	}
	default: { /* swap two bytes */
		size_t other = pick(rng, b->len);
		if (b->len) {
			uint8_t t = b->data[at];
			b->data[at] = b->data[other];
			b->data[other] = t;
		}
		snprintf(what, what_n, "swap %zu and %zu", at, other);
		break;
	}
	}
}

/* The oracle over an exact heap copy; reports with the input in hex. */
static int
run_oracle(const uint8_t *p, size_t n, const char *what, const char *file,
	   int line)
{
	uint8_t *copy = xmalloc(n);
	if (n)
		memcpy(copy, p, n);
	const char *why = oracle_check(copy, n);
	free(copy);
	if (!why)
		return 0;
	size_t shown = n < 200 ? n : 200;
	char *h = xmalloc(2 * shown + 1);
	hex_encode(p, shown, h);
	harness_fail(file, line, "%s after %s; %zu bytes: %s%s", why, what, n,
		     h, shown < n ? "..." : "");
	free(h);
	return 1;
}

static void
test_samples_pass_the_oracle(void)
{
	struct buf stream = BUF_INIT;
	int bad = 0;
	for (int i = 0; i < ORACLE_SAMPLES && !bad; i++) {
		struct buf env = BUF_INIT, ev = BUF_INIT;
		oracle_sample(i, &env, &ev);
		struct envelope e;
		struct event v;
		size_t used = 0;
		int rc = seal_open(env.data, env.len, ORACLE_NETWORK, &e, &v,
				   &used, NULL);
		bad = rc != 0 || used != env.len ||
		      mp_check(env.data, env.len, NULL) != 0 ||
		      mp_check(ev.data, ev.len, NULL) != 0;
		if (bad)
			harness_fail(__FILE__, __LINE__, "sample %d: %s", i,
				     err_name(rc));
		bad = bad ||
		      run_oracle(env.data, env.len, "nothing", __FILE__,
				 __LINE__) ||
		      run_oracle(ev.data, ev.len, "nothing", __FILE__,
				 __LINE__);
		buf_add(&stream, env.data, env.len);
		buf_release(&env);
		buf_release(&ev);
	}
	if (!bad)
		(void)run_oracle(stream.data, stream.len, "nothing", __FILE__,
				 __LINE__);
	buf_release(&stream);
}

/*
 * Mutates each sample envelope (and the stream of all of them) many
 * times: the oracle must hold for every result, and no mutation may
 * produce another envelope that opens.
 */
static void
test_mutated_envelopes_keep_the_oracle(void)
{
	uint64_t rng = test_seed();
	struct buf originals[ORACLE_SAMPLES + 1];
	size_t accepted = 0, decoded = 0, total = 0;
	int bad = 0;

	buf_init(&originals[ORACLE_SAMPLES]);
	for (int i = 0; i < ORACLE_SAMPLES; i++) {
		buf_init(&originals[i]);
		oracle_sample(i, &originals[i], NULL);
		buf_add(&originals[ORACLE_SAMPLES], originals[i].data,
			originals[i].len);
	}
	for (int s = 0; s <= ORACLE_SAMPLES && !bad; s++) {
		const struct buf *orig = &originals[s];
		for (int m = 0; m < MUTATIONS_PER_SAMPLE && !bad; m++) {
			struct buf b = BUF_INIT;
			char what[256] = "", step[96];
			int steps = 1 + (int)pick(&rng, 3);
			buf_add(&b, orig->data, orig->len);
			for (int k = 0; k < steps; k++) {
				mutate_once(&b, &rng, step, sizeof(step));
				size_t used = strlen(what);
				snprintf(what + used, sizeof(what) - used,
					 "%s%s", k ? ", " : "", step);
			}
			total++;
			if (mp_check(b.data, b.len, NULL) == 0)
				accepted++;
			struct event ev;
			struct envelope env;
			if (envelope_read(b.data, b.len, &env, &(size_t){ 0 },
					  NULL) == 0 &&
			    event_decode(env.event, env.event_len, &ev,
					 NULL) == 0)
				decoded++;
			bad = run_oracle(b.data, b.len, what, __FILE__,
					 __LINE__);
			/* Whatever opens must be an original envelope. */
			size_t used = 0;
			if (!bad && s < ORACLE_SAMPLES &&
			    seal_open(b.data, b.len, ORACLE_NETWORK, &env,
				      &ev, &used, NULL) == 0 &&
			    (used != orig->len ||
			     memcmp(b.data, orig->data, used) != 0)) {
				harness_fail(__FILE__, __LINE__,
					     "sample %d opened after %s", s,
					     what);
				bad = 1;
			}
			buf_release(&b);
		}
	}
	for (int i = 0; i <= ORACLE_SAMPLES; i++)
		buf_release(&originals[i]);
	harness_log("%zu mutations: %zu canonical msgpack, %zu with an "
		    "event that decodes\n",
		    total, accepted, decoded);
	if (!bad) {
		CHECK_EQ_INT(total,
			     (ORACLE_SAMPLES + 1) * MUTATIONS_PER_SAMPLE);
		/* The msgpack-c comparison must actually have run. */
		CHECK(accepted > 0);
		CHECK(decoded > 0);
	}
}

/* Every input of one or two bytes. */
static void
test_every_short_input_keeps_the_oracle(void)
{
	uint8_t in[2];
	for (unsigned a = 0; a < 256; a++) {
		in[0] = (uint8_t)a;
		if (run_oracle(in, 1, "nothing (1 byte)", __FILE__, __LINE__))
			return;
		for (unsigned b = 0; b < 256; b++) {
			in[1] = (uint8_t)b;
			if (run_oracle(in, 2, "nothing (2 bytes)", __FILE__,
				       __LINE__))
				return;
		}
	}
	CHECK(run_oracle(in, 0, "nothing (empty)", __FILE__, __LINE__) == 0);
}

/*
 * Every three-byte input that starts with a header taking one or two
 * bytes after it: the small lengths and ints where off-by-one lives.
 */
static void
test_every_three_byte_header_keeps_the_oracle(void)
{
	static const uint8_t heads[] = { 0x81, 0x91, 0x92, 0xa1, 0xa2, 0xc4,
					 0xc5, 0xcc, 0xcd, 0xd0, 0xd1, 0xd9,
					 0xda, 0xdc, 0xde };
	uint8_t in[3];
	for (size_t h = 0; h < sizeof(heads); h++) {
		in[0] = heads[h];
		for (unsigned a = 0; a < 256; a++) {
			in[1] = (uint8_t)a;
			for (unsigned b = 0; b < 256; b++) {
				in[2] = (uint8_t)b;
				if (run_oracle(in, 3, "nothing (3 bytes)",
					       __FILE__, __LINE__))
					return;
			}
		}
	}
}

/*
 * The reference check itself: msgpack-c re-packs in the shortest forms,
 * so it tells a non-canonical integer or header from a canonical one.
 * (Key order it keeps as read, which is why mp_check's own map tests
 * matter.)
 */
static void
test_msgpack_c_reference_tells_non_canonical_forms(void)
{
	static const struct {
		const char *hex;
		int agrees;
	} cases[] = {
		{ "05", 1 },
		{ "cc05", 0 },
		{ "cc80", 1 },
		{ "d0f0", 0 },
		{ "d0df", 1 },
		{ "d903616263", 0 },
		{ "a3616263", 1 },
		{ "c5000100", 0 },
		{ "c40100", 1 },
		{ "dc0001c0", 0 },
		{ "91c0", 1 },
		{ "c0c0", 0 },
		{ "92c0", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t p[8];
		size_t n = strlen(cases[i].hex) / 2;
		BUG_ON(hex_decode(cases[i].hex, p, n) != 0);
		int agrees = oracle_msgpack_c(p, n) == NULL;
		if (agrees != cases[i].agrees) {
			harness_fail(__FILE__, __LINE__, "%s: agrees %d",
				     cases[i].hex, agrees);
			return;
		}
	}
}

static const struct test tests[] = {
	{ "the msgpack-c reference tells non-canonical forms",
	  test_msgpack_c_reference_tells_non_canonical_forms },
	{ "the sample envelopes pass the oracle",
	  test_samples_pass_the_oracle },
	{ "mutated envelopes keep the oracle and never open",
	  test_mutated_envelopes_keep_the_oracle },
	{ "every input of up to two bytes keeps the oracle",
	  test_every_short_input_keeps_the_oracle },
	{ "every three-byte input after a short header keeps the oracle",
	  test_every_three_byte_header_keeps_the_oracle },
};

TEST_MAIN(tests)

/*
 * event_test.c - the event codec and the envelope (common/event.h) and
 * sealing and opening (crypto/seal.h), against docs/format.md sections
 * 2 to 5.
 *
 * Refusals are checked twice: event_decode() on the bytes, and
 * seal_open() on the same bytes in an envelope with a correct id and a
 * correct signature, so that the field rule is the only thing wrong.
 * Inputs are copied into heap memory of exactly their size so that
 * AddressSanitizer catches any read past the end.
 */
#include "common/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "tests/harness.h"
#include "common/banned.h"

#define NET "north-district"
#define CASE_ID "20261126-ab3k9xyz"
#define TIME_MS 1795685400000ull /* 2026-11-26T09:30:00Z */

/* {"text": "hello"} */
static const uint8_t body_hello[] = { 0x81, 0xa4, 't', 'e',  'x', 't',
				      0xa5, 'h',  'e', 'l',  'l', 'o' };
static const uint8_t body_empty[] = { 0x80 };

/* ---- helpers ---- */

static struct key *
test_key(uint8_t fill)
{
	uint8_t seed[KEY_SEED_BYTES];
	memset(seed, fill, sizeof(seed));
	return key_from_seed(seed);
}

/* The first event of an author: seq 1, no prev, no deps, no blobs. */
static void
first_event(struct event *ev, const struct key *k)
{
	memset(ev, 0, sizeof(*ev));
	ev->version = EVENT_VERSION;
	ev->network = NET;
	ev->network_len = strlen(NET);
	memcpy(ev->author, key_public(k), EVENT_KEY_BYTES);
	ev->seq = 1;
	ev->lamport = 1;
	ev->time_ms = TIME_MS;
	ev->case_id = CASE_ID;
	ev->case_len = strlen(CASE_ID);
	ev->type = "case.opened";
	ev->type_len = strlen("case.opened");
	ev->body = body_empty;
	ev->body_len = sizeof(body_empty);
}

/* A later event with every field in use. */
static void
full_event(struct event *ev, const struct key *k)
{
	first_event(ev, k);
	ev->seq = 3;
	ev->has_prev = 1;
	memset(ev->prev, 0xaa, EVENT_ID_BYTES);
	ev->ndeps = 2;
	memset(ev->deps[0], 0x11, EVENT_ID_BYTES);
	memset(ev->deps[1], 0x22, EVENT_ID_BYTES);
	ev->lamport = 7;
	ev->time_ms = TIME_MS + 1500;
	ev->type = "note.added";
	ev->type_len = strlen("note.added");
	ev->body = body_hello;
	ev->body_len = sizeof(body_hello);
	ev->nblobs = 1;
	memset(ev->blobs[0], 0x33, EVENT_ID_BYTES);
}

static uint8_t *
exact_copy(const void *p, size_t n)
{
	uint8_t *c = xmalloc(n);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* The bytes of hex (spaces ignored) in new memory of exactly *n bytes. */
static uint8_t *
unhex(const char *hex, size_t *n)
{
	size_t len = strlen(hex), k = 0;
	char *digits = xmalloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (hex[i] != ' ')
			digits[k++] = hex[i];
	digits[k] = '\0';
	BUG_ON(k % 2 != 0);
	uint8_t *p = xmalloc(k / 2);
	BUG_ON(hex_decode(digits, p, k / 2) != 0);
	free(digits);
	*n = k / 2;
	return p;
}

static int
events_equal(const struct event *a, const struct event *b)
{
	return a->version == b->version &&
	       a->network_len == b->network_len &&
	       memcmp(a->network, b->network, a->network_len) == 0 &&
	       memcmp(a->author, b->author, EVENT_KEY_BYTES) == 0 &&
	       a->seq == b->seq && a->has_prev == b->has_prev &&
	       (!a->has_prev ||
		memcmp(a->prev, b->prev, EVENT_ID_BYTES) == 0) &&
	       a->ndeps == b->ndeps &&
	       memcmp(a->deps, b->deps, a->ndeps * EVENT_ID_BYTES) == 0 &&
	       a->lamport == b->lamport && a->time_ms == b->time_ms &&
	       a->case_len == b->case_len &&
	       memcmp(a->case_id, b->case_id, a->case_len) == 0 &&
	       a->type_len == b->type_len &&
	       memcmp(a->type, b->type, a->type_len) == 0 &&
	       a->body_len == b->body_len &&
	       memcmp(a->body, b->body, a->body_len) == 0 &&
	       a->nblobs == b->nblobs &&
	       memcmp(a->blobs, b->blobs, a->nblobs * EVENT_ID_BYTES) == 0;
}

/* Writes field i of ev as event_encode() would, without any check. */
static void
put_field(struct buf *b, const struct event *ev, int i)
{
	switch (i) {
	case 0: mp_put_uint(b, ev->version); break;
	case 1: mp_put_str(b, ev->network, ev->network_len); break;
	case 2: mp_put_bin(b, ev->author, EVENT_KEY_BYTES); break;
	case 3: mp_put_uint(b, ev->seq); break;
	case 4:
		if (ev->has_prev)
			mp_put_bin(b, ev->prev, EVENT_ID_BYTES);
		else
			mp_put_nil(b);
		break;
	case 5:
		mp_put_array(b, (uint32_t)ev->ndeps);
		for (size_t j = 0; j < ev->ndeps; j++)
			mp_put_bin(b, ev->deps[j], EVENT_ID_BYTES);
		break;
	case 6: mp_put_uint(b, ev->lamport); break;
	case 7: mp_put_uint(b, ev->time_ms); break;
	case 8: mp_put_str(b, ev->case_id, ev->case_len); break;
	case 9: mp_put_str(b, ev->type, ev->type_len); break;
	case 10: buf_add(b, ev->body, ev->body_len); break;
	case 11:
		mp_put_array(b, (uint32_t)ev->nblobs);
		for (size_t j = 0; j < ev->nblobs; j++)
			mp_put_bin(b, ev->blobs[j], EVENT_ID_BYTES);
		break;
	default: mp_put_nil(b); break;
	}
}

/*
 * Writes an array of count fields of ev, unchecked, with field swap (or
 * none if -1) replaced by the raw bytes.
 */
static void
put_event_raw(struct buf *b, const struct event *ev, uint32_t count,
	      int swap, const uint8_t *raw, size_t rawn)
{
	mp_put_array(b, count);
	for (uint32_t i = 0; i < count; i++) {
		if ((int)i == swap)
			buf_add(b, raw, rawn);
		else
			put_field(b, ev, (int)i);
	}
}

/* Seals the bytes (right id, signature by k) into env. */
static void
seal_bytes(const struct key *k, const uint8_t *bytes, size_t n,
	   struct buf *env)
{
	uint8_t id[EVENT_ID_BYTES], sig[EVENT_SIG_BYTES];
	seal_id(bytes, n, id);
	seal_sign(k, id, sig);
	envelope_encode(bytes, n, id, sig, env);
}

/*
 * Checks that event_decode() refuses the bytes with want, and that
 * seal_open() refuses them sealed by k with the same code; a detail must
 * contain name (if not NULL).  Reports and returns 1 on a mismatch.
 */
static int
expect_refused(const struct key *k, const uint8_t *bytes, size_t n,
	       int want, const char *name, const char *label,
	       const char *file, int line)
{
	struct event ev, sentinel;
	struct envelope env;
	struct diag d1, d2;
	struct buf sealed = BUF_INIT;
	size_t used = 12345;
	uint8_t *copy = exact_copy(bytes, n);

	memset(&sentinel, 0x5a, sizeof(sentinel));
	ev = sentinel;
	d1.text[0] = d2.text[0] = '\0';
	int rc1 = event_decode(copy, n, &ev, &d1);
	int untouched = memcmp(&ev, &sentinel, sizeof(ev)) == 0;
	free(copy);

	seal_bytes(k, bytes, n, &sealed);
	copy = exact_copy(sealed.data, sealed.len);
	ev = sentinel;
	int rc2 = seal_open(copy, sealed.len, NET, &env, &ev, &used, &d2);
	untouched = untouched && memcmp(&ev, &sentinel, sizeof(ev)) == 0 &&
		    used == 12345;
	free(copy);
	buf_release(&sealed);

	if (rc1 != want || rc2 != want || !untouched ||
	    (name && (!strstr(d1.text, name) || !strstr(d2.text, name)))) {
		harness_fail(file, line,
			     "%s: decode %s '%s', open %s '%s', expected %s "
			     "naming '%s'%s",
			     label, err_name(rc1), d1.text, err_name(rc2),
			     d2.text, err_name(want), name ? name : "",
			     untouched ? "" : " (out-parameters written)");
		return 1;
	}
	return 0;
}

/*
 * Checks that event_encode() and seal_event() refuse ev with want, name
 * the field and leave out as it was.  Reports and returns 1 otherwise.
 */
static int
expect_encode_refused(const struct key *k, const struct event *ev, int want,
		      const char *name, const char *label, const char *file,
		      int line)
{
	struct buf out = BUF_INIT, sealed = BUF_INIT;
	struct diag d1, d2;
	d1.text[0] = d2.text[0] = '\0';
	buf_add_str(&out, "keep");
	buf_add_str(&sealed, "keep");
	int rc1 = event_encode(ev, &out, &d1);
	int rc2 = seal_event(k, ev, &sealed, NULL, &d2);
	/* Unchanged includes buf.h's invariant that data[len] is NUL. */
	int same = out.len == 4 && strcmp(buf_cstr(&out), "keep") == 0 &&
		   sealed.len == 4 && strcmp(buf_cstr(&sealed), "keep") == 0;
	int failed = rc1 != want || rc2 != want || !same ||
		     (name &&
		      (!strstr(d1.text, name) || !strstr(d2.text, name)));
	if (failed)
		harness_fail(file, line,
			     "%s: encode %s '%s', seal %s '%s', expected %s "
			     "naming '%s'; out afterwards: len %zu, "
			     "data[len] 0x%02x; sealed: len %zu",
			     label, err_name(rc1), d1.text, err_name(rc2),
			     d2.text, err_name(want), name ? name : "",
			     out.len, out.data[out.len], sealed.len);
	buf_release(&out);
	buf_release(&sealed);
	return failed;
}

/* ---- round trips ---- */

static void
test_first_event_has_the_documented_layout(void)
{
	struct key *k = test_key(1);
	struct event ev;
	struct buf out = BUF_INIT, want = BUF_INIT;
	static const uint8_t time_be[] = { 0xcf, 0x00, 0x00, 0x01, 0xa2,
					   0x17, 0x30, 0xbd, 0xc0 };
	first_event(&ev, k);
	int rc = event_encode(&ev, &out, NULL);

	buf_add(&want, "\x9d\x02\xae", 3);
	buf_add_str(&want, NET);
	buf_add(&want, "\xc4\x20", 2);
	buf_add(&want, key_public(k), 32);
	buf_add(&want, "\x01\xc0\x90\x01", 4);
	buf_add(&want, time_be, sizeof(time_be));
	buf_add_byte(&want, 0xb1);
	buf_add_str(&want, CASE_ID);
	buf_add_byte(&want, 0xab);
	buf_add_str(&want, "case.opened");
	buf_add(&want, "\x80\x90\xc0", 3);
	int same = out.len == want.len &&
		   memcmp(out.data, want.data, want.len) == 0;
	size_t at = harness_first_diff(out.data, want.data,
				       out.len < want.len ? out.len : want.len);
	buf_release(&out);
	buf_release(&want);
	key_free(k);
	CHECK_OK(rc);
	if (!same)
		harness_fail(__FILE__, __LINE__, "layout differs at byte %zu",
			     at);
}

/* encode -> decode -> the same fields -> encode -> the same bytes. */
static int
round_trip(const struct event *ev, const char *label, const char *file,
	   int line)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct event back, known;
	int rc1 = event_encode(ev, &a, NULL);
	uint8_t *copy = exact_copy(a.data, a.len);
	int rc2 = rc1 ? rc1 : event_decode(copy, a.len, &back, NULL);
	/* What a store reads back (event_decode_known) is the same event. */
	int rc4 = rc1 ? rc1 : event_decode_known(copy, a.len, &known);
	uint64_t lamport = 0, time_ms = 0;
	int rc5 = rc1 ? rc1 : event_clocks_known(copy, a.len, &lamport, &time_ms);
	int equal = rc2 == 0 && events_equal(ev, &back) && rc4 == 0 &&
		    events_equal(ev, &known) && rc5 == 0 &&
		    lamport == ev->lamport && time_ms == ev->time_ms;
	int rc3 = rc2 ? rc2 : event_encode(&back, &b, NULL);
	int same = rc3 == 0 && a.len == b.len &&
		   memcmp(a.data, b.data, a.len) == 0;
	uintptr_t lo = (uintptr_t)copy, hi = lo + a.len;
	int borrowed = rc2 == 0 && (uintptr_t)back.network >= lo &&
		       (uintptr_t)back.body >= lo && (uintptr_t)back.body < hi;
	int failed = rc1 || rc2 || rc3 || !equal || !same || !borrowed;
	if (failed)
		harness_fail(file, line,
			     "%s: encode %s, decode %s (known: %s, clocks: "
			     "%s), re-encode %s, equal %d, same bytes %d, "
			     "borrowed %d",
			     label, err_name(rc1), err_name(rc2),
			     err_name(rc4), err_name(rc5), err_name(rc3),
			     equal, same, borrowed);
	buf_release(&a);
	buf_release(&b);
	free(copy);
	return failed;
}

#define CHECK_ROUND_TRIP(ev, label)                                        \
	do {                                                               \
		if (round_trip((ev), (label), __FILE__, __LINE__)) {       \
			key_free(k);                                       \
			return;                                            \
		}                                                          \
	} while (0)

static void
test_events_round_trip(void)
{
	struct key *k = test_key(1);
	struct event ev;

	first_event(&ev, k);
	CHECK_ROUND_TRIP(&ev, "first event");
	full_event(&ev, k);
	CHECK_ROUND_TRIP(&ev, "full event");

	/* Every limit at its largest allowed value. */
	static char net[EVENT_NETWORK_MAX], cas[EVENT_CASE_MAX],
		typ[EVENT_TYPE_MAX];
	memset(net, 'N', sizeof(net));
	memset(cas, 'c', sizeof(cas));
	memset(typ, 't', sizeof(typ));
	full_event(&ev, k);
	ev.network = net;
	ev.network_len = sizeof(net);
	ev.case_id = cas;
	ev.case_len = sizeof(cas);
	ev.type = typ;
	ev.type_len = sizeof(typ);
	ev.seq = INT64_MAX;
	ev.lamport = INT64_MAX;
	ev.time_ms = INT64_MAX;
	ev.ndeps = EVENT_MAX_DEPS;
	for (size_t i = 0; i < EVENT_MAX_DEPS; i++) {
		memset(ev.deps[i], 0, EVENT_ID_BYTES);
		ev.deps[i][31] = (uint8_t)i;
	}
	ev.nblobs = EVENT_MAX_BLOBS;
	for (size_t i = 0; i < EVENT_MAX_BLOBS; i++) {
		memset(ev.blobs[i], 0xff, EVENT_ID_BYTES);
		ev.blobs[i][0] = (uint8_t)(0x10 * i);
	}
	CHECK_ROUND_TRIP(&ev, "every field at its limit");

	/* The smallest values, every allowed character. */
	first_event(&ev, k);
	ev.network = "AZaz09._-";
	ev.network_len = 9;
	ev.case_id = "x";
	ev.case_len = 1;
	ev.type = "az09._-";
	ev.type_len = 7;
	ev.time_ms = 0;
	CHECK_ROUND_TRIP(&ev, "smallest values");

	/* A body with nesting, in canonical order. */
	struct buf body = BUF_INIT;
	mp_put_map(&body, 2);
	mp_put_cstr(&body, "a");
	mp_put_array(&body, 2);
	mp_put_int(&body, -5);
	mp_put_bin(&body, "\x00\x01", 2);
	mp_put_cstr(&body, "b");
	mp_put_map(&body, 1);
	mp_put_cstr(&body, "c");
	mp_put_nil(&body);
	full_event(&ev, k);
	ev.body = body.data;
	ev.body_len = body.len;
	(void)round_trip(&ev, "nested body", __FILE__, __LINE__);
	buf_release(&body);
	key_free(k);
}

static void
test_seal_then_open_gives_the_event(void)
{
	struct key *k = test_key(1);
	struct event ev, back;
	struct envelope env;
	struct buf out = BUF_INIT, bytes = BUF_INIT;
	uint8_t id[EVENT_ID_BYTES], want_id[EVENT_ID_BYTES];
	size_t used = 0;
	full_event(&ev, k);
	int rc1 = seal_event(k, &ev, &out, id, NULL);
	int rc2 = event_encode(&ev, &bytes, NULL);
	seal_id(bytes.data, bytes.len, want_id);
	uint8_t *copy = exact_copy(out.data, out.len);
	int rc3 = seal_open(copy, out.len, NET, &env, &back, &used, NULL);
	int ok = rc3 == 0 && used == out.len && events_equal(&ev, &back) &&
		 env.event_len == bytes.len &&
		 memcmp(env.event, bytes.data, bytes.len) == 0 &&
		 env.event > copy &&
		 env.event + env.event_len < copy + out.len &&
		 memcmp(env.id, want_id, EVENT_ID_BYTES) == 0 &&
		 memcmp(id, want_id, EVENT_ID_BYTES) == 0;
	/* Without a network to check against, it opens too. */
	int rc4 = seal_open(copy, out.len, NULL, &env, &back, &used, NULL);
	free(copy);
	buf_release(&out);
	buf_release(&bytes);
	key_free(k);
	CHECK_OK(rc1);
	CHECK_OK(rc2);
	CHECK_OK(rc3);
	CHECK(ok);
	CHECK_OK(rc4);
}

static void
test_seal_appends_and_id_may_be_null(void)
{
	struct key *k = test_key(1);
	struct event ev, back;
	struct envelope env;
	struct buf out = BUF_INIT;
	size_t used = 0;
	first_event(&ev, k);
	buf_add_str(&out, "xy");
	int rc1 = seal_event(k, &ev, &out, NULL, NULL);
	int rc2 = seal_open(out.data + 2, out.len - 2, NET, &env, &back,
			    &used, NULL);
	int prefix = memcmp(out.data, "xy", 2) == 0;
	size_t len = out.len;
	buf_release(&out);
	key_free(k);
	CHECK_OK(rc1);
	CHECK_OK(rc2);
	CHECK(prefix);
	CHECK_EQ_INT(used, len - 2);
}

/* docs/format.md section 4, against values computed independently. */
static void
test_id_and_signature_match_known_answers(void)
{
	/* RFC 8032 test 1 secret key. */
	uint8_t seed[32], pk[32], id[32], sig[64], want_id[32], want_sig[64];
	BUG_ON(hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919"
			  "703bac031cae7f60",
			  seed, 32));
	BUG_ON(hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325"
			  "af021a68f707511a",
			  pk, 32));
	/* BLAKE2b-256("gridcase/event-id/v1" || "abc") */
	BUG_ON(hex_decode("af3b47130a194a06bd909cf4330d212751304f36b65cc9d5"
			  "00758a6c7a505107",
			  want_id, 32));
	/* Ed25519(seed, "gridcase/event-sig/v1" || id) */
	BUG_ON(hex_decode("8cb91dfc0760dbb27a7c112c6d1bbd17395b9dfc90a257a1"
			  "c0f11da25baecebe855ef57d23228676922363aa7da17367"
			  "0d2f7fe136f4829b0a566107f3859b01",
			  want_sig, 64));
	struct key *k = key_from_seed(seed);
	int pk_ok = memcmp(key_public(k), pk, 32) == 0;
	seal_id((const uint8_t *)"abc", 3, id);
	seal_sign(k, id, sig);
	key_free(k);
	CHECK(pk_ok);
	CHECK_EQ_MEM(id, want_id, 32);
	CHECK_EQ_MEM(sig, want_sig, 64);

	/* The signed message is the 53 bytes tag || id. */
	uint8_t msg[53];
	memcpy(msg, SEAL_SIG_TAG, 21);
	memcpy(msg + 21, id, 32);
	CHECK_EQ_INT(strlen(SEAL_ID_TAG), 20);
	CHECK_EQ_INT(strlen(SEAL_SIG_TAG), 21);
	CHECK_EQ_INT(key_verify(pk, msg, sizeof(msg), sig), 1);
}

static void
test_id_is_the_hash_of_tag_and_bytes(void)
{
	struct key *k = test_key(1);
	struct event ev;
	struct buf bytes = BUF_INIT, tagged = BUF_INIT;
	uint8_t id[32], want[32];
	full_event(&ev, k);
	int rc = event_encode(&ev, &bytes, NULL);
	buf_add_str(&tagged, SEAL_ID_TAG);
	buf_add(&tagged, bytes.data, bytes.len);
	seal_id(bytes.data, bytes.len, id);
	hash_bytes(tagged.data, tagged.len, want);
	buf_release(&bytes);
	buf_release(&tagged);
	key_free(k);
	CHECK_OK(rc);
	CHECK_EQ_MEM(id, want, 32);
}

/* ---- field rules: struct values refused by encoder and decoder ---- */

enum mutation {
	M_VERSION_0,
	M_VERSION_1,
	M_VERSION_3,
	M_NETWORK_EMPTY,
	M_NETWORK_65,
	M_NETWORK_SPACE,
	M_NETWORK_SLASH,
	M_NETWORK_NON_ASCII,
	M_NETWORK_NUL,
	M_SEQ_0,
	M_SEQ_2_63,
	M_SEQ_MAX,
	M_PREV_MISSING,
	M_PREV_AT_SEQ_1,
	M_DEPS_DESCENDING,
	M_DEPS_REPEATED,
	M_DEPS_LAST_BYTE_ORDER,
	M_LAMPORT_0,
	M_LAMPORT_2_63,
	M_TIME_2_63,
	M_TIME_MAX,
	M_CASE_EMPTY,
	M_CASE_65,
	M_CASE_COLON,
	M_CASE_SPACE,
	M_TYPE_EMPTY,
	M_TYPE_33,
	M_TYPE_UPPER,
	M_TYPE_SPACE,
	M_TYPE_SLASH,
	M_BLOBS_DESCENDING,
	M_BLOBS_REPEATED,
	M_BODY_ARRAY,
	M_BODY_NIL,
	M_BODY_INT_KEY,
	M_BODY_FLOAT,
};

static const uint8_t body_array[] = { 0x90 };
static const uint8_t body_nil[] = { 0xc0 };
static const uint8_t body_int_key[] = { 0x81, 0x01, 0x02 };
static const uint8_t body_float[] = { 0x81, 0xa1, 'a', 0xca, 0, 0, 0, 0 };

static void
mutate(struct event *ev, enum mutation m)
{
	static char long_str[80];
	memset(long_str, 'a', sizeof(long_str));
	switch (m) {
	case M_VERSION_0: ev->version = 0; break;
	case M_VERSION_1: ev->version = 1; break;
	case M_VERSION_3: ev->version = 3; break;
	case M_NETWORK_EMPTY: ev->network_len = 0; break;
	case M_NETWORK_65:
		ev->network = long_str;
		ev->network_len = EVENT_NETWORK_MAX + 1;
		break;
	case M_NETWORK_SPACE: ev->network = "north district"; break;
	case M_NETWORK_SLASH: ev->network = "north/district"; break;
	case M_NETWORK_NON_ASCII:
		ev->network = "n\xc3\xb6rth-district";
		ev->network_len = 15;
		break;
	case M_NETWORK_NUL: ev->network = "north\0district"; break;
	case M_SEQ_0: ev->seq = 0; break;
	case M_SEQ_2_63: ev->seq = (uint64_t)INT64_MAX + 1; break;
	case M_SEQ_MAX: ev->seq = UINT64_MAX; break;
	case M_PREV_MISSING: ev->has_prev = 0; break;
	case M_PREV_AT_SEQ_1: ev->seq = 1; break;
	case M_DEPS_DESCENDING:
		memset(ev->deps[0], 0x22, EVENT_ID_BYTES);
		memset(ev->deps[1], 0x11, EVENT_ID_BYTES);
		break;
	case M_DEPS_REPEATED:
		memset(ev->deps[1], 0x11, EVENT_ID_BYTES);
		break;
	case M_DEPS_LAST_BYTE_ORDER:
		memset(ev->deps[1], 0x11, EVENT_ID_BYTES);
		ev->deps[0][31] = 0x12;
		break;
	case M_LAMPORT_0: ev->lamport = 0; break;
	case M_LAMPORT_2_63: ev->lamport = (uint64_t)INT64_MAX + 1; break;
	case M_TIME_2_63: ev->time_ms = (uint64_t)INT64_MAX + 1; break;
	case M_TIME_MAX: ev->time_ms = UINT64_MAX; break;
	case M_CASE_EMPTY: ev->case_len = 0; break;
	case M_CASE_65:
		ev->case_id = long_str;
		ev->case_len = EVENT_CASE_MAX + 1;
		break;
	case M_CASE_COLON: ev->case_id = "20261126:ab3k9xyz"; break;
	case M_CASE_SPACE: ev->case_id = "20261126 ab3k9xyz"; break;
	case M_TYPE_EMPTY: ev->type_len = 0; break;
	case M_TYPE_33:
		ev->type = long_str;
		ev->type_len = EVENT_TYPE_MAX + 1;
		break;
	case M_TYPE_UPPER: ev->type = "Note.added"; break;
	case M_TYPE_SPACE: ev->type = "note added"; break;
	case M_TYPE_SLASH: ev->type = "note/added"; break;
	case M_BLOBS_DESCENDING:
		ev->nblobs = 2;
		memset(ev->blobs[1], 0x32, EVENT_ID_BYTES);
		break;
	case M_BLOBS_REPEATED:
		ev->nblobs = 2;
		memset(ev->blobs[1], 0x33, EVENT_ID_BYTES);
		break;
	case M_BODY_ARRAY:
		ev->body = body_array;
		ev->body_len = sizeof(body_array);
		break;
	case M_BODY_NIL:
		ev->body = body_nil;
		ev->body_len = sizeof(body_nil);
		break;
	case M_BODY_INT_KEY:
		ev->body = body_int_key;
		ev->body_len = sizeof(body_int_key);
		break;
	case M_BODY_FLOAT:
		ev->body = body_float;
		ev->body_len = sizeof(body_float);
		break;
	}
}

static const struct {
	const char *label;
	enum mutation m;
	int want_encode, want_decode;
	const char *name;
} field_rules[] = {
	{ "version 0", M_VERSION_0, ERR_VERSION, ERR_VERSION, "version" },
	{ "version 1 (older)", M_VERSION_1, ERR_VERSION, ERR_VERSION, "older" },
	{ "version 3 (newer)", M_VERSION_3, ERR_VERSION, ERR_VERSION, "newer" },
	{ "empty network", M_NETWORK_EMPTY, ERR_FORMAT, ERR_FORMAT,
	  "(network)" },
	{ "network of 65 bytes", M_NETWORK_65, ERR_FORMAT, ERR_FORMAT,
	  "(network)" },
	{ "network with a space", M_NETWORK_SPACE, ERR_FORMAT, ERR_FORMAT,
	  "(network)" },
	{ "network with a slash", M_NETWORK_SLASH, ERR_FORMAT, ERR_FORMAT,
	  "(network)" },
	{ "network with a non-ASCII letter", M_NETWORK_NON_ASCII, ERR_FORMAT,
	  ERR_FORMAT, "(network)" },
	{ "network with a NUL", M_NETWORK_NUL, ERR_FORMAT, ERR_FORMAT,
	  "(network)" },
	{ "seq 0", M_SEQ_0, ERR_FORMAT, ERR_FORMAT, "(seq)" },
	{ "seq 2^63", M_SEQ_2_63, ERR_FORMAT, ERR_FORMAT, "(seq)" },
	{ "seq 2^64-1", M_SEQ_MAX, ERR_FORMAT, ERR_FORMAT, "(seq)" },
	{ "nil prev at seq 3", M_PREV_MISSING, ERR_FORMAT, ERR_FORMAT,
	  "(prev)" },
	{ "a prev at seq 1", M_PREV_AT_SEQ_1, ERR_FORMAT, ERR_FORMAT,
	  "(prev)" },
	{ "descending deps", M_DEPS_DESCENDING, ERR_FORMAT, ERR_FORMAT,
	  "(deps)" },
	{ "repeated deps", M_DEPS_REPEATED, ERR_FORMAT, ERR_FORMAT,
	  "(deps)" },
	{ "deps out of order in the last byte", M_DEPS_LAST_BYTE_ORDER,
	  ERR_FORMAT, ERR_FORMAT, "(deps)" },
	{ "lamport 0", M_LAMPORT_0, ERR_FORMAT, ERR_FORMAT, "(lamport)" },
	{ "lamport 2^63", M_LAMPORT_2_63, ERR_FORMAT, ERR_FORMAT,
	  "(lamport)" },
	{ "time 2^63", M_TIME_2_63, ERR_FORMAT, ERR_FORMAT, "(time)" },
	{ "time 2^64-1", M_TIME_MAX, ERR_FORMAT, ERR_FORMAT, "(time)" },
	{ "empty case", M_CASE_EMPTY, ERR_FORMAT, ERR_FORMAT, "(case)" },
	{ "case of 65 bytes", M_CASE_65, ERR_FORMAT, ERR_FORMAT, "(case)" },
	{ "case with a colon", M_CASE_COLON, ERR_FORMAT, ERR_FORMAT,
	  "(case)" },
	{ "case with a space", M_CASE_SPACE, ERR_FORMAT, ERR_FORMAT,
	  "(case)" },
	{ "empty type", M_TYPE_EMPTY, ERR_FORMAT, ERR_FORMAT, "(type)" },
	{ "type of 33 bytes", M_TYPE_33, ERR_FORMAT, ERR_FORMAT, "(type)" },
	{ "type with a capital", M_TYPE_UPPER, ERR_FORMAT, ERR_FORMAT,
	  "(type)" },
	{ "type with a space", M_TYPE_SPACE, ERR_FORMAT, ERR_FORMAT,
	  "(type)" },
	{ "type with a slash", M_TYPE_SLASH, ERR_FORMAT, ERR_FORMAT,
	  "(type)" },
	{ "descending blobs", M_BLOBS_DESCENDING, ERR_FORMAT, ERR_FORMAT,
	  "(blobs)" },
	{ "repeated blobs", M_BLOBS_REPEATED, ERR_FORMAT, ERR_FORMAT,
	  "(blobs)" },
	{ "body is an array", M_BODY_ARRAY, ERR_FORMAT, ERR_FORMAT,
	  "(body)" },
	{ "body is nil", M_BODY_NIL, ERR_FORMAT, ERR_FORMAT, "(body)" },
	/* The decoder checks canonical form (section 1) before fields. */
	{ "body with an int key", M_BODY_INT_KEY, ERR_FORMAT, ERR_FORMAT,
	  NULL },
	{ "body with a float", M_BODY_FLOAT, ERR_FORMAT, ERR_MALFORMED,
	  NULL },
};

static void
test_field_rules_are_refused_by_the_encoder(void)
{
	struct key *k = test_key(1);
	for (size_t i = 0; i < sizeof(field_rules) / sizeof(field_rules[0]);
	     i++) {
		struct event ev;
		full_event(&ev, k);
		mutate(&ev, field_rules[i].m);
		const char *name = field_rules[i].name;
		if (field_rules[i].m == M_BODY_INT_KEY ||
		    field_rules[i].m == M_BODY_FLOAT)
			name = "(body)";
		if (expect_encode_refused(k, &ev, field_rules[i].want_encode,
					  name, field_rules[i].label,
					  __FILE__, __LINE__))
			break;
	}
	key_free(k);
}

static void
test_field_rules_are_refused_by_the_decoder(void)
{
	struct key *k = test_key(1);
	for (size_t i = 0; i < sizeof(field_rules) / sizeof(field_rules[0]);
	     i++) {
		struct event ev;
		struct buf bytes = BUF_INIT;
		full_event(&ev, k);
		mutate(&ev, field_rules[i].m);
		put_event_raw(&bytes, &ev, EVENT_FIELDS, -1, NULL, 0);
		int bad = expect_refused(k, bytes.data, bytes.len,
					 field_rules[i].want_decode,
					 field_rules[i].name,
					 field_rules[i].label, __FILE__,
					 __LINE__);
		buf_release(&bytes);
		if (bad)
			break;
	}
	key_free(k);
}

static void
test_non_canonical_body_is_refused(void)
{
	/* {"b": 1, "a": 2}: keys out of order. */
	static const uint8_t unsorted[] = { 0x82, 0xa1, 'b', 0x01,
					    0xa1, 'a', 0x02 };
	static const uint8_t trailing[] = { 0x80, 0xc0 };
	static const uint8_t empty[1] = { 0 };
	struct key *k = test_key(1);
	struct event ev;
	struct buf bytes = BUF_INIT;

	full_event(&ev, k);
	ev.body = unsorted;
	ev.body_len = sizeof(unsorted);
	if (expect_encode_refused(k, &ev, ERR_FORMAT, "(body)",
				  "unsorted body", __FILE__, __LINE__))
		goto out;
	put_event_raw(&bytes, &ev, EVENT_FIELDS, -1, NULL, 0);
	if (expect_refused(k, bytes.data, bytes.len, ERR_NONCANON, NULL,
			   "unsorted body", __FILE__, __LINE__))
		goto out;

	/* A body of two values, or of none, is no single map. */
	ev.body = trailing;
	ev.body_len = sizeof(trailing);
	if (expect_encode_refused(k, &ev, ERR_FORMAT, "(body)",
				  "body with a trailing value", __FILE__,
				  __LINE__))
		goto out;
	ev.body = empty;
	ev.body_len = 0;
	if (expect_encode_refused(k, &ev, ERR_FORMAT, "(body)", "empty body",
				  __FILE__, __LINE__))
		goto out;
out:
	buf_release(&bytes);
	key_free(k);
}

static void
test_too_many_deps_or_blobs_are_refused_by_the_encoder(void)
{
	struct key *k = test_key(1);
	struct event ev;
	full_event(&ev, k);
	ev.ndeps = EVENT_MAX_DEPS + 1;
	int bad = expect_encode_refused(k, &ev, ERR_FORMAT, "(deps)",
					"33 deps", __FILE__, __LINE__);
	full_event(&ev, k);
	ev.nblobs = EVENT_MAX_BLOBS + 1;
	bad = bad || expect_encode_refused(k, &ev, ERR_FORMAT, "(blobs)",
					   "17 blobs", __FILE__, __LINE__);
	ev.nblobs = SIZE_MAX;
	bad = bad || expect_encode_refused(k, &ev, ERR_FORMAT, "(blobs)",
					   "2^64-1 blobs", __FILE__, __LINE__);
	key_free(k);
	(void)bad; /* a failure has been reported by the helper */
}

/* An array of n ascending bin 32 ids (or bins of len bytes). */
static void
put_id_list(struct buf *b, size_t n, size_t len)
{
	mp_put_array(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		uint8_t id[64];
		memset(id, 0, sizeof(id));
		id[0] = (uint8_t)i;
		mp_put_bin(b, id, len);
	}
}

static void
test_too_many_deps_or_blobs_are_refused_by_the_decoder(void)
{
	static const struct {
		const char *label;
		int field;
		size_t n, len;
		int want;
		const char *name;
	} cases[] = {
		{ "32 deps", 5, 32, 32, 0, NULL },
		{ "33 deps", 5, 33, 32, ERR_FORMAT, "(deps)" },
		{ "100 deps", 5, 100, 32, ERR_FORMAT, "(deps)" },
		{ "a dep of 31 bytes", 5, 2, 31, ERR_FORMAT, "(deps)" },
		{ "a dep of 33 bytes", 5, 1, 33, ERR_FORMAT, "(deps)" },
		{ "16 blobs", 11, 16, 32, 0, NULL },
		{ "17 blobs", 11, 17, 32, ERR_FORMAT, "(blobs)" },
		{ "a blob of 31 bytes", 11, 1, 31, ERR_FORMAT, "(blobs)" },
		{ "a blob of 64 bytes", 11, 1, 64, ERR_FORMAT, "(blobs)" },
	};
	struct key *k = test_key(1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct event ev, back;
		struct buf raw = BUF_INIT, bytes = BUF_INIT;
		full_event(&ev, k);
		put_id_list(&raw, cases[i].n, cases[i].len);
		put_event_raw(&bytes, &ev, EVENT_FIELDS, cases[i].field,
			      raw.data, raw.len);
		int bad;
		if (cases[i].want == 0) {
			int rc = event_decode(bytes.data, bytes.len, &back,
					      NULL);
			bad = rc != 0;
			if (bad)
				harness_fail(__FILE__, __LINE__, "%s: %s",
					     cases[i].label, err_name(rc));
		} else {
			bad = expect_refused(k, bytes.data, bytes.len,
					     cases[i].want, cases[i].name,
					     cases[i].label, __FILE__,
					     __LINE__);
		}
		buf_release(&raw);
		buf_release(&bytes);
		if (bad)
			break;
	}
	key_free(k);
}

/* ---- field rules: wire types the struct cannot express ---- */

static const struct {
	const char *label;
	int field;
	const char *hex;
	int want;
	const char *name;
} wire_rules[] = {
	{ "version as a str", 0, "a1 31", ERR_FORMAT, "(version)" },
	{ "version -1", 0, "ff", ERR_FORMAT, "(version)" },
	{ "version nil", 0, "c0", ERR_FORMAT, "(version)" },
	{ "version true", 0, "c3", ERR_FORMAT, "(version)" },
	{ "version 2^64-1", 0, "cf ff ff ff ff ff ff ff ff", ERR_VERSION,
	  "version" },
	{ "network as bin", 1, "c4 01 61", ERR_FORMAT, "(network)" },
	{ "network as an int", 1, "01", ERR_FORMAT, "(network)" },
	{ "network nil", 1, "c0", ERR_FORMAT, "(network)" },
	{ "author of 31 bytes", 2,
	  "c4 1f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_FORMAT, "(author)" },
	{ "author of 33 bytes", 2,
	  "c4 21 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_FORMAT, "(author)" },
	{ "empty author", 2, "c4 00", ERR_FORMAT, "(author)" },
	{ "author as a str", 2,
	  "a0", ERR_FORMAT, "(author)" },
	{ "author nil", 2, "c0", ERR_FORMAT, "(author)" },
	{ "seq as a str", 3, "a1 33", ERR_FORMAT, "(seq)" },
	{ "seq -3", 3, "fd", ERR_FORMAT, "(seq)" },
	{ "seq nil", 3, "c0", ERR_FORMAT, "(seq)" },
	{ "prev of 31 bytes", 4,
	  "c4 1f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_FORMAT, "(prev)" },
	{ "empty prev", 4, "c4 00", ERR_FORMAT, "(prev)" },
	{ "prev as a str", 4, "a1 61", ERR_FORMAT, "(prev)" },
	{ "prev false", 4, "c2", ERR_FORMAT, "(prev)" },
	{ "prev as an array", 4, "90", ERR_FORMAT, "(prev)" },
	{ "deps nil", 5, "c0", ERR_FORMAT, "(deps)" },
	{ "deps as a map", 5, "80", ERR_FORMAT, "(deps)" },
	{ "deps as bin", 5, "c4 00", ERR_FORMAT, "(deps)" },
	{ "a dep that is a str", 5, "91 a0", ERR_FORMAT, "(deps)" },
	{ "a dep that is nil", 5, "91 c0", ERR_FORMAT, "(deps)" },
	{ "lamport as a str", 6, "a1 37", ERR_FORMAT, "(lamport)" },
	{ "lamport -7", 6, "f9", ERR_FORMAT, "(lamport)" },
	{ "time -1", 7, "ff", ERR_FORMAT, "(time)" },
	{ "time as a str", 7, "a0", ERR_FORMAT, "(time)" },
	{ "time nil", 7, "c0", ERR_FORMAT, "(time)" },
	{ "case as bin", 8, "c4 01 61", ERR_FORMAT, "(case)" },
	{ "case as an int", 8, "07", ERR_FORMAT, "(case)" },
	{ "type as bin", 9, "c4 01 61", ERR_FORMAT, "(type)" },
	{ "type nil", 9, "c0", ERR_FORMAT, "(type)" },
	{ "body as a str", 10, "a1 61", ERR_FORMAT, "(body)" },
	{ "body as an int", 10, "05", ERR_FORMAT, "(body)" },
	{ "body as bin", 10, "c4 00", ERR_FORMAT, "(body)" },
	{ "blobs nil", 11, "c0", ERR_FORMAT, "(blobs)" },
	{ "blobs as a map", 11, "80", ERR_FORMAT, "(blobs)" },
	{ "a blob that is a str", 11, "91 a0", ERR_FORMAT, "(blobs)" },
	{ "reserved 0", 12, "00", ERR_FORMAT, "(reserved)" },
	{ "reserved false", 12, "c2", ERR_FORMAT, "(reserved)" },
	{ "reserved empty array", 12, "90", ERR_FORMAT, "(reserved)" },
	{ "reserved empty map", 12, "80", ERR_FORMAT, "(reserved)" },
	{ "reserved empty str", 12, "a0", ERR_FORMAT, "(reserved)" },
	{ "reserved empty bin", 12, "c4 00", ERR_FORMAT, "(reserved)" },
	/* Section 1 comes before the fields. */
	{ "seq in a non-shortest form", 3, "cc 03", ERR_NONCANON, NULL },
	{ "network in str8", 1,
	  "d9 0e 6e 6f 72 74 68 2d 64 69 73 74 72 69 63 74", ERR_NONCANON,
	  NULL },
	{ "author in bin16", 2,
	  "c5 00 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_NONCANON, NULL },
	{ "a float lamport", 6, "ca 40 e0 00 00", ERR_MALFORMED, NULL },
	{ "case with invalid UTF-8", 8, "a2 c0 80", ERR_MALFORMED, NULL },
	{ "an ext time", 7, "d6 ff 00 00 00 00", ERR_MALFORMED, NULL },
};

static void
test_wire_types_are_refused_by_the_decoder(void)
{
	struct key *k = test_key(1);
	for (size_t i = 0; i < sizeof(wire_rules) / sizeof(wire_rules[0]);
	     i++) {
		struct event ev;
		struct buf bytes = BUF_INIT;
		size_t n;
		uint8_t *raw = unhex(wire_rules[i].hex, &n);
		full_event(&ev, k);
		put_event_raw(&bytes, &ev, EVENT_FIELDS, wire_rules[i].field,
			      raw, n);
		int bad = expect_refused(k, bytes.data, bytes.len,
					 wire_rules[i].want,
					 wire_rules[i].name,
					 wire_rules[i].label, __FILE__,
					 __LINE__);
		free(raw);
		buf_release(&bytes);
		if (bad)
			break;
	}
	key_free(k);
}

static void
test_shape_is_refused_by_the_decoder(void)
{
	struct key *k = test_key(1);
	struct event ev;
	struct buf b = BUF_INIT;
	full_event(&ev, k);
	int bad = 0;

	put_event_raw(&b, &ev, 12, -1, NULL, 0);
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, "13",
				    "12 fields", __FILE__, __LINE__);
	buf_reset(&b);
	put_event_raw(&b, &ev, 14, -1, NULL, 0);
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, "13",
				    "14 fields", __FILE__, __LINE__);
	buf_reset(&b);
	put_event_raw(&b, &ev, 0, -1, NULL, 0);
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, "13",
				    "no fields", __FILE__, __LINE__);
	buf_reset(&b);
	mp_put_map(&b, 0);
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, "map",
				    "a map", __FILE__, __LINE__);
	buf_reset(&b);
	mp_put_uint(&b, 1);
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, "scalar",
				    "a scalar", __FILE__, __LINE__);
	buf_reset(&b);
	mp_put_cstr(&b, "event");
	bad = bad || expect_refused(k, b.data, b.len, ERR_FORMAT, NULL,
				    "a str", __FILE__, __LINE__);
	buf_reset(&b);

	/* 13 fields in an array16 header: not canonical. */
	buf_add(&b, "\xdc\x00\x0d", 3);
	for (int i = 0; i < EVENT_FIELDS; i++)
		put_field(&b, &ev, i);
	bad = bad || expect_refused(k, b.data, b.len, ERR_NONCANON, NULL,
				    "array16 header", __FILE__, __LINE__);
	buf_reset(&b);

	/* One byte after the event. */
	put_event_raw(&b, &ev, EVENT_FIELDS, -1, NULL, 0);
	buf_add_byte(&b, 0xc0);
	bad = bad || expect_refused(k, b.data, b.len, ERR_TRAILING, NULL,
				    "trailing nil", __FILE__, __LINE__);
	buf_reset(&b);

	bad = bad || expect_refused(k, (const uint8_t *)"", 0, ERR_TRUNCATED,
				    NULL, "empty", __FILE__, __LINE__);
	buf_release(&b);
	key_free(k);
	(void)bad; /* a failure has been reported by the helper */
}

static void
test_truncated_event_is_truncated_at_every_byte(void)
{
	struct key *k = test_key(1);
	struct event ev, back;
	struct buf b = BUF_INIT;
	full_event(&ev, k);
	int rc = event_encode(&ev, &b, NULL);
	for (size_t i = 0; rc == 0 && i < b.len; i++) {
		uint8_t *copy = exact_copy(b.data, i);
		int r = event_decode(copy, i, &back, NULL);
		free(copy);
		if (r != ERR_TRUNCATED) {
			harness_fail(__FILE__, __LINE__,
				     "%zu of %zu bytes: %s", i, b.len,
				     err_name(r));
			break;
		}
	}
	buf_release(&b);
	key_free(k);
	CHECK_OK(rc);
}

/* The decoder reports size, then canonical form, then fields in order. */
static void
test_problems_are_reported_in_the_documented_order(void)
{
	struct key *k = test_key(1);
	struct event ev;
	struct buf b = BUF_INIT;
	struct event back;
	struct diag d;
	full_event(&ev, k);

	/* Version 3 and a str seq: the version is reported. */
	ev.version = 3;
	put_event_raw(&b, &ev, EVENT_FIELDS, 3, (const uint8_t *)"\xa1x", 2);
	int rc1 = event_decode(b.data, b.len, &back, NULL);
	buf_reset(&b);

	/* Bad network chars and a non-canonical time: canonical first. */
	full_event(&ev, k);
	ev.network = "bad network";
	ev.network_len = 11;
	put_event_raw(&b, &ev, EVENT_FIELDS, 7,
		      (const uint8_t *)"\xcd\x00\x10", 3);
	int rc2 = event_decode(b.data, b.len, &back, NULL);
	buf_reset(&b);

	/* A wrong author length and a wrong type: the author is named. */
	full_event(&ev, k);
	mp_put_array(&b, EVENT_FIELDS);
	for (int i = 0; i < EVENT_FIELDS; i++) {
		if (i == 2)
			buf_add(&b, "\xc4\x00", 2);
		else if (i == 9)
			buf_add_byte(&b, 0x07);
		else
			put_field(&b, &ev, i);
	}
	int rc3 = event_decode(b.data, b.len, &back, &d);
	buf_release(&b);
	key_free(k);
	CHECK_ERR(rc1, ERR_VERSION);
	CHECK_ERR(rc2, ERR_NONCANON);
	CHECK_ERR(rc3, ERR_FORMAT);
	CHECK(strstr(d.text, "(author)") != NULL);
}

/* ---- size ---- */

/*
 * Builds, unchecked, ev with a body {"k": "yyy..."} that makes the event
 * exactly n bytes (n well above 256).
 */
static void
put_event_of_size(struct buf *out, struct buf *body, const struct key *k,
		  size_t n)
{
	struct event ev;
	struct buf small = BUF_INIT;
	full_event(&ev, k);
	put_event_raw(&small, &ev, EVENT_FIELDS, -1, NULL, 0);
	/* The body grows from 12 bytes to 1 + 2 + header + m. */
	size_t rest = n - (small.len - ev.body_len);
	size_t m = rest - 6; /* fixmap, "k", str16 header */
	if (m > 65535)
		m = rest - 8; /* str32 header */
	buf_release(&small);
	char *s = xmalloc(m);
	memset(s, 'y', m);
	mp_put_map(body, 1);
	mp_put_cstr(body, "k");
	mp_put_str(body, s, m);
	free(s);
	ev.body = body->data;
	ev.body_len = body->len;
	put_event_raw(out, &ev, EVENT_FIELDS, -1, NULL, 0);
	BUG_ON(out->len != n);
}

static void
test_event_at_the_size_limit_is_accepted(void)
{
	struct key *k = test_key(1);
	struct buf raw = BUF_INIT, body = BUF_INIT, enc = BUF_INIT,
		   sealed = BUF_INIT;
	struct event ev, back;
	struct envelope env;
	size_t used;
	put_event_of_size(&raw, &body, k, EVENT_MAX_BYTES);
	int rc1 = event_decode(raw.data, raw.len, &back, NULL);
	int rc2 = rc1 ? rc1 : event_encode(&back, &enc, NULL);
	int same = rc2 == 0 && enc.len == raw.len &&
		   memcmp(enc.data, raw.data, raw.len) == 0;
	full_event(&ev, k);
	ev.body = body.data;
	ev.body_len = body.len;
	int rc3 = seal_event(k, &ev, &sealed, NULL, NULL);
	int rc4 = rc3 ? rc3 : seal_open(sealed.data, sealed.len, NET, &env,
					&back, &used, NULL);
	int bin32 = sealed.len > 1 && sealed.data[1] == 0xc6;
	buf_release(&raw);
	buf_release(&body);
	buf_release(&enc);
	buf_release(&sealed);
	key_free(k);
	CHECK_OK(rc1);
	CHECK_OK(rc2);
	CHECK(same);
	CHECK_OK(rc3);
	CHECK_OK(rc4);
	CHECK(bin32);
}

static void
test_event_over_the_size_limit_is_too_big(void)
{
	struct key *k = test_key(1);
	struct buf raw = BUF_INIT, body = BUF_INIT;
	struct event ev;
	put_event_of_size(&raw, &body, k, EVENT_MAX_BYTES + 1);
	full_event(&ev, k);
	ev.body = body.data;
	ev.body_len = body.len;
	int bad = expect_encode_refused(k, &ev, ERR_TOOBIG, "65536",
					"65537-byte event", __FILE__,
					__LINE__);
	bad = bad || expect_refused(k, raw.data, raw.len, ERR_TOOBIG,
				    "65536", "65537-byte event", __FILE__,
				    __LINE__);
	buf_release(&raw);
	buf_release(&body);
	key_free(k);
	(void)bad; /* a failure has been reported by the helper */
}

static void
test_size_is_checked_before_anything_else(void)
{
	size_t n = EVENT_MAX_BYTES + 1;
	uint8_t *junk = xmalloc(n);
	struct event ev;
	memset(junk, 0xc1, n);
	int rc1 = event_decode(junk, n, &ev, NULL);
	memset(junk, 0x00, n);
	int rc2 = event_decode(junk, n, &ev, NULL);
	int rc3 = event_decode(junk, SIZE_MAX, &ev, NULL);
	free(junk);
	CHECK_ERR(rc1, ERR_TOOBIG);
	CHECK_ERR(rc2, ERR_TOOBIG);
	CHECK_ERR(rc3, ERR_TOOBIG);
}

/* ---- the envelope ---- */

static void
test_envelope_walks_a_stream(void)
{
	struct key *a = test_key(1), *b = test_key(2);
	struct event ev;
	struct buf stream = BUF_INIT;
	size_t ends[3];
	first_event(&ev, a);
	int rc = seal_event(a, &ev, &stream, NULL, NULL);
	ends[0] = stream.len;
	full_event(&ev, a);
	rc = rc ? rc : seal_event(a, &ev, &stream, NULL, NULL);
	ends[1] = stream.len;
	first_event(&ev, b);
	rc = rc ? rc : seal_event(b, &ev, &stream, NULL, NULL);
	ends[2] = stream.len;
	uint8_t *p = exact_copy(stream.data, stream.len);
	size_t off = 0, n = stream.len;
	int count = 0, bad = 0;
	while (rc == 0 && off < n && count < 3) {
		struct envelope env, env2;
		struct event back;
		size_t used = 0, used2 = 0;
		int r1 = envelope_read(p + off, n - off, &env, &used, NULL);
		int r2 = seal_open(p + off, n - off, NET, &env2, &back, &used2,
				   NULL);
		if (r1 || r2 || used != used2 || off + used != ends[count] ||
		    env.event != env2.event) {
			bad = 1;
			break;
		}
		off += used;
		count++;
	}
	free(p);
	buf_release(&stream);
	key_free(a);
	key_free(b);
	CHECK_OK(rc);
	CHECK(!bad);
	CHECK_EQ_INT(count, 3);
}

/* A valid envelope around the full event, sealed by k. */
static void
sample_envelope(const struct key *k, struct buf *out)
{
	struct event ev;
	full_event(&ev, k);
	BUG_ON(seal_event(k, &ev, out, NULL, NULL) != 0);
}

static const struct {
	const char *label;
	const char *hex;
	int want;
} bad_envelopes[] = {
	{ "empty", "", ERR_TRUNCATED },
	{ "a map", "80", ERR_FORMAT },
	{ "a nil", "c0", ERR_FORMAT },
	{ "0xc1", "c1", ERR_MALFORMED },
	{ "a float", "ca 00 00 00 00", ERR_MALFORMED },
	{ "two fields", "92 c4 00 c4 00", ERR_FORMAT },
	{ "four fields", "94 c4 00 c4 00 c4 00 c4 00", ERR_FORMAT },
	{ "three fields in array16", "dc 00 03 c4 00 c4 00 c4 00",
	  ERR_NONCANON },
	{ "event as a str", "93 a1 61 c4 00 c4 00", ERR_FORMAT },
	{ "event as nil", "93 c0 c4 00 c4 00", ERR_FORMAT },
	{ "event in bin16 under 256", "93 c5 00 01 61 c4 00 c4 00",
	  ERR_NONCANON },
	{ "event cut short", "93 c4 05 61", ERR_TRUNCATED },
	{ "event of 2^32-1 claimed", "93 c6 ff ff ff ff 00", ERR_TOOBIG },
	{ "event of 65537 claimed", "93 c6 00 01 00 01", ERR_TOOBIG },
	{ "event of 65536 claimed, cut", "93 c6 00 01 00 00 00",
	  ERR_TRUNCATED },
	{ "header cut", "93 c6 00 01", ERR_TRUNCATED },
	{ "id of 31 bytes",
	  "93 c4 00 c4 1f 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 c4 00",
	  ERR_FORMAT },
	{ "id as a str", "93 c4 00 a0 c4 00", ERR_FORMAT },
	{ "id missing", "93 c4 00", ERR_TRUNCATED },
	{ "sig of 0 bytes",
	  "93 c4 00 c4 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 c4 00",
	  ERR_FORMAT },
	{ "sig as nil",
	  "93 c4 00 c4 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 c0",
	  ERR_FORMAT },
	{ "sig missing",
	  "93 c4 00 c4 20 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 "
	  "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	  ERR_TRUNCATED },
};

static void
test_bad_envelopes_are_refused(void)
{
	for (size_t i = 0;
	     i < sizeof(bad_envelopes) / sizeof(bad_envelopes[0]); i++) {
		size_t n;
		uint8_t *p = unhex(bad_envelopes[i].hex, &n);
		struct envelope env, env2;
		struct event ev;
		size_t used = 77, used2 = 77;
		int r1 = envelope_read(p, n, &env, &used, NULL);
		int r2 = seal_open(p, n, NET, &env2, &ev, &used2, NULL);
		free(p);
		if (r1 != bad_envelopes[i].want ||
		    r2 != bad_envelopes[i].want || used != 77 ||
		    used2 != 77) {
			harness_fail(__FILE__, __LINE__,
				     "%s: read %s, open %s, expected %s",
				     bad_envelopes[i].label, err_name(r1),
				     err_name(r2),
				     err_name(bad_envelopes[i].want));
			return;
		}
	}
}

static void
test_envelope_of_an_oversized_event_is_too_big(void)
{
	size_t n = EVENT_MAX_BYTES + 1;
	uint8_t *event = xmalloc(n), id[32], sig[64];
	struct buf env = BUF_INIT;
	struct envelope e;
	struct event ev;
	struct diag d;
	size_t used;
	memset(event, 0, n);
	memset(id, 0, sizeof(id));
	memset(sig, 0, sizeof(sig));
	envelope_encode(event, n, id, sig, &env);
	int r1 = envelope_read(env.data, env.len, &e, &used, &d);
	int r2 = seal_open(env.data, env.len, NET, &e, &ev, &used, NULL);
	/* Only the first bytes of a stream: the claim alone is enough. */
	int r3 = envelope_read(env.data, 6, &e, &used, NULL);
	free(event);
	buf_release(&env);
	CHECK_ERR(r1, ERR_TOOBIG);
	CHECK(strstr(d.text, "65537") != NULL);
	CHECK_ERR(r2, ERR_TOOBIG);
	CHECK_ERR(r3, ERR_TOOBIG);
}

static void
test_envelope_allows_bytes_after_it(void)
{
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	struct envelope env;
	struct event ev;
	size_t used = 0, used2 = 0;
	sample_envelope(k, &b);
	size_t len = b.len;
	buf_add(&b, "\xc1\xc1\xc1", 3);
	int r1 = envelope_read(b.data, b.len, &env, &used, NULL);
	int r2 = seal_open(b.data, b.len, NET, &env, &ev, &used2, NULL);
	buf_release(&b);
	key_free(k);
	CHECK_OK(r1);
	CHECK_OK(r2);
	CHECK_EQ_INT(used, len);
	CHECK_EQ_INT(used2, len);
}

static void
test_truncated_envelope_is_truncated_at_every_byte(void)
{
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	sample_envelope(k, &b);
	for (size_t i = 0; i < b.len; i++) {
		uint8_t *p = exact_copy(b.data, i);
		struct envelope env;
		struct event ev;
		size_t used;
		int r1 = envelope_read(p, i, &env, &used, NULL);
		int r2 = seal_open(p, i, NET, &env, &ev, &used, NULL);
		free(p);
		if (r1 != ERR_TRUNCATED || r2 != ERR_TRUNCATED) {
			harness_fail(__FILE__, __LINE__,
				     "%zu of %zu bytes: read %s, open %s", i,
				     b.len, err_name(r1), err_name(r2));
			break;
		}
	}
	buf_release(&b);
	key_free(k);
}

/* ---- opening: network, id, signature ---- */

static void
test_wrong_network_is_refused(void)
{
	static const char *const others[] = { "south-district",
					       "north-district-2", "north",
					       "North-district", "" };
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	sample_envelope(k, &b);
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		struct envelope env;
		struct event ev;
		struct diag d;
		size_t used = 5;
		int rc = seal_open(b.data, b.len, others[i], &env, &ev, &used,
				   &d);
		if (rc != ERR_NETWORK || used != 5 ||
		    !strstr(d.text, "north-district")) {
			harness_fail(__FILE__, __LINE__,
				     "network '%s': %s '%s'", others[i],
				     err_name(rc), d.text);
			break;
		}
	}
	buf_release(&b);
	key_free(k);
}

/* Offset of the id inside the sample envelope: [ bin16 event, bin8 id. */
static size_t
id_offset(const struct buf *b)
{
	struct envelope env;
	size_t used;
	BUG_ON(envelope_read(b->data, b->len, &env, &used, NULL) != 0);
	return (size_t)(env.event - b->data) + env.event_len + 2;
}

static void
test_wrong_id_is_refused(void)
{
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	struct envelope env;
	struct event ev;
	struct diag d;
	size_t used;
	sample_envelope(k, &b);
	size_t at = id_offset(&b);
	b.data[at + 31] ^= 0x01;
	int r1 = seal_open(b.data, b.len, NET, &env, &ev, &used, &d);
	/* A wrong network is found before a wrong id. */
	int r2 = seal_open(b.data, b.len, "elsewhere", &env, &ev, &used,
			   NULL);
	buf_release(&b);
	key_free(k);
	CHECK_ERR(r1, ERR_BADID);
	CHECK(strstr(d.text, "id") != NULL);
	CHECK_ERR(r2, ERR_NETWORK);
}

static void
test_id_of_other_bytes_is_refused(void)
{
	/* The id and signature of one event around another's bytes. */
	struct key *k = test_key(1);
	struct event ev;
	struct buf one = BUF_INIT, two = BUF_INIT, env = BUF_INIT;
	uint8_t id[32], sig[64];
	struct envelope e;
	struct event back;
	size_t used;
	first_event(&ev, k);
	int rc1 = event_encode(&ev, &one, NULL);
	ev.time_ms++;
	int rc2 = event_encode(&ev, &two, NULL);
	seal_id(one.data, one.len, id);
	seal_sign(k, id, sig);
	envelope_encode(two.data, two.len, id, sig, &env);
	int r = seal_open(env.data, env.len, NET, &e, &back, &used, NULL);
	buf_release(&one);
	buf_release(&two);
	buf_release(&env);
	key_free(k);
	CHECK_OK(rc1);
	CHECK_OK(rc2);
	CHECK_ERR(r, ERR_BADID);
}

static void
test_bad_signatures_are_refused(void)
{
	struct key *k = test_key(1), *other = test_key(2);
	struct event ev;
	struct buf bytes = BUF_INIT;
	uint8_t id[32], sigs[6][64];
	full_event(&ev, k);
	BUG_ON(event_encode(&ev, &bytes, NULL) != 0);
	seal_id(bytes.data, bytes.len, id);

	/* 0: by another key.  1: over the id without the tag.  2: over the
	 * event bytes.  3: zero.  4: one bit off.  5: with the id tag. */
	seal_sign(other, id, sigs[0]);
	key_sign(k, id, sizeof(id), sigs[1]);
	key_sign(k, bytes.data, bytes.len, sigs[2]);
	memset(sigs[3], 0, 64);
	seal_sign(k, id, sigs[4]);
	sigs[4][10] ^= 0x40;
	uint8_t msg[20 + 32];
	memcpy(msg, SEAL_ID_TAG, 20);
	memcpy(msg + 20, id, 32);
	key_sign(k, msg, sizeof(msg), sigs[5]);

	int bad = 0;
	for (int i = 0; i < 6 && !bad; i++) {
		struct buf env = BUF_INIT;
		struct envelope e;
		struct event back;
		struct diag d;
		size_t used = 9;
		envelope_encode(bytes.data, bytes.len, id, sigs[i], &env);
		int r = seal_open(env.data, env.len, NET, &e, &back, &used,
				  &d);
		buf_release(&env);
		if (r != ERR_BADSIG || used != 9) {
			harness_fail(__FILE__, __LINE__, "signature %d: %s", i,
				     err_name(r));
			bad = 1;
		}
	}
	buf_release(&bytes);
	key_free(k);
	key_free(other);
}

static void
test_seal_refuses_a_key_that_is_not_the_author(void)
{
	struct key *k = test_key(1), *other = test_key(2);
	struct event ev;
	struct buf out = BUF_INIT;
	struct diag d;
	full_event(&ev, k);
	buf_add_str(&out, "keep");
	int rc = seal_event(other, &ev, &out, NULL, &d);
	int same = out.len == 4 && strcmp(buf_cstr(&out), "keep") == 0;
	buf_release(&out);
	key_free(k);
	key_free(other);
	CHECK_ERR(rc, ERR_INVAL);
	CHECK(same);
	CHECK(strstr(d.text, "author") != NULL);
}

/*
 * Flips every bit of a sample envelope, one at a time: none may open
 * (with or without a network to check), and none may crash.
 */
static void
test_no_single_bit_flip_opens(void)
{
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	sample_envelope(k, &b);
	uint8_t *p = exact_copy(b.data, b.len);
	size_t n = b.len, flips = 0;
	int bad = 0;
	for (size_t i = 0; i < n && !bad; i++) {
		for (int bit = 0; bit < 8; bit++) {
			struct envelope env;
			struct event ev;
			size_t used;
			p[i] ^= (uint8_t)(1u << bit);
			int r1 = seal_open(p, n, NET, &env, &ev, &used, NULL);
			int r2 = seal_open(p, n, NULL, &env, &ev, &used, NULL);
			p[i] ^= (uint8_t)(1u << bit);
			flips++;
			if (r1 >= 0 || r2 >= 0) {
				harness_fail(__FILE__, __LINE__,
					     "flipping bit %d of byte %zu "
					     "opened: %s / %s",
					     bit, i, err_name(r1),
					     err_name(r2));
				bad = 1;
				break;
			}
		}
	}
	free(p);
	buf_release(&b);
	key_free(k);
	if (!bad)
		CHECK_EQ_INT(flips, n * 8);
}

/* Replaces every byte with 0x00, 0xff, 0xc1 and 0x80 in turn. */
static void
test_no_byte_replacement_opens(void)
{
	static const uint8_t repl[] = { 0x00, 0xff, 0xc1, 0x80 };
	struct key *k = test_key(1);
	struct buf b = BUF_INIT;
	sample_envelope(k, &b);
	uint8_t *p = exact_copy(b.data, b.len);
	int bad = 0;
	for (size_t i = 0; i < b.len && !bad; i++) {
		uint8_t keep = p[i];
		for (size_t j = 0; j < sizeof(repl) && !bad; j++) {
			struct envelope env;
			struct event ev;
			size_t used;
			if (repl[j] == keep)
				continue;
			p[i] = repl[j];
			int r = seal_open(p, b.len, NET, &env, &ev, &used,
					  NULL);
			if (r >= 0) {
				harness_fail(__FILE__, __LINE__,
					     "byte %zu = 0x%02x opened", i,
					     repl[j]);
				bad = 1;
			}
		}
		p[i] = keep;
	}
	free(p);
	buf_release(&b);
	key_free(k);
}

/* ---- validators ---- */

static void
test_name_validators(void)
{
	char s65[65];
	memset(s65, 'a', sizeof(s65));
	CHECK(event_network_is_valid("AZaz09._-", 9));
	CHECK(event_network_is_valid(s65, 64));
	CHECK(!event_network_is_valid(s65, 65));
	CHECK(!event_network_is_valid("", 0));
	CHECK(!event_network_is_valid("a b", 3));
	CHECK(!event_network_is_valid("a+b", 3));
	CHECK(!event_network_is_valid("\xc3\xa9", 2));
	CHECK(!event_network_is_valid("a\0", 2));
	CHECK(event_case_is_valid("20261126-ab3k9xyz", 17));
	CHECK(event_case_is_valid("Case_1.x-Y", 10));
	CHECK(event_case_is_valid(s65, 64));
	CHECK(!event_case_is_valid(s65, 65));
	CHECK(!event_case_is_valid("", 0));
	CHECK(!event_case_is_valid("a/b", 3));
	CHECK(event_type_is_valid("note.added", 10));
	CHECK(event_type_is_valid("a-b_c.9", 7));
	CHECK(event_type_is_valid(s65, 32));
	CHECK(!event_type_is_valid(s65, 33));
	CHECK(!event_type_is_valid("", 0));
	CHECK(!event_type_is_valid("Note", 4));
	CHECK(!event_type_is_valid("note:added", 10));
	CHECK(!event_type_is_valid("note added", 10));
}

static const struct test tests[] = {
	{ "the first event has the documented byte layout",
	  test_first_event_has_the_documented_layout },
	{ "events round trip through encode and decode",
	  test_events_round_trip },
	{ "seal then open gives the event back",
	  test_seal_then_open_gives_the_event },
	{ "seal appends to out and the id may be NULL",
	  test_seal_appends_and_id_may_be_null },
	{ "id and signature match known answers",
	  test_id_and_signature_match_known_answers },
	{ "the id is the hash of the tag and the bytes",
	  test_id_is_the_hash_of_tag_and_bytes },
	{ "every field rule is refused by the encoder",
	  test_field_rules_are_refused_by_the_encoder },
	{ "every field rule is refused by the decoder and by open",
	  test_field_rules_are_refused_by_the_decoder },
	{ "a non-canonical body is refused",
	  test_non_canonical_body_is_refused },
	{ "too many deps or blobs are refused by the encoder",
	  test_too_many_deps_or_blobs_are_refused_by_the_encoder },
	{ "too many or wrong-sized deps and blobs are refused by the decoder",
	  test_too_many_deps_or_blobs_are_refused_by_the_decoder },
	{ "wrong wire types are refused by the decoder and by open",
	  test_wire_types_are_refused_by_the_decoder },
	{ "a wrong shape is refused", test_shape_is_refused_by_the_decoder },
	{ "a truncated event is truncated at every byte",
	  test_truncated_event_is_truncated_at_every_byte },
	{ "problems are reported in the documented order",
	  test_problems_are_reported_in_the_documented_order },
	{ "an event of exactly 65536 bytes is accepted",
	  test_event_at_the_size_limit_is_accepted },
	{ "an event of 65537 bytes is too big",
	  test_event_over_the_size_limit_is_too_big },
	{ "size is checked before anything else",
	  test_size_is_checked_before_anything_else },
	{ "envelopes are walked one after another in a stream",
	  test_envelope_walks_a_stream },
	{ "bad envelopes are refused", test_bad_envelopes_are_refused },
	{ "an envelope of an oversized event is too big",
	  test_envelope_of_an_oversized_event_is_too_big },
	{ "an envelope may be followed by other bytes",
	  test_envelope_allows_bytes_after_it },
	{ "a truncated envelope is truncated at every byte",
	  test_truncated_envelope_is_truncated_at_every_byte },
	{ "a wrong network is refused", test_wrong_network_is_refused },
	{ "a wrong id is refused", test_wrong_id_is_refused },
	{ "the id of other bytes is refused",
	  test_id_of_other_bytes_is_refused },
	{ "bad signatures are refused", test_bad_signatures_are_refused },
	{ "seal refuses a key that is not the author",
	  test_seal_refuses_a_key_that_is_not_the_author },
	{ "no single bit flip of an envelope opens",
	  test_no_single_bit_flip_opens },
	{ "no byte replacement in an envelope opens",
	  test_no_byte_replacement_opens },
	{ "network, case and type validators", test_name_validators },
};

TEST_MAIN(tests)

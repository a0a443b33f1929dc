/*
 * make_vectors.c - writes the test vectors of docs/format.md §8
 * (docs/vectors/events.json) to stdout.
 *
 *   build-san/tools/make_vectors > docs/vectors/events.json
 *
 * The output depends on nothing but this file: keys come from fixed
 * seeds, times are fixed, and Ed25519 signatures are deterministic, so
 * running it twice gives the same bytes.
 *
 * Valid events go through the real encoder (seal_event).  Invalid ones
 * are built field by field with the msgpack writer (struct raw below), so
 * that the encoder's own checks do not stand in the way, and then get a
 * correct id and signature from seal_id/seal_sign: the fault a vector is
 * named after is then the only thing wrong with it.  Every vector is
 * opened with seal_open before it is written, and the program fails if
 * the result is not the one the vector states, so the file never lists
 * an error the C decoder does not give.
 *
 * The hostile signature vectors (see "hostile signatures" below) call
 * libsodium directly, which only crypto/ does elsewhere: they need a
 * key's secret scalar, arithmetic mod L and points of small order, none
 * of which crypto/ offers or should offer.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "common/banned.h"

/* 2025-01-01T00:00:00Z in milliseconds. */
#define T0 1735689600000ull
#define MINUTE 60000ull
#define MAX63 0x7fffffffffffffffull

#define NETWORK "testnet"
#define NETWORK_C "district-7.North_A"
#define CASE_1 "20250101-x7k2m9qd"
#define CASE_2 "20250101-p4t8w3rz"

struct gen {
	struct buf out;
	struct json_writer w;
	struct key *keys[4];
	size_t nvalid, ninvalid;
};

static void
fatal(const char *what, int rc, const struct diag *d)
{
	fprintf(stderr, "fatal: %s: %s (%s)\n", what, err_name(rc),
		d ? d->text : "");
	exit(1);
}

/* The seed of key i is 32 consecutive byte values from 32 * i. */
static void
seed_of(int i, uint8_t seed[KEY_SEED_BYTES])
{
	for (int j = 0; j < KEY_SEED_BYTES; j++)
		seed[j] = (uint8_t)(32 * i + j);
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

static void
ids_sort(uint8_t (*ids)[EVENT_ID_BYTES], size_t n)
{
	qsort(ids, n, EVENT_ID_BYTES, id_cmp);
}

/* A fixed 32-byte value named by a label, for blob hashes and fillers. */
static void
label_hash(const char *label, uint8_t out[HASH_BYTES])
{
	hash_bytes(label, strlen(label), out);
}

/* Canonical msgpack of a JSON text; the text is ours, so it must parse. */
static void
body_json(struct buf *b, const char *json)
{
	struct diag d;
	int rc;
	buf_reset(b);
	if ((rc = json_to_mp(json, b, &d)))
		fatal("body JSON", rc, &d);
}

static void
event_fill(struct event *ev, const struct key *k, const char *network,
	   uint64_t seq, const uint8_t *prev, uint64_t lamport,
	   uint64_t time_ms, const char *case_id, const char *type,
	   const struct buf *body)
{
	memset(ev, 0, sizeof(*ev));
	ev->version = EVENT_VERSION;
	ev->network = network;
	ev->network_len = strlen(network);
	memcpy(ev->author, key_public(k), EVENT_KEY_BYTES);
	ev->seq = seq;
	if (prev) {
		ev->has_prev = 1;
		memcpy(ev->prev, prev, EVENT_ID_BYTES);
	}
	ev->lamport = lamport;
	ev->time_ms = time_ms;
	ev->case_id = case_id;
	ev->case_len = strlen(case_id);
	ev->type = type;
	ev->type_len = strlen(type);
	ev->body = body->data;
	ev->body_len = body->len;
}

/* ---- raw events: each field's bytes kept apart so one can be swapped ---- */

struct raw {
	struct buf field[EVENT_FIELDS];
};

/* Encodes every field of ev as it stands, checking none of the rules. */
static void
raw_from_event(struct raw *r, const struct event *ev)
{
	for (int i = 0; i < EVENT_FIELDS; i++)
		buf_init(&r->field[i]);
	mp_put_uint(&r->field[0], ev->version);
	mp_put_str(&r->field[1], ev->network, ev->network_len);
	mp_put_bin(&r->field[2], ev->author, EVENT_KEY_BYTES);
	mp_put_uint(&r->field[3], ev->seq);
	if (ev->has_prev)
		mp_put_bin(&r->field[4], ev->prev, EVENT_ID_BYTES);
	else
		mp_put_nil(&r->field[4]);
	mp_put_array(&r->field[5], (uint32_t)ev->ndeps);
	for (size_t i = 0; i < ev->ndeps; i++)
		mp_put_bin(&r->field[5], ev->deps[i], EVENT_ID_BYTES);
	mp_put_uint(&r->field[6], ev->lamport);
	mp_put_uint(&r->field[7], ev->time_ms);
	mp_put_str(&r->field[8], ev->case_id, ev->case_len);
	mp_put_str(&r->field[9], ev->type, ev->type_len);
	buf_add(&r->field[10], ev->body, ev->body_len);
	mp_put_array(&r->field[11], (uint32_t)ev->nblobs);
	for (size_t i = 0; i < ev->nblobs; i++)
		mp_put_bin(&r->field[11], ev->blobs[i], EVENT_ID_BYTES);
	mp_put_nil(&r->field[12]);
}

static void
raw_set(struct raw *r, int i, const void *p, size_t n)
{
	buf_reset(&r->field[i]);
	buf_add(&r->field[i], p, n);
}

/* The array of the first nfields fields. */
static void
raw_join(const struct raw *r, uint32_t nfields, struct buf *out)
{
	mp_put_array(out, nfields);
	for (uint32_t i = 0; i < nfields; i++)
		buf_add(out, r->field[i].data, r->field[i].len);
}

static void
raw_release(struct raw *r)
{
	for (int i = 0; i < EVENT_FIELDS; i++)
		buf_release(&r->field[i]);
}

/* Wraps any event bytes in an envelope with their true id, signed by k. */
static void
seal_bytes(const struct key *k, const uint8_t *event, size_t n,
	   struct buf *out)
{
	uint8_t id[EVENT_ID_BYTES], sig[EVENT_SIG_BYTES];
	seal_id(event, n, id);
	seal_sign(k, id, sig);
	envelope_encode(event, n, id, sig, out);
}

/* ---- writing the entries ---- */

static void
put_hex(struct json_writer *w, const char *key, const uint8_t *p, size_t n)
{
	json_key(w, key);
	json_hex(w, p, n);
}

static void
put_ids(struct json_writer *w, const char *key,
	const uint8_t (*ids)[EVENT_ID_BYTES], size_t n)
{
	json_key(w, key);
	json_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		json_hex(w, ids[i], EVENT_ID_BYTES);
	json_arr_end(w);
}

/*
 * Seals ev with k, opens the envelope again and writes the entry from
 * what was decoded, so that the listed fields are the decoder's.  id
 * (may be NULL) receives the event's id.
 */
static void
add_valid(struct gen *g, const char *name, const char *desc,
	  const struct key *k, const struct event *ev,
	  uint8_t id[EVENT_ID_BYTES])
{
	struct buf env = BUF_INIT, again = BUF_INIT;
	struct envelope e;
	struct event v;
	struct diag d;
	size_t used;
	int rc;

	if ((rc = seal_event(k, ev, &env, NULL, &d)))
		fatal(name, rc, &d);
	char *network = xstrndup(ev->network, ev->network_len);
	if ((rc = seal_open(env.data, env.len, network, &e, &v, &used, &d)))
		fatal(name, rc, &d);
	BUG_ON(used != env.len);
	/* The field-by-field writer must agree with the encoder, or the
	 * invalid vectors built with it would carry other faults. */
	struct raw r;
	raw_from_event(&r, ev);
	raw_join(&r, EVENT_FIELDS, &again);
	raw_release(&r);
	BUG_ON(again.len != e.event_len ||
	       memcmp(again.data, e.event, e.event_len) != 0);

	struct json_writer *w = &g->w;
	json_obj_begin(w);
	json_key(w, "name");
	json_str(w, name);
	json_key(w, "description");
	json_str(w, desc);
	json_key(w, "network");
	json_str(w, network);
	put_hex(w, "envelope_hex", env.data, env.len);
	put_hex(w, "event_hex", e.event, e.event_len);
	put_hex(w, "id", e.id, EVENT_ID_BYTES);
	put_hex(w, "author", v.author, EVENT_KEY_BYTES);
	put_hex(w, "signature", e.sig, EVENT_SIG_BYTES);
	json_key(w, "version");
	json_uint(w, v.version);
	json_key(w, "seq");
	json_uint(w, v.seq);
	json_key(w, "prev");
	if (v.has_prev)
		json_hex(w, v.prev, EVENT_ID_BYTES);
	else
		json_null(w);
	put_ids(w, "deps", (const uint8_t(*)[EVENT_ID_BYTES])v.deps, v.ndeps);
	json_key(w, "lamport");
	json_uint(w, v.lamport);
	json_key(w, "time");
	json_uint(w, v.time_ms);
	json_key(w, "case");
	json_strn(w, v.case_id, v.case_len);
	json_key(w, "type");
	json_strn(w, v.type, v.type_len);
	json_key(w, "body");
	if ((rc = json_put_mp(w, v.body, v.body_len)))
		fatal(name, rc, NULL);
	put_ids(w, "blobs", (const uint8_t(*)[EVENT_ID_BYTES])v.blobs,
		v.nblobs);
	json_obj_end(w);

	if (id)
		memcpy(id, e.id, EVENT_ID_BYTES);
	g->nvalid++;
	free(network);
	buf_release(&again);
	buf_release(&env);
}

/* Checks that the envelope fails with exactly want, then writes it. */
static void
add_invalid(struct gen *g, const char *name, const char *desc,
	    const char *network, const struct buf *env, int want)
{
	struct envelope e;
	struct event v;
	struct diag d = { "" };
	size_t used;
	int rc = seal_open(env->data, env->len, network, &e, &v, &used, &d);
	if (rc != want) {
		fprintf(stderr,
			"fatal: vector '%s' gives %s (%s), expected %s\n",
			name, err_name(rc), d.text, err_name(want));
		exit(1);
	}
	/* §8: a vector is exactly one envelope, so one that reads as an
	 * envelope ends where the bytes end. */
	if (envelope_read(env->data, env->len, &e, &used, NULL) == 0 &&
	    used != env->len) {
		fprintf(stderr, "fatal: vector '%s' has %zu bytes after its "
				"envelope\n",
			name, env->len - used);
		exit(1);
	}

	struct json_writer *w = &g->w;
	json_obj_begin(w);
	json_key(w, "name");
	json_str(w, name);
	json_key(w, "description");
	json_str(w, desc);
	json_key(w, "network");
	json_str(w, network);
	put_hex(w, "envelope_hex", env->data, env->len);
	json_key(w, "error");
	json_str(w, err_name(want));
	json_obj_end(w);
	g->ninvalid++;
}

/* An invalid vector from event bytes sealed by k (so id and signature are
 * right), checked against the event's own network. */
static void
add_invalid_bytes(struct gen *g, const char *name, const char *desc,
		  const struct key *k, const uint8_t *event, size_t n,
		  int want)
{
	struct buf env = BUF_INIT;
	seal_bytes(k, event, n, &env);
	add_invalid(g, name, desc, NETWORK, &env, want);
	buf_release(&env);
}

/* An invalid vector from a raw event of nfields fields. */
static void
add_invalid_raw(struct gen *g, const char *name, const char *desc,
		const struct key *k, const struct raw *r, uint32_t nfields,
		int want)
{
	struct buf ev = BUF_INIT;
	raw_join(r, nfields, &ev);
	add_invalid_bytes(g, name, desc, k, ev.data, ev.len, want);
	buf_release(&ev);
}

/* An invalid vector from an event struct that breaks a field rule. */
static void
add_invalid_event(struct gen *g, const char *name, const char *desc,
		  const struct key *k, const struct event *ev, int want)
{
	struct raw r;
	raw_from_event(&r, ev);
	add_invalid_raw(g, name, desc, k, &r, EVENT_FIELDS, want);
	raw_release(&r);
}

/* An invalid vector whose body is the given bytes. */
static void
add_invalid_body(struct gen *g, const char *name, const char *desc,
		 const struct key *k, const struct event *base,
		 const uint8_t *body, size_t n, int want)
{
	struct raw r;
	raw_from_event(&r, base);
	raw_set(&r, 10, body, n);
	add_invalid_raw(g, name, desc, k, &r, EVENT_FIELDS, want);
	raw_release(&r);
}

/* ---- the vectors ---- */

/* Ids of the valid events, for chaining and deps. */
struct ids {
	uint8_t first[EVENT_ID_BYTES];
	uint8_t chained[EVENT_ID_BYTES];
	uint8_t second_author[EVENT_ID_BYTES];
	uint8_t wide[EVENT_ID_BYTES];
};

/* A body of the given size class: a map whose "pad" string has n bytes. */
static void
body_pad(struct buf *b, size_t n)
{
	static const char text[] =
		"Smoke reported from the roof of a three-storey building; ";
	struct buf s = BUF_INIT;
	for (size_t i = 0; i < n; i++)
		buf_add_byte(&s, (uint8_t)text[i % (sizeof(text) - 1)]);
	buf_reset(b);
	mp_put_map(b, 1);
	mp_put_cstr(b, "pad");
	mp_put_str(b, (const char *)s.data, s.len);
	buf_release(&s);
}

/*
 * The size of the event ev would be with a pad body of n bytes, encoded
 * without its checks (so sizes above the limit can be measured).
 */
static size_t
padded_size(struct event *ev, struct buf *body, size_t n)
{
	struct buf bytes = BUF_INIT;
	struct raw r;
	body_pad(body, n);
	ev->body = body->data;
	ev->body_len = body->len;
	raw_from_event(&r, ev);
	raw_join(&r, EVENT_FIELDS, &bytes);
	raw_release(&r);
	size_t len = bytes.len;
	buf_release(&bytes);
	return len;
}

/* Sets ev's body to the pad that makes the event exactly size bytes. */
static void
pad_to(struct event *ev, struct buf *body, size_t size)
{
	/* 1000 bytes already need a str16 header, as the final pad does, so
	 * the header length does not change between the two encodings. */
	size_t base = padded_size(ev, body, 1000);
	size_t got = padded_size(ev, body, 1000 + size - base);
	BUG_ON(got != size);
}

static void
valid_vectors(struct gen *g, struct ids *ids)
{
	struct key *a = g->keys[0], *b = g->keys[1], *c = g->keys[2],
		   *dk = g->keys[3];
	struct buf body = BUF_INIT;
	struct event ev;

	body_json(&body, "{\"class\":\"event:01001\","
			 "\"grid\":\"310104001002003\","
			 "\"where\":\"Main St 5\","
			 "\"desc\":\"smoke from a roof\"}");
	event_fill(&ev, a, NETWORK, 1, NULL, 1, T0, CASE_1, "report", &body);
	add_valid(g, "first-event",
		  "an author's first event: seq 1, prev nil, no deps", a, &ev,
		  ids->first);

	body_json(&body, "{\"text\":\"crew on site\"}");
	event_fill(&ev, a, NETWORK, 2, ids->first, 2, T0 + MINUTE, CASE_1,
		   "note", &body);
	ev.ndeps = 1;
	memcpy(ev.deps[0], ids->first, EVENT_ID_BYTES);
	add_valid(g, "chained-event",
		  "seq 2: prev is the id of seq 1, which is also the one dep",
		  a, &ev, ids->chained);

	body_json(&body, "{\"to\":\"unit-7\"}");
	event_fill(&ev, b, NETWORK, 1, NULL, 3, T0 + 2 * MINUTE, CASE_1,
		   "assign", &body);
	ev.ndeps = 2;
	memcpy(ev.deps[0], ids->first, EVENT_ID_BYTES);
	memcpy(ev.deps[1], ids->chained, EVENT_ID_BYTES);
	ids_sort(ev.deps, ev.ndeps);
	add_valid(g, "second-author-with-deps",
		  "another author's first event, depending on two ids in "
		  "ascending order",
		  b, &ev, ids->second_author);

	/* Integers at every width boundary, both signs; keys where one is
	 * a prefix of another, the empty key, a non-ASCII key. */
	body_json(&body,
		  "{\"a\":{\"neg\":[-1,-32,-33,-128,-129,-32768,-32769,"
		  "-2147483648,-2147483649,-9223372036854775808],"
		  "\"pos\":[0,127,128,255,256,65535,65536,4294967295,"
		  "4294967296,18446744073709551615],"
		  "\"other\":[true,false,null,[],{}]},"
		  "\"ab\":\"sorts after its prefix a\","
		  "\"\":\"the empty key sorts first\","
		  "\"text\":\"Zo\\u00eb \\u2014 "
		  "\\u6771\\u4eac \\ud83d\\ude92\","
		  "\"\\u00f6\":\"a key above ASCII sorts last\"}");
	event_fill(&ev, a, NETWORK, 3, ids->chained, 4, T0 + 3 * MINUTE,
		   CASE_1, "note", &body);
	ev.ndeps = 1;
	memcpy(ev.deps[0], ids->second_author, EVENT_ID_BYTES);
	add_valid(g, "nested-unicode-body",
		  "a body with nested maps and arrays, integers of every "
		  "width and sign, unicode text",
		  a, &ev, NULL);

	body_json(&body, "{\"caption\":\"front door, two photos\"}");
	event_fill(&ev, b, NETWORK, 2, ids->second_author, 4,
		   T0 + 4 * MINUTE, CASE_2, "photo", &body);
	ev.nblobs = 2;
	label_hash("photo-1.jpg", ev.blobs[0]);
	label_hash("photo-2.jpg", ev.blobs[1]);
	ids_sort(ev.blobs, ev.nblobs);
	add_valid(g, "blobs",
		  "the first event of a new case (no deps) with two blob "
		  "hashes",
		  b, &ev, NULL);

	/* A few KB, with the 16-bit and 8-bit header forms: a map of 16
	 * keys, an array of 20 items, a str of 2300 and one of 40 bytes. */
	{
		struct buf j = BUF_INIT;
		buf_add_str(&j, "{\"fields\":{");
		for (int i = 0; i < 16; i++)
			buf_printf(&j, "%s\"f%02d\":%d", i ? "," : "", i,
				   i * 1000);
		buf_add_str(&j, "},\"readings\":[");
		for (int i = 0; i < 20; i++)
			buf_printf(&j, "%s%d", i ? "," : "", 20 - 3 * i);
		buf_add_str(&j, "],\"notes\":\"");
		for (int i = 0; i < 100; i++)
			buf_printf(&j, "line %03d of the notes. ", i);
		buf_add_str(&j, "\",\"summary\":\"forty bytes of summary, "
				"encoded as str8.\"}");
		body_json(&body, buf_cstr(&j));
		buf_release(&j);
	}
	event_fill(&ev, c, NETWORK_C, 1, NULL, 1, T0 + 5 * MINUTE,
		   "Old_case.2024-17", "inspect.fire_safety-v2", &body);
	add_valid(g, "wide-headers",
		  "a body of a few KB using map16, array16, str16 and str8 "
		  "headers, on another network",
		  c, &ev, ids->wide);

	{
		static const char net64[] =
			"net-0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
			"abcdefghijklmnopqrstuv";
		static const char case64[] =
			"case-0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
			"abcdefghijklmnopqrstu";
		static const char type32[] = "type-0123456789._abcdefghijklmno";
		uint8_t prev[EVENT_ID_BYTES];
		BUG_ON(strlen(net64) != 64 || strlen(case64) != 64 ||
		       strlen(type32) != 32);
		body_json(&body, "{}");
		label_hash("some earlier event", prev);
		event_fill(&ev, dk, net64, MAX63, prev, MAX63, MAX63, case64,
			   type32, &body);
		ev.ndeps = EVENT_MAX_DEPS;
		for (size_t i = 0; i < ev.ndeps; i++) {
			char label[32];
			snprintf(label, sizeof(label), "dep %zu", i);
			label_hash(label, ev.deps[i]);
		}
		ids_sort(ev.deps, ev.ndeps);
		ev.nblobs = EVENT_MAX_BLOBS;
		for (size_t i = 0; i < ev.nblobs; i++) {
			char label[32];
			snprintf(label, sizeof(label), "blob %zu", i);
			label_hash(label, ev.blobs[i]);
		}
		ids_sort(ev.blobs, ev.nblobs);
		add_valid(g, "largest-values",
			  "every field at its largest: seq, lamport and time "
			  "2^63-1, 32 deps, 16 blobs, 64-byte network and "
			  "case, 32-byte type, empty body",
			  dk, &ev, NULL);
	}

	event_fill(&ev, c, NETWORK_C, 2, ids->wide, 2, T0 + 6 * MINUTE,
		   "Old_case.2024-17", "note", &body);
	pad_to(&ev, &body, EVENT_MAX_BYTES);
	add_valid(g, "exactly-max-size",
		  "an event of exactly 65536 bytes, the largest allowed", c,
		  &ev, NULL);
	buf_release(&body);
}

/*
 * The base of most invalid vectors: a well-formed seq 2 event of author A
 * (prev and one dep set), checked against "testnet".
 */
static void
base_event(struct event *ev, const struct key *a, const struct ids *ids,
	   const struct buf *body)
{
	event_fill(ev, a, NETWORK, 2, ids->first, 2, T0 + MINUTE, CASE_1,
		   "note", body);
	ev->ndeps = 1;
	memcpy(ev->deps[0], ids->first, EVENT_ID_BYTES);
}

/* The bytes of the base event, encoded by the real encoder. */
static void
base_bytes(const struct event *ev, struct buf *out)
{
	struct diag d;
	int rc;
	if ((rc = event_encode(ev, out, &d)))
		fatal("base event", rc, &d);
}

/* Adds L (the order of the Ed25519 group) to the little-endian s. */
static void
add_group_order(uint8_t s[32])
{
	static const uint8_t l[32] = {
		0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
		0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
	};
	unsigned carry = 0;
	for (int i = 0; i < 32; i++) {
		unsigned v = s[i] + l[i] + carry;
		s[i] = (uint8_t)v;
		carry = v >> 8;
	}
	/* s < L < 2^253, so s + L < 2^254 never carries out. */
	BUG_ON(carry);
}

/* ---- hostile signatures ----
 *
 * Signatures that plain RFC 8032 verification (cofactorless, no
 * small-order checks) accepts but the rule of docs/format.md §4, which is
 * libsodium 1.0.18's crypto_sign_verify_detached, refuses.  Building them
 * takes a key's secret scalar, scalar arithmetic mod L and points of
 * small order.  The project rule is that only crypto/ calls libsodium;
 * this tool breaks it on purpose, for these test vectors only, because
 * crypto/ must not offer any of that.
 */

/* The encoding of the identity point (x, y) = (0, 1). */
static const uint8_t ed_identity[32] = { 0x01 };

/* The canonical encoding of a point of order 8 (sign bit clear). */
static const uint8_t ed_order8[32] = {
	0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05,
};

/* k = SHA-512(R || A || M) mod L, M = the signature tag || id (§4). */
static void
challenge(const uint8_t r[32], const uint8_t pub[32],
	  const uint8_t id[EVENT_ID_BYTES], uint8_t k[32])
{
	crypto_hash_sha512_state st;
	uint8_t h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512_init(&st);
	crypto_hash_sha512_update(&st, r, 32);
	crypto_hash_sha512_update(&st, pub, 32);
	crypto_hash_sha512_update(&st, (const uint8_t *)SEAL_SIG_TAG,
				  strlen(SEAL_SIG_TAG));
	crypto_hash_sha512_update(&st, id, EVENT_ID_BYTES);
	crypto_hash_sha512_final(&st, h);
	crypto_core_ed25519_scalar_reduce(k, h);
}

/* The secret scalar of key i mod L: SHA-512(seed), first half, clamped
 * (RFC 8032 §5.1.5); checked against the key's public key. */
static void
secret_scalar(const struct gen *g, int i, uint8_t s[32])
{
	uint8_t seed[KEY_SEED_BYTES], h[crypto_hash_sha512_BYTES];
	uint8_t wide[crypto_core_ed25519_NONREDUCEDSCALARBYTES] = { 0 };
	uint8_t pub[32];
	seed_of(i, seed);
	crypto_hash_sha512(h, seed, sizeof(seed));
	h[0] &= 248;
	h[31] &= 127;
	h[31] |= 64;
	memcpy(wide, h, 32);
	crypto_core_ed25519_scalar_reduce(s, wide);
	BUG_ON(crypto_scalarmult_ed25519_base_noclamp(pub, s) != 0 ||
	       memcmp(pub, key_public(g->keys[i]), 32) != 0);
}

/* The event bytes of ev, written field by field, and their id. */
static void
raw_bytes_id(const struct event *ev, struct buf *out,
	     uint8_t id[EVENT_ID_BYTES])
{
	struct raw r;
	raw_from_event(&r, ev);
	raw_join(&r, EVENT_FIELDS, out);
	raw_release(&r);
	seal_id(out->data, out->len, id);
}

static void
invalid_envelopes(struct gen *g, const struct ids *ids)
{
	struct key *a = g->keys[0], *b = g->keys[1];
	struct buf body = BUF_INIT, ev_bytes = BUF_INIT, env = BUF_INIT;
	struct event base;
	uint8_t id[EVENT_ID_BYTES], sig[EVENT_SIG_BYTES];

	body_json(&body, "{\"text\":\"crew on site\"}");
	base_event(&base, a, ids, &body);
	base_bytes(&base, &ev_bytes);
	seal_id(ev_bytes.data, ev_bytes.len, id);
	seal_sign(a, id, sig);

	/* -- the envelope and its id and signature -- */

	envelope_encode(ev_bytes.data, ev_bytes.len, id, sig, &env);
	add_invalid(g, "wrong-network",
		    "a valid testnet event checked against network othernet",
		    "othernet", &env, ERR_NETWORK);

	buf_reset(&env);
	envelope_encode(ev_bytes.data, ev_bytes.len, id, sig, &env);
	env.len -= 10;
	add_invalid(g, "truncated-envelope",
		    "a valid envelope without its last 10 bytes (inside the "
		    "signature)",
		    NETWORK, &env, ERR_TRUNCATED);

	{
		/* The signature is right for the id it carries, so only the
		 * id check can fail. */
		uint8_t bad_id[EVENT_ID_BYTES], bad_sig[EVENT_SIG_BYTES];
		memcpy(bad_id, id, EVENT_ID_BYTES);
		bad_id[0] ^= 0x01;
		seal_sign(a, bad_id, bad_sig);
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, bad_id, bad_sig,
				&env);
		add_invalid(g, "wrong-id",
			    "the envelope's id differs from the hash of the "
			    "event bytes in its first bit (and is signed)",
			    NETWORK, &env, ERR_BADID);
	}

	{
		uint8_t bad_sig[EVENT_SIG_BYTES];
		memcpy(bad_sig, sig, EVENT_SIG_BYTES);
		bad_sig[40] ^= 0x01;
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, id, bad_sig,
				&env);
		add_invalid(g, "bad-signature",
			    "one bit of the signature (in S, byte 40) flipped",
			    NETWORK, &env, ERR_BADSIG);

		seal_sign(b, id, bad_sig);
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, id, bad_sig,
				&env);
		add_invalid(g, "wrong-signer",
			    "signed by another key than the event's author",
			    NETWORK, &env, ERR_BADSIG);

		memcpy(bad_sig, sig, EVENT_SIG_BYTES);
		add_group_order(bad_sig + 32);
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, id, bad_sig,
				&env);
		add_invalid(g, "signature-s-not-reduced",
			    "the valid signature with L added to S (RFC 8032 "
			    "requires S < L)",
			    NETWORK, &env, ERR_BADSIG);
	}

	{
		/* R = the identity, S = k * a mod L: then [S]B = [k]A, so
		 * plain RFC 8032's [S]B = R + [k]A holds, checked here; only
		 * the small order of R refuses it. */
		uint8_t sa[32], k[32], sb[32], ka[32], hostile[EVENT_SIG_BYTES];
		secret_scalar(g, 0, sa);
		memcpy(hostile, ed_identity, 32);
		challenge(hostile, key_public(a), id, k);
		crypto_core_ed25519_scalar_mul(hostile + 32, k, sa);
		BUG_ON(crypto_scalarmult_ed25519_base_noclamp(sb, hostile + 32) ||
		       crypto_scalarmult_ed25519_noclamp(ka, k, key_public(a)) ||
		       memcmp(sb, ka, 32) != 0);
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, id, hostile,
				&env);
		add_invalid(g, "signature-r-small-order",
			    "author A's key with R = the identity and "
			    "S = k*a mod L (a its secret scalar): [S]B = R + "
			    "[k]A holds, but R is of small order",
			    NETWORK, &env, ERR_BADSIG);
	}

	{
		/* R = [r]B + T with T of order 8, S = r + k*a mod L: then
		 * [S]B - [k]A = [r]B, which differs from R by T.  Only the
		 * cofactored equation [8][S]B = [8]R + [8][k]A holds. */
		static const char label[] = "gridcase vectors: cofactored";
		uint8_t sa[32], r[32], k[32], ka[32], rb[32];
		uint8_t h[crypto_hash_sha512_BYTES], hostile[EVENT_SIG_BYTES];
		secret_scalar(g, 0, sa);
		crypto_hash_sha512(h, (const uint8_t *)label, strlen(label));
		crypto_core_ed25519_scalar_reduce(r, h);
		BUG_ON(crypto_scalarmult_ed25519_base_noclamp(rb, r) ||
		       crypto_core_ed25519_add(hostile, rb, ed_order8));
		challenge(hostile, key_public(a), id, k);
		crypto_core_ed25519_scalar_mul(ka, k, sa);
		crypto_core_ed25519_scalar_add(hostile + 32, r, ka);
		buf_reset(&env);
		envelope_encode(ev_bytes.data, ev_bytes.len, id, hostile,
				&env);
		add_invalid(g, "signature-cofactored-only",
			    "author A's key with R = [r]B + T (T of order 8) "
			    "and S = r + k*a mod L: only the cofactored "
			    "equation [8][S]B = [8]R + [8][k]A holds",
			    NETWORK, &env, ERR_BADSIG);
	}

	{
		/* The identity as author, R = the identity, S = 0: [0]B =
		 * R + [k]A for every message. */
		struct event ev = base;
		struct buf bytes = BUF_INIT;
		uint8_t eid[EVENT_ID_BYTES], hostile[EVENT_SIG_BYTES] = { 0 };
		memcpy(ev.author, ed_identity, EVENT_KEY_BYTES);
		raw_bytes_id(&ev, &bytes, eid);
		memcpy(hostile, ed_identity, 32);
		buf_reset(&env);
		envelope_encode(bytes.data, bytes.len, eid, hostile, &env);
		add_invalid(g, "author-identity",
			    "the author key is the identity point (01 00 .. "
			    "00), R is the identity and S = 0: plain RFC 8032 "
			    "accepts this for any message",
			    NETWORK, &env, ERR_BADSIG);
		buf_release(&bytes);
	}

	{
		/* A point of order 8 as author.  R = [r]B and S = r, with r
		 * drawn (deterministically) until 8 divides k, so that
		 * [k]A is the identity and [S]B = R + [k]A holds; only the
		 * small order of A refuses it. */
		struct event ev = base;
		struct buf bytes = BUF_INIT;
		uint8_t eid[EVENT_ID_BYTES], hostile[EVENT_SIG_BYTES], k[32];
		memcpy(ev.author, ed_order8, EVENT_KEY_BYTES);
		raw_bytes_id(&ev, &bytes, eid);
		for (uint32_t n = 0;; n++) {
			static const char label[] =
				"gridcase vectors: small-order author";
			uint8_t h[crypto_hash_sha512_BYTES], r[32], ctr[4];
			crypto_hash_sha512_state st;
			BUG_ON(n == 1000);
			ctr[0] = (uint8_t)(n >> 24);
			ctr[1] = (uint8_t)(n >> 16);
			ctr[2] = (uint8_t)(n >> 8);
			ctr[3] = (uint8_t)n;
			crypto_hash_sha512_init(&st);
			crypto_hash_sha512_update(&st, (const uint8_t *)label,
						  strlen(label));
			crypto_hash_sha512_update(&st, ctr, sizeof(ctr));
			crypto_hash_sha512_final(&st, h);
			crypto_core_ed25519_scalar_reduce(r, h);
			BUG_ON(crypto_scalarmult_ed25519_base_noclamp(hostile,
								      r));
			challenge(hostile, ed_order8, eid, k);
			if ((k[0] & 7) == 0) {
				memcpy(hostile + 32, r, 32);
				break;
			}
		}
		buf_reset(&env);
		envelope_encode(bytes.data, bytes.len, eid, hostile, &env);
		add_invalid(g, "author-small-order",
			    "the author key is a point of order 8, with a "
			    "signature for which [S]B = R + [k]A holds (8 "
			    "divides k)",
			    NETWORK, &env, ERR_BADSIG);
		buf_release(&bytes);
	}

	{
		/* y = p + 3: not reduced.  Taken mod p it would be the point
		 * with y = 3 (on the curve, not of small order). */
		struct event ev = base;
		memset(ev.author, 0xff, EVENT_KEY_BYTES);
		ev.author[0] = 0xf0;
		ev.author[31] = 0x7f;
		add_invalid_event(g, "author-noncanonical",
				  "the author key encodes y = p + 3 (y >= p, "
				  "a non-canonical encoding of the point with "
				  "y = 3); signed by key a",
				  a, &ev, ERR_BADSIG);

		/* No x satisfies the curve equation for y = 2. */
		memset(ev.author, 0, EVENT_KEY_BYTES);
		ev.author[0] = 0x02;
		add_invalid_event(g, "author-not-a-point",
				  "the author key encodes y = 2, which is on "
				  "no point of the curve; signed by key a",
				  a, &ev, ERR_BADSIG);
	}

	{
		/* Hand-made envelopes around the valid event bytes. */
		buf_reset(&env);
		mp_put_array(&env, 3);
		mp_put_bin(&env, ev_bytes.data, ev_bytes.len);
		buf_add_byte(&env, 0xc5);
		buf_add_byte(&env, 0x00);
		buf_add_byte(&env, EVENT_ID_BYTES);
		buf_add(&env, id, EVENT_ID_BYTES);
		mp_put_bin(&env, sig, EVENT_SIG_BYTES);
		add_invalid(g, "envelope-noncanonical-header",
			    "the id's bin header is bin16 (0xc5 0x00 0x20) "
			    "instead of bin8",
			    NETWORK, &env, ERR_NONCANON);

		buf_reset(&env);
		mp_put_array(&env, 3);
		mp_put_bin(&env, ev_bytes.data, ev_bytes.len);
		mp_put_bin(&env, id, EVENT_ID_BYTES - 1);
		mp_put_bin(&env, sig, EVENT_SIG_BYTES);
		add_invalid(g, "envelope-short-id",
			    "the envelope's id is a bin of 31 bytes",
			    NETWORK, &env, ERR_FORMAT);

		buf_reset(&env);
		mp_put_array(&env, 2);
		mp_put_bin(&env, ev_bytes.data, ev_bytes.len);
		mp_put_bin(&env, id, EVENT_ID_BYTES);
		add_invalid(g, "envelope-two-fields",
			    "an envelope of two elements (no signature)",
			    NETWORK, &env, ERR_FORMAT);

		buf_reset(&env);
		mp_put_map(&env, 1);
		mp_put_cstr(&env, "event");
		mp_put_bin(&env, ev_bytes.data, ev_bytes.len);
		add_invalid(g, "envelope-not-array",
			    "a map {\"event\": bin} instead of the "
			    "envelope array",
			    NETWORK, &env, ERR_FORMAT);

		static const uint8_t four[] = { 0x94, 0xc0, 0xc0 };
		buf_reset(&env);
		buf_add(&env, four, sizeof(four));
		add_invalid(g, "envelope-count-past-end",
			    "94 c0 c0: an array header of 4 items with 2 bytes "
			    "left, truncated at the header before its count "
			    "(not 3) is judged",
			    NETWORK, &env, ERR_TRUNCATED);
	}

	/* -- size -- */
	{
		struct event ev;
		struct buf big = BUF_INIT;
		struct raw r;
		event_fill(&ev, a, NETWORK, 3, ids->chained, 3,
			   T0 + 2 * MINUTE, CASE_1, "note", &body);
		pad_to(&ev, &big, EVENT_MAX_BYTES + 1);
		raw_from_event(&r, &ev);
		add_invalid_raw(g, "oversize",
				"a well-formed, signed event of 65537 bytes, "
				"one more than allowed",
				a, &r, EVENT_FIELDS, ERR_TOOBIG);
		raw_release(&r);
		buf_release(&big);
	}

	/* -- canonical msgpack (§1), each in an otherwise valid event -- */
	{
		struct event ev = base;
		struct raw r;
		static const uint8_t seq5[] = { 0xcc, 0x05 };
		ev.seq = 5;
		raw_from_event(&r, &ev);
		raw_set(&r, 3, seq5, sizeof(seq5));
		add_invalid_raw(g, "noncanonical-int",
				"seq 5 written as uint8 (0xcc 0x05) instead "
				"of the fixint 0x05",
				a, &r, EVENT_FIELDS, ERR_NONCANON);
		raw_release(&r);

		static const uint8_t note8[] = { 0xd9, 0x04, 'n', 'o', 't',
						 'e' };
		raw_from_event(&r, &base);
		raw_set(&r, 9, note8, sizeof(note8));
		add_invalid_raw(g, "noncanonical-str",
				"the type \"note\" written as str8 instead "
				"of fixstr",
				a, &r, EVENT_FIELDS, ERR_NONCANON);
		raw_release(&r);

		struct buf deps = BUF_INIT;
		static const uint8_t arr16[] = { 0xdc, 0x00, 0x01 };
		buf_add(&deps, arr16, sizeof(arr16));
		mp_put_bin(&deps, ids->first, EVENT_ID_BYTES);
		raw_from_event(&r, &base);
		raw_set(&r, 5, deps.data, deps.len);
		add_invalid_raw(g, "noncanonical-array",
				"deps written with an array16 header (0xdc "
				"0x00 0x01) for one item",
				a, &r, EVENT_FIELDS, ERR_NONCANON);
		raw_release(&r);
		buf_release(&deps);

		struct buf author = BUF_INIT;
		static const uint8_t bin16[] = { 0xc5, 0x00, 0x20 };
		buf_add(&author, bin16, sizeof(bin16));
		buf_add(&author, key_public(a), EVENT_KEY_BYTES);
		raw_from_event(&r, &base);
		raw_set(&r, 2, author.data, author.len);
		add_invalid_raw(g, "noncanonical-bin",
				"the author written with a bin16 header",
				a, &r, EVENT_FIELDS, ERR_NONCANON);
		raw_release(&r);
		buf_release(&author);
	}

	{
		static const uint8_t neg[] = { 0x81, 0xa1, 'n', 0xd0, 0xe0 };
		add_invalid_body(g, "noncanonical-negative-int",
				 "body {\"n\": -32} with -32 written as int8 "
				 "(0xd0 0xe0) instead of negative fixint",
				 a, &base, neg, sizeof(neg), ERR_NONCANON);
		static const uint8_t pos[] = { 0x81, 0xa1, 'n', 0xd0, 0x05 };
		add_invalid_body(g, "signed-form-for-positive",
				 "body {\"n\": 5} with 5 written as int8 "
				 "(0xd0 0x05)",
				 a, &base, pos, sizeof(pos), ERR_NONCANON);
		static const uint8_t order[] = { 0x82, 0xa1, 'b', 0x01,
						 0xa1, 'a', 0x02 };
		add_invalid_body(g, "keys-out-of-order",
				 "body {\"b\": 1, \"a\": 2}: map keys not in "
				 "ascending order",
				 a, &base, order, sizeof(order), ERR_NONCANON);
		static const uint8_t twice[] = { 0x82, 0xa1, 'a', 0x01,
						 0xa1, 'a', 0x02 };
		add_invalid_body(g, "duplicate-key",
				 "body {\"a\": 1, \"a\": 2}: a key twice",
				 a, &base, twice, sizeof(twice), ERR_NONCANON);
		static const uint8_t intkey[] = { 0x81, 0x01, 0x02 };
		add_invalid_body(g, "key-not-str",
				 "body {1: 2}: a map key that is not a str",
				 a, &base, intkey, sizeof(intkey), ERR_FORMAT);
		static const uint8_t fltkey[] = { 0x81, 0xcb, 0x3f, 0xf0, 0,
						  0, 0, 0, 0, 0, 0x02 };
		add_invalid_body(g, "key-float",
				 "body {1.0: 2}: a map key that is a float "
				 "is a key that is not a str",
				 a, &base, fltkey, sizeof(fltkey), ERR_FORMAT);
		static const uint8_t flt[] = { 0x81, 0xa1, 'x', 0xcb, 0x3f,
					       0xf0, 0, 0, 0, 0, 0, 0 };
		add_invalid_body(g, "float-in-body",
				 "body {\"x\": 1.0} with a float64",
				 a, &base, flt, sizeof(flt), ERR_MALFORMED);
		static const uint8_t ext[] = { 0x81, 0xa1, 'x', 0xd4, 0x01,
					       0x00 };
		add_invalid_body(g, "ext-in-body",
				 "body {\"x\": fixext1} with an ext value",
				 a, &base, ext, sizeof(ext), ERR_MALFORMED);
		static const uint8_t overlong[] = { 0x81, 0xa4, 't', 'e', 'x',
						    't', 0xa2, 0xc0, 0xaf };
		add_invalid_body(g, "invalid-utf8",
				 "body {\"text\": ...} whose str holds an "
				 "overlong UTF-8 form of '/' (0xc0 0xaf)",
				 a, &base, overlong, sizeof(overlong),
				 ERR_MALFORMED);
	}

	{
		/* A surrogate is refused as bad UTF-8 (§1) before the case's
		 * character rule (§2) is looked at. */
		static const char sur[] = "case-\xed\xa0\x80";
		struct event ev = base;
		ev.case_id = sur;
		ev.case_len = strlen(sur);
		add_invalid_event(g, "utf8-surrogate",
				  "the case id holds an encoded UTF-16 "
				  "surrogate (0xed 0xa0 0x80)",
				  a, &ev, ERR_MALFORMED);
	}

	{
		/* The event array and the body map are two levels; 15 arrays
		 * inside the body make 17. */
		struct buf deep = BUF_INIT;
		mp_put_map(&deep, 1);
		mp_put_cstr(&deep, "n");
		for (int i = 0; i < 14; i++)
			mp_put_array(&deep, 1);
		mp_put_array(&deep, 0);
		add_invalid_body(g, "too-deep",
				 "17 nested levels: the event array, the body "
				 "map and 15 arrays in it",
				 a, &base, deep.data, deep.len, ERR_MALFORMED);
		buf_release(&deep);
	}

	{
		struct buf bytes = BUF_INIT;
		buf_add(&bytes, ev_bytes.data, ev_bytes.len);
		buf_add_byte(&bytes, 0xc0);
		add_invalid_bytes(g, "trailing-bytes",
				  "a valid event followed by one byte (nil) "
				  "inside the event bin",
				  a, bytes.data, bytes.len, ERR_TRAILING);
		add_invalid_bytes(g, "truncated-event",
				  "the first 20 bytes of a valid event (cut "
				  "inside the author), sealed",
				  a, ev_bytes.data, 20, ERR_TRUNCATED);
		buf_release(&bytes);

		/* A count that the bytes left cannot hold is refused at the
		 * header, before any item is read (§1). */
		static const uint8_t arr[] = { 0x9d, 0xcc, 0x01 };
		add_invalid_bytes(g, "array-count-past-end",
				  "event bytes 9d cc 01: an array header of 13 "
				  "items with 2 bytes left, truncated at the "
				  "header before the non-canonical cc 01 is "
				  "read",
				  a, arr, sizeof(arr), ERR_TRUNCATED);
		static const uint8_t map[] = { 0x82, 0xcc, 0x01, 0x02 };
		add_invalid_bytes(g, "map-count-past-end",
				  "event bytes 82 cc 01 02: a map header of 2 "
				  "entries with 3 bytes left (fewer than 2 per "
				  "entry), truncated at the header before the "
				  "key that is not a str is read",
				  a, map, sizeof(map), ERR_TRUNCATED);
	}

	/* -- the event's shape and fields (§2) -- */
	{
		/* The fields of the base event as a canonical map, keys by
		 * name in ascending order. */
		static const struct {
			const char *key;
			int field;
		} byname[] = {
			{ "author", 2 },   { "blobs", 11 }, { "body", 10 },
			{ "case", 8 },     { "deps", 5 },   { "lamport", 6 },
			{ "network", 1 },  { "prev", 4 },   { "reserved", 12 },
			{ "seq", 3 },      { "time", 7 },   { "type", 9 },
			{ "version", 0 },
		};
		struct buf map = BUF_INIT;
		struct raw r;
		raw_from_event(&r, &base);
		mp_put_map(&map, EVENT_FIELDS);
		for (size_t i = 0; i < EVENT_FIELDS; i++) {
			mp_put_cstr(&map, byname[i].key);
			buf_add(&map, r.field[byname[i].field].data,
				r.field[byname[i].field].len);
		}
		raw_release(&r);
		add_invalid_bytes(g, "map-at-top",
				  "the event is a canonical msgpack map of "
				  "its 13 fields by name, not an array",
				  a, map.data, map.len, ERR_FORMAT);
		buf_release(&map);
	}

	{
		struct raw r;
		raw_from_event(&r, &base);
		add_invalid_raw(g, "twelve-fields",
				"an event array without the reserved field "
				"(12 elements)",
				a, &r, EVENT_FIELDS - 1, ERR_FORMAT);
		static const uint8_t zero = 0x00;
		raw_set(&r, 12, &zero, 1);
		add_invalid_raw(g, "reserved-not-nil",
				"the reserved field (12) is 0 instead of nil",
				a, &r, EVENT_FIELDS, ERR_FORMAT);
		raw_release(&r);

		struct buf author = BUF_INIT;
		mp_put_bin(&author, key_public(a), EVENT_KEY_BYTES - 1);
		raw_from_event(&r, &base);
		raw_set(&r, 2, author.data, author.len);
		add_invalid_raw(g, "short-author",
				"the author is a bin of 31 bytes", a, &r,
				EVENT_FIELDS, ERR_FORMAT);
		raw_release(&r);
		buf_release(&author);

		static const uint8_t list[] = { 0x90 };
		raw_from_event(&r, &base);
		raw_set(&r, 10, list, sizeof(list));
		add_invalid_raw(g, "body-not-map",
				"the body is an empty array instead of a map",
				a, &r, EVENT_FIELDS, ERR_FORMAT);
		raw_release(&r);
	}

	{
		struct event ev = base;
		ev.version = 1;
		add_invalid_event(g, "older-version",
				  "version 1 (an older format, whose clocks "
				  "were not bound to its deps) in an otherwise "
				  "valid event", a, &ev, ERR_VERSION);
		ev.version = 3;
		add_invalid_event(g, "newer-version",
				  "version 3 in an otherwise valid event", a,
				  &ev, ERR_VERSION);

		ev = base;
		ev.seq = 1;
		add_invalid_event(g, "prev-with-seq-1",
				  "seq 1 with a prev id (prev must be nil "
				  "exactly when seq is 1)",
				  a, &ev, ERR_FORMAT);

		ev = base;
		ev.has_prev = 0;
		add_invalid_event(g, "no-prev-with-seq-2",
				  "seq 2 with a nil prev", a, &ev, ERR_FORMAT);

		ev = base;
		ev.seq = 0;
		ev.has_prev = 0;
		add_invalid_event(g, "seq-zero", "seq 0 with a nil prev", a,
				  &ev, ERR_FORMAT);

		ev = base;
		ev.seq = MAX63 + 1;
		add_invalid_event(g, "seq-too-big", "seq 2^63", a, &ev,
				  ERR_FORMAT);

		ev = base;
		ev.lamport = 0;
		add_invalid_event(g, "lamport-zero", "lamport 0", a, &ev,
				  ERR_FORMAT);

		ev = base;
		ev.time_ms = MAX63 + 1;
		add_invalid_event(g, "time-too-big", "time 2^63", a, &ev,
				  ERR_FORMAT);

		ev = base;
		ev.ndeps = 2;
		label_hash("another dep", ev.deps[1]);
		ids_sort(ev.deps, 2);
		uint8_t tmp[EVENT_ID_BYTES];
		memcpy(tmp, ev.deps[0], EVENT_ID_BYTES);
		memcpy(ev.deps[0], ev.deps[1], EVENT_ID_BYTES);
		memcpy(ev.deps[1], tmp, EVENT_ID_BYTES);
		add_invalid_event(g, "unsorted-deps",
				  "two deps in descending order", a, &ev,
				  ERR_FORMAT);

		{
			/* struct event holds at most 32 deps, so the list is
			 * written by hand. */
			uint8_t deps[EVENT_MAX_DEPS + 1][EVENT_ID_BYTES];
			struct buf list = BUF_INIT;
			struct raw r;
			for (size_t i = 0; i <= EVENT_MAX_DEPS; i++) {
				char label[32];
				snprintf(label, sizeof(label), "dep %zu", i);
				label_hash(label, deps[i]);
			}
			ids_sort(deps, EVENT_MAX_DEPS + 1);
			mp_put_array(&list, EVENT_MAX_DEPS + 1);
			for (size_t i = 0; i <= EVENT_MAX_DEPS; i++)
				mp_put_bin(&list, deps[i], EVENT_ID_BYTES);
			raw_from_event(&r, &base);
			raw_set(&r, 5, list.data, list.len);
			add_invalid_raw(g, "too-many-deps",
					"33 deps in ascending order (at most "
					"32)",
					a, &r, EVENT_FIELDS, ERR_FORMAT);
			raw_release(&r);
			buf_release(&list);
		}

		ev = base;
		ev.nblobs = 2;
		label_hash("photo-1.jpg", ev.blobs[0]);
		label_hash("photo-1.jpg", ev.blobs[1]);
		add_invalid_event(g, "duplicate-blobs",
				  "the same blob hash twice", a, &ev,
				  ERR_FORMAT);

		ev = base;
		ev.network = "test net";
		ev.network_len = strlen(ev.network);
		add_invalid_event(g, "bad-network-name",
				  "the network name holds a space", a, &ev,
				  ERR_FORMAT);

		ev = base;
		ev.type = "Note";
		ev.type_len = strlen(ev.type);
		add_invalid_event(g, "uppercase-type",
				  "the type holds an upper-case letter", a,
				  &ev, ERR_FORMAT);

		static const char case65[] =
			"case-0123456789.ABCDEFGHIJKLMNOPQRSTUVWXYZ_"
			"abcdefghijklmnopqrstuv";
		BUG_ON(strlen(case65) != 65);
		ev = base;
		ev.case_id = case65;
		ev.case_len = strlen(case65);
		add_invalid_event(g, "case-too-long",
				  "a case id of 65 characters (at most 64)", a,
				  &ev, ERR_FORMAT);
	}

	buf_release(&env);
	buf_release(&ev_bytes);
	buf_release(&body);
}

int
main(void)
{
	struct gen g;
	struct ids ids;

	memset(&g, 0, sizeof(g));
	for (int i = 0; i < 4; i++) {
		uint8_t seed[KEY_SEED_BYTES];
		seed_of(i, seed);
		g.keys[i] = key_from_seed(seed);
	}
	json_writer_init(&g.w, &g.out, 1);
	json_obj_begin(&g.w);
	json_key(&g.w, "format");
	json_str(&g.w, "gridcase event format, version 2 (docs/format.md)");
	json_key(&g.w, "generator");
	json_str(&g.w,
		 "build-san/tools/make_vectors (tests/tools/make_vectors.c)");
	json_key(&g.w, "keys");
	json_arr_begin(&g.w);
	for (int i = 0; i < 4; i++) {
		uint8_t seed[KEY_SEED_BYTES];
		char name[2] = { (char)('a' + i), '\0' };
		seed_of(i, seed);
		json_obj_begin(&g.w);
		json_key(&g.w, "name");
		json_str(&g.w, name);
		put_hex(&g.w, "seed", seed, KEY_SEED_BYTES);
		put_hex(&g.w, "public", key_public(g.keys[i]),
			KEY_PUBLIC_BYTES);
		json_obj_end(&g.w);
	}
	json_arr_end(&g.w);

	json_key(&g.w, "valid");
	json_arr_begin(&g.w);
	valid_vectors(&g, &ids);
	json_arr_end(&g.w);
	json_key(&g.w, "invalid");
	json_arr_begin(&g.w);
	invalid_envelopes(&g, &ids);
	json_arr_end(&g.w);
	json_obj_end(&g.w);

	int rc = 0;
	if (fwrite(g.out.data, 1, g.out.len, stdout) != g.out.len ||
	    fflush(stdout) != 0) {
		fprintf(stderr, "fatal: cannot write the vectors\n");
		rc = 1;
	}
	fprintf(stderr, "%zu valid and %zu invalid vectors\n", g.nvalid,
		g.ninvalid);
	for (int i = 0; i < 4; i++)
		key_free(g.keys[i]);
	buf_release(&g.out);
	return rc;
}

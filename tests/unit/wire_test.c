/*
 * wire_test.c - the messages inside a sealed session (replication/wire.h,
 * docs/protocol.md §3): every one encodes and decodes, and the decoders
 * refuse wrong types, wrong counts, oversized lists, bins of the wrong
 * size, truncation at every byte and trailing bytes, with ERR_PROTO.
 *
 * Inputs under attack are copied into heap memory of exactly their size,
 * so that AddressSanitizer catches any read past their end.
 */
#include "replication/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/session.h"
#include "tests/harness.h"
#include "common/banned.h"

/* ---- helpers ---- */

static uint8_t *
exact(const uint8_t *p, size_t n)
{
	uint8_t *c = xmalloc(n ? n : 1);
	if (n)
		memcpy(c, p, n);
	return c;
}

/* 32 bytes that say which field they are. */
static void
fill32(uint8_t out[32], uint8_t tag)
{
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(tag + i);
}

/* Each decoder as "0 or a code" over exact input. */
static int
dec_summary(const uint8_t *p, size_t n)
{
	struct wire_summary s;
	int rc = wire_summary_decode(p, n, &s);
	if (rc == 0)
		wire_summary_release(&s);
	return rc;
}

static int
dec_fetch(const uint8_t *p, size_t n)
{
	struct wire_range r[WIRE_MAX_RANGES];
	size_t nr;
	uint32_t me, mb;
	return wire_fetch_decode(p, n, r, &nr, &me, &mb);
}

static int
dec_events(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count;
	return wire_events_open(p, n, &r, &count);
}

static int
dec_get(const uint8_t *p, size_t n)
{
	uint8_t ids[WIRE_MAX_GET][32];
	size_t count;
	return wire_get_decode(p, n, ids, &count);
}

static int
dec_hint(const uint8_t *p, size_t n)
{
	struct wire_head h;
	return wire_hint_decode(p, n, &h);
}

static int
dec_push(const uint8_t *p, size_t n)
{
	struct wire_push w;
	return wire_push_decode(p, n, &w);
}

static int
dec_blob_req(const uint8_t *p, size_t n)
{
	uint8_t hash[32];
	uint64_t off;
	uint32_t max;
	return wire_blob_req_decode(p, n, hash, &off, &max);
}

static int
dec_blob(const uint8_t *p, size_t n)
{
	uint64_t total, off;
	const uint8_t *bytes;
	size_t len;
	return wire_blob_decode(p, n, &total, &off, &bytes, &len);
}

static int
dec_error(const uint8_t *p, size_t n)
{
	int code;
	char text[64];
	return wire_error_decode(p, n, &code, text, sizeof(text));
}

static int
dec_summary_req(const uint8_t *p, size_t n)
{
	return wire_summary_req_decode(p, n);
}

static int
dec_ack(const uint8_t *p, size_t n)
{
	return wire_ack_decode(p, n);
}

static int
dec_held(const uint8_t *p, size_t n)
{
	uint32_t held;
	return wire_held_decode(p, n, &held);
}

/* One valid sample of each message. */
static void
make_summary(struct buf *b)
{
	struct wire_head h;
	struct wire_fork f;
	wire_summary_begin(b, 2);
	fill32(h.author, 1);
	h.seq = 7;
	fill32(h.id, 2);
	wire_summary_head(b, &h);
	h.seq = UINT64_MAX;
	wire_summary_head(b, &h);
	wire_summary_forks(b, 1);
	memset(&f, 0, sizeof(f));
	fill32(f.author, 3);
	f.seq = 4;
	f.nids = 2;
	fill32(f.ids[0], 5);
	fill32(f.ids[1], 6);
	wire_summary_fork(b, &f);
}

static void
make_fetch(struct buf *b)
{
	struct wire_range r[2];
	fill32(r[0].author, 9);
	r[0].from = 1;
	r[0].to = 500;
	fill32(r[1].author, 10);
	r[1].from = 70000;
	r[1].to = 70000;
	wire_fetch(b, r, 2, 500, (uint32_t)WIRE_MAX_BYTES);
}

static void
make_events(struct buf *b)
{
	wire_events_begin(b, 2);
	wire_events_add(b, (const uint8_t *)"first envelope", 14);
	wire_events_add(b, (const uint8_t *)"2nd", 3);
}

static void
make_get(struct buf *b)
{
	uint8_t ids[3][32];
	for (int i = 0; i < 3; i++)
		fill32(ids[i], (uint8_t)(20 + i));
	wire_get(b, (const uint8_t (*)[32])ids, 3);
}

static void
make_hint(struct buf *b)
{
	struct wire_head h;
	fill32(h.author, 30);
	h.seq = 12;
	fill32(h.id, 31);
	wire_hint(b, &h);
}

static void
make_held(struct buf *b)
{
	wire_held(b, 0x8005);
}

static void
make_push(struct buf *b)
{
	struct wire_head h[2];
	const uint8_t *env[2] = { (const uint8_t *)"an envelope",
				  (const uint8_t *)"2nd" };
	size_t len[2] = { 11, 3 };
	fill32(h[0].author, 32);
	h[0].seq = 5;
	fill32(h[0].id, 33);
	fill32(h[1].author, 34);
	h[1].seq = UINT64_MAX;
	fill32(h[1].id, 35);
	wire_push(b, h, 2, env, len, 2);
}

static void
make_blob_req(struct buf *b)
{
	uint8_t hash[32];
	fill32(hash, 40);
	wire_blob_req(b, hash, 262144, (uint32_t)WIRE_BLOB_CHUNK);
}

static void
make_blob(struct buf *b)
{
	wire_blob(b, 100, 10, (const uint8_t *)"0123456789", 10);
}

static void
make_error(struct buf *b)
{
	wire_error(b, ERR_NOTFOUND, "no such blob here");
}

struct kind {
	const char *name;
	int type;
	void (*make)(struct buf *b);
	int (*decode)(const uint8_t *p, size_t n);
};

static const struct kind kinds[] = {
	{ "SUMMARY_REQ", W_SUMMARY_REQ, wire_summary_req, dec_summary_req },
	{ "SUMMARY", W_SUMMARY, make_summary, dec_summary },
	{ "FETCH", W_FETCH, make_fetch, dec_fetch },
	{ "EVENTS", W_EVENTS, make_events, dec_events },
	{ "GET", W_GET, make_get, dec_get },
	{ "HINT", W_HINT, make_hint, dec_hint },
	{ "PUSH", W_PUSH, make_push, dec_push },
	{ "ACK", W_ACK, wire_ack, dec_ack },
	{ "HELD", W_HELD, make_held, dec_held },
	{ "BLOB_REQ", W_BLOB_REQ, make_blob_req, dec_blob_req },
	{ "BLOB", W_BLOB, make_blob, dec_blob },
	{ "ERROR", W_ERROR, make_error, dec_error },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

/* The decoder of k on an exact copy of [p, p+n). */
static int
decode_exact(const struct kind *k, const uint8_t *p, size_t n)
{
	uint8_t *c = exact(p, n);
	int rc = k->decode(c, n);
	free(c);
	return rc;
}

/* The top-level fields of a message: up to 8 slices. */
struct fields {
	uint32_t n;
	const uint8_t *p[8];
	size_t len[8];
};

static int
split(const struct buf *m, struct fields *f)
{
	struct mp_reader r;
	mp_reader_init(&r, m->data, m->len, NULL);
	if (mp_get_array(&r, &f->n) || f->n > 8)
		return ERR_PROTO;
	for (uint32_t i = 0; i < f->n; i++)
		if (mp_get_value(&r, &f->p[i], &f->len[i]))
			return ERR_PROTO;
	return 0;
}

/* A message of the first `keep` fields of f, plus `extra` nils. */
static void
rebuild(const struct fields *f, uint32_t keep, uint32_t extra,
	struct buf *out)
{
	buf_reset(out);
	mp_put_array(out, keep + extra);
	for (uint32_t i = 0; i < keep; i++)
		buf_add(out, f->p[i], f->len[i]);
	for (uint32_t i = 0; i < extra; i++)
		mp_put_nil(out);
}

/* ---- round trips ---- */

static void
test_field_less_messages_are_their_type(void)
{
	struct buf b = BUF_INIT;
	wire_summary_req(&b);
	CHECK_EQ_INT(wire_type(b.data, b.len), W_SUMMARY_REQ);
	CHECK_EQ_INT(b.len, 2);
	buf_reset(&b);
	wire_ack(&b);
	CHECK_EQ_INT(wire_type(b.data, b.len), W_ACK);
	CHECK_EQ_INT(b.len, 2);
	buf_release(&b);
}

static void
test_summary_round_trips(void)
{
	struct buf b = BUF_INIT;
	struct wire_summary s;
	uint8_t want[32];
	make_summary(&b);
	CHECK_EQ_INT(wire_type(b.data, b.len), W_SUMMARY);
	CHECK_OK(wire_summary_decode(b.data, b.len, &s));
	CHECK_EQ_INT(s.nheads, 2);
	fill32(want, 1);
	CHECK_EQ_MEM(s.heads[0].author, want, 32);
	CHECK_EQ_INT(s.heads[0].seq, 7);
	CHECK(s.heads[1].seq == UINT64_MAX);
	fill32(want, 2);
	CHECK_EQ_MEM(s.heads[1].id, want, 32);
	CHECK_EQ_INT(s.nforks, 1);
	CHECK_EQ_INT(s.forks[0].seq, 4);
	CHECK_EQ_INT(s.forks[0].nids, 2);
	fill32(want, 6);
	CHECK_EQ_MEM(s.forks[0].ids[1], want, 32);
	wire_summary_release(&s);
	CHECK(s.heads == NULL && s.nheads == 0);

	/* Empty, and a fork with the largest number of ids (8). */
	struct wire_fork f;
	memset(&f, 0, sizeof(f));
	f.nids = 8;
	for (int i = 0; i < 8; i++)
		fill32(f.ids[i], (uint8_t)(50 + i));
	buf_reset(&b);
	wire_summary_begin(&b, 0);
	wire_summary_forks(&b, 1);
	wire_summary_fork(&b, &f);
	CHECK_OK(wire_summary_decode(b.data, b.len, &s));
	CHECK_EQ_INT(s.nheads, 0);
	CHECK_EQ_INT(s.forks[0].nids, 8);
	fill32(want, 57);
	CHECK_EQ_MEM(s.forks[0].ids[7], want, 32);
	wire_summary_release(&s);
	buf_release(&b);
}

static void
test_fetch_round_trips_and_clamps(void)
{
	struct buf b = BUF_INIT;
	struct wire_range in[WIRE_MAX_RANGES], out[WIRE_MAX_RANGES];
	size_t n;
	uint32_t me, mb;
	for (int i = 0; i < WIRE_MAX_RANGES; i++) {
		fill32(in[i].author, (uint8_t)i);
		in[i].from = (uint64_t)i + 1;
		in[i].to = (uint64_t)i * 1000 + 1;
	}
	in[WIRE_MAX_RANGES - 1].to = UINT64_MAX;
	wire_fetch(&b, in, WIRE_MAX_RANGES, 500, 4096);
	CHECK_OK(wire_fetch_decode(b.data, b.len, out, &n, &me, &mb));
	CHECK_EQ_INT(n, WIRE_MAX_RANGES);
	CHECK_EQ_INT(me, 500);
	CHECK_EQ_INT(mb, 4096);
	for (int i = 0; i < WIRE_MAX_RANGES; i++) {
		CHECK_EQ_MEM(out[i].author, in[i].author, 32);
		CHECK(out[i].from == in[i].from && out[i].to == in[i].to);
	}
	/* Limits above the protocol's are brought down to them. */
	buf_reset(&b);
	wire_fetch(&b, in, 1, 5000, UINT32_MAX);
	CHECK_OK(wire_fetch_decode(b.data, b.len, out, &n, &me, &mb));
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(me, WIRE_MAX_EVENTS);
	CHECK_EQ_INT(mb, WIRE_MAX_BYTES);
	/* No ranges at all is a valid (empty) FETCH. */
	buf_reset(&b);
	wire_fetch(&b, in, 0, 1, 1);
	CHECK_OK(wire_fetch_decode(b.data, b.len, out, &n, &me, &mb));
	CHECK_EQ_INT(n, 0);
	buf_release(&b);
}

static void
test_events_carry_envelopes_as_they_were(void)
{
	struct buf b = BUF_INIT;
	struct mp_reader r;
	uint32_t count;
	const uint8_t *env;
	size_t n;
	make_events(&b);
	CHECK_OK(wire_events_open(b.data, b.len, &r, &count));
	CHECK_EQ_INT(count, 2);
	CHECK_OK(mp_get_bin(&r, &env, &n));
	CHECK_EQ_INT(n, 14);
	CHECK_EQ_MEM(env, "first envelope", 14);
	CHECK_OK(mp_get_bin(&r, &env, &n));
	CHECK_EQ_MEM(env, "2nd", 3);
	CHECK_EQ_INT(mp_remaining(&r), 0);
	buf_reset(&b);
	wire_events_begin(&b, 0);
	CHECK_OK(wire_events_open(b.data, b.len, &r, &count));
	CHECK_EQ_INT(count, 0);
	buf_release(&b);
}

/*
 * An EVENTS message whose count is written last (the server writes its
 * envelopes straight into the reply) is byte for byte the one written
 * count first, at each width of msgpack's array header, after bytes
 * already in the buffer.
 */
static void
test_events_counted_at_the_end_are_the_same_bytes(void)
{
	static const uint32_t counts[] = { 0, 1, 15, 16, 1000, 65535, 65536 };
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct buf first = BUF_INIT, last = BUF_INIT;
		buf_add(&first, "head", 4);
		buf_add(&last, "head", 4);
		wire_events_begin(&first, counts[i]);
		size_t at = wire_events_start(&last);
		for (uint32_t k = 0; k < counts[i] && k < 20; k++) {
			char env[16];
			int len = snprintf(env, sizeof(env), "envelope %u", k);
			wire_events_add(&first, (const uint8_t *)env, (size_t)len);
			wire_events_add(&last, (const uint8_t *)env, (size_t)len);
		}
		wire_events_finish(&last, at, counts[i]);
		CHECK_EQ_INT(last.len, first.len);
		CHECK_EQ_MEM(last.data, first.data, first.len);
		CHECK_EQ_INT(last.data[last.len], 0);
		buf_release(&first);
		buf_release(&last);
	}
}

static void
test_get_round_trips_up_to_the_limit(void)
{
	struct buf b = BUF_INIT;
	static uint8_t in[WIRE_MAX_GET][32], out[WIRE_MAX_GET][32];
	size_t n;
	for (int i = 0; i < WIRE_MAX_GET; i++)
		fill32(in[i], (uint8_t)i);
	wire_get(&b, (const uint8_t (*)[32])in, WIRE_MAX_GET);
	CHECK_OK(wire_get_decode(b.data, b.len, out, &n));
	CHECK_EQ_INT(n, WIRE_MAX_GET);
	CHECK_EQ_MEM(out, in, sizeof(in));
	buf_reset(&b);
	wire_get(&b, (const uint8_t (*)[32])in, 0);
	CHECK_OK(wire_get_decode(b.data, b.len, out, &n));
	CHECK_EQ_INT(n, 0);
	buf_release(&b);
}

static void
test_hint_round_trips(void)
{
	struct buf b = BUF_INIT;
	struct wire_head h;
	uint8_t want[32];
	make_hint(&b);
	CHECK_OK(wire_hint_decode(b.data, b.len, &h));
	fill32(want, 30);
	CHECK_EQ_MEM(h.author, want, 32);
	CHECK_EQ_INT(h.seq, 12);
	fill32(want, 31);
	CHECK_EQ_MEM(h.id, want, 32);
	buf_release(&b);
}

static void
test_held_round_trips_and_has_a_bit_per_head(void)
{
	struct buf b = BUF_INIT;
	uint32_t held = 0;
	make_held(&b);
	CHECK_OK(wire_held_decode(b.data, b.len, &held));
	CHECK_EQ_INT(held, 0x8005);
	buf_reset(&b);
	wire_held(&b, 0);
	CHECK_OK(wire_held_decode(b.data, b.len, &held));
	CHECK_EQ_INT(held, 0);
	/* A bit past the PUSH's WIRE_PUSH_HEADS heads names no head. */
	buf_reset(&b);
	wire_held(&b, 1u << WIRE_PUSH_HEADS);
	CHECK_EQ_INT(wire_held_decode(b.data, b.len, &held), ERR_PROTO);
	buf_release(&b);
}

static void
test_push_round_trips(void)
{
	struct buf b = BUF_INIT;
	struct wire_push w;
	uint8_t want[32];
	make_push(&b);
	CHECK_OK(wire_push_decode(b.data, b.len, &w));
	CHECK_EQ_INT(w.nheads, 2);
	fill32(want, 32);
	CHECK_EQ_MEM(w.heads[0].author, want, 32);
	CHECK_EQ_INT(w.heads[0].seq, 5);
	fill32(want, 35);
	CHECK_EQ_MEM(w.heads[1].id, want, 32);
	CHECK(w.heads[1].seq == UINT64_MAX);
	CHECK_EQ_INT(w.nenv, 2);
	CHECK_EQ_INT(w.len[0], 11);
	CHECK_EQ_MEM(w.env[0], "an envelope", 11);
	CHECK_EQ_MEM(w.env[1], "2nd", 3);
	/* The envelopes point into the message, not into copies. */
	CHECK(w.env[0] > b.data && w.env[0] < b.data + b.len);
	/* Heads alone: a PUSH without events. */
	buf_reset(&b);
	wire_push(&b, w.heads, 1, NULL, NULL, 0);
	CHECK_OK(wire_push_decode(b.data, b.len, &w));
	CHECK_EQ_INT(w.nheads, 1);
	CHECK_EQ_INT(w.nenv, 0);
	buf_release(&b);
}

static void put_bin_n(struct buf *b, size_t n);

/* A PUSH of nh heads and ne envelopes of len bytes each, written by hand
 * (wire_push() keeps to the limits). */
static int
push_of(uint32_t nh, uint32_t ne, size_t len)
{
	struct buf b = BUF_INIT;
	static uint8_t bytes[WIRE_PUSH_EVENT_BYTES + 1];
	mp_put_array(&b, 3);
	mp_put_uint(&b, W_PUSH);
	mp_put_array(&b, nh);
	for (uint32_t i = 0; i < nh; i++) {
		mp_put_array(&b, 3);
		put_bin_n(&b, 32);
		mp_put_uint(&b, i + 1);
		put_bin_n(&b, 32);
	}
	mp_put_array(&b, ne);
	for (uint32_t i = 0; i < ne; i++)
		mp_put_bin(&b, bytes, len);
	int rc = decode_exact(&kinds[6], b.data, b.len);
	buf_release(&b);
	return rc;
}

static void
test_push_limits(void)
{
	CHECK_OK(push_of(1, 0, 1));
	CHECK_OK(push_of(WIRE_PUSH_HEADS, WIRE_PUSH_EVENTS, WIRE_PUSH_EVENT_BYTES));
	CHECK_ERR(push_of(0, 0, 1), ERR_PROTO);
	CHECK_ERR(push_of(0, 1, 100), ERR_PROTO);
	CHECK_ERR(push_of(WIRE_PUSH_HEADS + 1, 0, 1), ERR_PROTO);
	CHECK_ERR(push_of(1, WIRE_PUSH_EVENTS + 1, 100), ERR_PROTO);
	CHECK_ERR(push_of(1, 1, WIRE_PUSH_EVENT_BYTES + 1), ERR_PROTO);
	CHECK_ERR(push_of(1, 1, 0), ERR_PROTO);
}

static void
test_blob_req_round_trips_and_clamps(void)
{
	struct buf b = BUF_INIT;
	uint8_t hash[32], want[32];
	uint64_t off;
	uint32_t max;
	make_blob_req(&b);
	CHECK_OK(wire_blob_req_decode(b.data, b.len, hash, &off, &max));
	fill32(want, 40);
	CHECK_EQ_MEM(hash, want, 32);
	CHECK_EQ_INT(off, 262144);
	CHECK_EQ_INT(max, WIRE_BLOB_CHUNK);
	buf_reset(&b);
	wire_blob_req(&b, want, 0, UINT32_MAX);
	CHECK_OK(wire_blob_req_decode(b.data, b.len, hash, &off, &max));
	CHECK_EQ_INT(max, WIRE_BLOB_CHUNK);
	buf_release(&b);
}

static void
test_blob_round_trips(void)
{
	struct buf b = BUF_INIT;
	uint64_t total, off;
	const uint8_t *bytes;
	size_t len;
	make_blob(&b);
	CHECK_OK(wire_blob_decode(b.data, b.len, &total, &off, &bytes, &len));
	CHECK_EQ_INT(total, 100);
	CHECK_EQ_INT(off, 10);
	CHECK_EQ_INT(len, 10);
	CHECK_EQ_MEM(bytes, "0123456789", 10);
	CHECK(bytes > b.data && bytes + len == b.data + b.len);
	/* The empty chunk at the end, and an empty blob. */
	buf_reset(&b);
	wire_blob(&b, 100, 100, NULL, 0);
	CHECK_OK(wire_blob_decode(b.data, b.len, &total, &off, &bytes, &len));
	CHECK_EQ_INT(len, 0);
	buf_reset(&b);
	wire_blob(&b, 0, 0, NULL, 0);
	CHECK_OK(wire_blob_decode(b.data, b.len, &total, &off, &bytes, &len));
	buf_release(&b);
}

static void
test_error_round_trips(void)
{
	struct buf b = BUF_INIT;
	int code;
	char text[8];
	make_error(&b);
	CHECK_OK(wire_error_decode(b.data, b.len, &code, text, sizeof(text)));
	CHECK_EQ_INT(code, ERR_NOTFOUND);
	CHECK_EQ_STR(text, "no such"); /* cut to the buffer, terminated */
	/* A code name this build does not know reads as ERR_PROTO. */
	buf_reset(&b);
	mp_put_array(&b, 3);
	mp_put_uint(&b, W_ERROR);
	mp_put_cstr(&b, "ERR_FROM_THE_FUTURE");
	mp_put_cstr(&b, "?");
	CHECK_OK(wire_error_decode(b.data, b.len, &code, text, sizeof(text)));
	CHECK_EQ_INT(code, ERR_PROTO);
	/* A code name of 40 bytes or more is refused. */
	char longname[41];
	memset(longname, 'E', 40);
	longname[40] = '\0';
	buf_reset(&b);
	mp_put_array(&b, 3);
	mp_put_uint(&b, W_ERROR);
	mp_put_cstr(&b, longname);
	mp_put_cstr(&b, "?");
	CHECK_ERR(wire_error_decode(b.data, b.len, &code, text, sizeof(text)),
		  ERR_PROTO);
	/* Code and text must be strs. */
	buf_reset(&b);
	mp_put_array(&b, 3);
	mp_put_uint(&b, W_ERROR);
	mp_put_uint(&b, 5);
	mp_put_cstr(&b, "?");
	CHECK_ERR(wire_error_decode(b.data, b.len, &code, text, sizeof(text)),
		  ERR_PROTO);
	buf_release(&b);
}

/* ---- refusals ---- */

static void
test_decoders_refuse_every_other_type(void)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NKINDS; i++) {
		buf_reset(&b);
		kinds[i].make(&b);
		CHECK_EQ_INT(wire_type(b.data, b.len), kinds[i].type);
		for (size_t k = 0; k < NKINDS; k++) {
			int rc = decode_exact(&kinds[k], b.data, b.len);
			if ((k == i && rc != 0) || (k != i && rc != ERR_PROTO)) {
				harness_fail(__FILE__, __LINE__,
					     "%s read as %s: %s", kinds[i].name,
					     kinds[k].name, err_name(rc));
				buf_release(&b);
				return;
			}
		}
	}
	buf_release(&b);
}

static void
test_decoders_refuse_a_field_too_many_or_too_few(void)
{
	struct buf b = BUF_INIT, x = BUF_INIT;
	struct fields f;
	for (size_t i = 0; i < NKINDS; i++) {
		buf_reset(&b);
		kinds[i].make(&b);
		CHECK_OK(split(&b, &f));
		rebuild(&f, f.n, 0, &x);
		CHECK_EQ_INT(x.len, b.len); /* the split is faithful */
		CHECK_OK(decode_exact(&kinds[i], x.data, x.len));
		rebuild(&f, f.n, 1, &x);
		if (decode_exact(&kinds[i], x.data, x.len) != ERR_PROTO) {
			harness_fail(__FILE__, __LINE__, "%s with a nil more",
				     kinds[i].name);
			break;
		}
		rebuild(&f, f.n - 1, 0, &x);
		if (decode_exact(&kinds[i], x.data, x.len) != ERR_PROTO) {
			harness_fail(__FILE__, __LINE__, "%s without its last field",
				     kinds[i].name);
			break;
		}
		/* The type replaced by another, and by a str. */
		buf_reset(&x);
		mp_put_array(&x, f.n);
		mp_put_uint(&x, (uint64_t)kinds[i].type + 0x100);
		for (uint32_t k = 1; k < f.n; k++)
			buf_add(&x, f.p[k], f.len[k]);
		CHECK_ERR(decode_exact(&kinds[i], x.data, x.len), ERR_PROTO);
		CHECK_ERR(wire_type(x.data, x.len), ERR_PROTO);
		buf_reset(&x);
		mp_put_array(&x, f.n);
		mp_put_cstr(&x, "t");
		for (uint32_t k = 1; k < f.n; k++)
			buf_add(&x, f.p[k], f.len[k]);
		CHECK_ERR(decode_exact(&kinds[i], x.data, x.len), ERR_PROTO);
	}
	buf_release(&b);
	buf_release(&x);
}

static void
test_oversized_lists_are_refused(void)
{
	struct buf b = BUF_INIT;
	static struct wire_range r[WIRE_MAX_RANGES + 1];
	static uint8_t ids[WIRE_MAX_GET + 1][32];
	for (int i = 0; i <= WIRE_MAX_RANGES; i++) {
		fill32(r[i].author, (uint8_t)i);
		r[i].from = r[i].to = 1;
	}
	wire_fetch(&b, r, WIRE_MAX_RANGES + 1, 500, 1000);
	CHECK_ERR(decode_exact(&kinds[2], b.data, b.len), ERR_PROTO);
	buf_reset(&b);
	wire_get(&b, (const uint8_t (*)[32])ids, WIRE_MAX_GET + 1);
	CHECK_ERR(decode_exact(&kinds[4], b.data, b.len), ERR_PROTO);
	/* A fork proof with 9 ids (a struct wire_fork holds 8). */
	buf_reset(&b);
	wire_summary_begin(&b, 0);
	wire_summary_forks(&b, 1);
	mp_put_array(&b, 3);
	mp_put_bin(&b, ids[0], 32);
	mp_put_uint(&b, 1);
	mp_put_array(&b, 9);
	for (int i = 0; i < 9; i++)
		mp_put_bin(&b, ids[i], 32);
	CHECK_ERR(decode_exact(&kinds[1], b.data, b.len), ERR_PROTO);
	buf_release(&b);
}

/* Writes a bin of n bytes of 0x42. */
static void
put_bin_n(struct buf *b, size_t n)
{
	uint8_t x[40];
	memset(x, 0x42, sizeof(x));
	mp_put_bin(b, x, n);
}

static void
test_bins_of_the_wrong_size_are_refused(void)
{
	static const size_t sizes[] = { 0, 31, 33 };
	struct buf b = BUF_INIT;
	for (size_t s = 0; s < 3; s++) {
		size_t n = sizes[s];
		for (int field = 0; field < 2; field++) {
			/* SUMMARY head: author or id. */
			buf_reset(&b);
			wire_summary_begin(&b, 1);
			mp_put_array(&b, 3);
			put_bin_n(&b, field == 0 ? n : 32);
			mp_put_uint(&b, 1);
			put_bin_n(&b, field == 1 ? n : 32);
			wire_summary_forks(&b, 0);
			CHECK_ERR(dec_summary(b.data, b.len), ERR_PROTO);
			/* SUMMARY fork: author or an id. */
			buf_reset(&b);
			wire_summary_begin(&b, 0);
			wire_summary_forks(&b, 1);
			mp_put_array(&b, 3);
			put_bin_n(&b, field == 0 ? n : 32);
			mp_put_uint(&b, 1);
			mp_put_array(&b, 1);
			put_bin_n(&b, field == 1 ? n : 32);
			CHECK_ERR(dec_summary(b.data, b.len), ERR_PROTO);
			/* HINT: author or id. */
			buf_reset(&b);
			mp_put_array(&b, 4);
			mp_put_uint(&b, W_HINT);
			put_bin_n(&b, field == 0 ? n : 32);
			mp_put_uint(&b, 1);
			put_bin_n(&b, field == 1 ? n : 32);
			CHECK_ERR(dec_hint(b.data, b.len), ERR_PROTO);
		}
		/* FETCH range author. */
		buf_reset(&b);
		mp_put_array(&b, 4);
		mp_put_uint(&b, W_FETCH);
		mp_put_array(&b, 1);
		mp_put_array(&b, 3);
		put_bin_n(&b, n);
		mp_put_uint(&b, 1);
		mp_put_uint(&b, 2);
		mp_put_uint(&b, 10);
		mp_put_uint(&b, 10);
		CHECK_ERR(dec_fetch(b.data, b.len), ERR_PROTO);
		/* GET id, among good ones. */
		buf_reset(&b);
		mp_put_array(&b, 2);
		mp_put_uint(&b, W_GET);
		mp_put_array(&b, 3);
		put_bin_n(&b, 32);
		put_bin_n(&b, n);
		put_bin_n(&b, 32);
		CHECK_ERR(dec_get(b.data, b.len), ERR_PROTO);
		/* BLOB_REQ hash. */
		buf_reset(&b);
		mp_put_array(&b, 4);
		mp_put_uint(&b, W_BLOB_REQ);
		put_bin_n(&b, n);
		mp_put_uint(&b, 0);
		mp_put_uint(&b, 10);
		CHECK_ERR(dec_blob_req(b.data, b.len), ERR_PROTO);
	}
	/* A str where a bin belongs. */
	buf_reset(&b);
	mp_put_array(&b, 2);
	mp_put_uint(&b, W_GET);
	mp_put_array(&b, 1);
	mp_put_cstr(&b, "0123456789abcdef0123456789abcdef");
	CHECK_ERR(dec_get(b.data, b.len), ERR_PROTO);
	buf_release(&b);
}

/* A FETCH of one range [from, to]. */
static int
fetch_range(uint64_t from, uint64_t to)
{
	struct buf b = BUF_INIT;
	struct wire_range r;
	fill32(r.author, 1);
	r.from = from;
	r.to = to;
	wire_fetch(&b, &r, 1, 10, 10);
	int rc = dec_fetch(b.data, b.len);
	buf_release(&b);
	return rc;
}

static void
test_fetch_ranges_are_checked(void)
{
	CHECK_OK(fetch_range(1, 1));
	CHECK_OK(fetch_range(5, UINT64_MAX));
	CHECK_ERR(fetch_range(0, 5), ERR_PROTO);
	CHECK_ERR(fetch_range(0, 0), ERR_PROTO);
	CHECK_ERR(fetch_range(6, 5), ERR_PROTO);
	CHECK_ERR(fetch_range(UINT64_MAX, 1), ERR_PROTO);
}

static int
blob_chunk(uint64_t total, uint64_t off, size_t len)
{
	struct buf b = BUF_INIT;
	uint8_t bytes[16] = { 0 };
	wire_blob(&b, total, off, bytes, len);
	int rc = dec_blob(b.data, b.len);
	buf_release(&b);
	return rc;
}

static void
test_blob_chunks_must_lie_within_the_blob(void)
{
	CHECK_OK(blob_chunk(16, 0, 16));
	CHECK_OK(blob_chunk(16, 16, 0));
	CHECK_OK(blob_chunk(UINT64_MAX, UINT64_MAX - 4, 4));
	CHECK_ERR(blob_chunk(16, 17, 0), ERR_PROTO);
	CHECK_ERR(blob_chunk(16, 1, 16), ERR_PROTO);
	CHECK_ERR(blob_chunk(10, 0, 11), ERR_PROTO);
	CHECK_ERR(blob_chunk(0, UINT64_MAX, 1), ERR_PROTO);
}

static void
test_every_truncation_is_refused(void)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NKINDS; i++) {
		buf_reset(&b);
		kinds[i].make(&b);
		for (size_t n = 0; n < b.len; n++) {
			int rc = decode_exact(&kinds[i], b.data, n);
			if (rc != ERR_PROTO) {
				harness_fail(__FILE__, __LINE__,
					     "%s cut to %zu of %zu bytes: %s",
					     kinds[i].name, n, b.len, err_name(rc));
				buf_release(&b);
				return;
			}
		}
		CHECK_OK(decode_exact(&kinds[i], b.data, b.len));
	}
	buf_release(&b);
}

static void
test_trailing_bytes_are_refused(void)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < NKINDS; i++) {
		buf_reset(&b);
		kinds[i].make(&b);
		buf_add_byte(&b, 0xc0);
		int rc = decode_exact(&kinds[i], b.data, b.len);
		if (rc != ERR_PROTO) {
			harness_fail(__FILE__, __LINE__, "%s with a trailing nil: %s",
				     kinds[i].name, err_name(rc));
			break;
		}
	}
	buf_release(&b);
}

static void
test_non_canonical_encodings_are_refused(void)
{
	struct buf b = BUF_INIT;
	/* HINT whose seq 12 is written as a uint16. */
	mp_put_array(&b, 4);
	mp_put_uint(&b, W_HINT);
	put_bin_n(&b, 32);
	buf_add(&b, "\xcd\x00\x0c", 3);
	put_bin_n(&b, 32);
	CHECK_ERR(dec_hint(b.data, b.len), ERR_PROTO);
	/* GET whose list header is an array16 for 1 id. */
	buf_reset(&b);
	mp_put_array(&b, 2);
	mp_put_uint(&b, W_GET);
	buf_add(&b, "\xdc\x00\x01", 3);
	put_bin_n(&b, 32);
	CHECK_ERR(dec_get(b.data, b.len), ERR_PROTO);
	/* BLOB whose bytes are a bin16 of 3 bytes. */
	buf_reset(&b);
	mp_put_array(&b, 4);
	mp_put_uint(&b, W_BLOB);
	mp_put_uint(&b, 3);
	mp_put_uint(&b, 0);
	buf_add(&b, "\xc5\x00\x03xyz", 6);
	CHECK_ERR(dec_blob(b.data, b.len), ERR_PROTO);
	buf_release(&b);
}

static void
test_messages_above_the_size_limit_are_refused(void)
{
	struct buf b = BUF_INIT;
	size_t big = WIRE_MAX_MESSAGE - 64;
	uint8_t *bytes = xcalloc(1, WIRE_MAX_MESSAGE);
	uint64_t total, off;
	const uint8_t *p;
	size_t len;
	/* Just under 4 MiB in all: read. */
	wire_blob(&b, big, 0, bytes, big);
	CHECK(b.len <= WIRE_MAX_MESSAGE);
	CHECK_OK(wire_blob_decode(b.data, b.len, &total, &off, &p, &len));
	CHECK_EQ_INT(len, big);
	/* Just over: refused before it is read. */
	buf_reset(&b);
	wire_blob(&b, WIRE_MAX_MESSAGE, 0, bytes, WIRE_MAX_MESSAGE);
	CHECK(b.len > WIRE_MAX_MESSAGE);
	CHECK_ERR(wire_blob_decode(b.data, b.len, &total, &off, &p, &len),
		  ERR_PROTO);
	free(bytes);
	buf_release(&b);
}

/* A client's session with a server, to seal requests as the client does. */
static struct session *
client_session(void)
{
	struct key *c = key_generate(), *s = key_generate();
	struct session_cookies *jar = session_cookies_new(10000, 64);
	struct handshake *hs;
	struct session *srv = NULL, *cli = NULL;
	struct buf h1 = BUF_INIT, ch = BUF_INIT, h2 = BUF_INIT, w = BUF_INIT;
	session_hello(c, "net", key_public(s), &hs, &h1);
	BUG_ON(session_challenge(jar, 1, h1.data, h1.len, &ch) != 0);
	BUG_ON(session_hello_answer(hs, c, ch.data, ch.len, &h2, NULL) != 0);
	BUG_ON(session_cookie_take(jar, 1, h2.data, h2.len, NULL) != 0);
	BUG_ON(session_welcome(s, h2.data, h2.len, &srv, &w, NULL) != 0);
	BUG_ON(session_client_finish(hs, w.data, w.len, &cli, NULL) != 0);
	handshake_free(hs);
	session_free(srv);
	session_cookies_free(jar);
	buf_release(&h1);
	buf_release(&ch);
	buf_release(&h2);
	buf_release(&w);
	key_free(c);
	key_free(s);
	return cli;
}

static void
test_the_largest_requests_fit_the_servers_limit(void)
{
	/* The server takes nothing over WIRE_MAX_REQUEST (nng's limit on its
	 * socket, which counts the 4 bytes of req0's request id): every
	 * request a client can send, at its limits, sealed, must fit. */
	struct session *s = client_session();
	struct buf pt = BUF_INIT, m = BUF_INIT;
	static uint8_t ids[WIRE_MAX_GET][32];
	static struct wire_range ranges[WIRE_MAX_RANGES];
	struct wire_head h;
	memset(ids, 0xab, sizeof(ids));
	for (int i = 0; i < WIRE_MAX_RANGES; i++) {
		memset(ranges[i].author, 0xcd, 32);
		ranges[i].from = UINT64_MAX - 1;
		ranges[i].to = UINT64_MAX;
	}
	memset(&h, 0xef, sizeof(h));
	h.seq = UINT64_MAX;
	static uint8_t envb[WIRE_PUSH_EVENTS][WIRE_PUSH_EVENT_BYTES];
	struct wire_head ph[WIRE_PUSH_HEADS];
	const uint8_t *penv[WIRE_PUSH_EVENTS];
	size_t plen[WIRE_PUSH_EVENTS];
	for (int i = 0; i < WIRE_PUSH_HEADS; i++) {
		memset(&ph[i], 0xef, sizeof(ph[i]));
		ph[i].seq = UINT64_MAX;
	}
	for (int i = 0; i < WIRE_PUSH_EVENTS; i++) {
		penv[i] = envb[i];
		plen[i] = WIRE_PUSH_EVENT_BYTES;
	}
	for (int kind = 0; kind < 6; kind++) {
		buf_reset(&pt);
		buf_reset(&m);
		switch (kind) {
		case 0: wire_get(&pt, (const uint8_t (*)[32])ids, WIRE_MAX_GET); break;
		case 1: wire_fetch(&pt, ranges, WIRE_MAX_RANGES, UINT32_MAX, UINT32_MAX); break;
		case 2: wire_blob_req(&pt, ids[0], UINT64_MAX, UINT32_MAX); break;
		case 3: wire_hint(&pt, &h); break;
		case 4:
			wire_push(&pt, ph, WIRE_PUSH_HEADS, penv, plen,
				  WIRE_PUSH_EVENTS);
			break;
		default: wire_summary_req(&pt); break;
		}
		session_seal(s, UINT64_MAX, pt.data, pt.len, &m);
		CHECK(m.len + 4 <= WIRE_MAX_REQUEST);
	}
	/* The largest, a GET of WIRE_MAX_GET ids, with room to spare. */
	buf_reset(&pt);
	buf_reset(&m);
	wire_get(&pt, (const uint8_t (*)[32])ids, WIRE_MAX_GET);
	session_seal(s, UINT64_MAX, pt.data, pt.len, &m);
	CHECK(m.len < WIRE_MAX_REQUEST * 3 / 4);
	session_free(s);
	buf_release(&pt);
	buf_release(&m);
}

static void
test_events_count_must_match_its_envelopes(void)
{
	struct buf b = BUF_INIT;
	struct mp_reader r;
	uint32_t count;
	wire_events_begin(&b, 3);
	wire_events_add(&b, (const uint8_t *)"a", 1);
	wire_events_add(&b, (const uint8_t *)"b", 1);
	CHECK_ERR(dec_events(b.data, b.len), ERR_PROTO);
	buf_reset(&b);
	wire_events_begin(&b, 1);
	wire_events_add(&b, (const uint8_t *)"a", 1);
	wire_events_add(&b, (const uint8_t *)"b", 1);
	CHECK_ERR(wire_events_open(b.data, b.len, &r, &count), ERR_PROTO);
	/* Found by the wire fuzz target: an element that is no envelope's
	 * bin was opened, and the puller stopped short at it. */
	buf_reset(&b);
	wire_events_begin(&b, 2);
	wire_events_add(&b, (const uint8_t *)"a", 1);
	mp_put_cstr(&b, "b");
	CHECK_ERR(wire_events_open(b.data, b.len, &r, &count), ERR_PROTO);
	buf_release(&b);
}

/*
 * The largest single allocation while hooked (ASan's allocator hooks,
 * compiler-rt's sanitizer/allocator_interface.h: gcc ships no header).
 */
void __sanitizer_install_malloc_and_free_hooks(
	void (*malloc_hook)(const volatile void *, size_t),
	void (*free_hook)(const volatile void *));
static size_t largest_alloc;

static void
note_alloc(const volatile void *p, size_t n)
{
	(void)p;
	if (n > largest_alloc)
		largest_alloc = n;
}

static void
note_free(const volatile void *p)
{
	(void)p;
}

/*
 * Found reviewing the decoders for the wire fuzz target: SUMMARY sized
 * its arrays by the counts alone, so a message of junk after a large
 * count made 72 (heads) or 304 (forks) bytes per byte it carried.
 */
static void
test_summary_allocates_within_its_size(void)
{
	struct buf b = BUF_INIT;
	struct wire_summary s;
	size_t junk = 256 << 10;
	size_t big_heads = 0, big_forks = 0;
	for (int forks = 0; forks < 2; forks++) {
		buf_reset(&b);
		mp_put_array(&b, 3);
		mp_put_uint(&b, W_SUMMARY);
		if (forks)
			mp_put_array(&b, 0);
		/* A count as large as the bytes after it, then junk. */
		mp_put_array(&b, (uint32_t)junk);
		uint8_t *tail = xcalloc(junk, 1);
		buf_add(&b, tail, junk);
		free(tail);
		if (!forks)
			mp_put_array(&b, 0);
		largest_alloc = 0;
		__sanitizer_install_malloc_and_free_hooks(note_alloc, note_free);
		int rc = wire_summary_decode(b.data, b.len, &s);
		__sanitizer_install_malloc_and_free_hooks(NULL, NULL);
		if (rc == 0)
			wire_summary_release(&s);
		*(forks ? &big_forks : &big_heads) = largest_alloc;
		CHECK_ERR(rc, ERR_PROTO);
	}
	buf_release(&b);
	CHECK(big_heads <= junk);
	CHECK(big_forks <= junk);
}

static void
test_wire_type_refuses_garbage(void)
{
	const uint8_t empty_array[] = { 0x90 }, big_type[] = { 0x91, 0xcd, 0x01, 0x00 },
		      neg[] = { 0x91, 0xff }, map[] = { 0x81, 0xa1, 'a', 0x01 };
	CHECK_ERR(wire_type(NULL, 0), ERR_PROTO);
	CHECK_ERR(wire_type(empty_array, sizeof(empty_array)), ERR_PROTO);
	CHECK_ERR(wire_type(big_type, sizeof(big_type)), ERR_PROTO);
	CHECK_ERR(wire_type(neg, sizeof(neg)), ERR_PROTO);
	CHECK_ERR(wire_type(map, sizeof(map)), ERR_PROTO);
}

static void
test_random_and_mutated_input_never_crashes_a_decoder(void)
{
	uint64_t rng = test_seed();
	struct buf b = BUF_INIT;
	uint8_t junk[96];
	for (int iter = 0; iter < 4000; iter++) {
		const struct kind *k = &kinds[test_rand(&rng) % NKINDS];
		size_t n;
		uint8_t *x;
		if (iter % 2) {
			/* Pure noise, mostly starting like a message. */
			n = test_rand(&rng) % sizeof(junk);
			for (size_t i = 0; i < n; i++)
				junk[i] = (uint8_t)test_rand(&rng);
			if (n > 1 && iter % 4 == 1) {
				junk[0] = (uint8_t)(0x90 | (test_rand(&rng) % 6));
				junk[1] = (uint8_t)k->type;
			}
			x = exact(junk, n);
		} else {
			/* A valid message with a few bytes changed. */
			buf_reset(&b);
			k->make(&b);
			n = b.len;
			x = exact(b.data, n);
			int changes = 1 + (int)(test_rand(&rng) % 3);
			for (int c = 0; c < changes; c++)
				x[test_rand(&rng) % n] ^= (uint8_t)(1 + test_rand(&rng) % 255);
		}
		for (size_t i = 0; i < NKINDS; i++) {
			int rc = kinds[i].decode(x, n);
			if (rc != 0 && rc != ERR_PROTO) {
				harness_fail(__FILE__, __LINE__,
					     "%s gave %s (not ERR_PROTO)",
					     kinds[i].name, err_name(rc));
				free(x);
				buf_release(&b);
				return;
			}
		}
		free(x);
	}
	buf_release(&b);
}

static const struct test tests[] = {
	{ "SUMMARY_REQ and ACK are their type and nothing else",
	  test_field_less_messages_are_their_type },
	{ "a SUMMARY round trips its heads and fork proofs",
	  test_summary_round_trips },
	{ "a FETCH round trips its ranges and clamps its limits",
	  test_fetch_round_trips_and_clamps },
	{ "EVENTS carries envelopes as they were",
	  test_events_carry_envelopes_as_they_were },
	{ "an EVENTS message counted at the end has the same bytes",
	  test_events_counted_at_the_end_are_the_same_bytes },
	{ "a GET round trips up to WIRE_MAX_GET ids",
	  test_get_round_trips_up_to_the_limit },
	{ "a HINT round trips", test_hint_round_trips },
	{ "a HELD round trips, a bit for each of a PUSH's heads and no more",
	  test_held_round_trips_and_has_a_bit_per_head },
	{ "a PUSH round trips its heads and envelopes",
	  test_push_round_trips },
	{ "a PUSH has 1 to WIRE_PUSH_HEADS heads, WIRE_PUSH_EVENTS envelopes of WIRE_PUSH_EVENT_BYTES",
	  test_push_limits },
	{ "a BLOB_REQ round trips and clamps its chunk",
	  test_blob_req_round_trips_and_clamps },
	{ "a BLOB round trips, its bytes pointing into the message",
	  test_blob_round_trips },
	{ "an ERROR round trips its code and text", test_error_round_trips },
	{ "every decoder refuses every other message type",
	  test_decoders_refuse_every_other_type },
	{ "decoders refuse a field too many, too few, or a wrong type",
	  test_decoders_refuse_a_field_too_many_or_too_few },
	{ "lists over WIRE_MAX_RANGES, WIRE_MAX_GET or 8 fork ids are refused",
	  test_oversized_lists_are_refused },
	{ "bins of the wrong size are refused",
	  test_bins_of_the_wrong_size_are_refused },
	{ "FETCH ranges must start at 1 and not end before they start",
	  test_fetch_ranges_are_checked },
	{ "BLOB chunks must lie within the blob",
	  test_blob_chunks_must_lie_within_the_blob },
	{ "every message truncated at every byte is refused",
	  test_every_truncation_is_refused },
	{ "trailing bytes are refused", test_trailing_bytes_are_refused },
	{ "non-canonical encodings are refused",
	  test_non_canonical_encodings_are_refused },
	{ "messages above WIRE_MAX_MESSAGE are refused",
	  test_messages_above_the_size_limit_are_refused },
	{ "the largest requests, sealed, fit the server's limit of WIRE_MAX_REQUEST",
	  test_the_largest_requests_fit_the_servers_limit },
	{ "an EVENTS count must match its envelopes",
	  test_events_count_must_match_its_envelopes },
	{ "a SUMMARY allocates no more than its own size",
	  test_summary_allocates_within_its_size },
	{ "wire_type refuses garbage", test_wire_type_refuses_garbage },
	{ "random and mutated input never crashes a decoder",
	  test_random_and_mutated_input_never_crashes_a_decoder },
};

TEST_MAIN(tests)

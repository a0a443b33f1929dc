/*
 * wire_fuzz.c - fuzz target for the replication messages inside a
 * sealed session (replication/wire.h, fuzz.h).
 *
 * Each input, as the plaintext a peer sent, goes through wire_type() and
 * every decoder, whatever its type byte says, and the envelopes of an
 * EVENTS message through seal_open() as the puller does.  Oracle: every
 * decoder answers 0 or ERR_PROTO; whatever one accepts, its encoder
 * writes back byte for byte (except the limits a decoder clamps, and the
 * text of an ERROR, which is cut to the caller's buffer); wire_type()
 * gives ERR_PROTO or a type byte.  Seeds: every message type from the
 * real encoders, with empty, full and limit-sized contents.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/mp.h"
#include "crypto/seal.h"
#include "replication/wire.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/oracle.h"
#include "common/banned.h"

const char fuzz_target[] = "wire";

void
fuzz_init(void)
{
}

/* The encoder wrote the input back: 1 if so. */
static int
same(const struct buf *b, const uint8_t *p, size_t n)
{
	return b->len == n && memcmp(b->data, p, n) == 0;
}

static int
known_code(int rc)
{
	return rc == 0 || rc == ERR_PROTO;
}

static void
check_summary(const uint8_t *p, size_t n)
{
	struct wire_summary s;
	struct buf b = BUF_INIT;
	int rc = wire_summary_decode(p, n, &s);
	if (!known_code(rc)) {
		fuzz_fail("wire_summary_decode returned %d", rc);
		return;
	}
	if (rc) {
		if (s.heads || s.forks || s.nheads || s.nforks)
			fuzz_fail("wire_summary_decode failed and kept arrays");
		return;
	}
	wire_summary_begin(&b, (uint32_t)s.nheads);
	for (size_t i = 0; i < s.nheads; i++)
		wire_summary_head(&b, &s.heads[i]);
	wire_summary_forks(&b, (uint32_t)s.nforks);
	for (size_t i = 0; i < s.nforks; i++)
		wire_summary_fork(&b, &s.forks[i]);
	if (!same(&b, p, n))
		fuzz_fail("SUMMARY of %zu heads, %zu forks re-encodes "
			  "differently", s.nheads, s.nforks);
	wire_summary_release(&s);
	buf_release(&b);
}

static void
check_fetch(const uint8_t *p, size_t n)
{
	struct wire_range r[WIRE_MAX_RANGES];
	size_t nr = 0;
	uint32_t me = 0, mb = 0;
	struct buf b = BUF_INIT;
	int rc = wire_fetch_decode(p, n, r, &nr, &me, &mb);
	if (!known_code(rc)) {
		fuzz_fail("wire_fetch_decode returned %d", rc);
		return;
	}
	if (rc)
		return;
	if (nr > WIRE_MAX_RANGES || me > WIRE_MAX_EVENTS ||
	    mb > WIRE_MAX_BYTES) {
		fuzz_fail("FETCH beyond the limits: %zu ranges, %u events, "
			  "%u bytes", nr, me, mb);
		return;
	}
	for (size_t i = 0; i < nr; i++)
		if (r[i].from == 0 || r[i].to < r[i].from) {
			fuzz_fail("FETCH range %zu is %llu..%llu", i,
				  (unsigned long long)r[i].from,
				  (unsigned long long)r[i].to);
			return;
		}
	wire_fetch(&b, r, nr, me, mb);
	if (!same(&b, p, n) && me != WIRE_MAX_EVENTS && mb != WIRE_MAX_BYTES)
		fuzz_fail("FETCH of %zu ranges re-encodes differently", nr);
	buf_release(&b);
}

static void
check_events(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count = 0;
	struct buf b = BUF_INIT;
	int rc = wire_events_open(p, n, &r, &count);
	if (!known_code(rc)) {
		fuzz_fail("wire_events_open returned %d", rc);
		return;
	}
	if (rc)
		return;
	if (count > WIRE_MAX_EVENTS) {
		fuzz_fail("EVENTS of %u envelopes", count);
		return;
	}
	/* As the puller's verify_work(): each bin is one envelope. */
	wire_events_begin(&b, count);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *env;
		size_t len, used = 0;
		struct envelope e;
		struct event ev;
		if (mp_get_bin(&r, &env, &len)) {
			fuzz_fail("EVENTS opened, but envelope %u is no bin", i);
			buf_release(&b);
			return;
		}
		int src = seal_open(env, len, ORACLE_NETWORK, &e, &ev, &used,
				    NULL);
		if (!fuzz_code_known(src) || (src == 0 && used > len)) {
			fuzz_fail("seal_open of envelope %u: %d, %zu of %zu "
				  "bytes", i, src, used, len);
			buf_release(&b);
			return;
		}
		wire_events_add(&b, env, len);
	}
	if (!same(&b, p, n))
		fuzz_fail("EVENTS of %u re-encodes differently", count);
	buf_release(&b);
}

static void
check_get(const uint8_t *p, size_t n)
{
	uint8_t ids[WIRE_MAX_GET][32];
	size_t count = 0;
	struct buf b = BUF_INIT;
	int rc = wire_get_decode(p, n, ids, &count);
	if (!known_code(rc)) {
		fuzz_fail("wire_get_decode returned %d", rc);
		return;
	}
	if (rc)
		return;
	if (count > WIRE_MAX_GET) {
		fuzz_fail("GET of %zu ids", count);
		return;
	}
	wire_get(&b, (const uint8_t(*)[32])ids, count);
	if (!same(&b, p, n))
		fuzz_fail("GET of %zu ids re-encodes differently", count);
	buf_release(&b);
}

static void
check_small(const uint8_t *p, size_t n)
{
	struct wire_head h;
	uint8_t hash[32];
	uint64_t offset = 0, total = 0;
	uint32_t max = 0;
	const uint8_t *bytes = NULL;
	size_t len = 0;
	struct buf b = BUF_INIT;
	int rc;

	if (!known_code(rc = wire_summary_req_decode(p, n)))
		fuzz_fail("wire_summary_req_decode returned %d", rc);
	if (rc == 0) {
		wire_summary_req(&b);
		if (!same(&b, p, n))
			fuzz_fail("SUMMARY_REQ re-encodes differently");
	}
	buf_reset(&b);
	if (!known_code(rc = wire_ack_decode(p, n)))
		fuzz_fail("wire_ack_decode returned %d", rc);
	if (rc == 0) {
		wire_ack(&b);
		if (!same(&b, p, n))
			fuzz_fail("ACK re-encodes differently");
	}
	buf_reset(&b);
	if (!known_code(rc = wire_hint_decode(p, n, &h)))
		fuzz_fail("wire_hint_decode returned %d", rc);
	if (rc == 0) {
		wire_hint(&b, &h);
		if (!same(&b, p, n))
			fuzz_fail("HINT re-encodes differently");
	}
	buf_reset(&b);
	if (!known_code(rc = wire_blob_req_decode(p, n, hash, &offset, &max)))
		fuzz_fail("wire_blob_req_decode returned %d", rc);
	if (rc == 0) {
		if (max > WIRE_BLOB_CHUNK)
			fuzz_fail("BLOB_REQ for %u bytes", max);
		wire_blob_req(&b, hash, offset, max);
		if (!same(&b, p, n) && max != WIRE_BLOB_CHUNK)
			fuzz_fail("BLOB_REQ re-encodes differently");
	}
	buf_reset(&b);
	if (!known_code(rc = wire_blob_decode(p, n, &total, &offset, &bytes,
					      &len)))
		fuzz_fail("wire_blob_decode returned %d", rc);
	if (rc == 0) {
		if (bytes < p || len > n || bytes + len > p + n ||
		    offset > total || len > total - offset)
			fuzz_fail("BLOB of %zu bytes at %llu of %llu outside "
				  "the message", len,
				  (unsigned long long)offset,
				  (unsigned long long)total);
		else {
			wire_blob(&b, total, offset, bytes, len);
			if (!same(&b, p, n))
				fuzz_fail("BLOB re-encodes differently");
		}
	}
	buf_release(&b);
}

static void
check_error(const uint8_t *p, size_t n)
{
	char text[200];
	int code = 0;
	int rc = wire_error_decode(p, n, &code, text, sizeof(text));
	if (!known_code(rc)) {
		fuzz_fail("wire_error_decode returned %d", rc);
		return;
	}
	if (rc)
		return;
	if (code >= 0 || !fuzz_code_known(code))
		fuzz_fail("ERROR decoded to code %d", code);
	if (strlen(text) >= sizeof(text))
		fuzz_fail("ERROR text overflows");
	/* A short text without NUL of a known code comes back the same. */
	struct buf b = BUF_INIT;
	wire_error(&b, code, text);
	size_t tl = strlen(text);
	if (tl + 1 < sizeof(text) && !same(&b, p, n)) {
		/* The text may hold a NUL, or the name be unknown: read them
		 * back to tell. */
		struct mp_reader r;
		uint32_t three;
		uint64_t t;
		const char *c, *x;
		size_t cn, xn;
		mp_reader_init(&r, p, n, NULL);
		if (mp_get_array(&r, &three) || mp_get_uint(&r, &t) ||
		    mp_get_str(&r, &c, &cn) || mp_get_str(&r, &x, &xn))
			fuzz_fail("ERROR decoded from what does not read");
		else if (xn == tl && memchr(x, '\0', xn) == NULL &&
			 strlen(err_name(code)) == cn &&
			 memcmp(err_name(code), c, cn) == 0)
			fuzz_fail("ERROR re-encodes differently");
	}
	buf_release(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int t = wire_type(data, size);
	if (t != ERR_PROTO && (t < 0 || t > 0xff))
		fuzz_fail("wire_type returned %d", t);
	check_summary(data, size);
	check_fetch(data, size);
	check_events(data, size);
	check_get(data, size);
	check_small(data, size);
	check_error(data, size);
	return 0;
}

/* ---- seeds ---- */

static void
add_buf(fuzz_seed_fn add, void *ctx, const char *name, struct buf *b)
{
	add(ctx, name, b->data, b->len);
	buf_reset(b);
}

static void
fill(uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(v + i);
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	struct buf b = BUF_INIT;
	struct wire_head h;
	struct wire_fork f;
	struct wire_range r[3];
	uint8_t ids[3][32];

	wire_summary_req(&b);
	add_buf(add, ctx, "seed-summary-req", &b);

	wire_summary_begin(&b, 0);
	wire_summary_forks(&b, 0);
	add_buf(add, ctx, "seed-summary-empty", &b);
	wire_summary_begin(&b, 2);
	for (int i = 0; i < 2; i++) {
		fill(h.author, 32, (uint8_t)(0x10 * (i + 1)));
		h.seq = i ? 70000 : 1;
		fill(h.id, 32, (uint8_t)(0x80 + i));
		wire_summary_head(&b, &h);
	}
	wire_summary_forks(&b, 1);
	fill(f.author, 32, 0x10);
	f.seq = 5;
	f.nids = 2;
	fill(f.ids[0], 32, 0x33);
	fill(f.ids[1], 32, 0x44);
	wire_summary_fork(&b, &f);
	add_buf(add, ctx, "seed-summary-heads-forks", &b);

	for (int i = 0; i < 3; i++) {
		fill(r[i].author, 32, (uint8_t)(0x20 * (i + 1)));
		r[i].from = 1 + (uint64_t)i * 300;
		r[i].to = i == 2 ? INT64_MAX : r[i].from + 10;
	}
	wire_fetch(&b, r, 3, 500, 1 << 20);
	add_buf(add, ctx, "seed-fetch", &b);
	wire_fetch(&b, r, 0, 1, 0);
	add_buf(add, ctx, "seed-fetch-empty", &b);

	/* EVENTS: real signed envelopes, as a peer serves them. */
	wire_events_begin(&b, ORACLE_SAMPLES);
	for (int i = 0; i < ORACLE_SAMPLES; i++) {
		struct buf env = BUF_INIT;
		oracle_sample(i, &env, NULL);
		wire_events_add(&b, env.data, env.len);
		buf_release(&env);
	}
	add_buf(add, ctx, "seed-events", &b);
	wire_events_begin(&b, 0);
	add_buf(add, ctx, "seed-events-empty", &b);

	for (int i = 0; i < 3; i++)
		fill(ids[i], 32, (uint8_t)(0x40 * i));
	wire_get(&b, (const uint8_t(*)[32])ids, 3);
	add_buf(add, ctx, "seed-get", &b);

	fill(h.author, 32, 0x51);
	h.seq = 42;
	fill(h.id, 32, 0x61);
	wire_hint(&b, &h);
	add_buf(add, ctx, "seed-hint", &b);
	wire_ack(&b);
	add_buf(add, ctx, "seed-ack", &b);
	wire_blob_req(&b, ids[1], 262144, 262144);
	add_buf(add, ctx, "seed-blob-req", &b);
	wire_blob(&b, 300000, 262144, (const uint8_t *)"a photo's last bytes",
		  20);
	add_buf(add, ctx, "seed-blob", &b);
	wire_blob(&b, 0, 0, NULL, 0);
	add_buf(add, ctx, "seed-blob-empty", &b);
	wire_error(&b, ERR_NOTFOUND, "no such blob here");
	add_buf(add, ctx, "seed-error", &b);
	wire_error(&b, ERR_DENIED, "");
	add_buf(add, ctx, "seed-error-empty-text", &b);
	buf_release(&b);
}

/*
 * event_fuzz.c - fuzz target for the event codec (fuzz.h).
 *
 * Each input goes through mp_check(), event_decode(), envelope_read()
 * and seal_open() (tests/fuzz/oracle.h), with msgpack-c as the reference
 * decoder; any disagreement is a finding, and so is any sanitizer report.
 * Seeds: valid envelopes and their event bytes, a stream of them, and
 * plain values with every kind of header.
 */
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/mp.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/oracle.h"
#include "common/banned.h"

const char fuzz_target[] = "event";

void
fuzz_init(void)
{
}

static void
add_buf(fuzz_seed_fn add, void *ctx, const char *name, const struct buf *b)
{
	add(ctx, name, b->data, b->len);
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	struct buf stream = BUF_INIT, b = BUF_INIT;
	char name[64];

	for (int i = 0; i < ORACLE_SAMPLES; i++) {
		struct buf env = BUF_INIT, ev = BUF_INIT;
		oracle_sample(i, &env, &ev);
		buf_add(&stream, env.data, env.len);
		snprintf(name, sizeof(name), "seed-envelope-%d", i);
		add_buf(add, ctx, name, &env);
		snprintf(name, sizeof(name), "seed-event-%d", i);
		add_buf(add, ctx, name, &ev);
		buf_release(&env);
		buf_release(&ev);
	}
	add_buf(add, ctx, "seed-stream", &stream);

	/* Plain values with every kind of header. */
	mp_put_map(&b, 3);
	mp_put_cstr(&b, "a");
	mp_put_array(&b, 6);
	mp_put_uint(&b, 65536);
	mp_put_uint(&b, UINT64_MAX);
	mp_put_int(&b, -129);
	mp_put_int(&b, INT64_MIN);
	mp_put_bool(&b, 0);
	mp_put_nil(&b);
	mp_put_cstr(&b, "b");
	mp_put_bin(&b, "\x01\x02", 2);
	mp_put_cstr(&b, "c");
	mp_put_cstr(&b, "more than thirty-one bytes, so str8 \xe2\x82\xac");
	add_buf(add, ctx, "seed-value-map", &b);
	buf_reset(&b);
	for (int i = 0; i < MP_MAX_DEPTH; i++)
		mp_put_array(&b, 1);
	mp_put_map(&b, 0);
	add_buf(add, ctx, "seed-value-deep", &b);
	buf_reset(&b);
	mp_put_array(&b, 16);
	for (int i = 0; i < 16; i++)
		mp_put_str(&b, "0123456789abcdef0123456789abcdef",
			   (size_t)i * 2);
	add_buf(add, ctx, "seed-value-array16", &b);
	buf_release(&b);
	buf_release(&stream);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = oracle_check(data, size);
	if (why)
		fuzz_fail("%s (%zu bytes)", why, size);
	return 0;
}

/*
 * event_fuzz.c - libFuzzer target for the codec layer.
 *
 * Each input goes through mp_check(), event_decode(), envelope_read()
 * and seal_open() (tests/fuzz/oracle.h), with msgpack-c as the reference
 * decoder; any disagreement aborts, and so does any sanitizer report.
 *
 * With GRIDCASE_FUZZ_SEEDS=dir in the environment the binary writes its
 * seed corpus (valid envelopes, their event bytes, a stream of them and
 * a few plain values) into dir and exits: tests/fuzz/run.sh uses this.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/mp.h"
#include "tests/fuzz/oracle.h"
#include "common/banned.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
write_seed(const char *dir, const char *name, const struct buf *b)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f)) {
		fprintf(stderr, "event_fuzz: cannot write '%s': %s\n", path,
			strerror(errno));
		exit(1);
	}
}

static void
write_seeds(const char *dir)
{
	struct buf stream = BUF_INIT, b = BUF_INIT;
	char name[64];
	int count = 0;

	for (int i = 0; i < ORACLE_SAMPLES; i++) {
		struct buf env = BUF_INIT, ev = BUF_INIT;
		oracle_sample(i, &env, &ev);
		buf_add(&stream, env.data, env.len);
		snprintf(name, sizeof(name), "envelope-%d", i);
		write_seed(dir, name, &env);
		snprintf(name, sizeof(name), "event-%d", i);
		write_seed(dir, name, &ev);
		count += 2;
		buf_release(&env);
		buf_release(&ev);
	}
	write_seed(dir, "stream", &stream);
	count++;

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
	write_seed(dir, "value-map", &b);
	buf_reset(&b);
	for (int i = 0; i < MP_MAX_DEPTH; i++)
		mp_put_array(&b, 1);
	mp_put_map(&b, 0);
	write_seed(dir, "value-deep", &b);
	buf_reset(&b);
	mp_put_array(&b, 16);
	for (int i = 0; i < 16; i++)
		mp_put_str(&b, "0123456789abcdef0123456789abcdef",
			   (size_t)i * 2);
	write_seed(dir, "value-array16", &b);
	count += 3;
	buf_release(&b);
	buf_release(&stream);
	printf("event_fuzz: wrote %d seeds to %s\n", count, dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *dir = getenv("GRIDCASE_FUZZ_SEEDS");
	if (dir && *dir) {
		write_seeds(dir);
		exit(0);
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why = oracle_check(data, size);
	if (why) {
		fprintf(stderr, "event_fuzz: oracle: %s (%zu bytes)\n", why,
			size);
		abort();
	}
	return 0;
}

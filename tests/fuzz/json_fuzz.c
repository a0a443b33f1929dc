/*
 * json_fuzz.c - fuzz target for the JSON parser (common/json.h, fuzz.h).
 *
 * Each input, as the text of a file, goes through json_to_mp() and
 * json_to_mp_e6().  Oracle: each answers 0 or ERR_INVAL and leaves its
 * output as it was on error; what it accepts is canonical msgpack that
 * json_put_mp() renders, compact and pretty, as JSON text that
 * json_to_mp() reads back to the identical bytes.  Seeds: the shapes of
 * the files gridcase reads (config, GeoJSON, event bodies) and the
 * corners of strings and numbers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

const char fuzz_target[] = "json";

void
fuzz_init(void)
{
}

/* Renders mp as JSON and reads it back: 1 if it comes back the same. */
static int
round_trip(const struct buf *mp, int pretty)
{
	struct buf text = BUF_INIT, again = BUF_INIT;
	struct json_writer w;
	json_writer_init(&w, &text, pretty);
	int ok = json_put_mp(&w, mp->data, mp->len) == 0 &&
		 json_to_mp(buf_cstr(&text), &again, NULL) == 0 &&
		 again.len == mp->len &&
		 memcmp(again.data, mp->data, mp->len) == 0;
	buf_release(&text);
	buf_release(&again);
	return ok;
}

static void
check(const char *text, int e6)
{
	static const uint8_t mark[] = { 0xc1, 0x5a };
	struct buf out = BUF_INIT;
	struct diag d;
	const char *fn = e6 ? "json_to_mp_e6" : "json_to_mp";
	buf_add(&out, mark, sizeof(mark));
	int rc = e6 ? json_to_mp_e6(text, &out, &d) : json_to_mp(text, &out, &d);
	if (rc != 0 && rc != ERR_INVAL) {
		fuzz_fail("%s returned %d", fn, rc);
	} else if (memcmp(out.data, mark, sizeof(mark)) != 0) {
		fuzz_fail("%s wrote over what out held", fn);
	} else if (rc) {
		if (out.len != sizeof(mark))
			fuzz_fail("%s failed and left %zu bytes in out", fn,
				  out.len - sizeof(mark));
	} else {
		struct buf mp = BUF_INIT;
		buf_add(&mp, out.data + sizeof(mark), out.len - sizeof(mark));
		if (mp_check(mp.data, mp.len, NULL) != 0)
			fuzz_fail("%s made non-canonical msgpack", fn);
		else if (!round_trip(&mp, 0))
			fuzz_fail("%s: its value does not come back through "
				  "compact JSON", fn);
		else if (!round_trip(&mp, 1))
			fuzz_fail("%s: its value does not come back through "
				  "pretty JSON", fn);
		buf_release(&mp);
	}
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	check(text, 0);
	check(text, 1);
	free(text);
	return 0;
}

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	fuzz_seed_text(add, ctx, "seed-object",
		       "{\"where\": \"Caoxi Road 12\", \"n\": [1, -2, 0, "
		       "18446744073709551615, -9223372036854775808], "
		       "\"ok\": true, \"no\": false, \"none\": null, "
		       "\"deep\": {\"a\": {\"b\": []}}}");
	fuzz_seed_text(add, ctx, "seed-strings",
		       "[\"\", \"h\\u00e9llo \\u20ac\", \"\\ud83d\\ude00\", "
		       "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\", \"\\u0000\", "
		       "\"\xe4\xb8\xad\xe6\x96\x87\"]");
	fuzz_seed_text(add, ctx, "seed-decimals",
		       "[121.4402, -31.14, 0.000001, 1.23456789, 0, -0, "
		       "9223372036.854775]");
	fuzz_seed_text(add, ctx, "seed-keys",
		       "{\"b\": 1, \"a\": 2, \"\": 3, \"aa\": 4, "
		       "\"\\u00e9\": 5}");
	fuzz_seed_text(add, ctx, "seed-deep",
		       "[[[[[[[[[[[[[[[[{}]]]]]]]]]]]]]]]]");
	fuzz_seed_text(add, ctx, "seed-config",
		       "{\"calendar\": {\"utc_offset\": \"+08:00\", "
		       "\"work_hours\": [\"08:30-12:00\", \"13:30-17:30\"]}, "
		       "\"limits\": [{\"class\": \"event:06010\", "
		       "\"urgency\": \"*\", \"limit\": \"4h\"}]}");
	fuzz_seed_text(add, ctx, "seed-scalar", "  -12  \n");
}

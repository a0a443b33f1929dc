/*
 * vectors_test.c - the test vectors of docs/format.md §8 verify as stated.
 *
 * Reads docs/vectors/events.json ($GRIDCASE_VECTORS overrides the path,
 * which is otherwise relative to the repository root where tests run)
 * through json_to_mp and walks it with the mp reader.  The file is checked
 * as committed: it is never regenerated here, so a change to the codec
 * that alters any byte of a signed event shows up as a failure instead
 * of being papered over.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/harness.h"
#include "common/buf.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "common/banned.h"

#define VECTORS_DEFAULT "docs/vectors/events.json"

/* One vector: its map inside the loaded document, and what every check
 * needs from it.  name and network are new strings, env owns its bytes. */
struct vec {
	const uint8_t *map;
	size_t map_len;
	char *name;
	char *network;
	struct buf env;
};

static const char *
vectors_path(void)
{
	const char *p = getenv("GRIDCASE_VECTORS");
	return p && *p ? p : VECTORS_DEFAULT;
}

/* Reads the vectors file and appends it to doc as canonical msgpack. */
static int
vectors_load(struct buf *doc, struct diag *d)
{
	const char *path = vectors_path();
	struct buf text = BUF_INIT;
	char chunk[65536];
	size_t n;
	int rc;

	FILE *f = fopen(path, "rb");
	if (!f)
		return diag_set(d, ERR_NOTFOUND, "cannot open '%s'", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&text, chunk, n);
	rc = ferror(f) ? diag_set(d, ERR_IO, "cannot read '%s'", path) : 0;
	fclose(f);
	if (rc == 0)
		rc = json_to_mp(buf_cstr(&text), doc, d);
	buf_release(&text);
	return rc;
}

/*
 * The entries of the top-level list named key, as slices into doc: a new
 * array in *out (free it) of *count maps.
 */
static int
vectors_list(const struct buf *doc, const char *key, struct vec **out,
	     size_t *count)
{
	struct mp_reader r, val;
	uint32_t n;
	int rc;

	mp_reader_init(&r, doc->data, doc->len, NULL);
	if ((rc = mp_map_find(&r, key, &val)))
		return rc;
	if ((rc = mp_get_array(&val, &n)))
		return rc;
	struct vec *v = xcalloc(n ? n : 1, sizeof(*v));
	for (uint32_t i = 0; i < n; i++) {
		if ((rc = mp_get_value(&val, &v[i].map, &v[i].map_len))) {
			free(v);
			return rc;
		}
	}
	*out = v;
	*count = n;
	return 0;
}

/* A reader over the value of key in the vector's map. */
static int
field(const struct vec *v, const char *key, struct mp_reader *val)
{
	struct mp_reader r;
	mp_reader_init(&r, v->map, v->map_len, NULL);
	return mp_map_find(&r, key, val);
}

static int
field_str(const struct vec *v, const char *key, char **out)
{
	struct mp_reader val;
	const char *s;
	size_t n;
	int rc;
	if ((rc = field(v, key, &val)) || (rc = mp_get_str(&val, &s, &n)))
		return rc;
	*out = xstrndup(s, n);
	return 0;
}

static int
field_uint(const struct vec *v, const char *key, uint64_t *out)
{
	struct mp_reader val;
	int rc;
	if ((rc = field(v, key, &val)))
		return rc;
	return mp_get_uint(&val, out);
}

/* Decodes a hex str from the reader and appends its bytes to out. */
static int
get_hex(struct mp_reader *r, struct buf *out)
{
	const char *s;
	size_t n;
	int rc;
	if ((rc = mp_get_str(r, &s, &n)))
		return rc;
	if (n % 2)
		return ERR_INVAL;
	char *z = xstrndup(s, n);
	buf_grow(out, n / 2);
	rc = hex_decode(z, out->data + out->len, n / 2);
	free(z);
	if (rc == 0)
		out->len += n / 2;
	return rc;
}

static int
field_hex(const struct vec *v, const char *key, struct buf *out)
{
	struct mp_reader val;
	int rc;
	if ((rc = field(v, key, &val)))
		return rc;
	return get_hex(&val, out);
}

static int
vec_init(struct vec *v)
{
	int rc;
	buf_init(&v->env);
	v->name = NULL;
	v->network = NULL;
	if ((rc = field_str(v, "name", &v->name)) ||
	    (rc = field_str(v, "network", &v->network)) ||
	    (rc = field_hex(v, "envelope_hex", &v->env)))
		return rc;
	return 0;
}

static void
vec_release(struct vec *v)
{
	free(v->name);
	free(v->network);
	buf_release(&v->env);
}

/* Records a failure that names the vector; returns -1 for the caller. */
static int
vfail(const char *file, int line, const struct vec *v, const char *fmt, ...)
{
	struct buf msg = BUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	harness_fail(file, line, "vector '%s': %s",
		     v->name ? v->name : "?", buf_cstr(&msg));
	buf_release(&msg);
	return -1;
}

#define VCHECK(v, cond, ...)                                               \
	do {                                                               \
		if (!(cond))                                               \
			return vfail(__FILE__, __LINE__, (v), __VA_ARGS__); \
	} while (0)

/*
 * Loads the document and runs check on every vector of the list, until
 * one fails.  Returns the number of vectors checked, or -1.
 */
static long
each_vector(const char *list, int (*check)(struct vec *v))
{
	struct buf doc = BUF_INIT;
	struct vec *vs = NULL;
	struct diag d = { "" };
	size_t n = 0;
	long done = -1;
	int rc;

	if ((rc = vectors_load(&doc, &d))) {
		harness_fail(__FILE__, __LINE__, "cannot load the vectors: %s",
			     d.text);
		goto out;
	}
	if ((rc = vectors_list(&doc, list, &vs, &n))) {
		harness_fail(__FILE__, __LINE__,
			     "the vectors have no list '%s': %s", list,
			     err_name(rc));
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		rc = vec_init(&vs[i]);
		if (rc)
			harness_fail(__FILE__, __LINE__,
				     "%s vector %zu lacks name, network or "
				     "envelope_hex: %s",
				     list, i, err_name(rc));
		else
			rc = check(&vs[i]);
		vec_release(&vs[i]);
		if (rc)
			goto out;
	}
	done = (long)n;
out:
	free(vs);
	buf_release(&doc);
	return done;
}

/* ---- valid vectors ---- */

static int
open_valid(struct vec *v)
{
	struct envelope env;
	struct event ev;
	struct diag d = { "" };
	size_t used;
	int rc = seal_open(v->env.data, v->env.len, v->network, &env, &ev,
			   &used, &d);
	VCHECK(v, rc == 0, "seal_open returned %s (%s)", err_name(rc),
	       d.text);
	VCHECK(v, used == v->env.len, "the envelope is %zu of %zu bytes",
	       used, v->env.len);
	return 0;
}

static int
check_wrong_network(struct vec *v)
{
	struct envelope env;
	struct event ev;
	size_t used;
	int rc = seal_open(v->env.data, v->env.len, "no-such-network", &env,
			   &ev, &used, NULL);
	VCHECK(v, rc == ERR_NETWORK, "seal_open returned %s", err_name(rc));
	return 0;
}

/* Compares the hex str value of key with n bytes at p. */
static int
same_hex(struct vec *v, const char *key, const uint8_t *p, size_t n)
{
	struct buf want = BUF_INIT;
	int rc = field_hex(v, key, &want);
	int same = rc == 0 && want.len == n && memcmp(want.data, p, n) == 0;
	buf_release(&want);
	VCHECK(v, rc == 0, "field '%s' is not a hex string", key);
	VCHECK(v, same, "field '%s' differs", key);
	return 0;
}

static int
check_identity(struct vec *v)
{
	struct envelope env;
	struct event ev;
	uint8_t id[EVENT_ID_BYTES];
	size_t used;
	int rc = seal_open(v->env.data, v->env.len, v->network, &env, &ev,
			   &used, NULL);
	VCHECK(v, rc == 0, "seal_open returned %s", err_name(rc));
	seal_id(env.event, env.event_len, id);
	VCHECK(v, memcmp(id, env.id, EVENT_ID_BYTES) == 0,
	       "the id does not recompute");
	if (same_hex(v, "id", env.id, EVENT_ID_BYTES) ||
	    same_hex(v, "signature", env.sig, EVENT_SIG_BYTES) ||
	    same_hex(v, "author", ev.author, EVENT_KEY_BYTES) ||
	    same_hex(v, "event_hex", env.event, env.event_len))
		return -1;
	return 0;
}

/* Compares a listed array of hex ids with n decoded ones. */
static int
same_ids(struct vec *v, const char *key, const uint8_t (*ids)[EVENT_ID_BYTES],
	 size_t n)
{
	struct mp_reader r;
	uint32_t count;
	int rc = field(v, key, &r);
	if (rc == 0)
		rc = mp_get_array(&r, &count);
	VCHECK(v, rc == 0, "field '%s' is not an array", key);
	VCHECK(v, count == n, "field '%s' lists %u ids, the event has %zu",
	       key, count, n);
	for (size_t i = 0; i < n; i++) {
		struct buf want = BUF_INIT;
		rc = get_hex(&r, &want);
		int same = rc == 0 && want.len == EVENT_ID_BYTES &&
			   memcmp(want.data, ids[i], EVENT_ID_BYTES) == 0;
		buf_release(&want);
		VCHECK(v, same, "field '%s' differs at index %zu", key, i);
	}
	return 0;
}

static int
same_uint(struct vec *v, const char *key, uint64_t got)
{
	uint64_t want;
	int rc = field_uint(v, key, &want);
	VCHECK(v, rc == 0, "field '%s' is not an unsigned integer", key);
	VCHECK(v, want == got, "field '%s' is %llu, the event has %llu", key,
	       (unsigned long long)want, (unsigned long long)got);
	return 0;
}

static int
same_str(struct vec *v, const char *key, const char *s, size_t n)
{
	char *want = NULL;
	int rc = field_str(v, key, &want);
	int same = rc == 0 && strlen(want) == n && memcmp(want, s, n) == 0;
	free(want);
	VCHECK(v, rc == 0, "field '%s' is not a string", key);
	VCHECK(v, same, "field '%s' differs from the event's '%.*s'", key,
	       (int)n, s);
	return 0;
}

static int
check_fields(struct vec *v)
{
	struct envelope env;
	struct event ev;
	struct mp_reader r;
	enum mp_type t;
	size_t used;
	int rc = seal_open(v->env.data, v->env.len, v->network, &env, &ev,
			   &used, NULL);
	VCHECK(v, rc == 0, "seal_open returned %s", err_name(rc));

	if (same_uint(v, "version", ev.version) ||
	    same_uint(v, "seq", ev.seq) ||
	    same_uint(v, "lamport", ev.lamport) ||
	    same_uint(v, "time", ev.time_ms) ||
	    same_str(v, "network", ev.network, ev.network_len) ||
	    same_str(v, "case", ev.case_id, ev.case_len) ||
	    same_str(v, "type", ev.type, ev.type_len))
		return -1;

	rc = field(v, "prev", &r);
	if (rc == 0)
		rc = mp_peek(&r, &t);
	VCHECK(v, rc == 0, "no field 'prev'");
	if (t == MP_NIL) {
		VCHECK(v, !ev.has_prev, "prev is listed as null but is set");
	} else {
		VCHECK(v, ev.has_prev, "prev is listed but the event has none");
		if (same_hex(v, "prev", ev.prev, EVENT_ID_BYTES))
			return -1;
	}
	if (same_ids(v, "deps", (const uint8_t(*)[EVENT_ID_BYTES])ev.deps,
		     ev.ndeps) ||
	    same_ids(v, "blobs", (const uint8_t(*)[EVENT_ID_BYTES])ev.blobs,
		     ev.nblobs))
		return -1;

	/* The listed body went through json_to_mp with the whole file, so
	 * it is canonical msgpack: equal values have equal bytes (the
	 * vectors' bodies hold no bin, which JSON cannot express). */
	const uint8_t *body;
	size_t body_len;
	rc = field(v, "body", &r);
	if (rc == 0)
		rc = mp_get_value(&r, &body, &body_len);
	VCHECK(v, rc == 0, "no field 'body'");
	VCHECK(v, body_len == ev.body_len &&
			  memcmp(body, ev.body, body_len) == 0,
	       "the listed body differs from the event's");
	return 0;
}

static int
check_reencode(struct vec *v)
{
	struct envelope env;
	struct event ev;
	struct buf out = BUF_INIT;
	struct diag d = { "" };
	size_t used;
	int rc = seal_open(v->env.data, v->env.len, v->network, &env, &ev,
			   &used, NULL);
	VCHECK(v, rc == 0, "seal_open returned %s", err_name(rc));
	rc = event_encode(&ev, &out, &d);
	int same = rc == 0 && out.len == env.event_len &&
		   memcmp(out.data, env.event, out.len) == 0;
	buf_release(&out);
	VCHECK(v, rc == 0, "event_encode returned %s (%s)", err_name(rc),
	       d.text);
	VCHECK(v, same, "re-encoding gives other bytes");
	return 0;
}

/* ---- invalid vectors ---- */

static int
check_invalid(struct vec *v)
{
	struct envelope env;
	struct event ev;
	struct diag d = { "" };
	size_t used;
	char *error = NULL;
	int rc = field_str(v, "error", &error);
	VCHECK(v, rc == 0, "no field 'error'");
	int want = err_from_name(error);
	free(error);
	VCHECK(v, want != 0, "the listed error is not an error name");
	rc = seal_open(v->env.data, v->env.len, v->network, &env, &ev, &used,
		       &d);
	VCHECK(v, rc == want, "seal_open returned %s (%s), expected %s",
	       err_name(rc), rc ? d.text : "", err_name(want));
	return 0;
}

/* §8: envelope_hex is exactly one envelope, so an invalid vector that
 * still reads as an envelope ends where its bytes end. */
static int
check_one_envelope(struct vec *v)
{
	struct envelope env;
	size_t used;
	if (envelope_read(v->env.data, v->env.len, &env, &used, NULL) == 0)
		VCHECK(v, used == v->env.len,
		       "%zu bytes after the envelope", v->env.len - used);
	return 0;
}

/* ---- counting and naming ---- */

/* The kinds of fault the vectors must cover, by name, with their error. */
static const struct {
	const char *name;
	int err;
} required[] = {
	{ "noncanonical-int", ERR_NONCANON },
	{ "map-at-top", ERR_FORMAT },
	{ "trailing-bytes", ERR_TRAILING },
	{ "wrong-id", ERR_BADID },
	{ "bad-signature", ERR_BADSIG },
	{ "wrong-network", ERR_NETWORK },
	{ "oversize", ERR_TOOBIG },
	{ "truncated-envelope", ERR_TRUNCATED },
	{ "float-in-body", ERR_MALFORMED },
	{ "keys-out-of-order", ERR_NONCANON },
	{ "unsorted-deps", ERR_FORMAT },
	{ "prev-with-seq-1", ERR_FORMAT },
	{ "older-version", ERR_VERSION },
	{ "newer-version", ERR_VERSION },
	{ "invalid-utf8", ERR_MALFORMED },
	/* §4: what libsodium refuses beyond plain RFC 8032. */
	{ "signature-s-not-reduced", ERR_BADSIG },
	{ "signature-r-small-order", ERR_BADSIG },
	{ "signature-cofactored-only", ERR_BADSIG },
	{ "author-identity", ERR_BADSIG },
	{ "author-small-order", ERR_BADSIG },
	{ "author-noncanonical", ERR_BADSIG },
	/* §1: a count past the end is refused at the header. */
	{ "array-count-past-end", ERR_TRUNCATED },
	{ "map-count-past-end", ERR_TRUNCATED },
	{ "envelope-count-past-end", ERR_TRUNCATED },
	{ "key-float", ERR_FORMAT },
};

#define NREQUIRED (sizeof(required) / sizeof(required[0]))

static int found[NREQUIRED];

static int
mark_required(struct vec *v)
{
	for (size_t i = 0; i < NREQUIRED; i++) {
		if (strcmp(v->name, required[i].name) != 0)
			continue;
		char *error = NULL;
		int rc = field_str(v, "error", &error);
		int same = rc == 0 && err_from_name(error) == required[i].err;
		free(error);
		VCHECK(v, same, "expected error %s",
		       err_name(required[i].err));
		found[i]++;
	}
	return 0;
}

/* The names seen so far in one walk, each as "\n" name "\n". */
static struct buf seen;

static int
check_unique(struct vec *v)
{
	struct buf key = BUF_INIT;
	buf_printf(&key, "\n%s\n", v->name);
	int dup = seen.len &&
		  memmem(seen.data, seen.len, key.data, key.len) != NULL;
	buf_add(&seen, key.data, key.len);
	buf_release(&key);
	VCHECK(v, !dup, "the name is used twice");
	return 0;
}

static int
check_nothing(struct vec *v)
{
	(void)v;
	return 0;
}

/* ---- tests ---- */

static void
test_enough_vectors(void)
{
	long valid = each_vector("valid", check_nothing);
	long invalid = each_vector("invalid", check_nothing);
	if (valid < 0 || invalid < 0)
		return;
	if (valid < 5 || invalid < 8)
		harness_fail(__FILE__, __LINE__,
			     "%ld valid and %ld invalid vectors (at least 5 "
			     "and 8 are needed)",
			     valid, invalid);
}

static void
test_required_kinds(void)
{
	memset(found, 0, sizeof(found));
	if (each_vector("invalid", mark_required) < 0)
		return;
	for (size_t i = 0; i < NREQUIRED; i++) {
		if (found[i] != 1) {
			harness_fail(__FILE__, __LINE__,
				     "invalid vector '%s' appears %d times",
				     required[i].name, found[i]);
			return;
		}
	}
}

static void
test_unique_names(void)
{
	buf_init(&seen);
	/* Valid and invalid names share one space: each_vector() has
	 * reported any failure. */
	if (each_vector("valid", check_unique) >= 0)
		(void)each_vector("invalid", check_unique);
	buf_release(&seen);
}

/* Runs check over a list; each_vector() has reported any failure. */
static void
run_list(const char *list, int (*check)(struct vec *v))
{
	long n = each_vector(list, check);
	if (n == 0)
		harness_fail(__FILE__, __LINE__, "the list '%s' is empty",
			     list);
}

static void
test_valid_open(void)
{
	run_list("valid", open_valid);
}

static void
test_valid_wrong_network(void)
{
	run_list("valid", check_wrong_network);
}

static void
test_valid_identity(void)
{
	run_list("valid", check_identity);
}

static void
test_valid_fields(void)
{
	run_list("valid", check_fields);
}

static void
test_valid_reencode(void)
{
	run_list("valid", check_reencode);
}

static void
test_invalid(void)
{
	run_list("invalid", check_invalid);
}

static void
test_invalid_one_envelope(void)
{
	run_list("invalid", check_one_envelope);
}

static const struct test tests[] = {
	{ "there are at least 5 valid and 8 invalid vectors",
	  test_enough_vectors },
	{ "every required kind of invalid vector is present once, "
	  "with its error",
	  test_required_kinds },
	{ "no two vectors share a name", test_unique_names },
	{ "every valid vector opens against its network", test_valid_open },
	{ "every valid vector is refused on another network",
	  test_valid_wrong_network },
	{ "a valid vector's id, signature, author and event bytes "
	  "are the listed ones",
	  test_valid_identity },
	{ "decoding a valid vector gives the listed fields",
	  test_valid_fields },
	{ "re-encoding a decoded valid vector gives the same bytes",
	  test_valid_reencode },
	{ "every invalid vector fails with exactly the listed error",
	  test_invalid },
	{ "an invalid vector that reads as an envelope has nothing after it",
	  test_invalid_one_envelope },
};

TEST_MAIN(tests)

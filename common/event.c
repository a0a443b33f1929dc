/* event.c - encoding and strict decoding of events and envelopes. */
#include "common/event.h"

#include <string.h>

#include "common/mp.h"
#include "common/banned.h"

static int
chars_ok(const char *s, size_t n, size_t max, int lower_only)
{
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			 c == '.' || c == '_' || c == '-' ||
			 (!lower_only && c >= 'A' && c <= 'Z');
		if (!ok)
			return 0;
	}
	return 1;
}

int
event_case_is_valid(const char *s, size_t n)
{
	return chars_ok(s, n, EVENT_CASE_MAX, 0);
}

int
event_type_is_valid(const char *s, size_t n)
{
	return chars_ok(s, n, EVENT_TYPE_MAX, 1);
}

int
event_network_is_valid(const char *s, size_t n)
{
	return chars_ok(s, n, EVENT_NETWORK_MAX, 0);
}

static int
ids_ascending(const uint8_t (*ids)[EVENT_ID_BYTES], size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (memcmp(ids[i - 1], ids[i], EVENT_ID_BYTES) >= 0)
			return 0;
	return 1;
}

/*
 * The rule of one field, shared by encoding and decoding; the decoder
 * applies each right after reading the field, so that the first field
 * in order that breaks a rule is the one named.
 */
static int
check_field(const struct event *ev, int field, struct diag *d)
{
	switch (field) {
	case 0:
		if (ev->version > EVENT_VERSION)
			return diag_set(d, ERR_VERSION,
					"event format version %llu is newer than this gridcase's (%d): upgrade gridcase",
					(unsigned long long)ev->version,
					EVENT_VERSION);
		if (ev->version != EVENT_VERSION)
			return diag_set(d, ERR_VERSION,
					"event format version %llu is older than this gridcase's (%d): its clock rules are not enforced, so it is not accepted",
					(unsigned long long)ev->version,
					EVENT_VERSION);
		return 0;
	case 1:
		if (!event_network_is_valid(ev->network, ev->network_len))
			return diag_set(d, ERR_FORMAT,
					"field 1 (network) must be 1-%d characters of A-Z a-z 0-9 . _ -",
					EVENT_NETWORK_MAX);
		return 0;
	case 3:
		if (ev->seq == 0 || ev->seq > INT64_MAX)
			return diag_set(d, ERR_FORMAT,
					"field 3 (seq) must be from 1 to 2^63-1");
		return 0;
	case 4:
		if ((ev->seq == 1) == (ev->has_prev != 0))
			return diag_set(d, ERR_FORMAT,
					"field 4 (prev) must be nil exactly when seq is 1");
		return 0;
	case 5:
		if (ev->ndeps > EVENT_MAX_DEPS)
			return diag_set(d, ERR_FORMAT,
					"field 5 (deps) has more than %d ids",
					EVENT_MAX_DEPS);
		if (!ids_ascending(ev->deps, ev->ndeps))
			return diag_set(d, ERR_FORMAT,
					"field 5 (deps) must be strictly ascending");
		return 0;
	case 6:
		if (ev->lamport == 0 || ev->lamport > INT64_MAX)
			return diag_set(d, ERR_FORMAT,
					"field 6 (lamport) must be from 1 to 2^63-1");
		return 0;
	case 7:
		if (ev->time_ms > INT64_MAX)
			return diag_set(d, ERR_FORMAT,
					"field 7 (time) must be below 2^63");
		return 0;
	case 8:
		if (!event_case_is_valid(ev->case_id, ev->case_len))
			return diag_set(d, ERR_FORMAT,
					"field 8 (case) must be 1-%d characters of A-Z a-z 0-9 . _ -",
					EVENT_CASE_MAX);
		return 0;
	case 9:
		if (!event_type_is_valid(ev->type, ev->type_len))
			return diag_set(d, ERR_FORMAT,
					"field 9 (type) must be 1-%d characters of a-z 0-9 . _ -",
					EVENT_TYPE_MAX);
		return 0;
	case 11:
		if (ev->nblobs > EVENT_MAX_BLOBS)
			return diag_set(d, ERR_FORMAT,
					"field 11 (blobs) has more than %d hashes",
					EVENT_MAX_BLOBS);
		if (!ids_ascending(ev->blobs, ev->nblobs))
			return diag_set(d, ERR_FORMAT,
					"field 11 (blobs) must be strictly ascending");
		return 0;
	default:
		return 0;
	}
}

static int
check_fields(const struct event *ev, struct diag *d)
{
	for (int f = 0; f < EVENT_FIELDS; f++) {
		int rc = check_field(ev, f, d);
		if (rc)
			return rc;
	}
	return 0;
}

int
event_encode(const struct event *ev, struct buf *out, struct diag *d)
{
	struct mp_reader r;
	enum mp_type t;
	struct diag why;
	int rc;

	if ((rc = check_fields(ev, d)))
		return rc;
	mp_reader_init(&r, ev->body, ev->body_len, &why);
	if (mp_peek(&r, &t) || t != MP_MAP || mp_check(ev->body, ev->body_len, &why))
		return diag_set(d, ERR_FORMAT,
				"field 10 (body) must be one canonical msgpack map");

	size_t start = out->len;
	mp_put_array(out, EVENT_FIELDS);
	mp_put_uint(out, ev->version);
	mp_put_str(out, ev->network, ev->network_len);
	mp_put_bin(out, ev->author, EVENT_KEY_BYTES);
	mp_put_uint(out, ev->seq);
	if (ev->has_prev)
		mp_put_bin(out, ev->prev, EVENT_ID_BYTES);
	else
		mp_put_nil(out);
	mp_put_array(out, (uint32_t)ev->ndeps);
	for (size_t i = 0; i < ev->ndeps; i++)
		mp_put_bin(out, ev->deps[i], EVENT_ID_BYTES);
	mp_put_uint(out, ev->lamport);
	mp_put_uint(out, ev->time_ms);
	mp_put_str(out, ev->case_id, ev->case_len);
	mp_put_str(out, ev->type, ev->type_len);
	buf_add(out, ev->body, ev->body_len);
	mp_put_array(out, (uint32_t)ev->nblobs);
	for (size_t i = 0; i < ev->nblobs; i++)
		mp_put_bin(out, ev->blobs[i], EVENT_ID_BYTES);
	mp_put_nil(out);
	if (out->len - start > EVENT_MAX_BYTES) {
		size_t n = out->len - start;
		buf_truncate(out, start);
		return diag_set(d, ERR_TOOBIG,
				"event is %zu bytes (the limit is %d)", n,
				EVENT_MAX_BYTES);
	}
	return 0;
}

/* Reads a bin that must be exactly n bytes. */
static int
get_fixed_bin(struct mp_reader *r, uint8_t *out, size_t n, int field,
	      const char *name)
{
	const uint8_t *p;
	size_t len;
	size_t at = mp_offset(r);
	int rc = mp_get_bin(r, &p, &len);
	if (rc == ERR_FORMAT || (rc == 0 && len != n))
		return diag_set(r->diag, ERR_FORMAT,
				"field %d (%s) at byte %zu must be bin %zu",
				field, name, at, n);
	if (rc)
		return rc;
	memcpy(out, p, n);
	return 0;
}

static int
get_id_list(struct mp_reader *r, uint8_t (*ids)[EVENT_ID_BYTES],
	    size_t max, size_t *count, int field, const char *name)
{
	uint32_t n;
	size_t at = mp_offset(r);
	int rc = mp_get_array(r, &n);
	if (rc == ERR_FORMAT)
		return diag_set(r->diag, ERR_FORMAT,
				"field %d (%s) at byte %zu must be an array",
				field, name, at);
	if (rc)
		return rc;
	if (n > max)
		return diag_set(r->diag, ERR_FORMAT,
				"field %d (%s) has %u entries (at most %zu)",
				field, name, n, max);
	for (uint32_t i = 0; i < n; i++)
		if ((rc = get_fixed_bin(r, ids[i], EVENT_ID_BYTES, field, name)))
			return rc;
	*count = n;
	return 0;
}

/* Wraps a type mismatch of a scalar field into a message naming it. */
static int
field_err(struct mp_reader *r, int rc, int field, const char *name,
	  const char *want, size_t at)
{
	if (rc == ERR_FORMAT)
		return diag_set(r->diag, ERR_FORMAT,
				"field %d (%s) at byte %zu must be %s", field,
				name, at, want);
	return rc;
}

static int decode_fields(const uint8_t *p, size_t n, struct event *ev,
			 struct diag *d);

int
event_decode(const uint8_t *p, size_t n, struct event *ev, struct diag *d)
{
	int rc;
	if (n > EVENT_MAX_BYTES)
		return diag_set(d, ERR_TOOBIG,
				"event is %zu bytes (the limit is %d)", n,
				EVENT_MAX_BYTES);
	/* One pass of the generic checker first: it finds non-canonical
	 * forms, bad UTF-8 and trailing bytes anywhere in the value. */
	if ((rc = mp_check(p, n, d)))
		return rc;
	return decode_fields(p, n, ev, d);
}

int
event_decode_known(const uint8_t *p, size_t n, struct event *ev)
{
	if (n > EVENT_MAX_BYTES)
		return ERR_TOOBIG;
	return decode_fields(p, n, ev, NULL);
}

int
event_clocks_known(const uint8_t *p, size_t n, uint64_t *lamport,
		   uint64_t *time_ms)
{
	struct mp_reader r;
	enum mp_type t;
	uint32_t count, ndeps;
	uint64_t u;
	const uint8_t *b;
	const char *s;
	size_t bn;
	mp_reader_init(&r, p, n, NULL);
	/* version, network, author, seq, prev, deps: skipped. */
	if (mp_get_array(&r, &count) || count != EVENT_FIELDS ||
	    mp_get_uint(&r, &u) || mp_get_str(&r, &s, &bn) ||
	    mp_get_bin(&r, &b, &bn) || mp_get_uint(&r, &u) ||
	    mp_peek(&r, &t) ||
	    (t == MP_NIL ? mp_get_nil(&r) : mp_get_bin(&r, &b, &bn)) ||
	    mp_get_array(&r, &ndeps))
		return ERR_FORMAT;
	for (uint32_t i = 0; i < ndeps; i++)
		if (mp_get_bin(&r, &b, &bn))
			return ERR_FORMAT;
	if (mp_get_uint(&r, lamport) || mp_get_uint(&r, time_ms))
		return ERR_FORMAT;
	return 0;
}

/* The thirteen fields, each by its rules (docs/format.md §2). */
static int
decode_fields(const uint8_t *p, size_t n, struct event *ev, struct diag *d)
{
	struct mp_reader r;
	struct event e;
	enum mp_type t;
	uint32_t count;
	size_t at;
	int rc;

	mp_reader_init(&r, p, n, d);
	if ((rc = mp_peek(&r, &t)))
		return rc;
	if (t != MP_ARRAY)
		return diag_set(d, ERR_FORMAT,
				"an event is a msgpack array, not a %s",
				t == MP_MAP ? "map" : "scalar");
	if ((rc = mp_get_array(&r, &count)))
		return rc;
	if (count != EVENT_FIELDS)
		return diag_set(d, ERR_FORMAT,
				"an event has %d fields, this one has %u",
				EVENT_FIELDS, count);

	memset(&e, 0, sizeof(e));
	at = mp_offset(&r);
	if ((rc = mp_get_uint(&r, &e.version)))
		return field_err(&r, rc, 0, "version", "an unsigned integer", at);
	if ((rc = check_field(&e, 0, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_str(&r, &e.network, &e.network_len)))
		return field_err(&r, rc, 1, "network", "a str", at);
	if ((rc = check_field(&e, 1, d)))
		return rc;
	if ((rc = get_fixed_bin(&r, e.author, EVENT_KEY_BYTES, 2, "author")))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_uint(&r, &e.seq)))
		return field_err(&r, rc, 3, "seq", "an unsigned integer", at);
	if ((rc = check_field(&e, 3, d)))
		return rc;
	if ((rc = mp_peek(&r, &t)))
		return rc;
	if (t == MP_NIL) {
		if ((rc = mp_get_nil(&r)))
			return rc;
	} else {
		if ((rc = get_fixed_bin(&r, e.prev, EVENT_ID_BYTES, 4, "prev")))
			return rc;
		e.has_prev = 1;
	}
	if ((rc = check_field(&e, 4, d)))
		return rc;
	if ((rc = get_id_list(&r, e.deps, EVENT_MAX_DEPS, &e.ndeps, 5, "deps")) ||
	    (rc = check_field(&e, 5, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_uint(&r, &e.lamport)))
		return field_err(&r, rc, 6, "lamport", "an unsigned integer", at);
	if ((rc = check_field(&e, 6, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_uint(&r, &e.time_ms)))
		return field_err(&r, rc, 7, "time", "an unsigned integer", at);
	if ((rc = check_field(&e, 7, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_str(&r, &e.case_id, &e.case_len)))
		return field_err(&r, rc, 8, "case", "a str", at);
	if ((rc = check_field(&e, 8, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_str(&r, &e.type, &e.type_len)))
		return field_err(&r, rc, 9, "type", "a str", at);
	if ((rc = check_field(&e, 9, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_peek(&r, &t)))
		return rc;
	if (t != MP_MAP)
		return diag_set(d, ERR_FORMAT,
				"field 10 (body) at byte %zu must be a map", at);
	if ((rc = mp_get_value(&r, &e.body, &e.body_len)))
		return rc;
	if ((rc = get_id_list(&r, e.blobs, EVENT_MAX_BLOBS, &e.nblobs, 11,
			      "blobs")) ||
	    (rc = check_field(&e, 11, d)))
		return rc;
	at = mp_offset(&r);
	if ((rc = mp_get_nil(&r)))
		return field_err(&r, rc, 12, "reserved", "nil", at);
	*ev = e;
	return 0;
}

void
envelope_encode(const uint8_t *event, size_t event_len,
		const uint8_t id[EVENT_ID_BYTES],
		const uint8_t sig[EVENT_SIG_BYTES], struct buf *out)
{
	mp_put_array(out, 3);
	mp_put_bin(out, event, event_len);
	mp_put_bin(out, id, EVENT_ID_BYTES);
	mp_put_bin(out, sig, EVENT_SIG_BYTES);
}

int
envelope_read(const uint8_t *p, size_t n, struct envelope *env, size_t *used,
	      struct diag *d)
{
	struct mp_reader r;
	enum mp_type t;
	uint32_t count;
	const uint8_t *bytes;
	size_t len;
	int rc;

	mp_reader_init(&r, p, n, d);
	if ((rc = mp_peek(&r, &t)))
		return rc;
	if (t != MP_ARRAY)
		return diag_set(d, ERR_FORMAT,
				"an envelope is a msgpack array, not a %s",
				t == MP_MAP ? "map" : "scalar");
	if ((rc = mp_get_array(&r, &count)))
		return rc;
	if (count != 3)
		return diag_set(d, ERR_FORMAT,
				"an envelope has 3 fields, this one has %u",
				count);
	/* Peek at the length before bounds so that an oversized event is
	 * named as such even when the stream is cut short. */
	size_t at = mp_offset(&r);
	if ((rc = mp_get_bin(&r, &bytes, &len))) {
		if (rc == ERR_TRUNCATED && n - at >= 5 && p[at] == 0xc6) {
			uint32_t claimed = (uint32_t)p[at + 1] << 24 |
					   (uint32_t)p[at + 2] << 16 |
					   (uint32_t)p[at + 3] << 8 | p[at + 4];
			if (claimed > EVENT_MAX_BYTES)
				return diag_set(d, ERR_TOOBIG,
						"event is %u bytes (the limit is %d)",
						claimed, EVENT_MAX_BYTES);
		}
		if (rc == ERR_FORMAT)
			return diag_set(d, ERR_FORMAT,
					"envelope field 0 (event) must be bin");
		return rc;
	}
	if (len > EVENT_MAX_BYTES)
		return diag_set(d, ERR_TOOBIG,
				"event is %zu bytes (the limit is %d)", len,
				EVENT_MAX_BYTES);
	const uint8_t *id, *sig;
	size_t id_n, sig_n;
	if ((rc = mp_get_bin(&r, &id, &id_n)) && rc != ERR_FORMAT)
		return rc;
	if (rc || id_n != EVENT_ID_BYTES)
		return diag_set(d, ERR_FORMAT,
				"envelope field 1 (id) must be bin %d",
				EVENT_ID_BYTES);
	if ((rc = mp_get_bin(&r, &sig, &sig_n)) && rc != ERR_FORMAT)
		return rc;
	if (rc || sig_n != EVENT_SIG_BYTES)
		return diag_set(d, ERR_FORMAT,
				"envelope field 2 (signature) must be bin %d",
				EVENT_SIG_BYTES);
	env->event = bytes;
	env->event_len = len;
	memcpy(env->id, id, EVENT_ID_BYTES);
	memcpy(env->sig, sig, EVENT_SIG_BYTES);
	*used = mp_offset(&r);
	return 0;
}

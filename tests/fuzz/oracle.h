/*
 * oracle.h - the checks shared by the libFuzzer target (event_fuzz.c) and
 * the deterministic mutation test (tests/unit/fuzz_replay_test.c).
 *
 * oracle_check() runs every codec entry point on one input and checks
 * that they agree with each other and with msgpack-c:
 *   - whatever mp_check() accepts, msgpack-c decodes as one value that
 *     spans the whole input and re-packs to the identical bytes, and
 *     json_put_mp() renders it;
 *   - whatever event_decode() accepts, event_encode() reproduces byte
 *     for byte (so the decoder accepts nothing the encoder would not
 *     write), and on non-canonical input it reports mp_check()'s error;
 *   - walking the input as a stream of envelopes, seal_open() fails with
 *     envelope_read()'s error, then with event_decode()'s error on the
 *     event bytes, and when it opens, it spans what envelope_read() read;
 *   - every error is a known negative code.
 * It returns NULL, or a sentence naming the disagreement.
 *
 * msgpack-c is touched here only as an independent reference decoder;
 * the functions are static inline so that each includer gets its own.
 */
#ifndef GRIDCASE_TESTS_FUZZ_ORACLE_H
#define GRIDCASE_TESTS_FUZZ_ORACLE_H

#include <msgpack.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "common/json.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/seal.h"

#define ORACLE_NETWORK "north-district"

/* 1 if rc is 0 or one of the codes of err.h. */
static inline int
oracle_code_known(int rc)
{
	return rc == 0 || (rc > ERR_BASE_ && rc < ERR_END_);
}

/*
 * msgpack-c decodes [p, p+n) as exactly one value and re-packs it to the
 * same bytes.  Returns NULL if so.
 */
static inline const char *
oracle_msgpack_c(const uint8_t *p, size_t n)
{
	msgpack_unpacked u;
	msgpack_sbuffer sb;
	msgpack_packer pk;
	size_t off = 0;
	const char *why = NULL;

	msgpack_unpacked_init(&u);
	msgpack_unpack_return ret =
		msgpack_unpack_next(&u, (const char *)p, n, &off);
	if (ret != MSGPACK_UNPACK_SUCCESS) {
		why = "msgpack-c cannot unpack a value mp_check accepted";
		goto out;
	}
	if (off != n) {
		why = "msgpack-c ends the value elsewhere than mp_check";
		goto out;
	}
	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	if (msgpack_pack_object(&pk, u.data) != 0 || sb.size != n ||
	    (n && memcmp(sb.data, p, n) != 0))
		why = "msgpack-c re-packs a value mp_check accepted "
		      "to other bytes";
	msgpack_sbuffer_destroy(&sb);
out:
	msgpack_unpacked_destroy(&u);
	return why;
}

/* The envelope checks for one position of a stream; *used on success. */
static inline const char *
oracle_envelope(const uint8_t *p, size_t n, size_t *used, int *stop)
{
	struct envelope env, env2;
	struct event ev;
	struct diag d;
	size_t len = 0, len2 = 0, len3 = 0;

	*stop = 1;
	int r1 = envelope_read(p, n, &env, &len, &d);
	int r2 = seal_open(p, n, ORACLE_NETWORK, &env2, &ev, &len2, &d);
	int r3 = seal_open(p, n, NULL, &env2, &ev, &len3, &d);
	if (!oracle_code_known(r1) || !oracle_code_known(r2) ||
	    !oracle_code_known(r3) || r1 > 0 || r2 > 0 || r3 > 0)
		return "an envelope call returned an unknown code";
	if (r1)
		return r2 == r1 && r3 == r1
			       ? NULL
			       : "seal_open does not report envelope_read's "
				 "error";
	if (len == 0 || len > n)
		return "envelope_read used an impossible length";
	if (env.event < p || env.event_len > EVENT_MAX_BYTES ||
	    env.event + env.event_len > p + len)
		return "envelope_read's event is outside the envelope";
	int r4 = event_decode(env.event, env.event_len, &ev, &d);
	if (r4 && (r2 != r4 || r3 != r4))
		return "seal_open does not report event_decode's error";
	if (r2 == 0 && (r3 != 0 || len2 != len || len3 != len ||
			env2.event != env.event))
		return "seal_open opened something envelope_read did not read";
	if (r2 == 0 && r4 != 0)
		return "seal_open opened an event that does not decode";
	*used = len;
	*stop = 0;
	return NULL;
}

static inline const char *
oracle_check(const uint8_t *p, size_t n)
{
	struct diag d;
	struct event ev;
	const char *why;

	int rc_mp = mp_check(p, n, &d);
	if (!oracle_code_known(rc_mp) || rc_mp > 0)
		return "mp_check returned an unknown code";
	if (rc_mp == 0) {
		if ((why = oracle_msgpack_c(p, n)))
			return why;
		struct buf text = BUF_INIT;
		struct json_writer w;
		json_writer_init(&w, &text, 0);
		int rc = json_put_mp(&w, p, n);
		buf_release(&text);
		if (rc)
			return "json_put_mp refused a value mp_check accepted";
	}

	int rc_ev = event_decode(p, n, &ev, &d);
	if (!oracle_code_known(rc_ev) || rc_ev > 0)
		return "event_decode returned an unknown code";
	if (rc_ev == 0) {
		struct buf again = BUF_INIT;
		if (rc_mp)
			return "event_decode accepted what mp_check refused";
		int rc = event_encode(&ev, &again, &d);
		int same = rc == 0 && again.len == n &&
			   memcmp(again.data, p, n) == 0;
		buf_release(&again);
		if (!same)
			return "event_decode accepted bytes that event_encode "
			       "does not write";
	} else if (n <= EVENT_MAX_BYTES && rc_mp && rc_ev != rc_mp) {
		return "event_decode and mp_check report different errors";
	} else if (n > EVENT_MAX_BYTES && rc_ev != ERR_TOOBIG) {
		return "event_decode did not refuse an oversized event";
	}

	size_t off = 0;
	while (off < n) {
		size_t used = 0;
		int stop;
		if ((why = oracle_envelope(p + off, n - off, &used, &stop)))
			return why;
		if (stop)
			break;
		off += used;
	}
	return NULL;
}

/* ---- sample inputs ---- */

#define ORACLE_SAMPLES 4

/*
 * Appends sample envelope i (0 <= i < ORACLE_SAMPLES) to out, and its
 * event bytes to event (which may be NULL).  Deterministic: fixed keys.
 */
static inline void
oracle_sample(int i, struct buf *out, struct buf *event)
{
	static const uint8_t body0[] = { 0x80 };
	uint8_t seed[KEY_SEED_BYTES];
	struct buf body = BUF_INIT;
	struct event ev;

	memset(seed, 0x40 + (i & 1), sizeof(seed));
	struct key *k = key_from_seed(seed);
	memset(&ev, 0, sizeof(ev));
	ev.version = EVENT_VERSION;
	ev.network = ORACLE_NETWORK;
	ev.network_len = strlen(ORACLE_NETWORK);
	memcpy(ev.author, key_public(k), EVENT_KEY_BYTES);
	ev.seq = 1;
	ev.lamport = 1;
	ev.time_ms = 1795685400000ull;
	ev.case_id = "20261126-ab3k9xyz";
	ev.case_len = strlen(ev.case_id);
	ev.type = "case.opened";
	ev.type_len = strlen(ev.type);
	ev.body = body0;
	ev.body_len = sizeof(body0);

	if (i >= 1) {
		ev.seq = 2 + (uint64_t)i * 1000;
		ev.has_prev = 1;
		memset(ev.prev, 0x5c, EVENT_ID_BYTES);
		ev.ndeps = (size_t)i;
		for (size_t j = 0; j < ev.ndeps; j++)
			memset(ev.deps[j], (int)(0x10 * (j + 1)),
			       EVENT_ID_BYTES);
		ev.nblobs = (size_t)(i - 1);
		for (size_t j = 0; j < ev.nblobs; j++)
			memset(ev.blobs[j], (int)(0x21 * (j + 1)),
			       EVENT_ID_BYTES);
		ev.lamport = 300 + (uint64_t)i;
		ev.time_ms += 70000 * (uint64_t)i;
		ev.type = "note.added";
		ev.type_len = strlen(ev.type);
		/* {"by": "Ann", "n": [-1, 200, 70000, nil, true],
		 *  "text": "h\u00e9llo \u20ac", "z": {"k": bin}} */
		mp_put_map(&body, 4);
		mp_put_cstr(&body, "by");
		mp_put_cstr(&body, "Ann");
		mp_put_cstr(&body, "n");
		mp_put_array(&body, 5);
		mp_put_int(&body, -1);
		mp_put_uint(&body, 200);
		mp_put_uint(&body, 70000);
		mp_put_nil(&body);
		mp_put_bool(&body, 1);
		mp_put_cstr(&body, "text");
		mp_put_cstr(&body, "h\xc3\xa9llo \xe2\x82\xac");
		mp_put_cstr(&body, "z");
		mp_put_map(&body, 1);
		mp_put_cstr(&body, "k");
		mp_put_bin(&body, "\x00\x01\x02", 3);
		ev.body = body.data;
		ev.body_len = body.len;
	}
	if (i == 3) {
		/* Long enough for a bin16 event inside the envelope. */
		ev.case_id = "a-case-id-of-sixty-four-characters-0123456789."
			     "ABCDEFGHIJKLMNOPQR";
		ev.case_len = strlen(ev.case_id);
	}
	BUG_ON(seal_event(k, &ev, out, NULL, NULL) != 0);
	if (event)
		BUG_ON(event_encode(&ev, event, NULL) != 0);
	buf_release(&body);
	key_free(k);
}

#endif

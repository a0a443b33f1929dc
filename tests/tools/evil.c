/*
 * evil.c - what a member holding a valid key, or an admin's old key file,
 * can make and serve: the insider's tools behind
 * tests/integration/insider.sh.
 *
 *   evil forge DIR KEYFILE CASE TYPE BODYJSON [--seq N] [--prev HEX|-]
 *              [--lamport N|+N] [--time MS|+MS] [--no-deps] [--dep HEX]...
 *       Signs one event with KEYFILE (any key at all) and writes its
 *       envelope to stdout.  Unless told otherwise, its fields are what
 *       an honest node would give it from the store in DIR: seq and prev
 *       follow the key's feed there, deps are the roster's and the
 *       case's heads there, lamport is one above them, time is the
 *       clock (GRIDCASE_NOW).  Each option overrides one field; +N adds
 *       to the honest value.  Nothing is checked: this is the forger.
 *
 *   evil plant DIR FILE
 *       Writes the envelopes of FILE (an export stream) into the store in
 *       DIR as if they had been admitted: each into `events`, its
 *       author's `feed` at its seq, the author's `summary`, and its
 *       case's `bycase` row, with no check at all.  The node's daemon
 *       then serves them to its peers like any event it holds: a member
 *       whose node was altered to serve whatever it likes.  This touches
 *       LMDB directly, bypassing store/, on purpose, after the layout of
 *       docs/store.md.
 *
 *   evil ids FILE
 *       Prints the id of each envelope of FILE, one a line.
 *
 * Exit 0 on success, 1 on failure, 2 on bad usage.
 */
#include <getopt.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/event.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "common/banned.h"

static int
usage(void)
{
	fprintf(stderr,
		"usage: evil forge DIR KEYFILE CASE TYPE BODYJSON [--seq N] [--prev HEX|-]\n"
		"                  [--lamport N|+N] [--time MS|+MS] [--no-deps] [--dep HEX]...\n"
		"       evil plant DIR FILE\n"
		"       evil ids FILE\n");
	return 2;
}

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "evil: %s: %s\n", what, why);
	return 1;
}

/* A value: absolute, or (relative) added to the honest one. */
static int
parse_value(const char *s, uint64_t *v, int *relative)
{
	char *end;
	*relative = s[0] == '+';
	*v = strtoull(s + *relative, &end, 10);
	return *end || end == s + *relative ? -1 : 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

/* Adds the heads of case_id to ev's deps and raises top / floor. */
static void
add_heads(struct store *s, const char *case_id, struct event *ev,
	  uint64_t *top, uint64_t *floor)
{
	uint8_t ids[EVENT_MAX_DEPS][EVENT_ID_BYTES];
	size_t n = 0;
	if (store_case_heads(s, case_id, ids, EVENT_MAX_DEPS - ev->ndeps, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		struct buf env = BUF_INIT;
		struct envelope e;
		struct event dep;
		size_t used;
		if (store_event_get(s, ids[i], &env) == 0 &&
		    envelope_read(env.data, env.len, &e, &used, NULL) == 0 &&
		    event_decode(e.event, e.event_len, &dep, NULL) == 0) {
			if (dep.lamport > *top)
				*top = dep.lamport;
			if (dep.time_ms > *floor)
				*floor = dep.time_ms;
		}
		buf_release(&env);
		memcpy(ev->deps[ev->ndeps++], ids[i], EVENT_ID_BYTES);
	}
}

static int
cmd_forge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seq", required_argument, NULL, 's' },
		{ "prev", required_argument, NULL, 'p' },
		{ "lamport", required_argument, NULL, 'l' },
		{ "time", required_argument, NULL, 't' },
		{ "no-deps", no_argument, NULL, 'n' },
		{ "dep", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	const char *seq_s = NULL, *prev_s = NULL, *lamport_s = NULL, *time_s = NULL;
	uint8_t extra[EVENT_MAX_DEPS][EVENT_ID_BYTES];
	size_t nextra = 0;
	int no_deps = 0, opt;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 's': seq_s = optarg; break;
		case 'p': prev_s = optarg; break;
		case 'l': lamport_s = optarg; break;
		case 't': time_s = optarg; break;
		case 'n': no_deps = 1; break;
		case 'd':
			if (nextra == EVENT_MAX_DEPS ||
			    hex_decode(optarg, extra[nextra], EVENT_ID_BYTES))
				return usage();
			nextra++;
			break;
		default: return usage();
		}
	}
	if (argc - optind != 5)
		return usage();
	const char *dir = argv[optind], *keyfile = argv[optind + 1];
	const char *case_id = argv[optind + 2], *type = argv[optind + 3];
	const char *body_json = argv[optind + 4];
	struct store *s = NULL;
	struct key *k = NULL;
	struct buf body = BUF_INIT, out = BUF_INIT;
	struct diag d;
	struct event ev;
	struct summary_entry last;
	uint64_t top = 0, floor = 0, v;
	int rel, rc = 1;

	memset(&ev, 0, sizeof(ev));
	if (store_open(dir, NULL, &s, &d)) {
		fail(dir, d.text);
		goto out;
	}
	if (key_load(keyfile, &k, &d)) {
		fail(keyfile, d.text);
		goto out;
	}
	if (json_to_mp(body_json, &body, &d)) {
		fail("body", d.text);
		goto out;
	}
	ev.version = EVENT_VERSION;
	ev.network = store_network(s);
	ev.network_len = strlen(ev.network);
	memcpy(ev.author, key_public(k), EVENT_KEY_BYTES);
	if (store_summary_get(s, ev.author, &last))
		memset(&last, 0, sizeof(last));
	ev.seq = last.seq + 1;
	if (last.seq) {
		ev.has_prev = 1;
		memcpy(ev.prev, last.id, EVENT_ID_BYTES);
		top = last.lamport;
		floor = last.time_ms;
	}
	if (!no_deps) {
		if (strcmp(case_id, "roster") != 0)
			add_heads(s, "roster", &ev, &top, &floor);
		add_heads(s, case_id, &ev, &top, &floor);
	}
	for (size_t i = 0; i < nextra && ev.ndeps < EVENT_MAX_DEPS; i++)
		memcpy(ev.deps[ev.ndeps++], extra[i], EVENT_ID_BYTES);
	if (ev.ndeps > 1)
		qsort(ev.deps, ev.ndeps, EVENT_ID_BYTES, id_cmp);
	ev.lamport = top + 1;
	ev.time_ms = clock_now_ms() > floor ? clock_now_ms() : floor;
	if (seq_s) {
		if (parse_value(seq_s, &v, &rel))
			return usage();
		ev.seq = rel ? ev.seq + v : v;
	}
	if (prev_s) {
		ev.has_prev = strcmp(prev_s, "-") != 0;
		if (ev.has_prev && hex_decode(prev_s, ev.prev, EVENT_ID_BYTES))
			return usage();
	}
	if (lamport_s) {
		if (parse_value(lamport_s, &v, &rel))
			return usage();
		ev.lamport = rel ? ev.lamport + v : v;
	}
	if (time_s) {
		if (parse_value(time_s, &v, &rel))
			return usage();
		ev.time_ms = rel ? ev.time_ms + v : v;
	}
	ev.case_id = case_id;
	ev.case_len = strlen(case_id);
	ev.type = type;
	ev.type_len = strlen(type);
	ev.body = body.data;
	ev.body_len = body.len;
	if (seal_event(k, &ev, &out, NULL, &d)) {
		fail("cannot sign", d.text);
		goto out;
	}
	rc = fwrite(out.data, 1, out.len, stdout) == out.len && fflush(stdout) == 0 ? 0 : 1;
out:
	store_close(s);
	key_free(k);
	buf_release(&body);
	buf_release(&out);
	return rc;
}

static void
be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static int
put(MDB_txn *txn, MDB_dbi dbi, const void *k, size_t kn, const void *v,
    size_t vn)
{
	MDB_val key = { kn, (void *)k }, val = { vn, (void *)v };
	return mdb_put(txn, dbi, &key, &val, 0);
}

static int
read_file(const char *path, struct buf *in)
{
	FILE *f = fopen(path, "rb");
	char chunk[65536];
	size_t n;
	if (!f)
		return fail(path, "cannot open");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(in, chunk, n);
	fclose(f);
	return 0;
}

static int
cmd_ids(int argc, char **argv)
{
	struct buf in = BUF_INIT;
	size_t off = 0, used;
	if (argc != 2)
		return usage();
	if (read_file(argv[1], &in))
		return 1;
	while (off < in.len) {
		struct envelope e;
		char hex[2 * EVENT_ID_BYTES + 1];
		if (envelope_read(in.data + off, in.len - off, &e, &used, NULL)) {
			buf_release(&in);
			return fail(argv[1], "not a stream of envelopes");
		}
		hex_encode(e.id, EVENT_ID_BYTES, hex);
		printf("%s\n", hex);
		off += used;
	}
	buf_release(&in);
	return 0;
}

static int
cmd_plant(int argc, char **argv)
{
	if (argc != 3)
		return usage();
	struct buf in = BUF_INIT;
	if (read_file(argv[2], &in))
		return 1;

	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi log, ids, feed, summary, bycase;
	int rc = mdb_env_create(&env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(env, 32);
	if (rc == 0)
		rc = mdb_env_set_mapsize(env, (size_t)16 << 30);
	if (rc == 0)
		rc = mdb_env_open(env, argv[1], MDB_NOTLS, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(env, NULL, 0, &txn);
	if (rc == 0 && ((rc = mdb_dbi_open(txn, "log", 0, &log)) ||
			(rc = mdb_dbi_open(txn, "ids", 0, &ids)) ||
			(rc = mdb_dbi_open(txn, "feed", 0, &feed)) ||
			(rc = mdb_dbi_open(txn, "summary", 0, &summary)) ||
			(rc = mdb_dbi_open(txn, "bycase", 0, &bycase))))
		mdb_txn_abort(txn);
	if (rc) {
		buf_release(&in);
		mdb_env_close(env);
		return fail(argv[1], mdb_strerror(rc));
	}
	/* docs/store.md: a new event takes the arrival number one past the
	 * log's last. */
	uint64_t arrival = 0;
	MDB_cursor *c;
	MDB_val lk, lv;
	if ((rc = mdb_cursor_open(txn, log, &c)) == 0) {
		if (mdb_cursor_get(c, &lk, &lv, MDB_LAST) == 0 && lk.mv_size == 8)
			for (int i = 0; i < 8; i++)
				arrival = arrival << 8 | ((uint8_t *)lk.mv_data)[i];
		mdb_cursor_close(c);
	}
	size_t off = 0, count = 0;
	while (off < in.len && rc == 0) {
		struct envelope e;
		struct event ev;
		struct diag d;
		size_t used;
		if (envelope_read(in.data + off, in.len - off, &e, &used, &d) ||
		    event_decode(e.event, e.event_len, &ev, &d)) {
			rc = -1;
			fail("cannot read an envelope", d.text);
			break;
		}
		uint8_t fk[EVENT_KEY_BYTES + 8], sv[8 + EVENT_ID_BYTES + 16];
		uint8_t ck[EVENT_CASE_MAX + 1 + 8 + EVENT_ID_BYTES];
		memcpy(fk, ev.author, EVENT_KEY_BYTES);
		be64(fk + EVENT_KEY_BYTES, ev.seq);
		be64(sv, ev.seq);
		memcpy(sv + 8, e.id, EVENT_ID_BYTES);
		be64(sv + 8 + EVENT_ID_BYTES, ev.lamport);
		be64(sv + 16 + EVENT_ID_BYTES, ev.time_ms);
		memcpy(ck, ev.case_id, ev.case_len);
		ck[ev.case_len] = 0;
		be64(ck + ev.case_len + 1, ev.lamport);
		memcpy(ck + ev.case_len + 9, e.id, EVENT_ID_BYTES);
		uint8_t at[8];
		be64(at, ++arrival);
		rc = put(txn, log, at, sizeof(at), in.data + off, used);
		if (rc == 0)
			rc = put(txn, ids, e.id, EVENT_ID_BYTES, at, sizeof(at));
		if (rc == 0)
			rc = put(txn, feed, fk, sizeof(fk), e.id, EVENT_ID_BYTES);
		if (rc == 0)
			rc = put(txn, summary, ev.author, EVENT_KEY_BYTES, sv, sizeof(sv));
		if (rc == 0)
			rc = put(txn, bycase, ck, ev.case_len + 9 + EVENT_ID_BYTES, "", 0);
		off += used;
		count++;
	}
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	mdb_env_close(env);
	buf_release(&in);
	if (rc)
		return rc > 0 ? fail("cannot write", mdb_strerror(rc)) : 1;
	printf("planted %zu events\n", count);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (strcmp(argv[1], "forge") == 0)
		return cmd_forge(argc - 1, argv + 1);
	if (strcmp(argv[1], "plant") == 0)
		return cmd_plant(argc - 1, argv + 1);
	if (strcmp(argv[1], "ids") == 0)
		return cmd_ids(argc - 1, argv + 1);
	return usage();
}

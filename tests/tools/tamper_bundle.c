/*
 * tamper_bundle.c - damages an audit bundle (docs/audit.md §5) in one
 * named way, for tests/integration/audit.sh: each must be named by
 * `gridcase audit verify`.
 *
 *   tamper_bundle IN OUT flip I        flips a byte of event I's signature
 *   tamper_bundle IN OUT drop I        removes event I
 *   tamper_bundle IN OUT swap I        swaps events I and I+1
 *   tamper_bundle IN OUT proof I       flips a byte of proof I's first hash
 *   tamper_bundle IN OUT wproof I      likewise, of witness proof I
 *   tamper_bundle IN OUT figure KEY    adds 1 to the first "reported" count
 *                                      of the report and signs it again
 *                                      with KEY (a key file): a well-signed
 *                                      report whose figures do not follow
 *   tamper_bundle IN OUT figure KEY SET  likewise, the first figure of the
 *                                      first row of the indicator set SET
 *   tamper_bundle IN OUT cell I OFFICE  names OFFICE the street office of
 *                                      cell I (of a month with no report)
 *   tamper_bundle IN OUT badcell I     cuts cell I to [grid, community]
 *   tamper_bundle IN OUT nocells -     removes the key cells
 *   tamper_bundle IN OUT graft OTHER   adds the bundle OTHER's cells
 *
 * Indexes count from 0.  The bundle is rewritten in canonical form.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/event.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "common/banned.h"

struct entry {
	char key[32];
	const uint8_t *val;
	size_t n;
	struct buf repl; /* used when len > 0 */
};

static int
die(const char *what)
{
	fprintf(stderr, "tamper_bundle: %s\n", what);
	exit(1);
}

static struct entry *
find(struct entry *e, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(e[i].key, key) == 0)
			return &e[i];
	die("no such key in the bundle");
	return NULL;
}

/* The items of an array value (slices into it). */
static size_t
items(const struct entry *e, const uint8_t **p, size_t *n, size_t max)
{
	struct mp_reader r;
	uint32_t k;
	mp_reader_init(&r, e->val, e->n, NULL);
	if (mp_get_array(&r, &k) || k > max)
		die("not an array");
	for (uint32_t i = 0; i < k; i++)
		if (mp_get_value(&r, &p[i], &n[i]))
			die("an item does not read");
	return k;
}

static void
put_items(struct buf *b, const uint8_t **p, const size_t *n, size_t k)
{
	mp_put_array(b, (uint32_t)k);
	for (size_t i = 0; i < k; i++)
		buf_add(b, p[i], n[i]);
}

static void
read_file(const char *path, struct buf *out)
{
	uint8_t chunk[65536];
	size_t r;
	FILE *f = fopen(path, "rb");
	if (!f)
		die("cannot open the bundle");
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, r);
	fclose(f);
}

/* The bundle's top-level entries (slices into in). */
static uint32_t
entries(const struct buf *in, struct entry *e, uint32_t max)
{
	struct mp_reader rd;
	uint32_t n;
	mp_reader_init(&rd, in->data, in->len, NULL);
	if (mp_get_map(&rd, &n) || n > max)
		die("not a bundle");
	for (uint32_t i = 0; i < n; i++) {
		const char *s;
		size_t sn;
		if (mp_get_str(&rd, &s, &sn) || sn >= sizeof(e[i].key) ||
		    mp_get_value(&rd, &e[i].val, &e[i].n))
			die("not a bundle");
		memcpy(e[i].key, s, sn);
	}
	return n;
}

/* Cell item [grid, community, office] with office, or cut to two. */
static void
recell(const uint8_t *item, size_t len, const char *office, struct buf *out)
{
	struct mp_reader r;
	uint32_t three;
	const char *s[3];
	size_t sn[3];
	mp_reader_init(&r, item, len, NULL);
	if (mp_get_array(&r, &three) || three != 3)
		die("a cell does not read");
	for (int i = 0; i < 3; i++)
		if (mp_get_str(&r, &s[i], &sn[i]))
			die("a cell does not read");
	mp_put_array(out, office ? 3 : 2);
	mp_put_str(out, s[0], sn[0]);
	mp_put_str(out, s[1], sn[1]);
	if (office)
		mp_put_cstr(out, office);
}

/*
 * The report's body with its first "reported" count raised by one, or
 * (set given) the first figure of set's first row.
 */
static void
refigure(const uint8_t *item, size_t len, const char *key_path, const char *set,
	 struct buf *out)
{
	struct mp_reader r;
	const uint8_t *env;
	size_t envn, used;
	struct envelope e;
	struct event ev;
	struct key *k;
	mp_reader_init(&r, item, len, NULL);
	if (mp_get_bin(&r, &env, &envn) ||
	    envelope_read(env, envn, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL))
		die("the report does not read");
	struct buf body = BUF_INIT;
	buf_add(&body, ev.body, ev.body_len);
	/* figures.grid.rows[0]: [group, reported, ...] */
	struct mp_reader b, v, g, rows;
	uint32_t nrows, cells;
	const char *s;
	size_t sn;
	mp_reader_init(&b, body.data, body.len, NULL);
	if (mp_map_find(&b, set ? "sets" : "figures", &v) ||
	    mp_map_find(&v, set ? set : "grid", &g) ||
	    mp_map_find(&g, "rows", &rows) || mp_get_array(&rows, &nrows) ||
	    nrows < 1 || mp_get_array(&rows, &cells) ||
	    mp_get_str(&rows, &s, &sn) || (set && mp_get_str(&rows, &s, &sn)))
		die("the report has no such rows");
	uint8_t *at = body.data + (rows.p - body.data);
	if (*at <= 0x7e)
		(*at)++; /* a positive fixint */
	else if (*at == 0xcd && (at[1] != 0xff || at[2] != 0xff) &&
		 at[2]++ == 0xff)
		at[1]++; /* a uint16, big-endian */
	else if (*at != 0xcd)
		die("no small count there in the report");
	ev.body = body.data;
	ev.body_len = body.len;
	if (key_load(key_path, &k, NULL))
		die("cannot load the key");
	struct buf sealed = BUF_INIT;
	if (seal_event(k, &ev, &sealed, NULL, NULL))
		die("cannot sign the report");
	mp_put_bin(out, sealed.data, sealed.len);
	buf_release(&sealed);
	buf_release(&body);
	key_free(k);
}

int
main(int argc, char **argv)
{
	struct buf in = BUF_INIT, other = BUF_INIT, out = BUF_INIT;
	if (argc != 5 && !(argc == 6 && (strcmp(argv[3], "figure") == 0 ||
					 strcmp(argv[3], "cell") == 0)))
		die("usage: tamper_bundle IN OUT flip|drop|swap|proof|wproof|figure|cell|badcell|nocells|graft ARG [SET|OFFICE]");
	read_file(argv[1], &in);

	struct entry e[32];
	uint32_t n;
	FILE *f;
	memset(e, 0, sizeof(e));
	n = entries(&in, e, 31);

	uint8_t *copy = NULL;
	static const uint8_t *p[1 << 20];
	static size_t len[1 << 20];
	const char *op = argv[3];
	size_t arg = strtoul(argv[4], NULL, 10);
	if (strcmp(op, "flip") == 0 || strcmp(op, "drop") == 0 ||
	    strcmp(op, "swap") == 0) {
		struct entry *ev = find(e, n, "events");
		size_t k = items(ev, p, len, 1 << 20);
		if (arg + (strcmp(op, "swap") == 0) >= k)
			die("no such event");
		if (strcmp(op, "flip") == 0) {
			/* An event bin's last byte is its signature's. */
			copy = malloc(len[arg]);
			memcpy(copy, p[arg], len[arg]);
			copy[len[arg] - 1] ^= 0x01;
			p[arg] = copy;
		} else if (strcmp(op, "drop") == 0) {
			memmove(&p[arg], &p[arg + 1],
				(k - arg - 1) * sizeof(p[0]));
			memmove(&len[arg], &len[arg + 1],
				(k - arg - 1) * sizeof(len[0]));
			k--;
		} else {
			const uint8_t *tp = p[arg];
			size_t tn = len[arg];
			p[arg] = p[arg + 1];
			len[arg] = len[arg + 1];
			p[arg + 1] = tp;
			len[arg + 1] = tn;
		}
		put_items(&ev->repl, p, len, k);
	} else if (strcmp(op, "proof") == 0 || strcmp(op, "wproof") == 0) {
		struct entry *pe =
			find(e, n, op[0] == 'w' ? "wproofs" : "proofs");
		size_t k = items(pe, p, len, 1 << 20);
		if (arg >= k)
			die("no such proof");
		/* [event, report, leaf, [hash...]]: the last byte is the last
		 * hash's. */
		copy = malloc(len[arg]);
		memcpy(copy, p[arg], len[arg]);
		copy[len[arg] - 1] ^= 0x01;
		p[arg] = copy;
		put_items(&pe->repl, p, len, k);
	} else if (strcmp(op, "figure") == 0) {
		struct entry *re = find(e, n, "reports");
		size_t k = items(re, p, len, 1 << 20);
		if (k < 1)
			die("the bundle has no report");
		mp_put_array(&re->repl, (uint32_t)k);
		refigure(p[0], len[0], argv[4], argc == 6 ? argv[5] : NULL,
			 &re->repl);
		for (size_t i = 1; i < k; i++)
			buf_add(&re->repl, p[i], len[i]);
	} else if (strcmp(op, "cell") == 0 || strcmp(op, "badcell") == 0) {
		struct entry *ce = find(e, n, "cells");
		size_t k = items(ce, p, len, 1 << 20);
		if (arg >= k)
			die("no such cell");
		mp_put_array(&ce->repl, (uint32_t)k);
		for (size_t i = 0; i < k; i++)
			if (i == arg)
				recell(p[i], len[i],
				       op[0] == 'c' ? argv[5] : NULL,
				       &ce->repl);
			else
				buf_add(&ce->repl, p[i], len[i]);
	} else if (strcmp(op, "nocells") == 0) {
		struct entry *ce = find(e, n, "cells");
		memmove(ce, ce + 1, (size_t)(e + n - (ce + 1)) * sizeof(*ce));
		n--;
	} else if (strcmp(op, "graft") == 0) {
		/* After "admin", before "config": keys in byte order. */
		struct entry oe[32];
		uint32_t on;
		memset(oe, 0, sizeof(oe));
		read_file(argv[4], &other);
		on = entries(&other, oe, 32);
		if (n < 1 || strcmp(e[0].key, "admin") != 0)
			die("not a bundle");
		memmove(&e[2], &e[1], (n - 1) * sizeof(e[0]));
		e[1] = *find(oe, on, "cells");
		n++;
	} else {
		die("unknown operation");
	}
	mp_put_map(&out, n);
	for (uint32_t i = 0; i < n; i++) {
		mp_put_cstr(&out, e[i].key);
		if (e[i].repl.len)
			buf_add(&out, e[i].repl.data, e[i].repl.len);
		else
			buf_add(&out, e[i].val, e[i].n);
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f) != 0)
		die("cannot write the bundle");
	free(copy);
	for (uint32_t i = 0; i < n; i++)
		buf_release(&e[i].repl);
	buf_release(&in);
	buf_release(&other);
	buf_release(&out);
	return 0;
}

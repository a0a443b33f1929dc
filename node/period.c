/* period.c - frozen period reports (see period.h, docs/audit.md). */
#include "node/period.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/eval_codec.h"
#include "node/case/grid.h"
#include "node/case/roster.h"
#include "node/eval_store.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

/* The groupings a report holds, in the order of their map keys. */
static const struct {
	const char *name;
	enum eval_by by;
} groupings[] = {
	{ "grid", EVAL_GRID },
	{ "office", EVAL_OFFICE },
	{ "person", EVAL_PERSON },
	{ "unit", EVAL_UNIT },
};
#define NGROUPINGS (sizeof(groupings) / sizeof(groupings[0]))

/* The indicator sets a report holds, in the order of their map keys. */
static const enum ind_set report_sets[] = {
	IND_COMMUNITY,  IND_DISPATCHER, IND_DISTRICT,   IND_GRID, IND_OPERATOR,
	IND_SHIFT_LEAD, IND_STREET,     IND_SUPERVISOR, IND_UNIT,
};
#define NSETS (sizeof(report_sets) / sizeof(report_sets[0]))

/* ---- months ---- */

int
period_month_parse(const struct calendar *cal, const char *s,
		   struct period *out)
{
	int y, m;
	char tail;
	if (strlen(s) != 7 || sscanf(s, "%4d-%2d%c", &y, &m, &tail) != 2 ||
	    s[4] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12)
		return ERR_INVAL;
	int64_t off = (int64_t)cal->utc_offset_min * 60000;
	int64_t from = clock_days_from_civil(y, m, 1) * 86400000 - off;
	int64_t to = clock_days_from_civil(m == 12 ? y + 1 : y,
					   m == 12 ? 1 : m + 1, 1) *
			     86400000 -
		     off;
	if (from < 0)
		return ERR_INVAL;
	snprintf(out->month, sizeof(out->month), "%04d-%02d", y, m);
	out->from_ms = (uint64_t)from;
	out->to_ms = (uint64_t)to;
	return 0;
}

void
period_month_prev(const struct calendar *cal, const struct period *p,
		  struct period *out)
{
	int y = atoi(p->month), m = atoi(p->month + 5);
	char s[16];
	if (--m == 0) {
		m = 12;
		y--;
	}
	snprintf(s, sizeof(s), "%04d-%02d", (y % 10000 + 10000) % 10000,
		 m % 100);
	if (period_month_parse(cal, s, out))
		memset(out, 0, sizeof(*out));
}

int
period_is_record_case(const char *case_id, size_t n)
{
	size_t k = strlen(PERIOD_CASE_PREFIX);
	return n > k && memcmp(case_id, PERIOD_CASE_PREFIX, k) == 0;
}

/* ---- sets of events ---- */

void
evset_release(struct evset *es)
{
	buf_release(&es->bytes);
	free(es->e);
	memset(es, 0, sizeof(*es));
}

int
evset_add(struct evset *es, const uint8_t *env, size_t n, int extra,
	  struct diag *d)
{
	struct envelope e;
	struct event ev;
	size_t used;
	int rc;
	if ((rc = envelope_read(env, n, &e, &used, d)) ||
	    (rc = event_decode(e.event, e.event_len, &ev, d)))
		return rc;
	es->e = xrealloc(es->e, (es->n + 1) * sizeof(*es->e));
	struct evref *r = &es->e[es->n++];
	r->off = es->bytes.len;
	r->len = used;
	memcpy(r->id, e.id, EVENT_ID_BYTES);
	memcpy(r->author, ev.author, EVENT_KEY_BYTES);
	r->seq = ev.seq;
	r->extra = extra;
	r->roster = ev.case_len == strlen(ROSTER_CASE) &&
		    memcmp(ev.case_id, ROSTER_CASE, ev.case_len) == 0;
	buf_add(&es->bytes, env, used);
	return 0;
}

static int
evref_cmp(const void *a, const void *b)
{
	const struct evref *x = a, *y = b;
	int c = memcmp(x->author, y->author, EVENT_KEY_BYTES);
	if (c)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return memcmp(x->id, y->id, EVENT_ID_BYTES);
}

int
evset_sort(struct evset *es, struct diag *d)
{
	if (es->n > 1)
		qsort(es->e, es->n, sizeof(*es->e), evref_cmp);
	for (size_t i = 1; i < es->n; i++)
		if (memcmp(es->e[i - 1].id, es->e[i].id, EVENT_ID_BYTES) == 0 &&
		    es->e[i - 1].seq == es->e[i].seq) {
			char hex[17];
			hex_encode(es->e[i].id, 8, hex);
			return diag_set(d, ERR_CORRUPT,
					"event %s is in the set twice", hex);
		}
	return 0;
}

void
checkpoint_release(struct checkpoint *cp)
{
	free(cp->feeds);
	free(cp->extras);
	memset(cp, 0, sizeof(*cp));
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

void
evset_checkpoint(const struct evset *es, struct checkpoint *cp)
{
	uint8_t(*leaves)[EVENT_ID_BYTES] =
		xcalloc(es->n ? es->n : 1, EVENT_ID_BYTES);
	memset(cp, 0, sizeof(*cp));
	for (size_t i = 0; i < es->n; i++) {
		const struct evref *r = &es->e[i];
		memcpy(leaves[i], r->id, EVENT_ID_BYTES);
		if (r->extra) {
			cp->extras = xrealloc(cp->extras, (cp->nextras +
							   1) * EVENT_ID_BYTES);
			memcpy(cp->extras[cp->nextras++], r->id,
			       EVENT_ID_BYTES);
			continue;
		}
		struct feed_cut *f = cp->nfeeds ? &cp->feeds[cp->nfeeds - 1]
						: NULL;
		if (!f || memcmp(f->author, r->author, EVENT_KEY_BYTES) != 0) {
			cp->feeds =
				xrealloc(cp->feeds,
					 (cp->nfeeds + 1) * sizeof(*cp->feeds));
			f = &cp->feeds[cp->nfeeds++];
			f->seq = 0;
			memcpy(f->author, r->author, EVENT_KEY_BYTES);
		}
		if (r->seq > f->seq)
			f->seq = r->seq;
	}
	if (cp->nextras > 1)
		qsort(cp->extras, cp->nextras, EVENT_ID_BYTES, id_cmp);
	cp->count = es->n;
	merkle_root((const uint8_t(*)[MERKLE_LEAF_BYTES])leaves, es->n,
		    cp->root);
	free(leaves);
}

/*
 * The walk of store_walk_all(): every feed in (author, seq) order, then
 * the fork versions and evidence.  The feed part ends at the first event
 * that does not continue it (the next seq of the same author, or seq 1
 * of a greater author); every event after that is an extra.
 */
struct collect {
	struct evset *es;
	const struct checkpoint *cut;
	int in_extras;
	uint8_t last_author[EVENT_KEY_BYTES];
	uint64_t last_seq;
	struct diag *d;
};

static int
cut_wants(const struct checkpoint *cut, const struct evref *r)
{
	if (r->extra)
		return bsearch(r->id, cut->extras, cut->nextras, EVENT_ID_BYTES,
			       id_cmp) != NULL;
	for (size_t i = 0; i < cut->nfeeds; i++)
		if (memcmp(cut->feeds[i].author, r->author, EVENT_KEY_BYTES) ==
		    0)
			return r->seq <= cut->feeds[i].seq;
	return 0;
}

static int
collect_one(const uint8_t *env, size_t n, void *ctx)
{
	struct collect *c = ctx;
	int rc;
	size_t before = c->es->n;
	if ((rc = evset_add(c->es, env, n, 0, c->d)))
		return rc;
	struct evref *r = &c->es->e[before];
	if (!c->in_extras) {
		int cmp = memcmp(r->author, c->last_author, EVENT_KEY_BYTES);
		int next = (before == 0 || cmp > 0)
				   ? r->seq == 1
				   : cmp == 0 && r->seq == c->last_seq + 1;
		if (next) {
			memcpy(c->last_author, r->author, EVENT_KEY_BYTES);
			c->last_seq = r->seq;
		} else {
			c->in_extras = 1;
		}
	}
	r->extra = c->in_extras;
	if (c->cut && !cut_wants(c->cut, r)) {
		c->es->n--;
		c->es->bytes.len = r->off;
	}
	return 0;
}

int
evset_collect(struct store *s, const struct checkpoint *cut, struct evset *out,
	      struct diag *d)
{
	struct collect c = { out, cut, 0, { 0 }, 0, d };
	int rc;
	memset(out, 0, sizeof(*out));
	if ((rc = store_walk_all(s, collect_one, &c))) {
		evset_release(out);
		return diag_set(d, rc, "cannot read the events: %s",
				err_str(rc));
	}
	if ((rc = evset_sort(out, d))) {
		evset_release(out);
		return rc;
	}
	if (cut && out->n != cut->count) {
		uint64_t have = out->n;
		evset_release(out);
		return diag_set(
			d, ERR_NOTFOUND,
			"the node holds %llu of the checkpoint's %llu events",
			(unsigned long long)have,
			(unsigned long long)cut->count);
	}
	return 0;
}

/* ---- the report's body ---- */

void
period_report_release(struct period_report *r)
{
	checkpoint_release(&r->cp);
	free(r->config);
	free(r->offices);
	free(r->cells);
	buf_release(&r->figures);
	buf_release(&r->sets);
	memset(r, 0, sizeof(*r));
}

void
period_report_encode(const struct period_report *r, struct buf *body)
{
	struct mp_map m, cp;
	mp_map_init(&m);
	mp_map_init(&cp);
	mp_put_uint(mp_map_add(&cp, "count"), r->cp.count);
	mp_put_bin(mp_map_add(&cp, "root"), r->cp.root, MERKLE_HASH_BYTES);
	struct buf *b = mp_map_add(&cp, "feeds");
	mp_put_array(b, (uint32_t)r->cp.nfeeds);
	for (size_t i = 0; i < r->cp.nfeeds; i++) {
		mp_put_array(b, 2);
		mp_put_bin(b, r->cp.feeds[i].author, EVENT_KEY_BYTES);
		mp_put_uint(b, r->cp.feeds[i].seq);
	}
	b = mp_map_add(&cp, "extras");
	mp_put_array(b, (uint32_t)r->cp.nextras);
	for (size_t i = 0; i < r->cp.nextras; i++)
		mp_put_bin(b, r->cp.extras[i], EVENT_ID_BYTES);
	mp_map_finish(&cp, mp_map_add(&m, "checkpoint"));
	period_cells_put(mp_map_add(&m, "cells"), r->cells, r->ncells);
	mp_put_cstr(mp_map_add(&m, "config"), r->config ? r->config : "");
	buf_add(mp_map_add(&m, "figures"), r->figures.data, r->figures.len);
	mp_put_uint(mp_map_add(&m, "from"), r->p.from_ms);
	mp_put_cstr(mp_map_add(&m, "month"), r->p.month);
	b = mp_map_add(&m, "offices");
	mp_put_array(b, (uint32_t)r->noffices);
	for (size_t i = 0; i < r->noffices; i++) {
		mp_put_array(b, 2);
		mp_put_cstr(b, r->offices[i].prefix);
		mp_put_cstr(b, r->offices[i].name);
	}
	if (r->has_supersedes) {
		mp_put_cstr(mp_map_add(&m, "reason"), r->reason);
		mp_put_bin(mp_map_add(&m, "supersedes"), r->supersedes,
			   EVENT_ID_BYTES);
	}
	if (r->sets.len)
		buf_add(mp_map_add(&m, "sets"), r->sets.data, r->sets.len);
	mp_put_uint(mp_map_add(&m, "to"), r->p.to_ms);
	mp_map_finish(&m, body);
}

void
period_cells_put(struct buf *b, const struct grid_cell *cells, size_t n)
{
	mp_put_array(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		mp_put_array(b, 3);
		mp_put_cstr(b, cells[i].grid);
		mp_put_cstr(b, cells[i].community);
		mp_put_cstr(b, cells[i].office);
	}
}

int
period_cells_get(struct mp_reader *r, struct grid_cell **out, size_t *n)
{
	struct mp_reader v = *r;
	struct grid_cell *cells;
	uint32_t k, three;
	if (mp_get_array(&v, &k))
		return ERR_FORMAT;
	cells = xcalloc(k ? k : 1, sizeof(*cells));
	for (uint32_t i = 0; i < k; i++) {
		struct grid_cell *c = &cells[i];
		const char *a, *b, *e;
		size_t an, bn, en;
		if (mp_get_array(&v, &three) || three != 3 ||
		    mp_get_str(&v, &a, &an) || an >= sizeof(c->grid) ||
		    mp_get_str(&v, &b, &bn) || bn >= sizeof(c->community) ||
		    mp_get_str(&v, &e, &en) || en >= sizeof(c->office)) {
			free(cells);
			return ERR_FORMAT;
		}
		memcpy(c->grid, a, an);
		memcpy(c->community, b, bn);
		memcpy(c->office, e, en);
		/* Ascending by id, each once: a reader that looks a cell up
		 * by its id finds one answer. */
		if (i > 0 && strcmp(cells[i - 1].grid, c->grid) >= 0) {
			free(cells);
			return ERR_FORMAT;
		}
	}
	*r = v;
	*out = cells;
	*n = k;
	return 0;
}

static int
bad(struct diag *d, const char *field)
{
	return diag_set(d, ERR_FORMAT, "the report's '%s' does not read",
			field);
}

static int
decode_checkpoint(const struct mp_reader *m, struct checkpoint *cp)
{
	struct mp_reader c, v;
	uint32_t n, two;
	const uint8_t *p;
	size_t len;
	if (mp_map_find(m, "checkpoint", &c) ||
	    mp_map_get_uint(&c, "count", &cp->count) ||
	    mp_map_get_bin(&c, "root", cp->root, MERKLE_HASH_BYTES))
		return ERR_FORMAT;
	if (mp_map_find(&c, "feeds", &v) || mp_get_array(&v, &n))
		return ERR_FORMAT;
	cp->feeds = xcalloc(n ? n : 1, sizeof(*cp->feeds));
	for (uint32_t i = 0; i < n; i++) {
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_bin(&v, &p, &len) || len != EVENT_KEY_BYTES ||
		    mp_get_uint(&v, &cp->feeds[i].seq))
			return ERR_FORMAT;
		memcpy(cp->feeds[i].author, p, len);
		cp->nfeeds++;
	}
	if (mp_map_find(&c, "extras", &v) || mp_get_array(&v, &n))
		return ERR_FORMAT;
	cp->extras = xcalloc(n ? n : 1, EVENT_ID_BYTES);
	for (uint32_t i = 0; i < n; i++) {
		if (mp_get_bin(&v, &p, &len) || len != EVENT_ID_BYTES)
			return ERR_FORMAT;
		memcpy(cp->extras[cp->nextras++], p, len);
	}
	return 0;
}

int
period_report_decode(const uint8_t *body, size_t n, struct period_report *out,
		     struct diag *d)
{
	struct mp_reader m, v;
	const uint8_t *p;
	const char *s;
	size_t len;
	uint32_t k, two;
	memset(out, 0, sizeof(*out));
	mp_reader_init(&m, body, n, NULL);
	if (mp_map_get_str(&m, "month", out->p.month, sizeof(out->p.month)))
		return bad(d, "month");
	if (mp_map_get_uint(&m, "from", &out->p.from_ms) ||
	    mp_map_get_uint(&m, "to", &out->p.to_ms))
		return bad(d, "from");
	if (decode_checkpoint(&m, &out->cp))
		goto checkpoint;
	if (mp_map_find(&m, "config", &v) || mp_get_str(&v, &s, &len))
		goto config;
	out->config = xstrndup(s, len);
	if (mp_map_find(&m, "figures", &v) || mp_get_value(&v, &p, &len))
		goto figures;
	buf_add(&out->figures, p, len);
	if (mp_map_find(&m, "offices", &v) || mp_get_array(&v, &k))
		goto offices;
	out->offices = xcalloc(k ? k : 1, sizeof(*out->offices));
	for (uint32_t i = 0; i < k; i++) {
		struct period_office *o = &out->offices[out->noffices++];
		const char *a, *b;
		size_t an, bn;
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_str(&v, &a, &an) || an >= sizeof(o->prefix) ||
		    mp_get_str(&v, &b, &bn) || bn >= sizeof(o->name))
			goto offices;
		memcpy(o->prefix, a, an);
		memcpy(o->name, b, bn);
	}
	/* cells and sets came with the indicator sets: a report made
	 * before them holds the overview alone. */
	if (mp_map_find(&m, "cells", &v) == 0 &&
	    period_cells_get(&v, &out->cells, &out->ncells))
		goto cells;
	if (mp_map_find(&m, "sets", &v) == 0) {
		if (mp_get_value(&v, &p, &len) || !mp_is_map(p, len))
			goto sets;
		buf_add(&out->sets, p, len);
	}
	if (mp_map_find(&m, "supersedes", &v) == 0) {
		if (mp_map_get_bin(&m, "supersedes", out->supersedes,
				   EVENT_ID_BYTES) ||
		    mp_map_get_str(&m, "reason", out->reason,
				   sizeof(out->reason)))
			goto supersedes;
		out->has_supersedes = 1;
	}
	return 0;
checkpoint:
	period_report_release(out);
	return bad(d, "checkpoint");
config:
	period_report_release(out);
	return bad(d, "config");
figures:
	period_report_release(out);
	return bad(d, "figures");
offices:
	period_report_release(out);
	return bad(d, "offices");
cells:
	period_report_release(out);
	return bad(d, "cells");
sets:
	period_report_release(out);
	return bad(d, "sets");
supersedes:
	period_report_release(out);
	return bad(d, "supersedes");
}

int
period_report_read(const uint8_t *env, size_t n, struct period_report *out,
		   struct diag *d)
{
	struct envelope e;
	struct event ev;
	size_t used;
	int rc;
	if ((rc = envelope_read(env, n, &e, &used, d)) ||
	    (rc = event_decode(e.event, e.event_len, &ev, d)))
		return rc;
	if (ev.type_len != strlen(PERIOD_REPORT_TYPE) ||
	    memcmp(ev.type, PERIOD_REPORT_TYPE, ev.type_len) != 0)
		return diag_set(d, ERR_FORMAT, "the event is no report (%.*s)",
				(int)ev.type_len, ev.type);
	if ((rc = period_report_decode(ev.body, ev.body_len, out, d)))
		return rc;
	char want[EVENT_CASE_MAX + 1];
	snprintf(want, sizeof(want), "%s%s", PERIOD_CASE_PREFIX, out->p.month);
	if (ev.case_len != strlen(want) ||
	    memcmp(ev.case_id, want, ev.case_len) != 0) {
		period_report_release(out);
		return diag_set(d, ERR_FORMAT, "a report of %s on case '%.*s'",
				want + strlen(PERIOD_CASE_PREFIX),
				(int)ev.case_len, ev.case_id);
	}
	memcpy(out->id, e.id, EVENT_ID_BYTES);
	memcpy(out->author, ev.author, EVENT_KEY_BYTES);
	out->seq = ev.seq;
	out->lamport = ev.lamport;
	out->time_ms = ev.time_ms;
	return 0;
}

/* ---- the scratch node ---- */

static int
write_text(const char *path, const char *text, struct diag *d)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return diag_set(d, ERR_IO, "cannot write '%s'", path);
	size_t n = strlen(text);
	int ok = fwrite(text, 1, n, f) == n;
	if (fclose(f) != 0 || !ok)
		return diag_set(d, ERR_IO, "cannot write '%s'", path);
	return 0;
}

/* Removes the scratch directory and the files in it. */
static void
scratch_remove(const char *dir)
{
	DIR *dh = opendir(dir);
	struct dirent *de;
	if (dh) {
		while ((de = readdir(dh))) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			char *p = xasprintf("%s/%s", dir, de->d_name);
			(void)unlink(p);
			free(p);
		}
		closedir(dh);
	}
	(void)rmdir(dir);
}

/* A node in a new temporary directory holding nothing yet. */
static int
scratch_open(const char *network, const uint8_t admin[EVENT_KEY_BYTES],
	     const char *config, char **dir_out, struct node **out,
	     struct diag *d)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/gridcase-replay-XXXXXX",
			      tmp && *tmp ? tmp : "/tmp");
	struct store_options opt = { 0 };
	struct store *s = NULL;
	char hex[2 * EVENT_KEY_BYTES + 1];
	int rc;
	if (!mkdtemp(dir)) {
		rc = diag_set(d, ERR_IO, "cannot make a scratch directory '%s'",
			      dir);
		free(dir);
		return rc;
	}
	opt.flags = STORE_NOSYNC;
	hex_encode(admin, EVENT_KEY_BYTES, hex);
	char *cfg = xasprintf("%s/%s", dir, CONFIG_FILE);
	if ((rc = store_create(dir, network, &opt, d)) ||
	    (rc = store_open(dir, &opt, &s, d)) ||
	    (rc = store_meta_set(s, "admin", hex, d)) ||
	    (rc = write_text(cfg, config, d))) {
		free(cfg);
		store_close(s);
		scratch_remove(dir);
		free(dir);
		return rc;
	}
	free(cfg);
	store_close(s);
	if ((rc = node_open(dir, NODE_NOSYNC, NULL, out, d))) {
		scratch_remove(dir);
		free(dir);
		return rc;
	}
	*dir_out = dir;
	return 0;
}

struct first_reject {
	int rc;
	uint64_t index;
	char id[17];
	char why[200];
};

static void
on_reject(void *ctx, uint64_t index, size_t offset, const uint8_t *id, int rc,
	  const char *why)
{
	struct first_reject *f = ctx;
	(void)offset;
	if (f->rc)
		return;
	f->rc = rc;
	f->index = index;
	if (id)
		hex_encode(id, 8, f->id);
	else
		snprintf(f->id, sizeof(f->id), "?");
	snprintf(f->why, sizeof(f->why), "%s", why ? why : err_str(rc));
}

static int
count_one(const uint8_t *env, size_t n, void *ctx)
{
	(void)env;
	(void)n;
	++*(uint64_t *)ctx;
	return 0;
}

int
period_figures(const char *network, const uint8_t admin[EVENT_KEY_BYTES],
	       const struct evset *es, struct period_report *r, struct diag *d)
{
	struct node *n = NULL;
	char *dir = NULL;
	struct buf stream = BUF_INIT;
	struct import_tally t;
	struct first_reject rej = { 0 };
	struct grid_cell *cells = NULL;
	int rc;

	if ((rc = scratch_open(network, admin, r->config ? r->config : "{}",
			       &dir, &n, d)))
		return rc;
	/* A replay does not depend on the clock of the machine it runs
	 * on: rule 7 of docs/format.md §5a only delays, and every event of
	 * the set was admitted by the node that made the checkpoint. */
	store_set_max_skew(node_store(n), (uint64_t)1 << 62);
	/* The roster first (an author no roster names is turned away on
	 * arrival, not kept waiting), then the feeds, then the extras, so
	 * that no fork version takes a feed's place. */
	for (int pass = 0; pass < 3; pass++)
		for (size_t i = 0; i < es->n; i++) {
			const struct evref *e = &es->e[i];
			int in = pass == 0   ? !e->extra && e->roster
				 : pass == 1 ? !e->extra && !e->roster
					     : e->extra;
			if (in)
				buf_add(&stream, es->bytes.data + e->off,
					e->len);
		}
	rc = store_import(node_store(n), stream.data, stream.len, 0, on_reject,
			  &rej, &t, d);
	if (rc)
		goto out;
	if (rej.rc) {
		rc = diag_set(d, rej.rc,
			      "event %s (#%llu of the set) is refused: %s",
			      rej.id, (unsigned long long)rej.index + 1,
			      rej.why);
		goto out;
	}
	uint64_t waiting = 0;
	if ((rc = store_walk_pending(node_store(n), count_one, &waiting)))
		goto out;
	if (waiting) {
		rc = diag_set(d, ERR_CORRUPT,
			      "%llu events of the set wait for events it lacks",
			      (unsigned long long)waiting);
		goto out;
	}
	cells = xcalloc(r->noffices ? r->noffices : 1, sizeof(*cells));
	for (size_t i = 0; i < r->noffices; i++) {
		snprintf(cells[i].grid, sizeof(cells[i].grid), "%s",
			 r->offices[i].prefix);
		snprintf(cells[i].office, sizeof(cells[i].office), "%s",
			 r->offices[i].name);
	}
	buf_release(&r->figures);
	mp_put_map(&r->figures, NGROUPINGS);
	for (size_t g = 0; g < NGROUPINGS; g++) {
		struct eval_result res;
		if ((rc = eval_run_cells(n, cells, r->noffices, r->p.from_ms,
					 r->p.to_ms, groupings[g].by, &res, d)))
			goto out;
		mp_put_cstr(&r->figures, groupings[g].name);
		eval_result_encode(&res, &r->figures);
		eval_release(&res);
	}
	buf_release(&r->sets);
	mp_put_map(&r->sets, NSETS);
	for (size_t k = 0; k < NSETS; k++) {
		struct ind_table tab;
		if ((rc = ind_run_cells(n, r->cells, r->ncells, r->p.from_ms,
					r->p.to_ms, report_sets[k], &tab, d)))
			goto out;
		mp_put_cstr(&r->sets, ind_set_name(report_sets[k]));
		ind_table_encode(&tab, &r->sets);
		ind_table_release(&tab);
	}
out:
	free(cells);
	buf_release(&stream);
	node_close(n);
	scratch_remove(dir);
	free(dir);
	return rc;
}

/* ---- reports on the node ---- */

struct find {
	struct node *n;
	struct period_report *r;
	size_t nr;
};

static int
find_one(const uint8_t *env, size_t len, void *ctx)
{
	struct find *f = ctx;
	struct period_report r;
	const struct roster *ro = node_roster(f->n);
	if (period_report_read(env, len, &r, NULL))
		return 0; /* not a report: no report */
	const struct member *m = ro ? roster_lookup(ro, r.author, r.seq) : NULL;
	if (!m || !(m->roles & (ROLE_SHIFT_LEAD | ROLE_ADMIN))) {
		period_report_release(&r);
		return 0;
	}
	f->r = xrealloc(f->r, (f->nr + 1) * sizeof(*f->r));
	f->r[f->nr++] = r;
	return 0;
}

int
period_report_find(struct node *n, const struct period *p,
		   struct period_report *out, struct diag *d)
{
	struct find f = { n, NULL, 0 };
	char case_id[EVENT_CASE_MAX + 1];
	int rc;
	snprintf(case_id, sizeof(case_id), "%s%s", PERIOD_CASE_PREFIX,
		 p->month);
	if ((rc = store_walk_case(node_store(n), case_id, find_one, &f))) {
		for (size_t i = 0; i < f.nr; i++)
			period_report_release(&f.r[i]);
		free(f.r);
		return diag_set(d, rc, "cannot read the reports of %s",
				p->month);
	}
	/* The walk is in (lamport, id) order: the first plain report, then
	 * each first one that supersedes the one in force. */
	ssize_t cur = -1;
	for (size_t i = 0; i < f.nr; i++)
		if (!f.r[i].has_supersedes) {
			cur = (ssize_t)i;
			break;
		}
	for (int moved = cur >= 0; moved;) {
		moved = 0;
		for (size_t i = 0; i < f.nr; i++)
			if (f.r[i].has_supersedes &&
			    memcmp(f.r[i].supersedes, f.r[cur].id,
				   EVENT_ID_BYTES) == 0) {
				cur = (ssize_t)i;
				moved = 1;
				break;
			}
	}
	for (size_t i = 0; i < f.nr; i++)
		if ((ssize_t)i != cur)
			period_report_release(&f.r[i]);
	if (cur >= 0)
		*out = f.r[cur];
	free(f.r);
	return cur >= 0 ? 0 : ERR_NOTFOUND;
}

static int
office_add(const struct grid_cell *c, void *ctx)
{
	struct period_report *r = ctx;
	if (strlen(c->grid) < GRID_OFFICE_DIGITS)
		return 0;
	for (size_t i = 0; i < r->noffices; i++)
		if (strncmp(r->offices[i].prefix, c->grid,
			    GRID_OFFICE_DIGITS) == 0)
			return 0;
	r->offices =
		xrealloc(r->offices, (r->noffices + 1) * sizeof(*r->offices));
	struct period_office *o = &r->offices[r->noffices++];
	memset(o, 0, sizeof(*o));
	memcpy(o->prefix, c->grid, GRID_OFFICE_DIGITS);
	snprintf(o->name, sizeof(o->name), "%s", c->office);
	return 0;
}

static int
cell_add(const struct grid_cell *c, void *ctx)
{
	struct period_report *r = ctx;
	r->cells = xrealloc(r->cells, (r->ncells + 1) * sizeof(*r->cells));
	r->cells[r->ncells++] = *c;
	return 0;
}

static int
cell_cmp(const void *a, const void *b)
{
	return strcmp(((const struct grid_cell *)a)->grid,
		      ((const struct grid_cell *)b)->grid);
}

static int
office_cmp(const void *a, const void *b)
{
	return strcmp(((const struct period_office *)a)->prefix,
		      ((const struct period_office *)b)->prefix);
}

int
period_close(struct node *n, const struct period *p, const char *reason,
	     uint64_t now_ms, struct period_report *out, struct diag *d)
{
	struct period_report r, prev;
	struct evset es;
	struct buf body = BUF_INIT;
	int rc;
	const struct roster *ro = node_roster(n);
	const struct member *m =
		ro && node_key(n)
			? roster_lookup(ro, key_public(node_key(n)), 0)
			: NULL;

	if (now_ms < p->to_ms) {
		char end[CLOCK_ISO_BYTES];
		clock_format_local(p->to_ms, node_config(n)->cal.utc_offset_min,
				   end);
		return diag_set(d, ERR_INVAL,
				"%s has not ended: it ends at %s local time",
				p->month, end);
	}
	if (!m || !(m->roles & ROLE_SHIFT_LEAD))
		return diag_set(
			d, ERR_DENIED,
			"only a shift lead (值班长) may close a month: the key is %s",
			m ? "no shift lead" : "not in the roster");
	memset(&r, 0, sizeof(r));
	rc = period_report_find(n, p, &prev, d);
	if (rc == 0) {
		char hex[17];
		hex_encode(prev.id, 8, hex);
		if (!reason) {
			period_report_release(&prev);
			return diag_set(
				d, ERR_EXISTS,
				"%s is closed already (report %s): a new close must supersede it, with a reason",
				p->month, hex);
		}
		r.has_supersedes = 1;
		memcpy(r.supersedes, prev.id, EVENT_ID_BYTES);
		snprintf(r.reason, sizeof(r.reason), "%s", reason);
		period_report_release(&prev);
	} else if (rc != ERR_NOTFOUND) {
		return rc;
	} else if (reason) {
		return diag_set(d, ERR_NOTFOUND,
				"%s is not closed: nothing to supersede",
				p->month);
	}
	r.p = *p;
	if ((rc = evset_collect(node_store(n), NULL, &es, d)))
		goto out;
	evset_checkpoint(&es, &r.cp);
	if ((rc = period_inputs(n, &r, d)))
		goto out_es;
	if ((rc = period_figures(store_network(node_store(n)),
				 node_roster(n)->admin, &es, &r, d)))
		goto out_es;
	period_report_encode(&r, &body);
	char case_id[EVENT_CASE_MAX + 1];
	snprintf(case_id, sizeof(case_id), "%s%s", PERIOD_CASE_PREFIX,
		 p->month);
	struct append_req req = { case_id,   PERIOD_REPORT_TYPE,
				  body.data, body.len,
				  0,         NULL,
				  now_ms };
	if ((rc = store_append(node_store(n), node_key(n), &req, r.id, d)))
		goto out_es;
	/* The carrier's fields as signed (the store chose seq and time). */
	struct buf env = BUF_INIT;
	struct period_report back;
	if (store_event_get(node_store(n), r.id, &env) == 0 &&
	    period_report_read(env.data, env.len, &back, NULL) == 0) {
		memcpy(r.author, back.author, EVENT_KEY_BYTES);
		r.seq = back.seq;
		r.lamport = back.lamport;
		r.time_ms = back.time_ms;
		period_report_release(&back);
	}
	buf_release(&env);
out_es:
	evset_release(&es);
out:
	buf_release(&body);
	if (rc == 0 && out)
		*out = r;
	else
		period_report_release(&r);
	return rc;
}

/*
 * The first of the n named groups whose rows differ between the maps a
 * and b (the overview's groupings, or the indicator sets), named in what
 * as "KIND NAME, ..." (kind "by" or "set"); whole names the map in the
 * last resort.  0 if a and b are the same bytes.
 */
static int
groups_diff(const struct buf *a, const struct buf *b, const char *const *names,
	    size_t n, const char *kind, const char *whole, char *what,
	    size_t cap)
{
	struct mp_reader ra, rb, va, vb;
	const uint8_t *pa, *pb;
	size_t na, nb;
	char sub[240];
	if (a->len == b->len && memcmp(a->data, b->data, a->len) == 0)
		return 0;
	mp_reader_init(&ra, a->data, a->len, NULL);
	mp_reader_init(&rb, b->data, b->len, NULL);
	for (size_t g = 0; g < n; g++) {
		int ha = mp_map_find(&ra, names[g], &va) == 0 &&
			 mp_get_value(&va, &pa, &na) == 0;
		int hb = mp_map_find(&rb, names[g], &vb) == 0 &&
			 mp_get_value(&vb, &pb, &nb) == 0;
		if (!ha || !hb) {
			snprintf(what, cap, "%s %s: no figures in the %s", kind,
				 names[g], ha ? "second" : "first");
			return 1;
		}
		if (eval_result_diff(pa, na, pb, nb, sub, sizeof(sub))) {
			snprintf(what, cap, "%s %s, %s", kind, names[g], sub);
			return 1;
		}
	}
	snprintf(what, cap, "the %s differ in their encoding", whole);
	return 1;
}

/* The first grouping of the overview whose rows differ; 0 if none. */
static int
figures_diff(const struct buf *a, const struct buf *b, char *what, size_t cap)
{
	const char *names[NGROUPINGS];
	for (size_t g = 0; g < NGROUPINGS; g++)
		names[g] = groupings[g].name;
	return groups_diff(a, b, names, NGROUPINGS, "by", "figures", what, cap);
}

/* The first set whose rows differ; 0 if none. */
static int
sets_diff(const struct buf *a, const struct buf *b, char *what, size_t cap)
{
	const char *names[NSETS];
	if ((!a->len || !b->len) && a->len != b->len) {
		snprintf(what, cap, "no indicator sets in the %s",
			 a->len ? "second" : "first");
		return 1;
	}
	for (size_t k = 0; k < NSETS; k++)
		names[k] = ind_set_name(report_sets[k]);
	return groups_diff(a, b, names, NSETS, "set", "sets", what, cap);
}

int
period_recompute(const char *network, const uint8_t admin[EVENT_KEY_BYTES],
		 const struct evset *es, const struct period_report *r,
		 struct diag *d)
{
	struct checkpoint cp;
	char a[65], b[65];
	int rc;
	evset_checkpoint(es, &cp);
	if (cp.count != r->cp.count) {
		rc = diag_set(
			d, ERR_CORRUPT,
			"the checkpoint counts %llu events, the set holds %llu",
			(unsigned long long)r->cp.count,
			(unsigned long long)cp.count);
		checkpoint_release(&cp);
		return rc;
	}
	if (memcmp(cp.root, r->cp.root, MERKLE_HASH_BYTES) != 0) {
		hex_encode(r->cp.root, MERKLE_HASH_BYTES, a);
		hex_encode(cp.root, MERKLE_HASH_BYTES, b);
		checkpoint_release(&cp);
		return diag_set(
			d, ERR_CORRUPT,
			"the tree head differs: the report has %.16s, the events give %.16s",
			a, b);
	}
	checkpoint_release(&cp);
	struct period_report again = *r;
	memset(&again.figures, 0, sizeof(again.figures));
	memset(&again.sets, 0, sizeof(again.sets));
	if ((rc = period_figures(network, admin, es, &again, d))) {
		buf_release(&again.figures);
		buf_release(&again.sets);
		return rc;
	}
	char what[300];
	/* A report made before the sets holds the overview alone, and is
	 * checked for what it holds. */
	if (figures_diff(&r->figures, &again.figures, what, sizeof(what)) ||
	    (r->sets.len &&
	     sets_diff(&r->sets, &again.sets, what, sizeof(what)))) {
		buf_release(&again.figures);
		buf_release(&again.sets);
		return diag_set(
			d, ERR_CORRUPT,
			"the figures do not follow: %s (the report, then the recomputation)",
			what);
	}
	buf_release(&again.figures);
	buf_release(&again.sets);
	return 0;
}

int
period_check(struct node *n, const struct period_report *r, struct diag *d)
{
	struct evset es;
	int rc;
	if ((rc = evset_collect(node_store(n), &r->cp, &es, d)))
		return rc;
	rc = period_recompute(store_network(node_store(n)),
			      node_roster(n)->admin, &es, r, d);
	evset_release(&es);
	return rc;
}

struct period_roster {
	struct node *n;
	char *dir;
};

int
period_roster_new(const char *network, const uint8_t admin[EVENT_KEY_BYTES],
		  const struct evset *roster, struct period_roster **out,
		  struct diag *d)
{
	struct period_roster *pr = xcalloc(1, sizeof(*pr));
	struct import_tally t;
	struct first_reject rej = { 0 };
	int rc;
	if ((rc = scratch_open(network, admin, "{}", &pr->dir, &pr->n, d))) {
		free(pr);
		return rc;
	}
	store_set_max_skew(node_store(pr->n), (uint64_t)1 << 62);
	rc = store_import(node_store(pr->n), roster->bytes.data,
			  roster->bytes.len, 0, on_reject, &rej, &t, d);
	if (rc == 0 && rej.rc)
		rc = diag_set(d, rej.rc, "roster event %s is refused: %s",
			      rej.id, rej.why);
	if (rc == 0 && !node_roster(pr->n))
		rc = diag_set(d, ERR_CORRUPT, "the roster does not read");
	if (rc) {
		period_roster_free(pr);
		return rc;
	}
	*out = pr;
	return 0;
}

void
period_roster_free(struct period_roster *pr)
{
	if (!pr)
		return;
	node_close(pr->n);
	if (pr->dir)
		scratch_remove(pr->dir);
	free(pr->dir);
	free(pr);
}

const struct member *
period_roster_member(struct period_roster *pr,
		     const uint8_t key[EVENT_KEY_BYTES], uint64_t seq)
{
	const struct roster *ro = node_roster(pr->n);
	return ro ? roster_lookup(ro, key, seq) : NULL;
}

int
period_inputs(struct node *n, struct period_report *r, struct diag *d)
{
	int rc;
	free(r->config);
	r->config = xstrdup(node_config_text(n));
	if ((rc = grid_walk(n, office_add, r)) < 0 ||
	    (rc = grid_walk(n, cell_add, r)) < 0)
		return diag_set(d, rc, "cannot read the grid");
	if (r->noffices > 1)
		qsort(r->offices, r->noffices, sizeof(*r->offices), office_cmp);
	if (r->ncells > 1)
		qsort(r->cells, r->ncells, sizeof(*r->cells), cell_cmp);
	return 0;
}

/* bundle.c - audit bundles (see bundle.h, docs/audit.md §5). */
#include "node/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/merkle.h"
#include "crypto/seal.h"
#include "node/case/config.h"
#include "node/case/eval_codec.h"
#include "node/case/roster.h"
#include "node/node.h"
#include "node/period.h"
#include "node/witness.h"
#include "store/store.h"
#include "common/banned.h"

/* ---- export ---- */

static int
add_env(const uint8_t *env, size_t n, void *ctx)
{
	return evset_add(ctx, env, n, 0, NULL);
}

/* One proof: event i of the bundle is leaf `leaf` of report r's tree. */
struct proof {
	uint64_t event, report, leaf;
	size_t len;
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES];
};

struct out_bundle {
	const char *kind, *subject, *office, *network;
	const uint8_t *admin;
	const struct period_report *inputs; /* config, offices, cells */
	int cells; /* a month with no report: the cells go in the bundle */
	const struct evset *events, *roster;
	struct buf reports; /* the array's items */
	size_t nreports;
	struct proof *proofs;
	size_t nproofs;
	struct buf
		witnesses; /* the array's items: [checkpoint, countersignature] */
	size_t nwitnesses;
	struct proof *wproofs; /* .report: the witness's number */
	size_t nwproofs;
};

static void
put_set(struct buf *b, const struct evset *es)
{
	mp_put_array(b, (uint32_t)es->n);
	for (size_t i = 0; i < es->n; i++)
		mp_put_bin(b, es->bytes.data + es->e[i].off, es->e[i].len);
}

static void
put_proofs(struct buf *b, const struct proof *proofs, size_t n)
{
	mp_put_array(b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		const struct proof *p = &proofs[i];
		mp_put_array(b, 4);
		mp_put_uint(b, p->event);
		mp_put_uint(b, p->report);
		mp_put_uint(b, p->leaf);
		mp_put_array(b, (uint32_t)p->len);
		for (size_t k = 0; k < p->len; k++)
			mp_put_bin(b, p->path[k], MERKLE_HASH_BYTES);
	}
}

static void
bundle_encode(const struct out_bundle *o, struct buf *out)
{
	struct mp_map m;
	struct buf *b;
	mp_map_init(&m);
	mp_put_bin(mp_map_add(&m, "admin"), o->admin, EVENT_KEY_BYTES);
	if (o->cells)
		period_cells_put(mp_map_add(&m, "cells"), o->inputs->cells,
				 o->inputs->ncells);
	mp_put_cstr(mp_map_add(&m, "config"),
		    o->inputs->config ? o->inputs->config : "{}");
	put_set(mp_map_add(&m, "events"), o->events);
	mp_put_cstr(mp_map_add(&m, "format"), BUNDLE_FORMAT);
	mp_put_cstr(mp_map_add(&m, "kind"), o->kind);
	mp_put_cstr(mp_map_add(&m, "network"), o->network);
	if (o->office)
		mp_put_cstr(mp_map_add(&m, "office"), o->office);
	b = mp_map_add(&m, "offices");
	mp_put_array(b, (uint32_t)o->inputs->noffices);
	for (size_t i = 0; i < o->inputs->noffices; i++) {
		mp_put_array(b, 2);
		mp_put_cstr(b, o->inputs->offices[i].prefix);
		mp_put_cstr(b, o->inputs->offices[i].name);
	}
	put_proofs(mp_map_add(&m, "proofs"), o->proofs, o->nproofs);
	b = mp_map_add(&m, "reports");
	mp_put_array(b, (uint32_t)o->nreports);
	buf_add(b, o->reports.data, o->reports.len);
	put_set(mp_map_add(&m, "roster"), o->roster);
	mp_put_cstr(mp_map_add(&m, "subject"), o->subject);
	if (strcmp(o->kind, "case") == 0) {
		b = mp_map_add(&m, "witnesses");
		mp_put_array(b, (uint32_t)o->nwitnesses);
		buf_add(b, o->witnesses.data, o->witnesses.len);
		put_proofs(mp_map_add(&m, "wproofs"), o->wproofs, o->nwproofs);
	}
	mp_map_finish(&m, out);
}

static int
add_report_env(struct node *n, const struct period_report *r,
	       struct out_bundle *o, struct diag *d)
{
	struct buf env = BUF_INIT;
	int rc = store_event_get(node_store(n), r->id, &env);
	if (rc) {
		buf_release(&env);
		return diag_set(d, rc, "cannot read the report event");
	}
	mp_put_bin(&o->reports, env.data, env.len);
	o->nreports++;
	buf_release(&env);
	return 0;
}

struct months {
	char **ids;
	size_t n;
};

static int
add_period_case(const char *case_id, void *ctx)
{
	struct months *m = ctx;
	if (!period_is_record_case(case_id, strlen(case_id)))
		return 0;
	m->ids = xrealloc(m->ids, (m->n + 1) * sizeof(char *));
	m->ids[m->n++] = xstrdup(case_id);
	return 0;
}

/*
 * For a case bundle: each month's report in force whose checkpoint holds
 * some of the case's events, with the inclusion proof of each.
 */
static int
case_proofs(struct node *n, const struct evset *events, struct out_bundle *o,
	    struct diag *d)
{
	struct months ms = { NULL, 0 };
	int rc = store_walk_cases(node_store(n), add_period_case, &ms);
	if (rc)
		rc = diag_set(d, rc, "cannot list the reports");
	for (size_t k = 0; rc == 0 && k < ms.n; k++) {
		struct period p;
		struct period_report rep;
		struct evset set;
		if (period_month_parse(&node_config(n)->cal,
				       ms.ids[k] + strlen(PERIOD_CASE_PREFIX),
				       &p) ||
		    period_report_find(n, &p, &rep, NULL))
			continue;
		if (evset_collect(node_store(n), &rep.cp, &set, NULL)) {
			period_report_release(&rep);
			continue; /* this node lacks some: no proof from it */
		}
		uint8_t(*leaves)[EVENT_ID_BYTES] =
			xcalloc(set.n ? set.n : 1, EVENT_ID_BYTES);
		for (size_t i = 0; i < set.n; i++)
			memcpy(leaves[i], set.e[i].id, EVENT_ID_BYTES);
		size_t before = o->nproofs;
		for (size_t i = 0; i < events->n; i++)
			for (size_t j = 0; j < set.n; j++) {
				if (memcmp(leaves[j], events->e[i].id,
					   EVENT_ID_BYTES) != 0)
					continue;
				o->proofs = xrealloc(o->proofs,
						     (o->nproofs +
						      1) * sizeof(*o->proofs));
				struct proof *pr = &o->proofs[o->nproofs++];
				pr->event = i;
				pr->report = o->nreports;
				pr->leaf = j;
				BUG_ON(merkle_path((const uint8_t(*)
							    [MERKLE_LEAF_BYTES])
							   leaves,
						   set.n, j, pr->path,
						   &pr->len));
				break;
			}
		if (o->nproofs > before)
			rc = add_report_env(n, &rep, o, d);
		free(leaves);
		evset_release(&set);
		period_report_release(&rep);
	}
	for (size_t k = 0; k < ms.n; k++)
		free(ms.ids[k]);
	free(ms.ids);
	return rc;
}

/* A checkpoint a case bundle carries, with the leaves of its set. */
struct wit {
	struct witness_ref ref;
	uint8_t (*leaves)[EVENT_ID_BYTES];
	size_t n;
};

/*
 * For a case bundle: each event's first witness (docs/audit.md §4), the
 * countersigned checkpoint that proves it existed by the earliest
 * countersignature, with the checkpoint and that countersignature and
 * the event's inclusion proof.  A checkpoint whose events this node no
 * longer all holds gives no proof.
 */
static int
witness_proofs(struct node *n, const struct evset *events, struct out_bundle *o,
	       struct diag *d)
{
	struct witness_index *wi;
	struct wit *w = NULL;
	size_t nw = 0;
	int rc = witness_index_load(n, &wi, d);
	if (rc)
		return rc;
	for (size_t i = 0; rc == 0 && i < events->n; i++) {
		const struct evref *e = &events->e[i];
		struct witness_ref ref;
		size_t k;
		if (!witness_first_ref(wi, e->author, e->seq, e->id, &ref))
			continue;
		for (k = 0; k < nw; k++)
			if (memcmp(w[k].ref.checkpoint, ref.checkpoint,
				   EVENT_ID_BYTES) == 0)
				break;
		if (k == nw) {
			struct evset set;
			struct buf cpe = BUF_INIT, we = BUF_INIT;
			if (evset_collect(node_store(n), ref.cp, &set, NULL))
				continue;
			if (store_event_get(node_store(n), ref.checkpoint,
					    &cpe) ||
			    store_event_get(node_store(n), ref.witness, &we)) {
				buf_release(&cpe);
				buf_release(&we);
				evset_release(&set);
				continue;
			}
			w = xrealloc(w, (nw + 1) * sizeof(*w));
			w[nw].ref = ref;
			w[nw].n = set.n;
			w[nw].leaves =
				xcalloc(set.n ? set.n : 1, EVENT_ID_BYTES);
			for (size_t j = 0; j < set.n; j++)
				memcpy(w[nw].leaves[j], set.e[j].id,
				       EVENT_ID_BYTES);
			evset_release(&set);
			mp_put_array(&o->witnesses, 2);
			mp_put_bin(&o->witnesses, cpe.data, cpe.len);
			mp_put_bin(&o->witnesses, we.data, we.len);
			buf_release(&cpe);
			buf_release(&we);
			nw++;
			o->nwitnesses++;
		}
		for (size_t j = 0; j < w[k].n; j++) {
			if (memcmp(w[k].leaves[j], e->id, EVENT_ID_BYTES) != 0)
				continue;
			o->wproofs = xrealloc(o->wproofs,
					      (o->nwproofs + 1) *
						      sizeof(*o->wproofs));
			struct proof *pr = &o->wproofs[o->nwproofs++];
			pr->event = i;
			pr->report = k;
			pr->leaf = j;
			BUG_ON(merkle_path((const uint8_t(*)[MERKLE_LEAF_BYTES])
						   w[k]
							   .leaves,
					   w[k].n, j, pr->path, &pr->len));
			break;
		}
	}
	for (size_t k = 0; k < nw; k++)
		free(w[k].leaves);
	free(w);
	witness_index_free(wi);
	return rc;
}

int
bundle_export(struct node *n, const struct bundle_opts *opts, struct buf *out,
	      struct diag *d)
{
	struct out_bundle o;
	struct evset events, roster;
	struct period_report rep;
	int rc, has_report = 0;

	memset(&o, 0, sizeof(o));
	memset(&events, 0, sizeof(events));
	memset(&roster, 0, sizeof(roster));
	memset(&rep, 0, sizeof(rep));
	o.network = store_network(node_store(n));
	o.admin = node_roster(n) ? node_roster(n)->admin : NULL;
	if (!o.admin)
		return diag_set(d, ERR_CORRUPT, "the roster does not read");
	if ((rc = store_walk_case(node_store(n), ROSTER_CASE, add_env,
				  &roster)) ||
	    (rc = evset_sort(&roster, d))) {
		rc = diag_set(d, rc, "cannot read the roster's events");
		goto out;
	}
	if (opts->month) {
		o.kind = "month";
		o.subject = opts->month->month;
		o.office = opts->office;
		rc = period_report_find(n, opts->month, &rep, d);
		if (rc && rc != ERR_NOTFOUND)
			goto out;
		has_report = rc == 0;
		if ((rc = evset_collect(node_store(n),
					has_report ? &rep.cp : NULL, &events,
					d)))
			goto out;
		if (has_report)
			rc = add_report_env(n, &rep, &o, d);
		else {
			/* No report to take the grid from: the bundle
			 * carries the node's cells itself. */
			rep.p = *opts->month;
			rc = period_inputs(n, &rep, d);
			o.cells = 1;
		}
		if (rc)
			goto out;
	} else {
		o.kind = "case";
		o.subject = opts->case_id;
		if ((rc = store_walk_case(node_store(n), opts->case_id, add_env,
					  &events)) ||
		    (rc = evset_sort(&events, d))) {
			rc = diag_set(d, rc, "cannot read case '%s'",
				      opts->case_id);
			goto out;
		}
		if (events.n == 0) {
			rc = diag_set(d, ERR_NOTFOUND,
				      "case '%s' has no events here",
				      opts->case_id);
			goto out;
		}
		if ((rc = period_inputs(n, &rep, d)) ||
		    (rc = case_proofs(n, &events, &o, d)) ||
		    (rc = witness_proofs(n, &events, &o, d)))
			goto out;
	}
	o.inputs = &rep;
	o.events = &events;
	o.roster = &roster;
	bundle_encode(&o, out);
out:
	free(o.proofs);
	free(o.wproofs);
	buf_release(&o.witnesses);
	buf_release(&o.reports);
	evset_release(&events);
	evset_release(&roster);
	period_report_release(&rep);
	return rc;
}

/* ---- verification ---- */

struct in_bundle {
	char kind[8], subject[EVENT_CASE_MAX + 1], office[72];
	char network[EVENT_NETWORK_MAX + 1];
	uint8_t admin[EVENT_KEY_BYTES];
	char *config;
	struct period_office *offices;
	size_t noffices;
	struct grid_cell *cells; /* only a month with no report has them */
	size_t ncells;
	int has_cells;
	struct evset events, roster;
	struct period_report *reports;
	size_t nreports;
	struct proof *proofs;
	size_t nproofs;
	struct witness_pair *wits; /* a case's witnessed checkpoints */
	size_t nwits;
	struct proof *wproofs;
	size_t nwproofs;
	struct config *cfg;
};

static void
in_release(struct in_bundle *b)
{
	free(b->config);
	free(b->offices);
	free(b->cells);
	evset_release(&b->events);
	evset_release(&b->roster);
	for (size_t i = 0; i < b->nreports; i++)
		period_report_release(&b->reports[i]);
	free(b->reports);
	free(b->proofs);
	for (size_t i = 0; i < b->nwits; i++)
		checkpoint_release(&b->wits[i].cp);
	free(b->wits);
	free(b->wproofs);
	if (b->cfg)
		config_free(b->cfg);
}

static int
shape(struct diag *d, const char *what)
{
	return diag_set(d, ERR_FORMAT, "the bundle's '%s' does not read", what);
}

static int
read_str(const struct mp_reader *m, const char *key, char *out, size_t cap,
	 int optional)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	int rc = mp_map_find(m, key, &v);
	if (rc == ERR_NOTFOUND && optional)
		return 0;
	if (rc || mp_get_str(&v, &s, &n) || n >= cap)
		return ERR_FORMAT;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Each envelope of the array key, opened (signature and all). */
static int
read_set(const struct mp_reader *m, const char *key, const char *network,
	 struct evset *es, struct diag *d)
{
	struct mp_reader v;
	uint32_t n;
	if (mp_map_find(m, key, &v) || mp_get_array(&v, &n))
		return shape(d, key);
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *p;
		size_t len, used;
		struct envelope env;
		struct event ev;
		struct diag why;
		char hex[17] = "?";
		int rc;
		if (mp_get_bin(&v, &p, &len))
			return shape(d, key);
		if ((rc = seal_open(p, len, network, &env, &ev, &used, &why)) ||
		    (used != len && (rc = ERR_TRAILING))) {
			if (envelope_read(p, len, &env, &used, NULL) == 0)
				hex_encode(env.id, 8, hex);
			return diag_set(d, rc,
					"%s #%u (%s) does not verify: %s",
					strcmp(key, "events") == 0 ? "event"
					: strcmp(key, "roster") == 0
						? "roster event"
						: "report",
					i + 1, hex,
					rc == ERR_TRAILING ? "bytes after it"
							   : why.text);
		}
		if ((rc = evset_add(es, p, len, 0, d)))
			return rc;
	}
	return 0;
}

/* The set is in canonical order, each event once. */
static int
check_order(const struct evset *es, const char *what, struct diag *d)
{
	for (size_t i = 1; i < es->n; i++) {
		const struct evref *a = &es->e[i - 1], *b = &es->e[i];
		int c = memcmp(a->author, b->author, EVENT_KEY_BYTES);
		if (c == 0)
			c = a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
		if (c == 0)
			c = memcmp(a->id, b->id, EVENT_ID_BYTES);
		if (c >= 0) {
			char hex[17];
			hex_encode(b->id, 8, hex);
			return diag_set(
				d, ERR_CORRUPT,
				"%s #%zu (%s) is out of canonical order (author, seq, id)",
				what, i + 1, hex);
		}
	}
	return 0;
}

/* The proofs under key (absent: none when optional). */
static int
read_proofs(const struct mp_reader *m, const char *key, int optional,
	    struct proof **out, size_t *nout, struct diag *d)
{
	struct mp_reader v;
	const uint8_t *bin;
	size_t len;
	uint32_t k, four;
	int rc = mp_map_find(m, key, &v);
	if (rc == ERR_NOTFOUND && optional)
		return 0;
	if (rc || mp_get_array(&v, &k))
		return shape(d, key);
	*out = xcalloc(k ? k : 1, sizeof(**out));
	for (uint32_t i = 0; i < k; i++) {
		struct proof *pr = &(*out)[(*nout)++];
		uint32_t np;
		if (mp_get_array(&v, &four) || four != 4 ||
		    mp_get_uint(&v, &pr->event) ||
		    mp_get_uint(&v, &pr->report) ||
		    mp_get_uint(&v, &pr->leaf) || mp_get_array(&v, &np) ||
		    np > MERKLE_MAX_PATH)
			return shape(d, key);
		for (uint32_t j = 0; j < np; j++) {
			if (mp_get_bin(&v, &bin, &len) ||
			    len != MERKLE_HASH_BYTES)
				return shape(d, key);
			memcpy(pr->path[j], bin, len);
		}
		pr->len = np;
	}
	return 0;
}

/*
 * A case bundle's witnesses: [checkpoint, countersignature] envelope
 * pairs, each signature checked against network and the pair matched.
 */
static int
read_witnesses(const struct mp_reader *m, const char *network,
	       struct in_bundle *b, struct diag *d)
{
	struct mp_reader v;
	uint32_t k, two;
	int rc = mp_map_find(m, "witnesses", &v);
	if (rc == ERR_NOTFOUND)
		return 0;
	if (rc || mp_get_array(&v, &k))
		return shape(d, "witnesses");
	b->wits = xcalloc(k ? k : 1, sizeof(*b->wits));
	for (uint32_t i = 0; i < k; i++) {
		const uint8_t *p[2];
		size_t len[2], used;
		struct envelope env;
		struct event ev;
		struct diag why;
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_bin(&v, &p[0], &len[0]) ||
		    mp_get_bin(&v, &p[1], &len[1]))
			return shape(d, "witnesses");
		for (int j = 0; j < 2; j++)
			if ((rc = seal_open(p[j], len[j], network, &env, &ev,
					    &used, &why)) ||
			    (used != len[j] && (rc = ERR_TRAILING)))
				return diag_set(
					d, rc,
					"the %s of witness #%u does not verify: %s",
					j ? "countersignature" : "checkpoint",
					i + 1,
					rc == ERR_TRAILING ? "bytes after it"
							   : why.text);
		if ((rc = witness_pair_read(p[0], len[0], p[1], len[1],
					    &b->wits[b->nwits], &why)))
			return diag_set(d, rc, "witness #%u: %s", i + 1,
					why.text);
		b->nwits++;
	}
	return 0;
}

static int
in_decode(const uint8_t *p, size_t n, struct in_bundle *b, struct diag *d)
{
	struct mp_reader m, v;
	const uint8_t *bin;
	const char *s;
	size_t len;
	uint32_t k, two;
	char format[32];
	int rc;
	mp_reader_init(&m, p, n, NULL);
	if (mp_check(p, n, NULL) || !mp_is_map(p, n))
		return diag_set(d, ERR_FORMAT,
				"the file is not one canonical msgpack map");
	if (read_str(&m, "format", format, sizeof(format), 0))
		return shape(d, "format");
	if (strcmp(format, BUNDLE_FORMAT) != 0)
		return diag_set(d, ERR_VERSION,
				"the bundle is '%s', this reader knows '%s'",
				format, BUNDLE_FORMAT);
	if (read_str(&m, "kind", b->kind, sizeof(b->kind), 0) ||
	    (strcmp(b->kind, "month") != 0 && strcmp(b->kind, "case") != 0))
		return shape(d, "kind");
	if (read_str(&m, "subject", b->subject, sizeof(b->subject), 0))
		return shape(d, "subject");
	if (read_str(&m, "office", b->office, sizeof(b->office), 1))
		return shape(d, "office");
	if (read_str(&m, "network", b->network, sizeof(b->network), 0))
		return shape(d, "network");
	if (mp_map_find(&m, "admin", &v) || mp_get_bin(&v, &bin, &len) ||
	    len != EVENT_KEY_BYTES)
		return shape(d, "admin");
	memcpy(b->admin, bin, len);
	if (mp_map_find(&m, "config", &v) || mp_get_str(&v, &s, &len))
		return shape(d, "config");
	b->config = xstrndup(s, len);
	if ((rc = config_parse(b->config, "the bundle's config", &b->cfg, d)))
		return rc;
	if (mp_map_find(&m, "offices", &v) || mp_get_array(&v, &k))
		return shape(d, "offices");
	b->offices = xcalloc(k ? k : 1, sizeof(*b->offices));
	for (uint32_t i = 0; i < k; i++) {
		struct period_office *o = &b->offices[b->noffices++];
		const char *x, *y;
		size_t xn, yn;
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_str(&v, &x, &xn) || xn >= sizeof(o->prefix) ||
		    mp_get_str(&v, &y, &yn) || yn >= sizeof(o->name))
			return shape(d, "offices");
		memcpy(o->prefix, x, xn);
		memcpy(o->name, y, yn);
	}
	rc = mp_map_find(&m, "cells", &v);
	if (rc == 0) {
		if (strcmp(b->kind, "month") != 0 ||
		    period_cells_get(&v, &b->cells, &b->ncells))
			return shape(d, "cells");
		b->has_cells = 1;
	} else if (rc != ERR_NOTFOUND)
		return shape(d, "cells");
	if ((rc = read_set(&m, "roster", b->network, &b->roster, d)) ||
	    (rc = check_order(&b->roster, "roster event", d)))
		return rc;
	if ((rc = read_set(&m, "events", b->network, &b->events, d)) ||
	    (rc = check_order(&b->events, "event", d)))
		return rc;
	struct evset reps;
	memset(&reps, 0, sizeof(reps));
	rc = read_set(&m, "reports", b->network, &reps, d);
	for (size_t i = 0; rc == 0 && i < reps.n; i++) {
		b->reports = xrealloc(b->reports,
				      (b->nreports + 1) * sizeof(*b->reports));
		rc = period_report_read(reps.bytes.data + reps.e[i].off,
					reps.e[i].len, &b->reports[b->nreports],
					d);
		if (rc == 0)
			b->nreports++;
	}
	evset_release(&reps);
	if (rc)
		return rc;
	if ((rc = read_proofs(&m, "proofs", 0, &b->proofs, &b->nproofs, d)))
		return rc;
	for (size_t i = 0; i < b->nproofs; i++)
		if (b->proofs[i].event >= b->events.n ||
		    b->proofs[i].report >= b->nreports)
			return diag_set(
				d, ERR_FORMAT,
				"proof #%zu names an event or report the bundle lacks",
				i + 1);
	if ((rc = read_witnesses(&m, b->network, b, d)) ||
	    (rc = read_proofs(&m, "wproofs", 1, &b->wproofs, &b->nwproofs, d)))
		return rc;
	for (size_t i = 0; i < b->nwproofs; i++)
		if (b->wproofs[i].event >= b->events.n ||
		    b->wproofs[i].report >= b->nwits)
			return diag_set(
				d, ERR_FORMAT,
				"witness proof #%zu names an event or witness the bundle lacks",
				i + 1);
	return 0;
}

/* Each report was signed by a shift lead (or an admin) of the roster. */
static int
check_signers(struct in_bundle *b, struct period_roster *pr, struct buf *text,
	      struct diag *d)
{
	int offset = b->cfg->cal.utc_offset_min;
	for (size_t i = 0; i < b->nreports; i++) {
		const struct period_report *r = &b->reports[i];
		const struct member *m =
			period_roster_member(pr, r->author, r->seq);
		char hex[17], at[CLOCK_ISO_BYTES];
		hex_encode(r->id, 8, hex);
		if (!m || !(m->roles & (ROLE_SHIFT_LEAD | ROLE_ADMIN))) {
			char who[17];
			hex_encode(r->author, 8, who);
			return diag_set(
				d, ERR_DENIED,
				"report %s of %s: its signer %s is %s at its seq %llu",
				hex, r->p.month, who,
				m ? "no shift lead"
				  : "not in the roster (unknown, or revoked before)",
				(unsigned long long)r->seq);
		}
		clock_format_local(r->time_ms, offset, at);
		buf_printf(text, "report %s of %s signed %s by %s (%s)\n", hex,
			   r->p.month, at, m->name, m->unit);
	}
	return 0;
}

/*
 * Rows of one grouping (or indicator set) as "[label ]group: name=value
 * ...", only office's if set.
 */
static void
print_rows(const struct buf *figures, const char *grouping, const char *label,
	   const char *office, struct buf *text)
{
	struct mp_reader m, g, cols, rows;
	const char *names[EVAL_CODEC_MAX_COLUMNS];
	size_t lens[EVAL_CODEC_MAX_COLUMNS];
	uint32_t nc, nr, cells;
	mp_reader_init(&m, figures->data, figures->len, NULL);
	if (mp_map_find(&m, grouping, &g) ||
	    mp_map_find(&g, "columns", &cols) || mp_get_array(&cols, &nc) ||
	    nc == 0 || nc > EVAL_CODEC_MAX_COLUMNS)
		return;
	for (uint32_t c = 0; c < nc; c++)
		if (mp_get_str(&cols, &names[c], &lens[c]))
			return;
	if (mp_map_find(&g, "rows", &rows) || mp_get_array(&rows, &nr))
		return;
	for (uint32_t i = 0; i < nr; i++) {
		struct mp_reader row = rows;
		const uint8_t *start;
		size_t len;
		const char *s;
		size_t n;
		if (mp_get_value(&rows, &start, &len) ||
		    mp_get_array(&row, &cells) || cells != nc ||
		    mp_get_str(&row, &s, &n))
			return;
		if (office &&
		    (strlen(office) != n || memcmp(office, s, n) != 0))
			continue;
		buf_printf(text, "%s%s%.*s:", label ? label : "",
			   label ? " " : "", (int)n, s);
		for (uint32_t c = 1; c < nc; c++) {
			const char *str;
			size_t sn;
			uint64_t u;
			enum mp_type t;
			if (mp_peek(&row, &t))
				return;
			if (t == MP_NIL) {
				if (mp_get_nil(&row))
					return;
				buf_printf(text, " %.*s=-", (int)lens[c],
					   names[c]);
			} else if (t == MP_STR) {
				if (mp_get_str(&row, &str, &sn))
					return;
				buf_printf(text, " %.*s=%.*s", (int)lens[c],
					   names[c], (int)sn, str);
			} else {
				if (mp_get_uint(&row, &u))
					return;
				buf_printf(text, " %.*s=%llu", (int)lens[c],
					   names[c], (unsigned long long)u);
			}
		}
		buf_add_str(text, "\n");
	}
}

/* The indicator sets whose rows the grid's cells name (docs/audit.md §5). */
static const char *const regions[] = { "grid", "community", "street" };

static int
verify_month(struct in_bundle *b, struct buf *text, struct diag *d)
{
	struct period p;
	struct period_report own;
	int rc;
	if (period_month_parse(&b->cfg->cal, b->subject, &p))
		return shape(d, "subject");
	if (b->nreports > 1)
		return diag_set(d, ERR_FORMAT,
				"a month bundle holds one report, not %zu",
				b->nreports);
	char root[65];
	if (b->nreports == 1) {
		struct period_report *r = &b->reports[0];
		if (strcmp(r->p.month, p.month) != 0)
			return diag_set(d, ERR_CORRUPT,
					"the report is of %s, the bundle of %s",
					r->p.month, p.month);
		if (strcmp(r->config ? r->config : "", b->config) != 0)
			return diag_set(d, ERR_CORRUPT,
					"the bundle's config is not the report's");
		if (b->has_cells)
			return diag_set(
				d, ERR_FORMAT,
				"the bundle holds 'cells' and a report: a closed month's cells are the report's");
		/* The report says which events are extras (fork versions,
		 * evidence): they are replayed after the feeds. */
		for (size_t i = 0; i < b->events.n; i++)
			for (size_t k = 0; k < r->cp.nextras; k++)
				if (memcmp(b->events.e[i].id, r->cp.extras[k],
					   EVENT_ID_BYTES) == 0)
					b->events.e[i].extra = 1;
		if ((rc = period_recompute(b->network, b->admin, &b->events, r,
					   d)))
			return rc;
		hex_encode(r->cp.root, MERKLE_HASH_BYTES, root);
		buf_printf(text,
			   "checkpoint: %llu events, tree head %s: the bundle's events give the same\n",
			   (unsigned long long)r->cp.count, root);
		buf_printf(text,
			   "figures of %s recomputed from the events: the same as the report's, byte for byte\n",
			   p.month);
		print_rows(&r->figures, "office", NULL,
			   b->office[0] ? b->office : NULL, text);
		return 0;
	}
	/* No report: the figures are recomputed, nothing to compare; the
	 * region sets name their rows from the bundle's own cells. */
	if (!b->has_cells)
		return shape(d, "cells");
	memset(&own, 0, sizeof(own));
	own.p = p;
	own.config = b->config;
	own.offices = b->offices;
	own.noffices = b->noffices;
	own.cells = b->cells;
	own.ncells = b->ncells;
	if ((rc = period_figures(b->network, b->admin, &b->events, &own, d))) {
		buf_release(&own.figures);
		buf_release(&own.sets);
		return rc;
	}
	struct checkpoint cp;
	evset_checkpoint(&b->events, &cp);
	hex_encode(cp.root, MERKLE_HASH_BYTES, root);
	buf_printf(text, "%s is not closed: no report to compare with\n",
		   p.month);
	buf_printf(text,
		   "checkpoint of the bundle: %llu events, tree head %s\n",
		   (unsigned long long)cp.count, root);
	checkpoint_release(&cp);
	buf_printf(text, "figures of %s recomputed from the events:\n",
		   p.month);
	print_rows(&own.figures, "office", NULL,
		   b->office[0] ? b->office : NULL, text);
	buf_printf(text,
		   "region sets of %s recomputed with the bundle's %zu cells:\n",
		   p.month, b->ncells);
	for (size_t i = 0; i < sizeof(regions) / sizeof(regions[0]); i++)
		print_rows(&own.sets, regions[i], regions[i], NULL, text);
	buf_release(&own.figures);
	buf_release(&own.sets);
	return 0;
}

struct line {
	uint64_t lamport, time_ms;
	size_t i;
};

static int
line_cmp(const void *a, const void *b)
{
	const struct line *x = a, *y = b;
	if (x->lamport != y->lamport)
		return x->lamport < y->lamport ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

static int
has_id(const struct evset *es, const uint8_t id[EVENT_ID_BYTES])
{
	for (size_t i = 0; i < es->n; i++)
		if (memcmp(es->e[i].id, id, EVENT_ID_BYTES) == 0)
			return 1;
	return 0;
}

static int
verify_case(struct in_bundle *b, struct period_roster *pr, struct buf *text,
	    struct diag *d)
{
	int offset = b->cfg->cal.utc_offset_min;
	struct line *lines =
		xcalloc(b->events.n ? b->events.n : 1, sizeof(*lines));
	uint64_t *witness =
		xcalloc(b->events.n ? b->events.n : 1, sizeof(*witness));
	char(*wlabel)[160] =
		xcalloc(b->events.n ? b->events.n : 1, sizeof(*wlabel));
	int rc = 0;
	/* Every proof holds against its report's signed tree head. */
	for (size_t i = 0; i < b->nproofs; i++) {
		const struct proof *p = &b->proofs[i];
		const struct period_report *r = &b->reports[p->report];
		if (merkle_path_verify(b->events.e[p->event].id, p->leaf,
				       r->cp.count,
				       (const uint8_t(*)[MERKLE_HASH_BYTES])
					       p->path,
				       p->len, r->cp.root)) {
			char hex[17];
			hex_encode(b->events.e[p->event].id, 8, hex);
			rc = diag_set(
				d, ERR_CORRUPT,
				"the proof that event #%llu (%s) is in the checkpoint of the report of %s does not hold",
				(unsigned long long)p->event + 1, hex,
				r->p.month);
			goto out;
		}
		if (!witness[p->event] || r->time_ms < witness[p->event]) {
			witness[p->event] = r->time_ms;
			snprintf(wlabel[p->event], sizeof(wlabel[0]),
				 " in report %s", r->p.month);
		}
	}
	/* Each witnessed checkpoint: signed by a member, countersigned by
	 * another (docs/audit.md §4), and every proof holds against it. */
	for (size_t i = 0; i < b->nwits; i++) {
		const struct witness_pair *w = &b->wits[i];
		const struct member *a =
			period_roster_member(pr, w->cp_author, w->cp_seq);
		const struct member *c =
			period_roster_member(pr, w->w_author, w->w_seq);
		if (!a || !c ||
		    memcmp(w->cp_author, w->w_author, EVENT_KEY_BYTES) == 0) {
			char who[17];
			hex_encode(a && c ? w->w_author
				   : !a   ? w->cp_author
					  : w->w_author,
				   8, who);
			rc = diag_set(
				d, ERR_DENIED, "witness #%zu: %s %s %s", i + 1,
				!a ? "the checkpoint's signer"
				   : "its countersigner",
				who,
				a && c ? "is the checkpoint's own signer"
				       : "is not in the roster at its seq (unknown, or revoked before)");
			goto out;
		}
	}
	for (size_t i = 0; i < b->nwproofs; i++) {
		const struct proof *p = &b->wproofs[i];
		const struct witness_pair *w = &b->wits[p->report];
		if (merkle_path_verify(b->events.e[p->event].id, p->leaf,
				       w->cp.count,
				       (const uint8_t(*)[MERKLE_HASH_BYTES])
					       p->path,
				       p->len, w->cp.root)) {
			char hex[17];
			hex_encode(b->events.e[p->event].id, 8, hex);
			rc = diag_set(
				d, ERR_CORRUPT,
				"the proof that event #%llu (%s) is in witnessed checkpoint #%llu does not hold",
				(unsigned long long)p->event + 1, hex,
				(unsigned long long)p->report + 1);
			goto out;
		}
		if (!witness[p->event] || w->w_time_ms < witness[p->event]) {
			const struct member *c =
				period_roster_member(pr, w->w_author, w->w_seq);
			char cp[17];
			hex_encode(w->cp_id, 8, cp);
			witness[p->event] = w->w_time_ms;
			snprintf(wlabel[p->event], sizeof(wlabel[0]),
				 " by checkpoint %s, countersigned by %s", cp,
				 c ? c->name : "?");
		}
	}
	for (size_t i = 0; i < b->events.n; i++) {
		const struct evref *e = &b->events.e[i];
		struct envelope env;
		struct event ev;
		size_t used;
		char hex[17];
		hex_encode(e->id, 8, hex);
		BUG_ON(envelope_read(b->events.bytes.data + e->off, e->len,
				     &env, &used, NULL) ||
		       event_decode(env.event, env.event_len, &ev, NULL));
		if (ev.case_len != strlen(b->subject) ||
		    memcmp(ev.case_id, b->subject, ev.case_len) != 0) {
			rc = diag_set(d, ERR_CORRUPT,
				      "event #%zu (%s) is of case '%.*s', not '%s'",
				      i + 1, hex, (int)ev.case_len, ev.case_id,
				      b->subject);
			goto out;
		}
		for (size_t k = 0; k < ev.ndeps; k++)
			if (!has_id(&b->events, ev.deps[k]) &&
			    !has_id(&b->roster, ev.deps[k])) {
				char dh[17];
				hex_encode(ev.deps[k], 8, dh);
				rc = diag_set(
					d, ERR_CORRUPT,
					"event #%zu (%s) depends on %s, which the bundle lacks",
					i + 1, hex, dh);
				goto out;
			}
		if (!period_roster_member(pr, ev.author, ev.seq)) {
			char who[17];
			hex_encode(ev.author, 8, who);
			rc = diag_set(
				d, ERR_DENIED,
				"event #%zu (%s): its author %s is not in the roster at its seq %llu (unknown, or revoked before)",
				i + 1, hex, who, (unsigned long long)ev.seq);
			goto out;
		}
		lines[i].lamport = ev.lamport;
		lines[i].time_ms = ev.time_ms;
		lines[i].i = i;
	}
	qsort(lines, b->events.n, sizeof(*lines), line_cmp);
	buf_printf(text,
		   "case %s: %zu events, every signature, author and dependency checked\n",
		   b->subject, b->events.n);
	buf_printf(text, "%-16s  %-16s  %-20s  %-16s  %s\n", "CLAIMED",
		   "WITNESSED", "TYPE", "BY", "EVENT");
	for (size_t k = 0; k < b->events.n; k++) {
		size_t i = lines[k].i;
		const struct evref *e = &b->events.e[i];
		struct envelope env;
		struct event ev;
		size_t used;
		char at[CLOCK_ISO_BYTES], wat[CLOCK_ISO_BYTES], hex[17];
		BUG_ON(envelope_read(b->events.bytes.data + e->off, e->len,
				     &env, &used, NULL) ||
		       event_decode(env.event, env.event_len, &ev, NULL));
		const struct member *m =
			period_roster_member(pr, ev.author, ev.seq);
		clock_format_local(ev.time_ms, offset, at);
		if (witness[i])
			clock_format_local(witness[i], offset, wat);
		else
			snprintf(wat, sizeof(wat), "-");
		hex_encode(e->id, 8, hex);
		buf_printf(text, "%-16s  %-16s  %-20.*s  %-16s  %s%s\n", at,
			   wat, (int)ev.type_len, ev.type, m ? m->name : "?",
			   hex, wlabel[i]);
	}
out:
	free(lines);
	free(witness);
	free(wlabel);
	return rc;
}

int
bundle_verify(const uint8_t *p, size_t n, const uint8_t *admin,
	      struct buf *text, struct diag *d)
{
	struct in_bundle b;
	struct period_roster *pr = NULL;
	char hex[65];
	int rc;
	memset(&b, 0, sizeof(b));
	if ((rc = in_decode(p, n, &b, d)))
		goto out;
	hex_encode(b.admin, EVENT_KEY_BYTES, hex);
	if (admin && memcmp(admin, b.admin, EVENT_KEY_BYTES) != 0) {
		rc = diag_set(
			d, ERR_DENIED,
			"the bundle's district admin is %.16s, not the key given",
			hex);
		goto out;
	}
	buf_printf(text, "bundle of %s %s, network %s, admin %s%s\n", b.kind,
		   b.subject, b.network, hex,
		   admin ? " (the key given)"
			 : " (taken from the bundle: give --admin to pin it)");
	if ((rc = period_roster_new(b.network, b.admin, &b.roster, &pr, d)) ||
	    (rc = check_signers(&b, pr, text, d)))
		goto out;
	if (strcmp(b.kind, "month") == 0)
		rc = verify_month(&b, text, d);
	else
		rc = verify_case(&b, pr, text, d);
out:
	period_roster_free(pr);
	in_release(&b);
	return rc;
}

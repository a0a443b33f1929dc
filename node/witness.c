/* witness.c - checkpoints and their countersignatures (see witness.h). */
#include "node/witness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/case/roster.h"
#include "node/node.h"
#include "node/period.h"
#include "store/store.h"
#include "common/banned.h"

static void
day_case(uint64_t ms, char out[EVENT_CASE_MAX + 1])
{
	int y, m, d;
	clock_civil_from_days((int64_t)(ms / 86400000), &y, &m, &d);
	snprintf(out, EVENT_CASE_MAX + 1, "%s%04d%02d%02d", WITNESS_CASE_PREFIX,
		 y % 10000, m % 100, d % 100);
}

static int
append(struct node *n, uint64_t now, const char *type, const struct buf *body,
       struct diag *d)
{
	char case_id[EVENT_CASE_MAX + 1];
	day_case(now, case_id);
	struct append_req req = { case_id, type, body->data, body->len,
				  0,       NULL, now };
	return store_append(node_store(n), node_key(n), &req, NULL, d);
}

/* The checkpoint map of period.c's report body, alone. */
static void
encode_checkpoint(const struct checkpoint *cp, struct buf *out)
{
	struct period_report r;
	struct buf body = BUF_INIT;
	struct mp_reader m, v;
	const uint8_t *p;
	size_t n;
	memset(&r, 0, sizeof(r));
	r.cp = *cp;
	period_report_encode(&r, &body);
	mp_reader_init(&m, body.data, body.len, NULL);
	BUG_ON(mp_map_find(&m, "checkpoint", &v) || mp_get_value(&v, &p, &n));
	struct mp_map top;
	mp_map_init(&top);
	buf_add(mp_map_add(&top, "checkpoint"), p, n);
	mp_map_finish(&top, out);
	buf_release(&body);
}

int
witness_checkpoint(struct node *n, uint64_t now_ms, struct diag *d)
{
	struct evset es;
	struct checkpoint cp;
	struct buf body = BUF_INIT;
	int rc;
	if ((rc = evset_collect(node_store(n), NULL, &es, d)))
		return rc;
	evset_checkpoint(&es, &cp);
	encode_checkpoint(&cp, &body);
	rc = append(n, now_ms, WITNESS_CHECKPOINT_TYPE, &body, d);
	buf_release(&body);
	checkpoint_release(&cp);
	evset_release(&es);
	return rc;
}

/* One checkpoint or countersignature read from the record cases. */
struct rec {
	uint8_t id[EVENT_ID_BYTES], author[EVENT_KEY_BYTES];
	uint64_t seq, time_ms;
	int is_checkpoint;
	struct checkpoint cp;          /* a checkpoint */
	uint8_t names[EVENT_ID_BYTES]; /* a countersignature: its checkpoint */
};

struct recs {
	struct rec *r;
	size_t n;
};

static void
recs_release(struct recs *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		checkpoint_release(&rs->r[i].cp);
	free(rs->r);
	memset(rs, 0, sizeof(*rs));
}

/* Reads the checkpoint map of a body through period.c's decoder. */
static int
decode_checkpoint_body(const uint8_t *p, size_t n, struct checkpoint *cp)
{
	struct mp_reader m, v;
	const uint8_t *cpv;
	size_t cpn;
	struct buf fake = BUF_INIT;
	struct period_report r;
	mp_reader_init(&m, p, n, NULL);
	if (mp_map_find(&m, "checkpoint", &v) || mp_get_value(&v, &cpv, &cpn))
		return ERR_FORMAT;
	/* A report body holding only what the decoder needs. */
	struct mp_map b;
	mp_map_init(&b);
	buf_add(mp_map_add(&b, "checkpoint"), cpv, cpn);
	mp_put_cstr(mp_map_add(&b, "config"), "");
	mp_put_map(mp_map_add(&b, "figures"), 0);
	mp_put_uint(mp_map_add(&b, "from"), 0);
	mp_put_cstr(mp_map_add(&b, "month"), "");
	mp_put_array(mp_map_add(&b, "offices"), 0);
	mp_put_uint(mp_map_add(&b, "to"), 0);
	mp_map_finish(&b, &fake);
	int rc = period_report_decode(fake.data, fake.len, &r, NULL);
	buf_release(&fake);
	if (rc)
		return rc;
	*cp = r.cp;
	memset(&r.cp, 0, sizeof(r.cp));
	period_report_release(&r);
	return 0;
}

static int
read_rec(const uint8_t *env, size_t len, void *ctx)
{
	struct recs *rs = ctx;
	struct envelope e;
	struct event ev;
	size_t used;
	struct rec r;
	memset(&r, 0, sizeof(r));
	if (envelope_read(env, len, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL))
		return 0;
	memcpy(r.id, e.id, EVENT_ID_BYTES);
	memcpy(r.author, ev.author, EVENT_KEY_BYTES);
	r.seq = ev.seq;
	r.time_ms = ev.time_ms;
	if (ev.type_len == strlen(WITNESS_CHECKPOINT_TYPE) &&
	    memcmp(ev.type, WITNESS_CHECKPOINT_TYPE, ev.type_len) == 0) {
		if (decode_checkpoint_body(ev.body, ev.body_len, &r.cp))
			return 0;
		r.is_checkpoint = 1;
	} else if (ev.type_len == strlen(WITNESS_COUNTERSIGN_TYPE) &&
		   memcmp(ev.type, WITNESS_COUNTERSIGN_TYPE, ev.type_len) ==
			   0) {
		struct mp_reader m, v;
		const uint8_t *p;
		size_t n;
		mp_reader_init(&m, ev.body, ev.body_len, NULL);
		if (mp_map_find(&m, "checkpoint", &v) ||
		    mp_get_bin(&v, &p, &n) || n != EVENT_ID_BYTES)
			return 0;
		memcpy(r.names, p, n);
	} else {
		return 0;
	}
	rs->r = xrealloc(rs->r, (rs->n + 1) * sizeof(*rs->r));
	rs->r[rs->n++] = r;
	return 0;
}

static int
read_day(struct node *n, uint64_t ms, struct recs *rs)
{
	char case_id[EVENT_CASE_MAX + 1];
	day_case(ms, case_id);
	return store_walk_case(node_store(n), case_id, read_rec, rs);
}

int
witness_countersign(struct node *n, uint64_t now_ms, size_t *count,
		    struct diag *d)
{
	struct recs rs = { NULL, 0 };
	const uint8_t *me = key_public(node_key(n));
	size_t done = 0;
	int rc;
	if ((rc = read_day(n, now_ms - 86400000, &rs)) ||
	    (rc = read_day(n, now_ms, &rs))) {
		recs_release(&rs);
		return diag_set(d, rc, "cannot read the checkpoints");
	}
	for (size_t i = 0; i < rs.n; i++) {
		struct rec *c = &rs.r[i];
		if (!c->is_checkpoint ||
		    memcmp(c->author, me, EVENT_KEY_BYTES) == 0)
			continue;
		int mine = 0;
		for (size_t k = 0; k < rs.n && !mine; k++)
			mine = !rs.r[k].is_checkpoint &&
			       memcmp(rs.r[k].author, me, EVENT_KEY_BYTES) ==
				       0 &&
			       memcmp(rs.r[k].names, c->id, EVENT_ID_BYTES) ==
				       0;
		if (mine)
			continue;
		struct evset es;
		if (evset_collect(node_store(n), &c->cp, &es, NULL))
			continue; /* not all here yet: later */
		struct checkpoint again;
		evset_checkpoint(&es, &again);
		int same = again.count == c->cp.count &&
			   memcmp(again.root, c->cp.root, MERKLE_HASH_BYTES) ==
				   0;
		checkpoint_release(&again);
		evset_release(&es);
		if (!same)
			continue; /* a checkpoint that does not hold: never signed */
		struct mp_map m;
		struct buf body = BUF_INIT;
		mp_map_init(&m);
		mp_put_bin(mp_map_add(&m, "checkpoint"), c->id, EVENT_ID_BYTES);
		mp_put_uint(mp_map_add(&m, "count"), c->cp.count);
		mp_put_bin(mp_map_add(&m, "root"), c->cp.root,
			   MERKLE_HASH_BYTES);
		mp_map_finish(&m, &body);
		rc = append(n, now_ms, WITNESS_COUNTERSIGN_TYPE, &body, d);
		buf_release(&body);
		if (rc)
			break;
		done++;
	}
	recs_release(&rs);
	if (count)
		*count = done;
	return rc;
}

struct witnessed {
	struct checkpoint cp;
	uint64_t at;
	uint8_t id[EVENT_ID_BYTES];  /* the checkpoint event */
	uint8_t wit[EVENT_ID_BYTES]; /* its earliest countersignature */
};

struct witness_index {
	struct witnessed *w;
	size_t n;
};

struct day_list {
	char **ids;
	size_t n;
};

static int
add_day(const char *case_id, void *ctx)
{
	struct day_list *dl = ctx;
	if (strncmp(case_id, WITNESS_CASE_PREFIX,
		    strlen(WITNESS_CASE_PREFIX)) != 0)
		return 0;
	dl->ids = xrealloc(dl->ids, (dl->n + 1) * sizeof(char *));
	dl->ids[dl->n++] = xstrdup(case_id);
	return 0;
}

int
witness_index_load(struct node *n, struct witness_index **out, struct diag *d)
{
	struct day_list dl = { NULL, 0 };
	struct recs rs = { NULL, 0 };
	const struct roster *ro = node_roster(n);
	int rc = store_walk_cases(node_store(n), add_day, &dl);
	for (size_t i = 0; rc == 0 && i < dl.n; i++)
		rc = store_walk_case(node_store(n), dl.ids[i], read_rec, &rs);
	for (size_t i = 0; i < dl.n; i++)
		free(dl.ids[i]);
	free(dl.ids);
	if (rc) {
		recs_release(&rs);
		return diag_set(d, rc, "cannot read the checkpoints");
	}
	struct witness_index *wi = xcalloc(1, sizeof(*wi));
	for (size_t i = 0; i < rs.n; i++) {
		struct rec *c = &rs.r[i];
		uint64_t at = 0;
		const uint8_t *wit = NULL;
		if (!c->is_checkpoint || !ro ||
		    !roster_lookup(ro, c->author, c->seq))
			continue;
		for (size_t k = 0; k < rs.n; k++) {
			const struct rec *w = &rs.r[k];
			if (w->is_checkpoint ||
			    memcmp(w->names, c->id, EVENT_ID_BYTES) != 0 ||
			    memcmp(w->author, c->author, EVENT_KEY_BYTES) ==
				    0 ||
			    !roster_lookup(ro, w->author, w->seq))
				continue;
			if (!at || w->time_ms < at) {
				at = w->time_ms;
				wit = w->id;
			}
		}
		if (!at)
			continue;
		wi->w = xrealloc(wi->w, (wi->n + 1) * sizeof(*wi->w));
		wi->w[wi->n].cp = c->cp;
		wi->w[wi->n].at = at;
		memcpy(wi->w[wi->n].id, c->id, EVENT_ID_BYTES);
		memcpy(wi->w[wi->n].wit, wit, EVENT_ID_BYTES);
		memset(&c->cp, 0, sizeof(c->cp));
		wi->n++;
	}
	recs_release(&rs);
	*out = wi;
	return 0;
}

void
witness_index_free(struct witness_index *wi)
{
	if (!wi)
		return;
	for (size_t i = 0; i < wi->n; i++)
		checkpoint_release(&wi->w[i].cp);
	free(wi->w);
	free(wi);
}

static int
holds(const struct checkpoint *cp, const uint8_t author[EVENT_KEY_BYTES],
      uint64_t seq, const uint8_t id[EVENT_ID_BYTES])
{
	for (size_t i = 0; i < cp->nfeeds; i++)
		if (memcmp(cp->feeds[i].author, author, EVENT_KEY_BYTES) == 0 &&
		    seq <= cp->feeds[i].seq)
			return 1;
	for (size_t i = 0; i < cp->nextras; i++)
		if (memcmp(cp->extras[i], id, EVENT_ID_BYTES) == 0)
			return 1;
	return 0;
}

uint64_t
witness_first(const struct witness_index *wi,
	      const uint8_t author[EVENT_KEY_BYTES], uint64_t seq,
	      const uint8_t id[EVENT_ID_BYTES])
{
	return witness_first_ref(wi, author, seq, id, NULL);
}

uint64_t
witness_first_ref(const struct witness_index *wi,
		  const uint8_t author[EVENT_KEY_BYTES], uint64_t seq,
		  const uint8_t id[EVENT_ID_BYTES], struct witness_ref *ref)
{
	uint64_t first = 0;
	for (size_t i = 0; i < wi->n; i++)
		if ((!first || wi->w[i].at < first) &&
		    holds(&wi->w[i].cp, author, seq, id)) {
			first = wi->w[i].at;
			if (ref) {
				memcpy(ref->checkpoint, wi->w[i].id,
				       EVENT_ID_BYTES);
				memcpy(ref->witness, wi->w[i].wit,
				       EVENT_ID_BYTES);
				ref->cp = &wi->w[i].cp;
			}
		}
	return first;
}

int
witness_pair_read(const uint8_t *cp_env, size_t cn, const uint8_t *w_env,
		  size_t wn, struct witness_pair *out, struct diag *d)
{
	struct envelope e;
	struct event ev;
	size_t used;
	struct mp_reader m, v;
	const uint8_t *p;
	size_t n;
	uint64_t count;
	memset(out, 0, sizeof(*out));
	if (envelope_read(cp_env, cn, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL) ||
	    ev.type_len != strlen(WITNESS_CHECKPOINT_TYPE) ||
	    memcmp(ev.type, WITNESS_CHECKPOINT_TYPE, ev.type_len) != 0 ||
	    ev.case_len < strlen(WITNESS_CASE_PREFIX) ||
	    memcmp(ev.case_id, WITNESS_CASE_PREFIX,
		   strlen(WITNESS_CASE_PREFIX)) != 0 ||
	    decode_checkpoint_body(ev.body, ev.body_len, &out->cp))
		return diag_set(d, ERR_FORMAT, "it is no checkpoint event");
	memcpy(out->cp_id, e.id, EVENT_ID_BYTES);
	memcpy(out->cp_author, ev.author, EVENT_KEY_BYTES);
	out->cp_seq = ev.seq;
	if (envelope_read(w_env, wn, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL) ||
	    ev.type_len != strlen(WITNESS_COUNTERSIGN_TYPE) ||
	    memcmp(ev.type, WITNESS_COUNTERSIGN_TYPE, ev.type_len) != 0 ||
	    ev.case_len < strlen(WITNESS_CASE_PREFIX) ||
	    memcmp(ev.case_id, WITNESS_CASE_PREFIX,
		   strlen(WITNESS_CASE_PREFIX)) != 0) {
		checkpoint_release(&out->cp);
		return diag_set(d, ERR_FORMAT,
				"its second is no countersignature");
	}
	memcpy(out->w_id, e.id, EVENT_ID_BYTES);
	memcpy(out->w_author, ev.author, EVENT_KEY_BYTES);
	out->w_seq = ev.seq;
	out->w_time_ms = ev.time_ms;
	mp_reader_init(&m, ev.body, ev.body_len, NULL);
	int names = mp_map_find(&m, "checkpoint", &v) == 0 &&
		    mp_get_bin(&v, &p, &n) == 0 && n == EVENT_ID_BYTES &&
		    memcmp(p, out->cp_id, EVENT_ID_BYTES) == 0;
	int counts = mp_map_find(&m, "count", &v) == 0 &&
		     mp_get_uint(&v, &count) == 0 && count == out->cp.count;
	int roots = mp_map_find(&m, "root", &v) == 0 &&
		    mp_get_bin(&v, &p, &n) == 0 && n == MERKLE_HASH_BYTES &&
		    memcmp(p, out->cp.root, MERKLE_HASH_BYTES) == 0;
	if (!names || !counts || !roots) {
		checkpoint_release(&out->cp);
		return diag_set(
			d, ERR_CORRUPT,
			"the countersignature does not name the checkpoint's %s",
			!names    ? "id"
			: !counts ? "count"
				  : "tree head");
	}
	return 0;
}

struct flagging {
	const struct witness_index *wi;
	uint64_t from, to, threshold;
	struct witness_flag *f;
	size_t n;
};

static int
flag_one(const uint8_t *env, size_t len, void *ctx)
{
	struct flagging *fl = ctx;
	struct envelope e;
	struct event ev;
	size_t used;
	if (envelope_read(env, len, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL))
		return 0;
	if (ev.time_ms < fl->from || ev.time_ms >= fl->to)
		return 0;
	uint64_t w = witness_first(fl->wi, ev.author, ev.seq, e.id);
	if (!w || ev.time_ms + fl->threshold >= w)
		return 0;
	fl->f = xrealloc(fl->f, (fl->n + 1) * sizeof(*fl->f));
	memcpy(fl->f[fl->n].id, e.id, EVENT_ID_BYTES);
	fl->f[fl->n].claimed_ms = ev.time_ms;
	fl->f[fl->n].witnessed_ms = w;
	fl->n++;
	return 0;
}

int
witness_backdated(struct node *n, uint64_t from_ms, uint64_t to_ms,
		  uint64_t threshold_ms, struct witness_flag **out,
		  size_t *nout, struct diag *d)
{
	struct witness_index *wi;
	int rc;
	if ((rc = witness_index_load(n, &wi, d)))
		return rc;
	struct flagging fl = { wi, from_ms, to_ms, threshold_ms, NULL, 0 };
	if (wi->n && (rc = store_walk_all(node_store(n), flag_one, &fl)))
		rc = diag_set(d, rc, "cannot read the events");
	witness_index_free(wi);
	if (rc) {
		free(fl.f);
		return rc;
	}
	*out = fl.f;
	*nout = fl.n;
	return 0;
}

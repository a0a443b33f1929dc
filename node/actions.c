/* actions.c - checking and signing workflow actions. */
#include "node/actions.h"

#include <stdio.h>
#include <string.h>

#include "crypto/key.h"
#include "node/case/config.h"
#include "node/case/fold.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "node/case/state.h"
#include "store/store.h"
#include "common/banned.h"

int
case_state_get(struct node *n, const char *case_id, struct case_state *st)
{
	struct buf v = BUF_INIT;
	int rc = store_view_get(node_store(n), case_id, &v);
	if (rc == 0)
		rc = state_decode(v.data, v.len, st);
	buf_release(&v);
	return rc;
}

/* Copies the str value of key in an unfinished body ("" if absent). */
static void
body_get(const struct mp_map *body, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	for (size_t i = 0; i < body->n; i++) {
		struct mp_reader r;
		const char *s;
		size_t len;
		if (strcmp(body->e[i].key, key) != 0)
			continue;
		mp_reader_init(&r, body->e[i].val.data, body->e[i].val.len,
			       NULL);
		if (mp_get_str(&r, &s, &len) == 0)
			state_copy_name(out, cap, s, len);
	}
}

/* Checks a merge target: it exists and is not merged into this case. */
static int
check_merge_target(struct node *n, const struct case_state *st,
		   struct mp_map *body, struct diag *d)
{
	struct case_state target;
	char into[STATE_NAME_MAX + 1];
	body_get(body, "into", into, sizeof(into));
	if (!into[0])
		return 0; /* workflow_check names the missing field */
	if (case_state_get(n, into, &target))
		return diag_set(d, ERR_NOTFOUND,
				"cannot merge into '%s': no such case", into);
	int rc = 0;
	if (strcmp(target.merged_into, st->case_id) == 0)
		rc = diag_set(d, ERR_STATE,
			      "case %s is already merged into %s", into,
			      st->case_id);
	else if (target.status == CS_MERGED)
		rc = diag_set(d, ERR_STATE,
			      "case %s is itself merged into %s: merge into that",
			      into, target.merged_into);
	state_release(&target);
	return rc;
}

/* Defaults the actor need not type. */
static int
fill_defaults(struct node *n, const struct case_state *st,
	      struct action_req *r, struct diag *d)
{
	if (r->a->act == ACT_REGISTER && !mp_map_has(&r->body, "limit")) {
		char cls[40], urgency[16];
		const char *limit;
		body_get(&r->body, "urgency", urgency, sizeof(urgency));
		snprintf(cls, sizeof(cls), "%s:%s", st->kind, st->code);
		if (config_limit(node_config(n), cls, urgency, &limit))
			return diag_set(d, ERR_CONFIG,
					"no time limit is configured for %s (%s); give --limit",
					cls, urgency);
		mp_put_cstr(mp_map_add(&r->body, "limit"), limit);
	}
	if (r->a->act == ACT_RESOLVE && !mp_map_has(&r->body, "events")) {
		char cid[24];
		body_get(&r->body, "conflict", cid, sizeof(cid));
		for (size_t i = 0; i < st->nconflicts; i++) {
			const struct conflict *c = &st->conflicts[i];
			if (strcmp(c->id, cid) != 0)
				continue;
			struct buf *b = mp_map_add(&r->body, "events");
			mp_put_array(b, (uint32_t)c->nevents);
			for (size_t j = 0; j < c->nevents; j++)
				mp_put_bin(b, c->events[j], EVENT_ID_BYTES);
		}
	}
	if (r->a->act == ACT_MERGE)
		return check_merge_target(n, st, &r->body, d);
	return 0;
}

int
case_act(struct node *n, struct action_req *r, uint8_t id[EVENT_ID_BYTES],
	 struct diag *d)
{
	const struct roster *roster;
	struct store_batch *b = NULL;
	struct case_state st;
	struct buf body = BUF_INIT;
	struct mp_reader br;
	int rc;

	const struct key *k = r->key ? r->key : node_key(n);
	state_init(&st, r->case_id);
	if (!k) {
		rc = diag_set(d, ERR_INVAL, "no key to sign with");
		goto out;
	}
	if ((rc = store_batch_begin(node_store(n), &b))) {
		rc = diag_set(d, rc, "cannot begin a write: %s", err_str(rc));
		goto out;
	}
	state_release(&st);
	if ((rc = node_fold_case(n, b, r->case_id, &st, d)))
		goto out;
	if (r->a->act != ACT_REPORT && st.status == CS_NONE) {
		rc = diag_set(d, ERR_NOTFOUND, "no case '%s' in this log",
			      r->case_id);
		goto out;
	}
	if ((rc = fill_defaults(n, &st, r, d)))
		goto out;
	mp_map_finish(&r->body, &body);
	mp_reader_init(&br, body.data, body.len, NULL);
	/* The event will name the roster's heads, so it is judged by the
	 * latest roster this node holds. */
	if ((rc = node_may_sign(n, b, k, r->case_id, r->a->type, d)))
		goto out;
	roster = node_batch_roster(n, b);
	const struct member *m = roster ? roster_lookup(roster,
			key_public(k), 0) : NULL;
	if ((rc = workflow_check(&st, r->a, m, &br, d)))
		goto out;
	struct append_req req = { r->case_id, r->a->type,
				  body.data, body.len,
				  r->nblobs,
				  (const uint8_t (*)[EVENT_ID_BYTES])r->blobs,
				  r->now_ms };
	if ((rc = store_batch_append(b, k, &req, id, d)))
		goto out;
	rc = store_batch_commit(b, d);
	b = NULL;
out:
	store_batch_abort(b);
	mp_map_release(&r->body);
	buf_release(&body);
	state_release(&st);
	return rc;
}

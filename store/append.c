/* append.c - building, signing and admitting a node's own events. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/signer.h"
#include "common/banned.h"

/*
 * Appends the heads of one case to ev's deps (up to EVENT_MAX_DEPS) and
 * raises *lamport and *time_ms to the heads' clocks.
 */
static int
add_heads(struct store_batch *b, struct event *ev, const char *case_id,
	  size_t case_len, uint64_t *lamport, uint64_t *time_ms,
	  struct diag *d)
{
	uint8_t kb[STORE_HEADS_KEY_MAX];
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	memcpy(kb, case_id, case_len);
	kb[case_len] = 0;
	k.mv_size = case_len + 1;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(b->txn, b->s->heads, &c)))
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	while (rc == 0 && ev->ndeps < EVENT_MAX_DEPS &&
	       k.mv_size == case_len + 1 + EVENT_ID_BYTES &&
	       memcmp(k.mv_data, kb, case_len + 1) == 0) {
		if (v.mv_size != STORE_HEADS_VAL_BYTES) {
			mdb_cursor_close(c);
			return diag_set(d, ERR_CORRUPT, "a heads row of case '%.*s' is damaged",
					(int)case_len, case_id);
		}
		uint64_t l = store_get_be64(v.mv_data),
			 t = store_get_be64((const uint8_t *)v.mv_data + 8);
		if (l > *lamport)
			*lamport = l;
		if (t > *time_ms)
			*time_ms = t;
		memcpy(ev->deps[ev->ndeps++],
		       (const uint8_t *)k.mv_data + case_len + 1, EVENT_ID_BYTES);
		rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_batch_lmdb_err(b, rc, "cannot read heads", d);
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, EVENT_ID_BYTES);
}

/*
 * Sets ev's deps to the heads of the global case (the roster: first, so
 * that a case with many heads never crowds it out) and of its own case,
 * in id order, and raises *lamport and *time_ms to cover them.
 */
static int
take_heads(struct store_batch *b, struct event *ev, uint64_t *lamport,
	   uint64_t *time_ms, struct diag *d)
{
	const char *global = b->s->global_case;
	int rc;
	ev->ndeps = 0;
	if (global && (strlen(global) != ev->case_len ||
		       memcmp(global, ev->case_id, ev->case_len) != 0) &&
	    (rc = add_heads(b, ev, global, strlen(global), lamport, time_ms, d)))
		return rc;
	if ((rc = add_heads(b, ev, ev->case_id, ev->case_len, lamport, time_ms, d)))
		return rc;
	if (ev->ndeps > 1)
		qsort(ev->deps, ev->ndeps, EVENT_ID_BYTES, id_cmp);
	return 0;
}

int
store_batch_append(struct store_batch *b, const struct key *k,
		   const struct append_req *req, uint8_t id[EVENT_ID_BYTES],
		   struct diag *d)
{
	struct store *s = b->s;
	struct summary_entry last;
	struct event ev;
	struct buf env_bytes = BUF_INIT;
	struct envelope env;
	struct event check;
	uint64_t lamport = 0, time_ms = 0;
	size_t used;
	int rc;

	if (b->failed)
		return diag_set(d, ERR_IO, "the batch has already failed");
	memset(&ev, 0, sizeof(ev));
	ev.version = EVENT_VERSION;
	ev.network = s->network;
	ev.network_len = strlen(s->network);
	memcpy(ev.author, key_public(k), EVENT_KEY_BYTES);
	ev.case_id = req->case_id;
	ev.case_len = strlen(req->case_id);
	ev.type = req->type;
	ev.type_len = strlen(req->type);
	ev.body = req->body;
	ev.body_len = req->body_len;
	if (req->nblobs > EVENT_MAX_BLOBS)
		return diag_set(d, ERR_FORMAT, "more than %d blobs",
				EVENT_MAX_BLOBS);
	ev.nblobs = req->nblobs;
	for (size_t i = 0; i < req->nblobs; i++)
		memcpy(ev.blobs[i], req->blobs[i], EVENT_ID_BYTES);
	if (!event_case_is_valid(ev.case_id, ev.case_len))
		return diag_set(d, ERR_FORMAT,
				"invalid case id '%s': use 1-%d characters of A-Z a-z 0-9 . _ -",
				req->case_id, EVENT_CASE_MAX);

	uint64_t forked_at;
	if ((rc = store_txn_fork_seq(s, b->txn, ev.author, &forked_at)))
		return rc;
	if (forked_at)
		return diag_set(d, ERR_FORKED,
				"this node's key forked at seq %llu; give the node a new key",
				(unsigned long long)forked_at);

	if ((rc = store_batch_summary_read(b, ev.author, &last, d)))
		return rc;
	ev.seq = last.seq + 1;
	if (last.seq) {
		ev.has_prev = 1;
		memcpy(ev.prev, last.id, EVENT_ID_BYTES);
		lamport = last.lamport;
		time_ms = last.time_ms;
	}
	if ((rc = take_heads(b, &ev, &lamport, &time_ms, d)))
		return rc;
	ev.lamport = lamport + 1;
	ev.time_ms = req->now_ms > time_ms ? req->now_ms : time_ms;

	/* A large batch leaves its signatures to the signer (signer.h). */
	int deferred = b->appended >= STORE_SIGN_INLINE;
	if ((rc = deferred ? seal_event_unsigned(k, &ev, &env_bytes, NULL, d)
			   : seal_event(k, &ev, &env_bytes, NULL, d)))
		goto out;
	/* Admission reads the envelope back exactly as a peer would. */
	if ((rc = envelope_read(env_bytes.data, env_bytes.len, &env, &used, d)) ||
	    (rc = event_decode(env.event, env.event_len, &check, d)))
		goto out;
	if ((rc = store_batch_admit_local(b, env_bytes.data, env_bytes.len,
					  &env, &check, d)))
		goto out;
	if (deferred) {
		if (!b->signer)
			b->signer = signer_new();
		signer_add(b->signer, k, env.id, env_bytes.data, env_bytes.len);
	}
	b->appended++;
	if (id)
		memcpy(id, env.id, EVENT_ID_BYTES);
out:
	buf_release(&env_bytes);
	return rc;
}

int
store_append(struct store *s, const struct key *k,
	     const struct append_req *req, uint8_t id[EVENT_ID_BYTES],
	     struct diag *d)
{
	struct store_batch *b;
	int rc = store_batch_begin(s, &b);
	if (rc)
		return diag_set(d, rc, "cannot begin a write: %s", err_str(rc));
	if ((rc = store_batch_append(b, k, req, id, d))) {
		store_batch_abort(b);
		return rc;
	}
	return store_batch_commit(b, d);
}

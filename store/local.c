/*
 * local.c - node-local tables in the `local` database: small data that is
 * the node's own (grid cells imported by the admin, erased blob hashes)
 * and that neither replicates nor counts in the log digest.
 */
#include "store/internal.h"

#include <string.h>

#include "common/banned.h"

#define LOCAL_KEY_MAX 400

static size_t
local_key(uint8_t *out, const char *table, const void *key, size_t kn)
{
	size_t tn = strlen(table);
	memcpy(out, table, tn);
	out[tn] = 0;
	memcpy(out + tn + 1, key, kn);
	return tn + 1 + kn;
}

static int
local_put(struct store *s, const char *table, const void *key, size_t kn,
	  const void *val, size_t vn, unsigned flags, struct diag *d)
{
	uint8_t kb[LOCAL_KEY_MAX];
	MDB_txn *txn;
	if (strlen(table) + 1 + kn > sizeof(kb))
		return diag_set(d, ERR_INVAL, "local key too long");
	MDB_val k = { local_key(kb, table, key, kn), kb };
	MDB_val v = { vn, (void *)val };
	int rc = mdb_txn_begin(s->env, NULL, flags, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin", d);
	if ((rc = mdb_put(txn, s->local, &k, &v, 0))) {
		mdb_txn_abort(txn);
		return store_err(s, rc, "cannot write", d);
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
}

int
store_batch_local_put(struct store_batch *b, const char *table, const void *key,
		      size_t kn, struct diag *d)
{
	uint8_t kb[LOCAL_KEY_MAX];
	if (strlen(table) + 1 + kn > sizeof(kb))
		return diag_set(d, ERR_INVAL, "local key too long");
	MDB_val k = { local_key(kb, table, key, kn), kb }, v = { 0, (void *)"" };
	int rc = mdb_put(b->txn, b->s->local, &k, &v, 0);
	return rc ? store_batch_lmdb_err(b, rc, "cannot write", d) : 0;
}

int
store_local_put(struct store *s, const char *table, const void *key,
		size_t kn, const void *val, size_t vn, struct diag *d)
{
	return local_put(s, table, key, kn, val, vn, 0, d);
}

int
store_local_put_lazy(struct store *s, const char *table, const void *key,
		     size_t kn, const void *val, size_t vn, struct diag *d)
{
	/* LMDB's per-transaction MDB_NOSYNC: the next durable commit
	 * flushes this one too. */
	return local_put(s, table, key, kn, val, vn, MDB_NOSYNC, d);
}

int
store_local_del(struct store *s, const char *table, const void *key,
		size_t kn, struct diag *d)
{
	uint8_t kb[LOCAL_KEY_MAX];
	MDB_txn *txn;
	if (strlen(table) + 1 + kn > sizeof(kb))
		return diag_set(d, ERR_INVAL, "local key too long");
	MDB_val k = { local_key(kb, table, key, kn), kb };
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin", d);
	rc = mdb_del(txn, s->local, &k, NULL);
	if (rc && rc != MDB_NOTFOUND) {
		mdb_txn_abort(txn);
		return store_err(s, rc, "cannot delete", d);
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
}

int
store_local_get(struct store *s, const char *table, const void *key,
		size_t kn, struct buf *out)
{
	uint8_t kb[LOCAL_KEY_MAX];
	MDB_txn *txn;
	MDB_val v;
	if (strlen(table) + 1 + kn > sizeof(kb))
		return ERR_INVAL;
	MDB_val k = { local_key(kb, table, key, kn), kb };
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = mdb_get(txn, s->local, &k, &v);
	if (rc == 0)
		buf_add(out, v.mv_data, v.mv_size);
	mdb_txn_abort(txn);
	return rc ? store_lmdb_err(rc, "cannot read", NULL) : 0;
}

/* Walks the rows of one table; with del set, deletes them instead. */
static int
walk_table(struct store *s, MDB_txn *txn, const char *table,
	   store_local_fn fn, void *ctx, int del)
{
	size_t tn = strlen(table);
	uint8_t kb[LOCAL_KEY_MAX];
	struct buf kc = BUF_INIT, vc = BUF_INIT;
	MDB_cursor *c;
	MDB_val k, v;
	int rc, stop = 0;

	if (tn + 1 > sizeof(kb))
		return ERR_INVAL;
	memcpy(kb, table, tn);
	kb[tn] = 0;
	k.mv_size = tn + 1;
	k.mv_data = kb;
	if ((rc = mdb_cursor_open(txn, s->local, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, del ? MDB_GET_CURRENT : MDB_NEXT)) {
		if (k.mv_size < tn + 1 || memcmp(k.mv_data, kb, tn + 1) != 0)
			break;
		if (del) {
			if ((rc = mdb_cursor_del(c, 0)))
				break;
			continue;
		}
		buf_reset(&kc);
		buf_reset(&vc);
		buf_add(&kc, (uint8_t *)k.mv_data + tn + 1, k.mv_size - tn - 1);
		buf_add(&vc, v.mv_data, v.mv_size);
		if ((stop = fn(kc.data, kc.len, vc.data, vc.len, ctx)))
			break;
	}
	mdb_cursor_close(c);
	buf_release(&kc);
	buf_release(&vc);
	if (stop)
		return stop;
	return rc && rc != MDB_NOTFOUND ? store_lmdb_err(rc, "cannot walk", NULL) : 0;
}

int
store_local_walk(struct store *s, const char *table, store_local_fn fn,
		 void *ctx)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = walk_table(s, txn, table, fn, ctx, 0);
	mdb_txn_abort(txn);
	return rc;
}

int
store_local_clear(struct store *s, const char *table, struct diag *d)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin", d);
	if ((rc = walk_table(s, txn, table, NULL, NULL, 1))) {
		mdb_txn_abort(txn);
		return diag_set(d, rc, "cannot clear table '%s'", table);
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
}

int
store_local_replace(struct store *s, const char *table,
		    const struct store_local_row *rows, size_t n,
		    struct diag *d)
{
	uint8_t kb[LOCAL_KEY_MAX];
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin", d);
	if ((rc = walk_table(s, txn, table, NULL, NULL, 1))) {
		mdb_txn_abort(txn);
		return diag_set(d, rc, "cannot clear table '%s'", table);
	}
	for (size_t i = 0; i < n; i++) {
		const struct store_local_row *r = &rows[i];
		if (strlen(r->table) + 1 + r->kn > sizeof(kb)) {
			mdb_txn_abort(txn);
			return diag_set(d, ERR_INVAL, "local key too long");
		}
		MDB_val k = { local_key(kb, r->table, r->key, r->kn), kb };
		MDB_val v = { r->vn, (void *)r->val };
		if ((rc = mdb_put(txn, s->local, &k, &v, 0))) {
			mdb_txn_abort(txn);
			return store_err(s, rc, "cannot write", d);
		}
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
}

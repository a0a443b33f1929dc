/*
 * upgrade.c - brings a store of an older schema to this one, in place, in
 * one write transaction, when it is opened.
 *
 * Schema 3 kept each envelope under its id in `events`; schema 4 keeps it
 * in `log` under its arrival number, with `ids` from id to number (see
 * store.c), and has no `cited` (the ids some stored event depends on,
 * which never decided anything: an event is stored after its deps).  The
 * upgrade numbers a schema-3 store's events in id order: the order they
 * arrived in was never recorded, and nothing reads arrival numbers but the
 * store itself.  Schema 5 adds `newids` and `midids`, the newer levels of
 * the id index (ids.c): an older store's index is all in its last level,
 * so the step is two empty trees.  Schema 6 writes each event's arrival
 * number after its id in `feed` (read.c: serving a feed reads `log`
 * without the id index); older rows keep the id alone, which readers
 * take too, so the step is the schema alone.  Schema 7 adds `vhist`, the
 * part of each view that lists do not read: an older store's views are
 * whole and have none, which readers take too (a view is its row merged
 * with no history), so the step is an empty tree; the node folds every
 * case again when its views version changes, which moves the history
 * apart.  One transaction, so a kill -9 or a
 * full disk during the upgrade leaves the older store as it was, and the
 * next open tries again.
 */
#include "store/internal.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/banned.h"

/* The schema the meta table names ("" when there is none yet). */
static int
read_schema(MDB_txn *txn, char *out, size_t cap)
{
	MDB_dbi meta;
	MDB_val k = { 6, (void *)"schema" }, v;
	out[0] = '\0';
	int rc = mdb_dbi_open(txn, "meta", 0, &meta);
	if (rc == 0)
		rc = mdb_get(txn, meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return rc;
	if (v.mv_size < cap) {
		memcpy(out, v.mv_data, v.mv_size);
		out[v.mv_size] = '\0';
	}
	return 0;
}

/* Moves every row of schema 3's `events` into `log` and `ids`; drops
 * `events` and `cited`. */
static int
renumber(MDB_txn *txn, uint64_t *moved)
{
	MDB_dbi events, cited, log, ids, meta;
	MDB_cursor *c;
	MDB_val k, v;
	uint64_t n = 0;
	int rc;

	if ((rc = mdb_dbi_open(txn, "events", 0, &events)) ||
	    (rc = mdb_dbi_open(txn, "log", MDB_CREATE, &log)) ||
	    (rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &ids)) ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)) ||
	    (rc = mdb_cursor_open(txn, events, &c)))
		return rc;
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		uint8_t num[8];
		MDB_val at = { 8, num };
		store_put_be64(num, ++n);
		if ((rc = mdb_put(txn, log, &at, &v, MDB_APPEND)) ||
		    (rc = mdb_put(txn, ids, &k, &at, MDB_NOOVERWRITE)))
			break;
	}
	mdb_cursor_close(c);
	if (rc != MDB_NOTFOUND)
		return rc;
	if ((rc = mdb_dbi_open(txn, "cited", 0, &cited)) == 0)
		rc = mdb_drop(txn, cited, 1);
	if (rc && rc != MDB_NOTFOUND)
		return rc;
	if ((rc = mdb_drop(txn, events, 1)))
		return rc;
	*moved = n;
	return 0;
}

/* Schema 4 to 5: empty `newids` and `midids` (MDB_CREATE leaves a
 * schema-5 store's as they are); 5 to 6: the schema alone; 6 to 7: an
 * empty `vhist`. */
static int
add_tables(MDB_txn *txn)
{
	MDB_dbi newids, midids, vhist, meta;
	char now[8];
	snprintf(now, sizeof(now), "%d", STORE_SCHEMA_VERSION);
	MDB_val sk = { 6, (void *)"schema" }, sv = { strlen(now), now };
	int rc;
	if ((rc = mdb_dbi_open(txn, "newids", MDB_CREATE, &newids)) ||
	    (rc = mdb_dbi_open(txn, "midids", MDB_CREATE, &midids)) ||
	    (rc = mdb_dbi_open(txn, "vhist", MDB_CREATE, &vhist)) ||
	    (rc = mdb_dbi_open(txn, "meta", 0, &meta)))
		return rc;
	return mdb_put(txn, meta, &sk, &sv, 0);
}

int
store_schema_upgradable(const char *schema)
{
	return strcmp(schema, "3") == 0 || strcmp(schema, "4") == 0 ||
	       strcmp(schema, "5") == 0 || strcmp(schema, "6") == 0;
}

int
store_upgrade(MDB_env *env, const char *dir, const char *seen, int rdonly,
	      struct diag *d)
{
	char schema[16];
	MDB_txn *txn;
	uint64_t moved = 0;
	int rc;

	if (rdonly)
		return diag_set(d, ERR_VERSION,
				"store '%s' has schema %s: open it once writable, and gridcase upgrades it to schema %d",
				dir, seen, STORE_SCHEMA_VERSION);
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)))
		return store_lmdb_err(rc, "cannot begin", d);
	/* Another process may have upgraded it since store_open looked. */
	if ((rc = read_schema(txn, schema, sizeof(schema)))) {
		mdb_txn_abort(txn);
		return store_lmdb_err(rc, "cannot read the store's schema", d);
	}
	if (!store_schema_upgradable(schema)) {
		mdb_txn_abort(txn);
		return 0;
	}
	if (strcmp(schema, "3") == 0)
		rc = renumber(txn, &moved);
	if (rc == 0)
		rc = add_tables(txn);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	else
		mdb_txn_abort(txn);
	if (rc) {
		char what[64];
		snprintf(what, sizeof(what),
			 "cannot upgrade the store from schema %s", schema);
		return store_lmdb_err(rc, what, d);
	}
	if (moved)
		log_info("store", "'%s' upgraded from schema 3 to %d: %llu events numbered in id order",
			 dir, STORE_SCHEMA_VERSION, (unsigned long long)moved);
	else
		log_info("store", "'%s' upgraded from schema %s to %d",
			 dir, schema, STORE_SCHEMA_VERSION);
	return 0;
}

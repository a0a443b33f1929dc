/*
 * store.c - opening, creating and closing the store; metadata.
 *
 * The LMDB layout.  All integers are big-endian so that LMDB's bytewise
 * key order is numeric order.  "id" is an event id (32 bytes), "author"
 * an Ed25519 public key (32 bytes), "case" the case id string.
 *
 *   meta      name (str)                  -> value (str)
 *             "schema" = "6", "network", "node", "county", ...;
 *             "global_gen" (8 bytes BE): events of the global case
 *             and fork records stored so far
 *   log       arrival (8)                 -> envelope bytes, verbatim
 *             every stored event (each feed's, every fork proof's, the
 *             evidence), numbered from 1 in the order this node stored
 *             them: what grows is appended, so a commit writes the
 *             tree's last pages, not pages all over the file
 *   newids    id                          -> arrival (8)
 *   midids    id                          -> arrival (8)
 *   ids       id                          -> arrival (8)
 *             where each stored event is in `log`, in three levels: the
 *             newest ids in `newids` (a sixty-fourth of them), older in
 *             `midids` (an eighth), the rest in `ids` (ids.c: so that a
 *             commit does not rewrite pages all over one tree keyed by
 *             hashes)
 *   feed      author || seq               -> id || arrival
 *             each author's chain, contiguous from seq 1 (the arrival
 *             number, so that serving a feed reads `log` without the id
 *             index; rows older than schema 6 have the id alone)
 *   summary   author                      -> seq || id || lamport || time
 *             the highest contiguous seq of the author, its id, and its
 *             clocks (which the next event must pass): the resume point
 *             of replication, committed with the events
 *   bycase    case || 0x00 || lamport || id -> arrival (8), or (empty)
 *             every stored event of a case, in replay order, with where
 *             it is in `log` (rows written before schema 5: empty, the
 *             id index says)
 *   heads     case || 0x00 || id          -> lamport || time
 *             the case's events that no stored event lists in its deps,
 *             with the clocks a new event depending on them must pass
 *   pending   author || seq || id         -> envelope bytes
 *             verified events waiting for their predecessor, their
 *             dependencies, or their time
 *   waitdep   dep id || author || seq || id -> (empty)
 *             a waiting event, under each dependency it lacks
 *   waittime  time || author || seq || id -> (empty)
 *             a waiting event whose time was too far ahead
 *   forks     author || seq || id         -> (empty)
 *             the versions stored of a forked (author, seq) (two, and
 *             any that a waiting event needed); the envelopes are in
 *             `log`, so each pair is a proof
 *   evidence  author || seq || id         -> (empty)
 *             events of a forked author after its fork that an
 *             honest waiting event depended on: kept out of any feed
 *   views     case                        -> state bytes
 *             the node's fold of the case's events (store_set_fold),
 *             without the entries it puts apart (a list's row)
 *   vhist     case                        -> a canonical map
 *             those entries (the case's history), when there are any:
 *             the view is the two merged
 *   vindex    len(key) (1) || key || case -> (empty)
 *             secondary indexes over views: each view names its keys
 *             (state, unit, grid, due time ...), opaque to the store
 *   vkeys     case                        -> the keys of its vindex rows
 *   local     table || 0x00 || key        -> value
 *             node-local tables that are not events and do not
 *             replicate (grid cells, erased blobs, ...)
 *
 * Invariants (store_verify() checks them): the id index's three levels
 * together and `log` name each other one to one; every feed id is stored
 * with that author and seq; feed seqs run 1..summary.seq without gaps and
 * each event's prev is the id at seq-1; every stored event has one bycase
 * row; a forks row exists for an (author, seq) exactly when `log` holds
 * two or more versions of it; each case's views, vhist, vkeys and vindex
 * rows are what a fresh fold of its events makes.
 */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "common/units.h"
#include "common/xalloc.h"
#include "common/banned.h"

#define MAX_DBS 24

void
store_put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

uint64_t
store_get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void
store_feed_key(uint8_t *k, const uint8_t *author, uint64_t seq)
{
	memcpy(k, author, EVENT_KEY_BYTES);
	store_put_be64(k + EVENT_KEY_BYTES, seq);
}

void
store_summary_encode(const struct summary_entry *e, uint8_t *out)
{
	store_put_be64(out, e->seq);
	memcpy(out + 8, e->id, EVENT_ID_BYTES);
	store_put_be64(out + 8 + EVENT_ID_BYTES, e->lamport);
	store_put_be64(out + 16 + EVENT_ID_BYTES, e->time_ms);
}

int
store_summary_decode(const void *v, size_t n, struct summary_entry *e)
{
	const uint8_t *p = v;
	if (n != STORE_SUMMARY_VAL_BYTES)
		return ERR_CORRUPT;
	e->seq = store_get_be64(p);
	memcpy(e->id, p + 8, EVENT_ID_BYTES);
	e->lamport = store_get_be64(p + 8 + EVENT_ID_BYTES);
	e->time_ms = store_get_be64(p + 16 + EVENT_ID_BYTES);
	return 0;
}

void
store_version_key(uint8_t *k, const uint8_t *author, uint64_t seq,
		  const uint8_t *id)
{
	store_feed_key(k, author, seq);
	memcpy(k + STORE_FEED_KEY_BYTES, id, EVENT_ID_BYTES);
}

size_t
store_bycase_key(uint8_t *k, const char *case_id, size_t case_len,
		 uint64_t lamport, const uint8_t *id)
{
	memcpy(k, case_id, case_len);
	k[case_len] = 0;
	store_put_be64(k + case_len + 1, lamport);
	memcpy(k + case_len + 9, id, EVENT_ID_BYTES);
	return case_len + 9 + EVENT_ID_BYTES;
}

size_t
store_heads_key(uint8_t *k, const char *case_id, size_t case_len,
		const uint8_t *id)
{
	memcpy(k, case_id, case_len);
	k[case_len] = 0;
	memcpy(k + case_len + 1, id, EVENT_ID_BYTES);
	return case_len + 1 + EVENT_ID_BYTES;
}

int
store_lmdb_err(int rc, const char *what, struct diag *d)
{
	if (rc == MDB_NOTFOUND)
		return ERR_NOTFOUND;
	if (rc == MDB_MAP_FULL)
		return diag_set(d, ERR_FULL,
				"%s: the store's map is full (%s)", what,
				mdb_strerror(rc));
	/* The file system, not LMDB's map: a write or fsync found no room. */
	if (rc == ENOSPC || rc == EDQUOT)
		return diag_set(d, ERR_NOSPACE, "%s: disk full (%s)", what,
				mdb_strerror(rc));
	if (rc == MDB_PANIC)
		return diag_set(d, ERR_IO,
				"%s: %s (an earlier write failed; the store "
				"must be opened again: restart the daemon)",
				what, mdb_strerror(rc));
	if (rc == MDB_VERSION_MISMATCH || rc == MDB_INVALID)
		return diag_set(d, ERR_VERSION, "%s: %s", what,
				mdb_strerror(rc));
	if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
		return diag_set(d, ERR_CORRUPT, "%s: %s", what,
				mdb_strerror(rc));
	if (rc == EACCES)
		return diag_set(d, ERR_PERM, "%s: %s", what, mdb_strerror(rc));
	return diag_set(d, ERR_IO, "%s: %s", what, mdb_strerror(rc));
}

int
store_space(struct store *s, struct store_space *sp)
{
	struct statvfs fs;
	struct stat st;
	char *path = xasprintf("%s/data.mdb", s->dir);
	int rc = statvfs(s->dir, &fs);
	memset(sp, 0, sizeof(*sp));
	if (rc == 0) {
		sp->free_bytes = (uint64_t)fs.f_bavail * fs.f_frsize;
		sp->total_bytes = (uint64_t)fs.f_blocks * fs.f_frsize;
	}
	if (stat(path, &st) == 0)
		sp->file_bytes = (uint64_t)st.st_size;
	free(path);
	MDB_envinfo info;
	if (mdb_env_info(s->env, &info) == 0)
		sp->map_bytes = info.me_mapsize;
	return rc == 0 ? 0 : ERR_IO;
}

int
store_err(struct store *s, int rc, const char *what, struct diag *d)
{
	struct store_space sp;
	char fr[UNITS_BYTES_LEN], tot[UNITS_BYTES_LEN], map[UNITS_BYTES_LEN];
	if (rc != MDB_MAP_FULL && rc != ENOSPC && rc != EDQUOT && rc != EIO)
		return store_lmdb_err(rc, what, d);
	int measured = store_space(s, &sp) == 0;
	/*
	 * LMDB reports a write cut short as EIO ("short write, filesystem
	 * full?" in mdb.c): the disk filled up during the write.  An EIO
	 * with room left on the disk is a real I/O error.
	 */
	if (rc == EIO) {
		MDB_stat st;
		uint64_t page = mdb_env_stat(s->env, &st) == 0 ? st.ms_psize : 4096;
		if (!measured || sp.free_bytes >= 2 * page)
			return store_lmdb_err(rc, what, d);
	}
	units_bytes(sp.free_bytes, fr);
	units_bytes(sp.total_bytes, tot);
	units_bytes(sp.map_bytes, map);
	if (rc == MDB_MAP_FULL)
		return diag_set(d, ERR_FULL,
				"%s: the store's map is full: '%s/data.mdb' "
				"reached the map size of %s it is opened with "
				"(the disk is not full: %s free)",
				what, s->dir, map, fr);
	return diag_set(d, ERR_NOSPACE,
			"%s: disk full: no room to write '%s/data.mdb' (%s "
			"free of %s on its file system)",
			what, s->dir, fr, tot);
}

int
store_batch_lmdb_err(struct store_batch *b, int rc, const char *what,
		     struct diag *d)
{
	if (rc != MDB_NOTFOUND)
		b->failed = 1;
	return store_err(b->s, rc, what, d);
}

int
store_read_begin(struct store *s, MDB_txn **txn)
{
	int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, txn);
	return rc ? store_lmdb_err(rc, "cannot begin read", NULL) : 0;
}

/*
 * The head of data.mdb as LMDB 0.9 lays it out (mdb.c: MDB_page,
 * MDB_meta, MDB_db), in the machine's byte order.  Pages 0 and 1 are the
 * two meta pages; a commit writes the older one, so the one with the
 * higher transaction id is the last commit.  W is the width of LMDB's
 * pgno_t, txnid_t and size_t (all size_t).
 *
 *   page header   pgno (W), pad (2), flags (2), lower (2), upper (2)
 *   MDB_meta      magic (4), version (4), address (W), mapsize (W),
 *                 two MDB_db of pad (4), flags (2), depth (2), then
 *                 five W-wide fields; the first MDB_db's pad is the page
 *                 size; then last_pg (W), the last page in use, and
 *                 txnid (W)
 */
#define LMDB_W sizeof(size_t)
#define LMDB_PAGE_HDR (LMDB_W + 8)
#define LMDB_PAGE_FLAGS (LMDB_W + 2)
#define LMDB_P_META 0x08
#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_DATA_VERSION 1u
#define LMDB_DB_BYTES (8 + 5 * LMDB_W)
#define LMDB_META_PSIZE (8 + 2 * LMDB_W)
#define LMDB_META_LAST_PG (8 + 2 * LMDB_W + 2 * LMDB_DB_BYTES)
#define LMDB_META_TXNID (LMDB_META_LAST_PG + LMDB_W)
#define LMDB_META_BYTES (LMDB_META_TXNID + LMDB_W)

struct lmdb_meta {
	uint32_t psize;
	uint64_t last_pg, txnid;
};

static uint64_t
native_word(const uint8_t *p)
{
	size_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Reads the meta page at offset off; 1 if it is one, 0 if not, -1 if
 * the file ends before it. */
static int
read_meta(int fd, off_t off, struct lmdb_meta *m, uint32_t *version)
{
	uint8_t pg[LMDB_PAGE_HDR + LMDB_META_BYTES];
	uint16_t flags;
	uint32_t magic, psize;
	ssize_t r = pread(fd, pg, sizeof(pg), off);
	if (r != (ssize_t)sizeof(pg))
		return -1;
	memcpy(&flags, pg + LMDB_PAGE_FLAGS, 2);
	memcpy(&magic, pg + LMDB_PAGE_HDR, 4);
	memcpy(version, pg + LMDB_PAGE_HDR + 4, 4);
	memcpy(&psize, pg + LMDB_PAGE_HDR + LMDB_META_PSIZE, 4);
	if (!(flags & LMDB_P_META) || magic != LMDB_MAGIC)
		return 0;
	m->psize = psize;
	m->last_pg = native_word(pg + LMDB_PAGE_HDR + LMDB_META_LAST_PG);
	m->txnid = native_word(pg + LMDB_PAGE_HDR + LMDB_META_TXNID);
	return 1;
}

static int
is_page_size(uint32_t n)
{
	return n >= 256 && n <= 65536 && (n & (n - 1)) == 0;
}

/*
 * LMDB maps data.mdb whole and trusts its meta pages: when the file is
 * shorter than the pages the last commit uses (a copy cut short, a
 * restore that ran out of space), the first read of a missing page kills
 * the process with SIGBUS, with no message.  So before LMDB sees the
 * file, read the two meta pages ourselves and check the file's size
 * against the newest.  The metas are read before the size: a writer in
 * another process writes a commit's pages before its meta page, so the
 * file is never seen shorter than a meta page we read.
 */
static int
check_data_file_once(int fd, const char *path, struct diag *d)
{
	const char *todo = "restore the node directory from a backup, then "
			   "run 'gridcase verify'";
	struct lmdb_meta m[2];
	uint32_t version[2] = { 0, 0 };
	struct stat st;
	int ok0 = read_meta(fd, 0, &m[0], &version[0]);
	int ok1 = ok0 == 1 && is_page_size(m[0].psize)
			  ? read_meta(fd, m[0].psize, &m[1], &version[1])
			  : 0;
	if (fstat(fd, &st) != 0)
		return diag_set(d, ERR_IO, "cannot read '%s': %s", path,
				strerror(errno));
	if (ok0 < 0 || (ok0 == 1 && ok1 < 0))
		return diag_set(d, ERR_CORRUPT,
				"store file '%s' is truncated: %lld bytes, too "
				"short for LMDB's two meta pages; %s",
				path, (long long)st.st_size, todo);
	if (ok0 == 0 || ok1 == 0 || !is_page_size(m[0].psize) ||
	    m[1].psize != m[0].psize)
		return diag_set(d, ERR_CORRUPT,
				"store file '%s' is damaged: no valid LMDB meta "
				"page at its start; %s",
				path, todo);
	if (version[0] != LMDB_DATA_VERSION || version[1] != LMDB_DATA_VERSION)
		return diag_set(d, ERR_VERSION,
				"store file '%s' is in LMDB data format %u; this "
				"gridcase reads format %u",
				path, version[0], LMDB_DATA_VERSION);
	const struct lmdb_meta *last = m[1].txnid > m[0].txnid ? &m[1] : &m[0];
	uint64_t need = (last->last_pg + 1) * (uint64_t)last->psize;
	if (last->last_pg > (UINT64_MAX >> 17) || (uint64_t)st.st_size < need)
		return diag_set(d, ERR_CORRUPT,
				"store file '%s' is truncated: its last commit "
				"(transaction %llu) uses %llu bytes (%llu pages "
				"of %u), the file holds %lld; %s",
				path, (unsigned long long)last->txnid,
				(unsigned long long)need,
				(unsigned long long)(last->last_pg + 1),
				last->psize, (long long)st.st_size, todo);
	return 0;
}

static int
check_data_file(const char *dir, struct diag *d)
{
	char *path = xasprintf("%s/data.mdb", dir);
	int rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	/* A file that cannot be opened: LMDB names what is wrong.  A meta
	 * page read while another process rewrites it may be torn: a
	 * verdict of damage is only given when a second look agrees. */
	if (fd >= 0) {
		rc = check_data_file_once(fd, path, d);
		if (rc == ERR_CORRUPT)
			rc = check_data_file_once(fd, path, d);
		close(fd);
	}
	free(path);
	return rc;
}

static int
env_open(const char *dir, const struct store_options *opt, MDB_env **out,
	 struct diag *d)
{
	MDB_env *env;
	size_t map = opt && opt->map_bytes ? opt->map_bytes
					   : STORE_DEFAULT_MAP_BYTES;
	unsigned flags = MDB_NOTLS;
	int rc;

	if (opt && (opt->flags & STORE_NOSYNC))
		flags |= MDB_NOSYNC;
	if (opt && (opt->flags & STORE_RDONLY))
		flags |= MDB_RDONLY;
	if ((rc = mdb_env_create(&env)))
		return store_lmdb_err(rc, "cannot create LMDB environment", d);
	if ((rc = mdb_env_set_maxdbs(env, MAX_DBS)) ||
	    (rc = mdb_env_set_mapsize(env, map)) ||
	    (rc = mdb_env_set_maxreaders(env, 256)) ||
	    (rc = mdb_env_open(env, dir, flags, 0600))) {
		mdb_env_close(env);
		char what[300];
		snprintf(what, sizeof(what), "cannot open store '%s'", dir);
		return store_lmdb_err(rc, what, d);
	}
	/* Clear reader slots left by processes that died (kill -9). */
	int dead;
	(void)mdb_reader_check(env, &dead);
	*out = env;
	return 0;
}

static int
open_dbs(struct store *s, MDB_txn *txn, unsigned flags, struct diag *d)
{
	struct {
		const char *name;
		MDB_dbi *dbi;
	} dbs[] = {
		{ "meta", &s->meta },       { "log", &s->log },
		{ "ids", &s->ids },         { "midids", &s->midids },
		{ "newids", &s->newids },
		{ "feed", &s->feed },       { "bycase", &s->bycase },
		{ "heads", &s->heads },
		{ "summary", &s->summary }, { "pending", &s->pending },
		{ "waitdep", &s->waitdep }, { "waittime", &s->waittime },
		{ "evidence", &s->evidence },
		{ "forks", &s->forks },     { "views", &s->views },
		{ "vhist", &s->vhist },
		{ "vindex", &s->vindex },   { "vkeys", &s->vkeys },
		{ "local", &s->local },
	};
	for (size_t i = 0; i < sizeof(dbs) / sizeof(dbs[0]); i++) {
		int rc = mdb_dbi_open(txn, dbs[i].name, flags, dbs[i].dbi);
		if (rc == MDB_NOTFOUND)
			return diag_set(d, ERR_NOTFOUND,
					"no gridcase store here (database '%s' is missing)",
					dbs[i].name);
		if (rc)
			return store_lmdb_err(rc, "cannot open database", d);
	}
	return 0;
}

static int
meta_get_txn(struct store *s, MDB_txn *txn, const char *name, struct buf *out)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc)
		return store_lmdb_err(rc, "cannot read metadata", NULL);
	buf_add(out, v.mv_data, v.mv_size);
	return 0;
}

static int
meta_put_txn(struct store *s, MDB_txn *txn, const char *name,
	     const char *value, struct diag *d)
{
	MDB_val k = { strlen(name), (void *)name };
	MDB_val v = { strlen(value), (void *)value };
	int rc = mdb_put(txn, s->meta, &k, &v, 0);
	return rc ? store_err(s, rc, "cannot write metadata", d) : 0;
}

/* The store's schema into out ("" when the meta table has none). */
static int
read_schema(struct store *s, MDB_txn *txn, struct buf *out, struct diag *d)
{
	buf_reset(out);
	int rc = mdb_dbi_open(txn, "meta", 0, &s->meta);
	if (rc == MDB_NOTFOUND)
		return diag_set(d, ERR_NOTFOUND,
				"no gridcase store here (database 'meta' is missing)");
	if (rc)
		return store_lmdb_err(rc, "cannot open database", d);
	(void)meta_get_txn(s, txn, "schema", out);
	return 0;
}

int
store_create(const char *dir, const char *network,
	     const struct store_options *opt, struct diag *d)
{
	struct store s;
	MDB_txn *txn = NULL;
	char schema[16];
	int rc;

	if (!event_network_is_valid(network, strlen(network)))
		return diag_set(d, ERR_INVAL,
				"invalid network name '%s': use 1-%d characters of A-Z a-z 0-9 . _ -",
				network, EVENT_NETWORK_MAX);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return diag_set(d, ERR_IO, "cannot create directory '%s': %s",
				dir, strerror(errno));
	char *path = xasprintf("%s/data.mdb", dir);
	int exists = access(path, F_OK) == 0;
	free(path);
	if (exists)
		return diag_set(d, ERR_EXISTS,
				"'%s' already holds a gridcase store", dir);

	memset(&s, 0, sizeof(s));
	s.dir = (char *)dir; /* borrowed: for the messages of store_err() */
	if ((rc = env_open(dir, opt, &s.env, d)))
		return rc;
	if ((rc = mdb_txn_begin(s.env, NULL, 0, &txn))) {
		rc = store_lmdb_err(rc, "cannot begin", d);
		goto out;
	}
	snprintf(schema, sizeof(schema), "%d", STORE_SCHEMA_VERSION);
	if ((rc = open_dbs(&s, txn, MDB_CREATE, d)) ||
	    (rc = meta_put_txn(&s, txn, "schema", schema, d)) ||
	    (rc = meta_put_txn(&s, txn, "network", network, d)))
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		rc = store_err(&s, rc, "cannot commit", d);
out:
	if (txn)
		mdb_txn_abort(txn);
	mdb_env_close(s.env);
	return rc;
}

int
store_open(const char *dir, const struct store_options *opt,
	   struct store **out, struct diag *d)
{
	struct store *s = xcalloc(1, sizeof(*s));
	struct buf val = BUF_INIT;
	MDB_txn *txn = NULL;
	struct stat st;
	int rc;

	char *path = xasprintf("%s/data.mdb", dir);
	int missing = stat(path, &st) != 0;
	free(path);
	if (missing) {
		free(s);
		return diag_set(d, ERR_NOTFOUND,
				"no gridcase store in '%s' (run 'gridcase init')",
				dir);
	}
	if ((rc = check_data_file(dir, d))) {
		free(s);
		return rc;
	}
	s->flags = opt ? opt->flags : 0;
	s->pending_max = opt && opt->pending_max ? opt->pending_max
						 : STORE_DEFAULT_PENDING_MAX;
	s->max_skew_ms = STORE_DEFAULT_MAX_SKEW_MS;
	if ((rc = env_open(dir, opt, &s->env, d))) {
		free(s);
		return rc;
	}
	if ((rc = store_read_begin(s, &txn)) ||
	    (rc = read_schema(s, txn, &val, d)))
		goto out;
	if (store_schema_upgradable(buf_cstr(&val))) {
		if (s->flags & STORE_NO_UPGRADE) {
			rc = diag_set(d, ERR_BUSY,
				      "store '%s' has schema %s: this gridcase upgrades it to schema %d, but not while another process may be writing it",
				      dir, buf_cstr(&val), STORE_SCHEMA_VERSION);
			goto out;
		}
		/* An older layout: upgraded in place, then read afresh. */
		mdb_txn_abort(txn);
		txn = NULL;
		if ((rc = store_upgrade(s->env, dir, buf_cstr(&val),
					s->flags & STORE_RDONLY, d)) ||
		    (rc = store_read_begin(s, &txn)) ||
		    (rc = read_schema(s, txn, &val, d)))
			goto out;
	}
	if (atoi(buf_cstr(&val)) != STORE_SCHEMA_VERSION) {
		rc = diag_set(d, ERR_VERSION,
			      "store '%s' has schema '%s'; this gridcase reads schema %d",
			      dir, buf_cstr(&val), STORE_SCHEMA_VERSION);
		goto out;
	}
	if ((rc = open_dbs(s, txn, 0, d)))
		goto out;
	buf_reset(&val);
	if (meta_get_txn(s, txn, "network", &val)) {
		rc = diag_set(d, ERR_CORRUPT, "store '%s' has no network name",
			      dir);
		goto out;
	}
	s->network = xstrdup(buf_cstr(&val));
	s->dir = xstrdup(dir);
	/* Committing a read transaction keeps the database handles open
	 * for the whole environment. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc)
		rc = store_lmdb_err(rc, "cannot open databases", d);
out:
	if (txn)
		mdb_txn_abort(txn);
	buf_release(&val);
	if (rc) {
		mdb_env_close(s->env);
		free(s->network);
		free(s->dir);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
store_close(struct store *s)
{
	if (!s)
		return;
	BUG_ON(s->batch_open);
	mdb_env_close(s->env);
	free(s->network);
	free(s->dir);
	free(s);
}

const char *
store_dir(const struct store *s)
{
	return s->dir;
}

const char *
store_network(const struct store *s)
{
	return s->network;
}

int
store_meta_set(struct store *s, const char *name, const char *value,
	       struct diag *d)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc)
		return store_lmdb_err(rc, "cannot begin", d);
	if ((rc = meta_put_txn(s, txn, name, value, d))) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	return rc ? store_err(s, rc, "cannot commit", d) : 0;
}

int
store_meta_get(struct store *s, const char *name, struct buf *out)
{
	MDB_txn *txn;
	int rc = store_read_begin(s, &txn);
	if (rc)
		return rc;
	rc = meta_get_txn(s, txn, name, out);
	mdb_txn_abort(txn);
	return rc;
}

int
store_txn_envelope(struct store *s, MDB_txn *txn, const void *id,
		   MDB_val *env)
{
	MDB_val at;
	int rc = store_id_get(s, txn, id, &at);
	return rc ? rc : mdb_get(txn, s->log, &at, env);
}

/* The number the next new event takes: one past the last in `log`. */
static int
read_next_arrival(struct store_batch *b, struct diag *d)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc = mdb_cursor_open(b->txn, b->s->log, &c);
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot open cursor", d);
	rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
	mdb_cursor_close(c);
	if (rc == MDB_NOTFOUND) {
		b->next_arrival = 1;
		return 0;
	}
	if (rc)
		return store_batch_lmdb_err(b, rc, "cannot read the log", d);
	if (k.mv_size != 8)
		return store_batch_lmdb_err(b, MDB_CORRUPTED, "cannot read the log",
					    d);
	b->next_arrival = store_get_be64(k.mv_data) + 1;
	return 0;
}

int
store_txn_row_holds(struct store *s, MDB_txn *txn, const uint8_t at[8],
		    const uint8_t *id, MDB_val *env, struct envelope *e)
{
	MDB_val k = { 8, (void *)at };
	size_t used;
	return mdb_get(txn, s->log, &k, env) == 0 &&
	       envelope_read(env->mv_data, env->mv_size, e, &used, NULL) == 0 &&
	       memcmp(e->id, id, EVENT_ID_BYTES) == 0;
}

/*
 * The envelope of id, at log row `at` when that row holds it, else
 * through the id index: a row number that a failing disk changed costs
 * a lookup, never another event (`gridcase verify` names such a row).
 */
static int
row_envelope(struct store *s, MDB_txn *txn, const uint8_t *at,
	     const uint8_t *id, MDB_val *env)
{
	struct envelope e;
	if (store_txn_row_holds(s, txn, at, id, env, &e))
		return 0;
	return store_txn_envelope(s, txn, id, env);
}

int
store_txn_case_envelope(struct store *s, MDB_txn *txn, const MDB_val *k,
			const MDB_val *v, MDB_val *env)
{
	if (k->mv_size < EVENT_ID_BYTES)
		return MDB_CORRUPTED;
	const uint8_t *id = (const uint8_t *)k->mv_data + k->mv_size -
			    EVENT_ID_BYTES;
	if (v->mv_size == 8)
		return row_envelope(s, txn, v->mv_data, id, env);
	if (v->mv_size != 0)
		return MDB_CORRUPTED;
	return store_txn_envelope(s, txn, id, env);
}

int
store_feed_val_ok(const MDB_val *v)
{
	return v->mv_size == EVENT_ID_BYTES || v->mv_size == STORE_FEED_VAL_BYTES;
}

int
store_txn_feed_envelope(struct store *s, MDB_txn *txn, const MDB_val *v,
			MDB_val *env)
{
	if (v->mv_size == STORE_FEED_VAL_BYTES)
		return row_envelope(s, txn,
				    (const uint8_t *)v->mv_data + EVENT_ID_BYTES,
				    v->mv_data, env);
	if (v->mv_size != EVENT_ID_BYTES)
		return MDB_CORRUPTED;
	return store_txn_envelope(s, txn, v->mv_data, env);
}

int
store_batch_put_event(struct store_batch *b, const uint8_t id[EVENT_ID_BYTES],
		      const void *env, size_t n, uint8_t arrival[8],
		      struct diag *d)
{
	uint8_t num[8];
	MDB_val at, v = { n, (void *)env };
	unsigned flags = MDB_APPEND;
	int rc;

	if (!b->next_arrival && (rc = read_next_arrival(b, d)))
		return rc;
	store_put_be64(num, b->next_arrival);
	rc = store_batch_id_put(b, id, num, &at);
	if (rc == MDB_KEYEXIST) {
		/* Stored by this batch: its row is rewritten where it is. */
		memcpy(num, at.mv_data, 8);
		flags = 0;
	} else if (rc) {
		return store_batch_lmdb_err(b, rc, "cannot write an event id", d);
	} else {
		b->next_arrival++;
		if (!b->have_settle_from) {
			memcpy(b->settle_from, id, EVENT_ID_BYTES);
			b->have_settle_from = 1;
		}
	}
	at.mv_size = 8;
	at.mv_data = num;
	if ((rc = mdb_put(b->txn, b->s->log, &at, &v, flags)))
		return store_batch_lmdb_err(b, rc, "cannot write an event", d);
	if (arrival)
		memcpy(arrival, num, 8);
	return 0;
}

int
store_decode_stored(const MDB_val *v, struct envelope *env, struct event *ev)
{
	size_t used;
	if (envelope_read(v->mv_data, v->mv_size, env, &used, NULL) ||
	    used != v->mv_size ||
	    event_decode_known(env->event, env->event_len, ev))
		return ERR_CORRUPT;
	return 0;
}

int
store_txn_event(struct store *s, MDB_txn *txn, const uint8_t *id,
		struct envelope *env, struct event *ev)
{
	MDB_val v;
	int rc = store_txn_envelope(s, txn, id, &v);
	if (rc)
		return store_lmdb_err(rc, "cannot read event", NULL);
	return store_decode_stored(&v, env, ev);
}

int
store_txn_fork_seq(struct store *s, MDB_txn *txn, const uint8_t *author,
		   uint64_t *seq)
{
	uint8_t kb[STORE_VERSION_KEY_BYTES];
	MDB_cursor *c;
	MDB_val k = { sizeof(kb), kb }, v;
	int rc;

	memset(kb, 0, sizeof(kb));
	memcpy(kb, author, EVENT_KEY_BYTES);
	if ((rc = mdb_cursor_open(txn, s->forks, &c)))
		return store_lmdb_err(rc, "cannot open cursor", NULL);
	rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && memcmp(k.mv_data, author, EVENT_KEY_BYTES) == 0)
		*seq = store_get_be64((const uint8_t *)k.mv_data +
				      EVENT_KEY_BYTES);
	else if (rc == 0 || rc == MDB_NOTFOUND)
		*seq = 0;
	mdb_cursor_close(c);
	if (rc && rc != MDB_NOTFOUND)
		return store_lmdb_err(rc, "cannot read forks", NULL);
	return 0;
}

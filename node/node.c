/* node.c - creating and opening a node directory. */
#include "node/node.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "common/hex.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/seal.h"
#include "node/admin.h"
#include "node/announce.h"
#include "node/case/fold.h"
#include "node/case/roster.h"
#include "node/case/workflow.h"
#include "node/daemon.h"
#include "node/files.h"
#include "node/grid_store.h"
#include "node/view.h"
#include "store/store.h"
#include "common/banned.h"

struct node {
	char *dir;
	struct store *store;
	struct key *key;
	struct config *cfg;
	struct roster roster;
	struct fold_ctx fold;
	/* The roster generation whose blob.erase events were honoured. */
	int erasures_applied;
	uint64_t erasures_gen;
	struct announce *announce; /* tells a running daemon of commits */
	/* The published settings cfg holds (node_settings_apply()), and
	 * the roster generation they were read at. */
	uint8_t set_id[RS_COUNT][EVENT_ID_BYTES];
	int set_has[RS_COUNT];
	uint64_t settings_gen;
	int settings_read;
	int grid_waiting; /* the grid in force waits for its blob */
	char *cfg_text; /* the JSON cfg was parsed from */
};

/* Copies data/config.json to dir/config.json unless one is there. */
static int
write_config(const char *dir, struct diag *d)
{
	char *src = data_path(CONFIG_FILE);
	char *dst = xasprintf("%s/%s", dir, CONFIG_FILE);
	FILE *in = NULL, *out = NULL;
	int rc = 0;
	if (access(dst, F_OK) == 0)
		goto done;
	if (!(in = fopen(src, "r"))) {
		rc = diag_set(d, ERR_NOTFOUND,
			      "cannot read the default configuration '%s'", src);
		goto done;
	}
	if (!(out = fopen(dst, "w"))) {
		rc = diag_set(d, ERR_IO, "cannot create '%s': %s", dst,
			      strerror(errno));
		goto done;
	}
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), in)) > 0)
		if (fwrite(chunk, 1, r, out) != r)
			rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
	if (fclose(out) != 0 && rc == 0)
		rc = diag_set(d, ERR_IO, "cannot write '%s'", dst);
	out = NULL;
done:
	if (in)
		fclose(in);
	free(src);
	free(dst);
	return rc;
}

int
node_init(const char *dir, const struct node_init_opts *o,
	  uint8_t pub[EVENT_KEY_BYTES], struct diag *d)
{
	struct key *k = NULL;
	struct store *s = NULL;
	char *key_path = xasprintf("%s/%s", dir, NODE_KEY_FILE);
	char admin_hex[65];
	int rc;

	if (access(key_path, F_OK) == 0) {
		rc = diag_set(d, ERR_EXISTS, "'%s' already holds a node key",
			      dir);
		goto out;
	}
	if ((rc = store_create(dir, o->network, NULL, d)))
		goto out;
	k = key_generate();
	if ((rc = key_save(k, key_path, d)) || (rc = write_config(dir, d)))
		goto out;
	if ((rc = store_open(dir, NULL, &s, d)))
		goto out;
	hex_encode(o->admin, EVENT_KEY_BYTES, admin_hex);
	if ((rc = store_meta_set(s, "node", o->name, d)) ||
	    (rc = store_meta_set(s, "admin", admin_hex, d)))
		goto out;
	if (o->county && (rc = store_meta_set(s, "county", o->county, d)))
		goto out;
	memcpy(pub, key_public(k), EVENT_KEY_BYTES);
out:
	store_close(s);
	key_free(k);
	free(key_path);
	return rc;
}

static int
is_roster_case(const struct event *ev)
{
	return ev->case_len == strlen(ROSTER_CASE) &&
	       memcmp(ev->case_id, ROSTER_CASE, ev->case_len) == 0;
}

static const char *
key_label(const uint8_t key[EVENT_KEY_BYTES], char hex[17])
{
	hex_encode(key, 8, hex);
	return hex;
}

/* After each commit: the daemon, if one runs, hints its peers now. */
static void
announce_commit(void *ctx)
{
	announce_send(ctx);
}

/*
 * The roster's rules of authorship (store.h, admission filter).  On
 * arrival: keys that no roster change names at all are turned away
 * before anything is stored for them.  Final: the author must be a
 * member, not revoked before this seq, in the roster the event's own
 * causal past holds (the roster changes among its deps, and theirs), and
 * an admin there for a change of the roster.  That roster is the same on
 * every node, so every node decides the same.
 */
static int
admit_filter(void *ctx, struct store_batch *b, const struct event *ev,
	     enum admit_stage stage, struct diag *d)
{
	struct node *n = ctx;
	char hex[17];
	int rc;
	if ((rc = roster_refresh_batch(&n->roster, b)))
		return diag_set(d, rc, "cannot read the roster");
	if (stage == ADMIT_STAGE_ARRIVE) {
		if (!roster_knows(&n->roster, ev->author))
			return diag_set(d, ERR_DENIED,
					"author %s is not in the district's roster",
					key_label(ev->author, hex));
		return 0;
	}
	uint64_t *set = roster_set_new(&n->roster);
	for (size_t i = 0; i < ev->ndeps; i++)
		(void)roster_set_add(&n->roster, set, ev->deps[i]);
	const struct member *m = roster_member_at(&n->roster, set, 1,
						  ev->author, ev->seq);
	free(set);
	if (!m)
		return diag_set(d, ERR_DENIED,
				"author %s is not a member at seq %llu in the roster its event depends on (unknown, or revoked before)",
				key_label(ev->author, hex),
				(unsigned long long)ev->seq);
	if (is_roster_case(ev) && !(m->roles & ROLE_ADMIN))
		return diag_set(d, ERR_DENIED,
				"only admin keys may change the roster: %s (%s) is no admin in the roster its event depends on",
				key_label(ev->author, hex), m->name);
	return 0;
}

/*
 * What the case views were made with: the fold's version and the
 * calendar (the due-time index depends on it), as a hash in hex.
 */
static void
views_fingerprint(const struct calendar *c, char hex[65])
{
	struct hasher h;
	uint8_t sum[HASH_BYTES];
	char text[64];
	hash_init(&h);
	snprintf(text, sizeof(text), "gridcase/views/%d/%d/%u/", FOLD_VIEWS_VERSION,
		 c->utc_offset_min, c->weekend);
	hash_update(&h, text, strlen(text));
	for (int i = 0; i < c->nperiods; i++) {
		snprintf(text, sizeof(text), "p%d-%d/", c->period_start[i], c->period_end[i]);
		hash_update(&h, text, strlen(text));
	}
	for (size_t i = 0; i < c->nholidays; i++) {
		snprintf(text, sizeof(text), "h%lld/", (long long)c->holidays[i]);
		hash_update(&h, text, strlen(text));
	}
	for (size_t i = 0; i < c->nworkdays; i++) {
		snprintf(text, sizeof(text), "w%lld/", (long long)c->workdays[i]);
		hash_update(&h, text, strlen(text));
	}
	hash_final(&h, sum);
	hex_encode(sum, HASH_BYTES, hex);
}

/*
 * Folds every case again when the views were made by another fold or
 * under another calendar (config.json edited), so that no list or index
 * is stale; then records what they are made with now.
 */
static int
refresh_views(struct node *n, struct diag *d)
{
	struct buf have = BUF_INIT;
	struct diag why;
	char want[65];
	uint64_t cases = 0;
	int rc;
	views_fingerprint(&n->cfg->cal, want);
	rc = store_meta_get(n->store, "views", &have);
	int same = rc == 0 && strcmp(buf_cstr(&have), want) == 0;
	buf_release(&have);
	if (same)
		return 0;
	if ((rc = store_refold_all(n->store, &cases, &why))) {
		/* A damaged event or a full disk must not lock the admin
		 * out of status, verify and export: keep the old views, say
		 * so, try again next time. */
		if (rc != ERR_BADID && rc != ERR_NOSPACE && rc != ERR_FULL)
			return diag_set(d, rc, "%s", why.text);
		log_err("node", "cannot fold the cases again: %s", why.text);
		return 0;
	}
	if (cases)
		log_warn("node", "the case views were made with another calendar or "
			 "fold: %llu cases folded again", (unsigned long long)cases);
	return store_meta_set(n->store, "views", want, d);
}

static int prepare_admin(struct node *n, struct admin_key *a,
			 struct diag *d);

/* The settings that replace a part of config.json when published. */
static const enum roster_setting config_kinds[] = { RS_CALENDAR, RS_EVAL,
						    RS_LIMITS };
#define NCONFIG_KINDS (sizeof(config_kinds) / sizeof(config_kinds[0]))

/*
 * dir/config.json with the published calendar, limit table and
 * evaluation settings in force over it (docs/workflow.md §3), and its
 * text: what the node computes due times, default limits and figures
 * with, and what a frozen report records.  The settings' ids go to
 * n->set_*.  A roster that cannot be read leaves the file's own, as
 * does a setting that does not load over it (each said on stderr).
 */
static int
effective_config(struct node *n, struct config **out, char **text_out,
		 struct diag *d)
{
	struct config *cfg = NULL;
	char *text = NULL, *name = NULL;
	int rc;
	for (size_t i = 0; i < NCONFIG_KINDS; i++)
		n->set_has[config_kinds[i]] = 0;
	if ((rc = config_read(n->dir, &text, &name, d)) ||
	    (rc = config_parse(text, name, &cfg, d)))
		goto out;
	if ((rc = roster_refresh_store(&n->roster, n->store))) {
		log_warn("node", "cannot read the roster for the published settings (%s): "
			 "using config.json's own", err_str(rc));
		rc = 0;
		goto done;
	}
	for (size_t i = 0; i < NCONFIG_KINDS; i++) {
		enum roster_setting k = config_kinds[i];
		const struct roster_change *c = roster_setting(&n->roster, k);
		struct config *over = NULL;
		char *over_text = NULL;
		struct diag why;
		if (!c)
			continue;
		/* Its body was checked alone when the roster was read; over
		 * this file it is parsed again, as the report's reader will. */
		if (config_text_publish(text, name, k, c->body, c->body_len,
					&over_text, &why) ||
		    config_parse(over_text, roster_setting_type(k), &over, &why)) {
			log_warn("node", "published %s not used: %s",
				 roster_setting_type(k), why.text);
			free(over_text);
			continue;
		}
		free(text);
		text = over_text;
		config_free(cfg);
		cfg = over;
		memcpy(n->set_id[k], c->id, EVENT_ID_BYTES);
		n->set_has[k] = 1;
	}
done:
	*out = cfg;
	*text_out = text;
	cfg = NULL;
	text = NULL;
out:
	config_free(cfg);
	free(text);
	free(name);
	return rc;
}

/* A published setting in force is not what cfg holds. */
static int
settings_moved(struct node *n)
{
	for (size_t i = 0; i < NCONFIG_KINDS; i++) {
		enum roster_setting k = config_kinds[i];
		const struct roster_change *c = roster_setting(&n->roster, k);
		if ((c != NULL) != n->set_has[k] ||
		    (c && memcmp(c->id, n->set_id[k], EVENT_ID_BYTES)))
			return 1;
	}
	return 0;
}

/* Makes cfg the node's configuration (the old one is freed). */
static void
config_install(struct node *n, struct config *cfg, char *text)
{
	config_free(n->cfg);
	free(n->cfg_text);
	n->cfg = cfg;
	n->cfg_text = text;
	n->fold.cfg = cfg;
	store_set_max_skew(n->store, cfg->repl.max_clock_skew_ms);
}

int
node_settings_apply(struct node *n, int *changed, struct diag *d)
{
	uint64_t gen;
	int rc, installed = 0;
	if (changed)
		*changed = 0;
	if ((rc = store_global_gen(n->store, &gen)))
		return diag_set(d, rc, "cannot read the roster's generation");
	if (n->settings_read && gen == n->settings_gen && !n->grid_waiting)
		return 0;
	if ((rc = roster_refresh_store(&n->roster, n->store)))
		return diag_set(d, rc, "cannot read the roster");
	if (settings_moved(n)) {
		struct config *cfg = NULL;
		char *text = NULL;
		if ((rc = effective_config(n, &cfg, &text, d)))
			return rc;
		config_install(n, cfg, text);
		if (changed)
			*changed |= NODE_SETTINGS_CONFIG;
		if ((rc = refresh_views(n, d)))
			return rc;
	}
	n->settings_gen = gen;
	n->settings_read = 1;
	rc = grid_published_apply(n, &n->roster, &n->grid_waiting, &installed, d);
	if (installed && changed)
		*changed |= NODE_SETTINGS_GRID;
	return rc;
}

int
node_setting_publish(struct node *n, struct admin_key *a,
		     enum roster_setting kind, const struct buf *body,
		     const uint8_t *blob, uint64_t now_ms,
		     uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	const uint8_t(*blobs)[EVENT_ID_BYTES] = (const uint8_t(*)[EVENT_ID_BYTES])blob;
	const char *type = roster_setting_type(kind);
	struct append_req req = { ROSTER_CASE, type, body->data, body->len,
				  blob ? 1 : 0, blobs, now_ms };
	int rc;
	BUG_ON(!type);
	if (kind != RS_GRID &&
	    (rc = config_setting_check(kind, body->data, body->len, d)))
		return rc;
	if ((rc = prepare_admin(n, a, d)) ||
	    (rc = node_may_sign(n, NULL, admin_key_key(a), ROSTER_CASE, type, d)) ||
	    (rc = store_append(n->store, admin_key_key(a), &req, id, d)) ||
	    (rc = admin_key_save_roster(a, n->store, d)))
		return rc;
	return node_settings_apply(n, NULL, d);
}

int
node_open(const char *dir, int flags, const char *key_path, struct node **out,
	  struct diag *d)
{
	struct store_options opt = { 0 };
	struct node *n = xcalloc(1, sizeof(*n));
	int rc;

	if (flags & NODE_NOSYNC)
		opt.flags |= STORE_NOSYNC;
	n->dir = xstrdup(dir);
	roster_init(&n->roster);
	/*
	 * A daemon serving the store already is of an older gridcase if the
	 * store is older: upgraded under it, the store would hold ids where
	 * that daemon never looks (docs/store.md, "Upgrades").
	 */
	if (daemon_is_running(dir))
		opt.flags |= STORE_NO_UPGRADE;
	if ((rc = store_open(dir, &opt, &n->store, d))) {
		if (rc == ERR_BUSY && (opt.flags & STORE_NO_UPGRADE) && d) {
			char why[sizeof(d->text)];
			snprintf(why, sizeof(why), "%s", d->text);
			rc = diag_set(d, ERR_BUSY,
				      "%s: a 'gridcase run' serves it; stop that daemon, then start this gridcase's, which upgrades the store",
				      why);
		}
		goto fail;
	}
	{
		struct buf admin = BUF_INIT;
		if (store_meta_get(n->store, "admin", &admin) == 0 &&
		    hex_decode(buf_cstr(&admin), n->roster.admin,
			       EVENT_KEY_BYTES) == 0)
			n->roster.has_admin = 1;
		buf_release(&admin);
	}
	if (!n->roster.has_admin) {
		rc = diag_set(d, ERR_CORRUPT, "store '%s' names no admin key", dir);
		goto fail;
	}
	if ((rc = effective_config(n, &n->cfg, &n->cfg_text, d)))
		goto fail;
	if (store_global_gen(n->store, &n->settings_gen) == 0)
		n->settings_read = 1;
	n->fold.roster = &n->roster;
	n->fold.cfg = n->cfg;
	store_set_fold(n->store, view_fold, &n->fold);
	store_set_admit_filter(n->store, admit_filter, n);
	n->announce = announce_new(dir);
	store_set_commit_hook(n->store, announce_commit, n->announce);
	store_set_global_case(n->store, ROSTER_CASE);
	store_set_max_skew(n->store, n->cfg->repl.max_clock_skew_ms);
	if ((rc = refresh_views(n, d)))
		goto fail;
	{
		/* The published grid, once its blob is here; a failure
		 * here must not keep the node from opening. */
		struct diag why;
		int installed = 0;
		if (grid_published_apply(n, &n->roster, &n->grid_waiting,
					 &installed, &why))
			log_warn("node", "the published grid is not used: %s",
				 why.text);
	}
	if (flags & NODE_WITH_KEY) {
		char *path = key_path ? xstrdup(key_path)
				      : xasprintf("%s/%s", dir, NODE_KEY_FILE);
		rc = key_load(path, &n->key, d);
		free(path);
		if (rc)
			goto fail;
	}
	*out = n;
	return 0;
fail:
	node_close(n);
	return rc;
}

int
node_config_reload(struct node *n, struct diag *d)
{
	struct config *cfg = NULL;
	char *text = NULL;
	int rc = effective_config(n, &cfg, &text, d);
	if (rc)
		return rc;
	config_install(n, cfg, text);
	return refresh_views(n, d);
}

void
node_close(struct node *n)
{
	if (!n)
		return;
	store_close(n->store);
	announce_free(n->announce);
	key_free(n->key);
	config_free(n->cfg);
	free(n->cfg_text);
	roster_release(&n->roster);
	free(n->dir);
	free(n);
}

struct store *
node_store(struct node *n)
{
	return n->store;
}

void
node_announce(struct node *n)
{
	if (n->announce)
		announce_send(n->announce);
}

const struct key *
node_key(struct node *n)
{
	return n->key;
}

const char *
node_dir(const struct node *n)
{
	return n->dir;
}

const struct config *
node_config(const struct node *n)
{
	return n->cfg;
}

const char *
node_config_text(const struct node *n)
{
	return n->cfg_text;
}

const struct roster *
node_roster(struct node *n)
{
	return roster_refresh_store(&n->roster, n->store) ? NULL : &n->roster;
}

int
node_may_sign(struct node *n, struct store_batch *b, const struct key *k,
	      const char *case_id, const char *type, struct diag *d)
{
	const uint8_t *key = key_public(k);
	struct summary_entry last;
	char hex[17], roles[96];
	uint64_t after;
	int rc;

	if ((rc = b ? roster_refresh_batch(&n->roster, b)
		    : roster_refresh_store(&n->roster, n->store)))
		return diag_set(d, rc, "cannot read the roster");
	if ((rc = b ? store_batch_summary_get(b, key, &last)
		    : store_summary_get(n->store, key, &last)) &&
	    rc != ERR_NOTFOUND)
		return diag_set(d, rc, "cannot read the summary");
	if (rc == ERR_NOTFOUND)
		last.seq = 0;
	key_label(key, hex);
	if (!roster_knows(&n->roster, key))
		return diag_set(d, ERR_DENIED,
				"key %s is not in this node's roster: an admin must add it (gridcase roster add)",
				hex);
	const struct member *m = roster_lookup(&n->roster, key, last.seq + 1);
	if (!m && roster_is_revoked(&n->roster, key, &after))
		return diag_set(d, ERR_DENIED,
				"key %s was revoked after its event %llu; it may sign nothing more",
				hex, (unsigned long long)after);
	if (!m)
		return diag_set(d, ERR_DENIED,
				"key %s is no member in this node's roster", hex);
	if (strcmp(case_id, ROSTER_CASE) == 0) {
		if (!(m->roles & ROLE_ADMIN))
			return diag_set(d, ERR_DENIED,
					"only admin keys may change the roster, and %s (%s) is no admin",
					hex, m->name);
		return 0;
	}
	const struct action_def *a = workflow_action(type, strlen(type));
	if (a && !(m->roles & a->roles)) {
		char need[96];
		roles_format(m->roles, roles, sizeof(roles));
		roles_format(a->roles, need, sizeof(need));
		return diag_set(d, ERR_DENIED,
				"%s (key %s) holds the roles %s; '%s' needs one of %s",
				m->name, hex, roles[0] ? roles : "(none)", type, need);
	}
	return 0;
}

/* The highest seq of author among the envelopes of an export stream. */
static uint64_t
stream_max_seq(const struct buf *stream, const uint8_t author[EVENT_KEY_BYTES])
{
	uint64_t top = 0;
	size_t off = 0, used;
	while (off < stream->len) {
		struct envelope env;
		struct event ev;
		if (envelope_read(stream->data + off, stream->len - off, &env,
				  &used, NULL))
			break;
		if (event_decode(env.event, env.event_len, &ev, NULL) == 0 &&
		    memcmp(ev.author, author, EVENT_KEY_BYTES) == 0 &&
		    ev.seq > top)
			top = ev.seq;
		off += used;
	}
	return top;
}

struct why_waiting {
	const uint8_t *author;
	uint64_t seq;
	unsigned why;
};

static int
find_waiting(const uint8_t *env, size_t n, unsigned why, size_t nmissing,
	     void *ctx)
{
	struct why_waiting *w = ctx;
	struct envelope e;
	struct event ev;
	size_t used;
	(void)nmissing;
	if (envelope_read(env, n, &e, &used, NULL) == 0 &&
	    event_decode(e.event, e.event_len, &ev, NULL) == 0 &&
	    memcmp(ev.author, w->author, EVENT_KEY_BYTES) == 0 &&
	    ev.seq == w->seq) {
		w->why = why;
		return 1;
	}
	return 0;
}

static void
ignore_refusal(void *ctx, uint64_t index, size_t offset, const uint8_t *id,
	       int rc, const char *why)
{
	(void)ctx;
	(void)index;
	(void)offset;
	(void)id;
	log_debug("node", "a roster change the admin key carries was not taken: %s: %s",
		  err_str(rc), why);
}

/*
 * What every roster change asks first: the node takes the roster the
 * admin key carries, and the key must not have forked, nor be behind
 * what it carries (signing then would reuse a seq).
 */
static int
prepare_admin(struct node *n, struct admin_key *a, struct diag *d)
{
	const struct key *k = admin_key_key(a);
	const uint8_t *key = key_public(k);
	const struct buf *carried = admin_key_roster(a);
	struct import_tally t;
	struct summary_entry last;
	uint64_t forked = 0;
	char hex[17];
	int rc;

	key_label(key, hex);
	if (carried->len &&
	    (rc = store_import(n->store, carried->data, carried->len, 0,
			       ignore_refusal, NULL, &t, d)))
		return rc;
	if ((rc = store_fork_seq(n->store, key, &forked)))
		return diag_set(d, rc, "cannot read forks");
	if (forked)
		return diag_set(d, ERR_FORKED,
				"admin key %s has signed two different roster changes as its change %llu (two copies of its key file in use?): its changes from %llu on count for nothing on every node; make roster changes with another admin key (gridcase roster show lists them)",
				hex, (unsigned long long)forked,
				(unsigned long long)forked);
	rc = store_summary_get(n->store, key, &last);
	if (rc == ERR_NOTFOUND)
		last.seq = 0;
	else if (rc)
		return diag_set(d, rc, "cannot read the summary");
	uint64_t carried_top = stream_max_seq(carried, key);
	if (carried_top > last.seq) {
		struct why_waiting w = { key, last.seq + 1, 0 };
		(void)!store_walk_waiting(n->store, find_waiting, &w);
		return diag_set(d, ERR_CHAIN,
				"this node cannot yet take the admin key's change %llu that its key file carries (%s): not signing, so that the key does not sign a second change %llu",
				(unsigned long long)(last.seq + 1),
				w.why & WAIT_FUTURE && !(w.why & (WAIT_PREV | WAIT_DEPS))
					? "its time is ahead of this node's clock by more than the allowed skew: check this node's clock"
					: "it depends on events this node lacks: sync this node first",
				(unsigned long long)(last.seq + 1));
	}
	return 0;
}

static int
append_roster(struct node *n, struct admin_key *a, const char *type,
	      const struct buf *body, uint64_t now_ms, struct diag *d)
{
	struct append_req req = { ROSTER_CASE, type, body->data, body->len, 0,
				  NULL, now_ms };
	int rc = node_may_sign(n, NULL, admin_key_key(a), ROSTER_CASE, type, d);
	if (rc == 0)
		rc = store_append(n->store, admin_key_key(a), &req, NULL, d);
	if (rc == 0)
		rc = admin_key_save_roster(a, n->store, d);
	return rc;
}

int
node_roster_add(struct node *n, struct admin_key *a, const struct member *m,
		uint64_t now_ms, struct diag *d)
{
	struct buf body = BUF_INIT;
	char hex[17];
	int rc = prepare_admin(n, a, d);
	if (rc)
		return rc;
	if ((rc = roster_refresh_store(&n->roster, n->store)))
		return diag_set(d, rc, "cannot read the roster");
	if (roster_rank(&n->roster, m->key) != ROSTER_NO_RANK &&
	    !(m->roles & ROLE_ADMIN))
		return diag_set(d, ERR_INVAL,
				"%s is an admin key: the admin role is taken away only by revoking the key (gridcase roster revoke)",
				key_label(m->key, hex));
	roster_add_body(m, &body);
	rc = append_roster(n, a, ROSTER_ADD, &body, now_ms, d);
	buf_release(&body);
	return rc;
}

int
node_roster_revoke(struct node *n, struct admin_key *a,
		   const uint8_t key[EVENT_KEY_BYTES], uint64_t last_seq,
		   const char *reason, uint64_t now_ms, struct diag *d)
{
	const uint8_t *me = key_public(admin_key_key(a));
	struct buf body = BUF_INIT;
	char hex[17];
	int rc = prepare_admin(n, a, d);
	if (rc)
		return rc;
	if ((rc = roster_refresh_store(&n->roster, n->store)))
		return diag_set(d, rc, "cannot read the roster");
	uint32_t target = roster_rank(&n->roster, key);
	uint32_t mine = roster_rank(&n->roster, me);
	if (memcmp(key, me, EVENT_KEY_BYTES) != 0 && target != ROSTER_NO_RANK &&
	    target <= mine)
		return diag_set(d, ERR_DENIED,
				"%s is an admin as senior as this key or more (rank %u, this key %u): only a more senior admin may revoke it, or it revokes itself",
				key_label(key, hex), target, mine);
	roster_revoke_body(key, last_seq, reason, &body);
	rc = append_roster(n, a, ROSTER_REVOKE, &body, now_ms, d);
	buf_release(&body);
	return rc;
}

int
node_erasures_apply(struct node *n, uint64_t *count, struct diag *d)
{
	uint64_t gen, done = 0;
	int rc;
	if (count)
		*count = 0;
	if ((rc = store_global_gen(n->store, &gen)))
		return diag_set(d, rc, "cannot read the roster's generation");
	if (n->erasures_applied && gen == n->erasures_gen)
		return 0;
	if ((rc = roster_refresh_store(&n->roster, n->store)))
		return diag_set(d, rc, "cannot read the roster");
	for (size_t i = 0; i < n->roster.n; i++) {
		const struct roster_change *c = &n->roster.ch[i];
		int now = 0;
		if (c->why_void != RV_ERASURE)
			continue;
		if ((rc = store_blob_erase_marked(n->store, c->blob, c->time_ms,
						  &now, d)))
			return rc;
		done += (uint64_t)now;
	}
	n->erasures_applied = 1;
	n->erasures_gen = gen;
	if (count)
		*count = done;
	return 0;
}

int
node_blob_erase(struct node *n, struct admin_key *a,
		const uint8_t hash[EVENT_ID_BYTES], const char *reason,
		uint64_t now_ms, struct diag *d)
{
	struct buf body = BUF_INIT;
	int rc = store_blob_erasable(n->store, hash, d);
	if (rc == 0)
		rc = prepare_admin(n, a, d);
	if (rc)
		return rc;
	roster_erase_body(hash, reason, &body);
	rc = append_roster(n, a, ROSTER_BLOB_ERASE, &body, now_ms, d);
	buf_release(&body);
	if (rc == 0)
		rc = node_erasures_apply(n, NULL, d);
	return rc;
}

int
node_fold_case(struct node *n, struct store_batch *b, const char *case_id,
	       struct case_state *st, struct diag *d)
{
	struct case_source src;
	view_source_batch(b, &src);
	return fold_case(&n->fold, &src, case_id, st, d);
}

const struct roster *
node_batch_roster(struct node *n, struct store_batch *b)
{
	return roster_refresh_batch(&n->roster, b) ? NULL : &n->roster;
}

int
node_refold(struct node *n, uint64_t *cases, struct diag *d)
{
	return store_refold_all(n->store, cases, d);
}

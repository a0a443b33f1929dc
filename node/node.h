/*
 * node.h - a gridcase node: its directory, store, key and configuration.
 *
 * A node directory holds the LMDB store (data.mdb, lock.mdb), the node's
 * secret key (node.key, mode 0600) and its configuration (config.json).
 * Opening a node installs the case fold in the store, so that every write
 * keeps the case views current.  Every CLI command opens the node
 * directly: LMDB lets it do so while a daemon has it open too.
 */
#ifndef GRIDCASE_NODE_H
#define GRIDCASE_NODE_H

#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "node/case/roster.h"

struct node;
struct store;
struct key;
struct config;
struct case_state;
struct store_batch;
struct member;
struct roster;

#define NODE_KEY_FILE "node.key"

struct node_init_opts {
	const char *network;   /* district network name */
	const char *name;      /* this node's name, e.g. "office-07" */
	const char *county;    /* 6-digit admin code, or NULL */
	const uint8_t *
		admin; /* the district admin's public key (EVENT_KEY_BYTES bytes) */
};

/*
 * Creates the store, a new key and config.json in dir, records the admin
 * key and writes the node's public key to pub.  ERR_EXISTS if dir already
 * holds a node.  The node can act once the admin has added its key to the
 * roster and the roster has reached it (docs/protocol.md, "joining").
 */
MUST_CHECK int node_init(const char *dir, const struct node_init_opts *o,
			 uint8_t pub[EVENT_KEY_BYTES], struct diag *d);

enum node_open_flags {
	NODE_WITH_KEY = 1, /* load a key (needed to write events) */
	NODE_NOSYNC = 2,   /* store without fsync: benchmarks only */
};

/*
 * Opens the node in dir; free with node_close().  key_path (NULL: the
 * node's own node.key) is the key to act with when NODE_WITH_KEY is set:
 * one node may host several members' keys (a centre's operators).
 */
MUST_CHECK int node_open(const char *dir, int flags, const char *key_path,
			 struct node **out, struct diag *d);
void node_close(struct node *n);

/* Borrowed for the node's life. */
struct store *node_store(struct node *n);
/* Tells the node's running daemon, if any, that its state changed (as
 * after a commit to its store): for local tables the daemon acts on. */
void node_announce(struct node *n);
/* NULL unless opened with NODE_WITH_KEY. */
const struct key *node_key(struct node *n);
const char *node_dir(const struct node *n);
const struct config *node_config(const struct node *n);
/*
 * The JSON text node_config() was parsed from: DIR/config.json (or
 * data/'s) with the published settings in force over it.  Borrowed like
 * node_config().
 */
const char *node_config_text(const struct node *n);

/*
 * The roster as the store holds it now (read again if it changed);
 * borrowed until the next call.  NULL if it cannot be read.
 */
const struct roster *node_roster(struct node *n);

/*
 * Whether key may sign an event of this type on case_id, by the roster
 * the node (or the batch b, if not NULL) holds now: a member, not
 * revoked, an admin for the roster, holding a role the workflow step
 * needs.  Every local write asks this before it signs, since every peer
 * would refuse such an event.  ERR_DENIED says why, in the signer's
 * terms.
 */
MUST_CHECK int node_may_sign(struct node *n, struct store_batch *b,
			     const struct key *k, const char *case_id,
			     const char *type, struct diag *d);

/*
 * Roster changes signed by an admin key (node/admin.h): member.add of m,
 * or member.revoke of key after last_seq.  The node first takes the
 * roster the key carries; afterwards the key file carries the node's
 * roster.  ERR_DENIED (no admin; revoking an admin as senior or more),
 * ERR_FORKED (the admin key forked), ERR_CHAIN (the node cannot take the
 * key's own earlier changes yet), ERR_INVAL (taking the admin role away
 * by member.add).
 */
struct admin_key;
MUST_CHECK int node_roster_add(struct node *n, struct admin_key *a,
			       const struct member *m, uint64_t now_ms,
			       struct diag *d);
MUST_CHECK int node_roster_revoke(struct node *n, struct admin_key *a,
				  const uint8_t key[EVENT_KEY_BYTES],
				  uint64_t last_seq, const char *reason,
				  uint64_t now_ms, struct diag *d);

/*
 * Erases a blob on every node: signs a blob.erase event of the roster
 * case with the admin key (as node_roster_add() does, with its errors),
 * then erases the blob here (node_erasures_apply()).  The event
 * replicates like any roster event; every node that holds it erases the
 * blob and keeps only its hash.
 */
MUST_CHECK int node_blob_erase(struct node *n, struct admin_key *a,
			       const uint8_t hash[EVENT_ID_BYTES],
			       const char *reason, uint64_t now_ms,
			       struct diag *d);

/*
 * Honours every blob.erase event the node holds: each blob named is
 * erased here if it is here, and its hash remembered as erased either
 * way (store_blob_erase_marked()).  *count (may be NULL) receives how
 * many were erased or marked now.  Cheap when the roster did not change
 * since the last call.  The errors of the store.
 */
MUST_CHECK int node_erasures_apply(struct node *n, uint64_t *count,
				   struct diag *d);

/*
 * Published settings (docs/workflow.md §3): the grid, calendar and limit
 * table in force in the roster replace config.json's calendar and limits
 * (node_config() returns them) and the imported grid cells.  Opening a
 * node reads them; node_settings_apply() reads them again when the
 * roster moved (a running daemon calls it every second; so do commands
 * after an import): a changed calendar folds the cases again, a new grid
 * replaces the cells once its blob is here.  *changed (may be NULL)
 * receives NODE_SETTINGS_CONFIG and NODE_SETTINGS_GRID as they changed.
 * Earlier node_config() pointers are freed when the configuration
 * changes.  The errors of the store; ERR_INVAL if the published grid's
 * GeoJSON does not read here (the cells stay as they were).
 */
enum { NODE_SETTINGS_CONFIG = 1, NODE_SETTINGS_GRID = 2 };
MUST_CHECK int node_settings_apply(struct node *n, int *changed,
				   struct diag *d);

/*
 * Signs a setting of the roster case with the admin key (as
 * node_roster_add() does, with its errors) and uses it here at once:
 * body is the event's (roster_grid_body(), config_setting_body()), blob
 * the one blob hash a grid.set names (stored here before), else NULL.
 * The event's id goes to id (may be NULL).  ERR_CONFIG for a calendar or
 * limit table that does not read.
 */
MUST_CHECK int node_setting_publish(struct node *n, struct admin_key *a,
				    enum roster_setting kind,
				    const struct buf *body, const uint8_t *blob,
				    uint64_t now_ms, uint8_t id[EVENT_ID_BYTES],
				    struct diag *d);

/* fold_case() with the node's roster and configuration. */
MUST_CHECK int node_fold_case(struct node *n, struct store_batch *b,
			      const char *case_id, struct case_state *st,
			      struct diag *d);

/* The roster as the batch sees it (NULL if unreadable); borrowed. */
const struct roster *node_batch_roster(struct node *n, struct store_batch *b);

/*
 * Reads dir/config.json again (SIGHUP to the daemon): on success the
 * node uses it from now on (node_config() returns the new one: earlier
 * pointers are freed) and folds its cases again if the calendar changed;
 * on error the node keeps the configuration it had: ERR_CONFIG naming
 * the file, key and what is wrong.
 */
MUST_CHECK int node_config_reload(struct node *n, struct diag *d);

/* Folds every case again (after the calendar changed). */
MUST_CHECK int node_refold(struct node *n, uint64_t *cases, struct diag *d);

#endif

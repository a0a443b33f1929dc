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

#include "common/err.h"

struct node;
struct store;
struct key;
struct config;
struct roles;

#define NODE_KEY_FILE "node.key"

struct node_init_opts {
	const char *network; /* district network name */
	const char *name;    /* this node's name, e.g. "office-07" */
	const char *county;  /* 6-digit admin code, or NULL */
	const char *unit;    /* the unit its key acts for (default: name) */
	unsigned roles;      /* its roles (default: all) */
};

/*
 * Creates the store, a new key and config.json in dir, makes the key a
 * member with the given unit and roles, and writes the public key to
 * pub.  ERR_EXISTS if dir already holds a node.
 */
MUST_CHECK int node_init(const char *dir, const struct node_init_opts *o,
			 uint8_t pub[32], struct diag *d);

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
/* NULL unless opened with NODE_WITH_KEY. */
const struct key *node_key(struct node *n);
const char *node_dir(const struct node *n);
const struct config *node_config(const struct node *n);
const struct roles *node_roles(const struct node *n);

/*
 * Reloads the member table and folds every case again (after `roles
 * add`); *cases receives the number of cases folded.
 */
MUST_CHECK int node_refold(struct node *n, uint64_t *cases, struct diag *d);

#endif

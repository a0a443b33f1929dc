/*
 * node.h - a gridcase node: its directory, store and key.
 *
 * A node directory holds the LMDB store (data.mdb, lock.mdb) and the
 * node's secret key (node.key, mode 0600).  Every CLI command opens the
 * node directly: LMDB lets it do so while a daemon has it open too.
 */
#ifndef GRIDCASE_NODE_H
#define GRIDCASE_NODE_H

#include <stdint.h>

#include "common/err.h"

struct node;
struct store;
struct key;

#define NODE_KEY_FILE "node.key"

struct node_init_opts {
	const char *network; /* district network name */
	const char *name;    /* this node's name, e.g. "office-07" */
	const char *county;  /* 6-digit admin code, or NULL */
};

/*
 * Creates the store and a new key in dir and writes the public key to pub.
 * ERR_EXISTS if dir already holds a node.
 */
MUST_CHECK int node_init(const char *dir, const struct node_init_opts *o,
			 uint8_t pub[32], struct diag *d);

enum node_open_flags {
	NODE_WITH_KEY = 1, /* load node.key too (needed to write events) */
	NODE_NOSYNC = 2,   /* store without fsync: benchmarks only */
};

/* Opens the node in dir; free with node_close(). */
MUST_CHECK int node_open(const char *dir, int flags, struct node **out,
			 struct diag *d);
void node_close(struct node *n);

/* Borrowed for the node's life. */
struct store *node_store(struct node *n);
/* NULL unless opened with NODE_WITH_KEY. */
const struct key *node_key(struct node *n);
const char *node_dir(const struct node *n);

#endif

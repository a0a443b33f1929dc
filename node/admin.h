/*
 * admin.h - an admin key and the roster it carries.
 *
 * An admin key file holds the key's seed on its first line and, after
 * it, the roster changes the key has seen, one per line: "roster " and
 * the envelope (docs/format.md §3) in hex.  An admin moves between nodes
 * with the file.  Before a change is signed on a node, the node takes in
 * the changes the file carries, so that the admin's chain goes on where
 * it ended even on a node that has not yet received the admin's last
 * change made elsewhere (signing there would otherwise reuse a seq: a
 * fork of the admin key).  After the change, the file carries the
 * node's whole roster, the new change included.
 */
#ifndef GRIDCASE_ADMIN_H
#define GRIDCASE_ADMIN_H

#include "common/buf.h"
#include "common/err.h"

struct admin_key;
struct key;
struct store;

/*
 * Reads an admin key file.  Errors as key_load() (ERR_NOTFOUND, ERR_PERM,
 * ERR_CORRUPT), and ERR_CORRUPT naming the line that is not a roster
 * change.  Free with admin_key_free().
 */
MUST_CHECK int admin_key_load(const char *path, struct admin_key **out,
			      struct diag *d);
void admin_key_free(struct admin_key *a);

/* The key (borrowed for the admin key's life). */
const struct key *admin_key_key(const struct admin_key *a);

/* The roster changes it carries, as one export stream (borrowed). */
const struct buf *admin_key_roster(const struct admin_key *a);

/*
 * Rewrites the key file with the roster s holds now (every event of the
 * roster case).  ERR_IO.
 */
MUST_CHECK int admin_key_save_roster(struct admin_key *a, struct store *s,
				     struct diag *d);

#endif

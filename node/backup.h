/*
 * backup.h - backups, restores and key replacement of a node.
 *
 * A node's key must never sign two events at one seq (a fork: every peer
 * then counts nothing of that key from the fork on).  A backup is the
 * store as of one moment; a node restored from it that went on signing
 * with its old key would reuse the seqs the key signed after the backup.
 * So a backup holds no secret key (node.pub says whose it was), and a
 * restored node takes a new key: the admin then replaces the old key in
 * the roster (node_roster_replace) on a node that holds the old key's
 * later events, and the restored node fetches those events from its peers
 * as anyone's.  The same replacement, done on the node itself, is a key
 * rotation (node_rekey).  docs/workflow.md §3, "Backups and keys".
 */
#ifndef GRIDCASE_NODE_BACKUP_H
#define GRIDCASE_NODE_BACKUP_H

#include <stdint.h>

#include "common/err.h"
#include "common/event.h"

struct node;
struct admin_key;

/* The public half of the backed-up node's key, in hex, in a backup. */
#define NODE_BACKUP_PUB_FILE "node.pub"
/* The store's metadata naming the key a restored node was backed up with. */
#define NODE_META_RESTORED_FROM "restored_from"
/* last_seq for node_roster_replace: the highest seq this node holds. */
#define NODE_LAST_SEQ_HELD UINT64_MAX

/*
 * Writes a backup of the node into the directory dest: a compacted copy
 * of the store made in one read transaction (a daemon may be running),
 * config.json, and node.pub; never node.key.  ERR_EXISTS if dest holds a
 * store already; store_backup()'s errors; ERR_IO for the other files.
 */
MUST_CHECK int node_backup(struct node *n, const char *dest, struct diag *d);

/*
 * Makes a node in dir from the backup in src, with a new key: the store
 * (checked), src's config.json (the default one if it has none), and a
 * new node.key.  Writes the backed-up key (from src's node.pub) to old
 * and the new one to pub.  The new key signs nothing until the roster
 * holds it (node_roster_replace, run by an admin).  ERR_EXISTS if dir
 * holds a node; ERR_NOTFOUND or ERR_CORRUPT for a backup without a store
 * or with an unreadable node.pub; store_restore()'s errors.
 */
MUST_CHECK int node_restore(const char *src, const char *dir,
			    uint8_t old[EVENT_KEY_BYTES],
			    uint8_t pub[EVENT_KEY_BYTES], struct diag *d);

/*
 * The roster change that puts key new in old's place, signed by the admin
 * key a: member.add of new with old's name, unit, roles and addresses,
 * then member.revoke of old after last_seq (NODE_LAST_SEQ_HELD: the
 * highest seq of old this node holds without a gap; refused with
 * ERR_STATE on a node restored from a backup of old, which cannot know
 * it).  An old key already revoked is only replaced.  Writes the seq
 * used to *last.  ERR_NOTFOUND if old is no member; node_roster_add()'s
 * and node_roster_revoke()'s errors.
 */
MUST_CHECK int node_roster_replace(struct node *n, struct admin_key *a,
				   const uint8_t old[EVENT_KEY_BYTES],
				   const uint8_t new_key[EVENT_KEY_BYTES],
				   uint64_t last_seq, uint64_t now_ms,
				   uint64_t *last, struct diag *d);

/*
 * Replaces the node's own key (n opened with NODE_WITH_KEY and its own
 * node.key): a new key, node_roster_replace() at the highest seq the old
 * key signed (this node is the only one that signs with it), then the
 * new key file renamed over node.key.  The old secret key is gone
 * afterwards.  A daemon running on the node keeps the old key in memory
 * until it is restarted: its peers fetch the roster change from it (a
 * daemon with a key they do not know yet could not reach them).
 * ERR_NOTFOUND if the node's key is no member; ERR_EXISTS if a
 * node.key.new of an unfinished rekey is there;
 * node_roster_replace()'s errors.  Writes the new public key to pub and
 * the old key's last seq to *last.
 */
MUST_CHECK int node_rekey(struct node *n, struct admin_key *a,
			  uint64_t now_ms, uint8_t pub[EVENT_KEY_BYTES],
			  uint64_t *last, struct diag *d);

#endif

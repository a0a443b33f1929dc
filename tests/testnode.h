/*
 * testnode.h - real nodes for tests: each in its own temporary directory
 * with its own LMDB store and key, sharing a member table, and moving
 * events between them the way an export/import (or a sync) does.
 */
#ifndef GRIDCASE_TESTNODE_H
#define GRIDCASE_TESTNODE_H

#include <stdint.h>

#include "node/case/roster.h"
#include "node/case/state.h"

struct node;
struct key;

struct tnode {
	char *dir;
	struct node *n;
	uint8_t pub[32];
	char name[32];
	char unit[32];
	unsigned roles;
	/* The node's intake key (operator, as docs/open311.md makes it):
	 * tnode_report() signs with it, so that the node's own key may
	 * register the case (one key may not both report and register,
	 * docs/workflow.md §3). */
	struct key *intake;
	uint8_t intake_pub[32];
};

/*
 * A new node (no fsync: tests) of network "testnet", whose key is to hold
 * `roles` for `unit` once introduced.  All test nodes share one admin key
 * (tnode_admin_key()).
 */
struct tnode *tnode_new(const char *name, const char *unit, unsigned roles);
/* Closes the node and removes its directory. */
void tnode_free(struct tnode *t);

/* The test district's admin key (borrowed, for the process's life). */
const struct key *tnode_admin_key(void);

/*
 * The same key as an admin key file that carries the roster (in a
 * temporary directory removed at exit); borrowed for the process's life.
 */
struct admin_key;
struct admin_key *tnode_admin(void);

/*
 * The admin adds every node to a new roster (one chain, written in a
 * workspace of its own) and every node receives it.  Call once per set of
 * nodes that will talk to each other.
 */
int tnode_introduce(struct tnode **t, int n);

/* Admits every event src holds (any order safe) into dst. */
int tnode_pull(struct tnode *dst, struct tnode *src);

/*
 * Takes a workflow action: type is the event type, then NULL-terminated
 * key, value string pairs for the body ("found" takes "yes"/"no").
 * Returns case_act()'s code; the id of the event goes to id if not NULL.
 */
int tnode_act(struct tnode *t, const char *case_id, const char *type,
	      uint64_t now, uint8_t id[32], ...);

/* Reports a case (event:06010 at a fixed grid) and writes its id. */
int tnode_report(struct tnode *t, const char *source, uint64_t now,
		 char case_id[18]);

/* The case's state from the node's view (release it). */
int tnode_state(struct tnode *t, const char *case_id, struct case_state *st);

/* The node's log digest. */
int tnode_digest(struct tnode *t, uint8_t out[32]);

/* Milliseconds of a UTC time "2026-03-02T01:00:00Z". */
uint64_t tnode_ms(const char *iso);

#endif

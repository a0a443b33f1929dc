/*
 * source.h - where the pure case domain reads events from.
 *
 * The domain (node/case/) touches no store: the fold and the roster read
 * a case's events through this small table of functions, which the store
 * glue (node/view.c) fills from an LMDB batch or a read transaction, and
 * a unit test fills from an array.  The domain never sees a transaction.
 */
#ifndef GRIDCASE_CASE_SOURCE_H
#define GRIDCASE_CASE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/event.h"

/*
 * Called once per event with its envelope bytes (valid during the call
 * only).  Returning non-zero stops the walk; that value is returned.  The
 * same type as store_event_fn (store/store.h).
 */
typedef int (*case_event_fn)(const uint8_t *env, size_t n, void *ctx);

struct case_source {
	/*
	 * Calls fn for each event of case_id in (lamport, id) order, fork
	 * proofs included; the events were verified when they were stored.
	 */
	int (*walk)(void *src, const char *case_id, case_event_fn fn,
		    void *ctx);
	/* The lowest seq at which author forked (0: never). */
	int (*fork_seq)(void *src, const uint8_t author[EVENT_KEY_BYTES],
			uint64_t *seq);
	/* A counter that moves whenever a roster event or a fork is added. */
	int (*global_gen)(void *src, uint64_t *gen);
	void *src; /* borrowed: the batch or the store */
};

#endif

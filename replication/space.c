/*
 * space.c - a full disk under replication.
 *
 * When a batch of fetched events cannot be committed because the file
 * system is full (ERR_NOSPACE), nothing of it is stored and the round
 * ends (pull.c): the summary, committed with the events, is the resume
 * point, so whatever a peer sent and we could not store is simply asked
 * for again later.  Nothing is parked.  Meanwhile rounds would only fetch
 * what cannot be stored, so they wait until the free space has grown
 * (looked at once a second), or a minute has passed (a quota or a file
 * system whose free space statvfs does not show).  The engine says
 * "disk full" once, when it finds it, and once when there is room again.
 */
#include "replication/internal.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "common/units.h"
#include "store/store.h"
#include "common/banned.h"

/* Rounds start again when this much more is free than at the failure. */
#define SPACE_RESUME_BYTES ((uint64_t)1 << 20)
/* How often the free space is looked at while full. */
#define SPACE_CHECK_MS 1000
/* A round anyway after this long: free space may not tell the truth. */
#define SPACE_RETRY_MS 60000

void
space_full(struct repl *r, const char *peer, const char *what,
	   const char *detail)
{
	struct store_space sp;
	uint64_t now = repl_now_ms();
	(void)!store_space(r->store, &sp);
	if (!r->nospace)
		log_err("repl", "disk full: cannot store %s from %s: %s; "
			"they will be fetched again when there is room",
			what, peer, detail);
	else
		log_debug("repl", "still no room for %s from %s: %s", what,
			  peer, detail);
	r->nospace = 1;
	r->nospace_free = sp.free_bytes;
	r->nospace_check_ms = now;
	r->nospace_retry_ms = now + SPACE_RETRY_MS;
	snprintf(r->nospace_text, sizeof(r->nospace_text), "%s", detail);
}

static void
space_back(struct repl *r, const char *why)
{
	struct store_space sp;
	char fr[UNITS_BYTES_LEN];
	(void)!store_space(r->store, &sp);
	log_warn("repl", "disk space is back (%s free): %s",
		 units_bytes(sp.free_bytes, fr), why);
	r->nospace = 0;
	r->nospace_text[0] = '\0';
}

void
space_stored(struct repl *r)
{
	if (r->nospace)
		space_back(r, "events are stored again");
}

int
space_wait(struct repl *r)
{
	struct store_space sp;
	uint64_t now;
	if (!r->nospace)
		return 0;
	now = repl_now_ms();
	if (now >= r->nospace_retry_ms)
		return 0; /* one more try; a failure sets the next */
	if (now - r->nospace_check_ms < SPACE_CHECK_MS)
		return 1;
	r->nospace_check_ms = now;
	if (store_space(r->store, &sp) != 0 ||
	    sp.free_bytes < r->nospace_free + SPACE_RESUME_BYTES)
		return 1;
	space_back(r, "fetching from peers again");
	return 0;
}

const char *
repl_storage_error(const struct repl *r)
{
	return r->nospace ? r->nospace_text : "";
}

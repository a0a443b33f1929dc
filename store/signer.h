/*
 * signer.h - signing a batch's own events on a second core.
 *
 * An event's id does not cover its signature, so a batch can chain, index
 * and store its events while their signatures are still being made; the
 * signed envelopes are written over the unsigned ones before the commit.
 * A signature costs more than everything else an append does, so a large
 * batch of appends takes about as long as the larger of the two.
 */
#ifndef GRIDCASE_STORE_SIGNER_H
#define GRIDCASE_STORE_SIGNER_H

#include <stddef.h>
#include <stdint.h>

#include "common/event.h"

struct key;
struct signer;

struct signer *signer_new(void);

/*
 * Queues an envelope (copied) whose last EVENT_SIG_BYTES are to be k's
 * signature of id.  k must outlive the signer.
 */
void signer_add(struct signer *s, const struct key *k,
		const uint8_t id[EVENT_ID_BYTES], const uint8_t *env, size_t n);

/*
 * Finishes every signature (this thread helps), then calls fn with each
 * signed envelope in the order they were added; stops at the first
 * non-zero return, which it returns.
 */
typedef int (*signer_fn)(void *ctx, const uint8_t id[EVENT_ID_BYTES],
			 const uint8_t *env, size_t n);
int signer_each(struct signer *s, signer_fn fn, void *ctx);

/* Waits for the thread and frees everything; NULL is allowed. */
void signer_free(struct signer *s);

#endif

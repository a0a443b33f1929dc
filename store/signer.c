/*
 * signer.c - signs a batch's own events on a second thread while the
 * batch goes on (signer.h).
 *
 * Jobs live in chunks that never move, so the thread can sign one while
 * the batch adds more; only the chunk table and the counters are shared
 * under the mutex.  The thread starts with the first job, so a batch of a
 * few events never pays for it.
 */
#include "store/signer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "common/banned.h"

#define CHUNK 1024

struct sign_job {
	const struct key *k;
	uint8_t id[EVENT_ID_BYTES];
	struct buf env; /* the envelope; its last EVENT_SIG_BYTES get the signature */
};

struct signer {
	pthread_mutex_t mu;
	pthread_cond_t more;  /* a job was added, or the batch is closing */
	pthread_cond_t idle;  /* a job was finished */
	pthread_t thread;
	int started, closing;
	struct sign_job **chunks;
	size_t nchunks;
	size_t count, next, done;
};

struct signer *
signer_new(void)
{
	struct signer *s = xcalloc(1, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->more, NULL);
	pthread_cond_init(&s->idle, NULL);
	return s;
}

static struct sign_job *
job_at(struct signer *s, size_t i)
{
	return &s->chunks[i / CHUNK][i % CHUNK];
}

static void
sign_job(struct sign_job *j)
{
	seal_sign(j->k, j->id, j->env.data + j->env.len - EVENT_SIG_BYTES);
}

/* Takes the next job and signs it; 0 when there was none. */
static int
sign_next(struct signer *s, int wait)
{
	pthread_mutex_lock(&s->mu);
	while (wait && s->next == s->count && !s->closing)
		pthread_cond_wait(&s->more, &s->mu);
	if (s->next == s->count) {
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	struct sign_job *j = job_at(s, s->next++);
	pthread_mutex_unlock(&s->mu);
	sign_job(j);
	pthread_mutex_lock(&s->mu);
	s->done++;
	pthread_cond_signal(&s->idle);
	pthread_mutex_unlock(&s->mu);
	return 1;
}

static void *
run(void *arg)
{
	struct signer *s = arg;
	while (sign_next(s, 1))
		;
	return NULL;
}

void
signer_add(struct signer *s, const struct key *k,
	   const uint8_t id[EVENT_ID_BYTES], const uint8_t *env, size_t n)
{
	pthread_mutex_lock(&s->mu);
	if (s->count == s->nchunks * CHUNK) {
		s->chunks = xrealloc(s->chunks, (s->nchunks + 1) * sizeof(*s->chunks));
		s->chunks[s->nchunks++] = xcalloc(CHUNK, sizeof(struct sign_job));
	}
	struct sign_job *j = job_at(s, s->count);
	pthread_mutex_unlock(&s->mu);
	/* The slot is past `count`: the thread does not look at it yet. */
	j->k = k;
	memcpy(j->id, id, EVENT_ID_BYTES);
	buf_add(&j->env, env, n);
	pthread_mutex_lock(&s->mu);
	s->count++;
	if (!s->started)
		s->started = pthread_create(&s->thread, NULL, run, s) == 0 ? 1 : -1;
	pthread_cond_signal(&s->more);
	pthread_mutex_unlock(&s->mu);
}

/* Signs what is left on this thread too, then waits for the other. */
static void
finish(struct signer *s)
{
	while (sign_next(s, 0))
		;
	pthread_mutex_lock(&s->mu);
	while (s->done < s->count)
		pthread_cond_wait(&s->idle, &s->mu);
	s->closing = 1;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->mu);
	if (s->started == 1)
		pthread_join(s->thread, NULL);
	s->started = 0;
}

int
signer_each(struct signer *s, signer_fn fn, void *ctx)
{
	int rc = 0;
	finish(s);
	for (size_t i = 0; i < s->count && rc == 0; i++) {
		struct sign_job *j = job_at(s, i);
		rc = fn(ctx, j->id, j->env.data, j->env.len);
	}
	return rc;
}

void
signer_free(struct signer *s)
{
	if (!s)
		return;
	finish(s);
	for (size_t i = 0; i < s->count; i++)
		buf_release(&job_at(s, i)->env);
	for (size_t c = 0; c < s->nchunks; c++)
		free(s->chunks[c]);
	free(s->chunks);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

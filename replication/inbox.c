/*
 * inbox.c - the one place nng's threads touch: a queue of what happened,
 * and a wake-up for the loop thread.
 */
#include "replication/internal.h"

#include <stdlib.h>

#include "common/banned.h"

void
inbox_init(struct inbox *q)
{
	pthread_mutex_init(&q->mu, NULL);
	q->head = q->tail = NULL;
}

void
inbox_push(struct repl *r, struct item *it)
{
	struct inbox *q = &r->inbox;
	it->next = NULL;
	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	pthread_mutex_unlock(&q->mu);
	r->h.wake(r->h.ctx);
}

struct item *
inbox_take(struct inbox *q)
{
	pthread_mutex_lock(&q->mu);
	struct item *all = q->head;
	q->head = q->tail = NULL;
	pthread_mutex_unlock(&q->mu);
	return all;
}

void
inbox_release(struct inbox *q)
{
	struct item *it = inbox_take(q);
	while (it) {
		struct item *next = it->next;
		if (it->msg)
			nng_msg_free(it->msg);
		free(it);
		it = next;
	}
	pthread_mutex_destroy(&q->mu);
}

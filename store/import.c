/*
 * import.c - ingesting a stream of exported envelopes (docs/format.md §6).
 *
 * The stream is cut into envelopes, their signatures are checked on every
 * core (seal_open_many), then they are admitted in batches, one durable
 * commit each.  An envelope that cannot be read ends the stream there (its
 * length cannot be trusted); one that reads but fails a check is refused
 * alone.  Refusals by the admission filter (an author the roster does not
 * know yet) are tried once more at the end: the roster's own events may
 * come later in the stream.
 */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "crypto/seal.h"
#include "common/banned.h"

struct importer {
	struct store *s;
	const uint8_t *p;
	struct seal_item *items;
	size_t *offsets;
	size_t n;
	store_reject_fn reject;
	void *ctx;
	struct import_tally *t;
	size_t *retry;
	size_t nretry;
	uint64_t done; /* envelopes handled, for progress */
};

static void
count(struct import_tally *t, const struct admit_result *res)
{
	switch (res->status) {
	case ADMIT_NEW: t->added++; break;
	case ADMIT_DUPLICATE: t->duplicate++; break;
	case ADMIT_PENDING: t->pending++; break;
	case ADMIT_FORK: t->forks++; break;
	case ADMIT_EVIDENCE: t->evidence++; break;
	case ADMIT_SURPLUS: t->surplus++; break;
	}
	t->promoted += res->promoted;
	t->forks += res->forks;
}

/* Admits items idx[0..k) in one batch; some go to retry (below). */
static int
admit_items(struct importer *im, const size_t *idx, size_t k, int last_try,
	    struct diag *d)
{
	struct store_batch *b;
	int rc = store_batch_begin(im->s, &b);
	if (rc)
		return diag_set(d, rc, "cannot begin a write: %s", err_str(rc));
	for (size_t j = 0; j < k; j++) {
		size_t i = idx[j];
		struct seal_item *it = &im->items[i];
		if (!last_try)
			store_progress(im->s, "import", ++im->done, im->n);
		struct envelope env;
		struct event ev;
		struct admit_result res;
		struct diag why;
		size_t used;
		if (it->rc) {
			/* Its reasons, again, for the report (cheap: the
			 * failure is found before or at the signature). */
			(void)!seal_open(it->p, it->n, im->s->network, &env, &ev,
					 &used, &why);
			BUG_ON(envelope_read(it->p, it->n, &env, &used, NULL));
			im->reject(im->ctx, i, im->offsets[i], env.id, it->rc, why.text);
			im->t->rejected++;
			continue;
		}
		/* Checked already (seal_open decoded it). */
		BUG_ON(envelope_read(it->p, it->n, &env, &used, NULL) ||
		       event_decode_known(env.event, env.event_len, &ev));
		rc = store_batch_admit(b, it->p, it->n, &env, &ev, &res, &why);
		if (rc && store_batch_is_failed(b)) {
			store_batch_abort(b);
			return diag_set(d, rc, "import stopped at event #%zu: %s", i,
					why.text);
		}
		/*
		 * Offered once more at the end: an event whose author the
		 * roster names further on in the stream, and a forked
		 * author's event or fork version not needed yet, which an
		 * event later in the stream may turn out to depend on
		 * (docs/format.md §5a): so any order of the stream gives the
		 * same log.
		 */
		if (!last_try && (rc == ERR_DENIED || rc == ERR_FORKED ||
				  (rc == 0 && res.status == ADMIT_SURPLUS))) {
			im->retry = xrealloc(im->retry, (im->nretry + 1) * sizeof(size_t));
			im->retry[im->nretry++] = i;
			continue;
		}
		if (rc) {
			im->reject(im->ctx, i, im->offsets[i], env.id, rc, why.text);
			im->t->rejected++;
			continue;
		}
		count(im->t, &res);
	}
	return store_batch_commit(b, d);
}

int
store_import(struct store *s, const uint8_t *p, size_t n, size_t batch,
	     store_reject_fn reject, void *ctx, struct import_tally *t,
	     struct diag *d)
{
	struct importer im = { s, p, NULL, NULL, 0, reject, ctx, t, NULL, 0, 0 };
	size_t off = 0, cap = 0;
	size_t *idx = NULL;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!batch)
		batch = 10000;
	/* Cut the stream: the lengths come from the envelopes. */
	while (off < n) {
		struct envelope env;
		struct diag why;
		size_t used;
		int erc = envelope_read(p + off, n - off, &env, &used, &why);
		if (erc) {
			reject(ctx, im.n, off, NULL, erc, why.text);
			t->rejected++;
			t->stream_error = 1;
			break;
		}
		if (im.n == cap) {
			cap = cap ? 2 * cap : 1024;
			im.items = xrealloc(im.items, cap * sizeof(*im.items));
			im.offsets = xrealloc(im.offsets, cap * sizeof(*im.offsets));
		}
		im.items[im.n].p = p + off;
		im.items[im.n].n = used;
		im.offsets[im.n] = off;
		im.n++;
		off += used;
	}
	t->seen = im.n + t->stream_error;
	idx = xcalloc(batch, sizeof(*idx));
	for (size_t from = 0; from < im.n && rc == 0; from += batch) {
		size_t k = im.n - from < batch ? im.n - from : batch;
		seal_open_many(im.items + from, k, s->network, 0);
		for (size_t j = 0; j < k; j++)
			idx[j] = from + j;
		rc = admit_items(&im, idx, k, 0, d);
	}
	if (rc == 0 && im.nretry)
		rc = admit_items(&im, im.retry, im.nretry, 1, d);
	free(idx);
	free(im.items);
	free(im.offsets);
	free(im.retry);
	return rc;
}

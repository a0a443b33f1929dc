/* seal.c - computing and checking event ids and signatures. */
#include "crypto/seal.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "common/banned.h"

void
seal_id(const uint8_t *event, size_t n, uint8_t id[EVENT_ID_BYTES])
{
	struct hasher h;
	hash_lib_init();
	hash_init(&h);
	hash_update(&h, SEAL_ID_TAG, strlen(SEAL_ID_TAG));
	hash_update(&h, event, n);
	hash_final(&h, id);
}

static void
sig_message(const uint8_t id[EVENT_ID_BYTES], uint8_t *msg)
{
	size_t tag = strlen(SEAL_SIG_TAG);
	memcpy(msg, SEAL_SIG_TAG, tag);
	memcpy(msg + tag, id, EVENT_ID_BYTES);
}

#define SIG_MSG_BYTES (sizeof(SEAL_SIG_TAG) - 1 + EVENT_ID_BYTES)

void
seal_sign(const struct key *k, const uint8_t id[EVENT_ID_BYTES],
	  uint8_t sig[EVENT_SIG_BYTES])
{
	uint8_t msg[SIG_MSG_BYTES];
	sig_message(id, msg);
	key_sign(k, msg, sizeof(msg), sig);
}

static int
seal(const struct key *k, const struct event *ev, int sign, struct buf *out,
     uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	struct buf bytes = BUF_INIT;
	uint8_t my_id[EVENT_ID_BYTES], sig[EVENT_SIG_BYTES] = { 0 };
	int rc;

	if (memcmp(ev->author, key_public(k), EVENT_KEY_BYTES) != 0)
		return diag_set(d, ERR_INVAL,
				"the event's author is not the signing key");
	if ((rc = event_encode(ev, &bytes, d)))
		goto out;
	seal_id(bytes.data, bytes.len, my_id);
	if (sign)
		seal_sign(k, my_id, sig);
	envelope_encode(bytes.data, bytes.len, my_id, sig, out);
	if (id)
		memcpy(id, my_id, EVENT_ID_BYTES);
out:
	buf_release(&bytes);
	return rc;
}

int
seal_event(const struct key *k, const struct event *ev, struct buf *out,
	   uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	return seal(k, ev, 1, out, id, d);
}

int
seal_event_unsigned(const struct key *k, const struct event *ev,
		    struct buf *out, uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	return seal(k, ev, 0, out, id, d);
}

int
seal_open(const uint8_t *p, size_t n, const char *network,
	  struct envelope *env, struct event *ev, size_t *used,
	  struct diag *d)
{
	struct envelope e;
	struct event v;
	uint8_t id[EVENT_ID_BYTES], msg[SIG_MSG_BYTES];
	char want[2 * EVENT_ID_BYTES + 1], got[2 * EVENT_ID_BYTES + 1];
	size_t len;
	int rc;

	if ((rc = envelope_read(p, n, &e, &len, d)))
		return rc;
	if ((rc = event_decode(e.event, e.event_len, &v, d)))
		return rc;
	if (network && (strlen(network) != v.network_len ||
			memcmp(network, v.network, v.network_len) != 0))
		return diag_set(d, ERR_NETWORK,
				"event is for network '%.*s', this store is '%s'",
				(int)v.network_len, v.network, network);
	seal_id(e.event, e.event_len, id);
	if (memcmp(id, e.id, EVENT_ID_BYTES) != 0) {
		hex_encode(id, EVENT_ID_BYTES, want);
		hex_encode(e.id, EVENT_ID_BYTES, got);
		return diag_set(d, ERR_BADID,
				"envelope claims id %s but the bytes hash to %s",
				got, want);
	}
	sig_message(id, msg);
	if (!key_verify(v.author, msg, sizeof(msg), e.sig)) {
		hex_encode(id, EVENT_ID_BYTES, want);
		return diag_set(d, ERR_BADSIG,
				"signature of event %s does not verify", want);
	}
	*env = e;
	*ev = v;
	*used = len;
	return 0;
}

struct open_share {
	struct seal_item *items;
	size_t from, to;
	const char *network;
};

static void *
open_range(void *arg)
{
	struct open_share *s = arg;
	for (size_t i = s->from; i < s->to; i++) {
		struct envelope env;
		struct event ev;
		size_t used;
		struct seal_item *it = &s->items[i];
		it->rc = seal_open(it->p, it->n, s->network, &env, &ev, &used, NULL);
		if (it->rc == 0 && used != it->n)
			it->rc = ERR_TRAILING;
	}
	return NULL;
}

void
seal_open_many(struct seal_item *items, size_t n, const char *network,
	       int threads)
{
	enum { MAX_THREADS = 16 };
	struct open_share share[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	int started[MAX_THREADS] = { 0 };
	if (threads <= 0) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (int)cores : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if ((size_t)threads > n / 64 + 1)
		threads = (int)(n / 64 + 1); /* small batches: not worth a thread */
	hash_lib_init();
	for (int t = 0; t < threads; t++) {
		share[t].items = items;
		share[t].from = n * (size_t)t / (size_t)threads;
		share[t].to = n * (size_t)(t + 1) / (size_t)threads;
		share[t].network = network;
		/* This thread takes the first share itself. */
		if (t > 0)
			started[t] = pthread_create(&tid[t], NULL, open_range, &share[t]) == 0;
	}
	open_range(&share[0]);
	for (int t = 1; t < threads; t++) {
		if (started[t])
			pthread_join(tid[t], NULL);
		else
			open_range(&share[t]); /* no thread: do it here */
	}
}

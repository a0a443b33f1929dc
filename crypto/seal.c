/* seal.c - computing and checking event ids and signatures. */
#include "crypto/seal.h"

#include <string.h>

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

int
seal_event(const struct key *k, const struct event *ev, struct buf *out,
	   uint8_t id[EVENT_ID_BYTES], struct diag *d)
{
	struct buf bytes = BUF_INIT;
	uint8_t my_id[EVENT_ID_BYTES], sig[EVENT_SIG_BYTES];
	int rc;

	if (memcmp(ev->author, key_public(k), EVENT_KEY_BYTES) != 0)
		return diag_set(d, ERR_INVAL,
				"the event's author is not the signing key");
	if ((rc = event_encode(ev, &bytes, d)))
		goto out;
	seal_id(bytes.data, bytes.len, my_id);
	seal_sign(k, my_id, sig);
	envelope_encode(bytes.data, bytes.len, my_id, sig, out);
	if (id)
		memcpy(id, my_id, EVENT_ID_BYTES);
out:
	buf_release(&bytes);
	return rc;
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

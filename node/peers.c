/* peers.c - the peer records of the local table "peer" (see peers.h). */
#include "node/peers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mp.h"
#include "common/xalloc.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

#define PEER_TABLE "peer"
#define BLOCK_TABLE "block"

void
peer_record_encode(const struct peer_record *p, struct buf *out)
{
	struct mp_map m;
	mp_map_init(&m);
	mp_put_cstr(mp_map_add(&m, "addr"), p->addr);
	mp_put_bool(mp_map_add(&m, "blocked"), p->blocked);
	mp_put_uint(mp_map_add(&m, "bytes_in"), p->bytes_in);
	mp_put_uint(mp_map_add(&m, "bytes_out"), p->bytes_out);
	mp_put_uint(mp_map_add(&m, "checked"), p->checked);
	mp_put_uint(mp_map_add(&m, "checked_again"), p->checked_again);
	mp_put_bool(mp_map_add(&m, "connected"), p->connected);
	mp_put_uint(mp_map_add(&m, "errors"), p->errors);
	mp_put_uint(mp_map_add(&m, "events_in"), p->events_in);
	mp_put_uint(mp_map_add(&m, "events_out"), p->events_out);
	mp_put_bin(mp_map_add(&m, "key"), p->key, EVENT_KEY_BYTES);
	mp_put_uint(mp_map_add(&m, "last_contact"), p->last_contact_ms);
	mp_put_uint(mp_map_add(&m, "lazy_authors"), p->lazy_authors);
	mp_put_cstr(mp_map_add(&m, "last_error"), p->last_error);
	mp_put_bool(mp_map_add(&m, "misbehaving"), p->misbehaving);
	mp_put_uint(mp_map_add(&m, "pushed_first"), p->pushed_first);
	mp_put_uint(mp_map_add(&m, "pushed_in"), p->pushed_in);
	mp_put_cstr(mp_map_add(&m, "misbehaviour"), p->misbehaviour);
	mp_put_bool(mp_map_add(&m, "refused"), p->refused);
	mp_put_uint(mp_map_add(&m, "rounds"), p->rounds);
	mp_put_uint(mp_map_add(&m, "they_lack"), p->they_lack);
	mp_put_uint(mp_map_add(&m, "updated"), p->updated_ms);
	mp_put_uint(mp_map_add(&m, "we_lack"), p->we_lack);
	struct buf *hb = mp_map_add(&m, "heads");
	mp_put_array(hb, (uint32_t)p->nheads);
	for (size_t k = 0; k < p->nheads; k++) {
		mp_put_array(hb, 2);
		mp_put_bin(hb, p->heads[k].author, EVENT_KEY_BYTES);
		mp_put_uint(hb, p->heads[k].seq);
	}
	mp_map_finish(&m, out);
}

static void
get_u(const struct mp_reader *m, const char *k, uint64_t *x)
{
	struct mp_reader v;
	if (mp_map_find(m, k, &v) == 0)
		(void)!mp_get_uint(&v, x);
}

static void
get_b(const struct mp_reader *m, const char *k, int *x)
{
	struct mp_reader v;
	if (mp_map_find(m, k, &v) == 0)
		(void)!mp_get_bool(&v, x);
}

static void
get_s(const struct mp_reader *m, const char *k, char *out, size_t cap)
{
	struct mp_reader v;
	const char *s;
	size_t n;
	out[0] = '\0';
	if (mp_map_find(m, k, &v) == 0 && mp_get_str(&v, &s, &n) == 0)
		snprintf(out, cap, "%.*s", (int)n, s);
}

/* The heads, up to the first that does not read. */
static void
get_heads(const struct mp_reader *m, struct peer_record *p)
{
	struct mp_reader v;
	uint32_t n, two;
	if (mp_map_find(m, "heads", &v) || mp_get_array(&v, &n))
		return;
	p->heads = xcalloc(n ? n : 1, sizeof(*p->heads));
	for (uint32_t i = 0; i < n; i++) {
		const uint8_t *a;
		size_t an;
		if (mp_get_array(&v, &two) || two != 2 ||
		    mp_get_bin(&v, &a, &an) || an != EVENT_KEY_BYTES ||
		    mp_get_uint(&v, &p->heads[i].seq))
			break;
		memcpy(p->heads[i].author, a, EVENT_KEY_BYTES);
		p->nheads++;
	}
}

int
peer_record_decode(const char *name, size_t n, const uint8_t *p, size_t len,
		   struct peer_record *out)
{
	struct mp_reader m, v;
	const uint8_t *key;
	size_t kn;
	memset(out, 0, sizeof(*out));
	if (mp_check(p, len, NULL))
		return ERR_CORRUPT;
	mp_reader_init(&m, p, len, NULL);
	snprintf(out->name, sizeof(out->name), "%.*s", (int)n, name);
	get_s(&m, "addr", out->addr, sizeof(out->addr));
	get_b(&m, "blocked", &out->blocked);
	get_u(&m, "bytes_in", &out->bytes_in);
	get_u(&m, "bytes_out", &out->bytes_out);
	get_u(&m, "checked", &out->checked);
	get_u(&m, "checked_again", &out->checked_again);
	get_b(&m, "connected", &out->connected);
	get_u(&m, "errors", &out->errors);
	get_u(&m, "events_in", &out->events_in);
	get_u(&m, "events_out", &out->events_out);
	if (mp_map_find(&m, "key", &v) == 0 && mp_get_bin(&v, &key, &kn) == 0 &&
	    kn == EVENT_KEY_BYTES)
		memcpy(out->key, key, EVENT_KEY_BYTES);
	get_u(&m, "last_contact", &out->last_contact_ms);
	get_u(&m, "lazy_authors", &out->lazy_authors);
	get_s(&m, "last_error", out->last_error, sizeof(out->last_error));
	get_b(&m, "misbehaving", &out->misbehaving);
	get_s(&m, "misbehaviour", out->misbehaviour, sizeof(out->misbehaviour));
	get_u(&m, "pushed_first", &out->pushed_first);
	get_u(&m, "pushed_in", &out->pushed_in);
	get_b(&m, "refused", &out->refused);
	get_u(&m, "rounds", &out->rounds);
	get_u(&m, "they_lack", &out->they_lack);
	get_u(&m, "updated", &out->updated_ms);
	get_u(&m, "we_lack", &out->we_lack);
	get_heads(&m, out);
	return 0;
}

void
peer_record_release(struct peer_record *p)
{
	free(p->heads);
	p->heads = NULL;
	p->nheads = 0;
}

int
node_peer_put(struct node *n, const struct peer_record *p, struct diag *d)
{
	struct buf v = BUF_INIT;
	peer_record_encode(p, &v);
	int rc = store_local_put_lazy(node_store(n), PEER_TABLE, p->name,
				      strlen(p->name), v.data, v.len, d);
	buf_release(&v);
	return rc;
}

struct walk {
	peer_record_fn fn;
	void *ctx;
};

static int
walk_one(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	 void *ctx)
{
	struct walk *w = ctx;
	struct peer_record p;
	if (peer_record_decode((const char *)key, kn, val, vn, &p))
		return 0;
	int rc = w->fn(&p, w->ctx);
	peer_record_release(&p);
	return rc;
}

int
node_peers_walk(struct node *n, peer_record_fn fn, void *ctx)
{
	struct walk w = { fn, ctx };
	return store_local_walk(node_store(n), PEER_TABLE, walk_one, &w);
}

int
node_peer_block(struct node *n, const char *name, int block, struct diag *d)
{
	int rc = block ? store_local_put(node_store(n), BLOCK_TABLE, name,
					 strlen(name), "", 0, d)
		       : store_local_del(node_store(n), BLOCK_TABLE, name,
					 strlen(name), d);
	if (rc == 0)
		node_announce(n); /* the daemon applies it now */
	return rc;
}

struct names {
	peer_name_fn fn;
	void *ctx;
};

static int
name_one(const uint8_t *key, size_t kn, const uint8_t *val, size_t vn,
	 void *ctx)
{
	struct names *w = ctx;
	(void)val;
	(void)vn;
	return w->fn((const char *)key, kn, w->ctx);
}

int
node_peer_blocks_walk(struct node *n, peer_name_fn fn, void *ctx)
{
	struct names w = { fn, ctx };
	return store_local_walk(node_store(n), BLOCK_TABLE, name_one, &w);
}

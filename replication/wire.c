/* wire.c - encoding and strict decoding of the sync messages. */
#include "replication/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "crypto/hash.h"
#include "common/banned.h"

/* Opens an inner message: checks canonical form, the type and the count. */
static int
open_msg(const uint8_t *p, size_t n, int type, uint32_t fields,
	 struct mp_reader *r)
{
	uint32_t count;
	uint64_t t;
	if (n > WIRE_MAX_MESSAGE || mp_check(p, n, NULL))
		return ERR_PROTO;
	mp_reader_init(r, p, n, NULL);
	if (mp_get_array(r, &count) || count != fields || mp_get_uint(r, &t) ||
	    t != (uint64_t)type)
		return ERR_PROTO;
	return 0;
}

static int
get32(struct mp_reader *r, uint8_t out[EVENT_ID_BYTES])
{
	const uint8_t *p;
	size_t n;
	if (mp_get_bin(r, &p, &n) || n != EVENT_ID_BYTES)
		return ERR_PROTO;
	memcpy(out, p, EVENT_ID_BYTES);
	return 0;
}

int
wire_type(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	uint32_t count;
	uint64_t t;
	mp_reader_init(&r, p, n, NULL);
	if (mp_get_array(&r, &count) || count < 1 || mp_get_uint(&r, &t) ||
	    t > 0xff)
		return ERR_PROTO;
	return (int)t;
}

void
wire_summary_req(struct buf *out)
{
	mp_put_array(out, 1);
	mp_put_uint(out, W_SUMMARY_REQ);
}

int
wire_summary_req_decode(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	return open_msg(p, n, W_SUMMARY_REQ, 1, &r);
}

void
wire_summary_begin(struct buf *out, uint32_t nheads)
{
	mp_put_array(out, 3);
	mp_put_uint(out, W_SUMMARY);
	mp_put_array(out, nheads);
}

void
wire_summary_head(struct buf *out, const struct wire_head *h)
{
	mp_put_array(out, 3);
	mp_put_bin(out, h->author, EVENT_KEY_BYTES);
	mp_put_uint(out, h->seq);
	mp_put_bin(out, h->id, EVENT_ID_BYTES);
}

void
wire_summary_forks(struct buf *out, uint32_t nforks)
{
	mp_put_array(out, nforks);
}

void
wire_summary_fork(struct buf *out, const struct wire_fork *f)
{
	mp_put_array(out, 3);
	mp_put_bin(out, f->author, EVENT_KEY_BYTES);
	mp_put_uint(out, f->seq);
	mp_put_array(out, (uint32_t)f->nids);
	for (size_t i = 0; i < f->nids; i++)
		mp_put_bin(out, f->ids[i], EVENT_ID_BYTES);
}

/*
 * The fewest bytes a SUMMARY head [bin32 author, uint seq, bin32 id] and
 * a fork [bin32 author, uint seq, [bin32 id ...]] can take.
 */
#define SUMMARY_HEAD_MIN (1 + 34 + 1 + 34)
#define SUMMARY_FORK_MIN (1 + 34 + 1 + 1)

int
wire_summary_decode(const uint8_t *p, size_t n, struct wire_summary *s)
{
	struct mp_reader r;
	uint32_t nh, nf, three, ni;
	memset(s, 0, sizeof(*s));
	/* The arrays are sized by the counts the peer wrote: no larger
	 * than the bytes left can hold, or 4 MiB of junk would make about
	 * 300 MiB of heads (1.2 GiB of forks) before the first one fails. */
	if (open_msg(p, n, W_SUMMARY, 3, &r) || mp_get_array(&r, &nh) ||
	    nh > mp_remaining(&r) / SUMMARY_HEAD_MIN)
		return ERR_PROTO;
	s->heads = xcalloc(nh ? nh : 1, sizeof(*s->heads));
	for (uint32_t i = 0; i < nh; i++) {
		struct wire_head *h = &s->heads[i];
		if (mp_get_array(&r, &three) || three != 3 || get32(&r, h->author) ||
		    mp_get_uint(&r, &h->seq) || get32(&r, h->id))
			goto bad;
		s->nheads++;
	}
	if (mp_get_array(&r, &nf) || nf > mp_remaining(&r) / SUMMARY_FORK_MIN)
		goto bad;
	s->forks = xcalloc(nf ? nf : 1, sizeof(*s->forks));
	for (uint32_t i = 0; i < nf; i++) {
		struct wire_fork *f = &s->forks[i];
		if (mp_get_array(&r, &three) || three != 3 || get32(&r, f->author) ||
		    mp_get_uint(&r, &f->seq) || mp_get_array(&r, &ni) || ni > 8)
			goto bad;
		for (uint32_t k = 0; k < ni; k++)
			if (get32(&r, f->ids[k]))
				goto bad;
		f->nids = ni;
		s->nforks++;
	}
	return 0;
bad:
	wire_summary_release(s);
	return ERR_PROTO;
}

void
wire_summary_release(struct wire_summary *s)
{
	free(s->heads);
	free(s->forks);
	memset(s, 0, sizeof(*s));
}

void
wire_fetch(struct buf *out, const struct wire_range *r, size_t n,
	   uint32_t max_events, uint32_t max_bytes)
{
	mp_put_array(out, 4);
	mp_put_uint(out, W_FETCH);
	mp_put_array(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		mp_put_array(out, 3);
		mp_put_bin(out, r[i].author, EVENT_KEY_BYTES);
		mp_put_uint(out, r[i].from);
		mp_put_uint(out, r[i].to);
	}
	mp_put_uint(out, max_events);
	mp_put_uint(out, max_bytes);
}

int
wire_fetch_decode(const uint8_t *p, size_t n, struct wire_range *r,
		  size_t *nr, uint32_t *max_events, uint32_t *max_bytes)
{
	struct mp_reader m;
	uint32_t count, three;
	uint64_t me, mb;
	if (open_msg(p, n, W_FETCH, 4, &m) || mp_get_array(&m, &count) ||
	    count > WIRE_MAX_RANGES)
		return ERR_PROTO;
	for (uint32_t i = 0; i < count; i++)
		if (mp_get_array(&m, &three) || three != 3 ||
		    get32(&m, r[i].author) || mp_get_uint(&m, &r[i].from) ||
		    mp_get_uint(&m, &r[i].to) || r[i].from == 0 ||
		    r[i].to < r[i].from)
			return ERR_PROTO;
	if (mp_get_uint(&m, &me) || mp_get_uint(&m, &mb))
		return ERR_PROTO;
	*nr = count;
	*max_events = me > WIRE_MAX_EVENTS ? WIRE_MAX_EVENTS : (uint32_t)me;
	*max_bytes = mb > WIRE_MAX_BYTES ? (uint32_t)WIRE_MAX_BYTES : (uint32_t)mb;
	return 0;
}

void
wire_events_begin(struct buf *out, uint32_t n)
{
	mp_put_array(out, 2);
	mp_put_uint(out, W_EVENTS);
	mp_put_array(out, n);
}

void
wire_events_add(struct buf *out, const uint8_t *env, size_t n)
{
	mp_put_bin(out, env, n);
}

/* The widest array header mp_put_array writes. */
#define ARRAY_HEAD_MAX 5

size_t
wire_events_start(struct buf *out)
{
	mp_put_array(out, 2);
	mp_put_uint(out, W_EVENTS);
	size_t at = out->len;
	(void)buf_append_space(out, ARRAY_HEAD_MAX);
	return at;
}

void
wire_events_finish(struct buf *out, size_t at, uint32_t n)
{
	struct buf head = BUF_INIT;
	BUG_ON(at + ARRAY_HEAD_MAX > out->len);
	mp_put_array(&head, n);
	/* The shortest header, as canonical msgpack wants: the events move
	 * up to it (in memory already touched, unlike a copy). */
	size_t after = at + ARRAY_HEAD_MAX, shift = ARRAY_HEAD_MAX - head.len;
	memcpy(out->data + at, head.data, head.len);
	memmove(out->data + at + head.len, out->data + after, out->len - after);
	buf_truncate(out, out->len - shift);
	buf_release(&head);
}

int
wire_events_open(const uint8_t *p, size_t n, struct mp_reader *r,
		 uint32_t *count)
{
	struct mp_reader each;
	if (open_msg(p, n, W_EVENTS, 2, r) || mp_get_array(r, count) ||
	    *count > WIRE_MAX_EVENTS)
		return ERR_PROTO;
	/* Every element an envelope's bin, or the message is refused
	 * whole (the puller would otherwise stop at the first other). */
	each = *r;
	for (uint32_t i = 0; i < *count; i++) {
		const uint8_t *env;
		size_t len;
		if (mp_get_bin(&each, &env, &len))
			return ERR_PROTO;
	}
	return 0;
}

void
wire_get(struct buf *out, const uint8_t (*ids)[EVENT_ID_BYTES], size_t n)
{
	mp_put_array(out, 2);
	mp_put_uint(out, W_GET);
	mp_put_array(out, (uint32_t)n);
	for (size_t i = 0; i < n; i++)
		mp_put_bin(out, ids[i], EVENT_ID_BYTES);
}

int
wire_get_decode(const uint8_t *p, size_t n, uint8_t (*ids)[EVENT_ID_BYTES],
		size_t *count)
{
	struct mp_reader r;
	uint32_t c;
	if (open_msg(p, n, W_GET, 2, &r) || mp_get_array(&r, &c) ||
	    c > WIRE_MAX_GET)
		return ERR_PROTO;
	for (uint32_t i = 0; i < c; i++)
		if (get32(&r, ids[i]))
			return ERR_PROTO;
	*count = c;
	return 0;
}

void
wire_push(struct buf *out, const struct wire_head *h, size_t nh,
	  const uint8_t *const *env, const size_t *len, size_t ne)
{
	BUG_ON(nh < 1 || nh > WIRE_PUSH_HEADS || ne > WIRE_PUSH_EVENTS);
	mp_put_array(out, 3);
	mp_put_uint(out, W_PUSH);
	mp_put_array(out, (uint32_t)nh);
	for (size_t i = 0; i < nh; i++)
		wire_summary_head(out, &h[i]);
	mp_put_array(out, (uint32_t)ne);
	for (size_t i = 0; i < ne; i++) {
		BUG_ON(len[i] < 1 || len[i] > WIRE_PUSH_EVENT_BYTES);
		mp_put_bin(out, env[i], len[i]);
	}
}

int
wire_push_decode(const uint8_t *p, size_t n, struct wire_push *w)
{
	struct mp_reader r;
	uint32_t nh, ne, three;
	memset(w, 0, sizeof(*w));
	if (open_msg(p, n, W_PUSH, 3, &r) || mp_get_array(&r, &nh) || nh < 1 ||
	    nh > WIRE_PUSH_HEADS)
		return ERR_PROTO;
	for (uint32_t i = 0; i < nh; i++)
		if (mp_get_array(&r, &three) || three != 3 ||
		    get32(&r, w->heads[i].author) ||
		    mp_get_uint(&r, &w->heads[i].seq) || get32(&r, w->heads[i].id))
			return ERR_PROTO;
	if (mp_get_array(&r, &ne) || ne > WIRE_PUSH_EVENTS)
		return ERR_PROTO;
	for (uint32_t i = 0; i < ne; i++)
		if (mp_get_bin(&r, &w->env[i], &w->len[i]) || w->len[i] < 1 ||
		    w->len[i] > WIRE_PUSH_EVENT_BYTES)
			return ERR_PROTO;
	w->nheads = nh;
	w->nenv = ne;
	return 0;
}

void
wire_hint(struct buf *out, const struct wire_head *h)
{
	mp_put_array(out, 4);
	mp_put_uint(out, W_HINT);
	mp_put_bin(out, h->author, EVENT_KEY_BYTES);
	mp_put_uint(out, h->seq);
	mp_put_bin(out, h->id, EVENT_ID_BYTES);
}

int
wire_hint_decode(const uint8_t *p, size_t n, struct wire_head *h)
{
	struct mp_reader r;
	if (open_msg(p, n, W_HINT, 4, &r) || get32(&r, h->author) ||
	    mp_get_uint(&r, &h->seq) || get32(&r, h->id))
		return ERR_PROTO;
	return 0;
}

void
wire_ack(struct buf *out)
{
	mp_put_array(out, 1);
	mp_put_uint(out, W_ACK);
}

int
wire_ack_decode(const uint8_t *p, size_t n)
{
	struct mp_reader r;
	return open_msg(p, n, W_ACK, 1, &r);
}

void
wire_held(struct buf *out, uint32_t held)
{
	mp_put_array(out, 2);
	mp_put_uint(out, W_HELD);
	mp_put_uint(out, held);
}

int
wire_held_decode(const uint8_t *p, size_t n, uint32_t *held)
{
	struct mp_reader r;
	uint64_t v;
	if (open_msg(p, n, W_HELD, 2, &r) || mp_get_uint(&r, &v) ||
	    v >> WIRE_PUSH_HEADS)
		return ERR_PROTO;
	*held = (uint32_t)v;
	return 0;
}

void
wire_blob_req(struct buf *out, const uint8_t hash[HASH_BYTES], uint64_t offset,
	      uint32_t max)
{
	mp_put_array(out, 4);
	mp_put_uint(out, W_BLOB_REQ);
	mp_put_bin(out, hash, HASH_BYTES);
	mp_put_uint(out, offset);
	mp_put_uint(out, max);
}

int
wire_blob_req_decode(const uint8_t *p, size_t n, uint8_t hash[HASH_BYTES],
		     uint64_t *offset, uint32_t *max)
{
	struct mp_reader r;
	uint64_t m;
	if (open_msg(p, n, W_BLOB_REQ, 4, &r) || get32(&r, hash) ||
	    mp_get_uint(&r, offset) || mp_get_uint(&r, &m))
		return ERR_PROTO;
	*max = m > WIRE_BLOB_CHUNK ? (uint32_t)WIRE_BLOB_CHUNK : (uint32_t)m;
	return 0;
}

void
wire_blob(struct buf *out, uint64_t total, uint64_t offset,
	  const uint8_t *bytes, size_t n)
{
	mp_put_array(out, 4);
	mp_put_uint(out, W_BLOB);
	mp_put_uint(out, total);
	mp_put_uint(out, offset);
	mp_put_bin(out, bytes, n);
}

int
wire_blob_decode(const uint8_t *p, size_t n, uint64_t *total,
		 uint64_t *offset, const uint8_t **bytes, size_t *len)
{
	struct mp_reader r;
	if (open_msg(p, n, W_BLOB, 4, &r) || mp_get_uint(&r, total) ||
	    mp_get_uint(&r, offset) || mp_get_bin(&r, bytes, len) ||
	    *offset > *total || *len > *total - *offset)
		return ERR_PROTO;
	return 0;
}

void
wire_error(struct buf *out, int code, const char *text)
{
	mp_put_array(out, 3);
	mp_put_uint(out, W_ERROR);
	mp_put_cstr(out, err_name(code));
	mp_put_cstr(out, text);
}

int
wire_error_decode(const uint8_t *p, size_t n, int *code, char *text,
		  size_t tn)
{
	struct mp_reader r;
	const char *c, *t;
	size_t cn, ln;
	char name[40];
	if (open_msg(p, n, W_ERROR, 3, &r) || mp_get_str(&r, &c, &cn) ||
	    mp_get_str(&r, &t, &ln) || cn >= sizeof(name))
		return ERR_PROTO;
	memcpy(name, c, cn);
	name[cn] = '\0';
	*code = err_from_name(name);
	if (!*code)
		*code = ERR_PROTO;
	snprintf(text, tn, "%.*s", (int)ln, t);
	return 0;
}

/* show.c - how the commands print an event, as text and as JSON. */
#include "cli/show.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

void
show_event_header(struct buf *out)
{
	buf_printf(out, "%-16s  %-16s  %5s  %-20s  %-20s  %s\n", "ID", "AUTHOR",
		   "SEQ", "TIME", "TYPE", "CASE");
}

void
show_event_line(struct buf *out, const struct envelope *env,
		const struct event *ev)
{
	char id[17], author[17], when[CLOCK_ISO_BYTES];
	hex_encode(env->id, 8, id);
	hex_encode(ev->author, 8, author);
	clock_format(ev->time_ms, when);
	buf_printf(out, "%-16s  %-16s  %5llu  %-20s  %-20.*s  %.*s\n", id,
		   author, (unsigned long long)ev->seq, when,
		   (int)ev->type_len, ev->type, (int)ev->case_len,
		   ev->case_id);
}

void
show_event_json(struct json_writer *w, const struct envelope *env,
		const struct event *ev, int with_body)
{
	char when[CLOCK_ISO_BYTES];
	clock_format(ev->time_ms, when);
	json_obj_begin(w);
	json_key(w, "id");
	json_hex(w, env->id, EVENT_ID_BYTES);
	json_key(w, "author");
	json_hex(w, ev->author, EVENT_KEY_BYTES);
	json_key(w, "seq");
	json_uint(w, ev->seq);
	json_key(w, "lamport");
	json_uint(w, ev->lamport);
	json_key(w, "time");
	json_str(w, when);
	json_key(w, "time_ms");
	json_uint(w, ev->time_ms);
	json_key(w, "case");
	json_strn(w, ev->case_id, ev->case_len);
	json_key(w, "type");
	json_strn(w, ev->type, ev->type_len);
	if (with_body) {
		json_key(w, "prev");
		if (ev->has_prev)
			json_hex(w, ev->prev, EVENT_ID_BYTES);
		else
			json_null(w);
		json_key(w, "deps");
		json_arr_begin(w);
		for (size_t i = 0; i < ev->ndeps; i++)
			json_hex(w, ev->deps[i], EVENT_ID_BYTES);
		json_arr_end(w);
		json_key(w, "body");
		if (json_put_mp(w, ev->body, ev->body_len))
			json_null(w);
		json_key(w, "blobs");
		json_arr_begin(w);
		for (size_t i = 0; i < ev->nblobs; i++)
			json_hex(w, ev->blobs[i], EVENT_ID_BYTES);
		json_arr_end(w);
		json_key(w, "signature");
		json_hex(w, env->sig, EVENT_SIG_BYTES);
	}
	json_obj_end(w);
}

int
show_decode(const uint8_t *p, size_t n, struct envelope *env,
	    struct event *ev)
{
	size_t used;
	int rc = envelope_read(p, n, env, &used, NULL);
	if (rc == 0)
		rc = event_decode(env->event, env->event_len, ev, NULL);
	return rc;
}

void
show_who(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES],
	 char out[65])
{
	const struct member *m = r ? roster_record(r, key) : NULL;
	if (m) {
		snprintf(out, 65, "%s", m->name);
	} else if (r && r->has_admin &&
		   memcmp(r->admin, key, EVENT_KEY_BYTES) == 0) {
		snprintf(out, 65, "admin");
	} else {
		hex_encode(key, 8, out);
	}
}

/* ---- waiting events and forks ---- */

#define TROUBLE_LIST 10

struct trouble {
	const struct roster *r;
	struct buf *out;
	struct json_writer *w;
	uint64_t n, prev, deps, future, ready;
};

static const char *
wait_words(unsigned why)
{
	if (why & WAIT_PREV)
		return "its author's previous event";
	if (why & WAIT_DEPS)
		return "events it depends on";
	if (why & WAIT_FUTURE)
		return "this node's clock (its time is ahead)";
	return "nothing: it goes in at the next write";
}

static const char *
wait_name(unsigned why)
{
	return why & WAIT_PREV ? "prev" : why & WAIT_DEPS ? "deps"
		: why & WAIT_FUTURE ? "future" : "ready";
}

static int
one_waiting(const uint8_t *p, size_t n, unsigned why, size_t nmissing,
	    void *ctx)
{
	struct trouble *t = ctx;
	struct envelope env;
	struct event ev;
	char who[65], id[65], when[CLOCK_ISO_BYTES];
	if (show_decode(p, n, &env, &ev))
		return 0;
	t->n++;
	t->prev += (why & WAIT_PREV) != 0;
	t->deps += !(why & WAIT_PREV) && (why & WAIT_DEPS);
	t->future += !(why & (WAIT_PREV | WAIT_DEPS)) && (why & WAIT_FUTURE);
	t->ready += why == 0;
	if (t->n > TROUBLE_LIST)
		return 0;
	show_who(t->r, ev.author, who);
	hex_encode(env.id, EVENT_ID_BYTES, id);
	clock_format(ev.time_ms, when);
	if (t->w) {
		json_obj_begin(t->w);
		json_key(t->w, "id");
		json_str(t->w, id);
		json_key(t->w, "author");
		json_hex(t->w, ev.author, EVENT_KEY_BYTES);
		json_key(t->w, "seq");
		json_uint(t->w, ev.seq);
		json_key(t->w, "time");
		json_str(t->w, when);
		json_key(t->w, "waits_for");
		json_str(t->w, wait_name(why));
		json_key(t->w, "missing_deps");
		json_uint(t->w, nmissing);
		json_obj_end(t->w);
	} else {
		buf_printf(t->out, "  %.16s by %s, seq %llu, time %s: waits for %s\n",
			   id, who, (unsigned long long)ev.seq, when,
			   wait_words(why));
	}
	return 0;
}

static int
one_fork(const struct fork_entry *e, void *ctx)
{
	struct trouble *t = ctx;
	char who[65], key[65], id[65];
	show_who(t->r, e->author, who);
	hex_encode(e->author, EVENT_KEY_BYTES, key);
	if (t->w) {
		json_obj_begin(t->w);
		json_key(t->w, "author");
		json_str(t->w, key);
		json_key(t->w, "name");
		json_str(t->w, who);
		json_key(t->w, "seq");
		json_uint(t->w, e->seq);
		json_key(t->w, "versions");
		json_uint(t->w, e->nversions);
		json_key(t->w, "proof");
		json_arr_begin(t->w);
		for (size_t i = 0; i < e->nids; i++)
			json_hex(t->w, e->ids[i], EVENT_ID_BYTES);
		json_arr_end(t->w);
		json_obj_end(t->w);
		return 0;
	}
	buf_printf(t->out, "  %s (%.16s) signed %zu versions of its event %llu: its events from %llu on count for nothing; proof",
		   who, key, e->nversions, (unsigned long long)e->seq,
		   (unsigned long long)e->seq);
	for (size_t i = 0; i < e->nids; i++) {
		hex_encode(e->ids[i], EVENT_ID_BYTES, id);
		buf_printf(t->out, " %.16s", id);
	}
	buf_add_str(t->out, "\n");
	return 0;
}

int
show_trouble(struct store *s, const struct roster *r, struct buf *out,
	     struct json_writer *w)
{
	struct trouble t = { r, out, w, 0, 0, 0, 0, 0 };
	size_t mark = out->len;
	int rc;
	if (w) {
		json_key(w, "waiting");
		json_arr_begin(w);
	}
	rc = store_walk_waiting(s, one_waiting, &t);
	if (w) {
		json_arr_end(w);
		json_key(w, "waiting_count");
		json_obj_begin(w);
		json_key(w, "prev");
		json_uint(w, t.prev);
		json_key(w, "deps");
		json_uint(w, t.deps);
		json_key(w, "future");
		json_uint(w, t.future);
		json_key(w, "ready");
		json_uint(w, t.ready);
		json_obj_end(w);
		json_key(w, "forks");
		json_arr_begin(w);
	} else if (t.n) {
		/* The heading goes before the list just written. */
		struct buf head = BUF_INIT;
		buf_printf(&head, "waiting  %llu events: %llu for their author's previous event, %llu for events they depend on, %llu for this node's clock%s\n",
			   (unsigned long long)t.n, (unsigned long long)t.prev,
			   (unsigned long long)t.deps, (unsigned long long)t.future,
			   t.n > TROUBLE_LIST ? " (the first 10:)" : ":");
		struct buf rest = BUF_INIT;
		buf_add(&rest, out->data + mark, out->len - mark);
		buf_truncate(out, mark);
		buf_add(out, head.data, head.len);
		buf_add(out, rest.data, rest.len);
		buf_release(&head);
		buf_release(&rest);
	}
	if (rc == 0) {
		size_t fmark = out->len;
		rc = store_walk_forks(s, one_fork, &t);
		if (!w && out->len > fmark) {
			struct buf rest = BUF_INIT;
			buf_add(&rest, out->data + fmark, out->len - fmark);
			buf_truncate(out, fmark);
			buf_add_str(out, "forks\n");
			buf_add(out, rest.data, rest.len);
			buf_release(&rest);
		}
	}
	if (w)
		json_arr_end(w);
	return rc;
}

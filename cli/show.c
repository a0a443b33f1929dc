/* show.c - how the commands print an event, as text and as JSON. */
#include "cli/show.h"

#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "common/hex.h"
#include "node/roster.h"
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
show_who(const struct roster *r, const uint8_t key[32], char out[65])
{
	const struct member *m = r ? roster_lookup(r, key, roster_version(r), 0) : NULL;
	if (m) {
		snprintf(out, 65, "%s", m->name);
	} else if (r && r->has_admin && memcmp(r->admin, key, 32) == 0) {
		snprintf(out, 65, "admin");
	} else {
		hex_encode(key, 8, out);
	}
}

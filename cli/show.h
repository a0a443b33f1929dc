/* show.h - printing events for log, case show and import reports. */
#ifndef GRIDCASE_CLI_SHOW_H
#define GRIDCASE_CLI_SHOW_H

#include "common/buf.h"
#include "common/event.h"
#include "common/json.h"

/* The column titles of show_event_line(). */
void show_event_header(struct buf *out);

/* One line: short id, short author, seq, time, type, case. */
void show_event_line(struct buf *out, const struct envelope *env,
		     const struct event *ev);

/* One JSON object; with_body adds prev, deps, body, blobs, signature. */
void show_event_json(struct json_writer *w, const struct envelope *env,
		     const struct event *ev, int with_body);

struct roster;

/*
 * Who a key is, for people: its name in the roster ("admin" for the
 * roster's own key), else the first 16 hex digits of the key.  r may be
 * NULL.  out holds 65 bytes.
 */
void show_who(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES],
	      char out[65]);

struct store;

/*
 * The events that wait here (for their predecessor, for events they
 * depend on, for this node's clock to reach their time), counted by
 * reason and the first few listed; and every forked author with its fork
 * point.  Text lines into out, or, with w, the JSON members "waiting"
 * and "forks" of the object being written.  The store's error, or 0.
 */
MUST_CHECK int show_trouble(struct store *s, const struct roster *r,
			    struct buf *out, struct json_writer *w);

/* Decodes a stored envelope (already verified when it was stored). */
MUST_CHECK int show_decode(const uint8_t *p, size_t n, struct envelope *env,
			   struct event *ev);

#endif

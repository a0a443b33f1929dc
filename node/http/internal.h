/*
 * internal.h - what web.c (routes, sessions, the page frame) shares with
 * pages.c, map.c and trend.c (the pages) and api.c (the JSON API).  node/http/ only.
 */
#ifndef GRIDCASE_HTTP_INTERNAL_H
#define GRIDCASE_HTTP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/event.h"
#include "crypto/hash.h"
#include "node/case/eval.h"
#include "node/http/html.h"
#include "node/http/server.h"
#include "node/http/web.h"

struct key;
struct classes;

#define WEB_SESSIONS_MAX 256
#define WEB_TOKEN_HEX 64 /* 32 random bytes */
#define WEB_SESSION_IDLE_MS (8ull * 3600 * 1000)
/* A session ends this long after its sign-in, however busy. */
#define WEB_SESSION_MAX_MS (24ull * 3600 * 1000)
/* How stale the file's "last seen" times may grow before a write. */
#define WEB_SESSION_SAVE_MS (60ull * 1000)
/* Sign-in: this many failures for a name within the window lock it for
 * the window; and at most WEB_SIGNIN_PER_MIN attempts a minute in all. */
#define WEB_SIGNIN_FAILS 5
#define WEB_SIGNIN_WINDOW_MS (15ull * 60 * 1000)
#define WEB_SIGNIN_PER_MIN 30
#define WEB_COOKIE "gc_session"

struct web_session {
	int used;
	uint8_t id_hash[HASH_BYTES];  /* BLAKE2b-256 of the cookie */
	char csrf[WEB_TOKEN_HEX + 1]; /* in every form, checked on POST */
	char name[80];                /* the sign-in name */
	uint8_t pub[EVENT_KEY_BYTES]; /* the key signed in with */
	/* Unlocked for the session only; NULL for a session read back after
	 * a restart until its person gives the passphrase again. */
	struct key *key;
	uint64_t created_ms;
	/* The roster's word, read again on every request. */
	int member;
	char member_name[65], unit[65];
	unsigned roles;
	uint64_t last_ms;
};

struct signin_fail {
	char name[80];
	unsigned count;
	uint64_t first_ms;
};

struct web {
	struct node *n;
	struct buf css, js;
	struct classes *classes;
	struct web_session sessions[WEB_SESSIONS_MAX];
	struct signin_fail fails[64];
	uint64_t minute_start;
	unsigned minute_count;
	uint64_t saved_ms; /* when the session file was last written */
	int failed;        /* web_new() failed: nothing to save */
};

/* The page's words: Chinese unless the person chose English. */
static inline const char *
T(const struct web_call *c, const char *zh, const char *en)
{
	return c->en ? en : zh;
}

/* The frame every page shares: head, navigation, <main>, and its end. */
void page_begin(struct web_call *c, const char *title);
void page_end(struct web_call *c);
/* A page saying what went wrong, with status. */
void page_error(struct web_call *c, int status, const char *msg);
void resp_redirect(struct web_call *c, const char *to);
/* 1 if the POST carries the session's CSRF token (field csrf, or the
 * X-CSRF-Token the API takes is not used: forms only). */
int web_csrf_ok(const struct web_call *c, const char *token);
/* The answer to an action of a session whose key is locked (read back
 * after a restart): to /unlock, then back to the case (NULL: the report
 * page). */
void web_unlock_first(struct web_call *c, const char *case_id);
/* A hidden input with the session's CSRF token. */
void form_csrf(struct web_call *c);
/* Local time of the district (its calendar's offset). */
void web_time(struct web_call *c, uint64_t ms, char out[32]);
/* 1 if the person holds any of the roles. */
int web_has_role(const struct web_call *c, unsigned roles);

/* The pages (pages.c) and the API (api.c). */
void page_worklist(struct web_call *c);
void page_case(struct web_call *c);
void page_case_act(struct web_call *c);
void page_report(struct web_call *c);
void page_board(struct web_call *c);
void page_map(struct web_call *c);
struct case_state;
/* The case's cell, its neighbours and its position as a small SVG map
 * (nothing if it has neither a known cell nor a position). */
void map_case(struct web_call *c, const struct case_state *st);
void page_eval(struct web_call *c);
/* The months the evaluation's trend shows, the chosen one included. */
#define EVAL_TREND_MONTHS 6
/* The trend of grouping by (named by_name) up to month "YYYY-MM"
 * (trend.c): frozen reports where months were closed, live otherwise. */
void eval_trend(struct web_call *c, const char *by_name, enum eval_by by,
		const char *month);
void page_peers(struct web_call *c);
void page_blob(struct web_call *c);
void api_cases(struct web_call *c);
void api_case(struct web_call *c);
void api_events(struct web_call *c);

#endif

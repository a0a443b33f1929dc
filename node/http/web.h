/*
 * web.h - the web console: the pages and the /api/ the browser calls,
 * served by the daemon (node/http/server.h carries the requests).
 *
 * Everything here runs on the daemon's loop thread, one request at a
 * time.  The console is a front end like cli/: it parses a request into
 * the node API's calls (node/api.h, actions.h, report.h, eval_store.h,
 * peers.h) and renders what they return through one escaping writer
 * (node/http/html.h).  The roles a person holds are judged by the node
 * on every action (case_act() asks the roster and the workflow table);
 * the pages only leave out buttons the person could not use.
 *
 * Routes are one table in web.c: a front end that serves its own tree
 * (the Open311 endpoint, node/http/open311.c) adds one row there.
 */
#ifndef GRIDCASE_WEB_H
#define GRIDCASE_WEB_H

#include <stdint.h>

#include "common/err.h"

struct node;
struct http_req;
struct http_resp;
struct web;
struct web_session;

/* One request as a route sees it. */
struct web_call {
	struct web *w;
	const struct http_req *rq;
	struct http_resp *rs;
	struct web_session *sess; /* NULL: nobody signed in */
	const char *tail;         /* the path after the route's prefix */
	int en;                   /* 1: English, 0: Chinese (the default) */
};

typedef void (*web_route_fn)(struct web_call *c);

/*
 * The console over the node n (borrowed for its life, opened with its
 * key); it reads its assets (app.css, app.js) from the data directory's
 * web/ (files.h data_path()).  ERR_NOTFOUND if they are missing.  Free
 * with web_free().
 */
MUST_CHECK int web_new(struct node *n, struct web **out, struct diag *d);
void web_free(struct web *w);

struct node *web_node(struct web *w);

/* Answers one request into rs (initialised to zeros by the caller). */
void web_handle(struct web *w, const struct http_req *rq,
		struct http_resp *rs);

#endif

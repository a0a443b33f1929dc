/*
 * server.h - the web console's HTTP server: nng's HTTP server (nng 1.5.2,
 * nng/supplemental/http) carrying requests to the daemon's loop.
 *
 * Threads: nng calls the handler on its own threads.  The handler only
 * copies the request into a job, queues it under the server's mutex and
 * wakes the daemon's loop (the wake function the daemon gave); the loop
 * thread then answers every queued job (http_server_process()), calls the
 * console's routes (node/http/web.h) and hands the response back to nng,
 * whose aio completion is thread-safe.  So every read and write of the
 * node happens on the loop thread, like replication's admissions: the
 * node's one writer stays one, and no node state is shared with nng.
 *
 * Live updates are server-sent events: a request the routes answer with
 * a stream is hijacked from nng's server; the loop writes "change" events
 * to every open stream within a tick of the store's event count moving
 * (a replicated event, a CLI command, a page's action), and a comment
 * every 15 s so that a closed browser is noticed.
 */
#ifndef GRIDCASE_HTTP_SERVER_H
#define GRIDCASE_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

struct node;
struct daemon_frontend;
struct web;

/* The largest request body: a photo and its form. */
#define HTTP_BODY_MAX ((size_t)12 << 20)
#define HTTP_HEADERS_MAX 8

/* One request, owned by the server for the call of the route. */
struct http_req {
	const char *method, *path, *query; /* query: after '?', or "" */
	const char *cookie, *content_type, *origin, *host;
	const uint8_t *body;
	size_t body_len;
	uint64_t now_ms;
};

/* What a route answers; web.c fills it, the server sends it. */
struct http_resp {
	int status;          /* 0: 200 */
	const char *type;    /* Content-Type; NULL: text/html */
	struct buf body;
	size_t nheaders;     /* extra headers (Set-Cookie, Location, ...) */
	char *headers[HTTP_HEADERS_MAX][2]; /* owned: xstrdup'd */
	int stream;          /* 1: keep it open as an event stream */
};

/* Adds a header (name, value copied); at most HTTP_HEADERS_MAX. */
void http_resp_header(struct http_resp *rs, const char *name,
		      const char *value);

struct http_server;

/*
 * Binds addr ("HOST:PORT") and starts serving through w (borrowed for the
 * server's life).  Requests wait for the loop until the daemon starts it
 * (http_server_frontend()).  ERR_INVAL (addr does not parse), ERR_BUSY
 * (the address is in use), ERR_IO.  Free with http_server_close().
 */
MUST_CHECK int http_server_open(struct web *w, const char *addr,
				struct http_server **out, struct diag *d);

/* The port it listens on (the one chosen, when addr said 0). */
int http_server_port(const struct http_server *s);

/* Fills fe so that the daemon runs the server on its loop (daemon.h). */
void http_server_frontend(struct http_server *s, struct daemon_frontend *fe);

/*
 * Answers the queued requests and writes to the event streams: on the
 * loop thread only (the daemon calls it through the front end).
 */
void http_server_process(struct http_server *s);

/* Stops serving, answers what is queued with 503, frees; NULL is fine. */
void http_server_close(struct http_server *s);

#endif

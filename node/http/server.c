/* server.c - nng's HTTP server carried onto the daemon's loop (server.h). */
#include "node/http/server.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/supplemental/http/http.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "node/daemon.h"
#include "node/http/web.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

/* A comment on each stream this often: a write to a closed browser fails. */
#define STREAM_PING_MS 15000
#define STREAM_MAX 256

/* A request waiting for the loop; its strings are its own. */
struct job {
	struct job *next;
	nng_aio *aio;
	nng_http_conn *conn;
	struct http_req rq;
	char *strs[8];
	uint8_t *body;
};

/* An event stream, hijacked from nng's server. */
struct stream {
	struct stream *next;
	struct http_server *s;
	nng_http_conn *conn;
	nng_aio *aio;
	int busy, dead, pending; /* under s->mu: busy, dead */
	uint64_t last_ms;
	char out[160];
};

struct http_server {
	struct web *w;
	nng_http_server *srv;
	nng_http_handler *h;
	int port;
	pthread_mutex_t mu; /* jobs, wake, and the streams' busy/dead */
	struct job *head, **tail;
	void (*wake)(void *);
	void *wake_ctx;
	int closing;
	struct stream *streams; /* the loop's */
	size_t nstreams;
	uint64_t seen_events;   /* the store's event count last looked at */
	int seen;
};

void
http_resp_header(struct http_resp *rs, const char *name, const char *value)
{
	BUG_ON(rs->nheaders >= HTTP_HEADERS_MAX);
	rs->headers[rs->nheaders][0] = xstrdup(name);
	rs->headers[rs->nheaders][1] = xstrdup(value);
	rs->nheaders++;
}

static void
resp_release(struct http_resp *rs)
{
	for (size_t i = 0; i < rs->nheaders; i++) {
		free(rs->headers[i][0]);
		free(rs->headers[i][1]);
	}
	buf_release(&rs->body);
}

static char *
dup_or_empty(const char *s)
{
	return xstrdup(s ? s : "");
}

/* On an nng thread: copy the request, queue it, wake the loop. */
static void
handle(nng_aio *aio)
{
	nng_http_req *req = nng_aio_get_input(aio, 0);
	nng_http_handler *h = nng_aio_get_input(aio, 1);
	nng_http_conn *conn = nng_aio_get_input(aio, 2);
	struct http_server *s = nng_http_handler_get_data(h);
	struct job *j = xcalloc(1, sizeof(*j));
	const char *uri = nng_http_req_get_uri(req);
	const char *q = strchr(uri, '?');
	void *body;
	size_t blen;

	j->aio = aio;
	j->conn = conn;
	j->strs[0] = dup_or_empty(nng_http_req_get_method(req));
	j->strs[1] = q ? xstrndup(uri, (size_t)(q - uri)) : xstrdup(uri);
	j->strs[2] = xstrdup(q ? q + 1 : "");
	j->strs[3] = dup_or_empty(nng_http_req_get_header(req, "Cookie"));
	j->strs[4] = dup_or_empty(nng_http_req_get_header(req, "Content-Type"));
	j->strs[5] = dup_or_empty(nng_http_req_get_header(req, "Origin"));
	j->strs[6] = dup_or_empty(nng_http_req_get_header(req, "Host"));
	nng_http_req_get_data(req, &body, &blen);
	if (blen) {
		j->body = xmalloc(blen + 1);
		memcpy(j->body, body, blen);
		j->body[blen] = 0; /* forms are read as text */
	}
	j->rq.method = j->strs[0];
	j->rq.path = j->strs[1];
	j->rq.query = j->strs[2];
	j->rq.cookie = j->strs[3];
	j->rq.content_type = j->strs[4];
	j->rq.origin = j->strs[5];
	j->rq.host = j->strs[6];
	j->rq.body = j->body;
	j->rq.body_len = blen;

	pthread_mutex_lock(&s->mu);
	*s->tail = j;
	s->tail = &j->next;
	void (*wake)(void *) = s->wake;
	void *ctx = s->wake_ctx;
	if (wake)
		wake(ctx);
	pthread_mutex_unlock(&s->mu);
}

static void
job_free(struct job *j)
{
	for (size_t i = 0; i < sizeof(j->strs) / sizeof(j->strs[0]); i++)
		free(j->strs[i]);
	free(j->body);
	free(j);
}

/* Answers j with status and nothing else (stopping, or no memory). */
static void
job_fail(struct job *j, uint16_t status)
{
	nng_http_res *res;
	if (nng_http_res_alloc_error(&res, status) != 0) {
		nng_aio_finish(j->aio, NNG_ENOMEM);
		return;
	}
	nng_aio_set_output(j->aio, 0, res);
	nng_aio_finish(j->aio, 0);
}

static void
stream_cb(void *arg)
{
	struct stream *st = arg;
	pthread_mutex_lock(&st->s->mu);
	st->busy = 0;
	if (nng_aio_result(st->aio) != 0)
		st->dead = 1;
	pthread_mutex_unlock(&st->s->mu);
}

/* Writes text on the stream unless a write is under way (then later). */
static void
stream_write(struct stream *st, const char *text)
{
	nng_iov iov;
	pthread_mutex_lock(&st->s->mu);
	int busy = st->busy || st->dead;
	if (!busy)
		st->busy = 1;
	pthread_mutex_unlock(&st->s->mu);
	if (busy) {
		st->pending = 1;
		return;
	}
	snprintf(st->out, sizeof(st->out), "%s", text);
	iov.iov_buf = st->out;
	iov.iov_len = strlen(st->out);
	nng_aio_set_iov(st->aio, 1, &iov);
	nng_http_conn_write_all(st->conn, st->aio);
	st->last_ms = clock_now_ms();
}

static void
stream_free(struct stream *st)
{
	nng_aio_stop(st->aio);
	nng_http_conn_close(st->conn);
	nng_aio_free(st->aio);
	free(st);
}

/* Takes j's connection away from nng's server as an event stream. */
static void
stream_open(struct http_server *s, struct job *j)
{
	struct stream *st;
	if (s->nstreams >= STREAM_MAX) {
		job_fail(j, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
		return;
	}
	st = xcalloc(1, sizeof(*st));
	st->s = s;
	if (nng_aio_alloc(&st->aio, stream_cb, st) != 0) {
		free(st);
		job_fail(j, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
		return;
	}
	st->conn = j->conn;
	nng_http_hijack(st->conn);
	/* The server is done with it: it neither answers nor reads on. */
	nng_aio_set_output(j->aio, 0, NULL);
	nng_aio_finish(j->aio, 0);
	st->next = s->streams;
	s->streams = st;
	s->nstreams++;
	/* No length and no chunks: the body is the stream until it closes.
	 * retry: the browser reconnects after a second. */
	stream_write(st, "HTTP/1.1 200 OK\r\n"
			 "Content-Type: text/event-stream\r\n"
			 "Cache-Control: no-store\r\n"
			 "X-Content-Type-Options: nosniff\r\n\r\n"
			 "retry: 1000\n\n");
}

static void
job_answer(struct http_server *s, struct job *j)
{
	struct http_resp rs;
	nng_http_res *res;
	char len[24];

	memset(&rs, 0, sizeof(rs));
	j->rq.now_ms = clock_now_ms();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	web_handle(s->w, &j->rq, &rs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rs.stream) {
		resp_release(&rs);
		stream_open(s, j);
		return;
	}
	if (nng_http_res_alloc(&res) != 0) {
		resp_release(&rs);
		nng_aio_finish(j->aio, NNG_ENOMEM);
		return;
	}
	(void)nng_http_res_set_status(res, (uint16_t)(rs.status ? rs.status : 200));
	(void)nng_http_res_set_header(res, "Content-Type",
				      rs.type ? rs.type : "text/html; charset=utf-8");
	/* Every answer: nothing from elsewhere, no inline script, no frames. */
	(void)nng_http_res_set_header(res, "Content-Security-Policy",
				      "default-src 'self'; img-src 'self' data: blob:; "
				      "script-src 'self'; style-src 'self'; "
				      "frame-ancestors 'none'; form-action 'self'");
	(void)nng_http_res_set_header(res, "X-Content-Type-Options", "nosniff");
	(void)nng_http_res_set_header(res, "Referrer-Policy", "same-origin");
	(void)nng_http_res_set_header(res, "X-Frame-Options", "DENY");
	/* How long the node took (bench/web.sh reads it). */
	char timing[48];
	snprintf(timing, sizeof(timing), "app;dur=%.3f",
		 (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	(void)nng_http_res_set_header(res, "Server-Timing", timing);
	for (size_t i = 0; i < rs.nheaders; i++)
		(void)nng_http_res_add_header(res, rs.headers[i][0], rs.headers[i][1]);
	/* nng writes no length for an empty body: say it, or the client
	 * waits for the connection to close. */
	if (strcmp(j->rq.method, "HEAD") == 0 || rs.body.len == 0) {
		snprintf(len, sizeof(len), "%zu", rs.body.len);
		(void)nng_http_res_set_header(res, "Content-Length", len);
	} else if (rs.body.len &&
		   nng_http_res_copy_data(res, rs.body.data, rs.body.len) != 0) {
		nng_http_res_free(res);
		resp_release(&rs);
		nng_aio_finish(j->aio, NNG_ENOMEM);
		return;
	}
	resp_release(&rs);
	nng_aio_set_output(j->aio, 0, res);
	nng_aio_finish(j->aio, 0);
}

/* Tells every stream that the store moved; drops the closed ones. */
static void
streams_tick(struct http_server *s)
{
	struct store_stats stats;
	int changed = 0;
	uint64_t now = clock_now_ms();
	char msg[96];

	if (!s->streams)
		return;
	if (store_stats(node_store(web_node(s->w)), &stats) == 0) {
		changed = s->seen && stats.events != s->seen_events;
		s->seen = 1;
		s->seen_events = stats.events;
	}
	snprintf(msg, sizeof(msg), "event: change\ndata: %llu\n\n",
		 (unsigned long long)s->seen_events);
	for (struct stream **pp = &s->streams; *pp;) {
		struct stream *st = *pp;
		pthread_mutex_lock(&s->mu);
		int gone = st->dead && !st->busy;
		pthread_mutex_unlock(&s->mu);
		if (gone) {
			*pp = st->next;
			s->nstreams--;
			stream_free(st);
			continue;
		}
		if (changed || st->pending) {
			st->pending = 0;
			stream_write(st, msg);
		} else if (now - st->last_ms > STREAM_PING_MS) {
			stream_write(st, ": ping\n\n");
		}
		pp = &st->next;
	}
}

void
http_server_process(struct http_server *s)
{
	struct job *list;
	pthread_mutex_lock(&s->mu);
	list = s->head;
	s->head = NULL;
	s->tail = &s->head;
	pthread_mutex_unlock(&s->mu);
	while (list) {
		struct job *j = list;
		list = j->next;
		job_answer(s, j);
		job_free(j);
	}
	streams_tick(s);
}

static void
fe_start(void *ctx, void (*wake)(void *), void *wake_ctx)
{
	struct http_server *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->wake = wake;
	s->wake_ctx = wake_ctx;
	if (s->head)
		wake(wake_ctx);
	pthread_mutex_unlock(&s->mu);
}

static void
fe_process(void *ctx)
{
	http_server_process(ctx);
}

/* The loop is about to go: no wake may reach it from now on. */
static void
fe_stop(void *ctx)
{
	struct http_server *s = ctx;
	pthread_mutex_lock(&s->mu);
	s->wake = NULL;
	s->wake_ctx = NULL;
	pthread_mutex_unlock(&s->mu);
}

void
http_server_frontend(struct http_server *s, struct daemon_frontend *fe)
{
	fe->ctx = s;
	fe->start = fe_start;
	fe->process = fe_process;
	fe->stop = fe_stop;
}

int
http_server_port(const struct http_server *s)
{
	return s->port;
}

int
http_server_open(struct web *w, const char *addr, struct http_server **out,
		 struct diag *d)
{
	struct http_server *s;
	nng_url *url = NULL;
	nng_sockaddr sa;
	int rv;
	char *text = xasprintf("http://%s", addr);

	rv = nng_url_parse(&url, text);
	free(text);
	if (rv != 0)
		return diag_set(d, ERR_INVAL, "cannot serve the console on '%s': not HOST:PORT", addr);
	s = xcalloc(1, sizeof(*s));
	s->w = w;
	s->tail = &s->head;
	pthread_mutex_init(&s->mu, NULL);
	if ((rv = nng_http_server_hold(&s->srv, url)) != 0 ||
	    (rv = nng_http_handler_alloc(&s->h, "/", handle)) != 0)
		goto fail;
	(void)nng_http_handler_set_method(s->h, NULL); /* every method */
	(void)nng_http_handler_set_tree(s->h);
	(void)nng_http_handler_collect_body(s->h, true, HTTP_BODY_MAX);
	(void)nng_http_handler_set_data(s->h, s, NULL);
	if ((rv = nng_http_server_add_handler(s->srv, s->h)) != 0) {
		nng_http_handler_free(s->h);
		goto fail;
	}
	if ((rv = nng_http_server_start(s->srv)) != 0)
		goto fail;
	if (nng_http_server_get_addr(s->srv, &sa) == 0 && sa.s_family == NNG_AF_INET)
		s->port = ((sa.s_in.sa_port & 0xff) << 8) | (sa.s_in.sa_port >> 8);
	nng_url_free(url);
	log_info("http", "console on http://%s", addr);
	*out = s;
	return 0;
fail:
	if (s->srv)
		nng_http_server_release(s->srv);
	nng_url_free(url);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return diag_set(d, rv == NNG_EADDRINUSE ? ERR_BUSY : ERR_IO,
			"cannot serve the console on '%s': %s", addr, nng_strerror(rv));
}

void
http_server_close(struct http_server *s)
{
	struct job *list;
	if (!s)
		return;
	nng_http_server_stop(s->srv);
	pthread_mutex_lock(&s->mu);
	s->wake = NULL;
	list = s->head;
	s->head = NULL;
	s->tail = &s->head;
	pthread_mutex_unlock(&s->mu);
	while (list) {
		struct job *j = list;
		list = j->next;
		job_fail(j, NNG_HTTP_STATUS_SERVICE_UNAVAILABLE);
		job_free(j);
	}
	while (s->streams) {
		struct stream *st = s->streams;
		s->streams = st->next;
		stream_free(st);
	}
	nng_http_server_release(s->srv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

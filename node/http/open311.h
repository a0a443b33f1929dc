/*
 * open311.h - the Open311 GeoReport v2 endpoint, free of any transport.
 *
 * The HTTP server routes every request below /open311/v2/ here and sends
 * back what it is given; the CLI (`gridcase open311`) calls the same
 * function without HTTP.  Resources (docs/open311.md):
 *
 *   GET  discovery.{json,xml}        the service discovery document
 *   GET  services.{json,xml}         the classes a citizen may report
 *   GET  services/CODE.{json,xml}    a service definition (no attributes)
 *   GET  requests.{json,xml}         cases, with the standard filters
 *   GET  requests/ID.{json,xml}      one case
 *   POST requests.{json,xml}         a public report, signed by the
 *                                    node's intake key (DIR/intake.key)
 *
 * Errors are answered in the specification's format, e.g.
 * [{"code":400,"description":"..."}] or <errors><error>...</error></errors>.
 * Every call reads and writes the node's store in its own transactions,
 * on the caller's thread (the daemon's loop thread).
 */
#ifndef GRIDCASE_OPEN311_H
#define GRIDCASE_OPEN311_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct node;

/* The intake key's file in the node directory (docs/open311.md). */
#define OPEN311_INTAKE_KEY_FILE "intake.key"
/* API keys that may POST, one a line; no file: api_key is not asked for. */
#define OPEN311_API_KEYS_FILE "open311-api-keys"
/* GET requests: the default and largest span, and the most returned. */
#define OPEN311_SPAN_MS (90ull * 86400000)
#define OPEN311_MAX_REQUESTS 1000
/* The largest POST body taken (a form of a few text fields). */
#define OPEN311_BODY_MAX (64 * 1024)

/* A request as the transport received it; everything is borrowed. */
struct open311_request {
	const char *method; /* "GET" or "POST" */
	const char *path;   /* below /open311/v2/, e.g. "requests/ID.json" */
	const char *query;  /* the query string without '?', or NULL */
	const char *content_type; /* of the body, or NULL */
	const char *body;         /* POST: application/x-www-form-urlencoded */
	size_t body_len;
	/* The endpoint's URL as clients reach it, for the discovery
	 * document, e.g. "http://127.0.0.1:8311/open311/v2/"; NULL:
	 * "/open311/v2/". */
	const char *base_url;
	uint64_t now_ms; /* what "the last 90 days" is judged at */
};

/* The reply to send; body is malloc'd, freed by open311_reply_release(). */
struct open311_reply {
	int status;               /* HTTP status: 200, 400, 403, 404, ... */
	const char *content_type; /* static: JSON or XML, UTF-8 */
	char *body;               /* NUL-terminated */
	size_t body_len;
};

/*
 * Answers one request.  rep is always filled, and must be sent and then
 * released, whatever the return: a client's mistake is a 4xx reply in the
 * specification's error format and returns 0.  A fault of the node
 * itself returns its code with a reply the client may see (403 or 500)
 * and, in d, what the node's admin must know: ERR_NOTFOUND (no intake
 * key), ERR_DENIED (the intake key may not report: not in the roster,
 * no operator role, revoked), ERR_PERM (the key file's mode), the
 * store's and the classification table's errors.  The caller logs d.
 */
MUST_CHECK int open311_handle(struct node *n, const struct open311_request *req,
			      struct open311_reply *rep, struct diag *d);

/* Frees the body; rep may be released twice. */
void open311_reply_release(struct open311_reply *rep);

#endif

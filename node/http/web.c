/*
 * web.c - the console's routes, sessions, sign-in and page frame (see
 * web.h).  Unlocked keys live in this process only; the sessions are
 * also kept in the node's session file (node/web_sessions.h), without
 * their keys, so that a restart keeps people signed in but asks each for
 * the passphrase again before the node signs anything for them.
 */
#include "node/http/web.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "crypto/hash.h"
#include "crypto/key.h"
#include "crypto/rand.h"
#include "node/case/calendar.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "node/case/roster.h"
#include "node/files.h"
#include "node/http/internal.h"
#include "node/http/open311.h"
#include "node/node.h"
#include "node/web_keys.h"
#include "node/web_sessions.h"
#include "common/banned.h"

/* ---- the route table ---- */

enum route_flags {
	ROUTE_TREE = 1,   /* the path and everything under it */
	ROUTE_PUBLIC = 2, /* no sign-in needed */
};

struct route {
	const char *method; /* NULL: any */
	const char *path;
	unsigned flags;
	web_route_fn fn;
};

static void route_signin(struct web_call *c);
static void route_signout(struct web_call *c);
static void route_static(struct web_call *c);
static void route_lang(struct web_call *c);
static void route_open311(struct web_call *c);
static void route_unlock(struct web_call *c);

/* First match wins. */
static const struct route routes[] = {
	{ NULL, "/open311/v2/", ROUTE_TREE | ROUTE_PUBLIC, route_open311 },
	{ NULL, "/signin", ROUTE_PUBLIC, route_signin },
	{ "POST", "/signout", 0, route_signout },
	{ NULL, "/unlock", 0, route_unlock },
	{ "GET", "/static/", ROUTE_TREE | ROUTE_PUBLIC, route_static },
	{ "GET", "/lang", ROUTE_PUBLIC, route_lang },
	{ "GET", "/", 0, page_worklist },
	{ "GET", "/case/", ROUTE_TREE, page_case },
	{ "POST", "/act/", ROUTE_TREE, page_case_act },
	{ NULL, "/report", 0, page_report },
	{ "GET", "/board", 0, page_board },
	{ "GET", "/map", 0, page_map },
	{ "GET", "/eval", 0, page_eval },
	{ "GET", "/peers", 0, page_peers },
	{ "GET", "/blob/", ROUTE_TREE, page_blob },
	{ "GET", "/api/cases", 0, api_cases },
	{ "GET", "/api/case/", ROUTE_TREE, api_case },
	{ "GET", "/api/events", 0, api_events },
};

/*
 * The Open311 GeoReport v2 endpoint (docs/open311.md): public, with no
 * session and no cookie, so no CSRF token either; a POST is a public
 * report that the node's intake key signs.
 */
static void
route_open311(struct web_call *c)
{
	struct open311_reply rep;
	struct diag d;
	char base[300];
	snprintf(base, sizeof(base), "http://%s/open311/v2/",
		 c->rq->host && c->rq->host[0] ? c->rq->host : "localhost");
	struct open311_request req = {
		.method = c->rq->method,
		.path = c->tail,
		.query = c->rq->query,
		.content_type = c->rq->content_type,
		.body = (const char *)c->rq->body,
		.body_len = c->rq->body_len,
		.base_url = base,
		.now_ms = c->rq->now_ms,
	};
	if (open311_handle(c->w->n, &req, &rep, &d))
		log_warn("open311", "%s /open311/v2/%s: %s", c->rq->method,
			 c->tail, d.text);
	c->rs->status = rep.status;
	c->rs->type = rep.content_type;
	buf_add(&c->rs->body, rep.body, rep.body_len);
	open311_reply_release(&rep);
}

/* ---- small helpers ---- */

/* Compares two tokens in time that does not depend on where they differ. */
static int
token_eq(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char diff = n != strlen(b) || n == 0;
	for (size_t i = 0; i < n && b[i]; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

static void
token_new(char out[WEB_TOKEN_HEX + 1])
{
	uint8_t raw[WEB_TOKEN_HEX / 2];
	rand_bytes(raw, sizeof(raw));
	hex_encode(raw, sizeof(raw), out);
}

/* The value of cookie name in the Cookie header, into out. */
static int
cookie_get(const char *header, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (p && *p) {
		while (*p == ' ')
			p++;
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			size_t vl = len - nl - 1;
			if (vl >= cap)
				vl = cap - 1;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	out[0] = '\0';
	return 0;
}

void
resp_redirect(struct web_call *c, const char *to)
{
	c->rs->status = 303;
	http_resp_header(c->rs, "Location", to);
}

void
web_time(struct web_call *c, uint64_t ms, char out[32])
{
	if (!ms) {
		snprintf(out, 32, "-");
		return;
	}
	clock_format_local(ms, node_config(c->w->n)->cal.utc_offset_min, out);
}

int
web_has_role(const struct web_call *c, unsigned roles)
{
	return c->sess && c->sess->member && (c->sess->roles & roles);
}

int
web_csrf_ok(const struct web_call *c, const char *token)
{
	return c->sess && token_eq(c->sess->csrf, token);
}

void
form_csrf(struct web_call *c)
{
	if (c->sess)
		buf_printf(&c->rs->body, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">",
			   c->sess->csrf);
}

/* ---- the frame ---- */

void
page_begin(struct web_call *c, const char *title)
{
	struct buf *o = &c->rs->body;
	buf_printf(o, "<!doctype html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
		      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
		      "<title>", c->en ? "en" : "zh-CN");
	html_text(o, title);
	buf_add_str(o, " - gridcase</title><link rel=\"stylesheet\" href=\"/static/app.css\">"
		       "<script src=\"/static/app.js\" defer></script></head><body>"
		       "<header class=\"top\"><a class=\"brand\" href=\"/\">gridcase</a><nav>");
	if (c->sess) {
		static const struct {
			const char *href, *zh, *en;
			unsigned roles; /* 0: everyone */
		} nav[] = {
			{ "/", "工作台", "Worklist", 0 },
			{ "/board", "中心看板", "Centre", ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER },
			{ "/report", "上报", "Report", ROLE_SUPERVISOR | ROLE_OPERATOR },
			{ "/map", "地图", "Map", 0 },
			{ "/eval", "评价", "Evaluation", 0 },
			{ "/peers", "复制", "Replication", ROLE_ADMIN },
		};
		for (size_t i = 0; i < sizeof(nav) / sizeof(nav[0]); i++) {
			if (nav[i].roles && !web_has_role(c, nav[i].roles))
				continue;
			buf_printf(o, "<a href=\"%s\">%s</a>", nav[i].href,
				   T(c, nav[i].zh, nav[i].en));
		}
	}
	buf_printf(o, "<a href=\"/lang?to=%s\">%s</a>", c->en ? "zh" : "en",
		   c->en ? "中文" : "English");
	if (c->sess) {
		buf_add_str(o, "<span class=\"who\">");
		html_text(o, c->sess->name);
		if (c->sess->member) {
			char roles[128];
			roles_format(c->sess->roles, roles, sizeof(roles));
			buf_add_str(o, " (");
			html_text(o, roles);
			buf_add_str(o, ")");
		}
		buf_add_str(o, "</span><form method=\"post\" action=\"/signout\" class=\"inline\">");
		form_csrf(c);
		buf_printf(o, "<button>%s</button></form>", T(c, "退出", "Sign out"));
	}
	buf_add_str(o, "</nav></header>");
	if (c->sess && !c->sess->key)
		buf_printf(o, "<div class=\"locked\" id=\"locked\">%s <a href=\"/unlock\">%s</a></div>",
			   T(c, "节点重启后，您的签名密钥已锁定：查看不受影响，操作前请", "The node restarted and your signing key is locked: you can look, but to act"),
			   T(c, "重新输入口令", "give your passphrase again"));
	buf_add_str(o, "<main id=\"main\">");
}

void
page_end(struct web_call *c)
{
	char off[CLOCK_ISO_BYTES];
	clock_format_offset(node_config(c->w->n)->cal.utc_offset_min, off);
	buf_printf(&c->rs->body, "</main><footer>%s %s</footer></body></html>\n",
		   T(c, "时间为本区时间", "Times are district time"), off);
}

void
page_error(struct web_call *c, int status, const char *msg)
{
	buf_reset(&c->rs->body);
	c->rs->status = status;
	page_begin(c, T(c, "出错了", "Something went wrong"));
	buf_printf(&c->rs->body, "<div class=\"error-summary\" role=\"alert\"><h1>%s</h1><p>",
		   T(c, "出错了", "Something went wrong"));
	html_text(&c->rs->body, msg);
	buf_add_str(&c->rs->body, "</p></div>");
	page_end(c);
}

/* ---- sessions ---- */

static int
session_expired(const struct web_session *s, uint64_t now)
{
	return now - s->last_ms > WEB_SESSION_IDLE_MS ||
	       now - s->created_ms > WEB_SESSION_MAX_MS;
}

/* Writes every session to the node's session file (web_sessions.h):
 * never a key, a cookie or a CSRF token. */
static void
sessions_save(struct web *w, uint64_t now)
{
	struct web_session_rec v[WEB_SESSIONS_MAX];
	struct diag d;
	size_t n = 0;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		const struct web_session *s = &w->sessions[i];
		if (!s->used)
			continue;
		memcpy(v[n].id_hash, s->id_hash, HASH_BYTES);
		memcpy(v[n].pub, s->pub, EVENT_KEY_BYTES);
		v[n].created_ms = s->created_ms;
		v[n].last_ms = s->last_ms;
		snprintf(v[n].name, sizeof(v[n].name), "%s", s->name);
		n++;
	}
	w->saved_ms = now;
	if (web_sessions_save(node_dir(w->n), v, n, &d))
		log_warn("http", "sessions are not kept across a restart: %s", d.text);
}

static void
session_end(struct web_session *s)
{
	key_free(s->key);
	memset(s, 0, sizeof(*s));
}

static struct web_session *
session_find(struct web *w, const char *cookie, uint64_t now)
{
	char id[WEB_TOKEN_HEX + 1];
	uint8_t h[HASH_BYTES];
	if (!cookie_get(cookie, WEB_COOKIE, id, sizeof(id)) ||
	    strlen(id) != WEB_TOKEN_HEX)
		return NULL;
	hash_bytes(id, strlen(id), h);
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &w->sessions[i];
		unsigned char diff = 0;
		for (size_t k = 0; k < HASH_BYTES; k++)
			diff |= (unsigned char)(s->id_hash[k] ^ h[k]);
		if (!s->used || diff)
			continue;
		if (session_expired(s, now)) {
			session_end(s);
			sessions_save(w, now);
			return NULL;
		}
		s->last_ms = now;
		if (now - w->saved_ms > WEB_SESSION_SAVE_MS)
			sessions_save(w, now);
		return s;
	}
	return NULL;
}

/* The roster's word on the session's key, now. */
static void
session_roles(struct web *w, struct web_session *s)
{
	const struct roster *r = node_roster(w->n);
	const struct member *m = r ? roster_lookup(r, s->pub, 0) : NULL;
	s->member = m != NULL;
	s->roles = m ? m->roles : 0;
	snprintf(s->member_name, sizeof(s->member_name), "%s", m ? m->name : "");
	snprintf(s->unit, sizeof(s->unit), "%s", m ? m->unit : "");
}

/* A free slot, the oldest session's if there is none. */
static struct web_session *
session_slot(struct web *w, uint64_t now)
{
	struct web_session *s = NULL, *oldest = NULL;
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++) {
		struct web_session *t = &w->sessions[i];
		if (t->used && session_expired(t, now))
			session_end(t);
		if (!t->used && !s)
			s = t;
		if (t->used && (!oldest || t->last_ms < oldest->last_ms))
			oldest = t;
	}
	if (!s) {
		session_end(oldest);
		s = oldest;
	}
	return s;
}

/* A new session for k (taken); id receives the cookie's value. */
static struct web_session *
session_new(struct web *w, const char *name, struct key *k, uint64_t now,
	    char id[WEB_TOKEN_HEX + 1])
{
	struct web_session *s = session_slot(w, now);
	s->used = 1;
	token_new(id);
	hash_bytes(id, strlen(id), s->id_hash);
	token_new(s->csrf);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->key = k;
	memcpy(s->pub, key_public(k), EVENT_KEY_BYTES);
	s->created_ms = s->last_ms = now;
	session_roles(w, s);
	sessions_save(w, now);
	return s;
}

/* The sessions of the file, locked (no key) and with new CSRF tokens;
 * those expired stay out. */
static void
sessions_load(struct web *w, uint64_t now)
{
	struct web_session_rec *v = NULL;
	struct diag d;
	size_t n = 0, kept = 0;
	if (web_sessions_load(node_dir(w->n), &v, &n, &d)) {
		log_warn("http", "sessions of before the restart are dropped: %s", d.text);
		return;
	}
	for (size_t i = 0; i < n && kept < WEB_SESSIONS_MAX; i++) {
		struct web_session *s = &w->sessions[kept];
		memset(s, 0, sizeof(*s));
		memcpy(s->id_hash, v[i].id_hash, HASH_BYTES);
		memcpy(s->pub, v[i].pub, EVENT_KEY_BYTES);
		s->created_ms = v[i].created_ms;
		s->last_ms = v[i].last_ms;
		if (session_expired(s, now) || s->last_ms > now + WEB_SESSION_SAVE_MS)
			continue;
		s->used = 1;
		token_new(s->csrf);
		snprintf(s->name, sizeof(s->name), "%s", v[i].name);
		kept++;
	}
	if (kept < WEB_SESSIONS_MAX)
		memset(&w->sessions[kept], 0, sizeof(w->sessions[0]));
	free(v);
	if (n)
		log_info("http", "%zu of %zu sessions kept across the restart (locked until their passphrase is given again)",
			 kept, n);
	sessions_save(w, now);
}

/* ---- sign-in ---- */

static struct signin_fail *
fail_slot(struct web *w, const char *name, uint64_t now, int create)
{
	struct signin_fail *free_slot = NULL;
	for (size_t i = 0; i < sizeof(w->fails) / sizeof(w->fails[0]); i++) {
		struct signin_fail *f = &w->fails[i];
		if (f->count && now - f->first_ms > WEB_SIGNIN_WINDOW_MS)
			memset(f, 0, sizeof(*f));
		if (f->count && strcmp(f->name, name) == 0)
			return f;
		if (!f->count && !free_slot)
			free_slot = f;
	}
	if (!create)
		return NULL;
	if (!free_slot)
		free_slot = &w->fails[now % (sizeof(w->fails) / sizeof(w->fails[0]))];
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	free_slot->first_ms = now;
	return free_slot;
}

static void
signin_form(struct web_call *c, const char *error, const char *name)
{
	struct buf *o = &c->rs->body;
	page_begin(c, T(c, "登录", "Sign in"));
	buf_printf(o, "<h1>%s</h1>", T(c, "登录", "Sign in"));
	if (error) {
		buf_printf(o, "<div class=\"error-summary\" role=\"alert\" id=\"signin-error\"><p>");
		html_text(o, error);
		buf_add_str(o, "</p></div>");
	}
	buf_printf(o, "<form method=\"post\" action=\"/signin\" class=\"stack\">"
		      "<label for=\"name\">%s</label><input id=\"name\" name=\"name\" autocomplete=\"username\" required value=\"",
		   T(c, "用户名", "Name"));
	html_attr(o, name);
	buf_printf(o, "\"><label for=\"pass\">%s</label>"
		      "<input id=\"pass\" name=\"pass\" type=\"password\" autocomplete=\"current-password\" required>"
		      "<button type=\"submit\" id=\"signin\">%s</button></form>",
		   T(c, "口令", "Passphrase"), T(c, "登录", "Sign in"));
	page_end(c);
}

/* The Origin of a POST, if the browser sent one, is this host. */
static int
same_origin(const struct http_req *rq)
{
	const char *o = rq->origin;
	if (!o[0])
		return 1;
	if (strncmp(o, "http://", 7) == 0)
		o += 7;
	else if (strncmp(o, "https://", 8) == 0)
		o += 8;
	return strcmp(o, rq->host) == 0;
}

/* The sign-in limits (one name's failures, the minute's budget): 1 and a
 * 429 answer if the attempt is refused. */
static int
signin_refused(struct web_call *c, const char *name, uint64_t now)
{
	struct web *w = c->w;
	if (now - w->minute_start >= 60000) {
		w->minute_start = now;
		w->minute_count = 0;
	}
	struct signin_fail *f = fail_slot(w, name, now, 0);
	if (++w->minute_count > WEB_SIGNIN_PER_MIN ||
	    (f && f->count >= WEB_SIGNIN_FAILS)) {
		c->rs->status = 429;
		http_resp_header(c->rs, "Retry-After", "900");
		log_warn("http", "sign-in of '%s' refused: too many attempts", name);
		return 1;
	}
	return 0;
}

/* A local path to go back to: "/..." and not "//..." (another host). */
static int
local_path(const char *p)
{
	return p[0] == '/' && p[1] != '/' && p[1] != '\\' && !strpbrk(p, "\r\n");
}

static void
unlock_form(struct web_call *c, const char *error, const char *next)
{
	struct buf *o = &c->rs->body;
	page_begin(c, T(c, "解锁签名密钥", "Unlock your signing key"));
	buf_printf(o, "<h1>%s</h1><p>", T(c, "解锁签名密钥", "Unlock your signing key"));
	buf_add_str(o, T(c, "节点重启后不保存已解锁的密钥。请为 ", "The node keeps no unlocked key across a restart. Give the passphrase of "));
	html_text(o, c->sess->name);
	buf_add_str(o, T(c, " 重新输入口令。", " again."));
	buf_add_str(o, "</p>");
	if (error) {
		buf_add_str(o, "<div class=\"error-summary\" role=\"alert\" id=\"unlock-error\"><p>");
		html_text(o, error);
		buf_add_str(o, "</p></div>");
	}
	buf_add_str(o, "<form method=\"post\" action=\"/unlock\" class=\"stack\">");
	form_csrf(c);
	buf_add_str(o, "<input type=\"hidden\" name=\"next\" value=\"");
	html_attr(o, next);
	buf_printf(o, "\"><label for=\"pass\">%s</label>"
		      "<input id=\"pass\" name=\"pass\" type=\"password\" autocomplete=\"current-password\" required>"
		      "<button type=\"submit\" id=\"unlock\">%s</button></form>",
		   T(c, "口令", "Passphrase"), T(c, "解锁", "Unlock"));
	page_end(c);
}

/*
 * A session read back after a restart has no key: the person gives the
 * passphrase again, and the key it opens must be the one the session
 * signed in with.  The sign-in's limits count here too.
 */
static void
route_unlock(struct web_call *c)
{
	struct web_session *s = c->sess;
	char next[256], token[WEB_TOKEN_HEX + 1], pass[512];
	struct key *k = NULL;
	struct diag d;
	uint64_t now = c->rq->now_ms;
	const char *form = strcmp(c->rq->method, "POST") == 0 && c->rq->body
		? (const char *)c->rq->body : NULL;

	form_get(form ? form : c->rq->query, "next", next, sizeof(next));
	if (!local_path(next))
		snprintf(next, sizeof(next), "/");
	if (s->key) {
		resp_redirect(c, next);
		return;
	}
	if (!form) {
		unlock_form(c, NULL, next);
		return;
	}
	form_get(form, "csrf", token, sizeof(token));
	if (!web_csrf_ok(c, token)) {
		page_error(c, 403, T(c, "表单已过期，请重试", "The form is stale: try again"));
		return;
	}
	if (signin_refused(c, s->name, now)) {
		unlock_form(c, T(c, "尝试次数过多，请稍后再试", "Too many attempts: try again later"), next);
		return;
	}
	form_get(form, "pass", pass, sizeof(pass));
	int rc = web_key_unlock(node_dir(c->w->n), s->name, pass, strlen(pass), &k, &d);
	memset(pass, 0, sizeof(pass));
	if (rc == 0 && memcmp(key_public(k), s->pub, EVENT_KEY_BYTES) != 0) {
		/* The name's key was replaced since: a new sign-in is due. */
		key_free(k);
		k = NULL;
		rc = diag_set(&d, ERR_DENIED, "the key of '%s' is not the session's", s->name);
	}
	if (rc) {
		struct signin_fail *f = fail_slot(c->w, s->name, now, 1);
		f->count++;
		log_info("http", "unlock of '%s' failed: %s", s->name, d.text);
		c->rs->status = 401;
		unlock_form(c, T(c, "口令不正确", "Wrong passphrase"), next);
		return;
	}
	s->key = k;
	log_info("http", "'%s' unlocked the session's key", s->name);
	resp_redirect(c, next);
}

static void
route_signin(struct web_call *c)
{
	struct web *w = c->w;
	char name[80], pass[512];
	struct key *k = NULL;
	struct diag d;
	uint64_t now = c->rq->now_ms;

	if (strcmp(c->rq->method, "POST") != 0) {
		signin_form(c, NULL, "");
		return;
	}
	if (!same_origin(c->rq)) {
		page_error(c, 403, T(c, "请求来源不符", "the request came from another site"));
		return;
	}
	const char *form = (const char *)c->rq->body;
	form_get(form ? form : "", "name", name, sizeof(name));
	form_get(form ? form : "", "pass", pass, sizeof(pass));
	/* The minute's budget first: it holds whatever the names. */
	if (signin_refused(c, name, now)) {
		signin_form(c, T(c, "尝试次数过多，请稍后再试", "Too many attempts: try again later"), name);
		return;
	}
	struct signin_fail *f = fail_slot(w, name, now, 0);
	int rc = web_key_unlock(node_dir(w->n), name, pass, strlen(pass), &k, &d);
	memset(pass, 0, sizeof(pass));
	if (rc) {
		f = fail_slot(w, name, now, 1);
		f->count++;
		log_info("http", "sign-in of '%s' failed: %s", name, d.text);
		c->rs->status = 401;
		/* One message for an unknown name and a wrong passphrase. */
		signin_form(c, T(c, "用户名或口令不正确", "Wrong name or passphrase"), name);
		return;
	}
	if (f)
		memset(f, 0, sizeof(*f));
	char id[WEB_TOKEN_HEX + 1];
	session_new(w, name, k, now, id);
	char cookie[160];
	snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Strict",
		 WEB_COOKIE, id);
	http_resp_header(c->rs, "Set-Cookie", cookie);
	log_info("http", "'%s' signed in", name);
	resp_redirect(c, "/");
}

static void
route_signout(struct web_call *c)
{
	char token[WEB_TOKEN_HEX + 1];
	form_get((const char *)c->rq->body, "csrf", token, sizeof(token));
	if (!web_csrf_ok(c, token)) {
		page_error(c, 403, T(c, "表单已过期，请重试", "The form is stale: try again"));
		return;
	}
	session_end(c->sess);
	c->sess = NULL;
	sessions_save(c->w, c->rq->now_ms);
	http_resp_header(c->rs, "Set-Cookie", WEB_COOKIE "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
	resp_redirect(c, "/signin");
}

static void
route_lang(struct web_call *c)
{
	char to[8];
	form_get(c->rq->query, "to", to, sizeof(to));
	http_resp_header(c->rs, "Set-Cookie", strcmp(to, "en") == 0
			 ? "gc_lang=en; Path=/; SameSite=Strict; Max-Age=31536000"
			 : "gc_lang=zh; Path=/; SameSite=Strict; Max-Age=31536000");
	resp_redirect(c, "/");
}

static void
route_static(struct web_call *c)
{
	const struct buf *b = NULL;
	if (strcmp(c->tail, "app.css") == 0) {
		b = &c->w->css;
		c->rs->type = "text/css; charset=utf-8";
	} else if (strcmp(c->tail, "app.js") == 0) {
		b = &c->w->js;
		c->rs->type = "text/javascript; charset=utf-8";
	}
	if (!b) {
		c->rs->status = 404;
		c->rs->type = "text/plain; charset=utf-8";
		buf_add_str(&c->rs->body, "not found\n");
		return;
	}
	http_resp_header(c->rs, "Cache-Control", "max-age=300");
	buf_add(&c->rs->body, b->data, b->len);
}

/* ---- the entry ---- */

void
web_handle(struct web *w, const struct http_req *rq, struct http_resp *rs)
{
	struct web_call c;
	char lang[8];

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.rq = rq;
	c.rs = rs;
	cookie_get(rq->cookie, "gc_lang", lang, sizeof(lang));
	c.en = strcmp(lang, "en") == 0;
	c.sess = session_find(w, rq->cookie, rq->now_ms);
	if (c.sess)
		session_roles(w, c.sess);
	int is_get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		size_t pl = strlen(r->path);
		if (r->flags & ROUTE_TREE) {
			if (strncmp(rq->path, r->path, pl) != 0)
				continue;
		} else if (strcmp(rq->path, r->path) != 0) {
			continue;
		}
		if (r->method && strcmp(r->method, rq->method) != 0 &&
		    !(strcmp(r->method, "GET") == 0 && is_get)) {
			rs->status = 405;
			http_resp_header(rs, "Allow", r->method);
			rs->type = "text/plain; charset=utf-8";
			buf_add_str(&rs->body, "method not allowed\n");
			return;
		}
		c.tail = rq->path + pl;
		if (!(r->flags & ROUTE_PUBLIC) && !c.sess) {
			if (strncmp(rq->path, "/api/", 5) == 0) {
				rs->status = 401;
				rs->type = "application/json";
				buf_add_str(&rs->body, "{\"error\":\"sign in first\"}\n");
			} else {
				resp_redirect(&c, "/signin");
			}
			return;
		}
		r->fn(&c);
		return;
	}
	page_error(&c, 404, T(&c, "没有这个页面", "No such page"));
}

struct node *
web_node(struct web *w)
{
	return w->n;
}

static int
load_asset(const char *name, struct buf *out, struct diag *d)
{
	char *path = data_path(name);
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t r;
	if (!f) {
		int rc = diag_set(d, ERR_NOTFOUND, "cannot read the console's '%s'", path);
		free(path);
		return rc;
	}
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, r);
	fclose(f);
	free(path);
	return 0;
}

int
web_new(struct node *n, struct web **out, struct diag *d)
{
	struct web *w = xcalloc(1, sizeof(*w));
	int rc;
	w->n = n;
	if ((rc = load_asset("web/app.css", &w->css, d)) ||
	    (rc = load_asset("web/app.js", &w->js, d)) ||
	    (rc = classes_load(&w->classes, d))) {
		w->failed = 1;
		web_free(w);
		return rc;
	}
	sessions_load(w, clock_now_ms());
	*out = w;
	return 0;
}

void
web_free(struct web *w)
{
	if (!w)
		return;
	if (w->n && !w->failed)
		sessions_save(w, clock_now_ms());
	for (size_t i = 0; i < WEB_SESSIONS_MAX; i++)
		if (w->sessions[i].used)
			session_end(&w->sessions[i]);
	buf_release(&w->css);
	buf_release(&w->js);
	classes_free(w->classes);
	free(w);
}

void
web_unlock_first(struct web_call *c, const char *case_id)
{
	char to[128];
	snprintf(to, sizeof(to), "/unlock?next=%s%s", case_id ? "/case/" : "/report",
		 case_id ? case_id : "");
	resp_redirect(c, to);
}

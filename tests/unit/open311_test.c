/*
 * open311_test.c - the Open311 GeoReport v2 endpoint (node/http/open311.h)
 * on a real node: every resource in both formats, the filters of GET
 * requests, the intake key, and each error in the specification's format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/files.h"
#include "node/grid_store.h"
#include "node/http/open311.h"
#include "node/node.h"
#include "node/report.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

#define CENTRE                                                                 \
	(ROLE_SUPERVISOR | ROLE_OPERATOR | ROLE_SHIFT_LEAD | ROLE_DISPATCHER)
#define DAY 86400000ull
/* A position inside cell 310104007002001 of office-07 (data/district). */
#define INSIDE "lat=31.170&long=121.409"

static uint64_t
t0(void)
{
	return tnode_ms("2026-03-02T01:00:00Z");
}

/* A centre with the district's grid; roles 0: no intake key at all. */
static struct tnode *
centre_new(unsigned intake_roles)
{
	struct tnode *c = tnode_new("centre", "centre", CENTRE);
	struct tnode *all[1] = { c };
	struct diag d;
	size_t cells;
	char *grid = data_path("district/grid.geojson");
	if (tnode_introduce(all, 1) || grid_import(c->n, grid, &cells, &d)) {
		printf("cannot set up the centre: %s\n", d.text);
		abort();
	}
	free(grid);
	if (intake_roles) {
		struct key *k = key_generate();
		char *path =
			xasprintf("%s/%s", c->dir, OPEN311_INTAKE_KEY_FILE);
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, key_public(k), 32);
		snprintf(m.name, sizeof(m.name), "open311");
		snprintf(m.unit, sizeof(m.unit), "hotline");
		m.roles = intake_roles;
		if (key_save(k, path, &d) ||
		    node_roster_add(c->n, tnode_admin(), &m,
				    tnode_ms("2026-01-01T00:10:00Z"), &d)) {
			printf("cannot make the intake key: %s\n", d.text);
			abort();
		}
		key_free(k);
		free(path);
	}
	return c;
}

static int
call(struct tnode *c, const char *method, const char *path, const char *query,
     const char *body, uint64_t now, struct open311_reply *rep, struct diag *d)
{
	struct open311_request req;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.body = body;
	req.body_len = body ? strlen(body) : 0;
	req.content_type = body ? "application/x-www-form-urlencoded" : NULL;
	req.now_ms = now;
	return open311_handle(c->n, &req, rep, d);
}

/* 1 if the text is JSON (the reader refuses numbers with decimals, so
 * only replies without a position). */
static int
json_ok(const char *text)
{
	struct buf mp = BUF_INIT;
	struct diag d;
	int rc = json_to_mp(text, &mp, &d);
	buf_release(&mp);
	if (rc)
		harness_log("not JSON: %s\n", d.text);
	return rc == 0;
}

static size_t
count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Posts a report at the position; writes its id. */
static int
post(struct tnode *c, const char *form, uint64_t now, char id[18])
{
	struct open311_reply rep;
	struct diag d;
	int rc = call(c, "POST", "requests.json", NULL, form, now, &rep, &d);
	const char *p = rep.body ? strstr(rep.body, "\"service_request_id\":\"")
				 : NULL;
	if (rc == 0 && rep.status == 200 && p)
		snprintf(id, 18, "%s", p + strlen("\"service_request_id\":\""));
	else
		harness_log("post refused (%d): %s\n", rep.status, rep.body);
	int ok = rc == 0 && rep.status == 200 && p;
	open311_reply_release(&rep);
	return ok ? 0 : ERR_INVAL;
}

static void
test_discovery(void)
{
	struct tnode *c = centre_new(0);
	struct open311_reply rep;
	struct diag d;
	CHECK_OK(call(c, "GET", "discovery.json", NULL, NULL, t0(), &rep, &d));
	CHECK_EQ_INT(rep.status, 200);
	CHECK(strstr(rep.content_type, "application/json") != NULL);
	CHECK(json_ok(rep.body));
	CHECK(strstr(rep.body,
		     "\"specification\":\"http://wiki.open311.org/GeoReport_v2\""));
	CHECK(strstr(rep.body,
		     "\"formats\":[\"text/xml\",\"application/json\"]"));
	CHECK(strstr(rep.body, "\"url\":\"/open311/v2/\""));
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "discovery.xml", NULL, NULL, t0(), &rep, &d));
	CHECK(strstr(rep.content_type, "text/xml") != NULL);
	CHECK(strncmp(rep.body, "<?xml version=\"1.0\" encoding=\"utf-8\"?>",
		      38) == 0);
	CHECK(strstr(rep.body, "<endpoints><endpoint><specification>"));
	CHECK(strstr(rep.body, "<format>text/xml</format>"));
	open311_reply_release(&rep);
	tnode_free(c);
}

static void
test_services(void)
{
	struct tnode *c = centre_new(0);
	struct open311_reply rep;
	struct diag d;
	CHECK_OK(call(c, "GET", "services.json", NULL, NULL, t0(), &rep, &d));
	CHECK_EQ_INT(rep.status, 200);
	CHECK(json_ok(rep.body));
	/* The 250 matters of the table, not its 153 components. */
	CHECK_EQ_INT(count(rep.body, "\"service_code\""), 250);
	CHECK(strstr(rep.body,
		     "{\"service_code\":\"06010\",\"service_name\":\"暴露垃圾\""));
	CHECK(strstr(rep.body, "\"metadata\":false,\"type\":\"realtime\""));
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "services.xml", NULL, NULL, t0(), &rep, &d));
	CHECK_EQ_INT(count(rep.body, "<service>"), 250);
	CHECK(strstr(rep.body, "<service><service_code>01001</service_code>"));
	CHECK(strstr(rep.body,
		     "<metadata>false</metadata><type>realtime</type>"));
	open311_reply_release(&rep);

	CHECK_OK(call(c, "GET", "services/06010.json", NULL, NULL, t0(), &rep,
		      &d));
	CHECK_EQ_INT(rep.status, 200);
	CHECK(strcmp(rep.body,
		     "{\"service_code\":\"06010\",\"attributes\":[]}\n") == 0);
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "services/06010.xml", NULL, NULL, t0(), &rep,
		      &d));
	CHECK(strstr(
		rep.body,
		"<service_definition><service_code>06010</service_code><attributes></attributes></service_definition>"));
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "services/99999.json", NULL, NULL, t0(), &rep,
		      &d));
	CHECK_EQ_INT(rep.status, 404);
	CHECK(strcmp(rep.body,
		     "[{\"code\":404,\"description\":\"no service '99999'\"}]\n") ==
	      0);
	open311_reply_release(&rep);
	tnode_free(c);
}

static void
test_post_creates_a_hotline_report(void)
{
	struct tnode *c = centre_new(ROLE_OPERATOR);
	struct case_state st;
	struct open311_reply rep;
	struct diag d;
	char id[18];
	CHECK_OK(
		call(c, "POST", "requests.xml", NULL,
		     "service_code=06010&" INSIDE
		     "&description=Rubbish+bags+%26+boxes"
		     "&address_string=Caoxi+Road+88&email=a%40example.org&first_name=Li"
		     "&media_url=https%3A%2F%2Fexample.org%2F1.jpg",
		     t0(), &rep, &d));
	CHECK_EQ_INT(rep.status, 200);
	CHECK(strstr(rep.body,
		     "<service_requests><request><service_request_id>"));
	CHECK(strstr(rep.body, "<account_id/></request></service_requests>"));
	const char *p = strstr(rep.body, "<service_request_id>");
	snprintf(id, sizeof(id), "%s", p + strlen("<service_request_id>"));
	open311_reply_release(&rep);

	CHECK_OK(tnode_state(c, id, &st));
	CHECK(strcmp(st.source, "hotline") == 0);
	CHECK(strcmp(st.grid, "310104007002001") == 0);
	CHECK(strcmp(st.where, "Caoxi Road 88") == 0);
	CHECK(strcmp(st.desc,
		     "Rubbish bags & boxes\nmedia_url: https://example.org/1.jpg") ==
	      0);
	CHECK(strcmp(st.reporter, "open311") == 0);
	CHECK_EQ_INT(st.status, CS_REPORTED);
	state_release(&st);
	/* A public report is checked on site before it is accepted. */
	CHECK_ERR(tnode_act(c, id, "accept", t0() + 60000, NULL, NULL),
		  ERR_STATE);
	CHECK_OK(tnode_act(c, id, "check", t0() + 60000, NULL, "found", "yes",
			   NULL));
	CHECK_OK(tnode_act(c, id, "accept", t0() + 120000, NULL, NULL));

	/* Without a description the service's name is the text; without
	 * an address, the position and its cell. */
	CHECK_OK(post(c, "service_code=06010&" INSIDE, t0(), id));
	CHECK_OK(tnode_state(c, id, &st));
	CHECK(strcmp(st.desc, "暴露垃圾") == 0);
	CHECK(strstr(st.where, "31.170, 121.409") != NULL);
	CHECK(strstr(st.where, "310104007002001") != NULL);
	state_release(&st);
	/* Degrees with more decimals than the event keeps. */
	CHECK_OK(post(c,
		      "service_code=06010&lat=31.170000123&long=121.409000987",
		      t0(), id));
	CHECK_OK(tnode_state(c, id, &st));
	CHECK_EQ_INT(st.lat_e6, 31170000);
	CHECK_EQ_INT(st.lon_e6, 121409000);
	state_release(&st);
	tnode_free(c);
}

static void
test_post_needs_an_intake_key_that_may_report(void)
{
	struct tnode *c = centre_new(0);
	struct open311_reply rep;
	struct diag d;
	const char *form = "service_code=06010&" INSIDE;
	CHECK_ERR(call(c, "POST", "requests.json", NULL, form, t0(), &rep, &d),
		  ERR_NOTFOUND);
	CHECK_EQ_INT(rep.status, 403);
	CHECK(strcmp(rep.body,
		     "[{\"code\":403,\"description\":\"this node takes no service requests: it has no intake key\"}]\n") ==
	      0);
	CHECK(strstr(d.text, "gridcase keygen") != NULL);
	CHECK(strstr(d.text, "operator") != NULL);
	open311_reply_release(&rep);
	tnode_free(c);

	/* A key the roster does not name. */
	c = centre_new(0);
	struct key *k = key_generate();
	char *path = xasprintf("%s/%s", c->dir, OPEN311_INTAKE_KEY_FILE);
	CHECK_OK(key_save(k, path, &d));
	key_free(k);
	CHECK_ERR(call(c, "POST", "requests.json", NULL, form, t0(), &rep, &d),
		  ERR_DENIED);
	CHECK_EQ_INT(rep.status, 403);
	CHECK(strstr(d.text, "not in this node's roster") != NULL);
	open311_reply_release(&rep);
	free(path);
	tnode_free(c);

	/* A key file others may read is no key. */
	c = centre_new(ROLE_OPERATOR);
	path = xasprintf("%s/%s", c->dir, OPEN311_INTAKE_KEY_FILE);
	CHECK(chmod(path, 0644) == 0);
	CHECK_ERR(call(c, "POST", "requests.json", NULL, form, t0(), &rep, &d),
		  ERR_PERM);
	CHECK_EQ_INT(rep.status, 403);
	CHECK(strstr(d.text, "cannot load the intake key") != NULL);
	open311_reply_release(&rep);
	free(path);
	tnode_free(c);

	/* A member without a role that reports. */
	c = centre_new(ROLE_DISPOSAL);
	CHECK_ERR(call(c, "POST", "requests.json", NULL, form, t0(), &rep, &d),
		  ERR_DENIED);
	CHECK_EQ_INT(rep.status, 403);
	CHECK(strstr(rep.body, "its intake key may not report") != NULL);
	open311_reply_release(&rep);
	tnode_free(c);
}

/* One refused POST: its status and a word of its description. */
static int
refused(struct tnode *c, const char *ctype, const char *form, int status,
	const char *words)
{
	struct open311_request req;
	struct open311_reply rep;
	struct diag d;
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "requests.json";
	req.body = form;
	req.body_len = strlen(form);
	req.content_type = ctype;
	req.now_ms = t0();
	int rc = open311_handle(c->n, &req, &rep, &d);
	int ok = rc == 0 && rep.status == status &&
		 strncmp(rep.body, "[{\"code\":", 9) == 0 &&
		 strstr(rep.body, words) != NULL && json_ok(rep.body);
	if (!ok)
		harness_log("%s -> %d %s\n", form, rep.status, rep.body);
	open311_reply_release(&rep);
	return ok;
}

static void
test_post_errors(void)
{
	struct tnode *c = centre_new(ROLE_OPERATOR);
	const char *form = "application/x-www-form-urlencoded";
	CHECK(refused(c, form, INSIDE, 400, "service_code is required"));
	CHECK(refused(c, form, "service_code=99999&" INSIDE, 400,
		      "'99999' is not a service"));
	CHECK(refused(c, form, "service_code=06010", 400,
		      "lat and long are required"));
	CHECK(refused(c, form, "service_code=06010&address_string=Caoxi+Road",
		      400, "no address lookup"));
	CHECK(refused(c, form, "service_code=06010&lat=31.17", 400,
		      "lat and long together"));
	CHECK(refused(c, form, "service_code=06010&lat=north&long=121.4", 400,
		      "lat 'north'"));
	CHECK(refused(c, form, "service_code=06010&lat=31.1&long=181", 400,
		      "long '181'"));
	CHECK(refused(c, form, "service_code=06010&lat=30.0&long=120.0", 400,
		      "outside this district's grid"));
	CHECK(refused(c, form,
		      "service_code=06010&" INSIDE
		      "&media_url=file%3A%2F%2Fetc",
		      400, "http or https"));
	CHECK(refused(c, form, "service_code=06010&" INSIDE "&description=%ZZ",
		      400, "request body is not valid"));
	CHECK(refused(c, form,
		      "service_code=06010&" INSIDE "&description=a%00b", 400,
		      "request body is not valid"));
	CHECK(refused(c, form,
		      "service_code=06010&" INSIDE "&description=%FF%FE", 400,
		      "request body is not valid"));
	CHECK(refused(c, form,
		      "service_code=06010&" INSIDE "&jurisdiction_id=elsewhere",
		      404, "unknown jurisdiction_id"));
	CHECK(refused(c, "multipart/form-data; boundary=x",
		      "service_code=06010", 400,
		      "application/x-www-form-urlencoded"));
	char phone[300] = "service_code=06010&" INSIDE "&phone=";
	memset(phone + strlen(phone), '1', 201);
	CHECK(refused(c, form, phone, 400, "phone is longer than 200 bytes"));
	char *big = xmalloc(OPEN311_BODY_MAX + 2);
	memset(big, 'a', OPEN311_BODY_MAX + 1);
	big[OPEN311_BODY_MAX + 1] = '\0';
	CHECK(refused(c, form, big, 413, "larger than"));
	const char *pre = "service_code=06010&" INSIDE "&description=";
	memset(big, 'a', 5000);
	memcpy(big, pre, strlen(pre));
	big[5000] = '\0';
	CHECK(refused(c, form, big, 400, "too long"));
	free(big);
	tnode_free(c);
}

static void
test_api_keys(void)
{
	struct tnode *c = centre_new(ROLE_OPERATOR);
	const char *form = "application/x-www-form-urlencoded";
	char *path = xasprintf("%s/%s", c->dir, OPEN311_API_KEYS_FILE);
	char id[18];
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("# the city app\nk3y-of-the-city-app\n\nsecond-key\n", f);
	fclose(f);
	CHECK(refused(c, form, "service_code=06010&" INSIDE, 403,
		      "an api_key is required"));
	CHECK(refused(c, form, "service_code=06010&" INSIDE "&api_key=k3y", 403,
		      "invalid api_key"));
	CHECK(refused(c, form,
		      "service_code=06010&" INSIDE
		      "&api_key=k3y-of-the-city-appX",
		      403, "invalid api_key"));
	CHECK_OK(post(c,
		      "service_code=06010&" INSIDE
		      "&api_key=k3y-of-the-city-app",
		      t0(), id));
	CHECK_OK(post(c, "service_code=06010&" INSIDE "&api_key=second-key",
		      t0(), id));
	free(path);
	tnode_free(c);
}

static void
test_get_request_by_id(void)
{
	struct tnode *c = centre_new(ROLE_OPERATOR);
	struct open311_reply rep;
	struct diag d;
	char id[18], path[64];
	CHECK_OK(
		post(c,
		     "service_code=06010&" INSIDE
		     "&description=%3Cscript%3Ealert(1)%3C%2Fscript%3E+%22q%22+%27a%27+%26",
		     t0(), id));
	snprintf(path, sizeof(path), "requests/%s.json", id);
	CHECK_OK(call(c, "GET", path, NULL, NULL, t0() + 1000, &rep, &d));
	CHECK_EQ_INT(rep.status, 200);
	/* The fields of the specification's sample, in its order. */
	const char *fields[] = {
		"[{\"service_request_id\":\"",
		"\",\"status\":\"open\"",
		",\"status_notes\":",
		",\"service_name\":\"暴露垃圾\"",
		",\"service_code\":\"06010\"",
		",\"description\":",
		",\"agency_responsible\":\"office-07\"",
		",\"service_notice\":null",
		",\"requested_datetime\":\"2026-03-02T01:00:00Z\"",
		",\"updated_datetime\":\"2026-03-02T01:00:00Z\"",
		",\"expected_datetime\":null",
		",\"address\":",
		",\"address_id\":null",
		",\"zipcode\":null",
		",\"lat\":31.170000",
		",\"long\":121.409000",
		",\"media_url\":null}]"
	};
	const char *at = rep.body;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const char *p = strstr(at, fields[i]);
		if (!p)
			harness_log("missing %s in %s\n", fields[i], rep.body);
		CHECK(p != NULL);
		at = p;
	}
	CHECK(strstr(
		rep.body,
		"\"description\":\"<script>alert(1)</script> \\\"q\\\" 'a' &\""));
	open311_reply_release(&rep);
	snprintf(path, sizeof(path), "requests/%s.xml", id);
	CHECK_OK(call(c, "GET", path, NULL, NULL, t0() + 1000, &rep, &d));
	CHECK(strstr(
		rep.body,
		"<description>&lt;script&gt;alert(1)&lt;/script&gt; \"q\" 'a' &amp;</description>"));
	CHECK(strstr(rep.body,
		     "<lat>31.170000</lat><long>121.409000</long><media_url/>"));
	open311_reply_release(&rep);

	CHECK_OK(call(c, "GET", "requests/20260302-nosuchca.json", NULL, NULL,
		      t0(), &rep, &d));
	CHECK_EQ_INT(rep.status, 404);
	CHECK(strcmp(rep.body,
		     "[{\"code\":404,\"description\":\"no service request '20260302-nosuchca'\"}]\n") ==
	      0);
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "requests/roster.xml", NULL, NULL, t0(), &rep,
		      &d));
	CHECK_EQ_INT(rep.status, 404);
	CHECK(strstr(
		rep.body,
		"<errors><error><code>404</code><description>no service request 'roster'</description></error></errors>"));
	open311_reply_release(&rep);
	tnode_free(c);
}

/* Case text from a peer is whatever its author wrote in valid UTF-8:
 * control characters and the non-characters XML refuses are replaced,
 * so that both formats still parse. */
static void
test_unclean_text_is_replaced(void)
{
	struct tnode *c = centre_new(0);
	struct report_req r;
	struct open311_reply rep;
	struct diag d;
	char id[18], office[65], path[64];
	memset(&r, 0, sizeof(r));
	r.kind = "event";
	r.code = "06010";
	r.grid = "310104007001002";
	r.where = "lane\x01 5\xef\xbf\xbf";
	r.desc = "bell\x07 <&>";
	r.source = "supervisor";
	r.now_ms = t0();
	CHECK_OK(report_case(c->n, &r, id, office, &d));
	snprintf(path, sizeof(path), "requests/%s.json", id);
	CHECK_OK(call(c, "GET", path, NULL, NULL, t0(), &rep, &d));
	CHECK(json_ok(rep.body));
	CHECK(strstr(rep.body,
		     "\"address\":\"lane\xef\xbf\xbd 5\xef\xbf\xbd\""));
	CHECK(strstr(rep.body, "\"description\":\"bell\xef\xbf\xbd <&>\""));
	open311_reply_release(&rep);
	snprintf(path, sizeof(path), "requests/%s.xml", id);
	CHECK_OK(call(c, "GET", path, NULL, NULL, t0(), &rep, &d));
	CHECK(strstr(rep.body,
		     "<description>bell\xef\xbf\xbd &lt;&amp;&gt;</description>"));
	CHECK(strchr(rep.body, '\x07') == NULL);
	open311_reply_release(&rep);
	tnode_free(c);
}

static void
test_get_requests_filters(void)
{
	struct tnode *c = centre_new(ROLE_OPERATOR);
	struct open311_reply rep;
	struct diag d;
	char old[18], a[18], b[18], m[18];
	uint64_t now = t0() + 100 * DAY;
	CHECK_OK(post(c, "service_code=06010&" INSIDE, t0(), old));
	CHECK_OK(post(c, "service_code=06010&" INSIDE, now - 2 * DAY, a));
	CHECK_OK(post(c, "service_code=01001&" INSIDE, now - DAY, b));
	CHECK_OK(post(c, "service_code=06010&" INSIDE, now - DAY + 1, m));
	/* b is cancelled and m merged into a: both closed. */
	CHECK_OK(tnode_act(c, b, "cancel", now - DAY + 10, NULL, "reason",
			   "a test", NULL));
	CHECK_OK(tnode_act(c, m, "merge", now - DAY + 20, NULL, "into", a,
			   NULL));

	/* The default: the last 90 days, newest first; the old one is out. */
	CHECK_OK(call(c, "GET", "requests.json", NULL, NULL, now, &rep, &d));
	CHECK_EQ_INT(rep.status, 200);
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 3);
	CHECK(strstr(rep.body, old) == NULL);
	char im[48], ib[48], ia[48];
	snprintf(im, sizeof(im), "\"service_request_id\":\"%s\"", m);
	snprintf(ib, sizeof(ib), "\"service_request_id\":\"%s\"", b);
	snprintf(ia, sizeof(ia), "\"service_request_id\":\"%s\"", a);
	CHECK(strstr(rep.body, im) && strstr(rep.body, ib) &&
	      strstr(rep.body, ia));
	CHECK(strstr(rep.body, im) < strstr(rep.body, ib));
	CHECK(strstr(rep.body, ib) < strstr(rep.body, ia));
	CHECK(strstr(
		rep.body,
		"\"status\":\"closed\",\"status_notes\":\"cancelled (作废)\""));
	char note[96];
	snprintf(note, sizeof(note), "a duplicate (并案) of service request %s",
		 a);
	CHECK(strstr(rep.body, note));
	open311_reply_release(&rep);

	CHECK_OK(call(c, "GET", "requests.json", "status=open", NULL, now, &rep,
		      &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 1);
	CHECK(strstr(rep.body, a));
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "requests.json", "status=closed", NULL, now,
		      &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 2);
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "requests.json", "status=open,closed", NULL,
		      now, &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 3);
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "requests.xml", "service_code=01001", NULL, now,
		      &rep, &d));
	CHECK_EQ_INT(count(rep.body, "<request>"), 1);
	CHECK(strstr(rep.body, b));
	open311_reply_release(&rep);
	CHECK_OK(call(c, "GET", "requests.json",
		      "service_code=01001,06010&status=closed", NULL, now, &rep,
		      &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 2);
	open311_reply_release(&rep);

	/* Dates: a span picks its cases; W3C forms with offsets. */
	CHECK_OK(
		call(c, "GET", "requests.json",
		     "start_date=2026-03-01T00:00:00Z&end_date=2026-03-03T00:00:00%2B08:00",
		     NULL, now, &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 1);
	CHECK(strstr(rep.body, old));
	open311_reply_release(&rep);
	/* An unencoded '+' arrives as a space, and is taken for it. */
	CHECK_OK(
		call(c, "GET", "requests.json",
		     "start_date=2026-03-02T08:59:00+08:00&end_date=2026-03-02T09:01:00.5+08:00",
		     NULL, now, &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 1);
	open311_reply_release(&rep);
	/* start_date alone: 90 days from it. */
	CHECK_OK(call(c, "GET", "requests.json", "start_date=2026-03-01", NULL,
		      now, &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 1);
	open311_reply_release(&rep);

	/* service_request_id overrides the rest; unknown ids are left out. */
	char q[128];
	snprintf(q, sizeof(q),
		 "service_request_id=%s,%s,20260101-nosuchca&status=closed",
		 old, a);
	CHECK_OK(call(c, "GET", "requests.json", q, NULL, now, &rep, &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""), 2);
	CHECK(strstr(rep.body, old) && strstr(rep.body, a));
	open311_reply_release(&rep);
	tnode_free(c);
}

/* One refused GET: its status and a word of its description. */
static int
refused_get(struct tnode *c, const char *method, const char *path,
	    const char *query, int status, const char *words)
{
	struct open311_reply rep;
	struct diag d;
	int rc = call(c, method, path, query, NULL, t0(), &rep, &d);
	int ok = rc == 0 && rep.status == status && strstr(rep.body, words);
	if (!ok)
		harness_log("%s %s?%s -> %d %s\n", method, path,
			    query ? query : "", rep.status, rep.body);
	open311_reply_release(&rep);
	return ok;
}

static void
test_get_errors(void)
{
	struct tnode *c = centre_new(0);
	CHECK(refused_get(
		c, "GET", "requests.json", "start_date=yesterday", 400,
		"[{\"code\":400,\"description\":\"start_date 'yesterday' must be a W3C date-time"));
	CHECK(refused_get(c, "GET", "requests.json", "end_date=2026-13-01", 400,
			  "end_date '2026-13-01'"));
	CHECK(refused_get(
		c, "GET", "requests.json",
		"start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
		400, "may not span more than 90 days"));
	CHECK(refused_get(c, "GET", "requests.json",
			  "start_date=2026-02-01&end_date=2026-01-01", 400,
			  "start_date is after end_date"));
	CHECK(refused_get(
		c, "GET", "requests.xml", "status=pending", 400,
		"<errors><error><code>400</code><description>status 'pending' must be open, closed"));
	CHECK(refused_get(c, "GET", "requests.json", "status=%G0", 400,
			  "query string is not valid"));
	CHECK(refused_get(c, "GET", "requests.json",
			  "jurisdiction_id=elsewhere", 404,
			  "this endpoint serves 'testnet'"));
	CHECK(refused_get(
		c, "GET", "requests", NULL, 404,
		"<errors><error><code>404</code><description>'requests' names no format"));
	CHECK(refused_get(
		c, "GET", "services.csv", NULL, 404,
		"<errors><error><code>404</code><description>format 'csv' is not served"));
	CHECK(refused_get(c, "GET", "tokens/123.json", NULL, 404,
			  "no resource 'tokens/123'"));
	CHECK(refused_get(c, "DELETE", "requests.json", NULL, 405,
			  "method DELETE is not served"));
	CHECK(refused_get(c, "POST", "services.json", NULL, 405,
			  "only requests takes POST"));
	/* jurisdiction_id naming this node's district is fine. */
	CHECK(refused_get(c, "GET", "services.json", "jurisdiction_id=testnet",
			  200, "\"service_code\""));
	tnode_free(c);
}

static void
test_requests_are_capped(void)
{
	struct tnode *c = centre_new(0);
	struct open311_reply rep;
	struct diag d;
	struct report_req r;
	char id[18], first[18] = "", office[65];
	memset(&r, 0, sizeof(r));
	r.kind = "event";
	r.code = "06010";
	r.grid = "310104007001002";
	r.where = "w";
	r.desc = "d";
	r.source = "supervisor";
	for (int i = 0; i <= OPEN311_MAX_REQUESTS; i++) {
		r.now_ms = t0() + (uint64_t)i * 1000;
		CHECK_OK(report_case(c->n, &r, id, office, &d));
		if (i == 0)
			snprintf(first, sizeof(first), "%s", id);
	}
	CHECK_OK(call(c, "GET", "requests.json", NULL, NULL, t0() + DAY, &rep,
		      &d));
	CHECK_EQ_INT(count(rep.body, "\"service_request_id\""),
		     OPEN311_MAX_REQUESTS);
	/* The newest thousand: the first report is the one left out. */
	CHECK(strstr(rep.body, first) == NULL);
	CHECK(strstr(rep.body, id) != NULL);
	open311_reply_release(&rep);
	tnode_free(c);
}

static const struct test tests[] = {
	{ "discovery names the specification and both formats",
	  test_discovery },
	{ "services are the matters of the classification table",
	  test_services },
	{ "a POST makes a hotline report signed by the intake key",
	  test_post_creates_a_hotline_report },
	{ "a POST needs an intake key that may report",
	  test_post_needs_an_intake_key_that_may_report },
	{ "each wrong POST is refused in the error format", test_post_errors },
	{ "api keys, when listed, are required", test_api_keys },
	{ "a request by id has the specification's fields, escaped",
	  test_get_request_by_id },
	{ "text that is not clean UTF-8 is replaced",
	  test_unclean_text_is_replaced },
	{ "requests are filtered by date, status, service and id",
	  test_get_requests_filters },
	{ "each wrong GET is refused in the error format", test_get_errors },
	{ "at most a thousand requests, the newest", test_requests_are_capped },
};

TEST_MAIN(tests)

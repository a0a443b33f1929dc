/* report.c - validating a report and appending it as a new case. */
#include "node/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/mp.h"
#include "crypto/rand.h"
#include "node/classes.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

static const char *const sources[] = { "hotline", "media", "referral",
				       "supervisor", "video" };

int
report_source_is_valid(const char *s)
{
	for (size_t i = 0; i < sizeof(sources) / sizeof(sources[0]); i++)
		if (strcmp(s, sources[i]) == 0)
			return 1;
	return 0;
}

int
report_parse_degrees(const char *s, int limit, int64_t *e6)
{
	int neg = 0;
	int64_t whole = 0, frac = 0;
	int digits = 0, fdigits = 0;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		whole = whole * 10 + (*s - '0');
		if (whole > limit)
			return ERR_INVAL;
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, fdigits++) {
			if (fdigits == 6)
				return ERR_INVAL;
			frac = frac * 10 + (*s - '0');
		}
		if (fdigits == 0)
			return ERR_INVAL;
	}
	if (*s || digits == 0)
		return ERR_INVAL;
	for (int i = fdigits; i < 6; i++)
		frac *= 10;
	int64_t v = whole * 1000000 + frac;
	if (v > (int64_t)limit * 1000000)
		return ERR_INVAL;
	*e6 = neg ? -v : v;
	return 0;
}

/* "YYYYMMDD-" and 8 characters of an unambiguous base-32 alphabet. */
static void
new_case_id(uint64_t now_ms, char out[REPORT_CASE_ID_BYTES])
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	uint8_t r[8];
	int y, m, d;
	clock_civil_from_days((int64_t)(now_ms / 86400000), &y, &m, &d);
	rand_bytes(r, sizeof(r));
	snprintf(out, REPORT_CASE_ID_BYTES, "%04d%02d%02d-", y, m, d);
	for (int i = 0; i < 8; i++)
		out[9 + i] = alphabet[r[i] & 31];
	out[17] = '\0';
}

static int
all_digits(const char *s, size_t n)
{
	return strlen(s) == n && strspn(s, "0123456789") == n;
}

int
report_case(struct node *n, const struct report_req *r,
	    char case_id[REPORT_CASE_ID_BYTES], struct diag *d)
{
	struct classes *cls = NULL;
	enum class_kind kind;
	struct buf body = BUF_INIT, county = BUF_INIT;
	int rc;

	if (class_kind_parse(r->kind, &kind))
		return diag_set(d, ERR_INVAL,
				"class kind '%s' must be 'component' or 'event'",
				r->kind);
	if (!all_digits(r->code, 5))
		return diag_set(d, ERR_INVAL,
				"class code '%s' must be 5 digits (2-digit major, 3-digit minor)",
				r->code);
	if (!all_digits(r->grid, 15))
		return diag_set(d, ERR_INVAL,
				"grid id '%s' must be 15 digits (county 6, street 3, community 3, cell 3)",
				r->grid);
	if (store_meta_get(node_store(n), "county", &county) == 0 &&
	    strncmp(r->grid, buf_cstr(&county), 6) != 0) {
		rc = diag_set(d, ERR_INVAL,
			      "grid id '%s' is not in county %s (its first 6 digits)",
			      r->grid, buf_cstr(&county));
		goto out;
	}
	if (!*r->where || !*r->desc) {
		rc = diag_set(d, ERR_INVAL, "--where and --desc must not be empty");
		goto out;
	}
	if (!report_source_is_valid(r->source)) {
		rc = diag_set(d, ERR_INVAL,
			      "source '%s' must be one of hotline, media, referral, supervisor, video",
			      r->source);
		goto out;
	}
	if ((rc = classes_load(&cls, d)))
		goto out;
	if (!classes_name(cls, kind, r->code)) {
		rc = diag_set(d, ERR_INVAL,
			      "%s:%s is not a class of %s (see data/%s)",
			      r->kind, r->code, CLASSES_STANDARD, CLASSES_FILE);
		goto out;
	}

	/* Keys in ascending byte order: the body is canonical msgpack. */
	mp_put_map(&body, r->has_position ? 9 : 7);
	mp_put_cstr(&body, "class");
	mp_put_cstr(&body, r->code);
	mp_put_cstr(&body, "desc");
	mp_put_cstr(&body, r->desc);
	mp_put_cstr(&body, "grid");
	mp_put_cstr(&body, r->grid);
	mp_put_cstr(&body, "kind");
	mp_put_cstr(&body, r->kind);
	if (r->has_position) {
		mp_put_cstr(&body, "lat_e6");
		mp_put_int(&body, r->lat_e6);
		mp_put_cstr(&body, "lon_e6");
		mp_put_int(&body, r->lon_e6);
	}
	mp_put_cstr(&body, "source");
	mp_put_cstr(&body, r->source);
	mp_put_cstr(&body, "standard");
	mp_put_cstr(&body, CLASSES_STANDARD);
	mp_put_cstr(&body, "where");
	mp_put_cstr(&body, r->where);

	new_case_id(r->now_ms, case_id);
	struct append_req req = { case_id, "report", body.data, body.len,
				  0, NULL, r->now_ms };
	rc = store_append(node_store(n), node_key(n), &req, NULL, d);
out:
	classes_free(cls);
	buf_release(&body);
	buf_release(&county);
	return rc;
}

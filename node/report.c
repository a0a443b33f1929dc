/* report.c - validating a report and appending it as a new case. */
#include "node/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/mp.h"
#include "crypto/rand.h"
#include "node/actions.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "node/case/grid.h"
#include "node/files.h"
#include "node/grid_store.h"
#include "node/node.h"
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

static int
hash_cmp(const void *a, const void *b)
{
	return memcmp(a, b, HASH_BYTES);
}

/* The class's standard, or an error naming why the code is refused. */
static int
check_class(struct node *n, const struct report_req *r, const char **standard,
	    struct diag *d)
{
	struct classes *cls = NULL;
	enum class_kind kind;
	int rc;

	if (class_kind_parse(r->kind, &kind))
		return diag_set(d, ERR_INVAL,
				"class kind '%s' must be 'component' or 'event'",
				r->kind);
	if (all_digits(r->code, 4)) {
		if (!node_config(n)->legacy_codes)
			return diag_set(d, ERR_INVAL,
					"class code '%s' has a 2-digit minor (%s); this node takes legacy codes only with \"legacy_codes\": true in config.json",
					r->code, LEGACY_STANDARD);
		*standard = LEGACY_STANDARD;
		return 0;
	}
	if (!all_digits(r->code, 5))
		return diag_set(d, ERR_INVAL,
				"class code '%s' must be 5 digits (2-digit major, 3-digit minor)",
				r->code);
	if ((rc = classes_load(&cls, d)))
		return rc;
	if (!classes_name(cls, kind, r->code))
		rc = diag_set(d, ERR_INVAL,
			      "%s:%s is not a class of %s (see data/%s)",
			      r->kind, r->code, CLASSES_STANDARD, CLASSES_FILE);
	classes_free(cls);
	*standard = CLASSES_STANDARD;
	return rc;
}

int
report_case(struct node *n, const struct report_req *r,
	    char case_id[REPORT_CASE_ID_BYTES], char office[65],
	    struct diag *d)
{
	struct grid_cell cell;
	const char *standard;
	const char *grid = r->grid;
	uint8_t blobs[REPORT_MAX_PHOTOS + 1][HASH_BYTES];
	size_t nblobs = 0;
	int rc;

	if (office)
		office[0] = '\0';
	if ((rc = check_class(n, r, &standard, d)))
		return rc;
	if (!grid) {
		if (!r->has_position)
			return diag_set(d, ERR_INVAL,
					"give --grid, or --lat and --lon inside an imported grid cell");
		if (grid_locate(n, r->lat_e6, r->lon_e6, &cell))
			return diag_set(d, ERR_INVAL,
					"the position %.6f, %.6f is in no imported grid cell (see 'gridcase grid import')",
					(double)r->lat_e6 / 1e6,
					(double)r->lon_e6 / 1e6);
		grid = cell.grid;
		if (office)
			snprintf(office, 65, "%s", cell.office);
	} else if (office && grid_get(n, grid, &cell) == 0) {
		snprintf(office, 65, "%s", cell.office);
	}
	if ((rc = grid_id_check(n, grid, d)))
		return rc;
	if (!*r->where || !*r->desc)
		return diag_set(d, ERR_INVAL, "--where and --desc must not be empty");
	if (!report_source_is_valid(r->source))
		return diag_set(d, ERR_INVAL,
				"source '%s' must be one of hotline, media, referral, supervisor, video",
				r->source);
	if (r->component) {
		size_t want = strcmp(standard, LEGACY_STANDARD) == 0 ? 16 : 17;
		if (!all_digits(r->component, want))
			return diag_set(d, ERR_INVAL,
					"component id '%s' must be %zu digits (admin 6, class, serial 6)",
					r->component, want);
	}

	struct action_req req;
	memset(&req, 0, sizeof(req));
	req.a = workflow_action_at(ACT_REPORT);
	mp_map_init(&req.body);
	mp_put_cstr(mp_map_add(&req.body, "class"), r->code);
	mp_put_cstr(mp_map_add(&req.body, "kind"), r->kind);
	mp_put_cstr(mp_map_add(&req.body, "standard"), standard);
	mp_put_cstr(mp_map_add(&req.body, "grid"), grid);
	mp_put_cstr(mp_map_add(&req.body, "where"), r->where);
	mp_put_cstr(mp_map_add(&req.body, "desc"), r->desc);
	mp_put_cstr(mp_map_add(&req.body, "source"), r->source);
	if (r->by)
		mp_put_cstr(mp_map_add(&req.body, "by"), r->by);
	if (r->component)
		mp_put_cstr(mp_map_add(&req.body, "component"), r->component);
	if (r->has_position) {
		struct buf *b = mp_map_add(&req.body, "position");
		mp_put_array(b, 2);
		mp_put_int(b, r->lat_e6);
		mp_put_int(b, r->lon_e6);
	}
	/* Photos and the caller's data are named in the body by role and
	 * in the event's blob list, which is what replication follows. */
	if (r->nphotos) {
		struct buf *b = mp_map_add(&req.body, "photos");
		mp_put_array(b, (uint32_t)r->nphotos);
		for (size_t i = 0; i < r->nphotos; i++) {
			mp_put_bin(b, r->photos[i], HASH_BYTES);
			memcpy(blobs[nblobs++], r->photos[i], HASH_BYTES);
		}
	}
	if (r->has_caller) {
		mp_put_bin(mp_map_add(&req.body, "caller"), r->caller,
			   HASH_BYTES);
		memcpy(blobs[nblobs++], r->caller, HASH_BYTES);
	}
	qsort(blobs, nblobs, HASH_BYTES, hash_cmp);
	for (size_t i = 1; i < nblobs; i++)
		if (memcmp(blobs[i - 1], blobs[i], HASH_BYTES) == 0) {
			mp_map_release(&req.body);
			return diag_set(d, ERR_INVAL, "the same blob is attached twice");
		}
	new_case_id(r->now_ms, case_id);
	req.case_id = case_id;
	req.blobs = blobs;
	req.nblobs = nblobs;
	req.now_ms = r->now_ms;
	req.key = r->key;
	return case_act(n, &req, NULL, d);
}

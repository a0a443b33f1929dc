/*
 * make_audit_vectors.c - writes docs/vectors/audit.json: RFC 9162 trees
 * over fixed 32-byte leaves (leaf i = BLAKE2b-256 of "gridcase/audit-
 * vector/" and i as one byte), their tree heads and the inclusion proof of
 * every leaf (docs/audit.md §2), each checked by gridcase's own
 * merkle_path_verify() before it is written; the working-time sums of a
 * calendar (docs/evaluation.md §3.9: limit passed, working time between)
 * as node/case/calendar.c computes them; and one indicator table in the
 * encoding a frozen report holds (docs/audit.md §3) beside what it says.
 *
 *   make_audit_vectors > docs/vectors/audit.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/eval_codec.h"
#include "node/case/indicators.h"
#include "common/banned.h"

static const size_t sizes[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 16, 17, 20 };

static void
put_hex(const uint8_t *p, size_t n)
{
	char hex[2 * MERKLE_HASH_BYTES + 1];
	hex_encode(p, n, hex);
	printf("\"%s\"", hex);
}

/* A calendar with a holiday (Monday 6 April) and a working Saturday. */
static const char calendar_json[] =
	"{\"calendar\": {\"utc_offset\": \"+08:00\", "
	"\"work_hours\": [\"08:30-12:00\", \"13:30-17:30\"], "
	"\"weekend\": [\"sat\", \"sun\"], \"holidays\": [\"2026-04-06\"], "
	"\"workdays\": [\"2026-04-11\"]}}";

static int
put_calendar(void)
{
	/* Local times (UTC+8) as UTC ms: 2026-04-03 (Friday) 00:00 local. */
	const uint64_t fri = 1775145600000ULL;
	const uint64_t h = 3600000, m = 60000;
	static const struct {
		uint64_t from_min; /* minutes after Friday 3 April 00:00 local */
		uint64_t work_min;
	} add[] = {
		{ 0, 60 },            /* before work: from 08:30 */
		{ 9 * 60, 60 },       /* in the morning period */
		{ 11 * 60 + 30, 60 }, /* across lunch */
		{ 12 * 60 + 15, 30 }, /* at lunch */
		{ 17 * 60, 30 },      /* exactly to the period's end */
		{ 17 * 60, 240 },     /* over the weekend and the holiday */
		{ 9 * 60, 900 },      /* 2 days of 7.5 h */
		{ 16 * 60, 0 },       /* nothing: the instant itself */
		{ 5 * 1440 + 9 * 60,
		  7 * 450 }, /* through the working Saturday */
	};
	struct config *cfg;
	struct diag d;
	if (config_parse(calendar_json, "the vectors' calendar", &cfg, &d)) {
		fprintf(stderr, "make_audit_vectors: %s\n", d.text);
		return 1;
	}
	printf("  \"calendar\": {\n");
	printf("    \"calendar\": {\"utc_offset\": \"+08:00\", \"work_hours\": [\"08:30-12:00\", \"13:30-17:30\"], "
	       "\"weekend\": [\"sat\", \"sun\"], \"holidays\": [\"2026-04-06\"], \"workdays\": [\"2026-04-11\"]},\n");
	printf("    \"sums\": [");
	for (size_t i = 0; i < sizeof(add) / sizeof(add[0]); i++) {
		uint64_t from = fri + add[i].from_min * m;
		uint64_t due =
			cal_add_work(&cfg->cal, from, add[i].work_min * m);
		uint64_t back = cal_work_ms(&cfg->cal, from, due);
		if (back != add[i].work_min * m) {
			fprintf(stderr,
				"make_audit_vectors: sum %zu does not come back\n",
				i);
			config_free(cfg);
			return 1;
		}
		printf("%s\n      { \"from\": %llu, \"work_ms\": %llu, \"passed\": %llu }",
		       i ? "," : "", (unsigned long long)from,
		       (unsigned long long)(add[i].work_min * m),
		       (unsigned long long)due);
	}
	printf("\n    ],\n    \"between\": [");
	for (size_t i = 0; i < 6; i++) {
		uint64_t from = fri + i * 19 * h + i * 7 * m;
		uint64_t to = from + (i + 1) * 23 * h;
		printf("%s\n      { \"from\": %llu, \"to\": %llu, \"work_ms\": %llu }",
		       i ? "," : "", (unsigned long long)from,
		       (unsigned long long)to,
		       (unsigned long long)cal_work_ms(&cfg->cal, from, to));
	}
	printf("\n    ]\n  },\n");
	config_free(cfg);
	return 0;
}

/* Two rows of the unit set, one with figures of no value. */
static int
put_table(void)
{
	struct ind_table t;
	struct buf b = BUF_INIT;
	struct ind_row rows[2];
	memset(&t, 0, sizeof(t));
	memset(rows, 0, sizeof(rows));
	t.set = IND_UNIT;
	t.defs = ind_set_defs(IND_UNIT, &t.nfig);
	t.rows = rows;
	t.n = 2;
	snprintf(rows[0].key, sizeof(rows[0].key), "office-01");
	snprintf(rows[1].key, sizeof(rows[1].key), "园林绿化局");
	for (size_t f = 0; f < t.nfig; f++) {
		rows[0].v[f] = (int64_t)(f * 37 % 11) * (f % 3 ? 1 : 1000);
		rows[1].v[f] = f % 4 ? (int64_t)f : IND_NO_VALUE;
	}
	rows[0].grade = 'B';
	rows[1].grade = '-';
	ind_table_encode(&t, &b);
	char *hex = malloc(2 * b.len + 1);
	if (!hex)
		return 1;
	hex_encode(b.data, b.len, hex);
	printf("  \"table\": {\n    \"set\": \"unit\",\n    \"msgpack\": \"%s\",\n",
	       hex);
	printf("    \"rows\": [");
	for (size_t i = 0; i < 2; i++) {
		printf("%s\n      [\"%s\", \"\"", i ? "," : "", rows[i].key);
		for (size_t f = 0; f < t.nfig; f++)
			if (rows[i].v[f] == IND_NO_VALUE)
				printf(", null");
			else
				printf(", %lld", (long long)rows[i].v[f]);
		printf(", \"%c\"]", rows[i].grade);
	}
	printf("\n    ]\n  }\n");
	free(hex);
	buf_release(&b);
	return 0;
}

int
main(void)
{
	static const char tag[] = "gridcase/audit-vector/";
	uint8_t leaves[20][MERKLE_LEAF_BYTES];
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES];
	size_t len;
	for (int i = 0; i < 20; i++) {
		uint8_t in[sizeof(tag)];
		memcpy(in, tag, sizeof(tag) - 1);
		in[sizeof(tag) - 1] = (uint8_t)i;
		hash_bytes(in, sizeof(in), leaves[i]);
	}
	printf("{\n  \"about\": \"RFC 9162 Merkle tree heads (SHA-256) over 32-byte leaves, "
	       "and the inclusion proof of every leaf: docs/audit.md section 2; "
	       "working-time sums of a calendar: docs/evaluation.md section 3.9; "
	       "an indicator table as a frozen report encodes it: docs/audit.md section 3\",\n");
	printf("  \"trees\": [\n");
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		size_t n = sizes[t];
		uint8_t root[MERKLE_HASH_BYTES];
		const uint8_t(*l)[MERKLE_LEAF_BYTES] =
			(const uint8_t(*)[MERKLE_LEAF_BYTES])leaves;
		merkle_root(l, n, root);
		printf("    {\n      \"leaves\": [");
		for (size_t i = 0; i < n; i++) {
			printf(i ? ", " : "");
			put_hex(leaves[i], MERKLE_LEAF_BYTES);
		}
		printf("],\n      \"root\": ");
		put_hex(root, MERKLE_HASH_BYTES);
		printf(",\n      \"paths\": [");
		for (size_t m = 0; m < n; m++) {
			if (merkle_path(l, n, m, path, &len) ||
			    merkle_path_verify(leaves[m], m, n,
					       (const uint8_t(*)
							[MERKLE_HASH_BYTES])path,
					       len, root)) {
				fprintf(stderr,
					"make_audit_vectors: the path of %zu in %zu does not hold\n",
					m, n);
				return 1;
			}
			printf("%s\n        { \"index\": %zu, \"path\": [",
			       m ? "," : "", m);
			for (size_t k = 0; k < len; k++) {
				printf(k ? ", " : "");
				put_hex(path[k], MERKLE_HASH_BYTES);
			}
			printf("] }");
		}
		printf("%s]\n    }%s\n", n ? "\n      " : "",
		       t + 1 < sizeof(sizes) / sizeof(sizes[0]) ? "," : "");
	}
	printf("  ],\n");
	if (put_calendar() || put_table())
		return 1;
	printf("}\n");
	return fflush(stdout) != 0;
}

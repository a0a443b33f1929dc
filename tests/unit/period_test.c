/*
 * period_test.c - RFC 9162 tree heads and inclusion proofs, the named
 * figures of a report and its indicator tables, and frozen monthly
 * reports on real nodes (every set frozen): closed
 * once, after the month, by a shift lead, and reproduced byte for byte,
 * with the first difference named when something was changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hex.h"
#include "common/mp.h"
#include "crypto/merkle.h"
#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/eval_codec.h"
#include "node/case/grid.h"
#include "node/node.h"
#include "node/period.h"
#include "store/store.h"
#include "tests/harness.h"
#include "tests/testnode.h"
#include "common/banned.h"

/* Leaf i is 32 bytes of the value i. */
static uint8_t (*leaves(size_t n))[MERKLE_LEAF_BYTES]
{
	uint8_t(*l)[MERKLE_LEAF_BYTES] = calloc(n ? n : 1, MERKLE_LEAF_BYTES);
	for (size_t i = 0; i < n; i++)
		memset(l[i], (int)i, MERKLE_LEAF_BYTES);
	return l;
}

/* Tree heads computed by Python's hashlib from RFC 9162 §2.1.1's words. */
static void
test_tree_heads_match_rfc_9162(void)
{
	static const struct {
		size_t n;
		const char *hex;
	} want[] = {
		{ 0,
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ 1,
		  "7f9c9e31ac8256ca2f258583df262dbc7d6f68f2a03043d5c99a4ae5a7396ce9" },
		{ 2,
		  "28fb81e496897e0ce886f08602392e9239b65c659041e5202163e58ad898f444" },
		{ 3,
		  "ba8d94b7fbcecae7b81c4c80574fe24734a6917bf9c1ecd66ff3e0c34ead4620" },
		{ 5,
		  "85e20cac1f02fda7bcdb2fc3f908568c57018c77815f1fa361acad13994f08bf" },
		{ 7,
		  "7318881c41fce3c1de3640df8e8c110c93f43f686b74204a9d1ad5b8c71c2047" },
		{ 8,
		  "f907f23f76aa01b755a614d31ef9832909f44638b4590073301e61e6d01f9a1d" },
		{ 13,
		  "cebcf8c0a77418c03d4694b0e14ccebed8416ff87d3ad4da873423948f8622fd" },
		{ 20,
		  "4618345cfecc003dab1b420fa8f0621f44e5e5c5699216441f6ec07dbf8ea810" },
	};
	uint8_t(*l)[MERKLE_LEAF_BYTES] = leaves(20);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint8_t root[MERKLE_HASH_BYTES];
		char hex[65];
		merkle_root((const uint8_t(*)[MERKLE_LEAF_BYTES])l, want[i].n,
			    root);
		hex_encode(root, sizeof(root), hex);
		CHECK_EQ_STR(hex, want[i].hex);
	}
	free(l);
}

static void
test_every_path_verifies_and_a_changed_one_does_not(void)
{
	uint8_t(*l)[MERKLE_LEAF_BYTES] = leaves(33);
	uint8_t path[MERKLE_MAX_PATH][MERKLE_HASH_BYTES];
	size_t len;
	for (size_t n = 1; n <= 33; n++) {
		uint8_t root[MERKLE_HASH_BYTES];
		const uint8_t(*cl)[MERKLE_LEAF_BYTES] =
			(const uint8_t(*)[MERKLE_LEAF_BYTES])l;
		merkle_root(cl, n, root);
		for (size_t m = 0; m < n; m++) {
			CHECK_OK(merkle_path(cl, n, m, path, &len));
			const uint8_t(*p)[MERKLE_HASH_BYTES] =
				(const uint8_t(*)[MERKLE_HASH_BYTES])path;
			CHECK_OK(merkle_path_verify(l[m], m, n, p, len, root));
			/* Another leaf or index, a size it cannot be, or a flipped bit
			 * (the size itself is bound by the signed checkpoint: RFC
			 * 9162's path for a leaf of a complete left subtree holds
			 * for more than one size). */
			CHECK_ERR(merkle_path_verify(l[(m + 1) % 33], m, n, p,
						     len, root),
				  ERR_CORRUPT);
			if (n > 1)
				CHECK_ERR(merkle_path_verify(l[m], (m + 1) % n,
							     n, p, len, root),
					  ERR_CORRUPT);
			CHECK_ERR(merkle_path_verify(l[m], m, m, p, len, root),
				  ERR_CORRUPT);
			if (len) {
				path[len - 1][7] ^= 1;
				CHECK_ERR(merkle_path_verify(l[m], m, n, p, len,
							     root),
					  ERR_CORRUPT);
				CHECK_ERR(merkle_path_verify(l[m], m, n, p,
							     len - 1, root),
					  ERR_CORRUPT);
			}
		}
	}
	CHECK_ERR(merkle_path((const uint8_t(*)[MERKLE_LEAF_BYTES])l, 5, 5,
			      path, &len),
		  ERR_INVAL);
	free(l);
}

static void
test_months_are_local(void)
{
	struct calendar cal;
	struct period p, prev;
	memset(&cal, 0, sizeof(cal));
	cal.utc_offset_min = 480;
	CHECK_OK(period_month_parse(&cal, "2026-03", &p));
	CHECK_EQ_STR(p.month, "2026-03");
	CHECK(p.from_ms == tnode_ms("2026-02-28T16:00:00Z"));
	CHECK(p.to_ms == tnode_ms("2026-03-31T16:00:00Z"));
	CHECK_OK(period_month_parse(&cal, "2026-12", &p));
	CHECK(p.to_ms == tnode_ms("2026-12-31T16:00:00Z"));
	CHECK_OK(period_month_parse(&cal, "2026-01", &p));
	period_month_prev(&cal, &p, &prev);
	CHECK_EQ_STR(prev.month, "2025-12");
	CHECK_ERR(period_month_parse(&cal, "2026-13", &p), ERR_INVAL);
	CHECK_ERR(period_month_parse(&cal, "2026-3", &p), ERR_INVAL);
	CHECK_ERR(period_month_parse(&cal, "2026-03x", &p), ERR_INVAL);
	CHECK_ERR(period_month_parse(&cal, "march", &p), ERR_INVAL);
}

static void
test_figures_round_trip_and_a_difference_is_named(void)
{
	struct eval_group g[2];
	struct eval_result r = { g, 2 }, back;
	struct buf a = BUF_INIT, b = BUF_INIT;
	char what[300];
	memset(g, 0, sizeof(g));
	snprintf(g[0].key, sizeof(g[0].key), "office-01");
	snprintf(g[1].key, sizeof(g[1].key), "office-03");
	g[0].n[FIG_DUE] = 4;
	g[0].n[FIG_ON_TIME] = 3;
	g[0].on_time_rate_e4 = 7500;
	g[0].closure_rate_e4 = g[0].rework_rate_e4 = g[0].valid_rate_e4 = -1;
	g[0].score_e1 = 750;
	g[0].grade = 'B';
	g[1].closure_rate_e4 = g[1].on_time_rate_e4 = g[1].rework_rate_e4 =
		g[1].valid_rate_e4 = g[1].score_e1 = -1;
	g[1].grade = '-';
	eval_result_encode(&r, &a);
	CHECK_OK(mp_check(a.data, a.len, NULL));
	CHECK_OK(eval_result_decode(a.data, a.len, &back, NULL));
	eval_result_encode(&back, &b);
	CHECK_EQ_INT(eval_result_diff(a.data, a.len, b.data, b.len, what,
				      sizeof(what)),
		     0);
	eval_release(&back);
	b.len = 0;
	g[1].n[FIG_ON_TIME] = 1;
	eval_result_encode(&r, &b);
	CHECK_EQ_INT(eval_result_diff(a.data, a.len, b.data, b.len, what,
				      sizeof(what)),
		     1);
	CHECK_EQ_STR(
		what,
		"group 'office-03' figure on_time: 0 in the first, 1 in the second");
	b.len = 0;
	r.n = 1;
	eval_result_encode(&r, &b);
	CHECK_EQ_INT(eval_result_diff(a.data, a.len, b.data, b.len, what,
				      sizeof(what)),
		     1);
	CHECK_EQ_STR(what, "2 groups in the first, 1 in the second");
	CHECK_ERR(eval_result_decode((const uint8_t *)"\x91\x01", 2, &back,
				     NULL),
		  ERR_FORMAT);
	buf_release(&a);
	buf_release(&b);
}

static void
test_an_indicator_table_round_trips_with_no_values_and_kinds(void)
{
	struct ind_table t, back;
	struct ind_row rows[2];
	struct buf a = BUF_INIT, b = BUF_INIT;
	char what[300];
	memset(&t, 0, sizeof(t));
	memset(rows, 0, sizeof(rows));
	t.set = IND_DISPATCHER;
	t.defs = ind_set_defs(IND_DISPATCHER, &t.nfig);
	t.rows = rows;
	t.n = 2;
	snprintf(rows[0].key, sizeof(rows[0].key), "(none)");
	snprintf(rows[0].name, sizeof(rows[0].name), "not dispatched");
	snprintf(rows[1].key, sizeof(rows[1].key), "ab12");
	for (size_t f = 0; f < t.nfig; f++) {
		rows[0].v[f] = f == 2 ? 3 : IND_NO_VALUE;
		rows[1].v[f] = (int64_t)f * 1000;
	}
	rows[0].grade = '-';
	rows[1].grade = 'C';
	ind_table_encode(&t, &a);
	CHECK_OK(mp_check(a.data, a.len, NULL));
	struct mp_reader m, v;
	const char *s;
	size_t n;
	uint32_t k;
	mp_reader_init(&m, a.data, a.len, NULL);
	CHECK_OK(mp_map_find(&m, "kinds", &v));
	CHECK_OK(mp_get_array(&v, &k));
	CHECK_EQ_INT((int)k, (int)t.nfig + 3);
	CHECK_OK(mp_get_str(&v, &s, &n));
	CHECK_OK(mp_get_str(&v, &s, &n));
	CHECK_OK(mp_get_str(&v, &s, &n)); /* dispatched */
	CHECK_EQ_INT((int)n, 5);
	CHECK(memcmp(s, "count", 5) == 0);
	CHECK_OK(ind_table_decode(a.data, a.len, IND_DISPATCHER, &back, NULL));
	CHECK_EQ_INT((int)back.n, 2);
	CHECK_EQ_STR(back.rows[0].name, "not dispatched");
	CHECK(back.rows[0].v[0] == IND_NO_VALUE);
	CHECK(back.rows[0].v[2] == 3);
	CHECK_EQ_INT(back.rows[1].grade, 'C');
	ind_table_encode(&back, &b);
	CHECK_EQ_INT(eval_result_diff(a.data, a.len, b.data, b.len, what,
				      sizeof(what)),
		     0);
	ind_table_release(&back);
	/* A changed value is named, a no value as none. */
	rows[0].v[2] = IND_NO_VALUE;
	b.len = 0;
	ind_table_encode(&t, &b);
	CHECK_EQ_INT(eval_result_diff(a.data, a.len, b.data, b.len, what,
				      sizeof(what)),
		     1);
	CHECK_EQ_STR(
		what,
		"group '(none)' figure due: 3 in the first, none in the second");
	/* Read as another set: the figures it shares by name, the others
	 * no value; not a table at all: ERR_FORMAT. */
	CHECK_OK(ind_table_decode(a.data, a.len, IND_UNIT, &back, NULL));
	CHECK(back.rows[0].v[1] == 3); /* the unit set's "due" */
	CHECK(back.rows[1].v[0] == IND_NO_VALUE);
	ind_table_release(&back);
	CHECK_ERR(ind_table_decode(b.data, 3, IND_UNIT, &back, NULL),
		  ERR_FORMAT);
	CHECK_ERR(ind_table_decode((const uint8_t *)"\x91\x01", 2, IND_UNIT,
				   &back, NULL),
		  ERR_FORMAT);
	buf_release(&a);
	buf_release(&b);
}

/* A centre that reported and accepted a case in March 2026 (0 if so). */
static int
march_centre(struct tnode **centre, struct tnode **sup)
{
	struct tnode *t[2];
	char case_id[18];
	t[0] = tnode_new("centre", "centre", 0);
	t[1] = tnode_new("sup", "supervision", ROLE_SUPERVISOR);
	*centre = t[0];
	*sup = t[1];
	int rc;
	if ((rc = tnode_introduce(t, 2)) ||
	    (rc = tnode_report(t[0], "supervisor",
			       tnode_ms("2026-03-02T01:00:00Z"), case_id)) ||
	    (rc = tnode_act(t[0], case_id, "accept",
			    tnode_ms("2026-03-02T02:00:00Z"), NULL, NULL)))
		return rc;
	return 0;
}

static void
test_a_month_closes_once_after_its_end_by_a_shift_lead(void)
{
	struct tnode *sup, *c;
	CHECK_OK(march_centre(&c, &sup));
	struct period p;
	struct period_report r, found;
	struct diag d;
	CHECK_OK(period_month_parse(&node_config(c->n)->cal, "2026-03", &p));
	CHECK_ERR(period_close(c->n, &p, NULL, p.to_ms - 1, NULL, &d),
		  ERR_INVAL);
	CHECK(strstr(d.text, "has not ended") != NULL);
	CHECK_ERR(period_close(sup->n, &p, NULL, p.to_ms, NULL, &d),
		  ERR_DENIED);
	CHECK_ERR(period_report_find(c->n, &p, &found, NULL), ERR_NOTFOUND);
	CHECK_ERR(period_close(c->n, &p, "why", p.to_ms, NULL, &d),
		  ERR_NOTFOUND);
	CHECK_OK(period_close(c->n, &p, NULL, p.to_ms, &r, &d));
	CHECK(r.cp.count >= 4);
	CHECK_ERR(period_close(c->n, &p, NULL, p.to_ms + 1000, NULL, &d),
		  ERR_EXISTS);
	CHECK_OK(period_report_find(c->n, &p, &found, NULL));
	CHECK_EQ_MEM(found.id, r.id, EVENT_ID_BYTES);
	CHECK_OK(period_check(c->n, &found, &d));
	period_report_release(&found);
	/* Superseded with a reason: the new one is in force. */
	struct period_report second;
	CHECK_OK(period_close(c->n, &p, "a late event", p.to_ms + 2000, &second,
			      &d));
	CHECK_OK(period_report_find(c->n, &p, &found, NULL));
	CHECK_EQ_MEM(found.id, second.id, EVENT_ID_BYTES);
	CHECK_EQ_MEM(found.supersedes, r.id, EVENT_ID_BYTES);
	CHECK_EQ_STR(found.reason, "a late event");
	CHECK_EQ_INT((int)found.cp.count, (int)r.cp.count + 1);
	period_report_release(&found);
	period_report_release(&second);
	period_report_release(&r);
	tnode_free(sup);
	tnode_free(c);
}

static void
test_a_changed_figure_or_a_missing_event_is_named(void)
{
	struct tnode *sup, *c;
	CHECK_OK(march_centre(&c, &sup));
	struct period p;
	struct period_report r;
	struct evset es;
	struct diag d;
	const char *net = store_network(node_store(c->n));
	const uint8_t *admin = node_roster(c->n)->admin;
	CHECK_OK(period_month_parse(&node_config(c->n)->cal, "2026-03", &p));
	CHECK_OK(period_close(c->n, &p, NULL, p.to_ms, &r, &d));
	CHECK_OK(evset_collect(node_store(c->n), &r.cp, &es, &d));
	CHECK_OK(period_recompute(net, admin, &es, &r, &d));

	/* A figure changed in the report: named by grouping, group, name. */
	struct period_report bad = r;
	struct buf fig = BUF_INIT;
	buf_add(&fig, r.figures.data, r.figures.len);
	/* figures.grid.rows[0] = [group, reported, ...]: 1 becomes 0 */
	struct mp_reader m, g, rows;
	uint32_t nrows, cells;
	const char *gs;
	size_t gn;
	mp_reader_init(&m, fig.data, fig.len, NULL);
	CHECK_OK(mp_map_find(&m, "grid", &g));
	CHECK_OK(mp_map_find(&g, "rows", &rows));
	CHECK_OK(mp_get_array(&rows, &nrows));
	CHECK_OK(mp_get_array(&rows, &cells));
	CHECK_OK(mp_get_str(&rows, &gs, &gn));
	uint8_t *at = fig.data + (rows.p - fig.data);
	CHECK_EQ_INT(*at, 1);
	*at = 0;
	bad.figures = fig;
	CHECK_ERR(period_recompute(net, admin, &es, &bad, &d), ERR_CORRUPT);
	CHECK(strstr(d.text,
		     "by grid, group '310104007001002' figure reported: 0 in the first, 1 in the second") !=
	      NULL);
	buf_release(&fig);

	/* Every set is frozen too, and survives the body's round trip; a
	 * set figure changed is named by set, group and figure. */
	CHECK(r.sets.len > 0);
	struct buf body = BUF_INIT;
	struct period_report again;
	period_report_encode(&r, &body);
	CHECK_OK(period_report_decode(body.data, body.len, &again, &d));
	CHECK_EQ_INT((int)again.sets.len, (int)r.sets.len);
	CHECK(memcmp(again.sets.data, r.sets.data, r.sets.len) == 0);
	CHECK_EQ_INT((int)again.ncells, (int)r.ncells);
	period_report_release(&again);
	buf_release(&body);
	bad = r;
	struct buf sets = BUF_INIT;
	buf_add(&sets, r.sets.data, r.sets.len);
	struct mp_reader dm, drows;
	mp_reader_init(&m, sets.data, sets.len, NULL);
	CHECK_OK(mp_map_find(&m, "district", &dm));
	CHECK_OK(mp_map_find(&dm, "rows", &drows));
	CHECK_OK(mp_get_array(&drows, &nrows));
	CHECK_OK(mp_get_array(&drows, &cells));
	CHECK_OK(mp_get_str(&drows, &gs, &gn));
	CHECK_OK(mp_get_str(&drows, &gs, &gn));
	at = sets.data + (drows.p - sets.data);
	CHECK_EQ_INT(*at, 1); /* reported */
	*at = 2;
	bad.sets = sets;
	CHECK_ERR(period_recompute(net, admin, &es, &bad, &d), ERR_CORRUPT);
	CHECK(strstr(d.text,
		     "set district, group 'district' figure reported: 2 in the first, 1 in the second") !=
	      NULL);
	buf_release(&sets);

	/* An event missing from the set: the count, then the tree head. */
	es.n--;
	CHECK_ERR(period_recompute(net, admin, &es, &r, &d), ERR_CORRUPT);
	CHECK(strstr(d.text, "the checkpoint counts") != NULL);
	es.n++;
	bad = r;
	bad.cp.root[0] ^= 1;
	CHECK_ERR(period_recompute(net, admin, &es, &bad, &d), ERR_CORRUPT);
	CHECK(strstr(d.text, "the tree head differs") != NULL);
	evset_release(&es);
	period_report_release(&r);
	tnode_free(sup);
	tnode_free(c);
}

/* cells as a report or a month bundle holds them (docs/audit.md §3, §5). */
static void
test_cells_round_trip_and_a_cut_or_unordered_one_is_refused(void)
{
	struct grid_cell in[2] = {
		{ "310104001001001", "office-01-c001", "office-01" },
		{ "310104001001002", "office-01-c001", "office-01" },
	};
	struct grid_cell *out = NULL, *keep = (struct grid_cell *)in;
	size_t n = 7;
	struct buf b = BUF_INIT;
	struct mp_reader r;

	period_cells_put(&b, in, 2);
	mp_put_nil(&b); /* the reader stops after the array */
	mp_reader_init(&r, b.data, b.len, NULL);
	CHECK_OK(period_cells_get(&r, &out, &n));
	CHECK_EQ_INT((int)n, 2);
	CHECK(memcmp(out, in, sizeof(in)) == 0);
	CHECK_OK(mp_get_nil(&r));
	free(out);

	/* Out of order (the same id twice is too), then a cell of two:
	 * refused, the outputs untouched. */
	buf_reset(&b);
	period_cells_put(&b, (const struct grid_cell[]){ in[1], in[0] }, 2);
	mp_reader_init(&r, b.data, b.len, NULL);
	out = keep;
	n = 7;
	CHECK_ERR(period_cells_get(&r, &out, &n), ERR_FORMAT);
	CHECK(out == keep && n == 7);
	buf_reset(&b);
	period_cells_put(&b, (const struct grid_cell[]){ in[0], in[0] }, 2);
	mp_reader_init(&r, b.data, b.len, NULL);
	CHECK_ERR(period_cells_get(&r, &out, &n), ERR_FORMAT);
	buf_reset(&b);
	mp_put_array(&b, 1);
	mp_put_array(&b, 2);
	mp_put_cstr(&b, in[0].grid);
	mp_put_cstr(&b, in[0].community);
	mp_reader_init(&r, b.data, b.len, NULL);
	CHECK_ERR(period_cells_get(&r, &out, &n), ERR_FORMAT);
	CHECK(out == keep && n == 7);
	buf_release(&b);
}

static const struct test tests[] = {
	{ "tree heads match RFC 9162", test_tree_heads_match_rfc_9162 },
	{ "every path verifies and a changed one does not",
	  test_every_path_verifies_and_a_changed_one_does_not },
	{ "months are local", test_months_are_local },
	{ "figures round trip and a difference is named",
	  test_figures_round_trip_and_a_difference_is_named },
	{ "an indicator table round trips with no values and kinds",
	  test_an_indicator_table_round_trips_with_no_values_and_kinds },
	{ "a month closes once after its end by a shift lead",
	  test_a_month_closes_once_after_its_end_by_a_shift_lead },
	{ "a changed figure or a missing event is named",
	  test_a_changed_figure_or_a_missing_event_is_named },
	{ "cells round trip and a cut or unordered one is refused",
	  test_cells_round_trip_and_a_cut_or_unordered_one_is_refused },
};

TEST_MAIN(tests)

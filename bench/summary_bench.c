/*
 * summary_bench.c - what a round costs when nothing is missing, as the
 * number of authors grows (the points behind docs/scaling.md).
 *
 *   [12] two nodes hold the same events of A authors (A = 0, 1,000 and
 *        10,000; BENCH_AUTHORS=n adds a point), one event each; one
 *        `gridcase repl sync` from one to the other, which a running
 *        `gridcase run` serves: handshake, SUMMARY_REQ, a SUMMARY of
 *        A + 2 heads, the plan (every head looked up in the store),
 *        nothing fetched.  The median wall time of 5 syncs, the serving
 *        daemon's CPU time per round, and the SUMMARY's size.
 *
 * The authors' events are written into both stores directly (store/ has
 * no roster rules; the daemon serves whatever its summary holds), the
 * same bytes into each: so a round finds nothing to fetch and measures
 * the summary alone.  Figures are printed, never asserted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/lib.h"
#include "common/buf.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "replication/wire.h"
#include "store/store.h"
#include "common/banned.h"

#define SYNCS 5

/* One event by each of n authors, the same bytes in every store. */
static void
write_authors(const char *dir, uint64_t n)
{
	struct store_options opt = { 0, 0, STORE_NOSYNC };
	struct store *s;
	struct store_batch *b = NULL;
	struct buf body = BUF_INIT;
	struct diag d;
	int rc;
	/* A batch signs on a second thread until its commit: its keys live
	 * till then. */
	struct key **keys = calloc(10000, sizeof(*keys));
	size_t nkeys = 0;
	if ((rc = store_open(dir, &opt, &s, &d)))
		bench_fail("open", rc, &d);
	for (uint64_t i = 0; i < n; i++) {
		uint8_t seed[KEY_SEED_BYTES];
		char case_id[32];
		memset(seed, 0, sizeof(seed));
		memcpy(seed, &i, sizeof(i));
		seed[31] = 0x5a;
		struct key *k = key_from_seed(seed);
		snprintf(case_id, sizeof(case_id), "20260302-%08llx", (unsigned long long)i);
		buf_reset(&body);
		mp_put_map(&body, 1);
		mp_put_cstr(&body, "n");
		mp_put_uint(&body, i);
		struct append_req req = { case_id, "note", body.data, body.len, 0,
					  NULL, 1772409600000ull + i };
		if (!b && (rc = store_batch_begin(s, &b)))
			bench_fail("begin", rc, NULL);
		if ((rc = store_batch_append(b, k, &req, NULL, &d)))
			bench_fail("append", rc, &d);
		keys[nkeys++] = k;
		if ((i + 1) % 10000 == 0 || i + 1 == n) {
			if ((rc = store_batch_commit(b, &d)))
				bench_fail("commit", rc, &d);
			b = NULL;
			while (nkeys)
				key_free(keys[--nkeys]);
		}
	}
	free(keys);
	buf_release(&body);
	store_close(s);
}

/* The encoded SUMMARY of n heads, in bytes (before sealing: +40). */
static size_t
summary_bytes(uint64_t n)
{
	struct buf m = BUF_INIT;
	struct wire_head h;
	memset(&h, 0xab, sizeof(h));
	h.seq = 1;
	wire_summary_begin(&m, (uint32_t)n);
	for (uint64_t i = 0; i < n; i++)
		wire_summary_head(&m, &h);
	wire_summary_forks(&m, 0);
	size_t len = m.len;
	buf_release(&m);
	return len;
}

struct point {
	uint64_t authors;
	double sync_ms, server_cpu_ms;
	size_t bytes;
};

static void
measure(uint64_t authors, int port, struct point *pt)
{
	char *dir = bench_dir("summary");
	char src[4200], dst[4200], addr[64], log[4300];
	struct key *admin = key_generate();
	struct node *a = NULL, *b = NULL;
	uint8_t pa[32], pb[32];
	struct diag d;
	int rc;

	snprintf(src, sizeof(src), "%s/src", dir);
	snprintf(dst, sizeof(dst), "%s/dst", dir);
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", port);
	struct node_init_opts oa = { "bench", "source", NULL, key_public(admin) };
	struct node_init_opts ob = { "bench", "other", NULL, key_public(admin) };
	if ((rc = node_init(src, &oa, pa, &d)) || (rc = node_init(dst, &ob, pb, &d)))
		bench_fail("init", rc, &d);
	if ((rc = node_open(src, NODE_WITH_KEY | NODE_NOSYNC, NULL, &a, &d)) ||
	    (rc = node_open(dst, NODE_WITH_KEY | NODE_NOSYNC, NULL, &b, &d)))
		bench_fail("open", rc, &d);
	struct member ma, mb;
	bench_member(&ma, pa, "source", "centre", ROLE_ALL, addr);
	bench_member(&mb, pb, "other", "office", ROLE_DISPOSAL, NULL);
	struct admin_key *wallet = bench_admin_key(admin, dir);
	if ((rc = node_roster_add(a, wallet, &ma, 1772409600000ull, &d)) ||
	    (rc = node_roster_add(a, wallet, &mb, 1772409600001ull, &d)) ||
	    (rc = bench_share_roster(a, b)))
		bench_fail("roster", rc, &d);
	node_close(a);
	node_close(b);
	admin_key_free(wallet);
	key_free(admin);
	write_authors(src, authors);
	write_authors(dst, authors);

	snprintf(log, sizeof(log), "%s/source.log", dir);
	char *serve[] = { (char *)bench_gridcase(), (char *)"--dir", src,
			  (char *)"run", NULL };
	pid_t server = bench_spawn(serve, log);
	usleep(300000); /* the listener is up within a few ms */
	snprintf(log, sizeof(log), "%s/other.log", dir);
	char *sync[] = { (char *)bench_gridcase(), (char *)"--dir", dst,
			 (char *)"repl", (char *)"sync", (char *)"source", NULL };
	double ms[SYNCS];
	double cpu0 = 0;
	for (int i = 0; i < SYNCS; i++) {
		if (i == 1)
			cpu0 = bench_proc_cpu(server); /* after the first handshake */
		double t0 = bench_now();
		pid_t c = bench_spawn(sync, log);
		uint64_t peak;
		if (bench_wait_peak(c, &peak, NULL, NULL, NULL) != 0) {
			fprintf(stderr, "summary_bench: the sync failed; see %s\n", log);
			exit(1);
		}
		ms[i] = (bench_now() - t0) * 1e3;
	}
	pt->server_cpu_ms = (bench_proc_cpu(server) - cpu0) * 1e3 / (SYNCS - 1);
	bench_stop(server);
	qsort(ms, SYNCS, sizeof(ms[0]), bench_cmp_double);
	pt->authors = authors;
	pt->sync_ms = ms[SYNCS / 2];
	pt->bytes = summary_bytes(authors + 2);
	bench_rm_tree(dir);
	free(dir);
}

int
main(void)
{
	uint64_t want[4] = { 0, 1000, 10000, 0 };
	size_t n = 3;
	struct point pt[4];
	int port = bench_port_base();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("BENCH_AUTHORS"))
		want[n++] = strtoull(getenv("BENCH_AUTHORS"), NULL, 10);
	for (size_t i = 0; i < n; i++)
		measure(want[i], port + (int)i, &pt[i]);
	printf("[12] a round with nothing to fetch, by the number of authors (one `repl sync`, median of %d; the serving daemon's CPU per round)\n",
	       SYNCS);
	for (size_t i = 0; i < n; i++)
		printf("    %6llu authors: SUMMARY %8zu bytes; sync %7.1f ms (%.1f ms above no authors); server CPU %.2f ms per round\n",
		       (unsigned long long)pt[i].authors, pt[i].bytes, pt[i].sync_ms,
		       pt[i].sync_ms - pt[0].sync_ms, pt[i].server_cpu_ms);
	return 0;
}

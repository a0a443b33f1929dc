/*
 * district_bench.c - a district of 18 nodes (the centre and 17 street
 * offices), each its own `gridcase run`, on TCP loopback, in the topology
 * of `make demo`: every office pulls from the centre and its two
 * neighbours on a ring; the centre from every office.
 *
 *   [7] dispatch latency: the centre dispatches 300 cases, one at a
 *       time, each to one of the offices; the time from the dispatch's
 *       commit on the centre to its commit at that office, median and
 *       99th percentile.  Beside it, this machine's floor for it,
 *       measured in the same run: three nng req/rep round trips on the same
 *       loopback (the hint, the summary, the fetch), one signature check and
 *       the two disk flushes of the office's durable commit.
 *   [8] convergence after a heal: the district is cut in two (the centre
 *       and offices 01-08; offices 09-17), a day's traffic of 500 cases
 *       (5,000 events) is written on each side and spreads within it; the
 *       cut heals, and the time until all 18 stores hold the same events
 *       is measured.  Beside it, this machine's floor: each node must
 *       check the 5,000 signatures it lacks, 90,000 checks on all cores at
 *       the Ed25519 rate measured in the same run.
 *
 * The bench process opens every store itself (LMDB serves many processes)
 * to write as the centre and to watch each office's store.  Figures are
 * printed, never asserted.
 */
#include <nng/nng.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/lib.h"
#include "common/buf.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "node/actions.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/report.h"
#include "node/case/roster.h"
#include "node/case/workflow.h"
#include "store/store.h"
#include "common/banned.h"

/* 18 nodes, or BENCH_DISTRICT_NODES (up to NODES_MAX) for the scaling
 * points of docs/scaling.md; the far side of the cut is the upper half of
 * the offices (09-17 of 18 nodes). */
#define NODES_MAX 54
static int nnodes = 18, noffices = 17, side_b_first = 9;
#define LATENCY_CASES 300
#define DAY_CASES 500  /* bench_fill writes cases of ten events */

struct district {
	char *dir;
	char names[NODES_MAX][16];
	char dirs[NODES_MAX][4200];
	int ports[NODES_MAX];
	struct node *nodes[NODES_MAX]; /* [0] the centre, with its key */
	struct key *intake; /* the centre's intake desk: it reports, so that
			     * the centre's key may register */
	pid_t pids[NODES_MAX];
	uint64_t now_ms;
};

/* The CPU seconds all daemons have spent so far. */
static double
daemons_cpu(const struct district *ds)
{
	double t = 0;
	for (int i = 0; i < nnodes; i++)
		t += bench_proc_cpu(ds->pids[i]);
	return t;
}

/* The minor page faults all daemons have taken so far. */
static uint64_t
daemons_faults(const struct district *ds)
{
	uint64_t n = 0;
	for (int i = 0; i < nnodes; i++)
		n += bench_proc_faults(ds->pids[i]);
	return n;
}

static int
side_of(int i)
{
	return i >= side_b_first;
}

static void
make_district(struct district *ds)
{
	struct key *admin = key_generate();
	uint8_t pub[NODES_MAX][32];
	struct diag d;
	int rc, base = bench_port_base();

	ds->dir = bench_dir("district");
	ds->now_ms = 1772409600000ull; /* 2026-03-02T00:00Z, 08:00 local */
	for (int i = 0; i < nnodes; i++) {
		if (i == 0)
			snprintf(ds->names[i], sizeof(ds->names[i]), "centre");
		else
			snprintf(ds->names[i], sizeof(ds->names[i]), "office-%02d", i);
		snprintf(ds->dirs[i], sizeof(ds->dirs[i]), "%s/%s", ds->dir, ds->names[i]);
		ds->ports[i] = base + i;
		struct node_init_opts o = { "bench", ds->names[i], "310104",
					    key_public(admin) };
		if ((rc = node_init(ds->dirs[i], &o, pub[i], &d)))
			bench_fail("init", rc, &d);
		/* The centre and office-09 write; the others only watch. */
		int flags = (i == 0 || i == side_b_first) ? NODE_WITH_KEY : 0;
		if ((rc = node_open(ds->dirs[i], flags, NULL, &ds->nodes[i], &d)))
			bench_fail("open", rc, &d);
	}
	struct admin_key *wallet = bench_admin_key(admin, ds->dir);
	for (int i = 0; i < nnodes; i++) {
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, pub[i], 32);
		snprintf(m.name, sizeof(m.name), "%s", ds->names[i]);
		snprintf(m.unit, sizeof(m.unit), "%s", ds->names[i]);
		/* office-09 also writes the far side's day of cases. */
		m.roles = (i == 0 || i == side_b_first) ? ROLE_ALL : ROLE_DISPOSAL;
		snprintf(m.addrs[0], sizeof(m.addrs[0]), "tcp://127.0.0.1:%d", ds->ports[i]);
		m.naddrs = 1;
		if ((rc = node_roster_add(ds->nodes[0], wallet, &m, ds->now_ms++, &d)))
			bench_fail("roster", rc, &d);
	}
	struct member m;
	ds->intake = key_generate();
	bench_member(&m, key_public(ds->intake), "centre-intake", "hotline",
		     ROLE_OPERATOR, NULL);
	if ((rc = node_roster_add(ds->nodes[0], wallet, &m, ds->now_ms++, &d)))
		bench_fail("roster", rc, &d);
	for (int i = 1; i < nnodes; i++)
		if ((rc = bench_share_roster(ds->nodes[0], ds->nodes[i])))
			bench_fail("roster copy", rc, NULL);
	admin_key_free(wallet);
	key_free(admin);
}

static void
start_daemons(struct district *ds)
{
	char log[4300];
	for (int i = 0; i < nnodes; i++) {
		char *argv[16];
		int n = 0;
		argv[n++] = (char *)bench_gridcase();
		argv[n++] = (char *)"--dir";
		argv[n++] = ds->dirs[i];
		argv[n++] = (char *)"run";
		argv[n++] = (char *)"--interval";
		argv[n++] = (char *)"1000";
		if (i > 0) {
			int prev = (i + noffices - 2) % noffices + 1, next = i % noffices + 1;
			argv[n++] = (char *)"--peer";
			argv[n++] = ds->names[0];
			argv[n++] = (char *)"--peer";
			argv[n++] = ds->names[prev];
			argv[n++] = (char *)"--peer";
			argv[n++] = ds->names[next];
		}
		argv[n] = NULL;
		snprintf(log, sizeof(log), "%s/%s.log", ds->dir, ds->names[i]);
		ds->pids[i] = bench_spawn(argv, log);
	}
}

static uint64_t
events_of(struct district *ds, int i)
{
	struct store_stats st;
	if (store_stats(node_store(ds->nodes[i]), &st))
		return 0;
	return st.events;
}

/* Waits until every node holds `want` events; the seconds it took. */
static double
wait_all(struct district *ds, uint64_t want, double limit_s)
{
	double t0 = bench_now();
	for (;;) {
		int done = 1;
		for (int i = 0; i < nnodes && done; i++)
			done = events_of(ds, i) >= want;
		for (int i = 0; i < nnodes; i++)
			if (waitpid(ds->pids[i], NULL, WNOHANG) == ds->pids[i]) {
				fprintf(stderr, "district_bench: %s stopped; see %s/%s.log\n",
					ds->names[i], ds->dir, ds->names[i]);
				exit(1);
			}
		if (done)
			return bench_now() - t0;
		if (bench_now() - t0 > limit_s) {
			fprintf(stderr, "district_bench: not every node reached %llu events in %.0f s (logs in %s)\n",
				(unsigned long long)want, limit_s, ds->dir);
			exit(1);
		}
		usleep(5000);
	}
}

static int
digests_equal(struct district *ds)
{
	uint8_t first[32], dg[32];
	for (int i = 0; i < nnodes; i++) {
		if (store_digest(node_store(ds->nodes[i]), i ? dg : first))
			return 0;
		if (i && memcmp(dg, first, 32) != 0)
			return 0;
	}
	return 1;
}

/* One workflow step on the centre, with its required field. */
static void
act(struct district *ds, const char *type, const char *case_id,
    const char *field, const char *value, uint8_t id[32])
{
	struct action_req r;
	struct diag d;
	int rc;
	memset(&r, 0, sizeof(r));
	r.a = workflow_action(type, strlen(type));
	r.case_id = case_id;
	r.now_ms = ds->now_ms += 1000;
	mp_map_init(&r.body);
	if (field)
		mp_put_cstr(mp_map_add(&r.body, field), value);
	if ((rc = case_act(ds->nodes[0], &r, id, &d)))
		bench_fail(type, rc, &d);
}

/* [7]: fills lat[] with LATENCY_CASES seconds. */
static void
measure_latency(struct district *ds, double *lat, double *cpu)
{
	static char cases[LATENCY_CASES][REPORT_CASE_ID_BYTES];
	struct diag d;
	uint8_t id[32];
	int rc;

	for (int c = 0; c < LATENCY_CASES; c++) {
		struct report_req r;
		memset(&r, 0, sizeof(r));
		r.kind = "event";
		r.code = "06010";
		r.grid = "310104007001002";
		r.where = "No. 88 Caoxi Road";
		r.desc = "exposed garbage";
		r.source = "supervisor";
		r.now_ms = ds->now_ms += 1000;
		r.signer = ds->intake;
		if ((rc = report_case(ds->nodes[0], &r, cases[c], NULL, &d)))
			bench_fail("report", rc, &d);
		act(ds, "accept", cases[c], NULL, NULL, id);
		act(ds, "register", cases[c], "urgency", "normal", id);
	}
	uint64_t ready = events_of(ds, 0);
	wait_all(ds, ready, 120);

	struct buf got = BUF_INIT;
	double cpu0 = daemons_cpu(ds);
	for (int c = 0; c < LATENCY_CASES; c++) {
		int office = c % noffices + 1;
		act(ds, "dispatch", cases[c], "unit", ds->names[office], id);
		double t0 = bench_now();
		struct store *s = node_store(ds->nodes[office]);
		while (store_event_get(s, id, &got) == ERR_NOTFOUND) {
			if (bench_now() - t0 > 30) {
				fprintf(stderr, "district_bench: %s never received the dispatch of %s\n",
					ds->names[office], cases[c]);
				exit(1);
			}
			usleep(200);
		}
		lat[c] = bench_now() - t0;
		buf_reset(&got);
		usleep(20000); /* one dispatch at a time, as an operator works */
	}
	buf_release(&got);
	*cpu = daemons_cpu(ds) - cpu0;
	qsort(lat, LATENCY_CASES, sizeof(*lat), bench_cmp_double);
}

/* The round trip of one small nng req/rep message on TCP loopback. */
static double
nng_round_trip(int port)
{
	nng_socket rep, req;
	char url[64];
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", port);
	if (nng_rep0_open(&rep) || nng_req0_open(&req) ||
	    nng_listen(rep, url, NULL, 0) || nng_dial(req, url, NULL, 0)) {
		fprintf(stderr, "district_bench: nng loopback on %s failed\n", url);
		exit(1);
	}
	enum { ROUNDS = 2000 };
	char msg[64] = "ping";
	double t0 = bench_now();
	for (int i = 0; i < ROUNDS; i++) {
		size_t n = sizeof(msg);
		if (nng_send(req, msg, 64, 0) || nng_recv(rep, msg, &n, 0) ||
		    nng_send(rep, msg, n, 0) || nng_recv(req, msg, &n, 0)) {
			fprintf(stderr, "district_bench: nng round trip failed\n");
			exit(1);
		}
	}
	double rt = (bench_now() - t0) / ROUNDS;
	nng_close(req);
	nng_close(rep);
	return rt;
}

static void
set_cut(struct district *ds, int cut)
{
	struct diag d;
	int rc;
	for (int i = 0; i < nnodes; i++)
		for (int j = 0; j < nnodes; j++) {
			if (side_of(i) == side_of(j))
				continue;
			/* As `gridcase peers block` does: the daemon is
			 * told at once. */
			rc = node_peer_block(ds->nodes[i], ds->names[j], cut, &d);
			if (rc && !(rc == ERR_NOTFOUND && !cut))
				bench_fail("block", rc, &d);
		}
}

struct checks {
	uint64_t checked, again;
};

static int
add_checks(const struct peer_record *p, void *ctx)
{
	struct checks *c = ctx;
	c->checked += p->checked;
	c->again += p->checked_again;
	return 0;
}

/* The signatures the daemons checked so far, as their peer records say
 * (written each second: call it 2 s after the work). */
static struct checks
checks_of(struct district *ds)
{
	struct checks c = { 0, 0 };
	for (int i = 0; i < nnodes; i++)
		if (node_peers_walk(ds->nodes[i], add_checks, &c))
			bench_fail("peers", ERR_IO, NULL);
	return c;
}

/* [8]: the seconds from the heal to equal stores everywhere. */
static double
measure_heal(struct district *ds, uint64_t *moved, double *cpu,
	     uint64_t *faults, struct checks *checks)
{
	int rc;
	set_cut(ds, 1);
	sleep(1); /* the daemons are told of the blocks and end their rounds */
	uint64_t before = events_of(ds, 0);
	ds->now_ms += 3600 * 1000;
	if ((rc = bench_fill(ds->nodes[0], node_key(ds->nodes[0]), DAY_CASES * 10,
			     100000, ds->now_ms)) ||
	    (rc = bench_fill(ds->nodes[side_b_first], node_key(ds->nodes[side_b_first]),
			     DAY_CASES * 10, 200000, ds->now_ms)))
		bench_fail("fill", rc, NULL);
	/* Each side spreads its own day, and only its own. */
	uint64_t side = before + DAY_CASES * 10;
	wait_all(ds, side, 120);
	for (int i = 0; i < nnodes; i++)
		if (events_of(ds, i) != side) {
			fprintf(stderr, "district_bench: %s has %llu events, not %llu: the cut leaks\n",
				ds->names[i], (unsigned long long)events_of(ds, i),
				(unsigned long long)side);
			exit(1);
		}
	*moved = DAY_CASES * 10;
	sleep(2); /* the peer records catch up */
	struct checks c0 = checks_of(ds);
	double cpu0 = daemons_cpu(ds);
	uint64_t faults0 = daemons_faults(ds);
	set_cut(ds, 0);
	double t = wait_all(ds, side + DAY_CASES * 10, 300);
	*cpu = daemons_cpu(ds) - cpu0;
	*faults = daemons_faults(ds) - faults0;
	sleep(2);
	*checks = checks_of(ds);
	checks->checked -= c0.checked;
	checks->again -= c0.again;
	if (!digests_equal(ds)) {
		fprintf(stderr, "district_bench: equal counts but different digests\n");
		exit(1);
	}
	return t;
}

int
main(void)
{
	struct district ds;
	struct bench_limit lim = { 0, 0, 0 };
	static double lat[LATENCY_CASES];
	uint64_t moved;
	double lat_cpu, heal_cpu;
	struct checks checks;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&ds, 0, sizeof(ds));
	const char *want = getenv("BENCH_DISTRICT_NODES");
	if (want && atoi(want) >= 4 && atoi(want) <= NODES_MAX) {
		nnodes = atoi(want);
		noffices = nnodes - 1;
		side_b_first = noffices / 2 + 1;
	}
	bench_verify_rate(&lim, 3);
	double rt = nng_round_trip(bench_port_base() + nnodes);
	make_district(&ds);
	double sync_s = bench_sync_latency(ds.dir, 200);
	start_daemons(&ds);
	wait_all(&ds, events_of(&ds, 0), 60);
	measure_latency(&ds, lat, &lat_cpu);
	double fault_us = bench_fault_cost();
	uint64_t heal_faults;
	double heal = measure_heal(&ds, &moved, &heal_cpu, &heal_faults, &checks);
	bench_verify_rate(&lim, 3);
	for (int i = 0; i < nnodes; i++)
		bench_stop(ds.pids[i]);
	for (int i = 0; i < nnodes; i++)
		node_close(ds.nodes[i]);
	key_free(ds.intake);

	double p50 = lat[LATENCY_CASES / 2];
	double p99 = lat[(LATENCY_CASES * 99) / 100];
	printf("[7] dispatch latency, centre to office, %d dispatches one at a time, %d nodes running\n",
	       LATENCY_CASES, nnodes);
	printf("    gridcase  median %.1f ms, 99th percentile %.1f ms, slowest %.1f ms\n",
	       p50 * 1e3, p99 * 1e3, lat[LATENCY_CASES - 1] * 1e3);
	double lat_floor = 3 * rt + 1 / lim.best + 2 * sync_s;
	printf("    limit     %.2f ms: 3 nng req/rep round trips on TCP loopback (%.3f ms each), a signature check, 2 disk flushes (%.2f ms each)\n",
	       lat_floor * 1e3, rt * 1e3, sync_s * 1e3);
	bench_ratio(lat_floor, p50, 0);
	printf("    the %d daemons' CPU time: %.2f ms per dispatch (of %d ms between dispatches; other work on the machine does not count)\n",
	       nnodes, lat_cpu * 1e3 / LATENCY_CASES, 20);
	double floor_s = (double)moved * nnodes / (lim.best * (double)cores);
	printf("[8] convergence after a heal: %llu events written on each side of a cut; %d nodes equal %.2f s after it heals\n",
	       (unsigned long long)moved, nnodes, heal);
	printf("    limit     %llu signature checks (each node lacks one side's day) on %ld cores at %.0f/s: %.2f s\n",
	       (unsigned long long)moved * nnodes, cores, lim.best, floor_s);
	bench_ratio(floor_s, heal, 0);
	printf("    the %d daemons' CPU time during the heal: %.2f s, against %.2f s for the checks alone on one core: %.2f times\n",
	       nnodes, heal_cpu, floor_s * (double)cores, heal_cpu / (floor_s * (double)cores));
	printf("    the daemons' page faults during the heal: %llu, at %.2f us each (a first touch of fresh memory, measured here): %.2f s\n",
	       (unsigned long long)heal_faults, fault_us * 1e6,
	       (double)heal_faults * fault_us);
	printf("    the signatures the daemons checked during the heal: %llu, of which %llu of events already stored or waiting (checked again); the floor: %llu\n",
	       (unsigned long long)checks.checked, (unsigned long long)checks.again,
	       (unsigned long long)moved * nnodes);
	bench_rm_tree(ds.dir);
	free(ds.dir);
	return 0;
}

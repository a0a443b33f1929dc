/*
 * hostile_bench.c - a real peer's sync latency and a node's memory,
 * without and with 200 hostile connections from a host with no key, in
 * one run (docs/protocol.md §5).
 *
 *   [11] two nodes, a and b, each its own `gridcase run`, on TCP
 *        loopback.  An event written on a is timed until it is committed
 *        on b (b pulls it from a's server, the one under attack), and one
 *        written on b until it is on a (a answers b's hint, then pulls);
 *        60 of each, without and then with the attack, median and 90th
 *        percentile.  Beside them, a's resident memory (VmRSS) before
 *        and at its peak under attack.  The attack, from 50 loopback
 *        addresses (127.0.1.x), 200 connections at once, each renewed
 *        50 ms after the node closes it (build/tools/net_hostile): 50
 *        that never speak, 50 that finish nng's greeting and go idle, 50
 *        that send most of a 4 MiB message, and 50 that send requests as
 *        fast as they can and never read the answers.  Goals: latency
 *        under attack within 2 times of without; memory growth under
 *        64 MiB.
 *
 * The attack tools run on the same two cores as the nodes, so what they
 * cost the machine is counted against the latency too; the load average
 * is printed.  Figures are printed, never asserted.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/lib.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/report.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

#define SAMPLES 60
#define LATENCY_GOAL 2.0
#define GROWTH_GOAL_KB (64 * 1024)
#define KINDS 4

struct pair {
	char *dir;
	char dirs[2][4200];
	int ports[2];
	struct node *nodes[2]; /* both with their keys: both write */
	pid_t pids[2];
	uint64_t now_ms;
};

struct figures {
	double ab[SAMPLES], ba[SAMPLES]; /* seconds */
	uint64_t rss_kb, peak_kb;
};

static void
make_pair(struct pair *pr)
{
	static const char *names[2] = { "a", "b" };
	struct key *admin = key_generate();
	uint8_t pub[2][32];
	struct diag d;
	int rc, base = bench_port_base();
	pr->dir = bench_dir("hostile");
	pr->now_ms = 1772409600000ull; /* 2026-03-02T00:00Z */
	for (int i = 0; i < 2; i++) {
		snprintf(pr->dirs[i], sizeof(pr->dirs[i]), "%s/%s", pr->dir, names[i]);
		pr->ports[i] = base + i;
		struct node_init_opts o = { "bench", names[i], "310104", key_public(admin) };
		if ((rc = node_init(pr->dirs[i], &o, pub[i], &d)) ||
		    (rc = node_open(pr->dirs[i], NODE_WITH_KEY, NULL, &pr->nodes[i], &d)))
			bench_fail("init", rc, &d);
	}
	struct admin_key *wallet = bench_admin_key(admin, pr->dir);
	for (int i = 0; i < 2; i++) {
		struct member m;
		memset(&m, 0, sizeof(m));
		memcpy(m.key, pub[i], 32);
		snprintf(m.name, sizeof(m.name), "%s", names[i]);
		snprintf(m.unit, sizeof(m.unit), "%s", names[i]);
		m.roles = ROLE_ALL;
		snprintf(m.addrs[0], sizeof(m.addrs[0]), "tcp://127.0.0.1:%d", pr->ports[i]);
		m.naddrs = 1;
		if ((rc = node_roster_add(pr->nodes[0], wallet, &m, pr->now_ms++, &d)))
			bench_fail("roster", rc, &d);
	}
	if ((rc = bench_share_roster(pr->nodes[0], pr->nodes[1])))
		bench_fail("roster copy", rc, NULL);
	admin_key_free(wallet);
	key_free(admin);
}

static void
start_daemons(struct pair *pr)
{
	char log[4300];
	for (int i = 0; i < 2; i++) {
		char *argv[] = { (char *)bench_gridcase(), (char *)"--dir", pr->dirs[i],
				 (char *)"run", (char *)"--interval", (char *)"1000", NULL };
		snprintf(log, sizeof(log), "%s/%s.log", pr->dir, i ? "b" : "a");
		pr->pids[i] = bench_spawn(argv, log);
	}
}

/* A case reported on node `from`; the seconds until `to` holds it.  The
 * peak of a's memory is sampled meanwhile. */
static double
one_latency(struct pair *pr, int from, int to, uint64_t *peak_kb)
{
	struct report_req r;
	struct summary_entry head;
	char case_id[REPORT_CASE_ID_BYTES];
	struct buf got = BUF_INIT;
	struct diag d;
	int rc;
	memset(&r, 0, sizeof(r));
	r.kind = "event";
	r.code = "06010";
	r.grid = "310104007001002";
	r.where = "No. 88 Caoxi Road";
	r.desc = "exposed garbage";
	r.source = "supervisor";
	r.now_ms = pr->now_ms += 1000;
	if ((rc = report_case(pr->nodes[from], &r, case_id, NULL, &d)))
		bench_fail("report", rc, &d);
	double t0 = bench_now();
	if ((rc = store_summary_get(node_store(pr->nodes[from]),
				    key_public(node_key(pr->nodes[from])), &head)))
		bench_fail("summary", rc, NULL);
	struct store *s = node_store(pr->nodes[to]);
	int polls = 0;
	while (store_event_get(s, head.id, &got) == ERR_NOTFOUND) {
		if (bench_now() - t0 > 60) {
			fprintf(stderr, "hostile_bench: an event never reached %s (logs in %s)\n",
				to ? "b" : "a", pr->dir);
			exit(1);
		}
		if (++polls % 50 == 0 && peak_kb) {
			uint64_t kb = bench_status_kb(pr->pids[0], "VmRSS");
			if (kb > *peak_kb)
				*peak_kb = kb;
		}
		usleep(200);
	}
	double secs = bench_now() - t0;
	buf_release(&got);
	return secs;
}

static void
measure(struct pair *pr, struct figures *f, int under_attack)
{
	f->rss_kb = bench_status_kb(pr->pids[0], "VmRSS");
	f->peak_kb = f->rss_kb;
	for (int i = 0; i < SAMPLES; i++) {
		f->ab[i] = one_latency(pr, 0, 1, under_attack ? &f->peak_kb : NULL);
		usleep(20000);
		f->ba[i] = one_latency(pr, 1, 0, under_attack ? &f->peak_kb : NULL);
		usleep(20000);
		if (under_attack) {
			uint64_t kb = bench_status_kb(pr->pids[0], "VmRSS");
			if (kb > f->peak_kb)
				f->peak_kb = kb;
		}
	}
	qsort(f->ab, SAMPLES, sizeof(double), bench_cmp_double);
	qsort(f->ba, SAMPLES, sizeof(double), bench_cmp_double);
}

/* The attack: KINDS tools of 50 connections, renewed as they are closed. */
static void
attack_start(struct pair *pr, pid_t pids[KINDS])
{
	static const char *kinds[KINDS] = { "silent", "idle", "partial", "flood" };
	char url[64], log[4300], tool[4096];
	if (!realpath("build/tools/net_hostile", tool)) {
		fprintf(stderr, "hostile_bench: no build/tools/net_hostile (run 'make bench')\n");
		exit(1);
	}
	snprintf(url, sizeof(url), "tcp://127.0.0.1:%d", pr->ports[0]);
	for (int k = 0; k < KINDS; k++) {
		char *argv[] = { tool, (char *)kinds[k], url, (char *)"--conns", (char *)"50",
				 (char *)"--spread", (char *)"50", (char *)"--keep", (char *)"50",
				 (char *)"--seconds", (char *)"600", (char *)"--report", (char *)"1000",
				 NULL };
		snprintf(log, sizeof(log), "%s/attack-%s.log", pr->dir, kinds[k]);
		pids[k] = bench_spawn(argv, log);
	}
}

/* Stops the tools and prints the last line each wrote. */
static void
attack_stop(struct pair *pr, pid_t pids[KINDS])
{
	static const char *kinds[KINDS] = { "silent", "idle", "partial", "flood" };
	for (int k = 0; k < KINDS; k++) {
		char log[4300], line[512], last[512] = "";
		bench_stop(pids[k]);
		snprintf(log, sizeof(log), "%s/attack-%s.log", pr->dir, kinds[k]);
		FILE *f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f))
			snprintf(last, sizeof(last), "%s", line);
		if (f)
			fclose(f);
		printf("    attack    %s", last[0] ? last : "(nothing reported)\n");
	}
}

static void
print_latency(const char *what, const double *v)
{
	printf("%-11s median %6.1f ms, 90th percentile %6.1f ms, slowest %6.1f ms\n",
	       what, v[SAMPLES / 2] * 1000, v[SAMPLES * 9 / 10] * 1000,
	       v[SAMPLES - 1] * 1000);
}

int
main(void)
{
	struct pair pr;
	struct figures quiet, loud;
	pid_t attackers[KINDS];

	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&pr, 0, sizeof(pr));
	make_pair(&pr);
	bench_intro(pr.dir);
	start_daemons(&pr);
	/* Ready when each has the other's first report. */
	double t0 = bench_now();
	(void)one_latency(&pr, 0, 1, NULL);
	(void)one_latency(&pr, 1, 0, NULL);
	fprintf(stderr, "hostile_bench: the nodes sync (%.1f s to start)\n", bench_now() - t0);
	measure(&pr, &quiet, 0);
	attack_start(&pr, attackers);
	sleep(2); /* the attack reaches its 200 connections */
	double load0 = bench_load_average();
	measure(&pr, &loud, 1);
	double load1 = bench_load_average();
	printf("[11] a peer's sync latency and the node's memory, without and with 200 hostile connections\n");
	printf("    (two `gridcase run` on TCP loopback; %d events each way; a is attacked)\n", SAMPLES);
	print_latency("    without   a->b", quiet.ab);
	print_latency("              b->a", quiet.ba);
	print_latency("    attacked  a->b", loud.ab);
	print_latency("              b->a", loud.ba);
	double rab = loud.ab[SAMPLES / 2] / quiet.ab[SAMPLES / 2];
	double rba = loud.ba[SAMPLES / 2] / quiet.ba[SAMPLES / 2];
	double r90 = loud.ab[SAMPLES * 9 / 10] / quiet.ab[SAMPLES * 9 / 10];
	double worst = rab > rba ? rab : rba;
	printf("    ratio     median under attack / without: a->b %.2f, b->a %.2f (90th percentile a->b %.2f)   goal <= %.1f: %s\n",
	       rab, rba, r90, LATENCY_GOAL, worst <= LATENCY_GOAL ? "met" : "missed");
	uint64_t growth = loud.peak_kb > quiet.rss_kb ? loud.peak_kb - quiet.rss_kb : 0;
	printf("    memory    a's RSS %.1f MiB without, %.1f MiB at its peak under attack: growth %.1f MiB, ratio %.2f   goal < 64 MiB: %s\n",
	       (double)quiet.rss_kb / 1024, (double)loud.peak_kb / 1024,
	       (double)growth / 1024, (double)loud.peak_kb / (double)quiet.rss_kb,
	       growth < GROWTH_GOAL_KB ? "met" : "missed");
	printf("    load      average %.2f when the attack began, %.2f after the measures\n",
	       load0, load1);
	attack_stop(&pr, attackers);
	for (int i = 0; i < 2; i++) {
		int st = bench_stop(pr.pids[i]);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			fprintf(stderr, "hostile_bench: %s stopped with status %d (logs in %s)\n",
				i ? "b" : "a", st, pr.dir);
	}
	for (int i = 0; i < 2; i++)
		node_close(pr.nodes[i]);
	bench_rm_tree(pr.dir);
	free(pr.dir);
	return 0;
}

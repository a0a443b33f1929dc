/*
 * catchup_bench.c - how fast a fresh node catches up over TCP loopback,
 * and how much memory it needs to.
 *
 *   [5] a node holding 100,000 events serves them (`gridcase run`); a
 *       fresh node pulls them with one `gridcase repl sync` round.  Events
 *       per second, beside this machine's Ed25519 verification rate on one
 *       core measured in the same run (goal: at least 0.7; checking on
 *       both cores may pass 1.0).
 *   [6] the same with 1,000,000 events: the receiver's peak anonymous
 *       memory (its heap; the store's pages are mapped from the file and
 *       not counted) for 100,000 and for 1,000,000 events: it must not grow
 *       with the log.
 *
 * The source's events come in cases of ten (a report, then amendments),
 * so that the receiver folds case views as it admits, as in real use.
 * Figures are printed, never asserted.  BENCH_SMALL=1 skips [6].
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/lib.h"
#include "common/clock.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

#define GOAL 0.7

#define CURVE_POINTS 10

struct run {
	uint64_t events;
	double secs;
	uint64_t peak_kb;
	uint64_t got;
	int status;
	/* CPU seconds and page faults of the receiver and the server. */
	double recv_cpu, serve_cpu;
	uint64_t recv_faults, serve_faults;
	/* The receiver's heap after each tenth of the events. */
	uint64_t curve_kb[CURVE_POINTS];
};

struct watch {
	struct node *dst;
	struct run *run;
	int next_point;
};

/* Once a second: how far the receiver is, and its heap then. */
static void
sample(void *ctx, uint64_t anon_kb)
{
	struct watch *w = ctx;
	struct store_stats st;
	if (store_stats(node_store(w->dst), &st))
		return;
	while (w->next_point < CURVE_POINTS &&
	       st.events * CURVE_POINTS >= w->run->events * (uint64_t)(w->next_point + 1))
		w->run->curve_kb[w->next_point++] = anon_kb;
}

/* What each side spent per event, and what its page faults cost. */
static void
print_cpu(const struct run *r, double fault_s)
{
	double n = (double)r->events;
	printf("    cpu       per event: receiver %.1f us, %.2f page faults; server %.1f us, %.2f page faults (a fault costs %.1f us here)\n",
	       r->recv_cpu * 1e6 / n, (double)r->recv_faults / n,
	       r->serve_cpu * 1e6 / n, (double)r->serve_faults / n, fault_s * 1e6);
}

/* One catch-up of n events: fill, serve, sync, measure. */
static void
catch_up(uint64_t n, int port, struct run *out)
{
	char *dir = bench_dir("catchup");
	char *src = malloc(strlen(dir) + 8), *dst = malloc(strlen(dir) + 8);
	char addr[64], log[4200];
	struct key *admin = key_generate();
	struct node *a = NULL, *b = NULL;
	uint8_t pa[32], pb[32];
	struct diag d;
	int rc;

	snprintf(src, strlen(dir) + 8, "%s/src", dir);
	snprintf(dst, strlen(dir) + 8, "%s/dst", dir);
	snprintf(addr, sizeof(addr), "tcp://127.0.0.1:%d", port);
	struct node_init_opts oa = { "bench", "source", NULL, key_public(admin) };
	struct node_init_opts ob = { "bench", "fresh", NULL, key_public(admin) };
	if ((rc = node_init(src, &oa, pa, &d)) || (rc = node_init(dst, &ob, pb, &d)))
		bench_fail("init", rc, &d);
	if ((rc = node_open(src, NODE_WITH_KEY | NODE_NOSYNC, NULL, &a, &d)) ||
	    (rc = node_open(dst, NODE_WITH_KEY, NULL, &b, &d)))
		bench_fail("open", rc, &d);
	struct member ma, mb;
	bench_member(&ma, pa, "source", "centre", ROLE_ALL, addr);
	bench_member(&mb, pb, "fresh", "office", ROLE_DISPOSAL, NULL);
	uint64_t t0 = 1772409600000ull; /* 2026-03-02 */
	struct admin_key *wallet = bench_admin_key(admin, dir);
	if ((rc = node_roster_add(a, wallet, &ma, t0, &d)) ||
	    (rc = node_roster_add(a, wallet, &mb, t0 + 1, &d)) ||
	    (rc = bench_share_roster(a, b)))
		bench_fail("roster", rc, &d);
	double f0 = bench_now();
	if ((rc = bench_fill(a, node_key(a), n, 0, t0 + 1000)))
		bench_fail("fill", rc, NULL);
	fprintf(stderr, "catchup_bench: %llu events written in %.1f s\n",
		(unsigned long long)n, bench_now() - f0);
	node_close(a);
	node_close(b);
	admin_key_free(wallet);
	key_free(admin);

	snprintf(log, sizeof(log), "%s/source.log", dir);
	char *serve[] = { (char *)bench_gridcase(), (char *)"--dir", src,
			  (char *)"run", NULL };
	pid_t server = bench_spawn(serve, log);
	usleep(300000); /* the listener is up within a few ms */
	snprintf(log, sizeof(log), "%s/fresh.log", dir);
	char *sync[] = { (char *)bench_gridcase(), (char *)"--dir", dst,
			 (char *)"repl", (char *)"sync", (char *)"source", NULL };
	struct node *check;
	struct store_stats st;
	if ((rc = node_open(dst, 0, NULL, &check, &d)))
		bench_fail("reopen", rc, &d);
	memset(out, 0, sizeof(*out));
	out->events = n;
	struct watch w = { check, out, 0 };
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	double cpu0 = bench_proc_cpu(server);
	uint64_t faults0 = bench_proc_faults(server);
	double s0 = bench_now();
	pid_t client = bench_spawn(sync, log);
	out->status = bench_wait_peak(client, &out->peak_kb, sample, &w, &ru);
	out->secs = bench_now() - s0;
	out->serve_cpu = bench_proc_cpu(server) - cpu0;
	out->serve_faults = bench_proc_faults(server) - faults0;
	out->recv_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
			(double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
	out->recv_faults = (uint64_t)ru.ru_minflt;
	bench_stop(server);
	if ((rc = store_stats(node_store(check), &st)))
		bench_fail("stats", rc, NULL);
	out->got = st.events;
	node_close(check);
	if (out->status != 0 || out->got < n) {
		fprintf(stderr, "catchup_bench: the sync ended with status %d and %llu events; see %s\n",
			out->status, (unsigned long long)out->got, log);
		exit(1);
	}
	bench_rm_tree(dir);
	free(src);
	free(dst);
	free(dir);
}

int
main(void)
{
	struct bench_limit lim = { 0, 0, 0 };
	struct run small, big;
	int port = bench_port_base();
	int want_big = !getenv("BENCH_SMALL");

	setvbuf(stdout, NULL, _IOLBF, 0);
	bench_verify_rate(&lim, 3);
	double fault_s = bench_fault_cost();
	catch_up(100000, port, &small);
	bench_verify_rate(&lim, 3);
	if (want_big)
		catch_up(1000000, port + 1, &big);

	double rate = (double)small.events / small.secs;
	printf("[5] catch-up: %llu events from one node to a fresh one, one `repl sync` over TCP loopback\n",
	       (unsigned long long)small.events);
	printf("    gridcase  repl sync            %9.0f events/s  (%.2f s; %llu events stored, roster included)\n",
	       rate, small.secs, (unsigned long long)small.got);
	printf("    limit     key_verify, 53 bytes %9.0f verifies/s on one core (best of %d runs of 10000; slowest %.0f/s)\n",
	       lim.best, lim.runs, lim.worst);
	bench_ratio(rate, lim.best, GOAL);
	printf("    memory    peak anonymous memory (heap) of the receiver: %.1f MiB\n",
	       (double)small.peak_kb / 1024);
	print_cpu(&small, fault_s);
	if (want_big) {
		double brate = (double)big.events / big.secs;
		printf("[6] catch-up of %llu events: %.0f events/s (%.1f s); peak heap of the receiver %.1f MiB, against %.1f MiB for %llu events: %.2f times for %.0f times the events\n",
		       (unsigned long long)big.events, brate, big.secs,
		       (double)big.peak_kb / 1024, (double)small.peak_kb / 1024,
		       (unsigned long long)small.events,
		       (double)big.peak_kb / (double)(small.peak_kb ? small.peak_kb : 1),
		       (double)big.events / (double)small.events);
		printf("    heap of the receiver after each tenth of the events (MiB):");
		for (int i = 0; i < CURVE_POINTS; i++)
			if (big.curve_kb[i])
				printf(" %.0f", (double)big.curve_kb[i] / 1024);
			else /* the sync ended before the next once-a-second sample */
				printf(" -");
		printf("\n");
		print_cpu(&big, fault_s);
	}
	return 0;
}

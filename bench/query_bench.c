/*
 * query_bench.c - how fast a node answers the questions people ask of a
 * big log, and what folding a case costs per event.
 *
 *   [9]  a store of 1,000,000 workflow events in 100,000 cases (a month of
 *        a large district: reports, registrations, dispatches to 17
 *        offices, disposals, verifications, closures, each case padded to
 *        ten events with amendments).  `gridcase case list` with filters
 *        and `gridcase case show`, run as the command a user types: the
 *        median of 21 runs, beside the same binary's floor measured in
 *        the same run (start, open the node and its store, look up a case
 *        that is not there).
 *   [10] folding: replaying a case's events into its state, per event,
 *        for 2,000 cases of ten events and for one case of 10,000, beside
 *        reading and decoding the same events without replaying them.
 *
 * The events are written by the library in batches of 10,000 (signed,
 * folded and indexed as they commit) without fsync: the store is a
 * fixture here, its write speed is [1].  Figures are printed, never
 * asserted.  BENCH_SMALL=1 writes 100,000 events instead; BENCH_KEEP=1
 * keeps the store (its path is printed) to try other queries on.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/lib.h"
#include "common/buf.h"
#include "common/clock.h"
#include "common/event.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "node/case/state.h"
#include "store/store.h"
#include "common/banned.h"

#define OFFICES 17
#define EVENTS_PER_CASE 10
#define RUNS 21
#define FOLD_CASES 2000
#define LONG_CASE_EVENTS 10000
#define T0 1772409600000ull   /* 2026-03-02T00:00:00Z, 08:00 in the district */
#define CASE_GAP_MS 26000ull  /* 100,000 cases over 30 days */
#define STEP_MS 600000ull     /* ten minutes between a case's steps */
#define LONG_CASE "20260302-longcase"

/* A case's life, in order; a case stops after `stop` of them. */
static const char *const life[] = { "report", "accept", "register", "dispatch",
				    "dispose", "feedback", "verify-pass", "close" };
#define LIFE_STEPS 8

struct fixture {
	char *dir;
	struct node *node;
	/* The intake desk reports, the centre's key takes the other steps
	 * (one key may not both report and register, docs/workflow.md §3). */
	struct key *intake, *centre, *office[OFFICES];
	uint64_t ncases;
};

/* How far case c gets: registered, dispatched, fed back, verified, closed. */
static int
steps_of(uint64_t c)
{
	static const int stops[5] = { 3, 4, 6, 7, 8 };
	return stops[c % 5];
}

static void
case_name(uint64_t c, char out[32])
{
	snprintf(out, 32, "20260302-q%07llu", (unsigned long long)c);
}

static int
office_of(uint64_t c)
{
	return (int)(c % OFFICES) + 1;
}

/* The body of step `step` of case c (an amendment when step is "amend"). */
static void
body_of(uint64_t c, const char *step, struct buf *b)
{
	char grid[16], unit[16];
	snprintf(grid, sizeof(grid), "310104%03d%03d%03d", office_of(c),
		 (int)(c / OFFICES % 2) + 1, (int)(c / (OFFICES * 2) % 3) + 1);
	snprintf(unit, sizeof(unit), "office-%02d", office_of(c));
	buf_reset(b);
	if (strcmp(step, "report") == 0) {
		mp_put_map(b, 7);
		mp_put_cstr(b, "class");
		mp_put_cstr(b, c % 3 ? "06010" : "06012");
		mp_put_cstr(b, "desc");
		mp_put_cstr(b, "暴露垃圾 exposed garbage by the bus stop");
		mp_put_cstr(b, "grid");
		mp_put_cstr(b, grid);
		mp_put_cstr(b, "kind");
		mp_put_cstr(b, "event");
		mp_put_cstr(b, "source");
		mp_put_cstr(b, "supervisor");
		mp_put_cstr(b, "standard");
		mp_put_cstr(b, "GB/T 47678.5-2026");
		mp_put_cstr(b, "where");
		mp_put_cstr(b, "漕溪路88号 No. 88 Caoxi Road");
	} else if (strcmp(step, "register") == 0) {
		mp_put_map(b, 2);
		mp_put_cstr(b, "limit");
		mp_put_cstr(b, c % 3 ? "4h" : "2h");
		mp_put_cstr(b, "urgency");
		mp_put_cstr(b, "normal");
	} else if (strcmp(step, "dispatch") == 0) {
		mp_put_map(b, 1);
		mp_put_cstr(b, "unit");
		mp_put_cstr(b, unit);
	} else if (strcmp(step, "dispose") == 0 || strcmp(step, "feedback") == 0) {
		mp_put_map(b, 2);
		mp_put_cstr(b, "by");
		mp_put_cstr(b, "W-1");
		mp_put_cstr(b, "notes");
		mp_put_cstr(b, "cleared and swept; the bins emptied");
	} else if (strcmp(step, "amend") == 0) {
		mp_put_map(b, 2);
		mp_put_cstr(b, "field");
		mp_put_cstr(b, "desc");
		mp_put_cstr(b, "value");
		mp_put_cstr(b, "暴露垃圾, 约两袋 exposed garbage, about two bags, by the bus stop");
	} else {
		mp_put_map(b, 0);
	}
}

/* Event j (0-based) of case c: the report, amendments, then the rest. */
static const char *
step_of(uint64_t c, int j)
{
	int stop = steps_of(c), pad = EVENTS_PER_CASE - stop;
	if (j == 0)
		return life[0];
	if (j <= pad)
		return "amend";
	return life[j - pad];
}

struct writer {
	struct fixture *fx;
	struct store_batch *b;
	uint64_t in_batch;
	struct buf body;
};

static void
put(struct writer *w, const char *case_id, uint64_t c, const char *step,
    uint64_t now_ms)
{
	struct diag d;
	int rc;
	const struct key *k = strcmp(step, "dispose") == 0 || strcmp(step, "feedback") == 0
				      ? w->fx->office[office_of(c) - 1]
			      : strcmp(step, "report") == 0 ? w->fx->intake : w->fx->centre;
	if (!w->b && (rc = store_batch_begin(node_store(w->fx->node), &w->b)))
		bench_fail("begin", rc, NULL);
	body_of(c, step, &w->body);
	struct append_req req = { case_id, step, w->body.data,
				  w->body.len, 0, NULL, now_ms };
	if ((rc = store_batch_append(w->b, k, &req, NULL, &d)))
		bench_fail("append", rc, &d);
	if (++w->in_batch == 10000) {
		if ((rc = store_batch_commit(w->b, &d)))
			bench_fail("commit", rc, &d);
		w->b = NULL;
		w->in_batch = 0;
	}
}

static void
flush(struct writer *w)
{
	struct diag d;
	int rc;
	if (w->b && (rc = store_batch_commit(w->b, &d)))
		bench_fail("commit", rc, &d);
	w->b = NULL;
	w->in_batch = 0;
}

static void
setup(struct fixture *fx, uint64_t ncases)
{
	struct key *admin = bench_key(0xad);
	uint8_t pub[32];
	struct diag d;
	int rc;
	fx->dir = bench_dir("query");
	fx->ncases = ncases;
	struct node_init_opts o = { "bench", "centre", "310104", key_public(admin) };
	if ((rc = node_init(fx->dir, &o, pub, &d)))
		bench_fail("init", rc, &d);
	if ((rc = node_open(fx->dir, NODE_WITH_KEY | NODE_NOSYNC, NULL, &fx->node, &d)))
		bench_fail("open", rc, &d);
	fx->centre = bench_key(0xc0);
	struct member m;
	memset(&m, 0, sizeof(m));
	memcpy(m.key, key_public(fx->centre), 32);
	snprintf(m.name, sizeof(m.name), "centre");
	snprintf(m.unit, sizeof(m.unit), "centre");
	m.roles = ROLE_ALL & ~ROLE_DISPOSAL;
	struct admin_key *wallet = bench_admin_key(admin, fx->dir);
	if ((rc = node_roster_add(fx->node, wallet, &m, T0 - 2000, &d)))
		bench_fail("roster", rc, &d);
	fx->intake = bench_key(0xc1); /* not an office's (0x10 + i) */
	bench_member(&m, key_public(fx->intake), "intake", "hotline",
		     ROLE_OPERATOR, NULL);
	if ((rc = node_roster_add(fx->node, wallet, &m, T0 - 1500, &d)))
		bench_fail("roster", rc, &d);
	for (int i = 0; i < OFFICES; i++) {
		fx->office[i] = bench_key((uint8_t)(0x10 + i));
		memset(&m, 0, sizeof(m));
		memcpy(m.key, key_public(fx->office[i]), 32);
		snprintf(m.name, sizeof(m.name), "office-%02d", i + 1);
		snprintf(m.unit, sizeof(m.unit), "office-%02d", i + 1);
		m.roles = ROLE_DISPOSAL;
		if ((rc = node_roster_add(fx->node, wallet, &m, T0 - 1000 + (uint64_t)i, &d)))
			bench_fail("roster", rc, &d);
	}
	admin_key_free(wallet);
	key_free(admin);

	/* Cases in blocks of 1,000, a step of each case in turn, so that each
	 * commit moves a thousand cases and its clock only goes forward. */
	struct writer w = { fx, NULL, 0, BUF_INIT };
	char case_id[32];
	double t = bench_now();
	for (uint64_t base = 0; base < ncases; base += 1000) {
		uint64_t end = base + 1000 < ncases ? base + 1000 : ncases;
		for (int j = 0; j < EVENTS_PER_CASE; j++)
			for (uint64_t c = base; c < end; c++) {
				case_name(c, case_id);
				put(&w, case_id, c, step_of(c, j),
				    T0 + c * CASE_GAP_MS + (uint64_t)j * STEP_MS);
			}
	}
	/* One long case: a report amended 9,999 times. */
	uint64_t lt = T0 + ncases * CASE_GAP_MS;
	put(&w, LONG_CASE, 0, "report", lt);
	for (uint64_t j = 1; j < LONG_CASE_EVENTS; j++)
		put(&w, LONG_CASE, 0, "amend", lt + j);
	flush(&w);
	buf_release(&w.body);
	fprintf(stderr, "query_bench: %llu events in %llu cases written in %.1f s\n",
		(unsigned long long)(ncases * EVENTS_PER_CASE + LONG_CASE_EVENTS),
		(unsigned long long)ncases + 1, bench_now() - t);
}

/* Runs argv with stdout into a pipe; returns the seconds it took and
 * copies the last line of its output into last. */
static double
run_cli(char *const argv[], char *last, size_t lastn, size_t *bytes)
{
	int fds[2];
	if (pipe(fds))
		bench_fail("pipe", 1, NULL);
	double t = bench_now();
	pid_t pid = fork();
	if (pid < 0)
		bench_fail("fork", 1, NULL);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		dup2(null, 2);
		close(fds[0]);
		close(fds[1]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	char buf[65536], tail[512] = "";
	size_t total = 0, tl = 0;
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0) {
		total += (size_t)n;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (tl) {
					tail[tl] = '\0';
					snprintf(last, lastn, "%s", tail);
				}
				tl = 0;
			} else if (tl + 1 < sizeof(tail)) {
				tail[tl++] = buf[i];
			}
		}
	}
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	double secs = bench_now() - t;
	if (bytes)
		*bytes = total;
	return secs;
}

/* The median of RUNS runs of a command, in seconds. */
static double
median_cli(char *const argv[], char *last, size_t lastn, size_t *bytes)
{
	double t[RUNS];
	for (int i = 0; i < RUNS; i++)
		t[i] = run_cli(argv, last, lastn, bytes);
	qsort(t, RUNS, sizeof(t[0]), bench_cmp_double);
	return t[RUNS / 2];
}

struct query {
	const char *what;
	const char *args[8];
};

static void
queries(struct fixture *fx)
{
	char last[512] = "";
	char show_case[32];
	case_name(fx->ncases / 2 + 3, show_case); /* a closed case of ten events */
	/* "Now" is a working Monday in the middle of the month. */
	setenv("GRIDCASE_NOW", "2026-03-16T03:00:00Z", 1);
	const struct query qs[] = {
		{ "case list --unit office-07 --state dispatched",
		  { "case", "list", "--unit", "office-07", "--state", "dispatched" } },
		{ "case list --grid 310104007001002", { "case", "list", "--grid", "310104007001002" } },
		{ "case list --office 310104007 --state fed_back",
		  { "case", "list", "--office", "310104007", "--state", "fed_back" } },
		{ "case list --overdue", { "case", "list", "--overdue" } },
		{ "case list --due-within 4h", { "case", "list", "--due-within", "4h" } },
		{ "case list --class event:06012 --colour red",
		  { "case", "list", "--class", "event:06012", "--colour", "red" } },
		{ "case show (10 events)", { "case", "show", show_case } },
		{ "case show --json (10 events)", { "case", "show", show_case, "--json" } },
		{ "case list (no filter: every case)", { "case", "list" } },
	};
	char *floor_argv[] = { (char *)bench_gridcase(), (char *)"--dir", fx->dir,
			       (char *)"case", (char *)"show", (char *)"20260302-nosuchcase", NULL };
	double floor0 = median_cli(floor_argv, last, sizeof(last), NULL);

	printf("[9] queries on a store of %llu events in %llu cases, `gridcase` as a user runs it, median of %d runs\n",
	       (unsigned long long)(fx->ncases * EVENTS_PER_CASE + LONG_CASE_EVENTS),
	       (unsigned long long)fx->ncases + 1, RUNS);
	printf("    %-46s %9s %9s  %s\n", "command", "ms", "x floor", "answer (last line), output bytes");
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		char *argv[16];
		int n = 0;
		size_t bytes = 0;
		argv[n++] = (char *)bench_gridcase();
		argv[n++] = (char *)"--dir";
		argv[n++] = fx->dir;
		for (int k = 0; k < 8 && qs[i].args[k]; k++)
			argv[n++] = (char *)qs[i].args[k];
		argv[n] = NULL;
		last[0] = '\0';
		double t = median_cli(argv, last, sizeof(last), &bytes);
		if (strlen(last) > 40)
			snprintf(last + 37, 4, "...");
		printf("    %-46s %9.2f %9.2f  %s, %zu\n", qs[i].what, t * 1e3,
		       t / floor0, last, bytes);
	}
	double floor1 = median_cli(floor_argv, last, sizeof(last), NULL);
	printf("    limit: the floor, `gridcase case show` of a case that is not there (start, open the node and the store, one lookup): %.2f ms before, %.2f ms after\n",
	       floor0 * 1e3, floor1 * 1e3);
	unsetenv("GRIDCASE_NOW");
}

struct reading {
	uint64_t events;
	int canonical; /* decode as bytes from outside are (event_decode) */
};

static int
decode_one(const uint8_t *p, size_t n, void *ctx)
{
	struct envelope env;
	struct event ev;
	size_t used;
	struct reading *r = ctx;
	/* As the fold reads a stored event, or as a check reads a new one. */
	if (envelope_read(p, n, &env, &used, NULL) ||
	    (r->canonical ? event_decode(env.event, env.event_len, &ev, NULL)
			  : event_decode_known(env.event, env.event_len, &ev)))
		return ERR_CORRUPT;
	((struct reading *)ctx)->events++;
	return 0;
}

/* Folds the cases (best of 3 passes); returns events per second. */
static double
fold_rate(struct fixture *fx, const char (*ids)[32], size_t n, uint64_t *events)
{
	double best = 0;
	for (int pass = 0; pass < 3; pass++) {
		struct store_batch *b;
		struct diag d;
		uint64_t count = 0;
		int rc;
		if ((rc = store_batch_begin(node_store(fx->node), &b)))
			bench_fail("begin", rc, NULL);
		double t = bench_now();
		for (size_t i = 0; i < n; i++) {
			struct case_state st;
			state_init(&st, ids[i]);
			if ((rc = node_fold_case(fx->node, b, ids[i], &st, &d)))
				bench_fail("fold", rc, &d);
			count += st.events;
			state_release(&st);
		}
		double rate = (double)count / (bench_now() - t);
		store_batch_abort(b);
		if (rate > best)
			best = rate;
		*events = count;
	}
	return best;
}

/* Reads and decodes the cases' events (best of 3); events per second. */
static double
read_rate(struct fixture *fx, const char (*ids)[32], size_t n, int canonical)
{
	double best = 0;
	for (int pass = 0; pass < 3; pass++) {
		struct store_batch *b;
		struct reading r = { 0, canonical };
		int rc;
		if ((rc = store_batch_begin(node_store(fx->node), &b)))
			bench_fail("begin", rc, NULL);
		double t = bench_now();
		for (size_t i = 0; i < n; i++)
			if ((rc = store_batch_walk_case(b, ids[i], decode_one, &r)))
				bench_fail("walk", rc, NULL);
		double rate = (double)r.events / (bench_now() - t);
		store_batch_abort(b);
		if (rate > best)
			best = rate;
	}
	return best;
}

static void
folding(struct fixture *fx)
{
	char (*ids)[32] = calloc(FOLD_CASES, 32);
	uint64_t events, long_events;
	for (size_t i = 0; i < FOLD_CASES; i++)
		case_name(i * (fx->ncases / FOLD_CASES), ids[i]);
	double f = fold_rate(fx, (const char (*)[32])ids, FOLD_CASES, &events);
	double r = read_rate(fx, (const char (*)[32])ids, FOLD_CASES, 0);
	double rc = read_rate(fx, (const char (*)[32])ids, FOLD_CASES, 1);
	char one[1][32];
	snprintf(one[0], 32, "%s", LONG_CASE);
	double lf = fold_rate(fx, (const char (*)[32])one, 1, &long_events);
	double lr = read_rate(fx, (const char (*)[32])one, 1, 0);
	printf("[10] folding a case (replaying its events into its state), best of 3 passes\n");
	printf("    %llu cases of ten events  fold %9.0f events/s (%.2f us/event)  read+decode %9.0f events/s (%.2f us)  ratio %.2f\n",
	       (unsigned long long)FOLD_CASES, f, 1e6 / f, r, 1e6 / r, f / r);
	printf("    one case of %llu events  fold %9.0f events/s (%.2f us/event)  read+decode %9.0f events/s (%.2f us)  ratio %.2f\n",
	       (unsigned long long)long_events, lf, 1e6 / lf, lr, 1e6 / lr, lf / lr);
	printf("    read+decode of the %llu cases with event_decode's pass for non-canonical bytes, as a check decodes a new event: %.2f us an event (%.2f times event_decode_known's)\n",
	       (unsigned long long)FOLD_CASES, 1e6 / rc, r / rc);
	(void)events;
	free(ids);
}

int
main(void)
{
	struct fixture fx;
	uint64_t ncases = getenv("BENCH_SMALL") ? 10000 : 100000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&fx, 0, sizeof(fx));
	setup(&fx, ncases);
	bench_intro(fx.dir);
	printf("    store: %.1f MiB for %llu events\n", bench_file_bytes(fx.dir) / 1048576.0,
	       (unsigned long long)(ncases * EVENTS_PER_CASE + LONG_CASE_EVENTS));
	queries(&fx);
	folding(&fx);
	node_close(fx.node);
	key_free(fx.intake);
	key_free(fx.centre);
	for (int i = 0; i < OFFICES; i++)
		key_free(fx.office[i]);
	if (!getenv("BENCH_KEEP"))
		bench_rm_tree(fx.dir);
	free(fx.dir);
	return 0;
}

/*
 * import_bench.c - how fast a node takes in and re-checks foreign events.
 *
 *   [3] 100,000 events signed by another node's key, exported as one
 *       buffer of envelopes, imported into a fresh store by store_import()
 *       (what `gridcase event import` does: checks on every core, then
 *       batches of 10,000).  Beside the rate at which this machine
 *       verifies Ed25519 signatures with key_verify() on one core: every
 *       event costs one verification; the goal is a ratio of at least
 *       0.7 (checking on both cores may pass 1.0).
 *   [4] store_verify() over the imported store of 100,000 events, beside
 *       the same verification rate.
 *
 * It also prints seal_open() alone over part of the stream, the bytes on
 * disk per event and the peak RSS.  The foreign events are made by a
 * child process, so that neither its time nor its memory counts here.
 * Figures are printed, never asserted: the exit status says only whether
 * the benchmark ran and the imported store verified.
 *
 * The stores are made in a fresh directory under $GRIDCASE_BENCH_DIR
 * (default build/bench; it must be on a real disk for durable commits to
 * mean anything; the filesystem is printed) and removed afterwards.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/lib.h"
#include "bench/workload.h"
#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "crypto/seal.h"
#include "store/store.h"
#include "common/banned.h"

#define NAME "import_bench"

#define IMPORT_EVENTS 100000
#define BATCH_SIZE 1000
#define IMPORT_BATCH 10000
#define VERIFY_ROUNDS 3
#define VERIFY_COUNT 10000
#define VERIFY_MSGS 256
#define OPEN_ONLY_EVENTS 20000
#define GOAL 0.7

/*
 * Signed messages shaped like the ones seal_open() checks: the 21-byte
 * tag and a 32-byte id, VERIFY_MSGS different ones.
 */
struct verify_set {
	struct key *k;
	uint8_t msg[VERIFY_MSGS][53];
	uint8_t sig[VERIFY_MSGS][KEY_SIG_BYTES];
};

static void
verify_set_init(struct verify_set *v)
{
	uint64_t st = 3;
	v->k = bench_key(0xc1);
	for (int i = 0; i < VERIFY_MSGS; i++) {
		memcpy(v->msg[i], "gridcase/event-sig/v1", 21);
		for (int j = 21; j < 53; j++)
			v->msg[i][j] = (uint8_t)bench_rnd(&st);
		key_sign(v->k, v->msg[i], 53, v->sig[i]);
	}
}

/*
 * The verification ceiling: key_verify() over the set in turn, `runs`
 * runs of VERIFY_COUNT verifications each.
 */
static void
verify_runs(const struct verify_set *v, struct bench_limit *l, int runs)
{
	const uint8_t *pub = key_public(v->k);
	for (int r = 0; r < runs; r++) {
		int ok = 0;
		double t0 = bench_now();
		for (int i = 0; i < VERIFY_COUNT; i++)
			ok += key_verify(pub, v->msg[i % VERIFY_MSGS], 53,
					 v->sig[i % VERIFY_MSGS]);
		bench_limit_add(l, VERIFY_COUNT / (bench_now() - t0));
		if (ok != VERIFY_COUNT)
			bench_fail("key_verify refused a good signature", ERR_BADSIG,
			     NULL);
	}
}

static int
add_env(const uint8_t *env, size_t n, void *ctx)
{
	buf_add(ctx, env, n);
	return 0;
}

/*
 * In a child process: another node (its own key) appends the workload to
 * its store without fsync, and exports every envelope to path, as
 * `gridcase event export` would.
 */
static void
make_stream(const char *base, const char *path)
{
	char dir[PATH_MAX];
	struct workload w;
	struct store_options opt = { 0, 0, STORE_NOSYNC };
	struct buf out = BUF_INIT;
	struct store *s;
	struct diag d = { "" };
	int rc;

	bench_path_join(dir, sizeof(dir), base, "source");
	workload_init(&w, IMPORT_EVENTS, 2);
	struct key *k = bench_key(0xb1);
	if ((rc = store_create(dir, NETWORK, &opt, &d)) ||
	    (rc = store_open(dir, &opt, &s, &d)))
		bench_fail("cannot make the source store", rc, &d);
	for (size_t i = 0; i < w.n;) {
		struct store_batch *b;
		if ((rc = store_batch_begin(s, &b)))
			bench_fail("store_batch_begin", rc, NULL);
		for (size_t j = 0; j < BATCH_SIZE && i < w.n; j++, i++) {
			struct append_req req;
			workload_req(&w, i, &req);
			if ((rc = store_batch_append(b, k, &req, NULL, &d)))
				bench_fail("store_batch_append", rc, &d);
		}
		if ((rc = store_batch_commit(b, &d)))
			bench_fail("store_batch_commit", rc, &d);
	}
	if ((rc = store_walk_all(s, add_env, &out)))
		bench_fail("store_walk_all", rc, NULL);
	store_close(s);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(out.data, 1, out.len, f) != out.len || fclose(f)) {
		fprintf(stderr, "%s: cannot write '%s': %s\n", NAME, path,
			strerror(errno));
		exit(1);
	}
	printf("workload: %zu events over %zu cases by another key, bodies %zu-%zu bytes (mean %.0f); stream %.1f MiB\n",
	       w.n, w.ncases, w.body_min, w.body_max,
	       (double)w.bodies.len / (double)w.n,
	       (double)out.len / (1 << 20));
	buf_release(&out);
	key_free(k);
	workload_release(&w);
}

static void
read_file(const char *path, struct buf *out)
{
	struct stat st;
	FILE *f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "%s: cannot open '%s': %s\n", NAME, path,
			strerror(errno));
		exit(1);
	}
	buf_grow(out, (size_t)st.st_size);
	out->len = fread(out->data, 1, (size_t)st.st_size, f);
	fclose(f);
	if (out->len != (size_t)st.st_size)
		bench_fail("short read of the stream", ERR_IO, NULL);
}

/*
 * seal_open() alone over the first n envelopes of the stream, with no
 * store work in between: what opening costs when the caches hold only
 * the crypto.  Returns envelopes per second.
 */
static double
open_only_rate(const struct buf *in, size_t n)
{
	size_t off = 0, i = 0;
	double t0 = bench_now();
	for (; i < n && off < in->len; i++) {
		struct envelope env;
		struct event ev;
		struct diag d = { "" };
		size_t used;
		int rc = seal_open(in->data + off, in->len - off, NETWORK, &env,
				   &ev, &used, &d);
		if (rc)
			bench_fail("seal_open", rc, &d);
		off += used;
	}
	return (double)i / (bench_now() - t0);
}

struct import_result {
	size_t n, added;
	double secs, cpu, wrote, disk;
	struct store_stats st;
};

static void
ignore_reject(void *ctx, uint64_t index, size_t offset, const uint8_t *id,
	      int rc, const char *why)
{
	(void)ctx;
	(void)id;
	fprintf(stderr, "%s: event %llu at %zu refused: %s: %s\n", NAME,
		(unsigned long long)index, offset, err_name(rc), why);
}

/*
 * [3]: imports the stream into a fresh store in dir with store_import(),
 * what `gridcase event import` runs: signatures checked on every core,
 * then admitted in batches of IMPORT_BATCH, one durable commit each.
 */
static void
bench_import(const char *dir, const struct buf *in, struct import_result *r)
{
	struct store *s;
	struct diag d = { "" };
	struct import_tally t;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = store_create(dir, NETWORK, NULL, &d)) ||
	    (rc = store_open(dir, NULL, &s, &d)))
		bench_fail("cannot make the store", rc, &d);
	double c0 = bench_cpu(), t0 = bench_now(), w0 = bench_written_bytes();
	if ((rc = store_import(s, in->data, in->len, IMPORT_BATCH, ignore_reject,
			       NULL, &t, &d)))
		bench_fail("store_import", rc, &d);
	r->secs = bench_now() - t0;
	r->cpu = bench_cpu() - c0;
	r->wrote = bench_written_bytes() - w0;
	r->n = t.seen;
	r->added = t.added;
	if ((rc = store_stats(s, &r->st)))
		bench_fail("store_stats", rc, NULL);
	store_close(s);
	r->disk = bench_file_bytes(dir);
}

struct verify_result {
	uint64_t events, problems;
	double secs, cpu;
};

static void
count_problem(const char *line, void *ctx)
{
	if ((*(uint64_t *)ctx)++ < 5)
		fprintf(stderr, "%s: store_verify: %s\n", NAME, line);
}

/* [4]: store_verify() over the store that [3] made, opened anew. */
static void
bench_verify(const char *dir, struct verify_result *r)
{
	struct store *s;
	struct store_stats st;
	struct diag d = { "" };
	uint64_t seen = 0;
	int rc;

	if ((rc = store_open(dir, NULL, &s, &d)))
		bench_fail("cannot open the store", rc, &d);
	if ((rc = store_stats(s, &st)))
		bench_fail("store_stats", rc, NULL);
	double c0 = bench_cpu(), t0 = bench_now();
	if ((rc = store_verify(s, count_problem, &seen, &r->problems)))
		bench_fail("store_verify", rc, NULL);
	r->secs = bench_now() - t0;
	r->cpu = bench_cpu() - c0;
	r->events = st.events;
	store_close(s);
}

int
main(void)
{
	char stream[PATH_MAX], dir[PATH_MAX];
	static struct verify_set vs;
	struct bench_limit lim = { 0, 0, 0 };
	struct import_result ir;
	struct verify_result vr;
	struct buf in = BUF_INIT;
	int status;

	char *base = bench_dir("import");
	bench_intro(base);
	fflush(stdout);

	bench_path_join(stream, sizeof(stream), base, "stream.bin");
	double t0 = bench_now();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", NAME, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		make_stream(base, stream);
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		fprintf(stderr, "%s: making the foreign events failed\n", NAME);
		return 1;
	}
	printf("          made in %.2f s (child process)\n\n", bench_now() - t0);
	fflush(stdout);
	read_file(stream, &in);
	double stream_mib = (double)in.len / (1 << 20);

	/* The limit runs surround both figures: before, between, after. */
	verify_set_init(&vs);
	verify_runs(&vs, &lim, VERIFY_ROUNDS);
	double open_rate = open_only_rate(&in, OPEN_ONLY_EVENTS);
	bench_path_join(dir, sizeof(dir), base, "imported");
	bench_import(dir, &in, &ir);
	buf_release(&in);
	verify_runs(&vs, &lim, VERIFY_ROUNDS);
	bench_verify(dir, &vr);
	verify_runs(&vs, &lim, VERIFY_ROUNDS);
	key_free(vs.k);

	double n = (double)ir.n, rate = n / ir.secs;
	printf("[3] import: %zu foreign events (%zu new) with store_import, checks on %ld cores, batches of %d, one durable commit each\n",
	       ir.n, ir.added, sysconf(_SC_NPROCESSORS_ONLN), IMPORT_BATCH);
	printf("    gridcase  store_import         %9.0f events/s  (%.3f s, %.1f us/event; cpu %.3f s)\n",
	       rate, ir.secs, 1e6 * ir.secs / n, ir.cpu);
	printf("              seal_open alone over %d envelopes, no store work between: %.1f us/event\n",
	       OPEN_ONLY_EVENTS, 1e6 / open_rate);
	printf("    limit     key_verify, 53 bytes %9.0f verifies/s (%.1f us/verify; best of %d runs of %d, before, between and after [3] and [4]; slowest run %.0f/s)\n",
	       lim.best, 1e6 / lim.best, lim.runs, VERIFY_COUNT, lim.worst);
	bench_ratio(rate, lim.best, GOAL);
	printf("    store     %llu events, %llu cases; data.mdb %.1f MiB = %.0f bytes/event (envelope mean %.0f)\n",
	       (unsigned long long)ir.st.events,
	       (unsigned long long)ir.st.cases, ir.disk / (1 << 20),
	       ir.disk / (double)ir.st.events, stream_mib * (1 << 20) / n);
	printf("    written   %.1f MiB by the commits = %.0f bytes/event\n",
	       ir.wrote / (1 << 20), ir.wrote / n);

	rate = (double)vr.events / vr.secs;
	printf("\n[4] verify: store_verify over %llu events (%llu problems; page cache warm)\n",
	       (unsigned long long)vr.events, (unsigned long long)vr.problems);
	printf("    gridcase  store_verify         %9.0f events/s  (%.3f s, %.1f us/event; cpu %.3f s)\n",
	       rate, vr.secs, 1e6 * vr.secs / (double)vr.events, vr.cpu);
	printf("    limit     key_verify, 53 bytes %9.0f verifies/s (as for [3])\n",
	       lim.best);
	bench_ratio(rate, lim.best, 0);

	printf("\npeak RSS %.1f MiB (ru_maxrss; includes the %.1f MiB stream read into memory and the store pages mapped by LMDB)\n",
	       bench_peak_rss_mib(), stream_mib);
	printf("load average %.2f at the end\n", bench_load_average());
	bench_rm_tree(base);
	free(base);
	if (vr.problems) {
		fprintf(stderr, "%s: the imported store does not verify\n",
			NAME);
		return 1;
	}
	return 0;
}

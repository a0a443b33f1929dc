/*
 * append_bench.c - how fast a node writes its own events.
 *
 *   [1] 100,000 events appended in batches of 1,000 (store_batch_begin,
 *       store_batch_append x 1,000, store_batch_commit: one durable commit
 *       per batch), beside the rate at which this machine signs a 53-byte
 *       message with key_sign().  Every event costs one signature, so the
 *       signing rate is the ceiling; the goal is a ratio of at least 0.7.
 *       For reference it also times a bare LMDB environment storing one
 *       record of the same size per event in the same batches.
 *   [2] events appended with one durable commit each (store_append),
 *       beside the rate of durable single-record commits of a bare LMDB
 *       environment on the same filesystem: there the fsyncs are the
 *       ceiling.
 *
 * It also prints the bytes on disk and the bytes written per event, and
 * the peak RSS.  Figures are printed, never asserted: the exit status
 * says only whether the benchmark ran.
 *
 * The stores are made in a fresh directory under $GRIDCASE_BENCH_DIR
 * (default build/bench; it must be on a real disk for durable commits to
 * mean anything; the filesystem is printed) and removed afterwards.
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
#include "store/store.h"
#include "common/banned.h"

#define NAME "append_bench"

#define BATCH_EVENTS 100000
#define BATCH_SIZE 10000
#define DURABLE_EVENTS 2000
#define DURABLE_ROUNDS 4
#define SIGN_ROUNDS 3
#define SIGN_COUNT 20000
#define GOAL 0.7

/*
 * The signing ceiling: key_sign() on the message seal_sign() signs, the
 * 21-byte tag and a 32-byte id, in a tight loop; `runs` runs of
 * SIGN_COUNT signatures each.
 */
static void
sign_runs(const struct key *k, struct bench_limit *l, int runs)
{
	uint8_t msg[53], sig[KEY_SIG_BYTES] = { 0 };

	memcpy(msg, "gridcase/event-sig/v1", 21);
	memset(msg + 21, 0x5a, 32);
	for (int r = 0; r < runs; r++) {
		double t0 = bench_now();
		for (int i = 0; i < SIGN_COUNT; i++) {
			/* A new id each time, as in real use. */
			msg[21 + i % 32] ^= sig[i % KEY_SIG_BYTES];
			key_sign(k, msg, sizeof(msg), sig);
		}
		bench_limit_add(l, SIGN_COUNT / (bench_now() - t0));
	}
}

static int
add_len(const uint8_t *env, size_t n, void *ctx)
{
	(void)env;
	*(size_t *)ctx += n;
	return 0;
}

static void
make_dir(const char *base, const char *name, char *out, size_t n)
{
	bench_path_join(out, n, base, name);
	if (mkdir(out, 0700) != 0) {
		fprintf(stderr, "%s: cannot create '%s': %s\n", NAME, out,
			strerror(errno));
		exit(1);
	}
}

/*
 * A bare LMDB environment with default (synchronous) flags, holding
 * records keyed by random 32-byte strings, like event ids.  It measures
 * the machine (disk, filesystem, LMDB itself), not gridcase, which is why
 * bench/ calls LMDB directly here and nowhere else: for the durable-commit
 * limit of [2], and for the storage reference printed with [1].
 */
struct raw_env {
	MDB_env *env;
	MDB_dbi dbi;
	uint64_t rng;
	size_t vlen;
	double written; /* bytes passed to write(2) by the commits */
};

static void
raw_open(struct raw_env *r, const char *dir, size_t vlen)
{
	MDB_txn *txn;
	int rc;

	r->rng = 42;
	r->vlen = vlen;
	r->written = 0;
	if ((rc = mdb_env_create(&r->env)) ||
	    (rc = mdb_env_set_mapsize(r->env, (size_t)1 << 30)) ||
	    (rc = mdb_env_open(r->env, dir, 0, 0600)) ||
	    (rc = mdb_txn_begin(r->env, NULL, 0, &txn)) ||
	    (rc = mdb_dbi_open(txn, NULL, 0, &r->dbi)) ||
	    (rc = mdb_txn_commit(txn))) {
		fprintf(stderr, "%s: raw LMDB: %s\n", NAME, mdb_strerror(rc));
		exit(1);
	}
}

/*
 * Puts n records of r->vlen bytes, per_txn to a transaction, each
 * transaction committed (durably); returns the seconds taken.
 */
static double
raw_put(struct raw_env *r, size_t n, size_t per_txn)
{
	static uint8_t val[ENVELOPE_MAX_BYTES];
	uint8_t key[32];
	MDB_txn *txn = NULL;
	int rc = 0;

	for (size_t i = 0; i < r->vlen; i++)
		val[i] = (uint8_t)bench_rnd(&r->rng);
	double t0 = bench_now(), w0 = bench_written_bytes();
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val k = { sizeof(key), key }, v = { r->vlen, val };
		for (int j = 0; j < 4; j++) {
			uint64_t x = bench_rnd(&r->rng);
			memcpy(key + 8 * j, &x, 8);
		}
		if (!txn && (rc = mdb_txn_begin(r->env, NULL, 0, &txn)))
			break;
		if ((rc = mdb_put(txn, r->dbi, &k, &v, 0)))
			break;
		if ((i + 1) % per_txn == 0 || i + 1 == n) {
			rc = mdb_txn_commit(txn);
			txn = NULL;
		}
	}
	if (rc) {
		if (txn)
			mdb_txn_abort(txn);
		fprintf(stderr, "%s: raw LMDB: %s\n", NAME, mdb_strerror(rc));
		exit(1);
	}
	double secs = bench_now() - t0;
	r->written += bench_written_bytes() - w0;
	return secs;
}

/*
 * [1], with the signing limit measured just before and just after.  Then,
 * for reference, the same number of records of the mean envelope size put
 * into a bare LMDB environment in the same batches: what storing one
 * record per event costs at the least.  Returns the mean envelope size.
 */
static size_t
bench_batched(const char *base, const struct workload *w, const struct key *k)
{
	char dir[PATH_MAX], raw_dir[PATH_MAX];
	struct store *s;
	struct store_stats st;
	struct raw_env raw;
	struct bench_limit lim = { 0, 0, 0 };
	struct diag d = { "" };
	double t_commit = 0;
	size_t env_bytes = 0;
	int rc;

	make_dir(base, "batched", dir, sizeof(dir));
	if ((rc = store_create(dir, NETWORK, NULL, &d)) ||
	    (rc = store_open(dir, NULL, &s, &d)))
		bench_fail("cannot make the store", rc, &d);

	sign_runs(k, &lim, SIGN_ROUNDS);
	double c0 = bench_cpu(), t0 = bench_now(), w0 = bench_written_bytes();
	for (size_t i = 0; i < w->n;) {
		struct store_batch *b;
		if ((rc = store_batch_begin(s, &b)))
			bench_fail("store_batch_begin", rc, NULL);
		for (size_t j = 0; j < BATCH_SIZE && i < w->n; j++, i++) {
			struct append_req req;
			workload_req(w, i, &req);
			if ((rc = store_batch_append(b, k, &req, NULL, &d)))
				bench_fail("store_batch_append", rc, &d);
		}
		double tc = bench_now();
		if ((rc = store_batch_commit(b, &d)))
			bench_fail("store_batch_commit", rc, &d);
		t_commit += bench_now() - tc;
	}
	double secs = bench_now() - t0, cpu = bench_cpu() - c0;
	double wrote = bench_written_bytes() - w0;
	double rate = (double)w->n / secs;
	sign_runs(k, &lim, SIGN_ROUNDS);

	if ((rc = store_stats(s, &st)))
		bench_fail("store_stats", rc, NULL);
	if ((rc = store_walk_all(s, add_len, &env_bytes)))
		bench_fail("store_walk_all", rc, NULL);
	store_close(s);
	double disk = bench_file_bytes(dir);
	size_t env_mean = env_bytes / (st.events ? st.events : 1);

	make_dir(base, "raw-batched", raw_dir, sizeof(raw_dir));
	raw_open(&raw, raw_dir, env_mean);
	double raw_secs = raw_put(&raw, w->n, BATCH_SIZE);
	mdb_env_close(raw.env);
	double raw_us = 1e6 * raw_secs / (double)w->n;

	printf("[1] batched append: %zu events, batches of %d, one durable commit each\n",
	       w->n, BATCH_SIZE);
	printf("    gridcase  store_batch_append   %9.0f events/s  (%.3f s, %.1f us/event; commits %.3f s; cpu %.3f s)\n",
	       rate, secs, 1e6 * secs / (double)w->n, t_commit, cpu);
	printf("    limit     key_sign, 53 bytes   %9.0f signs/s   (%.1f us/sign; best of %d runs of %d, half before and half after; slowest run %.0f/s)\n",
	       lim.best, 1e6 / lim.best, lim.runs, SIGN_COUNT, lim.worst);
	bench_ratio(rate, lim.best, GOAL);
	printf("    store     %llu events, %llu cases; data.mdb %.1f MiB = %.0f bytes/event (envelope mean %zu)\n",
	       (unsigned long long)st.events, (unsigned long long)st.cases,
	       disk / (1 << 20), disk / (double)st.events, env_mean);
	printf("    written   %.1f MiB by the commits = %.0f bytes/event\n",
	       wrote / (1 << 20), wrote / (double)w->n);
	printf("    reference bare LMDB, one %zu-byte record per event, same batches: %.1f us/record, %.0f bytes written/record;\n",
	       env_mean, raw_us, raw.written / (double)w->n);
	printf("              signing plus that record: %.0f events/s, ratio %.2f to the limit\n",
	       1e6 / (1e6 / lim.best + raw_us),
	       (1e6 / (1e6 / lim.best + raw_us)) / lim.best);
	return env_mean;
}

/*
 * [2]: store_append() and the bare LMDB commits (one record each) take
 * turns, DURABLE_ROUNDS rounds each, so that a drift in the disk's speed
 * affects both alike.
 */
static void
bench_durable(const char *base, const struct workload *w, const struct key *k,
	      size_t env_mean)
{
	char dir[PATH_MAX], raw_dir[PATH_MAX];
	struct raw_env raw;
	struct store *s;
	struct diag d = { "" };
	size_t per_round = DURABLE_EVENTS / DURABLE_ROUNDS, done = 0;
	double t_raw = 0, t_gc = 0, cpu_gc = 0, wrote = 0;
	int rc;

	make_dir(base, "durable", dir, sizeof(dir));
	make_dir(base, "raw-durable", raw_dir, sizeof(raw_dir));
	if ((rc = store_create(dir, NETWORK, NULL, &d)) ||
	    (rc = store_open(dir, NULL, &s, &d)))
		bench_fail("cannot make the store", rc, &d);
	raw_open(&raw, raw_dir, env_mean);

	for (int r = 0; r < DURABLE_ROUNDS; r++) {
		t_raw += raw_put(&raw, per_round, 1);
		double c0 = bench_cpu(), t0 = bench_now(), w0 = bench_written_bytes();
		for (size_t i = 0; i < per_round; i++, done++) {
			struct append_req req;
			workload_req(w, done, &req);
			if ((rc = store_append(s, k, &req, NULL, &d)))
				bench_fail("store_append", rc, &d);
		}
		t_gc += bench_now() - t0;
		cpu_gc += bench_cpu() - c0;
		wrote += bench_written_bytes() - w0;
	}
	store_close(s);
	mdb_env_close(raw.env);

	double rate = (double)done / t_gc, limit = (double)done / t_raw;
	printf("[2] durable append: %zu events, one durable commit each (%d rounds, alternating with the bare commits)\n",
	       done, DURABLE_ROUNDS);
	printf("    gridcase  store_append         %9.0f events/s  (%.3f s, %.2f ms/event; cpu %.3f s)\n",
	       rate, t_gc, 1e3 * t_gc / (double)done, cpu_gc);
	printf("    limit     bare LMDB commit     %9.0f commits/s (%.3f s, %.2f ms/commit; one %zu-byte record each)\n",
	       limit, t_raw, 1e3 * t_raw / (double)done, env_mean);
	bench_ratio(rate, limit, 0);
	printf("    written   %.0f bytes/event by store_append; %.0f bytes/commit by the bare commits\n",
	       wrote / (double)done, raw.written / (double)done);
}

int
main(void)
{
	struct workload w;

	char *base = bench_dir("append");
	bench_intro(base);

	double t0 = bench_now();
	workload_init(&w, BATCH_EVENTS, 1);
	printf("workload: %zu events over %zu cases, bodies %zu-%zu bytes (mean %.0f), %.1f MiB, made in %.2f s\n\n",
	       w.n, w.ncases, w.body_min, w.body_max,
	       (double)w.bodies.len / (double)w.n,
	       (double)w.bodies.len / (1 << 20), bench_now() - t0);
	fflush(stdout);

	struct key *k = bench_key(0xa1), *k2 = bench_key(0xa2);
	size_t env_mean = bench_batched(base, &w, k);
	printf("\n");
	fflush(stdout);
	bench_durable(base, &w, k2, env_mean);

	printf("\npeak RSS %.1f MiB (ru_maxrss; includes the %.1f MiB workload and the store pages mapped by LMDB)\n",
	       bench_peak_rss_mib(), (double)w.bodies.len / (1 << 20));
	printf("load average %.2f at the end\n", bench_load_average());
	key_free(k);
	key_free(k2);
	workload_release(&w);
	bench_rm_tree(base);
	free(base);
	return 0;
}

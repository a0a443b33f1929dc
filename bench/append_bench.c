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
 * Usage: append_bench [DIR].  The stores are made in a fresh directory
 * under DIR (default $TMPDIR, else /tmp) and removed afterwards.  DIR must
 * be on a real disk for [2] to mean anything; the filesystem is printed.
 *
 * Each benchmark is one source file (the Makefile builds
 * build/bench/<name> from bench/<name>.c alone), so the workload
 * generator below is repeated in import_bench.c; keep the two identical.
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

/* ---- common to the benchmarks (repeated in import_bench.c) ---- */

#define NETWORK "bench-district"
#define EVENTS_PER_CASE 10 /* 100,000 events over 10,000 cases */
#define CASE_ID_BYTES 18           /* "YYYYMMDD-" + 8 characters + NUL */
#define START_MS 1793491200000ULL  /* 2026-11-01T00:00:00Z */

static void
fail(const char *what, int rc, const struct diag *d)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", NAME, what, err_str(rc),
		d && d->text[0] ? ": " : "", d ? d->text : "");
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User plus system CPU time of this process, in seconds. */
static double
cpu_s(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* splitmix64: a fixed seed makes every run write the same events. */
static uint64_t
rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#define PICK(st, arr) ((arr)[rnd(st) % (sizeof(arr) / sizeof((arr)[0]))])

static const char *const districts[] = {
	"浦东新区", "黄浦区", "静安区", "徐汇区", "长宁区", "普陀区",
	"虹口区",   "杨浦区",
};
static const char *const roads[] = {
	"张江路",   "世纪大道", "南京西路", "淮海中路", "延安东路",
	"长寿路",   "四平路",   "龙华中路", "陆家嘴环路", "漕溪北路",
};
static const char *const landmarks[] = {
	"东侧人行道",   "公交站台旁", "小区北门", "地铁站2号口",
	"十字路口西南角", "绿化带内",   "沿街商铺门前",
};
static const char *const phrases[] = {
	"井盖破损，存在安全隐患。",
	"路面有积水，行人绕行。",
	"垃圾堆放未清运，气味明显。",
	"路灯夜间不亮。",
	"共享单车乱停放，占用盲道。",
	"广告牌松动，大风天气有坠落风险。",
	"施工围挡倒伏。",
	"居民来电反映噪声扰民。",
	"现场核实情况属实，已拍照留存。",
	"网格员巡查发现。",
	"Cover cracked next to the bus stop; cones placed. ",
	"Reported again by a neighbour this morning. ",
};
static const char *const classes[] = {
	"01001", "01013", "01024", "02001", "02014",
	"03005", "04002", "05011", "06003", "07008",
};
static const char *const kinds[] = { "component", "event" };
static const char *const sources[] = { "hotline", "media", "referral",
				       "supervisor", "video" };
/* The n-th event of a case has type steps[min(n, last)]. */
static const char *const steps[] = { "report", "dispatch", "accept",
				     "handle", "check", "close", "note" };
#define NSTEPS (sizeof(steps) / sizeof(steps[0]))

/* One event to write: its body is bodies[off, off+len). */
struct item {
	size_t off, len;
	uint32_t kase;
	uint32_t step;
	uint64_t now_ms;
};

struct workload {
	size_t n, ncases;
	struct item *items;
	char (*cases)[CASE_ID_BYTES];
	struct buf bodies;
	size_t body_min, body_max;
};

/* A case report body: the keys in ascending byte order (canonical). */
static void
make_body(uint64_t *st, struct buf *b)
{
	char where[160], desc[320], grid[16];
	size_t target = 50 + rnd(st) % 150, n = 0;

	snprintf(where, sizeof(where), "%s%s%u号%s", PICK(st, districts),
		 PICK(st, roads), (unsigned)(1 + rnd(st) % 2000),
		 PICK(st, landmarks));
	desc[0] = '\0';
	while (n < target) {
		const char *p = PICK(st, phrases);
		size_t l = strlen(p);
		if (n + l >= sizeof(desc))
			break;
		memcpy(desc + n, p, l + 1);
		n += l;
	}
	snprintf(grid, sizeof(grid), "310115%03u%03u%03u",
		 (unsigned)(rnd(st) % 40), (unsigned)(rnd(st) % 30),
		 (unsigned)(rnd(st) % 200));
	mp_put_map(b, 7);
	mp_put_cstr(b, "class");
	mp_put_cstr(b, PICK(st, classes));
	mp_put_cstr(b, "desc");
	mp_put_cstr(b, desc);
	mp_put_cstr(b, "grid");
	mp_put_cstr(b, grid);
	mp_put_cstr(b, "kind");
	mp_put_cstr(b, PICK(st, kinds));
	mp_put_cstr(b, "source");
	mp_put_cstr(b, PICK(st, sources));
	mp_put_cstr(b, "standard");
	mp_put_cstr(b, "GB/T 47678.5-2026");
	mp_put_cstr(b, "where");
	mp_put_cstr(b, where);
}

/*
 * n events over n/10 cases, each event in a case drawn at random, so that
 * every append reads and moves that case's heads.  Deterministic in seed.
 */
static void
workload_init(struct workload *w, size_t n, uint64_t seed)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	uint64_t st = seed, t = START_MS;
	uint32_t *count;

	memset(w, 0, sizeof(*w));
	w->n = n;
	w->ncases = n / EVENTS_PER_CASE ? n / EVENTS_PER_CASE : 1;
	w->items = xcalloc(n, sizeof(*w->items));
	w->cases = xcalloc(w->ncases, sizeof(*w->cases));
	count = xcalloc(w->ncases, sizeof(*count));
	for (size_t c = 0; c < w->ncases; c++) {
		snprintf(w->cases[c], CASE_ID_BYTES, "202611%02u-",
			 (unsigned)(1 + rnd(&st) % 28));
		for (int i = 0; i < 8; i++)
			w->cases[c][9 + i] = alphabet[rnd(&st) & 31];
		w->cases[c][17] = '\0';
	}
	w->body_min = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		struct item *it = &w->items[i];
		it->kase = (uint32_t)(rnd(&st) % w->ncases);
		it->step = count[it->kase] < NSTEPS - 1 ? count[it->kase]
							 : NSTEPS - 1;
		count[it->kase]++;
		t += 1000 + rnd(&st) % 60000;
		it->now_ms = t;
		it->off = w->bodies.len;
		make_body(&st, &w->bodies);
		it->len = w->bodies.len - it->off;
		if (it->len < w->body_min)
			w->body_min = it->len;
		if (it->len > w->body_max)
			w->body_max = it->len;
	}
	free(count);
}

static void
workload_release(struct workload *w)
{
	free(w->items);
	free(w->cases);
	buf_release(&w->bodies);
}

static void
workload_req(const struct workload *w, size_t i, struct append_req *req)
{
	const struct item *it = &w->items[i];
	memset(req, 0, sizeof(*req));
	req->case_id = w->cases[it->kase];
	req->type = steps[it->step];
	req->body = w->bodies.data + it->off;
	req->body_len = it->len;
	req->now_ms = it->now_ms;
}

static struct key *
bench_key(uint8_t fill)
{
	uint8_t seed[KEY_SEED_BYTES];
	memset(seed, fill, sizeof(seed));
	return key_from_seed(seed);
}

/*
 * Names the filesystem that holds path: the longest mount point in
 * /proc/self/mounts that is a prefix of its real path.  Sets *in_memory
 * for tmpfs and ramfs, where "durable" commits never reach a disk.
 */
static void
fs_describe(const char *path, char *out, size_t outn, int *in_memory)
{
	char real[PATH_MAX], dev[256], mnt[PATH_MAX], type[64];
	size_t best = 0;
	FILE *f;

	snprintf(out, outn, "unknown filesystem");
	*in_memory = 0;
	if (!realpath(path, real) || !(f = fopen("/proc/self/mounts", "r")))
		return;
	while (fscanf(f, "%255s %4095s %63s %*[^\n]\n", dev, mnt, type) == 3) {
		size_t l = strlen(mnt);
		if (strncmp(real, mnt, l) != 0 ||
		    (l > 1 && real[l] != '/' && real[l] != '\0') || l < best)
			continue;
		best = l;
		snprintf(out, outn, "%s on %s, mounted at %s", type, dev, mnt);
		*in_memory = strcmp(type, "tmpfs") == 0 ||
			     strcmp(type, "ramfs") == 0;
	}
	fclose(f);
}

/* out = a/b; a path too long for out is a fatal error. */
static void
path_join(char *out, size_t n, const char *a, const char *b)
{
	int l = snprintf(out, n, "%s/%s", a, b);
	if (l < 0 || (size_t)l >= n) {
		fprintf(stderr, "%s: path too long: '%s/%s'\n", NAME, a, b);
		exit(1);
	}
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void
rm_tree(const char *dir)
{
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "%s: cannot remove '%s': %s\n", NAME, dir,
			strerror(errno));
}

/* Size of dir/data.mdb in bytes. */
static double
store_file_bytes(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	path_join(path, sizeof(path), dir, "data.mdb");
	return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/*
 * Bytes this process has passed to write(2) and its kind so far (wchar of
 * /proc/self/io): for a store, the pages LMDB writes at each commit.
 * 0 where the kernel does not keep the count.
 */
static double
written_bytes(void)
{
	unsigned long long v = 0;
	char line[128];
	FILE *f = fopen("/proc/self/io", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "wchar: %llu", &v) == 1)
			break;
	fclose(f);
	return (double)v;
}

/* The 1-minute load average, to tell a busy machine from a slow one. */
static double
load_average(void)
{
	double l = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &l) != 1)
			l = -1;
		fclose(f);
	}
	return l;
}

static double
peak_rss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
}

/*
 * A limit is measured in several short runs, some before and some after
 * the figure it stands beside; the best run is the limit, the worst shows
 * how much the machine's speed moved meanwhile.
 */
struct limit {
	double best, worst;
	int runs;
};

static void
limit_add(struct limit *l, double rate)
{
	if (l->runs == 0 || rate > l->best)
		l->best = rate;
	if (l->runs == 0 || rate < l->worst)
		l->worst = rate;
	l->runs++;
}

static void
print_ratio(double figure, double limit, double goal)
{
	double r = figure / limit;
	if (goal <= 0)
		printf("    ratio     %.2f\n", r);
	else if (r >= goal)
		printf("    ratio     %.2f   goal >= %.2f: met\n", r, goal);
	else
		printf("    ratio     %.2f   goal >= %.2f: missed by %.2f\n", r,
		       goal, goal - r);
}

/* ---- this benchmark ---- */

/*
 * The signing ceiling: key_sign() on the message seal_sign() signs, the
 * 21-byte tag and a 32-byte id, in a tight loop; `runs` runs of
 * SIGN_COUNT signatures each.
 */
static void
sign_runs(const struct key *k, struct limit *l, int runs)
{
	uint8_t msg[53], sig[KEY_SIG_BYTES] = { 0 };

	memcpy(msg, "gridcase/event-sig/v1", 21);
	memset(msg + 21, 0x5a, 32);
	for (int r = 0; r < runs; r++) {
		double t0 = now_s();
		for (int i = 0; i < SIGN_COUNT; i++) {
			/* A new id each time, as in real use. */
			msg[21 + i % 32] ^= sig[i % KEY_SIG_BYTES];
			key_sign(k, msg, sizeof(msg), sig);
		}
		limit_add(l, SIGN_COUNT / (now_s() - t0));
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
	path_join(out, n, base, name);
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
		val[i] = (uint8_t)rnd(&r->rng);
	double t0 = now_s(), w0 = written_bytes();
	for (size_t i = 0; i < n && rc == 0; i++) {
		MDB_val k = { sizeof(key), key }, v = { r->vlen, val };
		for (int j = 0; j < 4; j++) {
			uint64_t x = rnd(&r->rng);
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
	double secs = now_s() - t0;
	r->written += written_bytes() - w0;
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
	struct limit lim = { 0, 0, 0 };
	struct diag d = { "" };
	double t_commit = 0;
	size_t env_bytes = 0;
	int rc;

	make_dir(base, "batched", dir, sizeof(dir));
	if ((rc = store_create(dir, NETWORK, NULL, &d)) ||
	    (rc = store_open(dir, NULL, &s, &d)))
		fail("cannot make the store", rc, &d);

	sign_runs(k, &lim, SIGN_ROUNDS);
	double c0 = cpu_s(), t0 = now_s(), w0 = written_bytes();
	for (size_t i = 0; i < w->n;) {
		struct store_batch *b;
		if ((rc = store_batch_begin(s, &b)))
			fail("store_batch_begin", rc, NULL);
		for (size_t j = 0; j < BATCH_SIZE && i < w->n; j++, i++) {
			struct append_req req;
			workload_req(w, i, &req);
			if ((rc = store_batch_append(b, k, &req, NULL, &d)))
				fail("store_batch_append", rc, &d);
		}
		double tc = now_s();
		if ((rc = store_batch_commit(b, &d)))
			fail("store_batch_commit", rc, &d);
		t_commit += now_s() - tc;
	}
	double secs = now_s() - t0, cpu = cpu_s() - c0;
	double wrote = written_bytes() - w0;
	double rate = (double)w->n / secs;
	sign_runs(k, &lim, SIGN_ROUNDS);

	if ((rc = store_stats(s, &st)))
		fail("store_stats", rc, NULL);
	if ((rc = store_walk_all(s, add_len, &env_bytes)))
		fail("store_walk_all", rc, NULL);
	store_close(s);
	double disk = store_file_bytes(dir);
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
	print_ratio(rate, lim.best, GOAL);
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
		fail("cannot make the store", rc, &d);
	raw_open(&raw, raw_dir, env_mean);

	for (int r = 0; r < DURABLE_ROUNDS; r++) {
		t_raw += raw_put(&raw, per_round, 1);
		double c0 = cpu_s(), t0 = now_s(), w0 = written_bytes();
		for (size_t i = 0; i < per_round; i++, done++) {
			struct append_req req;
			workload_req(w, done, &req);
			if ((rc = store_append(s, k, &req, NULL, &d)))
				fail("store_append", rc, &d);
		}
		t_gc += now_s() - t0;
		cpu_gc += cpu_s() - c0;
		wrote += written_bytes() - w0;
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
	print_ratio(rate, limit, 0);
	printf("    written   %.0f bytes/event by store_append; %.0f bytes/commit by the bare commits\n",
	       wrote / (double)done, raw.written / (double)done);
}

int
main(int argc, char **argv)
{
	const char *parent = argc > 1 ? argv[1] : getenv("TMPDIR");
	char base[PATH_MAX], fs[PATH_MAX + 400];
	struct workload w;
	int in_memory;

	if (!parent || !*parent)
		parent = "/tmp";
	path_join(base, sizeof(base), parent, "gridcase-bench.XXXXXX");
	if (!mkdtemp(base)) {
		fprintf(stderr, "%s: cannot make a directory in '%s': %s\n",
			NAME, parent, strerror(errno));
		return 1;
	}
	fs_describe(base, fs, sizeof(fs), &in_memory);
	printf("%s: stores in %s (%s)\n", NAME, base, fs);
	printf("machine: %ld cores online, load average %.2f at the start\n",
	       sysconf(_SC_NPROCESSORS_ONLN), load_average());
	if (in_memory)
		printf("%s: warning: this filesystem is in memory: durable commits never reach a disk, so [2] means little\n",
		       NAME);

	double t0 = now_s();
	workload_init(&w, BATCH_EVENTS, 1);
	printf("workload: %zu events over %zu cases, bodies %zu-%zu bytes (mean %.0f), %.1f MiB, made in %.2f s\n\n",
	       w.n, w.ncases, w.body_min, w.body_max,
	       (double)w.bodies.len / (double)w.n,
	       (double)w.bodies.len / (1 << 20), now_s() - t0);
	fflush(stdout);

	struct key *k = bench_key(0xa1), *k2 = bench_key(0xa2);
	size_t env_mean = bench_batched(base, &w, k);
	printf("\n");
	fflush(stdout);
	bench_durable(base, &w, k2, env_mean);

	printf("\npeak RSS %.1f MiB (ru_maxrss; includes the %.1f MiB workload and the store pages mapped by LMDB)\n",
	       peak_rss_mib(), (double)w.bodies.len / (1 << 20));
	printf("load average %.2f at the end\n", load_average());
	key_free(k);
	key_free(k2);
	workload_release(&w);
	rm_tree(base);
	return 0;
}

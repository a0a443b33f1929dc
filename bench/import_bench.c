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
 * Usage: import_bench [DIR].  The stores are made in a fresh directory
 * under DIR (default $TMPDIR, else /tmp) and removed afterwards.
 *
 * Each benchmark is one source file (the Makefile builds
 * build/bench/<name> from bench/<name>.c alone), so the workload
 * generator below is repeated in append_bench.c; keep the two identical.
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

/* ---- common to the benchmarks (repeated in append_bench.c) ---- */

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
			v->msg[i][j] = (uint8_t)rnd(&st);
		key_sign(v->k, v->msg[i], 53, v->sig[i]);
	}
}

/*
 * The verification ceiling: key_verify() over the set in turn, `runs`
 * runs of VERIFY_COUNT verifications each.
 */
static void
verify_runs(const struct verify_set *v, struct limit *l, int runs)
{
	const uint8_t *pub = key_public(v->k);
	for (int r = 0; r < runs; r++) {
		int ok = 0;
		double t0 = now_s();
		for (int i = 0; i < VERIFY_COUNT; i++)
			ok += key_verify(pub, v->msg[i % VERIFY_MSGS], 53,
					 v->sig[i % VERIFY_MSGS]);
		limit_add(l, VERIFY_COUNT / (now_s() - t0));
		if (ok != VERIFY_COUNT)
			fail("key_verify refused a good signature", ERR_BADSIG,
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

	path_join(dir, sizeof(dir), base, "source");
	workload_init(&w, IMPORT_EVENTS, 2);
	struct key *k = bench_key(0xb1);
	if ((rc = store_create(dir, NETWORK, &opt, &d)) ||
	    (rc = store_open(dir, &opt, &s, &d)))
		fail("cannot make the source store", rc, &d);
	for (size_t i = 0; i < w.n;) {
		struct store_batch *b;
		if ((rc = store_batch_begin(s, &b)))
			fail("store_batch_begin", rc, NULL);
		for (size_t j = 0; j < BATCH_SIZE && i < w.n; j++, i++) {
			struct append_req req;
			workload_req(&w, i, &req);
			if ((rc = store_batch_append(b, k, &req, NULL, &d)))
				fail("store_batch_append", rc, &d);
		}
		if ((rc = store_batch_commit(b, &d)))
			fail("store_batch_commit", rc, &d);
	}
	if ((rc = store_walk_all(s, add_env, &out)))
		fail("store_walk_all", rc, NULL);
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
		fail("short read of the stream", ERR_IO, NULL);
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
	double t0 = now_s();
	for (; i < n && off < in->len; i++) {
		struct envelope env;
		struct event ev;
		struct diag d = { "" };
		size_t used;
		int rc = seal_open(in->data + off, in->len - off, NETWORK, &env,
				   &ev, &used, &d);
		if (rc)
			fail("seal_open", rc, &d);
		off += used;
	}
	return (double)i / (now_s() - t0);
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
		fail("cannot make the store", rc, &d);
	double c0 = cpu_s(), t0 = now_s(), w0 = written_bytes();
	if ((rc = store_import(s, in->data, in->len, IMPORT_BATCH, ignore_reject,
			       NULL, &t, &d)))
		fail("store_import", rc, &d);
	r->secs = now_s() - t0;
	r->cpu = cpu_s() - c0;
	r->wrote = written_bytes() - w0;
	r->n = t.seen;
	r->added = t.added;
	if ((rc = store_stats(s, &r->st)))
		fail("store_stats", rc, NULL);
	store_close(s);
	r->disk = store_file_bytes(dir);
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
		fail("cannot open the store", rc, &d);
	if ((rc = store_stats(s, &st)))
		fail("store_stats", rc, NULL);
	double c0 = cpu_s(), t0 = now_s();
	if ((rc = store_verify(s, count_problem, &seen, &r->problems)))
		fail("store_verify", rc, NULL);
	r->secs = now_s() - t0;
	r->cpu = cpu_s() - c0;
	r->events = st.events;
	store_close(s);
}

int
main(int argc, char **argv)
{
	const char *parent = argc > 1 ? argv[1] : getenv("TMPDIR");
	char base[PATH_MAX], fs[PATH_MAX + 400], stream[PATH_MAX],
		dir[PATH_MAX];
	static struct verify_set vs;
	struct limit lim = { 0, 0, 0 };
	struct import_result ir;
	struct verify_result vr;
	struct buf in = BUF_INIT;
	int in_memory, status;

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
		printf("%s: warning: this filesystem is in memory: durable commits never reach a disk\n",
		       NAME);
	fflush(stdout);

	path_join(stream, sizeof(stream), base, "stream.bin");
	double t0 = now_s();
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
	printf("          made in %.2f s (child process)\n\n", now_s() - t0);
	fflush(stdout);
	read_file(stream, &in);
	double stream_mib = (double)in.len / (1 << 20);

	/* The limit runs surround both figures: before, between, after. */
	verify_set_init(&vs);
	verify_runs(&vs, &lim, VERIFY_ROUNDS);
	double open_rate = open_only_rate(&in, OPEN_ONLY_EVENTS);
	path_join(dir, sizeof(dir), base, "imported");
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
	print_ratio(rate, lim.best, GOAL);
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
	print_ratio(rate, lim.best, 0);

	printf("\npeak RSS %.1f MiB (ru_maxrss; includes the %.1f MiB stream read into memory and the store pages mapped by LMDB)\n",
	       peak_rss_mib(), stream_mib);
	printf("load average %.2f at the end\n", load_average());
	rm_tree(base);
	if (vr.problems) {
		fprintf(stderr, "%s: the imported store does not verify\n",
			NAME);
		return 1;
	}
	return 0;
}

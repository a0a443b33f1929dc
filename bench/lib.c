/* lib.c - the helpers of lib.h. */
#include "bench/lib.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/admin.h"
#include "node/node.h"
#include "node/case/roster.h"
#include "store/store.h"
#include "common/banned.h"

void
bench_fail(const char *what, int rc, const struct diag *d)
{
	fprintf(stderr, "%s: %s: %s%s%s\n", program_invocation_short_name, what,
		err_str(rc), d && d->text[0] ? ": " : "", d ? d->text : "");
	exit(1);
}

double
bench_cpu(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

uint64_t
bench_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

struct key *
bench_key(uint8_t fill)
{
	uint8_t seed[KEY_SEED_BYTES];
	memset(seed, fill, sizeof(seed));
	return key_from_seed(seed);
}

struct admin_key *
bench_admin_key(const struct key *k, const char *dir)
{
	char path[PATH_MAX];
	struct admin_key *a;
	struct diag d;
	int rc;
	bench_path_join(path, sizeof(path), dir, "admin.key");
	if ((rc = key_save(k, path, &d)) || (rc = admin_key_load(path, &a, &d)))
		bench_fail("admin key", rc, &d);
	return a;
}

void
bench_limit_add(struct bench_limit *l, double rate)
{
	if (l->runs == 0 || rate > l->best)
		l->best = rate;
	if (l->runs == 0 || rate < l->worst)
		l->worst = rate;
	l->runs++;
}

double
bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_verify_rate(struct bench_limit *l, int runs)
{
	enum { COUNT = 10000, MSGS = 64 };
	struct key *k = key_generate();
	uint8_t msg[MSGS][53], sig[MSGS][64];
	for (int i = 0; i < MSGS; i++) {
		memset(msg[i], i, sizeof(msg[i]));
		key_sign(k, msg[i], sizeof(msg[i]), sig[i]);
	}
	for (int r = 0; r < runs; r++) {
		int ok = 0;
		double t0 = bench_now();
		for (int i = 0; i < COUNT; i++)
			ok += key_verify(key_public(k), msg[i % MSGS], 53, sig[i % MSGS]);
		double rate = COUNT / (bench_now() - t0);
		if (ok != COUNT) {
			fprintf(stderr, "key_verify refused a good signature\n");
			exit(1);
		}
		bench_limit_add(l, rate);
	}
	key_free(k);
}

int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double
bench_sync_latency(const char *dir, int runs)
{
	char *path = xasprintf("%s/sync-probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	double *t = xcalloc((size_t)runs, sizeof(*t));
	char page[4096];
	memset(page, 0xa5, sizeof(page));
	if (fd < 0) {
		perror(path);
		exit(1);
	}
	for (int i = 0; i < runs; i++) {
		double t0 = bench_now();
		if (pwrite(fd, page, sizeof(page), (off_t)(i % 16) * 4096) != sizeof(page) ||
		    fdatasync(fd) != 0) {
			perror(path);
			exit(1);
		}
		t[i] = bench_now() - t0;
	}
	close(fd);
	unlink(path);
	qsort(t, (size_t)runs, sizeof(*t), bench_cmp_double);
	double median = t[runs / 2];
	free(t);
	free(path);
	return median;
}

void
bench_ratio(double figure, double limit, double goal)
{
	double r = figure / limit;
	if (goal <= 0)
		printf("    ratio     %.2f\n", r);
	else if (r >= goal)
		printf("    ratio     %.2f   goal >= %.2f: met\n", r, goal);
	else
		printf("    ratio     %.2f   goal >= %.2f: missed by %.2f\n", r, goal,
		       goal - r);
}

pid_t
bench_spawn(char *const argv[], const char *log)
{
	pid_t pid = fork();
	if (pid == 0) {
		/* However the benchmark ends, its daemons end with it. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

int
bench_stop(pid_t pid)
{
	int status = 0;
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return status;
}

uint64_t
bench_status_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t n = strlen(field);
	uint64_t kb = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			kb = strtoull(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

/* Fields 10 (minflt), 14 and 15 (utime, stime) of /proc/pid/stat; 0 if
 * it cannot be read. */
static int
proc_stat(pid_t pid, unsigned long long *minflt, unsigned long long *ticks)
{
	char path[64], line[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char *got = fgets(line, sizeof(line), f);
	fclose(f);
	/* The fields after the command's ")", from the state (3) on. */
	char *p = got ? strrchr(line, ')') : NULL;
	unsigned long long mf = 0, ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %llu %*u %*u %*u %llu %llu",
			 &mf, &ut, &st) != 3)
		return 0;
	*minflt = mf;
	*ticks = ut + st;
	return 1;
}

double
bench_proc_cpu(pid_t pid)
{
	unsigned long long mf, ticks;
	if (!proc_stat(pid, &mf, &ticks))
		return 0;
	return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

uint64_t
bench_proc_faults(pid_t pid)
{
	unsigned long long mf, ticks;
	return proc_stat(pid, &mf, &ticks) ? mf : 0;
}

double
bench_fault_cost(void)
{
	const size_t bytes = 64u << 20, page = (size_t)sysconf(_SC_PAGESIZE);
	double best = 0;
	for (int round = 0; round < 3; round++) {
		volatile char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 0;
		double t0 = bench_now();
		for (size_t at = 0; at < bytes; at += page)
			p[at] = 1;
		double each = (bench_now() - t0) / (double)(bytes / page);
		munmap((void *)p, bytes);
		if (round == 0 || each < best)
			best = each;
	}
	return best;
}

uint64_t
bench_anon_kb(pid_t pid)
{
	return bench_status_kb(pid, "RssAnon");
}

/* 1 once pid runs another program than this one. */
static int
has_execd(pid_t pid)
{
	char self[4096], other[4096], path[64];
	ssize_t a = readlink("/proc/self/exe", self, sizeof(self) - 1);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t b = readlink(path, other, sizeof(other) - 1);
	if (a < 0 || b < 0)
		return 0;
	return a != b || memcmp(self, other, (size_t)a) != 0;
}

int
bench_wait_peak(pid_t pid, uint64_t *peak, bench_sample_fn each_second,
		void *ctx, struct rusage *ru)
{
	struct rusage spent;
	int status = 0;
	double next = bench_now() + 1;
	*peak = 0;
	for (;;) {
		/* Until the child has exec'd, its memory is a copy of ours. */
		uint64_t kb = has_execd(pid) ? bench_anon_kb(pid) : 0;
		if (kb > *peak)
			*peak = kb;
		if (each_second && bench_now() >= next) {
			each_second(ctx, kb);
			next += 1;
		}
		pid_t w = wait4(pid, &status, WNOHANG, &spent);
		if (w == pid && ru)
			*ru = spent;
		if (w == pid || w < 0)
			return status;
		usleep(10000);
	}
}

char *
bench_dir(const char *name)
{
	const char *parent = getenv("GRIDCASE_BENCH_DIR");
	if (!parent || !*parent) {
		mkdir("build", 0755);
		mkdir("build/bench", 0755);
		parent = "build/bench";
	}
	char *pattern = xasprintf("%s/%s.XXXXXX", parent, name);
	if (!mkdtemp(pattern)) {
		perror("mkdtemp");
		exit(1);
	}
	char *abs = realpath(pattern, NULL);
	free(pattern);
	return abs;
}

void
bench_fs_describe(const char *path, char *out, size_t outn, int *in_memory)
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
void
bench_path_join(char *out, size_t n, const char *a, const char *b)
{
	int l = snprintf(out, n, "%s/%s", a, b);
	if (l < 0 || (size_t)l >= n) {
		fprintf(stderr, "%s: path too long: '%s/%s'\n", program_invocation_short_name, a, b);
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

void
bench_intro(const char *dir)
{
	char fs[PATH_MAX + 400];
	int in_memory;
	bench_fs_describe(dir, fs, sizeof(fs), &in_memory);
	printf("%s: stores in %s (%s)\n", program_invocation_short_name, dir, fs);
	printf("machine: %ld cores online, load average %.2f at the start\n",
	       sysconf(_SC_NPROCESSORS_ONLN), bench_load_average());
	if (in_memory)
		printf("%s: warning: this filesystem is in memory: durable commits never reach a disk, so their figures mean little\n",
		       program_invocation_short_name);
	fflush(stdout);
}

void
bench_rm_tree(const char *dir)
{
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
		fprintf(stderr, "%s: cannot remove '%s': %s\n", program_invocation_short_name, dir,
			strerror(errno));
}

/* Size of dir/data.mdb in bytes. */
double
bench_file_bytes(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;
	bench_path_join(path, sizeof(path), dir, "data.mdb");
	return stat(path, &st) == 0 ? (double)st.st_size : 0;
}

/*
 * Bytes this process has passed to write(2) and its kind so far (wchar of
 * /proc/self/io): for a store, the pages LMDB writes at each commit.
 * 0 where the kernel does not keep the count.
 */
double
bench_written_bytes(void)
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
double
bench_load_average(void)
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

double
bench_peak_rss_mib(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB */
}

int
bench_port_base(void)
{
	return 10000 + (int)(getpid() % 700) * 32;
}

const char *
bench_gridcase(void)
{
	static char path[4096];
	if (!path[0] && !realpath("gridcase", path)) {
		fprintf(stderr, "no ./gridcase: run from the source tree after make\n");
		exit(1);
	}
	return path;
}

int
bench_fill(struct node *nd, const struct key *k, uint64_t n, uint64_t case_base,
	   uint64_t now_ms)
{
	struct store *s = node_store(nd);
	struct store_batch *b = NULL;
	struct buf body = BUF_INIT;
	struct diag d;
	char case_id[40], text[320];
	int rc = 0;
	memset(text, 'x', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	for (uint64_t i = 0; i < n && rc == 0; i++) {
		if (!b && (rc = store_batch_begin(s, &b)))
			break;
		uint64_t c = case_base + i / 10;
		snprintf(case_id, sizeof(case_id), "20260302-b%07llu", (unsigned long long)c);
		buf_reset(&body);
		if (i % 10 == 0) {
			mp_put_map(&body, 7);
			mp_put_cstr(&body, "class");
			mp_put_cstr(&body, "06010");
			mp_put_cstr(&body, "desc");
			mp_put_cstr(&body, "exposed garbage by the bus stop");
			mp_put_cstr(&body, "grid");
			mp_put_cstr(&body, "310104007001002");
			mp_put_cstr(&body, "kind");
			mp_put_cstr(&body, "event");
			mp_put_cstr(&body, "source");
			mp_put_cstr(&body, "supervisor");
			mp_put_cstr(&body, "standard");
			mp_put_cstr(&body, "GB/T 47678.5-2026");
			mp_put_cstr(&body, "where");
			mp_put_cstr(&body, "No. 88 Caoxi Road, by the bus stop");
		} else {
			mp_put_map(&body, 2);
			mp_put_cstr(&body, "field");
			mp_put_cstr(&body, "desc");
			mp_put_cstr(&body, "value");
			mp_put_cstr(&body, text);
		}
		struct append_req req = { case_id, i % 10 == 0 ? "report" : "amend",
					  body.data, body.len, 0, NULL, now_ms + i };
		rc = store_batch_append(b, k, &req, NULL, &d);
		if (rc == 0 && (i % 10000 == 9999 || i + 1 == n)) {
			rc = store_batch_commit(b, &d);
			b = NULL;
		}
	}
	if (rc) {
		fprintf(stderr, "fill: %s\n", d.text);
		store_batch_abort(b);
	}
	buf_release(&body);
	return rc;
}

struct copy {
	struct buf out;
};

static int
copy_one(const uint8_t *p, size_t n, void *ctx)
{
	buf_add(&((struct copy *)ctx)->out, p, n);
	return 0;
}

static void
ignore(void *ctx, uint64_t index, size_t offset, const uint8_t *id, int rc,
       const char *why)
{
	(void)ctx;
	(void)index;
	(void)offset;
	(void)id;
	(void)rc;
	fprintf(stderr, "roster copy: %s\n", why);
}

void
bench_member(struct member *m, const uint8_t key[32], const char *name,
	     const char *unit, unsigned roles, const char *addr)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->key, key, 32);
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->unit, sizeof(m->unit), "%s", unit);
	m->roles = roles;
	if (addr) {
		snprintf(m->addrs[0], sizeof(m->addrs[0]), "%s", addr);
		m->naddrs = 1;
	}
}

int
bench_share_roster(struct node *from, struct node *to)
{
	struct copy c = { BUF_INIT };
	struct import_tally t;
	struct diag d;
	int rc = store_walk_case(node_store(from), ROSTER_CASE, copy_one, &c);
	if (rc == 0)
		rc = store_import(node_store(to), c.out.data, c.out.len, 0, ignore,
				  NULL, &t, &d);
	buf_release(&c.out);
	return rc;
}

/*
 * lib.h - what the benchmarks share: clocks, this machine's limits
 * (signature checks, disk flushes), ratios, scratch directories and
 * their files, child processes and their memory, and nodes made and
 * filled through the library.
 */
#ifndef GRIDCASE_BENCH_LIB_H
#define GRIDCASE_BENCH_LIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

struct diag;
struct key;
struct node;

/* Prints "<program>: what: error: detail" and exits 1. */
void bench_fail(const char *what, int rc, const struct diag *d)
	__attribute__((noreturn));

/* Monotonic wall time, and this process's user plus system CPU time, in
 * seconds. */
double bench_now(void);
double bench_cpu(void);

/* splitmix64: a fixed seed gives the same numbers on every run. */
uint64_t bench_rnd(uint64_t *state);
/* A key whose seed is 32 bytes of `fill`: the same on every run. */
struct key *bench_key(uint8_t fill);

/*
 * A limit is measured in several short runs, some before and some after
 * the figure it stands beside; the best run is the limit, the worst shows
 * how much the machine's speed moved meanwhile.
 */
struct bench_limit {
	double best, worst;
	int runs;
};
void bench_limit_add(struct bench_limit *l, double rate);

/* For qsort() of doubles, ascending. */
int bench_cmp_double(const void *a, const void *b);

/* key_verify() on 53-byte messages, `runs` runs of 10,000, into l. */
void bench_verify_rate(struct bench_limit *l, int runs);

/*
 * The median time of writing 4 KiB to a file in dir and fdatasync()ing
 * it, over `runs` runs: this disk's floor under one durable commit (LMDB
 * makes two: the data pages, then the meta page).
 */
double bench_sync_latency(const char *dir, int runs);

/* Prints "ratio  r  goal ..." for figure / limit. */
void bench_ratio(double figure, double limit, double goal);

/* Starts argv (argv[0] a path) with stdout and stderr to log; it gets
 * SIGTERM when this process ends, however it ends. */
pid_t bench_spawn(char *const argv[], const char *log);
/* SIGTERM, then waits; returns the exit status. */
int bench_stop(pid_t pid);
/*
 * Waits for pid, sampling its anonymous memory (heap) every 10 ms;
 * writes the peak in KiB and returns the exit status.  each_second (may
 * be NULL) gets the current sample once a second.  ru (may be NULL)
 * receives what the child used: its CPU time and page faults.
 */
typedef void (*bench_sample_fn)(void *ctx, uint64_t anon_kb);
int bench_wait_peak(pid_t pid, uint64_t *peak_anon_kb,
		    bench_sample_fn each_second, void *ctx,
		    struct rusage *ru);
/* The anonymous resident memory of a process, in KiB (0 if gone). */
/* A figure in kB of /proc/PID/status ("VmRSS", "RssAnon"); 0 if gone. */
uint64_t bench_status_kb(pid_t pid, const char *field);
uint64_t bench_anon_kb(pid_t pid);
/* A running process's user plus system CPU time so far, in seconds (0 if
 * gone): what a child spent, however busy the machine. */
double bench_proc_cpu(pid_t pid);
/* Minor page faults of pid so far (each first touch of a page). */
uint64_t bench_proc_faults(pid_t pid);
/* Seconds one minor fault costs here: the first write to each page of
 * fresh anonymous memory, the best of three rounds of 64 MiB. */
double bench_fault_cost(void);

/* A scratch directory under $GRIDCASE_BENCH_DIR, else build/bench: a
 * real disk, not tmpfs.  Its absolute path. */
char *bench_dir(const char *name);
/* Prints where the stores are (the filesystem), the cores and the load,
 * and a warning when the filesystem is in memory. */
void bench_intro(const char *dir);
/* Removes dir and everything below it (a failure is only reported). */
void bench_rm_tree(const char *dir);
/* out = a/b; a path too long for out is a fatal error. */
void bench_path_join(char *out, size_t n, const char *a, const char *b);
/*
 * Names the filesystem that holds path: the longest mount point in
 * /proc/self/mounts that is a prefix of its real path.  Sets *in_memory
 * for tmpfs and ramfs, where "durable" commits never reach a disk.
 */
void bench_fs_describe(const char *path, char *out, size_t outn,
		       int *in_memory);
/* Size of dir/data.mdb in bytes. */
double bench_file_bytes(const char *dir);
/*
 * Bytes this process has passed to write(2) and its kind so far (wchar of
 * /proc/self/io): for a store, the pages LMDB writes at each commit.
 * 0 where the kernel does not keep the count.
 */
double bench_written_bytes(void);
/* The 1-minute load average, to tell a busy machine from a slow one. */
double bench_load_average(void);
/* This process's peak RSS in MiB (ru_maxrss). */
double bench_peak_rss_mib(void);

/*
 * A first TCP port for this run, below Linux's ephemeral range (32768 up),
 * where the nodes' own outgoing connections could take it first; 32 ports
 * from it are this run's.
 */
int bench_port_base(void);

/* The gridcase binary to run (./gridcase, built by `make bench`). */
const char *bench_gridcase(void);

/*
 * Appends n events by k to the node: cases of ten events (a report, then
 * amendments of about 300 bytes), the roster head among their deps, in
 * batches of 10,000.  Returns 0 or an error code.
 */
int bench_fill(struct node *nd, const struct key *k, uint64_t n,
	       uint64_t case_base, uint64_t now_ms);

/*
 * k as an admin key file in dir (admin.key), loaded: what
 * node_roster_add() signs with.  Free with admin_key_free().
 */
struct admin_key *bench_admin_key(const struct key *k, const char *dir);

struct member;

/*
 * A roster member of the two-node benches: key, name, unit, roles and,
 * when addr is not NULL, its one address.
 */
void bench_member(struct member *m, const uint8_t key[32], const char *name,
		  const char *unit, unsigned roles, const char *addr);

/* Copies the roster's events from one node into another. */
int bench_share_roster(struct node *from, struct node *to);

#endif

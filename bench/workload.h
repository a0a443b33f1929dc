/*
 * workload.h - the deterministic workload of the store benchmarks
 * (append_bench, import_bench): case reports of 186-400 bytes of body in
 * Chinese and English, spread at random over cases, so that every append
 * reads and moves its case's heads.  A fixed seed writes the same events
 * on every run.
 */
#ifndef GRIDCASE_BENCH_WORKLOAD_H
#define GRIDCASE_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

struct append_req;

#define NETWORK "bench-district"
#define EVENTS_PER_CASE 10 /* 100,000 events over 10,000 cases */
#define CASE_ID_BYTES 18           /* "YYYYMMDD-" + 8 characters + NUL */
#define START_MS 1793491200000ULL  /* 2026-11-01T00:00:00Z */

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

/*
 * n events over n/10 cases, each event in a case drawn at random.
 * Deterministic in seed.
 */
void workload_init(struct workload *w, size_t n, uint64_t seed);
void workload_release(struct workload *w);
/* The request that appends event i (borrowing the workload's bytes). */
void workload_req(const struct workload *w, size_t i, struct append_req *req);

#endif

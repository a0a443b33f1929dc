/* workload.c - the events of workload.h. */
#include "bench/workload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/lib.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "store/store.h"
#include "common/banned.h"

#define PICK(st, arr) ((arr)[bench_rnd(st) % (sizeof(arr) / sizeof((arr)[0]))])

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

/* A case report body: the keys in ascending byte order (canonical). */
static void
make_body(uint64_t *st, struct buf *b)
{
	char where[160], desc[320], grid[16];
	size_t target = 50 + bench_rnd(st) % 150, n = 0;

	snprintf(where, sizeof(where), "%s%s%u号%s", PICK(st, districts),
		 PICK(st, roads), (unsigned)(1 + bench_rnd(st) % 2000),
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
		 (unsigned)(bench_rnd(st) % 40), (unsigned)(bench_rnd(st) % 30),
		 (unsigned)(bench_rnd(st) % 200));
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
void
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
			 (unsigned)(1 + bench_rnd(&st) % 28));
		for (int i = 0; i < 8; i++)
			w->cases[c][9 + i] = alphabet[bench_rnd(&st) & 31];
		w->cases[c][17] = '\0';
	}
	w->body_min = SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		struct item *it = &w->items[i];
		it->kase = (uint32_t)(bench_rnd(&st) % w->ncases);
		it->step = count[it->kase] < NSTEPS - 1 ? count[it->kase]
							 : NSTEPS - 1;
		count[it->kase]++;
		t += 1000 + bench_rnd(&st) % 60000;
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

void
workload_release(struct workload *w)
{
	free(w->items);
	free(w->cases);
	buf_release(&w->bodies);
}

void
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

/* deadline.c - the due time of a case under the work calendar. */
#include "node/case/deadline.h"

#include <string.h>

#include "node/case/calendar.h"
#include "node/case/config.h"
#include "node/case/state.h"
#include "common/banned.h"

static const char *const colours[] = { "none", "green", "yellow", "red",
				       "stopped" };

const char *
colour_name(enum colour c)
{
	return colours[c];
}

enum colour
colour_parse(const char *name)
{
	for (int i = 1; i < 5; i++)
		if (strcmp(colours[i], name) == 0)
			return (enum colour)i;
	return COLOUR_NONE;
}

/* Working time spent suspended from start until `until`. */
static uint64_t
suspended_work(const struct case_state *st, const struct calendar *cal,
	       uint64_t until, int *open)
{
	uint64_t sum = 0;
	*open = 0;
	for (size_t i = 0; i < st->nsuspended; i++) {
		uint64_t s = st->suspended[i].start, e = st->suspended[i].end;
		if (s < st->clock_at)
			continue; /* before this clock started */
		if (!e) {
			*open = 1;
			e = until;
		}
		if (e > until)
			e = until;
		sum += cal_work_ms(cal, s, e);
	}
	return sum;
}

int
deadline_of(const struct case_state *st, const struct calendar *cal,
	    uint64_t now_ms, struct deadline *out)
{
	uint64_t limit_min, ext_min = 0;
	int open;

	memset(out, 0, sizeof(*out));
	/* A cancelled or merged case was voided: no clock, no colour. */
	if (st->status == CS_CANCELLED || st->status == CS_MERGED)
		return ERR_NOTFOUND;
	if (!st->dispatched_at || !st->limit[0] ||
	    limit_minutes(cal, st->limit, &limit_min))
		return ERR_NOTFOUND;
	ext_min = (uint64_t)st->ext_hours * 60 +
		  (uint64_t)st->ext_days * (uint64_t)cal_day_minutes(cal);
	out->start_ms = st->clock_at;
	out->limit_work_ms = (limit_min + ext_min) * 60000;
	out->done = st->fed_back_at >= st->clock_at && st->fed_back_at &&
		    st->status != CS_DISPATCHED && st->status != CS_SUSPENDED;

	/* Time spent suspended pushes the due time on.  While a case is
	 * suspended its due time is unknown: the clock is stopped. */
	uint64_t horizon = out->done ? st->fed_back_at : now_ms ? now_ms : st->last_at;
	uint64_t paused = suspended_work(st, cal, horizon, &open);
	if (open && !out->done) {
		out->colour = COLOUR_STOPPED;
		out->used_work_ms = cal_work_ms(cal, st->clock_at, horizon) - paused;
		return 0;
	}
	out->due_ms = cal_add_work(cal, st->clock_at,
				   out->limit_work_ms + paused);
	out->has_due = out->due_ms != CAL_NEVER;
	if (out->done) {
		out->used_work_ms = cal_work_ms(cal, st->clock_at,
						st->fed_back_at) - paused;
		out->on_time = st->fed_back_at <= out->due_ms;
		return 0;
	}
	if (!now_ms)
		return 0;
	uint64_t worked = cal_work_ms(cal, st->clock_at, now_ms);
	out->used_work_ms = worked > paused ? worked - paused : 0;
	if (now_ms > out->due_ms)
		out->colour = COLOUR_RED;
	else if (out->used_work_ms * 5 >= out->limit_work_ms * 4)
		out->colour = COLOUR_YELLOW;
	else
		out->colour = COLOUR_GREEN;
	return 0;
}

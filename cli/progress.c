/*
 * progress.c - a progress bar on stderr for long work (import, verify,
 * reindex, a sync), drawn only when stderr is a terminal: a log or a
 * pipe gets nothing of it.
 *
 *   verify  [##########..........]  52%  5,210/10,000  2,604/s  2s left
 *   sync centre  12,345 events  3,210/s               (no total known)
 */
#include "cli/progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/banned.h"

#define BAR_WIDTH 20
#define DRAW_EVERY_MS 100

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
cli_progress_init(struct cli_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO);
	p->start_ms = mono_ms();
}

static void
draw(struct cli_progress *p, const char *what, uint64_t done, uint64_t total,
     uint64_t now)
{
	char d[32], t[32], r[32], line[200];
	uint64_t ms = now - p->start_ms;
	uint64_t rate = ms ? done * 1000 / ms : 0;
	int n = 0;
	log_count_str(done, d);
	log_count_str(rate, r);
	if (total && done <= total) {
		char bar[BAR_WIDTH + 1];
		int fill = (int)(done * BAR_WIDTH / total);
		memset(bar, '#', (size_t)fill);
		memset(bar + fill, '.', (size_t)(BAR_WIDTH - fill));
		bar[BAR_WIDTH] = '\0';
		log_count_str(total, t);
		n = snprintf(line, sizeof(line), "%s  [%s] %3d%%  %s/%s  %s/s", what,
			     bar, (int)(done * 100 / total), d, t, r);
		if (done < total && rate)
			snprintf(line + n, sizeof(line) - (size_t)n, "  %llus left",
				 (unsigned long long)((total - done) / rate + 1));
		else if (done == total)
			snprintf(line + n, sizeof(line) - (size_t)n, "  %llu.%llus",
				 (unsigned long long)(ms / 1000),
				 (unsigned long long)(ms % 1000 / 100));
	} else {
		snprintf(line, sizeof(line), "%s  %s  %s/s", what, d, r);
	}
	/* Back to the line's start and clear it: one line, redrawn. */
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	p->drawn = 1;
}

void
cli_progress_fn(void *ctx, const char *what, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;
	if (!p->on)
		return;
	uint64_t now = mono_ms();
	int same = strcmp(what, p->what) == 0;
	if (same && now - p->last_ms < DRAW_EVERY_MS && done != total)
		return;
	if (!same) {
		if (p->drawn)
			fputc('\n', stderr); /* the last stage stays on screen */
		snprintf(p->what, sizeof(p->what), "%s", what);
		p->start_ms = now;
	}
	p->last_ms = now;
	draw(p, what, done, total, now);
}

void
cli_progress_end(struct cli_progress *p)
{
	if (p->on && p->drawn)
		fputc('\n', stderr);
	p->drawn = 0;
}

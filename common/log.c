/* log.c - the stderr log sink of log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common/xalloc.h"

enum log_level log_threshold = LOG_WARN;

void
log_write(enum log_level level, const char *tag, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[1024];
	struct timeval tv;
	struct tm tm;
	va_list ap;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One fprintf per line so concurrent writers do not interleave. */
	/* ISO 8601 in UTC, with its date: a log spans days, and is read
	 * beside other hosts' logs. */
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %s %s: %s\n",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), names[level],
		tag, line);
}

/* ---- limited lines ---- */

struct limited {
	char key[96];
	char tag[16];
	enum log_level level;
	char text[400]; /* the line that opened the window */
	uint64_t start_ms;
	uint64_t more;  /* lines counted since */
	int used;
};

struct log_limit {
	uint32_t window_ms;
	struct limited e[LOG_LIMIT_KEYS];
	/* The first lines written in the current window, and the lines of
	 * new keys counted together once there were too many. */
	uint64_t new_start_ms;
	unsigned new_lines;
	uint64_t others;
};

const char *
log_count_str(uint64_t n, char out[32])
{
	char digits[24];
	int len = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	int o = 0;
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

struct log_limit *
log_limit_new(uint32_t window_ms)
{
	struct log_limit *l = xcalloc(1, sizeof(*l));
	l->window_ms = window_ms ? window_ms : 1;
	return l;
}

/* Closes an entry's window: its count, if any, in one line. */
static void
close_window(struct log_limit *l, struct limited *e, uint64_t now_ms)
{
	char n[32];
	uint64_t secs = (now_ms - e->start_ms + 999) / 1000;
	if (e->more && e->level <= log_threshold)
		log_write(e->level, e->tag, "%s: %s more time%s in %llu s", e->text,
			  log_count_str(e->more, n), e->more == 1 ? "" : "s",
			  (unsigned long long)(secs ? secs : 1));
	(void)l;
	e->used = 0;
	e->more = 0;
}

static void
close_others(struct log_limit *l, uint64_t now_ms)
{
	char n[32];
	if (l->others)
		log_write(LOG_WARN, "log", "%s more lines of the same kinds, from other sources, in %llu s",
			  log_count_str(l->others, n),
			  (unsigned long long)((now_ms - l->new_start_ms + 999) / 1000));
	l->others = 0;
}

void
log_limit_flush(struct log_limit *l, uint64_t now_ms)
{
	for (int i = 0; i < LOG_LIMIT_KEYS; i++)
		if (l->e[i].used && now_ms - l->e[i].start_ms >= l->window_ms)
			close_window(l, &l->e[i], now_ms);
	if (now_ms - l->new_start_ms >= l->window_ms) {
		close_others(l, now_ms);
		l->new_start_ms = now_ms;
		l->new_lines = 0;
	}
}

void
log_limit_free(struct log_limit *l)
{
	if (!l)
		return;
	for (int i = 0; i < LOG_LIMIT_KEYS; i++)
		if (l->e[i].used)
			close_window(l, &l->e[i], l->e[i].start_ms + l->window_ms);
	close_others(l, l->new_start_ms + l->window_ms);
	free(l);
}

void
log_limit_write(struct log_limit *l, uint64_t now_ms, enum log_level level,
		const char *tag, const char *key, const char *fmt, ...)
{
	struct limited *e = NULL, *oldest = NULL, *free_e = NULL;
	va_list ap;
	for (int i = 0; i < LOG_LIMIT_KEYS; i++) {
		struct limited *x = &l->e[i];
		if (!x->used) {
			if (!free_e)
				free_e = x;
			continue;
		}
		if (strncmp(x->key, key, sizeof(x->key) - 1) == 0 &&
		    strcmp(x->tag, tag) == 0) {
			e = x;
			break;
		}
		if (!oldest || x->start_ms < oldest->start_ms)
			oldest = x;
	}
	if (e && now_ms - e->start_ms < l->window_ms) {
		e->more++;
		return;
	}
	if (e) {
		close_window(l, e, now_ms);
	} else {
		if (now_ms - l->new_start_ms >= l->window_ms) {
			close_others(l, now_ms);
			l->new_start_ms = now_ms;
			l->new_lines = 0;
		}
		if (l->new_lines >= LOG_LIMIT_NEW) {
			l->others++;
			return;
		}
		l->new_lines++;
		e = free_e;
		if (!e) {
			close_window(l, oldest, now_ms);
			e = oldest;
		}
	}
	e->used = 1;
	e->more = 0;
	e->start_ms = now_ms;
	e->level = level;
	snprintf(e->key, sizeof(e->key), "%s", key);
	snprintf(e->tag, sizeof(e->tag), "%s", tag);
	va_start(ap, fmt);
	vsnprintf(e->text, sizeof(e->text), fmt, ap);
	va_end(ap);
	log_write(level, tag, "%s", e->text);
}

/* log.c - the stderr log sink of log.h. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

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
	fprintf(stderr, "%02d:%02d:%02d.%03d %s %s: %s\n", tm.tm_hour,
		tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000), names[level],
		tag, line);
}

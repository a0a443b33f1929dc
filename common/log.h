/*
 * log.h - levelled logging to stderr, one line per event.
 *
 * The macros test the level before formatting anything (redis's
 * serverLog), so a disabled debug line costs one comparison.  Each line
 * carries a module tag: log_warn("store", "fork of %s at seq %llu", ...).
 */
#ifndef GRIDCASE_LOG_H
#define GRIDCASE_LOG_H

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* The current threshold; lines above it are skipped.  Default LOG_WARN. */
extern enum log_level log_threshold;

void log_write(enum log_level level, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define log_at_(lvl, tag, ...)                                             \
	do {                                                               \
		if ((lvl) <= log_threshold)                                \
			log_write((lvl), (tag), __VA_ARGS__);              \
	} while (0)
#define log_err(tag, ...) log_at_(LOG_ERR, tag, __VA_ARGS__)
#define log_warn(tag, ...) log_at_(LOG_WARN, tag, __VA_ARGS__)
#define log_info(tag, ...) log_at_(LOG_INFO, tag, __VA_ARGS__)
#define log_debug(tag, ...) log_at_(LOG_DEBUG, tag, __VA_ARGS__)

#endif

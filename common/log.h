/*
 * log.h - levelled logging to stderr, one line per event.
 *
 * The macros test the level before formatting anything (redis's
 * serverLog), so a disabled debug line costs one comparison.  Each line
 * carries a module tag: log_warn("store", "fork of %s at seq %llu", ...).
 * A line reads "2026-03-02T06:30:00.123Z warn store: ...": the date and
 * time in ISO 8601, UTC, to the millisecond; then the level and the tag.
 */
#ifndef GRIDCASE_LOG_H
#define GRIDCASE_LOG_H

#include <stdint.h>

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

/*
 * Lines that others can make us write over and over (a peer's errors, a
 * client's refusals), limited.  The first line for a key (a peer and a
 * reason, say) is written; further lines for that key within the window
 * are only counted, and once the window has passed one line says how many
 * there were: "refused a client at 10.0.0.9: bad HELLO: 1,203 more times
 * in 10 s".  LOG_LIMIT_KEYS keys are followed at once (a new key closes
 * the window that began first), and at most LOG_LIMIT_NEW first lines are
 * written per window: the lines of further new keys are counted together.
 * For one thread; the caller keeps the struct.
 */
#define LOG_LIMIT_KEYS 128
#define LOG_LIMIT_NEW 40

struct log_limit;

/* A limiter with windows of window_ms.  Free with log_limit_free(). */
struct log_limit *log_limit_new(uint32_t window_ms);
/* Writes the counts still open, then frees. */
void log_limit_free(struct log_limit *l);

/* Writes, or counts, one line for key at now_ms (a monotonic clock). */
void log_limit_write(struct log_limit *l, uint64_t now_ms,
		     enum log_level level, const char *tag, const char *key,
		     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
#define log_limited(l, now_ms, lvl, tag, key, ...)                         \
	do {                                                               \
		if ((lvl) <= log_threshold)                                \
			log_limit_write((l), (now_ms), (lvl), (tag), (key), \
					__VA_ARGS__);                      \
	} while (0)

/* Writes the counts of the windows that have passed by now_ms. */
void log_limit_flush(struct log_limit *l, uint64_t now_ms);

/* n with a comma every three digits ("1,203"), into out[32]. */
const char *log_count_str(uint64_t n, char out[32]);

#endif

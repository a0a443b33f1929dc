/*
 * xalloc.h - allocation that cannot fail.
 *
 * Out of memory is not a condition gridcase recovers from: these abort
 * with a message instead of returning NULL, so callers never check.
 * BUG_ON() is an always-on assertion for programming errors; input from
 * disk or network is validated and answered with an error code instead.
 */
#ifndef GRIDCASE_XALLOC_H
#define GRIDCASE_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* A formatted string in new memory; free it with free(). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void bug_at(const char *file, int line, const char *cond)
	__attribute__((noreturn));

#define BUG_ON(cond)                                                       \
	do {                                                               \
		if (cond)                                                  \
			bug_at(__FILE__, __LINE__, #cond);                  \
	} while (0)

#endif

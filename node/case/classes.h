/*
 * classes.h - the national classification of city problems.
 *
 * GB/T 47678.5-2026 names each class by a 5-digit code (2-digit major,
 * 3-digit minor) under a kind: a component (管理部件, a thing such as a
 * manhole cover) or an event/matter (管理事项, a problem such as piled
 * garbage).  The same code exists under both kinds, so a class is the pair
 * (kind, code).  The table is data/classification-gbt47678.5.csv.
 */
#ifndef GRIDCASE_CLASSES_H
#define GRIDCASE_CLASSES_H

#include <stddef.h>

#include "common/err.h"

#define CLASSES_STANDARD "GB/T 47678.5-2026"
#define CLASSES_FILE "classification-gbt47678.5.csv"

enum class_kind { CLASS_COMPONENT, CLASS_EVENT };

struct classes;

/*
 * Parses the n bytes of a table's text; name names it in the messages.
 * ERR_CORRUPT naming the line if a row is malformed.  Free with
 * classes_free().  Reading the table from a file is node/files.h's.
 */
MUST_CHECK int classes_parse(const char *text, size_t n, const char *name,
			     struct classes **out, struct diag *d);
void classes_free(struct classes *c);

/* The class's name (borrowed), or NULL if (kind, code) is not a class. */
const char *classes_name(const struct classes *c, enum class_kind kind,
			 const char *code);

size_t classes_count(const struct classes *c);

/* The i-th class (i < classes_count()), in the table's order: its kind,
 * code and name, borrowed for c's life. */
void classes_at(const struct classes *c, size_t i, enum class_kind *kind,
		const char **code, const char **name);

/* "component" / "event", and back (ERR_INVAL for anything else). */
const char *class_kind_name(enum class_kind k);
MUST_CHECK int class_kind_parse(const char *s, enum class_kind *k);

#endif

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
 * Loads the table from the data directory (data_dir(), see below).
 * ERR_NOTFOUND if it is missing, ERR_CORRUPT naming the line if a row is
 * malformed.  Free with classes_free().
 */
MUST_CHECK int classes_load(struct classes **out, struct diag *d);
MUST_CHECK int classes_load_file(const char *path, struct classes **out,
				 struct diag *d);
/*
 * The same from the n bytes of a table's text; name names it in the
 * messages.
 */
MUST_CHECK int classes_parse(const char *text, size_t n, const char *name,
			     struct classes **out, struct diag *d);
void classes_free(struct classes *c);

/* The class's name (borrowed), or NULL if (kind, code) is not a class. */
const char *classes_name(const struct classes *c, enum class_kind kind,
			 const char *code);

size_t classes_count(const struct classes *c);

/* "component" / "event", and back (ERR_INVAL for anything else). */
const char *class_kind_name(enum class_kind k);
MUST_CHECK int class_kind_parse(const char *s, enum class_kind *k);

/*
 * The path of one of gridcase's data files: in $GRIDCASE_DATA if set, else
 * in data/ beside the running binary or one level up (a source tree), else
 * in share/gridcase/ beside the binary's bin/ (an installation), else in
 * the GRIDCASE_DATADIR compiled in.  Returns new memory.
 */
char *data_path(const char *file);

#endif

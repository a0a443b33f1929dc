/*
 * files.h - reading the pure domain's tables and configuration from files:
 * the classification table and config.json, and where gridcase's data
 * files are.  The domain (node/case/) parses text it is given; the file
 * system is this module's.
 */
#ifndef GRIDCASE_FILES_H
#define GRIDCASE_FILES_H

#include "common/err.h"

struct classes;
struct config;

/*
 * Loads the table from the data directory (data_path(), see below).
 * ERR_NOTFOUND if it is missing, ERR_CORRUPT naming the line if a row is
 * malformed.  Free with classes_free().
 */
MUST_CHECK int classes_load(struct classes **out, struct diag *d);
MUST_CHECK int classes_load_file(const char *path, struct classes **out,
				 struct diag *d);

/*
 * Loads a config.json.  ERR_CONFIG names the file, the key and what is
 * wrong.  Free with config_free().
 */
MUST_CHECK int config_load_file(const char *path, struct config **out,
				struct diag *d);
/*
 * The text of dir/config.json, or of data/config.json if dir has none
 * (new memory, NUL-terminated), and the path it came from (new memory,
 * for messages).  ERR_NOTFOUND naming the path.
 */
MUST_CHECK int config_read(const char *dir, char **text, char **name,
			   struct diag *d);

/*
 * The path of one of gridcase's data files: in $GRIDCASE_DATA if set, else
 * in data/ beside the running binary or one level up (a source tree), else
 * in share/gridcase/ beside the binary's bin/ (an installation), else in
 * the GRIDCASE_DATADIR compiled in.  Returns new memory.
 */
char *data_path(const char *file);

#endif

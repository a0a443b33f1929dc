/*
 * classes_fuzz.c - fuzz target for the classification table parser
 * (node/case/classes.h, fuzz.h).
 *
 * Each input, as the bytes of a CSV table, goes through classes_parse().
 * Oracle: it answers 0 or ERR_CORRUPT; when it accepts, the table holds
 * one class per row and looking each row's (kind, code) up gives that
 * row's own name, read here from the row (the text after its fifth
 * comma).  Seeds: the head and rows of data/classification-gbt47678.5.csv
 * with comments, CRLF and a last line without a newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "node/case/classes.h"
#include "tests/fuzz/fuzz.h"
#include "common/banned.h"

const char fuzz_target[] = "classes";

void
fuzz_init(void)
{
}

/*
 * Walks the rows as the table's format has them: lines, cut at a CR or
 * NUL, skipping comments and blank lines, the first being the header.
 */
static const char *
check_rows(const struct classes *c, const uint8_t *p, size_t n)
{
	size_t rows = 0;
	int header = 0;
	const uint8_t *end = p + n;
	while (p < end) {
		const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char *line = xmalloc(len + 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p += len + (nl != NULL);
		line[strcspn(line, "\r")] = '\0';
		if (line[0] == '#' || line[0] == '\0' || !header) {
			header |= line[0] != '#' && line[0] != '\0';
			free(line);
			continue;
		}
		rows++;
		const char *field[6];
		char *q = line;
		int nf = 0;
		for (; nf < 5; nf++) {
			field[nf] = q;
			char *comma = strchr(q, ',');
			if (!comma)
				break;
			*comma = '\0';
			q = comma + 1;
		}
		field[5] = q;
		enum class_kind kind = strcmp(field[1], "管理部件") == 0
					       ? CLASS_COMPONENT
					       : CLASS_EVENT;
		const char *name = nf == 5 ? classes_name(c, kind, field[0])
					   : NULL;
		int same = name && strcmp(name, field[5]) == 0;
		free(line);
		if (!same)
			return "a row whose lookup is not its own name";
	}
	if (rows != classes_count(c))
		return "another count of classes than of rows";
	return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct classes *c = NULL;
	struct diag d;
	int rc = classes_parse((const char *)data, size, "classes.csv", &c,
			       &d);
	if (rc != 0 && rc != ERR_CORRUPT)
		fuzz_fail("classes_parse returned %d", rc);
	if (rc == 0) {
		const char *why = check_rows(c, data, size);
		if (why)
			fuzz_fail("classes_parse accepted %s", why);
		classes_free(c);
	}
	return 0;
}

#define HEAD "code,kind,major_code,major_name,minor_code,name\n"

void
fuzz_seeds(fuzz_seed_fn add, void *ctx)
{
	fuzz_seed_text(add, ctx, "seed-table",
		       "# a comment line\n"
		       "# another\n" HEAD
		       "01001,管理部件,01,公用设施,001,上水井盖\n"
		       "01001,管理事项,01,公用设施,001,上水井盖破损\n"
		       "06010,管理事项,06,市容环境,010,暴露垃圾\n"
		       "\n"
		       "08016,管理事项,08,街面秩序,016,违法建设\n");
	fuzz_seed_text(add, ctx, "seed-crlf-no-final-newline",
		       HEAD "\r\n01002,管理部件,01,公用设施,002,污水井盖\r\n"
			    "06012,管理事项,06,市容环境,012,道路不洁");
	fuzz_seed_text(add, ctx, "seed-header-only", HEAD);
	fuzz_seed_text(add, ctx, "seed-bad-kind",
		       HEAD "01001,部件,01,公用设施,001,上水井盖\n");
}

/*
 * workflow_doc_test.c - docs/workflow.md's table of steps says exactly what
 * node/case/workflow.c enforces: type, term, roles, states, result, fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "node/case/roster.h"
#include "node/case/workflow.h"
#include "tests/harness.h"
#include "common/banned.h"

/* What the documentation row for a should say, rebuilt from the table. */
static void
expected_row(const struct action_def *a, struct buf *out)
{
	char roles[120];
	roles_format(a->roles, roles, sizeof(roles));
	for (char *p = roles; *p; p++)
		if (*p == ',') {
			memmove(p + 2, p + 1, strlen(p + 1) + 1);
			p[1] = ' ';
		}
	buf_printf(out, "| `%s` | %s | %s | ", a->type, a->zh, roles);
	unsigned all = (1u << CS_COUNT) - 1;
	if (a->from == CS_BIT(CS_NONE))
		buf_add_str(out, "(new case)");
	else if (a->from == CS_OPEN)
		buf_add_str(out, "(open)");
	else if (a->from == (all & ~CS_BIT(CS_NONE)))
		buf_add_str(out, "(any)");
	else {
		int first = 1;
		for (int s = 0; s < CS_COUNT; s++)
			if (a->from & CS_BIT(s)) {
				buf_printf(out, "%s%s", first ? "" : ", ",
					   case_status_name((enum case_status)s));
				first = 0;
			}
	}
	buf_printf(out, " | %s | ", a->to < 0 ? "same"
					      : case_status_name((enum case_status)a->to));
	for (int i = 0; i < ACTION_MAX_FIELDS && a->required[i]; i++)
		buf_printf(out, "%s%s", i ? ", " : "", a->required[i]);
	buf_add_str(out, ";");
	for (int i = 0; i < ACTION_MAX_FIELDS && a->optional[i]; i++)
		buf_printf(out, "%s%s", i ? ", " : " ", a->optional[i]);
	buf_add_str(out, " |");
}

static void
test_doc_table_matches_code(void)
{
	FILE *f = fopen("docs/workflow.md", "r");
	char line[1024];
	int in_table = 0, rows = 0;
	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "tests/unit/workflow_doc_test.c")) {
			in_table = 1;
			continue;
		}
		if (!in_table || strncmp(line, "| `", 3) != 0) {
			if (in_table && rows && line[0] != '|')
				break;
			continue;
		}
		char type[40];
		size_t n = strcspn(line + 3, "`");
		snprintf(type, sizeof(type), "%.*s", (int)n, line + 3);
		const struct action_def *a = workflow_action(type, strlen(type));
		if (!a)
			printf("docs/workflow.md names an unknown step '%s'\n", type);
		CHECK(a != NULL);
		struct buf want = BUF_INIT;
		expected_row(a, &want);
		int same = strcmp(buf_cstr(&want), line) == 0;
		if (!same)
			printf("docs/workflow.md:\n  %s\ncode says:\n  %s\n", line,
			       buf_cstr(&want));
		buf_release(&want);
		CHECK(same);
		CHECK_EQ_INT(a->act, rows); /* in the table's order */
		rows++;
	}
	fclose(f);
	CHECK_EQ_INT(rows, ACT_COUNT);
}

static const struct test tests[] = {
	{ "docs/workflow.md's table of steps matches the code", test_doc_table_matches_code },
};

TEST_MAIN(tests)

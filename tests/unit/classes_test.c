/*
 * classes_test.c - the classification table: loading a CSV table from a
 * file, and looking classes up (node/case/classes.h).
 */
#include "node/case/classes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "node/files.h"
#include "tests/harness.h"
#include "common/banned.h"

#define HEAD "code,kind,major_code,major_name,minor_code,name\n"

/* Writes text to DIR/classes.csv and loads it. */
static int
load_text(const char *dir, const char *text, struct classes **c,
	  struct diag *d)
{
	char *path = xasprintf("%s/classes.csv", dir);
	FILE *f = fopen(path, "w");
	BUG_ON(!f);
	fputs(text, f);
	BUG_ON(fclose(f) != 0);
	int rc = classes_load_file(path, c, d);
	free(path);
	return rc;
}

static void
test_shipped_table_loads(void)
{
	struct classes *c;
	struct diag d;
	CHECK_OK(classes_load(&c, &d));
	CHECK_EQ_INT(classes_count(c), 403);
	CHECK(classes_name(c, CLASS_EVENT, "06010") != NULL);
	CHECK(classes_name(c, CLASS_EVENT, "99999") == NULL);
	classes_free(c);
}

/* Found by the classes fuzz target: qsort() and bsearch() were handed
 * the NULL rows of an empty table, which UBSan stops. */
static void
test_header_only_table_is_empty(void)
{
	char *dir = test_tmpdir();
	struct classes *c = NULL;
	struct diag d;
	int rc = load_text(dir, "# no rows yet\n" HEAD, &c, &d);
	test_tmpdir_remove(dir);
	free(dir);
	CHECK_OK(rc);
	CHECK_EQ_INT(classes_count(c), 0);
	const char *name = classes_name(c, CLASS_EVENT, "06010");
	classes_free(c);
	CHECK(name == NULL);
}

/* A line longer than the 1 KiB the loader once read at a time was cut
 * in two: the name was shortened and its tail read as a row. */
static void
test_long_name_is_kept_whole(void)
{
	char *dir = test_tmpdir();
	char name[1501];
	struct classes *c = NULL;
	struct diag d;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char *text = xasprintf(HEAD "06010,管理事项,06,市容环境,010,%s\n"
				    "06012,管理事项,06,市容环境,012,道路不洁\n",
			       name);
	int rc = load_text(dir, text, &c, &d);
	free(text);
	test_tmpdir_remove(dir);
	free(dir);
	if (rc)
		harness_fail(__FILE__, __LINE__, "%s", d.text);
	CHECK_OK(rc);
	const char *got = classes_name(c, CLASS_EVENT, "06010");
	int whole = got && strcmp(got, name) == 0;
	size_t count = classes_count(c);
	classes_free(c);
	CHECK(whole);
	CHECK_EQ_INT(count, 2);
}

static void
test_malformed_row_names_its_line(void)
{
	char *dir = test_tmpdir();
	struct classes *c = NULL;
	struct diag d;
	int rc = load_text(dir,
			   HEAD "06010,管理事项,06,市容环境,010,暴露垃圾\n"
				"0601,管理事项,06,市容环境,01,x\n",
			   &c, &d);
	int rc2 = load_text(dir, HEAD "06010,事项,06,市容环境,010,暴露垃圾\n",
			    &c, NULL);
	test_tmpdir_remove(dir);
	free(dir);
	CHECK_ERR(rc, ERR_CORRUPT);
	CHECK(strstr(d.text, "classes.csv:3:") != NULL);
	CHECK_ERR(rc2, ERR_CORRUPT);
}

/* Found by the classes fuzz target: the text after a sixth comma was
 * dropped, and the row taken with a shortened name. */
static void
test_seventh_field_is_refused(void)
{
	char *dir = test_tmpdir();
	struct classes *c = NULL;
	struct diag d;
	int rc = load_text(dir,
			   HEAD "06010,管理事项,06,市容环境,010,暴露垃圾,"
				"08,街面秩序\n",
			   &c, &d);
	test_tmpdir_remove(dir);
	free(dir);
	classes_free(c);
	CHECK_ERR(rc, ERR_CORRUPT);
	CHECK(strstr(d.text, "classes.csv:2:") != NULL);
}

/* Found by the classes fuzz target: a class listed twice was kept
 * twice, and a lookup gave either row's name. */
static void
test_class_listed_twice_is_refused(void)
{
	char *dir = test_tmpdir();
	struct classes *c = NULL;
	struct diag d;
	int rc = load_text(dir,
			   HEAD "06010,管理事项,06,市容环境,010,暴露垃圾\n"
				"06010,管理部件,06,市容环境,010,垃圾箱\n"
				"# the same event class again\n"
				"06010,管理事项,06,市容环境,010,积存垃圾\n",
			   &c, &d);
	test_tmpdir_remove(dir);
	free(dir);
	classes_free(c);
	CHECK_ERR(rc, ERR_CORRUPT);
	CHECK(strstr(d.text, "classes.csv:5: class event:06010 is already "
			     "on line 2") != NULL);
}

static void
test_missing_table_is_notfound(void)
{
	struct classes *c = NULL;
	CHECK_ERR(classes_load_file("/nonexistent/classes.csv", &c, NULL),
		  ERR_NOTFOUND);
}

static const struct test tests[] = {
	{ "the shipped table loads with its 403 classes",
	  test_shipped_table_loads },
	{ "a table of a header and no rows loads empty and finds nothing",
	  test_header_only_table_is_empty },
	{ "a class name longer than a kilobyte is kept whole",
	  test_long_name_is_kept_whole },
	{ "a malformed row is refused naming its line",
	  test_malformed_row_names_its_line },
	{ "a row with a seventh field is refused, not cut",
	  test_seventh_field_is_refused },
	{ "a class listed twice is refused, naming both lines",
	  test_class_listed_twice_is_refused },
	{ "a missing table is not found", test_missing_table_is_notfound },
};

TEST_MAIN(tests)

/*
 * log_test.c - limited lines (common/log.h): what a peer that repeats
 * itself can make the log say.  The log goes to stderr; each test sends
 * stderr to a temporary file and reads back what was written.
 */
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/xalloc.h"
#include "tests/harness.h"
#include "common/banned.h"

struct capture {
	FILE *f;
	int saved;
};

/* Also lets warnings through (the harness keeps the log quiet). */
static void
capture_begin(struct capture *c)
{
	log_threshold = LOG_INFO;
	fflush(stderr);
	c->f = tmpfile();
	BUG_ON(c->f == NULL);
	c->saved = dup(STDERR_FILENO);
	BUG_ON(dup2(fileno(c->f), STDERR_FILENO) < 0);
}

/* Ends the capture: what was written, into out. */
static void
capture_end(struct capture *c, struct buf *out)
{
	char chunk[4096];
	size_t n;
	fflush(stderr);
	log_threshold = LOG_ERR;
	BUG_ON(dup2(c->saved, STDERR_FILENO) < 0);
	close(c->saved);
	rewind(c->f);
	while ((n = fread(chunk, 1, sizeof(chunk), c->f)) > 0)
		buf_add(out, chunk, n);
	fclose(c->f);
}

static int
count_lines(const struct buf *b)
{
	int n = 0;
	for (size_t i = 0; i < b->len; i++)
		n += b->data[i] == '\n';
	return n;
}

static void
test_counts_are_written_with_commas(void)
{
	char out[32];
	CHECK_EQ_STR(log_count_str(0, out), "0");
	CHECK_EQ_STR(log_count_str(999, out), "999");
	CHECK_EQ_STR(log_count_str(1203, out), "1,203");
	CHECK_EQ_STR(log_count_str(1234567, out), "1,234,567");
	CHECK_EQ_STR(log_count_str(18446744073709551615ull, out),
		     "18,446,744,073,709,551,615");
}

static void
test_a_repeated_line_is_written_once_then_counted(void)
{
	struct log_limit *l = log_limit_new(10000);
	struct capture c;
	struct buf out = BUF_INIT;
	capture_begin(&c);
	for (int i = 0; i < 1204; i++)
		log_limited(l, 1000 + (uint64_t)i, LOG_WARN, "repl", "10.0.0.9/bad",
			    "refused a client at 10.0.0.9: bad message %d", i);
	/* Still in the window: nothing more. */
	log_limit_flush(l, 9000);
	capture_end(&c, &out);
	CHECK_EQ_INT(count_lines(&out), 1);
	CHECK(strstr(buf_cstr(&out), "bad message 0") != NULL);
	buf_reset(&out);
	capture_begin(&c);
	log_limit_flush(l, 11000);
	capture_end(&c, &out);
	CHECK_EQ_INT(count_lines(&out), 1);
	CHECK(strstr(buf_cstr(&out),
		     "refused a client at 10.0.0.9: bad message 0: 1,203 more times in 10 s") != NULL);
	/* The window closed: the next line is written again. */
	buf_reset(&out);
	capture_begin(&c);
	log_limited(l, 12000, LOG_WARN, "repl", "10.0.0.9/bad", "again");
	log_limit_free(l);
	capture_end(&c, &out);
	CHECK_EQ_INT(count_lines(&out), 1);
	CHECK(strstr(buf_cstr(&out), "again") != NULL);
	buf_release(&out);
}

static void
test_keys_are_limited_apart(void)
{
	struct log_limit *l = log_limit_new(10000);
	struct capture c;
	struct buf out = BUF_INIT;
	capture_begin(&c);
	for (int i = 0; i < 300; i++) {
		log_limited(l, 1000, LOG_WARN, "repl", "peer b/no answer", "b: no answer");
		log_limited(l, 1000, LOG_WARN, "repl", "peer c/no answer", "c: no answer");
		log_limited(l, 1000, LOG_WARN, "repl", "peer b/bad", "b: bad");
	}
	/* Freeing writes what is still counted. */
	log_limit_free(l);
	capture_end(&c, &out);
	CHECK_EQ_INT(count_lines(&out), 6);
	CHECK(strstr(buf_cstr(&out), "b: no answer: 299 more times") != NULL);
	CHECK(strstr(buf_cstr(&out), "c: no answer: 299 more times") != NULL);
	CHECK(strstr(buf_cstr(&out), "b: bad: 299 more times") != NULL);
	buf_release(&out);
}

static void
test_many_new_keys_are_counted_together(void)
{
	struct log_limit *l = log_limit_new(10000);
	struct capture c;
	struct buf out = BUF_INIT;
	char key[32];
	capture_begin(&c);
	/* A thousand addresses, each once: LOG_LIMIT_NEW lines, then one
	 * count for the rest. */
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "10.0.%d.%d", i / 250, i % 250);
		log_limited(l, 1000, LOG_WARN, "repl", key, "refused %s", key);
	}
	log_limit_flush(l, 11000);
	log_limit_free(l);
	capture_end(&c, &out);
	CHECK_EQ_INT(count_lines(&out), LOG_LIMIT_NEW + 1);
	CHECK(strstr(buf_cstr(&out), "960 more lines of the same kinds") != NULL);
	buf_release(&out);
}

static void
test_lines_below_the_threshold_are_not_counted(void)
{
	struct log_limit *l = log_limit_new(10000);
	struct capture c;
	struct buf out = BUF_INIT;
	capture_begin(&c);
	log_threshold = LOG_WARN;
	for (int i = 0; i < 100; i++)
		log_limited(l, 1000, LOG_DEBUG, "repl", "k", "quiet %d", i);
	log_limit_free(l);
	capture_end(&c, &out);
	CHECK_EQ_INT(out.len, 0);
	buf_release(&out);
}

static const struct test tests[] = {
	{ "counts are written with a comma every three digits",
	  test_counts_are_written_with_commas },
	{ "a repeated line is written once, then counted in one line",
	  test_a_repeated_line_is_written_once_then_counted },
	{ "each key is limited apart", test_keys_are_limited_apart },
	{ "many new keys in one window are counted together",
	  test_many_new_keys_are_counted_together },
	{ "lines below the threshold are neither written nor counted",
	  test_lines_below_the_threshold_are_not_counted },
};

TEST_MAIN(tests)

/*
 * web_test.c - the console's pieces that need no server: the escaping
 * of what people wrote (node/http/html.h), the forms it reads, and the
 * passphrase-sealed member keys (crypto/key.h key boxes,
 * node/web_keys.h).  The served pages are tests/integration/web.sh's.
 */
#include "node/http/html.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/web_keys.h"
#include "node/web_sessions.h"
#include "tests/harness.h"
#include "common/banned.h"

static void
test_text_is_escaped(void)
{
	struct buf b = BUF_INIT;
	html_text(&b, "<script>alert('x')</script> & \"q\"");
	CHECK_EQ_STR(buf_cstr(&b),
		     "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
	buf_release(&b);
}

static void
test_terminal_escapes_are_shown_as_text(void)
{
	struct buf b = BUF_INIT;
	html_text(&b, "\033[31mred\033[0m\a\x7f ok\n\tnext");
	CHECK_EQ_STR(buf_cstr(&b), "\\x1b[31mred\\x1b[0m\\x07\\x7f ok\n\tnext");
	buf_release(&b);
	html_textn(&b, "a\0b", 3);
	CHECK_EQ_STR(buf_cstr(&b), "a\\x00b");
	buf_release(&b);
}

static void
test_csv_fields_cannot_run_in_a_spreadsheet(void)
{
	struct buf b = BUF_INIT;
	html_csv(&b, "=HYPERLINK(\"x\")");
	buf_add_byte(&b, ',');
	html_csv(&b, "office-07");
	CHECK_EQ_STR(buf_cstr(&b), "\"'=HYPERLINK(\"\"x\"\")\",\"office-07\"");
	buf_release(&b);
}

static void
test_form_fields_are_decoded(void)
{
	char out[32];
	CHECK(form_get("a=1&name=sup+one%21&b=", "name", out, sizeof(out)));
	CHECK_EQ_STR(out, "sup one!");
	CHECK(form_get("a=1&b=", "b", out, sizeof(out)));
	CHECK_EQ_STR(out, "");
	CHECK(!form_get("ab=1", "a", out, sizeof(out)));
	CHECK(form_get("x=%zz%4", "x", out, sizeof(out)));
	CHECK_EQ_STR(out, "%zz%4");
	CHECK(form_get("x=0123456789abcdef", "x", out, 8));
	CHECK_EQ_STR(out, "0123456");
}

static void
test_multipart_bodies_are_split(void)
{
	static const char body[] =
		"--XyZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n"
		"--XyZ\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p.jpg\"\r\n"
		"Content-Type: image/jpeg\r\n\r\n\xff\xd8\r\n--X\r\n"
		"--XyZ--\r\n";
	struct form_part p[4];
	char v[16];
	int n = form_multipart("multipart/form-data; boundary=XyZ",
			       (const uint8_t *)body, sizeof(body) - 1, p, 4);
	CHECK_EQ_INT(n, 2);
	CHECK(form_part_get(p, n, "csrf", v, sizeof(v)));
	CHECK_EQ_STR(v, "abc");
	CHECK_EQ_STR(p[1].filename, "p.jpg");
	CHECK_EQ_STR(p[1].type, "image/jpeg");
	CHECK_EQ_INT((int)p[1].len, 7); /* a "--X" inside the data is data */
	CHECK(!form_part_get(p, n, "photo", v, sizeof(v))); /* a file, not text */
	CHECK_EQ_INT(form_multipart("text/plain", (const uint8_t *)body,
				    sizeof(body) - 1, p, 4), -1);
	CHECK_EQ_INT(form_multipart("multipart/form-data; boundary=Q",
				    (const uint8_t *)body, sizeof(body) - 1, p, 4), -1);
}

static void
test_key_box_opens_with_its_passphrase_only(void)
{
	uint8_t seed[KEY_SEED_BYTES];
	struct buf box = BUF_INIT;
	struct key *k, *back = NULL;
	struct diag d;
	memset(seed, 7, sizeof(seed));
	k = key_from_seed(seed);
	CHECK_ERR(key_box_seal(k, "short", 5, &box, &d), ERR_INVAL);
	CHECK_OK(key_box_seal(k, "correct horse", 13, &box, &d));
	CHECK(strncmp(buf_cstr(&box), "gridcase-keybox-v1 ", 19) == 0);
	CHECK_ERR(key_box_open(buf_cstr(&box), "wrong horse!", 12, &back, &d), ERR_DENIED);
	CHECK(back == NULL);
	CHECK_OK(key_box_open(buf_cstr(&box), "correct horse", 13, &back, &d));
	CHECK_EQ_MEM(key_public(back), key_public(k), KEY_PUBLIC_BYTES);
	key_free(back);
	/* An altered box does not open. */
	char *t = xstrdup(buf_cstr(&box));
	char *last = t + strlen(t) - 2;
	*last = *last == '0' ? '1' : '0';
	back = NULL;
	CHECK_ERR(key_box_open(t, "correct horse", 13, &back, &d), ERR_DENIED);
	CHECK_ERR(key_box_open("gridcase-keybox-v1 zz", "correct horse", 13, &back, &d),
		  ERR_CORRUPT);
	free(t);
	buf_release(&box);
	key_free(k);
}

static void
test_web_keys_are_sealed_files(void)
{
	uint8_t seed[KEY_SEED_BYTES];
	struct key *k, *back = NULL;
	struct diag d;
	struct stat st;
	char *dir = test_tmpdir();
	memset(seed, 9, sizeof(seed));
	k = key_from_seed(seed);
	CHECK_ERR(web_key_add(dir, "../x", k, "passphrase", 10, &d), ERR_INVAL);
	CHECK_ERR(web_key_add(dir, ".hidden", k, "passphrase", 10, &d), ERR_INVAL);
	CHECK_OK(web_key_add(dir, "op-1", k, "passphrase", 10, &d));
	CHECK_ERR(web_key_add(dir, "op-1", k, "passphrase", 10, &d), ERR_EXISTS);
	char *path = xasprintf("%s/%s/op-1", dir, WEB_KEYS_DIR);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0);
	free(path);
	CHECK_ERR(web_key_unlock(dir, "nobody", "passphrase", 10, &back, &d), ERR_NOTFOUND);
	CHECK_ERR(web_key_unlock(dir, "op-1", "passphrasf", 10, &back, &d), ERR_DENIED);
	CHECK_ERR(web_key_unlock(dir, "a/b", "passphrase", 10, &back, &d), ERR_INVAL);
	CHECK_OK(web_key_unlock(dir, "op-1", "passphrase", 10, &back, &d));
	CHECK_EQ_MEM(key_public(back), key_public(k), KEY_PUBLIC_BYTES);
	key_free(back);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

/* The session file keeps who and when, never a key, cookie or token. */
static void
test_sessions_file_round_trip(void)
{
	struct web_session_rec v[2], *back = NULL;
	struct diag d;
	struct stat st;
	size_t n = 99;
	char *dir = test_tmpdir();
	CHECK_OK(web_sessions_load(dir, &back, &n, &d)); /* no file yet */
	CHECK_EQ_INT(n, 0);
	memset(v, 0, sizeof(v));
	memset(v[0].id_hash, 0xab, sizeof(v[0].id_hash));
	memset(v[0].pub, 0x11, sizeof(v[0].pub));
	v[0].created_ms = 1000;
	v[0].last_ms = 2000;
	snprintf(v[0].name, sizeof(v[0].name), "op-1");
	v[1] = v[0];
	v[1].id_hash[0] = 0;
	snprintf(v[1].name, sizeof(v[1].name), "sup");
	CHECK_OK(web_sessions_save(dir, v, 2, &d));
	char *path = xasprintf("%s/%s", dir, WEB_SESSIONS_FILE);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 077) == 0);
	CHECK_OK(web_sessions_load(dir, &back, &n, &d));
	CHECK_EQ_INT(n, 2);
	CHECK_EQ_MEM(back[0].id_hash, v[0].id_hash, sizeof(v[0].id_hash));
	CHECK_EQ_MEM(back[1].pub, v[1].pub, sizeof(v[1].pub));
	CHECK_EQ_INT(back[1].created_ms, 1000);
	CHECK_EQ_INT(back[1].last_ms, 2000);
	CHECK_EQ_STR(back[1].name, "sup");
	free(back);
	/* A line that does not read: nothing is returned. */
	FILE *f = fopen(path, "a");
	CHECK(f != NULL);
	fputs("abc 1 2 ../x\n", f);
	fclose(f);
	back = NULL;
	CHECK_ERR(web_sessions_load(dir, &back, &n, &d), ERR_CORRUPT);
	CHECK(strstr(d.text, "line 4") != NULL);
	CHECK(back == NULL);
	f = fopen(path, "w");
	fputs("something else\n", f);
	fclose(f);
	CHECK_ERR(web_sessions_load(dir, &back, &n, &d), ERR_CORRUPT);
	CHECK_OK(web_sessions_save(dir, v, 0, &d));
	CHECK_OK(web_sessions_load(dir, &back, &n, &d));
	CHECK_EQ_INT(n, 0);
	free(back);
	free(path);
	test_tmpdir_remove(dir);
	free(dir);
}

static const struct test tests[] = {
	{ "HTML in text is shown as text", test_text_is_escaped },
	{ "terminal escapes and control bytes are shown as text",
	  test_terminal_escapes_are_shown_as_text },
	{ "CSV fields cannot run as spreadsheet formulas",
	  test_csv_fields_cannot_run_in_a_spreadsheet },
	{ "form fields are decoded", test_form_fields_are_decoded },
	{ "multipart bodies are split into their parts",
	  test_multipart_bodies_are_split },
	{ "a key box opens with its passphrase only",
	  test_key_box_opens_with_its_passphrase_only },
	{ "the session file keeps who and when, and reads back",
	  test_sessions_file_round_trip },
	{ "web keys are sealed files of their names",
	  test_web_keys_are_sealed_files },
};

TEST_MAIN(tests)

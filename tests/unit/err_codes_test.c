/*
 * err_codes_test.c - the error space (common/err.h), and the codes that
 * no other suite names, each produced by a real call: ERR_BUSY and
 * ERR_PERM from a real LMDB store, ERR_CONFIG from a configuration,
 * ERR_TIMEOUT from an expired handshake cookie, ERR_PERM from a key file
 * others can read.  tests/integration/errors.sh checks that every code
 * of the list is produced somewhere and named by some test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/buf.h"
#include "crypto/key.h"
#include "crypto/session.h"
#include "node/case/config.h"
#include "store/store.h"
#include "tests/harness.h"
#include "common/banned.h"

#define NET "testnet"
#define NOW 1000000ull
#define COOKIE_MS 10000u

static void
test_names_round_trip(void)
{
	int n = 0;
	for (int code = ERR_BASE_ + 1; code < ERR_END_; code++, n++) {
		const char *name = err_name(code);
		CHECK(strncmp(name, "ERR_", 4) == 0);
		CHECK_EQ_INT(err_from_name(name), code);
		CHECK(strcmp(err_str(code), "unknown error") != 0);
	}
	CHECK(n > 0);
	CHECK_EQ_INT(err_from_name("ERR_NO_SUCH_CODE"), 0);
	CHECK(strcmp(err_str(ERR_END_), "unknown error") == 0);
}

static void
test_busy_second_batch(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct store_batch *b = NULL, *b2 = NULL;
	struct store_options o = { 0, 0, STORE_NOSYNC };
	CHECK_OK(store_create(dir, NET, &o, NULL));
	CHECK_OK(store_open(dir, &o, &s, NULL));
	CHECK_OK(store_batch_begin(s, &b));
	/* One writer per store handle: a second batch waits its turn. */
	CHECK_ERR(store_batch_begin(s, &b2), ERR_BUSY);
	store_batch_abort(b);
	CHECK_OK(store_batch_begin(s, &b2));
	store_batch_abort(b2);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_perm_read_only_store(void)
{
	char *dir = test_tmpdir();
	struct store *s = NULL;
	struct store_batch *b = NULL;
	struct store_options o = { 0, 0, STORE_NOSYNC };
	struct store_options ro = { 0, 0, STORE_RDONLY };
	CHECK_OK(store_create(dir, NET, &o, NULL));
	CHECK_OK(store_open(dir, &ro, &s, NULL));
	CHECK_ERR(store_batch_begin(s, &b), ERR_PERM);
	store_close(s);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_perm_key_file_mode(void)
{
	char *dir = test_tmpdir();
	char path[512];
	struct key *k = key_generate(), *back = NULL;
	struct diag d;
	snprintf(path, sizeof(path), "%s/node.key", dir);
	CHECK_OK(key_save(k, path, NULL));
	CHECK_OK(key_load(path, &back, NULL));
	key_free(back);
	back = NULL;
	CHECK(chmod(path, 0644) == 0);
	CHECK_ERR(key_load(path, &back, &d), ERR_PERM);
	CHECK(strstr(d.text, "chmod 600") != NULL);
	CHECK(back == NULL);
	key_free(k);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_config_bad_value(void)
{
	struct config *c = NULL;
	struct diag d;
	CHECK_ERR(config_parse("{\"grid_length\": 3}", "test.json", &c, &d),
		  ERR_CONFIG);
	CHECK(strstr(d.text, "grid_length") != NULL);
	CHECK(c == NULL);
	CHECK_ERR(config_parse("[1, 2]", "test.json", &c, &d), ERR_CONFIG);
	CHECK_ERR(config_parse("{", "test.json", &c, &d), ERR_CONFIG);
}

static void
test_timeout_expired_cookie(void)
{
	struct key *client = key_generate(), *server = key_generate();
	struct session_cookies *jar = session_cookies_new(COOKIE_MS, 64);
	struct handshake *hs = NULL;
	struct buf hello = BUF_INIT, ch = BUF_INIT, again = BUF_INIT;
	struct diag d;
	session_hello(client, NET, key_public(server), &hs, &hello);
	CHECK_OK(session_challenge(jar, NOW, hello.data, hello.len, &ch));
	CHECK_OK(session_hello_answer(hs, client, ch.data, ch.len, &again,
				      NULL));
	/* A cookie serves for its lifetime, not a millisecond more. */
	CHECK_ERR(session_cookie_take(jar, NOW + COOKIE_MS, again.data,
				      again.len, &d),
		  ERR_TIMEOUT);
	CHECK(strstr(d.text, "expired") != NULL);
	CHECK_OK(session_cookie_take(jar, NOW + COOKIE_MS - 1, again.data,
				     again.len, NULL));
	buf_release(&hello);
	buf_release(&ch);
	buf_release(&again);
	handshake_free(hs);
	session_cookies_free(jar);
	key_free(client);
	key_free(server);
}

static const struct test tests[] = {
	{ "every code has a name, a message and reads back from its name",
	  test_names_round_trip },
	{ "a second write batch on one store is ERR_BUSY",
	  test_busy_second_batch },
	{ "a write batch on a read-only store is ERR_PERM",
	  test_perm_read_only_store },
	{ "a key file others can read is ERR_PERM", test_perm_key_file_mode },
	{ "a bad configuration is ERR_CONFIG", test_config_bad_value },
	{ "an expired handshake cookie is ERR_TIMEOUT",
	  test_timeout_expired_cookie },
};

TEST_MAIN(tests)

/*
 * announce_test.c - the daemon's change socket (node/announce.h): a
 * datagram sent after a commit reaches the socket a daemon bound in the
 * node directory; with no daemon, sending is harmless; a path too long
 * for a socket address is said so.
 */
#include "node/announce.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/harness.h"
#include "common/banned.h"

static void
test_send_reaches_listener(void)
{
	char *dir = test_tmpdir();
	struct announce *a = announce_new(dir);
	struct diag d;
	int fd = -1;
	CHECK(a);
	announce_send(a); /* nobody listens: nothing happens */
	CHECK_OK(announce_listen(dir, &fd, &d));
	CHECK(announce_drain(fd) == 0);
	announce_send(a);
	announce_send(a);
	CHECK(announce_drain(fd) == 1);
	CHECK(announce_drain(fd) == 0);
	/* A second listener (a daemon restarted) takes the file over. */
	int fd2 = -1;
	CHECK_OK(announce_listen(dir, &fd2, &d));
	announce_send(a);
	CHECK(announce_drain(fd2) == 1);
	close(fd);
	announce_unlisten(dir, fd2);
	char *path = malloc(strlen(dir) + 32);
	snprintf(path, strlen(dir) + 32, "%s/%s", dir, ANNOUNCE_FILE);
	struct stat st;
	CHECK(stat(path, &st) != 0);
	free(path);
	announce_send(a); /* the daemon is gone: still harmless */
	announce_free(a);
	test_tmpdir_remove(dir);
	free(dir);
}

static void
test_path_too_long(void)
{
	char dir[300];
	struct diag d;
	int fd = -1;
	memset(dir, 'x', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	CHECK(announce_new(dir) == NULL);
	announce_send(NULL);
	CHECK_ERR(announce_listen(dir, &fd, &d), ERR_INVAL);
	CHECK(strstr(d.text, "too long") != NULL);
}

static void
test_listen_in_missing_dir(void)
{
	struct diag d;
	int fd = -1;
	CHECK_ERR(announce_listen("/nonexistent-gridcase-dir", &fd, &d), ERR_IO);
	CHECK(strstr(d.text, "cannot bind") != NULL);
}

static const struct test tests[] = {
	{ "a datagram sent after a commit reaches the daemon's socket", test_send_reaches_listener },
	{ "a node path too long for a socket address is said so", test_path_too_long },
	{ "a socket in a missing directory cannot be bound", test_listen_in_missing_dir },
};

TEST_MAIN(tests)

/* announce.c - the daemon's change socket (see announce.h). */
#include "node/announce.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "common/banned.h"

struct announce {
	int fd;
	struct sockaddr_un addr;
};

/* dir's socket address; 0 if the path fits. */
static int
socket_addr(const char *dir, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	int n = snprintf(sa->sun_path, sizeof(sa->sun_path), "%s/%s", dir,
			 ANNOUNCE_FILE);
	return n < 0 || (size_t)n >= sizeof(sa->sun_path) ? -1 : 0;
}

struct announce *
announce_new(const char *dir)
{
	struct sockaddr_un sa;
	if (socket_addr(dir, &sa))
		return NULL;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	struct announce *a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->addr = sa;
	return a;
}

void
announce_free(struct announce *a)
{
	if (!a)
		return;
	close(a->fd);
	free(a);
}

void
announce_send(struct announce *a)
{
	char one = 1;
	if (!a)
		return;
	/* No daemon (ENOENT, ECONNREFUSED) or its queue full (EAGAIN: it
	 * has datagrams to read already): either way nothing to do. */
	(void)!sendto(a->fd, &one, 1, MSG_DONTWAIT | MSG_NOSIGNAL,
		      (const struct sockaddr *)&a->addr, sizeof(a->addr));
}

int
announce_listen(const char *dir, int *fd, struct diag *d)
{
	struct sockaddr_un sa;
	if (socket_addr(dir, &sa))
		return diag_set(d, ERR_INVAL,
				"socket path too long (at most %zu bytes): '%s/%s'",
				sizeof(sa.sun_path) - 1, dir, ANNOUNCE_FILE);
	int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s < 0)
		return diag_set(d, ERR_IO, "cannot make a socket: %s",
				strerror(errno));
	(void)unlink(sa.sun_path); /* a dead daemon's; we hold the lock */
	if (bind(s, (const struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		close(s);
		return diag_set(d, ERR_IO, "cannot bind '%s': %s", sa.sun_path,
				strerror(e));
	}
	*fd = s;
	return 0;
}

int
announce_drain(int fd)
{
	char b[64];
	int any = 0;
	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) >= 0)
		any = 1;
	return any;
}

void
announce_unlisten(const char *dir, int fd)
{
	struct sockaddr_un sa;
	if (fd >= 0)
		close(fd);
	if (socket_addr(dir, &sa) == 0)
		(void)unlink(sa.sun_path);
}

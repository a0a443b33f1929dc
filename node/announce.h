/*
 * announce.h - telling the node's daemon that the store changed.
 *
 * A write to the store by another process (a CLI command) reaches the
 * running daemon through a datagram on a Unix socket in the node's
 * directory, sent after the commit: the daemon hints its peers at once,
 * without waiting for inotify (whose event may come before the commit is
 * visible) and its re-looks (docs/protocol.md §4, "Hints").  The datagram
 * carries nothing: the daemon reads what changed from the store.  With no
 * daemon running, sending costs one failed syscall.
 */
#ifndef GRIDCASE_ANNOUNCE_H
#define GRIDCASE_ANNOUNCE_H

#include "common/err.h"

/* The socket's file in a node directory. */
#define ANNOUNCE_FILE "daemon.sock"

struct announce;

/*
 * A sender for the node in dir (the address worked out once); NULL when
 * the path does not fit a Unix socket address (the daemon's inotify
 * watch still sees the write).  Free with announce_free().
 */
struct announce *announce_new(const char *dir);
void announce_free(struct announce *a);

/* Any thread: one datagram to the daemon, if one listens; never blocks. */
void announce_send(struct announce *a);

/*
 * The daemon's end: binds dir's socket (replacing a file a dead daemon
 * left; the caller holds the daemon lock) and writes its descriptor,
 * non-blocking, to fd.  ERR_IO when it cannot, ERR_INVAL when the path
 * is too long for a socket address.
 */
MUST_CHECK int announce_listen(const char *dir, int *fd, struct diag *d);

/* Reads every datagram waiting on fd; 1 if there was any. */
int announce_drain(int fd);

/* Closes fd and removes dir's socket file. */
void announce_unlisten(const char *dir, int fd);

#endif

/*
 * internal.h - what the files of replication/ share.
 *
 * inbox.c: the queue nng's threads fill; net.c: sockets, contexts, the
 * plumbing of sends and receives; serve.c: answering requests; pull.c:
 * the client's rounds with each peer.  All of it but inbox_push() runs
 * on the owner's loop thread.
 */
#ifndef GRIDCASE_REPL_INTERNAL_H
#define GRIDCASE_REPL_INTERNAL_H

#include <nng/nng.h>
#include <pthread.h>

#include "common/buf.h"
#include "crypto/session.h"
#include "replication/repl.h"
#include "replication/wire.h"

#define SRV_SLOTS 8
#define MAX_INFLIGHT 8
#define MAX_SESSIONS 1024
#define SESSION_IDLE_MS (10 * 60 * 1000)
/* Sessions one client key may hold; a new one replaces its oldest. */
#define SESSIONS_PER_KEY 4
/* Missing blobs asked of one peer in one round. */
#define BLOBS_PER_ROUND 16

/* What an nng callback reports. */
enum item_kind {
	IT_SRV_RECV,
	IT_SRV_SENT,
	IT_CLI_SENT,
	IT_CLI_RECV,
	IT_PIPE_UP,
	IT_PIPE_DOWN,
};

struct item {
	enum item_kind kind;
	int peer; /* client items */
	int slot;
	int result; /* nng's code: 0 ok */
	nng_msg *msg;
	struct item *next;
};

struct inbox {
	pthread_mutex_t mu;
	struct item *head, *tail;
};

void inbox_init(struct inbox *q);
/* Any thread. */
void inbox_push(struct repl *r, struct item *it);
/* Loop thread: takes the whole queue (a list to walk and free). */
struct item *inbox_take(struct inbox *q);
void inbox_release(struct inbox *q);

struct srv_slot {
	struct repl *r;
	int idx;
	nng_ctx ctx;
	nng_aio *aio;
	int sending;
};

struct srv_session {
	struct session *s;
	char name[REPL_NAME_MAX + 1];
	uint8_t client[32];
	uint8_t hello[32]; /* hash of the HELLO that opened it: replays */
	uint64_t last_used_ms;
};

enum req_kind { RQ_NONE, RQ_HELLO, RQ_SUMMARY, RQ_FETCH, RQ_GET, RQ_HINT,
		RQ_BLOB };

struct peer;

struct cli_slot {
	struct peer *p;
	int idx;
	nng_ctx ctx;
	nng_aio *aio;
	enum req_kind kind; /* RQ_NONE: free */
	uint64_t counter;
	uint64_t gen;       /* the round it belongs to */
	uint64_t order;     /* FETCH: admission order */
	struct wire_range range; /* FETCH */
	int receiving;
};

/* One EVENTS reply on its way: verified off the loop, admitted in order. */
struct fetch_job {
	struct peer *p;
	uint64_t gen, order;
	struct wire_range range; /* what was asked (GET: author zero) */
	struct buf plain;        /* the EVENTS message */
	size_t n;
	size_t *off, *len;       /* each envelope in plain */
	int *rc;                 /* seal_open's verdict */
	char network[65];
	int done;
	struct fetch_job *next;
};

struct blob_want {
	uint8_t hash[32];
};

enum peer_state { P_IDLE, P_HELLO, P_SUMMARY, P_FETCH, P_BLOBS };

struct peer {
	struct repl *r;
	int idx;
	struct repl_peer_stats st;
	nng_socket sock;
	int open;
	struct cli_slot slot[MAX_INFLIGHT + 1]; /* the last one for hints */
	struct session *sess;
	struct handshake *hs;
	enum peer_state state;
	uint64_t gen;
	uint64_t next_round_ms;
	uint32_t backoff_ms;
	int again; /* a hint came during a round: go again at once */
	int hint_waiting;
	/* The round's plan. */
	struct wire_range *to_fetch;
	size_t nto_fetch;
	uint8_t (*get)[32];
	size_t nget;
	struct blob_want *blobs;
	size_t nblobs;
	struct buf blob; /* the blob being fetched */
	uint64_t next_order, admit_order;
	struct fetch_job *jobs; /* waiting to be admitted, any order */
	int verifying;
	struct wire_head *heads; /* the peer's last summary */
	size_t nheads;
};

struct repl {
	struct store *store;
	const struct key *me;
	struct repl_options o;
	uint8_t first_author[32];
	int has_first;
	struct repl_hooks h;
	struct inbox inbox;
	int stopping;
	/* Server. */
	nng_socket srv;
	int srv_open;
	struct srv_slot srv_slot[SRV_SLOTS];
	struct srv_session sessions[MAX_SESSIONS];
	/* Peers we pull from. */
	struct peer **peers;
	size_t npeers;
	uint64_t changed_count; /* events in the store at the last hint */
	/* The disk was full at the last commit (space.c). */
	int nospace;
	uint64_t nospace_free;     /* free bytes then */
	uint64_t nospace_check_ms; /* the free space was last looked at */
	uint64_t nospace_retry_ms; /* a round anyway from then */
	char nospace_text[320];    /* the store's words */
};

uint64_t repl_now_ms(void);
uint64_t repl_wall_ms(void);

/* net.c */
int net_server_open(struct repl *r, struct diag *d);
int net_peer_open(struct peer *p, struct diag *d);
void net_server_reply(struct srv_slot *s, const struct buf *msg);
void net_server_recv(struct srv_slot *s);
/* Sends msg on a client slot; its reply comes as IT_CLI_RECV. */
void net_client_send(struct cli_slot *s, const struct buf *msg);
void net_client_recv(struct cli_slot *s);
void net_close_all(struct repl *r);

/* serve.c: answers one request; always writes a reply into out. */
void serve_request(struct repl *r, const uint8_t *p, size_t n,
		   struct buf *out);

/* space.c: the disk full under replication. */
/* A commit found no room for what ("500 events") from peer: note it
 * (and say it, once). */
void space_full(struct repl *r, const char *peer, const char *what,
		const char *detail);
/* A commit succeeded. */
void space_stored(struct repl *r);
/* 1 while rounds should wait for room. */
int space_wait(struct repl *r);

/* pull.c */
void pull_tick(struct peer *p);
void pull_on_sent(struct peer *p, struct cli_slot *s, int result);
void pull_on_reply(struct peer *p, struct cli_slot *s, int result,
		   nng_msg *msg);
void pull_hint(struct peer *p);
void pull_changed(struct peer *p);
struct peer *peer_by_key(struct repl *r, const uint8_t key[32]);
void peer_error(struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void peer_release(struct peer *p);

#endif

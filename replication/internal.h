/*
 * internal.h - what the files of replication/ share.
 *
 * inbox.c: the queue nng's threads fill; net.c: sockets, contexts, the
 * plumbing of sends and receives; conns.c: the server's connections and
 * contexts, and their limits; serve.c: answering requests; pull.c: the
 * client's rounds with each peer.  All of it but inbox_push() runs on the
 * owner's loop thread.
 */
#ifndef GRIDCASE_REPL_INTERNAL_H
#define GRIDCASE_REPL_INTERNAL_H

#include <nng/nng.h>
#include <pthread.h>

#include "common/buf.h"
#include "common/log.h"
#include "crypto/hash.h"
#include "crypto/session.h"
#include "replication/repl.h"
#include "replication/wire.h"

/*
 * The server's contexts: SRV_RECV_SLOTS always wait for a request; one
 * that has answered waits for its reply to go out, and another takes its
 * place, up to SRV_SLOTS_MAX in all.  So a connection that does not read
 * holds only its own contexts (at most PIPE_PENDING_* of them, then it is
 * cut), never the ones that serve the others.
 */
#define SRV_RECV_SLOTS 8
#define SRV_SLOTS_MAX 64
/* Replies on their way to one connection, before it is cut as one that
 * does not read: a client that has not authenticated sends one request at
 * a time; a peer's pipelined rounds send up to MAX_INFLIGHT + a hint. */
#define PIPE_PENDING_UNAUTH 2
#define PIPE_PENDING_AUTH 16
/* Authenticated connections one key may hold (a new one closes its
 * least recently used). */
#define PIPES_PER_KEY 8
/* Descriptors kept aside from the connections: files, the store, the
 * loop, nng's own; plus FD_PER_PEER for each peer we pull from (our
 * connection to it and its connection to us). */
#define FD_RESERVE 64
#define FD_PER_PEER 2
#define MAX_INFLIGHT 8
/* Replies sent for and not yet admitted, per request in flight: they wait
 * here when checking is slower than the network, and are admitted
 * several at a time (below). */
#define REPLY_WINDOW 4
#define REPLY_WINDOW_MAX (REPLY_WINDOW * MAX_INFLIGHT)
/* Checked replies admitted in one batch (one durable commit) when several
 * are ready at once, up to about this many events (pull.c, admit_ready):
 * the larger the batch, the more of its events share each page of the
 * id index it writes (docs/performance.md, "the log in arrival order");
 * a batch holds about 3 KiB of LMDB's dirty pages per event in memory. */
#define ADMIT_GROUP_MAX REPLY_WINDOW_MAX
_Static_assert(ADMIT_GROUP_MAX <= 32, "admit_ready's mask of ready replies has 32 bits");
#define ADMIT_GROUP_EVENTS 12000
/* Fewer events than this checked in a row wait for the replies still
 * coming, while more may be sent. */
#define ADMIT_GROUP_MIN 4000
/* How long the peers a new event is not addressed to wait, at most, for
 * its addressee's answer to the PUSH it was sent first. */
#define FIRST_HOLD_MS 50
/* How long a lazy relay waits, and the authors whose relays one peer
 * keeps lazy, at most (beyond: eager). */
#define LAZY_MS 500
#define LAZY_AUTHORS_MAX 4096
#define MAX_SESSIONS 1024
#define SESSION_IDLE_MS (10 * 60 * 1000)
/* A session idle this long may give its place to another key's. */
#define SESSION_STALE_MS (60 * 1000)
/* Sessions one client key may hold; a new one replaces its oldest. */
#define SESSIONS_PER_KEY 4
/* Cookies live this long; this many taken cookies are remembered. */
#define COOKIE_MS 10000
#define COOKIES_REMEMBERED 8192
/* Handshakes (signature checks) a second from one address, and in a burst. */
#define HANDSHAKES_PER_S 20
#define HANDSHAKE_BURST 40
#define ADDR_BUCKETS 256
/* Missing blobs asked of one peer in one round. */
#define BLOBS_PER_ROUND 16
/* Empty answers to a FETCH its summary promised events for, in one round,
 * before the round ends; and how long the rounds with a peer that
 * misbehaves back off, at most. */
#define EMPTY_FETCHES_MAX 4
#define MISBEHAVE_BACKOFF_MS 1000
#define MISBEHAVE_BACKOFF_MAX_MS 60000
/* Windows of the limited log lines. */
#define LOG_WINDOW_MS 10000

/* What an nng callback reports. */
enum item_kind {
	IT_SRV_RECV,
	IT_SRV_SENT,
	IT_CLI_SENT,
	IT_CLI_RECV,
	IT_PIPE_UP,
	IT_PIPE_DOWN,
	IT_SRV_PIPE_ADD,
	IT_SRV_PIPE_REM,
};

/* A connection's source address, as text ("10.0.0.7"; "local" for ipc). */
#define ADDR_TEXT 48

struct item {
	enum item_kind kind;
	int peer; /* client items */
	int slot;
	int result; /* nng's code: 0 ok */
	nng_msg *msg;
	uint32_t pipe;            /* server pipe items */
	char addr[ADDR_TEXT];     /* IT_SRV_PIPE_ADD */
	int tcp;                  /* IT_SRV_PIPE_ADD: a TCP connection */
	nng_sockaddr local, remote; /* IT_SRV_PIPE_ADD */
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

enum slot_state { SLOT_IDLE, SLOT_RECV, SLOT_SEND };

struct srv_slot {
	struct repl *r;
	int idx;
	int open;     /* ctx and aio made */
	nng_ctx ctx;
	nng_aio *aio;
	int sending;  /* read by the callback: what the operation was */
	enum slot_state state;
	uint32_t pipe; /* SLOT_SEND: the connection its reply goes to */
};

/*
 * One connection to our server, from its nng pipe's arrival to its end.
 * Unauthenticated until a sealed request of a session opens on it (or a
 * handshake is welcomed on it): until then it holds a place among
 * max_unauthenticated and must finish within handshake_ms.
 */
struct srv_pipe {
	uint32_t id;
	char addr[ADDR_TEXT];
	int tcp;
	nng_sockaddr local, remote;
	uint64_t since_ms, last_ms;
	int authed;
	int asked;        /* it asked for a cookie for a member's key */
	uint8_t key[EVENT_KEY_BYTES]; /* authed: whose */
	uint32_t pending; /* replies given to nng, not yet sent */
	int closing;      /* we closed it; its end has not been reported */
};

/* The process's TCP sockets by address, for closing connections (net.c). */
struct fd_entry;
struct fd_cache {
	struct fd_entry *e;
	size_t n;
	int valid;
};

/* Signature checks allowed to one address (a token bucket). */
struct addr_budget {
	char addr[ADDR_TEXT];
	double tokens;
	uint64_t at_ms;
};

struct srv_session {
	struct session *s;
	char name[REPL_NAME_MAX + 1];
	uint8_t client[EVENT_KEY_BYTES];
	uint64_t last_used_ms;
};

enum req_kind { RQ_NONE, RQ_HELLO, RQ_SUMMARY, RQ_FETCH, RQ_GET, RQ_HINT,
		RQ_BLOB, RQ_PUSH };

/* A feed that advanced here, seqs from..to (to's id): owed to a peer in
 * the next PUSH (repl.c, repl_changed). */
struct owed {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t from, to;
	uint8_t id[EVENT_ID_BYTES];
	int relay; /* every event of it was admitted here from a peer */
};

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
	int probe;          /* FETCH: the first of its range */
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
	int *rc;                 /* seal_open's verdict; FETCH_KNOWN: not checked */
	uint64_t known_upto;     /* the range's author's seq here at sending */
	char network[65];
	int done;
	uint32_t checked;        /* seal_open calls on the worker */
	struct fetch_job *next;
};

/* A FETCHed event at or below the seq we held of its author when the reply
 * came: likely stored already (by another peer's round), so not checked on
 * the worker; admit_job() looks it up first and checks it only if not. */
#define FETCH_KNOWN (-1)

struct blob_want {
	uint8_t hash[HASH_BYTES];
};

enum peer_state { P_IDLE, P_HELLO, P_SUMMARY, P_FETCH, P_BLOBS };

/* A range of the round's plan, and what its FETCHes showed so far. */
struct plan_range {
	struct wire_range r;
	int probing; /* its first FETCH is out: send no more until it answers */
	int proven;  /* an answer brought events */
};

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
	/*
	 * What to tell the peer at the next hint: the feeds that advanced
	 * here since the last one (a PUSH), or, when that is not known
	 * exactly or does not fit, that it should run a round (a HINT).
	 */
	struct owed owed[WIRE_PUSH_HEADS];
	size_t nowed;
	int owe_round;
	/*
	 * A new event is addressed to another peer, which was pushed it
	 * first: what is owed here waits until that peer answers, or until
	 * this time (repl_now_ms) at the latest.
	 */
	uint64_t hold_until_ms;
	int first_pending; /* pushed first: the others wait for its answer */
	/*
	 * Relays (events admitted here from peers) of these authors reached
	 * the peer by another way first (its HELD said so): sorted; they go
	 * to it lazily, LAZY_MS after the first one waits, all together.
	 */
	struct wire_head *lazy;
	size_t nlazy;
	uint64_t lazy_due_ms; /* 0: none waits */
	/* The heads of the PUSH in flight, and which of them were relays. */
	struct wire_head pushed[WIRE_PUSH_HEADS];
	size_t npushed;
	uint32_t pushed_relay;
	/* The peer answered a PUSH with an ERROR (a node that does not know
	 * it): HINTs only, until the next session. */
	int no_push;
	/* An event of its PUSHes was refused: the events of its next PUSHes
	 * are not looked at (a HINT's worth) until a round with it goes by
	 * without a refused event. */
	int push_distrust;
	int round_refused; /* in this round */
	/* The round's plan. */
	struct plan_range *to_fetch;
	size_t nto_fetch;
	int empty_fetches;      /* empty answers to promised ranges, this round */
	int misbehaved;         /* in this round */
	uint32_t misbehave_backoff_ms;
	uint8_t (*get)[EVENT_ID_BYTES];
	size_t nget;
	struct blob_want *blobs;
	size_t nblobs;
	struct buf blob; /* the blob being fetched */
	uint64_t next_order, admit_order;
	struct fetch_job *jobs; /* waiting to be admitted, any order */
	/* FETCHes sent and not yet admitted, by order % REPLY_WINDOW_MAX:
	 * other peers' rounds leave these ranges to this one. */
	struct wire_range out[REPLY_WINDOW_MAX];
	int verifying;
	/* What the peer holds, as far as we know: its last summary, sorted
	 * by author, moved on by the heads of its PUSHes. */
	struct wire_head *heads;
	size_t nheads;
};

struct repl {
	struct store *store;
	const struct key *me;
	struct repl_options o;
	uint8_t first_author[EVENT_KEY_BYTES];
	int has_first;
	struct repl_hooks h;
	struct inbox inbox;
	int stopping;
	/* Server. */
	nng_socket srv;
	int srv_open;
	struct srv_slot srv_slot[SRV_SLOTS_MAX];
	int srv_receiving; /* slots in SLOT_RECV */
	struct srv_pipe *pipes;
	size_t npipes, pipes_cap;
	struct srv_session sessions[MAX_SESSIONS];
	/* The answer to a request and its sealed form, kept from one request
	 * to the next (all on the loop thread): a reply is up to a MiB, and
	 * fresh memory costs a page fault per 4 KiB written. */
	struct buf answer, sealed;
	struct session_cookies *cookies;
	struct fd_cache fds;
	struct addr_budget budgets[ADDR_BUCKETS];
	/* Repeated lines, limited: those any host can make us write, and
	 * those about roster members (the peers we pull from, the sessions
	 * we serve), on a budget of their own so that a flood of hosts with
	 * no key cannot crowd out what a member did. */
	struct log_limit *log, *log_members;
	/* Peers we pull from. */
	struct peer **peers;
	size_t npeers;
	uint64_t changed_count; /* events in the store at the last hint */
	/* The store's summary then, sorted by author: what advanced since
	 * is what the next PUSHes carry (has_snap: it was read). */
	struct wire_head *snap;
	size_t nsnap;
	int has_snap;
	/* The highest seq of each author admitted from a peer: the feeds
	 * that advanced no further are relays (sorted by author). */
	struct wire_head *relayed;
	size_t nrelayed;
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
/* Opens the slot's context if it is not yet; 0 or nng's code. */
int net_slot_open(struct srv_slot *s);
/* Gives up a slot's reply that has not left: it reports IT_SRV_SENT. */
void net_slot_cancel(struct srv_slot *s);
/* Sends a reply on a slot, to be sent within timeout_ms. */
void net_server_reply(struct srv_slot *s, const struct buf *msg,
		      uint32_t timeout_ms);
void net_server_recv(struct srv_slot *s);
/*
 * Closes one of the server's connections: its pipe id, and for TCP its
 * two addresses (see net.c on why not by the pipe alone).
 */
void net_pipe_close(struct repl *r, uint32_t id, int tcp,
		    const nng_sockaddr *local, const nng_sockaddr *remote);
/* Forgets the sockets net_pipe_close() looked up (they may have changed). */
void net_fd_cache_clear(struct fd_cache *c);
/* The pipe a received message came on. */
uint32_t net_msg_pipe(nng_msg *m);
/* Sends msg on a client slot; its reply comes as IT_CLI_RECV. */
void net_client_send(struct cli_slot *s, const struct buf *msg);
void net_client_recv(struct cli_slot *s);
void net_close_all(struct repl *r);

/*
 * serve.c: answers one request that came on connection sp; writes a
 * reply into out, or nothing when the connection is to be dropped
 * unanswered.  May mark sp authenticated.
 */
void serve_request(struct repl *r, struct srv_pipe *sp, const uint8_t *p,
		   size_t n, struct buf *out);
/* Says why a client was refused, limited per client and reason. */
void serve_log_refusal(struct repl *r, const char *who, const char *text);

/* conns.c: the server's connections and contexts. */
void conns_pipe_added(struct repl *r, const struct item *it);
void conns_pipe_removed(struct repl *r, uint32_t id);
struct srv_pipe *conns_pipe(struct repl *r, uint32_t id);
/* Closes a connection, saying why (limited in the log). */
void conns_close(struct repl *r, struct srv_pipe *sp, const char *why);
/* A connection proved its key: keeps each key within PIPES_PER_KEY. */
void conns_authed(struct repl *r, struct srv_pipe *sp,
		  const uint8_t key[EVENT_KEY_BYTES]);
void conns_server_item(struct repl *r, struct item *it);
/* Loop thread, often: handshakes past their deadline. */
void conns_tick(struct repl *r);
void conns_release(struct repl *r);

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
/* The feeds in adv advanced here (NULL: something else changed, a round
 * is owed): every peer not blocked is told, the new events' addressees
 * first. */
void pull_changed(struct repl *r, const struct owed *adv, size_t n);
/* A PUSH from p (decoded): its events admitted, a round if anything is
 * missing after them.  Returns HELD's mask: the heads held here before. */
uint32_t pull_push(struct peer *p, const struct wire_push *w);
/* Maps of heads by author, sorted: the seq of author (0: none); noting a
 * head keeps the higher seq. */
uint64_t heads_seq(const struct wire_head *h, size_t n,
		   const uint8_t author[EVENT_KEY_BYTES]);
void heads_note(struct wire_head **h, size_t *n, const struct wire_head *x);
struct peer *peer_by_key(struct repl *r, const uint8_t key[EVENT_KEY_BYTES]);
void peer_error(struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void peer_release(struct peer *p);

#endif

/* daemon.c - the libuv loop of `gridcase run` (see daemon.h). */
#include "node/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "common/clock.h"
#include "common/log.h"
#include "common/mp.h"
#include "common/xalloc.h"
#include "crypto/key.h"
#include "node/announce.h"
#include "node/case/config.h"
#include "node/node.h"
#include "node/peers.h"
#include "node/witness.h"
#include "node/case/roster.h"
#include "replication/repl.h"
#include "replication/wire.h"
#include "store/store.h"
#include "common/banned.h"

#define TICK_MS 20

/* The peers blocked here (node_peer_blocks_walk), re-read each second. */
#define DAEMON_MAX_BLOCKS 256
struct blocked {
	char names[DAEMON_MAX_BLOCKS][PEER_NAME_MAX + 1];
	size_t n;
};

struct daemon {
	struct node *n;
	const struct daemon_opts *o;
	uv_loop_t loop;
	uv_async_t wake;
	uv_async_t fe_wake; /* the front end has work (o->fe) */
	uv_timer_t tick, second;
	uv_timer_t settle;        /* re-looks after a change to the file */
	uint64_t settle_until_ms;
	uv_fs_event_t watch;
	uv_signal_t sigint, sigterm, sighup;
	int watching;
	/* Commits announced by other processes (node/announce.h), and by
	 * our own store (its commit hook): hint at once. */
	uv_poll_t announced;
	int announce_fd;
	int committed;
	struct repl *repl;
	int stopping;
	int lock_fd;
	uint64_t active_ms; /* when events last arrived (or the start) */
	struct blocked blocks;
	/* The storage state as recorded in the lock file (daemon.h), and
	 * whether it is; the live state's writes failing (said once). */
	char storage[320];
	int storage_recorded;
	int live_state_failing;
	/* What `gridcase status` reads (daemon.h): as last written. */
	char listen[ROSTER_ADDR_MAX + 1];
	int64_t started_s;
	char status[512];
	uint64_t last_checkpoint; /* uv_now() of the last one (or the start) */
	unsigned seconds;
	unsigned look_s;     /* the slow look's period (look_period()) */
	unsigned look_since; /* seconds since the last slow look */
};

/*
 * How long `repl sync` waits without receiving an event before it gives
 * up: a catch-up of millions of events may take minutes, a dead peer not.
 */
#define ONE_ROUND_IDLE_MS 60000

/*
 * The slow look at the store, in case both the announcement and the file
 * watch missed a commit: every second, or every GRIDCASE_LOOK_S seconds.
 * Tests set it to an hour to show that announcements and the watch alone
 * carry every commit to the peers (tests/integration/repl_basic.sh),
 * without timing anything.
 */
static int
look_period(unsigned *out, struct diag *d)
{
	const char *env = getenv("GRIDCASE_LOOK_S");
	char *end;
	*out = 1;
	if (!env || !*env)
		return 0;
	unsigned long v = strtoul(env, &end, 10);
	if (*end || v < 1 || v > 86400)
		return diag_set(d, ERR_INVAL,
				"GRIDCASE_LOOK_S='%s': the slow look's period takes 1 to 86400 seconds",
				env);
	*out = (unsigned)v;
	return 0;
}

/* After a change to data.mdb, look again every 4 ms for 200 ms. */
#define SETTLE_STEP_MS 4
#define SETTLE_MS 200

/* ---- the hooks the engine calls ---- */

static void
hook_wake(void *ctx)
{
	struct daemon *dm = ctx;
	uv_async_send(&dm->wake); /* thread-safe */
}

struct work {
	uv_work_t req;
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
};

static void
work_cb(uv_work_t *req)
{
	struct work *w = req->data;
	w->work(w->arg);
}

static void
after_work_cb(uv_work_t *req, int status)
{
	struct work *w = req->data;
	(void)status; /* cancelled work still reports done: it frees itself */
	w->done(w->arg);
	free(w);
}

static void
hook_submit(void *ctx, void (*work)(void *), void (*done)(void *), void *arg)
{
	struct daemon *dm = ctx;
	struct work *w = xcalloc(1, sizeof(*w));
	w->work = work;
	w->done = done;
	w->arg = arg;
	w->req.data = w;
	if (uv_queue_work(&dm->loop, &w->req, work_cb, after_work_cb) != 0) {
		/* Cannot happen on a live loop; check in place rather than
		 * lose the reply. */
		work(arg);
		done(arg);
		free(w);
	}
}

static int
hook_authorize(void *ctx, const uint8_t key[EVENT_KEY_BYTES], char *name,
	       size_t n)
{
	struct daemon *dm = ctx;
	const struct roster *r = node_roster(dm->n);
	if (!r)
		return 0;
	const struct member *m = roster_lookup(r, key, 0);
	if (!m)
		return 0; /* unknown, or revoked: a revoked key cannot connect */
	snprintf(name, n, "%s", m->name);
	/* Blocked here, whether or not we pull from it. */
	for (size_t i = 0; i < dm->blocks.n; i++)
		if (strcmp(dm->blocks.names[i], m->name) == 0)
			return -1;
	return 1;
}

/*
 * An event whose body names a unit (a dispatch, a resolution that sends
 * the case to a unit) is addressed to the members of that unit: among
 * the peers, the node of the office it goes to.
 */
static int
hook_addressed(void *ctx, const uint8_t *env, size_t n,
	       const uint8_t key[EVENT_KEY_BYTES])
{
	struct daemon *dm = ctx;
	const struct roster *r = node_roster(dm->n);
	const struct member *m = r ? roster_lookup(r, key, 0) : NULL;
	struct envelope e;
	struct event ev;
	struct mp_reader body, v;
	const char *unit;
	size_t used, len;
	if (!m || !m->unit[0] || envelope_read(env, n, &e, &used, NULL) ||
	    event_decode(e.event, e.event_len, &ev, NULL))
		return 0;
	mp_reader_init(&body, ev.body, ev.body_len, NULL);
	return mp_map_find(&body, "unit", &v) == 0 && mp_get_str(&v, &unit, &len) == 0 &&
	       len == strlen(m->unit) && memcmp(unit, m->unit, len) == 0;
}

static void
hook_progress(void *ctx, const char *peer, uint64_t events)
{
	struct daemon *dm = ctx;
	char what[PEER_NAME_MAX + 8];
	uint64_t lack = 0;
	dm->active_ms = uv_now(&dm->loop);
	if (!dm->o->progress)
		return;
	for (size_t i = 0; i < repl_peer_count(dm->repl); i++) {
		const struct repl_peer_stats *st = repl_peer_stats(dm->repl, i);
		if (strcmp(st->name, peer) == 0)
			lack = st->we_lack;
	}
	snprintf(what, sizeof(what), "sync %s", peer);
	dm->o->progress(dm->o->progress_ctx, what, events,
			lack ? events + lack : 0);
}

/* ---- live state for `gridcase peers` ---- */

static void
write_live_state(struct daemon *dm)
{
	struct diag d;
	for (size_t i = 0; i < repl_peer_count(dm->repl); i++) {
		const struct repl_peer_stats *st = repl_peer_stats(dm->repl, i);
		struct peer_record p;
		size_t nh;
		const struct wire_head *h = repl_peer_heads(dm->repl, i, &nh);
		memset(&p, 0, sizeof(p));
		snprintf(p.name, sizeof(p.name), "%s", st->name);
		snprintf(p.addr, sizeof(p.addr), "%s", st->addr);
		memcpy(p.key, st->key, sizeof(p.key));
		p.connected = st->connected;
		p.blocked = st->blocked;
		p.refused = st->refused;
		p.misbehaving = st->misbehaving;
		p.last_contact_ms = st->last_contact_ms;
		p.updated_ms = clock_now_ms();
		snprintf(p.last_error, sizeof(p.last_error), "%s", st->last_error);
		snprintf(p.misbehaviour, sizeof(p.misbehaviour), "%s",
			 st->misbehaviour);
		p.events_in = st->events_in;
		p.events_out = st->events_out;
		p.bytes_in = st->bytes_in;
		p.bytes_out = st->bytes_out;
		p.rounds = st->rounds;
		p.pushed_in = st->pushed_in;
		p.pushed_first = st->pushed_first;
		p.lazy_authors = st->lazy_authors;
		p.checked = st->checked;
		p.checked_again = st->checked_again;
		p.errors = st->errors;
		p.we_lack = st->we_lack;
		p.they_lack = st->they_lack;
		if (nh)
			p.heads = xcalloc(nh, sizeof(*p.heads));
		for (size_t k = 0; k < nh; k++) {
			memcpy(p.heads[k].author, h[k].author, EVENT_KEY_BYTES);
			p.heads[k].seq = h[k].seq;
		}
		p.nheads = nh;
		int rc = node_peer_put(dm->n, &p, &d);
		peer_record_release(&p);
		/* Every second: on a full disk, say it once. */
		if (rc && !dm->live_state_failing)
			log_warn("daemon", "cannot record peer state: %s", d.text);
		dm->live_state_failing = rc != 0;
		if (rc)
			break;
	}
}

/*
 * Records why fetched events cannot be stored (or that they can) in the
 * lock file's state bytes (daemon.h), when that changed; a write that
 * fails is tried again at the next second.
 */
static void
record_storage(struct daemon *dm)
{
	char state[DAEMON_STATE_BYTES];
	const char *now = repl_storage_error(dm->repl);
	if (dm->lock_fd < 0 ||
	    (dm->storage_recorded && strcmp(now, dm->storage) == 0))
		return;
	memset(state, 0, sizeof(state));
	snprintf(state, sizeof(state), "%s", now);
	if (pwrite(dm->lock_fd, state, sizeof(state), 0) != (ssize_t)sizeof(state))
		return;
	snprintf(dm->storage, sizeof(dm->storage), "%s", now);
	dm->storage_recorded = 1;
}

/*
 * Writes the status file (daemon.h) when its text changed: beside it,
 * then renamed over it, so that a reader sees one whole version.  A
 * failure (a full disk) leaves the last version, and is tried again.
 */
static void
write_status(struct daemon *dm)
{
	char text[sizeof(dm->status)];
	unsigned connected = 0;
	size_t np = repl_peer_count(dm->repl);
	for (size_t i = 0; i < np; i++)
		connected += repl_peer_stats(dm->repl, i)->connected != 0;
	snprintf(text, sizeof(text),
		 "pid %ld\nstarted %lld\nlisten %s\npeers %zu\nconnected %u\n",
		 (long)getpid(), (long long)dm->started_s,
		 dm->listen[0] ? dm->listen : "-", np, connected);
	if (strcmp(text, dm->status) == 0)
		return;
	char *path = xasprintf("%s/%s", node_dir(dm->n), DAEMON_STATUS_FILE);
	char *tmp = xasprintf("%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	if (fd >= 0) {
		int ok = write(fd, text, len) == (ssize_t)len;
		if (close(fd) == 0 && ok && rename(tmp, path) == 0)
			snprintf(dm->status, sizeof(dm->status), "%s", text);
		else
			(void)unlink(tmp);
	}
	free(tmp);
	free(path);
}

static void
remove_status(struct daemon *dm)
{
	char *path = xasprintf("%s/%s", node_dir(dm->n), DAEMON_STATUS_FILE);
	(void)unlink(path);
	free(path);
}

void
daemon_status_read(const char *dir, struct daemon_status *st)
{
	char *path = xasprintf("%s/%s", dir, DAEMON_STATUS_FILE);
	FILE *f = fopen(path, "r");
	char line[320];
	memset(st, 0, sizeof(*st));
	st->running = daemon_is_running(dir);
	free(path);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ' ');
		if (!v)
			continue;
		*v++ = '\0';
		v[strcspn(v, "\n")] = '\0';
		if (strcmp(line, "pid") == 0)
			st->pid = strtol(v, NULL, 10);
		else if (strcmp(line, "started") == 0)
			st->started_s = strtoll(v, NULL, 10);
		else if (strcmp(line, "listen") == 0)
			snprintf(st->listen, sizeof(st->listen), "%s",
				 strcmp(v, "-") == 0 ? "" : v);
		else if (strcmp(line, "peers") == 0)
			st->peers = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(line, "connected") == 0)
			st->connected = (unsigned)strtoul(v, NULL, 10);
	}
	fclose(f);
	st->have_file = st->pid > 0;
}

/* Peers blocked with `gridcase peers block NAME`. */

static int
collect_block(const char *key, size_t kn, void *ctx)
{
	struct blocked *b = ctx;
	if (b->n < DAEMON_MAX_BLOCKS && kn <= PEER_NAME_MAX) {
		memcpy(b->names[b->n], key, kn);
		b->names[b->n++][kn] = '\0';
	}
	return 0;
}

static void
apply_blocks(struct daemon *dm)
{
	struct blocked *b = &dm->blocks;
	b->n = 0;
	if (node_peer_blocks_walk(dm->n, collect_block, b) < 0)
		return;
	for (size_t i = 0; i < repl_peer_count(dm->repl); i++) {
		const struct repl_peer_stats *st = repl_peer_stats(dm->repl, i);
		int want = 0;
		for (size_t k = 0; k < b->n; k++)
			if (strcmp(b->names[k], st->name) == 0)
				want = 1;
		if (want != st->blocked)
			repl_block(dm->repl, st->name, want);
	}
}

/* ---- peers from the roster ---- */

static int
wanted(const struct daemon *dm, const char *name)
{
	const struct config *cfg = node_config(dm->n);
	if (dm->o->peers) {
		for (size_t i = 0; i < dm->o->npeers; i++)
			if (strcmp(dm->o->peers[i], name) == 0)
				return 1;
		return 0;
	}
	if (!cfg->repl.npeers)
		return 1;
	for (size_t i = 0; i < cfg->repl.npeers; i++)
		if (strcmp(cfg->repl.peers[i], name) == 0)
			return 1;
	return 0;
}

struct add_peers {
	struct daemon *dm;
	int rc;
	struct diag *d;
};

static int
add_member(const struct member *m, int revoked, uint64_t last, void *ctx)
{
	struct add_peers *a = ctx;
	struct daemon *dm = a->dm;
	(void)last;
	if (revoked || !m->naddrs ||
	    memcmp(m->key, key_public(node_key(dm->n)), EVENT_KEY_BYTES) == 0 ||
	    !wanted(dm, m->name))
		return 0;
	for (size_t i = 0; i < repl_peer_count(dm->repl); i++)
		if (memcmp(repl_peer_stats(dm->repl, i)->key, m->key,
			   EVENT_KEY_BYTES) == 0)
			return 0; /* already a peer */
	const char *addr = dm->o->peer_addr ? dm->o->peer_addr : m->addrs[0];
	log_info("daemon", "peer %s at %s", m->name, addr);
	if ((a->rc = repl_add_peer(dm->repl, m->name, addr, m->key, a->d)))
		return 1;
	return 0;
}

static int
refresh_peers(struct daemon *dm, struct diag *d)
{
	const struct roster *r = node_roster(dm->n);
	struct add_peers a = { dm, 0, d };
	if (!r)
		return diag_set(d, ERR_IO, "cannot read the roster");
	(void)!roster_walk(r, add_member, &a);
	return a.rc;
}

/* The address to serve on: option, configuration, or the roster. */
struct listen_find {
	char addr[ROSTER_ADDR_MAX + 1];
	uint8_t me[EVENT_KEY_BYTES]; /* the roster's entry to look for */
};

static int
my_address(const struct member *m, int revoked, uint64_t last, void *ctx)
{
	struct listen_find *lf = ctx;
	(void)revoked;
	(void)last;
	if (memcmp(m->key, lf->me, EVENT_KEY_BYTES) == 0 && m->naddrs)
		snprintf(lf->addr, sizeof(lf->addr), "%s", m->addrs[0]);
	return 0;
}

static void
find_listen(struct daemon *dm, struct listen_find *out)
{
	const struct config *cfg = node_config(dm->n);
	const struct roster *r = node_roster(dm->n);
	out->addr[0] = '\0';
	if (dm->o->listen) {
		snprintf(out->addr, sizeof(out->addr), "%s", dm->o->listen);
		return;
	}
	if (cfg->repl.listen[0]) {
		snprintf(out->addr, sizeof(out->addr), "%s", cfg->repl.listen);
		return;
	}
	if (r) {
		memcpy(out->me, key_public(node_key(dm->n)), EVENT_KEY_BYTES);
		(void)!roster_walk(r, my_address, out);
	}
}

/* ---- the loop ---- */

static void
close_cb(uv_handle_t *h)
{
	(void)h;
}

/*
 * How long a stop may take.  Closing nng sockets has hung in some nng
 * releases (nanomsg/nng#1813: an aio aborted while its task is being
 * prepared); a daemon that never exits would hold the store's lock and
 * leave its service stuck.  Ending the process then loses nothing: every
 * acknowledged event is already committed, and a write transaction cut
 * short is rolled back by LMDB.
 */
#define STOP_GRACE_S 10
#define STR_(x) #x
#define STR(x) STR_(x)

static void
stop_overdue(int sig)
{
	static const char msg[] = "gridcase: stopping took more than "
				  STR(STOP_GRACE_S) " s (nng did not close); "
				  "exiting: every acknowledged event is committed\n";
	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

static void
begin_stop(struct daemon *dm)
{
	if (dm->stopping)
		return;
	dm->stopping = 1;
	log_info("daemon", "stopping");
	signal(SIGALRM, stop_overdue);
	alarm(STOP_GRACE_S);
	/* First nng: after this no callback can wake the loop. */
	repl_stop(dm->repl);
	if (dm->o->fe) {
		dm->o->fe->stop(dm->o->fe->ctx);
		uv_close((uv_handle_t *)&dm->fe_wake, close_cb);
	}
	uv_close((uv_handle_t *)&dm->wake, close_cb);
	uv_close((uv_handle_t *)&dm->tick, close_cb);
	uv_close((uv_handle_t *)&dm->second, close_cb);
	uv_close((uv_handle_t *)&dm->settle, close_cb);
	uv_close((uv_handle_t *)&dm->sigint, close_cb);
	uv_close((uv_handle_t *)&dm->sigterm, close_cb);
	uv_close((uv_handle_t *)&dm->sighup, close_cb);
	if (dm->watching)
		uv_close((uv_handle_t *)&dm->watch, close_cb);
	if (dm->announce_fd >= 0)
		uv_close((uv_handle_t *)&dm->announced, close_cb);
}

static void
hook_fe_wake(void *ctx)
{
	struct daemon *dm = ctx;
	uv_async_send(&dm->fe_wake); /* thread-safe */
}

static void
fe_wake_cb(uv_async_t *h)
{
	struct daemon *dm = h->data;
	if (!dm->stopping)
		dm->o->fe->process(dm->o->fe->ctx);
}

static void
wake_cb(uv_async_t *h)
{
	struct daemon *dm = h->data;
	if (dm->stopping)
		return;
	repl_process(dm->repl);
	if (dm->committed) {
		dm->committed = 0;
		repl_changed(dm->repl);
	}
}

/* Our own store committed (events fetched, or due ones promoted). */
static void
own_commit(void *ctx)
{
	struct daemon *dm = ctx;
	if (dm->stopping)
		return;
	dm->committed = 1;
	uv_async_send(&dm->wake);
}

/* Another process committed to our store and said so: no need to wait
 * for inotify and the re-looks, the commit is visible. */
static void
announced_cb(uv_poll_t *h, int status, int events)
{
	struct daemon *dm = h->data;
	(void)events;
	if (dm->stopping || status != 0)
		return;
	if (announce_drain(dm->announce_fd)) {
		apply_blocks(dm); /* a block changed, perhaps */
		repl_changed(dm->repl);
	}
}

static void
tick_cb(uv_timer_t *h)
{
	struct daemon *dm = h->data;
	if (dm->stopping)
		return;
	repl_tick(dm->repl);
	if (dm->o->fe)
		dm->o->fe->process(dm->o->fe->ctx);
	if (dm->o->one_round &&
	    (repl_done(dm->repl) ||
	     uv_now(&dm->loop) - dm->active_ms > ONE_ROUND_IDLE_MS))
		begin_stop(dm);
}

/*
 * Witnessed time (node/witness.h): a checkpoint every interval, and every
 * 5 s the peers' checkpoints this node can check now, countersigned.
 */
static void
witness(struct daemon *dm)
{
	const struct config *cfg = node_config(dm->n);
	uint64_t interval = cfg->repl.checkpoint_interval_ms;
	struct diag d;
	size_t signed_now = 0;
	if (!interval)
		return;
	if (uv_now(&dm->loop) - dm->last_checkpoint >= interval) {
		dm->last_checkpoint = uv_now(&dm->loop);
		if (witness_checkpoint(dm->n, clock_now_ms(), &d))
			log_warn("daemon", "cannot sign a checkpoint: %s", d.text);
		else
			log_info("daemon", "checkpoint signed");
	}
	if (++dm->seconds % 5 == 0) {
		if (witness_countersign(dm->n, clock_now_ms(), &signed_now, &d))
			log_warn("daemon", "cannot countersign a checkpoint: %s",
				 d.text);
		else if (signed_now)
			log_info("daemon", "%zu checkpoints of peers countersigned",
				 signed_now);
	}
}

static void
second_cb(uv_timer_t *h)
{
	struct daemon *dm = h->data;
	struct diag d;
	if (dm->stopping)
		return;
	/* Blocks are announced as they change: this is in case the
	 * datagram was lost. */
	if (dm->o->one_round || dm->look_since + 1 >= dm->look_s)
		apply_blocks(dm);
	/* Events that waited for this node's clock: their time has come. */
	uint64_t admitted = 0;
	if (store_promote_due(node_store(dm->n), &admitted, &d))
		log_warn("daemon", "cannot admit waiting events: %s", d.text);
	else if (admitted)
		log_info("daemon", "%llu events that were ahead of this node's clock admitted",
			 (unsigned long long)admitted);
	/* Erasures that came with the roster: the blob is dropped here and
	 * no longer served (docs/workflow.md §3). */
	uint64_t erased = 0;
	if (node_erasures_apply(dm->n, &erased, &d))
		log_warn("daemon", "cannot honour an erasure: %s", d.text);
	else if (erased)
		log_info("daemon", "%llu blobs erased by erasure events",
			 (unsigned long long)erased);
	/* Settings published with the roster: calendar, limits, grid. */
	int changed = 0;
	if (node_settings_apply(dm->n, &changed, &d))
		log_warn("daemon", "cannot use the published settings: %s", d.text);
	else if (changed)
		log_info("daemon", "published settings taken:%s%s",
			 changed & NODE_SETTINGS_CONFIG ? " calendar and limits" : "",
			 changed & NODE_SETTINGS_GRID ? " grid" : "");
	if (!dm->o->one_round) {
		size_t npeers = repl_peer_count(dm->repl);
		witness(dm);
		if (refresh_peers(dm, &d))
			log_warn("daemon", "%s", d.text);
		if (repl_peer_count(dm->repl) != npeers)
			apply_blocks(dm); /* a new peer may be blocked already */
		record_storage(dm);
		write_live_state(dm);
		write_status(dm);
		/* A slow look too, in case a change event was missed. */
		if (++dm->look_since >= dm->look_s) {
			dm->look_since = 0;
			repl_changed(dm->repl);
		}
	}
}

static void
settle_cb(uv_timer_t *h)
{
	struct daemon *dm = h->data;
	if (dm->stopping)
		return;
	repl_changed(dm->repl);
	if (uv_now(&dm->loop) >= dm->settle_until_ms)
		uv_timer_stop(&dm->settle);
}

/*
 * The file changed.  The change may be a commit's data pages, written
 * before the meta page that makes them visible, and the meta page's write
 * does not always raise an event of its own: so look now, then every few
 * milliseconds for a while (a durable commit's flush takes that long).
 */
static void
watch_cb(uv_fs_event_t *h, const char *file, int events, int status)
{
	struct daemon *dm = h->data;
	(void)file;
	(void)events;
	if (dm->stopping || status != 0)
		return;
	repl_changed(dm->repl);
	dm->settle_until_ms = uv_now(&dm->loop) + SETTLE_MS;
	if (!uv_is_active((uv_handle_t *)&dm->settle))
		uv_timer_start(&dm->settle, settle_cb, SETTLE_STEP_MS, SETTLE_STEP_MS);
}

static void
signal_cb(uv_signal_t *h, int sig)
{
	struct daemon *dm = h->data;
	log_info("daemon", "signal %d", sig);
	begin_stop(dm);
}

/*
 * SIGHUP: config.json read again.  What the daemon reads live from the
 * configuration (peers to pull from, the clock skew, the calendar, the
 * interval and timeout) takes effect now; the listen address and the
 * limits on connections are taken at the start only, and a change to
 * them is said to need a restart.  A configuration that does not load
 * is refused whole, and the daemon goes on with the one it had.
 */
static void
reload_cb(uv_signal_t *h, int sig)
{
	struct daemon *dm = h->data;
	struct diag d;
	char was_listen[sizeof(node_config(dm->n)->repl.listen)];
	(void)sig;
	if (dm->stopping)
		return;
	snprintf(was_listen, sizeof(was_listen), "%s",
		 node_config(dm->n)->repl.listen);
	if (node_config_reload(dm->n, &d)) {
		log_err("daemon", "SIGHUP: configuration not reloaded, the daemon goes on with the one it had: %s",
			d.text);
		return;
	}
	const struct config *cfg = node_config(dm->n);
	repl_set_timing(dm->repl, dm->o->interval_ms ? dm->o->interval_ms
						     : cfg->repl.interval_ms,
			cfg->repl.timeout_ms);
	if (refresh_peers(dm, &d))
		log_warn("daemon", "%s", d.text);
	log_info("daemon", "SIGHUP: configuration reloaded from %s/config.json (interval %u ms, timeout %u ms, %zu peers)",
		 node_dir(dm->n), dm->o->interval_ms ? dm->o->interval_ms
						     : cfg->repl.interval_ms,
		 cfg->repl.timeout_ms, repl_peer_count(dm->repl));
	if (strcmp(was_listen, cfg->repl.listen) != 0)
		log_warn("daemon", "SIGHUP: the listen address changed to '%s': it takes effect at the next start",
			 cfg->repl.listen);
}

/*
 * Raises the soft limit on descriptors to the hard one: the node's
 * connections are bounded by its configuration, not by a default of 1024
 * that an idle host on the LAN can fill (docs/protocol.md §5).  Returns
 * the limit in force.
 */
static uint64_t
raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 0;
	rlim_t was = rl.rlim_cur;
	if (rl.rlim_cur < rl.rlim_max) {
		/* An unlimited hard limit is not a number the kernel takes
		 * for the soft one: stop at a million. */
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 1048576
				      ? 1048576
				      : rl.rlim_max;
		if (rl.rlim_cur > was && setrlimit(RLIMIT_NOFILE, &rl) == 0)
			log_info("daemon", "descriptors: raised the limit from %llu to %llu",
				 (unsigned long long)was, (unsigned long long)rl.rlim_cur);
		else
			rl.rlim_cur = was;
	}
	return rl.rlim_cur == RLIM_INFINITY ? 0 : (uint64_t)rl.rlim_cur;
}

static int
take_lock(const char *dir, int *fd_out, struct diag *d)
{
	char *path = xasprintf("%s/%s", dir, DAEMON_LOCK_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	if (fd < 0)
		return diag_set(d, ERR_IO, "cannot open the lock file in '%s': %s",
				dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return diag_set(d, ERR_BUSY,
				"another 'gridcase run' already serves '%s'", dir);
	}
	/* The state bytes, written whole now (see daemon.h); a disk
	 * already full leaves them short, and the state unrecorded. */
	char zero[DAEMON_STATE_BYTES];
	memset(zero, 0, sizeof(zero));
	(void)!pwrite(fd, zero, sizeof(zero), 0);
	*fd_out = fd;
	return 0;
}

int
daemon_is_running(const char *dir)
{
	char *path = xasprintf("%s/%s", dir, DAEMON_LOCK_FILE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	if (fd < 0)
		return 0;
	int running = flock(fd, LOCK_SH | LOCK_NB) != 0;
	close(fd);
	return running;
}

int
daemon_storage_error(const char *dir, char *out, size_t n)
{
	char *path = xasprintf("%s/%s", dir, DAEMON_LOCK_FILE);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	free(path);
	out[0] = '\0';
	if (fd < 0)
		return 0;
	/* Only a running daemon's word counts: a daemon killed on a full
	 * disk left its last state behind. */
	if (flock(fd, LOCK_SH | LOCK_NB) != 0) {
		size_t want = n - 1 < DAEMON_STATE_BYTES ? n - 1 : DAEMON_STATE_BYTES;
		ssize_t r = pread(fd, out, want, 0);
		out[r > 0 ? (size_t)r : 0] = '\0';
	}
	close(fd);
	return out[0] != '\0';
}

int
daemon_run(struct node *n, const struct daemon_opts *o, struct diag *d)
{
	struct daemon dm;
	const struct config *cfg = node_config(n);
	const struct roster *roster = node_roster(n);
	struct listen_find lf;
	int rc;

	memset(&dm, 0, sizeof(dm));
	dm.n = n;
	dm.o = o;
	dm.lock_fd = -1;
	dm.announce_fd = -1;
	if (!node_key(n))
		return diag_set(d, ERR_INVAL, "the daemon needs the node's key");
	if ((rc = look_period(&dm.look_s, d)))
		return rc;
	if (!o->one_round && (rc = take_lock(node_dir(n), &dm.lock_fd, d)))
		return rc;
	find_listen(&dm, &lf);

	struct repl_options ro;
	memset(&ro, 0, sizeof(ro));
	ro.listen = o->one_round || !lf.addr[0] ? NULL : lf.addr;
	ro.interval_ms = o->interval_ms ? o->interval_ms : cfg->repl.interval_ms;
	ro.timeout_ms = cfg->repl.timeout_ms;
	ro.fetch_events = cfg->repl.fetch_events;
	ro.inflight = cfg->repl.inflight;
	ro.one_round = o->one_round;
	ro.first_author = roster ? roster->admin : NULL;
	ro.handshake_ms = cfg->repl.handshake_ms;
	ro.max_connections = cfg->repl.max_connections;
	ro.max_unauthenticated = cfg->repl.max_unauthenticated;
	ro.max_unauthenticated_per_address = cfg->repl.max_unauthenticated_per_address;
	if (ro.listen)
		ro.fd_limit = raise_fd_limit();
	struct repl_hooks hooks = { &dm, hook_wake, hook_submit, hook_authorize,
				    hook_progress, hook_addressed };

	uv_loop_init(&dm.loop);
	uv_async_init(&dm.loop, &dm.wake, wake_cb);
	dm.wake.data = &dm;
	dm.repl = repl_new(node_store(n), node_key(n), &ro, &hooks);
	if ((rc = repl_start(dm.repl, d)) || (rc = refresh_peers(&dm, d)))
		goto fail;
	apply_blocks(&dm); /* before any round */
	if (o->one_round && repl_peer_count(dm.repl) == 0) {
		rc = diag_set(d, ERR_INVAL, "no such peer with an address in the roster");
		goto fail;
	}
	if (o->fe) {
		uv_async_init(&dm.loop, &dm.fe_wake, fe_wake_cb);
		dm.fe_wake.data = &dm;
		o->fe->start(o->fe->ctx, hook_fe_wake, &dm);
	}
	uv_timer_init(&dm.loop, &dm.tick);
	uv_timer_init(&dm.loop, &dm.second);
	uv_timer_init(&dm.loop, &dm.settle);
	dm.tick.data = dm.second.data = dm.settle.data = &dm;
	uv_timer_start(&dm.tick, tick_cb, 0, TICK_MS);
	uv_timer_start(&dm.second, second_cb, 1000, 1000);
	dm.last_checkpoint = uv_now(&dm.loop);
	uv_signal_init(&dm.loop, &dm.sigint);
	uv_signal_init(&dm.loop, &dm.sigterm);
	dm.sigint.data = dm.sigterm.data = &dm;
	uv_signal_start(&dm.sigint, signal_cb, SIGINT);
	uv_signal_start(&dm.sigterm, signal_cb, SIGTERM);
	uv_signal_init(&dm.loop, &dm.sighup);
	dm.sighup.data = &dm;
	uv_signal_start(&dm.sighup, reload_cb, SIGHUP);
	/* Writes to the store by anyone (a CLI command, or us): hint. */
	char *data = xasprintf("%s/data.mdb", node_dir(n));
	uv_fs_event_init(&dm.loop, &dm.watch);
	dm.watch.data = &dm;
	dm.watching = uv_fs_event_start(&dm.watch, watch_cb, data, 0) == 0;
	if (!dm.watching)
		uv_close((uv_handle_t *)&dm.watch, close_cb);
	free(data);
	if (!o->one_round) {
		snprintf(dm.listen, sizeof(dm.listen), "%s",
			 ro.listen ? ro.listen : "");
		dm.started_s = (int64_t)time(NULL);
		write_status(&dm);
		struct diag ad;
		if (announce_listen(node_dir(n), &dm.announce_fd, &ad) == 0) {
			uv_poll_init(&dm.loop, &dm.announced, dm.announce_fd);
			dm.announced.data = &dm;
			uv_poll_start(&dm.announced, UV_READABLE, announced_cb);
		} else {
			log_warn("daemon", "commits by other processes are seen by inotify only: %s",
				 ad.text);
		}
		store_set_commit_hook(node_store(n), own_commit, &dm);
	}
	if (!o->one_round)
		log_info("daemon", "%s serving %s on %s with %zu peers",
			 store_network(node_store(n)), node_dir(n),
			 ro.listen ? ro.listen : "(no address)",
			 repl_peer_count(dm.repl));
	dm.active_ms = uv_now(&dm.loop);
	uv_run(&dm.loop, UV_RUN_DEFAULT);
	if (!o->one_round) {
		write_live_state(&dm);
		remove_status(&dm);
	}
	rc = 0;
	if (o->one_round) {
		for (size_t i = 0; i < repl_peer_count(dm.repl); i++) {
			const struct repl_peer_stats *st = repl_peer_stats(dm.repl, i);
			if (!st->rounds_ok && !st->blocked)
				rc = diag_set(d, ERR_TIMEOUT, "no round with %s: %s",
					      st->name, st->last_error[0] ? st->last_error
					      : "nothing received for 60 s");
		}
	}
	repl_free(dm.repl);
	uv_loop_close(&dm.loop);
	if (!o->one_round)
		store_set_commit_hook(node_store(n), NULL, NULL);
	if (dm.announce_fd >= 0)
		announce_unlisten(node_dir(n), dm.announce_fd);
	alarm(0); /* stopped in time */
	if (dm.lock_fd >= 0)
		close(dm.lock_fd);
	return rc;
fail:
	repl_stop(dm.repl);
	uv_close((uv_handle_t *)&dm.wake, close_cb);
	uv_run(&dm.loop, UV_RUN_DEFAULT);
	repl_free(dm.repl);
	uv_loop_close(&dm.loop);
	if (dm.lock_fd >= 0)
		close(dm.lock_fd);
	return rc;
}

/*
 * roster.h - who belongs to the district, and may do what: a signed log.
 *
 * The roster is the case "roster": events of type member.add and
 * member.revoke signed by the district's admin key, which lives off the
 * nodes (its public half is fixed when a node is made).  They replicate
 * like any event.  Each member is a key with a name, the unit it acts for
 * (an office, a department, the centre), its roles and its addresses.
 *
 * The roster has versions: version v is the state after the admin's
 * events 1..v.  Every workflow event names the roster's head as its
 * author saw it (a dep), so the version in its causal past decides its
 * author's roles.  A revocation names the key's last valid seq: that
 * key's later events are invalid everywhere, whatever their version or
 * their claimed time.  roster_lookup() is the one place this is decided.
 */
#ifndef GRIDCASE_ROSTER_H
#define GRIDCASE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

struct store;
struct store_batch;

#define ROSTER_CASE "roster"
#define ROSTER_ADD "member.add"
#define ROSTER_REVOKE "member.revoke"

enum role {
	ROLE_SUPERVISOR = 1 << 0, /* 监督员: report, check on site, verify */
	ROLE_OPERATOR = 1 << 1,   /* 受理员: accept or refuse, hotline intake */
	ROLE_SHIFT_LEAD = 1 << 2, /* 值班长: register, close, approve exceptions */
	ROLE_DISPATCHER = 1 << 3, /* 派遣员: dispatch */
	ROLE_DISPOSAL = 1 << 4,   /* 处置单位: dispose, feed back, ask for exceptions */
};
#define ROLE_ALL 0x1f

#define ROSTER_NAME_MAX 64
#define ROSTER_ADDR_MAX 128
#define ROSTER_MAX_ADDRS 4

struct member {
	uint8_t key[32];
	char name[ROSTER_NAME_MAX + 1];
	char unit[ROSTER_NAME_MAX + 1];
	unsigned roles;
	size_t naddrs;
	char addrs[ROSTER_MAX_ADDRS][ROSTER_ADDR_MAX + 1];
};

/* One admin event, in the admin's seq (= roster version) order. */
struct roster_change {
	uint64_t version;
	uint8_t id[32];
	int revoke;
	struct member m;   /* add: the member; revoke: only m.key */
	uint64_t last_seq; /* revoke: the key's last valid seq */
	uint64_t time_ms;
};

struct roster {
	uint8_t admin[32];
	int has_admin;
	struct roster_change *ch;
	size_t n;
	/* What was read: the admin's summary, to know when to read again. */
	uint64_t seen_seq;
	uint8_t seen_head[32];
};

void roster_init(struct roster *r);
void roster_release(struct roster *r);

/*
 * Reads the roster the store (or the batch) holds, if the admin's feed
 * moved since the last read; r->admin must be set.  Events of the roster
 * case not signed by the admin are ignored.
 */
MUST_CHECK int roster_refresh(struct roster *r, struct store *s);
MUST_CHECK int roster_refresh_batch(struct roster *r, struct store_batch *b);

/* The latest version (0: empty roster). */
uint64_t roster_version(const struct roster *r);

/* The version of the roster event id, or 0 if it is not one. */
uint64_t roster_version_of(const struct roster *r, const uint8_t id[32]);

/*
 * The member holding key at roster version `version`, for its event
 * number seq; NULL if the key is not a member at that version or was
 * revoked before seq.  seq 0 skips the revocation check.
 */
const struct member *roster_lookup(const struct roster *r,
				   const uint8_t key[32], uint64_t version,
				   uint64_t seq);

/* The last valid seq of a revoked key, or 0 if it is not revoked. */
uint64_t roster_revoked_after(const struct roster *r, const uint8_t key[32]);

/* 1 if key was ever added (at any version). */
int roster_knows(const struct roster *r, const uint8_t key[32]);

/*
 * Calls fn for each member at the latest version, revoked ones too
 * (revoked set, with the last valid seq).
 */
typedef int (*roster_member_fn)(const struct member *m, int revoked,
				uint64_t last_seq, void *ctx);
MUST_CHECK int roster_walk(const struct roster *r, roster_member_fn fn,
			   void *ctx);

/* The body of a member.add / member.revoke event. */
void roster_add_body(const struct member *m, struct buf *out);
void roster_revoke_body(const uint8_t key[32], uint64_t last_seq,
			const char *reason, struct buf *out);

/* The canonical encoding of the latest roster (its case view). */
void roster_encode(const struct roster *r, struct buf *out);

/* "supervisor,operator" <-> mask.  ERR_INVAL naming an unknown role. */
MUST_CHECK int roles_parse(const char *list, unsigned *mask, struct diag *d);
/* Writes the names of mask, comma-separated, into out. */
void roles_format(unsigned mask, char *out, size_t n);

#endif

/*
 * roster.h - who belongs to the district, and may do what: a signed log.
 *
 * The roster is the case "roster": events of type member.add and
 * member.revoke, each a "change", signed by admin keys.  The district's
 * first admin key (the genesis admin, fixed when a node is made) is an
 * admin from the start; member.add with the role "admin" makes another.
 * Changes replicate like any event and form a graph through their deps,
 * so that changes made on different nodes, by one admin or several, in
 * any order, merge: the roster is a pure function of the set of changes
 * (docs/workflow.md §6).
 *
 * Two views of it are used:
 *
 *  - causal: the roster as an event's author saw it, made of the changes
 *    in the event's causal past (the roster changes it names in its deps,
 *    and theirs).  Admission asks it whether the author was a member (an
 *    admin, for a change): every node answers the same for an event.
 *
 *  - global: the roster of every change stored.  A change is void when
 *    its author was revoked before it (past the last valid seq that an
 *    effective revocation names), forked at or before it, or is no admin
 *    in the global roster at all.  Revocations follow seniority: the
 *    genesis admin has rank 0, an admin added by a rank-r admin rank r+1,
 *    and a revocation of an admin takes effect only when its author is
 *    strictly more senior, or the admin revokes itself (rotation).  So
 *    revocations never form a cycle, and the result does not depend on
 *    the order in which anything arrived.  The fold judges every case
 *    event by its causal roster's members and the global revocations.
 */
#ifndef GRIDCASE_ROSTER_H
#define GRIDCASE_ROSTER_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "node/case/source.h"

#define ROSTER_CASE "roster"
#define ROSTER_ADD "member.add"
#define ROSTER_REVOKE "member.revoke"
/* An admin event of the roster case that changes no member: the erasure
 * of a blob on every node (docs/workflow.md §3). */
#define ROSTER_BLOB_ERASE "blob.erase"
/*
 * Admin events of the roster case that publish the district's settings
 * to every node (docs/workflow.md §3, "Published settings"): the unit
 * grid (its GeoJSON travels as a blob the event names), the work
 * calendar, the time-limit table and the evaluation's settings.  Of
 * each kind the one in force is the last, in (time, lamport, id) order,
 * of those that count.
 */
#define ROSTER_GRID_SET "grid.set"
#define ROSTER_CALENDAR_SET "calendar.set"
#define ROSTER_LIMITS_SET "limits.set"
#define ROSTER_EVAL_SET "eval.set"

enum roster_setting {
	RS_NONE,
	/* In the order of their names: roster_encode() writes them so. */
	RS_CALENDAR, /* calendar.set */
	RS_EVAL,     /* eval.set */
	RS_GRID,     /* grid.set */
	RS_LIMITS,   /* limits.set */
	RS_COUNT
};

enum role {
	ROLE_SUPERVISOR = 1 << 0, /* 监督员: report, check on site, verify */
	ROLE_OPERATOR = 1 << 1,   /* 受理员: accept or refuse, hotline intake */
	ROLE_SHIFT_LEAD = 1 << 2, /* 值班长: register, close, approve exceptions */
	ROLE_DISPATCHER = 1 << 3, /* 派遣员: dispatch */
	ROLE_DISPOSAL = 1 << 4,   /* 处置单位: dispose, feed back, ask for exceptions */
	ROLE_ADMIN = 1 << 5,      /* 管理员: change the roster */
};
#define ROLE_ALL 0x3f

#define ROSTER_NAME_MAX 64
#define ROSTER_ADDR_MAX 128
#define ROSTER_MAX_ADDRS 4
/* The rank of a key that is no admin. */
#define ROSTER_NO_RANK UINT32_MAX

struct member {
	uint8_t key[EVENT_KEY_BYTES];
	char name[ROSTER_NAME_MAX + 1];
	char unit[ROSTER_NAME_MAX + 1];
	unsigned roles;
	size_t naddrs;
	char addrs[ROSTER_MAX_ADDRS][ROSTER_ADDR_MAX + 1];
};

/* Why a change counts for nothing in the global roster. */
enum roster_void {
	RV_NONE,
	RV_UNREADABLE, /* its body is not a change */
	RV_NOT_ADMIN,  /* its author is no admin in the global roster */
	RV_REVOKED,    /* its author was revoked before it */
	RV_FORKED,     /* its author forked at or before it */
	RV_RANK,       /* a revocation of an equal or more senior admin */
	RV_ERASURE,    /* no change: a blob's erasure (ROSTER_BLOB_ERASE) */
};

/* One roster event, in (lamport, id) order. */
struct roster_change {
	uint8_t id[EVENT_ID_BYTES];
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq, lamport, time_ms;
	int revoke;
	struct member m;   /* add: the member; revoke: only m.key */
	uint64_t last_seq; /* revoke: the key's last valid seq */
	uint8_t blob[EVENT_ID_BYTES]; /* RV_ERASURE, RS_GRID: the blob's hash */
	enum roster_void why_void;
	enum roster_setting setting; /* RS_NONE: no published setting */
	uint8_t *body;   /* a setting's event body (owned by the roster) */
	size_t body_len;
};

struct roster_state;

struct roster {
	uint8_t admin[EVENT_KEY_BYTES]; /* the genesis admin */
	int has_admin;
	struct roster_change *ch;
	size_t n;
	size_t words;  /* uint64_t words in a set of changes */
	uint64_t *anc; /* n sets: each change's causal past, itself in it */
	struct roster_state *global;
	struct roster_state **cache; /* states at sets, most recent first */
	size_t ncache;
	uint64_t seen_gen; /* src->global_gen() when read */
	int loaded;
	long setting_at[RS_COUNT]; /* the change in force of each kind, -1 */
};

void roster_init(struct roster *r);
void roster_release(struct roster *r);

/*
 * Reads the roster from src, if it changed since the last read
 * (src->global_gen); r->admin must be set.  The errors of src's
 * functions; ERR_CORRUPT for an event that does not decode.  The store's
 * sources are in node/view.h.
 */
MUST_CHECK int roster_refresh(struct roster *r, const struct case_source *src);

/* ---- sets of changes: an event's causal roster ---- */

/* A new empty set (free with free()). */
uint64_t *roster_set_new(const struct roster *r);
/*
 * If id is a roster change, adds it and its causal past to set and
 * returns 1; else 0.
 */
int roster_set_add(const struct roster *r, uint64_t *set,
		   const uint8_t id[EVENT_ID_BYTES]);
/* set |= other. */
void roster_set_merge(const struct roster *r, uint64_t *set,
		      const uint64_t *other);

/*
 * The member holding key in the roster of set, for its event number seq;
 * NULL if the key is not a member there or is revoked before seq.
 * causal: only the changes and revocations in set count (admission);
 * else the changes in set that are not void, and every effective
 * revocation (the fold).  The genesis admin is a member (roles: admin)
 * unless revoked.  Borrowed until the next refresh.
 */
const struct member *roster_member_at(struct roster *r, const uint64_t *set,
				      int causal,
				      const uint8_t key[EVENT_KEY_BYTES],
				      uint64_t seq);

/*
 * 1 if unit is the unit of a member with the disposal role in the roster
 * of set (as roster_member_at() with causal 0 sees it; set NULL: the
 * global roster).  A revoked member still makes its unit known: a key
 * replaced does not abolish its office.
 */
int roster_has_unit(struct roster *r, const uint64_t *set, const char *unit);

/* ---- the global roster ---- */

/* The member holding key now, for its event seq (0: any); NULL if none. */
const struct member *roster_lookup(const struct roster *r,
				   const uint8_t key[EVENT_KEY_BYTES],
				   uint64_t seq);

/* The latest record of key now, revoked or not; NULL if none. */
const struct member *roster_record(const struct roster *r,
				   const uint8_t key[EVENT_KEY_BYTES]);

/* 1 if key is revoked now; then *after is its last valid seq. */
int roster_is_revoked(const struct roster *r,
		      const uint8_t key[EVENT_KEY_BYTES], uint64_t *after);

/* The admin rank of key now (0 genesis), or ROSTER_NO_RANK. */
uint32_t roster_rank(const struct roster *r,
		     const uint8_t key[EVENT_KEY_BYTES]);

/* 1 if key appears in any change (or is the genesis admin). */
int roster_knows(const struct roster *r, const uint8_t key[EVENT_KEY_BYTES]);

/* Changes stored, and those of them that count. */
size_t roster_changes(const struct roster *r);
size_t roster_changes_in_force(const struct roster *r);

/*
 * Calls fn for each member now, in the order keys were first added,
 * revoked ones too (revoked set, with the last valid seq).
 */
typedef int (*roster_member_fn)(const struct member *m, int revoked,
				uint64_t last_seq, void *ctx);
MUST_CHECK int roster_walk(const struct roster *r, roster_member_fn fn,
			   void *ctx);

/* The change with this id, or NULL. */
const struct roster_change *roster_change_find(
	const struct roster *r, const uint8_t id[EVENT_ID_BYTES]);

/* "its author was revoked before it", ... for a void reason. */
const char *roster_void_str(enum roster_void v);

/* The body of a member.add / member.revoke event. */
void roster_add_body(const struct member *m, struct buf *out);
void roster_revoke_body(const uint8_t key[EVENT_KEY_BYTES], uint64_t last_seq,
			const char *reason, struct buf *out);

/* The body of a blob.erase event: {"blob": hash, "reason": str}. */
void roster_erase_body(const uint8_t hash[EVENT_ID_BYTES], const char *reason,
		       struct buf *out);

/*
 * The published setting of this kind in force: of the changes of that
 * kind that count (an admin's, not revoked or forked before it, its
 * body readable), the last in (time, lamport, id) order, so that a
 * setting made after another (or seeing it) replaces it, and every node
 * picks the same whatever the order of arrival.  NULL if none.
 * Borrowed until the next refresh.
 */
const struct roster_change *roster_setting(const struct roster *r,
					   enum roster_setting kind);

/* The event type of a setting kind ("calendar.set"), or NULL. */
const char *roster_setting_type(enum roster_setting kind);
/* The kind of an event type; RS_NONE if it is no setting. */
enum roster_setting roster_setting_kind(const char *type, size_t n);

/*
 * The body of a grid.set event: {"blob": the GeoJSON's hash, "cells":
 * how many, "reason": str}; the hash is also the event's one blob.
 */
void roster_grid_body(const uint8_t hash[EVENT_ID_BYTES], uint64_t cells,
		      const char *reason, struct buf *out);

/* The canonical encoding of the global roster (its case view). */
void roster_encode(const struct roster *r, struct buf *out);

/* "supervisor,operator" <-> mask.  ERR_INVAL naming an unknown role. */
MUST_CHECK int roles_parse(const char *list, unsigned *mask, struct diag *d);
/* Writes the names of mask, comma-separated, into out. */
void roles_format(unsigned mask, char *out, size_t n);
/* The name of one role bit, or NULL. */
const char *role_name(unsigned bit);

#endif

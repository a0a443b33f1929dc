/*
 * period.h - frozen period reports (docs/audit.md): the checkpoint of
 * the events a node holds, their replay on a scratch node, and the
 * signed report event that freezes a month's figures.
 *
 * A report is the event "eval.report" on the case "period-YYYY-MM".  Its
 * body holds the checkpoint (how many events, the RFC 9162 tree head over
 * their ids in canonical order, and which events: each author's feed up
 * to a seq, and the extra versions kept as fork proofs or evidence), the
 * inputs that are not events (the config.json text, the office names of
 * the grid) and every figure of every grouping (node/case/eval_codec.h).
 * The figures are never computed from the node's live views: both the
 * close and every check replay exactly the checkpoint's events on a
 * scratch node in a temporary directory, so that one reproduces the other
 * byte for byte, and later events change nothing.
 */
#ifndef GRIDCASE_PERIOD_H
#define GRIDCASE_PERIOD_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"
#include "crypto/merkle.h"

struct calendar;
struct grid_cell;
struct mp_reader;
struct node;
struct store;

#define PERIOD_CASE_PREFIX "period-"
#define PERIOD_REPORT_TYPE "eval.report"
#define PERIOD_MONTH_BYTES 8 /* "YYYY-MM" and NUL */
#define PERIOD_REASON_MAX 200

/* A month in the district's local time: [from_ms, to_ms). */
struct period {
	char month[PERIOD_MONTH_BYTES];
	uint64_t from_ms, to_ms;
};

/* Parses "YYYY-MM" under cal's UTC offset.  ERR_INVAL if it is not one. */
MUST_CHECK int period_month_parse(const struct calendar *cal, const char *s,
				  struct period *out);
/* The month before p (same calendar). */
void period_month_prev(const struct calendar *cal, const struct period *p,
		       struct period *out);

/* 1 if case_id (length n) holds period records, which are no case. */
int period_is_record_case(const char *case_id, size_t n);

/* One event of a set: its envelope at bytes[off, off+len). */
struct evref {
	size_t off, len;
	uint8_t id[EVENT_ID_BYTES];
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
	int extra;  /* a fork version or evidence, not in a feed */
	int roster; /* an event of the roster case */
};

/* A set of events in canonical order: (author, seq, id) ascending. */
struct evset {
	struct buf bytes;
	struct evref *e;
	size_t n;
};

void evset_release(struct evset *es);
/* Adds one envelope (its id, author and seq read from it). */
MUST_CHECK int evset_add(struct evset *es, const uint8_t *env, size_t n,
			 int extra, struct diag *d);
/* Sorts into canonical order; ERR_CORRUPT if an id is there twice. */
MUST_CHECK int evset_sort(struct evset *es, struct diag *d);

struct feed_cut {
	uint8_t author[EVENT_KEY_BYTES];
	uint64_t seq;
};

/* Which events, and the tree head over their ids. */
struct checkpoint {
	uint64_t count;
	uint8_t root[MERKLE_HASH_BYTES];
	struct feed_cut *feeds; /* ascending by author */
	size_t nfeeds;
	uint8_t (*extras)[EVENT_ID_BYTES]; /* ascending */
	size_t nextras;
};

void checkpoint_release(struct checkpoint *cp);
/* The checkpoint of es (sorted), into cp (release it). */
void evset_checkpoint(const struct evset *es, struct checkpoint *cp);

/*
 * Reads every event the store holds (cut NULL), or those cut names, in
 * one read transaction, into out (sorted; release it).  ERR_NOTFOUND if
 * the store lacks an event cut names; the store's errors.
 */
MUST_CHECK int evset_collect(struct store *s, const struct checkpoint *cut,
			     struct evset *out, struct diag *d);

/* An office of the grid: the 9-digit prefix and the office's name. */
struct period_office {
	char prefix[16];
	char name[65]; /* GRID_NAME_MAX + 1 */
};

struct period_report {
	struct period p;
	struct checkpoint cp;
	char *config; /* the config.json text the figures used */
	struct period_office *offices;
	size_t noffices;
	struct grid_cell *cells; /* the grid the sets used, by id */
	size_t ncells;
	struct buf figures; /* { grouping: rows } in canonical msgpack */
	struct buf sets;    /* { set: table }; empty in a report before them */
	int has_supersedes;
	uint8_t supersedes[EVENT_ID_BYTES];
	char reason[PERIOD_REASON_MAX + 1];
	/* The event that carries it, when read from one. */
	uint8_t id[EVENT_ID_BYTES], author[EVENT_KEY_BYTES];
	uint64_t seq, lamport, time_ms;
};

void period_report_release(struct period_report *r);
/*
 * The grid's cells as a report's (and an unclosed month bundle's) `cells`
 * hold them: [[grid, community, office]...], in the order given (the
 * callers give them ascending by id).
 */
void period_cells_put(struct buf *b, const struct grid_cell *cells, size_t n);
/*
 * Reads such an array at r (past it on success) into *out (free() it)
 * and *n.  ERR_FORMAT if it is not one, a cell is not three strings that
 * fit, or the ids are not strictly ascending (bytes); out and n are then
 * untouched.
 */
MUST_CHECK int period_cells_get(struct mp_reader *r, struct grid_cell **out,
				size_t *n);
/* The event body (canonical msgpack map). */
void period_report_encode(const struct period_report *r, struct buf *body);
/* ERR_FORMAT naming the field if body is not a report. */
MUST_CHECK int period_report_decode(const uint8_t *body, size_t n,
				    struct period_report *out, struct diag *d);
/* Reads the report event env (envelope bytes): body and carrier fields. */
MUST_CHECK int period_report_read(const uint8_t *env, size_t n,
				  struct period_report *out, struct diag *d);

/*
 * Replays es on a scratch node of network with the genesis admin admin
 * and r->config, and writes r->figures for r->p with r->offices and
 * r->sets (every indicator set) with r->cells.
 * ERR_DENIED, ERR_CLOCK ... naming the first event the scratch store
 * refuses; ERR_CORRUPT if events still wait for ones the set lacks.
 */
MUST_CHECK int period_figures(const char *network,
			      const uint8_t admin[EVENT_KEY_BYTES],
			      const struct evset *es, struct period_report *r,
			      struct diag *d);

/*
 * The frozen report of month p->month on the node: the first valid
 * report by (lamport, id) that supersedes none, then the first that
 * supersedes it, and so on (docs/audit.md §3).  ERR_NOTFOUND if none.
 */
MUST_CHECK int period_report_find(struct node *n, const struct period *p,
				  struct period_report *out, struct diag *d);

/*
 * Closes month p with the node's key: collects what the node holds,
 * computes the figures by replay, signs the report.  ERR_INVAL if the
 * month has not ended at now_ms; ERR_EXISTS if it is closed and reason
 * is NULL; ERR_DENIED if the key is no shift lead.  out (may be NULL)
 * receives the report.
 */
MUST_CHECK int period_close(struct node *n, const struct period *p,
			    const char *reason, uint64_t now_ms,
			    struct period_report *out, struct diag *d);

/*
 * Recomputes r from the node's events: ERR_NOTFOUND if the node lacks
 * one of its events, ERR_CORRUPT naming the first thing that differs
 * (count, tree head, a figure).
 */
MUST_CHECK int period_check(struct node *n, const struct period_report *r,
			    struct diag *d);

/*
 * Recomputes r from es (an auditor's copy of its events): as
 * period_check() without a node.
 */
MUST_CHECK int period_recompute(const char *network,
				const uint8_t admin[EVENT_KEY_BYTES],
				const struct evset *es,
				const struct period_report *r, struct diag *d);

/*
 * A roster made of the roster events in roster (replayed on a scratch
 * node: the changes that count and every revocation in force), for
 * judging who signed what without a node.  A roster event the scratch
 * store refuses is named with its code.  Free with period_roster_free().
 */
struct period_roster;
struct member;
MUST_CHECK int period_roster_new(const char *network,
				 const uint8_t admin[EVENT_KEY_BYTES],
				 const struct evset *roster,
				 struct period_roster **out, struct diag *d);
void period_roster_free(struct period_roster *pr);
/*
 * The member key was at its event seq (borrowed until the free); NULL
 * if none (unknown, or revoked before seq).
 */
const struct member *period_roster_member(struct period_roster *pr,
					  const uint8_t key[EVENT_KEY_BYTES],
					  uint64_t seq);

/*
 * The inputs of a report that are not events, from the node (into r):
 * its config.json text (the calendar, the step limits, the weights, the
 * bands and grades the figures follow), the office names of its grid and
 * its cells.  The one place a close takes them from: when they become
 * replicated admin events (issue 11 §6), only this function changes.
 */
MUST_CHECK int period_inputs(struct node *n, struct period_report *r,
			     struct diag *d);

#endif

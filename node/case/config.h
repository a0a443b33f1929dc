/*
 * config.h - a node's configuration: the work calendar, time limits per
 * class and urgency, code rules, and evaluation weights.
 *
 * It is JSON, DIR/config.json, made from data/config.json by `gridcase
 * init`; a node without one uses data/config.json.  docs/workflow.md
 * describes every key.  The calendar and limits an admin publishes to
 * every node (calendar.set, limits.set) replace the file's: see
 * config_setting_apply().  Time limits are written into the register event
 * when a case is registered, so that the deadline of a case follows from
 * its events and the calendar alone.
 */
#ifndef GRIDCASE_CONFIG_H
#define GRIDCASE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "node/case/calendar.h"
#include "node/case/roster.h"

#define CONFIG_FILE "config.json"
#define CONFIG_MAX_WEIGHTS 8

struct limit_rule {
	char cls[24];    /* "event:06010", "event:06*", "event:*", "*" */
	char urgency[12]; /* "normal", "urgent", "*" */
	char limit[12];   /* "4h", "15d" */
};

struct weight {
	char metric[24];
	uint32_t weight;
};

/*
 * The evaluation's settings (config.json "eval"; docs/evaluation.md).
 * Every step has its own time limit, in working time; percentages
 * weigh the parts of each composite; bands turn a count into a score.
 */
enum eval_step {
	STEP_ACCEPT,   /* 受理: report (or its 核实) to accept or refuse */
	STEP_CHECK,    /* 核实: report to the on-site check */
	STEP_REGISTER, /* 立案: acceptance to registration */
	STEP_DISPATCH, /* 派遣: registration, return or reopening to dispatch */
	STEP_DISPOSE,  /* 处置: for a case registered without a limit */
	STEP_VERIFY,   /* 核查: feedback to verification */
	STEP_CLOSE,    /* 结案: verification to closure */
	STEP_RETURN,   /* 回退: dispatch to the unit's return */
	STEP_COUNT
};

#define CONFIG_MAX_BANDS 8
#define CONFIG_MAX_REGIONS 64

/* A count's score: the score of the last band whose min <= count. */
struct eval_bands {
	size_t n;
	uint64_t min[CONFIG_MAX_BANDS];
	uint32_t score_e1[CONFIG_MAX_BANDS]; /* tenths of a point */
};

/* The composites' parts, in the order docs/evaluation.md lists them. */
enum { EW_SUPERVISOR, EW_OPERATOR, EW_SHIFT_LEAD, EW_DISPATCHER, EW_SETS };
#define EW_PARTS 4

struct eval_config {
	char step_limit[STEP_COUNT][12]; /* "1h", "2d" */
	uint32_t grade_min[4];           /* A, B, C, D: points */
	uint32_t weight[EW_SETS][EW_PARTS]; /* percent */
	struct eval_bands operator_bands, dispatcher_bands, unit_bands;
	struct eval_bands region_bands[2]; /* 一类, 二类 */
	/* Regions (grid ids, community or street ids or names) of 二类. */
	size_t nclass2;
	char class2[CONFIG_MAX_REGIONS][40];
};

const char *eval_step_name(enum eval_step s);

#define CONFIG_MAX_PEERS 64

/* The daemon's settings (config.json "replication"). */
struct repl_config {
	char listen[ROSTER_ADDR_MAX +
		    1];     /* "": the node's address in the roster */
	size_t npeers;      /* 0: every member with an address */
	char peers[CONFIG_MAX_PEERS][ROSTER_NAME_MAX + 1];
	uint32_t interval_ms, timeout_ms, fetch_events, inflight;
	/* The server's connections (docs/protocol.md §5); 0: derived. */
	uint32_t handshake_ms, max_connections, max_unauthenticated,
		max_unauthenticated_per_address;
	/* How far ahead of this node's clock an event's time may be; later
	 * ones wait until the clock catches up. */
	uint32_t max_clock_skew_ms;
	/* Witnessed time (docs/audit.md §4): how often the daemon signs a
	 * checkpoint (0: never), and how far before its first witness an
	 * event's claimed time may be before the evaluation flags it. */
	uint32_t checkpoint_interval_ms, backdated_after_ms;
};

#define CONFIG_HTTP_DEFAULT "127.0.0.1:8080"
#define CONFIG_DEFAULT_SKEW_MS (5 * 60 * 1000)
#define CONFIG_DEFAULT_CHECKPOINT_MS (10 * 60 * 1000)
#define CONFIG_DEFAULT_BACKDATED_MS (60 * 60 * 1000)

struct config {
	struct calendar cal;
	int grid_length;
	int legacy_codes;
	struct limit_rule *limits;
	size_t nlimits;
	struct weight weights[CONFIG_MAX_WEIGHTS];
	size_t nweights;
	struct eval_config ev;
	struct repl_config repl;
	/* The web console's address ("http_listen"): "" off (the default),
	 * else "HOST:PORT" (HOST defaults to 127.0.0.1: ":8080"). */
	char http_listen[ROSTER_ADDR_MAX + 1];
};

/*
 * Parses the NUL-terminated text of a config.json; name names it in the
 * messages.  ERR_CONFIG names the file, the key and what is wrong.  Free
 * with config_free().  Reading it from a file is node/files.h's.
 */
MUST_CHECK int config_parse(const char *text, const char *name,
			    struct config **out, struct diag *d);
void config_free(struct config *c);

/*
 * The time limit for a class ("event:06010") and urgency: the first
 * matching rule.  ERR_NOTFOUND if none matches.
 */
MUST_CHECK int config_limit(const struct config *c, const char *cls,
			    const char *urgency, const char **limit);

/*
 * Published settings (docs/workflow.md §3): the body of a calendar.set,
 * limits.set or eval.set event is {"calendar", "limits" or "eval": that part of
 * config.json, as canonical msgpack, "reason": str}.
 *
 * config_setting_check() says whether a body reads (ERR_CONFIG naming
 * what is wrong).  config_setting_apply() replaces c's calendar (from
 * the default, not c's own: every node reads the same) or its limits
 * with the body's; c is unchanged on error.  config_setting_body()
 * makes the body from the text of a config.json (name in messages):
 * ERR_CONFIG if it does not load, or holds no such part.
 */
MUST_CHECK int config_setting_check(enum roster_setting kind,
				    const uint8_t *body, size_t n,
				    struct diag *d);
MUST_CHECK int config_setting_apply(struct config *c, enum roster_setting kind,
				    const uint8_t *body, size_t n,
				    struct diag *d);
MUST_CHECK int config_setting_body(const char *text, const char *name,
				   enum roster_setting kind,
				   const char *reason, struct buf *out,
				   struct diag *d);

/*
 * The text of a config.json (name in messages) with the part a published
 * setting carries in place of its own (added if it had none), as JSON:
 * the text the node's configuration is parsed from and a frozen report
 * records (docs/audit.md §3).  New memory in *out.  ERR_CONFIG if the
 * text or the body does not read.
 */
/*
 * The parts a district publishes ("calendar", "eval", "limits") whose
 * value differs between two config.json texts, comma-separated in out
 * (cap bytes; "" when none does); a text that does not read differs in
 * every part.  What `eval check` says when a report was computed with
 * settings other than those in force.
 */
void config_text_diff(const char *a, const char *b, char *out, size_t cap);

MUST_CHECK int config_text_publish(const char *text, const char *name,
				   enum roster_setting kind,
				   const uint8_t *body, size_t n, char **out,
				   struct diag *d);

/*
 * A limit "4h" / "15d" as working minutes under calendar c.  ERR_INVAL if
 * malformed (a number from 1 to 9999, then h or d).
 */
MUST_CHECK int limit_minutes(const struct calendar *c, const char *limit,
			     uint64_t *minutes);

#endif

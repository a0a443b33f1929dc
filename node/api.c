/*
 * api.c - the case-list query planner and the node-wide counts (see
 * api.h).  The index keys it reads are those node/view.c writes.
 */
#include "node/api.h"

#include <stdio.h>
#include <string.h>

#include "node/case/config.h"
#include "node/case/grid.h"
#include "node/grid_store.h"
#include "node/node.h"
#include "node/view.h"
#include "store/store.h"
#include "common/banned.h"

/* An index key, prefix byte and value, as store_index_walk() takes it. */
#define INDEX_KEY_MAX (1 + VIEW_KEY_VALUE_MAX)
/* What exact_range() keeps of a value: within the key, with room. */
#define EXACT_VALUE_MAX 190

struct listing {
	struct node *node;
	const struct case_query *q;
	char office[GRID_OFFICE_DIGITS + 1]; /* q->office as a prefix */
	case_row_fn fn;
	void *ctx;
	char last_case[80]; /* a case listed under several keys, once */
	size_t max;         /* call fn for this many matches (0: all) */
	int stop;           /* past max, stop the walk (else count on) */
	int stopped;        /* the walk was stopped at max */
	uint64_t listed;    /* matches so far */
};

static int
matches(const struct listing *l, const struct case_state *st,
	const struct deadline *dl, int has_dl)
{
	const struct case_query *f = l->q;
	char cls[40];
	snprintf(cls, sizeof(cls), "%s:%s", st->kind, st->code);
	if (f->state && strcmp(f->state, case_status_name(st->status)) != 0)
		return 0;
	if (f->unit && strcmp(f->unit, st->unit) != 0)
		return 0;
	if (f->grid && strcmp(f->grid, st->grid) != 0)
		return 0;
	if (f->team && strcmp(f->team, st->team) != 0)
		return 0;
	if (f->office && strncmp(l->office, st->grid, GRID_OFFICE_DIGITS) != 0)
		return 0;
	if (f->source && strcmp(f->source, st->source) != 0)
		return 0;
	if (f->cls && strcmp(f->cls, cls) != 0)
		return 0;
	if (f->conflicts && !state_open_conflicts(st))
		return 0;
	int running = has_dl && !dl->done && st->status == CS_DISPATCHED;
	if (f->colour && (!running || dl->colour != f->colour))
		return 0;
	if (f->overdue && (!running || dl->colour != COLOUR_RED))
		return 0;
	if (f->due_before &&
	    (!running || !dl->has_due || dl->due_ms < f->now_ms ||
	     dl->due_ms >= f->due_before))
		return 0;
	return 1;
}

static int
list_one(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct listing *l = ctx;
	struct case_row row;
	struct case_state st;

	if (strcmp(case_id, l->last_case) == 0)
		return 0;
	snprintf(l->last_case, sizeof(l->last_case), "%s", case_id);
	if (state_decode_row(p, n, &st))
		return ERR_CORRUPT;
	if (st.status == CS_NONE) {
		state_release(&st);
		return 0; /* a ghost: steps on an id never reported */
	}
	memset(&row, 0, sizeof(row));
	row.has_deadline = deadline_of(&st, &node_config(l->node)->cal,
				       l->q->now_ms, &row.dl) == 0;
	if (!matches(l, &st, &row.dl, row.has_deadline)) {
		state_release(&st);
		return 0;
	}
	if (l->max && l->listed >= l->max) {
		state_release(&st);
		if (l->stop) {
			l->stopped = 1;
			return 1;
		}
		l->listed++;
		return 0;
	}
	row.case_id = case_id;
	row.st = &st;
	int rc = l->fn(&row, l->ctx);
	state_release(&st);
	l->listed++;
	return rc;
}

/* The key K and the smallest key of the same length after all K... rows. */
static void
exact_range(char prefix, const char *value, uint8_t *from, size_t *n,
	    uint8_t *to)
{
	size_t len = strlen(value);
	if (len > EXACT_VALUE_MAX)
		len = EXACT_VALUE_MAX;
	from[0] = (uint8_t)prefix;
	memcpy(from + 1, value, len);
	*n = len + 1;
	memcpy(to, from, *n);
	/* Increment as a big number: the next key of this length. */
	for (size_t i = *n; i-- > 0;) {
		if (to[i] != 0xff) {
			to[i]++;
			break;
		}
		to[i] = 0;
	}
}

/* An office name (from the grid) to its grid prefix. */
struct office_find {
	const char *name;
	char prefix[GRID_OFFICE_DIGITS + 1];
};

static int
find_office(const struct grid_cell *cell, void *ctx)
{
	struct office_find *o = ctx;
	if (strcmp(cell->office, o->name) == 0 &&
	    strlen(cell->grid) >= GRID_OFFICE_DIGITS) {
		memcpy(o->prefix, cell->grid, GRID_OFFICE_DIGITS);
		o->prefix[GRID_OFFICE_DIGITS] = '\0';
		return 1;
	}
	return 0;
}

struct index_range {
	uint8_t from[INDEX_KEY_MAX], to[INDEX_KEY_MAX];
	size_t n;
};

/* The due-time index from lo up to hi (8-byte big-endian times). */
static void
due_range(uint64_t lo, uint64_t hi, struct index_range *r)
{
	r->from[0] = r->to[0] = IDX_DUE;
	for (int i = 0; i < 8; i++) {
		r->from[1 + i] = (uint8_t)(lo >> (56 - 8 * i));
		r->to[1 + i] = (uint8_t)(hi >> (56 - 8 * i));
	}
	r->n = 9;
}

/* Adds the index range of one exact value (none for an empty one: no
 * case has an index row for it, so it is checked on each case). */
static void
add_exact(struct index_range *cand, size_t *n, char prefix, const char *value)
{
	if (!value || !value[0])
		return;
	exact_range(prefix, value, cand[*n].from, &cand[*n].n, cand[*n].to);
	(*n)++;
}

/*
 * The index range, among those the filters allow, with the fewest rows:
 * the other filters are checked on each case it yields.  The candidates
 * are counted in the order they are usually narrow in (an office's cases
 * in one state, a grid cell, ... every case in one state last), each only
 * up to the fewest rows found so far, so a wide range costs little once a
 * narrow one is known.  A single candidate is not counted.  1 when no
 * filter has an index (every case is read).
 */
static int
narrowest_index(struct store *s, const struct listing *l,
		struct index_range *best)
{
	const struct case_query *f = l->q;
	const char *office = f->office ? l->office : NULL;
	struct index_range cand[12];
	size_t ncand = 0;
	char pair[2][96];
	if (f->state && f->unit && f->unit[0] &&
	    view_state_pair(pair[0], sizeof(pair[0]), f->state, f->unit,
			    strlen(f->unit)) == 0)
		add_exact(cand, &ncand, IDX_STATE_UNIT, pair[0]);
	if (f->state && office && office[0] &&
	    view_state_pair(pair[1], sizeof(pair[1]), f->state, office,
			    strlen(office)) == 0)
		add_exact(cand, &ncand, IDX_STATE_OFFICE, pair[1]);
	add_exact(cand, &ncand, IDX_GRID, f->grid);
	if (f->conflicts) {
		cand[ncand].from[0] = IDX_CONFLICT;
		cand[ncand].to[0] = IDX_CONFLICT + 1;
		cand[ncand++].n = 1;
	}
	/* Overdue and red cases are running ones due before now. */
	if (f->overdue || f->colour == COLOUR_RED)
		due_range(0, f->now_ms, &cand[ncand++]);
	else if (f->due_before)
		due_range(f->now_ms, f->due_before, &cand[ncand++]);
	add_exact(cand, &ncand, IDX_UNIT, f->unit);
	add_exact(cand, &ncand, IDX_OFFICE, office);
	add_exact(cand, &ncand, IDX_CLASS, f->cls);
	add_exact(cand, &ncand, IDX_SOURCE, f->source);
	add_exact(cand, &ncand, IDX_STATUS, f->state);
	if (ncand == 0)
		return 1;
	*best = cand[0];
	uint64_t fewest = UINT64_MAX;
	for (size_t i = 0; ncand > 1 && i < ncand; i++) {
		uint64_t rows;
		int rc = store_index_count(s, cand[i].from, cand[i].n,
					   cand[i].to, cand[i].n, fewest,
					   &rows);
		if (rc)
			return rc;
		if (rows < fewest) {
			fewest = rows;
			*best = cand[i];
		}
	}
	return 0;
}

/* The grid prefix of q->office: itself if it is one, else its name's. */
static int
office_prefix(struct node *n, const char *office, char *out, struct diag *d)
{
	if (strlen(office) == GRID_OFFICE_DIGITS &&
	    strspn(office, "0123456789") == GRID_OFFICE_DIGITS) {
		memcpy(out, office, GRID_OFFICE_DIGITS + 1);
		return 0;
	}
	struct office_find of = { office, "" };
	if (grid_walk(n, find_office, &of) < 0 || !of.prefix[0])
		return diag_set(
			d, ERR_NOTFOUND,
			"no office '%s' in the imported grid (give its %d-digit code)",
			office, GRID_OFFICE_DIGITS);
	memcpy(out, of.prefix, sizeof(of.prefix));
	return 0;
}

/* Lists through the narrowest index; *total as node_case_list_first()
 * says, if total is not NULL. */
static int
case_list(struct node *n, const struct case_query *q, size_t max,
	  case_row_fn fn, void *ctx, uint64_t *total, struct diag *d)
{
	struct listing l;
	struct index_range r;
	struct store *s = node_store(n);
	uint64_t rows = 0;
	int rc, indexed;

	memset(&l, 0, sizeof(l));
	l.node = n;
	l.q = q;
	l.fn = fn;
	l.ctx = ctx;
	l.max = max;
	if (q->office && (rc = office_prefix(n, q->office, l.office, d)))
		return rc;
	/* Walk the narrowest index the filters allow. */
	rc = narrowest_index(s, &l, &r);
	indexed = rc == 0;
	l.stop = indexed && total;
	if (rc == 0)
		rc = store_index_walk(s, r.from, r.n, r.to, r.n, list_one, &l);
	else if (rc == 1)
		rc = store_row_walk(s, list_one, &l);
	if (l.stopped)
		rc = 0;
	if (rc == 0 && total && indexed)
		rc = store_index_count(s, r.from, r.n, r.to, r.n, UINT64_MAX,
				       &rows);
	if (rc)
		return diag_set(d, rc, "cannot list cases: %s", err_str(rc));
	if (total)
		*total = indexed ? rows : l.listed;
	return 0;
}

int
node_case_list(struct node *n, const struct case_query *q, case_row_fn fn,
	       void *ctx, struct diag *d)
{
	return case_list(n, q, 0, fn, ctx, NULL, d);
}

int
node_case_list_first(struct node *n, const struct case_query *q, size_t max,
		     case_row_fn fn, void *ctx, uint64_t *total, struct diag *d)
{
	return case_list(n, q, max, fn, ctx, total, d);
}

int
node_ghost_count(struct node *n, uint64_t *count)
{
	const uint8_t from = IDX_GHOST, to = IDX_GHOST + 1;
	return store_index_count(node_store(n), &from, 1, &to, 1, UINT64_MAX,
				 count);
}

struct loads {
	size_t width;
	uint64_t now, soon;
	struct case_load cur;
	uint8_t last[VIEW_UNIT_WIDTH]; /* cur's name as the key has it */
	case_load_fn fn;
	void *ctx;
};

/* The rows of one name are together: a new name hands the last on.  Per
 * row only the padded name is compared (a walk of 100,000 rows). */
static int
load_row(const uint8_t *key, size_t n, void *ctx)
{
	struct loads *w = ctx;
	uint64_t due;
	int rc;
	if (n != 1 + w->width + 8)
		return ERR_CORRUPT;
	if (!w->cur.name[0] || memcmp(key + 1, w->last, w->width) != 0) {
		if (w->cur.name[0] && (rc = w->fn(&w->cur, w->ctx)))
			return rc;
		memset(&w->cur, 0, sizeof(w->cur));
		if (view_load_read(key, n, w->width, w->cur.name, &due) ||
		    !w->cur.name[0])
			return ERR_CORRUPT;
		memcpy(w->last, key + 1, w->width);
	}
	due = 0;
	for (size_t i = 0; i < 8; i++)
		due = due << 8 | key[1 + w->width + i];
	w->cur.open++;
	if (due == VIEW_NO_DUE)
		return 0;
	if (due < w->now)
		w->cur.overdue++;
	else if (due < w->soon)
		w->cur.soon++;
	return 0;
}

static int
loads(struct node *n, char prefix, size_t width, uint64_t now_ms,
      uint64_t soon_ms, case_load_fn fn, void *ctx)
{
	struct loads w;
	uint8_t lo[VIEW_LOAD_KEY_MAX], hi[VIEW_LOAD_KEY_MAX];
	size_t kn = 1 + width + 8;
	memset(&w, 0, sizeof(w));
	w.width = width;
	w.now = now_ms;
	w.soon = soon_ms;
	w.fn = fn;
	w.ctx = ctx;
	/* Every key of the prefix has one length: the range is from the
	 * prefix and zeros to the next prefix and zeros, of that length. */
	memset(lo, 0, sizeof(lo));
	memset(hi, 0, sizeof(hi));
	lo[0] = (uint8_t)prefix;
	hi[0] = (uint8_t)(prefix + 1);
	int rc = store_index_keys(node_store(n), lo, kn, hi, kn, load_row, &w);
	if (rc == 0 && w.cur.name[0])
		rc = fn(&w.cur, ctx);
	return rc;
}

int
node_unit_loads(struct node *n, uint64_t now_ms, uint64_t soon_ms,
		case_load_fn fn, void *ctx)
{
	return loads(n, IDX_UNIT_DUE, VIEW_UNIT_WIDTH, now_ms, soon_ms, fn,
		     ctx);
}

int
node_cell_loads(struct node *n, uint64_t now_ms, uint64_t soon_ms,
		case_load_fn fn, void *ctx)
{
	return loads(n, IDX_CELL_OPEN, VIEW_CELL_WIDTH, now_ms, soon_ms, fn,
		     ctx);
}

int
node_case_get(struct node *n, const char *case_id, uint64_t now_ms,
	      struct case_view *cv)
{
	memset(cv, 0, sizeof(*cv));
	buf_init(&cv->encoded);
	int rc = store_view_get(node_store(n), case_id, &cv->encoded);
	if (rc == 0 && state_decode(cv->encoded.data, cv->encoded.len, &cv->st))
		rc = ERR_CORRUPT;
	if (rc) {
		buf_release(&cv->encoded);
		return rc;
	}
	hash_bytes(cv->encoded.data, cv->encoded.len, cv->digest);
	cv->has_deadline = deadline_of(&cv->st, &node_config(n)->cal, now_ms,
				       &cv->dl) == 0;
	return 0;
}

void
node_case_release(struct case_view *cv)
{
	state_release(&cv->st);
	buf_release(&cv->encoded);
}

struct history_walk {
	case_history_fn fn;
	void *ctx;
};

static int
history_one(const uint8_t *p, size_t n, void *ctx)
{
	struct history_walk *h = ctx;
	struct envelope env;
	struct event ev;
	size_t used;
	if (envelope_read(p, n, &env, &used, NULL) ||
	    event_decode(env.event, env.event_len, &ev, NULL))
		return ERR_CORRUPT;
	return h->fn(&env, &ev, h->ctx);
}

int
node_case_history(struct node *n, const char *case_id, case_history_fn fn,
		  void *ctx)
{
	struct history_walk h = { fn, ctx };
	return store_walk_case(node_store(n), case_id, history_one, &h);
}

struct state_walk {
	case_state_fn fn;
	void *ctx;
};

static int
state_one(const char *case_id, const uint8_t *p, size_t n, void *ctx)
{
	struct state_walk *w = ctx;
	struct case_state st;
	if (state_decode(p, n, &st))
		return ERR_CORRUPT;
	int rc = w->fn(case_id, &st, w->ctx);
	state_release(&st);
	return rc;
}

int
node_case_walk(struct node *n, case_state_fn fn, void *ctx)
{
	struct state_walk w = { fn, ctx };
	return store_view_walk(node_store(n), state_one, &w);
}

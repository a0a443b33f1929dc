/*
 * cmd_case_show.c - gridcase case show: a case's state (with its due time
 * and colour), its conflicts, and its signed history.
 */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/hash.h"
#include "node/api.h"
#include "node/files.h"
#include "node/case/classes.h"
#include "node/case/config.h"
#include "node/case/deadline.h"
#include "node/node.h"
#include "node/case/state.h"
#include "common/banned.h"

struct history {
	struct buf out;
	struct json_writer w;
	int json;
	int count;
	int offset_min; /* the calendar's: text shows local times */
	const struct roster *roster; /* to name the authors */
};

static int
show_one(const struct envelope *env, const struct event *ev, void *ctx)
{
	struct history *h = ctx;
	h->count++;
	if (h->json) {
		show_event_json(&h->w, env, ev, 1);
		return 0;
	}
	char id[65], author[65], when[CLOCK_ISO_BYTES];
	struct buf body = BUF_INIT;
	struct json_writer bw;
	hex_encode(env->id, EVENT_ID_BYTES, id);
	hex_encode(ev->author, EVENT_KEY_BYTES, author);
	clock_format_local(ev->time_ms, h->offset_min, when);
	json_writer_init(&bw, &body, 0);
	if (json_put_mp(&bw, ev->body, ev->body_len))
		buf_add_str(&body, "(unreadable body)");
	char who[65];
	show_who(h->roster, ev->author, who);
	buf_printf(&h->out,
		   "  event %.16s  %-16.*s %s  by %s (%.8s)  seq %llu  lamport %llu\n"
		   "        %s\n",
		   id, (int)ev->type_len, ev->type, when, who, author,
		   (unsigned long long)ev->seq, (unsigned long long)ev->lamport,
		   buf_cstr(&body));
	buf_release(&body);
	return 0;
}

static void
put_time(struct buf *out, const char *label, uint64_t ms, int offset_min)
{
	char iso[CLOCK_ISO_BYTES];
	if (!ms)
		return;
	clock_format_local(ms, offset_min, iso);
	buf_printf(out, "  %-14s %s\n", label, iso);
}

/*
 * The class's name in the national table ("" when the table cannot be
 * read or the code is a legacy one it does not hold); out holds 256.
 */
static void
class_name(const struct case_state *st, char out[256])
{
	struct classes *cls = NULL;
	enum class_kind kind;
	const char *name = NULL;
	out[0] = '\0';
	if (class_kind_parse(st->kind, &kind) || classes_load(&cls, NULL))
		return;
	name = classes_name(cls, kind, st->code);
	if (name)
		snprintf(out, 256, "%s", name);
	classes_free(cls);
}

static void
text_state(struct buf *out, const struct case_state *st,
	   const struct deadline *dl, int has_dl,
	   const uint8_t digest[HASH_BYTES], int tz)
{
	char cname[256];
	char hex[65], due[CLOCK_ISO_BYTES], zone[CLOCK_ISO_BYTES];
	hex_encode(digest, HASH_BYTES, hex);
	clock_format_offset(tz, zone);
	buf_printf(out, "case %s: %s  (times are local, %s)\n", st->case_id,
		   case_status_name(st->status), zone);
	class_name(st, cname);
	buf_printf(out, "  %-14s %s:%s %s%s(%s)\n", "class", st->kind, st->code,
		   cname, cname[0] ? " " : "", st->standard);
	/* Text fields stay on their line: a newline in them is shown. */
	buf_printf(out, "  %-14s %s\n  %-14s ", "grid", st->grid, "where");
	if (st->where)
		cli_text(out, st->where, strlen(st->where), 0);
	buf_printf(out, "\n  %-14s ", "desc");
	if (st->desc)
		cli_text(out, st->desc, strlen(st->desc), 0);
	buf_add_str(out, "\n");
	buf_printf(out, "  %-14s %s (by %s)\n", "source", st->source,
		   st->reporter);
	put_time(out, "reported", st->reported_at, tz);
	put_time(out, "registered", st->registered_at, tz);
	if (st->urgency[0])
		buf_printf(out, "  %-14s %s, limit %s\n", "urgency", st->urgency,
			   st->limit);
	if (st->unit[0])
		buf_printf(out, "  %-14s %s%s%s\n", "unit", st->unit,
			   st->team[0] ? " / " : "", st->team);
	put_time(out, "dispatched", st->dispatched_at, tz);
	if (has_dl) {
		if (dl->has_due) {
			clock_format_local(dl->due_ms, tz, due);
			buf_printf(out, "  %-14s %s", "due", due);
		} else {
			buf_printf(out, "  %-14s (clock stopped: suspended)", "due");
		}
		if (dl->done)
			buf_printf(out, "  done %s\n", dl->on_time ? "on time" : "late");
		else
			buf_printf(out, "  %s, %llu of %llu working minutes used\n",
				   colour_name(dl->colour),
				   (unsigned long long)(dl->used_work_ms / 60000),
				   (unsigned long long)(dl->limit_work_ms / 60000));
	}
	put_time(out, "fed back", st->fed_back_at, tz);
	put_time(out, "verified", st->verified_at, tz);
	put_time(out, "closed", st->closed_at, tz);
	if (st->merged_into[0])
		buf_printf(out, "  %-14s %s\n", "merged into", st->merged_into);
	buf_printf(out, "  %-14s dispatches %u, returns %u, postponements %u, suspensions %u, reworks %u, reopens %u\n",
		   "counts", st->dispatches, st->returns, st->postponements,
		   st->suspensions, st->reworks, st->reopens);
	for (size_t i = 0; i < st->ndisposals; i++) {
		const struct disposal *x = &st->disposals[i];
		char at[CLOCK_ISO_BYTES], ev[65];
		clock_format_local(x->at, tz, at);
		hex_encode(x->event, EVENT_ID_BYTES, ev);
		buf_printf(out, "  %-14s %s by %s (%s) at %s, event %.16s%s\n",
			   i ? "" : "disposal work", x->feedback ? "feedback" : "disposal",
			   x->by, x->unit, at, ev,
			   x->current ? "" : " [made while the case moved on without it]");
	}
	for (size_t i = 0; i < st->nconflicts; i++) {
		const struct conflict *cf = &st->conflicts[i];
		buf_printf(out, "  %-14s %s %s %s:", i ? "" : "conflicts", cf->id,
			   cf->kind, cf->resolved ? "resolved" : "OPEN");
		for (size_t j = 0; j < cf->nevents; j++) {
			hex_encode(cf->events[j], EVENT_ID_BYTES, hex);
			buf_printf(out, " %.16s", hex);
		}
		buf_add_str(out, "\n");
	}
	buf_printf(out, "  %-14s %u (%u not applied)\n", "events", st->events,
		   st->unapplied);
	hex_encode(digest, HASH_BYTES, hex);
	buf_printf(out, "  %-14s %s\nhistory (replay order)\n", "state digest", hex);
}

int
cmd_case_show(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct history h = { BUF_INIT, { 0 }, 0, 0, 0, NULL };
	struct case_view cv;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': h.json = 1; break;
		default: return cli_bad_option(c, argv, "");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one CASE id");
	const char *case_id = argv[optind];
	rc = node_case_get(c->node, case_id, clock_now_ms(), &cv);
	if (rc) {
		if (rc == ERR_NOTFOUND)
			return cli_fail_rc(rc, "no case '%s' in this log",
					   case_id);
		return cli_fail("cannot read case '%s': %s", case_id, err_str(rc));
	}
	if (cv.st.status == CS_NONE) {
		unsigned events = cv.st.events;
		node_case_release(&cv);
		return cli_fail_rc(ERR_NOTFOUND, "no case '%s': %u event%s on this id with no report before them are kept as evidence, and make no case (gridcase log --case %s)",
				case_id, events, events == 1 ? "" : "s", case_id);
	}
	h.offset_min = node_config(c->node)->cal.utc_offset_min;
	h.roster = node_roster(c->node);
	json_writer_init(&h.w, &h.out, 0);
	h.w.iso_times = 1;
	if (h.json) {
		json_obj_begin(&h.w);
		json_key(&h.w, "case");
		json_str(&h.w, case_id);
		json_key(&h.w, "state");
		if (json_put_mp(&h.w, cv.encoded.data, cv.encoded.len))
			json_null(&h.w);
		char cname[256];
		class_name(&cv.st, cname);
		json_key(&h.w, "class_name");
		json_str(&h.w, cname);
		json_key(&h.w, "state_digest");
		json_hex(&h.w, cv.digest, HASH_BYTES);
		json_key(&h.w, "deadline");
		if (cv.has_deadline) {
			char iso[CLOCK_ISO_BYTES];
			json_obj_begin(&h.w);
			json_key(&h.w, "due");
			if (cv.dl.has_due) {
				clock_format(cv.dl.due_ms, iso);
				json_str(&h.w, iso);
			} else {
				json_null(&h.w);
			}
			json_key(&h.w, "colour");
			json_str(&h.w, cv.dl.done ? "done" : colour_name(cv.dl.colour));
			json_key(&h.w, "done");
			json_bool(&h.w, cv.dl.done);
			json_key(&h.w, "on_time");
			json_bool(&h.w, cv.dl.on_time);
			json_key(&h.w, "limit_minutes");
			json_uint(&h.w, cv.dl.limit_work_ms / 60000);
			json_key(&h.w, "used_minutes");
			json_uint(&h.w, cv.dl.used_work_ms / 60000);
			json_obj_end(&h.w);
		} else {
			json_null(&h.w);
		}
		json_key(&h.w, "events");
		json_arr_begin(&h.w);
	} else {
		text_state(&h.out, &cv.st, &cv.dl, cv.has_deadline, cv.digest,
			   h.offset_min);
	}
	rc = node_case_history(c->node, case_id, show_one, &h);
	node_case_release(&cv);
	if (rc) {
		buf_release(&h.out);
		return cli_fail("cannot read case '%s': %s", case_id, err_str(rc));
	}
	if (h.json) {
		json_arr_end(&h.w);
		json_obj_end(&h.w);
	}
	cli_print(&h.out);
	buf_release(&h.out);
	return EXIT_OK;
}

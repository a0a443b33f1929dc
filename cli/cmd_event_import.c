/*
 * cmd_event_import.c - gridcase event import: check and ingest exported
 * events, reporting each one refused and why.
 *
 * Events are admitted in batches (one durable commit each).  An envelope
 * that cannot be read ends the stream there (its length cannot be
 * trusted); an envelope that reads but fails a check is refused alone.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/show.h"
#include "common/hex.h"
#include "common/json.h"
#include "common/xalloc.h"
#include "crypto/seal.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

#define IMPORT_BATCH 1000
/* Refusals by the roster check are tried again once the whole stream is
 * in: the roster's own events may come later in the stream. */
#define RETRY_MAX 100000

struct tally {
	uint64_t seen, added, duplicate, pending, forks, promoted, rejected;
};

static void
refuse(struct json_writer *w, struct tally *t, uint64_t index, size_t at,
       const uint8_t *id, int rc, const char *why)
{
	char hex[2 * EVENT_ID_BYTES + 1] = "";
	t->rejected++;
	if (id)
		hex_encode(id, EVENT_ID_BYTES, hex);
	if (w) {
		json_obj_begin(w);
		json_key(w, "index");
		json_uint(w, index);
		json_key(w, "offset");
		json_uint(w, at);
		json_key(w, "id");
		if (id)
			json_str(w, hex);
		else
			json_null(w);
		json_key(w, "error");
		json_str(w, err_name(rc));
		json_key(w, "reason");
		json_str(w, why);
		json_obj_end(w);
	} else {
		fprintf(stderr, "rejected event #%llu at byte %zu%s%s: %s: %s\n",
			(unsigned long long)index, at, id ? " id " : "", hex,
			err_str(rc), why);
	}
}

/* Admits one opened envelope; counts it.  Returns the store's code. */
static int
admit_counted(struct store_batch *b, const uint8_t *p, size_t n,
	      const struct envelope *env, const struct event *ev,
	      struct tally *t, struct diag *d)
{
	struct admit_result res;
	int rc = store_batch_admit(b, p, n, env, ev, &res, d);
	if (rc)
		return rc;
	switch (res.status) {
	case ADMIT_NEW: t->added++; break;
	case ADMIT_DUPLICATE: t->duplicate++; break;
	case ADMIT_PENDING: t->pending++; break;
	case ADMIT_FORK: t->forks++; break;
	}
	t->promoted += res.promoted;
	t->forks += res.forks;
	return 0;
}

int
cmd_event_import(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s = node_store(c->node);
	struct store_batch *b = NULL;
	struct buf in = BUF_INIT, out = BUF_INIT;
	struct json_writer w;
	struct tally t = { 0 };
	struct diag d;
	size_t off = 0, in_batch = 0, nretry = 0;
	size_t *retry = NULL;
	uint64_t *retry_index = NULL;
	int opt, json = 0, rc = 0, stream_err = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = 1; break;
		default: return cli_usage(c, "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage(c, "give one FILE, or - for stdin");
	if (cli_read_file(argv[optind], &in, &d))
		return cli_fail("%s", d.text);

	json_writer_init(&w, &out, 0);
	if (json) {
		json_obj_begin(&w);
		json_key(&w, "rejected");
		json_arr_begin(&w);
	}
	while (off < in.len) {
		struct envelope env;
		struct event ev;
		size_t used;
		uint64_t index = t.seen++;

		rc = envelope_read(in.data + off, in.len - off, &env, &used, &d);
		if (rc) {
			/* The envelope's length is unknown: stop here. */
			refuse(json ? &w : NULL, &t, index, off, NULL, rc,
			       d.text);
			stream_err = 1;
			break;
		}
		rc = seal_open(in.data + off, used, store_network(s), &env,
			       &ev, &used, &d);
		if (rc) {
			uint8_t claimed[EVENT_ID_BYTES];
			memcpy(claimed, env.id, EVENT_ID_BYTES);
			refuse(json ? &w : NULL, &t, index, off, claimed, rc,
			       d.text);
			off += used;
			continue;
		}
		if (!b && (rc = store_batch_begin(s, &b))) {
			cli_fail("cannot begin a write: %s", err_str(rc));
			goto out;
		}
		rc = admit_counted(b, in.data + off, used, &env, &ev, &t, &d);
		if (rc && store_batch_is_failed(b)) {
			cli_fail("import stopped at event #%llu: %s",
				 (unsigned long long)index, d.text);
			store_batch_abort(b);
			b = NULL;
			goto out;
		}
		if (rc == ERR_DENIED && nretry < RETRY_MAX) {
			retry = xrealloc(retry, (nretry + 1) * sizeof(*retry));
			retry_index = xrealloc(retry_index,
					       (nretry + 1) * sizeof(*retry_index));
			retry[nretry] = off;
			retry_index[nretry++] = index;
		} else if (rc) {
			refuse(json ? &w : NULL, &t, index, off, env.id, rc, d.text);
		}
		off += used;
		if (++in_batch == IMPORT_BATCH) {
			rc = store_batch_commit(b, &d);
			b = NULL;
			in_batch = 0;
			if (rc) {
				cli_fail("cannot commit: %s", d.text);
				goto out;
			}
		}
	}
	/* Refused by the roster: once more, now that the stream is in. */
	for (size_t i = 0; i < nretry; i++) {
		struct envelope env;
		struct event ev;
		size_t used;
		if (!b && (rc = store_batch_begin(s, &b))) {
			cli_fail("cannot begin a write: %s", err_str(rc));
			goto out;
		}
		off = retry[i];
		if (seal_open(in.data + off, in.len - off, store_network(s), &env,
			      &ev, &used, &d))
			continue; /* opened once already: cannot happen */
		rc = admit_counted(b, in.data + off, used, &env, &ev, &t, &d);
		if (rc && store_batch_is_failed(b)) {
			cli_fail("import stopped: %s", d.text);
			store_batch_abort(b);
			b = NULL;
			goto out;
		}
		if (rc)
			refuse(json ? &w : NULL, &t, retry_index[i], off, env.id,
			       rc, d.text);
	}
	if (b) {
		rc = store_batch_commit(b, &d);
		b = NULL;
		if (rc) {
			cli_fail("cannot commit: %s", d.text);
			goto out;
		}
	}
	rc = 0;
	if (json) {
		json_arr_end(&w);
		const char *names[] = { "read", "added", "duplicates", "waiting",
					"forks", "promoted", "rejected" };
		uint64_t vals[] = { t.seen, t.added, t.duplicate, t.pending,
				    t.forks, t.promoted, t.rejected };
		for (size_t i = 0; i < 7; i++) {
			json_key(&w, names[i]);
			json_uint(&w, vals[i]);
		}
		json_obj_end(&w);
		cli_print(&out);
	} else {
		printf("read %llu events: %llu added, %llu duplicates, "
		       "%llu waiting for a predecessor (%llu let in later), "
		       "%llu forks, %llu rejected\n",
		       (unsigned long long)t.seen, (unsigned long long)t.added,
		       (unsigned long long)t.duplicate,
		       (unsigned long long)t.pending,
		       (unsigned long long)t.promoted,
		       (unsigned long long)t.forks,
		       (unsigned long long)t.rejected);
	}
	if (t.forks)
		fprintf(stderr, "warning: %llu forks recorded: see 'gridcase status'\n",
			(unsigned long long)t.forks);
out:
	free(retry);
	free(retry_index);
	buf_release(&in);
	buf_release(&out);
	if (rc)
		return EXIT_FAIL;
	return t.rejected || stream_err ? EXIT_FAIL : EXIT_OK;
}

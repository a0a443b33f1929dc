/*
 * make_events.c - appends many events to a node's own feed, fast: the
 * test tool behind tests/integration/repl_crash.sh.
 *
 *   make_events DIR N [EVENTS_PER_CASE]
 *
 * Opens the node in DIR with its own key and appends N low-level "note"
 * events (body {"n": i}) in batches of 1,000: one store_batch_begin, a
 * thousand store_batch_append, one durable store_batch_commit.  That is
 * the path `gridcase event add` takes, without a process and a commit per
 * event.  Event i goes to case "bulk-<i / EVENTS_PER_CASE>" (default 100):
 * a case per event would make as many case views, and one case for
 * everything would fold a case of N events at every commit.
 *
 * Prints "N events, seq FIRST..LAST" on success; exits 1 naming what
 * failed otherwise, 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "common/err.h"
#include "common/mp.h"
#include "crypto/key.h"
#include "node/node.h"
#include "store/store.h"
#include "common/banned.h"

#define BATCH 1000

static int
usage(void)
{
	fprintf(stderr, "usage: make_events DIR N [EVENTS_PER_CASE]\n");
	return 2;
}

static int
number(const char *s, unsigned long long *out)
{
	char *end;
	if (!*s || *s == '-')
		return -1;
	*out = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

int
main(int argc, char **argv)
{
	unsigned long long n, per_case = 100;
	struct node *node = NULL;
	struct summary_entry before;
	struct diag d;
	int rc;

	if (argc < 3 || argc > 4 || number(argv[2], &n) ||
	    (argc == 4 && (number(argv[3], &per_case) || per_case == 0)))
		return usage();
	if ((rc = node_open(argv[1], NODE_WITH_KEY, NULL, &node, &d))) {
		fprintf(stderr, "make_events: cannot open node '%s': %s\n",
			argv[1], d.text);
		return 1;
	}
	struct store *s = node_store(node);
	const struct key *k = node_key(node);
	if (store_summary_get(s, key_public(k), &before) != 0)
		before.seq = 0;
	for (unsigned long long done = 0; done < n;) {
		struct store_batch *b;
		if ((rc = store_batch_begin(s, &b))) {
			fprintf(stderr, "make_events: cannot begin a batch: %s\n",
				err_str(rc));
			goto fail;
		}
		for (int i = 0; i < BATCH && done < n; i++, done++) {
			char case_id[32];
			struct buf body = BUF_INIT;
			struct append_req req = { 0 };
			snprintf(case_id, sizeof(case_id), "bulk-%llu",
				 done / per_case);
			mp_put_map(&body, 1);
			mp_put_cstr(&body, "n");
			mp_put_uint(&body, done);
			req.case_id = case_id;
			req.type = "note";
			req.body = body.data;
			req.body_len = body.len;
			req.now_ms = clock_now_ms();
			rc = store_batch_append(b, k, &req, NULL, &d);
			buf_release(&body);
			if (rc) {
				fprintf(stderr, "make_events: event %llu: %s\n",
					done, d.text);
				store_batch_abort(b);
				goto fail;
			}
		}
		if ((rc = store_batch_commit(b, &d))) {
			fprintf(stderr, "make_events: cannot commit: %s\n", d.text);
			goto fail;
		}
	}
	printf("%llu events, seq %llu..%llu\n", n,
	       (unsigned long long)before.seq + 1,
	       (unsigned long long)before.seq + n);
	node_close(node);
	return 0;
fail:
	node_close(node);
	return 1;
}

/*
 * bundle.h - audit bundles (docs/audit.md §5): one self-contained file
 * holding what an auditor needs to check a month's figures or a case's
 * history without a node, and its verification.
 */
#ifndef GRIDCASE_BUNDLE_H
#define GRIDCASE_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"
#include "common/event.h"

struct node;
struct period;

#define BUNDLE_FORMAT "gridcase-audit/1"

struct bundle_opts {
	const char *case_id;        /* a case bundle, or NULL */
	const struct period *month; /* a month bundle, or NULL */
	const char *office;         /* month: the office shown, or NULL */
};

/*
 * Writes the bundle of o (a case or a month) to out.  ERR_NOTFOUND if the
 * case has no events here; the store's errors.
 */
MUST_CHECK int bundle_export(struct node *n, const struct bundle_opts *o,
			     struct buf *out, struct diag *d);

/*
 * Verifies the bundle [p, p+n) with no node: every envelope, the order,
 * the roster, who signed the reports, every proof, and for a month the
 * checkpoint and every figure, recomputed.  admin (NULL: the bundle's
 * own) is the district's genesis admin key the auditor trusts.  Appends
 * what it checked (the case timeline or the figures) to text.  The first
 * thing wrong is the error, named in d: ERR_FORMAT (the bundle's shape),
 * the envelope errors (ERR_BADSIG ...), ERR_DENIED (a signer with no
 * right, or an admin key not the one given), ERR_CORRUPT (order, proof,
 * checkpoint or figure).
 */
MUST_CHECK int bundle_verify(const uint8_t *p, size_t n, const uint8_t *admin,
			     struct buf *text, struct diag *d);

#endif

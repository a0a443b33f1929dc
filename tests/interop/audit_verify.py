#!/usr/bin/env python3
"""audit_verify.py - an independent reader of gridcase audit bundles.

This re-implements docs/audit.md from the document alone, in Python 3
with the standard library only: no gridcase code.  Events, envelopes and
signatures are read by verify.py beside it, the independent reader of
docs/format.md.  The RFC 9162 trees are computed here with hashlib.

    audit_verify.py vectors FILE          check docs/vectors/audit.json
    audit_verify.py bundle FILE [ADMIN]   check a bundle (ADMIN: the
                                          district admin key in hex)

A bundle is checked for its shape, every envelope (signature, id,
network), the canonical order, the report's checkpoint (its count and
tree head recomputed from the bundle's events), every inclusion proof,
and, for a month, the figures this reader recomputes from the events
alone: `reported`, `valid` and `registered` of every office and every
grid (docs/evaluation.md), which must equal the report's.  Reading: the
recomputation follows a case's first report, accept and register events
(docs/workflow.md §2); it is exact for months whose cases have no
conflicts, merges or refusals, as the tests' months are.  The other
figures need the working calendar and the whole fold and are checked by
`gridcase audit verify`; the roster's authority over signers is not
modelled here either.

Prints what it checked and exits 0, or prints the first thing wrong and
exits 1; 2 on usage errors.
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify as fmt  # noqa: E402  (docs/format.md, independently)

FORMAT = "gridcase-audit/1"
REPORT_TYPE = "eval.report"
PERIOD_PREFIX = "period-"
ROSTER_CASE = "roster"


class Wrong(Exception):
    pass


# ---- §2 the checkpoint: RFC 9162 §2.1.1 over SHA-256 -------------------


def sha256(b):
    return hashlib.sha256(b).digest()


def mth(leaves):
    n = len(leaves)
    if n == 0:
        return sha256(b"")
    if n == 1:
        return sha256(b"\x00" + leaves[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:]))


def path_holds(leaf, m, n, path, root):
    """RFC 9162 §2.1.3.2, step by step."""
    if m >= n:
        return False
    fn, sn = m, n - 1
    r = sha256(b"\x00" + leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def canonical_key(e):
    """§1: author, then seq, then id."""
    return (e["author"], e["seq"], e["_id"])


# ---- vectors ------------------------------------------------------------


def cmd_vectors(path):
    with open(path) as f:
        v = json.load(f)
    n_ok = 0
    for t in v["trees"]:
        leaves = [bytes.fromhex(x) for x in t["leaves"]]
        if mth(leaves).hex() != t["root"]:
            raise Wrong("tree of %d leaves: root differs" % len(leaves))
        for p in t["paths"]:
            path = [bytes.fromhex(x) for x in p["path"]]
            if not path_holds(leaves[p["index"]], p["index"], len(leaves),
                              path, bytes.fromhex(t["root"])):
                raise Wrong("tree of %d leaves: path of %d does not hold"
                            % (len(leaves), p["index"]))
            n_ok += 1
    print("vectors: %d trees, %d paths hold" % (len(v["trees"]), n_ok))


# ---- §5 the bundle ------------------------------------------------------


def open_all(items, network, what):
    out = []
    for i, env in enumerate(items):
        try:
            ev, eid, _sig, end = fmt.verify_envelope(env, 0, network)
        except fmt.Refused as r:
            raise Wrong("%s #%d does not verify: %s" % (what, i + 1, r))
        if end != len(env):
            raise Wrong("%s #%d: bytes after the envelope" % (what, i + 1))
        ev["_id"] = eid
        out.append(ev)
    for i in range(1, len(out)):
        if not canonical_key(out[i - 1]) < canonical_key(out[i]):
            raise Wrong("%s #%d is out of canonical order" % (what, i + 1))
    return out


def office_of(grid, offices):
    for prefix, name in offices:
        if grid[:9] == prefix:
            return name
    return grid[:9]


def recompute(events, frm, to, offices):
    """reported, valid, registered by office and by grid."""
    cases = {}
    for ev in events:
        if ev["case"] == ROSTER_CASE or ev["case"].startswith(PERIOD_PREFIX):
            continue
        cases.setdefault(ev["case"], []).append(ev)
    tally = {"office": {}, "grid": {}}

    def add(grid, fig):
        for by, key in (("office", office_of(grid, offices)), ("grid", grid)):
            key = key or "(none)"
            row = tally[by].setdefault(key, {})
            row[fig] = row.get(fig, 0) + 1

    for evs in cases.values():
        evs.sort(key=lambda e: (e["lamport"], e["_id"]))
        first = {}
        for e in evs:
            first.setdefault(e["type"], e)
        if "report" not in first:
            continue
        rep = first["report"]
        grid = rep["body"].get("grid", "")
        if frm <= rep["time"] < to:
            add(grid, "reported")
            acc = first.get("accept")
            if acc is not None and acc["time"] < to:
                add(grid, "valid")
        reg = first.get("register")
        if reg is not None and frm <= reg["time"] < to:
            add(grid, "registered")
    return tally


def check_figures(report, events, offices):
    mine = recompute(events, report["from"], report["to"], offices)
    n = 0
    for by in ("office", "grid"):
        table = report["figures"][by]
        names = table["columns"]
        rows = {r[0]: dict(zip(names, r)) for r in table["rows"]}
        for group in sorted(set(rows) | set(mine[by])):
            for fig in ("reported", "valid", "registered"):
                theirs = rows.get(group, {}).get(fig, 0)
                ours = mine[by].get(group, {}).get(fig, 0)
                if theirs != ours:
                    raise Wrong("by %s, group %r, figure %s: the report says "
                                "%d, the events give %d"
                                % (by, group, fig, theirs, ours))
                n += 1
    return n


def cmd_bundle(path, admin_hex):
    with open(path, "rb") as f:
        data = f.read()
    try:
        b = fmt.decode_whole(data)
    except fmt.Refused as r:
        raise Wrong("the file is not one canonical msgpack value: %s" % r)
    if type(b) is not dict or b.get("format") != FORMAT:
        raise Wrong("not a %s bundle" % FORMAT)
    if admin_hex and b["admin"].hex() != admin_hex:
        raise Wrong("the bundle's district admin is %s, not the key given"
                    % b["admin"].hex()[:16])
    net = b["network"]
    open_all(b["roster"], net, "roster event")
    events = open_all(b["events"], net, "event")
    reports = []
    for i, ev in enumerate(open_all(b["reports"], net, "report")):
        if ev["type"] != REPORT_TYPE:
            raise Wrong("report #%d is a %r event" % (i + 1, ev["type"]))
        body = ev["body"]
        if ev["case"] != PERIOD_PREFIX + body["month"]:
            raise Wrong("report #%d of %s is on case %r"
                        % (i + 1, body["month"], ev["case"]))
        reports.append(body)
    print("bundle of %s %s: %d events, %d roster events, %d reports, "
          "every signature verifies" % (b["kind"], b["subject"], len(events),
                                        len(b["roster"]), len(reports)))
    if b["kind"] == "month":
        if len(reports) > 1:
            raise Wrong("a month bundle holds one report")
        if not reports:
            print("no report: nothing to compare")
            return
        rep = reports[0]
        cp = rep["checkpoint"]
        if cp["count"] != len(events):
            raise Wrong("the checkpoint counts %d events, the bundle holds %d"
                        % (cp["count"], len(events)))
        root = mth([e["_id"] for e in events])
        if root != cp["root"]:
            raise Wrong("the tree head differs: the report has %s, the events "
                        "give %s" % (cp["root"].hex()[:16], root.hex()[:16]))
        print("checkpoint: %d events, tree head %s: recomputed"
              % (cp["count"], root.hex()))
        n = check_figures(rep, events, rep["offices"])
        print("figures: %d values (reported, valid, registered by office "
              "and grid) recomputed, all equal to the report's" % n)
    else:
        for k, (ei, ri, leaf, path) in enumerate(b["proofs"]):
            cp = reports[ri]["checkpoint"]
            if not path_holds(events[ei]["_id"], leaf, cp["count"], path,
                              cp["root"]):
                raise Wrong("proof #%d (event #%d) does not hold" % (k + 1, ei + 1))
        print("proofs: %d inclusion proofs hold" % len(b["proofs"]))


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "vectors":
            cmd_vectors(argv[2])
        elif len(argv) in (3, 4) and argv[1] == "bundle":
            cmd_bundle(argv[2], argv[3] if len(argv) == 4 else None)
        else:
            print(__doc__.split("\n\n")[1], file=sys.stderr)
            return 2
    except Wrong as w:
        print("wrong: %s" % w)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""audit_verify.py - an independent reader of gridcase audit bundles.

This re-implements docs/audit.md from the document alone, in Python 3
with the standard library only: no gridcase code.  Events, envelopes and
signatures are read by verify.py beside it, the independent reader of
docs/format.md.  The RFC 9162 trees are computed here with hashlib.

    audit_verify.py vectors FILE          check docs/vectors/audit.json
    audit_verify.py bundle FILE [ADMIN] [--unsigned-events] [--regions]
                                          check a bundle (ADMIN: the
                                          district admin key in hex;
                                          --unsigned-events: a bundle whose
                                          events an earlier run verified,
                                          checked again without their
                                          signatures, the reports' still;
                                          --regions: print the rows of the
                                          report's region sets too)

A bundle is checked for its shape, every envelope (signature, id,
network), the canonical order, the report's checkpoint (its count and
tree head recomputed from the bundle's events), every inclusion proof,
and, for a month, every figure of the report: the overview's four
groupings and the nine indicator sets, recomputed from the bundle's
events, the report's config (calendar, limits, weights, bands) and its
cells by audit_figures.py (docs/evaluation.md and docs/workflow.md,
independently; its readings are in its own header), each value equal to
the report's.  A month with no report (not closed) carries the
grid's `cells` itself: its figures are recomputed with the bundle's
config, offices and cells, and the rows of the region sets (grid,
community, street) are printed as `gridcase audit verify` prints them,
"SET GROUP: figure=value ..." (`-` for no value), for a test to compare.

Prints what it checked and exits 0, or prints the first thing wrong and
exits 1; 2 on usage errors.
"""

import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import verify as fmt  # noqa: E402  (docs/format.md, independently)
import audit_figures  # noqa: E402  (docs/evaluation.md, independently)

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
    cal = audit_figures.Calendar({"calendar": v["calendar"]["calendar"]})
    for i, x in enumerate(v["calendar"]["sums"]):
        got = cal.add_work(x["from"], x["work_ms"])
        if got != x["passed"]:
            raise Wrong("calendar sum #%d: %d ms from %d pass at %d, not %d"
                        % (i + 1, x["work_ms"], x["from"], got, x["passed"]))
    for i, x in enumerate(v["calendar"]["between"]):
        got = cal.work_ms(x["from"], x["to"])
        if got != x["work_ms"]:
            raise Wrong("calendar span #%d: %d ms of work, not %d"
                        % (i + 1, got, x["work_ms"]))
    t = v["table"]
    table = fmt.decode_whole(bytes.fromhex(t["msgpack"]))
    figs = audit_figures.SETS[t["set"]]
    if list(table) != ["columns", "kinds", "rows"] or \
            table["columns"] != ["group", "name"] + [f for f, _ in figs] + \
            ["grade"] or \
            table["kinds"] != ["text", "text"] + [k for _, k in figs] + \
            ["grade"] or table["rows"] != t["rows"]:
        raise Wrong("the table vector does not read as docs/audit.md §3 says")
    print("vectors: %d trees, %d paths hold; %d calendar sums and spans, "
          "1 table" % (len(v["trees"]), n_ok, len(v["calendar"]["sums"]) +
                       len(v["calendar"]["between"])))


# ---- §5 the bundle ------------------------------------------------------


def read_unsigned(env, network):
    """An envelope read and its id checked, its signature not (only for
    a bundle whose events were verified by an earlier run)."""
    event, eid, sig, end = fmt.read_envelope(env, 0)
    ev = fmt.decode_event(event)
    if ev["network"] != network:
        fmt.refuse("ERR_NETWORK", "event is for network %r" % ev["network"])
    if fmt.event_id(event) != eid:
        fmt.refuse("ERR_BADID", "id does not match the event bytes")
    return ev, eid, sig, end


def open_all(items, network, what, signatures=True):
    out = []
    for i, env in enumerate(items):
        try:
            if signatures:
                ev, eid, _sig, end = fmt.verify_envelope(env, 0, network)
            else:
                ev, eid, _sig, end = read_unsigned(env, network)
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


def check_all(report, admin, roster, events):
    """Every figure of the report, recomputed from the events and compared:
    the overview's four groupings, then the nine indicator sets."""
    if "sets" not in report or "cells" not in report:
        raise Wrong("the report holds no indicator sets (a report made "
                    "before they were frozen)")
    figures, sets = audit_figures.recompute(admin, roster, events, report)
    n = 0
    for by in sorted(figures):
        table = report["figures"][by]
        cols = table["columns"]
        if cols[0] != "group":
            raise Wrong("by %s: the first column is not the group" % by)
        theirs = {r[0]: dict(zip(cols, r)) for r in table["rows"]}
        ours = {r["group"]: r for r in figures[by]}
        for group in sorted(set(theirs) | set(ours), key=lambda k: k.encode()):
            if group not in ours:
                raise Wrong("by %s: the report has a group %r the events do "
                            "not give" % (by, group))
            if group not in theirs:
                raise Wrong("by %s: the events give a group %r the report "
                            "lacks" % (by, group))
            for col in cols[1:]:
                if col not in ours[group]:
                    continue  # a figure this reader does not know
                if theirs[group][col] != ours[group][col]:
                    raise Wrong("by %s, group %r, figure %s: the report says "
                                "%r, the events give %r"
                                % (by, group, col, theirs[group][col],
                                   ours[group][col]))
                n += 1
    m = 0
    if sorted(report["sets"]) != sorted(sets):
        raise Wrong("the report's sets are %s, not %s"
                    % (sorted(report["sets"]), sorted(sets)))
    for name in sorted(sets):
        table = report["sets"][name]
        figs = audit_figures.SETS[name]
        want_cols = ["group", "name"] + [f for f, _ in figs] + ["grade"]
        want_kinds = ["text", "text"] + [k for _, k in figs] + ["grade"]
        if table["columns"] != want_cols or table["kinds"] != want_kinds:
            raise Wrong("set %s: the columns are not those of "
                        "docs/evaluation.md §3" % name)
        keys = [r[0] for r in table["rows"]]
        if keys != sorted(set(keys), key=lambda k: k.encode()):
            raise Wrong("set %s: the rows are not in ascending key order"
                        % name)
        theirs = {r[0]: r for r in table["rows"]}
        ours = {r[0]: r for r in sets[name]}
        for group in sorted(set(theirs) | set(ours), key=lambda k: k.encode()):
            if group not in ours:
                raise Wrong("set %s: the report has a row %r the events do "
                            "not give" % (name, group))
            if group not in theirs:
                raise Wrong("set %s: the events give a row %r the report "
                            "lacks" % (name, group))
            for col, a, b in zip(want_cols, theirs[group], ours[group]):
                if a != b:
                    raise Wrong("set %s, group %r, figure %s: the report "
                                "says %r, the events give %r"
                                % (name, group, col, a, b))
                m += 1
    return n, m


def read_cells(b):
    """The bundle's `cells` (docs/audit.md §5): [[grid, community,
    office]...], strictly ascending by id (bytes)."""
    cells = b.get("cells")
    ok = type(cells) is list and all(
        type(c) is list and len(c) == 3 and
        all(type(x) is str for x in c) for c in cells) and all(
        cells[i - 1][0].encode() < cells[i][0].encode()
        for i in range(1, len(cells)))
    if not ok:
        raise Wrong("the bundle's 'cells' does not read")
    return cells


def month_bounds(subject, cfg_text):
    """[from, to) of the month YYYY-MM in the calendar's local time."""
    cal = audit_figures.Calendar(json.loads(cfg_text)
                                 if cfg_text.strip() else {})
    y, m = (int(x) for x in subject.split("-"))
    ny, nm = (y + 1, 1) if m == 12 else (y, m + 1)
    return (cal.instant(audit_figures.days_from_civil(y, m, 1), 0),
            cal.instant(audit_figures.days_from_civil(ny, nm, 1), 0))


REGIONS = ("grid", "community", "street")


def region_lines(tables):
    """The region sets' rows as `gridcase audit verify` prints them:
    tables maps a set to (columns, rows)."""
    for name in REGIONS:
        cols, rows = tables[name]
        for r in rows:
            print("%s %s:%s" % (name, r[0], "".join(
                " %s=%s" % (c, "-" if v is None else v)
                for c, v in zip(cols[1:], r[1:]))))


def check_open_month(b, roster, events):
    """A month not closed: no report to compare with; the figures are
    recomputed with the bundle's own config, offices and cells."""
    cells = read_cells(b)
    frm, to = month_bounds(b["subject"], b["config"])
    rep = {"config": b["config"], "offices": b["offices"], "cells": cells,
           "from": frm, "to": to}
    figures, sets = audit_figures.recompute(b["admin"], roster, events, rep)
    print("%s is not closed: no report to compare with" % b["subject"])
    print("checkpoint of the bundle: %d events, tree head %s"
          % (len(events), mth([e["_id"] for e in events]).hex()))
    print("figures: %d groups of the overview and %d rows of the %d "
          "indicator sets recomputed with the bundle's %d cells"
          % (sum(len(v) for v in figures.values()),
             sum(len(v) for v in sets.values()), len(sets), len(cells)))
    region_lines({name: (["group", "name"] +
                         [f for f, _ in audit_figures.SETS[name]] +
                         ["grade"],
                         sorted(sets[name], key=lambda r: r[0].encode()))
                  for name in REGIONS})


def check_witnesses(b, net, roster, events):
    """A case bundle's witnessed checkpoints (docs/audit.md §4, §5)."""
    members = audit_figures.Roster(b["admin"], roster)
    wits = []
    for i, (cp_env, w_env) in enumerate(b.get("witnesses", [])):
        pair = []
        for what, env in (("checkpoint", cp_env), ("countersignature", w_env)):
            try:
                ev, eid, _sig, end = fmt.verify_envelope(env, 0, net)
            except fmt.Refused as r:
                raise Wrong("the %s of witness #%d does not verify: %s"
                            % (what, i + 1, r))
            if end != len(env) or not ev["case"].startswith(
                    "period-witness-"):
                raise Wrong("witness #%d: its %s is no record of witnessed "
                            "time" % (i + 1, what))
            ev["_id"] = eid
            pair.append(ev)
        cp, w = pair
        if cp["type"] != "checkpoint" or w["type"] != "checkpoint.witness":
            raise Wrong("witness #%d is a %r and a %r" % (i + 1, cp["type"],
                                                          w["type"]))
        c = cp["body"]["checkpoint"]
        wb = w["body"]
        if wb["checkpoint"] != cp["_id"] or wb["count"] != c["count"] or \
                wb["root"] != c["root"]:
            raise Wrong("witness #%d: the countersignature does not name the "
                        "checkpoint's id, count and tree head" % (i + 1))
        if members.member_at(cp["author"], cp["seq"]) is None or \
                members.member_at(w["author"], w["seq"]) is None or \
                cp["author"] == w["author"]:
            raise Wrong("witness #%d: not signed by a member and countersigned "
                        "by another" % (i + 1))
        wits.append((c, w["time"]))
    first = {}
    for k, (ei, wi, leaf, path) in enumerate(b.get("wproofs", [])):
        c, at = wits[wi]
        if not path_holds(events[ei]["_id"], leaf, c["count"], path,
                          c["root"]):
            raise Wrong("witness proof #%d (event #%d) does not hold"
                        % (k + 1, ei + 1))
        first[ei] = min(first.get(ei, at), at)
    print("witnesses: %d countersigned checkpoints, %d inclusion proofs hold; "
          "%d of %d events witnessed, %d claim a time after their witness"
          % (len(wits), len(b.get("wproofs", [])), len(first), len(events),
             sum(1 for ei, at in first.items() if events[ei]["time"] > at)))


def cmd_bundle(path, admin_hex, signatures=True, regions=False):
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
    roster = open_all(b["roster"], net, "roster event", signatures)
    events = open_all(b["events"], net, "event", signatures)
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
          "every signature verifies%s"
          % (b["kind"], b["subject"], len(events), len(b["roster"]),
             len(reports), "" if signatures else
             " (the reports' only: --unsigned-events)"))
    if b["kind"] == "month":
        if len(reports) > 1:
            raise Wrong("a month bundle holds one report")
        if not reports:
            check_open_month(b, roster, events)
            return
        if "cells" in b:
            raise Wrong("the bundle holds 'cells' and a report: a closed "
                        "month's cells are the report's")
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
        n, m = check_all(rep, b["admin"], roster, events)
        print("figures: %d values of the overview (office, unit, grid, "
              "person) recomputed from the events, all equal to the report's"
              % n)
        print("sets: %d values of the %d indicator sets recomputed from the "
              "events, all equal to the report's" % (m, len(rep["sets"])))
        if regions:
            region_lines({name: (rep["sets"][name]["columns"],
                                 rep["sets"][name]["rows"])
                          for name in REGIONS})
    else:
        if "cells" in b:
            raise Wrong("the bundle's 'cells' does not read")
        for k, (ei, ri, leaf, path) in enumerate(b["proofs"]):
            cp = reports[ri]["checkpoint"]
            if not path_holds(events[ei]["_id"], leaf, cp["count"], path,
                              cp["root"]):
                raise Wrong("proof #%d (event #%d) does not hold" % (k + 1, ei + 1))
        print("proofs: %d inclusion proofs hold" % len(b["proofs"]))
        check_witnesses(b, net, roster, events)


def main(argv):
    try:
        if len(argv) == 3 and argv[1] == "vectors":
            cmd_vectors(argv[2])
        elif len(argv) in (3, 4, 5, 6) and argv[1] == "bundle":
            flags = ("--unsigned-events", "--regions")
            signatures = flags[0] not in argv
            rest = [a for a in argv[2:] if a not in flags]
            if len(rest) not in (1, 2):
                print(__doc__.split("\n\n")[2], file=sys.stderr)
                return 2
            cmd_bundle(rest[0], rest[1] if len(rest) == 2 else None,
                       signatures, flags[1] in argv)
        else:
            print(__doc__.split("\n\n")[2], file=sys.stderr)
            return 2
    except Wrong as w:
        print("wrong: %s" % w)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

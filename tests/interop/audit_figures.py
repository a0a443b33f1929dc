"""audit_figures.py - every indicator set of a frozen report, recomputed.

An independent implementation of docs/evaluation.md §1-§3 (the clocks,
the nine indicator sets, their composites and grades) and of the part of
docs/workflow.md it rests on (the fold of a case's events into its
applied steps, §2-§4 and §6; the roster, §3; the calendar and limits,
§5), written from those documents, in Python 3 with the standard library
only.  audit_verify.py feeds it the events of a month bundle and the
report's `config` and `cells` (docs/audit.md §3, §5) and compares every
row and figure with the report's `sets`.

Readings (where the documents leave a choice, or this reader models less
than they say):
* The fold takes a case's events in (lamport, id) order, works out each
  one's causal past (the closure of its deps within the case) and follows
  docs/workflow.md §4 question by question: separation (h) before the
  state, then validity, revoked-key and unauthorized (g), invalid (a bad
  body, or an author that saw everything before it), and the race rules
  between concurrent events: (a) disposal work kept on record, (b) the
  first dispatch stands, (c) the reopen wins, (d) the later edit holds,
  (e) the first merge stands, (f) the approval's extension counts, the
  same step twice adds nothing, `concurrent` otherwise; and the conflict
  records, by id, that a `resolve` must name (its `--unit` for a
  double-dispatch, its `--outcome closed` for a close-reopen).
  tests/integration/audit_races.sh makes a month with each of them on
  real nodes and checks that this reader agrees with every figure.
* An author's roles and unit are those of its last `member.add` that
  counts among the roster changes the event saw (its own roster: the
  roster heads among its deps and the deps of the case events it names,
  with their past); revocations apply from every change.
* A forked author (two versions of one seq among the bundle's events and
  roster events) counts for nothing from the fork on: its events there
  are left out of every case and of the roster before the fold.
* The roster: changes in (lamport, id) order, each counting when its
  author is the genesis admin or an admin added by a change that counted
  (ranks are not modelled).
"""

import hashlib
import json

# ---- the calendar (docs/workflow.md §5, §6) ---------------------------

DAY_MS = 86400000
MIN_MS = 60000
NEVER = 2 ** 64 - 1  # no working time ahead: never (after every instant)
WEEKDAYS = {"mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6,
            "sun": 7}


def days_from_civil(y, m, d):
    """Days since 1970-01-01 of a proleptic Gregorian date."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def clock_minutes(s):
    h, m = s.split(":")
    return int(h) * 60 + int(m)


class Calendar:
    def __init__(self, cfg):
        c = cfg.get("calendar", {})
        off = c.get("utc_offset", "+08:00")
        sign = -1 if off[0] == "-" else 1
        self.offset = sign * clock_minutes(off[1:])
        self.periods = []
        for p in c.get("work_hours", ["08:30-12:00", "13:30-17:30"]):
            a, b = p.split("-")
            self.periods.append((clock_minutes(a), clock_minutes(b)))
        self.weekend = {WEEKDAYS[d] for d in c.get("weekend", ["sat", "sun"])}

        def days(key):
            out = set()
            for s in c.get(key, []):
                y, m, d = s.split("-")
                out.add(days_from_civil(int(y), int(m), int(d)))
            return out

        self.holidays = days("holidays")
        self.workdays = days("workdays")

    def day_minutes(self):
        return sum(e - s for s, e in self.periods)

    def local_day(self, t):
        return (t + self.offset * MIN_MS) // DAY_MS

    def is_workday(self, day):
        iso = (day + 3) % 7 + 1  # 1970-01-01 was a Thursday
        if day in self.workdays:
            return True
        if iso in self.weekend:
            return False
        return day not in self.holidays

    def instant(self, day, minute):
        return day * DAY_MS + minute * MIN_MS - self.offset * MIN_MS

    def work_ms(self, frm, to):
        """Working time in [frm, to)."""
        if to <= frm:
            return 0
        total = 0
        for day in range(self.local_day(frm), self.local_day(to) + 1):
            if not self.is_workday(day):
                continue
            for ps, pe in self.periods:
                s = max(self.instant(day, ps), frm)
                e = min(self.instant(day, pe), to)
                if e > s:
                    total += e - s
        return total

    def add_work(self, frm, work):
        """The instant at which `work` ms of working time have passed."""
        if work == 0:
            return frm
        first = self.local_day(frm)
        for day in range(first, first + 3660):
            if not self.is_workday(day):
                continue
            for ps, pe in self.periods:
                s = max(self.instant(day, ps), frm)
                e = self.instant(day, pe)
                if e <= s:
                    continue
                if e - s >= work:
                    return s + work
                work -= e - s
        return NEVER

    def limit_minutes(self, limit):
        """'4h', '2d': working minutes; None if it is no limit."""
        if not (2 <= len(limit) <= 5) or not limit[:-1].isdigit():
            return None
        v = int(limit[:-1])
        if v == 0:
            return None
        if limit[-1] == "h":
            return v * 60
        if limit[-1] == "d":
            return v * self.day_minutes()
        return None


# ---- the evaluation's configuration (docs/evaluation.md §5) -------------

STEPS = ["accept", "check", "register", "dispatch", "dispose", "verify",
         "close", "return"]
PARTS = {
    "supervisor": ["valid_rate", "missed_score", "check_on_time_rate",
                   "verify_on_time_rate"],
    "operator": ["accepted_score", "verify_task_on_time_rate",
                 "check_task_on_time_rate"],
    "shift_lead": ["registered_on_time_rate", "accurate_rate",
                   "closed_on_time_rate"],
    "dispatcher": ["dispatched_score", "on_time_rate", "accurate_rate"],
}
COUNT_BANDS = [[0, 0], [101, 400], [301, 600], [501, 750], [1201, 900],
               [2001, 1000]]
UNIT_BANDS = [[0, 100], [51, 90], [101, 75], [201, 60], [501, 40],
              [1001, 0]]


class EvalConfig:
    def __init__(self, cfg):
        e = cfg.get("eval", {})
        self.limits = {"accept": "1h", "check": "1h", "register": "1h",
                       "dispatch": "1h", "dispose": "2d", "verify": "1h",
                       "close": "1h", "return": "2h"}
        self.limits.update(e.get("step_limits", {}))
        self.grades = {"A": 90, "B": 75, "C": 60, "D": 40}
        self.grades.update(e.get("grades", {}))
        self.weights = {
            "supervisor": {"valid_rate": 40, "missed_score": 20,
                           "check_on_time_rate": 20,
                           "verify_on_time_rate": 20},
            "operator": {"accepted_score": 25,
                         "verify_task_on_time_rate": 40,
                         "check_task_on_time_rate": 35},
            "shift_lead": {"registered_on_time_rate": 25,
                           "accurate_rate": 40, "closed_on_time_rate": 35},
            "dispatcher": {"dispatched_score": 20, "on_time_rate": 40,
                           "accurate_rate": 40},
        }
        for s, parts in e.get("composites", {}).items():
            self.weights[s].update(parts)
        self.bands = {"operator": COUNT_BANDS, "dispatcher": COUNT_BANDS,
                      "unit": UNIT_BANDS,
                      "region_1": [[0, 100], [101, 90], [201, 75],
                                   [401, 60], [1001, 40], [2001, 0]],
                      "region_2": UNIT_BANDS}
        self.bands.update(e.get("bands", {}))
        self.class2 = list(e.get("region_class_2", []))


# ---- the roster (docs/workflow.md §3) -----------------------------------


class Roster:
    def __init__(self, admin, events):
        self.members = {}   # key -> body of its last member.add that counts
        self.adds = {}      # key -> [(id, body)] of its adds that count
        self.revoked = {}   # key -> smallest last_seq
        self.past = {}      # roster event id -> the roster ids it saw
        admins = {admin}
        order = sorted(events, key=lambda e: (e["lamport"], e["_id"]))
        for ev in order:
            seen = {ev["_id"]}
            for d in ev.get("deps", []):
                seen |= self.past.get(d, set())
            self.past[ev["_id"]] = frozenset(seen)
            if ev["author"] not in admins:
                continue
            b = ev["body"]
            if ev["type"] == "member.add":
                self.members[b["key"]] = b
                self.adds.setdefault(b["key"], []).append((ev["_id"], b))
                if "admin" in b["roles"]:
                    admins.add(b["key"])
            elif ev["type"] == "member.revoke":
                k = b["key"]
                self.revoked[k] = min(self.revoked.get(k, b["last_seq"]),
                                      b["last_seq"])

    def own(self, deps):
        """The roster changes an event saw through its deps (roster
        heads); None when it names none (then the whole roster)."""
        seen = set()
        for d in deps:
            seen |= self.past.get(d, set())
        return seen or None

    def member_at(self, key, seq, own=None):
        """The key's record at seq: its last add that counts among the
        changes `own` (an event's own roster; None: all), revocations
        from every change."""
        if key in self.revoked and seq > self.revoked[key]:
            return None
        if own is None:
            return self.members.get(key)
        for rid, body in reversed(self.adds.get(key, [])):
            if rid in own:
                return body
        return None

    def units(self, own=None):
        """Units of a disposal member (revoked ones too: replacing an
        office's key does not abolish the office)."""
        out = set()
        for key, adds in self.adds.items():
            m = self.member_at(key, 0, own) if own is not None else \
                self.members[key]
            if m is not None and "disposal" in m["roles"]:
                out.add(m["unit"])
        return out


# ---- the fold (docs/workflow.md §2, §4) ---------------------------------

OPEN = {"reported", "checked", "accepted", "registered", "dispatched",
        "returned", "suspended", "fed_back", "verified"}
ANY = OPEN | {"refused", "closed", "cancelled", "merged"}
# type: (roles, states it is valid in (None: a new case), state after)
TABLE = {
    "report": ({"supervisor", "operator"}, None, "reported"),
    "check": ({"supervisor"}, {"reported"}, "checked"),
    "accept": ({"operator"}, {"reported", "checked"}, "accepted"),
    "refuse": ({"operator"}, {"reported", "checked"}, "refused"),
    "register": ({"shift_lead"}, {"accepted"}, "registered"),
    "dispatch": ({"dispatcher"}, {"registered", "returned"}, "dispatched"),
    "assign": ({"disposal"}, {"dispatched"}, None),
    "return": ({"disposal"}, {"dispatched"}, "returned"),
    "dispose": ({"disposal"}, {"dispatched"}, None),
    "feedback": ({"disposal"}, {"dispatched"}, "fed_back"),
    "postpone-request": ({"disposal"}, {"dispatched"}, None),
    "postpone-approve": ({"shift_lead"}, {"dispatched"}, None),
    "postpone-deny": ({"shift_lead"}, {"dispatched"}, None),
    "suspend-request": ({"disposal"}, {"dispatched"}, None),
    "suspend-approve": ({"shift_lead"}, {"dispatched"}, "suspended"),
    "resume": ({"shift_lead"}, {"suspended"}, "dispatched"),
    "verify-pass": ({"supervisor"}, {"fed_back"}, "verified"),
    "verify-fail": ({"supervisor"}, {"fed_back"}, "dispatched"),
    "close": ({"shift_lead"}, {"verified"}, "closed"),
    "cancel": ({"shift_lead"}, OPEN, "cancelled"),
    "reopen": ({"operator", "shift_lead"},
               {"fed_back", "verified", "closed"}, "registered"),
    "merge": ({"operator", "shift_lead"},
              {"reported", "checked", "accepted", "registered"}, "merged"),
    "amend": ({"operator", "shift_lead"}, OPEN, None),
    "resolve": ({"shift_lead"}, ANY, None),
}
MUST_CHECK = {"hotline", "media", "referral"}
DISPOSAL = {"assign", "return", "dispose", "feedback", "postpone-request",
            "suspend-request"}


class Case:
    def __init__(self, case_id):
        self.case_id = case_id
        self.status = None  # no report applied: a ghost
        self.steps = []     # (type, time, author, arg)
        self.source = self.grid = self.limit = self.unit = ""
        self.merged_into = ""
        self.reported_at = self.registered_at = self.cancelled_at = 0
        self.checked = self.check_found = False
        self.checked_at = 0
        self.disposers = set()
        self.pending_extend = ""
        self.suspend_pending = False
        # for the overview (docs/evaluation.md §4)
        self.accepted_at = self.dispatched_at = self.clock_at = 0
        self.fed_back_at = self.closed_at = self.last_at = 0
        self.reporter = self.fed_back_by = ""
        self.reporter_key = b""
        self.reworks = self.returns = 0
        self.postponements = self.suspensions = 0
        self.ext_hours = self.ext_days = 0
        self.suspended = []  # [start, end (0: not resumed)]


# The str fields a step requires (docs/workflow.md §2's table; `found`
# and `events` are not str and are checked on their own).
REQUIRED = {
    "refuse": ["reason"], "register": ["urgency", "limit"],
    "dispatch": ["unit"], "assign": ["team"], "return": ["reason"],
    "dispose": ["notes"], "feedback": ["notes"],
    "postpone-request": ["extend", "reason"], "postpone-deny": ["reason"],
    "suspend-request": ["reason"], "verify-fail": ["reason"],
    "cancel": ["reason"], "reopen": ["reason"], "merge": ["into"],
    "amend": ["field", "value"], "resolve": ["conflict"],
}
AMENDABLE = {"where", "desc", "grid", "class", "urgency"}


def is_time(v):
    """A limit or an extension: 4h, 15d (docs/workflow.md §2)."""
    return isinstance(v, str) and \
        Calendar({}).limit_minutes(v) is not None


def valid(st, t, ev, m, roster, own=None):
    """None when the step is valid in the state so far; else "state" (the
    state does not allow it: a race when its author had not seen
    everything before it) or "inval" (its body is wrong whatever the
    state: never a race).  docs/workflow.md §2 and §4, in the order §4
    gives: the state first, then the body."""
    roles, states, _ = TABLE[t]
    b = ev["body"]
    if states is None:
        return None if st.status is None else "state"
    if st.status not in states:
        return "state"
    for f in REQUIRED.get(t, []):
        if not isinstance(b.get(f), str) or not b[f]:
            return "inval"
    if t in DISPOSAL and m["unit"] != st.unit:
        return "state"
    if t in ("dispatch", "resolve") and "unit" in b and \
            b["unit"] not in roster.units(own):
        return "inval"
    if t == "check" and not isinstance(b.get("found"), bool):
        return "inval"
    if t == "accept" and (
            (st.status == "reported" and st.source in MUST_CHECK) or
            (st.checked and not st.check_found)):
        return "state"
    if t == "register" and (b["urgency"] not in ("normal", "urgent") or
                            not is_time(b["limit"])):
        return "inval"
    if t in ("postpone-approve", "postpone-deny") and not st.pending_extend:
        return "state"
    if t == "postpone-request" and st.pending_extend:
        return "state"
    if t in ("postpone-request", "postpone-approve") and "extend" in b and \
            not is_time(b["extend"]):
        return "inval"
    if t == "suspend-request" and st.suspend_pending:
        return "state"
    if t == "suspend-approve" and not st.suspend_pending:
        return "state"
    if t == "merge" and b["into"] == st.case_id:
        return "inval"
    if t == "amend" and b["field"] not in AMENDABLE:
        return "inval"
    if t == "resolve":
        x = st.conflicts.get(b["conflict"])
        if x is None:
            return "inval"
        if x[2]:
            return "state"
        if list(b.get("events", [])) != x[1]:
            return "inval"
    return None


def conflict_id(kind, ids):
    """docs/workflow.md §4: the first 8 bytes of BLAKE2b-256 of the tag,
    the kind, a 0 byte and the sorted event ids, in hex."""
    h = hashlib.blake2b(digest_size=32)
    h.update(b"gridcase/conflict/v1" + kind.encode() + b"\x00" +
             b"".join(sorted(set(ids))))
    return h.digest()[:8].hex()


class Replay:
    """Which event last did what (docs/workflow.md §4: a conflict names
    the event not applied, or the later one, and the one it met)."""

    def __init__(self, events):
        self.order = events
        self.index = {e["_id"]: i for i, e in enumerate(events)}
        self.past = []  # the causal past of each, by replay index
        for e in events:
            anc = set()
            for d in e["deps"]:
                j = self.index.get(d)
                if j is not None and j < len(self.past):
                    anc.add(j)
                    anc |= self.past[j]
            self.past.append(anc)
        self.own = []   # the roster each saw (Roster.own)
        self.last = {}  # status, move, reopen, close, merge, approve,
        #                 amend:FIELD -> replay index

    def concurrent(self, what, i):
        j = self.last.get(what)
        return j is not None and j != i and j not in self.past[i], j

    def sees_all(self, i):
        return all(j in self.past[i] for j in range(i))


def fold(case_id, events, roster):
    st = Case(case_id)
    st.conflicts = {}  # id -> [kind, sorted ids, resolved]
    order = sorted(events, key=lambda e: (e["lamport"], e["_id"]))
    r = Replay(order)

    def conflict(kind, *ids):
        cid = conflict_id(kind, ids)
        if cid not in st.conflicts:
            st.conflicts[cid] = [kind, sorted(set(ids)), False]

    def ident(j):
        return order[j]["_id"]

    for i, ev in enumerate(order):
        t = ev["type"]
        if t not in TABLE:
            continue  # unknown-type: evidence
        own = roster.own(ev["deps"]) or set()
        for d in ev["deps"]:  # and what the case events it names saw
            j = r.index.get(d)
            if j is not None and j < i and r.own[j]:
                own |= r.own[j]
        own = own or None
        r.own.append(own)
        m = roster.member_at(ev["author"], ev["seq"], own)
        role_ok = m is not None and bool(set(m["roles"]) & TABLE[t][0])
        if role_ok and t in ("verify-pass", "verify-fail", "close") and \
                ev["author"] in st.disposers:
            conflict("separation", ev["_id"])  # (h) 监管分离
            continue
        if role_ok and t == "register" and ev["author"] == st.reporter_key:
            conflict("separation", ev["_id"])  # (h) the reporter registers
            continue
        why = valid(st, t, ev, m, roster, own) if role_ok else "denied"
        if why is None:
            applied(st, r, i, ev, m, conflict, ident)
            continue
        if not role_ok:
            continue  # (g) unauthorized, or revoked-key: evidence
        if why == "inval" or t == "report" or r.sees_all(i):
            continue  # invalid: a bad event, not a race
        race(st, r, i, ev, m, conflict, ident)
    return st


def applied(st, r, i, ev, m, conflict, ident):
    """A valid event: the pairs a race leaves on record, then the step."""
    t = ev["type"]
    if t == "reopen" and st.status == "closed":
        c, j = r.concurrent("close", i)
        if c:
            conflict("close-reopen", ident(j), ev["_id"])
    if t == "close":
        c, j = r.concurrent("approve", i)
        if c:
            conflict("postpone-close", ident(j), ev["_id"])
    if TABLE[t][2] is not None and t not in ("reopen", "close"):
        c, j = r.concurrent("status", i)
        if c:
            conflict("concurrent", ident(j), ev["_id"])
    if t == "amend":
        c, j = r.concurrent("amend:" + ev["body"].get("field", ""), i)
        if c:
            conflict("edit", ident(j), ev["_id"])
    apply(st, r, i, ev, m)


def race(st, r, i, ev, m, conflict, ident):
    """docs/workflow.md §4: an event made invalid by one it did not see."""
    t, b = ev["type"], ev["body"]
    other = r.last.get("status")
    if t in ("dispose", "feedback"):
        st.disposers.add(ev["author"])  # (a) the work stays on record
        c, j = r.concurrent("move", i)
        if c:
            conflict("dispatch-disposal", ident(j), ev["_id"])
            return
    elif t == "dispatch":
        c, j = r.concurrent("move", i)
        if c:
            conflict("double-dispatch", ident(j), ev["_id"])  # (b)
            return
    elif t == "close":
        c, j = r.concurrent("reopen", i)
        if c:
            conflict("close-reopen", ident(j), ev["_id"])  # (c)
            return
    elif t == "merge":
        c, j = r.concurrent("merge", i)
        if st.status == "merged" and c:
            if b.get("into", "") != st.merged_into:
                conflict("merge", ident(j), ev["_id"])  # (e)
            return
    elif t == "resolve":
        x = st.conflicts.get(b.get("conflict", ""))
        if x and x[2]:
            return  # the same resolution twice
    elif t == "postpone-approve":
        # (f) the extension counts, the state does not move
        arg = b.get("extend", "") or st.pending_extend
        add_extension(st, arg)
        if arg:
            st.postponements += 1
            st.steps.append((t, ev["time"], ev["author"], arg))
        st.pending_extend = ""
        c, j = r.concurrent("close", i)
        j = j if c else other
        conflict("postpone-close", ident(j) if j is not None else ev["_id"],
                 ev["_id"])
        return
    if other is not None and r.order[other]["type"] == t and \
            other not in r.past[i]:
        return  # the same step twice: nothing contradicts
    conflict("concurrent", ident(other) if other is not None else ev["_id"],
             ev["_id"])


def add_extension(st, arg):
    if len(arg) >= 2 and arg[-1] in "hd":
        digits = ""
        for ch in arg[:-1]:
            if not ch.isdigit():
                break
            digits += ch
        n = int(digits or "0")
        if arg[-1] == "h":
            st.ext_hours += n
        else:
            st.ext_days += n


def apply(st, r, i, ev, m):
    t = ev["type"]
    b, at, arg = ev["body"], ev["time"], ""
    actor = b.get("by", "") or m["name"]
    if t == "report":
        st.source = b.get("source", "")
        st.grid = b.get("grid", "")
        st.reported_at = at
        st.reporter = actor
        st.reporter_key = ev["author"]
    elif t == "accept":
        st.accepted_at = at
    elif t == "check":
        st.checked = True
        st.check_found = b.get("found", True)
        st.checked_at = at
        arg = "found" if st.check_found else "not-found"
    elif t == "register":
        st.registered_at = at
        st.limit = b.get("limit", "")
    elif t == "dispatch":
        st.unit = b["unit"]
        st.pending_extend = ""
        st.suspend_pending = False
        st.dispatched_at = st.clock_at = at
        st.ext_hours = st.ext_days = 0
        arg = st.unit
        r.last["move"] = i
    elif t == "assign":
        r.last["move"] = i
    elif t == "return":
        st.unit = ""
        st.pending_extend = ""
        st.suspend_pending = False
        st.returns += 1
        r.last["move"] = i
    elif t in ("dispose", "feedback"):
        st.disposers.add(ev["author"])
        if t == "feedback":
            st.fed_back_at = at
            st.fed_back_by = actor
    elif t == "postpone-request":
        st.pending_extend = b.get("extend", "")
    elif t == "postpone-approve":
        arg = b.get("extend", "") or st.pending_extend
        add_extension(st, arg)
        st.postponements += 1
        st.pending_extend = ""
        r.last["approve"] = i
    elif t == "postpone-deny":
        st.pending_extend = ""
    elif t == "suspend-request":
        st.suspend_pending = True
    elif t == "suspend-approve":
        st.suspend_pending = False
        st.suspensions += 1
        st.suspended.append([at, 0])
    elif t == "resume":
        if st.suspended:
            st.suspended[-1][1] = at
    elif t == "verify-fail":
        st.reworks += 1
        st.clock_at = at
    elif t == "close":
        st.closed_at = at
        r.last["close"] = i
    elif t == "cancel":
        st.cancelled_at = at
    elif t == "reopen":
        st.unit = ""
        st.fed_back_at = st.closed_at = 0
        r.last["reopen"] = i
    elif t == "merge":
        st.merged_into = b.get("into", "")
        r.last["merge"] = i
    elif t == "amend":
        if b.get("field") == "grid":
            st.grid = b.get("value", "")
        r.last["amend:" + b.get("field", "")] = i
    elif t == "resolve":
        x = st.conflicts[b["conflict"]]
        x[2] = True
        unit = b.get("unit", "")
        if unit and x[0] == "double-dispatch" and unit != st.unit:
            st.unit = arg = unit  # the unit the resolution chose
        elif unit and x[0] == "double-dispatch":
            st.unit = unit
        if b.get("outcome", "") == "closed" and x[0] == "close-reopen":
            st.status = "closed"
            st.closed_at = at
    st.steps.append((t, at, ev["author"], arg))
    if TABLE[t][2] is not None:
        st.status = TABLE[t][2]
        r.last["status"] = i
    st.last_at = max(st.last_at, at)


# ---- the indicator sets (docs/evaluation.md §2, §3) ---------------------

SETS = {
    "supervisor": [
        ("reports", "count"), ("valid", "count"), ("valid_rate", "rate"),
        ("checks", "count"), ("checks_on_time", "count"),
        ("check_on_time_rate", "rate"), ("verifications", "count"),
        ("verifications_on_time", "count"),
        ("verify_on_time_rate", "rate"), ("area_registered", "count"),
        ("missed", "count"), ("missed_rate", "rate"),
        ("missed_score", "score"), ("score", "score")],
    "operator": [
        ("accepted", "count"), ("accepted_score", "score"),
        ("verify_tasks", "count"), ("verify_tasks_on_time", "count"),
        ("verify_task_on_time_rate", "rate"), ("check_tasks", "count"),
        ("check_tasks_on_time", "count"),
        ("check_task_on_time_rate", "rate"), ("score", "score")],
    "shift": [
        ("registered", "count"), ("registered_on_time", "count"),
        ("registered_on_time_rate", "rate"), ("cancelled", "count"),
        ("accurate", "count"), ("accurate_rate", "rate"),
        ("closes", "count"), ("closed_on_time", "count"),
        ("closed_on_time_rate", "rate"), ("score", "score")],
    "dispatcher": [
        ("dispatched", "count"), ("dispatched_score", "score"),
        ("due", "count"), ("on_time", "count"), ("on_time_rate", "rate"),
        ("returned", "count"), ("accurate", "count"),
        ("accurate_rate", "rate"), ("score", "score")],
    "unit": [
        ("registered", "count"), ("due", "count"), ("disposed", "count"),
        ("disposed_on_time", "count"), ("disposed_late", "count"),
        ("overdue_open", "count"), ("due_to_close", "count"),
        ("reworked", "count"), ("closure_rate", "rate"),
        ("on_time_rate", "rate"), ("rework_rate", "rate"),
        ("returned", "count"), ("returned_on_time", "count"),
        ("postponements", "count"), ("suspensions", "count"),
        ("avg_disposal_minutes", "minutes"),
        ("median_disposal_minutes", "minutes"),
        ("registered_score", "score"), ("score", "score")],
    "district": [
        ("reported", "count"), ("registered", "count"),
        ("supervisor_found", "count"), ("discovery_rate", "rate"),
        ("due", "count"), ("disposed", "count"), ("disposal_rate", "rate"),
        ("avg_disposal_minutes", "minutes"),
        ("median_disposal_minutes", "minutes")],
}
REGION = [
    ("public_verified", "count"), ("registered", "count"), ("due", "count"),
    ("closed", "count"), ("closed_on_time", "count"),
    ("public_report_rate", "rate"), ("closure_rate", "rate"),
    ("on_time_rate", "rate"), ("region_class", "count"),
    ("registered_score", "score"), ("score", "score")]
for _s in ("grid", "community", "street"):
    SETS[_s] = REGION


def rate(num, den):
    """Ten-thousandths, rounded half up; None: no value."""
    return (num * 10000 + den // 2) // den if den else None


def band(bands, count):
    s = 0
    for lo, score in bands:
        if count >= lo:
            s = score
    return s


def weighted(parts, weights):
    """A weighted mean of rates (ten-thousandths) over the parts that
    have a value, in tenths of a point."""
    total = ws = 0
    for p, w in zip(parts, weights):
        if p is None or not w:
            continue
        total += p * w
        ws += w
    return (total // ws + 5) // 10 if ws else None


def times(mins):
    if not mins:
        return None, None
    v = sorted(mins)
    n = len(v)
    avg = (sum(v) + n // 2) // n
    med = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) // 2
    return avg, med


class Clock:
    def __init__(self, unit, start, dispatch):
        self.unit, self.start, self.dispatch = unit, start, dispatch
        self.end = 0
        self.how = "open"  # open, feedback, return, cancel
        self.ext_min = self.paused = 0
        self.susp_start = 0
        self.suspended_now = False
        self.reworked = False
        self.postponements = self.suspensions = 0


class Sets:
    def __init__(self, cfg_text, cells, roster, frm, to):
        cfg = json.loads(cfg_text) if cfg_text.strip() else {}
        self.cal = Calendar(cfg)
        self.ev = EvalConfig(cfg)
        self.cells = {c[0]: (c[1], c[2]) for c in cells}
        self.roster = roster
        self.frm, self.to = frm, to

    # -- helpers --
    def inp(self, t):
        return bool(t) and self.frm <= t < self.to

    def due_of(self, step, frm):
        m = self.cal.limit_minutes(self.ev.limits[step])
        return NEVER if m is None else self.cal.add_work(frm, m * MIN_MS)

    def on_time(self, step, frm, at):
        if self.cal.limit_minutes(self.ev.limits[step]) is None:
            return False
        return at <= self.due_of(step, frm)

    def clocks(self, st):
        cs = []
        for t, at, _key, arg in st.steps:
            c = cs[-1] if cs and cs[-1].how == "open" else None
            if t in ("dispatch", "verify-fail"):
                rework = t == "verify-fail"
                if c:
                    c.how = "cancel"  # a dispatch without a return
                if rework and not cs:
                    continue
                if rework:
                    cs[-1].reworked = True
                prev = cs[-1] if cs else None
                n = Clock(prev.unit if rework else arg, at, not rework)
                n.ext_min = prev.ext_min if rework else 0
                cs.append(n)
            elif t == "postpone-approve":
                if not c and cs:
                    c = cs[-1]
                if c:
                    m = self.cal.limit_minutes(arg)
                    c.ext_min += m or 0
                    c.postponements += 1
            elif t == "suspend-approve":
                if c:
                    c.susp_start = at
                    c.suspended_now = True
                    c.suspensions += 1
            elif t == "resume":
                if c and c.suspended_now:
                    c.paused += self.cal.work_ms(c.susp_start, at)
                    c.suspended_now = False
            elif t in ("feedback", "return", "cancel"):
                if c:
                    c.how = t
                    c.end = at
            elif t == "resolve" and arg and c:
                c.unit = arg
        return cs

    def clock_due(self, st, c):
        limit = self.cal.limit_minutes(st.limit) if st.limit else None
        if limit is None:
            limit = self.cal.limit_minutes(self.ev.limits["dispose"])
        paused = c.paused
        if c.suspended_now:
            if c.how == "open":
                return 0
            paused += self.cal.work_ms(c.susp_start, c.end)
        due = self.cal.add_work(c.start, (limit + c.ext_min) * MIN_MS + paused)
        return 0 if due == NEVER else due

    def judge(self, st, c):
        """(falls due, disposed, late, minutes) or None."""
        if c.how in ("return", "cancel"):
            return None
        due = self.clock_due(st, c)
        if not due:
            return None
        done = c.how == "feedback" and c.end < self.to
        falls = c.end if done and c.end < due else due
        if not self.inp(falls):
            return None
        minutes = 0
        if done:
            w = self.cal.work_ms(c.start, c.end)
            minutes = max(w - c.paused, 0) // MIN_MS
        return done, done and c.end > due, minutes

    # -- the sets --
    def compute(self, name, cases):
        self.rows = {}
        self.mins = {}
        self.pub, self.sup = [], []
        add = getattr(self, "add_" + {"grid": "region", "community": "region",
                                      "street": "region"}.get(name, name))
        self.name = name
        for st in cases:
            if st.status is not None:
                add(st)
        if name == "supervisor":
            for k, m in self.roster.members.items():
                if "supervisor" in m["roles"]:
                    self.person(k)
            for key in list(self.rows):
                self.missed(key)
        if name == "district":
            self.row("district")
        figs = [f for f, _ in SETS[name]]
        out = []
        for key in sorted(self.rows, key=lambda k: k.encode()):
            rname, v = self.rows[key]
            v = self.derive(name, key, rname, v, self.mins.get(key, []))
            sc = v.get("score")
            g = "-"
            if sc is not None:
                gm = self.ev.grades
                g = ("A" if sc >= gm["A"] * 10 else
                     "B" if sc >= gm["B"] * 10 else
                     "C" if sc >= gm["C"] * 10 else
                     "D" if sc >= gm["D"] * 10 else "E")
            out.append([key, rname] + [v.get(f) for f in figs] + [g])
        return out

    def row(self, key, name=""):
        if key not in self.rows:
            self.rows[key] = (name, {})
        return self.rows[key][1]

    def person(self, key):
        m = self.roster.members.get(key)
        return self.row(key.hex(), m["name"] if m else "")

    @staticmethod
    def bump(r, fig, n=1):
        r[fig] = r.get(fig, 0) + n

    @staticmethod
    def last_before(st, i, types):
        for s in reversed(st.steps[:i]):
            if s[0] in types:
                return s
        return None

    def cancelled_by(self, st):
        return st.cancelled_at and st.cancelled_at < self.to

    def add_supervisor(self, st):
        public = st.source != "supervisor"
        for i, (t, at, key, _arg) in enumerate(st.steps):
            if not self.inp(at):
                continue
            if t == "report" and not public:
                r = self.person(key)
                self.bump(r, "reports")
                if st.registered_at and st.registered_at < self.to and \
                        not self.cancelled_by(st):
                    self.bump(r, "valid")
            elif t == "check":
                p = self.last_before(st, i, ("report",))
                if p:
                    r = self.person(key)
                    self.bump(r, "checks")
                    if self.on_time("check", p[1], at):
                        self.bump(r, "checks_on_time")
            elif t in ("verify-pass", "verify-fail"):
                p = self.last_before(st, i, ("feedback",))
                if p:
                    r = self.person(key)
                    self.bump(r, "verifications")
                    if self.on_time("verify", p[1], at):
                        self.bump(r, "verifications_on_time")
        if public and self.inp(st.registered_at):
            self.pub.append((st.case_id, st.grid))
        if not public and st.steps and st.steps[0][0] == "report" and \
                st.steps[0][1] < self.to:
            self.sup.append((st.steps[0][2], st.grid, st.merged_into))

    def missed(self, hexkey):
        key = bytes.fromhex(hexkey)
        m = self.roster.members.get(key)
        r = self.rows[hexkey][1]
        unit = m["unit"] if m else None
        by_unit = m is not None and any(
            unit in (comm, office) for comm, office in self.cells.values())
        for case_id, grid in self.pub:
            if by_unit:
                c = self.cells.get(grid)
                area = c is not None and unit in c
            else:
                area = any(k == key and g == grid for k, g, _ in self.sup)
            if not area:
                continue
            self.bump(r, "area_registered")
            if not any(k == key and into == case_id
                       for k, _, into in self.sup):
                self.bump(r, "missed")

    def add_operator(self, st):
        for i, (t, at, key, _arg) in enumerate(st.steps):
            if not self.inp(at) or t not in ("accept", "refuse"):
                continue
            r = self.person(key)
            if t == "accept":
                self.bump(r, "accepted")
            p = self.last_before(st, i, ("report", "check"))
            if not p:
                continue
            self.bump(r, "verify_tasks")
            if self.on_time("accept", p[1], at):
                self.bump(r, "verify_tasks_on_time")

    def add_shift(self, st):
        for i, (t, at, key, _arg) in enumerate(st.steps):
            if not self.inp(at):
                continue
            if t == "register":
                r = self.person(key)
                self.bump(r, "registered")
                p = self.last_before(st, i, ("accept",))
                if p and self.on_time("register", p[1], at):
                    self.bump(r, "registered_on_time")
                self.bump(r, "cancelled" if self.cancelled_by(st)
                          else "accurate")
            elif t == "close":
                p = self.last_before(st, i, ("verify-pass",))
                if p:
                    r = self.person(key)
                    self.bump(r, "closes")
                    if self.on_time("close", p[1], at):
                        self.bump(r, "closed_on_time")

    def add_dispatcher(self, st):
        task = 0
        for i, (t, at, key, _arg) in enumerate(st.steps):
            if t in ("register", "return", "reopen"):
                task = at
            elif t == "dispatch":
                if not task:
                    continue
                due = self.due_of("dispatch", task)
                r = None
                if self.inp(at):
                    r = self.person(key)
                    self.bump(r, "dispatched")
                    nxt = next((s for s in st.steps[i + 1:] if s[0] in
                                ("return", "dispatch", "reopen")), None)
                    if nxt and nxt[0] == "return" and nxt[1] < self.to:
                        self.bump(r, "returned")
                    else:
                        self.bump(r, "accurate")
                on = at <= due
                falls = at if on else due
                if self.inp(falls):
                    if r is None:
                        r = self.person(key)
                    self.bump(r, "due")
                    if on:
                        self.bump(r, "on_time")
                task = 0
            elif t in ("cancel", "merge"):
                task = 0
        if task:
            due = self.due_of("dispatch", task)
            if self.inp(due):
                self.bump(self.row("(none)", "not dispatched"), "due")

    def add_unit(self, st):
        for c in self.clocks(st):
            if c.dispatch and self.inp(c.start):
                self.bump(self.row(c.unit), "registered")
            if c.how == "return" and self.inp(c.end):
                r = self.row(c.unit)
                self.bump(r, "returned")
                if self.on_time("return", c.start, c.end):
                    self.bump(r, "returned_on_time")
            j = self.judge(st, c)
            if j is None:
                continue
            done, late, minutes = j
            r = self.row(c.unit)
            self.bump(r, "due")
            self.bump(r, "due_to_close")
            self.bump(r, "postponements", c.postponements)
            self.bump(r, "suspensions", c.suspensions)
            if not done:
                self.bump(r, "overdue_open")
                continue
            self.bump(r, "disposed")
            self.bump(r, "disposed_late" if late else "disposed_on_time")
            if c.reworked:
                self.bump(r, "reworked")
            self.mins.setdefault(c.unit, []).append(minutes)

    def add_region(self, st):
        if not st.grid:
            return
        cell = self.cells.get(st.grid)
        if self.name == "grid":
            key, name = st.grid, ""
        elif self.name == "community":
            key, name = st.grid[:12], cell[0] if cell else ""
        else:
            key, name = st.grid[:9], cell[1] if cell else ""
        if st.source != "supervisor" and st.checked and st.check_found and \
                self.inp(st.checked_at):
            self.bump(self.row(key, name), "public_verified")
        if self.inp(st.registered_at):
            self.bump(self.row(key, name), "registered")
        for c in self.clocks(st):
            j = self.judge(st, c)
            if j is None:
                continue
            done, late, _ = j
            r = self.row(key, name)
            self.bump(r, "due")
            if done and not c.reworked:
                self.bump(r, "closed")
                if not late:
                    self.bump(r, "closed_on_time")

    def add_district(self, st):
        r = self.row("district")
        if self.inp(st.reported_at):
            self.bump(r, "reported")
        if self.inp(st.registered_at):
            self.bump(r, "registered")
            if st.source == "supervisor":
                self.bump(r, "supervisor_found")
        for c in self.clocks(st):
            j = self.judge(st, c)
            if j is None:
                continue
            self.bump(r, "due")
            if j[0]:
                self.bump(r, "disposed")
                self.mins.setdefault("district", []).append(j[2])

    def derive(self, name, key, rname, c, mins):
        v = {f: c.get(f, 0) for f, k in SETS[name] if k == "count"}
        w = self.ev.weights
        if name == "supervisor":
            v["valid_rate"] = rate(v["valid"], v["reports"])
            v["check_on_time_rate"] = rate(v["checks_on_time"], v["checks"])
            v["verify_on_time_rate"] = rate(v["verifications_on_time"],
                                            v["verifications"])
            mr = v["missed_rate"] = rate(v["missed"], v["area_registered"])
            v["missed_score"] = None if mr is None else (10000 - mr + 5) // 10
            parts = [v["valid_rate"], None if mr is None else 10000 - mr,
                     v["check_on_time_rate"], v["verify_on_time_rate"]]
            v["score"] = weighted(parts, [w["supervisor"][p]
                                          for p in PARTS["supervisor"]])
        elif name == "operator":
            v["accepted_score"] = band(self.ev.bands["operator"],
                                       v["accepted"])
            v["verify_task_on_time_rate"] = rate(v["verify_tasks_on_time"],
                                                 v["verify_tasks"])
            v["check_task_on_time_rate"] = rate(v["check_tasks_on_time"],
                                                v["check_tasks"])
            parts = [v["accepted_score"] * 10, v["verify_task_on_time_rate"],
                     v["check_task_on_time_rate"]]
            v["score"] = weighted(parts, [w["operator"][p]
                                          for p in PARTS["operator"]])
        elif name == "shift":
            v["registered_on_time_rate"] = rate(v["registered_on_time"],
                                                v["registered"])
            v["accurate_rate"] = rate(v["accurate"], v["registered"])
            v["closed_on_time_rate"] = rate(v["closed_on_time"], v["closes"])
            parts = [v["registered_on_time_rate"], v["accurate_rate"],
                     v["closed_on_time_rate"]]
            v["score"] = weighted(parts, [w["shift_lead"][p]
                                          for p in PARTS["shift_lead"]])
        elif name == "dispatcher":
            v["dispatched_score"] = band(self.ev.bands["dispatcher"],
                                         v["dispatched"])
            v["on_time_rate"] = rate(v["on_time"], v["due"])
            v["accurate_rate"] = rate(v["accurate"], v["dispatched"])
            parts = [v["dispatched_score"] * 10 if v["dispatched"] else None,
                     v["on_time_rate"], v["accurate_rate"]]
            v["score"] = weighted(parts, [w["dispatcher"][p]
                                          for p in PARTS["dispatcher"]])
        elif name == "unit":
            v["closure_rate"] = rate(v["disposed"], v["due_to_close"])
            v["on_time_rate"] = rate(v["disposed_on_time"], v["due_to_close"])
            v["rework_rate"] = rate(v["reworked"], v["disposed"])
            v["avg_disposal_minutes"], v["median_disposal_minutes"] = \
                times(mins)
            v["registered_score"] = band(self.ev.bands["unit"],
                                         v["registered"])
            if v["closure_rate"] is None:
                v["score"] = None
            else:
                v["score"] = v["registered_score"] + (3 * (
                    v["closure_rate"] + v["on_time_rate"] + 10000 -
                    (v["rework_rate"] or 0)) + 50) // 100
        elif name in ("grid", "community", "street"):
            cls = 2 if (key in self.ev.class2 or rname in self.ev.class2) \
                else 1
            v["region_class"] = cls
            v["public_report_rate"] = rate(v["public_verified"],
                                           v["registered"])
            v["closure_rate"] = rate(v["closed"], v["due"])
            v["on_time_rate"] = rate(v["closed_on_time"], v["due"])
            v["registered_score"] = band(self.ev.bands["region_%d" % cls],
                                         v["registered"])
            if v["closure_rate"] is None:
                v["score"] = None
            else:
                v["score"] = v["registered_score"] + (3 * (
                    v["closure_rate"] + v["on_time_rate"] + 10000 -
                    (v["public_report_rate"] or 0)) + 50) // 100
        elif name == "district":
            v["discovery_rate"] = rate(v["supervisor_found"], v["registered"])
            v["disposal_rate"] = rate(v["disposed"], v["due"])
            v["avg_disposal_minutes"], v["median_disposal_minutes"] = \
                times(mins)
        return v


# ---- the overview (docs/evaluation.md §4) --------------------------------

OVERVIEW_COUNTS = ["reported", "valid", "registered", "dispatched", "due",
                   "on_time", "overdue", "closed", "reworked", "returns",
                   "postponements", "suspensions"]
NO_MINUTES = None  # a time of no cases: no value


def case_deadline(st, cal, now):
    """(due or None, done, used working ms) of the case's current clock."""
    if st.status in ("cancelled", "merged") or not st.dispatched_at:
        return None
    limit = cal.limit_minutes(st.limit) if st.limit else None
    if limit is None:
        return None
    ext = st.ext_hours * 60 + st.ext_days * cal.day_minutes()
    work = (limit + ext) * MIN_MS
    done = bool(st.fed_back_at) and st.fed_back_at >= st.clock_at and \
        st.status not in ("dispatched", "suspended")
    horizon = st.fed_back_at if done else now
    paused, open_ = 0, False
    for s, e in st.suspended:
        if s < st.clock_at:
            continue
        if not e:
            open_, e = True, horizon
        paused += cal.work_ms(s, min(e, horizon))
    if open_ and not done:
        return None
    due = cal.add_work(st.clock_at, work + paused)
    if due == NEVER:
        return None
    used = cal.work_ms(st.clock_at, st.fed_back_at) - paused if done else 0
    return due, done, used


def overview(by, cases, cfg_text, offices, frm, to):
    """The rows of one overview grouping, as a report holds them."""
    cfg = json.loads(cfg_text) if cfg_text.strip() else {}
    cal = Calendar(cfg)
    ev = EvalConfig(cfg)
    weights = cfg.get("eval", {}).get(
        "weights", {"on_time_rate": 40, "closure_rate": 30,
                    "rework_rate": 15, "valid_rate": 15})
    groups = {}

    def inp(t):
        return bool(t) and frm <= t < to

    def key(st, report_side):
        if by == "grid":
            k = st.grid
        elif by == "unit":
            k = st.unit
        elif by == "person":
            k = st.reporter if report_side else st.fed_back_by
        else:
            k = next((name for prefix, name in offices
                      if st.grid[:9] == prefix), st.grid[:9])
        return k or "(none)"

    def count(st, report_side, fig, n=1):
        if n:
            g = groups.setdefault(key(st, report_side), ({}, []))
            g[0][fig] = g[0].get(fig, 0) + n

    for st in cases:
        if st.status is None:
            continue
        if inp(st.reported_at):
            count(st, True, "reported")
            if st.accepted_at and st.accepted_at < to:
                count(st, True, "valid")
        if inp(st.registered_at):
            count(st, False, "registered")
        if inp(st.dispatched_at):
            count(st, False, "dispatched")
        dl = case_deadline(st, cal, to) if st.status != "cancelled" else None
        if dl is None:
            continue
        due, done, used = dl
        done = done and st.fed_back_at < to
        falls = st.fed_back_at if done and st.fed_back_at < due else due
        if not inp(falls):
            continue
        count(st, False, "due")
        count(st, False, "on_time" if done and st.fed_back_at <= due
              else "overdue")
        if st.closed_at and st.closed_at < to:
            count(st, False, "closed")
        if st.reworks:
            count(st, False, "reworked")
        count(st, False, "returns", st.returns)
        count(st, False, "postponements", st.postponements)
        count(st, False, "suspensions", st.suspensions)
        if done:
            g = groups.setdefault(key(st, False), ({}, []))
            g[1].append(used // MIN_MS)
    rows = []
    for k in sorted(groups, key=lambda x: x.encode()):
        c, mins = groups[k]
        n = {f: c.get(f, 0) for f in OVERVIEW_COUNTS}
        closure = rate(n["closed"], n["due"])
        on_time = rate(n["on_time"], n["due"])
        rework = rate(n["reworked"], n["due"])
        valid = rate(n["valid"], n["reported"])
        avg, med = times(mins)
        total = ws = 0
        for metric, w in weights.items():
            v = {"on_time_rate": on_time, "closure_rate": closure,
                 "valid_rate": valid,
                 "rework_rate": None if rework is None else 10000 - rework
                 }.get(metric)
            if v is None:
                continue
            total += v * w
            ws += w
        score = (total // ws + 5) // 10 if ws else None
        gm = ev.grades
        grade = "-" if score is None else (
            "A" if score >= gm["A"] * 10 else "B" if score >= gm["B"] * 10
            else "C" if score >= gm["C"] * 10 else
            "D" if score >= gm["D"] * 10 else "E")
        rows.append({"group": k, **n,
                     "avg_disposal_minutes": NO_MINUTES if avg is None
                     else avg,
                     "closure_rate_e4": closure, "grade": grade,
                     "median_disposal_minutes": NO_MINUTES if med is None
                     else med,
                     "on_time_rate_e4": on_time, "rework_rate_e4": rework,
                     "score_e1": score, "valid_rate_e4": valid})
    return rows


def forks(events):
    """author -> the lowest seq at which the bundle holds two versions
    (docs/format.md §5a rule 9)."""
    ids, at = {}, {}
    for ev in events:
        k = (ev["author"], ev["seq"])
        if ids.setdefault(k, ev["_id"]) != ev["_id"]:
            a = ev["author"]
            at[a] = min(at.get(a, ev["seq"]), ev["seq"])
    return at


def fold_all(admin, roster_events, events):
    forked = forks(list(roster_events) + list(events))

    def counts(ev):  # docs/workflow.md §4: not from the fork on
        return ev["seq"] < forked.get(ev["author"], 2 ** 64)

    roster = Roster(admin, [e for e in roster_events if counts(e)])
    by_case = {}
    for ev in events:
        c = ev["case"]
        if c == "roster" or c.startswith("period-") or not counts(ev):
            continue
        by_case.setdefault(c, []).append(ev)
    return roster, [fold(cid, evs, roster)
                    for cid, evs in sorted(by_case.items())]


def recompute(admin, roster_events, events, report):
    """({grouping: rows}, {set: rows}) of a report, from the events."""
    roster, cases = fold_all(admin, roster_events, events)
    frm, to = report["from"], report["to"]
    figures = {by: overview(by, cases, report["config"], report["offices"],
                            frm, to)
               for by in ("grid", "office", "person", "unit")}
    s = Sets(report["config"], report.get("cells", []), roster, frm, to)
    return figures, {name: s.compute(name, cases) for name in SETS}

#!/usr/bin/env python3
"""verify.py - an independent reader of the gridcase event format.

This re-implements docs/format.md from the document alone, in Python 3
with the standard library only: no gridcase code, no msgpack package.  It
exists to catch the places where the C code and the document disagree,
so it follows the document's words; where they leave a choice open, the
choice is marked "Reading:" in a comment.  Ed25519 is implemented from
scratch (pure Python, after RFC 8032's reference code) with the stricter
verification rule of §4.

    verify.py vectors FILE          check docs/vectors/events.json
    verify.py admission FILE        check docs/vectors/admission.json
    verify.py export FILE NETWORK   verify and admit an export stream (§6)

The admission model (class Log) follows §5a rules 1-7 and computes the
first part of the §7 log digest; rule 8 (authorship) needs a roster and
is not modelled, and a bare log has no case states.

Exit status 0 when everything checks, 1 otherwise, 2 on usage errors.
"""

import hashlib
import json
import re
import sys
import time

# ---- errors --------------------------------------------------------------


class Refused(Exception):
    """A refusal with the error name the document gives (ERR_...)."""

    def __init__(self, name, detail):
        super().__init__("%s: %s" % (name, detail))
        self.name = name
        self.detail = detail


def refuse(name, detail):
    raise Refused(name, detail)


# ---- §1 canonical msgpack ------------------------------------------------

MAX_DEPTH = 16


class Reader:
    """A strict reader of canonical msgpack over data[pos:].

    Values come back as Python values: int, str, bytes, None, bool, list,
    dict (keys in their encoded order).  Problems are reported in the
    order the bytes are read ("from the first byte on").
    """

    def __init__(self, data, pos=0):
        self.data = data
        self.pos = pos

    def take(self, n, start):
        if len(self.data) - self.pos < n:
            refuse("ERR_TRUNCATED",
                   "input ends inside the value at byte %d" % start)
        s = self.data[self.pos:self.pos + n]
        self.pos += n
        return s

    def be(self, n, start):
        return int.from_bytes(self.take(n, start), "big")

    def length(self, n, minimum, what, start):
        """A length of n bytes that a narrower form could not hold."""
        v = self.be(n, start)
        if v < minimum:
            refuse("ERR_NONCANON", "%s header at byte %d is not the "
                   "shortest form" % (what, start))
        return v

    def fits(self, count, per_item, what, start):
        """§1: an array or map header whose count the bytes left cannot
        hold (an item takes at least 1 byte, a map entry at least 2) is
        ERR_TRUNCATED at the header, before any item is read."""
        if len(self.data) - self.pos < count * per_item:
            refuse("ERR_TRUNCATED", "%s header at byte %d counts %d, more "
                   "than the %d bytes left can hold"
                   % (what, start, count, len(self.data) - self.pos))

    def value(self, depth=0):
        start = self.pos
        c = self.take(1, start)[0]
        if c <= 0x7f:
            return c
        if c >= 0xe0:
            return c - 0x100
        if c <= 0x8f or c in (0xde, 0xdf):
            return self.map(c, depth, start)
        if c <= 0x9f or c in (0xdc, 0xdd):
            return self.array(c, depth, start)
        if c <= 0xbf or c in (0xd9, 0xda, 0xdb):
            return self.string(c, start)
        if c == 0xc0:
            return None
        if c == 0xc2:
            return False
        if c == 0xc3:
            return True
        if c in (0xc4, 0xc5, 0xc6):
            n = self.length(1 << (c - 0xc4), (0, 256, 65536)[c - 0xc4],
                            "bin", start)
            return bytes(self.take(n, start))
        if c in (0xcc, 0xcd, 0xce, 0xcf):
            v = self.be(1 << (c - 0xcc), start)
            if v < (0x80, 0x100, 0x10000, 1 << 32)[c - 0xcc]:
                refuse("ERR_NONCANON",
                       "integer at byte %d is not the shortest form" % start)
            return v
        if c in (0xd0, 0xd1, 0xd2, 0xd3):
            n = 1 << (c - 0xd0)
            v = int.from_bytes(self.take(n, start), "big", signed=True)
            # Each signed form is canonical only below what the next
            # narrower form holds; non-negative values are never signed.
            if v >= (-32, -128, -32768, -(1 << 31))[c - 0xd0]:
                refuse("ERR_NONCANON",
                       "integer at byte %d is not the shortest form" % start)
            return v
        if c in (0xca, 0xcb):
            refuse("ERR_MALFORMED", "float at byte %d" % start)
        if c == 0xc1:
            refuse("ERR_MALFORMED", "reserved byte 0xc1 at byte %d" % start)
        refuse("ERR_MALFORMED", "ext at byte %d" % start)

    def nested(self, depth, start):
        # §1: at most 16 arrays and maps nested, the outermost included,
        # so a container with 16 containers around it is one too many.
        # This is judged before the container's header is read.
        if depth >= MAX_DEPTH:
            refuse("ERR_MALFORMED",
                   "more than %d levels of nesting at byte %d"
                   % (MAX_DEPTH, start))

    def array(self, c, depth, start):
        self.nested(depth, start)
        if c <= 0x9f:
            n = c & 0x0f
        else:
            n = self.length(2 if c == 0xdc else 4,
                            16 if c == 0xdc else 65536, "array", start)
        self.fits(n, 1, "array", start)
        return [self.value(depth + 1) for _ in range(n)]

    def map(self, c, depth, start):
        self.nested(depth, start)
        if c <= 0x8f:
            n = c & 0x0f
        else:
            n = self.length(2 if c == 0xde else 4,
                            16 if c == 0xde else 65536, "map", start)
        self.fits(n, 2, "map", start)
        out = {}
        prev = None
        for _ in range(n):
            at = self.pos
            # §1: a key that is not a str is ERR_FORMAT whatever it is,
            # decided by its first byte: a float, ext or 0xc1 key too.
            k = self.take(1, at)[0]
            if not (0xa0 <= k <= 0xbf or k in (0xd9, 0xda, 0xdb)):
                refuse("ERR_FORMAT", "map key at byte %d is not a str" % at)
            raw = self.string_bytes(k, at)
            if prev is not None and not prev < raw:
                refuse("ERR_NONCANON", "map key at byte %d is out of order "
                       "or repeated" % at)
            prev = raw
            out[raw.decode("utf-8")] = self.value(depth + 1)
        return out

    def string_bytes(self, c, start):
        if c <= 0xbf:
            n = c & 0x1f
        else:
            i = c - 0xd9
            n = self.length(1 << i, (32, 256, 65536)[i], "str", start)
        s = bytes(self.take(n, start))
        try:
            # Python's codec is strict: no overlong forms, no surrogates,
            # nothing above U+10FFFF.
            s.decode("utf-8", "strict")
        except UnicodeDecodeError:
            refuse("ERR_MALFORMED", "str at byte %d is not UTF-8" % start)
        return s

    def string(self, c, start):
        return self.string_bytes(c, start).decode("utf-8")


def decode_whole(data):
    """Exactly one canonical value with nothing after it."""
    r = Reader(data)
    v = r.value()
    if r.pos != len(data):
        refuse("ERR_TRAILING", "%d bytes after the value"
               % (len(data) - r.pos))
    return v


# ---- §2 the event --------------------------------------------------------

VERSION = 2
EVENT_MAX = 65536
MAX63 = (1 << 63) - 1
NAME_RE = re.compile(r"[A-Za-z0-9._-]{1,64}", re.ASCII)
TYPE_RE = re.compile(r"[a-z0-9._-]{1,32}", re.ASCII)
FIELDS = ("version", "network", "author", "seq", "prev", "deps", "lamport",
          "time", "case", "type", "body", "blobs", "reserved")


def is_uint(v):
    return type(v) is int and v >= 0


def is_bin(v, n):
    return type(v) is bytes and len(v) == n


def field(i, why):
    refuse("ERR_FORMAT", "field %d (%s) %s" % (i, FIELDS[i], why))


def id_list(i, v, most):
    if type(v) is not list:
        field(i, "is not an array")
    if len(v) > most:
        field(i, "has more than %d entries" % most)
    for x in v:
        if not is_bin(x, 32):
            field(i, "holds something other than a bin 32")
    for a, b in zip(v, v[1:]):
        if not a < b:
            field(i, "is not strictly ascending")
    return v


def decode_event(data):
    """The event's fields as a dict, or Refused."""
    if len(data) > EVENT_MAX:
        refuse("ERR_TOOBIG", "event is %d bytes" % len(data))
    v = decode_whole(data)
    if type(v) is not list:
        refuse("ERR_FORMAT", "an event is an array")
    if len(v) != 13:
        refuse("ERR_FORMAT", "an event has 13 fields, not %d" % len(v))
    ev = dict(zip(FIELDS, v))
    # Reading: §2 types the version "uint" and says "anything else" than
    # 2 is ERR_VERSION; a version that is not a uint at all (a str, nil,
    # a negative integer) is taken as "a field with the wrong msgpack
    # type", ERR_FORMAT, as for every other field.  No vector tells.
    if not is_uint(ev["version"]):
        field(0, "is not a uint")
    if ev["version"] != VERSION:
        # §2: the detail says whether the event is older or newer.
        if ev["version"] < VERSION:
            refuse("ERR_VERSION", "version %d is older than this reader's "
                   "%d (version 1's clocks were not bound to its "
                   "dependencies)" % (ev["version"], VERSION))
        refuse("ERR_VERSION", "version %d is newer than this reader's %d"
               % (ev["version"], VERSION))
    if type(ev["network"]) is not str or not NAME_RE.fullmatch(
            ev["network"]):
        field(1, "is not 1-64 characters of A-Z a-z 0-9 . _ -")
    if not is_bin(ev["author"], 32):
        field(2, "is not a bin 32")
    if not is_uint(ev["seq"]) or not 1 <= ev["seq"] <= MAX63:
        field(3, "is not from 1 to 2^63-1")
    if ev["seq"] == 1:
        if ev["prev"] is not None:
            field(4, "is not nil at seq 1")
    elif not is_bin(ev["prev"], 32):
        field(4, "is not a bin 32 after seq 1")
    id_list(5, ev["deps"], 32)
    if not is_uint(ev["lamport"]) or not 1 <= ev["lamport"] <= MAX63:
        field(6, "is not from 1 to 2^63-1")
    if not is_uint(ev["time"]) or ev["time"] > MAX63:
        field(7, "is not a uint below 2^63")
    if type(ev["case"]) is not str or not NAME_RE.fullmatch(ev["case"]):
        field(8, "is not 1-64 characters of A-Z a-z 0-9 . _ -")
    if type(ev["type"]) is not str or not TYPE_RE.fullmatch(ev["type"]):
        field(9, "is not 1-32 characters of a-z 0-9 . _ -")
    if type(ev["body"]) is not dict:
        field(10, "is not a map")
    id_list(11, ev["blobs"], 16)
    if ev["reserved"] is not None:
        field(12, "is not nil")
    return ev


# ---- §3 the envelope -----------------------------------------------------


# The bytes §1 refuses outright: 0xc1, ext and float.
BANNED = {0xc1, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8}


def read_envelope(data, pos):
    """(event bytes, id, signature, end) of the envelope at data[pos:]."""
    r = Reader(data, pos)
    start = pos
    c = r.take(1, start)[0]
    if not (0x90 <= c <= 0x9f or c in (0xdc, 0xdd)):
        if c in BANNED:
            refuse("ERR_MALFORMED", "float, ext or 0xc1 at byte %d" % start)
        refuse("ERR_FORMAT", "an envelope is an array")
    if c <= 0x9f:
        n = c & 0x0f
    else:
        n = r.length(2 if c == 0xdc else 4, 16 if c == 0xdc else 65536,
                     "array", start)
    # The count is held against the rest of the input (for an import,
    # the rest of the stream) before it is compared with 3.
    r.fits(n, 1, "array", start)
    if n != 3:
        refuse("ERR_FORMAT", "an envelope has 3 elements, not %d" % n)

    # The event bin: its length is judged before its bytes are read, so
    # that an oversized event is named as such even if cut short.
    at = r.pos
    if at >= len(data):
        refuse("ERR_TRUNCATED", "envelope ends at byte %d" % at)
    c = data[at]
    if c not in (0xc4, 0xc5, 0xc6):
        refuse("ERR_FORMAT", "envelope element 0 is not a bin")
    r.pos += 1
    n = r.length(1 << (c - 0xc4), (0, 256, 65536)[c - 0xc4], "bin", at)
    if n > EVENT_MAX:
        refuse("ERR_TOOBIG", "event is %d bytes" % n)
    event = bytes(r.take(n, at))

    out = [event]
    for i, size in ((1, 32), (2, 64)):
        at = r.pos
        if at >= len(data):
            refuse("ERR_TRUNCATED", "envelope ends at byte %d" % at)
        if data[at] not in (0xc4, 0xc5, 0xc6):
            refuse("ERR_FORMAT", "envelope element %d is not a bin" % i)
        v = r.value()
        if len(v) != size:
            refuse("ERR_FORMAT",
                   "envelope element %d is not a bin %d" % (i, size))
        out.append(v)
    return out[0], out[1], out[2], r.pos


# ---- §4 id and signature: BLAKE2b and RFC 8032 Ed25519 -------------------

ID_TAG = b"gridcase/event-id/v1"
SIG_TAG = b"gridcase/event-sig/v1"


def event_id(event):
    return hashlib.blake2b(ID_TAG + event, digest_size=32).digest()


# Ed25519 verification as §4 states it: libsodium 1.0.18's
# crypto_sign_verify_detached, which is RFC 8032 plus three rules (R and A
# not of small order, the cofactorless equation compared as encodings).
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
IDENTITY = (0, 1, 1, 0)


def point_add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % P
    b = (p[1] + p[0]) * (q[1] + q[0]) % P
    c = 2 * p[3] * q[3] * D % P
    d = 2 * p[2] * q[2] % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def point_neg(p):
    return (-p[0] % P, p[1], p[2], -p[3] % P)


def point_mul(s, p):
    q = IDENTITY
    while s > 0:
        if s & 1:
            q = point_add(q, p)
        p = point_add(p, p)
        s >>= 1
    return q


def point_equal(p, q):
    return ((p[0] * q[2] - q[0] * p[2]) % P == 0 and
            (p[1] * q[2] - q[1] * p[2]) % P == 0)


def recover_x(y, sign):
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None
    if (x & 1) != sign:
        x = P - x
    return x


G_Y = 4 * pow(5, P - 2, P) % P
G_X = recover_x(G_Y, 0)
G = (G_X, G_Y, 1, G_X * G_Y % P)


def point_decompress(s):
    """RFC 8032 5.1.3: None unless s is the canonical encoding of a
    point (y < p, a square root exists, no "negative zero" x)."""
    y = int.from_bytes(s, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


def point_compress(p):
    zinv = pow(p[2], P - 2, P)
    x, y = p[0] * zinv % P, p[1] * zinv % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def small_order(p):
    """The point's order divides 8: [8]P is the identity."""
    return point_equal(point_mul(8, p), IDENTITY)


def ed25519_verify(public, msg, sig):
    if len(public) != 32 or len(sig) != 64:
        return False
    r_bytes = sig[:32]
    # S canonical: S < L.
    s = int.from_bytes(sig[32:], "little")
    if s >= L:
        return False
    # R not of small order.  libsodium never decodes R: it refuses the
    # encodings of the 8 small-order points, then compares R's bytes with
    # a canonical encoding.  So an R that is not the canonical encoding of
    # a point can never verify, and refusing it here is the same rule.
    r = point_decompress(r_bytes)
    if r is None or small_order(r):
        return False
    # A canonical (y < p), a point, and not of small order.
    a = point_decompress(public)
    if a is None or small_order(a):
        return False
    k = int.from_bytes(hashlib.sha512(r_bytes + public + msg).digest(),
                       "little") % L
    # Cofactorless, compared as encodings: [S]B - [k]A must encode to R.
    check = point_add(point_mul(s, G), point_neg(point_mul(k, a)))
    return point_compress(check) == r_bytes


# ---- §5 verifying an envelope --------------------------------------------


def verify_envelope(data, pos, network):
    """(event fields, id, signature, end) or Refused, in §5's order."""
    event, eid, sig, end = read_envelope(data, pos)
    ev = decode_event(event)
    if network is not None and ev["network"] != network:
        refuse("ERR_NETWORK", "event is for network %r" % ev["network"])
    if event_id(event) != eid:
        refuse("ERR_BADID", "id does not match the event bytes")
    if not ed25519_verify(ev["author"], SIG_TAG + eid, sig):
        refuse("ERR_BADSIG", "signature does not verify")
    ev["_event"] = event
    return ev, eid, sig, end


# ---- §5a admitting an event, §7 the log digest ---------------------------

WAIT_ALL = 200000           # §5a rule 4: events waiting in all
WAIT_AUTHOR = WAIT_ALL // 8  # ... and "an eighth of that for one author"
DEFAULT_SKEW_MS = 5 * 60 * 1000  # §5a rule 7: 5 minutes by default
DIGEST_TAG = b"gridcase/log-digest/v2"


class Log:
    """An in-memory log that admits events by §5a rules 1-7.

    Rule 8 (authorship) needs a roster and is not modelled: every author
    may write.  The node's clock is `now` (ms) and does not move unless
    the caller sets it and calls reexamine().

    What is stored: each author's feed (seq -> id), the extra versions
    kept as fork proofs and the events kept as evidence; `events` maps
    every stored id to its fields.  Waiting events are not stored.
    """

    def __init__(self, now, skew):
        self.now = now
        self.skew = skew
        self.events = {}     # id -> fields, every stored event
        self.feed = {}       # author -> {seq: id}
        self.versions = {}   # (author, seq) -> [ids kept at that seq]
        self.forks = {}      # author -> set of seqs where it forked
        self.evidence = set()
        # id -> (fields, what it waits for); a dict keeps arrival order.
        self.waiting = {}

    # -- what is stored and what waits

    def store(self, eid, ev):
        self.events[eid] = ev
        self.versions.setdefault((ev["author"], ev["seq"]), []).append(eid)

    def awaited(self, eid):
        """§5a rules 2 and 3: "an event waiting here depends on it".
        Reading: depends directly, through its deps or its prev."""
        return any(eid in w["deps"] or eid == w["prev"]
                   for w, _ in self.waiting.values())

    def lacks(self, ev):
        """§5a rule 4: what the event lacks, or None.  Reading: the
        previous event is looked up by seq (the author's stored event at
        seq - 1, as rule 5 compares it with prev), the deps by id among
        all stored events (feed, fork versions, evidence)."""
        a, seq = ev["author"], ev["seq"]
        if seq > 1 and seq - 1 not in self.feed.get(a, {}):
            return "prev"
        if any(d not in self.events for d in ev["deps"]):
            return "deps"
        return None

    def ready(self, ev, why):
        """Whether "what it lacks" has arrived (rules 4 and 7)."""
        if why == "future":
            return ev["time"] - self.now <= self.skew
        return self.lacks(ev) != why

    def wait(self, eid, ev, why):
        # Reading: the limits of rule 4 count every waiting event, those
        # waiting for the clock (rule 7) too.
        if len(self.waiting) >= WAIT_ALL:
            return "ERR_FULL"
        mine = sum(1 for w, _ in self.waiting.values()
                   if w["author"] == ev["author"])
        if mine >= WAIT_AUTHOR:
            return "ERR_FULL"
        self.waiting[eid] = (ev, why)
        return "waits-" + why

    # -- the rules

    def examine(self, eid, ev):
        """The outcome of §5a rules 1-7 for a verified event: "admitted",
        "waits-prev", "waits-deps", "waits-future", "duplicate", "fork",
        "surplus", "evidence" or an error name."""
        a, seq = ev["author"], ev["seq"]
        # 1. Duplicate.
        if eid in self.events or eid in self.waiting:
            return "duplicate"
        # 2. Fork.  Reading: "the author's stored event at this seq" is
        # any version kept at this seq (feed, fork proof or evidence).
        kept = self.versions.get((a, seq), [])
        if kept:
            self.forks.setdefault(a, set()).add(seq)
            if len(kept) < 2 or self.awaited(eid):
                self.store(eid, ev)
                return "fork"
            # "A node keeps two versions of one seq as the proof"; the
            # vectors name this outcome "surplus" (§8 does not list it).
            return "surplus"
        # 3. After a fork.
        if any(f < seq for f in self.forks.get(a, ())):
            if self.awaited(eid):
                self.store(eid, ev)
                self.evidence.add(eid)
                return "evidence"
            return "ERR_FORKED"
        # 4. Waiting.
        why = self.lacks(ev)
        if why:
            return self.wait(eid, ev, why)
        # 5. Chain.
        parent = self.feed[a][seq - 1] if seq > 1 else None
        if ev["prev"] != parent:
            return "ERR_CHAIN"
        # 6. Clocks: exactly one more than the highest lamport of prev and
        # every dep (1 when there are none); time not before any of them.
        before = [self.events[d] for d in ev["deps"]]
        if parent is not None:
            before.append(self.events[parent])
        if ev["lamport"] != 1 + max((b["lamport"] for b in before),
                                    default=0):
            return "ERR_CLOCK"
        if any(ev["time"] < b["time"] for b in before):
            return "ERR_CLOCK"
        # 7. Early: more than the skew ahead of the node's clock.
        if ev["time"] - self.now > self.skew:
            return self.wait(eid, ev, "future")
        # (8. Authorship needs a roster: not modelled.)
        self.store(eid, ev)
        self.feed.setdefault(a, {})[seq] = eid
        return "admitted"

    def reexamine(self):
        """Examines again, through all the rules, every waiting event
        whose lack has been met, until none is left; returns how many
        joined a feed.  Reading: waiting events are taken in the order
        they (last) started waiting, again and again until nothing changes (a
        fixed point, so the order decides only which of two waiting
        versions of one seq becomes the feed's); "promoted" counts the
        waiting events that joined a feed, not those that were kept as a
        fork or evidence, refused or set waiting again."""
        promoted = 0
        progress = True
        while progress:
            progress = False
            for eid, (ev, why) in list(self.waiting.items()):
                if eid not in self.waiting or not self.ready(ev, why):
                    continue
                del self.waiting[eid]
                outcome = self.examine(eid, ev)
                if outcome == "admitted":
                    promoted += 1
                # Whatever came of it, the log changed (an event that
                # waits again now lacks something else).
                progress = True
        return promoted

    def admit(self, eid, ev):
        """(outcome, promoted) for one verified event."""
        outcome = self.examine(eid, ev)
        promoted = 0
        if outcome in ("admitted", "fork", "evidence"):
            # "Then the event joins its author's feed, and the events
            # waiting for it are examined again"; rule 4's "when what it
            # lacks arrives" also covers a fork version or evidence.
            promoted = self.reexamine()
        return outcome, promoted

    def digest(self):
        """§7's digest, its first part only (a bare log has no cases)."""
        h = hashlib.blake2b(digest_size=32)
        h.update(DIGEST_TAG)
        for a in sorted(set(self.feed) | set(self.forks)):
            # Reading: with forks at several seqs, "it forked at seq f"
            # is the lowest, where "its part ends".
            f = min(self.forks[a]) if self.forks.get(a) else None
            for seq in sorted(self.feed.get(a, {})):
                if f is not None and seq >= f:
                    break
                h.update(a + seq.to_bytes(8, "big") + self.feed[a][seq])
            if f is not None:
                h.update(a + f.to_bytes(8, "big") + b"\xff" * 32)
        return h.digest()


# ---- verify.py vectors ---------------------------------------------------


def same_json(a, b):
    """Equality that tells true from 1 (Python's == does not)."""
    if type(a) is not type(b):
        return False
    if type(a) is list:
        return len(a) == len(b) and all(map(same_json, a, b))
    if type(a) is dict:
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return a == b


def check_valid(v):
    """A list of problems with one valid vector (empty when it checks)."""
    env = bytes.fromhex(v["envelope_hex"])
    try:
        ev, eid, sig, end = verify_envelope(env, 0, v["network"])
    except Refused as e:
        return ["refused: %s" % e]
    bad = []
    if end != len(env):
        # §8: envelope_hex is exactly one envelope.
        bad.append("envelope_hex is not exactly one envelope: %d bytes "
                   "after it" % (len(env) - end))
    hexes = {"id": eid, "signature": sig, "author": ev["author"],
             "event_hex": ev["_event"]}
    for k, b in hexes.items():
        if v[k] != b.hex():
            bad.append("%s differs" % k)
    if v["prev"] != (None if ev["prev"] is None else ev["prev"].hex()):
        bad.append("prev differs")
    for k in ("deps", "blobs"):
        if v[k] != [x.hex() for x in ev[k]]:
            bad.append("%s differ" % k)
    for k in ("version", "seq", "lamport", "time", "case", "type",
              "network"):
        if not same_json(v[k], ev[k]):
            bad.append("%s differs" % k)
    # The vectors' bodies hold no bin (JSON has no bytes), so the decoded
    # body and the listed JSON are the same kinds of values.
    if not same_json(v["body"], ev["body"]):
        bad.append("body differs")
    return bad


def check_invalid(v):
    env = bytes.fromhex(v["envelope_hex"])
    bad = []
    try:
        # §8: envelope_hex is exactly one envelope, so one that reads as
        # an envelope ends where the bytes end.
        _, _, _, end = read_envelope(env, 0)
        if end != len(env):
            bad.append("envelope_hex is not exactly one envelope: %d "
                       "bytes after it" % (len(env) - end))
    except Refused:
        pass
    try:
        verify_envelope(env, 0, v["network"])
        bad.append("verified, expected %s" % v["error"])
    except Refused as e:
        if e.name != v["error"]:
            bad.append("refused with %s (%s), expected %s"
                       % (e.name, e.detail, v["error"]))
    return bad


NAMED_INVALID = ("signature-r-small-order", "author-identity",
                 "author-small-order", "signature-cofactored-only",
                 "array-count-past-end", "map-count-past-end",
                 "envelope-count-past-end")


def cmd_vectors(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    failed = passed = 0
    for kind, check in (("valid", check_valid), ("invalid", check_invalid)):
        for v in doc[kind]:
            bad = check(v)
            if bad:
                failed += 1
                for b in bad:
                    print("FAIL %s %s: %s" % (kind, v["name"], b))
            else:
                passed += 1
    # §8 names these invalid vectors: a file without them tests less
    # than the document promises.
    names = {v["name"] for v in doc["invalid"]}
    for name in NAMED_INVALID:
        if name not in names:
            failed += 1
            print("FAIL invalid %s: §8 names it, the file lacks it" % name)
    print("vectors: %d valid, %d invalid; %d checked, %d failed"
          % (len(doc["valid"]), len(doc["invalid"]), passed, failed))
    return 1 if failed or not passed else 0


# ---- verify.py admission -------------------------------------------------


def run_scenario(sc):
    """A list of problems with one admission scenario (empty when every
    step and the end state are as stated)."""
    log = Log(sc["now"], sc["max_skew_ms"])
    bad = []
    for i, st in enumerate(sc["steps"]):
        where = "step %d (%s)" % (i + 1, st["event"])
        env = bytes.fromhex(st["envelope_hex"])
        try:
            ev, eid, _, end = verify_envelope(env, 0, sc["network"])
        except Refused as e:
            outcome, promoted = e.name, 0
        else:
            if end != len(env):
                bad.append("%s: envelope_hex is not exactly one envelope"
                           % where)
            if eid.hex() != st["id"]:
                bad.append("%s: id is %s, the vector says %s"
                           % (where, eid.hex(), st["id"]))
            outcome, promoted = log.admit(eid, ev)
        if outcome != st["expect"] or promoted != st["promoted"]:
            bad.append("%s: %s promoting %d, expected %s promoting %d"
                       % (where, outcome, promoted, st["expect"],
                          st["promoted"]))
    fin = sc["final"]
    if log.digest().hex() != fin["digest"]:
        bad.append("final digest %s, expected %s"
                   % (log.digest().hex(), fin["digest"]))
    if len(log.waiting) != fin["waiting"]:
        bad.append("%d waiting at the end, expected %d"
                   % (len(log.waiting), fin["waiting"]))
    return bad


def cmd_admission(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    failed = passed = steps = 0
    for sc in doc["scenarios"]:
        bad = run_scenario(sc)
        steps += len(sc["steps"])
        if bad:
            failed += 1
            for b in bad:
                print("FAIL %s: %s" % (sc["name"], b))
        else:
            passed += 1
    print("admission: %d scenarios, %d steps; %d checked, %d failed"
          % (len(doc["scenarios"]), steps, passed, failed))
    return 1 if failed or not passed else 0


# ---- verify.py export ----------------------------------------------------


def cmd_export(path, network):
    """Verifies every envelope (§5) and, as §6 says an import does,
    admits the events one after another into an empty log (§5a rules
    1-7, the node's clock being this machine's, the skew the default):
    exported events follow one another (prev, deps), so a stream that
    verifies but does not admit, or leaves events waiting, fails."""
    with open(path, "rb") as f:
        data = f.read()
    log = Log(int(time.time() * 1000), DEFAULT_SKEW_MS)
    pos = index = ok = failed = refused = 0
    while pos < len(data):
        try:
            # §6: the length of a readable envelope is known even when
            # its event is refused, so the walk goes on past it.
            _, _, _, end = read_envelope(data, pos)
        except Refused as e:
            print("FAIL envelope %d at byte %d: %s (the rest of the "
                  "stream cannot be read)" % (index, pos, e))
            failed += 1
            break
        try:
            ev, eid, _, _ = verify_envelope(data, pos, network)
            print("%s %s %d %s %s" % (eid.hex(), ev["author"].hex(),
                                      ev["seq"], ev["type"], ev["case"]))
            ok += 1
        except Refused as e:
            print("FAIL envelope %d at byte %d: %s" % (index, pos, e))
            failed += 1
        else:
            outcome, _ = log.admit(eid, ev)
            if outcome.startswith("ERR_"):
                print("FAIL envelope %d at byte %d: %s: refused on "
                      "admission (§5a)" % (index, pos, outcome))
                refused += 1
        pos = end
        index += 1
    print("%d events verified, %d failed" % (ok, failed))
    for eid, (_, why) in log.waiting.items():
        print("FAIL %s still waits (%s) at the end of the stream"
              % (eid.hex(), why))
    admitted = sum(len(f) for f in log.feed.values())
    # Every stored event is in a feed, a fork version or evidence.
    forks = len(log.events) - admitted - len(log.evidence)
    print("admission: %d in feeds, %d fork versions, %d evidence, "
          "%d refused, %d waiting; log digest %s"
          % (admitted, forks, len(log.evidence), refused,
             len(log.waiting), log.digest().hex()))
    return 1 if failed or refused or log.waiting else 0


def main(argv):
    if len(argv) == 3 and argv[1] == "vectors":
        return cmd_vectors(argv[2])
    if len(argv) == 3 and argv[1] == "admission":
        return cmd_admission(argv[2])
    if len(argv) == 4 and argv[1] == "export":
        return cmd_export(argv[2], argv[3])
    sys.stderr.write("usage: verify.py vectors FILE\n"
                     "       verify.py admission FILE\n"
                     "       verify.py export FILE NETWORK\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

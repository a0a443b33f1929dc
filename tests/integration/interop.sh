#!/bin/sh
# interop.sh - gridcase's events checked by an independent reader.
#
# tests/interop/verify.py re-implements docs/format.md in plain Python
# (no gridcase code).  This script has it check the committed test
# vectors (events and admission scenarios, and that both files are what
# their generators write) and a stream exported by a real node (verified
# and admitted), compares the ids it reads with those `gridcase log
# --json` prints, and checks that it refuses the stream once one
# signature byte is flipped.
#
# Run by tests/run.sh from the repository root with $GRIDCASE set to the
# binary under test.  Ends with the line "N passed, N failed".

GRIDCASE=${GRIDCASE:-build-san/gridcase}
PYTHON=${PYTHON:-python3}
VERIFY=tests/interop/verify.py
VECTORS=docs/vectors/events.json
ADMISSION=docs/vectors/admission.json

if ! command -v "$PYTHON" >/dev/null 2>&1; then
	echo "note: $PYTHON is not installed, so the interop checks are skipped"
	echo "0 passed, 0 failed"
	exit 0
fi

passed=0
failed=0
out=$(mktemp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp" "$out"' EXIT

ok() {
	passed=$((passed + 1))
	echo "ok: $1"
}

# Prints the failing step and the output it left in $out.
not_ok() {
	failed=$((failed + 1))
	echo "FAILED: $1"
	sed 's/^/    /' "$out" | tail -n 30
}

# step NAME COMMAND...: runs the command with its output in $out.
step() {
	name=$1
	shift
	if "$@" >"$out" 2>&1; then
		ok "$name"
	else
		not_ok "$name"
	fi
}

step "verify.py agrees with every test vector" \
	"$PYTHON" "$VERIFY" vectors "$VECTORS"

# verify.py's own model of admission (§5a rules 1-7, the §7 digest) must
# reach every step's outcome and each scenario's end state.
step "verify.py agrees with every admission scenario" \
	"$PYTHON" "$VERIFY" admission "$ADMISSION"

# make_vectors and make_admission are deterministic, so the committed
# files must be exactly what they write; a difference means someone
# forgot to regenerate one.
# same_as_tool TOOL FILE: the tool's output is byte for byte FILE.
same_as_tool() {
	tool=${GRIDCASE_TOOLS:-build-san/tools}/$1
	if [ ! -x "$tool" ]; then
		echo "$tool is not built" >"$out"
		not_ok "the committed $2 is what $1 writes"
	elif "$tool" >"$tmp/tool.json" 2>"$out" &&
		cmp "$tmp/tool.json" "$2" >>"$out" 2>&1; then
		ok "the committed $2 is what $1 writes"
	else
		not_ok "the committed $2 is what $1 writes"
	fi
}
same_as_tool make_vectors "$VECTORS"
same_as_tool make_admission "$ADMISSION"

node() {
	"$GRIDCASE" --dir "$tmp/a" "$@"
}

# The node's key is made a member by the district admin (the roster is
# the first event of the export).
if admin=$("$GRIDCASE" admin keygen "$tmp/admin.key" 2>"$out") &&
	node init --network testnet --name a --admin "$admin" >"$tmp/pub" 2>>"$out" &&
	node roster add "$(cat "$tmp/pub")" --admin-key "$tmp/admin.key" \
		--name a --roles supervisor >>"$out" 2>&1 &&
	node event add --case c1 --type note --body '{"x":1}' >>"$out" 2>&1 &&
	node case report --class event:01001 --grid 310104001002003 \
		--where w --desc d >>"$out" 2>&1 &&
	node event add --case c1 --type note \
		--body '{"text":"Zo\u00eb \ud83d\ude92","n":-5,"list":[1,[2]]}' \
		>>"$out" 2>&1 &&
	node event export -o "$tmp/e.bin" >>"$out" 2>&1; then
	ok "a node with four events (one a roster event) exports them"
else
	not_ok "a node with four events (one a roster event) exports them"
	echo "$passed passed, $failed failed"
	exit 1
fi

step "verify.py accepts the export" \
	"$PYTHON" "$VERIFY" export "$tmp/e.bin" testnet
cp "$out" "$tmp/verified"

# The ids verify.py computed, against the ids the node lists.
grep -E '^[0-9a-f]{64} ' "$tmp/verified" | cut -d ' ' -f 1 | sort >"$tmp/ids.py"
if node log --json >"$tmp/log.json" 2>"$out" &&
	"$PYTHON" -c '
import json, sys
for e in json.load(open(sys.argv[1])):
    print(e["id"])
' "$tmp/log.json" | sort >"$tmp/ids.log" 2>>"$out" &&
	[ "$(wc -l <"$tmp/ids.log")" -eq 4 ] &&
	cmp "$tmp/ids.py" "$tmp/ids.log" >>"$out" 2>&1; then
	ok "verify.py reads the same four ids as gridcase log --json"
else
	{
		echo "verify.py:"
		cat "$tmp/ids.py"
		echo "gridcase log --json:"
		cat "$tmp/ids.log"
	} >>"$out"
	not_ok "verify.py reads the same four ids as gridcase log --json"
fi

if grep -qx '4 events verified, 0 failed' "$tmp/verified"; then
	ok "verify.py counts four events"
else
	cp "$tmp/verified" "$out"
	not_ok "verify.py counts four events"
fi

# The events follow one another (prev, and deps on the roster event,
# which the export writes last when the admin's key sorts after the
# node's): all four must join a feed, none refused or left waiting.
if grep -q '^admission: 4 in feeds, 0 fork versions, 0 evidence, 0 refused, 0 waiting;' \
	"$tmp/verified"; then
	ok "verify.py admits the four events (§5a rules 1-7)"
else
	cp "$tmp/verified" "$out"
	not_ok "verify.py admits the four events (§5a rules 1-7)"
fi

# The stream ends with the last envelope's 64-byte signature; flip a bit
# of its R half in a copy.
cp "$tmp/e.bin" "$tmp/bad.bin"
"$PYTHON" -c '
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[-40] ^= 0x01
open(p, "wb").write(bytes(b))
' "$tmp/bad.bin"
if "$PYTHON" "$VERIFY" export "$tmp/bad.bin" testnet >"$out" 2>&1; then
	not_ok "verify.py refuses a flipped signature bit"
elif grep -q '^FAIL envelope 3 at byte [0-9]*: ERR_BADSIG' "$out" &&
	grep -qx '3 events verified, 1 failed' "$out"; then
	ok "verify.py refuses a flipped signature bit"
else
	not_ok "verify.py refuses a flipped signature bit"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]

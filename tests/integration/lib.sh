# lib.sh - a small harness for the shell integration tests (git's t/ in
# miniature).  Source it, call the checks, end with `finish`.
#
#   check NAME CMD...          CMD must exit 0
#   check_exit CODE NAME CMD... CMD must exit with CODE
#   check_out NAME PATTERN CMD...  CMD exits 0 and its stdout+stderr
#                              contains PATTERN (grep -E)
#   check_err CODE NAME PATTERN CMD...  exits CODE, output matches
#
# $GRIDCASE is the binary under test; $T a fresh directory removed at the
# end; TEST_VERBOSE=1 shows every command's output.

: "${GRIDCASE:=$(pwd)/build-san/gridcase}"
G="$GRIDCASE"
T=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-it-XXXXXX")
trap 'rm -rf "$T"' EXIT
PASSED=0
FAILED=0
OUT="$T/.out"

pass() {
	PASSED=$((PASSED + 1))
	[ "${TEST_VERBOSE:-}" = 1 ] && echo "ok: $1"
	return 0
}

fail() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $1"
	sed 's/^/    | /' "$OUT" | head -n 30
	return 0
}

check() {
	name=$1
	shift
	if "$@" >"$OUT" 2>&1; then pass "$name"; else fail "$name (exit $?)"; fi
}

check_exit() {
	code=$1
	name=$2
	shift 2
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" -eq "$code" ]; then pass "$name"; else fail "$name (exit $rc, expected $code)"; fi
}

check_out() {
	name=$1
	pattern=$2
	shift 2
	if "$@" >"$OUT" 2>&1 && grep -Eq -- "$pattern" "$OUT"; then
		pass "$name"
	else
		fail "$name (wanted /$pattern/)"
	fi
}

check_err() {
	code=$1
	name=$2
	pattern=$3
	shift 3
	"$@" >"$OUT" 2>&1
	rc=$?
	if [ "$rc" -eq "$code" ] && grep -Eq -- "$pattern" "$OUT"; then
		pass "$name"
	else
		fail "$name (exit $rc, expected $code and /$pattern/)"
	fi
}

# The district's admin key: $T/admin.key, public half in $ADMIN.
admin_setup() {
	ADMIN=$("$G" admin keygen "$T/admin.key") || return 1
}

# node_key DIR: the public key of the node in DIR.
node_key() {
	"$G" --dir "$1" status --json | json_field key
}

# enrol ROSTER_DIR DIR NAME UNIT ROLES: the admin adds the key of the node
# in DIR to the roster kept in ROSTER_DIR.
enrol() {
	"$G" --dir "$1" roster add "$(node_key "$2")" --admin-key "$T/admin.key" \
		--name "$3" --unit "$4" --roles "$5" > /dev/null
}

# intake ROSTER_DIR DIR [ADMIN_KEYFILE]: the node in DIR gets its intake
# desk's key, DIR/intake.key (the key Open311 reports are signed with,
# docs/open311.md), which the admin ($T/admin.key unless named) adds to
# the roster kept in ROSTER_DIR as "<DIR's last part>-intake", unit
# hotline, with the operator role.  `case report` on DIR signs with it,
# so that the node's own key may register what DIR takes in: one key may
# not both report and register (docs/workflow.md §3).  Its public half
# in $INTAKE.
intake() {
	INTAKE=$("$G" keygen "$2/intake.key") || return 1
	"$G" --dir "$1" roster add "$INTAKE" --admin-key "${3:-$T/admin.key}" \
		--name "${2##*/}-intake" --unit hotline --roles operator > /dev/null
}

# centre_setup DIR: the district's admin key ($ADMIN, $T/admin.key) and
# a centre node in DIR (network xuhui, county 310104) that the admin
# enrols as its operator, shift lead and dispatcher.
centre_setup() {
	admin_setup &&
		"$G" --dir "$1" init --network xuhui --name centre --county 310104 \
			--admin "$ADMIN" > /dev/null &&
		enrol "$1" "$1" centre centre operator,shift_lead,dispatcher
}

# member_key DIR FILE NAME UNIT ROLES: a member with a key of its own,
# $T/FILE.key (its public half in $T/FILE.pub), in DIR's roster.
member_key() {
	"$G" --dir "$1" keygen "$T/$2.key" > "$T/$2.pub" &&
		"$G" --dir "$1" roster add "$(cat "$T/$2.pub")" --admin-key "$T/admin.key" \
			--name "$3" --unit "$4" --roles "$5" > /dev/null
}

# share_roster FROM TO: the roster's events travel from one node to another.
share_roster() {
	"$G" --dir "$1" event export --case roster 2>/dev/null |
		"$G" --dir "$2" event import - > /dev/null
}

# The value of a top-level string field in one-line JSON.
json_field() {
	sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

digest() {
	"$G" --dir "$1" status --json | json_field digest
}

finish() {
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
}

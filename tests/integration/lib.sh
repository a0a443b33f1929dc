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

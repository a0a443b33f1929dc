# progress.sh - long work draws a progress bar on stderr when stderr is a
# terminal (faked with script(1)), with its count, rate and time left or
# taken, and nothing when it is not: import, verify, reindex.

# district() sets KEY_x and PORT_x with eval.
# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

if ! command -v script > /dev/null 2>&1; then
	echo "script(1) is not installed: skipped"
	finish
	exit
fi

check "a district of two nodes" district a b
check_out "a writes 5,000 events" "^5000 events" "$GRIDCASE_TOOLS/make_events" "$T/a" 5000
check "a exports them" "$G" --dir "$T/a" event export -o "$T/all.events"

# on_tty CMD: runs the command with a terminal for its stdin, stdout and
# stderr; the terminal's text goes to stdout.
on_tty() {
	script -qec "$*" /dev/null
}

check_out "import on a terminal: a bar to 100 % with the count" \
	'import  \[#{20}\] 100%  5,00[0-9]/5,00[0-9]  [0-9,]+/s' \
	on_tty "'$G' --dir '$T/b' event import '$T/all.events'"
check_out "verify on a terminal: a bar to 100 %" \
	'verify  \[#{20}\] 100%  5,0[0-9][0-9]/5,0[0-9][0-9]  [0-9,]+/s' \
	on_tty "'$G' --dir '$T/b' verify"
check_out "reindex on a terminal: a bar of the cases folded" \
	'fold  \[#{20}\] 100%  5[0-9]/5[0-9]' \
	on_tty "'$G' --dir '$T/b' reindex"

# Not a terminal: stderr to a file.
"$G" --dir "$T/a" verify > "$T/v.out" 2> "$T/v.err"
check "verify to a file: it succeeds" test -s "$T/v.out"
check "and writes no bar" sh -c "! grep -q '\[#' '$T/v.err' '$T/v.out'"
check "and no carriage return" sh -c "! grep -q \"\$(printf '\\r')\" '$T/v.err'"
"$G" --dir "$T/a" reindex 2> "$T/r.err" > /dev/null
check "reindex to a file writes nothing on stderr" test ! -s "$T/r.err"
"$G" --dir "$T/a" event import "$T/all.events" 2> "$T/i.err" > /dev/null
check "import to a file writes nothing on stderr" test ! -s "$T/i.err"
finish

# repl_erase.sh - a blob's erasure is a signed event of the roster that
# every node honours (docs/workflow.md §3): real daemons on loopback, a
# caller's phone number on two nodes, erased by the admin on one; the
# other drops it, a node that comes later never gets it, every event
# still verifies, and the logs converge.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

check "a district of three nodes" district a b c
on() {
	on_n=$1
	shift
	"$G" --dir "$T/$on_n" "$@"
}
check_out "a hotline report with the caller's number on a" '^[0-9]{8}-' \
	on a case report --class event:06010 --grid 310104007001001 --where "Lane 5" \
	--desc garbage --source hotline --caller 13800138000
CASE=$(grep -E '^[0-9]{8}-' "$OUT")
on a case show "$CASE" --json > "$T/case.json"
CALLER=$(sed -n 's/.*"caller":"\([0-9a-f]*\)".*/\1/p' "$T/case.json" | head -n 1)
check "the case names the caller's blob" test -n "$CALLER"
check "a's daemon starts" start_daemon a --peer b --interval 300
check "b's daemon starts" start_daemon b --peer a --interval 300
has_number() { # NODE: NODE serves the caller's number
	on "$1" blob get "$CALLER" 2>/dev/null | grep -q '^13800138000$'
}
check "b gets the caller's number" wait_until 20 has_number b
check_err 2 "an erasure needs the admin key" "admin-key" on a blob erase "$CALLER"
check_err 1 "a node's own key cannot sign one" "only admin keys|cannot read" \
	on a blob erase "$CALLER" --admin-key "$T/a/node.key"
check_out "the admin erases it on a" "erased" \
	on a blob erase "$CALLER" --admin-key "$T/admin.key" --reason "the caller asked (PIPL art. 47)"
check_err 1 "a no longer has it, and says when" "erased on" on a blob get "$CALLER"
erased_on() { # NODE
	on "$1" blob get "$CALLER" 2>&1 | grep -q "erased on"
}
check "b honours the erasure" wait_until 20 erased_on b
check "no file on b holds the number" sh -c "! grep -rq 13800138000 '$T/b/blobs'"
check_err 1 "b refuses the number if it is offered again" "erased" \
	sh -c "printf 13800138000 | '$G' --dir '$T/b' blob add -"
check "c's daemon starts, after the erasure, with b as its peer" \
	start_daemon c --peer b --interval 300
check "the three converge, the erasure event included" wait_until 30 converged a b c
check "c never gets the number" erased_on c
check "no file on c holds it" sh -c "! grep -rq 13800138000 '$T/c/blobs' 2>/dev/null"
check_out "the roster does not list the erasure as a void change" "^" on c roster show
check "and says nothing of it" sh -c "! '$G' --dir '$T/c' roster show | grep -q 'void change'"
check_out "every event still verifies on c" "ok" on c verify
check_out "the case still shows on c, the caller's hash kept" "$CALLER" on c case show "$CASE" --json
finish

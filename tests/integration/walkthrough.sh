# walkthrough.sh - runs README.md's "A new admin's walkthrough", command
# for command: the ```sh blocks of that section, taken from README.md as
# they are, in one shell script, with gridcase the binary under test and
# the two addresses (tcp://10.0.0.1:7400, tcp://10.0.7.1:7400) made free
# ports on 127.0.0.1.  The install block (first line "# install") is
# `make deb-test`'s.  Then checks what the walkthrough promises: the case
# on both nodes, the old keys revoked, the new ones in force, no fork.

# repl_lib.inc sets PORT0 with pick_ports.
# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"
README=$(pwd)/README.md

check "two free ports" pick_ports 2
A0=tcp://127.0.0.1:$PORT0
A1=tcp://127.0.0.1:$((PORT0 + 1))

# The section's sh blocks, but the install block.
awk '
	/^## / { inside = ($0 == "## A new admin'"'"'s walkthrough") ; next }
	!inside { next }
	/^```sh$/ { block = 1; first = 1; skip = 0; next }
	/^```$/ { block = 0; next }
	block && first { first = 0; if ($0 ~ /^# install/) skip = 1 }
	block && !skip { print }
' "$README" > "$T/blocks.sh"
check "the walkthrough has its blocks" test "$(grep -c gridcase "$T/blocks.sh")" -gt 30
check "it backs up, restores and replaces keys" sh -c \
	"grep -q ' backup ' '$T/blocks.sh' && grep -q ' restore ' '$T/blocks.sh' &&
	 grep -q ' rekey ' '$T/blocks.sh' && grep -q 'roster replace' '$T/blocks.sh'"
sed -e "s|tcp://10.0.0.1:7400|$A0|g" -e "s|tcp://10.0.7.1:7400|$A1|g" \
	"$T/blocks.sh" > "$T/walk.body"
check "every address is rewritten" sh -c "! grep -q '10\.0\.' '$T/walk.body'"

mkdir -p "$T/bin" "$T/w"
ln -s "$G" "$T/bin/gridcase"
{
	echo 'set -e'
	echo 'set -x'
	cat "$T/walk.body"
	echo 'echo "CASE=$CASE" > case.env'
} > "$T/walk.sh"

# The daemons the walkthrough starts are stopped at the end, whatever
# happens (their pids are in *.pid).
walk_cleanup() {
	for wp in "$T"/w/*.pid; do
		[ -f "$wp" ] && DAEMONS="$DAEMONS $(cat "$wp")"
	done
	repl_cleanup
}
trap walk_cleanup EXIT

(cd "$T/w" && PATH="$T/bin:$PATH" timeout 300 sh "$T/walk.sh") > "$T/walk.out" 2>&1
rc=$?
cp "$T/walk.out" "$OUT"
if [ "$rc" -eq 0 ]; then pass "every command of the walkthrough succeeds"; else
	fail "every command of the walkthrough succeeds (exit $rc)"
	tail -n 30 "$T/walk.out"
fi
# shellcheck disable=SC1091
. "$T/w/case.env" 2>/dev/null
W=$T/w
check "a case id came out" test -n "${CASE:-}"
check_out "the office shows the case with its disposal, made after the backup" \
	"cover replaced" "$G" --dir "$W/office-07" case show "$CASE"
OLD_OFFICE=$(cat "$W/office-07.pub")
NEW_OFFICE=$(cat "$W/office-07.new.pub")
NEW_CENTRE=$(cat "$W/centre.new.pub")
OLD_CENTRE=$(cat "$W/centre.pub")
check_out "the office's old key is revoked" "$OLD_OFFICE .*REVOKED after seq" \
	"$G" --dir "$W/centre" roster show
check_out "the centre's old key is revoked" "$OLD_CENTRE .*REVOKED after seq" \
	"$G" --dir "$W/centre" roster show
check_out "the new keys are in force, with the old names" \
	"^$NEW_OFFICE  office-07 " "$G" --dir "$W/centre" roster show
check_out "the centre's too" "^$NEW_CENTRE  centre " "$G" --dir "$W/centre" roster show
no_fork() {
	"$G" --dir "$W/$1" status | grep -q '^forks *0 '
}
check "no fork on the centre" no_fork centre
check "no fork on the office" no_fork office-07
same() {
	[ "$(digest "$W/centre")" = "$(digest "$W/office-07")" ]
}
check "the two nodes converge" wait_until 20 same
check_out "the centre's daemon runs with its new key" "^daemon +running" \
	"$G" --dir "$W/centre" status
finish

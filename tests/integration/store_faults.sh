# store_faults.sh - a damaged data.mdb, as a failing disk or a careless
# copy leaves it, met by the real CLI: a truncated file is refused by
# every command with the file, what is wrong and what to do (and never a
# SIGBUS); bytes altered inside a case view or inside an event are named
# by `verify`, and `reindex` refuses to fold an event whose bytes no
# longer match its id.
. "$(dirname "$0")/lib.sh"

: "${GRIDCASE_TOOLS:=$(pwd)/build-san/tools}"
FLIP="$GRIDCASE_TOOLS/flip_bytes"
: "${GRIDCASE_DATA:=$(pwd)/data}"
export GRIDCASE_DATA

# hx TEXT: the bytes of TEXT in hex.
hx() {
	printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'
}

# A node with a case and some events (about 100 KiB of pages).
A="$T/a"
check "the district's admin key" admin_setup
check "a node" "$G" --dir "$A" init --network faults --name a --county 310104 --admin "$ADMIN"
check "enrolled with every role" enrol "$A" "$A" a centre supervisor,operator,shift_lead,dispatcher,disposal
check_out "a case is reported" '^[0-9]{8}-[0-9a-z]{8}$' \
	"$G" --dir "$A" case report --class event:01001 --grid 310104001002003 \
	--where "corner of north road" --desc "manhole cover missing"
CASE=$(cat "$OUT")
check "and accepted" "$G" --dir "$A" case accept "$CASE"
i=0
while [ "$i" -lt 40 ]; do
	"$G" --dir "$A" event add --case "notes-$i" --type note \
		--body "{\"text\":\"$(head -c 2000 /dev/zero | tr '\0' y)\"}" > /dev/null || break
	i=$((i + 1))
done
check "40 notes" test "$i" -eq 40
check_out "the store verifies" "ok$" "$G" --dir "$A" verify
cp -r "$A" "$T/good"

# restore: the node as it was before the damage.
restore() {
	rm -rf "$A" && cp -r "$T/good" "$A"
}

# ---- a truncated data.mdb ----
SIZE=$(wc -c < "$A/data.mdb")
check "data.mdb holds more than 20 pages" test "$SIZE" -gt 81920
truncate -s $((SIZE / 2)) "$A/data.mdb"
WHAT="store file '$A/data.mdb' is truncated: its last commit \(transaction [0-9]+\) uses $SIZE bytes .*, the file holds $((SIZE / 2)); restore the node directory from a backup, then run 'gridcase verify'"
# Every command that opens the store, with no arguments: the store is
# opened before a command reads its options.
"$G" help | sed -n 's/^  \([a-z0-9-]*\( [a-z0-9-]*\)\?\)  .*/\1/p' > "$T/commands"
check "the command list is read" test "$(wc -l < "$T/commands")" -gt 30
while read -r cmd; do
	case "$cmd" in
	help | init | keygen | "admin keygen" | restore | "audit verify") continue ;; # no store (restore makes one; a bundle is checked without one)
	esac
	# shellcheck disable=SC2086 # two-word commands are two words
	check_err 3 "'$cmd' refuses the truncated store: the file, what is wrong, what to do" \
		"^error: $WHAT" "$G" --dir "$A" $cmd
done < "$T/commands"
check_err 3 "the daemon too" "^error: $WHAT" "$G" --dir "$A" run --listen "ipc://$T/a.ipc"
check "the refusals left the file as it was" test "$(wc -c < "$A/data.mdb")" -eq $((SIZE / 2))
truncate -s 100 "$A/data.mdb"
check_err 3 "a file cut inside its first page is refused too" \
	"store file '$A/data.mdb' is truncated: 100 bytes, too short for LMDB's two meta pages" \
	"$G" --dir "$A" status
: > "$A/data.mdb"
check_err 3 "and an empty one (LMDB would make a new store of it)" "is truncated: 0 bytes" \
	"$G" --dir "$A" status
check "it was not made a new store" test "$(wc -c < "$A/data.mdb")" -eq 0
head -c 20000 /dev/urandom > "$A/data.mdb"
check_err 3 "a file that is not LMDB's is named as damaged" \
	"store file '$A/data.mdb' is damaged: no valid LMDB meta page at its start" \
	"$G" --dir "$A" verify
restore
check_out "the whole file again: it opens and verifies" "ok$" "$G" --dir "$A" verify

# ---- a case view altered on disk ----
# The view of the case counts its events: {"events": 2} in msgpack is
# a6 "events" 02, which only a view holds.  Make it 3.
check_out "the case's view says 2 events" '"events":2,' "$G" --dir "$A" case show "$CASE" --json
check "its count is altered in data.mdb" "$FLIP" "$A/data.mdb" "a6$(hx events)02" 7 1
check_out "the altered view is what case show reads" '"events":3,' "$G" --dir "$A" case show "$CASE" --json
check_err 1 "verify names the case whose view differs from a fresh fold" \
	"^case '$CASE': its view differs from a fresh fold of its events \(run 'gridcase reindex'\)" \
	"$G" --dir "$A" verify
check_out "and counts one problem" "^1 problems in" sh -c "'$G' --dir '$A' verify; true"
check_out "reindex folds it again" "folded [0-9]+ cases again" "$G" --dir "$A" reindex
check_out "after which it verifies" "ok$" "$G" --dir "$A" verify
check_out "and the view says 2 again" '"events":2,' "$G" --dir "$A" case show "$CASE" --json

# ---- an index row altered on disk ----
restore
# The view's keys: 'g' and the grid, in the index under len || key || case.
check "a grid index row is altered" "$FLIP" "$A/data.mdb" "10$(hx g310104001002003)$(hx "$CASE")" 16 1
check_err 1 "verify names the case whose index row is missing, and the stray row" \
	"case '$CASE': an index row of its view is missing" "$G" --dir "$A" verify
check_out "the stray row is named too" "case index: a row of case '.*' that its view does not name" \
	sh -c "'$G' --dir '$A' verify; true"

# ---- an event altered on disk ----
restore
# The report's body: ..."desc": "manhole cover missing", "grid"...; the
# view has "desc" followed by "dispatched_at", so only the event changes.
check_out "the report reads 'manhole'" "manhole cover missing" "$G" --dir "$A" case show "$CASE"
check "a letter of the event's desc is altered" "$FLIP" "$A/data.mdb" \
	"a4$(hx desc)b5$(hx "manhole cover missing")a4$(hx grid)" 6
ID=$("$G" --dir "$T/good" log --case "$CASE" --json |
	sed -n 's/.*"id":"\([0-9a-f]*\)"[^}]*"type":"report".*/\1/p')
check "the report's id is known" test -n "$ID"
check_err 1 "verify names the event whose id is not the hash of its bytes" \
	"^event $ID: id does not match the event bytes" "$G" --dir "$A" verify
check_out "and the case whose view cannot be checked" \
	"case '$CASE': event $ID does not match its id" sh -c "'$G' --dir '$A' verify; true"
D0=$(digest "$A")
check_err 1 "reindex refuses to fold it, naming the event and the case" \
	"cannot fold the cases again: event $ID of case '$CASE' does not match its id: its bytes changed on disk; no view was changed" \
	"$G" --dir "$A" reindex
check_out "the view still reads 'manhole'" "desc +manhole cover missing" "$G" --dir "$A" case show "$CASE"
check "and nothing else changed" test "$(digest "$A")" = "$D0"
finish

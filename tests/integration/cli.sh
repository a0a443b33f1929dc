# cli.sh - the gridcase command end to end: init, events, import/export,
# cases, status, verify, and every refusal leaving the store unchanged.
. "$(dirname "$0")/lib.sh"

A="$T/a"
B="$T/b"

# ---- init and the key ----
check "the district's admin key" admin_setup
check_out "init prints the public key" '^[0-9a-f]{64}$' \
	"$G" --dir "$A" init --network testnet --name centre --county 310104 --admin "$ADMIN"
check_out "the key file is mode 600" '^600$' stat -c %a "$A/node.key"
check_err 1 "init twice is refused" "already holds" \
	"$G" --dir "$A" init --network testnet --name centre --admin "$ADMIN"
check_err 2 "init without --name is a usage error" "required" \
	"$G" --dir "$T/x" init --network testnet --admin "$ADMIN"
check_err 2 "init without the admin key is a usage error" "required" \
	"$G" --dir "$T/x" init --network testnet --name x
check_err 2 "a bad county code is a usage error" "6 digits" \
	"$G" --dir "$T/x" init --network testnet --name x --county 31 --admin "$ADMIN"
check "a second node" "$G" --dir "$B" init --network testnet --name office --admin "$ADMIN"
check "the admin enrols the centre (the roster is kept on A)" \
	enrol "$A" "$A" centre centre supervisor,operator,shift_lead,dispatcher,disposal
check "and the office" enrol "$A" "$B" office office-1 disposal
check_err 1 "a key that is not an admin's cannot sign the roster" "no admin" \
	"$G" --dir "$A" roster add "$(node_key "$B")" --admin-key "$A/node.key" --name x --roles disposal
check_out "roster show lists the members" "office +office-1 +disposal" "$G" --dir "$A" roster show

# ---- the command table ----
for c in "case list" "case report" "case show" "event add" "event export" \
	"event import" help init log status verify; do
	# shellcheck disable=SC2086
	check_out "'$c --help' prints its usage" "^usage: gridcase $c" "$G" $c --help
done
check_err 2 "an unknown command is a usage error" "not a gridcase command" "$G" frobnicate
check_err 2 "a group without subcommand is a usage error" "needs a sub-command" "$G" case
check_err 3 "a missing store is named" "no gridcase store" "$G" --dir "$T/none" status
check_out "GRIDCASE_DIR selects the node" "node +centre" env GRIDCASE_DIR="$A" "$G" status

# ---- events ----
D0=$(digest "$A")
check_err 2 "bad JSON names line and column" "JSON line 1 column" \
	"$G" --dir "$A" event add --case c1 --type note --body '{"a":'
check_err 2 "a float in the body is refused" "only integers" \
	"$G" --dir "$A" event add --case c1 --type note --body '{"a":1.5}'
check_err 2 "a body that is not an object is refused" "must be a JSON object" \
	"$G" --dir "$A" event add --case c1 --type note --body '[1]'
check_err 2 "a duplicate key is refused" "twice" \
	"$G" --dir "$A" event add --case c1 --type note --body '{"a":1,"a":2}'
check_err 1 "a bad case id is refused" "invalid case id" \
	"$G" --dir "$A" event add --case 'c 1' --type note --body '{}'
check_err 2 "a bad type is refused" "invalid type" \
	"$G" --dir "$A" event add --case c1 --type Note --body '{}'
check_err 2 "a bad blob hash is refused" "not a hash" \
	"$G" --dir "$A" event add --case c1 --type note --body '{}' --blob abc
check "refusals left the store unchanged" test "$(digest "$A")" = "$D0"

check_out "event add prints the id" '^[0-9a-f]{64}$' \
	"$G" --dir "$A" event add --case c1 --type note --body '{"b":[1,-2,"x"],"a":{"z":null}}'
ID1=$(cat "$OUT")
check_out "the body is stored canonically (keys sorted)" '"a":\{"z":null\},"b":\[1,-2,"x"\]' \
	"$G" --dir "$A" log --case c1 --json --full
check_err 4 "steps on a case id never reported make no case" "kept as evidence" \
	"$G" --dir "$A" case show c1

# ---- cases ----
check_err 1 "an unknown class is refused" "not a class" \
	"$G" --dir "$A" case report --class event:99999 --grid 310104001002003 --where w --desc d
check_err 1 "a bad kind is refused" "component' or 'event" \
	"$G" --dir "$A" case report --class thing:01001 --grid 310104001002003 --where w --desc d
check_err 1 "a short grid id is refused" "15 digits" \
	"$G" --dir "$A" case report --class event:01001 --grid 3101040010 --where w --desc d
check_err 1 "a grid of another county is refused" "not in county 310104" \
	"$G" --dir "$A" case report --class event:01001 --grid 320104001002003 --where w --desc d
check_err 1 "an unknown source is refused" "must be one of" \
	"$G" --dir "$A" case report --class event:01001 --grid 310104001002003 --where w --desc d --source rumour
check_err 2 "a latitude out of range is refused" "from -90 to 90" \
	"$G" --dir "$A" case report --class event:01001 --grid 310104001002003 --where w --desc d --lat 91 --lon 1
check_err 2 "a latitude without longitude is refused" "together" \
	"$G" --dir "$A" case report --class event:01001 --grid 310104001002003 --where w --desc d --lat 31
D1=$(digest "$A")
check_out "case report prints the case id" '^[0-9]{8}-[0-9a-z]{8}$' \
	"$G" --dir "$A" case report --class event:01001 --grid 310104001002003 \
	--where "No. 1 Tianyaoqiao Road" --desc "manhole cover missing" --lat 31.19 --lon 121.43
CASE1=$(cat "$OUT")
check "the report changed the digest" test "$(digest "$A")" != "$D1"
check_out "case report takes a source" '^[0-9]{8}-' \
	"$G" --dir "$A" case report --class component:01001 --grid 310104001002003 \
	--where "Caoxi Road" --desc "cover rattles" --source hotline
check_out "case show prints the state and the signed history" "report .* by centre \([0-9a-f]{8}\)  seq 2 " "$G" --dir "$A" case show "$CASE1"
check_out "case show --json carries the body" '"position":\[31190000,121430000\]' "$G" --dir "$A" case show "$CASE1" --json
check_err 4 "case show of an unknown case fails" "no case" "$G" --dir "$A" case show nosuchcase
check_out "case list shows the cases" "$CASE1 +reported +01001" "$G" --dir "$A" case list
check_out "case list --json" "\"case\":\"$CASE1\"" "$G" --dir "$A" case list --json
check_out "an empty --unit with --state lists the cases with no unit" "$CASE1 +reported" \
	"$G" --dir "$A" case list --state reported --unit ""
check_out "an empty --unit alone lists them too" "$CASE1 +reported" "$G" --dir "$A" case list --unit ""

# ---- log ----
KEY_A=$("$G" --dir "$A" status --json | json_field key)
check_out "log lists every event" "note +c1" "$G" --dir "$A" log
check_out "log --author filters" "report" "$G" --dir "$A" log --author "$KEY_A"
check_out "log --case filters" "^$(echo "$ID1" | cut -c1-16)" "$G" --dir "$A" log --case c1
check_err 2 "log --author with a bad key" "not a key" "$G" --dir "$A" log --author xyz

# ---- export and import ----
check "export to a file" "$G" --dir "$A" event export -o "$T/a.bin"
check_out "import into the other node (roster included)" "5 added" "$G" --dir "$B" event import "$T/a.bin"
check "both nodes have the same digest" test "$(digest "$A")" = "$(digest "$B")"
check_out "importing again adds nothing" "5 duplicates" "$G" --dir "$B" event import "$T/a.bin"
check_out "import reads stdin" "5 duplicates" sh -c "'$G' --dir '$B' event import - < '$T/a.bin'"
check "export of one case" "$G" --dir "$A" event export --case "$CASE1" -o "$T/case.bin"
check_out "the case export holds one event" "1 duplicates" "$G" --dir "$B" event import "$T/case.bin"

DB=$(digest "$B")
# A node of another district cannot take these events.
check "a node of another network" "$G" --dir "$T/c" init --network othernet --name c --admin "$ADMIN"
check_err 1 "events of another network are rejected" "wrong network" \
	"$G" --dir "$T/c" event import "$T/a.bin"
check_out "the other network's node is still empty" '"events":0' "$G" --dir "$T/c" status --json
# A flipped byte in the signature of the last event.
cp "$T/a.bin" "$T/bad.bin"
size=$(stat -c %s "$T/bad.bin")
printf '\001' | dd of="$T/bad.bin" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null
check "a fresh node for bad input" "$G" --dir "$T/d" init --network testnet --name d --admin "$ADMIN"
check_err 1 "a bad signature is rejected and named" "rejected event #4 .*bad signature" \
	"$G" --dir "$T/d" event import "$T/bad.bin"
# The refused event is the last of its author's; the others are in, or
# wait for it if they depend on it (which depends on the keys' order).
in_or_waiting() {
	st=$("$G" --dir "$T/d" status --json)
	ev=$(echo "$st" | sed -n 's/.*"events":\([0-9]*\),.*/\1/p')
	pe=$(echo "$st" | sed -n 's/.*"pending":\([0-9]*\),.*/\1/p')
	[ "$((ev + pe))" -eq 4 ] && [ "$ev" -ge 1 ]
}
check "the good events were still imported, or wait for the refused one" in_or_waiting
head -c $((size - 10)) "$T/a.bin" > "$T/short.bin"
check_err 1 "a truncated stream is named" "truncated|ends inside" \
	"$G" --dir "$T/d" event import "$T/short.bin"
printf 'not msgpack at all' > "$T/junk.bin"
check_err 1 "garbage is rejected" "rejected event #0" "$G" --dir "$T/d" event import "$T/junk.bin"
check_err 4 "a missing file is named" "cannot open" "$G" --dir "$T/d" event import "$T/nope.bin"
check "the receiving node is unchanged by bad input" test "$(digest "$B")" = "$DB"
check_out "verify passes after bad input" "ok" "$G" --dir "$T/d" verify

# ---- status and verify ----
check_out "status shows the summary" "seq 3 " "$G" --dir "$A" status
check_out "status names the authors from the roster" "^  centre +[0-9a-f]{16}  seq 3 " "$G" --dir "$A" status
check_out "status names the roster's author admin" "^  admin +[0-9a-f]{16}  seq 2 " "$G" --dir "$A" status
check_out "status --json counts (roster included; c1 is a ghost)" '"events":5,"authors":2,"cases":2,"ghost_cases":1' "$G" --dir "$A" status --json
check_out "verify passes" "verified 5 events" "$G" --dir "$A" verify
check_out "verify --json" '"ok":true' "$G" --dir "$A" verify --json

# ---- the key file must be private ----
chmod 644 "$A/node.key"
check_err 3 "a readable key file is refused" "wrong permissions 0644" \
	"$G" --dir "$A" event add --case c1 --type note --body '{}'
check_out "status works without the key" "key +key file .* has the wrong permissions" "$G" --dir "$A" status
chmod 600 "$A/node.key"

finish

#!/bin/sh
# demo.sh - `make demo`: gridcase at work, explained step by step.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
G="$top/gridcase"
export GRIDCASE_DATA="$top/data"
W=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-demo-XXXXXX")
trap 'rm -rf "$W"' EXIT

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
run() { printf '$ gridcase %s\n' "$*"; "$G" "$@"; }
runq() { printf '$ gridcase %s\n' "$*"; "$G" "$@" >/dev/null; } # id on stdout dropped
at() { # local time on Monday 2 March 2026 (UTC+8) for GRIDCASE_NOW
	h=${1%:*}
	export GRIDCASE_NOW="2026-03-02T$(printf '%02d' $((${h#0} - 8))):${1#*:}:00Z"
}
key_of() { "$G" --dir "$1" status --json | sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p'; }

step "1. A district centre and street office 7, each a node with its own LMDB store and Ed25519 key."
at 08:00
say "The district admin's key signs the roster (who belongs, with which roles); it stays off the nodes."
ADMIN=$(run admin keygen "$W/admin.key" | tail -n 1)
run --dir "$W/centre" init --network xuhui --name centre --county 310104 --admin "$ADMIN"
run --dir "$W/office7" init --network xuhui --name office-07 --county 310104 --admin "$ADMIN"
KC=$(key_of "$W/centre")
KO=$(key_of "$W/office7")
run --dir "$W/centre" roster add "$KC" --admin-key "$W/admin.key" --name centre --unit centre \
	--roles supervisor,operator,shift_lead,dispatcher
run --dir "$W/centre" roster add "$KO" --admin-key "$W/admin.key" --name office-07 --unit office-07 --roles disposal
run --dir "$W/centre" roster show
say "The centre loads the district's 102 unit grid cells (17 offices)."
run --dir "$W/centre" grid import "$top/data/district/grid.geojson"
sync() { # from to: export the signed events of one node into the other
	rm -f "$W/x.events"
	"$G" --dir "$1" event export -o "$W/x.events" 2>/dev/null
	"$G" --dir "$2" event import "$W/x.events" | sed 's/^/   /'
}

step "2. 08:40 a supervisor reports exposed garbage by its position; the grid places it (class event:06010)."
at 08:40
C1=$("$G" --dir "$W/centre" case report --class event:06010 --lat 31.170 --lon 121.409 \
	--where "No. 88 Caoxi Road" --desc "exposed garbage by the bus stop" --by S-17)
echo "$ gridcase case report --class event:06010 --lat 31.170 --lon 121.409 ... -> $C1"

step "3. The centre accepts, registers (the 4-hour limit comes from config.json) and dispatches it."
at 08:50
runq --dir "$W/centre" case accept "$C1"
runq --dir "$W/centre" case register "$C1" --urgency normal
at 09:00
runq --dir "$W/centre" case dispatch "$C1" --unit office-07
say "A wrong step is refused, naming the state and what is allowed:"
run --dir "$W/centre" case close "$C1" || true
at 11:00
run --dir "$W/centre" case list

step "4. The office receives the roster and the dispatch (here by file; 'gridcase run' replicates over the network)."
sync "$W/centre" "$W/office7"
at 10:00
runq --dir "$W/office7" case dispose "$C1" --notes "swept and bagged" --by Wang
at 10:30
runq --dir "$W/office7" case feedback "$C1" --notes "area clean" --by Wang
sync "$W/office7" "$W/centre"
at 11:00
runq --dir "$W/centre" case verify-pass "$C1" --by S-17
at 11:10
runq --dir "$W/centre" case close "$C1"
say "The whole life of the case, state first, then its signed history:"
run --dir "$W/centre" case show "$C1"

step "5. A conflict: offline, the office finishes a second case while the centre cancels it as a duplicate."
at 13:00
C2=$("$G" --dir "$W/centre" case report --class event:06012 --grid 310104007001003 \
	--where "Lane 12 Tianlin Road" --desc "road not clean" --by S-03)
echo "$ gridcase case report --class event:06012 --grid 310104007001003 ... -> $C2"
runq --dir "$W/centre" case accept "$C2"
runq --dir "$W/centre" case register "$C2" --urgency normal
runq --dir "$W/centre" case dispatch "$C2" --unit office-07
sync "$W/centre" "$W/office7"
at 14:00
say "(the network is down)"
runq --dir "$W/office7" case feedback "$C2" --notes "cleaned" --by Li
runq --dir "$W/centre" case cancel "$C2" --reason "duplicate of an older report"
say "(the network is back)"
sync "$W/office7" "$W/centre"
sync "$W/centre" "$W/office7"
say "Both nodes replay the same events to the same state and the same conflict record:"
run --dir "$W/office7" conflicts
CID=$("$G" --dir "$W/centre" conflicts --case "$C2" --json | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
say "The shift lead resolves it with an event that names both conflicting events:"
at 14:30
runq --dir "$W/centre" case resolve "$C2" --conflict "$CID"
sync "$W/centre" "$W/office7"
run --dir "$W/office7" conflicts --all
say "The office's work is kept on the cancelled case:"
"$G" --dir "$W/office7" case show "$C2" | grep -E "^case|disposal work"

step "6. A tampered event file is refused, and changes nothing."
"$G" --dir "$W/centre" event export -o "$W/centre.events" 2>/dev/null
cp "$W/centre.events" "$W/tampered.events"
size=$(wc -c < "$W/tampered.events")
printf 'X' | dd of="$W/tampered.events" bs=1 seek=$((size - 120)) conv=notrunc 2>/dev/null
run --dir "$W/office7" event import "$W/tampered.events" || echo "   (refused, exit status $?)"

step "7. Same events, same digest: the two logs, case states included, have converged."
dc=$("$G" --dir "$W/centre" status | sed -n 's/^digest *//p')
do=$("$G" --dir "$W/office7" status | sed -n 's/^digest *//p')
echo "   centre     $dc"
echo "   office-07  $do"
[ "$dc" = "$do" ] && echo "   equal"
run --dir "$W/office7" verify

step "8. The evaluation of the day, by unit, computed from the signed events alone."
run --dir "$W/centre" eval --from 2026-03-02 --to 2026-03-03 --by unit
echo
echo "demo finished"

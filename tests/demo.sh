#!/bin/sh
# demo.sh - `make demo`: gridcase at work, explained step by step.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
G="$top/gridcase"
export GRIDCASE_DATA="$top/data"
W=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-demo-XXXXXX")
trap 'rm -rf "$W"' EXIT

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ gridcase %s\n' "$*"; "$G" "$@"; }

step "1. Create two nodes of the district network 'xuhui': the centre and street office 7."
echo "   Each gets an LMDB store and an Ed25519 key; init prints the public key."
run --dir "$W/centre" init --network xuhui --name centre --county 310104
run --dir "$W/office7" init --network xuhui --name office-7 --county 310104
echo "   Each node knows the other's key as a member of the district (who may do what)."
KC=$("$G" --dir "$W/centre" status --json | sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p')
KO=$("$G" --dir "$W/office7" status --json | sed -n 's/.*"key":"\([0-9a-f]*\)".*/\1/p')
run --dir "$W/office7" roles add "$KC" --name centre --roles supervisor,operator,shift_lead,dispatcher
run --dir "$W/centre" roles add "$KO" --name office-7 --roles disposal

step "2. Supervisors report three cases to the centre (class = kind:5-digit code, GB/T 47678.5-2026)."
C1=$(run --dir "$W/centre" case report --class event:01001 --grid 310104007001002 \
	--where "No. 88 Caoxi Road" --desc "water supply manhole cover missing" \
	--lat 31.1702 --lon 121.4402 | tail -n 1)
echo "$C1"
run --dir "$W/centre" case report --class event:01002 --grid 310104007001003 \
	--where "Lane 12 Tianlin Road" --desc "sewage cover broken" --source hotline
run --dir "$W/centre" case report --class component:01013 --grid 310104007002001 \
	--where "Guilin Park east gate" --desc "fire hydrant leaking" --source video

step "3. The centre's log: every change is a signed event (id, author, seq, time, type, case)."
run --dir "$W/centre" log

step "4. Office 7 is offline; the events travel as a signed export file and are imported."
echo "   Import checks encoding, id, signature, network and each author's chain."
run --dir "$W/centre" event export -o "$W/centre.events"
run --dir "$W/office7" event import "$W/centre.events"

step "5. Office 7 now holds the case's signed history, exactly as the centre signed it."
run --dir "$W/office7" case show "$C1"

step "6. A tampered file is refused, and changes nothing."
cp "$W/centre.events" "$W/tampered.events"
size=$(wc -c < "$W/tampered.events")
printf 'X' | dd of="$W/tampered.events" bs=1 seek=$((size - 80)) conv=notrunc 2>/dev/null
run --dir "$W/office7" event import "$W/tampered.events" || echo "   (refused, exit status $?)"

step "7. Both nodes print the same digest of the log: same events, same digest."
dc=$("$G" --dir "$W/centre" status | sed -n 's/^digest *//p')
do=$("$G" --dir "$W/office7" status | sed -n 's/^digest *//p')
echo "   centre    $dc"
echo "   office-7  $do"
[ "$dc" = "$do" ] && echo "   equal: the two logs have converged"
run --dir "$W/office7" status

step "8. gridcase verify re-checks every record (signatures, chains, indexes, summary)."
run --dir "$W/office7" verify
echo
echo "demo finished"

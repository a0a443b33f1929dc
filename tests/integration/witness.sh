# witness.sh - witnessed time (docs/audit.md §4) on real daemons: each
# node signs checkpoints of what it holds, its peers countersign them once
# they hold the same events, and the evaluation flags an event whose
# claimed time is far before its first witness (an office that set its
# clock back, or worked cut off for days), and not the honest ones.

# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

ago() { # N: N days ago, ISO UTC
	date -u -d "$1 days ago" +%Y-%m-%dT%H:%M:%SZ
}
GRIDCASE_NOW=$(ago 3)
export GRIDCASE_NOW
check "a district of the centre and two offices, three days ago" district centre o01 o02
unset GRIDCASE_NOW
for n in centre o01 o02; do
	sed -i "s/\"checkpoint_interval_ms\": 600000/\"checkpoint_interval_ms\": 1000/" \
		"$T/$n/config.json"
	"$G" --dir "$T/$n" grid import data/district/grid.geojson > /dev/null ||
		echo "grid import on $n failed"
done
check "the nodes sign a checkpoint every second" grep -q '"checkpoint_interval_ms": 1000' "$T/o01/config.json"

# o02, before it connects, reports a case dated two days back.
late=$(GRIDCASE_NOW=$(ago 2) "$G" --dir "$T/o02" case report --class event:06010 \
	--grid 310104002001001 --where here --desc backdated 2>/dev/null)
check "o02 reports a case dated two days ago" test -n "$late"
honest=$("$G" --dir "$T/centre" case report --class event:06010 \
	--grid 310104001001001 --where here --desc now 2>/dev/null)
check "the centre reports one now" test -n "$honest"

check "the centre's daemon starts" start_daemon centre --interval 200
check "o01's daemon starts" start_daemon o01 --peer centre --interval 200
check "o02's daemon starts" start_daemon o02 --peer centre --interval 200

late_id=$("$G" --dir "$T/o02" log --json | tr '{' '\n' | grep "\"case\":\"$late\"" | json_field id)
honest_id=$("$G" --dir "$T/centre" log --json | tr '{' '\n' | grep "\"case\":\"$honest\"" | json_field id)
from=$(date -u -d '4 days ago' +%Y-%m-%d)
to=$(date -u -d '2 days' +%Y-%m-%d)
flagged() { # NODE ID: NODE's evaluation flags the event
	"$G" --dir "$T/$1" eval --from "$from" --to "$to" | grep -q "^  ${2%${2#????????????????}} claimed"
}
check "checkpoints are signed and countersigned" wait_until 60 sh -c \
	"'$G' --dir '$T/centre' log | grep -q ' checkpoint.witness '"
check "the centre flags o02's backdated report" wait_until 60 flagged centre "$late_id"
"$G" --dir "$T/centre" eval --from "$from" --to "$to" > "$T/eval.out"
check_out "the flag gives both times" \
	"backdated: [0-9]+ events claim a time more than 60 min before their first witness" \
	cat "$T/eval.out"
check "and not the centre's honest report" sh -c "! grep -q '^  ${honest_id%${honest_id#????????????????}} claimed' '$T/eval.out'"
check "o01 flags it too" wait_until 60 flagged o01 "$late_id"

# ---- the audit of the case shows both times (docs/audit.md §4, §5) ----
check "the backdated case's audit bundle" \
	"$G" --dir "$T/centre" audit export --case "$late" -o "$T/late.bundle"
"$G" audit verify "$T/late.bundle" --admin "$ADMIN" > "$T/late.out" 2>&1
claimed=$(date -u -d "@$(($(date +%s) - 2 * 86400 + 8 * 3600))" +%Y-%m-%d)
check_out "its timeline: claimed two days ago, witnessed by a countersigned checkpoint" \
	"^$claimed [0-9:]{5}  [0-9-]{10} [0-9:]{5}  report .* ${late_id%${late_id#????????????????}} by checkpoint [0-9a-f]{16}, countersigned by [a-z0-9]+$" \
	cat "$T/late.out"
check "and the witness is not the claimed day" \
	sh -c "! grep -q '^$claimed [0-9:]*  $claimed ' '$T/late.out'"
"$GRIDCASE_TOOLS/tamper_bundle" "$T/late.bundle" "$T/wproof.bundle" wproof 0
check_err 1 "a witness proof that does not hold is named" \
	"the proof that event #1 \([0-9a-f]{16}\) is in witnessed checkpoint #1 does not hold" \
	"$G" audit verify "$T/wproof.bundle"
PY=${PYTHON:-python3}
if command -v "$PY" > /dev/null 2>&1; then
	check_out "an independent reader checks the witnesses and their proofs" \
		"^witnesses: [1-9][0-9]* countersigned checkpoints, [1-9][0-9]* inclusion proofs hold; 1 of 1 events witnessed, 0 claim a time after" \
		"$PY" tests/interop/audit_verify.py bundle "$T/late.bundle" "$ADMIN"
	check_err 1 "and names the one that does not hold" "witness proof #1 \(event #1\) does not hold" \
		"$PY" tests/interop/audit_verify.py bundle "$T/wproof.bundle" "$ADMIN"
fi
check_out "checkpoints are records, not cases" "^[0-9]+ cases" "$G" --dir "$T/centre" case list
check "no checkpoint case is listed" sh -c "! grep -q period-witness '$OUT'"

for n in centre o01 o02; do
	check "$n's daemon stops" stop_daemon "$n"
done
check "no daemon refused an event" clean_logs centre o01 o02
finish

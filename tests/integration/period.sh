# period.sh - frozen monthly reports (docs/audit.md §3) on real daemons:
# a closed month does not move when a cut-off office's late event arrives,
# the late event shows as a correction in the next month, every node that
# holds the checkpoint's events reproduces the report byte for byte, and
# the rules of closing (after the month, a shift lead, once unless
# superseded with a reason) hold.

# shellcheck disable=SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

# The roster is made in February; the daemons run on the machine's clock
# (later than March 2026, so no March event is early); each command runs
# at the time it names.
export GRIDCASE_NOW=2026-02-01T00:00:00Z
check "a district of the centre and two offices" district centre o01 o02
check "the centre's intake desk reports, its own key registers" district_intake centre
unset GRIDCASE_NOW
for n in centre o01 o02; do
	"$G" --dir "$T/$n" grid import data/district/grid.geojson > /dev/null ||
		echo "grid import on $n failed"
done
check "the centre's daemon starts" start_daemon centre --interval 200
check "o01's daemon starts" start_daemon o01 --peer centre --interval 200
check "o02's daemon starts" start_daemon o02 --peer centre --interval 200

at() { # ISO-TIME NODE ARGS...: a command on NODE at that time
	at_t=$1
	at_n=$2
	shift 2
	GRIDCASE_NOW=$at_t "$G" --dir "$T/$at_n" "$@"
}
report() { # ISO-TIME NODE GRID
	at "$1" "$2" case report --class event:06010 --grid "$3" --where here \
		--desc "a heap of rubbish" 2>/dev/null
}

# March 2026 (UTC+8): the centre and both offices report; the centre
# takes the cases in and sends them out.
c1=$(report 2026-03-02T01:00:00Z centre 310104001001001)
c2=$(report 2026-03-03T01:00:00Z o01 310104001001001)
c3=$(report 2026-03-04T01:00:00Z o02 310104002001001)
for c in $c1 $c2 $c3; do
	echo "$c" >> "$T/cases"
done
check "three cases reported in March" test "$(wc -l < "$T/cases")" -eq 3
check "the centre holds all three" wait_until 20 sh -c \
	"[ \"\$('$G' --dir '$T/centre' case list --json | grep -o '\"case\":' | wc -l)\" -eq 3 ]"
for c in $c1 $c2 $c3; do
	at 2026-03-05T01:00:00Z centre case accept "$c" > /dev/null &&
		at 2026-03-05T01:05:00Z centre case register "$c" --urgency normal > /dev/null &&
		at 2026-03-05T01:10:00Z centre case dispatch "$c" --unit o01 > /dev/null ||
		echo "intake of $c failed"
done
check "o01 feeds back its first case" wait_until 20 sh -c \
	"GRIDCASE_NOW=2026-03-05T03:00:00Z '$G' --dir '$T/o01' case feedback '$c1' --notes done"
check "o02 holds the centre's March" wait_until 20 sh -c \
	"[ \"\$('$G' --dir '$T/o02' status --json | json_field digest)\" = \"\$('$G' --dir '$T/centre' status --json | json_field digest)\" ]"

# o02 is cut off (its daemon stops) and keeps working: a report on 30
# March that nobody else sees before the month is closed.
check "o02 is cut off" stop_daemon o02
late=$(report 2026-03-30T02:00:00Z o02 310104002001001)
check "o02 reports a case on 30 March while cut off" test -n "$late"

# ---- closing ----
check_err 1 "the month cannot be closed before it ends (local time)" \
	"2026-03 has not ended: it ends at 2026-04-01 00:00 local time" \
	at 2026-03-31T15:59:00Z centre eval close --month 2026-03
"$G" --dir "$T/centre" keygen "$T/sup.key" > "$T/sup.pub"
at 2026-03-31T10:00:00Z centre roster add "$(cat "$T/sup.pub")" --admin-key "$T/admin.key" \
	--name sup --unit supervision --roles supervisor > /dev/null
check_err 1 "only a shift lead may close a month" "only a shift lead .* no shift lead" \
	env GRIDCASE_NOW=2026-04-01T02:00:00Z "$G" --dir "$T/centre" --key "$T/sup.key" eval close --month 2026-03
"$G" --dir "$T/centre" keygen "$T/stranger.key" > /dev/null
check_err 1 "a key outside the roster may not close a month" "not in the roster" \
	env GRIDCASE_NOW=2026-04-01T02:00:00Z "$G" --dir "$T/centre" --key "$T/stranger.key" eval close --month 2026-03
check_out "the centre closes March" "closed 2026-03: report [0-9a-f]{64}" \
	at 2026-04-01T02:00:00Z centre eval close --month 2026-03
cp "$OUT" "$T/closed"
report_id=$(sed -n 's/^closed 2026-03: report \([0-9a-f]*\),.*/\1/p' "$T/closed")
check_out "the checkpoint names its event count and tree head" \
	"checkpoint: [0-9]+ events, tree head [0-9a-f]{64}" cat "$T/closed"
check_err 1 "a second close is refused" "closed already .*supersede it, with a reason" \
	at 2026-04-01T03:00:00Z centre eval close --month 2026-03
check_err 2 "--supersede needs a reason" "needs a reason" \
	at 2026-04-01T03:00:00Z centre eval close --month 2026-03 --supersede ""
check_err 1 "a month not closed cannot be superseded" "not closed: nothing to supersede" \
	at 2026-05-01T03:00:00Z centre eval close --month 2026-04 --supersede "why"
check_err 2 "--month takes YYYY-MM" "not a month" \
	"$G" --dir "$T/centre" eval --month 2026-3
check_err 2 "--month and --from are exclusive" "not both" \
	"$G" --dir "$T/centre" eval --month 2026-03 --from 2026-03-01 --to 2026-04-01

"$G" --dir "$T/centre" eval --month 2026-03 --csv > "$T/frozen.csv" 2> "$T/frozen.note"
check_out "eval --month says the month is closed, naming the report" \
	"2026-03 is closed: the frozen report ${report_id%${report_id#????????????????}}" cat "$T/frozen.note"
check_out "the frozen figures count the centre's and o01's March reports" \
	'^"office-01",2,' cat "$T/frozen.csv"
check_out "eval check reproduces the report byte for byte" \
	"every figure recomputed from the checkpoint's events is the same, byte for byte" \
	"$G" --dir "$T/centre" eval check --month 2026-03
# Every indicator set is frozen too: right after the close (the centre
# holds nothing the checkpoint lacks) each equals the live one.
SETS="supervisor operator shift dispatcher unit grid community street district"
bad=""
for s in $SETS; do
	"$G" --dir "$T/centre" eval --month 2026-03 --by "$s" --csv > "$T/frozen-$s.csv" 2> "$T/frozen-$s.note"
	"$G" --dir "$T/centre" eval --from 2026-03-01 --to 2026-04-01 --by "$s" --csv > "$T/live-$s.csv"
	grep -q "2026-03 is closed: the frozen report" "$T/frozen-$s.note" &&
		cmp -s "$T/frozen-$s.csv" "$T/live-$s.csv" || bad="$bad $s"
done
check "every set of the closed month is printed from the report, equal to the live one at the close (wrong:$bad)" \
	test -z "$bad"
check_out "the frozen district row counts the three March reports" \
	'^"district","",3,3,' cat "$T/frozen-district.csv"
check_err 1 "--explain of a frozen set is refused" "2026-03 is closed: its report holds the figures" \
	"$G" --dir "$T/centre" eval --month 2026-03 --by unit --explain due
check_err 1 "eval check of a month not closed says so" "2026-02 is not closed" \
	"$G" --dir "$T/centre" eval check --month 2026-02

# ---- the late event arrives ----
check "o02 reconnects" start_daemon o02 --peer centre --interval 200
check "the centre receives o02's late March report" wait_until 30 sh -c \
	"'$G' --dir '$T/centre' case show '$late' > /dev/null 2>&1"
"$G" --dir "$T/centre" eval --month 2026-03 --csv > "$T/after.csv" 2>/dev/null
check "the closed month does not move: the same figures, byte for byte" \
	cmp "$T/frozen.csv" "$T/after.csv"
"$G" --dir "$T/centre" eval --from 2026-03-01 --to 2026-04-01 --csv > "$T/live.csv"
check "the live figures of March did move (the late report counts there)" \
	grep -q '^"office-02",2,' "$T/live.csv"
check "the frozen ones did not" grep -q '^"office-02",1,' "$T/after.csv"
bad=""
for s in $SETS; do
	"$G" --dir "$T/centre" eval --month 2026-03 --by "$s" --csv > "$T/after-$s.csv" 2>/dev/null
	cmp -s "$T/frozen-$s.csv" "$T/after-$s.csv" || bad="$bad $s"
done
check "no frozen set moves either (moved:$bad)" test -z "$bad"
"$G" --dir "$T/centre" eval --from 2026-03-01 --to 2026-04-01 --by district --csv > "$T/live-district2.csv"
check "while the live district row counts the late report" \
	grep -q '^"district","",4,' "$T/live-district2.csv"
check_out "eval check still reproduces the report from its checkpoint" \
	"reproduced 2026-03: report $report_id" \
	"$G" --dir "$T/centre" eval check --month 2026-03
check_out "April shows the late event as a correction to March" \
	"office-02 +reported +1 +2 +\\+1" \
	"$G" --dir "$T/centre" eval --month 2026-04
check_out "and in the district set, the count that moved" \
	"^district +reported +3 +4 +\\+1$" \
	"$G" --dir "$T/centre" eval --month 2026-04 --by district

# ---- another node reproduces it ----
check "the report reaches o01" wait_until 30 sh -c \
	"'$G' --dir '$T/o01' eval --month 2026-03 2>&1 | grep -q 'is closed'"
"$G" --dir "$T/o01" eval --month 2026-03 --csv > "$T/o01.csv" 2>/dev/null
check "o01 prints the same frozen figures" cmp "$T/frozen.csv" "$T/o01.csv"
"$G" --dir "$T/o01" eval --month 2026-03 --by street --csv > "$T/o01-street.csv" 2>/dev/null
check "and the same frozen sets" cmp "$T/frozen-street.csv" "$T/o01-street.csv"
check_out "o01 reproduces the centre's report from its own events" \
	"reproduced 2026-03: report $report_id" \
	"$G" --dir "$T/o01" eval check --month 2026-03
check_out "the report is no case: case list does not show it" "^4 cases" \
	"$G" --dir "$T/centre" case list

# ---- superseding ----
check_out "the centre supersedes March with a reason, counting the late event" \
	"supersedes $report_id: o02 was cut off" \
	at 2026-04-02T02:00:00Z centre eval close --month 2026-03 --supersede "o02 was cut off"
"$G" --dir "$T/centre" eval --month 2026-03 --csv > "$T/second.csv" 2>/dev/null
check "the new report counts o02's late case" grep -q '^"office-02",2,' "$T/second.csv"
check "and reproduces" "$G" --dir "$T/centre" eval check --month 2026-03

for n in centre o01 o02; do
	check "$n's daemon stops" stop_daemon "$n"
done
check "no daemon refused an event" clean_logs centre o01 o02
finish

# month.sh - a realistic month through the CLI on one node.
#
# March 2026 in the synthetic district (data/district): 45 supervisors and
# the hotline report about 260 cases over the 102 grid cells of 17 offices;
# the centre registers and dispatches, the offices dispose, supervisors
# verify, the centre closes.  Every action of the state table is taken,
# every exception included.  The script writes down what it scripted (the
# figures each case must add to its office) and checks `gridcase eval`
# against that independent tally, figure by figure.
. "$(dirname "$0")/lib.sh"

D="$T/centre"
EVIL=${GRIDCASE_TOOLS}/evil
PLAN="$T/plan"      # time|actor|command: the month, unsorted
EXPECT="$T/expect"  # office figure: what each case adds
: > "$PLAN"
: > "$EXPECT"

export GRIDCASE_NOW=2026-02-01T00:00:00Z # the roster predates the month
check "the district's admin key" admin_setup
check "init the centre" "$G" --dir "$D" init --network xuhui --name centre \
	--county 310104 --admin "$ADMIN"
check "the admin enrols the centre" enrol "$D" "$D" centre centre operator,shift_lead,dispatcher
check "and its intake desk, which takes the hotline's calls" intake "$D" "$D"
"$G" --dir "$D" keygen "$T/sup.key" > "$T/sup.pub"
check "the supervisors' key is a member" "$G" --dir "$D" roster add \
	"$(cat "$T/sup.pub")" --admin-key "$T/admin.key" --name supervisors \
	--unit supervision --roles supervisor
for o in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17; do
	"$G" --dir "$D" keygen "$T/o$o.key" > "$T/o$o.pub"
	"$G" --dir "$D" roster add "$(cat "$T/o$o.pub")" --admin-key "$T/admin.key" \
		--name "office-$o" --unit "office-$o" --roles disposal > /dev/null ||
		echo "roster add $o failed"
done
check_out "the district's grid imports" "imported 102 grid cells" \
	"$G" --dir "$D" grid import data/district/grid.geojson

# ---- the plan ----
# Local time is UTC+8; all times below are local working hours on the
# Monday-Thursday of March 2026, written as UTC for GRIDCASE_NOW.
utc() { # day HH:MM (local) -> ISO UTC
	_h=${2%:*}
	_m=${2#*:}
	printf '2026-03-%02dT%02d:%s:00Z' "$1" $((${_h#0} - 8)) "$_m"
}
# (sh has no local variables: the helpers use names of their own.)
plan() { # day time actor command...
	_when=$(utc "$1" "$2")
	_actor=$3
	shift 3
	echo "$_when|$_actor|$*" >> "$PLAN"
}
expect() { # office figures...
	_office=$1
	shift
	for _f in "$@"; do echo "office-$_office $_f" >> "$EXPECT"; done
}

DAYS="2 3 4 5 9 10 11 12 16 17 18 19 23 24 25 26"
# 16 cases a working day: every one of the 15 plans below on every day,
# every office and supervisor many times.  MONTH_CASES_PER_DAY=31 gives
# the busier month of about 500 cases (twice the time: the suite is the
# longest of make test, and its commands are what it costs).
PER_DAY=${MONTH_CASES_PER_DAY:-16}
i=0
for day in $DAYS; do
	next=$((day + 1))
	for slot in $(seq 1 "$PER_DAY"); do
		o=$(printf '%02d' $((i % 17 + 1)))
		w=$(printf '%02d' $(((i + 5) % 17 + 1)))  # a wrong office
		grid="3101040${o}00$((i % 2 + 1))00$((i % 3 + 1))"
		sup="S-$(printf '%02d' $((i % 45 + 1)))"
		p=$((i % 15))
		c="@$i"
		# Intake: every third case comes from the hotline and is
		# checked on site first; plan 8 is a call about nothing.
		if [ $p -eq 8 ]; then
			plan "$day" 08:35 intake case report --new "$i" --class event:06010 --grid "$grid" --where "hotline-$i" --desc "caller-$i" --source hotline --by OP-1
			plan "$day" 08:45 sup case check "$c" --found no --by "$sup"
			plan "$day" 08:50 centre case refuse "$c" --reason nothing-found
			expect "$o" reported
			i=$((i + 1))
			continue
		elif [ $((i % 3)) -eq 0 ]; then
			plan "$day" 08:35 intake case report --new "$i" --class event:06010 --grid "$grid" --where "hotline-$i" --desc "caller-$i" --source hotline --by OP-1
			plan "$day" 08:45 sup case check "$c" --found yes --by "$sup"
		else
			plan "$day" 08:35 sup case report --new "$i" --class event:06010 --grid "$grid" --where "patrol-$i" --desc "seen-$i" --by "$sup"
		fi
		expect "$o" reported
		case $p in
		7) # 不予立案
			plan "$day" 08:50 centre case refuse "$c" --reason not-city-business
			i=$((i + 1)); continue ;;
		11) # a duplicate of the previous case
			plan "$day" 08:50 centre case merge "$c" --into "@$((i - 1))"
			i=$((i + 1)); continue ;;
		esac
		plan "$day" 08:50 centre case accept "$c"
		plan "$day" 08:55 centre case register "$c" --urgency normal
		expect "$o" valid registered
		if [ $p -eq 9 ]; then # 作废 before dispatch
			plan "$day" 09:30 centre case cancel "$c" --reason duplicate-effort
			i=$((i + 1)); continue
		fi
		expect "$o" dispatched due
		case $p in
		0|12|13|14) # on time (12: amended, 13: a team, 14: a forged close)
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			[ $p -eq 12 ] && plan "$day" 09:10 centre case amend "$c" --field desc --value "amended-$i"
			[ $p -eq 13 ] && plan "$day" 09:20 "o$o" case assign "$c" --team team-1
			[ $p -eq 14 ] && plan "$day" 09:25 "o$o" forge "$c" close
			[ $p -eq 14 ] && plan "$day" 09:35 centre case resolve "$c" --conflict @conflict
			plan "$day" 10:00 "o$o" case dispose "$c" --notes working --by "W-$o"
			plan "$day" 11:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$day" 11:30 sup case verify-pass "$c" --by "$sup"
			plan "$day" 12:00 centre case close "$c"
			expect "$o" on_time closed ;;
		1) # late: fed back the next morning, due 14:30 today
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$next" 10:00 "o$o" case feedback "$c" --notes late --by "W-$o"
			plan "$next" 10:30 sup case verify-pass "$c" --by "$sup"
			plan "$next" 11:00 centre case close "$c"
			expect "$o" overdue closed ;;
		2) # 回退: the wrong office returns it
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$w"
			plan "$day" 09:30 "o$w" case return "$c" --reason not-our-street
			plan "$day" 09:40 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 11:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$day" 11:30 sup case verify-pass "$c" --by "$sup"
			plan "$day" 12:00 centre case close "$c"
			expect "$o" on_time closed returns ;;
		3) # 延期 approved: due moves to tomorrow 14:30
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 10:00 "o$o" case postpone-request "$c" --extend 1d --reason waiting-for-parts
			plan "$day" 10:30 centre case postpone-approve "$c"
			plan "$next" 10:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$next" 10:30 sup case verify-pass "$c" --by "$sup"
			plan "$next" 11:00 centre case close "$c"
			expect "$o" on_time closed postponements ;;
		4) # 延期 denied: late
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 10:00 "o$o" case postpone-request "$c" --extend 1d --reason waiting-for-parts
			plan "$day" 10:30 centre case postpone-deny "$c" --reason not-justified
			plan "$next" 10:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$next" 10:30 sup case verify-pass "$c" --by "$sup"
			plan "$next" 11:00 centre case close "$c"
			expect "$o" overdue closed ;;
		5) # 挂账: 7.5 working hours stopped, due tomorrow 14:30
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 09:30 "o$o" case suspend-request "$c" --reason road-closed
			plan "$day" 10:00 centre case suspend-approve "$c"
			plan "$next" 10:00 centre case resume "$c"
			plan "$next" 11:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$next" 11:30 sup case verify-pass "$c" --by "$sup"
			plan "$next" 12:00 centre case close "$c"
			expect "$o" on_time closed suspensions ;;
		6) # 返工: verification fails once
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 10:00 "o$o" case feedback "$c" --notes first-try --by "W-$o"
			plan "$day" 10:30 sup case verify-fail "$c" --reason still-dirty --by "$sup"
			plan "$day" 11:30 "o$o" case feedback "$c" --notes second-try --by "W-$o"
			plan "$day" 12:00 sup case verify-pass "$c" --by "$sup"
			plan "$day" 13:45 centre case close "$c"
			expect "$o" on_time closed reworked ;;
		10) # closed, reopened on a new complaint, dispatched again
			plan "$day" 09:00 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 11:00 "o$o" case feedback "$c" --notes done --by "W-$o"
			plan "$day" 11:30 sup case verify-pass "$c" --by "$sup"
			plan "$day" 12:00 centre case close "$c"
			plan "$day" 15:00 centre case reopen "$c" --reason citizen-called-again
			plan "$day" 15:10 centre case dispatch "$c" --unit "office-$o"
			plan "$day" 16:00 "o$o" case feedback "$c" --notes done-again --by "W-$o"
			plan "$day" 16:30 sup case verify-pass "$c" --by "$sup"
			plan "$day" 17:00 centre case close "$c"
			expect "$o" on_time closed ;;
		esac
		i=$((i + 1))
	done
done
# The last day of the month: dispatched and still open at the month's end.
for k in 0 1 2 3 4; do
	o=$(printf '%02d' $((k + 1)))
	plan 31 08:35 sup case report --new "$i" --class event:06010 --grid "3101040${o}001001" --where "open-$i" --desc "open-$i" --by S-01
	plan 31 08:50 centre case accept "@$i"
	plan 31 08:55 centre case register "@$i" --urgency normal
	plan 31 09:00 centre case dispatch "@$i" --unit "office-$o"
	expect "$o" reported valid registered dispatched due overdue
	i=$((i + 1))
done
NCASES=$i

# ---- the month, in time order ----
keyfile() {
	case $1 in
	centre) echo "$D/node.key" ;;
	intake) echo "$D/intake.key" ;;
	sup) echo "$T/sup.key" ;;
	*) echo "$T/$1.key" ;;
	esac
}
resolve_ref() { # @N -> the case id reported as N
	case $1 in
	@conflict) "$G" --dir "$D" conflicts --case "$cur" --json | json_field id ;;
	@*) sed -n "s/^${1#@} //p" "$T/ids" ;;
	*) echo "$1" ;;
	esac
}
: > "$T/ids"
failures=0
sort -s -t'|' -k1,1 "$PLAN" > "$PLAN.sorted"
# About 2,000 commands: the leak check at each exit would double the
# suite's time, and cli.sh and workflow.sh leak-check the same commands.
# ASan and UBSan still watch every one; the checks below leak-check too.
asan_plain=$ASAN_OPTIONS
ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0"
# Progress, once a day of the month: the loop takes minutes.  To the file
# tests/run.sh names (it shows the lines while the other suites run),
# else to stderr.
progress() {
	if [ -n "${GRIDCASE_PROGRESS:-}" ]; then
		echo "$*" >> "$GRIDCASE_PROGRESS"
	else
		echo "$*" >&2
	fi
}
total=$(wc -l < "$PLAN.sorted")
done_n=0
last_day=""
month_start=$(date +%s)
while IFS='|' read -r when actor cmd; do
	done_n=$((done_n + 1))
	day=${when#*-*-}
	day=${day%%T*}
	if [ "$day" != "$last_day" ]; then
		last_day=$day
		progress "month: day $day of March, command $done_n of $total ($(( $(date +%s) - month_start ))s)"
	fi
	# shellcheck disable=SC2086
	set -- $cmd
	new=""
	args=""
	cur=""
	while [ $# -gt 0 ]; do
		case $1 in
		--new) new=$2; shift 2 ;;
		--conflict) args="$args --conflict $(resolve_ref @conflict)"; shift 2 ;;
		@*) cur=$(resolve_ref "$1"); args="$args $cur"; shift ;;
		*) args="$args $1"; shift ;;
		esac
	done
	case $args in
	" forge "*) # a step the key's roles do not allow: its own node
		# refuses to sign it, so it is signed outside and handed in
		set -- $args
		GRIDCASE_NOW="$when" "$EVIL" forge "$D" "$(keyfile "$actor")" \
			"$2" "$3" '{}' > "$T/forged" 2>"$T/err" &&
			out=$(GRIDCASE_NOW="$when" "$G" --dir "$D" event import "$T/forged" 2>>"$T/err")
		rc=$? ;;
	*)	# shellcheck disable=SC2086
		out=$(GRIDCASE_NOW="$when" "$G" --dir "$D" --key "$(keyfile "$actor")" $args 2>"$T/err")
		rc=$? ;;
	esac
	if [ $rc -ne 0 ]; then
		failures=$((failures + 1))
		[ $failures -le 5 ] && echo "at $when $actor:$args -> $(cat "$T/err")"
	fi
	[ -n "$new" ] && echo "$new $out" >> "$T/ids"
done < "$PLAN.sorted"
ASAN_OPTIONS=$asan_plain
check "every scripted action was accepted" test "$failures" -eq 0
check "every planned case was reported ($NCASES)" test "$(wc -l < "$T/ids")" -eq "$NCASES"

# ---- every event type of the workflow was used ----
"$G" --dir "$D" log --json | tr '{' '\n' | sed -n 's/.*"type":"\([^"]*\)".*/\1/p' | sort -u > "$T/types"
for ty in report check accept refuse register dispatch assign return dispose \
	feedback postpone-request postpone-approve postpone-deny suspend-request \
	suspend-approve resume verify-pass verify-fail close cancel reopen merge \
	amend resolve; do
	check "the month used '$ty'" grep -qx -- "$ty" "$T/types"
done

# ---- deadlines fall in working hours ----
# A case dispatched Monday 2 March 09:00 with a 4 h limit is due 14:30.
first=$(sed -n 's/^1 //p' "$T/ids")
check_out "a 4 h limit from 09:00 is due at 14:30 local" '"due":"2026-03-0[0-9]T06:30:00Z"' \
	"$G" --dir "$D" case show "$first" --json
susp=$(sed -n 's/^5 //p' "$T/ids")
check_out "a suspension moves the due time to the next day's 14:30" '"due":"2026-03-03T06:30:00Z"' \
	"$G" --dir "$D" case show "$susp" --json
check_out "the postponed case is due a working day later" '"due":"2026-03-03T06:30:00Z"' \
	"$G" --dir "$D" case show "$(sed -n 's/^3 //p' "$T/ids")" --json

# ---- the evaluation against the scripted tally ----
"$G" --dir "$D" eval --from 2026-03-01 --to 2026-04-01 --by office --csv > "$T/eval.csv"
check "eval --csv runs" test -s "$T/eval.csv"
awk -v expect="$EXPECT" '
BEGIN {
	while ((getline line < expect) > 0) {
		split(line, f, " ")
		want[f[1] "," f[2]]++
	}
	n = split("reported valid registered dispatched due on_time overdue closed reworked returns postponements suspensions", names, " ")
}
NR == 1 { next }
{
	split($0, v, ",")
	office = v[1]
	gsub(/"/, "", office)
	seen[office] = 1
	for (k = 1; k <= n; k++) {
		w = want[office "," names[k]] + 0
		if (v[k + 1] + 0 != w) {
			printf "%s %s: eval says %s, the script did %d\n", office, names[k], v[k + 1], w
			bad++
		}
	}
}
END {
	for (key in want) {
		split(key, kk, ",")
		if (!(kk[1] in seen)) { printf "%s missing from eval\n", kk[1]; bad++ }
	}
	exit bad > 0
}' "$T/eval.csv" > "$OUT" 2>&1
if [ $? -eq 0 ]; then pass "eval matches the scripted month, office by office, figure by figure"; else fail "eval matches the scripted month"; fi

# Rates follow from the counts: office-01's closure rate is closed/due.
line=$(grep '^"office-01"' "$T/eval.csv")
check "office-01: closure rate = closed / due" awk -F, -v l="$line" 'BEGIN {
	split(l, v, ","); due = v[6]; closed = v[9]; rate = v[14]
	exit !(due > 0 && sprintf("%.4f", closed / due) == rate) }'
# --explain lists exactly the cases behind a figure.
over=$("$G" --dir "$D" eval --from 2026-03-01 --to 2026-04-01 --by office --explain overdue |
	awk -F'\t' '$1 == "office-02" { print $4 }')
want=$(grep -c '^office-02 overdue$' "$EXPECT")
check "--explain overdue names as many office-02 cases as it counts" test "$(echo "$over" | wc -w)" -eq "$want"
check_out "eval by person counts the reporting supervisors" '^"S-01",' \
	"$G" --dir "$D" eval --from 2026-03-01 --to 2026-04-01 --by person --csv
check_out "eval by unit as a table has grades" ' grade$' \
	"$G" --dir "$D" eval --from 2026-03-01 --to 2026-04-01 --by unit

# ---- the indicator sets over the same month ----
# Each unit is judged on its own clocks (docs/evaluation.md §2), so the
# sets do not count per case as the overview does; these sums follow from
# the script's tally all the same.
M="--from 2026-03-01 --to 2026-04-01"
# shellcheck disable=SC2086
"$G" --dir "$D" eval $M --by district --csv > "$T/district.csv"
check "district: every report and registration of the month" awk -F, \
	-v n="$NCASES" -v reg="$(grep -c ' registered$' "$EXPECT")" \
	'NR == 2 { ok = $3 == n && $4 == reg } END { exit !ok }' "$T/district.csv"
# shellcheck disable=SC2086
"$G" --dir "$D" eval $M --by unit --csv > "$T/units.csv"
sum_units() { # FIGURE: its sum over the units
	awk -F, -v f="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ s += $c[f] } END { print s + 0 }' "$T/units.csv"
}
check "units: one row per office, none for no unit" test "$(sed 1d "$T/units.csv" | grep -c '^"office-')" -eq 17
check "units: the returns are the wrong offices', each within its limit" \
	test "$(sum_units returned_on_time)" -eq "$(grep -c ' returns$' "$EXPECT")"
check "units: the reworks are the offices' that were sent back" \
	test "$(sum_units reworked)" -eq "$(grep -c ' reworked$' "$EXPECT")"
check "units: the five cases open at the month's end are overdue" test "$(sum_units overdue_open)" -eq 5
check "units: the late disposals are the tally's overdue ones that were fed back" \
	test "$(sum_units disposed_late)" -eq $(($(grep -c ' overdue$' "$EXPECT") - 5))
check "units: a postponement counts for the office that asked" \
	test "$(sum_units postponements)" -eq "$(grep -c ' postponements$' "$EXPECT")"

# ---- what is still open at the end of the month ----
check_out "the five open cases are overdue on 1 April" '^5 cases$' \
	env GRIDCASE_NOW=2026-04-01T01:00:00Z "$G" --dir "$D" case list --overdue
check_out "they are dispatched, red" 'dispatched .* red' \
	env GRIDCASE_NOW=2026-04-01T01:00:00Z "$G" --dir "$D" case list --state dispatched
check_out "by office: office-03 has one open case" '^1 case$' \
	env GRIDCASE_NOW=2026-04-01T01:00:00Z "$G" --dir "$D" case list --office office-03 --state dispatched
# Filters together give exactly the cases each allows, whichever index the
# list walks: compared with the whole list filtered here (the table's
# columns are fixed-width: case, state, class, grid, unit, due, colour).
cols='function f(a, b) { v = substr($0, a, b); gsub(/ +$/, "", v); return v }'
list_ids() { "$G" --dir "$D" case list "$@" | awk 'NR > 1 && length($0) > 60 { print $1 }' | sort; }
want_ids() { # STATE UNIT OFFICE COLOUR, - for any
	awk -v s="$1" -v u="$2" -v o="$3" -v c="$4" "$cols"'
		NR > 1 && length($0) > 60 && (s == "-" || f(21, 10) == s) &&
		(u == "-" || f(67, 12) == u) && (o == "-" || f(50, 9) == o) &&
		(c == "-" || f(103, 8) == c) { print $1 }' "$T/all.txt" | sort
}
export GRIDCASE_NOW=2026-04-01T03:00:00Z
"$G" --dir "$D" case list > "$T/all.txt"
: > "$OUT"
combos=0
for combo in "closed office-02 - -" "closed - 310104003 -" "dispatched office-05 - -" \
	"refused - 310104001 -" "dispatched - 310104002 red" "- office-04 310104004 -" \
	"merged - - -"; do
	set -f
	set -- $combo
	set +f
	args=""
	[ "$1" = - ] || args="$args --state $1"
	[ "$2" = - ] || args="$args --unit $2"
	[ "$3" = - ] || args="$args --office $3"
	[ "$4" = - ] || args="$args --colour $4"
	# shellcheck disable=SC2086
	got=$(list_ids $args)
	want=$(want_ids "$1" "$2" "$3" "$4")
	if [ -n "$want" ] && [ "$got" = "$want" ]; then
		combos=$((combos + 1))
	else
		echo "case list$args: got [$got], want [$want]" >> "$OUT"
	fi
done
unset GRIDCASE_NOW
if [ "$combos" -eq 7 ]; then
	pass "case list: seven filter combinations give what the whole list filtered gives"
else
	fail "case list: filter combinations"
fi
check_out "no conflict is left open" '^0 open' "$G" --dir "$D" conflicts
check_out "the forged closes are on record" 'unauthorized +resolved' "$G" --dir "$D" conflicts --all
check_out "verify passes over the month" 'verified .* ok' "$G" --dir "$D" verify

# ---- the month frozen, exported and recomputed (docs/audit.md) ----
"$G" --dir "$D" eval --from 2026-03-01 --to 2026-04-01 --by office --csv > "$T/live.csv"
check_out "the month closes in one signed report" "closed 2026-03: report" \
	env GRIDCASE_NOW=2026-04-01T01:00:00Z "$G" --dir "$D" eval close --month 2026-03
"$G" --dir "$D" eval --month 2026-03 --by office --csv > "$T/frozen.csv" 2>/dev/null
check "the frozen figures are the live ones, office by office" cmp "$T/live.csv" "$T/frozen.csv"
check_out "eval check reproduces it byte for byte" "byte for byte" \
	"$G" --dir "$D" eval check --month 2026-03
check "the month's bundle" "$G" --dir "$D" audit export --month 2026-03 -o "$T/march.bundle"
check_out "audit verify recomputes every figure from the bundle alone" \
	"the same as the report's, byte for byte" \
	"$G" audit verify "$T/march.bundle" --admin "$ADMIN"
check "the frozen unit set is the live one" sh -c \
	"'$G' --dir '$D' eval --month 2026-03 --by unit --csv 2>/dev/null > '$T/frozen-unit.csv' &&
	 cmp '$T/units.csv' '$T/frozen-unit.csv'"
# A second implementation, written from the documents alone
# (tests/interop/audit_figures.py), recomputes every figure of the month
# from the bundle: the overview and the nine indicator sets.
if command -v python3 > /dev/null 2>&1; then
	check_out "an independent implementation recomputes every figure of the month's report" \
		"^sets: [0-9]+ values of the 9 indicator sets recomputed from the events, all equal to the report's" \
		python3 tests/interop/audit_verify.py bundle "$T/march.bundle" "$ADMIN"
	cp "$OUT" "$T/py.out"
	check_out "the overview's too" \
		"^figures: [0-9]+ values of the overview .* all equal to the report's" cat "$T/py.out"
	"$GRIDCASE_TOOLS/tamper_bundle" "$T/march.bundle" "$T/tampered.bundle" figure "$D/node.key" district
	check_err 1 "and names a well-signed figure that does not follow" \
		"set district, group 'district', figure reported: the report says ([0-9]+), the events give" \
		python3 tests/interop/audit_verify.py bundle "$T/tampered.bundle" "$ADMIN" --unsigned-events
fi

finish

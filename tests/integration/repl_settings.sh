# repl_settings.sh - the grid, the calendar and the time-limit table are
# signed admin events of the roster that every node uses
# (docs/workflow.md §3, "Published settings"): real daemons on loopback.
# The admin publishes the grid on the centre and an office that never
# imported it filters its cases by --office; a published calendar moves
# the due time equally on every node; a published limit table gives the
# default limit on another node; a key that is no admin, or a config that
# does not read, publishes nothing; an admin's publish made on a stale
# node with an older clock, and one by a revoked admin, do not win, on
# nodes that received them in different orders.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

on() {
	on_n=$1
	shift
	"$G" --dir "$T/$on_n" "$@"
}
# in_force NODE KIND EVENT: the node uses that published setting.
in_force() {
	on "$1" config show --json | grep -q "\"$2\":{\"source\":\"published\",\"event\":\"$3\""
}
# due NODE CASE: the case's due time on the node.
due() {
	on "$1" case show "$2" --json | sed -n 's/.*"deadline":{"due":"\([^"]*\)".*/\1/p'
}
same_due() { # CASE WANT NODE...
	sd_c=$1
	sd_w=$2
	shift 2
	for sd_n; do
		[ "$(due "$sd_n" "$sd_c")" = "$sd_w" ] || return 1
	done
}
event_of() { # the event id a publish printed
	sed -n 's/.*(event \([0-9a-f]*\)).*/\1/p' "$OUT"
}

check "a district of three nodes" district centre o1 o2
check "o1 reports with an intake key, so that its own may register" district_intake o1
# Two more admins, made by the genesis admin, in the roster every node has.
"$G" admin keygen "$T/admin2.key" > "$T/admin2.pub"
"$G" admin keygen "$T/admin3.key" > "$T/admin3.pub"
check "the genesis admin adds admin2" on centre roster add "$(cat "$T/admin2.pub")" \
	--admin-key "$T/admin.key" --name admin2 --roles admin
check "and admin3" on centre roster add "$(cat "$T/admin3.pub")" \
	--admin-key "$T/admin.key" --name admin3 --roles admin
on centre event export --case roster -o "$T/roster2.events" 2> /dev/null
check "o1 has the admins" on o1 event import "$T/roster2.events"
check "o2 has them" on o2 event import "$T/roster2.events"

# ---- the grid ----
check_err 1 "an empty grid is not published" "no feature|at least one" \
	sh -c "echo '{\"type\":\"FeatureCollection\",\"features\":[]}' > '$T/empty.geojson' &&
	'$G' --dir '$T/centre' grid import '$T/empty.geojson' --admin-key '$T/admin.key'"
check_out "so the centre has no published grid" '"grid":\{"source":"imported here"' \
	on centre config show --json
check_out "the admin publishes the district's grid on the centre" "published 102 grid cells" \
	on centre grid import "$GRIDCASE_DATA/district/grid.geojson" --admin-key "$T/admin.key" \
	--reason "the 2026 grid"
GRID=$(event_of)
check "the publish names its event" test -n "$GRID"
check "the centre uses it" in_force centre grid "$GRID"
check_err 1 "a local import no longer replaces it" "published grid" \
	on centre grid import "$GRIDCASE_DATA/district/grid.geojson"
check_out "o1 has no cells" '"cells":0' on o1 config show --json
check_out "o1 reports a case in office-01's cell" '^[0-9]{8}-' \
	on o1 case report --class event:06010 --grid 310104001001001 --where "Lane 1" \
	--desc "garbage" --source supervisor
CASE1=$(grep -E '^[0-9]{8}-' "$OUT")
check_err 1 "o1 cannot filter by office-01 yet" "office" on o1 case list --office office-01

check "the centre's daemon starts" start_daemon centre --peer o1 --peer o2 --interval 300
check "o1's daemon starts (o2 stays offline)" start_daemon o1 --peer centre --interval 300
has_cells() { # NODE
	on "$1" config show --json | grep -q '"cells":102,"waiting":false'
}
check "o1 gets the grid's event and its GeoJSON, and takes the cells" wait_until 30 has_cells o1
check "o1 uses the published grid" in_force o1 grid "$GRID"
check_out "o1 lists its case by --office office-01" "$CASE1" on o1 case list --office office-01
check_out "and locates a position in office-01" "office-01" \
	on o1 grid locate --lat 31.144 --lon 121.403

# ---- a calendar and a limit table ----
check "the centre accepts o1's case" wait_until 20 on centre case accept "$CASE1"
check "registers it, 4 working hours" on centre case register "$CASE1" --urgency normal --limit 4h
check "and dispatches it to o1" on centre case dispatch "$CASE1" --unit o1
DUE0=$(due centre "$CASE1")
check "the centre computes a due time" test -n "$DUE0"
check "o1 computes the same" wait_until 20 same_due "$CASE1" "$DUE0" o1

cat > "$T/cal_new.json" <<'EOF'
{"calendar": {"utc_offset": "+08:00", "work_hours": ["09:00-11:00"],
  "weekend": ["sat", "sun"], "holidays": [], "workdays": []},
 "limits": [{"class": "event:06010", "urgency": "*", "limit": "8h"},
            {"class": "*", "urgency": "*", "limit": "3d"}]}
EOF
cat > "$T/cal_bad.json" <<'EOF'
{"calendar": {"utc_offset": "+08:00", "work_hours": ["11:00-09:00"]}}
EOF
cat > "$T/cal_old.json" <<'EOF'
{"calendar": {"utc_offset": "+08:00", "work_hours": ["08:00-18:00"]}}
EOF
check_err 1 "a calendar that does not read is not published" "work_hours" \
	on centre config publish --calendar --from "$T/cal_bad.json" --admin-key "$T/admin.key"
check_err 1 "nor with a key that is no admin" "not in this node's roster|no admin|only admin" \
	on centre config publish --calendar --from "$T/cal_new.json" --admin-key "$T/o1/node.key"
"$G" admin keygen "$T/stranger.key" > /dev/null
check_err 1 "nor with an admin key of no roster" "not in this node's roster" \
	on centre config publish --calendar --from "$T/cal_new.json" --admin-key "$T/stranger.key"
check_out "the centre still uses config.json's calendar" '"calendar":\{"source":"config.json"' \
	on centre config show --json
check "and the due time did not move" same_due "$CASE1" "$DUE0" centre

# o2, offline, is stale: admin3 publishes there three times (so that its
# last publish has a higher lamport than the centre's), before the
# genesis admin publishes on the centre.
check "admin3 publishes a calendar on the offline o2" \
	on o2 config publish --calendar --from "$T/cal_old.json" --admin-key "$T/admin3.key"
check "and another" \
	on o2 config publish --calendar --from "$T/cal_old.json" --admin-key "$T/admin3.key"
check_out "and again" "published calendar.set" \
	on o2 config publish --calendar --from "$T/cal_old.json" --admin-key "$T/admin3.key" \
	--reason "stale"
OLD=$(event_of)
check "o2 uses its own" in_force o2 calendar "$OLD"
check_out "the genesis admin publishes calendar and limits on the centre, later" \
	"published limits.set" \
	on centre config publish --calendar --limits --from "$T/cal_new.json" \
	--admin-key "$T/admin.key" --reason "2027 hours"
NEW=$(grep 'calendar.set' "$OUT" | sed -n 's/.*(event \([0-9a-f]*\)).*/\1/p')
check "the centre uses the new calendar" in_force centre calendar "$NEW"
DUE1=$(due centre "$CASE1")
check "the case's due time moved on the centre" test -n "$DUE1" -a "$DUE1" != "$DUE0"
check "o1 takes the calendar" wait_until 20 in_force o1 calendar "$NEW"
check "o1 computes the same new due time" same_due "$CASE1" "$DUE1" o1
check_out "o1 lists the case as due by it" "$CASE1" on o1 case list --state dispatched
cat > "$T/eval_new.json" <<'EOF'
{"eval": {"grades": {"A": 95, "B": 80, "C": 65, "D": 45}}}
EOF
check_out "the genesis admin publishes the evaluation's settings" "published eval.set" \
	on centre config publish --eval --from "$T/eval_new.json" --admin-key "$T/admin.key"
EVAL=$(event_of)
check "o1 takes them" wait_until 20 in_force o1 eval "$EVAL"

check_out "o1 reports another case" '^[0-9]{8}-' \
	on o1 case report --class event:06010 --grid 310104001001002 --where "Lane 2" \
	--desc "garbage" --source supervisor
CASE2=$(grep -E '^[0-9]{8}-' "$OUT")
check "o1 accepts it" on o1 case accept "$CASE2"
check_out "o1 registers it with the published limit table's 8h" '"limit":"8h"' \
	sh -c "'$G' --dir '$T/o1' case register '$CASE2' --urgency normal &&
	'$G' --dir '$T/o1' case show '$CASE2' --json"

# admin2 is revoked on the centre; o2, offline, does not know, and admin2
# publishes there last of all.
check "the genesis admin revokes admin2" on centre roster revoke "$(cat "$T/admin2.pub")" \
	--admin-key "$T/admin.key" --last-seq 0 --reason "left"
check_out "admin2 publishes on the stale o2" "published calendar.set" \
	on o2 config publish --calendar --from "$T/cal_old.json" --admin-key "$T/admin2.key"
REVOKED=$(event_of)
check "o2 uses it, not knowing" in_force o2 calendar "$REVOKED"

check "o2's daemon starts" start_daemon o2 --peer centre --interval 300
check "the three converge" wait_until 30 converged centre o1 o2
for n in centre o1 o2; do
	check "$n uses the genesis admin's calendar" in_force "$n" calendar "$NEW"
	check "$n uses the published evaluation settings" in_force "$n" eval "$EVAL"
	check "$n computes the same due time" same_due "$CASE1" "$DUE1" "$n"
done
check_out "o2 names the revoked admin's publish void" "calendar.set.*revoked" on o2 roster show
check "o2 takes the grid too" wait_until 30 has_cells o2
check_out "o2 filters by office" "$CASE1" on o2 case list --office office-01
check "no refusals, no forks, no sanitizer" clean_logs centre o1 o2
check_out "every event verifies on o2" "ok" on o2 verify
finish

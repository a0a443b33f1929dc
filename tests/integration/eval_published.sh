# eval_published.sh - the evaluation follows the district's published
# settings (docs/workflow.md §3), not the closing node's own file: a
# calendar.set that makes Monday 2 March 2026 a holiday and an eval.set
# that changes the grades and the 核查 limit decide the figures of the
# frozen report, the report records them as its `config`, `eval check`,
# `audit verify` and the independent Python verifier reproduce it, and
# a bad or unauthorised eval.set signs nothing.
. "$(dirname "$0")/lib.sh"

D="$T/centre"
export GRIDCASE_NOW=2026-02-01T00:00:00Z
check "the district's admin and its centre" centre_setup "$D"
member() { member_key "$D" "$@"; } # file name unit roles
check "a supervisor" member s1 S-1 supervision supervisor
check "office-01" member o1 office-01 office-01 disposal
check_out "the grid" "imported 102 grid cells" "$G" --dir "$D" grid import data/district/grid.geojson

# The published file: data/config.json with 2 March a holiday, grade A
# from 95 points and a 核查 (verify) limit of 3 hours.
sed -e 's/"2026-01-01", "2026-01-02",/"2026-01-01", "2026-01-02", "2026-03-02",/' \
	data/config.json > "$T/pub.json"
python3 - "$T/pub.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["eval"] = {"grades": {"A": 95, "B": 75, "C": 60, "D": 40},
             "step_limits": {"verify": "3h"}}
json.dump(c, open(p, "w"), ensure_ascii=False, indent=2)
PY
check "the published file has the holiday" grep -q '"2026-03-02"' "$T/pub.json"

cat > "$T/eval_bad.json" <<'EOF2'
{"eval": {"step_limits": {"verify": "3 hours"}}}
EOF2
check_err 1 "an eval that config.json would refuse is not published" "eval.step_limits" \
	"$G" --dir "$D" config publish --eval --from "$T/eval_bad.json" --admin-key "$T/admin.key"
check_err 1 "nor an eval.set signed by a member key" "not in this node's roster|no admin|only admin" \
	"$G" --dir "$D" config publish --eval --from "$T/pub.json" --admin-key "$T/o1.key"
check_err 2 "--eval with nothing named to publish is a usage error" "give --calendar, --limits, --eval" \
	"$G" --dir "$D" config publish --from "$T/pub.json" --admin-key "$T/admin.key"
check_out "nothing was published" '"eval":\{"source":"config.json"' \
	"$G" --dir "$D" config show --json
check_out "the admin publishes the calendar and the evaluation's settings" \
	"published eval.set" \
	"$G" --dir "$D" config publish --calendar --eval --from "$T/pub.json" \
	--admin-key "$T/admin.key" --reason "2026 rules"
check_out "config show names both published" "eval +published, event" \
	"$G" --dir "$D" config show
check_out "and the calendar" "calendar +published, event" "$G" --dir "$D" config show

run() { # ISO-TIME KEY ARGS...
	_at=$1
	_key=$2
	shift 2
	GRIDCASE_NOW=$_at "$G" --dir "$D" --key "$_key" "$@"
}
C="$D/node.key"
# Reported, registered and dispatched on Monday 2 March (the published
# holiday) at 09:30 local; fed back at 09:30 on Tuesday.  Under the
# node's own calendar that is 7.5 working hours against the class's 4:
# late.  Under the published one the clock starts on Tuesday 08:30: one
# hour, on time.  Verified 2.5 h after the feedback: late against the
# default 核查 limit of 1 h, on time against the published 3 h.
ID=$(run 2026-03-02T01:00:00Z "$T/s1.key" case report --class event:06010 \
	--grid 310104001001001 --where w --desc d --source supervisor)
check "the case is reported" test -n "$ID"
check "accepted, registered, dispatched on the holiday" sh -c "
	GRIDCASE_NOW=2026-03-02T01:10:00Z '$G' --dir '$D' --key '$C' case accept '$ID' &&
	GRIDCASE_NOW=2026-03-02T01:20:00Z '$G' --dir '$D' --key '$C' case register '$ID' --urgency normal &&
	GRIDCASE_NOW=2026-03-02T01:30:00Z '$G' --dir '$D' --key '$C' case dispatch '$ID' --unit office-01"
check "fed back on Tuesday" run 2026-03-03T01:30:00Z "$T/o1.key" case feedback "$ID" --notes done
check "verified 2.5 h later" run 2026-03-03T04:00:00Z "$T/s1.key" case verify-pass "$ID"
check "closed" run 2026-03-03T04:10:00Z "$C" case close "$ID"
check_out "the case page says on time (the published calendar)" "done on time" \
	run 2026-04-02T01:00:00Z "$C" case show "$ID"

export GRIDCASE_NOW=2026-04-02T01:00:00Z
check_out "the month is closed" "closed 2026-03" "$G" --dir "$D" eval close --month 2026-03
check_out "the frozen unit figures agree with the case page: on time, one working hour" \
	"^office-01 +1 +1 +1 +1 +0 +0 +1 +0 +100.0% +100.0% .* 1.0h +1.0h .* A$" \
	"$G" --dir "$D" eval --month 2026-03 --by unit
# S-1: 1 report, valid; no checks; 1 verification, on time.
check_out "the supervisor's verification counts on time under the published 3 h" \
	"^S-1 \([0-9a-f]+\) +1 +1 +100.0% +0 +0 +- +1 +1 +100.0% " \
	"$G" --dir "$D" eval --month 2026-03 --by supervisor
check_out "eval check reproduces the report" "byte for byte" "$G" --dir "$D" eval check --month 2026-03
check "audit export of the month" "$G" --dir "$D" audit export --month 2026-03 -o "$T/m.bundle"
# The report's config (a msgpack string inside the bundle, bytes as
# they are) is the published text: the holiday and grade A at 95.
check "the report's config holds the published holiday" grep -aq '"2026-03-02"' "$T/m.bundle"
check "and the published grades" grep -aEq '"A": ?95' "$T/m.bundle"
check_out "audit verify recomputes it" "the bundle verifies" "$G" audit verify "$T/m.bundle" --admin "$ADMIN"
check_out "and so does the verifier written from the docs" "^sets: " \
	python3 tests/interop/audit_verify.py bundle "$T/m.bundle" "$ADMIN"

# A report closed before the district's settings arrived is reproduced
# from its own, and eval check says that they are not those in force.
check_out "eval check names no difference while the settings stand" "byte for byte" \
	"$G" --dir "$D" eval check --month 2026-03
cp "$OUT" "$T/check.out"
check "and says nothing of other settings" sh -c "! grep -q '^note:' '$T/check.out'"
cat > "$T/eval_new.json" <<'EOF2'
{"eval": {"grades": {"A": 99, "B": 75, "C": 60, "D": 40}}}
EOF2
check "the admin publishes new grades" "$G" --dir "$D" config publish --eval \
	--from "$T/eval_new.json" --admin-key "$T/admin.key"
check_out "eval check still reproduces the frozen report" "byte for byte" \
	"$G" --dir "$D" eval check --month 2026-03
cp "$OUT" "$T/check.out"
check "and notes that its eval is not the one in force" \
	grep -q "^note: the report's settings are not those in force on this node (eval: " "$T/check.out"
check_out "the frozen figures did not move" \
	"^office-01 +1 +1 +1 +1 +0 +0 +1 +0 +100.0% +100.0% .* A$" \
	"$G" --dir "$D" eval --month 2026-03 --by unit
finish

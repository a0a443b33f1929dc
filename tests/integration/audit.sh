# audit.sh - audit bundles (docs/audit.md §5) from a real node: a month's
# bundle and a case's verify with no node directory, print the figures or
# the timeline (claimed and witnessed times), and every kind of damage is
# named: a flipped byte, a missing event, a reordered event, a figure that
# does not follow, a wrong proof, a signer whose key was revoked, another
# district's admin key.  A month not yet closed carries the grid's cells:
# both readers recompute its region sets with them, as the report the
# node signs later has them, and a changed, cut or missing cells is seen.
. "$(dirname "$0")/lib.sh"

: "${GRIDCASE_TOOLS:=$(pwd)/build-san/tools}"
TAMPER=$GRIDCASE_TOOLS/tamper_bundle
EVIL=$GRIDCASE_TOOLS/evil
D="$T/centre"
export GRIDCASE_NOW=2026-02-01T00:00:00Z
check "the district's admin key" admin_setup
check "init the centre" "$G" --dir "$D" init --network xuhui --name centre \
	--county 310104 --admin "$ADMIN"
check "the admin enrols the centre" enrol "$D" "$D" centre centre \
	supervisor,operator,shift_lead,dispatcher
check "and its intake desk" intake "$D" "$D"
"$G" --dir "$D" keygen "$T/o01.key" > "$T/o01.pub"
check "office-01's key is a member" "$G" --dir "$D" roster add \
	"$(cat "$T/o01.pub")" --admin-key "$T/admin.key" --name office-01 \
	--unit office-01 --roles disposal
check "the grid imports" "$G" --dir "$D" grid import data/district/grid.geojson

at() { # ISO-TIME ARGS...
	at_t=$1
	shift
	GRIDCASE_NOW=$at_t "$G" --dir "$D" "$@"
}
for day in 02 03 04; do
	c=$(at "2026-03-${day}T01:00:00Z" case report --class event:06010 \
		--grid 310104001001001 --where here --desc rubbish 2>/dev/null)
	at "2026-03-${day}T01:10:00Z" case accept "$c" > /dev/null &&
		at "2026-03-${day}T01:20:00Z" case register "$c" --urgency normal > /dev/null &&
		at "2026-03-${day}T01:30:00Z" case dispatch "$c" --unit office-01 > /dev/null ||
		echo "intake of $c failed"
	echo "$c" >> "$T/cases"
done
# A case the centre's own key reports, then registers on a node changed
# to sign it anyway: kept, not applied (监管分离), by both readers below.
c4=$(at 2026-03-05T01:00:00Z --key "$D/node.key" case report --class event:06010 \
	--grid 310104002001001 --where there --desc rubbish 2>/dev/null)
at 2026-03-05T01:10:00Z case accept "$c4" > /dev/null
GRIDCASE_NOW=2026-03-05T01:20:00Z "$EVIL" forge "$D" "$D/node.key" "$c4" register \
	'{"urgency":"normal","limit":"4h"}' > "$T/selfreg.event"
check "a registration by the key that reported is kept" at 2026-03-05T01:20:00Z event import "$T/selfreg.event"
check_out "as a separation conflict" "^$c4 .*separation" "$G" --dir "$D" conflicts
c1=$(head -n 1 "$T/cases")
check "office-01 feeds back the first case" \
	at 2026-03-02T03:00:00Z --key "$T/o01.key" case feedback "$c1" --notes done
# Before the close, March's bundle has no report: it carries the cells.
check "audit export --month of a month not closed" \
	at 2026-04-01T00:30:00Z audit export --month 2026-03 -o "$T/open.bundle"
check "March closes" at 2026-04-01T01:00:00Z eval close --month 2026-03
report=$(sed -n 's/^closed 2026-03: report \([0-9a-f]*\),.*/\1/p' "$OUT")

# ---- a month ----
check "audit export --month writes a bundle" \
	at 2026-04-02T01:00:00Z audit export --month 2026-03 -o "$T/march.bundle"
check_err 1 "audit export does not overwrite a file" "cannot create" \
	at 2026-04-02T01:00:00Z audit export --month 2026-03 -o "$T/march.bundle"
check_err 2 "audit export needs --case or --month" "give --case ID or --month" \
	"$G" --dir "$D" audit export -o "$T/x"
check_err 2 "--office goes with --month" "goes with --month" \
	"$G" --dir "$D" audit export --case "$c1" --office office-01 -o "$T/x"
cd "$T" || exit 1
check_out "audit verify needs no node: the figures follow, byte for byte" \
	"the same as the report's, byte for byte" \
	"$G" audit verify march.bundle --admin "$ADMIN"
cp "$OUT" "$T/verified"
check_out "it names the report and who signed it" \
	"report ${report%${report#????????????????}} of 2026-03 signed 2026-04-01 09:00 by centre" \
	cat "$T/verified"
check_out "it prints the recomputed figures" \
	"^office-01: reported=3 valid=3 registered=3 " cat "$T/verified"
check_out "without --admin it says whose admin key it took" \
	"taken from the bundle: give --admin to pin it" \
	"$G" audit verify march.bundle
cd - > /dev/null || exit 1
check "audit export --month --office" \
	at 2026-04-02T01:00:00Z audit export --month 2026-03 --office office-02 -o "$T/o2.bundle"
check_out "an office's bundle shows that office's figures only" \
	"the bundle verifies" "$G" audit verify "$T/o2.bundle"
check "and not another office's" sh -c "! grep -q '^office-01:' '$OUT'"

# ---- a month not closed: the region sets follow the bundle's cells ----
check_out "a month not closed: audit verify recomputes the figures" \
	"2026-03 is not closed: no report to compare with" \
	"$G" audit verify "$T/open.bundle" --admin "$ADMIN"
cp "$OUT" "$T/open.out"
check_out "its region sets with the bundle's 102 cells" \
	"region sets of 2026-03 recomputed with the bundle's 102 cells" cat "$T/open.out"
check_out "a street row is named from the cells" \
	"^street 310104001: name=office-01 public_verified=0 registered=3 " cat "$T/open.out"
check_out "and a community row" \
	"^community 310104001001: name=office-01-c001 " cat "$T/open.out"
grep -E '^(grid|community|street) ' "$T/open.out" > "$T/open.regions"
"$TAMPER" "$T/open.bundle" "$T/cell.bundle" cell 0 elsewhere
check_out "a cell's office changed: the street row follows the bundle" \
	"^street 310104001: name=elsewhere " "$G" audit verify "$T/cell.bundle"
grep -E '^(grid|community|street) ' "$OUT" > "$T/cell.regions"
"$TAMPER" "$T/open.bundle" "$T/badcell.bundle" badcell 1
check_err 1 "a cell cut short is named" "the bundle's 'cells' does not read" \
	"$G" audit verify "$T/badcell.bundle"
"$TAMPER" "$T/open.bundle" "$T/nocells.bundle" nocells -
check_err 1 "a month not closed without cells is named" \
	"the bundle's 'cells' does not read" "$G" audit verify "$T/nocells.bundle"
"$TAMPER" "$T/march.bundle" "$T/graft.bundle" graft "$T/open.bundle"
check_err 1 "a closed month's bundle with cells of its own is refused" \
	"the bundle holds 'cells' and a report: a closed month's cells are the report's" \
	"$G" audit verify "$T/graft.bundle"

# ---- a case ----
check "audit export --case" at 2026-04-02T01:00:00Z audit export --case "$c1" -o "$T/case.bundle"
check_out "a case bundle prints the timeline, claimed and witnessed" \
	"2026-03-02 11:00  2026-04-01 09:00  feedback +office-01 .* in report 2026-03" \
	"$G" audit verify "$T/case.bundle" --admin "$ADMIN"
check_err 1 "a case with no events here is refused" "has no events here" \
	"$G" --dir "$D" audit export --case 20260101-nothing1 -o "$T/none.bundle"
"$TAMPER" "$T/case.bundle" "$T/casecells.bundle" graft "$T/open.bundle"
check_err 1 "a case bundle with cells is named" "the bundle's 'cells' does not read" \
	"$G" audit verify "$T/casecells.bundle"

# ---- damage, each named ----
check_err 1 "another district's admin key is named" \
	"the bundle's district admin is .*, not the key given" \
	"$G" audit verify "$T/march.bundle" --admin "$(cat "$T/o01.pub")"
"$TAMPER" "$T/march.bundle" "$T/flip.bundle" flip 2
check_err 1 "a flipped byte: the event is named" \
	"does not verify: event #3 \([0-9a-f]{16}\) does not verify: .*signature" \
	"$G" audit verify "$T/flip.bundle"
"$TAMPER" "$T/march.bundle" "$T/drop.bundle" drop 4
check_err 1 "a missing event: the checkpoint's count is named" \
	"the checkpoint counts ([0-9]+) events, the set holds" \
	"$G" audit verify "$T/drop.bundle"
"$TAMPER" "$T/march.bundle" "$T/swap.bundle" swap 1
check_err 1 "a reordered event: named with its place" \
	"event #3 \([0-9a-f]{16}\) is out of canonical order" \
	"$G" audit verify "$T/swap.bundle"
"$TAMPER" "$T/march.bundle" "$T/figure.bundle" figure "$D/node.key"
check_err 1 "a well-signed figure that does not follow: grouping, group and figure named" \
	"the figures do not follow: by grid, group '310104001001001' figure reported: 4 in the first, 3 in the second" \
	"$G" audit verify "$T/figure.bundle"
"$TAMPER" "$T/case.bundle" "$T/proof.bundle" proof 0
check_err 1 "a wrong proof is named" \
	"the proof that event #1 \([0-9a-f]{16}\) is in the checkpoint of the report of 2026-03 does not hold" \
	"$G" audit verify "$T/proof.bundle"
head -c 100 "$T/march.bundle" > "$T/cut.bundle"
check_err 1 "a cut file is named" "not one canonical msgpack map" \
	"$G" audit verify "$T/cut.bundle"
check_err 1 "a missing file is named" "cannot" "$G" audit verify "$T/nothing.bundle"

# ---- an independent reader (docs/audit.md alone, plain Python) ----
PY=${PYTHON:-python3}
AV=tests/interop/audit_verify.py
if command -v "$PY" > /dev/null 2>&1; then
	"$GRIDCASE_TOOLS/make_audit_vectors" > "$T/audit.json"
	check "docs/vectors/audit.json is what make_audit_vectors writes" \
		cmp "$T/audit.json" docs/vectors/audit.json
	check_out "the vectors' trees and proofs hold for hashlib" \
		"vectors: 14 trees, 111 paths hold; 15 calendar sums and spans, 1 table" "$PY" "$AV" vectors docs/vectors/audit.json
	check_out "the independent reader recomputes the checkpoint of March" \
		"checkpoint: [0-9]+ events, tree head [0-9a-f]{64}: recomputed" \
		"$PY" "$AV" bundle "$T/march.bundle" "$ADMIN"
	cp "$OUT" "$T/py.out"
	check_out "and March's figures it recomputes agree with the report" \
		"figures: [0-9]+ values .* all equal to the report's" cat "$T/py.out"
	check_out "it checks a case bundle's proofs" "proofs: 5 inclusion proofs hold" \
		"$PY" "$AV" bundle "$T/case.bundle"
	check_err 1 "it names a flipped byte" "event #3 does not verify" \
		"$PY" "$AV" bundle "$T/flip.bundle"
	check_err 1 "a missing event" "the checkpoint counts [0-9]+ events, the bundle holds" \
		"$PY" "$AV" bundle "$T/drop.bundle"
	check_err 1 "a reordered event" "event #3 is out of canonical order" \
		"$PY" "$AV" bundle "$T/swap.bundle"
	check_err 1 "a figure that does not follow" \
		"figure reported: the report says 4, the events give 3" \
		"$PY" "$AV" bundle "$T/figure.bundle"
	check_err 1 "a wrong proof" "proof #1 \(event #1\) does not hold" \
		"$PY" "$AV" bundle "$T/proof.bundle"
	# The month not closed: its region sets, recomputed from the bundle
	# by this reader, are gridcase's, and those the node froze at the
	# close with its own grid; a changed cell is not.
	check_out "the independent reader recomputes a month not closed with its cells" \
		"figures: [0-9]+ groups of the overview and [0-9]+ rows of the 9 indicator sets recomputed with the bundle's 102 cells" \
		"$PY" "$AV" bundle "$T/open.bundle" "$ADMIN"
	grep -E '^(grid|community|street) ' "$OUT" > "$T/py.regions"
	check "its region rows are those audit verify prints" cmp "$T/py.regions" "$T/open.regions"
	check "and there are rows of every region set" \
		sh -c "grep -q '^grid ' '$T/py.regions' && grep -q '^community ' '$T/py.regions' && grep -q '^street ' '$T/py.regions'"
	check "the closed report's region rows (the node's grid)" \
		"$PY" "$AV" bundle "$T/march.bundle" "$ADMIN" --regions
	grep -E '^(grid|community|street) ' "$OUT" > "$T/report.regions"
	check "are those recomputed from the bundle before the close" \
		cmp "$T/report.regions" "$T/open.regions"
	check_out "a cell's office changed: the reader follows the bundle" \
		"^street 310104001: name=elsewhere " "$PY" "$AV" bundle "$T/cell.bundle"
	grep -E '^(grid|community|street) ' "$OUT" > "$T/pycell.regions"
	check "as audit verify does" cmp "$T/pycell.regions" "$T/cell.regions"
	check "and the figures are no longer the node's" \
		sh -c "! cmp -s '$T/cell.regions' '$T/report.regions'"
	check_err 1 "a cell cut short" "the bundle's 'cells' does not read" \
		"$PY" "$AV" bundle "$T/badcell.bundle"
	check_err 1 "no cells" "the bundle's 'cells' does not read" \
		"$PY" "$AV" bundle "$T/nocells.bundle"
	check_err 1 "cells beside a report" \
		"the bundle holds 'cells' and a report" "$PY" "$AV" bundle "$T/graft.bundle"
	check_err 1 "cells in a case bundle" "the bundle's 'cells' does not read" \
		"$PY" "$AV" bundle "$T/casecells.bundle"
else
	echo "note: $PY is not installed, so the independent reader is skipped"
fi

# office-01's key is revoked from before its feedback (stolen, say): the
# event stays in the log, the fold does not apply it, and the bundle names
# it.
check "the admin revokes office-01's key from its first event on" \
	at 2026-04-03T01:00:00Z roster revoke "$(cat "$T/o01.pub")" --admin-key "$T/admin.key" \
	--last-seq 0 --reason "stolen"
check "the case's bundle is written again" \
	at 2026-04-03T02:00:00Z audit export --case "$c1" -o "$T/revoked.bundle"
check_err 1 "an event signed by a revoked key is named" \
	"event #[0-9] \([0-9a-f]{16}\): its author [0-9a-f]{16} is not in the roster at its seq 1 \(unknown, or revoked before\)" \
	"$G" audit verify "$T/revoked.bundle"
finish

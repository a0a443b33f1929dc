#!/bin/sh
# cli_edges.sh - the command line as a newcomer meets it (issue 13, "rough
# edges"): every --help, unknown commands with the closest one, global
# options after the command, one exit status per kind of error on every
# command, one-line errors, key-file problems by name, unknown names
# refused, text that would drive a terminal shown escaped.
. "$(dirname "$0")/lib.sh"

A="$T/a"
admin_setup
"$G" --dir "$A" init --network testnet --name centre --admin "$ADMIN" > /dev/null
enrol "$A" "$A" centre centre supervisor,operator,shift_lead,dispatcher

# Every command, as `gridcase help` lists them ("case accept", "eval").
"$G" help | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\{0,1\}\)  .*/\1/p' > "$T/commands"
check "help lists more than 40 commands" [ "$(wc -l < "$T/commands")" -gt 40 ]

# each_command FN: calls FN with each command's words.
each_command() {
	while read -r words; do
		# shellcheck disable=SC2086
		"$@" $words
	done < "$T/commands"
}

# ---- --help: usage on stdout, exit 0, for every command and group ----
help_ok() {
	"$G" "$@" --help > "$T/help.out" 2> "$T/help.err" &&
		head -n 1 "$T/help.out" | grep -q "^usage" &&
		[ ! -s "$T/help.err" ]
}
# usage_of WORDS: the first line of the command's --help, kept from here.
mkdir "$T/usage"
usage_of() { cat "$T/usage/$(echo "$*" | tr ' ' _)"; }
bad=""
each_command_help() {
	help_ok "$@" || bad="$bad [$*]"
	head -n 1 "$T/help.out" > "$T/usage/$(echo "$*" | tr ' ' _)"
}
each_command each_command_help
check "every command's --help prints its usage on stdout and exits 0${bad:+: not$bad}" [ -z "$bad" ]
bad=""
for group in $(cut -d' ' -f1 "$T/commands" | sort | uniq -d); do
	help_ok "$group" || bad="$bad [$group]"
	"$G" help "$group" > "$T/help.out" 2>&1 || bad="$bad [help $group]"
done
check "every group's --help and help GROUP exit 0${bad:+: not$bad}" [ -z "$bad" ]
check_out "case --help lists the case steps" "gridcase case dispatch CASE" "$G" case --help
check_out "roster --help lists roster's commands" "gridcase roster revoke" "$G" roster --help
check_out "gridcase --help lists the commands" "^commands:" "$G" --help

# ---- unknown commands: one line, the closest one ----
# one_line NAME: the last check's output was one line.
one_line() {
	if [ "$(wc -l < "$OUT")" -eq 1 ]; then pass "$1"; else fail "$1"; fi
}
check_err 2 "an unknown case step is named with the closest" \
	"^error: 'frobnicate' is not a 'gridcase case' command; the closest is 'case register'" \
	"$G" case frobnicate
one_line "... on one line"
check_err 2 "a near miss finds its command" "the closest is 'case dispatch'" "$G" case dispach
check_err 2 "an unknown command is named with the closest" \
	"'stauts' is not a gridcase command; the closest is 'status'" "$G" stauts
one_line "... on one line"
check_err 2 "help of an unknown step too" "closest is 'roster show'" "$G" help roster shwo
check_err 2 "a group alone names its sub-commands" \
	"'gridcase roster' needs a sub-command: add, replace, revoke, show" "$G" roster
one_line "... on one line"

# ---- global options after the command ----
check_out "--dir after the command" "node +centre" "$G" status --dir "$A"
check_out "--dir= after the command's options" "^CASE" "$G" case list --state reported --dir="$A"
check_out "-v after the command" "^network" "$G" status -v --dir "$A"
check_err 2 "a value that reads like --dir is given with =: without, the option lacks it" \
	"option '--where' needs a value" "$G" case report --class event:06001 --desc x --where --dir "$A"

# ---- one exit status per kind of error, on every command ----
# Usage: an unknown option.  2 everywhere, one line naming the option and
# the command.
bad=""
each_bad_option() {
	"$G" --dir "$A" "$@" --no-such-option > "$T/o" 2> "$T/e"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(wc -l < "$T/e")" -ne 1 ] ||
	   ! grep -q "^error: .*'--no-such-option'" "$T/e" || [ -s "$T/o" ]; then
		bad="$bad [$* exit $rc]"
	fi
}
each_command each_bad_option
check "an unknown option is exit 2 and one line on every command${bad:+:$bad}" [ -z "$bad" ]

# The node cannot be used: no store at DIR.  3 on every command that
# opens the node, one line naming the directory.
needs_node() {
	# restore makes a node; audit verify checks a bundle with none
	case "$*" in
	help* | init | keygen | admin* | restore | "audit verify") return 1 ;;
	esac
	return 0
}
bad=""
each_no_node() {
	needs_node "$@" || return 0
	"$G" --dir "$T/none" "$@" > "$T/o" 2> "$T/e"
	rc=$?
	if [ "$rc" -ne 3 ] || [ "$(wc -l < "$T/e")" -ne 1 ] ||
	   ! grep -q "no gridcase store in '$T/none'" "$T/e"; then
		bad="$bad [$* exit $rc]"
	fi
}
each_command each_no_node
check "no node at DIR is exit 3 and one line on every command${bad:+:$bad}" [ -z "$bad" ]

# Usage: a missing operand (a command that takes a CASE, KEY, FILE ...
# given nothing).  2 everywhere.
bad=""
each_missing_operand() {
	first=$(usage_of "$@" | sed -n '1s/^usage: gridcase //p' | sed "s/^$*//" | cut -c2-)
	case "$first" in
	[A-Z]*) ;;
	*) return 0 ;;
	esac
	"$G" --dir "$A" "$@" > "$T/o" 2> "$T/e"
	rc=$?
	if [ "$rc" -ne 2 ] || [ "$(wc -l < "$T/e")" -ne 1 ]; then
		bad="$bad [$* exit $rc]"
	fi
}
each_command each_missing_operand
check "a missing operand is exit 2 and one line on every command${bad:+:$bad}" [ -z "$bad" ]

# Not found: a case that does not exist.  4 on every command that takes a
# CASE.
bad=""
n=0
each_no_case() {
	case "$1 $2" in
	"case report" | "case list") return 0 ;;
	"case "*) ;;
	*) return 0 ;;
	esac
	n=$((n + 1))
	# Every field a value the step could take: a missing field would be
	# a usage error (2) first.
	args=$(usage_of "$@" | grep -o -- '--[a-z-]* [A-Za-z0-9|:]*' |
		awk '$1 != "--photo" { split($2, v, "|"); print $1, v[1] }' | tr '\n' ' ')
	# shellcheck disable=SC2086
	"$G" --dir "$A" "$@" 20260101-nosuch00 $args > "$T/o" 2> "$T/e"
	rc=$?
	if [ "$rc" -ne 4 ] || ! grep -q "no case '20260101-nosuch00'" "$T/e"; then
		bad="$bad [$* exit $rc: $(cat "$T/e")]"
	fi
}
each_command each_no_case
check "a case that does not exist is exit 4 on every case command ($n)${bad:+:$bad}" [ -z "$bad" ]
check_err 4 "conflicts --case of no case: 4" "no case 'nosuch'" "$G" --dir "$A" conflicts --case nosuch
check_err 4 "a missing input file: 4" "cannot open '$T/nope'" "$G" --dir "$A" event import "$T/nope"
check_err 4 "a missing GeoJSON file: 4" "cannot open '$T/nope'" "$G" --dir "$A" grid import "$T/nope"
check_err 4 "a missing blob: 4" "cannot get blob" "$G" --dir "$A" blob get \
	0000000000000000000000000000000000000000000000000000000000000000

# ---- names that are no member are refused ----
check_err 4 "peers block of no member is refused" \
	"no member named 'nosuch' in this node's roster" "$G" --dir "$A" peers block nosuch
check_err 4 "peers unblock of no member is refused" "no member named 'nosuch'" \
	"$G" --dir "$A" peers unblock nosuch
check_out "peers block of a member works" "peer centre blocked" "$G" --dir "$A" peers block centre
check_out "and unblock" "peer centre unblocked" "$G" --dir "$A" peers unblock centre
check_err 4 "run --peer of no member is refused before it starts" \
	"--peer 'nosuch': no member of that name" "$G" --dir "$A" run --peer nosuch
check_err 4 "repl sync of no member is refused" "no member named 'nosuch'" \
	"$G" --dir "$A" repl sync nosuch
check_err 4 "revoking a key no roster change names is refused" "nothing to revoke" \
	"$G" --dir "$A" roster revoke 2222222222222222222222222222222222222222222222222222222222222222 \
	--admin-key "$T/admin.key" --last-seq 0

# ---- errors are one line; the commands they point to exist ----
check_err 2 "an option's error is one line with the command" \
	"^error: case list: unknown option '--bogus' \(see 'gridcase case list --help'\)$" \
	"$G" --dir "$A" case list --bogus
one_line "... one line"
check_err 2 "a flag given a value is said so" "option '--json' takes no value" \
	"$G" --dir "$A" status --json=yes
check_err 2 "a value missing is said so" "option '-o' needs a value" "$G" --dir "$A" event export -o
# Every "gridcase WORDS" the binary's messages name is a command (or a
# group) that exists.
bad=""
for ref in $(strings "$G" | grep -o "'gridcase [a-z][a-z-]*\( [a-z][a-z-]*\)\{0,1\}" |
	     sed "s/^'gridcase //; s/ /:/" | sort -u); do
	words=$(echo "$ref" | tr ':' ' ')
	# shellcheck disable=SC2086
	"$G" help $words > /dev/null 2>&1 || bad="$bad [$words]"
done
check "every command a message names exists${bad:+: not$bad}" [ -z "$bad" ]

# ---- key files: missing, unreadable, open to others, corrupt ----
K="$A/node.key"
cp "$K" "$T/key.save"
ev() { "$G" --dir "$A" event add --case k1 --type note --body '{}'; }
rm "$K"
check_err 3 "a missing key file is said missing" "key file '$K' is missing" ev
check_out "status says why there is no key" "key +key file '$K' is missing" "$G" --dir "$A" status
cp "$T/key.save" "$K"
chmod 644 "$K"
check_err 3 "a key file others may read is said so" "key file '$K' has the wrong permissions 0644" ev
chmod 600 "$K"
echo "not a key" > "$K"
check_err 3 "a corrupt key file is said corrupt" "key file '$K' is corrupt" ev
cp "$T/key.save" "$K"
chmod 600 "$K"
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$K"
	check_err 3 "an unreadable key file is said unreadable" "key file '$K' is unreadable" ev
	chmod 600 "$K"
fi
check_err 3 "--key naming a missing file" "key file '$T/nokey' is missing" \
	"$G" --dir "$A" --key "$T/nokey" event add --case k1 --type note --body '{}'
check "the restored key works" ev

# ---- text that would drive a terminal is shown escaped ----
"$G" --dir "$A" grid import "$GRIDCASE_DATA/district/grid.geojson" > /dev/null
ESC=$(printf '\033')
WHERE=$(printf 'road \033[2J\033]0;owned\007 \342\200\256evil \302\233x')
DESC=$(printf 'two\nlines \010 中文')
check_out "a case with terminal controls in its text is reported" '^[0-9]{8}-' \
	"$G" --dir "$A" case report --class event:06001 --grid 310104016001001 \
	--where "$WHERE" --desc "$DESC" --by "$(printf 'x\033[31m')"
EVIL=$(grep -E "^[0-9]{8}-" "$OUT")
no_controls() {
	# No ESC, BEL, BS, C1 (\302\200-\302\237) or bidi override bytes.
	! LC_ALL=C grep -q "$(printf '[\033\007\010]')" "$OUT" &&
		! LC_ALL=C grep -q "$(printf '\302[\200-\237]')" "$OUT" &&
		! LC_ALL=C grep -q "$(printf '\342\200[\252-\256]')" "$OUT"
}
for cmd in "case show $EVIL" "case show $EVIL --json" "case list" "case list --json" \
	   "log --case $EVIL --json --full" "conflicts --all" "grid list"; do
	# shellcheck disable=SC2086
	"$G" --dir "$A" $cmd > "$OUT" 2>&1
	if no_controls; then pass "$cmd prints no terminal control"; else fail "$cmd prints no terminal control"; fi
done
check_out "case show shows them escaped, on one line" \
	'where +road \\x1b\[2J\\x1b\]0;owned\\x07 \\u\{202e\}evil \\u\{009b\}x$' \
	"$G" --dir "$A" case show "$EVIL"
check_out "a newline in a one-line field is shown" 'desc +two\\x0alines \\x08 中文$' \
	"$G" --dir "$A" case show "$EVIL"
check_out "JSON escapes them the JSON way" '"where":"road \\u001b\[2J\\u001b\]0;owned\\u0007 \\u202eevil \\u009bx"' \
	"$G" --dir "$A" case show "$EVIL" --json
check_out "the reporter's name too" 'by x\\x1b\[31m' "$G" --dir "$A" case show "$EVIL"
# Text that is not UTF-8 is refused at the command line, before any event.
D0=$(digest "$A")
check_err 2 "text that is not UTF-8 is refused" "argument [0-9]+ is not UTF-8 text \(byte 5 is 0xff\)" \
	"$G" --dir "$A" case report --class event:06001 --grid 310104016001001 \
	--where "$(printf 'bad \377')" --desc d
one_line "... on one line"
check "... and nothing was written" [ "$(digest "$A")" = "$D0" ]
check_err 2 "so is a step's note that is not UTF-8" "not UTF-8" \
	"$G" --dir "$A" case cancel "$EVIL" --reason "$(printf '\300\200')"
# An event whose text is not UTF-8 (as a hostile peer or a damaged file
# could hand in): refused with why, nothing raw printed, no crash.
check_out "an event to corrupt" '^[0-9]{8}-' "$G" --dir "$A" case report \
	--class event:06001 --grid 310104016001001 --where QQQQZZ --desc d
CQ=$(grep -E '^[0-9]{8}-' "$OUT")
"$G" --dir "$A" event export --case "$CQ" -o "$T/one.bin" 2>/dev/null
off=$(grep -abo QQQQZZ "$T/one.bin" | cut -d: -f1)
printf '\377\033' | dd of="$T/one.bin" bs=1 seek="$off" conv=notrunc 2>/dev/null
check_err 1 "an event with text that is not UTF-8 is refused, saying why" \
	"rejected event #0 .*str at byte [0-9]+ is not valid UTF-8" \
	"$G" --dir "$A" event import "$T/one.bin"
if no_controls; then pass "... and its report prints no raw byte"; else fail "... and its report prints no raw byte"; fi

# ---- case report: --grid with --lat/--lon ----
check_err 2 "a position in another cell than --grid is refused, naming both" \
	"--lat/--lon lie in grid cell 310104016001001, not in --grid 310104001001001" \
	"$G" --dir "$A" case report --class event:06001 --grid 310104001001001 \
	--lat 31.19 --lon 121.44 --where w --desc d
check_out "--grid with a position inside it is taken (the grid names the cell)" '^[0-9]{8}-' \
	"$G" --dir "$A" case report --class event:06001 --grid 310104016001001 \
	--lat 31.19 --lon 121.44 --where w --desc d
check_err 2 "neither --grid nor a position: usage" "give --grid GRID or --lat DEG --lon DEG" \
	"$G" --dir "$A" case report --class event:06001 --where w --desc d

# ---- case ids carry the district's local date ----
# 07:00 in Shanghai (+08:00) is 23:00 UTC the day before.
check_out "a report at 07:00 local gets today's local date" '^20260303-' \
	env GRIDCASE_NOW=2026-03-02T23:00:00Z "$G" --dir "$A" case report \
	--class event:06001 --grid 310104016001001 --where w --desc d
check_out "and one at 23:59 local the same day" '^20260303-' \
	env GRIDCASE_NOW=2026-03-03T15:59:00Z "$G" --dir "$A" case report \
	--class event:06001 --grid 310104016001001 --where w --desc d

# ---- case show: the class's name; JSON: ISO 8601 times, roles arrays ----
check_out "case show names the class" "class +event:06001 私搭乱建 \(GB/T" \
	"$G" --dir "$A" case show "$EVIL"
check_out "case show --json names the class" '"class_name":"私搭乱建"' \
	"$G" --dir "$A" case show "$EVIL" --json
check_out "case show --json gives times in ISO 8601 UTC" \
	'"reported_at":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"' \
	"$G" --dir "$A" case show "$EVIL" --json
check_out "a time that never came is null" '"closed_at":null' \
	"$G" --dir "$A" case show "$EVIL" --json
"$G" --dir "$A" case show "$EVIL" --json > "$OUT"
if grep -Eq '_at":[0-9]' "$OUT"; then fail "no time is epoch milliseconds"; else pass "no time is epoch milliseconds"; fi
check_out "roles are a JSON array" '"roles":\["supervisor","operator","shift_lead","dispatcher"\]' \
	"$G" --dir "$A" roster show --json

# ---- config.json: unknown keys are refused with their line ----
cp "$A/config.json" "$T/config.save"
sed 's/"utc_offset"/"utc_ofset"/' "$T/config.save" > "$A/config.json"
line=$(grep -n utc_ofset "$A/config.json" | cut -d: -f1)
check_err 3 "an unknown key in config.json is refused with its line" \
	"config.json:$line: unknown key \"utc_ofset\" in \"calendar\"" "$G" --dir "$A" status
one_line "... on one line"
cp "$T/config.save" "$A/config.json"
check "the good config loads again" "$G" --dir "$A" status

# ---- an empty GeoJSON import is refused: it would replace the grid ----
echo '{"type":"FeatureCollection","features":[]}' > "$T/empty.geojson"
n_cells=$("$G" --dir "$A" grid list | wc -l)
check_err 1 "an import with no cell is refused" "no features; an import replaces the grid and would empty it" \
	"$G" --dir "$A" grid import "$T/empty.geojson"
check "the grid is left as it was ($n_cells cells)" [ "$("$G" --dir "$A" grid list | wc -l)" -eq "$n_cells" ]
check "and it had cells" [ "$n_cells" -gt 0 ]

# ---- a cancelled case shows no colour; eval of nothing has no value ----
# A district of its own, its clock in March 2026 (events never go back
# in time, and the first admin key has signed in December).
B="$T/b"
export GRIDCASE_NOW=2026-03-02T01:00:00Z
ADMIN2=$("$G" admin keygen "$T/admin2.key")
"$G" --dir "$B" init --network testnet --name b --admin "$ADMIN2" > /dev/null
"$G" --dir "$B" roster add "$(node_key "$B")" --admin-key "$T/admin2.key" \
	--name b --unit centre --roles supervisor,operator,shift_lead,dispatcher > /dev/null
intake "$B" "$B" "$T/admin2.key" # reports, so that b's own key may register
# A case is dispatched only to a unit of the roster.
"$G" --dir "$B" roster add "$("$G" keygen "$T/office16.key")" --admin-key "$T/admin2.key" \
	--name office-16 --unit office-16 --roles disposal > /dev/null
"$G" --dir "$B" grid import "$GRIDCASE_DATA/district/grid.geojson" > /dev/null
check_out "a case is reported" '^[0-9]{8}-' "$G" --dir "$B" case report \
	--class event:06001 --grid 310104016001001 --where w --desc d
CX=$(grep -E '^[0-9]{8}-' "$OUT")
check "it is accepted" "$G" --dir "$B" case accept "$CX"
check "registered" "$G" --dir "$B" case register "$CX" --urgency urgent --limit 4h
check "and dispatched" "$G" --dir "$B" case dispatch "$CX" --unit office-16
export GRIDCASE_NOW=2026-03-20T01:00:00Z
check_out "long past its limit it is red" "^$CX .* red$" \
	"$G" --dir "$B" case list --state dispatched
check "then it is cancelled" "$G" --dir "$B" case cancel "$CX" --reason "reported twice"
check_out "a cancelled case shows no colour in case list" "^$CX +cancelled +06001 +310104016001001 +office-16 *$" \
	"$G" --dir "$B" case list --state cancelled
check_out "nor in its JSON" '"colour":"","conflicts"' \
	"$G" --dir "$B" case list --state cancelled --json
"$G" --dir "$B" case show "$CX" > "$OUT" 2>&1
if grep -Ewq 'green|yellow|red' "$OUT"; then fail "nor in case show"; else pass "nor in case show"; fi
check_out "eval: an average of no disposal is -, not 0" '^office-16 .* +- +- +' \
	"$G" --dir "$B" eval --from 2026-03-01 --to 2026-04-01
check_out "JSON: null" '"avg_disposal_minutes":null,"median_disposal_minutes":null' \
	"$G" --dir "$B" eval --from 2026-03-01 --to 2026-04-01 --json
check_out "CSV: empty" '^"office-16"(,[0-9]+){12},[0-9.]*,[0-9.]*,[0-9.]*,[0-9.]*,,,' \
	"$G" --dir "$B" eval --from 2026-03-01 --to 2026-04-01 --csv
check_err 2 "eval of one date twice says the period is empty, and why" \
	"--from and --to are the same: the period is empty, since --to is the first day after it" \
	"$G" --dir "$B" eval --from 2026-03-02 --to 2026-03-02
check_err 2 "eval with --to before --from says so" "--to 2026-03-01 is before --from 2026-03-02" \
	"$G" --dir "$B" eval --from 2026-03-02 --to 2026-03-01
check_out "one day is --to the next day" "^GROUP" \
	"$G" --dir "$B" eval --from 2026-03-02 --to 2026-03-03
unset GRIDCASE_NOW

finish

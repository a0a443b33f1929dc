# completion.sh - bash completion (docs/man/gridcase.bash) through bash's
# own completion function: commands, subcommands, options from the usage,
# case ids and peer names from the node; every command of `help` offered.
. "$(dirname "$0")/lib.sh"
: "${GRIDCASE_DATA:=$(pwd)/data}"
export GRIDCASE_DATA
SCRIPT=$(pwd)/docs/man/gridcase.bash

if ! command -v bash > /dev/null 2>&1; then
	echo "bash is not installed: skipped"
	finish
	exit
fi

# comp WORD...: what bash offers for the last word of `gridcase WORD...`.
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _gridcase; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$SCRIPT" "$G" "$@" | sort | tr '\n' ' '
}
# offers WANT WORD...: the offer is exactly WANT (sorted, space-separated).
offers() {
	want=$1
	shift
	got=$(comp "$@")
	[ "$got" = "$want " ] || { echo "offered: '$got', wanted '$want '"; return 1; }
}
admin_setup
"$G" --dir "$T/n" init --network x --name centre --admin "$ADMIN" > /dev/null
"$G" --dir "$T/n" roster add "$(node_key "$T/n")" --admin-key "$T/admin.key" --name centre \
	--roles supervisor,operator,dispatcher --addr tcp://127.0.0.1:7400 > /dev/null
"$G" --dir "$T/n" roster add "$("$G" keygen "$T/o.key")" --admin-key "$T/admin.key" \
	--name office-07 --roles disposal --addr tcp://127.0.0.1:7401 > /dev/null
CASE=$("$G" --dir "$T/n" case report --class event:01001 --grid 310104001001001 \
	--where here --desc broken)
check "a case to complete" test -n "$CASE"

check "a command's first letters: ca -> case" offers "case" ca
check "ro -> roster" offers "roster" ro
check "the hidden complete command is not offered" sh -c "! comp co | grep -q complete"
check "case's subcommands: sh -> show" offers "show" case sh
check "roster re -> replace, revoke" offers "replace revoke" roster re
check "global options" offers "--dir" --d
check "a command's options from its usage: case dispatch --u -> --unit" \
	offers "--unit" case dispatch "$CASE" --u
check "roster add's options" offers "--addr --admin-key" roster add KEY --ad
check "--help is offered everywhere" offers "--help" status --h
check "case ids: case show <TAB>" offers "$CASE" --dir "$T/n" case show ""
check "case ids after a workflow step" offers "$CASE" --dir "$T/n" case dispatch ""
check "case ids for --case" offers "$CASE" --dir "$T/n" log --case ""
check "peer names: peers block <TAB>" offers "centre office-07" --dir "$T/n" peers block ""
check "peer names: run --peer o" offers "office-07" --dir "$T/n" run --peer o
check "peer names: repl sync <TAB>" offers "centre office-07" --dir "$T/n" repl sync ""
check "members' names for keys: roster replace off" offers "office-07" --dir "$T/n" roster replace off
check "units for --unit" offers "office-07" --dir "$T/n" case dispatch "$CASE" --unit off
check "help <TAB> offers commands" offers "roster" help ro
GRIDCASE_DIR="$T/n" check "\$GRIDCASE_DIR serves as the node" offers "$CASE" case show ""
check "no node: no values, no error" offers "" --dir "$T/none" case show ""
# Every command of the help is offered from an empty word.
"$G" help | sed -n 's/^  \([a-z0-9-]*\).*/\1/p' | sort -u > "$T/cmds"
ALL=" $(comp "") "
while read -r c; do
	case "$ALL" in *" $c "*) ;; *) echo "$c" >> "$T/missing" ;; esac
done < "$T/cmds"
check "every command of help is offered" test ! -s "$T/missing"
finish

# manpage.sh - the manual page: groff reads it without a warning, it has
# EXAMPLES and a SEE ALSO that names pages and documents that exist, and
# it names every command of `gridcase help`.
. "$(dirname "$0")/lib.sh"
PAGE=$(pwd)/docs/man/gridcase.1

if ! command -v groff > /dev/null 2>&1; then
	echo "groff is not installed: skipped"
	finish
	exit
fi
check_exit 0 "groff reads it with every warning on, silently" sh -c \
	"groff -man -ww -z '$PAGE' 2>&1 | (! grep .)"
check "it has EXAMPLES" grep -q '^\.SH EXAMPLES' "$PAGE"
check "it has SEE ALSO" grep -q '^\.SH SEE ALSO' "$PAGE"
for doc in $(sed -n '/^\.SH SEE ALSO/,$p' "$PAGE" | grep -o '\\fB[a-z]*\.md\\fR' | sed 's/\\fB//;s/\\fR//'); do
	if [ "$doc" = README.md ]; then f=README.md; else f=docs/$doc; fi
	check "SEE ALSO names $doc, which exists" test -f "$f"
done
# Each command's first word (and subcommand) appears in COMMANDS.
sed -n '/^\.SH COMMANDS/,/^\.SH ENVIRONMENT/p' "$PAGE" | sed 's/\\-/-/g; s/\\f[BIR]//g' > "$T/commands"
"$G" help | sed -n 's/^  \([a-z-]*\( [a-z-]*\)\?\)  .*/\1/p' > "$T/list"
while read -r c; do
	last=${c##* }
	case "$c" in "case "*) last=case ;; esac # the workflow's steps: "case ACTION"
	grep -q -- "$last" "$T/commands" || echo "$c" >> "$T/missing"
done < "$T/list"
check "every command of help is in COMMANDS" test ! -s "$T/missing"
[ -s "$T/missing" ] && cat "$T/missing"
finish

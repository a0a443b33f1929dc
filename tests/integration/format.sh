#!/bin/sh
# format.sh - the files kept in the style of .clang-format (the Makefile's
# FORMAT_FILES) are as clang-format would write them: one check a file.
# The tree is not reformatted wholesale; a file joins the list once it is.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
pass=0
fail=0
if ! command -v clang-format >/dev/null 2>&1; then
	echo "FAIL: clang-format is not installed (make test installs it)"
	echo "0 passed, 1 failed"
	exit 1
fi
for f in $(make -s --no-print-directory format-files); do
	if out=$(clang-format --dry-run --Werror "$f" 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $f is not as clang-format writes it (make format):"
		echo "$out" | head -n 10 | sed 's/^/    | /'
	fi
done
# The check can fail: a formatted file with its indentation broken.
bad=$(mktemp --suffix=.c)
first=$(make -s --no-print-directory format-files | cut -d' ' -f1)
sed 's/^\t/  /' "$first" > "$bad"
if clang-format --style=file:"$top/.clang-format" --dry-run --Werror "$bad" >/dev/null 2>&1; then
	fail=$((fail + 1))
	echo "FAIL: a file indented with spaces passes the check"
else
	pass=$((pass + 1))
fi
rm -f "$bad"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

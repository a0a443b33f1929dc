#!/bin/sh
# errors.sh - every code of common/err.h can occur: each is produced by
# some module (a return or diag_set outside common/err.c) and named by
# some test or test vector (tests/, docs/vectors/).  A code nothing
# returns is dead and goes; a code no test names is untested.  One check
# per code.  ERRORS_TOP=DIR checks another tree (the suite's self-test).
top=${ERRORS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0
fail=0
codes=$(sed -n 's/^[[:space:]]*X(\(ERR_[A-Z_]*\),.*/\1/p' "$top/common/err.h")
[ -n "$codes" ] || { echo "FAIL: no codes in common/err.h"; echo "0 passed, 1 failed"; exit 1; }
for e in $codes; do
	made=$(cd "$top" && grep -rlw "$e" common crypto store replication node cli \
		--include='*.c' 2>/dev/null | grep -v '^common/err\.c$' | head -n 1)
	named=$(cd "$top" && grep -rlw "$e" tests docs/vectors 2>/dev/null |
		grep -v '^tests/integration/errors\.sh$' | head -n 1)
	if [ -n "$made" ] && [ -n "$named" ]; then
		pass=$((pass + 1))
		[ -n "${TEST_VERBOSE:-}" ] && echo "ok: $e (made in $made, named in $named)"
	else
		fail=$((fail + 1))
		echo "FAIL: $e: ${made:-produced by no module}; ${named:-named by no test}"
	fi
done
# The check must catch a dead code: a tree whose one code nothing makes.
if [ -z "${ERRORS_TOP:-}" ]; then
	t=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-errors-XXXXXX")
	mkdir -p "$t/common" "$t/store" "$t/tests"
	printf '\tX(ERR_USED, "used")\n\tX(ERR_DEAD, "dead")\n' >"$t/common/err.h"
	printf 'return ERR_USED;\n' >"$t/store/a.c"
	printf 'CHECK_ERR(f(), ERR_USED); ERR_DEAD\n' >"$t/tests/a_test.c"
	out=$(ERRORS_TOP=$t sh "$0" 2>&1)
	rm -rf "$t"
	if echo "$out" | grep -q '^1 passed, 1 failed$' &&
		echo "$out" | grep -q 'ERR_DEAD: produced by no module'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: a code no module produces is found"
		echo "$out" | sed 's/^/    /'
	fi
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

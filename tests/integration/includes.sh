#!/bin/sh
# includes.sh - the module boundaries of docs/architecture.md, checked on
# every #include of the source tree: one rule per module, each a test.
#
# A module may include its own headers, those of the modules below it,
# the C library and POSIX, and only its own third-party library.  The
# pure case domain (node/case/) includes nothing that does I/O.  Tests,
# tools and benchmarks may use anything except the CLI.
# INCLUDES_TOP=DIR checks another tree (the suite's own test does that).
top=${INCLUDES_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0
fail=0

# includes DIR... : "file: header" for each #include in DIR/*.c and *.h
# (not in subfolders), quotes and brackets kept.
includes() {
	for d in "$@"; do
		for f in "$top/$d"/*.c "$top/$d"/*.h; do
			[ -f "$f" ] || continue
			sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$f" |
				sed "s|^|${f#"$top"/}: |"
		done
	done
}

# rule NAME DIRS FORBIDDEN-REGEX: no include in DIRS matches the regex.
rule() {
	name=$1
	dirs=$2
	bad=$3
	# shellcheck disable=SC2086
	hits=$(includes $dirs | grep -E ": ($bad)")
	if [ -z "$hits" ]; then
		pass=$((pass + 1))
		[ -n "${TEST_VERBOSE:-}" ] && echo "ok: $name"
	else
		fail=$((fail + 1))
		echo "FAIL: $name"
		echo "$hits" | sed 's/^/    /'
	fi
}

# The pure domain: standard C without I/O headers, common/, the hash of
# crypto/ (a pure function), and itself.
rule "node/case/ includes only the C library, common/, crypto/hash.h and node/case/" \
	"node/case" \
	'"(store|replication|cli)/|"node/[^c]|"node/c[^a]|"crypto/[^h]|<(lmdb|sodium|uv|msgpack)\.h>|<nng/|<(unistd|fcntl|dirent|pthread|signal|poll)\.h>|<sys/'
rule "common/ includes no other module and no library but msgpack" \
	"common" \
	'"(crypto|store|replication|node|cli)/|<(lmdb|sodium|uv)\.h>|<nng/'
rule "crypto/ includes only common/ and libsodium" \
	"crypto" \
	'"(store|replication|node|cli)/|<(lmdb|uv|msgpack)\.h>|<nng/'
rule "store/ includes only common/, crypto/ and LMDB" \
	"store" \
	'"(replication|node|cli)/|<(sodium|uv|msgpack)\.h>|<nng/'
rule "replication/ includes only common/, crypto/, store/ and nng" \
	"replication" \
	'"(node|cli)/|<(lmdb|sodium|uv|msgpack)\.h>'
rule "node/ includes no cli/, and of the libraries only libuv" \
	"node" \
	'"cli/|<(lmdb|sodium|msgpack)\.h>|<nng/'
rule "node/ outside node/http/ includes nothing of the console above it" \
	"node node/case" \
	'"node/http/'
rule "node/http/ includes no cli/, and of the libraries only nng's HTTP server" \
	"node/http" \
	'"cli/|<(lmdb|sodium|uv|msgpack)\.h>|<nng/[^ns]|<nng/supplemental/[^h]'
# nng is touched by node/http/server.c alone: the pages never see it.
hits=$(includes node/http | grep -v '^node/http/server\.c:' | grep -E ': <nng/')
if [ -z "$hits" ]; then
	pass=$((pass + 1))
	[ -n "${TEST_VERBOSE:-}" ] && echo "ok: nng in node/http/server.c only"
else
	fail=$((fail + 1))
	echo "FAIL: nng in node/http/server.c only"
	echo "$hits" | sed 's/^/    /'
fi
rule "cli/ uses no library directly: it calls the modules" \
	"cli" \
	'<(lmdb|sodium|uv|msgpack)\.h>|<nng/'
rule "nothing outside cli/ includes cli/" \
	"common crypto store replication node node/case node/http tests tests/unit tests/tools tests/fuzz bench" \
	'"cli/'

# The check itself must catch a crossing: a tree with one bad include.
if [ -z "${INCLUDES_TOP:-}" ]; then
	t=$(mktemp -d "${TMPDIR:-/tmp}/gridcase-includes-XXXXXX")
	mkdir -p "$t/node/case" "$t/store"
	printf '#include "store/store.h"\n' >"$t/node/case/bad.c"
	printf '#include "node/node.h"\n' >"$t/store/bad.c"
	out=$(INCLUDES_TOP=$t sh "$0" 2>&1)
	rm -rf "$t"
	if echo "$out" | grep -q '^2 failed$\|, 2 failed$' &&
		echo "$out" | grep -q 'node/case/bad.c: "store/store.h"' &&
		echo "$out" | grep -q 'store/bad.c: "node/node.h"'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: a tree with crossing includes is refused"
		echo "$out" | sed 's/^/    /'
	fi
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]

#!/bin/sh
# deb.sh - the Debian package as a district's IT department meets it:
# `make deb` builds it (dpkg-buildpackage, then lintian: no error), dpkg
# installs it, the files are where Debian expects them and the service's
# user exists, a district of two nodes runs from the installed files only
# (/usr/bin/gridcase, its data from /usr/share/gridcase, nothing of the
# source tree), and the package is purged.
#
#   tests/integration/deb.sh [build-deb/gridcase_VERSION_ARCH.deb]
#
# Without an argument it builds the package first (make test); `make
# deb-test` gives it the one it built.  It installs software, so it runs
# only as root (CI's fresh machine, `sudo make test`), and never when a
# gridcase package is installed already: an admin's real installation is
# not touched.  Otherwise it says why and checks nothing.

SRC=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "deb: not run: it installs a package, and this is not root"
	echo "0 passed, 0 failed"
	exit 0
fi
if dpkg-query -W -f '${Status}' gridcase 2>/dev/null | grep -q 'ok installed'; then
	echo "deb: not run: a gridcase package is installed on this machine"
	echo "0 passed, 0 failed"
	exit 0
fi
GRIDCASE=/usr/bin/gridcase
export GRIDCASE
. "$SRC/tests/integration/lib.sh"
cd "$T" || exit 1
. "$SRC/tests/integration/repl_lib.inc"
# Nothing of the source tree: the data files are the installed ones.
unset GRIDCASE_DATA

if [ -n "${1:-}" ]; then
	DEB=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
else
	# A make of its own, not the one running the tests: no jobserver.
	if env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$SRC" deb > "$T/deb.log" 2>&1; then
		pass "make deb builds the package and lintian finds no error"
	else
		tail -n 30 "$T/deb.log" > "$OUT"
		fail "make deb builds the package and lintian finds no error"
		finish
		exit 1
	fi
	DEB=$(ls "$SRC"/build-deb/gridcase_*.deb | head -n 1)
fi
check "dpkg installs the package" dpkg -i "$DEB"
for f in /usr/bin/gridcase /usr/share/gridcase/config.json \
	/usr/share/gridcase/classification-gbt47678.5.csv \
	/usr/share/gridcase/district/grid.geojson \
	/usr/share/man/man1/gridcase.1.gz /lib/systemd/system/gridcase.service \
	/usr/lib/sysusers.d/gridcase.conf \
	/usr/share/bash-completion/completions/gridcase \
	/usr/share/doc/gridcase/copyright /usr/share/doc/gridcase/workflow.md.gz; do
	check "it installs $f" test -f "$f"
done
check "the unit runs the installed binary" grep -q '^ExecStart=/usr/bin/gridcase run$' \
	/lib/systemd/system/gridcase.service
check "the service's user exists (sysusers)" getent passwd gridcase
check "man finds the page" man -w gridcase
check "the unit is not enabled (no node yet)" sh -c \
	"! test -e /etc/systemd/system/multi-user.target.wants/gridcase.service"
if command -v systemd-analyze > /dev/null 2>&1; then
	check_out "the installed unit scores below 3" "exposure level for gridcase.service: [0-2]\." \
		systemd-analyze security --offline=yes /lib/systemd/system/gridcase.service
fi

# A district from the installed files only.
check "a district of two nodes" district centre office
check "the centre's daemon starts" start_daemon centre --interval 200
check "the office's daemon starts" start_daemon office --interval 200
CASE=$("$G" --dir "$T/centre" case report --class event:01001 \
	--grid 310104001001001 --where "Tianyaoqiao Rd 80" --desc "manhole cover missing")
check "a case is reported with the installed classification" test -n "$CASE"
reached() {
	"$G" --dir "$T/office" case show "$CASE" > /dev/null 2>&1
}
check "it reaches the office" wait_until 10 reached
check_out "status says the daemon runs" "^daemon +running: pid" "$G" --dir "$T/office" status
check "a backup while the daemon runs" "$G" --dir "$T/office" backup "$T/bk"
check "the office's daemon stops" stop_daemon office
check "the centre's daemon stops" stop_daemon centre
check "the package is purged" dpkg --purge gridcase
check "and its binary is gone" test ! -e /usr/bin/gridcase
finish

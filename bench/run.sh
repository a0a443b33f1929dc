#!/bin/sh
# run.sh - runs every benchmark binary, in name order, and prints its output.
#
# The binaries are build/bench/<name>, built optimised by `make bench` from
# bench/<name>.c.  Each makes its stores in a fresh directory under
# $GRIDCASE_BENCH_DIR (default build/bench), which must be on a real disk:
# durable commits on tmpfs never reach one.  Each removes its stores when
# it is done.
# BENCH_FILTER=pattern runs only the benchmarks whose name contains it.
#
# Benchmarks print figures and never assert timings; this script fails
# only when a benchmark could not run.

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
dir=${GRIDCASE_BENCH_DIR:-$top/build/bench}
mkdir -p "$dir" || exit 1
export GRIDCASE_BENCH_DIR="$dir"
export GRIDCASE_DATA="$top/data"

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "gridcase benchmarks, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu: ${cpu:-unknown}, $(nproc) cores; kernel $(uname -r)"

status=0
for src in bench/*_bench.c; do
	name=$(basename "$src" .c)
	case $name in
	*"${BENCH_FILTER:-}"*) ;;
	*) continue ;;
	esac
	echo
	echo "== $name"
	if [ ! -x "build/bench/$name" ]; then
		echo "$name: not built (run 'make bench')"
		status=1
		continue
	fi
	start=$(date +%s)
	"build/bench/$name" || status=1
	echo "($name took $(( $(date +%s) - start )) s)"
done
exit $status

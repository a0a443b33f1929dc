#!/bin/sh
# soak.sh - `make soak`: a district of SOAK_NODES real `gridcase run`
# daemons on 127.0.0.1 (the centre and offices o1, o2 ...) for
# SOAK_SECONDS, with a stream of CLI writes on every node and, at random
# (seeded by SOAK_SEED), kill -9 of daemons and of writers mid-write,
# partitions (`peers block`), clocks that differ between nodes (one
# beyond the allowed skew, whose events wait elsewhere), a full disk on
# one node and a hostile client hammering another.  Then it heals
# everything, waits for convergence with a deadline and prints: the
# acknowledged events lost (must be 0), whether every digest is equal,
# each daemon's peak RSS, what was done how often, and `gridcase verify`
# on every node.  Exit 1 if an acknowledged event is lost, the digests
# differ, a verify fails, or a process crashed by itself.
#
# docs/soak.md describes the knobs and how to read the output.  It reuses
# the integration tests' harness (tests/integration/lib.sh and
# repl_lib.inc: the district, the daemons, the seeded generator).

# Node lists are split into words on purpose; district() sets PORT_x and
# KEY_x, and this script PID_x, DOWN_x, PEAK_x with eval.
# shellcheck disable=SC2086,SC2154
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

NODES_N=${SOAK_NODES:-6}
SECONDS_RUN=${SOAK_SECONDS:-300}
SEED=${SOAK_SEED:-$(($(date +%s) % 1000000))}
WRITE_MS=${SOAK_WRITE_MS:-1000}          # mean pause of each node's writer
INTERVAL=${SOAK_INTERVAL:-1000}          # the daemons' --interval
MAX_SKEW=${SOAK_MAX_SKEW_MS:-60000}      # config.json max_clock_skew_ms
SKEW=${SOAK_SKEW_MS:-20000}              # ordinary clocks: within +-SKEW
FAST=${SOAK_FAST_MS:-90000}              # the fast node's clock: +FAST
CONVERGE=${SOAK_CONVERGE_SECONDS:-180}   # deadline after the heal
KILL_EVERY=${SOAK_KILL_EVERY:-20}        # mean seconds between kill -9s
PART_EVERY=${SOAK_PARTITION_EVERY:-30}
SKEW_EVERY=${SOAK_SKEW_EVERY:-20}
DISK_EVERY=${SOAK_DISK_EVERY:-60}
HOSTILE_EVERY=${SOAK_HOSTILE_EVERY:-30}
WRITER_KILL_PCT=${SOAK_WRITER_KILL_PCT:-3}
DISK_MB=${SOAK_DISK_MB:-64}

if [ "${SOAK_SAN:-0}" = 1 ]; then
	BUILD=build-san
	GRIDCASE="$top/build-san/gridcase"
	GRIDCASE_TOOLS="$top/build-san/tools"
else
	BUILD=build
	GRIDCASE="$top/gridcase"
	GRIDCASE_TOOLS="$top/build/tools"
fi
export GRIDCASE GRIDCASE_TOOLS
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}"
for f in "$GRIDCASE" "$GRIDCASE_TOOLS/net_hostile"; do
	[ -x "$f" ] || { echo "soak: '$f' is not built (make soak builds it)"; exit 2; }
done

# The full disk needs a small file system of its own: a tmpfs in a
# private mount namespace (the script runs itself again under
# `unshare -m`), as tests/integration/disk_full.sh does.  Without the
# rights for that, the full disk is skipped, and said so.
if [ -z "${SOAK_NS:-}" ] && [ "${SOAK_DISK:-1}" = 1 ] && unshare -m true 2>/dev/null; then
	SOAK_NS=1 SOAK_SEED=$SEED exec unshare -m sh "$0" "$@"
fi
DISK=0
[ -n "${SOAK_NS:-}" ] && DISK=1

. "$top/tests/integration/lib.sh"
. "$top/tests/integration/repl_lib.inc"

# ---- the district ----

NODES="centre"
i=1
while [ "$i" -lt "$NODES_N" ]; do
	NODES="$NODES o$i"
	i=$((i + 1))
done
LAST=o$((NODES_N - 1))
FASTN=""         # the node whose clock is beyond the allowed skew
DISKN=""         # the node on a small file system
HOSTN=centre     # the node the hostile client hammers
[ "$NODES_N" -ge 3 ] && FASTN=$LAST
[ "$NODES_N" -ge 2 ] && DISKN=o1
[ "$NODES_N" -ge 4 ] && HOSTN=o2

HOSTILE_PID=""
WRITERS=""
soak_cleanup() {
	[ -n "$HOSTILE_PID" ] && kill -TERM "$HOSTILE_PID" 2>/dev/null
	for p in $WRITERS; do kill -TERM "$p" 2>/dev/null; done
	for p in $WRITERS $HOSTILE_PID; do wait "$p" 2>/dev/null; done
	for rc_p in $DAEMONS; do kill -KILL "$rc_p" 2>/dev/null; done
	for rc_p in $DAEMONS; do wait "$rc_p" 2>/dev/null; done
	[ -n "$DISKN" ] && umount "$T/$DISKN" 2>/dev/null
	if [ "${SOAK_KEEP:-0}" = 1 ]; then
		echo "soak: kept $T"
	else
		rm -rf "$T"
	fi
}
trap soak_cleanup EXIT

echo "soak: seed $SEED (SOAK_SEED=$SEED repeats this run's choices), $NODES_N nodes, ${SECONDS_RUN} s, $BUILD/"
seed_rng "$SEED"

if [ "$DISK" = 1 ] && [ -n "$DISKN" ]; then
	mkdir "$T/$DISKN"
	if ! mount -t tmpfs -o size="${DISK_MB}m" tmpfs "$T/$DISKN" 2>"$OUT"; then
		echo "soak: cannot mount a tmpfs ($(cat "$OUT")): the full disk is skipped"
		DISK=0
	fi
fi
if [ "$DISK" = 0 ]; then
	if [ "${SOAK_DISK:-1}" = 0 ]; then
		echo "soak: SOAK_DISK=0: the full disk is skipped"
	elif [ -n "$DISKN" ]; then
		echo "soak: no private mount namespace (unshare -m needs root): the full disk is skipped"
	fi
	DISKN=""
fi

district $NODES || { echo "soak: cannot make the district"; exit 2; }
# Each node reports with its intake key, so that its own key may register
# the cases it reports (one key may not both report and register).
# shellcheck disable=SC2086
district_intake $NODES || { echo "soak: cannot give the nodes intake keys"; exit 2; }
for n in $NODES; do
	sed -i "s/\"max_clock_skew_ms\": [0-9]*/\"max_clock_skew_ms\": $MAX_SKEW/" "$T/$n/config.json"
	echo 0 > "$T/$n.skew"
	eval "PEAK_$n=0 DOWN_$n="
done
[ -n "$FASTN" ] && echo "$FAST" > "$T/$FASTN.skew"

# The centre pulls from every member; each office from the centre and
# from the next office (a ring), so that a partition of the centre does
# not cut every office off.
args_of() {
	[ "$1" = centre ] && { echo "--interval $INTERVAL"; return; }
	ao_i=${1#o}
	ao_next=$((ao_i + 1))
	[ "$ao_next" -ge "$NODES_N" ] && ao_next=1
	if [ "o$ao_next" = "$1" ]; then
		echo "--interval $INTERVAL --peer centre"
	else
		echo "--interval $INTERVAL --peer centre --peer o$ao_next"
	fi
}

# launch NAME: the node's daemon, in the background, without waiting.
launch() {
	"$G" --dir "$T/$1" run $(args_of "$1") >> "$T/$1.log" 2>&1 &
	eval "PID_$1=$!"
	DAEMONS="$DAEMONS $!"
}

for n in $NODES; do
	start_daemon "$n" $(args_of "$n") || { echo "soak: $n's daemon does not start"; exit 2; }
done
echo "soak: nodes $NODES (centre $(addr_of centre)); clock of ${FASTN:-none} +${FAST} ms (allowed $MAX_SKEW ms); full disk on ${DISKN:-none}; hostile client at $HOSTN"

# ---- the writers: one per node, in the background ----

sleep_ms() {
	sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"
}

# writer NAME INDEX: until $T/stop exists, a write on the node every
# WRITE_MS on average: a report, a workflow step on a case it knows, or a
# low-level note; the acknowledged ones (exit 0, an id) go to
# $T/ledger.NAME as "ID NAME KIND".  Sometimes the CLI is killed with -9
# after a few ms.
writer() {
	wn=$1
	seed_rng $((SEED * 31 + $2 * 7919 + 1))
	w_all=0 w_ack=0 w_ref=0 w_full=0 w_kill=0 w_bad=0
	: > "$T/ledger.$wn"
	: > "$T/$wn.cases"
	: > "$T/$wn.refusals"
	echo "0 0 0 0 0 0" > "$T/$wn.wstats"
	eval "w_key=\$INTAKE_$wn" # the author of its reports
	while [ ! -e "$T/stop" ]; do
		rand "$WRITE_MS"
		sleep_ms $((WRITE_MS / 2 + R))
		w_all=$((w_all + 1))
		read -r w_skew < "$T/$wn.skew"
		GRIDCASE_NOW=$(($(now_ms) + w_skew))
		export GRIDCASE_NOW
		# The cases it knows, read again after a refusal and every
		# third write (other nodes move them on meanwhile).
		if [ "${w_rc:-1}" -ne 0 ] || [ $((w_all % 3)) -eq 1 ]; then
			"$G" --dir "$T/$wn" case list --json 2>/dev/null | tr '{' '\n' |
				sed -n 's/^"case":"\([^"]*\)","status":"\([^"]*\)".*"unit":"\([^"]*\)".*/\1 \2 \3/p' |
				tail -n 40 > "$T/$wn.cases"
		fi
		w_n=$(wc -l < "$T/$wn.cases")
		w_case="" w_st="" w_unit=""
		if [ "$w_n" -gt 0 ]; then
			rand "$w_n"
			# shellcheck disable=SC2046
			set -- $(sed -n "$((R + 1))p" "$T/$wn.cases")
			w_case=$1 w_st=$2 w_unit=${3:-}
		fi
		rand 100
		if [ "$R" -lt 15 ] || [ -z "$w_case" ]; then
			w_kind=report
			set -- case report --class event:06010 --grid 310104001002003 \
				--where "soak $wn $w_all" --desc "found by the soak"
		elif [ "$R" -lt 60 ]; then
			w_kind=step
			rand 10
			case $w_st in
			reported | checked) set -- case accept "$w_case" ;;
			accepted) set -- case register "$w_case" --urgency normal ;;
			registered | returned)
				rand "$NODES_N"
				w_to=o$R
				[ "$R" -eq 0 ] && w_to=centre
				set -- case dispatch "$w_case" --unit "$w_to" ;;
			dispatched)
				if [ "$w_unit" != "$wn" ]; then
					w_kind=note
				elif [ "$R" -eq 0 ]; then
					set -- case return "$w_case" --reason "not ours"
				elif [ "$R" -lt 5 ]; then
					set -- case dispose "$w_case" --notes "working on it"
				else
					set -- case feedback "$w_case" --notes done
				fi ;;
			fed_back)
				if [ "$R" -lt 8 ]; then
					set -- case verify-pass "$w_case"
				else
					set -- case verify-fail "$w_case" --reason "still there"
				fi ;;
			verified) set -- case close "$w_case" ;;
			closed)
				if [ "$R" -lt 2 ]; then
					set -- case reopen "$w_case" --reason "back again"
				else
					w_kind=note
				fi ;;
			*) w_kind=note ;;
			esac
		else
			w_kind=note
		fi
		[ "$w_kind" = note ] &&
			set -- event add --case "$w_case" --type note --body "{\"by\":\"$wn\",\"n\":$w_all}"
		rand 100
		if [ "$R" -lt "$WRITER_KILL_PCT" ]; then
			"$G" --dir "$T/$wn" "$@" > "$T/$wn.out" 2> "$T/$wn.err" &
			w_p=$!
			rand 40
			sleep_ms "$R"
			kill -KILL "$w_p" 2>/dev/null
			wait "$w_p" 2>/dev/null
			w_rc=$?
			w_killed=1
		else
			"$G" --dir "$T/$wn" "$@" > "$T/$wn.out" 2> "$T/$wn.err"
			w_rc=$?
			w_killed=0
		fi
		w_id=$(head -n 1 "$T/$wn.out")
		if [ "$w_rc" -eq 0 ] && [ "$w_kind" = report ]; then
			# The report printed its case id: its event is the case's
			# one report by this node's intake key.
			w_id=$("$G" --dir "$T/$wn" log --case "$w_id" --json 2>/dev/null | tr '{' '\n' |
				grep "\"author\":\"$w_key\".*\"type\":\"report\"" |
				sed -n 's/^"id":"\([0-9a-f]*\)".*/\1/p' | head -n 1)
		fi
		if [ "$w_rc" -eq 0 ] && [ "${#w_id}" -eq 64 ]; then
			w_ack=$((w_ack + 1))
			echo "$w_id $wn $w_kind" >> "$T/ledger.$wn"
		elif [ "$w_rc" -eq 1 ] && grep -q "disk full" "$T/$wn.err"; then
			w_full=$((w_full + 1))
		elif [ "$w_rc" -eq 1 ]; then
			w_ref=$((w_ref + 1))
			head -n 1 "$T/$wn.err" >> "$T/$wn.refusals"
		elif [ "$w_killed" = 1 ] && [ "$w_rc" -eq 137 ]; then
			w_kill=$((w_kill + 1))
		else
			w_bad=$((w_bad + 1))
			{
				echo "$wn: gridcase $* exited $w_rc (out: $w_id)"
				head -n 20 "$T/$wn.err"
			} >> "$T/anomalies"
		fi
		echo "$w_all $w_ack $w_ref $w_full $w_kill $w_bad" > "$T/$wn.wstats"
	done
}

I=0
for n in $NODES; do
	writer "$n" "$I" &
	WRITERS="$WRITERS $!"
	I=$((I + 1))
done

# ---- the chaos, from this shell ----

KILLS=0 RESTARTS=0 DIED=0 PARTS=0 ISOLATIONS=0 SPLITS=0 BLOCKS=0 BLOCK_FAILS=0
SKEWS=0 FULLS=0 FULL_SECS=0 HOSTILES=0 HOSTILE_MODES="" FUTURE_PEAK=0 PENDING_PEAK=0
PART_END=0 DISK_END=0 DISK_T0=0 HOSTILE_NEXT=0
: > "$T/blocked"
: > "$T/anomalies"
: > "$T/hostile.out"

# next SECS: NEXT is a time (ms) SECS seconds from now on average (a half
# to one and a half times SECS), for the next fault of a kind: each kind
# comes about SECONDS_RUN / SECS times in a run.
next() {
	rand 1001
	NEXT=$(($(now_ms) + $1 * (500 + R)))
}
# first SECS: the first fault of a kind, within the first SECS seconds
# (or the first half of a short run).
first() {
	fi_s=$1
	[ "$fi_s" -gt $((SECONDS_RUN / 2)) ] && fi_s=$((SECONDS_RUN / 2))
	rand 1001
	NEXT=$(($(now_ms) + fi_s * R))
}

# hwm NAME: the peak RSS of NAME's daemon so far (VmHWM, kB) into PEAK_NAME.
hwm() {
	eval "hw_p=\${PID_$1:-}"
	[ -n "$hw_p" ] || return 0
	hw_k=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$hw_p/status" 2>/dev/null)
	eval "hw_old=\$PEAK_$1"
	[ -n "$hw_k" ] && [ "$hw_k" -gt "$hw_old" ] && eval "PEAK_$1=$hw_k"
	return 0
}

up_nodes() {
	for un_n in $NODES; do
		[ -n "$(pid_of "$un_n")" ] && echo "$un_n"
	done
}

# pick WORDS...: PICK is one of them, at random.
pick() {
	rand $#
	shift "$R"
	PICK=$1
}

# block_pair A B: A blocks B and B blocks A (each recorded in $T/blocked).
block_one() {
	if "$G" --dir "$T/$1" peers block "$2" > /dev/null 2>&1; then
		echo "$1 $2" >> "$T/blocked"
		BLOCKS=$((BLOCKS + 1))
	else
		BLOCK_FAILS=$((BLOCK_FAILS + 1))
	fi
}
partition() {
	rand 2
	if [ "$R" -eq 0 ] || [ "$NODES_N" -lt 4 ]; then
		pick $NODES
		PA=$PICK
		PB=""
		for n in $NODES; do [ "$n" = "$PA" ] || PB="$PB $n"; done
		ISOLATIONS=$((ISOLATIONS + 1))
	else
		PA="" PB=""
		for n in $NODES; do
			rand 2
			if [ "$R" -eq 0 ]; then PA="$PA $n"; else PB="$PB $n"; fi
		done
		[ -z "$PA" ] || [ -z "$PB" ] && return 0
		SPLITS=$((SPLITS + 1))
	fi
	for a in $PA; do
		for b in $PB; do
			block_one "$a" "$b"
			block_one "$b" "$a"
		done
	done
	PARTS=$((PARTS + 1))
	rand 26
	PART_END=$(($(now_ms) + (5 + R) * 1000))
	echo "  partition: {$PA } | {$PB } for $((5 + R)) s"
}
# heal: every block lifted; the ones that fail (a full disk) stay listed
# and are tried again at the next tick.
heal() {
	[ -s "$T/blocked" ] || return 0
	: > "$T/blocked.left"
	while read -r ha hb; do
		"$G" --dir "$T/$ha" peers unblock "$hb" > /dev/null 2>&1 ||
			echo "$ha $hb" >> "$T/blocked.left"
	done < "$T/blocked"
	mv "$T/blocked.left" "$T/blocked"
}

# reap NAME: NAME's daemon ended by itself: say how, and restart it.
reap() {
	rp_p=$(pid_of "$1")
	wait "$rp_p"
	rp_rc=$?
	forget_pid "$rp_p"
	eval "PID_$1="
	DIED=$((DIED + 1))
	{
		echo "$1: the daemon (pid $rp_p) ended by itself with status $rp_rc at $(($(now_ms) - T_START)) ms; its log ends:"
		tail -n 15 "$T/$1.log"
	} >> "$T/anomalies"
	echo "  $1's daemon ended by itself (status $rp_rc): restarted"
	launch "$1"
	RESTARTS=$((RESTARTS + 1))
}

# hostile: a burst of 5 to 15 s from net_hostile at HOSTN, each burst
# the next mode of the cycle (which begins at random).
HOSTILE_CYCLE="silent idle partial flood"
hostile() {
	rand 4
	[ "$HOSTILES" -eq 0 ] && HOSTILE_NEXT=$R
	HOSTILE_NEXT=$(((HOSTILE_NEXT + 1) % 4))
	# shellcheck disable=SC2046
	set -- $HOSTILE_CYCLE
	shift "$HOSTILE_NEXT"
	PICK=$1
	rand 11
	ho_secs=$((5 + R))
	case $PICK in
	idle) set -- --conns 300 --spread 30 ;;
	partial) set -- --conns 60 --size 1048576 --spread 10 ;;
	flood) set -- --conns 10 --from 127.0.0.5 ;;
	silent) set -- --conns 300 --from 127.0.0.4 ;;
	esac
	echo "== $PICK for $ho_secs s" >> "$T/hostile.out"
	"$GRIDCASE_TOOLS/net_hostile" "$PICK" "$(addr_of "$HOSTN")" "$@" \
		--seconds "$ho_secs" --report 5000 >> "$T/hostile.out" 2>&1 &
	HOSTILE_PID=$!
	HOSTILES=$((HOSTILES + 1))
	HOSTILE_MODES="$HOSTILE_MODES $PICK"
}

T_START=$(now_ms)
first "$KILL_EVERY"; NEXT_KILL=$NEXT
first "$PART_EVERY"; NEXT_PART=$NEXT
first "$SKEW_EVERY"; NEXT_SKEW=$NEXT
first "$DISK_EVERY"; NEXT_DISK=$NEXT
first "$HOSTILE_EVERY"; NEXT_HOSTILE=$NEXT
T_END=$((T_START + SECONDS_RUN * 1000))
NEXT_REPORT=$((T_START + 30000))
TICK=0
MAX_DOWN=$((NODES_N / 3))
[ "$MAX_DOWN" -ge 1 ] || MAX_DOWN=1
while [ "$(now_ms)" -lt "$T_END" ]; do
	sleep 0.5
	TICK=$((TICK + 1))
	NOW=$(now_ms)
	# Daemons: the ones that ended by themselves, and the ones due back.
	DOWN=0
	for n in $NODES; do
		eval "p=\${PID_$n:-}"
		if [ -n "$p" ]; then
			alive "$p" || reap "$n"
		else
			eval "d=\$DOWN_$n"
			if [ "$NOW" -ge "$d" ]; then
				launch "$n"
				RESTARTS=$((RESTARTS + 1))
				eval "DOWN_$n="
			else
				DOWN=$((DOWN + 1))
			fi
		fi
	done
	[ $((TICK % 4)) -eq 0 ] && for n in $NODES; do hwm "$n"; done
	if [ $((TICK % 6)) -eq 0 ]; then
		# What waits on the centre: for its clock, or behind those.
		"$G" --dir "$T/centre" status --json > "$T/.status" 2>/dev/null
		f=$(sed -n 's/.*"waiting_count":{[^}]*"future":\([0-9]*\).*/\1/p' "$T/.status")
		[ -n "$f" ] && [ "$f" -gt "$FUTURE_PEAK" ] && FUTURE_PEAK=$f
		f=$(sed -n 's/.*"pending":\([0-9]*\).*/\1/p' "$T/.status")
		[ -n "$f" ] && [ "$f" -gt "$PENDING_PEAK" ] && PENDING_PEAK=$f
	fi
	# kill -9 of a daemon, back after 2 to 15 s.
	if [ "$NOW" -ge "$NEXT_KILL" ] && [ "$DOWN" -lt "$MAX_DOWN" ]; then
		next "$KILL_EVERY"; NEXT_KILL=$NEXT
		pick $(up_nodes)
		eval "p=\$PID_$PICK"
		hwm "$PICK"
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
		forget_pid "$p"
		eval "PID_$PICK="
		rand 14
		eval "DOWN_$PICK=$((NOW + (2 + R) * 1000))"
		KILLS=$((KILLS + 1))
		echo "  kill -9 $PICK's daemon, back in $((2 + R)) s"
	fi
	# Partitions.
	if [ "$PART_END" -gt 0 ] && [ "$NOW" -ge "$PART_END" ]; then
		PART_END=0
		heal
		echo "  partition healed"
	elif [ "$PART_END" -eq 0 ]; then
		heal
		if [ "$NOW" -ge "$NEXT_PART" ]; then
			partition
			next "$PART_EVERY"; NEXT_PART=$NEXT
		fi
	fi
	# Clocks: an ordinary node's clock moves within +-SKEW.
	if [ "$NOW" -ge "$NEXT_SKEW" ]; then
		next "$SKEW_EVERY"; NEXT_SKEW=$NEXT
		pick $NODES
		if [ "$PICK" != "$FASTN" ]; then
			rand $((SKEW / 250 + 1))
			echo $((R * 500 - SKEW)) > "$T/$PICK.skew.new" # the writer reads it
			mv "$T/$PICK.skew.new" "$T/$PICK.skew"
			SKEWS=$((SKEWS + 1))
		fi
	fi
	# The full disk.
	if [ -n "$DISKN" ]; then
		if [ "$DISK_END" -gt 0 ] && [ "$NOW" -ge "$DISK_END" ]; then
			rm -f "$T/$DISKN/filler"
			FULL_SECS=$((FULL_SECS + (NOW - DISK_T0) / 1000))
			DISK_END=0
			echo "  $DISKN's disk has room again"
		elif [ "$DISK_END" -eq 0 ] && [ "$NOW" -ge "$NEXT_DISK" ]; then
			next "$DISK_EVERY"; NEXT_DISK=$NEXT
			dd if=/dev/zero of="$T/$DISKN/filler" bs=64k > /dev/null 2>&1
			rand 21
			DISK_T0=$NOW
			DISK_END=$((NOW + (10 + R) * 1000))
			FULLS=$((FULLS + 1))
			echo "  $DISKN's disk is full for $((10 + R)) s"
		fi
	fi
	# The hostile client.
	if [ -n "$HOSTILE_PID" ] && ! alive "$HOSTILE_PID"; then
		wait "$HOSTILE_PID"
		HOSTILE_PID=""
	fi
	if [ -z "$HOSTILE_PID" ] && [ "$NOW" -ge "$NEXT_HOSTILE" ]; then
		next "$HOSTILE_EVERY"; NEXT_HOSTILE=$NEXT
		hostile
		echo "  hostile client: $PICK at $HOSTN for $ho_secs s"
	fi
	if [ "$NOW" -ge "$NEXT_REPORT" ]; then
		NEXT_REPORT=$((NEXT_REPORT + 30000))
		acked=$(cat "$T"/ledger.* | wc -l)
		echo "soak: $(((NOW - T_START) / 1000)) s: $acked events acknowledged, $KILLS kills, $PARTS partitions, $FULLS full disks, $HOSTILES hostile bursts, $DOWN daemons down"
	fi
done

# ---- heal everything ----

echo "soak: ${SECONDS_RUN} s are over: the writers stop, everything heals"
touch "$T/stop"
for p in $WRITERS; do wait "$p"; done
WRITERS=""
if [ -n "$HOSTILE_PID" ]; then
	kill -TERM "$HOSTILE_PID" 2>/dev/null
	wait "$HOSTILE_PID"
	HOSTILE_PID=""
fi
if [ -n "$DISKN" ] && [ "$DISK_END" -gt 0 ]; then
	rm -f "$T/$DISKN/filler"
	FULL_SECS=$((FULL_SECS + ($(now_ms) - DISK_T0) / 1000))
fi
heal
for a in $NODES; do
	for b in $NODES; do
		[ "$a" = "$b" ] || "$G" --dir "$T/$a" peers unblock "$b" > /dev/null 2>&1 ||
			echo "soak: cannot unblock $b on $a"
	done
done
for n in $NODES; do
	p=$(pid_of "$n")
	if [ -z "$p" ]; then
		launch "$n"
		RESTARTS=$((RESTARTS + 1))
	elif ! alive "$p"; then
		reap "$n"
	fi
done
# SOAK_SELF_CHECK=1: an id that no node holds joins the ledger, so the
# run must fail with 1 lost: a check of the checks.
[ "${SOAK_SELF_CHECK:-0}" = 1 ] &&
	echo "$(printf '%064d' 0) nowhere self-check" >> "$T/ledger.centre"
cat "$T"/ledger.* | cut -d' ' -f1 | sort -u > "$T/acked"
ACKED=$(wc -l < "$T/acked")

no_pending() {
	for np_n; do
		[ "$("$G" --dir "$T/$np_n" status --json | sed -n 's/.*"pending":\([0-9]*\).*/\1/p')" = 0 ] || return 1
	done
}
settled() {
	for n in $NODES; do hwm "$n"; done
	converged $NODES && no_pending $NODES
}
T_HEAL=$(now_ms)
WAIT_POLL=2
if wait_until "$CONVERGE" settled; then
	CONVERGED="yes, $((($(now_ms) - T_HEAL) / 1000)) s after the heal"
else
	CONVERGED="NO, not within $CONVERGE s"
fi

# ---- the report ----

FAILED=0
echo
echo "== soak report (seed $SEED, $NODES_N nodes, ${SECONDS_RUN} s, $BUILD/)"
echo "converged:         $CONVERGED"
: > "$T/lost"
for n in $NODES; do
	missing "$n" "$T/acked" > "$T/lost.$n"
	cat "$T/lost.$n" >> "$T/lost"
done
LOST=$(sort -u "$T/lost" | wc -l)
echo "acknowledged:      $ACKED events (reports, steps and notes the CLI acknowledged)"
if [ "$LOST" -ne 0 ] && ! no_pending $NODES; then
	echo "acked events lost: $LOST (missing at the deadline; some nodes still hold waiting events)"
else
	echo "acked events lost: $LOST"
fi
if [ "$LOST" -ne 0 ]; then
	FAILED=1
	for n in $NODES; do
		[ -s "$T/lost.$n" ] && echo "   $n lacks $(wc -l < "$T/lost.$n"), e.g. $(head -n 1 "$T/lost.$n")"
	done
fi
D0=$(digest "$T/centre")
SAME=yes
for n in $NODES; do
	[ "$(digest "$T/$n")" = "$D0" ] || SAME=no
done
echo "digests equal:     $SAME ($(echo "$D0" | cut -c1-16)...)"
if [ "$SAME" != yes ]; then
	FAILED=1
	show_state $NODES | sed 's/^/   /'
fi
printf '%-8s %8s %8s %8s %11s %s\n' node events cases pending "peak RSS" "writes: acked/refused/disk full/killed/crashed of all"
for n in $NODES; do
	hwm "$n"
	st=$("$G" --dir "$T/$n" status --json)
	ev=$(echo "$st" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
	cs=$(echo "$st" | sed -n 's/.*"cases":\([0-9]*\).*/\1/p')
	pd=$(echo "$st" | sed -n 's/.*"pending":\([0-9]*\).*/\1/p')
	eval "pk=\$PEAK_$n"
	read -r wa wk wr wf wx wb < "$T/$n.wstats"
	note_n=""
	[ "$n" = "$FASTN" ] && note_n=" (clock +$FAST ms)"
	[ "$n" = "$DISKN" ] && note_n=" (full disk)"
	[ "$n" = "$HOSTN" ] && note_n=" (hostile client)"
	printf '%-8s %8s %8s %8s %7s MiB %s/%s/%s/%s/%s of %s%s\n' "$n" "$ev" "$cs" "$pd" \
		"$((pk / 1024)).$((pk % 1024 * 10 / 1024))" "$wk" "$wr" "$wf" "$wx" "$wb" "$wa" "$note_n"
	[ "$wb" -eq 0 ] || FAILED=1
done
echo "faults:            $KILLS daemon kill -9, $RESTARTS restarts, $DIED daemons ended by themselves;" \
	"$PARTS partitions ($ISOLATIONS isolations, $SPLITS splits; $BLOCKS blocks, $BLOCK_FAILS refused);" \
	"$SKEWS clock changes; $FULLS full disks ($FULL_SECS s full); $HOSTILES hostile bursts ($(echo $HOSTILE_MODES | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }'))"
echo "clock:             up to $PENDING_PEAK events waited on the centre at once, $FUTURE_PEAK of them for its clock (the rest for those); $(cat "$T"/*.log | sed -n "s/.* \([0-9]*\) events that were ahead of this node's clock admitted.*/\1/p" | awk '{ s += $1 } END { print s + 0 }') of them admitted later, when their time came (daemon logs)"
echo "daemon logs:       $(cat "$T"/*.log | grep -c "disk full") disk-full lines, $(cat "$T"/*.log | grep -c "disk space is back") space-back," \
	"$(cat "$T"/*.log | grep -cE "event refused|events of a reply were refused") refusals, $(cat "$T"/*.log | grep -c "fork: ") forks," \
	"$(cat "$T"/*.log | grep -cE "Sanitizer|runtime error") sanitizer reports"
grep -qE "Sanitizer|runtime error" "$T"/*.log && FAILED=1
if [ -s "$T/anomalies" ]; then
	FAILED=1
	echo "anomalies (a process that ended by itself, or a writer that crashed):"
	sed 's/^/   /' "$T/anomalies" | head -n 60
fi
echo "writes refused, by reason (top 6):"
cat "$T"/*.refusals 2>/dev/null | sed 's/[0-9a-f]\{16,\}/ID/g; s/2026[0-9]*-[a-z0-9]*/CASE/g' |
	sort | uniq -c | sort -rn | head -n 6 | sed 's/^/   /'

# The daemons stop cleanly, then every store verifies.
for n in $NODES; do
	stop_daemon "$n" > "$OUT" 2>&1 || {
		echo "stop:              $n's daemon did not stop cleanly:"
		sed 's/^/   /' "$OUT" | tail -n 10
		FAILED=1
	}
done
for n in $NODES; do
	if "$G" --dir "$T/$n" verify > "$OUT" 2>&1; then
		echo "verify $n: $(tail -n 1 "$OUT")"
	else
		echo "verify $n: FAILED"
		sed 's/^/   /' "$OUT" | head -n 20
		FAILED=1
	fi
done
if [ "$FAILED" -eq 0 ] && [ "$LOST" -eq 0 ] && [ "$SAME" = yes ]; then
	echo "soak: ok"
	exit 0
fi
echo "soak: FAILED (SOAK_SEED=$SEED SOAK_NODES=$NODES_N SOAK_SECONDS=$SECONDS_RUN repeats the choices; SOAK_KEEP=1 keeps the directory)"
exit 1

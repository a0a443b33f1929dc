# repl_district.sh - a district of 18 nodes on loopback: the centre peers
# with every office, each office with the centre and its two neighbours on
# a ring.  Every node writes; all converge.  Then at least 20 rounds of
# random link cuts and repairs (`peers block`/`unblock`) while every side
# keeps writing; once every link is back, all 18 converge again and hold
# every event the CLI acknowledged.  TEST_SEED=N replays a run's random
# partitions.

# Node lists are split into words on purpose; district() sets KEY_x and
# PORT_x with eval.
# shellcheck disable=SC2086,SC2154
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

SEED=${TEST_SEED:-20260302}
echo "seed $SEED (replay with TEST_SEED=$SEED)"
seed_rng "$SEED"
ROUNDS=24

OFFICES="o01 o02 o03 o04 o05 o06 o07 o08 o09 o10 o11 o12 o13 o14 o15 o16 o17"
ALL="centre $OFFICES"
check "a district of the centre and 17 offices" district $ALL

# office I (1..17) by number
office() {
	printf 'o%02d' "$1"
}

# ---- everyone writes, everyone converges ----
n=0
for node in $ALL; do
	n=$((n + 1))
	note "$node" "case-$node" 1 > /dev/null
	note "$node" "case-shared" "$n" > /dev/null
done
check "the centre's daemon starts (pulling from everyone)" start_daemon centre --interval 1000
for i in $(seq 1 17); do
	left=$(office $(((i + 15) % 17 + 1)))
	right=$(office $((i % 17 + 1)))
	check "$(office "$i")'s daemon starts (centre, $left, $right)" \
		start_daemon "$(office "$i")" --peer centre --peer "$left" --peer "$right" --interval 1000
done
n=0
for node in $ALL; do
	n=$((n + 1))
	note "$node" "case-$node" 2 > /dev/null
	note "$node" "case-shared" "$((n + 100))" > /dev/null
done
T0=$(now_ms)
F0=$FAILED
check "all 18 converge: equal digests, every event everywhere" wait_until 60 converged $ALL
say "  converged in $(($(now_ms) - T0)) ms"
[ "$FAILED" -eq "$F0" ] || show_state $ALL
connected_count() { # NODE N: NODE's daemon records N connected peers
	[ "$("$G" --dir "$T/$1" peers --json | grep -o '"connected":true' | wc -l)" -eq "$2" ]
}
check "the centre records 17 connected peers" wait_until 5 connected_count centre 17

# ---- partitions ----
# The 34 links: centre-office, and office-office around the ring.  LINK_k
# is "x y"; BY_k is the node that blocked it (empty: the link is up).
NL=0
for i in $(seq 1 17); do
	NL=$((NL + 1))
	eval "LINK_$NL=\"centre $(office "$i")\"; BY_$NL="
	NL=$((NL + 1))
	eval "LINK_$NL=\"$(office "$i") $(office $((i % 17 + 1)))\"; BY_$NL="
done

# blocked_is NODE PEER true|false: NODE's daemon applied the state.
blocked_is() {
	peer_json "$1" "$2" | grep -q "\"blocked\":$3"
}

# toggle K: cuts link K from a random side, or restores it.  WAITS
# collects "node peer true|false" for applied() to wait on.
WAITS=""
toggle() {
	tg_k=$1
	eval "set -- \$LINK_$tg_k; tg_by=\$BY_$tg_k"
	if [ -z "$tg_by" ]; then
		rand 2
		if [ "$R" -eq 0 ]; then tg_by=$1 tg_other=$2; else tg_by=$2 tg_other=$1; fi
		"$G" --dir "$T/$tg_by" peers block "$tg_other" > /dev/null || return 1
		eval "BY_$tg_k=$tg_by"
		WAITS="$WAITS $tg_by:$tg_other:true"
	else
		if [ "$tg_by" = "$1" ]; then tg_other=$2; else tg_other=$1; fi
		"$G" --dir "$T/$tg_by" peers unblock "$tg_other" > /dev/null || return 1
		eval "BY_$tg_k="
		WAITS="$WAITS $tg_by:$tg_other:false"
	fi
}

# applied: every daemon applied the changes in WAITS (within 5 s).
applied() {
	ap_all=$WAITS
	WAITS=""
	for ap_w in $ap_all; do
		ap_ifs=$IFS
		IFS=:
		set -- $ap_w
		IFS=$ap_ifs
		wait_until 5 blocked_is "$1" "$2" "$3" || return 1
	done
}

# isolate OFFICE: cuts its three links from its own side.
isolate() {
	for is_k in $(seq 1 "$NL"); do
		eval "is_link=\$LINK_$is_k; is_by=\$BY_$is_k"
		case " $is_link " in *" $1 "*) ;; *) continue ;; esac
		is_other=$(echo "$is_link" | tr ' ' '\n' | grep -v "^$1\$")
		if [ -n "$is_by" ] && [ "$is_by" != "$1" ]; then
			# cut from the other side already: move the cut here
			"$G" --dir "$T/$is_by" peers unblock "$1" > /dev/null || return 1
		fi
		"$G" --dir "$T/$1" peers block "$is_other" > /dev/null || return 1
		eval "BY_$is_k=$1"
	done
	for is_k in $(seq 1 "$NL"); do
		eval "is_link=\$LINK_$is_k"
		case " $is_link " in *" $1 "*) ;; *) continue ;; esac
		is_other=$(echo "$is_link" | tr ' ' '\n' | grep -v "^$1\$")
		wait_until 5 blocked_is "$1" "$is_other" true || return 1
	done
}

# components: sets GROUPS to the connected parts of the district through
# the links that are up, as space-separated lists of nodes joined by ","
# (each node starts alone; every up link merges its ends' groups).
components() {
	for cp_n in $ALL; do
		eval "GRP_$cp_n=$cp_n"
	done
	for cp_k in $(seq 1 "$NL"); do
		eval "cp_by=\$BY_$cp_k; cp_link=\$LINK_$cp_k"
		[ -z "$cp_by" ] || continue
		set -- $cp_link
		eval "cp_gx=\$GRP_$1; cp_gy=\$GRP_$2"
		[ "$cp_gx" = "$cp_gy" ] && continue
		for cp_n in $ALL; do
			eval "[ \"\$GRP_$cp_n\" = $cp_gy ] && GRP_$cp_n=$cp_gx"
		done
	done
	GROUPS=$(for cp_n in $ALL; do eval "echo \$GRP_$cp_n $cp_n"; done |
		sort | awk '$1 != g { if (l) print l; l = $2; g = $1; next } { l = l "," $2 } END { print l }' |
		tr '\n' ' ')
}

# parts_converged: within each group of GROUPS, equal digests.
parts_converged() {
	for pc_g in $GROUPS; do
		same_digest $(echo "$pc_g" | tr ',' ' ') || return 1
	done
}

nowhere_but() { # NODE ID: only NODE holds the event
	for nb_n in $ALL; do
		[ "$nb_n" = "$1" ] && continue
		has_event "$nb_n" "$2" && return 1
	done
	return 0
}

T0=$(now_ms)
for round in $(seq 1 "$ROUNDS"); do
	# three different links change state
	picked=" "
	for _ in 1 2 3; do
		rand "$NL"
		K=$((R + 1))
		while case "$picked" in *" $K "*) true ;; *) false ;; esac; do
			K=$((K % NL + 1))
		done
		picked="$picked$K "
		eval "lk=\$LINK_$K"
		check "round $round: link $lk changes state" toggle "$K"
	done
	check "round $round: the daemons apply the changes" applied
	# every fourth round an office is cut off from everyone
	ISO=""
	if [ $((round % 4)) -eq 0 ]; then
		rand 17
		ISO=$(office $((R + 1)))
		check "round $round: $ISO is cut off" isolate "$ISO"
		ISO_ID=$(note "$ISO" "case-$ISO" "$round")
	fi
	# a node of every connected part writes, and three more anywhere
	components
	writers=""
	for part in $GROUPS; do
		rand "$(echo "$part" | tr ',' ' ' | wc -w)"
		writers="$writers $(echo "$part" | cut -d, -f$((R + 1)))"
	done
	for _ in 1 2 3; do
		rand 18
		writers="$writers $(echo "$ALL" | cut -d' ' -f$((R + 1)))"
	done
	for node in $writers; do
		check "round $round: $node writes" sh -c \
			"'$G' --dir '$T/$node' event add --case case-$node --type note --body '{\"r\":$round}' >> '$T/acked'"
	done
	if [ -n "$ISO" ]; then
		check "round $round: the event written on the cut-off $ISO stays there" nowhere_but "$ISO" "$ISO_ID"
	fi
	say "  round $round: $(grep -c . "$T/acked") events acknowledged so far"
	# twice, a pause in the writes: each connected part converges
	if [ $((round % 12)) -eq 0 ]; then
		say "  round $round: $(echo $GROUPS | wc -w) connected parts: $GROUPS"
		check "round $round: each connected part converges on its own" \
			wait_until 20 parts_converged
	fi
done
say "  $ROUNDS rounds in $(($(now_ms) - T0)) ms"

# ---- every link back ----
say "  before the heal: $(for n in $ALL; do digest "$T/$n"; done | sort -u | wc -l) different digests"
heal() {
	for k in $(seq 1 "$NL"); do
		eval "hl_by=\$BY_$k; hl_link=\$LINK_$k"
		[ -n "$hl_by" ] || continue
		hl_other=$(echo "$hl_link" | tr ' ' '\n' | grep -v "^$hl_by\$")
		"$G" --dir "$T/$hl_by" peers unblock "$hl_other" > /dev/null || return 1
		eval "BY_$k="
	done
}
check "every link is restored" heal
T0=$(now_ms)
F0=$FAILED
check "all 18 converge again: equal digests" wait_until 90 converged $ALL
say "  converged in $(($(now_ms) - T0)) ms"
[ "$FAILED" -eq "$F0" ] || show_state $ALL
check "every acknowledged event ($(grep -c . "$T/acked")) is on every node" has_all "$T/acked" $ALL
nothing_blocked() {
	for nb_n in $ALL; do
		"$G" --dir "$T/$nb_n" peers --json | grep -q '"blocked":true' && return 1
	done
	return 0
}
check "no node blocks anyone any more" wait_until 5 nothing_blocked

for node in $ALL; do
	check "$node stops on SIGTERM with exit 0" stop_daemon "$node"
done
check "no daemon refused an event, saw a fork or tripped a sanitizer" clean_logs $ALL
for node in centre o01 o09; do
	check_out "$node's store verifies" "ok" "$G" --dir "$T/$node" verify
done
[ "$FAILED" -eq 0 ] || echo "seed $SEED: replay with TEST_SEED=$SEED"
finish

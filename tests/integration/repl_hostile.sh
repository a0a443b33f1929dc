# repl_hostile.sh - a node's replication port against a host with no key
# and against peers that lie or shout, with real daemons on loopback
# (docs/protocol.md §2, the threat table, and §5, the limits):
#
#   (a) memory: a hundred connections each sending most of a 4 MiB
#       message; and connections holding a message under the limit;
#   (b) descriptors: a thousand idle connections to a node limited to
#       1024 descriptors, from one address and from many, while a roster
#       peer restarts and a member syncs; and a thousand connections that
#       never speak, to a node whose soft limit is 1024;
#   (c) slow readers: connections that never read what they are sent,
#       from a host with no key and from a member, while a real peer's
#       events keep arriving within a bound;
#   (d) replayed handshakes: HELLOs recorded from real sessions, replayed
#       after the node restarted, while a live session must go on; and an
#       older protocol's HELLO, refused by name;
#   (e) a member whose summary claims seq 2^63-1 and sends nothing;
#   (f) a flood of bad requests from one address, and its log.
#
# The attackers come from their own loopback addresses (127.0.0.2 ...,
# 127.0.1.x), as a host on the LAN would; the members from 127.0.0.1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl_lib.inc"

POKE="$GRIDCASE_TOOLS/nng_poke"
HOSTILE="$GRIDCASE_TOOLS/net_hostile"
TOOLS="" # pids of the attack tools running in the background

repl_hostile_cleanup() {
	for p in $TOOLS; do kill -TERM "$p" 2>/dev/null; done
	for p in $TOOLS; do wait "$p" 2>/dev/null; done
	repl_cleanup
}
trap repl_hostile_cleanup EXIT

# tool NAME CMD...: an attack tool in the background, output in $T/NAME.out.
tool() {
	tl_n=$1
	shift
	"$@" >"$T/$tl_n.out" 2>&1 &
	eval "TOOL_$tl_n=$!"
	TOOLS="$TOOLS $!"
}

# tool_done NAME: waits for it; its exit status.
tool_done() {
	eval "td_p=\$TOOL_$1"
	wait "$td_p"
}

# tool_stop NAME: SIGTERM, then waits.
tool_stop() {
	eval "ts_p=\$TOOL_$1"
	kill -TERM "$ts_p" 2>/dev/null
	wait "$ts_p" 2>/dev/null
	return 0
}

# said NAME PATTERN: the tool's output has a matching line.
said() { grep -Eq -- "$2" "$T/$1.out"; }

# last NAME: the tool's last report line.
last() { grep -E '^[a-z-]+: ' "$T/$1.out" | tail -n 1; }

# start_limited NAME SOFT HARD ARGS...: like start_daemon, with the
# descriptor limits SOFT and HARD ("-" keeps the current hard limit).
start_limited() {
	sl_n=$1
	sl_soft=$2
	sl_hard=$3
	shift 3
	: >>"$T/$sl_n.log"
	sl_c=$(grep -c " serving " "$T/$sl_n.log")
	(
		ulimit -Sn "$sl_soft" || exit 1
		[ "$sl_hard" = - ] || ulimit -Hn "$sl_hard" || exit 1
		exec "$G" --dir "$T/$sl_n" run "$@"
	) >>"$T/$sl_n.log" 2>&1 &
	eval "PID_$sl_n=$!"
	DAEMONS="$DAEMONS $!"
	sl_end=$(($(now_ms) + 10000))
	while [ "$(grep -c " serving " "$T/$sl_n.log")" -le "$sl_c" ]; do
		if ! alive "$(pid_of "$sl_n")" || [ "$(now_ms)" -ge "$sl_end" ]; then
			tail -n 20 "$T/$sl_n.log"
			return 1
		fi
		sleep 0.02
	done
}

# logged NAME PATTERN: NAME's log has a matching line (else its end).
logged() {
	grep -Eq -- "$2" "$T/$1.log" && return 0
	tail -n 8 "$T/$1.log"
	return 1
}

# held NAME ADDR: how many connections from ADDR the node's server holds
# open (the kernel's view, /proc/net/tcp: ESTABLISHED on its port).  A
# client that never reads cannot see the node close on it: the close
# waits behind the answers it does not read.
held() {
	hd_port=$(printf '%04X' "$(eval "echo \$PORT_$1")")
	hd_ip=$(echo "$2" | awk -F. '{ printf "%02X%02X%02X%02X", $4, $3, $2, $1 }')
	awk -v l=":$hd_port" -v r="$hd_ip:" \
		'substr($2, 9) == l && index($3, r) == 1 && $4 == "01" { n++ } END { print n + 0 }' \
		/proc/net/tcp
}
held_none() { [ "$(held "$1" "$2")" -eq 0 ]; }

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
fds() { ls "/proc/$1/fd" | wc -l; }

# watch NAME PID: samples the process's RSS and descriptors every 50 ms
# into $T/NAME.peak ("rss fds", the highest seen) until stopped.
watch_peak() {
	(
		top_r=0
		top_f=0
		while :; do
			r=$(rss_kb "$2" 2>/dev/null) || exit 0
			f=$(fds "$2" 2>/dev/null) || exit 0
			[ "${r:-0}" -gt "$top_r" ] && top_r=$r
			[ "${f:-0}" -gt "$top_f" ] && top_f=$f
			echo "$top_r $top_f" >"$T/$1.peak.tmp"
			mv "$T/$1.peak.tmp" "$T/$1.peak"
			sleep 0.05
		done
	) &
	eval "WATCH_$1=$!"
	TOOLS="$TOOLS $!"
}
peak_rss() { cut -d' ' -f1 "$T/$1.peak"; }
peak_fds() { cut -d' ' -f2 "$T/$1.peak"; }
watch_stop() {
	eval "ws_p=\$WATCH_$1"
	kill "$ws_p" 2>/dev/null
	wait "$ws_p" 2>/dev/null
	return 0
}

# latency FROM TO: writes an event on FROM and prints the milliseconds
# until TO holds it (or 99999 after 30 s).
latency() {
	lt_id=$(note "$1" lat) || return 1
	lt_t0=$(now_ms)
	if wait_until 30 has_event "$2" "$lt_id"; then
		echo $(($(now_ms) - lt_t0))
	else
		echo 99999
	fi
}

# within MS FROM TO: an event from FROM reaches TO within MS (the
# figure goes to $T/latencies).
within() {
	wi_ms=$(latency "$2" "$3")
	echo "$2 -> $3: $wi_ms ms" >>"$T/latencies"
	echo "$wi_ms ms"
	[ "$wi_ms" -le "$1" ]
}

# fewer NUM MAX: NUM <= MAX (saying both).
fewer() {
	echo "$1 (at most $2)"
	echo "$1 (at most $2)" >>"$T/figures"
	[ "$1" -le "$2" ]
}

# config NAME KEY VALUE: a replication setting in the node's config.json.
config() {
	sed -i "s/\"$2\": [0-9]*/\"$2\": $3/" "$T/$1/config.json" &&
		grep -q "\"$2\": $3" "$T/$1/config.json"
}

check "a district of a, b, d, l (the liar) and p (the poke key)" district a b d l p
A=$(addr_of a)
B=$(addr_of b)
HOSTPORT_A=${A#tcp://}
check "handshakes must finish within 2 s on a" config a handshake_ms 2000
ASAN_DAEMON="${ASAN_OPTIONS:-}:quarantine_size_mb=8"
# a has the default 1024 descriptors, soft and hard; b a soft 1024 under
# a higher hard limit.
ASAN_OPTIONS=$ASAN_DAEMON check "a starts with 1024 descriptors" \
	start_limited a 1024 1024 --interval 500 --peer b --peer l
ASAN_OPTIONS=$ASAN_DAEMON check "b starts with a soft limit of 1024" \
	start_limited b 1024 - --interval 500 --peer a
check "a and b converge" wait_until 20 converged a b
PA=$(pid_of a)
PB=$(pid_of b)

# ---- (a) memory before authentication

RSS0=$(rss_kb "$PA")
watch_peak a "$PA"
check_out "100 connections each sending 4 MiB less a byte are all cut" \
	"done: open 0, closed by the node 100" \
	"$HOSTILE" partial "$A" --conns 100 --size 4194304 --from 127.0.0.2 --seconds 6
watch_stop a
check "a's memory grew by less than 64 MiB under them" \
	fewer $(($(peak_rss a) - RSS0)) 65536
check "a is up" alive "$PA"
tool small "$HOSTILE" partial "$A" --conns 100 --size 2000 --spread 25 --seconds 8 --report 200
check "100 connections holding a message under the limit: a keeps at most 64" \
	wait_until 5 said small "^partial: open ([0-9]|[1-5][0-9]|6[0-4]), "
check "...and drops each within the handshake deadline (2 s)" \
	wait_until 6 said small "^partial: open 0, closed by the node 100"
tool_stop small
check "an event from b still reaches a" within 3000 b a

# ---- (b) descriptors

watch_peak a "$PA"
tool idle "$HOSTILE" idle "$A" --conns 1000 --spread 250 --seconds 30 --report 200
check "1000 idle connections from 250 addresses are opened" wait_until 10 said idle "connections opened"
check "b restarts during the attack" stop_daemon b
ASAN_OPTIONS=$ASAN_DAEMON check "and is back" \
	start_limited b 1024 - --interval 500 --peer a
PB=$(pid_of b)
check "b's event reaches a through the new connections" within 5000 b a
check "and a's reaches b" within 5000 a b
check_out "a member's repl sync with a succeeds meanwhile" "synced with a" \
	timeout -k 2 30 "$G" --dir "$T/d" repl sync a
check "a holds at most 64 of the idle connections" \
	wait_until 5 said idle "^idle: open ([0-9]|[1-5][0-9]|6[0-4]), "
tool_stop idle
tool one "$HOSTILE" idle "$A" --conns 1000 --from 127.0.0.3 --seconds 10 --report 200
check "1000 idle connections from one address: a keeps at most 8" \
	wait_until 10 said one "^idle: open [0-8], closed by the node (99[2-9]|1000)"
check "an event from b still reaches a" within 3000 b a
check "a holds at most 150 descriptors once the bursts are handled" fewer "$(fds "$PA")" 150
tool_stop one
watch_stop a
check "a never ran out of its 1024 descriptors, even in the bursts" fewer "$(peak_fds a)" 1000
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -le 2048 ]; then
	say "skipped: the hard descriptor limit here ($(ulimit -Hn)) leaves no room to raise b's"
else
	check "b raised its soft descriptor limit" logged b "descriptors: raised the limit from 1024"
	tool silent "$HOSTILE" silent "$B" --conns 1000 --from 127.0.0.4 --seconds 20 --report 200
	check "1000 connections that never speak are opened to b" \
		wait_until 10 said silent "connections opened"
	check_out "a member's repl sync with b succeeds meanwhile" "synced with b" \
		timeout -k 2 30 "$G" --dir "$T/d" repl sync b
	check "an event from a reaches b" within 3000 a b
	tool_stop silent
fi

# ---- (c) slow readers

# (b)'s floods spent the first lines a writes for hosts with no key in a
# window (40 in 10 s): the rest were counted.  So that (c)'s lines are
# written, not counted, let the window pass with nothing logged.
log_quiet() { # NAME SECONDS: nothing written to NAME's log for that long
	[ $(($(date +%s) - $(stat -c %Y "$T/$1.log"))) -ge "$2" ]
}
check "a's log window of (b) has passed" wait_until 60 log_quiet a 11

head -c 3000000 /dev/urandom >"$T/big.bin"
BLOB=$("$G" --dir "$T/a" blob add "$T/big.bin")
check "a holds a blob of 3 MB" test -n "$BLOB"
tool flood "$HOSTILE" flood "$A" --conns 20 --from 127.0.0.5 --seconds 20 --report 200
tool member "$HOSTILE" member "$A" --key "$T/p/node.key" --server "$(key_of a)" \
	--network repl --blob "$BLOB" --from 127.0.0.7 --seconds 20 --report 200
check "the member that stops reading has its session" wait_until 10 said member "connections opened"
check "the floods are at work" wait_until 10 said flood "sent [1-9][0-9]{5,} bytes"
for i in 1 2 3; do
	check "b's event $i reaches a within 2 s while they do not read" within 2000 b a
	check "a's event $i reaches b within 2 s" within 2000 a b
done
check "a cuts the connections that do not read" wait_until 15 held_none a 127.0.0.5
# A flood with no key is cut as a slow reader once its answers fill the
# socket, or by the handshake deadline (2 s) if the machine is too busy
# for it to fill them by then: both are the node refusing it, and either
# is said.  (This check failed once in a full make check beside the month
# suite, with nothing to show which; now a failure prints a's lines.)
failed_before=$FAILED
check "saying why" wait_until 10 logged a "closed a connection from 127\.0\.0\.5: it (sends requests without reading|does not read|did not finish a handshake within 2000 ms)"
[ "$FAILED" -eq "$failed_before" ] ||
	grep -a "127\.0\.0\.5" "$T/a.log" | tail -n 8 | sed 's/^/      a.log: /'
check "and the member's" wait_until 15 held_none a 127.0.0.7
check "saying why, for the member too" wait_until 10 logged a "closed a connection from 127\.0\.0\.7: it (sends requests without reading|does not read)"
tool_stop flood
tool_stop member

# ---- (d) replayed handshakes

check_out "6 real sessions of the poke key, their HELLOs recorded" "6 HELLOs recorded" \
	"$POKE" hello-record "$A" --key "$T/p/node.key" --server "$(key_of a)" \
	--network repl --count 6 --file "$T/hellos"
check "a restarts (its sessions are gone)" stop_daemon a
ASAN_OPTIONS=$ASAN_DAEMON check "a is back" \
	start_limited a 1024 1024 --interval 500 --peer b --peer l
PA=$(pid_of a)
LOG_A=$(wc -c <"$T/a.log")
check_out "3000 replays of the recorded HELLOs: none welcomed, the live session goes on" \
	"hello-replay checks: [0-9]+ ok, 0 failed" \
	"$POKE" hello-replay "$A" --key "$T/p/node.key" --server "$(key_of a)" \
	--network repl --count 3000 --file "$T/hellos"
check_err 1 "a HELLO of protocol version 1 is refused by name" \
	"refuse ERR_VERSION: .*version 1.*version 2" \
	"$POKE" hello-version "$A" --key "$T/p/node.key" --server "$(key_of a)" \
	--network repl --proto 1
check_err 1 "and one of version 3" \
	"refuse ERR_VERSION: .*version 3.*version 2" \
	"$POKE" hello-version "$A" --key "$T/p/node.key" --server "$(key_of a)" \
	--network repl --proto 3
check "a logs the replays in a few lines" \
	fewer $(($(wc -c <"$T/a.log") - LOG_A)) 4000

# ---- (e) a member whose summary lies

tool liar "$POKE" liar "$(addr_of l)" --key "$T/l/node.key" --seconds 60
check "the liar listens" wait_until 5 said liar "lying on"
check "a asks the liar for its summary" wait_until 10 said liar "liar: summaries [1-9]"
# A first round that never ended would never let a come back.
check "a comes back to the liar for a third round" \
	wait_until 15 said liar "liar: summaries ([3-9]|[1-9][0-9]+),"
LIES=$(last liar | sed -n 's/.*fetches \([0-9]*\).*/\1/p')
ROUNDS=$(last liar | sed -n 's/.*summaries \([0-9]*\).*/\1/p')
check "a sent the liar at most 2 fetches a round" fewer "${LIES:-999999}" $((2 * ${ROUNDS:-0}))
misbehaving() { peer_json a l | grep -q '"misbehaving":true'; }
check "a's peers --json shows l misbehaving" wait_until 5 misbehaving
check_out "with the reason" '"misbehaviour":"[^"]*summary' peer_json a l
check_out "and the peers table says so" "^l +misbehaving" "$G" --dir "$T/a" peers
check "b's event still reaches a" within 3000 b a
tool_stop liar

# ---- (f) one address that shouts

LINES=$(wc -l <"$T/a.log")
check_out "3000 random messages from one address are refused" "sent 3000, refuse 3000," \
	"$POKE" garbage "tcp://127.0.0.6;$HOSTPORT_A" --count 3000 --seed 3
check "a logged them in a few lines" fewer $(($(wc -l <"$T/a.log") - LINES)) 10
check "and counts the rest" wait_until 15 logged a "refused a client at 127\.0\.0\.6.*[0-9],?[0-9]* more times"
check "b's event still reaches a" within 3000 b a

check "a and b converge" wait_until 20 same_digest a b
check_exit 0 "a stops cleanly" stop_daemon a
check_exit 0 "b stops cleanly" stop_daemon b
check "no sanitizer report in any daemon's log" clean_logs a b
[ "${TEST_VERBOSE:-}" = 1 ] && cat "$T/figures" "$T/latencies"
finish

# shellcheck shell=bash
# shellcheck disable=SC2034 # SIM_PORT, INSTRUCTIONS, ... are results for the scripts
# Helpers of the calbench integration tests (sourced by the *.sh next to it).
#
# A test script is run as
#     bash SCRIPT.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
# and runs the named test_* functions (all of them when none is named). Each
# test function gets a fresh temp dir in $T, its own database ($CALBENCH_DB,
# $T/calbench.db) and calls fail() with a clear message on any mismatch.
# Every process a test starts in the background is registered with
# track_pid and is killed when the test ends, however it ends.
#
# Only bash, coreutils, grep, sed, awk, flock (util-linux) and the sqlite3
# shell are used.

set -euo pipefail

if [ $# -lt 2 ]; then
	echo "usage: $0 CALBENCH SOURCE_DIR [TEST_FUNCTION...]" >&2
	exit 64
fi
CALBENCH=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$(cd "$2" && pwd)
shift 2
TESTS_TO_RUN=("$@")
PROCEDURE=$SRC/procedures/defs/oiml-r76-nawi-verification.yaml
[ -x "$CALBENCH" ] || { echo "FATAL: $CALBENCH is not an executable" >&2; exit 1; }
[ -f "$PROCEDURE" ] || { echo "FATAL: no procedure file $PROCEDURE" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "FATAL: the sqlite3 shell is needed (apt-get install sqlite3)" >&2; exit 1; }

# Sanitizer reports are errors, whatever the exit code.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LC_ALL=C.UTF-8 TZ=UTC
unset CALBENCH_DB
SANITIZER_RE='AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:'

CURRENT_TEST=""
T=""
PIDS=()

fail() {
	echo "FAIL [$CURRENT_TEST]: $*" >&2
	if [ -n "$T" ] && [ -s "$T/err" ]; then
		echo "---- stderr of the last calbench command:" >&2
		head -c 3000 "$T/err" >&2
	fi
	exit 1
}

note() { echo "  [$CURRENT_TEST] $*"; }

track_pid() { PIDS+=("$1"); }

# reap PID: wait for a tracked child, exit code in $WAIT_RC; it is no longer
# tracked (its pid may be reused by then).
reap() {
	local p keep=()
	WAIT_RC=0
	wait "$1" 2>/dev/null || WAIT_RC=$?
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]+"${keep[@]}"}")
}

kill_tracked() {
	local p
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do
		# give it 2 s to leave by itself, then SIGKILL
		wait_gone "$p" 40 || kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

cleanup() {
	local rc=$?
	kill_tracked
	if [ -n "$T" ] && [ -d "$T" ]; then
		if [ -n "${CAL_IT_KEEP:-}" ]; then
			echo "(temp dir of $CURRENT_TEST kept: $T)" >&2
		else
			rm -rf "$T"
			[ "$rc" -eq 0 ] || echo "(CAL_IT_KEEP=1 keeps the temp dir of a test)" >&2
		fi
	fi
}
# (the traps are set per test, in run_tests)

# ---- running calbench -----------------------------------------------------

# cb ARGS...: run calbench; exit code in $RC, output in $T/out and $T/err.
# Never a crash: exit code < 128 and no sanitizer report.
cb() {
	RC=0
	"$CALBENCH" "$@" >"$T/out" 2>"$T/err" </dev/null || RC=$?
	check_sane "calbench $*" "$RC" "$T/err"
}

check_sane() { # WHAT RC STDERR_FILE
	if [ "$2" -ge 128 ]; then
		fail "$1: killed by signal $(($2 - 128)) (exit $2)"
	fi
	if grep -Eq "$SANITIZER_RE" "$3"; then
		# (fail() shows $T/err itself)
		[ "$3" = "$T/err" ] || fail "$1: sanitizer report in stderr:
$(grep -v '^  0x' "$3" | head -c 4000)"
		fail "$1: sanitizer report in stderr"
	fi
}

expect_rc() { # WANT
	[ "$RC" -eq "$1" ] || fail "exit code $RC, expected $1; stdout: $(head -c 1500 "$T/out")"
}

expect_out() { # ERE
	grep -Eq -- "$1" "$T/out" || fail "stdout does not match /$1/; stdout was:
$(tail -c 2500 "$T/out")"
}

expect_no_out() { # ERE
	! grep -Eq -- "$1" "$T/out" || fail "stdout matches /$1/ and should not:
$(grep -E -- "$1" "$T/out" | head -5)"
}

expect_err() { # ERE
	grep -Eq -- "$1" "$T/err" || fail "stderr does not match /$1/"
}

# The error is one clear line: exactly one line starting with "calbench:" and
# matching ERE; the only other line allowed is the "(see: calbench help ...)"
# hint that usage errors add.
expect_one_line_error() { # ERE
	local n others
	n=$(grep -c '^calbench: ' "$T/err" || true)
	[ "$n" -eq 1 ] || fail "expected one 'calbench: ...' error line on stderr, got $n"
	others=$(grep -v '^calbench: ' "$T/err" | grep -v '^(see: calbench help' || true)
	[ -z "$others" ] || fail "stderr has more than the error line: $others"
	grep -q . "$T/err" || fail "nothing on stderr"
	expect_err "$1"
}

# ---- registers --------------------------------------------------------------

# write_weights FILE DUE: the M1 set 20 kg ... 100 g, all due on DUE.
write_weights() {
	cat >"$1" <<EOF
# M1 weight set of the integration tests
standards:
  - { id: W20K,  class: M1, nominal: 20 kg,  correction: 0.31 g,  u: 0.33 g, k: 2, cert: IT-KL-01, due: $2 }
  - { id: W10K,  class: M1, nominal: 10 kg,  correction: -0.12 g, u: 0.16 g, k: 2, cert: IT-KL-02, due: $2 }
  - { id: W5K,   class: M1, nominal: 5 kg,   correction: 60 mg,   u: 80 mg,  k: 2, cert: IT-KL-03, due: $2 }
  - { id: W2K,   class: M1, nominal: 2 kg,   correction: 25 mg,   u: 33 mg,  k: 2, cert: IT-KL-04, due: $2 }
  - { id: W2KB,  class: M1, nominal: 2 kg,   correction: -18 mg,  u: 33 mg,  k: 2, cert: IT-KL-05, due: $2 }
  - { id: W1K,   class: M1, nominal: 1 kg,   correction: 9 mg,    u: 16 mg,  k: 2, cert: IT-KL-06, due: $2 }
  - { id: W500,  class: M1, nominal: 500 g,  correction: 4 mg,    u: 8 mg,   k: 2, cert: IT-KL-07, due: $2 }
  - { id: W200,  class: M1, nominal: 200 g,  correction: -2 mg,   u: 3 mg,   k: 2, cert: IT-KL-08, due: $2 }
  - { id: W200B, class: M1, nominal: 200 g,  correction: 1.5 mg,  u: 3 mg,   k: 2, cert: IT-KL-09, due: $2 }
  - { id: W100,  class: M1, nominal: 100 g,  correction: 0.8 mg,  u: 1.6 mg, k: 2, cert: IT-KL-10, due: $2 }
EOF
}

# register_weights [DUE]: the M1 set in $CALBENCH_DB, due a year from today.
register_weights() {
	local due=${1:-$(date -d '+1 year' +%F)}
	write_weights "$T/weights.yaml" "$due"
	cb standard add --file "$T/weights.yaml"
	expect_rc 0
	[ "$(grep -c '^added standard' "$T/out")" -eq 10 ] || fail "standard add: expected 10 'added standard' lines"
}

# register_instrument ID SERIAL: class III, 30 kg, e = d = 5 g, Min 100 g.
register_instrument() {
	cb instrument add --id "$1" --type "non-automatic weighing instrument" \
		--manufacturer "IT Scales" --model "IT-30" --owner "Integration Test Co." \
		--serial "$2" --class III --unit g --max 30000 --min 100 --e 5 --d 5 --interval 12
	expect_rc 0
}

# The 18 loads of the R 76 plan for Max 30 kg (the range of 3 has no load).
PLAN_LOADS=(0 100 2500 10000 15000 30000 15000 10000 2500 100
	10000 10000 10000 10000 10000 15000 15000 15000)

# answers FILE FIRST LAST: a manual answers file for plan points FIRST..LAST
# (1-based): 'ok' then the indication (= the load, a perfect balance).
write_answers() {
	local f=$1 i
	: >"$f"
	for ((i = $2; i <= $3; i++)); do
		printf 'ok\n%s\n' "${PLAN_LOADS[$((i - 1))]}" >>"$f"
	done
}

# json_num KEY: the number after "KEY": in the last stdout.
json_num() {
	sed -nE "s/.*\"$1\": (-?[0-9.eE+-]+).*/\\1/p" "$T/out" | head -n 1
}

# near VALUE WANT TOL: |VALUE - WANT| <= TOL
near() {
	awk -v v="$1" -v w="$2" -v t="$3" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= t) }'
}

sql() { sqlite3 -batch "$CALBENCH_DB" "$@"; }

# ---- simulator --------------------------------------------------------------

# sim_start NAME ARGS...: start `calbench sim balance ARGS` with its stdin on
# a FIFO we hold open (fd in SIM_FD_<NAME>), stdout in $T/NAME.out. Sets
# SIM_WHERE (first line printed: tcp:HOST:PORT or /dev/pts/N) and SIM_PID.
sim_start() {
	local name=$1 fd i
	shift
	mkfifo "$T/$name.ctl"
	exec {fd}<>"$T/$name.ctl"
	printf -v "SIM_FD_$name" '%s' "$fd"
	"$CALBENCH" sim "${SIM_KIND:-balance}" "$@" <"$T/$name.ctl" >"$T/$name.out" 2>"$T/$name.err" &
	SIM_PID=$!
	track_pid "$SIM_PID"
	printf -v "SIM_PID_$name" '%s' "$SIM_PID"
	for i in $(seq 200); do
		[ -s "$T/$name.out" ] && break
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.025
	done
	if ! [ -s "$T/$name.out" ]; then
		SIM_WHERE=""
		return 1
	fi
	SIM_WHERE=$(head -n 1 "$T/$name.out")
}

# sim_tcp NAME ARGS...: a TCP simulator on a free port of 127.0.0.1, trying
# random ports until one binds. Sets SIM_PORT too.
sim_tcp() {
	local name=$1 port
	shift
	for _ in $(seq 20); do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		rm -f "$T/$name.ctl"
		if sim_start "$name" --listen "tcp:127.0.0.1:$port" "$@"; then
			[ "$SIM_WHERE" = "tcp:127.0.0.1:$port" ] || fail "sim printed '$SIM_WHERE', expected tcp:127.0.0.1:$port"
			SIM_PORT=$port
			return 0
		fi
		grep -q "in use" "$T/$name.err" || fail "simulator did not start: $(cat "$T/$name.err")"
		reap "$SIM_PID"
		local fdvar="SIM_FD_$name"
		eval "exec ${!fdvar}>&-"
	done
	fail "no free TCP port found in 20 tries"
}

# sim_cmd NAME LINE: send a control line and wait for its one-line answer
# (in $SIM_REPLY). One line at a time: see test_sim_control_lines_in_one_write.
sim_cmd() {
	local name=$1 line=$2 fdvar="SIM_FD_$1" n i
	n=$(wc -l <"$T/$name.out")
	printf '%s\n' "$line" >&"${!fdvar}"
	for i in $(seq 400); do
		[ "$(wc -l <"$T/$name.out")" -gt "$n" ] && break
		sleep 0.01
	done
	[ "$(wc -l <"$T/$name.out")" -gt "$n" ] || fail "simulator $name did not answer '$line' within 4 s"
	SIM_REPLY=$(tail -n 1 "$T/$name.out")
	case "$SIM_REPLY" in error:*) fail "simulator $name refused '$line': $SIM_REPLY" ;; esac
}

# sim_stop NAME: SIGTERM (its Ctrl-C), wait, check it left cleanly.
sim_stop() {
	local pidvar="SIM_PID_$1" rc=0
	kill -TERM "${!pidvar}" 2>/dev/null || true
	reap "${!pidvar}"
	rc=$WAIT_RC
	check_sane "sim $1" "$rc" "$T/$1.err"
	[ "$rc" -eq 0 ] || fail "simulator $1 exited with $rc on SIGTERM"
}

# flow_sim_state NAME: the flow (m3/h, as printed) of `calbench sim flow`
# NAME in SIM_FLOW and its totalizer in mL (an integer: it prints m3 to 6
# decimals) in SIM_ML.
flow_sim_state() {
	local re='flow=([^ ]+) m3/h .* total=([0-9]+)\.([0-9]{6}) m3 '
	sim_cmd "$1" status
	[[ $SIM_REPLY =~ $re ]] || fail "cannot read the status of simulator $1: $SIM_REPLY"
	SIM_FLOW=${BASH_REMATCH[1]}
	SIM_ML=$((10#${BASH_REMATCH[2]} * 1000000 + 10#${BASH_REMATCH[3]}))
}

# flow_sim_wait NAME Q: back once flow simulator NAME shows Q m3/h to 0.1 %
# (Q = 0: below 1e-6 m3/h, the totalizer at rest); 5 s at most.
flow_sim_wait() {
	for _ in $(seq 500); do
		flow_sim_state "$1"
		awk -v f="$SIM_FLOW" -v q="$2" 'BEGIN {
			d = f - q; if (d < 0) d = -d
			exit !(q == 0 ? f < 1e-6 : d <= 1e-3 * q) }' && return 0
		sleep 0.01
	done
	fail "the flow of simulator $1 did not reach $2 m3/h (shows $SIM_FLOW)"
}

# flow_sim_draw NAME ML0 L FRAC: back once the totalizer of flow simulator
# NAME has run, since it showed ML0 mL, the L.FRAC L of a "draw at least
# L.FRAC L" instruction + 1 % (FRAC: 3 digits); 30 s of waits at most.
flow_sim_draw() {
	local need=$(((10#$3 * 1000 + 10#$4) * 101 / 100))
	for _ in $(seq 6000); do
		flow_sim_state "$1"
		[ $((SIM_ML - $2)) -lt "$need" ] || return 0
		sleep 0.005
	done
	fail "simulator $1 did not run $need mL (only $((SIM_ML - $2)) mL) for 'draw at least $3.$4 L'"
}

# window_mid LO HI: the middle of a flow window, as the technician sets it.
window_mid() {
	awk -v lo="$1" -v hi="$2" 'BEGIN { printf "%.6g\n", (lo + hi) / 2 }'
}

# expect_mid Q MID LINE: the flow Q an "open the flow to Q" instruction LINE
# asks for is MID, the middle of the window of the instruction before it.
expect_mid() {
	[ -n "$2" ] || fail "open the flow before its window was given: $3"
	[ "$1" = "$2" ] || fail "the flow to set is not the middle of the window ($2): $3"
}

# cl_m3 CL: a register of 0.01 L (d = 0.00001 m3) as shown, m3 to 5 decimals.
cl_m3() { printf '%d.%05d' $(($1 / 100000)) $(($1 % 100000)); }

# cl_advance ML E: how far (0.01 L, rounded half up) a register E % off
# advances over ML mL.
cl_advance() {
	awk -v v="$1" -v e="$2" 'BEGIN { printf "%d\n", int(v * (1 + e / 100) / 10 + 0.5) }'
}

# bench_file FILE PORT: a bench with one MT-SICS balance bal1 on PORT.
bench_file() {
	cat >"$1" <<EOF
bench: it-bench
instruments:
  - id: bal1
    driver: mt-sics
    port: $2
EOF
}

# A TCP port of 127.0.0.1 where nothing listens (now).
closed_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	fail "no closed port found"
}

# ---- the technician ---------------------------------------------------------

# live_start ARGS...: start `calbench ARGS` with its stdin and stdout on pipes
# (not a terminal), stderr in $T/err; its pid in LIVE_PID. live_line reads
# its output, live_say answers, live_end waits for it to exit.
live_start() {
	: >"$T/out"
	coproc CALBENCH_RUN { exec "$CALBENCH" "$@" 2>"$T/err"; }
	LIVE_PID=$CALBENCH_RUN_PID
	track_pid "$LIVE_PID"
	exec {LIVE_OUT}<&"${CALBENCH_RUN[0]}" {LIVE_IN}>&"${CALBENCH_RUN[1]}"
}

# live_line VAR: the next line of its output in VAR, also added to $T/out;
# false at its end or after 60 s without output.
live_line() {
	IFS= read -r -t 60 "$1" <&"$LIVE_OUT" || return 1
	printf '%s\n' "${!1}" >>"$T/out"
}

# live_say TEXT: TEXT and Enter on its stdin.
live_say() { printf '%s\n' "$1" >&"$LIVE_IN"; }

# is_instruction LINE: LINE is an instruction the technician carries out
# and confirms ("..., then press Enter (q to stop)").
is_instruction() { [[ $1 == *"then press Enter (q to stop)" ]]; }

# live_end ARGS...: its pipes closed, its exit code in $RC once it has left
# (5 s at most); never a crash.
live_end() {
	exec {LIVE_OUT}<&- {LIVE_IN}>&-
	wait_gone "$LIVE_PID" 100 ||
		fail "calbench still running 5 s after its output stopped (or 60 s without output); last line: $(tail -n 1 "$T/out")"
	reap "$LIVE_PID"
	RC=$WAIT_RC
	check_sane "calbench $*" "$RC" "$T/err"
}

# grams_of "… place 2.5 kg …": sets GRAMS to the load of an instruction line
# in g; 0 when the line asks for no load (zero test).
grams_of() {
	local re='place ([0-9]+(\.[0-9]+)?) (kg|g)([^a-z]|$)'
	if [[ $1 =~ $re ]]; then
		if [ "${BASH_REMATCH[3]}" = kg ]; then
			GRAMS=$(awk -v v="${BASH_REMATCH[1]}" 'BEGIN { printf "%.10g\n", v * 1000 }')
		else
			GRAMS=${BASH_REMATCH[1]}
		fi
	elif [[ $1 == *"remove every load"* ]]; then
		GRAMS=0
	else
		fail "cannot tell the load of the instruction: $1"
	fi
}

# technician SIM ARGS...: run `calbench ARGS` with stdin and stdout on pipes
# (not a terminal); for every instruction line "..., then press Enter (q to
# stop)" put the load on simulator SIM, wait for its "ok", press Enter.
# Output in $T/out, stderr in $T/err, exit code in $RC, instructions seen in
# $INSTRUCTIONS. With STOP_AFTER=N the N+1st instruction is not answered:
# instead ON_STOP (a command, e.g. 'kill -INT $pid' or 'sim_cmd bal fault
# close') is evaluated with $pid set.
technician() {
	local sim=$1 line n=0 in_fd pid
	shift
	live_start "$@"
	pid=$LIVE_PID in_fd=$LIVE_IN # for ON_STOP
	while live_line line; do
		is_instruction "$line" || continue
		n=$((n + 1))
		if [ -n "${STOP_AFTER:-}" ] && [ "$n" -gt "$STOP_AFTER" ]; then
			eval "${ON_STOP:-:}"
			continue
		fi
		grams_of "$line"
		# WRONG_LOAD_AT=N WRONG_LOAD=G: at instruction N put G on instead
		if [ "${WRONG_LOAD_AT:-0}" -eq "$n" ]; then
			GRAMS=$WRONG_LOAD
		fi
		sim_cmd "$sim" "load $GRAMS"
		[ "$SIM_REPLY" = ok ] || fail "simulator answered '$SIM_REPLY' to 'load $GRAMS'"
		live_say ""
	done
	INSTRUCTIONS=$n
	live_end "$@"
}

is_zombie() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ "$st" = Z ]
}

# wait_gone PID TICKS: wait up to TICKS x 50 ms for PID to exit.
wait_gone() {
	for _ in $(seq "$2"); do
		kill -0 "$1" 2>/dev/null || return 0
		# a zombie child still answers kill -0: look at its state
		is_zombie "$1" && return 0
		sleep 0.05
	done
	return 1
}

# ---- runner -------------------------------------------------------------------

run_tests() {
	local fn all=() failed=0 t0 t1 rc
	mapfile -t all < <(declare -F | awk '{ print $3 }' | grep '^test_' || true)
	[ "${#TESTS_TO_RUN[@]}" -gt 0 ] || TESTS_TO_RUN=("${all[@]}")
	for fn in "${TESTS_TO_RUN[@]}"; do
		declare -F "$fn" >/dev/null || { echo "FATAL: no test function $fn in $0" >&2; exit 1; }
	done
	for fn in "${TESTS_TO_RUN[@]}"; do
		t0=$(date +%s%N)
		# Each test in a subshell: its own temp dir, database, trap and
		# processes. Not in an 'if': set -e must stay in force inside.
		set +e
		(
			set -e
			CURRENT_TEST=$fn
			T=$(mktemp -d "${TMPDIR:-/tmp}/calbench-it.XXXXXX")
			trap cleanup EXIT
			trap 'exit 130' INT
			trap 'exit 143' TERM
			export CALBENCH_DB=$T/calbench.db
			cd "$T"
			"$fn"
		)
		rc=$?
		set -e
		t1=$(date +%s%N)
		if [ "$rc" -eq 0 ]; then
			printf 'ok   %s (%d ms)\n' "$fn" $(((t1 - t0) / 1000000))
		else
			failed=$((failed + 1))
			printf 'FAIL %s (%d ms)\n' "$fn" $(((t1 - t0) / 1000000))
		fi
	done
	[ "$failed" -eq 0 ] || { echo "$failed test(s) failed" >&2; exit 1; }
}

# ---- JSON -------------------------------------------------------------------

# json_valid FILE: FILE holds exactly one JSON value (RFC 8259 syntax, checked
# by a small recursive-descent parser in awk, as python3 may be missing).
json_valid() {
	awk '
	function err(m) { printf "invalid JSON at offset %d: %s (near \"%s\")\n", p, m, substr(s, p, 30) > "/dev/stderr"; bad = 1; exit 1 }
	function ws() { while (p <= n && index(" \t\r\n", substr(s, p, 1))) p++ }
	function str(   c) {
		if (substr(s, p, 1) != "\"") err("string expected")
		p++
		while (p <= n) {
			c = substr(s, p, 1)
			if (c == "\"") { p++; return }
			if (c == "\\") {
				c = substr(s, p + 1, 1)
				if (c == "u") { if (substr(s, p + 2, 4) !~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) err("bad \\u escape"); p += 6 }
				else if (index("\"\\/bfnrt", c)) p += 2
				else err("bad escape")
				continue
			}
			if (c < " ") err("control character in string")
			p++
		}
		err("unterminated string")
	}
	function num(   m) {
		if (match(substr(s, p), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) { p += RLENGTH; return }
		err("number expected")
	}
	function val(   c) {
		ws(); c = substr(s, p, 1)
		if (c == "{") {
			p++; ws()
			if (substr(s, p, 1) == "}") { p++; return }
			for (;;) {
				ws(); str(); ws()
				if (substr(s, p, 1) != ":") err("colon expected"); p++
				val(); ws(); c = substr(s, p, 1); p++
				if (c == "}") return
				if (c != ",") err(", or } expected")
			}
		}
		if (c == "[") {
			p++; ws()
			if (substr(s, p, 1) == "]") { p++; return }
			for (;;) {
				val(); ws(); c = substr(s, p, 1); p++
				if (c == "]") return
				if (c != ",") err(", or ] expected")
			}
		}
		if (c == "\"") { str(); return }
		if (substr(s, p, 4) == "true" || substr(s, p, 4) == "null") { p += 4; return }
		if (substr(s, p, 5) == "false") { p += 5; return }
		num()
	}
	{ s = s $0 "\n" }
	END {
		if (bad) exit 1
		n = length(s); p = 1
		val(); ws()
		if (p <= n) err("trailing text")
	}' "$1"
}

expect_json() { # the stdout of the last command is one JSON value
	json_valid "$T/out" 2>"$T/json.err" || fail "stdout is not valid JSON: $(cat "$T/json.err"); stdout: $(head -c 600 "$T/out")"
}

# The year and month of the end of a 12-month interval starting today (the
# day is left out: 29 February has no exact answer).
year_month_in_12_months() { date -u -d "$(date -u +%Y-%m-15) +12 months" +%Y-%m; }

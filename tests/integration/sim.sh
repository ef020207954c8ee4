#!/usr/bin/env bash
# `calbench read` and `calbench bench check` against `calbench sim balance`,
# over TCP and on a pseudo-terminal, with the simulator's faults.
#
#   bash sim.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The JSON of a stable 2500 g reading of bal1.
expect_reading_2500() {
	expect_rc 0
	expect_json
	expect_out '^\{"instrument": "bal1", "value": 2500, "unit": "g", "stable": true[,}]'
	expect_out '"raw": "S S +2500 g"'
}

test_sim_tcp_read() {
	sim_tcp bal --settle-ms 100 --serial SIM-TCP-1
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd bal 'load 2500'
	[ "$SIM_REPLY" = ok ] || fail "sim answered '$SIM_REPLY' to 'load 2500'"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 0
	expect_out '^bal1: 2500 g stable$'
	# read does not need (nor create) a database
	[ ! -e "$CALBENCH_DB" ] || fail "read created the database $CALBENCH_DB"
	sim_cmd bal help
	case "$SIM_REPLY" in *"load <g>"*"fault drop"*) ;; *) fail "sim 'help' answered: $SIM_REPLY" ;; esac
	sim_stop bal
}

test_sim_tcp_bench_check() {
	sim_tcp bal --settle-ms 0 --serial SIM-TCP-2
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd bal 'load 100'
	cb bench check --bench "$T/bench.yaml"
	expect_rc 0
	expect_out "^bal1 +mt-sics +tcp:127.0.0.1:$SIM_PORT +ok +model 'calbench SIM-BAL 30000 g' serial 'SIM-TCP-2' +100 g stable$"
	sim_stop bal
}

# A fault answer of the balance: one clear line, exit 1, no crash; the next
# read works again.
test_sim_tcp_faults() {
	local before after c0 r0 c1 r1
	sim_tcp bal --settle-ms 100
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd bal 'load 2500'

	# Opening the link sends "@" and drops its answer whatever it is, so the
	# first faulty reply goes to "@": 'fault es 2' makes the reading itself
	# answer ES.
	sim_cmd bal 'fault es 2'
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_rc 1
	expect_one_line_error '^calbench: bal1: SI: balance answered "ES" \(syntax error'
	[ ! -s "$T/out" ] || fail "a failed read printed a reading: $(cat "$T/out")"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500

	sim_cmd bal 'fault el 2'
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 1
	expect_one_line_error '^calbench: bal1: SI: balance answered "EL"'

	sim_cmd bal 'fault close 1'
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 1
	expect_one_line_error "^calbench: bal1: .*connection closed by 127.0.0.1:$SIM_PORT"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500

	# A lost reply is retried: 'fault drop 1' loses the answer to "@"
	# (the read waits it out), 'fault drop 2' that to the first SI too.
	sim_cmd bal 'fault drop 1'
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500
	sim_cmd bal status
	before=$SIM_REPLY
	sim_cmd bal 'fault drop 2'
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500
	sim_cmd bal status
	after=$SIM_REPLY
	c0=$(sed -nE 's/.* commands=([0-9]+) .*/\1/p' <<<"$before")
	r0=$(sed -nE 's/.* replies=([0-9]+) .*/\1/p' <<<"$before")
	c1=$(sed -nE 's/.* commands=([0-9]+) .*/\1/p' <<<"$after")
	r1=$(sed -nE 's/.* replies=([0-9]+) .*/\1/p' <<<"$after")
	[ -n "$c0" ] && [ -n "$c1" ] || fail "no command counts in the sim status: '$before' / '$after'"
	# @, SI (reply lost), SI again (answered)
	[ $((c1 - c0)) -eq 3 ] && [ $((r1 - r0)) -eq 1 ] ||
		fail "expected 3 commands (@, SI, SI retried) and 1 reply, the sim saw $((c1 - c0)) and $((r1 - r0))"
	case "$after" in *fault=none*) ;; *) fail "fault still armed after the read: $after" ;; esac
	sim_stop bal
}

# Without a stable weight in time, read shows the last reading and exits 5.
test_sim_tcp_unstable() {
	sim_tcp bal --settle-ms 600000
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd bal 'load 2500'
	cb read --bench "$T/bench.yaml" bal1 --json --timeout 1
	expect_rc 5
	expect_json
	expect_out '"stable": false'
	expect_one_line_error 'no stable reading within 1 s'
	cb read --bench "$T/bench.yaml" bal1 --json --now
	expect_rc 0
	expect_out '"stable": false'
	sim_stop bal
}

test_sim_tcp_closed_port() {
	local port
	port=$(closed_port)
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$port"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_rc 1
	expect_one_line_error "^calbench: bal1: connection to tcp:127.0.0.1:$port refused$"
	[ ! -s "$T/out" ] || fail "read printed something on stdout: $(cat "$T/out")"
	cb bench check --bench "$T/bench.yaml"
	expect_rc 1
	expect_out "^bal1 +mt-sics +tcp:127.0.0.1:$port +FAILED: .*refused"
}

# Control lines written at once (as a script or a paste does) are all
# answered. Fails while `calbench sim` mixes poll() on fd 0 with stdio
# buffering (firmware-host/cmd_sim.c): the second line stays in the stdin
# buffer, unanswered, until more input arrives.
test_sim_control_lines_in_one_write() {
	local fd i
	sim_tcp bal --settle-ms 100
	fd=${SIM_FD_bal:?}
	# one write(2): bash's printf writes line by line, cat all at once
	printf 'load 100\nstatus\nhelp\n' | cat >&"$fd"
	for i in $(seq 100); do
		[ "$(wc -l <"$T/bal.out")" -ge 4 ] && break
		sleep 0.02
	done
	[ "$(wc -l <"$T/bal.out")" -ge 4 ] ||
		fail "3 control lines written in one write(), $(($(wc -l <"$T/bal.out") - 1)) answered after 2 s: $(tail -n +2 "$T/bal.out" | tr '\n' '|')"
	grep -q '^load=100 g' "$T/bal.out" || fail "status did not follow 'load 100'"
	sim_stop bal
}

test_sim_pty_read() {
	local pts
	sim_start bal --link "$T/ttyBAL" --settle-ms 100 --serial SIM-PTY-1 ||
		fail "the pty simulator did not start: $(cat "$T/bal.err")"
	pts=$SIM_WHERE
	[[ $pts =~ ^/dev/pts/[0-9]+$ ]] || fail "sim printed '$pts', expected /dev/pts/N"
	grep -qx "linked: $T/ttyBAL -> $pts" "$T/bal.out" || fail "no 'linked: $T/ttyBAL -> $pts' line"
	[ "$(readlink "$T/ttyBAL")" = "$pts" ] || fail "$T/ttyBAL does not point to $pts"
	sim_cmd bal 'load 2500'

	bench_file "$T/bench.yaml" "$T/ttyBAL"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_reading_2500
	cb bench check --bench "$T/bench.yaml"
	expect_rc 0
	expect_out "model 'calbench SIM-BAL 30000 g' serial 'SIM-PTY-1' +2500 g stable$"

	sim_cmd bal 'fault es 2'
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 1
	expect_one_line_error '^calbench: bal1: SI: balance answered "ES"'

	# the printed path works as well as the link
	bench_file "$T/bench2.yaml" "$pts"
	cb read --bench "$T/bench2.yaml" bal1 --json
	expect_reading_2500

	sim_stop bal
	[ ! -L "$T/ttyBAL" ] || fail "the link $T/ttyBAL is still there after the simulator stopped"
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 1
	expect_one_line_error "^calbench: bal1: port $T/ttyBAL does not exist$"
}

# Overload: the reading says so (no value, not a zero), one error line, exit 1.
test_sim_tcp_overload_read() {
	sim_tcp bal --settle-ms 0
	bench_file "$T/bench.yaml" "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd bal 'load 40000'
	cb read --bench "$T/bench.yaml" bal1 --json --timeout 1
	expect_rc 1
	expect_json
	expect_out '"value": null, "unit": null, .*"value_si": null, .*"overload": true, "underload": false, "raw": "S \+"'
	expect_one_line_error '^calbench: read: bal1: SI: overload, above the range \("S \+"\)$'
	sim_stop bal
}

run_tests

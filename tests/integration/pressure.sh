#!/usr/bin/env bash
# The pressure drivers (pace, mensor-cpc, ppc4) through the calbench program
# against `calbench sim pressure`, on TCP and on a pseudo-terminal: bench
# check, read, setpoint with settling, a setpoint out of range, a leak that
# never settles, vent, a controller that stops answering.
#
#   bash pressure.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export SIM_KIND=pressure

# pressure_bench FILE DRIVER PORT: one controller ref1.
pressure_bench() {
	cat >"$1" <<EOF2
bench: pressure-it
instruments:
  - id: ref1
    driver: $2
    port: $3
EOF2
}

# The whole tour on one dialect and link. $1 driver, $2 tcp|pty.
tour() {
	local drv=$1 link=$2 port
	if [ "$link" = tcp ]; then
		sim_tcp ref --protocol "$drv" --tau-ms 150 --dwell-ms 300 --serial "SIM-$drv" --seed 3
		port="tcp:127.0.0.1:$SIM_PORT"
	else
		sim_start ref --protocol "$drv" --tau-ms 150 --dwell-ms 300 --serial "SIM-$drv" --seed 3 ||
			fail "simulator did not start: $(cat "$T/ref.err")"
		port=$SIM_WHERE
		[ -c "$port" ] || fail "sim printed '$port', not a character device"
	fi
	pressure_bench "$T/bench.yaml" "$drv" "$port"

	cb bench check --bench "$T/bench.yaml"
	expect_rc 0
	expect_out "^ref1 +$drv .* ok  model '.+' serial 'SIM-$drv' "

	# 6 bar, in whatever unit the controller shows; settled with evidence
	cb setpoint --bench "$T/bench.yaml" ref1 6 bar --hold 1 --timeout 30 --json
	expect_rc 0
	expect_out '"settled": true'
	expect_out '"unit_si": "Pa"'
	expect_out "\"rule\": \"controller's flag and"
	near "$(json_num value_si)" 600000 100 || fail "settled at $(json_num value_si) Pa, not 6 bar"
	[ "$(json_num samples)" -ge 3 ] || fail "only $(json_num samples) samples of evidence"

	# the same, written as one word, in another unit: 600 kPa is 6 bar
	cb setpoint --bench "$T/bench.yaml" ref1 600kPa --hold 1 --timeout 30 --json
	expect_rc 0
	expect_out '"settled": true'

	# the controller still holds 6 bar: a read agrees, stable
	cb read --bench "$T/bench.yaml" ref1 --json --timeout 10
	expect_rc 0
	expect_json
	expect_out '"stable": true'
	near "$(json_num value_si)" 600000 100 || fail "read $(json_num value_si) Pa, not 6 bar"

	# out of range (-1..20 bar): refused by the controller, named
	cb setpoint --bench "$T/bench.yaml" ref1 25 bar --timeout 5
	expect_rc 1
	expect_one_line_error "^calbench: ref1: .*25.* refused by the controller"

	# a leak the controller cannot hold against: never settled, the reason
	sim_cmd ref 'leak 2 bar'
	cb setpoint --bench "$T/bench.yaml" ref1 8 bar --hold 1 --timeout 4 --band 0.001
	expect_rc 5
	expect_err 'not settled within 4000 ms'
	expect_err 'leak or unreachable setpoint\?'
	sim_cmd ref 'leak 0'

	cb vent --bench "$T/bench.yaml" ref1
	expect_rc 0
	expect_out '^ref1: venting$'
	sim_stop ref
}

test_pace_tcp() { tour pace tcp; }
test_pace_pty() { tour pace pty; }
test_mensor_tcp() { tour mensor-cpc tcp; }
test_mensor_pty() { tour mensor-cpc pty; }
test_ppc4_tcp() { tour ppc4 tcp; }
test_ppc4_pty() { tour ppc4 pty; }

# Ctrl-C while waiting for the setpoint stops at once (exit 3) and says the
# controller still controls; a rule that is no evidence is refused (64).
test_pressure_setpoint_interrupt_and_refusals() {
	local pid t0 t1 rc=0
	sim_tcp ref --protocol pace --tau-ms 100
	pressure_bench "$T/bench.yaml" pace "tcp:127.0.0.1:$SIM_PORT"
	cb setpoint --bench "$T/bench.yaml" ref1 6 bar --no-flag
	expect_rc 64
	expect_err 'no-flag needs --band'
	cb setpoint --bench "$T/bench.yaml" ref1 6 bar --hold 0
	expect_rc 64
	cb setpoint --bench "$T/bench.yaml" ref1 6 kg
	expect_rc 64
	expect_err "'kg' is not a pressure unit"

	"$CALBENCH" setpoint --bench "$T/bench.yaml" ref1 6 bar --hold 30 >"$T/out" 2>"$T/err" &
	pid=$!
	track_pid "$pid"
	sleep 1.5
	t0=$(date +%s%N)
	kill -INT "$pid"
	wait "$pid" || rc=$?
	t1=$(date +%s%N)
	[ "$rc" -eq 3 ] || fail "setpoint after Ctrl-C exited $rc, expected 3; stderr: $(cat "$T/err")"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || fail "Ctrl-C took $(((t1 - t0) / 1000000)) ms"
	expect_err 'stopped by the operator; the controller still controls'
	sim_stop ref
}

# A controller that stops answering: a timeout naming the command and port,
# exit 1, no hang.
test_pressure_silent_controller() {
	sim_tcp ref --protocol pace --tau-ms 100
	pressure_bench "$T/bench.yaml" pace "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd ref 'fault drop 100'
	cb read --bench "$T/bench.yaml" ref1 --now
	expect_rc 1
	expect_one_line_error "^calbench: ref1: no answer to :SYST:ERR\\? within 2000 ms \\(tcp:127.0.0.1:$SIM_PORT\\), 3 attempts"
	sim_stop ref
}

# Garbled bytes are retried and never taken for a value.
test_pressure_garbled_retried() {
	sim_tcp ref --protocol ppc4 --tau-ms 100
	pressure_bench "$T/bench.yaml" ppc4 "tcp:127.0.0.1:$SIM_PORT"
	sim_cmd ref 'fault garble 1'
	cb read --bench "$T/bench.yaml" ref1 --now --json
	expect_rc 0
	expect_json
	sim_stop ref
}

run_tests

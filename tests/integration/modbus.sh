#!/usr/bin/env bash
# The modbus-flow driver through the calbench program against pymodbus
# (Debian's python3-pymodbus), an independent Modbus TCP implementation:
# every preset read back to the values the server encoded with Python's own
# struct module; map files; a Modbus exception; a meter that goes away;
# bench files that mix up drivers and ports.
#
#   bash modbus.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
"$PY" -c 'import pymodbus.server' 2>/dev/null ||
	{ echo "FATAL: python3-pymodbus (with python3-serial, python3-serial-asyncio) is needed" >&2; exit 1; }

# pymodbus_start PRESET: serve it on a free port; sets MB_PORT.
pymodbus_start() {
	local i
	for _ in $(seq 20); do
		MB_PORT=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		"$PY" "$SRC/tests/integration/pymodbus_meter.py" "$MB_PORT" "$1" >"$T/pm.out" 2>"$T/pm.err" &
		track_pid $!
		for i in $(seq 100); do
			grep -q ready "$T/pm.out" 2>/dev/null && break
			sleep 0.05
		done
		# ready is printed before the bind: wait until the port answers
		for i in $(seq 100); do
			(exec 3<>"/dev/tcp/127.0.0.1/$MB_PORT") 2>/dev/null && return 0
			grep -q 'in use' "$T/pm.err" && break
			sleep 0.05
		done
	done
	fail "pymodbus did not start: $(cat "$T/pm.err")"
}

flow_bench() { # PRESET|map:FILE PORT
	local what="preset: $1"
	case $1 in map:*) what="map: ${1#map:}" ;; esac
	cat >"$T/bench.yaml" <<EOF2
bench: flow-it
instruments:
  - id: ref1
    driver: modbus-flow
    port: $2
    unit_id: 1
    $what
EOF2
}

# read QUANTITY WANT UNIT: the value read, to 1e-6 relative
expect_quantity() {
	cb read --bench "$T/bench.yaml" ref1 --quantity "$1" --json
	expect_rc 0
	expect_json
	near "$(json_num value)" "$2" "$(awk -v w="$2" 'BEGIN { print w * 1e-6 }')" ||
		fail "$1 read $(json_num value), the server holds $2"
	expect_out "\"unit\": \"$3\""
}

test_siemens_mag6000() {
	pymodbus_start siemens-mag6000
	flow_bench siemens-mag6000 "modbus-tcp:127.0.0.1:$MB_PORT"
	expect_quantity flow 1.2345678 m3/s
	expect_out '"raw": "HR 3002: 3F9E 0651"'   # protocols.md §5.5, ABCD
	expect_quantity total 123.456 m3
	expect_out '"raw": "HR 3014: 405E DD2F 1A9F BE77"'
	expect_quantity total_float 123.456 m3
	# read with no --quantity is the flow
	cb read --bench "$T/bench.yaml" ref1 --json
	expect_rc 0
	near "$(json_num value_si)" 1.2345678 1e-6 || fail "flow in m3/s: $(json_num value_si)"
}

test_endress_promag53() {
	pymodbus_start endress-promag53
	flow_bench endress-promag53 "modbus-tcp:127.0.0.1:$MB_PORT"
	expect_quantity flow 1.2345678 ""
	expect_out '"raw": "HR 2008: 0651 3F9E"'   # factory 1-0-3-2 = CDAB
	expect_out '"value_si": null'               # no unit in the preset: no SI value
	expect_quantity total 123.456 ""
}

test_generic_mfe() {
	pymodbus_start generic-mfe
	flow_bench generic-mfe "modbus-tcp:127.0.0.1:$MB_PORT"
	expect_quantity flow 1.2345678 m3/h      # unit from the flow_unit code 5
	near "$(json_num value_si)" "$(awk 'BEGIN { print 1.2345678 / 3600 }')" 1e-9 ||
		fail "m3/h to m3/s: $(json_num value_si)"
	expect_quantity total 123.456 m3          # total_int + total_frac, unit code 1
	expect_quantity velocity 0.5 m/s
}

# A map file: the maker's notation, a scale; an address the meter does not
# have gives the meter's exception, named; a bad map names its line.
test_map_file_and_exception() {
	pymodbus_start siemens-mag6000
	cat >"$T/map.yaml" <<'EOF2'
map: mag-litres
description: the MAG 6000 flow in L/s through a scale
quantities:
  - { name: flow, register: "4:03003", type: f32, order: ABCD, scale: 1000, unit: L/s }
  - { name: total, address: 3014, type: f64, unit: m3 }
  - { name: missing, address: 20000, type: u16 }
EOF2
	flow_bench map:map.yaml "modbus-tcp:127.0.0.1:$MB_PORT"
	expect_quantity flow 1234.5678 L/s
	cb read --bench "$T/bench.yaml" ref1 --quantity missing
	expect_rc 1
	expect_one_line_error "^calbench: ref1: missing \\(u16 ABCD at 20000\\) on modbus-tcp:127.0.0.1:$MB_PORT: the meter answered exception 2 "

	cat >"$T/map.yaml" <<'EOF2'
map: bad
quantities:
  - { name: flow, address: 3003, type: f32 }
EOF2
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err 'map: .*map.yaml:3: .*quantity "flow".*odd'
	cat >"$T/map.yaml" <<'EOF2'
map: bad
quantities:
  - { name: flow, register: "4:03003", type: float128 }
EOF2
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err "map.yaml:3: quantity 'flow': .*float128"
}

# The meter goes away: a clear error naming the port, bounded in time.
test_meter_gone() {
	pymodbus_start siemens-mag6000
	flow_bench siemens-mag6000 "modbus-tcp:127.0.0.1:$MB_PORT"
	kill_tracked
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_one_line_error "^calbench: ref1: (cannot connect to modbus-tcp:127.0.0.1:$MB_PORT|flow .* on modbus-tcp:127.0.0.1:$MB_PORT)"
}

# Our own simulator, on Modbus RTU over a pseudo-terminal and on TCP: the
# values the model holds; a CRC fault retried then named; silence named with
# the time waited; an exception not retried.
sim_flow_start() { # NAME ARGS...
	SIM_KIND=flow sim_start "$@" || fail "flow simulator did not start: $(cat "$T/$1.err")"
}

test_sim_rtu() {
	local v
	sim_flow_start m --rtu --preset generic-mfe --q 12.5 --tau-ms 1
	[ -c "$SIM_WHERE" ] || fail "sim flow --rtu printed '$SIM_WHERE', not a tty"
	flow_bench generic-mfe "modbus-rtu:$SIM_WHERE"
	sed -i 's/^    unit_id: 1$/    unit_id: 1\n    serial: 19200\/8E1/' "$T/bench.yaml"
	expect_quantity flow 12.5 m3/h
	expect_out '"raw": "HR 4112: 0000 4148"' # 12.5 f32 in CDAB
	cb read --bench "$T/bench.yaml" ref1 --quantity total --json
	expect_rc 0
	v=$(json_num value)
	awk -v v="$v" 'BEGIN { exit !(v > 0 && v < 1) }' || fail "total $v m3 after a moment at 12.5 m3/h"
	# two corrupted replies, then a good one: retried, read
	sim_cmd m 'fault crc 2'
	cb read --bench "$T/bench.yaml" ref1 --json
	expect_rc 0
	# every reply corrupted: named, bounded
	sim_cmd m 'fault crc 100'
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_one_line_error "^calbench: ref1: flow \\(f32 CDAB at 4112\\) on modbus-rtu:$SIM_WHERE 19200/8E1: Invalid CRC \\(3 attempts\\)$"
	sim_cmd m 'fault none'
	sim_stop m
}

test_sim_tcp_faults() {
	local t0 t1
	sim_flow_start m --listen modbus-tcp:127.0.0.1:0 --preset siemens-mag6000 --q 36 --tau-ms 1
	flow_bench siemens-mag6000 "$SIM_WHERE"
	expect_quantity flow 0.01 m3/s # 36 m3/h
	sim_cmd m 'fault exception 1 2'
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_one_line_error "the meter answered exception 2 \\(Illegal data address\\)$"
	sim_cmd m 'status'
	sim_cmd m 'fault silence 100'
	t0=$(date +%s%N)
	cb read --bench "$T/bench.yaml" ref1
	t1=$(date +%s%N)
	expect_rc 1
	expect_one_line_error "^calbench: ref1: flow \\(f32 ABCD at 3002\\) on $SIM_WHERE: no answer within 2000 ms, 3 attempts$"
	[ $(((t1 - t0) / 1000000)) -lt 9000 ] || fail "silence took $(((t1 - t0) / 1000000)) ms"
	sim_cmd m 'fault none'
	sim_stop m
}

# Drivers and ports that do not go together, a preset that does not exist.
test_bench_refusals() {
	flow_bench siemens-mag6000 "tcp:127.0.0.1:502"
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err 'driver modbus-flow speaks Modbus: its port is modbus-tcp:HOST:PORT or modbus-rtu:TTY_PATH'
	flow_bench no-such-meter "modbus-tcp:127.0.0.1:502"
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err "unknown preset 'no-such-meter' \\(known: siemens-mag6000, endress-promag53, generic-mfe\\)"
	cat >"$T/bench.yaml" <<'EOF2'
bench: mixed
instruments:
  - { id: ref1, driver: pace, port: "modbus-tcp:127.0.0.1:502" }
EOF2
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err 'driver pace does not speak Modbus'
	cat >"$T/bench.yaml" <<'EOF2'
bench: mixed
instruments:
  - { id: ref1, driver: pace, port: "tcp:127.0.0.1:502", preset: siemens-mag6000 }
EOF2
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err 'unit_id, preset and map are for Modbus meters'
	cat >"$T/bench.yaml" <<'EOF2'
bench: nomap
instruments:
  - { id: ref1, driver: modbus-flow, port: "modbus-tcp:127.0.0.1:502" }
EOF2
	cb read --bench "$T/bench.yaml" ref1
	expect_rc 1
	expect_err 'give its register map: preset: NAME'
}

run_tests

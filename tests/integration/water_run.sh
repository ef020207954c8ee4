#!/usr/bin/env bash
# Water-meter series runs through the calbench program against `calbench sim
# flow` on Modbus TCP: the refusals that leave nothing behind, and a draw that
# stays short of the minimum volume (taken again, then the batch stops with the
# reason, resumable only by --abort). A full run over Modbus RTU is the demo's
# third part (demo.sh).
#
#   bash water_run.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

WPROC=$SRC/procedures/defs/r49-water-meter-verification.yaml

register_meters() { # Q3 of the second meter
	local i q3
	# the master meter: a flow standard, U 0.2 % of the volume
	cb standard add --id MM-1 --kind flow --unit m3/h --range 0.01..10 --u-rel 0.2 \
		--cert LL-2026-117 --due 2099-12-31
	expect_rc 0
	for i in 1 2; do
		q3=2.5
		[ "$i" = 2 ] && q3=${1:-2.5}
		cb instrument add --id "DH-$i" --kind water-meter --type "đồng hồ nước" \
			--serial "W-$i" --class 2 --q3 "$q3" --r 100 --unit m3 --d 0.00005 --interval 60
		expect_rc 0
	done
}

master_bench() { # PORT
	cat >"$T/bench.yaml" <<EOF2
bench: series
instruments:
  - id: master1
    driver: modbus-flow
    port: $1
    preset: siemens-mag6000
    standard: MM-1
EOF2
}

test_water_refusals() {
	register_meters 4.0
	SIM_KIND=flow sim_start m --listen modbus-tcp:127.0.0.1:0 --q 0 ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	master_bench "$SIM_WHERE"
	printf 'ok\n' >"$T/answers"
	cb run --procedure "$WPROC" --instrument DH-1 --instrument DH-2 --mode initial \
		--bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 4
	expect_err 'meters in series share the flow'
	# a pressure gauge on the water bench
	cb instrument add --id AK-1 --kind bourdon-gauge --type "áp kế" --serial G1 --class 1.6 \
		--unit bar --max 10 --d 0.05 --interval 12
	cb run --procedure "$WPROC" --instrument AK-1 --mode initial --bench "$T/bench.yaml" \
		--answers "$T/answers"
	expect_rc 4
	expect_err 'AK-1 is a bourdon-gauge: procedure r49-water-meter-verification is for water meters'
	[ "$(sql 'SELECT count(*) FROM runs')" = 0 ] || fail "a refused run left a run behind"
	sim_stop m
}

# The technician says the draw is done at once: 2 x 0.2 L at most through a
# meter set to 0.5 m3/h, far short of the 10 L a Q1 point needs.
test_water_short_draw() {
	register_meters
	SIM_KIND=flow sim_start m --listen modbus-tcp:127.0.0.1:0 --q 0 ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	master_bench "$SIM_WHERE"
	{
		for _ in 1 2 3; do
			printf 'ok\n100.00000\n200.00000\nok\nok\n100.00020\n200.00020\n'
		done
	} >"$T/answers"
	cb run --procedure "$WPROC" --instrument DH-1 --instrument DH-2 --mode initial \
		--bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 3
	expect_err 'Q1 0.025 m3/h: .*less than the 10.000 L the point needs \(3 attempts\)'
	expect_err 'cannot be resumed yet: close its runs with calbench run --abort 1 --reason TEXT, calbench run --abort 2'
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'interrupted'")" = 2 ] || fail "not interrupted"
	# every reading kept: 3 draws x 2 (before, after) of the reference in each run
	[ "$(sql "SELECT count(*) FROM readings WHERE source = 'device:master1' AND unit = 'm3'")" = 12 ] ||
		fail "reference readings: $(sql "SELECT count(*) FROM readings WHERE source = 'device:master1'")"
	[ "$(sql 'SELECT count(*) FROM results')" = 0 ] || fail "results without every point"
	cb run --resume 2 --bench "$T/bench.yaml"
	expect_rc 4
	expect_err 'batch 1 is a flow-bench series: it cannot be resumed yet; every reading is kept; close its runs with calbench run --abort 1 --reason TEXT, calbench run --abort 2'
	cb run --abort 1 --reason "short draws"
	expect_rc 0
	[ "$(sql "SELECT status FROM runs WHERE id = 1")" = aborted ] || fail "not aborted"
	sim_stop m
}

# The water still runs when the draw should start: the technician is asked to
# stop it, and the point is not taken while the master meter shows a flow.
test_water_not_at_rest() {
	register_meters
	SIM_KIND=flow sim_start m --listen modbus-tcp:127.0.0.1:0 --q 2.5 ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	master_bench "$SIM_WHERE"
	printf 'ok\nok\nok\nok\n' >"$T/answers"
	cb run --procedure "$WPROC" --instrument DH-1 --instrument DH-2 --mode initial \
		--bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 3
	expect_out 'the master meter still shows 2.5 m3/h before the draw: stop the flow'
	expect_err 'the water is not at rest before the draw: the master meter shows 2.5 m3/h'
	[ "$(sql 'SELECT count(*) FROM readings')" = 0 ] || fail "a reading was taken with the water running"
	sim_stop m
}

# A register typed with fewer digits than it shows (12.3 for a register of
# 0.00005 m3) is asked again; three times is refused; what is stored keeps
# every digit typed.
test_water_register_resolution() {
	register_meters
	SIM_KIND=flow sim_start m --listen modbus-tcp:127.0.0.1:0 --q 0 ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	master_bench "$SIM_WHERE"
	printf 'ok\n100.0\n100.00000\n200.1\n200.1\n200.1\n' >"$T/answers"
	cb run --procedure "$WPROC" --instrument DH-1 --instrument DH-2 --mode initial \
		--bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 3
	expect_out 'DH-1 at Q1 0.025 m3/h: register before the draw \(m3\): type every digit it shows, 5 decimals'
	expect_err 'DH-2: 200.1 typed with 1 decimal three times: the register reads to 0.00005 m3 \(5 decimals\)'
	[ "$(sql "SELECT group_concat(raw) FROM readings WHERE source = 'operator'")" = 100.00000 ] ||
		fail "stored: $(sql "SELECT raw FROM readings WHERE source = 'operator'")"
	sim_stop m
}

# A fuel dispenser against a proving can, everything typed (no bench):
# OIML R 117 class 0.5, MMQ 2 L; +110 mL at 20 L fails (MPE 100 mL, T23), +20
# mL at 2 L passes (Emin 20 mL, T22). A can too coarse for the 2 L delivery
# is refused first, leaving nothing.
test_fuel_dispenser_can() {
	local proc=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml run
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	cb standard add --id CAN-A --kind volume --unit L --range 1..20 --u 0.004 --u-rel 0.02 \
		--cert VMI-1 --due 2099-12-31
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	printf 'ok\n' >"$T/answers"
	cb run --procedure "$proc" --instrument CX-1 --standard CAN-A --mode periodic \
		--answers "$T/answers"
	expect_rc 4
	expect_err 'reference CAN-A: U 0.22 % of the 2 L at Qmin 0.24 m3/h exceeds 0.2 x the MPE 1 % of CX-1'
	cb run --procedure "$proc" --instrument CX-1 --mode periodic --answers "$T/answers"
	expect_rc 4
	expect_err 'names no standard in the register'
	[ "$(sql 'SELECT count(*) FROM runs')" = 0 ] || fail "a refused run left a run behind"
	{
		printf 'ok\nok\nok\n20.000\n20.11\n'  # Qmax run 1: +110 mL
		printf 'ok\nok\nok\n20.000\n19.96\n'  # Qmax run 2
		printf 'ok\nok\nok\n20.000\n20.02\n'  # Qmin 20 L
		printf 'ok\nok\nok\n2.000\n2.02\n'    # Qmin 2 L: +20 mL, at Emin
	} >"$T/answers"
	cb run --procedure "$proc" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc 2
	expect_out 'the nozzle at Qmax, 40 L/min: the proving can empty'
	expect_out 'Verdict CX-1: FAIL: Qmax 2.4 m3/h run 1/2: E = \+0.55 % beyond the MPE ±0.5 %'
	run=$(sql "SELECT id FROM runs WHERE instrument_id = 'CX-1'")
	[ "$(sql "SELECT group_concat(verdict || ':' || mpe, ' ') FROM results WHERE run_id = $run ORDER BY seq")" = \
		"FAIL:0.1 PASS:0.1 PASS:0.1 PASS:0.02" ] ||
		fail "results: $(sql "SELECT * FROM results WHERE run_id = $run")"
	[ "$(sql "SELECT kind FROM certificates WHERE run_id = $run")" = failure ] || fail "not a failure record"
	[ "$(sql "SELECT standard_id FROM run_pressure_standards WHERE run_id = $run")" = CAN-B ] ||
		fail "the can is not on the run's record"
	# the can and the display after each delivery, nothing before
	[ "$(sql "SELECT count(*) FROM readings WHERE run_id = $run AND point_seq % 2 = 0")" = 8 ] ||
		fail "readings: $(sql "SELECT point_seq, source, raw FROM readings WHERE run_id = $run")"
}

# A dispenser stopped at its preset 20.00 L while the can holds 19.85 L:
# delivered short by 150 mL, beyond the 100 mL MPE: judged FAIL, not taken
# again as a short draw.
test_fuel_dispenser_under_delivery() {
	local proc=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	{
		printf 'ok\nok\nok\n19.850\n20.00\n'  # Qmax run 1: 150 mL short
		printf 'ok\nok\nok\n20.000\n20.00\n'
		printf 'ok\nok\nok\n20.000\n20.00\n'
		printf 'ok\nok\nok\n2.000\n2.00\n'
	} >"$T/answers"
	cb run --procedure "$proc" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc 2
	expect_out 'Verdict CX-1: FAIL: Qmax 2.4 m3/h run 1/2: E = \+0.76 % beyond the MPE'
}

run_tests

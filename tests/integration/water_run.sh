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
	[ "$(sql "SELECT count(*) FROM readings WHERE source = 'device:master1'")" = 12 ] ||
		fail "reference readings: $(sql "SELECT count(*) FROM readings WHERE source = 'device:master1'")"
	[ "$(sql 'SELECT count(*) FROM results')" = 0 ] || fail "results without every point"
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

run_tests

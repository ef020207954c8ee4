#!/usr/bin/env bash
# Pressure runs through the calbench program: three Bourdon gauges on one
# manifold verified per EN 837-1 against each controller simulator (pace,
# mensor-cpc, ppc4), on TCP and on a pseudo-terminal; Ctrl-C and a lost
# controller in the middle of a batch, then --resume; refusals that leave
# nothing behind.
#
#   bash pressure_run.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export SIM_KIND=pressure

# The shipped procedure with a short settle hold (the simulator settles in
# tenths of a second; the rule is the same).
fast_procedure() {
	sed -e 's/hold_s: 10/hold_s: 0.3/' -e 's/poll_ms: 500/poll_ms: 100/' \
		"$SRC/procedures/defs/en837-1-bourdon-verification.yaml" >"$T/proc.yaml"
	grep -q 'hold_s: 0.3' "$T/proc.yaml" || fail "the shipped procedure has no 'hold_s: 10' to shorten"
}

# Three class 1.6 gauges 0..10 bar and the reference PACE-01 (due $1).
register_manifold() {
	local due=${1:-2099-12-31}
	cat >"$T/gauges.yaml" <<EOF2
instruments:
  - { id: AK-1, kind: bourdon-gauge, type: áp kế, serial: G-1, owner: Nhà máy A, class: 1.6, unit: bar, max: 10, d: 0.05, interval: 12 }
  - { id: AK-2, kind: bourdon-gauge, type: áp kế, serial: G-2, owner: Nhà máy A, class: 1.6, unit: bar, max: 10, d: 0.05, interval: 12 }
  - { id: AK-3, kind: bourdon-gauge, type: áp kế, serial: G-3, owner: Nhà máy B, class: 1.6, unit: bar, max: 10, d: 0.05, interval: 12 }
EOF2
	cat >"$T/ref.yaml" <<EOF2
standards:
  - { id: PACE-01, kind: pressure, unit: bar, range: -1..20, u: 0.0004, u-rel: 0.01, k: 2, cert: VMI-AS-1, due: $due }
EOF2
	cb instrument add --file "$T/gauges.yaml"
	expect_rc 0
	cb standard add --file "$T/ref.yaml"
	expect_rc 0
}

# The bench: the controller ref1, its register entry PACE-01.
manifold_bench() { # DRIVER PORT
	cat >"$T/bench.yaml" <<EOF2
bench: manifold
instruments:
  - id: ref1
    driver: $1
    port: $2
    standard: PACE-01
EOF2
}

# What the technician reads: AK-1 and AK-2 right on, AK-3 0.25 bar high from
# 7.5 bar up (beyond the 0.16 bar MPE). 5 points up then down, 3 gauges each.
write_manifold_answers() {
	{
		echo ok
		for p in 0 2.5 5 7.5 10 10 7.5 5 2.5 0; do
			echo "$p"
			echo "$p"
			case $p in 7.5) echo 7.75 ;; 10) echo 10.25 ;; *) echo "$p" ;; esac
		done
	} >"$T/answers"
}

start_controller() { # DRIVER tcp|pty
	if [ "$2" = tcp ]; then
		sim_tcp ref --protocol "$1" --tau-ms 100 --dwell-ms 200 --seed 5
		manifold_bench "$1" "tcp:127.0.0.1:$SIM_PORT"
	else
		sim_start ref --protocol "$1" --tau-ms 100 --dwell-ms 200 --seed 5 ||
			fail "simulator did not start: $(cat "$T/ref.err")"
		[ -c "$SIM_WHERE" ] || fail "sim printed '$SIM_WHERE', not a character device"
		manifold_bench "$1" "$SIM_WHERE"
	fi
}

# A whole verification of the manifold. $1 driver, $2 tcp|pty.
manifold() {
	local n
	register_manifold
	fast_procedure
	start_controller "$1" "$2"
	write_manifold_answers
	cb run --procedure "$T/proc.yaml" --instrument AK-1 --instrument AK-2 --instrument AK-3 \
		--mode periodic --bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 2 # one gauge failed
	expect_out '^Verdict AK-1: PASS$'
	expect_out '^Verdict AK-2: PASS$'
	expect_out '^Verdict AK-3: FAIL: pressure up 7.5 bar: E = 0\.2[0-9]+ bar beyond the MPE ±0.16 bar$'
	expect_out '^Failure record \(không đạt\): CB-'
	[ "$(grep -c '^Certificate: CB-' "$T/out")" -eq 2 ] || fail "expected two certificates"
	expect_out 'Batch 1: 3 gauges, at least one FAIL'

	# one run per gauge, one batch, each with 10 reference readings (each with
	# its settle evidence) and 10 of its own indications, 15 results
	[ "$(sql "SELECT count(*) FROM runs WHERE batch = 1 AND status = 'completed'")" = 3 ] ||
		fail "runs: $(sql 'SELECT id, instrument_id, status, batch FROM runs')"
	for r in 1 2 3; do
		n=$(sql "SELECT count(*) FROM readings r JOIN settle_evidence e ON e.reading_id = r.id WHERE r.run_id = $r AND r.source = 'device:ref1'")
		[ "$n" = 10 ] || fail "run $r: $n reference readings with evidence, expected 10"
		n=$(sql "SELECT count(*) FROM readings WHERE run_id = $r AND source = 'operator' AND unit = 'bar'")
		[ "$n" = 10 ] || fail "run $r: $n indications, expected 10"
		n=$(sql "SELECT count(*) FROM results WHERE run_id = $r")
		[ "$n" = 15 ] || fail "run $r: $n results, expected 15"
	done
	# the reference as read (within the settle band of the setpoint), in SI too
	n=$(sql "SELECT count(*) FROM readings WHERE source = 'device:ref1' AND abs(value_si - 750000) < 1000 AND point_seq IN (4, 7)")
	[ "$n" = 6 ] || fail "7.5 bar reference readings: $n"
	grep -q "controller's flag and" <<<"$(sql "SELECT rule FROM settle_evidence LIMIT 1")" ||
		fail "no rule stored with the evidence"

	# an inspector: two valid certificates, one failure record
	cb verify "$(sed -nE 's/^Failure record \(không đạt\): (CB-[0-9-]+),.*/\1/p' "$T/out")"
	expect_rc 13
	sim_stop ref
}

test_manifold_pace_tcp() { manifold pace tcp; }
test_manifold_pace_pty() { manifold pace pty; }
test_manifold_mensor_tcp() { manifold mensor-cpc tcp; }
test_manifold_mensor_pty() { manifold mensor-cpc pty; }
test_manifold_ppc4_tcp() { manifold ppc4 tcp; }
test_manifold_ppc4_pty() { manifold ppc4 pty; }

# A run whose technician answers through a pipe: the set-up and the first
# three steps are given, then the test acts; $TFD stays open for the rest.
# Sets RUN_PID.
start_slow_run() {
	mkfifo "$T/tech"
	"$CALBENCH" run --procedure "$T/proc.yaml" --instrument AK-1 --instrument AK-2 \
		--instrument AK-3 --mode initial --bench "$T/bench.yaml" <"$T/tech" >"$T/out" 2>"$T/err" &
	RUN_PID=$!
	track_pid "$RUN_PID"
	exec {TFD}>"$T/tech"
	head -n 10 "$T/answers" >&$TFD # set-up and three steps
	for _ in $(seq 100); do
		[ "$(sql "SELECT count(*) FROM readings WHERE source = 'operator'" 2>/dev/null || echo 0)" -ge 9 ] && break
		sleep 0.1
	done
}

# Ctrl-C in the middle: every run of the batch interrupted (exit 3), the
# readings kept; --resume finishes from the step that was not complete.
test_manifold_interrupt_resume() {
	local rc=0
	register_manifold
	fast_procedure
	start_controller pace tcp
	write_manifold_answers
	start_slow_run
	kill -INT "$RUN_PID"
	wait "$RUN_PID" || rc=$?
	exec {TFD}>&-
	[ "$rc" = 3 ] || fail "Ctrl-C: exit $rc, expected 3; $(cat "$T/err")"
	expect_err 'continue with: calbench run --resume 1 --bench'
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'interrupted'")" = 3 ] || fail "not all interrupted"
	[ "$(sql "SELECT count(*) FROM readings WHERE source = 'operator'")" = 9 ] || fail "indications kept: $(sql "SELECT count(*) FROM readings WHERE source = 'operator'")"

	# resume: steps 4..10 (the answers after the third step)
	tail -n +11 "$T/answers" >"$T/rest"
	cb run --resume 2 --bench "$T/bench.yaml" --answers "$T/rest"
	expect_rc 2
	expect_out '^Resuming batch 1: 3 gauges'
	expect_out '^Verdict AK-3: FAIL'
	[ "$(sql "SELECT count(*) FROM readings WHERE source = 'operator'")" = 30 ] || fail "indications after resume"
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'completed'")" = 3 ] || fail "not completed"
	grep -q 'stopped by the operator' <<<"$(sql "SELECT reason FROM run_events WHERE status = 'interrupted'")" ||
		fail "the interruption's reason was not kept"
	# a finished batch is not resumed: refused before the controller is touched
	cb run --resume 1 --bench "$T/bench.yaml" --answers "$T/rest"
	expect_rc 4
	expect_one_line_error "no run of its batch 1 is interrupted: nothing to resume"
	sim_stop ref
}

# The controller stops answering mid-run: every run interrupted with the
# reason (exit 3), nothing recorded for the step it was at; once it answers
# again, --resume completes the batch.
test_manifold_lost_controller() {
	local rc=0
	register_manifold
	fast_procedure
	start_controller pace tcp
	write_manifold_answers
	start_slow_run
	sim_cmd ref 'fault drop 100000'
	tail -n +11 "$T/answers" >&$TFD
	exec {TFD}>&-
	wait "$RUN_PID" || rc=$?
	[ "$rc" = 3 ] || fail "lost controller: exit $rc, expected 3; $(cat "$T/err")"
	expect_err 'interrupted: .*no answer to'
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'interrupted'")" = 3 ] || fail "not all interrupted"
	[ "$(sql "SELECT count(*) FROM readings WHERE source = 'operator'")" = 9 ] || fail "indications: $(sql "SELECT count(*) FROM readings WHERE source = 'operator'")"
	[ "$(sql "SELECT max(point_seq) FROM readings")" = 3 ] || fail "a reading of step 4 was recorded"

	sim_cmd ref 'fault none'
	tail -n +11 "$T/answers" >"$T/rest"
	cb run --resume 1 --bench "$T/bench.yaml" --answers "$T/rest"
	expect_rc 2
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'completed'")" = 3 ] || fail "not completed"
	sim_stop ref
}

# The controller's own range is narrower than its register entry says: it
# refuses the 10 bar setpoint; the batch stops there with the reason (exit 3),
# the four points taken stay, nothing is recorded for the fifth.
test_manifold_setpoint_refused_by_controller() {
	register_manifold
	fast_procedure
	sim_tcp ref --protocol pace --tau-ms 100 --dwell-ms 200 --range -1:8
	manifold_bench pace "tcp:127.0.0.1:$SIM_PORT"
	write_manifold_answers
	cb run --procedure "$T/proc.yaml" --instrument AK-1 --instrument AK-2 --instrument AK-3 \
		--mode initial --bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 3
	expect_err 'point up 10 bar: ref1: .*refused by the controller'
	[ "$(sql "SELECT count(*) FROM runs WHERE status = 'interrupted'")" = 3 ] || fail "not all interrupted"
	[ "$(sql "SELECT max(point_seq) FROM readings")" = 4 ] || fail "readings beyond the refused point"
	sim_stop ref
}

# Refusals: nothing is recorded, exit 4, the message names the cause.
test_manifold_refusals() {
	register_manifold 2020-01-31
	fast_procedure
	start_controller pace tcp
	write_manifold_answers
	cb run --procedure "$T/proc.yaml" --instrument AK-1 --instrument AK-2 --mode initial \
		--bench "$T/bench.yaml" --answers "$T/answers"
	expect_rc 4
	expect_err 'reference PACE-01 was due for calibration on 2020-01-31'
	# a gauge that is not a Bourdon gauge, a bench entry without its standard
	cb instrument add --id BAL-1 --type cân --serial B1 --class III --unit g --max 3000 --e 1 --min 20 --interval 12
	cb run --procedure "$T/proc.yaml" --instrument BAL-1 --mode initial --bench "$T/bench.yaml" \
		--standard PACE-01 --answers "$T/answers"
	expect_rc 4
	expect_err 'BAL-1 is not registered as a pressure gauge'
	sed -i '/standard:/d' "$T/bench.yaml"
	cb run --procedure "$T/proc.yaml" --instrument AK-1 --mode initial --bench "$T/bench.yaml" \
		--answers "$T/answers"
	expect_rc 4
	expect_err "instrument 'ref1' names no 'standard:'"
	[ "$(sql "SELECT count(*) FROM runs")" = 0 ] || fail "a refused run left a run behind"
	sim_stop ref
}

run_tests

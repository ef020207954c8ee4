#!/usr/bin/env bash
# Manual runs (typed indications): from an answers file, from stdin, killed
# with SIGKILL or stopped with Ctrl-C in the middle, then resumed.
#
#   bash manual.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NUMBER_RE='CB-[0-9]{4}-[0-9]{6}'

setup_registers() {
	register_weights
	register_instrument BAL-M SN-MANUAL
}

# cert show NO lists each of the 19 points exactly once, and so does --json.
expect_every_point_once() { # NO
	local seq n
	cb cert show "$1"
	expect_rc 0
	for seq in $(seq 19); do
		n=$(grep -Ec "^ *$seq  (zero|weighing|eccentricity|repeatability) " "$T/out" || true)
		[ "$n" -eq 1 ] || fail "cert show $1: point $seq listed $n times"
	done
	[ "$(grep -Ec '^ *[0-9]+  (zero|weighing|eccentricity|repeatability) ' "$T/out")" -eq 19 ] ||
		fail "cert show $1 does not list exactly 19 points"
	cb cert show "$1" --json
	expect_rc 0
	expect_json
	n=$(grep -o '"seq": [0-9]*' "$T/out" | wc -l)
	[ "$n" -eq 19 ] || fail "cert show $1 --json: $n results, expected 19"
	n=$(grep -o '"seq": [0-9]*' "$T/out" | sort -u | wc -l)
	[ "$n" -eq 19 ] || fail "cert show $1 --json: $n distinct results, expected 19"
}

cert_number() { sed -nE "s/^Certificate: ($NUMBER_RE),.*/\1/p" "$T/out"; }

test_manual_answers_pass() {
	local no
	setup_registers
	# a first attempt with the zero point only shows the order of the
	# questions: the instruction (ok), then the indication
	printf 'ok\n0\n' >"$T/first"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode periodic --answers "$T/first"
	expect_rc 3
	expect_out '^Indications are typed by the operator$'
	expect_out '^\[1/19\] Zero-setting accuracy, zero: remove every load from the load receptor \(zero test\)$'
	expect_out '^        indication of BAL-M \(g\): 0$'
	expect_out '^\[2/19\] .*up 1: place 100 g: W100$'
	expect_err '^calbench: run 1 interrupted: .*no more answers'

	# the whole plan; comments, and an empty line as 'ok', are allowed
	{
		echo "# periodic verification of BAL-M, typed"
		write_answers "$T/body" 1 18
		sed '1s/^ok$//' "$T/body"
	} >"$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode periodic --answers "$T/answers" --operator "IT Clerk"
	expect_rc 0
	expect_out '^Verdict: PASS$'
	expect_out "^Certificate: $NUMBER_RE, issued $(date -u +%F), valid until $(year_month_in_12_months)-[0-9]{2}$"
	# periodic: MPE twice that of initial verification (5 g -> 10 g at 10 kg)
	expect_out '^        I = 10000 g, E = 0.12 g, MPE ±10 g  PASS$'
	no=$(cert_number)
	expect_every_point_once "$no"
	cb cert show "$no"
	expect_out '^Mode +periodic verification$'
	expect_out '^Limits +MPE = 2 x the initial-verification MPE of R 76-1 Table 6 \(periodic verification\)'
	expect_out '^ +6  weighing +up 5 +30000 g +30000.19 +30000 +-0.19 +15  PASS$'
	expect_out '^ +19  repeatability range of 3 .* PASS$'
	[ "$(sql "SELECT count(*) FROM readings WHERE run_id = 2 AND source = 'operator'")" -eq 18 ] ||
		fail "expected 18 operator readings of run 2"
	cb verify "$no"
	expect_rc 0
}

test_manual_answers_fail() {
	local no
	setup_registers
	write_answers "$T/answers" 1 18
	# 4th point, 10 kg: 10015 g is E = 15.12 g, beyond the periodic MPE of 10 g
	sed -i '8s/^10000$/10015/' "$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode periodic --answers "$T/answers"
	expect_rc 2
	expect_out '^        I = 10015 g, E = 15.12 g, MPE ±10 g  FAIL$'
	expect_out '^Verdict: FAIL: weighing up 3 at 10000 g: E = 15.12 g exceeds MPE ±10 g$'
	no=$(sed -nE "s/^Failure record \(không đạt\): ($NUMBER_RE),.*/\1/p" "$T/out")
	[ -n "$no" ] || fail "no failure record number"
	cb verify "$no"
	expect_rc 13
}

# When the answers run out the run is interrupted; --resume goes on.
test_manual_answers_run_out_resume() {
	local no
	setup_registers
	write_answers "$T/part1" 1 3
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/part1"
	expect_rc 3
	expect_err 'no more answers'
	cb runs
	expect_out '^1 +BAL-M .* interrupted +- +.*no more answers'
	write_answers "$T/part2" 4 18
	cb run --resume 1 --answers "$T/part2"
	expect_rc 0
	expect_out '^Resuming run 1: BAL-M'
	expect_out '^Verdict: PASS$'
	expect_no_out '^\[[1-3]/19\]'
	no=$(cert_number)
	expect_every_point_once "$no"
	# the document says the verification was interrupted, why, and when it resumed
	cb cert show "$no"
	expect_out '^Interrupted +[0-9T:-]+Z, .*no more answers.*; resumed [0-9T:-]+Z$'
}

# A manual run reading stdin from a FIFO we write; sets RUN_PID, RUN_FD.
start_stdin_run() {
	mkfifo "$T/stdin"
	exec {RUN_FD}<>"$T/stdin"
	"$CALBENCH" run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode periodic \
		<"$T/stdin" >"$T/run.out" 2>"$T/run.err" &
	RUN_PID=$!
	track_pid "$RUN_PID"
}

# feed_points FIRST LAST: Enter, then the indication, point by point, each
# time waiting until calbench has printed the result.
feed_points() {
	local i n
	for ((i = $1; i <= $2; i++)); do
		printf '\n%s\n' "${PLAN_LOADS[$((i - 1))]}" >&"$RUN_FD"
		for n in $(seq 400); do
			[ "$(grep -c '^        I = ' "$T/run.out")" -ge "$i" ] && break
			kill -0 "$RUN_PID" 2>/dev/null || fail "calbench died at point $i: $(cat "$T/run.err")"
			sleep 0.01
		done
		[ "$(grep -c '^        I = ' "$T/run.out")" -ge "$i" ] || fail "no result for point $i after 4 s"
	done
}

test_manual_kill9_resume() {
	local rc=0 no
	setup_registers
	start_stdin_run
	feed_points 1 9
	# stdin is not a terminal: one line per prompt
	grep -q '^\[9/19\] .*down 3: place 2.5 kg: W2K + W500, then press Enter (q to stop)$' "$T/run.out" ||
		fail "no one-line prompt for point 9: $(grep '^\[9/19\]' "$T/run.out")"
	kill -KILL "$RUN_PID"
	reap "$RUN_PID"
	rc=$WAIT_RC
	[ "$rc" -eq 137 ] || fail "calbench exited $rc, expected 137 (SIGKILL)"

	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "PRAGMA integrity_check after kill -9: $(sql 'PRAGMA integrity_check')"
	[ "$(sql 'SELECT status FROM runs WHERE id = 1')" = running ] || fail "the killed run is not 'running' before any other command"
	[ "$(sql 'SELECT count(*) FROM readings WHERE run_id = 1')" -eq 9 ] ||
		fail "$(sql 'SELECT count(*) FROM readings WHERE run_id = 1') readings committed, expected the 9 fed"
	[ "$(sql 'SELECT group_concat(value) FROM (SELECT value FROM readings WHERE run_id = 1 ORDER BY point_seq)')" = \
		"0.0,100.0,2500.0,10000.0,15000.0,30000.0,15000.0,10000.0,2500.0" ] ||
		fail "the committed readings are not the 9 indications fed: $(sql 'SELECT point_seq, value FROM readings')"
	[ "$(sql 'SELECT count(*) FROM results WHERE run_id = 1')" -eq 9 ] || fail "expected 9 results committed"

	# the next command finds the dead process and marks its run interrupted
	cb runs
	expect_rc 0
	expect_out "^1 +BAL-M .* periodic +interrupted +- +process $RUN_PID is gone"
	expect_err 'marked interrupted'
	[ "$(sql 'SELECT status FROM runs WHERE id = 1')" = interrupted ] || fail "the run is not interrupted in the database"
	cb runs --json
	expect_json
	expect_out '"status": "interrupted"'

	write_answers "$T/rest" 10 18
	cb run --resume 1 --answers "$T/rest"
	expect_rc 0
	expect_out '^Verdict: PASS$'
	[ "$(sql 'SELECT count(*) FROM readings WHERE run_id = 1')" -eq 18 ] || fail "expected 18 readings after the resume"
	no=$(cert_number)
	expect_every_point_once "$no"
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "integrity_check after the resume"
}

test_manual_sigint_resume() {
	local rc=0 no
	setup_registers
	start_stdin_run
	feed_points 1 2
	kill -INT "$RUN_PID"
	wait_gone "$RUN_PID" 100 || fail "calbench still running 5 s after SIGINT"
	reap "$RUN_PID"
	rc=$WAIT_RC
	check_sane "calbench run (SIGINT)" "$rc" "$T/run.err"
	[ "$rc" -eq 3 ] || fail "calbench exited $rc after SIGINT, expected 3; stderr: $(cat "$T/run.err")"
	grep -q '^calbench: run 1 interrupted: stopped by the operator (Ctrl-C)$' "$T/run.err" ||
		fail "stderr does not say the run was stopped: $(cat "$T/run.err")"
	grep -q 'calbench run --resume 1' "$T/run.err" || fail "stderr does not say how to resume"
	cb runs
	expect_out '^1 +BAL-M .* interrupted +- +stopped by the operator'
	[ "$(sql 'SELECT count(*) FROM readings WHERE run_id = 1')" -eq 2 ] || fail "expected 2 readings"

	write_answers "$T/rest" 3 18
	cb run --resume 1 --answers "$T/rest"
	expect_rc 0
	expect_out '^Verdict: PASS$'
	no=$(cert_number)
	expect_every_point_once "$no"
}

# An interrupted run the metrologist decides to give up: aborted with a reason,
# no document; it cannot be resumed, and a completed run cannot be either.
test_manual_abort() {
	setup_registers
	write_answers "$T/part1" 1 3
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/part1"
	expect_rc 3
	cb run --abort 1
	expect_rc 64
	expect_one_line_error '^calbench: run --abort: say why with --reason TEXT'
	cb run --abort 1 --reason "W10K dropped, set to recalibration"
	expect_rc 0
	expect_out '^Run 1 aborted: W10K dropped, set to recalibration \(no certificate or failure record is issued\)$'
	cb runs
	expect_out '^1 +BAL-M .* aborted +- +W10K dropped'
	[ "$(sql 'SELECT count(*) FROM certificates')" -eq 0 ] || fail "an aborted run has a document"
	cb run --resume 1 --answers "$T/part1"
	expect_rc 4
	expect_one_line_error '^calbench: run 1 is aborted, only an interrupted run can be resumed$'
	cb run --abort 1 --reason again
	expect_rc 4
	cb run --abort 99 --reason x
	expect_rc 1
	expect_one_line_error "^calbench: no run 99"

	write_answers "$T/all" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/all"
	expect_rc 0
	cb run --resume 2 --answers "$T/all"
	expect_rc 4
	expect_one_line_error '^calbench: run 2 is completed, only an interrupted run can be resumed$'
	cb run --abort 2 --reason x
	expect_rc 4
}

# d = 5 g: a typed 101 g is a typo; asked again, the run goes on. Three typos
# in a row stop the run (resumable).
test_manual_indication_not_multiple_of_d() {
	setup_registers
	write_answers "$T/rest" 3 18
	{
		printf 'ok\n0\nok\n101\n100\n'
		cat "$T/rest"
	} >"$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/answers"
	expect_rc 0
	expect_out '^        101 g is not a multiple of d = 5 g; indication of BAL-M \(g\): 100$'
	expect_out '^Verdict: PASS$'

	printf 'ok\n1\n2\n3\n' >"$T/typos"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/typos"
	expect_rc 3
	expect_err '^calbench: run 2 interrupted: zero .*: 3 g is not a multiple of d = 5 g \(typed 3 times\)$'
}

# One run at a time per instrument: a second run of BAL-M while the first
# waits is refused (exit 4); once the first is gone, a new one may start.
test_manual_one_run_per_instrument() {
	setup_registers
	start_stdin_run
	feed_points 1 2
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers /dev/null
	expect_rc 4
	expect_one_line_error "^calbench: run refused: BAL-M is being verified in run 1 \\(process $RUN_PID\\): one run at a time per instrument$"
	kill -KILL "$RUN_PID"
	reap "$RUN_PID"
	write_answers "$T/all" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/all"
	expect_rc 0
}

# A document withdrawn: kept, and verify answers revoked (exit 12) with the reason.
test_manual_cert_revoke() {
	local no
	setup_registers
	write_answers "$T/all" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-M --mode initial --answers "$T/all"
	expect_rc 0
	no=$(cert_number)
	cb cert revoke "$no"
	expect_rc 64
	cb cert revoke "$no" --reason "issued on the wrong instrument record"
	expect_rc 0
	expect_out "^$no revoked [0-9T:-]+Z: issued on the wrong instrument record$"
	cb verify "$no"
	expect_rc 12
	expect_out 'revoked .*: issued on the wrong instrument record'
	cb cert revoke "$no" --reason again
	expect_rc 1
	expect_one_line_error 'already revoked'
	cb cert revoke CB-1999-000001 --reason x
	expect_rc 1
}

run_tests

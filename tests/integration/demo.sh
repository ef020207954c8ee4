#!/usr/bin/env bash
# calbench demo, then what an inspector and the register see of its two
# documents, and that plain SQL cannot change them.
#
#   bash demo.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
#
# test_demo runs `calbench demo`. When CAL_IT_DEMO_DIR is set (ctest does,
# through a fixture) it runs there and the other tests copy its database into
# their own temp dir; without it every test runs its own demo (slower).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

NUMBER_RE='CB-[0-9]{4}-[0-9]{6}'

# Run the demo in DIR and check its output; sets PASS_NO and FAIL_NO.
run_demo_in() {
	local dir=$1
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd -P)
	# the demo's own default database (it would use $CALBENCH_DB when set)
	(cd "$dir" && env -u CALBENCH_DB "$CALBENCH" demo >"$T/out" 2>"$T/err" </dev/null) && RC=0 || RC=$?
	check_sane "calbench demo" "$RC" "$T/err"
	expect_rc 0
	expect_out '^Verdict: PASS$'
	expect_out "^Certificate $NUMBER_RE, valid until [0-9]{4}-[0-9]{2}-[0-9]{2}$"
	expect_out "^Verdict: FAIL: weighing (up|down) [0-9] at [0-9]+ g: E = -?[0-9.]+ g exceeds MPE ±[0-9.]+ g$"
	expect_out "^Failure record \(không đạt\) $NUMBER_RE$"
	expect_out "Database: $dir/calbench-demo.db"
	[ -f "$dir/calbench-demo.db" ] || fail "the demo database $dir/calbench-demo.db does not exist"
	# the balances: the first certificate and failure record
	PASS_NO=$(sed -nE "s/^Certificate ($NUMBER_RE),.*/\1/p" "$T/out" | head -n 1)
	FAIL_NO=$(sed -nE "s/^Failure record \(không đạt\) ($NUMBER_RE)$/\1/p" "$T/out" | head -n 1)
	# the manifold: three gauges on a simulated PACE, the third fails
	sed -n '/^== Pressure/,/^== Water/p' "$T/out" >"$T/pressure"
	[ "$(grep -cE "^Certificate $NUMBER_RE, valid until" "$T/pressure")" = 2 ] ||
		fail "the manifold did not give two certificates"
	grep -qE "^Verdict: FAIL: pressure (up|down) [0-9.]+ bar: E = [0-9.]+ bar beyond the MPE ±0.16 bar$" "$T/pressure" ||
		fail "no pressure gauge failed with its reason"
	grep -q '^Results of run 5 (AK-DEMO-3)$' "$T/pressure" || fail "AK-DEMO-3 has no results"
	# the water meters: five in series on a simulated master meter (Modbus RTU),
	# the fifth fails at Q1
	sed -n '/^== Water/,/^== An inspector/p' "$T/out" >"$T/water"
	[ "$(grep -cE "^Certificate $NUMBER_RE, valid until" "$T/water")" = 4 ] ||
		fail "the water meters did not give four certificates"
	grep -qE '^Verdict: FAIL: Q1 0.025 m3/h: E = -[0-9.]+ % beyond the MPE ±5 %' "$T/water" ||
		fail "DH-DEMO-5 did not fail at Q1 with its reason"
	grep -qE '^  1  water +Q1 0.02[0-9]* m3/h E [-+][0-9.]+ %' "$T/water" ||
		fail "no Q1 result row in the water results"
	# (no pipe into grep -q: with pipefail, sed's SIGPIPE would fail it under load)
	sed -n '/^Results of run 5 (AK-DEMO-3)/,$p' "$T/pressure" >"$T/ak3"
	grep -qE "^Failure record \(không đạt\) $NUMBER_RE$" "$T/ak3" ||
		fail "AK-DEMO-3 got no failure record"
	[ -n "$PASS_NO" ] && [ -n "$FAIL_NO" ] || fail "no certificate / failure record number in the demo output"
	[ "$PASS_NO" != "$FAIL_NO" ] || fail "the certificate and the failure record have the same number $PASS_NO"
	# the number year is this year
	[ "${PASS_NO:3:4}" = "$(date -u +%Y)" ] || fail "certificate $PASS_NO is not numbered in $(date -u +%Y)"
	# the second balance is the failing one
	sed -n '/^== DEMO-BAL-2/,$p' "$T/out" >"$T/bal2"
	grep -q "^Failure record (không đạt) $FAIL_NO$" "$T/bal2" ||
		fail "the failure record $FAIL_NO is not for the second balance DEMO-BAL-2"
	printf '%s %s\n' "$PASS_NO" "$FAIL_NO" >"$dir/numbers"
}

# A copy of the demo database as $CALBENCH_DB; sets PASS_NO and FAIL_NO.
demo_db() {
	local src=${CAL_IT_DEMO_DIR:-} lock
	if [ -n "$src" ]; then
		# shared lock: test_demo of a concurrent ctest may be rewriting it
		exec {lock}>"$src.lock"
		flock -s -w 120 "$lock" || fail "no lock on $src.lock within 120 s"
		if [ -f "$src/numbers" ]; then
			cp "$src/calbench-demo.db" "$CALBENCH_DB"
			read -r PASS_NO FAIL_NO <"$src/numbers"
		else
			src=""
		fi
		exec {lock}>&-
	fi
	if [ -z "$src" ]; then
		run_demo_in "$T/demo"
		cp "$T/demo/calbench-demo.db" "$CALBENCH_DB"
	fi
}

test_demo() {
	local dir=${CAL_IT_DEMO_DIR:-$T/demo} lock
	# exclusive lock while the shared demo dir is rewritten (released when
	# the test's subshell exits)
	mkdir -p "$(dirname "$dir")"
	exec {lock}>"$dir.lock"
	flock -x -w 120 "$lock" || fail "no lock on $dir.lock within 120 s"
	rm -rf "${dir:?}"
	run_demo_in "$dir"
	# both documents were checked as an inspector would
	expect_out "^$PASS_NO: valid$"
	expect_out "^$FAIL_NO: fail-record$"
	note "certificate $PASS_NO, failure record $FAIL_NO"
}

test_demo_verify() {
	demo_db
	cb verify "$PASS_NO"
	expect_rc 0
	expect_out "^$PASS_NO: valid$"
	expect_out '^  verdict +PASS$'
	expect_out 'serial DEMO-0001'

	cb verify "$FAIL_NO"
	expect_rc 13
	expect_out "^$FAIL_NO: fail-record$"
	expect_out 'serial DEMO-0002'

	cb verify CB-1999-999999
	expect_rc 14
	expect_out 'CB-1999-999999: UNKNOWN'

	# injection attempts: unknown numbers, no crash, no change
	local before after inj
	before=$(sqlite3 "$CALBENCH_DB" 'SELECT count(*) FROM certificates')
	for inj in "x' OR 1=1 --" "$PASS_NO' OR '1'='1" "$PASS_NO'; DELETE FROM certificates; --" '%' "CB-%" "$PASS_NO%"; do
		cb verify "$inj"
		expect_rc 14
		expect_out 'UNKNOWN'
		expect_no_out ': valid$'
	done
	after=$(sqlite3 "$CALBENCH_DB" 'SELECT count(*) FROM certificates')
	[ "$before" = "$after" ] || fail "certificates: $before rows before the injection attempts, $after after"

	cb verify "$PASS_NO" --json
	expect_rc 0
	expect_json
	expect_out '"status": "valid"'
	expect_out "\"number\": \"$PASS_NO\""
	expect_out '"serial": "DEMO-0001"'

	cb verify "$FAIL_NO" --json
	expect_rc 13
	expect_json
	expect_out '"status": "fail-record"'

	cb verify CB-1999-999999 --json
	expect_rc 14
	expect_json
	expect_out '"status": "unknown"'
}

test_demo_instrument_show() {
	demo_db
	cb instrument show DEMO-BAL-1
	expect_rc 0
	expect_out '^DEMO-BAL-1 '
	expect_out 'serial DEMO-0001'
	expect_out 'history: 1 verification\(s\), 1 pass, 0 fail'
	expect_out "^  [0-9]{4}-[0-9]{2}-[0-9]{2}  run 1 +verification +initial +pass +$PASS_NO +[0-9]{4}-[0-9]{2}-[0-9]{2}$"
	expect_out '^  next due: [0-9]{4}-[0-9]{2}-[0-9]{2}, '
	expect_out "^ +1 +[0-9T:-]+Z +initial +completed +PASS +$PASS_NO +[0-9]{4}-[0-9]{2}-[0-9]{2}$"

	cb instrument show DEMO-BAL-2
	expect_rc 0
	expect_out 'history: 1 verification\(s\), 0 pass, 1 fail'
	expect_out "^ +2 +[0-9T:-]+Z +initial +completed +FAIL +$FAIL_NO"

	cb instrument show DEMO-BAL-1 --json
	expect_rc 0
	expect_json
	expect_out "$PASS_NO"
}

test_demo_cert_show() {
	demo_db
	cb cert show "$PASS_NO"
	expect_rc 0
	expect_out '^VERIFICATION CERTIFICATE'
	expect_out "^No. $PASS_NO$"
	expect_out 'serial DEMO-0001 \(register id DEMO-BAL-1\)'
	expect_out 'SHA-256 [0-9a-f]{64}'
	expect_out '^Standards +W20K \(20 kg, class M1, correction 310 mg, U 330 mg \(k = 2\), cert. DEMO-KL-0101'
	expect_out '^Demo Standards and Quality Centre \(calbench demo\)$'
	expect_out '^Decision rule +simple acceptance: each \|E\| <= MPE \(ILAC-G8:09/2019 §4.2.1\)'
	expect_out '^Limits +MPE = 1 x the initial-verification MPE of R 76-1 Table 6 \(initial verification\); standards: sum of their MPEs <= 0.3333 x MPE$'
	expect_out '^Result +PASS$'
	expect_out '^Status today +valid$'
	# the 19 results of the plan, numbered 1..19, all PASS
	local n
	n=$(grep -Ec '^ *[0-9]+  (zero|weighing|eccentricity|repeatability) .* PASS$' "$T/out")
	[ "$n" -eq 19 ] || fail "cert show $PASS_NO: $n result rows with PASS, expected 19"

	cb cert show "$PASS_NO" --json
	expect_rc 0
	expect_json
	expect_out "^\\{\"number\": \"$PASS_NO\", \"laboratory\": \"Demo Standards and Quality Centre \\(calbench demo\\)\", \"laboratory_address\": \"[^\"]+\", \"kind\": \"verification\""
	expect_out '"correction_kg": 0.00031, "u_kg": 0.00033'
	expect_out '"decision_rule": "simple acceptance:'
	expect_out '"verdict": "PASS"'
	n=$(grep -o '"seq": [0-9]*' "$T/out" | sort -u | wc -l)
	[ "$n" -eq 19 ] || fail "cert show --json: $n distinct results, expected 19"

	cb cert show "$FAIL_NO"
	expect_rc 0
	expect_out '^VERIFICATION FAILURE RECORD'
	expect_out "^Result +FAIL: weighing .* exceeds MPE"
	expect_out "^ +[0-9]+  weighing +(up|down) [0-9] .* FAIL$"

	cb cert show "$FAIL_NO" --json
	expect_rc 0
	expect_json
	expect_out '"verdict": "FAIL"'

	cb cert show CB-1999-999999
	expect_rc 1
	expect_one_line_error "CB-1999-999999"
}

# The triggers refuse UPDATE and DELETE on issued data, through plain SQL too.
test_demo_sql_immutable() {
	demo_db
	local before after stmt out rc
	snapshot() {
		sqlite3 -batch "$CALBENCH_DB" \
			'SELECT * FROM certificates ORDER BY number;
			 SELECT * FROM results ORDER BY id;
			 SELECT * FROM readings ORDER BY id;
			 SELECT * FROM runs ORDER BY id;
			 SELECT * FROM number_seq;' | md5sum
	}
	before=$(snapshot)
	[ "$(sql "SELECT count(*) FROM readings")" -gt 0 ] || fail "the demo database has no readings"
	for stmt in \
		"UPDATE certificates SET valid_until = '2099-12-31' WHERE number = '$PASS_NO'" \
		"UPDATE certificates SET kind = 'verification', valid_until = '2099-12-31' WHERE number = '$FAIL_NO'" \
		"DELETE FROM certificates WHERE number = '$FAIL_NO'" \
		"DELETE FROM certificates" \
		"UPDATE results SET indication = 10000, error = 0.1, verdict = 'PASS' WHERE verdict = 'FAIL'" \
		"DELETE FROM results WHERE verdict = 'FAIL'" \
		"UPDATE readings SET value = value + 1" \
		"DELETE FROM readings" \
		"UPDATE runs SET verdict = 'PASS', fail_reason = '' WHERE verdict = 'FAIL'" \
		"DELETE FROM runs" \
		"UPDATE number_seq SET last = 1" \
		"INSERT INTO readings (run_id, point_seq, source, raw, value, unit, decimals, stable, flags, t_utc, t_mono_ms) VALUES (1, 1, 'operator', '', 1, 'g', 0, 1, 0, '2020-01-01T00:00:00Z', 0)"; do
		rc=0
		out=$(sqlite3 -batch -bail "$CALBENCH_DB" "$stmt" 2>&1) || rc=$?
		[ "$rc" -ne 0 ] || fail "sqlite3 accepted: $stmt"
		case "$out" in
		*immutable* | *"cannot be added"* | *"never reused"*) ;;
		*) fail "sqlite3 refused '$stmt' but not with the trigger's message: $out" ;;
		esac
	done
	# not even inside a transaction that commits
	rc=0
	out=$(sqlite3 -batch -bail "$CALBENCH_DB" "BEGIN; UPDATE results SET verdict = 'PASS'; COMMIT;" 2>&1) || rc=$?
	[ "$rc" -ne 0 ] || fail "sqlite3 accepted an UPDATE of results in a transaction"
	after=$(snapshot)
	[ "$before" = "$after" ] || fail "the data changed although every statement was refused"
	[ "$(sql 'PRAGMA integrity_check')" = ok ] || fail "PRAGMA integrity_check: $(sql 'PRAGMA integrity_check')"
	[ "$(sql 'PRAGMA foreign_key_check' | wc -l)" -eq 0 ] || fail "PRAGMA foreign_key_check reports rows"
	# and the documents still verify as before
	cb verify "$PASS_NO"
	expect_rc 0
	cb verify "$FAIL_NO"
	expect_rc 13
}

run_tests

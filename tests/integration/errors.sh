#!/usr/bin/env bash
# Bad input: every case is one clear line on stderr and the documented exit
# code, never a crash (exit < 128, no sanitizer report: see cb in lib.sh).
#
#   bash errors.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

runs_count() { sql 'SELECT count(*) FROM runs'; }

test_error_unknown_command() {
	cb frobnicate
	expect_rc 64
	expect_one_line_error "^calbench: unknown command 'frobnicate'$"
	cb run --frobnicate
	expect_rc 64
	expect_one_line_error "^calbench: run: unknown option '--frobnicate'$"
	cb verify
	expect_rc 64
	expect_one_line_error '^calbench: verify: which certificate number\?$'
	cb run --resume abc
	expect_rc 64
	expect_one_line_error "^calbench: run: --resume 'abc' is not a run number$"
	[ ! -e "$CALBENCH_DB" ] || fail "a usage error created the database"
}

test_error_unknown_instrument() {
	register_weights
	cb run --manual --procedure "$PROCEDURE" --instrument NO-SUCH-BAL --mode initial --answers /dev/null
	expect_rc 1
	expect_one_line_error "^calbench: no instrument 'NO-SUCH-BAL'$"
	[ "$(runs_count)" -eq 0 ] || fail "a run was created for an unknown instrument"
	cb instrument show NO-SUCH-BAL
	expect_rc 1
	expect_one_line_error "^calbench: no instrument 'NO-SUCH-BAL'$"
	[ ! -s "$T/out" ] || fail "instrument show printed: $(cat "$T/out")"
	cb instrument show "x' OR '1'='1"
	expect_rc 1
	expect_one_line_error "^calbench: no instrument 'x' OR '1'='1'$"
}

# A lookup in a database that does not exist says so, and does not create it.
test_error_lookup_without_database() {
	cb --db "$T/none.db" instrument show BAL-1
	expect_rc 1
	expect_one_line_error "^calbench: no database at $T/none.db"
	cb --db "$T/none.db" verify CB-2026-000001
	[ "$RC" -ne 0 ] || fail "verify in a missing database exits 0"
	[ ! -e "$T/none.db" ] || fail "a lookup created the database $T/none.db"
}

test_error_unknown_standard() {
	register_weights
	cb standard show W999
	expect_rc 1
	expect_one_line_error "^calbench: no standard 'W999'$"
}

test_error_bench_unknown_driver() {
	register_weights
	register_instrument BAL-1 SN-1
	cat >"$T/bench.yaml" <<'EOF'
bench: it-bench
instruments:
  - id: bal1
    driver: foo-bar
    port: /dev/null
EOF
	cb read --bench "$T/bench.yaml" bal1
	expect_rc 1
	expect_one_line_error "^calbench: $T/bench.yaml:4: instrument 'bal1': unknown driver 'foo-bar' \(known: mt-sics, pace, mensor-cpc, ppc4, modbus-flow\)$"
	cb bench check --bench "$T/bench.yaml"
	expect_rc 1
	expect_one_line_error "^calbench: $T/bench.yaml:4: .*unknown driver 'foo-bar'"
	cb run --bench "$T/bench.yaml" --procedure "$PROCEDURE" --instrument BAL-1 --mode initial
	[ "$RC" -ne 0 ] && [ "$RC" -ne 64 ] || fail "run with an unknown driver exits $RC"
	expect_one_line_error "^calbench: $T/bench.yaml:4: .*unknown driver 'foo-bar'"
}

# procedure.yaml with LINE inserted before line AT.
bad_procedure() { # AT LINE
	awk -v at="$1" -v l="$2" 'NR == at { print l } { print }' "$PROCEDURE" >"$T/bad-procedure.yaml"
}

test_error_procedure_syntax() {
	register_weights
	register_instrument BAL-1 SN-1
	bad_procedure 12 'procedure: again'
	cb run --manual --procedure "$T/bad-procedure.yaml" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 1
	expect_one_line_error "^calbench: $T/bad-procedure.yaml:[0-9]+(:[0-9]+)?: YAML syntax error: duplicate key$"
	[ "$(runs_count)" -eq 0 ] || fail "a run was created with a broken procedure"
}

# The line (and column) of a YAML syntax error are those of the error:
# libfyaml's fy_diag_error line/column are 1-based already and
# procedures/yamlx.c adds 1 to both (so every syntax error points one line
# and one column too far).
test_error_procedure_syntax_line_number() {
	register_instrument BAL-1 SN-1
	# a duplicate key at line 12, column 1
	bad_procedure 12 'procedure: again'
	cb run --manual --procedure "$T/bad-procedure.yaml" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 1
	expect_one_line_error 'YAML syntax error: duplicate key'
	grep -q "^calbench: $T/bad-procedure.yaml:12:1: " "$T/err" ||
		fail "the duplicate key is at line 12, column 1; calbench says: $(head -n 1 "$T/err")"
	# a stray sequence item at line 12, column 1
	bad_procedure 12 '- stray'
	cb run --manual --procedure "$T/bad-procedure.yaml" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 1
	grep -q "^calbench: $T/bad-procedure.yaml:12:1: YAML syntax error" "$T/err" ||
		fail "the stray '- stray' is at line 12, column 1; calbench says: $(head -n 1 "$T/err")"
}

test_error_procedure_bad_value() {
	register_instrument BAL-1 SN-1
	sed 's/^    limit_e: 0.25 /    limit_e: 25   /' "$PROCEDURE" >"$T/bad-procedure.yaml"
	grep -q 'limit_e: 25 ' "$T/bad-procedure.yaml" || fail "test setup: limit_e not found in the procedure"
	cb run --manual --procedure "$T/bad-procedure.yaml" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 1
	expect_one_line_error "^calbench: $T/bad-procedure.yaml:34: limit_e must be between 0 and 10$"
}

test_error_mode_yearly() {
	register_instrument BAL-1 SN-1
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode yearly
	expect_rc 64
	expect_one_line_error "^calbench: run: --mode 'yearly': expected initial, periodic or after-repair$"
	[ "$(runs_count)" -eq 0 ] || fail "a run was created with --mode yearly"
}

test_error_standard_bare_number() {
	cb standard add --id WX --class M1 --nominal 10 --due 2030-01-01
	expect_rc 1
	expect_one_line_error "^calbench: --nominal: '10': give the unit"
	# in a file: file, line and field; nothing of the file is added
	cat >"$T/w.yaml" <<'EOF'
standards:
  - { id: WA, class: M1, nominal: 1 kg, correction: 1 mg, u: 2 mg, k: 2, cert: C1, due: 2030-01-01 }
  - { id: WB, class: M1, nominal: 500, correction: 1 mg, u: 2 mg, k: 2, cert: C2, due: 2030-01-01 }
EOF
	cb standard add --file "$T/w.yaml"
	expect_rc 1
	expect_one_line_error "^calbench: $T/w.yaml:3: nominal: '500': give the unit.*nothing from $T/w.yaml was added"
	cb standard list
	expect_no_out '^W[AB] '
	cb standard add --id WX --class M1 --nominal 10kg --due 2030-13-45
	expect_rc 1
	expect_one_line_error "^calbench: --due: '2030-13-45' is not a date YYYY-MM-DD$"
}

test_error_instrument_duplicate_id() {
	register_instrument BAL-1 SN-1
	cb instrument add --id BAL-1 --type "another instrument" --serial SN-OTHER --class II --unit g --max 600 --e 0.1 --interval 12
	expect_rc 1
	expect_one_line_error "^calbench: instrument 'BAL-1' already exists$"
	cb instrument show BAL-1
	expect_rc 0
	expect_out 'serial SN-1$'
	expect_out '^  class III, Max 30000 g'
	[ "$(sql "SELECT count(*) FROM instruments WHERE id = 'BAL-1'")" -eq 1 ] || fail "two BAL-1 in the register"
}

test_error_read_missing_port() {
	bench_file "$T/bench.yaml" "$T/no-such-tty"
	cb read --bench "$T/bench.yaml" bal1 --json
	expect_rc 1
	expect_one_line_error "^calbench: bal1: port $T/no-such-tty does not exist$"
	[ ! -s "$T/out" ] || fail "read printed: $(cat "$T/out")"
	cb read --bench "$T/bench.yaml" bal2
	expect_rc 1
	expect_one_line_error "no instrument 'bal2'"
	cb read --bench "$T/no-such-bench.yaml" bal1
	expect_rc 1
	expect_one_line_error "no-such-bench.yaml"
}

test_error_answers_not_a_number() {
	register_weights
	register_instrument BAL-1 SN-1
	printf 'ok\n0\nok\n1OO\n' >"$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode initial --answers "$T/answers"
	expect_rc 1
	expect_one_line_error "^calbench: $T/answers:4: '1OO' is not an answer"
	[ "$(runs_count)" -eq 0 ] || fail "a run was created with a bad answers file"
	printf 'ok\n0\nok\n100,5\n' >"$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode initial --answers "$T/answers"
	expect_rc 1
	expect_one_line_error "^calbench: $T/answers:4: '100,5' is not an answer"
	# a word in the place of a number: the run stops there, resumable
	printf 'ok\nok\n' >"$T/answers"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode initial --answers "$T/answers"
	[ "$RC" -ne 0 ] && [ "$RC" -ne 2 ] || fail "exit $RC with 'ok' where an indication is expected"
	expect_err "^calbench: run 1 interrupted: zero zero: $T/answers:2: expected a number for \"indication of BAL-1 \(g\)\", found 'ok'$"
	[ "$(sql 'SELECT count(*) FROM readings')" -eq 0 ] || fail "a reading was stored for 'ok'"
}

test_error_overdue_weight() {
	local past
	past=$(date -d '-10 days' +%F)
	register_instrument BAL-1 SN-1
	# one weight overdue: W10K, needed for 15 kg (10 kg + 5 kg)
	write_weights "$T/w.yaml" "$(date -d '+1 year' +%F)"
	sed -i "/id: W10K,/s/due: [0-9-]*/due: $past/" "$T/w.yaml"
	cb standard add --file "$T/w.yaml"
	expect_rc 0
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 4
	expect_one_line_error "^calbench: run refused: weight W10K \(M1\) is past its calibration due date $past; it is needed for the load 15000 g$"
	[ "$(runs_count)" -eq 0 ] || fail "a refused run was recorded"

	# every weight overdue, in a database of its own
	export CALBENCH_DB=$T/overdue.db
	register_instrument BAL-1 SN-1
	register_weights "$past"
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-1 --mode initial --answers /dev/null
	expect_rc 4
	expect_one_line_error "^calbench: run refused: weight W100 \(M1\) is past its calibration due date $past"
	[ "$(runs_count)" -eq 0 ] || fail "a refused run was recorded"
}

test_error_instrument_not_r76() {
	cb instrument add --id BAL-7 --type scale --serial S7 --class VII --unit g --max 30000 --e 5 --interval 12
	expect_rc 1
	expect_one_line_error "^calbench: --class: 'VII': a weighing instrument \\(unit g\\) needs an OIML R 76 accuracy class: I, II, III or IIII$"
	cb instrument add --id BAL-9 --type scale --serial S9 --class iii --unit g --max 30000 --e 5 --interval 12
	expect_rc 0
	cb instrument show BAL-9
	expect_out '^  class III, Max 30000 g'
	cb instrument add --id BAL-7 --type scale --serial S7 --class III --unit g --max 30000 --e 5
	expect_rc 1
	expect_one_line_error '^calbench: --interval: give the verification interval in months'
	cb instrument add --id BAL-7 --type scale --serial S7 --class III --unit g --max 30001 --e 5 --interval 12
	expect_rc 1
	expect_one_line_error '^calbench: --max: class III: Max 30001 g is not a multiple of e = 5 g$'
	# Min not marked: the Table 3 lower limit, 20 e
	cb instrument add --id BAL-8 --type scale --serial S8 --class III --unit g --max 30000 --e 5 --interval 12
	expect_rc 0
	cb instrument show BAL-8
	expect_out 'Min 100 g'
	# written past the register (plain SQL): the run refuses it
	sql "INSERT INTO instruments(id, type, serial, accuracy_class, unit, max, e, d, interval_months, created_at) VALUES ('BAL-7', 'scale', 'S7', 'VII', 'g', 30000, 5, 5, 12, 'x')"
	register_weights
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-7 --mode initial --answers /dev/null
	expect_rc 4
	expect_one_line_error "^calbench: run refused: instrument BAL-7: accuracy class 'VII' is not an OIML R 76 class"
}

# A bench of two balances and no --device: refused before anything is printed.
test_error_bench_two_instruments_no_device() {
	register_weights
	register_instrument BAL-1 SN-1
	cat >"$T/bench.yaml" <<'EOF'
bench: it-bench
instruments:
  - { id: bal1, driver: mt-sics, port: /dev/null }
  - { id: bal2, driver: mt-sics, port: /dev/null }
EOF
	cb run --bench "$T/bench.yaml" --procedure "$PROCEDURE" --instrument BAL-1 --mode initial
	expect_rc 4
	expect_one_line_error "^calbench: $T/bench.yaml: the bench has 2 instruments; say which with --device ID$"
	[ ! -s "$T/out" ] || fail "a refused run printed: $(cat "$T/out")"
	[ "$(runs_count)" -eq 0 ] || fail "a refused run was recorded"
}

# A file of standards with one bad entry adds none, and says none was added.
test_error_add_file_rolled_back() {
	write_weights "$T/w.yaml" "$(date -d '+1 year' +%F)"
	sed -i '/id: W500,/s/nominal: 500 g/nominal: 500 parsecs/' "$T/w.yaml"
	cb standard add --file "$T/w.yaml"
	expect_rc 1
	expect_one_line_error "500 parsecs.*\\(nothing from $T/w.yaml was added\\)$"
	[ ! -s "$T/out" ] || fail "a rolled-back add printed: $(cat "$T/out")"
	[ "$(sql 'SELECT count(*) FROM standards')" -eq 0 ] || fail "standards were added"
}

# Marked data R 76 does not allow, and weights not of their class, are refused
# at registration, naming the field and the rule.
test_error_register_not_conforming() {
	cb instrument add --id BAL-3 --type scale --serial S3 --class III --unit g --max 30000 --e 3 --interval 12
	expect_rc 1
	expect_one_line_error '^calbench: --e: class III: e = 3 g is not of the form 1, 2 or 5 x 10\^k'
	cb instrument add --id BAL-3 --type scale --serial S3 --class III --unit g --max 30000 --e 5 --d 1 --interval 12
	expect_rc 1
	expect_one_line_error 'only for classes I and II'
	cb instrument add --id BAL-3 --type scale --serial S3 --class III --unit g --max 30000 --e 5 --min 50 --interval 12
	expect_rc 1
	expect_one_line_error 'Min = 50 g is below the lower limit 100 g'
	cb instrument add --id BAL-3 --type scale --serial S3 --class III --unit g --max 30000 --interval 12
	expect_rc 1
	expect_one_line_error '^calbench: --e: class III is an OIML R 76 class: give e \(and d\)$'
	[ "$(sql 'SELECT count(*) FROM instruments')" -eq 0 ] || fail "a refused instrument was added"

	cb standard add --id W10K --class M1 --nominal 10kg --correction 0.6g --u 0.1g --due 2030-01-01
	expect_rc 1
	expect_one_line_error '^calbench: --correction: correction 600 mg is outside \+-\(MPE - U\) = \+-400 mg for class M1'
	cb standard add --id W10K --class M1 --nominal 10kg --u 0.2g --due 2030-01-01
	expect_rc 1
	expect_one_line_error '^calbench: --u: U = 200 mg is above 1/3 of the class M1 MPE 500 mg'
	cb standard add --id W10K --class M1 --nominal 10kg --u 0.1g --due 2030-01-01
	expect_rc 1
	expect_one_line_error '^calbench: --cert: a weight needs the number of its calibration certificate$'
	cb standard add --id W10K --class M1 --nominal 10kg --cert KL-1 --due 2030-01-01
	expect_rc 1
	expect_one_line_error '^calbench: --u: a weight needs the uncertainty U'
	cb standard add --id W3K --class M1 --nominal 3kg --due 2030-01-01
	expect_rc 1
	expect_one_line_error '3 kg|series'
	cb standard add --id W10K --class M7 --nominal 10kg --due 2030-01-01
	expect_rc 1
	expect_one_line_error "'M7' is not an OIML R 111 weight class"
	[ "$(sql 'SELECT count(*) FROM standards')" -eq 0 ] || fail "a refused standard was added"
}

run_tests

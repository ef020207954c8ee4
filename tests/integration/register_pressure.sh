#!/usr/bin/env bash
# Registers of the pressure bench: gauges and transmitters (`instrument add`
# with kind, scale lower..max, EN 837-1 class or digital MPE terms) and
# pressure references (`standard add --kind pressure`). What is registered is
# shown back (text and JSON); what is not a valid register entry is refused
# with one line naming the flag, or the file, line and field, and adds nothing.
#
#   bash register_pressure.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

instruments_count() { sql 'SELECT count(*) FROM instruments'; }
pstandards_count() { sql 'SELECT count(*) FROM pressure_standards'; }

# gauge ID ARGS...: `instrument add` of a gauge with the usual identity fields.
gauge() {
	local id=$1
	shift
	cb instrument add --id "$id" --type "áp kế" --serial "SN-$id" --interval 12 "$@"
}

# pstd ID ARGS...: `standard add --kind pressure` with a certificate and due date.
pstd() {
	local id=$1
	shift
	cb standard add --id "$id" --kind pressure "$@"
}

# refused ERE COMMAND ARGS...: COMMAND (gauge, pstd, cb) exits 1 with one
# error line matching ERE.
refused() {
	local re=$1
	shift
	"$@"
	expect_rc 1
	expect_one_line_error "$re"
}

test_register_gauges_example() {
	cb instrument add --file "$SRC/examples/gauges.yaml"
	expect_rc 0
	[ "$(grep -c '^added instrument AK-010[123]$' "$T/out")" -eq 3 ] || fail "expected 3 'added instrument' lines"

	cb instrument show AK-0101
	expect_rc 0
	expect_out '^  kind bourdon-gauge, class 1\.6, scale 0\.\.10 bar, d 0\.1 bar, interval 12 months$'
	expect_out '^  MPE 1\.6 % of span = 0\.16 bar \(EN 837-1\)$'
	cb instrument show AK-0103
	expect_out '^  kind digital-gauge, class -, scale 0\.\.10 bar, d 0\.01 bar'
	expect_out '^  MPE 0\.5 % of span = 0\.05 bar at 10 bar$'
	cb instrument show AK-0103 --json
	expect_rc 0
	expect_json
	expect_out '"kind": "digital-gauge", "scale_lo": 0, "mpe_pct_reading": 0, "mpe_pct_span": 0\.5, "mpe_digits": 0'
	expect_out '"unit": "bar", "max": 10, "min": 0, "e": 0\.01, "d": 0\.01'

	cb instrument list
	expect_out '^AK-0102 .* 1\.6 +bourdon-gauge 0\.\.10 bar, d 0\.1 bar$'
	cb instrument list --json
	expect_json
	[ "$(grep -o '"kind": "bourdon-gauge"' "$T/out" | wc -l)" -eq 2 ] || fail "instrument list --json: expected two bourdon gauges"
	[ "$(sql "SELECT kind, accuracy_class, scale_lo, max, d, mpe_pct_span FROM instruments WHERE id = 'AK-0103'")" = "digital-gauge||0.0|10.0|0.01|0.5" ] ||
		fail "AK-0103 in the database: $(sql "SELECT * FROM instruments WHERE id = 'AK-0103'")"
}

# A compound gauge (scale from -1 bar), a digital gauge with all three MPE
# terms and a 4-20 mA transmitter, from flags; values with their own unit.
test_register_gauge_kinds_from_flags() {
	gauge AK-0201 --kind bourdon-gauge --unit bar --lower -1 --max 5 --class 1.0 --d 0.02
	expect_rc 0
	expect_out '^added instrument AK-0201$'
	cb instrument show AK-0201 --json
	expect_json
	expect_out '"class": "1",'
	expect_out '"scale_lo": -1,'
	cb instrument show AK-0201
	# EN 837-1 T14: class 1 over -1..+5 bar
	expect_out '^  kind bourdon-gauge, class 1, scale -1\.\.5 bar'
	expect_out '^  MPE 1 % of span = 0\.06 bar'

	gauge AK-0202 --kind digital-gauge --unit kPa --lower '-50 kPa' --max '0.6 MPa' --d 0.1 \
		--mpe-reading '0.05 %' --mpe-span 0.1 --mpe-digits 1
	expect_rc 0
	cb instrument show AK-0202 --json
	expect_out '"unit": "kPa", "max": 600,'
	expect_out '"scale_lo": -50, "mpe_pct_reading": 0\.05, "mpe_pct_span": 0\.1, "mpe_digits": 1'
	cb instrument show AK-0202
	expect_out '^  MPE 0\.05 % of reading \+ 0\.1 % of span \+ 1 digit\(s\) of 0\.1 kPa = 1\.05 kPa at 600 kPa$'

	gauge PT-0301 --kind transmitter --unit MPa --max 1.6 --class 0.25 --d 0.001
	expect_rc 0
	cb instrument show PT-0301 --json
	expect_out '"class": "0\.25",'
	expect_out '"kind": "transmitter", "scale_lo": 0, "mpe_pct_reading": 0, "mpe_pct_span": 0\.25, "mpe_digits": 0'
	cb instrument show PT-0301
	expect_out '^  output 4-20 mA over 0\.\.1\.6 MPa, accuracy 0\.25 % of span = 0\.004 MPa$'
}

test_register_gauge_refusals() {
	refused "^calbench: --class: gauge class '1\.7' does not exist in EN 837-1 \(0\.1, 0\.25, 0\.6, 1, 1\.6, 2\.5, 4\)$" \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --class 1.7 --d 0.1
	refused '^calbench: --class: a bourdon-gauge needs its EN 837-1 accuracy class' \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --d 0.1
	refused '^calbench: --max: the upper scale value 100 kPa is not above the lower scale value 100 kPa$' \
		gauge AK-1 --kind bourdon-gauge --unit kPa --lower 100 --max 100 --class 1.6 --d 1
	refused '^calbench: --max: the upper scale value 50 kPa is not above' \
		gauge AK-1 --kind bourdon-gauge --unit kPa --lower 100 --max 50 --class 1.6 --d 1
	refused "^calbench: --unit: 'kg' is not a unit of pressure" \
		gauge AK-1 --kind bourdon-gauge --unit kg --max 10 --class 1.6 --d 0.1
	refused '^calbench: missing --unit$' gauge AK-1 --kind bourdon-gauge --max 10 --class 1.6 --d 0.1
	refused "^calbench: --d: '0\.1 g': 'g' is not a unit of pressure$" \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --class 1.6 --d '0.1 g'
	refused '^calbench: --d: give the resolution d' \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --class 1.6
	refused "^calbench: --mpe-span: a Bourdon gauge's MPE follows from its EN 837-1 class" \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --class 1.6 --d 0.1 --mpe-span 1
	refused '^calbench: --min: an OIML R 76 field' \
		gauge AK-1 --kind bourdon-gauge --unit bar --max 10 --class 1.6 --d 0.1 --min 1
	refused '^calbench: --mpe-span: a digital-gauge needs its MPE .*at least one > 0$' \
		gauge AK-1 --kind digital-gauge --unit bar --max 10 --d 0.01 --class "0.5 FS"
	refused "^calbench: --mpe-span: '0,5' is not a percentage 0\.\.100" \
		gauge AK-1 --kind digital-gauge --unit bar --max 10 --d 0.01 --mpe-span 0,5
	refused "^calbench: --mpe-digits: '1\.5' is not a whole number" \
		gauge AK-1 --kind digital-gauge --unit bar --max 10 --d 0.01 --mpe-digits 1.5
	refused '^calbench: --class: a transmitter \(4-20 mA output\) needs its accuracy class in % of span' \
		gauge PT-1 --kind transmitter --unit bar --max 16 --d 0.01
	refused "^calbench: --mpe-reading: a transmitter's accuracy is its class" \
		gauge PT-1 --kind transmitter --unit bar --max 16 --d 0.01 --class 0.25 --mpe-reading 0.1
	refused "^calbench: --kind: 'manometer' is not nawi, bourdon-gauge, digital-gauge or transmitter" \
		gauge AK-1 --kind manometer --unit bar --max 10 --class 1.6 --d 0.1
	[ "$(instruments_count)" -eq 0 ] || fail "a refused gauge was added"
}

# In a file: file, line and field; one bad entry adds none of the file.
test_register_gauge_file_errors() {
	cat >"$T/g.yaml" <<'EOF'
instruments:
  - { id: AK-1, kind: bourdon-gauge, type: gauge, serial: S1, unit: bar, max: 10, class: 1.6, d: 0.1, interval: 12 }
  - id: AK-2
    kind: bourdon-gauge
    type: gauge
    serial: S2
    unit: bar
    max: 10
    class: 1.7
    d: 0.1
    interval: 12
EOF
	refused "^calbench: $T/g.yaml:9: class: gauge class '1\.7' does not exist in EN 837-1 .*\(nothing from $T/g.yaml was added\)$" \
		cb instrument add --file "$T/g.yaml"
	[ ! -s "$T/out" ] || fail "a rolled-back add printed: $(cat "$T/out")"
	[ "$(instruments_count)" -eq 0 ] || fail "instruments were added"
	sed -i 's/class: 1.7/class: 1.6/; s/^    max: 10$/    max: 10\n    lower: 10/' "$T/g.yaml"
	refused "^calbench: $T/g.yaml:8: max: the upper scale value 10 bar is not above the lower" \
		cb instrument add --file "$T/g.yaml"
	sed -i '/^    lower: 10$/d' "$T/g.yaml"
	cb instrument add --file "$T/g.yaml"
	expect_rc 0
	[ "$(instruments_count)" -eq 2 ] || fail "expected 2 gauges"
}

# The mass rules are as they were for instruments that are not gauges.
test_register_nawi_rules_kept() {
	refused "^calbench: --unit: class III is an OIML R 76 class: the unit must be a unit of mass, not 'bar'$" \
		cb instrument add --id BAL-1 --type scale --serial S1 --class III --unit bar --max 30000 --e 5 --interval 12
	refused "^calbench: --unit: 'bar' is not a unit of mass" \
		cb instrument add --id BAL-1 --type scale --serial S1 --kind nawi --unit bar --max 30000 --e 5 --interval 12
	refused '^calbench: --lower: only for a pressure instrument' \
		cb instrument add --id BAL-1 --type scale --serial S1 --class III --unit g --max 30000 --e 5 --lower 10 --interval 12
	refused "^calbench: --class: '1\.6': a weighing instrument \(unit g\) needs an OIML R 76 accuracy class" \
		cb instrument add --id BAL-1 --type scale --serial S1 --class 1.6 --unit g --max 30000 --e 5 --interval 12
	[ "$(instruments_count)" -eq 0 ] || fail "a refused instrument was added"
	register_instrument BAL-1 SN-1
	cb instrument add --id BAL-2 --kind nawi --type scale --serial S2 --class III --unit g --max 30000 --e 5 --interval 12
	expect_rc 0
	cb instrument show BAL-1
	expect_out '^  class III, Max 30000 g, Min 100 g, e 5 g, d 5 g, interval 12 months$'
	expect_no_out 'kind|scale'
	cb instrument show BAL-2 --json
	expect_out '"kind": "nawi", "scale_lo": 0,'
}

test_register_pressure_standard_example() {
	register_weights
	cb standard add --file "$SRC/examples/pressure-standard.yaml"
	expect_rc 0
	expect_out '^added standard PACE-01$'
	[ ! -s "$T/err" ] || fail "warnings for a standard in date: $(cat "$T/err")"
	cb standard show PACE-01
	expect_rc 0
	expect_out '^PACE-01  pressure, Druck PACE5000, serial '
	expect_out '^  range 0\.\.20 bar$'
	expect_out '^  U = 0\.0004 bar \+ 0\.01 % of \|p\| \(k = 2\); at 20 bar: U = 0\.0024 bar$'
	expect_out '^  certificate VMI-AS-2026-0412, calibration due 2027-10-31$'
	cb standard show PACE-01 --json
	expect_json
	expect_out '"kind": "pressure", "manufacturer": "Druck", "model": "PACE5000"'
	expect_out '"unit": "bar", "range_lo": 0, "range_hi": 20, "u_abs": 0\.0004, "u_rel": 0\.0001, "k": 2, "cert": "VMI-AS-2026-0412", "due": "2027-10-31"'
	[ "$(sql "SELECT unit, range_lo, range_hi, u_abs, u_rel, k FROM pressure_standards WHERE id = 'PACE-01'")" = "bar|0.0|20.0|0.0004|0.0001|2.0" ] ||
		fail "PACE-01 in the database: $(sql "SELECT * FROM pressure_standards")"
	cb standard list
	expect_out '^W20K '
	expect_out '^PACE-01 +pressure 0\.\.20 bar  U = 0\.0004 bar \+ 0\.01 % of \|p\| \(k = 2\)  due 2027-10-31$'
	cb standard list --json
	expect_json
	expect_out '"id": "W100", "kind": "weight"'
	expect_out '"id": "PACE-01", "kind": "pressure"'

	# U with its own unit, converted; a compound range; relative part alone
	pstd CPC-1 --unit kPa --range -100..2000 --u '0.4 mbar' --cert C-1 --due 2030-01-01
	expect_rc 0
	pstd PPC-1 --unit MPa --range 0..7 --u-rel '0.008 %' --cert C-2 --due 2030-01-01 --k 2.1
	expect_rc 0
	cb standard show CPC-1 --json
	expect_out '"unit": "kPa", "range_lo": -100, "range_hi": 2000, "u_abs": 0\.04, "u_rel": 0,'
	cb standard show PPC-1
	expect_out '^  U = 0\.008 % of \|p\| \(k = 2\.1\); at 7 MPa: U = 0\.00056 MPa$'
	expect_no_out ' MPa \+ '
}

test_register_pressure_standard_refusals() {
	register_weights
	refused '^calbench: --cert: a pressure standard needs the number of its calibration certificate \(traceability\)$' \
		pstd P-1 --unit bar --range 0..20 --u 0.0004 --due 2030-01-01
	refused "^calbench: --range: '5\.\.1': the upper end must be above the lower$" \
		pstd P-1 --unit bar --range 5..1 --u 0.0004 --cert C --due 2030-01-01
	refused "^calbench: --range: '20' is not a range LO\.\.HI in bar" \
		pstd P-1 --unit bar --range 20 --u 0.0004 --cert C --due 2030-01-01
	refused '^calbench: missing --range$' pstd P-1 --unit bar --u 0.0004 --cert C --due 2030-01-01
	refused "^calbench: --unit: 'kg' is not a unit of pressure" \
		pstd P-1 --unit kg --range 0..20 --u 0.0004 --cert C --due 2030-01-01
	refused "^calbench: --u: '0\.4 mg': 'mg' is not a unit of pressure$" \
		pstd P-1 --unit bar --range 0..20 --u '0.4 mg' --cert C --due 2030-01-01
	refused '^calbench: --u: a pressure standard needs its expanded uncertainty' \
		pstd P-1 --unit bar --range 0..20 --cert C --due 2030-01-01
	refused '^calbench: missing --due$' pstd P-1 --unit bar --range 0..20 --u 0.0004 --cert C
	refused "^calbench: --due: '2030-02-30' is not a date YYYY-MM-DD$" \
		pstd P-1 --unit bar --range 0..20 --u 0.0004 --cert C --due 2030-02-30
	refused '^calbench: --nominal: a field of weights, not of a pressure standard$' \
		pstd P-1 --unit bar --range 0..20 --u 0.0004 --cert C --due 2030-01-01 --nominal 1kg
	refused '^calbench: --range: a field of pressure standards \(kind pressure\), not of a weight$' \
		cb standard add --id W-1 --class M1 --nominal 1kg --correction 9mg --u 16mg --cert K --due 2030-01-01 --range 0..1
	refused "^calbench: --kind: 'vacuum': a standard is a weight \(the default\), pressure, flow \(a master meter\) or volume \(a proving can, a weighing rig\)$" \
		cb standard add --id W-1 --kind vacuum --unit bar --range 0..1 --u 1 --cert K --due 2030-01-01
	# one id space: a weight's id is taken, and the other way round
	refused "^calbench: standard 'W1K' already exists$" \
		pstd W1K --unit bar --range 0..20 --u 0.0004 --cert C --due 2030-01-01
	[ "$(pstandards_count)" -eq 0 ] || fail "a refused pressure standard was added"
	pstd P-1 --unit bar --range 0..20 --u 0.0004 --cert C --due 2030-01-01
	expect_rc 0
	refused "^calbench: standard 'P-1' already exists \(a pressure standard\)$" \
		cb standard add --id P-1 --class M1 --nominal 1kg --correction 9mg --u 16mg --cert K --due 2030-01-01
	[ "$(sql "SELECT count(*) FROM standards WHERE id = 'P-1'")" -eq 0 ] || fail "a weight P-1 was added"
	[ "$(pstandards_count)" -eq 1 ] || fail "expected one pressure standard"
}

# Past its due date: registered, with a warning (runs will not use it).
test_register_pressure_standard_past_due() {
	local past
	past=$(date -d '-3 days' +%F)
	pstd P-OLD --unit bar --range 0..20 --u 0.0004 --cert C --due "$past"
	expect_rc 0
	expect_out '^added standard P-OLD$'
	expect_err "^calbench: warning: standard P-OLD is past its calibration due date $past"
}

# A file of standards: weights and a pressure standard in one list, one
# transaction; an error names the file, line and field.
test_register_pressure_standard_file() {
	write_weights "$T/s.yaml" 2030-01-01
	cat >>"$T/s.yaml" <<'EOF'
  - id: PACE-9
    kind: pressure
    unit: bar
    range: 0..20
    u: 0.0004
    u-rel: 0.01
    due: 2030-01-01
EOF
	refused "^calbench: $T/s.yaml:13: cert: a pressure standard needs the number of its calibration certificate.*\(nothing from $T/s.yaml was added\)$" \
		cb standard add --file "$T/s.yaml"
	[ "$(sql 'SELECT count(*) FROM standards')" -eq 0 ] || fail "weights were added"
	echo '    cert: VMI-9' >>"$T/s.yaml"
	cb standard add --file "$T/s.yaml"
	expect_rc 0
	[ "$(grep -c '^added standard' "$T/out")" -eq 11 ] || fail "expected 11 'added standard' lines"
	expect_out '^added standard PACE-9$'
	[ "$(pstandards_count)" -eq 1 ] || fail "expected one pressure standard"
}

run_tests

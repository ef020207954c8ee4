#!/usr/bin/env bash
# Register of water meters (`instrument add --kind water-meter`): class 1 or 2
# of OIML R 49 rated by Q3 and R, or A-D of ISO 4064-1:1993 rated by Qn (given
# as q3); q3 in m3/h or with a flow unit; the unit the register counts (a
# volume) and its verification scale interval d. What is registered is shown
# back with the computed Q1, Q2, Q3, Q4 (text and JSON); what is not a valid
# register entry is refused with one line naming the flag, or the file, line
# and field, and adds nothing.
#
#   bash register_water.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

instruments_count() { sql 'SELECT count(*) FROM instruments'; }

# meter ID ARGS...: `instrument add` of a water meter with the usual identity fields.
meter() {
	local id=$1
	shift
	cb instrument add --id "$id" --kind water-meter --type "đồng hồ nước lạnh DN15" \
		--serial "SN-$id" --interval 60 "$@"
}

# refused ERE COMMAND ARGS...: COMMAND (meter, cb) exits 1 with one error
# line matching ERE.
refused() {
	local re=$1
	shift
	"$@"
	expect_rc 1
	expect_one_line_error "$re"
}

# The shipped example: five DN15 class 2 meters, Q3 2.5 m3/h, R 100, a
# register in m3 with d 0.05 L. Show gives T9 (domain.md §2.4): Q1 0.025,
# Q2 0.04, Q3 2.5, Q4 3.125 m3/h.
test_register_water_example() {
	cb instrument add --file "$SRC/examples/water-meters.yaml"
	expect_rc 0
	[ "$(grep -c '^added instrument DHN-000[1-5]$' "$T/out")" -eq 5 ] || fail "expected 5 'added instrument' lines: $(cat "$T/out")"
	[ "$(instruments_count)" -eq 5 ] || fail "expected 5 instruments in the database"
	[ "$(sql "SELECT count(*) FROM instruments WHERE kind = 'water-meter' AND accuracy_class = '2'
		AND unit = 'm3' AND d = 0.00005 AND e = d AND flow_q3 = 2.5 AND ratio_r = 100
		AND max = 0 AND min = 0 AND interval_months = 60")" -eq 5 ] ||
		fail "the meters in the database: $(sql 'SELECT * FROM instruments')"

	cb instrument show DHN-0001
	expect_rc 0
	expect_out '^  owner Công ty CP Cấp thoát nước và Xây dựng Quảng Ngãi$'
	expect_out '^  kind water-meter, class 2 \(OIML R 49\), Q3 2\.5 m3/h, R 100, register in m3, d 0\.00005 m3 \(0\.05 L\), interval 60 months$'
	expect_out '^  Q1 0\.025 m3/h, Q2 0\.04 m3/h, Q3 2\.5 m3/h, Q4 3\.125 m3/h$'
	expect_no_out 'Max|Min|scale'

	cb instrument show DHN-0004 --json
	expect_rc 0
	expect_json
	expect_out '"class": "2", "unit": "m3", "max": 0, "min": 0, "e": 5e-05, "d": 5e-05, "interval_months": 60, "kind": "water-meter"'
	expect_out '"flow_q3": 2\.5, "ratio_r": 100, "q1_m3h": 0\.025, "q2_m3h": 0\.04, "q3_m3h": 2\.5, "q4_m3h": 3\.125, '

	cb instrument list
	expect_rc 0
	[ "$(grep -cE '^DHN-000[1-5] .* 2 +water-meter R 100, Q1 0\.025 m3/h, Q2 0\.04 m3/h, Q3 2\.5 m3/h, Q4 3\.125 m3/h, d 0\.00005 m3$' "$T/out")" -eq 5 ] ||
		fail "instrument list: expected 5 water meters: $(cat "$T/out")"
	cb instrument list --json
	expect_json
	[ "$(grep -o '"kind": "water-meter", [^}]*"q4_m3h": 3\.125}' "$T/out" | wc -l)" -eq 5 ] ||
		fail "instrument list --json: expected 5 water meters with Q4"
}

# From flags: quantities with their own unit are converted (q3 to m3/h, d to
# the register's unit); the class is stored as the standards write it; a
# class A-D meter is rated by Qn; max is the register's largest indication.
test_register_water_from_flags() {
	meter DHN-0101 --class 2 --q3 '40 L/min' --r 100 --unit L --d 0.01
	expect_rc 0
	expect_out '^added instrument DHN-0101$'
	cb instrument show DHN-0101
	expect_out '^  kind water-meter, class 2 \(OIML R 49\), Q3 2\.4 m3/h, R 100, register in L, d 0\.01 L, interval 60 months$'
	expect_out '^  Q1 0\.024 m3/h, Q2 0\.0384 m3/h, Q3 2\.4 m3/h, Q4 3 m3/h$'
	[ "$(sql "SELECT flow_q3, ratio_r, unit, d FROM instruments WHERE id = 'DHN-0101'")" = "2.4|100.0|L|0.01" ] ||
		fail "DHN-0101 in the database: $(sql "SELECT * FROM instruments WHERE id = 'DHN-0101'")"

	# class 1, R 160, Q3 in L/h, d with its unit, a register up to 99999.9999 m3
	meter DHN-0102 --class 1 --q3 '4000 L/h' --r 160 --unit m³ --d '0.1 L' --max 99999.9999
	expect_rc 0
	cb instrument show DHN-0102
	expect_out '^  kind water-meter, class 1 \(OIML R 49\), Q3 4 m3/h, R 160, register in m3, d 0\.0001 m3 \(0\.1 L\), register up to 99999\.9999 m3, interval 60 months$'
	expect_out '^  Q1 0\.025 m3/h, Q2 0\.04 m3/h, Q3 4 m3/h, Q4 5 m3/h$'

	# ISO 4064-1:1993 class B, Qn 1.5 m3/h: Qmin 0.03, Qt 0.12 (domain.md §2.1); Qmax not given
	meter DHN-0103 --class b --q3 1.5 --unit m3 --d 0.0001
	expect_rc 0
	cb instrument show DHN-0103
	expect_out '^  kind water-meter, class B \(ISO 4064-1:1993\), Qn 1\.5 m3/h, register in m3, d 0\.0001 m3 \(0\.1 L\), interval 60 months$'
	expect_out '^  Qmin 0\.03 m3/h, Qt 0\.12 m3/h, Qn 1\.5 m3/h, Qmax not given$'
	cb instrument show DHN-0103 --json
	expect_json
	expect_out '"class": "B",'
	expect_out '"flow_q3": 1\.5, "ratio_r": 0, "q1_m3h": 0\.03, "q2_m3h": 0\.12, "q3_m3h": 1\.5, "q4_m3h": null, '
	cb instrument list
	expect_out '^DHN-0103 .* B +water-meter Qmin 0\.03 m3/h, Qt 0\.12 m3/h, Qn 1\.5 m3/h, Qmax not given, d 0\.0001 m3$'
	[ "$(instruments_count)" -eq 3 ] || fail "expected 3 meters"
}

test_register_water_refusals() {
	refused "^calbench: --class: water-meter class '3' does not exist \(1, 2 of OIML R 49; A, B, C, D of ISO 4064-1:1993\)$" \
		meter W-1 --class 3 --q3 2.5 --r 100 --unit m3 --d 0.00005
	refused '^calbench: --class: a water meter needs its accuracy class: 1 or 2 \(OIML R 49\), or A, B, C, D' \
		meter W-1 --q3 2.5 --r 100 --unit m3 --d 0.00005
	refused '^calbench: --r: R 33 is not in the R series of OIML R 49 \(40, 50, 63, 80, 100, 125, 160, 200, 250, 315, 400, 500, 630, 800, 1000\)$' \
		meter W-1 --class 2 --q3 2.5 --r 33 --unit m3 --d 0.00005
	refused '^calbench: --r: a class 2 water meter needs R = Q3/Q1 from its marking' \
		meter W-1 --class 2 --q3 2.5 --unit m3 --d 0.00005
	refused "^calbench: --r: 'R100' is not a number" \
		meter W-1 --class 2 --q3 2.5 --r R100 --unit m3 --d 0.00005
	refused '^calbench: --q3: Q3 must be > 0, in m3/h or with its unit' \
		meter W-1 --class 2 --q3 0 --r 100 --unit m3 --d 0.00005
	refused '^calbench: --q3: Q3 must be > 0' \
		meter W-1 --class 2 --q3 -2.5 --r 100 --unit m3 --d 0.00005
	refused '^calbench: missing --q3$' meter W-1 --class 2 --r 100 --unit m3 --d 0.00005
	refused "^calbench: --q3: '2\.5 m3': 'm3' is not a unit of volume flow$" \
		meter W-1 --class 2 --q3 '2.5 m3' --r 100 --unit m3 --d 0.00005
	refused "^calbench: --unit: 'kg' is not a unit of volume \(a water meter's register counts m3 or L\)$" \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit kg --d 0.00005
	refused "^calbench: --unit: 'm3/h' is not a unit of volume" \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3/h --d 0.00005
	refused '^calbench: missing --unit$' meter W-1 --class 2 --q3 2.5 --r 100 --d 0.00005
	refused '^calbench: --d: give the verification scale interval d of the register \(e\.g\. 0\.05 L\), > 0$' \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3
	refused "^calbench: --d: '0\.05 g': 'g' is not a unit of volume$" \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3 --d '0.05 g'
	# classes A-D are rated by Qn alone
	refused '^calbench: --r: a class B meter \(ISO 4064-1:1993\) is rated by Qn alone: give Qn as q3, and no R' \
		meter W-1 --class B --q3 1.5 --r 100 --unit m3 --d 0.0001
	refused '^calbench: --q3: Qn must be > 0' meter W-1 --class C --q3 0 --unit m3 --d 0.0001
	refused '^calbench: --q3: water meter class D with Qn 15 m³/h: .* only for Qn < 15 m³/h$' \
		meter W-1 --class D --q3 15 --unit m3 --d 0.001
	# fields of other kinds
	refused '^calbench: --e: an OIML R 76 field: a water meter has a register with a verification scale interval d$' \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005 --e 0.00005
	refused '^calbench: --lower: only for a pressure instrument' \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005 --lower 0
	refused '^calbench: --max: the largest indication of the register must be above d = 0\.00005 m3' \
		meter W-1 --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005 --max 0.00001
	refused '^calbench: --interval: give the verification interval in months' \
		cb instrument add --id W-1 --kind water-meter --type t --serial S --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005
	refused "^calbench: --kind: 'watermeter' is not nawi, bourdon-gauge, digital-gauge or transmitter \(4-20 mA output\), nor water-meter, flow-meter or fuel-dispenser$" \
		cb instrument add --id W-1 --kind watermeter --type "đồng hồ nước lạnh DN15" \
		--serial SN-W-1 --interval 60 --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005
	# q3 and r are for water meters only
	refused '^calbench: --q3: only for a water meter \(kind water-meter\)$' \
		cb instrument add --id BAL-1 --type scale --serial S1 --class III --unit g --max 30000 --e 5 --interval 12 --q3 2.5
	refused '^calbench: --r: only for a water meter \(kind water-meter\)$' \
		cb instrument add --id AK-1 --kind bourdon-gauge --type gauge --serial S1 --class 1.6 --unit bar --max 10 --d 0.1 --interval 12 --r 100
	[ "$(instruments_count)" -eq 0 ] || fail "a refused instrument was added"
}

# In a file: file, line and field; one bad entry adds none of the file.
test_register_water_file_errors() {
	cat >"$T/w.yaml" <<'EOF'
instruments:
  - { id: W-1, kind: water-meter, type: meter, serial: S1, class: 2, q3: 2.5 m3/h, r: 100, unit: m3, d: 0.05 L, interval: 60 }
  - id: W-2
    kind: water-meter
    type: meter
    serial: S2
    class: 2
    q3: 2.5 m3/h
    r: 33
    unit: m3
    d: 0.05 L
    interval: 60
EOF
	refused "^calbench: $T/w.yaml:9: r: R 33 is not in the R series of OIML R 49 .*\(nothing from $T/w.yaml was added\)$" \
		cb instrument add --file "$T/w.yaml"
	[ ! -s "$T/out" ] || fail "a rolled-back add printed: $(cat "$T/out")"
	[ "$(instruments_count)" -eq 0 ] || fail "instruments were added"
	sed -i 's/^    r: 33$/    r: 100/; s/^    unit: m3$/    unit: kg/' "$T/w.yaml"
	refused "^calbench: $T/w.yaml:10: unit: 'kg' is not a unit of volume" cb instrument add --file "$T/w.yaml"
	sed -i 's/^    unit: kg$/    unit: L/; /^    d: 0.05 L$/d' "$T/w.yaml"
	refused "^calbench: $T/w.yaml:3: d: give the verification scale interval d of the register" \
		cb instrument add --file "$T/w.yaml"
	echo '    d: 0.05' >>"$T/w.yaml"
	cb instrument add --file "$T/w.yaml"
	expect_rc 0
	[ "$(instruments_count)" -eq 2 ] || fail "expected 2 meters"
	[ "$(sql "SELECT unit, d FROM instruments WHERE id = 'W-2'")" = "L|0.05" ] || fail "W-2: $(sql "SELECT * FROM instruments WHERE id = 'W-2'")"
}

# Flow meters and fuel dispensers: Qmax/Qmin with their units, the maker's
# accuracy (flow meter), the R 117 class, MMQ and the Emin >= 2 d rule
# (dispenser); shown back in m3/h.
test_register_flow_kinds() {
	cb instrument add --id FM-1 --kind flow-meter --type "lưu lượng kế điện từ DN50" \
		--serial F-1 --unit m3 --d 0.00001 --qmax "40 m3/h" --qmin "0.4 m3/h" \
		--mpe-reading 0.5 --interval 12
	expect_rc 0
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	cb instrument show CX-1
	expect_out 'kind fuel-dispenser, OIML R 117 class 0.5, Qmax 2.4 m3/h, Qmin 0.24 m3/h, MMQ 2 L, d 0.01 L'
	cb instrument show FM-1
	expect_out 'kind flow-meter, Qmax 40 m3/h, Qmin 0.4 m3/h, register in m3, d 0.00001 m3, accuracy 0.5 % of reading'
	cb instrument show CX-1 --json
	[ "$(json_num flow_q3 <"$T/out")" = 2.4 ] || fail "flow_q3: $(cat "$T/out")"
	[ "$(json_num min <"$T/out")" = 2 ] || fail "MMQ: $(cat "$T/out")"
	refused '--class: .0\.7. is not an OIML R 117 accuracy class' cb instrument add --id CX-2 \
		--kind fuel-dispenser --type c --serial P-2 --class 0.7 --unit L --d 0.01 --mmq 2 \
		--qmax "40 L/min" --qmin "4 L/min" --interval 12
	refused '--d: scale interval 0\.02 L is too coarse for MMQ 2 L' cb instrument add --id CX-3 \
		--kind fuel-dispenser --type c --serial P-3 --class 0.5 --unit L --d 0.02 --mmq 2 \
		--qmax "40 L/min" --qmin "4 L/min" --interval 12
	refused '--mpe-reading: a flow meter needs the accuracy its maker specifies' cb instrument add \
		--id FM-2 --kind flow-meter --type f --serial F-2 --unit m3 --d 0.00001 --qmax 10 \
		--interval 12
	refused '--qmin: must be > 0 and below Qmax' cb instrument add --id FM-3 --kind flow-meter \
		--type f --serial F-3 --unit m3 --d 0.00001 --qmax 10 --qmin 12 --mpe-reading 1 \
		--interval 12
	refused '--q3: only for a water meter' cb instrument add --id FM-4 --kind flow-meter \
		--type f --serial F-4 --unit m3 --d 0.00001 --qmax 10 --q3 10 --mpe-reading 1 \
		--interval 12
	refused '--qmax: only for a flow meter or a fuel dispenser' meter DH-9 --class 2 --q3 2.5 \
		--r 100 --unit m3 --d 0.00005 --qmax 3
	[ "$(instruments_count)" = 2 ] || fail "a refused entry was added"
}

# References with a range: a master meter (flow: U relative to the volume
# only), a proving can or a weighing rig (volume: U = u + u-rel x V).
test_register_flow_standards() {
	cb standard add --id MM-1 --kind flow --unit m3/h --range 0.01..10 --u-rel 0.2 \
		--cert LL-2026-117 --due 2099-12-31
	expect_rc 0
	cb standard add --id CAN-20 --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2026-2 --due 2099-12-31
	expect_rc 0
	cb standard list
	expect_out '^MM-1 +flow +0\.01\.\.10 m3/h  U = 0\.2 % of the volume \(k = 2\)'
	expect_out '^CAN-20 +volume +1\.\.20 L  U = 0\.002 L \+ 0\.02 % of the volume'
	refused "--u: a flow standard's U is relative to the volume it measures" cb standard add \
		--id MM-2 --kind flow --unit m3/h --range 0.01..10 --u 0.01 --cert x --due 2099-12-31
	refused "--unit: 'bar' is not a unit of volume" cb standard add --id CAN-2 --kind volume \
		--unit bar --range 1..20 --u 0.002 --cert x --due 2099-12-31
	refused "--kind: 'tank': a standard is a weight \(the default\), pressure, flow" cb standard \
		add --id T-1 --kind tank --unit L --range 1..20 --u 0.002 --cert x --due 2099-12-31
	[ "$(sql 'SELECT count(*) FROM pressure_standards')" = 2 ] || fail "a refused standard was added"
}

run_tests

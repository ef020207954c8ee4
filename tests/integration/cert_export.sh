#!/usr/bin/env bash
# calbench cert export: documents made through the CLI (a balance verified
# from an answers file, a Bourdon gauge calibrated per DKD-R 6-1 against the
# PACE simulator, a fuel dispenser's failure record), exported as DCC and
# JSON. Every DCC is validated with xmllint against the schema in the
# repository (docs/dcc/dcc.xsd, DCC 3.1.2 + D-SI 2.1.0) and read back with
# XPath: the number, the Vietnamese and English texts, results, uncertainty,
# the standards' certificate numbers; hostile text stays well-formed; a PDF
# given with --pdf comes back byte for byte; the JSON is cert show --json.
#
#   bash cert_export.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

XSD=$SRC/docs/dcc/dcc.xsd
NUMBER_RE='CB-[0-9]{4}-[0-9]{6}'
command -v xmllint >/dev/null || { echo "FATAL: xmllint is needed (apt-get install libxml2-utils)" >&2; exit 1; }
[ -f "$XSD" ] || { echo "FATAL: no schema $XSD" >&2; exit 1; }

# valid FILE: FILE validates against the DCC 3.1.2 schema.
valid() {
	xmllint --noout --schema "$XSD" "$1" >"$T/xmllint.out" 2>&1 ||
		fail "$1 does not validate against docs/dcc/dcc.xsd: $(head -c 2000 "$T/xmllint.out")"
}

# x FILE XPATH: the string value of XPATH in FILE; dcc:NAME and si:NAME
# stand for the elements of those namespaces (xmllint --xpath has no
# namespace prefixes).
x() {
	local path
	path=$(sed -E "s/(dcc|si):([A-Za-z0-9_]+)/*[local-name()='\\2']/g" <<<"$2")
	xmllint --xpath "string($path)" "$1" 2>"$T/xpath.err" || fail "xpath $2: $(cat "$T/xpath.err")"
}

# n FILE XPATH: the number of nodes XPATH selects.
n() {
	local path
	path=$(sed -E "s/(dcc|si):([A-Za-z0-9_]+)/*[local-name()='\\2']/g" <<<"$2")
	xmllint --xpath "count($path)" "$1" 2>"$T/xpath.err" || fail "xpath $2: $(cat "$T/xpath.err")"
}

# expect_x FILE XPATH WANT
expect_x() {
	local got
	got=$(x "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 in $1: '$got', expected '$3'"
}

# The value of quantity REFTYPE of result number SEQ ("6. ..."), and its unit.
point_q() { # FILE SEQ REFTYPE [value|unit|uncertainty|coverageFactor|coverageProbability]
	x "$1" "//dcc:result[starts-with(dcc:name/dcc:content[@lang='en'], '$2. ')]//dcc:quantity[@refType='$3']//si:${4:-value}"
}

cert_number() { sed -nE "s/^(Certificate|Calibration certificate|Failure record \(không đạt\)): ($NUMBER_RE),.*/\\2/p" "$T/out" | head -n 1; }

# The centre, as documents print it.
centre_settings() {
	cb setting set lab.name "Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Ngãi"
	cb setting set lab.address "163 Hùng Vương, TP Quảng Ngãi"
	cb setting set lab.place "Quảng Ngãi"
	cb setting set lab.email "kiemdinh@example.vn"
	cb setting set lab.phone "+84 255 000 0000"
	cb setting set lab.approver "Trần Thị Bình"
	cb setting set lab.approver_title "Giám đốc / Director"
	expect_rc 0
}

# A class III balance verified from an answers file (a perfect balance): PASS.
verify_balance() { # ID SERIAL [OWNER]
	register_weights
	cb instrument add --id "$1" --type "cân kỹ thuật" --manufacturer "IT Scales" --model "IT-30" \
		--owner "${3:-Công ty TNHH Thương mại Sông Trà}" --serial "$2" --class III --unit g \
		--max 30000 --min 100 --e 5 --d 5 --interval 12
	expect_rc 0
	write_answers "$T/answers" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument "$1" --mode periodic \
		--answers "$T/answers" --operator "Nguyễn Văn An"
	expect_rc 0
	NO=$(cert_number)
	[ -n "$NO" ] || fail "no certificate number in: $(tail -5 "$T/out")"
}

test_export_verification_dcc() {
	local f=$T/v.xml
	centre_settings
	verify_balance BAL-X SN-X-1
	cb cert export "$NO" --format dcc -o "$f"
	expect_rc 0
	expect_out "^$NO: DCC 3.1.2 written to $f \\([0-9]+ bytes\\)$"
	valid "$f"
	expect_x "$f" "/dcc:digitalCalibrationCertificate/@schemaVersion" "3.1.2"
	expect_x "$f" "//dcc:coreData/dcc:uniqueIdentifier" "$NO"
	expect_x "$f" "//dcc:coreData/dcc:countryCodeISO3166_1" "VN"
	expect_x "$f" "//dcc:coreData/dcc:mandatoryLangCodeISO639_1" "vi"
	expect_x "$f" "//dcc:coreData/dcc:beginPerformanceDate" "$(date -u +%F)"
	expect_x "$f" "//dcc:coreData/dcc:performanceLocation" "laboratory"
	expect_x "$f" "//dcc:statement[@refType='calbench_documentTitle']//dcc:content[@lang='vi']" \
		"GIẤY CHỨNG NHẬN KIỂM ĐỊNH"
	expect_x "$f" "//dcc:statement[@refType='calbench_documentTitle']//dcc:content[@lang='en']" \
		"VERIFICATION CERTIFICATE"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:conformity" "pass"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:declaration/dcc:content[@lang='vi']" \
		"Đạt yêu cầu kỹ thuật đo lường"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:norm" "OIML R 76-1:2006"
	expect_x "$f" "//dcc:statement[@refType='calbench_validUntil']/dcc:date" \
		"$(sql "SELECT valid_until FROM certificates WHERE number = '$NO'")"
	# the instrument, the centre, the persons, the customer
	expect_x "$f" "//dcc:item/dcc:name/dcc:content" "cân kỹ thuật"
	expect_x "$f" "//dcc:item//dcc:identification[dcc:issuer='manufacturer']/dcc:value" "SN-X-1"
	expect_x "$f" "//dcc:item//dcc:identification[dcc:issuer='calibrationLaboratory']/dcc:value" "BAL-X"
	expect_x "$f" "//dcc:calibrationLaboratory/dcc:contact/dcc:name/dcc:content" \
		"Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Ngãi"
	expect_x "$f" "//dcc:calibrationLaboratory//dcc:eMail" "kiemdinh@example.vn"
	expect_x "$f" "//dcc:respPerson[1]/dcc:person/dcc:name/dcc:content" "Nguyễn Văn An"
	expect_x "$f" "//dcc:respPerson[dcc:mainSigner='true']/dcc:person/dcc:name/dcc:content" \
		"Trần Thị Bình"
	expect_x "$f" "//dcc:customer/dcc:name/dcc:content" "Công ty TNHH Thương mại Sông Trà"
	# every point, with what cert show prints for it
	[ "$(n "$f" "//dcc:results/dcc:result")" = 19 ] || fail "$(n "$f" "//dcc:results/dcc:result") results, expected 19"
	[ "$(point_q "$f" 6 basic_referenceValue)" = 30000.19 ] || fail "point 6: reference $(point_q "$f" 6 basic_referenceValue)"
	[ "$(point_q "$f" 6 basic_measuredValue)" = 30000 ] || fail "point 6: indication $(point_q "$f" 6 basic_measuredValue)"
	[ "$(point_q "$f" 6 basic_measurementError)" = -0.19 ] || fail "point 6: error $(point_q "$f" 6 basic_measurementError)"
	[ "$(point_q "$f" 6 calbench_maximumPermissibleError)" = 15 ] || fail "point 6: MPE"
	[ "$(point_q "$f" 6 basic_measuredValue unit)" = '\gram' ] || fail "point 6: unit $(point_q "$f" 6 basic_measuredValue unit)"
	expect_x "$f" "//dcc:result[starts-with(dcc:name/dcc:content[@lang='en'], '6. ')]//dcc:conformity" "pass"
	expect_x "$f" "//dcc:result[starts-with(dcc:name/dcc:content[@lang='en'], '6. ')]/dcc:name/dcc:content[@lang='vi']" \
		"6. độ đúng khi cân up 5"
	# the weights with their certificates and due dates, the nominal in kg
	expect_x "$f" "//dcc:measuringEquipment[.//dcc:identification[dcc:issuer='calibrationLaboratory']/dcc:value='W20K']//dcc:identification[@refType='calbench_calibrationCertificate']/dcc:value" \
		"IT-KL-01"
	expect_x "$f" "//dcc:measuringEquipment[.//dcc:value='W20K']//dcc:measuringEquipmentQuantity[@refType='basic_nominalValue']//si:unit" \
		'\kilogram'
	x "$f" "//dcc:measuringEquipment[.//dcc:value='W20K']/dcc:description/dcc:content[@lang='en']" |
		grep -q "Calibration certificate IT-KL-01, due $(date -d '+1 year' +%F)" ||
		fail "W20K: no certificate and due date in its description"
	expect_x "$f" "//dcc:measuringEquipment[.//dcc:value='W500']//dcc:measuringEquipmentQuantity[@refType='calbench_massCorrection']//si:uncertainty" \
		"8e-06"
	# the PDF of the same record is embedded by default
	[ "$(n "$f" "//dcc:document")" = 1 ] || fail "no dcc:document (the PDF rendered from the record)"
	expect_x "$f" "//dcc:document/dcc:fileName" "$NO.pdf"
	x "$f" "//dcc:document/dcc:dataBase64" | base64 -d >"$T/embedded.pdf" ||
		fail "dataBase64 does not decode"
	grep -q "$NO" <<<"$(pdftotext "$T/embedded.pdf" - 2>/dev/null)" ||
		fail "the embedded PDF does not carry the number"
	cb cert export "$NO" --format dcc --no-pdf -o "$T/nopdf.xml"
	expect_rc 0
	[ "$(n "$T/nopdf.xml" "//dcc:document")" = 0 ] || fail "a dcc:document with --no-pdf"
	# stdout and -o give the same bytes; numbers do not follow the locale
	cb cert export "$NO" --format dcc
	expect_rc 0
	cmp -s "$T/out" "$f" || fail "cert export to stdout differs from -o FILE"
	if locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$'; then
		LC_ALL=de_DE.UTF-8 "$CALBENCH" cert export "$NO" --format dcc >"$T/de.xml"
		cmp -s "$T/de.xml" "$f" || fail "the DCC differs under LC_ALL=de_DE.UTF-8"
	fi
}

test_export_json_is_cert_show() {
	verify_balance BAL-J SN-J-1
	cb cert show "$NO" --json
	expect_rc 0
	cp "$T/out" "$T/show.json"
	cb cert export "$NO" --format json
	expect_rc 0
	expect_json
	cmp -s "$T/out" "$T/show.json" || fail "cert export --format json differs from cert show --json"
	cb cert export "$NO" --format json -o "$T/e.json"
	expect_rc 0
	cmp -s "$T/e.json" "$T/show.json" || fail "cert export -o differs from cert show --json"
	cb cert export "$NO" --format json -o -
	expect_rc 0
	cmp -s "$T/out" "$T/show.json" || fail "cert export -o - differs from cert show --json"
}

# A Bourdon gauge calibrated per DKD-R 6-1 (sequence C: 6 points up, then
# down) against the PACE simulator; at 6 bar it reads 6.05 up and 6.10 down.
test_export_calibration_uncertainty() {
	local f=$T/c.xml
	sed -e 's/^  hold_s: 30/  hold_s: 0.2/' -e 's/preload_hold_s: 30/preload_hold_s: 0/' \
		-e 's/poll_ms: 500/poll_ms: 50/' \
		"$SRC/procedures/defs/dkd-r6-1-bourdon-calibration.yaml" >"$T/proc.yaml"
	grep -q 'hold_s: 0.2' "$T/proc.yaml" || fail "the shipped procedure has no 'hold_s: 30' to shorten"
	cat >"$T/gauge.yaml" <<EOF2
instruments:
  - { id: AK-C, kind: bourdon-gauge, type: áp kế kiểu lò xo, manufacturer: WIKA, serial: G-C1, owner: Nhà máy Đường Quảng Ngãi, class: 1.6, unit: bar, max: 10, d: 0.05, interval: 12 }
EOF2
	cat >"$T/ref.yaml" <<EOF2
standards:
  - { id: PACE-01, kind: pressure, unit: bar, range: -1..20, u: 0.0004, u-rel: 0.01, k: 2, cert: VMI-AS-2026-17, due: 2099-12-31, manufacturer: Druck, model: PACE5000, serial: P5-0042 }
EOF2
	cb instrument add --file "$T/gauge.yaml"
	expect_rc 0
	cb standard add --file "$T/ref.yaml"
	expect_rc 0
	SIM_KIND=pressure sim_tcp ref --protocol pace --serial P5-0042 --tau-ms 50 --dwell-ms 100 --seed 7
	cat >"$T/bench.yaml" <<EOF2
bench: cal
instruments:
  - id: ref1
    driver: pace
    port: tcp:127.0.0.1:$SIM_PORT
    standard: PACE-01
EOF2
	printf 'ok\n0\n2\n4\n6.05\n8\n10\n10\n8\n6.10\n4\n2\n0\n' >"$T/answers"
	cb run --procedure "$T/proc.yaml" --instrument AK-C --mode periodic --bench "$T/bench.yaml" \
		--answers "$T/answers" --operator "Lê Văn Cường"
	expect_rc 0
	sim_stop ref
	NO=$(cert_number)
	[ -n "$NO" ] || fail "no certificate number in: $(tail -5 "$T/out")"
	cb cert export "$NO" --format dcc -o "$f"
	expect_rc 0
	valid "$f"
	expect_x "$f" "//dcc:coreData/dcc:uniqueIdentifier" "$NO"
	expect_x "$f" "//dcc:statement[@refType='calbench_documentTitle']//dcc:content[@lang='vi']" \
		"GIẤY CHỨNG NHẬN HIỆU CHUẨN"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:conformity" "pass"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:declaration/dcc:content[@lang='en']" \
		"PASS: the error at every point is within ±MPE under the decision rule; it applies to the points listed in the results"
	[ "$(n "$f" "//dcc:statement[@refType='calbench_uncertainty']")" = 1 ] || fail "no uncertainty statement"
	x "$f" "//dcc:statement[@refType='calbench_decisionRule']/dcc:declaration/dcc:content[1]" |
		grep -q '^binary statement with guard band w = U' ||
		fail "the decision rule is not the procedure's guard band"
	[ "$(n "$f" "//dcc:results/dcc:result")" = 6 ] || fail "expected 6 calibration points"
	# 6 bar: E = 0.075 bar, U = 0.041 bar (k = 2), as cert show prints it
	[ "$(point_q "$f" 4 basic_measurementError)" = 0.0750 ] || fail "6 bar: E = $(point_q "$f" 4 basic_measurementError)"
	[ "$(point_q "$f" 4 basic_measurementError unit)" = '\bar' ] || fail "6 bar: unit"
	[ "$(point_q "$f" 4 basic_measurementError uncertainty)" = 0.041 ] || fail "6 bar: U = $(point_q "$f" 4 basic_measurementError uncertainty)"
	[ "$(point_q "$f" 4 basic_measurementError coverageFactor)" = 2.00 ] || fail "6 bar: k"
	[ "$(point_q "$f" 4 basic_measurementError coverageProbability)" = 0.95 ] || fail "6 bar: p"
	[ "$(point_q "$f" 4 basic_referenceValue)" = 6.0000 ] || fail "6 bar: reference $(point_q "$f" 4 basic_referenceValue)"
	[ "$(point_q "$f" 4 calbench_maximumPermissibleError)" = 0.16 ] || fail "6 bar: MPE"
	[ "$(point_q "$f" 1 basic_measurementError uncertainty)" = 0.029 ] || fail "0 bar: U = $(point_q "$f" 1 basic_measurementError uncertainty)"
	# the reference: register id, serial, certificate, U(p)
	expect_x "$f" "//dcc:measuringEquipment[@refType='calbench_rangeStandard']//dcc:identification[@refType='calbench_calibrationCertificate']/dcc:value" \
		"VMI-AS-2026-17"
	expect_x "$f" "//dcc:measuringEquipment[@refType='calbench_rangeStandard']//dcc:identification[dcc:issuer='manufacturer']/dcc:value" \
		"P5-0042"
	expect_x "$f" "//dcc:measuringEquipment[@refType='calbench_rangeStandard']/dcc:name/dcc:content[@lang='vi']" \
		"Chuẩn áp suất PACE-01"
	expect_x "$f" "//dcc:measuringEquipment[@refType='calbench_rangeStandard']/dcc:description/dcc:content[not(@lang)]" \
		"U(x) = 0.0004 bar + 0.01 % · |x|, k = 2"
	expect_x "$f" "//dcc:measuringEquipment//dcc:measuringEquipmentQuantity[@refType='calbench_rangeUpper']//si:value" "20"
	expect_x "$f" "//dcc:respPerson[1]/dcc:role" "Người thực hiện hiệu chuẩn / Calibration performed by"
	# no validity on a calibration certificate
	[ "$(n "$f" "//dcc:statement[@refType='calbench_validUntil']")" = 0 ] || fail "a calibration certificate with a validity"
}

# A fuel dispenser 0.55 % out at Qmax: the failure record.
test_export_failure_record() {
	local f=$T/f.xml proc=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--manufacturer Tatsuno --owner "Cửa hàng xăng dầu số 5" \
		--class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	expect_rc 0
	{
		printf 'ok\nok\nok\n20.000\n20.11\n'
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$proc" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc 2
	NO=$(sql "SELECT number FROM certificates WHERE kind = 'failure'")
	[ -n "$NO" ] || fail "no failure record"
	cb cert export "$NO" --format dcc -o "$f"
	expect_rc 0
	valid "$f"
	expect_x "$f" "//dcc:coreData/dcc:uniqueIdentifier" "$NO"
	expect_x "$f" "//dcc:statement[@refType='calbench_documentTitle']//dcc:content[@lang='vi']" \
		"BIÊN BẢN KIỂM ĐỊNH (KHÔNG ĐẠT)"
	expect_x "$f" "//dcc:statement[@refType='calbench_documentTitle']//dcc:content[@lang='en']" \
		"VERIFICATION FAILURE RECORD"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:conformity" "fail"
	expect_x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:declaration/dcc:content[@lang='vi']" \
		"Không đạt yêu cầu kỹ thuật đo lường"
	x "$f" "//dcc:statement[@refType='basic_conformity']/dcc:declaration/dcc:content[not(@lang)]" |
		grep -q 'E = +0.55 % beyond the MPE ±0.5 %' || fail "the failure reason is not in the conformity statement"
	[ "$(n "$f" "//dcc:statement[@refType='calbench_validUntil']")" = 0 ] || fail "a failure record with a validity"
	# per point: the first draw fails, the others pass; volumes in litres
	expect_x "$f" "//dcc:result[1]//dcc:conformity" "fail"
	expect_x "$f" "//dcc:result[2]//dcc:conformity" "pass"
	[ "$(point_q "$f" 1 basic_measuredValue unit)" = '\litre' ] || fail "unit of a draw: $(point_q "$f" 1 basic_measuredValue unit)"
	[ "$(point_q "$f" 1 calbench_maximumPermissibleError)" = 0.1 ] || fail "MPE of the first draw"
	expect_x "$f" "//dcc:measuringEquipment//dcc:identification[@refType='calbench_calibrationCertificate']/dcc:value" "VMI-2"
	expect_x "$f" "//dcc:measuringEquipment/dcc:name/dcc:content[@lang='en']" "Volume reference CAN-B"
	x "$f" "//dcc:item/dcc:description/dcc:content[@lang='en']" | grep -q 'Qmax = 2.4 m3/h; Qmin = 0.24 m3/h; MMQ = 2 L' ||
		fail "the dispenser's characteristics: $(x "$f" "//dcc:item/dcc:description/dcc:content[@lang='en']")"
}

# Text from the registers that XML must escape (a control character cannot
# be registered at all: refused with the field named; the DCC's replacement
# of one by U+FFFD is tested in test_dcc).
test_export_hostile_text() {
	local f=$T/h.xml owner
	owner=$(printf '<x>&"'"'"']]> end')
	cb instrument add --id BAL-C --type "cân" --serial C-1 --owner "$(printf 'a\001b')" \
		--class III --unit g --max 100 --e 0.1 --interval 12
	expect_rc 1
	expect_err 'owner holds a control character'
	verify_balance BAL-H 'SN<&>1' "$owner"
	cb cert revoke "$NO" --reason 'wrong <owner> & "stamp"'
	expect_rc 0
	cb cert export "$NO" --format dcc -o "$f"
	expect_rc 0
	valid "$f"
	expect_x "$f" "//dcc:customer/dcc:name/dcc:content" "$owner"
	expect_x "$f" "//dcc:item//dcc:identification[dcc:issuer='manufacturer']/dcc:value" 'SN<&>1'
	expect_x "$f" "//dcc:statement[@refType='calbench_revocation']/dcc:declaration/dcc:content" 'wrong <owner> & "stamp"'
	expect_x "$f" "//dcc:statement[@refType='calbench_revocation']/dcc:valid" "false"
	# JSON escapes it
	cb cert export "$NO" --format json
	expect_rc 0
	expect_json
	grep -qF '"owner": "<x>&\"'"'"']]> end"' "$T/out" || fail "the owner in JSON: $(grep -o '"owner": "[^,]*' "$T/out")"
}

test_export_pdf_embedded() {
	local f=$T/p.xml
	verify_balance BAL-P SN-P-1
	# a PDF (any bytes after the header; 5000 + 9 bytes: base64 padding)
	{
		printf '%%PDF-1.4\n'
		head -c 5000 /dev/urandom
	} >"$T/cert.pdf"
	cb cert export "$NO" --format dcc --pdf "$T/cert.pdf" -o "$f"
	expect_rc 0
	valid "$f"
	expect_x "$f" "//dcc:document/dcc:fileName" "cert.pdf"
	expect_x "$f" "//dcc:document/dcc:mimeType" "application/pdf"
	x "$f" "//dcc:document/dcc:dataBase64" | base64 -d >"$T/back.pdf" || fail "dataBase64 does not decode"
	cmp -s "$T/back.pdf" "$T/cert.pdf" || fail "the embedded PDF differs from the file"
	# not a PDF, no such file, --pdf with json: refused, nothing written
	printf 'hello' >"$T/not.pdf"
	cb cert export "$NO" --format dcc --pdf "$T/not.pdf" -o "$T/n.xml"
	expect_rc 1
	expect_one_line_error "not a PDF file"
	[ ! -e "$T/n.xml" ] || fail "a file written for a refused export"
	cb cert export "$NO" --format dcc --pdf "$T/missing.pdf" -o "$T/n.xml"
	expect_rc 1
	expect_one_line_error "cannot read the PDF .*missing.pdf"
	[ ! -e "$T/n.xml" ] || fail "a file written for a refused export"
	cb cert export "$NO" --format json --pdf "$T/cert.pdf"
	expect_rc 64
	expect_err 'pdf and --no-pdf go with --format dcc'
}

test_export_errors() {
	verify_balance BAL-E SN-E-1
	cb cert export CB-2099-999999 --format dcc -o "$T/u.xml"
	expect_rc 1
	expect_one_line_error "no certificate or record numbered 'CB-2099-999999'"
	[ ! -e "$T/u.xml" ] || fail "a file written for an unknown number"
	[ ! -s "$T/out" ] || fail "stdout for an unknown number: $(head -c 300 "$T/out")"
	cb cert export CB-2099-999999 --format json
	expect_rc 1
	expect_one_line_error "no certificate or record numbered"
	cb cert export "$NO"
	expect_rc 64
	expect_err 'say --format dcc or --format json'
	cb cert export "$NO" --format pdf
	expect_rc 64
	expect_err "unknown format 'pdf'"
	cb cert export --format dcc
	expect_rc 64
	expect_err 'which document number'
	cb cert export "$NO" --format dcc -o "$T/no/such/dir/x.xml"
	expect_rc 1
	expect_one_line_error "cannot write .*x.xml"
	cb --db "$T/missing.db" cert export "$NO" --format dcc
	expect_rc 1
	[ ! -e "$T/missing.db" ] || fail "export created a database"
}

# What the run recorded besides the measurements (location, conditions, the
# person who checked, the sticker), and an amendment, in the DCC.
test_export_conditions_and_amendment() {
	local f=$T/k.xml
	register_weights
	register_instrument BAL-K SN-K-1
	write_answers "$T/answers" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-K --mode periodic \
		--answers "$T/answers" --operator "Phạm Minh Đức" --location "Chợ Quảng Ngãi, ki-ốt 12" \
		--received 2026-01-05 --temperature 24.5 --humidity 61 --checked-by "Võ Thị Hoa" \
		--sticker "TKĐ 001234"
	expect_rc 0
	NO=$(cert_number)
	cb cert export "$NO" --format dcc -o "$f"
	expect_rc 0
	valid "$f"
	expect_x "$f" "//dcc:coreData/dcc:receiptDate" "2026-01-05"
	expect_x "$f" "//dcc:coreData/dcc:performanceLocation" "other"
	expect_x "$f" "//dcc:statement[@refType='calbench_performanceLocation']//dcc:further/dcc:content" \
		"Chợ Quảng Ngãi, ki-ốt 12"
	expect_x "$f" "//dcc:influenceCondition[@refType='calbench_ambientTemperature']//si:value" "24.5"
	expect_x "$f" "//dcc:influenceCondition[@refType='calbench_ambientTemperature']//si:unit" '\degreecelsius'
	expect_x "$f" "//dcc:influenceCondition[@refType='calbench_relativeHumidity']//si:value" "61"
	expect_x "$f" "//dcc:influenceCondition[@refType='calbench_relativeHumidity']//si:unit" '\percent'
	expect_x "$f" "//dcc:respPerson[dcc:role='Người kiểm soát / Checked by']/dcc:person/dcc:name/dcc:content" \
		"Võ Thị Hoa"
	expect_x "$f" "//dcc:item//dcc:identification[@refType='calbench_stickerNumber']/dcc:value" "TKĐ 001234"
	cb cert amend "$NO" --reason "owner misspelt" --owner "Integration Test Company"
	expect_rc 0
	cb cert export "$NO-R1" --format dcc -o "$T/r.xml"
	expect_rc 0
	valid "$T/r.xml"
	expect_x "$T/r.xml" "//dcc:coreData/dcc:uniqueIdentifier" "$NO-R1"
	expect_x "$T/r.xml" "//dcc:statement[@refType='calbench_amendment']/dcc:reference" "$NO"
	expect_x "$T/r.xml" "//dcc:customer/dcc:name/dcc:content" "Integration Test Company"
}

run_tests

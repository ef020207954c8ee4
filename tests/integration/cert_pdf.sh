#!/usr/bin/env bash
# calbench cert pdf: documents made through the CLI (a balance verification
# typed from an answers file, a fuel dispenser against a proving can, Bourdon
# gauges against a simulated PACE controller), rendered as PDF and read back
# with poppler (pdfinfo, pdftotext, pdftoppm) and zbar (zbarimg): the number
# and "Trang k/n - Page k of n" on every page, Vietnamese text extracted as
# written, results, standards, the QR code's text, the page counts (one page
# for a balance, several for long tables, whose header comes back on every
# page and whose rows are never cut), failure records and revoked documents,
# and the errors (unknown number, missing font, logo, output directory).
#
#   bash cert_pdf.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

for tool in pdfinfo pdftotext pdftoppm pdfimages zbarimg; do
	command -v "$tool" >/dev/null ||
		{ echo "FATAL: $tool is needed (apt-get install poppler-utils zbar-tools)" >&2; exit 1; }
done

NUMBER_RE='CB-[0-9]{4}-[0-9]{6}'
BASE_URL=https://kd.example.vn/verify/
LAB="Trung tâm Kỹ thuật Tiêu chuẩn Đo lường Chất lượng Quảng Ngãi"
OWNER="Công ty TNHH Thương mại Đức Thắng"
APPROVER="Nguyễn Thị Hồng Ánh"
OPERATOR="Lê Văn Thành"

# The centre's settings, a Vietnamese name included (before any document: the
# name and address are frozen on each document as it is issued).
lab_settings() {
	local kv
	for kv in "lab.name=$LAB" "lab.address=Số 163 Hùng Vương, TP. Quảng Ngãi" \
		"lab.place=Quảng Ngãi" "lab.phone=0255 3822 123" "lab.email=kd@example.vn" \
		"lab.approver=$APPROVER" "lab.approver_title=Giám đốc / Director" \
		"verify.base_url=$BASE_URL"; do
		cb setting set "${kv%%=*}" "${kv#*=}"
		expect_rc 0
	done
}

# pdf_text FILE [PAGE]: the text of the file (or of one page) in $T/txt, and
# laid out as on the page in $T/lay. (libharu's ToUnicode map makes poppler
# warn on stderr; the text comes out right.)
pdf_text() {
	local range=()
	[ $# -lt 2 ] || range=(-f "$2" -l "$2")
	pdftotext "${range[@]}" "$1" "$T/txt" 2>/dev/null || fail "pdftotext $1 failed"
	pdftotext -layout "${range[@]}" "$1" "$T/lay" 2>/dev/null || fail "pdftotext -layout $1 failed"
	# the text as one line: a sentence wrapped on the page reads whole
	tr '\n' ' ' <"$T/txt" | tr -s ' ' >"$T/flat"
}

has() { # TEXT: the last pdf_text holds TEXT exactly (fixed string; line breaks are spaces)
	grep -qF -- "$1" "$T/flat" || fail "the PDF text has no '$1'; it was:
$(head -c 3000 "$T/txt")"
}

has_line() { # ERE: a line of the laid-out text matches
	grep -Eq -- "$1" "$T/lay" || fail "no line of the laid-out PDF text matches /$1/; it was:
$(head -c 4000 "$T/lay")"
}

pages_of() { pdfinfo "$1" 2>/dev/null | sed -nE 's/^Pages: +([0-9]+)$/\1/p'; }

# Every page carries the number and "Trang k/n - Page k of n".
expect_numbered_pages() { # FILE NUMBER N
	local k
	[ "$(pages_of "$1")" = "$3" ] || fail "$1: $(pages_of "$1") pages, expected $3"
	for ((k = 1; k <= $3; k++)); do
		pdf_text "$1" "$k"
		has "Số (N°): $2"
		has "Trang $k/$3 – Page $k of $3"
	done
}

# qr FILE: the text of the QR code on page 1 (rendered at 150 dpi) in $QR.
qr() {
	rm -f "$T/qr.png"
	pdftoppm -r 150 -png -f 1 -l 1 -singlefile "$1" "$T/qr" 2>/dev/null || fail "pdftoppm $1 failed"
	QR=$(zbarimg --raw -q "$T/qr.png" 2>/dev/null) || fail "zbarimg found no code on page 1 of $1"
}

# The QR code opens the verification page of the number: the URL alone for a
# document issued unsigned, followed by "#" and the signed payload otherwise.
expect_qr_of() { # FILE NUMBER
	qr "$1"
	case "$QR" in
	"$BASE_URL$2" | "$BASE_URL$2#"?*) ;;
	*) fail "QR code of $1 reads '$QR', expected $BASE_URL$2" ;;
	esac
}

# A balance (class III, Max 30 kg) of a Vietnamese owner, verified from an
# answers file (a perfect balance); $NO is its certificate.
balance_certificate() {
	register_weights
	cb instrument add --id BAL-PDF --type "cân kỹ thuật" --manufacturer "IT Scales" \
		--model "IT-30" --owner "$OWNER" --serial SN-PDF-1 --class III --unit g \
		--max 30000 --min 100 --e 5 --d 5 --interval 12
	expect_rc 0
	write_answers "$T/answers" 1 18
	cb run --manual --procedure "$PROCEDURE" --instrument BAL-PDF --mode periodic \
		--answers "$T/answers" --operator "$OPERATOR"
	expect_rc 0
	NO=$(sed -nE "s/^Certificate: ($NUMBER_RE),.*/\1/p" "$T/out")
	[ -n "$NO" ] || fail "no certificate number in the run's output"
}

test_balance_verification() {
	local until bytes no
	lab_settings
	balance_certificate
	cb cert pdf "$NO"
	expect_rc 0
	expect_out "^$NO: $NO\\.pdf, 1 page, [0-9]+ bytes$"
	[ -s "$T/$NO.pdf" ] || fail "no $NO.pdf in the current directory"
	# one A4 page: 595 x 842 pt
	pdfinfo "$T/$NO.pdf" 2>/dev/null | grep -Eq '^Page size: +595\.2[0-9]* x 841\.8[0-9]* pts \(A4\)' ||
		fail "not A4: $(pdfinfo "$T/$NO.pdf" 2>/dev/null | grep 'Page size')"
	expect_numbered_pages "$T/$NO.pdf" "$NO" 1

	pdf_text "$T/$NO.pdf"
	# Vietnamese as written: letters with two marks (ấ, ứ, ậ, ể, ồ, ắ) too
	has "GIẤY CHỨNG NHẬN KIỂM ĐỊNH"
	has "VERIFICATION CERTIFICATE"
	has "$LAB"
	has "Số 163 Hùng Vương, TP. Quảng Ngãi"
	has "$OWNER"
	has "cân kỹ thuật"
	has "Kết luận: Đạt yêu cầu kỹ thuật đo lường"
	has "Định kỳ / periodic"
	has "$OPERATOR"
	has "$APPROVER"
	has "Giám đốc / Director"
	has "Quảng Ngãi, ngày $(date -u +%d) tháng $(date -u +%m) năm $(date -u +%Y)"
	has "Kết quả trong giấy chứng nhận kiểm định này chỉ có giá trị"
	has "may not be reproduced except in full"
	has "OIML R 76-1"
	has "cấp chính xác / class III; Max = 30000 g; Min = 100 g; e = 5 g; d = 5 g"
	# the standards with their certificates and due dates (traceability)
	has_line "W10K +quả cân / weight 10 kg, cấp / class M1 +correction -120 mg, U 160 mg \\(k = 2\\) +IT-KL-02 +$(date -d '+1 year' +%F)"
	# the results with units, as `cert show` prints them
	has_line '^ *6 +weighing +up 5 +30000 +30000\.19 +30000 +-0\.19 +15 +g +Đạt \(PASS\)$'
	has_line '^ *19 +repeatability +range of 3 +15000 +- +\(range\) +0 +[0-9.]+ +g +Đạt \(PASS\)$'
	# validity: "Thời hạn đến / Valid until: ngày dd tháng mm năm yyyy"
	until=$(sql "SELECT valid_until FROM certificates WHERE number = '$NO'")
	has "Thời hạn đến / Valid until: ngày ${until:8:2} tháng ${until:5:2} năm ${until:0:4} ($until)"
	# not printed: what the record does not hold (no receipt date, no sticker)
	! grep -qF "Tem kiểm định số" "$T/flat" || fail "a sticker number was printed, the record has none"

	expect_qr_of "$T/$NO.pdf" "$NO"
	no=${QR#"$BASE_URL"}
	cb verify "${no%%#*}"
	expect_rc 0

	# -o FILE, -o - (the PDF on stdout and nothing else), --json
	cb cert pdf "$NO" -o "$T/named.pdf"
	expect_rc 0
	expect_out "^$NO: $T/named\\.pdf, 1 page, [0-9]+ bytes$"
	cb cert pdf "$NO" -o -
	expect_rc 0
	[ "$(head -c 5 "$T/out")" = "%PDF-" ] || fail "-o -: stdout is not a PDF"
	[ "$(pages_of "$T/out")" = 1 ] || fail "-o -: the PDF on stdout does not read back"
	bytes=$(stat -c %s "$T/out")
	cb cert pdf "$NO" --output "$T/j.pdf" --json
	expect_rc 0
	expect_json
	expect_out "^\\{\"number\": \"$NO\", \"file\": \"$T/j\\.pdf\", \"pages\": 1, \"bytes\": $bytes\\}$"

	# the centre's logo (a PNG): embedded, still one page
	pdftoppm -png -scale-to 64 -singlefile "$T/$NO.pdf" "$T/logo" 2>/dev/null
	cb setting set lab.logo "$T/logo.png"
	expect_rc 0
	cb cert pdf "$NO" -o "$T/logo.pdf"
	expect_rc 0
	[ "$(pdfimages -list "$T/logo.pdf" 2>/dev/null | grep -c ' image ')" = 1 ] ||
		fail "the logo is not in the PDF: $(pdfimages -list "$T/logo.pdf" 2>&1)"
	[ "$(pages_of "$T/logo.pdf")" = 1 ] || fail "with the logo: $(pages_of "$T/logo.pdf") pages"
	expect_qr_of "$T/logo.pdf" "$NO"
}

# A fuel dispenser against a proving can (no simulator): a failure record;
# then the balance's certificate revoked.
test_failure_record_and_revoked() {
	local proc=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml no
	lab_settings
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--owner "Cửa hàng xăng dầu số 5 Quảng Ngãi" --class 0.5 --unit L --d 0.01 --mmq 2 \
		--qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	expect_rc 0
	{
		printf 'ok\nok\nok\n20.000\n20.11\n' # Qmax run 1: +110 mL
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$proc" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers" --operator "$OPERATOR"
	expect_rc 2
	no=$(sql "SELECT number FROM certificates WHERE kind = 'failure'")
	[ -n "$no" ] || fail "no failure record"
	cb cert pdf "$no" -o "$T/fail.pdf"
	expect_rc 0
	expect_numbered_pages "$T/fail.pdf" "$no" 1
	pdf_text "$T/fail.pdf"
	has "BIÊN BẢN KIỂM ĐỊNH (KHÔNG ĐẠT)"
	has "VERIFICATION FAILURE RECORD"
	has "Kết luận: Không đạt yêu cầu kỹ thuật đo lường"
	has "Qmax 2.4 m3/h run 1/2: E = +0.55 % beyond the MPE ±0.5 %"
	has "cột đo xăng dầu / fuel dispenser; OIML R 117 class 0.5"
	has "Cửa hàng xăng dầu số 5 Quảng Ngãi"
	has_line "CAN-B +chuẩn dung tích / volume reference, 1 … 20 L +U = 0\\.002 L \\+ 0\\.02 % of the volume \\(k = 2\\) +VMI-2 +2099-12-31"
	has_line "Không đạt \\(FAIL\\)"
	has "Kết quả trong biên bản kiểm định này"
	! grep -qF "Thời hạn đến" "$T/flat" || fail "a failure record has no validity"
	! grep -qF "REVOKED" "$T/flat" || fail "not revoked, yet marked"
	expect_qr_of "$T/fail.pdf" "$no"

	# revoked: the mark on the page, with when and why
	cb cert revoke "$no" --reason "Ghi sai số hiệu bình chuẩn / wrong can recorded"
	expect_rc 0
	cb cert pdf "$no" -o "$T/revoked.pdf"
	expect_rc 0
	expect_numbered_pages "$T/revoked.pdf" "$no" 1
	pdf_text "$T/revoked.pdf"
	has "ĐÃ THU HỒI / REVOKED"
	has "Lý do / reason: Ghi sai số hiệu bình chuẩn / wrong can recorded"
	has "Ngày / on $(date -u +%F)"

	# errors: a missing font, a file that is no font, a missing logo, an
	# unwritable output, each one clear line naming the file
	cb cert pdf "$no" --font "$T/no-such-font.ttf" -o "$T/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: PDF font $T/no-such-font\\.ttf: No such file or directory \\(install fonts-dejavu-core, or name a TrueType font with --font FILE\\)$"
	[ ! -e "$T/x.pdf" ] || fail "a PDF was written without its font"
	printf 'not a font\n' >"$T/bad.ttf"
	cb cert pdf "$no" --font "$T/bad.ttf" -o "$T/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: PDF font $T/bad\\.ttf: not a TrueType font file$"
	# one font for both weights
	cb cert pdf "$no" --font /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf -o "$T/one.pdf"
	expect_rc 0
	pdf_text "$T/one.pdf"
	has "BIÊN BẢN KIỂM ĐỊNH (KHÔNG ĐẠT)"
	# a logo is checked when it is set, and again when a document is printed
	cb setting set lab.logo "$T/no-logo.png"
	expect_rc 1
	expect_err "lab.logo: cannot read $T/no-logo.png"
	printf 'not a png\n' >"$T/bad.png"
	cb setting set lab.logo "$T/bad.png"
	expect_rc 1
	expect_err "lab.logo: $T/bad.png is not a PNG file"
	pdftoppm -png -scale-to 64 -singlefile "$T/revoked.pdf" "$T/good" 2>/dev/null ||
		fail "no PNG from pdftoppm"
	cp "$T/good.png" "$T/logo2.png"
	cb setting set lab.logo "$T/logo2.png"
	expect_rc 0
	rm "$T/logo2.png"
	cb cert pdf "$no" -o "$T/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: lab\\.logo $T/logo2\\.png: No such file or directory"
	# a PNG cut short (libpng would abort the process): a clear error
	head -c "$(($(stat -c %s "$T/good.png") - 40))" "$T/good.png" >"$T/logo2.png"
	cb cert pdf "$no" -o "$T/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: logo $T/logo2\\.png: "
	# a header that lies about its size
	/usr/bin/python3 - "$T/good.png" "$T/logo2.png" <<'PY'
import struct, sys, zlib
b = open(sys.argv[1], 'rb').read()
ihdr = b[16:29]
ihdr = struct.pack('>II', 100000, 100000) + ihdr[8:]
chunk = struct.pack('>I', 13) + b'IHDR' + ihdr
chunk += struct.pack('>I', zlib.crc32(b'IHDR' + ihdr) & 0xffffffff)
open(sys.argv[2], 'wb').write(b[:8] + chunk + b[33:])
PY
	cb cert pdf "$no" -o "$T/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: logo $T/logo2\\.png: 100000 x 100000 pixels"
	cb setting set lab.logo ""
	cb cert pdf "$no" -o "$T/no-such-dir/x.pdf"
	expect_rc 1
	expect_one_line_error "^calbench: cannot write $T/no-such-dir/x\\.pdf: No such file or directory$"
}

# What the record states besides the measurements (run --location, --received,
# --temperature, --humidity, --checked-by, --sticker): a line each, and the
# checker's signature; printed only when given (test_balance_verification).
test_conditions_printed() {
	local proc=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml no
	lab_settings
	cb instrument add --id CX-2 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-2 \
		--owner "$OWNER" --class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" \
		--qmin "4 L/min" --interval 12
	expect_rc 0
	cb standard add --id CAN-C --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-3 --due 2099-12-31
	expect_rc 0
	{
		printf 'ok\nok\nok\n20.000\n20.01\n'
		printf 'ok\nok\nok\n20.000\n19.99\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.00\n'
	} >"$T/answers"
	cb run --procedure "$proc" --instrument CX-2 --standard CAN-C --mode periodic \
		--answers "$T/answers" --operator "$OPERATOR" --location "Cửa hàng xăng dầu số 5, Quảng Ngãi" \
		--received 2026-11-28 --temperature 27.5 --humidity 71 --checked-by "Phạm Quốc Huy" \
		--sticker "TKĐ-012345"
	expect_rc 0
	no=$(sql "SELECT number FROM certificates WHERE kind = 'verification'")
	cb cert pdf "$no" -o "$T/c.pdf"
	expect_rc 0
	expect_numbered_pages "$T/c.pdf" "$no" 1
	pdf_text "$T/c.pdf"
	has_line "Ngày nhận / Date of receipt +ngày 28 tháng 11 năm 2026 \\(2026-11-28\\)"
	has_line "Địa điểm thực hiện / Location +Cửa hàng xăng dầu số 5, Quảng Ngãi"
	has "nhiệt độ / temperature 27.5 °C; độ ẩm / relative humidity 71 %"
	has_line "Tem kiểm định số / Sticker number +TKĐ-012345"
	has_line "NGƯỜI THỰC HIỆN +NGƯỜI KIỂM SOÁT +NGƯỜI PHÊ DUYỆT"
	has_line "$OPERATOR +Phạm Quốc Huy +$APPROVER"

	# a revision (cert amend) says which document it replaces, and why
	cb cert amend "$no" --reason "Sai tên đơn vị sử dụng / wrong owner" --owner "Công ty Cổ phần Đức Thắng"
	expect_rc 0
	cb cert pdf "$no-R1" -o "$T/r1.pdf"
	expect_rc 0
	expect_numbered_pages "$T/r1.pdf" "$no-R1" 1
	pdf_text "$T/r1.pdf"
	has "Thay thế / Replaces"
	has "$no (bản sửa đổi / revision 1); lý do / reason: Sai tên đơn vị sử dụng / wrong owner"
	has "Công ty Cổ phần Đức Thắng"
}

test_errors() {
	lab_settings
	cb cert pdf CB-1999-999999
	expect_rc 1
	expect_one_line_error "^calbench: no certificate or record numbered 'CB-1999-999999'$"
	[ ! -e "$T/CB-1999-999999.pdf" ] || fail "a PDF was written for an unknown number"
	cb cert pdf
	expect_rc 64
	expect_err 'cert pdf: which certificate number\?'
	cb cert pdf CB-1999-999999 -o
	expect_rc 64
	cb cert pdf CB-1999-999999 --bogus
	expect_rc 64
	rm -f "$CALBENCH_DB"
	cb cert pdf CB-1999-999999
	expect_rc 1
	expect_err '^calbench: no database at '
}

# ---- pressure: long documents -------------------------------------------------

# A class 1.6 gauge 0..10 bar of a Vietnamese owner, the PACE-01 reference, a
# fast simulated PACE controller ($T/bench.yaml); 41 points up and down.
pressure_setup() {
	cat >"$T/gauges.yaml" <<EOF2
instruments:
  - { id: AK-9, kind: bourdon-gauge, type: áp kế kiểu lò xo, serial: G-9, owner: "$OWNER", class: 1.6, unit: bar, max: 10, d: 0.05, interval: 12 }
EOF2
	cat >"$T/ref.yaml" <<EOF2
standards:
  - { id: PACE-01, kind: pressure, unit: bar, range: -1..20, u: 0.0004, u-rel: 0.01, k: 2, cert: VMI-AS-2026-0412, due: 2099-12-31, manufacturer: Druck, model: PACE 5000 }
EOF2
	cb instrument add --file "$T/gauges.yaml"
	expect_rc 0
	cb standard add --file "$T/ref.yaml"
	expect_rc 0
	SIM_KIND=pressure sim_tcp ref --protocol pace --tau-ms 5 --dwell-ms 10 --seed 5
	cat >"$T/bench.yaml" <<EOF2
bench: manifold
instruments:
  - id: ref1
    driver: pace
    port: tcp:127.0.0.1:$SIM_PORT
    standard: PACE-01
EOF2
	{
		echo ok
		for i in $(seq 0 40) $(seq 40 -1 0); do
			awk -v i="$i" 'BEGIN { printf "%.2f\n", i * 0.25 }'
		done
	} >"$T/answers"
}

# The shipped procedure FILE with 41 points and a short settle hold.
pressure_procedure() { # FILE OUT
	sed -e 's/^\(  \)count: by-class.*/\1count: 41/' -e 's/^  sequence: dkd-r6-1.*/  count: 41\n  sequence: up-down/' \
		-e 's/^  hold_s: [0-9]*/  hold_s: 0.05/' -e 's/^  poll_ms: [0-9]*/  poll_ms: 10/' \
		-e 's/^  preload_hold_s: [0-9]*/  preload_hold_s: 0/' "$1" >"$2"
	grep -q 'count: 41' "$2" || fail "$1: no point count to change"
}

# A calibration of 41 points: U, k and the coverage probability; two pages.
test_pressure_calibration_pages() {
	local no
	lab_settings
	pressure_setup
	pressure_procedure "$SRC/procedures/defs/dkd-r6-1-bourdon-calibration.yaml" "$T/proc.yaml"
	cb run --procedure "$T/proc.yaml" --instrument AK-9 --mode periodic --bench "$T/bench.yaml" \
		--answers "$T/answers" --operator "$OPERATOR"
	expect_rc 0
	sim_stop ref
	no=$(sed -nE "s/^Calibration certificate: ($NUMBER_RE),.*/\1/p" "$T/out")
	[ -n "$no" ] || fail "no calibration certificate"
	cb cert pdf "$no"
	expect_rc 0
	expect_out "^$no: $no\\.pdf, 2 pages, [0-9]+ bytes$"
	expect_numbered_pages "$T/$no.pdf" "$no" 2
	pdf_text "$T/$no.pdf"
	has "GIẤY CHỨNG NHẬN HIỆU CHUẨN"
	has "CALIBRATION CERTIFICATE"
	has "$OWNER"
	has "Hiệu chuẩn theo yêu cầu của khách hàng / calibration at the customer's request"
	has "multiplied by the coverage factor k = 2, which for a normal distribution corresponds to a coverage probability of approximately 95 %."
	has "hệ số phủ k = 2"
	has "xác suất phủ xấp xỉ 95 %"
	has "Tuyên bố sự phù hợp: PHÙ HỢP"
	has "Kết quả trong giấy chứng nhận hiệu chuẩn này"
	has_line "PACE-01 +chuẩn áp suất / pressure reference, Druck PACE"
	has_line "U = 0\\.0004 bar \\+ 0\\.01 % of \\|p\\| \\(k = 2\\) +VMI-AS-2026-0412 +2099-12-31"
	# a result with its U (two significant digits), k and ν_eff; the error to U's decimals
	has_line '^ *41 +calibration +10 bar +10 +[0-9.]+ +10\.00 +-?0\.0[0-9]{2} +0\.16 +bar +0\.0[0-9]{2} +2\.00 +∞ +Đạt \(PASS\)$'
	! grep -qF "Thời hạn đến" "$T/flat" || fail "a calibration certificate states no validity"
	expect_qr_of "$T/$no.pdf" "$no"
}

# 123 result rows (41 points up, down and their hysteresis): three pages, the
# table's header on each, every row once and whole.
test_pressure_long_table() {
	local no k n seq
	lab_settings
	pressure_setup
	pressure_procedure "$SRC/procedures/defs/en837-1-bourdon-verification.yaml" "$T/proc.yaml"
	cb run --procedure "$T/proc.yaml" --instrument AK-9 --mode periodic --bench "$T/bench.yaml" \
		--answers "$T/answers"
	expect_rc 0
	sim_stop ref
	no=$(sed -nE "s/^Certificate: ($NUMBER_RE),.*/\1/p" "$T/out")
	[ -n "$no" ] || fail "no certificate"
	[ "$(sql "SELECT count(*) FROM results r JOIN certificates c ON c.run_id = r.run_id WHERE c.number = '$no'")" = 123 ] ||
		fail "expected 123 results"
	cb cert pdf "$no" -o "$T/long.pdf"
	expect_rc 0
	n=$(pages_of "$T/long.pdf")
	[ "$n" -ge 3 ] || fail "123 rows on $n pages"
	expect_numbered_pages "$T/long.pdf" "$no" "$n"
	: >"$T/rows"
	for ((k = 1; k <= n; k++)); do
		pdf_text "$T/long.pdf" "$k"
		if grep -qE '^ *[0-9]+ +(pressure|hysteresis) ' "$T/lay"; then
			# the header on every page with rows, above them
			has_line '^ *TT +Phép thử +Điểm đo +Danh định +Chuẩn +Chỉ thị +Sai số +SSCP +Đơn vị +Kết quả$'
			has_line '^ *No\. +Test +Point +Nominal +Reference +Indication +Error +MPE +Unit +Verdict$'
			[ "$k" = 1 ] || has "(tiếp theo / continued)"
		fi
		# a whole row: number, test, point, the numbers, unit and verdict on one line
		grep -E '^ *[0-9]+ +(pressure|hysteresis) ' "$T/lay" >>"$T/rows"
	done
	[ "$(wc -l <"$T/rows")" = 123 ] || fail "$(wc -l <"$T/rows") rows found, expected 123"
	for seq in $(seq 123); do
		[ "$(grep -cE "^ *$seq +(pressure|hysteresis) .* bar +Đạt \\(PASS\\)$" "$T/rows")" = 1 ] ||
			fail "row $seq is not there exactly once, whole"
	done
	pdf_text "$T/long.pdf" "$n"
	has "Kết luận: Đạt yêu cầu kỹ thuật đo lường"
	has "— Hết / End of document —"
}

run_tests

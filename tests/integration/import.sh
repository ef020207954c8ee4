#!/usr/bin/env bash
# calbench import --csv: a centre's register kept in a spreadsheet brought in
# through the CLI (docs/import.md). The register is written here the way
# LibreOffice saves "CSV UTF-8" (Vietnamese headers, quoted commas, CRLF);
# then: the summary, the history in `instrument show`, the counts in
# `stats`, the answers of `verify`, the same file refused a second time, a
# dry run that writes nothing, --column and --map for other headers, and the
# errors (exit 1, every error on stderr naming line and column, the
# database unchanged).
#
#   bash import.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# write_register FILE: four rows, one instrument failing then repaired
write_register() {
	printf '%s\r\n' \
		'STT,Ngày kiểm định,Tên phương tiện đo,Hãng sản xuất,Kiểu,Số,Đơn vị sử dụng,Phương pháp,Chế độ kiểm định,Kết quả,Số GCN,Thời hạn đến,Kiểm định viên,Ghi chú' \
		'1,05/02/2024,Cân kỹ thuật,Ohaus,PA214,B12345,"Công ty CP Thực phẩm, Yên Bái",ĐLVN 16:2009,Định kỳ,Đạt,3681 - 24 (YB),05/02/2025,Nguyễn Văn A,' \
		'2,06/02/2024,Đồng hồ nước lạnh cơ khí,Itron,Multimag,W-778,Hộ gia đình,ĐLVN 17:2017,Ban đầu,Không đạt,BB-12,,Trần Thị B,"rò rỉ, thay gioăng"' \
		'3,12/03/2024,Đồng hồ nước lạnh cơ khí,Itron,Multimag,W-778,Hộ gia đình,ĐLVN 17:2017,Sau sửa chữa,Đạt,3702 - 24 (YB),12/03/2029,Trần Thị B,' \
		'4,13/03/2024,Huyết áp kế,ALPK2,500V,HA-9,Trạm y tế xã,ĐLVN 09:2011,Định kỳ,Đạt,3703 - 24 (YB),13/03/2025,Lê C,' \
		>"$1"
}

counts() { # instruments imports history
	echo "$(sql 'SELECT count(*) FROM instruments') $(sql 'SELECT count(*) FROM imports') $(sql 'SELECT count(*) FROM history')"
}

test_import_register() {
	write_register "$T/so-2024.csv"
	cb import --csv "$T/so-2024.csv"
	expect_rc 0
	expect_out '^Imported .*so-2024.csv as import 1: 4 rows$'
	expect_out '^  verifications  3 pass, 1 fail$'
	expect_out '^  dates          2024-02-05 to 2024-03-13$'
	expect_out '^  instruments    3 new, 0 already in the register$'
	expect_out '^  not read       STT, Ghi chú$'
	[ "$(counts)" = "3 1 4" ] || fail "counts: $(counts)"

	# the history, with the imported rows marked and the counts
	cb instrument show W-778
	expect_rc 0
	expect_out '^W-778  Đồng hồ nước lạnh cơ khí$'
	expect_out 'owner Hộ gia đình'
	expect_out 'no metrological data in the register'
	expect_out '^  history: 2 verification\(s\), 1 pass, 1 fail; 2 imported$'
	expect_out '^  2024-02-06  import 1:3 +verification +initial +fail +BB-12'
	expect_out '^  2024-03-12  import 1:4 +verification +after-repair +pass +3702 - 24 \(YB\) +2029-03-12$'
	cb instrument show W-778 --json
	expect_rc 0
	expect_json
	/usr/bin/python3 - "$T/out" <<'EOF' || fail "instrument show --json"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["pass"] == 1 and d["fail"] == 1 and d["imported"] == 2, d
h = d["history"]
assert [x["result"] for x in h] == ["fail", "pass"], h
assert h[1]["number"] == "3702 - 24 (YB)" and h[1]["line"] == 4 and h[1]["source"] == "import"
EOF

	# counted by the statistics, the repaired meter twice
	cb stats --by type,source
	expect_rc 0
	expect_out '^4 instruments verified, 3 pass, 1 fail, 75.00 %$'
	expect_out '^Đồng hồ nước lạnh cơ khí +import +2 +1 +1 +50.00 %$'

	# answered by verify as imported records
	cb verify "3681 - 24 (yb)"
	expect_rc 11
	expect_out '^3681 - 24 \(YB\): expired$'
	expect_out 'imported +from .*so-2024.csv, line 2'
	cb verify "3702 - 24 (YB)" --json
	expect_rc 0
	expect_json
	expect_out '"imported": \{"file": '
	cb verify BB-12
	expect_rc 13
	expect_out 'failure record'

	# once only
	cb import --csv "$T/so-2024.csv"
	expect_rc 1
	expect_one_line_error 'so-2024.csv: this file was imported before \(import 1, '
	[ "$(counts)" = "3 1 4" ] || fail "counts after a second import: $(counts)"

	# the register again, a row added: refused, then the new row alone
	cp "$T/so-2024.csv" "$T/so-2024-v2.csv"
	printf '%s\r\n' '5,20/03/2024,Huyết áp kế,ALPK2,500V,HA-10,Trạm y tế xã,ĐLVN 09:2011,Định kỳ,Đạt,3704 - 24 (YB),20/03/2025,Lê C,' >>"$T/so-2024-v2.csv"
	cb import --csv "$T/so-2024-v2.csv"
	expect_rc 1
	expect_err "line 2, column 'Số GCN' \(number\): '3681 - 24 \(YB\)' is already line 2 of .*so-2024.csv, imported .*\(a register brought in again with new rows: --skip-imported\)"
	cb import --csv "$T/so-2024-v2.csv" --skip-imported
	expect_rc 0
	expect_out '^Imported .*so-2024-v2.csv as import 2: 1 rows$'
	expect_out '^  skipped        4 rows an earlier import brought in$'
	[ "$(counts)" = "4 2 5" ] || fail "counts after the new rows: $(counts)"
}

test_import_dry_run() {
	write_register "$T/so.csv"
	cb import --csv "$T/so.csv" --dry-run
	expect_rc 0
	expect_out '^Checked .*so.csv: 4 rows would be imported \(dry run: nothing written\)$'
	[ ! -e "$CALBENCH_DB" ] || fail "a dry run made the database"
	cb import --csv "$T/so.csv" --json
	expect_rc 0
	expect_json
	expect_out '"rows": 4'
	cb import --csv "$T/so.csv" --dry-run
	expect_rc 1
	expect_err 'imported before'
}

# A late error: row 4,512 of 5,000; nothing imported, the error names line and column.
test_import_late_error() {
	/usr/bin/python3 - "$T/big.csv" <<'EOF'
import csv, sys
with open(sys.argv[1], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f)
    w.writerow(["Ngày kiểm định", "Loại PTĐ", "Số", "Kết quả", "Số GCN"])
    for i in range(2, 5002):
        w.writerow(["%02d/%02d/2025" % (1 + i % 28, 1 + i % 12), "công tơ điện 1 pha",
                    "CT-%d" % i, "đạt" if i != 4512 else "dat?", "N-%d" % i])
EOF
	cb import --csv "$T/big.csv"
	expect_rc 1
	expect_err "big.csv: line 4512, column 'Kết quả' \(result\): 'dat\?' is neither pass nor fail"
	expect_err '^calbench: import: .*big.csv: 1 error; nothing imported$'
	[ "$(counts)" = "0 0 0" ] || fail "counts after a failed import: $(counts)"
}

test_import_errors() {
	printf 'date,loại,serial,result\n2024-01-02,x,1,pass\n' >"$T/h.csv"
	cb import --csv "$T/h.csv"
	expect_rc 1
	expect_err 'h.csv: line 1: no column for type \(looked for: type\|'
	printf 'date,type,serial,result,number\n2024-13-02,x,1,pass,A\n2024-01-02,x,2,maybe,B\n2024-01-03,x,3,pass,A\n' >"$T/bad.csv"
	cb import --csv "$T/bad.csv"
	expect_rc 1
	expect_err "^.*bad.csv: line 2, column 'date' \(date\): '2024-13-02' is not a date"
	expect_err "^.*bad.csv: line 3, column 'result' \(result\): 'maybe' is neither pass nor fail"
	expect_err "^.*bad.csv: line 4, column 'number' \(number\): 'A' is also on line 2$"
	expect_err '3 errors; nothing imported'
	printf 'date,type,serial,result\n2024-01-02,x,"open,pass\n' >"$T/q.csv"
	cb import --csv "$T/q.csv"
	expect_rc 1
	expect_err 'line 2, field 3: a quote opened here is never closed'
	printf 'date,type,serial,result\n2024-01-02,x,\xff,pass\n' >"$T/latin1.csv"
	cb import --csv "$T/latin1.csv"
	expect_rc 1
	expect_err 'line 2, field 3: not UTF-8 text'
	cb import --csv "$T/none.csv"
	expect_rc 1
	expect_one_line_error "^calbench: import: cannot read .*none.csv: No such file or directory$"
	cb import
	expect_rc 64
	cb import --csv "$T/h.csv" --column colour=Farbe
	expect_rc 64
	expect_err "unknown field 'colour' \(known: date, type, manufacturer"
	cb import --csv "$T/h.csv" --delimiter '|'
	expect_rc 64
	# injection in a value is stored as text
	printf "date,type,serial,result\n2024-01-02,x');DROP TABLE history;--,S-1,pass\n" >"$T/inj.csv"
	cb import --csv "$T/inj.csv"
	expect_rc 0
	[ "$(sql "SELECT type FROM history")" = "x');DROP TABLE history;--" ] || fail "injection text"
}

# Another centre's header: named with --column, or a mapping file.
test_import_mapping() {
	printf 'Ngay;Thiet bi;So may;KQ;Che do\n2025-04-03;cân bàn;CB-1;dat;dinh ky\n' >"$T/other.csv"
	cb import --csv "$T/other.csv"
	expect_rc 1
	expect_err 'no column for type'
	cb import --csv "$T/other.csv" --column "date=Ngay" --column "type=Thiet bi" \
		--column serial="So may" --column result=KQ --column mode="Che do" --dry-run
	expect_rc 0
	expect_out 'columns +date=Ngay; type=Thiet bi; serial=So may; mode=Che do; result=KQ$'
	printf '# our register\ndate = Ngay\ntype=Thiet bi\r\nserial=So may\nresult=KQ\nmode=Che do\n' >"$T/map.txt"
	cb import --csv "$T/other.csv" --map "$T/map.txt"
	expect_rc 0
	[ "$(sql "SELECT event_date || ' ' || mode || ' ' || result FROM history")" = "2025-04-03 periodic pass" ] ||
		fail "mapped row: $(sql 'SELECT * FROM history')"
	printf 'date=Ngay\ncolour=x\n' >"$T/badmap.txt"
	cb import --csv "$T/other.csv" --map "$T/badmap.txt"
	expect_rc 64
	expect_err "badmap.txt:2: unknown field 'colour'"
}

run_tests "$@"

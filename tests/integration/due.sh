#!/usr/bin/env bash
# calbench due, interval and owner (docs/due.md) through the CLI: the shipped
# intervals loaded, an interval set by hand taking effect on its date, owners'
# contacts, verifications as imported register rows (inserted with sqlite3 as
# `calbench import` writes them) and as real runs (a fuel dispenser against a
# proving can: no simulator), reference standards of three kinds; the table,
# CSV read back with Python's csv module, JSON read back with Python's json
# module; the window's edges; the errors.
#
#   bash due.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

TODAY=2026-05-15
OWNER_Q='Công ty "Xăng dầu", Quảng Ngãi'
OWNER_B='Hợp tác xã Bình Sơn'
ROW=0

# q TEXT: TEXT as an SQL string literal
q() { printf "'%s'" "${1//\'/\'\'}"; }

# instrument_sql ID TYPE OWNER MONTHS: an instrument as an import registers it
# (the CLI asks every instrument for an interval of its own: 0 is not taken)
instrument_sql() {
	sql "INSERT INTO instruments (id, type, serial, owner, interval_months, created_at)
	     VALUES ($(q "$1"), $(q "$2"), $(q "S-$1"), $(q "$3"), $4, '2026-01-01T00:00:00Z')"
}

# imported ID DATE VALID_UNTIL RESULT NUMBER: one verification from a register
imported() {
	ROW=$((ROW + 1))
	sql "INSERT INTO history (source, import_id, import_row, number, instrument_id,
	       activity, event_date, valid_until, result, mode, type, owner)
	     SELECT 'import', 1, $ROW, $(q "$5"), id, 'verification', $(q "$2"), $(q "$3"),
	       $(q "$4"), 'periodic', type, owner FROM instruments WHERE id = $(q "$1")"
}

# Due on 2026-05-15 within 30 days (until 2026-06-14), by due date:
#   BAN-1   2025-09-10  imported pass 2025-03-10, cân bàn: 6 months from 2025-01-01
#   BAN-0   2025-12-20  imported pass 2024-12-20, cân bàn: 12 months then [U]
#   PACE-01 2026-04-01  pressure standard
#   AK-1    2026-05-02  failed, not re-verified
#   CAN-B   2026-05-20  volume standard
#   W10K    2026-06-01  weight M1
#   AK-2    2026-06-14  certificate KĐ-1 valid until then (today + 30)
# Not: AK-3 (2026-06-15, + 31), DHN-1 (2021-06-30 + 60 months: 2026-06-30),
# AK-4 (never verified), W20K (2027).
setup_centre() {
	cb interval load "$SRC/data/intervals-vn.yaml"
	expect_rc 0
	expect_out '^loaded 22 intervals from .*intervals-vn\.yaml: 22 added, 0 changed, 0 unchanged$'
	cb interval set "Cân bàn" 6 --from 2025-01-01 --source "QĐ 12/2025 của trung tâm"
	expect_rc 0
	expect_out "^interval of 'Cân bàn' from 2025-01-01: 6 months \(added\)$"
	cb owner set "$OWNER_Q" --contact "Nguyễn Văn Đức" --phone "0905 123 456" \
		--email duc@example.vn --address "12 Lê Lợi, Quảng Ngãi"
	expect_rc 0
	expect_out "^added owner 'Công ty \"Xăng dầu\", Quảng Ngãi'$"
	cb owner set "$OWNER_B" --phone "0255 3 822 111"
	expect_rc 0
	sql "INSERT INTO imports (id, file_name, file_sha256, rows, imported_at)
	     VALUES (1, 'so-kiem-dinh.csv', printf('%064d', 0), 8, '2026-01-01T00:00:00Z')"
	instrument_sql BAN-1 "Cân bàn 60 kg" "$OWNER_B" 0
	instrument_sql BAN-0 "CÂN BÀN 60 kg" "$OWNER_B" 0
	instrument_sql DHN-1 "đồng hồ đo nước lạnh cơ khí DN15" "$OWNER_Q" 0
	instrument_sql AK-1 "áp kế lò xo" "$OWNER_Q" 12
	instrument_sql AK-2 "áp kế lò xo" "$OWNER_Q" 12
	instrument_sql AK-3 "áp kế lò xo" "$OWNER_B" 12
	instrument_sql AK-4 "áp kế lò xo" "$OWNER_B" 12
	imported BAN-1 2025-03-10 "" pass ""
	imported BAN-0 2024-12-20 "" pass "KĐ-0"
	imported DHN-1 2021-06-30 "" pass ""
	imported AK-1 2025-05-02 2026-05-02 pass "KĐ-9"
	imported AK-1 2026-05-02 "" fail "BB-3"
	imported AK-2 2025-06-14 2026-06-14 pass "KĐ-1"
	imported AK-3 2025-06-15 2026-06-15 pass "KĐ-2"
	cb standard add --id W10K --class M1 --nominal 10kg --correction -0.12g --u 0.16g --k 2 \
		--cert KL-2026-0102 --due 2026-06-01
	expect_rc 0
	cb standard add --id W20K --class M1 --nominal 20kg --correction 0.31g --u 0.33g --k 2 \
		--cert KL-2026-0101 --due 2027-06-01
	expect_rc 0
	cb standard add --kind pressure --id PACE-01 --unit bar --range 0..10 --u 0.001 --k 2 \
		--cert AS-77 --due 2026-04-01 --serial 4711
	expect_rc 0
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2026-05-20
	expect_rc 0
}

test_table() {
	setup_centre
	cb due --today "$TODAY"
	expect_rc 0
	expect_out '^Due within 30 days of 2026-05-15 \(until 2026-06-14\): 4 instruments, 3 standards; 4 overdue$'
	expect_out '^due +when +kind +id +type +owner +phone +basis$'
	expect_out '^2025-09-10 +overdue 247 d +instrument +BAN-1 +Cân bàn 60 kg +Hợp tác xã Bình Sơn +0255 3 822 111 +interval 6 months \(QĐ 12/2025 của trung tâm\) from 2025-03-10$'
	expect_out '^2025-12-20 +overdue 146 d +instrument +BAN-0 .* +interval 12 months \(in the Group 2 list; value not retrieved, .*\[U\]\) from 2024-12-20$'
	expect_out '^2026-04-01 +overdue 44 d +standard +PACE-01 +pressure standard +calibration certificate AS-77, due 2026-04-01$'
	expect_out '^2026-05-02 +overdue 13 d +instrument +AK-1 +áp kế lò xo +Công ty "Xăng dầu", Quảng Ngãi +0905 123 456 +failed on 2026-05-02, not re-verified$'
	expect_out '^2026-05-20 +in 5 d +standard +CAN-B +volume standard +calibration certificate VMI-2, due 2026-05-20$'
	expect_out '^2026-06-01 +in 17 d +standard +W10K +weight M1 +calibration certificate KL-2026-0102, due 2026-06-01$'
	expect_out '^2026-06-14 +in 30 d +instrument +AK-2 +.* +certificate KĐ-1 valid until 2026-06-14$'
	expect_no_out 'AK-3|AK-4|DHN-1|W20K'
	[ "$(grep -c '^20[0-9][0-9]-' "$T/out")" -eq 7 ] || fail "expected 7 rows: $(cat "$T/out")"
	# in due-date order, and the columns line up (characters, not bytes)
	/usr/bin/python3 - "$T/out" <<'PY' ||
import sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
head = next(l for l in lines if l.startswith('due '))
rows = [l for l in lines if l[:2] == '20']
assert [r.split()[0] for r in rows] == sorted(r.split()[0] for r in rows), rows
ids = [r[head.index('id'):].split()[0] for r in rows]
assert ids == ['BAN-1', 'BAN-0', 'PACE-01', 'AK-1', 'CAN-B', 'W10K', 'AK-2'], ids
for col in ('kind', 'id', 'type', 'owner', 'phone', 'basis'):
    i = head.index(col)
    for r in rows:
        assert r[i - 2:i] == '  ', (col, r)
        assert r[i] != ' ' or col in ('owner', 'phone'), (col, r)  # standards have none
PY
		fail "table: $(cat "$T/out")"
	# the window's edges: + 31 days takes AK-3, + 46 days DHN-1 (60 months)
	cb due --today "$TODAY" --within 31d
	expect_rc 0
	expect_out '^2026-06-15 +in 31 d +instrument +AK-3 '
	expect_no_out 'DHN-1'
	cb due --today "$TODAY" --within 46
	expect_rc 0
	expect_out '^2026-06-30 +in 46 d +instrument +DHN-1 +đồng hồ đo nước lạnh cơ khí DN15 .* +interval 60 months \(Thông tư 23/2013/TT-BKHCN, items 20-21 \[V2 S23, S14\]\) from 2021-06-30$'
	# window 0: what is overdue or due today
	cb due --today 2026-05-20 --within 0
	expect_rc 0
	expect_out '^Due within 0 days of 2026-05-20 \(until 2026-05-20\): 3 instruments, 2 standards; 4 overdue$'
	expect_out '^2026-05-20 +today +standard +CAN-B '
	# the interval in force: the shipped row and the centre's own
	cb interval show "CÂN BÀN 60 kg" --date 2024-12-31
	expect_rc 0
	expect_out "^12 months on 2024-12-31: type 'cân bàn' from 2013-11-15 \(.*\[U\]\)$"
	cb interval show "cân bàn" --date 2025-01-01
	expect_rc 0
	expect_out "^6 months on 2025-01-01: type 'Cân bàn' from 2025-01-01 \(QĐ 12/2025 của trung tâm\)$"
	cb interval list
	expect_rc 0
	expect_out '^Cân bàn +2025-01-01 +6 +QĐ 12/2025 của trung tâm$'
	expect_out '^cân bàn +2013-11-15 +12 +'
	[ "$(grep -c ' 20[0-9][0-9]-' "$T/out")" -eq 23 ] || fail "interval list: $(cat "$T/out")"
	cb owner get "$OWNER_Q"
	expect_rc 0
	expect_out '^phone +0905 123 456$'
	expect_out '^address +12 Lê Lợi, Quảng Ngãi$'
	# set keeps what is not given
	cb owner set "$OWNER_Q" --phone "0905 999 999"
	expect_rc 0
	expect_out "^updated owner "
	cb owner get "$OWNER_Q"
	expect_out '^phone +0905 999 999$'
	expect_out '^email +duc@example\.vn$'
	cb owner list
	expect_rc 0
	expect_out '^Công ty "Xăng dầu", Quảng Ngãi +Nguyễn Văn Đức +0905 999 999 +duc@example\.vn +12 Lê Lợi, Quảng Ngãi$'
	expect_out '^Hợp tác xã Bình Sơn +0255 3 822 111 +$'
}

test_csv() {
	setup_centre
	cb due --today "$TODAY" --format csv -o "$T/due.csv"
	expect_rc 0
	[ ! -s "$T/out" ] || fail "stdout with -o: $(cat "$T/out")"
	/usr/bin/python3 - "$T/due.csv" "$OWNER_Q" <<'PY' || fail "CSV: $(cat "$T/due.csv")"
import csv, sys
path, owner_q = sys.argv[1:3]
raw = open(path, 'rb').read()
assert raw.endswith(b'\r\n') and b'\n' not in raw.replace(b'\r\n', b''), 'CRLF line ends'
with open(path, encoding='utf-8', newline='') as f:
    rows = list(csv.reader(f))
assert rows[0] == ['kind', 'id', 'type', 'serial', 'owner', 'contact', 'phone', 'email',
                   'address', 'last_date', 'last_result', 'last_number', 'due_date',
                   'days_left', 'basis'], rows[0]
body = [dict(zip(rows[0], r)) for r in rows[1:]]
assert [r['id'] for r in body] == ['BAN-1', 'BAN-0', 'PACE-01', 'AK-1', 'CAN-B', 'W10K', 'AK-2'], body
ak1 = body[3]
assert ak1 == {
    'kind': 'instrument', 'id': 'AK-1', 'type': 'áp kế lò xo', 'serial': 'S-AK-1',
    'owner': owner_q, 'contact': 'Nguyễn Văn Đức', 'phone': '0905 123 456',
    'email': 'duc@example.vn', 'address': '12 Lê Lợi, Quảng Ngãi',
    'last_date': '2026-05-02', 'last_result': 'fail', 'last_number': 'BB-3',
    'due_date': '2026-05-02', 'days_left': '-13',
    'basis': 'failed on 2026-05-02, not re-verified'}, ak1
pace = body[2]
assert pace['kind'] == 'standard' and pace['type'] == 'pressure standard', pace
assert pace['serial'] == '4711' and pace['last_number'] == 'AS-77' and pace['owner'] == '', pace
assert pace['last_date'] == '' and pace['days_left'] == '-44', pace
assert [int(r['days_left']) for r in body] == [-247, -146, -44, -13, 5, 17, 30], body
assert body[-1]['basis'] == 'certificate KĐ-1 valid until 2026-06-14', body[-1]
PY
	grep -q '"Công ty ""Xăng dầu"", Quảng Ngãi"' "$T/due.csv" || fail "quotes not doubled"
	grep -q '"12 Lê Lợi, Quảng Ngãi"' "$T/due.csv" || fail "a comma not quoted"
}

test_json() {
	setup_centre
	cb due --today "$TODAY" --within 31d --format json
	expect_rc 0
	expect_json
	/usr/bin/python3 - "$T/out" "$OWNER_B" <<'PY' || fail "JSON: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
assert d['today'] == '2026-05-15' and d['within_days'] == 31 and d['until'] == '2026-06-15', d
items = d['items']
assert [x['id'] for x in items] == ['BAN-1', 'BAN-0', 'PACE-01', 'AK-1', 'CAN-B', 'W10K',
                                    'AK-2', 'AK-3'], items
assert [x['overdue'] for x in items] == [True] * 4 + [False] * 4, items
ban = items[0]
assert ban['owner'] == sys.argv[2] and ban['phone'] == '0255 3 822 111', ban
assert ban['last_date'] == '2025-03-10' and ban['last_result'] == 'pass', ban
assert ban['last_number'] is None and ban['due_date'] == '2025-09-10', ban
assert ban['days_left'] == -247, ban
w = items[5]
assert w['kind'] == 'standard' and w['type'] == 'weight M1' and w['last_date'] is None, w
assert items[7]['due_date'] == '2026-06-15' and items[7]['days_left'] == 31, items[7]
PY
}

# A fuel dispenser against a proving can: the documents of real runs decide.
dispenser_verify() { # ID SHOWN_AT_QMAX MODE WANT_RC (20.05 passes, 20.15 fails)
	{
		printf 'ok\nok\nok\n20.000\n%s\n' "$2"
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml" \
		--instrument "$1" --standard CAN-X --mode "$3" --answers "$T/answers"
	expect_rc "$4"
}

# months_after DATE N: DATE + N months, same day clamped to the month's end
months_after() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import calendar, sys
y, m, d = map(int, sys.argv[1].split('-'))
m += int(sys.argv[2]) - 1
y, m = y + m // 12, m % 12 + 1
print('%04d-%02d-%02d' % (y, m, min(d, calendar.monthrange(y, m)[1])))
PY
}

test_runs() {
	cb interval load "$SRC/data/intervals-vn.yaml"
	expect_rc 0
	cb standard add --id CAN-X --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-3 --due 2099-12-31
	expect_rc 0
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" \
		--serial P-CX-1 --owner "$OWNER_Q" --class 0.5 --unit L \
		--d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	# CX-0: the same dispenser registered without an interval of its own: the
	# type's decides (refused for a type the table does not know)
	cb instrument add --id CX-9 --kind fuel-dispenser --type "máy lạ" \
		--serial P-CX-9 --class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min"
	expect_rc 1
	expect_one_line_error "^calbench: --interval: give the verification interval in months, 1..240 \(e.g. 12\), or set one for the type"
	cb instrument add --id CX-0 --kind fuel-dispenser --type "cột đo xăng dầu" \
		--serial P-CX-0 --owner "$OWNER_Q" --class 0.5 --unit L \
		--d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min"
	expect_rc 0
	[ "$(sql "SELECT interval_months FROM instruments WHERE id = 'CX-0'")" = 0 ] || fail "CX-0 interval"
	cb instrument show CX-0
	expect_out 'interval of its type \(calbench interval list\)$'
	cb interval set "cột đo xăng dầu" 18 --from 2020-01-01 --source "test"
	expect_rc 0

	dispenser_verify CX-1 20.05 periodic 0
	local issue no valid
	issue=$(sql "SELECT issue_date FROM certificates WHERE instrument_id = 'CX-1'")
	no=$(sql "SELECT number FROM certificates WHERE instrument_id = 'CX-1'")
	valid=$(sql "SELECT valid_until FROM certificates WHERE instrument_id = 'CX-1'")
	[ "$valid" = "$(months_after "$issue" 12)" ] || fail "valid until $valid, issued $issue"
	cb due --today "$valid" --within 0
	expect_rc 0
	expect_out "^$valid +today +instrument +CX-1 +cột đo xăng dầu +.* +certificate $no valid until $valid$"
	cb due --today "$issue"
	expect_rc 0
	expect_out "^nothing due within 30 days \(as of $issue\)$"

	# failed: due at once; the failure record revoked: the certificate again
	dispenser_verify CX-1 20.15 after-repair 2
	local rec
	rec=$(sql "SELECT number FROM certificates WHERE instrument_id = 'CX-1' AND kind = 'failure'")
	cb due --today "$issue" --within 0
	expect_rc 0
	expect_out "^$issue +today +instrument +CX-1 .* +failed on $issue, not re-verified$"
	cb cert revoke "$rec" --reason "recorded against the wrong dispenser"
	expect_rc 0
	cb due --today "$issue"
	expect_rc 0
	expect_out "^nothing due within 30 days"
	# the certificate revoked as well: never verified, never listed
	cb cert revoke "$no" --reason "void"
	expect_rc 0
	cb due --today "$valid" --within 36500
	expect_rc 0
	expect_no_out 'CX-1'

	# no interval of its own: the certificate is valid for the table's 18 months
	dispenser_verify CX-0 20.05 initial 0
	issue=$(sql "SELECT issue_date FROM certificates WHERE instrument_id = 'CX-0'")
	valid=$(sql "SELECT valid_until FROM certificates WHERE instrument_id = 'CX-0'")
	[ "$valid" = "$(months_after "$issue" 18)" ] || fail "CX-0 valid until '$valid', issued $issue"
	cb due --today "$valid" --within 0 --format csv
	expect_rc 0
	expect_out "^instrument,CX-0,cột đo xăng dầu,P-CX-0,"
}

test_empty() {
	cb owner set "Bệnh viện" --phone 1
	expect_rc 0
	cb due --today "$TODAY"
	expect_rc 0
	expect_out '^nothing due within 30 days \(as of 2026-05-15\)$'
	[ "$(wc -l <"$T/out")" -eq 1 ] || fail "more than the sentence: $(cat "$T/out")"
	[ ! -s "$T/err" ] || fail "stderr: $(cat "$T/err")"
	cb due --today "$TODAY" --within 7d --format csv
	expect_rc 0
	[ "$(cat "$T/out")" = $'kind,id,type,serial,owner,contact,phone,email,address,last_date,last_result,last_number,due_date,days_left,basis\r' ] ||
		fail "CSV of nothing: $(cat "$T/out")"
	expect_err '^nothing due within 7 days \(as of 2026-05-15\)$'
	cb due --today "$TODAY" --format json
	expect_rc 0
	expect_json
	expect_out '"items": \[\]'
	cb interval list
	expect_rc 0
	expect_out '^no intervals'
}

test_errors() {
	setup_centre
	cb due --within 3m
	expect_rc 64
	expect_err "due: --within '3m' is not a number of days \(e\.g\. 30 or 30d\)"
	cb due --within -5
	expect_rc 64
	cb due --within 40000d
	expect_rc 64
	expect_err "due: --within 40000d is out of range \(0 to 36500 days\)"
	cb due --today 2026-02-30
	expect_rc 64
	expect_err "due: --today '2026-02-30' is not a date \(YYYY-MM-DD\)"
	cb due --format xml
	expect_rc 64
	expect_err "unknown format 'xml' \(table, csv or json\)"
	cb due --colour
	expect_rc 64
	expect_err "due: unknown option '--colour'"
	cb due soon
	expect_rc 64
	expect_err "due: unexpected argument 'soon'"
	cb due --today "$TODAY" -o "$T/no/such/dir/due.txt"
	expect_rc 1
	expect_one_line_error "cannot write $T/no/such/dir/due.txt: No such file or directory"
	cb --db "$T/none.db" due
	expect_rc 1
	expect_one_line_error "no database at $T/none.db"
	[ ! -e "$T/none.db" ] || fail "a database was made"

	cb interval set "cân bàn" 241 --from 2025-01-01
	expect_rc 1
	expect_one_line_error "interval 'cân bàn': 241 months is out of range \(0 to 240"
	cb interval set "cân bàn" twelve --from 2025-01-01
	expect_rc 64
	expect_err "interval set: 'twelve' is not a number of months"
	cb interval set "cân bàn" 12
	expect_rc 64
	expect_err "interval set: --from DATE is needed"
	cb interval set "cân bàn" 12 --from 2025-13-01
	expect_rc 1
	expect_one_line_error "effective date '2025-13-01' is not a date"
	cb interval set "" 12 --from 2025-01-01
	expect_rc 1
	expect_one_line_error "the instrument type is empty"
	cb interval show "nhiệt kế" --date 2026-01-01
	expect_rc 1
	expect_one_line_error "no interval known for type 'nhiệt kế' on 2026-01-01"
	cb interval frob
	expect_rc 64
	cb interval list --from 2025-01-01
	expect_rc 64
	expect_err "--from and --source are for set"
	# a bad file: the line named, nothing loaded
	local before
	before=$(sql "SELECT count(*) FROM intervals")
	cat >"$T/bad.yaml" <<'EOF'
intervals:
  - { type: nhiệt kế, from: 2026-01-01, months: 12 }
  - { type: ẩm kế, from: 2026-01-01, months: 300 }
EOF
	cb interval load "$T/bad.yaml"
	expect_rc 1
	expect_one_line_error "bad\.yaml:3: field 'months' must be a whole number from 0 to 240 \(nothing from .*bad\.yaml was loaded\)"
	[ "$(sql "SELECT count(*) FROM intervals")" = "$before" ] || fail "part of a bad file was loaded"
	printf 'intervals:\n  - { type: x, from: 2026-02-30, months: 1 }\n' >"$T/bad2.yaml"
	cb interval load "$T/bad2.yaml"
	expect_rc 1
	expect_one_line_error "bad2\.yaml:2: interval 'x': effective date '2026-02-30' is not a date"
	printf 'intervals:\n  - { type: x, from: 2026-01-01, month: 1 }\n' >"$T/bad3.yaml"
	cb interval load "$T/bad3.yaml"
	expect_rc 1
	expect_one_line_error "bad3\.yaml:2: intervals\[0\]: unknown field 'month'"
	printf 'types: []\n' >"$T/bad4.yaml"
	cb interval load "$T/bad4.yaml"
	expect_rc 1
	expect_one_line_error "expected a list under 'intervals:'"
	cb interval load "$T/missing.yaml"
	expect_rc 1
	expect_one_line_error "missing\.yaml: no such file"

	cb owner get "Nobody"
	expect_rc 1
	expect_one_line_error "owner: unknown owner 'Nobody'"
	cb owner get "$OWNER_Q" --phone 1
	expect_rc 64
	cb owner set "$OWNER_Q" --phone $'1\n2'
	expect_rc 1
	expect_one_line_error "phone holds a control character"
	cb owner frob
	expect_rc 64
	expect_err "owner: expected list, get NAME or set NAME"
}

run_tests

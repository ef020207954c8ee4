#!/usr/bin/env bash
# calbench stats: the counts a centre reports (domain.md §8, docs/statistics.md)
# through the CLI: the table's total line, CSV read back with Python's csv
# module (Vietnamese names, quotes and commas intact), JSON read back with
# Python's json module, and the errors. A fuel dispenser against a proving can
# makes the documents: no simulator needed.
#
#   bash stats.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PROC=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml
OWNER_Q='Công ty "Xăng dầu", Quảng Ngãi'
OWNER_B='Hợp tác xã Bình Sơn'

# dispenser_add ID OWNER
dispenser_add() {
	cb instrument add --id "$1" --kind fuel-dispenser --type "cột đo xăng dầu" \
		--serial "P-$1" --owner "$2" --class 0.5 --unit L \
		--d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
}

# dispenser_verify ID SHOWN_AT_QMAX MODE WANT_RC: one verification (20.05 passes, 20.15 fails)
dispenser_verify() {
	{
		printf 'ok\nok\nok\n20.000\n%s\n' "$2"
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$PROC" --instrument "$1" --standard CAN-B --mode "$3" \
		--operator "Nguyễn Văn Đức" --answers "$T/answers"
	expect_rc "$4"
}

# Four documents today: CX-1 pass; CX-2 fail, then pass after repair; CX-3
# pass, revoked. Counted: 3 (2 pass, 1 fail).
setup_centre() {
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	expect_rc 0
	dispenser_add CX-1 "$OWNER_Q"
	dispenser_add CX-2 "$OWNER_B"
	dispenser_add CX-3 "$OWNER_B"
	dispenser_verify CX-1 20.05 periodic 0
	dispenser_verify CX-2 20.15 periodic 2
	dispenser_verify CX-2 20.05 after-repair 0
	dispenser_verify CX-3 20.05 initial 0
	cb cert revoke "$(sql "SELECT number FROM certificates WHERE instrument_id = 'CX-3'")" \
		--reason "issued to the wrong instrument"
	expect_rc 0
	TODAY=$(sql "SELECT max(issue_date) FROM certificates")
}

test_table() {
	setup_centre
	cb stats
	expect_rc 0
	expect_out '^3 instruments verified, 2 pass, 1 fail, 66\.67 %$'
	cb stats --from "$TODAY" --to "$TODAY" --by owner,result
	expect_rc 0
	expect_out "^Verification statistics, $TODAY to $TODAY$"
	expect_out '^owner +result +total +pass +fail +pass rate$'
	expect_out '^Hợp tác xã Bình Sơn +fail +1 +0 +1 +0\.00 %$'
	expect_out '^Hợp tác xã Bình Sơn +pass +1 +1 +0 +100\.00 %$'
	expect_out '^\(all\) +3 +2 +1 +66\.67 %$'
	expect_out '^3 instruments verified, 2 pass, 1 fail, 66\.67 %$'
	# the columns line up (characters, not bytes)
	/usr/bin/python3 - "$T/out" <<'PY' ||
import sys
lines = open(sys.argv[1], encoding='utf-8').read().splitlines()
head = next(l for l in lines if l.startswith('owner'))
for l in lines:
    if l.startswith('Hợp') or l.startswith('Công'):
        assert l[head.index('result'):][:4] in ('pass', 'fail'), l
        assert len(l) == len(head), (l, head)
PY
		fail "columns not aligned: $(cat "$T/out")"
	cb stats --by mode
	expect_rc 0
	expect_out '^after-repair +1 +1 +0 +100\.00 %$'
	expect_out '^periodic +2 +1 +1 +50\.00 %$'
	expect_no_out '^initial'
	# calibrations are counted apart: none here
	cb stats --activity calibration
	expect_rc 1
	expect_one_line_error 'no calibrations in this period \(the first to the last\)'
}

test_csv() {
	setup_centre
	cb stats --by owner,mode --format csv -o "$T/stats.csv"
	expect_rc 0
	[ ! -s "$T/out" ] || fail "stdout with -o: $(cat "$T/out")"
	/usr/bin/python3 - "$T/stats.csv" "$OWNER_Q" "$OWNER_B" <<'PY' || fail "CSV: $(cat "$T/stats.csv")"
import csv, sys
path, owner_q, owner_b = sys.argv[1:4]
with open(path, encoding='utf-8', newline='') as f:
    rows = list(csv.reader(f))
assert rows[0] == ['owner', 'mode', 'total', 'pass', 'fail', 'pass_rate'], rows[0]
body = {(r[0], r[1]): r[2:] for r in rows[1:-1]}
assert body == {
    (owner_b, 'after-repair'): ['1', '1', '0', '100.00'],
    (owner_b, 'periodic'): ['1', '0', '1', '0.00'],
    (owner_q, 'periodic'): ['1', '1', '0', '100.00'],
}, body
assert rows[-1] == ['(all)', '', '3', '2', '1', '66.67'], rows[-1]
for r in rows[1:]:
    assert int(r[-3]) + int(r[-2]) == int(r[-4]), r
PY
	grep -q '"Công ty ""Xăng dầu"", Quảng Ngãi"' "$T/stats.csv" || fail "quotes not doubled"
}

test_json() {
	setup_centre
	cb stats --from "$TODAY" --by mode,result --format json
	expect_rc 0
	/usr/bin/python3 - "$T/out" "$TODAY" <<'PY' || fail "JSON: $(cat "$T/out")"
import json, sys
d = json.load(open(sys.argv[1], encoding='utf-8'))
assert d['activity'] == 'verification', d
assert d['period'] == {'from': sys.argv[2], 'to': None}, d['period']
assert d['dimensions'] == ['mode', 'result'], d['dimensions']
assert d['total'] == {'total': 3, 'pass': 2, 'fail': 1, 'pass_rate': 66.67}, d['total']
g = {(x['mode'], x['result']): (x['total'], x['pass'], x['fail']) for x in d['groups']}
assert g == {('after-repair', 'pass'): (1, 1, 0), ('periodic', 'fail'): (1, 0, 1),
             ('periodic', 'pass'): (1, 1, 0)}, g
assert sum(x['total'] for x in d['groups']) == d['total']['total']
PY
}

test_errors() {
	setup_centre
	cb stats --by type,colour
	expect_rc 64
	expect_err "unknown dimension 'colour' \(known: type, mode, result, month, quarter, year, owner, operator, procedure, method\)"
	cb stats --from 2026-13-01
	expect_rc 1
	expect_one_line_error "--from: '2026-13-01' is not a date"
	cb stats --to yesterday
	expect_rc 1
	expect_one_line_error "--to: 'yesterday' is not a date"
	cb stats --from 2026-06-30 --to 2026-01-01
	expect_rc 1
	expect_one_line_error '--from 2026-06-30 is after --to 2026-01-01'
	cb stats --from 2001-01-01 --to 2001-06-30 --format csv -o "$T/empty.csv"
	expect_rc 1
	expect_one_line_error 'no verifications in this period \(2001-01-01 to 2001-06-30\)'
	[ ! -e "$T/empty.csv" ] || fail "a file was written for an empty period"
	cb stats -o "$T/no/such/dir/stats.txt"
	expect_rc 1
	expect_one_line_error "cannot write $T/no/such/dir/stats.txt: No such file or directory"
	cb stats --format html
	expect_rc 64
	expect_err "unknown format 'html'"
	cb stats --activity testing
	expect_rc 64
	expect_err "unknown activity 'testing'"
}

run_tests

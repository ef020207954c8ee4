#!/usr/bin/env bash
# calbench stats: the counts a centre reports (domain.md §8, docs/statistics.md)
# through the CLI: the table's total line, CSV read back with Python's csv
# module (Vietnamese names, quotes and commas intact), JSON read back with
# Python's json module, the HTML report read back with Python's html.parser
# and checked by xmllint, and the errors. A fuel dispenser against a proving can
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

# The HTML report: one self-contained page, the grouped table with its total
# row, the centre's sentence, two inline SVG charts (per month, per type), the
# register's text escaped (a hostile type and owner), no script, no network.
test_html() {
	setup_centre
	# CX-4: a hostile type and owner, a pass. Counted: 4 (3 pass, 1 fail).
	cb instrument add --id CX-4 --kind fuel-dispenser --type '<script>x</script>' \
		--serial P-CX-4 --owner "<b>O'Neil & \"Sons\"</b>" --class 0.5 --unit L \
		--d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	dispenser_verify CX-4 20.05 initial 0
	cb stats --by month --format csv
	expect_rc 0
	local months=$(($(wc -l <"$T/out") - 2))
	cb stats --by owner,result --format html -o "$T/stats.html"
	expect_rc 0
	[ ! -s "$T/out" ] || fail "stdout with -o: $(cat "$T/out")"
	/usr/bin/python3 - "$T/stats.html" "$OWNER_Q" "$OWNER_B" "$months" <<'PY' ||
import sys
from html.parser import HTMLParser
path, owner_q, owner_b, months = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
raw = open(path, encoding='utf-8').read()
assert raw.startswith('<!DOCTYPE html>'), raw[:40]
VOID = {'meta', 'br', 'img', 'link', 'input', 'hr', 'rect'}

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.tags, self.text = [], [], []
        self.tables, self.svgs, self.cell = [], [], None
        self.section = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k, v in attrs:
            assert not k.startswith('on'), (tag, k)
            assert 'http' not in (v or '') or k == 'xmlns', (tag, k, v)
        if tag == 'table':
            self.tables.append({'thead': [], 'tbody': [], 'tfoot': []})
        elif tag in ('thead', 'tbody', 'tfoot'):
            self.section = tag
        elif tag == 'tr':
            self.tables[-1][self.section].append([])
        elif tag in ('td', 'th'):
            self.cell = ''
        elif tag == 'svg':
            self.svgs.append({'rects': [], 'texts': []})
        elif tag == 'rect':
            self.svgs[-1]['rects'].append(a.get('class', '').split())
            assert int(a['width']) >= 0, a
        elif tag == 'text':
            self.cell = ''
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)
    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()
        if tag in ('td', 'th'):
            self.tables[-1][self.section][-1].append(self.cell)
            self.cell = None
        elif tag == 'text':
            self.svgs[-1]['texts'].append(self.cell)
            self.cell = None
    def handle_data(self, data):
        self.text.append(data)
        if self.cell is not None:
            self.cell += data

p = P()
p.feed(raw)
p.close()
assert not p.stack, p.stack
assert 'script' not in p.tags, 'a <script> element'
assert '<script' not in raw.lower(), 'unescaped <script'
text = ' '.join(' '.join(p.text).split())
assert '4 instruments verified, 3 pass, 1 fail, 75.00 %' in text, text
assert len(p.tables) == 1, p.tables
t = p.tables[0]
assert t['thead'] == [['owner', 'result', 'total', 'pass', 'fail', 'pass rate']], t['thead']
hostile_owner = '<b>O\'Neil & "Sons"</b>'
assert sorted(t['tbody']) == sorted([
    [hostile_owner, 'pass', '1', '1', '0', '100.00 %'],
    [owner_q, 'pass', '1', '1', '0', '100.00 %'],
    [owner_b, 'fail', '1', '0', '1', '0.00 %'],
    [owner_b, 'pass', '1', '1', '0', '100.00 %'],
]), t['tbody']
assert t['tfoot'] == [['(all)', '', '4', '3', '1', '75.00 %']], t['tfoot']
assert len(p.svgs) == 2, len(p.svgs)
for svg, groups in zip(p.svgs, (months, 2)):
    bars = [c for c in svg['rects'] if 'bar' in c]
    assert sum('pass' in c for c in bars) == groups, (svg, groups)
    assert sum('fail' in c for c in bars) == groups, (svg, groups)
    assert len(bars) == len(svg['rects']) == 2 * groups, svg
type_texts = p.svgs[1]['texts']
assert '<script>x</script>' in type_texts, type_texts
assert 'cột đo xăng dầu' in type_texts, type_texts
assert '2 pass, 1 fail' in type_texts and '1 pass, 0 fail' in type_texts, type_texts
assert '3 pass, 1 fail' in p.svgs[0]['texts'] or months > 1, p.svgs[0]['texts']
assert hostile_owner not in raw
assert '&lt;b&gt;O&#39;Neil &amp; &quot;Sons&quot;&lt;/b&gt;' in raw
PY
		fail "HTML: $(cat "$T/stats.html")"
	# xmllint's HTML 4 parser (libxml2 2.9) does not know SVG's element names:
	# those are the only complaints allowed
	xmllint --html --noout "$T/stats.html" 2>"$T/xmllint" || fail "xmllint: $(cat "$T/xmllint")"
	if grep ' error : ' "$T/xmllint" | grep -Ev 'error : Tag (svg|rect|text) invalid$'; then
		fail "xmllint: $(cat "$T/xmllint")"
	fi
	# no --by: the total row alone; to stdout
	cb stats --format html
	expect_rc 0
	expect_out '^<p class="summary">4 instruments verified, 3 pass, 1 fail, 75\.00 %</p>$'
	expect_out '^<tfoot><tr class="total"><td class="n">4</td>'
}

test_errors() {
	setup_centre
	cb stats --by type,colour
	expect_rc 64
	expect_err "unknown dimension 'colour' \(known: type, mode, result, month, quarter, year, owner, operator, procedure, method, source\)"
	cb stats --by type,
	expect_rc 64
	expect_err "dimensions: an empty name in 'type,'"
	cb stats --by type --by owner
	expect_rc 64
	expect_err "option '--by' given twice"
	cb stats --from ''
	expect_rc 64
	expect_err "--from: '' is not a date"
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
	cb stats --format xml
	expect_rc 64
	expect_err "unknown format 'xml'"
	cb stats --activity testing
	expect_rc 64
	expect_err "unknown activity 'testing'"
}

run_tests

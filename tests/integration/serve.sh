#!/usr/bin/env bash
# The verification service through the calbench program: `calbench serve` on
# a free port of 127.0.0.1, over a database whose certificates are made with
# fuel-dispenser runs (a proving can, everything typed: no simulator), asked
# with raw HTTP over bash's /dev/tcp (no HTTP client needed, and the request
# goes out byte for byte as written, hostile paths included).
#
#   bash serve.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FPROC=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml
HOSTILE_OWNER=$'Cty <script>alert("x")</script> & \'Ánh Dương\''

# dispenser ID SERIAL OWNER: a class 0.5 fuel dispenser, MMQ 2 L, 12 months.
dispenser() {
	cb instrument add --id "$1" --kind fuel-dispenser --type "cột đo xăng dầu" \
		--manufacturer Tatsuno --model "SUNNY 2" --serial "$2" --owner "$3" --class 0.5 \
		--unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
}

# dispense ID FIRST_VOLUME WANT_RC: a run; the first delivery at Qmax shows
# FIRST_VOLUME for 20 L in the can (20.01 passes, 20.11 fails: MPE 100 mL).
dispense() {
	{
		printf 'ok\nok\nok\n20.000\n%s\n' "$2"
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.01\n'
	} >"$T/answers"
	cb run --procedure "$FPROC" --instrument "$1" --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc "$3"
}

# make_certs: CX-1 passes (certificate in $NO_PASS; owner $HOSTILE_OWNER),
# CX-2 fails (failure record in $NO_FAIL).
make_certs() {
	cb setting set lab.name "Trung tâm Kỹ thuật TĐC 1"
	cb setting set lab.address "08 Hoàng Quốc Việt, Hà Nội"
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	expect_rc 0
	dispenser CX-1 P-0001 "$HOSTILE_OWNER"
	dispenser CX-2 P-0002 "Cty Xăng dầu B"
	dispense CX-1 20.01 0
	dispense CX-2 20.11 2
	NO_PASS=$(sql "SELECT number FROM certificates WHERE instrument_id = 'CX-1'")
	NO_FAIL=$(sql "SELECT number FROM certificates WHERE instrument_id = 'CX-2'")
	if [ -z "$NO_PASS" ] || [ -z "$NO_FAIL" ]; then
		fail "no certificates made"
	fi
}

# serve_start ARGS...: `calbench serve --listen 127.0.0.1:0 ARGS` in the
# background; its port in PORT.
serve_start() {
	local url re='^http://127\.0\.0\.1:([0-9]+)/$'
	"$CALBENCH" serve --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
	SERVE_PID=$!
	track_pid "$SERVE_PID"
	for _ in $(seq 400); do
		[ -s "$T/serve.out" ] && break
		kill -0 "$SERVE_PID" 2>/dev/null || break
		sleep 0.025
	done
	url=$(head -n 1 "$T/serve.out")
	[[ $url =~ $re ]] || fail "serve printed '$url' (stderr: $(cat "$T/serve.err"))"
	PORT=${BASH_REMATCH[1]}
}

# serve_stop: SIGTERM, exit 0, "stopped", no sanitizer report.
serve_stop() {
	kill -TERM "$SERVE_PID"
	reap "$SERVE_PID"
	check_sane "calbench serve" "$WAIT_RC" "$T/serve.err"
	[ "$WAIT_RC" -eq 0 ] || fail "serve exited with $WAIT_RC on SIGTERM: $(cat "$T/serve.err")"
	grep -q '^stopped (SIGTERM)$' "$T/serve.out" || fail "serve did not say it stopped"
}

# raw TEXT: send TEXT (printf format: \r\n, \0 ...) on a new connection and
# read the answer until the server closes; status in STATUS, headers in
# $T/h, body in $T/b.
raw() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	# shellcheck disable=SC2059 # the request is the format, on purpose
	{ printf "$1" >&"$fd"; } 2>/dev/null || true
	timeout 10 cat <&"$fd" >"$T/resp" || true
	exec {fd}<&-
	STATUS=$(head -n 1 "$T/resp" | awk '{ print $2 }')
	sed -n '1,/^\r$/p' "$T/resp" >"$T/h"
	sed '1,/^\r$/d' "$T/resp" >"$T/b"
}

# get PATH [METHOD]: one request with Connection: close.
get() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' "${2:-GET}" "$1" >&"$fd"
	timeout 10 cat <&"$fd" >"$T/resp" || true
	exec {fd}<&-
	STATUS=$(head -n 1 "$T/resp" | awk '{ print $2 }')
	sed -n '1,/^\r$/p' "$T/resp" >"$T/h"
	sed '1,/^\r$/d' "$T/resp" >"$T/b"
}

expect_status() { # WANT [WHAT]
	[ "$STATUS" = "$1" ] || fail "${2:-request}: HTTP $STATUS, expected $1; answer: $(head -c 600 "$T/resp")"
}

expect_header() { # ERE (case-insensitive)
	grep -Eiq -- "$1" "$T/h" || fail "no header matching /$1/ in: $(cat "$T/h")"
}

expect_body() { # fixed string
	grep -Fq -- "$1" "$T/b" || fail "body does not contain '$1': $(head -c 1500 "$T/b")"
}

expect_no_body() { # fixed string
	! grep -Fq -- "$1" "$T/b" || fail "body contains '$1' and should not"
}

# The first JSON field KEY (a string without quotes) of the body, or of
# $T/out with 'out'.
json_field() { # KEY [out]
	local f=$T/b
	[ "${2:-}" = out ] && f=$T/out
	grep -oE "\"$1\": \"[^\"]*\"" "$f" | head -n 1 | sed -E 's/^[^:]*: "(.*)"$/\1/'
}

# ---- tests ------------------------------------------------------------------

test_serve_certificates() {
	local field
	make_certs
	serve_start --rate 0
	grep -q "serving $CALBENCH_DB read-only; no rate limit" "$T/serve.out" ||
		fail "second line: $(sed -n 2p "$T/serve.out")"

	# the JSON: the same answer as `calbench verify --json`
	get "/api/v1/certificates/$NO_PASS"
	expect_status 200 "certificate"
	expect_header '^Content-Type: application/json; charset=utf-8'
	expect_header '^Cache-Control: no-store'
	expect_header '^X-Content-Type-Options: nosniff'
	expect_header "^Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"
	json_valid "$T/b" || fail "not JSON: $(cat "$T/b")"
	cb verify "$NO_PASS" --json
	expect_rc 0
	for field in number status kind issue_date valid_until laboratory serial; do
		[ "$(json_field "$field")" = "$(json_field "$field" out)" ] ||
			fail "$field: service '$(json_field "$field")', verify --json '$(json_field "$field" out)'"
	done
	[ "$(json_field status)" = valid ] || fail "status $(json_field status)"
	expect_body '"owner": "Cty \u003cscript\u003ealert(\"x\")\u003c/script\u003e \u0026 '"'"'Ánh Dương'"'"'"'
	expect_body '"manufacturer": "Tatsuno", "model": "SUNNY 2", "serial": "P-0001"'
	# what an inspector does not get
	expect_no_body '"operator"'
	expect_no_body '"results"'
	expect_no_body '"procedure_sha256"'

	# the page: every label in both languages, the hostile owner as text
	get "/verify/$NO_PASS"
	expect_status 200 "page"
	expect_header '^Content-Type: text/html; charset=utf-8'
	expect_header '^Cache-Control: no-store'
	expect_body '<meta name="viewport"'
	expect_body 'Còn hiệu lực'
	expect_body 'Cơ sở sử dụng <span class="en">/ Owner</span>'
	expect_body 'Cty &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Ánh Dương&#39;'
	expect_no_body '<script'
	expect_body 'Tatsuno SUNNY 2'
	expect_body 'P-0001'
	expect_body 'Trung tâm Kỹ thuật TĐC 1'
	expect_body 'Đạt <span class="en">/ Pass'
	expect_body "$(date -u +%Y-%m-%d)"
	expect_body "$(year_month_in_12_months)"
	expect_no_body 'http://'
	expect_no_body 'https://'

	# typed in lower case, as an inspector might
	get "/verify/$(printf '%s' "$NO_PASS" | tr '[:upper:]' '[:lower:]')"
	expect_status 200 "lower-case number"

	# the failure record
	get "/api/v1/certificates/$NO_FAIL"
	expect_status 200 "failure record"
	[ "$(json_field status)" = fail-record ] || fail "status $(json_field status)"
	[ "$(json_field kind)" = failure-record ] || fail "kind $(json_field kind)"
	get "/verify/$NO_FAIL"
	expect_body 'Không đạt'

	# revoked while the service runs: the next answer says so
	cb cert revoke "$NO_PASS" --reason "issued on the wrong record"
	expect_rc 0
	get "/api/v1/certificates/$NO_PASS"
	expect_status 200 "revoked certificate"
	[ "$(json_field status)" = revoked ] || fail "status after revoke: $(json_field status)"
	expect_body '"revoke_reason": "issued on the wrong record"'
	get "/verify/$NO_PASS"
	expect_body 'Đã bị thu hồi'
	expect_body 'issued on the wrong record'

	# HEAD: the headers alone
	get "/verify/$NO_FAIL" HEAD
	expect_status 200 "HEAD"
	[ ! -s "$T/b" ] || fail "HEAD answered a body"

	get /healthz
	expect_status 200 "health"
	serve_stop
}

test_serve_bad_requests() {
	local long p
	make_certs
	serve_start --rate 0

	get /verify/CB-1999-000001
	expect_status 404 "unknown number (page)"
	expect_body 'Không tìm thấy'
	expect_header '^Content-Type: text/html; charset=utf-8'
	get /api/v1/certificates/CB-1999-000001
	expect_status 404 "unknown number (JSON)"
	json_valid "$T/b" || fail "not JSON: $(cat "$T/b")"
	expect_body '{"number": "CB-1999-000001", "status": "unknown"}'

	long=$(head -c 10000 /dev/zero | tr '\0' 7)
	for p in '%22%3E%3Cscript%3Ealert(1)%3C/script%3E' '<script>alert(1)</script>' \
		"CB\"'1" '../../etc/passwd' '..%2F..%2Fetc%2Fpasswd' 'CB-2026%00000001' \
		'CB%zz' '%C4%90L-2026-1' 'CB-1;DROP%20TABLE%20certificates' "$long" '' \
		'CB-1%0d%0aSet-Cookie:%20x=1' '%25' "$(head -c 65 /dev/zero | tr '\0' A)"; do
		get "/api/v1/certificates/$p"
		expect_status 400 "number '${p:0:60}'"
		json_valid "$T/b" || fail "not JSON: $(cat "$T/b")"
		expect_no_body 'script'
		expect_no_body 'passwd'
		get "/verify/$p"
		expect_status 400 "page for '${p:0:60}'"
		expect_no_body '<script'
		! grep -qi '^Set-Cookie' "$T/h" || fail "a header was injected"
	done
	# the longest number accepted is 64 characters: then it is only unknown
	get "/verify/$(head -c 64 /dev/zero | tr '\0' A)"
	expect_status 404 "64 characters"

	for p in POST PUT DELETE PATCH OPTIONS; do
		get "/verify/$NO_PASS" "$p"
		expect_status 405 "$p"
		expect_header '^Allow: GET, HEAD'
	done
	raw "POST /api/v1/certificates/$NO_PASS HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 7\r\nConnection: close\r\n\r\nstatus=1"
	expect_status 405 "POST with a body"

	for p in / /verify /verify/x/../../healthz2 /api/v1/certificates /api /static/x.css /favicon.ico; do
		get "$p"
		[ "$STATUS" = 404 ] || [ "$STATUS" = 400 ] || fail "$p: HTTP $STATUS"
	done

	# broken HTTP: refused by libmicrohttpd, never a crash
	raw 'GARBAGE\r\n\r\n'
	# (a raw NUL ends the path for libmicrohttpd: "A" is looked up, unknown)
	raw 'GET /verify/A\0B HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	if [ "$STATUS" = 200 ] || [ "$STATUS" = 500 ]; then
		fail "a raw NUL in the path: HTTP $STATUS"
	fi
	raw 'GET /verify/CB-1 HTTP/1.1\r\nHost: x\r\nX: '"$(head -c 40000 /dev/zero | tr '\0' a)"'\r\n\r\n'
	[ "$STATUS" != 200 ] || fail "a 40 kB header was answered 200"
	raw 'GET /verify/CB-1 HTTP/9.9\r\n\r\n'

	get /healthz
	expect_status 200 "health after bad requests"
	serve_stop
}

test_serve_rate_limit() {
	local i n200=0 n429=0 t0 t1 most
	make_certs
	serve_start --rate 2/s --burst 3
	grep -q 'at most 2 requests/s per client (burst 3)' "$T/serve.out" ||
		fail "second line: $(sed -n 2p "$T/serve.out")"
	t0=$(date +%s%N)
	for i in $(seq 10); do
		get "/api/v1/certificates/$NO_PASS"
		case $STATUS in
		200) n200=$((n200 + 1)) ;;
		429)
			n429=$((n429 + 1))
			expect_header '^Retry-After: [1-9][0-9]*'
			json_valid "$T/b" || fail "not JSON: $(cat "$T/b")"
			expect_body '"status": 429'
			;;
		*) fail "hammering: HTTP $STATUS" ;;
		esac
	done
	t1=$(date +%s%N)
	# the burst, plus what the rate refilled while the loop ran
	most=$((3 + 2 * (t1 - t0) / 1000000000 + 1))
	if [ "$n200" -lt 3 ] || [ "$n200" -gt "$most" ] || [ "$n429" -lt 1 ]; then
		fail "10 requests in $(((t1 - t0) / 1000000)) ms, rate 2/s burst 3: $n200 answered, $n429 refused"
	fi
	# the pages count too (and errors: a malformed number is a request)
	n429=0
	for i in $(seq 6); do
		get "/verify/<x>"
		[ "$STATUS" = 429 ] && n429=$((n429 + 1))
	done
	[ "$n429" -ge 1 ] || fail "6 more requests at once were never refused"
	expect_header '^Content-Type: text/html; charset=utf-8'
	sleep 1.1
	get "/verify/$NO_PASS"
	expect_status 200 "after waiting"
	serve_stop
}

# A client that sends half a request and waits holds a socket, never the
# service: the others are answered at once.
test_serve_slow_clients() {
	local i fd slow=() t0 t1
	make_certs
	serve_start --rate 0 --threads 2
	for i in $(seq 8); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
		printf 'GET /verify/%s' "${NO_PASS:0:5}" >&"$fd"
		slow+=("$fd")
	done
	# one more that sends its request line a byte at a time, slowly
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
	slow+=("$fd")
	printf 'G' >&"$fd"
	for i in 1 2 3; do
		t0=$(date +%s%N)
		get "/api/v1/certificates/$NO_PASS"
		t1=$(date +%s%N)
		expect_status 200 "while slow clients hold connections"
		[ $(((t1 - t0) / 1000000)) -lt 2000 ] || fail "answered in $(((t1 - t0) / 1000000)) ms"
		printf 'E' >&"${slow[8]}"
		sleep 0.2
	done
	# a slow client that finally finishes is answered too
	printf '%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' "${NO_PASS:5}" >&"${slow[0]}"
	timeout 5 cat <&"${slow[0]}" >"$T/resp" || true
	head -n 1 "$T/resp" | grep -q '^HTTP/1.1 200' || fail "the slow client got: $(head -n 1 "$T/resp")"
	for fd in "${slow[@]}"; do
		exec {fd}<&-
	done
	get /healthz
	expect_status 200 "health"
	serve_stop
}

# The database is opened read-only: its file does not change; refusals at
# start are one clear line.
test_serve_readonly_and_refusals() {
	local sum_before sum_after
	make_certs
	sql 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	sum_before=$(sha256sum <"$CALBENCH_DB")
	serve_start --rate 0
	get "/verify/$NO_PASS"
	expect_status 200 "page"
	get /healthz
	serve_stop
	sum_after=$(sha256sum <"$CALBENCH_DB")
	[ "$sum_before" = "$sum_after" ] || fail "the database file changed under serve"

	cb serve --listen 127.0.0.1:0 --db "$T/missing.db"
	expect_rc 1
	expect_one_line_error 'no database at .*missing.db'
	cb serve --listen localhost:8080
	expect_rc 64
	expect_err "listen address|numeric"
	cb serve --listen 127.0.0.1:0 --rate fast
	expect_rc 64
	expect_err "--rate 'fast'"
	cb serve --listen 127.0.0.1:0 --threads 0
	expect_rc 64
	printf 'not a database\n' >"$T/text.db"
	cb serve --listen 127.0.0.1:0 --db "$T/text.db"
	expect_rc 1
	expect_one_line_error 'text.db'
	# a port in use
	serve_start --rate 0
	cb serve --listen "127.0.0.1:$PORT"
	expect_rc 1
	expect_one_line_error "cannot listen on 127.0.0.1 port $PORT: Address already in use"
	serve_stop
}

# What a scanned QR code opens, as a phone's browser shows it: the page
# loaded in headless Chromium (Debian's chromium), its DOM checked (the
# status, the instrument, the hostile owner as text, no script element) and
# a screenshot kept in the test output directory (CAL_IT_ARTIFACTS).
test_serve_page_in_chromium() {
	local chrome art=${CAL_IT_ARTIFACTS:-$T}
	chrome=$(command -v chromium || command -v chromium-browser || true)
	[ -n "$chrome" ] || fail "chromium is not installed (bash scripts/install-deps)"
	make_certs
	serve_start --db "$CALBENCH_DB"
	mkdir -p "$art"
	timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/chrome" --window-size=412,915 \
		--dump-dom "http://127.0.0.1:$PORT/verify/$NO_PASS" >"$T/dom.html" 2>"$T/chrome.err" ||
		fail "chromium could not load the page: $(tail -n 5 "$T/chrome.err")"
	grep -Fq "$NO_PASS" "$T/dom.html" || fail "the page has no number: $(head -c 800 "$T/dom.html")"
	grep -Fq 'P-0001' "$T/dom.html" || fail "the page has no serial"
	grep -Fq '&lt;script&gt;alert("x")&lt;/script&gt;' "$T/dom.html" ||
		fail "the hostile owner is not shown as text"
	[ "$(grep -c '<script' "$T/dom.html")" = 0 ] || fail "a script element in the page"
	timeout 60 "$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--user-data-dir="$T/chrome" --window-size=412,915 \
		--screenshot="$art/verify-$NO_PASS.png" "http://127.0.0.1:$PORT/verify/$NO_PASS" \
		>/dev/null 2>>"$T/chrome.err" || fail "no screenshot: $(tail -n 5 "$T/chrome.err")"
	[ "$(head -c 8 "$art/verify-$NO_PASS.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "the screenshot is not a PNG"
	[ "$(stat -c %s "$art/verify-$NO_PASS.png")" -gt 5000 ] || fail "the screenshot is nearly empty"
	echo "screenshot: $art/verify-$NO_PASS.png"
	serve_stop
}

# A row of a register brought in by `calbench import` answers too, marked imported.
test_serve_imported() {
	printf '%s\n' 'Ngày kiểm định,Loại PTĐ,Số,Kết quả,Số GCN,Thời hạn đến' \
		'05/02/2024,Cân kỹ thuật,B-1,Đạt,3681 - 24 (YB),05/02/2099' >"$T/reg.csv"
	cb import --csv "$T/reg.csv"
	expect_rc 0
	serve_start --rate 0
	get "/api/v1/certificates/3681%20-%2024%20(YB)"
	expect_status 200 "imported record"
	json_valid "$T/b" || fail "not JSON: $(cat "$T/b")"
	expect_body '"status": "valid"'
	expect_body '"signed": false, "imported": true'
	get "/verify/3681%20-%2024%20(YB)"
	expect_status 200 "imported page"
	expect_body "Imported from the centre's earlier register"
	serve_stop
}

run_tests

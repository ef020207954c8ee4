#!/usr/bin/env bash
# Signed documents: the centre's Ed25519 key (calbench keys init: a private
# key file of mode 0600, never in the database), each document's content
# hashed and signed at issue, `calbench verify` telling a tampered record
# (a byte edited in the database file), and `verify --offline` checking a
# QR code's payload with the public key alone. A fuel dispenser against a
# proving can makes the documents: no simulator needed.
#
#   bash sign.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

PROC=$SRC/procedures/defs/r117-fuel-dispenser-verification.yaml

# dispenser_run ID SHOWN_AT_QMAX: one verification, the display at Qmax run 1 as given.
dispenser_run() {
	cb instrument add --id "$1" --kind fuel-dispenser --type "cột đo xăng dầu" \
		--serial "P-$1" --owner "Công ty Xăng dầu Quảng Ngãi" --class 0.5 --unit L \
		--d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 0
	{
		printf 'ok\nok\nok\n20.000\n%s\n' "$2"
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$PROC" --instrument "$1" --standard CAN-B --mode periodic \
		--answers "$T/answers"
}

setup_centre() {
	cb standard add --id CAN-B --kind volume --unit L --range 1..20 --u 0.002 --u-rel 0.02 \
		--cert VMI-2 --due 2099-12-31
	expect_rc 0
	cb setting set verify.base_url "https://kd.example.vn/verify/"
	expect_rc 0
}

number_of() { sql "SELECT number FROM certificates WHERE instrument_id = '$1'"; }
qr_of() { "$CALBENCH" cert show "$1" | sed -n 's/^QR code *//p'; }

test_keys_and_signed_documents() {
	setup_centre
	cb keys init --dir "$T/keys"
	expect_rc 0
	expect_out '^key [0-9a-f]{16} created$'
	[ "$(stat -c %a "$T/keys/centre.key")" = 600 ] || fail "private key mode $(stat -c %a "$T/keys/centre.key")"
	[ "$(sql "SELECT count(*) FROM settings WHERE value LIKE '%centre.key%'")" = 1 ] ||
		fail "the key file is not named in the settings"
	if grep -q "$(sed -n 2p "$T/keys/centre.key" | cut -c1-32)" "$CALBENCH_DB"; then
		fail "the private key is in the database"
	fi
	cb keys init --dir "$T/keys"
	expect_rc 1
	expect_err 'exists already: a centre keeps its key'
	dispenser_run CX-1 20.05
	expect_rc 0
	no=$(number_of CX-1)
	cb verify "$no"
	expect_rc 0
	expect_out 'signature   valid'
	[ "$(sql "SELECT length(signature) || ':' || length(content_sha256) FROM cert_signatures WHERE number = '$no'")" = 86:64 ] ||
		fail "signature record: $(sql "SELECT * FROM cert_signatures")"
	# the QR code's payload, checked with the public key alone
	qr=$(qr_of "$no")
	[[ $qr == "https://kd.example.vn/verify/$no#calbench-qr-v1%7C$no%7Cverification%7C"* ]] ||
		fail "QR text: $qr"
	cb verify --offline "$qr" --pubkey "$T/keys/centre.pub"
	expect_rc 0
	expect_out "^$no: genuine"
	expect_out 'serial      P-CX-1'
	# one field changed: not genuine
	cb verify --offline "${qr/P-CX-1/P-CX-9}" --pubkey "$T/keys/centre.pub"
	expect_rc 16
	expect_out "^$no: NOT GENUINE"
	expect_err 'the signature does not match'
	# another centre's key
	cb keys init --dir "$T/other"
	cb verify --offline "$qr" --pubkey "$T/other/centre.pub"
	expect_rc 16
	expect_err 'not the centre.s key of this document'
	cb verify --offline "garbage|x" --pubkey "$T/keys/centre.pub"
	expect_rc 1
	expect_err 'not a calbench document code'
}

# Plain SQL cannot change a document (triggers); a byte edited in the file
# is found by the content digest; the signature record removed with the
# triggers dropped makes the database refuse to open.
test_tamper() {
	setup_centre
	cb keys init --dir "$T/keys"
	dispenser_run CX-1 20.05
	expect_rc 0
	no=$(number_of CX-1)
	cp "$CALBENCH_DB" "$T/orig.db"
	if sqlite3 "$CALBENCH_DB" "UPDATE readings SET raw = '20.01' WHERE raw = '20.05'" 2>"$T/sql.err"; then
		fail "a reading was changed by plain SQL"
	fi
	grep -q 'readings are immutable' "$T/sql.err" || fail "sqlite3 said: $(cat "$T/sql.err")"
	/usr/bin/python3 - "$CALBENCH_DB" <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
assert b.count(b'20.05') == 1, b.count(b'20.05')
open(p, 'wb').write(b.replace(b'20.05', b'20.01'))
PY
	cb verify "$no"
	expect_rc 16
	expect_out "^$no: tampered"
	expect_out 'TAMPERED    its content changed since issue'
	cb verify "$no" --json
	expect_rc 16
	expect_out '"status": "tampered"'
	cp "$T/orig.db" "$CALBENCH_DB"
	cb verify "$no"
	expect_rc 0
	sqlite3 "$CALBENCH_DB" "DROP TRIGGER cert_signatures_no_delete; DELETE FROM cert_signatures"
	cb verify "$no"
	expect_rc 1
	expect_err 'protection triggers are missing'
}

# A run is refused before any measurement when the key cannot be loaded;
# a private key readable by others is not used.
test_key_missing() {
	setup_centre
	cb keys init --dir "$T/keys"
	chmod 644 "$T/keys/centre.key"
	dispenser_run CX-1 20.05
	expect_rc 4
	expect_err 'the private key is readable by others \(mode 644\): chmod 600 it'
	expect_err 'no run can issue a document'
	chmod 600 "$T/keys/centre.key"
	mv "$T/keys/centre.key" "$T/keys/moved.key"
	cb run --procedure "$PROC" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc 4
	[ "$(sql 'SELECT count(*) FROM runs')" = 0 ] || fail "a refused run left a run"
	mv "$T/keys/moved.key" "$T/keys/centre.key"
	cb run --procedure "$PROC" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers"
	expect_rc 0
}

# Without a key the documents are issued unsigned, their content still hashed.
test_unsigned_centre() {
	setup_centre
	dispenser_run CX-1 20.05
	expect_rc 0
	no=$(number_of CX-1)
	cb verify "$no"
	expect_rc 0
	expect_out 'signature   none'
	[ "$(sql "SELECT key_id = '' AND length(content_sha256) = 64 FROM cert_signatures")" = 1 ] ||
		fail "unsigned record: $(sql "SELECT * FROM cert_signatures")"
}

# Amendments (ISO/IEC 17025 7.8.8): a revision NO-R1 replaces the document
# whole, signed; the original verifies as superseded by it; a second
# revision keeps the first's corrections; a revision is not amended itself;
# a changed original makes its revisions tampered too; revoking the
# original revokes what replaced it.
test_amendments() {
	setup_centre
	cb keys init --dir "$T/keys"
	dispenser_run CX-1 20.05
	expect_rc 0
	no=$(number_of CX-1)
	cb cert amend "$no" --reason "owner's name misspelt" --owner "Công ty Xăng dầu Quảng Ngãi (Petrolimex)"
	expect_rc 0
	expect_out "^$no-R1 issued: revision 1 of $no \(owner's name misspelt\), signed$"
	cb verify "$no"
	expect_rc 15
	expect_out "superseded  by $no-R1"
	cb verify "$no-R1"
	expect_rc 0
	expect_out '^  owner       Công ty Xăng dầu Quảng Ngãi \(Petrolimex\)$'
	expect_out 'signature   valid'
	qr=$(qr_of "$no-R1")
	cb verify --offline "$qr" --pubkey "$T/keys/centre.pub"
	expect_rc 0
	expect_out "^$no-R1: genuine"
	cb cert amend "$no-R1" --reason again --note x
	expect_rc 1
	expect_err "is a revision of $no: amend the original"
	cb cert amend "$no" --reason "place of verification" --location "Cửa hàng số 5"
	expect_rc 0
	cb verify "$no-R1"
	expect_rc 15
	expect_out "superseded  by $no-R2"
	cb verify "$no-R2"
	expect_rc 0
	expect_out 'Petrolimex'
	cb cert show "$no-R2"
	expect_out '^Location        Cửa hàng số 5$'
	expect_out "^Revision        2: replaces $no and every revision before it$"
	cb verify "$no-R2"
	expect_out "^  amends      $no \(revision 2: place of verification\)$"
	cb cert amend "$no" --reason nothing
	expect_rc 64
	expect_err 'give what it corrects'
	cb cert amend CB-1999-000001 --reason x --note y
	expect_rc 1
	expect_err "no certificate or record numbered 'CB-1999-000001'"
	# a changed byte of the original's readings: its revisions are not as issued either
	cp "$CALBENCH_DB" "$T/orig.db"
	/usr/bin/python3 - "$CALBENCH_DB" <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
assert b.count(b'20.05') == 1
open(p, 'wb').write(b.replace(b'20.05', b'20.01'))
PY
	cb verify "$no-R2"
	expect_rc 16
	cp "$T/orig.db" "$CALBENCH_DB"
	cb cert revoke "$no" --reason "instrument withdrawn from use"
	expect_rc 0
	cb verify "$no-R2"
	expect_rc 12
	cb cert amend "$no" --reason late --note z
	expect_rc 1
	expect_err 'is revoked: it cannot be amended'
	if sqlite3 "$CALBENCH_DB" "UPDATE cert_revisions SET owner = 'X'" 2>"$T/sql.err"; then
		fail "a revision was changed by plain SQL"
	fi
}

# What the document states of the run besides the measurements (ISO/IEC
# 17025 7.8.2.1 c, h; 7.8.4.1 b; the sticker of domain.md §5.6): given at the
# start, printed, immutable, and part of the signed content.
test_run_conditions_on_document() {
	setup_centre
	cb keys init --dir "$T/keys"
	cb instrument add --id CX-1 --kind fuel-dispenser --type "cột đo xăng dầu" --serial P-1 \
		--class 0.5 --unit L --d 0.01 --mmq 2 --qmax "40 L/min" --qmin "4 L/min" --interval 12
	{
		printf 'ok\nok\nok\n20.000\n20.05\n'
		printf 'ok\nok\nok\n20.000\n19.96\n'
		printf 'ok\nok\nok\n20.000\n20.02\n'
		printf 'ok\nok\nok\n2.000\n2.02\n'
	} >"$T/answers"
	cb run --procedure "$PROC" --instrument CX-1 --standard CAN-B --mode periodic \
		--answers "$T/answers" --location "Cửa hàng xăng dầu số 5, Quảng Ngãi" \
		--received 2026-11-28 --temperature 27.4 --humidity 71 --checked-by "Trần Văn B" \
		--sticker QN-0012345
	expect_rc 0
	no=$(number_of CX-1)
	cb cert show "$no"
	expect_out '^Location        Cửa hàng xăng dầu số 5, Quảng Ngãi$'
	expect_out '^Received        2026-11-28$'
	expect_out '^Conditions      27.4 °C, 71 %RH$'
	expect_out '^Checked by      Trần Văn B$'
	expect_out '^Sticker         QN-0012345$'
	if sqlite3 "$CALBENCH_DB" "UPDATE runs SET sticker_no = 'QN-9' WHERE id = 1" 2>"$T/sql.err"; then
		fail "the sticker of a run was changed by plain SQL"
	fi
	grep -q 'immutable' "$T/sql.err" || fail "sqlite3 said: $(cat "$T/sql.err")"
	/usr/bin/python3 - "$CALBENCH_DB" <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
assert b.count(b'QN-0012345') == 1, b.count(b'QN-0012345')
open(p, 'wb').write(b.replace(b'QN-0012345', b'QN-0099999'))
PY
	cb verify "$no"
	expect_rc 16
	cb run --procedure "$PROC" --instrument CX-1 --mode periodic --humidity 140
	expect_rc 64
	expect_err "--humidity '140' is not a relative humidity"
}

# From a new user's trial: what must be refused or said plainly.
test_refusals_from_trial() {
	setup_centre
	cb keys init --dir "$T/keys"
	dispenser_run CX-1 20.05
	expect_rc 0
	no=$(number_of CX-1)
	# a tampered record is neither printed nor exported
	cp "$CALBENCH_DB" "$T/orig.db"
	/usr/bin/python3 - "$CALBENCH_DB" <<'PY'
import sys
p = sys.argv[1]
b = open(p, 'rb').read()
open(p, 'wb').write(b.replace(b'20.05', b'20.01'))
PY
	cb cert pdf "$no" -o "$T/t.pdf"
	expect_rc 1
	expect_err 'no longer matches what was issued'
	[ ! -e "$T/t.pdf" ] || fail "a PDF of a tampered record was written"
	cp "$T/orig.db" "$CALBENCH_DB"
	# the QR's page must be this document's; a failure record is not a certificate
	qr=$(qr_of "$no")
	cb verify --offline "https://evil.example/verify/CB-2026-999999#${qr#*#}" \
		--pubkey "$T/keys/centre.pub"
	expect_rc 16
	expect_err 'is not the page of'
	tr -d '\n' <"$T/keys/centre.pub" | sed 's/v1/v1\r\n/' >"$T/crlf.pub"
	printf '\r\n' >>"$T/crlf.pub"
	cb verify --offline "$qr" --pubkey "$T/crlf.pub"
	expect_rc 0
	dispenser_run CX-2 20.15
	expect_rc 2
	cb verify --offline "$(qr_of "$(number_of CX-2)")" --pubkey "$T/keys/centre.pub"
	expect_rc 13
	expect_out 'failure record \(không đạt\)'
	# a revision is revoked through its original
	cb cert amend "$no" --reason "owner" --owner "Công ty B"
	cb cert revoke "$no-R1" --reason x
	expect_rc 1
	expect_err "is a revision of $no: revoke the original"
	cb cert amend "$no" --reason "$(head -c 400 /dev/zero | tr '\0' x)" --note y
	expect_rc 1
	expect_err 'too long'
	cb cert amend "$no" --reason "$(printf 'a\nb')" --note y
	expect_rc 1
	expect_err 'control character'
	# a reprint keeps the approver and the verification address of its day of issue
	cb setting set lab.approver "Nguyễn Văn A"
	dispenser_run CX-4 20.05
	expect_rc 0
	no4=$(number_of CX-4)
	cb setting set lab.approver "Phạm Văn Mới"
	cb setting set verify.base_url "https://new.example/v/"
	[ "$(sql "SELECT approver FROM cert_issue WHERE number = '$no4'")" = "Nguyễn Văn A" ] ||
		fail "issue record: $(sql "SELECT * FROM cert_issue WHERE number = '$no4'")"
	[[ $(qr_of "$no4") == "https://kd.example.vn/verify/$no4#"* ]] ||
		fail "the reprint's QR follows today's address: $(qr_of "$no4")"
	cb verify "$no4"
	expect_rc 0
	# a register text that would print forged lines
	cb instrument add --id CX-9 --kind fuel-dispenser --type "cột đo" --serial P-9 \
		--owner "$(printf 'Cty A\n  verdict     PASS')" --class 0.5 --unit L --d 0.01 --mmq 2 \
		--qmax "40 L/min" --qmin "4 L/min" --interval 12
	expect_rc 1
	expect_err "owner holds a control character"
	# a number pattern that cannot be signed or put in a URL
	cb setting set cert.number_pattern 'A|B-{YYYY}-{SEQ}'
	expect_rc 1
	# another database's key is not used: runs are refused before measuring
	"$CALBENCH" --db "$T/other.db" keys init --dir "$T/other2" >/dev/null
	cb setting set sign.key_file "$T/other2/centre.key"
	dispenser_run CX-3 20.05
	expect_rc 4
	expect_err 'is not registered in this database'
}

run_tests

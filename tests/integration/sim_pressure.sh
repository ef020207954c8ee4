#!/usr/bin/env bash
# `calbench sim pressure` from the outside: the first line it prints, the
# bytes of each dialect over TCP and on a pseudo-terminal (bash /dev/tcp and
# plain redirections, nothing of calbench's drivers), its control lines on
# stdin, its options and their refusals, a clean exit on SIGTERM.
#
#   bash sim_pressure.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# lib.sh starts `$CALBENCH sim balance ARGS`: with_pressure runs one of its
# helpers (sim_start, sim_tcp) through a wrapper that starts `sim pressure
# ARGS` instead (exec: the pid, stdin and stdout are the simulator's own).
with_pressure() {
	local real=$CALBENCH
	cat >"$T/calbench-pressure" <<EOF
#!/bin/sh
shift 2
exec "$real" sim pressure "\$@"
EOF
	chmod +x "$T/calbench-pressure"
	CALBENCH=$T/calbench-pressure
	"$@" || { CALBENCH=$real; return 1; }
	CALBENCH=$real
}

# talk LINE: send LINE + TERM on fd 3 and read one reply line into $REPLY
# (CR removed); fails after 2 s.
TERM_BYTES=$'\n'
talk() {
	printf '%s%s' "$1" "$TERM_BYTES" >&3
	IFS= read -r -t 2 REPLY <&3 || fail "no reply to '$1' within 2 s"
	REPLY=${REPLY%$'\r'}
}

expect_reply() { # LINE WANT
	talk "$1"
	[ "$REPLY" = "$2" ] || fail "'$1' answered '$REPLY', expected '$2'"
}

# until_match LINE ERE: ask until the answer matches ERE (5 s at most).
until_match() {
	local i
	for i in $(seq 250); do
		talk "$1"
		[[ $REPLY =~ $2 ]] && return 0
		sleep 0.02
	done
	fail "'$1' never answered /$2/ (last: '$REPLY')"
}

# until_reply LINE WANT: ask until the answer is WANT (5 s at most).
until_reply() {
	local i
	for i in $(seq 250); do
		talk "$1"
		[ "$REPLY" = "$2" ] && return 0
		sleep 0.02
	done
	fail "'$1' never answered '$2' (last: '$REPLY')"
}

test_sim_pressure_pace_tcp() {
	with_pressure sim_tcp prs --protocol pace --tau-ms 20 --dwell-ms 100 --leak 0 --serial PRS-IT-1
	exec 3<>"/dev/tcp/127.0.0.1/$SIM_PORT"
	expect_reply '*IDN?' '*IDN GE Druck,PACE5000,PRS-IT-1,02.00.07'
	expect_reply ':SENS:PRES?' ':SENS:PRES 0.0000'
	printf ':SOUR:PRES 10\n:OUTP:STAT ON\n' >&3
	until_reply ':SENS:PRES:INL?' ':SENS:PRES:INL 10.0000, 1'
	sim_cmd prs status
	case "$SIM_REPLY" in
	"p=10.0000 bar sp=10.0000 bar control=on ready=1 "*"protocol=pace fault=none commands="*" link=tcp:$SIM_PORT:client") ;;
	*) fail "status: $SIM_REPLY" ;;
	esac
	# the dialect's error, on demand
	sim_cmd prs 'fault error'
	[ "$SIM_REPLY" = ok ] || fail "'fault error' answered '$SIM_REPLY'"
	printf ':SOUR:PRES 5\n' >&3
	expect_reply ':SOUR:PRES?' ':SOUR:PRES 10.0000'
	expect_reply ':SYST:ERR?' ':SYST:ERR -222,"Data out of range"'
	# a big leak: held 0.6 bar/s x 20 ms = 0.012 bar low, out of limits
	sim_cmd prs 'leak 1 bar/s'
	until_match ':SENS:PRES:INL?' '^:SENS:PRES:INL 9\.98[78][0-9], 0$'
	sim_cmd prs help
	case "$SIM_REPLY" in *"fault drop|garble|error"*"leak <rate>"*"stuck"*) ;; *) fail "help: $SIM_REPLY" ;; esac
	exec 3>&-
	sim_stop prs
}

test_sim_pressure_mensor_pty() {
	local pts
	with_pressure sim_start prs --protocol mensor-cpc --link "$T/ttyPRS" --tau-ms 20 --dwell-ms 100 ||
		fail "the pty simulator did not start: $(cat "$T/prs.err")"
	pts=$SIM_WHERE
	[[ $pts =~ ^/dev/pts/[0-9]+$ ]] || fail "sim printed '$pts', expected /dev/pts/N"
	[ "$(readlink "$T/ttyPRS")" = "$pts" ] || fail "$T/ttyPRS does not point to $pts"
	exec 3<>"$T/ttyPRS"
	TERM_BYTES=$'\r\n'
	expect_reply '*IDN?' ' MENSOR, CPC6050,SIMP0001,1.5.0'
	expect_reply 'Units?' ' bar'
	printf 'Setpt 25\r\n' >&3
	expect_reply 'Setpt?' 'E+0.0000E+00'
	expect_reply 'Error?' ' 2,Data out of range'
	printf 'Setpt 12.5\r\nMode control\r\n' >&3
	until_reply 'Stable?' ' YES'
	expect_reply 'A?' ' +1.25000E+01'
	sim_cmd prs 'stuck'
	printf 'Setpt 2\r\n' >&3
	sleep 0.3
	expect_reply 'A?' ' +1.25000E+01'
	expect_reply 'Stable?' ' NO'
	exec 3>&-
	sim_stop prs
	[ ! -L "$T/ttyPRS" ] || fail "the link $T/ttyPRS is still there after the simulator stopped"
}

test_sim_pressure_ppc4_options() {
	with_pressure sim_tcp prs --protocol ppc4 --unit bar --range -1:70 --decimals 3 \
		--band 0.002 --ss 0.001 --atm 1 --seed 7 --noise 0 --leak 0 --tau-ms 20 --dwell-ms 50
	exec 3<>"/dev/tcp/127.0.0.1/$SIM_PORT"
	TERM_BYTES=$'\r\n'
	expect_reply 'UNIT?' 'bar'
	expect_reply 'RANGE?' '70.000 bar'
	expect_reply 'HS?' '0.002 bar'
	expect_reply 'SS?' '0.001 bar'
	expect_reply 'PS 70.001' 'ERR# 6'
	expect_reply 'PS 50' '50.000 barg'
	until_reply 'PRR?' 'R,50.000 barg,0.000 bar/s,1.000 bara'
	expect_reply 'STAT?' '32'
	exec 3>&-
	sim_stop prs
}

# Bad options: one clear line, exit 64 (usage) or 1 (settings the
# simulator refuses), nothing on stdout.
test_sim_pressure_refusals() {
	local args
	while IFS='~' read -r want re args; do
		# shellcheck disable=SC2086 # the options are words on purpose
		cb sim pressure $args
		expect_rc "$want"
		expect_one_line_error "$re"
		[ ! -s "$T/out" ] || fail "sim pressure $args printed: $(cat "$T/out")"
	done <<'EOF'
64~^calbench: sim pressure: --protocol pace\|mensor-cpc\|ppc4 is needed$~--listen tcp:127.0.0.1:1
64~^calbench: sim pressure: --protocol 'druck': expected pace, mensor-cpc or ppc4$~--protocol druck
64~^calbench: sim pressure: --max is not one of its options$~--protocol pace --max 5
64~^calbench: sim pressure: --unit 'g' is not a unit of pressure~--protocol pace --unit g
64~^calbench: sim pressure: --range wants LO:HI, not '5'$~--protocol pace --range 5
64~^calbench: sim pressure: --tau-ms '2.5' is not an integer 1\.\.3600000$~--protocol pace --tau-ms 2.5
64~^calbench: sim pressure: --ss is for ppc4 only$~--protocol pace --ss 1
1~^calbench: sim pressure: simulator: pace has no token for the unit inH2O@4C$~--protocol pace --unit inH2O@4C
1~^calbench: sim pressure: simulator: the range must hold 0 and lower < upper$~--protocol ppc4 --range 1:70
EOF
	cb sim balance --protocol pace
	expect_rc 64
	expect_one_line_error '^calbench: sim balance: --protocol is not one of its options$'
	cb sim
	expect_rc 64
	expect_one_line_error '^calbench: sim: which simulator\? \(balance, pressure --protocol pace\|mensor-cpc\|ppc4, or flow\)$'
}

run_tests

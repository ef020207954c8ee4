#!/usr/bin/env bash
# A whole water-meter series verification through the calbench program: three
# meters (class 2, Q3 2.5 m3/h, R 100) in line behind `calbench sim flow` (the
# master meter, siemens-mag6000 map, registered as flow standard MM-1) on
# Modbus TCP and on Modbus RTU over a pseudo-terminal, the technician played
# live on the run's stdin and stdout (series_technician: sets the simulated
# flow, draws the volume, types each register). DH-3 reads 6.5 % low at Q1
# (MPE ±5 %) and fails; the database is checked afterwards: the batch, the
# results, every reading, the documents.
#
#   bash series_run.sh CALBENCH SOURCE_DIR [TEST_FUNCTION...]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

WPROC=$SRC/procedures/defs/r49-water-meter-verification.yaml
NUMBER_RE='CB-[0-9]{4}-[0-9]{6}'
# The simulator's clock runs SPEED times fast: the 10 L of a Q1 draw (about
# 23 min at 26 L/h) take about 3.5 s.
SPEED=400

METERS=(DH-1 DH-2 DH-3)
# Q1 0.025, Q2 0.04, Q3 2.5 m3/h; the middle of each window (1 to 1.1 x Q1
# and Q2, 0.9 to 1 x Q3) as the result labels show the flow
POINT_FLOW=("Q1 0.02625 m3/h" "Q2 0.042 m3/h" "Q3 2.375 m3/h")
POINT_Q=(0.02625 0.042 2.375)
# The master meter's readings in the database: its totalizer (siemens-mag6000:
# m3) and the flow it shows (m3/s).
TOTAL="source = 'device:master1' AND unit = 'm3'"
FLOW="source = 'device:master1' AND unit = 'm3/s'"
# The error of each meter (%) at Q1, Q2, Q3: what the technician's registers
# show beyond the volume drawn. DH-3 is beyond ±5 % at Q1 only.
declare -A METER_ERR=(
	[DH-1]="1.2 0.4 -0.3"
	[DH-2]="-0.8 -1.1 0.6"
	[DH-3]="-6.5 -0.7 -0.2"
)

register_meters() {
	local id
	for id in "${METERS[@]}"; do
		cb instrument add --id "$id" --kind water-meter --type "đồng hồ nước lạnh" \
			--manufacturer "IT Meters" --model "MNK-N" --owner "Integration Test Co." \
			--serial "S-$id" --class 2 --q3 2.5 --r 100 --unit m3 --d 0.00005 --interval 60
		expect_rc 0
	done
}

# The master meter: registered as flow standard MM-1 (0.01 to 10 m3/h, U 0.2 %
# of the volume: within 1/5 of the smallest MPE, 2 %), on PORT.
master_bench() { # PORT [SERIAL_LINE]
	cb standard add --kind flow --id MM-1 --manufacturer Siemens --model "MAG 6000" \
		--serial MM-0001 --unit m3/h --range 0.01..10 --u-rel 0.2 --k 2 \
		--cert IT-MM-01 --due "$(date -d '+1 year' +%F)"
	expect_rc 0
	{
		printf 'bench: series\ninstruments:\n  - id: master1\n'
		printf '    driver: modbus-flow\n    port: %s\n    unit_id: 1\n' "$1"
		printf '    preset: siemens-mag6000\n    standard: MM-1\n'
		[ -z "${2:-}" ] || printf '    serial: %s\n' "$2"
	} >"$T/bench.yaml"
}

# sim_state: the master meter's flow in SIM_FLOW, its totalizer (mL) in
# SIM_ML (lib.sh flow_sim_state).
sim_state() { flow_sim_state m; }

# set_flow Q: the valve opened (or closed, Q = 0); back once the master meter
# shows Q to 0.1 % (closed: below 1e-6 m3/h, the totalizer at rest).
set_flow() {
	sim_cmd m "flow $1"
	[ "$SIM_REPLY" = ok ] || fail "simulator answered '$SIM_REPLY' to 'flow $1'"
	flow_sim_wait m "$1"
}

# register_show ID: the register of meter ID as the technician types it, m3
# to 5 decimals (its drum: 0.01 L; d = 0.05 L; lib.sh cl_m3).
register_show() { cl_m3 "${REG_CL[$1]}"; }

# series_technician ARGS...: run `calbench ARGS` with stdin and stdout on
# pipes and play the technician on simulator m:
#   "next Q m3/h (window LO to HI m3/h): the water at rest ..." -> Enter
#   "open the flow to QT m3/h (window ...)" -> the flow set to QT (the middle
#       of the window), Enter once the master meter shows it
#   "draw at least N L"   -> Enter once the totalizer has run N L + 1 %, with
#       the flow closed and at rest; each register advances by the volume
#       drawn x (1 + its error at the point), to its 0.01 L drum
#   "DH-n at Qk ...: register before|after the draw (m3):" -> DH-n's register
# Output in $T/out, stderr in $T/err, exit code in $RC; the instructions and
# register prompts answered in $N_INSTR, $N_ASKED; the volumes drawn (mL, by
# the simulator) in DRAWN_ML[k].
series_technician() {
	local line k=-1 mid="" ml0=0 id errs
	local re_head='^\[[0-9]+/[0-9]+\] Water meters in series, Q([123]) [0-9.]+ m3/h: '
	local re_set='next [0-9.]+ m3/h \(window ([0-9.]+) to ([0-9.]+) m3/h\)'
	local re_open='open the flow to ([0-9.]+) m3/h \(window'
	local re_draw='draw at least ([0-9]+)\.([0-9]{3}) L through the reference'
	local re_reg='^ +(DH-[0-9]+) at Q([123]) [0-9.]+ m3/h: register (before|after) the draw \(m3\):$'
	N_INSTR=0
	N_ASKED=0
	DRAWN_ML=()
	live_start "$@"
	while live_line line; do
		if [[ $line =~ $re_reg ]]; then
			id=${BASH_REMATCH[1]}
			[ -n "${REG_CL[$id]:-}" ] || fail "asked for the register of an unknown meter: $line"
			[ "$((BASH_REMATCH[2] - 1))" = "$k" ] || fail "register prompt for another point: $line"
			N_ASKED=$((N_ASKED + 1))
			live_say "$(register_show "$id")"
			continue
		fi
		is_instruction "$line" || continue
		N_INSTR=$((N_INSTR + 1))
		[[ $line =~ $re_head ]] || fail "an instruction without its point: $line"
		k=$((BASH_REMATCH[1] - 1))
		if [[ $line =~ $re_set ]]; then
			# the valve is closed: nothing to do but note the window's middle
			mid=$(window_mid "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}")
		elif [[ $line =~ $re_open ]]; then
			expect_mid "${BASH_REMATCH[1]}" "$mid" "$line"
			sim_state
			ml0=$SIM_ML
			set_flow "$mid"
			mid=""
		elif [[ $line =~ $re_draw ]]; then
			flow_sim_draw m "$ml0" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
			set_flow 0
			sim_state
			DRAWN_ML[k]=$((SIM_ML - ml0))
			for id in "${METERS[@]}"; do
				read -r -a errs <<<"${METER_ERR[$id]}"
				# the drawn volume x (1 + E), to the 0.01 L drum
				REG_CL[$id]=$((REG_CL[$id] + $(cl_advance "${DRAWN_ML[k]}" "${errs[k]}")))
			done
		elif [[ $line == *"the master meter still shows"* ]]; then
			set_flow 0
		else
			fail "an instruction the technician does not know: $line"
		fi
		live_say ""
	done
	live_end "$@"
}

# label_err LABEL: the error (%) in a result label "Q1 0.02625 m3/h E +1.20 %".
label_err() {
	sed -nE 's/.* E ([-+][0-9.]+) %$/\1/p' <<<"$1"
}

# The batch of three meters on the master meter at PORT (a bench file port).
series_batch() { # PORT [SERIAL_LINE]
	local id k n seq runs batch run ref_id op_id label e errs want fail_no pass_no
	declare -gA REG_CL=([DH-1]=1230000 [DH-2]=1540000 [DH-3]=1850000)
	local -A start=()
	for id in "${METERS[@]}"; do start[$id]=${REG_CL[$id]}; done
	register_meters
	master_bench "$@"
	series_technician run --procedure "$WPROC" --instrument DH-1 --instrument DH-2 \
		--instrument DH-3 --bench "$T/bench.yaml" --mode initial --operator "IT technician"
	# ---- what the program said
	expect_rc 2 # completed, at least one FAIL (cli.h CLI_FAIL)
	[ "$N_INSTR" = 9 ] || fail "$N_INSTR instructions, expected 3 per point (set, open, draw)"
	[ "$N_ASKED" = 18 ] || fail "$N_ASKED register prompts, expected 3 meters x 2 x 3 points"
	expect_no_out 'taken again|still shows'
	expect_out '^Verification of cold-water meters in series \(OIML R 49\) of 3 meters \(DH-1, DH-2, DH-3\), mode initial$'
	grep -Fq "Reference master1 (standard MM-1) on $1" "$T/out" ||
		fail "the master meter is not named with its port $1: $(grep '^Reference' "$T/out" || true)"
	expect_out '^\[1/3\] Water meters in series, Q1 0.025 m3/h: draw at least 10.000 L through the reference'
	expect_out '^\[2/3\] Water meters in series, Q2 0.04 m3/h: draw at least 10.000 L through the reference'
	expect_out '^\[3/3\] Water meters in series, Q3 2.5 m3/h: draw at least 62.500 L through the reference'
	expect_out '^Verdict DH-1: PASS$'
	expect_out '^Verdict DH-2: PASS$'
	expect_out '^Verdict DH-3: FAIL: Q1 0.025 m3/h: E = -6\.[0-9]+ % beyond the MPE ±5 % \(Va 1[0-9]\.[0-9]{3} L, Vi [0-9.]+ L\)$'
	expect_out "^Certificate: $NUMBER_RE, issued [0-9-]{10}, valid until [0-9-]{10}$"
	expect_out "^Failure record \(không đạt\): $NUMBER_RE, issued [0-9-]{10}$"
	expect_out '^Batch [0-9]+: 3 meters, at least one FAIL$'
	[ ! -s "$T/err" ] || fail "the run wrote to stderr"
	cp "$T/out" "$T/run.out"

	# ---- the runs: three, completed, one batch (the first run's id)
	n=$(sql "SELECT count(*) FROM runs")
	[ "$n" = 3 ] || fail "$n runs, expected 3"
	n=$(sql "SELECT count(*) FROM runs WHERE status = 'completed' AND finished_at <> ''
		AND procedure_id = 'r49-water-meter-verification' AND mode = 'initial'
		AND activity = 'verification' AND device_id = 'master1'")
	[ "$n" = 3 ] || fail "runs not all completed: $(sql "SELECT id, instrument_id, status, device_id FROM runs")"
	n=$(sql "SELECT count(DISTINCT batch) FROM runs WHERE batch = (SELECT min(id) FROM runs)")
	[ "$n" = 1 ] || fail "not one batch: $(sql "SELECT id, batch FROM runs")"
	[ "$(sql "SELECT count(*) FROM runs WHERE batch IS NULL")" = 0 ] || fail "a run outside the batch"
	batch=$(sql "SELECT min(id) FROM runs")
	expect_out "^Batch $batch: "
	# the master meter's register entry, as it was, with each run
	n=$(sql "SELECT count(*) FROM run_pressure_standards WHERE standard_id = 'MM-1'
		AND unit = 'm3/h' AND cert_no = 'IT-MM-01' AND run_id IN (SELECT id FROM runs WHERE batch = $batch)")
	[ "$n" = 3 ] || fail "the reference standard MM-1 is kept with $n runs, expected 3"
	runs=$(sql "SELECT group_concat(instrument_id || '=' || verdict, ' ') FROM (SELECT * FROM runs ORDER BY id)")
	[ "$runs" = "DH-1=PASS DH-2=PASS DH-3=FAIL" ] || fail "verdicts: $runs"
	[ "$(sql "SELECT count(*) FROM runs WHERE verdict = 'PASS' AND fail_reason <> ''")" = 0 ] ||
		fail "a PASS run with a fail reason"
	e=$(sql "SELECT fail_reason FROM runs WHERE instrument_id = 'DH-3'")
	[[ $e =~ ^Q1\ 0\.025\ m3/h:\ E\ =\ -6\.[0-9]+\ %\ beyond\ the\ MPE\ ±5\ % ]] ||
		fail "DH-3's fail reason does not name Q1: '$e'"

	# ---- the results: Q1, Q2, Q3 of each meter, each at the meter's error
	for id in "${METERS[@]}"; do
		run=$(sql "SELECT id FROM runs WHERE instrument_id = '$id'")
		read -r -a errs <<<"${METER_ERR[$id]}"
		n=$(sql "SELECT count(*) FROM results WHERE run_id = $run")
		[ "$n" = 3 ] || fail "$id: $n results, expected 3"
		for k in 0 1 2; do
			seq=$((k + 1))
			label=$(sql "SELECT label FROM results WHERE run_id = $run AND seq = $seq AND test = 'water'")
			# the flow of the point: the master meter's while it ran (the
			# technician set the middle of the window)
			[[ $label == "${POINT_FLOW[k]} E "* ]] || fail "$id: result $seq is '$label', not ${POINT_FLOW[k]}"
			e=$(label_err "$label")
			# (within 0.08 %: the drum's 0.01 L is 0.05 % of a 10 L draw)
			if [ -z "$e" ] || ! near "$e" "${errs[k]}" 0.08; then
				fail "$id at Q$seq: E = '$e' %, its register ran ${errs[k]} %"
			fi
			want=PASS
			[ "$id" = DH-3 ] && [ "$k" = 0 ] && want=FAIL
			[ "$(sql "SELECT verdict FROM results WHERE run_id = $run AND seq = $seq")" = "$want" ] ||
				fail "$id at Q$seq: verdict $(sql "SELECT verdict FROM results WHERE run_id = $run AND seq = $seq"), expected $want"
			# the reference volume is what the simulator ran (to its 1 mL print),
			# the indication the registers' difference, in L
			n=$(sql "SELECT ref FROM results WHERE run_id = $run AND seq = $seq")
			near "$n" "$(awk -v v="${DRAWN_ML[k]}" 'BEGIN { print v / 1000 }')" 0.002 ||
				fail "$id at Q$seq: Va $n L, the simulator ran ${DRAWN_ML[k]} mL"
			n=$(sql "SELECT count(*) FROM results WHERE run_id = $run AND seq = $seq
				AND unit = 'L' AND abs(error - (indication - ref)) < 1e-9
				AND reading_id IN (SELECT id FROM readings WHERE run_id = $run
					AND point_seq = 2 * $seq AND source = 'operator')
				AND ref_reading_id IN (SELECT id FROM readings WHERE point_seq = 2 * $seq
					AND $TOTAL AND run_id = $run)")
			# (ref_reading_id: the master meter's reading after the draw, as
			# committed to this run)
			[ "$n" = 1 ] || fail "$id at Q$seq: result not tied to its readings: $(sql "SELECT * FROM results WHERE run_id = $run AND seq = $seq")"
		done
	done
	[ "$(sql "SELECT count(*) FROM results WHERE verdict = 'FAIL'")" = 1 ] || fail "more than one failing point"

	# ---- the readings: at each of the 6 readings of the 3 points (before and
	# after each draw) the master meter's totalizer, committed to every run
	# (the same value) before any register; the flow it showed while the water
	# ran, with the reading after the draw; every value present
	n=$(sql "SELECT count(*) FROM readings")
	[ "$n" = 45 ] || fail "$n readings, expected 3 meters x (6 x (totalizer + register) + 3 flows)"
	[ "$(sql "SELECT count(*) FROM readings WHERE value IS NULL OR value_si IS NULL OR raw = ''")" = 0 ] ||
		fail "readings without their value: $(sql "SELECT id, run_id, point_seq, source FROM readings WHERE value IS NULL OR value_si IS NULL OR raw = ''")"
	n=$(sql "SELECT count(*) FROM readings WHERE source NOT IN ('device:master1', 'operator')")
	[ "$n" = 0 ] || fail "readings from elsewhere: $(sql "SELECT DISTINCT source FROM readings")"
	n=$(sql "SELECT count(*) FROM readings WHERE $TOTAL")
	[ "$n" = 18 ] || fail "master meter totalizer readings (m3): $n, expected 18"
	for seq in 1 2 3 4 5 6; do
		n=$(sql "SELECT count(DISTINCT value) || ' ' || count(*) FROM readings WHERE point_seq = $seq AND $TOTAL")
		[ "$n" = "1 3" ] || fail "reading $seq of the master meter: (values, readings) = $n, expected one value in each run"
		# in every run before the first register
		n=$(sql "SELECT (SELECT max(id) FROM readings WHERE point_seq = $seq AND $TOTAL)
			< (SELECT min(id) FROM readings WHERE point_seq = $seq AND source = 'operator')")
		[ "$n" = 1 ] || fail "reading $seq: a register was committed before the master meter's reading"
	done
	for k in 0 1 2; do
		seq=$((2 * k + 2))
		n=$(sql "SELECT count(DISTINCT value) || ' ' || count(*) || ' ' || (min(value_si) * 3600)
			FROM readings WHERE point_seq = $seq AND $FLOW")
		if ! [[ $n =~ ^1\ 3\ ([0-9.e+-]+)$ ]] ||
			! near "${BASH_REMATCH[1]}" "${POINT_Q[k]}" "$(awk -v q="${POINT_Q[k]}" 'BEGIN { print q * 1e-3 }')"; then
			fail "the flow at ${POINT_FLOW[k]:0:2}: (values, readings, m3/h) = $n, the technician set ${POINT_Q[k]} m3/h"
		fi
	done
	for id in "${METERS[@]}"; do
		run=$(sql "SELECT id FROM runs WHERE instrument_id = '$id'")
		for seq in 1 2 3 4 5 6; do
			ref_id=$(sql "SELECT group_concat(id) FROM readings WHERE run_id = $run AND point_seq = $seq AND $TOTAL")
			op_id=$(sql "SELECT group_concat(id) FROM readings WHERE run_id = $run AND point_seq = $seq AND source = 'operator'")
			[[ $ref_id =~ ^[0-9]+$ && $op_id =~ ^[0-9]+$ ]] ||
				fail "$id reading $seq: master meter '$ref_id', register '$op_id' (one each expected)"
			[ "$ref_id" -lt "$op_id" ] || fail "$id reading $seq: the register ($op_id) was committed before the master meter ($ref_id)"
		done
		n=$(sql "SELECT count(*) FROM readings WHERE run_id = $run AND source = 'operator'
			AND unit = 'm3' AND decimals = 5 AND stable = 1")
		[ "$n" = 6 ] || fail "$id: its registers not kept as typed (m3, 5 decimals): $(sql "SELECT point_seq, raw, unit, decimals FROM readings WHERE run_id = $run AND source = 'operator'")"
		# the first and the last register are the technician's
		n=$(sql "SELECT raw FROM readings WHERE run_id = $run AND source = 'operator' AND point_seq = 1")
		[ "$n" = "$(cl_m3 "${start[$id]}")" ] || fail "$id: first register $n, the technician typed $(cl_m3 "${start[$id]}")"
		n=$(sql "SELECT raw FROM readings WHERE run_id = $run AND source = 'operator' AND point_seq = 6")
		[ "$n" = "$(register_show "$id")" ] || fail "$id: last register $n, the technician typed $(register_show "$id")"
	done

	# ---- the documents: a certificate for each passing meter, a failure
	# record for DH-3, each tied to its run
	n=$(sql "SELECT group_concat(d, ' ') FROM (SELECT c.instrument_id || '=' || c.kind AS d
		FROM certificates c JOIN runs r ON r.id = c.run_id AND r.instrument_id = c.instrument_id
		ORDER BY c.run_id)")
	[ "$n" = "DH-1=verification DH-2=verification DH-3=failure" ] || fail "documents: $n"
	[ "$(sql "SELECT count(*) FROM certificates WHERE kind = 'verification' AND valid_until > issue_date")" = 2 ] ||
		fail "certificates without a validity"
	pass_no=$(sql "SELECT number FROM certificates WHERE instrument_id = 'DH-2'")
	fail_no=$(sql "SELECT number FROM certificates WHERE instrument_id = 'DH-3'")
	[[ $pass_no =~ ^$NUMBER_RE$ && $fail_no =~ ^$NUMBER_RE$ ]] || fail "document numbers '$pass_no' '$fail_no'"
	cb cert show "$pass_no"
	expect_rc 0
	expect_out "^No\. $pass_no$"
	expect_out 'serial S-DH-2 \(register id DH-2\)'
	expect_out 'procedure r49-water-meter-verification'
	expect_out '^Standards +MM-1 \(.*Siemens MAG 6000, serial MM-0001, .*cert\. IT-MM-01'
	# a water meter's data, not a weighing instrument's
	expect_out 'class 2, Q1 0\.025 m3/h, .*Q3 2\.5 m3/h'
	expect_no_out 'R 76|Max 0'
	expect_out '^ +1 +water +Q1 0\.02625 m3/h E [-+][0-9.]+ % .* PASS$'
	expect_out '^ +3 +water +Q3 2\.375 m3/h E [-+][0-9.]+ % .* PASS$'
	expect_out '^Result +PASS$'
	expect_out '^Status today +valid$'
	cb verify "$pass_no"
	expect_rc 0
	expect_out "^$pass_no: valid$"
	expect_out 'serial S-DH-2'
	cb cert show "$fail_no"
	expect_rc 0
	expect_out "^No\. $fail_no$"
	expect_out 'serial S-DH-3 \(register id DH-3\)'
	expect_out '^ +1 +water +Q1 0\.02625 m3/h E -6\.[0-9]+ % .* FAIL$'
	expect_out '^Result +FAIL: Q1 0\.025 m3/h: E = -6\.[0-9]+ % beyond the MPE ±5 %'
	cb verify "$fail_no"
	expect_rc 13 # a failure record
	expect_out 'verdict +FAIL: Q1 0\.025 m3/h'
	sim_stop m
}

test_series_tcp() {
	SIM_KIND=flow sim_start m --listen modbus-tcp:127.0.0.1:0 --q 0 --speed "$SPEED" ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	[[ $SIM_WHERE =~ ^modbus-tcp:127\.0\.0\.1:[0-9]+$ ]] || fail "sim flow printed '$SIM_WHERE'"
	series_batch "$SIM_WHERE"
}

test_series_rtu() {
	SIM_KIND=flow sim_start m --rtu --q 0 --speed "$SPEED" ||
		fail "flow simulator did not start: $(cat "$T/m.err")"
	[ -c "$SIM_WHERE" ] || fail "sim flow --rtu printed '$SIM_WHERE', not a tty"
	series_batch "modbus-rtu:$SIM_WHERE" 19200/8E1
}

run_tests

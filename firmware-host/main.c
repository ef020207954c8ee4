/*
 * calbench: calibration bench software. Command dispatch, global options,
 * signals. See `calbench help` and README.md.
 */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/log.h"
#include "cli.h"

#ifndef CALBENCH_VERSION
#define CALBENCH_VERSION "0.0.0"
#endif

static volatile int g_stop;

static void on_signal(int sig)
{
	if (g_stop) {
		/* Second Ctrl-C: leave now. The database is consistent after every commit. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	g_stop = sig; /* which signal, for the message */
}

static void log_to_stderr(enum cal_log_level level, const char *msg, void *payload)
{
	fprintf(stderr, "%s\n", msg);
}

static const char usage_text[] =
	"usage: calbench [--db PATH] [-v] COMMAND [ARGS]\n"
	"\n"
	"Bench\n"
	"  demo                          simulated balance, a PASS and a FAIL verification\n"
	"  sim balance [options]         run a simulated MT-SICS balance (pty or TCP)\n"
	"  sim pressure --protocol P     run a simulated pressure controller (pace, mensor-cpc, "
	"ppc4)\n"
	"  sim flow [options]            run a simulated Modbus flow meter (RTU on a pty, or TCP)\n"
	"  ports                         list serial ports\n"
	"  bench check --bench FILE      identify every instrument of a bench, one reading each\n"
	"  read --bench FILE ID [--json] one reading from a bench instrument\n"
	"  setpoint --bench FILE ID VALUE UNIT  set a pressure controller, wait until settled\n"
	"  vent --bench FILE ID          vent a pressure controller\n"
	"Registers\n"
	"  instrument add|list|show      instruments under test (show: history, pass/fail)\n"
	"  standard add|list|show        reference standards (weights; pressure, flow and\n"
	"                                volume references)\n"
	"Runs and documents\n"
	"  run --bench FILE --procedure FILE --instrument ID --mode MODE [--operator NAME]\n"
	"      [--answers FILE] [--manual]          run a verification\n"
	"  run ... --instrument G1 --instrument G2 ...  gauges on one manifold (pressure),\n"
	"                                meters in series (flow bench)\n"
	"  run --resume RUN [--bench FILE] [--answers FILE]   continue an interrupted run\n"
	"  run --abort RUN --reason TEXT close an interrupted run without a document\n"
	"  runs [--instrument ID]        list runs\n"
	"  cert show NO [--json]         print a certificate or failure record\n"
	"  cert revoke NO --reason TEXT  withdraw a document (verify then answers revoked)\n"
	"  cert pdf NO [-o FILE]         the document as PDF (A4, Vietnamese and English)\n"
	"  cert amend NO --reason TEXT --owner|--location|--note ...  a revision NO-Rn\n"
	"  cert export NO --format dcc|json [-o FILE] [--pdf FILE|--no-pdf]\n"
	"                                machine-readable: PTB DCC 3.1.2 XML or JSON\n"
	"  verify NO [--json]            what an inspector gets for a certificate number\n"
	"  verify --offline PAYLOAD --pubkey FILE   check a scanned QR code, no database\n"
	"  keys init|show                the centre's signing key (documents are signed)\n"
	"  serve [--listen ADDR:PORT]    the read-only verification service (HTTP) for\n"
	"                                inspectors and QR codes\n"
	"  setting list|get|set          centre settings (certificate number pattern)\n"
	"Reports\n"
	"  stats [--from DATE] [--to DATE] [--by DIM,...] [--format table|csv|json|html]\n"
	"        [-o FILE]               verified, pass, fail and pass rate, grouped\n"
	"  import --csv FILE [--dry-run] a register kept in a spreadsheet, as history\n"
	"  due [--within 30d] [--format table|csv|json]   instruments and standards due\n"
	"  interval list|show|set|load   verification intervals per type, with dates\n"
	"  owner list|get|set            owners' contacts, for the due list\n"
	"\n"
	"Database: --db PATH, else $CALBENCH_DB, else ./calbench.db\n"
	"Exit codes: 0 ok (run: PASS; verify: valid), 1 error, 2 run verdict FAIL,\n"
	"  3 run interrupted (resumable; a flow-bench series: --abort), 4 run refused,\n"
	"  5 read/setpoint not stable\n"
	"  within the timeout, 64 usage;\n"
	"  verify: 11 expired, 12 revoked, 13 failure record, 14 unknown number,\n"
	"  15 superseded by a later document of the instrument, 16 tampered.\n"
	"Help on one command: calbench help COMMAND\n";

struct command {
	const char *name;
	cli_cmd_fn fn;
	const char *help;
};

static const struct command commands[] = {
	{ "demo", cmd_demo,
	  "calbench [--db PATH] demo\n"
	  "  Starts a simulated MT-SICS balance on a pseudo-terminal, registers a demo\n"
	  "  instrument and weight set, runs a verification that passes, another on a\n"
	  "  balance whose errors exceed the MPE (fails), and verifies both numbers.\n"
	  "  Database: calbench-demo.db in the current directory (recreated each time;\n"
	  "  $CALBENCH_DB is ignored so a lab database never gets demo records), or the\n"
	  "  one given with calbench --db PATH demo.\n" },
	{ "sim", cmd_sim,
	  "calbench sim balance [--listen tcp:HOST:PORT] [--link PATH] [--max G] [--d G]\n"
	  "    [--noise G] [--settle-ms MS] [--drift G_PER_MIN] [--profile LOAD:ERR,...]\n"
	  "    [--serial SN] [--model TEXT] [--seed N]\n"
	  "  Serves MT-SICS (S, SI, Z, T, @, I2, I4...) on a new pseudo-terminal (its path\n"
	  "  is printed; --link makes a symlink to it) or on TCP, until interrupted.\n"
	  "  Commands on stdin: load <g>, fault drop|garble|es|el [n], fault late [n] <ms>,\n"
	  "  fault close, profile <load:err,...>|none, noise <g>, drift <g/min>, status, help.\n"
	  "calbench sim pressure --protocol pace|mensor-cpc|ppc4 [--listen tcp:HOST:PORT]\n"
	  "    [--link PATH] [--serial SN] [--unit U] [--range LO:HI] [--decimals N]\n"
	  "    [--tau-ms MS] [--overshoot F] [--noise P] [--leak P_PER_S] [--band P]\n"
	  "    [--dwell-ms MS] [--ss P_PER_S] [--atm P] [--seed N]\n"
	  "  A pressure controller speaking PACE (SCPI), Mensor CPC or PPC4, with a\n"
	  "  pneumatic model. Pressures in --unit (default bar; kPa for ppc4). --band is\n"
	  "  the in-limits / stable / hold band, --dwell-ms the time in it before ready.\n"
	  "  Commands on stdin: fault drop|garble|error [n], fault late [n] <ms>, fault\n"
	  "  close, fault none, leak <rate> [unit], stuck on|off, noise <p> [unit], status.\n"
	  "calbench sim flow [--listen modbus-tcp:HOST:PORT | --rtu [--link PATH]] [--preset "
	  "NAME]\n"
	  "    [--unit-id N] [--serial 19200/8E1] [--q M3H] [--tau-ms MS] [--noise FRACTION]\n"
	  "    [--seed N] [--flow-unit U] [--total-unit U] [--speed K]\n"
	  "  A Modbus flow meter serving a register map (siemens-mag6000, endress-promag53,\n"
	  "  generic-mfe) over Modbus RTU on a new pseudo-terminal or Modbus TCP; the flow\n"
	  "  follows --q (m3/h) with --tau-ms and the totalizer integrates it; --speed K\n"
	  "  runs its clock K times fast (demos: long draws in seconds).\n"
	  "  Commands on stdin: fault exception [n] [code], fault crc|silence|slave [n],\n"
	  "  fault none, flow <m3/h>, noise <fraction>, status, help.\n" },
	{ "ports", cmd_ports, "calbench ports [--json]\n  Serial ports seen by libserialport.\n" },
	{ "bench", cmd_bench,
	  "calbench bench check --bench FILE\n"
	  "  Opens every instrument of the bench, identifies it and shows one reading.\n"
	  "  Exit 1 when any instrument does not answer.\n" },
	{ "read", cmd_read,
	  "calbench read --bench FILE ID [--json] [--now] [--timeout S] [--quantity NAME]\n"
	  "  One reading, waiting for stability up to --timeout (default 10 s);\n"
	  "  --now takes the current value, stable or not. --quantity reads one\n"
	  "  quantity of a meter's register map (flow, total, ...; default flow).\n" },
	{ "setpoint", cmd_setpoint,
	  "calbench setpoint --bench FILE ID VALUE UNIT [--hold S] [--max-rate R]\n"
	  "    [--band B] [--timeout S] [--no-flag] [--json]\n"
	  "  Sets a pressure controller's setpoint, starts control and waits until the\n"
	  "  controller reports in-limits AND our own samples hold |rate| <= R (UNIT/s,\n"
	  "  default 0.01 % of the setpoint per s) and |p - setpoint| <= B (if given)\n"
	  "  for --hold S (default 5) without a break, at most --timeout S (default 120).\n"
	  "  Exit 5 when it did not settle (the reason is printed).\n" },
	{ "vent", cmd_vent, "calbench vent --bench FILE ID\n  Vents a pressure controller.\n" },
	{ "instrument", cmd_instrument,
	  "calbench instrument add --id ID --type T --serial SN --class III --unit g --max N\n"
	  "    --e N [--d N] [--min N] [--manufacturer M] [--model M] [--owner O]\n"
	  "    [--interval MONTHS]     or: calbench instrument add --file FILE.yaml\n"
	  "  Pressure: --kind bourdon-gauge|digital-gauge|transmitter --unit bar [--lower N]\n"
	  "    --max N --d N; bourdon: --class 0.1..4 (EN 837-1); digital: --mpe-reading %\n"
	  "    --mpe-span % --mpe-digits N (any may be 0); transmitter (4-20 mA output):\n"
	  "    --class = accuracy in % of span\n"
	  "  Water meter: --kind water-meter --class 1|2 --q3 Q3 --r R (OIML R 49), or\n"
	  "    --class A..D --q3 Qn (no --r); --q3 in m3/h or with a flow unit (40 L/min);\n"
	  "    --unit m3|L (the register's) --d N (its verification scale interval, e.g.\n"
	  "    '0.05 L') [--max N] (the register's largest indication); Q1, Q2, Q4 computed\n"
	  "  Flow meter: --kind flow-meter --qmax Q [--qmin Q] --unit m3|L --d N\n"
	  "    --mpe-reading % (the accuracy its maker specifies)\n"
	  "  Fuel dispenser: --kind fuel-dispenser --class 0.5 (OIML R 117) --qmax Q --qmin Q\n"
	  "    --unit L --d N --mmq V (minimum measured quantity; Emin >= 2 d)\n"
	  "calbench instrument list [--json]\n"
	  "calbench instrument show ID [--json]   register data, history, pass/fail counts\n" },
	{ "standard", cmd_standard,
	  "calbench standard add --id W1 --class M1 --nominal 10kg [--correction 0.1g]\n"
	  "    [--u 0.16g] [--k 2] [--cert NO] --due YYYY-MM-DD [--description TEXT]\n"
	  "  A weight must conform to its class: U <= MPE/3, |correction| <= MPE - U.\n"
	  "    or: calbench standard add --file FILE.yaml (a list under 'standards:')\n"
	  "calbench standard add --kind pressure --id ID --unit bar --range LO..HI --u U\n"
	  "    [--u-rel %] [--k 2] --cert NO --due YYYY-MM-DD [--manufacturer M] [--model M]\n"
	  "    [--serial SN]   a pressure reference: U = u + u-rel % of |p|\n"
	  "calbench standard add --kind flow --id ID --unit m3/h --range LO..HI --u-rel %\n"
	  "    ...             a master meter: U = u-rel % of the volume it measures\n"
	  "calbench standard add --kind volume --id ID --unit L --range LO..HI --u U\n"
	  "    [--u-rel %] ... a proving can or a weighing rig: U = u + u-rel % of V\n"
	  "calbench standard list [--json]\ncalbench standard show ID [--json]\n" },
	{ "run", cmd_run,
	  "calbench run --bench FILE --procedure FILE --instrument ID\n"
	  "    --mode initial|periodic|after-repair [--device BENCH_ID] [--operator NAME]\n"
	  "    [--answers FILE] [--manual] [--accept-serial-mismatch]\n"
	  "calbench run --resume RUN [--bench FILE] [--answers FILE]\n"
	  "calbench run --abort RUN --reason TEXT   give up an interrupted run (no document)\n"
	  "  Runs a procedure. The reading comes from the bench instrument (--device, or\n"
	  "  the bench's only instrument); --manual asks for indications instead.\n"
	  "  A balance reporting another serial number than the register is refused\n"
	  "  unless --accept-serial-mismatch. Overload or underload asks for the point\n"
	  "  again; three in a row interrupt the run.\n"
	  "  Pressure procedures: --instrument may be given several times (gauges of one\n"
	  "  scale on one manifold; ID@BENCH_ID reads a gauge over its own interface);\n"
	  "  --device is the reference controller, its register entry the bench's\n"
	  "  'standard:' or --standard ID. Each gauge gets its own run, verdict and\n"
	  "  document; --resume RUN continues the whole batch. Its answers file: 'ok'\n"
	  "  for the set-up, then at each point one number per typed gauge, in the\n"
	  "  order the gauges were given.\n"
	  "  Flow-bench procedures (water meters, flow meters, fuel dispensers): several\n"
	  "  --instrument in series (ID@BENCH_ID: its register read over Modbus); --device\n"
	  "  the master meter or the balance (a proving can is typed: no bench needed);\n"
	  "  the reference's register entry is 'standard:' or --standard ID (kind flow\n"
	  "  or volume). An interrupted series is closed with --abort (not resumed yet).\n"
	  "  What the document states of the run: [--location TEXT] (default: the\n"
	  "  centre's laboratory) [--received YYYY-MM-DD] [--temperature °C]\n"
	  "  [--humidity %RH] [--checked-by NAME] [--sticker NO] (the sticker put on).\n"
	  "  Answers file: one answer per line, 'ok' (or empty) confirms an instruction,\n"
	  "  a number is a typed indication, 'quit' stops; '#' starts a comment.\n"
	  "  Exit: 0 PASS, 2 FAIL, 3 interrupted, 4 refused, 1 error.\n" },
	{ "runs", cmd_runs, "calbench runs [--instrument ID] [--json]\n" },
	{ "cert", cmd_cert,
	  "calbench cert show NO [--json]\n"
	  "calbench cert revoke NO --reason TEXT   withdraw a document (kept, marked revoked)\n"
	  "calbench cert pdf NO [-o FILE|-] [--font FILE] [--font-bold FILE] [--json]\n"
	  "  The document as PDF: A4, Vietnamese then English, the number and page k of n\n"
	  "  on every page, a QR code of its verification text. Default file NO.pdf;\n"
	  "  '-o -' writes to stdout. Font: DejaVu Sans (fonts-dejavu-core) unless\n"
	  "  --font names a TrueType file; the centre's logo: setting lab.logo (PNG).\n"
	  "calbench cert amend NO --reason TEXT [--owner TEXT] [--location TEXT] [--note TEXT]\n"
	  "  A revision NO-R1, NO-R2 ... replaces the document whole (ISO/IEC 17025\n"
	  "  7.8.8); the original stays and verifies as superseded by it.\n"
	  "calbench cert export NO --format dcc|json [-o FILE|-] [--pdf FILE | --no-pdf]\n"
	  "  The document machine-readable, from the same record as the PDF: dcc is a\n"
	  "  PTB Digital Calibration Certificate (DCC 3.1.2 XML; the schema is in\n"
	  "  docs/dcc/) with the PDF embedded (dcc:document): rendered from the same\n"
	  "  record, or the file given by --pdf; --no-pdf: none. json is what cert\n"
	  "  show --json prints. Default: stdout.\n" },
	{ "verify", cmd_verify,
	  "calbench verify NO [--json]\n"
	  "calbench verify --offline PAYLOAD --pubkey centre.pub [--json]\n"
	  "  A scanned QR code (its text, or the payload after '#') checked with the\n"
	  "  centre's public key alone: no database.\n"
	  "  Exit 0 valid, 11 expired, 12 revoked, 13 failure record, 14 unknown,\n"
	  "  15 superseded (a later certificate or failure record of the instrument),\n"
	  "  16 tampered (what is stored is not what was issued; offline: not genuine).\n" },
	{ "keys", cmd_keys,
	  "calbench keys init [--dir DIR]   the centre's Ed25519 key pair: DIR/centre.key\n"
	  "    (mode 0600, never in the database; default DIR: NAME-keys beside the\n"
	  "    database NAME.db) and DIR/centre.pub; documents issued from then on are\n"
	  "    signed\n"
	  "calbench keys show\n" },
	{ "serve", cmd_serve,
	  "calbench serve [--listen 127.0.0.1:8080] [--db PATH] [--rate N/s] [--burst N]\n"
	  "    [--threads N]\n"
	  "  The verification service, read-only, until Ctrl-C or SIGTERM: GET /verify/NO\n"
	  "  (a page for a phone, what a scanned QR code opens), GET /api/v1/certificates/NO\n"
	  "  (JSON), GET /healthz. Prints the URL first (--listen HOST:0 picks a free\n"
	  "  port; [::]:PORT for IPv6). --rate: requests per client address (N, N/s or\n"
	  "  N/min; default 10/s, 0 = no limit), --burst: at once (default 2 x rate);\n"
	  "  beyond: 429 with Retry-After. --threads: default one per CPU.\n"
	  "  See docs/serve.md (what it shows, a systemd unit).\n" },
	{ "stats", cmd_stats,
	  "calbench stats [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	  "    [--activity verification|calibration] [--by DIM[,DIM...]]\n"
	  "    [--format table|csv|json|html] [-o FILE]\n"
	  "  Instruments verified, passed and failed, with the pass rate, grouped by\n"
	  "  DIM: type, mode, result, month, quarter, year, owner, operator, procedure,\n"
	  "  method, source (run or import); with a total row. The period is on the\n"
	  "  documents' issue dates, both ends included. Counted: one completed run with\n"
	  "  its document, or one imported register row (pass: a\n"
	  "  certificate, fail: a failure record); a re-verification counts again; a\n"
	  "  revoked document does not count; a revision adds no count. Calibrations\n"
	  "  only with --activity calibration (result: the conformity verdict).\n"
	  "  CSV: UTF-8, RFC 4180, a header row. HTML: one self-contained page (no\n"
	  "  script, no network): the table, and pass/fail per month and per instrument\n"
	  "  type as inline SVG charts; for e-mail, a phone or paper. Default output: stdout.\n"
	  "  An empty period is an error (exit 1, no file written).\n"
	  "  See docs/statistics.md.\n" },
	{ "import", cmd_import,
	  "calbench import --csv FILE [--dry-run] [--column FIELD=HEADER]... [--map FILE]\n"
	  "    [--delimiter ,|;|tab] [--month-first] [--skip-imported] [--json]\n"
	  "  Brings in a register kept in a spreadsheet (CSV, UTF-8): one row per\n"
	  "  verification with date, type, manufacturer, model, serial, owner, method,\n"
	  "  mode, result, number, valid_until, technician (and activity). Columns are\n"
	  "  found by their header (English or Vietnamese, e.g. 'Ngày kiểm định', 'Kết\n"
	  "  quả'); --column or --map FILE (FIELD=HEADER lines) names others. Required:\n"
	  "  date, type, serial, result. Dates YYYY-MM-DD or DD/MM/YYYY. All or nothing:\n"
	  "  every error is listed with its line and column, and nothing is written.\n"
	  "  Rows become instruments and history marked imported: counted by stats,\n"
	  "  answered by verify. A file is imported once; a register brought in again\n"
	  "  with new rows: --skip-imported skips the rows already in. See docs/import.md.\n" },
	{ "setting", cmd_setting,
	  "calbench setting list\ncalbench setting get KEY\ncalbench setting set KEY VALUE\n"
	  "  e.g. calbench setting set cert.number_pattern 'QNG-{YYYY}-{SEQ:5}'\n" },
	{ "due", cmd_due,
	  "calbench due [--within 30d] [--today YYYY-MM-DD] [--format table|csv|json]\n"
	  "    [-o FILE]\n"
	  "  What is due within the window (N or Nd days, default 30), overdue included,\n"
	  "  by due date: instruments, from their latest verification (a certificate's\n"
	  "  validity date; else its date + the instrument's interval, else + the\n"
	  "  interval in force for its type on that date: calbench interval; a failure\n"
	  "  is due at once), with their owner's contact (calbench owner); and reference\n"
	  "  standards, from their calibration due dates. Revoked documents and\n"
	  "  calibrations do not count. Today: the computer's local date, or --today.\n"
	  "  CSV: UTF-8, RFC 4180, a header row. Nothing due: a sentence, exit 0.\n"
	  "  See docs/due.md.\n" },
	{ "interval", cmd_interval,
	  "calbench interval list\n"
	  "calbench interval show TYPE [--date YYYY-MM-DD]\n"
	  "calbench interval set TYPE MONTHS --from YYYY-MM-DD [--source TEXT]\n"
	  "calbench interval load FILE        e.g. data/intervals-vn.yaml (Vietnam)\n"
	  "  Verification intervals per instrument type, each with the day it takes\n"
	  "  effect: a verification takes the row in force on its date. A type matches\n"
	  "  an instrument's type exactly or as its start, whatever the case; the longest\n"
	  "  wins. MONTHS 0..240, 0 = no periodic verification. An instrument's own\n"
	  "  interval (instrument add --interval) comes first. See docs/due.md.\n" },
	{ "owner", cmd_owner,
	  "calbench owner list\n"
	  "calbench owner get NAME\n"
	  "calbench owner set NAME [--contact TEXT] [--phone TEXT] [--email TEXT]\n"
	  "    [--address TEXT]\n"
	  "  Whom to remind: NAME is an instrument's owner as registered (exactly);\n"
	  "  set keeps the fields not given. calbench due shows the contact.\n" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int help(const char *name)
{
	const struct command *c = name ? find_command(name) : NULL;

	if (name && !c)
		return cli_usage(NULL, "help: unknown command '%s'", name);
	fputs(c ? c->help : usage_text, stdout);
	return CLI_OK;
}

int main(int argc, char **argv)
{
	struct cli cli;
	const struct command *c;
	struct sigaction sa;
	const char *env;
	int i = 1;

	/* Numbers are parsed and printed locale-independently; only text follows the locale. */
	setlocale(LC_CTYPE, "");
	cal_db_init_process();
	memset(&cli, 0, sizeof(cli));
	cli.argv0 = argv[0];
	cli.stop_flag = &g_stop;
	cli.is_tty = isatty(STDOUT_FILENO);
	env = getenv("CALBENCH_DB");
	cli.db_path = env && env[0] ? env : "calbench.db";
	cal_log_set_sink(log_to_stderr, NULL);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			cli.db_path = argv[++i];
			cli.db_given = true;
		} else if (strncmp(a, "--db=", 5) == 0) {
			cli.db_path = a + 5;
			cli.db_given = true;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			cli.verbose = true;
			cal_log_set_level(cal_log_get_level() < CAL_LOG_INFO ? CAL_LOG_INFO
									     : CAL_LOG_DBG);
		} else if (strcmp(a, "--version") == 0) {
			printf("calbench %s\n", CALBENCH_VERSION);
			return CLI_OK;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			return help(NULL);
		} else {
			return cli_usage(NULL, "unknown option '%s'", a);
		}
	}
	if (i >= argc) {
		fputs(usage_text, stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[i], "help") == 0)
		return help(i + 1 < argc ? argv[i + 1] : NULL);
	c = find_command(argv[i]);
	if (!c)
		return cli_usage(NULL, "unknown command '%s'", argv[i]);
	for (int k = i + 1; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0)
			return help(c->name);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	return c->fn(&cli, argc - i, argv + i);
}

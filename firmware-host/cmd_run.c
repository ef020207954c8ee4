/*
 * calbench run: run a procedure on an instrument under test, or resume one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cli.h"
#include "run_pressure.h"

/*
 * Take every "--NAME VALUE" / "--NAME=VALUE" out of argv into vals (a
 * repeatable option); the rest stays in order. CLI_USAGE when one lacks its
 * value or there are more than @max.
 */
static int take_repeated(int *argc, char **argv, const char *name, const char **vals, size_t max,
			 size_t *n)
{
	size_t len = strlen(name);
	int out = 0;

	*n = 0;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		const char *v = NULL;

		if (strcmp(a, "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, name, len) == 0 &&
		    (a[2 + len] == '\0' || a[2 + len] == '=')) {
			if (a[2 + len] == '=')
				v = a + 3 + len;
			else if (i + 1 < *argc)
				v = argv[++i];
			else
				return cli_usage("run", "run: option '--%s' needs a value", name);
			if (*n >= max)
				return cli_usage("run", "run: at most %zu --%s", max, name);
			vals[(*n)++] = v;
			continue;
		}
		argv[out++] = argv[i];
	}
	*argc = out;
	return CLI_OK;
}

static int open_device(struct cal_device **dev, struct cal_bench **bench, const char *bench_path,
		       const char *device_id)
{
	const struct cal_bench_instr *in = NULL;
	int err;

	*dev = NULL;
	err = cal_bench_load(bench, bench_path);
	if (err)
		return err;
	if (device_id && device_id[0]) {
		in = cal_bench_find(*bench, device_id);
		if (!in)
			return cal_error_set(CAL_ERR_NOTFOUND,
					     "%s: no instrument '%s' in bench '%s'", bench_path,
					     device_id, (*bench)->name);
	} else if ((*bench)->n == 1) {
		in = &(*bench)->instr[0];
	} else {
		return cal_error_set(
			CAL_ERR_REFUSED,
			"%s: the bench has %zu instruments; say which with --device ID", bench_path,
			(*bench)->n);
	}
	return cal_bench_open(dev, in);
}

static int refused_code(int err);

/* "Mettler Toledo NAWI ICS425, serial 1234", leaving out what the register lacks. */
static void describe_instrument(char *buf, size_t size, const struct cal_instrument *in)
{
	const char *parts[] = { in->manufacturer, in->type, in->model };
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (!parts[i][0] || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? " " : "", parts[i]);
	}
	if (len < size)
		snprintf(buf + len, size - len, "%sserial %s", len ? ", " : "",
			 in->serial[0] ? in->serial : "not given");
}

/* Print the outcome of a run and choose the exit code. */
static int report(struct cli *cli, struct cal_db *db, const struct cal_run_outcome *o, int err,
		  const char *bench_path)
{
	struct cal_run run;
	struct cal_result *r = NULL;
	size_t n = 0;

	if (!err && o->completed) {
		if (cal_db_result_list(&r, &n, db, o->run_id) == CAL_OK) {
			printf("\nResults of run %lld\n", (long long)o->run_id);
			cli_print_results(cli, r, n);
			free(r);
		}
		printf("\nVerdict: %s%s%s\n", o->verdict, o->reason[0] ? ": " : "", o->reason);
		if (o->cert.kind == CAL_CERT_VERIFICATION)
			printf("Certificate: %s, issued %s, valid until %s\n", o->cert.number,
			       o->cert.issue_date, o->cert.valid_until);
		else
			printf("Failure record (không đạt): %s, issued %s\n", o->cert.number,
			       o->cert.issue_date);
		return strcmp(o->verdict, "PASS") == 0 ? CLI_OK : CLI_FAIL;
	}
	if (o->run_id) {
		char why[512];

		snprintf(why, sizeof(why), "%s", cal_error_last());
		cli_err("run %lld interrupted: %s", (long long)o->run_id, why);
		fprintf(stderr,
			"calbench: every reading so far is kept; continue with: calbench run "
			"--resume %lld%s%s\n",
			(long long)o->run_id, bench_path ? " --bench " : "",
			bench_path ? bench_path : "");
		/* Left interrupted (Ctrl-C, lost link, answers ran out): resumable. */
		if (cal_db_run_get(&run, db, o->run_id) == CAL_OK &&
		    run.status == CAL_RUN_INTERRUPTED)
			return CLI_INTERRUPTED;
		return CLI_ERROR;
	}
	cli_fail(err, "run refused");
	return refused_code(err);
}

/* A run that cannot start (or resume): refused (4) when the cause is a precondition. */
static int refused_code(int err)
{
	switch (err) {
	case CAL_ERR_REFUSED:
	case CAL_ERR_CONFIG:
	case CAL_ERR_STATE:
		return CLI_REFUSED;
	default:
		return CLI_ERROR;
	}
}

/* calbench run --abort RUN --reason TEXT: close an unfinished run, no document. */
static int abort_run(struct cli *cli, long long run_id, const char *reason)
{
	struct cal_db *db = NULL;
	struct cal_run run;
	int rc, err;

	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = cal_db_run_get(&run, db, run_id);
	if (!err && run.status == CAL_RUN_RUNNING)
		err = cal_error_set(CAL_ERR_STATE,
				    "run %lld is running (process %d): stop it first (Ctrl-C)",
				    run_id, run.pid);
	if (!err)
		err = cal_db_run_abort(db, run_id, reason);
	if (err) {
		cli_fail(err, NULL);
		rc = refused_code(err);
	} else {
		printf("Run %lld aborted: %s (no certificate or failure record is issued)\n",
		       run_id, reason);
		rc = CLI_OK;
	}
	cal_db_close(db);
	return rc;
}

/* The centre named a signing key (sign.key_file): its documents are signed. */
static bool key_file_named(struct cal_db *db)
{
	char path[4096];
	bool named = cal_db_setting_get(path, sizeof(path), db, "sign.key_file") == CAL_OK;

	cal_error_clear();
	return named;
}

/*
 * What the document will state of the run: --location, --received
 * YYYY-MM-DD, --temperature °C, --humidity %, --checked-by, --sticker.
 */
static int run_conditions(struct cal_run_conditions *c, const char *location, const char *received,
			  const char *temp, const char *rh, const char *checked_by,
			  const char *sticker)
{
	struct cal_date d;

	memset(c, 0, sizeof(*c));
	if (received && cal_date_parse(&d, received))
		return cli_usage("run", "run: --received '%s' is not a date YYYY-MM-DD (from 1970)",
				 received);
	if (received) {
		struct cal_date today;

		cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
		if (cal_date_cmp(&d, &today) > 0)
			return cli_usage("run",
					 "run: --received %s is after today: the item is "
					 "received before it is measured",
					 received);
	}
	if (temp) {
		if (cal_num_parse_str(&c->temperature_c, NULL, temp) ||
		    !(c->temperature_c > -40 && c->temperature_c < 80))
			return cli_usage("run",
					 "run: --temperature '%s' is not an ambient temperature in "
					 "°C (e.g. 23.5)",
					 temp);
		c->has_temperature = true;
	}
	if (rh) {
		if (cal_num_parse_str(&c->humidity_pct, NULL, rh) ||
		    !(c->humidity_pct >= 0 && c->humidity_pct <= 100))
			return cli_usage("run",
					 "run: --humidity '%s' is not a relative humidity in %% "
					 "(0..100)",
					 rh);
		c->has_humidity = true;
	}
	snprintf(c->location, sizeof(c->location), "%s", location ? location : "");
	snprintf(c->received_date, sizeof(c->received_date), "%s", received ? received : "");
	snprintf(c->checked_by, sizeof(c->checked_by), "%s", checked_by ? checked_by : "");
	snprintf(c->sticker_no, sizeof(c->sticker_no), "%s", sticker ? sticker : "");
	return CLI_OK;
}

int cmd_run(struct cli *cli, int argc, char **argv)
{
	const char *bench_path = NULL, *proc_path = NULL, *instr_id = NULL, *mode = NULL;
	const char *operator_name = NULL, *answers_path = NULL, *device_id = NULL, *resume = NULL;
	const char *abort_id = NULL, *reason = NULL, *standard = NULL;
	const char *location = NULL, *received = NULL, *temp = NULL, *rh = NULL;
	const char *checked_by = NULL, *sticker = NULL;
	struct cal_run_conditions cond;
	const char *instruments[CAL_PRUN_MAX_GAUGES];
	size_t n_instruments = 0;
	bool manual = false, accept_serial = false;
	const struct cli_opt opts[] = {
		{ "bench", true, &bench_path, NULL },
		{ "procedure", true, &proc_path, NULL },
		{ "mode", true, &mode, NULL },
		{ "standard", true, &standard, NULL },
		{ "operator", true, &operator_name, NULL },
		{ "answers", true, &answers_path, NULL },
		{ "device", true, &device_id, NULL },
		{ "resume", true, &resume, NULL },
		{ "abort", true, &abort_id, NULL },
		{ "reason", true, &reason, NULL },
		{ "manual", false, NULL, &manual },
		{ "accept-serial-mismatch", false, NULL, &accept_serial },
		{ "location", true, &location, NULL },
		{ "received", true, &received, NULL },
		{ "temperature", true, &temp, NULL },
		{ "humidity", true, &rh, NULL },
		{ "checked-by", true, &checked_by, NULL },
		{ "sticker", true, &sticker, NULL },
		{ NULL, false, NULL, NULL },
	};
	const char *pos[1];
	struct cal_procedure *proc = NULL;
	struct cal_bench *bench = NULL;
	struct cal_device *dev = NULL;
	struct cal_answers *answers = NULL;
	struct cal_db *db = NULL;
	struct cal_instrument dut;
	struct cal_run_params p;
	struct cal_run_outcome o;
	struct cal_run run; /* resumed run: bench_path and device_id point into it */
	struct term_op t;
	long long resume_id = 0;
	int npos, rc, err;

	rc = take_repeated(&argc, argv, "instrument", instruments, CAL_PRUN_MAX_GAUGES,
			   &n_instruments);
	if (rc)
		return rc;
	rc = cli_parse(argc, argv, 1, opts, pos, 0, &npos, "run");
	if (rc)
		return rc;
	if (n_instruments)
		instr_id = instruments[0];
	rc = run_conditions(&cond, location, received, temp, rh, checked_by, sticker);
	if (rc)
		return rc;
	if (abort_id) {
		char *end;
		long long id = strtoll(abort_id, &end, 10);

		if (*end || id <= 0)
			return cli_usage("run", "run: --abort '%s' is not a run number", abort_id);
		if (!reason || !reason[0])
			return cli_usage("run", "run --abort: say why with --reason TEXT (kept "
						"with the run)");
		if (resume || proc_path || instr_id || mode || bench_path || manual)
			return cli_usage("run", "run --abort takes only the run and --reason");
		return abort_run(cli, id, reason);
	}
	if (reason)
		return cli_usage("run", "run: --reason goes with --abort");
	if (resume) {
		char *end;

		resume_id = strtoll(resume, &end, 10);
		if (*end || resume_id <= 0)
			return cli_usage("run", "run: --resume '%s' is not a run number", resume);
		if (proc_path || instr_id || mode)
			return cli_usage("run", "run --resume: the procedure, instrument and mode "
						"are those of the run");
	} else {
		if (!proc_path || !instr_id || !mode)
			return cli_usage("run", "run: --procedure, --instrument and --mode are "
						"required");
		if (strcmp(mode, "initial") && strcmp(mode, "periodic") &&
		    strcmp(mode, "after-repair"))
			return cli_usage("run",
					 "run: --mode '%s': expected initial, periodic or "
					 "after-repair",
					 mode);
	}
	memset(&t, 0, sizeof(t));
	memset(&p, 0, sizeof(p));
	memset(&o, 0, sizeof(o));
	t.cli = cli;
	t.in = stdin;
	if (answers_path) {
		err = cal_answers_load(&answers, answers_path);
		if (err)
			return cli_fail(err, NULL);
		t.delegate = &cal_answers_ops;
		t.delegate_ctx = answers;
	}
	t.interactive = !answers && isatty(STDIN_FILENO) && cli->is_tty;
	if (!resume) {
		err = cal_procedure_load(&proc, proc_path);
		if (err) {
			rc = cli_fail(err, NULL);
			goto out;
		}
	}
	/* a proving can is read by the technician: no bench needed */
	if (!resume && !bench_path && !manual &&
	    !(proc && proc->water && proc->wr.ref == CAL_WREF_CAN)) {
		rc = cli_usage("run", "run: --bench FILE is required (or --manual to type every "
				      "indication)");
		goto out;
	}
	if (proc && !proc->pressure && !proc->water && n_instruments > 1) {
		rc = cli_usage("run",
			       "run: --instrument once: several instruments in one run are for "
			       "pressure procedures (gauges on one manifold)");
		goto out;
	}
	if (standard && !(proc && (proc->pressure || proc->water))) {
		rc = cli_usage("run", "run: --standard names the reference of a pressure or "
				      "flow-bench run");
		goto out;
	}
	rc = cli_open_db(&db, cli, true);
	if (rc)
		goto out;
	/* a run must be able to issue its document: refused now, not after the measurements */
	if (!abort_id && !cal_db_has_signer(db) &&
	    (cal_db_signing_required(db) || key_file_named(db))) {
		rc = cli_fail(cal_error_set(CAL_ERR_REFUSED,
					    "the centre signs its documents and its private key "
					    "could not be loaded (calbench keys show; setting "
					    "sign.key_file): no run can issue a document"),
			      "run refused");
		rc = CLI_REFUSED;
		goto out;
	}
	memset(&run, 0, sizeof(run));
	if (resume && cal_db_run_get(&run, db, resume_id) != CAL_OK)
		memset(&run, 0, sizeof(run)); /* said again below, with the message */
	/* a run with a batch is a pressure run: gauges on one manifold */
	if ((proc && (proc->pressure || proc->water)) || (resume && run.batch)) {
		struct cli_pressure_args pa;

		if (manual) {
			rc = cli_usage("run",
				       "run: a pressure run reads its reference: give --bench, "
				       "not --manual");
			goto out;
		}
		memset(&pa, 0, sizeof(pa));
		pa.proc = proc;
		pa.instruments = instruments;
		pa.n_instruments = n_instruments;
		pa.mode = mode;
		if (!operator_name)
			operator_name = getenv("USER") ? getenv("USER") : getenv("LOGNAME");
		pa.operator_name = operator_name;
		pa.bench_path = bench_path ? bench_path : (resume ? run.bench_path : NULL);
		if (pa.bench_path && !pa.bench_path[0])
			pa.bench_path = NULL;
		pa.device_id = device_id;
		pa.standard_id = standard;
		pa.resume_id = resume ? resume_id : 0;
		pa.op = &term_op_ops;
		pa.op_ctx = &t;
		pa.live_shown = &t.live_shown;
		pa.accept_serial_mismatch = accept_serial;
		pa.cond = cond;
		rc = cli_run_pressure(cli, db, &pa);
		goto out;
	}
	if (resume) {
		err = cal_db_run_get(&run, db, resume_id);
		if (!err && run.status != CAL_RUN_INTERRUPTED && run.status != CAL_RUN_RUNNING)
			err = cal_error_set(
				CAL_ERR_STATE,
				"run %lld is %s, only an interrupted run can be resumed", resume_id,
				cal_run_status_name(run.status));
		if (err) {
			cli_fail(err, NULL);
			rc = refused_code(err);
			goto out;
		}
		if (!bench_path && run.bench_path[0])
			bench_path = run.bench_path;
		if (run.device_id[0]) {
			if (!bench_path) {
				rc = cli_usage("run",
					       "run --resume: run %lld read '%s': give --bench",
					       resume_id, run.device_id);
				goto out;
			}
			device_id = run.device_id;
		} else {
			manual = true;
		}
		snprintf(dut.id, sizeof(dut.id), "%s", run.instrument_id);
		printf("Resuming run %lld: %s, %s, mode %s\n", resume_id, run.instrument_id,
		       run.procedure_title, run.mode);
	} else {
		err = cal_db_instrument_get(&dut, db, instr_id);
		if (err) {
			cli_fail(err, NULL);
			rc = refused_code(err);
			goto out;
		}
	}
	if (!manual) {
		err = open_device(&dev, &bench, bench_path, device_id);
		if (err) {
			cli_fail(err, NULL);
			rc = refused_code(err);
			goto out;
		}
	}
	if (!resume) {
		char what[256];

		describe_instrument(what, sizeof(what), &dut);
		printf("Verification of %s (%s), %s, mode %s\n", dut.id, what, proc->title, mode);
	}
	if (!manual) {
		printf("Reading %s on %s\n", dev->id, cal_transport_describe(dev->tr));
	} else {
		printf("Indications are typed by the operator\n");
	}
	fflush(stdout);
	p.db = db;
	p.proc = proc;
	p.dut = &dut;
	p.mode = mode ? mode : "";
	if (!operator_name)
		operator_name = getenv("USER") ? getenv("USER") : getenv("LOGNAME");
	p.operator_name = operator_name;
	p.bench_path = manual ? NULL : bench_path;
	p.dev = dev;
	p.op = &term_op_ops;
	p.op_ctx = &t;
	p.stop_flag = cli->stop_flag;
	p.accept_serial_mismatch = accept_serial;
	p.cond = cond;
	if (resume)
		err = cal_run_resume(&o, &p, resume_id);
	else
		err = cal_run_start(&o, &p);
	if (t.live_shown)
		putchar('\n');
	rc = report(cli, db, &o, err, p.bench_path);
out:
	cal_dev_close(dev);
	cal_bench_free(bench);
	cal_answers_free(answers);
	cal_procedure_free(proc);
	cal_db_close(db);
	return rc;
}

int cmd_runs(struct cli *cli, int argc, char **argv)
{
	const char *instr = NULL;
	bool json = false;
	const struct cli_opt opts[] = { { "instrument", true, &instr, NULL },
					{ "json", false, NULL, &json },
					{ NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_db *db = NULL;
	struct cal_run *runs = NULL;
	size_t n = 0;
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 0, &npos, "runs");
	if (rc)
		return rc;
	rc = cli_open_db(&db, cli, false);
	if (rc)
		return rc;
	err = cal_db_run_list(&runs, &n, db, instr ? instr : "");
	if (err) {
		cal_db_close(db);
		return cli_fail(err, NULL);
	}
	if (json)
		fputs("[", stdout);
	else if (n)
		printf("%-5s %-12s %-20s %-12s %-11s %-5s %s\n", "run", "instrument", "started",
		       "mode", "status", "verd.", "reason");
	for (size_t i = 0; i < n; i++) {
		const struct cal_run *r = &runs[i];

		if (json) {
			printf("%s{\"run\": %lld, \"instrument\": ", i ? ", " : "",
			       (long long)r->id);
			cli_json_str(stdout, r->instrument_id);
			fputs(", \"procedure\": ", stdout);
			cli_json_str(stdout, r->procedure_id);
			fputs(", \"mode\": ", stdout);
			cli_json_str(stdout, r->mode);
			fputs(", \"status\": ", stdout);
			cli_json_str(stdout, cal_run_status_name(r->status));
			fputs(", \"verdict\": ", stdout);
			cli_json_str(stdout, r->verdict);
			fputs(", \"started_at\": ", stdout);
			cli_json_str(stdout, r->started_at);
			fputs(", \"fail_reason\": ", stdout);
			cli_json_str(stdout, r->fail_reason);
			fputs(", \"status_reason\": ", stdout);
			cli_json_str(stdout, r->status_reason);
			fputs("}", stdout);
		} else {
			printf("%-5lld %-12s %-20s %-12s %-11s %-5s %s\n", (long long)r->id,
			       r->instrument_id, r->started_at, r->mode,
			       cal_run_status_name(r->status), r->verdict[0] ? r->verdict : "-",
			       r->fail_reason[0]		  ? r->fail_reason
			       : r->status == CAL_RUN_INTERRUPTED ? r->status_reason
								  : "");
		}
	}
	if (json)
		fputs("]\n", stdout);
	free(runs);
	cal_db_close(db);
	return CLI_OK;
}

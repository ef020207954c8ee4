/*
 * calbench run for pressure procedures: the gauges on one manifold (each
 * --instrument ID, or ID@DEVICE for a gauge read over its own interface),
 * the reference controller (--device, or the bench's only instrument) and
 * its register entry (--standard, or 'standard:' in the bench file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cli.h"
#include "run_pressure.h"

struct pr_ctx {
	struct cal_bench *bench;
	struct cal_device *ref;
	struct cal_device *devs[CAL_PRUN_MAX_GAUGES];
	struct cal_instrument duts[CAL_PRUN_MAX_GAUGES];
	struct cal_prun_params p;
	const char *standard_id;
	bool water; /* a flow-bench series: the reference is a master meter, a balance, a can */
	bool can;   /* ... a proving can, typed: no reference device */
	const char *kind; /* the procedure's instrument kind */
};

/* What the instruments of the run are called. */
static const char *noun(const struct pr_ctx *c)
{
	if (!c->water)
		return "gauge";
	if (c->kind && strcmp(c->kind, "fuel-dispenser") == 0)
		return "dispenser";
	return "meter";
}

static int open_bench_dev(struct cal_device **dev, const struct cal_bench *b, const char *id)
{
	const struct cal_bench_instr *in = cal_bench_find(b, id);

	if (!in)
		return cal_error_set(CAL_ERR_NOTFOUND, "%s: no instrument '%s' in bench '%s'",
				     b->path, id, b->name);
	return cal_bench_open(dev, in);
}

/* The reference controller and its register id. */
static int open_reference(struct pr_ctx *c, const char *bench_path, const char *device_id,
			  const char *standard, bool need_standard)
{
	const struct cal_bench_instr *in = NULL;
	int err = cal_bench_load(&c->bench, bench_path);

	if (err)
		return err;
	if (device_id && device_id[0]) {
		in = cal_bench_find(c->bench, device_id);
		if (!in)
			return cal_error_set(CAL_ERR_NOTFOUND,
					     "%s: no instrument '%s' in bench '%s'", bench_path,
					     device_id, c->bench->name);
	} else if (c->bench->n == 1) {
		in = &c->bench->instr[0];
	} else {
		/* the one entry that names its standard is the reference */
		for (size_t i = 0; i < c->bench->n; i++)
			if (c->bench->instr[i].standard[0])
				in = in ? NULL : &c->bench->instr[i];
		if (!in)
			return cal_error_set(CAL_ERR_REFUSED,
					     "%s: the bench has %zu instruments; say which is the "
					     "reference (%s) with --device ID",
					     bench_path, c->bench->n,
					     c->water ? "the master meter or the balance"
						      : "the controller");
	}
	if (standard && standard[0])
		c->standard_id = standard;
	else if (in->standard[0])
		c->standard_id = in->standard;
	if (c->water) /* the master meter: its totalizer is read, nothing is set */
		return cal_bench_open(&c->ref, in);
	if (!c->standard_id && need_standard)
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s:%d: instrument '%s' names no 'standard:' (its pressure "
				     "standard in the register, for its uncertainty and due date); "
				     "add it or give --standard ID",
				     bench_path, in->line, in->id);
	err = cal_bench_open(&c->ref, in);
	if (!err && !c->ref->drv->set_setpoint)
		err = cal_error_set(CAL_ERR_REFUSED,
				    "%s (driver %s) cannot set a pressure: the reference of a "
				    "pressure run is a controller",
				    in->id, in->driver);
	return err;
}

static void release(struct pr_ctx *c)
{
	for (size_t i = 0; i < CAL_PRUN_MAX_GAUGES; i++)
		cal_dev_close(c->devs[i]);
	cal_dev_close(c->ref);
	cal_bench_free(c->bench);
}

/* A run that could not start: 4 when a precondition is not met, else 1. */
static int refused(int err)
{
	bool precondition = err == CAL_ERR_REFUSED || err == CAL_ERR_CONFIG ||
			    err == CAL_ERR_STATE || err == CAL_ERR_NOTFOUND;

	cli_fail(err, precondition ? "run refused" : "run not started");
	switch (err) {
	case CAL_ERR_REFUSED:
	case CAL_ERR_CONFIG:
	case CAL_ERR_STATE:
	case CAL_ERR_NOTFOUND:
		return CLI_REFUSED;
	default:
		return CLI_ERROR;
	}
}

static void print_outcome(struct cli *cli, struct cal_db *db, const struct pr_ctx *c,
			  const struct cal_prun_outcome *o)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct cal_run_outcome *r = &o->runs[i];
		struct cal_result *res = NULL;
		size_t n = 0;

		if (!r->completed || !r->cert.number[0])
			continue;
		if (cal_db_result_list(&res, &n, db, r->run_id) == CAL_OK) {
			printf("\nResults of run %lld: %s\n", (long long)r->run_id,
			       c->p.gauges[i].dut->id);
			cli_print_results(cli, res, n);
			free(res);
		}
		printf("Verdict %s: %s%s%s\n", c->p.gauges[i].dut->id, r->verdict,
		       r->reason[0] ? ": " : "", r->reason);
		if (r->cert.kind == CAL_CERT_VERIFICATION)
			printf("Certificate: %s, issued %s, valid until %s\n", r->cert.number,
			       r->cert.issue_date, r->cert.valid_until);
		else if (r->cert.kind == CAL_CERT_CALIBRATION)
			printf("Calibration certificate: %s, issued %s\n", r->cert.number,
			       r->cert.issue_date);
		else
			printf("Failure record (không đạt): %s, issued %s\n", r->cert.number,
			       r->cert.issue_date);
	}
}

/* Exit code: 0 all PASS, 2 any FAIL, 3 interrupted, refused 4. */
static int report(struct cli *cli, struct cal_db *db, const struct pr_ctx *c,
		  const struct cal_prun_outcome *o, int err, const char *bench_path)
{
	bool any_fail = false, any_run = false;

	for (size_t i = 0; i < o->n; i++)
		any_run = any_run || o->runs[i].run_id;
	if (!err) {
		print_outcome(cli, db, c, o);
		for (size_t i = 0; i < o->n; i++)
			any_fail = any_fail || strcmp(o->runs[i].verdict, "PASS") != 0;
		printf("\nBatch %lld: %zu %s%s, %s\n", (long long)o->batch, o->n, noun(c),
		       o->n == 1 ? "" : "s", any_fail ? "at least one FAIL" : "all PASS");
		return any_fail ? CLI_FAIL : CLI_OK;
	}
	if (any_run) {
		char why[512];

		snprintf(why, sizeof(why), "%s", cal_error_last());
		cli_err("batch %lld interrupted: %s", (long long)o->batch, why);
		if (c->water) {
			fprintf(stderr, "calbench: every reading so far is kept; a series run "
					"cannot be resumed yet: close its runs with");
			for (size_t i = 0; i < o->n; i++)
				if (o->runs[i].run_id && !o->runs[i].completed)
					fprintf(stderr,
						"%s calbench run --abort %lld --reason TEXT",
						i ? "," : "", (long long)o->runs[i].run_id);
			fputc('\n', stderr);
			return CLI_INTERRUPTED;
		}
		fprintf(stderr,
			"calbench: every reading so far is kept; continue with: calbench run "
			"--resume %lld --bench %s\n"
			"calbench: the controller was told to vent; make sure the manifold is at "
			"atmosphere before a gauge is removed\n",
			(long long)o->batch, bench_path ? bench_path : "FILE");
		return CLI_INTERRUPTED;
	}
	if (err == CAL_ERR_INTERRUPTED) {
		cli_err("stopped before the first point (%s): nothing was recorded",
			cal_error_last());
		return CLI_INTERRUPTED;
	}
	return refused(err);
}

/*
 * A flow-bench series batch is not resumed yet: say so, and name the
 * commands that close its open runs (every reading is kept).
 */
static int refuse_series_resume(struct cal_db *db, const struct cal_run *first,
				const struct cal_run *batch, size_t nb)
{
	struct cal_procedure *proc = NULL;
	char *text = NULL, cmds[512] = "";
	bool water = false;

	if (cal_db_run_procedure_text(&text, db, first->id) == CAL_OK &&
	    cal_procedure_parse(&proc, text, strlen(text), "procedure of the run") == CAL_OK)
		water = proc->water;
	cal_procedure_free(proc);
	free(text);
	cal_error_clear();
	if (!water)
		return CAL_OK;
	for (size_t i = 0; i < nb; i++)
		if (batch[i].status == CAL_RUN_INTERRUPTED || batch[i].status == CAL_RUN_RUNNING)
			snprintf(cmds + strlen(cmds), sizeof(cmds) - strlen(cmds),
				 "%scalbench run --abort %lld --reason TEXT", cmds[0] ? ", " : "",
				 (long long)batch[i].id);
	return cal_error_set(CAL_ERR_REFUSED,
			     "batch %lld is a flow-bench series: it cannot be resumed yet; every "
			     "reading is kept; close its runs with %s, then run the meters again",
			     (long long)first->batch, cmds);
}

/* "ID" or "ID@DEVICE". */
static int add_gauge(struct pr_ctx *c, struct cal_db *db, const char *arg, const char *bench_path)
{
	size_t i = c->p.n_gauges;
	char id[64];
	const char *at = strchr(arg, '@');
	int err;

	if (i >= CAL_PRUN_MAX_GAUGES)
		return cal_error_set(CAL_ERR_ARG, "at most %d gauges in one run",
				     CAL_PRUN_MAX_GAUGES);
	snprintf(id, sizeof(id), "%.*s", at ? (int)(at - arg) : (int)strlen(arg), arg);
	err = cal_db_instrument_get(&c->duts[i], db, id);
	if (err)
		return err;
	if (at && at[1]) {
		if (!bench_path)
			return cal_error_set(CAL_ERR_ARG, "%s: reading it needs --bench", arg);
		err = open_bench_dev(&c->devs[i], c->bench, at + 1);
		if (err)
			return err;
	}
	c->p.gauges[i].dut = &c->duts[i];
	c->p.gauges[i].dev = c->devs[i];
	c->p.n_gauges++;
	return CAL_OK;
}

int cli_run_pressure(struct cli *cli, struct cal_db *db, const struct cli_pressure_args *a)
{
	struct pr_ctx *c = calloc(1, sizeof(*c));
	struct cal_prun_outcome *o = calloc(1, sizeof(*o));
	struct cal_run *batch = NULL;
	struct cal_run first;
	size_t nb = 0;
	int err, rc;

	if (!c || !o) {
		free(c);
		free(o);
		return cli_fail(CAL_ERR_NOMEM, NULL);
	}
	c->water = a->proc && a->proc->water;
	c->can = c->water && a->proc->wr.ref == CAL_WREF_CAN;
	c->kind = a->proc ? a->proc->instrument_kind : NULL;
	if (!a->bench_path && !c->can) {
		rc = cli_usage("run", "run: this run needs --bench FILE (its reference "
				      "instrument)");
		goto out;
	}
	if (a->resume_id) {
		bool open = false;

		err = cal_db_run_get(&first, db, a->resume_id);
		if (!err)
			err = first.batch ? cal_db_run_batch(&batch, &nb, db, first.batch)
					  : CAL_ERR_STATE;
		for (size_t i = 0; !err && i < nb; i++)
			open = open || batch[i].status == CAL_RUN_INTERRUPTED ||
			       batch[i].status == CAL_RUN_RUNNING;
		if (!err && !open)
			err = cal_error_set(CAL_ERR_STATE,
					    "run %lld: no run of its batch %lld is interrupted: "
					    "nothing to resume",
					    a->resume_id, (long long)first.batch);
		if (!err)
			err = refuse_series_resume(db, &first, batch, nb);
		if (!err)
			err = open_reference(c, a->bench_path, first.device_id, NULL, false);
		for (size_t i = 0; i < nb && !err; i++) {
			char arg[160];

			if (batch[i].status != CAL_RUN_INTERRUPTED &&
			    batch[i].status != CAL_RUN_COMPLETED)
				continue;
			snprintf(arg, sizeof(arg), "%s%s%s", batch[i].instrument_id,
				 batch[i].dut_device_id[0] ? "@" : "", batch[i].dut_device_id);
			err = add_gauge(c, db, arg, a->bench_path);
		}
		if (!err)
			printf("Resuming batch %lld: %zu gauge%s, %s, mode %s\n",
			       (long long)first.batch, c->p.n_gauges, c->p.n_gauges == 1 ? "" : "s",
			       first.procedure_title, first.mode);
	} else {
		if (c->can) { /* typed by the technician; a bench only for meters read */
			c->standard_id = a->standard_id;
			err = a->bench_path ? cal_bench_load(&c->bench, a->bench_path) : CAL_OK;
		} else {
			err = open_reference(c, a->bench_path, a->device_id, a->standard_id, true);
		}
		for (size_t i = 0; i < a->n_instruments && !err; i++)
			err = add_gauge(c, db, a->instruments[i], a->bench_path);
		if (!err) {
			printf("%s of %zu %s%s (", a->proc->title, c->p.n_gauges, noun(c),
			       c->p.n_gauges == 1 ? "" : "s");
			for (size_t i = 0; i < c->p.n_gauges; i++)
				printf("%s%s", i ? ", " : "", c->duts[i].id);
			printf("), mode %s\n", a->mode);
		}
	}
	if (err) {
		rc = refused(err);
		goto out;
	}
	if (c->ref)
		printf("Reference %s (standard %s) on %s\n", c->ref->id,
		       a->resume_id	? "of the run"
		       : c->standard_id ? c->standard_id
					: "none named",
		       cal_transport_describe(c->ref->tr));
	else
		printf("Reference: a proving can (standard %s), read by the technician\n",
		       c->standard_id ? c->standard_id : "not given");
	fflush(stdout);
	c->p.db = db;
	c->p.proc = a->proc;
	c->p.mode = a->mode;
	c->p.operator_name = a->operator_name;
	c->p.bench_path = a->bench_path;
	c->p.ref = c->ref;
	c->p.standard_id = c->standard_id;
	c->p.op = a->op;
	c->p.op_ctx = a->op_ctx;
	c->p.stop_flag = cli->stop_flag;
	c->p.accept_serial_mismatch = a->accept_serial_mismatch;
	c->p.cond = a->cond;
	if (a->resume_id)
		err = cal_prun_resume(o, &c->p, a->resume_id);
	else if (c->water)
		err = cal_wrun_start(o, &c->p);
	else
		err = cal_prun_start(o, &c->p);
	if (a->live_shown && *a->live_shown)
		putchar('\n');
	rc = report(cli, db, c, o, err, a->bench_path);
out:
	free(batch);
	release(c);
	free(c);
	free(o);
	return rc;
}

/*
 * The run engine: executes a plan point by point.
 *
 * Invariant: for every point, the reading is committed (cal_db_reading_add
 * returns after COMMIT) before it is judged, and the result is committed
 * before the next point starts. A run stopped anywhere is therefore either
 * completed (verdict + document, one transaction) or resumable from the
 * last committed result: a reading without a result is simply taken again.
 *
 * Numbers: the plan and the results are in the instrument's unit
 * (struct cal_instrument.unit); readings are converted from the unit the
 * instrument showed, and their decimals shifted accordingly, so that the
 * resolution of the indication is kept.
 */
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/units.h"

/* Readings of one point that may be doubtful (overload, far off) before it counts. */
#define CAL_RANGE_ATTEMPTS 3
/* An error beyond this many MPEs is taken again before it is judged. */
#define CAL_GROSS_ERROR_MPE 10

struct engine {
	const struct cal_run_params *p;
	const struct cal_procedure *proc;
	const struct cal_instrument *dut;
	const struct cal_clock *clock;
	struct cal_plan plan;
	enum cal_unit unit;
	int64_t run_id;
	struct cal_result *done; /* indexed by seq - 1; .seq == 0 when not judged */
	struct cal_run_outcome *out;
};

static const char *test_name(enum cal_test_kind k)
{
	switch (k) {
	case CAL_TEST_ZERO:
		return "zero";
	case CAL_TEST_WEIGHING:
		return "weighing";
	case CAL_TEST_ECCENTRICITY:
		return "eccentricity";
	case CAL_TEST_REPEATABILITY:
		return "repeatability";
	case CAL_TEST_PRESSURE:
		return "pressure";
	case CAL_TEST_HYSTERESIS:
		return "hysteresis";
	case CAL_TEST_CALIBRATION:
		return "calibration";
	}
	return "?";
}

static const char *test_title(const struct engine *e, enum cal_test_kind k)
{
	for (size_t i = 0; i < e->proc->n_tests; i++)
		if (e->proc->tests[i].kind == k)
			return e->proc->tests[i].title;
	return test_name(k);
}

static bool stop_requested(const struct engine *e)
{
	return e->p->stop_flag && *e->p->stop_flag;
}

/* |E| <= MPE, with a relative tolerance for binary floating point only. */
static bool within(double err, double mpe, double scale)
{
	return fabs(err) <= mpe + 1e-9 * fmax(fabs(mpe), fabs(scale));
}

/* A load as a technician says it: "10 kg" rather than "10000 g". */
static void fmt_qty(char *buf, size_t size, double v, const char *unit)
{
	char num[48];

	if (strcmp(unit, "g") == 0 && v >= 1000) {
		cal_num_format_g(num, sizeof(num), v / 1000);
		snprintf(buf, size, "%s kg", num);
		return;
	}
	cal_num_format_g(num, sizeof(num), v);
	snprintf(buf, size, "%s %s", num, unit);
}

static void instruction_text(char *buf, size_t size, const struct engine *e,
			     const struct cal_plan_point *pt)
{
	char load[64];

	fmt_qty(load, sizeof(load), pt->load, e->plan.unit);
	switch (pt->test) {
	case CAL_TEST_ZERO:
		snprintf(buf, size, "remove every load from the load receptor (zero test)");
		break;
	case CAL_TEST_ECCENTRICITY:
		snprintf(buf, size, "place %s at %s: %s", load, pt->position, pt->weights_text);
		break;
	case CAL_TEST_REPEATABILITY:
		snprintf(buf, size, "remove the load, then place %s again (%s): %s", load,
			 pt->label, pt->weights_text);
		break;
	default:
		snprintf(buf, size, "place %s: %s", load, pt->weights_text);
		break;
	}
}

struct live_ctx {
	struct engine *e;
	const struct cal_step_info *step;
};

static int on_live(const struct cal_reading *rd, void *payload)
{
	struct live_ctx *lc = payload;

	if (lc->e->p->op->live)
		lc->e->p->op->live(lc->e->p->op_ctx, lc->step, rd);
	return stop_requested(lc->e);
}

/* Decimals needed to write multiples of @d: 5 -> 0, 0.5 -> 1, 0.02 -> 2 (at most 9). */
static int decimals_of(double d)
{
	int k = 0;

	while (k < 9 && fabs(d * pow(10, k) - round(d * pow(10, k))) > 1e-9 * d * pow(10, k))
		k++;
	return k;
}

/* The scale interval indications are multiples of: d, else e. */
static double grid_d(const struct engine *e)
{
	return e->dut->d > 0 ? e->dut->d : e->dut->e;
}

/*
 * Is @v (with @dec decimals, in the instrument's unit) a multiple of d? A
 * value with more decimals than d needs is an extended-resolution indication
 * and is not checked.
 */
static bool on_grid(const struct engine *e, double v, int dec)
{
	double d = grid_d(e);

	return !(d > 0) || dec > decimals_of(d) || fabs(v / d - round(v / d)) < 1e-6;
}

/* Take the indication for a point: from the device, or typed by the operator. */
static int take_reading(struct cal_reading *rd, struct engine *e, const struct cal_step_info *step)
{
	const struct cal_run_params *p = e->p;
	int err;

	memset(rd, 0, sizeof(*rd));
	if (!p->dev) {
		char prompt[320], shown[48], dtext[48];
		double v, d = grid_d(e);
		int dec = 0;

		snprintf(prompt, sizeof(prompt), "indication of %s (%s)", e->dut->id, e->plan.unit);
		for (int attempt = 1;; attempt++) {
			err = p->op->ask_value(p->op_ctx, step, prompt, &v, &dec);
			if (err)
				return err;
			/*
			 * A digital instrument shows multiples of d: at d's resolution
			 * anything else is a typo. More decimals than d has is an
			 * indication of extended resolution (service mode, d <= e/5,
			 * R 76-1 A.4.4.3) and is taken as typed.
			 */
			if (on_grid(e, v, dec))
				break;
			cal_num_format(shown, sizeof(shown), v, dec);
			cal_num_format_sig(dtext, sizeof(dtext), d, 9);
			if (attempt >= CAL_RANGE_ATTEMPTS)
				return cal_error_set(CAL_ERR_ARG,
						     "%s %s: %s %s is not a multiple of d = %s %s "
						     "(typed %d times)",
						     test_name(step->point->test),
						     step->point->label, shown, e->plan.unit, dtext,
						     e->plan.unit, attempt);
			snprintf(prompt, sizeof(prompt),
				 "%s %s is not a multiple of d = %s %s; indication of %s (%s)",
				 shown, e->plan.unit, dtext, e->plan.unit, e->dut->id,
				 e->plan.unit);
		}
		rd->value = v;
		rd->unit = e->unit;
		rd->value_si = v * cal_unit_si_factor(e->unit);
		rd->decimals = dec;
		rd->flags = CAL_RD_STABLE;
		rd->t_mono_ms = e->clock->mono_ms(e->clock->ctx);
		cal_num_format(rd->raw, sizeof(rd->raw), v, dec);
		return CAL_OK;
	}
	if (step->point->test == CAL_TEST_ZERO) {
		err = cal_dev_zero(p->dev);
		if (err && err != CAL_ERR_UNSUPPORTED)
			return err;
		cal_error_clear();
	}
	{
		struct live_ctx lc = { e, step };
		int timeout_ms = e->proc->stability_timeout_s * 1000;

		err = cal_dev_read_stable(rd, p->dev, e->clock, timeout_ms, on_live, &lc);
	}
	if (stop_requested(e))
		return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
	return err;
}

/* Convert an indication to the instrument's unit, keeping its resolution. */
static void to_dut_unit(double *value, int *decimals, const struct engine *e,
			const struct cal_reading *rd)
{
	double f;
	int shift;

	*value = rd->value;
	*decimals = rd->decimals;
	if (rd->unit == e->unit || rd->unit == 0)
		return;
	f = cal_unit_si_factor(rd->unit) / cal_unit_si_factor(e->unit);
	*value = rd->value * f;
	shift = (int)lround(-log10(f));
	*decimals = rd->decimals + shift < 0 ? 0 : rd->decimals + shift;
}

static int finish(struct engine *e, const char *verdict, const char *reason)
{
	int err = cal_db_run_complete(&e->out->cert, e->p->db, e->run_id, verdict, reason,
				      e->clock->wall_s(e->clock->ctx));

	if (err)
		return err;
	e->out->completed = true;
	snprintf(e->out->verdict, sizeof(e->out->verdict), "%s", verdict);
	snprintf(e->out->reason, sizeof(e->out->reason), "%s", reason ? reason : "");
	return CAL_OK;
}

static void fail_reason(char *buf, size_t size, const struct engine *e, const struct cal_result *r,
			bool range)
{
	char ev[48], mpe[48];

	cal_num_format(ev, sizeof(ev), r->error,
		       range ? r->decimals : r->decimals + CAL_ERROR_EXTRA_DECIMALS);
	cal_num_format_g(mpe, sizeof(mpe), r->mpe);
	if (range)
		snprintf(buf, size, "%s %s: range %s %s exceeds |MPE| %s %s", r->test, r->label, ev,
			 r->unit, mpe, r->unit);
	else
		snprintf(buf, size, "%s %s at %g %s: E = %s %s exceeds MPE \xc2\xb1%s %s", r->test,
			 r->label, r->load, r->unit, ev, r->unit, mpe, r->unit);
}

/* The range of the repeatability series just before summary point @i. */
static int series_range(struct cal_result *r, const struct engine *e, size_t i)
{
	double lo = INFINITY, hi = -INFINITY;
	int dec = 0, n = 0;

	for (size_t j = i; j-- > 0;) {
		const struct cal_plan_point *q = &e->plan.points[j];

		if (q->test != CAL_TEST_REPEATABILITY || q->summary)
			break;
		if (!e->done[j].seq)
			return cal_error_set(CAL_ERR_STATE,
					     "repeatability reading %s has no result", q->label);
		lo = fmin(lo, e->done[j].indication);
		hi = fmax(hi, e->done[j].indication);
		dec = e->done[j].decimals > dec ? e->done[j].decimals : dec;
		n++;
	}
	if (n < 2)
		return cal_error_set(CAL_ERR_STATE, "repeatability needs at least two readings");
	/* Round to the resolution of the indications: hi - lo carries binary noise. */
	r->error = round((hi - lo) * pow(10, dec)) / pow(10, dec);
	r->indication = r->error;
	r->decimals = dec;
	return CAL_OK;
}

static int run_point(struct engine *e, size_t i)
{
	const struct cal_plan_point *pt = &e->plan.points[i];
	const struct cal_run_params *p = e->p;
	struct cal_step_info step = { i + 1, e->plan.n, pt, e->plan.unit, test_title(e, pt->test),
				      NULL,  0 };
	struct cal_result r;
	struct cal_reading rd;
	char text[320], again[256];
	const char *range_why = NULL; /* overload/underload that persisted */
	bool range_fail = false;
	int err;

	memset(&r, 0, sizeof(r));
	r.seq = pt->seq;
	snprintf(r.test, sizeof(r.test), "%s", test_name(pt->test));
	snprintf(r.label, sizeof(r.label), "%s", pt->label);
	snprintf(r.unit, sizeof(r.unit), "%s", e->plan.unit);
	snprintf(r.weights, sizeof(r.weights), "%s", pt->weights_text);
	r.load = pt->load;
	r.ref = pt->ref;
	r.mpe = pt->mpe;

	if (pt->summary) {
		err = series_range(&r, e, i);
		if (err)
			return err;
		range_fail = !within(r.error, r.mpe, r.load);
	} else {
		int64_t rid;
		char source[80];

		instruction_text(text, sizeof(text), e, pt);
		if (p->dev)
			snprintf(source, sizeof(source), "device:%s", p->dev->id);
		else
			snprintf(source, sizeof(source), "operator");
		for (int attempt = 1;; attempt++) {
			char why[160], shown[48], dtext[48], ltext[48];
			bool gross, off_grid, range;

			err = p->op->instruct(p->op_ctx, &step, text);
			if (err)
				return err;
			if (stop_requested(e))
				return cal_error_set(CAL_ERR_INTERRUPTED,
						     "stopped by the operator");
			err = take_reading(&rd, e, &step);
			if (err && err != CAL_ERR_RANGE)
				return cal_error_prefix(err, "%s %s: ", r.test, r.label);
			/* Commit the reading before anything is judged, even a doubtful one. */
			if (cal_db_reading_add(&rid, p->db, e->run_id, pt->seq, source, &rd))
				return cal_error_prefix(CAL_ERR_DB, "%s %s: ", r.test, r.label);
			to_dut_unit(&r.indication, &r.decimals, e, &rd);
			/*
			 * Doubtful readings are taken again, the operator told why:
			 * overload/underload (a load left on at zero, a wrong weight,
			 * a touch), an indication far beyond the MPE (Enter pressed
			 * before the load was on), a device value that is no multiple
			 * of d (a garbled line: MT-SICS has no checksum). What
			 * persists is the instrument's: judged (FAIL), except a
			 * reading off the grid, which stops the run.
			 */
			range = rd.flags & (CAL_RD_OVERLOAD | CAL_RD_UNDERLOAD);
			off_grid = !range && p->dev && !on_grid(e, r.indication, r.decimals);
			gross = !range && !off_grid &&
				fabs(r.indication - r.ref) > CAL_GROSS_ERROR_MPE * r.mpe;
			if (!range && !off_grid && !gross)
				break;
			cal_num_format(shown, sizeof(shown), r.indication, r.decimals);
			cal_num_format_sig(dtext, sizeof(dtext), grid_d(e), 9);
			cal_num_format_sig(ltext, sizeof(ltext), r.load, 9);
			if (range)
				snprintf(why, sizeof(why), "the instrument shows %s",
					 (rd.flags & CAL_RD_OVERLOAD) ? "overload" : "underload");
			else if (off_grid)
				snprintf(why, sizeof(why),
					 "the reading %s %s is not a multiple of d = %s %s "
					 "(garbled line?)",
					 shown, r.unit, dtext, r.unit);
			else
				snprintf(why, sizeof(why),
					 "the indication %s %s is far from the load %s %s", shown,
					 r.unit, ltext, r.unit);
			if (attempt >= CAL_RANGE_ATTEMPTS) {
				if (off_grid)
					return cal_error_set(CAL_ERR_PROTO,
							     "%s %s: %s, %d times: check the link",
							     r.test, r.label, why, attempt);
				if (range)
					range_why = (rd.flags & CAL_RD_OVERLOAD) ? "overload"
										 : "underload";
				break;
			}
			instruction_text(again, sizeof(again), e, pt);
			snprintf(text, sizeof(text), "%s; check %s, again: %s", why,
				 pt->test == CAL_TEST_ZERO
					 ? "nothing is on or touches the receptor (zeroed again)"
					 : "the weights and the receptor",
				 again);
		}
		r.reading_id = rid;
		r.error = r.indication - r.ref;
	}
	if (pt->summary)
		snprintf(r.verdict, sizeof(r.verdict), "%s", range_fail ? "FAIL" : "PASS");
	else if (range_why)
		snprintf(r.verdict, sizeof(r.verdict), "FAIL");
	else
		snprintf(r.verdict, sizeof(r.verdict), "%s",
			 within(r.error, r.mpe, r.ref) ? "PASS" : "FAIL");

	err = cal_db_result_add(p->db, e->run_id, &r);
	if (err)
		return err;
	e->done[i] = r;
	if (p->op->result)
		p->op->result(p->op_ctx, &step, &r);
	if (strcmp(r.verdict, "FAIL") == 0) {
		char reason[256];

		if (range_why)
			snprintf(reason, sizeof(reason),
				 "%s %s at %g %s: the instrument showed %s %d times", r.test,
				 r.label, r.load, r.unit, range_why, CAL_RANGE_ATTEMPTS);
		else
			fail_reason(reason, sizeof(reason), e, &r, pt->summary);
		return finish(e, "FAIL", reason);
	}
	return CAL_OK;
}

/*
 * A FAIL result already committed by an earlier session that could not close
 * the run (killed, power cut, or the document could not be written between
 * the two commits): the verification ended there, so close it as FAIL now.
 */
static int finish_committed_fail(struct engine *e)
{
	for (size_t i = 0; i < e->plan.n; i++) {
		const struct cal_result *r = &e->done[i];
		char reason[256];

		if (!r->seq || strcmp(r->verdict, "FAIL") != 0)
			continue;
		if (e->plan.points[i].summary || !within(r->error, r->mpe, r->ref))
			fail_reason(reason, sizeof(reason), e, r, e->plan.points[i].summary);
		else /* judged FAIL although within MPE: the reading was out of range */
			snprintf(reason, sizeof(reason),
				 "%s %s at %g %s: the instrument showed overload or underload",
				 r->test, r->label, r->load, r->unit);
		return finish(e, "FAIL", reason);
	}
	return CAL_OK;
}

/* Execute points after @last_seq; on error or stop the run is marked interrupted. */
static int execute(struct engine *e, int last_seq)
{
	int err = finish_committed_fail(e);

	for (size_t i = 0; i < e->plan.n && !e->out->completed && !err; i++) {
		if (e->plan.points[i].seq <= last_seq)
			continue;
		if (stop_requested(e)) {
			err = cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
			break;
		}
		err = run_point(e, i);
		if (err)
			break;
	}
	if (!err && !e->out->completed)
		err = finish(e, "PASS", NULL);
	if (err) {
		char why[300];

		snprintf(why, sizeof(why), "%s",
			 cal_error_last()[0] ? cal_error_last() : cal_strerror(err));
		if (cal_db_run_interrupt(e->p->db, e->run_id, why))
			log_warn("run %lld: could not be marked interrupted", (long long)e->run_id);
		cal_error_set(err, "%s", why);
	}
	return err;
}

static int load_weights(struct cal_standard **w, size_t *n, struct cal_db *db)
{
	return cal_db_standard_list(w, n, db);
}

static int prepare(struct engine *e, const char *mode, struct cal_standard **w, size_t *nw)
{
	struct cal_date today;
	int err;

	if (cal_unit_parse(&e->unit, e->dut->unit))
		return cal_error_set(CAL_ERR_CONFIG, "instrument %s: unknown unit '%s'", e->dut->id,
				     e->dut->unit);
	err = load_weights(w, nw, e->p->db);
	if (err)
		return err;
	cal_date_from_unix(&today, e->clock->wall_s(e->clock->ctx));
	err = cal_plan_build(&e->plan, e->proc, e->dut, mode, *w, *nw, &today);
	if (err)
		return err;
	e->done = calloc(e->plan.n ? e->plan.n : 1, sizeof(*e->done));
	return e->done ? CAL_OK : CAL_ERR_NOMEM;
}

static void cleanup(struct engine *e, struct cal_standard *w)
{
	cal_plan_free(&e->plan);
	free(e->done);
	free(w);
}

static int check_params(const struct cal_run_params *p)
{
	if (!p || !p->db || !p->op || !p->op->instruct || !p->mode)
		return cal_error_set(CAL_ERR_ARG, "run: missing database, operator or mode");
	if (!p->dev && !p->op->ask_value)
		return cal_error_set(CAL_ERR_ARG,
				     "run: no device to read and no way to ask for indications");
	return CAL_OK;
}

/*
 * The instrument on the line must be the one under test: a serial number it
 * reports that differs from @expected means another instrument is connected,
 * and its readings would go on the wrong certificate. Refused unless the
 * operator accepts the difference (a replaced main board reports another
 * serial); then it is logged.
 */
static int check_serial(const struct cal_run_params *p, const struct cal_dev_info *info,
			const char *expected, const char *whose)
{
	if (!info->serial[0] || !expected[0] || strcmp(info->serial, expected) == 0)
		return CAL_OK;
	if (p->accept_serial_mismatch) {
		log_warn("%s reports serial number '%s', %s '%s' for %s (accepted by the "
			 "operator)",
			 p->dev->id, info->serial, whose, expected, p->dut->id);
		return CAL_OK;
	}
	return cal_error_set(CAL_ERR_REFUSED,
			     "%s reports serial number '%s', %s '%s' for %s: is the right "
			     "instrument connected? (--accept-serial-mismatch to go on anyway)",
			     p->dev->id, info->serial, whose, expected, p->dut->id);
}

/* One run at a time per instrument: a second would mix two sessions' loads. */
static int check_not_running(struct cal_db *db, const char *instrument_id)
{
	struct cal_run *runs = NULL;
	size_t n = 0, recovered;
	int err = cal_db_runs_recover(db, &recovered); /* runs of dead processes first */

	if (!err)
		err = cal_db_run_list(&runs, &n, db, instrument_id);
	for (size_t i = 0; !err && i < n; i++)
		if (runs[i].status == CAL_RUN_RUNNING)
			err = cal_error_set(
				CAL_ERR_REFUSED,
				"%s is being verified in run %lld (process %d): one run "
				"at a time per instrument",
				instrument_id, (long long)runs[i].id, runs[i].pid);
	free(runs);
	return err;
}

int cal_run_start(struct cal_run_outcome *out, const struct cal_run_params *p)
{
	struct engine e;
	struct cal_standard *w = NULL;
	size_t nw = 0;
	struct cal_run run;
	struct cal_dev_info info;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	err = check_params(p);
	if (err)
		return err;
	if (!p->proc || !p->dut)
		return cal_error_set(CAL_ERR_ARG, "run: missing procedure or instrument");
	e.p = p;
	e.proc = p->proc;
	e.dut = p->dut;
	e.clock = p->clock ? p->clock : cal_clock_system();
	e.out = out;
	err = check_not_running(p->db, p->dut->id);
	if (err)
		goto cleanup;
	err = prepare(&e, p->mode, &w, &nw);
	if (err)
		goto cleanup;

	memset(&run, 0, sizeof(run));
	memset(&info, 0, sizeof(info));
	if (p->dev) {
		err = cal_dev_identify(&info, p->dev);
		if (err && err != CAL_ERR_UNSUPPORTED)
			goto cleanup;
		err = CAL_OK;
		cal_error_clear();
		err = check_serial(p, &info, p->dut->serial, "the register has");
		if (err)
			goto cleanup;
		snprintf(run.device_id, sizeof(run.device_id), "%s", p->dev->id);
	}
	snprintf(run.instrument_id, sizeof(run.instrument_id), "%s", p->dut->id);
	snprintf(run.procedure_id, sizeof(run.procedure_id), "%s", p->proc->id);
	snprintf(run.procedure_title, sizeof(run.procedure_title), "%s", p->proc->title);
	snprintf(run.method, sizeof(run.method), "%s", p->proc->method);
	snprintf(run.procedure_sha256, sizeof(run.procedure_sha256), "%s", p->proc->sha256);
	snprintf(run.procedure_path, sizeof(run.procedure_path), "%s", p->proc->path);
	snprintf(run.bench_path, sizeof(run.bench_path), "%s", p->bench_path ? p->bench_path : "");
	snprintf(run.mode, sizeof(run.mode), "%s", p->mode);
	snprintf(run.operator_name, sizeof(run.operator_name), "%s",
		 p->operator_name ? p->operator_name : "");
	snprintf(run.dut_model, sizeof(run.dut_model), "%s", info.model);
	snprintf(run.dut_serial, sizeof(run.dut_serial), "%s", info.serial);
	run.cond = p->cond;
	run.pid = (int)getpid();
	err = cal_db_run_begin(&e.run_id, p->db, &run, p->proc->text ? p->proc->text : "");
	if (err)
		goto cleanup;
	out->run_id = e.run_id;
	for (size_t i = 0; i < e.plan.n && !err; i++)
		for (size_t k = 0; k < e.plan.points[i].n_weights && !err; k++)
			err = cal_db_run_add_standard(p->db, e.run_id,
						      w[e.plan.points[i].weights[k]].id);
	if (err) {
		cal_db_run_interrupt(p->db, e.run_id, cal_error_last());
		goto cleanup;
	}
	err = execute(&e, 0);
cleanup:
	cleanup(&e, w);
	return err;
}

int cal_run_resume(struct cal_run_outcome *out, const struct cal_run_params *p, int64_t run_id)
{
	struct engine e;
	struct cal_standard *w = NULL;
	struct cal_procedure *proc = NULL;
	struct cal_instrument dut;
	struct cal_result *res = NULL;
	size_t nw = 0, nres = 0;
	struct cal_run run;
	char *text = NULL;
	char name[64];
	size_t recovered;
	int last_seq = 0;
	int err;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	err = check_params(p);
	if (err)
		return err;
	err = cal_db_runs_recover(p->db, &recovered);
	if (err)
		return err;
	err = cal_db_run_get(&run, p->db, run_id);
	if (err)
		return err;
	if (run.status != CAL_RUN_INTERRUPTED)
		return cal_error_set(CAL_ERR_STATE,
				     "run %lld is %s, only an interrupted run can be resumed",
				     (long long)run_id, cal_run_status_name(run.status));
	err = cal_db_instrument_get(&dut, p->db, run.instrument_id);
	if (err)
		return err;
	err = cal_db_run_procedure_text(&text, p->db, run_id);
	if (err)
		return err;
	snprintf(name, sizeof(name), "procedure of run %lld", (long long)run_id);
	err = cal_procedure_parse(&proc, text, strlen(text), name);
	free(text);
	if (err)
		return err;
	e.p = p;
	e.proc = proc;
	e.dut = &dut;
	e.clock = p->clock ? p->clock : cal_clock_system();
	e.out = out;
	e.run_id = run_id;
	out->run_id = run_id;
	err = prepare(&e, run.mode, &w, &nw);
	if (err)
		goto cleanup;
	if (e.plan.n && run.device_id[0] && !p->dev) {
		err = cal_error_set(CAL_ERR_ARG,
				    "run %lld read instrument '%s': give the bench file",
				    (long long)run_id, run.device_id);
		goto cleanup;
	}
	if (p->dev) {
		struct cal_dev_info info;
		struct cal_run_params q = *p;

		memset(&info, 0, sizeof(info));
		err = cal_dev_identify(&info, p->dev);
		if (err && err != CAL_ERR_UNSUPPORTED)
			goto cleanup;
		cal_error_clear();
		q.dut = &dut;
		err = check_serial(&q, &info, run.dut_serial[0] ? run.dut_serial : dut.serial,
				   run.dut_serial[0] ? "the run was started on"
						     : "the register has");
		if (err)
			goto cleanup;
	}
	err = cal_db_result_list(&res, &nres, p->db, run_id);
	if (err)
		goto cleanup;
	for (size_t i = 0; i < nres; i++) {
		const struct cal_plan_point *pt;

		if (res[i].seq < 1 || (size_t)res[i].seq > e.plan.n) {
			err = cal_error_set(CAL_ERR_STATE,
					    "run %lld: result %d does not match the procedure plan",
					    (long long)run_id, res[i].seq);
			goto cleanup;
		}
		/*
		 * The plan is rebuilt from today's weights: an "about" load (½ Max)
		 * may now be made up differently. Points already judged must be the
		 * same points, or the run would mix two plans.
		 */
		pt = &e.plan.points[res[i].seq - 1];
		if (strcmp(res[i].label, pt->label) != 0 ||
		    strcmp(res[i].test, test_name(pt->test)) != 0 ||
		    fabs(res[i].load - pt->load) > 1e-9 * fmax(1, fabs(pt->load))) {
			char was[48], now[48];

			cal_num_format_g(was, sizeof(was), res[i].load);
			cal_num_format_g(now, sizeof(now), pt->load);
			err = cal_error_set(CAL_ERR_STATE,
					    "run %lld: point %d was %s %s at %s %s, the plan now "
					    "has %s %s at %s %s (weights changed?); it cannot be "
					    "resumed",
					    (long long)run_id, res[i].seq, res[i].test,
					    res[i].label, was, res[i].unit, test_name(pt->test),
					    pt->label, now, e.plan.unit);
			goto cleanup;
		}
		e.done[res[i].seq - 1] = res[i];
		last_seq = res[i].seq > last_seq ? res[i].seq : last_seq;
	}
	err = cal_db_run_resume(p->db, run_id, (int)getpid());
	if (err)
		goto cleanup;
	for (size_t i = 0; i < e.plan.n && !err; i++)
		for (size_t k = 0; k < e.plan.points[i].n_weights && !err; k++)
			err = cal_db_run_add_standard(p->db, run_id,
						      w[e.plan.points[i].weights[k]].id);
	if (!err)
		err = execute(&e, last_seq);
	else
		cal_db_run_interrupt(p->db, run_id, cal_error_last());
cleanup:
	free(res);
	cleanup(&e, w);
	cal_procedure_free(proc);
	return err;
}

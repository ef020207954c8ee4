/*
 * Pressure runs: the gauges on one manifold verified or calibrated together
 * against one controlled reference.
 *
 * A run per gauge, all in one batch. The points are a flat list of steps
 * (series x points: up then down for a verification, the DKD-R 6-1 series
 * for a calibration); step k has point_seq k + 1 in every run.
 *
 * Invariants:
 *  - at each step the reference is read only once cal_dev_settle() accepted
 *    it; its reading and the settle evidence are committed to every open run
 *    of the batch in one transaction, before any gauge is read;
 *  - each gauge's indication is committed to its own run before the next
 *    gauge is asked;
 *  - results are computed only from committed readings, when every step has
 *    been taken, and written with the verdict and the document in one
 *    transaction per run. A stop anywhere leaves runs that are interrupted
 *    (resumable: a step whose indications are not all committed is taken
 *    again, reference included) or completed, never half judged.
 *
 * Units: the plan, the settle rule and the results are in the gauges' unit
 * (struct cal_instrument.unit, all gauges of a batch share it); transmitter
 * results are in mA. Readings keep the unit they were shown in.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/log.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/units.h"
#include "proc-internal.h"

#define PRUN_MAX_POINTS 41
/* A typed indication further than this many MPEs from the reference is asked again. */
#define PRUN_GROSS_MPE 10

struct pstep {
	int series;   /* 0-based */
	bool down;    /* decreasing pressure */
	size_t point; /* index into e->points */
	struct cal_plan_point pt;
};

struct gauge {
	const struct cal_instrument *dut;
	struct cal_device *dev;
	double cls; /* EN 837-1 class, or a transmitter's % of span */
	int64_t run_id;
	bool open;	 /* its run is measured in this session */
	double *ind;	 /* per step, gauge unit (mA for a transmitter); NaN = not taken */
	int *ind_dec;	 /* decimals of ind */
	int64_t *ind_id; /* reading ids */
	double *ref;	 /* per step: the reference committed to this run, gauge unit */
	int64_t *ref_id;
};

struct prun {
	const struct cal_prun_params *p;
	const struct cal_procedure *proc;
	const struct cal_pressure_proc *pr;
	const struct cal_clock *clock;
	struct cal_prun_outcome *out;
	char mode[16];
	struct cal_pstandard std;
	enum cal_unit std_unit;
	enum cal_unit unit; /* the gauges' */
	double lo, hi;	    /* their scale */
	double points[PRUN_MAX_POINTS];
	size_t n_points;
	int n_series, preloads;
	char seq_name; /* DKD sequence, 0 for none */
	struct pstep *steps;
	size_t n_steps;
	struct gauge g[CAL_PRUN_MAX_GAUGES];
	size_t ng;
	int64_t batch;
	int ref_decimals; /* of the last reference reading, in the gauges' unit */
};

static bool stop_requested(const struct prun *e)
{
	return e->p->stop_flag && *e->p->stop_flag;
}

static bool is_calibration(const struct prun *e)
{
	return strcmp(e->pr->activity, "calibration") == 0;
}

static bool is_transmitter(const struct prun *e)
{
	return e->pr->mpe_rule == CAL_PMPE_TRANSMITTER;
}

static double span(const struct prun *e)
{
	return e->hi - e->lo;
}

static void fmt_p(char *buf, size_t size, double v, const char *unit)
{
	char num[48];

	cal_num_format_g(num, sizeof(num), v);
	snprintf(buf, size, "%s %s", num, unit);
}

/* Value of a reading in unit @to (the reading's own unit may differ); decimals follow. */
static void reading_in(double *v, int *dec, const struct cal_reading *rd, enum cal_unit to)
{
	double f;
	int shift;

	*v = rd->value;
	*dec = rd->decimals;
	if (rd->unit == to || rd->unit == CAL_UNIT_NONE)
		return;
	f = cal_unit_si_factor(rd->unit) / cal_unit_si_factor(to);
	*v = rd->value * f;
	shift = (int)lround(-log10(f));
	*dec = rd->decimals + shift < 0 ? 0 : rd->decimals + shift;
}

/* ---- the gauges' MPE and the plan ---------------------------------------------- */

static const char *rule_kind(enum cal_pmpe_rule r)
{
	switch (r) {
	case CAL_PMPE_EN837:
		return "bourdon-gauge";
	case CAL_PMPE_DIGITAL:
		return "digital-gauge";
	case CAL_PMPE_TRANSMITTER:
		return "transmitter";
	}
	return "?";
}

/* |MPE| of gauge @g at pressure @p (gauge unit; mA for a transmitter). */
static int gauge_mpe(double *mpe, const struct prun *e, const struct gauge *g, double p)
{
	const struct cal_instrument *d = g->dut;

	switch (e->pr->mpe_rule) {
	case CAL_PMPE_EN837:
		return cal_en837_mpe(mpe, g->cls, e->lo, e->hi);
	case CAL_PMPE_DIGITAL:
		return cal_digital_mpe(mpe, d->mpe_pct_reading / 100, d->mpe_pct_span / 100,
				       d->mpe_digits, p, span(e), d->d);
	case CAL_PMPE_TRANSMITTER:
		*mpe = g->cls / 100 * 16.0;
		return CAL_OK;
	}
	return cal_error_set(CAL_ERR_ARG, "unknown MPE rule");
}

/* The reference's U at @p (gauge unit), in the unit results are judged in. */
static double ref_U(const struct prun *e, double p)
{
	double f = cal_unit_si_factor(e->std_unit) / cal_unit_si_factor(e->unit);
	double U = cal_pstandard_U(&e->std, p / f) * f;

	return is_transmitter(e) ? U / span(e) * 16.0 : U;
}

static int check_gauge(struct prun *e, struct gauge *g, size_t i)
{
	const struct cal_instrument *d = g->dut;
	enum cal_unit u;

	if (strcmp(d->kind, rule_kind(e->pr->mpe_rule)) != 0)
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s is %s%s: procedure %s is for a %s (mpe rule %s)", d->id,
				     d->kind[0] ? "a " : "not registered as a pressure gauge",
				     d->kind, e->proc->id, rule_kind(e->pr->mpe_rule),
				     e->pr->mpe_rule == CAL_PMPE_EN837	   ? "en837-1"
				     : e->pr->mpe_rule == CAL_PMPE_DIGITAL ? "digital"
									   : "transmitter");
	if (cal_unit_parse(&u, d->unit) || cal_unit_quantity(u) != CAL_Q_PRESSURE)
		return cal_error_set(CAL_ERR_CONFIG, "%s: '%s' is not a unit of pressure", d->id,
				     d->unit);
	if (!(d->max > d->scale_lo))
		return cal_error_set(CAL_ERR_CONFIG, "%s: the scale %g..%g %s is empty", d->id,
				     d->scale_lo, d->max, d->unit);
	if (i == 0) {
		e->unit = u;
		e->lo = d->scale_lo;
		e->hi = d->max;
	} else if (u != e->unit || d->scale_lo != e->lo || d->max != e->hi) {
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s has the scale %g..%g %s, %s %g..%g %s: the gauges of one "
				     "run share the test points, run them separately",
				     d->id, d->scale_lo, d->max, d->unit, e->g[0].dut->id, e->lo,
				     e->hi, e->g[0].dut->unit);
	}
	switch (e->pr->mpe_rule) {
	case CAL_PMPE_EN837:
		if (cal_en837_class_parse(&g->cls, d->accuracy_class))
			return cal_error_prefix(CAL_ERR_CONFIG, "%s: ", d->id);
		break;
	case CAL_PMPE_TRANSMITTER:
		g->cls = d->mpe_pct_span;
		if (!(g->cls > 0))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s: a transmitter needs its accuracy in %% of span",
					     d->id);
		break;
	case CAL_PMPE_DIGITAL:
		g->cls = d->mpe_pct_span + d->mpe_pct_reading;
		if (!(d->mpe_pct_reading > 0 || d->mpe_pct_span > 0 || d->mpe_digits > 0))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s: a digital gauge needs its MPE terms (%% of "
					     "reading, %% of span, digits)",
					     d->id);
		break;
	}
	if (e->pr->mpe_rule != CAL_PMPE_TRANSMITTER && d->d > 0) {
		double mpe;

		if (gauge_mpe(&mpe, e, g, e->lo) == CAL_OK && d->d > mpe * (1 + 1e-9))
			return cal_error_set(
				CAL_ERR_REFUSED,
				"%s: its reading resolution d = %g %s is larger than its "
				"MPE %g %s: it cannot be read well enough to be judged",
				d->id, d->d, d->unit, mpe, d->unit);
	}
	if (is_calibration(e) && (e->pr->budget_terms & CAL_PB_RESOLUTION) && !(d->d > 0))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s: the budget has a resolution term: register the gauge's "
				     "reading resolution d",
				     d->id);
	return CAL_OK;
}

/*
 * At least @min points evenly over @span, on numbered scale marks: the step
 * is the largest m x 10^k (m = 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8) not above
 * span/(min - 1) that divides the span. 0..10 bar: 5 points 2.5 bar apart,
 * 10 points -> 11 points 1 bar apart; -1..5 bar: 5 points 1.5 bar apart.
 * Falls back to @min when no such step gives at most PRUN_MAX_POINTS.
 */
static int scale_points(int min, double span)
{
	static const double m[] = { 8, 6, 5, 4, 3, 2.5, 2, 1.5, 1 };
	double limit = span / (min - 1);
	double dec = pow(10, floor(log10(limit)));

	for (int k = 0; k < 3; k++, dec /= 10) {
		for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			double step = m[i] * dec, q = span / step;

			if (step > limit * (1 + 1e-12) || fabs(q - round(q)) > 1e-9 * q)
				continue;
			if (round(q) + 1 <= PRUN_MAX_POINTS)
				return (int)round(q) + 1;
		}
	}
	return min;
}

/* Points and series: from the procedure and the most demanding gauge. */
static int plan_points(struct prun *e)
{
	const struct cal_pressure_proc *pr = e->pr;
	int need = 0, n;
	const char *who = "";
	int err;

	e->seq_name = 0;
	e->preloads = 0;
	e->n_series = 2; /* up, then down */
	if (pr->dkd) {
		struct cal_dkd_sequence best = { 0 }, s;
		double cls = INFINITY;

		for (size_t i = 0; i < e->ng; i++)
			cls = fmin(cls, e->g[i].cls);
		if (pr->dkd_name) {
			best.name = pr->dkd_name;
			best.points = pr->dkd_name == 'C' ? 5 : 9;
			best.preloads = pr->dkd_name == 'A' ? 3 : pr->dkd_name == 'B' ? 2 : 1;
			best.series = pr->dkd_name == 'A' ? 4 : pr->dkd_name == 'B' ? 3 : 2;
		} else {
			err = cal_dkd_sequence_for(&s, cls);
			if (err)
				return err;
			best = s;
		}
		e->seq_name = best.name;
		e->preloads = best.preloads;
		e->n_series = best.series;
		n = best.points + 1; /* zero included */
	} else {
		for (size_t i = 0; i < e->ng; i++) {
			int m = 5;

			if (pr->mpe_rule == CAL_PMPE_EN837 && cal_en837_min_points(&m, e->g[i].cls))
				return cal_error_prefix(CAL_ERR_CONFIG, "%s: ", e->g[i].dut->id);
			if (m > need) {
				need = m;
				who = e->g[i].dut->id;
			}
		}
		n = pr->points ? pr->points : need;
		if (n < need)
			return cal_error_set(
				CAL_ERR_REFUSED,
				"procedure %s takes %d points, fewer than %s (class "
				"%s) needs: at least %d, up and down (EN 837-1)",
				e->proc->id, n, who,
				e->g[0].dut->accuracy_class[0] ? e->g[0].dut->accuracy_class : "?",
				need);
	}
	if (!pr->points) /* by class, or a DKD sequence: on round scale values */
		n = scale_points(n, span(e));
	if (n < 2 || n > PRUN_MAX_POINTS)
		return cal_error_set(CAL_ERR_CONFIG, "%d points is not in 2..%d", n,
				     PRUN_MAX_POINTS);
	e->n_points = (size_t)n;
	return cal_en837_points(e->points, e->n_points, e->lo, e->hi);
}

static int plan_steps(struct prun *e)
{
	size_t k = 0;

	e->n_steps = (size_t)e->n_series * e->n_points;
	e->steps = calloc(e->n_steps, sizeof(*e->steps));
	if (!e->steps)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory for the plan");
	for (int s = 0; s < e->n_series; s++) {
		for (size_t j = 0; j < e->n_points; j++, k++) {
			struct pstep *st = &e->steps[k];
			char p[48];

			st->series = s;
			st->down = s % 2 == 1;
			st->point = st->down ? e->n_points - 1 - j : j;
			st->pt.seq = (int)k + 1;
			st->pt.test = CAL_TEST_PRESSURE;
			st->pt.load = e->points[st->point];
			cal_num_format_g(p, sizeof(p), st->pt.load);
			if (e->seq_name)
				snprintf(st->pt.label, sizeof(st->pt.label), "M%d %s %s %s", s + 1,
					 st->down ? "down" : "up", p, cal_unit_symbol(e->unit));
			else
				snprintf(st->pt.label, sizeof(st->pt.label), "%s %s %s",
					 st->down ? "down" : "up", p, cal_unit_symbol(e->unit));
		}
	}
	for (size_t i = 0; i < e->ng; i++) {
		struct gauge *g = &e->g[i];

		g->ind = malloc(e->n_steps * sizeof(double));
		g->ref = malloc(e->n_steps * sizeof(double));
		g->ind_dec = calloc(e->n_steps, sizeof(int));
		g->ind_id = calloc(e->n_steps, sizeof(int64_t));
		g->ref_id = calloc(e->n_steps, sizeof(int64_t));
		if (!g->ind || !g->ref || !g->ind_dec || !g->ind_id || !g->ref_id)
			return cal_error_set(CAL_ERR_NOMEM, "out of memory for the plan");
		for (size_t k2 = 0; k2 < e->n_steps; k2++)
			g->ind[k2] = g->ref[k2] = NAN;
	}
	return CAL_OK;
}

/* The reference: registered, in its due date, covering the scale, adequate. */
static int check_reference(struct prun *e)
{
	double f, lo, hi;
	char a[48], b[48];
	int err;

	if (cal_unit_parse(&e->std_unit, e->std.unit) ||
	    cal_unit_quantity(e->std_unit) != CAL_Q_PRESSURE)
		return cal_error_set(CAL_ERR_CONFIG, "reference %s: '%s' is not a pressure unit",
				     e->std.id, e->std.unit);
	err = cal_batch_check_due(&e->std, e->clock);
	if (err)
		return err;
	f = cal_unit_si_factor(e->unit) / cal_unit_si_factor(e->std_unit);
	lo = e->lo * f;
	hi = e->hi * f;
	if (lo < e->std.range_lo - 1e-9 * fabs(hi) || hi > e->std.range_hi + 1e-9 * fabs(hi)) {
		fmt_p(a, sizeof(a), e->std.range_lo, e->std.unit);
		fmt_p(b, sizeof(b), e->std.range_hi, e->std.unit);
		return cal_error_set(CAL_ERR_REFUSED,
				     "reference %s covers %s..%s, the gauges' scale %g..%g %s is "
				     "outside it",
				     e->std.id, a, b, e->lo, e->hi, cal_unit_symbol(e->unit));
	}
	if (is_calibration(e) || !(e->pr->adequacy_ratio > 0))
		return CAL_OK;
	for (size_t i = 0; i < e->ng; i++) {
		for (size_t j = 0; j < e->n_points; j++) {
			double mpe, U = ref_U(e, e->points[j]);
			bool ok;
			err = gauge_mpe(&mpe, e, &e->g[i], e->points[j]);

			if (!err)
				err = cal_reference_adequate(&ok, U, mpe,
							     1.0 / e->pr->adequacy_ratio);
			if (err)
				return err;
			if (!ok) {
				const char *u = is_transmitter(e) ? "mA" : cal_unit_symbol(e->unit);

				cal_num_format_sig(a, sizeof(a), U, 3);
				cal_num_format_sig(b, sizeof(b), mpe, 3);
				return cal_error_set(
					CAL_ERR_REFUSED,
					"reference %s is not adequate for %s: U = %s %s "
					"at %g %s is more than %g of the gauge's MPE %s "
					"%s",
					e->std.id, e->g[i].dut->id, a, u, e->points[j],
					cal_unit_symbol(e->unit), e->pr->adequacy_ratio, b, u);
			}
		}
	}
	return CAL_OK;
}

static int prepare(struct prun *e)
{
	int err;

	for (size_t i = 0; i < e->ng; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->g[i].dut->id, e->g[j].dut->id) == 0)
				return cal_error_set(CAL_ERR_ARG, "%s is given twice",
						     e->g[i].dut->id);
		err = check_gauge(e, &e->g[i], i);
		if (err)
			return err;
	}
	err = plan_points(e);
	if (!err)
		err = check_reference(e);
	if (!err)
		err = plan_steps(e);
	return err;
}

static void release(struct prun *e)
{
	free(e->steps);
	for (size_t i = 0; i < e->ng; i++) {
		free(e->g[i].ind);
		free(e->g[i].ref);
		free(e->g[i].ind_dec);
		free(e->g[i].ind_id);
		free(e->g[i].ref_id);
	}
}

/* ---- taking the points --------------------------------------------------------- */

struct live_ctx {
	struct prun *e;
	const struct cal_step_info *step;
};

static int on_live(const struct cal_reading *rd, void *payload)
{
	struct live_ctx *lc = payload;

	if (lc->e->p->op->live)
		lc->e->p->op->live(lc->e->p->op_ctx, lc->step, rd);
	return stop_requested(lc->e);
}

static void step_info(struct cal_step_info *si, const struct prun *e, size_t k)
{
	memset(si, 0, sizeof(*si));
	si->k = k + 1;
	si->n = e->n_steps;
	si->point = &e->steps[k].pt;
	si->unit = cal_unit_symbol(e->unit);
	si->test_title = is_calibration(e) ? "Calibration" : "Pressure test";
	si->ref_value = NAN;
}

static void rule_for(struct cal_settle_rule *r, const struct prun *e, double setpoint)
{
	double f = cal_unit_si_factor(e->unit);

	memset(r, 0, sizeof(*r));
	r->setpoint_si = setpoint * f;
	r->band_si = e->pr->band_pct_span / 100 * span(e) * f;
	r->max_rate_si = e->pr->rate_pct_span_s / 100 * span(e) * f;
	r->hold_ms = (int)lround(e->pr->hold_s * 1000);
	r->timeout_ms = e->pr->settle_timeout_s * 1000;
	r->poll_ms = e->pr->poll_ms;
	r->require_flag = e->pr->require_flag;
	r->unit = e->unit;
}

/* Set the controller to @setpoint and wait until it settled (evidence in *ev). */
static int settle_at(struct cal_settle_result *ev, struct prun *e, double setpoint,
		     const struct cal_step_info *si)
{
	struct cal_settle_rule rule;
	struct live_ctx lc = { e, si };
	int err;

	err = cal_dev_set_setpoint(e->p->ref, setpoint, e->unit);
	if (err)
		return err;
	rule_for(&rule, e, setpoint);
	err = cal_dev_settle(ev, e->p->ref, e->clock, &rule, on_live, &lc);
	if (stop_requested(e))
		return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
	return err;
}

/* DKD-R 6-1 preloads: to the upper limit, held, and back, before the first series. */
static int preload(struct prun *e)
{
	static struct cal_settle_result ev; /* large; one run at a time per process */
	struct cal_step_info si;
	int err;

	for (int i = 0; i < e->preloads; i++) {
		step_info(&si, e, 0);
		err = settle_at(&ev, e, e->hi, &si);
		if (!err)
			e->clock->sleep_ms(e->clock->ctx, (int64_t)e->pr->preload_hold_s * 1000);
		if (!err)
			err = settle_at(&ev, e, e->lo, &si);
		if (err)
			return cal_error_prefix(err, "preload %d of %d: ", i + 1, e->preloads);
		log_info("preload %d of %d done", i + 1, e->preloads);
	}
	return CAL_OK;
}

static int expected(double *out, const struct prun *e, double p);

/* The indication of gauge @g at step @k: read over its interface, or typed. */
static int take_indication(struct cal_reading *rd, struct prun *e, struct gauge *g,
			   struct cal_step_info *si)
{
	const struct cal_prun_params *p = e->p;
	enum cal_unit u = is_transmitter(e) ? CAL_UNIT_MA : e->unit;
	int err;

	memset(rd, 0, sizeof(*rd));
	if (g->dev) {
		struct live_ctx lc = { e, si };

		err = cal_dev_read_stable(rd, g->dev, e->clock, e->proc->stability_timeout_s * 1000,
					  on_live, &lc);
		if (stop_requested(e))
			return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
		if (err)
			return cal_error_prefix(err, "%s: ", g->dut->id);
		if (cal_unit_quantity(rd->unit) != cal_unit_quantity(u))
			return cal_error_set(CAL_ERR_DEVICE, "%s shows '%s', not a unit of %s",
					     g->dev->id, cal_unit_symbol(rd->unit),
					     is_transmitter(e) ? "current" : "pressure");
		return CAL_OK;
	} else {
		char prompt[256];
		double v;
		int dec = 0;

		char ref[48];

		cal_num_format(ref, sizeof(ref), si->ref_value, e->ref_decimals);
		snprintf(prompt, sizeof(prompt), "%s at %s (reference %s %s): %s (%s)", g->dut->id,
			 si->point->label, ref, cal_unit_symbol(e->unit),
			 is_transmitter(e)		     ? "output current"
			 : e->pr->mpe_rule == CAL_PMPE_EN837 ? "indication, tap lightly first"
							     : "indication",
			 cal_unit_symbol(u));
		err = p->op->ask_value(p->op_ctx, si, prompt, &v, &dec);
		if (err)
			return err;
		if (!isfinite(v))
			return cal_error_set(CAL_ERR_ARG, "%s: the indication is not a number",
					     g->dut->id);
		/* far beyond the MPE: a typo until the technician types it again */
		for (int attempt = 1; attempt < 3; attempt++) {
			double x, mpe, again;
			int dec2 = 0;

			if (expected(&x, e, si->ref_value) ||
			    gauge_mpe(&mpe, e, g, si->ref_value) ||
			    fabs(v - x) <= PRUN_GROSS_MPE * mpe)
				break;
			snprintf(prompt, sizeof(prompt),
				 "%s at %s: %g %s is more than %d x the MPE from the reference %s "
				 "%s; type the indication again to confirm",
				 g->dut->id, si->point->label, v, cal_unit_symbol(u),
				 PRUN_GROSS_MPE, ref, cal_unit_symbol(e->unit));
			err = p->op->ask_value(p->op_ctx, si, prompt, &again, &dec2);
			if (err)
				return err;
			if (again == v)
				break; /* confirmed */
			v = again;
			dec = dec2;
		}
		rd->value = v;
		rd->unit = u;
		rd->value_si = v * cal_unit_si_factor(u);
		rd->decimals = dec;
		rd->flags = CAL_RD_STABLE;
		rd->t_mono_ms = e->clock->mono_ms(e->clock->ctx);
		cal_num_format(rd->raw, sizeof(rd->raw), v, dec);
		return CAL_OK;
	}
}

/* One step: settle, commit the reference to every run, then each gauge's indication. */
static int run_step(struct prun *e, size_t k)
{
	static struct cal_settle_result ev; /* 256 samples: kept off the stack */
	const struct pstep *st = &e->steps[k];
	struct cal_step_info si;
	char source[72];
	double refv;
	int dec, err;

	step_info(&si, e, k);
	err = settle_at(&ev, e, st->pt.load, &si);
	if (err)
		return cal_error_prefix(err, "point %s: ", st->pt.label);
	reading_in(&refv, &dec, &ev.reading, e->unit);
	e->ref_decimals = dec;
	snprintf(source, sizeof(source), "device:%s", e->p->ref->id);
	err = cal_db_begin(e->p->db);
	if (err)
		return err;
	for (size_t i = 0; i < e->ng && !err; i++) {
		struct gauge *g = &e->g[i];

		if (!g->open)
			continue;
		err = cal_db_reading_add(&g->ref_id[k], e->p->db, g->run_id, st->pt.seq, source,
					 &ev.reading);
		if (!err)
			err = cal_db_settle_evidence_add(e->p->db, g->run_id, g->ref_id[k],
							 st->pt.load * cal_unit_si_factor(e->unit),
							 &ev);
		g->ref[k] = refv;
	}
	err = cal_db_end(e->p->db, err);
	if (err)
		return err;
	si.ref_value = refv;
	for (size_t i = 0; i < e->ng; i++) {
		struct gauge *g = &e->g[i];
		struct cal_reading rd;

		if (!g->open)
			continue;
		if (stop_requested(e))
			return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
		si.dut_id = g->dut->id;
		err = take_indication(&rd, e, g, &si);
		if (err)
			return err;
		if (g->dev)
			snprintf(source, sizeof(source), "device:%s", g->dev->id);
		else
			snprintf(source, sizeof(source), "operator");
		err = cal_db_reading_add(&g->ind_id[k], e->p->db, g->run_id, st->pt.seq, source,
					 &rd);
		if (err)
			return err;
		reading_in(&g->ind[k], &g->ind_dec[k], &rd,
			   is_transmitter(e) ? CAL_UNIT_MA : e->unit);
	}
	return CAL_OK;
}

/* ---- judging ------------------------------------------------------------------- */

static bool within(double err, double mpe)
{
	return fabs(err) <= mpe * (1 + 1e-9);
}

/* What the gauge should show at reference pressure @p: p itself, or a current. */
static int expected(double *out, const struct prun *e, double p)
{
	if (is_transmitter(e))
		return cal_transmitter_expected_ma(out, p, e->lo, e->hi);
	*out = p;
	return CAL_OK;
}

static void note_fail(char *reason, size_t size, const struct cal_result *r, const char *what)
{
	char ev[48], mpe[48];

	if (reason[0])
		return;
	cal_num_format(ev, sizeof(ev), r->error, r->decimals + CAL_ERROR_EXTRA_DECIMALS);
	cal_num_format_g(mpe, sizeof(mpe), r->mpe);
	snprintf(reason, size, "%s %s: %s%s %s beyond the MPE \xc2\xb1%s %s", r->test, r->label,
		 what, ev, r->unit, mpe, r->unit);
}

/* Step index of (series s, point j). */
static size_t step_of(const struct prun *e, int s, size_t j)
{
	return (size_t)s * e->n_points + (s % 2 ? e->n_points - 1 - j : j);
}

static void result_base(struct cal_result *r, const struct prun *e, int seq, const char *test)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	snprintf(r->test, sizeof(r->test), "%s", test);
	snprintf(r->unit, sizeof(r->unit), "%s",
		 is_transmitter(e) ? "mA" : cal_unit_symbol(e->unit));
	r->u = r->k = r->nu_eff = NAN;
}

/* Verification: each point up and down, and its hysteresis, against the MPE. */
static int judge_verification(struct prun *e, struct gauge *g, char *reason, size_t rsize)
{
	int seq = 0, err;

	for (size_t j = 0; j < e->n_points; j++) {
		size_t ku = step_of(e, 0, j), kd = step_of(e, 1, j);
		struct cal_gauge_point gp;
		struct cal_gauge_eval ev;
		struct cal_result r;
		double mpe, xu, xd, load;
		char p[48];

		cal_num_format_g(p, sizeof(p), e->points[j]);
		err = gauge_mpe(&mpe, e, g, e->points[j]);
		if (!err)
			err = expected(&xu, e, g->ref[ku]);
		if (!err)
			err = expected(&xd, e, g->ref[kd]);
		if (!err)
			err = expected(&load, e, e->points[j]);
		if (err)
			return err;
		gp = (struct cal_gauge_point){ .ref_up = xu,
					       .ind_up = g->ind[ku],
					       .has_down = true,
					       .ref_down = xd,
					       .ind_down = g->ind[kd] };
		err = cal_en837_evaluate(&ev, &gp, mpe);
		if (err)
			return cal_error_prefix(err, "%s at %s %s: ", g->dut->id, p,
						cal_unit_symbol(e->unit));
		for (int d = 0; d < 2; d++) {
			size_t k = d ? kd : ku;

			result_base(&r, e, ++seq, "pressure");
			snprintf(r.label, sizeof(r.label), "%s %s %s", d ? "down" : "up", p,
				 cal_unit_symbol(e->unit));
			r.load = load;
			r.ref = d ? xd : xu;
			r.indication = g->ind[k];
			r.decimals = g->ind_dec[k];
			r.error = d ? ev.error_down : ev.error_up;
			r.mpe = mpe;
			snprintf(r.verdict, sizeof(r.verdict), "%s",
				 within(r.error, mpe) ? "PASS" : "FAIL");
			r.reading_id = g->ind_id[k];
			r.ref_reading_id = g->ref_id[k];
			if (strcmp(r.verdict, "FAIL") == 0)
				note_fail(reason, rsize, &r, "E = ");
			err = cal_db_result_add(e->p->db, g->run_id, &r);
			if (err)
				return err;
		}
		result_base(&r, e, ++seq, "hysteresis");
		snprintf(r.label, sizeof(r.label), "%s %s", p, cal_unit_symbol(e->unit));
		r.load = load;
		r.ref = NAN;
		r.indication = g->ind[kd];
		r.decimals = g->ind_dec[kd] > g->ind_dec[ku] ? g->ind_dec[kd] : g->ind_dec[ku];
		r.error = ev.hysteresis;
		r.mpe = mpe;
		snprintf(r.verdict, sizeof(r.verdict), "%s",
			 within(ev.hysteresis, mpe) ? "PASS" : "FAIL");
		if (strcmp(r.verdict, "FAIL") == 0)
			note_fail(reason, rsize, &r, "h = ");
		err = cal_db_result_add(e->p->db, g->run_id, &r);
		if (err)
			return err;
	}
	return CAL_OK;
}

/* Calibration: per point the mean error with its uncertainty, and the decision rule. */
static int judge_calibration(struct prun *e, struct gauge *g, char *reason, size_t rsize)
{
	const struct cal_pressure_proc *pr = e->pr;
	double inds[16];
	int err;

	if (e->n_series > 16)
		return cal_error_set(CAL_ERR_CONFIG, "too many series");
	for (size_t j = 0; j < e->n_points; j++) {
		struct cal_pressure_budget_in in = { 0 };
		struct cal_pressure_budget b;
		enum cal_verdict v;
		struct cal_result r;
		double ref = 0, up = 0, down = 0, mpe, U_ref, xr;
		int nup = 0, ndown = 0, dec = 0;
		size_t klast = 0;
		char p[48];

		cal_num_format_g(p, sizeof(p), e->points[j]);
		for (int s = 0; s < e->n_series; s++) {
			size_t k = step_of(e, s, j);
			double x;

			err = expected(&x, e, g->ref[k]);
			if (err)
				return err;
			/* the indication minus what it should show, plus the nominal */
			inds[s] = g->ind[k];
			ref += x;
			if (s % 2) {
				down += g->ind[k] - x;
				ndown++;
			} else {
				up += g->ind[k] - x;
				nup++;
			}
			dec = g->ind_dec[k] > dec ? g->ind_dec[k] : dec;
			klast = k;
		}
		xr = ref / e->n_series;
		U_ref = ref_U(e, e->points[j]);
		in.p_ref = xr;
		in.ref_U = U_ref;
		in.ref_k = e->std.k;
		in.resolution = g->dut->d;
		in.hysteresis = (nup && ndown) ? fabs(down / ndown - up / nup) : 0;
		in.readings = inds;
		in.n = (size_t)e->n_series;
		in.terms = pr->budget_terms;
		err = cal_pressure_budget(&b, &in);
		if (!err)
			err = gauge_mpe(&mpe, e, g, e->points[j]);
		if (!err)
			err = cal_decide(&v, pr->decision, b.error, b.gum.U, mpe, b.gum.U);
		if (err)
			return cal_error_prefix(err, "%s at %s %s: ", g->dut->id, p,
						cal_unit_symbol(e->unit));
		result_base(&r, e, (int)j + 1, "calibration");
		snprintf(r.label, sizeof(r.label), "%s %s", p, cal_unit_symbol(e->unit));
		r.load = e->points[j];
		r.ref = xr;
		r.indication = b.mean;
		r.decimals = dec;
		r.error = b.error;
		r.mpe = mpe;
		r.u = b.gum.U;
		r.k = b.gum.k;
		r.nu_eff = b.gum.nu_eff;
		r.reading_id = g->ind_id[klast];
		r.ref_reading_id = g->ref_id[klast];
		snprintf(r.verdict, sizeof(r.verdict), "%s",
			 v == CAL_VERDICT_PASS ? "PASS" : "FAIL");
		if (v != CAL_VERDICT_PASS && !reason[0]) {
			char ev[48], Ut[48], mt[48];

			cal_num_format(ev, sizeof(ev), r.error, dec + CAL_ERROR_EXTRA_DECIMALS);
			cal_round_sig(Ut, sizeof(Ut), NULL, NULL, r.u > 0 ? r.u : 1e-12, 2);
			cal_num_format_g(mt, sizeof(mt), mpe);
			snprintf(reason, rsize,
				 "calibration %s: E = %s %s, U = %s %s: not within \xc2\xb1%s %s "
				 "under the %s rule",
				 r.label, ev, r.unit, Ut, r.unit, mt, r.unit,
				 cal_decision_rule_name(pr->decision));
		}
		err = cal_db_result_add(e->p->db, g->run_id, &r);
		if (err)
			return err;
	}
	return CAL_OK;
}

/* Results, verdict and document of one gauge: one transaction. */
static int finish_gauge(struct prun *e, size_t i)
{
	struct gauge *g = &e->g[i];
	struct cal_run_outcome *o = &e->out->runs[i];
	char reason[256] = "";
	int err;

	err = cal_db_begin(e->p->db);
	if (err)
		return err;
	if (is_calibration(e))
		err = judge_calibration(e, g, reason, sizeof(reason));
	else
		err = judge_verification(e, g, reason, sizeof(reason));
	if (!err)
		err = cal_db_run_complete(&o->cert, e->p->db, g->run_id,
					  reason[0] ? "FAIL" : "PASS", reason[0] ? reason : NULL,
					  e->clock->wall_s(e->clock->ctx));
	err = cal_db_end(e->p->db, err);
	if (err)
		return cal_error_prefix(err, "%s: ", g->dut->id);
	o->completed = true;
	snprintf(o->verdict, sizeof(o->verdict), "%s", reason[0] ? "FAIL" : "PASS");
	snprintf(o->reason, sizeof(o->reason), "%s", reason);
	g->open = false;
	return CAL_OK;
}

/* Is step @k taken for every open gauge? */
static bool step_done(const struct prun *e, size_t k)
{
	for (size_t i = 0; i < e->ng; i++)
		if (e->g[i].open && (isnan(e->g[i].ind[k]) || !e->g[i].ref_id[k]))
			return false;
	return true;
}

static void interrupt_all(struct prun *e, const char *why)
{
	for (size_t i = 0; i < e->ng; i++)
		if (e->g[i].open && e->g[i].run_id &&
		    cal_db_run_interrupt(e->p->db, e->g[i].run_id, why))
			log_warn("run %lld: could not be marked interrupted",
				 (long long)e->g[i].run_id);
}

static int execute(struct prun *e)
{
	char why[300] = "";
	bool any_done = false;
	int err = CAL_OK;

	for (size_t k = 0; k < e->n_steps; k++)
		any_done = any_done || step_done(e, k);
	err = cal_dev_control(e->p->ref, true);
	if (err == CAL_ERR_UNSUPPORTED) {
		cal_error_clear();
		err = CAL_OK;
	}
	if (!err && !any_done)
		err = preload(e);
	for (size_t k = 0; k < e->n_steps && !err; k++) {
		if (step_done(e, k))
			continue;
		/*
		 * Resumed after a stop (the controller was vented): come to the
		 * point the way the sequence comes to it, from the step before,
		 * so that a point going down is not approached from below.
		 */
		if (any_done && k > 0 && step_done(e, k - 1)) {
			static struct cal_settle_result ev;
			struct cal_step_info si;

			step_info(&si, e, k - 1);
			err = settle_at(&ev, e, e->steps[k - 1].pt.load, &si);
			if (err) {
				cal_error_prefix(err, "back to %s before resuming: ",
						 e->steps[k - 1].pt.label);
				break;
			}
			any_done = false;
		}
		if (stop_requested(e)) {
			err = cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
			break;
		}
		err = run_step(e, k);
	}
	for (size_t i = 0; i < e->ng && !err; i++)
		if (e->g[i].open)
			err = finish_gauge(e, i);
	if (err) {
		snprintf(why, sizeof(why), "%s",
			 cal_error_last()[0] ? cal_error_last() : cal_strerror(err));
		interrupt_all(e, why);
	}
	/* Safety: the manifold goes back to atmosphere, whatever happened. */
	if (cal_dev_vent(e->p->ref) != CAL_OK && !err)
		log_warn("%s: could not vent: %s", e->p->ref->id, cal_error_last());
	if (err)
		cal_error_set(err, "%s", why);
	else
		cal_error_clear();
	return err;
}

static int check_params(const struct cal_prun_params *p)
{
	if (!p || !p->db || !p->op || !p->op->instruct || !p->ref)
		return cal_error_set(CAL_ERR_ARG,
				     "pressure run: missing database, operator or reference");
	if (p->n_gauges < 1 || p->n_gauges > CAL_PRUN_MAX_GAUGES)
		return cal_error_set(CAL_ERR_ARG, "pressure run: %zu gauges (1..%d)", p->n_gauges,
				     CAL_PRUN_MAX_GAUGES);
	for (size_t i = 0; i < p->n_gauges; i++)
		if (!p->gauges[i].dut || (!p->gauges[i].dev && !p->op->ask_value))
			return cal_error_set(CAL_ERR_ARG,
					     "pressure run: gauge %zu cannot be read or typed", i);
	return CAL_OK;
}

static void init(struct prun *e, struct cal_prun_outcome *out, const struct cal_prun_params *p)
{
	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	e->p = p;
	e->out = out;
	e->clock = p->clock ? p->clock : cal_clock_system();
	e->ng = p->n_gauges;
	out->n = p->n_gauges;
	for (size_t i = 0; i < e->ng; i++) {
		e->g[i].dut = p->gauges[i].dut;
		e->g[i].dev = p->gauges[i].dev;
	}
}

/* The technician connects the gauges: the one instruction before the points. */
static int setup_instruction(struct prun *e)
{
	char text[512];
	size_t len;
	struct cal_step_info si;

	len = (size_t)snprintf(text, sizeof(text), "connect ");
	for (size_t i = 0; i < e->ng && len < sizeof(text); i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? ", " : "",
					e->g[i].dut->id);
	if (len < sizeof(text))
		snprintf(text + len, sizeof(text) - len,
			 " to the manifold of %s, vented; check every gauge reads zero",
			 e->p->ref->id);
	step_info(&si, e, 0);
	si.test_title = "Set-up";
	return e->p->op->instruct(e->p->op_ctx, &si, text);
}

/*
 * The controller on the line must be the reference in the register: another
 * serial number means its uncertainty and due date are not this one's.
 */
static int check_reference_identity(struct prun *e)
{
	struct cal_dev_info info;
	int err;

	memset(&info, 0, sizeof(info));
	err = cal_dev_identify(&info, e->p->ref);
	if (err && err != CAL_ERR_UNSUPPORTED)
		return err;
	cal_error_clear();
	if (!info.serial[0] || !e->std.serial[0] || strcmp(info.serial, e->std.serial) == 0)
		return CAL_OK;
	if (e->p->accept_serial_mismatch) {
		log_warn("%s reports serial number '%s', the register has '%s' for %s (accepted "
			 "by the operator)",
			 e->p->ref->id, info.serial, e->std.serial, e->std.id);
		return CAL_OK;
	}
	return cal_error_set(CAL_ERR_REFUSED,
			     "%s reports serial number '%s', the register has '%s' for reference "
			     "%s: is the right controller connected? (--accept-serial-mismatch to "
			     "go on anyway)",
			     e->p->ref->id, info.serial, e->std.serial, e->std.id);
}

static int create_runs(struct prun *e)
{
	const struct cal_prun_params *p = e->p;
	int err = cal_db_begin(p->db);

	for (size_t i = 0; i < e->ng && !err; i++) {
		struct gauge *g = &e->g[i];
		struct cal_run run;

		cal_batch_run_fill(&run, p, e->proc, g->dut->id, g->dev ? g->dev->id : NULL,
				   e->mode, e->pr->activity);
		run.batch = i == 0 ? CAL_RUN_BATCH_NEW : e->batch;
		err = cal_db_run_begin(&g->run_id, p->db, &run, e->proc->text ? e->proc->text : "");
		if (!err && i == 0)
			e->batch = g->run_id;
		if (!err)
			err = cal_db_run_add_pstandard(p->db, g->run_id, e->std.id);
		g->open = true;
		e->out->runs[i].run_id = g->run_id;
	}
	err = cal_db_end(p->db, err);
	if (err)
		for (size_t i = 0; i < e->ng; i++) {
			e->g[i].open = false;
			e->g[i].run_id = 0;
			e->out->runs[i].run_id = 0;
		}
	e->out->batch = err ? 0 : e->batch;
	return err;
}

int cal_prun_start(struct cal_prun_outcome *out, const struct cal_prun_params *p)
{
	struct prun e;
	size_t recovered;
	int err;

	init(&e, out, p);
	err = check_params(p);
	if (err)
		return err;
	if (!p->proc || !p->proc->pressure || !p->mode || !p->standard_id || !p->standard_id[0])
		return cal_error_set(CAL_ERR_ARG,
				     "pressure run: missing pressure procedure, mode or reference "
				     "standard");
	e.proc = p->proc;
	e.pr = &p->proc->pr;
	snprintf(e.mode, sizeof(e.mode), "%s", p->mode);
	err = cal_db_runs_recover(p->db, &recovered);
	for (size_t i = 0; i < e.ng && !err; i++)
		err = cal_batch_check_not_running(p->db, e.g[i].dut->id);
	if (!err)
		err = cal_db_pstandard_get(&e.std, p->db, p->standard_id);
	if (err == CAL_ERR_NOTFOUND)
		err = cal_error_set(CAL_ERR_REFUSED,
				    "reference standard '%s' is not in the register (calbench "
				    "standard add --kind pressure ...)",
				    p->standard_id);
	if (!err)
		err = check_reference_identity(&e);
	if (!err)
		err = prepare(&e);
	if (!err)
		err = setup_instruction(&e);
	if (!err)
		err = create_runs(&e);
	if (!err)
		err = execute(&e);
	release(&e);
	return err;
}

/* Fill the committed readings of gauge @g's run into the step arrays. */
static int load_readings(struct prun *e, struct gauge *g, const char *ref_dev)
{
	struct cal_db_reading *r = NULL;
	char src[72];
	size_t n = 0;
	int err = cal_db_reading_list(&r, &n, e->p->db, g->run_id);

	if (err)
		return err;
	snprintf(src, sizeof(src), "device:%s", ref_dev);
	for (size_t i = 0; i < n; i++) {
		size_t k = (size_t)r[i].point_seq - 1;

		if (r[i].point_seq < 1 || k >= e->n_steps) {
			err = cal_error_set(CAL_ERR_STATE,
					    "run %lld: reading %lld is for point %d, the plan has "
					    "%zu: it cannot be resumed",
					    (long long)g->run_id, (long long)r[i].id,
					    r[i].point_seq, e->n_steps);
			break;
		}
		if (strcmp(r[i].source, src) == 0) {
			int dec;

			/* a new reference reading: the indications before it are stale */
			reading_in(&g->ref[k], &dec, &r[i].rd, e->unit);
			g->ref_id[k] = r[i].id;
			g->ind[k] = NAN;
			g->ind_id[k] = 0;
		} else if (g->ref_id[k]) {
			reading_in(&g->ind[k], &g->ind_dec[k], &r[i].rd,
				   is_transmitter(e) ? CAL_UNIT_MA : e->unit);
			g->ind_id[k] = r[i].id;
		}
	}
	free(r);
	return err;
}

int cal_prun_resume(struct cal_prun_outcome *out, const struct cal_prun_params *p, int64_t run_id)
{
	struct cal_procedure *proc = NULL;
	struct cal_pstandard *snap = NULL;
	struct cal_run *runs = NULL, first;
	struct prun e;
	size_t nruns = 0, nsnap = 0, recovered;
	char *text = NULL, name[64];
	int err;

	init(&e, out, p);
	err = check_params(p);
	if (!err)
		err = cal_db_runs_recover(p->db, &recovered);
	if (!err)
		err = cal_db_run_get(&first, p->db, run_id);
	if (err)
		return err;
	e.batch = first.batch ? first.batch : first.id;
	out->batch = e.batch;
	if (first.batch)
		err = cal_db_run_batch(&runs, &nruns, p->db, first.batch);
	else if ((runs = malloc(sizeof(*runs))) != NULL)
		runs[nruns++] = first;
	else
		err = CAL_ERR_NOMEM;
	if (err)
		return err;
	/* every gauge given is a run of the batch; each interrupted run has its gauge */
	for (size_t i = 0; i < e.ng && !err; i++) {
		bool found = false;

		for (size_t r = 0; r < nruns; r++) {
			if (strcmp(runs[r].instrument_id, e.g[i].dut->id) != 0)
				continue;
			found = true;
			e.g[i].run_id = runs[r].id;
			e.g[i].open = runs[r].status == CAL_RUN_INTERRUPTED;
			out->runs[i].run_id = runs[r].id;
			out->runs[i].completed = runs[r].status == CAL_RUN_COMPLETED;
			snprintf(out->runs[i].verdict, sizeof(out->runs[i].verdict), "%s",
				 runs[r].verdict);
		}
		if (!found)
			err = cal_error_set(CAL_ERR_ARG, "%s has no run in batch %lld",
					    e.g[i].dut->id, (long long)e.batch);
	}
	for (size_t r = 0; r < nruns && !err; r++) {
		bool given = false;

		for (size_t i = 0; i < e.ng; i++)
			given = given || e.g[i].run_id == runs[r].id;
		if (!given && runs[r].status == CAL_RUN_INTERRUPTED)
			err = cal_error_set(CAL_ERR_ARG, "run %lld (%s) of the batch is not given",
					    (long long)runs[r].id, runs[r].instrument_id);
	}
	if (!err) {
		bool any = false;

		for (size_t i = 0; i < e.ng; i++)
			any = any || e.g[i].open;
		if (!any)
			err = cal_error_set(CAL_ERR_STATE,
					    "run %lld: no run of its batch is interrupted (%s): "
					    "nothing to resume",
					    (long long)run_id, cal_run_status_name(first.status));
	}
	if (!err)
		err = cal_db_run_procedure_text(&text, p->db, first.id);
	if (!err) {
		snprintf(name, sizeof(name), "procedure of run %lld", (long long)first.id);
		err = cal_procedure_parse(&proc, text, strlen(text), name);
	}
	if (!err && !proc->pressure)
		err = cal_error_set(CAL_ERR_STATE, "run %lld is not a pressure run",
				    (long long)run_id);
	if (!err)
		err = cal_db_run_pstandards(&snap, &nsnap, p->db, first.id);
	if (!err && nsnap != 1)
		err = cal_error_set(CAL_ERR_STATE, "run %lld has %zu pressure references, not one",
				    (long long)first.id, nsnap);
	if (err)
		goto out;
	if (strcmp(first.device_id, p->ref->id) != 0) {
		err = cal_error_set(CAL_ERR_ARG,
				    "run %lld was measured with '%s', not '%s': the same reference "
				    "continues a run",
				    (long long)first.id, first.device_id, p->ref->id);
		goto out;
	}
	e.proc = proc;
	e.pr = &proc->pr;
	e.std = snap[0];
	snprintf(e.mode, sizeof(e.mode), "%s", first.mode);
	err = check_reference_identity(&e);
	if (!err)
		err = prepare(&e);
	for (size_t i = 0; i < e.ng && !err; i++)
		if (e.g[i].open)
			err = load_readings(&e, &e.g[i], first.device_id);
	for (size_t i = 0; i < e.ng && !err; i++)
		if (e.g[i].open)
			err = cal_db_run_resume(p->db, e.g[i].run_id, (int)getpid());
	if (!err)
		err = execute(&e);
out:
	release(&e);
	free(snap);
	free(text);
	free(runs);
	cal_procedure_free(proc);
	return err;
}

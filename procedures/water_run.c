/*
 * Flow-bench series runs: the instruments under test in line behind one
 * reference, one run each in one batch (as the pressure manifold), each with
 * its own results, verdict and document:
 *   - water meters verified per OIML R 49 / ISO 4064 (ĐLVN 17), or
 *     calibrated (errors with U) against the zone MPE;
 *   - flow meters calibrated (GUM budget per flow rate, conformity with the
 *     maker's accuracy in % of reading under the procedure's decision rule);
 *   - fuel dispensers verified per OIML R 117 (MPE at least Emin).
 *
 * The reference volume of a draw: a master meter's totalizer difference
 * (driver with the procedure's quantity, "total"), a balance's net mass
 * converted at the water's temperature (gravimetric: Tanaka density, air
 * buoyancy), or a proving can's neck scale typed by the technician. The
 * reference is a registered standard (kind flow or volume): in its due date,
 * covering the flows (or volumes), and for a verification its relative U
 * within adequacy_ratio of the smallest MPE; a snapshot goes with each run.
 *
 * At each draw a standing start and stop: the reference and every register
 * are read at rest before the draw and after it (a dispenser's display and
 * a proving can start at zero: read after only); every reading is committed
 * (reference first, to every open run; then each register, to its meter's
 * run) before the next is taken. Draw k has point_seq 2k+1 (before) and
 * 2k+2 (after); a draw taken again adds new readings with the same numbers,
 * and the last ones count. A draw whose mean flow is outside its window, or
 * whose volume is below the test volume, is taken again, at most
 * wr.attempts times. Results are computed when every draw is in, from the
 * committed values.
 *
 * Units: volumes in litres in the results (error = Vi - Va, U and the MPE in
 * L; the relative error in the label); flow rates in m3/h; a meter's
 * register is kept in its own unit (m3 or L); a balance's mass as it shows it
 * (value_si in kg), its difference in kg; temperatures in
 * °C (value_si in K).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/error.h"
#include "cal/log.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/units.h"
#include "cal/water.h"
#include "proc-internal.h"

enum wkind { WK_WATER = 1, WK_FLOW = 2, WK_FUEL = 3 };

struct wmeter {
	const struct cal_instrument *dut;
	struct cal_device *dev; /* its register read over Modbus; NULL: typed */
	enum cal_unit unit;	/* its register's */
	double d_l;		/* verification scale interval, L */
	double cls;		/* fuel dispensers: R 117 accuracy class */
	int64_t run_id;
	bool open;
	double before_l[CAL_WATER_MAX_DRAWS], after_l[CAL_WATER_MAX_DRAWS];
	int dec_l[CAL_WATER_MAX_DRAWS];
	int64_t after_id[CAL_WATER_MAX_DRAWS];
	int64_t ref_after_id[CAL_WATER_MAX_DRAWS]; /* the reference after the draw, in its run */
};

/* One draw. */
struct wpoint {
	struct cal_plan_point pt; /* label "Q1 0.025 m3/h", load = the volume to draw, L */
	int group;		  /* the procedure's point */
	int rep, reps;		  /* draw rep of reps at that point, 1-based */
	double q_m3h;		  /* nominal flow */
	double lo, hi;		  /* its window, m3/h */
	double va_l;		  /* reference volume drawn */
	double q_mean;		  /* mean flow of the draw, m3/h */
	double t_c;		  /* gravimetric: the water's temperature */
};

struct wrun {
	const struct cal_prun_params *p;
	const struct cal_procedure *proc;
	const struct cal_water_proc *wr;
	const struct cal_clock *clock;
	struct cal_prun_outcome *out;
	enum wkind kind;
	bool calibration;
	struct cal_wm_meter wm; /* water meters: Q1..Q4 (they share them) */
	double qmin, qmax;	/* flow meters and dispensers, m3/h */
	double mmq_l;		/* dispensers: minimum measured quantity */
	struct cal_pstandard std;
	enum cal_unit std_unit;
	struct wmeter m[CAL_PRUN_MAX_GAUGES];
	size_t nm;
	struct wpoint pts[CAL_WATER_MAX_DRAWS];
	size_t np;
	int64_t batch;
};

static const char *const point_name[] = { "Q1", "Q2", "Q3", "Qmin", "Qmax" };

static bool stop_requested(const struct wrun *e)
{
	return e->p->stop_flag && *e->p->stop_flag;
}

/* The reference and the registers read before the draw (not for a can or a dispenser). */
static bool ref_has_before(const struct wrun *e)
{
	return e->wr->ref != CAL_WREF_CAN;
}

static bool reg_has_before(const struct wrun *e)
{
	return e->kind != WK_FUEL;
}

static const char *kind_name(enum wkind k)
{
	return k == WK_WATER ? "water-meter" : k == WK_FLOW ? "flow-meter" : "fuel-dispenser";
}

static int check_water_meter(struct wrun *e, const struct cal_instrument *d, size_t i)
{
	struct cal_wm_meter wm;
	enum cal_wm_class cls;
	int err;

	if (cal_wm_class_parse(&cls, d->accuracy_class))
		return cal_error_prefix(CAL_ERR_CONFIG, "%s: ", d->id);
	if (cls == CAL_WM_CLASS_1 || cls == CAL_WM_CLASS_2)
		err = cal_wm_meter_r49(&wm, cls, d->flow_q3, d->ratio_r, NULL);
	else
		err = cal_wm_meter_qn(&wm, cls, d->flow_q3, NULL);
	if (err)
		return cal_error_prefix(CAL_ERR_CONFIG, "%s: ", d->id);
	if (i == 0) {
		e->wm = wm;
		e->qmin = wm.q1;
		e->qmax = wm.q4;
	} else if (wm.cls != e->wm.cls || wm.q1 != e->wm.q1 || wm.q3 != e->wm.q3) {
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s (class %s, Q3 %g, Q1 %g m3/h) differs from %s: meters in "
				     "series share the flow, run them separately",
				     d->id, cal_wm_class_name(wm.cls), wm.q3, wm.q1,
				     e->m[0].dut->id);
	}
	return CAL_OK;
}

/* Flow meters and dispensers: Qmax (flow_q3) and Qmax/Qmin (ratio_r) of the register. */
static int check_flow_range(struct wrun *e, struct wmeter *m, size_t i)
{
	const struct cal_instrument *d = m->dut;
	double qmax = d->flow_q3, qmin = d->ratio_r > 0 ? d->flow_q3 / d->ratio_r : 0;

	if (!(qmax > 0))
		return cal_error_set(CAL_ERR_CONFIG, "%s: register its maximum flow rate (--qmax)",
				     d->id);
	if (e->kind == WK_FLOW && !(d->mpe_pct_reading > 0))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s: register the accuracy the maker specifies, %% of reading "
				     "(--mpe-reading): the calibration states conformity with it",
				     d->id);
	if (e->kind == WK_FUEL) {
		double emin;

		if (cal_num_parse_str(&m->cls, NULL, d->accuracy_class) ||
		    cal_r117_emin(&emin, m->cls, 2))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s: class '%s' is not an OIML R 117 accuracy class "
					     "(0.3, 0.5, 1.0, 1.5, 2.5)",
					     d->id, d->accuracy_class);
		if (!(d->min > 0))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s: register its minimum measured quantity (--mmq)",
					     d->id);
		e->mmq_l = d->min * cal_unit_si_factor(m->unit) * 1e3;
	}
	if (i == 0) {
		e->qmin = qmin;
		e->qmax = qmax;
	} else if (qmax != e->qmax || qmin != e->qmin) {
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s (Qmax %g, Qmin %g m3/h) differs from %s: instruments in "
				     "series share the flow, run them separately",
				     d->id, qmax, qmin, e->m[0].dut->id);
	}
	return CAL_OK;
}

static int check_meter(struct wrun *e, struct wmeter *m, size_t i)
{
	const struct cal_instrument *d = m->dut;
	const char *want = kind_name(e->kind);
	const char *plural = e->kind == WK_WATER  ? "water meters"
			     : e->kind == WK_FLOW ? "flow meters"
						  : "fuel dispensers";

	if (strcmp(d->kind, want) != 0)
		return cal_error_set(CAL_ERR_REFUSED, "%s is %s%s: procedure %s is for %s", d->id,
				     d->kind[0] ? "a " : "not registered as a ",
				     d->kind[0] ? d->kind : want, e->proc->id, plural);
	if (cal_unit_parse(&m->unit, d->unit) || cal_unit_quantity(m->unit) != CAL_Q_VOLUME)
		return cal_error_set(CAL_ERR_CONFIG, "%s: its register unit '%s' is not a volume",
				     d->id, d->unit);
	if (!(d->d > 0))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s: register its verification scale interval d", d->id);
	m->d_l = d->d * cal_unit_si_factor(m->unit) * 1e3;
	if (e->kind == WK_WATER)
		return check_water_meter(e, d, i);
	return check_flow_range(e, m, i);
}

/* The nominal flow and window of procedure point @k, m3/h. */
static int point_flow(double *q, double *lo, double *hi, const struct wrun *e,
		      const struct cal_water_point *wp)
{
	double tol = e->wr->flow_tol_pct / 100;
	bool in;

	*q = *lo = *hi = 0;
	if (wp->point <= CAL_WP_Q3) {
		const double nominal[3] = { e->wm.q1, e->wm.q2, e->wm.q3 };

		*q = nominal[wp->point];
		return cal_wm_window(lo, hi, &in, &e->wm, (enum cal_wm_point)wp->point, *q, NULL);
	}
	if (wp->point == CAL_WP_QMIN) {
		if (!(e->qmin > 0))
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s: point Qmin: register the instruments' Qmin "
					     "(--qmin)",
					     e->m[0].dut->id);
		*q = e->qmin;
		*lo = *q;
		*hi = *q * (1 + tol);
	} else if (wp->point == CAL_WP_QMAX) {
		*q = e->qmax;
		*lo = *q * (1 - tol);
		*hi = *q;
	} else {
		*q = e->qmax * wp->percent / 100;
		*lo = fmax(*q * (1 - tol), e->qmin);
		*hi = fmin(*q * (1 + tol), e->qmax);
		if (*q < e->qmin * (1 - 1e-9))
			return cal_error_set(CAL_ERR_CONFIG,
					     "point %g %% of Qmax (%g m3/h) is below the "
					     "instruments' Qmin %g m3/h",
					     wp->percent, *q, e->qmin);
	}
	return CAL_OK;
}

static int plan(struct wrun *e)
{
	const struct cal_water_proc *wr = e->wr;
	int err;

	e->np = 0;
	for (size_t g = 0; g < wr->n_points; g++) {
		const struct cal_water_point *wp = &wr->points[g];
		double q, lo, hi, vol = wp->volume_l;
		char qs[32], name[16];

		err = point_flow(&q, &lo, &hi, e, wp);
		if (err)
			return err;
		if (!(vol > 0)) {
			for (size_t i = 0; i < e->nm; i++) {
				double v;

				err = cal_wm_min_volume(&v, e->m[i].d_l, q * 1e3, NULL);
				if (err)
					return err;
				vol = fmax(vol, v);
			}
			if (e->kind == WK_FUEL)
				vol = fmax(vol, e->mmq_l);
		}
		if (e->kind == WK_FUEL && vol < e->mmq_l * (1 - 1e-9))
			return cal_error_set(CAL_ERR_CONFIG,
					     "points[%zu]: %g L is below the dispensers' minimum "
					     "measured quantity %g L (no legal delivery)",
					     g, vol, e->mmq_l);
		if (wp->point == CAL_WP_PERCENT)
			snprintf(name, sizeof(name), "%g%%", wp->percent);
		else
			snprintf(name, sizeof(name), "%s", point_name[wp->point]);
		cal_num_format_g(qs, sizeof(qs), q);
		for (int r = 1; r <= wp->runs; r++) {
			struct wpoint *w = &e->pts[e->np];

			memset(w, 0, sizeof(*w));
			w->group = (int)g;
			w->rep = r;
			w->reps = wp->runs;
			w->q_m3h = q;
			w->lo = lo;
			w->hi = hi;
			w->t_c = NAN;
			w->pt.load = vol;
			w->pt.seq = (int)e->np + 1;
			w->pt.test = CAL_TEST_WEIGHING; /* not used here; the label says it */
			if (wp->runs > 1)
				snprintf(w->pt.label, sizeof(w->pt.label), "%s %s m3/h run %d/%d",
					 name, qs, r, wp->runs);
			else
				snprintf(w->pt.label, sizeof(w->pt.label), "%s %s m3/h", name, qs);
			e->np++;
		}
	}
	return CAL_OK;
}

/* The reference's relative expanded uncertainty of a volume @v_l, %. */
static double ref_U_pct(const struct wrun *e, double v_l)
{
	double u_abs_l = 0;

	if (cal_unit_quantity(e->std_unit) == CAL_Q_VOLUME)
		u_abs_l = e->std.u_abs * cal_unit_si_factor(e->std_unit) * 1e3;
	return 100 * (e->std.u_rel + (v_l > 0 ? u_abs_l / v_l : 0));
}

/* The MPE (%) of draw @w for the verification, the specified accuracy for a calibration. */
static int draw_mpe_pct(double *mpe, const struct wrun *e, const struct wmeter *m,
			const struct wpoint *w, double q, double va_l)
{
	enum cal_wm_zone zone;
	double mpe_l;
	int err;

	switch (e->kind) {
	case WK_WATER:
		return cal_wm_mpe(mpe, &zone, &e->wm, q, e->wr->water_t_c, NULL);
	case WK_FLOW:
		*mpe = m->dut->mpe_pct_reading;
		return CAL_OK;
	case WK_FUEL:
		err = cal_r117_mpe(&mpe_l, NULL, m->cls, CAL_R117_LINE_A, e->mmq_l, va_l);
		if (!err)
			*mpe = 100 * mpe_l / va_l;
		return err;
	}
	(void)w;
	return CAL_ERR_ARG;
}

/* The reference: registered, in its due date, covering the flows or volumes, adequate. */
static int check_reference(struct wrun *e)
{
	bool flow = e->wr->ref == CAL_WREF_MASTER;
	enum cal_quantity want = flow ? CAL_Q_FLOW : CAL_Q_VOLUME;
	int err;

	if (!e->p->standard_id || !e->p->standard_id[0])
		return cal_error_set(CAL_ERR_REFUSED,
				     "the reference %s names no standard in the register (its "
				     "uncertainty and due date): 'standard:' in the bench file or "
				     "--standard ID (calbench standard add --kind %s ...)",
				     e->p->ref ? e->p->ref->id : "(typed)",
				     flow ? "flow" : "volume");
	err = cal_db_pstandard_get(&e->std, e->p->db, e->p->standard_id);
	if (err == CAL_ERR_NOTFOUND)
		return cal_error_set(CAL_ERR_REFUSED,
				     "reference standard '%s' is not in the register (calbench "
				     "standard add --kind %s ...)",
				     e->p->standard_id, flow ? "flow" : "volume");
	if (err)
		return err;
	if (cal_unit_parse(&e->std_unit, e->std.unit) || cal_unit_quantity(e->std_unit) != want)
		return cal_error_set(CAL_ERR_REFUSED,
				     "reference standard %s is registered in '%s': a %s reference "
				     "is a %s standard",
				     e->std.id, e->std.unit, e->wr->ref_kind,
				     flow ? "flow" : "volume");
	err = cal_batch_check_due(&e->std, e->clock);
	if (err)
		return err;
	for (size_t j = 0; j < e->np; j++) {
		const struct wpoint *w = &e->pts[j];
		double f = cal_unit_si_factor(e->std_unit);
		/* flow: the window in the standard's unit; volume: the test volume */
		double lo = flow ? w->lo / 3600 / f : w->pt.load / 1e3 / f;
		double hi = flow ? w->hi / 3600 / f : lo;
		double tol = 1e-9 * fabs(e->std.range_hi);

		if (lo < e->std.range_lo - tol || hi > e->std.range_hi + tol)
			return cal_error_set(
				CAL_ERR_REFUSED,
				"reference %s covers %g..%g %s: %s (%s %g L) is outside "
				"it",
				e->std.id, e->std.range_lo, e->std.range_hi, e->std.unit,
				w->pt.label, flow ? "window to" : "volume",
				flow ? w->hi : w->pt.load);
	}
	if (e->calibration || !(e->wr->adequacy_ratio > 0))
		return CAL_OK;
	for (size_t i = 0; i < e->nm; i++)
		for (size_t j = 0; j < e->np; j++) {
			const struct wpoint *w = &e->pts[j];
			double mpe, U = ref_U_pct(e, w->pt.load);

			err = draw_mpe_pct(&mpe, e, &e->m[i], w, w->q_m3h, w->pt.load);
			if (err)
				return cal_error_prefix(err, "%s at %s: ", e->m[i].dut->id,
							w->pt.label);
			if (U > e->wr->adequacy_ratio * mpe * (1 + 1e-9))
				return cal_error_set(
					CAL_ERR_REFUSED,
					"reference %s: U %.3g %% of the %g L at %s "
					"exceeds %g x the MPE %g %% of %s: not adequate "
					"for this verification",
					e->std.id, U, w->pt.load, w->pt.label,
					e->wr->adequacy_ratio, mpe, e->m[i].dut->id);
		}
	return CAL_OK;
}

static void step_info(struct cal_step_info *si, const struct wrun *e, size_t j)
{
	memset(si, 0, sizeof(*si));
	si->k = j + 1;
	si->n = e->np;
	si->point = &e->pts[j].pt;
	si->unit = "L";
	si->test_title = e->kind == WK_FUEL   ? "Fuel dispenser"
			 : e->kind == WK_FLOW ? "Flow meters in series"
					      : "Water meters in series";
	si->ref_value = NAN;
}

/* A reading typed by the technician, as a reading record. */
static int ask_reading(struct cal_reading *rd, struct wrun *e, struct cal_step_info *si,
		       const char *prompt, enum cal_unit unit, double lo, double hi,
		       const char *what)
{
	double v;
	int dec = 0;
	int err = e->p->op->ask_value(e->p->op_ctx, si, prompt, &v, &dec);

	if (err)
		return err;
	if (!isfinite(v) || v < lo || v > hi)
		return cal_error_set(CAL_ERR_ARG, "%s: %g is not a %s (%g..%g)", si->point->label,
				     v, what, lo, hi);
	memset(rd, 0, sizeof(*rd));
	rd->value = v;
	rd->unit = unit;
	rd->value_si = v * cal_unit_si_factor(unit) + cal_unit_si_offset(unit);
	rd->decimals = dec;
	rd->flags = CAL_RD_STABLE;
	rd->t_mono_ms = e->clock->mono_ms(e->clock->ctx);
	cal_num_format(rd->raw, sizeof(rd->raw), v, dec);
	return CAL_OK;
}

/*
 * Commit @rd to every open run; @ids (NULL: not wanted) receives each
 * meter's reading id, in its own run.
 */
static int commit_to_all(int64_t *ids, struct wrun *e, int seq, const char *source,
			 const struct cal_reading *rd)
{
	int err = cal_db_begin(e->p->db);

	for (size_t i = 0; i < e->nm && !err; i++) {
		int64_t id = 0;

		if (!e->m[i].open)
			continue;
		err = cal_db_reading_add(&id, e->p->db, e->m[i].run_id, seq, source, rd);
		if (ids)
			ids[i] = id;
	}
	return cal_db_end(e->p->db, err);
}

/*
 * The reference, read and committed to every open run: the master meter's
 * totalizer (L), the balance's mass (kg, stable), the proving can (L,
 * typed; after the draw only).
 */
static int read_reference(double *v, int64_t *t_ms, struct wrun *e, struct cal_step_info *si,
			  int seq, int64_t *ids)
{
	const struct cal_water_proc *wr = e->wr;
	struct cal_reading rd;
	char source[72];
	int err;

	snprintf(source, sizeof(source), "device:%s", e->p->ref ? e->p->ref->id : "");
	switch (wr->ref) {
	case CAL_WREF_MASTER:
		err = cal_dev_read_quantity(&rd, e->p->ref, wr->quantity);
		if (!err && cal_unit_quantity(rd.unit) != CAL_Q_VOLUME)
			err = cal_error_set(CAL_ERR_DEVICE,
					    "%s: its %s reads in '%s', not a unit of volume: give "
					    "its map the unit",
					    e->p->ref->id, wr->quantity, cal_unit_symbol(rd.unit));
		if (err)
			return err;
		*v = rd.value_si * 1e3;
		break;
	case CAL_WREF_GRAVIMETRIC: {
		int timeout = e->proc->stability_timeout_s > 0 ? e->proc->stability_timeout_s : 60;

		err = cal_dev_read_stable(&rd, e->p->ref, e->clock, timeout * 1000, NULL, NULL);
		if (!err && cal_unit_quantity(rd.unit) != CAL_Q_MASS)
			err = cal_error_set(CAL_ERR_DEVICE,
					    "%s reads in '%s', not a unit of mass: the reference "
					    "of a gravimetric bench is a balance",
					    e->p->ref->id, cal_unit_symbol(rd.unit));
		if (err)
			return err;
		*v = rd.value_si; /* kg */
		break;
	}
	case CAL_WREF_CAN:
		si->dut_id = NULL;
		err = ask_reading(&rd, e, si, "proving can: its neck scale reads (L)", CAL_UNIT_L,
				  0, 1e6, "volume");
		if (err)
			return err;
		snprintf(source, sizeof(source), "operator");
		*v = rd.value;
		break;
	default:
		return cal_error_set(CAL_ERR_ARG, "reference kind %d", (int)wr->ref);
	}
	*t_ms = rd.t_mono_ms;
	return commit_to_all(ids, e, seq, source, &rd);
}

/* Decimals of @d (0.00005 -> 5, 0.01 -> 2, 1 -> 0), at most 9. */
static int decimals_of(double d)
{
	int n = 0;

	while (n < 9 && fabs(d * pow(10, n) - round(d * pow(10, n))) > 1e-6)
		n++;
	return n;
}

/*
 * A register typed by the technician, with every digit it shows: fewer
 * decimals than its interval d has (12.3 for a register of 0.00005 m3) are
 * asked again, three times, then refused; the resolution is never lost.
 */
static int ask_register(struct cal_reading *rd, struct wrun *e, struct cal_step_info *si,
			const char *prompt, const struct wmeter *m)
{
	int need = decimals_of(m->dut->d);
	char again[300];

	for (int attempt = 1;; attempt++) {
		int err = ask_reading(rd, e, si, attempt == 1 ? prompt : again, m->unit, 0, 1e12,
				      "register reading");

		if (err || rd->decimals >= need)
			return err;
		if (attempt == 3)
			return cal_error_set(CAL_ERR_ARG,
					     "%s typed with %d decimal%s three times: the register "
					     "reads to %.*f %s (%d decimals)",
					     rd->raw, rd->decimals, rd->decimals == 1 ? "" : "s",
					     need, m->dut->d, m->dut->unit, need);
		snprintf(again, sizeof(again), "%s: type every digit it shows, %d decimals", prompt,
			 need);
	}
}

/*
 * A meter's register read over its own interface (a Modbus register map
 * with the procedure's totalizer quantity): a volume, at rest, committed
 * as read (its unit and digits).
 */
static int read_meter(struct cal_reading *rd, struct wrun *e, const struct wmeter *m)
{
	int err = cal_dev_read_quantity(rd, m->dev, e->wr->quantity);

	if (err)
		return err;
	if (cal_unit_quantity(rd->unit) != CAL_Q_VOLUME)
		return cal_error_set(CAL_ERR_DEVICE,
				     "%s: its %s reads in '%s', not a unit of volume: give its map "
				     "the unit",
				     m->dev->id, e->wr->quantity, cal_unit_symbol(rd->unit));
	if (!isfinite(rd->value) || rd->value < 0)
		return cal_error_set(CAL_ERR_DEVICE, "%s: its %s reads %g, not a register",
				     m->dev->id, e->wr->quantity, rd->value);
	rd->flags |= CAL_RD_STABLE; /* read with the water at rest */
	return CAL_OK;
}

/* Every open meter's register, typed or read, committed to its run. */
static int read_registers(struct wrun *e, size_t j, bool after, struct cal_step_info *si)
{
	for (size_t i = 0; i < e->nm; i++) {
		struct wmeter *m = &e->m[i];
		struct cal_reading rd;
		char prompt[200], source[72];
		double f;
		int err;
		int64_t id = 0;

		if (!m->open)
			continue;
		if (stop_requested(e))
			return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
		si->dut_id = m->dut->id;
		if (m->dev) {
			err = read_meter(&rd, e, m);
			if (err)
				return cal_error_prefix(err, "%s: ", m->dut->id);
			snprintf(source, sizeof(source), "device:%s", m->dev->id);
		} else {
			if (e->kind == WK_FUEL)
				snprintf(prompt, sizeof(prompt),
					 "%s at %s: the volume it shows (%s)", m->dut->id,
					 si->point->label, cal_unit_symbol(m->unit));
			else
				snprintf(prompt, sizeof(prompt),
					 "%s at %s: register %s the draw (%s)", m->dut->id,
					 si->point->label, after ? "after" : "before",
					 cal_unit_symbol(m->unit));
			err = ask_register(&rd, e, si, prompt, m);
			if (err)
				return cal_error_prefix(err, "%s: ", m->dut->id);
			snprintf(source, sizeof(source), "operator");
		}
		err = cal_db_reading_add(&id, e->p->db, m->run_id, 2 * (int)j + (after ? 2 : 1),
					 source, &rd);
		if (err)
			return err;
		f = cal_unit_si_factor(rd.unit) * 1e3; /* to L */
		if (after) {
			m->after_l[j] = rd.value * f;
			m->after_id[j] = id;
		} else {
			m->before_l[j] = rd.value * f;
		}
		m->dec_l[j] = rd.decimals - (int)lround(log10(f)) < 0
				      ? 0
				      : rd.decimals - (int)lround(log10(f));
	}
	return CAL_OK;
}

/*
 * A standing start and stop: the reference's totalizer and the registers are
 * read with the water at rest. When the master meter shows its flow, it must
 * be below 1 % of the lowest flow; the technician is asked to stop it
 * (wr.attempts times).
 */
static int wait_at_rest(struct wrun *e, struct cal_step_info *si, const char *when)
{
	double q_low = e->kind == WK_WATER ? e->wm.q1 : e->qmin > 0 ? e->qmin : 0.1 * e->qmax;

	if (e->wr->ref != CAL_WREF_MASTER)
		return CAL_OK; /* a balance or a can: the technician's word */
	for (int attempt = 1;; attempt++) {
		struct cal_reading rd;
		char text[200];
		double q;
		int err;

		if (cal_dev_read_quantity(&rd, e->p->ref, "flow") != CAL_OK ||
		    cal_unit_quantity(rd.unit) != CAL_Q_FLOW) {
			cal_error_clear();
			return CAL_OK; /* a totalizer only: the technician's word */
		}
		q = rd.value_si * 3600;
		if (fabs(q) <= 0.01 * q_low)
			return CAL_OK;
		if (attempt >= e->wr->attempts)
			return cal_error_set(CAL_ERR_REFUSED,
					     "%s: the water is not at rest %s: the master meter "
					     "shows %.4g m3/h",
					     si->point->label, when, q);
		snprintf(text, sizeof(text),
			 "the master meter still shows %.4g m3/h %s: stop the flow (standing "
			 "start and stop)",
			 q, when);
		err = e->p->op->instruct(e->p->op_ctx, si, text);
		if (err)
			return err;
	}
}

static const char *start_text(const struct wrun *e)
{
	if (e->kind == WK_FUEL)
		return e->wr->ref == CAL_WREF_CAN
			       ? "the proving can empty (drained), the dispenser's display at zero"
			       : "the dispenser's display at zero";
	if (e->wr->ref == CAL_WREF_GRAVIMETRIC)
		return "the water at rest (standing start), every register at rest, the weighing "
		       "tank's outlet closed";
	if (e->wr->ref == CAL_WREF_CAN)
		return "the water at rest (standing start), every register at rest, the proving "
		       "can empty (drained)";
	return "the water at rest (standing start), every register at rest";
}

/* Gravimetric: the water's temperature after the draw, typed, committed to every run. */
static int read_temperature(struct wrun *e, struct cal_step_info *si, struct wpoint *w, int seq)
{
	struct cal_reading rd;
	int err;

	si->dut_id = NULL;
	err = ask_reading(&rd, e, si, "water temperature in the weighing tank (°C)", CAL_UNIT_DEGC,
			  0, 40, "water temperature in °C");

	if (!err)
		err = commit_to_all(NULL, e, seq, "operator", &rd);
	if (!err)
		w->t_c = rd.value;
	return err;
}

/* The volume of draw @w from the reference's two values (L or kg). */
static int ref_volume(double *va_l, const struct wrun *e, const struct wpoint *w, double before,
		      double after)
{
	struct cal_gravimetric g;

	if (e->wr->ref != CAL_WREF_GRAVIMETRIC) {
		*va_l = after - before;
		return CAL_OK;
	}
	if (!(after - before > 0)) {
		*va_l = 0;
		return CAL_OK; /* nothing weighed: taken again as short */
	}
	cal_gravimetric_default(&g);
	g.rho_air = e->wr->rho_air;
	g.rho_weights = e->wr->rho_weights;
	return cal_volume_gravimetric(va_l, after - before, w->t_c, &g);
}

/*
 * Was draw @j short of its test volume? A dispenser delivers about its
 * preset volume and its error is what is judged: a delivery is short only
 * when both the can and every display are clearly below the test volume
 * (more than 5 %: stopped early), so that a dispenser delivering short or
 * long by a fraction of a percent is judged, not taken again. Otherwise the
 * reference volume decides.
 */
static bool drawn_short(const struct wrun *e, size_t j, const struct wpoint *w)
{
	if (e->kind == WK_FUEL) {
		double least = w->pt.load * 0.95;

		if (w->va_l >= least)
			return false;
		for (size_t i = 0; i < e->nm; i++)
			if (e->m[i].open && e->m[i].after_l[j] - e->m[i].before_l[j] >= least)
				return false;
		return true;
	}
	return w->va_l < w->pt.load * (1 - 1e-9);
}

/* One draw, taken again while its flow or volume is off. */
static int run_point(struct wrun *e, size_t j)
{
	struct wpoint *w = &e->pts[j];
	struct cal_step_info si;
	char text[400], lo[32], hi[32], vol[32], q[32], lpm[32], target[32], setting[160];
	char why[160] = "";
	int err;

	step_info(&si, e, j);
	cal_num_format_g(lpm, sizeof(lpm), cal_num_round_sig(w->q_m3h * 1e3 / 60, 6));
	cal_num_format_g(lo, sizeof(lo), w->lo);
	cal_num_format_g(hi, sizeof(hi), w->hi);
	cal_num_format_g(q, sizeof(q), w->q_m3h);
	cal_num_format(vol, sizeof(vol), w->pt.load, 3);
	/* aim at the middle of the window, not at its edge */
	cal_num_format_g(target, sizeof(target), cal_num_round_sig((w->lo + w->hi) / 2, 4));
	for (int attempt = 1;; attempt++) {
		double before = 0, after, q_shown;
		int64_t t_open = 0, t_stop = 0, t_ref, ref_ids[CAL_PRUN_MAX_GAUGES] = { 0 };

		if (e->kind == WK_FUEL) /* the nozzle sets the flow: Qmax or Qmin */
			snprintf(setting, sizeof(setting), "the nozzle at %.*s, %s L/min",
				 (int)strcspn(w->pt.label, " "), w->pt.label, lpm);
		else
			snprintf(setting, sizeof(setting), "next %s m3/h (window %s to %s m3/h)", q,
				 lo, hi);
		if (why[0])
			snprintf(text, sizeof(text), "taken again (attempt %d of %d): %s; %s: %s",
				 attempt, e->wr->attempts, why, setting, start_text(e));
		else
			snprintf(text, sizeof(text), "%s: %s", setting, start_text(e));
		err = e->p->op->instruct(e->p->op_ctx, &si, text);
		if (!err)
			err = wait_at_rest(e, &si, "before the draw");
		if (!err && ref_has_before(e))
			err = read_reference(&before, &t_ref, e, &si, 2 * (int)j + 1, NULL);
		if (!err && reg_has_before(e))
			err = read_registers(e, j, false, &si);
		if (!err) {
			if (e->kind == WK_FUEL)
				snprintf(text, sizeof(text), "open the flow: %s", setting);
			else
				snprintf(text, sizeof(text),
					 e->wr->ref == CAL_WREF_MASTER
						 ? "open the flow to %s m3/h (window %s to %s "
						   "m3/h), confirm when it is steady"
						 : "open the flow to %s m3/h (window %s to %s "
						   "m3/h), confirm as you open it: the draw is "
						   "timed from here",
					 target, lo, hi);
			err = e->p->op->instruct(e->p->op_ctx, &si, text);
			t_open = e->clock->mono_ms(e->clock->ctx);
		}
		/* the flow while it runs, when the reference shows it */
		q_shown = NAN;
		if (!err) {
			struct cal_reading rd;

			/* the flow: committed as it is judged (with the after readings' number) */
			if (e->wr->ref == CAL_WREF_MASTER &&
			    cal_dev_read_quantity(&rd, e->p->ref, "flow") == CAL_OK &&
			    cal_unit_quantity(rd.unit) == CAL_Q_FLOW) {
				char source[72];

				snprintf(source, sizeof(source), "device:%s", e->p->ref->id);
				q_shown = rd.value_si * 3600;
				err = commit_to_all(NULL, e, 2 * (int)j + 2, source, &rd);
			}
		}
		if (!err) {
			cal_error_clear(); /* a meter without a flow reading */
			snprintf(text, sizeof(text), "draw at least %s L %s, then stop the flow",
				 vol,
				 e->wr->ref == CAL_WREF_MASTER ? "through the reference"
				 : e->wr->ref == CAL_WREF_CAN  ? "into the proving can"
							       : "into the weighing tank");
			err = e->p->op->instruct(e->p->op_ctx, &si, text);
			t_stop = e->clock->mono_ms(e->clock->ctx);
		}
		if (!err)
			err = wait_at_rest(e, &si, "after the draw");
		if (!err)
			err = read_reference(&after, &t_ref, e, &si, 2 * (int)j + 2, ref_ids);
		for (size_t i = 0; i < e->nm && !err; i++)
			e->m[i].ref_after_id[j] = ref_ids[i];
		if (!err && e->wr->ref == CAL_WREF_GRAVIMETRIC)
			err = read_temperature(e, &si, w, 2 * (int)j + 2);
		if (!err)
			err = read_registers(e, j, true, &si);
		if (!err)
			err = ref_volume(&w->va_l, e, w, before, after);
		if (err)
			return cal_error_prefix(err, "%s: ", w->pt.label);
		/*
		 * The flow of the draw: the reference's own flow reading while it
		 * ran, else the volume over the time from the technician's "open"
		 * to the "stopped" (the start and stop included).
		 */
		if (isfinite(q_shown))
			w->q_mean = q_shown;
		else if (e->kind == WK_FUEL)
			w->q_mean = NAN; /* the dispenser's own Qmax or Qmin, not judged */
		else
			w->q_mean = t_stop > t_open
					    ? w->va_l / 1e3 / ((double)(t_stop - t_open) / 3.6e6)
					    : 0;
		if (drawn_short(e, j, w))
			snprintf(why, sizeof(why),
				 "%.3f L drawn, less than the %s L the point needs", w->va_l, vol);
		else if (isfinite(w->q_mean) &&
			 (w->q_mean < w->lo * (1 - 1e-9) || w->q_mean > w->hi * (1 + 1e-9)))
			snprintf(why, sizeof(why), "the flow %s %.4g m3/h, outside %s to %s",
				 isfinite(q_shown) ? "read" : "averaged", w->q_mean, lo, hi);
		else
			return CAL_OK;
		if (attempt >= e->wr->attempts)
			return cal_error_set(CAL_ERR_REFUSED, "%s: %s (%d attempts)", w->pt.label,
					     why, attempt);
		log_info("%s: taken again: %s", w->pt.label, why);
	}
}

static void result_base(struct cal_result *r, const struct wrun *e, const struct wmeter *m,
			const struct wpoint *w, size_t j, int seq)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	snprintf(r->test, sizeof(r->test), "%s",
		 e->calibration	      ? "calibration"
		 : e->kind == WK_FUEL ? "delivery"
				      : "water");
	snprintf(r->unit, sizeof(r->unit), "L");
	r->load = w->pt.load;
	r->decimals = m->dec_l[j];
	r->reading_id = m->after_id[j];
	r->ref_reading_id = m->ref_after_id[j];
	r->u = r->k = r->nu_eff = NAN;
}

/* Verification: each draw judged on its own (R 49 zones, R 117 with Emin). */
static int judge_verification(struct wrun *e, struct wmeter *m, char *reason, size_t rsize)
{
	for (size_t j = 0; j < e->np; j++) {
		const struct wpoint *w = &e->pts[j];
		double vi = m->after_l[j] - m->before_l[j], mpe = 0, err_pct = 0;
		struct cal_result r;
		bool pass;
		int err;

		if (e->kind == WK_WATER) {
			struct cal_wm_eval ev;

			err = cal_wm_evaluate(&ev, &e->wm, w->q_mean, e->wr->water_t_c, w->va_l, vi,
					      NULL);
			mpe = ev.mpe_pct;
			err_pct = ev.error_pct;
			pass = ev.pass;
		} else {
			err = draw_mpe_pct(&mpe, e, m, w, w->q_m3h, w->va_l);
			if (!err)
				err = cal_wm_error_pct(&err_pct, w->va_l, vi);
			pass = fabs(vi - w->va_l) <= mpe / 100 * w->va_l * (1 + 1e-9);
		}
		if (err)
			return cal_error_prefix(err, "%s: ", w->pt.label);
		result_base(&r, e, m, w, j, (int)j + 1);
		snprintf(r.label, sizeof(r.label), "%.*s %.4g m3/h E %+.2f %%",
			 (int)strcspn(w->pt.label, " "), w->pt.label,
			 isfinite(w->q_mean) ? w->q_mean : w->q_m3h, err_pct);
		if (isfinite(w->t_c)) /* gravimetric: the water weighed */
			snprintf(r.label + strlen(r.label), sizeof(r.label) - strlen(r.label),
				 " %.1f °C", w->t_c);
		r.ref = w->va_l;
		r.indication = vi;
		r.error = vi - w->va_l;
		r.mpe = cal_num_round_sig(mpe / 100 * w->va_l, 4); /* shown; judged in % */
		snprintf(r.verdict, sizeof(r.verdict), "%s", pass ? "PASS" : "FAIL");
		if (!pass && !reason[0])
			snprintf(reason, rsize,
				 "%s: E = %+.2f %% beyond the MPE ±%.3g %% (Va %.3f L, Vi %.3f L)",
				 w->pt.label, err_pct, mpe, w->va_l, vi);
		err = cal_db_result_add(e->p->db, m->run_id, &r);
		if (err)
			return err;
	}
	return CAL_OK;
}

/*
 * Calibration: at each procedure point, the error of the runs' mean with its
 * GUM budget (cal_flow_point_budget: reference, resolution, repeatability),
 * judged against the MPE (water meters: the zone's; flow meters: the
 * maker's accuracy) under the procedure's decision rule.
 */
static int judge_calibration(struct wrun *e, struct wmeter *m, char *reason, size_t rsize)
{
	for (size_t j = 0; j < e->np;) {
		const struct wpoint *w0 = &e->pts[j];
		double vi[CAL_WATER_MAX_RUNS], va[CAL_WATER_MAX_RUNS], q = 0, mpe;
		struct cal_flow_point_in in = { 0 };
		struct cal_flow_point b;
		const struct wpoint *wl;
		enum cal_verdict v;
		struct cal_result r;
		size_t n = (size_t)w0->reps, last = j + n - 1;
		int err;

		for (size_t k = 0; k < n; k++) {
			vi[k] = m->after_l[j + k] - m->before_l[j + k];
			va[k] = e->pts[j + k].va_l;
			q += e->pts[j + k].q_mean / (double)n;
		}
		wl = &e->pts[last];
		in.vi = vi;
		in.va = va;
		in.n = n;
		in.ref_U_pct = ref_U_pct(e, w0->pt.load);
		in.ref_k = e->std.k;
		in.d = m->d_l;
		in.readings = reg_has_before(e) ? 2 : 1;
		err = cal_flow_point_budget(&b, &in);
		if (!err)
			err = draw_mpe_pct(&mpe, e, m, w0, q, b.va_mean);
		if (!err)
			err = cal_decide(&v, (enum cal_decision_rule)e->wr->decision, b.error_pct,
					 b.gum.U, mpe, b.gum.U);
		if (err)
			return cal_error_prefix(err, "%s at %s: ", m->dut->id, w0->pt.label);
		result_base(&r, e, m, wl, last, w0->group + 1);
		snprintf(r.label, sizeof(r.label), "%.*s %.4g m3/h E %+.3f %% U %.2g %%",
			 (int)strcspn(w0->pt.label, " "), w0->pt.label, q, b.error_pct, b.gum.U);
		r.ref = b.va_mean;
		r.indication = b.va_mean * (1 + b.error_pct / 100);
		r.error = b.va_mean * b.error_pct / 100;
		r.u = b.va_mean * b.gum.U / 100;
		r.k = b.gum.k;
		r.nu_eff = b.gum.nu_eff;
		r.mpe = cal_num_round_sig(mpe / 100 * b.va_mean, 4);
		snprintf(r.verdict, sizeof(r.verdict), "%s",
			 v == CAL_VERDICT_PASS ? "PASS" : "FAIL");
		if (v != CAL_VERDICT_PASS && !reason[0])
			snprintf(reason, rsize,
				 "calibration at %.*s: E = %+.3f %%, U = %.2g %% (k = %.2f): not "
				 "within ±%.3g %% under the %s rule",
				 (int)strcspn(w0->pt.label, " "), w0->pt.label, b.error_pct,
				 b.gum.U, b.gum.k, mpe,
				 cal_decision_rule_name((enum cal_decision_rule)e->wr->decision));
		err = cal_db_result_add(e->p->db, m->run_id, &r);
		if (err)
			return err;
		j += n;
	}
	return CAL_OK;
}

static int finish_meter(struct wrun *e, size_t i)
{
	struct wmeter *m = &e->m[i];
	struct cal_run_outcome *o = &e->out->runs[i];
	char reason[256] = "";
	int err = cal_db_begin(e->p->db);

	if (!err)
		err = e->calibration ? judge_calibration(e, m, reason, sizeof(reason))
				     : judge_verification(e, m, reason, sizeof(reason));
	if (!err)
		err = cal_db_run_complete(&o->cert, e->p->db, m->run_id,
					  reason[0] ? "FAIL" : "PASS", reason[0] ? reason : NULL,
					  e->clock->wall_s(e->clock->ctx));
	err = cal_db_end(e->p->db, err);
	if (err)
		return cal_error_prefix(err, "%s: ", m->dut->id);
	o->completed = true;
	snprintf(o->verdict, sizeof(o->verdict), "%s", reason[0] ? "FAIL" : "PASS");
	snprintf(o->reason, sizeof(o->reason), "%s", reason);
	m->open = false;
	return CAL_OK;
}

static int create_runs(struct wrun *e)
{
	const struct cal_prun_params *p = e->p;
	int err = cal_db_begin(p->db);

	for (size_t i = 0; i < e->nm && !err; i++) {
		struct wmeter *m = &e->m[i];
		struct cal_run run;

		cal_batch_run_fill(&run, p, e->proc, m->dut->id, m->dev ? m->dev->id : NULL,
				   p->mode, e->wr->activity);
		run.batch = i == 0 ? CAL_RUN_BATCH_NEW : e->batch;
		err = cal_db_run_begin(&m->run_id, p->db, &run, e->proc->text ? e->proc->text : "");
		if (!err && i == 0)
			e->batch = m->run_id;
		if (!err)
			err = cal_db_run_add_pstandard(p->db, m->run_id, e->std.id);
		m->open = !err;
		e->out->runs[i].run_id = m->run_id;
	}
	err = cal_db_end(p->db, err);
	if (err)
		for (size_t i = 0; i < e->nm; i++) {
			e->m[i].open = false;
			e->out->runs[i].run_id = 0;
		}
	e->out->batch = err ? 0 : e->batch;
	return err;
}

/*
 * Before anything is recorded: the master meter's totalizer and every
 * register read over its interface answer, in a unit of volume (a map
 * without units is refused here, not at the first draw).
 */
static int check_registers_readable(struct wrun *e)
{
	struct cal_reading rd;
	int err;

	if (e->wr->ref == CAL_WREF_MASTER) {
		err = cal_dev_read_quantity(&rd, e->p->ref, e->wr->quantity);
		if (!err && cal_unit_quantity(rd.unit) != CAL_Q_VOLUME)
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s: its %s reads in '%s', not a unit of volume: give "
					    "each quantity its unit in a map file (map: in the "
					    "bench entry)",
					    e->p->ref->id, e->wr->quantity,
					    cal_unit_symbol(rd.unit));
		if (err)
			return err;
	}
	for (size_t i = 0; i < e->nm; i++) {
		if (!e->m[i].dev)
			continue;
		err = read_meter(&rd, e, &e->m[i]);
		if (err == CAL_ERR_DEVICE && strstr(cal_error_last(), "not a unit of volume"))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s: %s: give each quantity its unit in a map file "
					    "(map: in the bench entry)",
					    e->m[i].dut->id, cal_error_last());
		else if (err)
			err = cal_error_prefix(err, "%s: ", e->m[i].dut->id);
		if (err)
			return err;
	}
	return CAL_OK;
}

/* The reference device suits the procedure's reference kind. */
static int check_reference_device(const struct wrun *e)
{
	const struct cal_device *ref = e->p->ref;

	switch (e->wr->ref) {
	case CAL_WREF_MASTER:
		if (!ref || !ref->drv->read_quantity)
			return cal_error_set(
				CAL_ERR_REFUSED,
				"%s (driver %s) has no totalizer to read: the "
				"reference of this procedure is a master meter (driver "
				"modbus-flow)",
				ref ? ref->id : "the bench", ref ? ref->drv->name : "none");
		return CAL_OK;
	case CAL_WREF_GRAVIMETRIC:
		if (!ref || ref->drv->dclass != CAL_DEV_BALANCE)
			return cal_error_set(CAL_ERR_REFUSED,
					     "%s (driver %s) is not a balance: the reference of a "
					     "gravimetric procedure is the balance under the "
					     "weighing tank",
					     ref ? ref->id : "the bench",
					     ref ? ref->drv->name : "none");
		return CAL_OK;
	default:
		return CAL_OK; /* a proving can: typed, any device is ignored */
	}
}

int cal_wrun_start(struct cal_prun_outcome *out, const struct cal_prun_params *p)
{
	struct wrun e;
	size_t recovered = 0;
	int err = CAL_OK;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	if (!p || !p->db || !p->op || !p->op->instruct || !p->op->ask_value || !p->proc ||
	    !p->proc->water || !p->mode || p->n_gauges < 1 || p->n_gauges > CAL_PRUN_MAX_GAUGES)
		return cal_error_set(CAL_ERR_ARG, "flow-bench run: bad arguments");
	e.p = p;
	e.proc = p->proc;
	e.wr = &p->proc->wr;
	e.out = out;
	e.clock = p->clock ? p->clock : cal_clock_system();
	e.nm = p->n_gauges;
	e.kind = strcmp(e.proc->instrument_kind, "flow-meter") == 0	  ? WK_FLOW
		 : strcmp(e.proc->instrument_kind, "fuel-dispenser") == 0 ? WK_FUEL
									  : WK_WATER;
	e.calibration = strcmp(e.wr->activity, "calibration") == 0;
	out->n = p->n_gauges;
	err = check_reference_device(&e);
	for (size_t i = 0; i < e.nm && !err; i++) {
		e.m[i].dut = p->gauges[i].dut;
		e.m[i].dev = p->gauges[i].dev;
		if (e.m[i].dev && !e.m[i].dev->drv->read_quantity)
			err = cal_error_set(CAL_ERR_REFUSED,
					    "%s@%s: driver %s has no register to read (a meter is "
					    "read over modbus-flow, or typed)",
					    e.m[i].dut->id, e.m[i].dev->id, e.m[i].dev->drv->name);
		for (size_t k = 0; k < i && !err; k++)
			if (strcmp(e.m[i].dut->id, e.m[k].dut->id) == 0)
				err = cal_error_set(CAL_ERR_ARG, "%s is given twice",
						    e.m[i].dut->id);
		if (!err)
			err = check_meter(&e, &e.m[i], i);
	}
	if (!err)
		err = plan(&e);
	if (!err)
		err = check_reference(&e);
	if (!err)
		err = check_registers_readable(&e);
	if (!err)
		err = cal_db_runs_recover(p->db, &recovered);
	for (size_t i = 0; i < e.nm && !err; i++)
		err = cal_batch_check_not_running(p->db, e.m[i].dut->id);
	if (!err)
		err = create_runs(&e);
	for (size_t j = 0; j < e.np && !err; j++) {
		if (stop_requested(&e))
			err = cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
		else
			err = run_point(&e, j);
	}
	for (size_t i = 0; i < e.nm && !err; i++)
		err = finish_meter(&e, i);
	if (err && e.batch) {
		char why[300];

		snprintf(why, sizeof(why), "%s", cal_error_last());
		for (size_t i = 0; i < e.nm; i++)
			if (e.m[i].open && cal_db_run_interrupt(p->db, e.m[i].run_id, why))
				log_warn("run %lld: could not be marked interrupted",
					 (long long)e.m[i].run_id);
		cal_error_set(err, "%s", why);
	}
	return err;
}

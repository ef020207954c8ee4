/*
 * Water-meter series runs: the meters in line behind a master meter, verified
 * per OIML R 49 / ISO 4064 (ĐLVN 17) together, each with its own run,
 * verdict and document (one batch, as the pressure manifold).
 *
 * At each flow point, a standing start and stop: the reference totalizer and
 * every meter's register are read at rest before the draw and after it;
 * every reading is committed (reference first, to every open run; then each
 * register, to its meter's run) before the next is taken. Point k has
 * point_seq 2k+1 (before) and 2k+2 (after); a point taken again adds new
 * readings with the same numbers, and the last ones count.
 *
 * The reference volume is the totalizer difference; the point's flow is the
 * reference's flow reading while the water runs (when its map has a "flow"),
 * else the volume over the time between the two readings at rest. A point whose
 * mean flow is outside the point's window, or whose volume is below the
 * minimum test volume (cal_wm_min_volume over the meters' d), is taken
 * again, at most wr.attempts times. Results are computed when every point is
 * in, from the committed readings, with cal_wm_evaluate.
 *
 * Units: volumes in litres in the results (error = Vi - Va and the MPE in L,
 * the relative error in the label); flow rates in m3/h; a meter's register
 * is read in its own unit (m3 or L) and kept so.
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
#include "cal/water.h"

struct wmeter {
	const struct cal_instrument *dut;
	enum cal_unit unit; /* its register's */
	double d_l;	    /* verification scale interval, L */
	int64_t run_id;
	bool open;
	double before_l[CAL_WATER_MAX_POINTS], after_l[CAL_WATER_MAX_POINTS];
	int dec_l[CAL_WATER_MAX_POINTS];
	int64_t after_id[CAL_WATER_MAX_POINTS];
};

struct wpoint {
	struct cal_plan_point pt; /* label "Q1 0.025 m3/h", load = the volume to draw, L */
	double q_m3h;		  /* nominal flow */
	double lo, hi;		  /* its window, m3/h */
	double va_l;		  /* reference volume drawn */
	double q_mean;		  /* mean flow of the draw, m3/h */
	int64_t ref_after_id;
};

struct wrun {
	const struct cal_prun_params *p;
	const struct cal_procedure *proc;
	const struct cal_water_proc *wr;
	const struct cal_clock *clock;
	struct cal_prun_outcome *out;
	struct cal_wm_meter wm; /* Q1..Q4 of the meters (they share them) */
	struct wmeter m[CAL_PRUN_MAX_GAUGES];
	size_t nm;
	struct wpoint pts[CAL_WATER_MAX_POINTS];
	size_t np;
	int64_t batch;
};

static const char *const point_name[] = { "Q1", "Q2", "Q3" };

static bool stop_requested(const struct wrun *e)
{
	return e->p->stop_flag && *e->p->stop_flag;
}

static int check_meter(struct wrun *e, struct wmeter *m, size_t i)
{
	const struct cal_instrument *d = m->dut;
	struct cal_wm_meter wm;
	enum cal_wm_class cls;
	int err;

	if (strcmp(d->kind, "water-meter") != 0)
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s is %s%s: procedure %s is for water meters", d->id,
				     d->kind[0] ? "a " : "not registered as a water meter", d->kind,
				     e->proc->id);
	if (cal_unit_parse(&m->unit, d->unit) || cal_unit_quantity(m->unit) != CAL_Q_VOLUME)
		return cal_error_set(CAL_ERR_CONFIG, "%s: its register unit '%s' is not a volume",
				     d->id, d->unit);
	if (!(d->d > 0))
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s: register its verification scale interval d", d->id);
	m->d_l = d->d * cal_unit_si_factor(m->unit) * 1e3;
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
	} else if (wm.cls != e->wm.cls || wm.q1 != e->wm.q1 || wm.q3 != e->wm.q3) {
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s (class %s, Q3 %g, Q1 %g m3/h) differs from %s: meters in "
				     "series share the flow, run them separately",
				     d->id, cal_wm_class_name(wm.cls), wm.q3, wm.q1,
				     e->m[0].dut->id);
	}
	return CAL_OK;
}

static int plan(struct wrun *e)
{
	const struct cal_water_proc *wr = e->wr;
	const double nominal[3] = { e->wm.q1, e->wm.q2, e->wm.q3 };
	int err;

	e->np = wr->n_points;
	for (size_t j = 0; j < e->np; j++) {
		struct wpoint *w = &e->pts[j];
		int k = wr->points[j].point;
		bool in;
		char q[32];

		memset(w, 0, sizeof(*w));
		w->q_m3h = nominal[k];
		err = cal_wm_window(&w->lo, &w->hi, &in, &e->wm, (enum cal_wm_point)k, w->q_m3h,
				    NULL);
		if (err)
			return err;
		w->pt.load = wr->points[j].volume_l;
		if (!(w->pt.load > 0)) {
			for (size_t i = 0; i < e->nm; i++) {
				double v;

				err = cal_wm_min_volume(&v, e->m[i].d_l, w->q_m3h * 1e3, NULL);
				if (err)
					return err;
				w->pt.load = fmax(w->pt.load, v);
			}
		}
		w->pt.seq = (int)j + 1;
		w->pt.test = CAL_TEST_WEIGHING; /* not used for water; the label says it */
		cal_num_format_g(q, sizeof(q), w->q_m3h);
		snprintf(w->pt.label, sizeof(w->pt.label), "%s %s m3/h", point_name[k], q);
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
	si->test_title = "Water meters in series";
	si->ref_value = NAN;
}

/* The reference totalizer, in L, committed to every open run. */
static int read_reference(double *l, int64_t *t_ms, struct wrun *e, int seq, int64_t *id)
{
	struct cal_reading rd;
	char source[72];
	int err;

	err = cal_dev_read_quantity(&rd, e->p->ref, e->wr->quantity);
	if (err)
		return err;
	if (cal_unit_quantity(rd.unit) != CAL_Q_VOLUME)
		return cal_error_set(CAL_ERR_DEVICE,
				     "%s: its %s reads in '%s', not a unit of volume: give its map "
				     "the unit",
				     e->p->ref->id, e->wr->quantity, cal_unit_symbol(rd.unit));
	*l = rd.value_si * 1e3;
	*t_ms = rd.t_mono_ms;
	snprintf(source, sizeof(source), "device:%s", e->p->ref->id);
	err = cal_db_begin(e->p->db);
	for (size_t i = 0; i < e->nm && !err; i++)
		if (e->m[i].open)
			err = cal_db_reading_add(id, e->p->db, e->m[i].run_id, seq, source, &rd);
	return cal_db_end(e->p->db, err);
}

/* Every open meter's register, typed, committed to its run. */
static int read_registers(struct wrun *e, size_t j, bool after, struct cal_step_info *si)
{
	for (size_t i = 0; i < e->nm; i++) {
		struct wmeter *m = &e->m[i];
		struct cal_reading rd;
		char prompt[200];
		double v, f;
		int dec = 0, err;
		int64_t id = 0;

		if (!m->open)
			continue;
		if (stop_requested(e))
			return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
		si->dut_id = m->dut->id;
		snprintf(prompt, sizeof(prompt), "%s at %s: register %s the draw (%s)", m->dut->id,
			 si->point->label, after ? "after" : "before", cal_unit_symbol(m->unit));
		err = e->p->op->ask_value(e->p->op_ctx, si, prompt, &v, &dec);
		if (err)
			return err;
		if (!isfinite(v) || v < 0)
			return cal_error_set(CAL_ERR_ARG, "%s: a register reads a number >= 0",
					     m->dut->id);
		memset(&rd, 0, sizeof(rd));
		rd.value = v;
		rd.unit = m->unit;
		rd.value_si = v * cal_unit_si_factor(m->unit);
		rd.decimals = dec;
		rd.flags = CAL_RD_STABLE;
		rd.t_mono_ms = e->clock->mono_ms(e->clock->ctx);
		cal_num_format(rd.raw, sizeof(rd.raw), v, dec);
		err = cal_db_reading_add(&id, e->p->db, m->run_id, 2 * (int)j + (after ? 2 : 1),
					 "operator", &rd);
		if (err)
			return err;
		f = cal_unit_si_factor(m->unit) * 1e3; /* to L */
		if (after) {
			m->after_l[j] = v * f;
			m->after_id[j] = id;
		} else {
			m->before_l[j] = v * f;
		}
		m->dec_l[j] = dec - (int)lround(log10(f)) < 0 ? 0 : dec - (int)lround(log10(f));
	}
	return CAL_OK;
}

/*
 * A standing start and stop: the reference's totalizer and the registers are
 * read with the water at rest. When the master meter shows its flow, it must
 * be below 1 % of Q1; the technician is asked to stop it (wr.attempts times).
 */
static int wait_at_rest(struct wrun *e, struct cal_step_info *si, const char *when)
{
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
		if (fabs(q) <= 0.01 * e->wm.q1)
			return CAL_OK;
		if (attempt >= e->wr->attempts)
			return cal_error_set(CAL_ERR_REFUSED,
					     "%s: the water is not at rest %s: the master meter "
					     "shows %.4g m3/h",
					     si->point->label, when, q);
		snprintf(text, sizeof(text),
			 "the master meter still shows %.4g m3/h %s: stop the flow (standing "
			 "start and stop), then confirm",
			 q, when);
		err = e->p->op->instruct(e->p->op_ctx, si, text);
		if (err)
			return err;
	}
}

/* One flow point, taken again while its flow or volume is off. */
static int run_point(struct wrun *e, size_t j)
{
	struct wpoint *w = &e->pts[j];
	struct cal_step_info si;
	char text[320], lo[32], hi[32], vol[32], why[160] = "";
	int err;

	step_info(&si, e, j);
	cal_num_format_g(lo, sizeof(lo), w->lo);
	cal_num_format_g(hi, sizeof(hi), w->hi);
	cal_num_format(vol, sizeof(vol), w->pt.load, 3);
	for (int attempt = 1;; attempt++) {
		double before, after, q_shown;
		int64_t t0, t1, id;

		if (why[0])
			snprintf(
				text, sizeof(text),
				"taken again (attempt %d of %d): %s; set the flow to %s (window %s "
				"to %s m3/h), then stop it: standing start, every register at rest",
				attempt, e->wr->attempts, why, w->pt.label + 3, lo, hi);
		else
			snprintf(
				text, sizeof(text),
				"set the flow to %s (window %s to %s m3/h), then stop it: standing "
				"start, every register at rest",
				w->pt.label + 3, lo, hi);
		err = e->p->op->instruct(e->p->op_ctx, &si, text);
		if (!err)
			err = wait_at_rest(e, &si, "before the draw");
		if (!err)
			err = read_reference(&before, &t0, e, 2 * (int)j + 1, &id);
		if (!err)
			err = read_registers(e, j, false, &si);
		if (!err) {
			snprintf(text, sizeof(text), "open the flow at %s", w->pt.label + 3);
			err = e->p->op->instruct(e->p->op_ctx, &si, text);
		}
		/* the flow while it runs, when the reference shows it */
		q_shown = NAN;
		if (!err) {
			struct cal_reading rd;

			if (cal_dev_read_quantity(&rd, e->p->ref, "flow") == CAL_OK &&
			    cal_unit_quantity(rd.unit) == CAL_Q_FLOW)
				q_shown = rd.value_si * 3600;
			cal_error_clear();
			snprintf(text, sizeof(text),
				 "draw at least %s L through the reference, then stop the flow",
				 vol);
			err = e->p->op->instruct(e->p->op_ctx, &si, text);
		}
		if (!err)
			err = wait_at_rest(e, &si, "after the draw");
		if (!err)
			err = read_reference(&after, &t1, e, 2 * (int)j + 2, &w->ref_after_id);
		if (!err)
			err = read_registers(e, j, true, &si);
		if (err)
			return cal_error_prefix(err, "%s: ", w->pt.label);
		w->va_l = after - before;
		/*
		 * The flow of the point: the reference's own flow reading while it
		 * ran, else the volume over the time between the two readings at
		 * rest (which includes the start and stop).
		 */
		if (isfinite(q_shown))
			w->q_mean = q_shown;
		else
			w->q_mean = t1 > t0 ? w->va_l / 1e3 / ((double)(t1 - t0) / 3.6e6) : 0;
		if (w->va_l < w->pt.load * (1 - 1e-9))
			snprintf(why, sizeof(why),
				 "%.3f L drawn, less than the %s L the point needs", w->va_l, vol);
		else if (w->q_mean < w->lo * (1 - 1e-9) || w->q_mean > w->hi * (1 + 1e-9))
			snprintf(why, sizeof(why), "the flow averaged %.4g m3/h, outside %s to %s",
				 w->q_mean, lo, hi);
		else
			return CAL_OK;
		if (attempt >= e->wr->attempts)
			return cal_error_set(CAL_ERR_REFUSED, "%s: %s (%d attempts)", w->pt.label,
					     why, attempt);
		log_info("%s: taken again: %s", w->pt.label, why);
	}
}

static int finish_meter(struct wrun *e, size_t i)
{
	struct wmeter *m = &e->m[i];
	struct cal_run_outcome *o = &e->out->runs[i];
	char reason[256] = "";
	int err = cal_db_begin(e->p->db);

	for (size_t j = 0; j < e->np && !err; j++) {
		const struct wpoint *w = &e->pts[j];
		struct cal_wm_eval ev;
		struct cal_result r;
		double vi = m->after_l[j] - m->before_l[j];

		err = cal_wm_evaluate(&ev, &e->wm, w->q_mean, e->wr->water_t_c, w->va_l, vi, NULL);
		if (err)
			break;
		memset(&r, 0, sizeof(r));
		r.seq = (int)j + 1;
		snprintf(r.test, sizeof(r.test), "water");
		snprintf(r.label, sizeof(r.label), "%.2s %.4g m3/h E %+.2f %%", w->pt.label,
			 w->q_mean, ev.error_pct);
		snprintf(r.unit, sizeof(r.unit), "L");
		r.load = w->pt.load;
		r.ref = w->va_l;
		r.indication = vi;
		r.decimals = m->dec_l[j];
		r.error = vi - w->va_l;
		r.mpe = cal_num_round_sig(ev.mpe_pct / 100 * w->va_l, 4); /* shown; judged in % */
		snprintf(r.verdict, sizeof(r.verdict), "%s", ev.pass ? "PASS" : "FAIL");
		r.reading_id = m->after_id[j];
		r.ref_reading_id = w->ref_after_id;
		r.u = r.k = r.nu_eff = NAN;
		if (!ev.pass && !reason[0])
			snprintf(reason, sizeof(reason),
				 "%s: E = %+.2f %% beyond the MPE ±%g %% (Va %.3f L, Vi %.3f L)",
				 w->pt.label, ev.error_pct, ev.mpe_pct, w->va_l, vi);
		err = cal_db_result_add(e->p->db, m->run_id, &r);
	}
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

		cal_batch_run_fill(&run, p, e->proc, m->dut->id, NULL, p->mode, "verification");
		run.batch = i == 0 ? CAL_RUN_BATCH_NEW : e->batch;
		err = cal_db_run_begin(&m->run_id, p->db, &run, e->proc->text ? e->proc->text : "");
		if (!err && i == 0)
			e->batch = m->run_id;
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

int cal_wrun_start(struct cal_prun_outcome *out, const struct cal_prun_params *p)
{
	struct wrun e;
	int err = CAL_OK;

	memset(out, 0, sizeof(*out));
	memset(&e, 0, sizeof(e));
	if (!p || !p->db || !p->op || !p->op->instruct || !p->op->ask_value || !p->ref ||
	    !p->proc || !p->proc->water || !p->mode || p->n_gauges < 1 ||
	    p->n_gauges > CAL_PRUN_MAX_GAUGES)
		return cal_error_set(CAL_ERR_ARG, "water run: bad arguments");
	e.p = p;
	e.proc = p->proc;
	e.wr = &p->proc->wr;
	e.out = out;
	e.clock = p->clock ? p->clock : cal_clock_system();
	e.nm = p->n_gauges;
	out->n = p->n_gauges;
	if (!p->ref->drv->read_quantity)
		return cal_error_set(CAL_ERR_REFUSED,
				     "%s (driver %s) has no totalizer to read: the reference of a "
				     "series bench is a master meter (driver modbus-flow)",
				     p->ref->id, p->ref->drv->name);
	for (size_t i = 0; i < e.nm && !err; i++) {
		e.m[i].dut = p->gauges[i].dut;
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

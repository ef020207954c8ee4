/*
 * Water meters (OIML R 49 / ISO 4064, and classes A-D of ISO 4064-1:1993),
 * the reference volume of a test rig (master meter, gravimetric) and the
 * uncertainty budget of a flow-meter calibration point. Facts: domain.md §2
 * (vectors T9-T12 and the worked example §2.4), GUM §7.1; Tanaka et al.
 * 2001 for the density of water. See cal/water.h for units and sources.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/water.h"
#include "internal.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* R = Q3/Q1, the R10 series of R 49-1:2013 §4.1.3 (domain.md §2.1 [K]). */
static const double r49_r_series[] = { 40,  50,	 63,  80,  100, 125, 160, 200,
				       250, 315, 400, 500, 630, 800, 1000 };

/* Q2/Q1 [V S12] and Q4/Q3 [V S10] (domain.md §2.1). */
#define R49_Q2_Q1 1.6
#define R49_Q4_Q3 1.25

/* Classes A-D: Qmin/Qn and Qt/Qn below and from 15 m³/h (§2.1 [V2 S14; K]). */
#define QN_SPLIT_M3H 15.0
static const struct {
	double qmin_small, qt_small; /* Qn < 15 m³/h */
	double qmin_large, qt_large; /* Qn >= 15 m³/h; 0 = not in domain.md */
} old_classes[] = {
	[CAL_WM_CLASS_A - CAL_WM_CLASS_A] = { 0.04, 0.10, 0.08, 0.30 },
	[CAL_WM_CLASS_B - CAL_WM_CLASS_A] = { 0.02, 0.08, 0.03, 0.20 },
	[CAL_WM_CLASS_C - CAL_WM_CLASS_A] = { 0.01, 0.015, 0.006, 0.015 },
	[CAL_WM_CLASS_D - CAL_WM_CLASS_A] = { 0.0075, 0.0115, 0, 0 },
};

static const char *const class_names[] = { "1", "2", "A", "B", "C", "D" };

int cal_wm_class_parse(enum cal_wm_class *out, const char *s)
{
	if (!out || !s)
		return cal_error_set(CAL_ERR_ARG, "water-meter class: NULL argument");
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++) {
		if (metro_streq_ci(s, class_names[i])) {
			*out = (enum cal_wm_class)(CAL_WM_CLASS_1 + (int)i);
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_ARG,
			     "water-meter class '%s' does not exist (1, 2 of OIML R 49; A, B, C, "
			     "D of ISO 4064-1:1993)",
			     s);
}

const char *cal_wm_class_name(enum cal_wm_class c)
{
	if (c < CAL_WM_CLASS_1 || c > CAL_WM_CLASS_D)
		return "?";
	return class_names[c - CAL_WM_CLASS_1];
}

void cal_wm_rules_default(struct cal_wm_rules *out)
{
	if (!out)
		return;
	*out = (struct cal_wm_rules){
		.mpe_lower = { 3, 5 },
		.mpe_upper = { 1, 2 },
		.mpe_upper_hot = { 2, 3 },
		.t_hot_c = 30,
		.mpe_lower_old = 5,
		.mpe_upper_old = 2,
		.qmax_qn = 0,
		.window = { { 1.0, 1.1 }, { 1.0, 1.1 }, { 0.9, 1.0 } },
		.vmin_intervals = 200,
		.vmin_seconds = 90,
		.rig_ratio = 3,
		.r_series = NULL,
		.n_r_series = 0,
	};
}

static bool positive(double v)
{
	return isfinite(v) && v > 0;
}

/* Resolve NULL to the defaults and refuse rules no meter could meet. */
static int rules_get(struct cal_wm_rules *r, const struct cal_wm_rules *in)
{
	if (!in)
		cal_wm_rules_default(r);
	else
		*r = *in;
	if (!r->r_series) {
		r->r_series = r49_r_series;
		r->n_r_series = ARRAY_SIZE(r49_r_series);
	}
	for (int i = 0; i < 2; i++) {
		if (!positive(r->mpe_lower[i]) || !positive(r->mpe_upper[i]) ||
		    !positive(r->mpe_upper_hot[i]))
			return cal_error_set(CAL_ERR_ARG,
					     "water-meter rules: the MPE of class %d must be > 0",
					     i + 1);
	}
	if (!positive(r->mpe_lower_old) || !positive(r->mpe_upper_old) || !isfinite(r->t_hot_c))
		return cal_error_set(CAL_ERR_ARG,
				     "water-meter rules: MPE of classes A-D must be > 0, the hot "
				     "water limit finite");
	if (!(r->qmax_qn == 0 || (isfinite(r->qmax_qn) && r->qmax_qn > 1)))
		return cal_error_set(CAL_ERR_ARG,
				     "water-meter rules: Qmax/Qn %g must be > 1, or 0 (not given)",
				     r->qmax_qn);
	for (int i = 0; i < 3; i++) {
		if (!positive(r->window[i].lo) || !isfinite(r->window[i].hi) ||
		    r->window[i].hi < r->window[i].lo)
			return cal_error_set(
				CAL_ERR_ARG,
				"water-meter rules: flow window %d must be 0 < lo <= hi", i + 1);
	}
	if (!(r->vmin_intervals >= 0) || !(r->vmin_seconds >= 0) ||
	    !isfinite(r->vmin_intervals + r->vmin_seconds) || !positive(r->rig_ratio))
		return cal_error_set(CAL_ERR_ARG,
				     "water-meter rules: minimum volume terms must be >= 0, the "
				     "rig ratio > 0");
	if (r->n_r_series == 0)
		return cal_error_set(CAL_ERR_ARG, "water-meter rules: the R series is empty");
	return CAL_OK;
}

static bool in_series(double v, const double *series, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (metro_eq(v, series[i]))
			return true;
	}
	return false;
}

/* "40, 50, 63, ..." for a message; truncated with "..." when it does not fit. */
static void series_text(char *buf, size_t size, const double *series, size_t n)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < size; i++) {
		int w = snprintf(buf + used, size - used, "%s%g", i ? ", " : "", series[i]);

		if (w < 0 || (size_t)w >= size - used) {
			snprintf(buf + (size > 4 ? size - 4 : 0), size > 4 ? 4 : size, "...");
			return;
		}
		used += (size_t)w;
	}
}

static bool is_old(enum cal_wm_class c)
{
	return c >= CAL_WM_CLASS_A && c <= CAL_WM_CLASS_D;
}

/*
 * Clear *out, resolve the rules and check that @cls is rated the way the
 * caller builds it: by Qn (classes A-D) or by Q3 and R (classes 1 and 2).
 */
static int meter_begin(struct cal_wm_meter *out, struct cal_wm_rules *ru,
		       const struct cal_wm_rules *rules, enum cal_wm_class cls, bool by_qn)
{
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "water meter: no output");
	memset(out, 0, sizeof(*out));
	rc = rules_get(ru, rules);
	if (rc)
		return rc;
	if ((cls == CAL_WM_CLASS_1 || cls == CAL_WM_CLASS_2) && !by_qn)
		return CAL_OK;
	if (is_old(cls) && by_qn)
		return CAL_OK;
	return cal_error_set(CAL_ERR_ARG,
			     "water-meter class %s is not rated by %s (classes 1 and 2 are rated "
			     "by Q3 and R, A-D by Qn)",
			     cal_wm_class_name(cls), by_qn ? "Qn" : "Q3 and R");
}

int cal_wm_meter_r49(struct cal_wm_meter *out, enum cal_wm_class cls, double q3, double r,
		     const struct cal_wm_rules *rules)
{
	struct cal_wm_rules ru = { 0 };
	char list[160];
	int rc;

	rc = meter_begin(out, &ru, rules, cls, false);
	if (rc)
		return rc;
	if (!positive(q3))
		return cal_error_set(CAL_ERR_ARG, "water meter: Q3 %g must be a number > 0", q3);
	if (!isfinite(r) || !in_series(r, ru.r_series, ru.n_r_series)) {
		series_text(list, sizeof(list), ru.r_series, ru.n_r_series);
		return cal_error_set(CAL_ERR_ARG,
				     "water meter: R %g is not in the R series of OIML R 49 (%s)",
				     r, list);
	}
	out->cls = cls;
	out->q3 = q3;
	out->q1 = cal_num_round_sig(q3 / r, 12);
	out->q2 = cal_num_round_sig(R49_Q2_Q1 * q3 / r, 12);
	out->q4 = cal_num_round_sig(R49_Q4_Q3 * q3, 12);
	return CAL_OK;
}

int cal_wm_meter_qn(struct cal_wm_meter *out, enum cal_wm_class cls, double qn_m3h,
		    const struct cal_wm_rules *rules)
{
	struct cal_wm_rules ru = { 0 };
	double fmin, ft;
	size_t i;
	int rc;

	rc = meter_begin(out, &ru, rules, cls, true);
	if (rc)
		return rc;
	if (!positive(qn_m3h))
		return cal_error_set(CAL_ERR_ARG, "water meter: Qn %g must be a number > 0",
				     qn_m3h);
	i = (size_t)(cls - CAL_WM_CLASS_A);
	if (metro_ge(qn_m3h, QN_SPLIT_M3H)) {
		fmin = old_classes[i].qmin_large;
		ft = old_classes[i].qt_large;
	} else {
		fmin = old_classes[i].qmin_small;
		ft = old_classes[i].qt_small;
	}
	if (fmin == 0)
		return cal_error_set(CAL_ERR_UNSUPPORTED,
				     "water meter class %s with Qn %g m³/h: domain.md §2.1 gives "
				     "Qmin and Qt of this class only for Qn < 15 m³/h",
				     cal_wm_class_name(cls), qn_m3h);
	out->cls = cls;
	out->q1 = cal_num_round_sig(fmin * qn_m3h, 12);
	out->q2 = cal_num_round_sig(ft * qn_m3h, 12);
	out->q3 = qn_m3h;
	out->q4 = cal_num_round_sig(ru.qmax_qn * qn_m3h, 12);
	return CAL_OK;
}

/* 0 < Q1 < Q2 < Q3 <= Q4 (Q4 may be 0, unknown, for A-D), a known class. */
static int meter_check(const struct cal_wm_meter *m)
{
	if (!m)
		return cal_error_set(CAL_ERR_ARG, "water meter: NULL meter");
	if (m->cls < CAL_WM_CLASS_1 || m->cls > CAL_WM_CLASS_D)
		return cal_error_set(CAL_ERR_ARG, "water meter: unknown class %d", (int)m->cls);
	if (!positive(m->q1) || !positive(m->q2) || !positive(m->q3) || !isfinite(m->q4) ||
	    m->q2 <= m->q1 || m->q3 <= m->q2 || (m->q4 < m->q3 && !(is_old(m->cls) && m->q4 == 0)))
		return cal_error_set(CAL_ERR_ARG,
				     "water meter: flow rates %g, %g, %g, %g must rise (Q1 < Q2 < "
				     "Q3 <= Q4)",
				     m->q1, m->q2, m->q3, m->q4);
	return CAL_OK;
}

/* The rules (NULL = defaults) and the meter, both checked. */
static int rules_and_meter(struct cal_wm_rules *ru, const struct cal_wm_rules *rules,
			   const struct cal_wm_meter *m)
{
	int rc = rules_get(ru, rules);

	return rc ? rc : meter_check(m);
}

int cal_wm_mpe(double *mpe_pct, enum cal_wm_zone *zone, const struct cal_wm_meter *m, double q,
	       double t_c, const struct cal_wm_rules *rules)
{
	struct cal_wm_rules ru = { 0 };
	bool old, hot, upper;
	int rc, ci;

	if (!mpe_pct)
		return cal_error_set(CAL_ERR_ARG, "water-meter MPE: no output");
	*mpe_pct = 0;
	if (zone)
		*zone = 0;
	rc = rules_and_meter(&ru, rules, m);
	if (rc)
		return rc;
	if (!isfinite(q))
		return cal_error_set(CAL_ERR_ARG, "water-meter MPE: flow rate not finite");
	if (!isfinite(t_c) || t_c < 0 || t_c > 100)
		return cal_error_set(CAL_ERR_ARG,
				     "water-meter MPE: water at %g °C is not liquid water", t_c);
	old = is_old(m->cls);
	if (!metro_ge(q, m->q1))
		return cal_error_set(CAL_ERR_RANGE,
				     "flow rate %g is below %s %g: the meter has no MPE there", q,
				     old ? "Qmin" : "Q1", m->q1);
	if (old && m->q4 == 0 && !metro_le(q, m->q3))
		return cal_error_set(CAL_ERR_UNSUPPORTED,
				     "flow rate %g is above Qn %g and Qmax of a class %s meter is "
				     "not given (domain.md has no Qmax/Qn; set it in the rules)",
				     q, m->q3, cal_wm_class_name(m->cls));
	if (m->q4 > 0 && !metro_le(q, m->q4))
		return cal_error_set(CAL_ERR_RANGE,
				     "flow rate %g is above %s %g: the meter has no MPE there", q,
				     old ? "Qmax" : "Q4", m->q4);
	hot = !metro_le(t_c, ru.t_hot_c);
	if (old && hot)
		return cal_error_set(CAL_ERR_UNSUPPORTED,
				     "class %s meter with water at %g °C: domain.md §2.2 gives the "
				     "MPE of classes A-D for cold water (<= %g °C) only",
				     cal_wm_class_name(m->cls), t_c, ru.t_hot_c);
	upper = metro_ge(q, m->q2);
	ci = m->cls == CAL_WM_CLASS_1 ? 0 : 1;
	if (old)
		*mpe_pct = upper ? ru.mpe_upper_old : ru.mpe_lower_old;
	else if (!upper)
		*mpe_pct = ru.mpe_lower[ci];
	else
		*mpe_pct = hot ? ru.mpe_upper_hot[ci] : ru.mpe_upper[ci];
	if (zone)
		*zone = upper ? CAL_WM_ZONE_UPPER : CAL_WM_ZONE_LOWER;
	return CAL_OK;
}

int cal_wm_window(double *lo, double *hi, bool *inside, const struct cal_wm_meter *m,
		  enum cal_wm_point p, double q, const struct cal_wm_rules *rules)
{
	struct cal_wm_rules ru = { 0 };
	double nominal;
	int rc;

	if (!lo || !hi)
		return cal_error_set(CAL_ERR_ARG, "flow window: no output");
	*lo = *hi = 0;
	if (inside)
		*inside = false;
	rc = rules_and_meter(&ru, rules, m);
	if (rc)
		return rc;
	if (p == CAL_WM_POINT_Q1)
		nominal = m->q1;
	else if (p == CAL_WM_POINT_Q2)
		nominal = m->q2;
	else if (p == CAL_WM_POINT_Q3)
		nominal = m->q3;
	else
		return cal_error_set(CAL_ERR_ARG, "flow window: unknown test point %d", (int)p);
	*lo = cal_num_round_sig(ru.window[p].lo * nominal, 12);
	*hi = cal_num_round_sig(ru.window[p].hi * nominal, 12);
	if (inside) {
		if (!isfinite(q))
			return cal_error_set(CAL_ERR_ARG, "flow window: flow rate not finite");
		*inside = metro_ge(q, *lo) && metro_le(q, *hi);
	}
	return CAL_OK;
}

int cal_wm_min_volume(double *out, double d, double q_per_h, const struct cal_wm_rules *rules)
{
	struct cal_wm_rules ru = { 0 };
	double by_d, by_time;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "minimum volume: no output");
	*out = 0;
	rc = rules_get(&ru, rules);
	if (rc)
		return rc;
	if (!positive(d) || !positive(q_per_h))
		return cal_error_set(CAL_ERR_ARG,
				     "minimum volume: scale interval %g and flow rate %g must be "
				     "> 0",
				     d, q_per_h);
	by_d = ru.vmin_intervals * d;
	by_time = q_per_h * ru.vmin_seconds / 3600.0;
	*out = cal_num_round_sig(by_d > by_time ? by_d : by_time, 12);
	return CAL_OK;
}

int cal_wm_error_pct(double *out, double va, double vi)
{
	if (!out)
		return cal_error_set(CAL_ERR_ARG, "meter error: no output");
	*out = 0;
	if (!positive(va))
		return cal_error_set(CAL_ERR_ARG, "meter error: reference volume %g must be > 0",
				     va);
	if (!isfinite(vi) || vi < 0)
		return cal_error_set(CAL_ERR_ARG,
				     "meter error: indicated volume %g must be >= 0 (readings "
				     "swapped?)",
				     vi);
	*out = cal_num_round_sig((vi - va) / va * 100.0, 12);
	return CAL_OK;
}

int cal_wm_evaluate(struct cal_wm_eval *out, const struct cal_wm_meter *m, double q, double t_c,
		    double va, double vi, const struct cal_wm_rules *rules)
{
	enum cal_verdict v;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "water-meter point: no output");
	memset(out, 0, sizeof(*out));
	rc = cal_wm_error_pct(&out->error_pct, va, vi);
	if (!rc)
		rc = cal_wm_mpe(&out->mpe_pct, &out->zone, m, q, t_c, rules);
	if (!rc)
		rc = cal_decide(&v, CAL_RULE_SIMPLE, out->error_pct, 0, out->mpe_pct, 0);
	if (rc)
		return rc;
	out->pass = v == CAL_VERDICT_PASS;
	if (!out->pass)
		snprintf(out->reason, sizeof(out->reason),
			 "error %+g %% exceeds the MPE ±%g %% of the %s zone", out->error_pct,
			 out->mpe_pct, out->zone == CAL_WM_ZONE_UPPER ? "upper" : "lower");
	return CAL_OK;
}

/* ---- Reference volume ------------------------------------------------------ */

int cal_volume_master(double *out, double before, double after, double scale, double error_pct)
{
	if (!out)
		return cal_error_set(CAL_ERR_ARG, "master meter: no output");
	*out = 0;
	if (!isfinite(before) || !isfinite(after) || !positive(scale) || !isfinite(error_pct) ||
	    error_pct <= -100)
		return cal_error_set(CAL_ERR_ARG,
				     "master meter: readings and error must be finite, the scale "
				     "> 0, the error > -100 %%");
	if (after < before)
		return cal_error_set(CAL_ERR_ARG,
				     "master meter: totalizer %g after is below %g before "
				     "(rollover or swapped readings?)",
				     after, before);
	*out = cal_num_round_sig((after - before) * scale / (1.0 + error_pct / 100.0), 12);
	return CAL_OK;
}

/* Tanaka M., Girard G., Davis R., Peuto A., Bignell N., Metrologia 38 (2001) 301, Table 2 */
#define TANAKA_A1 (-3.983035) /* °C */
#define TANAKA_A2 301.797     /* °C */
#define TANAKA_A3 522528.9    /* °C² */
#define TANAKA_A4 69.34881    /* °C */
#define TANAKA_A5 999.974950  /* kg/m³ */

int cal_water_density(double *rho, double t_c)
{
	double t = t_c;

	if (!rho)
		return cal_error_set(CAL_ERR_ARG, "water density: no output");
	*rho = 0;
	if (!isfinite(t))
		return cal_error_set(CAL_ERR_ARG, "water density: temperature not finite");
	if (t < 0 || t > 40)
		return cal_error_set(CAL_ERR_RANGE,
				     "water density: %g °C is outside 0..40 °C, the range of the "
				     "Tanaka formula",
				     t);
	*rho = TANAKA_A5 * (1.0 - (t + TANAKA_A1) * (t + TANAKA_A1) * (t + TANAKA_A2) /
					  (TANAKA_A3 * (t + TANAKA_A4)));
	return CAL_OK;
}

void cal_gravimetric_default(struct cal_gravimetric *out)
{
	if (out)
		*out = (struct cal_gravimetric){ .rho_air = 1.2,
						 .rho_weights = 8000,
						 .rho_water = 0 };
}

int cal_volume_gravimetric(double *volume_l, double mass_kg, double t_c,
			   const struct cal_gravimetric *p)
{
	struct cal_gravimetric g;
	double rho_w;
	int rc;

	if (!volume_l)
		return cal_error_set(CAL_ERR_ARG, "gravimetric volume: no output");
	*volume_l = 0;
	if (p)
		g = *p;
	else
		cal_gravimetric_default(&g);
	if (!positive(mass_kg))
		return cal_error_set(CAL_ERR_ARG, "gravimetric volume: mass %g kg must be > 0",
				     mass_kg);
	if (g.rho_water != 0) {
		rho_w = g.rho_water;
		if (!isfinite(t_c))
			return cal_error_set(CAL_ERR_ARG,
					     "gravimetric volume: temperature not finite");
	} else {
		rc = cal_water_density(&rho_w, t_c);
		if (rc)
			return rc;
	}
	if (!isfinite(g.rho_air) || g.rho_air < 0 || !isfinite(g.rho_weights) ||
	    g.rho_weights <= g.rho_air || !isfinite(rho_w) || rho_w <= g.rho_air)
		return cal_error_set(CAL_ERR_ARG,
				     "gravimetric volume: densities air %g, weights %g, water %g "
				     "kg/m³: air must be >= 0 and below the others",
				     g.rho_air, g.rho_weights, rho_w);
	/* m³ -> L */
	*volume_l = cal_num_round_sig(
		mass_kg * (1.0 - g.rho_air / g.rho_weights) / (rho_w - g.rho_air) * 1000.0, 12);
	return CAL_OK;
}

/* ---- Flow-meter calibration point ----------------------------------------- */

int cal_flow_point_budget(struct cal_flow_point *out, const struct cal_flow_point_in *in)
{
	struct cal_gum_component c[3];
	double *errs, ratio = 0, va = 0;
	int rc = CAL_OK;

	if (!out || !in)
		return cal_error_set(CAL_ERR_ARG, "flow point: NULL argument");
	memset(out, 0, sizeof(*out));
	if (!in->vi || !in->va || in->n < 2)
		return cal_error_set(CAL_ERR_ARG,
				     "flow point: repeatability needs at least 2 runs, %zu given",
				     in->vi && in->va ? in->n : 0);
	if (!(in->ref_U_pct >= 0) || !positive(in->ref_k) || !isfinite(in->ref_U_pct) ||
	    !(in->d >= 0) || !isfinite(in->d))
		return cal_error_set(CAL_ERR_ARG,
				     "flow point: reference U %g %% (k %g) and resolution %g must "
				     "be >= 0, k > 0",
				     in->ref_U_pct, in->ref_k, in->d);
	if (in->readings != 1 && in->readings != 2)
		return cal_error_set(CAL_ERR_ARG,
				     "flow point: readings per indication %u must be 1 (zeroed at "
				     "the start) or 2 (start and stop)",
				     in->readings);
	errs = calloc(in->n, sizeof(*errs));
	if (!errs)
		return cal_error_set(CAL_ERR_NOMEM, "flow point: out of memory");
	for (size_t i = 0; i < in->n; i++) {
		rc = cal_wm_error_pct(&errs[i], in->va[i], in->vi[i]);
		if (rc) {
			rc = cal_error_prefix(rc, "flow point, run %zu: ", i + 1);
			goto out;
		}
		ratio += in->vi[i] / in->va[i];
		va += in->va[i];
	}
	out->va_mean = va / (double)in->n;
	out->c_ref = ratio / (double)in->n;
	out->error_pct = cal_num_round_sig(cal_gum_mean(errs, in->n), 12);
	out->u_ref = cal_gum_from_expanded(in->ref_U_pct, in->ref_k);
	out->u_res = 100.0 * sqrt((double)in->readings) * cal_gum_resolution(in->d) / out->va_mean;
	rc = cal_gum_type_a(&out->u_rep, &out->nu_rep, errs, in->n);
	if (rc)
		goto out;
	c[0] = (struct cal_gum_component){ "reference", out->u_ref, out->c_ref, INFINITY };
	c[1] = (struct cal_gum_component){ "resolution", out->u_res, 1, INFINITY };
	c[2] = (struct cal_gum_component){ "repeatability", out->u_rep, 1, out->nu_rep };
	rc = cal_gum_combine(&out->gum, c, 3);
out:
	free(errs);
	return rc;
}

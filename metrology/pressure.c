/*
 * Pressure gauges: EN 837-1 classes and MPE, test points, DKD-R 6-1
 * sequences, digital-gauge MPE, 4-20 mA transmitters, reference adequacy.
 * Facts: domain.md §3 (vectors T13-T15). All values in one pressure unit,
 * whichever the caller uses; nothing here converts units.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"

/* EN 837-1 Table 11, in % of span. */
static const double en837_classes[] = { 0.1, 0.25, 0.6, 1.0, 1.6, 2.5, 4.0 };

static bool is_class(double cls)
{
	for (size_t i = 0; i < sizeof(en837_classes) / sizeof(en837_classes[0]); i++) {
		if (fabs(cls - en837_classes[i]) < 1e-9)
			return true;
	}
	return false;
}

int cal_en837_class_parse(double *out, const char *s)
{
	double v;

	if (out)
		*out = 0;
	if (!out || !s)
		return cal_error_set(CAL_ERR_ARG, "gauge class: NULL argument");
	if (cal_num_parse_str(&v, NULL, s) != CAL_OK || !is_class(v))
		return cal_error_set(CAL_ERR_ARG,
				     "gauge class '%s' does not exist in EN 837-1 (0.1, 0.25, 0.6, "
				     "1, 1.6, 2.5, 4)",
				     s);
	*out = v;
	return CAL_OK;
}

int cal_en837_mpe(double *out, double cls, double lower, double upper)
{
	if (!out)
		return CAL_ERR_ARG;
	*out = 0;
	if (!is_class(cls))
		return cal_error_set(CAL_ERR_ARG, "gauge class %g does not exist in EN 837-1", cls);
	if (!isfinite(lower) || !isfinite(upper) || upper <= lower)
		return cal_error_set(CAL_ERR_ARG,
				     "gauge scale %g..%g: the upper value must exceed the lower",
				     lower, upper);
	/* 12 digits: 1.6 % of 10 bar is 0.16, not 0.16000000000000003 */
	*out = cal_num_round_sig(cls / 100.0 * (upper - lower), 12);
	return CAL_OK;
}

int cal_en837_min_points(int *out, double cls)
{
	if (!out)
		return CAL_ERR_ARG;
	*out = 0;
	if (!is_class(cls))
		return cal_error_set(CAL_ERR_ARG, "gauge class %g does not exist in EN 837-1", cls);
	*out = cls <= 0.6 + 1e-9 ? 10 : 5;
	return CAL_OK;
}

int cal_en837_points(double *out, size_t n, double lower, double upper)
{
	if (!out || n < 2 || !isfinite(lower) || !isfinite(upper) || upper <= lower)
		return cal_error_set(CAL_ERR_ARG, "test points: need n >= 2 and lower < upper");
	for (size_t i = 0; i < n; i++) {
		double v = lower + (double)i * (upper - lower) / (double)(n - 1);

		out[i] = i == n - 1 ? upper : cal_num_round_sig(v, 12);
		if (fabs(out[i]) < 1e-12 * (upper - lower))
			out[i] = 0; /* no -0 or 1e-17 at the zero of a compound gauge */
	}
	return CAL_OK;
}

int cal_dkd_sequence_for(struct cal_dkd_sequence *out, double class_pct)
{
	if (!out)
		return CAL_ERR_ARG;
	memset(out, 0, sizeof(*out));
	if (!isfinite(class_pct) || class_pct <= 0)
		return cal_error_set(CAL_ERR_ARG, "accuracy class %g %%: must be > 0", class_pct);
	if (class_pct < 0.1 - 1e-12)
		*out = (struct cal_dkd_sequence){ 'A', 9, 3, 4 };
	else if (class_pct <= 0.6 + 1e-12)
		*out = (struct cal_dkd_sequence){ 'B', 9, 2, 3 };
	else
		*out = (struct cal_dkd_sequence){ 'C', 5, 1, 2 };
	return CAL_OK;
}

int cal_digital_mpe(double *out, double a_reading, double b_span, double n_digits, double p,
		    double span, double resolution)
{
	double v;

	if (!out)
		return CAL_ERR_ARG;
	*out = 0;
	if (!(a_reading >= 0) || !(b_span >= 0) || !(n_digits >= 0) || !(resolution >= 0) ||
	    !isfinite(p) || !(span > 0) || !isfinite(a_reading + b_span + n_digits + resolution))
		return cal_error_set(CAL_ERR_ARG,
				     "digital MPE: terms must be >= 0 and the span > 0");
	v = a_reading * fabs(p) + b_span * span + n_digits * resolution;
	if (v <= 0)
		return cal_error_set(CAL_ERR_ARG, "digital MPE: every term is 0");
	*out = cal_num_round_sig(v, 12);
	return CAL_OK;
}

int cal_transmitter_expected_ma(double *out, double p, double lrv, double urv)
{
	if (!out)
		return CAL_ERR_ARG;
	*out = 0;
	if (!isfinite(p) || !isfinite(lrv) || !isfinite(urv) || urv <= lrv)
		return cal_error_set(CAL_ERR_ARG, "transmitter range %g..%g: URV must exceed LRV",
				     lrv, urv);
	*out = cal_num_round_sig(4.0 + 16.0 * (p - lrv) / (urv - lrv), 12);
	return CAL_OK;
}

int cal_transmitter_error_pct(double *out, double i_ma, double p, double lrv, double urv)
{
	double expected;
	int rc;

	if (!out)
		return CAL_ERR_ARG;
	*out = 0;
	rc = cal_transmitter_expected_ma(&expected, p, lrv, urv);
	if (rc)
		return rc;
	if (!isfinite(i_ma))
		return cal_error_set(CAL_ERR_ARG, "transmitter current not finite");
	*out = cal_num_round_sig((i_ma - expected) / 16.0 * 100.0, 12);
	return CAL_OK;
}

int cal_reference_adequate(bool *adequate, double ref_limit, double gauge_mpe, double ratio)
{
	if (!adequate)
		return CAL_ERR_ARG;
	*adequate = false;
	if (!(ref_limit >= 0) || !(gauge_mpe > 0) || !(ratio > 0) || !isfinite(ref_limit * ratio))
		return cal_error_set(CAL_ERR_ARG,
				     "reference adequacy: limits must be >= 0, ratio > 0");
	*adequate = ref_limit * ratio <= gauge_mpe * (1 + 1e-9);
	return CAL_OK;
}

int cal_en837_evaluate(struct cal_gauge_eval *out, const struct cal_gauge_point *p, double mpe)
{
	double tol;

	if (!out || !p)
		return CAL_ERR_ARG;
	memset(out, 0, sizeof(*out));
	if (!(mpe > 0) || !isfinite(mpe) || !isfinite(p->ref_up) || !isfinite(p->ind_up) ||
	    (p->has_down && (!isfinite(p->ref_down) || !isfinite(p->ind_down))))
		return cal_error_set(CAL_ERR_ARG, "gauge point: MPE must be > 0, values finite");
	tol = mpe * (1 + 1e-9);
	out->error_up = cal_num_round_sig(p->ind_up - p->ref_up, 12);
	out->mean_error = out->error_up;
	if (p->has_down) {
		out->error_down = cal_num_round_sig(p->ind_down - p->ref_down, 12);
		out->hysteresis = cal_num_round_sig(fabs(out->error_down - out->error_up), 12);
		out->mean_error = cal_num_round_sig((out->error_up + out->error_down) / 2, 12);
	}
	out->pass = true;
	if (fabs(out->error_up) > tol)
		snprintf(out->reason, sizeof(out->reason), "error going up %g exceeds the MPE %g",
			 out->error_up, mpe);
	else if (p->has_down && fabs(out->error_down) > tol)
		snprintf(out->reason, sizeof(out->reason), "error going down %g exceeds the MPE %g",
			 out->error_down, mpe);
	else if (out->hysteresis > tol)
		snprintf(out->reason, sizeof(out->reason), "hysteresis %g exceeds the MPE %g",
			 out->hysteresis, mpe);
	out->pass = out->reason[0] == '\0';
	return CAL_OK;
}

int cal_pressure_budget_terms_parse(unsigned *out, const char *s)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {
		{ "reference", CAL_PB_REFERENCE },
		{ "resolution", CAL_PB_RESOLUTION },
		{ "hysteresis", CAL_PB_HYSTERESIS },
		{ "repeatability", CAL_PB_REPEATABILITY },
	};
	const char *p = s;

	if (!out || !s)
		return CAL_ERR_ARG;
	*out = 0;
	while (*p) {
		size_t n;
		bool found = false;

		while (*p == ' ' || *p == ',')
			p++;
		n = strcspn(p, " ,");
		if (n == 0)
			break;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0) {
				*out |= names[i].bit;
				found = true;
			}
		}
		if (!found) {
			*out = 0;
			return cal_error_set(CAL_ERR_ARG,
					     "budget term '%.*s' unknown (reference, resolution, "
					     "hysteresis, repeatability)",
					     (int)(n > 40 ? 40 : n), p);
		}
		p += n;
	}
	if (!*out)
		return cal_error_set(CAL_ERR_ARG, "budget has no term");
	return CAL_OK;
}

int cal_pressure_budget(struct cal_pressure_budget *out, const struct cal_pressure_budget_in *in)
{
	struct cal_gum_component c[4];
	size_t n = 0;
	int rc;

	if (!out || !in)
		return CAL_ERR_ARG;
	memset(out, 0, sizeof(*out));
	if (!in->readings || in->n == 0 || !in->terms)
		return cal_error_set(CAL_ERR_ARG, "pressure budget: no readings or no term");
	for (size_t i = 0; i < in->n; i++) {
		if (!isfinite(in->readings[i]))
			return cal_error_set(CAL_ERR_ARG, "pressure budget: reading %zu not finite",
					     i + 1);
	}
	out->mean = cal_gum_mean(in->readings, in->n);
	out->error = cal_num_round_sig(out->mean - in->p_ref, 12);
	if (in->terms & CAL_PB_REFERENCE) {
		out->u_ref = cal_gum_from_expanded(in->ref_U, in->ref_k);
		if (isnan(out->u_ref))
			return cal_error_set(CAL_ERR_ARG, "pressure budget: reference U %g, k %g",
					     in->ref_U, in->ref_k);
		c[n++] = (struct cal_gum_component){ "reference", out->u_ref, 1, INFINITY };
	}
	if (in->terms & CAL_PB_RESOLUTION) {
		out->u_res = cal_gum_resolution(in->resolution);
		if (isnan(out->u_res))
			return cal_error_set(CAL_ERR_ARG, "pressure budget: resolution %g",
					     in->resolution);
		c[n++] = (struct cal_gum_component){ "resolution", out->u_res, 1, INFINITY };
	}
	if (in->terms & CAL_PB_HYSTERESIS) {
		out->u_hyst = cal_gum_resolution(in->hysteresis); /* rectangular, full width h */
		if (isnan(out->u_hyst))
			return cal_error_set(CAL_ERR_ARG, "pressure budget: hysteresis %g",
					     in->hysteresis);
		c[n++] = (struct cal_gum_component){ "hysteresis", out->u_hyst, 1, INFINITY };
	}
	if (in->terms & CAL_PB_REPEATABILITY) {
		rc = cal_gum_type_a(&out->u_rep, &out->nu_rep, in->readings, in->n);
		if (rc)
			return cal_error_set(CAL_ERR_ARG,
					     "pressure budget: repeatability needs at least 2 "
					     "readings, %zu given",
					     in->n);
		/* identical readings: no Type A contribution, but a finite nu */
		c[n++] = (struct cal_gum_component){ "repeatability", out->u_rep, 1, out->nu_rep };
	}
	return cal_gum_combine(&out->gum, c, n);
}

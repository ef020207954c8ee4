/*
 * Pressure gauges: EN 837-1 classes and MPE, test points, DKD-R 6-1
 * sequences, digital-gauge MPE, 4-20 mA transmitters, reference adequacy.
 * Facts: domain.md §3 (vectors T13-T15). All values in one pressure unit,
 * whichever the caller uses; nothing here converts units.
 */
#include <math.h>
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

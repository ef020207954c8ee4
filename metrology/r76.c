/*
 * OIML R 76-1:2006 non-automatic weighing instruments: accuracy classes,
 * classification (Table 3) and maximum permissible errors (Table 6).
 * Sources: domain.md §1.1 and §1.2 [V S1, S2, S3]; §3.4.2 1/2/5 form of e [K].
 */
#include <math.h>
#include <stdio.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "internal.h"

/*
 * R 76-1 Table 6: upper bound (inclusive, in e) of the ±0.5 e, ±1 e and
 * ±1.5 e bands. The last bound is n_max of the class (Table 3); class I has
 * none. Invariant: bounds ascend.
 */
static const double mpe_band_top[4][3] = {
	[CAL_R76_I - 1] = { 50000.0, 200000.0, INFINITY },
	[CAL_R76_II - 1] = { 5000.0, 20000.0, 100000.0 },
	[CAL_R76_III - 1] = { 500.0, 2000.0, 10000.0 },
	[CAL_R76_IIII - 1] = { 50.0, 200.0, 1000.0 },
};

static const char *const class_names[4] = { "I", "II", "III", "IIII" };

static bool class_valid(enum cal_r76_class c)
{
	return c >= CAL_R76_I && c <= CAL_R76_IIII;
}

/* Parse "I".."IIII" or "1".."4" (domain.md §1.1 class names). */
int cal_r76_class_parse(enum cal_r76_class *out, const char *s)
{
	static const char *const digits[4] = { "1", "2", "3", "4" };

	if (!out || !s)
		return cal_error_set(CAL_ERR_ARG, "R 76 accuracy class: no text given");
	for (int i = 0; i < 4; i++) {
		if (metro_streq_ci(s, class_names[i]) || metro_streq_ci(s, digits[i])) {
			*out = (enum cal_r76_class)(i + 1);
			return CAL_OK;
		}
	}
	return cal_error_set(
		CAL_ERR_ARG,
		"unknown R 76 accuracy class '%.32s' (expected I, II, III, IIII or 1..4)", s);
}

/* Roman name of the class, "?" when out of range. */
const char *cal_r76_class_name(enum cal_r76_class c)
{
	return class_valid(c) ? class_names[c - 1] : "?";
}

/*
 * Table 6 MPE on initial verification, in the unit of e and load.
 * m = |load|/e unrounded; a band's top is inclusive within 1e-9 relative.
 */
int cal_r76_mpe(double *out, enum cal_r76_class cls, double e, double load)
{
	static const double mpe_in_e[3] = { 0.5, 1.0, 1.5 };
	const double *top;
	double m;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_r76_mpe: no output");
	if (!class_valid(cls))
		return cal_error_set(CAL_ERR_ARG, "unknown R 76 accuracy class %d", (int)cls);
	if (!isfinite(e) || e <= 0)
		return cal_error_set(CAL_ERR_ARG, "R 76 MPE: e must be finite and > 0");
	if (!isfinite(load))
		return cal_error_set(CAL_ERR_ARG, "R 76 MPE: load must be finite");

	top = mpe_band_top[cls - 1];
	m = fabs(load) / e;
	if (metro_le(m, top[0]))
		*out = mpe_in_e[0] * e;
	else if (metro_le(m, top[1]))
		*out = mpe_in_e[1] * e;
	else
		*out = mpe_in_e[2] * e; /* also beyond n_max: ±1.5 e */
	return CAL_OK;
}

/* In-service MPE = 2 x initial (R 76-1 §3.5.2, domain.md §1.2 [V S1]). */
int cal_r76_mpe_in_service(double *out, enum cal_r76_class cls, double e, double load)
{
	double mpe = 0;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_r76_mpe_in_service: no output");
	rc = cal_r76_mpe(&mpe, cls, e, load);
	if (rc != CAL_OK)
		return rc;
	*out = 2.0 * mpe;
	return CAL_OK;
}

/* Table 6 band changes in e: the tops of the ±0.5 e and ±1 e bands. */
int cal_r76_mpe_change_points(double out[2], size_t *n, enum cal_r76_class cls)
{
	if (!out || !n)
		return cal_error_set(CAL_ERR_ARG, "cal_r76_mpe_change_points: no output");
	if (!class_valid(cls))
		return cal_error_set(CAL_ERR_ARG, "unknown R 76 accuracy class %d", (int)cls);
	out[0] = mpe_band_top[cls - 1][0];
	out[1] = mpe_band_top[cls - 1][1];
	*n = 2;
	return CAL_OK;
}

/*
 * One row of R 76-1 Table 3. e limits in g (e_hi 0: no upper limit), Min in
 * e, n limits (n_max 0: no limit).
 */
struct table3_row {
	double e_lo, e_hi;
	double min_k;
	double n_min, n_max;
};

static const struct table3_row table3[] = {
	/* I   */ { 0.001, 0, 100, 50000, 0 },
	/* II  */ { 0.001, 0.05, 20, 100, 100000 },
	/* II  */ { 0.1, 0, 50, 5000, 100000 },
	/* III */ { 0.1, 2, 20, 100, 10000 },
	/* III */ { 5, 0, 20, 500, 10000 },
	/* IIII */ { 5, 0, 10, 100, 1000 },
};

/*
 * Row of Table 3 that applies to e (g). For classes II and III the row is
 * the one whose lower limit e reaches; an e in the gap between rows falls to
 * the lower row, whose e range it then violates.
 */
static const struct table3_row *table3_row_for(enum cal_r76_class cls, double e_g)
{
	switch (cls) {
	case CAL_R76_I:
		return &table3[0];
	case CAL_R76_II:
		return metro_ge(e_g, table3[2].e_lo) ? &table3[2] : &table3[1];
	case CAL_R76_III:
		return metro_ge(e_g, table3[4].e_lo) ? &table3[4] : &table3[3];
	default:
		return &table3[5];
	}
}

/* True when v (> 0) is 1, 2 or 5 x 10^k within 1e-9 relative (R 76-1 §3.4.2 [K]). */
static bool is_125(double v)
{
	double k = floor(log10(v));
	double mant = v / pow(10.0, k);

	/* log10() may land one decade off near a power of ten: accept 10 as 1. */
	return metro_eq(mant, 1.0) || metro_eq(mant, 2.0) || metro_eq(mant, 5.0) ||
	       metro_eq(mant, 10.0);
}

/* Table 3 check for Max and e in grams; see the header for the contract. */
int cal_r76_classify(struct cal_r76_classification *out, enum cal_r76_class cls, double max_g,
		     double e_g)
{
	const struct table3_row *row;
	char msg[384], eb[32], lo[32], hi[32], nb[32];
	size_t len = 0;
	bool in_range;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_r76_classify: no output");
	if (!class_valid(cls))
		return cal_error_set(CAL_ERR_ARG, "unknown R 76 accuracy class %d", (int)cls);
	if (!isfinite(e_g) || e_g <= 0)
		return cal_error_set(CAL_ERR_ARG, "R 76 classification: e must be finite and > 0");
	if (!isfinite(max_g) || max_g <= 0)
		return cal_error_set(CAL_ERR_ARG,
				     "R 76 classification: Max must be finite and > 0");

	row = table3_row_for(cls, e_g);
	out->n = max_g / e_g;
	out->n_min = row->n_min;
	out->n_max = row->n_max;
	out->min_load = row->min_k * e_g;

	in_range = metro_ge(e_g, row->e_lo) && (row->e_hi == 0 || metro_le(e_g, row->e_hi));
	out->e_ok = in_range && is_125(e_g);
	out->n_ok =
		metro_ge(out->n, row->n_min) && (row->n_max == 0 || metro_le(out->n, row->n_max));
	if (out->e_ok && out->n_ok)
		return CAL_OK;

	msg[0] = '\0';
	cal_num_format_g(eb, sizeof(eb), e_g);
	cal_num_format_g(lo, sizeof(lo), row->e_lo);
	cal_num_format_g(hi, sizeof(hi), row->e_hi);
	if (!is_125(e_g)) {
		/* the first thing to fix: no row of Table 3 has such an e */
		len += (size_t)snprintf(
			msg + len, sizeof(msg) - len,
			"e = %s g is not of the form 1, 2 or 5 x 10^k (R 76-1 §3.4.2)", eb);
	} else if (!in_range) {
		if (row->e_hi == 0)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"e = %s g is outside %s g <= e (R 76-1 Table 3)",
						eb, lo);
		else
			len += (size_t)snprintf(
				msg + len, sizeof(msg) - len,
				"e = %s g is outside %s g <= e <= %s g (R 76-1 Table 3)", eb, lo,
				hi);
	} else if (!out->e_ok) {
		len += (size_t)snprintf(
			msg + len, sizeof(msg) - len,
			"e = %s g is not of the form 1, 2 or 5 x 10^k (R 76-1 §3.4.2)", eb);
	}
	if (!out->n_ok && len < sizeof(msg)) {
		bool low = !metro_ge(out->n, row->n_min);

		cal_num_format_g(nb, sizeof(nb), out->n);
		cal_num_format_g(lo, sizeof(lo), low ? row->n_min : row->n_max);
		snprintf(msg + len, sizeof(msg) - len,
			 "%sn = Max/e = %s is %s n_%s = %s for e = %s g (R 76-1 Table 3)",
			 len ? "; " : "", nb, low ? "below" : "above", low ? "min" : "max", lo, eb);
	}
	cal_error_set(CAL_OK, "class %s: %s", cal_r76_class_name(cls), msg);
	return CAL_OK;
}

/* v is 10^k (within the relative tolerance). */
static bool is_pow10(double v)
{
	double k = round(log10(v));

	return metro_eq(v, pow(10.0, k));
}

int cal_r76_check_instrument(enum cal_r76_class cls, double max_g, double min_g, double e_g,
			     double d_g)
{
	struct cal_r76_classification c;
	char eb[32], db[32], mb[32], lb[32];
	int err;

	err = cal_r76_classify(&c, cls, max_g, e_g);
	if (err)
		return err;
	if (!c.e_ok || !c.n_ok) {
		char why[400]; /* the message is rewritten from a copy, not in place */

		snprintf(why, sizeof(why), "%s", cal_error_last());
		return cal_error_set(CAL_ERR_ARG, "%s", why);
	}
	cal_error_clear();
	cal_num_format_g(eb, sizeof(eb), e_g);
	if (!isfinite(d_g) || d_g < 0 || !isfinite(min_g) || min_g < 0)
		return cal_error_set(CAL_ERR_ARG, "R 76 check: d and Min must be finite and >= 0");
	if (d_g > 0) {
		cal_num_format_g(db, sizeof(db), d_g);
		if (!is_125(d_g))
			return cal_error_set(CAL_ERR_ARG,
					     "class %s: d = %s g is not of the form 1, 2 or 5 x "
					     "10^k (R 76-1 §3.4.2)",
					     cal_r76_class_name(cls), db);
		if (!metro_le(d_g, e_g))
			return cal_error_set(CAL_ERR_ARG,
					     "class %s: d = %s g is larger than e = %s g",
					     cal_r76_class_name(cls), db, eb);
		if (!metro_eq(d_g, e_g)) {
			if (cls != CAL_R76_I && cls != CAL_R76_II)
				return cal_error_set(
					CAL_ERR_ARG,
					"class %s: d = %s g < e = %s g: a differentiated "
					"indication "
					"is allowed only for classes I and II (R 76-1 §3.4)",
					cal_r76_class_name(cls), db, eb);
			if (!is_pow10(e_g / 1000) || !metro_le(e_g, 10 * d_g))
				return cal_error_set(
					CAL_ERR_ARG,
					"class %s: d = %s g < e = %s g needs e = 10^k kg "
					"and d < e <= 10 d (R 76-1 §3.4)",
					cal_r76_class_name(cls), db, eb);
		}
	}
	if (fabs(max_g / e_g - round(max_g / e_g)) > 1e-6 * fmax(1, max_g / e_g)) {
		cal_num_format_g(mb, sizeof(mb), max_g);
		return cal_error_set(CAL_ERR_ARG,
				     "class %s: Max %s g is not a multiple of e = %s g",
				     cal_r76_class_name(cls), mb, eb);
	}
	if (min_g > 0 && !metro_ge(min_g, c.min_load)) {
		cal_num_format_g(mb, sizeof(mb), min_g);
		cal_num_format_g(lb, sizeof(lb), c.min_load);
		return cal_error_set(
			CAL_ERR_ARG,
			"class %s: Min = %s g is below the lower limit %s g for e = %s g "
			"(R 76-1 Table 3)",
			cal_r76_class_name(cls), mb, lb, eb);
	}
	return CAL_OK;
}

/*
 * GUM (JCGM 100:2008) building blocks: Type A and Type B standard
 * uncertainties, the uncorrelated combined uncertainty with the
 * Welch-Satterthwaite effective degrees of freedom, and the coverage factor
 * from Table G.2 (p = 95.45 %). Source: domain.md §7.1, §7.2 [V S32, K S33].
 */
#include <math.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "internal.h"

/*
 * Mean of n readings (GUM 4.2.1), unit of x. Summed as offsets from x[0] so
 * that readings such as 200.0003 g keep their small differences exactly.
 */
double cal_gum_mean(const double *x, size_t n)
{
	double acc = 0;

	if (!x || n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		acc += x[i] - x[0];
	return x[0] + acc / (double)n;
}

/*
 * s(q_k) with n - 1 denominator (GUM 4.2.2), unit of x. Corrected two-pass
 * algorithm: Σd² - (Σd)²/n with d = x - mean, which removes the rounding
 * error left in the mean.
 */
int cal_gum_stddev(double *out, const double *x, size_t n)
{
	double mean, sd = 0, sd2 = 0, var;

	if (!out || !x)
		return cal_error_set(CAL_ERR_ARG, "standard deviation: no readings");
	if (n < 2)
		return cal_error_set(CAL_ERR_ARG,
				     "standard deviation needs at least 2 readings, got %zu", n);
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(x[i]))
			return cal_error_set(CAL_ERR_ARG,
					     "standard deviation: reading %zu is not finite",
					     i + 1);
	}
	mean = cal_gum_mean(x, n);
	for (size_t i = 0; i < n; i++) {
		double d = x[i] - mean;

		sd += d;
		sd2 += d * d;
	}
	var = (sd2 - sd * sd / (double)n) / (double)(n - 1);
	*out = var > 0 ? sqrt(var) : 0.0;
	return CAL_OK;
}

/* Type A of the mean: u = s/sqrt(n), nu = n - 1 (GUM 4.2.3, G.3.3); unit of x. */
int cal_gum_type_a(double *u, double *nu, const double *x, size_t n)
{
	double s;
	int rc;

	if (!u)
		return cal_error_set(CAL_ERR_ARG, "cal_gum_type_a: no output");
	rc = cal_gum_stddev(&s, x, n);
	if (rc != CAL_OK)
		return rc;
	*u = s / sqrt((double)n);
	if (nu)
		*nu = (double)(n - 1);
	return CAL_OK;
}

/* Rectangular distribution of half-width a: a/sqrt(3) (GUM 4.3.7); unit of a. */
double cal_gum_rectangular(double half_width)
{
	if (!isfinite(half_width) || half_width < 0)
		return NAN;
	return half_width / sqrt(3.0);
}

/* Triangular distribution of half-width a: a/sqrt(6) (GUM 4.3.9); unit of a. */
double cal_gum_triangular(double half_width)
{
	if (!isfinite(half_width) || half_width < 0)
		return NAN;
	return half_width / sqrt(6.0);
}

/* Resolution delta: rectangular of half-width delta/2 = delta/sqrt(12) (GUM F.2.2.1). */
double cal_gum_resolution(double delta)
{
	if (!isfinite(delta) || delta < 0)
		return NAN;
	return delta / sqrt(12.0);
}

/* u = U/k from a certificate (GUM 4.3.3); unit of U. */
double cal_gum_from_expanded(double U, double k)
{
	if (!isfinite(U) || U < 0 || !isfinite(k) || k <= 0)
		return NAN;
	return U / k;
}

/*
 * GUM Table G.2, p = 95.45 % (domain.md §7.2 [V S32]): t for the tabulated
 * degrees of freedom; nu = infinity is handled by the caller (2.000).
 */
static const struct {
	double nu;
	double t;
} t9545[] = {
	{ 1, 13.97 }, { 2, 4.53 },  { 3, 3.31 },    { 4, 2.87 },  { 5, 2.65 },	{ 6, 2.52 },
	{ 7, 2.43 },  { 8, 2.37 },  { 9, 2.32 },    { 10, 2.28 }, { 11, 2.25 }, { 12, 2.23 },
	{ 13, 2.21 }, { 14, 2.20 }, { 15, 2.18 },   { 16, 2.17 }, { 17, 2.16 }, { 18, 2.15 },
	{ 19, 2.14 }, { 20, 2.13 }, { 25, 2.11 },   { 30, 2.09 }, { 35, 2.07 }, { 40, 2.06 },
	{ 45, 2.06 }, { 50, 2.05 }, { 100, 2.025 },
};

#define T9545_ROWS (sizeof(t9545) / sizeof(t9545[0]))

/*
 * k = t_95.45(nu), truncating nu to the next lower tabulated value (GUM G.4.1
 * note 1, conservative). nu within 1e-9 relative below a row counts as that
 * row, so a Welch-Satterthwaite result of 19.99999999999 is 20.
 */
int cal_gum_k95(double *out, double nu)
{
	double t = 0;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_gum_k95: no output");
	if (isnan(nu) || !metro_ge(nu, 1.0))
		return cal_error_set(CAL_ERR_ARG,
				     "coverage factor: degrees of freedom must be >= 1");
	if (isinf(nu)) {
		*out = 2.000;
		return CAL_OK;
	}
	for (size_t i = 0; i < T9545_ROWS; i++) {
		if (!metro_ge(nu, t9545[i].nu))
			break;
		t = t9545[i].t;
	}
	*out = t;
	return CAL_OK;
}

/*
 * u_c² = Σ (c u)² (GUM 5.1.2), nu_eff = u_c⁴ / Σ (c u)⁴/nu (G.2b), k from
 * Table G.2, U = k u_c (6.2.1). Terms are scaled by the largest |c u| so that
 * neither the squares nor the fourth powers under- or overflow. Unit of c*u.
 */
int cal_gum_combine(struct cal_gum_result *out, const struct cal_gum_component *c, size_t n)
{
	double amax = 0, s2 = 0, s4 = 0, k = 0;
	int rc;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_gum_combine: no output");
	if (!c || n == 0)
		return cal_error_set(CAL_ERR_ARG, "uncertainty budget has no components");
	for (size_t i = 0; i < n; i++) {
		const char *name = c[i].name ? c[i].name : "?";

		if (!isfinite(c[i].u) || c[i].u < 0)
			return cal_error_set(CAL_ERR_ARG,
					     "uncertainty component %zu (%.40s): u must be finite "
					     "and >= 0",
					     i + 1, name);
		if (!isfinite(c[i].c))
			return cal_error_set(CAL_ERR_ARG,
					     "uncertainty component %zu (%.40s): sensitivity "
					     "coefficient must be finite",
					     i + 1, name);
		if (isnan(c[i].nu) || c[i].nu <= 0)
			return cal_error_set(
				CAL_ERR_ARG,
				"uncertainty component %zu (%.40s): degrees of freedom "
				"must be > 0 or INFINITY",
				i + 1, name);
		if (fabs(c[i].c * c[i].u) > amax)
			amax = fabs(c[i].c * c[i].u);
	}
	if (!isfinite(amax))
		return cal_error_set(CAL_ERR_ARG, "uncertainty budget: c*u overflows");
	if (amax == 0)
		return cal_error_set(CAL_ERR_ARG, "combined standard uncertainty is zero");
	for (size_t i = 0; i < n; i++) {
		double a = fabs(c[i].c * c[i].u) / amax;

		s2 += a * a;
		if (!isinf(c[i].nu))
			s4 += a * a * a * a / c[i].nu;
	}
	out->u_c = amax * sqrt(s2);
	out->nu_eff = s4 > 0 ? s2 * s2 / s4 : INFINITY;
	rc = cal_gum_k95(&k, out->nu_eff);
	if (rc != CAL_OK) {
		char nb[32];

		cal_num_format_g(nb, sizeof(nb), out->nu_eff);
		return cal_error_set(rc, "effective degrees of freedom %s < 1", nb);
	}
	out->k = k;
	out->U = k * out->u_c;
	return CAL_OK;
}

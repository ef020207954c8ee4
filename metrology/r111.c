/*
 * OIML R 111-1:2004 weights: class names, Table 1 maximum permissible errors,
 * and the R 76-1 §3.7.1 "1/3 rule" for the adequacy of the standard weights.
 * Sources: domain.md §1.5 [V S6, S7] and §1.6 [K R 76-1 §3.7.1].
 */
#include <math.h>
#include <stdio.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "internal.h"

#define NCLASS 9

static const char *const r111_names[NCLASS] = { "E1",	"E2", "F1",   "F2", "M1",
						"M1-2", "M2", "M2-3", "M3" };

static bool r111_class_valid(enum cal_r111_class c)
{
	return c >= CAL_R111_E1 && c <= CAL_R111_M3;
}

/* Parse a class name, ASCII case-insensitive (domain.md §1.5 hierarchy). */
int cal_r111_class_parse(enum cal_r111_class *out, const char *s)
{
	if (!out || !s)
		return cal_error_set(CAL_ERR_ARG, "R 111 weight class: no text given");
	for (int i = 0; i < NCLASS; i++) {
		if (metro_streq_ci(s, r111_names[i])) {
			*out = (enum cal_r111_class)(i + 1);
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_ARG,
			     "unknown R 111 weight class '%.32s' (expected E1, E2, F1, F2, M1, "
			     "M1-2, M2, M2-3 or M3)",
			     s);
}

/* Class name, "?" when out of range. */
const char *cal_r111_class_name(enum cal_r111_class c)
{
	return r111_class_valid(c) ? r111_names[c - 1] : "?";
}

/*
 * R 111-1:2004 Table 1, MPE ± in mg; 0 = the class has no weight of that
 * nominal value. Rows ascend by nominal value (mg), the 1-2-5 series from
 * 1 mg to 5000 kg. Columns follow enum cal_r111_class.
 *
 * Tags, per domain.md §1.5:
 *   [V]  verified there (S6; M1, M2, M3 also S7);
 *   [M]  M1, M2, M3 verified (S7); E1, E2, F1, F2 [K] (S6 table truncated);
 *   [K]  from knowledge of R 111-1 Table 1 only; re-check before release.
 * The M1-2 and M2-3 columns are [K] on every row.
 */
struct r111_row {
	double nominal_mg;
	double mpe_mg[NCLASS];
};

/* clang-format off */
static const struct r111_row r111_table[] = {
	/* mg       E1     E2     F1     F2      M1    M1-2      M2     M2-3       M3 */
	{ 1e0, { 0.003, 0.006, 0.020,  0.06,   0.20,      0,      0,       0,       0 } }, /* [K] */
	{ 2e0, { 0.003, 0.006, 0.020,  0.06,   0.20,      0,      0,       0,       0 } }, /* [K] */
	{ 5e0, { 0.003, 0.006, 0.020,  0.06,   0.20,      0,      0,       0,       0 } }, /* [K] */
	{ 1e1, { 0.003, 0.008, 0.025,  0.08,   0.25,      0,      0,       0,       0 } }, /* [K] */
	{ 2e1, { 0.003, 0.010,  0.03,  0.10,    0.3,      0,      0,       0,       0 } }, /* [K] */
	{ 5e1, { 0.004, 0.012,  0.04,  0.12,    0.4,      0,      0,       0,       0 } }, /* [K] */
	{ 1e2, { 0.005, 0.016,  0.05,  0.16,    0.5,      0,    1.6,       0,       0 } }, /* [K] */
	{ 2e2, { 0.006, 0.020,  0.06,  0.20,    0.6,      0,    2.0,       0,       0 } }, /* [K] */
	{ 5e2, { 0.008, 0.025,  0.08,  0.25,    0.8,      0,    2.5,       0,       0 } }, /* [K] */
	{ 1e3, { 0.010, 0.030,  0.10,  0.30,    1.0,      0,    3.0,       0,      10 } }, /* [V] */
	{ 2e3, { 0.012, 0.040,  0.12,   0.4,    1.2,      0,    4.0,       0,      12 } }, /* [K] */
	{ 5e3, { 0.016, 0.050,  0.16,   0.5,    1.6,      0,    5.0,       0,      16 } }, /* [K] */
	{ 1e4, { 0.020, 0.060,  0.20,  0.60,    2.0,      0,    6.0,       0,      20 } }, /* [V] */
	{ 2e4, { 0.025, 0.080,  0.25,   0.8,    2.5,      0,    8.0,       0,      25 } }, /* [K] */
	{ 5e4, { 0.030,  0.10,  0.30,   1.0,    3.0,      0,     10,       0,      30 } }, /* [K] */
	{ 1e5, {  0.05,  0.16,   0.5,   1.6,      5,      0,     16,       0,      50 } }, /* [V] */
	{ 2e5, {  0.10,  0.30,   1.0,   3.0,     10,      0,     30,       0,     100 } }, /* [V] */
	{ 5e5, {  0.25,   0.8,   2.5,     8,     25,      0,     80,       0,     250 } }, /* [V] */
	{ 1e6, {   0.5,   1.6,     5,    16,     50,      0,    160,       0,     500 } }, /* [V] */
	{ 2e6, {   1.0,     3,    10,    30,    100,      0,    300,       0,    1000 } }, /* [V] */
	{ 5e6, {   2.5,     8,    25,    80,    250,      0,    800,       0,    2500 } }, /* [V] */
	{ 1e7, {     5,    16,    50,   160,    500,      0,   1600,       0,    5000 } }, /* [M] */
	{ 2e7, {    10,    30,   100,   300,   1000,      0,   3000,       0,   10000 } }, /* [M] */
	{ 5e7, {    25,    80,   250,   800,   2500,   5000,   8000,   16000,   25000 } }, /* [K] */
	{ 1e8, {     0,   160,   500,  1600,   5000,  10000,  16000,   30000,   50000 } }, /* [K] */
	{ 2e8, {     0,   300,  1000,  3000,  10000,  20000,  30000,   60000,  100000 } }, /* [K] */
	{ 5e8, {     0,   800,  2500,  8000,  25000,  50000,  80000,  160000,  250000 } }, /* [K] */
	{ 1e9, {     0,  1600,  5000, 16000,  50000, 100000, 160000,  300000,  500000 } }, /* [K] */
	{ 2e9, {     0,     0, 10000, 30000, 100000, 200000, 300000,  600000, 1000000 } }, /* [K] */
	{ 5e9, {     0,     0, 25000, 80000, 250000, 500000, 800000, 1600000, 2500000 } }, /* [K] */
};
/* clang-format on */

#define R111_ROWS (sizeof(r111_table) / sizeof(r111_table[0]))

/* Table 1 lookup: nominal in kg matched within 1e-9 relative; result in kg. */
int cal_r111_mpe(double *out_kg, enum cal_r111_class cls, double nominal_kg)
{
	char nb[32];
	double mg;

	if (!out_kg)
		return cal_error_set(CAL_ERR_ARG, "cal_r111_mpe: no output");
	if (!r111_class_valid(cls))
		return cal_error_set(CAL_ERR_ARG, "unknown R 111 weight class %d", (int)cls);
	if (!isfinite(nominal_kg) || nominal_kg <= 0)
		return cal_error_set(CAL_ERR_ARG,
				     "R 111 MPE: nominal value must be finite and > 0");

	mg = nominal_kg * 1e6;
	for (size_t i = 0; i < R111_ROWS; i++) {
		const struct r111_row *row = &r111_table[i];
		double v;

		if (!metro_eq(mg, row->nominal_mg))
			continue;
		v = row->mpe_mg[cls - 1];
		if (v <= 0) {
			cal_num_format_g(nb, sizeof(nb), nominal_kg);
			return cal_error_set(CAL_ERR_ARG,
					     "R 111 class %s has no weight of nominal value %s kg "
					     "(R 111-1 Table 1)",
					     cal_r111_class_name(cls), nb);
		}
		*out_kg = v / 1e6;
		return CAL_OK;
	}
	cal_num_format_g(nb, sizeof(nb), nominal_kg);
	return cal_error_set(CAL_ERR_ARG,
			     "%s kg is not an R 111 nominal value (1, 2, 5 x 10^k from 1 mg to "
			     "5000 kg, R 111-1 Table 1)",
			     nb);
}

/*
 * R 76-1 §3.7.1 (domain.md §1.6): Σ weight MPEs <= ratio * MPE_instr,
 * within 1e-9 relative. All values in one unit.
 */
int cal_weights_adequate(bool *adequate, double *sum_mpe, double *limit, const double *weight_mpes,
			 size_t n, double mpe_instr, double ratio)
{
	double sum = 0, lim;

	if (!adequate)
		return cal_error_set(CAL_ERR_ARG, "cal_weights_adequate: no output");
	if (n > 0 && !weight_mpes)
		return cal_error_set(CAL_ERR_ARG, "weight adequacy: no weight MPEs given");
	if (!isfinite(mpe_instr) || mpe_instr <= 0)
		return cal_error_set(CAL_ERR_ARG,
				     "weight adequacy: instrument MPE must be finite and > 0");
	if (!isfinite(ratio) || ratio <= 0)
		return cal_error_set(CAL_ERR_ARG, "weight adequacy: ratio must be finite and > 0");
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(weight_mpes[i]) || weight_mpes[i] < 0)
			return cal_error_set(CAL_ERR_ARG,
					     "weight adequacy: MPE of weight %zu must be finite "
					     "and >= 0",
					     i + 1);
		sum += weight_mpes[i];
	}
	lim = ratio * mpe_instr;
	*adequate = metro_le(sum, lim);
	if (sum_mpe)
		*sum_mpe = sum;
	if (limit)
		*limit = lim;
	return CAL_OK;
}

int cal_r111_check_weight(enum cal_r111_class cls, double nominal_kg, double correction_kg,
			  double u_kg)
{
	char mb[32], ub[32], cb[32], lb[32];
	double dm;
	int err;

	if (!isfinite(correction_kg) || !isfinite(u_kg) || u_kg < 0)
		return cal_error_set(CAL_ERR_ARG,
				     "R 111 check: correction must be finite, U finite and >= 0");
	err = cal_r111_mpe(&dm, cls, nominal_kg);
	if (err)
		return err;
	/* messages in mg: weights' errors are small */
	cal_num_format_sig(mb, sizeof(mb), dm * 1e6, 6);
	cal_num_format_sig(ub, sizeof(ub), u_kg * 1e6, 6);
	if (u_kg > dm / 3 * (1 + 1e-9))
		return cal_error_set(CAL_ERR_ARG,
				     "U = %s mg is above 1/3 of the class %s MPE %s mg "
				     "(R 111-1 §5.2)",
				     ub, cal_r111_class_name(cls), mb);
	if (fabs(correction_kg) > (dm - u_kg) * (1 + 1e-9)) {
		cal_num_format_sig(cb, sizeof(cb), correction_kg * 1e6, 6);
		cal_num_format_sig(lb, sizeof(lb), (dm - u_kg) * 1e6, 6);
		return cal_error_set(CAL_ERR_ARG,
				     "correction %s mg is outside +-(MPE - U) = +-%s mg for class "
				     "%s (R 111-1 §5.3): the weight is not of its class",
				     cb, lb, cal_r111_class_name(cls));
	}
	return CAL_OK;
}

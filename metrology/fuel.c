/*
 * Measuring systems for liquids other than water, fuel dispensers among them
 * (OIML R 117 / MID MI-005): MPE by accuracy class with the rules for volumes
 * under 2 L and the minimum specified volume deviation Emin. Facts: domain.md
 * §4 [V S20] (vectors T22, T23). Volumes in litres.
 */
#include <math.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/water.h"
#include "internal.h"

/* MID MI-005 Table 2 (domain.md §4 [V S20]): % of the measured volume. */
static const struct {
	double cls;    /* accuracy class */
	double line_a; /* measuring system */
	double line_b; /* meter alone */
} r117_table[] = {
	{ 0.3, 0.3, 0.2 }, { 0.5, 0.5, 0.3 }, { 1.0, 1.0, 0.6 },
	{ 1.5, 1.5, 1.0 }, { 2.5, 2.5, 1.5 },
};

#define R117_ROWS (sizeof(r117_table) / sizeof(r117_table[0]))

/* Row of class @cls, or -1 with a message. */
static int class_row(double cls)
{
	for (size_t i = 0; i < R117_ROWS; i++) {
		if (metro_eq(cls, r117_table[i].cls))
			return (int)i;
	}
	cal_error_set(CAL_ERR_ARG,
		      "accuracy class %g does not exist in OIML R 117 / MID MI-005 (0.3, 0.5, "
		      "1.0, 1.5, 2.5)",
		      cls);
	return -1;
}

/*
 * The table MPE in L of a volume v for a line value of pct %, with the rules
 * for volumes under 2 L (§4): the value applied to 0.1 L, 0.4 L or 2 L, or
 * 4x / 2x the value. The steps join up: the result is continuous in v.
 */
static double table_mpe(double pct, double v)
{
	double a = pct / 100.0;

	if (v < 0.1)
		return 4.0 * a * 0.1;
	if (v < 0.2)
		return 4.0 * a * v;
	if (v < 0.4)
		return 2.0 * a * 0.4;
	if (v < 1.0)
		return 2.0 * a * v;
	if (v < 2.0)
		return a * 2.0;
	return a * v;
}

/* Emin of the row for a valid MMQ (§4): 2 MMQ A/100 from 2 L, else 2 x line A at MMQ. */
static double emin_of(int row, double mmq_l)
{
	double a = r117_table[row].line_a;

	if (mmq_l >= 2.0)
		return 2.0 * mmq_l * a / 100.0;
	return 2.0 * table_mpe(a, mmq_l);
}

static bool positive(double v)
{
	return isfinite(v) && v > 0;
}

int cal_r117_emin(double *emin_l, double cls, double mmq_l)
{
	int row;

	if (!emin_l)
		return cal_error_set(CAL_ERR_ARG, "Emin: no output");
	*emin_l = 0;
	row = class_row(cls);
	if (row < 0)
		return CAL_ERR_ARG;
	if (!positive(mmq_l))
		return cal_error_set(CAL_ERR_ARG, "Emin: MMQ %g L must be > 0", mmq_l);
	*emin_l = cal_num_round_sig(emin_of(row, mmq_l), 12);
	return CAL_OK;
}

int cal_r117_mpe(double *mpe_l, double *emin_l, double cls, enum cal_r117_line line, double mmq_l,
		 double v_l)
{
	double emin, tab;
	int rc, row;

	if (!mpe_l)
		return cal_error_set(CAL_ERR_ARG, "R 117 MPE: no output");
	*mpe_l = 0;
	if (emin_l)
		*emin_l = 0;
	rc = cal_r117_emin(&emin, cls, mmq_l);
	if (rc)
		return rc;
	if (line != CAL_R117_LINE_A && line != CAL_R117_LINE_B)
		return cal_error_set(CAL_ERR_ARG, "R 117 MPE: unknown line %d (A = 1, B = 2)",
				     (int)line);
	if (!positive(v_l))
		return cal_error_set(CAL_ERR_ARG, "R 117 MPE: volume %g L must be > 0", v_l);
	if (!metro_ge(v_l, mmq_l))
		return cal_error_set(CAL_ERR_RANGE,
				     "R 117 MPE: volume %g L is below the minimum measured "
				     "quantity %g L",
				     v_l, mmq_l);
	row = class_row(cls);
	tab = table_mpe(line == CAL_R117_LINE_A ? r117_table[row].line_a : r117_table[row].line_b,
			v_l);
	*mpe_l = cal_num_round_sig(tab > emin ? tab : emin, 12);
	if (emin_l)
		*emin_l = emin;
	return CAL_OK;
}

int cal_r117_check_interval(double cls, double mmq_l, double interval_l)
{
	double emin;
	int rc;

	rc = cal_r117_emin(&emin, cls, mmq_l);
	if (rc)
		return rc;
	if (!positive(interval_l))
		return cal_error_set(CAL_ERR_ARG, "scale interval %g L must be > 0", interval_l);
	if (mmq_l < 2.0)
		return cal_error_set(
			CAL_ERR_UNSUPPORTED,
			"MMQ %g L: domain.md §4 states Emin >= 2 x scale interval only "
			"for MMQ >= 2 L",
			mmq_l);
	if (!metro_ge(emin, 2.0 * interval_l))
		return cal_error_set(CAL_ERR_ARG,
				     "scale interval %g L is too coarse for MMQ %g L: Emin %g L "
				     "must be >= 2 x the interval (R 117 / MID MI-005)",
				     interval_l, mmq_l, emin);
	return CAL_OK;
}

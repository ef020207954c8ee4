/*
 * Flow and volume metrology (metrology/water.c, metrology/fuel.c): water
 * meters per domain.md §2 (T9-T12 and the worked example §2.4), the reference
 * volume (master meter, gravimetric with the Tanaka density of water), the
 * GUM budget of a flow point, and fuel dispensers per domain.md §4 (T22, T23).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/water.h"

/* |a - e| <= tol, NaN never passes; cmocka prints the expression on failure. */
#define assert_near(a, e, tol) assert_true(fabs((double)(a) - (double)(e)) <= (tol))

/* The last message contains @text. */
#define assert_msg(text) assert_non_null(strstr(cal_error_last(), (text)))

/* T9's meter: class 2, Q3 2.5 m³/h, R 100. */
static struct cal_wm_meter t9_meter(void)
{
	struct cal_wm_meter m;

	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, 100, NULL), CAL_OK);
	return m;
}

static void test_t9_flows(void **state)
{
	static const double old_series[] = { 10, 12.5, 16, 20, 25 };
	struct cal_wm_rules rules;
	struct cal_wm_meter m;

	(void)state;
	m = t9_meter(); /* T9 */
	assert_int_equal(m.cls, CAL_WM_CLASS_2);
	assert_true(m.q1 == 0.025 && m.q2 == 0.04 && m.q3 == 2.5 && m.q4 == 3.125);
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_1, 4, 160, NULL), CAL_OK);
	assert_true(m.q1 == 0.025 && m.q2 == 0.04 && m.q4 == 5);
	/* R outside the R 49 series, named with the series */
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, 90, NULL), CAL_ERR_ARG);
	assert_msg("R 90 is not in the R series of OIML R 49 (40, 50, 63, 80, 100");
	assert_msg("800, 1000)");
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, 10, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, NAN, NULL), CAL_ERR_ARG);
	assert_msg("R nan is not in the R series");
	/* an older edition's series is data */
	cal_wm_rules_default(&rules);
	rules.r_series = old_series;
	rules.n_r_series = sizeof(old_series) / sizeof(old_series[0]);
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, 10, &rules), CAL_OK);
	assert_true(m.q1 == 0.25 && m.q2 == 0.4);
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 2.5, 100, &rules), CAL_ERR_ARG);
	assert_msg("(10, 12.5, 16, 20, 25)");
	/* Q3 */
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, 0, 100, NULL), CAL_ERR_ARG);
	assert_msg("Q3 0 must be a number > 0");
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, -2.5, 100, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_2, NAN, 100, NULL), CAL_ERR_ARG);
	assert_msg("Q3 nan must be");
	/* classes A-D are rated by Qn */
	assert_int_equal(cal_wm_meter_r49(&m, CAL_WM_CLASS_B, 2.5, 100, NULL), CAL_ERR_ARG);
	assert_msg("class B is not rated by Q3 and R (classes 1 and 2 are rated by Q3 and R, A-D "
		   "by Qn)");
}

static void test_classes(void **state)
{
	static const struct {
		const char *text;
		enum cal_wm_class cls;
	} ok[] = { { "1", CAL_WM_CLASS_1 }, { "2", CAL_WM_CLASS_2 }, { "a", CAL_WM_CLASS_A },
		   { "B", CAL_WM_CLASS_B }, { "c", CAL_WM_CLASS_C }, { "D", CAL_WM_CLASS_D } };
	enum cal_wm_class c;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(cal_wm_class_parse(&c, ok[i].text), CAL_OK);
		assert_int_equal(c, ok[i].cls);
	}
	assert_int_equal(cal_wm_class_parse(&c, "E"), CAL_ERR_ARG);
	assert_msg("water-meter class 'E' does not exist");
	assert_int_equal(cal_wm_class_parse(&c, "3"), CAL_ERR_ARG);
	assert_string_equal(cal_wm_class_name(CAL_WM_CLASS_A), "A");
	assert_string_equal(cal_wm_class_name(CAL_WM_CLASS_1), "1");
	assert_string_equal(cal_wm_class_name((enum cal_wm_class)9), "?");
}

/* §2.1 table: Qmin/Qn and Qt/Qn of classes A-D. */
static void test_old_classes_flows(void **state)
{
	static const struct {
		enum cal_wm_class cls;
		double qn, qmin, qt;
	} rows[] = {
		{ CAL_WM_CLASS_A, 10, 0.4, 1 },
		{ CAL_WM_CLASS_A, 15, 1.2, 4.5 },
		{ CAL_WM_CLASS_B, 10, 0.2, 0.8 },
		{ CAL_WM_CLASS_B, 15, 0.45, 3 },
		{ CAL_WM_CLASS_C, 10, 0.1, 0.15 },
		{ CAL_WM_CLASS_C, 25, 0.15, 0.375 },
		{ CAL_WM_CLASS_D, 1.5, 0.01125, 0.01725 },
	};
	struct cal_wm_rules rules;
	struct cal_wm_meter m;

	(void)state;
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 1.5, NULL), CAL_OK);
	assert_true(m.q1 == 0.03 && m.q2 == 0.12 && m.q3 == 1.5);
	assert_true(m.q4 == 0); /* Qmax not given by domain.md */
	/* each cell of the table; Qn = 15 takes the second column */
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(cal_wm_meter_qn(&m, rows[i].cls, rows[i].qn, NULL), CAL_OK);
		assert_true(m.q1 == rows[i].qmin && m.q2 == rows[i].qt);
	}
	/* class D from 15 m³/h: domain.md has no value */
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_D, 15, NULL), CAL_ERR_UNSUPPORTED);
	assert_msg("class D with Qn 15 m³/h: domain.md §2.1 gives Qmin and Qt of this class "
		   "only for Qn < 15");
	/* Qmax once the centre gives Qmax/Qn */
	cal_wm_rules_default(&rules);
	rules.qmax_qn = 2;
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 1.5, &rules), CAL_OK);
	assert_true(m.q4 == 3);
	rules.qmax_qn = 0.5;
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 1.5, &rules), CAL_ERR_ARG);
	assert_msg("Qmax/Qn 0.5 must be > 1, or 0");
	/* refusals */
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_2, 1.5, NULL), CAL_ERR_ARG);
	assert_msg("class 2 is not rated by Qn");
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 0, NULL), CAL_ERR_ARG);
	assert_msg("Qn 0 must be a number > 0");
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, NAN, NULL), CAL_ERR_ARG);
}

/* T10, T12 and the boundaries of §2.2. */
static void test_t10_t12_mpe(void **state)
{
	struct cal_wm_meter m = t9_meter(), m1;
	enum cal_wm_zone z;
	double mpe;

	(void)state;
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.04, 20, NULL), CAL_OK); /* T10 */
	assert_true(mpe == 2 && z == CAL_WM_ZONE_UPPER);
	/* Q2 with binary noise: 0.3 - 0.26 is 2e-17 below 0.04 and still Q2 */
	assert_true(0.3 - 0.26 < 0.04);
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.3 - 0.26, 20, NULL), CAL_OK);
	assert_true(mpe == 2 && z == CAL_WM_ZONE_UPPER);
	/* just below Q2, and Q1 itself: lower zone */
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.0399, 20, NULL), CAL_OK);
	assert_true(mpe == 5 && z == CAL_WM_ZONE_LOWER);
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.025, 20, NULL), CAL_OK);
	assert_true(mpe == 5 && z == CAL_WM_ZONE_LOWER);
	/* the lower zone does not change with temperature */
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 0.03, 50, NULL), CAL_OK);
	assert_true(mpe == 5);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 2.5, 40, NULL), CAL_OK); /* T12 */
	assert_true(mpe == 3);
	/* "<= 30 °C" is cold, "> 30 °C" hot */
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 2.5, 30, NULL), CAL_OK);
	assert_true(mpe == 2);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 2.5, 30.1, NULL), CAL_OK);
	assert_true(mpe == 3);
	/* Q4 is in the upper zone; beyond it, and below Q1, there is no MPE */
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 3.125, 20, NULL), CAL_OK);
	assert_true(mpe == 2 && z == CAL_WM_ZONE_UPPER);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 3.13, 20, NULL), CAL_ERR_RANGE);
	assert_msg("flow rate 3.13 is above Q4 3.125");
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 0.0249, 20, NULL), CAL_ERR_RANGE);
	assert_msg("flow rate 0.0249 is below Q1 0.025");
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, NAN, 20, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 2.5, NAN, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 2.5, -5, NULL), CAL_ERR_ARG);
	assert_msg("water at -5 °C is not liquid water");
	/* class 1: 3 % lower, 1 % upper, 2 % upper above 30 °C */
	assert_int_equal(cal_wm_meter_r49(&m1, CAL_WM_CLASS_1, 2.5, 100, NULL), CAL_OK);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 0.03, 20, NULL), CAL_OK);
	assert_true(mpe == 3);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 0.04, 20, NULL), CAL_OK);
	assert_true(mpe == 1);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 2.5, 30, NULL), CAL_OK);
	assert_true(mpe == 1);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 2.5, 45, NULL), CAL_OK);
	assert_true(mpe == 2);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 0.03, 45, NULL), CAL_OK);
	assert_true(mpe == 3);
	/* a meter whose flows do not rise */
	m1.q2 = m1.q1;
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m1, 0.03, 20, NULL), CAL_ERR_ARG);
	assert_msg("must rise");
}

/* Classes A-D: ±5 % / ±2 % for cold water, nothing invented beyond. */
static void test_old_classes_mpe(void **state)
{
	struct cal_wm_rules rules;
	struct cal_wm_meter m;
	enum cal_wm_zone z;
	double mpe;

	(void)state;
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 1.5, NULL), CAL_OK);
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.03, 20, NULL), CAL_OK);
	assert_true(mpe == 5 && z == CAL_WM_ZONE_LOWER);
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 0.12, 20, NULL), CAL_OK);
	assert_true(mpe == 2 && z == CAL_WM_ZONE_UPPER);
	assert_int_equal(cal_wm_mpe(&mpe, &z, &m, 1.5, 30, NULL), CAL_OK);
	assert_true(mpe == 2);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 0.029, 20, NULL), CAL_ERR_RANGE);
	assert_msg("below Qmin 0.03");
	/* above Qn without Qmax */
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 1.6, 20, NULL), CAL_ERR_UNSUPPORTED);
	assert_msg("above Qn 1.5 and Qmax of a class B meter is not given");
	/* hot water */
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 1.5, 35, NULL), CAL_ERR_UNSUPPORTED);
	assert_msg("MPE of classes A-D for cold water (<= 30 °C) only");
	/* with Qmax = 2 Qn */
	cal_wm_rules_default(&rules);
	rules.qmax_qn = 2;
	assert_int_equal(cal_wm_meter_qn(&m, CAL_WM_CLASS_B, 1.5, &rules), CAL_OK);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 3, 20, &rules), CAL_OK);
	assert_true(mpe == 2);
	assert_int_equal(cal_wm_mpe(&mpe, NULL, &m, 3.01, 20, &rules), CAL_ERR_RANGE);
	assert_msg("above Qmax 3");
}

/* §2.3 flow windows, §2.4 values, windows as data. */
static void test_windows(void **state)
{
	struct cal_wm_meter m = t9_meter();
	struct cal_wm_rules rules;
	double lo, hi;
	bool in;

	(void)state;
	assert_int_equal(cal_wm_window(&lo, &hi, NULL, &m, CAL_WM_POINT_Q1, 0, NULL), CAL_OK);
	assert_true(lo == 0.025 && hi == 0.0275);
	assert_int_equal(cal_wm_window(&lo, &hi, NULL, &m, CAL_WM_POINT_Q2, 0, NULL), CAL_OK);
	assert_true(lo == 0.04 && hi == 0.044);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q3, 2.25, NULL), CAL_OK);
	assert_true(lo == 2.25 && hi == 2.5 && in);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q3, 2.2499, NULL), CAL_OK);
	assert_false(in);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q3, 2.5001, NULL), CAL_OK);
	assert_false(in);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q1, 1.1 * 0.025, NULL),
			 CAL_OK);
	assert_true(in);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q2, 0.0441, NULL), CAL_OK);
	assert_false(in);
	/* another procedure's window */
	cal_wm_rules_default(&rules);
	rules.window[CAL_WM_POINT_Q3] = (struct cal_wm_window){ 0.95, 1.05 };
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q3, 2.6, &rules), CAL_OK);
	assert_true(lo == 2.375 && hi == 2.625 && in);
	rules.window[CAL_WM_POINT_Q3] = (struct cal_wm_window){ 1.1, 0.9 };
	assert_int_equal(cal_wm_window(&lo, &hi, NULL, &m, CAL_WM_POINT_Q3, 0, &rules),
			 CAL_ERR_ARG);
	assert_msg("flow window 3 must be 0 < lo <= hi");
	assert_int_equal(cal_wm_window(&lo, &hi, NULL, &m, (enum cal_wm_point)3, 0, NULL),
			 CAL_ERR_ARG);
	assert_int_equal(cal_wm_window(&lo, &hi, &in, &m, CAL_WM_POINT_Q1, NAN, NULL), CAL_ERR_ARG);
}

/* §2.3 rig ratio and V_min, §2.4 values. */
static void test_min_volume_and_rig(void **state)
{
	struct cal_wm_rules rules;
	double v;
	bool ok;

	(void)state;
	/* d 0.05 L: at Q3 2500 L/h, 90 s = 62.5 L > 10 L; at Q1 25 L/h, 10 L */
	assert_int_equal(cal_wm_min_volume(&v, 0.05, 2500, NULL), CAL_OK);
	assert_true(v == 62.5);
	assert_int_equal(cal_wm_min_volume(&v, 0.05, 25, NULL), CAL_OK);
	assert_true(v == 10);
	cal_wm_rules_default(&rules);
	rules.vmin_seconds = 0;
	assert_int_equal(cal_wm_min_volume(&v, 0.05, 2500, &rules), CAL_OK);
	assert_true(v == 10);
	rules.vmin_intervals = 1000;
	assert_int_equal(cal_wm_min_volume(&v, 0.05, 2500, &rules), CAL_OK);
	assert_true(v == 50);
	assert_int_equal(cal_wm_min_volume(&v, 0, 2500, NULL), CAL_ERR_ARG);
	assert_msg("scale interval 0 and flow rate 2500 must be > 0");
	rules.vmin_seconds = -1;
	assert_int_equal(cal_wm_min_volume(&v, 0.05, 2500, &rules), CAL_ERR_ARG);
	/* the rig's U at most 1/3 of the MPE: 0.6 % against 2 % yes, 0.7 % no */
	cal_wm_rules_default(&rules);
	assert_true(rules.rig_ratio == 3);
	assert_int_equal(cal_reference_adequate(&ok, 0.6, 2, rules.rig_ratio), CAL_OK);
	assert_true(ok);
	assert_int_equal(cal_reference_adequate(&ok, 0.7, 2, rules.rig_ratio), CAL_OK);
	assert_false(ok);
}

/* T11 and the table of §2.4. */
static void test_t11_worked_example(void **state)
{
	struct cal_wm_meter m = t9_meter();
	struct cal_wm_eval e;
	double err;

	(void)state;
	assert_int_equal(cal_wm_error_pct(&err, 20.00, 20.50), CAL_OK); /* T11 */
	assert_true(err == 2.5);
	assert_int_equal(cal_wm_evaluate(&e, &m, 0.04, 20, 20.00, 20.50, NULL), CAL_OK);
	assert_true(e.error_pct == 2.5 && e.mpe_pct == 2 && e.zone == CAL_WM_ZONE_UPPER);
	assert_false(e.pass);
	assert_string_equal(e.reason, "error +2.5 % exceeds the MPE ±2 % of the upper zone");
	/* Q3: +1.20 % pass */
	assert_int_equal(cal_wm_evaluate(&e, &m, 2.5, 20, 100.00, 101.20, NULL), CAL_OK);
	assert_near(e.error_pct, 1.2, 1e-12);
	assert_true(e.pass && e.reason[0] == '\0');
	/* Q1: -4.50 % against 5 % pass */
	assert_int_equal(cal_wm_evaluate(&e, &m, 0.025, 20, 10.00, 9.55, NULL), CAL_OK);
	assert_near(e.error_pct, -4.5, 1e-12);
	assert_true(e.mpe_pct == 5 && e.zone == CAL_WM_ZONE_LOWER && e.pass);
	/* Q3 at 40 °C: +2.50 % against 3 % pass */
	assert_int_equal(cal_wm_evaluate(&e, &m, 2.5, 40, 100.00, 102.50, NULL), CAL_OK);
	assert_true(e.mpe_pct == 3 && e.pass);
	/* an error exactly at the MPE passes; just over fails */
	assert_int_equal(cal_wm_evaluate(&e, &m, 2.5, 20, 100.00, 98.00, NULL), CAL_OK);
	assert_true(e.pass);
	assert_int_equal(cal_wm_evaluate(&e, &m, 2.5, 20, 100.00, 97.99, NULL), CAL_OK);
	assert_false(e.pass);
	assert_string_equal(e.reason, "error -2.01 % exceeds the MPE ±2 % of the upper zone");
	/* refusals */
	assert_int_equal(cal_wm_error_pct(&err, 0, 20), CAL_ERR_ARG);
	assert_msg("reference volume 0 must be > 0");
	assert_int_equal(cal_wm_error_pct(&err, 20, -1), CAL_ERR_ARG);
	assert_msg("readings swapped?");
	assert_int_equal(cal_wm_error_pct(&err, 20, NAN), CAL_ERR_ARG);
	assert_int_equal(cal_wm_evaluate(&e, &m, 4, 20, 100, 101, NULL), CAL_ERR_RANGE);
	assert_msg("above Q4");
}

static void test_master_meter(void **state)
{
	double v;

	(void)state;
	/* totalizer in m³, volume in L */
	assert_int_equal(cal_volume_master(&v, 123.4560, 123.5560, 1000, 0), CAL_OK);
	assert_true(v == 100);
	/* pulses, 0.1 L each */
	assert_int_equal(cal_volume_master(&v, 1000, 1250, 0.1, 0), CAL_OK);
	assert_true(v == 25);
	/* the master meter reads 0.2 % high: 100.2 L indicated is 100 L */
	assert_int_equal(cal_volume_master(&v, 0, 100.2, 1, 0.2), CAL_OK);
	assert_true(v == 100);
	assert_int_equal(cal_volume_master(&v, 0, 99.8, 1, -0.2), CAL_OK);
	assert_true(v == 100);
	assert_int_equal(cal_volume_master(&v, 123.5560, 123.4560, 1000, 0), CAL_ERR_ARG);
	assert_msg("totalizer 123.456 after is below 123.556 before (rollover or swapped");
	assert_int_equal(cal_volume_master(&v, 0, 1, 0, 0), CAL_ERR_ARG);
	assert_msg("the scale > 0");
	assert_int_equal(cal_volume_master(&v, 0, NAN, 1, 0), CAL_ERR_ARG);
	assert_int_equal(cal_volume_master(&v, 0, 1, 1, -100), CAL_ERR_ARG);
}

/* Tanaka et al. 2001: values of the formula, to its 4 decimals. */
static void test_water_density(void **state)
{
	static const struct {
		double t, rho;
	} rows[] = { { 0, 999.8428 },
		     { 4, 999.97495 },
		     { 20, 998.2067 },
		     { 25, 997.0470 },
		     { 40, 992.2152 } };
	double rho, r3, r5;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(cal_water_density(&rho, rows[i].t), CAL_OK);
		assert_near(rho, rows[i].rho, 5e-5);
	}
	/* the maximum: at t = -a1 the formula gives a5 */
	assert_int_equal(cal_water_density(&rho, 3.983035), CAL_OK);
	assert_near(rho, 999.974950, 1e-9);
	assert_int_equal(cal_water_density(&r3, 3), CAL_OK);
	assert_int_equal(cal_water_density(&r5, 5), CAL_OK);
	assert_true(r3 < rho && r5 < rho);
	/* outside the formula's range */
	assert_int_equal(cal_water_density(&rho, 40.5), CAL_ERR_RANGE);
	assert_msg("40.5 °C is outside 0..40 °C, the range of the Tanaka formula");
	assert_int_equal(cal_water_density(&rho, -0.5), CAL_ERR_RANGE);
	assert_int_equal(cal_water_density(&rho, NAN), CAL_ERR_ARG);
}

static void test_gravimetric(void **state)
{
	struct cal_gravimetric g;
	double v;

	(void)state;
	/*
	 * By hand: 100 kg at 20 °C, rho_w 998.20675, air 1.2, weights 8000:
	 * 100 x (1 - 1.2/8000) / (998.20675 - 1.2) = 99.985 / 997.00675 m³
	 * = 0.10028518 m³ = 100.28518 L.
	 */
	assert_int_equal(cal_volume_gravimetric(&v, 100, 20, NULL), CAL_OK);
	assert_near(v, 100.28518, 1e-5);
	/* the buoyancy correction matters: without air 100/998.20675 m³ = 100.17965 L */
	cal_gravimetric_default(&g);
	assert_true(g.rho_air == 1.2 && g.rho_weights == 8000 && g.rho_water == 0);
	g.rho_air = 0;
	assert_int_equal(cal_volume_gravimetric(&v, 100, 20, &g), CAL_OK);
	assert_near(v, 100.17965, 1e-5);
	/* a measured density: 99.985 / (998.0 - 1.2) m³ = 100.30598 L, also at 45 °C */
	cal_gravimetric_default(&g);
	g.rho_water = 998.0;
	assert_int_equal(cal_volume_gravimetric(&v, 100, 45, &g), CAL_OK);
	assert_near(v, 100.30598, 1e-5);
	/* with the formula, 45 °C is refused */
	assert_int_equal(cal_volume_gravimetric(&v, 100, 45, NULL), CAL_ERR_RANGE);
	assert_msg("outside 0..40 °C");
	assert_int_equal(cal_volume_gravimetric(&v, 0, 20, NULL), CAL_ERR_ARG);
	assert_msg("mass 0 kg must be > 0");
	cal_gravimetric_default(&g);
	g.rho_weights = 1;
	assert_int_equal(cal_volume_gravimetric(&v, 100, 20, &g), CAL_ERR_ARG);
	assert_msg("air must be >= 0 and below the others");
}

/*
 * Three runs against a master meter, 100 L each: 100.1, 100.5, 100.3 L.
 * By hand: E = 0.1, 0.5, 0.3 % -> 0.3 %; s = 0.2 %, u_rep = 0.2/sqrt(3) =
 * 0.115470 %, nu 2; u_ref = 0.1/2 = 0.05 % with c = mean(Vi/Va) = 1.003;
 * u_res = 100 sqrt(2) 0.01/sqrt(12)/100 = 0.0040825 %;
 * u_c = sqrt(0.115470² + (1.003 x 0.05)² + 0.0040825²) = 0.125956 %;
 * nu_eff = 0.125956⁴ / (0.115470⁴ / 2) = 2.83 -> 2, k = 4.53; U = 0.5706 %.
 */
static void test_flow_point_budget(void **state)
{
	const double vi[3] = { 100.1, 100.5, 100.3 }, va[3] = { 100, 100, 100 };
	const double va_bad[3] = { 100, 0, 100 };
	struct cal_flow_point_in in = {
		.vi = vi, .va = va, .n = 3, .ref_U_pct = 0.1, .ref_k = 2, .d = 0.01, .readings = 2
	};
	struct cal_flow_point p;
	char text[16];

	(void)state;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_OK);
	assert_near(p.error_pct, 0.3, 1e-12);
	assert_near(p.va_mean, 100, 1e-12);
	assert_near(p.u_rep, 0.115470, 5e-7);
	assert_true(p.nu_rep == 2);
	assert_near(p.u_ref, 0.05, 1e-12);
	assert_near(p.c_ref, 1.003, 1e-12);
	assert_near(p.u_res, 0.0040825, 5e-8);
	assert_near(p.gum.u_c, 0.125956, 5e-7);
	assert_near(p.gum.nu_eff, 2.83, 0.005);
	assert_true(p.gum.k == 4.53);
	assert_near(p.gum.U, 0.5706, 5e-5);
	assert_int_equal(cal_round_sig(text, sizeof(text), NULL, NULL, p.gum.U, 2), CAL_OK);
	assert_string_equal(text, "0.57");
	/* a meter zeroed at the start: one reading, 0.01/sqrt(12) = 0.0028868 % */
	in.readings = 1;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_OK);
	assert_near(p.u_res, 0.0028868, 5e-8);
	/* refusals */
	in.readings = 0;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_ERR_ARG);
	assert_msg("readings per indication 0 must be 1");
	in.readings = 2;
	in.n = 1;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_ERR_ARG);
	assert_msg("repeatability needs at least 2 runs, 1 given");
	in.n = 3;
	in.ref_k = 0;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_ERR_ARG);
	in.ref_k = 2;
	in.va = va_bad;
	assert_int_equal(cal_flow_point_budget(&p, &in), CAL_ERR_ARG);
	assert_msg("flow point, run 2: meter error: reference volume 0 must be > 0");
}

/* T22, T23 and the rest of domain.md §4. */
static void test_t22_t23_fuel(void **state)
{
	double mpe, emin;

	(void)state;
	assert_int_equal(cal_r117_mpe(&mpe, &emin, 0.5, CAL_R117_LINE_A, 2, 2), CAL_OK); /* T22 */
	assert_true(mpe == 0.02 && emin == 0.02);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_A, 2, 20), CAL_OK); /* T23 */
	assert_true(mpe == 0.1);
	/* 5 L: 0.025 L beats Emin 0.020 L */
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_A, 2, 5), CAL_OK);
	assert_true(mpe == 0.025);
	/* line B (meter alone, 0.3 %), Emin still from line A */
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_B, 2, 20), CAL_OK);
	assert_true(mpe == 0.06);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_B, 2, 2), CAL_OK);
	assert_true(mpe == 0.02);
	/* MMQ 5 L: Emin 2 x 5 x 0.5/100 = 0.05 L up to 10 L */
	assert_int_equal(cal_r117_mpe(&mpe, &emin, 0.5, CAL_R117_LINE_A, 5, 10), CAL_OK);
	assert_true(mpe == 0.05 && emin == 0.05);
	/* other classes: 1.0 % at 50 L; 2.5 % at 10 L */
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 1.0, CAL_R117_LINE_A, 2, 50), CAL_OK);
	assert_true(mpe == 0.5);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 2.5, CAL_R117_LINE_B, 2, 10), CAL_OK);
	assert_true(mpe == 0.15);
	/* below the MMQ there is no legal delivery */
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_A, 2, 1.9), CAL_ERR_RANGE);
	assert_msg("volume 1.9 L is below the minimum measured quantity 2 L");
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.4, CAL_R117_LINE_A, 2, 20), CAL_ERR_ARG);
	assert_msg("accuracy class 0.4 does not exist in OIML R 117 / MID MI-005 (0.3, 0.5");
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, (enum cal_r117_line)3, 2, 20), CAL_ERR_ARG);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_A, 2, NAN), CAL_ERR_ARG);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 0.5, CAL_R117_LINE_A, 0, 20), CAL_ERR_ARG);
	assert_msg("MMQ 0 L must be > 0");
}

/*
 * Volumes under 2 L (§4), class 1.0 (A = 1 %). Emin for MMQ < 2 L is twice
 * the line A value at the MMQ, so each rule shows in Emin:
 * 0.05 L: 2 x 4 x 1 % x 0.1 L = 0.008; 0.15 L: 2 x 4 x 1 % x 0.15 = 0.012;
 * 0.3 L: 2 x 2 x 1 % x 0.4 = 0.016; 0.5 L: 2 x 2 x 1 % x 0.5 = 0.02;
 * 1.5 L: 2 x 1 % x 2 L = 0.04; and from 2 L, 2 x 2 x 1 % = 0.04 again.
 */
static void test_fuel_small_volumes(void **state)
{
	static const struct {
		double mmq, emin;
	} rows[] = { { 0.05, 0.008 }, { 0.15, 0.012 }, { 0.3, 0.016 },
		     { 0.5, 0.02 },   { 1.5, 0.04 },   { 2, 0.04 } };
	double emin, mpe;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(cal_r117_emin(&emin, 1.0, rows[i].mmq), CAL_OK);
		assert_near(emin, rows[i].emin, 1e-15);
	}
	/* MMQ 0.05 L (Emin 0.008 L): the table rules above it */
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 1.0, CAL_R117_LINE_A, 0.05, 0.3), CAL_OK);
	assert_near(mpe, 0.008, 1e-15);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 1.0, CAL_R117_LINE_A, 0.05, 0.6), CAL_OK);
	assert_near(mpe, 0.012, 1e-15);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 1.0, CAL_R117_LINE_A, 0.05, 1.2), CAL_OK);
	assert_near(mpe, 0.02, 1e-15);
	assert_int_equal(cal_r117_mpe(&mpe, NULL, 1.0, CAL_R117_LINE_A, 0.05, 3), CAL_OK);
	assert_near(mpe, 0.03, 1e-15);
	/* the smallest scale interval against Emin >= 2 x interval */
	assert_int_equal(cal_r117_check_interval(0.5, 2, 0.01), CAL_OK);
	assert_int_equal(cal_r117_check_interval(0.5, 2, 0.02), CAL_ERR_ARG);
	assert_msg("scale interval 0.02 L is too coarse for MMQ 2 L: Emin 0.02 L must be >= 2 x");
	assert_int_equal(cal_r117_check_interval(0.5, 1, 0.001), CAL_ERR_UNSUPPORTED);
	assert_msg("only for MMQ >= 2 L");
	assert_int_equal(cal_r117_check_interval(0.5, 2, 0), CAL_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t9_flows),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_old_classes_flows),
		cmocka_unit_test(test_t10_t12_mpe),
		cmocka_unit_test(test_old_classes_mpe),
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_min_volume_and_rig),
		cmocka_unit_test(test_t11_worked_example),
		cmocka_unit_test(test_master_meter),
		cmocka_unit_test(test_water_density),
		cmocka_unit_test(test_gravimetric),
		cmocka_unit_test(test_flow_point_budget),
		cmocka_unit_test(test_t22_t23_fuel),
		cmocka_unit_test(test_fuel_small_volumes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Pressure metrology (metrology/pressure.c) and the GUM pressure examples,
 * from domain.md §3 and §10: T13-T15 (EN 837-1), T17 (§3.5, Type A with
 * three readings), T18 (§3.4, Bourdon gauge, Type B only).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/metrology.h"

static void test_t13_t14_mpe(void **state)
{
	double mpe, cls;

	(void)state;
	assert_int_equal(cal_en837_mpe(&mpe, 1.6, 0, 10), CAL_OK); /* T13 */
	assert_true(mpe == 0.16);
	assert_int_equal(cal_en837_mpe(&mpe, 1.0, -1, 5), CAL_OK); /* T14 */
	assert_true(mpe == 0.06);
	assert_int_equal(cal_en837_mpe(&mpe, 0.25, 0, 600), CAL_OK);
	assert_true(mpe == 1.5);
	/* classes outside Table 11 */
	assert_int_equal(cal_en837_mpe(&mpe, 1.5, 0, 10), CAL_ERR_ARG);
	assert_int_equal(cal_en837_mpe(&mpe, 1.6, 10, 10), CAL_ERR_ARG);
	assert_int_equal(cal_en837_class_parse(&cls, "1.6"), CAL_OK);
	assert_true(cls == 1.6);
	assert_int_equal(cal_en837_class_parse(&cls, "1.0"), CAL_OK);
	assert_true(cls == 1.0);
	assert_int_equal(cal_en837_class_parse(&cls, "3"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "gauge class '3' does not exist"));
	assert_int_equal(cal_en837_class_parse(&cls, "1,6"), CAL_ERR_ARG);
}

static void test_t15_points(void **state)
{
	double pts[10];
	int n;

	(void)state;
	assert_int_equal(cal_en837_min_points(&n, 0.6), CAL_OK); /* T15 */
	assert_int_equal(n, 10);
	assert_int_equal(cal_en837_min_points(&n, 1.6), CAL_OK);
	assert_int_equal(n, 5);
	assert_int_equal(cal_en837_min_points(&n, 0.1), CAL_OK);
	assert_int_equal(n, 10);
	assert_int_equal(cal_en837_min_points(&n, 4), CAL_OK);
	assert_int_equal(n, 5);
	assert_int_equal(cal_en837_points(pts, 5, 0, 10), CAL_OK);
	assert_true(pts[0] == 0 && pts[1] == 2.5 && pts[2] == 5 && pts[3] == 7.5 && pts[4] == 10);
	/* compound gauge -1..+5 bar in 10 points: steps of 2/3 bar, zero exact */
	assert_int_equal(cal_en837_points(pts, 10, -1, 5), CAL_OK);
	assert_true(pts[0] == -1 && pts[9] == 5);
	assert_true(fabs(pts[1] - (-1.0 / 3.0)) < 1e-11);
	assert_true(pts[3] == 1);
	assert_int_equal(cal_en837_points(pts, 1, 0, 10), CAL_ERR_ARG);
}

static void test_dkd_sequences(void **state)
{
	struct cal_dkd_sequence s;

	(void)state;
	assert_int_equal(cal_dkd_sequence_for(&s, 0.05), CAL_OK);
	assert_int_equal(s.name, 'A');
	assert_int_equal(s.points, 9);
	assert_int_equal(s.preloads, 3);
	assert_int_equal(s.series, 4);
	assert_int_equal(cal_dkd_sequence_for(&s, 0.1), CAL_OK);
	assert_int_equal(s.name, 'B');
	assert_int_equal(s.series, 3);
	assert_int_equal(cal_dkd_sequence_for(&s, 0.6), CAL_OK);
	assert_int_equal(s.name, 'B');
	assert_int_equal(cal_dkd_sequence_for(&s, 1.0), CAL_OK);
	assert_int_equal(s.name, 'C');
	assert_int_equal(s.points, 5);
	assert_int_equal(s.series, 2);
	assert_int_equal(cal_dkd_sequence_for(&s, 0), CAL_ERR_ARG);
}

static void test_digital_and_transmitter(void **state)
{
	double v;
	bool ok;

	(void)state;
	/* 0.05 % of reading + 0.02 % of span + 1 digit of 0.001 bar at 8 bar, span 10 bar */
	assert_int_equal(cal_digital_mpe(&v, 0.0005, 0.0002, 1, 8, 10, 0.001), CAL_OK);
	assert_true(fabs(v - 0.007) < 1e-12);
	/* only the span term */
	assert_int_equal(cal_digital_mpe(&v, 0, 0.001, 0, -0.5, 10, 0.001), CAL_OK);
	assert_true(v == 0.01);
	assert_int_equal(cal_digital_mpe(&v, 0, 0, 0, 1, 10, 0.001), CAL_ERR_ARG);
	assert_int_equal(cal_digital_mpe(&v, -0.1, 0, 1, 1, 10, 0.001), CAL_ERR_ARG);
	/* 4-20 mA over 0..10 bar: 6 bar -> 13.6 mA; 13.68 mA is +0.5 % of span */
	assert_int_equal(cal_transmitter_expected_ma(&v, 6, 0, 10), CAL_OK);
	assert_true(v == 13.6);
	assert_int_equal(cal_transmitter_error_pct(&v, 13.68, 6, 0, 10), CAL_OK);
	assert_true(fabs(v - 0.5) < 1e-9);
	assert_int_equal(cal_transmitter_expected_ma(&v, 6, 10, 0), CAL_ERR_ARG);
	/* reference within 1/4 of the gauge MPE: 0.04 vs 0.16 yes, 0.041 no */
	assert_int_equal(cal_reference_adequate(&ok, 0.04, 0.16, 4), CAL_OK);
	assert_true(ok);
	assert_int_equal(cal_reference_adequate(&ok, 0.041, 0.16, 4), CAL_OK);
	assert_false(ok);
}

/* T18: domain.md §3.4, gauge 0-10 bar class 1.6, point 6 bar, up 6.05, down 6.10. */
static void test_t18_bourdon_type_b(void **state)
{
	double up = 6.05, down = 6.10, ref = 6.0, mpe, h;
	struct cal_gum_component c[3];
	struct cal_gum_result r;
	enum cal_verdict v;
	char text[16];

	(void)state;
	assert_int_equal(cal_en837_mpe(&mpe, 1.6, 0, 10), CAL_OK);
	assert_true(fabs(up - ref) <= mpe && fabs(down - ref) <= mpe);
	h = fabs(down - up);
	assert_true(fabs(h - 0.05) < 1e-12 && h <= mpe);
	c[0] = (struct cal_gum_component){ "reference", cal_gum_from_expanded(0.005, 2), 1,
					   INFINITY };
	c[1] = (struct cal_gum_component){ "resolution", cal_gum_resolution(0.05), 1, INFINITY };
	c[2] = (struct cal_gum_component){ "hysteresis", cal_gum_resolution(h), 1, INFINITY };
	assert_int_equal(cal_gum_combine(&r, c, 3), CAL_OK);
	assert_true(fabs(c[1].u - 0.014434) < 5e-7);
	assert_true(fabs(r.u_c - 0.020565) < 5e-7);
	assert_true(isinf(r.nu_eff));
	assert_true(r.k == 2.0);
	assert_int_equal(cal_round_sig(text, sizeof(text), NULL, NULL, r.U, 2), CAL_OK);
	assert_string_equal(text, "0.041");
	/* guard band w = U on the mean error +0.075 bar: 0.116 <= 0.16 -> pass */
	assert_int_equal(cal_decide(&v, CAL_RULE_GUARD_BAND, (up + down) / 2 - ref, r.U, mpe, r.U),
			 CAL_OK);
	assert_int_equal(v, CAL_VERDICT_PASS);
}

/* T17: domain.md §3.5, digital gauge, 10.000 bar reference, three readings. */
static void test_t17_digital_type_a(void **state)
{
	const double x[3] = { 10.004, 10.006, 10.003 };
	struct cal_gum_component c[3];
	struct cal_gum_result r;
	double u_a, nu, E;
	char text[16];

	(void)state;
	E = cal_gum_mean(x, 3) - 10.0;
	assert_true(fabs(E - 0.004333) < 5e-7);
	assert_int_equal(cal_gum_type_a(&u_a, &nu, x, 3), CAL_OK);
	assert_true(fabs(u_a - 0.00088192) < 5e-9);
	assert_true(nu == 2);
	c[0] = (struct cal_gum_component){ "repeatability", u_a, 1, nu };
	c[1] = (struct cal_gum_component){ "resolution", cal_gum_resolution(0.001), 1, INFINITY };
	c[2] = (struct cal_gum_component){ "reference", cal_gum_from_expanded(0.002, 2), 1,
					   INFINITY };
	assert_int_equal(cal_gum_combine(&r, c, 3), CAL_OK);
	assert_true(fabs(r.u_c - 0.0013642) < 5e-8);
	assert_true(fabs(r.nu_eff - 11.45) < 0.005);
	assert_true(r.k == 2.25);
	assert_int_equal(cal_round_sig(text, sizeof(text), NULL, NULL, r.U, 2), CAL_OK);
	assert_string_equal(text, "0.0031");
}

/* T18 and T17 through the budget function the run path uses. */
static void test_budget_t17_t18(void **state)
{
	const double t18[2] = { 6.05, 6.10 }, t17[3] = { 10.004, 10.006, 10.003 };
	struct cal_pressure_budget b;
	struct cal_pressure_budget_in in = { 0 };
	char text[16];
	unsigned terms;

	(void)state;
	assert_int_equal(
		cal_pressure_budget_terms_parse(&terms, "reference, resolution,hysteresis"),
		CAL_OK);
	in = (struct cal_pressure_budget_in){ .p_ref = 6.0,
					      .ref_U = 0.005,
					      .ref_k = 2,
					      .resolution = 0.05,
					      .hysteresis = 0.05,
					      .readings = t18,
					      .n = 2,
					      .terms = terms };
	assert_int_equal(cal_pressure_budget(&b, &in), CAL_OK);
	assert_true(fabs(b.mean - 6.075) < 1e-12);
	assert_true(fabs(b.error - 0.075) < 1e-12);
	assert_true(fabs(b.u_ref - 0.0025) < 1e-12);
	assert_true(fabs(b.gum.u_c - 0.020565) < 5e-7);
	assert_true(b.gum.k == 2.0);
	assert_int_equal(cal_round_sig(text, sizeof(text), NULL, NULL, b.gum.U, 2), CAL_OK);
	assert_string_equal(text, "0.041");

	assert_int_equal(
		cal_pressure_budget_terms_parse(&terms, "reference,resolution,repeatability"),
		CAL_OK);
	in = (struct cal_pressure_budget_in){ .p_ref = 10.0,
					      .ref_U = 0.002,
					      .ref_k = 2,
					      .resolution = 0.001,
					      .readings = t17,
					      .n = 3,
					      .terms = terms };
	assert_int_equal(cal_pressure_budget(&b, &in), CAL_OK);
	assert_true(fabs(b.error - 0.004333) < 5e-7);
	assert_true(fabs(b.u_rep - 0.00088192) < 5e-9);
	assert_true(b.nu_rep == 2);
	assert_true(fabs(b.gum.u_c - 0.0013642) < 5e-8);
	assert_true(fabs(b.gum.nu_eff - 11.45) < 0.005);
	assert_true(b.gum.k == 2.25);
	assert_int_equal(cal_round_sig(text, sizeof(text), NULL, NULL, b.gum.U, 2), CAL_OK);
	assert_string_equal(text, "0.0031");
	/* the wrong path (k = 2 whatever nu_eff) would give 0.0027 */
	assert_true(fabs(2 * b.gum.u_c - 0.0027284) < 5e-7);

	/* refusals */
	in.n = 1;
	assert_int_equal(cal_pressure_budget(&b, &in), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "at least 2 readings"));
	assert_int_equal(cal_pressure_budget_terms_parse(&terms, "reference,drift"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "'drift' unknown"));
	assert_int_equal(cal_pressure_budget_terms_parse(&terms, " , "), CAL_ERR_ARG);
}

static void test_en837_evaluate(void **state)
{
	struct cal_gauge_point p = {
		.ref_up = 6, .ind_up = 6.05, .has_down = true, .ref_down = 6, .ind_down = 6.10
	};
	struct cal_gauge_eval e;

	(void)state;
	/* T18's point: +0.05 / +0.10, h 0.05, all within 0.16 */
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_true(e.pass);
	assert_true(fabs(e.error_up - 0.05) < 1e-12 && fabs(e.error_down - 0.10) < 1e-12);
	assert_true(fabs(e.hysteresis - 0.05) < 1e-12);
	assert_true(fabs(e.mean_error - 0.075) < 1e-12);
	assert_string_equal(e.reason, "");
	/* an error exactly at the MPE passes */
	p.ind_down = 6.16;
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_true(e.pass);
	/* going down beyond it fails and says so */
	p.ind_down = 6.17;
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_false(e.pass);
	assert_non_null(strstr(e.reason, "error going down 0.17 exceeds the MPE 0.16"));
	/* both errors inside, but up and down 0.2 apart: hysteresis fails */
	p.ind_up = 5.90;
	p.ind_down = 6.10;
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_false(e.pass);
	assert_non_null(strstr(e.reason, "hysteresis 0.2 exceeds"));
	/* the reference not exactly the same up and down: errors, not readings */
	p = (struct cal_gauge_point){ .ref_up = 5.998,
				      .ind_up = 6.05,
				      .has_down = true,
				      .ref_down = 6.003,
				      .ind_down = 6.05 };
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_true(fabs(e.hysteresis - 0.005) < 1e-12);
	p.has_down = false;
	assert_int_equal(cal_en837_evaluate(&e, &p, 0.16), CAL_OK);
	assert_true(e.hysteresis == 0 && e.mean_error == e.error_up);
	assert_int_equal(cal_en837_evaluate(&e, &p, 0), CAL_ERR_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_t13_t14_mpe),
		cmocka_unit_test(test_t15_points),
		cmocka_unit_test(test_dkd_sequences),
		cmocka_unit_test(test_digital_and_transmitter),
		cmocka_unit_test(test_t18_bourdon_type_b),
		cmocka_unit_test(test_t17_digital_type_a),
		cmocka_unit_test(test_budget_t17_t18),
		cmocka_unit_test(test_en837_evaluate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

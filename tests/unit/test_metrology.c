/*
 * Unit tests for metrology/: R 76 MPE and classification, R 111 weight MPE,
 * the 1/3 rule, GUM budgets, rounding of U and ILAC-G8 decision rules.
 * Vectors T1-T8, T16, T19-T21, T25 are those of domain.md §10; table rows
 * are those of domain.md §1.2, §1.5, §1.6 and §7.2.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* |actual - expected| <= rel * |expected| (or <= rel when expected is 0). */
#define assert_close(actual, expected, rel)                                                        \
	assert_close_at((actual), (expected), (rel), #actual, __FILE__, __LINE__)

static void assert_close_at(double actual, double expected, double rel, const char *what,
			    const char *file, int line)
{
	double tol = rel * (expected != 0 ? fabs(expected) : 1.0);

	if (!(fabs(actual - expected) <= tol)) {
		print_error("%s = %.17g, expected %.17g (rel %g)\n", what, actual, expected, rel);
		_fail(file, line);
	}
}

/*
 * actual, rounded to the decimals of the quoted text, is the quoted value:
 * |actual - quoted| <= half a unit in its last digit. domain.md quotes
 * computed values to 4-6 significant digits, so a fixed relative tolerance
 * would be either too tight or too loose.
 */
#define assert_quoted(actual, quoted)                                                              \
	assert_quoted_at((actual), (quoted), #actual, __FILE__, __LINE__)

static void assert_quoted_at(double actual, const char *quoted, const char *what, const char *file,
			     int line)
{
	double q;
	int dec;

	if (cal_num_parse_str(&q, &dec, quoted) != CAL_OK) {
		print_error("bad quoted value '%s'\n", quoted);
		_fail(file, line);
	}
	if (!(fabs(actual - q) <= 0.5 * pow(10, -dec) * (1 + 1e-9))) {
		print_error("%s = %.17g, expected %s\n", what, actual, quoted);
		_fail(file, line);
	}
}

/* The call failed with CAL_ERR_ARG and left a non-empty message. */
#define assert_arg_error(call)                                                                     \
	do {                                                                                       \
		cal_error_clear();                                                                 \
		assert_int_equal((call), CAL_ERR_ARG);                                             \
		assert_true(cal_error_last()[0] != '\0');                                          \
	} while (0)

#define REL 1e-9 /* table values: exact up to float noise */

/* ---- R 76 classes ------------------------------------------------------- */

static void test_r76_class_parse_and_name(void **state)
{
	static const struct {
		const char *s;
		enum cal_r76_class c;
	} ok[] = {
		{ "I", CAL_R76_I },	  { "II", CAL_R76_II },	    { "III", CAL_R76_III },
		{ "IIII", CAL_R76_IIII }, { "i", CAL_R76_I },	    { "ii", CAL_R76_II },
		{ "iIi", CAL_R76_III },	  { "iiii", CAL_R76_IIII }, { "1", CAL_R76_I },
		{ "2", CAL_R76_II },	  { "3", CAL_R76_III },	    { "4", CAL_R76_IIII },
	};
	static const char *bad[] = { "", "IV", "V", "IIIII", "III ", " I", "0", "5", "11", "I I" };
	enum cal_r76_class c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(ok); i++) {
		c = 0;
		assert_int_equal(cal_r76_class_parse(&c, ok[i].s), CAL_OK);
		assert_int_equal(c, ok[i].c);
	}
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_arg_error(cal_r76_class_parse(&c, bad[i]));
	assert_arg_error(cal_r76_class_parse(&c, NULL));
	assert_non_null(strstr(cal_error_last(), "class"));
	cal_r76_class_parse(&c, "IV");
	assert_non_null(strstr(cal_error_last(), "IV"));

	assert_string_equal(cal_r76_class_name(CAL_R76_I), "I");
	assert_string_equal(cal_r76_class_name(CAL_R76_II), "II");
	assert_string_equal(cal_r76_class_name(CAL_R76_III), "III");
	assert_string_equal(cal_r76_class_name(CAL_R76_IIII), "IIII");
	assert_string_equal(cal_r76_class_name((enum cal_r76_class)0), "?");
	assert_string_equal(cal_r76_class_name((enum cal_r76_class)5), "?");
	/* Round trip. */
	for (int i = CAL_R76_I; i <= CAL_R76_IIII; i++) {
		assert_int_equal(cal_r76_class_parse(&c, cal_r76_class_name((enum cal_r76_class)i)),
				 CAL_OK);
		assert_int_equal(c, i);
	}
}

/* ---- R 76 MPE: domain.md §10 vectors ------------------------------------- */

static double r76_mpe(enum cal_r76_class cls, double e, double load)
{
	double mpe = -1;

	assert_int_equal(cal_r76_mpe(&mpe, cls, e, load), CAL_OK);
	return mpe;
}

static void test_t1_mpe_iii_2500g(void **state)
{
	(void)state;
	assert_close(r76_mpe(CAL_R76_III, 5, 2500), 2.5, REL);
}

static void test_t2_mpe_iii_2505g(void **state)
{
	(void)state;
	assert_close(r76_mpe(CAL_R76_III, 5, 2505), 5.0, REL);
}

static void test_t3_mpe_iii_30kg_in_service(void **state)
{
	double mpe = -1;

	(void)state;
	assert_int_equal(cal_r76_mpe_in_service(&mpe, CAL_R76_III, 5, 30000), CAL_OK);
	assert_close(mpe, 15.0, REL);
	/* The same load and e in kg: 0.015 kg. */
	assert_int_equal(cal_r76_mpe_in_service(&mpe, CAL_R76_III, 0.005, 30), CAL_OK);
	assert_close(mpe, 0.015, REL);
}

static void test_t4_mpe_i_220g(void **state)
{
	(void)state;
	/* e = 1 mg, L = 220 g, in mg. */
	assert_close(r76_mpe(CAL_R76_I, 1, 220000), 1.5, REL);
	/* The same in g. */
	assert_close(r76_mpe(CAL_R76_I, 0.001, 220), 0.0015, REL);
}

static void test_t5_mpe_iiii_10kg(void **state)
{
	(void)state;
	assert_close(r76_mpe(CAL_R76_IIII, 50, 10000), 50.0, REL);
}

/* Every row of the §1.2 unit-test table; in-service = 2 x initial. */
static void test_r76_mpe_table_1_2(void **state)
{
	static const struct {
		enum cal_r76_class cls;
		double e, load, mpe;
	} rows[] = {
		{ CAL_R76_III, 5, 2500, 2.5 },	  { CAL_R76_III, 5, 2505, 5 },
		{ CAL_R76_III, 5, 2502, 5 },	  { CAL_R76_III, 5, 10000, 5 },
		{ CAL_R76_III, 5, 30000, 7.5 },	  { CAL_R76_II, 0.1, 500.0, 0.05 },
		{ CAL_R76_II, 0.1, 500.1, 0.1 },  { CAL_R76_I, 0.001, 50, 0.0005 },
		{ CAL_R76_I, 0.001, 200, 0.001 }, { CAL_R76_I, 0.001, 220, 0.0015 },
		{ CAL_R76_IIII, 50, 2500, 25 },	  { CAL_R76_IIII, 50, 10000, 50 },
		{ CAL_R76_IIII, 50, 15000, 75 },
	};
	double ins = -1;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		assert_close(r76_mpe(rows[i].cls, rows[i].e, rows[i].load), rows[i].mpe, REL);
		assert_int_equal(cal_r76_mpe_in_service(&ins, rows[i].cls, rows[i].e, rows[i].load),
				 CAL_OK);
		assert_close(ins, 2 * rows[i].mpe, REL);
	}
	/* The 30 kg row in service: ±15 g. */
	assert_int_equal(cal_r76_mpe_in_service(&ins, CAL_R76_III, 5, 30000), CAL_OK);
	assert_close(ins, 15, REL);
	/* The DHLX spring-scale set, in kg: 0.5/2.5/7.5/10/15 kg. */
	assert_close(r76_mpe(CAL_R76_IIII, 0.05, 0.5), 0.025, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 0.05, 2.5), 0.025, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 0.05, 7.5), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 0.05, 10), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 0.05, 15), 0.075, REL);
}

static void test_r76_mpe_band_boundaries(void **state)
{
	(void)state;
	/* Class II, e = 0.1 g: 500.0 g is m = 5000 (inclusive), 500.1 g is 5001. */
	assert_close(r76_mpe(CAL_R76_II, 0.1, 500.0), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_II, 0.1, 500.1), 0.1, REL);
	assert_close(r76_mpe(CAL_R76_II, 0.1, 2000.0), 0.1, REL);
	assert_close(r76_mpe(CAL_R76_II, 0.1, 2000.1), 0.15, REL);
	/* Float noise: 0.05 kg / 1e-6 kg = 50000.00000000001 must stay in ±0.5 e. */
	assert_true(0.05 / 1e-6 > 50000.0);
	assert_close(r76_mpe(CAL_R76_I, 1e-6, 0.05), 0.5e-6, REL);
	/* 0.1 kg + 0.1 kg of weights: m = 200000.00000000003 stays in ±1 e. */
	assert_true((0.1 + 0.1) / 1e-6 > 200000.0);
	assert_close(r76_mpe(CAL_R76_I, 1e-6, 0.1 + 0.1), 1e-6, REL);
	/* ...but a real step of 1 e beyond the limit changes band. */
	assert_close(r76_mpe(CAL_R76_I, 1e-6, 0.200001), 1.5e-6, REL);
	assert_close(r76_mpe(CAL_R76_I, 1e-6, 0.050001), 1e-6, REL);
	/* The tolerance is relative 1e-9, not more: 1e-7 above 500 e changes band. */
	assert_close(r76_mpe(CAL_R76_III, 5, 2500 * (1 + 1e-7)), 5, REL);
	/* III, e = 0.1 kg: 0.3 kg = 2.9999999999999996 e, 0.1 + 0.2 = 3.0000000000000004 e. */
	assert_close(r76_mpe(CAL_R76_III, 0.1, 0.3), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_III, 0.1, 0.1 + 0.2), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_III, 0.1, 50.0), 0.05, REL);
	assert_close(r76_mpe(CAL_R76_III, 0.1, 50.1), 0.1, REL);
	/* IIII: 50 e and 200 e inclusive. */
	assert_close(r76_mpe(CAL_R76_IIII, 5, 250), 2.5, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 5, 255), 5, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 5, 1000), 5, REL);
	assert_close(r76_mpe(CAL_R76_IIII, 5, 1005), 7.5, REL);
	/* Zero, negative loads (|load|), beyond n_max (stays ±1.5 e). */
	assert_close(r76_mpe(CAL_R76_III, 5, 0), 2.5, REL);
	assert_close(r76_mpe(CAL_R76_III, 5, -2505), 5, REL);
	assert_close(r76_mpe(CAL_R76_III, 5, -2500), 2.5, REL);
	assert_close(r76_mpe(CAL_R76_III, 5, 60000), 7.5, REL);
	assert_close(r76_mpe(CAL_R76_I, 0.001, 1e6), 0.0015, REL);
}

static void test_r76_mpe_bad_args(void **state)
{
	double mpe;

	(void)state;
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, NAN, 100));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, INFINITY, 100));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, 0, 100));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, -5, 100));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, 5, NAN));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, 5, INFINITY));
	assert_arg_error(cal_r76_mpe(&mpe, CAL_R76_III, 5, -INFINITY));
	assert_arg_error(cal_r76_mpe(&mpe, (enum cal_r76_class)0, 5, 100));
	assert_arg_error(cal_r76_mpe(&mpe, (enum cal_r76_class)5, 5, 100));
	assert_arg_error(cal_r76_mpe(NULL, CAL_R76_III, 5, 100));
	assert_arg_error(cal_r76_mpe_in_service(&mpe, CAL_R76_III, -5, 100));
	assert_arg_error(cal_r76_mpe_in_service(&mpe, (enum cal_r76_class)9, 5, 100));
	assert_arg_error(cal_r76_mpe_in_service(NULL, CAL_R76_III, 5, 100));
}

static void test_r76_change_points(void **state)
{
	static const struct {
		enum cal_r76_class cls;
		double a, b;
	} exp[] = {
		{ CAL_R76_I, 50000, 200000 },
		{ CAL_R76_II, 5000, 20000 },
		{ CAL_R76_III, 500, 2000 },
		{ CAL_R76_IIII, 50, 200 },
	};
	double cp[2];
	size_t n;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(exp); i++) {
		const double e = 2;

		n = 99;
		assert_int_equal(cal_r76_mpe_change_points(cp, &n, exp[i].cls), CAL_OK);
		assert_int_equal(n, 2);
		assert_close(cp[0], exp[i].a, REL);
		assert_close(cp[1], exp[i].b, REL);
		/* Consistent with cal_r76_mpe(): the band changes just after each point. */
		assert_close(r76_mpe(exp[i].cls, e, cp[0] * e), 0.5 * e, REL);
		assert_close(r76_mpe(exp[i].cls, e, cp[0] * e * (1 + 1e-6)), 1.0 * e, REL);
		assert_close(r76_mpe(exp[i].cls, e, cp[1] * e), 1.0 * e, REL);
		assert_close(r76_mpe(exp[i].cls, e, cp[1] * e * (1 + 1e-6)), 1.5 * e, REL);
	}
	assert_arg_error(cal_r76_mpe_change_points(cp, &n, (enum cal_r76_class)0));
	assert_arg_error(cal_r76_mpe_change_points(cp, NULL, CAL_R76_III));
	assert_arg_error(cal_r76_mpe_change_points(NULL, &n, CAL_R76_III));
}

/* ---- R 76 classification (Table 3) --------------------------------------- */

static struct cal_r76_classification classify(enum cal_r76_class cls, double max_g, double e_g)
{
	struct cal_r76_classification c;

	memset(&c, 0xff, sizeof(c));
	cal_error_clear();
	assert_int_equal(cal_r76_classify(&c, cls, max_g, e_g), CAL_OK);
	if (c.e_ok && c.n_ok)
		assert_string_equal(cal_error_last(), "");
	else
		assert_true(cal_error_last()[0] != '\0');
	return c;
}

static void test_t8_classify_iii_30kg(void **state)
{
	struct cal_r76_classification c;

	(void)state;
	c = classify(CAL_R76_III, 30000, 5);
	assert_close(c.n, 6000, REL);
	assert_close(c.n_min, 500, REL);
	assert_close(c.n_max, 10000, REL);
	assert_close(c.min_load, 100, REL);
	assert_true(c.e_ok);
	assert_true(c.n_ok);
}

static void test_r76_classify_rows(void **state)
{
	struct cal_r76_classification c;

	(void)state;
	/* Class I, e = 1 mg, Max 220 g: n = 220 000, no n_max, Min = 100 e. */
	c = classify(CAL_R76_I, 220, 0.001);
	assert_close(c.n, 220000, REL);
	assert_close(c.n_min, 50000, REL);
	assert_true(c.n_max == 0);
	assert_close(c.min_load, 0.1, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Class II, e = 0.01 g (first row): n_min 100, Min = 20 e. */
	c = classify(CAL_R76_II, 200, 0.01);
	assert_close(c.n, 20000, REL);
	assert_close(c.n_min, 100, REL);
	assert_close(c.n_max, 100000, REL);
	assert_close(c.min_load, 0.2, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Class II, e = 0.1 g (second row): n_min 5000, Min = 50 e. */
	c = classify(CAL_R76_II, 500, 0.1);
	assert_close(c.n, 5000, REL);
	assert_close(c.n_min, 5000, REL);
	assert_close(c.min_load, 5, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Class III, e = 2 g (first row, upper e limit), n_min 100. */
	c = classify(CAL_R76_III, 2000, 2);
	assert_close(c.n, 1000, REL);
	assert_close(c.n_min, 100, REL);
	assert_close(c.min_load, 40, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Class III, e = 0.2 g, Max 2000 g: n = 10 000 exactly at n_max. */
	c = classify(CAL_R76_III, 2000, 0.2);
	assert_close(c.n, 10000, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Class IIII, e = 50 g, Max 15 kg (DHLX scale): n = 300, Min = 10 e. */
	c = classify(CAL_R76_IIII, 15000, 50);
	assert_close(c.n, 300, REL);
	assert_close(c.n_min, 100, REL);
	assert_close(c.n_max, 1000, REL);
	assert_close(c.min_load, 500, REL);
	assert_true(c.e_ok && c.n_ok);
	/* Max/e computed from kg with float noise, at n_min of class III row 2. */
	c = classify(CAL_R76_III, 2.5 * 1000, 0.005 * 1000);
	assert_true(c.n_ok);
}

static void test_r76_classify_violations(void **state)
{
	struct cal_r76_classification c;

	(void)state;
	/* n below n_min (class III row 2 needs 500). */
	c = classify(CAL_R76_III, 1000, 5);
	assert_close(c.n, 200, REL);
	assert_true(c.e_ok);
	assert_false(c.n_ok);
	assert_non_null(strstr(cal_error_last(), "n_min"));
	assert_non_null(strstr(cal_error_last(), "Table 3"));
	/* n above n_max. */
	c = classify(CAL_R76_III, 300000, 20);
	assert_close(c.n, 15000, REL);
	assert_false(c.n_ok);
	assert_non_null(strstr(cal_error_last(), "n_max"));
	/* Class II, e = 0.1 g: n = 2000 < 5000. */
	c = classify(CAL_R76_II, 200, 0.1);
	assert_false(c.n_ok);
	assert_true(c.e_ok);
	/* Class I below 1 mg. */
	c = classify(CAL_R76_I, 100, 0.0005);
	assert_false(c.e_ok);
	assert_non_null(strstr(cal_error_last(), "e = 0.0005 g"));
	/* Class IIII needs e >= 5 g. */
	c = classify(CAL_R76_IIII, 500, 1);
	assert_false(c.e_ok);
	assert_true(c.n_ok);
	/* Class III: e = 0.05 g is below 0.1 g; e = 3 g is in no row. */
	c = classify(CAL_R76_III, 100, 0.05);
	assert_false(c.e_ok);
	c = classify(CAL_R76_III, 3000, 3);
	assert_false(c.e_ok);
	/* Class II: 0.05 g < e < 0.1 g is in no row. */
	c = classify(CAL_R76_II, 1000, 0.07);
	assert_false(c.e_ok);
	/* Not 1, 2 or 5 x 10^k although within the class I range. */
	c = classify(CAL_R76_I, 300, 0.003);
	assert_false(c.e_ok);
	assert_non_null(strstr(cal_error_last(), "1, 2 or 5"));
	/* Both violated: both named. */
	c = classify(CAL_R76_IIII, 20, 1);
	assert_false(c.e_ok);
	assert_false(c.n_ok);
	assert_non_null(strstr(cal_error_last(), "e = 1 g"));
	assert_non_null(strstr(cal_error_last(), "n_min"));
}

static void test_r76_classify_bad_args(void **state)
{
	struct cal_r76_classification c;

	(void)state;
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, NAN, 5));
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, 30000, NAN));
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, 30000, 0));
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, 30000, -5));
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, -30000, 5));
	assert_arg_error(cal_r76_classify(&c, CAL_R76_III, INFINITY, 5));
	assert_arg_error(cal_r76_classify(&c, (enum cal_r76_class)7, 30000, 5));
	assert_arg_error(cal_r76_classify(NULL, CAL_R76_III, 30000, 5));
}

/* Marked data of an instrument against R 76-1 (domain.md §1.1, T8). */
static void test_r76_check_instrument(void **state)
{
	(void)state;
	/* T8: III, Max 30 kg, e = d = 5 g, Min 100 g */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 5, 5), CAL_OK);
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 0, 5, 0), CAL_OK);
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 200, 5, 5), CAL_OK);
	/* e = 3 g is not 1, 2, 5 x 10^k */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 3, 3), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "e = 3 g is "));
	/* n = 60 000 > 10 000 */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 0.5, 0.5), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "above n_max"));
	/* d > e; d not 1/2/5; d < e in class III */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 5, 10), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "larger than e"));
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 5, 4), CAL_ERR_ARG);
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 100, 5, 1), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "only for classes I and II"));
	/* class I, e = 1 mg = 10^-6 kg, d = 0.1 mg: allowed; d = 0.01 mg: e > 10 d */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_I, 220, 0.1, 0.001, 0.0001), CAL_OK);
	assert_int_equal(cal_r76_check_instrument(CAL_R76_I, 220, 0.1, 0.001, 0.00001),
			 CAL_ERR_ARG);
	/* class II, e = 0.02 g is not 10^k kg, so d = 0.01 g < e is refused */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_II, 200, 1, 0.02, 0.01), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "e = 10^k kg"));
	/* Min below the lower limit 20 e = 100 g */
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, 50, 5, 5), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "Min = 50 g is below the lower limit 100 g"));
	assert_int_equal(cal_r76_check_instrument(CAL_R76_III, 30000, NAN, 5, 5), CAL_ERR_ARG);
}

/* ---- R 111 --------------------------------------------------------------- */

/* A weight conforms to its class: R 111-1 §5.2 (U <= MPE/3), §5.3 (|c| <= MPE - U). */
static void test_r111_check_weight(void **state)
{
	(void)state;
	/* M1 10 kg: MPE 500 mg, limit of U 166.7 mg */
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, -0.12e-3, 0.16e-3), CAL_OK);
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, 0, 0.17e-3), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "U = 170 mg is above 1/3 of the class M1 MPE "
						 "500 mg"));
	/* correction 0.4 g with U 0.16 g: 400 > 500 - 160 = 340 mg */
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, 0.4e-3, 0.16e-3), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "correction 400 mg is outside +-(MPE - U) = "
						 "+-340 mg"));
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, -0.34e-3, 0.16e-3), CAL_OK);
	/* E2 200 g: MPE 0.3 mg (domain.md §10) */
	assert_int_equal(cal_r111_check_weight(CAL_R111_E2, 0.2, 0.05e-6, 0.1e-6), CAL_OK);
	/* 3 kg is not in the series */
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 3, 0, 0), CAL_ERR_ARG);
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, NAN, 0), CAL_ERR_ARG);
	assert_int_equal(cal_r111_check_weight(CAL_R111_M1, 10, 0, -1e-6), CAL_ERR_ARG);
}

static void test_r111_class_parse_and_name(void **state)
{
	static const char *names[] = { "E1", "E2", "F1", "F2", "M1", "M1-2", "M2", "M2-3", "M3" };
	static const char *bad[] = { "", "E3", "F3", "M4", "M12", "M1-3", "M1_2", "E", "e1 ", "1" };
	enum cal_r111_class c;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		c = 0;
		assert_int_equal(cal_r111_class_parse(&c, names[i]), CAL_OK);
		assert_int_equal(c, (int)i + 1);
		assert_string_equal(cal_r111_class_name(c), names[i]);
	}
	assert_int_equal(cal_r111_class_parse(&c, "m1-2"), CAL_OK);
	assert_int_equal(c, CAL_R111_M1_2);
	assert_int_equal(cal_r111_class_parse(&c, "e2"), CAL_OK);
	assert_int_equal(c, CAL_R111_E2);
	assert_int_equal(cal_r111_class_parse(&c, "m2-3"), CAL_OK);
	assert_int_equal(c, CAL_R111_M2_3);
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_arg_error(cal_r111_class_parse(&c, bad[i]));
	assert_arg_error(cal_r111_class_parse(&c, NULL));
	assert_arg_error(cal_r111_class_parse(NULL, "E2"));
	assert_string_equal(cal_r111_class_name((enum cal_r111_class)0), "?");
	assert_string_equal(cal_r111_class_name((enum cal_r111_class)10), "?");
}

static double r111_mpe_mg(enum cal_r111_class cls, double nominal_kg)
{
	double kg = -1;

	assert_int_equal(cal_r111_mpe(&kg, cls, nominal_kg), CAL_OK);
	return kg * 1e6;
}

/* Every value of the domain.md §1.5 table (mg). */
static void test_r111_table_1_5(void **state)
{
	static const enum cal_r111_class cols[7] = { CAL_R111_E1, CAL_R111_E2, CAL_R111_F1,
						     CAL_R111_F2, CAL_R111_M1, CAL_R111_M2,
						     CAL_R111_M3 };
	static const struct {
		double kg;
		double mg[7];
	} rows[] = {
		{ 0.001, { 0.010, 0.030, 0.10, 0.30, 1.0, 3.0, 10 } },
		{ 0.010, { 0.020, 0.060, 0.20, 0.60, 2.0, 6.0, 20 } },
		{ 0.100, { 0.05, 0.16, 0.5, 1.6, 5, 16, 50 } },
		{ 0.200, { 0.10, 0.30, 1.0, 3.0, 10, 30, 100 } },
		{ 0.500, { 0.25, 0.8, 2.5, 8, 25, 80, 250 } },
		{ 1, { 0.5, 1.6, 5, 16, 50, 160, 500 } },
		{ 2, { 1.0, 3, 10, 30, 100, 300, 1000 } },
		{ 5, { 2.5, 8, 25, 80, 250, 800, 2500 } },
		{ 10, { 5, 16, 50, 160, 500, 1600, 5000 } },
		{ 20, { 10, 30, 100, 300, 1000, 3000, 10000 } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		for (size_t j = 0; j < 7; j++)
			assert_close(r111_mpe_mg(cols[j], rows[i].kg), rows[i].mg[j], REL);
}

/* Spot checks of the [K] rows and the M1-2 / M2-3 columns. */
static void test_r111_known_rows(void **state)
{
	(void)state;
	assert_close(r111_mpe_mg(CAL_R111_E1, 1e-6), 0.003, REL); /* 1 mg */
	assert_close(r111_mpe_mg(CAL_R111_M1, 1e-6), 0.20, REL);
	assert_close(r111_mpe_mg(CAL_R111_E2, 1e-5), 0.008, REL); /* 10 mg */
	assert_close(r111_mpe_mg(CAL_R111_M2, 1e-4), 1.6, REL);	  /* 100 mg */
	assert_close(r111_mpe_mg(CAL_R111_F1, 0.002), 0.12, REL); /* 2 g */
	assert_close(r111_mpe_mg(CAL_R111_M3, 0.05), 30, REL);	  /* 50 g */
	assert_close(r111_mpe_mg(CAL_R111_E1, 50), 25, REL);	  /* 50 kg */
	assert_close(r111_mpe_mg(CAL_R111_M1_2, 50), 5000, REL);
	assert_close(r111_mpe_mg(CAL_R111_M2_3, 50), 16000, REL);
	assert_close(r111_mpe_mg(CAL_R111_E2, 1000), 1600, REL); /* 1000 kg */
	assert_close(r111_mpe_mg(CAL_R111_M2_3, 1000), 300000, REL);
	assert_close(r111_mpe_mg(CAL_R111_F1, 5000), 25000, REL); /* 5000 kg */
	assert_close(r111_mpe_mg(CAL_R111_M3, 5000), 2500000, REL);
	/* Nominal given with float noise: 5 x 0.001 kg, 0.1 x 0.002 kg. */
	assert_close(r111_mpe_mg(CAL_R111_F2, 5 * 0.001), 0.5, REL);
	assert_close(r111_mpe_mg(CAL_R111_E2, 0.1 * 0.002), 0.020, REL);
}

/*
 * Shape of Table 1: within a class the MPE never decreases with the nominal
 * value, and for a nominal value it never decreases from E1 towards M3. A
 * mistyped table entry breaks one of these.
 */
static void test_r111_table_monotonic(void **state)
{
	double nominals[30];
	size_t nn = 0, valid = 0;

	(void)state;
	for (double dec = 1e-6; dec < 1e4; dec *= 10) {
		nominals[nn++] = 1 * dec;
		nominals[nn++] = 2 * dec;
		nominals[nn++] = 5 * dec;
	}
	assert_int_equal(nn, 30);
	for (int cls = CAL_R111_E1; cls <= CAL_R111_M3; cls++) {
		double prev = 0;

		for (size_t i = 0; i < nn; i++) {
			double kg;

			if (cal_r111_mpe(&kg, (enum cal_r111_class)cls, nominals[i]) != CAL_OK)
				continue;
			valid++;
			assert_true(kg > 0);
			assert_true(kg >= prev);
			/* Units sanity: the MPE is a small fraction of the nominal value. */
			assert_true(kg < 0.25 * nominals[i]);
			prev = kg;
		}
	}
	/*
	 * E1 1 mg..50 kg (24), E2 ..1000 kg (28), F1, F2, M1 1 mg..5000 kg (30
	 * each), M1-2 and M2-3 50..5000 kg (7 each), M2 100 mg.. (24), M3 1 g.. (21).
	 */
	assert_int_equal(valid, 24 + 28 + 30 + 30 + 30 + 7 + 24 + 7 + 21);
	for (size_t i = 0; i < nn; i++) {
		double prev = 0;

		for (int cls = CAL_R111_E1; cls <= CAL_R111_M3; cls++) {
			double kg;

			if (cal_r111_mpe(&kg, (enum cal_r111_class)cls, nominals[i]) != CAL_OK)
				continue;
			assert_true(kg > prev);
			prev = kg;
		}
	}
}

/*
 * From 100 g up, Table 1 keeps the relative MPE constant per class: the MPE
 * of 10 m is 10 x that of m. This ties the [K] rows from 50 kg to 5000 kg to
 * the verified 100 g ... 20 kg rows.
 */
static void test_r111_table_decade_scaling(void **state)
{
	size_t pairs = 0;

	(void)state;
	for (int cls = CAL_R111_E1; cls <= CAL_R111_M3; cls++) {
		for (double dec = 0.1; dec < 1000; dec *= 10) {
			for (int f = 1; f <= 5; f += f == 1 ? 1 : 3) {
				double m = f * dec, a, b;

				if (cal_r111_mpe(&a, (enum cal_r111_class)cls, m) != CAL_OK ||
				    cal_r111_mpe(&b, (enum cal_r111_class)cls, 10 * m) != CAL_OK)
					continue;
				assert_close(b, 10 * a, REL);
				pairs++;
			}
		}
	}
	/*
	 * Pairs (m, 10 m) with m = 100 g..500 kg: E1 6 (m <= 5 kg), E2 10
	 * (m <= 100 kg), F1, F2, M1, M2, M3 12 each, M1-2 and M2-3 4 each
	 * (m = 50..500 kg).
	 */
	assert_int_equal(pairs, 6 + 10 + 12 * 5 + 4 + 4);
}

static void test_r111_bad_args(void **state)
{
	double kg;

	(void)state;
	/* 3 g is not a 1-2-5 nominal value. */
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, 0.003));
	assert_non_null(strstr(cal_error_last(), "0.003 kg"));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, 0.0002001));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, 5e-7));	 /* 0.5 mg */
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_M3, 10000)); /* above 5000 kg */
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, 0));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, -1));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, NAN));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_F1, INFINITY));
	/* Classes with no value for the nominal. */
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_E1, 100));
	assert_non_null(strstr(cal_error_last(), "E1"));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_E2, 2000));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_M1_2, 20));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_M2_3, 1));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_M3, 0.0005));
	assert_arg_error(cal_r111_mpe(&kg, CAL_R111_M2, 0.00005));
	assert_arg_error(cal_r111_mpe(&kg, (enum cal_r111_class)0, 1));
	assert_arg_error(cal_r111_mpe(&kg, (enum cal_r111_class)10, 1));
	assert_arg_error(cal_r111_mpe(NULL, CAL_R111_F1, 1));
}

/* ---- 1/3 rule ------------------------------------------------------------ */

/* MPE of an R 111 weight in g. */
static double weight_mpe_g(enum cal_r111_class cls, double nominal_kg)
{
	return r111_mpe_mg(cls, nominal_kg) / 1000;
}

static void test_t6_adequate_m1(void **state)
{
	double w[2], sum = -1, lim = -1, mpe;
	bool ok = false;

	(void)state;
	mpe = r76_mpe(CAL_R76_III, 5, 30000);
	assert_close(mpe, 7.5, REL);
	w[0] = weight_mpe_g(CAL_R111_M1, 20);
	w[1] = weight_mpe_g(CAL_R111_M1, 10);
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, w, 2, mpe, 1.0 / 3.0), CAL_OK);
	assert_true(ok);
	assert_close(sum, 1.5, REL);
	assert_close(lim, 2.5, REL);
}

static void test_t7_inadequate_m2(void **state)
{
	double w[2], sum = -1, lim = -1, mpe;
	bool ok = true;

	(void)state;
	mpe = r76_mpe(CAL_R76_III, 5, 30000);
	w[0] = weight_mpe_g(CAL_R111_M2, 20);
	w[1] = weight_mpe_g(CAL_R111_M2, 10);
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, w, 2, mpe, 1.0 / 3.0), CAL_OK);
	assert_false(ok);
	assert_close(sum, 4.6, REL);
	assert_close(lim, 2.5, REL);
}

/* Rows 3 and 4 of the §1.6 table, in mg: class I, e = 1 mg, L = 200 g. */
static void test_adequacy_table_1_6_class_i(void **state)
{
	double w, sum = -1, lim = -1, mpe;
	bool ok;

	(void)state;
	mpe = r76_mpe(CAL_R76_I, 1, 200000);
	assert_close(mpe, 1.0, REL);
	w = r111_mpe_mg(CAL_R111_E2, 0.2);
	ok = false;
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, &w, 1, mpe, 1.0 / 3.0), CAL_OK);
	assert_true(ok);
	assert_close(sum, 0.30, REL);
	assert_close(lim, 1.0 / 3.0, REL);
	w = r111_mpe_mg(CAL_R111_F1, 0.2);
	ok = true;
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, &w, 1, mpe, 1.0 / 3.0), CAL_OK);
	assert_false(ok);
	assert_close(sum, 1.0, REL);
}

static void test_adequacy_limits_and_args(void **state)
{
	const double at_limit[2] = { 1.0, 1.5 };
	const double noisy[2] = { 0.1, 0.2 }; /* 0.30000000000000004 */
	const double above[2] = { 1.0, 1.5001 };
	double bad[2] = { 1.0, NAN };
	double sum, lim;
	bool ok;

	(void)state;
	ok = false;
	assert_int_equal(cal_weights_adequate(&ok, NULL, NULL, at_limit, 2, 7.5, 1.0 / 3.0),
			 CAL_OK);
	assert_true(ok);
	ok = false;
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, noisy, 2, 0.9, 1.0 / 3.0), CAL_OK);
	assert_true(sum > lim); /* float noise only */
	assert_true(ok);
	ok = true;
	assert_int_equal(cal_weights_adequate(&ok, NULL, NULL, above, 2, 7.5, 1.0 / 3.0), CAL_OK);
	assert_false(ok);
	/* Another ratio (1/4 for pressure). */
	ok = true;
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, at_limit, 2, 7.5, 0.25), CAL_OK);
	assert_false(ok);
	assert_close(lim, 1.875, REL);
	/* No weights: sum 0. */
	ok = false;
	sum = -1;
	assert_int_equal(cal_weights_adequate(&ok, &sum, &lim, NULL, 0, 2.5, 1.0 / 3.0), CAL_OK);
	assert_true(ok);
	assert_true(sum == 0);

	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, bad, 2, 7.5, 1.0 / 3.0));
	bad[1] = -0.1;
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, bad, 2, 7.5, 1.0 / 3.0));
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, at_limit, 2, 0, 1.0 / 3.0));
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, at_limit, 2, NAN, 1.0 / 3.0));
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, at_limit, 2, 7.5, 0));
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, at_limit, 2, 7.5, NAN));
	assert_arg_error(cal_weights_adequate(&ok, NULL, NULL, NULL, 2, 7.5, 1.0 / 3.0));
	assert_arg_error(cal_weights_adequate(NULL, NULL, NULL, at_limit, 2, 7.5, 1.0 / 3.0));
}

/* ---- GUM ----------------------------------------------------------------- */

/* domain.md §7.3: five readings at 200 g, in g. */
static const double readings_g[5] = { 200.0003, 200.0001, 200.0002, 200.0004, 200.0002 };

static void test_gum_mean_stddev_type_a(void **state)
{
	static const double x8[8] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const double big[3] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };
	double s = -1, u = -1, nu = -1;

	(void)state;
	assert_close(cal_gum_mean(readings_g, 5), 200.00024, 1e-12);
	assert_int_equal(cal_gum_stddev(&s, readings_g, 5), CAL_OK);
	assert_quoted(s * 1000, "0.114018");
	assert_int_equal(cal_gum_type_a(&u, &nu, readings_g, 5), CAL_OK);
	assert_quoted(u * 1000, "0.050990");
	assert_close(nu, 4, REL);
	assert_int_equal(cal_gum_type_a(&u, NULL, readings_g, 5), CAL_OK);

	assert_close(cal_gum_mean(x8, 8), 5, REL);
	assert_int_equal(cal_gum_stddev(&s, x8, 8), CAL_OK);
	assert_close(s, sqrt(32.0 / 7.0), REL);
	/* Large offset, small spread: s = 1 exactly. */
	assert_int_equal(cal_gum_stddev(&s, big, 3), CAL_OK);
	assert_close(s, 1, 1e-12);
	/* Identical readings: s = 0. */
	assert_int_equal(cal_gum_stddev(&s, (const double[]){ 3.3, 3.3, 3.3 }, 3), CAL_OK);
	assert_true(s == 0);

	assert_true(isnan(cal_gum_mean(readings_g, 0)));
	assert_true(isnan(cal_gum_mean(NULL, 3)));
	assert_arg_error(cal_gum_stddev(&s, readings_g, 1));
	assert_arg_error(cal_gum_stddev(&s, readings_g, 0));
	assert_arg_error(cal_gum_stddev(&s, NULL, 5));
	assert_arg_error(cal_gum_stddev(&s, (const double[]){ 1, NAN, 2 }, 3));
	assert_arg_error(cal_gum_stddev(&s, (const double[]){ 1, INFINITY }, 2));
	assert_arg_error(cal_gum_type_a(&u, &nu, readings_g, 1));
	assert_arg_error(cal_gum_type_a(NULL, &nu, readings_g, 5));
}

static void test_t19_resolution_and_type_b(void **state)
{
	(void)state;
	assert_quoted(cal_gum_resolution(0.1), "0.028868");
	assert_quoted(cal_gum_resolution(1.0), "0.288675");
	assert_true(cal_gum_resolution(0) == 0);
	assert_quoted(cal_gum_rectangular(1.0), "0.577350");
	assert_close(cal_gum_rectangular(0.05), cal_gum_resolution(0.1), 1e-12); /* same thing */
	assert_quoted(cal_gum_triangular(1.0), "0.408248");
	assert_close(cal_gum_from_expanded(0.10, 2), 0.05, REL);
	assert_quoted(cal_gum_from_expanded(0.041, 2.25), "0.0182222");
	assert_true(isnan(cal_gum_resolution(-0.1)));
	assert_true(isnan(cal_gum_resolution(NAN)));
	assert_true(isnan(cal_gum_rectangular(-1)));
	assert_true(isnan(cal_gum_rectangular(INFINITY)));
	assert_true(isnan(cal_gum_triangular(-1)));
	assert_true(isnan(cal_gum_from_expanded(0.1, 0)));
	assert_true(isnan(cal_gum_from_expanded(0.1, -2)));
	assert_true(isnan(cal_gum_from_expanded(-0.1, 2)));
	assert_true(isnan(cal_gum_from_expanded(NAN, 2)));
}

static void test_gum_k95_table(void **state)
{
	/* domain.md §7.2, p = 95.45 % row. */
	static const struct {
		double nu, k;
	} g2[] = {
		{ 1, 13.97 }, { 2, 4.53 },    { 3, 3.31 },  { 4, 2.87 },  { 5, 2.65 },
		{ 6, 2.52 },  { 7, 2.43 },    { 8, 2.37 },  { 9, 2.32 },  { 10, 2.28 },
		{ 11, 2.25 }, { 12, 2.23 },   { 13, 2.21 }, { 14, 2.20 }, { 15, 2.18 },
		{ 16, 2.17 }, { 17, 2.16 },   { 18, 2.15 }, { 19, 2.14 }, { 20, 2.13 },
		{ 25, 2.11 }, { 30, 2.09 },   { 35, 2.07 }, { 40, 2.06 }, { 45, 2.06 },
		{ 50, 2.05 }, { 100, 2.025 },
	};
	double k = -1;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(g2); i++) {
		assert_int_equal(cal_gum_k95(&k, g2[i].nu), CAL_OK);
		assert_close(k, g2[i].k, REL);
		/* Just below the next row still truncates to this row. */
		if (i + 1 < ARRAY_SIZE(g2)) {
			assert_int_equal(cal_gum_k95(&k, g2[i + 1].nu - 0.01), CAL_OK);
			assert_close(k, g2[i].k, REL);
		}
	}
	assert_int_equal(cal_gum_k95(&k, INFINITY), CAL_OK);
	assert_close(k, 2.0, REL);
	assert_int_equal(cal_gum_k95(&k, 20.83), CAL_OK);
	assert_close(k, 2.13, REL);
	assert_int_equal(cal_gum_k95(&k, 27.09), CAL_OK);
	assert_close(k, 2.11, REL);
	assert_int_equal(cal_gum_k95(&k, 11.45), CAL_OK);
	assert_close(k, 2.25, REL);
	assert_int_equal(cal_gum_k95(&k, 1e6), CAL_OK);
	assert_close(k, 2.025, REL);
	/* Float noise below a row counts as the row. */
	assert_int_equal(cal_gum_k95(&k, 20.0 * (1 - 1e-12)), CAL_OK);
	assert_close(k, 2.13, REL);
	assert_arg_error(cal_gum_k95(&k, 0.5));
	assert_arg_error(cal_gum_k95(&k, 0));
	assert_arg_error(cal_gum_k95(&k, -1));
	assert_arg_error(cal_gum_k95(&k, NAN));
	assert_arg_error(cal_gum_k95(NULL, 5));
}

/* §7.3 budget in mg: error, and the three components. */
static double balance_error_mg(void)
{
	const double m_ref_g = 200.0 + 0.05e-3; /* 200 g + 0.05 mg */

	return (cal_gum_mean(readings_g, 5) - m_ref_g) * 1000;
}

static void balance_budget(struct cal_gum_component c[4])
{
	double u_a, nu_a;

	assert_int_equal(cal_gum_type_a(&u_a, &nu_a, readings_g, 5), CAL_OK);
	c[0] = (struct cal_gum_component){ "repeatability", u_a * 1000, 1, nu_a };
	c[1] = (struct cal_gum_component){ "resolution", cal_gum_resolution(0.1), 1, INFINITY };
	c[2] = (struct cal_gum_component){ "reference", cal_gum_from_expanded(0.10, 2), -1,
					   INFINITY };
	/* cg-18 variant: resolution of the zero reading. */
	c[3] = (struct cal_gum_component){ "resolution at zero", cal_gum_resolution(0.1), -1,
					   INFINITY };
}

static void test_t16_gum_balance(void **state)
{
	struct cal_gum_component c[4];
	struct cal_gum_result r;
	char buf[32];
	double rounded = -1, U2;
	int dec = -1;

	(void)state;
	assert_close(balance_error_mg(), 0.19, 1e-8); /* exact in decimal */
	balance_budget(c);
	assert_quoted(c[0].u, "0.050990");
	assert_quoted(c[1].u, "0.028868");
	assert_quoted(c[2].u, "0.050000");
	assert_int_equal(cal_gum_combine(&r, c, 3), CAL_OK);
	assert_quoted(r.u_c, "0.077028");
	assert_quoted(r.nu_eff, "20.83");
	assert_close(r.k, 2.13, REL);
	assert_quoted(r.U, "0.16407");
	assert_int_equal(cal_round_sig(buf, sizeof(buf), &rounded, &dec, r.U, 2), CAL_OK);
	assert_string_equal(buf, "0.16");
	assert_close(rounded, 0.16, REL);
	assert_int_equal(dec, 2);
	/* The wrong path, k = 2, gives 0.154 -> "0.15": must differ. */
	U2 = 2 * r.u_c;
	assert_int_equal(cal_round_sig(buf, sizeof(buf), NULL, NULL, U2, 2), CAL_OK);
	assert_string_equal(buf, "0.15");
	assert_true(r.k > 2.0);
}

static void test_t16_gum_balance_cg18_variant(void **state)
{
	struct cal_gum_component c[4];
	struct cal_gum_result r;
	char buf[32];

	(void)state;
	balance_budget(c);
	assert_int_equal(cal_gum_combine(&r, c, 4), CAL_OK);
	assert_quoted(r.u_c, "0.082260");
	assert_quoted(r.nu_eff, "27.09");
	assert_close(r.k, 2.11, REL);
	assert_quoted(r.U, "0.17357");
	assert_int_equal(cal_round_sig(buf, sizeof(buf), NULL, NULL, r.U, 2), CAL_OK);
	assert_string_equal(buf, "0.17");
}

static void test_gum_combine_cases(void **state)
{
	struct cal_gum_component c[3];
	struct cal_gum_result r;

	(void)state;
	/* All Type B with nu = infinity: k = 2. */
	c[0] = (struct cal_gum_component){ "a", 3, 1, INFINITY };
	c[1] = (struct cal_gum_component){ "b", 4, 1, INFINITY };
	assert_int_equal(cal_gum_combine(&r, c, 2), CAL_OK);
	assert_close(r.u_c, 5, REL);
	assert_true(isinf(r.nu_eff) && r.nu_eff > 0);
	assert_close(r.k, 2, REL);
	assert_close(r.U, 10, REL);
	/* One Type A term alone: nu_eff = its nu. Sensitivity c = -2 doubles it. */
	c[0] = (struct cal_gum_component){ NULL, 0.5, -2, 4 };
	assert_int_equal(cal_gum_combine(&r, c, 1), CAL_OK);
	assert_close(r.u_c, 1, REL);
	assert_close(r.nu_eff, 4, REL);
	assert_close(r.k, 2.87, REL);
	/* Two equal Type A terms, nu = 5 each: nu_eff = 10. */
	c[0] = (struct cal_gum_component){ "a", 1, 1, 5 };
	c[1] = (struct cal_gum_component){ "b", 1, 1, 5 };
	assert_int_equal(cal_gum_combine(&r, c, 2), CAL_OK);
	assert_close(r.u_c, sqrt(2), REL);
	assert_close(r.nu_eff, 10, REL);
	assert_close(r.k, 2.28, REL);
	/* A zero term is allowed when another is not. */
	c[2] = (struct cal_gum_component){ "zero", 0, 1, 3 };
	assert_int_equal(cal_gum_combine(&r, c, 3), CAL_OK);
	assert_close(r.nu_eff, 10, REL);
	/* Very small values neither underflow nor lose nu_eff. */
	c[0] = (struct cal_gum_component){ "a", 3e-160, 1, 4 };
	c[1] = (struct cal_gum_component){ "b", 4e-160, 1, INFINITY };
	assert_int_equal(cal_gum_combine(&r, c, 2), CAL_OK);
	assert_close(r.u_c, 5e-160, REL);
	assert_close(r.nu_eff, 4 * pow(25.0 / 9.0, 2), REL);

	c[0] = (struct cal_gum_component){ "a", -1, 1, 4 };
	assert_arg_error(cal_gum_combine(&r, c, 1));
	assert_non_null(strstr(cal_error_last(), "(a)"));
	c[0] = (struct cal_gum_component){ "a", NAN, 1, 4 };
	assert_arg_error(cal_gum_combine(&r, c, 1));
	c[0] = (struct cal_gum_component){ "a", 1, NAN, 4 };
	assert_arg_error(cal_gum_combine(&r, c, 1));
	c[0] = (struct cal_gum_component){ "a", 1, 1, 0 };
	assert_arg_error(cal_gum_combine(&r, c, 1));
	c[0] = (struct cal_gum_component){ "a", 1, 1, NAN };
	assert_arg_error(cal_gum_combine(&r, c, 1));
	c[0] = (struct cal_gum_component){ "a", 1, 1, 0.5 }; /* nu_eff < 1 */
	assert_arg_error(cal_gum_combine(&r, c, 1));
	c[0] = (struct cal_gum_component){ "a", 0, 1, 4 };
	c[1] = (struct cal_gum_component){ "b", 0, 1, INFINITY };
	assert_arg_error(cal_gum_combine(&r, c, 2));
	assert_arg_error(cal_gum_combine(&r, c, 0));
	assert_arg_error(cal_gum_combine(&r, NULL, 2));
	assert_arg_error(cal_gum_combine(NULL, c, 2));
}

/* ---- Rounding of U ------------------------------------------------------- */

static void check_round(double v, int sig, const char *text, int decimals)
{
	char buf[64];
	double rounded = NAN, back;
	int dec = -1;

	memset(buf, 'x', sizeof(buf));
	assert_int_equal(cal_round_sig(buf, sizeof(buf), &rounded, &dec, v, sig), CAL_OK);
	assert_string_equal(buf, text);
	assert_int_equal(dec, decimals);
	/* *rounded is the value of the text (parsed whatever the locale). */
	assert_int_equal(cal_num_parse_str(&back, NULL, text), CAL_OK);
	assert_true(rounded == back);
}

static void test_t25_round_u(void **state)
{
	(void)state;
	check_round(0.16407, 2, "0.16", 2);
}

static void test_round_sig_cases(void **state)
{
	(void)state;
	check_round(0.165, 2, "0.17", 2);		/* half-up, binary 0.16500000000000000777 */
	check_round(nextafter(0.165, 0), 2, "0.17", 2); /* 0.16499999999999998 */
	check_round(0.1649, 2, "0.16", 2);
	check_round(0.0996, 2, "0.10", 2);
	check_round(0.041, 2, "0.041", 3);
	check_round(0.0031, 2, "0.0031", 4);
	check_round(2.25, 2, "2.3", 1);
	check_round(2.35, 2, "2.4", 1); /* binary 2.35000000000000008882 */
	check_round(2.45, 2, "2.5", 1); /* binary 2.45000000000000017764 */
	check_round(2.245, 2, "2.2", 1);
	check_round(1234, 2, "1200", 0);
	check_round(1250, 2, "1300", 0);
	check_round(0.15407, 2, "0.15", 2);
	check_round(0.17357, 2, "0.17", 2);
	check_round(9.96, 2, "10", 0);
	check_round(99.6, 2, "100", 0);
	check_round(1.0, 2, "1.0", 1);
	check_round(12, 2, "12", 0);
	check_round(0.0031, 1, "0.003", 3);
	check_round(0.25, 1, "0.3", 1);
	check_round(0.16407, 3, "0.164", 3);
	check_round(5e-7, 2, "0.00000050", 8);
	check_round(-0.165, 2, "-0.17", 2);
	check_round(-1234, 2, "-1200", 0);
	check_round(123456.789, 4, "123500", 0);
}

static void test_round_sig_locale(void **state)
{
	static const char *locales[] = { "vi_VN.UTF-8", "vi_VN", "de_DE.UTF-8", "de_DE" };
	const char *got = NULL;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(locales) && !got; i++)
		got = setlocale(LC_NUMERIC, locales[i]);
	if (!got || localeconv()->decimal_point[0] == '.') {
		setlocale(LC_NUMERIC, "C");
		skip();
	}
	check_round(0.165, 2, "0.17", 2);
	check_round(0.0996, 2, "0.10", 2);
	setlocale(LC_NUMERIC, "C");
}

static void test_round_sig_bad_args(void **state)
{
	char buf[8];
	double r;
	int d;

	(void)state;
	assert_arg_error(cal_round_sig(buf, sizeof(buf), &r, &d, 0, 2));
	assert_arg_error(cal_round_sig(buf, sizeof(buf), &r, &d, NAN, 2));
	assert_arg_error(cal_round_sig(buf, sizeof(buf), &r, &d, INFINITY, 2));
	assert_arg_error(cal_round_sig(buf, sizeof(buf), &r, &d, 0.16, 0));
	assert_arg_error(cal_round_sig(buf, sizeof(buf), &r, &d, 0.16, 11));
	assert_arg_error(cal_round_sig(NULL, 8, &r, &d, 0.16, 2));
	assert_arg_error(cal_round_sig(buf, 0, &r, &d, 0.16, 2));
	/* "0.16" needs 5 bytes. */
	assert_arg_error(cal_round_sig(buf, 4, &r, &d, 0.16, 2));
	assert_int_equal(cal_round_sig(buf, 5, NULL, NULL, 0.16, 2), CAL_OK);
	assert_string_equal(buf, "0.16");
}

/* ---- Decision rules ------------------------------------------------------ */

static enum cal_verdict decide(enum cal_decision_rule rule, double E, double U, double T, double w)
{
	enum cal_verdict v = 0;

	assert_int_equal(cal_decide(&v, rule, E, U, T, w), CAL_OK);
	return v;
}

static void test_t20_guard_band_pass(void **state)
{
	(void)state;
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0.19, 0.16, 1.0, 0.16), CAL_VERDICT_PASS);
}

static void test_t20_from_t16_budget(void **state)
{
	struct cal_gum_component c[4];
	struct cal_gum_result r;
	double E, T;

	(void)state;
	/* §7.3 conformity: class I, e = 1 mg, 200 g -> T = 1 mg; E and U computed. */
	E = balance_error_mg();
	balance_budget(c);
	assert_int_equal(cal_gum_combine(&r, c, 3), CAL_OK);
	T = r76_mpe(CAL_R76_I, 1, 200000);
	assert_int_equal(decide(CAL_RULE_SIMPLE, E, r.U, T, 0), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, E, r.U, T, r.U), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, E, r.U, T, r.U), CAL_VERDICT_PASS);
}

static void test_t21_three_rules(void **state)
{
	(void)state;
	assert_int_equal(decide(CAL_RULE_SIMPLE, 0.90, 0.16, 1.0, 0.16), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0.90, 0.16, 1.0, 0.16), CAL_VERDICT_FAIL);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 0.90, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_PASS);
}

static void test_decide_zones_and_limits(void **state)
{
	(void)state;
	/* Non-binary, all four zones, both signs. */
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 0.5, 0.16, 1.0, 0.16), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, -0.9, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 1.1, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_FAIL);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, -1.1, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_FAIL);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 1.2, 0.16, 1.0, 0.16), CAL_VERDICT_FAIL);
	/* Exactly at each limit is inside, even with float noise (1 - 0.16). */
	assert_int_equal(decide(CAL_RULE_SIMPLE, 1.0, 0.16, 1.0, 0), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_SIMPLE, -1.0, 0.16, 1.0, 0), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_SIMPLE, 0.1 + 0.2, 0.01, 0.3, 0), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0.84, 0.16, 1.0, 0.16), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 0.84, 0.16, 1.0, 0.16), CAL_VERDICT_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 1.0, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_PASS);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 1.16, 0.16, 1.0, 0.16),
			 CAL_VERDICT_CONDITIONAL_FAIL);
	/* Just outside. */
	assert_int_equal(decide(CAL_RULE_SIMPLE, 1.000001, 0.16, 1.0, 0), CAL_VERDICT_FAIL);
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0.840001, 0.16, 1.0, 0.16), CAL_VERDICT_FAIL);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 1.160001, 0.16, 1.0, 0.16), CAL_VERDICT_FAIL);
	/* w >= T: no pass possible, even at E = 0. */
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0, 1.0, 1.0, 1.0), CAL_VERDICT_FAIL);
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0, 1.5, 1.0, 1.5), CAL_VERDICT_FAIL);
	assert_int_equal(decide(CAL_RULE_NON_BINARY, 0, 1.5, 1.0, 1.5),
			 CAL_VERDICT_CONDITIONAL_PASS);
	/* The guard band is w, not U. */
	assert_int_equal(decide(CAL_RULE_GUARD_BAND, 0.9, 0.16, 1.0, 0.05), CAL_VERDICT_PASS);
	/* Simple acceptance ignores w. */
	assert_int_equal(decide(CAL_RULE_SIMPLE, 0.9, 0.16, 1.0, NAN), CAL_VERDICT_PASS);
}

static void test_decide_bad_args(void **state)
{
	enum cal_verdict v;

	(void)state;
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, NAN, 0.1, 1, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, INFINITY, 0.1, 1, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, 0.5, -0.1, 1, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, 0.5, NAN, 1, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, 0.5, 0.1, 0, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, 0.5, 0.1, -1, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_SIMPLE, 0.5, 0.1, NAN, 0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_GUARD_BAND, 0.5, 0.1, 1, -0.1));
	assert_arg_error(cal_decide(&v, CAL_RULE_NON_BINARY, 0.5, 0.1, 1, NAN));
	assert_arg_error(cal_decide(&v, (enum cal_decision_rule)0, 0.5, 0.1, 1, 0.1));
	assert_arg_error(cal_decide(&v, (enum cal_decision_rule)4, 0.5, 0.1, 1, 0.1));
	assert_arg_error(cal_decide(NULL, CAL_RULE_SIMPLE, 0.5, 0.1, 1, 0.1));
}

static void test_decision_names(void **state)
{
	enum cal_decision_rule r;

	(void)state;
	assert_int_equal(cal_decision_rule_parse(&r, "simple"), CAL_OK);
	assert_int_equal(r, CAL_RULE_SIMPLE);
	assert_int_equal(cal_decision_rule_parse(&r, "guard-band"), CAL_OK);
	assert_int_equal(r, CAL_RULE_GUARD_BAND);
	assert_int_equal(cal_decision_rule_parse(&r, "Non-Binary"), CAL_OK);
	assert_int_equal(r, CAL_RULE_NON_BINARY);
	for (int i = CAL_RULE_SIMPLE; i <= CAL_RULE_NON_BINARY; i++) {
		assert_int_equal(cal_decision_rule_parse(
					 &r, cal_decision_rule_name((enum cal_decision_rule)i)),
				 CAL_OK);
		assert_int_equal(r, i);
	}
	assert_arg_error(cal_decision_rule_parse(&r, "guard band"));
	assert_arg_error(cal_decision_rule_parse(&r, ""));
	assert_arg_error(cal_decision_rule_parse(&r, "binary"));
	assert_arg_error(cal_decision_rule_parse(&r, NULL));
	assert_string_equal(cal_decision_rule_name(CAL_RULE_GUARD_BAND), "guard-band");
	assert_string_equal(cal_decision_rule_name((enum cal_decision_rule)0), "?");

	assert_string_equal(cal_verdict_name(CAL_VERDICT_PASS), "PASS");
	assert_string_equal(cal_verdict_name(CAL_VERDICT_CONDITIONAL_PASS), "CONDITIONAL PASS");
	assert_string_equal(cal_verdict_name(CAL_VERDICT_CONDITIONAL_FAIL), "CONDITIONAL FAIL");
	assert_string_equal(cal_verdict_name(CAL_VERDICT_FAIL), "FAIL");
	assert_string_equal(cal_verdict_name((enum cal_verdict)5), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_r76_class_parse_and_name),
		cmocka_unit_test(test_t1_mpe_iii_2500g),
		cmocka_unit_test(test_t2_mpe_iii_2505g),
		cmocka_unit_test(test_t3_mpe_iii_30kg_in_service),
		cmocka_unit_test(test_t4_mpe_i_220g),
		cmocka_unit_test(test_t5_mpe_iiii_10kg),
		cmocka_unit_test(test_r76_mpe_table_1_2),
		cmocka_unit_test(test_r76_mpe_band_boundaries),
		cmocka_unit_test(test_r76_mpe_bad_args),
		cmocka_unit_test(test_r76_change_points),
		cmocka_unit_test(test_t8_classify_iii_30kg),
		cmocka_unit_test(test_r76_classify_rows),
		cmocka_unit_test(test_r76_check_instrument),
		cmocka_unit_test(test_r111_check_weight),
		cmocka_unit_test(test_r76_classify_violations),
		cmocka_unit_test(test_r76_classify_bad_args),
		cmocka_unit_test(test_r111_class_parse_and_name),
		cmocka_unit_test(test_r111_table_1_5),
		cmocka_unit_test(test_r111_known_rows),
		cmocka_unit_test(test_r111_table_monotonic),
		cmocka_unit_test(test_r111_table_decade_scaling),
		cmocka_unit_test(test_r111_bad_args),
		cmocka_unit_test(test_t6_adequate_m1),
		cmocka_unit_test(test_t7_inadequate_m2),
		cmocka_unit_test(test_adequacy_table_1_6_class_i),
		cmocka_unit_test(test_adequacy_limits_and_args),
		cmocka_unit_test(test_gum_mean_stddev_type_a),
		cmocka_unit_test(test_t19_resolution_and_type_b),
		cmocka_unit_test(test_gum_k95_table),
		cmocka_unit_test(test_t16_gum_balance),
		cmocka_unit_test(test_t16_gum_balance_cg18_variant),
		cmocka_unit_test(test_gum_combine_cases),
		cmocka_unit_test(test_t25_round_u),
		cmocka_unit_test(test_round_sig_cases),
		cmocka_unit_test(test_round_sig_locale),
		cmocka_unit_test(test_round_sig_bad_args),
		cmocka_unit_test(test_t20_guard_band_pass),
		cmocka_unit_test(test_t20_from_t16_budget),
		cmocka_unit_test(test_t21_three_rules),
		cmocka_unit_test(test_decide_zones_and_limits),
		cmocka_unit_test(test_decide_bad_args),
		cmocka_unit_test(test_decision_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* Unit tests for common/: error strings, locale-independent numbers, units, dates. */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#include "cal/units.h"

static void test_error_every_code_has_text(void **state)
{
	(void)state;
	for (int e = CAL_OK; e >= CAL_ERR_LAST; e--) {
		assert_string_not_equal(cal_strerror(e), "unknown error code");
		assert_string_not_equal(cal_strerror_name(e), "CAL_ERR_UNKNOWN");
	}
	assert_string_equal(cal_strerror_name(CAL_ERR_LAST - 1), "CAL_ERR_UNKNOWN");
}

static void test_error_message_and_prefix(void **state)
{
	(void)state;
	assert_int_equal(cal_error_set(CAL_ERR_ARG, "field '%s' is bad", "max"), CAL_ERR_ARG);
	cal_error_prefix(CAL_ERR_ARG, "bench.yaml:%d: ", 4);
	assert_string_equal(cal_error_last(), "bench.yaml:4: field 'max' is bad");
	cal_error_clear();
	assert_string_equal(cal_error_last(), "");
}

static void test_num_parse_decimals(void **state)
{
	double v;
	int dec;

	(void)state;
	assert_int_equal(cal_num_parse_str(&v, &dec, "100.00"), CAL_OK);
	assert_true(v == 100.0);
	assert_int_equal(dec, 2);
	assert_int_equal(cal_num_parse_str(&v, &dec, "-12.345"), CAL_OK);
	assert_true(v == -12.345);
	assert_int_equal(dec, 3);
	assert_int_equal(cal_num_parse_str(&v, &dec, "+7"), CAL_OK);
	assert_int_equal(dec, 0);
	assert_int_equal(cal_num_parse_str(&v, &dec, "1.5e-3"), CAL_OK);
	assert_int_equal(dec, 4);
	assert_true(fabs(v - 0.0015) < 1e-18);
	assert_int_equal(cal_num_parse_str(&v, &dec, ".5"), CAL_OK);
	assert_int_equal(dec, 1);
}

static void test_num_parse_rejects(void **state)
{
	static const char *bad[] = { "",    "-",   ".",	 "1,5", "1.2.3", " 1",	    "1 ", "0x10",
				     "inf", "nan", "1e", "1e+", "abc",	 "1e99999", "--1" };
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cal_num_parse_str(&v, NULL, bad[i]), CAL_ERR_ARG);
}

static void test_num_locale_independent(void **state)
{
	char buf[32];
	double v;

	(void)state;
	/* Under a decimal-comma locale the text must still use '.'. */
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "vi_VN.UTF-8"))
		skip();
	assert_int_equal(cal_num_parse_str(&v, NULL, "2.5"), CAL_OK);
	assert_true(v == 2.5);
	cal_num_format(buf, sizeof(buf), 2.5, 2);
	assert_string_equal(buf, "2.50");
	setlocale(LC_NUMERIC, "C");
}

static void test_num_format(void **state)
{
	char buf[32];

	(void)state;
	cal_num_format(buf, sizeof(buf), -0.0004, 3);
	assert_string_equal(buf, "0.000");
	cal_num_format(buf, sizeof(buf), 200.00024, 5);
	assert_string_equal(buf, "200.00024");
	cal_num_format_g(buf, sizeof(buf), 0.1);
	assert_string_equal(buf, "0.1");
	/* Shortest exact form, in plain notation for everyday magnitudes. */
	cal_num_format_g(buf, sizeof(buf), 100);
	assert_string_equal(buf, "100");
	cal_num_format_g(buf, sizeof(buf), 30000);
	assert_string_equal(buf, "30000");
	cal_num_format_g(buf, sizeof(buf), 1.25);
	assert_string_equal(buf, "1.25");
	cal_num_format_g(buf, sizeof(buf), -0.00025);
	assert_string_equal(buf, "-0.00025");
	cal_num_format_g(buf, sizeof(buf), 1e-9);
	assert_string_equal(buf, "1e-09");
	cal_num_format_g(buf, sizeof(buf), 9999.88);
	assert_string_equal(buf, "9999.88");

	/* For people: binary noise rounded off, plain notation, C locale. */
	cal_num_format_sig(buf, sizeof(buf), 0.1 + 0.2, 9);
	assert_string_equal(buf, "0.3");
	cal_num_format_g(buf, sizeof(buf), 0.1 + 0.2);
	assert_string_equal(buf, "0.30000000000000004");
	cal_num_format_sig(buf, sizeof(buf), 0.016666666666650003, 4);
	assert_string_equal(buf, "0.01667");
	cal_num_format_sig(buf, sizeof(buf), 30000, 4);
	assert_string_equal(buf, "30000");
	cal_num_format_sig(buf, sizeof(buf), 15000.5, 9);
	assert_string_equal(buf, "15000.5");
	cal_num_format_sig(buf, sizeof(buf), -2.5, 0); /* sig clamped to 1 */
	assert_string_equal(buf, "-2");
	/* binary noise of a unit factor rounded off: -0.12 g is -0.00012 kg */
	assert_true(-120 * 1e-6 != -0.00012);
	assert_true(cal_num_round_sig(-120 * 1e-6, 15) == -0.00012);
	assert_true(cal_num_round_sig(0.1 + 0.2, 15) == 0.3);
	assert_true(cal_num_round_sig(123456, 2) == 120000);
	assert_true(cal_num_round_sig(0, 15) == 0);
}

static void test_units(void **state)
{
	enum cal_unit u;
	double v;

	(void)state;
	assert_int_equal(cal_unit_parse(&u, "mg"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_MG);
	assert_int_equal(cal_unit_parse(&u, "G"), CAL_ERR_ARG);
	assert_int_equal(cal_unit_convert(&v, 1500.0, CAL_UNIT_G, CAL_UNIT_KG), CAL_OK);
	assert_true(fabs(v - 1.5) < 1e-15);
	assert_int_equal(cal_unit_convert(&v, 1.0, CAL_UNIT_LB, CAL_UNIT_G), CAL_OK);
	assert_true(fabs(v - 453.59237) < 1e-9);
	assert_int_equal(cal_unit_convert(&v, 5.0, CAL_UNIT_CT, CAL_UNIT_G), CAL_OK);
	assert_true(fabs(v - 1.0) < 1e-15);
	assert_int_equal(cal_unit_convert(&v, 1.0, CAL_UNIT_G, CAL_UNIT_NONE), CAL_ERR_ARG);
}

/* Temperature: °C has an offset (K = °C + 273.15, ITS-90 / SI); "degC" is accepted. */
static void test_units_temperature(void **state)
{
	enum cal_unit u;
	double v;

	(void)state;
	assert_int_equal(cal_unit_parse(&u, "\xc2\xb0"
					    "C"),
			 CAL_OK);
	assert_int_equal(u, CAL_UNIT_DEGC);
	assert_int_equal(cal_unit_parse(&u, "degC"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_DEGC);
	assert_string_equal(cal_unit_symbol(CAL_UNIT_DEGC), "\xc2\xb0"
							    "C");
	assert_int_equal(cal_unit_quantity(CAL_UNIT_DEGC), CAL_Q_TEMPERATURE);
	assert_string_equal(cal_quantity_si_symbol(CAL_Q_TEMPERATURE), "K");
	assert_true(cal_unit_si_offset(CAL_UNIT_DEGC) == 273.15);
	assert_true(cal_unit_si_offset(CAL_UNIT_K) == 0);
	assert_int_equal(cal_unit_convert(&v, 20.0, CAL_UNIT_DEGC, CAL_UNIT_K), CAL_OK);
	assert_true(v == 293.15);
	assert_int_equal(cal_unit_convert(&v, 273.15, CAL_UNIT_K, CAL_UNIT_DEGC), CAL_OK);
	assert_true(v == 0);
	assert_int_equal(cal_unit_convert(&v, 1.0, CAL_UNIT_DEGC, CAL_UNIT_L), CAL_ERR_ARG);
}

/* Pressure units: factors from their definitions, checked against published values. */
static void test_units_pressure(void **state)
{
	static const struct {
		const char *sym;
		double pa; /* Pa per unit */
		double tol;
	} vec[] = {
		{ "Pa", 1.0, 0 },
		{ "kPa", 1e3, 0 },
		{ "MPa", 1e6, 0 },
		{ "bar", 1e5, 0 },
		{ "mbar", 100.0, 0 },
		{ "psi", 6894.757293168361, 1e-9 }, /* NIST SP 811: 6.894 757 E+03 */
		{ "kgf/cm2", 98066.5, 0 },
		{ "kgf/cm\xc2\xb2", 98066.5, 0 },
		{ "mmHg", 133.322387415, 0 },
		{ "inH2O", 249.08891, 1e-9 },
		{ "inH\xe2\x82\x82O", 249.08891, 1e-9 },
		{ "inH2O@4C", 249.082, 0 },
		{ "atm", 101325.0, 0 },
		{ "mH2O", 9806.65, 0 },
		{ "hPa", 100.0, 0 },
	};
	enum cal_unit u;
	double v;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		assert_int_equal(cal_unit_parse(&u, vec[i].sym), CAL_OK);
		assert_int_equal(cal_unit_quantity(u), CAL_Q_PRESSURE);
		assert_true(fabs(cal_unit_si_factor(u) - vec[i].pa) <= vec[i].tol);
	}
	/* 1 bar = 14.503 773 773 psi; 760 mmHg = 101 325.01 Pa (conventional mmHg) */
	assert_int_equal(cal_unit_convert(&v, 1.0, CAL_UNIT_BAR, CAL_UNIT_PSI), CAL_OK);
	assert_true(fabs(v - 14.503773773) < 1e-9);
	assert_int_equal(cal_unit_convert(&v, 760.0, CAL_UNIT_MMHG, CAL_UNIT_PA), CAL_OK);
	assert_true(fabs(v - 101325.0144354) < 1e-6);
	/* no round-trip noise: 0.16 bar is 16 kPa exactly */
	assert_int_equal(cal_unit_convert(&v, 0.16, CAL_UNIT_BAR, CAL_UNIT_KPA), CAL_OK);
	assert_true(v == 16.0);
	/* mass and pressure do not mix; symbols are case-sensitive */
	assert_int_equal(cal_unit_convert(&v, 1.0, CAL_UNIT_BAR, CAL_UNIT_KG), CAL_ERR_ARG);
	assert_int_equal(cal_unit_parse(&u, "BAR"), CAL_ERR_ARG);
	assert_int_equal(cal_unit_parse(&u, "pa"), CAL_ERR_ARG);
	assert_string_equal(cal_unit_symbol(CAL_UNIT_KGF_CM2), "kgf/cm2");
}

static void test_dates(void **state)
{
	struct cal_date d, e;
	char buf[32];

	(void)state;
	assert_int_equal(cal_date_parse(&d, "2024-01-31"), CAL_OK);
	cal_date_add_months(&e, &d, 1);
	cal_date_format(buf, sizeof(buf), &e);
	assert_string_equal(buf, "2024-02-29");
	assert_int_equal(cal_date_parse(&d, "2026-02-05"), CAL_OK);
	cal_date_add_months(&e, &d, 24);
	cal_date_format(buf, sizeof(buf), &e);
	assert_string_equal(buf, "2028-02-05");
	assert_int_equal(cal_date_parse(&d, "2026-02-30"), CAL_ERR_ARG);
	assert_int_equal(cal_date_parse(&d, "2026-2-3"), CAL_ERR_ARG);
	assert_int_equal(cal_date_parse(&d, "20x6-02-03"), CAL_ERR_ARG);
	cal_date_from_unix(&d, 0);
	assert_int_equal(d.year, 1970);
	cal_time_iso8601(buf, sizeof(buf), 86400 + 3661);
	assert_string_equal(buf, "1970-01-02T01:01:01Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_every_code_has_text),
		cmocka_unit_test(test_error_message_and_prefix),
		cmocka_unit_test(test_num_parse_decimals),
		cmocka_unit_test(test_num_parse_rejects),
		cmocka_unit_test(test_num_locale_independent),
		cmocka_unit_test(test_num_format),
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_units_pressure),
		cmocka_unit_test(test_units_temperature),
		cmocka_unit_test(test_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

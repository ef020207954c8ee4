/*
 * The pressure-controller reply parsers (drivers/cal/pressure.h), on reply
 * lines written out by hand from docs/pressure-dialects.md and the manual
 * excerpts in protocols.md §4.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/pressure.h"

static int parse(int (*fn)(struct cal_prs_reply *, const char *, size_t), struct cal_prs_reply *r,
		 const char *s)
{
	return fn(r, s, strlen(s));
}

static void test_pace_replies(void **state)
{
	struct cal_prs_reply r;

	(void)state;
	assert_int_equal(parse(cal_pace_parse, &r, ":SENS:PRES 1000.523"), CAL_OK);
	assert_string_equal(r.header, ":SENS:PRES");
	assert_int_equal(r.nfield, 1);
	assert_true(r.field[0].number);
	assert_true(r.field[0].value == 1000.523);
	assert_int_equal(r.field[0].decimals, 3);

	/* the fixture's in-limits reply: pressure, flag */
	assert_int_equal(parse(cal_pace_parse, &r, ":SENS:PRES:INL 1000.5, 1"), CAL_OK);
	assert_string_equal(r.header, ":SENS:PRES:INL");
	assert_int_equal(r.nfield, 2);
	assert_true(r.field[0].value == 1000.5);
	assert_int_equal(r.field[0].decimals, 1);
	assert_true(r.field[1].number && r.field[1].value == 1);

	/* header case-folded; negative values */
	assert_int_equal(parse(cal_pace_parse, &r, ":sens:pres -0.9500"), CAL_OK);
	assert_string_equal(r.header, ":SENS:PRES");
	assert_true(r.field[0].value == -0.95);
	assert_int_equal(r.field[0].decimals, 4);

	/* the error queue: a quoted text with a comma inside */
	assert_int_equal(parse(cal_pace_parse, &r, ":SYST:ERR -222,\"Data out of range, high\""),
			 CAL_OK);
	assert_int_equal(r.nfield, 2);
	assert_true(r.field[0].value == -222);
	assert_string_equal(r.field[1].text, "Data out of range, high");
	assert_false(r.field[1].number);

	/* *IDN with and without the echoed header */
	assert_int_equal(
		parse(cal_pace_parse, &r, "*IDN GE Druck,Pace5000 User Interface,3213201,02.00.07"),
		CAL_OK);
	assert_string_equal(r.header, "*IDN");
	assert_int_equal(r.nfield, 4);
	assert_string_equal(r.field[1].text, "Pace5000 User Interface");
	assert_string_equal(r.field[2].text, "3213201");
	assert_int_equal(parse(cal_pace_parse, &r, "GE Druck,PACE5000,77,1"), CAL_OK);
	assert_string_equal(r.header, "");
	assert_string_equal(r.field[0].text, "GE Druck");

	/* a unit reply */
	assert_int_equal(parse(cal_pace_parse, &r, ":UNIT:PRES MBAR"), CAL_OK);
	assert_string_equal(r.field[0].text, "MBAR");
	assert_false(r.field[0].number);
}

static void test_mensor_replies(void **state)
{
	struct cal_prs_reply r;

	(void)state;
	/* exponent form: 5 mantissa decimals, exponent +1 -> 4 decimals */
	assert_int_equal(parse(cal_mensor_parse, &r, " +1.00012E+01"), CAL_OK);
	assert_false(r.error_pending);
	assert_int_equal(r.nfield, 1);
	assert_true(fabs(r.field[0].value - 10.0012) < 1e-12);
	assert_int_equal(r.field[0].decimals, 4);
	assert_int_equal(parse(cal_mensor_parse, &r, " -2.50000E-01"), CAL_OK);
	assert_true(r.field[0].value == -0.25);
	assert_int_equal(r.field[0].decimals, 6);

	/* 'E' instead of the space: errors are queued */
	assert_int_equal(parse(cal_mensor_parse, &r, "E YES"), CAL_OK);
	assert_true(r.error_pending);
	assert_string_equal(r.payload, "YES");
	assert_int_equal(parse(cal_mensor_parse, &r, "E+1.01325E+00"), CAL_OK);
	assert_true(r.error_pending);
	assert_true(r.field[0].value == 1.01325);

	assert_int_equal(parse(cal_mensor_parse, &r, " MENSOR, 600,610189,0.1.5"), CAL_OK);
	assert_int_equal(r.nfield, 4);
	assert_string_equal(r.field[1].text, "600");
	assert_string_equal(r.field[2].text, "610189");
	assert_string_equal(r.field[3].text, "0.1.5");
	assert_false(r.field[3].number); /* "0.1.5" is no number */

	assert_int_equal(parse(cal_mensor_parse, &r, " 2,Data out of range"), CAL_OK);
	assert_true(r.field[0].value == 2);
	assert_string_equal(r.field[1].text, "Data out of range");

	assert_int_equal(parse(cal_mensor_parse, &r, " kg/sq cm"), CAL_OK);
	assert_string_equal(r.payload, "kg/sq cm");
	assert_int_equal(parse(cal_mensor_parse, &r, " "), CAL_ERR_PROTO);
	assert_int_equal(parse(cal_mensor_parse, &r, ""), CAL_ERR_PROTO);
}

static void test_ppc4_replies(void **state)
{
	struct cal_prs_reply r;

	(void)state;
	/* RPM4 manual's PRR? example */
	assert_int_equal(parse(cal_ppc4_parse, &r, "R,2306.265 kPaa,0.011 kPa/s,97.000 kPa a"),
			 CAL_OK);
	assert_false(r.error);
	assert_int_equal(r.nfield, 4);
	assert_string_equal(r.field[0].text, "R");
	assert_true(r.field[1].number && r.field[1].value == 2306.265);
	assert_int_equal(r.field[1].decimals, 3);
	assert_int_equal(r.field[1].unit, CAL_UNIT_KPA);
	assert_int_equal(r.field[1].mode, 'a');
	assert_true(r.field[2].number);
	assert_int_equal(r.field[2].unit, CAL_UNIT_NONE); /* a rate */
	assert_int_equal(r.field[3].unit, CAL_UNIT_KPA);
	assert_int_equal(r.field[3].mode, 'a');

	assert_int_equal(parse(cal_ppc4_parse, &r, "1000.000 kPag"), CAL_OK);
	assert_int_equal(r.field[0].unit, CAL_UNIT_KPA);
	assert_int_equal(r.field[0].mode, 'g');
	assert_int_equal(parse(cal_ppc4_parse, &r, "0.1 kPa"), CAL_OK);
	assert_int_equal(r.field[0].unit, CAL_UNIT_KPA);
	assert_int_equal(r.field[0].mode, 0);
	assert_int_equal(parse(cal_ppc4_parse, &r, "14.50 psig"), CAL_OK);
	assert_int_equal(r.field[0].unit, CAL_UNIT_PSI);
	assert_int_equal(parse(cal_ppc4_parse, &r, "2.5 kcm2g"), CAL_OK);
	assert_int_equal(r.field[0].unit, CAL_UNIT_KGF_CM2);

	/* error replies in the three spellings the manuals show */
	assert_int_equal(parse(cal_ppc4_parse, &r, "ERR# 6"), CAL_OK);
	assert_true(r.error);
	assert_int_equal(r.error_code, 6);
	assert_int_equal(parse(cal_ppc4_parse, &r, "ERR #9"), CAL_OK);
	assert_int_equal(r.error_code, 9);
	assert_int_equal(parse(cal_ppc4_parse, &r, "ERR#13"), CAL_OK);
	assert_int_equal(r.error_code, 13);
	assert_int_equal(parse(cal_ppc4_parse, &r, "ERR# x"), CAL_ERR_PROTO);
	assert_int_equal(parse(cal_ppc4_parse, &r, "ERR# 1.5"), CAL_ERR_PROTO);

	assert_int_equal(parse(cal_ppc4_parse, &r, "NR"), CAL_OK);
	assert_string_equal(r.field[0].text, "NR");
}

static void test_units(void **state)
{
	enum cal_unit u;

	(void)state;
	assert_int_equal(cal_pace_unit_parse(&u, "MBAR"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_MBAR);
	assert_int_equal(cal_pace_unit_parse(&u, "kg/cm2"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_KGF_CM2);
	assert_string_equal(cal_pace_unit_token(CAL_UNIT_PSI), "PSI");
	assert_null(cal_pace_unit_token(CAL_UNIT_INH2O_4C));
	assert_int_equal(cal_pace_unit_parse(&u, "FOO"), CAL_ERR_ARG);
	assert_int_equal(u, CAL_UNIT_NONE);

	assert_int_equal(cal_mensor_unit_parse(&u, "mmHg @0C"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_MMHG);
	assert_int_equal(cal_mensor_unit_parse(&u, "inH2O @4C"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_INH2O_4C);
	assert_int_equal(cal_mensor_unit_code(CAL_UNIT_BAR), 14);
	assert_int_equal(cal_mensor_unit_code(CAL_UNIT_KPA), 22);
	assert_int_equal(cal_mensor_unit_code(CAL_UNIT_MPA), 0);

	assert_int_equal(cal_ppc4_unit_parse(&u, "kcm2"), CAL_OK);
	assert_int_equal(u, CAL_UNIT_KGF_CM2);
	assert_string_equal(cal_ppc4_unit_token(CAL_UNIT_KPA), "kPa");
}

static void test_bad_lines(void **state)
{
	static const char *bad[] = {
		":SENS:PRES 1\x01",	/* control byte */
		":SENS:PRES \"open",	/* unbalanced quote */
		":SENS:PRES 1\xc3\xa9", /* non-ASCII */
		"",
		"   ",
	};
	struct cal_prs_reply r;
	char longl[200];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(cal_pace_parse, &r, bad[i]), CAL_ERR_PROTO);
		assert_int_equal(r.nfield, 0); /* zeroed on failure */
		assert_non_null(strstr(cal_error_last(), "PACE reply"));
	}
	memset(longl, '1', sizeof(longl) - 1);
	longl[sizeof(longl) - 1] = '\0';
	assert_int_equal(parse(cal_ppc4_parse, &r, longl), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "too long"));
	assert_int_equal(parse(cal_ppc4_parse, &r, "1,2,3,4,5,6,7,8,9,10,11"), CAL_ERR_PROTO);
	assert_non_null(strstr(cal_error_last(), "too many fields"));
	assert_int_equal(cal_pace_parse(NULL, "x", 1), CAL_ERR_ARG);
	/* a comma is never a decimal point, whatever the locale */
	assert_int_equal(parse(cal_ppc4_parse, &r, "1000,5 kPa"), CAL_OK);
	assert_int_equal(r.nfield, 2);
	assert_true(r.field[0].value == 1000);
}

static void test_locale_independent(void **state)
{
	struct cal_prs_reply r;

	(void)state;
	if (!setlocale(LC_NUMERIC, "de_DE.UTF-8"))
		skip();
	assert_int_equal(parse(cal_pace_parse, &r, ":SENS:PRES 12.345"), CAL_OK);
	assert_true(r.field[0].value == 12.345);
	setlocale(LC_NUMERIC, "C");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pace_replies), cmocka_unit_test(test_mensor_replies),
		cmocka_unit_test(test_ppc4_replies), cmocka_unit_test(test_units),
		cmocka_unit_test(test_bad_lines),    cmocka_unit_test(test_locale_independent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

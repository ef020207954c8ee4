/*
 * MT-SICS response parser on fixed byte vectors (protocols.md 1.2-1.7).
 *
 * Every vector is copied into a heap buffer of exactly its length, with no
 * NUL after it, so that AddressSanitizer catches any read past the end.
 */
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cal/error.h"
#include "cal/mtsics.h"
#include "cal/units.h"

/* Parse len bytes of s from an exact-size heap copy. */
static int parse_n(struct cal_mtsics_resp *r, const char *s, size_t len)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, s, len);
	rc = cal_mtsics_parse(r, copy, len);
	free(copy);
	return rc;
}

static int parse(struct cal_mtsics_resp *r, const char *s)
{
	return parse_n(r, s, strlen(s));
}

static void assert_rejected(const char *s, size_t len)
{
	struct cal_mtsics_resp r;

	memset(&r, 0xA5, sizeof(r));
	cal_error_clear();
	assert_int_equal(parse_n(&r, s, len), CAL_ERR_PROTO);
	/* Zeroed on error, and a message naming the problem. */
	assert_int_equal(r.kind, 0);
	assert_string_equal(r.id, "");
	assert_int_equal(r.nparam, 0);
	assert_non_null(strstr(cal_error_last(), "bad MT-SICS line"));
}

#define REJECT(lit) assert_rejected(lit, sizeof(lit) - 1)

static void test_mtsics_canonical_stable_weight(void **state)
{
	/* protocols.md 1.2: 53 20 53 20 20 20 20 20 31 30 30 2E 30 30 20 67 */
	static const char bytes[] = { 0x53, 0x20, 0x53, 0x20, 0x20, 0x20, 0x20, 0x20,
				      0x31, 0x30, 0x30, 0x2E, 0x30, 0x30, 0x20, 0x67 };
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse_n(&r, bytes, sizeof(bytes)), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_WEIGHT);
	assert_string_equal(r.id, "S");
	assert_int_equal(r.status, 'S');
	assert_true(r.value == 100.0);
	assert_int_equal(r.decimals, 2);
	assert_int_equal(r.unit, CAL_UNIT_G);
	assert_int_equal(r.nparam, 0);
}

static void test_mtsics_negative_dynamic(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse(&r, "S D    -12.34 g"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_WEIGHT);
	assert_int_equal(r.status, 'D');
	assert_true(fabs(r.value + 12.34) < 1e-12);
	assert_int_equal(r.decimals, 2);

	/* Other widths and units: split on spaces, not columns. */
	assert_int_equal(parse(&r, "S S 0.0001 kg"), CAL_OK);
	assert_int_equal(r.unit, CAL_UNIT_KG);
	assert_int_equal(r.decimals, 4);
	assert_int_equal(parse(&r, "S S        5 mg"), CAL_OK);
	assert_int_equal(r.unit, CAL_UNIT_MG);
	assert_int_equal(r.decimals, 0);
	assert_int_equal(parse(&r, "S S   1000.000 ct"), CAL_OK);
	assert_int_equal(r.unit, CAL_UNIT_CT);
	assert_int_equal(parse(&r, "S S +3.5 g"), CAL_OK);
	assert_true(r.value == 3.5);
	/* Leading and trailing spaces are tolerated. */
	assert_int_equal(parse(&r, "  S S 1.0 g  "), CAL_OK);
	assert_true(r.value == 1.0);
}

static void test_mtsics_status_without_value(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse(&r, "S +"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_OVERLOAD);
	assert_int_equal(r.status, '+');
	assert_int_equal(r.unit, CAL_UNIT_NONE);
	assert_int_equal(parse(&r, "S -"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_UNDERLOAD);
	assert_int_equal(parse(&r, "S I"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_BUSY);
	assert_int_equal(parse(&r, "D L"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_LOGICAL);
	assert_string_equal(r.id, "D");
	assert_int_equal(parse(&r, "Z +"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_OVERLOAD);
	assert_string_equal(r.id, "Z");
}

static void test_mtsics_acks(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse(&r, "Z A"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_ACK);
	assert_string_equal(r.id, "Z");
	assert_int_equal(r.status, 'A');
	assert_int_equal(parse(&r, "ZI D"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_ACK);
	assert_int_equal(r.status, 'D');
	assert_int_equal(parse(&r, "TAC A"), CAL_OK);
	assert_string_equal(r.id, "TAC");

	assert_int_equal(parse(&r, "T S    10.00 g"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_WEIGHT);
	assert_string_equal(r.id, "T");
	assert_true(r.value == 10.0);
	assert_int_equal(parse(&r, "TA A 10.00 g"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_WEIGHT);
	assert_int_equal(r.status, 'A');
}

static void test_mtsics_quoted_text(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse(&r, "I4 A \"B123456\""), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_TEXT);
	assert_string_equal(r.id, "I4");
	assert_int_equal(r.nparam, 1);
	assert_string_equal(r.param[0], "B123456");

	assert_int_equal(parse(&r, "I2 A \"XS205 Excellence 220.0000 g\""), CAL_OK);
	assert_int_equal(r.nparam, 1);
	assert_string_equal(r.param[0], "XS205 Excellence 220.0000 g");

	assert_int_equal(parse(&r, "I1 A \"\" \"2.2x\" \"2.2x\" \"\" \"\""), CAL_OK);
	assert_int_equal(r.nparam, 5);
	assert_string_equal(r.param[0], "");
	assert_string_equal(r.param[1], "2.2x");
	assert_string_equal(r.param[4], "");

	assert_int_equal(parse(&r, "I0 B 1 \"D\""), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_TEXT);
	assert_int_equal(r.status, 'B');
	assert_string_equal(r.param[0], "1");
	assert_string_equal(r.param[1], "D");
}

static void test_mtsics_error_lines(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	assert_int_equal(parse(&r, "ES"), CAL_OK);
	assert_int_equal(r.kind, CAL_MTSICS_ERROR);
	assert_string_equal(r.id, "ES");
	assert_int_equal(r.status, 0);
	assert_int_equal(parse(&r, "ET"), CAL_OK);
	assert_string_equal(r.id, "ET");
	assert_int_equal(parse(&r, "EL"), CAL_OK);
	assert_string_equal(r.id, "EL");
	REJECT("ES A");
}

static void test_mtsics_unknown_units(void **state)
{
	(void)state;
	REJECT("S S 100.00 lbs");
	REJECT("S S 100.00 G"); /* units keep their case */
	REJECT("S S 100.00 gram");
	REJECT("S S 100.00 \"g\"");
	assert_non_null(strstr(cal_error_last(), "S S 100.00 \\\"g\\\""));
	REJECT("S S 100.00 xyz");
	assert_non_null(strstr(cal_error_last(), "unknown unit"));
	assert_non_null(strstr(cal_error_last(), "S S 100.00 xyz"));
}

static void test_mtsics_truncated_and_missing(void **state)
{
	struct cal_mtsics_resp r;

	(void)state;
	REJECT("");
	REJECT("   ");
	REJECT("S");
	REJECT("S S     100.00"); /* value with no unit */
	assert_non_null(strstr(cal_error_last(), "no unit"));
	REJECT("S S     100.00 g extra");
	REJECT("S + 5");
	REJECT("S X 1 g");
	REJECT("S SS 1 g");
	REJECT("s S 1 g");
	REJECT("SIRUXY S 1 g");
	REJECT("4I A \"x\"");
	REJECT("I4 A \"B1234");
	REJECT("I4 A \"B12\"34");
	REJECT("I4 A B\"12\"");
	REJECT("\"S\" S 1 g");
	REJECT("S \"S\" 1 g");
	REJECT("I4 A 1 2 3 4 5 6 7 8 9");
	assert_int_equal(parse(&r, "I4 A 1 2 3 4 5 6 7 8"), CAL_OK);
	assert_int_equal(r.nparam, 8);
	/* NULL with zero length, NULL out. */
	assert_int_equal(cal_mtsics_parse(&r, NULL, 0), CAL_ERR_PROTO);
	assert_int_equal(cal_mtsics_parse(NULL, "S +", 3), CAL_ERR_ARG);
	assert_int_equal(cal_mtsics_parse(&r, NULL, 3), CAL_ERR_ARG);
}

static void test_mtsics_bad_numbers(void **state)
{
	(void)state;
	REJECT("S S 1.2.3 g");
	REJECT("S S 1,50 g");
	REJECT("S S - 12.34 g"); /* sign must be glued to the digits */
	REJECT("S S +-1 g");
	REJECT("S S . g");
	REJECT("S S nan g");
	REJECT("S S inf g");
	REJECT("S S 0x10 g");
	REJECT("S S 1e999 g");
	REJECT("S S 12a g");
}

static void test_mtsics_bad_bytes(void **state)
{
	static const char nul[] = "S S\0    100.00 g";
	static const char high[] = "S S     100.00 \xb5g";
	static const char del[] = "S S 1 g\x7f";

	(void)state;
	assert_rejected(nul, sizeof(nul) - 1);
	assert_non_null(strstr(cal_error_last(), "\\x00"));
	assert_rejected(high, sizeof(high) - 1);
	assert_non_null(strstr(cal_error_last(), "\\xB5"));
	assert_rejected(del, sizeof(del) - 1);
	REJECT("S S 1 g\r");
	REJECT("S S\t1 g");
	REJECT("\n");
}

static void test_mtsics_line_length(void **state)
{
	char line[200];
	struct cal_mtsics_resp r;
	size_t n;

	(void)state;
	/* I2 A "xxx...": exactly 127 bytes is accepted, 128 is not. */
	memcpy(line, "I2 A \"", 6);
	n = 127 - 7;
	memset(line + 6, 'x', n);
	line[6 + n] = '"';
	assert_int_equal(parse_n(&r, line, 127), CAL_OK);
	assert_int_equal(strlen(r.param[0]), n);
	memset(line + 6, 'x', n + 1);
	line[6 + n + 1] = '"';
	assert_rejected(line, 128);
	assert_non_null(strstr(cal_error_last(), "longer than 127"));
}

static void test_mtsics_locale_independent(void **state)
{
	struct cal_mtsics_resp r;
	const char *loc = setlocale(LC_NUMERIC, "de_DE.UTF-8");

	(void)state;
	if (!loc)
		loc = setlocale(LC_NUMERIC, "de_DE.utf8");
	if (!loc) {
		skip();
		return;
	}
	assert_int_equal(parse(&r, "S S     100.25 g"), CAL_OK);
	assert_true(r.value == 100.25);
	assert_int_equal(r.decimals, 2);
	REJECT("S S     100,25 g");
	setlocale(LC_NUMERIC, "C");
}

static void test_mtsics_kind_names(void **state)
{
	(void)state;
	for (int k = CAL_MTSICS_WEIGHT; k <= CAL_MTSICS_LOGICAL; k++)
		assert_string_not_equal(cal_mtsics_kind_name((enum cal_mtsics_kind)k), "unknown");
	assert_string_equal(cal_mtsics_kind_name((enum cal_mtsics_kind)0), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtsics_canonical_stable_weight),
		cmocka_unit_test(test_mtsics_negative_dynamic),
		cmocka_unit_test(test_mtsics_status_without_value),
		cmocka_unit_test(test_mtsics_acks),
		cmocka_unit_test(test_mtsics_quoted_text),
		cmocka_unit_test(test_mtsics_error_lines),
		cmocka_unit_test(test_mtsics_unknown_units),
		cmocka_unit_test(test_mtsics_truncated_and_missing),
		cmocka_unit_test(test_mtsics_bad_numbers),
		cmocka_unit_test(test_mtsics_bad_bytes),
		cmocka_unit_test(test_mtsics_line_length),
		cmocka_unit_test(test_mtsics_locale_independent),
		cmocka_unit_test(test_mtsics_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

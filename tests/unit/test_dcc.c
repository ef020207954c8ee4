/*
 * Unit tests for the machine-readable exports (documents/dcc.c, json.c,
 * docout.c): XML escaping of what XML 1.0 forbids, base64, the D-SI units,
 * the output buffer, and a DCC from a hand-made record whose numbers are
 * missing or odd (left out, never "nan"). The whole DCC against the schema
 * is checked by tests/integration/cert_export.sh (xmllint).
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

#include "cal/dcc.h"
#include "cal/docout.h"
#include "cal/error.h"
#include "cal/json.h"

/* The text cal_xml_text() makes of @s. Free it. */
static char *xml_of(const char *s)
{
	struct cal_docout o;
	char *buf = NULL;

	cal_docout_buffer(&o);
	cal_xml_text(&o, s);
	assert_int_equal(cal_docout_take(&buf, NULL, &o), CAL_OK);
	return buf;
}

static void expect_xml(const char *in, const char *want)
{
	char *got = xml_of(in);

	assert_string_equal(got, want);
	free(got);
}

static void test_xml_escapes(void **state)
{
	(void)state;
	expect_xml("a<b>&\"'z", "a&lt;b&gt;&amp;&quot;&apos;z");
	expect_xml("tab\there\nline", "tab\there\nline");
	expect_xml("cr\r", "cr&#13;");
	expect_xml("]]>", "]]&gt;");
	expect_xml("", "");
	expect_xml(NULL, "");
	/* UTF-8 that XML allows passes as written */
	expect_xml("Giấy chứng nhận kiểm định", "Giấy chứng nhận kiểm định");
	expect_xml("\xf0\x9f\x98\x80 \xc2\xb1 \x7f", "\xf0\x9f\x98\x80 \xc2\xb1 \x7f");
}

static void test_xml_forbidden_become_replacement(void **state)
{
	(void)state;
	expect_xml("a\x01z", "a\xef\xbf\xbdz");				    /* C0 control */
	expect_xml("\x1b[31m", "\xef\xbf\xbd[31m");			    /* escape */
	expect_xml("\xff", "\xef\xbf\xbd");				    /* not UTF-8 */
	expect_xml("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");		    /* overlong '/' */
	expect_xml("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	expect_xml("\xef\xbf\xbe", "\xef\xbf\xbd");			    /* U+FFFE */
	expect_xml("x\xe1\x88", "x\xef\xbf\xbd\xef\xbf\xbd");		    /* cut short */
	expect_xml("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static char *b64_of(const char *s, size_t n)
{
	struct cal_docout o;
	char *buf = NULL;

	cal_docout_buffer(&o);
	cal_base64(&o, s, n);
	assert_int_equal(cal_docout_take(&buf, NULL, &o), CAL_OK);
	return buf;
}

static void test_base64(void **state)
{
	/* RFC 4648 §10 */
	static const char *const v[][2] = { { "", "" },
					    { "f", "Zg==" },
					    { "fo", "Zm8=" },
					    { "foo", "Zm9v" },
					    { "foob", "Zm9vYg==" },
					    { "fooba", "Zm9vYmE=" },
					    { "foobar", "Zm9vYmFy" } };
	char in[200], *out;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		out = b64_of(v[i][0], strlen(v[i][0]));
		assert_string_equal(out, v[i][1]);
		free(out);
	}
	/* 57 bytes: one full line of 76, no newline; 58: a second line */
	memset(in, 0xff, sizeof(in));
	out = b64_of(in, 57);
	assert_int_equal(strlen(out), 76);
	assert_null(strchr(out, '\n'));
	free(out);
	out = b64_of(in, 58);
	assert_int_equal(strlen(out), 76 + 1 + 4);
	assert_int_equal(out[76], '\n');
	assert_string_equal(out + 77, "/w==");
	free(out);
}

static void expect_unit(const char *unit, const char *dsi, double factor)
{
	const char *got = NULL;
	double f = 0;

	assert_int_equal(cal_dcc_unit(&got, &f, unit), CAL_OK);
	assert_string_equal(got, dsi);
	assert_true(fabs(f - factor) <= 1e-12 * factor);
}

static void test_dsi_units(void **state)
{
	const char *got = NULL;

	(void)state;
	expect_unit("kg", "\\kilogram", 1);
	expect_unit("g", "\\gram", 1);
	expect_unit("mg", "\\milli\\gram", 1);
	expect_unit("t", "\\tonne", 1);
	expect_unit("bar", "\\bar", 1);
	expect_unit("mbar", "\\milli\\bar", 1);
	expect_unit("kPa", "\\kilo\\pascal", 1);
	expect_unit("MPa", "\\mega\\pascal", 1);
	expect_unit("Pa", "\\pascal", 1);
	expect_unit("mA", "\\milli\\ampere", 1);
	expect_unit("m3", "\\metre\\tothe{3}", 1);
	expect_unit("m\xc2\xb3", "\\metre\\tothe{3}", 1);
	expect_unit("L", "\\litre", 1);
	expect_unit("m3/h", "\\metre\\tothe{3}\\hour\\tothe{-1}", 1);
	expect_unit("L/min", "\\litre\\minute\\tothe{-1}", 1);
	expect_unit("%", "\\percent", 1);
	expect_unit("\xc2\xb0"
		    "C",
		    "\\degreecelsius", 1);
	/* no D-SI name: the SI unit with the exact factor */
	expect_unit("psi", "\\pascal", 0.45359237 * 9.80665 / (0.0254 * 0.0254));
	expect_unit("mmHg", "\\pascal", 133.322387415);
	expect_unit("kgf/cm2", "\\pascal", 98066.5);
	expect_unit("lb", "\\kilogram", 0.45359237);
	assert_int_equal(cal_dcc_unit(&got, NULL, "furlong"), CAL_ERR_ARG);
	assert_null(got);
	assert_int_equal(cal_dcc_unit(&got, NULL, NULL), CAL_ERR_ARG);
	cal_error_clear();
}

static void test_docout_buffer_grows(void **state)
{
	struct cal_docout o;
	char chunk[1000], big[600], *buf = NULL;
	size_t len = 0;

	(void)state;
	memset(chunk, 'a', sizeof(chunk));
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cal_docout_buffer(&o);
	for (int i = 0; i < 100; i++)
		cal_docout_write(&o, chunk, sizeof(chunk));
	cal_docout_printf(&o, "%s|%d", big, 42);
	assert_int_equal(cal_docout_error(&o), CAL_OK);
	assert_int_equal(cal_docout_take(&buf, &len, &o), CAL_OK);
	assert_int_equal(len, 100000 + 599 + 3);
	assert_int_equal(strlen(buf), len);
	assert_string_equal(buf + 100000 + 599, "|42");
	free(buf);
	/* taken: the output is empty again */
	assert_int_equal(cal_docout_take(&buf, &len, &o), CAL_OK);
	assert_string_equal(buf, "");
	free(buf);
	cal_docout_free(&o);
}

static void test_json_strings(void **state)
{
	struct cal_docout o;
	char *buf = NULL;

	(void)state;
	cal_docout_buffer(&o);
	cal_json_str(&o, "<x>&\"'\x01\\\n");
	cal_json_num(&o, NAN, -1);
	cal_json_num(&o, 0.1 + 0.2, 2);
	assert_int_equal(cal_docout_take(&buf, NULL, &o), CAL_OK);
	assert_string_equal(buf, "\"<x>&\\\"'\\u0001\\\\\\n\"null0.30");
	free(buf);
}

/* A record made by hand: a verification with odd numbers. */
static struct cal_certdoc *record(void)
{
	struct cal_certdoc *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	snprintf(d->v.cert.number, sizeof(d->v.cert.number), "T-<1>");
	d->v.cert.kind = CAL_CERT_VERIFICATION;
	snprintf(d->v.cert.issue_date, sizeof(d->v.cert.issue_date), "2026-03-01");
	snprintf(d->v.cert.valid_until, sizeof(d->v.cert.valid_until), "2027-03-01");
	snprintf(d->v.run.started_at, sizeof(d->v.run.started_at), "2026-02-28T23:10:00Z");
	snprintf(d->v.run.finished_at, sizeof(d->v.run.finished_at), "2026-03-01T00:20:00Z");
	snprintf(d->v.run.verdict, sizeof(d->v.run.verdict), "PASS");
	snprintf(d->v.run.mode, sizeof(d->v.run.mode), "initial");
	snprintf(d->decision_rule, sizeof(d->decision_rule), "simple acceptance");
	d->results = calloc(3, sizeof(*d->results));
	assert_non_null(d->results);
	d->n_results = 3;
	/* 1: a point in psi (converted to Pa), U with k < 1 (left out) */
	d->results[0] = (struct cal_result){ .seq = 1,
					     .load = 10,
					     .ref = 10,
					     .indication = 10.2,
					     .decimals = 1,
					     .error = 0.2,
					     .mpe = 0.5,
					     .u = 0.1,
					     .k = 0.5,
					     .reading_id = 1 };
	snprintf(d->results[0].test, sizeof(d->results[0].test), "pressure");
	snprintf(d->results[0].unit, sizeof(d->results[0].unit), "psi");
	snprintf(d->results[0].verdict, sizeof(d->results[0].verdict), "PASS");
	/* 2: no reference, error not finite, an unknown unit */
	d->results[1] = (struct cal_result){ .seq = 2,
					     .load = 5,
					     .ref = NAN,
					     .indication = 5,
					     .error = INFINITY,
					     .mpe = 1,
					     .u = NAN,
					     .k = NAN };
	snprintf(d->results[1].test, sizeof(d->results[1].test), "weighing");
	snprintf(d->results[1].unit, sizeof(d->results[1].unit), "xyz");
	/* 3: a calibration point in g with U and k */
	d->results[2] = (struct cal_result){ .seq = 3,
					     .load = 100,
					     .ref = 100.0008,
					     .indication = 100.001,
					     .decimals = 3,
					     .error = 0.0002,
					     .mpe = 0.01,
					     .u = 0.0012345,
					     .k = 2.13,
					     .reading_id = 2 };
	snprintf(d->results[2].test, sizeof(d->results[2].test), "calibration");
	snprintf(d->results[2].unit, sizeof(d->results[2].unit), "g");
	snprintf(d->results[2].verdict, sizeof(d->results[2].verdict), "FAIL");
	return d;
}

static char *dcc_of(const struct cal_certdoc *d, const struct cal_dcc_options *opt, int want)
{
	struct cal_docout o;
	char *buf = NULL;

	cal_docout_buffer(&o);
	assert_int_equal(cal_dcc_write(&o, d, opt), want);
	if (want) {
		cal_docout_free(&o);
		cal_error_clear();
		return NULL;
	}
	assert_int_equal(cal_docout_take(&buf, NULL, &o), CAL_OK);
	return buf;
}

static void test_dcc_odd_record(void **state)
{
	struct cal_certdoc *d = record();
	struct cal_dcc_options opt = { .pdf = "%PDF-1.4", .pdf_size = 8, .pdf_name = "a&b.pdf" };
	char *x;

	(void)state;
	/* a comma locale changes nothing (when the system has one) */
	setlocale(LC_ALL, "de_DE.UTF-8");
	x = dcc_of(d, &opt, CAL_OK);
	setlocale(LC_ALL, "C");
	assert_non_null(strstr(x, "schemaVersion=\"3.1.2\""));
	assert_non_null(strstr(x, "<dcc:uniqueIdentifier>T-&lt;1&gt;</dcc:uniqueIdentifier>"));
	/* the run's dates, the validity */
	assert_non_null(
		strstr(x, "<dcc:beginPerformanceDate>2026-02-28</dcc:beginPerformanceDate>"));
	assert_non_null(strstr(x, "<dcc:endPerformanceDate>2026-03-01</dcc:endPerformanceDate>"));
	assert_non_null(strstr(x, "<dcc:date>2027-03-01</dcc:date>"));
	/* psi in Pa: 10.2 psi = 70326.5243903 Pa (12 significant digits) */
	assert_non_null(strstr(x, "<si:value>70326.5243903</si:value>"));
	/* k < 1: no U at all; no "nan" or "inf" anywhere; the unknown unit as text */
	assert_null(strstr(x, "<si:coverageFactor>0"));
	assert_null(strstr(x, ">nan<"));
	assert_null(strstr(x, "inf<"));
	assert_non_null(strstr(x, "<dcc:content>5 xyz</dcc:content>"));
	/* U to two significant digits, k to two decimals, p 0.95 */
	assert_non_null(strstr(x, "<si:value>0.00020</si:value>"));
	assert_non_null(strstr(x, "<si:uncertainty>0.0012</si:uncertainty>"));
	assert_non_null(strstr(x, "<si:coverageFactor>2.13</si:coverageFactor>"));
	assert_non_null(strstr(x, "<dcc:conformity>fail</dcc:conformity>"));
	for (const char *p = strstr(x, "<si:value>"); p; p = strstr(p + 1, "<si:value>"))
		assert_true(strcspn(p, ",") > strcspn(p, "/")); /* no decimal comma before </ */
	/* the PDF */
	assert_non_null(strstr(x, "<dcc:fileName>a&amp;b.pdf</dcc:fileName>"));
	assert_non_null(strstr(x, "<dcc:dataBase64>JVBERi0xLjQ=</dcc:dataBase64>"));
	free(x);

	/* no PDF: no dcc:document */
	x = dcc_of(d, NULL, CAL_OK);
	assert_null(strstr(x, "dcc:document"));
	free(x);

	/* no results: one result saying so (the schema wants one) */
	d->n_results = 0;
	x = dcc_of(d, NULL, CAL_OK);
	assert_non_null(strstr(x, "No results were recorded"));
	free(x);

	/* no usable date at all */
	d->v.run.started_at[0] = '\0';
	snprintf(d->v.cert.issue_date, sizeof(d->v.cert.issue_date), "2026-02-30");
	dcc_of(d, NULL, CAL_ERR_ARG);
	free(d->results);
	free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xml_escapes),
		cmocka_unit_test(test_xml_forbidden_become_replacement),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_dsi_units),
		cmocka_unit_test(test_docout_buffer_grows),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_dcc_odd_record),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

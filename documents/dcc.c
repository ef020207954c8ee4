/*
 * The PTB Digital Calibration Certificate of a document (cal/dcc.h).
 *
 * Schema: DCC 3.1.2 (https://ptb.de/dcc/v3.1.2/dcc.xsd) and D-SI 2.1.0,
 * copies in docs/dcc/; tests validate every export against them with
 * xmllint. What 3.1.2 constrains and this file relies on:
 *  - administrativeData is an xs:all of dccSoftware, coreData, items,
 *    calibrationLaboratory, respPersons, customer and optional statements;
 *    3.1.2 has no issueDate (3.2 added it) and no name in a statement, so
 *    the issue date and validity are statements with a dcc:date;
 *  - a contactType needs name, eMail and a location with at least one
 *    child: the customer is the instrument's owner, whose e-mail and address
 *    the register does not keep (an empty eMail, a location saying so);
 *  - si:coverageFactor matches [1-9]\d*(\.\d*)?: k below 1 (never seen) is
 *    left out with its U; si:value and si:uncertainty are xs:double
 *    patterns without INF/NaN: values that are not finite are left out;
 *  - dcc:document is optional: written only when a PDF is given.
 * refType values: "basic_*" where the DCC community has one (nominal,
 * reference, measured value, error, conformity), "calbench_*" for ours.
 *
 * Text is escaped here (cal_xml_text) and nowhere else; numbers come from
 * cal_num_format*() and cal_round_sig(), never printf's %f / %g.
 */
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cal/dcc.h"
#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/units.h"

#ifndef CAL_DOCUMENTS_VERSION
#define CAL_DOCUMENTS_VERSION "unknown"
#endif

/* The country of the centre (coreData, the legal statement, the lab's location). */
#define COUNTRY "VN"

/* ---- text ------------------------------------------------------------------ */

/*
 * The code point of the UTF-8 sequence at @s (@n bytes left) and its length,
 * or 0 when it is not well-formed (bad lead or continuation byte, overlong,
 * surrogate, beyond U+10FFFF, cut short).
 */
static size_t utf8_next(uint32_t *cp, const unsigned char *s, size_t n)
{
	uint32_t c = s[0], min;
	size_t len;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* A character XML 1.0 allows (production [2] Char). */
static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	       (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

void cal_xml_text(struct cal_docout *out, const char *s)
{
	static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
	const unsigned char *p = (const unsigned char *)s;
	size_t n = s ? strlen(s) : 0, run = 0;

	while (n > 0) {
		const char *ent = NULL;
		uint32_t c = 0;
		size_t len = utf8_next(&c, p + run, n);

		if (len == 0 || !xml_char(c)) {
			ent = replacement;
			if (len == 0)
				len = 1; /* skip one byte of a broken sequence */
		} else if (c == '&') {
			ent = "&amp;";
		} else if (c == '<') {
			ent = "&lt;";
		} else if (c == '>') {
			ent = "&gt;";
		} else if (c == '"') {
			ent = "&quot;";
		} else if (c == '\'') {
			ent = "&apos;";
		} else if (c == '\r') {
			ent = "&#13;"; /* a parser would turn a literal CR into LF */
		}
		if (ent) {
			cal_docout_write(out, p, run);
			cal_docout_puts(out, ent);
			p += run + len;
			run = 0;
		} else {
			run += len;
		}
		n -= len;
	}
	cal_docout_write(out, p, run);
}

void cal_base64(struct cal_docout *out, const void *data, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = data;
	char line[80];
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t m = n - i < 3 ? n - i : 3;

		if (m > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (m > 2)
			v |= p[i + 2];
		line[k++] = a[(v >> 18) & 63];
		line[k++] = a[(v >> 12) & 63];
		line[k++] = m > 1 ? a[(v >> 6) & 63] : '=';
		line[k++] = m > 2 ? a[v & 63] : '=';
		if (k == 76 || i + 3 >= n) {
			if (i + 3 < n)
				line[k++] = '\n';
			cal_docout_write(out, line, k);
			k = 0;
		}
	}
}

/* ---- units ------------------------------------------------------------------ */

int cal_dcc_unit(const char **dsi, double *factor, const char *unit)
{
	enum cal_unit u;
	const char *s = NULL;
	double f = 1.0;

	*dsi = NULL;
	if (factor)
		*factor = 1.0;
	if (unit && strcmp(unit, "%") == 0) {
		*dsi = "\\percent";
		return CAL_OK;
	}
	if (!unit || cal_unit_parse(&u, unit) != CAL_OK)
		return cal_error_set(CAL_ERR_ARG, "no D-SI unit for '%s'", unit ? unit : "");
	switch (u) {
	case CAL_UNIT_KG:
		s = "\\kilogram";
		break;
	case CAL_UNIT_G:
		s = "\\gram";
		break;
	case CAL_UNIT_MG:
		s = "\\milli\\gram";
		break;
	case CAL_UNIT_UG:
		s = "\\micro\\gram";
		break;
	case CAL_UNIT_T:
		s = "\\tonne";
		break;
	case CAL_UNIT_PA:
		s = "\\pascal";
		break;
	case CAL_UNIT_KPA:
		s = "\\kilo\\pascal";
		break;
	case CAL_UNIT_MPA:
		s = "\\mega\\pascal";
		break;
	case CAL_UNIT_HPA:
		s = "\\hecto\\pascal";
		break;
	case CAL_UNIT_BAR:
		s = "\\bar";
		break;
	case CAL_UNIT_MBAR:
		s = "\\milli\\bar";
		break;
	case CAL_UNIT_A:
		s = "\\ampere";
		break;
	case CAL_UNIT_MA:
		s = "\\milli\\ampere";
		break;
	case CAL_UNIT_M3:
		s = "\\metre\\tothe{3}";
		break;
	case CAL_UNIT_L:
		s = "\\litre";
		break;
	case CAL_UNIT_ML:
		s = "\\milli\\litre";
		break;
	case CAL_UNIT_M3_S:
		s = "\\metre\\tothe{3}\\second\\tothe{-1}";
		break;
	case CAL_UNIT_M3_H:
		s = "\\metre\\tothe{3}\\hour\\tothe{-1}";
		break;
	case CAL_UNIT_L_S:
		s = "\\litre\\second\\tothe{-1}";
		break;
	case CAL_UNIT_L_MIN:
		s = "\\litre\\minute\\tothe{-1}";
		break;
	case CAL_UNIT_L_H:
		s = "\\litre\\hour\\tothe{-1}";
		break;
	case CAL_UNIT_M_S:
		s = "\\metre\\second\\tothe{-1}";
		break;
	case CAL_UNIT_K:
		s = "\\kelvin";
		break;
	case CAL_UNIT_DEGC:
		s = "\\degreecelsius";
		break;
	default:
		/* no D-SI name (carat, pound, ounce; psi, kgf/cm2, mmHg, inH2O, atm,
		 * mH2O): the coherent SI unit, exact factors of common/units.c */
		f = cal_unit_si_factor(u);
		switch (cal_unit_quantity(u)) {
		case CAL_Q_MASS:
			s = "\\kilogram";
			break;
		case CAL_Q_PRESSURE:
			s = "\\pascal";
			break;
		default:
			return cal_error_set(CAL_ERR_ARG, "no D-SI unit for '%s'", unit);
		}
	}
	*dsi = s;
	if (factor)
		*factor = f;
	return CAL_OK;
}

/* ---- XML writing ---------------------------------------------------------- */

struct xw {
	struct cal_docout *o;
	int depth;
};

static void indent(struct xw *w)
{
	for (int i = 0; i < w->depth; i++)
		cal_docout_puts(w->o, "  ");
}

/* <tag> or <tag refType="..."> on its own line; @ref_type is one of ours, never user text. */
static void x_open(struct xw *w, const char *tag, const char *ref_type)
{
	indent(w);
	if (ref_type)
		cal_docout_printf(w->o, "<%s refType=\"%s\">\n", tag, ref_type);
	else
		cal_docout_printf(w->o, "<%s>\n", tag);
	w->depth++;
}

static void x_close(struct xw *w, const char *tag)
{
	w->depth--;
	indent(w);
	cal_docout_printf(w->o, "</%s>\n", tag);
}

/* <tag>text</tag>, the text escaped. */
static void leaf(struct xw *w, const char *tag, const char *text)
{
	indent(w);
	cal_docout_printf(w->o, "<%s>", tag);
	cal_xml_text(w->o, text);
	cal_docout_printf(w->o, "</%s>\n", tag);
}

/* <dcc:content [lang="LANG"]>PIECE PIECE ...</dcc:content>: the pieces (NULL-terminated) escaped.
 */
static void content(struct xw *w, const char *lang, ...)
{
	va_list ap;
	const char *s;

	indent(w);
	if (lang)
		cal_docout_printf(w->o, "<dcc:content lang=\"%s\">", lang);
	else
		cal_docout_puts(w->o, "<dcc:content>");
	va_start(ap, lang);
	for (s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
		cal_xml_text(w->o, s);
	va_end(ap);
	cal_docout_puts(w->o, "</dcc:content>\n");
}

/* A textType in both languages. */
static void text2(struct xw *w, const char *tag, const char *vi, const char *en)
{
	x_open(w, tag, NULL);
	content(w, "vi", vi, NULL);
	content(w, "en", en, NULL);
	x_close(w, tag);
}

/* A textType holding register text as written (no language); "not recorded" when empty. */
static void text1(struct xw *w, const char *tag, const char *s)
{
	if (!s || !s[0]) {
		text2(w, tag, "không ghi", "not recorded");
		return;
	}
	x_open(w, tag, NULL);
	content(w, NULL, s, NULL);
	x_close(w, tag);
}

/* <si:real>: value (text), D-SI unit, and U with k when @U is not NULL. */
static void si_real(struct xw *w, const char *value, const char *dsi, const char *U, const char *k)
{
	x_open(w, "si:real", NULL);
	leaf(w, "si:value", value);
	leaf(w, "si:unit", dsi);
	if (U) {
		x_open(w, "si:expandedUnc", NULL);
		leaf(w, "si:uncertainty", U);
		leaf(w, "si:coverageFactor", k);
		leaf(w, "si:coverageProbability", "0.95");
		x_close(w, "si:expandedUnc");
	}
	x_close(w, "si:real");
}

/* A value in one of our units, made ready for si:real. */
struct qval {
	char value[64];
	char U[64]; /* "" when none */
	char k[16];
	const char *dsi; /* NULL: no D-SI unit, value and unit go in as text */
	const char *unit;
};

/*
 * @v in @unit with @decimals after '.' (< 0: shortest exact form); @U and
 * @k the expanded uncertainty when k >= 1 and U is finite: as the
 * certificate prints a result's (@as_reported: U to two significant digits,
 * k to two decimals), else as registered (a standard's, from its own
 * certificate). false when @v is not finite (nothing to write).
 */
static bool qval_make(struct qval *q, double v, const char *unit, int decimals, double U, double k,
		      bool as_reported)
{
	double f = 1.0;

	memset(q, 0, sizeof(*q));
	if (!isfinite(v))
		return false;
	q->unit = unit;
	if (cal_dcc_unit(&q->dsi, &f, unit) != CAL_OK)
		cal_error_clear();
	if (f != 1.0) {
		/* converted to the SI unit: the shown decimals no longer apply */
		cal_num_format_sig(q->value, sizeof(q->value), v * f, 12);
		U *= f;
	} else if (decimals >= 0) {
		cal_num_format(q->value, sizeof(q->value), v, decimals);
	} else {
		cal_num_format_g(q->value, sizeof(q->value), v);
	}
	if (isfinite(U) && U >= 0 && isfinite(k) && k >= 1) {
		/* U to two significant digits, half up (ILAC-P14, GUM 7.2.6) */
		if (!as_reported || U == 0 ||
		    cal_round_sig(q->U, sizeof(q->U), NULL, NULL, U, 2) != CAL_OK) {
			cal_error_clear();
			cal_num_format_g(q->U, sizeof(q->U), U);
		}
		if (as_reported)
			cal_num_format(q->k, sizeof(q->k), k, 2);
		else
			cal_num_format_g(q->k, sizeof(q->k), k);
	}
	return true;
}

/* <dcc:quantity> with a name in both languages and the value (si:real, or text without D-SI unit).
 */
static void quantity(struct xw *w, const char *tag, const char *ref_type, const char *vi,
		     const char *en, const struct qval *q)
{
	x_open(w, tag, ref_type);
	text2(w, "dcc:name", vi, en);
	if (q->dsi) {
		si_real(w, q->value, q->dsi, q->U[0] ? q->U : NULL, q->k);
	} else {
		x_open(w, "dcc:noQuantity", NULL);
		if (q->U[0])
			content(w, NULL, q->value, " ", q->unit, " (U = ", q->U, " ", q->unit,
				", k = ", q->k, ")", NULL);
		else
			content(w, NULL, q->value, " ", q->unit, NULL);
		x_close(w, "dcc:noQuantity");
	}
	x_close(w, tag);
}

static void quantity_of(struct xw *w, const char *tag, const char *ref_type, const char *vi,
			const char *en, double v, const char *unit, int decimals)
{
	struct qval q;

	if (qval_make(&q, v, unit, decimals, NAN, NAN, false))
		quantity(w, tag, ref_type, vi, en, &q);
}

/* ---- the record ------------------------------------------------------------- */

/* "YYYY-MM-DD" of an ISO 8601 time or date, false when it is not a real date. */
static bool date_of(char out[11], const char *iso)
{
	struct cal_date d;

	out[0] = '\0';
	if (!iso || strlen(iso) < 10)
		return false;
	memcpy(out, iso, 10);
	out[10] = '\0';
	if (cal_date_parse(&d, out) != CAL_OK) {
		cal_error_clear();
		out[0] = '\0';
		return false;
	}
	return true;
}

static bool is_calibration(const struct cal_certdoc *d)
{
	return d->v.cert.kind == CAL_CERT_CALIBRATION ||
	       strcmp(d->v.run.activity, "calibration") == 0;
}

static const char *mode_vi(const char *mode)
{
	if (strcmp(mode, "initial") == 0)
		return "ban đầu";
	if (strcmp(mode, "periodic") == 0)
		return "định kỳ";
	if (strcmp(mode, "after-repair") == 0)
		return "sau sửa chữa";
	return mode;
}

/* The test of a result in Vietnamese (the stored name is English). */
static const char *test_vi(const char *test)
{
	static const struct {
		const char *en, *vi;
	} t[] = {
		{ "zero", "điểm không" },	   { "weighing", "độ đúng khi cân" },
		{ "eccentricity", "độ lệch tâm" }, { "repeatability", "độ lặp lại" },
		{ "pressure", "áp suất" },	   { "hysteresis", "độ trễ" },
		{ "calibration", "hiệu chuẩn" },   { "delivery", "lần xả" },
		{ "water", "thể tích nước" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(test, t[i].en) == 0)
			return t[i].vi;
	return test;
}

/* Append to a fixed buffer (only numbers, units and short register fields go in). */
static void app(char *b, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void app(char *b, size_t size, const char *fmt, ...)
{
	size_t n = strlen(b);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(b + n, size - n, fmt, ap);
	va_end(ap);
}

/* "NAME = V UNIT" after *@sep when V > 0; then "; " is the separator. */
static void app_value(char *b, size_t size, const char **sep, const char *name, double v,
		      const char *unit)
{
	char x[48];

	if (!(v > 0))
		return;
	cal_num_format_g(x, sizeof(x), v);
	app(b, size, "%s%s = %s %s", *sep, name, x, unit);
	*sep = "; ";
}

/* The instrument's metrological characteristics in one line, per language. */
static void characteristics(char *b, size_t size, const struct cal_instrument *in, bool vi)
{
	const char *sep = "";
	char x[48], y[48];

	b[0] = '\0';
	if (in->accuracy_class[0]) {
		app(b, size, "%s %s", vi ? "cấp chính xác" : "accuracy class", in->accuracy_class);
		sep = "; ";
	}
	if (cal_instrument_is_pressure(in)) {
		cal_num_format_g(x, sizeof(x), in->scale_lo);
		cal_num_format_g(y, sizeof(y), in->max);
		app(b, size, "%s%s %s..%s %s", sep, vi ? "phạm vi đo" : "scale", x, y, in->unit);
		sep = "; ";
	} else if (strcmp(in->kind, "water-meter") == 0) {
		cal_num_format_g(x, sizeof(x), in->flow_q3);
		app(b, size, "%s%s = %s m3/h", sep, in->ratio_r > 0 ? "Q3" : "Qn", x);
		if (in->ratio_r > 0) {
			cal_num_format_g(y, sizeof(y), in->ratio_r);
			app(b, size, "; R = %s", y);
		}
		sep = "; ";
	} else if (strcmp(in->kind, "flow-meter") == 0 || strcmp(in->kind, "fuel-dispenser") == 0) {
		cal_num_format_g(x, sizeof(x), in->flow_q3);
		app(b, size, "%sQmax = %s m3/h", sep, x);
		if (in->ratio_r > 0) {
			cal_num_format_sig(y, sizeof(y), in->flow_q3 / in->ratio_r, 6);
			app(b, size, "; Qmin = %s m3/h", y);
		}
		if (strcmp(in->kind, "fuel-dispenser") == 0 && in->min > 0) {
			cal_num_format_g(x, sizeof(x), in->min);
			app(b, size, "; %s = %s %s", vi ? "lượng đo nhỏ nhất (MMQ)" : "MMQ", x,
			    in->unit);
		}
		if (strcmp(in->kind, "flow-meter") == 0 && in->mpe_pct_reading > 0) {
			cal_num_format_g(x, sizeof(x), in->mpe_pct_reading);
			app(b, size, "; %s %s %%", vi ? "độ chính xác" : "specified accuracy", x);
		}
		sep = "; ";
	} else {
		app_value(b, size, &sep, "Max", in->max, in->unit);
		app_value(b, size, &sep, "Min", in->min, in->unit);
		app_value(b, size, &sep, "e", in->e, in->unit);
	}
	app_value(b, size, &sep, "d", in->d, in->unit);
}

static void identification(struct xw *w, const char *ref_type, const char *issuer,
			   const char *value, const char *vi, const char *en)
{
	x_open(w, "dcc:identification", ref_type);
	leaf(w, "dcc:issuer", issuer);
	leaf(w, "dcc:value", value);
	text2(w, "dcc:name", vi, en);
	x_close(w, "dcc:identification");
}

/* The identifications of an item or a standard, the same in each. */
static void id_serial(struct xw *w, const char *serial)
{
	identification(w, "calbench_serialNumber", "manufacturer", serial, "Số", "Serial number");
}

static void id_register(struct xw *w, const char *id)
{
	identification(w, "calbench_registerId", "calibrationLaboratory", id, "Mã quản lý",
		       "Register id");
}

static void id_certificate(struct xw *w, const char *cert_no)
{
	identification(w, "calbench_calibrationCertificate", "other", cert_no,
		       "Số giấy chứng nhận hiệu chuẩn", "Calibration certificate No.");
}

static void software(struct xw *w, const char *tag, const char *release)
{
	x_open(w, tag, NULL);
	x_open(w, "dcc:software", NULL);
	text1(w, "dcc:name", "calbench");
	leaf(w, "dcc:release", release);
	leaf(w, "dcc:type", "application");
	x_close(w, "dcc:software");
	x_close(w, tag);
}

static void core_data(struct xw *w, const struct cal_certdoc *d, const char *begin, const char *end)
{
	char run[32], date[11];

	x_open(w, "dcc:coreData", NULL);
	leaf(w, "dcc:countryCodeISO3166_1", COUNTRY);
	leaf(w, "dcc:usedLangCodeISO639_1", "vi");
	leaf(w, "dcc:usedLangCodeISO639_1", "en");
	/* the Vietnamese text is the certificate; English is the translation */
	leaf(w, "dcc:mandatoryLangCodeISO639_1", "vi");
	leaf(w, "dcc:uniqueIdentifier", d->v.cert.number);
	snprintf(run, sizeof(run), "%lld", (long long)d->v.run.id);
	x_open(w, "dcc:identifications", NULL);
	identification(w, "calbench_runId", "calibrationLaboratory", run,
		       "Lần thực hiện (calbench run)", "Run (calbench run)");
	x_close(w, "dcc:identifications");
	if (date_of(date, d->v.run.cond.received_date))
		leaf(w, "dcc:receiptDate", date);
	leaf(w, "dcc:beginPerformanceDate", begin);
	leaf(w, "dcc:endPerformanceDate", end);
	/* the run's location ("" = the centre's laboratory); where else it is said in statements */
	leaf(w, "dcc:performanceLocation", d->v.run.cond.location[0] ? "other" : "laboratory");
	x_close(w, "dcc:coreData");
}

static void items(struct xw *w, const struct cal_certdoc *d)
{
	const struct cal_instrument *in = &d->v.instrument;
	const struct cal_run *run = &d->v.run;
	char vi[512], en[512];

	x_open(w, "dcc:items", NULL);
	x_open(w, "dcc:item", NULL);
	text1(w, "dcc:name", in->type[0] ? in->type : in->kind);
	characteristics(vi, sizeof(vi), in, true);
	characteristics(en, sizeof(en), in, false);
	if (vi[0] || run->dut_serial[0] || run->dut_model[0]) {
		x_open(w, "dcc:description", NULL);
		text2(w, "dcc:name", "Đặc trưng kỹ thuật đo lường", "Metrological characteristics");
		if (vi[0]) {
			content(w, "vi", vi, NULL);
			content(w, "en", en, NULL);
		}
		if (run->dut_serial[0] || run->dut_model[0]) {
			content(w, "vi", "Nhận dạng qua giao diện: ", run->dut_model, ", số ",
				run->dut_serial, NULL);
			content(w, "en", "Identified over its interface: ", run->dut_model,
				", serial ", run->dut_serial, NULL);
		}
		x_close(w, "dcc:description");
	}
	x_open(w, "dcc:manufacturer", NULL);
	text1(w, "dcc:name", in->manufacturer);
	x_close(w, "dcc:manufacturer");
	if (in->model[0])
		leaf(w, "dcc:model", in->model);
	x_open(w, "dcc:identifications", NULL);
	id_serial(w, in->serial);
	id_register(w, in->id);
	if (run->cond.sticker_no[0])
		identification(w, "calbench_stickerNumber", "calibrationLaboratory",
			       run->cond.sticker_no, "Số tem kiểm định",
			       "Verification sticker No.");
	x_close(w, "dcc:identifications");
	x_close(w, "dcc:item");
	x_close(w, "dcc:items");
}

static void laboratory(struct xw *w, const struct cal_certdoc *d)
{
	const struct cal_centre *c = &d->centre;
	const char *name = d->v.cert.lab_name[0] ? d->v.cert.lab_name : c->name;
	const char *address = d->v.cert.lab_name[0] || d->v.cert.lab_address[0]
				      ? d->v.cert.lab_address
				      : c->address;

	x_open(w, "dcc:calibrationLaboratory", NULL);
	if (c->accreditation[0])
		leaf(w, "dcc:calibrationLaboratoryCode", c->accreditation);
	x_open(w, "dcc:contact", NULL);
	text1(w, "dcc:name", name);
	leaf(w, "dcc:eMail", c->email);
	if (c->phone[0])
		leaf(w, "dcc:phone", c->phone);
	x_open(w, "dcc:location", NULL);
	if (c->place[0])
		leaf(w, "dcc:city", c->place);
	leaf(w, "dcc:countryCode", COUNTRY);
	if (address[0]) {
		x_open(w, "dcc:further", NULL);
		content(w, NULL, address, NULL);
		x_close(w, "dcc:further");
	}
	x_close(w, "dcc:location");
	x_close(w, "dcc:contact");
	x_close(w, "dcc:calibrationLaboratory");
}

static void resp_person(struct xw *w, const char *name, const char *role, bool main_signer)
{
	x_open(w, "dcc:respPerson", NULL);
	x_open(w, "dcc:person", NULL);
	text1(w, "dcc:name", name);
	x_close(w, "dcc:person");
	leaf(w, "dcc:role", role);
	if (main_signer)
		leaf(w, "dcc:mainSigner", "true");
	x_close(w, "dcc:respPerson");
}

static void resp_persons(struct xw *w, const struct cal_certdoc *d)
{
	bool cal = is_calibration(d);

	x_open(w, "dcc:respPersons", NULL);
	resp_person(w, d->v.run.operator_name,
		    cal ? "Người thực hiện hiệu chuẩn / Calibration performed by"
			: "Kiểm định viên / Verification officer",
		    false);
	if (d->v.run.cond.checked_by[0])
		resp_person(w, d->v.run.cond.checked_by, "Người kiểm soát / Checked by", false);
	if (d->centre.approver[0])
		resp_person(w, d->centre.approver,
			    d->centre.approver_title[0] ? d->centre.approver_title
							: "Người phê duyệt / Approved by",
			    true);
	x_close(w, "dcc:respPersons");
}

static void customer(struct xw *w, const struct cal_certdoc *d)
{
	x_open(w, "dcc:customer", NULL);
	text1(w, "dcc:name", d->v.instrument.owner);
	leaf(w, "dcc:eMail", ""); /* not in the register */
	x_open(w, "dcc:location", NULL);
	x_open(w, "dcc:further", NULL);
	content(w, "vi", "Địa chỉ không có trong sổ đăng ký", NULL);
	content(w, "en", "Address not recorded in the register", NULL);
	x_close(w, "dcc:further");
	x_close(w, "dcc:location");
	x_close(w, "dcc:customer");
}

/* A statement whose declaration has a bilingual name and one text as written. */
static void declaration_named(struct xw *w, const char *vi, const char *en, const char *text)
{
	x_open(w, "dcc:declaration", NULL);
	text2(w, "dcc:name", vi, en);
	if (text && text[0])
		content(w, NULL, text, NULL);
	x_close(w, "dcc:declaration");
}

/* A declaration of one text, in Vietnamese and in English. */
static void declaration_text(struct xw *w, const char *vi, const char *en)
{
	x_open(w, "dcc:declaration", NULL);
	content(w, "vi", vi, NULL);
	content(w, "en", en, NULL);
	x_close(w, "dcc:declaration");
}

/* A statement of the date @date, its declaration named @vi / @en. */
static void date_statement(struct xw *w, const char *ref_type, const char *vi, const char *en,
			   const char *text, const char *date)
{
	x_open(w, "dcc:statement", ref_type);
	declaration_named(w, vi, en, text);
	leaf(w, "dcc:date", date);
	x_close(w, "dcc:statement");
}

static void conformity_statement(struct xw *w, const struct cal_certdoc *d)
{
	const struct cal_run *run = &d->v.run;
	bool pass = strcmp(run->verdict, "PASS") == 0;
	bool fail = strcmp(run->verdict, "FAIL") == 0;
	bool cal = is_calibration(d);

	x_open(w, "dcc:statement", "basic_conformity");
	if (!cal)
		leaf(w, "dcc:countryCodeISO3166_1", COUNTRY);
	if (run->method[0])
		leaf(w, "dcc:norm", run->method);
	if (!cal)
		leaf(w, "dcc:reference", "Luật Đo lường 04/2011/QH13 (Law on Measurement)");
	x_open(w, "dcc:declaration", NULL);
	if (cal) {
		text2(w, "dcc:name", "Tuyên bố sự phù hợp", "Statement of conformity");
		if (pass) {
			content(w, "vi",
				"ĐẠT: sai số tại mỗi điểm nằm trong ±MPE theo quy tắc quyết định; "
				"áp dụng cho các điểm trong bảng kết quả",
				NULL);
			content(w, "en",
				"PASS: the error at every point is within ±MPE under the decision "
				"rule; it applies to the points listed in the results",
				NULL);
		} else {
			content(w, "vi",
				"KHÔNG ĐẠT: có điểm có sai số không nằm trong ±MPE theo quy tắc "
				"quyết định",
				NULL);
			content(w, "en",
				"FAIL: not every point is within ±MPE under the decision rule",
				NULL);
		}
	} else {
		text2(w, "dcc:name", "Kết luận", "Conclusion");
		if (pass) {
			content(w, "vi", "Đạt yêu cầu kỹ thuật đo lường", NULL);
			content(w, "en", "Meets the metrological requirements (legal verification)",
				NULL);
		} else {
			content(w, "vi", "Không đạt yêu cầu kỹ thuật đo lường", NULL);
			content(w, "en",
				"Does not meet the metrological requirements (legal verification)",
				NULL);
		}
	}
	if (run->fail_reason[0])
		content(w, NULL, run->fail_reason, NULL);
	x_close(w, "dcc:declaration");
	if (pass || fail)
		leaf(w, "dcc:conformity", pass ? "pass" : "fail");
	x_close(w, "dcc:statement");
}

static void statements(struct xw *w, const struct cal_certdoc *d)
{
	const struct cal_cert *c = &d->v.cert;
	char date[11];
	bool any_u = false;

	for (size_t i = 0; i < d->n_results; i++)
		any_u = any_u || d->results[i].k > 0;
	x_open(w, "dcc:statements", NULL);

	x_open(w, "dcc:statement", "calbench_documentTitle");
	declaration_text(w, cal_certdoc_title_vi(c->kind), cal_certdoc_title_en(c->kind));
	x_close(w, "dcc:statement");

	if (date_of(date, c->issue_date))
		date_statement(w, "calbench_issueDate", "Ngày cấp", "Date of issue",
			       d->centre.place, date);
	if (date_of(date, c->valid_until))
		date_statement(w, "calbench_validUntil", "Thời hạn đến", "Valid until", NULL, date);

	conformity_statement(w, d);

	x_open(w, "dcc:statement", "calbench_decisionRule");
	x_open(w, "dcc:declaration", NULL);
	text2(w, "dcc:name", "Quy tắc quyết định", "Decision rule");
	content(w, NULL, d->decision_rule, NULL);
	if (d->limits[0])
		content(w, NULL, d->limits, NULL);
	x_close(w, "dcc:declaration");
	x_close(w, "dcc:statement");

	if (any_u) {
		x_open(w, "dcc:statement", "calbench_uncertainty");
		declaration_text(
			w,
			"Độ không đảm bảo đo mở rộng U được công bố là độ không đảm bảo đo chuẩn "
			"nhân với hệ số phủ k ghi kèm mỗi giá trị (theo số bậc tự do hiệu dụng), "
			"tương ứng với xác suất phủ khoảng 95 %.",
			"The reported expanded uncertainty U is the standard uncertainty "
			"multiplied by the coverage factor k given with each value (from the "
			"effective degrees of freedom), which corresponds to a coverage "
			"probability of approximately 95 % (GUM, ILAC-P14).");
		x_close(w, "dcc:statement");
	}
	if (d->n_weights + d->n_refs > 0) {
		x_open(w, "dcc:statement", "calbench_traceability");
		leaf(w, "dcc:traceable", "true");
		declaration_text(
			w,
			"Liên kết chuẩn đo lường qua các chuẩn đã dùng (measuringEquipments), mỗi "
			"chuẩn với giấy chứng nhận hiệu chuẩn và hạn hiệu chuẩn của nó.",
			"Metrological traceability through the reference standards used "
			"(measuringEquipments), each with its calibration certificate and due "
			"date.");
		x_close(w, "dcc:statement");
	}

	x_open(w, "dcc:statement", "calbench_scope");
	declaration_text(
		w,
		"Kết quả chỉ có giá trị đối với phương tiện đo nêu trên. Không được sao chép "
		"không đầy đủ tài liệu này khi chưa có sự đồng ý bằng văn bản của đơn vị.",
		"The results relate only to the item identified above. This document shall "
		"not be reproduced except in full without the written approval of the "
		"laboratory.");
	x_close(w, "dcc:statement");

	if (d->v.run.cond.location[0]) {
		/* performanceLocation says "other": here is where */
		x_open(w, "dcc:statement", "calbench_performanceLocation");
		declaration_named(w, "Địa điểm thực hiện", "Place of performance", NULL);
		x_open(w, "dcc:location", NULL);
		x_open(w, "dcc:further", NULL);
		content(w, NULL, d->v.run.cond.location, NULL);
		x_close(w, "dcc:further");
		x_close(w, "dcc:location");
		x_close(w, "dcc:statement");
	}
	if (d->v.rev.number[0]) {
		char n[16];

		snprintf(n, sizeof(n), "%d", d->v.rev.revision);
		x_open(w, "dcc:statement", "calbench_amendment");
		leaf(w, "dcc:reference", d->v.rev.original);
		x_open(w, "dcc:declaration", NULL);
		text2(w, "dcc:name", "Sửa đổi", "Amendment");
		content(w, "vi", "Lần sửa đổi ", n, ", thay thế toàn bộ ", d->v.rev.original, NULL);
		content(w, "en", "Revision ", n, ", replaces ", d->v.rev.original, " in full",
			NULL);
		if (d->v.rev.reason[0])
			content(w, NULL, d->v.rev.reason, NULL);
		if (d->v.rev.note[0])
			content(w, NULL, d->v.rev.note, NULL);
		x_close(w, "dcc:declaration");
		x_close(w, "dcc:statement");
	}
	if (d->sig.present) {
		x_open(w, "dcc:statement", "calbench_signature");
		x_open(w, "dcc:declaration", NULL);
		text2(w, "dcc:name", "Mã băm nội dung và chữ ký số",
		      "Content digest and signature");
		content(w, NULL, "SHA-256 ", d->sig.content_sha256, NULL);
		if (d->sig.key_id[0])
			content(w, NULL, "Ed25519 key ", d->sig.key_id, ", signature ",
				d->sig.signature, NULL);
		x_close(w, "dcc:declaration");
		x_close(w, "dcc:statement");
	}
	if (c->revoked) {
		x_open(w, "dcc:statement", "calbench_revocation");
		declaration_named(w, "Đã thu hồi", "Revoked", c->revoke_reason);
		leaf(w, "dcc:valid", "false");
		if (date_of(date, c->revoked_at))
			leaf(w, "dcc:date", date);
		x_close(w, "dcc:statement");
	}
	x_close(w, "dcc:statements");
}

static void used_method(struct xw *w, const struct cal_certdoc *d)
{
	const struct cal_run *run = &d->v.run;

	x_open(w, "dcc:usedMethods", NULL);
	x_open(w, "dcc:usedMethod", "calbench_procedure");
	text1(w, "dcc:name", run->procedure_title[0] ? run->procedure_title : run->procedure_id);
	x_open(w, "dcc:description", NULL);
	text2(w, "dcc:name", "Quy trình", "Procedure");
	content(w, NULL, run->procedure_id, ", SHA-256 ", run->procedure_sha256, NULL);
	if (is_calibration(d)) {
		content(w, "vi", "Hiệu chuẩn theo yêu cầu của khách hàng", NULL);
		content(w, "en", "Calibration at the customer's request", NULL);
	} else {
		content(w, "vi", "Chế độ kiểm định: ", mode_vi(run->mode), NULL);
		content(w, "en", "Mode: ", run->mode, " verification", NULL);
	}
	if (d->limits[0])
		content(w, NULL, d->limits, NULL);
	x_close(w, "dcc:description");
	if (run->method[0])
		leaf(w, "dcc:norm", run->method);
	x_close(w, "dcc:usedMethod");
	x_close(w, "dcc:usedMethods");
}

/* The calibration certificate number and due date of a standard, in both languages. */
static void std_description(struct xw *w, const char *cert_no, const char *due, const char *u_text)
{
	x_open(w, "dcc:description", NULL);
	text2(w, "dcc:name", "Hiệu chuẩn", "Calibration");
	content(w, "vi", "Giấy chứng nhận hiệu chuẩn ", cert_no[0] ? cert_no : "-",
		", hạn hiệu chuẩn ", due, NULL);
	content(w, "en", "Calibration certificate ", cert_no[0] ? cert_no : "-", ", due ", due,
		NULL);
	if (u_text)
		content(w, NULL, u_text, NULL);
	x_close(w, "dcc:description");
}

static void weight(struct xw *w, const struct cal_standard *s)
{
	char nom[48], vi[160], en[160];
	struct qval q;

	cal_num_format_g(nom, sizeof(nom), s->nominal_kg);
	snprintf(vi, sizeof(vi), "Quả cân %s (%s kg%s%s)", s->id, nom,
		 s->weight_class[0] ? ", cấp " : "", s->weight_class);
	snprintf(en, sizeof(en), "Weight %s (%s kg%s%s)", s->id, nom,
		 s->weight_class[0] ? ", class " : "", s->weight_class);
	x_open(w, "dcc:measuringEquipment", "calbench_weight");
	text2(w, "dcc:name", vi, en);
	if (s->weight_class[0]) {
		x_open(w, "dcc:equipmentClass", NULL);
		leaf(w, "dcc:reference", "OIML R 111-1");
		leaf(w, "dcc:classID", s->weight_class);
		x_close(w, "dcc:equipmentClass");
	}
	std_description(w, s->cert_no, s->due_date, NULL);
	x_open(w, "dcc:identifications", NULL);
	id_register(w, s->id);
	if (s->cert_no[0])
		id_certificate(w, s->cert_no);
	x_close(w, "dcc:identifications");
	x_open(w, "dcc:measuringEquipmentQuantities", NULL);
	quantity_of(w, "dcc:measuringEquipmentQuantity", "basic_nominalValue", "Giá trị danh định",
		    "Nominal value", s->nominal_kg, "kg", -1);
	if (qval_make(&q, s->correction_kg, "kg", -1, s->u_kg, s->k, false))
		quantity(w, "dcc:measuringEquipmentQuantity", "calbench_massCorrection",
			 "Số hiệu chính khối lượng quy ước", "Conventional mass correction", &q);
	x_close(w, "dcc:measuringEquipmentQuantities");
	x_close(w, "dcc:measuringEquipment");
}

static void range_standard(struct xw *w, const struct cal_pstandard *s)
{
	enum cal_unit u = CAL_UNIT_NONE;
	enum cal_quantity qk = CAL_Q_NONE;
	const char *kvi = "Chuẩn", *ken = "Reference";
	char vi[160], en[160], ut[256], a[48], r[48], k[16];

	if (cal_unit_parse(&u, s->unit) == CAL_OK)
		qk = cal_unit_quantity(u);
	cal_error_clear();
	if (qk == CAL_Q_PRESSURE) {
		kvi = "Chuẩn áp suất";
		ken = "Pressure reference";
	} else if (qk == CAL_Q_FLOW) {
		kvi = "Chuẩn lưu lượng";
		ken = "Flow reference";
	} else if (qk == CAL_Q_VOLUME) {
		kvi = "Chuẩn dung tích";
		ken = "Volume reference";
	}
	snprintf(vi, sizeof(vi), "%s %s", kvi, s->id);
	snprintf(en, sizeof(en), "%s %s", ken, s->id);
	/* U(x) = u_abs + u_rel |x|, as registered from its certificate */
	cal_num_format_g(a, sizeof(a), s->u_abs);
	cal_num_format_sig(r, sizeof(r), s->u_rel * 100, 6);
	cal_num_format_g(k, sizeof(k), s->k);
	snprintf(ut, sizeof(ut), "U(x) = %s %s + %s %% · |x|, k = %s", a, s->unit, r, k);

	x_open(w, "dcc:measuringEquipment", "calbench_rangeStandard");
	text2(w, "dcc:name", vi, en);
	std_description(w, s->cert_no, s->due_date, ut);
	if (s->manufacturer[0]) {
		x_open(w, "dcc:manufacturer", NULL);
		text1(w, "dcc:name", s->manufacturer);
		x_close(w, "dcc:manufacturer");
	}
	if (s->model[0])
		leaf(w, "dcc:model", s->model);
	x_open(w, "dcc:identifications", NULL);
	id_register(w, s->id);
	if (s->serial[0])
		id_serial(w, s->serial);
	if (s->cert_no[0])
		id_certificate(w, s->cert_no);
	x_close(w, "dcc:identifications");
	x_open(w, "dcc:measuringEquipmentQuantities", NULL);
	quantity_of(w, "dcc:measuringEquipmentQuantity", "calbench_rangeLower",
		    "Giới hạn dưới phạm vi đo", "Lower range limit", s->range_lo, s->unit, -1);
	quantity_of(w, "dcc:measuringEquipmentQuantity", "calbench_rangeUpper",
		    "Giới hạn trên phạm vi đo", "Upper range limit", s->range_hi, s->unit, -1);
	x_close(w, "dcc:measuringEquipmentQuantities");
	x_close(w, "dcc:measuringEquipment");
}

/* One point of the results table: what the certificate prints for it. */
static void point(struct xw *w, const struct cal_result *r)
{
	bool range = strcmp(r->test, "repeatability") == 0 && r->reading_id == 0;
	bool hyst = strcmp(r->test, "hysteresis") == 0;
	const char *q = r->unit;
	char seq[16];
	struct qval v;

	snprintf(seq, sizeof(seq), "%d. ", r->seq);
	x_open(w, "dcc:result", NULL);
	x_open(w, "dcc:name", NULL);
	content(w, "vi", seq, test_vi(r->test), " ", r->label, NULL);
	content(w, "en", seq, r->test, " ", r->label, NULL);
	x_close(w, "dcc:name");
	if (r->weights[0]) {
		x_open(w, "dcc:description", NULL);
		text2(w, "dcc:name", "Quả cân", "Weights");
		content(w, NULL, r->weights, NULL);
		x_close(w, "dcc:description");
	}
	x_open(w, "dcc:data", NULL);
	x_open(w, "dcc:list", NULL);
	quantity_of(w, "dcc:quantity", "basic_nominalValue", "Giá trị danh định", "Nominal value",
		    r->load, q, -1);
	if (!range && !hyst) {
		quantity_of(w, "dcc:quantity", "basic_referenceValue", "Giá trị chuẩn",
			    "Reference value", r->ref, q, r->decimals + CAL_ERROR_EXTRA_DECIMALS);
		quantity_of(w, "dcc:quantity", "basic_measuredValue", "Số chỉ", "Indication",
			    r->indication, q, r->decimals);
	}
	if (qval_make(&v, r->error, q, r->decimals + (range ? 0 : CAL_ERROR_EXTRA_DECIMALS),
		      r->k > 0 ? r->u : NAN, r->k, true)) {
		if (range)
			quantity(w, "dcc:quantity", "calbench_repeatabilityRange",
				 "Khoảng biến thiên số chỉ", "Range of the indications", &v);
		else if (hyst)
			quantity(w, "dcc:quantity", "calbench_hysteresis", "Độ trễ", "Hysteresis",
				 &v);
		else
			quantity(w, "dcc:quantity", "basic_measurementError", "Sai số", "Error",
				 &v);
	}
	quantity_of(w, "dcc:quantity", "calbench_maximumPermissibleError",
		    "Sai số lớn nhất cho phép", "Maximum permissible error", r->mpe, q, -1);
	if (strcmp(r->verdict, "PASS") == 0 || strcmp(r->verdict, "FAIL") == 0) {
		x_open(w, "dcc:measurementMetaData", NULL);
		x_open(w, "dcc:metaData", "basic_conformity");
		leaf(w, "dcc:conformity", strcmp(r->verdict, "PASS") == 0 ? "pass" : "fail");
		x_close(w, "dcc:metaData");
		x_close(w, "dcc:measurementMetaData");
	}
	x_close(w, "dcc:list");
	x_close(w, "dcc:data");
	x_close(w, "dcc:result");
}

/* One influence condition, @q its value: named @vi / @en, its quantity @qvi / @qen. */
static void influence_condition(struct xw *w, const char *ref_type, const char *vi, const char *en,
				const char *qvi, const char *qen, const struct qval *q)
{
	x_open(w, "dcc:influenceCondition", ref_type);
	text2(w, "dcc:name", vi, en);
	x_open(w, "dcc:data", NULL);
	quantity(w, "dcc:quantity", NULL, qvi, qen, q);
	x_close(w, "dcc:data");
	x_close(w, "dcc:influenceCondition");
}

/* Ambient conditions recorded with the run (ISO/IEC 17025 7.8.4.1 b). */
static void influence_conditions(struct xw *w, const struct cal_run_conditions *c)
{
	struct qval q;

	if (!c->has_temperature && !c->has_humidity)
		return;
	x_open(w, "dcc:influenceConditions", NULL);
	if (c->has_temperature && qval_make(&q, c->temperature_c, "°C", 1, NAN, NAN, false))
		influence_condition(w, "calbench_ambientTemperature", "Nhiệt độ môi trường",
				    "Ambient temperature", "Nhiệt độ", "Temperature", &q);
	if (c->has_humidity && qval_make(&q, c->humidity_pct, "%", 0, NAN, NAN, false))
		influence_condition(w, "calbench_relativeHumidity", "Độ ẩm tương đối",
				    "Relative humidity", "Độ ẩm tương đối", "Relative humidity",
				    &q);
	x_close(w, "dcc:influenceConditions");
}

static void measurement_results(struct xw *w, const struct cal_certdoc *d, const char *release)
{
	bool cal = is_calibration(d);

	x_open(w, "dcc:measurementResults", NULL);
	x_open(w, "dcc:measurementResult", NULL);
	text2(w, "dcc:name", cal ? "Kết quả hiệu chuẩn" : "Kết quả kiểm định",
	      cal ? "Calibration results" : "Verification results");
	used_method(w, d);
	software(w, "dcc:usedSoftware", release);
	if (d->n_weights + d->n_refs > 0) {
		x_open(w, "dcc:measuringEquipments", NULL);
		for (size_t i = 0; i < d->n_weights; i++)
			weight(w, &d->weights[i]);
		for (size_t i = 0; i < d->n_refs; i++)
			range_standard(w, &d->refs[i]);
		x_close(w, "dcc:measuringEquipments");
	}
	influence_conditions(w, &d->v.run.cond);
	x_open(w, "dcc:results", NULL);
	for (size_t i = 0; i < d->n_results; i++)
		point(w, &d->results[i]);
	if (d->n_results == 0) {
		/* the schema wants one result at least */
		x_open(w, "dcc:result", NULL);
		text2(w, "dcc:name", "Kết quả", "Results");
		x_open(w, "dcc:data", NULL);
		x_open(w, "dcc:text", NULL);
		content(w, "vi", "Không có kết quả nào được ghi", NULL);
		content(w, "en", "No results were recorded", NULL);
		x_close(w, "dcc:text");
		x_close(w, "dcc:data");
		x_close(w, "dcc:result");
	}
	x_close(w, "dcc:results");
	x_close(w, "dcc:measurementResult");
	x_close(w, "dcc:measurementResults");
}

static void document(struct xw *w, const struct cal_certdoc *d, const struct cal_dcc_options *opt)
{
	char name[256];

	if (opt->pdf_name && opt->pdf_name[0])
		snprintf(name, sizeof(name), "%s", opt->pdf_name);
	else
		snprintf(name, sizeof(name), "%s.pdf", d->v.cert.number);
	x_open(w, "dcc:document", NULL);
	text2(w, "dcc:name", "Bản PDF của tài liệu này", "This document as PDF");
	leaf(w, "dcc:fileName", name);
	leaf(w, "dcc:mimeType", "application/pdf");
	/* no indentation inside: the text is the base64 lines alone */
	indent(w);
	cal_docout_puts(w->o, "<dcc:dataBase64>");
	cal_base64(w->o, opt->pdf, opt->pdf_size);
	cal_docout_puts(w->o, "</dcc:dataBase64>\n");
	x_close(w, "dcc:document");
}

int cal_dcc_write(struct cal_docout *out, const struct cal_certdoc *d,
		  const struct cal_dcc_options *opt)
{
	static const struct cal_dcc_options none = { 0 };
	struct xw w = { .o = out, .depth = 0 };
	char begin[11], end[11];
	const char *release;

	if (!out || !d)
		return cal_error_set(CAL_ERR_ARG, "dcc: bad arguments");
	if (!opt)
		opt = &none;
	if (opt->pdf_size > 0 && !opt->pdf)
		return cal_error_set(CAL_ERR_ARG, "dcc: PDF size without data");
	release = opt->release && opt->release[0] ? opt->release : CAL_DOCUMENTS_VERSION;
	/* the run's dates; a run without them takes the issue date */
	if (!date_of(begin, d->v.run.started_at) && !date_of(begin, d->v.cert.issue_date))
		return cal_error_set(CAL_ERR_ARG, "%s: no date of performance in the record",
				     d->v.cert.number);
	if (!date_of(end, d->v.run.finished_at))
		memcpy(end, begin, sizeof(end));

	cal_docout_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	cal_docout_puts(out, "<dcc:digitalCalibrationCertificate xmlns:dcc=\"https://ptb.de/dcc\" "
			     "xmlns:si=\"https://ptb.de/si\" "
			     "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			     "xsi:schemaLocation=\"https://ptb.de/dcc "
			     "https://ptb.de/dcc/v" CAL_DCC_SCHEMA_VERSION "/dcc.xsd\" "
			     "schemaVersion=\"" CAL_DCC_SCHEMA_VERSION "\">\n");
	w.depth = 1;
	x_open(&w, "dcc:administrativeData", NULL);
	software(&w, "dcc:dccSoftware", release);
	core_data(&w, d, begin, end);
	items(&w, d);
	laboratory(&w, d);
	resp_persons(&w, d);
	customer(&w, d);
	statements(&w, d);
	x_close(&w, "dcc:administrativeData");
	measurement_results(&w, d, release);
	if (opt->pdf)
		document(&w, d, opt);
	cal_docout_puts(out, "</dcc:digitalCalibrationCertificate>\n");
	return cal_docout_error(out);
}

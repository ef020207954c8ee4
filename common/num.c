/*
 * Locale-independent number text. Parsing validates the syntax itself and
 * then converts with strtod_l() in a private "C" locale, so a process running
 * under vi_VN (decimal comma) still reads "100.00" as one hundred.
 */
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
	c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static locale_t get_c_locale(void)
{
	pthread_once(&c_locale_once, c_locale_init);
	return c_locale;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int cal_num_parse(double *out, int *decimals, const char *s, size_t len)
{
	char buf[64];
	size_t i = 0;
	int ndig = 0, nfrac = 0, exp = 0, expdig = 0, expneg = 0;
	char *end;
	double v;

	if (!out || !s)
		return CAL_ERR_ARG;
	*out = 0;
	if (decimals)
		*decimals = 0;
	if (len == 0 || len >= sizeof(buf))
		return CAL_ERR_ARG;
	if (s[i] == '+' || s[i] == '-')
		i++;
	while (i < len && is_digit(s[i])) {
		i++;
		ndig++;
	}
	if (i < len && s[i] == '.') {
		i++;
		while (i < len && is_digit(s[i])) {
			i++;
			ndig++;
			nfrac++;
		}
	}
	if (ndig == 0)
		return CAL_ERR_ARG;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-')) {
			expneg = s[i] == '-';
			i++;
		}
		while (i < len && is_digit(s[i])) {
			if (exp < 10000)
				exp = exp * 10 + (s[i] - '0');
			i++;
			expdig++;
		}
		if (expdig == 0)
			return CAL_ERR_ARG;
		if (expneg)
			exp = -exp;
	}
	if (i != len)
		return CAL_ERR_ARG;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod_l(buf, &end, get_c_locale());
	if (end != buf + len || !isfinite(v))
		return CAL_ERR_ARG;
	*out = v;
	if (decimals) {
		int d = nfrac - exp;
		*decimals = d > 0 ? d : 0;
	}
	return CAL_OK;
}

int cal_num_parse_str(double *out, int *decimals, const char *s)
{
	if (!s)
		return CAL_ERR_ARG;
	return cal_num_parse(out, decimals, s, strlen(s));
}

static int format_c(char *buf, size_t size, const char *fmt, ...)
{
	locale_t old = uselocale(get_c_locale());
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	uselocale(old);
	return n;
}

int cal_num_format(char *buf, size_t size, double v, int decimals)
{
	if (decimals < 0)
		decimals = 0;
	if (decimals > 15)
		decimals = 15;
	/* Avoid printing "-0.00" for a value that rounds to zero. */
	if (fabs(v) < 0.5 * pow(10, -decimals))
		v = 0.0;
	return format_c(buf, size, "%.*f", decimals, v);
}

/* Plain notation for everyday magnitudes: "100", not "1e+02". */
static int plain_notation(char *buf, size_t size, int n, double v)
{
	if (strchr(buf, 'e') && fabs(v) >= 1e-4 && fabs(v) < 1e15) {
		char *e = strchr(buf, 'e');
		int exp10 = atoi(e + 1);
		int digits = 0;

		for (char *c = buf; c < e; c++)
			digits += (*c >= '0' && *c <= '9');
		n = format_c(buf, size, "%.*f", digits - 1 - exp10 > 0 ? digits - 1 - exp10 : 0, v);
	}
	return n;
}

int cal_num_format_g(char *buf, size_t size, double v)
{
	int n = 0;

	for (int p = 1; p <= 17; p++) {
		double back;

		n = format_c(buf, size, "%.*g", p, v);
		back = strtod_l(buf, NULL, get_c_locale());
		if (back == v)
			break;
	}
	return plain_notation(buf, size, n, v);
}

int cal_num_format_sig(char *buf, size_t size, double v, int sig)
{
	int n;

	if (sig < 1)
		sig = 1;
	if (sig > 17)
		sig = 17;
	n = format_c(buf, size, "%.*g", sig, v);
	return plain_notation(buf, size, n, v);
}

double cal_num_round_sig(double v, int sig)
{
	char buf[40];

	if (!isfinite(v) || v == 0)
		return v;
	if (sig < 1)
		sig = 1;
	if (sig > 17)
		sig = 17;
	format_c(buf, sizeof(buf), "%.*e", sig - 1, v);
	return strtod_l(buf, NULL, get_c_locale());
}

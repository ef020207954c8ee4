/*
 * Rounding of an expanded uncertainty to significant digits for a
 * certificate: half-up (away from zero), decimal arithmetic on the digit
 * string so that binary artifacts cannot turn 0.165 into 0.16.
 * Source: domain.md §6.4 (ILAC-P14 §5 [K S30], KAN-G-01 [V S31], GUM 7.2.6).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"

/* Digits kept from the binary value before the half-up step (see header). */
#define GUARD_DIGITS 12
#define MAX_SIG 10

/* 10^0 .. 10^22, all exact in binary64. */
static const double pow10_exact[] = { 1e0,  1e1,  1e2,	1e3,  1e4,  1e5,  1e6,	1e7,
				      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22 };

/*
 * Decimal digits of |v| rounded to GUARD_DIGITS significant digits:
 * |v| = d[0].d[1]d[2]... x 10^*exp10. printf's radix character follows the
 * locale, so it is skipped rather than expected to be '.'.
 */
static int guard_digits(int d[GUARD_DIGITS], int *exp10, double v)
{
	char tmp[64];
	const char *p;
	int nd = 0, ex = 0, neg = 0;

	snprintf(tmp, sizeof(tmp), "%.*e", GUARD_DIGITS - 1, fabs(v));
	for (p = tmp; *p && *p != 'e' && *p != 'E'; p++) {
		if (*p >= '0' && *p <= '9' && nd < GUARD_DIGITS)
			d[nd++] = *p - '0';
	}
	if (nd != GUARD_DIGITS || !*p)
		return CAL_ERR_ARG;
	p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	for (; *p >= '0' && *p <= '9'; p++)
		ex = ex * 10 + (*p - '0');
	*exp10 = neg ? -ex : ex;
	return CAL_OK;
}

/* M x 10^q, correctly rounded while |q| <= 22 (M < 10^MAX_SIG is exact). */
static double scale10(double m, int q)
{
	if (q >= 0 && q <= 22)
		return m * pow10_exact[q];
	if (q < 0 && q >= -22)
		return m / pow10_exact[-q];
	return m * pow(10.0, q);
}

/* Half-up rounding to sig significant digits; see the header for the contract. */
int cal_round_sig(char *buf, size_t size, double *rounded, int *decimals, double value, int sig)
{
	int d[GUARD_DIGITS], ex, dec;
	char text[400];
	size_t len = 0;
	double mant = 0;

	if (!buf || size == 0)
		return cal_error_set(CAL_ERR_ARG, "cal_round_sig: no output buffer");
	if (sig < 1 || sig > MAX_SIG)
		return cal_error_set(CAL_ERR_ARG, "significant digits must be 1..%d, got %d",
				     MAX_SIG, sig);
	if (!isfinite(value) || value == 0)
		return cal_error_set(CAL_ERR_ARG, "cannot round %s to significant digits",
				     value == 0 ? "zero" : "a non-finite value");
	if (guard_digits(d, &ex, value) != CAL_OK)
		return cal_error_set(CAL_ERR_ARG, "cal_round_sig: cannot convert value");

	/* Half-up on the decimal digits; a carry out of d[0] gives 10...0. */
	if (d[sig] >= 5) {
		int i = sig - 1;

		while (i >= 0 && d[i] == 9)
			d[i--] = 0;
		if (i >= 0) {
			d[i]++;
		} else {
			d[0] = 1;
			ex++;
		}
	}

	dec = sig - 1 - ex;
	if (value < 0)
		text[len++] = '-';
	if (ex >= 0) {
		if ((size_t)ex + (size_t)sig + 4 > sizeof(text))
			return cal_error_set(CAL_ERR_ARG, "cal_round_sig: value too large");
		for (int i = 0; i <= ex; i++)
			text[len++] = (char)('0' + (i < sig ? d[i] : 0));
		if (dec > 0) {
			text[len++] = '.';
			for (int i = ex + 1; i < sig; i++)
				text[len++] = (char)('0' + d[i]);
		}
	} else {
		if ((size_t)(-ex) + (size_t)sig + 4 > sizeof(text))
			return cal_error_set(CAL_ERR_ARG, "cal_round_sig: value too small");
		text[len++] = '0';
		text[len++] = '.';
		for (int i = 0; i < -ex - 1; i++)
			text[len++] = '0';
		for (int i = 0; i < sig; i++)
			text[len++] = (char)('0' + d[i]);
	}
	text[len] = '\0';
	if (len + 1 > size)
		return cal_error_set(CAL_ERR_ARG,
				     "cal_round_sig: buffer of %zu bytes too small for \"%s\"",
				     size, text);
	memcpy(buf, text, len + 1);

	for (int i = 0; i < sig; i++)
		mant = mant * 10 + d[i];
	if (rounded)
		*rounded = (value < 0 ? -1 : 1) * scale10(mant, ex - sig + 1);
	if (decimals)
		*decimals = dec > 0 ? dec : 0;
	return CAL_OK;
}

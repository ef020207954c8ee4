/*
 * Locale-independent number parsing and formatting.
 *
 * Instruments and files always use '.' as the decimal separator, whatever
 * LC_NUMERIC says. These functions never consult the process locale.
 */
#ifndef CAL_COMMON_NUM_H
#define CAL_COMMON_NUM_H

#include <stddef.h>

/*
 * Parse the whole of s[0..len) as a decimal number: optional sign, digits with
 * an optional '.', optional exponent. No spaces, no hex, no inf/nan, no ','.
 * @param[out] out       the value
 * @param[out] decimals  digits shown after the decimal point, corrected for the
 *                       exponent and never negative (resolution of the reading);
 *                       may be NULL
 * @return CAL_OK, or CAL_ERR_ARG when the text is not such a number.
 */
int cal_num_parse(double *out, int *decimals, const char *s, size_t len);

/* As cal_num_parse() on a NUL-terminated string. */
int cal_num_parse_str(double *out, int *decimals, const char *s);

/*
 * Format v with exactly @decimals digits after '.', in the C locale.
 * Returns the number of characters written (snprintf semantics).
 */
int cal_num_format(char *buf, size_t size, double v, int decimals);

/* Shortest "%.*g" text that reads back as the same double, in the C locale. */
int cal_num_format_g(char *buf, size_t size, double v);

/*
 * v to at most @sig significant digits (1..17), trailing zeros dropped, plain
 * notation for everyday magnitudes, C locale: for messages to people, where
 * 0.1 + 0.2 must read "0.3", not "0.30000000000000004".
 */
int cal_num_format_sig(char *buf, size_t size, double v, int sig);

/*
 * The double nearest to v rounded to @sig significant decimal digits (1..17):
 * -0.12 g in kg is -0.00012, not -0.00011999999999999999.
 */
double cal_num_round_sig(double v, int sig);

#endif

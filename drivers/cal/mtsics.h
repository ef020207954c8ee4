/*
 * Pure parser for one Mettler Toledo MT-SICS response line (levels 0 and 1).
 *
 * The parser does no I/O and keeps no state: it turns the bytes of one line,
 * without its CR LF terminator, into a struct cal_mtsics_resp. It is shared
 * by the balance driver, the tests and the fuzz target. The general form is
 *
 *	ID<sp>Status[<sp>Parameters]	e.g. "S S     100.00 g", "I4 A \"B123456\""
 *
 * or a whole-line error "ES", "ET", "EL" (no ID). Fields are split on runs of
 * spaces, never on fixed columns, because widths differ between models.
 * On failure a message quoting the offending bytes is set with
 * cal_error_set(); the caller may prefix it with the instrument id.
 */
#ifndef CAL_DRIVERS_MTSICS_H
#define CAL_DRIVERS_MTSICS_H

#include <stddef.h>

#include "cal/units.h"

/* Longest response line accepted, in bytes, terminator excluded. */
#define CAL_MTSICS_LINE_MAX 127
/* Longest response ID ("I4", "SIRU"); one more byte for the NUL. */
#define CAL_MTSICS_ID_MAX 5
/* Most parameters kept from one line (I1 has five). */
#define CAL_MTSICS_PARAM_MAX 8

enum cal_mtsics_kind {
	CAL_MTSICS_WEIGHT = 1, /* status S, D (or A for TA): value and unit present */
	CAL_MTSICS_ACK,	       /* status A, B, S or D without parameters ("Z A", "ZI S") */
	CAL_MTSICS_TEXT,       /* status A or B with parameters ("I4 A \"123\"") */
	CAL_MTSICS_ERROR,      /* "ES", "ET" or "EL": the whole line is the error */
	CAL_MTSICS_OVERLOAD,   /* status '+': above the weighing, zero or tare range */
	CAL_MTSICS_UNDERLOAD,  /* status '-': below the range (pan missing) */
	CAL_MTSICS_BUSY,       /* status 'I': understood but not executable now */
	CAL_MTSICS_LOGICAL,    /* status 'L': parameter not allowed */
};

/* One parsed response line. Every field is set (zeroed) on every return. */
struct cal_mtsics_resp {
	enum cal_mtsics_kind kind;
	char id[CAL_MTSICS_ID_MAX + 1]; /* "S", "Z", "I4"; "ES"/"ET"/"EL" for errors */
	char status;			/* 'S','D','A','B','I','L','+','-'; 0 for errors */
	/* CAL_MTSICS_WEIGHT only: */
	double value;	    /* as sent, in .unit, sign included */
	int decimals;	    /* digits after the decimal point (resolution), >= 0 */
	enum cal_unit unit; /* CAL_UNIT_NONE unless kind is WEIGHT */
	/* CAL_MTSICS_TEXT only: parameters in order, quotes removed, NUL-terminated. */
	int nparam;
	char param[CAL_MTSICS_PARAM_MAX][CAL_MTSICS_LINE_MAX + 1];
};

/*
 * Parse one MT-SICS response line.
 *
 * Rules: printable ASCII only (0x20..0x7E); at most CAL_MTSICS_LINE_MAX
 * bytes; leading and trailing spaces are ignored; the ID is 1 to 5 upper-case
 * letters or digits starting with a letter; the status is one character from
 * "SDABIL+-"; a weight is a number (sign glued to the digits, '.' as the
 * decimal point whatever the locale) followed by a known unit symbol; '+',
 * '-', 'I' and 'L' take no parameters; text parameters are in double quotes.
 *
 * @param[out] out  The response. Must not be NULL. Zeroed on error.
 * @param[in] line  The line bytes, without terminator; need not be
 *                  NUL-terminated. Can be NULL only when len is 0.
 * @param[in] len   Number of bytes in line.
 *
 * @retval CAL_OK         out is filled.
 * @retval CAL_ERR_PROTO  Not a valid MT-SICS response; message names the bytes.
 * @retval CAL_ERR_ARG    out is NULL.
 */
int cal_mtsics_parse(struct cal_mtsics_resp *out, const char *line, size_t len);

/* Short name of a kind for messages ("weight", "overload"...). Never NULL. */
const char *cal_mtsics_kind_name(enum cal_mtsics_kind kind);

#endif /* CAL_DRIVERS_MTSICS_H */

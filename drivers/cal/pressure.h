/*
 * Pure parsers for the reply lines of pressure controllers: Druck PACE
 * (SCPI), Mensor CPC (Mensor command set), DH Instruments / Fluke PPC4.
 * docs/pressure-dialects.md gives the bytes; protocols.md §4 the sources.
 *
 * No I/O, no state: one line (without its terminator) in, one struct
 * cal_prs_reply out. Shared by the three drivers, the tests and the fuzz
 * target. A reply is split into comma-separated fields (commas inside
 * double quotes do not split); each field is trimmed and, when it starts
 * with a number, parsed as "number [unit]" locale-independently.
 */
#ifndef CAL_DRIVERS_PRESSURE_H
#define CAL_DRIVERS_PRESSURE_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/units.h"

/* Longest reply line accepted, in bytes, terminator excluded. */
#define CAL_PRS_LINE_MAX 127
/* Most fields kept from one reply (PPC4 *IDN? has eight). */
#define CAL_PRS_FIELD_MAX 10
/* Longest PACE header (":SOUR:PRES:LEV:IMM:AMPL:VENT" is 28). */
#define CAL_PRS_HEADER_MAX 47

struct cal_prs_field {
	char text[CAL_PRS_LINE_MAX + 1]; /* trimmed, surrounding quotes removed */
	bool number;			 /* text starts with a decimal number */
	double value;			 /* when .number: as sent, sign included */
	int decimals;			 /* when .number: digits after the point, >= 0 */
	/* When .number and a unit token follows (PPC4 "2306.265 kPaa"): */
	enum cal_unit unit; /* CAL_UNIT_NONE when no known unit follows */
	char mode;	    /* PPC4 'a' absolute or 'g' gauge after the unit; else 0 */
};

struct cal_prs_reply {
	/* PACE: the echoed header (":SENS:PRES"), upper-cased; "" when absent. */
	char header[CAL_PRS_HEADER_MAX + 1];
	/* Mensor: the reply began with 'E': the error queue is not empty. */
	bool error_pending;
	/* PPC4: "ERR# n" came instead of a reply; n in .error_code. */
	bool error;
	int error_code;
	/* The payload (after a PACE header or the Mensor lead byte), trimmed. */
	char payload[CAL_PRS_LINE_MAX + 1];
	int nfield;
	struct cal_prs_field field[CAL_PRS_FIELD_MAX];
};

/*
 * Parse one reply line of each dialect. Rules common to the three: printable
 * ASCII only (0x20..0x7E), at most CAL_PRS_LINE_MAX bytes, at most
 * CAL_PRS_FIELD_MAX fields, quotes balanced.
 *
 * PACE: an optional header (starts with ':' or '*', ends at the first
 * space), then the payload. Mensor: a lead byte ' ' or 'E' (a payload with
 * neither is accepted, as from a converter that trims spaces). PPC4: "ERR# n"
 * (also "ERR #n", "ERR#n") is an error reply; otherwise fields whose numbers
 * may carry a unit and an a/g mode ("97.000 kPaa", "97.000 kPa a").
 *
 * @param[out] out  Zeroed, then filled. Must not be NULL.
 * @param[in] line  The bytes, without terminator, not necessarily
 *                  NUL-terminated. NULL only with len 0.
 * @retval CAL_OK         out is filled.
 * @retval CAL_ERR_PROTO  Not a valid reply; the message quotes the bytes.
 * @retval CAL_ERR_ARG    out is NULL.
 */
int cal_pace_parse(struct cal_prs_reply *out, const char *line, size_t len);
int cal_mensor_parse(struct cal_prs_reply *out, const char *line, size_t len);
int cal_ppc4_parse(struct cal_prs_reply *out, const char *line, size_t len);

/*
 * Unit tokens of each dialect, case-insensitive (table in
 * docs/pressure-dialects.md). Parse returns CAL_ERR_ARG for an unknown token;
 * the token functions return NULL for a unit the dialect has no token for.
 */
int cal_pace_unit_parse(enum cal_unit *out, const char *token);
const char *cal_pace_unit_token(enum cal_unit u);
int cal_mensor_unit_parse(enum cal_unit *out, const char *text);
/* Mensor "Units <code>" number; 0 when the unit has no code. */
int cal_mensor_unit_code(enum cal_unit u);
int cal_ppc4_unit_parse(enum cal_unit *out, const char *token);
const char *cal_ppc4_unit_token(enum cal_unit u);

#endif /* CAL_DRIVERS_PRESSURE_H */

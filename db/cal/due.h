/*
 * What is due (issue 6, part 3): verification intervals per instrument type
 * with the date they take effect, the owners to remind, and the due date of
 * every instrument and reference standard (db/due.c, docs/due.md).
 *
 * Dates are "YYYY-MM-DD" (proleptic Gregorian, as printed on documents);
 * intervals are in whole months, added with cal_date_add_months (same day of
 * month, clamped to the month's end); days are calendar days.
 *
 * Type matching (intervals.type against an instrument's type): equal, or the
 * row's type is a prefix of the instrument's, after both are trimmed and
 * case-folded by cal_type_fold(); the longest matching type wins. Case
 * folding covers ASCII and the Latin letters Vietnamese uses (Latin-1,
 * Latin Extended-A, Ơ/Ư, Latin Extended Additional: "ĐỒNG HỒ" = "đồng hồ").
 * Text is compared byte for byte after that: Unicode NFC is expected (what
 * every Vietnamese keyboard produces); decomposed text (NFD) does not match
 * its composed form.
 */
#ifndef CAL_DB_DUE_H
#define CAL_DB_DUE_H

#include <stdbool.h>
#include <stddef.h>

#include "cal/db.h"

/* Longest interval the intervals table takes (CHECK in schema v6), in months. */
#define CAL_INTERVAL_MAX_MONTHS 240
/* Longest look-ahead of the due list, in days (100 years). */
#define CAL_DUE_MAX_WITHIN_DAYS 36500

/* ---- verification intervals (table intervals) ----------------------------- */

struct cal_interval {
	char type[96]; /* instrument type, or the start of it ("đồng hồ đo nước") */
	char effective_from[11]; /* YYYY-MM-DD the interval takes effect */
	int months;		 /* 0 = no periodic verification; 0..CAL_INTERVAL_MAX_MONTHS */
	char source[256];	 /* the legal text it comes from, "" = not said */
};

/*
 * Fold @src for type matching into dst[size]: leading and trailing blanks
 * dropped, letters lowered (see the file comment); always NUL-terminated, cut
 * at a UTF-8 boundary. Bytes that are not valid UTF-8 are copied as they are.
 */
void cal_type_fold(char *dst, size_t size, const char *src);

/*
 * Add or replace the interval of @iv->type from @iv->effective_from: a row
 * of the same type (after folding) and date is replaced, its spelling and
 * source too. CAL_ERR_ARG (message names it) for an empty type, a date that
 * does not parse, months outside 0..CAL_INTERVAL_MAX_MONTHS or a control
 * character. *changed (NULL ok): 0 the same row was there, 1 added, 2 replaced.
 */
int cal_db_interval_set(int *changed, struct cal_db *db, const struct cal_interval *iv);
/* Every row, ordered by type (folded), then effective_from. free() *out. */
int cal_db_interval_list(struct cal_interval **out, size_t *n, struct cal_db *db);
/*
 * The interval in force for @type on @date: of the rows whose type matches
 * (equal or the longest prefix, see above) and whose effective_from is on or
 * before @date, the longest type, then its latest effective_from. *months
 * receives it (0: no periodic verification); @row (NULL ok) the row itself.
 * CAL_ERR_NOTFOUND when no row is in force (message: "no interval known for
 * type 'T' on DATE"); CAL_ERR_ARG for a bad date.
 */
int cal_db_interval_for(int *months, struct cal_interval *row, struct cal_db *db, const char *type,
			const char *date);

/* ---- owners (table owners): whom to remind -------------------------------- */

struct cal_owner {
	char name[160]; /* = instruments.owner, exactly */
	char contact[96];
	char phone[48];
	char email[128];
	char address[256];
};

/* Add, or replace every field of, the owner @o->name. CAL_ERR_ARG: empty name, control char. */
int cal_db_owner_set(struct cal_db *db, const struct cal_owner *o);
/* CAL_ERR_NOTFOUND ("unknown owner 'X'") when not registered. */
int cal_db_owner_get(struct cal_owner *out, struct cal_db *db, const char *name);
/* Ordered by name. free() *out. */
int cal_db_owner_list(struct cal_owner **out, size_t *n, struct cal_db *db);

/* ---- what is due ------------------------------------------------------------ */

/*
 * The due date of one instrument or reference standard and why.
 *
 * An instrument: its latest verification (table history, by event date then
 * entry order; calibrations and revoked documents do not count) decides:
 *  - pass with a validity date: due on valid_until;
 *  - pass without: due on event date + interval (the instrument's own
 *    interval_months when not 0, else the intervals row in force on the
 *    event date for the instrument's type); no interval known, or 0 months:
 *    not due (basis says why);
 *  - fail: due at once, overdue since the event date ("failed on DATE, not
 *    re-verified") until a later verification;
 *  - never verified: not due ("never verified").
 * A standard (weights in standards, pressure, flow and volume references in
 * pressure_standards): its calibration due_date; "" = none.
 */
struct cal_due {
	char kind[16];	      /* "instrument" or "standard" */
	char id[64];	      /* register id */
	char type[96];	      /* instrument type; a standard: "weight M1", "pressure standard",
				 "flow standard", "volume standard" */
	char serial[64];      /* "" for weights */
	char owner[160];      /* instruments.owner; "" for standards (the centre's own) */
	char contact[96];     /* the owner's, from table owners ("" when not registered) */
	char phone[48];	      /* idem */
	char email[128];      /* idem */
	char address[256];    /* idem */
	char last_date[11];   /* the latest verification's date; a standard: "" */
	char last_result[8];  /* "pass", "fail" or "" */
	char last_number[64]; /* its document number; a standard: its calibration certificate */
	char due_date[11];    /* "" = not due (see basis) */
	int days_left;	      /* due_date - today in days, negative = overdue; 0 when no due date */
	char basis[256];      /* why, one sentence: "certificate CB-2025-000123 valid until
				 2026-03-01", "interval 12 months (Thông tư 03/2024) from
				 2025-03-01", "failed on 2025-06-02, not re-verified", "never
				 verified", "no periodic verification for type 'X'" */
};

/*
 * The due date of instrument @instrument_id as of @today (YYYY-MM-DD).
 * CAL_ERR_NOTFOUND for an unknown instrument, CAL_ERR_ARG for a bad date.
 * An instrument that is not due is CAL_OK with due_date "" and the reason in
 * basis.
 */
int cal_db_instrument_due(struct cal_due *out, struct cal_db *db, const char *instrument_id,
			  const char *today);

/*
 * Everything due on or before @today + @within_days (0..CAL_DUE_MAX_WITHIN_DAYS),
 * overdue included: instruments and reference standards, ordered by due date,
 * then id, then kind. One pass over the instruments, each with its latest
 * verification found through the index history_instrument. *out malloc'ed
 * (NULL when nothing is due); free() it. CAL_ERR_ARG for a bad date or window.
 */
int cal_db_due_list(struct cal_due **out, size_t *n, struct cal_db *db, const char *today,
		    int within_days);

/* @date + @days as YYYY-MM-DD into buf[11]; CAL_ERR_ARG for a bad date or a year past 9999. */
int cal_date_add_days_str(char *buf, size_t size, const char *date, int days);

#endif

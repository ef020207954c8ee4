/*
 * A CSV reader (RFC 4180, as spreadsheets write it): fields separated by
 * one delimiter byte (',' ';' or TAB), optionally quoted with '"' (a quote
 * inside a quoted field is doubled; a quoted field may hold delimiters and
 * line breaks); records end at CRLF, LF or CR. A UTF-8 byte order mark at
 * the start is skipped. The reader works on a buffer the caller owns and
 * never allocates per field beyond the record it returns.
 *
 * Invariants: every record carries the physical line it starts on (1-based),
 * so errors name what a spreadsheet user sees; a record's fields are
 * NUL-terminated copies (a field may contain NUL-free UTF-8 only: a NUL byte
 * or invalid UTF-8 is an error naming line and field).
 */
#ifndef CAL_COMMON_CSV_H
#define CAL_COMMON_CSV_H

#include <stddef.h>

struct cal_csv {
	const char *buf; /* the whole text, not NUL-terminated */
	size_t len, pos;
	char delim;
	long line;   /* line of the next character */
	char *store; /* the current record's fields, back to back */
	size_t store_cap;
	char **field; /* field[i] points into store */
	size_t n_field, field_cap;
	long rec_line; /* line the current record starts on */
};

/* @delim 0: guessed from the first line (the most frequent of , ; TAB outside quotes). */
void cal_csv_init(struct cal_csv *p, const char *buf, size_t len, char delim);
void cal_csv_free(struct cal_csv *p);

/*
 * The next record into p->field[0..n_field), p->rec_line. Returns 1 when a
 * record was read, 0 at the end, or a negative CAL_ERR_* (CAL_ERR_ARG with
 * a message naming the line: an unterminated quote, text after a closing
 * quote, a NUL byte, invalid UTF-8; CAL_ERR_NOMEM). Blank lines are skipped.
 */
int cal_csv_next(struct cal_csv *p);

/* true when @s (NUL-terminated) is valid UTF-8 (no overlongs, no surrogates). */
int cal_utf8_valid(const char *s, size_t len);

#endif

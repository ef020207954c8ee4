/*
 * Bringing in a register kept in a spreadsheet (cal/db.h, docs/import.md).
 *
 * Two passes. The first reads the whole CSV and checks every row (dates,
 * results, modes, lengths, duplicate numbers within the file), keeping the
 * first max_errors messages, each naming the line, the column (its header
 * as the file spells it) and the value. Only a clean file goes on: one
 * transaction inserts the import, the instruments not yet in the register
 * and one history row per register row; anything the database refuses
 * (a number already a calbench document's, or imported before) rolls it
 * all back. A dry run does the same and rolls back.
 *
 * Header names are compared folded: trimmed, inner spaces collapsed,
 * ASCII and the Latin letters of Vietnamese lower-cased (Đ -> đ, Ạ -> ạ:
 * cal_type_fold, the folding the intervals table matches types with). Text is expected in NFC, as
 * spreadsheets save it; values without diacritics ("dat", "khong dat", "dinh ky") are accepted too.
 *
 * An instrument is the same instrument when serial and type are equal and
 * manufacturer and model do not contradict (equal, or one side empty). A
 * new one takes its serial as id, or "serial-2", "serial-3"... when taken.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cal/clock.h"
#include "cal/csv.h"
#include "cal/due.h"
#include "cal/error.h"
#include "db-internal.h"

static const struct {
	const char *name;
	const char *aliases; /* folded header names, '|'-separated */
	bool required;
} fields[CAL_IMP_NFIELDS] = {
	[CAL_IMP_DATE] = { "date",
			   "date|ngày kiểm định|ngày|ngay kiem dinh|ngày kđ|ngày hiệu "
			   "chuẩn|ngay|ngay kd",
			   true },
	[CAL_IMP_TYPE] = { "type",
			   "type|instrument type|loại ptđ|loại phương tiện đo|tên phương tiện "
			   "đo|phương tiện đo|tên ptđ|loai ptd|loai phuong tien do|ten phuong tien "
			   "do|phuong tien do|ten ptd",
			   true },
	[CAL_IMP_MANUFACTURER] = { "manufacturer",
				   "manufacturer|hãng sản xuất|nơi sản xuất|cơ sở sản "
				   "xuất|hãng sx|nơi sx|hang san xuat|noi san xuat|co so san "
				   "xuat|hang sx|noi sx",
				   false },
	[CAL_IMP_MODEL] = { "model",
			    "model|kiểu|ký hiệu|kiểu/ký hiệu|kiểu loại|kieu|ky hieu|kieu loai",
			    false },
	[CAL_IMP_SERIAL] = { "serial",
			     "serial|serial no|số|số sản xuất|số sx|số hiệu|số máy|so|so san "
			     "xuat|so sx|so hieu|so may",
			     true },
	[CAL_IMP_OWNER] = { "owner",
			    "owner|đơn vị sử dụng|người/đơn vị sử dụng|khách hàng|cơ sở sử "
			    "dụng|don vi su dung|khach hang|co so su dung",
			    false },
	[CAL_IMP_METHOD] = { "method",
			     "method|phương pháp|phương pháp thực hiện|quy trình|đlvn|phuong "
			     "phap|quy trinh|dlvn",
			     false },
	[CAL_IMP_MODE] = { "mode",
			   "mode|chế độ kiểm định|chế độ|hình thức kiểm định|che do kiem dinh|che "
			   "do|hinh thuc kiem dinh",
			   false },
	[CAL_IMP_RESULT] = { "result", "result|kết quả|kết luận|ket qua|ket luan|kq", true },
	[CAL_IMP_NUMBER] = { "number",
			     "number|certificate number|certificate|số gcn|số giấy chứng "
			     "nhận|số chứng nhận|số biên bản|so gcn|so giay chung nhan|so chung "
			     "nhan|so bien ban",
			     false },
	[CAL_IMP_VALID_UNTIL] = { "valid_until",
				  "valid_until|valid until|hiệu lực đến|thời hạn đến|có "
				  "hiệu lực đến|hạn kiểm định|hieu luc den|thoi han den|co hieu "
				  "luc den|han kiem dinh",
				  false },
	[CAL_IMP_TECHNICIAN] = { "technician",
				 "technician|operator|kiểm định viên|người thực hiện|người "
				 "kiểm định|kiem dinh vien|nguoi thuc hien|nguoi kiem dinh",
				 false },
	[CAL_IMP_ACTIVITY] = { "activity", "activity|hoạt động|loại hình|hoat dong|loai hinh",
			       false },
};

const char *cal_import_field_name(enum cal_import_field f)
{
	return (unsigned)f < CAL_IMP_NFIELDS ? fields[f].name : "?";
}

const char *cal_import_field_aliases(enum cal_import_field f)
{
	return (unsigned)f < CAL_IMP_NFIELDS ? fields[f].aliases : "";
}

int cal_import_field_parse(enum cal_import_field *out, const char *name)
{
	char known[256] = "";
	size_t len = 0;

	for (int i = 0; i < CAL_IMP_NFIELDS; i++) {
		if (strcmp(fields[i].name, name) == 0) {
			*out = (enum cal_import_field)i;
			return CAL_OK;
		}
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					fields[i].name);
	}
	return cal_error_set(CAL_ERR_ARG, "unknown field '%s' (known: %s)", name, known);
}

void cal_import_report_free(struct cal_import_report *r)
{
	if (!r)
		return;
	free(r->errors);
	r->errors = NULL;
}

/* ---- folding: cal_type_fold (cal/due.h), as the intervals match types ---- */

/* Is folded @v one of the '|'-separated folded words of @list (a prefix when @prefix)? */
static bool in_list(const char *v, const char *list, bool prefix)
{
	size_t lv = strlen(v);

	while (*list) {
		const char *bar = strchr(list, '|');
		size_t n = bar ? (size_t)(bar - list) : strlen(list);

		if ((n == lv || (prefix && lv > n && v[n] == ' ')) && memcmp(v, list, n) == 0)
			return true;
		list += n + (bar ? 1 : 0);
	}
	return false;
}

/* ---- values ------------------------------------------------------------- */

/* "2025-03-04", "04/03/2025", "4.3.2025", "04-03-2025" (day first unless !day_first). */
static int parse_date(char *out, const char *v, bool day_first)
{
	struct cal_date d;
	int a, b, c, n = 0;
	char s1, s2;
	char iso[16];

	if (strlen(v) > 10)
		return -1;
	if (sscanf(v, "%4d-%2d-%2d%n", &a, &b, &c, &n) == 3 && n == (int)strlen(v) && v[4] == '-') {
		snprintf(iso, sizeof(iso), "%04d-%02d-%02d", a, b, c);
	} else if (sscanf(v, "%2d%c%2d%c%4d%n", &a, &s1, &b, &s2, &c, &n) == 5 &&
		   n == (int)strlen(v) && s1 == s2 && (s1 == '/' || s1 == '.' || s1 == '-') &&
		   strlen(v) - (size_t)(strrchr(v, s1) - v) == 5) {
		if (!day_first) {
			int t = a;

			a = b;
			b = t;
		}
		snprintf(iso, sizeof(iso), "%04d-%02d-%02d", c, b, a);
	} else {
		return -1;
	}
	for (const char *p = v; *p; p++)
		if (*p == ' ' || *p == '+')
			return -1;
	if (cal_date_parse(&d, iso))
		return -1;
	memcpy(out, iso, 11);
	return 0;
}

static const char *parse_result(const char *folded)
{
	if (in_list(folded, "không đạt|khong dat|fail|failed|không đạt yêu cầu", true))
		return "fail";
	if (in_list(folded, "đạt|dat|pass|passed|đạt yêu cầu", true))
		return "pass";
	return NULL;
}

static const char *parse_mode(const char *folded)
{
	if (in_list(folded, "initial|ban đầu|ban dau|kiểm định ban đầu", false))
		return "initial";
	if (in_list(folded, "periodic|định kỳ|dinh ky|kiểm định định kỳ", false))
		return "periodic";
	if (in_list(folded,
		    "after-repair|after repair|sau sửa chữa|sau sua chua|bất thường|bat thuong",
		    false))
		return "after-repair";
	return NULL;
}

static const char *parse_activity(const char *folded)
{
	if (in_list(folded, "verification|kiểm định|kiem dinh", false))
		return "verification";
	if (in_list(folded, "calibration|hiệu chuẩn|hieu chuan", false))
		return "calibration";
	return NULL;
}

/* ---- the rows ----------------------------------------------------------- */

struct row {
	long line;
	char date[11], valid_until[11];
	const char *result, *mode, *activity;
	char *v[CAL_IMP_NFIELDS]; /* trimmed copies, "" when no column */
};

struct ctx {
	struct cal_import_report *out;
	const struct cal_import_opts *o;
	size_t max_errors;
	size_t errors_len, errors_cap;
	int col[CAL_IMP_NFIELDS]; /* -1 = no column */
	char **header;		  /* as the file spells it */
	size_t n_header;
	struct row *rows;
	size_t n_rows, rows_cap;
};

static void add_error(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add_error(struct ctx *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t n;

	c->out->n_errors++;
	if (c->out->n_errors > c->max_errors)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (c->errors_len + n + 2 > c->errors_cap) {
		size_t cap = (c->errors_cap + n + 2) * 2;
		char *e = realloc(c->out->errors, cap);

		if (!e)
			return;
		c->out->errors = e;
		c->errors_cap = cap;
	}
	memcpy(c->out->errors + c->errors_len, msg, n);
	c->errors_len += n;
	c->out->errors[c->errors_len++] = '\n';
	c->out->errors[c->errors_len] = '\0';
}

static char *trimmed_dup(const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

static void rows_free(struct ctx *c)
{
	for (size_t i = 0; i < c->n_rows; i++)
		for (int f = 0; f < CAL_IMP_NFIELDS; f++)
			free(c->rows[i].v[f]);
	free(c->rows);
	for (size_t i = 0; i < c->n_header; i++)
		free(c->header[i]);
	free(c->header);
}

/* Does a header name hold combining accents (U+0300..U+036F, i.e. text in NFD)? */
static bool decomposed(const struct ctx *c)
{
	for (size_t i = 0; i < c->n_header; i++)
		for (const unsigned char *b = (const unsigned char *)c->header[i]; *b; b++)
			if ((b[0] == 0xCC && b[1] >= 0x80) || (b[0] == 0xCD && b[1] < 0xB0))
				return true;
	return false;
}

/*
 * The first character of @s a register value may not hold: C0 and C1
 * controls (tab and line breaks included), DEL, the invisible and
 * direction-changing marks (U+200B..U+200F, U+202A..U+202E,
 * U+2060..U+2069, U+FEFF). Its code point in *cp; its offset, -1 when none.
 */
static long bad_char(unsigned *cp, const char *s)
{
	const unsigned char *b = (const unsigned char *)s;

	for (size_t i = 0; b[i]; i++) {
		unsigned c = b[i];

		if (c < 0x20 || c == 0x7F) {
			*cp = c;
			return (long)i;
		}
		if (c == 0xC2 && b[i + 1] >= 0x80 && b[i + 1] <= 0x9F) {
			*cp = b[i + 1];
			return (long)i;
		}
		if (c == 0xE2 && (b[i + 1] == 0x80 || b[i + 1] == 0x81) && b[i + 2]) {
			unsigned v =
				0x2000 | ((unsigned)(b[i + 1] & 0x3F) << 6) | (b[i + 2] & 0x3F);

			if ((v >= 0x200B && v <= 0x200F) || (v >= 0x202A && v <= 0x202E) ||
			    (v >= 0x2060 && v <= 0x2069)) {
				*cp = v;
				return (long)i;
			}
		}
		if (c == 0xEF && b[i + 1] == 0xBB && b[i + 2] == 0xBF) {
			*cp = 0xFEFF;
			return (long)i;
		}
	}
	return -1;
}

/* The header: which column is which field. */
static int map_header(struct ctx *c, const struct cal_csv *p)
{
	char folded[256], want[256];
	size_t len = 0, dlen = 0, ilen = 0;
	bool used[512] = { false }, named[512] = { false };
	int rc = CAL_OK;

	c->header = calloc(p->n_field ? p->n_field : 1, sizeof(*c->header));
	if (!c->header)
		return cal_error_set(CAL_ERR_NOMEM, "import: out of memory");
	c->n_header = p->n_field;
	for (size_t i = 0; i < p->n_field; i++) {
		c->header[i] = trimmed_dup(p->field[i]);
		if (!c->header[i])
			return cal_error_set(CAL_ERR_NOMEM, "import: out of memory");
	}
	if (p->n_field > sizeof(used) / sizeof(used[0])) {
		add_error(c,
			  "%s: line %ld: %zu columns (at most %zu: delete the empty columns "
			  "at the right of the sheet)",
			  c->o->file_name, p->rec_line, p->n_field, sizeof(used) / sizeof(used[0]));
		return CAL_ERR_ARG;
	}
	/* the columns named with --column/--map are theirs: no alias takes them */
	for (int f = 0; f < CAL_IMP_NFIELDS; f++) {
		if (!c->o->column[f])
			continue;
		cal_type_fold(want, sizeof(want), c->o->column[f]);
		for (size_t i = 0; i < p->n_field; i++) {
			cal_type_fold(folded, sizeof(folded), c->header[i]);
			named[i] |= strcmp(folded, want) == 0;
		}
	}
	for (int f = 0; f < CAL_IMP_NFIELDS; f++) {
		c->col[f] = -1;
		if (c->o->column[f])
			cal_type_fold(want, sizeof(want), c->o->column[f]);
		for (size_t i = 0; i < p->n_field; i++) {
			cal_type_fold(folded, sizeof(folded), c->header[i]);
			if (!folded[0])
				continue;
			if (c->o->column[f]
				    ? strcmp(folded, want) != 0
				    : named[i] || !in_list(folded, fields[f].aliases, false))
				continue;
			if (c->col[f] >= 0) {
				add_error(
					c,
					"%s: line %ld: columns %d ('%s') and %zu ('%s') both read "
					"as %s: name one with --column %s=HEADER",
					c->o->file_name, p->rec_line, c->col[f] + 1,
					c->header[c->col[f]], i + 1, c->header[i], fields[f].name,
					fields[f].name);
				rc = CAL_ERR_ARG;
				continue;
			}
			if (used[i]) {
				add_error(c,
					  "%s: line %ld: column %zu ('%s') is read as two fields",
					  c->o->file_name, p->rec_line, i + 1, c->header[i]);
				rc = CAL_ERR_ARG;
				continue;
			}
			used[i] = true;
			c->col[f] = (int)i;
		}
		if (c->col[f] < 0 && c->o->column[f]) {
			add_error(c, "%s: line %ld: no column '%s' for %s in the header",
				  c->o->file_name, p->rec_line, c->o->column[f], fields[f].name);
			rc = CAL_ERR_ARG;
		} else if (c->col[f] < 0 && fields[f].required) {
			add_error(
				c,
				"%s: line %ld: no column for %s (looked for: %s; name it with "
				"--column %s=HEADER)%s",
				c->o->file_name, p->rec_line, fields[f].name, fields[f].aliases,
				fields[f].name,
				decomposed(c)
					? "; the header is in decomposed Unicode (NFD, accents as "
					  "separate marks): save the file again with composed "
					  "characters (NFC)"
					: "");
			rc = CAL_ERR_ARG;
		}
		if (c->col[f] >= 0)
			len += (size_t)snprintf(
				c->out->mapping + len,
				len < sizeof(c->out->mapping) ? sizeof(c->out->mapping) - len : 0,
				"%s%s=%s", len ? "; " : "", fields[f].name, c->header[c->col[f]]);
		else if (f == CAL_IMP_MODE || f == CAL_IMP_ACTIVITY)
			dlen += (size_t)snprintf(c->out->defaults + dlen,
						 dlen < sizeof(c->out->defaults)
							 ? sizeof(c->out->defaults) - dlen
							 : 0,
						 "%s%s=%s", dlen ? "; " : "", fields[f].name,
						 f == CAL_IMP_MODE ? "periodic" : "verification");
		if (len >= sizeof(c->out->mapping))
			len = sizeof(c->out->mapping) - 1;
		if (dlen >= sizeof(c->out->defaults))
			dlen = sizeof(c->out->defaults) - 1;
	}
	for (size_t i = 0; i < p->n_field; i++) {
		if (used[i] || !c->header[i][0])
			continue;
		ilen += (size_t)snprintf(
			c->out->ignored + ilen,
			ilen < sizeof(c->out->ignored) ? sizeof(c->out->ignored) - ilen : 0, "%s%s",
			ilen ? ", " : "", c->header[i]);
		if (ilen >= sizeof(c->out->ignored))
			ilen = sizeof(c->out->ignored) - 1;
	}
	return rc;
}

/* Longest text per field: the size of the struct cal_history / cal_instrument member - 1. */
static const size_t max_len[CAL_IMP_NFIELDS] = {
	[CAL_IMP_DATE] = 10,	 [CAL_IMP_TYPE] = 95,	     [CAL_IMP_MANUFACTURER] = 95,
	[CAL_IMP_MODEL] = 95,	 [CAL_IMP_SERIAL] = 63,	     [CAL_IMP_OWNER] = 159,
	[CAL_IMP_METHOD] = 95,	 [CAL_IMP_MODE] = 40,	     [CAL_IMP_RESULT] = 80,
	[CAL_IMP_NUMBER] = 63,	 [CAL_IMP_VALID_UNTIL] = 10, [CAL_IMP_TECHNICIAN] = 95,
	[CAL_IMP_ACTIVITY] = 40,
};

#define COL(c, f) ((c)->header[(c)->col[f]])

static const char *date_forms(const struct ctx *c)
{
	return c->o->day_first ? "YYYY-MM-DD or DD/MM/YYYY"
			       : "YYYY-MM-DD or MM/DD/YYYY (--month-first)";
}

static int check_row(struct ctx *c, const struct cal_csv *p, const char *today)
{
	struct row r = { 0 };
	char folded[256];
	bool bad = false;
	struct row *grown;
	unsigned cp;
	long at;

	r.line = p->rec_line;
	if (p->n_field != c->n_header) {
		add_error(c, "%s: line %ld: %zu fields, the header has %zu", c->o->file_name,
			  r.line, p->n_field, c->n_header);
		return CAL_OK;
	}
	for (int f = 0; f < CAL_IMP_NFIELDS; f++) {
		r.v[f] = trimmed_dup(c->col[f] >= 0 ? p->field[c->col[f]] : "");
		if (!r.v[f]) {
			for (int k = 0; k < f; k++)
				free(r.v[k]);
			return cal_error_set(CAL_ERR_NOMEM, "import: out of memory");
		}
		if (c->col[f] < 0)
			continue;
		if (strlen(r.v[f]) > max_len[f]) {
			add_error(c,
				  "%s: line %ld, column '%s' (%s): %zu bytes, at most %zu "
				  "('%.24s...')",
				  c->o->file_name, r.line, COL(c, f), fields[f].name,
				  strlen(r.v[f]), max_len[f], r.v[f]);
			bad = true;
			continue;
		}
		if ((at = bad_char(&cp, r.v[f])) >= 0) {
			add_error(c,
				  "%s: line %ld, column '%s' (%s): a control or invisible "
				  "character (U+%04X) after '%.*s': one line of plain text, please",
				  c->o->file_name, r.line, COL(c, f), fields[f].name, cp,
				  (int)(at > 24 ? 24 : at), r.v[f] + (at > 24 ? at - 24 : 0));
			bad = true;
			continue;
		}
		if (fields[f].required && !r.v[f][0]) {
			add_error(c, "%s: line %ld, column '%s' (%s): empty", c->o->file_name,
				  r.line, COL(c, f), fields[f].name);
			bad = true;
		}
	}
	if (bad)
		goto keep;
	if (r.v[CAL_IMP_NUMBER][0]) {
		/* as lookups see it: whitespace runs one space (verify finds it so) */
		char norm[64];

		if (db_number_normalise(norm, sizeof(norm), r.v[CAL_IMP_NUMBER]))
			strcpy(r.v[CAL_IMP_NUMBER], norm); /* never longer */
	}
	if (parse_date(r.date, r.v[CAL_IMP_DATE], c->o->day_first)) {
		add_error(c, "%s: line %ld, column '%s' (date): '%s' is not a date (%s)",
			  c->o->file_name, r.line, COL(c, CAL_IMP_DATE), r.v[CAL_IMP_DATE],
			  date_forms(c));
		bad = true;
	} else if (strcmp(r.date, today) > 0) {
		add_error(c, "%s: line %ld, column '%s' (date): %s is after today (%s)",
			  c->o->file_name, r.line, COL(c, CAL_IMP_DATE), r.date, today);
		bad = true;
	}
	cal_type_fold(folded, sizeof(folded), r.v[CAL_IMP_RESULT]);
	r.result = parse_result(folded);
	if (!r.result) {
		add_error(c,
			  "%s: line %ld, column '%s' (result): '%s' is neither pass nor fail "
			  "(đạt / không đạt, pass / fail)",
			  c->o->file_name, r.line, COL(c, CAL_IMP_RESULT), r.v[CAL_IMP_RESULT]);
		bad = true;
	}
	r.mode = "periodic";
	if (c->col[CAL_IMP_MODE] >= 0) {
		cal_type_fold(folded, sizeof(folded), r.v[CAL_IMP_MODE]);
		r.mode = parse_mode(folded);
		if (!r.mode) {
			add_error(c,
				  "%s: line %ld, column '%s' (mode): '%s' is not a mode (ban đầu "
				  "/ định kỳ / sau sửa chữa, initial / periodic / after-repair)",
				  c->o->file_name, r.line, COL(c, CAL_IMP_MODE), r.v[CAL_IMP_MODE]);
			bad = true;
		}
	}
	r.activity = "verification";
	if (c->col[CAL_IMP_ACTIVITY] >= 0) {
		cal_type_fold(folded, sizeof(folded), r.v[CAL_IMP_ACTIVITY]);
		r.activity = parse_activity(folded);
		if (!r.activity) {
			add_error(c,
				  "%s: line %ld, column '%s' (activity): '%s' is neither "
				  "verification nor calibration (kiểm định / hiệu chuẩn)",
				  c->o->file_name, r.line, COL(c, CAL_IMP_ACTIVITY),
				  r.v[CAL_IMP_ACTIVITY]);
			bad = true;
		}
	}
	if (r.v[CAL_IMP_VALID_UNTIL][0]) {
		if (parse_date(r.valid_until, r.v[CAL_IMP_VALID_UNTIL], c->o->day_first)) {
			add_error(
				c,
				"%s: line %ld, column '%s' (valid_until): '%s' is not a date (%s)",
				c->o->file_name, r.line, COL(c, CAL_IMP_VALID_UNTIL),
				r.v[CAL_IMP_VALID_UNTIL], date_forms(c));
			bad = true;
		} else if (r.date[0] && strcmp(r.valid_until, r.date) <= 0) {
			add_error(c,
				  "%s: line %ld, column '%s' (valid_until): %s is not after the "
				  "date %s",
				  c->o->file_name, r.line, COL(c, CAL_IMP_VALID_UNTIL),
				  r.valid_until, r.date);
			bad = true;
		} else if (r.result && strcmp(r.result, "fail") == 0) {
			add_error(c,
				  "%s: line %ld, column '%s' (valid_until): a failed instrument "
				  "has no validity ('%s')",
				  c->o->file_name, r.line, COL(c, CAL_IMP_VALID_UNTIL),
				  r.v[CAL_IMP_VALID_UNTIL]);
			bad = true;
		}
	}
keep:
	grown = db_grow(c->rows, &c->rows_cap, c->n_rows, sizeof(*c->rows));
	if (!grown) {
		for (int f = 0; f < CAL_IMP_NFIELDS; f++)
			free(r.v[f]);
		return CAL_ERR_NOMEM;
	}
	c->rows = grown;
	c->rows[c->n_rows++] = r;
	(void)bad;
	return CAL_OK;
}

static bool blank_record(const struct cal_csv *p)
{
	for (size_t i = 0; i < p->n_field; i++)
		for (const char *f = p->field[i]; *f; f++)
			if (*f != ' ' && *f != '\t')
				return false;
	return true;
}

/* ASCII case folded, as SQLite's NOCASE (strcasecmp would follow the locale). */
static int ascii_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int x = (unsigned char)*a, y = (unsigned char)*b;

		x += (x >= 'A' && x <= 'Z') * 32;
		y += (y >= 'A' && y <= 'Z') * 32;
		if (x != y || !x)
			return x - y;
	}
}

static int by_number(const void *a, const void *b, void *arg)
{
	const struct row *sort_rows = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = ascii_casecmp(sort_rows[x].v[CAL_IMP_NUMBER], sort_rows[y].v[CAL_IMP_NUMBER]);

	return d ? d : (x > y) - (x < y);
}

/* Numbers given twice in the file. */
static int check_numbers(struct ctx *c)
{
	size_t *idx, n = 0;

	if (c->col[CAL_IMP_NUMBER] < 0)
		return CAL_OK;
	idx = malloc((c->n_rows ? c->n_rows : 1) * sizeof(*idx));
	if (!idx)
		return cal_error_set(CAL_ERR_NOMEM, "import: out of memory");
	for (size_t i = 0; i < c->n_rows; i++)
		if (c->rows[i].v[CAL_IMP_NUMBER][0])
			idx[n++] = i;
	qsort_r(idx, n, sizeof(*idx), by_number, c->rows);
	for (size_t k = 1; k < n; k++) {
		const struct row *a = &c->rows[idx[k - 1]], *b = &c->rows[idx[k]];

		if (ascii_casecmp(a->v[CAL_IMP_NUMBER], b->v[CAL_IMP_NUMBER]) == 0)
			add_error(c,
				  "%s: line %ld, column '%s' (number): '%s' is also on line %ld%s",
				  c->o->file_name, b->line, COL(c, CAL_IMP_NUMBER),
				  b->v[CAL_IMP_NUMBER], a->line,
				  strcmp(a->v[CAL_IMP_NUMBER], b->v[CAL_IMP_NUMBER])
					  ? " (numbers are the same whatever the case and spacing)"
					  : "");
	}
	free(idx);
	return CAL_OK;
}

/* ---- writing ------------------------------------------------------------ */

struct stmts {
	sqlite3_stmt *find, *id_taken, *add_inst, *add_hist, *number_used, *same_row;
};

static void stmts_free(struct stmts *s)
{
	sqlite3_finalize(s->find);
	sqlite3_finalize(s->id_taken);
	sqlite3_finalize(s->add_inst);
	sqlite3_finalize(s->add_hist);
	sqlite3_finalize(s->number_used);
	sqlite3_finalize(s->same_row);
}

static int stmts_prepare(struct stmts *s, struct cal_db *db)
{
	int rc;

	rc = db_prepare(&s->find, db,
			/* the type compared folded, in C (cal_type_fold) */
			"SELECT id, manufacturer, model, type FROM instruments "
			"WHERE serial = ?1 ORDER BY created_at, id");
	if (!rc)
		rc = db_prepare(&s->id_taken, db, "SELECT 1 FROM instruments WHERE id = ?1");
	if (!rc)
		rc = db_prepare(&s->add_inst, db,
				"INSERT INTO instruments (id, type, manufacturer, model, serial, "
				"owner, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
	if (!rc)
		rc = db_prepare(&s->add_hist, db,
				"INSERT INTO history (source, import_id, import_row, number, "
				"instrument_id, activity, event_date, valid_until, result, mode, "
				"type, owner, operator, method) VALUES ('import', ?1, ?2, ?3, ?4, "
				"?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
	if (!rc)
		rc = db_prepare(
			&s->number_used, db,
			/* numbers are looked up without regard to case */
			"SELECT 'a calbench document (' || number || ')' FROM certificates "
			"WHERE number = ?1 COLLATE NOCASE "
			"UNION ALL SELECT 'a calbench revision (' || number || ')' "
			"FROM cert_revisions WHERE number = ?1 COLLATE NOCASE "
			"UNION ALL SELECT CASE WHEN m.id = ?2 THEN 'line ' || h.import_row || "
			"' of this file' ELSE 'line ' || h.import_row || ' of ' || "
			"m.file_name || ', imported ' || m.imported_at END "
			"FROM history h JOIN imports m ON m.id = h.import_id "
			"WHERE h.number = ?1 COLLATE NOCASE AND h.number <> '' LIMIT 1");
	if (!rc)
		rc = db_prepare(
			&s->same_row, db,
			/* the same verification recorded already: a register saved again */
			"SELECT CASE WHEN h.source = 'run' THEN 'the document ' || h.number "
			"|| ' of run ' || h.run_id WHEN m.id = ?6 THEN 'line ' || "
			"h.import_row || ' of this file' ELSE 'line ' || h.import_row || "
			"' of ' || m.file_name || ', imported ' || m.imported_at END, "
			/* an earlier import's row, and its number */
			"h.source = 'import' AND m.id <> ?6, h.number "
			"FROM history h LEFT JOIN imports m ON m.id = h.import_id "
			"WHERE h.instrument_id = ?1 AND h.event_date = ?2 AND h.activity = ?3 "
			"AND h.result = ?4 AND h.mode = ?5 AND h.revoked = 0 "
			"ORDER BY h.number = ?7 COLLATE NOCASE DESC LIMIT 1");
	return rc;
}

static bool compatible(const char *a, const char *b)
{
	return !a[0] || !b[0] || strcmp(a, b) == 0;
}

/* The instrument of row @r: found, or added. */
static int instrument_of(char *id, size_t size, bool *added, struct cal_db *db, struct stmts *s,
			 const struct row *r, const char *now)
{
	const char *serial = r->v[CAL_IMP_SERIAL];
	char found[64] = "", also[64] = "", want[96];
	int step, rc = CAL_OK;

	*added = false;
	sqlite3_reset(s->find);
	db_bind_str(s->find, 1, serial);
	cal_type_fold(want, sizeof(want), r->v[CAL_IMP_TYPE]);
	while ((step = sqlite3_step(s->find)) == SQLITE_ROW) {
		char manu[96], model[96], cand[64], type[96], folded[96];

		db_col_text(type, sizeof(type), s->find, 3);
		cal_type_fold(folded, sizeof(folded), type);
		if (strcmp(folded, want) != 0)
			continue; /* the same serial on another kind of instrument */
		db_col_text(manu, sizeof(manu), s->find, 1);
		db_col_text(model, sizeof(model), s->find, 2);
		db_col_text(cand, sizeof(cand), s->find, 0);
		if (strcmp(manu, r->v[CAL_IMP_MANUFACTURER]) == 0 &&
		    strcmp(model, r->v[CAL_IMP_MODEL]) == 0) {
			db_strlcpy(id, size, cand); /* the same on every field: it */
			sqlite3_reset(s->find);
			return CAL_OK;
		}
		if (compatible(manu, r->v[CAL_IMP_MANUFACTURER]) &&
		    compatible(model, r->v[CAL_IMP_MODEL])) {
			if (found[0])
				snprintf(also, sizeof(also), "%s", cand);
			else
				db_strlcpy(found, sizeof(found), cand);
		}
	}
	sqlite3_reset(s->find);
	if (step != SQLITE_DONE)
		return db_fail(db, "import: instruments");
	if (also[0])
		return cal_error_set(CAL_ERR_STATE,
				     "serial '%s', type '%s' could be instrument %s or %s: give "
				     "the manufacturer and model in the row",
				     serial, r->v[CAL_IMP_TYPE], found, also);
	if (found[0]) {
		db_strlcpy(id, size, found);
		return CAL_OK;
	}
	for (int k = 1;; k++) {
		if (k == 1)
			db_strlcpy(id, size, serial);
		else
			snprintf(id, size, "%.*s-%d", (int)size - 8, serial, k);
		sqlite3_reset(s->id_taken);
		db_bind_str(s->id_taken, 1, id);
		step = sqlite3_step(s->id_taken);
		sqlite3_reset(s->id_taken);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW)
			return db_fail(db, "import: instruments");
		if (k > 100000)
			return cal_error_set(CAL_ERR_STATE, "import: no free id for serial '%s'",
					     serial);
	}
	sqlite3_reset(s->add_inst);
	db_bind_str(s->add_inst, 1, id);
	db_bind_str(s->add_inst, 2, r->v[CAL_IMP_TYPE]);
	db_bind_str(s->add_inst, 3, r->v[CAL_IMP_MANUFACTURER]);
	db_bind_str(s->add_inst, 4, r->v[CAL_IMP_MODEL]);
	db_bind_str(s->add_inst, 5, serial);
	db_bind_str(s->add_inst, 6, r->v[CAL_IMP_OWNER]);
	db_bind_str(s->add_inst, 7, now);
	if (sqlite3_step(s->add_inst) != SQLITE_DONE)
		rc = db_fail(db, "import: add instrument");
	sqlite3_reset(s->add_inst);
	*added = rc == CAL_OK;
	return rc;
}

/* Why the database refused row @r's number, as a message; CAL_ERR_STATE. */
#define SKIP_HINT " (a register brought in again with new rows: --skip-imported)"

static int number_refused(struct ctx *c, struct stmts *s, const struct row *r, int64_t import_id,
			  const char *hint)
{
	char where[256] = "a record";

	sqlite3_reset(s->number_used);
	db_bind_str(s->number_used, 1, r->v[CAL_IMP_NUMBER]);
	sqlite3_bind_int64(s->number_used, 2, import_id);
	if (sqlite3_step(s->number_used) == SQLITE_ROW)
		db_col_text(where, sizeof(where), s->number_used, 0);
	sqlite3_reset(s->number_used);
	return cal_error_set(CAL_ERR_STATE,
			     "%s: line %ld, column '%s' (number): '%s' is already %s; nothing "
			     "imported%s",
			     c->o->file_name, r->line, COL(c, CAL_IMP_NUMBER), r->v[CAL_IMP_NUMBER],
			     where, hint);
}

/*
 * Refuse row @r when its number is already a document's or a record's (no
 * regard to case), or when its instrument @id has the same verification
 * (date, activity, result, mode) already: the register, or part of it,
 * saved again under another name or with other bytes. CAL_ERR_STATE naming
 * both places; CAL_OK when the row is new.
 */
static int row_known(bool *skip, struct ctx *c, struct cal_db *db, struct stmts *s,
		     const struct row *r, const char *id, int64_t import_id)
{
	char where[256], number[64] = "";
	bool earlier = false, same;
	int step;

	*skip = false;
	sqlite3_reset(s->same_row);
	db_bind_str(s->same_row, 1, id);
	db_bind_str(s->same_row, 2, r->date);
	db_bind_str(s->same_row, 3, r->activity);
	db_bind_str(s->same_row, 4, r->result);
	db_bind_str(s->same_row, 5, r->mode);
	sqlite3_bind_int64(s->same_row, 6, import_id);
	db_bind_str(s->same_row, 7, r->v[CAL_IMP_NUMBER]);
	step = sqlite3_step(s->same_row);
	if (step == SQLITE_ROW) {
		db_col_text(where, sizeof(where), s->same_row, 0);
		earlier = sqlite3_column_int(s->same_row, 1) != 0;
		db_col_text(number, sizeof(number), s->same_row, 2);
	}
	sqlite3_reset(s->same_row);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return db_fail(db, "import: history");
	same = step == SQLITE_ROW;
	/* --skip-imported: the row an earlier import brought in, number and all */
	if (same && earlier && c->o->skip_imported &&
	    ascii_casecmp(number, r->v[CAL_IMP_NUMBER]) == 0) {
		*skip = true;
		return CAL_OK;
	}
	if (r->v[CAL_IMP_NUMBER][0]) {
		sqlite3_reset(s->number_used);
		db_bind_str(s->number_used, 1, r->v[CAL_IMP_NUMBER]);
		sqlite3_bind_int64(s->number_used, 2, import_id);
		step = sqlite3_step(s->number_used);
		sqlite3_reset(s->number_used);
		if (step == SQLITE_ROW)
			return number_refused(c, s, r, import_id, earlier ? SKIP_HINT : "");
		if (step != SQLITE_DONE)
			return db_fail(db, "import: numbers");
	}
	if (same)
		return cal_error_set(CAL_ERR_STATE,
				     "%s: line %ld: instrument %s, %s %s on %s, %s: the same is "
				     "already %s; nothing imported%s",
				     c->o->file_name, r->line, id, r->mode, r->activity, r->date,
				     r->result, where,
				     earlier && !c->o->skip_imported ? SKIP_HINT : "");
	return CAL_OK;
}

static int write_rows(struct ctx *c, struct cal_db *db, const char *sha, const char *now)
{
	struct cal_import_report *out = c->out;
	struct stmts s = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t import_id;
	int rc;

	rc = db_prepare(&st, db,
			"INSERT INTO imports (file_name, file_sha256, rows, mapping, imported_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5)");
	if (rc)
		return rc;
	db_bind_str(st, 1, c->o->file_name);
	db_bind_str(st, 2, sha);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)c->n_rows);
	db_bind_str(st, 4, out->mapping);
	db_bind_str(st, 5, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "import");
	sqlite3_finalize(st);
	if (rc)
		return rc;
	import_id = sqlite3_last_insert_rowid(cal_db_handle(db));
	rc = stmts_prepare(&s, db);
	for (size_t i = 0; !rc && i < c->n_rows; i++) {
		const struct row *r = &c->rows[i];
		char id[64];
		bool added, skip;

		rc = instrument_of(id, sizeof(id), &added, db, &s, r, now);
		if (rc) {
			cal_error_prefix(rc, "%s: line %ld: ", c->o->file_name, r->line);
			break;
		}
		out->instruments_new += added;
		rc = row_known(&skip, c, db, &s, r, id, import_id);
		if (rc)
			break;
		if (skip) {
			out->skipped++;
			continue;
		}
		sqlite3_reset(s.add_hist);
		sqlite3_bind_int64(s.add_hist, 1, import_id);
		sqlite3_bind_int64(s.add_hist, 2, r->line);
		db_bind_str(s.add_hist, 3, r->v[CAL_IMP_NUMBER]);
		db_bind_str(s.add_hist, 4, id);
		db_bind_str(s.add_hist, 5, r->activity);
		db_bind_str(s.add_hist, 6, r->date);
		db_bind_str(s.add_hist, 7, r->valid_until);
		db_bind_str(s.add_hist, 8, r->result);
		db_bind_str(s.add_hist, 9, r->mode);
		db_bind_str(s.add_hist, 10, r->v[CAL_IMP_TYPE]);
		db_bind_str(s.add_hist, 11, r->v[CAL_IMP_OWNER]);
		db_bind_str(s.add_hist, 12, r->v[CAL_IMP_TECHNICIAN]);
		db_bind_str(s.add_hist, 13, r->v[CAL_IMP_METHOD]);
		if (sqlite3_step(s.add_hist) != SQLITE_DONE) {
			int ext = sqlite3_extended_errcode(cal_db_handle(db));

			rc = db_fail(db, "import");
			if (r->v[CAL_IMP_NUMBER][0] &&
			    (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_TRIGGER)) {
				sqlite3_reset(s.add_hist);
				rc = number_refused(c, &s, r, import_id, "");
			} else {
				cal_error_prefix(rc, "%s: line %ld: ", c->o->file_name, r->line);
			}
			break;
		}
		if (strcmp(r->activity, "calibration") == 0)
			out->calibrations++;
		else if (strcmp(r->result, "pass") == 0)
			out->pass++;
		else
			out->fail++;
		if (!out->first_date[0] || strcmp(r->date, out->first_date) < 0)
			memcpy(out->first_date, r->date, 11);
		if (strcmp(r->date, out->last_date) > 0)
			memcpy(out->last_date, r->date, 11);
	}
	stmts_free(&s);
	if (!rc) {
		out->import_id = c->o->dry_run ? 0 : import_id;
		out->rows = c->n_rows - out->skipped;
		out->instruments_known = 0;
	}
	return rc;
}

/* Instruments of the register the rows name (distinct ids), known before. */
static int count_known(struct ctx *c, struct cal_db *db, int64_t first_new_rowid)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(&st, db,
			    "SELECT count(DISTINCT h.instrument_id) FROM history h "
			    "JOIN instruments i ON i.id = h.instrument_id "
			    "WHERE h.import_id = (SELECT max(id) FROM imports) "
			    "AND i.rowid < ?1");

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, first_new_rowid);
	if (sqlite3_step(st) == SQLITE_ROW)
		c->out->instruments_known = (size_t)sqlite3_column_int64(st, 0);
	else
		rc = db_fail(db, "import");
	sqlite3_finalize(st);
	return rc;
}

/*
 * An instrument this import made takes the owner of its latest row (a
 * register is kept in date order: the first row may be a former owner's).
 */
static int latest_owner(struct cal_db *db, int64_t first_new_rowid)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(&st, db,
			    "UPDATE instruments SET owner = (SELECT h.owner FROM history h "
			    "WHERE h.instrument_id = instruments.id "
			    "ORDER BY h.event_date DESC, h.id DESC LIMIT 1) "
			    "WHERE rowid >= ?1 AND EXISTS (SELECT 1 FROM history h "
			    "WHERE h.instrument_id = instruments.id)");

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, first_new_rowid);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "import: owners");
	sqlite3_finalize(st);
	return rc;
}

static int next_instrument_rowid(int64_t *out, struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(&st, db, "SELECT coalesce(max(rowid), 0) + 1 FROM instruments");

	if (rc)
		return rc;
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else
		rc = db_fail(db, "import");
	sqlite3_finalize(st);
	return rc;
}

static int imported_before(struct cal_db *db, const char *sha, const char *file)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare(&st, db,
			    "SELECT id, file_name, imported_at, rows FROM imports "
			    "WHERE file_sha256 = ?1");

	if (rc)
		return rc;
	db_bind_str(st, 1, sha);
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = cal_error_set(CAL_ERR_STATE,
				   "%s: this file was imported before (import %lld, '%s', %s, "
				   "%lld rows); nothing imported",
				   file, (long long)sqlite3_column_int64(st, 0),
				   (const char *)sqlite3_column_text(st, 1),
				   (const char *)sqlite3_column_text(st, 2),
				   (long long)sqlite3_column_int64(st, 3));
	sqlite3_finalize(st);
	return rc;
}

int cal_db_import_csv(struct cal_import_report *out, struct cal_db *db, const char *text,
		      size_t len, const struct cal_import_opts *o)
{
	struct ctx c = { 0 };
	struct cal_csv p;
	unsigned char h[crypto_hash_sha256_BYTES];
	char sha[2 * crypto_hash_sha256_BYTES + 1], now[24], today[11];
	struct cal_date d;
	int64_t first_rowid = 0;
	bool own = false, header = true;
	int rc, got;

	memset(out, 0, sizeof(*out));
	if (!db || !o || (!text && len))
		return cal_error_set(CAL_ERR_ARG, "import: bad arguments");
	c.out = out;
	c.o = o;
	c.max_errors = o->max_errors ? o->max_errors : 20;
	cal_date_from_unix(&d, o->now_s);
	cal_date_format(today, sizeof(today), &d);
	if (o->today && cal_date_parse(&d, o->today) == 0)
		cal_date_format(today, sizeof(today), &d); /* the caller's (local) date */
	db_now_iso(now, sizeof(now));
	cal_csv_init(&p, text ? text : "", len, o->delim);
	while ((got = cal_csv_next(&p)) == 1) {
		if (header && blank_record(&p))
			continue;
		if (header) {
			header = false;
			rc = map_header(&c, &p);
			if (rc == CAL_ERR_NOMEM)
				goto out;
			if (out->n_errors)
				break; /* the rows cannot be read without their columns */
			continue;
		}
		if (blank_record(&p))
			continue; /* a line of spaces, or of empty cells, is a blank line */
		rc = check_row(&c, &p, today);
		if (rc)
			goto out;
	}
	if (got < 0) {
		/* the reader names the field by number: name its column as well */
		if (!header && p.n_field < c.n_header)
			add_error(&c, "%s: %s [column '%s']", o->file_name, cal_error_last(),
				  c.header[p.n_field]);
		else
			add_error(&c, "%s: %s", o->file_name, cal_error_last());
		cal_error_clear();
	}
	if (header && !out->n_errors)
		add_error(&c, "%s: empty: no header row", o->file_name);
	else if (!out->n_errors && c.n_rows == 0)
		add_error(&c, "%s: a header and no rows", o->file_name);
	rc = check_numbers(&c);
	if (rc)
		goto out;
	if (out->n_errors) {
		rc = cal_error_set(CAL_ERR_ARG, "%s: %zu error%s; nothing imported", o->file_name,
				   out->n_errors, out->n_errors == 1 ? "" : "s");
		goto out;
	}
	crypto_hash_sha256(h, (const unsigned char *)text, len);
	sodium_bin2hex(sha, sizeof(sha), h, sizeof(h));
	/*
	 * Each row's statement journal (its triggers can abort it) goes to a
	 * temporary file once it outgrows 64 KiB: in memory, a quarter faster.
	 */
	sqlite3_exec(cal_db_handle(db), "PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
	rc = db_tx_begin(db, &own);
	if (rc)
		goto out;
	rc = imported_before(db, sha, o->file_name);
	if (!rc)
		rc = next_instrument_rowid(&first_rowid, db);
	if (!rc)
		rc = write_rows(&c, db, sha, now);
	if (!rc)
		rc = count_known(&c, db, first_rowid);
	if (!rc)
		rc = latest_owner(db, first_rowid);
	if (o->dry_run && !rc) {
		db_tx_end(db, own, CAL_ERR_STATE); /* roll back */
		cal_error_clear();
	} else {
		rc = db_tx_end(db, own, rc);
	}
out:
	cal_csv_free(&p);
	rows_free(&c);
	return rc;
}

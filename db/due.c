/*
 * What is due (issue 6, part 3; docs/due.md): verification intervals per
 * instrument type as data with the date they take effect (schema v6, table
 * intervals), the owners to remind (table owners), and the due date of
 * every instrument (from its latest verification in history) and every
 * reference standard (its calibration due date).
 *
 * Invariants:
 *  - an instrument's due date comes from its latest non-revoked
 *    verification only (by event date, then entry order): a later pass
 *    clears an earlier fail, a later fail overrides an earlier pass;
 *  - a validity date on the document wins over any interval; the
 *    instrument's own interval_months (when not 0) wins over the table;
 *    the table's row is the one in force on the event's date, never today's;
 *  - months are added with cal_date_add_months (same day, clamped to the
 *    month's end: 2024-01-31 + 1 = 2024-02-29); days are calendar days;
 *  - the intervals table is small (one row per type and change of law): it
 *    is read whole and matched here, where the case folding of Vietnamese
 *    letters is (SQLite's NOCASE folds ASCII only).
 *
 * The due list is one statement over the instruments, each joined to its
 * latest verification by a subquery that walks the index
 * history_instrument(instrument_id, event_date) backwards from the
 * instrument's last entry (rowid breaks ties, as the index holds it), so
 * the cost is one index seek per instrument whatever the length of its
 * history; the due dates are computed and filtered here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/due.h"
#include "cal/error.h"
#include "cal/units.h"
#include "db-internal.h"

/* ---- dates ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_of(const struct cal_date *d)
{
	int64_t y = d->year - (d->month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d->month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d->day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

static void date_of_days(struct cal_date *out, int64_t z)
{
	int64_t era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->year = (int)(y + (out->month <= 2));
}

static int parse_date(struct cal_date *out, const char *what, const char *s)
{
	if (!s || cal_date_parse(out, s) != CAL_OK)
		return cal_error_set(CAL_ERR_ARG, "%s '%s' is not a date (YYYY-MM-DD)", what,
				     s ? s : "");
	return CAL_OK;
}

int cal_date_add_days_str(char *buf, size_t size, const char *date, int days)
{
	struct cal_date d;
	int rc = parse_date(&d, "date", date);

	if (rc)
		return rc;
	date_of_days(&d, days_of(&d) + days);
	if (d.year < 1 || d.year > 9999)
		return cal_error_set(CAL_ERR_ARG, "%s + %d days is past the year 9999", date, days);
	cal_date_format(buf, size, &d);
	return CAL_OK;
}

/* ---- type folding ------------------------------------------------------------- */

/* The lower-case letter of code point @c (ASCII and Vietnamese Latin letters). */
static uint32_t fold_cp(uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c + 32;
	if (c < 0xC0)
		return c;
	if (c <= 0xDE) /* Latin-1: À..Þ except × */
		return c == 0xD7 ? c : c + 0x20;
	if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14A && c <= 0x177)) /* Latin Extended-A, even = upper: Ă Đ Ĩ Ũ */
		return c & 1 ? c : c + 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) /* odd = upper */
		return c & 1 ? c + 1 : c;
	if (c == 0x178) /* Ÿ */
		return 0xFF;
	if (c == 0x1A0 || c == 0x1AF) /* Ơ Ư */
		return c + 1;
	if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF)) /* Ạ..Ỹ */
		return c & 1 ? c : c + 1;
	return c;
}

/* Decode one 2- or 3-byte UTF-8 sequence at @s; its length, 0 if not one. */
static size_t utf8_dec(uint32_t *cp, const unsigned char *s)
{
	if (s[0] >= 0xC2 && s[0] <= 0xDF && (s[1] & 0xC0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
		return 2;
	}
	if (s[0] >= 0xE0 && s[0] <= 0xEF && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
		*cp = (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
		if (*cp < 0x800 || (*cp >= 0xD800 && *cp <= 0xDFFF))
			return 0;
		return 3;
	}
	return 0;
}

void cal_type_fold(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)(src ? src : "");
	size_t o = 0;
	bool blank = false;

	if (!dst || size == 0)
		return;
	while (*s == ' ' || *s == '\t' || (s[0] == 0xC2 && s[1] == 0xA0))
		s += *s == 0xC2 ? 2 : 1;
	while (*s) {
		unsigned char out[4];
		size_t in_len = 1, out_len = 1;
		uint32_t cp;

		if (*s == ' ' || *s == '\t' || (s[0] == 0xC2 && s[1] == 0xA0)) {
			/* a no-break space (pasted from a page) is a blank too */
			blank = true;
			s += *s == 0xC2 ? 2 : 1;
			continue;
		}
		if (blank) {
			/* a run of blanks is one space; trailing blanks are dropped */
			if (o + 1 >= size)
				break;
			dst[o++] = ' ';
			blank = false;
		}
		out[0] = *s;
		if (*s >= 'A' && *s <= 'Z') {
			out[0] = (unsigned char)(*s + 32);
		} else if (*s >= 0x80 && (in_len = utf8_dec(&cp, s)) != 0) {
			cp = fold_cp(cp);
			/* every folded letter keeps its encoded length */
			if (in_len == 2) {
				out[0] = (unsigned char)(0xC0 | cp >> 6);
				out[1] = (unsigned char)(0x80 | (cp & 0x3F));
			} else {
				out[0] = (unsigned char)(0xE0 | cp >> 12);
				out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
				out[2] = (unsigned char)(0x80 | (cp & 0x3F));
			}
			out_len = in_len;
		} else {
			in_len = 1;
		}
		if (o + out_len >= size)
			break;
		memcpy(dst + o, out, out_len);
		o += out_len;
		s += in_len;
	}
	dst[o] = '\0';
}

/* ---- intervals ------------------------------------------------------------------ */

/* The intervals table in memory, each type folded once. */
struct iv_table {
	struct cal_interval *row;
	char (*folded)[sizeof(((struct cal_interval *)0)->type)];
	size_t *flen;
	size_t n;
};

static void iv_free(struct iv_table *t)
{
	free(t->row);
	free(t->folded);
	free(t->flen);
	memset(t, 0, sizeof(*t));
}

static int iv_row(void *elem, sqlite3_stmt *st)
{
	struct cal_interval *iv = elem;

	db_col_text(iv->type, sizeof(iv->type), st, 0);
	db_col_text(iv->effective_from, sizeof(iv->effective_from), st, 1);
	iv->months = sqlite3_column_int(st, 2);
	db_col_text(iv->source, sizeof(iv->source), st, 3);
	return CAL_OK;
}

static int iv_load(struct iv_table *t, struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(t, 0, sizeof(*t));
	rc = db_prepare(&st, db,
			"SELECT type, effective_from, months, source FROM intervals "
			"ORDER BY effective_from, type");
	if (rc)
		return rc;
	rc = db_collect((void **)&t->row, &t->n, sizeof(*t->row), db, st, iv_row, "intervals");
	if (rc)
		return rc;
	if (!t->n)
		return CAL_OK;
	t->folded = calloc(t->n, sizeof(*t->folded));
	t->flen = calloc(t->n, sizeof(*t->flen));
	if (!t->folded || !t->flen) {
		iv_free(t);
		return cal_error_set(CAL_ERR_NOMEM, "intervals: out of memory");
	}
	for (size_t i = 0; i < t->n; i++) {
		cal_type_fold(t->folded[i], sizeof(t->folded[i]), t->row[i].type);
		t->flen[i] = strlen(t->folded[i]);
	}
	return CAL_OK;
}

/*
 * The row in force for the folded type @ft on @date: of the rows whose
 * folded type is @ft or a prefix of it, in force on @date (effective_from
 * <= date, string order is date order), the longest type, then the latest
 * date. -1 when none.
 */
static long iv_match(const struct iv_table *t, const char *ft, const char *date)
{
	size_t ftlen = strlen(ft);
	long best = -1;

	for (size_t i = 0; i < t->n; i++) {
		if (t->flen[i] == 0 || t->flen[i] > ftlen || memcmp(t->folded[i], ft, t->flen[i]))
			continue;
		if (strcmp(t->row[i].effective_from, date) > 0)
			continue;
		if (best < 0 || t->flen[i] > t->flen[best] ||
		    (t->flen[i] == t->flen[best] &&
		     strcmp(t->row[i].effective_from, t->row[best].effective_from) > 0))
			best = (long)i;
	}
	return best;
}

/* Copy field src[cap] trimmed of blanks at both ends into dst[size], cut at a character. */
static void trim_copy(char *dst, size_t size, const char *src, size_t cap)
{
	size_t n = db_field_len(src, cap), b = 0;

	while (b < n && (src[b] == ' ' || src[b] == '\t'))
		b++;
	while (n > b && (src[n - 1] == ' ' || src[n - 1] == '\t'))
		n--;
	if (n - b >= size) {
		n = b + size - 1;
		/* step back over the continuation bytes (10xxxxxx) of a cut character */
		while (n > b && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src + b, n - b);
	dst[n - b] = '\0';
}

static int iv_check(struct cal_interval *clean, const struct cal_interval *iv)
{
	struct cal_date d;
	int tn;

	memset(clean, 0, sizeof(*clean));
	trim_copy(clean->type, sizeof(clean->type), iv->type, sizeof(iv->type));
	tn = (int)strlen(clean->type);
	if (!tn)
		return cal_error_set(CAL_ERR_ARG, "interval: the instrument type is empty");
	if (db_text_check("interval", clean->type, tn, "type", clean->type, sizeof(clean->type)) ||
	    db_text_check("interval", clean->type, tn, "source", iv->source, sizeof(iv->source)))
		return CAL_ERR_ARG;
	db_strlcpy(clean->effective_from, sizeof(clean->effective_from), iv->effective_from);
	if (db_field_len(iv->effective_from, sizeof(iv->effective_from)) >=
		    sizeof(iv->effective_from) ||
	    cal_date_parse(&d, clean->effective_from) != CAL_OK)
		return cal_error_set(
			CAL_ERR_ARG,
			"interval '%s': effective date '%s' is not a date (YYYY-MM-DD)",
			clean->type, clean->effective_from);
	if (iv->months < 0 || iv->months > CAL_INTERVAL_MAX_MONTHS)
		return cal_error_set(CAL_ERR_ARG,
				     "interval '%s': %d months is out of range (0 to %d; 0 = no "
				     "periodic verification)",
				     clean->type, iv->months, CAL_INTERVAL_MAX_MONTHS);
	clean->months = iv->months;
	db_strlcpy(clean->source, sizeof(clean->source), iv->source);
	return CAL_OK;
}

int cal_db_interval_set(int *changed, struct cal_db *db, const struct cal_interval *iv)
{
	char folded[sizeof(iv->type)], other[sizeof(iv->type)], old_type[sizeof(iv->type)] = "";
	char old_source[sizeof(iv->source)] = "";
	struct cal_interval c;
	sqlite3_stmt *st = NULL;
	bool own = false, in_tx = false, found = false;
	int rc, step, old_months = -1;

	if (changed)
		*changed = 0;
	if (!db || !iv)
		return cal_error_set(CAL_ERR_ARG, "interval: bad arguments");
	rc = iv_check(&c, iv);
	if (rc)
		return rc;
	cal_type_fold(folded, sizeof(folded), c.type);
	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	in_tx = true;
	/* the row of the same type (folded) and date, if any */
	rc = db_prepare(&st, db,
			"SELECT type, months, source FROM intervals WHERE effective_from = ?1");
	if (rc)
		goto out;
	db_bind_str(st, 1, c.effective_from);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		db_col_text(old_type, sizeof(old_type), st, 0);
		cal_type_fold(other, sizeof(other), old_type);
		if (strcmp(other, folded) == 0) {
			found = true;
			old_months = sqlite3_column_int(st, 1);
			db_col_text(old_source, sizeof(old_source), st, 2);
			break;
		}
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = db_fail(db, "interval");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (found && strcmp(old_type, c.type) == 0 && old_months == c.months &&
	    strcmp(old_source, c.source) == 0)
		goto out; /* as it is */
	if (found)
		rc = db_prepare(&st, db,
				"UPDATE intervals SET type = ?1, months = ?3, source = ?4 "
				"WHERE type = ?5 AND effective_from = ?2");
	else
		rc = db_prepare(&st, db,
				"INSERT INTO intervals (type, effective_from, months, source) "
				"VALUES (?1, ?2, ?3, ?4)");
	if (rc)
		goto out;
	db_bind_str(st, 1, c.type);
	db_bind_str(st, 2, c.effective_from);
	sqlite3_bind_int(st, 3, c.months);
	db_bind_str(st, 4, c.source);
	if (found)
		db_bind_str(st, 5, old_type);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, "interval");
		goto out;
	}
	if (changed)
		*changed = found ? 2 : 1;
out:
	sqlite3_finalize(st);
	if (in_tx)
		rc = db_tx_end(db, own, rc);
	if (rc && changed)
		*changed = 0;
	return rc;
}

static int iv_cmp(const void *a, const void *b)
{
	const struct cal_interval *x = a, *y = b;
	char fx[sizeof(x->type)], fy[sizeof(y->type)];
	int c;

	cal_type_fold(fx, sizeof(fx), x->type);
	cal_type_fold(fy, sizeof(fy), y->type);
	c = strcmp(fx, fy);
	return c ? c : strcmp(x->effective_from, y->effective_from);
}

int cal_db_interval_list(struct cal_interval **out, size_t *n, struct cal_db *db)
{
	struct iv_table t;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "interval list: bad arguments");
	rc = iv_load(&t, db);
	if (rc)
		return rc;
	if (t.n > 1)
		qsort(t.row, t.n, sizeof(*t.row), iv_cmp);
	*out = t.row;
	*n = t.n;
	t.row = NULL;
	iv_free(&t);
	return CAL_OK;
}

int cal_db_interval_for(int *months, struct cal_interval *row, struct cal_db *db, const char *type,
			const char *date)
{
	char ft[256];
	struct cal_date d;
	struct iv_table t;
	long k;
	int rc;

	if (months)
		*months = 0;
	if (row)
		memset(row, 0, sizeof(*row));
	if (!months || !db || !type)
		return cal_error_set(CAL_ERR_ARG, "interval: bad arguments");
	rc = parse_date(&d, "interval: date", date);
	if (rc)
		return rc;
	rc = iv_load(&t, db);
	if (rc)
		return rc;
	cal_type_fold(ft, sizeof(ft), type);
	k = iv_match(&t, ft, date);
	if (k < 0) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no interval known for type '%s' on %s", type,
				   date);
	} else {
		*months = t.row[k].months;
		if (row)
			*row = t.row[k];
	}
	iv_free(&t);
	return rc;
}

/* ---- owners ------------------------------------------------------------------------ */

int cal_db_owner_set(struct cal_db *db, const struct cal_owner *o)
{
	sqlite3_stmt *st = NULL;
	int nn, rc;

	if (!db || !o)
		return cal_error_set(CAL_ERR_ARG, "owner: bad arguments");
	nn = (int)db_field_len(o->name, sizeof(o->name));
	if (!nn)
		return cal_error_set(CAL_ERR_ARG, "owner: the name is empty");
	if (db_text_check("owner", o->name, nn, "name", o->name, sizeof(o->name)) ||
	    db_text_check("owner", o->name, nn, "contact", o->contact, sizeof(o->contact)) ||
	    db_text_check("owner", o->name, nn, "phone", o->phone, sizeof(o->phone)) ||
	    db_text_check("owner", o->name, nn, "email", o->email, sizeof(o->email)) ||
	    db_text_check("owner", o->name, nn, "address", o->address, sizeof(o->address)))
		return CAL_ERR_ARG;
	rc = db_prepare(&st, db,
			"INSERT INTO owners (name, contact, phone, email, address) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET "
			"contact = excluded.contact, phone = excluded.phone, "
			"email = excluded.email, address = excluded.address");
	if (rc)
		return rc;
	DB_BIND_FIELD(st, 1, o->name);
	DB_BIND_FIELD(st, 2, o->contact);
	DB_BIND_FIELD(st, 3, o->phone);
	DB_BIND_FIELD(st, 4, o->email);
	DB_BIND_FIELD(st, 5, o->address);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "owner");
	sqlite3_finalize(st);
	return rc;
}

static int owner_row(void *elem, sqlite3_stmt *st)
{
	struct cal_owner *o = elem;

	db_col_text(o->name, sizeof(o->name), st, 0);
	db_col_text(o->contact, sizeof(o->contact), st, 1);
	db_col_text(o->phone, sizeof(o->phone), st, 2);
	db_col_text(o->email, sizeof(o->email), st, 3);
	db_col_text(o->address, sizeof(o->address), st, 4);
	return CAL_OK;
}

#define OWNER_COLS "name, contact, phone, email, address"

int cal_db_owner_get(struct cal_owner *out, struct cal_db *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !name)
		return cal_error_set(CAL_ERR_ARG, "owner: bad arguments");
	rc = db_prepare(&st, db, "SELECT " OWNER_COLS " FROM owners WHERE name = ?1");
	if (rc)
		return rc;
	db_bind_str(st, 1, name);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		owner_row(out, st);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "unknown owner '%s'", name);
	else
		rc = db_fail(db, "owner");
	sqlite3_finalize(st);
	return rc;
}

int cal_db_owner_list(struct cal_owner **out, size_t *n, struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "owner list: bad arguments");
	rc = db_prepare(&st, db, "SELECT " OWNER_COLS " FROM owners ORDER BY name");
	if (rc)
		return rc;
	return db_collect((void **)out, n, sizeof(**out), db, st, owner_row, "owner list");
}

/* ---- due dates ------------------------------------------------------------------------ */

/*
 * The instruments with their latest verification and their owner's
 * contact: every instrument, or (DUE_ONE) the one of id ?1.
 */
#define DUE_INSTRUMENTS_SQL                                                                        \
	"SELECT i.id, i.type, i.serial, i.owner, i.interval_months,\n"                             \
	"  h.event_date, h.valid_until, h.result, h.number,\n"                                     \
	"  o.contact, o.phone, o.email, o.address\n"                                               \
	"FROM instruments i\n"                                                                     \
	"LEFT JOIN history h ON h.id = (SELECT x.id FROM history x\n"                              \
	"  WHERE x.instrument_id = i.id AND x.activity = 'verification' AND x.revoked = 0\n"       \
	"  AND x.event_date <= :today\n" /* as on that day: later rows not yet */                  \
	"  ORDER BY x.event_date DESC, x.id DESC LIMIT 1)\n"                                       \
	"LEFT JOIN owners o ON o.name = i.owner\n"
static const char due_all_sql[] = DUE_INSTRUMENTS_SQL;
static const char due_one_sql[] = DUE_INSTRUMENTS_SQL "WHERE i.id = :id";

/* Format into a scratch buffer, then into basis cut at a character boundary. */
static void set_basis(struct cal_due *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_basis(struct cal_due *d, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	db_strlcpy(d->basis, sizeof(d->basis), buf);
}

/* days_left of @d from its due_date; @today_days: days_of(today). */
static void set_due(struct cal_due *d, const struct cal_date *due, int64_t today_days)
{
	int64_t left = days_of(due) - today_days;

	cal_date_format(d->due_date, sizeof(d->due_date), due);
	d->days_left = left > INT32_MAX ? INT32_MAX : left < INT32_MIN ? INT32_MIN : (int)left;
}

/* The due date of the instrument of the current row of @st (DUE_INSTRUMENTS_SQL). */
static void instrument_due(struct cal_due *d, sqlite3_stmt *st, const struct iv_table *ivs,
			   int64_t today_days)
{
	char valid_until[16], ft[256];
	struct cal_date ev, due, vu;
	int own_months;
	long k;

	memset(d, 0, sizeof(*d));
	db_strlcpy(d->kind, sizeof(d->kind), "instrument");
	db_col_text(d->id, sizeof(d->id), st, 0);
	db_col_text(d->type, sizeof(d->type), st, 1);
	db_col_text(d->serial, sizeof(d->serial), st, 2);
	db_col_text(d->owner, sizeof(d->owner), st, 3);
	own_months = sqlite3_column_int(st, 4);
	db_col_text(d->last_date, sizeof(d->last_date), st, 5);
	db_col_text(valid_until, sizeof(valid_until), st, 6);
	db_col_text(d->last_result, sizeof(d->last_result), st, 7);
	db_col_text(d->last_number, sizeof(d->last_number), st, 8);
	db_col_text(d->contact, sizeof(d->contact), st, 9);
	db_col_text(d->phone, sizeof(d->phone), st, 10);
	db_col_text(d->email, sizeof(d->email), st, 11);
	db_col_text(d->address, sizeof(d->address), st, 12);

	if (sqlite3_column_type(st, 5) == SQLITE_NULL) {
		set_basis(d, "never verified");
		return;
	}
	if (cal_date_parse(&ev, d->last_date) != CAL_OK) {
		/* (history's CHECK takes only digits: a 2025-02-30 is possible) */
		set_basis(d, "last verification dated '%s', not a date", d->last_date);
		return;
	}
	if (strcmp(d->last_result, "pass") != 0) {
		set_due(d, &ev, today_days);
		set_basis(d, "failed on %s, not re-verified", d->last_date);
		return;
	}
	/* a validity date that does not parse is treated as none: the interval decides */
	if (valid_until[0] && cal_date_parse(&vu, valid_until) == CAL_OK) {
		set_due(d, &vu, today_days);
		if (d->last_number[0])
			set_basis(d, "certificate %s valid until %s", d->last_number, valid_until);
		else
			set_basis(d, "verified on %s, valid until %s", d->last_date, valid_until);
		return;
	}
	if (own_months > 0) {
		cal_date_add_months(&due, &ev, own_months);
		set_due(d, &due, today_days);
		set_basis(d, "interval %d months (the instrument's own) from %s", own_months,
			  d->last_date);
		return;
	}
	cal_type_fold(ft, sizeof(ft), d->type);
	k = iv_match(ivs, ft, d->last_date);

	if (k < 0) {
		set_basis(d, "no interval known for type '%s' on %s", d->type, d->last_date);
		return;
	}
	if (ivs->row[k].months == 0) {
		set_basis(d, "no periodic verification for type '%s'%s%s%s", ivs->row[k].type,
			  ivs->row[k].source[0] ? " (" : "", ivs->row[k].source,
			  ivs->row[k].source[0] ? ")" : "");
		return;
	}
	cal_date_add_months(&due, &ev, ivs->row[k].months);
	set_due(d, &due, today_days);
	set_basis(d, "interval %d months (%s) from %s", ivs->row[k].months,
		  ivs->row[k].source[0] ? ivs->row[k].source : ivs->row[k].type, d->last_date);
}

static int due_today(struct cal_date *today, int64_t *today_days, const char *s)
{
	int rc = parse_date(today, "today", s);

	if (rc)
		return rc;
	*today_days = days_of(today);
	return CAL_OK;
}

/*
 * What both due queries start with: @today parsed (its day number in
 * *tdays), the intervals table loaded into @ivs, @sql prepared with :today
 * bound (history after it is not counted). On error nothing is left to free.
 */
static int due_query(sqlite3_stmt **st, struct iv_table *ivs, int64_t *tdays, struct cal_db *db,
		     const char *sql, const char *today)
{
	struct cal_date t;
	char day[11];
	int rc;

	*st = NULL;
	rc = due_today(&t, tdays, today);
	if (rc)
		return rc;
	rc = iv_load(ivs, db);
	if (rc)
		return rc;
	rc = db_prepare(st, db, sql);
	if (rc) {
		iv_free(ivs);
		return rc;
	}
	cal_date_format(day, sizeof(day), &t);
	db_bind_str(*st, sqlite3_bind_parameter_index(*st, ":today"), day);
	return CAL_OK;
}

int cal_db_instrument_due(struct cal_due *out, struct cal_db *db, const char *instrument_id,
			  const char *today)
{
	struct iv_table ivs = { 0 };
	sqlite3_stmt *st = NULL;
	int64_t tdays;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !instrument_id || !instrument_id[0])
		return cal_error_set(CAL_ERR_ARG, "due: bad arguments");
	rc = due_query(&st, &ivs, &tdays, db, due_one_sql, today);
	if (rc)
		return rc;
	db_bind_str(st, sqlite3_bind_parameter_index(st, ":id"), instrument_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		instrument_due(out, st, &ivs, tdays);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no instrument '%s'", instrument_id);
	else
		rc = db_fail(db, "due");
	sqlite3_finalize(st);
	iv_free(&ivs);
	return rc;
}

/* What a reference standard is, from its table and unit (pressure_standards holds three). */
/* @detail: a weight's class, a reference's unit. */
static void standard_type(char *out, size_t size, const char *table_kind, const char *detail)
{
	const char *cls = detail, *unit = detail;
	enum cal_unit u;

	if (strcmp(table_kind, "weight") == 0) {
		snprintf(out, size, "weight%s%s", cls[0] ? " " : "", cls);
		return;
	}
	if (strcmp(table_kind, "p") != 0) { /* another kind of the standards table */
		snprintf(out, size, "%s%s%s", table_kind, cls[0] ? " " : "", cls);
		return;
	}
	switch (cal_unit_parse(&u, unit) == CAL_OK ? cal_unit_quantity(u) : CAL_Q_NONE) {
	case CAL_Q_PRESSURE:
		snprintf(out, size, "pressure standard");
		break;
	case CAL_Q_FLOW:
		snprintf(out, size, "flow standard");
		break;
	case CAL_Q_VOLUME:
		snprintf(out, size, "volume standard");
		break;
	default:
		snprintf(out, size, "standard (%s)", unit);
	}
	cal_error_clear();
}

/* The standards (weights; pressure, flow and volume references) due on or before ?1. */
static const char due_standards_sql[] =
	"SELECT kind, id, weight_class, '', cert_no, due_date FROM standards\n"
	"  WHERE due_date <> '' AND due_date <= ?1\n"
	"UNION ALL\n"
	"SELECT 'p', id, unit, serial, cert_no, due_date FROM pressure_standards\n"
	"  WHERE due_date <> '' AND due_date <= ?1";

static int standard_due(struct cal_due *d, sqlite3_stmt *st, int64_t today_days)
{
	char kind[32], cls[32];
	struct cal_date due;

	memset(d, 0, sizeof(*d));
	db_strlcpy(d->kind, sizeof(d->kind), "standard");
	db_col_text(kind, sizeof(kind), st, 0);
	db_col_text(d->id, sizeof(d->id), st, 1);
	db_col_text(cls, sizeof(cls), st, 2);
	db_col_text(d->serial, sizeof(d->serial), st, 3);
	db_col_text(d->last_number, sizeof(d->last_number), st, 4);
	db_col_text(d->due_date, sizeof(d->due_date), st, 5);
	standard_type(d->type, sizeof(d->type), kind, cls);
	if (cal_date_parse(&due, d->due_date) != CAL_OK) {
		/* registered through the API a due date is checked; plain SQL can put anything */
		set_basis(d, "calibration due date '%s' is not a date", d->due_date);
		d->due_date[0] = '\0';
		cal_error_clear();
		return 0;
	}
	set_due(d, &due, today_days);
	if (d->last_number[0])
		set_basis(d, "calibration certificate %s, due %s", d->last_number, d->due_date);
	else
		set_basis(d, "calibration due %s", d->due_date);
	return 1;
}

static int due_cmp(const void *a, const void *b)
{
	const struct cal_due *x = a, *y = b;
	int c = strcmp(x->due_date, y->due_date);

	if (!c)
		c = strcmp(x->id, y->id);
	return c ? c : strcmp(x->kind, y->kind);
}

/* Append *d to the list. */
static int push(struct cal_due **arr, size_t *n, size_t *cap, const struct cal_due *d)
{
	struct cal_due *p = db_grow(*arr, cap, *n, sizeof(**arr));

	if (!p)
		return CAL_ERR_NOMEM;
	*arr = p;
	p[(*n)++] = *d;
	return CAL_OK;
}

int cal_db_due_list(struct cal_due **out, size_t *n, struct cal_db *db, const char *today,
		    int within_days)
{
	struct iv_table ivs = { 0 };
	struct cal_due *arr = NULL, d;
	sqlite3_stmt *st = NULL;
	size_t cnt = 0, cap = 0;
	char limit[11];
	int64_t tdays;
	int rc, step;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "due: bad arguments");
	if (within_days < 0 || within_days > CAL_DUE_MAX_WITHIN_DAYS)
		return cal_error_set(CAL_ERR_ARG, "due: within %d days is out of range (0 to %d)",
				     within_days, CAL_DUE_MAX_WITHIN_DAYS);
	rc = due_query(&st, &ivs, &tdays, db, due_all_sql, today);
	if (rc)
		return rc;
	rc = cal_date_add_days_str(limit, sizeof(limit), today, within_days);
	if (rc)
		goto out;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		instrument_due(&d, st, &ivs, tdays);
		if (!d.due_date[0] || strcmp(d.due_date, limit) > 0)
			continue;
		rc = push(&arr, &cnt, &cap, &d);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, "due");
		goto out;
	}
	sqlite3_finalize(st);

	st = NULL;
	rc = db_prepare(&st, db, due_standards_sql);
	if (rc)
		goto out;
	db_bind_str(st, 1, limit);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!standard_due(&d, st, tdays))
			continue;
		rc = push(&arr, &cnt, &cap, &d);
		if (rc)
			goto out;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, "due");
		goto out;
	}
	if (cnt > 1)
		qsort(arr, cnt, sizeof(*arr), due_cmp);
out:
	sqlite3_finalize(st);
	iv_free(&ivs);
	if (rc) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return CAL_OK;
}

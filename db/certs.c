/*
 * Certificates: numbering, issue at run completion, lookup, revocation and
 * the inspector's verification (domain.md §5.6, §5.7, §9).
 *
 * Numbering. A number is made from the setting "cert.number_pattern"
 * (default "CB-{YYYY}-{SEQ:6}") with the tokens
 *   {YYYY}   the four-digit year of issue (UTC)
 *   {YY}     its last two digits
 *   {SEQ}    the sequence number, as is
 *   {SEQ:n}  the sequence number zero-padded to n digits (1..12); a longer
 *            number is written in full, never cut
 * A pattern has exactly one {SEQ} and at least one year token, so that a
 * number is unique. The sequence is kept per year in number_seq, shared by
 * verification certificates and failure records, and only goes up: a
 * number is never reused, even when the transaction that took it commits
 * nothing else (it always commits together with its certificate).
 *
 * A pattern has no leading, trailing or repeated whitespace and no control
 * characters: lookups normalise whitespace, so a stored number must already
 * be in normal form to be found.
 *
 * Dates. The issue date is the UTC date of the issue time; a verification
 * certificate is valid until issue date + the instrument's interval in
 * months, same day of month, clamped to the month's end (cal_date_add_months);
 * an instrument whose interval is 0 takes the intervals table's for its type
 * in force on the issue date (cal_db_interval_for, docs/due.md); none known,
 * or 0 months, means no expiry (valid_until ""). Failure records carry no
 * validity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db-internal.h"
#include "cal/clock.h"
#include "cal/due.h"
#include "cal/error.h"

/* Widest {SEQ:n}. */
#define MAX_SEQ_WIDTH 12

_Static_assert(CAL_CERT_VERIFICATION == 1 && CAL_CERT_FAILURE == 2, "certificate kinds are stable");
_Static_assert(CAL_VERIFY_VALID == 0 && CAL_VERIFY_UNKNOWN == 4, "verify statuses are stable");

/* ---- numbers -------------------------------------------------------------- */

/* ASCII whitespace, as the C locale's isspace() but locale-independent. */
static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Width of a whitespace character at @s: 1 for ASCII, 2 for U+00A0, 0 if none. */
static size_t space_len(const char *s)
{
	if (is_space((unsigned char)s[0]))
		return 1;
	if ((unsigned char)s[0] == 0xC2 && (unsigned char)s[1] == 0xA0)
		return 2;
	return 0;
}

static int pattern_syntax(const char *pattern)
{
	size_t len = strlen(pattern);

	if (!len)
		return cal_error_set(CAL_ERR_ARG, "certificate numbers: the pattern is empty");
	for (const char *p = pattern; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c < 0x20 && c != ' ') || c == 0x7F)
			return cal_error_set(CAL_ERR_ARG,
					     "certificate numbers: pattern '%s' has a control "
					     "character",
					     pattern);
		if (space_len(p) == 2 || (c == ' ' && (p == pattern || p[1] == ' ' || !p[1])))
			return cal_error_set(CAL_ERR_ARG,
					     "certificate numbers: pattern '%s' has leading, "
					     "trailing, repeated or non-ASCII whitespace",
					     pattern);
	}
	return CAL_OK;
}

/* Append @n bytes at out[*len] if they fit in @size (with the NUL); count them anyway. */
static void put(char *out, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len + n < size)
		memcpy(out + *len, s, n);
	*len += n;
}

int cal_db_format_number(char *out, size_t size, const char *pattern, int year, int64_t seq)
{
	bool has_seq = false, has_year = false;
	const char *p, *close;
	char piece[32];
	size_t len = 0, tlen;
	int rc, width;

	if (out && size)
		out[0] = '\0';
	if (!out || size == 0 || !pattern)
		return cal_error_set(CAL_ERR_ARG, "certificate numbers: bad arguments");
	if (year < 0 || year > 9999 || seq < 0)
		return cal_error_set(CAL_ERR_ARG,
				     "certificate numbers: year %d or sequence %lld "
				     "out of range",
				     year, (long long)seq);
	rc = pattern_syntax(pattern);
	if (rc)
		return rc;
	p = pattern;
	while (*p) {
		if (*p == '}')
			return cal_error_set(CAL_ERR_ARG,
					     "certificate numbers: pattern '%s' has a "
					     "'}' without '{'",
					     pattern);
		if (*p != '{') {
			put(out, size, &len, p, 1);
			p++;
			continue;
		}
		close = strchr(p, '}');
		if (!close)
			return cal_error_set(
				CAL_ERR_ARG,
				"certificate numbers: pattern '%s' has an unclosed '{'", pattern);
		tlen = (size_t)(close - p - 1);
		if (tlen == 4 && strncmp(p + 1, "YYYY", 4) == 0) {
			snprintf(piece, sizeof(piece), "%04d", year);
			has_year = true;
		} else if (tlen == 2 && strncmp(p + 1, "YY", 2) == 0) {
			snprintf(piece, sizeof(piece), "%02d", year % 100);
			has_year = true;
		} else if ((tlen == 3 && strncmp(p + 1, "SEQ", 3) == 0) ||
			   (tlen > 4 && strncmp(p + 1, "SEQ:", 4) == 0)) {
			width = 0;
			for (size_t i = 5; i <= tlen; i++) {
				if (p[i] < '0' || p[i] > '9' || width > MAX_SEQ_WIDTH) {
					width = -1;
					break;
				}
				width = width * 10 + (p[i] - '0');
			}
			if (tlen > 4 && (width < 1 || width > MAX_SEQ_WIDTH))
				return cal_error_set(CAL_ERR_ARG,
						     "certificate numbers: pattern '%s': width in "
						     "'%.*s' is not 1..%d",
						     pattern, (int)tlen + 2, p, MAX_SEQ_WIDTH);
			if (has_seq)
				return cal_error_set(CAL_ERR_ARG,
						     "certificate numbers: pattern '%s' has more "
						     "than one {SEQ}",
						     pattern);
			snprintf(piece, sizeof(piece), "%0*lld", width, (long long)seq);
			has_seq = true;
		} else {
			return cal_error_set(
				CAL_ERR_ARG,
				"certificate numbers: pattern '%s' has an unknown token "
				"'%.*s' (use {YYYY}, {YY}, {SEQ} or {SEQ:n})",
				pattern, (int)tlen + 2, p);
		}
		put(out, size, &len, piece, strlen(piece));
		p = close + 1;
	}
	if (!has_seq)
		return cal_error_set(CAL_ERR_ARG, "certificate numbers: pattern '%s' has no {SEQ}",
				     pattern);
	if (!has_year)
		return cal_error_set(CAL_ERR_ARG,
				     "certificate numbers: pattern '%s' has no {YYYY} or {YY}",
				     pattern);
	if (len >= size) {
		out[0] = '\0';
		return cal_error_set(CAL_ERR_ARG,
				     "certificate numbers: pattern '%s' makes a number of %zu "
				     "bytes, more than %zu",
				     pattern, len, size - 1);
	}
	out[len] = '\0';
	return CAL_OK;
}

/*
 * A pattern must make a storable number for every sequence a centre will
 * reach: tried with a nine-digit sequence.
 */
int db_pattern_check(const char *pattern)
{
	char buf[sizeof(((struct cal_cert *)0)->number)];

	/* '|' separates the fields of a document's signed message; '#' starts a URL fragment */
	for (const char *p = pattern; *p; p++)
		if (*p == '|' || *p == '#' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return cal_error_set(CAL_ERR_ARG,
					     "number pattern '%s': '%c' cannot be in a document "
					     "number (nor '|', '#', a control character)",
					     pattern, (unsigned char)*p >= 0x20 ? *p : '?');
	return cal_db_format_number(buf, sizeof(buf), pattern, 2026, 999999999);
}

/*
 * Whitespace runs (ASCII and U+00A0) become one space, ends are trimmed.
 * false when the result does not fit in dst[size].
 */
/* Is @number a document's, a revision's or an imported record's, whatever its case? */
static int number_taken(bool *out, struct cal_db *db, const char *number)
{
	sqlite3_stmt *st = NULL;
	int rc = db_prepare_cached(
		&st, db,
		"SELECT EXISTS (SELECT 1 FROM certificates WHERE number = ?1 COLLATE NOCASE) "
		"OR EXISTS (SELECT 1 FROM cert_revisions WHERE number = ?1 COLLATE NOCASE) "
		"OR EXISTS (SELECT 1 FROM history WHERE number = ?1 COLLATE NOCASE "
		"AND number <> '')");

	if (rc)
		return rc;
	db_bind_str(st, 1, number);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = sqlite3_column_int(st, 0) != 0;
	else
		rc = db_fail(db, "certificate number");
	db_finish(db, st);
	return rc;
}

bool db_number_normalise(char *dst, size_t size, const char *src)
{
	size_t o = 0, w;
	bool pending = false;

	while (*src) {
		w = space_len(src);
		if (w) {
			pending = o > 0;
			src += w;
			continue;
		}
		if (pending) {
			if (o + 1 >= size)
				return false;
			dst[o++] = ' ';
			pending = false;
		}
		if (o + 1 >= size)
			return false;
		dst[o++] = *src++;
	}
	dst[o] = '\0';
	return true;
}

/* ---- issue ---------------------------------------------------------------- */

const char *cal_cert_kind_name(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "verification";
	case CAL_CERT_CALIBRATION:
		return "calibration";
	case CAL_CERT_FAILURE:
		return "failure";
	}
	return "?";
}

static const char *kind_text(enum cal_cert_kind k)
{
	switch (k) {
	case CAL_CERT_VERIFICATION:
		return "verification";
	case CAL_CERT_CALIBRATION:
		return "calibration";
	default:
		return "failure";
	}
}

int cal_db_run_complete(struct cal_cert *out, struct cal_db *db, int64_t run_id,
			const char *verdict, const char *fail_reason, int64_t now_s)
{
	char pattern[128], status[16], activity[16], number[sizeof(out->number)], itype[96];
	struct cal_date issue, until;
	sqlite3_stmt *st = NULL;
	enum cal_cert_kind kind;
	bool own = false, in_tx = false, pass;
	int64_t seq = 0;
	int rc, step, interval = 0;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || run_id <= 0 || !verdict)
		return cal_error_set(CAL_ERR_ARG, "run complete: bad arguments");
	if (strcmp(verdict, "PASS") != 0 && strcmp(verdict, "FAIL") != 0)
		return cal_error_set(CAL_ERR_ARG, "run %lld: verdict '%s' is not PASS or FAIL",
				     (long long)run_id, verdict);
	if (now_s < 0 || now_s > CAL_DB_MAX_UNIX_S)
		return cal_error_set(CAL_ERR_ARG, "run %lld: issue time %lld is out of range",
				     (long long)run_id, (long long)now_s);
	pass = strcmp(verdict, "PASS") == 0;
	cal_date_from_unix(&issue, now_s);

	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	in_tx = true;

	/* The run, its instrument and its interval. */
	rc = db_prepare(&st, db,
			"SELECT r.status, r.instrument_id, i.interval_months, r.activity, i.type "
			"FROM runs r JOIN instruments i ON i.id = r.instrument_id WHERE r.id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no run %lld", (long long)run_id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "run complete");
		goto out;
	}
	db_col_text(status, sizeof(status), st, 0);
	db_col_text(out->instrument_id, sizeof(out->instrument_id), st, 1);
	interval = sqlite3_column_int(st, 2);
	db_col_text(activity, sizeof(activity), st, 3);
	db_col_text(itype, sizeof(itype), st, 4);
	sqlite3_finalize(st);
	st = NULL;
	if (strcmp(status, "running") != 0) {
		rc = cal_error_set(CAL_ERR_STATE,
				   "run %lld is %s: only a running run can be completed",
				   (long long)run_id, status);
		goto out;
	}

	/* The pattern, checked before a number is taken. */
	rc = cal_db_setting_get(pattern, sizeof(pattern), db, CAL_DB_SETTING_NUMBER_PATTERN);
	if (rc == CAL_ERR_NOTFOUND) {
		db_strlcpy(pattern, sizeof(pattern), CAL_DB_DEFAULT_NUMBER_PATTERN);
		rc = CAL_OK;
	}
	if (rc == CAL_OK)
		rc = db_pattern_check(pattern);
	if (rc)
		goto out;

	/*
	 * Take the next number of the year, passing over any an imported
	 * register already holds (the centre's own pattern, this year's
	 * register brought in): numbers are compared without regard to case.
	 */
	for (int tries = 0;; tries++) {
		bool taken = false;

		rc = db_prepare(&st, db,
				"INSERT INTO number_seq(year, last) VALUES (?1, 1) "
				"ON CONFLICT(year) DO UPDATE SET last = last + 1 RETURNING last");
		if (rc)
			goto out;
		sqlite3_bind_int(st, 1, issue.year);
		step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			seq = sqlite3_column_int64(st, 0);
			step = sqlite3_step(st);
		}
		if (step != SQLITE_DONE || seq < 1) {
			rc = db_fail(db, "certificate number");
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
		rc = cal_db_format_number(number, sizeof(number), pattern, issue.year, seq);
		if (!rc)
			rc = number_taken(&taken, db, number);
		if (rc)
			goto out;
		if (!taken)
			break;
		if (tries >= 1000000) {
			rc = cal_error_set(CAL_ERR_STATE, "certificate number: a million numbers "
							  "in a row are taken by imported records");
			goto out;
		}
	}

	/*
	 * A calibration is documented by a calibration certificate whatever
	 * its conformity statement, and carries no validity date (ISO/IEC
	 * 17025 §7.8.4.3: no interval unless agreed with the customer).
	 */
	if (strcmp(activity, "calibration") == 0)
		kind = CAL_CERT_CALIBRATION;
	else
		kind = pass ? CAL_CERT_VERIFICATION : CAL_CERT_FAILURE;
	out->kind = kind;
	out->run_id = run_id;
	db_strlcpy(out->number, sizeof(out->number), number);
	cal_time_iso8601(out->issued_at, sizeof(out->issued_at), now_s);
	cal_date_format(out->issue_date, sizeof(out->issue_date), &issue);
	if (kind == CAL_CERT_VERIFICATION && interval <= 0) {
		/* none of its own: the intervals table's in force on the issue date (due.c) */
		rc = cal_db_interval_for(&interval, NULL, db, itype, out->issue_date);
		if (rc == CAL_ERR_NOTFOUND) {
			cal_error_clear();
			interval = 0;
			rc = CAL_OK;
		}
		if (rc)
			goto out;
	}
	if (kind == CAL_CERT_VERIFICATION && interval > 0) {
		cal_date_add_months(&until, &issue, interval);
		cal_date_format(out->valid_until, sizeof(out->valid_until), &until);
	}

	/* The issuing laboratory as it is today, copied onto the document. */
	rc = cal_db_setting_get(out->lab_name, sizeof(out->lab_name), db, "lab.name");
	if (rc && rc != CAL_ERR_NOTFOUND)
		goto out;
	rc = cal_db_setting_get(out->lab_address, sizeof(out->lab_address), db, "lab.address");
	if (rc && rc != CAL_ERR_NOTFOUND)
		goto out;
	rc = CAL_OK;
	cal_error_clear();

	/* The document first: the run may only become completed with it. */
	rc = db_prepare(&st, db,
			"INSERT INTO certificates(number, kind, run_id, instrument_id, issued_at, "
			"issue_date, valid_until, year, seq, lab_name, lab_address) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (rc)
		goto out;
	db_bind_str(st, 10, out->lab_name);
	db_bind_str(st, 11, out->lab_address);
	db_bind_str(st, 1, out->number);
	db_bind_str(st, 2, kind_text(kind));
	sqlite3_bind_int64(st, 3, run_id);
	db_bind_str(st, 4, out->instrument_id);
	db_bind_str(st, 5, out->issued_at);
	db_bind_str(st, 6, out->issue_date);
	db_bind_str(st, 7, out->valid_until);
	sqlite3_bind_int(st, 8, issue.year);
	sqlite3_bind_int64(st, 9, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			rc = cal_error_set(CAL_ERR_STATE,
					   "certificate number '%s' is already used (was the "
					   "pattern changed?)",
					   out->number);
		else
			rc = db_fail(db, "certificate");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;

	rc = db_prepare(&st, db,
			"UPDATE runs SET status = 'completed', verdict = ?2, fail_reason = ?3, "
			"finished_at = ?4 WHERE id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	db_bind_str(st, 2, verdict);
	db_bind_str(st, 3, pass ? "" : fail_reason);
	db_bind_str(st, 4, out->issued_at);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "run complete");
	sqlite3_finalize(st);
	st = NULL;
	/* its content, hashed and signed, in the same transaction */
	if (!rc) {
		struct cal_instrument in;

		rc = cal_db_instrument_get(&in, db, out->instrument_id);
		if (!rc)
			rc = db_cert_sign(db, out, in.serial);
	}
out:
	sqlite3_finalize(st);
	if (in_tx)
		rc = db_tx_end(db, own, rc);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- lookup, revocation, verification ------------------------------------ */

/* @number must be normalised. CAL_ERR_NOTFOUND with the standard message. */
static int cert_get(struct cal_cert *out, struct cal_db *db, const char *number)
{
	sqlite3_stmt *st = NULL;
	char kind[16];
	int rc, step;

	memset(out, 0, sizeof(*out));
	rc = db_prepare_cached(&st, db,
			       "SELECT c.number, c.kind, c.run_id, c.instrument_id, c.issued_at, "
			       "c.issue_date, c.valid_until, v.revoked_at, v.reason, c.lab_name, "
			       "c.lab_address "
			       "FROM certificates c LEFT JOIN certificate_revocations v "
			       /* an inspector may type the number in lower case */
			       "ON v.number = c.number WHERE c.number = ?1 COLLATE NOCASE "
			       "ORDER BY c.number = ?1 DESC LIMIT 1");
	if (rc)
		goto out;
	db_bind_str(st, 1, number);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no certificate or record numbered '%s'",
				   number);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "certificate");
		goto out;
	}
	db_col_text(out->number, sizeof(out->number), st, 0);
	db_col_text(kind, sizeof(kind), st, 1);
	out->kind = strcmp(kind, "verification") == 0  ? CAL_CERT_VERIFICATION
		    : strcmp(kind, "calibration") == 0 ? CAL_CERT_CALIBRATION
						       : CAL_CERT_FAILURE;
	out->run_id = sqlite3_column_int64(st, 2);
	db_col_text(out->instrument_id, sizeof(out->instrument_id), st, 3);
	db_col_text(out->issued_at, sizeof(out->issued_at), st, 4);
	db_col_text(out->issue_date, sizeof(out->issue_date), st, 5);
	db_col_text(out->valid_until, sizeof(out->valid_until), st, 6);
	out->revoked = sqlite3_column_type(st, 7) != SQLITE_NULL;
	db_col_text(out->revoked_at, sizeof(out->revoked_at), st, 7);
	db_col_text(out->revoke_reason, sizeof(out->revoke_reason), st, 8);
	db_col_text(out->lab_name, sizeof(out->lab_name), st, 9);
	db_col_text(out->lab_address, sizeof(out->lab_address), st, 10);
out:
	db_finish(db, st);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

/* Normalise @number into norm[size]; an over-long number cannot exist. */
static int cert_lookup(struct cal_cert *out, struct cal_db *db, const char *number, char *norm,
		       size_t size)
{
	if (!db_number_normalise(norm, size, number)) {
		db_strlcpy(norm, size, number);
		memset(out, 0, sizeof(*out));
		return cal_error_set(CAL_ERR_NOTFOUND, "no certificate or record numbered '%s'",
				     number);
	}
	return cert_get(out, db, norm);
}

int cal_db_cert_get(struct cal_cert *out, struct cal_db *db, const char *number)
{
	char norm[sizeof(out->number)];

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !number)
		return cal_error_set(CAL_ERR_ARG, "certificate: bad arguments");
	return cert_lookup(out, db, number, norm, sizeof(norm));
}

int cal_db_cert_for_run(struct cal_cert *out, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	char number[sizeof(out->number)];
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db)
		return cal_error_set(CAL_ERR_ARG, "certificate: bad arguments");
	rc = db_prepare(&st, db, "SELECT number FROM certificates WHERE run_id = ?1");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		db_col_text(number, sizeof(number), st, 0);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "run %lld has no certificate or record",
				   (long long)run_id);
	else
		rc = db_fail(db, "certificate");
	sqlite3_finalize(st);
	return rc ? rc : cert_get(out, db, number);
}

int cal_db_cert_revoke(struct cal_db *db, const char *number, const char *reason, int64_t now_s)
{
	char norm[sizeof(((struct cal_cert *)0)->number)], at[24];
	struct cal_cert cert;
	sqlite3_stmt *st = NULL;
	bool own = false;
	int rc;

	if (!db || !number || !reason)
		return cal_error_set(CAL_ERR_ARG, "revoke: bad arguments");
	if (!reason[0])
		return cal_error_set(CAL_ERR_ARG, "revoke '%s': a reason is required", number);
	if (now_s < 0 || now_s > CAL_DB_MAX_UNIX_S)
		return cal_error_set(CAL_ERR_ARG, "revoke '%s': time %lld is out of range", number,
				     (long long)now_s);
	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	rc = cert_lookup(&cert, db, number, norm, sizeof(norm));
	if (rc)
		goto out;
	if (cert.revoked) {
		rc = cal_error_set(CAL_ERR_STATE, "'%s' is already revoked (%s)", cert.number,
				   cert.revoked_at);
		goto out;
	}
	cal_time_iso8601(at, sizeof(at), now_s);
	rc = db_prepare(&st, db,
			"INSERT INTO certificate_revocations(number, revoked_at, reason) "
			"VALUES (?1, ?2, ?3)");
	if (rc)
		goto out;
	db_bind_str(st, 1, cert.number);
	db_bind_str(st, 2, at);
	db_bind_str(st, 3, reason);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "revoke");
out:
	sqlite3_finalize(st);
	return db_tx_end(db, own, rc);
}

const char *cal_verify_status_name(enum cal_verify_status s)
{
	switch (s) {
	case CAL_VERIFY_VALID:
		return "valid";
	case CAL_VERIFY_EXPIRED:
		return "expired";
	case CAL_VERIFY_REVOKED:
		return "revoked";
	case CAL_VERIFY_FAIL_RECORD:
		return "fail-record";
	case CAL_VERIFY_UNKNOWN:
		return "unknown";
	case CAL_VERIFY_SUPERSEDED:
		return "superseded";
	case CAL_VERIFY_TAMPERED:
		return "tampered";
	}
	return "unknown";
}

/*
 * Precedence: a revoked document says nothing any more, so REVOKED wins
 * over FAIL_RECORD (a void failure record must not be read as "không
 * đạt"); then FAIL_RECORD; then EXPIRED when @today is after valid_until;
 * else VALID (also for valid_until "", no expiry).
 */
/* The first document issued after @c for the same instrument and not revoked, or "". */
static int later_document(char *out, size_t size, struct cal_db *db, const struct cal_cert *c)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	out[0] = '\0';
	rc = db_prepare_cached(
		&st, db,
		"SELECT n.number FROM certificates n WHERE n.instrument_id = ?1 "
		"AND n.rowid > (SELECT rowid FROM certificates WHERE number = ?2) "
		/* a calibration does not replace a verification, nor the reverse */
		"AND (n.kind = 'calibration') = "
		"((SELECT kind FROM certificates WHERE number = ?2) = 'calibration') "
		"AND NOT EXISTS (SELECT 1 FROM certificate_revocations v "
		"WHERE v.number = n.number) ORDER BY n.rowid LIMIT 1");
	if (rc)
		return rc;
	db_bind_str(st, 1, c->instrument_id);
	db_bind_str(st, 2, c->number);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		db_col_text(out, size, st, 0);
	else if (step != SQLITE_DONE)
		rc = db_fail(db, "later document");
	db_finish(db, st);
	return rc;
}

/* @out->cert is the original of revision @r: make it the revision as it reads. */
static void apply_revision(struct cal_verify *out, const struct cal_revision *r)
{
	out->rev = *r;
	db_strlcpy(out->cert.number, sizeof(out->cert.number), r->number);
	db_strlcpy(out->cert.issued_at, sizeof(out->cert.issued_at), r->issued_at);
	db_strlcpy(out->cert.issue_date, sizeof(out->cert.issue_date), r->issued_at);
	if (r->has_owner)
		db_strlcpy(out->instrument.owner, sizeof(out->instrument.owner), r->owner);
	if (r->has_location)
		db_strlcpy(out->run.cond.location, sizeof(out->run.cond.location), r->location);
}

/* A later revision of the document (or of the revision's original) replaces it. */
static int later_revision(struct cal_verify *out, struct cal_db *db, const char *original)
{
	struct cal_revision last;
	int rc = cal_db_revision_latest(&last, db, original);

	if (rc == CAL_ERR_NOTFOUND) {
		cal_error_clear();
		return CAL_OK;
	}
	if (rc)
		return rc;
	if (out->rev.number[0] && last.revision <= out->rev.revision)
		return CAL_OK; /* it is the latest */
	out->superseded_by = out->cert;
	db_strlcpy(out->superseded_by.number, sizeof(out->superseded_by.number), last.number);
	db_strlcpy(out->superseded_by.issued_at, sizeof(out->superseded_by.issued_at),
		   last.issued_at);
	db_strlcpy(out->superseded_by.issue_date, sizeof(out->superseded_by.issue_date),
		   last.issued_at);
	out->status = CAL_VERIFY_SUPERSEDED;
	return CAL_OK;
}

/* FAIL_RECORD; EXPIRED when @today is after valid_until; else VALID ("" = no expiry). */
static enum cal_verify_status validity(const struct cal_cert *c, const struct cal_date *today)
{
	struct cal_date until;

	if (c->kind == CAL_CERT_FAILURE)
		return CAL_VERIFY_FAIL_RECORD;
	if (c->valid_until[0] && cal_date_parse(&until, c->valid_until) == 0 &&
	    cal_date_cmp(today, &until) > 0)
		return CAL_VERIFY_EXPIRED;
	return CAL_VERIFY_VALID;
}

/*
 * An imported register row (schema v6) answers as what it records: a
 * certificate (pass), a failure record (fail) or a calibration; expired
 * after its validity; superseded by a later event of the same instrument
 * and activity (imported or measured here, not revoked). Never signed.
 */
static int verify_imported(struct cal_verify *out, struct cal_db *db, const char *number,
			   const struct cal_date *today)
{
	struct cal_history *h = &out->imported;
	sqlite3_stmt *st = NULL;
	int rc, step;

	rc = cal_db_history_imported(h, db, number);
	if (rc == CAL_ERR_NOTFOUND) {
		cal_error_clear();
		return rc;
	}
	if (rc)
		return rc;
	db_strlcpy(out->cert.number, sizeof(out->cert.number), h->number);
	out->cert.kind = strcmp(h->activity, "calibration") == 0 ? CAL_CERT_CALIBRATION
			 : strcmp(h->result, "pass") == 0	 ? CAL_CERT_VERIFICATION
								 : CAL_CERT_FAILURE;
	db_strlcpy(out->cert.instrument_id, sizeof(out->cert.instrument_id), h->instrument_id);
	db_strlcpy(out->cert.issue_date, sizeof(out->cert.issue_date), h->event_date);
	db_strlcpy(out->cert.valid_until, sizeof(out->cert.valid_until), h->valid_until);
	rc = cal_db_instrument_get(&out->instrument, db, h->instrument_id);
	if (rc)
		return rc;
	/* the register as it was on the row's date */
	db_strlcpy(out->instrument.owner, sizeof(out->instrument.owner), h->owner);
	db_strlcpy(out->instrument.type, sizeof(out->instrument.type), h->type);
	db_strlcpy(out->run.method, sizeof(out->run.method), h->method);
	db_strlcpy(out->run.operator_name, sizeof(out->run.operator_name), h->operator_name);
	db_strlcpy(out->run.mode, sizeof(out->run.mode), h->mode);
	db_strlcpy(out->run.activity, sizeof(out->run.activity), h->activity);
	db_strlcpy(out->run.verdict, sizeof(out->run.verdict),
		   strcmp(h->result, "pass") == 0 ? "PASS" : "FAIL");
	db_strlcpy(out->run.finished_at, sizeof(out->run.finished_at), h->event_date);
	db_strlcpy(out->cert.issued_at, sizeof(out->cert.issued_at), h->event_date);
	if (out->cert.kind == CAL_CERT_VERIFICATION && !out->cert.valid_until[0]) {
		/*
		 * No validity recorded: the interval in force on its date, as
		 * `due` reckons (the instrument's own first, then its type's).
		 */
		struct cal_date from, until;
		int months = out->instrument.interval_months;

		if (months <= 0 &&
		    cal_db_interval_for(&months, NULL, db, h->type, h->event_date) != CAL_OK)
			months = 0;
		cal_error_clear();
		if (months > 0 && cal_date_parse(&from, h->event_date) == 0) {
			cal_date_add_months(&until, &from, months);
			cal_date_format(out->cert.valid_until, sizeof(out->cert.valid_until),
					&until);
		}
	}
	out->status = validity(&out->cert, today);
	if (out->status != CAL_VERIFY_VALID)
		return CAL_OK;
	rc = db_prepare_cached(&st, db,
			       "SELECT number, event_date, valid_until, result FROM history "
			       "WHERE instrument_id = ?1 AND activity = ?2 AND revoked = 0 "
			       "AND (event_date > ?3 OR (event_date = ?3 AND id > ?4)) "
			       "ORDER BY event_date, id LIMIT 1");
	if (rc)
		return rc;
	db_bind_str(st, 1, h->instrument_id);
	db_bind_str(st, 2, h->activity);
	db_bind_str(st, 3, h->event_date);
	sqlite3_bind_int64(st, 4, h->id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		char result[8];

		db_col_text(out->superseded_by.number, sizeof(out->superseded_by.number), st, 0);
		db_col_text(out->superseded_by.issue_date, sizeof(out->superseded_by.issue_date),
			    st, 1);
		db_col_text(out->superseded_by.valid_until, sizeof(out->superseded_by.valid_until),
			    st, 2);
		db_col_text(result, sizeof(result), st, 3);
		out->superseded_by.kind =
			strcmp(result, "pass") == 0 ? CAL_CERT_VERIFICATION : CAL_CERT_FAILURE;
		db_strlcpy(out->superseded_by.instrument_id,
			   sizeof(out->superseded_by.instrument_id), h->instrument_id);
		if (!out->superseded_by.number[0])
			db_strlcpy(out->superseded_by.number, sizeof(out->superseded_by.number),
				   "(no number)");
		out->status = CAL_VERIFY_SUPERSEDED;
	} else if (step != SQLITE_DONE) {
		rc = db_fail(db, "verify");
	}
	db_finish(db, st);
	return rc;
}

int cal_db_verify(struct cal_verify *out, struct cal_db *db, const char *number,
		  const struct cal_date *today)
{
	char norm[sizeof(out->cert.number)];
	struct cal_revision rev;
	bool tampered = false, is_rev = false;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !number || !today)
		return cal_error_set(CAL_ERR_ARG, "verify: bad arguments");
	if (today->month < 1 || today->month > 12 || today->day < 1 ||
	    today->day > cal_date_days_in_month(today->year, today->month))
		return cal_error_set(CAL_ERR_ARG, "verify: today is not a valid date");
	out->status = CAL_VERIFY_UNKNOWN;
	rc = cert_lookup(&out->cert, db, number, norm, sizeof(norm));
	if (rc == CAL_ERR_NOTFOUND && norm[0] && cal_db_revision_get(&rev, db, norm) == CAL_OK) {
		is_rev = true;
		rc = cert_get(&out->cert, db, rev.original);
	}
	if (rc == CAL_ERR_NOTFOUND && norm[0]) {
		rc = verify_imported(out, db, norm, today);
		if (rc != CAL_ERR_NOTFOUND) {
			if (rc)
				memset(out, 0, sizeof(*out));
			return rc;
		}
	}
	if (rc == CAL_ERR_NOTFOUND)
		return cal_error_set(CAL_OK, "no certificate or record numbered '%s'", norm);
	if (rc == CAL_OK)
		rc = cal_db_instrument_get(&out->instrument, db, out->cert.instrument_id);
	if (rc == CAL_OK)
		rc = cal_db_run_get(&out->run, db, out->cert.run_id);
	/* whatever else it is, a document that is not as issued says so first */
	if (rc == CAL_OK)
		rc = db_cert_check(&tampered, &out->signed_ok, out->tampered, sizeof(out->tampered),
				   db, &out->cert, out->instrument.serial);
	if (rc == CAL_OK && is_rev && !tampered)
		rc = db_revision_check(&tampered, &out->signed_ok, out->tampered,
				       sizeof(out->tampered), db, &rev);
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	cal_error_clear();
	if (is_rev)
		apply_revision(out, &rev);
	if (tampered) {
		out->status = CAL_VERIFY_TAMPERED;
		out->signed_ok = false;
		return CAL_OK;
	}
	out->status = out->cert.revoked ? CAL_VERIFY_REVOKED : validity(&out->cert, today);
	if (out->status == CAL_VERIFY_REVOKED)
		return CAL_OK;
	rc = later_revision(out, db, is_rev ? rev.original : out->cert.number);
	if (!rc && out->status == CAL_VERIFY_VALID) {
		char later[sizeof(out->cert.number)];
		struct cal_cert orig = out->cert;

		if (is_rev)
			db_strlcpy(orig.number, sizeof(orig.number), rev.original);
		rc = later_document(later, sizeof(later), db, &orig);
		if (!rc && later[0]) {
			rc = cert_get(&out->superseded_by, db, later);
			if (!rc)
				out->status = CAL_VERIFY_SUPERSEDED;
		}
	}
	if (rc) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	return CAL_OK;
}

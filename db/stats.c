/*
 * Statistics a centre reports upward (domain.md §8, docs/statistics.md):
 * documents counted with one GROUP BY query.
 *
 * Counting rules (domain.md §8.2, design decisions):
 *  - the unit is one completed run with its document: a verification
 *    certificate counts as pass, a failure record as fail. A run stopped at
 *    its first failed step is completed with a failure record, so a fail.
 *    Runs still running, interrupted or aborted have no document: not counted;
 *  - a re-verification (after repair, or any other run of the same
 *    instrument) is another run with another document: it counts again;
 *  - a revoked document (certificate_revocations) does not count;
 *  - a revision "NO-Rn" lives in cert_revisions, not in certificates: it
 *    replaces its original and adds no count (the original counts once);
 *  - calibrations are counted only when asked for (activity calibration),
 *    never mixed into the verification totals; their result is the
 *    conformity verdict of the run (PASS/FAIL);
 *  - the period is on the document's issue date, both ends included.
 *
 * The SQL is assembled from the fixed fragments of dims[] only: the user's
 * words choose entries of the table, and the dates are bound.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "db-internal.h"

/* The result of a document, for verifications and for calibrations. */
#define RESULT_VERIFICATION "CASE c.kind WHEN 'verification' THEN 'pass' ELSE 'fail' END"
#define RESULT_CALIBRATION "CASE r.verdict WHEN 'PASS' THEN 'pass' ELSE 'fail' END"

static const struct {
	const char *name;
	const char *expr; /* NULL: the result expression of the activity */
} dims[CAL_STATS_NDIMS] = {
	[CAL_STATS_TYPE] = { "type", "i.type" },
	[CAL_STATS_MODE] = { "mode", "r.mode" },
	[CAL_STATS_RESULT] = { "result", NULL },
	[CAL_STATS_MONTH] = { "month", "substr(c.issue_date, 1, 7)" },
	[CAL_STATS_QUARTER] = { "quarter",
				"substr(c.issue_date, 1, 4) || '-Q' || "
				"((CAST(substr(c.issue_date, 6, 2) AS INTEGER) + 2) / 3)" },
	[CAL_STATS_YEAR] = { "year", "substr(c.issue_date, 1, 4)" },
	[CAL_STATS_OWNER] = { "owner", "i.owner" },
	[CAL_STATS_OPERATOR] = { "operator", "r.operator_name" },
	[CAL_STATS_PROCEDURE] = { "procedure", "r.procedure_id" },
	[CAL_STATS_METHOD] = { "method", "r.method" },
};

const char *cal_stats_dim_name(enum cal_stats_dim d)
{
	return (unsigned)d < CAL_STATS_NDIMS ? dims[d].name : "?";
}

int cal_stats_dim_parse(enum cal_stats_dim *out, const char *name)
{
	char known[160] = "";
	size_t len = 0;

	for (int i = 0; i < CAL_STATS_NDIMS; i++) {
		if (strcmp(dims[i].name, name) == 0) {
			*out = (enum cal_stats_dim)i;
			return CAL_OK;
		}
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", i ? ", " : "",
					dims[i].name);
	}
	return cal_error_set(CAL_ERR_ARG, "unknown dimension '%s' (known: %s)", name, known);
}

int cal_stats_dims_parse(enum cal_stats_dim *out, size_t *n, const char *list)
{
	char buf[256];
	char *save = NULL, *tok;
	int rc;

	*n = 0;
	if (strlen(list) >= sizeof(buf))
		return cal_error_set(CAL_ERR_ARG, "dimensions: list too long");
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum cal_stats_dim d;

		rc = cal_stats_dim_parse(&d, tok);
		if (rc)
			return rc;
		for (size_t k = 0; k < *n; k++)
			if (out[k] == d)
				return cal_error_set(CAL_ERR_ARG, "dimension '%s' given twice",
						     tok);
		out[(*n)++] = d;
	}
	if (*n == 0)
		return cal_error_set(CAL_ERR_ARG, "dimensions: none given");
	return CAL_OK;
}

void cal_stats_rate(char *out, size_t size, const struct cal_stats_row *r)
{
	/* integer arithmetic: 2506/2559 -> 9793 hundredths of a per cent */
	int64_t h = r->total > 0 ? (r->pass * 20000 + r->total) / (2 * r->total) : 0;

	snprintf(out, size, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
}

static void row_free(struct cal_stats_row *r)
{
	for (int i = 0; i < CAL_STATS_NDIMS; i++) {
		free(r->key[i]);
		r->key[i] = NULL;
	}
}

void cal_stats_free(struct cal_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		row_free(&s->rows[i]);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

static int check_date(const char *what, const char *s)
{
	struct cal_date d;

	if (!s || !s[0])
		return CAL_OK;
	if (cal_date_parse(&d, s))
		return cal_error_set(CAL_ERR_ARG, "%s: '%s' is not a date (YYYY-MM-DD)", what, s);
	return CAL_OK;
}

/* The query: SELECT keys..., total, pass FROM ... GROUP BY keys ORDER BY keys. */
static int build_sql(char *sql, size_t size, const struct cal_stats_query *q)
{
	const char *result = q->calibration ? RESULT_CALIBRATION : RESULT_VERIFICATION;
	char keys[1024] = "";
	size_t len = 0;
	int n;

	for (size_t i = 0; i < q->n_by; i++) {
		enum cal_stats_dim d = q->by[i];

		if ((unsigned)d >= CAL_STATS_NDIMS)
			return cal_error_set(CAL_ERR_ARG, "stats: bad dimension %d", (int)d);
		n = snprintf(keys + len, sizeof(keys) - len, "%s%s", i ? ", " : "",
			     dims[d].expr ? dims[d].expr : result);
		if (n < 0 || (size_t)n >= sizeof(keys) - len)
			return cal_error_set(CAL_ERR_ARG, "stats: too many dimensions");
		len += (size_t)n;
	}
	n = snprintf(sql, size,
		     "SELECT %s%scount(*), sum(%s = 'pass'), sum(%s = 'fail')\n"
		     "FROM certificates c\n"
		     "JOIN runs r ON r.id = c.run_id\n"
		     "JOIN instruments i ON i.id = c.instrument_id\n"
		     "WHERE r.status = 'completed' AND r.activity = ?1\n"
		     " AND c.kind IN (%s)\n"
		     " AND c.issue_date >= ?2 AND c.issue_date <= ?3\n"
		     " AND NOT EXISTS (SELECT 1 FROM certificate_revocations v\n"
		     "                 WHERE v.number = c.number)\n"
		     "%s%s%s%s",
		     keys, q->n_by ? ", " : "", result, result,
		     q->calibration ? "'calibration'" : "'verification', 'failure'",
		     q->n_by ? "GROUP BY " : "", keys, q->n_by ? " ORDER BY " : "", keys);
	if (n < 0 || (size_t)n >= size)
		return cal_error_set(CAL_ERR_ARG, "stats: query too long");
	return CAL_OK;
}

int cal_db_stats(struct cal_stats *out, struct cal_db *db, const struct cal_stats_query *q)
{
	sqlite3_stmt *st = NULL;
	char sql[4096];
	size_t cap = 0;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if (q->n_by > CAL_STATS_NDIMS)
		return cal_error_set(CAL_ERR_ARG, "stats: too many dimensions");
	rc = check_date("--from", q->from);
	if (!rc)
		rc = check_date("--to", q->to);
	if (rc)
		return rc;
	if (q->from && q->from[0] && q->to && q->to[0] && strcmp(q->from, q->to) > 0)
		return cal_error_set(CAL_ERR_ARG, "--from %s is after --to %s", q->from, q->to);
	rc = build_sql(sql, sizeof(sql), q);
	if (rc)
		return rc;
	rc = db_prepare(&st, db, sql);
	if (rc)
		return rc;
	if (db_bind_str(st, 1, q->calibration ? "calibration" : "verification") ||
	    db_bind_str(st, 2, q->from && q->from[0] ? q->from : "0000-01-01") ||
	    db_bind_str(st, 3, q->to && q->to[0] ? q->to : "9999-12-31")) {
		rc = db_fail(db, "stats");
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		size_t k = q->n_by;
		struct cal_stats_row row = { 0 };
		struct cal_stats_row *grown;

		row.total = sqlite3_column_int64(st, (int)k);
		row.pass = sqlite3_column_int64(st, (int)k + 1);
		row.fail = sqlite3_column_int64(st, (int)k + 2);
		if (row.total == 0)
			continue; /* no group: the aggregate row of an empty period */
		out->total.total += row.total;
		out->total.pass += row.pass;
		out->total.fail += row.fail;
		if (!q->n_by)
			continue;
		for (size_t i = 0; i < k; i++) {
			const unsigned char *t = sqlite3_column_text(st, (int)i);

			row.key[i] = strdup(t ? (const char *)t : "");
			if (!row.key[i]) {
				row_free(&row);
				rc = cal_error_set(CAL_ERR_NOMEM, "stats: out of memory");
				goto out;
			}
		}
		grown = db_grow(out->rows, &cap, out->n, sizeof(*out->rows));
		if (!grown) {
			row_free(&row);
			rc = CAL_ERR_NOMEM;
			goto out;
		}
		out->rows = grown;
		out->rows[out->n++] = row;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "stats");
out:
	sqlite3_finalize(st);
	if (rc)
		cal_stats_free(out);
	return rc;
}

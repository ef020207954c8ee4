/*
 * The pressure bench's records (schema v3): pressure references in the
 * register, the snapshot of the reference a run used, and the evidence that
 * the reference had settled when each of its readings was taken.
 *
 * Units: a pressure standard's range and U are in its own unit (column
 * unit); evidence samples are in the SI unit (Pa), times on the monotonic
 * clock in ms.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db-internal.h"
#include "cal/error.h"
#include "cal/units.h"

#define PSTD_COLS                                                                                  \
	"id, manufacturer, model, serial, unit, range_lo, range_hi, u_abs, u_rel, k, cert_no, "    \
	"due_date, description"

static void pstd_from_row(struct cal_pstandard *o, sqlite3_stmt *st)
{
	memset(o, 0, sizeof(*o));
	db_col_text(o->id, sizeof(o->id), st, 0);
	db_col_text(o->manufacturer, sizeof(o->manufacturer), st, 1);
	db_col_text(o->model, sizeof(o->model), st, 2);
	db_col_text(o->serial, sizeof(o->serial), st, 3);
	db_col_text(o->unit, sizeof(o->unit), st, 4);
	o->range_lo = sqlite3_column_double(st, 5);
	o->range_hi = sqlite3_column_double(st, 6);
	o->u_abs = sqlite3_column_double(st, 7);
	o->u_rel = sqlite3_column_double(st, 8);
	o->k = sqlite3_column_double(st, 9);
	db_col_text(o->cert_no, sizeof(o->cert_no), st, 10);
	db_col_text(o->due_date, sizeof(o->due_date), st, 11);
	db_col_text(o->description, sizeof(o->description), st, 12);
}

double cal_pstandard_U(const struct cal_pstandard *s, double p)
{
	return s->u_abs + s->u_rel * fabs(p);
}

int cal_db_pstandard_add(struct cal_db *db, const struct cal_pstandard *s)
{
	char unit[sizeof(s->unit)], now[24];
	struct cal_date due;
	enum cal_unit u;
	sqlite3_stmt *st = NULL;
	int idn, rc;

	if (!db || !s)
		return cal_error_set(CAL_ERR_ARG, "standard: bad arguments");
	idn = (int)db_field_len(s->id, sizeof(s->id));
	if (!idn)
		return cal_error_set(CAL_ERR_ARG, "standard: id is empty");
	db_strlcpy(unit, sizeof(unit), s->unit);
	if (cal_unit_parse(&u, unit) ||
	    (cal_unit_quantity(u) != CAL_Q_PRESSURE && cal_unit_quantity(u) != CAL_Q_FLOW &&
	     cal_unit_quantity(u) != CAL_Q_VOLUME))
		return cal_error_set(CAL_ERR_ARG,
				     "standard '%.*s': '%s' is not a unit of pressure, flow or "
				     "volume",
				     idn, s->id, unit);
	if (cal_unit_quantity(u) == CAL_Q_FLOW && s->u_abs != 0)
		return cal_error_set(CAL_ERR_ARG,
				     "flow standard '%.*s': its U is relative to the volume it "
				     "measures (u_rel), not a flow rate",
				     idn, s->id);
	if (!isfinite(s->range_lo) || !isfinite(s->range_hi) || !(s->range_hi > s->range_lo))
		return cal_error_set(CAL_ERR_ARG, "standard '%.*s': the range %g..%g is empty", idn,
				     s->id, s->range_lo, s->range_hi);
	if (!isfinite(s->u_abs) || !isfinite(s->u_rel) || s->u_abs < 0 || s->u_rel < 0 ||
	    !(s->u_abs > 0 || s->u_rel > 0))
		return cal_error_set(CAL_ERR_ARG,
				     "standard '%.*s': give its uncertainty U (absolute "
				     "and/or relative, >= 0, not both 0)",
				     idn, s->id);
	if (!(isfinite(s->k) && s->k > 0))
		return cal_error_set(CAL_ERR_ARG, "standard '%.*s': k must be > 0", idn, s->id);
	if (db_field_set(s->due_date, sizeof(s->due_date))) {
		char d[sizeof(s->due_date)];

		db_strlcpy(d, sizeof(d), s->due_date);
		if (cal_date_parse(&due, d))
			return cal_error_set(CAL_ERR_ARG,
					     "standard '%.*s': due date '%s' is not "
					     "YYYY-MM-DD",
					     idn, s->id, d);
	}
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO pressure_standards(" PSTD_COLS ", created_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
	if (rc)
		return rc;
	DB_BIND_FIELD(st, 1, s->id);
	DB_BIND_FIELD(st, 2, s->manufacturer);
	DB_BIND_FIELD(st, 3, s->model);
	DB_BIND_FIELD(st, 4, s->serial);
	db_bind_str(st, 5, cal_unit_symbol(u));
	sqlite3_bind_double(st, 6, s->range_lo);
	sqlite3_bind_double(st, 7, s->range_hi);
	sqlite3_bind_double(st, 8, s->u_abs);
	sqlite3_bind_double(st, 9, s->u_rel);
	sqlite3_bind_double(st, 10, s->k);
	DB_BIND_FIELD(st, 11, s->cert_no);
	DB_BIND_FIELD(st, 12, s->due_date);
	DB_BIND_FIELD(st, 13, s->description);
	db_bind_str(st, 14, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		int ext = sqlite3_extended_errcode(db->h);

		if (ext == SQLITE_CONSTRAINT_PRIMARYKEY || ext == SQLITE_CONSTRAINT_TRIGGER)
			rc = cal_error_set(CAL_ERR_STATE, "standard '%.*s' already exists", idn,
					   s->id);
		else
			rc = db_fail(db, "standard");
	}
	sqlite3_finalize(st);
	return rc;
}

int cal_db_pstandard_get(struct cal_pstandard *out, struct cal_db *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !id || !id[0])
		return cal_error_set(CAL_ERR_ARG, "standard: bad arguments");
	rc = db_prepare(&st, db,
			"SELECT " PSTD_COLS ", created_at FROM pressure_standards "
			"WHERE id = ?1");
	if (rc)
		return rc;
	db_bind_str(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		pstd_from_row(out, st);
		db_col_text(out->created_at, sizeof(out->created_at), st, 13);
	} else if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no standard with a range '%s'", id);
	} else {
		rc = db_fail(db, "standard");
	}
	sqlite3_finalize(st);
	return rc;
}

static int pstd_row(void *elem, sqlite3_stmt *st)
{
	struct cal_pstandard *o = elem;

	pstd_from_row(o, st);
	/* the register has a creation time, a run's snapshot has none */
	if (sqlite3_column_count(st) > 13)
		db_col_text(o->created_at, sizeof(o->created_at), st, 13);
	return CAL_OK;
}

/*
 * Rows of @sql (PSTD_COLS first, then created_at if selected; ?1 = @run_id
 * when > 0) into a malloc'ed array.
 */
static int pstd_rows(struct cal_pstandard **out, size_t *n, struct cal_db *db, const char *sql,
		     int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_prepare(&st, db, sql);
	if (rc)
		return rc;
	if (run_id > 0)
		sqlite3_bind_int64(st, 1, run_id);
	return db_collect((void **)out, n, sizeof(**out), db, st, pstd_row, "pressure standards");
}

int cal_db_pstandard_list(struct cal_pstandard **out, size_t *n, struct cal_db *db)
{
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "pressure standard list: bad arguments");
	return pstd_rows(out, n, db,
			 "SELECT " PSTD_COLS ", created_at FROM pressure_standards ORDER BY id", 0);
}

int cal_db_run_add_pstandard(struct cal_db *db, int64_t run_id, const char *standard_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db || run_id <= 0 || !standard_id || !standard_id[0])
		return cal_error_set(CAL_ERR_ARG, "run pressure standard: bad arguments");
	rc = db_prepare(&st, db,
			"INSERT INTO run_pressure_standards(run_id, standard_id, manufacturer, "
			"model, serial, unit, range_lo, range_hi, u_abs, u_rel, k, cert_no, "
			"due_date, description) SELECT ?1, " PSTD_COLS " FROM pressure_standards "
			"WHERE id = ?2 ON CONFLICT(run_id, standard_id) DO NOTHING");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	db_bind_str(st, 2, standard_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "run pressure standard");
	else if (sqlite3_changes(db->h) == 0 &&
		 cal_db_pstandard_get(&(struct cal_pstandard){ 0 }, db, standard_id) ==
			 CAL_ERR_NOTFOUND)
		rc = CAL_ERR_NOTFOUND;
	sqlite3_finalize(st);
	return rc;
}

int cal_db_run_pstandards(struct cal_pstandard **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run pressure standards: bad arguments");
	return pstd_rows(out, n, db,
			 "SELECT standard_id, manufacturer, model, serial, unit, range_lo, "
			 "range_hi, u_abs, u_rel, k, cert_no, due_date, description FROM "
			 "run_pressure_standards WHERE run_id = ?1 ORDER BY standard_id",
			 run_id);
}

/* ---- settle evidence -------------------------------------------------------- */

int cal_db_settle_evidence_add(struct cal_db *db, int64_t run_id, int64_t reading_id,
			       double setpoint_si, const struct cal_settle_result *ev)
{
	sqlite3_stmt *st = NULL;
	char *json = NULL;
	size_t cap, len = 0;
	int rc;

	if (!db || run_id <= 0 || reading_id <= 0 || !ev || !ev->rule_text[0] || ev->polls < 1 ||
	    ev->n_samples > CAL_SETTLE_MAX_SAMPLES)
		return cal_error_set(CAL_ERR_ARG, "settle evidence: bad arguments");
	/* [[t_mono_ms, value_si, stable], ...]: %.17g keeps every bit of a double. */
	cap = 16 + ev->n_samples * 64;
	json = malloc(cap);
	if (!json)
		return cal_error_set(CAL_ERR_NOMEM, "out of memory for settle evidence");
	json[len++] = '[';
	for (size_t i = 0; i < ev->n_samples; i++) {
		const struct cal_reading *r = &ev->samples[i];

		len += (size_t)snprintf(json + len, cap - len, "%s[%lld,%.17g,%d]", i ? "," : "",
					(long long)r->t_mono_ms,
					isfinite(r->value_si) ? r->value_si : 0.0,
					(r->flags & CAL_RD_STABLE) ? 1 : 0);
	}
	snprintf(json + len, cap - len, "]");
	rc = db_prepare(
		&st, db,
		"INSERT INTO settle_evidence(reading_id, run_id, setpoint_si, rule, "
		"held_ms, rate_si, polls, samples) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, reading_id);
	sqlite3_bind_int64(st, 2, run_id);
	db_bind_real(st, 3, setpoint_si);
	db_bind_str(st, 4, ev->rule_text);
	sqlite3_bind_int64(st, 5, ev->held_ms < 0 ? 0 : ev->held_ms);
	db_bind_real(st, 6, isfinite(ev->rate_si) ? ev->rate_si : NAN);
	sqlite3_bind_int(st, 7, ev->polls);
	db_bind_str(st, 8, json);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "settle evidence");
out:
	sqlite3_finalize(st);
	free(json);
	return rc;
}

int cal_db_settle_evidence_get(char *rule, size_t size, int *n_samples, struct cal_db *db,
			       int64_t reading_id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (!rule || !size || !n_samples || !db || reading_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "settle evidence: bad arguments");
	rule[0] = '\0';
	*n_samples = 0;
	rc = db_prepare(&st, db,
			"SELECT rule, json_array_length(samples) FROM settle_evidence "
			"WHERE reading_id = ?1");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, reading_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		db_col_text(rule, size, st, 0);
		*n_samples = sqlite3_column_int(st, 1);
	} else if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no settle evidence for reading %lld",
				   (long long)reading_id);
	} else {
		rc = db_fail(db, "settle evidence");
	}
	sqlite3_finalize(st);
	return rc;
}

/*
 * The two registers: instruments under test and reference standards.
 *
 * Rows are added, read and listed here; there is no delete in the API, and
 * the foreign keys of runs, certificates and run_standards refuse a plain
 * SQL DELETE of a row that a record refers to.
 *
 * Units: instrument Max/Min/e/d are in the instrument's unit (column unit);
 * a water meter's flow_q3 is in m3/h whatever its register's unit; standards
 * are in kg. Numbers must be finite: a NaN would be stored as NULL.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db-internal.h"
#include "cal/clock.h"
#include "cal/error.h"
#include "cal/units.h"

/* Longest verification interval accepted: 100 years, in months. */
#define MAX_INTERVAL_MONTHS 1200

/* ---- instruments ---------------------------------------------------------- */

#define INSTRUMENT_COLS                                                                            \
	"id, type, manufacturer, model, serial, owner, accuracy_class, unit, max, min, e, "        \
	"d, interval_months, created_at, kind, scale_lo, mpe_pct_reading, mpe_pct_span, "          \
	"mpe_digits, flow_q3, ratio_r"

static void instrument_from_row(struct cal_instrument *o, sqlite3_stmt *st)
{
	memset(o, 0, sizeof(*o));
	db_col_text(o->id, sizeof(o->id), st, 0);
	db_col_text(o->type, sizeof(o->type), st, 1);
	db_col_text(o->manufacturer, sizeof(o->manufacturer), st, 2);
	db_col_text(o->model, sizeof(o->model), st, 3);
	db_col_text(o->serial, sizeof(o->serial), st, 4);
	db_col_text(o->owner, sizeof(o->owner), st, 5);
	db_col_text(o->accuracy_class, sizeof(o->accuracy_class), st, 6);
	db_col_text(o->unit, sizeof(o->unit), st, 7);
	o->max = sqlite3_column_double(st, 8);
	o->min = sqlite3_column_double(st, 9);
	o->e = sqlite3_column_double(st, 10);
	o->d = sqlite3_column_double(st, 11);
	o->interval_months = sqlite3_column_int(st, 12);
	db_col_text(o->created_at, sizeof(o->created_at), st, 13);
	db_col_text(o->kind, sizeof(o->kind), st, 14);
	o->scale_lo = sqlite3_column_double(st, 15);
	o->mpe_pct_reading = sqlite3_column_double(st, 16);
	o->mpe_pct_span = sqlite3_column_double(st, 17);
	o->mpe_digits = sqlite3_column_double(st, 18);
	o->flow_q3 = sqlite3_column_double(st, 19);
	o->ratio_r = sqlite3_column_double(st, 20);
}

static const char *const instrument_kinds[] = {
	"",
	"nawi",
	"bourdon-gauge",
	"digital-gauge",
	"transmitter",
	"water-meter",
	"flow-meter",
	"fuel-dispenser",
	NULL,
};

bool cal_instrument_is_pressure(const struct cal_instrument *in)
{
	return in &&
	       (strcmp(in->kind, "bourdon-gauge") == 0 || strcmp(in->kind, "digital-gauge") == 0 ||
		strcmp(in->kind, "transmitter") == 0);
}

static bool nonneg(double v)
{
	return isfinite(v) && v >= 0;
}

/*
 * A water meter's register data: an accuracy class 1 or 2 (OIML R 49, rated
 * by Q3 and R) or A-D (ISO 4064-1:1993, rated by Qn, R = 0), Q3/Qn > 0 in
 * m3/h, a register counting a volume and its verification scale interval
 * d > 0. That R is in the R 49 series and that Qmin/Qt are known for the
 * class are rules of cal/water.h, which calbench applies before adding.
 */
static int water_meter_check(const struct cal_instrument *in, int idn)
{
	static const char *const classes[] = { "1", "2", "A", "B", "C", "D", NULL };
	char cls[sizeof(in->accuracy_class)], unit[sizeof(in->unit)];
	enum cal_unit u;
	size_t i = 0;

	db_strlcpy(cls, sizeof(cls), in->accuracy_class);
	db_strlcpy(unit, sizeof(unit), in->unit);
	while (classes[i] && strcmp(classes[i], cls) != 0)
		i++;
	if (!classes[i])
		return cal_error_set(CAL_ERR_ARG,
				     "instrument '%.*s': water-meter class '%s' is not 1, 2 (OIML "
				     "R 49) or A, B, C, D (ISO 4064-1:1993)",
				     idn, in->id, cls);
	if (!(isfinite(in->flow_q3) && in->flow_q3 > 0))
		return cal_error_set(
			CAL_ERR_ARG,
			"instrument '%.*s': a water meter needs its Q3 (Qn for classes "
			"A-D) in m3/h, > 0",
			idn, in->id);
	if (i < 2 && !(isfinite(in->ratio_r) && in->ratio_r > 1))
		return cal_error_set(
			CAL_ERR_ARG,
			"instrument '%.*s': a class %s water meter needs its ratio R = "
			"Q3/Q1 (> 1)",
			idn, in->id, cls);
	if (i >= 2 && in->ratio_r != 0)
		return cal_error_set(CAL_ERR_ARG,
				     "instrument '%.*s': a class %s water meter is rated by Qn "
				     "alone: R must be 0",
				     idn, in->id, cls);
	if (cal_unit_parse(&u, unit) != CAL_OK || cal_unit_quantity(u) != CAL_Q_VOLUME)
		return cal_error_set(
			CAL_ERR_ARG,
			"instrument '%.*s': a water meter's unit '%s' is not a unit of "
			"volume (m3, L)",
			idn, in->id, unit);
	if (!(in->d > 0))
		return cal_error_set(
			CAL_ERR_ARG,
			"instrument '%.*s': a water meter needs the verification scale "
			"interval d of its register, > 0",
			idn, in->id);
	return CAL_OK;
}

/*
 * A control character (a line break, an escape sequence) in a register text
 * would print forged lines on a terminal, a certificate, an inspector's
 * answer: refused, naming the field.
 */
int db_text_check(const char *what, const char *id, int idn, const char *name, const char *v,
		  size_t cap)
{
	size_t n = db_field_len(v, cap);

	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return cal_error_set(CAL_ERR_ARG,
					     "%s '%.*s': %s holds a control character (byte "
					     "0x%02x at %zu): one line of plain text",
					     what, idn, id, name, (unsigned char)v[i], i + 1);
	return CAL_OK;
}

static int instrument_text_check(const struct cal_instrument *in, int idn)
{
	const struct {
		const char *name, *v;
		size_t cap;
	} f[] = {
		{ "id", in->id, sizeof(in->id) },
		{ "type", in->type, sizeof(in->type) },
		{ "manufacturer", in->manufacturer, sizeof(in->manufacturer) },
		{ "model", in->model, sizeof(in->model) },
		{ "serial", in->serial, sizeof(in->serial) },
		{ "owner", in->owner, sizeof(in->owner) },
		{ "class", in->accuracy_class, sizeof(in->accuracy_class) },
		{ "unit", in->unit, sizeof(in->unit) },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		int rc = db_text_check("instrument", in->id, idn, f[i].name, f[i].v, f[i].cap);

		if (rc)
			return rc;
	}
	return CAL_OK;
}

static int instrument_check(const struct cal_instrument *in)
{
	int idn = (int)db_field_len(in->id, sizeof(in->id));
	int rc;

	if (!idn)
		return cal_error_set(CAL_ERR_ARG, "instrument: id is empty");
	rc = instrument_text_check(in, idn);
	if (rc)
		return rc;
	if (!db_field_set(in->type, sizeof(in->type)))
		return cal_error_set(CAL_ERR_ARG, "instrument '%.*s': type is empty", idn, in->id);
	if (!db_field_set(in->serial, sizeof(in->serial)))
		return cal_error_set(CAL_ERR_ARG, "instrument '%.*s': serial is empty", idn,
				     in->id);
	if (!nonneg(in->max) || !nonneg(in->min) || !nonneg(in->e) || !nonneg(in->d))
		return cal_error_set(CAL_ERR_ARG,
				     "instrument '%.*s': Max, Min, e and d must be numbers >= 0",
				     idn, in->id);
	if (in->max > 0 && in->min > in->max)
		return cal_error_set(CAL_ERR_ARG, "instrument '%.*s': Min %g is above Max %g", idn,
				     in->id, in->min, in->max);
	{
		char kind[sizeof(in->kind)];
		bool known = false;

		db_strlcpy(kind, sizeof(kind), in->kind);
		for (size_t i = 0; instrument_kinds[i]; i++)
			known = known || strcmp(kind, instrument_kinds[i]) == 0;
		if (!known)
			return cal_error_set(
				CAL_ERR_ARG,
				"instrument '%.*s': kind '%s' is not nawi, "
				"bourdon-gauge, digital-gauge, transmitter, water-meter, "
				"flow-meter or fuel-dispenser",
				idn, in->id, kind);
		if (strcmp(kind, "water-meter") == 0) {
			rc = water_meter_check(in, idn);

			if (rc)
				return rc;
		} else if (strcmp(kind, "flow-meter") == 0 || strcmp(kind, "fuel-dispenser") == 0) {
			/* flow_q3 = Qmax, ratio_r = Qmax/Qmin (0: Qmin not given), m3/h */
			if (!(isfinite(in->flow_q3) && in->flow_q3 > 0) ||
			    !(isfinite(in->ratio_r) && (in->ratio_r == 0 || in->ratio_r > 1)))
				return cal_error_set(CAL_ERR_ARG,
						     "instrument '%.*s': a %s needs its Qmax > 0 "
						     "(and a Qmin below it)",
						     idn, in->id, kind);
		} else if (in->flow_q3 != 0 || in->ratio_r != 0) {
			return cal_error_set(CAL_ERR_ARG,
					     "instrument '%.*s': Q3 and R are for a water meter "
					     "(kind water-meter), not for kind '%s'",
					     idn, in->id, kind);
		}
	}
	if (!isfinite(in->scale_lo) || !nonneg(in->mpe_pct_reading) || !nonneg(in->mpe_pct_span) ||
	    !nonneg(in->mpe_digits))
		return cal_error_set(
			CAL_ERR_ARG,
			"instrument '%.*s': the lower scale value and MPE terms must be "
			"numbers (terms >= 0)",
			idn, in->id);
	if (cal_instrument_is_pressure(in) && !(in->max > in->scale_lo))
		return cal_error_set(CAL_ERR_ARG,
				     "instrument '%.*s': the upper scale value %g is not above the "
				     "lower %g",
				     idn, in->id, in->max, in->scale_lo);
	if (in->interval_months < 0 || in->interval_months > MAX_INTERVAL_MONTHS)
		return cal_error_set(CAL_ERR_ARG,
				     "instrument '%.*s': interval of %d months is not in 0..%d",
				     idn, in->id, in->interval_months, MAX_INTERVAL_MONTHS);
	return CAL_OK;
}

int cal_db_instrument_add(struct cal_db *db, const struct cal_instrument *in)
{
	sqlite3_stmt *st = NULL;
	char now[24];
	int rc;

	if (!db || !in)
		return cal_error_set(CAL_ERR_ARG, "instrument: bad arguments");
	rc = instrument_check(in);
	if (rc)
		return rc;
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO instruments(" INSTRUMENT_COLS ") "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
			"?16, ?17, ?18, ?19, ?20, ?21)");
	if (rc)
		goto out;
	DB_BIND_FIELD(st, 1, in->id);
	DB_BIND_FIELD(st, 2, in->type);
	DB_BIND_FIELD(st, 3, in->manufacturer);
	DB_BIND_FIELD(st, 4, in->model);
	DB_BIND_FIELD(st, 5, in->serial);
	DB_BIND_FIELD(st, 6, in->owner);
	DB_BIND_FIELD(st, 7, in->accuracy_class);
	DB_BIND_FIELD(st, 8, in->unit);
	sqlite3_bind_double(st, 9, in->max);
	sqlite3_bind_double(st, 10, in->min);
	sqlite3_bind_double(st, 11, in->e);
	sqlite3_bind_double(st, 12, in->d);
	sqlite3_bind_int(st, 13, in->interval_months);
	db_bind_str(st, 14, now);
	DB_BIND_FIELD(st, 15, in->kind);
	sqlite3_bind_double(st, 16, in->scale_lo);
	sqlite3_bind_double(st, 17, in->mpe_pct_reading);
	sqlite3_bind_double(st, 18, in->mpe_pct_span);
	sqlite3_bind_double(st, 19, in->mpe_digits);
	sqlite3_bind_double(st, 20, in->flow_q3);
	sqlite3_bind_double(st, 21, in->ratio_r);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			rc = cal_error_set(CAL_ERR_STATE, "instrument '%.*s' already exists",
					   (int)db_field_len(in->id, sizeof(in->id)), in->id);
		else
			rc = db_fail(db, "instrument");
	}
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_instrument_get(struct cal_instrument *out, struct cal_db *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !id || !id[0])
		return cal_error_set(CAL_ERR_ARG, "instrument: bad arguments");
	rc = db_prepare_cached(&st, db,
			       "SELECT " INSTRUMENT_COLS " FROM instruments WHERE id = ?1");
	if (rc)
		goto out;
	db_bind_str(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		instrument_from_row(out, st);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no instrument '%s'", id);
	else
		rc = db_fail(db, "instrument");
out:
	db_finish(db, st);
	return rc;
}

static int instrument_row(void *elem, sqlite3_stmt *st)
{
	instrument_from_row(elem, st);
	return CAL_OK;
}

int cal_db_instrument_list(struct cal_instrument **out, size_t *n, struct cal_db *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "instrument list: bad arguments");
	rc = db_prepare(&st, db, "SELECT " INSTRUMENT_COLS " FROM instruments ORDER BY id");
	if (rc)
		return rc;
	return db_collect((void **)out, n, sizeof(**out), db, st, instrument_row,
			  "instrument list");
}

/* ---- standards ------------------------------------------------------------ */

#define STANDARD_COLS                                                                              \
	"id, kind, weight_class, nominal_kg, correction_kg, u_kg, k, cert_no, due_date, "          \
	"description, created_at"

static void standard_from_row(struct cal_standard *o, sqlite3_stmt *st)
{
	memset(o, 0, sizeof(*o));
	db_col_text(o->id, sizeof(o->id), st, 0);
	db_col_text(o->kind, sizeof(o->kind), st, 1);
	db_col_text(o->weight_class, sizeof(o->weight_class), st, 2);
	o->nominal_kg = sqlite3_column_double(st, 3);
	o->correction_kg = sqlite3_column_double(st, 4);
	o->u_kg = sqlite3_column_double(st, 5);
	o->k = sqlite3_column_double(st, 6);
	db_col_text(o->cert_no, sizeof(o->cert_no), st, 7);
	db_col_text(o->due_date, sizeof(o->due_date), st, 8);
	db_col_text(o->description, sizeof(o->description), st, 9);
	db_col_text(o->created_at, sizeof(o->created_at), st, 10);
}

static int standard_check(const struct cal_standard *s)
{
	int idn = (int)db_field_len(s->id, sizeof(s->id));
	char due[sizeof(s->due_date)];
	struct cal_date d;

	if (!idn)
		return cal_error_set(CAL_ERR_ARG, "standard: id is empty");
	if (!isfinite(s->nominal_kg) || s->nominal_kg <= 0)
		return cal_error_set(CAL_ERR_ARG, "standard '%.*s': nominal must be > 0 kg", idn,
				     s->id);
	if (!isfinite(s->correction_kg) || !nonneg(s->u_kg) || !nonneg(s->k))
		return cal_error_set(CAL_ERR_ARG,
				     "standard '%.*s': correction, U and k must be numbers "
				     "(U and k >= 0)",
				     idn, s->id);
	if (db_field_set(s->due_date, sizeof(s->due_date))) {
		db_strlcpy(due, sizeof(due), s->due_date);
		if (db_field_len(s->due_date, sizeof(s->due_date)) >= sizeof(s->due_date) ||
		    cal_date_parse(&d, due) != CAL_OK)
			return cal_error_set(CAL_ERR_ARG,
					     "standard '%.*s': due date '%s' is not YYYY-MM-DD",
					     idn, s->id, due);
	}
	return CAL_OK;
}

/* kind "" is stored as "weight", the only kind of standard the bench has. */
int cal_db_standard_add(struct cal_db *db, const struct cal_standard *s)
{
	sqlite3_stmt *st = NULL;
	char now[24];
	int rc;

	if (!db || !s)
		return cal_error_set(CAL_ERR_ARG, "standard: bad arguments");
	rc = standard_check(s);
	if (rc)
		return rc;
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO standards(" STANDARD_COLS ") "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (rc)
		goto out;
	DB_BIND_FIELD(st, 1, s->id);
	if (db_field_set(s->kind, sizeof(s->kind)))
		DB_BIND_FIELD(st, 2, s->kind);
	else
		db_bind_str(st, 2, "weight");
	DB_BIND_FIELD(st, 3, s->weight_class);
	sqlite3_bind_double(st, 4, s->nominal_kg);
	sqlite3_bind_double(st, 5, s->correction_kg);
	sqlite3_bind_double(st, 6, s->u_kg);
	sqlite3_bind_double(st, 7, s->k);
	DB_BIND_FIELD(st, 8, s->cert_no);
	DB_BIND_FIELD(st, 9, s->due_date);
	DB_BIND_FIELD(st, 10, s->description);
	db_bind_str(st, 11, now);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			rc = cal_error_set(CAL_ERR_STATE, "standard '%.*s' already exists",
					   (int)db_field_len(s->id, sizeof(s->id)), s->id);
		else
			rc = db_fail(db, "standard");
	}
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_standard_get(struct cal_standard *out, struct cal_db *db, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || !id || !id[0])
		return cal_error_set(CAL_ERR_ARG, "standard: bad arguments");
	rc = db_prepare(&st, db, "SELECT " STANDARD_COLS " FROM standards WHERE id = ?1");
	if (rc)
		goto out;
	db_bind_str(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		standard_from_row(out, st);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no standard '%s'", id);
	else
		rc = db_fail(db, "standard");
out:
	sqlite3_finalize(st);
	return rc;
}

static int standards_query(struct cal_standard **out, size_t *n, struct cal_db *db, int64_t run_id);

int cal_db_standard_list(struct cal_standard **out, size_t *n, struct cal_db *db)
{
	return standards_query(out, n, db, 0);
}

int cal_db_run_standards(struct cal_standard **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	return standards_query(out, n, db, run_id);
}

static int standard_row(void *elem, sqlite3_stmt *st)
{
	standard_from_row(elem, st);
	return CAL_OK;
}

/* All standards (@run_id 0) or those a run used, largest first. */
static int standards_query(struct cal_standard **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db)
		return cal_error_set(CAL_ERR_ARG, "standard list: bad arguments");
	if (run_id)
		rc = db_prepare(
			&st, db,
			/* the standards as the run used them (see schema v2) */
			"SELECT s.id, COALESCE(rs.kind, s.kind), "
			"COALESCE(rs.weight_class, s.weight_class), "
			"COALESCE(rs.nominal_kg, s.nominal_kg) AS nom, "
			"COALESCE(rs.correction_kg, s.correction_kg), "
			"COALESCE(rs.u_kg, s.u_kg), COALESCE(rs.k, s.k), "
			"COALESCE(rs.cert_no, s.cert_no), COALESCE(rs.due_date, s.due_date), "
			"COALESCE(rs.description, s.description), s.created_at "
			"FROM run_standards rs JOIN standards s ON s.id = rs.standard_id "
			"WHERE rs.run_id = ?1 ORDER BY nom DESC, s.id");
	else
		rc = db_prepare(&st, db,
				"SELECT " STANDARD_COLS
				" FROM standards ORDER BY nominal_kg DESC, id");
	if (rc)
		return rc;
	if (run_id)
		sqlite3_bind_int64(st, 1, run_id);
	return db_collect((void **)out, n, sizeof(**out), db, st, standard_row, "standard list");
}

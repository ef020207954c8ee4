/*
 * Runs, their readings and their results.
 *
 * A run moves through these states (enforced here with CAL_ERR_STATE and,
 * for plain SQL, by the triggers of schema.c):
 *
 *   begin -> RUNNING -> INTERRUPTED -> RUNNING (resume) -> ...
 *            RUNNING | INTERRUPTED -> ABORTED        (no document)
 *            RUNNING -> COMPLETED                    (certs.c: document issued)
 *
 * COMPLETED and ABORTED are final: the row, its readings, results and
 * standards never change again. Readings and results are never updated or
 * deleted in any state.
 *
 * Reasons: cal_db_run_interrupt() stores its reason in runs.status_reason
 * (audit only); cal_db_run_abort() stores it in status_reason and in
 * fail_reason, which struct cal_run shows ("why this run has no PASS").
 *
 * Each write is one statement in autocommit mode, or one BEGIN IMMEDIATE
 * transaction when it needs several, so a reading is on disk (WAL,
 * synchronous=FULL) when cal_db_reading_add() returns, unless the caller
 * opened a transaction of its own.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db-internal.h"
#include "pid.h"
#include "cal/error.h"
#include "cal/units.h"

/* Largest number of decimals a reading or result may show. */
#define MAX_DECIMALS 15

#define RUN_COLS                                                                                   \
	"id, instrument_id, procedure_id, procedure_title, method, procedure_sha256, "             \
	"procedure_path, bench_path, device_id, mode, operator_name, status, verdict, "            \
	"fail_reason, started_at, finished_at, pid, dut_model, dut_serial, status_reason, "        \
	"activity, batch, dut_device_id, location, received_date, temperature_c, humidity_pct, "   \
	"checked_by, sticker_no"

static int run_from_row(struct cal_run *o, sqlite3_stmt *st)
{
	memset(o, 0, sizeof(*o));
	o->id = sqlite3_column_int64(st, 0);
	db_col_text(o->instrument_id, sizeof(o->instrument_id), st, 1);
	db_col_text(o->procedure_id, sizeof(o->procedure_id), st, 2);
	db_col_text(o->procedure_title, sizeof(o->procedure_title), st, 3);
	db_col_text(o->method, sizeof(o->method), st, 4);
	db_col_text(o->procedure_sha256, sizeof(o->procedure_sha256), st, 5);
	db_col_text(o->procedure_path, sizeof(o->procedure_path), st, 6);
	db_col_text(o->bench_path, sizeof(o->bench_path), st, 7);
	db_col_text(o->device_id, sizeof(o->device_id), st, 8);
	db_col_text(o->mode, sizeof(o->mode), st, 9);
	db_col_text(o->operator_name, sizeof(o->operator_name), st, 10);
	db_col_text(o->verdict, sizeof(o->verdict), st, 12);
	db_col_text(o->fail_reason, sizeof(o->fail_reason), st, 13);
	db_col_text(o->started_at, sizeof(o->started_at), st, 14);
	db_col_text(o->finished_at, sizeof(o->finished_at), st, 15);
	o->pid = sqlite3_column_int(st, 16);
	db_col_text(o->dut_model, sizeof(o->dut_model), st, 17);
	db_col_text(o->dut_serial, sizeof(o->dut_serial), st, 18);
	db_col_text(o->status_reason, sizeof(o->status_reason), st, 19);
	db_col_text(o->activity, sizeof(o->activity), st, 20);
	o->batch = sqlite3_column_int64(st, 21);
	db_col_text(o->dut_device_id, sizeof(o->dut_device_id), st, 22);
	db_col_text(o->cond.location, sizeof(o->cond.location), st, 23);
	db_col_text(o->cond.received_date, sizeof(o->cond.received_date), st, 24);
	o->cond.has_temperature = sqlite3_column_type(st, 25) != SQLITE_NULL;
	o->cond.temperature_c = sqlite3_column_double(st, 25);
	o->cond.has_humidity = sqlite3_column_type(st, 26) != SQLITE_NULL;
	o->cond.humidity_pct = sqlite3_column_double(st, 26);
	db_col_text(o->cond.checked_by, sizeof(o->cond.checked_by), st, 27);
	db_col_text(o->cond.sticker_no, sizeof(o->cond.sticker_no), st, 28);
	return db_status_parse(&o->status, (const char *)sqlite3_column_text(st, 11));
}

static int run_row(void *elem, sqlite3_stmt *st)
{
	return run_from_row(elem, st);
}

/* Every row of @st (RUN_COLS, bound) into a malloc'ed array; finalizes @st. */
static int run_rows(struct cal_run **out, size_t *n, struct cal_db *db, sqlite3_stmt *st,
		    const char *what)
{
	return db_collect((void **)out, n, sizeof(**out), db, st, run_row, what);
}

/* Status of run @run_id: CAL_ERR_NOTFOUND "no run N" when there is none. */
static int run_status(enum cal_run_status *out, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	rc = db_prepare(&st, db, "SELECT status FROM runs WHERE id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = db_status_parse(out, (const char *)sqlite3_column_text(st, 0));
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no run %lld", (long long)run_id);
	else
		rc = db_fail(db, "run");
out:
	sqlite3_finalize(st);
	return rc;
}

/* Does a row with this id exist? (@sql selects by ?1.) */
static int row_exists(bool *out, struct cal_db *db, const char *sql, const char *id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	*out = false;
	rc = db_prepare(&st, db, sql);
	if (rc)
		goto out;
	db_bind_str(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		*out = true;
	else if (step != SQLITE_DONE)
		rc = db_fail(db, "lookup");
out:
	sqlite3_finalize(st);
	return rc;
}

static bool mode_valid(const char *m)
{
	return strcmp(m, "initial") == 0 || strcmp(m, "periodic") == 0 ||
	       strcmp(m, "after-repair") == 0;
}

int cal_db_run_begin(int64_t *run_id, struct cal_db *db, const struct cal_run *in,
		     const char *procedure_text)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char sha[65], mode[sizeof(in->mode)], instr[sizeof(in->instrument_id)], now[24];
	char activity[sizeof(in->activity)];
	sqlite3_stmt *st = NULL;
	bool own = false, in_tx = false, found;
	size_t given;
	int rc;

	if (run_id)
		*run_id = 0;
	if (!run_id || !db || !in || !procedure_text)
		return cal_error_set(CAL_ERR_ARG, "run: bad arguments");
	db_strlcpy(instr, sizeof(instr), in->instrument_id);
	db_strlcpy(mode, sizeof(mode), in->mode);
	if (!instr[0])
		return cal_error_set(CAL_ERR_ARG, "run: instrument id is empty");
	if (!db_field_set(in->procedure_id, sizeof(in->procedure_id)))
		return cal_error_set(CAL_ERR_ARG, "run: procedure id is empty");
	if (!procedure_text[0])
		return cal_error_set(CAL_ERR_ARG, "run: procedure text is empty");
	if (!mode_valid(mode))
		return cal_error_set(CAL_ERR_ARG,
				     "run: mode '%s' is not initial, periodic or after-repair",
				     mode);
	if (in->pid < 0)
		return cal_error_set(CAL_ERR_ARG, "run: pid %d is negative", in->pid);
	db_strlcpy(activity, sizeof(activity), in->activity);
	if (!activity[0])
		db_strlcpy(activity, sizeof(activity), "verification");
	if (strcmp(activity, "verification") != 0 && strcmp(activity, "calibration") != 0)
		return cal_error_set(CAL_ERR_ARG,
				     "run: activity '%s' is not verification or calibration",
				     activity);
	if (in->batch < 0 && in->batch != CAL_RUN_BATCH_NEW)
		return cal_error_set(CAL_ERR_ARG, "run: batch %lld is negative",
				     (long long)in->batch);

	if (in->cond.has_temperature &&
	    !(isfinite(in->cond.temperature_c) && in->cond.temperature_c > -40 &&
	      in->cond.temperature_c < 80))
		return cal_error_set(CAL_ERR_ARG, "run: ambient temperature %g °C is not plausible",
				     in->cond.temperature_c);
	if (in->cond.has_humidity && !(isfinite(in->cond.humidity_pct) &&
				       in->cond.humidity_pct >= 0 && in->cond.humidity_pct <= 100))
		return cal_error_set(CAL_ERR_ARG, "run: relative humidity %g %% is not 0..100",
				     in->cond.humidity_pct);
	if (db_text_check("run of", instr, (int)strlen(instr), "the location", in->cond.location,
			  sizeof(in->cond.location)) ||
	    db_text_check("run of", instr, (int)strlen(instr), "checked by", in->cond.checked_by,
			  sizeof(in->cond.checked_by)) ||
	    db_text_check("run of", instr, (int)strlen(instr), "the sticker", in->cond.sticker_no,
			  sizeof(in->cond.sticker_no)) ||
	    db_text_check("run of", instr, (int)strlen(instr), "the operator", in->operator_name,
			  sizeof(in->operator_name)))
		return CAL_ERR_ARG;
	if (db_field_set(in->cond.received_date, sizeof(in->cond.received_date))) {
		struct cal_date d;
		char buf[sizeof(in->cond.received_date) + 1];

		db_strlcpy(buf, sizeof(buf), in->cond.received_date);
		if (cal_date_parse(&d, buf))
			return cal_error_set(CAL_ERR_ARG,
					     "run: received date '%s' is not YYYY-MM-DD", buf);
	}

	/* The stored hash is always the hash of the stored text. */
	crypto_hash_sha256(hash, (const unsigned char *)procedure_text, strlen(procedure_text));
	sodium_bin2hex(sha, sizeof(sha), hash, sizeof(hash));
	given = db_field_len(in->procedure_sha256, sizeof(in->procedure_sha256));
	if (given && (given != 64 || strncasecmp(in->procedure_sha256, sha, 64) != 0))
		return cal_error_set(
			CAL_ERR_ARG,
			"run: procedure sha256 '%.*s' is not the hash of its text (%s)", (int)given,
			in->procedure_sha256, sha);

	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	in_tx = true;
	rc = row_exists(&found, db, "SELECT 1 FROM instruments WHERE id = ?1", instr);
	if (rc)
		goto out;
	if (!found) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no instrument '%s'", instr);
		goto out;
	}
	db_now_iso(now, sizeof(now));
	rc = db_prepare(
		&st, db,
		"INSERT INTO runs(instrument_id, procedure_id, procedure_title, method, "
		"procedure_sha256, procedure_path, procedure_text, bench_path, device_id, "
		"mode, operator_name, status, started_at, pid, dut_model, dut_serial, activity, "
		"batch, dut_device_id, location, received_date, temperature_c, humidity_pct, "
		"checked_by, sticker_no) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'running', ?12, ?13, "
		"?14, ?15, ?16, "
		/* a new batch is numbered by its first run: the id this row gets */
		"CASE WHEN ?17 = -1 THEN max(coalesce((SELECT seq FROM sqlite_sequence "
		"WHERE name = 'runs'), 0), coalesce((SELECT max(id) FROM runs), 0)) + 1 "
		"ELSE ?17 END, ?18, ?19, ?20, ?21, ?22, ?23, ?24)");
	if (rc)
		goto out;
	db_bind_str(st, 1, instr);
	DB_BIND_FIELD(st, 2, in->procedure_id);
	DB_BIND_FIELD(st, 3, in->procedure_title);
	DB_BIND_FIELD(st, 4, in->method);
	db_bind_str(st, 5, sha);
	DB_BIND_FIELD(st, 6, in->procedure_path);
	db_bind_str(st, 7, procedure_text);
	DB_BIND_FIELD(st, 8, in->bench_path);
	DB_BIND_FIELD(st, 9, in->device_id);
	db_bind_str(st, 10, mode);
	DB_BIND_FIELD(st, 11, in->operator_name);
	db_bind_str(st, 12, now);
	sqlite3_bind_int(st, 13, in->pid);
	DB_BIND_FIELD(st, 14, in->dut_model);
	DB_BIND_FIELD(st, 15, in->dut_serial);
	db_bind_str(st, 16, activity);
	if (in->batch != 0)
		sqlite3_bind_int64(st, 17, in->batch);
	else
		sqlite3_bind_null(st, 17);
	DB_BIND_FIELD(st, 18, in->dut_device_id);
	DB_BIND_FIELD(st, 19, in->cond.location);
	DB_BIND_FIELD(st, 20, in->cond.received_date);
	if (in->cond.has_temperature)
		sqlite3_bind_double(st, 21, in->cond.temperature_c);
	else
		sqlite3_bind_null(st, 21);
	if (in->cond.has_humidity)
		sqlite3_bind_double(st, 22, in->cond.humidity_pct);
	else
		sqlite3_bind_null(st, 22);
	DB_BIND_FIELD(st, 23, in->cond.checked_by);
	DB_BIND_FIELD(st, 24, in->cond.sticker_no);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, "run");
		goto out;
	}
	*run_id = sqlite3_last_insert_rowid(db->h);
	if (in->batch == CAL_RUN_BATCH_NEW) {
		struct cal_run chk;

		rc = cal_db_run_get(&chk, db, *run_id);
		if (rc == CAL_OK && chk.batch != *run_id)
			rc = cal_error_set(CAL_ERR_DB, "run %lld: its batch number came out %lld",
					   (long long)*run_id, (long long)chk.batch);
	}
out:
	sqlite3_finalize(st);
	if (in_tx)
		rc = db_tx_end(db, own, rc);
	if (rc)
		*run_id = 0;
	return rc;
}

int cal_db_run_get(struct cal_run *out, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	if (out)
		memset(out, 0, sizeof(*out));
	if (!out || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run: bad arguments");
	rc = db_prepare_cached(&st, db, "SELECT " RUN_COLS " FROM runs WHERE id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = run_from_row(out, st);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no run %lld", (long long)run_id);
	else
		rc = db_fail(db, "run");
out:
	db_finish(db, st);
	if (rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int cal_db_run_procedure_text(char **out, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc, step, len;

	if (out)
		*out = NULL;
	if (!out || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run: bad arguments");
	rc = db_prepare(&st, db, "SELECT procedure_text FROM runs WHERE id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no run %lld", (long long)run_id);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(db, "run");
		goto out;
	}
	t = sqlite3_column_text(st, 0);
	len = sqlite3_column_bytes(st, 0);
	*out = malloc((size_t)len + 1);
	if (!*out) {
		rc = cal_error_set(CAL_ERR_NOMEM, "out of memory for a procedure of %d bytes", len);
		goto out;
	}
	if (len)
		memcpy(*out, t, (size_t)len);
	(*out)[len] = '\0';
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_run_add_standard(struct cal_db *db, int64_t run_id, const char *standard_id)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	bool own = false, in_tx = false, found;
	int rc;

	if (!db || run_id <= 0 || !standard_id || !standard_id[0])
		return cal_error_set(CAL_ERR_ARG, "run standard: bad arguments");
	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	in_tx = true;
	rc = run_status(&status, db, run_id);
	if (rc)
		goto out;
	rc = row_exists(&found, db, "SELECT 1 FROM standards WHERE id = ?1", standard_id);
	if (rc)
		goto out;
	if (!found) {
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no standard '%s'", standard_id);
		goto out;
	}
	rc = db_prepare(&st, db,
			"INSERT INTO run_standards(run_id, standard_id, kind, weight_class, "
			"nominal_kg, correction_kg, u_kg, k, cert_no, due_date, description) "
			"SELECT ?1, id, kind, weight_class, nominal_kg, correction_kg, u_kg, k, "
			"cert_no, due_date, description FROM standards WHERE id = ?2 "
			"ON CONFLICT(run_id, standard_id) DO NOTHING");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	db_bind_str(st, 2, standard_id);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, "run standard");
out:
	sqlite3_finalize(st);
	if (in_tx)
		rc = db_tx_end(db, own, rc);
	return rc;
}

int cal_db_run_batch(struct cal_run **out, size_t *n, struct cal_db *db, int64_t batch)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || batch <= 0)
		return cal_error_set(CAL_ERR_ARG, "run batch: bad arguments");
	rc = db_prepare(&st, db, "SELECT " RUN_COLS " FROM runs WHERE batch = ?1 ORDER BY id");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, batch);
	return run_rows(out, n, db, st, "run batch");
}

/*
 * Move run @run_id from one of the states in @from (bit 1 << status) with
 * @sql, which takes ?1 = run id, ?2 = text, ?3 = integer, ?4 = now.
 * @verb names the operation in messages.
 */
static int run_transition(struct cal_db *db, int64_t run_id, unsigned from, const char *sql,
			  const char *text, int64_t num, const char *verb)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	bool own = false;
	char now[24];
	int rc;

	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	rc = run_status(&status, db, run_id);
	if (rc)
		goto out;
	if (!(from & (1u << status))) {
		rc = cal_error_set(CAL_ERR_STATE, "run %lld is %s: cannot %s it", (long long)run_id,
				   cal_run_status_name(status), verb);
		goto out;
	}
	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db, sql);
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	db_bind_str(st, 2, text);
	sqlite3_bind_int64(st, 3, num);
	db_bind_str(st, 4, now);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = db_fail(db, verb);
out:
	sqlite3_finalize(st);
	return db_tx_end(db, own, rc);
}

int cal_db_run_interrupt(struct cal_db *db, int64_t run_id, const char *reason)
{
	if (!db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run interrupt: bad arguments");
	return run_transition(db, run_id, 1u << CAL_RUN_RUNNING,
			      "UPDATE runs SET status = 'interrupted', status_reason = ?2 "
			      "WHERE id = ?1",
			      reason, 0, "interrupt");
}

int cal_db_run_resume(struct cal_db *db, int64_t run_id, int pid)
{
	if (!db || run_id <= 0 || pid < 0)
		return cal_error_set(CAL_ERR_ARG, "run resume: bad arguments");
	return run_transition(db, run_id, 1u << CAL_RUN_INTERRUPTED,
			      "UPDATE runs SET status = 'running', pid = ?3 WHERE id = ?1", NULL,
			      pid, "resume");
}

int cal_db_run_abort(struct cal_db *db, int64_t run_id, const char *reason)
{
	if (!db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run abort: bad arguments");
	return run_transition(db, run_id, (1u << CAL_RUN_RUNNING) | (1u << CAL_RUN_INTERRUPTED),
			      "UPDATE runs SET status = 'aborted', status_reason = ?2, "
			      "fail_reason = ?2, finished_at = ?4 WHERE id = ?1",
			      reason, 0, "abort");
}

int cal_db_runs_recover(struct cal_db *db, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int64_t *dead = NULL, *p;
	size_t cap = 0, cnt = 0;
	bool own = false;
	int rc, step;

	if (n)
		*n = 0;
	if (!db || !n)
		return cal_error_set(CAL_ERR_ARG, "runs recover: bad arguments");
	rc = db_tx_begin(db, &own);
	if (rc)
		return rc;
	rc = db_prepare(&st, db, "SELECT id, pid FROM runs WHERE status = 'running' ORDER BY id");
	if (rc)
		goto out;
	/* Collect first: the table is not changed under an open cursor. */
	for (;;) {
		step = sqlite3_step(st);
		if (step != SQLITE_ROW)
			break;
		if (db_pid_alive(sqlite3_column_int64(st, 1)))
			continue;
		p = db_grow(dead, &cap, cnt, sizeof(*dead));
		if (!p) {
			rc = CAL_ERR_NOMEM;
			goto out;
		}
		dead = p;
		dead[cnt++] = sqlite3_column_int64(st, 0);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(db, "runs recover");
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = db_prepare(&st, db,
			"UPDATE runs SET status = 'interrupted', "
			"status_reason = 'process ' || pid || ' is gone (found at start-up)' "
			"WHERE id = ?1 AND status = 'running'");
	if (rc)
		goto out;
	for (size_t i = 0; i < cnt; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, dead[i]);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = db_fail(db, "runs recover");
			goto out;
		}
	}
out:
	sqlite3_finalize(st);
	free(dead);
	rc = db_tx_end(db, own, rc);
	if (rc == CAL_OK)
		*n = cnt;
	return rc;
}

int cal_db_run_list(struct cal_run **out, size_t *n, struct cal_db *db, const char *instrument_id)
{
	sqlite3_stmt *st = NULL;
	bool found;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || !instrument_id)
		return cal_error_set(CAL_ERR_ARG, "run list: bad arguments");
	if (instrument_id[0]) {
		rc = row_exists(&found, db, "SELECT 1 FROM instruments WHERE id = ?1",
				instrument_id);
		if (rc)
			return rc;
		if (!found)
			return cal_error_set(CAL_ERR_NOTFOUND, "no instrument '%s'", instrument_id);
	}
	rc = db_prepare(&st, db,
			"SELECT " RUN_COLS " FROM runs WHERE ?1 = '' OR instrument_id = ?1 "
			"ORDER BY id DESC");
	if (rc)
		return rc;
	db_bind_str(st, 1, instrument_id);
	return run_rows(out, n, db, st, "run list");
}

/* ---- readings ------------------------------------------------------------- */

static bool source_valid(const char *s)
{
	return strcmp(s, "operator") == 0 || (strncmp(s, "device:", 7) == 0 && s[7] != '\0');
}

int cal_db_reading_add(int64_t *reading_id, struct cal_db *db, int64_t run_id, int point_seq,
		       const char *source, const struct cal_reading *rd)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	const char *unit;
	char now[24];
	int rc;

	if (reading_id)
		*reading_id = 0;
	if (!db || run_id <= 0 || point_seq < 0 || !source || !rd)
		return cal_error_set(CAL_ERR_ARG, "reading: bad arguments");
	if (!source_valid(source))
		return cal_error_set(CAL_ERR_ARG,
				     "reading: source '%s' is not 'operator' or 'device:<id>'",
				     source);
	unit = cal_unit_symbol(rd->unit);
	if (rd->unit != CAL_UNIT_NONE && !unit[0])
		return cal_error_set(CAL_ERR_ARG, "reading: unknown unit %d", (int)rd->unit);
	if (rd->decimals < 0 || rd->decimals > MAX_DECIMALS)
		return cal_error_set(CAL_ERR_ARG, "reading: %d decimals is not in 0..%d",
				     rd->decimals, MAX_DECIMALS);
	/* For the message; the trigger refuses a closed run in any case. */
	rc = run_status(&status, db, run_id);
	if (rc)
		return rc;

	db_now_iso(now, sizeof(now));
	rc = db_prepare(&st, db,
			"INSERT INTO readings(run_id, point_seq, source, raw, value, unit, "
			"value_si, decimals, stable, flags, t_utc, t_mono_ms) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, point_seq);
	db_bind_str(st, 3, source);
	DB_BIND_FIELD(st, 4, rd->raw);
	db_bind_real(st, 5, rd->value);
	db_bind_str(st, 6, unit);
	db_bind_real(st, 7, rd->value_si);
	sqlite3_bind_int(st, 8, rd->decimals);
	sqlite3_bind_int(st, 9, (rd->flags & CAL_RD_STABLE) ? 1 : 0);
	sqlite3_bind_int64(st, 10, (int64_t)rd->flags);
	db_bind_str(st, 11, now);
	sqlite3_bind_int64(st, 12, rd->t_mono_ms);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = db_fail(db, "reading");
		cal_error_prefix(rc, "run %lld (%s): ", (long long)run_id,
				 cal_run_status_name(status));
		goto out;
	}
	if (reading_id)
		*reading_id = sqlite3_last_insert_rowid(db->h);
out:
	sqlite3_finalize(st);
	return rc;
}

static int reading_row(void *elem, sqlite3_stmt *st)
{
	struct cal_db_reading *o = elem;
	char unit[16];

	o->id = sqlite3_column_int64(st, 0);
	o->point_seq = sqlite3_column_int(st, 1);
	db_col_text(o->source, sizeof(o->source), st, 2);
	db_col_text(o->rd.raw, sizeof(o->rd.raw), st, 3);
	o->rd.value = db_col_real(st, 4);
	db_col_text(unit, sizeof(unit), st, 5);
	if (cal_unit_parse(&o->rd.unit, unit))
		o->rd.unit = CAL_UNIT_NONE;
	o->rd.value_si = db_col_real(st, 6);
	o->rd.decimals = sqlite3_column_int(st, 7);
	o->rd.flags = (unsigned)sqlite3_column_int(st, 9);
	o->rd.t_mono_ms = sqlite3_column_int64(st, 10);
	return CAL_OK;
}

int cal_db_reading_list(struct cal_db_reading **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "reading list: bad arguments");
	rc = db_prepare(&st, db,
			"SELECT id, point_seq, source, raw, value, unit, value_si, decimals, "
			"stable, flags, t_mono_ms FROM readings WHERE run_id = ?1 ORDER BY id");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	return db_collect((void **)out, n, sizeof(**out), db, st, reading_row, "reading list");
}

int cal_db_reading_count(int *n, struct cal_db *db, int64_t run_id)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	int rc;

	if (n)
		*n = 0;
	if (!n || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "reading count: bad arguments");
	rc = run_status(&status, db, run_id);
	if (rc)
		return rc;
	rc = db_prepare(&st, db, "SELECT count(*) FROM readings WHERE run_id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*n = sqlite3_column_int(st, 0);
	else
		rc = db_fail(db, "reading count");
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- results -------------------------------------------------------------- */

static int result_check(const struct cal_result *r)
{
	char verdict[sizeof(r->verdict)];

	db_strlcpy(verdict, sizeof(verdict), r->verdict);
	if (r->seq < 1)
		return cal_error_set(CAL_ERR_ARG, "result: seq %d is not >= 1", r->seq);
	if (!db_field_set(r->test, sizeof(r->test)))
		return cal_error_set(CAL_ERR_ARG, "result %d: test is empty", r->seq);
	if (strcmp(verdict, "PASS") != 0 && strcmp(verdict, "FAIL") != 0)
		return cal_error_set(CAL_ERR_ARG, "result %d: verdict '%s' is not PASS or FAIL",
				     r->seq, verdict);
	if (!isfinite(r->error) || !isfinite(r->mpe))
		return cal_error_set(CAL_ERR_ARG, "result %d: error and MPE must be numbers",
				     r->seq);
	if (r->decimals < 0 || r->decimals > MAX_DECIMALS)
		return cal_error_set(CAL_ERR_ARG, "result %d: %d decimals is not in 0..%d", r->seq,
				     r->decimals, MAX_DECIMALS);
	if (r->reading_id < 0 || r->ref_reading_id < 0)
		return cal_error_set(CAL_ERR_ARG, "result %d: reading id is negative", r->seq);
	if (r->k > 0 && !(isfinite(r->u) && r->u >= 0))
		return cal_error_set(CAL_ERR_ARG, "result %d: U must be a number >= 0", r->seq);
	return CAL_OK;
}

int cal_db_result_add(struct cal_db *db, int64_t run_id, const struct cal_result *r)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	int rc;

	if (!db || run_id <= 0 || !r)
		return cal_error_set(CAL_ERR_ARG, "result: bad arguments");
	rc = result_check(r);
	if (rc)
		return rc;
	rc = run_status(&status, db, run_id);
	if (rc)
		return rc;
	rc = db_prepare(
		&st, db,
		"INSERT INTO results(run_id, seq, test, label, unit, load, ref, indication, "
		"decimals, error, mpe, verdict, weights, reading_id, u, k, nu_eff, ref_reading_id) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
		"?17, ?18)");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	sqlite3_bind_int(st, 2, r->seq);
	DB_BIND_FIELD(st, 3, r->test);
	DB_BIND_FIELD(st, 4, r->label);
	DB_BIND_FIELD(st, 5, r->unit);
	db_bind_real(st, 6, r->load);
	db_bind_real(st, 7, r->ref);
	db_bind_real(st, 8, r->indication);
	sqlite3_bind_int(st, 9, r->decimals);
	sqlite3_bind_double(st, 10, r->error);
	sqlite3_bind_double(st, 11, r->mpe);
	DB_BIND_FIELD(st, 12, r->verdict);
	DB_BIND_FIELD(st, 13, r->weights);
	if (r->reading_id > 0)
		sqlite3_bind_int64(st, 14, r->reading_id);
	else
		sqlite3_bind_null(st, 14);
	/* U only for calibrations (k > 0); +inf degrees of freedom are stored as NULL. */
	if (r->k > 0) {
		sqlite3_bind_double(st, 15, r->u);
		sqlite3_bind_double(st, 16, r->k);
		db_bind_real(st, 17, isfinite(r->nu_eff) ? r->nu_eff : NAN);
	}
	if (r->ref_reading_id > 0)
		sqlite3_bind_int64(st, 18, r->ref_reading_id);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_UNIQUE ||
		    (sqlite3_extended_errcode(db->h) == SQLITE_CONSTRAINT_TRIGGER &&
		     strstr(sqlite3_errmsg(db->h), "never replaced"))) {
			rc = cal_error_set(CAL_ERR_STATE,
					   "run %lld: result %d already exists (results are "
					   "immutable)",
					   (long long)run_id, r->seq);
		} else {
			rc = db_fail(db, "result");
			cal_error_prefix(rc, "run %lld (%s): ", (long long)run_id,
					 cal_run_status_name(status));
		}
	}
out:
	sqlite3_finalize(st);
	return rc;
}

static int result_row(void *elem, sqlite3_stmt *st)
{
	struct cal_result *o = elem;

	o->seq = sqlite3_column_int(st, 0);
	db_col_text(o->test, sizeof(o->test), st, 1);
	db_col_text(o->label, sizeof(o->label), st, 2);
	db_col_text(o->unit, sizeof(o->unit), st, 3);
	o->load = db_col_real(st, 4);
	o->ref = db_col_real(st, 5);
	o->indication = db_col_real(st, 6);
	o->decimals = sqlite3_column_int(st, 7);
	o->error = sqlite3_column_double(st, 8);
	o->mpe = sqlite3_column_double(st, 9);
	db_col_text(o->verdict, sizeof(o->verdict), st, 10);
	db_col_text(o->weights, sizeof(o->weights), st, 11);
	o->reading_id = sqlite3_column_int64(st, 12);
	o->u = db_col_real(st, 13);
	o->k = db_col_real(st, 14);
	o->nu_eff = db_col_real(st, 15);
	if (isnan(o->nu_eff) && o->k > 0)
		o->nu_eff = INFINITY;
	o->ref_reading_id = sqlite3_column_int64(st, 16);
	return CAL_OK;
}

int cal_db_result_list(struct cal_result **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	int rc;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "result list: bad arguments");
	rc = run_status(&status, db, run_id);
	if (rc)
		return rc;
	rc = db_prepare(
		&st, db,
		"SELECT seq, test, label, unit, load, ref, indication, decimals, error, mpe, "
		"verdict, weights, reading_id, u, k, nu_eff, ref_reading_id FROM results "
		"WHERE run_id = ?1 ORDER BY seq");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	return db_collect((void **)out, n, sizeof(**out), db, st, result_row, "result list");
}

int cal_db_result_last_seq(int *seq, struct cal_db *db, int64_t run_id)
{
	enum cal_run_status status;
	sqlite3_stmt *st = NULL;
	int rc;

	if (seq)
		*seq = 0;
	if (!seq || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "result last seq: bad arguments");
	rc = run_status(&status, db, run_id);
	if (rc)
		return rc;
	rc = db_prepare(&st, db, "SELECT coalesce(max(seq), 0) FROM results WHERE run_id = ?1");
	if (rc)
		goto out;
	sqlite3_bind_int64(st, 1, run_id);
	if (sqlite3_step(st) == SQLITE_ROW)
		*seq = sqlite3_column_int(st, 0);
	else
		rc = db_fail(db, "result last seq");
out:
	sqlite3_finalize(st);
	return rc;
}

int cal_db_run_events(struct cal_run_event **out, size_t *n, struct cal_db *db, int64_t run_id)
{
	struct cal_run_event *arr = NULL, *p;
	sqlite3_stmt *st = NULL;
	size_t cap = 0, cnt = 0;
	int rc, step;

	if (out)
		*out = NULL;
	if (n)
		*n = 0;
	if (!out || !n || !db || run_id <= 0)
		return cal_error_set(CAL_ERR_ARG, "run events: bad arguments");
	rc = db_prepare(&st, db,
			"SELECT at, status, reason FROM run_events WHERE run_id = ?1 ORDER BY id");
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, run_id);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		p = db_grow(arr, &cap, cnt, sizeof(*arr));
		if (!p) {
			rc = cal_error_set(CAL_ERR_NOMEM, "run events: out of memory");
			goto out;
		}
		arr = p;
		memset(&arr[cnt], 0, sizeof(arr[cnt]));
		db_col_text(arr[cnt].at, sizeof(arr[cnt].at), st, 0);
		db_col_text(arr[cnt].status, sizeof(arr[cnt].status), st, 1);
		db_col_text(arr[cnt].reason, sizeof(arr[cnt].reason), st, 2);
		cnt++;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(db, "run events");
out:
	sqlite3_finalize(st);
	if (rc) {
		free(arr);
		return rc;
	}
	*out = arr;
	*n = cnt;
	return CAL_OK;
}

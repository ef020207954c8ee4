/*
 * An instrument's history and imported records (schema v6, cal/db.h).
 * The rows are copies made when the event happened (db/schema.c
 * schema_v6); the register's manufacturer, model and serial come from the
 * instrument as it is now (they are frozen once a document is issued).
 */
#include <string.h>

#include "cal/error.h"
#include "db-internal.h"

#define HISTORY_COLUMNS                                                                            \
	"h.id, h.source, coalesce(h.run_id, 0), coalesce(h.import_id, 0), "                        \
	"coalesce(h.import_row, 0), coalesce(m.file_name, ''), coalesce(m.imported_at, ''), "      \
	"h.number, h.instrument_id, h.activity, h.event_date, h.valid_until, h.result, h.mode, "   \
	"h.type, coalesce(i.manufacturer, ''), coalesce(i.model, ''), coalesce(i.serial, ''), "    \
	"h.owner, h.operator, h.procedure_id, h.method, h.revoked "                                \
	"FROM history h LEFT JOIN imports m ON m.id = h.import_id "                                \
	"LEFT JOIN instruments i ON i.id = h.instrument_id "

static int history_row(void *elem, sqlite3_stmt *st)
{
	struct cal_history *h = elem;

	h->id = sqlite3_column_int64(st, 0);
	db_col_text(h->source, sizeof(h->source), st, 1);
	h->run_id = sqlite3_column_int64(st, 2);
	h->import_id = sqlite3_column_int64(st, 3);
	h->import_row = sqlite3_column_int64(st, 4);
	db_col_text(h->import_file, sizeof(h->import_file), st, 5);
	db_col_text(h->imported_at, sizeof(h->imported_at), st, 6);
	db_col_text(h->number, sizeof(h->number), st, 7);
	db_col_text(h->instrument_id, sizeof(h->instrument_id), st, 8);
	db_col_text(h->activity, sizeof(h->activity), st, 9);
	db_col_text(h->event_date, sizeof(h->event_date), st, 10);
	db_col_text(h->valid_until, sizeof(h->valid_until), st, 11);
	db_col_text(h->result, sizeof(h->result), st, 12);
	db_col_text(h->mode, sizeof(h->mode), st, 13);
	db_col_text(h->type, sizeof(h->type), st, 14);
	db_col_text(h->manufacturer, sizeof(h->manufacturer), st, 15);
	db_col_text(h->model, sizeof(h->model), st, 16);
	db_col_text(h->serial, sizeof(h->serial), st, 17);
	db_col_text(h->owner, sizeof(h->owner), st, 18);
	db_col_text(h->operator_name, sizeof(h->operator_name), st, 19);
	db_col_text(h->procedure_id, sizeof(h->procedure_id), st, 20);
	db_col_text(h->method, sizeof(h->method), st, 21);
	h->revoked = sqlite3_column_int(st, 22) != 0;
	return CAL_OK;
}

int cal_db_history_list(struct cal_history **out, size_t *n, struct cal_db *db,
			const char *instrument_id)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = db_prepare(&st, db,
			"SELECT " HISTORY_COLUMNS "WHERE h.instrument_id = ?1 "
			"ORDER BY h.event_date, h.id");
	if (rc)
		return rc;
	if (db_bind_str(st, 1, instrument_id)) {
		rc = db_fail(db, "history");
		sqlite3_finalize(st);
		return rc;
	}
	return db_collect((void **)out, n, sizeof(**out), db, st, history_row, "history");
}

int cal_db_history_imported(struct cal_history *out, struct cal_db *db, const char *number)
{
	sqlite3_stmt *st = NULL;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if (!number || !number[0])
		return cal_error_set(CAL_ERR_NOTFOUND, "no imported record numbered ''");
	rc = db_prepare_cached(&st, db,
			       "SELECT " HISTORY_COLUMNS
			       "WHERE h.number = ?1 COLLATE NOCASE AND h.number <> '' "
			       "AND h.source = 'import' ORDER BY h.number = ?1 DESC LIMIT 1");
	if (rc)
		return rc;
	if (db_bind_str(st, 1, number)) {
		rc = db_fail(db, "imported record");
		goto out;
	}
	step = sqlite3_step(st);
	if (step == SQLITE_ROW)
		rc = history_row(out, st);
	else if (step == SQLITE_DONE)
		rc = cal_error_set(CAL_ERR_NOTFOUND, "no imported record numbered '%s'", number);
	else
		rc = db_fail(db, "imported record");
out:
	db_finish(db, st);
	return rc;
}

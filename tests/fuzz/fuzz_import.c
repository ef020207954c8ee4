/*
 * libFuzzer target for a register brought in (`calbench import --csv`): the
 * CSV reader (common/csv.c) over the input record by record, then the whole
 * import (db/import.c) as a dry run on one in-memory database.
 *
 * Invariants: no crash, no sanitizer report; every field the reader returns
 * is valid UTF-8 without NUL; record lines never go backwards; a dry run
 * leaves the database empty whatever the input; an error names the file.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "cal/csv.h"
#include "cal/db.h"
#include "cal/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t rows_in(struct cal_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_prepare_v2(cal_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cal_db *db;
	struct cal_import_opts o = {
		.file_name = "fuzz.csv", .day_first = true, .dry_run = true, .now_s = 1795000000
	};
	struct cal_import_report r;
	struct cal_csv p;
	long last = 0;
	int rc;

	cal_csv_init(&p, (const char *)data, size, 0);
	while ((rc = cal_csv_next(&p)) == 1) {
		if (p.rec_line < last)
			abort();
		last = p.rec_line;
		for (size_t i = 0; i < p.n_field; i++)
			if (!cal_utf8_valid(p.field[i], strlen(p.field[i])))
				abort();
	}
	cal_csv_free(&p);
	if (!db && cal_db_open(&db, ":memory:") != CAL_OK)
		abort();
	rc = cal_db_import_csv(&r, db, (const char *)data, size, &o);
	if (rc && !strstr(cal_error_last(), "fuzz.csv"))
		abort();
	cal_import_report_free(&r);
	if (rows_in(db, "SELECT count(*) FROM history") != 0 ||
	    rows_in(db, "SELECT count(*) FROM instruments") != 0)
		abort();
	cal_error_clear();
	return 0;
}

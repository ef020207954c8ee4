/* SQLite helpers of the benchmarks (bench_sql.h). */
#include "bench_sql.h"
#include "bench_util.h"

void bench_exec(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		bench_die("%s: %s", sql, err ? err : sqlite3_errmsg(h));
}

sqlite3_stmt *bench_prep(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		bench_die("prepare %s: %s", sql, sqlite3_errmsg(h));
	return st;
}

void bench_step_done(sqlite3 *h, sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		bench_die("%s: %s", what, sqlite3_errmsg(h));
	sqlite3_reset(st);
}

void bench_text(sqlite3_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

long bench_query_long(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = bench_prep(h, sql);
	long n = sqlite3_step(st) == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : -1;

	sqlite3_finalize(st);
	return n;
}

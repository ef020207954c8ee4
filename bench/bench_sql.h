/*
 * SQLite helpers of the benchmarks that make their own databases
 * (bench_serve, bench_stats): each dies with the statement and SQLite's
 * message on failure, since a benchmark has nothing to recover.
 */
#ifndef CAL_BENCH_SQL_H
#define CAL_BENCH_SQL_H

#include <sqlite3.h>

void bench_exec(sqlite3 *h, const char *sql);
sqlite3_stmt *bench_prep(sqlite3 *h, const char *sql);
/* Step @st to SQLITE_DONE and reset it; @what names it in the message. */
void bench_step_done(sqlite3 *h, sqlite3_stmt *st, const char *what);
/* Bind text (copied: SQLITE_TRANSIENT). */
void bench_text(sqlite3_stmt *st, int i, const char *s);
/* The first column of the first row of @sql as a number, -1 when no row. */
long bench_query_long(sqlite3 *h, const char *sql);

#endif

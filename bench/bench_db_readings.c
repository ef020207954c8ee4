/*
 * bench_db_readings: how fast readings are committed to the calbench
 * database, against plain SQLite doing the same work.
 *
 *  cal_db_reading_add   the API as the run engine uses it: one reading, one
 *                       transaction (autocommit), WAL, synchronous=FULL, so
 *                       every reading is on disk when the call returns;
 *  raw sqlite3 (FULL)   baseline: a second database with the same schema
 *                       (made by cal_db_open), opened with sqlite3_open_v2
 *                       and the same pragmas, the same INSERT prepared once
 *                       and stepped in autocommit;
 *  raw sqlite3 (NORMAL) context only: the baseline with synchronous=NORMAL,
 *                       which in WAL mode skips the fsync at each commit
 *                       (not durable across a power cut). It shows what the
 *                       fsync costs on this disk.
 *
 * The pragmas in force are read back from each connection and printed.
 * The files live in a fresh directory under --dir (default $TMPDIR or /tmp),
 * removed at the end; its file system is printed, since the fsync cost is
 * what is measured and differs from disk to disk (tmpfs has none).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/vfs.h>

#include <sqlite3.h>

#include "cal/db.h"
#include "cal/error.h"
#include "cal/units.h"

#include "bench_util.h"

#define SOURCE "device:bal1"

static const char usage[] = "Commit rate of readings: cal_db_reading_add vs raw sqlite3.\n";

static const char *fs_name(const char *dir)
{
	struct statfs s;

	if (statfs(dir, &s) != 0)
		return "?";
	switch ((unsigned long)s.f_type) {
	case 0xEF53:
		return "ext2/3/4";
	case 0x01021994:
		return "tmpfs (no real fsync)";
	case 0x58465342:
		return "xfs";
	case 0x9123683E:
		return "btrfs";
	case 0x794c7630:
		return "overlayfs";
	default:
		return "other";
	}
}

static void reading_fill(struct cal_reading *rd, long i)
{
	double g = 100.0 + (double)(i % 50) * 0.01;

	memset(rd, 0, sizeof(*rd));
	rd->value = g;
	rd->unit = CAL_UNIT_G;
	rd->value_si = g / 1000;
	rd->decimals = 2;
	rd->flags = CAL_RD_STABLE;
	rd->t_mono_ms = 1000 + i * 100;
	snprintf(rd->raw, sizeof(rd->raw), "S S %10.2f g", g);
}

/* A database at @path holding one instrument and one running run. */
static struct cal_db *db_with_run(const char *path, int64_t *run_id)
{
	struct cal_instrument in;
	struct cal_run r;
	struct cal_db *db = NULL;

	if (cal_db_open(&db, path))
		bench_die("cal_db_open %s: %s", path, cal_error_last());
	memset(&in, 0, sizeof(in));
	snprintf(in.id, sizeof(in.id), "BENCH-1");
	snprintf(in.type, sizeof(in.type), "non-automatic weighing instrument");
	snprintf(in.manufacturer, sizeof(in.manufacturer), "Mettler Toledo");
	snprintf(in.model, sizeof(in.model), "XS205");
	snprintf(in.serial, sizeof(in.serial), "B000001");
	snprintf(in.owner, sizeof(in.owner), "bench");
	snprintf(in.accuracy_class, sizeof(in.accuracy_class), "II");
	snprintf(in.unit, sizeof(in.unit), "g");
	in.max = 220;
	in.min = 0.02;
	in.e = 0.001;
	in.d = 0.0001;
	in.interval_months = 12;
	if (cal_db_instrument_add(db, &in))
		bench_die("instrument: %s", cal_error_last());

	memset(&r, 0, sizeof(r));
	snprintf(r.instrument_id, sizeof(r.instrument_id), "BENCH-1");
	snprintf(r.procedure_id, sizeof(r.procedure_id), "bench");
	snprintf(r.procedure_title, sizeof(r.procedure_title), "benchmark");
	snprintf(r.method, sizeof(r.method), "none");
	snprintf(r.procedure_path, sizeof(r.procedure_path), "bench.yaml");
	snprintf(r.device_id, sizeof(r.device_id), "bal1");
	snprintf(r.mode, sizeof(r.mode), "periodic");
	snprintf(r.operator_name, sizeof(r.operator_name), "bench");
	r.pid = (int)getpid();
	if (cal_db_run_begin(run_id, db, &r, "id: bench\n"))
		bench_die("run: %s", cal_error_last());
	return db;
}

static long pragma_int(sqlite3 *h, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long v = -1;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char *sync_name(long v)
{
	static const char *const names[] = { "OFF", "NORMAL", "FULL", "EXTRA" };

	return v >= 0 && v <= 3 ? names[v] : "?";
}

/* "journal_mode=wal synchronous=FULL", read back from the connection. */
static void describe(char *buf, size_t size, sqlite3 *h)
{
	sqlite3_stmt *st = NULL;
	char mode[16] = "?";

	if (sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	snprintf(buf, size, "%s, synchronous=%s", mode,
		 sync_name(pragma_int(h, "PRAGMA synchronous")));
}

/* ---- subject: the calbench API --------------------------------------------- */

static double run_api(struct cal_db *db, int64_t run_id, double seconds, long *count)
{
	struct cal_reading rd;
	double t0 = bench_now(), t;
	long n = 0;

	do {
		reading_fill(&rd, *count + n);
		if (cal_db_reading_add(NULL, db, run_id, (int)(n % 20), SOURCE, &rd))
			bench_die("cal_db_reading_add: %s", cal_error_last());
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	*count += n;
	return (double)n / (t - t0);
}

/* ---- baseline: plain sqlite3 ------------------------------------------------- */

struct raw {
	sqlite3 *h;
	sqlite3_stmt *ins;
	int64_t run_id;
};

static void raw_exec(sqlite3 *h, const char *sql)
{
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		bench_die("%s: %s", sql, sqlite3_errmsg(h));
}

static void raw_open(struct raw *r, const char *path, int64_t run_id, const char *sync)
{
	char sql[64];

	if (sqlite3_open_v2(path, &r->h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		bench_die("sqlite3_open_v2 %s: %s", path, sqlite3_errmsg(r->h));
	sqlite3_busy_timeout(r->h, 5000);
	sqlite3_extended_result_codes(r->h, 1);
	raw_exec(r->h, "PRAGMA journal_mode=WAL");
	snprintf(sql, sizeof(sql), "PRAGMA synchronous=%s", sync);
	raw_exec(r->h, sql);
	raw_exec(r->h, "PRAGMA foreign_keys=ON");
	/* The statement of db/runs.c, prepared once. */
	if (sqlite3_prepare_v2(r->h,
			       "INSERT INTO readings(run_id, point_seq, source, raw, value, unit, "
			       "value_si, decimals, stable, flags, t_utc, t_mono_ms) "
			       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
			       -1, &r->ins, NULL) != SQLITE_OK)
		bench_die("prepare: %s", sqlite3_errmsg(r->h));
	r->run_id = run_id;
}

static void raw_close(struct raw *r)
{
	sqlite3_finalize(r->ins);
	sqlite3_close(r->h);
}

static double run_raw(struct raw *r, double seconds, long *count)
{
	struct cal_reading rd;
	double t0 = bench_now(), t;
	long n = 0;

	do {
		sqlite3_stmt *st = r->ins;

		reading_fill(&rd, *count + n);
		sqlite3_bind_int64(st, 1, r->run_id);
		sqlite3_bind_int(st, 2, (int)(n % 20));
		sqlite3_bind_text(st, 3, SOURCE, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, rd.raw, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 5, rd.value);
		sqlite3_bind_text(st, 6, "g", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 7, rd.value_si);
		sqlite3_bind_int(st, 8, rd.decimals);
		sqlite3_bind_int(st, 9, 1);
		sqlite3_bind_int64(st, 10, (int64_t)rd.flags);
		sqlite3_bind_text(st, 11, "2026-01-01T00:00:00Z", -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 12, rd.t_mono_ms);
		if (sqlite3_step(st) != SQLITE_DONE)
			bench_die("insert: %s", sqlite3_errmsg(r->h));
		sqlite3_reset(st);
		n++;
		t = bench_now();
	} while (t - t0 < seconds);
	*count += n;
	return (double)n / (t - t0);
}

int main(int argc, char **argv)
{
	struct bench_opts o = { .seconds = 2.0, .rounds = 3, .dir = NULL };
	char dir[512], api_path[600], raw_path[600], note_api[64], note_full[64], note_normal[64];
	struct bench_row rows[3] = {
		{ .name = "cal_db_reading_add", .note = note_api },
		{ .name = "raw sqlite3 (baseline)", .note = note_full },
		{ .name = "raw sqlite3, sync=NORMAL", .note = note_normal },
	};
	struct raw full, normal;
	struct cal_db *db;
	int64_t api_run, raw_run;
	long n_api = 0, n_full = 0, n_normal = 0;

	o.dir = bench_tmpdir();
	bench_parse_args(&o, argc, argv, usage);
	bench_mkdtemp(dir, sizeof(dir), o.dir);
	snprintf(api_path, sizeof(api_path), "%s/api.db", dir);
	snprintf(raw_path, sizeof(raw_path), "%s/raw.db", dir);

	db = db_with_run(api_path, &api_run);
	describe(note_api, sizeof(note_api), cal_db_handle(db));
	/* Same schema, instrument and run for the baseline, then plain SQLite. */
	cal_db_close(db_with_run(raw_path, &raw_run));
	raw_open(&full, raw_path, raw_run, "FULL");
	describe(note_full, sizeof(note_full), full.h);
	raw_open(&normal, raw_path, raw_run, "NORMAL");
	describe(note_normal, sizeof(note_normal), normal.h);

	printf("bench_db_readings: one reading per transaction, %d round(s) of %.1f s each\n",
	       o.rounds, o.seconds);
	printf("files: %s (%s), SQLite %s\n", dir, fs_name(dir), sqlite3_libversion());
	for (int i = 0; i < o.rounds; i++) {
		bench_row_push(&rows[0], run_api(db, api_run, o.seconds, &n_api));
		bench_row_push(&rows[1], run_raw(&full, o.seconds, &n_full));
		bench_row_push(&rows[2], run_raw(&normal, o.seconds, &n_normal));
	}
	bench_print_table("readings committed", "readings/s", rows, 3, 1);
	printf("readings written: %ld (api), %ld (raw FULL), %ld (raw NORMAL)\n", n_api, n_full,
	       n_normal);

	{
		int got = 0;

		if (cal_db_reading_count(&got, db, api_run) || got != n_api)
			bench_die("api database holds %d readings, %ld expected", got, n_api);
	}
	cal_db_close(db);
	raw_close(&full);
	raw_close(&normal);
	bench_remove_db(dir, "api.db");
	bench_remove_db(dir, "raw.db");
	rmdir(dir);
	return 0;
}

/*
 * Unit tests for schema v3 of db/ (the pressure bench): the migration of a
 * version-2 file with records in it, calibration runs and their
 * certificates, pressure standards and the snapshot a run keeps of them,
 * settle evidence, the uncertainty of results, the v3 instrument fields and
 * batches of runs; and of schema v4, the water-meter fields of instruments.
 * Each invariant is also attacked with plain SQL.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>
#include <sqlite3.h>

#include "db-internal.h"
#include "cal/clock.h"
#include "cal/db.h"
#include "cal/driver.h"
#include "cal/error.h"

/* 2026-03-15T10:00:00Z */
#define T_2026_03_15 INT64_C(1773568800)

/* sha256 is not checked by the schema, only its shape */
#define SHA64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* ---- helpers ------------------------------------------------------------- */

/* The first column of the first row of printf-formatted SQL; sqlite3_value_free() it. */
static sqlite3_value *q_val(struct cal_db *db, const char *fmt, ...)
{
	sqlite3 *h = cal_db_handle(db);
	sqlite3_stmt *st = NULL;
	sqlite3_value *v;
	char sql[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("cannot prepare '%s': %s", sql, sqlite3_errmsg(h));
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no row from '%s'", sql);
	v = sqlite3_value_dup(sqlite3_column_value(st, 0));
	sqlite3_finalize(st);
	assert_non_null(v);
	return v;
}

static int64_t int_of(sqlite3_value *v)
{
	int64_t i = sqlite3_value_int64(v);

	sqlite3_value_free(v);
	return i;
}

/* NULL reads as NaN. */
static double real_of(sqlite3_value *v)
{
	double d = sqlite3_value_type(v) == SQLITE_NULL ? NAN : sqlite3_value_double(v);

	sqlite3_value_free(v);
	return d;
}

/* Into buf; NULL reads as "(null)". */
static const char *text_of(char *buf, size_t size, sqlite3_value *v)
{
	const unsigned char *t = sqlite3_value_text(v);

	snprintf(buf, size, "%s", t ? (const char *)t : "(null)");
	sqlite3_value_free(v);
	return buf;
}

#define q_int(db, ...) int_of(q_val((db), __VA_ARGS__))
#define q_real(db, ...) real_of(q_val((db), __VA_ARGS__))
#define q_text(buf, size, db, ...) text_of((buf), (size), q_val((db), __VA_ARGS__))

static void exec_ok(sqlite3 *h, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("'%.200s' failed: %s", sql, err ? err : "?");
}

/* Plain SQL that must fail with a message containing @want. */
static void refused(struct cal_db *db, const char *sql, const char *want)
{
	char *err = NULL;

	if (sqlite3_exec(cal_db_handle(db), sql, NULL, NULL, &err) == SQLITE_OK)
		fail_msg("plain SQL was accepted: %s", sql);
	if (!err || !strstr(err, want))
		fail_msg("'%s' failed with '%s', expected '%s'", sql, err ? err : "", want);
	sqlite3_free(err);
}

static struct cal_db *open_db(const char *path)
{
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, path), CAL_OK);
	return db;
}

/* A pressure instrument of @kind, -1..5 bar. */
static void gauge_fill(struct cal_instrument *in, const char *id, const char *kind)
{
	*in = (struct cal_instrument){
		.type = "áp kế lò xo",
		.manufacturer = "WIKA",
		.model = "232.50",
		.owner = "Nhà máy nước Thủ Đức",
		.accuracy_class = "1.0",
		.unit = "bar",
		.scale_lo = -1,
		.max = 5,
		.d = 0.1,
		.interval_months = 12,
	};
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->serial, sizeof(in->serial), "S-%s", id);
	snprintf(in->kind, sizeof(in->kind), "%s", kind);
}

static void add_gauge(struct cal_db *db, const char *id)
{
	struct cal_instrument in;

	gauge_fill(&in, id, "bourdon-gauge");
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
}

/* Begin a run of @instr; @activity "" = the default. */
static int64_t run_start(struct cal_db *db, const char *instr, const char *activity, int64_t batch)
{
	struct cal_run r = {
		.procedure_id = "en837",
		.mode = "periodic",
		.device_id = "pace1",
		.dut_device_id = "dmm1",
		.batch = batch,
	};
	int64_t id = 0;

	snprintf(r.instrument_id, sizeof(r.instrument_id), "%s", instr);
	snprintf(r.activity, sizeof(r.activity), "%s", activity);
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: en837\n"), CAL_OK);
	assert_true(id > 0);
	return id;
}

/* One reading of @bar bar. */
static int64_t add_bar(struct cal_db *db, int64_t run, double bar)
{
	struct cal_reading rd = {
		.value = bar,
		.unit = CAL_UNIT_BAR,
		.value_si = bar * 1e5,
		.decimals = 3,
		.flags = CAL_RD_STABLE,
		.t_mono_ms = 1000,
	};
	int64_t id = 0;

	assert_int_equal(cal_db_reading_add(&id, db, run, 1, "device:pace1", &rd), CAL_OK);
	assert_true(id > 0);
	return id;
}

static void finish(struct cal_cert *c, struct cal_db *db, int64_t run, const char *verdict)
{
	assert_int_equal(cal_db_run_complete(c, db, run, verdict, "E > MPE", T_2026_03_15), CAL_OK);
}

/* A pressure reference -1..21 bar, U = 0.2 mbar + 0.01 % of reading. */
static void pstd_fill(struct cal_pstandard *s, const char *id)
{
	*s = (struct cal_pstandard){
		.manufacturer = "Druck",
		.model = "PACE5000",
		.unit = "bar",
		.range_lo = -1,
		.range_hi = 21,
		.u_abs = 0.0002,
		.u_rel = 0.0001,
		.k = 2,
		.due_date = "2027-05-31",
		.description = "bộ điều khiển áp suất",
	};
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->serial, sizeof(s->serial), "P-%s", id);
	snprintf(s->cert_no, sizeof(s->cert_no), "VMI-%s", id);
}

static void pstd_equal(const struct cal_pstandard *a, const struct cal_pstandard *b)
{
	assert_string_equal(a->id, b->id);
	assert_string_equal(a->manufacturer, b->manufacturer);
	assert_string_equal(a->model, b->model);
	assert_string_equal(a->serial, b->serial);
	assert_string_equal(a->unit, b->unit);
	assert_true(a->range_lo == b->range_lo && a->range_hi == b->range_hi);
	assert_true(a->u_abs == b->u_abs && a->u_rel == b->u_rel && a->k == b->k);
	assert_string_equal(a->cert_no, b->cert_no);
	assert_string_equal(a->due_date, b->due_date);
	assert_string_equal(a->description, b->description);
}

/* ---- temporary file ------------------------------------------------------ */

static int tmp_setup(void **state)
{
	const char *base = getenv("TMPDIR");
	char tmpl[200], *dir;

	snprintf(tmpl, sizeof(tmpl), "%s/test_db_v3.XXXXXX", base && base[0] ? base : "/tmp");
	if (!mkdtemp(tmpl))
		return -1;
	/* the directory, then the database path after its NUL */
	dir = calloc(1, 512);
	if (!dir)
		return -1;
	snprintf(dir, 256, "%s", tmpl);
	snprintf(dir + 256, 256, "%s/calbench.db", tmpl);
	*state = dir;
	return 0;
}

static int tmp_teardown(void **state)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char *dir = *state, p[300];

	for (size_t i = 0; i < ARRAY_SIZE(suffix); i++) {
		snprintf(p, sizeof(p), "%s%s", dir + 256, suffix[i]);
		unlink(p);
	}
	rmdir(dir);
	free(dir);
	return 0;
}

/* ---- 1. migration from version 2, with records ---------------------------- */

/*
 * A version-2 file as calbench 2 left it: an instrument, a weight used by
 * runs, run 1 PASS (certificate revoked since), run 2 PASS, run 3 FAIL
 * (failure record), run 4 still running with a reading and a result.
 */
static void make_v2(const char *path)
{
	static const char data[] =
		"INSERT INTO settings VALUES ('lab.name', 'Trung tâm Kiểm định');\n"
		"INSERT INTO instruments(id, type, serial, unit, max, min, e, d, "
		" interval_months, created_at) VALUES ('OLD-1', 'cân kỹ thuật', 'SN1', 'g', "
		" 220, 0.02, 0.001, 0.0001, 12, '2025-01-01T00:00:00Z');\n"
		"INSERT INTO standards(id, kind, weight_class, nominal_kg, u_kg, created_at) "
		" VALUES ('W1', 'weight', 'F1', 0.1, 2e-6, '2025-01-01T00:00:00Z');\n"
		"INSERT INTO number_seq VALUES (2025, 3);\n";
	static const char run_sql[] =
		"INSERT INTO runs(instrument_id, procedure_id, procedure_sha256, procedure_text, "
		" mode, status, started_at) VALUES ('OLD-1', 'dlvn-16', '" SHA64 "', 'id: x', "
		" 'periodic', 'running', '2025-02-0%1$dT08:00:00Z');\n"
		"INSERT INTO run_standards(run_id, standard_id, kind, weight_class, nominal_kg, "
		" correction_kg, u_kg, k, cert_no, due_date, description) VALUES (%1$d, 'W1', "
		" 'weight', 'F1', 0.1, 0, 2e-6, 2, 'HC-1', '2026-01-01', '');\n"
		"INSERT INTO readings(run_id, point_seq, source, raw, value, unit, value_si, "
		" decimals, stable, flags, t_utc, t_mono_ms) VALUES (%1$d, 1, 'device:bal1', "
		" 'S S 100.0001 g', 100.0001, 'g', 0.1000001, 4, 1, 1, "
		" '2025-02-0%1$dT08:01:00Z', 1000);\n"
		"INSERT INTO results(run_id, seq, test, unit, load, ref, indication, decimals, "
		" error, mpe, verdict, reading_id) VALUES (%1$d, 1, 'weighing', 'g', 100, 100, "
		" 100.0001, 4, 0.0001, 0.001, 'PASS', last_insert_rowid());\n";
	static const char cert_sql[] =
		"INSERT INTO certificates(number, kind, run_id, instrument_id, issued_at, "
		" issue_date, valid_until, year, seq, lab_name, lab_address) VALUES "
		" ('CB-2025-00000%1$d', '%2$s', %1$d, 'OLD-1', '2025-02-0%1$dT09:00:00Z', "
		" '2025-02-0%1$d', '%3$s', 2025, %1$d, 'Trung tâm Kiểm định', 'Hà Nội');\n"
		"UPDATE runs SET status = 'completed', verdict = '%4$s', finished_at = "
		" '2025-02-0%1$dT09:00:00Z' WHERE id = %1$d;\n";
	sqlite3 *h = NULL;
	char sql[2048];

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	exec_ok(h, "BEGIN");
	exec_ok(h, cal_db_migrations[0]);
	exec_ok(h, cal_db_migrations[1]);
	exec_ok(h, "PRAGMA user_version = 2; COMMIT; PRAGMA foreign_keys = ON");
	exec_ok(h, data);
	for (int run = 1; run <= 4; run++) {
		snprintf(sql, sizeof(sql), run_sql, run);
		exec_ok(h, sql);
	}
	snprintf(sql, sizeof(sql), cert_sql, 1, "verification", "2026-02-01", "PASS");
	exec_ok(h, sql);
	snprintf(sql, sizeof(sql), cert_sql, 2, "verification", "2026-02-02", "PASS");
	exec_ok(h, sql);
	snprintf(sql, sizeof(sql), cert_sql, 3, "failure", "", "FAIL");
	exec_ok(h, sql);
	exec_ok(h, "INSERT INTO certificate_revocations VALUES ('CB-2025-000001', "
		   "'2025-03-01T00:00:00Z', 'sai chủ sở hữu')");
	sqlite3_close(h);
}

/* Every schema object (type, name, SQL), in name order. */
static const char *schema_text(char *buf, size_t size, struct cal_db *db)
{
	return q_text(buf, size, db,
		      "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), "
		      "char(10)) FROM (SELECT * FROM sqlite_schema ORDER BY name)");
}

static void test_migrate_v2_with_records(void **state)
{
	const char *path = (const char *)*state + 256;
	static char fresh[1 << 18], migrated[1 << 18];
	struct cal_db *db;
	struct cal_verify v;
	struct cal_cert c;
	struct cal_run r;
	struct cal_result *res = NULL;
	struct cal_standard *ws = NULL;
	struct cal_instrument in;
	struct cal_date today = { 2025, 6, 1 };
	char buf[64];
	size_t n = 0;

	make_v2(path);
	db = open_db(path);
	/* migrated through v3 to the current version */
	assert_int_equal(q_int(db, "PRAGMA user_version"), CAL_DB_SCHEMA_VERSION);
	assert_int_equal(q_int(db, "PRAGMA application_id"), 0x43414C42);

	/* The documents, field by field. */
	assert_int_equal(cal_db_cert_get(&c, db, "CB-2025-000001"), CAL_OK);
	assert_int_equal(c.kind, CAL_CERT_VERIFICATION);
	assert_int_equal(c.run_id, 1);
	assert_string_equal(c.instrument_id, "OLD-1");
	assert_string_equal(c.issued_at, "2025-02-01T09:00:00Z");
	assert_string_equal(c.issue_date, "2025-02-01");
	assert_string_equal(c.valid_until, "2026-02-01");
	assert_string_equal(c.lab_name, "Trung tâm Kiểm định");
	assert_string_equal(c.lab_address, "Hà Nội");
	assert_true(c.revoked);
	assert_string_equal(c.revoked_at, "2025-03-01T00:00:00Z");
	assert_string_equal(c.revoke_reason, "sai chủ sở hữu");
	assert_int_equal(cal_db_verify(&v, db, "CB-2025-000001", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_REVOKED);
	/* The order of issue survives the rebuild: 2 is superseded by the failure 3. */
	assert_int_equal(cal_db_verify(&v, db, "CB-2025-000002", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_SUPERSEDED);
	assert_string_equal(v.superseded_by.number, "CB-2025-000003");
	assert_int_equal(cal_db_verify(&v, db, "CB-2025-000003", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_FAIL_RECORD);
	assert_int_equal(v.cert.kind, CAL_CERT_FAILURE);

	/* v6: the history backfilled from the documents, the revoked one marked */
	assert_int_equal(q_int(db, "SELECT count(*) FROM history WHERE source = 'run'"), 3);
	assert_int_equal(q_int(db, "SELECT revoked FROM history WHERE number = 'CB-2025-000001'"),
			 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history WHERE revoked = 0 AND "
				   "((number = 'CB-2025-000002' AND result = 'pass') OR "
				   "(number = 'CB-2025-000003' AND result = 'fail'))"),
			 2);
	{
		struct cal_stats_query q = { 0 };
		struct cal_stats s;

		assert_int_equal(cal_db_stats(&s, db, &q), CAL_OK);
		assert_int_equal(s.total.total, 2);
		assert_int_equal(s.total.pass, 1);
		assert_int_equal(s.total.fail, 1);
		cal_stats_free(&s);
	}

	/* Old rows read with the v3 defaults. */
	assert_int_equal(cal_db_run_get(&r, db, 1), CAL_OK);
	assert_string_equal(r.activity, "verification");
	assert_int_equal(r.batch, 0);
	assert_string_equal(r.dut_device_id, "");
	assert_int_equal(r.status, CAL_RUN_COMPLETED);
	assert_int_equal(cal_db_result_list(&res, &n, db, 1), CAL_OK);
	assert_int_equal(n, 1);
	assert_true(isnan(res[0].u) && isnan(res[0].k) && isnan(res[0].nu_eff));
	assert_int_equal(res[0].ref_reading_id, 0);
	assert_true(res[0].reading_id > 0);
	free(res);
	assert_int_equal(cal_db_run_standards(&ws, &n, db, 2), CAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(ws[0].cert_no, "HC-1");
	free(ws);
	assert_int_equal(cal_db_instrument_get(&in, db, "OLD-1"), CAL_OK);
	assert_string_equal(in.kind, "");
	assert_true(in.scale_lo == 0 && in.mpe_digits == 0);
	assert_true(in.flow_q3 == 0 && in.ratio_r == 0); /* v4 defaults */

	/* Still immutable, and the rebuilt triggers are in force. */
	refused(db, "UPDATE certificates SET lab_name = 'x'", "certificates are immutable");
	refused(db, "UPDATE certificates SET kind = 'calibration'", "certificates are immutable");
	refused(db, "DELETE FROM certificates", "certificates are immutable");
	refused(db, "DELETE FROM certificate_revocations", "immutable");
	refused(db, "UPDATE certificate_revocations SET reason = 'x'", "immutable");
	refused(db, "UPDATE instruments SET owner = 'x' WHERE id = 'OLD-1'",
		"instruments: the register data");
	refused(db,
		"INSERT INTO certificates(number, kind, run_id, instrument_id, issued_at, "
		"issue_date, year, seq) VALUES ('X-1', 'calibration', 4, 'OLD-1', 't', "
		"'2026-01-01', 2026, 99)",
		"a calibration certificate for a calibration");
	refused(db,
		"UPDATE runs SET status = 'completed', verdict = 'PASS', finished_at = 't' "
		"WHERE id = 4",
		"needs the document of its verdict");

	/* Clean, and the same schema as a database created at version 3. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
	assert_string_equal(q_text(buf, sizeof(buf), db, "PRAGMA integrity_check"), "ok");
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_string_equal(buf, "ok");
	assert_true(strlen(schema_text(migrated, sizeof(migrated), db)) + 1 < sizeof(migrated));
	assert_true(strstr(migrated, "'calibration'") != NULL);

	/* The run left running in v2 completes under v3. */
	finish(&c, db, 4, "PASS");
	assert_int_equal(c.kind, CAL_CERT_VERIFICATION);
	assert_string_equal(c.number, "CB-2026-000001");
	assert_string_equal(c.valid_until, "2027-03-15");
	cal_db_close(db);

	/* check_triggers: the migrated file opens again. */
	db = open_db(path);
	assert_int_equal(cal_db_cert_for_run(&c, db, 4), CAL_OK);
	assert_string_equal(c.number, "CB-2026-000001");
	cal_db_close(db);

	db = open_db(":memory:");
	assert_string_equal(schema_text(fresh, sizeof(fresh), db), migrated);
	cal_db_close(db);
}

/* ---- 2. calibration runs ------------------------------------------------- */

static void test_calibration_runs(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_cert c, got;
	struct cal_run r;
	struct cal_verify v;
	struct cal_date today = { 2030, 1, 1 };
	int64_t cal1, cal2, cal3, ver, id = 123;
	char buf[64], sql[512];

	(void)state;
	add_gauge(db, "G1");
	assert_string_equal(cal_cert_kind_name(CAL_CERT_VERIFICATION), "verification");
	assert_string_equal(cal_cert_kind_name(CAL_CERT_FAILURE), "failure");
	assert_string_equal(cal_cert_kind_name(CAL_CERT_CALIBRATION), "calibration");
	assert_string_equal(cal_cert_kind_name((enum cal_cert_kind)9), "?");

	/* PASS and FAIL both give a calibration certificate, without validity. */
	cal1 = run_start(db, "G1", "calibration", 0);
	assert_int_equal(cal_db_run_get(&r, db, cal1), CAL_OK);
	assert_string_equal(r.activity, "calibration");
	assert_string_equal(r.dut_device_id, "dmm1");
	finish(&c, db, cal1, "PASS");
	assert_int_equal(c.kind, CAL_CERT_CALIBRATION);
	assert_string_equal(c.valid_until, "");
	assert_int_equal(cal_db_cert_get(&got, db, c.number), CAL_OK);
	assert_int_equal(got.kind, CAL_CERT_CALIBRATION);
	assert_string_equal(got.valid_until, "");
	snprintf(sql, sizeof(sql), "SELECT kind FROM certificates WHERE run_id = %lld",
		 (long long)cal1);
	assert_string_equal(q_text(buf, sizeof(buf), db, sql), "calibration");
	assert_int_equal(cal_db_verify(&v, db, c.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID); /* no expiry */
	assert_string_equal(v.run.activity, "calibration");

	cal2 = run_start(db, "G1", "calibration", 0);
	finish(&c, db, cal2, "FAIL");
	assert_int_equal(c.kind, CAL_CERT_CALIBRATION);
	assert_string_equal(c.valid_until, "");
	assert_int_equal(cal_db_run_get(&r, db, cal2), CAL_OK);
	assert_string_equal(r.verdict, "FAIL");
	assert_string_equal(r.fail_reason, "E > MPE");

	/* A verification of the same gauge still gets a verification certificate. */
	ver = run_start(db, "G1", "", 0);
	assert_int_equal(cal_db_run_get(&r, db, ver), CAL_OK);
	assert_string_equal(r.activity, "verification");
	cal3 = run_start(db, "G1", "calibration", 0);

	/* Plain SQL: the kind of document must match the activity. */
	snprintf(sql, sizeof(sql),
		 "INSERT INTO certificates(number, kind, run_id, instrument_id, issued_at, "
		 "issue_date, year, seq) VALUES ('X-%lld', 'calibration', %lld, 'G1', 't', "
		 "'2026-01-01', 2030, 1)",
		 (long long)ver, (long long)ver);
	refused(db, sql, "a calibration certificate for a calibration");
	for (int i = 0; i < 2; i++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO certificates(number, kind, run_id, instrument_id, "
			 "issued_at, issue_date, year, seq) VALUES ('X-%lld', '%s', %lld, 'G1', "
			 "'t', '2026-01-01', 2030, 2)",
			 (long long)cal3, i ? "failure" : "verification", (long long)cal3);
		refused(db, sql, "a calibration certificate for a calibration");
	}
	snprintf(sql, sizeof(sql),
		 "UPDATE runs SET status = 'completed', verdict = 'PASS', finished_at = 't' "
		 "WHERE id = %lld",
		 (long long)cal3);
	refused(db, sql, "needs the document of its verdict");

	/* Activity, batch and DUT interface are fixed at the start. */
	snprintf(sql, sizeof(sql), "UPDATE runs SET activity = 'calibration' WHERE id = %lld",
		 (long long)ver);
	refused(db, sql, "immutable in activity and batch");
	snprintf(sql, sizeof(sql), "UPDATE runs SET batch = %lld WHERE id = %lld", (long long)cal3,
		 (long long)ver);
	refused(db, sql, "immutable in activity and batch");
	snprintf(sql, sizeof(sql), "UPDATE runs SET dut_device_id = 'x' WHERE id = %lld",
		 (long long)ver);
	refused(db, sql, "immutable in activity and batch");
	refused(db,
		"INSERT INTO runs(instrument_id, procedure_id, procedure_sha256, procedure_text, "
		"mode, status, started_at, activity) VALUES ('G1', 'p', '" SHA64 "', 't', "
		"'periodic', 'running', 't', 'bogus')",
		"CHECK constraint failed");

	/* The API refuses an unknown activity and a negative batch. */
	assert_int_equal(cal_db_run_get(&r, db, ver), CAL_OK);
	snprintf(r.activity, sizeof(r.activity), "bogus");
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: x\n"), CAL_ERR_ARG);
	assert_true(strstr(cal_error_last(), "bogus") != NULL);
	snprintf(r.activity, sizeof(r.activity), "calibration");
	r.batch = -2;
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: x\n"), CAL_ERR_ARG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 4);

	finish(&c, db, ver, "PASS");
	assert_int_equal(c.kind, CAL_CERT_VERIFICATION);
	assert_string_equal(c.valid_until, "2027-03-15");
	finish(&c, db, cal3, "PASS");
	assert_int_equal(c.kind, CAL_CERT_CALIBRATION);
	cal_db_close(db);
}

/* ---- 3. pressure standards ----------------------------------------------- */

static void pstd_refused(struct cal_db *db, const struct cal_pstandard *s, int want)
{
	assert_int_equal(cal_db_pstandard_add(db, s), want);
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM pressure_standards WHERE id = '%s'", s->id),
		want == CAL_ERR_STATE);
}

static void test_pressure_standards(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_pstandard s, b, got, *list = NULL;
	struct cal_standard w = { .id = "W1", .nominal_kg = 1, .k = 2 };
	struct cal_cert c;
	size_t n = 1;
	int64_t run, run2;

	(void)state;
	pstd_fill(&s, "PACE-1");
	assert_int_equal(cal_db_pstandard_add(db, &s), CAL_OK);
	assert_int_equal(cal_db_pstandard_get(&got, db, "PACE-1"), CAL_OK);
	pstd_equal(&got, &s);
	assert_int_equal(strlen(got.created_at), 20);
	pstd_fill(&b, "A-REF");
	snprintf(b.unit, sizeof(b.unit), "kPa");
	b.u_abs = 0;
	b.range_lo = -100;
	assert_int_equal(cal_db_pstandard_add(db, &b), CAL_OK);
	assert_int_equal(cal_db_pstandard_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, 2);
	pstd_equal(&list[0], &b);
	pstd_equal(&list[1], &s);
	assert_string_equal(list[1].created_at, got.created_at);
	free(list);
	assert_int_equal(cal_db_pstandard_get(&got, db, "NONE"), CAL_ERR_NOTFOUND);

	/* U = u_abs + u_rel * |p| */
	assert_true(fabs(cal_pstandard_U(&s, 0) - 0.0002) < 1e-15);
	assert_true(fabs(cal_pstandard_U(&s, 10) - 0.0012) < 1e-15);
	assert_true(fabs(cal_pstandard_U(&s, -1) - 0.0003) < 1e-15);
	assert_true(fabs(cal_pstandard_U(&b, 20) - 0.002) < 1e-15);

	/* Refusals leave nothing behind. */
	pstd_fill(&b, "BAD");
	snprintf(b.unit, sizeof(b.unit), "kg");
	pstd_refused(db, &b, CAL_ERR_ARG);
	snprintf(b.unit, sizeof(b.unit), "mA");
	pstd_refused(db, &b, CAL_ERR_ARG);
	pstd_fill(&b, "BAD");
	b.range_hi = b.range_lo;
	pstd_refused(db, &b, CAL_ERR_ARG);
	b.range_hi = NAN;
	pstd_refused(db, &b, CAL_ERR_ARG);
	pstd_fill(&b, "BAD");
	b.u_abs = b.u_rel = 0;
	pstd_refused(db, &b, CAL_ERR_ARG);
	b.u_abs = -0.1;
	b.u_rel = 0.001;
	pstd_refused(db, &b, CAL_ERR_ARG);
	pstd_fill(&b, "BAD");
	b.k = 0;
	pstd_refused(db, &b, CAL_ERR_ARG);
	pstd_fill(&b, "BAD");
	snprintf(b.due_date, sizeof(b.due_date), "2027-13-01");
	pstd_refused(db, &b, CAL_ERR_ARG);
	snprintf(b.due_date, sizeof(b.due_date), "31/12/2027");
	pstd_refused(db, &b, CAL_ERR_ARG);
	pstd_fill(&b, "");
	assert_int_equal(cal_db_pstandard_add(db, &b), CAL_ERR_ARG);

	/* One name, one standard: weights and pressure references share ids. */
	pstd_fill(&b, "PACE-1");
	pstd_refused(db, &b, CAL_ERR_STATE);
	assert_int_equal(cal_db_standard_add(db, &w), CAL_OK);
	pstd_fill(&b, "W1");
	assert_int_equal(cal_db_pstandard_add(db, &b), CAL_ERR_STATE);
	assert_int_equal(q_int(db, "SELECT count(*) FROM pressure_standards WHERE id = 'W1'"), 0);
	snprintf(w.id, sizeof(w.id), "PACE-1");
	assert_int_equal(cal_db_standard_add(db, &w), CAL_ERR_STATE);
	assert_int_equal(q_int(db, "SELECT count(*) FROM standards WHERE id = 'PACE-1'"), 0);

	/* The run keeps the reference as it was when used. */
	add_gauge(db, "G1");
	run = run_start(db, "G1", "calibration", 0);
	run2 = run_start(db, "G1", "", 0);
	assert_int_equal(cal_db_run_pstandards(&list, &n, db, run), CAL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cal_db_run_add_pstandard(db, run, "PACE-1"), CAL_OK);
	assert_int_equal(cal_db_run_add_pstandard(db, run, "PACE-1"), CAL_OK); /* idempotent */
	assert_int_equal(cal_db_run_add_pstandard(db, run, "NONE"), CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_run_add_pstandard(db, run, "W1"), CAL_ERR_NOTFOUND);
	assert_int_equal(q_int(db, "SELECT count(*) FROM run_pressure_standards"), 1);
	exec_ok(cal_db_handle(db), "UPDATE pressure_standards SET u_abs = 0.5, u_rel = 0.01, "
				   "cert_no = 'VMI-NEW', due_date = '2028-06-30' "
				   "WHERE id = 'PACE-1'");
	assert_int_equal(cal_db_pstandard_get(&got, db, "PACE-1"), CAL_OK);
	assert_true(got.u_abs == 0.5);
	assert_string_equal(got.cert_no, "VMI-NEW");
	assert_int_equal(cal_db_run_pstandards(&list, &n, db, run), CAL_OK);
	assert_int_equal(n, 1);
	pstd_equal(&list[0], &s);
	free(list);
	/* A run that takes it now takes the new entry. */
	assert_int_equal(cal_db_run_add_pstandard(db, run2, "PACE-1"), CAL_OK);
	assert_int_equal(cal_db_run_pstandards(&list, &n, db, run2), CAL_OK);
	assert_int_equal(n, 1);
	assert_true(list[0].u_abs == 0.5);
	free(list);

	refused(db, "UPDATE run_pressure_standards SET u_abs = 0.0002",
		"run_pressure_standards are immutable");
	refused(db, "DELETE FROM run_pressure_standards", "run_pressure_standards are immutable");
	refused(db, "DELETE FROM pressure_standards WHERE id = 'PACE-1'",
		"a standard used by a run cannot be deleted");

	/* Nothing is added to a completed run (run 1: the plain SQL below). */
	assert_int_equal(run, 1);
	finish(&c, db, run, "PASS");
	assert_int_equal(cal_db_run_add_pstandard(db, run, "A-REF"), CAL_ERR_IMMUTABLE);
	refused(db,
		"INSERT INTO run_pressure_standards SELECT 1, id, manufacturer, model, serial, "
		"unit, range_lo, range_hi, u_abs, u_rel, k, cert_no, due_date, description "
		"FROM pressure_standards WHERE id = 'A-REF'",
		"a completed or aborted run is immutable");
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM run_pressure_standards WHERE run_id = "
			       "%lld",
			       (long long)run),
			 1);
	/* The unused one can go; the used one stays. */
	exec_ok(cal_db_handle(db), "DELETE FROM pressure_standards WHERE id = 'A-REF'");
	assert_int_equal(q_int(db, "SELECT count(*) FROM pressure_standards"), 1);
	cal_db_close(db);
}

/* ---- 4. settle evidence -------------------------------------------------- */

static void test_settle_evidence(void **state)
{
	static const int64_t t[] = { 1000, 1500, 2000 };
	static const double p[] = { 1000000.0000000001 / 3, 333333.33333333337, 1e6 / 3 - 1e-9 };
	struct cal_settle_result *ev = calloc(1, sizeof(*ev));
	struct cal_db *db = open_db(":memory:");
	struct cal_cert c;
	int64_t run, other, ref, ref2, late;
	char rule[192];
	int ns = -1;

	(void)state;
	assert_non_null(ev);
	add_gauge(db, "G1");
	run = run_start(db, "G1", "calibration", 0);
	other = run_start(db, "G1", "", 0);
	ref = add_bar(db, run, 3.33333);
	ref2 = add_bar(db, other, 3.33333);
	snprintf(ev->rule_text, sizeof(ev->rule_text),
		 "|dp/dt| <= 0.0001 bar/s for 1000 ms uninterrupted (timeout 60000 ms)");
	ev->polls = 7;
	ev->held_ms = 1000;
	ev->rate_si = -1.5e-3;
	ev->n_samples = 3;
	for (size_t i = 0; i < 3; i++) {
		ev->samples[i].value_si = p[i];
		ev->samples[i].t_mono_ms = t[i];
		ev->samples[i].flags = i == 1 ? 0 : CAL_RD_STABLE;
	}

	assert_int_equal(cal_db_settle_evidence_get(rule, sizeof(rule), &ns, db, ref),
			 CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref, 333333.0, ev), CAL_OK);
	assert_int_equal(cal_db_settle_evidence_get(rule, sizeof(rule), &ns, db, ref), CAL_OK);
	assert_string_equal(rule, ev->rule_text);
	assert_int_equal(ns, 3);

	/* The samples, to the last bit. */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(q_int(db,
				       "SELECT json_extract(samples, '$[%d][0]') FROM "
				       "settle_evidence WHERE reading_id = %lld",
				       i, (long long)ref),
				 t[i]);
		assert_true(q_real(db,
				   "SELECT json_extract(samples, '$[%d][1]') FROM "
				   "settle_evidence WHERE reading_id = %lld",
				   i, (long long)ref) == p[i]);
		assert_int_equal(q_int(db,
				       "SELECT json_extract(samples, '$[%d][2]') FROM "
				       "settle_evidence WHERE reading_id = %lld",
				       i, (long long)ref),
				 i != 1);
	}
	assert_int_equal(q_int(db,
			       "SELECT json_valid(samples) AND polls = 7 AND held_ms = 1000 "
			       "AND setpoint_si = 333333.0 AND rate_si = -1.5e-3 AND run_id = "
			       "%lld FROM settle_evidence",
			       (long long)run),
			 1);

	/* Only for a reading of the same run, once, and never changed. */
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref2, 333333.0, ev), CAL_ERR_STATE);
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref2 + 99, 333333.0, ev),
			 CAL_ERR_STATE);
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref, 333333.0, ev), CAL_ERR_STATE);
	assert_int_equal(cal_db_settle_evidence_add(db, other, ref2, 333333.0, ev), CAL_OK);
	refused(db, "UPDATE settle_evidence SET rule = 'faster'", "settle evidence is immutable");
	refused(db, "UPDATE settle_evidence SET samples = '[]'", "settle evidence is immutable");
	refused(db, "DELETE FROM settle_evidence", "settle evidence is immutable");
	assert_int_equal(q_int(db, "SELECT count(*) FROM settle_evidence"), 2);

	/* Bad evidence. */
	ev->polls = 0;
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref, 1, ev), CAL_ERR_ARG);
	ev->polls = 1;
	ev->rule_text[0] = '\0';
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref, 1, ev), CAL_ERR_ARG);
	snprintf(ev->rule_text, sizeof(ev->rule_text), "rule");
	ev->n_samples = CAL_SETTLE_MAX_SAMPLES + 1;
	assert_int_equal(cal_db_settle_evidence_add(db, run, ref, 1, ev), CAL_ERR_ARG);
	ev->n_samples = 0;

	/* A completed run takes no more evidence. */
	late = add_bar(db, run, 5);
	finish(&c, db, run, "PASS");
	assert_int_equal(cal_db_settle_evidence_add(db, run, late, 5e5, ev), CAL_ERR_STATE);
	assert_true(strstr(cal_error_last(), "the run is closed") != NULL);
	assert_int_equal(cal_db_settle_evidence_get(rule, sizeof(rule), &ns, db, late),
			 CAL_ERR_NOTFOUND);
	free(ev);
	cal_db_close(db);
}

/* ---- 5. results with uncertainty ----------------------------------------- */

static void result_set(struct cal_result *r, int seq, int64_t rid, double u, double k,
		       double nu_eff, int64_t ref_rid)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	snprintf(r->test, sizeof(r->test), "calibration");
	snprintf(r->label, sizeof(r->label), "up %d", seq);
	snprintf(r->unit, sizeof(r->unit), "bar");
	r->load = r->ref = 2;
	r->indication = 2.01;
	r->decimals = 2;
	r->error = 0.01;
	r->mpe = 0.06;
	snprintf(r->verdict, sizeof(r->verdict), "PASS");
	r->reading_id = rid;
	r->u = u;
	r->k = k;
	r->nu_eff = nu_eff;
	r->ref_reading_id = ref_rid;
}

static void test_results_uncertainty(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_result r, *list = NULL;
	int64_t run, dut, ref;
	size_t n = 0;

	(void)state;
	add_gauge(db, "G1");
	run = run_start(db, "G1", "calibration", 0);
	ref = add_bar(db, run, 2);
	dut = add_bar(db, run, 2.01);

	result_set(&r, 1, dut, 0.0123, 2, INFINITY, ref);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_OK);
	result_set(&r, 2, dut, 0.004, 2.13, 37.5, ref);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_OK);
	/* k = 0: a verification result, no uncertainty stored whatever u says */
	result_set(&r, 3, dut, 0.5, 0, 10, 0);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_OK);
	result_set(&r, 4, dut, NAN, NAN, NAN, 0); /* as the engine fills a verification */
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_OK);

	assert_int_equal(cal_db_result_list(&list, &n, db, run), CAL_OK);
	assert_int_equal(n, 4);
	assert_true(list[0].u == 0.0123 && list[0].k == 2);
	assert_true(isinf(list[0].nu_eff) && list[0].nu_eff > 0);
	assert_int_equal(list[0].ref_reading_id, ref);
	assert_int_equal(list[0].reading_id, dut);
	assert_true(list[1].u == 0.004 && list[1].k == 2.13 && list[1].nu_eff == 37.5);
	assert_int_equal(list[1].ref_reading_id, ref);
	assert_true(isnan(list[2].u) && isnan(list[2].k) && isnan(list[2].nu_eff));
	assert_int_equal(list[2].ref_reading_id, 0);
	assert_true(isnan(list[3].u) && isnan(list[3].k) && isnan(list[3].nu_eff));
	free(list);
	assert_int_equal(q_int(db,
			       "SELECT count(*) FROM results WHERE seq = 1 AND nu_eff IS NULL "
			       "AND ref_reading_id = %lld",
			       (long long)ref),
			 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM results WHERE seq >= 3 AND u IS NULL AND "
				   "k IS NULL AND nu_eff IS NULL AND ref_reading_id IS NULL"),
			 2);

	/* U must be a number >= 0 when k is given; reading ids must exist. */
	result_set(&r, 5, dut, NAN, 2, 10, ref);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_ERR_ARG);
	result_set(&r, 5, dut, -0.1, 2, 10, ref);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_ERR_ARG);
	result_set(&r, 5, dut, INFINITY, 2, 10, ref);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_ERR_ARG);
	result_set(&r, 5, dut, 0.1, 2, 10, -1);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_ERR_ARG);
	result_set(&r, 5, dut, 0.1, 2, 10, ref + 100);
	assert_int_equal(cal_db_result_add(db, run, &r), CAL_ERR_STATE);
	assert_int_equal(q_int(db, "SELECT count(*) FROM results"), 4);
	refused(db, "UPDATE results SET u = 0", "results are immutable");
	cal_db_close(db);
}

/* ---- 6. instruments ------------------------------------------------------- */

static void test_instruments_v3(void **state)
{
	static const char *const kinds[] = { "bourdon-gauge", "digital-gauge", "transmitter",
					     "nawi", "" };
	struct cal_db *db = open_db(":memory:");
	struct cal_instrument in, got, *list = NULL;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++) {
		char id[8];

		snprintf(id, sizeof(id), "I%zu", i);
		gauge_fill(&in, id, kinds[i]);
		in.scale_lo = -1.0 - (double)i;
		in.mpe_pct_reading = 0.05 * (double)i;
		in.mpe_pct_span = 0.1 + (double)i;
		in.mpe_digits = (double)i;
		assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
		assert_int_equal(cal_db_instrument_get(&got, db, id), CAL_OK);
		assert_string_equal(got.kind, kinds[i]);
		assert_true(got.scale_lo == in.scale_lo && got.max == 5);
		assert_true(got.mpe_pct_reading == in.mpe_pct_reading);
		assert_true(got.mpe_pct_span == in.mpe_pct_span);
		assert_true(got.mpe_digits == in.mpe_digits);
		assert_string_equal(got.owner, in.owner);
		assert_int_equal(cal_instrument_is_pressure(&got), i < 3);
	}
	assert_false(cal_instrument_is_pressure(NULL));
	assert_int_equal(cal_db_instrument_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, ARRAY_SIZE(kinds));
	assert_string_equal(list[1].kind, "digital-gauge");
	assert_true(list[1].mpe_pct_reading == 0.05 && list[1].mpe_digits == 1);
	free(list);

	/* Refused: unknown kind, empty or inverted scale, bad MPE terms. */
	gauge_fill(&in, "BAD", "manometer");
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	assert_true(strstr(cal_error_last(), "manometer") != NULL);
	for (int i = 0; i < 3; i++) {
		gauge_fill(&in, "BAD", kinds[i]);
		in.scale_lo = i == 0 ? in.max : i == 1 ? 10 : 0;
		in.max = i == 2 ? 0 : in.max;
		assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
		assert_true(strstr(cal_error_last(), "is not above the lower") != NULL);
	}
	gauge_fill(&in, "BAD", "digital-gauge");
	in.mpe_digits = -1;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	gauge_fill(&in, "BAD", "digital-gauge");
	in.scale_lo = NAN;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_get(&got, db, "BAD"), CAL_ERR_NOTFOUND);
	/* the scale rule is for pressure kinds only: a balance has no lower value */
	gauge_fill(&in, "NAWI", "nawi");
	in.scale_lo = 0;
	in.max = 0;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	refused(db, "UPDATE instruments SET mpe_pct_span = -1 WHERE id = 'I0'",
		"CHECK constraint failed");
	cal_db_close(db);
}

/* ---- 7. batches ----------------------------------------------------------- */

static void test_run_batch(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_run *list = (struct cal_run *)&list, r;
	int64_t first, b, alone, second, d, c;
	size_t n = 9;

	(void)state;
	add_gauge(db, "G1");
	add_gauge(db, "G2");
	add_gauge(db, "G3");
	/* the first run of a batch is numbered with its own id, also as the very first run */
	first = run_start(db, "G1", "", CAL_RUN_BATCH_NEW);
	b = run_start(db, "G2", "", first);
	alone = run_start(db, "G1", "", 0);
	second = run_start(db, "G1", "calibration", CAL_RUN_BATCH_NEW);
	d = run_start(db, "G2", "calibration", second);
	c = run_start(db, "G3", "", first);
	assert_int_equal(cal_db_run_get(&r, db, first), CAL_OK);
	assert_int_equal(r.batch, first);
	assert_int_equal(cal_db_run_get(&r, db, second), CAL_OK);
	assert_int_equal(r.batch, second);
	assert_int_equal(cal_db_run_get(&r, db, alone), CAL_OK);
	assert_int_equal(r.batch, 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs WHERE batch IS NULL"), 1);

	/* All the gauges of the manifold, by id, and only them. */
	assert_int_equal(cal_db_run_batch(&list, &n, db, first), CAL_OK);
	assert_int_equal(n, 3);
	assert_int_equal(list[0].id, first);
	assert_int_equal(list[1].id, b);
	assert_int_equal(list[2].id, c);
	assert_string_equal(list[1].instrument_id, "G2");
	assert_int_equal(list[2].batch, first);
	free(list);
	assert_int_equal(cal_db_run_batch(&list, &n, db, second), CAL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, second);
	assert_int_equal(list[1].id, d);
	assert_string_equal(list[1].activity, "calibration");
	free(list);
	assert_int_equal(cal_db_run_batch(&list, &n, db, alone), CAL_OK);
	assert_int_equal(n, 0);
	free(list);
	assert_int_equal(cal_db_run_batch(&list, &n, db, 0), CAL_ERR_ARG);
	assert_null(list);
	assert_int_equal(n, 0);
	cal_db_close(db);
}

/* ---- 8. water meters (schema v4) ------------------------------------------- */

/* A class 2 DN15 meter: Q3 2.5 m3/h, R 100, a register in m3 with d 0.05 L. */
static void meter_fill(struct cal_instrument *in, const char *id)
{
	*in = (struct cal_instrument){
		.type = "đồng hồ nước lạnh DN15",
		.manufacturer = "Zenner",
		.model = "MNK-N DN15",
		.owner = "Công ty CP Cấp thoát nước và Xây dựng Quảng Ngãi",
		.accuracy_class = "2",
		.unit = "m3",
		.d = 0.00005,
		.e = 0.00005,
		.interval_months = 60,
		.kind = "water-meter",
		.flow_q3 = 2.5,
		.ratio_r = 100,
	};
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->serial, sizeof(in->serial), "S-%s", id);
}

/* meter_fill() changed by @change, which cal_db_instrument_add refuses naming @want. */
#define METER_REFUSED(db, change, want)                                                            \
	do {                                                                                       \
		struct cal_instrument bad_;                                                        \
		meter_fill(&bad_, "BAD");                                                          \
		change;                                                                            \
		assert_int_equal(cal_db_instrument_add((db), &bad_), CAL_ERR_ARG);                 \
		if (!strstr(cal_error_last(), (want)))                                             \
			fail_msg("'%s' does not say '%s'", cal_error_last(), (want));              \
	} while (0)

static void test_water_meters_v4(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_instrument in, got, *list = NULL;
	size_t n = 0;

	(void)state;
	assert_true(q_int(db, "PRAGMA user_version") >= 4);

	/* Round trip of a class 2 meter and of a Qn-rated class B meter (R 0, a register in L). */
	meter_fill(&in, "DHN-1");
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	assert_int_equal(cal_db_instrument_get(&got, db, "DHN-1"), CAL_OK);
	assert_string_equal(got.kind, "water-meter");
	assert_string_equal(got.accuracy_class, "2");
	assert_string_equal(got.unit, "m3");
	assert_true(got.flow_q3 == 2.5 && got.ratio_r == 100);
	assert_true(got.d == 0.00005 && got.e == 0.00005 && got.max == 0 && got.min == 0);
	assert_int_equal(got.interval_months, 60);
	assert_string_equal(got.owner, in.owner);
	assert_false(cal_instrument_is_pressure(&got));
	assert_true(q_real(db, "SELECT flow_q3 FROM instruments WHERE id = 'DHN-1'") == 2.5);
	assert_true(q_real(db, "SELECT ratio_r FROM instruments WHERE id = 'DHN-1'") == 100);
	meter_fill(&in, "DHN-2");
	snprintf(in.accuracy_class, sizeof(in.accuracy_class), "B");
	snprintf(in.unit, sizeof(in.unit), "L");
	in.flow_q3 = 1.5;
	in.ratio_r = 0;
	in.d = in.e = 0.1;
	in.max = 99999;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	assert_int_equal(cal_db_instrument_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].id, "DHN-2");
	assert_string_equal(list[1].accuracy_class, "B");
	assert_true(list[1].flow_q3 == 1.5 && list[1].ratio_r == 0 && list[1].max == 99999);
	assert_true(list[0].flow_q3 == 2.5 && list[0].ratio_r == 100);
	free(list);

	/* The register data of a water meter, refused with the rule named. */
	METER_REFUSED(db, snprintf(bad_.accuracy_class, sizeof(bad_.accuracy_class), "3"),
		      "water-meter class '3' is not 1, 2");
	METER_REFUSED(db, bad_.accuracy_class[0] = '\0', "water-meter class '' is not");
	METER_REFUSED(db, bad_.flow_q3 = 0, "needs its Q3");
	METER_REFUSED(db, bad_.flow_q3 = NAN, "needs its Q3");
	METER_REFUSED(db, bad_.flow_q3 = -2.5, "needs its Q3");
	METER_REFUSED(db, bad_.ratio_r = 0, "class 2 water meter needs its ratio R");
	METER_REFUSED(db, bad_.ratio_r = INFINITY, "class 2 water meter needs its ratio R");
	METER_REFUSED(db, snprintf(bad_.accuracy_class, sizeof(bad_.accuracy_class), "C"),
		      "class C water meter is rated by Qn alone: R must be 0");
	METER_REFUSED(db, snprintf(bad_.unit, sizeof(bad_.unit), "kg"),
		      "unit 'kg' is not a unit of volume");
	METER_REFUSED(db, snprintf(bad_.unit, sizeof(bad_.unit), "m3/h"),
		      "unit 'm3/h' is not a unit of volume");
	METER_REFUSED(db, bad_.d = 0, "verification scale interval d");
	/* Q3 and R belong to water meters only */
	METER_REFUSED(db, snprintf(bad_.kind, sizeof(bad_.kind), "nawi"),
		      "Q3 and R are for a water meter (kind water-meter), not for kind 'nawi'");
	METER_REFUSED(db, (bad_.kind[0] = '\0', bad_.flow_q3 = 0),
		      "Q3 and R are for a water meter");
	METER_REFUSED(db, snprintf(bad_.kind, sizeof(bad_.kind), "watermeter"),
		      "transmitter, water-meter, flow-meter or fuel-dispenser");
	assert_int_equal(cal_db_instrument_get(&got, db, "BAD"), CAL_ERR_NOTFOUND);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments"), 2);

	/* Plain SQL: the columns' own checks. */
	refused(db, "UPDATE instruments SET flow_q3 = -1 WHERE id = 'DHN-1'",
		"CHECK constraint failed");
	refused(db, "UPDATE instruments SET ratio_r = -100 WHERE id = 'DHN-1'",
		"CHECK constraint failed");
	cal_db_close(db);
}

/* ---- v5: signed documents, run conditions, revisions ------------------------- */

/* A fixed Ed25519 key pair from a seed (the test does not depend on a random key). */
static void test_key(struct cal_signer *s, unsigned char pk[32])
{
	unsigned char seed[crypto_sign_SEEDBYTES];

	memset(seed, 7, sizeof(seed));
	assert_int_equal(sodium_init() >= 0, 1);
	crypto_sign_seed_keypair(pk, s->sk, seed);
	assert_int_equal(cal_signer_key_id(s->key_id, pk), CAL_OK);
}

static void test_signed_documents_v5(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_date today = { 2026, 3, 20 };
	struct cal_signer s;
	struct cal_cert c;
	struct cal_verify v;
	struct cal_cert_sig sg;
	struct cal_revision rev;
	struct cal_run run;
	unsigned char pk[32];
	char msg[512], *t1 = NULL, *t2 = NULL;
	size_t n1 = 0, n2 = 0;
	int64_t id;

	(void)state;
	add_gauge(db, "G-1");
	test_key(&s, pk);
	/* no key registered: issued unsigned, its content hashed */
	id = run_start(db, "G-1", "", 0);
	add_bar(db, id, 1.002);
	finish(&c, db, id, "PASS");
	assert_int_equal(cal_db_cert_signature(&sg, db, c.number), CAL_OK);
	assert_true(sg.present);
	assert_int_equal((int)strlen(sg.content_sha256), 64);
	assert_string_equal(sg.key_id, "");
	assert_int_equal(cal_db_verify(&v, db, c.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_false(v.signed_ok);

	/* a key registered: a document issued without it is refused, the run stays open */
	assert_int_equal(cal_db_signing_key_add(db, pk), CAL_OK);
	assert_true(cal_db_signing_required(db));
	id = run_start(db, "G-1", "", 0);
	assert_int_equal(cal_db_run_complete(&c, db, id, "PASS", NULL, T_2026_03_15),
			 CAL_ERR_REFUSED);
	assert_int_equal(cal_db_run_get(&run, db, id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_RUNNING);
	cal_db_set_signer(db, &s);
	finish(&c, db, id, "PASS");
	assert_int_equal(cal_db_verify(&v, db, c.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_true(v.signed_ok);
	/* the stored signature is over the documented message, with this key */
	assert_int_equal(cal_db_cert_signature(&sg, db, c.number), CAL_OK);
	assert_string_equal(sg.key_id, s.key_id);
	assert_int_equal(cal_cert_sign_message(msg, sizeof(msg), c.number, "verification",
					       c.issue_date, c.valid_until, "S-G-1",
					       sg.content_sha256),
			 CAL_OK);
	assert_int_equal(cal_sig_check(msg, sg.signature, pk), CAL_OK);
	msg[strlen(msg) - 1] ^= 1;
	assert_int_equal(cal_sig_check(msg, sg.signature, pk), CAL_ERR_REFUSED);
	/* the canonical content is deterministic and names its format */
	assert_int_equal(cal_db_cert_canonical(&t1, &n1, db, c.number), CAL_OK);
	assert_int_equal(cal_db_cert_canonical(&t2, &n2, db, c.number), CAL_OK);
	assert_true(n1 == n2 && memcmp(t1, t2, n1) == 0);
	assert_true(strncmp(t1, "calbench-cert-v1\n", 17) == 0);
	assert_non_null(strstr(t1, "\nruns.procedure_text=t:10:id: en837\n\n"));
	free(t1);
	free(t2);
	/* the first document, issued before the key, is not called tampered */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &today), CAL_OK);
	assert_int_not_equal(v.status, CAL_VERIFY_TAMPERED);

	/* a revision: signed, the original superseded by it */
	assert_int_equal(cal_db_cert_amend(&rev, db, c.number, "owner misspelt",
					   "Nhà máy nước "
					   "Thủ Đức 2",
					   NULL, NULL, T_2026_03_15 + 60),
			 CAL_OK);
	assert_string_equal(rev.number, "CB-2026-000002-R1");
	assert_int_equal(cal_db_verify(&v, db, rev.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_true(v.signed_ok);
	assert_string_equal(v.instrument.owner, "Nhà máy nước Thủ Đức 2");
	assert_string_equal(v.rev.original, c.number);
	assert_int_equal(cal_db_verify(&v, db, c.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_SUPERSEDED);
	assert_string_equal(v.superseded_by.number, rev.number);
	refused(db, "UPDATE cert_revisions SET owner = 'x'", "immutable");
	refused(db, "DELETE FROM cert_signatures", "immutable");
	refused(db, "UPDATE runs SET sticker_no = 'x'", "immutable");

	/* a reading changed behind the triggers: the document and its revision are tampered */
	assert_int_equal(sqlite3_exec(cal_db_handle(db),
				      "DROP TRIGGER readings_no_update; UPDATE readings SET "
				      "value = 1.003 WHERE value = 1.002",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_TAMPERED);
	assert_non_null(strstr(v.tampered, "content changed since issue"));
	assert_int_equal(cal_db_verify(&v, db, c.number, &today), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_SUPERSEDED); /* its own run is intact */
	cal_db_close(db);
}

/* Run conditions round trip; a zeroed struct records nothing. */
static void test_run_conditions_v5(void **state)
{
	struct cal_db *db = open_db(":memory:");
	struct cal_run r = { .procedure_id = "p", .mode = "initial" }, got;
	int64_t id = 0;

	(void)state;
	add_gauge(db, "G-1");
	snprintf(r.instrument_id, sizeof(r.instrument_id), "G-1");
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: p\n"), CAL_OK);
	assert_int_equal(cal_db_run_get(&got, db, id), CAL_OK);
	assert_false(got.cond.has_temperature || got.cond.has_humidity);
	assert_string_equal(got.cond.location, "");
	r.cond = (struct cal_run_conditions){ .location = "Nhà máy",
					      .received_date = "2026-03-14",
					      .has_temperature = true,
					      .temperature_c = 23.5,
					      .has_humidity = true,
					      .humidity_pct = 55,
					      .checked_by = "B",
					      .sticker_no = "T-1" };
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: p\n"), CAL_OK);
	assert_int_equal(cal_db_run_get(&got, db, id), CAL_OK);
	assert_true(got.cond.has_temperature && got.cond.temperature_c == 23.5);
	assert_true(got.cond.has_humidity && got.cond.humidity_pct == 55);
	assert_string_equal(got.cond.received_date, "2026-03-14");
	assert_string_equal(got.cond.sticker_no, "T-1");
	r.cond.humidity_pct = 120;
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: p\n"), CAL_ERR_ARG);
	r.cond.humidity_pct = 50;
	snprintf(r.cond.received_date, sizeof(r.cond.received_date), "2026-13-01");
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: p\n"), CAL_ERR_ARG);
	cal_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrate_v2_with_records, tmp_setup,
						tmp_teardown),
		cmocka_unit_test(test_calibration_runs),
		cmocka_unit_test(test_pressure_standards),
		cmocka_unit_test(test_settle_evidence),
		cmocka_unit_test(test_results_uncertainty),
		cmocka_unit_test(test_instruments_v3),
		cmocka_unit_test(test_run_batch),
		cmocka_unit_test(test_water_meters_v4),
		cmocka_unit_test(test_signed_documents_v5),
		cmocka_unit_test(test_run_conditions_v5),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

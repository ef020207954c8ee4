/*
 * Statistics (db/stats.c): the counting rules of domain.md §8.2 on hand-made
 * data (re-verification, revocation, revision, calibration, open runs), the
 * centre's figure T24 (2,506 pass + 53 fail = 2,559, 97.93 %), and the
 * invariant pass + fail = total on random data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "cal/db.h"
#include "cal/error.h"

static struct cal_db *open_db(void)
{
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, ":memory:"), CAL_OK);
	return db;
}

static void add_instrument(struct cal_db *db, const char *id, const char *type, const char *owner)
{
	struct cal_instrument in = {
		.manufacturer = "WIKA",
		.accuracy_class = "1.0",
		.unit = "bar",
		.max = 5,
		.d = 0.1,
		.interval_months = 12,
		.kind = "bourdon-gauge",
	};

	snprintf(in.id, sizeof(in.id), "%s", id);
	snprintf(in.type, sizeof(in.type), "%s", type);
	snprintf(in.owner, sizeof(in.owner), "%s", owner);
	snprintf(in.serial, sizeof(in.serial), "S-%s", id);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
}

static int64_t unix_of(const char *date)
{
	struct tm tm = { 0 };

	assert_int_equal(sscanf(date, "%d-%d-%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday), 3);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_hour = 9;
	return (int64_t)timegm(&tm);
}

static int64_t begin(struct cal_db *db, const char *instr, const char *mode, const char *activity)
{
	struct cal_run r = { .procedure_id = "en837", .method = "ĐLVN 08:2011" };
	int64_t id = 0;

	snprintf(r.instrument_id, sizeof(r.instrument_id), "%s", instr);
	snprintf(r.mode, sizeof(r.mode), "%s", mode);
	snprintf(r.activity, sizeof(r.activity), "%s", activity);
	snprintf(r.operator_name, sizeof(r.operator_name), "Nguyễn Văn Đức");
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: en837\n"), CAL_OK);
	return id;
}

/* One completed run of @instr issued on @date; its document in @c. */
static void doc(struct cal_cert *c, struct cal_db *db, const char *instr, const char *mode,
		const char *activity, const char *verdict, const char *date)
{
	int64_t id = begin(db, instr, mode, activity);

	assert_int_equal(cal_db_run_complete(c, db, id, verdict, "E > MPE", unix_of(date)), CAL_OK);
}

static void stats(struct cal_stats *s, struct cal_db *db, const char *from, const char *to,
		  bool calibration, const char *by)
{
	struct cal_stats_query q = { .from = from, .to = to, .calibration = calibration };

	if (by)
		assert_int_equal(cal_stats_dims_parse(q.by, &q.n_by, by), CAL_OK);
	assert_int_equal(cal_db_stats(s, db, &q), CAL_OK);
}

static void expect_row(const struct cal_stats_row *r, const char *k0, const char *k1, int64_t total,
		       int64_t pass, int64_t fail)
{
	if (k0)
		assert_string_equal(r->key[0], k0);
	if (k1)
		assert_string_equal(r->key[1], k1);
	assert_int_equal(r->total, total);
	assert_int_equal(r->pass, pass);
	assert_int_equal(r->fail, fail);
}

static void test_counting_rules(void **state)
{
	struct cal_db *db = open_db();
	struct cal_stats s;
	struct cal_cert c, c1, c4;
	struct cal_revision rev;
	char rate[16];
	int64_t id;

	(void)state;
	add_instrument(db, "A", "áp kế lò xo", "Nhà máy nước Thủ Đức");
	add_instrument(db, "B", "áp kế chỉ thị số", "Công ty \"Xăng dầu\", Quảng Ngãi");
	add_instrument(db, "C", "áp kế lò xo", "Nhà máy nước Thủ Đức");
	doc(&c1, db, "A", "periodic", "", "PASS", "2026-03-15");
	doc(&c, db, "B", "periodic", "", "FAIL", "2026-03-20");
	assert_int_equal(c.kind, CAL_CERT_FAILURE);
	/* repaired and verified again: a second count */
	doc(&c, db, "B", "after-repair", "", "PASS", "2026-04-20");
	/* revoked: no count */
	doc(&c4, db, "C", "initial", "", "PASS", "2026-04-21");
	assert_int_equal(
		cal_db_cert_revoke(db, c4.number, "wrong instrument", unix_of("2026-04-22")),
		CAL_OK);
	/* a revision replaces its original: no count added */
	assert_int_equal(cal_db_cert_amend(&rev, db, c1.number, "owner misspelt", "Nhà máy nước 2",
					   NULL, NULL, unix_of("2026-04-01")),
			 CAL_OK);
	/* a calibration: only with calibration */
	doc(&c, db, "C", "periodic", "calibration", "PASS", "2026-05-10");
	/* open and aborted runs have no document */
	begin(db, "A", "periodic", "");
	id = begin(db, "C", "periodic", "");
	assert_int_equal(cal_db_run_abort(db, id, "gauge broken"), CAL_OK);

	stats(&s, db, NULL, NULL, false, NULL);
	assert_int_equal(s.n, 0);
	expect_row(&s.total, NULL, NULL, 3, 2, 1);
	cal_stats_rate(rate, sizeof(rate), &s.total);
	assert_string_equal(rate, "66.67");
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, false, "type");
	assert_int_equal(s.n, 2);
	expect_row(&s.rows[0], "áp kế chỉ thị số", NULL, 2, 1, 1);
	expect_row(&s.rows[1], "áp kế lò xo", NULL, 1, 1, 0);
	expect_row(&s.total, NULL, NULL, 3, 2, 1);
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, false, "mode,result");
	assert_int_equal(s.n, 3);
	expect_row(&s.rows[0], "after-repair", "pass", 1, 1, 0);
	expect_row(&s.rows[1], "periodic", "fail", 1, 0, 1);
	expect_row(&s.rows[2], "periodic", "pass", 1, 1, 0);
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, false, "month");
	assert_int_equal(s.n, 2);
	expect_row(&s.rows[0], "2026-03", NULL, 2, 1, 1);
	expect_row(&s.rows[1], "2026-04", NULL, 1, 1, 0);
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, false, "quarter,year");
	assert_int_equal(s.n, 2);
	expect_row(&s.rows[0], "2026-Q1", "2026", 2, 1, 1);
	expect_row(&s.rows[1], "2026-Q2", "2026", 1, 1, 0);
	cal_stats_free(&s);

	/* the owner of the register (a revision's correction does not move a count) */
	stats(&s, db, NULL, NULL, false, "owner,operator");
	assert_int_equal(s.n, 2);
	expect_row(&s.rows[0], "Công ty \"Xăng dầu\", Quảng Ngãi", "Nguyễn Văn Đức", 2, 1, 1);
	expect_row(&s.rows[1], "Nhà máy nước Thủ Đức", "Nguyễn Văn Đức", 1, 1, 0);
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, false, "procedure,method");
	assert_int_equal(s.n, 1);
	expect_row(&s.rows[0], "en837", "ĐLVN 08:2011", 3, 2, 1);
	cal_stats_free(&s);

	/* the period: issue dates, both ends included */
	stats(&s, db, "2026-03-20", "2026-04-20", false, NULL);
	expect_row(&s.total, NULL, NULL, 2, 1, 1);
	cal_stats_free(&s);
	stats(&s, db, "2026-05-01", NULL, false, "type");
	assert_int_equal(s.n, 0);
	assert_int_equal(s.total.total, 0);
	cal_stats_free(&s);

	stats(&s, db, NULL, NULL, true, "type,result");
	assert_int_equal(s.n, 1);
	expect_row(&s.rows[0], "áp kế lò xo", "pass", 1, 1, 0);
	expect_row(&s.total, NULL, NULL, 1, 1, 0);
	cal_stats_free(&s);
	cal_db_close(db);
}

static void test_bad_input(void **state)
{
	struct cal_db *db = open_db();
	struct cal_stats_query q = { 0 };
	struct cal_stats s;
	enum cal_stats_dim d[CAL_STATS_NDIMS];
	size_t n;

	(void)state;
	assert_int_equal(cal_stats_dims_parse(d, &n, "type,colour"), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "'colour'"));
	assert_non_null(strstr(cal_error_last(), "known: type, mode, result, month, quarter"));
	assert_int_equal(cal_stats_dims_parse(d, &n, "type,type"), CAL_ERR_ARG);
	assert_int_equal(cal_stats_dims_parse(d, &n, ","), CAL_ERR_ARG);
	assert_int_equal(cal_stats_dims_parse(d, &n, "year,month"), CAL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(d[0], CAL_STATS_YEAR);
	q.from = "2026-02-30";
	assert_int_equal(cal_db_stats(&s, db, &q), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "'2026-02-30'"));
	q.from = "2026-06-30";
	q.to = "2026-01-01";
	assert_int_equal(cal_db_stats(&s, db, &q), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "after"));
	cal_db_close(db);
}

static void exec(struct cal_db *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(cal_db_handle(db), sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err ? err : "?");
}

/* domain.md §8.3: 2,506 pass + 53 fail = 2,559, 97.93 %, made with plain SQL. */
static void test_t24(void **state)
{
	struct cal_db *db = open_db();
	struct cal_stats s;
	char rate[16];

	(void)state;
	add_instrument(db, "T24", "cân kỹ thuật", "");
	exec(db, "BEGIN;"
		 "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2559)\n"
		 "INSERT INTO runs(instrument_id, procedure_id, procedure_sha256, procedure_text,\n"
		 "  mode, status, started_at)\n"
		 "SELECT 'T24', 'r76', printf('%064d', 0), 'id: r76', 'periodic', 'running',\n"
		 "  '2026-03-01T08:00:00Z' FROM k;\n"
		 "INSERT INTO certificates(number, kind, run_id, instrument_id, issued_at,\n"
		 "  issue_date, valid_until, year, seq)\n"
		 "SELECT 'T-' || id, CASE WHEN id <= 53 THEN 'failure' ELSE 'verification' END,\n"
		 "  id, 'T24', '2026-03-01T09:00:00Z', '2026-03-01',\n"
		 "  CASE WHEN id <= 53 THEN '' ELSE '2027-03-01' END, 2026, id FROM runs;\n"
		 "UPDATE runs SET status = 'completed', finished_at = '2026-03-01T09:00:00Z',\n"
		 "  verdict = CASE WHEN id <= 53 THEN 'FAIL' ELSE 'PASS' END;\n"
		 "COMMIT;");
	stats(&s, db, "2026-01-01", "2026-06-30", false, "type");
	assert_int_equal(s.n, 1);
	expect_row(&s.rows[0], "cân kỹ thuật", NULL, 2559, 2506, 53);
	expect_row(&s.total, NULL, NULL, 2559, 2506, 53);
	cal_stats_rate(rate, sizeof(rate), &s.total);
	assert_string_equal(rate, "97.93");
	cal_stats_free(&s);
	cal_db_close(db);
}

/* Random documents: every grouping adds up, and pass + fail = total. */
/*
 * The hash grouping of cal_db_stats against SQLite's own GROUP BY ... ORDER
 * BY on the same rows, group for group and in the same order; and the
 * rollups of (type, month) against the one-dimension counts.
 */
static void check_against_group_by(struct cal_db *db)
{
	struct cal_stats both, by_type, by_month, r;
	sqlite3_stmt *st;
	size_t i = 0;

	stats(&both, db, NULL, NULL, false, "type,quarter");
	assert_int_equal(
		sqlite3_prepare_v2(cal_db_handle(db),
				   "SELECT type, substr(event_date, 1, 4) || '-Q' || "
				   "((CAST(substr(event_date, 6, 2) AS INTEGER) + 2) / 3), "
				   "count(*), sum(result = 'pass') FROM history "
				   "WHERE activity = 'verification' AND revoked = 0 "
				   "GROUP BY 1, 2 ORDER BY 1, 2",
				   -1, &st, NULL),
		SQLITE_OK);
	for (; sqlite3_step(st) == SQLITE_ROW; i++) {
		assert_true(i < both.n);
		assert_string_equal(both.rows[i].key[0], (const char *)sqlite3_column_text(st, 0));
		assert_string_equal(both.rows[i].key[1], (const char *)sqlite3_column_text(st, 1));
		assert_int_equal(both.rows[i].total, sqlite3_column_int64(st, 2));
		assert_int_equal(both.rows[i].pass, sqlite3_column_int64(st, 3));
	}
	sqlite3_finalize(st);
	assert_int_equal(i, both.n);
	cal_stats_free(&both);

	stats(&both, db, NULL, NULL, false, "type,month");
	stats(&by_type, db, NULL, NULL, false, "type");
	stats(&by_month, db, NULL, NULL, false, "month");
	for (size_t k = 0; k < 2; k++) {
		const struct cal_stats *want = k ? &by_month : &by_type;

		assert_int_equal(cal_stats_rollup(&r, &both, k), CAL_OK);
		assert_int_equal(r.n, want->n);
		for (size_t j = 0; j < r.n; j++) {
			assert_string_equal(r.rows[j].key[0], want->rows[j].key[0]);
			assert_int_equal(r.rows[j].total, want->rows[j].total);
			assert_int_equal(r.rows[j].pass, want->rows[j].pass);
			assert_int_equal(r.rows[j].fail, want->rows[j].fail);
		}
		assert_int_equal(r.total.total, want->total.total);
		cal_stats_free(&r);
	}
	cal_stats_free(&both);
	cal_stats_free(&by_type);
	cal_stats_free(&by_month);
}

static void test_invariant_random(void **state)
{
	static const char *const modes[] = { "initial", "periodic", "after-repair" };
	static const char *const by[] = { "type",
					  "mode",
					  "result",
					  "month",
					  "quarter",
					  "year",
					  "owner",
					  "operator",
					  "procedure",
					  "method",
					  "type,month",
					  "owner,mode,result",
					  "year,quarter,month,type" };
	struct cal_db *db = open_db();
	int64_t want_total = 0, want_pass = 0;
	char id[16], type[32], owner[32], date[16];
	struct cal_cert c;
	unsigned seed = 20260315;

	(void)state;
	for (int i = 0; i < 6; i++) {
		snprintf(id, sizeof(id), "I%d", i);
		snprintf(type, sizeof(type), "loại %d", i % 3);
		snprintf(owner, sizeof(owner), "chủ %d", i % 2);
		add_instrument(db, id, type, owner);
	}
	for (int i = 0; i < 150; i++) {
		bool pass = rand_r(&seed) % 5 != 0;

		snprintf(id, sizeof(id), "I%d", rand_r(&seed) % 6);
		snprintf(date, sizeof(date), "%d-%02d-%02d", 2025 + rand_r(&seed) % 2,
			 1 + rand_r(&seed) % 12, 1 + rand_r(&seed) % 28);
		doc(&c, db, id, modes[rand_r(&seed) % 3], "", pass ? "PASS" : "FAIL", date);
		if (rand_r(&seed) % 10 == 0) {
			assert_int_equal(cal_db_cert_revoke(db, c.number, "test", unix_of(date)),
					 CAL_OK);
			continue;
		}
		want_total++;
		want_pass += pass;
	}
	for (size_t k = 0; k < sizeof(by) / sizeof(by[0]); k++) {
		struct cal_stats s;
		int64_t t = 0, p = 0, f = 0;

		stats(&s, db, NULL, NULL, false, by[k]);
		for (size_t r = 0; r < s.n; r++) {
			assert_int_equal(s.rows[r].pass + s.rows[r].fail, s.rows[r].total);
			t += s.rows[r].total;
			p += s.rows[r].pass;
			f += s.rows[r].fail;
		}
		expect_row(&s.total, NULL, NULL, want_total, want_pass, want_total - want_pass);
		assert_int_equal(t, s.total.total);
		assert_int_equal(p, s.total.pass);
		assert_int_equal(f, s.total.fail);
		cal_stats_free(&s);
	}
	check_against_group_by(db);
	cal_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counting_rules),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_t24),
		cmocka_unit_test(test_invariant_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

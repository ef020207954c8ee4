/*
 * Bringing in a register (db/import.c) and the CSV reader under it
 * (common/csv.c): RFC 4180 cases with the line each record starts on; a
 * Vietnamese register becoming instruments and history that the statistics
 * count and verify answers; all or nothing (an error in row 4,512 of 5,000
 * leaves the database as it was); duplicate numbers, in the file and against
 * documents; the same file twice; the history table's own guards.
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

#include "cal/csv.h"
#include "cal/db.h"
#include "cal/error.h"

/* ---- CSV reader ----------------------------------------------------------- */

static void test_csv_quotes_and_lines(void **state)
{
	const char text[] = "\xEF\xBB\xBF"
			    "a,\"b,c\",\"say \"\"đạt\"\"\"\r\n"
			    "\r\n"
			    "1,\"two\nlines\",3\n"
			    "x,,\n";
	struct cal_csv p;

	(void)state;
	cal_csv_init(&p, text, strlen(text), 0);
	assert_int_equal(p.delim, ',');
	assert_int_equal(cal_csv_next(&p), 1);
	assert_int_equal(p.rec_line, 1);
	assert_int_equal(p.n_field, 3);
	assert_string_equal(p.field[0], "a");
	assert_string_equal(p.field[1], "b,c");
	assert_string_equal(p.field[2], "say \"đạt\"");
	assert_int_equal(cal_csv_next(&p), 1);
	assert_int_equal(p.rec_line, 3); /* the blank line 2 skipped */
	assert_string_equal(p.field[1], "two\nlines");
	assert_int_equal(cal_csv_next(&p), 1);
	assert_int_equal(p.rec_line, 5); /* the quoted line break counted */
	assert_int_equal(p.n_field, 3);
	assert_string_equal(p.field[0], "x");
	assert_string_equal(p.field[1], "");
	assert_string_equal(p.field[2], "");
	assert_int_equal(cal_csv_next(&p), 0);
	cal_csv_free(&p);
}

static void test_csv_delimiter_guess(void **state)
{
	const char semi[] = "Ngày;Kết quả;\"a,b\"\n2024-01-02;Đạt;x\n";
	const char tab[] = "date\tresult\n2024-01-02\tpass\n";
	struct cal_csv p;

	(void)state;
	cal_csv_init(&p, semi, strlen(semi), 0);
	assert_int_equal(p.delim, ';');
	assert_int_equal(cal_csv_next(&p), 1);
	assert_int_equal(p.n_field, 3);
	assert_string_equal(p.field[2], "a,b");
	cal_csv_free(&p);
	cal_csv_init(&p, tab, strlen(tab), 0);
	assert_int_equal(p.delim, '\t');
	assert_int_equal(cal_csv_next(&p), 1);
	assert_int_equal(p.n_field, 2);
	cal_csv_free(&p);
}

static void expect_csv_error(const char *text, size_t len, int records_before, const char *msg)
{
	struct cal_csv p;
	int rc;

	cal_csv_init(&p, text, len, ',');
	for (int i = 0; i < records_before; i++)
		assert_int_equal(cal_csv_next(&p), 1);
	rc = cal_csv_next(&p);
	assert_int_equal(rc, CAL_ERR_ARG);
	if (!strstr(cal_error_last(), msg))
		fail_msg("'%s' does not say '%s'", cal_error_last(), msg);
	cal_csv_free(&p);
}

static void test_csv_errors(void **state)
{
	const char nul[] = "a,b\nc,d\0e\n";

	(void)state;
	expect_csv_error("a,b\n1,\"open\n2,3\n", 16, 1, "line 2, field 2: a quote opened here");
	expect_csv_error("a,\"b\"x,c\n", 9, 0, "line 1, field 2: text after the closing quote");
	expect_csv_error("a,b\"c\n", 6, 0, "line 1, field 2: a quote inside an unquoted field");
	expect_csv_error("h\n\xC3\x28,x\n", 7, 1, "line 2, field 1: not UTF-8");
	expect_csv_error("h\n\xED\xA0\x80\n", 6, 1, "not UTF-8"); /* a surrogate */
	expect_csv_error("h\n\xC0\xAF\n", 5, 1, "not UTF-8");	  /* overlong '/' */
	expect_csv_error(nul, sizeof(nul) - 1, 1, "line 2, field 2: a NUL byte");
	assert_true(cal_utf8_valid("Kết quả đạt", strlen("Kết quả đạt")));
	assert_true(cal_utf8_valid("\xF0\x9F\x98\x80", 4));
	assert_false(cal_utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
}

/* ---- import ----------------------------------------------------------------- */

static struct cal_db *open_db(void)
{
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, ":memory:"), CAL_OK);
	return db;
}

static int64_t q_int(struct cal_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(cal_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static const char vn_register[] =
	"STT,Ngày kiểm định,Tên phương tiện đo,Hãng sản xuất,Kiểu,Số,Đơn vị sử dụng,"
	"Phương pháp,Chế độ kiểm định,Kết quả,Số GCN,Thời hạn đến,Kiểm định viên,Ghi chú\n"
	"1,05/02/2024,Cân kỹ thuật,Ohaus,PA214,B12345,Công ty CP Thực phẩm,"
	"ĐLVN 16:2009,Định kỳ,Đạt,3681 - 24 (YB),05/02/2025,Nguyễn Văn A,\n"
	"2,06/02/2024,Đồng hồ nước lạnh cơ khí,Itron,Multimag,W-778,Hộ gia đình,"
	"ĐLVN 17:2017,Ban đầu,KHÔNG ĐẠT,,,Trần Thị B,\"rò rỉ, thay gioăng\"\n"
	"3,2024-03-12,Đồng hồ nước lạnh cơ khí,Itron,,W-778,Hộ gia đình,"
	"ĐLVN 17:2017,Sau sửa chữa,đạt yêu cầu kỹ thuật đo lường,3702 - 24 (YB),12/03/2029,"
	"Trần Thị B,\n"
	/* same serial, another type: another instrument */
	"4,2024-03-13,Áp kế lò xo,WIKA,111.10,W-778,Hộ gia đình,ĐLVN 08:2011,dinh ky,dat,"
	"AK-1,13.03.2025,Lê C,\n";

static struct cal_import_opts opts(const char *name)
{
	struct cal_import_opts o = { .file_name = name, .day_first = true };

	o.now_s = 1795000000; /* 2026-11-18 */
	return o;
}

static void test_import_vietnamese_register(void **state)
{
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("so-theo-doi-2024.csv");
	struct cal_import_report r;
	struct cal_stats_query q = { .n_by = 1, .by = { CAL_STATS_TYPE } };
	struct cal_stats s;
	struct cal_history *h = NULL;
	size_t nh = 0;

	(void)state;
	assert_int_equal(cal_db_import_csv(&r, db, vn_register, strlen(vn_register), &o), CAL_OK);
	assert_int_equal(r.rows, 4);
	assert_int_equal(r.pass, 3);
	assert_int_equal(r.fail, 1);
	assert_int_equal(r.instruments_new, 3);
	assert_int_equal(r.instruments_known, 0);
	assert_string_equal(r.first_date, "2024-02-05");
	assert_string_equal(r.last_date, "2024-03-13");
	assert_non_null(strstr(r.ignored, "STT"));
	assert_non_null(strstr(r.ignored, "Ghi chú"));
	assert_non_null(strstr(r.mapping, "result=Kết quả"));
	assert_null(r.errors);
	cal_import_report_free(&r);

	/* W-778 twice as a water meter: one instrument with two rows; the gauge is W-778-2 */
	assert_int_equal(cal_db_history_list(&h, &nh, db, "W-778"), CAL_OK);
	assert_int_equal(nh, 2);
	assert_string_equal(h[0].event_date, "2024-02-06");
	assert_string_equal(h[0].result, "fail");
	assert_string_equal(h[0].mode, "initial");
	assert_string_equal(h[1].result, "pass");
	assert_string_equal(h[1].mode, "after-repair");
	assert_string_equal(h[1].valid_until, "2029-03-12");
	assert_string_equal(h[1].source, "import");
	assert_int_equal(h[1].import_row, 4);
	assert_string_equal(h[1].import_file, "so-theo-doi-2024.csv");
	assert_string_equal(h[1].operator_name, "Trần Thị B");
	free(h);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments WHERE id = 'W-778-2' "
				   "AND type = 'Áp kế lò xo'"),
			 1);

	/* the statistics count them: a re-verification after repair counts again */
	assert_int_equal(cal_db_stats(&s, db, &q), CAL_OK);
	assert_int_equal(s.total.total, 4);
	assert_int_equal(s.total.pass, 3);
	assert_int_equal(s.total.fail, 1);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.rows[2].key[0], "Đồng hồ nước lạnh cơ khí");
	assert_int_equal(s.rows[2].total, 2);
	cal_stats_free(&s);
	cal_db_close(db);
}

static void test_import_verify(void **state)
{
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("reg.csv");
	struct cal_import_report r;
	struct cal_verify v;
	struct cal_date d2025 = { 2025, 1, 10 }, d2026 = { 2026, 1, 10 };

	(void)state;
	assert_int_equal(cal_db_import_csv(&r, db, vn_register, strlen(vn_register), &o), CAL_OK);
	cal_import_report_free(&r);
	/* case and spaces as an inspector types them */
	assert_int_equal(cal_db_verify(&v, db, "3681 - 24 (yb)", &d2025), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_true(v.imported.id > 0);
	assert_false(v.signed_ok);
	assert_string_equal(v.cert.number, "3681 - 24 (YB)");
	assert_string_equal(v.instrument.serial, "B12345");
	assert_string_equal(v.run.method, "ĐLVN 16:2009");
	assert_int_equal(cal_db_verify(&v, db, "3681 - 24 (YB)", &d2026), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_EXPIRED);
	assert_int_equal(cal_db_verify(&v, db, "3702 - 24 (YB)", &d2026), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_int_equal(cal_db_verify(&v, db, "NO-SUCH", &d2026), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_UNKNOWN);
	cal_db_close(db);
}

static void test_import_superseded(void **state)
{
	static const char reg[] = "date,type,serial,result,number,valid_until\n"
				  "2023-05-02,cân bàn,CB-1,pass,A-1,2024-05-02\n"
				  "2024-04-20,cân bàn,CB-1,fail,A-2,\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("reg.csv");
	struct cal_import_report r;
	struct cal_verify v;
	struct cal_date d = { 2024, 4, 25 };

	(void)state;
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	cal_import_report_free(&r);
	assert_int_equal(cal_db_verify(&v, db, "A-1", &d), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_SUPERSEDED);
	assert_string_equal(v.superseded_by.number, "A-2");
	assert_int_equal(v.superseded_by.kind, CAL_CERT_FAILURE);
	assert_int_equal(cal_db_verify(&v, db, "A-2", &d), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_FAIL_RECORD);
	cal_db_close(db);
}

static void assert_nothing_written(struct cal_db *db)
{
	assert_int_equal(q_int(db, "SELECT count(*) FROM imports"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments"), 0);
}

/* 5,000 rows, row 4,512 with a result that is neither: nothing imported, the error names it. */
static void test_import_late_error_all_or_nothing(void **state)
{
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("big.csv");
	struct cal_import_report r;
	size_t cap = 5001 * 96, len = 0;
	char *text = malloc(cap);

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "date,type,serial,result,number\n");
	for (int i = 2; i <= 5001; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"2025-%02d-%02d,huyết áp kế,HA-%d,%s,N-%d\n", 1 + i % 12,
					1 + i % 28, i, i == 4512 ? "đạt?" : "đạt", i);
	assert_int_equal(cal_db_import_csv(&r, db, text, len, &o), CAL_ERR_ARG);
	assert_non_null(r.errors);
	assert_int_equal(r.n_errors, 1);
	if (!strstr(r.errors, "big.csv: line 4512, column 'result' (result): 'đạt?' is neither "
			      "pass nor fail"))
		fail_msg("errors: %s", r.errors);
	assert_non_null(strstr(cal_error_last(), "1 error; nothing imported"));
	cal_import_report_free(&r);
	assert_nothing_written(db);

	/* the same file mended goes in whole */
	strstr(text, "đạt?,N-4512")[strlen("đạt")] = ' ';
	assert_int_equal(cal_db_import_csv(&r, db, text, len, &o), CAL_OK);
	assert_int_equal(r.rows, 5000);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 5000);
	cal_import_report_free(&r);
	/* and once only */
	assert_int_equal(cal_db_import_csv(&r, db, text, len, &o), CAL_ERR_STATE);
	assert_non_null(strstr(cal_error_last(), "this file was imported before (import 1"));
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 5000);
	free(text);
	cal_db_close(db);
}

static void expect_import_error(const char *reg, const struct cal_import_opts *o, const char *msg)
{
	struct cal_db *db = open_db();
	struct cal_import_report r;

	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), o), CAL_ERR_ARG);
	if (!r.errors || !strstr(r.errors, msg))
		fail_msg("errors '%s' do not say '%s'", r.errors ? r.errors : "", msg);
	cal_import_report_free(&r);
	assert_nothing_written(db);
	cal_db_close(db);
}

static void test_import_bad_rows(void **state)
{
	struct cal_import_opts o = opts("r.csv");

	(void)state;
	expect_import_error("ngày,loại,số,kết quả\n2024-01-02,x,1,đạt\n", &o,
			    "r.csv: line 1: no column for type (looked for: type|");
	expect_import_error("date,type,serial,result\n31/02/2024,x,1,đạt\n", &o,
			    "r.csv: line 2, column 'date' (date): '31/02/2024' is not a date");
	expect_import_error("date,type,serial,result\n2031-01-02,x,1,pass\n", &o,
			    "line 2, column 'date' (date): 2031-01-02 is after today (2026-11-18)");
	expect_import_error("date,type,serial,result\n2024-01-02,x,,pass\n", &o,
			    "line 2, column 'serial' (serial): empty");
	expect_import_error("date,type,serial,result\n2024-01-02,x,1\n", &o,
			    "line 2: 3 fields, the header has 4");
	expect_import_error("date,type,serial,result,mode\n2024-01-02,x,1,pass,yearly\n", &o,
			    "column 'mode' (mode): 'yearly' is not a mode");
	expect_import_error("date,type,serial,result,valid until\n2024-01-02,x,1,fail,2025-01-02\n",
			    &o, "a failed instrument has no validity");
	expect_import_error("date,type,serial,result,valid until\n2024-01-02,x,1,pass,2023-01-02\n",
			    &o, "2023-01-02 is not after the date 2024-01-02");
	expect_import_error("date,type,serial,result,number\n2024-01-02,x,1,pass,G-7\n"
			    "2024-01-03,x,2,pass,G-8\n2024-01-04,x,3,pass,G-7\n",
			    &o, "line 4, column 'number' (number): 'G-7' is also on line 2");
	expect_import_error("date,ngày kiểm định,type,serial,result\n", &o,
			    "columns 1 ('date') and 2 ('ngày kiểm định') both read as date");
	expect_import_error("date,type,serial,result\n", &o, "a header and no rows");
	expect_import_error("", &o, "empty: no header row");
}

static void test_import_mapping_and_dates(void **state)
{
	static const char reg[] = "Datum;Gerät;Nummer;Urteil\n03/04/2025;cân đĩa;D-1;pass\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("de.csv");
	struct cal_import_report r;
	struct cal_history *h = NULL;
	size_t n = 0;

	(void)state;
	o.column[CAL_IMP_DATE] = "datum";
	o.column[CAL_IMP_TYPE] = "Gerät";
	o.column[CAL_IMP_SERIAL] = "NUMMER";
	o.column[CAL_IMP_RESULT] = "Urteil";
	o.day_first = false;
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	assert_non_null(strstr(r.defaults, "mode=periodic"));
	cal_import_report_free(&r);
	assert_int_equal(cal_db_history_list(&h, &n, db, "D-1"), CAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(h[0].event_date, "2025-03-04"); /* month first */
	assert_string_equal(h[0].mode, "periodic");
	free(h);
	/* a named column that is not there */
	o.column[CAL_IMP_OWNER] = "Besitzer";
	expect_import_error(reg, &o, "no column 'Besitzer' for owner in the header");
	cal_db_close(db);
}

/* A gauge G1 with one passed verification: its certificate in @c. */
static void gauge_certificate(struct cal_cert *c, struct cal_db *db)
{
	struct cal_instrument in = { .id = "G1",
				     .type = "áp kế",
				     .serial = "S1",
				     .accuracy_class = "1.0",
				     .unit = "bar",
				     .max = 10,
				     .d = 0.1,
				     .interval_months = 12,
				     .kind = "bourdon-gauge" };
	struct cal_run run = { .instrument_id = "G1", .procedure_id = "en837", .mode = "periodic" };
	int64_t id;

	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	assert_int_equal(cal_db_run_begin(&id, db, &run, "id: en837\n"), CAL_OK);
	assert_int_equal(cal_db_run_complete(c, db, id, "PASS", "", 1767000000), CAL_OK);
}

/* A number a calbench document already has: refused at write, nothing left behind. */
static void test_import_number_taken_by_document(void **state)
{
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("r.csv");
	struct cal_import_report r;
	struct cal_cert c;
	char reg[256];

	(void)state;
	gauge_certificate(&c, db);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history WHERE source = 'run'"), 1);
	snprintf(reg, sizeof(reg),
		 "date,type,serial,result,number\n2024-01-02,x,9,pass,OK-1\n"
		 "2024-01-03,x,10,pass,%s\n",
		 c.number);
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_ERR_STATE);
	if (!strstr(cal_error_last(), "line 3, column 'number' (number)") ||
	    !strstr(cal_error_last(), "is already a calbench document"))
		fail_msg("%s", cal_error_last());
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM imports"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments"), 1);
	/* a dry run of a good file writes nothing either */
	reg[strlen(reg) - strlen(c.number) - 1] = '\0';
	strcat(reg, "OK-2\n");
	o.dry_run = true;
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	assert_int_equal(r.rows, 2);
	assert_int_equal(r.import_id, 0);
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments"), 1);
	cal_db_close(db);
}

/* What a new user's trial found: each refused with a message, nothing written. */
static void test_import_trial_findings(void **state)
{
	struct cal_import_opts o = opts("t.csv");
	char *wide;
	size_t len = 0;

	(void)state;
	/* numbers that verify would read as one */
	expect_import_error("date,type,serial,result,number\n2024-01-02,x,1,pass,z-3\n"
			    "2024-01-03,x,2,pass,Z-3\n",
			    &o,
			    "line 3, column 'number' (number): 'Z-3' is also on line 2 (numbers "
			    "are the same whatever the case and spacing)");
	expect_import_error("date,type,serial,result,number\n2024-01-02,x,1,pass,Z - 5\n"
			    "2024-01-03,x,2,pass,Z  -  5\n",
			    &o, "'Z - 5' is also on line 2");
	/* control and invisible characters */
	expect_import_error("date,type,serial,result\n2024-01-02,x,\x1b[31mS,pass\n", &o,
			    "line 2, column 'serial' (serial): a control or invisible character "
			    "(U+001B) after ''");
	expect_import_error("date,type,serial,result\n2024-01-02,x,\"S\nT\",pass\n", &o,
			    "(U+000A) after 'S'");
	expect_import_error("date,type,serial,result\n2024-01-02,x,S\xe2\x80\x8b"
			    "1,pass\n",
			    &o, "(U+200B) after 'S'");
	/* more columns than a register has */
	wide = malloc(600 * 3 + 64);
	assert_non_null(wide);
	len += (size_t)sprintf(wide, "date,type,serial,result");
	for (int i = 0; i < 600; i++)
		len += (size_t)sprintf(wide + len, ",");
	strcpy(wide + len, "\n2024-01-02,x,1,pass\n");
	expect_import_error(wide, &o, "line 1: 604 columns (at most 512");
	free(wide);
	/* a file of blank lines has no header */
	expect_import_error("  \n,,,\n\t\n", &o, "empty: no header row");
	/* the month-first hint */
	o.day_first = false;
	expect_import_error("date,type,serial,result\n13/01/2024,x,1,pass\n", &o,
			    "is not a date (YYYY-MM-DD or MM/DD/YYYY (--month-first))");
}

/* The same verification twice (a register saved again), and an ambiguous instrument. */
static void test_import_same_row_and_ambiguous(void **state)
{
	static const char a[] = "Ngay,Loai PTD,So may,KQ,Hang san xuat,Kieu\n"
				"2024-01-02,cân bàn,S-1,dat,Nhơn Hòa,B-60\n";
	static const char a_crlf[] = "Ngay,Loai PTD,So may,KQ,Hang san xuat,Kieu\r\n"
				     "2024-01-02,cân bàn,S-1,dat,Nhơn Hòa,B-60\r\n";
	static const char two[] = "date,type,serial,result,manufacturer\n"
				  "2024-01-02,cân bàn,S-2,pass,Nhơn Hòa\n"
				  "2024-01-03,cân bàn,S-2,pass,Mettler\n"
				  "2024-02-03,cân bàn,S-2,pass,\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("a.csv");
	struct cal_import_report r;

	(void)state;
	/* headers without diacritics are known */
	assert_int_equal(cal_db_import_csv(&r, db, a, strlen(a), &o), CAL_OK);
	cal_import_report_free(&r);
	o.file_name = "a-crlf.csv";
	assert_int_equal(cal_db_import_csv(&r, db, a_crlf, strlen(a_crlf), &o), CAL_ERR_STATE);
	if (!strstr(cal_error_last(), "a-crlf.csv: line 2: instrument S-1, periodic verification "
				      "on 2024-01-02, pass: the same is already line 2 of a.csv"))
		fail_msg("%s", cal_error_last());
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 1);
	o.file_name = "two.csv";
	assert_int_equal(cal_db_import_csv(&r, db, two, strlen(two), &o), CAL_ERR_STATE);
	if (!strstr(cal_error_last(), "two.csv: line 4: serial 'S-2', type 'cân bàn' could be "
				      "instrument S-2 or S-2-2"))
		fail_msg("%s", cal_error_last());
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 1);
	cal_db_close(db);
}

/* A register brought in again with rows added: --skip-imported takes the new ones only. */
static void test_import_skip_imported(void **state)
{
	static const char first[] = "date,type,serial,result,number\n"
				    "2024-01-02,cân đĩa,D-1,pass,N-1\n"
				    "2024-01-03,cân đĩa,D-2,fail,\n";
	static const char again[] = "date,type,serial,result,number\n"
				    "2024-01-02,cân đĩa,D-1,pass,n-1\n"
				    "2024-01-03,cân đĩa,D-2,fail,\n"
				    "2024-02-03,cân đĩa,D-2,pass,N-2\n";
	static const char other[] = "date,type,serial,result,number\n"
				    "2024-01-02,cân đĩa,D-1,pass,N-9\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("2024.csv");
	struct cal_import_report r;

	(void)state;
	assert_int_equal(cal_db_import_csv(&r, db, first, strlen(first), &o), CAL_OK);
	cal_import_report_free(&r);
	o.file_name = "2024-v2.csv";
	assert_int_equal(cal_db_import_csv(&r, db, again, strlen(again), &o), CAL_ERR_STATE);
	assert_non_null(strstr(cal_error_last(), "(a register brought in again with new rows: "
						 "--skip-imported)"));
	cal_import_report_free(&r);
	o.skip_imported = true;
	assert_int_equal(cal_db_import_csv(&r, db, again, strlen(again), &o), CAL_OK);
	assert_int_equal(r.rows, 1);
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.pass, 1);
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 3);
	/* the same verification under another number is not "already in": refused */
	o.file_name = "other.csv";
	assert_int_equal(cal_db_import_csv(&r, db, other, strlen(other), &o), CAL_ERR_STATE);
	assert_non_null(strstr(cal_error_last(), "the same is already line 2 of 2024.csv"));
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history"), 3);
	cal_db_close(db);
}

/*
 * Imported numbers and the centre's own sequence: the next number an
 * imported record holds is passed over; a number that is a certificate's
 * in another case is refused at import.
 */
static void test_import_numbers_and_sequence(void **state)
{
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("r.csv");
	struct cal_import_report r;
	struct cal_cert c1, c2;
	char reg[256], next[64], lower[64];
	struct cal_run run = { .instrument_id = "G1", .procedure_id = "en837", .mode = "periodic" };
	int64_t id;

	(void)state;
	gauge_certificate(&c1, db); /* CB-2025-000001 */
	snprintf(next, sizeof(next), "%.*s000002", (int)strlen(c1.number) - 6, c1.number);
	snprintf(reg, sizeof(reg), "date,type,serial,result,number\n2025-01-02,x,9,pass,%s\n",
		 next);
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	cal_import_report_free(&r);
	assert_int_equal(cal_db_run_begin(&id, db, &run, "id: en837\n"), CAL_OK);
	assert_int_equal(cal_db_run_complete(&c2, db, id, "PASS", "", 1767000000), CAL_OK);
	assert_string_not_equal(c2.number, next);
	assert_int_equal(strcmp(c2.number, next) > 0, 1);
	/* a certificate's number in lower case is the certificate's */
	snprintf(lower, sizeof(lower), "%s", c1.number);
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	snprintf(reg, sizeof(reg), "date,type,serial,result,number\n2025-01-03,x,10,pass,%s\n",
		 lower);
	o.file_name = "r2.csv";
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_ERR_STATE);
	assert_non_null(strstr(cal_error_last(), "is already a calbench document"));
	cal_import_report_free(&r);
	cal_db_close(db);
}

/* The review's findings: a named column is nobody else's; types match folded; the latest owner. */
static void test_import_columns_types_owner(void **state)
{
	static const char reg[] = "date,type,serial,result,Số\n"
				  "2023-01-02,Cân kỹ thuật,K-1,pass,S-1\n"
				  "2024-01-03,CÂN KỸ THUẬT,K-1,pass,S-2\n";
	static const char owners[] = "date,type,serial,result,owner\n"
				     "2022-01-02,áp kế,A-1,pass,Chủ cũ\n"
				     "2024-05-03,áp kế,A-1,pass,Chủ mới\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("r.csv");
	struct cal_import_report r;
	struct cal_instrument in;

	(void)state;
	o.column[CAL_IMP_NUMBER] = "Số"; /* also an alias of serial: it is number's now */
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	assert_int_equal(r.instruments_new, 1); /* one instrument: the type in capitals too */
	cal_import_report_free(&r);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history WHERE instrument_id = 'K-1' "
				   "AND number IN ('S-1', 'S-2')"),
			 2);
	o.column[CAL_IMP_NUMBER] = NULL;
	o.file_name = "owners.csv";
	assert_int_equal(cal_db_import_csv(&r, db, owners, strlen(owners), &o), CAL_OK);
	cal_import_report_free(&r);
	assert_int_equal(cal_db_instrument_get(&in, db, "A-1"), CAL_OK);
	assert_string_equal(in.owner, "Chủ mới");
	cal_db_close(db);
}

/* An imported pass without a validity date is valid for the interval in force on its date. */
static void test_import_validity_from_interval(void **state)
{
	static const char reg[] = "date,type,serial,result,number\n"
				  "2024-06-10,cột đo xăng dầu,P-1,pass,CD-1\n";
	struct cal_db *db = open_db();
	struct cal_import_opts o = opts("r.csv");
	struct cal_import_report r;
	struct cal_verify v;
	struct cal_date before = { 2025, 6, 10 }, after = { 2025, 6, 11 };

	(void)state;
	assert_int_equal(
		sqlite3_exec(cal_db_handle(db),
			     "INSERT INTO intervals VALUES ('cột đo xăng dầu', '2013-11-15', "
			     "12, 'test')",
			     NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(cal_db_import_csv(&r, db, reg, strlen(reg), &o), CAL_OK);
	cal_import_report_free(&r);
	assert_int_equal(cal_db_verify(&v, db, "CD-1", &before), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_string_equal(v.cert.valid_until, "2025-06-10");
	assert_string_equal(v.imported.valid_until, "");
	assert_int_equal(cal_db_verify(&v, db, "CD-1", &after), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_EXPIRED);
	cal_db_close(db);
}

/* The primary result code of @sql (extended codes are on). */
static int exec_rc(sqlite3 *h, const char *sql)
{
	return sqlite3_exec(h, sql, NULL, NULL, NULL) & 0xff;
}

/* The history table keeps itself: no edit, no delete, a revocation only marks it. */
static void test_history_guards(void **state)
{
	struct cal_db *db = open_db();
	sqlite3 *h = cal_db_handle(db);
	struct cal_stats_query q = { 0 };
	struct cal_stats s;
	struct cal_cert c;

	(void)state;
	gauge_certificate(&c, db);
	assert_int_equal(exec_rc(h, "UPDATE history SET result = 'fail'"), SQLITE_CONSTRAINT);
	assert_int_equal(exec_rc(h, "UPDATE history SET revoked = 1"), SQLITE_CONSTRAINT);
	assert_int_equal(exec_rc(h, "DELETE FROM history"), SQLITE_CONSTRAINT);
	/* nor swapped by INSERT OR REPLACE (which deletes without the DELETE trigger) */
	assert_int_equal(exec_rc(h, "INSERT OR REPLACE INTO history (id, source, import_id, "
				    "import_row, number, instrument_id, activity, event_date, "
				    "result, mode, type) SELECT id, 'import', 1, 1, '', "
				    "instrument_id, activity, event_date, 'fail', mode, type "
				    "FROM history"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(exec_rc(h, "INSERT OR REPLACE INTO certificates SELECT * FROM "
				    "certificates"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(q_int(db, "SELECT count(*) FROM history WHERE result = 'pass' AND "
				   "source = 'run'"),
			 1);
	/* a run's row only comes from its completion */
	assert_int_equal(exec_rc(h, "INSERT INTO history (source, run_id, number, instrument_id, "
				    "activity, event_date, result, mode, type) VALUES ('run', 99, "
				    "'X', 'G1', 'verification', '2025-01-01', 'pass', 'initial', "
				    "'x')"),
			 SQLITE_CONSTRAINT);
	assert_int_equal(cal_db_stats(&s, db, &q), CAL_OK);
	assert_int_equal(s.total.total, 1);
	cal_stats_free(&s);
	assert_int_equal(cal_db_cert_revoke(db, c.number, "wrong instrument", 1767001000), CAL_OK);
	assert_int_equal(q_int(db, "SELECT revoked FROM history"), 1);
	assert_int_equal(cal_db_stats(&s, db, &q), CAL_OK);
	assert_int_equal(s.total.total, 0);
	cal_stats_free(&s);
	cal_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_quotes_and_lines),
		cmocka_unit_test(test_csv_delimiter_guess),
		cmocka_unit_test(test_csv_errors),
		cmocka_unit_test(test_import_vietnamese_register),
		cmocka_unit_test(test_import_verify),
		cmocka_unit_test(test_import_superseded),
		cmocka_unit_test(test_import_late_error_all_or_nothing),
		cmocka_unit_test(test_import_bad_rows),
		cmocka_unit_test(test_import_mapping_and_dates),
		cmocka_unit_test(test_import_number_taken_by_document),
		cmocka_unit_test(test_history_guards),
		cmocka_unit_test(test_import_trial_findings),
		cmocka_unit_test(test_import_same_row_and_ambiguous),
		cmocka_unit_test(test_import_validity_from_interval),
		cmocka_unit_test(test_import_skip_imported),
		cmocka_unit_test(test_import_numbers_and_sequence),
		cmocka_unit_test(test_import_columns_types_owner),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

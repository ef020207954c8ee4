/*
 * What is due (db/due.c, docs/due.md): the interval in force on an event's
 * date (before and after a change of law on 2024-10-15), type matching
 * (longest prefix, Vietnamese case folding), the instrument's own interval,
 * the certificate's validity date, a failure overdue until re-verified,
 * revoked documents ignored, reference standards, the window's edges, the
 * certificate's validity taken from the intervals table, owners, bad input.
 *
 * History rows come from completed runs (the trigger of schema v6) and from
 * rows inserted as an import would (source 'import'; db/import.c is not
 * needed for that).
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
#include "cal/due.h"
#include "cal/error.h"

static struct cal_db *open_db(void)
{
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, ":memory:"), CAL_OK);
	assert_int_equal(
		sqlite3_exec(cal_db_handle(db),
			     "INSERT INTO imports (id, file_name, file_sha256, rows, "
			     "imported_at) VALUES (1, 'register.csv', "
			     "'0000000000000000000000000000000000000000000000000000000000000000'"
			     ", 0, '2026-01-01T00:00:00Z')",
			     NULL, NULL, NULL),
		SQLITE_OK);
	return db;
}

static void add_instrument(struct cal_db *db, const char *id, const char *type, const char *owner,
			   int interval)
{
	struct cal_instrument in = {
		.manufacturer = "WIKA",
		.accuracy_class = "1.0",
		.unit = "bar",
		.max = 5,
		.d = 0.1,
		.kind = "bourdon-gauge",
	};

	in.interval_months = interval;
	snprintf(in.id, sizeof(in.id), "%s", id);
	snprintf(in.type, sizeof(in.type), "%s", type);
	snprintf(in.owner, sizeof(in.owner), "%s", owner);
	snprintf(in.serial, sizeof(in.serial), "S-%s", id);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
}

/* One imported verification of @instr: @result "pass"/"fail", @valid_until "" = none. */
static void imported(struct cal_db *db, const char *instr, const char *date,
		     const char *valid_until, const char *result, const char *number)
{
	static int row = 1;
	sqlite3_stmt *st = NULL;

	assert_int_equal(
		sqlite3_prepare_v2(cal_db_handle(db),
				   "INSERT INTO history (source, import_id, import_row, "
				   "number, instrument_id, activity, event_date, "
				   "valid_until, result, mode, type, owner) SELECT "
				   "'import', 1, ?1, ?2, id, 'verification', ?3, ?4, ?5, "
				   "'periodic', type, owner FROM instruments WHERE id = ?6",
				   -1, &st, NULL),
		SQLITE_OK);
	sqlite3_bind_int(st, 1, row++);
	sqlite3_bind_text(st, 2, number, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, valid_until, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, result, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, instr, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	assert_int_equal(sqlite3_changes(cal_db_handle(db)), 1);
	sqlite3_finalize(st);
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

/* One completed run of @instr issued on @date (@activity "" = verification); its document in @c. */
static void run_doc(struct cal_cert *c, struct cal_db *db, const char *instr, const char *activity,
		    const char *verdict, const char *date)
{
	struct cal_run r = { .procedure_id = "en837", .method = "ĐLVN 08:2011" };
	int64_t id = 0;

	snprintf(r.instrument_id, sizeof(r.instrument_id), "%s", instr);
	snprintf(r.mode, sizeof(r.mode), "periodic");
	snprintf(r.activity, sizeof(r.activity), "%s", activity);
	assert_int_equal(cal_db_run_begin(&id, db, &r, "id: en837\n"), CAL_OK);
	assert_int_equal(cal_db_run_complete(c, db, id, verdict, "E > MPE", unix_of(date)), CAL_OK);
}

static void doc(struct cal_cert *c, struct cal_db *db, const char *instr, const char *verdict,
		const char *date)
{
	run_doc(c, db, instr, "", verdict, date);
}

static void set_interval(struct cal_db *db, const char *type, const char *from, int months,
			 const char *source)
{
	struct cal_interval iv = { .months = months };

	snprintf(iv.type, sizeof(iv.type), "%s", type);
	snprintf(iv.effective_from, sizeof(iv.effective_from), "%s", from);
	snprintf(iv.source, sizeof(iv.source), "%s", source);
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_OK);
}

static void expect_due(struct cal_db *db, const char *id, const char *today, const char *due,
		       int days_left, const char *basis)
{
	struct cal_due d;

	assert_int_equal(cal_db_instrument_due(&d, db, id, today), CAL_OK);
	assert_string_equal(d.kind, "instrument");
	assert_string_equal(d.id, id);
	assert_string_equal(d.due_date, due);
	if (due[0])
		assert_int_equal(d.days_left, days_left);
	assert_string_equal(d.basis, basis);
}

static void test_fold(void **state)
{
	char out[96];

	(void)state;
	cal_type_fold(out, sizeof(out), "  ĐỒNG HỒ   Đo NƯỚC  lạnh\t");
	assert_string_equal(out, "đồng hồ đo nước lạnh");
	cal_type_fold(out, sizeof(out), "ÁP KẾ CHỈ THỊ SỐ ƠƯĂÂÊÔ");
	assert_string_equal(out, "áp kế chỉ thị số ơưăâêô");
	cal_type_fold(out, sizeof(out), "Cân Ô TÔ ỲỴỶỸÝ ×");
	assert_string_equal(out, "cân ô tô ỳỵỷỹý ×");
	/* not UTF-8: copied as it is */
	cal_type_fold(out, sizeof(out), "A\xff\xc3");
	assert_string_equal(out, "a\xff\xc3");
	/* cut at a character boundary */
	cal_type_fold(out, 4, "ĐĐĐ");
	assert_string_equal(out, "đ");
}

/* The interval in force on the event's date: 24 months until 2024-10-14, 12 from 2024-10-15. */
static void test_interval_in_force(void **state)
{
	struct cal_db *db = open_db();
	struct cal_interval row;
	int months;

	(void)state;
	set_interval(db, "cân bàn", "2013-11-15", 24, "Thông tư 23/2013/TT-BKHCN");
	set_interval(db, "cân bàn", "2024-10-15", 12, "Thông tư 03/2024/TT-BKHCN");
	assert_int_equal(cal_db_interval_for(&months, &row, db, "cân bàn", "2024-10-14"), CAL_OK);
	assert_int_equal(months, 24);
	assert_string_equal(row.effective_from, "2013-11-15");
	assert_string_equal(row.source, "Thông tư 23/2013/TT-BKHCN");
	assert_int_equal(cal_db_interval_for(&months, &row, db, "Cân bàn 60 kg", "2024-10-15"),
			 CAL_OK);
	assert_int_equal(months, 12);
	assert_string_equal(row.source, "Thông tư 03/2024/TT-BKHCN");
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "cân bàn", "2013-11-14"),
			 CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no interval known for type 'cân bàn' on 2013-11-14");

	add_instrument(db, "B1", "Cân bàn 60 kg", "Chợ Quảng Ngãi", 0);
	add_instrument(db, "B2", "CÂN BÀN 60 kg", "Chợ Quảng Ngãi", 0);
	imported(db, "B1", "2024-10-14", "", "pass", "");
	imported(db, "B2", "2024-10-15", "", "pass", "KĐ-7");
	expect_due(db, "B1", "2025-01-01", "2026-10-14", 651,
		   "interval 24 months (Thông tư 23/2013/TT-BKHCN) from 2024-10-14");
	expect_due(db, "B2", "2025-01-01", "2025-10-15", 287,
		   "interval 12 months (Thông tư 03/2024/TT-BKHCN) from 2024-10-15");
	/* as on an earlier day: the verifications after it are not known yet */
	expect_due(db, "B2", "2024-10-14", "", 0, "never verified");
	imported(db, "B2", "2025-09-30", "2026-09-30", "pass", "KĐ-8");
	expect_due(db, "B2", "2025-09-29", "2025-10-15", 16,
		   "interval 12 months (Thông tư 03/2024/TT-BKHCN) from 2024-10-15");
	expect_due(db, "B2", "2025-09-30", "2026-09-30", 365,
		   "certificate KĐ-8 valid until 2026-09-30");
	cal_db_close(db);
}

static void test_longest_prefix(void **state)
{
	struct cal_db *db = open_db();
	int months;

	(void)state;
	set_interval(db, "đồng hồ đo nước", "2013-11-15", 60, "");
	set_interval(db, "ĐỒNG HỒ ĐO NƯỚC LẠNH CÓ CƠ CẤU ĐIỆN TỬ", "2013-11-15", 36, "");
	/* a longer type whose row takes effect later: the shorter one until then */
	set_interval(db, "đồng hồ đo nước lạnh cơ khí", "2024-10-15", 48, "");
	assert_int_equal(cal_db_interval_for(&months, NULL, db,
					     "Đồng hồ đo nước lạnh có cơ cấu điện tử DN15",
					     "2020-01-01"),
			 CAL_OK);
	assert_int_equal(months, 36);
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "đồng hồ đo nước lạnh cơ khí DN20",
					     "2020-01-01"),
			 CAL_OK);
	assert_int_equal(months, 60);
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "đồng hồ đo nước lạnh cơ khí DN20",
					     "2025-01-01"),
			 CAL_OK);
	assert_int_equal(months, 48);
	/* a prefix of the row's type does not match it */
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "đồng hồ", "2025-01-01"),
			 CAL_ERR_NOTFOUND);
	/* 2024-01-31 + 36 months: the day kept; + 1 month would clamp */
	add_instrument(db, "DH1", "đồng hồ đo nước lạnh có cơ cấu điện tử", "Cấp nước", 0);
	imported(db, "DH1", "2024-01-31", "", "pass", "");
	expect_due(db, "DH1", "2026-12-31", "2027-01-31", 31,
		   "interval 36 months (ĐỒNG HỒ ĐO NƯỚC LẠNH CÓ CƠ CẤU ĐIỆN TỬ) from 2024-01-31");
	cal_db_close(db);
}

/* The instrument's own interval, then the certificate's validity date, come first. */
static void test_precedence(void **state)
{
	struct cal_db *db = open_db();
	struct cal_cert c;

	(void)state;
	set_interval(db, "áp kế", "2013-11-15", 12, "TT 23/2013");
	add_instrument(db, "OWN", "áp kế lò xo", "Nhà máy nước", 6);
	imported(db, "OWN", "2025-01-31", "", "pass", "");
	expect_due(db, "OWN", "2025-07-31", "2025-07-31", 0,
		   "interval 6 months (the instrument's own) from 2025-01-31");

	add_instrument(db, "VU", "áp kế lò xo", "Nhà máy nước", 6);
	imported(db, "VU", "2025-01-31", "2027-01-31", "pass", "KĐ-123");
	expect_due(db, "VU", "2025-07-31", "2027-01-31", 549,
		   "certificate KĐ-123 valid until 2027-01-31");
	imported(db, "VU", "2025-02-01", "2026-02-01", "pass", "");
	expect_due(db, "VU", "2025-07-31", "2026-02-01", 185,
		   "verified on 2025-02-01, valid until 2026-02-01");

	/* a run's certificate: valid until issue + the instrument's interval */
	add_instrument(db, "RUN", "áp kế lò xo", "Nhà máy nước", 6);
	doc(&c, db, "RUN", "PASS", "2025-03-31");
	assert_string_equal(c.valid_until, "2025-09-30");
	{
		char basis[160];

		snprintf(basis, sizeof(basis), "certificate %s valid until 2025-09-30", c.number);
		expect_due(db, "RUN", "2025-09-30", "2025-09-30", 0, basis);
	}

	/* never verified; no interval known; 0 months */
	add_instrument(db, "NEW", "áp kế lò xo", "Nhà máy nước", 6);
	expect_due(db, "NEW", "2025-07-31", "", 0, "never verified");
	add_instrument(db, "X", "nhiệt kế", "Bệnh viện", 0);
	imported(db, "X", "2025-01-31", "", "pass", "");
	expect_due(db, "X", "2025-07-31", "", 0,
		   "no interval known for type 'nhiệt kế' on 2025-01-31");
	set_interval(db, "nhiệt kế", "2000-01-01", 0, "group 1");
	expect_due(db, "X", "2025-07-31", "", 0,
		   "no periodic verification for type 'nhiệt kế' (group 1)");
	cal_db_close(db);
}

/* A fail is due at once until re-verified; revoked documents do not count. */
static void test_fail_revoked(void **state)
{
	struct cal_db *db = open_db();
	struct cal_cert c1, c2, c3;
	char basis[160];

	(void)state;
	add_instrument(db, "A", "áp kế lò xo", "Nhà máy nước", 12);
	doc(&c1, db, "A", "PASS", "2025-01-10");
	doc(&c2, db, "A", "FAIL", "2025-06-02");
	assert_int_equal(c2.kind, CAL_CERT_FAILURE);
	expect_due(db, "A", "2025-06-12", "2025-06-02", -10,
		   "failed on 2025-06-02, not re-verified");
	{
		struct cal_due d;

		assert_int_equal(cal_db_instrument_due(&d, db, "A", "2025-06-12"), CAL_OK);
		assert_string_equal(d.last_date, "2025-06-02");
		assert_string_equal(d.last_result, "fail");
		assert_string_equal(d.last_number, c2.number);
	}
	/* re-verified after repair: the fail no longer counts */
	doc(&c3, db, "A", "PASS", "2025-06-20");
	snprintf(basis, sizeof(basis), "certificate %s valid until 2026-06-20", c3.number);
	expect_due(db, "A", "2025-06-21", "2026-06-20", 364, basis);
	/* that certificate revoked: the fail decides again */
	assert_int_equal(
		cal_db_cert_revoke(db, c3.number, "wrong instrument", unix_of("2025-06-21")),
		CAL_OK);
	expect_due(db, "A", "2025-06-21", "2025-06-02", -19,
		   "failed on 2025-06-02, not re-verified");
	/* the failure record revoked too: the first certificate */
	assert_int_equal(cal_db_cert_revoke(db, c2.number, "wrong record", unix_of("2025-06-21")),
			 CAL_OK);
	snprintf(basis, sizeof(basis), "certificate %s valid until 2026-01-10", c1.number);
	expect_due(db, "A", "2025-06-21", "2026-01-10", 203, basis);
	assert_int_equal(cal_db_cert_revoke(db, c1.number, "void", unix_of("2025-06-21")), CAL_OK);
	expect_due(db, "A", "2025-06-21", "", 0, "never verified");

	/* a fail and a pass the same day: the later entry wins */
	add_instrument(db, "B", "áp kế lò xo", "Nhà máy nước", 12);
	imported(db, "B", "2025-03-03", "", "fail", "BB-1");
	imported(db, "B", "2025-03-03", "2026-03-03", "pass", "KĐ-2");
	expect_due(db, "B", "2025-06-21", "2026-03-03", 255,
		   "certificate KĐ-2 valid until 2026-03-03");
	/* an older verification entered later, a later calibration: neither counts */
	doc(&c1, db, "B", "PASS", "2025-01-01");
	run_doc(&c1, db, "B", "calibration", "FAIL", "2025-04-01");
	assert_int_equal(c1.kind, CAL_CERT_CALIBRATION);
	expect_due(db, "B", "2025-06-21", "2026-03-03", 255,
		   "certificate KĐ-2 valid until 2026-03-03");
	cal_db_close(db);
}

/* An instrument without an interval of its own: its certificate takes the table's. */
static void test_certificate_from_table(void **state)
{
	struct cal_db *db = open_db();
	struct cal_cert c;

	(void)state;
	set_interval(db, "cân bàn", "2013-11-15", 24, "TT 23/2013");
	set_interval(db, "cân bàn", "2024-10-15", 12, "TT 03/2024");
	add_instrument(db, "C1", "cân bàn", "Chợ", 0);
	doc(&c, db, "C1", "PASS", "2024-10-14");
	assert_string_equal(c.valid_until, "2026-10-14");
	doc(&c, db, "C1", "PASS", "2024-10-15");
	assert_string_equal(c.valid_until, "2025-10-15");
	/* failure records carry no validity */
	doc(&c, db, "C1", "FAIL", "2024-10-16");
	assert_string_equal(c.valid_until, "");
	/* no row for the type: no validity date, as before */
	add_instrument(db, "C2", "nhiệt kế", "Chợ", 0);
	doc(&c, db, "C2", "PASS", "2024-10-15");
	assert_string_equal(c.valid_until, "");
	cal_db_close(db);
}

static void add_weight(struct cal_db *db, const char *id, const char *due)
{
	struct cal_standard s = { .weight_class = "M1", .nominal_kg = 10, .k = 2 };

	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.due_date, sizeof(s.due_date), "%s", due);
	snprintf(s.cert_no, sizeof(s.cert_no), "KL-%s", id);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
}

static void add_pstandard(struct cal_db *db, const char *id, const char *unit, const char *due)
{
	struct cal_pstandard s = { .range_lo = 0, .range_hi = 10, .u_abs = 0.001, .k = 2 };

	if (strcmp(unit, "m3/h") == 0) { /* a master meter: U relative to the volume */
		s.u_abs = 0;
		s.u_rel = 0.002;
	}
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.unit, sizeof(s.unit), "%s", unit);
	snprintf(s.serial, sizeof(s.serial), "SN-%s", id);
	snprintf(s.due_date, sizeof(s.due_date), "%s", due);
	assert_int_equal(cal_db_pstandard_add(db, &s), CAL_OK);
}

/* The list: the window's edges, standards, order, owners' contacts. */
static void test_list(void **state)
{
	struct cal_db *db = open_db();
	struct cal_owner o = { .name = "Công ty \"Xăng dầu\", Quảng Ngãi",
			       .contact = "Nguyễn Văn Đức",
			       .phone = "0905 123 456",
			       .email = "duc@example.vn",
			       .address = "12 Lê Lợi, Quảng Ngãi" };
	struct cal_due *d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(cal_db_owner_set(db, &o), CAL_OK);
	add_instrument(db, "EDGE", "áp kế", o.name, 12);
	add_instrument(db, "OUT", "áp kế", o.name, 12);
	add_instrument(db, "FAIL", "áp kế", "Bệnh viện", 12);
	add_instrument(db, "NEVER", "áp kế", "Bệnh viện", 12);
	add_instrument(db, "AA", "áp kế", "Bệnh viện", 12);
	imported(db, "EDGE", "2025-06-14", "2026-06-14", "pass", "KĐ-1"); /* today + 30 */
	imported(db, "OUT", "2025-06-15", "2026-06-15", "pass", "KĐ-2");  /* today + 31 */
	imported(db, "FAIL", "2026-05-02", "", "fail", "BB-3");
	imported(db, "AA", "2025-06-14", "2026-06-14", "pass", "KĐ-4"); /* same day as EDGE */
	add_weight(db, "W10K", "2026-06-01");
	add_weight(db, "W20K", "2026-07-01");
	add_pstandard(db, "PACE-01", "bar", "2026-04-01");
	add_pstandard(db, "MM-1", "m3/h", "2026-05-15");
	add_pstandard(db, "CAN-B", "L", "2026-06-14");
	add_pstandard(db, "CAN-C", "L", "");

	assert_int_equal(cal_db_due_list(&d, &n, db, "2026-05-15", 30), CAL_OK);
	assert_int_equal(n, 7);
	assert_string_equal(d[0].id, "PACE-01");
	assert_string_equal(d[0].kind, "standard");
	assert_string_equal(d[0].type, "pressure standard");
	assert_string_equal(d[0].serial, "SN-PACE-01");
	assert_int_equal(d[0].days_left, -44);
	assert_string_equal(d[1].id, "FAIL");
	assert_string_equal(d[1].due_date, "2026-05-02");
	assert_int_equal(d[1].days_left, -13);
	assert_string_equal(d[1].basis, "failed on 2026-05-02, not re-verified");
	assert_string_equal(d[2].id, "MM-1");
	assert_string_equal(d[2].type, "flow standard");
	assert_int_equal(d[2].days_left, 0);
	assert_string_equal(d[3].id, "W10K");
	assert_string_equal(d[3].type, "weight M1");
	assert_string_equal(d[3].last_number, "KL-W10K");
	assert_string_equal(d[3].basis, "calibration certificate KL-W10K, due 2026-06-01");
	assert_string_equal(d[4].id, "AA");
	assert_string_equal(d[5].id, "CAN-B");
	assert_string_equal(d[5].type, "volume standard");
	assert_string_equal(d[6].id, "EDGE");
	assert_string_equal(d[6].due_date, "2026-06-14");
	assert_int_equal(d[6].days_left, 30);
	assert_string_equal(d[6].owner, o.name);
	assert_string_equal(d[6].contact, "Nguyễn Văn Đức");
	assert_string_equal(d[6].phone, "0905 123 456");
	assert_string_equal(d[6].email, "duc@example.vn");
	assert_string_equal(d[6].address, "12 Lê Lợi, Quảng Ngãi");
	assert_string_equal(d[6].last_date, "2025-06-14");
	assert_string_equal(d[6].last_result, "pass");
	assert_string_equal(d[6].last_number, "KĐ-1");
	assert_string_equal(d[6].serial, "S-EDGE");
	assert_string_equal(d[1].contact, ""); /* owner not registered */
	free(d);

	/* one day more: OUT too */
	assert_int_equal(cal_db_due_list(&d, &n, db, "2026-05-15", 31), CAL_OK);
	assert_int_equal(n, 8);
	assert_string_equal(d[7].id, "OUT");
	free(d);
	/* window 0: what is due today or overdue */
	assert_int_equal(cal_db_due_list(&d, &n, db, "2026-05-15", 0), CAL_OK);
	assert_int_equal(n, 3);
	free(d);
	/* nothing due */
	assert_int_equal(cal_db_due_list(&d, &n, db, "2020-01-01", 30), CAL_OK);
	assert_int_equal(n, 0);
	assert_null(d);
	cal_db_close(db);
}

static void test_owners(void **state)
{
	struct cal_db *db = open_db();
	struct cal_owner o = { .name = "Hợp tác xã Bình Sơn", .phone = "0255 3 822 111" }, got;
	struct cal_owner *all = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(cal_db_owner_get(&got, db, "Hợp tác xã Bình Sơn"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "unknown owner 'Hợp tác xã Bình Sơn'");
	assert_int_equal(cal_db_owner_set(db, &o), CAL_OK);
	snprintf(o.email, sizeof(o.email), "htx@example.vn");
	assert_int_equal(cal_db_owner_set(db, &o), CAL_OK);
	assert_int_equal(cal_db_owner_get(&got, db, "Hợp tác xã Bình Sơn"), CAL_OK);
	assert_string_equal(got.phone, "0255 3 822 111");
	assert_string_equal(got.email, "htx@example.vn");
	snprintf(o.name, sizeof(o.name), "Bệnh viện");
	assert_int_equal(cal_db_owner_set(db, &o), CAL_OK);
	assert_int_equal(cal_db_owner_list(&all, &n, db), CAL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].name, "Bệnh viện");
	free(all);
	memset(&o, 0, sizeof(o));
	assert_int_equal(cal_db_owner_set(db, &o), CAL_ERR_ARG);
	snprintf(o.name, sizeof(o.name), "A");
	snprintf(o.phone, sizeof(o.phone), "1\n2");
	assert_int_equal(cal_db_owner_set(db, &o), CAL_ERR_ARG);
	cal_db_close(db);
}

static void test_interval_set(void **state)
{
	struct cal_db *db = open_db();
	struct cal_interval iv = { .type = "cân bàn",
				   .effective_from = "2024-10-15",
				   .months = 12 };
	struct cal_interval *all = NULL;
	size_t n = 0;
	int changed, months;

	(void)state;
	assert_int_equal(cal_db_interval_set(&changed, db, &iv), CAL_OK);
	assert_int_equal(changed, 1);
	assert_int_equal(cal_db_interval_set(&changed, db, &iv), CAL_OK);
	assert_int_equal(changed, 0);
	/* the same type in another case and with blanks: replaced, not added */
	snprintf(iv.type, sizeof(iv.type), "  CÂN BÀN ");
	iv.months = 6;
	assert_int_equal(cal_db_interval_set(&changed, db, &iv), CAL_OK);
	assert_int_equal(changed, 2);
	assert_int_equal(cal_db_interval_list(&all, &n, db), CAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].type, "CÂN BÀN");
	assert_int_equal(all[0].months, 6);
	free(all);
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "cân bàn", "2030-01-01"), CAL_OK);
	assert_int_equal(months, 6);

	/* bad input */
	iv.months = 241;
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "241 months is out of range (0 to 240"));
	iv.months = -1;
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_ERR_ARG);
	iv.months = 12;
	snprintf(iv.effective_from, sizeof(iv.effective_from), "2024-02-30");
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_ERR_ARG);
	assert_non_null(strstr(cal_error_last(), "'2024-02-30' is not a date"));
	snprintf(iv.effective_from, sizeof(iv.effective_from), "2024-02-29");
	snprintf(iv.type, sizeof(iv.type), "   ");
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_ERR_ARG);
	snprintf(iv.type, sizeof(iv.type), "cân\tbàn");
	assert_int_equal(cal_db_interval_set(NULL, db, &iv), CAL_ERR_ARG);
	assert_int_equal(cal_db_interval_for(&months, NULL, db, "cân bàn", "2024-13-01"),
			 CAL_ERR_ARG);
	cal_db_close(db);
}

static void test_bad_input(void **state)
{
	struct cal_db *db = open_db();
	struct cal_due d, *list = NULL;
	size_t n = 7;
	char buf[11];

	(void)state;
	assert_int_equal(cal_db_instrument_due(&d, db, "NOPE", "2026-01-01"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no instrument 'NOPE'");
	add_instrument(db, "A", "áp kế", "X", 12);
	assert_int_equal(cal_db_instrument_due(&d, db, "A", "2026-1-1"), CAL_ERR_ARG);
	assert_int_equal(cal_db_due_list(&list, &n, db, "yesterday", 30), CAL_ERR_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(cal_db_due_list(&list, &n, db, "2026-01-01", -1), CAL_ERR_ARG);
	assert_int_equal(cal_db_due_list(&list, &n, db, "2026-01-01", CAL_DUE_MAX_WITHIN_DAYS + 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_due_list(&list, &n, db, "9999-12-01", 31), CAL_ERR_ARG);
	assert_null(list);
	assert_int_equal(cal_date_add_days_str(buf, sizeof(buf), "2024-02-28", 2), CAL_OK);
	assert_string_equal(buf, "2024-03-01");
	assert_int_equal(cal_date_add_days_str(buf, sizeof(buf), "2023-12-31", 366), CAL_OK);
	assert_string_equal(buf, "2024-12-31");
	assert_int_equal(cal_date_add_days_str(buf, sizeof(buf), "2026-05-15", 36500), CAL_OK);
	assert_string_equal(buf, "2126-04-21");
	cal_db_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_interval_in_force),
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_precedence),
		cmocka_unit_test(test_fail_revoked),
		cmocka_unit_test(test_certificate_from_table),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_interval_set),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

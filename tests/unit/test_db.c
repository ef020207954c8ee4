/*
 * Unit tests for db/: registers, the life of a run, certificate numbering and
 * issue, verification, recovery, and the invariants of cal/db.h attacked with
 * plain SQL. In-memory databases, plus a temporary directory for the cases
 * that need a file (WAL, reopen, migration, refusal of foreign files).
 */
#include <ctype.h>
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

#include <sqlite3.h>

#include "cal/db.h"
#include "cal/error.h"

/* test_db_proc.c */
int test_db_dead_pid(void);

/* 2026-03-15T10:00:00Z, 2024-01-31T09:00:00Z, 2027-01-02T08:00:00Z */
#define T_2026_03_15 INT64_C(1773568800)
#define T_2024_01_31 INT64_C(1706691600)
#define T_2027_01_02 INT64_C(1798876800)

#define PROC_TEXT "id: dlvn-16\ntitle: balances\n"
/* sha256 of PROC_TEXT */
#define PROC_SHA "a8462b5670aed89f1aac93b1cb5e21a8333222e0b1ad1a48553a85e613c70293"

/* ---- helpers ------------------------------------------------------------- */

static struct cal_db *open_mem(void)
{
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, ":memory:"), CAL_OK);
	assert_non_null(db);
	return db;
}

static void instr_fill(struct cal_instrument *in, const char *id, int interval)
{
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "%s", id);
	snprintf(in->type, sizeof(in->type), "cân kỹ thuật");
	snprintf(in->manufacturer, sizeof(in->manufacturer), "Mettler Toledo");
	snprintf(in->model, sizeof(in->model), "XS205");
	snprintf(in->serial, sizeof(in->serial), "SN-%s", id);
	snprintf(in->owner, sizeof(in->owner), "Công ty TNHH Ánh Dương");
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "II");
	snprintf(in->unit, sizeof(in->unit), "g");
	in->max = 220;
	in->min = 0.02;
	in->e = 0.001;
	in->d = 0.0001;
	in->interval_months = interval;
}

static void add_instr(struct cal_db *db, const char *id, int interval)
{
	struct cal_instrument in;

	instr_fill(&in, id, interval);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
}

static void std_fill(struct cal_standard *s, const char *id, double nominal)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	snprintf(s->weight_class, sizeof(s->weight_class), "F1");
	s->nominal_kg = nominal;
	s->correction_kg = 1e-6;
	s->u_kg = 2e-6;
	s->k = 2;
	snprintf(s->cert_no, sizeof(s->cert_no), "HC-%s", id);
	snprintf(s->due_date, sizeof(s->due_date), "2027-06-30");
}

static void run_fill(struct cal_run *r, const char *instr, int pid)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->instrument_id, sizeof(r->instrument_id), "%s", instr);
	snprintf(r->procedure_id, sizeof(r->procedure_id), "dlvn-16");
	snprintf(r->procedure_title, sizeof(r->procedure_title), "Cân kỹ thuật");
	snprintf(r->method, sizeof(r->method), "ĐLVN 16:2009");
	snprintf(r->procedure_path, sizeof(r->procedure_path), "procedures/dlvn16.yaml");
	snprintf(r->bench_path, sizeof(r->bench_path), "bench.yaml");
	snprintf(r->device_id, sizeof(r->device_id), "bal1");
	snprintf(r->mode, sizeof(r->mode), "periodic");
	snprintf(r->operator_name, sizeof(r->operator_name), "Nguyễn Văn A");
	snprintf(r->dut_model, sizeof(r->dut_model), "XS205");
	snprintf(r->dut_serial, sizeof(r->dut_serial), "B123");
	r->pid = pid;
}

static int64_t begin_run(struct cal_db *db, const char *instr, int pid)
{
	struct cal_run r;
	int64_t id = 0;

	run_fill(&r, instr, pid);
	assert_int_equal(cal_db_run_begin(&id, db, &r, PROC_TEXT), CAL_OK);
	assert_true(id > 0);
	return id;
}

static void reading_fill(struct cal_reading *rd, double g)
{
	memset(rd, 0, sizeof(*rd));
	rd->value = g;
	rd->unit = CAL_UNIT_G;
	rd->value_si = g / 1000;
	rd->decimals = 4;
	rd->flags = CAL_RD_STABLE;
	rd->t_mono_ms = 12345;
	snprintf(rd->raw, sizeof(rd->raw), "S S %10.4f g", g);
}

static int64_t add_reading(struct cal_db *db, int64_t run, int seq, double g)
{
	struct cal_reading rd;
	int64_t id = 0;

	reading_fill(&rd, g);
	assert_int_equal(cal_db_reading_add(&id, db, run, seq, "device:bal1", &rd), CAL_OK);
	assert_true(id > 0);
	return id;
}

static void result_fill(struct cal_result *r, int seq, double load, double ind, int64_t rid)
{
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	snprintf(r->test, sizeof(r->test), "weighing");
	snprintf(r->label, sizeof(r->label), "up %d", seq);
	snprintf(r->unit, sizeof(r->unit), "g");
	r->load = load;
	r->ref = load;
	r->indication = ind;
	r->decimals = 4;
	r->error = ind - load;
	r->mpe = 0.001;
	snprintf(r->verdict, sizeof(r->verdict), "%s", fabs(ind - load) <= 0.001 ? "PASS" : "FAIL");
	snprintf(r->weights, sizeof(r->weights), "W3+W4");
	r->reading_id = rid;
}

/* One integer from a query on the raw handle. */
static int64_t q_int(struct cal_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_prepare_v2(cal_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* One text from a query on the raw handle, into buf. */
static const char *q_text(char *buf, size_t size, struct cal_db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;

	assert_int_equal(sqlite3_prepare_v2(cal_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	t = sqlite3_column_text(st, 0);
	snprintf(buf, size, "%s", t ? (const char *)t : "(null)");
	sqlite3_finalize(st);
	return buf;
}

/* Plain SQL that must be refused; returns the SQLite error message. */
static void sql_refused(struct cal_db *db, const char *sql, const char *msg_part)
{
	char *err = NULL;
	int rc = sqlite3_exec(cal_db_handle(db), sql, NULL, NULL, &err);

	if (rc == SQLITE_OK)
		fail_msg("plain SQL was accepted: %s", sql);
	assert_non_null(err);
	if (msg_part && !strstr(err, msg_part))
		fail_msg("'%s' failed with '%s', expected '%s'", sql, err, msg_part);
	sqlite3_free(err);
}

static void complete(struct cal_cert *c, struct cal_db *db, int64_t run, const char *verdict,
		     int64_t now)
{
	assert_int_equal(cal_db_run_complete(c, db, run, verdict,
					     strcmp(verdict, "FAIL") == 0 ? "E > MPE at 200 g" : "",
					     now),
			 CAL_OK);
}

static bool contains(const char *s, const char *part)
{
	return strstr(s, part) != NULL;
}

/* ---- temporary directory ------------------------------------------------- */

struct tmp {
	char dir[256];
	char db[300];
};

static int tmp_setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));
	const char *base = getenv("TMPDIR");

	if (!t)
		return -1;
	snprintf(t->dir, sizeof(t->dir), "%s/test_db.XXXXXX", base && base[0] ? base : "/tmp");
	if (!mkdtemp(t->dir)) {
		free(t);
		return -1;
	}
	snprintf(t->db, sizeof(t->db), "%s/calbench.db", t->dir);
	*state = t;
	return 0;
}

static int tmp_teardown(void **state)
{
	struct tmp *t = *state;
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[320];

	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", t->db, suffix[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/notes.txt", t->dir);
	unlink(p);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* Raw SQLite on the file, outside calbench. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;

	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* ---- open, pragmas, schema ------------------------------------------------ */

static void test_open_memory_schema(void **state)
{
	static const char *const tables[] = {
		"settings",  "instruments",   "standards",
		"runs",	     "run_standards", "readings",
		"results",   "certificates",  "certificate_revocations",
		"number_seq"
	};
	struct cal_db *db = open_mem();
	char sql[160], buf[64];

	(void)state;
	assert_string_equal(cal_db_path(db), ":memory:");
	assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q_int(db, "PRAGMA user_version"), CAL_DB_SCHEMA_VERSION);
	assert_int_equal(q_int(db, "PRAGMA synchronous"), 2); /* FULL */
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = '%s'",
			 tables[i]);
		assert_int_equal(q_int(db, sql), 1);
	}
	assert_true(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'trigger'") >= 20);
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_string_equal(buf, "ok");
	cal_db_close(db);
	cal_db_close(NULL);
}

static void test_bad_arguments(void **state)
{
	struct cal_db *db = open_mem(), *db2 = (struct cal_db *)0x1;
	struct cal_instrument in;
	struct cal_standard s;
	struct cal_run r;
	struct cal_reading rd;
	struct cal_result res;
	struct cal_cert c;
	struct cal_verify v;
	struct cal_date today = { 2026, 3, 15 };
	struct cal_instrument *il = (void *)1;
	char buf[32], *text = (char *)1;
	int64_t id = 7;
	size_t n = 9;
	int cnt = 5;

	(void)state;
	assert_int_equal(cal_db_open(NULL, ":memory:"), CAL_ERR_ARG);
	assert_int_equal(cal_db_open(&db2, NULL), CAL_ERR_ARG);
	assert_null(db2);
	db2 = (struct cal_db *)0x1;
	assert_int_equal(cal_db_open(&db2, ""), CAL_ERR_ARG);
	assert_null(db2);
	assert_null(cal_db_path(NULL));
	assert_null(cal_db_handle(NULL));
	assert_int_equal(cal_db_integrity_check(NULL, 10, db), CAL_ERR_ARG);
	assert_int_equal(cal_db_integrity_check(buf, 0, db), CAL_ERR_ARG);
	assert_int_equal(cal_db_setting_get(buf, sizeof(buf), db, ""), CAL_ERR_ARG);
	assert_int_equal(cal_db_setting_set(db, "k", NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_setting_set(NULL, "k", "v"), CAL_ERR_ARG);

	/* Registers: missing required fields. */
	instr_fill(&in, "", 12);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	instr_fill(&in, "A", 12);
	in.serial[0] = '\0';
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "serial"));
	instr_fill(&in, "A", 12);
	in.type[0] = '\0';
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	instr_fill(&in, "A", -1);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	instr_fill(&in, "A", 12);
	in.max = NAN;
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_ARG);
	/* A field without its NUL is read to its size, never past it. */
	instr_fill(&in, "A", 12);
	memset(in.id, 'Z', sizeof(in.id));
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	assert_int_equal(q_int(db, "SELECT length(id) FROM instruments"), sizeof(in.id));
	assert_int_equal(cal_db_instrument_add(NULL, &in), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_add(db, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_get(&in, db, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_get(&in, db, ""), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_get(NULL, db, "A"), CAL_ERR_ARG);
	assert_int_equal(cal_db_instrument_list(&il, NULL, db), CAL_ERR_ARG);
	assert_null(il);
	std_fill(&s, "", 1);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_ERR_ARG);
	std_fill(&s, "W1", 0);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_ERR_ARG);
	std_fill(&s, "W1", 1);
	s.u_kg = -1;
	assert_int_equal(cal_db_standard_add(db, &s), CAL_ERR_ARG);
	std_fill(&s, "W1", 1);
	snprintf(s.due_date, sizeof(s.due_date), "2027-02-30");
	assert_int_equal(cal_db_standard_add(db, &s), CAL_ERR_ARG);
	assert_int_equal(cal_db_standard_get(&s, db, ""), CAL_ERR_ARG);

	/* Runs. */
	add_instr(db, "B", 12);
	run_fill(&r, "B", getpid());
	assert_int_equal(cal_db_run_begin(NULL, db, &r, PROC_TEXT), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_begin(&id, db, &r, NULL), CAL_ERR_ARG);
	assert_int_equal(id, 0);
	assert_int_equal(cal_db_run_begin(&id, db, &r, ""), CAL_ERR_ARG);
	snprintf(r.mode, sizeof(r.mode), "yearly");
	assert_int_equal(cal_db_run_begin(&id, db, &r, PROC_TEXT), CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "yearly"));
	run_fill(&r, "", 1);
	assert_int_equal(cal_db_run_begin(&id, db, &r, PROC_TEXT), CAL_ERR_ARG);
	run_fill(&r, "B", -5);
	assert_int_equal(cal_db_run_begin(&id, db, &r, PROC_TEXT), CAL_ERR_ARG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(cal_db_run_get(NULL, db, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_get(&r, db, 0), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_procedure_text(&text, db, -1), CAL_ERR_ARG);
	assert_null(text);
	assert_int_equal(cal_db_run_add_standard(db, 1, ""), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_interrupt(NULL, 1, "x"), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_resume(db, 1, -1), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_abort(db, 0, "x"), CAL_ERR_ARG);
	assert_int_equal(cal_db_runs_recover(db, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_list(NULL, &n, db, ""), CAL_ERR_ARG);
	assert_int_equal(n, 0);

	/* Readings and results. */
	id = begin_run(db, "B", getpid());
	reading_fill(&rd, 1);
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "", &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "device:", &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "keyboard", &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, NULL, &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_add(NULL, db, id, -1, "operator", &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "operator", NULL), CAL_ERR_ARG);
	rd.unit = (enum cal_unit)99;
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "operator", &rd), CAL_ERR_ARG);
	reading_fill(&rd, 1);
	rd.decimals = -1;
	assert_int_equal(cal_db_reading_add(NULL, db, id, 1, "operator", &rd), CAL_ERR_ARG);
	assert_int_equal(cal_db_reading_count(&cnt, db, id), CAL_OK);
	assert_int_equal(cnt, 0);
	assert_int_equal(cal_db_reading_count(NULL, db, id), CAL_ERR_ARG);
	result_fill(&res, 0, 1, 1, 0);
	assert_int_equal(cal_db_result_add(db, id, &res), CAL_ERR_ARG);
	result_fill(&res, 1, 1, 1, 0);
	snprintf(res.verdict, sizeof(res.verdict), "OK");
	assert_int_equal(cal_db_result_add(db, id, &res), CAL_ERR_ARG);
	result_fill(&res, 1, 1, 1, 0);
	res.error = NAN;
	assert_int_equal(cal_db_result_add(db, id, &res), CAL_ERR_ARG);
	result_fill(&res, 1, 1, 1, 0);
	res.test[0] = '\0';
	assert_int_equal(cal_db_result_add(db, id, &res), CAL_ERR_ARG);
	assert_int_equal(cal_db_result_add(db, id, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_result_last_seq(NULL, db, id), CAL_ERR_ARG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM results"), 0);

	/* Certificates. */
	assert_int_equal(cal_db_run_complete(NULL, db, id, "PASS", "", T_2026_03_15), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_complete(&c, db, id, NULL, "", T_2026_03_15), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_complete(&c, db, id, "pass", "", T_2026_03_15), CAL_ERR_ARG);
	assert_int_equal(cal_db_run_complete(&c, db, id, "PASS", "", -1), CAL_ERR_ARG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM certificates"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM number_seq"), 0);
	assert_int_equal(cal_db_cert_get(&c, db, NULL), CAL_ERR_ARG);
	assert_int_equal(cal_db_cert_revoke(db, "X", NULL, 0), CAL_ERR_ARG);
	assert_int_equal(cal_db_verify(&v, db, "X", NULL), CAL_ERR_ARG);
	today.month = 13;
	assert_int_equal(cal_db_verify(&v, db, "X", &today), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), NULL, 2026, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(NULL, 10, "{SEQ}{YY}", 2026, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}{YY}", 2026, -1),
			 CAL_ERR_ARG);
	cal_db_close(db);
}

/* ---- registers ------------------------------------------------------------ */

static void test_instruments(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_instrument in, got, *list = NULL;
	size_t n = 0;

	(void)state;
	add_instr(db, "CAN-0042", 12);
	add_instr(db, "CAN-0007", 0);
	instr_fill(&in, "CAN-0042", 24);
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_ERR_STATE);
	assert_string_equal(cal_error_last(), "instrument 'CAN-0042' already exists");

	assert_int_equal(cal_db_instrument_get(&got, db, "CAN-0042"), CAL_OK);
	instr_fill(&in, "CAN-0042", 12);
	assert_string_equal(got.id, "CAN-0042");
	assert_string_equal(got.type, in.type);
	assert_string_equal(got.owner, "Công ty TNHH Ánh Dương");
	assert_string_equal(got.serial, "SN-CAN-0042");
	assert_string_equal(got.accuracy_class, "II");
	assert_string_equal(got.unit, "g");
	assert_true(got.max == 220 && got.min == 0.02 && got.e == 0.001 && got.d == 0.0001);
	assert_int_equal(got.interval_months, 12); /* not the 24 of the refused duplicate */
	assert_int_equal(strlen(got.created_at), 20);
	assert_int_equal(got.created_at[19], 'Z');

	assert_int_equal(cal_db_instrument_get(&got, db, "CAN-9999"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no instrument 'CAN-9999'");
	assert_string_equal(got.id, "");

	assert_int_equal(cal_db_instrument_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].id, "CAN-0007"); /* ordered by id */
	assert_string_equal(list[1].id, "CAN-0042");
	assert_int_equal(list[0].interval_months, 0);
	free(list);
	cal_db_close(db);
}

static void test_standards(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_standard s, got, *list = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(cal_db_standard_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, 0);
	free(list);
	std_fill(&s, "W2", 0.1);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	std_fill(&s, "W1", 0.2);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	std_fill(&s, "W3", 0.2);
	snprintf(s.kind, sizeof(s.kind), "weight");
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	std_fill(&s, "W4", 0.05);
	s.due_date[0] = '\0'; /* no due date is allowed */
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_ERR_STATE);
	assert_true(contains(cal_error_last(), "'W4' already exists"));

	assert_int_equal(cal_db_standard_get(&got, db, "W1"), CAL_OK);
	assert_string_equal(got.kind, "weight"); /* "" is stored as weight */
	assert_string_equal(got.weight_class, "F1");
	assert_true(got.nominal_kg == 0.2 && got.correction_kg == 1e-6 && got.u_kg == 2e-6);
	assert_true(got.k == 2);
	assert_string_equal(got.cert_no, "HC-W1");
	assert_string_equal(got.due_date, "2027-06-30");
	assert_int_equal(cal_db_standard_get(&got, db, "W9"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no standard 'W9'");

	assert_int_equal(cal_db_standard_list(&list, &n, db), CAL_OK);
	assert_int_equal(n, 4);
	/* nominal descending, then id */
	assert_string_equal(list[0].id, "W1");
	assert_string_equal(list[1].id, "W3");
	assert_string_equal(list[2].id, "W2");
	assert_string_equal(list[3].id, "W4");
	free(list);
	cal_db_close(db);
}

static void test_injection_stored_verbatim(void **state)
{
	static const char evil[] = "x'; DROP TABLE runs; --";
	struct cal_db *db = open_mem();
	struct cal_instrument in, got;
	struct cal_run *runs = NULL;
	struct cal_standard s;
	size_t n = 0;
	int64_t run;

	(void)state;
	instr_fill(&in, evil, 12);
	snprintf(in.owner, sizeof(in.owner), "O'Brien\"; DELETE FROM instruments; --");
	assert_int_equal(cal_db_instrument_add(db, &in), CAL_OK);
	assert_int_equal(cal_db_instrument_get(&got, db, evil), CAL_OK);
	assert_string_equal(got.id, evil);
	assert_string_equal(got.owner, "O'Brien\"; DELETE FROM instruments; --");
	std_fill(&s, "W'); DROP TABLE standards; --", 1);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);

	run = begin_run(db, evil, getpid());
	assert_int_equal(cal_db_run_add_standard(db, run, "W'); DROP TABLE standards; --"), CAL_OK);
	assert_int_equal(cal_db_run_list(&runs, &n, db, evil), CAL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(runs[0].instrument_id, evil);
	free(runs);
	assert_int_equal(cal_db_verify(&(struct cal_verify){ 0 }, db, "'; DROP TABLE runs; --",
				       &(struct cal_date){ 2026, 1, 1 }),
			 CAL_OK);

	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'runs'"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'standards'"),
			 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM instruments"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 1);
	cal_db_close(db);
}

/* ---- a run's life ------------------------------------------------------------ */

static void test_run_life_pass_then_fail(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_run r, got;
	struct cal_reading rd;
	struct cal_result res, *results = NULL;
	struct cal_cert c1, c2, c;
	struct cal_standard s;
	char *text = NULL, buf[128], sql[256];
	int64_t run, run2, rid1, rid2, rid3, bad = 0;
	size_t n = 0;
	int cnt = -1, last = -1;

	(void)state;
	add_instr(db, "CAN-0042", 12);
	std_fill(&s, "W3", 0.1);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);

	/* Unknown instrument: no run is created. */
	run_fill(&r, "CAN-0000", getpid());
	assert_int_equal(cal_db_run_begin(&bad, db, &r, PROC_TEXT), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no instrument 'CAN-0000'");
	assert_int_equal(bad, 0);
	/* A sha256 that is not the text's is refused. */
	run_fill(&r, "CAN-0042", getpid());
	memset(r.procedure_sha256, 'a', 64);
	assert_int_equal(cal_db_run_begin(&bad, db, &r, PROC_TEXT), CAL_ERR_ARG);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 0);

	run = begin_run(db, "CAN-0042", getpid());
	assert_int_equal(cal_db_run_get(&got, db, run), CAL_OK);
	assert_int_equal(got.id, run);
	assert_int_equal(got.status, CAL_RUN_RUNNING);
	assert_string_equal(cal_run_status_name(got.status), "running");
	assert_string_equal(got.instrument_id, "CAN-0042");
	assert_string_equal(got.method, "ĐLVN 16:2009");
	assert_string_equal(got.mode, "periodic");
	assert_string_equal(got.operator_name, "Nguyễn Văn A");
	assert_string_equal(got.verdict, "");
	assert_string_equal(got.finished_at, "");
	assert_int_equal(got.pid, getpid());
	assert_string_equal(got.procedure_sha256, PROC_SHA); /* computed from the text */
	/* The right hash, given in upper case, is accepted. */
	run_fill(&r, "CAN-0042", getpid());
	for (size_t i = 0; i < 64; i++)
		r.procedure_sha256[i] = (char)toupper((unsigned char)PROC_SHA[i]);
	assert_int_equal(cal_db_run_begin(&run2, db, &r, PROC_TEXT), CAL_OK);
	assert_int_equal(cal_db_run_procedure_text(&text, db, run), CAL_OK);
	assert_string_equal(text, PROC_TEXT);
	free(text);
	assert_int_equal(cal_db_run_procedure_text(&text, db, 999), CAL_ERR_NOTFOUND);

	/* Standards used: idempotent; unknown refused. */
	assert_int_equal(cal_db_run_add_standard(db, run, "W3"), CAL_OK);
	assert_int_equal(cal_db_run_add_standard(db, run, "W3"), CAL_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM run_standards"), 1);
	assert_int_equal(cal_db_run_add_standard(db, run, "W9"), CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_run_add_standard(db, 999, "W3"), CAL_ERR_NOTFOUND);

	/* Readings: committed, counted, stored as given. */
	rid1 = add_reading(db, run, 1, 100.0002);
	rid2 = add_reading(db, run, 2, 200.0004);
	reading_fill(&rd, 0);
	rd.flags = CAL_RD_OVERLOAD;
	rd.value = NAN; /* no number: stored as NULL, the raw frame kept */
	rd.value_si = NAN;
	snprintf(rd.raw, sizeof(rd.raw), "S +");
	assert_int_equal(cal_db_reading_add(&rid3, db, run, 3, "operator", &rd), CAL_OK);
	assert_true(rid1 < rid2 && rid2 < rid3);
	assert_int_equal(cal_db_reading_count(&cnt, db, run), CAL_OK);
	assert_int_equal(cnt, 3);
	assert_int_equal(cal_db_reading_count(&cnt, db, run2), CAL_OK);
	assert_int_equal(cnt, 0);
	assert_int_equal(cal_db_reading_count(&cnt, db, 999), CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_reading_add(NULL, db, 999, 1, "operator", &rd), CAL_ERR_NOTFOUND);
	snprintf(sql, sizeof(sql),
		 "SELECT unit || '|' || decimals || '|' || stable || '|' || flags || '|' || raw "
		 "|| '|' || source || '|' || point_seq FROM readings WHERE id = %lld",
		 (long long)rid2);
	assert_string_equal(q_text(buf, sizeof(buf), db, sql),
			    "g|4|1|1|S S   200.0004 g|device:bal1|2");
	snprintf(sql, sizeof(sql),
		 "SELECT round(value * 10000), round(value_si * 1e7) FROM readings WHERE id = %lld",
		 (long long)rid2);
	assert_int_equal(q_int(db, sql), 2000004);
	snprintf(sql, sizeof(sql),
		 "SELECT value IS NULL AND value_si IS NULL AND stable = 0 AND flags = 2 "
		 "AND source = 'operator' AND raw = 'S +' FROM readings WHERE id = %lld",
		 (long long)rid3);
	assert_int_equal(q_int(db, sql), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM readings "
				   "WHERE t_utc LIKE '____-__-__T__:__:__Z' AND t_mono_ms = 12345"),
			 3);

	/* Results. */
	assert_int_equal(cal_db_result_last_seq(&last, db, run), CAL_OK);
	assert_int_equal(last, 0);
	result_fill(&res, 1, 100, 100.0002, rid1);
	assert_int_equal(cal_db_result_add(db, run, &res), CAL_OK);
	result_fill(&res, 2, 200, 200.0004, rid2);
	res.indication = NAN; /* a summary point may have no indication */
	assert_int_equal(cal_db_result_add(db, run, &res), CAL_OK);
	result_fill(&res, 2, 200, 999, 0);
	assert_int_equal(cal_db_result_add(db, run, &res), CAL_ERR_STATE);
	assert_true(contains(cal_error_last(), "result 2 already exists"));
	/* A result cannot point at another run's reading. */
	add_reading(db, run2, 1, 5);
	result_fill(&res, 3, 100, 100, rid1);
	assert_int_equal(cal_db_result_add(db, run2, &res), CAL_ERR_STATE);
	assert_int_equal(cal_db_result_last_seq(&last, db, run), CAL_OK);
	assert_int_equal(last, 2);
	assert_int_equal(cal_db_result_list(&results, &n, db, run), CAL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(results[0].seq, 1);
	assert_int_equal(results[0].reading_id, rid1);
	assert_string_equal(results[0].label, "up 1");
	assert_string_equal(results[0].weights, "W3+W4");
	assert_string_equal(results[0].verdict, "PASS");
	assert_true(results[0].indication == 100.0002);
	assert_true(isnan(results[1].indication));
	assert_true(results[1].load == 200);
	assert_true(fabs(results[1].error - 0.0004) < 1e-9);
	free(results);

	/* Complete PASS: first number of the year, valid for the interval. */
	complete(&c1, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c1.number, "CB-2026-000001");
	assert_int_equal(c1.kind, CAL_CERT_VERIFICATION);
	assert_int_equal(c1.run_id, run);
	assert_string_equal(c1.instrument_id, "CAN-0042");
	assert_string_equal(c1.issued_at, "2026-03-15T10:00:00Z");
	assert_string_equal(c1.issue_date, "2026-03-15");
	assert_string_equal(c1.valid_until, "2027-03-15");
	assert_false(c1.revoked);
	assert_int_equal(cal_db_run_get(&got, db, run), CAL_OK);
	assert_int_equal(got.status, CAL_RUN_COMPLETED);
	assert_string_equal(got.verdict, "PASS");
	assert_string_equal(got.finished_at, "2026-03-15T10:00:00Z");
	assert_int_equal(cal_db_cert_get(&c, db, "CB-2026-000001"), CAL_OK);
	assert_string_equal(c.valid_until, "2027-03-15");
	assert_int_equal(c.run_id, run);

	/* Only a running run can be completed, and only once. */
	assert_int_equal(cal_db_run_complete(&c, db, run, "PASS", "", T_2026_03_15), CAL_ERR_STATE);
	assert_true(contains(cal_error_last(), "only a running run can be completed"));
	assert_string_equal(c.number, "");
	assert_int_equal(cal_db_run_complete(&c, db, 999, "PASS", "", T_2026_03_15),
			 CAL_ERR_NOTFOUND);
	assert_int_equal(q_int(db, "SELECT last FROM number_seq WHERE year = 2026"), 1);

	/* Nothing more goes into a completed run: its records are immutable. */
	reading_fill(&rd, 1);
	assert_int_equal(cal_db_reading_add(NULL, db, run, 9, "operator", &rd), CAL_ERR_IMMUTABLE);
	assert_true(contains(cal_error_last(), "immutable"));
	result_fill(&res, 9, 1, 1, 0);
	assert_int_equal(cal_db_result_add(db, run, &res), CAL_ERR_IMMUTABLE);
	assert_int_equal(cal_db_run_add_standard(db, run, "W3"), CAL_ERR_IMMUTABLE);
	assert_int_equal(cal_db_reading_count(&cnt, db, run), CAL_OK);
	assert_int_equal(cnt, 3);

	/* The next run fails: a failure record, the next number, no validity. */
	complete(&c2, db, run2, "FAIL", T_2026_03_15 + 3600);
	assert_string_equal(c2.number, "CB-2026-000002");
	assert_int_equal(c2.kind, CAL_CERT_FAILURE);
	assert_string_equal(c2.valid_until, "");
	assert_int_equal(cal_db_run_get(&got, db, run2), CAL_OK);
	assert_string_equal(got.verdict, "FAIL");
	assert_string_equal(got.fail_reason, "E > MPE at 200 g");
	assert_int_equal(q_int(db, "SELECT count(*) FROM certificates"), 2);
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_string_equal(buf, "ok");
	cal_db_close(db);
}

static void test_validity_dates_and_years(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_cert c;
	int64_t run;

	(void)state;
	add_instr(db, "A", 1);
	add_instr(db, "NOINT", 0);
	add_instr(db, "WM", 60);

	/* Month-end clamping: 2024-01-31 + 1 month = 2024-02-29. */
	run = begin_run(db, "A", 0);
	complete(&c, db, run, "PASS", T_2024_01_31);
	assert_string_equal(c.number, "CB-2024-000001");
	assert_string_equal(c.valid_until, "2024-02-29");

	/* No interval: no expiry. */
	run = begin_run(db, "NOINT", 0);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.number, "CB-2026-000001"); /* per-year sequence */
	assert_string_equal(c.valid_until, "");

	/* 5 years. */
	run = begin_run(db, "WM", 0);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.number, "CB-2026-000002");
	assert_string_equal(c.valid_until, "2031-03-15");

	/* A new year starts at 1 again, the old year goes on where it was. */
	run = begin_run(db, "A", 0);
	complete(&c, db, run, "FAIL", T_2027_01_02);
	assert_string_equal(c.number, "CB-2027-000001");
	run = begin_run(db, "A", 0);
	complete(&c, db, run, "PASS", T_2024_01_31 + 86400);
	assert_string_equal(c.number, "CB-2024-000002");
	assert_string_equal(c.issue_date, "2024-02-01");
	assert_string_equal(c.valid_until, "2024-03-01");
	cal_db_close(db);
}

static void test_number_patterns(void **state)
{
	struct cal_db *db = open_mem();
	char buf[64], small[3];
	struct cal_cert c;
	int64_t run;

	(void)state;
	/* Formatting. */
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "CB-{YYYY}-{SEQ:6}", 2026, 123),
			 CAL_OK);
	assert_string_equal(buf, "CB-2026-000123");
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "KĐ.{SEQ:5}.{YY}", 2026, 1),
			 CAL_OK);
	assert_string_equal(buf, "KĐ.00001.26");
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ} - {YY} (YB)", 2026, 3681),
			 CAL_OK);
	assert_string_equal(buf, "3681 - 26 (YB)");
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ:2}/{YY}", 2005, 1234),
			 CAL_OK);
	assert_string_equal(buf, "1234/05"); /* wider than the pad: never cut */

	/* Bad patterns. */
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "x", 2026, 1), CAL_ERR_ARG);
	assert_string_equal(cal_error_last(), "certificate numbers: pattern 'x' has no {SEQ}");
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "N-{SEQ}", 2026, 1), CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "has no {YYYY} or {YY}"));
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}-{YEAR}", 2026, 1),
			 CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "unknown token '{YEAR}'"));
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ-{YY}", 2026, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}-{YY", 2026, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ:0}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ:13}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ:x}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}{SEQ}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), " {SEQ}{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}  {YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "{SEQ}\t{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(buf, sizeof(buf), "", 2026, 1), CAL_ERR_ARG);
	assert_int_equal(cal_db_format_number(small, sizeof(small), "{SEQ}-{YY}", 2026, 1),
			 CAL_ERR_ARG);
	assert_string_equal(small, "");

	/* The setting: bad patterns never get in. */
	assert_int_equal(cal_db_setting_set(db, "cert.number_pattern", "KĐ-{YY}"), CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "has no {SEQ}"));
	assert_int_equal(cal_db_setting_get(buf, sizeof(buf), db, "cert.number_pattern"),
			 CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_setting_set(db, "cert.number_pattern", "KĐ.{SEQ:5}.{YY}"), CAL_OK);
	assert_int_equal(cal_db_setting_get(buf, sizeof(buf), db, "cert.number_pattern"), CAL_OK);
	assert_string_equal(buf, "KĐ.{SEQ:5}.{YY}");
	/* Too small a buffer: cut at a character boundary, and said so. */
	assert_int_equal(cal_db_setting_get(small, sizeof(small), db, "cert.number_pattern"),
			 CAL_ERR_RANGE);
	assert_string_equal(small, "K"); /* not "K\xC4", half of Đ */

	add_instr(db, "A", 12);
	run = begin_run(db, "A", 0);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.number, "KĐ.00001.26");
	assert_int_equal(cal_db_cert_get(&c, db, "KĐ.00001.26"), CAL_OK);

	/* A bad pattern slipped in with plain SQL: nothing is issued or consumed. */
	assert_int_equal(sqlite3_exec(cal_db_handle(db),
				      "UPDATE settings SET value = 'NO-SEQ-{YYYY}' "
				      "WHERE key = 'cert.number_pattern'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	run = begin_run(db, "A", 0);
	assert_int_equal(cal_db_run_complete(&c, db, run, "PASS", "", T_2026_03_15), CAL_ERR_ARG);
	assert_true(contains(cal_error_last(), "has no {SEQ}"));
	assert_int_equal(q_int(db, "SELECT last FROM number_seq WHERE year = 2026"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs WHERE status = 'running'"), 1);

	/* Changing the pattern mid-year continues the shared sequence. */
	assert_int_equal(cal_db_setting_set(db, "cert.number_pattern", "{SEQ} - {YY} (YB)"),
			 CAL_OK);
	complete(&c, db, run, "FAIL", T_2026_03_15);
	assert_string_equal(c.number, "2 - 26 (YB)");
	cal_db_close(db);
}

/* ---- invariants under plain SQL ------------------------------------------ */

static void test_plain_sql_attacks(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_standard s;
	struct cal_result res;
	struct cal_cert c;
	char buf[128];
	int64_t done, live, rid;

	(void)state;
	add_instr(db, "A", 12);
	add_instr(db, "UNUSED", 12);
	std_fill(&s, "W1", 1);
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	done = begin_run(db, "A", getpid());
	assert_int_equal(done, 1);
	assert_int_equal(cal_db_run_add_standard(db, done, "W1"), CAL_OK);
	rid = add_reading(db, done, 1, 100.0002);
	result_fill(&res, 1, 100, 100.0002, rid);
	assert_int_equal(cal_db_result_add(db, done, &res), CAL_OK);
	complete(&c, db, done, "FAIL", T_2026_03_15);
	assert_int_equal(cal_db_cert_revoke(db, c.number, "issued in error", T_2026_03_15), CAL_OK);
	live = begin_run(db, "A", getpid());
	add_reading(db, live, 1, 50);

	sql_refused(db, "UPDATE readings SET value = 100 WHERE run_id = 1",
		    "readings are immutable");
	sql_refused(db, "UPDATE readings SET value = 51 WHERE run_id = 2",
		    "readings are immutable");
	sql_refused(db, "DELETE FROM readings", "readings are immutable");
	sql_refused(db, "UPDATE results SET verdict = 'PASS'", "results are immutable");
	sql_refused(db, "DELETE FROM results", "results are immutable");
	sql_refused(db, "UPDATE certificates SET valid_until = '2099-01-01'",
		    "certificates are immutable");
	sql_refused(db, "UPDATE certificates SET kind = 'verification'", NULL);
	sql_refused(db, "DELETE FROM certificates", "certificates are immutable");
	sql_refused(db, "DELETE FROM certificate_revocations",
		    "certificate_revocations are immutable");
	sql_refused(db, "UPDATE certificate_revocations SET reason = 'x'",
		    "certificate_revocations are immutable");
	sql_refused(db, "UPDATE runs SET verdict = 'PASS' WHERE id = 1",
		    "runs are immutable once completed or aborted");
	sql_refused(db, "UPDATE runs SET status = 'running' WHERE id = 1", NULL);
	sql_refused(db, "DELETE FROM runs WHERE id = 1", "never deleted");
	sql_refused(db, "DELETE FROM runs WHERE id = 2", "never deleted"); /* running too */
	sql_refused(db,
		    "INSERT INTO readings(run_id, point_seq, source, value, decimals, stable, "
		    "flags, t_utc, t_mono_ms) VALUES (1, 9, 'operator', 1, 0, 1, 1, 'x', 0)",
		    "immutable");
	sql_refused(db,
		    "INSERT INTO results(run_id, seq, test, decimals, error, mpe, verdict) "
		    "VALUES (1, 9, 'zero', 0, 0, 1, 'PASS')",
		    "immutable");
	sql_refused(db, "INSERT INTO run_standards VALUES (1, 'W1')", NULL);
	sql_refused(db, "DELETE FROM run_standards", "immutable");
	/* A running run: no certificate without completion, no verdict without document. */
	sql_refused(db,
		    "UPDATE runs SET status = 'completed', verdict = 'PASS', "
		    "finished_at = 'x' WHERE id = 2",
		    "needs the document");
	sql_refused(db, "UPDATE runs SET instrument_id = 'UNUSED' WHERE id = 2", "immutable");
	sql_refused(db, "UPDATE runs SET procedure_text = 'x' WHERE id = 2", "immutable");
	sql_refused(db,
		    "INSERT INTO runs(instrument_id, procedure_id, procedure_sha256, "
		    "procedure_text, mode, status, verdict, started_at, finished_at) "
		    "SELECT 'A', 'p', procedure_sha256, 'x', 'initial', 'completed', 'PASS', "
		    "'x', 'x' FROM runs WHERE id = 1",
		    "starts running");
	sql_refused(db, "UPDATE runs SET mode = 'yearly' WHERE id = 2", NULL);
	/* Numbers are never reused. */
	sql_refused(db, "UPDATE number_seq SET last = 0", "never reused");
	sql_refused(db, "DELETE FROM number_seq", "never reused");
	/* Registers referenced by records cannot be deleted. */
	sql_refused(db, "DELETE FROM instruments WHERE id = 'A'", "cannot be deleted");
	sql_refused(db, "DELETE FROM standards WHERE id = 'W1'", "cannot be deleted");
	/* ... not even with the foreign keys off (the sqlite3 shell's default) */
	sql_refused(db, "PRAGMA foreign_keys = OFF; DELETE FROM instruments WHERE id = 'A'",
		    "cannot be deleted");
	assert_int_equal(
		sqlite3_exec(cal_db_handle(db), "PRAGMA foreign_keys = ON", NULL, NULL, NULL),
		SQLITE_OK);
	/* The register data printed on an issued document are frozen. */
	sql_refused(db, "UPDATE instruments SET owner = 'Someone else' WHERE id = 'A'",
		    "issued documents cannot change");
	assert_int_equal(sqlite3_exec(cal_db_handle(db),
				      "DELETE FROM instruments WHERE id = 'UNUSED'", NULL, NULL,
				      NULL),
			 SQLITE_OK);

	/* Nothing changed. */
	assert_int_equal(q_int(db, "SELECT count(*) FROM readings"), 2);
	assert_int_equal(q_int(db, "SELECT round(value * 10000) FROM readings WHERE run_id = 1"),
			 1000002);
	assert_int_equal(q_int(db, "SELECT value FROM readings WHERE run_id = 2"), 50);
	assert_int_equal(q_int(db, "SELECT count(*) FROM results"), 1);
	assert_string_equal(q_text(buf, sizeof(buf), db, "SELECT verdict FROM results"), "PASS");
	assert_string_equal(
		q_text(buf, sizeof(buf), db, "SELECT kind || '|' || valid_until FROM certificates"),
		"failure|");
	assert_int_equal(q_int(db, "SELECT count(*) FROM certificate_revocations"), 1);
	assert_string_equal(q_text(buf, sizeof(buf), db,
				   "SELECT status || '|' || verdict FROM runs WHERE id = 1"),
			    "completed|FAIL");
	assert_string_equal(q_text(buf, sizeof(buf), db,
				   "SELECT status || '|' || instrument_id FROM runs WHERE id = 2"),
			    "running|A");
	assert_int_equal(q_int(db, "SELECT count(*) FROM runs"), 2);
	assert_int_equal(q_int(db, "SELECT last FROM number_seq"), 1);
	assert_int_equal(q_int(db, "SELECT count(*) FROM run_standards"), 1);
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_string_equal(buf, "ok");
	cal_db_close(db);
}

/*
 * A document keeps what was true when it was issued: the laboratory of the
 * settings then, and the weights as calibrated then, though a weight is
 * recalibrated under the same id and the laboratory moves.
 */
static void test_document_snapshots(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_standard s, *used = NULL;
	struct cal_cert c;
	size_t n = 0;
	int64_t run;

	(void)state;
	add_instr(db, "A", 12);
	std_fill(&s, "W1", 1);
	s.correction_kg = 9e-6;
	snprintf(s.cert_no, sizeof(s.cert_no), "KL-2026-1");
	assert_int_equal(cal_db_standard_add(db, &s), CAL_OK);
	assert_int_equal(cal_db_setting_set(db, "lab.name", "Trung tâm Kỹ thuật TĐC Quảng Ngãi"),
			 CAL_OK);
	assert_int_equal(cal_db_setting_set(db, "lab.address", "1 Street, Quang Ngai"), CAL_OK);
	run = begin_run(db, "A", 0);
	assert_int_equal(cal_db_run_add_standard(db, run, "W1"), CAL_OK);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.lab_name, "Trung tâm Kỹ thuật TĐC Quảng Ngãi");

	assert_int_equal(sqlite3_exec(cal_db_handle(db),
				      "UPDATE standards SET correction_kg = -4e-6, "
				      "cert_no = 'KL-2027-9' WHERE id = 'W1'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(cal_db_setting_set(db, "lab.name", "Another name"), CAL_OK);
	assert_int_equal(cal_db_setting_set(db, "lab.address", "Elsewhere"), CAL_OK);

	assert_int_equal(cal_db_cert_get(&c, db, "CB-2026-000001"), CAL_OK);
	assert_string_equal(c.lab_name, "Trung tâm Kỹ thuật TĐC Quảng Ngãi");
	assert_string_equal(c.lab_address, "1 Street, Quang Ngai");
	assert_int_equal(cal_db_run_standards(&used, &n, db, run), CAL_OK);
	assert_int_equal(n, 1);
	assert_true(used[0].correction_kg == 9e-6);
	assert_string_equal(used[0].cert_no, "KL-2026-1");
	free(used);
	/* the register has the new calibration */
	assert_int_equal(cal_db_standard_get(&s, db, "W1"), CAL_OK);
	assert_string_equal(s.cert_no, "KL-2027-9");
	cal_db_close(db);
}

/* Every status change of a run is logged by the triggers, append-only. */
static void test_run_events(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_run_event *ev = NULL;
	struct cal_cert c;
	size_t n = 0;
	int64_t run;

	(void)state;
	add_instr(db, "A", 12);
	run = begin_run(db, "A", 0);
	assert_int_equal(cal_db_run_interrupt(db, run, "no more answers"), CAL_OK);
	assert_int_equal(cal_db_run_resume(db, run, 0), CAL_OK);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_int_equal(cal_db_run_events(&ev, &n, db, run), CAL_OK);
	assert_int_equal(n, 4);
	assert_string_equal(ev[0].status, "running");
	assert_string_equal(ev[1].status, "interrupted");
	assert_string_equal(ev[1].reason, "no more answers");
	assert_string_equal(ev[2].status, "running");
	assert_string_equal(ev[2].reason, "");
	assert_string_equal(ev[3].status, "completed");
	assert_int_equal(strlen(ev[3].at), 20);
	free(ev);
	sql_refused(db, "DELETE FROM run_events", "immutable");
	sql_refused(db, "UPDATE run_events SET reason = 'power cut'", "immutable");
	assert_int_equal(cal_db_run_events(&ev, &n, db, 0), CAL_ERR_ARG);
	cal_db_close(db);
}

static void test_integrity_reports_broken_reference(void **state)
{
	struct cal_db *db = open_mem();
	char buf[128];
	int64_t run;

	(void)state;
	add_instr(db, "A", 12);
	run = begin_run(db, "A", 0);
	/* Someone switches the foreign keys off and inserts a dangling reference. */
	assert_int_equal(
		sqlite3_exec(cal_db_handle(db),
			     "PRAGMA foreign_keys = OFF;"
			     "INSERT INTO run_standards(run_id, standard_id) VALUES (1, 'GHOST');"
			     "PRAGMA foreign_keys = ON;",
			     NULL, NULL, NULL),
		SQLITE_OK);
	assert_int_equal(run, 1);
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_true(contains(buf, "foreign key violation"));
	assert_true(contains(buf, "run_standards"));
	cal_db_close(db);
}

/* ---- certificates: revoke, verify, lookup -------------------------------- */

static void test_revoke_verify_expiry(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_cert pass, fail, c;
	struct cal_verify v;
	int64_t run;

	(void)state;
	add_instr(db, "CAN-0042", 12);
	add_instr(db, "CAN-0043", 12);
	run = begin_run(db, "CAN-0042", 0);
	complete(&pass, db, run, "PASS", T_2026_03_15);
	run = begin_run(db, "CAN-0043", 0);
	complete(&fail, db, run, "FAIL", T_2026_03_15);

	/* Valid through its last day, expired the day after. */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &(struct cal_date){ 2026, 3, 15 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_string_equal(cal_verify_status_name(v.status), "valid");
	assert_string_equal(v.cert.number, "CB-2026-000001");
	assert_string_equal(v.instrument.id, "CAN-0042");
	assert_string_equal(v.instrument.serial, "SN-CAN-0042");
	assert_int_equal(v.run.id, pass.run_id);
	assert_string_equal(v.run.method, "ĐLVN 16:2009");
	assert_string_equal(v.run.verdict, "PASS");
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &(struct cal_date){ 2027, 3, 15 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &(struct cal_date){ 2027, 3, 16 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_EXPIRED);
	assert_string_equal(cal_verify_status_name(v.status), "expired");

	/* A failure record says so. */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000002", &(struct cal_date){ 2026, 3, 16 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_FAIL_RECORD);
	assert_int_equal(v.cert.kind, CAL_CERT_FAILURE);
	assert_string_equal(v.run.verdict, "FAIL");

	/* Unknown: not an error, a status, and a message. */
	cal_error_clear();
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-999999", &(struct cal_date){ 2026, 3, 16 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_UNKNOWN);
	assert_string_equal(cal_error_last(), "no certificate or record numbered 'CB-2026-999999'");
	assert_string_equal(v.cert.number, "");
	assert_int_equal(cal_db_cert_get(&c, db, "CB-2026-999999"), CAL_ERR_NOTFOUND);

	/* Case does not matter to an inspector typing the number. */
	assert_int_equal(cal_db_cert_get(&c, db, "cb-2026-000001"), CAL_OK);
	assert_string_equal(c.number, "CB-2026-000001");

	/* Whitespace is normalised in what is asked for. */
	assert_int_equal(cal_db_cert_get(&c, db, "  CB-2026-000001 "), CAL_OK);
	assert_string_equal(c.number, "CB-2026-000001");
	assert_int_equal(cal_db_cert_get(&c, db, "\tCB-2026-000002\n"), CAL_OK);
	assert_int_equal(c.kind, CAL_CERT_FAILURE);
	assert_int_equal(cal_db_cert_get(&c, db, "CB-2026- 000001"), CAL_ERR_NOTFOUND);
	assert_int_equal(
		cal_db_verify(&v, db, "  CB-2026-000001 ", &(struct cal_date){ 2026, 4, 1 }),
		CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);

	/* Revocation. */
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000001", "", T_2026_03_15), CAL_ERR_ARG);
	assert_int_equal(cal_db_cert_revoke(db, "CB-2099-000001", "x", T_2026_03_15),
			 CAL_ERR_NOTFOUND);
	assert_int_equal(
		cal_db_cert_revoke(db, " CB-2026-000001", "wrong serial", T_2026_03_15 + 86400),
		CAL_OK);
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000001", "again", T_2026_03_15 + 86400),
			 CAL_ERR_STATE);
	assert_true(contains(cal_error_last(), "already revoked"));
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &(struct cal_date){ 2026, 4, 1 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_REVOKED);
	assert_string_equal(cal_verify_status_name(v.status), "revoked");
	assert_true(v.cert.revoked);
	assert_string_equal(v.cert.revoked_at, "2026-03-16T10:00:00Z");
	assert_string_equal(v.cert.revoke_reason, "wrong serial");
	/* Revoked wins over expired. */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &(struct cal_date){ 2030, 1, 1 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_REVOKED);
	/* A revoked failure record no longer states a failure. */
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000002", "wrong instrument", T_2026_03_15),
			 CAL_OK);
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000002", &(struct cal_date){ 2026, 4, 1 }),
			 CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_REVOKED);
	cal_db_close(db);
}

/* A later failure record (or certificate) of the instrument supersedes a certificate. */
static void test_verify_superseded(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_cert c;
	struct cal_verify v;
	const struct cal_date apr = { 2026, 4, 1 };

	(void)state;
	add_instr(db, "A", 12);
	add_instr(db, "B", 12);
	complete(&c, db, begin_run(db, "A", 0), "PASS", T_2026_03_15); /* 000001 */
	complete(&c, db, begin_run(db, "B", 0), "FAIL", T_2026_03_15); /* 000002, other instr. */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &apr), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	assert_string_equal(v.superseded_by.number, "");
	complete(&c, db, begin_run(db, "A", 0), "FAIL", T_2026_03_15); /* 000003 */
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &apr), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_SUPERSEDED);
	assert_string_equal(cal_verify_status_name(v.status), "superseded");
	assert_string_equal(v.superseded_by.number, "CB-2026-000003");
	assert_int_equal(v.superseded_by.kind, CAL_CERT_FAILURE);
	/* the failure record withdrawn, the certificate stands again */
	assert_int_equal(cal_db_cert_revoke(db, "CB-2026-000003", "wrong record", T_2026_03_15),
			 CAL_OK);
	assert_int_equal(cal_db_verify(&v, db, "CB-2026-000001", &apr), CAL_OK);
	assert_int_equal(v.status, CAL_VERIFY_VALID);
	cal_db_close(db);
}

/* ---- state transitions and recovery --------------------------------------- */

static void test_transitions(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_run r;
	struct cal_cert c;
	struct cal_reading rd;
	int64_t run, run2;

	(void)state;
	add_instr(db, "A", 12);
	run = begin_run(db, "A", getpid());

	assert_int_equal(cal_db_run_resume(db, run, 42), CAL_ERR_STATE); /* running */
	assert_true(contains(cal_error_last(), "is running"));
	assert_int_equal(cal_db_run_interrupt(db, run, "Ctrl-C"), CAL_OK);
	assert_int_equal(cal_db_run_get(&r, db, run), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_INTERRUPTED);
	assert_string_equal(r.finished_at, "");
	assert_int_equal(cal_db_run_interrupt(db, run, "again"), CAL_ERR_STATE);
	assert_int_equal(cal_db_run_complete(&c, db, run, "PASS", "", T_2026_03_15), CAL_ERR_STATE);
	assert_int_equal(q_int(db, "SELECT count(*) FROM certificates"), 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM number_seq"), 0);

	assert_int_equal(cal_db_run_resume(db, run, 4242), CAL_OK);
	assert_int_equal(cal_db_run_get(&r, db, run), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_RUNNING);
	assert_int_equal(r.pid, 4242);

	assert_int_equal(cal_db_run_abort(db, run, "weights missing"), CAL_OK);
	assert_int_equal(cal_db_run_get(&r, db, run), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_ABORTED);
	assert_string_equal(cal_run_status_name(r.status), "aborted");
	assert_string_equal(r.fail_reason, "weights missing");
	assert_string_equal(r.verdict, "");
	assert_int_equal(strlen(r.finished_at), 20);
	assert_int_equal(cal_db_run_abort(db, run, "x"), CAL_ERR_STATE);
	assert_int_equal(cal_db_run_resume(db, run, 1), CAL_ERR_STATE);
	assert_int_equal(cal_db_run_interrupt(db, run, "x"), CAL_ERR_STATE);
	assert_int_equal(cal_db_run_complete(&c, db, run, "FAIL", "x", T_2026_03_15),
			 CAL_ERR_STATE);
	reading_fill(&rd, 1);
	assert_int_equal(cal_db_reading_add(NULL, db, run, 1, "operator", &rd), CAL_ERR_IMMUTABLE);

	/* Interrupted -> aborted is allowed too; unknown runs are NOTFOUND. */
	run2 = begin_run(db, "A", getpid());
	assert_int_equal(cal_db_run_interrupt(db, run2, NULL), CAL_OK);
	assert_int_equal(cal_db_run_abort(db, run2, NULL), CAL_OK);
	assert_int_equal(cal_db_run_interrupt(db, 999, "x"), CAL_ERR_NOTFOUND);
	assert_string_equal(cal_error_last(), "no run 999");
	assert_int_equal(cal_db_run_get(&r, db, 999), CAL_ERR_NOTFOUND);
	assert_int_equal(r.id, 0);
	assert_int_equal(cal_db_run_abort(db, 999, "x"), CAL_ERR_NOTFOUND);
	assert_int_equal(cal_db_run_resume(db, 999, 1), CAL_ERR_NOTFOUND);
	cal_db_close(db);
}

static void test_runs_recover(void **state)
{
	struct cal_db *db = open_mem();
	struct cal_run r, *list = NULL;
	int64_t dead, alive, nobody, paused;
	size_t n = 99;
	int dead_pid = test_db_dead_pid();

	(void)state;
	assert_true(dead_pid > 0);
	add_instr(db, "A", 12);
	add_instr(db, "B", 12);
	dead = begin_run(db, "A", dead_pid);
	alive = begin_run(db, "B", getpid());
	nobody = begin_run(db, "A", 0);
	paused = begin_run(db, "B", getpid());
	assert_int_equal(cal_db_run_interrupt(db, paused, "Ctrl-C"), CAL_OK);

	assert_int_equal(cal_db_runs_recover(db, &n), CAL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(cal_db_run_get(&r, db, dead), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(cal_db_run_get(&r, db, nobody), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(cal_db_run_get(&r, db, alive), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_RUNNING);
	assert_int_equal(cal_db_run_get(&r, db, paused), CAL_OK);
	assert_int_equal(r.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(
		q_int(db,
		      "SELECT count(*) FROM runs WHERE status_reason LIKE 'process % is gone%'"),
		2);
	/* Nothing left to recover; a recovered run resumes. */
	assert_int_equal(cal_db_runs_recover(db, &n), CAL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(cal_db_run_resume(db, dead, getpid()), CAL_OK);

	/* History: newest first, per instrument or all. */
	assert_int_equal(cal_db_run_list(&list, &n, db, "A"), CAL_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, nobody);
	assert_int_equal(list[1].id, dead);
	assert_int_equal(list[1].status, CAL_RUN_RUNNING);
	free(list);
	assert_int_equal(cal_db_run_list(&list, &n, db, ""), CAL_OK);
	assert_int_equal(n, 4);
	assert_int_equal(list[0].id, paused);
	free(list);
	assert_int_equal(cal_db_run_list(&list, &n, db, "ZZZ"), CAL_ERR_NOTFOUND);
	assert_null(list);
	cal_db_close(db);
}

static void test_caller_transaction(void **state)
{
	struct cal_db *db = open_mem();
	sqlite3 *h = cal_db_handle(db);
	struct cal_cert c;
	int64_t run;
	int cnt = -1;

	(void)state;
	add_instr(db, "A", 12);
	run = begin_run(db, "A", 0);
	/* Writes join the caller's transaction and go with its rollback. */
	assert_int_equal(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	add_reading(db, run, 1, 1);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_int_equal(sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(cal_db_reading_count(&cnt, db, run), CAL_OK);
	assert_int_equal(cnt, 0);
	assert_int_equal(q_int(db, "SELECT count(*) FROM certificates"), 0);
	/* A failure inside the caller's transaction undoes only its own part. */
	assert_int_equal(sqlite3_exec(h, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	add_reading(db, run, 1, 1);
	assert_int_equal(cal_db_run_complete(&c, db, 999, "PASS", "", T_2026_03_15),
			 CAL_ERR_NOTFOUND);
	assert_int_equal(sqlite3_exec(h, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(cal_db_reading_count(&cnt, db, run), CAL_OK);
	assert_int_equal(cnt, 1);
	/* And the number taken in the rolled-back transaction was never issued. */
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.number, "CB-2026-000001");
	cal_db_close(db);
}

/* ---- files: WAL, reopen, migration, refusals ------------------------------ */

static void test_file_wal_reopen(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;
	struct cal_instrument got;
	struct cal_cert c;
	char buf[32];
	int64_t run;

	assert_int_equal(cal_db_open(&db, t->db), CAL_OK);
	assert_string_equal(cal_db_path(db), t->db);
	assert_string_equal(q_text(buf, sizeof(buf), db, "PRAGMA journal_mode"), "wal");
	assert_int_equal(q_int(db, "PRAGMA synchronous"), 2);
	assert_int_equal(q_int(db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(q_int(db, "PRAGMA busy_timeout"), 5000);
	assert_int_equal(q_int(db, "PRAGMA user_version"), CAL_DB_SCHEMA_VERSION);
	add_instr(db, "A", 12);
	run = begin_run(db, "A", 0);
	add_reading(db, run, 1, 1);
	complete(&c, db, run, "PASS", T_2026_03_15);
	cal_db_close(db);

	/* Reopen: everything is there, migrations are not applied twice. */
	db = NULL;
	assert_int_equal(cal_db_open(&db, t->db), CAL_OK);
	assert_int_equal(cal_db_instrument_get(&got, db, "A"), CAL_OK);
	assert_int_equal(cal_db_cert_get(&c, db, "CB-2026-000001"), CAL_OK);
	assert_int_equal(q_int(db, "SELECT count(*) FROM readings"), 1);
	assert_int_equal(q_int(db, "PRAGMA user_version"), CAL_DB_SCHEMA_VERSION);
	run = begin_run(db, "A", 0);
	complete(&c, db, run, "PASS", T_2026_03_15);
	assert_string_equal(c.number, "CB-2026-000002");
	assert_int_equal(cal_db_integrity_check(buf, sizeof(buf), db), CAL_OK);
	assert_string_equal(buf, "ok");
	cal_db_close(db);
}

static void test_file_migrates_empty_database(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;

	/* An SQLite file at version 0 with no tables (e.g. just created). */
	raw_exec(t->db, "CREATE TABLE t(x); DROP TABLE t;");
	assert_int_equal(cal_db_open(&db, t->db), CAL_OK);
	assert_int_equal(q_int(db, "PRAGMA user_version"), CAL_DB_SCHEMA_VERSION);
	assert_int_equal(
		q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'certificates'"), 1);
	cal_db_close(db);
}

static void test_file_newer_version_refused(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, t->db), CAL_OK);
	cal_db_close(db);
	raw_exec(t->db, "PRAGMA user_version = 99");
	db = (struct cal_db *)0x1;
	assert_int_equal(cal_db_open(&db, t->db), CAL_ERR_DB);
	assert_null(db);
	assert_true(contains(cal_error_last(), t->db));
	assert_true(contains(cal_error_last(), "schema version 99 is newer"));
}

/* DROP TRIGGER lifts immutability: such a database is refused on the next open. */
static void test_file_dropped_trigger_refused(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;

	assert_int_equal(cal_db_open(&db, t->db), CAL_OK);
	cal_db_close(db);
	raw_exec(t->db, "DROP TRIGGER readings_no_update");
	db = (struct cal_db *)0x1;
	assert_int_equal(cal_db_open(&db, t->db), CAL_ERR_DB);
	assert_null(db);
	assert_true(contains(cal_error_last(), t->db));
	assert_true(contains(cal_error_last(), "1 of its"));
	assert_true(contains(cal_error_last(), "protection triggers are missing"));
}

static void test_file_not_a_database(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;
	char path[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/notes.txt", t->dir);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fprintf(f, "line %d: this is a text file, not a database\n", i);
	fclose(f);
	assert_int_equal(cal_db_open(&db, path), CAL_ERR_DB);
	assert_null(db);
	assert_true(contains(cal_error_last(), path));
	assert_true(contains(cal_error_last(), "not a database"));
}

static void test_file_other_program_refused(void **state)
{
	struct tmp *t = *state;
	struct cal_db *db = NULL;

	raw_exec(t->db, "CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)");
	assert_int_equal(cal_db_open(&db, t->db), CAL_ERR_DB);
	assert_null(db);
	assert_true(contains(cal_error_last(), t->db));
	assert_true(contains(cal_error_last(), "another program"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_memory_schema),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_instruments),
		cmocka_unit_test(test_standards),
		cmocka_unit_test(test_injection_stored_verbatim),
		cmocka_unit_test(test_run_life_pass_then_fail),
		cmocka_unit_test(test_validity_dates_and_years),
		cmocka_unit_test(test_number_patterns),
		cmocka_unit_test(test_plain_sql_attacks),
		cmocka_unit_test(test_document_snapshots),
		cmocka_unit_test(test_run_events),
		cmocka_unit_test(test_integrity_reports_broken_reference),
		cmocka_unit_test(test_revoke_verify_expiry),
		cmocka_unit_test(test_verify_superseded),
		cmocka_unit_test(test_transitions),
		cmocka_unit_test(test_runs_recover),
		cmocka_unit_test(test_caller_transaction),
		cmocka_unit_test_setup_teardown(test_file_wal_reopen, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_file_migrates_empty_database, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_file_newer_version_refused, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_file_dropped_trigger_refused, tmp_setup,
						tmp_teardown),
		cmocka_unit_test_setup_teardown(test_file_not_a_database, tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_file_other_program_refused, tmp_setup,
						tmp_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

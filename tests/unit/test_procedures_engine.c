/*
 * procedures/: the run engine (cal_run_start, cal_run_resume) end to end on
 * an in-memory (or temporary file) database, with a fake clock that never
 * sleeps.
 *
 * Two operator sides: the answers file (cal_answers_*) typing indications,
 * and a mock MT-SICS balance on a custom transport, written here from
 * protocols.md §1 (it shares no code with the driver's parser), whose load
 * is set by the operator's instruct callback, so the mock "plays the
 * weights".
 *
 * The plan is the shipped OIML R 76 procedure for a class III balance, Max
 * 30 kg, e = 5 g, with the M1 set of test_procedures_fixture.c: 19 points,
 * 18 of them with a reading (the last is the repeatability range).
 */
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
#include "cal/driver.h"
#include "cal/error.h"
#include "cal/procedure.h"
#include "cal/transport.h"
#include "test_procedures_fixture.h"

/* test_procedures_fixture.c */

#define SHIPPED CAL_SOURCE_DIR "/procedures/defs/oiml-r76-nawi-verification.yaml"
#define NPOINTS 19
#define NREAD 18
/* 2026-03-15T09:00:00Z */
#define WALL0 1773565200

static void assert_msg_has(const char *m, const char *needle)
{
	if (!strstr(m, needle))
		fail_msg("message \"%s\" does not contain \"%s\"", m, needle);
}

/* ---- the plan as the operator sees it (domain.md §1.1, §1.2) -------------- */

struct pt {
	const char *label;
	double load;
	double ref; /* nominal + corrections of the fixture's weights */
	double mpe;
};

static const struct pt plan[NPOINTS] = {
	{ "zero", 0, 0, 1.25 },
	{ "up 1", 100, 100.002, 2.5 },
	{ "up 2", 2500, 2500.03, 2.5 },
	{ "up 3", 10000, 9999.8, 5 },
	{ "up 4", 15000, 14999.9, 7.5 },
	{ "up 5", 30000, 30000.1, 7.5 },
	{ "down 1", 15000, 14999.9, 7.5 },
	{ "down 2", 10000, 9999.8, 5 },
	{ "down 3", 2500, 2500.03, 2.5 },
	{ "down 4", 100, 100.002, 2.5 },
	{ "position 1 (centre)", 10000, 9999.8, 5 },
	{ "position 2 (front left)", 10000, 9999.8, 5 },
	{ "position 3 (back left)", 10000, 9999.8, 5 },
	{ "position 4 (back right)", 10000, 9999.8, 5 },
	{ "position 5 (front right)", 10000, 9999.8, 5 },
	{ "#1", 15000, 14999.9, 7.5 },
	{ "#2", 15000, 14999.9, 7.5 },
	{ "#3", 15000, 14999.9, 7.5 },
	{ "range of 3", 15000, 14999.9, 7.5 },
};

static const char *const test_of[NPOINTS] = {
	"zero",		 "weighing",	  "weighing",	   "weighing",	    "weighing",
	"weighing",	 "weighing",	  "weighing",	   "weighing",	    "weighing",
	"eccentricity",	 "eccentricity",  "eccentricity",  "eccentricity",  "eccentricity",
	"repeatability", "repeatability", "repeatability", "repeatability",
};

/* Correct indications (what a good class III balance shows, in steps of e). */
static void good_indications(double *v)
{
	for (size_t i = 0; i < NREAD; i++)
		v[i] = plan[i].load;
	v[16] = 15005; /* #2: the repeatability range is 5 g <= 7.5 g */
}

/*
 * "ok" + value for points [from, to) (0-based, reading points only). Values
 * are written with the decimals they need ("10004.81", "15000"), which are
 * the decimals of the typed indication.
 */
static char *answers_text(const double *v, size_t from, size_t to)
{
	size_t cap = 64 + 32 * (to - from);
	char *s = malloc(cap), *p = s;

	assert_non_null(s);
	p += sprintf(p, "# answers %zu..%zu\n", from + 1, to);
	for (size_t i = from; i < to; i++)
		p += sprintf(p, "ok\n%.10g   # %s\n", v[i], plan[i].label);
	return s;
}

/* ---- fake clock ------------------------------------------------------------ */

struct fake_clock {
	int64_t mono_ms;
	int64_t wall_s;
	int sleeps;
};

static int64_t fk_mono(void *ctx)
{
	return ((struct fake_clock *)ctx)->mono_ms;
}

static void fk_sleep(void *ctx, int64_t ms)
{
	struct fake_clock *fc = ctx;

	fc->mono_ms += ms;
	fc->sleeps++;
}

static int64_t fk_wall(void *ctx)
{
	return ((struct fake_clock *)ctx)->wall_s;
}

/* ---- environment ----------------------------------------------------------- */

struct env {
	struct cal_db *db;
	struct cal_procedure *proc;
	struct cal_instrument dut;
	struct fake_clock fc;
	struct cal_clock clock;
	char dir[64];
	char path[96];
};

static void env_fill(struct env *e, const char *weight_class, const char *due)
{
	struct cal_standard w[16];
	size_t nw = tp_weights(w, weight_class, due);

	tp_class3_dut(&e->dut);
	assert_int_equal(cal_db_instrument_add(e->db, &e->dut), CAL_OK);
	for (size_t i = 0; i < nw; i++)
		assert_int_equal(cal_db_standard_add(e->db, &w[i]), CAL_OK);
}

static struct env *env_new(const char *path)
{
	struct env *e = calloc(1, sizeof(*e));

	assert_non_null(e);
	if (path)
		snprintf(e->path, sizeof(e->path), "%s", path);
	else
		snprintf(e->path, sizeof(e->path), ":memory:");
	assert_int_equal(cal_db_open(&e->db, e->path), CAL_OK);
	assert_int_equal(cal_procedure_load(&e->proc, SHIPPED), CAL_OK);
	e->fc.wall_s = WALL0;
	e->fc.mono_ms = 1000;
	e->clock.mono_ms = fk_mono;
	e->clock.sleep_ms = fk_sleep;
	e->clock.wall_s = fk_wall;
	e->clock.ctx = &e->fc;
	return e;
}

static int setup_mem(void **state)
{
	struct env *e = env_new(NULL);

	env_fill(e, "M1", "2027-01-01");
	*state = e;
	return 0;
}

static int setup_file(void **state)
{
	char dir[] = "/tmp/test_procedures_engineXXXXXX";
	char path[96];
	struct env *e;

	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/cal.db", dir);
	e = env_new(path);
	snprintf(e->dir, sizeof(e->dir), "%s", dir);
	env_fill(e, "M1", "2027-01-01");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	char f[128];

	cal_db_close(e->db);
	cal_procedure_free(e->proc);
	if (e->dir[0]) {
		static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };

		for (size_t i = 0; i < 4; i++) {
			snprintf(f, sizeof(f), "%s%s", e->path, suffix[i]);
			unlink(f);
		}
		rmdir(e->dir);
	}
	free(e);
	return 0;
}

static void reopen(struct env *e)
{
	cal_db_close(e->db);
	e->db = NULL;
	assert_int_equal(cal_db_open(&e->db, e->path), CAL_OK);
}

static void params(struct cal_run_params *p, struct env *e, const struct cal_operator_ops *op,
		   void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->db = e->db;
	p->proc = e->proc;
	p->dut = &e->dut;
	p->mode = "initial";
	p->operator_name = "Nguyễn Văn An";
	p->bench_path = "bench.yaml";
	p->op = op;
	p->op_ctx = ctx;
	p->clock = &e->clock;
}

static int n_readings(struct env *e, int64_t run_id)
{
	int n = -1;

	assert_int_equal(cal_db_reading_count(&n, e->db, run_id), CAL_OK);
	return n;
}

static size_t n_runs(struct env *e)
{
	struct cal_run *runs = NULL;
	size_t n = 99;

	assert_int_equal(cal_db_run_list(&runs, &n, e->db, ""), CAL_OK);
	free(runs);
	return n;
}

/* One integer from SQL with a run id bound as ?1. */
static long sql_long(struct env *e, const char *sql, int64_t run_id)
{
	sqlite3_stmt *st = NULL;
	long v;

	assert_int_equal(sqlite3_prepare_v2(cal_db_handle(e->db), sql, -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, run_id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = (long)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Results are 1..n in order, as in the plan, none twice. */
static struct cal_result *check_results(struct env *e, int64_t run_id, size_t n_expected)
{
	struct cal_result *r = NULL;
	size_t n = 0;

	assert_int_equal(cal_db_result_list(&r, &n, e->db, run_id), CAL_OK);
	assert_int_equal(n, n_expected);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(r[i].seq, (int)i + 1);
		assert_string_equal(r[i].label, plan[i].label);
		assert_string_equal(r[i].test, test_of[i]);
		assert_string_equal(r[i].unit, "g");
		assert_near(r[i].load, plan[i].load, 1e-9);
		assert_near(r[i].ref, plan[i].ref, 1e-9);
		assert_near(r[i].mpe, plan[i].mpe, 1e-12);
		if (i == NPOINTS - 1)
			assert_int_equal(r[i].reading_id, 0);
		else
			assert_true(r[i].reading_id > 0);
	}
	return r;
}

/* ---- an operator that records what it was told, around the answers file ---- */

struct rec_op {
	struct cal_answers *ans;
	int instructs, results, lives;
	size_t last_k, last_n;
	char texts[NPOINTS][256];
	char verdicts[NPOINTS][8];
	/* (f): set *stop at the instruct of point stop_at (1-based), 0 = never */
	volatile int *stop;
	size_t stop_at;
	bool stop_in_live; /* set it from the live callback instead */
	/* (c): the mock balance whose load the operator "places" */
	struct balance *bal;
	int fix_overload_at; /* at this instruct (1-based) the overload goes away */
	int late_place_at;   /* at this instruct the load is not on yet (left at 0) */
};

struct balance {
	double load;	 /* on the pan, g */
	double err_from; /* from this load on ... */
	double err;	 /* ... the indication is off by this much */
	bool overload;	 /* answer "S +" from err_from on */
	bool kg;	 /* show kg with 5 decimals instead of g with 2 */
	int unstable;	 /* SI answers "S D" this many times after each placement */
	int left_unstable;
	bool never_stable;
	char cmd[64];
	size_t cmd_len;
	char out[2048];
	size_t out_len;
	int n_z, n_si, n_other, n_es;
	int closed;
};

static void bal_place(struct balance *b, double load)
{
	b->load = load;
	b->left_unstable = b->unstable;
}

static int rec_instruct(void *ctx, const struct cal_step_info *step, const char *text)
{
	struct rec_op *r = ctx;

	assert_non_null(step);
	assert_non_null(step->point);
	assert_int_equal(step->k, (size_t)step->point->seq);
	assert_int_equal(step->n, NPOINTS);
	assert_string_equal(step->unit, "g");
	assert_non_null(step->test_title);
	r->instructs++;
	r->last_k = step->k;
	r->last_n = step->n;
	snprintf(r->texts[step->k - 1], sizeof(r->texts[0]), "%s", text);
	if (r->stop && r->stop_at == step->k && !r->stop_in_live)
		*r->stop = 1;
	if (r->bal)
		bal_place(r->bal, r->late_place_at == r->instructs ? 0 : step->point->ref);
	if (r->bal && r->fix_overload_at == r->instructs)
		r->bal->overload = false;
	if (r->ans)
		return cal_answers_ops.instruct(r->ans, step, text);
	return CAL_OK;
}

static int rec_ask(void *ctx, const struct cal_step_info *step, const char *prompt, double *value,
		   int *decimals)
{
	struct rec_op *r = ctx;

	assert_non_null(strstr(prompt, "CAN-0042"));
	return cal_answers_ops.ask_value(r->ans, step, prompt, value, decimals);
}

static void rec_live(void *ctx, const struct cal_step_info *step, const struct cal_reading *rd)
{
	struct rec_op *r = ctx;

	assert_non_null(rd);
	r->lives++;
	if (r->stop && r->stop_in_live && r->stop_at == step->k)
		*r->stop = 1;
}

static void rec_result(void *ctx, const struct cal_step_info *step, const struct cal_result *res)
{
	struct rec_op *r = ctx;

	r->results++;
	assert_int_equal(res->seq, (int)step->k);
	snprintf(r->verdicts[step->k - 1], sizeof(r->verdicts[0]), "%s", res->verdict);
}

static const struct cal_operator_ops rec_typed_ops = {
	.instruct = rec_instruct,
	.ask_value = rec_ask,
	.live = NULL,
	.result = rec_result,
};

static const struct cal_operator_ops rec_device_ops = {
	.instruct = rec_instruct,
	.ask_value = NULL,
	.live = rec_live,
	.result = rec_result,
};

static struct cal_answers *answers(const char *text)
{
	struct cal_answers *a = NULL;

	assert_int_equal(cal_answers_parse(&a, text, "answers.txt"), CAL_OK);
	return a;
}

/* ---- answers files ------------------------------------------------------- */

static void test_answers_parse(void **state)
{
	struct cal_answers *a = NULL;
	struct cal_step_info step = { 0 };
	double v = 0;
	int dec = -1;

	(void)state;
	a = answers("# a comment\n"
		    "ok\n"
		    "\n"
		    "  12.50  # trailing comment\r\n"
		    "-0.5\n"
		    "quit\n");
	assert_int_equal(cal_answers_ops.instruct(a, &step, "place"), CAL_OK);
	assert_int_equal(cal_answers_ops.instruct(a, &step, "place"), CAL_OK); /* empty = ok */
	assert_int_equal(cal_answers_ops.ask_value(a, &step, "p", &v, &dec), CAL_OK);
	assert_near(v, 12.5, 0);
	assert_int_equal(dec, 2);
	/* A number where a confirmation is expected is an error naming the line. */
	cal_error_clear();
	assert_int_equal(cal_answers_ops.instruct(a, &step, "place 1 kg"), CAL_ERR_CONFIG);
	assert_msg_has(cal_error_last(), "answers.txt:5:");
	assert_msg_has(cal_error_last(), "-0.5");
	assert_int_equal(cal_answers_ops.ask_value(a, &step, "p", &v, &dec), CAL_ERR_INTERRUPTED);
	assert_msg_has(cal_error_last(), "answers.txt:6: quit");
	assert_int_equal(cal_answers_ops.instruct(a, &step, "x"), CAL_ERR_INTERRUPTED);
	assert_msg_has(cal_error_last(), "no more answers");
	cal_answers_free(a);

	cal_error_clear();
	assert_int_equal(cal_answers_parse(&a, "ok\n12,5\n", "a.txt"), CAL_ERR_CONFIG);
	assert_null(a);
	assert_msg_has(cal_error_last(), "a.txt:2:");
	assert_msg_has(cal_error_last(), "12,5");
	cal_answers_free(NULL);
}

/* ---- (a) typed indications, all correct: PASS ------------------------------- */

static void test_run_typed_pass(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_result *r;
	struct cal_run run;
	struct cal_cert cert;
	struct cal_standard *used = NULL;
	size_t n_used = 0;
	double v[NREAD];
	char *text, *stored = NULL;

	good_indications(v);
	text = answers_text(v, 0, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);

	assert_true(out.completed);
	assert_string_equal(out.verdict, "PASS");
	assert_string_equal(out.reason, "");
	assert_true(out.run_id > 0);
	/* A verification certificate, dated by the (fake) wall clock. */
	assert_int_equal(out.cert.kind, CAL_CERT_VERIFICATION);
	assert_true(out.cert.number[0] != '\0');
	assert_int_equal(out.cert.run_id, out.run_id);
	assert_string_equal(out.cert.instrument_id, "CAN-0042");
	assert_string_equal(out.cert.issue_date, "2026-03-15");
	assert_string_equal(out.cert.valid_until, "2027-03-15");
	assert_int_equal(cal_db_cert_for_run(&cert, e->db, out.run_id), CAL_OK);
	assert_string_equal(cert.number, out.cert.number);

	/* Every point judged and stored, each with its reading but the summary. */
	r = check_results(e, out.run_id, NPOINTS);
	for (size_t i = 0; i < NPOINTS; i++)
		assert_string_equal(r[i].verdict, "PASS");
	assert_near(r[5].indication, 30000, 0);
	assert_int_equal(r[5].decimals, 0);
	assert_near(r[5].error, 30000 - 30000.1, 1e-9);
	assert_string_equal(r[5].weights, "W20K + W10K");
	assert_near(r[3].error, 10000 - 9999.8, 1e-9);
	assert_near(r[18].error, 5, 1e-12); /* range of 15000, 15005, 15000 */
	free(r);
	assert_int_equal(n_readings(e, out.run_id), NREAD);
	assert_int_equal(sql_long(e,
				  "SELECT count(*) FROM readings WHERE run_id = ?1 AND source = "
				  "'operator' AND stable = 1",
				  out.run_id),
			 NREAD);
	assert_int_equal(
		sql_long(e,
			 "SELECT count(DISTINCT r.point_seq) FROM readings r JOIN results s "
			 "ON s.reading_id = r.id WHERE r.run_id = ?1 AND s.seq = r.point_seq",
			 out.run_id),
		NREAD);

	/* The run: completed, with what it executed. */
	assert_int_equal(cal_db_run_get(&run, e->db, out.run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_COMPLETED);
	assert_string_equal(run.verdict, "PASS");
	assert_string_equal(run.procedure_sha256, e->proc->sha256);
	assert_string_equal(run.procedure_id, "oiml-r76-nawi-verification");
	assert_string_equal(run.instrument_id, "CAN-0042");
	assert_string_equal(run.mode, "initial");
	assert_string_equal(run.operator_name, "Nguyễn Văn An");
	assert_string_equal(run.bench_path, "bench.yaml");
	assert_string_equal(run.device_id, "");
	assert_int_equal(cal_db_run_procedure_text(&stored, e->db, out.run_id), CAL_OK);
	assert_string_equal(stored, e->proc->text);
	free(stored);
	/* The weights it used, and only those. */
	assert_int_equal(cal_db_run_standards(&used, &n_used, e->db, out.run_id), CAL_OK);
	assert_int_equal(n_used, 6);
	assert_string_equal(used[0].id, "W20K");
	assert_string_equal(used[5].id, "W100G");
	free(used);

	/* What the operator was told. */
	assert_int_equal(op.instructs, NREAD);
	assert_int_equal(op.results, NPOINTS);
	assert_string_equal(op.texts[0], "remove every load from the load receptor (zero test)");
	assert_string_equal(op.texts[5], "place 30 kg: W20K + W10K");
	assert_string_equal(op.texts[1], "place 100 g: W100G");
	assert_string_equal(op.texts[10], "place 10 kg at centre: W10K");
	assert_non_null(strstr(op.texts[15], "#1"));

	cal_answers_free(op.ans);
	free(text);
}

/* In service the MPEs are doubled: an error of 7 g at 10 kg passes (±10 g). */
static void test_run_typed_periodic(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_result *r = NULL;
	size_t n = 0;
	double v[NREAD];
	char *text;

	good_indications(v);
	v[3] = 10005; /* E = 5.2 g: FAIL on initial (±5 g), PASS periodic (±10 g) */
	text = answers_text(v, 0, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	p.mode = "periodic";
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(cal_db_result_list(&r, &n, e->db, out.run_id), CAL_OK);
	assert_int_equal(n, NPOINTS);
	assert_near(r[0].mpe, 1.25, 1e-12); /* the zero limit is not an MPE */
	for (size_t i = 1; i < NPOINTS; i++)
		assert_near(r[i].mpe, 2 * plan[i].mpe, 1e-12);
	assert_near(r[3].error, 5.2, 1e-9);
	free(r);
	cal_answers_free(op.ans);

	op.ans = answers(text);
	p.mode = "initial";
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "FAIL");
	cal_answers_free(op.ans);
	free(text);
}

/* ---- (b) one error just above the MPE: FAIL exactly there ------------------- */

static void run_fail_case(struct env *e, const double *v, size_t fail_at, const char *needle1,
			  const char *needle2)
{
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_result *r = NULL;
	struct cal_run run;
	size_t n = 0;
	char *text = answers_text(v, 0, NREAD);
	int reads = (int)(fail_at < NREAD ? fail_at + 1 : NREAD);

	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_true(out.completed);
	assert_string_equal(out.verdict, "FAIL");
	assert_msg_has(out.reason, needle1);
	assert_msg_has(out.reason, needle2);
	assert_int_equal(out.cert.kind, CAL_CERT_FAILURE);
	assert_string_equal(out.cert.valid_until, "");

	assert_int_equal(cal_db_result_list(&r, &n, e->db, out.run_id), CAL_OK);
	assert_int_equal(n, fail_at + 1);
	for (size_t i = 0; i < fail_at; i++)
		assert_string_equal(r[i].verdict, "PASS");
	assert_string_equal(r[fail_at].verdict, "FAIL");
	assert_string_equal(r[fail_at].label, plan[fail_at].label);
	free(r);
	/* No reading after the failed point. */
	assert_int_equal(n_readings(e, out.run_id), reads);
	assert_int_equal(op.instructs, reads);
	assert_int_equal(cal_db_run_get(&run, e->db, out.run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_COMPLETED);
	assert_string_equal(run.verdict, "FAIL");
	assert_string_equal(run.fail_reason, out.reason);
	cal_answers_free(op.ans);
	free(text);
}

static void test_run_typed_fail_just_above(void **state)
{
	struct env *e = *state;
	double v[NREAD];

	/* up 3: ref 9999.8 g, MPE ±5 g: 10004.81 gives E = +5.01 g. */
	good_indications(v);
	v[3] = 10004.81;
	run_fail_case(e, v, 3, "weighing up 3 at 10000 g",
		      "E = 5.0100 g exceeds MPE \xc2\xb1"
		      "5 g");
	/* down 4 at 100 g (ref 100.002 g, MPE ±2.5 g): 97.49 gives -2.512 g. */
	good_indications(v);
	v[9] = 97.49;
	run_fail_case(e, v, 9, "weighing down 4 at 100 g", "-2.5120 g");
	/* The zero point: |E0| <= 0.25 e = 1.25 g. */
	good_indications(v);
	v[0] = 1.3;
	run_fail_case(e, v, 0, "zero zero at 0 g", "1.300 g");
	/* Eccentricity, position 4. */
	good_indications(v);
	v[13] = 9999.8 - 5.02;
	run_fail_case(e, v, 13, "eccentricity position 4 (back right)", "-5.0200 g");
	/* Every reading within ±7.5 g, but the range 10 g > 7.5 g. */
	good_indications(v);
	v[15] = 14995;
	v[16] = 15005;
	v[17] = 15000;
	run_fail_case(e, v, 18, "repeatability range of 3", "range 10 g exceeds |MPE| 7.5 g");
}

/* The band limit itself is within: E = MPE exactly passes. */
static void test_run_typed_error_at_mpe_passes(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	double v[NREAD];
	char *text;

	good_indications(v);
	v[3] = 10004.8; /* E = +5.0 g at ±5 g */
	v[9] = 97.502;	/* E = -2.5 g at ±2.5 g */
	v[0] = -1.25;	/* E0 = -0.25 e */
	text = answers_text(v, 0, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	cal_answers_free(op.ans);
	free(text);
}

/* ---- (c) a mock MT-SICS balance on a custom transport ---------------------- */

static void bal_send(struct balance *b, const char *line)
{
	size_t n = strlen(line);

	assert_true(b->out_len + n + 2 <= sizeof(b->out));
	memcpy(b->out + b->out_len, line, n);
	memcpy(b->out + b->out_len + n, "\r\n", 2);
	b->out_len += n + 2;
}

static void bal_weight(struct balance *b, char status)
{
	double shown = b->load;
	char line[64];

	if (b->load >= b->err_from - 1e-9) {
		if (b->overload) {
			bal_send(b, "S +");
			return;
		}
		shown += b->err;
	}
	if (b->kg)
		snprintf(line, sizeof(line), "S %c %10.5f kg", status, shown / 1000);
	else
		snprintf(line, sizeof(line), "S %c %10.2f g", status, shown);
	bal_send(b, line);
}

static void bal_command(struct balance *b, const char *cmd)
{
	if (strcmp(cmd, "@") == 0 || strcmp(cmd, "I4") == 0) {
		bal_send(b, "I4 A \"MOCK123\"");
	} else if (strcmp(cmd, "I2") == 0) {
		bal_send(b, "I2 A \"Mock MB30 30000 g\"");
	} else if (strcmp(cmd, "I3") == 0) {
		bal_send(b, "I3 A \"1.07\"");
	} else if (strcmp(cmd, "Z") == 0) {
		b->n_z++;
		bal_send(b, "Z A");
	} else if (strcmp(cmd, "SI") == 0) {
		b->n_si++;
		if (b->never_stable || b->left_unstable > 0) {
			b->left_unstable--;
			bal_weight(b, 'D');
		} else {
			bal_weight(b, 'S');
		}
	} else if (strcmp(cmd, "S") == 0) {
		bal_weight(b, 'S');
	} else {
		b->n_other++;
		b->n_es++;
		bal_send(b, "ES");
	}
}

static int bal_write(void *ctx, const void *buf, size_t len, int timeout_ms)
{
	struct balance *b = ctx;
	const char *c = buf;

	(void)timeout_ms;
	for (size_t i = 0; i < len; i++) {
		if (c[i] == '\n') {
			if (b->cmd_len && b->cmd[b->cmd_len - 1] == '\r')
				b->cmd_len--;
			b->cmd[b->cmd_len] = '\0';
			bal_command(b, b->cmd);
			b->cmd_len = 0;
		} else if (b->cmd_len + 1 < sizeof(b->cmd)) {
			b->cmd[b->cmd_len++] = c[i];
		}
	}
	return CAL_OK;
}

/* Never waits: nothing queued is an immediate timeout. */
static int bal_read(void *ctx, void *buf, size_t size, size_t *got, int timeout_ms)
{
	struct balance *b = ctx;
	size_t n = b->out_len < size ? b->out_len : size;

	(void)timeout_ms;
	*got = 0;
	if (n == 0)
		return CAL_ERR_TIMEOUT;
	memcpy(buf, b->out, n);
	memmove(b->out, b->out + n, b->out_len - n);
	b->out_len -= n;
	*got = n;
	return CAL_OK;
}

static int bal_flush(void *ctx)
{
	((struct balance *)ctx)->out_len = 0;
	return CAL_OK;
}

static void bal_close(void *ctx)
{
	((struct balance *)ctx)->closed++;
}

static const struct cal_transport_ops bal_ops = {
	.name = "mock",
	.write = bal_write,
	.read = bal_read,
	.flush_input = bal_flush,
	.close = bal_close,
};

static struct cal_device *bal_open(struct balance *b)
{
	struct cal_transport *tr = NULL;
	struct cal_device *dev = NULL;

	assert_int_equal(cal_transport_new_custom(&tr, &bal_ops, b), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dev, cal_driver_find("mt-sics"), tr, "bal1"),
			 CAL_OK);
	return dev;
}

static void test_run_device_pass(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 1e99, .unstable = 2 };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct cal_result *r;
	struct cal_run run;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(out.cert.kind, CAL_CERT_VERIFICATION);

	r = check_results(e, out.run_id, NPOINTS);
	for (size_t i = 0; i < NPOINTS - 1; i++) {
		assert_string_equal(r[i].verdict, "PASS");
		/* The mock shows the conventional mass to 0.01 g. */
		assert_near(r[i].indication, plan[i].ref, 0.005 + 1e-9);
		assert_int_equal(r[i].decimals, 2);
		assert_near(r[i].error, r[i].indication - plan[i].ref, 1e-9);
	}
	assert_near(r[18].error, 0, 0);
	free(r);
	assert_int_equal(n_readings(e, out.run_id), NREAD);
	assert_int_equal(sql_long(e,
				  "SELECT count(*) FROM readings WHERE run_id = ?1 AND source = "
				  "'device:bal1' AND stable = 1 AND raw LIKE 'S S %'",
				  out.run_id),
			 NREAD);

	assert_int_equal(cal_db_run_get(&run, e->db, out.run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_COMPLETED);
	assert_string_equal(run.device_id, "bal1");
	assert_string_equal(run.dut_serial, "MOCK123");
	assert_string_equal(run.dut_model, "Mock MB30 30000 g");

	/* Zero set once, for the zero point; nothing unknown was sent. */
	assert_int_equal(bal.n_z, 1);
	assert_int_equal(bal.n_es, 0);
	/* Two unstable answers per point, waited for on the fake clock. */
	assert_int_equal(bal.n_si, 3 * NREAD);
	assert_int_equal(op.lives, 3 * NREAD);
	assert_int_equal(e->fc.sleeps, 2 * NREAD);
	assert_true(e->fc.mono_ms > 1000);
	assert_int_equal(op.instructs, NREAD);

	cal_dev_close(dev);
	assert_int_equal(bal.closed, 1);
}

/* A balance showing kg: indications are converted to g, resolution kept. */
static void test_run_device_kg(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 1e99, .kg = true };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct cal_result *r;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	r = check_results(e, out.run_id, NPOINTS);
	assert_near(r[5].indication, 30000.1, 1e-9);
	assert_int_equal(r[5].decimals, 2);
	free(r);
	cal_dev_close(dev);
}

static void test_run_device_fail_high_load(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 30000, .err = 8 };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct cal_result *r = NULL;
	size_t n = 0;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_true(out.completed);
	assert_string_equal(out.verdict, "FAIL");
	assert_msg_has(out.reason, "weighing up 5 at 30000 g");
	assert_msg_has(out.reason, "E = 8.0000 g");
	assert_int_equal(out.cert.kind, CAL_CERT_FAILURE);
	assert_int_equal(cal_db_result_list(&r, &n, e->db, out.run_id), CAL_OK);
	assert_int_equal(n, 6);
	assert_string_equal(r[5].verdict, "FAIL");
	assert_near(r[5].error, 8, 1e-9);
	free(r);
	assert_int_equal(n_readings(e, out.run_id), 6);
	cal_dev_close(dev);
}

/*
 * Overload is taken again (the operator told why); one that persists at a
 * load within Max is the instrument's: FAIL, every reading kept.
 */
static void test_run_device_overload(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 30000, .overload = true };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal };
	struct cal_run_params p;
	struct cal_run_outcome out;
	size_t n = 0;
	struct cal_result *r = NULL;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_true(out.completed);
	assert_string_equal(out.verdict, "FAIL");
	assert_msg_has(out.reason, "up 5");
	assert_msg_has(out.reason, "overload 3 times");
	assert_msg_has(op.texts[5], "the instrument shows overload");
	assert_int_equal(op.instructs, 5 + 3);
	assert_int_equal(out.cert.kind, CAL_CERT_FAILURE);
	assert_int_equal(cal_db_result_list(&r, &n, e->db, out.run_id), CAL_OK);
	assert_int_equal(n, 6);
	assert_string_equal(r[5].verdict, "FAIL");
	free(r);
	assert_int_equal(
		sql_long(e,
			 "SELECT count(*) FROM readings WHERE run_id = ?1 AND point_seq = 6 "
			 "AND raw = 'S +'",
			 out.run_id),
		3);
	cal_dev_close(dev);
}

/* An indication far off (Enter pressed before the load was on) is taken again. */
static void test_run_device_gross_error_retaken(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 1e9 };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal, .late_place_at = 4 };
	struct cal_run_params p;
	struct cal_run_outcome out;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(op.instructs, NREAD + 1);
	assert_msg_has(op.texts[3], "is far from the load 10000 g");
	assert_int_equal(n_readings(e, out.run_id), NREAD + 1);
	cal_dev_close(dev);
}

/* Overload (a wrong weight), the operator told, then the right load: PASS, the reading kept. */
static void test_run_device_overload_once(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 30000, .overload = true };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal, .fix_overload_at = 7 };
	struct cal_run_params p;
	struct cal_run_outcome out;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	assert_int_equal(cal_run_start(&out, &p), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(op.instructs, NREAD + 1);
	assert_msg_has(op.texts[5], "overload");
	assert_int_equal(n_readings(e, out.run_id), NREAD + 1);
	cal_dev_close(dev);
}

/* Never stable within the procedure's 30 s (on the fake clock): interrupted. */
static void test_run_device_unstable(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 1e99, .never_stable = true };
	struct cal_device *dev = bal_open(&bal);
	struct rec_op op = { .bal = &bal };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct cal_run run;
	int rc;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	rc = cal_run_start(&out, &p);
	assert_int_equal(rc, CAL_ERR_UNSTABLE);
	assert_false(out.completed);
	assert_msg_has(cal_error_last(), "zero");
	assert_int_equal(cal_db_run_get(&run, e->db, out.run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_msg_has(run.status_reason, "stable");
	assert_true(e->fc.mono_ms - 1000 >= 30000);
	assert_int_equal(n_readings(e, out.run_id), 0);
	cal_dev_close(dev);
}

/* ---- (d) interruption and resume ------------------------------------------- */

static void test_resume_across_handles(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_result *r1, *r2;
	struct cal_run run;
	int64_t run_id;
	double v[NREAD];
	char *t1, *t2;

	good_indications(v);
	/* Answers for points 1..17: runs out at the last repeatability reading. */
	t1 = answers_text(v, 0, 17);
	op.ans = answers(t1);
	params(&p, e, &rec_typed_ops, &op);
	cal_error_clear();
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	assert_msg_has(cal_error_last(), "no more answers");
	assert_false(out.completed);
	assert_string_equal(out.verdict, "");
	run_id = out.run_id;
	assert_true(run_id > 0);
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_msg_has(run.status_reason, "no more answers");
	r1 = check_results(e, run_id, 17);
	assert_int_equal(n_readings(e, run_id), 17);
	assert_int_equal(cal_db_cert_for_run(&out.cert, e->db, run_id), CAL_ERR_NOTFOUND);
	cal_answers_free(op.ans);

	/* Another process, later that day: a new database handle. */
	reopen(e);
	e->fc.wall_s += 3600;
	memset(&op, 0, sizeof(op));
	t2 = answers_text(v, 17, NREAD);
	op.ans = answers(t2);
	params(&p, e, &rec_typed_ops, &op);
	p.proc = NULL; /* the stored text is used */
	p.dut = NULL;
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_OK);
	assert_true(out.completed);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(out.run_id, run_id);
	assert_int_equal(out.cert.kind, CAL_CERT_VERIFICATION);
	/* Only the rest was asked. */
	assert_int_equal(op.instructs, 1);
	assert_int_equal(op.last_k, 18);

	r2 = check_results(e, run_id, NPOINTS);
	for (size_t i = 0; i < 17; i++) {
		assert_int_equal(r2[i].reading_id, r1[i].reading_id);
		assert_near(r2[i].indication, r1[i].indication, 0);
	}
	/* The range spans both sessions: 15000, 15005 (before), 15000 (after). */
	assert_near(r2[18].error, 5, 1e-12);
	assert_int_equal(n_readings(e, run_id), NREAD);
	assert_int_equal(sql_long(e,
				  "SELECT count(*) - count(DISTINCT point_seq) FROM readings "
				  "WHERE run_id = ?1",
				  run_id),
			 0);
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_COMPLETED);
	assert_string_equal(run.procedure_sha256, e->proc->sha256);
	free(r1);
	free(r2);
	cal_answers_free(op.ans);

	/* A completed run cannot be resumed. */
	op.ans = answers(t2);
	cal_error_clear();
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_ERR_STATE);
	assert_msg_has(cal_error_last(), "completed");
	assert_int_equal(n_readings(e, run_id), NREAD);
	assert_int_equal(cal_run_resume(&out, &p, run_id + 100), CAL_ERR_NOTFOUND);
	cal_answers_free(op.ans);
	free(t1);
	free(t2);
}

static void test_resume_after_quit(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_result *r;
	struct cal_run run;
	int64_t run_id;
	double v[NREAD];
	char *rest;

	good_indications(v);
	op.ans = answers("ok\n0\nok\n100\nquit\nok\n2500\n");
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	run_id = out.run_id;
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_msg_has(run.status_reason, "quit");
	r = check_results(e, run_id, 2);
	free(r);
	assert_int_equal(n_readings(e, run_id), 2);
	cal_answers_free(op.ans);

	/* Confirmed the placement, then stopped before the indication. */
	memset(&op, 0, sizeof(op));
	op.ans = answers("ok\n");
	params(&p, e, &rec_typed_ops, &op);
	p.proc = NULL;
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_ERR_INTERRUPTED);
	assert_int_equal(op.last_k, 3);
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(n_readings(e, run_id), 2);
	cal_answers_free(op.ans);

	/* The rest. */
	memset(&op, 0, sizeof(op));
	rest = answers_text(v, 2, NREAD);
	op.ans = answers(rest);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	assert_int_equal(op.instructs, NREAD - 2);
	r = check_results(e, run_id, NPOINTS);
	free(r);
	assert_int_equal(n_readings(e, run_id), NREAD);
	cal_answers_free(op.ans);
	free(rest);
}

/* Weights that went out of date meanwhile: the resume is refused, the run kept. */
static void test_resume_refused_overdue(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_run run;
	int64_t run_id;

	op.ans = answers("ok\n0\n");
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	run_id = out.run_id;
	cal_answers_free(op.ans);

	e->fc.wall_s += 365 * 86400; /* 2027-03-15: every weight is past 2027-01-01 */
	op.ans = answers("ok\n100\n");
	cal_error_clear();
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_ERR_REFUSED);
	assert_msg_has(cal_error_last(), "2027-01-01");
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(n_readings(e, run_id), 1);
	cal_answers_free(op.ans);
}

/*
 * The FAIL result is committed, then the run cannot be closed (here the
 * certificate insert fails; in life, a power cut between the two commits).
 * Resuming must close the run as FAIL at that point, not carry on to PASS.
 */
static void test_resume_after_committed_fail(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_run run;
	int64_t run_id;
	double v[NREAD];
	char *text;

	good_indications(v);
	v[3] = 10005; /* up 3: E = 5.2 g > 5 g (d = 5 g: indications are multiples of 5) */
	text = answers_text(v, 0, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(sqlite3_exec(cal_db_handle(e->db),
				      "CREATE TEMP TRIGGER no_docs BEFORE INSERT ON certificates "
				      "BEGIN SELECT RAISE(ABORT, 'disk full'); END",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_not_equal(cal_run_start(&out, &p), CAL_OK);
	run_id = out.run_id;
	assert_false(out.completed);
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(n_readings(e, run_id), 4);
	cal_answers_free(op.ans);
	assert_int_equal(
		sqlite3_exec(cal_db_handle(e->db), "DROP TRIGGER temp.no_docs", NULL, NULL, NULL),
		SQLITE_OK);

	/* Answers for everything after: none of them may be used. */
	memset(&op, 0, sizeof(op));
	free(text);
	good_indications(v);
	text = answers_text(v, 4, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_OK);
	assert_true(out.completed);
	assert_string_equal(out.verdict, "FAIL");
	assert_msg_has(out.reason, "up 3");
	assert_int_equal(out.cert.kind, CAL_CERT_FAILURE);
	assert_int_equal(op.instructs, 0);
	assert_int_equal(n_readings(e, run_id), 4);
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_COMPLETED);
	assert_string_equal(run.verdict, "FAIL");
	cal_answers_free(op.ans);
	free(text);
}

static void sql_exec(struct env *e, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(cal_db_handle(e->db), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
}

/*
 * Between the sessions the 5 kg weight went out of date: ½ Max is now made
 * up as 13.88 kg, not 15 kg, so "up 4" is no longer the point that was
 * judged. The resume is refused (run kept interrupted) until it is back.
 */
static void test_resume_refused_plan_changed(void **state)
{
	struct env *e = *state;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };
	struct cal_run run;
	int64_t run_id;
	double v[NREAD];
	char *t1, *t2;

	good_indications(v);
	t1 = answers_text(v, 0, 6);
	op.ans = answers(t1);
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	run_id = out.run_id;
	cal_answers_free(op.ans);

	sql_exec(e, "UPDATE standards SET due_date = '2026-01-01' WHERE id = 'W5K'");
	t2 = answers_text(v, 6, NREAD);
	op.ans = answers(t2);
	p.proc = NULL;
	cal_error_clear();
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_ERR_STATE);
	assert_msg_has(cal_error_last(), "up 4");
	assert_msg_has(cal_error_last(), "13880");
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(n_readings(e, run_id), 6);

	sql_exec(e, "UPDATE standards SET due_date = '2027-01-01' WHERE id = 'W5K'");
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	free(check_results(e, run_id, NPOINTS));
	cal_answers_free(op.ans);
	free(t1);
	free(t2);
}

/* A device run must be resumed with the device. */
static void test_resume_device_run(void **state)
{
	struct env *e = *state;
	struct balance bal = { .err_from = 1e99 };
	struct cal_device *dev = bal_open(&bal);
	volatile int stop = 0;
	struct rec_op op = { .bal = &bal, .stop = &stop, .stop_at = 5, .stop_in_live = true };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct cal_run run;
	int64_t run_id;

	params(&p, e, &rec_device_ops, &op);
	p.dev = dev;
	p.stop_flag = &stop;
	/* (f) stopped while waiting for the reading of point 5 (Ctrl-C). */
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	run_id = out.run_id;
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	assert_int_equal(n_readings(e, run_id), 4);

	stop = 0;
	op.stop = NULL;
	p.dev = NULL;
	p.proc = NULL;
	p.op = &rec_typed_ops; /* could type, but the run was read from bal1 */
	cal_error_clear();
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_ERR_ARG);
	assert_msg_has(cal_error_last(), "bal1");
	assert_int_equal(cal_db_run_get(&run, e->db, run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);

	p.dev = dev;
	p.op = &rec_device_ops;
	assert_int_equal(cal_run_resume(&out, &p, run_id), CAL_OK);
	assert_string_equal(out.verdict, "PASS");
	free(check_results(e, run_id, NPOINTS));
	assert_int_equal(n_readings(e, run_id), NREAD);
	cal_dev_close(dev);
}

/* ---- (e) refusal leaves no run behind --------------------------------------- */

static void test_refused_no_run(void **state)
{
	struct env *e = env_new(NULL);
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };

	(void)state;
	env_fill(e, "M2", "2027-01-01"); /* T7: M2 20 kg + 10 kg fail the 1/3 rule at Max */
	op.ans = answers("ok\n0\n");
	params(&p, e, &rec_typed_ops, &op);
	cal_error_clear();
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_REFUSED);
	assert_msg_has(cal_error_last(), "W20K + W10K");
	assert_int_equal(out.run_id, 0);
	assert_false(out.completed);
	assert_int_equal(n_runs(e), 0);
	assert_int_equal(op.instructs, 0);
	cal_answers_free(op.ans);
	*state = e;
	teardown(state);

	/* Every weight overdue on the fake wall clock's date. */
	e = env_new(NULL);
	env_fill(e, "M1", "2026-03-14");
	op.ans = answers("ok\n0\n");
	params(&p, e, &rec_typed_ops, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_REFUSED);
	assert_msg_has(cal_error_last(), "2026-03-14");
	assert_int_equal(n_runs(e), 0);
	cal_answers_free(op.ans);

	/* An instrument that is not registered: refused by the database, no run. */
	op.ans = answers("ok\n0\n");
	params(&p, e, &rec_typed_ops, &op);
	e->fc.wall_s = WALL0 - 400 * 86400; /* weights in date */
	snprintf(e->dut.id, sizeof(e->dut.id), "CAN-9999");
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_NOTFOUND);
	assert_int_equal(n_runs(e), 0);
	cal_answers_free(op.ans);
	*state = e;
}

static void test_bad_params(void **state)
{
	struct env *e = *state;
	struct cal_operator_ops no_ask = { .instruct = rec_instruct };
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { 0 };

	params(&p, e, NULL, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_ARG);
	params(&p, e, &no_ask, &op);
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_ARG);
	params(&p, e, &rec_typed_ops, &op);
	p.proc = NULL;
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_ARG);
	params(&p, e, &rec_typed_ops, &op);
	p.mode = NULL;
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_ARG);
	params(&p, e, &rec_typed_ops, &op);
	p.mode = "yearly";
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_ARG);
	assert_int_equal(cal_run_start(&out, NULL), CAL_ERR_ARG);
	assert_int_equal(n_runs(e), 0);
}

/* ---- (f) the stop flag, set from the operator side ------------------------ */

static void test_stop_flag(void **state)
{
	struct env *e = *state;
	volatile int stop = 0;
	struct cal_run_params p;
	struct cal_run_outcome out;
	struct rec_op op = { .stop = &stop, .stop_at = 4 };
	struct cal_run run;
	double v[NREAD];
	char *text;

	good_indications(v);
	text = answers_text(v, 0, NREAD);
	op.ans = answers(text);
	params(&p, e, &rec_typed_ops, &op);
	p.stop_flag = &stop;
	cal_error_clear();
	assert_int_equal(cal_run_start(&out, &p), CAL_ERR_INTERRUPTED);
	assert_msg_has(cal_error_last(), "stopped");
	assert_int_equal(op.last_k, 4);
	assert_int_equal(cal_db_run_get(&run, e->db, out.run_id), CAL_OK);
	assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
	free(check_results(e, out.run_id, 3));
	assert_int_equal(n_readings(e, out.run_id), 3);
	cal_answers_free(op.ans);

	/* Still set: nothing at all is done on resume. */
	op.ans = answers(text);
	p.proc = NULL;
	assert_int_equal(cal_run_resume(&out, &p, run.id), CAL_ERR_INTERRUPTED);
	assert_int_equal(n_readings(e, run.id), 3);
	cal_answers_free(op.ans);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_parse),
		cmocka_unit_test_setup_teardown(test_run_typed_pass, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_typed_periodic, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_typed_fail_just_above, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_typed_error_at_mpe_passes, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_device_pass, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_device_kg, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_device_fail_high_load, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_device_overload, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_device_overload_once, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_run_device_gross_error_retaken, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_run_device_unstable, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_resume_across_handles, setup_file, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_quit, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_resume_refused_overdue, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_committed_fail, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_resume_refused_plan_changed, setup_mem,
						teardown),
		cmocka_unit_test_setup_teardown(test_resume_device_run, setup_mem, teardown),
		cmocka_unit_test_teardown(test_refused_no_run, teardown),
		cmocka_unit_test_setup_teardown(test_bad_params, setup_mem, teardown),
		cmocka_unit_test_setup_teardown(test_stop_flag, setup_mem, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Pressure runs through the real run path (cal_prun_start / cal_prun_resume,
 * the shipped procedure files, an in-memory database): a model controller
 * (a driver written here, on a fake clock) and a scripted technician who
 * types the gauges' indications.
 *
 * The GUM vectors of domain.md §10 go through it: T18 (Bourdon gauge, one
 * up and one down reading, Type B only) and T17 (digital gauge, three series,
 * Type A), T13-T15 (MPE and number of points from the class). So do the
 * refusals that must leave nothing behind, a setpoint that never settles,
 * and resuming an interrupted batch.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "cal/db.h"
#include "cal/error.h"
#include "cal/procedure.h"
#include "cal/units.h"
#include "null_transport.h"

#define DEFS CAL_SOURCE_DIR "/procedures/defs/"

/* cmocka 1.1 has no assert_double_equal */
#define assert_near(a, b, tol)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			fail_msg("%s = %.9g, expected %.9g", #a, a_, b_);                          \
	} while (0)

/* ---- the model controller and its clock -------------------------------------- */

struct model {
	int64_t now;	    /* ms */
	int64_t set_at;	    /* when the setpoint was last set */
	double target_pa;   /* setpoint */
	double offset_pa;   /* what the reference reads above the setpoint */
	bool never_flag;    /* a leak: never in limits */
	int setpoints;	    /* set_setpoint calls */
	int vents;	    /* vent calls */
	double set_log[64]; /* setpoints in Pa, in order */
	char serial[32];    /* what the controller reports as its serial number */
};

static struct model *g_m;

static int64_t fake_mono(void *ctx)
{
	return ((struct model *)ctx)->now;
}

static void fake_sleep(void *ctx, int64_t ms)
{
	((struct model *)ctx)->now += ms;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return 1795000000; /* 2026-11-18 */
}

static int m_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	double p = g_m->target_pa + g_m->offset_pa;

	(void)dev;
	(void)mode;
	memset(out, 0, sizeof(*out));
	out->value = p / 1e5;
	out->unit = CAL_UNIT_BAR;
	out->value_si = p;
	out->decimals = 4;
	out->t_mono_ms = g_m->now;
	if (!g_m->never_flag && g_m->now - g_m->set_at >= 500)
		out->flags = CAL_RD_STABLE;
	snprintf(out->raw, sizeof(out->raw), "%.4f", out->value);
	return CAL_OK;
}

static int m_setpoint(struct cal_device *dev, double value, enum cal_unit unit)
{
	(void)dev;
	g_m->target_pa = value * cal_unit_si_factor(unit);
	g_m->set_at = g_m->now;
	if (g_m->setpoints < 64)
		g_m->set_log[g_m->setpoints] = g_m->target_pa;
	g_m->setpoints++;
	return CAL_OK;
}

static int m_control(struct cal_device *dev, bool on)
{
	(void)dev;
	(void)on;
	return CAL_OK;
}

static int m_vent(struct cal_device *dev)
{
	(void)dev;
	g_m->vents++;
	g_m->target_pa = 0;
	return CAL_OK;
}

/* A digital gauge on the same manifold, read over its own interface: the
 * controller's pressure plus dg_offset_pa, 3 decimals in bar; dg_fail makes
 * it stop answering. */
static double dg_offset_pa;
static bool dg_fail;

static int dg_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	double p = g_m->target_pa + dg_offset_pa;

	(void)dev;
	(void)mode;
	if (dg_fail)
		return cal_error_set(CAL_ERR_TIMEOUT, "dg1: no answer");
	memset(out, 0, sizeof(*out));
	out->value = round(p / 1e5 * 1000) / 1000;
	out->unit = CAL_UNIT_BAR;
	out->value_si = out->value * 1e5;
	out->decimals = 3;
	out->flags = CAL_RD_STABLE;
	out->t_mono_ms = g_m->now;
	snprintf(out->raw, sizeof(out->raw), "%.3f", out->value);
	return CAL_OK;
}

static const struct cal_driver dg_drv = {
	.name = "dg-model",
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = dg_read,
};

static int m_identify(struct cal_dev_info *out, struct cal_device *dev)
{
	(void)dev;
	snprintf(out->serial, sizeof(out->serial), "%s", g_m->serial);
	return CAL_OK;
}

static const struct cal_driver model_drv = {
	.name = "model",
	.identify = m_identify,
	.dclass = CAL_DEV_PRESSURE,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = m_read,
	.set_setpoint = m_setpoint,
	.control = m_control,
	.vent = m_vent,
};

/* ---- the technician ------------------------------------------------------------ */

#define MAX_OVERRIDES 8

struct override {
	const char *dut;
	const char *label; /* the step's point label, e.g. "down 6 bar" or "M2 down 6 bar" */
	double value;
};

struct tech {
	int decimals;	  /* typed decimals */
	double offset[4]; /* per gauge (AK-1..): indication - reference */
	struct override ov[MAX_OVERRIDES];
	size_t n_ov;
	int quit_at; /* the n-th indication answers "quit" (0: never) */
	int asked;
	int asked_total; /* every question, retyped ones included */
	int instructed;
};

static int gauge_index(const char *id)
{
	return id[strlen(id) - 1] - '1';
}

static int t_instruct(void *ctx, const struct cal_step_info *step, const char *text)
{
	(void)step;
	(void)text;
	((struct tech *)ctx)->instructed++;
	return CAL_OK;
}

static int t_ask(void *ctx, const struct cal_step_info *step, const char *prompt, double *value,
		 int *decimals)
{
	struct tech *t = ctx;
	double v;

	(void)prompt;
	assert_non_null(step->dut_id);
	assert_true(isfinite(step->ref_value)); /* the reference is read before a gauge */
	t->asked_total++;
	if (t->quit_at && ++t->asked == t->quit_at)
		return cal_error_set(CAL_ERR_INTERRUPTED, "stopped by the operator");
	v = step->ref_value + t->offset[gauge_index(step->dut_id)];
	for (size_t i = 0; i < t->n_ov; i++)
		if (strcmp(t->ov[i].dut, step->dut_id) == 0 &&
		    strcmp(t->ov[i].label, step->point->label) == 0)
			v = t->ov[i].value;
	*value = round(v * pow(10, t->decimals)) / pow(10, t->decimals);
	*decimals = t->decimals;
	return CAL_OK;
}

static const struct cal_operator_ops tech_ops = { .instruct = t_instruct, .ask_value = t_ask };

/* ---- fixture ------------------------------------------------------------------- */

struct fx {
	struct model m;
	struct cal_clock clock;
	struct cal_db *db;
	struct cal_device *ref;
	struct tech tech;
	struct cal_instrument duts[4];
	struct cal_prun_params p;
	struct cal_prun_outcome out;
	struct cal_procedure *proc;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct cal_transport *tr = NULL;

	assert_non_null(f);
	g_m = &f->m;
	f->clock = (struct cal_clock){ fake_mono, fake_sleep, fake_wall, &f->m };
	assert_int_equal(cal_db_open(&f->db, ":memory:"), CAL_OK);
	assert_int_equal(null_transport_new(&tr), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&f->ref, &model_drv, tr, "pace1"), CAL_OK);
	f->tech.decimals = 2;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	cal_procedure_free(f->proc);
	cal_dev_close(f->ref);
	cal_db_close(f->db);
	free(f);
	return 0;
}

static void add_gauge(struct fx *f, int k, const char *kind, const char *cls, double lo, double hi,
		      double d)
{
	struct cal_instrument *in = &f->duts[k - 1];

	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "AK-%d", k);
	snprintf(in->type, sizeof(in->type), "áp kế");
	snprintf(in->serial, sizeof(in->serial), "S-%d", k);
	snprintf(in->kind, sizeof(in->kind), "%s", kind);
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "%s", cls);
	snprintf(in->unit, sizeof(in->unit), "bar");
	in->scale_lo = lo;
	in->max = hi;
	in->d = d;
	in->interval_months = 12;
	if (strcmp(kind, "digital-gauge") == 0)
		in->mpe_pct_span = atof(cls);
	assert_int_equal(cal_db_instrument_add(f->db, in), CAL_OK);
	f->p.gauges[f->p.n_gauges].dut = in;
	f->p.n_gauges++;
}

static void add_standard(struct fx *f, double u_abs, double u_rel, const char *due)
{
	struct cal_pstandard s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "PACE-01");
	snprintf(s.unit, sizeof(s.unit), "bar");
	s.range_lo = -1;
	s.range_hi = 20;
	s.u_abs = u_abs;
	s.u_rel = u_rel;
	s.k = 2;
	snprintf(s.cert_no, sizeof(s.cert_no), "VMI-2026-0412");
	snprintf(s.due_date, sizeof(s.due_date), "%s", due);
	assert_int_equal(cal_db_pstandard_add(f->db, &s), CAL_OK);
}

static void use_proc(struct fx *f, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), DEFS "%s", file);
	assert_int_equal(cal_procedure_load(&f->proc, path), CAL_OK);
	assert_true(f->proc->pressure);
	f->p.db = f->db;
	f->p.proc = f->proc;
	f->p.mode = "periodic";
	f->p.operator_name = "test";
	f->p.ref = f->ref;
	f->p.standard_id = "PACE-01";
	f->p.op = &tech_ops;
	f->p.op_ctx = &f->tech;
	f->p.clock = &f->clock;
}

static int count(struct cal_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int n = -1;

	assert_int_equal(sqlite3_prepare_v2(cal_db_handle(db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static const struct cal_result *find_result(const struct cal_result *r, size_t n, const char *test,
					    const char *label)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(r[i].test, test) == 0 && strcmp(r[i].label, label) == 0)
			return &r[i];
	fail_msg("no result %s %s", test, label);
	return NULL;
}

/* ---- T18: a Bourdon gauge calibrated per DKD-R 6-1, Type B only ----------------- */

static void test_t18_bourdon_calibration(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	const struct cal_result *x;
	size_t n = 0;

	/* 0..10 bar class 1.6, reading resolution 0.05 bar; reference U = 0.005 bar (k = 2) */
	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.005, 0, "2027-10-31");
	use_proc(f, "dkd-r6-1-bourdon-calibration.yaml");
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M1 up 6 bar", 6.05 };
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M2 down 6 bar", 6.10 };

	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_true(f->out.runs[0].completed);
	assert_int_equal(f->out.runs[0].cert.kind, CAL_CERT_CALIBRATION);
	assert_string_equal(f->out.runs[0].cert.valid_until, "");
	/* sequence C for class 1.6: 5 points + zero, M1 up and M2 down, one preload */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='device:pace1'"),
			 12);
	assert_int_equal(f->m.setpoints, 12 + 2);
	assert_true(f->m.set_log[0] == 10e5 && f->m.set_log[1] == 0); /* the preload */
	assert_int_equal(f->m.vents, 1);

	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 6);
	x = find_result(r, n, "calibration", "6 bar");
	assert_near(x->ref, 6.0, 1e-12);
	assert_near(x->indication, 6.075, 1e-12);
	assert_near(x->error, 0.075, 1e-12);
	assert_near(x->mpe, 0.16, 1e-12); /* T13 */
	assert_near(x->u, 0.041130, 5e-7);
	assert_near(x->k, 2.0, 1e-12);
	assert_true(isinf(x->nu_eff));
	assert_string_equal(x->verdict, "PASS"); /* |E| + U = 0.116 <= 0.16 */
	assert_true(x->ref_reading_id > 0 && x->reading_id > x->ref_reading_id);
	/* a point with no error: U from reference and resolution alone */
	x = find_result(r, n, "calibration", "2 bar");
	assert_near(x->u, 2 * sqrt(0.0025 * 0.0025 + 0.05 * 0.05 / 12), 1e-9);
	free(r);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
}

/* The same gauge with a larger error: the guard band turns it into a FAIL statement. */
static void test_calibration_guard_band_fails(void **state)
{
	struct fx *f = *state;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.005, 0, "2027-10-31");
	use_proc(f, "dkd-r6-1-bourdon-calibration.yaml");
	/* E = +0.14: within 0.16, but |E| + U > 0.16 */
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M1 up 8 bar", 8.14 };
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M2 down 8 bar", 8.14 };
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "FAIL");
	assert_non_null(strstr(f->out.runs[0].reason, "8 bar"));
	assert_non_null(strstr(f->out.runs[0].reason, "guard-band"));
	/* still a calibration certificate: the statement of conformity says FAIL */
	assert_int_equal(f->out.runs[0].cert.kind, CAL_CERT_CALIBRATION);
}

/* ---- T17: a digital gauge, three series, Type A --------------------------------- */

static void test_t17_digital_calibration(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	const struct cal_result *x;
	size_t n = 0;

	/* 0..10 bar, 0.1 % of span -> sequence B (3 series), resolution 0.001 bar */
	add_gauge(f, 1, "digital-gauge", "0.1", 0, 10, 0.001);
	add_standard(f, 0.002, 0, "2027-10-31");
	use_proc(f, "digital-pressure-gauge-calibration.yaml");
	f->tech.decimals = 3;
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M1 up 10 bar", 10.004 };
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M2 down 10 bar", 10.006 };
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "M3 up 10 bar", 10.003 };
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 11); /* at least 9 points + zero, on round values: 0, 1, ... 10 bar */
	x = find_result(r, n, "calibration", "10 bar");
	assert_near(x->error, 0.004333333, 1e-8);
	assert_near(x->u, 0.0030695, 5e-7);
	assert_near(x->k, 2.25, 1e-12);
	assert_near(x->nu_eff, 11.45, 0.01);
	assert_string_equal(x->verdict, "PASS");
	free(r);
	/* 2 preloads, 3 series x 11 points */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='operator'"), 33);
	assert_int_equal(f->m.setpoints, 33 + 4);
}

/* ---- verification: three gauges on one manifold ----------------------------------- */

static void test_manifold_verification(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	struct cal_run run;
	size_t n = 0;
	char rule[256];
	int ns = 0;

	/* class 0.6 needs 10 points (T15): the batch takes 11, 1 bar apart, for all */
	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_gauge(f, 2, "bourdon-gauge", "0.6", 0, 10, 0.02);
	add_gauge(f, 3, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	f->m.offset_pa = 30; /* the reference reads 0.3 mbar above the setpoint */
	f->tech.offset[0] = 0.05;
	f->tech.offset[2] = 0.10;
	/* AK-3 on the way down at 5 bar: E = -0.07 within 0.16, but h = 0.17 > 0.16 */
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-3", "down 5 bar", 4.93 };

	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_int_equal(f->tech.instructed, 1);
	assert_int_equal(f->out.n, 3);
	assert_int_equal(f->out.batch, f->out.runs[0].run_id);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cal_db_run_get(&run, f->db, f->out.runs[i].run_id), CAL_OK);
		assert_int_equal(run.batch, f->out.batch);
		assert_string_equal(run.activity, "verification");
		assert_string_equal(run.device_id, "pace1");
		assert_int_equal(cal_db_result_list(&r, &n, f->db, run.id), CAL_OK);
		assert_int_equal(n, 33); /* 11 points x (up, down, hysteresis) */
		free(r);
	}
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_int_equal(f->out.runs[0].cert.kind, CAL_CERT_VERIFICATION);
	assert_string_equal(f->out.runs[1].verdict, "PASS");
	assert_string_equal(f->out.runs[2].verdict, "FAIL");
	assert_non_null(strstr(f->out.runs[2].reason, "hysteresis 5 bar"));
	assert_int_equal(f->out.runs[2].cert.kind, CAL_CERT_FAILURE);

	/* the shared reference: 22 readings, each with its evidence, in every run */
	for (int i = 0; i < 3; i++) {
		char sql[160];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM readings r JOIN settle_evidence e ON e.reading_id "
			 "= r.id WHERE r.run_id = %lld",
			 (long long)f->out.runs[i].run_id);
		assert_int_equal(count(f->db, sql), 22);
	}
	assert_int_equal(count(f->db, "SELECT count(DISTINCT value_si) FROM readings WHERE "
				      "source='device:pace1'"),
			 11);
	assert_int_equal(cal_db_settle_evidence_get(rule, sizeof(rule), &ns, f->db, 1), CAL_OK);
	assert_non_null(strstr(rule, "controller's flag"));
	assert_true(ns >= 2);
	/* error against the reference as read, not the setpoint */
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_near(find_result(r, n, "pressure", "up 10 bar")->ref, 10.0003, 1e-9);
	assert_near(find_result(r, n, "pressure", "up 10 bar")->error, 0.05 - 0.0003, 1e-9);
	free(r);
	/* the MPE of the class 0.6 gauge: 0.06 bar */
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[1].run_id), CAL_OK);
	assert_near(r[0].mpe, 0.06, 1e-12);
	free(r);
}

/* T14: a compound gauge -1..+5 bar class 1: MPE 0.06 bar; the points start below zero. */
static void test_compound_gauge(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_gauge(f, 1, "bourdon-gauge", "1", -1, 5, 0.02);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 15);
	assert_near(r[0].mpe, 0.06, 1e-12);
	assert_near(r[0].load, -1, 1e-12);
	assert_near(find_result(r, n, "pressure", "up 0.5 bar")->load, 0.5, 1e-12);
	free(r);
	assert_true(f->m.set_log[0] == -1e5);
}

/* A digital gauge read over its interface, beside two typed: its readings are the device's. */
static void test_gauge_read_over_interface(void **state)
{
	struct fx *f = *state;
	struct cal_transport *tr = NULL;
	struct cal_device *dg = NULL;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_gauge(f, 1, "digital-gauge", "0.1", 0, 10, 0.001);
	add_gauge(f, 2, "digital-gauge", "0.1", 0, 10, 0.001);
	add_standard(f, 0.0004, 0.00001, "2027-10-31");
	use_proc(f, "digital-pressure-gauge-verification.yaml");
	assert_int_equal(null_transport_new(&tr), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&dg, &dg_drv, tr, "dg1"), CAL_OK);
	f->p.gauges[1].dev = dg;
	dg_offset_pa = 2500; /* +0.025 bar: beyond 0.1 % of 10 bar = 0.01 bar */
	dg_fail = false;
	f->tech.decimals = 3;
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_string_equal(f->out.runs[1].verdict, "FAIL");
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='device:dg1'"),
			 10);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='operator'"), 10);
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[1].run_id), CAL_OK);
	assert_near(find_result(r, n, "pressure", "up 5 bar")->error, 0.025, 1e-9);
	assert_near(find_result(r, n, "pressure", "up 5 bar")->mpe, 0.01, 1e-12);
	free(r);

	/* the gauge's interface goes silent mid-run: the batch is interrupted */
	cal_db_close(f->db);
	assert_int_equal(cal_db_open(&f->db, ":memory:"), CAL_OK);
	f->p.db = f->db;
	f->p.n_gauges = 0;
	add_gauge(f, 1, "digital-gauge", "0.1", 0, 10, 0.001);
	add_gauge(f, 2, "digital-gauge", "0.1", 0, 10, 0.001);
	add_standard(f, 0.0004, 0.00001, "2027-10-31");
	f->p.gauges[1].dev = dg;
	dg_fail = true;
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_ERR_TIMEOUT);
	assert_non_null(strstr(cal_error_last(), "AK-2"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='device:dg1'"),
			 0);
	dg_fail = false;
	cal_dev_close(dg);
}

/* ---- refusals leave nothing behind ----------------------------------------------- */

static void expect_refusal(struct fx *f, int code, const char *words)
{
	assert_int_equal(cal_prun_start(&f->out, &f->p), code);
	assert_non_null(strstr(cal_error_last(), words));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(f->m.setpoints, 0);
}

static void test_refuses_past_due_reference(void **state)
{
	struct fx *f = *state;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.0004, 0.0001, "2026-01-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	expect_refusal(f, CAL_ERR_REFUSED, "due for calibration on 2026-01-31");
}

static void test_refuses_inadequate_reference(void **state)
{
	struct fx *f = *state;

	/* class 0.6: MPE 0.06 bar; U = 0.02 bar > 0.015 */
	add_gauge(f, 1, "bourdon-gauge", "0.6", 0, 10, 0.02);
	add_standard(f, 0.02, 0, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	expect_refusal(f, CAL_ERR_REFUSED, "not adequate for AK-1");
}

static void test_refuses_mixed_scales_and_kinds(void **state)
{
	struct fx *f = *state;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_gauge(f, 2, "bourdon-gauge", "1.6", 0, 16, 0.05);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	expect_refusal(f, CAL_ERR_REFUSED, "share the test points");
	f->duts[1].max = 10;
	snprintf(f->duts[1].kind, sizeof(f->duts[1].kind), "digital-gauge");
	expect_refusal(f, CAL_ERR_REFUSED, "AK-2 is a digital-gauge");
}

static void test_refuses_class_and_point_count(void **state)
{
	struct fx *f = *state;
	struct cal_procedure *p5 = NULL;
	static const char text[] =
		"procedure: five\ntitle: t\nmethod: m\n"
		"instrument_kind: pressure-gauge\nactivity: verification\n"
		"mpe: { rule: en837-1 }\npoints: { count: 5, sequence: up-down }\n"
		"reference: { adequacy_ratio: 0.25 }\n";

	add_gauge(f, 1, "bourdon-gauge", "0.6", 0, 10, 0.02);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	/* a class that is not in EN 837-1 Table 11 (plain SQL can write one) */
	snprintf(f->duts[0].accuracy_class, sizeof(f->duts[0].accuracy_class), "1.7");
	expect_refusal(f, CAL_ERR_CONFIG, "0.1, 0.25, 0.6");
	snprintf(f->duts[0].accuracy_class, sizeof(f->duts[0].accuracy_class), "0.6");
	assert_int_equal(cal_procedure_parse(&p5, text, strlen(text), "five.yaml"), CAL_OK);
	f->p.proc = p5;
	expect_refusal(f, CAL_ERR_REFUSED, "at least 10");
	cal_procedure_free(p5);
}

/* The controller reports another serial than the register's reference: refused. */
static void test_refuses_other_controller(void **state)
{
	struct fx *f = *state;
	struct cal_pstandard s;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "PACE-01");
	snprintf(s.serial, sizeof(s.serial), "5000-04512");
	snprintf(s.unit, sizeof(s.unit), "bar");
	s.range_lo = -1;
	s.range_hi = 20;
	s.u_abs = 0.0004;
	s.k = 2;
	snprintf(s.due_date, sizeof(s.due_date), "2027-10-31");
	assert_int_equal(cal_db_pstandard_add(f->db, &s), CAL_OK);
	use_proc(f, "en837-1-bourdon-verification.yaml");
	snprintf(f->m.serial, sizeof(f->m.serial), "SIMP0001");
	expect_refusal(f, CAL_ERR_REFUSED, "reports serial number 'SIMP0001'");
	f->p.accept_serial_mismatch = true;
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
}

/* A typed value far from the reference is asked again; a confirmed one is judged. */
static void test_gross_indication_asked_again(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	/* the technician types 0 at 2.5 bar going up, both times: confirmed */
	f->tech.ov[f->tech.n_ov++] = (struct override){ "AK-1", "up 2.5 bar", 0 };
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_OK);
	assert_int_equal(f->tech.asked_total, 10 + 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='operator'"), 10);
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_near(find_result(r, n, "pressure", "up 2.5 bar")->indication, 0, 1e-12);
	free(r);
	assert_string_equal(f->out.runs[0].verdict, "FAIL");
}

/* ---- a point that never settles, then the batch resumed --------------------------- */

static void test_unsettled_point_interrupts_then_resumes(void **state)
{
	struct fx *f = *state;
	struct cal_run run;
	int operator_before, n_set;

	add_gauge(f, 1, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_gauge(f, 2, "bourdon-gauge", "1.6", 0, 10, 0.05);
	add_standard(f, 0.0004, 0.0001, "2027-10-31");
	use_proc(f, "en837-1-bourdon-verification.yaml");
	f->m.never_flag = true; /* a leak: the controller never reports in-limits */
	assert_int_equal(cal_prun_start(&f->out, &f->p), CAL_ERR_UNSTABLE);
	assert_non_null(strstr(cal_error_last(), "point up 0 bar"));
	for (int i = 0; i < 2; i++) {
		assert_int_equal(cal_db_run_get(&run, f->db, f->out.runs[i].run_id), CAL_OK);
		assert_int_equal(run.status, CAL_RUN_INTERRUPTED);
		assert_non_null(strstr(run.status_reason, "up 0 bar"));
	}
	/* nothing recorded that was not measured */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings"), 0);
	assert_int_equal(f->m.vents, 1);

	f->m.never_flag = false;
	f->tech.quit_at = 7; /* the technician stops at step 4, second gauge */
	assert_int_equal(cal_prun_resume(&f->out, &f->p, f->out.runs[1].run_id),
			 CAL_ERR_INTERRUPTED);
	operator_before = count(f->db, "SELECT count(*) FROM readings WHERE source='operator'");
	assert_int_equal(operator_before, 6); /* steps 1-3, both gauges */

	f->tech.quit_at = 0;
	n_set = f->m.setpoints;
	assert_int_equal(cal_prun_resume(&f->out, &f->p, f->out.runs[0].run_id), CAL_OK);
	/* back to step 3 (5 bar) first, so step 4 (7.5 bar up) is approached from below */
	assert_true(f->m.set_log[n_set] == 5e5 && f->m.set_log[n_set + 1] == 7.5e5);
	assert_true(f->out.runs[0].completed && f->out.runs[1].completed);
	/* steps 4 to 10 for both gauges, the reference of step 4 taken again */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='operator'"),
			 operator_before + 14);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source='device:pace1'"),
			 2 * 11);
	assert_int_equal(count(f->db, "SELECT count(*) FROM results"), 30);
	assert_int_equal(cal_prun_resume(&f->out, &f->p, f->out.runs[0].run_id), CAL_ERR_STATE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_t18_bourdon_calibration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_calibration_guard_band_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_t17_digital_calibration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_manifold_verification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compound_gauge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gauge_read_over_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_past_due_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_inadequate_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuses_mixed_scales_and_kinds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refuses_class_and_point_count, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refuses_other_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gross_indication_asked_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsettled_point_interrupts_then_resumes, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

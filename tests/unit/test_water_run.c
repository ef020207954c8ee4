/*
 * Water-meter series runs through the real run path (cal_wrun_start, the
 * shipped procedure file or one written here, an in-memory database): a
 * model master meter (a driver written here: its totalizer integrates the
 * flow the technician sets, on a fake clock) and a scripted technician who
 * sets the flow, draws the volume and types each meter's register.
 *
 * T10 and T11 of domain.md §10 go through it (class 2 at Q2, 20 °C: MPE
 * 2 %; Va 20.00 L, Vi 20.50 L: +2.50 %, fail), and so do the retaking of a
 * draw off its flow window or short of volume, and the refusals.
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

#define assert_near(a, b, tol)                                                                     \
	do {                                                                                       \
		double a_ = (a), b_ = (b);                                                         \
		if (!(fabs(a_ - b_) <= (tol)))                                                     \
			fail_msg("%s = %.9g, expected %.9g", #a, a_, b_);                          \
	} while (0)

/* ---- the master meter and its clock -------------------------------------------- */

struct rig {
	int64_t now_ms;
	double total_m3; /* the master meter's totalizer */
	double flow_m3h; /* its flow now */
	bool no_flow;	 /* a map without a flow quantity */
};

static struct rig *g_rig;

static int64_t fake_mono(void *ctx)
{
	return ((struct rig *)ctx)->now_ms;
}

static void fake_sleep(void *ctx, int64_t ms)
{
	((struct rig *)ctx)->now_ms += ms;
}

static int64_t fake_wall(void *ctx)
{
	(void)ctx;
	return 1795000000;
}

static int mm_read_quantity(struct cal_reading *out, struct cal_device *dev, const char *name)
{
	(void)dev;
	memset(out, 0, sizeof(*out));
	if (strcmp(name, "flow") == 0 && !g_rig->no_flow) {
		out->value = g_rig->flow_m3h;
		out->unit = CAL_UNIT_M3_H;
		out->value_si = g_rig->flow_m3h / 3600;
		out->decimals = 6;
		out->t_mono_ms = g_rig->now_ms;
		return CAL_OK;
	}
	if (strcmp(name, "total") != 0)
		return cal_error_set(CAL_ERR_NOTFOUND, "no %s", name);
	out->value = g_rig->total_m3;
	out->unit = CAL_UNIT_M3;
	out->value_si = g_rig->total_m3;
	out->decimals = 9;
	out->flags = CAL_RD_STABLE;
	out->t_mono_ms = g_rig->now_ms;
	snprintf(out->raw, sizeof(out->raw), "%.9f", out->value);
	return CAL_OK;
}

static int mm_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	(void)mode;
	return mm_read_quantity(out, dev, "total");
}

static const struct cal_driver master_drv = {
	.name = "master-model",
	.dclass = CAL_DEV_FLOW,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = mm_read,
	.read_quantity = mm_read_quantity,
};

/* ---- the technician ------------------------------------------------------------- */

struct tech {
	double err_pct[4][3];	 /* per meter and point (Q1, Q2, Q3): the meter's error */
	double flow_factor[3];	 /* the flow set, x the nominal (default 1.05, 1.05, 0.95) */
	double volume_factor[3]; /* the volume drawn, x the target (default 1) */
	int bad_first[3];	 /* the first draw at that point is off its window */
	int draws[3];
	double register_m3[4]; /* what each meter's register shows */
	double before_m3[4];
	int point; /* the point being drawn, from the label */
};

static int point_of(const char *label)
{
	return label[1] - '1';
}

static int t_instruct(void *ctx, const struct cal_step_info *si, const char *text)
{
	struct tech *t = ctx;
	int k = point_of(si->point->label);
	double q_nom = atof(si->point->label + 3); /* "Q1 0.025 m3/h" */
	double q, v;

	t->point = k;
	if (strstr(text, "open the flow")) {
		q = q_nom * t->flow_factor[k];
		if (t->bad_first[k] && t->draws[k] == 0)
			q = q_nom * 1.5; /* far off the window */
		g_rig->flow_m3h = q;
		return CAL_OK;
	}
	if (!strstr(text, "draw at least"))
		return CAL_OK;
	q = g_rig->flow_m3h;
	v = si->point->load / 1e3 * t->volume_factor[k]; /* m3 */
	t->draws[k]++;
	g_rig->total_m3 += v;
	g_rig->now_ms += (int64_t)llround(v / q * 3.6e6);
	for (int i = 0; i < 4; i++)
		t->register_m3[i] += v * (1 + t->err_pct[i][k] / 100);
	g_rig->flow_m3h = 0; /* stopped */
	return CAL_OK;
}

static int t_ask(void *ctx, const struct cal_step_info *si, const char *prompt, double *value,
		 int *decimals)
{
	struct tech *t = ctx;
	int i = si->dut_id[strlen(si->dut_id) - 1] - '1';

	(void)prompt;
	/* a register of 0.00001 m3 (0.01 L) */
	*value = round(t->register_m3[i] * 1e5) / 1e5;
	*decimals = 5;
	return CAL_OK;
}

static const struct cal_operator_ops tech_ops = { .instruct = t_instruct, .ask_value = t_ask };

/* ---- fixture ------------------------------------------------------------------------ */

struct fx {
	struct rig rig;
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
	g_rig = &f->rig;
	f->clock = (struct cal_clock){ fake_mono, fake_sleep, fake_wall, &f->rig };
	assert_int_equal(cal_db_open(&f->db, ":memory:"), CAL_OK);
	assert_int_equal(null_transport_new(&tr), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&f->ref, &master_drv, tr, "master1"), CAL_OK);
	for (int k = 0; k < 3; k++) {
		f->tech.flow_factor[k] = k == 2 ? 0.95 : 1.05;
		f->tech.volume_factor[k] = 1;
	}
	for (int i = 0; i < 4; i++)
		f->tech.register_m3[i] = 100 + i; /* registers do not start at zero */
	f->p.db = f->db;
	f->p.mode = "initial";
	f->p.operator_name = "test";
	f->p.ref = f->ref;
	f->p.op = &tech_ops;
	f->p.op_ctx = &f->tech;
	f->p.clock = &f->clock;
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

static void add_meter(struct fx *f, int k, const char *kind, const char *cls, double q3, double r)
{
	struct cal_instrument *in = &f->duts[k - 1];

	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "DH-%d", k);
	snprintf(in->type, sizeof(in->type), "đồng hồ đo nước");
	snprintf(in->serial, sizeof(in->serial), "W-%d", k);
	snprintf(in->kind, sizeof(in->kind), "%s", kind);
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "%s", cls);
	snprintf(in->unit, sizeof(in->unit), "m3");
	in->d = 0.00005; /* 0.05 L */
	in->flow_q3 = q3;
	in->ratio_r = r;
	in->interval_months = 60;
	assert_int_equal(cal_db_instrument_add(f->db, in), CAL_OK);
	f->p.gauges[f->p.n_gauges++].dut = in;
}

static void use_text(struct fx *f, const char *text)
{
	assert_int_equal(cal_procedure_parse(&f->proc, text, strlen(text), "w.yaml"), CAL_OK);
	assert_true(f->proc->water);
	f->p.proc = f->proc;
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

static const char t11_proc[] = "procedure: t11\ntitle: t\nmethod: m\ninstrument_kind: water-meter\n"
			       "activity: verification\npoints:\n  - { point: Q2, volume_l: 20 }\n";

/* T10 + T11: class 2 at Q2, 20 °C: MPE 2 %; Va 20.00 L, Vi 20.50 L -> +2.50 %, FAIL. */
static void test_t11_through_the_run(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	add_meter(f, 2, "water-meter", "2", 2.5, 100);
	use_text(f, t11_proc);
	f->tech.err_pct[1][1] = 2.5;
	f->tech.flow_factor[1] = 1.0; /* exactly Q2 = 0.040 m3/h */
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_int_equal(f->out.runs[0].cert.kind, CAL_CERT_VERIFICATION);
	assert_string_equal(f->out.runs[1].verdict, "FAIL");
	assert_int_equal(f->out.runs[1].cert.kind, CAL_CERT_FAILURE);
	assert_non_null(strstr(f->out.runs[1].reason, "E = +2.50 % beyond the MPE ±2 %"));
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[1].run_id), CAL_OK);
	assert_int_equal(n, 1);
	assert_near(r[0].ref, 20.0, 1e-9);	  /* Va */
	assert_near(r[0].indication, 20.5, 1e-9); /* Vi */
	assert_near(r[0].error, 0.5, 1e-9);
	assert_near(r[0].mpe, 0.4, 1e-9); /* 2 % of 20 L */
	assert_non_null(strstr(r[0].label, "Q2 0.04 m3/h E +2.50 %"));
	free(r);
	/* before and after: the reference to both runs, each register to its own */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = "
				      "'device:master1'"),
			 4);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'operator'"),
			 4);
	assert_int_equal(count(f->db, "SELECT count(DISTINCT batch) FROM runs"), 1);
}

/* The shipped procedure: Q1, Q2, Q3 with volumes by rule; the lower zone is 5 %. */
static void test_shipped_procedure_three_points(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	add_meter(f, 2, "water-meter", "2", 2.5, 100);
	assert_int_equal(cal_procedure_load(&f->proc, CAL_SOURCE_DIR
					    "/procedures/defs/r49-water-meter-verification.yaml"),
			 CAL_OK);
	f->p.proc = f->proc;
	f->tech.err_pct[0][0] = 4.0;  /* within 5 % at Q1 */
	f->tech.err_pct[1][0] = -5.6; /* beyond 5 % at Q1 */
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_string_equal(f->out.runs[1].verdict, "FAIL");
	assert_non_null(strstr(f->out.runs[1].reason, "Q1"));
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 3);
	/* Q1 = 0.025 m3/h: 90 s at 25 L/h is 0.625 L, 200 d is 10 L: the volume is 10 L */
	assert_near(r[0].load, 10.0, 1e-9);
	assert_near(r[0].mpe / r[0].ref, 0.05, 1e-9);
	/* Q3 = 2.5 m3/h: 90 s is 62.5 L */
	assert_near(r[2].load, 62.5, 1e-9);
	assert_near(r[2].mpe / r[2].ref, 0.02, 1e-9);
	free(r);
}

/* A draw off its window, or short of volume, is taken again; the last one counts. */
static void test_point_taken_again(void **state)
{
	struct fx *f = *state;

	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, t11_proc);
	f->tech.flow_factor[1] = 1.0;
	f->tech.bad_first[1] = 1;
	g_rig->no_flow = true; /* the flow from volume over time */
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_int_equal(f->tech.draws[1], 2);
	/* both draws are on record: 2 x (before + after) reference readings */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = "
				      "'device:master1'"),
			 4);
	assert_string_equal(f->out.runs[0].verdict, "PASS");

	/* always short of volume: refused after the procedure's attempts, interrupted */
	teardown(state);
	setup(state);
	f = *state;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, t11_proc);
	f->tech.flow_factor[1] = 1.0;
	f->tech.volume_factor[1] = 0.5;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "less than the 20.000 L the point needs"));
	assert_int_equal(f->tech.draws[1], 3);
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM results"), 0);
}

static void test_refusals(void **state)
{
	struct fx *f = *state;

	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	add_meter(f, 2, "water-meter", "2", 4.0, 100);
	use_text(f, t11_proc);
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "meters in series share the flow"));
	f->p.n_gauges = 1;
	snprintf(f->duts[0].kind, sizeof(f->duts[0].kind), "bourdon-gauge");
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "DH-1 is a bourdon-gauge"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs"), 0);
	assert_int_equal(g_rig->total_m3, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_t11_through_the_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shipped_procedure_three_points, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_point_taken_again, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

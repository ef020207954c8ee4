/*
 * Water-meter series runs through the real run path (cal_wrun_start, the
 * shipped procedure file or one written here, an in-memory database): a
 * model master meter (a driver written here: its totalizer integrates the
 * flow the technician sets, on a fake clock) and a scripted technician who
 * sets the flow, draws the volume and types each meter's register.
 *
 * T10, T11 and T12 of domain.md §10 go through it (class 2 at Q2, 20 °C:
 * MPE 2 %; Va 20.00 L, Vi 20.50 L: +2.50 %, fail; at 40 °C: MPE 3 %), and so
 * do the retaking of a draw off its flow window or short of volume, meters
 * read over their interface, the references and their refusals, a flow-meter
 * calibration (the GUM budget's vector), a fuel dispenser against a proving
 * can (T22, T23) and a gravimetric reference.
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

/* A reading as a driver returns it: value in @unit with @dec decimals, at the rig's time. */
static void set_reading(struct cal_reading *out, double v, enum cal_unit unit, int dec, bool stable)
{
	memset(out, 0, sizeof(*out));
	out->value = v;
	out->unit = unit;
	out->value_si = v * cal_unit_si_factor(unit);
	out->decimals = dec;
	out->flags = stable ? CAL_RD_STABLE : 0;
	out->t_mono_ms = g_rig->now_ms;
	snprintf(out->raw, sizeof(out->raw), "%.*f", dec, v);
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
	set_reading(out, g_rig->total_m3, CAL_UNIT_M3, 9, true);
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
	/* when by_draw: each meter's error at draw k (1-based step), overriding err_pct */
	bool by_draw;
	double draw_err[4][CAL_WATER_MAX_DRAWS + 1];
	double can_l;	   /* the proving can's reading after the draw */
	double shown_l[4]; /* a dispenser's display after the draw (from zero) */
	double tank_kg;	   /* gravimetric: the weighing tank on the balance */
	double kg_per_l;   /* gravimetric: what a litre drawn weighs */
	double water_t_c;  /* gravimetric: the temperature typed */
};

/* Q1, Q2, Q3 -> 0..2; other points ("Qmax", "50%") -> 0. */
static int point_of(const char *label)
{
	return label[0] == 'Q' && label[1] >= '1' && label[1] <= '3' ? label[1] - '1' : 0;
}

static int t_instruct(void *ctx, const struct cal_step_info *si, const char *text)
{
	struct tech *t = ctx;
	int k = point_of(si->point->label);
	double q_nom = atof(strchr(si->point->label, ' ') + 1); /* "Q1 0.025 m3/h" */
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
	t->can_l = v * 1e3;
	t->tank_kg += v * 1e3 * t->kg_per_l;
	for (int i = 0; i < 4; i++) {
		double e = t->by_draw ? t->draw_err[i][si->k] : t->err_pct[i][k];

		t->register_m3[i] += v * (1 + e / 100);
		t->shown_l[i] = v * 1e3 * (1 + e / 100);
	}
	g_rig->flow_m3h = 0; /* stopped */
	return CAL_OK;
}

static int t_ask(void *ctx, const struct cal_step_info *si, const char *prompt, double *value,
		 int *decimals)
{
	struct tech *t = ctx;
	int i;

	if (!si->dut_id) { /* the reference, typed */
		*value = strstr(prompt, "temperature") ? t->water_t_c : round(t->can_l * 1e3) / 1e3;
		*decimals = strstr(prompt, "temperature") ? 1 : 3;
		return CAL_OK;
	}
	i = si->dut_id[strlen(si->dut_id) - 1] - '1';
	if (strstr(prompt, "the volume it shows")) { /* a dispenser, in L */
		*value = round(t->shown_l[i] * 100) / 100;
		*decimals = 2;
		return CAL_OK;
	}
	/* a register of 0.00001 m3 (0.01 L) */
	*value = round(t->register_m3[i] * 1e5) / 1e5;
	*decimals = 5;
	return CAL_OK;
}

/* The balance under the weighing tank: the tank's mass, stable, in kg. */
static struct tech *g_tank;

static int bal_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	(void)dev;
	(void)mode;
	memset(out, 0, sizeof(*out));
	set_reading(out, round(g_tank->tank_kg * 1e3) / 1e3, CAL_UNIT_KG, 3, true); /* d = 1 g */
	return CAL_OK;
}

static const struct cal_driver balance_drv = {
	.name = "balance-model",
	.dclass = CAL_DEV_BALANCE,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = bal_read,
};

static const struct cal_operator_ops tech_ops = { .instruct = t_instruct, .ask_value = t_ask };

/*
 * A meter read over its own interface: its register in L with 2 decimals
 * (the map's unit, not the register entry's m3). Device "regN" is meter N;
 * g_silent_after > 0: that many reads answer, then the meter is silent.
 */
static struct tech *g_tech;
static int g_silent_after;
static bool g_unitless; /* a map without units: the register reads a bare number */

static int reg_read_quantity(struct cal_reading *out, struct cal_device *dev, const char *name)
{
	int i = dev->id[3] - '1';

	memset(out, 0, sizeof(*out));
	if (strcmp(name, "total") != 0)
		return cal_error_set(CAL_ERR_NOTFOUND, "no %s", name);
	if (g_silent_after > 0 && --g_silent_after == 0)
		return cal_error_set(CAL_ERR_TIMEOUT, "%s: no answer from unit 1 (3 tries)",
				     dev->id);
	/* L, 0.01 L */
	set_reading(out, round(g_tech->register_m3[i] * 1e5) / 100,
		    g_unitless ? CAL_UNIT_NONE : CAL_UNIT_L, 2, false);
	return CAL_OK;
}

static int reg_read(struct cal_reading *out, struct cal_device *dev, enum cal_read_mode mode)
{
	(void)mode;
	return reg_read_quantity(out, dev, "total");
}

static const struct cal_driver reg_drv = {
	.name = "register-model",
	.dclass = CAL_DEV_FLOW,
	.api_version = CAL_DRIVER_API_VERSION,
	.read = reg_read,
	.read_quantity = reg_read_quantity,
};

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

/* The master meter in the register: 0.01..10 m3/h, U 0.2 % of the volume (k 2). */
static void add_master_standard(struct cal_db *db, double u_rel)
{
	struct cal_pstandard s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "MM-1");
	snprintf(s.unit, sizeof(s.unit), "m3/h");
	s.range_lo = 0.01;
	s.range_hi = 10;
	s.u_rel = u_rel;
	s.k = 2;
	snprintf(s.cert_no, sizeof(s.cert_no), "LL-2026-117");
	snprintf(s.due_date, sizeof(s.due_date), "2037-01-01");
	assert_int_equal(cal_db_pstandard_add(db, &s), CAL_OK);
}

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
	add_master_standard(f->db, 0.002);
	f->p.standard_id = "MM-1";
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
	if (cal_procedure_parse(&f->proc, text, strlen(text), "w.yaml") != CAL_OK)
		fail_msg("%s", cal_error_last());
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
				      "'device:master1' AND unit = 'm3'"),
			 4);
	/* and the flow it showed during the draw, as judged (0.04 m3/h, Q2) */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = "
				      "'device:master1' AND unit = 'm3/h' AND point_seq = 2 AND "
				      "abs(value - 0.04) < 1e-12"),
			 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'operator'"),
			 4);
	assert_int_equal(count(f->db, "SELECT count(DISTINCT batch) FROM runs"), 1);
	/* each result names the reference reading of its own run */
	assert_int_equal(count(f->db, "SELECT count(*) FROM results r JOIN readings d ON d.id = "
				      "r.ref_reading_id AND d.run_id = r.run_id AND d.unit = 'm3'"),
			 2);
}

/*
 * T12: class 2, upper zone, water at 40 °C: MPE 3 %. A hot-water procedure
 * (water_temperature_c: 40) takes a +2.50 % error at Q2 as a pass, where the
 * cold-water one (T11) fails it.
 */
static void test_t12_hot_water(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;
	char text[sizeof(t11_proc) + 40];

	snprintf(text, sizeof(text), "%swater_temperature_c: 40\n", t11_proc);
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, text);
	f->tech.err_pct[0][1] = 2.5;
	f->tech.flow_factor[1] = 1.0;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 1);
	assert_near(r[0].mpe, 0.6, 1e-9); /* 3 % of 20 L */
	free(r);
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

/* Meters read over Modbus: no prompt for them, their registers in their own unit. */
static void test_meters_read_over_their_interface(void **state)
{
	struct fx *f = *state;
	struct cal_device *dev[2] = { NULL, NULL };
	struct cal_result *r = NULL;
	size_t n = 0;

	g_tech = &f->tech;
	g_silent_after = 0;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	add_meter(f, 2, "water-meter", "2", 2.5, 100);
	for (int i = 0; i < 2; i++) {
		struct cal_transport *tr = NULL;
		char id[8];

		snprintf(id, sizeof(id), "reg%d", i + 1);
		assert_int_equal(null_transport_new(&tr), CAL_OK);
		assert_int_equal(cal_dev_open_transport(&dev[i], &reg_drv, tr, id), CAL_OK);
	}
	f->p.gauges[1].dev = dev[1]; /* DH-1 typed, DH-2 read */
	use_text(f, t11_proc);
	f->tech.err_pct[1][1] = 2.5;
	f->tech.flow_factor[1] = 1.0;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_string_equal(f->out.runs[1].verdict, "FAIL"); /* T11 again, read, not typed */
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[1].run_id), CAL_OK);
	assert_int_equal(n, 1);
	assert_near(r[0].indication, 20.5, 1e-9);
	assert_int_equal(r[0].decimals, 2);
	free(r);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'device:reg2' "
				      "AND unit = 'L' AND raw LIKE '%.__'"),
			 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'operator'"),
			 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs WHERE dut_device_id = 'reg2'"), 1);

	/* a meter silent after the draw: every run interrupted, its reading not recorded */
	teardown(state);
	setup(state);
	f = *state;
	g_tech = &f->tech;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	f->p.gauges[0].dev = dev[0];
	use_text(f, t11_proc);
	f->tech.flow_factor[1] = 1.0;
	g_silent_after = 3; /* answers at the start and before the draw, not after */
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_TIMEOUT);
	assert_non_null(strstr(cal_error_last(), "DH-1: reg1: no answer"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"), 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'device:reg1'"),
			 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM results"), 0);
	g_silent_after = 0;

	/* a map without units: refused before anything is recorded */
	teardown(state);
	setup(state);
	f = *state;
	g_tech = &f->tech;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	f->p.gauges[0].dev = dev[0];
	use_text(f, t11_proc);
	g_unitless = true;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_CONFIG);
	assert_non_null(strstr(cal_error_last(), "give each quantity its unit in a map file"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs"), 0);
	g_unitless = false;
	for (int i = 0; i < 2; i++)
		cal_dev_close(dev[i]);
}

/* A reference with a range in the register (flow: a master meter; volume: a can, a rig). */
static void add_range_standard(struct cal_db *db, const char *id, const char *unit, double lo,
			       double hi, double u_abs, double u_rel)
{
	struct cal_pstandard s;

	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", id);
	snprintf(s.unit, sizeof(s.unit), "%s", unit);
	s.range_lo = lo;
	s.range_hi = hi;
	s.u_abs = u_abs;
	s.u_rel = u_rel;
	s.k = 2;
	snprintf(s.cert_no, sizeof(s.cert_no), "C-%s", id);
	snprintf(s.due_date, sizeof(s.due_date), "2037-01-01");
	assert_int_equal(cal_db_pstandard_add(db, &s), CAL_OK);
}

static void add_flow_meter(struct fx *f, int k, double qmax, double ratio, double mpe_pct)
{
	struct cal_instrument *in = &f->duts[k - 1];

	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "FM-%d", k);
	snprintf(in->type, sizeof(in->type), "lưu lượng kế điện từ");
	snprintf(in->serial, sizeof(in->serial), "F-%d", k);
	snprintf(in->kind, sizeof(in->kind), "flow-meter");
	snprintf(in->unit, sizeof(in->unit), "m3");
	in->d = 0.00001; /* 0.01 L */
	in->flow_q3 = qmax;
	in->ratio_r = ratio;
	in->mpe_pct_reading = mpe_pct;
	in->interval_months = 12;
	assert_int_equal(cal_db_instrument_add(f->db, in), CAL_OK);
	f->p.gauges[f->p.n_gauges++].dut = in;
}

static const char cal_proc[] = "procedure: fm-cal\ntitle: t\nmethod: m\n"
			       "instrument_kind: flow-meter\nactivity: calibration\n"
			       "points:\n  - { percent: 50, volume_l: 100, runs: 3 }\n";

/*
 * Flow-meter calibration through the run path, the vector of
 * cal_flow_point_budget: runs 100.1/100.5/100.3 L against 100 L, reference U
 * 0.1 % (k 2), d 0.01 L, two readings each: E = +0.30 %, U = 0.571 %, k =
 * 4.53. Within the maker's ±0.5 % under simple acceptance; not with a guard
 * band (0.30 + 0.571 > 0.5).
 */
static void test_flow_meter_calibration(void **state)
{
	struct fx *f = *state;
	struct cal_result *r = NULL;
	size_t n = 0;

	add_range_standard(f->db, "MM-2", "m3/h", 0.5, 20, 0, 0.001);
	f->p.standard_id = "MM-2";
	add_flow_meter(f, 1, 10, 10, 0.5);
	use_text(f, cal_proc);
	f->tech.flow_factor[0] = 1.0;
	f->tech.by_draw = true;
	f->tech.draw_err[0][1] = 0.1;
	f->tech.draw_err[0][2] = 0.5;
	f->tech.draw_err[0][3] = 0.3;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_int_equal(f->out.runs[0].cert.kind, CAL_CERT_CALIBRATION);
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 1); /* one result per flow rate, from its three runs */
	assert_near(r[0].ref, 100.0, 1e-9);
	assert_near(r[0].error, 0.30, 1e-9); /* +0.30 % of 100 L */
	assert_near(r[0].u, 0.571, 0.0005);  /* U = 0.571 % */
	assert_near(r[0].k, 4.53, 0.005);
	assert_near(r[0].nu_eff, 2.83, 0.005);
	assert_near(r[0].mpe, 0.5, 1e-9);
	assert_non_null(strstr(r[0].label, "50% 5 m3/h E +0.300 % U 0.57 %"));
	free(r);
	assert_int_equal(count(f->db, "SELECT count(*) FROM run_pressure_standards WHERE "
				      "standard_id = 'MM-2'"),
			 1);
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs WHERE activity = 'calibration'"),
			 1);

	/* the same runs under a guard band w = U: not conforming */
	teardown(state);
	setup(state);
	f = *state;
	add_range_standard(f->db, "MM-2", "m3/h", 0.5, 20, 0, 0.001);
	f->p.standard_id = "MM-2";
	add_flow_meter(f, 1, 10, 10, 0.5);
	{
		char text[sizeof(cal_proc) + 32];

		snprintf(text, sizeof(text), "%sdecision: guard-band\n", cal_proc);
		use_text(f, text);
	}
	f->tech.flow_factor[0] = 1.0;
	f->tech.by_draw = true;
	f->tech.draw_err[0][1] = 0.1;
	f->tech.draw_err[0][2] = 0.5;
	f->tech.draw_err[0][3] = 0.3;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "FAIL");
	assert_non_null(strstr(f->out.runs[0].reason, "under the guard-band rule"));
}

static const char fuel_proc[] =
	"procedure: r117\ntitle: t\nmethod: m\ninstrument_kind: fuel-dispenser\n"
	"activity: verification\nreference: { kind: proving-can, adequacy_ratio: 0.2 }\n"
	"points:\n  - { point: Qmax, volume_l: 20 }\n  - { point: Qmin, volume_l: 2 }\n";

/*
 * A fuel dispenser against a proving can (typed), OIML R 117 class 0.5,
 * MMQ 2 L: T22 (2 L: MPE 20 mL, Emin) and T23 (20 L: MPE 100 mL). An error of
 * exactly +20 mL at 2 L passes; +110 mL at 20 L fails.
 */
static void test_fuel_dispenser(void **state)
{
	struct fx *f = *state;
	struct cal_instrument *in = &f->duts[0];
	struct cal_result *r = NULL;
	size_t n = 0;

	add_range_standard(f->db, "CAN-20", "L", 1, 20, 0, 0.0005);
	f->p.standard_id = "CAN-20";
	f->p.ref = NULL; /* a can is typed */
	memset(in, 0, sizeof(*in));
	snprintf(in->id, sizeof(in->id), "CX-1");
	snprintf(in->type, sizeof(in->type), "cột đo xăng dầu");
	snprintf(in->serial, sizeof(in->serial), "P-1");
	snprintf(in->kind, sizeof(in->kind), "fuel-dispenser");
	snprintf(in->accuracy_class, sizeof(in->accuracy_class), "0.5");
	snprintf(in->unit, sizeof(in->unit), "L");
	in->d = 0.01;
	in->min = 2;	   /* MMQ */
	in->flow_q3 = 2.4; /* Qmax 40 L/min */
	in->ratio_r = 10;  /* Qmin 4 L/min */
	in->interval_months = 12;
	assert_int_equal(cal_db_instrument_add(f->db, in), CAL_OK);
	f->p.gauges[f->p.n_gauges++].dut = in;
	use_text(f, fuel_proc);
	f->tech.flow_factor[0] = 1.0;
	f->tech.by_draw = true;
	f->tech.draw_err[0][1] = 0.55; /* 20 L -> 20.11 L: +110 mL */
	f->tech.draw_err[0][2] = 1.0;  /* 2 L -> 2.02 L: +20 mL, at the MPE */
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "FAIL");
	assert_non_null(strstr(f->out.runs[0].reason, "Qmax"));
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 2);
	assert_near(r[0].mpe, 0.100, 1e-12); /* T23 */
	assert_near(r[0].error, 0.11, 1e-9);
	assert_string_equal(r[0].verdict, "FAIL");
	assert_near(r[1].mpe, 0.020, 1e-12); /* T22: Emin */
	assert_near(r[1].error, 0.02, 1e-9);
	assert_string_equal(r[1].verdict, "PASS");
	free(r);
	/* the can after each draw (no reading before), the display after each draw */
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE unit = 'L'"), 4);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE point_seq % 2 = 1"), 0);
}

/*
 * Gravimetric: the balance under the weighing tank, the water's temperature
 * typed. 100 kg of water at 20 °C are 100.28518 L (Tanaka density, air 1.2,
 * weights 8000 kg/m3): the meter's 100 L read -0.28 %.
 */
static void test_gravimetric(void **state)
{
	struct fx *f = *state;
	struct cal_transport *tr = NULL;
	struct cal_device *bal = NULL;
	struct cal_result *r = NULL;
	size_t n = 0;
	static const char grav_proc[] =
		"procedure: grav\ntitle: t\nmethod: m\ninstrument_kind: water-meter\n"
		"activity: verification\nreference: { kind: gravimetric }\n"
		"points:\n  - { point: Q3, volume_l: 100 }\n";

	g_tank = &f->tech;
	assert_int_equal(null_transport_new(&tr), CAL_OK);
	assert_int_equal(cal_dev_open_transport(&bal, &balance_drv, tr, "bal1"), CAL_OK);
	add_range_standard(f->db, "GRAV-1", "L", 1, 500, 0.01, 0.0002);
	f->p.standard_id = "GRAV-1";
	f->p.ref = bal;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, grav_proc);
	f->tech.tank_kg = 12.5; /* the tank's own mass: the net counts */
	f->tech.kg_per_l = 1.0; /* the 100 L drawn weigh 100 kg: 100.28518 L */
	f->tech.water_t_c = 20.0;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_OK);
	assert_string_equal(f->out.runs[0].verdict, "PASS");
	assert_int_equal(cal_db_result_list(&r, &n, f->db, f->out.runs[0].run_id), CAL_OK);
	assert_int_equal(n, 1);
	assert_near(r[0].ref, 100.28518, 2e-5);
	assert_near(r[0].indication, 100.0, 1e-9); /* E = -0.28 %, within 2 % */
	free(r);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE source = 'device:bal1' "
				      "AND unit = 'kg'"),
			 2);
	assert_int_equal(count(f->db, "SELECT count(*) FROM readings WHERE unit = '°C' AND "
				      "abs(value_si - 293.15) < 1e-9"),
			 1);
	/* a master meter's bench is not a balance */
	teardown(state);
	setup(state);
	f = *state;
	add_range_standard(f->db, "GRAV-1", "L", 1, 500, 0.01, 0.0002);
	f->p.standard_id = "GRAV-1";
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, grav_proc);
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "master1 (driver master-model) is not a balance"));
	cal_dev_close(bal);
}

/* The register of references: due date, range, kind, adequacy. */
static void test_reference_refusals(void **state)
{
	struct fx *f = *state;

	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	use_text(f, t11_proc);
	f->p.standard_id = NULL;
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "names no standard in the register"));
	f->p.standard_id = "NOPE";
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "'NOPE' is not in the register"));
	/* U 0.5 % against 0.2 x 2 % at Q2 */
	add_range_standard(f->db, "MM-3", "m3/h", 0.01, 10, 0, 0.005);
	f->p.standard_id = "MM-3";
	if (cal_wrun_start(&f->out, &f->p) != CAL_OK) /* t11 has no adequacy */
		fail_msg("%s", cal_error_last());
	teardown(state);
	setup(state);
	f = *state;
	add_meter(f, 1, "water-meter", "2", 2.5, 100);
	assert_int_equal(cal_procedure_load(&f->proc, CAL_SOURCE_DIR
					    "/procedures/defs/r49-water-meter-verification.yaml"),
			 CAL_OK);
	f->p.proc = f->proc;
	add_range_standard(f->db, "MM-3", "m3/h", 0.01, 10, 0, 0.005);
	f->p.standard_id = "MM-3";
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "not adequate for this verification"));
	/* a range that does not reach Q1's window */
	add_range_standard(f->db, "MM-4", "m3/h", 0.1, 10, 0, 0.001);
	f->p.standard_id = "MM-4";
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "covers 0.1..10 m3/h: Q1 0.025 m3/h"));
	/* a pressure standard is not a master meter */
	add_range_standard(f->db, "P-1", "bar", 0, 10, 0, 0.001);
	f->p.standard_id = "P-1";
	assert_int_equal(cal_wrun_start(&f->out, &f->p), CAL_ERR_REFUSED);
	assert_non_null(strstr(cal_error_last(), "a master-meter reference is a flow standard"));
	assert_int_equal(count(f->db, "SELECT count(*) FROM runs"), 0);
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
		cmocka_unit_test_setup_teardown(test_meters_read_over_their_interface, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_t12_hot_water, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_meter_calibration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fuel_dispenser, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gravimetric, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reference_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

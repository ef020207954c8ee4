/*
 * calbench demo, third part: five cold-water meters in series verified per
 * OIML R 49 (ĐLVN 17) against a simulated master meter read over Modbus RTU
 * on a pseudo-terminal (modbus-flow driver, preset siemens-mag6000). The
 * demo plays the technician: it sets the flow on the simulated rig, draws
 * the volume and reads the five registers; DH-DEMO-5 reads low at Q1 and
 * fails. The simulator's clock runs 400 times fast, so that the 10 L of a
 * Q1 draw at 25 L/h take seconds; everything else is the real run path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/clock.h"
#include "cal/db.h"
#include "cal/error.h"
#include "cal/modbus_map.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/sim_flow.h"
#include "cli.h"
#include "demo.h"

#define DEMO_METERS 5
#define DEMO_SPEED 400

/* Error of each meter (%) at Q1, Q2, Q3: the fifth reads low at Q1. */
static const double meter_error[DEMO_METERS][3] = {
	{ 1.2, 0.4, 0.2 },   { -0.8, -0.3, 0.1 },  { 2.1, 0.9, 0.5 },
	{ 0.6, -1.1, -0.4 }, { -6.2, -0.7, -0.3 },
};

struct rig {
	struct cal_sim_flow *sim;
	double register_m3[DEMO_METERS];
	double line_at_open; /* the rig's total when the flow was opened, m3 */
	int point;
};

static double sim_total(struct cal_sim_flow *sim)
{
	struct cal_sim_flow_state st;

	cal_sim_flow_state(sim, &st);
	return st.total_m3;
}

static int demo_instruct(void *ctx, const struct cal_step_info *si, const char *text)
{
	struct rig *r = ctx;
	int k = si->point->label[1] - '1';
	double q = atof(si->point->label + 3), v, t0;

	printf("technician: %s\n", text);
	fflush(stdout);
	r->point = k;
	if (strstr(text, "open the flow")) {
		/* a little above Q1/Q2, below Q3: inside the windows; then let it settle */
		int err;

		r->line_at_open = sim_total(r->sim);
		err = cal_sim_flow_set_flow(r->sim, q * (k == 2 ? 0.97 : 1.03));
		usleep(50000);
		return err;
	}
	if (!strstr(text, "draw at least"))
		return CAL_OK;
	v = si->point->load / 1e3 * 1.01;
	t0 = r->line_at_open;
	while (sim_total(r->sim) - t0 < v)
		usleep(5000);
	cal_sim_flow_set_flow(r->sim, 0);
	usleep(20000);
	v = sim_total(r->sim) - t0; /* what went through the line since the valve opened */
	for (int i = 0; i < DEMO_METERS; i++)
		r->register_m3[i] += v * (1 + meter_error[i][k] / 100);
	return CAL_OK;
}

static int demo_ask(void *ctx, const struct cal_step_info *si, const char *prompt, double *value,
		    int *decimals)
{
	struct rig *r = ctx;
	int i = si->dut_id[strlen(si->dut_id) - 1] - '1';
	char num[32];

	if (i < 0 || i >= DEMO_METERS)
		return cal_error_set(CAL_ERR_ARG, "demo: no register for %s", si->dut_id);
	*value = round(r->register_m3[i] * 1e5) / 1e5; /* the register's 0.01 L drum */
	*decimals = 5;
	cal_num_format(num, sizeof(num), *value, *decimals);
	printf("[%zu/%zu] %s: %s\n", si->k, si->n, prompt, num);
	return CAL_OK;
}

static const struct cal_operator_ops demo_ops = { .instruct = demo_instruct,
						  .ask_value = demo_ask };

static int register_meters(struct cal_db *db)
{
	int err = CAL_OK;

	for (int k = 0; k < DEMO_METERS && !err; k++) {
		struct cal_instrument in, have;

		memset(&in, 0, sizeof(in));
		snprintf(in.id, sizeof(in.id), "DH-DEMO-%d", k + 1);
		snprintf(in.type, sizeof(in.type), "đồng hồ đo nước lạnh cơ khí DN15");
		snprintf(in.manufacturer, sizeof(in.manufacturer), "Zenner");
		snprintf(in.model, sizeof(in.model), "MNK-N Q3 2.5 R100");
		snprintf(in.serial, sizeof(in.serial), "DEMO-W%03d", k + 1);
		snprintf(in.owner, sizeof(in.owner), "Công ty CP Cấp thoát nước Quảng Ngãi");
		snprintf(in.kind, sizeof(in.kind), "water-meter");
		snprintf(in.accuracy_class, sizeof(in.accuracy_class), "2");
		snprintf(in.unit, sizeof(in.unit), "m3");
		in.d = 0.00005; /* 0.05 L */
		in.flow_q3 = 2.5;
		in.ratio_r = 100;
		in.interval_months = 60;
		if (cal_db_instrument_get(&have, db, in.id) == CAL_OK)
			continue;
		err = cal_db_instrument_add(db, &in);
	}
	cal_error_clear();
	return err;
}

/* The master meter in the register: a flow standard, U 0.2 % of the volume (k 2). */
static int register_master(struct cal_db *db)
{
	struct cal_pstandard s, have;
	struct cal_date today, due;

	if (cal_db_pstandard_get(&have, db, "MM-DEMO") == CAL_OK)
		return CAL_OK;
	cal_error_clear();
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "MM-DEMO");
	snprintf(s.manufacturer, sizeof(s.manufacturer), "Siemens");
	snprintf(s.model, sizeof(s.model), "SITRANS F M MAG 6000 DN25 (simulated)");
	snprintf(s.serial, sizeof(s.serial), "SIMF0001");
	snprintf(s.unit, sizeof(s.unit), "m3/h");
	s.range_lo = 0.01;
	s.range_hi = 10;
	s.u_rel = 0.002;
	s.k = 2;
	snprintf(s.cert_no, sizeof(s.cert_no), "DEMO-LL-2026-0117");
	cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
	cal_date_add_months(&due, &today, 12);
	cal_date_format(s.due_date, sizeof(s.due_date), &due);
	snprintf(s.description, sizeof(s.description), "demo master meter of the series bench");
	return cal_db_pstandard_add(db, &s);
}

int demo_water(struct cli *cli, struct cal_db *db, char numbers[][64], size_t n_numbers)
{
	struct cal_sim_flow_cfg cfg;
	struct cal_procedure *proc = NULL;
	struct cal_device *ref = NULL;
	struct cal_instrument duts[DEMO_METERS];
	struct cal_prun_params p;
	struct cal_prun_outcome *o = calloc(1, sizeof(*o));
	struct cal_dev_opts opts = { .unit_id = 1 };
	struct cal_port_cfg pc;
	struct rig rig;
	char pty[256], port[300], path[512];
	int err;

	if (!o)
		return CAL_ERR_NOMEM;
	memset(&rig, 0, sizeof(rig));
	for (int i = 0; i < DEMO_METERS; i++)
		rig.register_m3[i] = 12.3 + 3.1 * i; /* registers in service do not read zero */
	snprintf(path, sizeof(path), "%s/procedures/defs/r49-water-meter-verification.yaml",
		 CALBENCH_SOURCE_DIR);
	err = cal_procedure_load(&proc, path);
	if (!err)
		err = register_meters(db);
	if (!err)
		err = register_master(db);
	cal_sim_flow_cfg_default(&cfg);
	cfg.q_m3h = 0;
	cfg.tau_ms = 20;
	cfg.speed = DEMO_SPEED;
	if (!err)
		err = cal_sim_flow_new(&rig.sim, &cfg);
	if (!err)
		err = cal_sim_flow_listen_rtu(rig.sim, pty, sizeof(pty));
	if (!err)
		err = cal_sim_flow_start(rig.sim);
	snprintf(port, sizeof(port), "modbus-rtu:%s", pty);
	opts.map = cal_mb_preset_find("siemens-mag6000");
	if (!err)
		err = cal_port_cfg_parse(&pc, port, "19200/8E1");
	if (!err)
		err = cal_dev_open_opts(&ref, "modbus-flow", &pc, "master1", &opts);
	for (int k = 0; k < DEMO_METERS && !err; k++) {
		char id[32];

		snprintf(id, sizeof(id), "DH-DEMO-%d", k + 1);
		err = cal_db_instrument_get(&duts[k], db, id);
	}
	if (err)
		goto out;
	printf("\n== Water: DH-DEMO-1 ... DH-DEMO-5 (class 2, Q3 2.5 m3/h, R 100) in series\n"
	       "   simulated master meter MM-DEMO (Siemens MAG 6000 map, U 0.2 %% of the volume) "
	       "on\n   Modbus RTU %s (driver modbus-flow), its clock %dx fast\n   procedure %s, "
	       "SHA-256 %s\n",
	       pty, DEMO_SPEED, path, proc->sha256);
	fflush(stdout);
	memset(&p, 0, sizeof(p));
	p.db = db;
	p.proc = proc;
	for (int k = 0; k < DEMO_METERS; k++)
		p.gauges[p.n_gauges++].dut = &duts[k];
	p.mode = "initial";
	p.operator_name = "demo technician";
	p.ref = ref;
	p.standard_id = "MM-DEMO";
	p.op = &demo_ops;
	p.op_ctx = &rig;
	p.stop_flag = cli->stop_flag;
	err = cal_wrun_start(o, &p);
	if (err)
		goto out;
	demo_print_batch(cli, db, o, p.gauges, numbers, n_numbers);
out:
	cal_dev_close(ref);
	cal_sim_flow_free(rig.sim);
	cal_procedure_free(proc);
	free(o);
	return err;
}

/*
 * calbench demo, second part: a manifold of three Bourdon gauges verified
 * per EN 837-1 against a simulated Druck PACE controller on a
 * pseudo-terminal. The demo plays the technician who reads the three dials
 * (AK-DEMO-3 reads high, more so at high pressure, and fails); the
 * controller, the settle rule, the engine and the database are the real ones.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/sim_pressure.h"
#include "cli.h"
#include "demo.h"

#define DEMO_GAUGES 3

/* What each demo gauge shows: indication = p + a + b·p, read to the nearest 0.05 bar. */
static const struct {
	double a, b;
} gauge_error[DEMO_GAUGES] = { { 0.02, 0 }, { -0.03, 0.002 }, { 0.05, 0.022 } };

static int demo_instruct(void *ctx, const struct cal_step_info *step, const char *text)
{
	(void)ctx;
	(void)step;
	printf("technician: %s\n", text);
	return CAL_OK;
}

static int demo_ask(void *ctx, const struct cal_step_info *step, const char *prompt, double *value,
		    int *decimals)
{
	int k = step->dut_id[strlen(step->dut_id) - 1] - '1';
	double p = step->ref_value;
	char num[32];

	(void)ctx;
	if (k < 0 || k >= DEMO_GAUGES || !isfinite(p))
		return cal_error_set(CAL_ERR_ARG, "demo: no dial for %s", step->dut_id);
	/* a dial read by eye to a quarter of its 0.2 bar division */
	*value = round((p + gauge_error[k].a + gauge_error[k].b * p) / 0.05) * 0.05;
	*decimals = 2;
	cal_num_format(num, sizeof(num), *value, *decimals);
	printf("[%zu/%zu] %s: %s\n", step->k, step->n, prompt, num);
	return CAL_OK;
}

static const struct cal_operator_ops demo_ops = { .instruct = demo_instruct,
						  .ask_value = demo_ask };

static int register_gauges(struct cal_db *db, const struct cal_date *today)
{
	static const char *const owner[DEMO_GAUGES] = {
		"Công ty CP Cấp thoát nước Quảng Ngãi",
		"Công ty CP Cấp thoát nước Quảng Ngãi",
		"Nhà máy Đường Phổ Phong",
	};
	struct cal_pstandard s, have_s;
	struct cal_date due;
	int err = CAL_OK;

	for (int k = 0; k < DEMO_GAUGES && !err; k++) {
		struct cal_instrument in, have;

		memset(&in, 0, sizeof(in));
		snprintf(in.id, sizeof(in.id), "AK-DEMO-%d", k + 1);
		snprintf(in.type, sizeof(in.type), "áp kế kiểu lò xo (Bourdon gauge)");
		snprintf(in.manufacturer, sizeof(in.manufacturer), "WIKA");
		snprintf(in.model, sizeof(in.model), "213.53 100 mm 0-10 bar");
		snprintf(in.serial, sizeof(in.serial), "DEMO-P%03d", k + 1);
		snprintf(in.owner, sizeof(in.owner), "%s", owner[k]);
		snprintf(in.kind, sizeof(in.kind), "bourdon-gauge");
		snprintf(in.accuracy_class, sizeof(in.accuracy_class), "1.6");
		snprintf(in.unit, sizeof(in.unit), "bar");
		in.scale_lo = 0;
		in.max = 10;
		in.d = 0.05; /* reading resolution: 1/4 of the 0.2 bar division */
		in.interval_months = 12;
		if (cal_db_instrument_get(&have, db, in.id) == CAL_OK)
			continue;
		err = cal_db_instrument_add(db, &in);
	}
	if (err || cal_db_pstandard_get(&have_s, db, "PACE-DEMO") == CAL_OK)
		return err;
	cal_error_clear();
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "PACE-DEMO");
	snprintf(s.manufacturer, sizeof(s.manufacturer), "Druck");
	snprintf(s.model, sizeof(s.model), "PACE5000 (simulated)");
	snprintf(s.serial, sizeof(s.serial), "SIMP0001");
	snprintf(s.unit, sizeof(s.unit), "bar");
	s.range_lo = -1;
	s.range_hi = 20;
	s.u_abs = 0.0004; /* 0.002 % FS of 20 bar ... */
	s.u_rel = 0.0001; /* ... + 0.01 % of reading */
	s.k = 2;
	snprintf(s.cert_no, sizeof(s.cert_no), "DEMO-AS-2026-0412");
	cal_date_add_months(&due, today, 12);
	cal_date_format(s.due_date, sizeof(s.due_date), &due);
	snprintf(s.description, sizeof(s.description), "demo pressure controller");
	return cal_db_pstandard_add(db, &s);
}

/*
 * The shipped procedure with the settle hold shortened from 10 s to 0.5 s (and
 * the poll from 500 to 100 ms) so the demo takes seconds; the text the run
 * stores (and hashes) is this one.
 */
static int demo_procedure(struct cal_procedure **out, const char *path)
{
	char *text = NULL, *p;
	size_t len;
	FILE *f = fopen(path, "rb");
	int err;

	if (!f)
		return cal_error_set(CAL_ERR_NOTFOUND, "cannot open %s", path);
	text = calloc(1, 65536);
	len = text ? fread(text, 1, 65535, f) : 0;
	fclose(f);
	if (!text)
		return CAL_ERR_NOMEM;
	text[len] = '\0';
	if ((p = strstr(text, "hold_s: 10")) != NULL)
		memcpy(p, "hold_s: .5", 10);
	if ((p = strstr(text, "poll_ms: 500")) != NULL)
		memcpy(p, "poll_ms: 100", 12);
	err = cal_procedure_parse(out, text, strlen(text), path);
	free(text);
	return err;
}

int demo_pressure(struct cli *cli, struct cal_db *db, const struct cal_date *today,
		  char numbers[][64], size_t n_numbers)
{
	struct cal_sim_pressure_cfg cfg;
	struct cal_sim_pressure *sim = NULL;
	struct cal_procedure *proc = NULL;
	struct cal_device *ref = NULL;
	struct cal_instrument duts[DEMO_GAUGES];
	struct cal_prun_params p;
	struct cal_prun_outcome *o = calloc(1, sizeof(*o));
	struct cal_port_cfg pc;
	char pty[256], path[512];
	int err;

	if (!o)
		return CAL_ERR_NOMEM;
	snprintf(path, sizeof(path), "%s/procedures/defs/en837-1-bourdon-verification.yaml",
		 CALBENCH_SOURCE_DIR);
	err = demo_procedure(&proc, path);
	if (!err)
		err = register_gauges(db, today);
	cal_sim_pressure_cfg_default(&cfg);
	cfg.protocol = CAL_SIM_PRS_PACE;
	cfg.tau_ms = 150;
	cfg.inl_time_ms = 300;
	cfg.noise_pa = 5;
	if (!err)
		err = cal_sim_pressure_new(&sim, &cfg);
	if (!err)
		err = cal_sim_pressure_listen_pty(sim, pty, sizeof(pty));
	if (!err)
		err = cal_sim_pressure_start(sim);
	if (!err)
		err = cal_port_cfg_parse(&pc, pty, "9600/8N1");
	if (!err)
		err = cal_dev_open(&ref, "pace", &pc, "pace1");
	for (int k = 0; k < DEMO_GAUGES && !err; k++) {
		char id[32];

		snprintf(id, sizeof(id), "AK-DEMO-%d", k + 1);
		err = cal_db_instrument_get(&duts[k], db, id);
	}
	if (err)
		goto out;
	printf("\n== Pressure: AK-DEMO-1, AK-DEMO-2, AK-DEMO-3 (0-10 bar, class 1.6) on one "
	       "manifold\n"
	       "   simulated Druck PACE5000 on %s (bench instrument pace1, driver pace), "
	       "reference PACE-DEMO\n"
	       "   procedure %s\n   (settle hold shortened to 0.5 s for the demo), SHA-256 %s\n",
	       pty, path, proc->sha256);
	fflush(stdout);
	memset(&p, 0, sizeof(p));
	p.db = db;
	p.proc = proc;
	for (int k = 0; k < DEMO_GAUGES; k++) {
		p.gauges[k].dut = &duts[k];
		p.n_gauges++;
	}
	p.mode = "periodic";
	p.operator_name = "demo technician";
	p.bench_path = NULL;
	p.ref = ref;
	p.standard_id = "PACE-DEMO";
	p.op = &demo_ops;
	p.stop_flag = cli->stop_flag;
	err = cal_prun_start(o, &p);
	if (err)
		goto out;
	demo_print_batch(cli, db, o, p.gauges, numbers, n_numbers);
out:
	cal_dev_close(ref);
	cal_sim_pressure_free(sim);
	cal_procedure_free(proc);
	free(o);
	return err;
}

/*
 * calbench demo: the mass and pressure workflows on simulated instruments.
 *
 * Two simulated MT-SICS balances on pseudo-terminals stand in for the
 * instruments under test; the demo plays the technician (it puts the loads
 * on the simulated pans). The first balance is within its MPE and gets a
 * verification certificate; the second has an error profile beyond the MPE
 * and gets a failure record. Both numbers are then verified as an inspector
 * would. Then three pressure gauges on one manifold are verified against a
 * simulated PACE controller (demo_pressure.c), one of which fails.
 * Everything goes through the same driver, engine and database as a real
 * run.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#include "cal/procedure.h"
#include "cal/sim_balance.h"
#include "cli.h"
#include "demo.h"

#define DEMO_DB "calbench-demo.db"

static void hand_place(void *ctx, const struct cal_plan_point *pt)
{
	struct cal_sim_balance *sim = ctx;

	/* Take the load off, then put the weights on: the balance settles again. */
	cal_sim_balance_set_load(sim, 0);
	if (pt->test != CAL_TEST_ZERO)
		cal_sim_balance_set_load(sim, pt->ref); /* the weights' conventional mass, g */
}

static int remove_db(const char *path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[PATH_MAX];

	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s%s", path, suffix[i]);
		if (unlink(p) && errno != ENOENT)
			return cal_error_set(CAL_ERR_IO, "cannot remove %s: %s", p,
					     strerror(errno));
	}
	return CAL_OK;
}

static int register_demo(struct cal_db *db, const struct cal_date *today)
{
	/* A demo M1 weight set; corrections and U are typical of M1 calibration certificates. */
	static const struct {
		const char *id;
		double kg, corr_mg, u_mg;
	} w[] = {
		{ "W20K", 20, 310, 330 },  { "W10K", 10, -120, 160 }, { "W5K", 5, 60, 80 },
		{ "W2K", 2, 25, 33 },	   { "W2K*", 2, -18, 33 },    { "W1K", 1, 9, 16 },
		{ "W500", 0.5, 4, 8 },	   { "W200", 0.2, -2, 3 },    { "W200*", 0.2, 1.5, 3 },
		{ "W100", 0.1, 0.8, 1.6 },
	};
	struct cal_date due;
	int err = CAL_OK;

	cal_date_add_months(&due, today, 12);
	for (int k = 1; k <= 2 && !err; k++) {
		struct cal_instrument in, have;

		memset(&in, 0, sizeof(in));
		snprintf(in.id, sizeof(in.id), "DEMO-BAL-%d", k);
		snprintf(in.type, sizeof(in.type), "non-automatic weighing instrument (cân)");
		snprintf(in.manufacturer, sizeof(in.manufacturer), "calbench");
		snprintf(in.model, sizeof(in.model), "SIM-BAL 30 kg");
		snprintf(in.serial, sizeof(in.serial), "DEMO-000%d", k);
		snprintf(in.owner, sizeof(in.owner), "Demo Trading Co., Ltd, Quang Ngai");
		snprintf(in.accuracy_class, sizeof(in.accuracy_class), "III");
		snprintf(in.unit, sizeof(in.unit), "g");
		in.max = 30000;
		in.min = 100;
		in.e = 5;
		in.d = 5;
		in.interval_months = 12;
		if (cal_db_instrument_get(&have, db, in.id) == CAL_OK)
			continue;
		err = cal_db_instrument_add(db, &in);
	}
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]) && !err; i++) {
		struct cal_standard s;

		if (cal_db_standard_get(&s, db, w[i].id) == CAL_OK)
			continue;
		memset(&s, 0, sizeof(s));
		snprintf(s.id, sizeof(s.id), "%s", w[i].id);
		snprintf(s.kind, sizeof(s.kind), "weight");
		snprintf(s.weight_class, sizeof(s.weight_class), "M1");
		s.nominal_kg = w[i].kg;
		s.correction_kg = cal_num_round_sig(w[i].corr_mg * 1e-6, 15);
		s.u_kg = cal_num_round_sig(w[i].u_mg * 1e-6, 15);
		s.k = 2;
		snprintf(s.cert_no, sizeof(s.cert_no), "DEMO-KL-%04d", 101 + (int)i);
		cal_date_format(s.due_date, sizeof(s.due_date), &due);
		snprintf(s.description, sizeof(s.description), "demo M1 weight set");
		err = cal_db_standard_add(db, &s);
	}
	/* The laboratory printed on the documents (set once with calbench setting). */
	if (!err)
		err = cal_db_setting_set(db, "lab.name",
					 "Demo Standards and Quality Centre (calbench demo)");
	if (!err)
		err = cal_db_setting_set(db, "lab.address", "Demo street 1, Quang Ngai, Viet Nam");
	if (!err)
		err = cal_db_setting_set(db, "lab.place", "Quảng Ngãi");
	/* what the QR codes open: calbench serve on this machine */
	if (!err)
		err = cal_db_setting_set(db, "verify.base_url", "http://127.0.0.1:8080/verify/");
	return err;
}

/* Verify one balance end to end; *number receives the document number. */
static int demo_run(struct cli *cli, struct cal_db *db, const struct cal_procedure *proc, int k,
		    const char *profile, char *number, size_t size)
{
	struct cal_sim_balance_cfg cfg;
	struct cal_sim_balance *sim = NULL;
	struct cal_device *dev = NULL;
	struct cal_port_cfg pc;
	struct cal_instrument dut;
	struct cal_run_params p;
	struct cal_run_outcome o;
	struct cal_result *r = NULL;
	struct term_op t;
	char pty[256], id[32];
	size_t n = 0;
	int err;

	snprintf(id, sizeof(id), "DEMO-BAL-%d", k);
	cal_sim_balance_cfg_default(&cfg);
	snprintf(cfg.serial, sizeof(cfg.serial), "DEMO-000%d", k);
	cfg.max_g = 30000;
	cfg.d_g = 5;
	cfg.noise_g = 0.8;
	cfg.settle_ms = 250;
	cfg.seed = (unsigned)k;
	if (profile && (err = cal_sim_balance_parse_profile(&cfg, profile)))
		return err;
	err = cal_sim_balance_new(&sim, &cfg);
	if (!err)
		err = cal_sim_balance_listen_pty(sim, pty, sizeof(pty));
	if (!err)
		err = cal_sim_balance_start(sim);
	if (!err)
		err = cal_port_cfg_parse(&pc, pty, "9600/8N1");
	if (!err)
		err = cal_dev_open(&dev, "mt-sics", &pc, "bal1");
	if (!err)
		err = cal_db_instrument_get(&dut, db, id);
	if (err)
		goto out;
	printf("\n== %s: class %s, Max %g g, e = %g g, serial %s%s\n", id, dut.accuracy_class,
	       dut.max, dut.e, dut.serial, profile ? "; its error profile exceeds the MPE" : "");
	printf("   simulated MT-SICS balance on %s (bench instrument bal1, driver mt-sics)\n", pty);
	fflush(stdout);

	memset(&t, 0, sizeof(t));
	t.cli = cli;
	t.in = stdin;
	t.hand = hand_place;
	t.hand_ctx = sim;
	t.quiet_live = true;
	memset(&p, 0, sizeof(p));
	p.db = db;
	p.proc = proc;
	p.dut = &dut;
	p.mode = "initial";
	p.operator_name = "demo technician";
	p.dev = dev;
	p.op = &term_op_ops;
	p.op_ctx = &t;
	p.stop_flag = cli->stop_flag;
	err = cal_run_start(&o, &p);
	if (err)
		goto out;
	err = cal_db_result_list(&r, &n, db, o.run_id);
	if (err)
		goto out;
	printf("\nResults of run %lld (%s)\n", (long long)o.run_id, id);
	cli_print_results(cli, r, n);
	printf("Verdict: %s%s%s\n", o.verdict, o.reason[0] ? ": " : "", o.reason);
	if (o.cert.kind == CAL_CERT_VERIFICATION)
		printf("Certificate %s, valid until %s\n", o.cert.number, o.cert.valid_until);
	else
		printf("Failure record (không đạt) %s\n", o.cert.number);
	snprintf(number, size, "%s", o.cert.number);
out:
	free(r);
	cal_dev_close(dev);
	cal_sim_balance_free(sim);
	return err;
}

void demo_print_batch(struct cli *cli, struct cal_db *db, const struct cal_prun_outcome *o,
		      const struct cal_prun_gauge *duts, char numbers[][64], size_t n_numbers)
{
	for (size_t i = 0; i < o->n; i++) {
		const struct cal_run_outcome *ro = &o->runs[i];
		struct cal_result *r = NULL;
		size_t n = 0;

		if (cal_db_result_list(&r, &n, db, ro->run_id) == CAL_OK) {
			printf("\nResults of run %lld (%s)\n", (long long)ro->run_id,
			       duts[i].dut->id);
			cli_print_results(cli, r, n);
			free(r);
		}
		printf("Verdict: %s%s%s\n", ro->verdict, ro->reason[0] ? ": " : "", ro->reason);
		if (ro->cert.kind == CAL_CERT_VERIFICATION)
			printf("Certificate %s, valid until %s\n", ro->cert.number,
			       ro->cert.valid_until);
		else
			printf("Failure record (không đạt) %s\n", ro->cert.number);
		if (i < n_numbers)
			snprintf(numbers[i], 64, "%s", ro->cert.number);
	}
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
	const struct cli_opt opts[] = { { NULL, false, NULL, NULL } };
	const char *pos[1];
	struct cal_procedure *proc = NULL;
	struct cal_db *db = NULL;
	struct cal_date today;
	char numbers[10][64], proc_path[PATH_MAX], db_abs[PATH_MAX];
	static const int verified[] = {
		0, 1, 2, 3, 4, 5, 9
	}; /* the water ones: a pass, the fail */
	int64_t t0 = cal_mono_ms();
	int npos, rc, err;

	rc = cli_parse(argc, argv, 1, opts, pos, 0, &npos, "demo");
	if (rc)
		return rc;
	if (!cli->db_given) {
		cli->db_path = DEMO_DB;
		err = remove_db(DEMO_DB);
		if (err)
			return cli_fail(err, "demo");
	}
	/* The shipped procedure: next to the program's source tree, or installed. */
	snprintf(proc_path, sizeof(proc_path), "%s/procedures/defs/oiml-r76-nawi-verification.yaml",
		 CALBENCH_SOURCE_DIR);
	err = cal_procedure_load(&proc, proc_path);
	if (err)
		return cli_fail(err, "demo");
	rc = cli_open_db(&db, cli, true);
	if (rc)
		goto out;
	printf("calbench demo: verification of two balances per OIML R 76-1, three pressure "
	       "gauges per EN 837-1 and five water meters per OIML R 49 on simulated "
	       "instruments\n"
	       "procedure %s\n  SHA-256 %s\n",
	       proc_path, proc->sha256);
	cal_date_from_unix(&today, cal_clock_system()->wall_s(NULL));
	err = cli_demo_keys(cli, db);
	if (!err)
		err = register_demo(db, &today);
	if (!err) {
		printf("registered instruments DEMO-BAL-1, DEMO-BAL-2 and a demo M1 weight set "
		       "(W20K ... W100)\n");
		err = demo_run(cli, db, proc, 1, NULL, numbers[0], sizeof(numbers[0]));
	}
	if (!err)
		err = demo_run(cli, db, proc, 2, "0:0,2500:0,15000:15,30000:30", numbers[1],
			       sizeof(numbers[1]));
	if (!err)
		err = demo_pressure(cli, db, &today, numbers + 2, 3);
	if (!err)
		err = demo_water(cli, db, numbers + 5, 5);
	if (err) {
		rc = cli_fail(err, "demo");
		goto out;
	}
	printf("\n== An inspector verifies the numbers (calbench verify NUMBER)\n");
	for (size_t j = 0; j < sizeof(verified) / sizeof(verified[0]); j++) {
		int i = verified[j];
		struct cal_verify v;

		err = cal_db_verify(&v, db, numbers[i], &today);
		if (err) {
			rc = cli_fail(err, "demo");
			goto out;
		}
		cli_print_verify(cli, &v, numbers[i]);
		printf("  (calbench verify exits %d)\n",
		       v.status == CAL_VERIFY_VALID ? 0 : CLI_VERIFY_BASE + (int)v.status);
	}
	if (!realpath(cal_db_path(db), db_abs))
		snprintf(db_abs, sizeof(db_abs), "%s", cal_db_path(db));
	printf("\nDemo finished in %.1f s. Database: %s\n", (cal_mono_ms() - t0) / 1000.0, db_abs);
	printf("Try: calbench --db %s instrument show DEMO-BAL-1\n"
	       "     calbench --db %s cert show %s\n"
	       "     calbench --db %s verify %s --json\n"
	       "     calbench --db %s cert show %s   (a pressure gauge that failed)\n"
	       "     calbench --db %s cert pdf %s -o %s.pdf\n"
	       "     calbench --db %s serve   (then open http://127.0.0.1:8080/verify/%s)\n",
	       db_abs, db_abs, numbers[0], db_abs, numbers[1], db_abs, numbers[4], db_abs,
	       numbers[0], numbers[0], db_abs, numbers[0]);
	rc = CLI_OK;
out:
	cal_db_close(db);
	cal_procedure_free(proc);
	return rc;
}

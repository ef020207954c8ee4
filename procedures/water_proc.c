/*
 * Flow-bench procedure files (instrument_kind water-meter, flow-meter or
 * fuel-dispenser):
 *
 *   activity: verification            # or calibration (errors with U, GUM)
 *   reference:
 *     kind: master-meter              # or gravimetric (a balance), proving-can
 *     quantity: total                 # the master meter's totalizer
 *     adequacy_ratio: 0.2             # verification: U_ref <= ratio x MPE
 *     air_density: 1.2                # gravimetric, kg/m3
 *     weights_density: 8000           # gravimetric, kg/m3
 *   points:
 *     - { point: Q1 }                 # water meters: Q1, Q2, Q3 (R 49 windows)
 *     - { point: Qmax, volume_l: 20 } # Qmin/Qmax of the register, or
 *     - { percent: 50, runs: 3 }      # % of Qmax; runs: draws at the point
 *   flow_tolerance_pct: 5             # window of Qmin/Qmax/% points
 *   water_temperature_c: 20           # the MPE's temperature (<= 30 °C: cold)
 *   attempts: 3                       # a point off its flow window is taken again
 *   decision: simple                  # calibration: simple | guard-band
 *
 * Q1/Q2/Q3 are Qmin/Qt/Qn for the classes A-D. What depends on the meters
 * (their Q1..Q4, d) is checked when the run is planned (water_run.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "cal/procedure.h"
#include "proc-internal.h"
#include "yamlx.h"

static int parse_point(struct cal_water_point *pt, struct fy_node *m, const char *name,
		       size_t index, bool water_meter)
{
	static const char *const known[] = { "point", "percent", "volume_l", "runs", NULL };
	static const char *const names[] = { "Q1", "Q2", "Q3", "Qmin", "Qmax" };
	struct fy_node *n, *pc;
	char where[32], buf[16];
	int err = CAL_OK;

	snprintf(where, sizeof(where), "points[%zu]", index);
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be a mapping { point: Q1 }",
				     name, yamlx_line(m), where);
	err = yamlx_known_keys(m, known, name, where);
	if (err)
		return err;
	n = yamlx_get(m, "point");
	pc = yamlx_get(m, "percent");
	if (!n == !pc)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: %s: give either point (Q1, Q2, Q3, Qmin, Qmax) or "
				     "percent (of Qmax)",
				     name, yamlx_line(m), where);
	if (pc) {
		pt->point = CAL_WP_PERCENT;
		err = yamlx_num(&pt->percent, pc, name, "percent");
		if (!err && !(pt->percent > 0 && pt->percent <= 100))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s:%d: %s: percent must be in (0, 100]", name,
					    yamlx_line(pc), where);
	} else {
		err = yamlx_str(buf, sizeof(buf), n, name, "point");
		if (err)
			return err;
		pt->point = -1;
		for (int i = 0; i < 5; i++)
			if (strcmp(buf, names[i]) == 0)
				pt->point = i;
		if (pt->point < 0)
			return cal_error_set(
				CAL_ERR_CONFIG,
				"%s:%d: %s: point '%s' is not Q1, Q2, Q3, Qmin or Qmax", name,
				yamlx_line(n), where, buf);
		if (water_meter != (pt->point <= CAL_WP_Q3))
			return cal_error_set(
				CAL_ERR_CONFIG, "%s:%d: %s: point '%s' is %s", name, yamlx_line(n),
				where, buf,
				water_meter ? "not a water-meter point (Q1, Q2, Q3, or percent)"
					    : "for water meters (here: Qmin, Qmax, or percent)");
	}
	if (err)
		return err;
	pt->volume_l = 0;
	n = yamlx_get(m, "volume_l");
	if (n) {
		err = yamlx_num(&pt->volume_l, n, name, "volume_l");
		if (!err && !(pt->volume_l > 0 && isfinite(pt->volume_l)))
			err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: volume_l must be > 0", name,
					    yamlx_line(n), where);
	}
	pt->runs = 1;
	n = yamlx_get(m, "runs");
	if (!err && n)
		err = yamlx_int(&pt->runs, n, name, "runs", 1, CAL_WATER_MAX_RUNS);
	return err;
}

static int opt_num(double *out, struct fy_node *m, const char *key, const char *name, double lo,
		   double hi)
{
	struct fy_node *n = yamlx_get(m, key);
	int err;

	if (!n)
		return CAL_OK;
	err = yamlx_num(out, n, name, key);
	if (!err && !(*out >= lo && *out <= hi))
		err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be %g..%g", name, yamlx_line(n),
				    key, lo, hi);
	return err;
}

static int parse_reference(struct cal_water_proc *wr, struct fy_node *m, const char *name)
{
	static const char *const known_ref[] = { "kind",	"quantity",	   "adequacy_ratio",
						 "air_density", "weights_density", NULL };
	struct fy_node *n;
	int err = yamlx_known_keys(m, known_ref, name, "reference");

	if (!err && (n = yamlx_get(m, "kind")))
		err = yamlx_str(wr->ref_kind, sizeof(wr->ref_kind), n, name, "kind");
	if (!err && (n = yamlx_get(m, "quantity")))
		err = yamlx_str(wr->quantity, sizeof(wr->quantity), n, name, "quantity");
	if (!err)
		err = opt_num(&wr->adequacy_ratio, m, "adequacy_ratio", name, 0, 1);
	if (!err)
		err = opt_num(&wr->rho_air, m, "air_density", name, 0, 10);
	if (!err)
		err = opt_num(&wr->rho_weights, m, "weights_density", name, 1000, 25000);
	if (err)
		return err;
	if (strcmp(wr->ref_kind, "master-meter") == 0)
		wr->ref = CAL_WREF_MASTER;
	else if (strcmp(wr->ref_kind, "gravimetric") == 0)
		wr->ref = CAL_WREF_GRAVIMETRIC;
	else if (strcmp(wr->ref_kind, "proving-can") == 0)
		wr->ref = CAL_WREF_CAN;
	else
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: reference kind '%s' is not master-meter, gravimetric "
				     "or proving-can",
				     name, yamlx_line(m), wr->ref_kind);
	return CAL_OK;
}

int cal_water_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name)
{
	static const char *const known[] = {
		"procedure",	       "title",	   "title_vi",	  "method",
		"instrument_kind",     "activity", "reference",	  "points",
		"water_temperature_c", "attempts", "description", "decision_rule",
		"flow_tolerance_pct",  "decision", NULL
	};
	struct cal_water_proc *wr = &p->wr;
	bool water_meter = strcmp(p->instrument_kind, "water-meter") == 0;
	bool calibration;
	struct fy_node *n, *m, *item;
	void *it = NULL;
	char buf[32];
	int err;

	p->water = true;
	memset(wr, 0, sizeof(*wr));
	snprintf(wr->ref_kind, sizeof(wr->ref_kind), "master-meter");
	wr->ref = CAL_WREF_MASTER;
	snprintf(wr->quantity, sizeof(wr->quantity), "total");
	wr->water_t_c = 20;
	wr->attempts = 3;
	wr->flow_tol_pct = 5;
	wr->decision = CAL_RULE_SIMPLE;
	wr->rho_air = 1.2;
	wr->rho_weights = 8000;
	p->mpe_factor_initial = p->mpe_factor_periodic = p->mpe_factor_after_repair = 1;
	err = yamlx_known_keys(root, known, name, "procedure");
	if (!err)
		err = yamlx_require(&n, root, "activity", name, "procedure");
	if (!err)
		err = yamlx_str(wr->activity, sizeof(wr->activity), n, name, "activity");
	if (err)
		return err;
	calibration = strcmp(wr->activity, "calibration") == 0;
	if (!calibration && strcmp(wr->activity, "verification") != 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: activity '%s' is not verification or calibration",
				     name, yamlx_line(n), wr->activity);
	if (!calibration && strcmp(p->instrument_kind, "flow-meter") == 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: a flow meter is calibrated here (activity: "
				     "calibration); its verification has no legal MPE in this "
				     "program",
				     name, yamlx_line(n));
	if (calibration && strcmp(p->instrument_kind, "fuel-dispenser") == 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: fuel dispensers are verified (OIML R 117), not "
				     "calibrated, here",
				     name, yamlx_line(n));
	m = yamlx_get(root, "reference");
	if (m && (err = parse_reference(wr, m, name)))
		return err;
	n = yamlx_get(root, "water_temperature_c");
	if (n) {
		err = yamlx_num(&wr->water_t_c, n, name, "water_temperature_c");
		if (!err && !(wr->water_t_c >= 0 && wr->water_t_c <= 100))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s:%d: water_temperature_c must be 0..100 °C", name,
					    yamlx_line(n));
		if (err)
			return err;
	}
	n = yamlx_get(root, "attempts");
	if (n && (err = yamlx_int(&wr->attempts, n, name, "attempts", 1, 10)))
		return err;
	if ((err = opt_num(&wr->flow_tol_pct, root, "flow_tolerance_pct", name, 0.1, 50)))
		return err;
	n = yamlx_get(root, "decision");
	if (n) {
		enum cal_decision_rule r;

		err = yamlx_str(buf, sizeof(buf), n, name, "decision");
		if (!err && (cal_decision_rule_parse(&r, buf) || r == CAL_RULE_NON_BINARY))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s:%d: decision '%s' is not simple or guard-band",
					    name, yamlx_line(n), buf);
		if (err)
			return err;
		wr->decision = r;
	}
	err = yamlx_require(&m, root, "points", name, "procedure");
	if (err)
		return err;
	if (!fy_node_is_sequence(m) || fy_node_sequence_item_count(m) < 1)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'points' must be a non-empty list",
				     name, yamlx_line(m));
	while ((item = fy_node_sequence_iterate(m, &it))) {
		struct cal_water_point *pt = &wr->points[wr->n_points];

		if (wr->n_points == CAL_WATER_MAX_POINTS)
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: at most %d points", name,
					     yamlx_line(item), CAL_WATER_MAX_POINTS);
		err = parse_point(pt, item, name, wr->n_points, water_meter);
		if (err)
			return err;
		if (calibration && pt->runs < 2)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: points[%zu]: a calibration needs runs: 2 or "
					     "more at each point (repeatability is a term of its "
					     "uncertainty)",
					     name, yamlx_line(item), wr->n_points);
		wr->n_points++;
	}
	if (!yamlx_get(root, "decision_rule")) {
		if (calibration)
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "%s: the error at each flow rate with its expanded uncertainty "
				 "against the meter's specified accuracy (ILAC-G8:09/2019 %s)",
				 wr->decision == CAL_RULE_GUARD_BAND ? "guard band w = U"
								     : "simple acceptance",
				 wr->decision == CAL_RULE_GUARD_BAND ? "§4.2.2" : "§4.2.1");
		else if (strcmp(p->instrument_kind, "fuel-dispenser") == 0)
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "simple acceptance: the error of each delivered volume within the "
				 "MPE, at least Emin (OIML R 117-1; ILAC-G8:09/2019 §4.2.1)");
		else
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "simple acceptance: the error of indication at each flow rate "
				 "within the MPE of the zone (OIML R 49-1; ILAC-G8:09/2019 "
				 "§4.2.1)");
	}
	return CAL_OK;
}

/*
 * Water-meter procedure files (instrument_kind: water-meter):
 *
 *   activity: verification
 *   reference: { kind: master-meter, quantity: total }
 *   points:
 *     - { point: Q1 }                 # test volume by the rule (200 d, 90 s)
 *     - { point: Q2, volume_l: 50 }   # or given, in litres
 *     - { point: Q3 }
 *   water_temperature_c: 20           # the MPE's temperature (<= 30 °C: cold)
 *   attempts: 3                       # a point off its flow window is taken again
 *
 * Q1/Q2/Q3 are Qmin/Qt/Qn for the classes A-D. What depends on the meters
 * (their Q1..Q4, d) is checked when the run is planned (water_run.c).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/procedure.h"
#include "proc-internal.h"
#include "yamlx.h"

static int parse_point(struct cal_water_point *pt, struct fy_node *m, const char *name,
		       size_t index)
{
	static const char *const known[] = { "point", "volume_l", NULL };
	static const char *const names[] = { "Q1", "Q2", "Q3" };
	struct fy_node *n;
	char where[32], buf[16];
	int err;

	snprintf(where, sizeof(where), "points[%zu]", index);
	if (!fy_node_is_mapping(m))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be a mapping { point: Q1 }",
				     name, yamlx_line(m), where);
	err = yamlx_known_keys(m, known, name, where);
	if (!err)
		err = yamlx_require(&n, m, "point", name, where);
	if (!err)
		err = yamlx_str(buf, sizeof(buf), n, name, "point");
	if (err)
		return err;
	pt->point = -1;
	for (int i = 0; i < 3; i++)
		if (strcmp(buf, names[i]) == 0)
			pt->point = i;
	if (pt->point < 0)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: point '%s' is not Q1, Q2 or Q3",
				     name, yamlx_line(n), where, buf);
	pt->volume_l = 0;
	n = yamlx_get(m, "volume_l");
	if (n) {
		err = yamlx_num(&pt->volume_l, n, name, "volume_l");
		if (!err && !(pt->volume_l > 0 && isfinite(pt->volume_l)))
			err = cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: volume_l must be > 0", name,
					    yamlx_line(n), where);
	}
	return err;
}

int cal_water_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name)
{
	static const char *const known[] = { "procedure", "title",	     "title_vi",
					     "method",	  "instrument_kind", "activity",
					     "reference", "points",	     "water_temperature_c",
					     "attempts",  "description",     "decision_rule",
					     NULL };
	static const char *const known_ref[] = { "kind", "quantity", NULL };
	struct cal_water_proc *wr = &p->wr;
	struct fy_node *n, *m, *item;
	void *it = NULL;
	int err;

	p->water = true;
	memset(wr, 0, sizeof(*wr));
	snprintf(wr->ref_kind, sizeof(wr->ref_kind), "master-meter");
	snprintf(wr->quantity, sizeof(wr->quantity), "total");
	wr->water_t_c = 20;
	wr->attempts = 3;
	p->mpe_factor_initial = p->mpe_factor_periodic = p->mpe_factor_after_repair = 1;
	err = yamlx_known_keys(root, known, name, "procedure");
	if (!err)
		err = yamlx_require(&n, root, "activity", name, "procedure");
	if (!err)
		err = yamlx_str(wr->activity, sizeof(wr->activity), n, name, "activity");
	if (err)
		return err;
	if (strcmp(wr->activity, "verification") != 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: activity '%s': water-meter procedures are "
				     "verifications (calibration against a master meter: not yet)",
				     name, yamlx_line(n), wr->activity);
	m = yamlx_get(root, "reference");
	if (m) {
		err = yamlx_known_keys(m, known_ref, name, "reference");
		if (!err && (n = yamlx_get(m, "kind")))
			err = yamlx_str(wr->ref_kind, sizeof(wr->ref_kind), n, name, "kind");
		if (!err && (n = yamlx_get(m, "quantity")))
			err = yamlx_str(wr->quantity, sizeof(wr->quantity), n, name, "quantity");
		if (err)
			return err;
		if (strcmp(wr->ref_kind, "master-meter") != 0)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: reference kind '%s' is not supported "
					     "(master-meter; gravimetric: not yet)",
					     name, yamlx_line(m), wr->ref_kind);
	}
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
	err = yamlx_require(&m, root, "points", name, "procedure");
	if (err)
		return err;
	if (!fy_node_is_sequence(m) || fy_node_sequence_item_count(m) < 1)
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: 'points' must be a non-empty list",
				     name, yamlx_line(m));
	while ((item = fy_node_sequence_iterate(m, &it))) {
		if (wr->n_points == CAL_WATER_MAX_POINTS)
			return cal_error_set(CAL_ERR_CONFIG, "%s:%d: at most %d points", name,
					     yamlx_line(item), CAL_WATER_MAX_POINTS);
		err = parse_point(&wr->points[wr->n_points], item, name, wr->n_points);
		if (err)
			return err;
		wr->n_points++;
	}
	if (!yamlx_get(root, "decision_rule"))
		snprintf(p->decision_rule, sizeof(p->decision_rule),
			 "simple acceptance: the error of indication at each flow rate within the "
			 "MPE of the zone (OIML R 49-1; ILAC-G8:09/2019 §4.2.1)");
	return CAL_OK;
}

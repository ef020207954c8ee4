/*
 * Pressure procedure files (instrument_kind: pressure-gauge): parse and
 * validate. What is checked here is what the file alone decides; what
 * depends on the gauge (its class, the points it needs) is checked when the
 * plan is built (pressure_run.c), with a message naming the gauge.
 *
 *   activity: verification | calibration
 *   mpe: { rule: en837-1 | digital | transmitter }
 *   points: { count: by-class | N, sequence: up-down | dkd-r6-1 | A | B | C }
 *   reference: { adequacy_ratio: 0.25 }      # verification: U_ref <= ratio x MPE
 *   settle: { band_pct_span, rate_pct_span_s, hold_s, timeout_s, poll_ms,
 *             controller_flag, preload_hold_s }
 *   budget: [reference, resolution, hysteresis, repeatability]   # calibration
 *   decision: simple | guard-band                                 # calibration
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cal/error.h"
#include "cal/procedure.h"
#include "proc-internal.h"
#include "yamlx.h"

static int parse_points(struct cal_pressure_proc *pr, struct fy_node *m, const char *name)
{
	static const char *const known[] = { "count", "sequence", NULL };
	struct fy_node *n;
	char buf[32];
	int err;

	err = yamlx_known_keys(m, known, name, "points");
	if (err)
		return err;
	n = yamlx_get(m, "count");
	if (n) {
		err = yamlx_str(buf, sizeof(buf), n, name, "count");
		if (err)
			return err;
		if (strcmp(buf, "by-class") != 0) {
			err = yamlx_int(&pr->points, n, name, "count", 2, 41);
			if (err)
				return cal_error_prefix(CAL_ERR_CONFIG,
							"(count is 'by-class' or a number of "
							"points, ends included) ");
		}
	}
	err = yamlx_require(&n, m, "sequence", name, "points");
	if (!err)
		err = yamlx_str(buf, sizeof(buf), n, name, "sequence");
	if (err)
		return err;
	if (strcmp(buf, "up-down") == 0) {
		pr->dkd = false;
	} else if (strcmp(buf, "dkd-r6-1") == 0) {
		pr->dkd = true;
	} else if (strlen(buf) == 1 && strchr("ABC", buf[0])) {
		pr->dkd = true;
		pr->dkd_name = buf[0];
	} else {
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: points: sequence '%s' is not up-down, dkd-r6-1 (by "
				     "class), A, B or C",
				     name, yamlx_line(n), buf);
	}
	if (pr->dkd && pr->points)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: points: a DKD-R 6-1 sequence fixes the number of "
				     "points; remove 'count'",
				     name, yamlx_line(m));
	return CAL_OK;
}

static int parse_bool(bool *out, struct fy_node *n, const char *name, const char *field)
{
	char buf[16];
	int err = yamlx_str(buf, sizeof(buf), n, name, field);

	if (err)
		return err;
	if (strcmp(buf, "true") == 0 || strcmp(buf, "yes") == 0)
		*out = true;
	else if (strcmp(buf, "false") == 0 || strcmp(buf, "no") == 0)
		*out = false;
	else
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s: '%s' is not true or false", name,
				     yamlx_line(n), field, buf);
	return CAL_OK;
}

/* A positive number field of @m into *out (kept when absent). */
static int opt_pos(double *out, struct fy_node *m, const char *key, const char *name, bool zero_ok)
{
	struct fy_node *n = yamlx_get(m, key);
	int err;

	if (!n)
		return CAL_OK;
	err = yamlx_num(out, n, name, key);
	if (err)
		return err;
	if (!(isfinite(*out) && (*out > 0 || (zero_ok && *out == 0))))
		return cal_error_set(CAL_ERR_CONFIG, "%s:%d: %s must be %s", name, yamlx_line(n),
				     key, zero_ok ? ">= 0" : "> 0");
	return CAL_OK;
}

static int parse_settle(struct cal_pressure_proc *pr, struct fy_node *m, const char *name)
{
	static const char *const known[] = { "band_pct_span",  "rate_pct_span_s",
					     "hold_s",	       "timeout_s",
					     "poll_ms",	       "controller_flag",
					     "preload_hold_s", NULL };
	struct fy_node *n;
	int err;

	err = yamlx_known_keys(m, known, name, "settle");
	if (!err)
		err = opt_pos(&pr->band_pct_span, m, "band_pct_span", name, true);
	if (!err)
		err = opt_pos(&pr->rate_pct_span_s, m, "rate_pct_span_s", name, false);
	if (!err && (n = yamlx_get(m, "hold_s"))) {
		err = yamlx_num(&pr->hold_s, n, name, "hold_s");
		if (!err && !(pr->hold_s > 0 && pr->hold_s <= 3600))
			err = cal_error_set(CAL_ERR_CONFIG,
					    "%s:%d: hold_s must be in (0, 3600]: a settled point "
					    "is one that held",
					    name, yamlx_line(n));
	}
	if (!err && (n = yamlx_get(m, "timeout_s")))
		err = yamlx_int(&pr->settle_timeout_s, n, name, "timeout_s", 1, 7200);
	if (!err && (n = yamlx_get(m, "poll_ms")))
		err = yamlx_int(&pr->poll_ms, n, name, "poll_ms", 10, 60000);
	if (!err && (n = yamlx_get(m, "preload_hold_s")))
		err = yamlx_int(&pr->preload_hold_s, n, name, "preload_hold_s", 0, 3600);
	if (!err && (n = yamlx_get(m, "controller_flag")))
		err = parse_bool(&pr->require_flag, n, name, "controller_flag");
	if (err)
		return err;
	if (!pr->require_flag && !(pr->band_pct_span > 0))
		return cal_error_set(
			CAL_ERR_CONFIG,
			"%s:%d: settle: without the controller's flag a band is needed "
			"(band_pct_span > 0), or a drifting pressure would be accepted",
			name, yamlx_line(m));
	if (pr->settle_timeout_s <= pr->hold_s)
		return cal_error_set(
			CAL_ERR_CONFIG,
			"%s:%d: settle: timeout_s (%d) must be longer than hold_s (%g)", name,
			yamlx_line(m), pr->settle_timeout_s, pr->hold_s);
	return CAL_OK;
}

int cal_pressure_proc_parse(struct cal_procedure *p, struct fy_node *root, const char *name)
{
	static const char *const known[] = { "procedure",   "title",	       "title_vi",
					     "method",	    "instrument_kind", "activity",
					     "mpe",	    "points",	       "reference",
					     "settle",	    "budget",	       "decision",
					     "description", "decision_rule",   NULL };
	static const char *const known_mpe[] = { "rule", NULL };
	static const char *const known_ref[] = { "adequacy_ratio", NULL };
	struct cal_pressure_proc *pr = &p->pr;
	struct fy_node *n, *m;
	char buf[160];
	int err;

	p->pressure = true;
	memset(pr, 0, sizeof(*pr));
	pr->require_flag = true;
	pr->band_pct_span = 0.1;
	pr->rate_pct_span_s = 0.01;
	pr->hold_s = 10;
	pr->settle_timeout_s = 120;
	pr->poll_ms = 500;
	pr->preload_hold_s = 30;
	pr->decision = CAL_RULE_SIMPLE;
	p->mpe_factor_initial = p->mpe_factor_periodic = p->mpe_factor_after_repair = 1;
	p->stability_timeout_s = 30;

	err = yamlx_known_keys(root, known, name, "procedure");
	if (!err)
		err = yamlx_require(&n, root, "activity", name, "procedure");
	if (!err)
		err = yamlx_str(pr->activity, sizeof(pr->activity), n, name, "activity");
	if (err)
		return err;
	if (strcmp(pr->activity, "verification") != 0 && strcmp(pr->activity, "calibration") != 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: activity '%s' is not verification or calibration",
				     name, yamlx_line(n), pr->activity);

	err = yamlx_require(&m, root, "mpe", name, "procedure");
	if (!err)
		err = yamlx_known_keys(m, known_mpe, name, "mpe");
	if (!err)
		err = yamlx_require(&n, m, "rule", name, "mpe");
	if (!err)
		err = yamlx_str(buf, sizeof(buf), n, name, "rule");
	if (err)
		return err;
	if (strcmp(buf, "en837-1") == 0)
		pr->mpe_rule = CAL_PMPE_EN837;
	else if (strcmp(buf, "digital") == 0)
		pr->mpe_rule = CAL_PMPE_DIGITAL;
	else if (strcmp(buf, "transmitter") == 0)
		pr->mpe_rule = CAL_PMPE_TRANSMITTER;
	else
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: mpe rule '%s' is not en837-1, digital or transmitter",
				     name, yamlx_line(n), buf);

	err = yamlx_require(&m, root, "points", name, "procedure");
	if (!err)
		err = parse_points(pr, m, name);
	if (err)
		return err;
	if (pr->dkd && strcmp(pr->activity, "calibration") != 0)
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: points: a DKD-R 6-1 sequence is for calibrations "
				     "(activity: calibration)",
				     name, yamlx_line(m));

	m = yamlx_get(root, "reference");
	if (m) {
		err = yamlx_known_keys(m, known_ref, name, "reference");
		if (!err)
			err = opt_pos(&pr->adequacy_ratio, m, "adequacy_ratio", name, false);
		if (err)
			return err;
		if (pr->adequacy_ratio > 1)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: reference: adequacy_ratio must be in (0, 1] "
					     "(0.25 for the 4:1 rule)",
					     name, yamlx_line(m));
	} else if (strcmp(pr->activity, "verification") == 0) {
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: a verification needs 'reference: { adequacy_ratio: "
				     "0.25 }' (EN 837-1: the reference within 1/4 of the MPE)",
				     name, yamlx_line(root));
	}

	m = yamlx_get(root, "settle");
	if (m && (err = parse_settle(pr, m, name)))
		return err;

	n = yamlx_get(root, "budget");
	if (strcmp(pr->activity, "calibration") == 0) {
		char terms[160] = "";
		struct fy_node *item;
		void *it = NULL;

		if (!n || !fy_node_is_sequence(n) || fy_node_sequence_item_count(n) < 1)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: a calibration needs 'budget: [reference, "
					     "resolution, ...]' (the uncertainty terms per point)",
					     name, yamlx_line(n ? n : root));
		while ((item = fy_node_sequence_iterate(n, &it))) {
			err = yamlx_str(buf, sizeof(buf), item, name, "budget");
			if (err)
				return err;
			if (strlen(terms) + strlen(buf) + 2 >= sizeof(terms))
				return cal_error_set(CAL_ERR_CONFIG, "%s:%d: budget: too long",
						     name, yamlx_line(item));
			if (terms[0])
				strcat(terms, ",");
			strcat(terms, buf);
		}
		if (cal_pressure_budget_terms_parse(&pr->budget_terms, terms))
			return cal_error_prefix(CAL_ERR_CONFIG, "%s:%d: budget: ", name,
						yamlx_line(n));
		if (!(pr->budget_terms & CAL_PB_REFERENCE))
			return cal_error_set(
				CAL_ERR_CONFIG,
				"%s:%d: budget: the reference term is always part of a "
				"calibration's uncertainty",
				name, yamlx_line(n));
		n = yamlx_get(root, "decision");
		if (!n)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: a calibration states its decision rule: "
					     "'decision: simple' or 'decision: guard-band' "
					     "(ILAC-G8:09/2019 §4.2)",
					     name, yamlx_line(root));
		err = yamlx_str(buf, sizeof(buf), n, name, "decision");
		if (err)
			return err;
		if (cal_decision_rule_parse(&pr->decision, buf) ||
		    pr->decision == CAL_RULE_NON_BINARY)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: decision '%s' is not simple or guard-band "
					     "(non-binary statements are not issued)",
					     name, yamlx_line(n), buf);
		if (!pr->dkd && !pr->points)
			return cal_error_set(CAL_ERR_CONFIG,
					     "%s:%d: a calibration takes a DKD-R 6-1 sequence or a "
					     "point count",
					     name, yamlx_line(root));
	} else if (n || yamlx_get(root, "decision")) {
		return cal_error_set(CAL_ERR_CONFIG,
				     "%s:%d: budget and decision are for calibrations; a "
				     "verification uses simple acceptance against the MPE",
				     name, yamlx_line(n ? n : yamlx_get(root, "decision")));
	}
	if (!yamlx_get(root, "decision_rule")) {
		if (strcmp(pr->activity, "calibration") == 0 && pr->decision == CAL_RULE_GUARD_BAND)
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "binary statement with guard band w = U: pass when |E| + U <= "
				 "MPE at every point (ILAC-G8:09/2019 §4.2.2)");
		else if (strcmp(pr->activity, "calibration") == 0)
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "simple acceptance: pass when |E| <= MPE at every point, U "
				 "reported (ILAC-G8:09/2019 §4.2.1)");
		else
			snprintf(p->decision_rule, sizeof(p->decision_rule),
				 "simple acceptance: each |E| and the hysteresis <= MPE "
				 "(ILAC-G8:09/2019 §4.2.1); the reference within 1/4 of the "
				 "MPE (EN 837-1)");
	}
	return CAL_OK;
}

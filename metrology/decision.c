/*
 * Conformity decision rules of ILAC-G8:09/2019 §4.2 for an error E against a
 * symmetric tolerance ±T. Source: domain.md §6.3 [V S28, S29].
 */
#include <math.h>

#include "cal/error.h"
#include "cal/metrology.h"
#include "internal.h"

static const char *const rule_names[3] = { "simple", "guard-band", "non-binary" };
static const char *const verdict_names[4] = { "PASS", "CONDITIONAL PASS", "CONDITIONAL FAIL",
					      "FAIL" };

/* Parse a rule name, ASCII case-insensitive. */
int cal_decision_rule_parse(enum cal_decision_rule *out, const char *s)
{
	if (!out || !s)
		return cal_error_set(CAL_ERR_ARG, "decision rule: no text given");
	for (int i = 0; i < 3; i++) {
		if (metro_streq_ci(s, rule_names[i])) {
			*out = (enum cal_decision_rule)(i + 1);
			return CAL_OK;
		}
	}
	return cal_error_set(CAL_ERR_ARG,
			     "unknown decision rule '%.32s' (expected simple, guard-band or "
			     "non-binary)",
			     s);
}

/* Rule name as parsed, "?" when out of range. */
const char *cal_decision_rule_name(enum cal_decision_rule r)
{
	return r >= CAL_RULE_SIMPLE && r <= CAL_RULE_NON_BINARY ? rule_names[r - 1] : "?";
}

/* Verdict text for certificates, "?" when out of range. */
const char *cal_verdict_name(enum cal_verdict v)
{
	return v >= CAL_VERDICT_PASS && v <= CAL_VERDICT_FAIL ? verdict_names[v - 1] : "?";
}

/*
 * ILAC-G8 §4.2.1-4.2.3 on |E| with limits T - w, T, T + w; each limit is
 * widened by 1e-9*T so that a value exactly at it is inside. With w >= T
 * (within that tolerance) the acceptance zone is empty: no PASS.
 */
int cal_decide(enum cal_verdict *out, enum cal_decision_rule rule, double E, double U, double T,
	       double w)
{
	double tol, a;
	bool pass_zone;

	if (!out)
		return cal_error_set(CAL_ERR_ARG, "cal_decide: no output");
	if (rule < CAL_RULE_SIMPLE || rule > CAL_RULE_NON_BINARY)
		return cal_error_set(CAL_ERR_ARG, "unknown decision rule %d", (int)rule);
	if (!isfinite(E))
		return cal_error_set(CAL_ERR_ARG, "decision rule: error E must be finite");
	if (!isfinite(U) || U < 0)
		return cal_error_set(CAL_ERR_ARG,
				     "decision rule: uncertainty U must be finite and >= 0");
	if (!isfinite(T) || T <= 0)
		return cal_error_set(CAL_ERR_ARG,
				     "decision rule: tolerance T must be finite and > 0");
	if (rule != CAL_RULE_SIMPLE && (!isfinite(w) || w < 0))
		return cal_error_set(CAL_ERR_ARG,
				     "decision rule: guard band w must be finite and >= 0");

	tol = CAL_METRO_REL_TOL * T;
	a = fabs(E);
	if (rule == CAL_RULE_SIMPLE) {
		*out = a <= T + tol ? CAL_VERDICT_PASS : CAL_VERDICT_FAIL;
		return CAL_OK;
	}
	pass_zone = w < T - tol && a <= T - w + tol;
	if (rule == CAL_RULE_GUARD_BAND) {
		*out = pass_zone ? CAL_VERDICT_PASS : CAL_VERDICT_FAIL;
		return CAL_OK;
	}
	if (pass_zone)
		*out = CAL_VERDICT_PASS;
	else if (a <= T + tol)
		*out = CAL_VERDICT_CONDITIONAL_PASS;
	else if (a <= T + w + tol)
		*out = CAL_VERDICT_CONDITIONAL_FAIL;
	else
		*out = CAL_VERDICT_FAIL;
	return CAL_OK;
}

/*
 * Text control of the balance simulator: one line per call, as typed on the
 * stdin of `calbench sim balance` (grammar in cal/sim_balance.h). Numbers
 * use '.' whatever the locale; counts are decimal integers.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cal/clock.h"
#include "cal/error.h"
#include "cal/num.h"
#define LOG_PREFIX "sim-balance"
#include "cal/log.h"

#include "sim_balance_int.h"

#define CTL_LINE_MAX 256 /* longest control line, bytes */
#define CTL_WORDS_MAX 5
#define CTL_COUNT_MAX 1000000  /* replies one fault may affect */
#define CTL_LATE_MAX_MS 600000 /* longest delay of a late reply, ms */

static const char help_text[] =
	"load <g> | fault drop|garble|es|el [n] | fault late [n] <ms> | fault close [n] | "
	"fault none | profile <load:err,...>|none | noise <g> | drift <g/min> | status | help";

static int parse_int(int *out, const char *word, const char *what, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(word, &end, 10);
	if (errno != 0 || end == word || *end != '\0' || v < min || v > max)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': expected an integer %d..%d", what, word,
				     min, max);
	*out = (int)v;
	return CAL_OK;
}

static int parse_double(double *out, const char *word, const char *what)
{
	if (cal_num_parse_str(out, NULL, word) != CAL_OK)
		return cal_error_set(CAL_ERR_ARG, "%s '%s': expected a number", what, word);
	return CAL_OK;
}

static int ctl_fault(struct cal_sim_balance *sim, char **w, int nw)
{
	static const struct {
		const char *name;
		enum cal_sim_fault f;
	} kinds[] = {
		{ "drop", CAL_SIM_FAULT_DROP }, { "garble", CAL_SIM_FAULT_GARBLE },
		{ "late", CAL_SIM_FAULT_LATE }, { "close", CAL_SIM_FAULT_CLOSE },
		{ "es", CAL_SIM_FAULT_ES },	{ "el", CAL_SIM_FAULT_EL },
		{ "none", CAL_SIM_FAULT_NONE }, { "clear", CAL_SIM_FAULT_NONE },
	};
	enum cal_sim_fault f = CAL_SIM_FAULT_NONE;
	int count = 1, late_ms = 0;
	bool found = false;
	int rc;

	if (nw < 2)
		return cal_error_set(CAL_ERR_ARG, "fault: which one? (drop, garble, late, close, "
						  "es, el, none)");
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(w[1], kinds[i].name) == 0) {
			f = kinds[i].f;
			found = true;
			break;
		}
	}
	if (!found)
		return cal_error_set(CAL_ERR_ARG,
				     "fault '%s': unknown (drop, garble, late, close, "
				     "es, el, none)",
				     w[1]);
	switch (f) {
	case CAL_SIM_FAULT_NONE:
		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "fault %s: takes no count", w[1]);
		count = 0;
		break;
	case CAL_SIM_FAULT_LATE:
		if (nw == 3) {
			rc = parse_int(&late_ms, w[2], "fault late: delay ms", 0, CTL_LATE_MAX_MS);
		} else if (nw == 4) {
			rc = parse_int(&count, w[2], "fault late: count", 1, CTL_COUNT_MAX);
			if (rc == CAL_OK)
				rc = parse_int(&late_ms, w[3], "fault late: delay ms", 0,
					       CTL_LATE_MAX_MS);
		} else {
			rc = cal_error_set(CAL_ERR_ARG, "fault late: expected [count] <ms>");
		}
		if (rc != CAL_OK)
			return rc;
		break;
	case CAL_SIM_FAULT_CLOSE:
		count = 0; /* now */
		__attribute__((fallthrough));
	default:
		if (nw > 3)
			return cal_error_set(CAL_ERR_ARG, "fault %s: expected at most a count",
					     w[1]);
		if (nw == 3) {
			rc = parse_int(&count, w[2], "fault: count", 1, CTL_COUNT_MAX);
			if (rc != CAL_OK)
				return rc;
		}
		break;
	}
	cal_sim_balance_fault(sim, f, count, late_ms);
	return CAL_OK;
}

int cal_sim_balance_control(struct cal_sim_balance *sim, const char *line, char *reply, size_t size)
{
	char buf[CTL_LINE_MAX];
	char *w[CTL_WORDS_MAX];
	char *p = buf;
	size_t len;
	int nw = 0;
	int rc = CAL_OK;
	double v;

	if (reply && size > 0)
		reply[0] = '\0';
	if (!sim || !line)
		return cal_error_set(CAL_ERR_ARG, "control: NULL argument");
	len = strlen(line);
	if (len >= sizeof(buf))
		return cal_error_set(CAL_ERR_ARG, "control line too long (at most %d characters)",
				     CTL_LINE_MAX - 1);
	memcpy(buf, line, len + 1);
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (*p == '\0')
			break;
		if (nw == CTL_WORDS_MAX)
			return cal_error_set(CAL_ERR_ARG, "control line: too many words");
		w[nw++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
	if (nw == 0)
		return cal_error_set(CAL_ERR_ARG, "empty control line (try help)");

	if (strcmp(w[0], "load") == 0) {
		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "load: expected one value in g");
		rc = parse_double(&v, w[1], "load");
		if (rc == CAL_OK)
			cal_sim_balance_set_load(sim, v);
	} else if (strcmp(w[0], "fault") == 0) {
		rc = ctl_fault(sim, w, nw);
	} else if (strcmp(w[0], "profile") == 0) {
		struct cal_sim_balance_cfg cfg;

		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "profile: expected load:err,... or none "
							  "(no spaces)");
		memset(&cfg, 0, sizeof(cfg));
		rc = cal_sim_balance_parse_profile(&cfg, w[1]);
		if (rc == CAL_OK)
			cal_sim_balance_set_error_profile(sim, cfg.err, cfg.n_err);
	} else if (strcmp(w[0], "noise") == 0 || strcmp(w[0], "drift") == 0) {
		bool noise = w[0][0] == 'n';

		if (nw != 2)
			return cal_error_set(CAL_ERR_ARG, "%s: expected one value", w[0]);
		rc = parse_double(&v, w[1], w[0]);
		if (rc == CAL_OK && noise && v < 0)
			rc = cal_error_set(CAL_ERR_ARG, "noise '%s': must be >= 0", w[1]);
		if (rc == CAL_OK) {
			pthread_mutex_lock(&sim->lock);
			if (noise)
				sim->model.noise_g = v;
			else
				sim_model_set_drift(&sim->model, v, cal_mono_ms());
			pthread_mutex_unlock(&sim->lock);
		}
	} else if (strcmp(w[0], "status") == 0 && nw == 1) {
		if (reply && size > 0)
			sim_status_line(sim, reply, size);
		return CAL_OK;
	} else if (strcmp(w[0], "help") == 0 && nw == 1) {
		if (reply && size > 0)
			snprintf(reply, size, "%s", help_text);
		return CAL_OK;
	} else {
		return cal_error_set(CAL_ERR_ARG, "unknown control command '%.40s' (try help)",
				     w[0]);
	}
	if (rc == CAL_OK && reply && size > 0)
		snprintf(reply, size, "ok");
	return rc;
}
